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
exit $status
