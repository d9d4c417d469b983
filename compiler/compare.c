/* compare.c: the comparison stage. Rulebooks (documents just compiled, or compiled files read
 * back) -> the comparison model that render_compare.c prints:
 *
 *   - a label per rulebook that tells two versions of one jurisdiction apart (jurisdiction and
 *     date, with the id when that is not enough);
 *   - the dimensions in the order to show, each with the title its grammar gives;
 *   - one table per dimension: rows are what is compared ("minutes: executive"), columns the
 *     rulebooks, cells the facts, each with a text in the words of its rulebook (市长 (head));
 *   - for many rulebooks, distributions by administrative level: meetings per year (counts,
 *     quartiles and the outliers) and who-does-what cross tables.
 *
 * Nothing here formats a file: the renderers own the escaping and the layout. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- rulebooks ---------------------------------------------------------------------------------- */

static char *dup0(const char *s) { return s ? rb_xstrdup(s) : NULL; }

rb_rulebook *rb_rulebook_from_doc(rb_doc *d)
{
    rb_rulebook *r = rb_xcalloc(1, sizeof *r);
    r->id = dup0(d->id);
    r->title = dup0(d->title);
    r->jurisdiction = dup0(d->jurisdiction);
    r->level = dup0(d->level);
    r->script = rb_xstrdup(rb_script_name(d->view->script));
    r->date = dup0(d->date);
    r->docnumber = dup0(d->docnumber);
    r->file = dup0(d->name);
    r->chapters = d->nchapters;
    r->articles = d->narticles;
    rb_facts_settle(d->facts, d); /* (they outlive d) */
    r->facts = d->facts ? d->facts : rb_xcalloc(1, sizeof *r->facts);
    d->facts = NULL;
    return r;
}

void rb_rulebook_free(rb_rulebook *r)
{
    if (!r)
        return;
    free(r->id);
    free(r->title);
    free(r->jurisdiction);
    free(r->level);
    free(r->script);
    free(r->date);
    free(r->docnumber);
    free(r->file);
    rb_facts_free(r->facts);
    free(r);
}

const char *rb_cmp_sect(long article, char buf[32])
{
    if (article > 0)
        snprintf(buf, 32, "§%ld", article);
    else
        snprintf(buf, 32, "§?");
    return buf;
}

static const char *str_or(const char *s, const char *d) { return s && *s ? s : d; }

/* ---- labels and dimensions ------------------------------------------------------------------- */

/* 重庆市 2018-07-07; the id when there is no jurisdiction; the id added when two labels agree */
static char **make_labels(rb_rulebook *const *rbs, size_t n)
{
    char **v = rb_xmalloc((n ? n : 1) * sizeof *v);
    rb_buf b;
    for (size_t i = 0; i < n; i++) {
        rb_buf_init(&b);
        rb_buf_puts(&b, str_or(rbs[i]->jurisdiction, rbs[i]->id));
        if (rbs[i]->date && *rbs[i]->date)
            rb_buf_printf(&b, " %s", rbs[i]->date);
        else if (rbs[i]->jurisdiction && *rbs[i]->jurisdiction)
            rb_buf_printf(&b, " (%s)", rbs[i]->id);
        v[i] = rb_buf_detach(&b);
    }
    rb_smap seen = {0};
    for (size_t i = 0; i < n; i++) {
        int fresh = 0;
        (*rb_smap_slot(&seen, v[i], &fresh))++;
    }
    char **out = rb_xmalloc((n ? n : 1) * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        if (rb_smap_get(&seen, v[i]) > 1 && !strstr(v[i], rbs[i]->id)) {
            rb_buf_init(&b);
            rb_buf_printf(&b, "%s (%s)", v[i], rbs[i]->id);
            out[i] = rb_buf_detach(&b);
        } else {
            out[i] = rb_xstrdup(v[i]);
        }
    }
    rb_smap_free(&seen);
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    return out;
}

