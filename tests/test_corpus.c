/* test_corpus.c: acceptance tests of `compile` on the five corpora: chapter and article
 * counts, the real last article, no article absorbing junk, nothing lost (model text plus
 * junk spans cover the normalized source exactly once), XSD validity of the XML, and the
 * same model from CRLF, UTF-8+BOM, UTF-16 and GB18030 copies. */
#include "testutil.h"

#include <dirent.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <unistd.h>

typedef struct corpus {
    const char *id;
    size_t chapters, articles;
    const char *last_ends; /* the last article's last paragraph ends so */
    const char *docnumber, *date, *date_from;
} corpus;

static const corpus CORPORA[] = {
    {"urumqi-2018", 11, 70, "派出机构适用本规则。", NULL, "2018-12-27", "sidecar"},
    {"erenhot-2013", 13, 74, "外出超过半个月需向市长请假。", "二政发〔2013〕24号", "2013-04-01",
     "sidecar"},
    {"wuhan-2018", 13, 79, "(武政〔2013〕101号)同时废止。", "武政〔2018〕54号", "2018-11-01",
     "sidecar"},
    {"wujin-2021", 11, 58, "(武政发〔2017〕81号)同时废止。", NULL, "2021-04-12", "sidecar"},
    {"chongqing-2018", 12, 63, "其他機構適用本規則。", "渝府发〔2018〕28号", "2018-07-07",
     "sidecar"},
};
#define NCORPORA (sizeof CORPORA / sizeof CORPORA[0])

static rb_doc *compile_corpus(const char *id, rb_diags *diags)
{
    char path[256];
    snprintf(path, sizeof path, "corpora/%s.txt", id);
    rb_doc *d = NULL;
    rb_error err;
    rb_error_clear(&err);
    if (rb_compile_file(G, path, NULL, &d, diags, &err) != RB_OK)
        fail_msg("%s: %u:%u: %s", path, err.line, err.col, err.message);
    return d;
}

/* The view text of a span, junk removed, with each byte's view offset: as pieces
 * (rb_doc_append_pieces, what the extraction uses) and as offsets per byte (rb_doc_append_norm,
 * built from the pieces), over every number and text of every block and over whole articles,
 * which junk cuts. Held to what they must be: the text rb_doc_norm gives; each byte the view's
 * byte at its offset; the offsets rising, inside the span, outside every junk span, and as many
 * as the span has bytes outside junk (so every such byte once). */
