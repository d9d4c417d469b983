/* render_facts.c: the facts XML, written and read in one place. The facts go in the AKN file's
 * meta/analysis/otherAnalysis as
 *
 *   <rb:facts count="N">
 *     <rb:fact dimension="signing" rule="signing" article="47" eId="chp_5__art_47" line="120"
 *              col="1" value="head 签发">
 *       <rb:text>…verbatim…</rb:text><rb:normalized>…</rb:normalized>
 *       <rb:field name="signer" words="市长或常务副市长" list="true">
 *         <rb:item words="市长">head</rb:item><rb:item words="常务副市长">…</rb:item>
 *       </rb:field>
 *       <rb:field name="count" type="number" words="两">2</rb:field>
 *     </rb:fact>
 *     <rb:unmatched dimension="leave" article="12" eId="…" line="40">…text…</rb:unmatched>
 *   </rb:facts>
 *
 * Reading back is strict: a number attribute that is not a number in range is an error naming
 * the element and its line (a damaged file must not become article 0). */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing ------------------------------------------------------------------------------ */

static void write_field(rb_xw *w, const rb_field *x)
{
    rb_xw_start(w, "rb:field");
    rb_xw_attr(w, "name", x->name);
    rb_xw_attr(w, "words", x->words);
    if (x->number)
        rb_xw_attr(w, "type", "number");
    if (x->list) {
        rb_xw_attr(w, "list", "true");
        for (size_t q = 0; q < x->n; q++) {
            rb_xw_start(w, "rb:item");
            rb_xw_attr(w, "words", rb_field_words(x, q));
            rb_xw_text(w, x->items[q], strlen(x->items[q]));
            rb_xw_end(w);
        }
    } else if (x->n) {
        rb_xw_text(w, x->items[0], strlen(x->items[0]));
    }
    rb_xw_end(w);
}

void rb_facts_write_xml(rb_xw *w, const rb_facts *fs)
{
    if (!fs || (fs->n == 0 && fs->nu == 0))
        return;
    rb_xw_start(w, "analysis");
    rb_xw_attr(w, "source", "#rulebook");
    rb_xw_start(w, "otherAnalysis");
    rb_xw_attr(w, "source", "#rulebook");
    rb_xw_start(w, "rb:facts");
    rb_xw_attr_int(w, "count", (long long)fs->n);
    for (size_t i = 0; i < fs->n; i++) {
        const rb_fact *f = &fs->v[i];
        rb_xw_start(w, "rb:fact");
        rb_xw_attr(w, "dimension", f->dim);
        rb_xw_attr(w, "rule", f->rule);
        rb_xw_attr_int(w, "article", (long long)f->article);
        rb_xw_attr(w, "eId", f->eid);
        rb_xw_attr_int(w, "line", (long long)f->line);
        rb_xw_attr_int(w, "col", (long long)f->col);
        rb_xw_attr(w, "value", f->value ? f->value : "");
        rb_xw_element(w, "rb:text", f->text);
        rb_xw_element(w, "rb:normalized", f->norm);
        for (size_t k = 0; k < f->nfields; k++)
            write_field(w, &f->fields[k]);
        rb_xw_end(w);
    }
    for (size_t i = 0; i < fs->nu; i++) {
        const rb_unmatched *u = &fs->u[i];
        rb_xw_start(w, "rb:unmatched");
        rb_xw_attr(w, "dimension", u->dim);
        rb_xw_attr_int(w, "article", (long long)u->article);
        rb_xw_attr(w, "eId", u->eid);
        rb_xw_attr_int(w, "line", (long long)u->line);
        rb_xw_text(w, u->text, strlen(u->text));
        rb_xw_end(w);
    }
    rb_xw_end(w); /* rb:facts */
    rb_xw_end(w); /* otherAnalysis */
    rb_xw_end(w); /* analysis */
}

/* ---- reading ------------------------------------------------------------------------------ */

static int is_rb(xmlNodePtr n, const char *name) { return rb_xml_is(n, RB_NS, name); }

/* An attribute's value copied into the arena, or dflt's (NULL: none) */
static char *prop_or(rb_arena *a, xmlNodePtr n, const char *name, const char *dflt, rb_buf *tmp)
{
    const char *v = rb_xml_prop_ref(n, name, tmp);
    return v ? rb_arena_strdup(a, v) : dflt ? rb_arena_strdup(a, dflt) : NULL;
}

/* article (0 = the tail of an article without its number), line and col */
static rb_status read_place(xmlNodePtr n, long *article, unsigned *line, unsigned *col,
                            const char *path, rb_error *err)
{
    long a = 0, l = 0, c = 0;
    if (rb_xml_long(n, "article", 0, LONG_MAX / 2, &a) < 0)
        return rb_xml_bad_value(err, path, n, "article");
    if (rb_xml_long(n, "line", 0, UINT_MAX, &l) < 0)
        return rb_xml_bad_value(err, path, n, "line");
    if (col && rb_xml_long(n, "col", 0, UINT_MAX, &c) < 0)
        return rb_xml_bad_value(err, path, n, "col");
    *article = a;
    *line = (unsigned)l;
    if (col)
        *col = (unsigned)c;
    return RB_OK;
}

