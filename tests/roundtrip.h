/* roundtrip.h: the read-back invariant shared by tests/test_roundtrip.c and the fuzz harness
 * tests/fuzz/fuzz_readback.c. A text is compiled, written as XML in memory and read back as
 * check and diff read it; the read-back document must diff as unchanged against the text's
 * own. Header-only: the harness is built without cmocka. */
#ifndef RB_TEST_ROUNDTRIP_H
#define RB_TEST_ROUNDTRIP_H

#include "model.h"

typedef enum rt_result {
    RT_SAME,         /* compiled, written, read back, no difference */
    RT_NOT_COMPILED, /* the text does not compile: nothing to compare */
    RT_NOT_WRITTEN,  /* its XML could not be written (err says why) */
    RT_NOT_READ,     /* its XML does not read back (err says why) */
    RT_CHANGED       /* the read-back document differs: *why holds the diff */
} rt_result;

/* Run the round trip of text (n bytes, named name) with options o. On RT_CHANGED, why (when
 * not NULL) receives the diff as text. */
static inline rt_result rt_roundtrip(const rb_grammar *g, const char *name, const char *text,
                                     size_t n, const rb_compile_opts *o, rb_error *err,
                                     rb_buf *why)
{
    rb_diags dg;
    rb_diags_init(&dg);
    rb_doc *d = NULL;
    rb_error_clear(err);
    if (rb_compile_bytes(g, name, text, n, o, &d, &dg, err) != RB_OK) {
        rb_diags_free(&dg);
        return RT_NOT_COMPILED;
    }
    rt_result r = RT_SAME;
    rb_buf xml;
    rb_buf_init(&xml);
    rb_diags bd;
    rb_diags_init(&bd);
    rb_doc *back = NULL;
    if (rb_akn_write_buf(d, &xml, err) != RB_OK) {
        r = RT_NOT_WRITTEN;
    } else if (rb_akn_load_doc_mem(g, "rt.xml", xml.data, xml.len, o, &back, &bd, err) !=
               RB_OK) {
        r = RT_NOT_READ;
    } else {
        rb_diff *df = rb_diff_new(d, back);
        if (rb_diff_changed(df, NULL)) {
            r = RT_CHANGED;
            if (why)
                rb_diff_render(df, RB_DIFF_TEXT, 0, why);
        }
        rb_diff_free(df);
    }
    rb_doc_free(back);
    rb_diags_free(&bd);
    rb_buf_free(&xml);
    rb_doc_free(d);
    rb_diags_free(&dg);
    return r;
}

#endif