static const char *const DEFAULT_TITLES[RB_DIM_COUNT] = {
    [RB_DIM_MEETINGS] = "Meetings (frequency per year)",
    [RB_DIM_SIGNING] = "Signing authority (by document)",
    [RB_DIM_LEAVE] = "Leave (who asks whom)",
    [RB_DIM_DEADLINES] = "Deadlines and limits (by bound and unit)",
};

static void add_dim(rb_cmp *c, const char *id, const char *title)
{
    for (size_t i = 0; i < c->ndims; i++)
        if (strcmp(c->dims[i].id, id) == 0)
            return;
    RB_GROW(c->dims, c->ndims, c->cdims);
    rb_cmp_dim *d = &c->dims[c->ndims++];
    d->id = id;
    d->kind = rb_dim_of(id);
    d->title = title ? title : DEFAULT_TITLES[d->kind] ? DEFAULT_TITLES[d->kind] : id;
}

void rb_cmp_init(rb_cmp *c, rb_rulebook *const *rbs, size_t n, const rb_grammar *g)
{
    memset(c, 0, sizeof *c);
    c->rbs = rbs;
    c->n = n;
    c->labels = make_labels(rbs, n);
    const char **ids, **titles;
    size_t ng = rb_extract_dims(g, &ids, &titles);
    /* the four the tables are about first, then the grammar's order, then any others found */
    static const rb_dim first[] = {RB_DIM_MEETINGS, RB_DIM_SIGNING, RB_DIM_LEAVE,
                                   RB_DIM_DEADLINES};
    for (size_t k = 0; k < sizeof first / sizeof *first; k++) {
        const char *t = NULL;
        for (size_t i = 0; i < ng; i++)
            if (rb_dim_of(ids[i]) == first[k])
                t = titles[i];
        add_dim(c, rb_dim_id(first[k]), t);
    }
    for (size_t i = 0; i < ng; i++) {
        int has = 0; /* a grammar dimension no rulebook has a fact of is left out */
        for (size_t r = 0; r < n && !has; r++)
            for (size_t k = 0; k < rbs[r]->facts->n && !has; k++)
                has = strcmp(rbs[r]->facts->v[k].dim, ids[i]) == 0;
        if (has)
            add_dim(c, ids[i], titles[i]);
    }
    for (size_t r = 0; r < n; r++)
        for (size_t k = 0; k < rbs[r]->facts->n; k++)
            add_dim(c, rbs[r]->facts->v[k].dim, NULL);
}

void rb_cmp_free(rb_cmp *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->labels[i]);
    free(c->labels);
    free(c->dims);
    memset(c, 0, sizeof *c);
}

/* ---- the words of a fact --------------------------------------------------------------------- */

/* "市长 (head)": the item as the text says it and its code; the code alone without words */
static void item_with_words(rb_buf *b, const rb_field *x, size_t i)
{
    const char *w = rb_field_words(x, i);
    if (w && strcmp(w, x->items[i]) != 0)
        rb_buf_printf(b, "%s (%s)", w, x->items[i]);
    else
        rb_buf_puts(b, x->items[i]);
}

static void list_with_words(rb_buf *b, const rb_fact *f, const char *name, const char *sep)
{
    const rb_field *x = rb_fact_field(f, name);
    for (size_t i = 0; x && i < x->n; i++) {
        if (i)
            rb_buf_puts(b, sep);
        item_with_words(b, x, i);
    }
}

/* "3个工作日 (3 working_day)", or "3 working_day" without words */
static void amount_with_words(rb_buf *b, const rb_fact *f, const char *amount, const char *unit,
                              const char *amount_max)
{
    const rb_field *a = rb_fact_field(f, amount), *u = rb_fact_field(f, unit);
    const char *mx = amount_max ? rb_fact_str(f, amount_max) : NULL;
    rb_buf code;
    rb_buf_init(&code);
    rb_buf_printf(&code, "%s%s%s %s", a && a->n ? a->items[0] : "?", mx ? "-" : "", mx ? mx : "",
                  u && u->n ? u->items[0] : "?");
    if (a && a->words && u && u->words) {
        rb_buf_printf(b, "%s%s (%s)", a->words, u->words, code.data);
    } else {
        rb_buf_puts(b, code.data);
    }
    rb_buf_free(&code);
}