static void same_pieces(const rb_doc *d, rb_span sp, const char *id)
{
    rb_buf a, b;
    rb_buf_init(&a);
    rb_buf_init(&b);
    size_t *vo = NULL, vocap = 0, npc = 0, pccap = 0;
    rb_piece *pc = NULL;
    rb_buf_puts(&a, "前"); /* appended to a text that has something already */
    rb_buf_puts(&b, "前");
    rb_doc_append_norm(d, sp, &a, &vo, &vocap);
    rb_doc_append_pieces(d, sp, &b, &pc, &npc, &pccap);
    char *want = rb_doc_norm(d, sp);
    if (b.len != 3 + strlen(want) || memcmp(b.data + 3, want, b.len - 3) != 0 ||
        a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        fail_msg("%s: span %zu+%zu: the pieces' text differs", id, sp.off, sp.len);
    free(want);
    size_t outside = 0;
    for (size_t k = sp.off; k < sp.off + sp.len; k++) {
        int in_junk = 0;
        for (size_t j = 0; j < d->njunk && !in_junk; j++)
            in_junk = k >= d->junk[j].span.off && k < d->junk[j].span.off + d->junk[j].span.len;
        outside += !in_junk;
    }
    if (b.len - 3 != outside)
        fail_msg("%s: span %zu+%zu: %zu bytes, %zu outside junk", id, sp.off, sp.len, b.len - 3,
                 outside);
    for (size_t i = 3; i < b.len; i++) {
        size_t v = rb_piece_view(pc, npc, i);
        if (v != vo[i] || v < sp.off || v >= sp.off + sp.len || d->view->text[v] != b.data[i] ||
            (i > 3 && v <= rb_piece_view(pc, npc, i - 1)))
            fail_msg("%s: span %zu+%zu: byte %zu at view %zu (per byte: %zu)", id, sp.off,
                     sp.len, i, v, vo[i]);
    }
    rb_buf_free(&a);
    rb_buf_free(&b);
    free(vo);
    free(pc);
}

static void test_view_pieces(void **state)
{
    (void)state;
    size_t cut = 0;
    for (size_t i = 0; i < NCORPORA; i++) {
        rb_diags diags;
        rb_diags_init(&diags);
        rb_doc *d = compile_corpus(CORPORA[i].id, &diags);
        for (size_t k = 0; k < d->nblocks; k++) {
            same_pieces(d, rb_span_of(d->blocks[k].num), CORPORA[i].id);
            same_pieces(d, rb_span_of(d->blocks[k].text), CORPORA[i].id);
        }
        for (size_t k = 0; k < d->narticles; k++) {
            const rb_article *a = &d->articles[k];
            if (!a->nblocks)
                continue;
            const rb_block *f = &d->blocks[a->first_block];
            const rb_block *l = &d->blocks[a->first_block + a->nblocks - 1];
            rb_span sp = {f->text.off, l->text.off + l->text.len - f->text.off};
            same_pieces(d, sp, CORPORA[i].id);
            cut += !rb_doc_span_clean(d, sp);
        }
        rb_doc_free(d);
        rb_diags_free(&diags);
    }
    assert_true(cut > 0); /* some articles have junk inside */
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && memcmp(s + a - b, suf, b) == 0;
}

static void test_counts_and_ends(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCORPORA; i++) {
        const corpus *c = &CORPORA[i];
        rb_diags diags;
        rb_diags_init(&diags);
        rb_doc *d = compile_corpus(c->id, &diags);
        if (d->nchapters != c->chapters || d->narticles != c->articles)
            fail_msg("%s: %zu chapters / %zu articles, want %zu / %zu", c->id, d->nchapters,
                     d->narticles, c->chapters, c->articles);
        /* numbered 1..N in order, chapters too; no error diagnostics (no false alarms) */
        for (size_t k = 0; k < d->narticles; k++)
            if (d->articles[k].ordinal != (long)k + 1)
                fail_msg("%s: article %zu has number %ld", c->id, k + 1, d->articles[k].ordinal);
        for (size_t k = 0; k < d->nchapters; k++)
            assert_int_equal(d->chapters[k].ordinal, (long)k + 1);
        if (rb_diags_count(&diags, RB_ERROR) != 0)
            fail_msg("%s: %zu errors, first: %s", c->id, rb_diags_count(&diags, RB_ERROR),
                     diags.items[0].message);
        /* every chapter has a heading and at least one article */
        for (size_t k = 0; k < d->nchapters; k++) {
            assert_true(d->chapters[k].heading.len > 0);
            assert_true(d->chapters[k].narticles > 0);
        }
        const rb_article *last = &d->articles[d->narticles - 1];
        assert_true(last->nblocks >= 1);
        char *t = rb_doc_text(d, rb_span_of(d->blocks[last->first_block + last->nblocks - 1].text));
        if (!ends_with(t, c->last_ends))
            fail_msg("%s: the last article ends '%s'", c->id, t);
        free(t);
        /* metadata: from the text where it says so, else from the sidecar */
        if (c->docnumber) {
            char *n = rb_normalize_str(d->docnumber, strlen(d->docnumber), 1, NULL);
            assert_string_equal(n, c->docnumber);
            free(n);
        }
        assert_string_equal(d->date, c->date);
        rb_doc_free(d);
        rb_diags_free(&diags);
    }
}

