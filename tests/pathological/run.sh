#!/bin/sh
# pathological/run.sh RULEBOOK MEASURE: inputs built to hit the quadratic corners (as cmark's
# pathological tests): each case runs at size N and 2N, and the time of 2N must stay under 3 times
# the time of N, and so must the peak memory. Ratios, not seconds: these machines are noisy, so
# each size runs five times and the fastest counts (with three, a busy spell once made all of
# a 50 ms case's 2N runs three times slower).
set -u
RB=${1:?usage: run.sh RULEBOOK MEASURE}
MEASURE=${2:?usage: run.sh RULEBOOK MEASURE}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

# the characters of the pseudo-random texts (common ones)
CHARS="的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教"

# gen KIND N FILE: one input of size N
gen() {
  case $1 in
    articles) # N articles, no chapter
      awk -v n="$2" 'BEGIN { print "某市人民政府工作规则"
        for (i = 1; i <= n; i++) printf "第%d条 市政府各部门应当认真履行第%d项职责。\n", i, i }' >"$3" ;;
    deadlines) # N articles giving one action nine different deadlines
      awk -v n="$2" 'BEGIN { print "某市人民政府工作规则"
        for (i = 1; i <= n; i++) printf "第%d条 会议纪要应当在会后%d个工作日内印发。\n", i, i % 9 + 1 }' >"$3" ;;
    text|long) # N articles of 20 (long: 100) pseudo-random characters (seeded: the same every
      # run; bytes, three to a character, whatever the awk)
      LC_ALL=C awk -v n="$2" -v seed="$4" -v c="$CHARS" -v len=$([ "$1" = long ] && echo 100 || echo 20) 'BEGIN { srand(seed);
        m = int(length(c) / 3); print "某市人民政府工作规则"
        for (i = 1; i <= n; i++) { s = ""; for (k = 0; k < len; k++) s = s substr(c, 3 * int(rand() * m) + 1, 3)
          printf "第%d条 %s。\n", i, s } }' >"$3" ;;
    inline) # one line holding N articles numbered in sequence
      awk -v n="$2" 'BEGIN { print "某市人民政府工作规则"; s = ""
        for (i = 1; i <= n; i++) s = s sprintf("第%d条 各部门应当办理。", i); print s }' >"$3" ;;
    rejected) # one line of N places where a unit may start, none continuing the numbering,
      # after a pinyin annotation (the piece before each place is classified again)
      awk -v n="$2" 'BEGIN { print "某市人民政府工作规则"; s = "第一条 本规(guī)则。"
        for (i = 1; i <= n; i++) s = s "。一、各部门应当认真办理"; print s }' >"$3" ;;
    repeats) # a chapter of two articles copied N times: N duplicate runs, each a junk span
      awk -v n="$2" 'BEGIN { print "某市人民政府工作规则"
        for (i = 1; i <= n; i++) printf "第一章 总则\n第一条 市政府各部门应当认真履行职责。\n第二条 市政府实行市长负责制。\n" }' >"$3" ;;
    chapters) # N chapters of one article each
      awk -v n="$2" 'BEGIN { print "某市人民政府工作规则"
        for (i = 1; i <= n; i++) printf "第%d章 第%d部分\n第%d条 市政府各部门应当认真履行职责。\n", i, i, i }' >"$3" ;;
    titles) # N articles citing N titles alike (a list of a city's regulations)
      awk -v n="$2" 'BEGIN { print "某市人民政府工作规则"
        for (i = 1; i <= n; i++) printf "第%d条 根据《某市第%d号城乡建设管理办法》的规定执行。\n", i, i }' >"$3" ;;
    insertions) # N articles with an insertion each, then two copies without (each insertion is
      # set aside, and found again against the second copy)
      awk -v n="$2" 'BEGIN { print "某市人民政府工作规则"
        for (c = 0; c < 3; c++) for (i = 1; i <= n; i++)
          printf "第%d条 市政府%s各部门第%d项工作。\n", i, c ? "" : "甲乙", i }' >"$3" ;;
    list) # one sentence listing N meeting types, all different
      awk -v n="$2" 'BEGIN { print "某市人民政府工作规则"; s = "第一条 市人民政府实行第1类会议"
        for (i = 2; i <= n; i++) s = s sprintf("、第%d类会议", i); print s "制度。" }' >"$3" ;;
    superior) # N deadlines of one action: a higher-level rulebook (seed 1), a lower one that
      # cites it (seed 2), each deadline of the lower one longer than most of the higher's
      awk -v n="$2" -v s="$4" 'BEGIN {
        if (s == 1) print "某省人民政府工作规则"
        else { print "某市人民政府工作规则"; print "第1条 根据《某省人民政府工作规则》制定本规则。" }
        for (i = 1; i <= n; i++) printf "第%d条 第%d项请示事项应当在%d个工作日内办结。\n", i + (s != 1), i, i % 9 + s }' >"$3" ;;
    reordered) # an article of N pseudo-random characters and two short ones, then a copy of
      # the three whose long article has its halves the other way round (as `text`)
      LC_ALL=C awk -v n="$2" -v c="$CHARS" 'BEGIN { srand(1);
        m = int(length(c) / 3); s = ""
        for (k = 0; k < n; k++) s = s substr(c, 3 * int(rand() * m) + 1, 3)
        h = 3 * int(n / 2); print "某市人民政府工作规则"
        printf "第一条 %s。\n第二条 市政府实行市长负责制。\n第三条 本规则自印发之日起施行。\n", s
        printf "第一条 %s%s。\n第二条 市政府实行市长负责制。\n第三条 本规则自印发之日起施行。\n", substr(s, h + 1), substr(s, 1, h) }' >"$3" ;;
    gaps) # N articles numbered 2, 4, 6, ...: a numbering gap before each
      awk -v n="$2" 'BEGIN { print "某市人民政府工作规则"
        for (i = 1; i <= n; i++) printf "第%d条 市政府各部门应当认真履行第%d项职责。\n", 2 * i, i }' >"$3" ;;
  esac
}