static void read_field(xmlNodePtr k, rb_arena *a, rb_field *x, rb_buf *tmp)
{
    memset(x, 0, sizeof *x);
    const char *name = rb_xml_prop_ref(k, "name", tmp);
    x->name = rb_arena_intern(a, name ? name : "?");
    x->words = prop_or(a, k, "words", NULL, tmp);
    const char *t = rb_xml_prop_ref(k, "type", tmp);
    x->number = t && strcmp(t, "number") == 0;
    const char *li = rb_xml_prop_ref(k, "list", tmp);
    x->list = li && strcmp(li, "true") == 0;
    if (!x->list) {
        rb_field_push(a, x, rb_xml_content_ref(k, tmp), NULL);
        return;
    }
    rb_buf wtmp;
    rb_buf_init(&wtmp);
    for (xmlNodePtr it = k->children; it; it = it->next)
        if (is_rb(it, "item"))
            rb_field_push(a, x, rb_xml_content_ref(it, tmp), rb_xml_prop_ref(it, "words", &wtmp));
    rb_buf_free(&wtmp);
}

#define RB_MAX_FIELDS 256

static rb_status read_fact(xmlNodePtr n, rb_facts *fs, const char *path, rb_error *err)
{
    rb_fact f;
    memset(&f, 0, sizeof f);
    rb_status st = read_place(n, &f.article, &f.line, &f.col, path, err);
    if (st != RB_OK)
        return st;
    rb_arena *a = f.arena = &fs->arena;
    rb_buf tmp; /* the values go straight from libxml2's nodes into the arena */
    rb_buf_init(&tmp);
    f.dim = prop_or(a, n, "dimension", "?", &tmp);
    f.kind = rb_dim_of(f.dim);
    f.rule = prop_or(a, n, "rule", "?", &tmp);
    f.eid = prop_or(a, n, "eId", "", &tmp);
    f.value = prop_or(a, n, "value", NULL, &tmp);
    for (xmlNodePtr k = n->children; k; k = k->next) {
        if (is_rb(k, "text") && !f.text)
            f.text = rb_arena_strdup(a, rb_xml_content_ref(k, &tmp));
        else if (is_rb(k, "normalized") && !f.norm)
            f.norm = rb_arena_strdup(a, rb_xml_content_ref(k, &tmp));
        else if (is_rb(k, "field")) {
            if (f.nfields == RB_MAX_FIELDS) { /* no rule gives that many: a forged file */
                long xl = xmlGetLineNo(k);
                rb_fact_clear(&f);
                rb_buf_free(&tmp);
                return rb_error_set(err, RB_EINPUT, "xml", path, xl > 0 ? (unsigned)xl : 1, 1,
                                    "xml-too-many", "a fact with more than %d fields",
                                    RB_MAX_FIELDS);
            }
            f.fields = rb_xrealloc(f.fields, (f.nfields + 1) * sizeof *f.fields);
            read_field(k, a, &f.fields[f.nfields++], &tmp);
        }
    }
    rb_buf_free(&tmp);
    if (!f.text)
        f.text = rb_arena_strdup(a, "");
    if (!f.norm)
        f.norm = f.text;
    RB_GROW(fs->v, fs->n, fs->cap);
    fs->v[fs->n++] = f;
    return RB_OK;
}

static rb_status read_unmatched(xmlNodePtr n, rb_facts *fs, const char *path, rb_error *err)
{
    rb_unmatched u;
    memset(&u, 0, sizeof u);
    rb_status st = read_place(n, &u.article, &u.line, NULL, path, err);
    if (st != RB_OK)
        return st;
    rb_buf tmp;
    rb_buf_init(&tmp);
    u.dim = prop_or(&fs->arena, n, "dimension", "?", &tmp);
    u.kind = rb_dim_of(u.dim);
    u.eid = prop_or(&fs->arena, n, "eId", "", &tmp);
    u.text = rb_arena_strdup(&fs->arena, rb_xml_content_ref(n, &tmp));
    rb_buf_free(&tmp);
    RB_GROW(fs->u, fs->nu, fs->cu);
    fs->u[fs->nu++] = u;
    return RB_OK;
}

rb_status rb_facts_read_node(xmlNodePtr n, rb_facts *fs, const char *path, rb_error *err)
{
    if (is_rb(n, "fact"))
        return read_fact(n, fs, path, err);
    if (is_rb(n, "unmatched"))
        return read_unmatched(n, fs, path, err);
    return RB_OK;
}
