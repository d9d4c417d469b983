#!/bin/sh
# readme.sh: the README's tour runs as printed. Every block of the tour that starts with
# "$ COMMAND" is run (from a scratch copy of the checkout's layout: build/, corpora/, tests/,
# grammar/ linked, out/ copied, so the commands that write into out/ touch nothing here) and
# its standard output must be the lines printed under it.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$ROOT/build/rulebook" ] || { echo "readme.sh: build/rulebook is not built (make)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for d in build corpora tests grammar; do ln -s "$ROOT/$d" "$T/$d"; done
cp -r "$ROOT/out" "$T/out"
# the tour: from its heading to the next one; each ``` block that opens with "$ "
awk -v dir="$T" '
  /^## A 60-second tour/ { on = 1; next }
  on && /^## / { on = 0 }
  !on { next }
  /^```/ { if (inb) { inb = 0; close(cmdf); close(outf) } else { inb = 1; first = 1 } ; next }
  inb && first { first = 0
    if (substr($0, 1, 2) != "$ ") { inb = 0; next }
    n++; cmdf = dir "/cmd" n; outf = dir "/want" n
    print substr($0, 3) > cmdf; printf "" > outf; next }
  inb { print > outf }
  END { print n > (dir "/count") }' "$ROOT/README.md"
n=$(cat "$T/count")
[ "$n" -ge 5 ] || { echo "readme.sh: FAIL: only $n commands found in the tour"; exit 1; }
fails=0
i=1
while [ "$i" -le "$n" ]; do
  (cd "$T" && sh -c "$(cat "$T/cmd$i")") >"$T/got$i" 2>/dev/null
  if ! cmp -s "$T/got$i" "$T/want$i"; then
    echo "readme.sh: FAIL: \$ $(cat "$T/cmd$i")"
    diff "$T/want$i" "$T/got$i" | head -10
    fails=$((fails + 1))
  fi
  i=$((i + 1))
done
echo "readme.sh: $n tour commands, $fails differ from the README"
[ "$fails" -eq 0 ]
