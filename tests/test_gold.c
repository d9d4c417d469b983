/* test_gold.c: precision and recall of the extracted facts against the gold files
 * (tests/gold/ID.yaml, written by reading the corpora), per dimension, with the thresholds of
 * the compare issue: meetings 100 %, deadlines >= 95 %, signing and leave >= 90 %, on both.
 * Also: the traditional Chongqing text gives the same kinds of facts, and a dimension added
 * through YAML alone works. */
#include "testutil.h"

#include <math.h>

static const char *const CORPORA[] = {"urumqi-2018", "erenhot-2013", "wuhan-2018", "wujin-2021",
                                      "chongqing-2018"};
#define NC (sizeof CORPORA / sizeof CORPORA[0])
static const char *const DIMS[] = {"meetings", "signing", "leave", "deadlines"};
static const double MIN[] = {1.0, 0.90, 0.90, 0.95};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, comma-joined items (a set). */
static void put_set(rb_buf *b, char **items, size_t n)
{
    qsort(items, n, sizeof *items, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i)
            rb_buf_putc(b, ',');
        rb_buf_puts(b, items[i]);
    }
}

static void put_field_set(rb_buf *b, const rb_fact *f, const char *name)
{
    const rb_field *x = rb_fact_field(f, name);
    if (!x) {
        rb_buf_puts(b, "-");
        return;
    }
    char **v = malloc((x->n + 1) * sizeof *v);
    for (size_t i = 0; i < x->n; i++)
        v[i] = x->items[i];
    put_set(b, v, x->n);
    free(v);
}

static const char *s0(const char *s) { return s ? s : "-"; }

static char *pred_key(const rb_fact *f)
{
    rb_buf b;
    rb_buf_init(&b);
    rb_buf_printf(&b, "§%ld|", f->article);
    if (strcmp(f->dim, "meetings") == 0) {
        rb_buf_printf(&b, "%s|%s|", s0(rb_fact_str(f, "type")), s0(rb_fact_str(f, "kind")));
        if (rb_fact_str(f, "per_year_min"))
            rb_buf_printf(&b, "%s-%s", rb_fact_str(f, "per_year_min"),
                          s0(rb_fact_str(f, "per_year_max")));
    } else if (strcmp(f->dim, "signing") == 0) {
        rb_buf_printf(&b, "%s|", s0(rb_fact_str(f, "verb")));
        put_field_set(&b, f, "signer");
        rb_buf_putc(&b, '|');
        put_field_set(&b, f, "document");
    } else if (strcmp(f->dim, "leave") == 0) {
        rb_buf_printf(&b, "%s|", s0(rb_fact_str(f, "occasion")));
        put_field_set(&b, f, "approver");
        if (rb_fact_str(f, "notice_amount"))
            rb_buf_printf(&b, "|%s %s", rb_fact_str(f, "notice_amount"),
                          s0(rb_fact_str(f, "notice_unit")));
    } else {
        rb_buf_printf(&b, "%s|%s|%s", s0(rb_fact_str(f, "amount")), s0(rb_fact_str(f, "unit")),
                      s0(rb_fact_str(f, "bound")));
    }
    return rb_buf_detach(&b);
}

static const char *gstr(yaml_document_t *doc, yaml_node_t *m, const char *k)
{
    return rb_yaml_str(rb_yaml_get(doc, m, k));
}

static void gset(rb_buf *b, yaml_document_t *doc, yaml_node_t *m, const char *k)
{
    size_t n;
    yaml_node_t *node = rb_yaml_get(doc, m, k);
    if (!node) {
        rb_buf_puts(b, "-");
        return;
    }
    yaml_node_item_t *it = rb_yaml_items(node, &n);
    if (n == 0) {
        rb_buf_puts(b, "-");
        return;
    }
    char **v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (char *)rb_yaml_str(yaml_document_get_node(doc, it[i]));
    put_set(b, v, n);
    free(v);
}

