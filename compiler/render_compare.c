/* render_compare.c: the comparison model (compare.c) printed as
 *
 *   json  the contract in README.md: the rulebooks, then one array of facts per dimension;
 *   csv   RFC 4180, one row per fact, with the rulebook's date, level and document number and the
 *         words each field came from (formula-like cells neutralized, --bom for spreadsheets);
 *   md    few rulebooks: one table per dimension, rulebooks as columns, cells "value (§N)";
 *         many: distributions by level, then one long table of every fact;
 *   html  the same as a self-contained page: the wide tables with the article text on demand
 *         and a chart of meetings per year, or the distributions and a sortable, filterable
 *         long table.
 *
 * Every string goes through the escaper of its format (escape.c, jsonw.c). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const char *str_or(const char *s, const char *d) { return s && *s ? s : d; }

/* ---- JSON ------------------------------------------------------------------------------------ */

static void jw_value(rb_jw *w, const rb_field *x, int force_list)
{
    if (!x || x->n == 0) {
        if (force_list) {
            rb_jw_arr(w);
            rb_jw_end_arr(w);
        } else {
            rb_jw_null(w);
        }
        return;
    }
    int list = x->list || force_list;
    if (list)
        rb_jw_arr(w);
    for (size_t i = 0; i < (list ? x->n : 1); i++) {
        double v;
        if (x->number && rb_json_number(x->items[i], &v) == 0)
            rb_jw_num(w, v);
        else
            rb_jw_str(w, x->items[i]);
    }
    if (list)
        rb_jw_end_arr(w);
}

static void jw_field(rb_jw *w, const rb_fact *f, const char *name, int force_list)
{
    jw_value(w, rb_fact_field(f, name), force_list);
}

static void jw_kfield(rb_jw *w, const rb_fact *f, const char *name, int force_list)
{
    rb_jw_key(w, name);
    jw_field(w, f, name, force_list);
}

static void jw_article(rb_jw *w, long article)
{
    if (article > 0)
        rb_jw_int(w, article);
    else
        rb_jw_null(w);
}

/* The fields each dimension writes first, in this order (list: always as a JSON array); a
 * meeting's frequency fields go in an object of their own. The rest follow by name. */
typedef struct keyed {
    const char *name;
    int list;
} keyed;
static const keyed MEETING_KEYS[] = {{RB_F_TYPE, 0}, {RB_F_NAME, 0}, {0, 0}};
static const keyed FREQUENCY_KEYS[] = {{RB_F_KIND, 0},        {RB_F_COUNT_MIN, 0},
                                       {RB_F_COUNT_MAX, 0},   {RB_F_PERIOD, 0},
                                       {RB_F_PER_YEAR_MIN, 0}, {RB_F_PER_YEAR_MAX, 0},
                                       {0, 0}};
static const keyed SIGNING_KEYS[] = {{RB_F_DOCUMENT, 1}, {RB_F_SIGNER, 1}, {RB_F_REVIEWER, 1},
                                     {RB_F_VERB, 0},     {RB_F_CONDITION, 0}, {0, 0}};
static const keyed LEAVE_KEYS[] = {{RB_F_OCCASION, 0},      {RB_F_WHO, 1},
                                   {RB_F_APPROVER, 1},      {RB_F_NOTICE_AMOUNT, 0},
                                   {RB_F_NOTICE_UNIT, 0},   {0, 0}};
static const keyed DEADLINE_KEYS[] = {{RB_F_ACTION, 0}, {RB_F_AMOUNT, 0}, {RB_F_UNIT, 0},
                                      {RB_F_BOUND, 0},  {0, 0}};
static const keyed NO_KEYS[] = {{0, 0}};

static void jw_keyed(rb_jw *w, const rb_fact *f, const keyed *k)
{
    for (; k->name; k++)
        jw_kfield(w, f, k->name, k->list);
}

static int in_keys(const keyed *k, const char *name)
{
    for (; k->name; k++)
        if (strcmp(k->name, name) == 0)
            return 1;
    return 0;
}

static void jw_fact(rb_jw *w, const rb_rulebook *r, const rb_fact *f)
{
    rb_jw_obj(w);
    const keyed *first = f->kind == RB_DIM_MEETINGS    ? MEETING_KEYS
                         : f->kind == RB_DIM_SIGNING   ? SIGNING_KEYS
                         : f->kind == RB_DIM_LEAVE     ? LEAVE_KEYS
                         : f->kind == RB_DIM_DEADLINES ? DEADLINE_KEYS
                                                       : NO_KEYS;
    jw_keyed(w, f, first);
    if (f->kind == RB_DIM_MEETINGS) {
        rb_jw_key(w, "frequency");
        rb_jw_obj(w);
        jw_keyed(w, f, FREQUENCY_KEYS);
        rb_jw_end_obj(w);
    }
    rb_jw_kstr(w, "rulebook", r->id);
    rb_jw_key(w, "article");
    jw_article(w, f->article);
    rb_jw_kstr(w, "eid", f->eid);
    rb_jw_kint(w, "line", f->line);
    rb_jw_kint(w, "column", f->col);
    rb_jw_kstr(w, "text", f->text);
    rb_jw_kstr(w, "text_normalized", f->norm);
    rb_jw_kstr(w, "value", f->value);
    rb_jw_kstr(w, "rule", f->rule);
    /* the other fields, then the words of each */
    for (size_t i = 0; i < f->nfields; i++) {
        const rb_field *x = &f->fields[i];
        int skip = in_keys(first, x->name) ||
                   (f->kind == RB_DIM_MEETINGS && in_keys(FREQUENCY_KEYS, x->name));
        if (!skip) { /* the field itself, not looked up by name: linear in the fields */
            rb_jw_key(w, x->name);
            jw_value(w, x, 0);
        }
    }
    /* the keys made from a field's name, which a compiled file may give at any length */
    rb_buf k;
    rb_buf_init(&k);
    for (size_t i = 0; i < f->nfields; i++) {
        const rb_field *x = &f->fields[i];
        if (x->words) {
            k.len = 0;
            rb_buf_puts(&k, x->name);
            rb_buf_puts(&k, "_words");
            rb_jw_key(w, rb_buf_cstr(&k));
            rb_jw_str(w, x->words);
        }
        if (x->iwords && x->list) { /* per item, as the text says it */
            k.len = 0;
            rb_buf_puts(&k, x->name);
            rb_buf_puts(&k, "_item_words");
            rb_jw_key(w, rb_buf_cstr(&k));
            rb_jw_arr(w);
            for (size_t q = 0; q < x->n; q++)
                rb_jw_str(w, rb_field_words(x, q));
            rb_jw_end_arr(w);
        }
    }
    rb_buf_free(&k);
    rb_jw_end_obj(w);
}