static const char *written_words(const char *v)
{
    if (!v)
        return NULL;
    if (strcmp(v, "written_or_oral") == 0)
        return "in writing or orally";
    if (strcmp(v, "written") == 0)
        return "in writing";
    return v; /* a value a grammar of one's own gives: as it is */
}

/* P1W weekly, P2W every 2 weeks, P0.5M twice a month… in words */
static void period_words(rb_buf *b, const char *count, const char *iso)
{
    double c = count ? atof(count) : 1;
    const char *cmax = count ? strchr(count + 1, '-') : NULL;
    if (cmax)
        rb_buf_printf(b, "%.*s–%s times", (int)(cmax - count), count, cmax + 1);
    else if (c == 1)
        rb_buf_puts(b, "once");
    else if (c == 2)
        rb_buf_puts(b, "twice");
    else
        rb_buf_printf(b, "%s times", count);
    double k = 0;
    char u = 0;
    if (!iso || sscanf(iso, "P%lf%c", &k, &u) != 2) {
        rb_buf_printf(b, " per %s", str_or(iso, "?"));
        return;
    }
    const char *unit = u == 'Y' ? "year" : u == 'M' ? "month" : u == 'W' ? "week" : "day";
    if (k == 1)
        rb_buf_printf(b, " a %s", unit);
    else if (k == 0.5)
        rb_buf_printf(b, " every half %s", unit);
    else
        rb_buf_printf(b, " every %g %ss", k, unit);
}