static char *gold_key(const char *dim, yaml_document_t *doc, yaml_node_t *m)
{
    rb_buf b;
    rb_buf_init(&b);
    rb_buf_printf(&b, "§%s|", s0(gstr(doc, m, "article")));
    if (strcmp(dim, "meetings") == 0) {
        rb_buf_printf(&b, "%s|%s|", s0(gstr(doc, m, "type")), s0(gstr(doc, m, "kind")));
        size_t n;
        yaml_node_item_t *it = rb_yaml_items(rb_yaml_get(doc, m, "per_year"), &n);
        if (n == 2)
            rb_buf_printf(&b, "%s-%s", rb_yaml_str(yaml_document_get_node(doc, it[0])),
                          rb_yaml_str(yaml_document_get_node(doc, it[1])));
    } else if (strcmp(dim, "signing") == 0) {
        rb_buf_printf(&b, "%s|", s0(gstr(doc, m, "verb")));
        gset(&b, doc, m, "signer");
        rb_buf_putc(&b, '|');
        gset(&b, doc, m, "document");
    } else if (strcmp(dim, "leave") == 0) {
        rb_buf_printf(&b, "%s|", s0(gstr(doc, m, "occasion")));
        gset(&b, doc, m, "approver");
        size_t n;
        yaml_node_item_t *it = rb_yaml_items(rb_yaml_get(doc, m, "notice"), &n);
        if (n == 2)
            rb_buf_printf(&b, "|%s %s", rb_yaml_str(yaml_document_get_node(doc, it[0])),
                          rb_yaml_str(yaml_document_get_node(doc, it[1])));
    } else {
        rb_buf_printf(&b, "%s|%s|%s", s0(gstr(doc, m, "amount")), s0(gstr(doc, m, "unit")),
                      s0(gstr(doc, m, "bound")));
    }
    return rb_buf_detach(&b);
}

static void test_precision_recall(void **state)
{
    (void)state;
    size_t tp[4] = {0}, fp[4] = {0}, fn[4] = {0};
    int verbose = getenv("RULEBOOK_GOLD_VERBOSE") != NULL;
    for (size_t c = 0; c < NC; c++) {
        char path[256];
        snprintf(path, sizeof path, "corpora/%s.txt", CORPORA[c]);
        rb_diags diags;
        rb_diags_init(&diags);
        rb_error err;
        rb_doc *d = NULL;
        assert_int_equal(rb_compile_file(G, path, NULL, &d, &diags, &err), RB_OK);
        snprintf(path, sizeof path, "tests/gold/%s.yaml", CORPORA[c]);
        yaml_document_t doc;
        assert_int_equal(rb_yaml_load(path, (size_t)1 << 24, &doc, &err), RB_OK);
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        for (size_t k = 0; k < 4; k++) {
            /* predicted keys, each used once */
            size_t np = 0;
            char **pk = calloc(d->facts->n + 1, sizeof *pk);
            for (size_t i = 0; i < d->facts->n; i++)
                if (strcmp(d->facts->v[i].dim, DIMS[k]) == 0)
                    pk[np++] = pred_key(&d->facts->v[i]);
            char *used = calloc(np + 1, 1);
            size_t ng;
            yaml_node_item_t *it = rb_yaml_items(rb_yaml_get(&doc, root, DIMS[k]), &ng);
            for (size_t g = 0; g < ng; g++) {
                char *gk = gold_key(DIMS[k], &doc, yaml_document_get_node(&doc, it[g]));
                size_t i = 0;
                while (i < np && (used[i] || strcmp(pk[i], gk) != 0))
                    i++;
                if (i < np) {
                    used[i] = 1;
                    tp[k]++;
                } else {
                    fn[k]++;
                    if (verbose)
                        fprintf(stderr, "  missed  %s %s %s\n", CORPORA[c], DIMS[k], gk);
                }
                free(gk);
            }
            for (size_t i = 0; i < np; i++) {
                if (!used[i]) {
                    fp[k]++;
                    if (verbose)
                        fprintf(stderr, "  extra   %s %s %s\n", CORPORA[c], DIMS[k], pk[i]);
                }
                free(pk[i]);
            }
            free(pk);
            free(used);
        }
        yaml_document_delete(&doc);
        rb_doc_free(d);
        rb_diags_free(&diags);
    }
    int fail = 0;
    fprintf(stderr, "  %-10s %6s %6s %6s %9s %9s\n", "dimension", "gold", "found", "right",
            "precision", "recall");
    for (size_t k = 0; k < 4; k++) {
        double p = tp[k] + fp[k] ? (double)tp[k] / (double)(tp[k] + fp[k]) : 1;
        double r = tp[k] + fn[k] ? (double)tp[k] / (double)(tp[k] + fn[k]) : 1;
        fprintf(stderr, "  %-10s %6zu %6zu %6zu %8.1f%% %8.1f%%%s\n", DIMS[k], tp[k] + fn[k],
                tp[k] + fp[k], tp[k], 100 * p, 100 * r,
                p + 1e-9 < MIN[k] || r + 1e-9 < MIN[k] ? "  BELOW THE THRESHOLD" : "");
        if (p + 1e-9 < MIN[k] || r + 1e-9 < MIN[k])
            fail = 1;
        assert_true(tp[k] + fn[k] > 0); /* every dimension has gold facts */
    }
    if (fail)
        fail_msg("precision or recall below the threshold (RULEBOOK_GOLD_VERBOSE=1 lists the "
                 "misses)");
}

