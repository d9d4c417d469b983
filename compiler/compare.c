/* compare.c: the comparison stage. Rulebooks with their facts -> one comparison across
 * jurisdictions, as JSON (the contract in README.md), CSV (RFC 4180, one row per fact),
 * Markdown (one table per dimension, jurisdictions as columns, cells "value (§N)") or a
 * self-contained HTML page (the same tables with the article text on demand, and an inline SVG
 * chart of meetings per year). Every cell names the article it came from. */
#include "internal.h"

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

static const char *label(const rb_rulebook *r)
{
    return r->jurisdiction ? r->jurisdiction : r->id;
}

/* "§12", or "§?" for the tail of an article whose number the text does not show (0). */
static const char *sect(long article, char buf[32])
{
    if (article > 0)
        snprintf(buf, 32, "§%ld", article);
    else
        snprintf(buf, 32, "§?");
    return buf;
}

/* JSON: the article number, or null when unknown. */
static void js_article(rb_buf *b, long article)
{
    if (article > 0)
        rb_buf_printf(b, "%ld", article);
    else
        rb_buf_puts(b, "null");
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static void js_str(rb_buf *b, const char *s)
{
    if (!s)
        rb_buf_puts(b, "null");
    else
        rb_buf_json_str(b, s, strlen(s));
}

static void js_key(rb_buf *b, const char *k, int *first)
{
    if (!*first)
        rb_buf_puts(b, ", ");
    *first = 0;
    js_str(b, k);
    rb_buf_puts(b, ": ");
}

/* A field as JSON: null, a number, a string, or a list. */
static void js_field(rb_buf *b, const rb_fact *f, const char *name, int force_list)
{
    const rb_field *x = rb_fact_field(f, name);
    if (!x || x->n == 0) {
        rb_buf_puts(b, force_list ? "[]" : "null");
        return;
    }
    int list = x->list || force_list;
    if (list)
        rb_buf_puts(b, "[");
    for (size_t i = 0; i < x->n; i++) {
        if (i)
            rb_buf_puts(b, ", ");
        if (x->number)
            rb_buf_puts(b, x->items[i]);
        else
            js_str(b, x->items[i]);
        if (!list)
            break;
    }
    if (list)
        rb_buf_puts(b, "]");
}

static void js_common(rb_buf *b, const rb_rulebook *r, const rb_fact *f, int *first)
{
    js_key(b, "rulebook", first);
    js_str(b, r->id);
    js_key(b, "article", first);
    js_article(b, f->article);
    js_key(b, "eid", first);
    js_str(b, f->eid);
    js_key(b, "line", first);
    rb_buf_printf(b, "%u", f->line);
    js_key(b, "column", first);
    rb_buf_printf(b, "%u", f->col);
    js_key(b, "text", first);
    js_str(b, f->text);
    js_key(b, "text_normalized", first);
    js_str(b, f->norm);
    js_key(b, "value", first);
    js_str(b, f->value);
    js_key(b, "rule", first);
    js_str(b, f->rule);
}

/* Remaining fields not already written, with the words they came from. */
static void js_rest(rb_buf *b, const rb_fact *f, const char *const *done, int *first)
{
    for (size_t i = 0; i < f->nfields; i++) {
        const rb_field *x = &f->fields[i];
        int skip = 0;
        for (size_t k = 0; done[k]; k++)
            if (strcmp(done[k], x->name) == 0)
                skip = 1;
        if (!skip) {
            js_key(b, x->name, first);
            js_field(b, f, x->name, 0);
        }
    }
    for (size_t i = 0; i < f->nfields; i++) {
        const rb_field *x = &f->fields[i];
        if (!x->words)
            continue;
        char k[96];
        snprintf(k, sizeof k, "%s_words", x->name);
        js_key(b, k, first);
        js_str(b, x->words);
    }
}

static const char *const MEETING_DONE[] = {"type", "name", "kind", "count_min", "count_max",
                                           "period", "per_year_min", "per_year_max", 0};
static const char *const SIGNING_DONE[] = {"document", "signer", "reviewer", "verb",
                                           "condition", 0};
static const char *const LEAVE_DONE[] = {"occasion", "who", "approver", "notice_amount",
                                         "notice_unit", 0};
static const char *const DEADLINE_DONE[] = {"action", "amount", "unit", "bound", 0};
static const char *const NONE_DONE[] = {0};

static void js_fact(rb_buf *b, const rb_rulebook *r, const rb_fact *f)
{
    int first = 1;
    rb_buf_puts(b, "{");
    const char *const *done = NONE_DONE;
    if (f->kind == RB_DIM_MEETINGS) {
        done = MEETING_DONE;
        js_key(b, "type", &first);
        js_field(b, f, "type", 0);
        js_key(b, "name", &first);
        js_field(b, f, "name", 0);
        js_key(b, "frequency", &first);
        int ff = 1;
        rb_buf_puts(b, "{");
        static const char *const fk[] = {"kind", "count_min", "count_max", "period",
                                         "per_year_min", "per_year_max"};
        for (size_t i = 0; i < 6; i++) {
            js_key(b, fk[i], &ff);
            js_field(b, f, fk[i], 0);
        }
        rb_buf_puts(b, "}");
    } else if (f->kind == RB_DIM_SIGNING) {
        done = SIGNING_DONE;
        static const char *const k[] = {"document", "signer", "reviewer"};
        for (size_t i = 0; i < 3; i++) {
            js_key(b, k[i], &first);
            js_field(b, f, k[i], 1);
        }
        js_key(b, "verb", &first);
        js_field(b, f, "verb", 0);
        js_key(b, "condition", &first);
        js_field(b, f, "condition", 0);
    } else if (f->kind == RB_DIM_LEAVE) {
        done = LEAVE_DONE;
        js_key(b, "occasion", &first);
        js_field(b, f, "occasion", 0);
        js_key(b, "who", &first);
        js_field(b, f, "who", 1);
        js_key(b, "approver", &first);
        js_field(b, f, "approver", 1);
        js_key(b, "notice_amount", &first);
        js_field(b, f, "notice_amount", 0);
        js_key(b, "notice_unit", &first);
        js_field(b, f, "notice_unit", 0);
    } else if (f->kind == RB_DIM_DEADLINES) {
        done = DEADLINE_DONE;
        static const char *const k[] = {"action", "amount", "unit", "bound"};
        for (size_t i = 0; i < 4; i++) {
            js_key(b, k[i], &first);
            js_field(b, f, k[i], 0);
        }
    }
    js_common(b, r, f, &first);
    js_rest(b, f, done, &first);
    rb_buf_puts(b, "}");
}

/* Dimension ids in the order to show: the four built-in ones, then the others as found. */
static size_t dims_of(rb_rulebook *const *rbs, size_t n, const char ***out)
{
    static const char *const builtin[] = {"meetings", "signing", "leave", "deadlines"};
    const char **v = rb_xmalloc(sizeof *v * 4);
    size_t nd = 0, cap = 4;
    for (size_t i = 0; i < 4; i++)
        v[nd++] = builtin[i];
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < rbs[i]->facts->n; k++) {
            const char *dm = rbs[i]->facts->v[k].dim;
            size_t j = 0;
            while (j < nd && strcmp(v[j], dm) != 0)
                j++;
            if (j == nd) {
                if (nd == cap)
                    v = rb_xrealloc(v, (cap *= 2) * sizeof *v);
                v[nd++] = dm;
            }
        }
    *out = v;
    return nd;
}