char *rb_cmp_fact_text(const rb_fact *f)
{
    rb_buf b;
    rb_buf_init(&b);
    switch (f->kind) {
    case RB_DIM_MEETINGS: {
        const char *kind = rb_fact_str(f, RB_F_KIND);
        rb_buf_printf(&b, "%s: ", str_or(rb_fact_str(f, RB_F_NAME), "?"));
        const char *mn = rb_fact_str(f, RB_F_PER_YEAR_MIN), *mx = rb_fact_str(f, RB_F_PER_YEAR_MAX);
        if (kind && strcmp(kind, "regular") == 0 && mn) {
            const char *cmin = rb_fact_str(f, RB_F_COUNT_MIN), *cmax = rb_fact_str(f, RB_F_COUNT_MAX);
            rb_buf cnt; /* any length: the counts of a compiled file are not cut */
            rb_buf_init(&cnt);
            if (cmin && cmax && strcmp(cmin, cmax) != 0)
                rb_buf_printf(&cnt, "%s-%s", cmin, cmax);
            else
                rb_buf_puts(&cnt, str_or(cmin, "1"));
            period_words(&b, rb_buf_cstr(&cnt), rb_fact_str(f, RB_F_PERIOD));
            rb_buf_free(&cnt);
            if (mx && strcmp(mn, mx) != 0)
                rb_buf_printf(&b, " = %s–%s/yr", mn, mx);
            else
                rb_buf_printf(&b, " = %s/yr", mn);
        } else if (kind && strcmp(kind, "as_needed") == 0) {
            rb_buf_puts(&b, "when needed");
        } else if (kind && strcmp(kind, "irregular") == 0) {
            rb_buf_puts(&b, "at irregular times");
        } else if (kind && strcmp(kind, "unstated") == 0) {
            rb_buf_puts(&b, "frequency not stated");
        } else if (kind && strcmp(kind, "relative") == 0) {
            const char *when = rb_fact_str(f, RB_F_WHEN);
            rb_buf_printf(&b, "held %s the ",
                          !when                  ? "around"
                          : strstr(when, "前")   ? "before"
                          : strstr(when, "后")   ? "after"
                                                 : when);
            list_with_words(&b, f, RB_F_RELATIVE_TO, ", ");
            rb_buf_puts(&b, " meeting");
        } else {
            rb_buf_puts(&b, str_or(f->value, str_or(kind, "?")));
        }
        break;
    }
    case RB_DIM_SIGNING:
        list_with_words(&b, f, RB_F_SIGNER, " or ");
        rb_buf_printf(&b, " %s", str_or(rb_fact_str(f, RB_F_VERB), "signs"));
        if (rb_fact_field(f, RB_F_REVIEWER)) {
            rb_buf_puts(&b, " after review by ");
            list_with_words(&b, f, RB_F_REVIEWER, ", ");
        }
        if (rb_fact_str(f, RB_F_CONDITION))
            rb_buf_printf(&b, " (if %s)", rb_fact_str(f, RB_F_CONDITION));
        break;
    case RB_DIM_LEAVE: {
        rb_buf_puts(&b, "→ ");
        if (rb_fact_field(f, RB_F_APPROVER))
            list_with_words(&b, f, RB_F_APPROVER, " or ");
        else
            rb_buf_puts(&b, "(no approver named)");
        if (rb_fact_str(f, RB_F_NOTICE_AMOUNT)) {
            rb_buf_puts(&b, ", ");
            amount_with_words(&b, f, RB_F_NOTICE_AMOUNT, RB_F_NOTICE_UNIT, NULL);
            rb_buf_puts(&b, " ahead");
        }
        if (rb_fact_str(f, RB_F_THRESHOLD_AMOUNT)) {
            rb_buf_puts(&b, ", when away over ");
            amount_with_words(&b, f, RB_F_THRESHOLD_AMOUNT, RB_F_THRESHOLD_UNIT, NULL);
        }
        const rb_field *w = rb_fact_field(f, RB_F_WRITTEN);
        if (w && w->n) {
            rb_buf_printf(&b, ", %s", written_words(w->items[0]));
            if (w->words)
                rb_buf_printf(&b, " (%s)", w->words);
        }
        break;
    }
    case RB_DIM_DEADLINES: {
        amount_with_words(&b, f, RB_F_AMOUNT, RB_F_UNIT, RB_F_AMOUNT_MAX);
        const char *act = rb_fact_str(f, RB_F_ACTION);
        if (act && *act)
            rb_buf_printf(&b, " — %s", act);
        break;
    }
    default: /* a dimension of the grammar's own: its fields, items with their words */
        for (size_t i = 0; i < f->nfields; i++) {
            if (i)
                rb_buf_puts(&b, "; ");
            rb_buf_printf(&b, "%s: ", f->fields[i].name);
            list_with_words(&b, f, f->fields[i].name, ", ");
        }
        if (!f->nfields)
            rb_buf_puts(&b, str_or(f->value, ""));
    }
    return rb_buf_detach(&b);
}

/* ---- tables ---------------------------------------------------------------------------------- */

static rb_cmp_row *table_row(rb_cmp_table *t, const char *key)
{
    for (size_t i = 0; i < t->nrows; i++)
        if (strcmp(t->rows[i].key, key) == 0)
            return &t->rows[i];
    RB_GROW(t->rows, t->nrows, t->crows);
    rb_cmp_row *r = &t->rows[t->nrows++];
    memset(r, 0, sizeof *r);
    r->key = rb_xstrdup(key);
    r->cells = rb_xcalloc(t->ncols ? t->ncols : 1, sizeof *r->cells);
    r->ncell = rb_xcalloc(t->ncols ? t->ncols : 1, sizeof *r->ncell);
    return r;
}

/* Add w to a ", "-separated list of distinct words; 1 when it was not there. */
static int add_words(char **list, const char *w)
{
    if (!w || !*w)
        return 0;
    if (*list) {
        size_t l = strlen(w);
        for (const char *p = *list; (p = strstr(p, w)) != NULL; p += l)
            if ((p == *list || p[-1] == ' ') && (p[l] == ',' || p[l] == 0))
                return 0;
        char *nw = rb_xmalloc(strlen(*list) + l + 3);
        sprintf(nw, "%s, %s", *list, w);
        free(*list);
        *list = nw;
    } else {
        *list = rb_xstrdup(w);
    }
    return 1;
}