static void render_json(const rb_cmp *c, const rb_compare_opts *o, rb_buf *b)
{
    rb_jw w;
    rb_jw_init(&w, b);
    rb_jw_obj(&w);
    rb_jw_key(&w, "rulebooks");
    rb_jw_arr(&w);
    for (size_t i = 0; i < c->n; i++) {
        const rb_rulebook *r = c->rbs[i];
        rb_jw_ws(&w, "\n  ");
        rb_jw_obj(&w);
        const char *keys[] = {"id", "label", "title", "jurisdiction", "level", "script", "date",
                              "document_number"};
        const char *vals[] = {r->id,    c->labels[i], r->title, r->jurisdiction,
                              r->level, r->script,    r->date,  r->docnumber};
        for (size_t k = 0; k < 8; k++) {
            rb_jw_key(&w, keys[k]);
            rb_jw_str(&w, vals[k]);
        }
        rb_jw_key(&w, "chapters");
        rb_jw_int(&w, (long long)r->chapters);
        rb_jw_key(&w, "articles");
        rb_jw_int(&w, (long long)r->articles);
        rb_jw_key(&w, "facts");
        rb_jw_int(&w, (long long)r->facts->n);
        rb_jw_end_obj(&w);
    }
    rb_jw_end_arr(&w);
    rb_jw_ws(&w, "\n ");
    rb_jw_key(&w, "dimensions");
    rb_jw_obj(&w);
    for (size_t d = 0; d < c->ndims; d++) {
        rb_jw_key(&w, c->dims[d].id);
        rb_jw_str(&w, c->dims[d].title);
    }
    rb_jw_end_obj(&w);
    for (size_t d = 0; d < c->ndims; d++) {
        rb_jw_ws(&w, "\n ");
        rb_jw_key(&w, c->dims[d].id);
        rb_jw_arr(&w);
        for (size_t i = 0; i < c->n; i++)
            for (size_t k = 0; k < c->rbs[i]->facts->n; k++) {
                const rb_fact *f = &c->rbs[i]->facts->v[k];
                if (strcmp(f->dim, c->dims[d].id) != 0)
                    continue;
                rb_jw_ws(&w, "\n  ");
                jw_fact(&w, c->rbs[i], f);
            }
        rb_jw_end_arr(&w);
    }
    if (o->unmatched) {
        rb_jw_ws(&w, "\n ");
        rb_jw_key(&w, "unmatched");
        rb_jw_arr(&w);
        for (size_t i = 0; i < c->n; i++)
            for (size_t k = 0; k < c->rbs[i]->facts->nu; k++) {
                const rb_unmatched *u = &c->rbs[i]->facts->u[k];
                rb_jw_ws(&w, "\n  ");
                rb_jw_obj(&w);
                rb_jw_key(&w, "rulebook");
                rb_jw_str(&w, c->rbs[i]->id);
                rb_jw_key(&w, "dimension");
                rb_jw_str(&w, u->dim);
                rb_jw_key(&w, "article");
                jw_article(&w, u->article);
                rb_jw_key(&w, "eid");
                rb_jw_str(&w, u->eid);
                rb_jw_key(&w, "line");
                rb_jw_int(&w, u->line);
                rb_jw_key(&w, "text");
                rb_jw_str(&w, u->text);
                rb_jw_end_obj(&w);
            }
        rb_jw_end_arr(&w);
    }
    rb_jw_end_obj(&w);
    rb_buf_putc(b, '\n');
}

/* ---- CSV ------------------------------------------------------------------------------------- */

static void csv_joined(rb_buf *b, const rb_field *x, int words)
{
    rb_buf v;
    rb_buf_init(&v);
    for (size_t i = 0; x && i < x->n; i++) {
        const char *s = words ? rb_field_words(x, i) : x->items[i];
        if (i)
            rb_buf_puts(&v, "; ");
        rb_buf_puts(&v, s ? s : "");
    }
    if (words && x && !x->iwords) { /* no words per item: those of the field */
        v.len = 0;
        rb_buf_puts(&v, x->words ? x->words : "");
    }
    rb_esc_csv(b, v.data ? v.data : "");
    rb_buf_free(&v);
}

