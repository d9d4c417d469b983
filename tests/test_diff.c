/* test_diff.c: `diff` on synthetic revisions made from a corpus text (delete, insert, move to
 * another chapter, split, merge, edit a sentence, convert the script, reflow lines, change the
 * width of punctuation), checking the article map exactly and the summary of changed facts;
 * the real 2017 excerpt of the Wujin rulebook against its 2021 text; and each corpus against
 * itself, a CRLF copy, and (Chongqing) its simplified conversion. */
#include "testutil.h"

#include "json.h"

#include <unistd.h>

static rb_doc *compile_text(const char *name, const char *text, size_t n)
{
    rb_doc *d = NULL;
    rb_diags diags;
    rb_diags_init(&diags);
    rb_error err;
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    o.no_meta = 1;
    if (rb_compile_bytes(G, name, text, n, &o, &d, &diags, &err) != RB_OK)
        fail_msg("%s does not compile: %s", name, err.message);
    rb_diags_free(&diags);
    return d;
}

/* ---- texts as lines, articles as line ranges --------------------------------------------------- */

typedef struct text {
    char **l;
    size_t n;
} text;

static text split_lines(const char *s)
{
    text t = {0};
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        t.l = realloc(t.l, (t.n + 1) * sizeof *t.l);
        t.l[t.n++] = rb_xstrndup(s, len);
        s += len + (nl ? 1 : 0);
    }
    return t;
}

static char *join(const text *t, size_t *n)
{
    rb_buf b;
    rb_buf_init(&b);
    for (size_t i = 0; i < t->n; i++) {
        rb_buf_puts(&b, t->l[i]);
        rb_buf_putc(&b, '\n');
    }
    *n = b.len;
    return rb_buf_detach(&b);
}

static void text_free(text *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->l[i]);
    free(t->l);
}

/* Lines [first, last] (0-based) of article k (1-based ordinal) in d. */
static void art_lines(const rb_doc *d, long k, size_t *first, size_t *last)
{
    const rb_article *a = &d->articles[k - 1];
    *first = a->line - 1;
    *last = *first;
    for (size_t b = 0; b < a->nblocks; b++)
        if (d->blocks[a->first_block + b].line - 1 > *last)
            *last = d->blocks[a->first_block + b].line - 1;
}

/* Rewrite the number of every article line (lines starting like 十二、) in order from 一. */
static void renumber(text *t)
{
    long k = 0;
    for (size_t i = 0; i < t->n; i++) {
        const char *p = strstr(t->l[i], "、");
        if (!p || p == t->l[i])
            continue;
        long v;
        if (rb_numeral_parse(t->l[i], (size_t)(p - t->l[i]), &v) != 0)
            continue;
        char num[64];
        rb_numeral_format(++k, num, sizeof num);
        rb_buf b;
        rb_buf_init(&b);
        rb_buf_puts(&b, num);
        rb_buf_puts(&b, p);
        free(t->l[i]);
        t->l[i] = rb_buf_detach(&b);
    }
}

static void remove_lines(text *t, size_t a, size_t z)
{
    for (size_t i = a; i <= z; i++)
        free(t->l[i]);
    memmove(t->l + a, t->l + z + 1, (t->n - z - 1) * sizeof *t->l);
    t->n -= z - a + 1;
}

static void insert_line(text *t, size_t at, const char *s)
{
    t->l = realloc(t->l, (t->n + 1) * sizeof *t->l);
    memmove(t->l + at + 1, t->l + at, (t->n - at) * sizeof *t->l);
    t->l[at] = rb_xstrdup(s);
    t->n++;
}

/* ---- expected maps ---------------------------------------------------------------------------- */

typedef struct want {
    long o1, o2; /* old ordinals (o2 = 0: one) */
    long n1, n2; /* new ordinals */
    rb_diff_status st;
} want;

#define W1(o, n, s) {o, 0, n, 0, s}

