# rulebook: compile Chinese government work rulebooks into Akoma Ntoso XML and compare them.
#
#   make            build build/rulebook, then compile corpora/*.txt into out/
#   make test       unit, spec, CLI and corpus tests, built with ASan + UBSan
#   make asan       the same as make test
#   make valgrind   the corpora through every command under valgrind (leaks, invalid reads)
#   make fuzz       libFuzzer on the document pipeline and on grammar loading (FUZZ_SECONDS)
#   make bench      the benchmark: generated inputs, a table of MB/s, files/s, peak RSS
#   make accuracy   precision and recall on the development set (../shared/devset), every miss
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean
#
# Missing Debian packages are installed by tools/deps.sh when run as root (otherwise it
# prints the apt-get line).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/rulebook
MANDIR ?= $(PREFIX)/share/man

CC ?= cc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wformat=2 -Wno-format-nonliteral \
        -Wmissing-prototypes -Wstrict-prototypes
PKGS := libpcre2-8 libxml-2.0 yaml-0.1 nettle
# recursively expanded on purpose: pkg-config runs after the deps step installed it
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
# --build-id: the id that keys the cache of checked grammar examples (grammars.c); -lm: floor
# and fabs, which an optimised build inlines and one built with -O0 calls
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) -lm -Wl,--build-id
CPPFLAGS_ALL = -std=c11 -D_GNU_SOURCE -Icompiler -DRB_DATADIR='"$(DATADIR)"' $(PKG_CFLAGS)

