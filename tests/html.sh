#!/bin/sh
# html.sh BINARY: the HTML comparison in a real browser. Headless Chromium renders the page
# from `compare --format html`, takes a screenshot and dumps the DOM after layout; the page's
# own self-check records how many tables rendered and their heights, and the chart's size.
# The test fails if the page is blank or a table is missing; it proves it can fail by running
# the same checks on a blank page and on the page with one table cut out.
set -u
RB=${1:?usage: html.sh path/to/rulebook}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
  echo "html.sh: Chromium is not installed; run: apt-get install -y chromium fonts-wqy-microhei" >&2
  exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
FLAGS="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars"

"$RB" compare -q --unmatched --format html corpora/*.txt -o "$T/compare.html" 2>"$T/err" || {
  echo "html.sh: compare --format html failed:"; cat "$T/err"; exit 1; }
if grep -Eq '(src|href)="https?://' "$T/compare.html"; then
  echo "html.sh: the page loads something from the network; it must be self-contained"; exit 1
fi

# render NAME: screenshot and DOM of $T/NAME.html
render() {
  # shellcheck disable=SC2086
  "$CHROMIUM" $FLAGS --user-data-dir="$T/prof-$1-a" --window-size=1400,3000 \
    --screenshot="$T/$1.png" "file://$T/$1.html" >/dev/null 2>&1
  # shellcheck disable=SC2086
  "$CHROMIUM" $FLAGS --user-data-dir="$T/prof-$1-b" --virtual-time-budget=3000 \
    --dump-dom "file://$T/$1.html" >"$T/$1.dom" 2>/dev/null
}

# check NAME TABLES: 0 when the page rendered TABLES non-empty tables, a chart, and a
# screenshot well above the blank page's size
check() {
  [ -s "$T/$1.png" ] || { echo "  $1: no screenshot"; return 1; }
  size=$(wc -c <"$T/$1.png")
  [ "$size" -gt $((3 * blank_size)) ] || { echo "  $1: screenshot $size bytes, blank is $blank_size: blank page"; return 1; }
  rendered=$(grep -o 'data-rendered="[^"]*"' "$T/$1.dom" | sed 's/&quot;/"/g')
  [ -n "$rendered" ] || { echo "  $1: the page's self-check did not run"; return 1; }
  tables=$(echo "$rendered" | sed -n 's/.*"tables":\([0-9]*\).*/\1/p')
  [ "$tables" = "$2" ] || { echo "  $1: $tables tables rendered, want $2"; return 1; }
  heights=$(echo "$rendered" | sed -n 's/.*"heights":\[\([0-9,]*\)\].*/\1/p')
  for h in $(echo "$heights" | tr ',' ' '); do
    [ "$h" -gt 20 ] || { echo "  $1: a table is $h px high"; return 1; }
  done
  echo "$rendered" | grep -q '"chart":\[[1-9][0-9]*,[1-9][0-9]*\]' || { echo "  $1: no chart"; return 1; }
  echo "  $1: $tables tables (heights $heights), chart, screenshot $size bytes"
  return 0
}

printf '<!DOCTYPE html><html><body></body></html>\n' >"$T/blank.html"
render blank
blank_size=$(wc -c <"$T/blank.png")
cp "$T/compare.html" "$T/page.html"
render page
# the same page without the leave table
sed '/<table id="dim-leave">/,/<\/table>/d' "$T/compare.html" >"$T/cut.html"
render cut

# every table the page holds must render (one per dimension, with the YAML ones)
want=$(grep -o '<table' "$T/compare.html" | wc -l)
status=0
[ "$want" -ge 6 ] || { echo "html.sh: FAIL: the page holds only $want tables"; status=1; }
check page "$want" || { echo "html.sh: FAIL: the comparison page did not render fully"; status=1; }
if check blank "$want" >/dev/null; then echo "html.sh: FAIL: the check passes a blank page"; status=1; fi
if check cut "$want" >/dev/null; then echo "html.sh: FAIL: the check passes a page with a missing table"; status=1; fi
[ $status -eq 0 ] && echo "html.sh: ok (a blank page and a page missing a table are both caught)"