/* The traditional text gives facts of every kind, with simplified values and original words. */
static void test_traditional_facts(void **state)
{
    (void)state;
    rb_diags diags;
    rb_diags_init(&diags);
    rb_error err;
    rb_doc *d = NULL;
    assert_int_equal(rb_compile_file(G, "corpora/chongqing-2018.txt", NULL, &d, &diags, &err),
                     RB_OK);
    size_t per[4] = {0};
    int trad_text = 0;
    for (size_t i = 0; i < d->facts->n; i++) {
        const rb_fact *f = &d->facts->v[i];
        for (size_t k = 0; k < 4; k++)
            if (strcmp(f->dim, DIMS[k]) == 0)
                per[k]++;
        if (strcmp(f->dim, "signing") == 0) {
            assert_non_null(strstr(f->text, "簽")); /* the original words */
            assert_null(strstr(rb_fact_str(f, "verb"), "簽"));
            assert_null(strstr(f->norm, "簽")); /* the normalized text is simplified */
            trad_text = 1;
        }
    }
    for (size_t k = 0; k < 4; k++)
        if (per[k] == 0)
            fail_msg("no %s facts from the traditional text", DIMS[k]);
    assert_true(trad_text);
    /* a meeting frequency, normalized as for the simplified texts */
    int weekly = 0;
    for (size_t i = 0; i < d->facts->n; i++) {
        const rb_fact *f = &d->facts->v[i];
        if (strcmp(f->dim, "meetings") == 0 && strcmp(rb_fact_str(f, "type"), "executive") == 0) {
            assert_string_equal(rb_fact_str(f, "period"), "P1W");
            assert_string_equal(rb_fact_str(f, "per_year_max"), "52");
            assert_non_null(strstr(f->text, "常務會議"));
            weekly = 1;
        }
    }
    assert_true(weekly);
    rb_doc_free(d);
    rb_diags_free(&diags);
}

/* Compiled to be written out, a traditional text keeps no copy of a fact's verbatim words
 * (they differ from the normalized ones): they are read from the document, the same words,
 * and a rulebook taken from it gets its own. */