/* The map for "everything from old a on shifted by delta, unchanged text" plus exceptions. */
static int expect(const rb_diff *df, const want *w, size_t nw, long nold, long shift_from,
                  long delta, const char *what)
{
    size_t n;
    const rb_diff_entry *e = rb_diff_entries(df, &n);
    int ok = 1;
    /* the exceptions */
    for (size_t i = 0; i < nw; i++) {
        int found = 0;
        for (size_t k = 0; k < n && !found; k++) {
            long eo1 = e[k].nold ? e[k].old[0] : 0, eo2 = e[k].nold > 1 ? e[k].old[1] : 0;
            long en1 = e[k].nnew ? e[k].new[0] : 0, en2 = e[k].nnew > 1 ? e[k].new[1] : 0;
            if (eo1 == w[i].o1 && eo2 == w[i].o2 && en1 == w[i].n1 && en2 == w[i].n2 &&
                e[k].status == w[i].st)
                found = 1;
        }
        if (!found) {
            fprintf(stderr, "  %s: want §%ld%s → §%ld%s with status %d\n", what, w[i].o1,
                    w[i].o2 ? "+" : "", w[i].n1, w[i].n2 ? "+" : "", w[i].st);
            ok = 0;
        }
    }
    /* every other old article: unchanged before shift_from, renumbered by delta after */
    for (long o = 1; o <= nold; o++) {
        int exc = 0;
        for (size_t i = 0; i < nw; i++)
            if (w[i].o1 == o || w[i].o2 == o)
                exc = 1;
        if (exc)
            continue;
        long nn = o >= shift_from ? o + delta : o;
        rb_diff_status st = nn == o ? RB_DIFF_UNCHANGED : RB_DIFF_RENUMBERED;
        int found = 0;
        for (size_t k = 0; k < n && !found; k++)
            if (e[k].nold == 1 && e[k].old[0] == o && e[k].nnew == 1 && e[k].new[0] == nn &&
                e[k].status == st)
                found = 1;
        if (!found) {
            fprintf(stderr, "  %s: want §%ld → §%ld %s\n", what, o, nn,
                    st == RB_DIFF_UNCHANGED ? "unchanged" : "renumbered");
            ok = 0;
        }
    }
    return ok;
}

typedef struct fixture {
    char *raw;
    size_t n;
    rb_doc *d;
    text t;
} fixture;

static void load_fixture(fixture *f, const char *path)
{
    f->raw = tu_read(path, &f->n);
    assert_non_null(f->raw);
    f->d = compile_text("old.txt", f->raw, f->n);
    f->t = split_lines(f->raw);
}

static void free_fixture(fixture *f)
{
    free(f->raw);
    rb_doc_free(f->d);
    text_free(&f->t);
}

static rb_diff *diff_with(fixture *f, text *t, rb_doc **nd)
{
    size_t n;
    char *s = join(t, &n);
    *nd = compile_text("new.txt", s, n);
    free(s);
    return rb_diff_new(f->d, *nd);
}

static text copy_text(const text *t)
{
    text c = {0};
    c.l = malloc((t->n + 1) * sizeof *c.l);
    for (size_t i = 0; i < t->n; i++)
        c.l[i] = rb_xstrdup(t->l[i]);
    c.n = t->n;
    return c;
}

/* ---- the revisions ------------------------------------------------------------------------------ */

static void test_delete_insert(void **state)
{
    (void)state;
    fixture f;
    load_fixture(&f, "corpora/wuhan-2018.txt");
    long N = (long)f.d->narticles;
    rb_doc *nd;
    /* delete article 10 */
    text t = copy_text(&f.t);
    size_t a, z;
    art_lines(f.d, 10, &a, &z);
    remove_lines(&t, a, z);
    renumber(&t);
    rb_diff *df = diff_with(&f, &t, &nd);
    want w1[] = {{10, 0, 0, 0, RB_DIFF_DELETED}};
    assert_true(expect(df, w1, 1, N, 11, -1, "delete"));
    assert_true(rb_diff_changed(df, NULL));
    assert_false(rb_diff_changed(df, "meetings,deadlines")); /* article 10 holds neither */
    rb_diff_free(df);
    rb_doc_free(nd);
    text_free(&t);
    /* insert an article after 20 */
    t = copy_text(&f.t);
    art_lines(f.d, 20, &a, &z);
    insert_line(&t, z + 1, "二十一、市人民政府各部门要建立健全政务舆情回应机制,及时回应社会关切。");
    renumber(&t);
    df = diff_with(&f, &t, &nd);
    want w2[] = {{0, 0, 21, 0, RB_DIFF_ADDED}};
    assert_true(expect(df, w2, 1, N, 21, +1, "insert"));
    rb_diff_free(df);
    rb_doc_free(nd);
    text_free(&t);
    free_fixture(&f);
}