static void render_json(rb_rulebook *const *rbs, size_t n, const rb_compare_opts *o, rb_buf *b)
{
    rb_buf_puts(b, "{\"rulebooks\": [");
    for (size_t i = 0; i < n; i++) {
        const rb_rulebook *r = rbs[i];
        int first = 1;
        rb_buf_puts(b, i ? ",\n  {" : "\n  {");
        js_key(b, "id", &first);
        js_str(b, r->id);
        js_key(b, "title", &first);
        js_str(b, r->title);
        js_key(b, "jurisdiction", &first);
        js_str(b, r->jurisdiction);
        js_key(b, "level", &first);
        js_str(b, r->level);
        js_key(b, "script", &first);
        js_str(b, r->script);
        js_key(b, "date", &first);
        js_str(b, r->date);
        js_key(b, "document_number", &first);
        js_str(b, r->docnumber);
        js_key(b, "chapters", &first);
        rb_buf_printf(b, "%zu", r->chapters);
        js_key(b, "articles", &first);
        rb_buf_printf(b, "%zu", r->articles);
        js_key(b, "facts", &first);
        rb_buf_printf(b, "%zu", r->facts->n);
        rb_buf_puts(b, "}");
    }
    rb_buf_puts(b, "]");
    const char **dims;
    size_t nd = dims_of(rbs, n, &dims);
    for (size_t d = 0; d < nd; d++) {
        rb_buf_puts(b, ",\n ");
        js_str(b, dims[d]);
        rb_buf_puts(b, ": [");
        int any = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < rbs[i]->facts->n; k++) {
                const rb_fact *f = &rbs[i]->facts->v[k];
                if (strcmp(f->dim, dims[d]) != 0)
                    continue;
                rb_buf_puts(b, any ? ",\n  " : "\n  ");
                js_fact(b, rbs[i], f);
                any = 1;
            }
        rb_buf_puts(b, "]");
    }
    free(dims);
    if (o->unmatched) {
        rb_buf_puts(b, ",\n \"unmatched\": [");
        int any = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < rbs[i]->facts->nu; k++) {
                const rb_unmatched *u = &rbs[i]->facts->u[k];
                int first = 1;
                rb_buf_puts(b, any ? ",\n  {" : "\n  {");
                js_key(b, "rulebook", &first);
                js_str(b, rbs[i]->id);
                js_key(b, "dimension", &first);
                js_str(b, u->dim);
                js_key(b, "article", &first);
                js_article(b, u->article);
                js_key(b, "eid", &first);
                js_str(b, u->eid);
                js_key(b, "line", &first);
                rb_buf_printf(b, "%u", u->line);
                js_key(b, "text", &first);
                js_str(b, u->text);
                rb_buf_puts(b, "}");
                any = 1;
            }
        rb_buf_puts(b, "]");
    }
    rb_buf_puts(b, "}\n");
}