static void render_csv(const rb_cmp *c, const rb_compare_opts *o, rb_buf *b)
{
    if (o->bom)
        rb_buf_puts(b, "\xEF\xBB\xBF");
    /* union of field names in order of first appearance; a *_words column for each field
     * that has words somewhere */
    const char **cols = NULL;
    char *has_words = NULL;
    size_t nc = 0, cc = 0;
    rb_smap colmap = {0}; /* field name -> column */
    for (size_t d = 0; d < c->ndims; d++)
        for (size_t i = 0; i < c->n; i++)
            for (size_t k = 0; k < c->rbs[i]->facts->n; k++) {
                const rb_fact *f = &c->rbs[i]->facts->v[k];
                if (strcmp(f->dim, c->dims[d].id) != 0)
                    continue;
                for (size_t q = 0; q < f->nfields; q++) {
                    int fresh = 0;
                    size_t *slot = rb_smap_slot(&colmap, f->fields[q].name, &fresh);
                    if (fresh) {
                        size_t oc = cc;
                        RB_GROW(cols, nc, cc);
                        if (cc != oc)
                            has_words = rb_xrealloc(has_words, cc);
                        has_words[nc] = 0;
                        cols[nc] = f->fields[q].name;
                        *slot = nc++;
                    }
                    has_words[*slot] |= f->fields[q].words || f->fields[q].iwords;
                }
            }
    static const char *const fixed[] = {"rulebook", "label",  "jurisdiction", "date",
                                        "level",    "document_number", "dimension",
                                        "article",  "eid",    "line",         "column",
                                        "rule",     "value",  "text"};
    size_t nfixed = sizeof fixed / sizeof *fixed;
    for (size_t i = 0; i < nfixed; i++) {
        if (i)
            rb_buf_putc(b, ',');
        rb_buf_puts(b, fixed[i]);
    }
    for (size_t j = 0; j < nc; j++) {
        rb_buf_putc(b, ',');
        rb_esc_csv(b, cols[j]);
    }
    for (size_t j = 0; j < nc; j++)
        if (has_words[j]) {
            rb_buf k;
            rb_buf_init(&k);
            rb_buf_printf(&k, "%s_words", cols[j]);
            rb_buf_putc(b, ',');
            rb_esc_csv(b, rb_buf_cstr(&k));
            rb_buf_free(&k);
        }
    rb_buf_puts(b, "\r\n");
    char num[64];
    for (size_t d = 0; d < c->ndims; d++)
        for (size_t i = 0; i < c->n; i++) {
            const rb_rulebook *r = c->rbs[i];
            for (size_t k = 0; k < r->facts->n; k++) {
                const rb_fact *f = &r->facts->v[k];
                if (strcmp(f->dim, c->dims[d].id) != 0)
                    continue;
                const char *head[] = {r->id,    c->labels[i], r->jurisdiction, r->date,
                                      r->level, r->docnumber, f->dim};
                for (size_t q = 0; q < 7; q++) {
                    if (q)
                        rb_buf_putc(b, ',');
                    rb_esc_csv(b, head[q] ? head[q] : "");
                }
                rb_buf_putc(b, ',');
                if (f->article > 0) { /* empty when unknown */
                    snprintf(num, sizeof num, "%ld", f->article);
                    rb_buf_puts(b, num);
                }
                rb_buf_putc(b, ',');
                rb_esc_csv(b, f->eid);
                snprintf(num, sizeof num, ",%u,%u,", f->line, f->col);
                rb_buf_puts(b, num);
                rb_esc_csv(b, f->rule);
                rb_buf_putc(b, ',');
                rb_esc_csv(b, f->value ? f->value : "");
                rb_buf_putc(b, ',');
                rb_esc_csv(b, f->text);
                /* the fact's fields by column (a fact has few fields; the row many cells) */
                const rb_field **byc = rb_xcalloc(nc + 1, sizeof *byc);
                for (size_t q = 0; q < f->nfields; q++)
                    byc[rb_smap_get(&colmap, f->fields[q].name)] = &f->fields[q];
                for (size_t j = 0; j < nc; j++) {
                    rb_buf_putc(b, ',');
                    csv_joined(b, byc[j], 0);
                }
                for (size_t j = 0; j < nc; j++)
                    if (has_words[j]) {
                        rb_buf_putc(b, ',');
                        csv_joined(b, byc[j], 1);
                    }
                free(byc);
                rb_buf_puts(b, "\r\n");
            }
        }
    if (o->unmatched)
        for (size_t i = 0; i < c->n; i++) {
            const rb_rulebook *r = c->rbs[i];
            for (size_t k = 0; k < r->facts->nu; k++) {
                const rb_unmatched *u = &r->facts->u[k];
                const char *head[] = {r->id,    c->labels[i], r->jurisdiction, r->date,
                                      r->level, r->docnumber};
                for (size_t q = 0; q < 6; q++) {
                    if (q)
                        rb_buf_putc(b, ',');
                    rb_esc_csv(b, head[q] ? head[q] : "");
                }
                rb_buf_puts(b, ",unmatched:");
                rb_esc_csv(b, u->dim); /* after a prefix: no formula */
                if (u->article > 0)
                    snprintf(num, sizeof num, ",%ld,", u->article);
                else
                    snprintf(num, sizeof num, ",,");
                rb_buf_puts(b, num);
                rb_esc_csv(b, u->eid);
                snprintf(num, sizeof num, ",%u,,,,", u->line);
                rb_buf_puts(b, num);
                rb_esc_csv(b, u->text);
                for (size_t j = 0; j < nc; j++)
                    rb_buf_putc(b, ',');
                for (size_t j = 0; j < nc; j++)
                    if (has_words[j])
                        rb_buf_putc(b, ',');
                rb_buf_puts(b, "\r\n");
            }
        }
    free(cols);
    free(has_words);
    rb_smap_free(&colmap);
}

/* ---- shared by md and html ------------------------------------------------------------------ */

/* The rows that describe each rulebook at the top of the wide tables. */
static const char *const META_ROWS[] = {"id",     "title",    "level", "date",
                                        "number", "script",   "chapters / articles",
                                        "facts"};
#define NMETA (sizeof META_ROWS / sizeof META_ROWS[0])

static char *meta_value(const rb_rulebook *r, size_t m)
{
    rb_buf v;
    rb_buf_init(&v);
    switch (m) {
    case 0: rb_buf_puts(&v, str_or(r->id, "")); break;
    case 1: rb_buf_puts(&v, str_or(r->title, "")); break;
    case 2: rb_buf_puts(&v, str_or(r->level, "")); break;
    case 3: rb_buf_puts(&v, str_or(r->date, "")); break;
    case 4: rb_buf_puts(&v, str_or(r->docnumber, "")); break;
    case 5: rb_buf_puts(&v, str_or(r->script, "")); break;
    case 6: rb_buf_printf(&v, "%zu / %zu", r->chapters, r->articles); break;
    default: rb_buf_printf(&v, "%zu", r->facts->n); break;
    }
    return rb_buf_detach(&v);
}

/* "absence: deputy_head (副市长, 副区长)" */
static char *row_title(const rb_cmp_row *r)
{
    rb_buf v;
    rb_buf_init(&v);
    rb_buf_puts(&v, r->key);
    if (r->words)
        rb_buf_printf(&v, " (%s)", r->words);
    return rb_buf_detach(&v);
}

/* the summary's questions: who signs, who approves, which units */
static const rb_cmp_query QUERIES[] = {
    {"Who signs the minutes of executive meetings", RB_DIM_SIGNING, RB_F_SIGNER, RB_F_DOCUMENT,
     "minutes", RB_F_MEETINGS, "executive"},
    {"Who signs documents in the government's name", RB_DIM_SIGNING, RB_F_SIGNER, RB_F_DOCUMENT,
     "government", NULL, NULL},
    {"Who approves a deputy head's absence", RB_DIM_LEAVE, RB_F_APPROVER, RB_F_OCCASION,
     "absence", RB_F_WHO, "deputy_head"},
    {"Units of the deadlines and limits", RB_DIM_DEADLINES, RB_F_UNIT, NULL, NULL, NULL, NULL},
};
#define NQUERIES (sizeof QUERIES / sizeof *QUERIES)

static const char *const SUMMARY_TYPES[] = {"executive", "plenary", "office"};
static const char *const SUMMARY_TITLES[] = {"Executive meetings (常务会议)", "Plenary meetings (全体会议)",
                                             "Office meetings (办公会议)"};

/* does any rulebook have a meeting of the type? */
static int type_present(const rb_cmp *c, const char *type)
{
    for (size_t i = 0; i < c->n; i++)
        if (rb_cmp_meetings_per_year(c->rbs[i], type) > -2)
            return 1;
    return 0;
}

static int use_summary(const rb_cmp *c, const rb_compare_opts *o)
{
    if (o->layout == RB_LAYOUT_WIDE)
        return 0;
    if (o->layout == RB_LAYOUT_SUMMARY)
        return 1;
    return c->n > RB_COMPARE_WIDE_MAX;
}

static void fmt_num(char *buf, size_t n, double v) { snprintf(buf, n, "%g", v); }

/* the outliers of a group, by value, most distant from the median first:
 * "52/yr: 19 rulebooks (甲市 2018-08-27, 乙县 2015-08-19, … and 16 more); 4/yr: …" */
