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
for f in corpora/*.txt; do
  id=$(basename "$f" .txt)
  "$RB" compile -q "$f" -o "$T/$id.xml" 2>"$T/$id.err"
  rc=$?
  if [ $rc -ge 2 ]; then echo "out.sh: $f does not compile:"; cat "$T/$id.err"; status=1; continue; fi
  if ! committed "out/$id.xml" "$T/$id.committed"; then
    echo "out.sh: out/$id.xml is not committed"; status=1; continue
  fi
  if ! cmp -s "$T/$id.xml" "$T/$id.committed"; then
    echo "out.sh: out/$id.xml differs from what the compiler now produces:"
    diff -u "$T/$id.committed" "$T/$id.xml" | head -40
    status=1
  fi
done
if [ $status -ne 0 ]; then
  echo "If the change is intended, accept it with:  make accept && git add out/"
fi
exit $status