/* ---- CSV ------------------------------------------------------------------------------------- */

static void csv_cell(rb_buf *b, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        rb_buf_puts(b, s);
        return;
    }
    rb_buf_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            rb_buf_putc(b, '"');
        rb_buf_putc(b, *p);
    }
    rb_buf_putc(b, '"');
}

static char *field_joined(const rb_fact *f, const char *name)
{
    const rb_field *x = rb_fact_field(f, name);
    if (!x)
        return NULL;
    rb_buf b;
    rb_buf_init(&b);
    for (size_t i = 0; i < x->n; i++) {
        if (i)
            rb_buf_puts(&b, "; ");
        rb_buf_puts(&b, x->items[i]);
    }
    return rb_buf_detach(&b);
}

static void render_csv(rb_rulebook *const *rbs, size_t n, const rb_compare_opts *o, rb_buf *b)
{
    if (o->bom)
        rb_buf_puts(b, "\xEF\xBB\xBF");
    /* union of field names, in order of first appearance */
    const char **cols = NULL;
    size_t nc = 0;
    const char **dims;
    size_t nd = dims_of(rbs, n, &dims);
    for (size_t d = 0; d < nd; d++)
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < rbs[i]->facts->n; k++) {
                const rb_fact *f = &rbs[i]->facts->v[k];
                if (strcmp(f->dim, dims[d]) != 0)
                    continue;
                for (size_t q = 0; q < f->nfields; q++) {
                    size_t j = 0;
                    while (j < nc && strcmp(cols[j], f->fields[q].name) != 0)
                        j++;
                    if (j == nc) {
                        cols = rb_xrealloc(cols, (nc + 1) * sizeof *cols);
                        cols[nc++] = f->fields[q].name;
                    }
                }
            }
    static const char *const fixed[] = {"rulebook", "jurisdiction", "dimension", "article", "eid",
                                        "line",     "column",       "rule",      "value",   "text"};
    for (size_t i = 0; i < 10; i++) {
        if (i)
            rb_buf_putc(b, ',');
        rb_buf_puts(b, fixed[i]);
    }
    for (size_t j = 0; j < nc; j++) {
        rb_buf_putc(b, ',');
        csv_cell(b, cols[j]);
    }
    rb_buf_puts(b, "\r\n");
    for (size_t d = 0; d < nd; d++)
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < rbs[i]->facts->n; k++) {
                const rb_fact *f = &rbs[i]->facts->v[k];
                if (strcmp(f->dim, dims[d]) != 0)
                    continue;
                char num[32];
                csv_cell(b, rbs[i]->id);
                rb_buf_putc(b, ',');
                csv_cell(b, rbs[i]->jurisdiction);
                rb_buf_putc(b, ',');
                csv_cell(b, f->dim);
                rb_buf_putc(b, ',');
                if (f->article > 0) { /* empty when unknown */
                    snprintf(num, sizeof num, "%ld", f->article);
                    csv_cell(b, num);
                }
                rb_buf_putc(b, ',');
                csv_cell(b, f->eid);
                snprintf(num, sizeof num, ",%u,%u,", f->line, f->col);
                rb_buf_puts(b, num);
                csv_cell(b, f->rule);
                rb_buf_putc(b, ',');
                csv_cell(b, f->value);
                rb_buf_putc(b, ',');
                csv_cell(b, f->text);
                for (size_t j = 0; j < nc; j++) {
                    rb_buf_putc(b, ',');
                    char *v = field_joined(f, cols[j]);
                    csv_cell(b, v);
                    free(v);
                }
                rb_buf_puts(b, "\r\n");
            }
    if (o->unmatched)
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < rbs[i]->facts->nu; k++) {
                const rb_unmatched *u = &rbs[i]->facts->u[k];
                char num[64];
                csv_cell(b, rbs[i]->id);
                rb_buf_putc(b, ',');
                csv_cell(b, rbs[i]->jurisdiction);
                rb_buf_puts(b, ",unmatched:");
                csv_cell(b, u->dim);
                if (u->article > 0)
                    snprintf(num, sizeof num, ",%ld,", u->article);
                else
                    snprintf(num, sizeof num, ",,");
                rb_buf_puts(b, num);
                csv_cell(b, u->eid);
                snprintf(num, sizeof num, ",%u,,,,", u->line);
                rb_buf_puts(b, num);
                csv_cell(b, u->text);
                for (size_t j = 0; j < nc; j++)
                    rb_buf_putc(b, ',');
                rb_buf_puts(b, "\r\n");
            }
    free(cols);
    free(dims);
}