static void test_move_split_merge(void **state)
{
    (void)state;
    fixture f;
    load_fixture(&f, "corpora/wuhan-2018.txt");
    long N = (long)f.d->narticles;
    rb_doc *nd;
    size_t a, z, a2, z2;
    /* move article 5 (chapter 2) to the end of chapter 3 (after article 16) */
    text t = copy_text(&f.t);
    art_lines(f.d, 5, &a, &z);
    art_lines(f.d, 16, &a2, &z2);
    text moved = {0};
    for (size_t i = a; i <= z; i++) {
        moved.l = realloc(moved.l, (moved.n + 1) * sizeof *moved.l);
        moved.l[moved.n++] = rb_xstrdup(t.l[i]);
    }
    size_t at = z2 + 1 - (z - a + 1);
    remove_lines(&t, a, z);
    for (size_t i = 0; i < moved.n; i++)
        insert_line(&t, at + i, moved.l[i]);
    text_free(&moved);
    renumber(&t);
    rb_diff *df = diff_with(&f, &t, &nd);
    size_t n;
    const rb_diff_entry *e = rb_diff_entries(df, &n);
    int ok = 0;
    for (size_t k = 0; k < n; k++)
        if (e[k].nold == 1 && e[k].old[0] == 5 && e[k].nnew == 1 && e[k].new[0] == 16 &&
            e[k].status == RB_DIFF_MOVED && e[k].renumbered && !e[k].modified)
            ok = 1;
    assert_true(ok);
    want wm[] = {{5, 0, 16, 0, RB_DIFF_MOVED}, W1(6, 5, RB_DIFF_RENUMBERED),
                 W1(7, 6, RB_DIFF_RENUMBERED),  W1(8, 7, RB_DIFF_RENUMBERED),
                 W1(9, 8, RB_DIFF_RENUMBERED),  W1(10, 9, RB_DIFF_RENUMBERED),
                 W1(11, 10, RB_DIFF_RENUMBERED), W1(12, 11, RB_DIFF_RENUMBERED),
                 W1(13, 12, RB_DIFF_RENUMBERED), W1(14, 13, RB_DIFF_RENUMBERED),
                 W1(15, 14, RB_DIFF_RENUMBERED), W1(16, 15, RB_DIFF_RENUMBERED)};
    assert_true(expect(df, wm, sizeof wm / sizeof wm[0], N, 1000, 0, "move"));
    rb_diff_free(df);
    rb_doc_free(nd);
    text_free(&t);
    /* split article 42 (the executive meeting) before its last paragraph */
    t = copy_text(&f.t);
    art_lines(f.d, 42, &a, &z);
    char *para = t.l[z];
    rb_buf nb;
    rb_buf_init(&nb);
    rb_buf_puts(&nb, "四十三、");
    rb_buf_puts(&nb, para);
    free(t.l[z]);
    t.l[z] = rb_buf_detach(&nb);
    renumber(&t);
    df = diff_with(&f, &t, &nd);
    want ws[] = {{42, 0, 42, 43, RB_DIFF_SPLIT}};
    assert_true(expect(df, ws, 1, N, 43, +1, "split"));
    rb_diff_free(df);
    rb_doc_free(nd);
    text_free(&t);
    /* merge articles 48 and 49 */
    t = copy_text(&f.t);
    art_lines(f.d, 49, &a, &z);
    const char *rest = strstr(t.l[a], "、") + strlen("、");
    char *joined = rb_xstrdup(rest);
    free(t.l[a]);
    t.l[a] = joined; /* 49's text becomes a paragraph of 48 */
    renumber(&t);
    df = diff_with(&f, &t, &nd);
    want wg[] = {{48, 49, 48, 0, RB_DIFF_MERGED}};
    assert_true(expect(df, wg, 1, N, 50, -1, "merge"));
    rb_diff_free(df);
    rb_doc_free(nd);
    text_free(&t);
    free_fixture(&f);
}

static char *replace_once(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    assert_non_null(p);
    rb_buf b;
    rb_buf_init(&b);
    rb_buf_put(&b, s, (size_t)(p - s));
    rb_buf_puts(&b, to);
    rb_buf_puts(&b, p + strlen(from));
    return rb_buf_detach(&b);
}