static void table_add(rb_cmp_table *t, const char *key, const char *words, size_t col,
                      const rb_fact *f)
{
    rb_cmp_row *r = table_row(t, key);
    add_words(&r->words, words);
    r->cells[col] = rb_xrealloc(r->cells[col], (r->ncell[col] + 1) * sizeof *r->cells[col]);
    r->cells[col][r->ncell[col]++] = (rb_cmp_item){f, rb_cmp_fact_text(f)};
}

void rb_cmp_table_free(rb_cmp_table *t)
{
    for (size_t i = 0; i < t->nrows; i++) {
        for (size_t c = 0; c < t->ncols; c++) {
            for (size_t k = 0; k < t->rows[i].ncell[c]; k++)
                free(t->rows[i].cells[c][k].text);
            free(t->rows[i].cells[c]);
        }
        free(t->rows[i].cells);
        free(t->rows[i].ncell);
        free(t->rows[i].key);
        free(t->rows[i].words);
    }
    free(t->rows);
    memset(t, 0, sizeof *t);
}

static const char *const MEETING_TYPES[] = {"plenary", "executive", "office", "briefing",
                                            "special", "other"};

/* The row keys a fact goes under: each with the words of its role, when the key is one. */
typedef void (*key_fn)(void *ud, const char *key, const char *words);

/* put the key "a: b", at any length (a compiled file may give long values; a cut key could
 * put two rows under one, or end inside a character) */
static void put2(key_fn put, void *ud, const char *a, const char *b, const char *words)
{
    char k[256];
    size_t la = strlen(a), lb = strlen(b);
    char *p = la + lb + 3 <= sizeof k ? k : rb_xmalloc(la + lb + 3);
    memcpy(p, a, la);
    memcpy(p + la, ": ", 2);
    memcpy(p + la + 2, b, lb + 1);
    put(ud, p, words);
    if (p != k)
        free(p);
}

static void fact_keys(const rb_fact *f, key_fn put, void *ud)
{
    switch (f->kind) {
    case RB_DIM_MEETINGS:
        put(ud, str_or(rb_fact_str(f, RB_F_TYPE), "other"), NULL);
        return;
    case RB_DIM_SIGNING: {
        const rb_field *doc = rb_fact_field(f, RB_F_DOCUMENT);
        const rb_field *dir = rb_fact_field(f, RB_F_DIRECTION);
        const rb_field *mt = rb_fact_field(f, RB_F_MEETINGS);
        size_t nd = doc && doc->n ? doc->n : 1;
        for (size_t a = 0; a < nd; a++) {
            const char *dk = doc && doc->n ? doc->items[a] : "unclassified";
            const rb_field *sub = strcmp(dk, "minutes") == 0 ? mt
                                  : strcmp(dk, "government") == 0 ||
                                          strcmp(dk, "general_office") == 0
                                      ? dir
                                      : NULL;
            if (!sub || sub->n == 0) {
                put(ud, dk, NULL);
                continue;
            }
            for (size_t q = 0; q < sub->n; q++) {
                put2(put, ud, dk, sub->items[q], NULL);
            }
        }
        return;
    }
    case RB_DIM_LEAVE: {
        const rb_field *who = rb_fact_field(f, RB_F_WHO);
        size_t nw = who && who->n ? who->n : 1;
        for (size_t q = 0; q < nw; q++) {
            put2(put, ud, str_or(rb_fact_str(f, RB_F_OCCASION), "?"),
                 who && who->n ? who->items[q] : "anyone",
                 who && who->n ? rb_field_words(who, q) : NULL);
        }
        return;
    }
    case RB_DIM_DEADLINES:
        put2(put, ud, str_or(rb_fact_str(f, RB_F_BOUND), "?"),
             str_or(rb_fact_str(f, RB_F_UNIT), "?"), NULL);
        return;
    default:
        put(ud, f->rule, NULL);
    }
}

