#!/bin/sh
# man.sh BINARY: the manual page covers every command and every option that the built-in help
# documents, and formats without warnings (when groff is installed).
set -u
RB=${1:?usage: man.sh path/to/rulebook}
MAN=rulebook.1
fails=0
n=0
# the man page writes - as \-
plain=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$MAN")
for cmd in compile compare check diff init; do
  printf '%s\n' "$plain" | grep -q "^\.SS $cmd\$" || { echo "FAIL: rulebook.1 has no section for $cmd"; fails=$((fails + 1)); }
  for opt in $("$RB" help "$cmd" | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
    n=$((n + 1))
    printf '%s\n' "$plain" | grep -q -- "$opt" || { echo "FAIL: rulebook.1 does not document $cmd $opt"; fails=$((fails + 1)); }
  done
done
for code in 0 1 2; do
  printf '%s\n' "$plain" | grep -q "^\.B $code\$" || { echo "FAIL: rulebook.1 does not explain exit status $code"; fails=$((fails + 1)); }
done
if command -v groff >/dev/null 2>&1; then
  w=$(groff -k -man -Tutf8 -ww -z "$MAN" 2>&1)
  [ -z "$w" ] || { echo "FAIL: groff warns: $w"; fails=$((fails + 1)); }
fi
echo "man.sh: $n options checked, $fails failed"
[ "$fails" -eq 0 ]
