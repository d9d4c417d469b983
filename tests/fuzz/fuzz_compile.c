/* fuzz_compile.c: libFuzzer harness for the document pipeline. The input is a rulebook text
 * in any encoding; it is compiled (source, normalize, parse, dedup, extract), printed as tree
 * and lines, written as XML and read back (which must succeed: our own XML has to be
 * well-formed), checked, diffed against its first half and compared. Any crash, sanitizer
 * report, leak or abort() is a bug.
 *
 * Built with clang -fsanitize=fuzzer by `make fuzz`; with -DFUZZ_REPLAY it is a plain program
 * that runs the given files (or directories of files) once: `make test` replays the seeds
 * and tests/fuzz/regressions/ under ASan + UBSan. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static rb_grammar *G;
static char xml_path[64];

static void setup(void)
{
    const char *dir = getenv("RULEBOOK_GRAMMAR");
    rb_error err;
    rb_error_clear(&err);
    if (rb_grammar_load(dir ? dir : "grammar", &G, &err) != RB_OK) {
        fprintf(stderr, "fuzz_compile: grammar: %s\n", err.message);
        abort();
    }
    snprintf(xml_path, sizeof xml_path, "/tmp/fuzz_compile.%d.xml", (int)getpid());
}

static rb_doc *compile_as(const uint8_t *data, size_t size, rb_diags *dg, int write_only)
{
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    o.no_meta = 1;
    o.write_only = write_only;
    o.limits.max_bytes = 1 << 20;
    rb_doc *d = NULL;
    rb_error err;
    rb_error_clear(&err);
    if (rb_compile_bytes(G, "fuzz.txt", (const char *)data, size, &o, &d, dg, &err) != RB_OK) {
        if (!err.message[0] || !err.rule[0]) /* every refusal says what and why */
            abort();
        return NULL;
    }
    return d;
}

static rb_doc *compile(const uint8_t *data, size_t size, rb_diags *dg)
{
    return compile_as(data, size, dg, 0);
}

/* The bytes of the file at path (which must be there), malloc'd */
static char *slurp(const char *path, size_t *n)
{
    char *b = NULL;
    rb_error err;
    rb_error_clear(&err);
    if (rb_input_read(path, NULL, &b, n, &err) != RB_OK)
        abort();
    return b;
}

/* Compiled the way `compile` does it (write_only: a traditional source held as its view and
 * the characters that differ, its text given back at the end), a document gives the same
 * diagnostics, tree, lines and XML as compiled for the other commands. */
static void same_written(const uint8_t *data, size_t size, rb_doc *d, const rb_diags *dg)
{
    rb_diags wd;
    rb_diags_init(&wd);
    rb_doc *w = compile_as(data, size, &wd, 1);
    if (!w || wd.n != dg->n)
        abort();
    for (size_t i = 0; i < wd.n; i++)
        if (wd.items[i].line != dg->items[i].line || wd.items[i].col != dg->items[i].col ||
            strcmp(wd.items[i].message, dg->items[i].message) != 0)
            abort();
    rb_buf a, b;
    rb_buf_init(&a);
    rb_buf_init(&b);
    rb_doc_dump(d, &a);
    rb_doc_lines(d, &a);
    rb_doc_dump(w, &b);
    rb_doc_lines(w, &b);
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        abort();
    rb_buf_free(&a);
    rb_buf_free(&b);
    rb_error err;
    rb_error_clear(&err);
    char wpath[80];
    snprintf(wpath, sizeof wpath, "%s.w", xml_path);
    if (rb_akn_write(d, xml_path, &err) != RB_OK || rb_akn_write(w, wpath, &err) != RB_OK)
        abort();
    size_t n1, n2;
    char *x1 = slurp(xml_path, &n1), *x2 = slurp(wpath, &n2);
    if (n1 != n2 || memcmp(x1, x2, n1) != 0) {
        fprintf(stderr, "fuzz_compile: the XML of a document compiled write-only differs\n");
        abort();
    }
    free(x1);
    free(x2);
    unlink(wpath);
    rb_doc_free(w);
    rb_diags_free(&wd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!G)
        setup();
    rb_diags dg;
    rb_diags_init(&dg);
    rb_doc *d = compile(data, size, &dg);
    if (!d) {
        rb_diags_free(&dg);
        return 0;
    }
    same_written(data, size, d, &dg);
    rb_buf b;
    rb_buf_init(&b);
    rb_doc_dump(d, &b);
    rb_doc_lines(d, &b);
    rb_buf_free(&b);

    /* XML out and back in */
    rb_error err;
    rb_error_clear(&err);
    if (rb_akn_write(d, xml_path, &err) != RB_OK)
        abort();
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    rb_doc *back = NULL;
    rb_diags bd;
    rb_diags_init(&bd);
    rb_status st = rb_akn_load_doc(G, xml_path, &o, &back, &bd, &err);
    if (st != RB_OK && st != RB_EINPUT) /* it may have no articles left to compile */
        abort();
    rb_rulebook *rr = NULL;
    if (rb_rulebook_read_xml(xml_path, &rr, &err) != RB_OK) {
        fprintf(stderr, "fuzz_compile: our own XML does not read back: %s\n", err.message);
        abort();
    }
    rb_rulebook_free(rr);
    unlink(xml_path);

    /* check, diff against the first half, compare */
    rb_findings fs = {0};
    if (rb_check(G, &d, 1, &dg, &fs, &err) == RB_OK) {
        rb_findings_render(&fs, RB_CHECK_SARIF, RB_NOTE, &b);
        rb_buf_free(&b);
    }
    rb_findings_clear(&fs);
    rb_diags hd;
    rb_diags_init(&hd);
    rb_doc *half = compile(data, size / 2, &hd);
    if (half) {
        rb_diff *df = rb_diff_new(half, d);
        rb_diff_render(df, RB_DIFF_JSON, 0, &b);
        rb_diff_render(df, RB_DIFF_TEXT, 1, &b);
        rb_buf_free(&b);
        rb_diff_free(df);
        rb_doc_free(half);
    }
    rb_diags_free(&hd);
    if (back) {
        rb_diff *df = rb_diff_new(d, back);
        rb_diff_render(df, RB_DIFF_MD, 0, &b);
        rb_buf_free(&b);
        rb_diff_free(df);
        rb_doc_free(back);
    }
    rb_diags_free(&bd);
    rb_rulebook *r = rb_rulebook_from_doc(d);
    for (int f = RB_FMT_MD; f <= RB_FMT_HTML; f++) {
        for (int lay = RB_LAYOUT_WIDE; lay <= RB_LAYOUT_SUMMARY; lay++) {
            rb_compare_opts co = {(rb_format)f, 1, 0, (rb_layout)lay, G};
            rb_compare_render(&r, 1, &co, &b);
            rb_buf_free(&b);
        }
    }
    rb_rulebook_free(r);
    rb_doc_free(d);
    rb_diags_free(&dg);
    return 0;
}

#ifdef FUZZ_REPLAY
#include "replay.h"
#endif
