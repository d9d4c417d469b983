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

void rb_facts_write_xml(rb_xw *w, const rb_facts *fs, const rb_doc *d)
{
    if (!fs || (fs->n == 0 && fs->nu == 0))
        return;
    rb_buf tmp; /* a text read from d */
    rb_buf_init(&tmp);
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
        rb_xw_element(w, "rb:text", rb_fact_text(f, d, &tmp));
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
        const char *t = rb_unmatched_text(u, d, &tmp);
        rb_xw_text(w, t, strlen(t));
        rb_xw_end(w);
    }
    rb_xw_end(w); /* rb:facts */
    rb_xw_end(w); /* otherAnalysis */
    rb_xw_end(w); /* analysis */
    rb_buf_free(&tmp);
}

/* ---- reading ------------------------------------------------------------------------------ */

/* Two readers, one result: from a parsed tree (rb_facts_read_node) and from the parser's SAX
 * events (rb_facts_sax_*: compare builds no tree for the facts). They share what an element's
 * attributes give (rb_xel); tests/fuzz/fuzz_rbxml.c holds them to the same facts. */

static int is_rb(xmlNodePtr n, const char *name) { return rb_xml_is(n, RB_NS, name); }

/* An attribute's value copied into the arena, or dflt's (NULL: none) */
static char *prop_or(rb_arena *a, const rb_xel *e, const char *name, const char *dflt,
                     rb_buf *tmp)
{
    const char *v = rb_xel_prop(e, name, tmp);
    return v ? rb_arena_strdup(a, v) : dflt ? rb_arena_strdup(a, dflt) : NULL;
}

/* article (0 = the tail of an article without its number), line and col */
static rb_status read_place(const rb_xel *e, long *article, unsigned *line, unsigned *col,
                            const char *path, rb_error *err)
{
    long a = 0, l = 0, c = 0;
    if (rb_xel_long(e, "article", 0, LONG_MAX / 2, &a) < 0)
        return rb_xel_bad_value(err, path, e, "article");
    if (rb_xel_long(e, "line", 0, UINT_MAX, &l) < 0)
        return rb_xel_bad_value(err, path, e, "line");
    if (col && rb_xel_long(e, "col", 0, UINT_MAX, &c) < 0)
        return rb_xel_bad_value(err, path, e, "col");
    *article = a;
    *line = (unsigned)l;
    if (col)
        *col = (unsigned)c;
    return RB_OK;
}

rb_status rb_facts_check_head(const rb_xel *e, const char *path, rb_error *err)
{
    long article;
    unsigned line, col;
    return read_place(e, &article, &line, rb_xel_is(e, RB_NS, "unmatched") ? NULL : &col, path,
                      err);
}

/* An rb:fact's attributes into f (zeroed here); its children come after. */
static rb_status fact_head(const rb_xel *e, rb_facts *fs, rb_fact *f, const char *path,
                           rb_error *err)
{
    memset(f, 0, sizeof *f);
    rb_status st = read_place(e, &f->article, &f->line, &f->col, path, err);
    if (st != RB_OK)
        return st;
    rb_arena *a = f->arena = &fs->arena;
    rb_buf tmp; /* the values go straight from libxml2 into the arena */
    rb_buf_init(&tmp);
    f->dim = prop_or(a, e, "dimension", "?", &tmp);
    f->kind = rb_dim_of(f->dim);
    f->rule = prop_or(a, e, "rule", "?", &tmp);
    f->eid = prop_or(a, e, "eId", "", &tmp);
    f->value = prop_or(a, e, "value", NULL, &tmp);
    rb_buf_free(&tmp);
    return RB_OK;
}

#define RB_MAX_FIELDS 256

/* A new field of f from an rb:field's attributes (its values come after), or the error for
 * one field too many (f cleared). */
