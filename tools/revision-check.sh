#!/bin/sh
# revision-check.sh OLD NEW [DIMENSIONS] [REPORT]
#
# For CI: a newly issued revision NEW of a rulebook must compile, and must not change the
# tracked dimensions (default: meetings,deadlines) of the previous one OLD without review.
# Writes the article-aligned diff as JSON to REPORT (default: revision-diff.json, for the job's
# artifacts) and prints it as Markdown. Exit 0: nothing tracked changed; 1: a tracked
# dimension changed (the job fails); 2: trouble (NEW or OLD does not compile).
set -u
OLD=${1:?usage: revision-check.sh OLD NEW [DIMENSIONS] [REPORT]}
NEW=${2:?usage: revision-check.sh OLD NEW [DIMENSIONS] [REPORT]}
DIMS=${3:-meetings,deadlines}
REPORT=${4:-revision-diff.json}
RB=${RULEBOOK:-$(dirname "$0")/../build/rulebook}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the new text must compile (exit 2 is trouble; 1 means numbering errors: report, go on)
"$RB" compile -q "$NEW" -o "$tmp/new.xml"
rc=$?
[ $rc -ge 2 ] && { echo "revision-check: $NEW does not compile" >&2; exit 2; }
"$RB" diff "$OLD" "$NEW" --format json -o "$REPORT" || [ $? -eq 1 ] || exit 2
"$RB" diff "$OLD" "$NEW" --format md
"$RB" diff "$OLD" "$NEW" --fail-on "$DIMS" >/dev/null
rc=$?
case $rc in
  0) echo "revision-check: no change in $DIMS" ;;
  1) echo "revision-check: $DIMS changed; review the summary above (report: $REPORT)" ;;
esac
exit $rc
