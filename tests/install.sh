#!/bin/sh
# install.sh MAKE: `make install` into a temporary prefix (and a DESTDIR staging), run the
# installed binary on a corpus file with the grammar it finds itself, read its manual page,
# then `make uninstall` leaves nothing behind.
set -u
MAKE=${1:-make}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset RULEBOOK_GRAMMAR
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

for how in prefix destdir; do
  if [ $how = prefix ]; then
    set -- PREFIX="$T/prefix"; root="$T/prefix"
  else
    set -- PREFIX=/usr DESTDIR="$T/stage"; root="$T/stage/usr"
  fi
  $MAKE -s install "$@" >"$T/install.log" 2>&1 || fail "$how: make install: $(tail -3 "$T/install.log")"
  for f in bin/rulebook share/rulebook/grammar/structure.yaml share/rulebook/grammar/extract.yaml \
           share/rulebook/grammar/check.yaml share/rulebook/grammar/README.md share/man/man1/rulebook.1; do
    [ -f "$root/$f" ] || fail "$how: $f is not installed"
  done
  # run from elsewhere, so that nothing can find the repository's grammar
  (cd "$T" && "$root/bin/rulebook" compile -q "$OLDPWD/corpora/wujin-2021.txt" -o "$T/w.xml") 2>"$T/err" ||
    fail "$how: the installed binary does not compile: $(cat "$T/err")"
  grep -q "<article " "$T/w.xml" 2>/dev/null || fail "$how: no articles in the installed binary's output"
  "$root/bin/rulebook" --version | grep -q '^rulebook ' || fail "$how: --version"
  if command -v man >/dev/null 2>&1; then
    MANPAGER=cat MANWIDTH=80 man -l "$root/share/man/man1/rulebook.1" 2>/dev/null | grep -q "rulebook init" ||
      fail "$how: the installed manual page does not read"
  fi
  $MAKE -s uninstall "$@" >"$T/uninstall.log" 2>&1 || fail "$how: make uninstall: $(tail -3 "$T/uninstall.log")"
  left=$(find "$root" -type f 2>/dev/null)
  [ -z "$left" ] || fail "$how: make uninstall left $left"
  rm -f "$T/w.xml"
done
echo "install.sh: prefix and DESTDIR installs, $fails failed"
[ "$fails" -eq 0 ]
