#!/bin/sh
# revision-check.sh OLD NEW [DIMENSIONS] [REPORT]
#
# For CI: a newly issued revision NEW of a rulebook must compile, and must not change the
# tracked dimensions (default: meetings,deadlines) of the previous one OLD without review.
# Prints the article-aligned diff as Markdown; with REPORT, also writes it as JSON there (for
# the job's artifacts). Writes no other file. The last line says what happened:
#   revision-check: unchanged   exit 0  nothing tracked changed
#   revision-check: changed     exit 1  a tracked dimension changed (the job fails: review)
#   revision-check: trouble     exit 2  OLD or NEW does not compile, a dimension is unknown…
set -u
usage="usage: revision-check.sh OLD NEW [DIMENSIONS] [REPORT]"
OLD=${1:?$usage}
NEW=${2:?$usage}
DIMS=${3:-meetings,deadlines}
REPORT=${4:-}
RB=${RULEBOOK:-rulebook}

trouble() { echo "revision-check: trouble: $*" >&2; echo "revision-check: trouble"; exit 2; }

tmp=$(mktemp -d) || trouble "no temporary directory"
trap 'rm -rf "$tmp"' EXIT
# the new text must compile (exit 2 is trouble; 1 means numbering errors: reported, go on)
"$RB" compile -q "$NEW" -o "$tmp/new.xml"
[ $? -ge 2 ] && trouble "$NEW does not compile"
# one run decides (0 unchanged, 1 changed, 2 trouble: an unknown dimension, OLD unreadable)
"$RB" diff -q "$OLD" "$NEW" --fail-on "$DIMS" --format json -o "$tmp/diff.json"
rc=$?
[ $rc -ge 2 ] && trouble "rulebook diff failed (see above)"
"$RB" diff -q "$OLD" "$NEW" --format md || [ $? -eq 1 ] || trouble "rulebook diff --format md failed"
if [ -n "$REPORT" ]; then
  cp "$tmp/diff.json" "$REPORT" || trouble "cannot write $REPORT"
fi
if [ $rc -eq 1 ]; then
  echo "revision-check: $DIMS changed; review the summary above${REPORT:+ (report: $REPORT)}" >&2
  echo "revision-check: changed"
else
  echo "revision-check: unchanged"
fi
exit $rc
