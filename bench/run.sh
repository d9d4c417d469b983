#!/bin/sh
# bench/run.sh: `make bench`. Generates the inputs (bench/gen.py), then measures each command
# as the median of BENCH_RUNS runs (default 3) in this one session, and prints a Markdown
# table: MB/s, files/s, peak RSS, and ratios to the floors (reading the input; a bare
# PCRE2-JIT header scan) and to the Python peer, all measured in the same run. The table is
# also written to build/bench/results.md. Nothing here is a pass/fail test.
set -eu
RUNS=${BENCH_RUNS:-3}
W=build/bench
RB=$(pwd)/build/rulebook
M=$W/measure
SCAN=$W/scan
PY=${PYTHON:-python3}
[ -x /usr/bin/python3 ] && PY=${PYTHON:-/usr/bin/python3}
OUT=$W/results.md
TMP=$W/tmp
rm -rf "$TMP"
mkdir -p "$TMP"
trap 'rm -rf /dev/shm/rulebook-bench.$$' EXIT

"$PY" bench/gen.py "$W" >&2
NAT=$(ls $W/national/*.txt)
NNAT=$(echo "$NAT" | wc -l)
size() { cat "$@" | wc -c; }
B_BIG=$(size $W/big.txt)
B_BIGT=$(size $W/big-trad.txt)
B_WRAP=$(size $W/wrapped.txt)
B_WRAPT=$(size $W/wrapped-trad.txt)
B_FWT=$(size $W/fullwidth-trad.txt)
B_FWWT=$(size $W/fullwidth-wrapped-trad.txt)
B_CRWT=$(size $W/crlf-wrapped-trad.txt)
B_NAT=$(size $NAT)
B_CORP=$(size corpora/*.txt)
NCORP=$(ls corpora/*.txt | wc -l)

# measure NAME BYTES FILES RUNS CMD...: median wall time and peak RSS over RUNS runs
# measure_vs PEER NAME BYTES FILES RUNS CMD...: the same, each run after one of the peer (PEER:
# a shell command), whose median goes with the row: the row's "× peer" is taken from these
# alternated runs, so that a slow spell of the machine weighs on both sides of the ratio
: >"$TMP/rows"
median() { sort -n "$1" | awk '{ w[NR] = $1 } END { print w[int((NR + 1) / 2)] }'; }
measure() { measure_vs "" "$@"; }
measure_vs() {
  peer=$1 name=$2 bytes=$3 files=$4 runs=$5
  shift 5
  : >"$TMP/m"
  : >"$TMP/p"
  i=0
  while [ $i -lt "$runs" ]; do
    [ -n "$peer" ] && "$M" -o "$TMP/p" sh -c "$peer" 2>>"$TMP/stderr.log"
    "$M" -o "$TMP/m" "$@" 2>>"$TMP/stderr.log" # diagnostics are not what is measured
    i=$((i + 1))
  done
  # a failing command would make the row meaningless: exit codes 0 and 1 (findings) only
  if cat "$TMP/m" "$TMP/p" | awk '$3 > 1 { bad = 1 } END { exit !bad }'; then
    echo "run.sh: '$name' failed: $(cat "$TMP/m" "$TMP/p"); $(tail -3 "$TMP/stderr.log")" >&2
    exit 1
  fi
  pm=
  [ -n "$peer" ] && pm=$(median "$TMP/p")
  sort -n "$TMP/m" | awk -v n="$name" -v b="$bytes" -v f="$files" -v p="$pm" '
    { w[NR] = $1; if ($2 > rss) rss = $2 }
    END { m = w[int((NR + 1) / 2)]; printf "%s\t%s\t%s\t%.6f\t%d\t%s\n", n, b, f, m, rss, p }' >>"$TMP/rows"
  tail -1 "$TMP/rows" | awk -F'\t' '{ printf "  %-58s %8.3f s%s\n", $1, $4, $6 != "" ? sprintf("  (peer %.3f s)", $6) : "" }' >&2
}

mkdir -p "$TMP/peer" "$TMP/out"
echo "== the ${B_BIG}-byte file (median of $RUNS)" >&2
measure "floor: read (cat)" "$B_BIG" 1 "$RUNS" sh -c "cat $W/big.txt >/dev/null"
measure "floor: PCRE2-JIT article-header scan" "$B_BIG" 1 "$RUNS" "$SCAN" $W/big.txt
measure "floor: copy the file (cp) to disk" "$B_BIG" 1 "$RUNS" cp $W/big.txt "$TMP/big-copy.txt"
measure "peer: Python re split, write JSON lines" "$B_BIG" 1 "$RUNS" "$PY" bench/peer.py "$TMP/peer" $W/big.txt
PEER_BIG="$PY bench/peer.py $TMP/peer $W/big.txt >/dev/null"
measure_vs "$PEER_BIG" "compile, structure only, to /dev/null" "$B_BIG" 1 "$RUNS" "$RB" compile -q --no-facts $W/big.txt -o /dev/null
measure_vs "$PEER_BIG" "compile, structure only, to a file" "$B_BIG" 1 "$RUNS" "$RB" compile -q --no-facts $W/big.txt -o "$TMP/out/big.xml"
measure_vs "$PEER_BIG" "compile + facts, to /dev/null" "$B_BIG" 1 "$RUNS" "$RB" compile -q $W/big.txt -o /dev/null
measure_vs "$PEER_BIG" "compile + facts, to a file" "$B_BIG" 1 "$RUNS" "$RB" compile -q $W/big.txt -o "$TMP/out/big.xml"
measure_vs "$PEER_BIG" "traditional: compile, structure only, to a file" "$B_BIGT" 1 "$RUNS" "$RB" compile -q --no-facts $W/big-trad.txt -o "$TMP/out/big-trad.xml"
measure_vs "$PEER_BIG" "traditional: compile + facts, to a file" "$B_BIGT" 1 "$RUNS" "$RB" compile -q $W/big-trad.txt -o "$TMP/out/big-trad.xml"
# (its peak against its size: a line of 30 characters costs the model what a long one does)
measure "lines of 30 characters: compile + facts, to a file" "$B_WRAP" 1 "$RUNS" "$RB" compile -q $W/wrapped.txt -o "$TMP/out/wrapped.xml"
measure "lines of 30 characters, traditional: compile + facts, to a file" "$B_WRAPT" 1 "$RUNS" "$RB" compile -q $W/wrapped-trad.txt -o "$TMP/out/wrapped-trad.xml"
measure "full-width punctuation, traditional: compile + facts, to a file" "$B_FWT" 1 "$RUNS" "$RB" compile -q $W/fullwidth-trad.txt -o "$TMP/out/fullwidth-trad.xml"
measure "lines of 30 characters, full-width punctuation, traditional: compile + facts, to a file" "$B_FWWT" 1 "$RUNS" "$RB" compile -q $W/fullwidth-wrapped-trad.txt -o "$TMP/out/fullwidth-wrapped-trad.xml"
measure "lines of 30 characters, CR LF line ends, traditional: compile + facts, to a file" "$B_CRWT" 1 "$RUNS" "$RB" compile -q $W/crlf-wrapped-trad.txt -o "$TMP/out/crlf-wrapped-trad.xml"

echo "== the national set: $NNAT files (median of $RUNS)" >&2
measure "floor: read (cat)" "$B_NAT" "$NNAT" "$RUNS" sh -c "cat $W/national/*.txt >/dev/null"
measure "floor: PCRE2-JIT article-header scan" "$B_NAT" "$NNAT" "$RUNS" "$SCAN" $NAT
measure "peer: Python, one process over all files" "$B_NAT" "$NNAT" "$RUNS" "$PY" bench/peer.py "$TMP/peer" $NAT
PEER_NAT="$PY bench/peer.py $TMP/peer $W/national/*.txt >/dev/null"
measure "peer: Python, one process per file (1 run)" "$B_NAT" "$NNAT" 1 sh -c "for f in $W/national/*.txt; do $PY bench/peer.py $TMP/peer \$f; done"
# creating 2,800 files costs this disk more than compiling them: a floor for it, and the same
# runs into tmpfs (/dev/shm) when there is one
rm -rf "$TMP/cp"
mkdir -p "$TMP/cp"
measure "floor: copy the files (cp) to disk" "$B_NAT" "$NNAT" "$RUNS" sh -c "cp $W/national/*.txt $TMP/cp/"
rm -rf "$TMP/nat"
measure_vs "$PEER_NAT" "compile, structure only, one process, to disk" "$B_NAT" "$NNAT" "$RUNS" "$RB" compile -q --no-facts $NAT -o "$TMP/nat"
measure_vs "$PEER_NAT" "compile + facts, one process, to disk" "$B_NAT" "$NNAT" "$RUNS" "$RB" compile -q $NAT -o "$TMP/nat"
measure_vs "$PEER_NAT" "compile + facts, -j 2, to disk" "$B_NAT" "$NNAT" "$RUNS" "$RB" compile -q -j 2 $NAT -o "$TMP/nat"
SHM=
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  SHM=/dev/shm/rulebook-bench.$$
  rm -rf "$SHM"
  mkdir -p "$SHM/cp"
  measure "floor: copy the files (cp) to tmpfs" "$B_NAT" "$NNAT" "$RUNS" sh -c "cp $W/national/*.txt $SHM/cp/"
  measure_vs "$PEER_NAT" "compile, structure only, one process, to tmpfs" "$B_NAT" "$NNAT" "$RUNS" "$RB" compile -q --no-facts $NAT -o "$SHM/nat"
  measure_vs "$PEER_NAT" "compile + facts, one process, to tmpfs" "$B_NAT" "$NNAT" "$RUNS" "$RB" compile -q $NAT -o "$SHM/nat"
  measure_vs "$PEER_NAT" "compile + facts, -j 2, to tmpfs" "$B_NAT" "$NNAT" "$RUNS" "$RB" compile -q -j 2 $NAT -o "$SHM/nat"
  rm -rf "$SHM/nat" "$SHM/cp"
fi
measure "compile + facts, one process per file (1 run)" "$B_NAT" "$NNAT" 1 sh -c "for f in $W/national/*.txt; do $RB compile -q \$f -o $TMP/one.xml; done"
measure_vs "$PEER_NAT" "compare (text inputs) to JSON" "$B_NAT" "$NNAT" "$RUNS" "$RB" compare -q $NAT --format json -o /dev/null
measure_vs "$PEER_NAT" "compare (compiled XML inputs) to JSON" "$B_NAT" "$NNAT" "$RUNS" "$RB" compare -q $TMP/nat/*.xml --format json -o /dev/null
# what bounds the row above: libxml2 reading the same compiled files, nothing built
if command -v xmllint >/dev/null; then
  measure "floor: libxml2 reads the compiled XML (xmllint --stream)" "$B_NAT" "$NNAT" "$RUNS" sh -c "xmllint --stream --noout $TMP/nat/*.xml"
fi
measure_vs "$PEER_NAT" "check (text inputs)" "$B_NAT" "$NNAT" "$RUNS" "$RB" check $NAT -o /dev/null
measure_vs "$PEER_NAT" "check (compiled XML inputs)" "$B_NAT" "$NNAT" "$RUNS" "$RB" check $TMP/nat/*.xml -o /dev/null
REV=$(ls $W/revisions/*.txt)
NREV=$(echo "$REV" | wc -l)
B_REV=$(size $REV)
measure "diff: $NREV revised copies, one process each" "$B_REV" "$NREV" "$RUNS" sh -c "for f in $W/revisions/*.txt; do $RB diff $W/national/\$(basename \$f) \$f >/dev/null; done"
# a large document and its revision (two words changed): the peak is the row's point
head -c 8000000 $W/big.txt | sed '$d' >"$TMP/d8.txt"
sed '100s/应当/须/; 5000s/研究/研究决定/' "$TMP/d8.txt" >"$TMP/d8r.txt"
measure "diff: an 8 MB text and its revision" "$(size "$TMP/d8.txt" "$TMP/d8r.txt")" 2 "$RUNS" "$RB" diff "$TMP/d8.txt" "$TMP/d8r.txt" -o /dev/null

# a run of many small inputs: 5,000 and then 20,000 of them, whose time should grow fourfold
# (a step that compares every input with every other would show here first)
SMALL=$(ls $W/small/*.txt)
NSMALL=$(echo "$SMALL" | wc -l)
NQ=$((NSMALL / 4))
SMALLQ=$(echo "$SMALL" | head -n "$NQ")
SOUT=$TMP/small-out
[ -n "$SHM" ] && SOUT=$SHM/small-out
echo "== many small files: $NQ, then $NSMALL (median of $RUNS)" >&2
measure "compile + facts, $NQ small files, one process" "$(size $SMALLQ)" "$NQ" "$RUNS" "$RB" compile -q $SMALLQ -o "$SOUT"
measure "compile + facts, $NSMALL small files, one process" "$(size $SMALL)" "$NSMALL" "$RUNS" "$RB" compile -q $SMALL -o "$SOUT"
rm -rf "$SOUT"
SCALE=$(tail -2 "$TMP/rows" | awk -F'\t' 'NR == 1 { a = $4 } NR == 2 { printf "%.2f", (a > 0 ? $4 / a : 0) }')

echo "== the corpora: $NCORP files (median of $RUNS)" >&2
measure "compile + facts" "$B_CORP" "$NCORP" "$RUNS" "$RB" compile -q corpora/*.txt -o "$TMP/corp"
measure "compare to Markdown" "$B_CORP" "$NCORP" "$RUNS" "$RB" compare -q corpora/*.txt -o /dev/null
measure "check" "$B_CORP" "$NCORP" "$RUNS" "$RB" check corpora/*.txt -o /dev/null
OLD=tests/fixtures/wujin-2017-opening.txt
measure "diff wujin-2017 excerpt -> wujin-2021" "$B_CORP" 2 "$RUNS" "$RB" diff "$OLD" corpora/wujin-2021.txt

echo "== start-up (median of 21 runs)" >&2
printf '某市人民政府工作规则\n第一条 为了规范工作,制定本规则。\n第二条 市政府实行市长负责制。\n' >"$TMP/small.txt"
measure "start-up: compile a 3-line file" "$(size "$TMP/small.txt")" 1 21 "$RB" compile -q --no-meta "$TMP/small.txt" -o "$TMP/small.xml"
measure "start-up: git textconv (--format lines) of wujin-2021" "$(size corpora/wujin-2021.txt)" 1 21 "$RB" compile -q --format lines corpora/wujin-2021.txt
measure "start-up: python3 -c pass (for scale)" 0 1 21 "$PY" -c pass

# traditional and simplified give the same model and facts
facts() { grep -oE '<rb:fact [^>]*>|<rb:normalized>[^<]*' "$1" | md5sum | cut -c1-12; }
tree() { grep -oE '<(chapter|article|paragraph|list|intro|point|num|heading|content) [^>]*>' "$1" | md5sum | cut -c1-12; }
same_facts=no
same_tree=no
[ "$(facts $TMP/out/big.xml)" = "$(facts $TMP/out/big-trad.xml)" ] && same_facts=yes
[ "$(tree $TMP/out/big.xml)" = "$(tree $TMP/out/big-trad.xml)" ] && same_tree=yes
same_fw=no
[ "$(facts $TMP/out/big.xml)" = "$(facts $TMP/out/fullwidth-trad.xml)" ] && same_fw=yes
same_fww=no
[ "$(facts $TMP/out/wrapped-trad.xml)" = "$(facts $TMP/out/fullwidth-wrapped-trad.xml)" ] && same_fww=yes
same_crlf=no
[ "$(facts $TMP/out/wrapped-trad.xml)" = "$(facts $TMP/out/crlf-wrapped-trad.xml)" ] && same_crlf=yes
nfacts=$(grep -c '<rb:fact ' $TMP/out/big.xml)

{
  echo "| what | input | median | MB/s | files/s | peak RSS | × read floor | × scan floor | × peer |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '
    function mbs(b, t) { return (t > 0) ? b / 1e6 / t : 0 }
    /^floor: read/ { rd[$2] = mbs($2, $4) }
    /^floor: PCRE2/ { sc[$2] = mbs($2, $4) }
    /^peer: Python re split|^peer: Python, one process over all/ { pe[$2] = mbs($2, $4) }
    { row[NR] = $0 }
    END {
      for (i = 1; i <= NR; i++) {
        split(row[i], f, "\t")
        t = f[4]; b = f[2]; m = mbs(b, t)
        inp = f[3] > 1 ? sprintf("%d files, %.1f MB", f[3], b / 1e6) : sprintf("%.1f MB", b / 1e6)
        if (b < 100000) inp = sprintf("%d bytes", b)
        r1 = (b in rd) && rd[b] > 0 && f[1] !~ /^floor: read/ ? sprintf("%.3f", m / rd[b]) : ""
        r2 = (b in sc) && sc[b] > 0 && f[1] !~ /^floor/ ? sprintf("%.2f", m / sc[b]) : ""
        r3 = (b in pe) && pe[b] > 0 && f[1] !~ /^floor|^peer/ ? sprintf("%.2f", m / pe[b]) : ""
        if (f[6] != "" && f[6] > 0 && t > 0) r3 = sprintf("%.2f", f[6] / t) # its own peer runs
        tm = t < 1 ? sprintf("%.1f ms", t * 1000) : sprintf("%.2f s", t)
        fps = (t > 0) ? f[3] / t : 0
        printf "| %s | %s | %s | %.1f | %.0f | %.1f MiB | %s | %s | %s |\n", f[1], inp, tm, m,
               fps, f[5] / 1024, r1, r2, r3
      }
    }' "$TMP/rows"
  echo
  echo "Traditional input: the same model (eIds, lines) as simplified: $same_tree; the same $nfacts facts: $same_facts."
  echo "Full-width punctuation (traditional): the same $nfacts facts as the simplified ASCII text: $same_fw."
  echo "Full-width punctuation in lines of 30 characters: the same facts as its ASCII twin: $same_fww."
  echo "CR LF line ends in lines of 30 characters: the same facts as its LF twin: $same_crlf."
  echo "Many small files: $NSMALL take ${SCALE}x the time of $NQ (in proportion: 4)."
  echo "Runs: median of $RUNS (start-up: of 21). Peak RSS: the largest of the runs. × peer: against"
  echo "the peer's median over runs alternated with the row's own (the peer row: its runs alone)."
} >"$OUT"
cat "$OUT"