B := build
LIB_SRCS := $(filter-out compiler/main.c,$(wildcard compiler/*.c))
LIB_OBJS := $(patsubst compiler/%.c,$(B)/%.o,$(LIB_SRCS)) $(B)/tables.o $(B)/lexicon.o
HDRS := $(wildcard compiler/*.h)

SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
A := $(B)/asan
ASAN_OBJS := $(patsubst compiler/%.c,$(A)/%.o,$(LIB_SRCS)) $(A)/tables.o $(A)/lexicon.o

CORPORA := $(wildcard corpora/*.txt)
OUT_XML := $(patsubst corpora/%.txt,out/%.xml,$(CORPORA))
OUT_COMPARE := out/compare.md out/compare.csv out/compare.json out/compare.html
OUT_CHECK := out/check.txt out/check.sarif
GRAMMAR := $(wildcard grammar/*.yaml)

OPENCC_DIR ?= /usr/share/opencc
JIEBA_DICT ?= /usr/lib/python3/dist-packages/jieba/dict.txt
OPENCC_DICTS := TSCharacters STCharacters TWVariantsRev TWPhrasesRev TWVariantsRevPhrases TSPhrases

.PHONY: all build test asan accuracy test-html pathological revision-check bench fuzz valgrind out accept deps-build deps-test install uninstall clean
.DELETE_ON_ERROR:

all: build out

build: $(B)/rulebook

$(B)/.deps-build: tools/deps.sh
	@mkdir -p $(B)
	sh tools/deps.sh build
	@touch $@

$(B)/.deps-test: tools/deps.sh
	@mkdir -p $(B)
	sh tools/deps.sh test
	@touch $@

# ---- normalization tables from utf8proc and OpenCC's dictionaries (see tools/gentables.c)
$(B)/gentables: tools/gentables.c | $(B)/.deps-build
	$(CC) -O2 -std=c11 -D_GNU_SOURCE $(WARN) -o $@ $< $$(pkg-config --cflags --libs libutf8proc)

$(B)/tables.c: $(B)/gentables | $(B)/.deps-build
	@mkdir -p $(B)/opencc
	for d in $(OPENCC_DICTS); do \
	  opencc_dict -i $(OPENCC_DIR)/$$d.ocd2 -o $(B)/opencc/$$d.txt -f ocd2 -t text || exit 1; \
	done
	$(B)/gentables $(B)/opencc $@ $(JIEBA_DICT)

# ---- the character-bigram lexicon of the junk detector, from jieba's word list
$(B)/genlexicon: tools/genlexicon.c compiler/pairhash.h | $(B)/.deps-build
	$(CC) -O2 -std=c11 $(WARN) -o $@ $<

# the reference of clean government prose: the clean simplified corpora (check and the view read
# a file against it, never against the other files of a run)
REFERENCE_TEXTS := corpora/urumqi-2018.txt corpora/erenhot-2013.txt corpora/wuhan-2018.txt \
	corpora/wujin-2021.txt
$(B)/lexicon.c: $(B)/genlexicon $(REFERENCE_TEXTS) | $(B)/.deps-build
	$(B)/genlexicon $(JIEBA_DICT) $@ $(REFERENCE_TEXTS)

$(B)/%.o: $(B)/%.c
	$(CC) -O1 -c -o $@ $<

$(A)/%.o: $(B)/%.c
	@mkdir -p $(A)
	$(CC) -O1 -c -o $@ $<

# ---- the library and the CLI
$(B)/%.o: compiler/%.c $(HDRS) | $(B)/.deps-build
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -c -o $@ $<

$(B)/librulebook.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/rulebook: $(B)/main.o $(B)/librulebook.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# ---- corpora -> out/ (make -j2 compiles two at a time), then the comparison tables
out: $(OUT_XML) $(OUT_COMPARE) $(OUT_CHECK)

.SECONDEXPANSION:
out/%.xml: corpora/%.txt $$(wildcard corpora/$$*.yaml) $(B)/rulebook $(GRAMMAR)
	@mkdir -p out
	$(B)/rulebook compile -q $< -o $@ || [ $$? -eq 1 ]

out/compare.%: $(OUT_XML) $(B)/rulebook
	$(B)/rulebook compare -q --unmatched --format $* $(OUT_XML) -o $@

# every finding on the corpora, notes included (exit 1 means findings: expected here)
out/check.txt: $(CORPORA) $(B)/rulebook $(GRAMMAR)
	$(B)/rulebook check --min-severity note $(CORPORA) -o $@ || [ $$? -eq 1 ]

out/check.sarif: $(CORPORA) $(B)/rulebook $(GRAMMAR)
	$(B)/rulebook check --min-severity note --format sarif $(CORPORA) -o $@ || [ $$? -eq 1 ]

accept:
	rm -f $(OUT_XML) $(OUT_COMPARE) $(OUT_CHECK)
	$(MAKE) out

# ---- tests, under AddressSanitizer and UndefinedBehaviorSanitizer
$(A)/%.o: compiler/%.c $(HDRS) | $(B)/.deps-test
	@mkdir -p $(A)
	$(CC) $(CPPFLAGS_ALL) -O1 -g $(SAN) $(WARN) -c -o $@ $<

$(A)/librulebook.a: $(ASAN_OBJS)
	rm -f $@ && ar rcs $@ $^

$(A)/rulebook: $(A)/main.o $(A)/librulebook.a
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

TESTS := $(patsubst tests/%.c,$(A)/%,$(wildcard tests/test_*.c))

$(A)/test_%: tests/test_%.c tests/testutil.h tests/json.h tests/roundtrip.h tests/xmlevents.h \
  $(A)/librulebook.a
	$(CC) $(CPPFLAGS_ALL) -Itests -O1 -g $(SAN) $(WARN) -o $@ $< $(A)/librulebook.a \
	  $(PKG_LIBS) $$(pkg-config --libs cmocka)

# the fuzz harnesses as plain programs: the seeds and every regression input, replayed once
$(A)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.h tests/roundtrip.h tests/xmlevents.h \
  $(A)/librulebook.a
	$(CC) $(CPPFLAGS_ALL) -DFUZZ_REPLAY -O1 -g $(SAN) $(WARN) -o $@ $< $(A)/librulebook.a $(PKG_LIBS)

REPLAY := $(A)/fuzz_compile $(A)/fuzz_grammar $(A)/fuzz_readback $(A)/fuzz_sidecar $(A)/fuzz_rbxml \
  $(A)/fuzz_xmlscan

# the accuracy harness over the development set (tests/accuracy.c); make test holds it to the
# floors of tests/accuracy-floors.txt, which only ever go up
DEVSET ?= ../shared/devset
$(A)/accuracy: tests/accuracy.c $(A)/librulebook.a
	$(CC) $(CPPFLAGS_ALL) -O1 -g $(SAN) $(WARN) -o $@ $< $(A)/librulebook.a $(PKG_LIBS) -lm

$(B)/accuracy: tests/accuracy.c $(B)/librulebook.a
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -o $@ $< $(B)/librulebook.a $(PKG_LIBS) -lm

accuracy: $(B)/accuracy
	@if [ -r "$(DEVSET)/gold.yaml" ]; then RULEBOOK_GRAMMAR=$(CURDIR)/grammar $(B)/accuracy -v \
	  --floors tests/accuracy-floors.txt "$(DEVSET)"; \
	else echo "accuracy: skipped: no development set at $(DEVSET) (set DEVSET=DIR)"; fi

test asan: $(A)/rulebook $(B)/rulebook $(B)/bench/measure $(TESTS) $(REPLAY) $(A)/accuracy
	@export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  RULEBOOK_GRAMMAR=$(CURDIR)/grammar XDG_CACHE_HOME=$(CURDIR)/$(A)/cache; \
	set -e; for t in $(TESTS); do echo "== $$t"; $$t; done; \
	echo "== fuzz regressions"; $(A)/fuzz_compile corpora/ tests/fuzz/regressions/compile; \
	$(A)/fuzz_grammar tests/fixtures tests/fuzz/regressions/grammar; \
	rm -rf $(A)/spec-inputs; sh tools/spec-inputs.sh $(A)/spec-inputs; \
	$(A)/fuzz_readback corpora/ tests/fuzz/regressions/compile tests/fuzz/regressions/readback \
	  $(A)/spec-inputs; \
	$(A)/fuzz_sidecar corpora/*.yaml tests/fuzz/regressions/sidecar; \
	$(A)/fuzz_rbxml out/*.xml tests/fuzz/regressions/rbxml; \
	$(A)/fuzz_xmlscan out/*.xml tests/fuzz/regressions/rbxml tests/fuzz/regressions/xmlscan; \
	echo "== tests/cli.sh"; sh tests/cli.sh $(A)/rulebook; \
	echo "== tests/man.sh"; sh tests/man.sh $(A)/rulebook; \
	echo "== tests/install.sh"; sh tests/install.sh "$(MAKE)"; \
	echo "== tests/out.sh"; sh tests/out.sh $(A)/rulebook; \
	echo "== tests/readme.sh"; sh tests/readme.sh; \
	echo "== tests/pathological"; sh tests/pathological/run.sh $(B)/rulebook $(B)/bench/measure; \
	echo "== accuracy on the development set"; \
	if [ -r "$(DEVSET)/gold.yaml" ]; then \
	  $(A)/accuracy --floors tests/accuracy-floors.txt "$(DEVSET)" >$(A)/accuracy.log || \
	    { tail -n 13 $(A)/accuracy.log; exit 1; }; tail -n 7 $(A)/accuracy.log; \
	else echo "accuracy: SKIPPED: no development set at $(DEVSET)"; fi

# ---- the whole corpus under valgrind (the optimized build): no leak, no invalid access.
# PCRE2's interpreter instead of its JIT, whose generated code valgrind cannot follow.
VALGRIND := valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99
valgrind: $(B)/rulebook
	@command -v valgrind >/dev/null || { echo "valgrind is not installed: apt-get install -y valgrind"; exit 2; }
	@set -e; T=$$(mktemp -d); trap 'rm -rf "$$T"' EXIT; \
	export RULEBOOK_NO_JIT=1; \
	run() { echo "== valgrind rulebook $$*"; $(VALGRIND) $(B)/rulebook "$$@" >/dev/null 2>"$$T/err" || \
	  { rc=$$?; if [ $$rc -eq 99 ] || [ $$rc -gt 2 ]; then cat "$$T/err"; exit 1; fi; }; }; \
	run compile -q $(CORPORA) -o "$$T"; \
	run compile -q -j 2 $(CORPORA) -o "$$T"; \
	i=0; while [ $$i -lt 2100 ]; do cat tests/fuzz/regressions/compile/traditional-crlf-fullwidth-phrases.txt; \
	  i=$$((i + 1)); done >"$$T/trad-1mb.txt"; \
	run compile -q --no-meta "$$T/trad-1mb.txt" -o "$$T/trad-1mb.xml"; \
	run compare -q --unmatched --format html $(CORPORA); \
	run compare -q --format json "$$T"/*.xml; \
	run check --min-severity note --format sarif $(CORPORA) "$$T/wuhan-2018.xml"; \
	run diff corpora/wuhan-2018.txt corpora/chongqing-2018.txt; \
	run diff --format json "$$T/wujin-2021.xml" corpora/wujin-2021.txt; \
	run init "$$T"; \
	echo "valgrind: clean"

# ---- pathological inputs: time and memory grow linearly (2N under 3x N), by ratio
pathological: $(B)/rulebook $(B)/bench/measure
	sh tests/pathological/run.sh $(B)/rulebook $(B)/bench/measure

# ---- CI: does a new revision change what we track?
#   make revision-check OLD=a.txt NEW=b.txt [TRACK=meetings,deadlines] [REPORT=diff.json]
# The last line of the output is "revision-check: unchanged", "changed" or "trouble" (make
# itself exits 2 on any failure; a job that wants the exit code 0/1/2 runs the script).
TRACK ?= meetings,deadlines
REPORT ?=
revision-check: $(B)/rulebook
	@[ -n "$(OLD)" ] && [ -n "$(NEW)" ] || { echo "usage: make revision-check OLD=old.txt NEW=new.txt [TRACK=meetings,deadlines] [REPORT=diff.json]"; echo "revision-check: trouble"; exit 2; }
	@RULEBOOK=$(B)/rulebook sh tools/revision-check.sh "$(OLD)" "$(NEW)" "$(TRACK)" $(if $(REPORT),"$(REPORT)")

# ---- the HTML comparison in a real browser (headless Chromium; .ci/run runs it)
test-html: $(B)/rulebook
	sh tests/html.sh $(B)/rulebook

# ---- benchmark (not a test: it prints a table; see BENCHMARKS.md)
$(B)/bench/measure: bench/measure.c
	@mkdir -p $(B)/bench
	$(CC) -O2 -Wall -o $@ $<

$(B)/bench/scan: bench/scan.c $(B)/.deps-build
	@mkdir -p $(B)/bench
	$(CC) -O2 -Wall $$(pkg-config --cflags libpcre2-8) -o $@ $< $$(pkg-config --libs libpcre2-8)

bench: $(B)/rulebook $(B)/bench/measure $(B)/bench/scan
	sh bench/run.sh

# ---- fuzzing (clang's libFuzzer): each harness for FUZZ_SECONDS, seeded from the corpora, the
# spec cases and the grammar files; crashes land in build/fuzz/artifacts/ (make them
# regression inputs under tests/fuzz/regressions/)
FUZZ_SECONDS ?= 60
FZ := $(B)/fuzz
FZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FZ_OBJS := $(patsubst compiler/%.c,$(FZ)/%.o,$(LIB_SRCS)) $(FZ)/tables.o $(FZ)/lexicon.o

$(B)/.deps-fuzz: tools/deps.sh
	@mkdir -p $(B)
	sh tools/deps.sh fuzz
	@touch $@

$(FZ)/%.o: compiler/%.c $(HDRS) | $(B)/.deps-fuzz
	@mkdir -p $(FZ)
	clang $(CPPFLAGS_ALL) -O1 -g -fsanitize=fuzzer-no-link $(FZ_SAN) -c -o $@ $<

$(FZ)/%.o: $(B)/%.c | $(B)/.deps-fuzz
	@mkdir -p $(FZ)
	clang -O1 -c -o $@ $<

$(FZ)/librulebook.a: $(FZ_OBJS)
	rm -f $@ && ar rcs $@ $^

$(FZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/roundtrip.h tests/xmlevents.h $(FZ)/librulebook.a
	clang $(CPPFLAGS_ALL) -O1 -g -fsanitize=fuzzer $(FZ_SAN) -o $@ $< $(FZ)/librulebook.a $(PKG_LIBS)

fuzz: $(FZ)/fuzz_compile $(FZ)/fuzz_grammar $(FZ)/fuzz_readback $(FZ)/fuzz_sidecar $(FZ)/fuzz_rbxml \
  $(FZ)/fuzz_xmlscan
	@mkdir -p $(FZ)/seed-compile $(FZ)/seed-grammar $(FZ)/corpus-compile $(FZ)/corpus-grammar $(FZ)/artifacts
	cp corpora/*.txt tests/fuzz/regressions/compile/* $(FZ)/seed-compile/
	sh tools/spec-inputs.sh $(FZ)/seed-compile
	cp grammar/*.yaml tests/fixtures/*.yaml tests/fuzz/regressions/grammar/* $(FZ)/seed-grammar/
	RULEBOOK_GRAMMAR=$(CURDIR)/grammar $(FZ)/fuzz_compile -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$(FZ)/artifacts/ \
	  -print_final_stats=1 $(FZ)/corpus-compile $(FZ)/seed-compile
	RULEBOOK_GRAMMAR=$(CURDIR)/grammar $(FZ)/fuzz_grammar -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=16384 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$(FZ)/artifacts/ \
	  -print_final_stats=1 $(FZ)/corpus-grammar $(FZ)/seed-grammar
	@mkdir -p $(FZ)/corpus-readback $(FZ)/corpus-sidecar $(FZ)/seed-sidecar
	cp corpora/*.yaml tests/fuzz/regressions/sidecar/* $(FZ)/seed-sidecar/
	RULEBOOK_GRAMMAR=$(CURDIR)/grammar $(FZ)/fuzz_readback -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$(FZ)/artifacts/ \
	  -print_final_stats=1 $(FZ)/corpus-readback $(FZ)/seed-compile tests/fuzz/regressions/readback
	RULEBOOK_GRAMMAR=$(CURDIR)/grammar $(FZ)/fuzz_sidecar -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=4096 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$(FZ)/artifacts/ \
	  -print_final_stats=1 $(FZ)/corpus-sidecar $(FZ)/seed-sidecar
	@mkdir -p $(FZ)/corpus-rbxml $(FZ)/seed-rbxml
	cp tests/fuzz/regressions/rbxml/* $(FZ)/seed-rbxml/
	$(FZ)/fuzz_rbxml -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	  -rss_limit_mb=2048 -artifact_prefix=$(FZ)/artifacts/ -print_final_stats=1 \
	  $(FZ)/corpus-rbxml $(FZ)/seed-rbxml
	@mkdir -p $(FZ)/corpus-xmlscan $(FZ)/seed-xmlscan
	cp tests/fuzz/regressions/xmlscan/* tests/fuzz/regressions/rbxml/* $(FZ)/seed-xmlscan/
	$(FZ)/fuzz_xmlscan -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	  -rss_limit_mb=2048 -dict=tests/fuzz/xml.dict -artifact_prefix=$(FZ)/artifacts/ \
	  -print_final_stats=1 $(FZ)/corpus-xmlscan $(FZ)/seed-xmlscan

# ---- install
# The binary finds its grammar at ../share/rulebook/grammar beside itself (so a DESTDIR or a
# moved prefix works), else at $(DATADIR)/grammar; RULEBOOK_GRAMMAR or --grammar override.
install: $(B)/rulebook
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/grammar $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(B)/rulebook $(DESTDIR)$(BINDIR)/rulebook
	install -m 644 $(GRAMMAR) grammar/README.md $(DESTDIR)$(DATADIR)/grammar/
	install -m 644 rulebook.1 $(DESTDIR)$(MANDIR)/man1/rulebook.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/rulebook $(DESTDIR)$(MANDIR)/man1/rulebook.1
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf $(B)