static rb_field *field_head(const rb_xel *e, rb_fact *f, const char *path, rb_error *err)
{
    if (f->nfields == RB_MAX_FIELDS) { /* no rule gives that many: a forged file */
        rb_fact_clear(f);
        rb_error_set(err, RB_EINPUT, "xml", path, (unsigned)e->line, 1, "xml-too-many",
                     "a fact with more than %d fields", RB_MAX_FIELDS);
        return NULL;
    }
    f->fields = rb_xrealloc(f->fields, (f->nfields + 1) * sizeof *f->fields);
    rb_field *x = &f->fields[f->nfields++];
    memset(x, 0, sizeof *x);
    rb_buf tmp;
    rb_buf_init(&tmp);
    const char *name = rb_xel_prop(e, "name", &tmp);
    x->name = rb_arena_intern(f->arena, name ? name : "?");
    x->words = prop_or(f->arena, e, "words", NULL, &tmp);
    const char *t = rb_xel_prop(e, "type", &tmp);
    x->number = t && strcmp(t, "number") == 0;
    const char *li = rb_xel_prop(e, "list", &tmp);
    x->list = li && strcmp(li, "true") == 0;
    rb_buf_free(&tmp);
    return x;
}

static void fact_done(rb_facts *fs, rb_fact *f)
{
    if (!f->text)
        f->text = rb_arena_strdup(f->arena, "");
    if (!f->norm)
        f->norm = f->text;
    RB_GROW(fs->v, fs->n, fs->cap);
    fs->v[fs->n++] = *f;
}

static rb_status unmatched_head(const rb_xel *e, rb_facts *fs, rb_unmatched *u,
                                const char *path, rb_error *err)
{
    memset(u, 0, sizeof *u);
    rb_status st = read_place(e, &u->article, &u->line, NULL, path, err);
    if (st != RB_OK)
        return st;
    rb_buf tmp;
    rb_buf_init(&tmp);
    u->dim = prop_or(&fs->arena, e, "dimension", "?", &tmp);
    u->kind = rb_dim_of(u->dim);
    u->eid = prop_or(&fs->arena, e, "eId", "", &tmp);
    rb_buf_free(&tmp);
    return RB_OK;
}

static void unmatched_done(rb_facts *fs, rb_unmatched *u, const char *text)
{
    u->text = rb_arena_strdup(&fs->arena, text);
    RB_GROW(fs->u, fs->nu, fs->cu);
    fs->u[fs->nu++] = *u;
}

/* -- from the tree */

