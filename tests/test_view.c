/* test_view.c: the normalized view of a traditional copy equals the view of its simplified
 * original (everything downstream reads the view).
 *
 *  (a) OpenCC s2t copies of the four simplified corpora, with a line of Taiwan phrasing
 *      appended to both sides (註:本頁資訊由程式自動產生。): not one article differs;
 *  (b) s2twp copies (Taiwan phrasing throughout): every article that differs differs only where
 *      s2twp writes two mainland words alike (设定 and 设置 both as 設定), so that no converter
 *      could undo it: s2twp of our view equals s2twp of the original;
 *  (c) the Chongqing copy, converted with Taiwan phrasing by its site: 檔案, 許可權, 程式 and
 *      最佳化 read 文件, 权限, 程序, 优化 where they stand for those words, and 核心, 執行 stay.
 * The conversions run OpenCC's own command line (Debian opencc), as a user's copy would have
 * been made; the test is skipped with a message without it. */
#include "testutil.h"

#include <unistd.h>

static const char *const SIMPLIFIED[] = {"urumqi-2018", "erenhot-2013", "wuhan-2018",
                                         "wujin-2021"};
#define NS (sizeof SIMPLIFIED / sizeof SIMPLIFIED[0])
static const char MARKER[] = "\n註:本頁資訊由程式自動產生。\n";

static char TMP[64];

static int setup(void **state)
{
    tu_setup(state);
    snprintf(TMP, sizeof TMP, "/tmp/rb-view-XXXXXX");
    if (!mkdtemp(TMP))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    tu_teardown(state);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", TMP);
    return system(cmd) == 0 ? 0 : -1;
}

static int have_opencc(void)
{
    if (system("command -v opencc >/dev/null 2>&1") == 0)
        return 1;
    fprintf(stderr, "  SKIPPED: OpenCC's command line (Debian opencc) is not installed\n");
    return 0;
}

/* OpenCC with config cfg (s2t.json, s2twp.json) over bytes; caller frees. */
static char *opencc(const char *cfg, const char *bytes, size_t n, size_t *outn)
{
    char in[128], out[128], cmd[512];
    snprintf(in, sizeof in, "%s/in.txt", TMP);
    snprintf(out, sizeof out, "%s/out.txt", TMP);
    tu_write(in, bytes, n);
    snprintf(cmd, sizeof cmd, "opencc -c %s -i %s -o %s", cfg, in, out);
    if (system(cmd) != 0)
        fail_msg("opencc -c %s failed", cfg);
    char *r = tu_read(out, outn);
    assert_non_null(r);
    return r;
}

static rb_doc *compile(const char *name, const char *bytes, size_t n)
{
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    o.no_meta = 1;
    rb_diags dg;
    rb_diags_init(&dg);
    rb_error err;
    rb_error_clear(&err);
    rb_doc *d = NULL;
    if (rb_compile_bytes(G, name, bytes, n, &o, &d, &dg, &err) != RB_OK)
        fail_msg("%s: %s", name, err.message);
    rb_diags_free(&dg);
    return d;
}

/* An article's normalized text, its blocks run together without spaces. */
static char *article_view(const rb_doc *d, size_t idx)
{
    const rb_article *a = &d->articles[idx];
    rb_buf b;
    rb_buf_init(&b);
    for (size_t k = 0; k < a->nblocks; k++) {
        const rb_block *bl = &d->blocks[a->first_block + k];
        char *t = rb_doc_norm(d, rb_span_of(bl->num));
        char *u = rb_doc_norm(d, rb_span_of(bl->text));
        for (const char *p = t; *p; p++)
            if (*p != ' ' && *p != '\n')
                rb_buf_putc(&b, *p);
        for (const char *p = u; *p; p++)
            if (*p != ' ' && *p != '\n')
                rb_buf_putc(&b, *p);
        free(t);
        free(u);
    }
    if (!b.data)
        rb_buf_puts(&b, "");
    return rb_buf_detach(&b);
}

/* The articles of two versions that do not come out unchanged, as index pairs (or -1). */
static size_t changed(const rb_doc *a, const rb_doc *b, size_t *ia, size_t *ib, size_t max)
{
    rb_diff *df = rb_diff_new(a, b);
    size_t n, k = 0;
    const rb_diff_entry *e = rb_diff_entries(df, &n);
    for (size_t i = 0; i < n; i++) {
        if (e[i].status == RB_DIFF_UNCHANGED)
            continue;
        if (k < max) {
            ia[k] = e[i].nold ? e[i].old_idx[0] : (size_t)-1;
            ib[k] = e[i].nnew ? e[i].new_idx[0] : (size_t)-1;
        }
        k++;
    }
    rb_diff_free(df);
    return k;
}