/* No paragraph of an article is a chapter heading, a TOC line or page junk. */
static void test_no_article_absorbs_junk(void **state)
{
    (void)state;
    size_t ov[40];
    rb_error err;
    static const rb_role roles[] = {RB_ROLE_JUNK, RB_ROLE_TOC, RB_ROLE_CHAPTER, RB_ROLE_TITLE};
    for (size_t i = 0; i < NCORPORA; i++) {
        rb_diags diags;
        rb_diags_init(&diags);
        rb_doc *d = compile_corpus(CORPORA[i].id, &diags);
        for (size_t a = 0; a < d->narticles; a++) {
            const rb_article *ar = &d->articles[a];
            for (size_t k = 0; k < ar->nblocks; k++) {
                char *t = rb_doc_norm(d, rb_span_of(d->blocks[ar->first_block + k].text));
                for (size_t r = 0; r < sizeof roles / sizeof roles[0]; r++)
                    for (size_t q = 0; q < G->nby_role[roles[r]]; q++) {
                        const rb_pattern *p = &G->patterns[G->by_role[roles[r]][q]];
                        if (rb_pattern_match(G, p, t, strlen(t), 0, ov, 20, &err) == 1)
                            fail_msg("%s: article %ld absorbed a %s line: %s", CORPORA[i].id,
                                     ar->ordinal, rb_role_name(roles[r]), t);
                    }
                assert_null(strstr(t, "本文链接"));
                assert_null(strstr(t, "二维码"));
                assert_null(strstr(t, "相关词条"));
                free(t);
            }
        }
        rb_doc_free(d);
        rb_diags_free(&diags);
    }
}

static void cover(unsigned char *cnt, rb_span s, const unsigned char *junk)
{
    for (size_t k = s.off; k < s.off + s.len; k++)
        if (!junk[k] && cnt[k] < 255)
            cnt[k]++;
}

/* Nothing lost: every non-space character of the normalized view belongs to exactly one of
 * a model node (preface line, chapter number/heading, article number, point number,
 * paragraph) or a reported junk span. */
static void test_nothing_lost(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCORPORA; i++) {
        rb_diags diags;
        rb_diags_init(&diags);
        rb_doc *d = compile_corpus(CORPORA[i].id, &diags);
        size_t n = d->view->len;
        unsigned char *junk = calloc(n + 1, 1), *cnt = calloc(n + 1, 1);
        for (size_t k = 0; k < d->njunk; k++)
            for (size_t q = d->junk[k].span.off; q < d->junk[k].span.off + d->junk[k].span.len; q++) {
                if (junk[q])
                    fail_msg("%s: junk spans overlap at view offset %zu", CORPORA[i].id, q);
                junk[q] = 1;
                cnt[q]++;
            }
        for (size_t k = 0; k < d->nplines; k++)
            cover(cnt, d->plines[k].text, junk);
        for (size_t k = 0; k < d->nchapters; k++) {
            const rb_chapter *c = &d->chapters[k];
            cover(cnt, c->num, junk);
            cover(cnt, c->heading, junk);
            for (size_t b = 0; b < c->nintro; b++)
                cover(cnt, rb_span_of(d->blocks[c->first_intro + b].text), junk);
        }
        for (size_t k = 0; k < d->narticles; k++) {
            const rb_article *a = &d->articles[k];
            cover(cnt, rb_span_of(a->num), junk);
            for (size_t b = 0; b < a->nblocks; b++) {
                cover(cnt, rb_span_of(d->blocks[a->first_block + b].num), junk);
                cover(cnt, rb_span_of(d->blocks[a->first_block + b].text), junk);
            }
        }
        size_t lost = 0, twice = 0, first_lost = (size_t)-1;
        for (size_t q = 0; q < n; q++) {
            char ch = d->view->text[q];
            int space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\f' || ch == '\v';
            if (!space && cnt[q] == 0) {
                if (first_lost == (size_t)-1)
                    first_lost = q;
                lost++;
            }
            if (cnt[q] > 1)
                twice++;
        }
        if (lost || twice) {
            unsigned line = 0, col = 0;
            if (first_lost != (size_t)-1)
                rb_doc_linecol(d, first_lost, &line, &col);
            fail_msg("%s: %zu bytes of the source are in no node and no junk span (first at "
                     "%u:%u), %zu are in two",
                     CORPORA[i].id, lost, line, col, twice);
        }
        free(junk);
        free(cnt);
        rb_doc_free(d);
        rb_diags_free(&diags);
    }
}