static char *outliers_text(const rb_cmp *c, const rb_cmp_stat *s)
{
    rb_buf v;
    rb_buf_init(&v);
    char *done = rb_xcalloc(s->nout + 1, 1);
    for (;;) {
        size_t pick = s->nout;
        for (size_t k = 0; k < s->nout; k++) {
            double dk = s->outlier_values[k] - s->median, dp;
            if (done[k])
                continue;
            dp = pick < s->nout ? s->outlier_values[pick] - s->median : 0;
            if (pick == s->nout || (dk < 0 ? -dk : dk) > (dp < 0 ? -dp : dp))
                pick = k;
        }
        if (pick == s->nout)
            break;
        double val = s->outlier_values[pick];
        size_t cnt = 0;
        for (size_t k = 0; k < s->nout; k++)
            cnt += !done[k] && s->outlier_values[k] == val;
        rb_buf_printf(&v, "%s%g/yr: %zu rulebook%s (", v.len ? "; " : "", val, cnt,
                      cnt == 1 ? "" : "s");
        size_t shown = 0;
        for (size_t k = 0; k < s->nout; k++)
            if (!done[k] && s->outlier_values[k] == val) {
                done[k] = 1;
                if (shown < 3)
                    rb_buf_printf(&v, "%s%s", shown ? ", " : "", c->labels[s->outliers[k]]);
                shown++;
            }
        if (shown > 3)
            rb_buf_printf(&v, " and %zu more", shown - 3);
        rb_buf_puts(&v, ")");
    }
    free(done);
    if (!s->nout)
        rb_buf_puts(&v, "—");
    return rb_buf_detach(&v);
}

/* ---- Markdown ----------------------------------------------------------------------------------- */

static void md_header(rb_buf *b, const rb_cmp *c, const char *first)
{
    rb_buf_puts(b, "| ");
    rb_esc_md(b, first);
    rb_buf_puts(b, " |");
    for (size_t i = 0; i < c->n; i++) {
        rb_buf_puts(b, " ");
        rb_esc_md(b, c->labels[i]);
        rb_buf_puts(b, " |");
    }
    rb_buf_puts(b, "\n|---|");
    for (size_t i = 0; i < c->n; i++)
        rb_buf_puts(b, "---|");
    rb_buf_puts(b, "\n");
}

/* The long table of the summary layout: one row per fact, by dimension, then rulebook; the
 * cells rulebook, level, date, dimension, row, value, then what each format adds. */
typedef void (*long_row_fn)(rb_buf *b, const rb_fact *f, const char *const cells[6]);

static void long_rows(const rb_cmp *c, rb_buf *b, long_row_fn row)
{
    for (size_t d = 0; d < c->ndims; d++)
        for (size_t i = 0; i < c->n; i++)
            for (size_t k = 0; k < c->rbs[i]->facts->n; k++) {
                const rb_fact *f = &c->rbs[i]->facts->v[k];
                if (strcmp(f->dim, c->dims[d].id) != 0)
                    continue;
                char *key = rb_cmp_fact_key(f), *text = rb_cmp_fact_text(f);
                const char *cells[] = {c->labels[i], str_or(c->rbs[i]->level, ""),
                                       str_or(c->rbs[i]->date, ""), c->dims[d].title, key,
                                       text};
                row(b, f, cells);
                free(key);
                free(text);
            }
}

static void md_long_row(rb_buf *b, const rb_fact *f, const char *const cells[6])
{
    rb_buf_puts(b, "|");
    for (size_t q = 0; q < 6; q++) {
        rb_buf_puts(b, " ");
        rb_esc_md(b, cells[q]);
        rb_buf_puts(b, " |");
    }
    char sb[32];
    rb_buf_printf(b, " %s |\n", rb_cmp_sect(f->article, sb));
}

/* The rows of the summary layout's tables, for both formats: the cells as text (the first is
 * the row's heading, the others numbers but the last when last_text), written by md_row or
 * html_row. */
typedef void (*row_fn)(rb_buf *b, const char *const *cells, size_t n, int last_text);

static void md_row(rb_buf *b, const char *const *cells, size_t n, int last_text)
{
    (void)last_text;
    rb_buf_puts(b, "|");
    for (size_t i = 0; i < n; i++) {
        rb_buf_puts(b, " ");
        rb_esc_md(b, cells[i]);
        rb_buf_puts(b, " |");
    }
    rb_buf_puts(b, "\n");
}

/* A distribution of meetings per year, by level: level, rulebooks, with a frequency, none
 * stated, min, Q1, median, Q3, max, outliers; a row per level present, then all. */
#define STAT_CELLS 10
static void stat_rows(const rb_cmp *c, const char *type, rb_buf *b, row_fn row)
{
    size_t L = rb_cmp_nlevels();
    for (size_t l = 0; l <= L; l++) {
        rb_cmp_stat s;
        rb_cmp_stats(c, type, l < L ? l : (size_t)-1, &s);
        if (s.rulebooks) {
            char num[8][32];
            snprintf(num[0], sizeof num[0], "%zu", s.rulebooks);
            snprintf(num[1], sizeof num[1], "%zu", s.n);
            snprintf(num[2], sizeof num[2], "%zu", s.unstated);
            double q[5] = {s.min, s.q1, s.median, s.q3, s.max};
            for (size_t k = 0; k < 5; k++) {
                if (s.n)
                    fmt_num(num[3 + k], sizeof num[3 + k], q[k]);
                else
                    snprintf(num[3 + k], sizeof num[3 + k], "—");
            }
            char *ot = outliers_text(c, &s);
            const char *cells[STAT_CELLS] = {l < L ? rb_cmp_level_name(l) : "all",
                                             num[0], num[1], num[2], num[3], num[4], num[5],
                                             num[6], num[7], ot};
            row(b, cells, STAT_CELLS, 1);
            free(ot);
        }
        rb_cmp_stat_free(&s);
    }
}

/* A crosstab: a row per value (its code, and its words when they differ), then (none found);
 * the rulebooks of each level present, then all. */
static void xtab_rows(const rb_cmp_xtab *x, const size_t *per, rb_buf *b, row_fn row)
{
    size_t L = rb_cmp_nlevels();
    const char **cells = rb_xmalloc((L + 2) * sizeof *cells);
    char(*num)[32] = rb_xmalloc((L + 1) * sizeof *num);
    for (size_t r = 0; r <= x->nrows; r++) {
        char *head = NULL;
        if (r < x->nrows && x->rows[r].words) {
            rb_buf hb;
            rb_buf_init(&hb);
            rb_buf_printf(&hb, "%s (%s)", x->rows[r].key, x->rows[r].words);
            head = rb_buf_detach(&hb);
        }
        size_t n = 0, tot = 0;
        cells[n++] = head ? head : r < x->nrows ? x->rows[r].key : "(none found)";
        for (size_t l = 0; l < L; l++)
            if (per[l]) {
                size_t v = r < x->nrows ? x->rows[r].count[l] : x->none[l];
                tot += v;
                snprintf(num[n - 1], sizeof num[n - 1], "%zu", v);
                cells[n] = num[n - 1];
                n++;
            }
        snprintf(num[n - 1], sizeof num[n - 1], "%zu", r < x->nrows ? x->rows[r].total : tot);
        cells[n] = num[n - 1];
        n++;
        row(b, cells, n, 0);
        free(head);
    }
    free(cells);
    free(num);
}