static void read_values(xmlNodePtr k, rb_arena *a, rb_field *x, rb_buf *tmp)
{
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

static rb_status read_fact(xmlNodePtr n, rb_facts *fs, const char *path, rb_error *err)
{
    rb_xel e;
    rb_xel_of_node(&e, n);
    rb_fact f;
    rb_status st = fact_head(&e, fs, &f, path, err);
    if (st != RB_OK)
        return st;
    rb_buf tmp;
    rb_buf_init(&tmp);
    for (xmlNodePtr k = n->children; k; k = k->next) {
        if (is_rb(k, "text") && !f.text)
            f.text = rb_arena_strdup(f.arena, rb_xml_content_ref(k, &tmp));
        else if (is_rb(k, "normalized") && !f.norm)
            f.norm = rb_arena_strdup(f.arena, rb_xml_content_ref(k, &tmp));
        else if (is_rb(k, "field")) {
            rb_xel ke;
            rb_xel_of_node(&ke, k);
            rb_field *x = field_head(&ke, &f, path, err);
            if (!x) {
                rb_buf_free(&tmp);
                return err->status;
            }
            read_values(k, f.arena, x, &tmp);
        }
    }
    rb_buf_free(&tmp);
    fact_done(fs, &f);
    return RB_OK;
}

static rb_status read_unmatched(xmlNodePtr n, rb_facts *fs, const char *path, rb_error *err)
{
    rb_xel e;
    rb_xel_of_node(&e, n);
    rb_unmatched u;
    rb_status st = unmatched_head(&e, fs, &u, path, err);
    if (st != RB_OK)
        return st;
    rb_buf tmp;
    rb_buf_init(&tmp);
    unmatched_done(fs, &u, rb_xml_content_ref(n, &tmp));
    rb_buf_free(&tmp);
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

/* -- from the parser's events: what the tree reader takes from a node's children, gathered as
 * they go by. The text of an element is all the character data inside it (CDATA included,
 * comments not), as xmlNodeGetContent gives it. */

enum { ROLE_NONE, ROLE_TEXT, ROLE_NORM, ROLE_FIELD, ROLE_LIST };

rb_status rb_facts_sax_begin(rb_facts_sax *s, rb_facts *fs, const rb_xel *e, const char *path,
                             rb_error *err)
{
    s->fs = fs;
    s->unmatched = rb_xel_is(e, RB_NS, "unmatched");
    s->depth = 0;
    s->role = ROLE_NONE;
    s->item = 0;
    s->has_words = 0;
    s->text.len = 0;
    return s->unmatched ? unmatched_head(e, fs, &s->u, path, err)
                        : fact_head(e, fs, &s->f, path, err);
}

rb_status rb_facts_sax_start(rb_facts_sax *s, const rb_xel *e, const char *path, rb_error *err)
{
    s->depth++;
    if (s->unmatched)
        return RB_OK;
    if (s->depth == 1) {
        s->text.len = 0;
        s->role = ROLE_NONE;
        if (rb_xel_is(e, RB_NS, "text") && !s->f.text) {
            s->role = ROLE_TEXT;
        } else if (rb_xel_is(e, RB_NS, "normalized") && !s->f.norm) {
            s->role = ROLE_NORM;
        } else if (rb_xel_is(e, RB_NS, "field")) {
            rb_field *x = field_head(e, &s->f, path, err);
            if (!x)
                return err->status;
            s->role = x->list ? ROLE_LIST : ROLE_FIELD;
        }
    } else if (s->depth == 2 && s->role == ROLE_LIST && rb_xel_is(e, RB_NS, "item")) {
        s->item = 1;
        s->text.len = 0;
        /* a start tag's value is put in the buffer given */
        s->has_words = rb_xel_prop(e, "words", &s->words) != NULL;
    }
    return RB_OK;
}

void rb_facts_sax_text(rb_facts_sax *s, const unsigned char *c, int len)
{
    if (s->unmatched || (s->depth >= 1 && s->role >= ROLE_TEXT && s->role <= ROLE_FIELD) ||
        s->item)
        rb_buf_put(&s->text, (const char *)c, (size_t)len);
}

static const char *gathered(rb_facts_sax *s) { return rb_buf_cstr(&s->text); }

void rb_facts_sax_end(rb_facts_sax *s)
{
    if (!s->unmatched && s->depth == 1) {
        rb_arena *a = s->f.arena;
        if (s->role == ROLE_TEXT)
            s->f.text = rb_arena_strdup(a, gathered(s));
        else if (s->role == ROLE_NORM)
            s->f.norm = rb_arena_strdup(a, gathered(s));
        else if (s->role == ROLE_FIELD)
            rb_field_push(a, &s->f.fields[s->f.nfields - 1], gathered(s), NULL);
        s->role = ROLE_NONE;
    } else if (!s->unmatched && s->depth == 2 && s->item) {
        const char *v = gathered(s);
        rb_field_push(s->f.arena, &s->f.fields[s->f.nfields - 1], v,
                      s->has_words ? s->words.data : NULL);
        s->item = 0;
    }
    s->depth--;
}

void rb_facts_sax_finish(rb_facts_sax *s)
{
    if (s->unmatched)
        unmatched_done(s->fs, &s->u, gathered(s));
    else
        fact_done(s->fs, &s->f);
}

void rb_facts_sax_drop(rb_facts_sax *s)
{
    if (!s->unmatched)
        rb_fact_clear(&s->f);
}