/* ---- tables (Markdown and HTML share the row model) -------------------------------------------- */

typedef struct cell_item {
    const rb_fact *f;
    char *text; /* what the cell shows for this fact, before " (§N)" */
} cell_item;

typedef struct row {
    char *key;
    cell_item **cells; /* [rulebook][k] */
    size_t *ncell;
} row;

typedef struct table {
    row *rows;
    size_t nrows;
    size_t ncols;
} table;

static row *table_row(table *t, const char *key)
{
    for (size_t i = 0; i < t->nrows; i++)
        if (strcmp(t->rows[i].key, key) == 0)
            return &t->rows[i];
    t->rows = rb_xrealloc(t->rows, (t->nrows + 1) * sizeof *t->rows);
    row *r = &t->rows[t->nrows++];
    r->key = rb_xstrdup(key);
    r->cells = rb_xcalloc(t->ncols, sizeof *r->cells);
    r->ncell = rb_xcalloc(t->ncols, sizeof *r->ncell);
    return r;
}

static void table_add(table *t, const char *key, size_t col, const rb_fact *f, const char *text)
{
    row *r = table_row(t, key);
    r->cells[col] = rb_xrealloc(r->cells[col], (r->ncell[col] + 1) * sizeof **r->cells);
    r->cells[col][r->ncell[col]].f = f;
    r->cells[col][r->ncell[col]].text = rb_xstrdup(text);
    r->ncell[col]++;
}

static void table_free(table *t)
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
    }
    free(t->rows);
}

static const char *str_or(const char *s, const char *d) { return s ? s : d; }

