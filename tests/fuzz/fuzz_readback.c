/* fuzz_readback.c: libFuzzer harness for the compiled file read back. The input is a rulebook
 * text; it is compiled, written as XML (in memory) and read back as check and diff read it:
 * the read-back document must diff as unchanged against the text's own (nothing lost on the
 * way: not a character, not a chapter). Any difference, crash or sanitizer report is a bug.
 *
 * Built with clang -fsanitize=fuzzer by `make fuzz`; with -DFUZZ_REPLAY a plain program that
 * runs the given files or directories once (make test replays the corpora and the regression
 * inputs of tests/fuzz/regressions/). */
#include "model.h"

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
    rb_diags dg;
    rb_diags_init(&dg);
    rb_doc *d = NULL;
    rb_error err;
    rb_error_clear(&err);
    if (rb_compile_bytes(G, "fuzz.txt", (const char *)data, size, &o, &d, &dg, &err) != RB_OK) {
        rb_diags_free(&dg);
        return 0;
    }
    rb_buf xml;
    rb_buf_init(&xml);
    rb_status st = rb_akn_write_buf(d, &xml, &err);
    if (st != RB_OK) {
        if (st != RB_EINPUT) /* only a text that cannot be written may be refused */
            abort();
        rb_buf_free(&xml);
        rb_doc_free(d);
        rb_diags_free(&dg);
        return 0;
    }
    rb_diags bd;
    rb_diags_init(&bd);
    rb_doc *back = NULL;
    st = rb_akn_load_doc_mem(G, "fuzz.xml", xml.data, xml.len, &o, &back, &bd, &err);
    if (st != RB_OK) {
        fprintf(stderr, "fuzz_readback: the XML of a text that compiled does not read back: "
                        "%s [%s]\n",
                err.message, err.rule);
        abort();
    }
    rb_diff *df = rb_diff_new(d, back);
    if (rb_diff_changed(df, NULL)) {
        rb_buf b;
        rb_buf_init(&b);
        rb_diff_render(df, RB_DIFF_TEXT, 0, &b);
        fprintf(stderr, "fuzz_readback: the text and its XML differ:\n%.*s\n",
                (int)(b.len < 4000 ? b.len : 4000), b.data);
        abort();
    }
    rb_diff_free(df);
    rb_doc_free(back);
    rb_diags_free(&bd);
    rb_buf_free(&xml);
    rb_doc_free(d);
    rb_diags_free(&dg);
    return 0;
}

#ifdef FUZZ_REPLAY
#include "replay.h"
#endif