# best TIME RSS of five runs of the command
best() {
  : >"$T/m"
  for r in 1 2 3 4 5; do "$MEASURE" -o "$T/m" "$@" 2>/dev/null; done
  sort -n "$T/m" | head -1
}

# case NAME KIND N COMMAND…: the command (with @IN@ for the input, @IN2@ for a second one)
# at N and 2N
case_() {
  name=$1 kind=$2 n=$3
  shift 3
  # a ratio over 3 is measured once more before it counts: a busy spell of the machine can
  # slow all five runs of one size, a quadratic corner slows both attempts
  for attempt in 1 2; do
    for k in 1 2; do
      size=$((n * k))
      gen "$kind" "$size" "$T/in$k.txt" 1
      gen "$kind" "$size" "$T/in$k-b.txt" 2
      set -- "$@"
      cmd=$(printf '%s\n' "$*" | sed "s|@IN@|$T/in$k.txt|g; s|@IN2@|$T/in$k-b.txt|g")
      # shellcheck disable=SC2086
      r=$(best $cmd)
      eval "t$k=\$(echo \"\$r\" | cut -d' ' -f1); m$k=\$(echo \"\$r\" | cut -d' ' -f2)"
      code=$(echo "$r" | cut -d' ' -f3)
      if [ "$code" -gt 1 ]; then
        echo "  FAIL: $name at N=$size exits $code"; fails=$((fails + 1)); return
      fi
    done
    verdict=$(awk -v t1="$t1" -v t2="$t2" -v m1="$m1" -v m2="$m2" 'BEGIN {
      rt = t2 / (t1 > 0.001 ? t1 : 0.001); rm = m2 / (m1 > 0 ? m1 : 1)
      printf "%.2f %.2f %s", rt, rm, (rt < 3 && rm < 3) ? "ok" : "FAIL" }')
    case $verdict in *ok) break ;; esac
    [ "$attempt" -eq 1 ] && echo "  ($name: x$(echo "$verdict" | cut -d' ' -f1) time, x$(echo "$verdict" | cut -d' ' -f2) memory; measured again)"
  done
  printf '  %-34s N=%-7s %.3fs %7dKB   2N: %.3fs %7dKB   time x%s  memory x%s  %s\n' "$name" "$n" \
    "$t1" "$m1" "$t2" "$m2" "$(echo "$verdict" | cut -d' ' -f1)" "$(echo "$verdict" | cut -d' ' -f2)" \
    "$(echo "$verdict" | cut -d' ' -f3)"
  case $verdict in *FAIL) fails=$((fails + 1)) ;; esac
}