static void md_unmatched(const rb_cmp *c, rb_buf *b)
{
    rb_buf_puts(b, "\n## Sentences that look like a dimension but gave no fact\n\n"
                   "| rulebook | dimension | article | line | text |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < c->n; i++)
        for (size_t k = 0; k < c->rbs[i]->facts->nu; k++) {
            const rb_unmatched *u = &c->rbs[i]->facts->u[k];
            char sb[32];
            rb_buf_puts(b, "| ");
            rb_esc_md(b, c->labels[i]);
            rb_buf_puts(b, " | ");
            rb_esc_md(b, u->dim);
            rb_buf_printf(b, " | %s | %u | ", rb_cmp_sect(u->article, sb), u->line);
            rb_esc_md(b, u->text);
            rb_buf_puts(b, " |\n");
        }
}

static void md_wide(const rb_cmp *c, const rb_compare_opts *o, rb_buf *b)
{
    rb_buf_puts(b, "# Rulebook comparison\n\n");
    md_header(b, c, "");
    for (size_t m = 0; m < NMETA; m++) {
        rb_buf_printf(b, "| %s |", META_ROWS[m]);
        for (size_t i = 0; i < c->n; i++) {
            char *v = meta_value(c->rbs[i], m);
            rb_buf_puts(b, " ");
            rb_esc_md(b, v);
            rb_buf_puts(b, " |");
            free(v);
        }
        rb_buf_puts(b, "\n");
    }
    for (size_t d = 0; d < c->ndims; d++) {
        rb_cmp_table t;
        rb_cmp_table_build(c, d, &t);
        rb_buf_puts(b, "\n## ");
        rb_esc_md(b, c->dims[d].title);
        rb_buf_puts(b, "\n\n");
        md_header(b, c, c->dims[d].kind == RB_DIM_MEETINGS ? "type" : "");
        for (size_t i = 0; i < t.nrows; i++) {
            char *rt = row_title(&t.rows[i]);
            rb_buf_puts(b, "| ");
            rb_esc_md(b, rt);
            free(rt);
            rb_buf_puts(b, " |");
            for (size_t col = 0; col < c->n; col++) {
                rb_buf_puts(b, " ");
                for (size_t k = 0; k < t.rows[i].ncell[col]; k++) {
                    const rb_cmp_item *ci = &t.rows[i].cells[col][k];
                    char sb[32];
                    if (k)
                        rb_buf_puts(b, "<br>");
                    rb_esc_md(b, ci->text);
                    rb_buf_printf(b, " (%s)", rb_cmp_sect(ci->f->article, sb));
                }
                if (t.rows[i].ncell[col] == 0)
                    rb_buf_puts(b, "—");
                rb_buf_puts(b, " |");
            }
            rb_buf_puts(b, "\n");
        }
        rb_cmp_table_free(&t);
    }
    if (o->unmatched)
        md_unmatched(c, b);
}

static void md_summary(const rb_cmp *c, const rb_compare_opts *o, rb_buf *b)
{
    size_t L = rb_cmp_nlevels();
    rb_buf_printf(b, "# Rulebook comparison: %zu rulebooks\n\n| level | rulebooks |\n|---|---|\n",
                  c->n);
    size_t per[8] = {0};
    for (size_t i = 0; i < c->n; i++)
        per[rb_cmp_level_index(c->rbs[i]->level)]++;
    for (size_t l = 0; l < L; l++)
        if (per[l])
            rb_buf_printf(b, "| %s | %zu |\n", rb_cmp_level_name(l), per[l]);
    for (size_t t = 0; t < sizeof SUMMARY_TYPES / sizeof *SUMMARY_TYPES; t++) {
        if (!type_present(c, SUMMARY_TYPES[t]))
            continue;
        rb_buf_printf(b,
                      "\n## %s per year, by level\n\n"
                      "| level | rulebooks | with a frequency | no frequency stated | min | Q1 | "
                      "median | Q3 | max | outliers |\n|---|---|---|---|---|---|---|---|---|---|\n",
                      SUMMARY_TITLES[t]);
        stat_rows(c, SUMMARY_TYPES[t], b, md_row);
    }
    for (size_t qi = 0; qi < NQUERIES; qi++) {
        rb_cmp_xtab x;
        rb_cmp_crosstab(c, &QUERIES[qi], &x);
        rb_buf_printf(b, "\n## %s, by level (rulebooks)\n\n| |", QUERIES[qi].title);
        for (size_t l = 0; l < L; l++)
            if (per[l])
                rb_buf_printf(b, " %s |", rb_cmp_level_name(l));
        rb_buf_puts(b, " all |\n|---|");
        for (size_t l = 0; l < L; l++)
            if (per[l])
                rb_buf_puts(b, "---|");
        rb_buf_puts(b, "---|\n");
        xtab_rows(&x, per, b, md_row);
        rb_cmp_xtab_free(&x);
    }
    rb_buf_puts(b, "\n## Every fact\n\n| rulebook | level | date | dimension | row | value | "
                   "article |\n|---|---|---|---|---|---|---|\n");
    long_rows(c, b, md_long_row);
    if (o->unmatched)
        md_unmatched(c, b);
}

/* ---- HTML ---------------------------------------------------------------------------------------- */

static const char HTML_HEAD[] =
    "<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>Rulebook comparison</title>\n<style>\n"
    "body{font-family:system-ui,'Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;margin:2em;"
    "color:#222}\n"
    "table{border-collapse:collapse;margin:1em 0;font-size:13px}\n"
    "th,td{border:1px solid #bbb;padding:4px 6px;vertical-align:top;text-align:left}\n"
    "th{background:#eef}\n details{margin:2px 0} summary{cursor:pointer}\n"
    "blockquote{margin:4px 0 4px 10px;padding-left:8px;border-left:3px solid #ccc;color:#444}\n"
    ".loc{color:#777;font-size:11px} .num{text-align:right}\n"
    "th.sort{cursor:pointer} th.sort::after{content:' \\2195';color:#999}\n"
    "th[aria-sort=ascending]::after{content:' \\2191';color:#000}\n"
    "th[aria-sort=descending]::after{content:' \\2193';color:#000}\n"
    "</style>\n</head>\n<body>\n";

/* A self-check: after layout, record what rendered, so a headless browser run can tell a real
 * page from a blank one; with #selftest, the long table is also sorted and filtered as a reader
 * would (by its own click and input handlers) and the outcome recorded. */
static const char HTML_TAIL[] =
    "<script>\n"
    "function rbCell(tr,i){var c=tr.cells[i];return c?c.getAttribute('data-v')||c.textContent:''}\n"
    "function rbSort(th){var t=th.closest('table'),i=th.cellIndex,num=th.classList.contains('n'),"
    "dir=th.getAttribute('aria-sort')==='ascending'?-1:1;"
    "var hs=t.tHead.rows[0].cells;for(var k=0;k<hs.length;k++)hs[k].removeAttribute('aria-sort');"
    "th.setAttribute('aria-sort',dir>0?'ascending':'descending');"
    "var rows=Array.prototype.slice.call(t.tBodies[0].rows);rows.sort(function(a,b){"
    "var x=rbCell(a,i),y=rbCell(b,i);if(num){x=parseFloat(x);y=parseFloat(y);"
    "if(isNaN(x))x=-Infinity;if(isNaN(y))y=-Infinity;return dir*(x-y)}"
    "return dir*x.localeCompare(y)});var tb=t.tBodies[0];"
    "rows.forEach(function(r){tb.appendChild(r)})}\n"
    "function rbFilter(inp){var t=document.getElementById(inp.getAttribute('data-table')),"
    "q=inp.value.toLowerCase(),n=0,rows=t.tBodies[0].rows;for(var i=0;i<rows.length;i++){"
    "var ok=!q||rows[i].textContent.toLowerCase().indexOf(q)>=0;rows[i].hidden=!ok;if(ok)n++}"
    "var s=document.getElementById(inp.getAttribute('data-count'));if(s)s.textContent=n+' of '+"
    "rows.length+' shown'}\n"
    "document.querySelectorAll('th.sort').forEach(function(th){th.addEventListener('click',"
    "function(){rbSort(th)})});\n"
    "document.querySelectorAll('input.filter').forEach(function(inp){inp.addEventListener('input',"
    "function(){rbFilter(inp)})});\n"
    "window.addEventListener('load',function(){var t=document.querySelectorAll('table');var h=[];"
    "for(var i=0;i<t.length;i++)h.push(t[i].getBoundingClientRect().height|0);"
    "var s=document.querySelector('svg.chart');var r=s?s.getBoundingClientRect():null;"
    "var out={tables:t.length,heights:h,chart:r?[r.width|0,r.height|0]:null};"
    "var ft=document.getElementById('facts');"
    "if(ft&&location.hash.indexOf('#selftest')===0){var q=decodeURIComponent("
    "location.hash.slice(10))||'executive';"
    "var th=ft.tHead.rows[0].cells[ft.tHead.rows[0].cells.length-1];th.click();"
    "var v=[],rows=ft.tBodies[0].rows;for(var i=0;i<rows.length;i++)"
    "v.push(parseFloat(rbCell(rows[i],th.cellIndex)));var asc=true;"
    "for(var i=1;i<v.length;i++)if(v[i]<v[i-1])asc=false;th.click();var desc=true;"
    "for(var i=1;i<rows.length;i++)if(parseFloat(rbCell(rows[i],th.cellIndex))>"
    "parseFloat(rbCell(rows[i-1],th.cellIndex)))desc=false;"
    "var inp=document.getElementById('facts-filter');inp.value=q;"
    "inp.dispatchEvent(new Event('input'));var shown=0,bad=0;for(var i=0;i<rows.length;i++)"
    "if(!rows[i].hidden){shown++;if(rows[i].textContent.toLowerCase().indexOf(q.toLowerCase())<0)"
    "bad++}out.selftest={rows:rows.length,ascending:asc,descending:desc,filter:q,shown:shown,"
    "wrong:bad,count:document.getElementById('facts-count').textContent}}"
    "document.body.setAttribute('data-rendered',JSON.stringify(out));});\n"
    "</script>\n</body>\n</html>\n";

static void h(rb_buf *b, const char *s) { rb_esc_html(b, s); }

/* Bar chart of meetings per year: one group per rulebook (its label beside the group, a rule
 * under it), one bar per meeting type with a regular frequency, a range drawn solid to its
 * lower end and light to its upper end; an x axis with ticks, and a legend. */
static void svg_chart(rb_buf *b, const rb_cmp *c)
{
    static const char *const types[] = {"plenary", "executive", "office", "briefing", "special"};
    static const char *const colors[] = {"#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1"};
    const size_t NT = 5;
    double maxv = 1;
    for (size_t i = 0; i < c->n; i++)
        for (size_t k = 0; k < c->rbs[i]->facts->n; k++) {
            const rb_fact *f = &c->rbs[i]->facts->v[k];
            const char *mx = rb_fact_str(f, RB_F_PER_YEAR_MAX);
            double v;
            if (f->kind == RB_DIM_MEETINGS && mx && rb_json_number(mx, &v) == 0 && v > maxv)
                maxv = v;
        }
    /* a round axis end and 4-6 ticks */
    static const double steps[] = {1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000};
    double step = steps[0];
    for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
        step = steps[k];
        if (maxv / step <= 6)
            break;
    }
    double axis = step * (double)(long)((maxv + step - 1e-9) / step);
    if (axis < maxv)
        axis += step;
    const int W = 960, left = 220, right = 190, barh = 14, gap = 14, top = 56;
    const int plot = W - left - right;
    int H = top + (int)c->n * ((int)NT * barh + gap) + 40;
    rb_buf_printf(b,
                  "<svg class=\"chart\" id=\"meetings-chart\" xmlns=\"http://www.w3.org/2000/svg\" "
                  "width=\"%d\" height=\"%d\" role=\"img\" aria-labelledby=\"chart-title\">\n"
                  "<title id=\"chart-title\">Meetings per year by rulebook and meeting type</title>\n",
                  W, H);
    /* legend */
    for (size_t t = 0; t < NT; t++)
        rb_buf_printf(b,
                      "<rect x=\"%d\" y=\"8\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                      "<text x=\"%d\" y=\"18\" font-size=\"12\">%s</text>\n",
                      left + (int)t * 110, colors[t], left + (int)t * 110 + 16, types[t]);
    rb_buf_printf(b, "<text x=\"%d\" y=\"38\" font-size=\"11\" fill=\"#555\">light: the upper "
                     "end of a range (每年召开1―2次 = 1–2/yr)</text>\n",
                  left);
    int yend = top + (int)c->n * ((int)NT * barh + gap);
    for (double v = step; v <= axis + 1e-9; v += step) /* grid lines under the bars */
        rb_buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#eee\"/>\n",
                      left + v / axis * plot, left + v / axis * plot, top, yend);
    int y = top;
    for (size_t i = 0; i < c->n; i++) {
        int gh = (int)NT * barh;
        rb_buf_puts(b, "<g class=\"group\"><title>");
        h(b, c->labels[i]);
        rb_buf_puts(b, "</title>\n");
        rb_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\" "
                         "dominant-baseline=\"middle\">",
                      left - 8, y + gh / 2);
        h(b, c->labels[i]);
        rb_buf_puts(b, "</text>\n");
        for (size_t t = 0; t < NT; t++) {
            const rb_fact *hit = NULL;
            for (size_t k = 0; k < c->rbs[i]->facts->n; k++) {
                const rb_fact *f = &c->rbs[i]->facts->v[k];
                const char *ty = rb_fact_str(f, RB_F_TYPE);
                /* the fact of the type with a frequency per year, else the first */
                if (f->kind == RB_DIM_MEETINGS && ty && strcmp(ty, types[t]) == 0 &&
                    (!hit || (!rb_fact_str(hit, RB_F_PER_YEAR_MIN) &&
                              rb_fact_str(f, RB_F_PER_YEAR_MIN))))
                    hit = f;
            }
            int yy = y + (int)t * barh;
            const char *mn = hit ? rb_fact_str(hit, RB_F_PER_YEAR_MIN) : NULL;
            const char *mx = hit ? rb_fact_str(hit, RB_F_PER_YEAR_MAX) : NULL;
            double a, z;
            char sb[32];
            if (mn && mx && rb_json_number(mn, &a) == 0 && rb_json_number(mx, &z) == 0) {
                double sc = plot / axis;
                char *tx = rb_cmp_fact_text(hit);
                rb_buf_printf(b,
                              "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
                              "fill-opacity=\"0.35\"/>\n",
                              left, yy, z * sc, barh - 2, colors[t]);
                rb_buf_printf(b,
                              "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                              "<title>",
                              left, yy, a * sc, barh - 2, colors[t]);
                h(b, tx);
                rb_buf_puts(b, "</title></rect>\n");
                free(tx);
                rb_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\">%s ",
                              left + z * sc + 4, yy + barh - 4, types[t]);
                if (a == z)
                    rb_buf_printf(b, "%g/yr", a);
                else
                    rb_buf_printf(b, "%g–%g/yr", a, z);
                rb_buf_printf(b, " (%s)</text>\n", rb_cmp_sect(hit->article, sb));
            } else if (hit) {
                char *tx = rb_cmp_fact_text(hit);
                const char *colon = strstr(tx, ": ");
                rb_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#777\">%s: ",
                              left + 4, yy + barh - 4, types[t]);
                h(b, colon ? colon + 2 : tx);
                rb_buf_printf(b, " (%s)</text>\n", rb_cmp_sect(hit->article, sb));
                free(tx);
            }
        }
        rb_buf_printf(b,
                      "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#ddd\"/></g>\n",
                      20, W - 10, y + gh + gap / 2, y + gh + gap / 2);
        y += gh + gap;
    }
    /* x axis */
    rb_buf_printf(b, "<g class=\"axis\"><line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" "
                     "stroke=\"#333\"/>\n",
                  left, left + plot, y, y);
    for (double v = 0; v <= axis + 1e-9; v += step) {
        double x = left + v / axis * plot;
        rb_buf_printf(b,
                      "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
                      "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%g</text>\n",
                      x, x, y, y + 5, x, y + 17, v);
    }
    rb_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">meetings "
                     "per year</text></g>\n</svg>\n",
                  left + plot / 2, y + 34);
}