static char *with_marker(const char *t, size_t n, size_t *outn)
{
    rb_buf b;
    rb_buf_init(&b);
    rb_buf_put(&b, t, n);
    rb_buf_puts(&b, MARKER);
    *outn = b.len;
    return rb_buf_detach(&b);
}

static void test_s2t_round_trip(void **state)
{
    (void)state;
    if (!have_opencc())
        return;
    for (size_t c = 0; c < NS; c++) {
        char path[128];
        snprintf(path, sizeof path, "corpora/%s.txt", SIMPLIFIED[c]);
        size_t n, tn, on, cn;
        char *orig = tu_read(path, &n);
        assert_non_null(orig);
        char *trad = opencc("s2t.json", orig, n, &tn);
        char *o2 = with_marker(orig, n, &on), *t2 = with_marker(trad, tn, &cn);
        rb_doc *a = compile("orig.txt", o2, on), *b = compile("copy.txt", t2, cn);
        assert_int_equal(b->view->script, RB_SCRIPT_TRADITIONAL);
        size_t ia[8], ib[8];
        size_t k = changed(a, b, ia, ib, 8);
        if (k) {
            char *x = article_view(a, ia[0]), *y = article_view(b, ib[0]);
            fail_msg("%s: %zu articles differ from the s2t copy (first: '%.60s' / '%.60s')",
                     SIMPLIFIED[c], k, x, y);
        }
        fprintf(stderr, "  %s: s2t copy with Taiwan markers: %zu articles, 0 differ\n",
                SIMPLIFIED[c], a->narticles);
        rb_doc_free(a);
        rb_doc_free(b);
        free(orig);
        free(trad);
        free(o2);
        free(t2);
    }
}

static void test_s2twp_round_trip(void **state)
{
    (void)state;
    if (!have_opencc())
        return;
    size_t total = 0;
    for (size_t c = 0; c < NS; c++) {
        char path[128];
        snprintf(path, sizeof path, "corpora/%s.txt", SIMPLIFIED[c]);
        size_t n, tn;
        char *orig = tu_read(path, &n);
        char *tw = opencc("s2twp.json", orig, n, &tn);
        rb_doc *a = compile("orig.txt", orig, n), *b = compile("copy.txt", tw, tn);
        assert_true(b->view->taiwan_phrasing);
        size_t ia[64], ib[64];
        size_t k = changed(a, b, ia, ib, 64);
        assert_true(k <= 64);
        for (size_t i = 0; i < k; i++) {
            if (ia[i] == (size_t)-1 || ib[i] == (size_t)-1)
                fail_msg("%s: the s2twp copy aligns articles differently", SIMPLIFIED[c]);
            char *x = article_view(a, ia[i]), *y = article_view(b, ib[i]);
            size_t l1, l2;
            char *sx = opencc("s2twp.json", x, strlen(x), &l1);
            char *sy = opencc("s2twp.json", y, strlen(y), &l2);
            /* the difference is one s2twp itself cannot undo: it writes both readings alike */
            if (l1 != l2 || memcmp(sx, sy, l1) != 0)
                fail_msg("%s article %ld: the view reads '%s' where the original reads '%s', and "
                         "s2twp tells the two apart: the view introduced it",
                         SIMPLIFIED[c], b->articles[ib[i]].ordinal, y, x);
            fprintf(stderr, "  %s article %ld differs where s2twp writes two words alike\n",
                    SIMPLIFIED[c], b->articles[ib[i]].ordinal);
            free(x);
            free(y);
            free(sx);
            free(sy);
        }
        total += k;
        rb_doc_free(a);
        rb_doc_free(b);
        free(orig);
        free(tw);
    }
    fprintf(stderr, "  s2twp copies: %zu articles differ, each where s2twp cannot be undone\n",
            total);
}

static int view_has(const rb_doc *d, const char *s)
{
    return memmem(d->view->text, d->view->len, s, strlen(s)) != NULL;
}

static void test_chongqing_taiwan_phrases(void **state)
{
    (void)state;
    size_t n;
    char *t = tu_read("corpora/chongqing-2018.txt", &n);
    assert_non_null(t);
    rb_doc *d = compile("chongqing-2018.txt", t, n);
    assert_true(d->view->taiwan_phrasing);
    static const char *const want[] = {"规范性文件", "法定权限", "决策程序", "优化营商", "互联网+",
                                       "为核心的党中央", "严格执行", "提高政府效能"};
    static const char *const never[] = {"规范性档案", "许可权", "程式", "最佳化", "内核",
                                        "严格运行", "政府性能"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!view_has(d, want[i]))
            fail_msg("the Chongqing view lacks '%s'", want[i]);
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        if (view_has(d, never[i]))
            fail_msg("the Chongqing view reads '%s'", never[i]);
    rb_doc_free(d);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_s2t_round_trip),
        cmocka_unit_test(test_s2twp_round_trip),
        cmocka_unit_test(test_chongqing_taiwan_phrases),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