/* Rows and cell texts of one dimension. */
static void build_table(rb_rulebook *const *rbs, size_t n, const char *dim, table *t)
{
    memset(t, 0, sizeof *t);
    t->ncols = n;
    rb_dim kind = rb_dim_of(dim);
    static const char *const type_rows[] = {"plenary", "executive", "office", "briefing",
                                            "special", "other"};
    if (kind == RB_DIM_MEETINGS)
        for (size_t i = 0; i < 6; i++)
            table_row(t, type_rows[i]);
    for (size_t c = 0; c < n; c++)
        for (size_t k = 0; k < rbs[c]->facts->n; k++) {
            const rb_fact *f = &rbs[c]->facts->v[k];
            if (strcmp(f->dim, dim) != 0)
                continue;
            char key[256], text[512];
            if (kind == RB_DIM_MEETINGS) {
                snprintf(text, sizeof text, "%s: %s", str_or(rb_fact_str(f, RB_F_NAME), ""),
                         str_or(f->value, ""));
                table_add(t, str_or(rb_fact_str(f, RB_F_TYPE), "other"), c, f, text);
            } else if (kind == RB_DIM_SIGNING) {
                const rb_field *doc = rb_fact_field(f, RB_F_DOCUMENT);
                const rb_field *dir = rb_fact_field(f, RB_F_DIRECTION);
                const rb_field *mt = rb_fact_field(f, RB_F_MEETINGS);
                snprintf(text, sizeof text, "%s", str_or(f->value, ""));
                size_t nd = doc ? doc->n : 1;
                for (size_t a = 0; a < nd; a++) {
                    const char *dk = doc ? doc->items[a] : "unclassified";
                    const rb_field *sub = strcmp(dk, "minutes") == 0 ? mt
                                          : strcmp(dk, "government") == 0 ||
                                                  strcmp(dk, "general_office") == 0
                                              ? dir
                                              : NULL;
                    if (!sub || sub->n == 0) {
                        table_add(t, dk, c, f, text);
                        continue;
                    }
                    for (size_t q = 0; q < sub->n; q++) {
                        snprintf(key, sizeof key, "%s: %s", dk, sub->items[q]);
                        table_add(t, key, c, f, text);
                    }
                }
            } else if (kind == RB_DIM_LEAVE) {
                const rb_field *who = rb_fact_field(f, RB_F_WHO);
                rb_buf b;
                rb_buf_init(&b);
                const rb_field *ap = rb_fact_field(f, RB_F_APPROVER);
                rb_buf_puts(&b, "→ ");
                for (size_t q = 0; ap && q < ap->n; q++)
                    rb_buf_printf(&b, "%s%s", q ? " or " : "", ap->items[q]);
                if (!ap)
                    rb_buf_puts(&b, "(no approver named)");
                if (rb_fact_str(f, RB_F_NOTICE_AMOUNT))
                    rb_buf_printf(&b, ", %s %s ahead", rb_fact_str(f, RB_F_NOTICE_AMOUNT),
                                  str_or(rb_fact_str(f, RB_F_NOTICE_UNIT), ""));
                if (rb_fact_str(f, RB_F_THRESHOLD_AMOUNT))
                    rb_buf_printf(&b, ", when away over %s %s", rb_fact_str(f, RB_F_THRESHOLD_AMOUNT),
                                  str_or(rb_fact_str(f, RB_F_THRESHOLD_UNIT), ""));
                if (rb_fact_str(f, RB_F_WRITTEN))
                    rb_buf_puts(&b, ", in writing");
                size_t nw = who && who->n ? who->n : 1;
                for (size_t q = 0; q < nw; q++) {
                    snprintf(key, sizeof key, "%s: %s", str_or(rb_fact_str(f, RB_F_OCCASION), "?"),
                             who && who->n ? who->items[q] : "anyone");
                    table_add(t, key, c, f, b.data);
                }
                rb_buf_free(&b);
            } else if (kind == RB_DIM_DEADLINES) {
                snprintf(key, sizeof key, "%s: %s", str_or(rb_fact_str(f, RB_F_BOUND), "?"),
                         str_or(rb_fact_str(f, RB_F_UNIT), "?"));
                const char *act = rb_fact_str(f, RB_F_ACTION);
                snprintf(text, sizeof text, "%s %s%s%s%s", str_or(rb_fact_str(f, RB_F_AMOUNT), "?"),
                         str_or(rb_fact_str(f, RB_F_UNIT), ""), act && *act ? " — " : "",
                         act ? act : "", "");
                table_add(t, key, c, f, text);
            } else {
                table_add(t, f->rule, c, f, str_or(f->value, ""));
            }
        }
}

/* ---- Markdown ----------------------------------------------------------------------------------- */

static void md_cell(rb_buf *b, const char *s)
{
    for (const char *p = s; p && *p; p++) {
        if (*p == '|')
            rb_buf_puts(b, "\\|");
        else if (*p == '\n' || *p == '\r')
            rb_buf_putc(b, ' ');
        else
            rb_buf_putc(b, *p);
    }
}

static const char *dim_title(const char *dim)
{
    if (strcmp(dim, "meetings") == 0)
        return "Meetings (frequency per year)";
    if (strcmp(dim, "signing") == 0)
        return "Signing authority (by document)";
    if (strcmp(dim, "leave") == 0)
        return "Leave (who asks whom)";
    if (strcmp(dim, "deadlines") == 0)
        return "Deadlines and limits (by bound and unit)";
    return dim;
}

static void md_header(rb_buf *b, rb_rulebook *const *rbs, size_t n, const char *first)
{
    rb_buf_printf(b, "| %s |", first);
    for (size_t i = 0; i < n; i++) {
        rb_buf_puts(b, " ");
        md_cell(b, label(rbs[i]));
        rb_buf_printf(b, " (%s) |", rbs[i]->id);
    }
    rb_buf_puts(b, "\n|---|");
    for (size_t i = 0; i < n; i++)
        rb_buf_puts(b, "---|");
    rb_buf_puts(b, "\n");
}

/* The rows that describe each rulebook at the top of the md and html tables. */
static const char *const META_ROWS[] = {"title", "level", "date", "script", "chapters / articles",
                                        "facts"};