static void html_cell_item(rb_buf *b, const rb_rulebook *r, const rb_cmp_item *ci)
{
    char sb[32];
    rb_buf_puts(b, "<details><summary>");
    h(b, ci->text);
    rb_buf_printf(b, " (%s)</summary><blockquote>", rb_cmp_sect(ci->f->article, sb));
    h(b, ci->f->text);
    rb_buf_puts(b, "</blockquote><span class=\"loc\">");
    h(b, r->id);
    rb_buf_puts(b, ", ");
    h(b, ci->f->eid);
    rb_buf_printf(b, ", line %u</span></details>", ci->f->line);
}

static void html_label_row(rb_buf *b, const rb_cmp *c)
{
    rb_buf_puts(b, "<tr><th></th>");
    for (size_t i = 0; i < c->n; i++) {
        rb_buf_puts(b, "<th scope=\"col\">");
        h(b, c->labels[i]);
        rb_buf_puts(b, "</th>");
    }
    rb_buf_puts(b, "</tr>\n");
}

static void html_row(rb_buf *b, const char *const *cells, size_t n, int last_text)
{
    rb_buf_puts(b, "<tr><th scope=\"row\">");
    h(b, cells[0]);
    rb_buf_puts(b, "</th>");
    for (size_t i = 1; i < n; i++) {
        int text = last_text && i == n - 1;
        rb_buf_puts(b, text ? "<td>" : "<td class=\"num\">");
        h(b, cells[i]);
        rb_buf_puts(b, "</td>");
    }
    rb_buf_puts(b, "</tr>\n");
}