typedef struct add_ctx {
    rb_cmp_table *t;
    size_t col;
    const rb_fact *f;
} add_ctx;

static void add_key(void *ud, const char *key, const char *words)
{
    add_ctx *a = ud;
    table_add(a->t, key, words, a->col, a->f);
}

void rb_cmp_table_build(const rb_cmp *c, size_t dim, rb_cmp_table *t)
{
    memset(t, 0, sizeof *t);
    t->ncols = c->n;
    const rb_cmp_dim *D = &c->dims[dim];
    if (D->kind == RB_DIM_MEETINGS)
        for (size_t i = 0; i < sizeof MEETING_TYPES / sizeof *MEETING_TYPES; i++)
            table_row(t, MEETING_TYPES[i]);
    for (size_t col = 0; col < c->n; col++)
        for (size_t k = 0; k < c->rbs[col]->facts->n; k++) {
            const rb_fact *f = &c->rbs[col]->facts->v[k];
            if (strcmp(f->dim, D->id) != 0)
                continue;
            add_ctx a = {t, col, f};
            fact_keys(f, add_key, &a);
        }
}

typedef struct first_ctx {
    char *key;
} first_ctx;

static void first_key(void *ud, const char *key, const char *words)
{
    (void)words;
    first_ctx *a = ud;
    if (!a->key)
        a->key = rb_xstrdup(key);
}

char *rb_cmp_fact_key(const rb_fact *f)
{
    first_ctx a = {NULL};
    fact_keys(f, first_key, &a);
    return a.key ? a.key : rb_xstrdup("");
}

/* ---- distributions (many rulebooks) ------------------------------------------------------------ */

static const char *const LEVELS[] = {"province", "city", "county", "district", NULL};
#define NLEVELS 5 /* the four and "unknown" */

size_t rb_cmp_level_index(const char *level)
{
    for (size_t i = 0; LEVELS[i]; i++)
        if (level && strcmp(level, LEVELS[i]) == 0)
            return i;
    return NLEVELS - 1;
}

const char *rb_cmp_level_name(size_t i) { return i < NLEVELS - 1 ? LEVELS[i] : "unknown"; }

size_t rb_cmp_nlevels(void) { return NLEVELS; }

/* The regular meetings per year (the lower end of a range) of a rulebook's meeting type, or a
 * negative number: -1 when the type is there without a frequency, -2 when it is absent. */