# check against a baseline of the input's own findings (each finding searched the whole
# baseline once: the findings times its bytes)
printf '%s\n' '"$1" check --format json "$2" -o "$2.json"; "$1" check --baseline "$2.json" "$2"' >"$T/base.sh"

echo "pathological inputs: time and memory at 2N against N (under 3x each)"
case_ "compile: articles, no chapter" articles 40000 "$RB" compile -q --no-meta @IN@ -o /dev/null
# (at 2N under the 4,096 places a line is looked at: past them the rest of the line is text)
case_ "compile: articles inline in a line" inline 2000 "$RB" compile -q --no-meta @IN@ -o /dev/null
case_ "compile: rejected places in a line" rejected 2000 "$RB" compile -q --no-meta @IN@ -o /dev/null
# (each removed copy asked every junk span before it whether it sat in between, and each run
# every chapter before it)
case_ "compile: a text copied many times" repeats 10000 "$RB" compile -q --no-meta @IN@ -o /dev/null
case_ "check --baseline: many findings" gaps 8000 sh "$T/base.sh" "$RB" @IN@
case_ "check: one action, many deadlines" deadlines 8000 "$RB" check --min-severity error @IN@
# (each finding looked for its article among all the articles before it)
case_ "check: many findings in many articles" gaps 20000 "$RB" check --min-severity error @IN@
# (each new chapter looked for an old one that maps to it among all the old chapters)
case_ "diff: many chapters" chapters 40000 "$RB" diff -q @IN@ @IN@
# (each citation walked every title that shares its first or last two characters)
case_ "check: many titles alike" titles 10000 "$RB" check --min-severity error @IN@
# (each insertion asked every junk span whether it was known)
case_ "compile: insertions in copies" insertions 10000 "$RB" compile -q --no-meta @IN@ -o /dev/null
# (the copy of a long article was searched for up to a fifth of its length in edits, with a
# trace of the search's steps: quadratic in time and in memory)
case_ "compile: a long article reordered" reordered 50000 "$RB" compile -q --no-meta @IN@ -o /dev/null
# (each item of a list was compared with every value before it)
case_ "compile: a list of many items" list 8000 "$RB" compile -q --no-meta @IN@ -o /dev/null
# (each deadline of the lower rulebook was compared with each of the higher one's)
case_ "check: a lower rulebook's deadlines" superior 4000 "$RB" check --min-severity error @IN@ @IN2@
case_ "diff: identical texts" text 30000 "$RB" diff -q @IN@ @IN@
case_ "diff: two different texts" text 5000 "$RB" diff -q @IN@ @IN2@
# (under the budget of pairs, every pair was compared, each comparison as long as the two
# articles: long articles made it quadratic)
case_ "diff: texts of long articles" long 1000 "$RB" diff -q @IN@ @IN2@
case_ "compare csv: many facts" deadlines 8000 "$RB" compare -q --format csv @IN@
case_ "compare json: many facts" deadlines 8000 "$RB" compare -q --format json @IN@
# and the findings of the deadlines stay one per conflicting set, whatever N
gen deadlines 8000 "$T/d.txt" 1
n=$("$RB" check "$T/d.txt" | grep -c deadline-conflict)
[ "$n" -eq 1 ] || { echo "  FAIL: $n deadline-conflict findings for one action, want 1"; fails=$((fails + 1)); }
echo "pathological: $fails failed"
[ "$fails" -eq 0 ]