static const char *xsd_path(void)
{
    const char *e = getenv("RULEBOOK_AKN_XSD");
    if (e && *e)
        return access(e, R_OK) == 0 ? e : NULL;
    /* the shared material beside the repository; tests run from the repository root */
    static const char xsd[] = "../shared/schemas/akn/akomantoso30.xsd";
    return access(xsd, R_OK) == 0 ? xsd : NULL;
}

static void test_xsd_valid(void **state)
{
    (void)state;
    const char *xsd = xsd_path();
    if (!xsd) {
        fprintf(stderr, "  SKIPPED: the AKN 3.0 XSD is not at ../shared/schemas/akn "
                        "(set RULEBOOK_AKN_XSD)\n");
        skip();
    }
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(xsd);
    xmlSchemaPtr schema = xmlSchemaParse(pc);
    assert_non_null(schema);
    for (size_t i = 0; i < NCORPORA; i++) {
        rb_diags diags;
        rb_diags_init(&diags);
        rb_doc *d = compile_corpus(CORPORA[i].id, &diags);
        char path[] = "/tmp/rbxsd-XXXXXX.xml";
        int fd = mkstemps(path, 4);
        assert_true(fd >= 0);
        rb_error err;
        assert_int_equal(rb_akn_write_fd(d, fd, &err), RB_OK);
        close(fd);
        xmlDocPtr x = xmlReadFile(path, NULL, XML_PARSE_NONET);
        assert_non_null(x);
        xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
        int r = xmlSchemaValidateDoc(vc, x);
        if (r != 0)
            fail_msg("%s: the XML does not validate against %s", CORPORA[i].id, xsd);
        /* the corpus files in out/ are what make writes: validate them too */
        char outp[128];
        snprintf(outp, sizeof outp, "out/%s.xml", CORPORA[i].id);
        xmlDocPtr o = access(outp, R_OK) == 0 ? xmlReadFile(outp, NULL, XML_PARSE_NONET) : NULL;
        if (o) {
            assert_int_equal(xmlSchemaValidateDoc(vc, o), 0);
            xmlFreeDoc(o);
        }
        xmlSchemaFreeValidCtxt(vc);
        xmlFreeDoc(x);
        unlink(path);
        rb_doc_free(d);
        rb_diags_free(&diags);
    }
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pc);
}

static char *dump_of(const char *bytes, size_t n)
{
    rb_diags diags;
    rb_diags_init(&diags);
    rb_error err;
    rb_error_clear(&err);
    char *t = tu_dump_bytes(G, "copy.txt", bytes, n, &diags, &err);
    if (!t)
        fail_msg("copy does not compile: %s", err.message);
    rb_diags_free(&diags);
    return t;
}

/* The same model from other encodings and line ends of the text raw[0, n), named id. */
static void same_model_from_copies(const char *id, const char *raw, size_t n)
{
    char *base = dump_of(raw, n);
    /* CRLF */
    rb_buf crlf;
    rb_buf_init(&crlf);
    for (size_t k = 0; k < n; k++) {
        if (raw[k] == '\n')
            rb_buf_putc(&crlf, '\r');
        rb_buf_putc(&crlf, raw[k]);
    }
    char *t = dump_of(crlf.data, crlf.len);
    if (strcmp(t, base) != 0)
        fail_msg("%s: the CRLF copy compiles to another model", id);
    free(t);
    rb_buf_free(&crlf);
    /* UTF-8 with BOM */
    rb_buf bom;
    rb_buf_init(&bom);
    rb_buf_puts(&bom, "\xEF\xBB\xBF");
    rb_buf_put(&bom, raw, n);
    t = dump_of(bom.data, bom.len);
    assert_string_equal(t, base);
    free(t);
    rb_buf_free(&bom);
    /* GB18030 */
    size_t gn;
    char *gb = tu_iconv_to("GB18030", raw, n, &gn);
    t = dump_of(gb, gn);
    if (strcmp(t, base) != 0)
        fail_msg("%s: the GB18030 copy compiles to another model", id);
    free(t);
    free(gb);
    /* UTF-16LE with a BOM */
    size_t un;
    char *u16 = tu_iconv_to("UTF-16LE", raw, n, &un);
    rb_buf ub;
    rb_buf_init(&ub);
    rb_buf_put(&ub, "\xFF\xFE", 2);
    rb_buf_put(&ub, u16, un);
    t = dump_of(ub.data, ub.len);
    if (strcmp(t, base) != 0)
        fail_msg("%s: the UTF-16 copy compiles to another model", id);
    free(t);
    free(u16);
    rb_buf_free(&ub);
    free(base);
}