#define NMETA (sizeof META_ROWS / sizeof META_ROWS[0])

static char *meta_value(const rb_rulebook *r, size_t m)
{
    rb_buf v;
    rb_buf_init(&v);
    switch (m) {
    case 0: rb_buf_puts(&v, str_or(r->title, "")); break;
    case 1: rb_buf_puts(&v, str_or(r->level, "")); break;
    case 2: rb_buf_puts(&v, str_or(r->date, "")); break;
    case 3: rb_buf_puts(&v, str_or(r->script, "")); break;
    case 4: rb_buf_printf(&v, "%zu / %zu", r->chapters, r->articles); break;
    default: rb_buf_printf(&v, "%zu", r->facts->n); break;
    }
    return rb_buf_detach(&v);
}

static void render_md(rb_rulebook *const *rbs, size_t n, const rb_compare_opts *o, rb_buf *b)
{
    rb_buf_puts(b, "# Rulebook comparison\n\n");
    md_header(b, rbs, n, "");
    for (size_t m = 0; m < NMETA; m++) {
        rb_buf_printf(b, "| %s |", META_ROWS[m]);
        for (size_t i = 0; i < n; i++) {
            char *v = meta_value(rbs[i], m);
            rb_buf_puts(b, " ");
            md_cell(b, v);
            rb_buf_puts(b, " |");
            free(v);
        }
        rb_buf_puts(b, "\n");
    }
    const char **dims;
    size_t nd = dims_of(rbs, n, &dims);
    for (size_t d = 0; d < nd; d++) {
        table t;
        build_table(rbs, n, dims[d], &t);
        rb_buf_printf(b, "\n## %s\n\n", dim_title(dims[d]));
        md_header(b, rbs, n, strcmp(dims[d], "meetings") == 0 ? "type" : "");
        for (size_t i = 0; i < t.nrows; i++) {
            rb_buf_puts(b, "| ");
            md_cell(b, t.rows[i].key);
            rb_buf_puts(b, " |");
            for (size_t c = 0; c < n; c++) {
                rb_buf_puts(b, " ");
                for (size_t k = 0; k < t.rows[i].ncell[c]; k++) {
                    const cell_item *ci = &t.rows[i].cells[c][k];
                    if (k)
                        rb_buf_puts(b, "<br>");
                    md_cell(b, ci->text);
                    char sb[32];
                    rb_buf_printf(b, " (%s)", sect(ci->f->article, sb));
                }
                if (t.rows[i].ncell[c] == 0)
                    rb_buf_puts(b, "—");
                rb_buf_puts(b, " |");
            }
            rb_buf_puts(b, "\n");
        }
        table_free(&t);
    }
    free(dims);
    if (o->unmatched) {
        rb_buf_puts(b, "\n## Sentences that look like a dimension but gave no fact\n\n"
                       "| rulebook | dimension | article | line | text |\n|---|---|---|---|---|\n");
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < rbs[i]->facts->nu; k++) {
                const rb_unmatched *u = &rbs[i]->facts->u[k];
                char sb[32];
                rb_buf_printf(b, "| %s | %s | %s | %u | ", rbs[i]->id, u->dim,
                              sect(u->article, sb), u->line);
                md_cell(b, u->text);
                rb_buf_puts(b, " |\n");
            }
    }
}

/* ---- HTML ---------------------------------------------------------------------------------------- */

static void h_esc(rb_buf *b, const char *s)
{
    for (const char *p = s; p && *p; p++) {
        switch (*p) {
        case '<': rb_buf_puts(b, "&lt;"); break;
        case '>': rb_buf_puts(b, "&gt;"); break;
        case '&': rb_buf_puts(b, "&amp;"); break;
        case '"': rb_buf_puts(b, "&quot;"); break;
        default: rb_buf_putc(b, *p);
        }
    }
}

/* Bar chart of meetings per year, one group per jurisdiction, one bar per meeting type with a
 * per-year value; a range (1-2/yr) is drawn as a solid bar to the minimum and a light one to
 * the maximum. */