static void html_long_row(rb_buf *b, const rb_fact *f, const char *const cells[6])
{
    rb_buf_puts(b, "<tr>");
    for (size_t q = 0; q < 6; q++) {
        rb_buf_puts(b, "<td>");
        h(b, cells[q]);
        rb_buf_puts(b, "</td>");
    }
    const char *py = rb_fact_str(f, RB_F_PER_YEAR_MIN);
    double v;
    if (py && rb_json_number(py, &v) == 0)
        rb_buf_printf(b, "<td class=\"num\">%g</td>", v);
    else
        rb_buf_puts(b, "<td></td>");
    char sb[32];
    rb_buf_printf(b, "<td class=\"num\" data-v=\"%ld\">%s</td></tr>\n",
                  f->article > 0 ? f->article : 0, rb_cmp_sect(f->article, sb));
}

static void html_unmatched(const rb_cmp *c, rb_buf *b)
{
    rb_buf_puts(b, "<h2>Sentences that look like a dimension but gave no fact</h2>\n"
                   "<table id=\"unmatched\"><tr><th>rulebook</th><th>dimension</th>"
                   "<th>article</th><th>line</th><th>text</th></tr>\n");
    for (size_t i = 0; i < c->n; i++)
        for (size_t k = 0; k < c->rbs[i]->facts->nu; k++) {
            const rb_unmatched *u = &c->rbs[i]->facts->u[k];
            char sb[32];
            rb_buf_puts(b, "<tr><td>");
            h(b, c->labels[i]);
            rb_buf_puts(b, "</td><td>");
            h(b, u->dim);
            rb_buf_printf(b, "</td><td>%s</td><td>%u</td><td>", rb_cmp_sect(u->article, sb),
                          u->line);
            h(b, u->text);
            rb_buf_puts(b, "</td></tr>\n");
        }
    rb_buf_puts(b, "</table>\n");
}