/* The same model from other encodings and line ends: the corpora, and every text of the
 * development set when ../shared has it (their GB18030 copies hold pinyin annotations, a
 * traditional one a letter in eight of its characters). */
static void test_same_model_from_copies(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCORPORA; i++) {
        char path[256];
        snprintf(path, sizeof path, "corpora/%s.txt", CORPORA[i].id);
        size_t n;
        char *raw = tu_read(path, &n);
        assert_non_null(raw);
        same_model_from_copies(CORPORA[i].id, raw, n);
        free(raw);
    }
    const char *dir = "../shared/devset/texts";
    DIR *dp = opendir(dir);
    if (!dp) {
        printf("  (skipped the development set: %s is absent)\n", dir);
        return;
    }
    size_t texts = 0;
    for (struct dirent *e; (e = readdir(dp));) {
        if (!ends_with(e->d_name, ".txt"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n;
        char *raw = tu_read(path, &n);
        assert_non_null(raw);
        same_model_from_copies(e->d_name, raw, n);
        free(raw);
        texts++;
    }
    closedir(dp);
    printf("  CRLF, BOM, GB18030 and UTF-16 copies: the same model for %zu development texts\n",
           texts);
    assert_true(texts > 0);
}

/* The facts of a model dump, each as "DIM art N RULE: VALUE" (without the place and the words,
 * which a spaced-out copy changes), one a line. */
static char *fact_keys(const char *dump)
{
    rb_buf b;
    rb_buf_init(&b);
    for (const char *l = dump; *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        if (len > 5 && memcmp(l, "fact ", 5) == 0) {
            const char *at = memchr(l, '@', len), *art = strstr(l, " art ");
            const char *bar = strstr(l, " | ");
            if (at && art && art < l + len) {
                rb_buf_put(&b, l, (size_t)(at - l));
                size_t stop = bar && bar < l + len ? (size_t)(bar - art) : (size_t)(l + len - art);
                rb_buf_put(&b, art + 1, stop - 1);
                rb_buf_putc(&b, '\n');
            }
        }
        l += len + (e != NULL);
    }
    return rb_buf_detach(&b);
}

/* raw[0, n) spaced out character by character, as a PDF's text layer gives it: a space between
 * every two Han characters. */
static char *spaced_out(const char *raw, size_t n, size_t *out_n)
{
    rb_buf b;
    rb_buf_init(&b);
    int han_before = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int l = rb_utf8_decode(raw + i, n - i, &cp);
        if (l <= 0)
            l = 1;
        int han = cp >= 0x4E00 && cp <= 0x9FFF;
        if (han && han_before)
            rb_buf_putc(&b, ' ');
        rb_buf_put(&b, raw + i, (size_t)l);
        han_before = han;
        i += (size_t)l;
    }
    *out_n = b.len;
    return rb_buf_detach(&b);
}

/* Whether the spaced-out copy of raw[0, n) gives raw's facts (1) or not (0). */
static int same_facts_spaced(const char *raw, size_t n)
{
    char *base = dump_of(raw, n);
    size_t sn;
    char *sp = spaced_out(raw, n, &sn);
    char *t = dump_of(sp, sn);
    char *ka = fact_keys(base), *kb = fact_keys(t);
    int same = strcmp(ka, kb) == 0 && (rb_letter_spaced(sp, sn) || !rb_letter_spaced(raw, n));
    free(ka);
    free(kb);
    free(t);
    free(sp);
    free(base);
    return same;
}

