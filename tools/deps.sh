#!/bin/sh
# deps.sh SET: make sure the Debian packages that SET needs are installed.
#   build  what `make` needs to build and run rulebook
#   test   what `make test` needs on top
#   fuzz   what `make fuzz` needs on top (clang with libFuzzer)
# As root it installs what is missing (apt-get); otherwise it prints the exact command and
# fails, so that nobody is left guessing which -dev package is missing.
set -u
set_name=${1:-build}

build_pkgs="gcc make pkg-config libc6-dev libpcre2-dev libxml2-dev libyaml-dev nettle-dev libutf8proc-dev opencc python3-jieba"
test_pkgs="$build_pkgs libcmocka-dev libxml2-utils"
fuzz_pkgs="$test_pkgs clang"

case "$set_name" in
  build) want=$build_pkgs ;;
  test) want=$test_pkgs ;;
  fuzz) want=$fuzz_pkgs ;;
  *) echo "deps.sh: unknown set '$set_name' (build, test or fuzz)" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "deps.sh: not a Debian system; make sure these (or their equivalents) are installed: $want" >&2
  exit 0
fi

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
  echo "deps.sh: installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq $missing >&2 || {
    echo "deps.sh: apt-get failed; run: apt-get update && apt-get install -y$missing" >&2
    exit 1
  }
  exit 0
fi
echo "rulebook needs these Debian packages; run:" >&2
echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
exit 1