static void html_wide(const rb_cmp *c, const rb_compare_opts *o, rb_buf *b)
{
    rb_buf_puts(b, HTML_HEAD);
    rb_buf_puts(b, "<h1>Rulebook comparison</h1>\n<p>Each cell gives a value in the words of its "
                   "rulebook, codes beside, and the article (§) it comes from; open it for the "
                   "article's words.</p>\n<table id=\"rulebooks\">");
    html_label_row(b, c);
    for (size_t m = 0; m < NMETA - 1; m++) { /* the facts count is not shown here */
        rb_buf_printf(b, "<tr><th scope=\"row\">%s</th>", META_ROWS[m]);
        for (size_t i = 0; i < c->n; i++) {
            char *v = meta_value(c->rbs[i], m);
            rb_buf_puts(b, "<td>");
            h(b, v);
            rb_buf_puts(b, "</td>");
            free(v);
        }
        rb_buf_puts(b, "</tr>\n");
    }
    rb_buf_puts(b, "</table>\n<h2>Meetings per year</h2>\n");
    svg_chart(b, c);
    for (size_t d = 0; d < c->ndims; d++) {
        rb_cmp_table t;
        rb_cmp_table_build(c, d, &t);
        rb_buf_puts(b, "<h2>");
        h(b, c->dims[d].title);
        rb_buf_puts(b, "</h2>\n<table id=\"dim-");
        h(b, c->dims[d].id);
        rb_buf_puts(b, "\">");
        html_label_row(b, c);
        for (size_t i = 0; i < t.nrows; i++) {
            char *rt = row_title(&t.rows[i]);
            rb_buf_puts(b, "<tr><th scope=\"row\">");
            h(b, rt);
            free(rt);
            rb_buf_puts(b, "</th>");
            for (size_t col = 0; col < c->n; col++) {
                rb_buf_puts(b, "<td>");
                for (size_t k = 0; k < t.rows[i].ncell[col]; k++)
                    html_cell_item(b, c->rbs[col], &t.rows[i].cells[col][k]);
                if (t.rows[i].ncell[col] == 0)
                    rb_buf_puts(b, "—");
                rb_buf_puts(b, "</td>");
            }
            rb_buf_puts(b, "</tr>\n");
        }
        rb_buf_puts(b, "</table>\n");
        rb_cmp_table_free(&t);
    }
    if (o->unmatched)
        html_unmatched(c, b);
    rb_buf_puts(b, HTML_TAIL);
}

static void html_summary(const rb_cmp *c, const rb_compare_opts *o, rb_buf *b)
{
    size_t L = rb_cmp_nlevels();
    size_t per[8] = {0};
    for (size_t i = 0; i < c->n; i++)
        per[rb_cmp_level_index(c->rbs[i]->level)]++;
    rb_buf_puts(b, HTML_HEAD);
    rb_buf_printf(b, "<h1>Rulebook comparison: %zu rulebooks</h1>\n<p>Distributions by "
                     "administrative level, then every fact in one table: click a heading to "
                     "sort, type to filter.</p>\n<table id=\"levels\"><tr><th>level</th>"
                     "<th>rulebooks</th></tr>\n",
                  c->n);
    for (size_t l = 0; l < L; l++)
        if (per[l])
            rb_buf_printf(b, "<tr><td>%s</td><td class=\"num\">%zu</td></tr>\n",
                          rb_cmp_level_name(l), per[l]);
    rb_buf_puts(b, "</table>\n");
    for (size_t t = 0; t < sizeof SUMMARY_TYPES / sizeof *SUMMARY_TYPES; t++) {
        if (!type_present(c, SUMMARY_TYPES[t]))
            continue;
        rb_buf_printf(b,
                      "<h2>%s per year, by level</h2>\n<table id=\"dist-%s\"><tr>"
                      "<th>level</th><th>rulebooks</th><th>with a frequency</th><th>no "
                      "frequency stated</th><th>min</th><th>Q1</th><th>median</th><th>Q3</th>"
                      "<th>max</th><th>outliers (beyond 1.5 IQR)</th></tr>\n",
                      SUMMARY_TITLES[t], SUMMARY_TYPES[t]);
        stat_rows(c, SUMMARY_TYPES[t], b, html_row);
        rb_buf_puts(b, "</table>\n");
    }
    for (size_t qi = 0; qi < NQUERIES; qi++) {
        rb_cmp_xtab x;
        rb_cmp_crosstab(c, &QUERIES[qi], &x);
        rb_buf_printf(b, "<h2>%s, by level (rulebooks)</h2>\n<table id=\"xtab-%zu\"><tr><th></th>",
                      QUERIES[qi].title, qi);
        for (size_t l = 0; l < L; l++)
            if (per[l])
                rb_buf_printf(b, "<th>%s</th>", rb_cmp_level_name(l));
        rb_buf_puts(b, "<th>all</th></tr>\n");
        xtab_rows(&x, per, b, html_row);
        rb_buf_puts(b, "</table>\n");
        rb_cmp_xtab_free(&x);
    }
    size_t nf = 0;
    for (size_t i = 0; i < c->n; i++)
        nf += c->rbs[i]->facts->n;
    rb_buf_printf(b,
                  "<h2>Every fact</h2>\n<p><label>Filter: <input class=\"filter\" "
                  "id=\"facts-filter\" type=\"search\" data-table=\"facts\" "
                  "data-count=\"facts-count\" placeholder=\"jurisdiction, level, role, …\">"
                  "</label> <span id=\"facts-count\">%zu of %zu shown</span></p>\n"
                  "<table id=\"facts\"><thead><tr><th class=\"sort\">rulebook</th>"
                  "<th class=\"sort\">level</th><th class=\"sort\">date</th>"
                  "<th class=\"sort\">dimension</th><th class=\"sort\">row</th>"
                  "<th class=\"sort\">value</th><th class=\"sort n\">per year</th>"
                  "<th class=\"sort n\">article</th></tr></thead>\n<tbody>\n",
                  nf, nf);
    long_rows(c, b, html_long_row);
    rb_buf_puts(b, "</tbody></table>\n");
    if (o->unmatched)
        html_unmatched(c, b);
    rb_buf_puts(b, HTML_TAIL);
}

void rb_compare_render(rb_rulebook *const *rbs, size_t n, const rb_compare_opts *o, rb_buf *out)
{
    rb_cmp c;
    rb_cmp_init(&c, rbs, n, o->grammar);
    switch (o->format) {
    case RB_FMT_JSON: render_json(&c, o, out); break;
    case RB_FMT_CSV: render_csv(&c, o, out); break;
    case RB_FMT_HTML:
        if (use_summary(&c, o))
            html_summary(&c, o, out);
        else
            html_wide(&c, o, out);
        break;
    default:
        if (use_summary(&c, o))
            md_summary(&c, o, out);
        else
            md_wide(&c, o, out);
        break;
    }
    rb_cmp_free(&c);
}