double rb_cmp_meetings_per_year(const rb_rulebook *r, const char *type)
{
    double v = -2;
    for (size_t k = 0; k < r->facts->n; k++) {
        const rb_fact *f = &r->facts->v[k];
        const char *t = rb_fact_str(f, RB_F_TYPE);
        if (f->kind != RB_DIM_MEETINGS || !t || strcmp(t, type) != 0)
            continue;
        const char *mn = rb_fact_str(f, RB_F_PER_YEAR_MIN);
        double x;
        if (mn && rb_json_number(mn, &x) == 0 && (v < 0 || x < v))
            v = x;
        else if (v < -1)
            v = -1;
    }
    return v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* the p-quantile of sorted v[0..n) (linear between order statistics) */
static double quantile(const double *v, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
}

void rb_cmp_stats(const rb_cmp *c, const char *type, size_t level, rb_cmp_stat *s)
{
    memset(s, 0, sizeof *s);
    double *v = rb_xmalloc((c->n ? c->n : 1) * sizeof *v);
    size_t *who = rb_xmalloc((c->n ? c->n : 1) * sizeof *who);
    for (size_t i = 0; i < c->n; i++) {
        if (level != (size_t)-1 && rb_cmp_level_index(c->rbs[i]->level) != level)
            continue;
        s->rulebooks++;
        double x = rb_cmp_meetings_per_year(c->rbs[i], type);
        if (x == -1)
            s->unstated++;
        else if (x >= 0) {
            who[s->n] = i;
            v[s->n++] = x;
        }
    }
    if (s->n) {
        double *sorted = rb_xmalloc(s->n * sizeof *sorted);
        memcpy(sorted, v, s->n * sizeof *sorted);
        qsort(sorted, s->n, sizeof *sorted, cmp_double);
        s->min = sorted[0];
        s->max = sorted[s->n - 1];
        s->q1 = quantile(sorted, s->n, 0.25);
        s->median = quantile(sorted, s->n, 0.5);
        s->q3 = quantile(sorted, s->n, 0.75);
        double iqr = s->q3 - s->q1, lo = s->q1 - 1.5 * iqr, hi = s->q3 + 1.5 * iqr;
        s->outliers = rb_xmalloc(s->n * sizeof *s->outliers);
        s->outlier_values = rb_xmalloc(s->n * sizeof *s->outlier_values);
        for (size_t k = 0; k < s->n; k++)
            if (v[k] < lo || v[k] > hi) {
                s->outlier_values[s->nout] = v[k];
                s->outliers[s->nout++] = who[k];
            }
        free(sorted);
    }
    free(v);
    free(who);
}

void rb_cmp_stat_free(rb_cmp_stat *s)
{
    free(s->outliers);
    free(s->outlier_values);
    memset(s, 0, sizeof *s);
}

/* what a cross table counts: the values of one field of the facts a selector picks */
static int picks(const rb_fact *f, rb_dim kind, const char *sel_field, const char *sel_value)
{
    if (f->kind != kind)
        return 0;
    if (!sel_field)
        return 1;
    const rb_field *x = rb_fact_field(f, sel_field);
    for (size_t i = 0; x && i < x->n; i++)
        if (strcmp(x->items[i], sel_value) == 0)
            return 1;
    return 0;
}

void rb_cmp_crosstab(const rb_cmp *c, const rb_cmp_query *q, rb_cmp_xtab *t)
{
    memset(t, 0, sizeof *t);
    rb_smap rows = {0};
    for (size_t i = 0; i < c->n; i++) {
        const rb_facts *fs = c->rbs[i]->facts;
        size_t lv = rb_cmp_level_index(c->rbs[i]->level);
        t->rulebooks[lv]++;
        int any = 0;
        for (size_t k = 0; k < fs->n; k++) {
            const rb_fact *f = &fs->v[k];
            if (!picks(f, q->kind, q->sel_field, q->sel_value) ||
                (q->sel2_field && !picks(f, q->kind, q->sel2_field, q->sel2_value)))
                continue;
            const rb_field *x = rb_fact_field(f, q->field);
            for (size_t j = 0; x && j < x->n; j++) {
                int fresh = 0;
                size_t *slot = rb_smap_slot(&rows, x->items[j], &fresh);
                if (fresh) {
                    RB_GROW(t->rows, t->nrows, t->crows);
                    rb_cmp_xrow *r = &t->rows[t->nrows];
                    memset(r, 0, sizeof *r);
                    r->key = x->items[j];
                    *slot = t->nrows++;
                }
                rb_cmp_xrow *r = &t->rows[*slot];
                if (r->nwords < 4 && add_words(&r->words, rb_field_words(x, j)))
                    r->nwords++;
                if (r->last != i + 1) { /* a rulebook counts once per row */
                    r->last = i + 1;
                    r->count[lv]++;
                    r->total++;
                }
                any = 1;
            }
        }
        if (!any)
            t->none[lv]++;
    }
    rb_smap_free(&rows);
    /* the most frequent first */
    for (size_t i = 1; i < t->nrows; i++)
        for (size_t j = i; j > 0 && t->rows[j].total > t->rows[j - 1].total; j--) {
            rb_cmp_xrow tmp = t->rows[j];
            t->rows[j] = t->rows[j - 1];
            t->rows[j - 1] = tmp;
        }
}

void rb_cmp_xtab_free(rb_cmp_xtab *t)
{
    for (size_t i = 0; i < t->nrows; i++)
        free(t->rows[i].words);
    free(t->rows);
    memset(t, 0, sizeof *t);
}