/* A copy spaced out character by character (some PDFs' text layer) gives the facts of its
 * plain twin: every corpus text, and the development texts when ../shared has them (all but
 * a few: one opens with a page marker glued to its first article by a space, which spacing
 * out makes one of many). */
static void test_facts_from_spaced_copies(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCORPORA; i++) {
        char path[256];
        snprintf(path, sizeof path, "corpora/%s.txt", CORPORA[i].id);
        size_t n;
        char *raw = tu_read(path, &n);
        assert_non_null(raw);
        if (!same_facts_spaced(raw, n))
            fail_msg("%s: its spaced-out copy gives other facts", CORPORA[i].id);
        free(raw);
    }
    const char *dir = "../shared/devset/texts";
    DIR *dp = opendir(dir);
    if (!dp) {
        printf("  (skipped the development set: %s is absent)\n", dir);
        return;
    }
    size_t texts = 0, same = 0;
    for (struct dirent *e; (e = readdir(dp));) {
        if (!ends_with(e->d_name, ".txt"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n;
        char *raw = tu_read(path, &n);
        assert_non_null(raw);
        same += (size_t)same_facts_spaced(raw, n);
        free(raw);
        texts++;
    }
    closedir(dp);
    printf("  spaced-out copies: the same facts for %zu of %zu development texts\n", same,
           texts);
    assert_true(texts > 0);
    assert_true(same * 20 >= texts * 19);
}

/* The `needs:` prefilter only skips work: every fact and every unmatched sentence is the same
 * with it and without it. */
static char *facts_of(rb_doc *d)
{
    rb_buf b;
    rb_buf_init(&b);
    for (size_t i = 0; i < d->facts->n; i++) {
        const rb_fact *f = &d->facts->v[i];
        rb_buf_printf(&b, "%s %s %ld %u:%u %s [%s] [%s]", f->dim, f->rule, f->article, f->line,
                      f->col, f->value ? f->value : "", f->text, f->norm);
        for (size_t k = 0; k < f->nfields; k++)
            for (size_t q = 0; q < f->fields[k].n; q++)
                rb_buf_printf(&b, " %s=%s", f->fields[k].name, f->fields[k].items[q]);
        rb_buf_putc(&b, '\n');
    }
    for (size_t i = 0; i < d->facts->nu; i++)
        rb_buf_printf(&b, "unmatched %s %ld %u %s\n", d->facts->u[i].dim, d->facts->u[i].article,
                      d->facts->u[i].line, d->facts->u[i].text);
    return rb_buf_detach(&b);
}

/* The facts of path with the literal prefilter off and on must be the same; the number of
 * facts, for the caller to see that the comparison means something. */
static size_t same_facts_unfiltered(const char *path)
{
    rb_doc *d[2] = {NULL, NULL};
    char *facts[2];
    rb_timings tm[2];
    memset(tm, 0, sizeof tm);
    for (int k = 0; k < 2; k++) {
        rb_diags dg;
        rb_diags_init(&dg);
        rb_error err;
        rb_error_clear(&err);
        rb_compile_opts o;
        rb_compile_opts_default(&o);
        o.timings = &tm[k];
        G->no_prefilter = k == 0;
        rb_status st = rb_compile_file(G, path, &o, &d[k], &dg, &err);
        G->no_prefilter = 0;
        if (st != RB_OK)
            fail_msg("%s: %u:%u: %s", path, err.line, err.col, err.message);
        facts[k] = facts_of(d[k]);
        rb_diags_free(&dg);
    }
    if (strcmp(facts[0], facts[1]) != 0)
        fail_msg("%s: the needs: prefilter changes the facts", path);
    /* unfiltered, every rule ran on every sentence: each sentence reached a pattern, and
     * there were more pattern runs than filtered */
    if (tm[0].sentences_matched != tm[0].sentences || tm[0].regex_calls <= tm[1].regex_calls)
        fail_msg("%s: unfiltered, %zu of %zu sentences reached a pattern, %zu pattern runs "
                 "(%zu filtered)", path, tm[0].sentences_matched, tm[0].sentences,
                 tm[0].regex_calls, tm[1].regex_calls);
    size_t n = d[1]->facts->n;
    for (int k = 0; k < 2; k++) {
        free(facts[k]);
        rb_doc_free(d[k]);
    }
    return n;
}

/* The prefilter (each rule's needs:, one automaton pass per sentence) only saves time: on the
 * corpora and on every text of the development set, when ../shared has it. */
static void test_prefilter_keeps_facts(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCORPORA; i++) {
        char path[256];
        snprintf(path, sizeof path, "corpora/%s.txt", CORPORA[i].id);
        assert_true(same_facts_unfiltered(path) >= 10); /* the comparison means something */
    }
    const char *dir = "../shared/devset/texts";
    DIR *dp = opendir(dir);
    if (!dp) {
        printf("  (skipped the development set: %s is absent)\n", dir);
        return;
    }
    size_t texts = 0, facts = 0;
    for (struct dirent *e; (e = readdir(dp));) {
        if (!ends_with(e->d_name, ".txt"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        facts += same_facts_unfiltered(path);
        texts++;
    }
    closedir(dp);
    printf("  prefilter off and on: the same %zu facts in %zu development texts\n", facts, texts);
    assert_true(texts > 0 && facts > 0);
}

/* Chongqing: the repeated run is merged, the insertions are set aside with their lines. */
static void test_chongqing_duplicate_run(void **state)
{
    (void)state;
    rb_diags diags;
    rb_diags_init(&diags);
    rb_doc *d = compile_corpus("chongqing-2018", &diags);
    assert_int_equal(d->duplicate_runs, 1);
    static const struct {
        long art;
        const char *junk;
        unsigned line;
    } ins[] = {{16, "少殃再", 40}, {17, "棕厚拘陵", 41}, {17, "整付嬸", 42}};
    for (size_t i = 0; i < 3; i++) {
        const rb_article *a = &d->articles[ins[i].art - 1];
        assert_int_equal(a->ordinal, ins[i].art);
        for (size_t k = 0; k < a->nblocks; k++) {
            char *t = rb_doc_text(d, rb_span_of(d->blocks[a->first_block + k].text));
            assert_null(strstr(t, ins[i].junk));
            free(t);
        }
        int found = 0;
        for (size_t k = 0; k < d->njunk; k++) {
            char *t = rb_doc_raw(d, d->junk[k].span);
            if (strcmp(d->junk[k].kind, "insertion") == 0 && strcmp(t, ins[i].junk) == 0 &&
                d->junk[k].line == ins[i].line)
                found = 1;
            free(t);
        }
        if (!found)
            fail_msg("no insertion junk '%s' at line %u", ins[i].junk, ins[i].line);
        int reported = 0;
        for (size_t k = 0; k < diags.n; k++)
            if (strcmp(diags.items[k].rule, "junk-insertion") == 0 &&
                diags.items[k].line == ins[i].line && strstr(diags.items[k].message, ins[i].junk))
                reported = 1;
        assert_true(reported);
    }
    /* the clean reading of article 16 */
    char *t = rb_doc_text(d, rb_span_of(d->blocks[d->articles[15].first_block].text));
    assert_non_null(strstr(t, "建設職能科學、權責法定"));
    free(t);
    /* the second copy is one duplicate-copy span from line 142 */
    int dup = 0;
    for (size_t k = 0; k < d->njunk; k++)
        if (strcmp(d->junk[k].kind, "duplicate-copy") == 0) {
            assert_int_equal(d->junk[k].line, 142);
            dup++;
        }
    assert_int_equal(dup, 1);
    /* chapter 12 is the last, once; article 63 is at line 141 (the first copy) */
    assert_int_equal(d->chapters[11].ordinal, 12);
    assert_int_equal(d->articles[62].line, 141);
    assert_int_equal(d->view->script, RB_SCRIPT_TRADITIONAL);
    rb_doc_free(d);
    rb_diags_free(&diags);
}

/* The five corpora's rulebooks as compare builds them, compiled and read back from their XML,
 * each way with its facts in one store (rb_factstore, what compare does) and in arenas of
 * their own: the same table, fact for fact, every string of a stored rulebook the store's. */
static void compare_json(rb_rulebook **r, rb_buf *b)
{
    rb_compare_opts o = {RB_FMT_JSON, 1, 0, RB_LAYOUT_AUTO, NULL}; /* with --unmatched */
    rb_buf_init(b);
    rb_compare_render(r, NCORPORA, &o, b);
    rb_buf_putc(b, 0);
}

static void test_factstore_rulebooks(void **state)
{
    (void)state;
    rb_factstore *st = rb_factstore_new();
    rb_rulebook *own[NCORPORA], *in[NCORPORA], *xown[NCORPORA], *xin[NCORPORA];
    size_t nfacts = 0;
    for (size_t i = 0; i < NCORPORA; i++) {
        char path[256];
        snprintf(path, sizeof path, "corpora/%s.txt", CORPORA[i].id);
        rb_diags diags;
        rb_diags_init(&diags);
        rb_error err;
        rb_error_clear(&err);
        rb_compile_opts co;
        rb_compile_opts_default(&co);
        rb_doc *d = NULL;
        assert_int_equal(rb_compile_file(G, path, &co, &d, &diags, &err), RB_OK);
        char xml[] = "/tmp/rbstore-XXXXXX.xml";
        int fd = mkstemps(xml, 4);
        assert_true(fd >= 0);
        assert_int_equal(rb_akn_write_fd(d, fd, &err), RB_OK);
        close(fd);
        own[i] = rb_rulebook_from_doc(d);
        rb_doc_free(d);
        co.facts_store = st;
        assert_int_equal(rb_compile_file(G, path, &co, &d, &diags, &err), RB_OK);
        in[i] = rb_rulebook_from_doc(d);
        rb_doc_free(d);
        assert_int_equal(rb_rulebook_read_xml(xml, &xown[i], &err), RB_OK);
        assert_int_equal(rb_rulebook_read_xml_in(xml, st, &xin[i], &err), RB_OK);
        unlink(xml);
        rb_diags_free(&diags);
        for (size_t k = 0; k < 2; k++) {
            const rb_facts *fs = (k ? xin : in)[i]->facts;
            assert_null(fs->arena.head);
            assert_int_equal(fs->n, own[i]->facts->n);
            for (size_t j = 0; j < fs->n; j++) {
                assert_true(rb_arena_holds(&st->arena, fs->v[j].text));
                assert_true(rb_arena_holds(&st->arena, fs->v[j].rule));
            }
            for (size_t j = 0; j < fs->nu; j++)
                assert_true(rb_arena_holds(&st->arena, fs->u[j].text));
        }
        assert_false(rb_arena_holds(&st->arena, own[i]->facts->v[0].text));
        nfacts += own[i]->facts->n;
    }
    assert_true(nfacts > 100);
    rb_buf a, b, c, e;
    compare_json(own, &a);
    compare_json(in, &b);
    compare_json(xown, &c);
    compare_json(xin, &e);
    assert_string_equal(a.data, b.data);
    assert_string_equal(c.data, e.data);
    assert_non_null(strstr(a.data, "\"signer\": "));
    rb_buf_free(&a);
    rb_buf_free(&b);
    rb_buf_free(&c);
    rb_buf_free(&e);
    for (size_t i = 0; i < NCORPORA; i++) {
        rb_rulebook_free(own[i]);
        rb_rulebook_free(in[i]);
        rb_rulebook_free(xown[i]);
        rb_rulebook_free(xin[i]);
    }
    rb_factstore_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_ends),
        cmocka_unit_test(test_no_article_absorbs_junk),
        cmocka_unit_test(test_nothing_lost),
        cmocka_unit_test(test_xsd_valid),
        cmocka_unit_test(test_same_model_from_copies),
        cmocka_unit_test(test_facts_from_spaced_copies),
        cmocka_unit_test(test_chongqing_duplicate_run),
        cmocka_unit_test(test_prefilter_keeps_facts),
        cmocka_unit_test(test_view_pieces),
        cmocka_unit_test(test_factstore_rulebooks),
    };
    return cmocka_run_group_tests(tests, tu_setup, tu_teardown);
}
