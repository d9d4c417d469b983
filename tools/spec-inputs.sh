#!/bin/sh
# tools/spec-inputs.sh DIR: the input text of every case of tests/spec/*.txt as a file of its
# own, DIR/spec-NNN.txt (the seeds of `make fuzz`; `make test` replays them through the
# round-trip harness: every spec input must read back from its XML as it compiled).
set -e
dir=$1
[ -n "$dir" ] || { echo "usage: tools/spec-inputs.sh DIR" >&2; exit 2; }
mkdir -p "$dir"
awk -v d="$dir" '
  /^### / { if (f) close(f); n++; f = sprintf("%s/spec-%03d.txt", d, n); on = 1; next }
  /^--- / { on = 0 }
  on { print > f }' tests/spec/*.txt