/* Edited sentences: the map says modified, the summary says what changed in the facts. */
static void test_edit_facts(void **state)
{
    (void)state;
    fixture f;
    load_fixture(&f, "corpora/wuhan-2018.txt");
    long N = (long)f.d->narticles;
    char *s1 = replace_once(f.raw, "一般每两周召开1次", "一般每周召开1次");
    char *s2 = replace_once(s1, "15个工作日内办毕回复", "10个工作日内办毕回复");
    rb_doc *nd = compile_text("new.txt", s2, strlen(s2));
    rb_diff *df = rb_diff_new(f.d, nd);
    want we[] = {W1(42, 42, RB_DIFF_MODIFIED), W1(56, 56, RB_DIFF_MODIFIED)};
    assert_true(expect(df, we, 2, N, 1000, 0, "edit"));
    assert_true(rb_diff_changed(df, "meetings"));
    assert_true(rb_diff_changed(df, "deadlines"));
    assert_false(rb_diff_changed(df, "signing,leave"));
    rb_buf b;
    rb_buf_init(&b);
    rb_diff_render(df, RB_DIFF_TEXT, 0, &b);
    assert_non_null(strstr(b.data, "meetings 常务会议: 每两周1次 → 每周1次 (§42 → §42)"));
    assert_non_null(strstr(b.data, "deadlines 自收到之日起办毕回复: 15个工作日内 → 10个工作日内 (§56 → §56)"));
    assert_non_null(strstr(b.data, "[-两-]"));     /* the character diff, plain */
    assert_non_null(strstr(b.data, "1[-5-]{+0+}个工作日"));
    rb_buf_free(&b);
    rb_buf_init(&b);
    rb_diff_render(df, RB_DIFF_MD, 0, &b);
    assert_non_null(strstr(b.data, "1~~5~~**0**个工作日"));
    rb_buf_free(&b);
    rb_buf_init(&b);
    rb_diff_render(df, RB_DIFF_TEXT, 1, &b);
    /* colour on top of the markers, not instead of them */
    assert_non_null(strstr(b.data, "1\033[31m[-5-]\033[0m\033[32m{+0+}\033[0m个工作日"));
    rb_buf_free(&b);
    /* json: the summary, the map and the edits */
    rb_buf_init(&b);
    rb_diff_render(df, RB_DIFF_JSON, 0, &b);
    jv *root = jparse(b.data, b.len);
    assert_non_null(root);
    jv *sum = jget(root, "summary");
    assert_int_equal(sum->n, 2);
    jv *map = jget(root, "map");
    assert_int_equal(map->n, (size_t)N);
    int seen = 0;
    for (size_t i = 0; i < map->n; i++) {
        jv *m = jat(map, i);
        if (jat(jget(m, "old"), 0)->num == 42) {
            assert_string_equal(jget(m, "status")->str, "modified");
            assert_true(jget(m, "similarity")->num > 0.9);
            seen = 1;
        }
    }
    assert_true(seen);
    jv *edits = jget(root, "edits");
    assert_int_equal(edits->n, 2);
    jv *ops = jget(jat(edits, 1), "ops");
    assert_string_equal(jget(jat(ops, 0), "op")->str, "delete");
    assert_string_equal(jget(jat(ops, 0), "text")->str, "5");
    assert_string_equal(jget(jat(ops, 1), "text")->str, "0");
    jfree(root);
    rb_buf_free(&b);
    rb_diff_free(df);
    rb_doc_free(nd);
    free(s1);
    free(s2);
    free_fixture(&f);
}

/* An edit more than 64 KiB into the text: the character diff shows the words at their place
 * (an article's view offsets are kept in 32 bits: one narrowed further printed other
 * characters). Article 1 of both versions gets a long paragraph, the same in both. */