static void test_written_facts_read_from_text(void **state)
{
    (void)state;
    rb_doc *d[2] = {NULL, NULL};
    rb_buf xml[2];
    for (int w = 0; w < 2; w++) {
        rb_diags diags;
        rb_diags_init(&diags);
        rb_error err;
        rb_error_clear(&err);
        rb_compile_opts o;
        rb_compile_opts_default(&o);
        o.write_only = w;
        assert_int_equal(rb_compile_file(G, "corpora/chongqing-2018.txt", &o, &d[w], &diags, &err),
                         RB_OK);
        rb_buf_init(&xml[w]);
        assert_int_equal(rb_akn_write_buf(d[w], &xml[w], &err), RB_OK);
        rb_diags_free(&diags);
    }
    const rb_facts *all = d[0]->facts, *lazy = d[1]->facts;
    assert_int_equal(lazy->n, all->n);
    assert_int_equal(lazy->nu, all->nu);
    assert_true(lazy->nu > 0);
    rb_buf tmp;
    rb_buf_init(&tmp);
    size_t read = 0;
    for (size_t i = 0; i < lazy->n; i++) {
        const rb_fact *f = &lazy->v[i];
        assert_non_null(all->v[i].text);
        read += f->text == NULL;
        assert_string_equal(rb_fact_text(f, d[1], &tmp), all->v[i].text);
        assert_string_equal(f->norm, all->v[i].norm);
    }
    for (size_t i = 0; i < lazy->nu; i++) {
        assert_null(lazy->u[i].text);
        assert_string_equal(rb_unmatched_text(&lazy->u[i], d[1], &tmp), all->u[i].text);
    }
    assert_true(read > lazy->n / 2); /* (a traditional text's words differ, as a rule) */
    assert_int_equal(xml[1].len, xml[0].len);
    assert_memory_equal(xml[1].data, xml[0].data, xml[0].len);
    rb_rulebook *r = rb_rulebook_from_doc(d[1]);
    for (size_t i = 0; i < r->facts->n; i++)
        assert_string_equal(r->facts->v[i].text, all->v[i].text);
    for (size_t i = 0; i < r->facts->nu; i++)
        assert_string_equal(r->facts->u[i].text, all->u[i].text);
    rb_rulebook_free(r);
    rb_buf_free(&tmp);
    for (int w = 0; w < 2; w++) {
        rb_buf_free(&xml[w]);
        rb_doc_free(d[w]);
    }
}

/* A dimension declared only in YAML: no C change, and compare shows it. */
static void test_yaml_dimension(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    rb_error err;
    rb_error_clear(&err);
    assert_int_equal(rb_grammar_add_file(g, "tests/fixtures/quorum.yaml", &err), RB_OK);
    rb_diags diags;
    rb_diags_init(&diags);
    rb_doc *d = NULL;
    assert_int_equal(rb_compile_file(g, "corpora/erenhot-2013.txt", NULL, &d, &diags, &err),
                     RB_OK);
    int found = 0;
    for (size_t i = 0; i < d->facts->n; i++) {
        const rb_fact *f = &d->facts->v[i];
        if (strcmp(f->dim, "quorum") == 0) {
            assert_string_equal(rb_fact_str(f, "type"), "executive");
            assert_string_equal(rb_fact_str(f, "share"), "半数以上");
            assert_int_equal(f->article, 40);
            found++;
        }
    }
    assert_int_equal(found, 1);
    rb_rulebook *r = rb_rulebook_from_doc(d);
    rb_compare_opts o = {RB_FMT_JSON, 0, 0, RB_LAYOUT_AUTO, NULL};
    rb_buf b;
    rb_buf_init(&b);
    rb_compare_render(&r, 1, &o, &b);
    assert_non_null(strstr(b.data, "\"quorum\": ["));
    assert_non_null(strstr(b.data, "\"share\": \"半数以上\""));
    rb_buf_free(&b);
    o.format = RB_FMT_MD;
    o.grammar = g; /* the dimension's heading is its title: */
    rb_buf_init(&b);
    rb_compare_render(&r, 1, &o, &b);
    assert_non_null(strstr(b.data, "\n## Quorum\n"));
    assert_non_null(strstr(b.data, "半数以上"));
    rb_buf_free(&b);
    rb_rulebook_free(r);
    rb_doc_free(d);
    rb_diags_free(&diags);
    rb_grammar_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precision_recall),
        cmocka_unit_test(test_traditional_facts),
        cmocka_unit_test(test_written_facts_read_from_text),
        cmocka_unit_test(test_yaml_dimension),
    };
    return cmocka_run_group_tests(tests, tu_setup, tu_teardown);
}