static void svg_chart(rb_buf *b, rb_rulebook *const *rbs, size_t n)
{
    static const char *const types[] = {"plenary", "executive", "office", "briefing", "special"};
    static const char *const colors[] = {"#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1"};
    double maxv = 1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < rbs[i]->facts->n; k++) {
            const rb_fact *f = &rbs[i]->facts->v[k];
            const char *mx = rb_fact_str(f, RB_F_PER_YEAR_MAX);
            if (f->kind == RB_DIM_MEETINGS && mx && atof(mx) > maxv)
                maxv = atof(mx);
        }
    const int W = 900, left = 150, barh = 14, gap = 10;
    int H = 40 + (int)n * (5 * barh + gap) + 30;
    rb_buf_printf(b,
                  "<svg id=\"meetings-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                  "height=\"%d\" role=\"img\" aria-label=\"Meetings per year by jurisdiction\">\n",
                  W, H);
    rb_buf_printf(b, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">Meetings per "
                     "year (bars: normalized frequency; light: upper end of a range)</text>\n",
                  left);
    int y = 36;
    double scale = (W - left - 170) / maxv;
    for (size_t i = 0; i < n; i++) {
        rb_buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">", left - 8,
                      y + 2 * barh);
        h_esc(b, label(rbs[i]));
        rb_buf_puts(b, "</text>\n");
        for (size_t t = 0; t < 5; t++) {
            const rb_fact *hit = NULL;
            for (size_t k = 0; k < rbs[i]->facts->n; k++) {
                const rb_fact *f = &rbs[i]->facts->v[k];
                /* the first fact of the type, or the one with a frequency per year (a
                 * meeting held monthly and, when needed, at any time has a bar) */
                if (f->kind == RB_DIM_MEETINGS && rb_fact_str(f, RB_F_TYPE) &&
                    strcmp(rb_fact_str(f, RB_F_TYPE), types[t]) == 0 &&
                    (!hit || (!rb_fact_str(hit, RB_F_PER_YEAR_MIN) && rb_fact_str(f, RB_F_PER_YEAR_MIN))))
                    hit = f;
            }
            int yy = y + (int)t * barh;
            const char *mn = hit ? rb_fact_str(hit, RB_F_PER_YEAR_MIN) : NULL;
            const char *mx = hit ? rb_fact_str(hit, RB_F_PER_YEAR_MAX) : NULL;
            if (mn && mx) {
                double a = atof(mn), z = atof(mx);
                rb_buf_printf(b,
                              "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
                              "fill-opacity=\"0.35\"><title>%s %s</title></rect>\n",
                              left, yy, z * scale, barh - 2, colors[t], types[t],
                              str_or(hit->value, ""));
                rb_buf_printf(b,
                              "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                              "<title>%s %s</title></rect>\n",
                              left, yy, a * scale, barh - 2, colors[t], types[t],
                              str_or(hit->value, ""));
                rb_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\">%s ", left + z * scale + 4,
                              yy + barh - 4, types[t]);
                if (a == z)
                    rb_buf_printf(b, "%s/yr", mn);
                else
                    rb_buf_printf(b, "%s–%s/yr", mn, mx);
                char sb[32];
                rb_buf_printf(b, " (%s)</text>\n", sect(hit->article, sb));
            } else if (hit) {
                char sb[32];
                rb_buf_printf(b,
                              "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#777\">%s: %s "
                              "(%s)</text>\n",
                              left + 4, yy + barh - 4, types[t],
                              str_or(rb_fact_str(hit, RB_F_KIND), ""), sect(hit->article, sb));
            }
        }
        y += 5 * barh + gap;
    }
    rb_buf_puts(b, "</svg>\n");
}

static const char HTML_HEAD[] =
    "<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>Rulebook comparison</title>\n<style>\n"
    "body{font-family:system-ui,'Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;margin:2em;"
    "color:#222}\n"
    "table{border-collapse:collapse;margin:1em 0;font-size:13px}\n"
    "th,td{border:1px solid #bbb;padding:4px 6px;vertical-align:top;text-align:left}\n"
    "th{background:#eef}\n details{margin:2px 0} summary{cursor:pointer}\n"
    "blockquote{margin:4px 0 4px 10px;padding-left:8px;border-left:3px solid #ccc;color:#444}\n"
    ".loc{color:#777;font-size:11px}\n</style>\n</head>\n<body>\n";

/* A tiny self-check: after layout, record what rendered, so a headless browser run can tell a
 * real page from a blank one. */
static const char HTML_TAIL[] =
    "<script>\nwindow.addEventListener('load',function(){var t=document.querySelectorAll("
    "'table');var h=[];for(var i=0;i<t.length;i++)h.push(t[i].getBoundingClientRect().height|0);"
    "var s=document.getElementById('meetings-chart');var r=s?s.getBoundingClientRect():null;"
    "document.body.setAttribute('data-rendered',JSON.stringify({tables:t.length,heights:h,"
    "chart:r?[r.width|0,r.height|0]:null}));});\n</script>\n</body>\n</html>\n";