static void test_edit_far_in(void **state)
{
    (void)state;
    char *raw = tu_read("corpora/wuhan-2018.txt", NULL);
    assert_non_null(raw);
    rb_buf pad;
    rb_buf_init(&pad);
    rb_buf_puts(&pad, "结合本市实际,制定本规则。\n");
    tu_put_long_paragraph(&pad);
    rb_buf_putc(&pad, '\n');
    char *s0 = replace_once(raw, "结合本市实际,制定本规则。\n", pad.data);
    char *s1 = replace_once(s0, "15个工作日内办毕回复", "10个工作日内办毕回复");
    const char *at = strstr(s0, "15个工作日内办毕回复");
    assert_true(at && at - s0 > 70000); /* past 64 KiB */
    rb_doc *od = compile_text("old.txt", s0, strlen(s0));
    rb_doc *nd = compile_text("new.txt", s1, strlen(s1));
    rb_diff *df = rb_diff_new(od, nd);
    rb_buf b;
    rb_buf_init(&b);
    rb_diff_render(df, RB_DIFF_TEXT, 0, &b);
    assert_non_null(strstr(b.data, "deadlines 自收到之日起办毕回复: 15个工作日内 → 10个工作日内"));
    assert_non_null(strstr(b.data, "1[-5-]{+0+}个工作日内办毕回复"));
    rb_buf_free(&b);
    rb_diff_free(df);
    rb_doc_free(od);
    rb_doc_free(nd);
    rb_buf_free(&pad);
    free(s0);
    free(s1);
    free(raw);
}

static char *run_opencc(const char *config, const char *path, size_t *n)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "opencc -c %s -i %s", config, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    rb_buf b;
    rb_buf_init(&b);
    char tmp[65536];
    size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, p)) > 0)
        rb_buf_put(&b, tmp, r);
    assert_int_equal(pclose(p), 0);
    *n = b.len;
    return rb_buf_detach(&b);
}

static void no_difference(const char *what, rb_doc *a, const char *txt, size_t n)
{
    rb_doc *b = compile_text("copy.txt", txt, n);
    rb_diff *df = rb_diff_new(a, b);
    if (rb_diff_changed(df, NULL)) {
        rb_buf out;
        rb_buf_init(&out);
        rb_diff_render(df, RB_DIFF_TEXT, 0, &out);
        fail_msg("%s: a difference:\n%s", what, out.data);
    }
    rb_diff_free(df);
    rb_doc_free(b);
}

/* Two copies of one excerpt that stops mid-sentence: the facts of the cut last article count
 * on neither side (the second excerpt was compared as a whole, so its deadline in the cut
 * article came out as a fact added; found by fuzz_readback on a spec case). */
static void test_excerpt_itself(void **state)
{
    (void)state;
    static const char cut[] = "某市人民政府工作规则\n一、市政府工作的准则是依法行政。\n"
                              "二、各部门报送市人民政府的公文,原则上应在10个工作日内办";
    rb_doc *a = compile_text("a.txt", cut, sizeof cut - 1);
    assert_true(a->facts && a->facts->n > 0); /* the deadline of the cut article */
    no_difference("an excerpt cut mid-sentence, against itself", a, cut, sizeof cut - 1);
    rb_doc_free(a);
}

/* Script, width, line ends and line breaks do not count. */
static void test_no_difference(void **state)
{
    (void)state;
    static const char *const corpora[] = {"urumqi-2018", "erenhot-2013", "wuhan-2018",
                                          "wujin-2021", "chongqing-2018"};
    for (size_t i = 0; i < 5; i++) {
        char path[128];
        snprintf(path, sizeof path, "corpora/%s.txt", corpora[i]);
        fixture f;
        load_fixture(&f, path);
        no_difference("itself", f.d, f.raw, f.n);
        rb_buf crlf;
        rb_buf_init(&crlf);
        for (size_t k = 0; k < f.n; k++) {
            if (f.raw[k] == '\n')
                rb_buf_putc(&crlf, '\r');
            rb_buf_putc(&crlf, f.raw[k]);
        }
        no_difference("the CRLF copy", f.d, crlf.data, crlf.len);
        rb_buf_free(&crlf);
        free_fixture(&f);
    }
    fixture f;
    /* (Chongqing against OpenCC's tw2sp conversion is no longer equal: tw2sp reverses every
     * Taiwan phrase, 核心 -> 内核 and 執行 -> 运行 included, where the view keeps the mainland
     * reading; tests/test_view.c holds the view to its simplified originals instead.) */
    size_t n;
    char *s;
    /* Wuhan against its traditional conversion, with full-width commas and its long lines
     * reflowed at commas */
    load_fixture(&f, "corpora/wuhan-2018.txt");
    s = run_opencc("s2t", "corpora/wuhan-2018.txt", &n);
    no_difference("wuhan against its traditional conversion", f.d, s, n);
    free(s);
    rb_buf r;
    rb_buf_init(&r);
    for (size_t i = 0; i < f.t.n; i++) {
        const char *l = f.t.l[i];
        size_t len = strlen(l);
        const char *c = len > 120 ? strstr(l + 60, ",") : NULL;
        if (c && c[1] && !strchr("(0123456789", c[1])) {
            rb_buf_put(&r, l, (size_t)(c - l));
            rb_buf_puts(&r, "，\n");
            rb_buf_puts(&r, c + 1);
        } else {
            rb_buf_puts(&r, l);
        }
        rb_buf_putc(&r, '\n');
    }
    no_difference("wuhan reflowed", f.d, r.data, r.len);
    rb_buf_free(&r);
    free_fixture(&f);
}

