/* fuzz_readback.c: libFuzzer harness for the compiled file read back. The input is a rulebook
 * text; it is compiled, written as XML (in memory) and read back as check and diff read it:
 * the read-back document must diff as unchanged against the text's own (nothing lost on the
 * way: not a character, not a chapter). Any difference, crash or sanitizer report is a bug.
 *
 * Built with clang -fsanitize=fuzzer by `make fuzz`; with -DFUZZ_REPLAY a plain program that
 * runs the given files or directories once (make test replays the corpora and the regression
 * inputs of tests/fuzz/regressions/). */
#include "../roundtrip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rb_grammar *G;

static void setup(void)
{
    const char *dir = getenv("RULEBOOK_GRAMMAR");
    rb_error err;
    rb_error_clear(&err);
    if (rb_grammar_load(dir ? dir : "grammar", &G, &err) != RB_OK) {
        fprintf(stderr, "fuzz_readback: grammar: %s\n", err.message);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!G)
        setup();
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    o.no_meta = 1;
    o.limits.max_bytes = 1 << 20;
    rb_error err;
    rb_buf why;
    rb_buf_init(&why);
    rt_result r = rt_roundtrip(G, "fuzz.txt", (const char *)data, size, &o, &err, &why);
    switch (r) {
    case RT_SAME:
    case RT_NOT_COMPILED: break;
    case RT_NOT_WRITTEN: /* only a text that cannot be written may be refused */
        if (err.status != RB_EINPUT)
            abort();
        break;
    case RT_NOT_READ:
        fprintf(stderr, "fuzz_readback: the XML of a text that compiled does not read back: "
                        "%s [%s]\n",
                err.message, err.rule);
        abort();
    case RT_CHANGED:
        fprintf(stderr, "fuzz_readback: the text and its XML differ:\n%.*s\n",
                (int)(why.len < 4000 ? why.len : 4000), why.data);
        abort();
    }
    rb_buf_free(&why);
    return 0;
}

#ifdef FUZZ_REPLAY
#include "replay.h"
#endif
