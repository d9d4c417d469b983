#!/bin/sh
# cli.sh BINARY: the command line as a user meets it. Exit codes, one clear error line for
# every bad input, no partial or clobbered output files, help and version.
set -u
RB=${1:?usage: cli.sh path/to/rulebook}
RB=$(cd "$(dirname "$RB")" && pwd)/$(basename "$RB")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
n=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { n=$((n + 1)); }

# run CMD...: sets rc, out (stdout file) and err (stderr file)
run() {
  "$@" >"$T/stdout" 2>"$T/stderr"
  rc=$?
}

expect_rc() { # expect_rc WANT WHAT
  if [ "$rc" -ne "$1" ]; then fail "$2: exit $rc, want $1; stderr: $(head -c 400 "$T/stderr")"; else ok; fi
}

# one line on stderr, shaped FILE:LINE:COL: error: message [rule] (FILE: error: … when it is
# about the whole file: never a made-up :0:0)
expect_one_error_line() { # WHAT RULE
  lines=$(grep -c '' "$T/stderr")
  [ "$lines" -eq 1 ] || fail "$1: $lines lines on stderr, want 1: $(head -c 400 "$T/stderr")"
  grep -Eq '^[^:]+(:[1-9][0-9]*:[1-9][0-9]*)?: error: .+ \['"$2"'\]$' "$T/stderr" ||
    fail "$1: stderr is not 'FILE:LINE:COL: error: … [$2]': $(cat "$T/stderr")"
  ok
}

# ---- help, version, usage errors ------------------------------------------------------------
run "$RB" --help; expect_rc 0 "--help"
grep -q "usage: rulebook COMMAND" "$T/stdout" || fail "--help prints no usage"
run "$RB" --version; expect_rc 0 "--version"
grep -Eq '^rulebook [0-9]+\.[0-9]+\.[0-9]+$' "$T/stdout" || fail "--version: $(cat "$T/stdout")"
run "$RB" help compile; expect_rc 0 "help compile"
grep -q -- "--diagnostics" "$T/stdout" || fail "help compile does not document --diagnostics"
run "$RB" compile --help; expect_rc 0 "compile --help"
run "$RB"; expect_rc 2 "no command"
run "$RB" frobnicate; expect_rc 2 "unknown command"
grep -q "rulebook help" "$T/stderr" || fail "unknown command does not point at the help"
run "$RB" compile --frob corpora/wujin-2021.txt; expect_rc 2 "unknown option"
[ "$(grep -c '' "$T/stderr")" -eq 1 ] || fail "unknown option: not one line"
grep -q "rulebook help compile" "$T/stderr" || fail "unknown option does not point at the help"
run "$RB" compile; expect_rc 2 "compile without FILE"
run "$RB" compile corpora/wujin-2021.txt corpora/urumqi-2018.txt; expect_rc 2 "several FILEs without -o"
run "$RB" compile --diagnostics yaml corpora/wujin-2021.txt; expect_rc 2 "bad --diagnostics"

# ---- a good compile ---------------------------------------------------------------------------
run "$RB" compile -q corpora/wujin-2021.txt -o "$T/wujin.xml"; expect_rc 0 "compile wujin"
[ -s "$T/wujin.xml" ] || fail "no output written"
grep -q 'eId="chp_11__art_58"' "$T/wujin.xml" || fail "article 58 missing from the XML"
run "$RB" compile -q corpora/wujin-2021.txt; expect_rc 0 "compile to stdout"
cmp -s "$T/stdout" "$T/wujin.xml" || fail "stdout and -o outputs differ"

# an output that is not a regular file is written in place, never replaced by a rename
run "$RB" compile -q corpora/wujin-2021.txt -o /dev/null; expect_rc 0 "-o /dev/null"
[ -c /dev/null ] || fail "-o /dev/null replaced the device with a file"
mkfifo "$T/fifo"
wc -c <"$T/fifo" >"$T/fifo.count" &
run "$RB" compile -q corpora/wujin-2021.txt -o "$T/fifo"; expect_rc 0 "-o FIFO"
wait
[ -p "$T/fifo" ] || fail "-o FIFO: the FIFO was replaced"
[ "$(cat "$T/fifo.count")" -eq "$(wc -c <"$T/wujin.xml")" ] || fail "-o FIFO: the reader got $(cat "$T/fifo.count") bytes"
rm -f "$T/fifo" "$T/fifo.count"

# ---- bad inputs: one error line, exit 2, no output, a good old output left alone ---------------
cp "$T/wujin.xml" "$T/keep.xml"
bad() { # bad NAME RULE: compile $T/NAME over $T/keep.xml
  run "$RB" compile "$T/$1" -o "$T/keep.xml"
  expect_rc 2 "$1"
  expect_one_error_line "$1" "$2"
  cmp -s "$T/keep.xml" "$T/wujin.xml" || fail "$1: the existing output was clobbered"
  ls "$T" | grep -q 'tmp\.' && fail "$1: a temporary file was left behind"
  ok
}
: >"$T/empty.txt"
bad empty.txt input-empty
head -c 3000 "$RB" >"$T/binary.txt"
bad binary.txt input-binary
{ head -c 5000 corpora/wuhan-2018.txt; printf '\377\376'; tail -c +5001 corpora/wuhan-2018.txt; } >"$T/invalid.txt"
bad invalid.txt encoding-invalid
grep -q "byte offset 5000" "$T/stderr" || fail "invalid UTF-8: the byte offset is not named: $(cat "$T/stderr")"
printf '\377\376\000\330\101\000' >"$T/utf16-bad.txt"   # UTF-16LE with a lone surrogate
bad utf16-bad.txt encoding-invalid
{ printf '\377\376'; printf 'not a rulebook at all' | iconv -f UTF-8 -t UTF-16LE; } >"$T/utf16-prose.txt"
bad utf16-prose.txt no-articles
head -c 52428800 /dev/zero | tr '\000' 'a' >"$T/oneline.txt"
bad oneline.txt line-too-long
bad does-not-exist.txt io-read
mkdir "$T/adir.txt"
bad adir.txt io-read
printf '这是一段普通的文字\n没有任何条文\n' >"$T/prose.txt"   # no article, no sentence
bad prose.txt no-articles
printf '第一条 甲\357\277\276乙。\n' >"$T/nonchar.txt"   # U+FFFE
bad nonchar.txt input-nonchar

# a few control characters are kept, and the XML stays well-formed and reads back the same
printf '某市人民政府工作规则\n第一条 测试\001内容\014。\n第二条 好。\n' >"$T/ctl.txt"
run "$RB" compile -q --no-meta "$T/ctl.txt" -o "$T/ctl.xml"; expect_rc 0 "control characters"
xmllint --noout "$T/ctl.xml" 2>"$T/xmllint" || fail "control characters: ill-formed XML: $(head -3 "$T/xmllint")"
run "$RB" diff "$T/ctl.txt" "$T/ctl.xml"; expect_rc 0 "control characters: text and XML differ"
# compare reads a compiled file as a stream, but the facts come before rb:source says where the
# controls went: a file with controls is read again as a tree, and its facts keep them
printf '某市人民政府工作规则\n第一条 以市政府名义发出的公文,由市长签发。\n第二条 市政府常务会议一般每月召开\014两次。\n' >"$T/ctlf.txt"
run "$RB" compile -q "$T/ctlf.txt" -o "$T/ctlf.xml"; expect_rc 0 "control characters in a fact"
grep -q 'controls="U+2400"' "$T/ctlf.xml" || fail "control characters in a fact: no controls attribute"
run "$RB" compare -q --format json "$T/ctlf.txt"; cp "$T/stdout" "$T/ctlf-txt.json"
run "$RB" compare -q --format json "$T/ctlf.xml"; expect_rc 0 "compare, controls in a fact"
grep -qF '召开\u000c两次' "$T/stdout" || fail "compare of a compiled file: the control in a fact is lost"
cmp -s "$T/stdout" "$T/ctlf-txt.json" || fail "compare of a compiled file with controls differs from the text's"

# a grammar file with a broken regex: file, line and pattern named
mkdir "$T/g"
cp grammar/*.yaml "$T/g/"
cat >>"$T/g/structure.yaml" <<'YAML'
  - id: broken-pattern
    role: junk
    regex: '^(unclosed'
    examples: ['x']
YAML
# a grammar's long note on a renamed body goes into the finding whole, never cut inside a
# character (it was cut at 512 bytes)
mkdir "$T/gn" && cp grammar/*.yaml "$T/gn/"
sed -i "s/^    note: the 2018 institutional reform merged.*/    note: $(printf '长%.0s' $(seq 300))终/" "$T/gn/check.yaml"
grep -q '长终$' "$T/gn/check.yaml" || fail "long note: the sed changed nothing"
run "$RB" check --min-severity note --grammar "$T/gn" corpora/chongqing-2018.txt
grep -q 'renamed-body' "$T/stdout" || fail "long note: no renamed-body finding: $(head -3 "$T/stdout")"
grep 'renamed-body' "$T/stdout" | grep -qv '长终)' && fail "long note: cut in the finding"
ok
run "$RB" compile --grammar "$T/g" corpora/wujin-2021.txt -o "$T/keep.xml"
expect_rc 2 "broken grammar"
expect_one_error_line "broken grammar" grammar-regex
grep -q "structure.yaml:[0-9]*:[0-9]*: error: pattern broken-pattern" "$T/stderr" || fail "broken grammar: file/line/pattern not named: $(cat "$T/stderr")"
cmp -s "$T/keep.xml" "$T/wujin.xml" || fail "broken grammar: output clobbered"