/* The real earlier revision: an excerpt of the 2017 text, cut inside article 7. */
/* A long article whose two halves swap places: its bigrams are the same (so it is aligned as
 * modified), but the character diff would need more than its bound of edits; it gives up with
 * a line saying so, instead of a trace of (n+m)^2 cells (the fuzzer's 11-second input). */
static void long_article(rb_buf *b, int swapped, size_t n)
{
    rb_buf half[2];
    unsigned seed = 7;
    for (int h = 0; h < 2; h++) {
        rb_buf_init(&half[h]);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            char u[4];
            rb_buf_put(&half[h], u, (size_t)rb_utf8_encode(0x4E00 + (seed >> 16) % 2000, u));
        }
    }
    rb_buf_puts(b, "某市人民政府工作规则\n一、");
    rb_buf_put(b, half[swapped].data, half[swapped].len);
    rb_buf_put(b, half[!swapped].data, half[!swapped].len);
    rb_buf_puts(b, "。\n二、本规则自印发之日起施行。\n");
    rb_buf_free(&half[0]);
    rb_buf_free(&half[1]);
}

static void test_too_different(void **state)
{
    (void)state;
    rb_buf a, b, out;
    rb_buf_init(&a);
    rb_buf_init(&b);
    rb_buf_init(&out);
    long_article(&a, 0, 3000);
    long_article(&b, 1, 3000);
    rb_doc *da = compile_text("a.txt", a.data, a.len), *db = compile_text("b.txt", b.data, b.len);
    rb_diff *df = rb_diff_new(da, db);
    rb_diff_render(df, RB_DIFF_TEXT, 0, &out);
    if (!strstr(out.data, "characters differ: no character diff"))
        fail_msg("no 'too different' line in: %.300s", out.data);
    rb_buf_free(&out);
    rb_diff_render(df, RB_DIFF_JSON, 0, &out);
    assert_non_null(strstr(out.data, "\"ops\": []"));
    rb_diff_free(df);
    rb_doc_free(da);
    rb_doc_free(db);
    rb_buf_free(&a);
    rb_buf_free(&b);
    rb_buf_free(&out);
}

/* The chapters section: a chapter renamed, one removed, two added; a chapter that keeps its
 * heading and articles is not listed. */
static void test_chapters(void **state)
{
    (void)state;
    const char *a = "某市人民政府工作规则\n第一章 总则\n一、市政府实行市长负责制。\n"
                    "第二章 会议\n二、市政府实行常务会议制度。\n"
                    "第三章 公文\n三、公文由市长签发。\n"
                    "第四章 纪律\n四、各部门遵守纪律。\n";
    const char *b = "某市人民政府工作规则\n第一章 总则\n一、市政府实行市长负责制。\n"
                    "第二章 会议制度\n二、市政府实行常务会议制度。\n"
                    "第三章 纪律\n三、各部门遵守纪律。\n"
                    "第四章 监督\n四、市政府接受监督。\n"
                    "第五章 附则\n五、本规则自印发之日起施行。\n";
    rb_doc *da = compile_text("a.txt", a, strlen(a)), *db = compile_text("b.txt", b, strlen(b));
    rb_diff *df = rb_diff_new(da, db);
    rb_buf out;
    rb_buf_init(&out);
    rb_diff_render(df, RB_DIFF_TEXT, 0, &out);
    const char *ch = strstr(out.data, "Chapters"), *arts = strstr(out.data, "Articles (old");
    assert_non_null(ch);
    assert_non_null(arts);
    char *sect = rb_xstrndup(ch, (size_t)(arts - ch));
    const char *lines[] = {"第2章 会议 → 第2章 会议制度", "第3章 公文 → — (removed)",
                           "第4章 纪律 → 第3章 纪律", "— → 第4章 监督 (added)",
                           "— → 第5章 附则 (added)"};
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        if (!strstr(sect, lines[i]))
            fail_msg("no '%s' in the chapters section: %s", lines[i], sect);
    assert_null(strstr(sect, "总则"));
    size_t added = 0;
    for (const char *p = sect; (p = strstr(p, "(added)")); p++)
        added++;
    assert_int_equal(added, 2);
    free(sect);
    rb_buf_free(&out);
    rb_diff_free(df);
    rb_doc_free(da);
    rb_doc_free(db);
}

