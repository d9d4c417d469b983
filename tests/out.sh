#!/bin/sh
# out.sh BINARY: out/ is committed so that a change in the output shows in review. Regenerate
# it with BINARY into a scratch directory and fail when it differs from the committed files
# (the git index when this is a git checkout, so `make` overwriting out/ hides nothing).
set -u
RB=${1:?usage: out.sh path/to/rulebook}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
status=0
committed() { # committed PATH DEST: the committed version of PATH
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && git cat-file -e ":$1" 2>/dev/null; then
    git show ":$1" >"$2"
  elif [ -f "$1" ]; then
    cp "$1" "$2"
  else
    return 1
  fi
}
check() { # check NAME: compare $T/NAME with out/NAME
  if ! committed "out/$1" "$T/$1.committed"; then
    echo "out.sh: out/$1 is not committed"; status=1; return
  fi
  if ! cmp -s "$T/$1" "$T/$1.committed"; then
    echo "out.sh: out/$1 differs from what the compiler now produces:"
    diff -u "$T/$1.committed" "$T/$1" | head -40
    status=1
  fi
}
xmls=""
for f in corpora/*.txt; do
  id=$(basename "$f" .txt)
  "$RB" compile -q "$f" -o "$T/$id.xml" 2>"$T/$id.err"
  rc=$?
  if [ $rc -ge 2 ]; then echo "out.sh: $f does not compile:"; cat "$T/$id.err"; status=1; continue; fi
  check "$id.xml"
  xmls="$xmls $T/$id.xml"
done
for fmt in md csv json html; do
  # shellcheck disable=SC2086
  "$RB" compare -q --unmatched --format $fmt $xmls -o "$T/compare.$fmt" || { echo "out.sh: compare --format $fmt failed"; status=1; continue; }
  check "compare.$fmt"
done
"$RB" check --min-severity note corpora/*.txt -o "$T/check.txt"; rc=$?
[ $rc -le 1 ] || { echo "out.sh: check failed"; status=1; }
check check.txt
"$RB" check --min-severity note --format sarif corpora/*.txt -o "$T/check.sarif"; rc=$?
[ $rc -le 1 ] || { echo "out.sh: check --format sarif failed"; status=1; }
check check.sarif
if [ $status -ne 0 ]; then
  echo "If the change is intended, accept it with:  make accept && git add out/"
fi
exit $status