# a grammar's examples run once per its bytes and this build (a stamp in the cache); an edited
# grammar's run again, so a broken example is an error though the good grammar was stamped
mkdir "$T/g2" "$T/cache"
cp grammar/*.yaml "$T/g2/"
for i in 1 2; do
  run env XDG_CACHE_HOME="$T/cache" "$RB" compile -q --grammar "$T/g2" corpora/wujin-2021.txt -o "$T/g2.xml"
  expect_rc 0 "compile with a grammar cache, run $i"
  cmp -s "$T/g2.xml" "$T/wujin.xml" || fail "grammar cache, run $i: another output"
done
[ "$(ls "$T/cache/rulebook" | grep -c '^grammar-')" -eq 1 ] || fail "grammar cache: not one stamp: $(ls -R "$T/cache")"
sed -i "s/examples: \['一、根据《中华人民共和国宪法》'/examples: ['根据《中华人民共和国宪法》'/" "$T/g2/structure.yaml"
run env XDG_CACHE_HOME="$T/cache" "$RB" compile -q --grammar "$T/g2" corpora/wujin-2021.txt -o "$T/g2b.xml"
expect_rc 2 "a broken example after a stamp"
expect_one_error_line "a broken example after a stamp" grammar-example
[ ! -e "$T/g2b.xml" ] || fail "a broken example after a stamp: output written"
run env XDG_CACHE_HOME="$T/wujin.xml" "$RB" compile -q corpora/wujin-2021.txt -o "$T/g3.xml"
expect_rc 0 "a cache directory that cannot be made"
[ ! -s "$T/stderr" ] || fail "a cache directory that cannot be made: $(cat "$T/stderr")"

# ---- many files: -j N gives the same outputs, diagnostics and exit status as one process ----------
mkdir "$T/batch"
for i in $(seq 1 12); do cp corpora/wujin-2021.txt "$T/batch/w$i.txt"; done
cp corpora/*.txt "$T/batch/"
: >"$T/batch/w5b.txt"   # an empty file among them: exit 2, and the others are still compiled
run "$RB" compile "$T"/batch/*.txt -o "$T/j1"; expect_rc 2 "-j1 with a bad file"
cp "$T/stderr" "$T/j1.err"
run "$RB" compile -j 2 "$T"/batch/*.txt -o "$T/j2"; expect_rc 2 "-j2 with a bad file"
cmp -s "$T/stderr" "$T/j1.err" || fail "-j2 diagnostics differ from -j1: $(diff "$T/j1.err" "$T/stderr" | head -5)"
diff -r "$T/j1" "$T/j2" >/dev/null || fail "-j2 outputs differ from -j1"
[ "$(ls "$T/j2" | wc -l)" -eq 17 ] || fail "-j2: $(ls "$T/j2" | wc -l) outputs, want 17"
grep -q "w5b.txt:1:1: error: empty file" "$T/stderr" || fail "-j2: the empty file's error is missing"
run "$RB" compile -j 0 "$T"/batch/w1.txt "$T"/batch/w2.txt -o "$T/j0"; expect_rc 0 "-j 0 (one per CPU)"
run "$RB" compile -j x "$T"/batch/w1.txt -o "$T/jx"; expect_rc 2 "-j x"
expect_one_error_line_plain() { [ "$(grep -c '' "$T/stderr")" -eq 1 ] || fail "$1: not one line: $(cat "$T/stderr")"; ok; }
expect_one_error_line_plain "-j x"
run "$RB" compile -o; expect_rc 2 "-o without its argument"
grep -q "needs an argument" "$T/stderr" || fail "-o without argument: $(cat "$T/stderr")"
# progress: only on a terminal, only without -q
rm -f "$T/batch/w5b.txt"
grep -q compiling "$T/j1.err" && fail "a progress line was written to a non-terminal"
if command -v script >/dev/null 2>&1; then
  for i in $(seq 13 22); do cp corpora/erenhot-2013.txt "$T/batch/e$i.txt"; done
  script -qec "'$RB' compile $T/batch/*.txt -o $T/jpo" /dev/null >"$T/tty.out" 2>&1 </dev/null
  tr '\r' '\n' <"$T/tty.out" | grep -aq "compiling: 27/27 files" || fail "no progress line on a terminal: $(head -c 300 "$T/tty.out")"
  script -qec "'$RB' compile -q $T/batch/*.txt -o $T/jpo" /dev/null >"$T/tty.out" 2>&1 </dev/null
  grep -aq "compiling" "$T/tty.out" && fail "a progress line despite -q"
  ok
fi

# one source character that is three in the view (… is ...): text taken back from the source
# is never cut inside it (the fuzzer found a fact ending in half an ellipsis)
printf '某市人民政府工作规则\n一、会后3个工作日内完成初稿完成初稿完成初稿完成…市政府。\n' >"$T/e1.txt"
printf '某市人民政府工作规则\n一、会后5个工作日内完成初稿完成初稿完成初稿完成…市政府。\n' >"$T/e2.txt"
run "$RB" diff "$T/e1.txt" "$T/e2.txt"; expect_rc 1 "diff around an ellipsis"
iconv -f UTF-8 -t UTF-8 "$T/stdout" >/dev/null 2>&1 || fail "diff around an ellipsis: the output is not UTF-8"
grep -q '§1 → §1 modified' "$T/stdout" || fail "diff around an ellipsis: $(cat "$T/stdout")"
run "$RB" compile -q --no-meta "$T/e1.txt" -o "$T/e1.xml"; expect_rc 0 "compile an ellipsis"
xmllint --noout "$T/e1.xml" 2>/dev/null || fail "compile an ellipsis: the XML is not well-formed"

# ---- hostile XML inputs: refused before any entity is read ---------------------------------------
cat >"$T/xxe.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE akomaNtoso [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><act>&x;</act></akomaNtoso>
XML
{
  echo '<?xml version="1.0"?>'
  echo '<!DOCTYPE lolz ['
  echo ' <!ENTITY lol "lol">'
  prev=lol
  for i in 1 2 3 4 5 6 7 8 9; do
    printf ' <!ENTITY lol%s "' "$i"; for k in 1 2 3 4 5 6 7 8 9 10; do printf '&%s;' "$prev"; done; echo '">'
    prev=lol$i
  done
  echo ']>'
  echo '<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><act>&lol9;</act></akomaNtoso>'
} >"$T/lolz.xml"
for f in xxe.xml lolz.xml; do
  for cmd in compare check; do
    start=$(date +%s)
    run timeout 10 "$RB" $cmd "$T/$f"; expect_rc 2 "$cmd $f"
    expect_one_error_line "$cmd $f" xml-doctype
    [ $(( $(date +%s) - start )) -le 2 ] || fail "$cmd $f took more than 2 s"
    grep -q "root:" "$T/stdout" "$T/stderr" && fail "$cmd $f: /etc/passwd leaked"
  done
  run timeout 10 "$RB" diff "$T/$f" corpora/wujin-2021.txt; expect_rc 2 "diff $f"
  expect_one_error_line "diff $f" xml-doctype
done
printf '<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><act>' >"$T/broken.xml"
run "$RB" compare "$T/broken.xml"; expect_rc 2 "compare broken XML"
expect_one_error_line "compare broken XML" xml-invalid
# a declared encoding the bytes do not follow: libxml2 prints its own lines for that unless told
# not to; the error is one line, in the tool's words
printf '<?xml version="1.0" encoding="ISO-2022-JP"?>\n<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0">\377\377\176\374</akomaNtoso>\n' >"$T/enc.xml"
for cmd in compare check; do
  run "$RB" $cmd "$T/enc.xml"; expect_rc 2 "$cmd of XML with bytes outside its encoding"
  expect_one_error_line "$cmd of XML with bytes outside its encoding" xml-invalid
done
# compare needs only the metadata, which comes first, but a file cut off in its text is an error
head -c "$(( $(wc -c <"$T/wujin.xml") * 3 / 4 ))" "$T/wujin.xml" >"$T/cut.xml"
run "$RB" compare "$T/cut.xml"; expect_rc 2 "compare of a truncated XML"
expect_one_error_line "compare of a truncated XML" xml-invalid
# a damaged number in a compiled file is an error at its line, not article 0 or line 0
sed '0,/<rb:fact dimension="meetings"/s/article="\([0-9]*\)"/article="\1x"/' "$T/wujin.xml" >"$T/badnum.xml"
cmp -s "$T/badnum.xml" "$T/wujin.xml" && fail "badnum.xml: the sed found no fact to damage"
for cmd in compare check; do
  run "$RB" $cmd "$T/badnum.xml"; expect_rc 2 "$cmd: a damaged article number"
  expect_one_error_line "$cmd: a damaged article number" xml-bad-value
  bl=$(grep -n 'article="[0-9]*x"' "$T/badnum.xml" | cut -d: -f1)
  grep -q "badnum.xml:$bl:1: error: <rb:fact> attribute article=" "$T/stderr" ||
    fail "$cmd: a damaged article number: element and line $bl not named: $(cat "$T/stderr")"
done
# check and diff compile the text of a compiled file again and extract its facts anew: the
# file's own facts are not read (their start tags are checked, above), so a fact that compare
# refuses (more fields than any rule gives) changes nothing for them
awk '{ print } /<rb:fact / && !done { for (i = 0; i < 300; i++) print "<rb:field name=\"f" i "\">v</rb:field>"; done = 1 }' \
  "$T/wujin.xml" >"$T/manyfields.xml"
run "$RB" compare "$T/manyfields.xml"; expect_rc 2 "compare: a fact with 300 fields"
expect_one_error_line "compare: a fact with 300 fields" xml-too-many
run "$RB" check --min-severity note --format json "$T/wujin.xml"; cp "$T/stdout" "$T/check-intact.json"; want=$rc
grep -q '"rule"' "$T/check-intact.json" || fail "check of wujin.xml: no finding to compare"
run "$RB" check --min-severity note --format json "$T/manyfields.xml"; expect_rc "$want" "check: a fact with 300 fields"
sed 's/manyfields\.xml/wujin.xml/g' "$T/stdout" | cmp -s - "$T/check-intact.json" ||
  fail "check: a fact with 300 fields: the findings differ from the intact file's"
run "$RB" diff "$T/manyfields.xml" "$T/wujin.xml"; expect_rc 0 "diff: a fact with 300 fields"
sed '0,/rb:line="[0-9]*"/s/rb:line="\([0-9]*\)"/rb:line="-\1"/' "$T/wujin.xml" >"$T/badline.xml"
run "$RB" diff "$T/badline.xml" "$T/wujin.xml"; expect_rc 2 "diff: a damaged rb:line"
expect_one_error_line "diff: a damaged rb:line" xml-bad-value

# ---- --stat: the extraction's counts are the same in -j 2 workers as in one process ----------
counts() { grep '^stat:' "$T/stderr" | sed 's/.*; \([0-9]* sentences\)/\1/'; }
run "$RB" compile -q --stat corpora/*.txt -o "$T/st1"; expect_rc 0 "compile --stat"
c1=$(counts)
run "$RB" compile -q --stat -j 2 corpora/*.txt -o "$T/st2"; expect_rc 0 "compile --stat -j 2"
c2=$(counts)
case "$c1" in [1-9]*" sentences, "*" facts") ;; *) fail "compile --stat: no counts in '$c1'" ;; esac
[ "$c1" = "$c2" ] || fail "compile --stat -j 2 counts '$c2', one process '$c1'"
grep -q "the jobs' times summed" "$T/stderr" || fail "compile --stat -j 2: the stage times are not said to be summed"
grep -q ', other ' "$T/stderr" && fail "compile --stat -j 2: an 'other' time the summed stages do not leave"

# --stat=patterns: each pattern's calls and matches, the same in -j 2 workers as in one process
pats() { grep '^stat: .* calls .* matches ' "$T/stderr" | awk '{ print $(NF - 1), $6, $8 }' | sort; }
run "$RB" compile -q --stat=patterns corpora/*.txt -o "$T/st1"; expect_rc 0 "compile --stat=patterns"
p1=$(pats)
run "$RB" compile -q --stat=patterns -j 2 corpora/*.txt -o "$T/st2"; expect_rc 0 "compile --stat=patterns -j 2"
p2=$(pats)
echo "$p1" | grep -q '^split-inline [1-9][0-9]* ' || fail "compile --stat=patterns: no split-inline line in '$p1'"
echo "$p1" | grep -q '^signing [1-9]' || fail "compile --stat=patterns: no signing line"
[ "$p1" = "$p2" ] || fail "compile --stat=patterns -j 2: $(echo "$p2" | head -3) ..., one process: $(echo "$p1" | head -3) ..."
run "$RB" compile -q --stat corpora/wujin-2021.txt -o "$T/st3.xml"
grep -q ' calls ' "$T/stderr" && fail "compile --stat: pattern lines without =patterns"
run "$RB" compile -q --stat=frob corpora/wujin-2021.txt -o "$T/st3.xml"; expect_rc 2 "compile --stat=frob"
expect_one_error_line "compile --stat=frob" usage

# ---- --diagnostics json: one JSON array on stderr, whatever went wrong, in every command -------
if command -v python3 >/dev/null 2>&1; then
  : >"$T/nothing.txt"
  for args in "compile $T/nothing.txt" "compare $T/nothing.txt" "check $T/nothing.txt" \
              "diff $T/nothing.txt corpora/wujin-2021.txt" "init $T/nowhere" "compile --frob x" \
              "check --format yaml x" "diff --fail-on deadline corpora/wujin-2021.txt corpora/wujin-2021.txt" \
              "compile --stat corpora/wujin-2021.txt -o $T/s.xml"; do
    # shellcheck disable=SC2086
    run "$RB" $args --diagnostics json
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, list)' "$T/stderr" 2>/dev/null ||
      fail "--diagnostics json, $args: stderr is not one JSON array: $(head -c 300 "$T/stderr")"
    ok
  done
fi

# ---- hostile values: markup in a file name, forged values in a compiled XML ----------------------
mkdir "$T/inj" && cp corpora/wujin-2021.txt "$T/inj/<img src=x onerror=alert(1)>.txt"
for lay in wide summary; do
  run "$RB" compare -q --layout $lay --format html "$T"/inj/*.txt; expect_rc 0 "compare html, markup in a name ($lay)"
  grep -q '<img' "$T/stdout" && fail "compare html ($lay): a file name's markup reached the page"
done
"$RB" compile -q corpora/wujin-2021.txt -o "$T/w.xml"
sed -e '0,/dimension="meetings"/s//dimension="\&lt;script\&gt;alert(1)\&lt;\/script\&gt;"/' \
    -e '0,/eId="chp_8__art_36"/s//eId="\&quot;\&gt;\&lt;script\&gt;x\&lt;\/script\&gt;"/' \
    -e '0,/<rb:field name="per_year_min" type="number">2</s//<rb:field name="per_year_min" type="number">NaN</' \
    -e '0,/<rb:field name="per_year_max" type="number">2</s//<rb:field name="per_year_max" type="number">2}, "type": "INJECTED", "zz": {"a": 1</' \
    "$T/w.xml" >"$T/forged.xml"
cmp -s "$T/w.xml" "$T/forged.xml" && fail "forged.xml: the sed forged nothing"
run "$RB" compare -q --format html "$T/forged.xml"; expect_rc 0 "compare html of a forged XML"
[ "$(grep -c '<script' "$T/stdout")" -eq 1 ] || fail "compare html: a forged value reached the page as markup"
grep -Eq 'width="(-?nan|inf)' "$T/stdout" && fail "compare html: a forged number reached the chart"
run "$RB" compare -q --format json "$T/forged.xml"; expect_rc 0 "compare json of a forged XML"
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert not any("INJECTED" == f.get("type") for k in d if isinstance(d[k], list) for f in d[k] if isinstance(f, dict))' "$T/stdout" ||
    fail "compare json: a forged number forged a key"
fi
grep -q '"per_year_min": NaN' "$T/stdout" && fail "compare json: NaN written as a number"
# a field name of any length makes its keys whole (they were cut at 160 bytes, inside a
# character): the JSON key and the CSV column NAME_words
long=$(printf 'x%.0s字' $(seq 60))
sed "s/<rb:field name=\"convener\" words=/<rb:field name=\"$long\" words=/" "$T/w.xml" >"$T/longname.xml"
cmp -s "$T/w.xml" "$T/longname.xml" && fail "longname.xml: the sed changed nothing"
run "$RB" compare -q --format json "$T/longname.xml"; expect_rc 0 "compare json, a long field name"
grep -qF "\"${long}_words\"" "$T/stdout" || fail "compare json: the key of a long field name's words was cut"
run "$RB" compare -q --format csv "$T/longname.xml"; expect_rc 0 "compare csv, a long field name"
head -1 "$T/stdout" | grep -qF ",${long}_words" || fail "compare csv: the column of a long field name's words was cut"

# ---- sidecar values are checked like texts: each refused with the position of the value -----
mkdir "$T/sc"
cp corpora/wujin-2021.txt "$T/sc/w.txt"
for v in "date: 2021-4-12:1:7" "date: 2021-02-30:1:7" "date: 0000-01-01:1:7" 'id: "a b<c>":1:5' \
         'title: "x\uFFFEy":1:10' 'issuer: "a\eb":1:11' 'script: cursive:1:9'; do
  pos=${v##*:[!0-9]}; val=${v%:*:*}; col=${v##*:}; line=${v%:*}; line=${line##*:}
  printf '%s\n' "$val" >"$T/sc/w.yaml"
  run "$RB" compile -q "$T/sc/w.txt" -o "$T/sc/w.xml"; expect_rc 2 "sidecar $val"
  grep -Eq "w.yaml:$line:$col: error: .*\[meta-(value|schema)\]" "$T/stderr" ||
    fail "sidecar $val: not refused at $line:$col: $(cat "$T/stderr")"
  [ -e "$T/sc/w.xml" ] && fail "sidecar $val: an XML was written"
done
# ---- a path written inside an XML never becomes a file name in a message; no control character
# reaches the terminal
sed 's|path="corpora/chongqing-2018.txt"|path="/etc/shadow\&#10;evil.txt:1:1: error: made up [x]"|' out/chongqing-2018.xml >"$T/cq-path.xml"
grep -q 'etc/shadow' "$T/cq-path.xml" || fail "cq-path.xml: the sed forged nothing"
for cmd in check diff; do
  if [ $cmd = diff ]; then run "$RB" diff "$T/cq-path.xml" corpora/chongqing-2018.txt
  else run "$RB" check --min-severity note "$T/cq-path.xml"; fi
  grep -q 'shadow\|evil\|made up' "$T/stdout" "$T/stderr" && fail "$cmd: a path from inside the XML reached the output"
  ok
done
run "$RB" check --min-severity note "$T/cq-path.xml"
grep -q "^$T/cq-path.xml:40:37: warning: damaged copy: .*\[junk-insertion\]$" "$T/stdout" ||
  fail "check: findings of an XML are not named after it: $(head -2 "$T/stdout")"
# a repeated copy set aside across lone CRs (line breaks of their own) goes back on its lines:
# the findings of the compiled file stand on the text's lines
printf '某市人民政府工作规则\n第一条 为了规范市政府的工作制定本规则。\n第二条 市政府实行市长负责制度和分工负责制度。\r第一条 为了规范市政府的工作制定本规则。\r第二条 市政府实行市长负责制度和分工负责制度。\n第三条 市政府全体会议由市长召集和主持。\n第五条 本规则自印发之日起施行。\n' >"$T/cr.txt"
run "$RB" compile -q "$T/cr.txt" -o "$T/cr.xml"; expect_rc 1 "compile a text with lone CRs"
run "$RB" check "$T/cr.txt"; sed 's|^[^:]*:||' "$T/stdout" >"$T/cr-txt.find"
run "$RB" check "$T/cr.xml"; sed 's|^[^:]*:||' "$T/stdout" >"$T/cr-xml.find"
grep -q '^7:1: error: .*\[numbering-gap\]$' "$T/cr-txt.find" || fail "lone CRs: the gap is not on line 7: $(cat "$T/cr-txt.find")"
cmp -s "$T/cr-txt.find" "$T/cr-xml.find" || fail "lone CRs: the compiled file's findings stand elsewhere: $(diff "$T/cr-txt.find" "$T/cr-xml.find")"
# a file name with a newline or an escape: one line per message
cp corpora/wujin-2021.txt "$T/bad$(printf '\033')[2Jname
x.txt"
run "$RB" check --min-severity note "$T"/bad*.txt
grep -q "$(printf '\033')" "$T/stdout" "$T/stderr" && fail "check: an escape in a file name reached the terminal"
[ "$(grep -c '' "$T/stdout")" -eq 2 ] || fail "check: a newline in a file name broke the lines: $(cat "$T/stdout")"

# ---- output safety ---------------------------------------------------------------------------
mkdir -p "$T/os/a" "$T/os/b"
cp corpora/wujin-2021.txt "$T/os/a/x.txt"; cp corpora/wuhan-2018.txt "$T/os/b/x.txt"
run "$RB" compile -q "$T/os/a/x.txt" "$T/os/b/x.txt" -o "$T/os/out"; expect_rc 2 "compile: two inputs, one output name"
expect_one_error_line "compile: two inputs, one output name" output-clash
[ -e "$T/os/out/x.xml" ] && fail "compile: one of two inputs of one name was written"
cp corpora/wujin-2021.txt "$T/os/in.txt"
for cmd in "compile -q" "check" "compare -q"; do
  # shellcheck disable=SC2086
  run "$RB" $cmd "$T/os/in.txt" -o "$T/os/in.txt"; expect_rc 2 "$cmd: -o the input"
  cmp -s "$T/os/in.txt" corpora/wujin-2021.txt || fail "$cmd -o the input wrote over it"
  grep -q 'is an input of this run' "$T/stderr" || fail "$cmd -o the input: $(cat "$T/stderr")"
done
# modes: an existing output keeps its own, a new one follows the umask, a read-only one stays
: >"$T/os/m.xml"; chmod 640 "$T/os/m.xml"
run "$RB" compile -q corpora/wujin-2021.txt -o "$T/os/m.xml"; expect_rc 0 "compile over a 0640 file"
[ "$(stat -c %a "$T/os/m.xml")" = 640 ] || fail "compile: the output's mode became $(stat -c %a "$T/os/m.xml")"
(umask 027; "$RB" compile -q corpora/wujin-2021.txt -o "$T/os/new.xml")
[ "$(stat -c %a "$T/os/new.xml")" = 640 ] || fail "compile: a new output ignores the umask: $(stat -c %a "$T/os/new.xml")"
: >"$T/os/ro.xml"; chmod 444 "$T/os/ro.xml"
run "$RB" compile -q corpora/wujin-2021.txt -o "$T/os/ro.xml"; expect_rc 2 "compile over a read-only file"
[ -s "$T/os/ro.xml" ] && fail "compile replaced a read-only file"
# a symbolic link stays one
: >"$T/os/real.xml"; ln -s real.xml "$T/os/link.xml"
run "$RB" compile -q corpora/wujin-2021.txt -o "$T/os/link.xml"; expect_rc 0 "compile through a symlink"
[ -L "$T/os/link.xml" ] || fail "compile replaced a symbolic link by a file"
[ -s "$T/os/real.xml" ] || fail "compile through a symlink did not write its target"
# ... and the file it points to is judged, not the link: an input of the run is not written
ln -s in.txt "$T/os/tolink.xml"
run "$RB" compile -q "$T/os/in.txt" -o "$T/os/tolink.xml"; expect_rc 2 "compile: -o a link to the input"
cmp -s "$T/os/in.txt" corpora/wujin-2021.txt || fail "compile -o a link to the input wrote over it"
grep -q 'is an input of this run' "$T/stderr" || fail "compile -o a link to the input: $(cat "$T/stderr")"
# the umask holds for every file of a run, not only its first
(umask 027; "$RB" compile -q corpora/wujin-2021.txt corpora/wuhan-2018.txt -o "$T/os/um")
[ "$(stat -c %a "$T/os/um/wujin-2021.xml") $(stat -c %a "$T/os/um/wuhan-2018.xml")" = "640 640" ] ||
  fail "compile: the umask did not hold for every output"
# an input that now fails leaves no output of an earlier run
mkdir "$T/os/st"; cp corpora/wujin-2021.txt "$T/os/st/p.txt"; cp corpora/wuhan-2018.txt "$T/os/st/q.txt"
"$RB" compile -q "$T"/os/st/p.txt "$T"/os/st/q.txt -o "$T/os/st/out" 2>/dev/null
: >"$T/os/st/q.txt"
run "$RB" compile "$T"/os/st/p.txt "$T"/os/st/q.txt -o "$T/os/st/out"; expect_rc 2 "compile: an input that now fails"
[ -e "$T/os/st/out/q.xml" ] && fail "compile: the output of the failing input's earlier run is still there"
grep -q 'q.xml: note: removed' "$T/stderr" || fail "compile: the removal is not said: $(cat "$T/stderr")"
# killed by a signal (here SIGXFSZ, the file size limit): no temporary file left behind
mkdir "$T/os/sig"
sh -c 'ulimit -f 4; exec "$0" compile -q corpora/wuhan-2018.txt -o "$1"' "$RB" "$T/os/sig/w.xml" >/dev/null 2>&1
[ $? -gt 128 ] || fail "the file size limit did not stop compile (the test proves nothing)"
ls "$T/os/sig" | grep -q 'tmp' && fail "a signal left a temporary file: $(ls "$T/os/sig")"
# two runs creating one output directory at once
for k in 1 2 3; do
  "$RB" compile -q corpora/wujin-2021.txt corpora/wuhan-2018.txt -o "$T/os/race$k" 2>"$T/race1" & p1=$!
  "$RB" compile -q corpora/erenhot-2013.txt corpora/urumqi-2018.txt -o "$T/os/race$k" 2>"$T/race2" & p2=$!
  wait $p1; r1=$?; wait $p2; r2=$?
  [ $r1 -eq 0 ] && [ $r2 -eq 0 ] || fail "two runs into one new directory: $r1 $r2 $(cat "$T/race1" "$T/race2")"
done
ok

# ---- reading within bounds: no file makes the run hang or grow without limit -------------------
sed '0,/rb:line="[0-9]*"/s//rb:line="9999999"/' out/wujin-2021.xml >"$T/farline.xml"
run "$RB" diff "$T/farline.xml" corpora/wujin-2021.txt; expect_rc 2 "diff: an rb:line past the source's lines"
expect_one_error_line "diff: an rb:line past the source's lines" xml-bad-value
sed '0,/rb:col="[0-9]*"/s//rb:col="9999999"/' out/wujin-2021.xml >"$T/farcol.xml"
run "$RB" diff "$T/farcol.xml" corpora/wujin-2021.txt; expect_rc 2 "diff: an rb:col past the source's bytes"
expect_one_error_line "diff: an rb:col past the source's bytes" xml-bad-value
grep -q 'rb:col="9999999"' "$T/stderr" || fail "diff: an rb:col past the source's bytes is not named: $(cat "$T/stderr")"
sed '0,/rb:col="[0-9]*"/s//rb:col="3x"/' out/wujin-2021.xml >"$T/badcol.xml"
run "$RB" check "$T/badcol.xml"; expect_rc 2 "check: a damaged rb:col"
expect_one_error_line "check: a damaged rb:col" xml-bad-value
run "$RB" check tests/fuzz/regressions/rbxml/readback-col-padding.xml
expect_rc 2 "check: columns that ask for more spaces than the source had bytes"
expect_one_error_line "check: columns that ask for more spaces than the source had bytes" xml-bad-value
sed '0,/ format="2"/s// format="two"/' out/wujin-2021.xml >"$T/badformat.xml"
run "$RB" diff "$T/badformat.xml" corpora/wujin-2021.txt; expect_rc 2 "diff: a damaged rb:source/@format"
expect_one_error_line "diff: a damaged rb:source/@format" xml-bad-value
# a file compiled before rb:col (no format 2): its insertions are reported as their records say
sed -e 's/ rb:col="[0-9]*"//g' -e 's/ format="2"//' out/chongqing-2018.xml >"$T/nocols.xml"
"$RB" check "$T/nocols.xml" >"$T/nocols.err" 2>&1
n_xml=$(grep -c 'junk-insertion' "$T/nocols.err"); n_txt=$("$RB" check corpora/chongqing-2018.txt 2>&1 | grep -c 'junk-insertion')
if [ "$n_txt" -gt 0 ] && [ "$n_xml" -eq "$n_txt" ]; then ok; else
  fail "check of a file without rb:col: $n_xml insertions reported, the text has $n_txt"
fi
# the columns put the spaces back, and the insertions: a compiled file diffs as unchanged
# against its text, and check finds in it what it finds in the text
for f in corpora/*.txt; do
  id=$(basename "$f" .txt)
  run "$RB" diff -q "out/$id.xml" "$f"; expect_rc 0 "diff: out/ against its text $f"
  "$RB" check "out/$id.xml" 2>&1 | sed "s|^out/$id.xml:|F:|" >"$T/check-xml"
  "$RB" check "$f" 2>&1 | sed "s|^$f:|F:|" >"$T/check-txt"
  if cmp -s "$T/check-xml" "$T/check-txt"; then ok; else
    fail "check: out/$id.xml and $f differ: $(diff "$T/check-xml" "$T/check-txt" | head -6)"
  fi
done
if [ -c /dev/zero ]; then
  run timeout 10 "$RB" check --baseline /dev/zero corpora/wujin-2021.txt; expect_rc 2 "check --baseline /dev/zero"
  expect_one_error_line "check --baseline /dev/zero" io-read
fi
mkfifo "$T/fifo.txt"
run timeout 10 "$RB" compile "$T/fifo.txt"; expect_rc 2 "compile a FIFO"
expect_one_error_line "compile a FIFO" io-read
cp corpora/wujin-2021.txt "$T/dirside.txt"; mkdir "$T/dirside.yaml"
run "$RB" compile -q "$T/dirside.txt" -o "$T/dirside.xml"; expect_rc 2 "compile: a sidecar that cannot be read"
expect_one_error_line "compile: a sidecar that cannot be read" io-read
[ -e "$T/dirside.xml" ] && fail "compile wrote an output without its sidecar's metadata"

# ---- messages that say where and why ----------------------------------------------------------
if [ -w /dev/full ]; then
  run "$RB" compile -q corpora/wujin-2021.txt -o /dev/full; expect_rc 2 "compile -o /dev/full"
  expect_one_error_line "compile -o /dev/full" io-write
  grep -q '^/dev/full: error: .*No space left on device' "$T/stderr" || fail "a write error names the output and why: $(cat "$T/stderr")"
fi
# compare writes its table as it is made (1 MiB at a time): a table of several MiB is the same
# in a file as on standard output, and a write error is one line and exit 2, on either
mkdir "$T/big"
for k in $(seq 1 150); do cp out/wuhan-2018.xml "$T/big/w$k.xml"; done
run "$RB" compare "$T"/big/*.xml --format json -o "$T/many.json"; expect_rc 0 "compare: a table of several MiB to a file"
"$RB" compare "$T"/big/*.xml --format json >"$T/many-stdout.json" 2>/dev/null
[ "$(wc -c <"$T/many.json")" -gt 3000000 ] || fail "compare: the table is not several MiB ($(wc -c <"$T/many.json") bytes): the test proves nothing"
cmp -s "$T/many.json" "$T/many-stdout.json" || fail "compare: the table written to a file differs from the one on standard output"
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["rulebooks"]) == 150' "$T/many.json" ||
    fail "compare: the table of several MiB is not whole JSON with its 150 rulebooks"
fi
ls "$T" | grep -q 'tmp' && fail "compare left a temporary file: $(ls "$T" | grep tmp)"
if [ -w /dev/full ]; then
  run "$RB" compare "$T"/big/*.xml --format json -o /dev/full; expect_rc 2 "compare -o /dev/full"
  expect_one_error_line "compare -o /dev/full" io-write
  grep -q '^/dev/full: error: .*No space left on device' "$T/stderr" || fail "compare: a write error names the output and why: $(cat "$T/stderr")"
  "$RB" compare "$T"/big/*.xml --format json >/dev/full 2>"$T/stderr"; rc=$?
  expect_rc 2 "compare >/dev/full"
  expect_one_error_line "compare >/dev/full" io-write
fi
{ printf '\377\376'; printf 'a\nb\nc' | iconv -f UTF-8 -t UTF-16LE; printf '\000\330\101\000'; } >"$T/u16bad.txt"
run "$RB" compile "$T/u16bad.txt"; expect_rc 2 "compile: broken UTF-16"
grep -q 'u16bad.txt:3:2: error: .*\[encoding-invalid\]' "$T/stderr" || fail "broken UTF-16: no line and column: $(cat "$T/stderr")"
printf 'R\350glement int\351rieur\nArticle premier\n' >"$T/latin1.txt"
run "$RB" compile "$T/latin1.txt"; expect_rc 2 "compile: Latin-1"
grep -q 'latin1.txt:1:2: error: invalid UTF-8 .*\[encoding-invalid\]' "$T/stderr" || fail "Latin-1: $(cat "$T/stderr")"

# an escape character in a text never reaches the terminal through diff
sed 's/一般每两周召开1次/一般每两周\x1b[2J召开1次/' corpora/wuhan-2018.txt >"$T/wuhan-esc.txt"
grep -q "$(printf '\033')" "$T/wuhan-esc.txt" || fail "wuhan-esc.txt: no escape inserted"
run "$RB" diff corpora/wuhan-2018.txt "$T/wuhan-esc.txt"; expect_rc 1 "diff: an escape in the text"
grep -q "$(printf '\033')" "$T/stdout" && fail "diff: an escape character of the text reached the output"
grep -q '{+␛\[2J+}' "$T/stdout" || fail "diff: the escape is not shown as its picture: $(grep -m1 '{+' "$T/stdout")"

# ---- init: a folder of one's own texts ------------------------------------------------------------
mkdir "$T/mine"
cp corpora/wuhan-2018.txt corpora/erenhot-2013.txt "$T/mine/"
printf 'id: my-erenhot\nlevel: county\n' >"$T/mine/erenhot-2013.yaml"
run "$RB" init "$T/mine"; expect_rc 0 "init"
grep -q "created  $T/mine/wuhan-2018.yaml" "$T/stdout" || fail "init: no wuhan sidecar: $(cat "$T/stdout")"
grep -q "kept     $T/mine/erenhot-2013.yaml" "$T/stdout" || fail "init: the existing sidecar was not kept"
grep -qx 'id: my-erenhot' "$T/mine/erenhot-2013.yaml" || fail "init overwrote a sidecar"
grep -qx 'date: "2018-11-01"' "$T/mine/wuhan-2018.yaml" || fail "init: the date was not taken from the text"
grep -qx 'jurisdiction: "武汉市"   # guessed from the title' "$T/mine/wuhan-2018.yaml" || fail "init: no jurisdiction"
# a sidecar whose path would pass PATH_MAX (a long name in a long path): an error for that
# file, the others written
mkdir "$T/ilong" && cp corpora/wujin-2021.txt "$T/ilong/"
cp corpora/wujin-2021.txt "$T/ilong/$(printf 'a%.0s' $(seq 240)).txt"
dl="$T/ilong"; while [ ${#dl} -lt 3860 ]; do dl="$dl/."; done
run "$RB" init "$dl"; expect_rc 2 "init: a sidecar's path too long"
grep -q "aaaa.txt: error: its sidecar's path would be longer than 4095 bytes; not written \[io-write\]" "$T/stderr" ||
  fail "init: no error for a path too long: $(cut -c1-200 "$T/stderr")"
[ -f "$T/ilong/wujin-2021.yaml" ] || fail "init: the short name's sidecar was not written"
cp "$T/mine/wuhan-2018.yaml" "$T/wuhan.sidecar"
run "$RB" init "$T/mine"; expect_rc 0 "init again"
cmp -s "$T/mine/wuhan-2018.yaml" "$T/wuhan.sidecar" || fail "init again changed a sidecar"
grep -q "kept     $T/mine/Makefile" "$T/stdout" || fail "init again: the Makefile was not kept"
grep -qx 'RULEBOOK ?= rulebook' "$T/mine/Makefile" || fail "init: the Makefile does not take rulebook from the PATH"
if command -v make >/dev/null 2>&1; then
  # a name with a space and Chinese characters, one with a colon, one with a leading dash;
  # rulebook found on the PATH
  cp corpora/wujin-2021.txt "$T/mine/武进 2021.txt"
  cp corpora/urumqi-2018.txt "$T/mine/a:b.txt"
  cp corpora/chongqing-2018.txt "$T/mine/-cq.txt"
  mkdir -p "$T/bin" && ln -sf "$RB" "$T/bin/rulebook"
  PATH="$T/bin:$PATH" make -s -C "$T/mine" >"$T/make.out" 2>&1 || fail "make in an init folder: $(tail -3 "$T/make.out")"
  for o in wuhan-2018.xml '武进 2021.xml' compare.md compare.html compare.json compare.csv check.txt; do
    [ -s "$T/mine/out/$o" ] || fail "make in an init folder: no out/$o: $(ls "$T/mine/out" 2>&1)"
  done
  grep -q '常州市武进区' "$T/mine/out/compare.md" || fail "make in an init folder: the text with a space in its name is not compared"
  grep -q '乌鲁木齐市' "$T/mine/out/compare.md" || fail "make in an init folder: the text with a colon in its name is not compared"
  grep -q '重慶市' "$T/mine/out/compare.md" || fail "make in an init folder: the text with a leading dash is not compared"
  head -c 3 "$T/mine/out/compare.csv" | od -An -tx1 | grep -q 'ef bb bf' || fail "make in an init folder: the CSV has no BOM"
  grep -q 'rb:document id="my-erenhot"' "$T/mine/out/erenhot-2013.xml" || fail "the init folder's sidecar was not used"
  make -s -C "$T/mine" RULEBOOK="$RB" >"$T/make.out" 2>&1 || fail "make RULEBOOK=… in an init folder: $(tail -3 "$T/make.out")"
  rm "$T/mine/武进 2021.txt" "$T/mine/a:b.txt" "$T/mine/-cq.txt"
  ok
fi
# a text whose name holds a newline and a key: the key does not get into its sidecar
mkdir "$T/nl"
cp corpora/wujin-2021.txt "$T/nl/w
id: evil.txt"
run "$RB" init "$T/nl"; expect_rc 0 "init: a name with a newline"
grep -q '^id: evil' "$T/nl/"*.yaml && fail "init: a file name injected a key into its sidecar"
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import sys,yaml' 2>/dev/null && for y in "$T/nl/"*.yaml; do
    python3 -c 'import sys,yaml; d=yaml.safe_load(open(sys.argv[1])); assert d["id"] != "evil"' "$y" ||
      fail "init: the sidecar of a name with a newline: $(cat "$y")"
  done
fi
printf 'no articles here\n' >"$T/mine/notes.txt"
run "$RB" init "$T/mine"; expect_rc 1 "init with a text that does not compile"
expect_one_error_line "init with a bad text" no-articles
[ -e "$T/mine/notes.yaml" ] && fail "init wrote a sidecar for a text that does not compile"
run "$RB" init "$T/nowhere"; expect_rc 2 "init a missing folder"
expect_one_error_line "init a missing folder" io-read

# ---- other encodings and line ends compile to the same model ------------------------------------
run "$RB" compile --format tree -q corpora/chongqing-2018.txt; cp "$T/stdout" "$T/cq.tree"
sed 's/$/\r/' corpora/chongqing-2018.txt >"$T/cq-crlf.txt"
run "$RB" compile --format tree -q --no-meta "$T/cq-crlf.txt"; expect_rc 0 "CRLF copy"
cmp -s "$T/stdout" "$T/cq.tree" || fail "the CRLF copy compiles to another model"
iconv -f UTF-8 -t GB18030 corpora/chongqing-2018.txt >"$T/cq-gb.txt"
run "$RB" compile --format tree --no-meta "$T/cq-gb.txt"; expect_rc 0 "GB18030 copy"
cmp -s "$T/stdout" "$T/cq.tree" || fail "the GB18030 copy compiles to another model"
grep -q "decoded from GB18030 \[encoding-converted\]" "$T/stderr" || fail "GB18030: no note saying how it was decoded"
# Big5 (Taiwan, Hong Kong): decoded like GB18030, told apart by which decoding gives the common
# characters (the Chongqing copy has a few characters Big5 lacks: the parts before them)
head -40 corpora/chongqing-2018.txt >"$T/cq40.txt"
if iconv -f UTF-8 -t BIG5 "$T/cq40.txt" >"$T/cq-b5.txt" 2>/dev/null; then
  run "$RB" compile --format tree -q --no-meta "$T/cq40.txt"; cp "$T/stdout" "$T/cq40.tree"
  run "$RB" compile --format tree --no-meta "$T/cq-b5.txt"; expect_rc 0 "Big5 copy"
  cmp -s "$T/stdout" "$T/cq40.tree" || fail "the Big5 copy compiles to another model"
  grep -q "decoded from Big5 \[encoding-converted\]" "$T/stderr" || fail "Big5: no note saying how it was decoded"
  ok
else
  fail "iconv cannot write the first 40 lines of the Chongqing copy as Big5"
fi
# a document of another kind gets an error that names it
printf '%%PDF-1.4\n%%binary\n' >"$T/r.pdf"
printf '<!DOCTYPE html>\n<html><body><p>某市人民政府工作规则</p></body></html>\n' >"$T/r.html"
printf 'PK\003\004\024\000\006\000word/document.xml' >"$T/r.docx"
for f in r.pdf:PDF r.html:HTML r.docx:docx; do
  run "$RB" compile "$T/${f%%:*}" -o "$T/never.xml"; expect_rc 2 "compile ${f%%:*}"
  expect_one_error_line "compile ${f%%:*}" input-not-text
  grep -q "${f#*:}" "$T/stderr" || fail "compile ${f%%:*}: the error does not say it is ${f#*:}"
done
[ -e "$T/never.xml" ] && fail "an output was written for a document that is not a text"
# - reads standard input, in every command
run sh -c "\"$RB\" compile -q - <corpora/wujin-2021.txt"; expect_rc 0 "compile -"
grep -q 'eId="chp_11__art_58"' "$T/stdout" || fail "compile -: no article 58"
run sh -c "\"$RB\" compile -q corpora/wujin-2021.txt | \"$RB\" compare -q --format json -"; expect_rc 0 "compare - (xml)"
grep -q '"id": "wujin-2021"' "$T/stdout" || fail "compare - from a compiled XML on stdin"
run sh -c "\"$RB\" check --min-severity note - <corpora/erenhot-2013.txt"; expect_rc 1 "check -"
grep -q '^<stdin>:203:3: warning: damaged copy: .*\[closing-article-missing\]$' "$T/stdout" || fail "check -: $(head -2 "$T/stdout")"
sed 's/一般每两周召开1次/一般每周召开1次/' corpora/wuhan-2018.txt >"$T/wuhan-weekly.txt"
run sh -c "\"$RB\" diff - \"$T/wuhan-weekly.txt\" <corpora/wuhan-2018.txt"; expect_rc 1 "diff - NEW"
grep -q "§42 → §42 modified" "$T/stdout" || fail "diff -: no map line"
{ printf '\377\376'; iconv -f UTF-8 -t UTF-16LE corpora/chongqing-2018.txt; } >"$T/cq-16.txt"
run "$RB" compile --format tree -q --no-meta "$T/cq-16.txt"; expect_rc 0 "UTF-16 copy"
cmp -s "$T/stdout" "$T/cq.tree" || fail "the UTF-16 copy compiles to another model"

# ---- several files: one bad one does not stop the others, nor leave a partial file ---------------
mkdir "$T/many"
run "$RB" compile -q corpora/wujin-2021.txt "$T/empty.txt" corpora/urumqi-2018.txt -o "$T/many"
expect_rc 2 "several files with one bad"
[ -s "$T/many/wujin-2021.xml" ] && [ -s "$T/many/urumqi-2018.xml" ] || fail "good files not written"
[ -e "$T/many/empty.xml" ] && fail "a bad input left an output file"
[ "$(ls "$T/many" | wc -l)" -eq 2 ] || fail "stray files in the output directory: $(ls "$T/many")"
ok

# ---- document errors: exit 1, output still written; JSON diagnostics -----------------------------
printf '某市人民政府工作规则\n一、甲。\n二、乙。\n四、丁。\n' >"$T/gap.txt"
run "$RB" compile "$T/gap.txt" -o "$T/gap.xml"; expect_rc 1 "numbering gap"
[ -s "$T/gap.xml" ] || fail "numbering gap: no output"
grep -q "gap.txt:4:1: error: article 四 (4) follows 二 (2): article 三 (3) is missing \[numbering-gap\]" "$T/stderr" ||
  fail "numbering gap message: $(cat "$T/stderr")"
run "$RB" compile --diagnostics json "$T/gap.txt" -o "$T/gap.xml"; expect_rc 1 "json diagnostics"
grep -q '"rule": "numbering-gap"' "$T/stderr" || fail "json diagnostics: no numbering-gap"
grep -q '"line": 4, "column": 1, "severity": "error"' "$T/stderr" || fail "json diagnostics: no position"
if command -v python3 >/dev/null 2>&1; then
  python3 -m json.tool "$T/stderr" >/dev/null || fail "json diagnostics are not valid JSON"
fi
run "$RB" compile --diagnostics json "$T/empty.txt" -o "$T/x.xml"; expect_rc 2 "json error"
grep -q '"rule": "input-empty"' "$T/stderr" || fail "json: the error is not in the array"

# ---- compare ------------------------------------------------------------------------------------
run "$RB" help compare; expect_rc 0 "help compare"
run "$RB" compare --format pdf corpora/wujin-2021.txt; expect_rc 2 "compare: bad --format"
run "$RB" compare; expect_rc 2 "compare without FILE"
mkdir "$T/cmp"
for f in wujin-2021 chongqing-2018; do "$RB" compile -q corpora/$f.txt -o "$T/cmp/$f.xml" 2>/dev/null; done
# from compiled XML and from the texts: the same comparison
run "$RB" compare -q --format json "$T/cmp/wujin-2021.xml" "$T/cmp/chongqing-2018.xml"; expect_rc 0 "compare xml"
cp "$T/stdout" "$T/from-xml.json"
run "$RB" compare -q --format json corpora/wujin-2021.txt corpora/chongqing-2018.txt; expect_rc 0 "compare txt"
cmp -s "$T/stdout" "$T/from-xml.json" || fail "compare from XML and from text differ"
for k in '"rulebooks": [' '"meetings": [' '"signing": [' '"leave": [' '"deadlines": [' \
         '"frequency": {"kind": "regular", "count_min": 1, "count_max": 1, "period": "P1W", "per_year_min": 52, "per_year_max": 52}'; do
  grep -qF "$k" "$T/from-xml.json" || fail "compare json lacks $k"
done
if command -v python3 >/dev/null 2>&1; then
  python3 -m json.tool "$T/from-xml.json" >/dev/null || fail "compare json is not valid JSON"
fi
# CSV: RFC 4180 (CRLF, quoted cells), optional BOM
run "$RB" compare -q --format csv --bom corpora/wujin-2021.txt -o "$T/c.csv"; expect_rc 0 "compare csv"
head -c 3 "$T/c.csv" | od -An -tx1 | grep -q 'ef bb bf' || fail "--bom: no byte-order mark"
head -1 "$T/c.csv" | grep -q "$(printf '\r')$" || fail "csv lines do not end in CR LF"
grep -q '^wujin-2021,常州市武进区 2021-04-12,常州市武进区,2021-04-12,district,,deadlines,49,' "$T/c.csv" ||
  fail "csv: no deadline row for article 49 with the rulebook's date and level"
head -1 "$T/c.csv" | grep -q ',document_number,' || fail "csv: no document_number column"
head -1 "$T/c.csv" | grep -q ',unit_words,' || fail "csv: no unit_words column"
# the words columns hold the words of the text: 一天 in §53 (提前一天)
grep '^wujin-2021,.*,deadlines,39,' "$T/c.csv" | grep -q ',一,天' || fail "csv: the words of the deadline in §39 are not in its row"
# a leave asked in writing or orally (书面或口头) is not printed as "in writing"
run "$RB" compare -q corpora/erenhot-2013.txt; expect_rc 0 "compare erenhot md"
grep -q 'in writing or orally (书面或口头)' "$T/stdout" || fail "md: 书面或口头 is not rendered as in writing or orally"
grep -q '(head), in writing (§74)' "$T/stdout" && fail "md: §74 printed as in writing only"
# role names as the text says them, the code beside; the dimension's title from the grammar
grep -q '市长 (head) 签发' "$T/stdout" || fail "md: role names are not shown in the words of the text"
grep -q '^## Leave (who asks whom)$' "$T/stdout" || fail "md: the grammar's title is not the heading"
# two versions of one jurisdiction: told apart in the headers
sed 's/2013年4月1日/2019年4月1日/' corpora/erenhot-2013.txt >"$T/erenhot-2019.txt"
run "$RB" compare -q corpora/erenhot-2013.txt "$T/erenhot-2019.txt"; expect_rc 0 "compare two versions"
head -3 "$T/stdout" | grep -q '二连浩特市 2013-04-01 | 二连浩特市 2019-04-01' ||
  fail "md: two versions of one jurisdiction are not told apart: $(head -3 "$T/stdout")"
cp corpora/erenhot-2013.txt "$T/erenhot-copy.txt"
run "$RB" compare -q corpora/erenhot-2013.txt "$T/erenhot-copy.txt"; expect_rc 0 "compare two copies"
head -3 "$T/stdout" | grep -q '二连浩特市 2013-04-01 (erenhot-2013) | 二连浩特市 2013-04-01 (erenhot-copy)' ||
  fail "md: two rulebooks of one jurisdiction and date are not told apart by id: $(head -3 "$T/stdout")"
# many rulebooks: distributions by level (quartiles, outliers by value) instead of columns
run "$RB" compare -q --layout summary corpora/*.txt; expect_rc 0 "compare --layout summary"
grep -qF '| all | 5 | 5 | 0 | 12 | 24 | 24 | 26 | 52 | 52/yr: 1 rulebook (重庆市 2018-07-07); 12/yr: 1 rulebook (常州市武进区 2021-04-12) |' "$T/stdout" ||
  fail "summary: the executive meetings of the five corpora: $(grep '^| all' "$T/stdout" | head -1)"
grep -qF '| head (市長, 市长, 区长) | 1 | 2 | 1 | 1 | 5 |' "$T/stdout" ||
  fail "summary: who signs the executive minutes, by level: $(grep -A4 'minutes of executive' "$T/stdout")"
grep -q '^| 重庆市 2018-07-07 | province | 2018-07-07 | Meetings (frequency per year) | executive | 常务会议: once a week = 52/yr | §41 |$' "$T/stdout" ||
  fail "summary: the long table lacks Chongqing's executive meeting"
run "$RB" compare -q --layout tall corpora/wujin-2021.txt; expect_rc 2 "compare: bad --layout"
# a bad input: one error line, exit 2, no output when it is the only one
printf '<x>' >"$T/bad.xml"
run "$RB" compare "$T/bad.xml" -o "$T/never.md"; expect_rc 2 "compare bad xml"
grep -q "bad.xml:.*error: not well-formed XML" "$T/stderr" || fail "compare bad xml: $(cat "$T/stderr")"
[ -e "$T/never.md" ] && fail "compare wrote an output with no good input"
# one bad file does not sink a batch: an unreadable and an article-less file among the corpora
# get their error lines, the others their complete table and findings, and the exit is 2
printf 'no articles here\n' >"$T/noart.txt"
run "$RB" compare -q --format json corpora/*.txt "$T/noart.txt" "$T/missing.txt" -o "$T/five.json"
expect_rc 2 "compare with two bad inputs among the corpora"
[ "$(grep -c ': error: ' "$T/stderr")" -eq 2 ] || fail "compare batch: not two error lines: $(cat "$T/stderr")"
grep -q 'noart.txt:1:1: error: .*\[no-articles\]' "$T/stderr" || fail "compare batch: no line for the article-less file"
grep -q 'missing.txt:.*error: .*\[io-read\]' "$T/stderr" || fail "compare batch: no line for the missing file"
[ "$(grep -o '"id": "[a-z]*-20[0-9]*"' "$T/five.json" | sort -u | wc -l)" -eq 5 ] ||
  fail "compare batch: the table does not hold the five good rulebooks"
run "$RB" check --min-severity note corpora/*.txt "$T/noart.txt" "$T/missing.txt" -o "$T/five.txt"
expect_rc 2 "check with two bad inputs among the corpora"
cmp -s "$T/five.txt" out/check.txt || fail "check batch: the findings of the good files are not complete"
printf '<?xml version="1.0"?><r/>' >"$T/other.xml"
run "$RB" compare "$T/other.xml"; expect_rc 2 "compare non-AKN xml"
grep -q "not an Akoma Ntoso 3.0 document \[xml-not-akn\]" "$T/stderr" || fail "non-AKN xml: $(cat "$T/stderr")"

# ---- check ------------------------------------------------------------------------------------
run "$RB" help check; expect_rc 0 "help check"
run "$RB" check --format yaml corpora/wujin-2021.txt; expect_rc 2 "check: bad --format"
run "$RB" check --min-severity fatal corpora/wujin-2021.txt; expect_rc 2 "check: bad --min-severity"
printf '某市人民政府工作规则\n一、市政府工作的准则是依法行政。\n二、本规则自印发之日起施行。\n' >"$T/clean.txt"
run "$RB" check "$T/clean.txt"; expect_rc 0 "check: a clean text"
[ "$(cat "$T/stdout")" = "rulebook check: 0 findings in 1 file" ] || fail "check: a clean text gives more than the summary: $(cat "$T/stdout")"
run "$RB" check "$T/gap.txt"; expect_rc 1 "check: findings"
grep -q "gap.txt:4:1: error: structure: .* \[numbering-gap\]" "$T/stdout" || fail "check: no numbering-gap line labelled structure: $(cat "$T/stdout")"
tail -1 "$T/stdout" | grep -q '^rulebook check: 2 findings in 1 file: 1 error, 1 warning, 0 notes; 1 damaged copy, 0 consistency, 1 structure$' ||
  fail "check: no summary line at the end: $(tail -1 "$T/stdout")"
# findings labelled by category: damage to the copy apart from consistency
run "$RB" check --min-severity note corpora/chongqing-2018.txt; expect_rc 1 "check chongqing"
grep -q ': warning: damaged copy: .*\[junk-insertion\]$' "$T/stdout" || fail "check: junk not labelled damaged copy"
grep -q ': note: consistency: .*\[role-not-in-composition\]$' "$T/stdout" || fail "check: role not labelled consistency"
# roles as the text says them, no codes in the sentences; codes in JSON
grep -q '副秘書長 signs here' "$T/stdout" || fail "check: the role is not named as the text does"
grep -E ': (warning|note|error): [a-z ]+: [^[]*[a-z]+_[a-z_]+' "$T/stdout" && fail "check: a code in a sentence"
run "$RB" check --min-severity note --format json corpora/chongqing-2018.txt
grep -q '"codes": "deputy_secretary_general"' "$T/stdout" || fail "check json: no codes"
grep -q '"category": "copy"' "$T/stdout" || fail "check json: no category"
# the same words in the same article: one finding, counted
[ "$(grep -c '\[role-not-in-composition\]' out/check.txt)" -eq 4 ] || fail "check: role findings repeated: $(grep -c role-not out/check.txt)"
# --baseline must be a findings file of check
printf 'corpora/x.txt:1:1: warning: something [rule]\n' >"$T/report.txt"
printf '{}' >"$T/empty.json"
for b in report.txt empty.json; do
  run "$RB" check --baseline "$T/$b" "$T/gap.txt"; expect_rc 2 "check: --baseline $b"
  expect_one_error_line "check: --baseline $b" baseline-not-findings
done
run "$RB" check --format sarif -o "$T/base.sarif" "$T/gap.txt"
run "$RB" check --baseline "$T/base.sarif" "$T/gap.txt"; expect_rc 0 "check: a SARIF baseline"
run "$RB" check --min-severity error corpora/chongqing-2018.txt; expect_rc 0 "check: nothing at error level"
run "$RB" check --format json -o "$T/base.json" "$T/gap.txt"; expect_rc 1 "check json"
run "$RB" check --baseline "$T/base.json" "$T/gap.txt"; expect_rc 0 "check: all in the baseline"
run "$RB" check --baseline "$T/nonexistent.json" "$T/gap.txt"; expect_rc 2 "check: missing baseline"
run "$RB" check "$T/empty.txt"; expect_rc 2 "check: bad input"
expect_one_error_line "check: bad input" input-empty
run "$RB" check --format sarif "$T/gap.txt" -o "$T/c.sarif"; expect_rc 1 "check sarif"
grep -q '"version": "2.1.0"' "$T/c.sarif" || fail "check: sarif without version"
if command -v python3 >/dev/null 2>&1; then
  python3 -m json.tool "$T/c.sarif" >/dev/null || fail "check: sarif is not valid JSON"
fi

# ---- diff ----------------------------------------------------------------------------------------
run "$RB" help diff; expect_rc 0 "help diff"
run "$RB" diff corpora/wujin-2021.txt; expect_rc 2 "diff with one file"
run "$RB" diff --format html corpora/wujin-2021.txt corpora/wujin-2021.txt; expect_rc 2 "diff: bad --format"
run "$RB" diff corpora/wujin-2021.txt corpora/wujin-2021.txt; expect_rc 0 "diff: the same text"
sed 's/$/\r/' corpora/wuhan-2018.txt >"$T/wuhan-crlf.txt"
run "$RB" diff corpora/wuhan-2018.txt "$T/wuhan-crlf.txt"; expect_rc 0 "diff: a CRLF copy"
sed 's/一般每两周召开1次/一般每周召开1次/' corpora/wuhan-2018.txt >"$T/wuhan-new.txt"
run "$RB" diff corpora/wuhan-2018.txt "$T/wuhan-new.txt"; expect_rc 1 "diff: an edit"
grep -q "meetings 常务会议: 每两周1次 → 每周1次 (§42 → §42)" "$T/stdout" || fail "diff: no summary line: $(head -5 "$T/stdout")"
grep -q "§42 → §42 modified" "$T/stdout" || fail "diff: no map line"
grep -qF "每[-两-]周召开" "$T/stdout" || fail "diff: no plain character diff"
run "$RB" diff --fail-on deadlines corpora/wuhan-2018.txt "$T/wuhan-new.txt"; expect_rc 0 "diff: --fail-on an unchanged dimension"
run "$RB" diff --fail-on meetings,deadlines corpora/wuhan-2018.txt "$T/wuhan-new.txt"; expect_rc 1 "diff: --fail-on a changed dimension"
run "$RB" diff --format json corpora/wuhan-2018.txt "$T/wuhan-new.txt" -o "$T/d.json"; expect_rc 1 "diff json"
if command -v python3 >/dev/null 2>&1; then
  python3 -m json.tool "$T/d.json" >/dev/null || fail "diff json is not valid JSON"
fi
run "$RB" diff corpora/wuhan-2018.txt "$T/empty.txt"; expect_rc 2 "diff: a bad input"
expect_one_error_line "diff: a bad input" input-empty
run "$RB" diff out/wuhan-2018.xml "$T/wuhan-new.txt"; expect_rc 1 "diff: from a compiled xml"
grep -q "§42 → §42 modified" "$T/stdout" || fail "diff from xml: no map line"
# --fail-on: a typo, an empty list, an unknown name are errors naming the valid dimensions,
# even when (above all when) the deadline did change
sed 's/应在7个工作日内办结/应在5个工作日内办结/' corpora/wujin-2021.txt >"$T/wujin-dl.txt"
cmp -s "$T/wujin-dl.txt" corpora/wujin-2021.txt && fail "wujin-dl.txt: the sed changed nothing"
run "$RB" diff --fail-on deadlines corpora/wujin-2021.txt "$T/wujin-dl.txt"; expect_rc 1 "diff: --fail-on deadlines, changed"
for bad in deadline foo '' 'meetings,' 'meetings,,deadlines'; do
  run "$RB" diff --fail-on "$bad" corpora/wujin-2021.txt "$T/wujin-dl.txt"; expect_rc 2 "diff: --fail-on '$bad'"
  expect_one_error_line "diff: --fail-on '$bad'" usage
  grep -q 'meetings, signing, leave, deadlines' "$T/stderr" || fail "diff: --fail-on '$bad' does not name the valid dimensions"
done
# a deletion renumbers every later article: one line for the run, and the deleted text shown
{ echo '某市人民政府工作规则'
  for i in $(seq 1 20); do echo "第${i}条 市政府第${i}项工作按照规定的程序办理,各部门应当认真执行第${i}项要求。"; done
} >"$T/r20.txt"
awk 'NR==1{print;next} /^第5条/{next} {n++; sub(/^第[0-9]+条/, "第" n "条"); print}' "$T/r20.txt" >"$T/r19.txt"
run "$RB" diff "$T/r20.txt" "$T/r19.txt"; expect_rc 1 "diff: a deleted article"
grep -qF '§6–§20 → §5–§19 renumbered (15 articles, text unchanged)' "$T/stdout" ||
  fail "diff: the renumbered run is not one line: $(cat "$T/stdout")"
[ "$(grep -c renumbered "$T/stdout")" -eq 1 ] || fail "diff: renumbered articles listed one by one"
grep -qF '§5 → — deleted' "$T/stdout" || fail "diff: no deleted line"
grep -qF '[-市政府第5项工作按照规定的程序办理,各部门应当认真执行第5项要求。-]' "$T/stdout" || fail "diff: the deleted article's text is not shown"
# colour keeps the markers (colour alone fails the colour-blind)
run "$RB" diff --color always corpora/wuhan-2018.txt "$T/wuhan-new.txt"; expect_rc 1 "diff --color always"
grep -qF "$(printf '每\033[31m[-两-]\033[0m周')" "$T/stdout" || fail "diff --color: the markers are gone"
# on a terminal (script(1) gives one): colour by default, none with NO_COLOR or TERM=dumb
if command -v script >/dev/null 2>&1; then
  tty_diff() { script -qc "$RB diff corpora/wuhan-2018.txt $T/wuhan-new.txt" /dev/null >"$T/stdout" 2>&1; }
  TERM=xterm tty_diff
  grep -q "$(printf '\033')" "$T/stdout" || fail "diff: no colour on a terminal"
  NO_COLOR=1 TERM=xterm tty_diff
  grep -q "$(printf '\033')" "$T/stdout" && fail "diff: colour with NO_COLOR"
  TERM=dumb tty_diff
  grep -q "$(printf '\033')" "$T/stdout" && fail "diff: colour with TERM=dumb"
  ok
fi
# two different rulebooks: a warning
run "$RB" diff corpora/wujin-2021.txt corpora/wuhan-2018.txt; expect_rc 1 "diff: two rulebooks"
grep -q '^warning: these look like two different rulebooks, not two versions of one: OLD is of 常州市武进区 and NEW of 武汉市$' "$T/stdout" ||
  fail "diff: no warning that the rulebooks differ: $(head -2 "$T/stdout")"
grep -q 'wuhan-2018.txt: warning: .*\[different-rulebooks\]' "$T/stderr" || fail "diff: no different-rulebooks diagnostic: $(cat "$T/stderr")"
run "$RB" diff corpora/wuhan-2018.txt "$T/wuhan-new.txt"
grep -q 'different rulebooks' "$T/stdout" "$T/stderr" && fail "diff: two versions of one rulebook called different"
# ... said whole, whatever the length of the names (the reason was cut at 1,024 bytes)
mkdir "$T/lj" && cp corpora/wujin-2021.txt "$T/lj/w.txt"
printf 'jurisdiction: "%s区"\n' "$(printf '长%.0s' $(seq 400))" >"$T/lj/w.yaml"
run "$RB" compile -q "$T/lj/w.txt" --meta "$T/lj/w.yaml" -o "$T/lj/w.xml"; expect_rc 0 "compile, a long jurisdiction"
run "$RB" diff "$T/lj/w.xml" corpora/wuhan-2018.txt; expect_rc 1 "diff: two rulebooks, a long jurisdiction"
grep -q '^warning: these look like two different rulebooks.* and NEW of 武汉市$' "$T/stdout" ||
  fail "diff: the reason the rulebooks differ was cut: $(head -c 300 "$T/stdout")"
# the CI script: a report only where asked, the verdict on the last line, 0/1/2
mkdir "$T/ci" && cp tools/revision-check.sh "$T/ci/"
(cd "$T/ci" && RULEBOOK="$RB" sh revision-check.sh "$OLDPWD/corpora/wuhan-2018.txt" "$T/wuhan-new.txt" meetings) >"$T/stdout" 2>"$T/stderr"
rc=$?; expect_rc 1 "revision-check: a tracked change"
[ "$(tail -1 "$T/stdout")" = "revision-check: changed" ] || fail "revision-check: last line $(tail -1 "$T/stdout")"
[ "$(ls "$T/ci")" = "revision-check.sh" ] || fail "revision-check: stray files: $(ls "$T/ci")"
RULEBOOK="$RB" sh tools/revision-check.sh corpora/wuhan-2018.txt "$T/wuhan-new.txt" meetings "$T/r.json" >"$T/stdout" 2>"$T/stderr"
rc=$?; expect_rc 1 "revision-check: a tracked change, with a report"
[ -s "$T/r.json" ] || fail "revision-check: no report"
RULEBOOK="$RB" sh tools/revision-check.sh corpora/wuhan-2018.txt "$T/wuhan-crlf.txt" meetings >"$T/stdout" 2>"$T/stderr"
rc=$?; expect_rc 0 "revision-check: no change"
[ "$(tail -1 "$T/stdout")" = "revision-check: unchanged" ] || fail "revision-check: last line $(tail -1 "$T/stdout")"
RULEBOOK="$RB" sh tools/revision-check.sh corpora/wuhan-2018.txt "$T/empty.txt" meetings >"$T/stdout" 2>"$T/stderr"
rc=$?; expect_rc 2 "revision-check: a revision that does not compile"
[ "$(tail -1 "$T/stdout")" = "revision-check: trouble" ] || fail "revision-check: last line $(tail -1 "$T/stdout")"
RULEBOOK="$RB" sh tools/revision-check.sh corpora/wuhan-2018.txt "$T/wuhan-new.txt" meeting >"$T/stdout" 2>"$T/stderr"
rc=$?; expect_rc 2 "revision-check: a misspelt dimension"
[ "$(tail -1 "$T/stdout")" = "revision-check: trouble" ] || fail "revision-check: a misspelt dimension: $(tail -1 "$T/stdout")"
# make revision-check: the verdict line tells changed from trouble; no file left in the tree
before=$(git status --porcelain 2>/dev/null)
make -s revision-check RULEBOOK_BIN="$RB" OLD=corpora/wuhan-2018.txt NEW="$T/wuhan-new.txt" TRACK=meetings >"$T/stdout" 2>"$T/stderr"
[ "$(tail -1 "$T/stdout")" = "revision-check: changed" ] || fail "make revision-check: $(tail -1 "$T/stdout")"
make -s revision-check OLD=corpora/wuhan-2018.txt NEW="$T/empty.txt" >"$T/stdout" 2>"$T/stderr"
[ "$(tail -1 "$T/stdout")" = "revision-check: trouble" ] || fail "make revision-check, trouble: $(tail -1 "$T/stdout")"
[ "$(git status --porcelain 2>/dev/null)" = "$before" ] || fail "make revision-check left files in the tree"
# the git diff driver: git diff shows whole articles
if command -v git >/dev/null 2>&1; then
  g="$T/repo"; mkdir "$g"
  (cd "$g" && git init -q && git config user.email t@t && git config user.name t &&
   git config diff.rulebook.textconv "$RB compile -q --no-meta --format lines" &&
   echo '*.txt diff=rulebook' >.gitattributes &&
   cp "$OLDPWD/corpora/wuhan-2018.txt" r.txt && printf 'notes\n' >notes.txt && git add -A && git commit -qm a &&
   cp "$T/wuhan-new.txt" r.txt && printf 'notes, more\n' >notes.txt &&
   RULEBOOK_GRAMMAR="${RULEBOOK_GRAMMAR:-$OLDPWD/grammar}" git diff >"$T/gd.txt" 2>"$T/gd.err" &&
   RULEBOOK_GRAMMAR="${RULEBOOK_GRAMMAR:-$OLDPWD/grammar}" git diff --word-diff=plain --word-diff-regex=. r.txt >"$T/gw.txt" 2>/dev/null) ||
    fail "git diff with the textconv driver failed: $(cat "$T/gd.err")"
  grep -q '^-四十二、市人民政府常务会议由市长、副市长和秘书长组成' "$T/gd.txt" || fail "git diff: the article is not one line"
  grep -q '^+四十二、.*一般每周召开1次' "$T/gd.txt" || fail "git diff: no new article line"
  # a .txt under the attribute that is not a rulebook: its text, and git diff goes on
  grep -q '^+notes, more$' "$T/gd.txt" || fail "git diff: a non-rulebook .txt is not shown as it is"
  # --word-diff-regex=. : Chinese diffed by character
  grep -qF '每[-两-]周召开' "$T/gw.txt" || fail "git diff --word-diff-regex=.: $(grep -c '' "$T/gw.txt") lines"
fi

echo "cli.sh: $n checks, $fails failed"
[ "$fails" -eq 0 ]