static void test_wujin_2017(void **state)
{
    (void)state;
    fixture f;
    /* the real earlier revision, copied into the repository from ../shared/revisions */
    const char *old = getenv("RULEBOOK_WUJIN_2017");
    if (!old)
        old = "tests/fixtures/wujin-2017-opening.txt";
    if (access(old, R_OK) != 0) {
        fprintf(stderr, "  SKIPPED: %s is not there\n", old);
        skip();
    }
    load_fixture(&f, old);
    size_t n;
    char *raw = tu_read("corpora/wujin-2021.txt", &n);
    rb_doc *nd = compile_text("wujin-2021.txt", raw, n);
    rb_diff *df = rb_diff_new(f.d, nd);
    assert_true(rb_diff_partial(df, 0));
    assert_false(rb_diff_partial(df, 1));
    /* the map for the seven articles of the excerpt, read from the two texts */
    want w[] = {W1(1, 1, RB_DIFF_MODIFIED),  W1(2, 2, RB_DIFF_MODIFIED),
                {3, 0, 0, 0, RB_DIFF_DELETED}, W1(4, 3, RB_DIFF_MODIFIED),
                W1(5, 6, RB_DIFF_MODIFIED),  W1(6, 7, RB_DIFF_MODIFIED),
                {7, 0, 0, 0, RB_DIFF_DELETED}};
    assert_true(expect(df, w, sizeof w / sizeof w[0], 7, 1000, 0, "wujin 2017"));
    const rb_diff_entry *e = rb_diff_entries(df, &n);
    size_t added = 0, beyond = 0;
    for (size_t k = 0; k < n; k++) {
        if (e[k].status == RB_DIFF_ADDED)
            added++;
        if (e[k].status == RB_DIFF_NOT_COMPARED) {
            assert_true(e[k].new[0] >= 8); /* past the excerpt: not deleted, not added */
            beyond++;
        }
    }
    assert_int_equal(added, 2);  /* §4 and §5 of 2021 */
    assert_int_equal(beyond, 51); /* §8 … §58 */
    rb_buf b;
    rb_buf_init(&b);
    rb_diff_render(df, RB_DIFF_TEXT, 0, &b);
    assert_non_null(strstr(b.data, "the old version"));
    assert_non_null(strstr(b.data, "is partial"));
    assert_non_null(strstr(b.data, "第2章 组成人员职责 → 第2章 组成人员和政府职能"));
    /* the excerpt is cut inside article 7: its meetings have no frequency there, which says
     * nothing about what changed */
    assert_non_null(strstr(b.data, "Summary of changed facts\n  (none)\n"));
    /* past the end: one line, not 51 */
    assert_non_null(strstr(b.data, "  new §8–§58 not-compared (51 articles past the end of the excerpt)\n"));
    assert_null(strstr(b.data, "§9 not-compared"));
    /* a deleted article's text */
    assert_non_null(strstr(b.data, "[-区政府组成人员要履行法律赋予的职责"));
    rb_buf_free(&b);
    rb_diff_free(df);
    rb_doc_free(nd);
    free(raw);
    free_fixture(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delete_insert), cmocka_unit_test(test_move_split_merge),
        cmocka_unit_test(test_edit_facts),    cmocka_unit_test(test_no_difference),
        cmocka_unit_test(test_wujin_2017),    cmocka_unit_test(test_too_different),
        cmocka_unit_test(test_excerpt_itself), cmocka_unit_test(test_chapters),
        cmocka_unit_test(test_edit_far_in),
    };
    return cmocka_run_group_tests(tests, tu_setup, tu_teardown);
}