# ---- many rulebooks: distributions and a long table that sorts and filters ----------------------
# 300 generated rulebooks (tests/gen-rulebooks.py prints id, level and executive meetings a year)
HERE=$(cd "$(dirname "$0")" && pwd)
python3 "$HERE/gen-rulebooks.py" 300 "$T/gen" >"$T/gen.txt" || { echo "html.sh: FAIL: gen-rulebooks.py"; exit 1; }
"$RB" compile -q "$T"/gen/*.txt -o "$T/gen/out" 2>"$T/err" || { echo "html.sh: FAIL: compiling the generated set:"; head -5 "$T/err"; exit 1; }
"$RB" compare -q --format html "$T"/gen/out/*.xml -o "$T/many.html" 2>"$T/err" || { echo "html.sh: FAIL: compare of 300:"; head -5 "$T/err"; exit 1; }
# the table of executive meetings by level counts what was generated
for lv in province city county district; do
  want=$(awk -v l="$lv" '$2 == l' "$T/gen.txt" | wc -l)
  grep -q "<tr><th scope=\"row\">$lv</th><td class=\"num\">$want</td><td class=\"num\">$want</td>" "$T/many.html" ||
    { echo "html.sh: FAIL: the executive-meeting distribution does not count $want $lv rulebooks"; status=1; }
done
want52=$(awk '$3 == 52' "$T/gen.txt" | wc -l)
grep -A6 '<table id="dist-executive">' "$T/many.html" | grep '<th scope="row">all</th>' | grep -q "52/yr: $want52 rulebooks" ||
  { echo "html.sh: FAIL: the outliers of the whole set do not name the $want52 rulebooks meeting weekly"; status=1; }
nfacts=$("$RB" compare -q --format csv "$T"/gen/out/*.xml | tail -n +2 | grep -c '^gen-')
[ "$(grep -c '<td class="num" data-v=' "$T/many.html")" -eq "$nfacts" ] || { echo "html.sh: FAIL: the long table does not hold the $nfacts facts"; status=1; }
grep -q '<th>gen-001' "$T/many.html" && { echo "html.sh: FAIL: 300 rulebooks laid out as columns"; status=1; }

# selftest NAME FILTER: open NAME.html#selftest=FILTER: the page clicks its own sort heading twice
# and types FILTER into its own filter box, and records what it saw
selftest() {
  # shellcheck disable=SC2086
  "$CHROMIUM" $FLAGS --user-data-dir="$T/prof-$1-s" --virtual-time-budget=5000 \
    --dump-dom "file://$T/$1.html#selftest=$2" >"$T/$1.st.dom" 2>/dev/null
  grep -o 'data-rendered="[^"]*"' "$T/$1.st.dom" | sed 's/&quot;/"/g'
}
# the rows the filter must leave: those of the long table holding the word (counted here, not
# by the page)
rows_with() { sed -n '/<table id="facts">/,/<\/table>/p' "$T/many.html" | grep '^<tr><td>' | grep -ci "$1"; }
cp "$T/many.html" "$T/many1.html"
st=$(selftest many1 executive)
want=$(rows_with executive)
echo "$st" | grep -q '"ascending":true,"descending":true' || { echo "html.sh: FAIL: the long table does not sort: $st"; status=1; }
echo "$st" | grep -q "\"shown\":$want,\"wrong\":0" || { echo "html.sh: FAIL: the filter shows other than the $want rows holding 'executive': $st"; status=1; }
echo "$st" | grep -q "\"count\":\"$want of " || { echo "html.sh: FAIL: the filter's count does not say $want: $st"; status=1; }
# the same checks catch a page whose sorting or filtering is broken
sed 's/function(){rbSort(th)}/function(){}/' "$T/many.html" >"$T/nosort.html"
selftest nosort executive | grep -q '"ascending":true,"descending":true' && { echo "html.sh: FAIL: the check passes a table that does not sort"; status=1; }
sed 's/rows\[i\].hidden=!ok;/rows[i].hidden=false;/' "$T/many.html" >"$T/nofilter.html"
selftest nofilter executive | grep -q "\"shown\":$want,\"wrong\":0" && { echo "html.sh: FAIL: the check passes a filter that hides nothing"; status=1; }
[ $status -eq 0 ] && echo "html.sh: ok: 300 rulebooks: distributions by level, the long table sorts and filters ($want rows hold 'executive')"
exit $status