static void html_cell_item(rb_buf *b, const rb_rulebook *r, const cell_item *ci)
{
    rb_buf_puts(b, "<details><summary>");
    h_esc(b, ci->text);
    char sb[32];
    rb_buf_printf(b, " (%s)</summary><blockquote>", sect(ci->f->article, sb));
    h_esc(b, ci->f->text);
    rb_buf_printf(b, "</blockquote><span class=\"loc\">%s, %s, line %u</span></details>", r->id,
                  ci->f->eid, ci->f->line);
}

static void render_html(rb_rulebook *const *rbs, size_t n, const rb_compare_opts *o, rb_buf *b)
{
    rb_buf_puts(b, HTML_HEAD);
    rb_buf_puts(b, "<h1>Rulebook comparison</h1>\n<p>Each cell gives a normalized value and the "
                   "article (§) it comes from; open it for the article's words.</p>\n");
    rb_buf_puts(b, "<table id=\"rulebooks\"><tr><th></th>");
    for (size_t i = 0; i < n; i++) {
        rb_buf_puts(b, "<th>");
        h_esc(b, label(rbs[i]));
        rb_buf_puts(b, "</th>");
    }
    rb_buf_puts(b, "</tr>\n");
    for (size_t m = 0; m < NMETA - 1; m++) { /* the facts count is not shown here */
        rb_buf_printf(b, "<tr><th>%s</th>", META_ROWS[m]);
        for (size_t i = 0; i < n; i++) {
            char *v = meta_value(rbs[i], m);
            rb_buf_puts(b, "<td>");
            h_esc(b, v);
            rb_buf_puts(b, "</td>");
            free(v);
        }
        rb_buf_puts(b, "</tr>\n");
    }
    rb_buf_puts(b, "</table>\n<h2>Meetings per year</h2>\n");
    svg_chart(b, rbs, n);
    const char **dims;
    size_t nd = dims_of(rbs, n, &dims);
    for (size_t d = 0; d < nd; d++) {
        table t;
        build_table(rbs, n, dims[d], &t);
        rb_buf_puts(b, "<h2>");
        h_esc(b, dim_title(dims[d]));
        rb_buf_printf(b, "</h2>\n<table id=\"dim-%s\"><tr><th></th>", dims[d]);
        for (size_t i = 0; i < n; i++) {
            rb_buf_puts(b, "<th>");
            h_esc(b, label(rbs[i]));
            rb_buf_puts(b, "</th>");
        }
        rb_buf_puts(b, "</tr>\n");
        for (size_t i = 0; i < t.nrows; i++) {
            rb_buf_puts(b, "<tr><th>");
            h_esc(b, t.rows[i].key);
            rb_buf_puts(b, "</th>");
            for (size_t c = 0; c < n; c++) {
                rb_buf_puts(b, "<td>");
                for (size_t k = 0; k < t.rows[i].ncell[c]; k++)
                    html_cell_item(b, rbs[c], &t.rows[i].cells[c][k]);
                if (t.rows[i].ncell[c] == 0)
                    rb_buf_puts(b, "—");
                rb_buf_puts(b, "</td>");
            }
            rb_buf_puts(b, "</tr>\n");
        }
        rb_buf_puts(b, "</table>\n");
        table_free(&t);
    }
    free(dims);
    if (o->unmatched) {
        rb_buf_puts(b, "<h2>Sentences that look like a dimension but gave no fact</h2>\n"
                       "<table id=\"unmatched\"><tr><th>rulebook</th><th>dimension</th>"
                       "<th>article</th><th>line</th><th>text</th></tr>\n");
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < rbs[i]->facts->nu; k++) {
                const rb_unmatched *u = &rbs[i]->facts->u[k];
                char sb[32];
                rb_buf_printf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%u</td><td>",
                              rbs[i]->id, u->dim, sect(u->article, sb), u->line);
                h_esc(b, u->text);
                rb_buf_puts(b, "</td></tr>\n");
            }
        rb_buf_puts(b, "</table>\n");
    }
    rb_buf_puts(b, HTML_TAIL);
}

void rb_compare_render(rb_rulebook *const *rbs, size_t n, const rb_compare_opts *o, rb_buf *out)
{
    switch (o->format) {
    case RB_FMT_JSON: render_json(rbs, n, o, out); break;
    case RB_FMT_CSV: render_csv(rbs, n, o, out); break;
    case RB_FMT_HTML: render_html(rbs, n, o, out); break;
    default: render_md(rbs, n, o, out); break;
    }
}
