/* akn.c: last compile stage. Document model -> Akoma Ntoso 3.0 XML, streamed with
 * the xmlw.c writer into a temp file that is renamed into place.
 *
 *   akomaNtoso/act: meta (FRBR identification; proprietary: source digest, encoding, script,
 *   grammar version, document metadata, and every junk span set aside), preface (notice lines
 *   with docNumber/docDate/docProponent marks, longTitle/docTitle), body (chapter, article,
 *   num, heading, content/p, paragraph/list/point). Text is the original script; <num> keeps
 *   the number as written; rb:ordinal (Arabic) and rb:line (source line) are project
 *   attributes in RB_NS. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct wr {
    rb_xw *w;
    const rb_doc *d;
} wr;

static void start(wr *W, const char *name) { rb_xw_start(W->w, name); }
static void end(wr *W) { rb_xw_end(W->w); }
static void attr(wr *W, const char *name, const char *val) { rb_xw_attr(W->w, name, val); }
#define attrf(W, ...) rb_xw_attrf((W)->w, __VA_ARGS__)
static void text(wr *W, const char *s) { rb_xw_text(W->w, s, strlen(s)); }
static void span_text(wr *W, rb_span s)
{
    char *t = rb_doc_text(W->d, s);
    text(W, t);
    free(t);
}
static void empty(wr *W, const char *name, const char *a1, const char *v1, const char *a2,
                  const char *v2)
{
    start(W, name);
    attr(W, a1, v1);
    if (a2)
        attr(W, a2, v2);
    end(W);
}

static void frbr(wr *W, const char *level, const char *this_, const char *uri,
                 const char *date, const char *datename, const char *author)
{
    start(W, level);
    empty(W, "FRBRthis", "value", this_, NULL, NULL);
    empty(W, "FRBRuri", "value", uri, NULL, NULL);
    empty(W, "FRBRdate", "date", date, "name", datename);
    empty(W, "FRBRauthor", "href", author, NULL, NULL);
}

static void meta(wr *W)
{
    const rb_doc *d = W->d;
    const char *date = d->date ? d->date : "0001-01-01";
    const char *dname = d->date ? "issued" : "unknown";
    char work[512], expr[600], mani[700];
    snprintf(work, sizeof work, "/akn/cn/act/%s/%s", date, d->id);
    snprintf(expr, sizeof expr, "%s/zho@", work);
    snprintf(mani, sizeof mani, "%s.akn", expr);
    char t1[700];
    start(W, "meta");
    start(W, "identification");
    attr(W, "source", "#rulebook");
    snprintf(t1, sizeof t1, "%s/!main", work);
    frbr(W, "FRBRWork", t1, work, date, dname, "#issuer");
    empty(W, "FRBRcountry", "value", "cn", NULL, NULL);
    empty(W, "FRBRsubtype", "value", "rulebook", NULL, NULL);
    if (d->docnumber)
        empty(W, "FRBRnumber", "value", d->docnumber, NULL, NULL);
    if (d->title)
        empty(W, "FRBRname", "value", d->title, NULL, NULL);
    end(W);
    snprintf(t1, sizeof t1, "%s/!main", expr);
    frbr(W, "FRBRExpression", t1, expr, date, dname, "#issuer");
    empty(W, "FRBRlanguage", "language", "zho", NULL, NULL);
    end(W);
    snprintf(t1, sizeof t1, "%s/!main.xml", expr);
    frbr(W, "FRBRManifestation", t1, mani, date, dname, "#rulebook");
    end(W);
    end(W); /* identification */

    rb_akn_write_analysis(W->w, d);

    start(W, "references");
    attr(W, "source", "#rulebook");
    start(W, "TLCOrganization");
    attr(W, "eId", "issuer");
    attrf(W, "href", "/ontology/organization/cn/%s", d->id);
    attr(W, "showAs", d->issuer ? d->issuer : d->jurisdiction ? d->jurisdiction : d->id);
    end(W);
    start(W, "TLCOrganization");
    attr(W, "eId", "rulebook");
    attr(W, "href", "/ontology/organization/rulebook");
    attr(W, "showAs", "rulebook");
    end(W);
    end(W); /* references */

    start(W, "proprietary");
    attr(W, "source", "#rulebook");
    start(W, "rb:source");
    const char *file = strrchr(d->name, '/');
    attr(W, "file", file ? file + 1 : d->name);
    attr(W, "path", d->name);
    attr(W, "sha256", d->src->sha256);
    attrf(W, "bytes", "%zu", d->src->raw_len);
    attr(W, "encoding", d->src->encoding);
    attr(W, "lineEnd", d->src->crlf ? "CRLF" : "LF");
    attrf(W, "lines", "%zu", d->src->nlines);
    attr(W, "script", rb_script_name(d->view->script));
    attrf(W, "traditionalChars", "%zu", d->view->n_trad);
    attrf(W, "simplifiedChars", "%zu", d->view->n_simp);
    attr(W, "grammar", d->grammar_version);
    attr(W, "generator", "rulebook " RB_VERSION);
    end(W);
    start(W, "rb:document");
    attr(W, "id", d->id);
    attr(W, "title", d->title);
    attr(W, "titleFrom", d->title_from);
    attr(W, "jurisdiction", d->jurisdiction);
    attr(W, "level", d->level);
    attr(W, "date", d->date);
    attr(W, "dateFrom", d->date_from);
    attr(W, "number", d->docnumber);
    attr(W, "numberFrom", d->docnumber_from);
    attr(W, "issuer", d->issuer);
    attr(W, "adoptedBy", d->adopted);
    attr(W, "supersedes", d->supersedes);
    attr(W, "source", d->source_url);
    attrf(W, "chapters", "%zu", d->nchapters);
    attrf(W, "articles", "%zu", d->narticles);
    attrf(W, "duplicateRuns", "%zu", d->duplicate_runs);
    end(W);
    for (size_t i = 0; i < d->njunk; i++) {
        const rb_junk *j = &d->junk[i];
        start(W, "rb:junk");
        attr(W, "kind", j->kind);
        attr(W, "rule", j->rule);
        attrf(W, "line", "%u", j->line);
        attrf(W, "col", "%u", j->col);
        char *t = rb_doc_raw(d, j->span);
        text(W, t);
        free(t);
        end(W);
    }
    end(W); /* proprietary */
    end(W); /* meta */
}

static const char *mark_element(rb_mark_kind k)
{
    switch (k) {
    case RB_MARK_DOCNUMBER: return "docNumber";
    case RB_MARK_DATE: return "docDate";
    case RB_MARK_TITLE: return "docTitle";
    case RB_MARK_ISSUER: return "docProponent";
    case RB_MARK_ADOPTED: return "span";
    case RB_MARK_RECIPIENTS: return NULL; /* a class on the p */
    }
    return NULL;
}

/* Mixed content must not get indentation whitespace inside it. */
static void start_inline(wr *W, const char *name) { rb_xw_start_inline(W->w, name); }

static void pline(wr *W, const rb_pline *p)
{
    const rb_doc *d = W->d;
    start_inline(W, "p");
    for (size_t k = 0; k < p->nmarks; k++)
        if (d->marks[p->first_mark + k].kind == RB_MARK_RECIPIENTS)
            attr(W, "class", "recipients");
    attrf(W, "rb:line", "%u", p->line);
    size_t pos = p->text.off, end_ = p->text.off + p->text.len;
    /* marks are pushed in role order; write them in text order, skipping overlaps */
    for (;;) {
        const rb_mark *next = NULL;
        for (size_t k = 0; k < p->nmarks; k++) {
            const rb_mark *m = &d->marks[p->first_mark + k];
            if (!mark_element(m->kind) || m->span.off < pos)
                continue;
            if (!next || m->span.off < next->span.off)
                next = m;
        }
        if (!next)
            break;
        if (next->span.off > pos)
            span_text(W, (rb_span){pos, next->span.off - pos});
        start(W, mark_element(next->kind));
        if (next->kind == RB_MARK_DATE)
            attr(W, "date", next->value);
        if (next->kind == RB_MARK_ADOPTED)
            attr(W, "class", "adoptedBy");
        if (next->kind == RB_MARK_ISSUER)
            attr(W, "refersTo", "#issuer");
        span_text(W, next->span);
        end(W);
        pos = next->span.off + next->span.len;
    }
    if (end_ > pos)
        span_text(W, (rb_span){pos, end_ - pos});
    end(W);
}

static void preface(wr *W)
{
    const rb_doc *d = W->d;
    if (d->nplines == 0)
        return;
    start(W, "preface");
    for (size_t i = 0; i < d->nplines; i++) {
        const rb_pline *p = &d->plines[i];
        if (p->is_title) {
            start(W, "longTitle");
            attrf(W, "rb:line", "%u", p->line);
            pline(W, p);
            end(W);
        } else {
            pline(W, p);
        }
    }
    end(W);
}

static void content_p(wr *W, rb_span s, unsigned line)
{
    start(W, "p");
    attrf(W, "rb:line", "%u", line);
    span_text(W, s);
    end(W);
}

static void point(wr *W, const rb_block *b, const char *list_eid, size_t k)
{
    start(W, "point");
    attrf(W, "eId", "%s__point_%zu", list_eid, k);
    attrf(W, "rb:ordinal", "%ld", b->ordinal);
    attrf(W, "rb:line", "%u", b->line);
    start(W, "num");
    span_text(W, b->num);
    end(W);
    start(W, "content");
    content_p(W, b->text, b->line);
    end(W);
    end(W);
}

/* An article, or (cont) the tail of one whose number the text does not show: an hcontainer
 * named "continuation", without num. */
static void article(wr *W, const rb_article *a, int cont)
{
    const rb_doc *d = W->d;
    if (cont) {
        start(W, "hcontainer");
        attr(W, "eId", a->eid);
        attr(W, "name", "continuation");
        attrf(W, "rb:line", "%u", a->line);
    } else {
        start(W, "article");
        attr(W, "eId", a->eid);
        attrf(W, "rb:ordinal", "%ld", a->ordinal);
        attrf(W, "rb:line", "%u", a->line);
        start(W, "num");
        span_text(W, a->num);
        end(W);
    }
    const rb_block *bl = a->nblocks ? &d->blocks[a->first_block] : NULL;
    int has_points = 0;
    for (size_t k = 0; k < a->nblocks; k++)
        if (bl[k].kind == RB_BLOCK_POINT)
            has_points = 1;
    if (!has_points) {
        start(W, "content");
        if (a->nblocks == 0) {
            start(W, "p");
            end(W);
        }
        for (size_t k = 0; k < a->nblocks; k++)
            content_p(W, bl[k].text, bl[k].line);
        end(W);
        end(W);
        return;
    }
    size_t para = 0;
    for (size_t k = 0; k < a->nblocks;) {
        char peid[128], leid[160];
        snprintf(peid, sizeof peid, "%s__para_%zu", a->eid, ++para);
        start(W, "paragraph");
        attr(W, "eId", peid);
        int intro = bl[k].kind == RB_BLOCK_P;
        int list_follows = intro ? (k + 1 < a->nblocks && bl[k + 1].kind == RB_BLOCK_POINT) : 1;
        if (!list_follows) {
            start(W, "content");
            content_p(W, bl[k].text, bl[k].line);
            end(W);
            end(W);
            k++;
            continue;
        }
        snprintf(leid, sizeof leid, "%s__list_1", peid);
        start(W, "list");
        attr(W, "eId", leid);
        if (intro) {
            start(W, "intro");
            content_p(W, bl[k].text, bl[k].line);
            end(W);
            k++;
        }
        size_t pk = 0;
        while (k < a->nblocks && bl[k].kind == RB_BLOCK_POINT)
            point(W, &bl[k++], leid, ++pk);
        end(W); /* list */
        end(W); /* paragraph */
    }
    end(W); /* article */
}

static void chapter_open(wr *W, const rb_chapter *c)
{
    const rb_doc *d = W->d;
    start(W, "chapter");
    attr(W, "eId", c->eid);
    attrf(W, "rb:ordinal", "%ld", c->ordinal);
    attrf(W, "rb:line", "%u", c->line);
    start(W, "num");
    span_text(W, c->num);
    end(W);
    if (c->heading.len) {
        start(W, "heading");
        attrf(W, "rb:line", "%u", c->heading_line);
        span_text(W, c->heading);
        end(W);
    }
    if (c->narticles == 0) {
        start(W, "content");
        if (c->nintro == 0) {
            start(W, "p");
            end(W);
        }
        for (size_t k = 0; k < c->nintro; k++)
            content_p(W, d->blocks[c->first_intro + k].text, d->blocks[c->first_intro + k].line);
        end(W);
        return;
    }
    if (c->nintro) {
        start(W, "intro");
        for (size_t k = 0; k < c->nintro; k++)
            content_p(W, d->blocks[c->first_intro + k].text, d->blocks[c->first_intro + k].line);
        end(W);
    }
}

static void body(wr *W)
{
    const rb_doc *d = W->d;
    start(W, "body");
    if (d->cont)
        article(W, d->cont, 1);
    long cur = -1;
    size_t next_ch = 0;
    for (size_t i = 0; i < d->narticles; i++) {
        const rb_article *a = &d->articles[i];
        if (a->chapter != cur) {
            if (cur >= 0)
                end(W);
            /* chapters without articles before this one */
            while ((long)next_ch < a->chapter) {
                chapter_open(W, &d->chapters[next_ch++]);
                end(W);
            }
            if (a->chapter >= 0) {
                chapter_open(W, &d->chapters[a->chapter]);
                next_ch = (size_t)a->chapter + 1;
            }
            cur = a->chapter;
        }
        article(W, a, 0);
    }
    if (cur >= 0)
        end(W);
    while (next_ch < d->nchapters) {
        chapter_open(W, &d->chapters[next_ch++]);
        end(W);
    }
    end(W);
}

static void write_doc(const rb_doc *d, rb_xw *w)
{
    wr Wv = {w, d}, *W = &Wv;
    start(W, "akomaNtoso");
    attr(W, "xmlns", RB_AKN_NS);
    attr(W, "xmlns:rb", RB_NS);
    start(W, "act");
    attr(W, "name", "rulebook");
    attr(W, "contains", "originalVersion");
    meta(W);
    preface(W);
    body(W);
    end(W);
    end(W);
}

rb_status rb_akn_write_fd(const rb_doc *d, int fd, rb_error *err)
{
    rb_xw *w = rb_xw_new(fd);
    write_doc(d, w);
    if (rb_xw_free(w) < 0)
        return rb_error_set(err, RB_EIO, "akn", d->name, 0, 0, "io-write",
                            "writing the XML failed");
    return RB_OK;
}

rb_status rb_akn_write(const rb_doc *d, const char *path, rb_error *err)
{
    rb_atomic a;
    rb_status st = rb_atomic_open(&a, path, err);
    if (st != RB_OK)
        return st;
    st = rb_akn_write_fd(d, a.fd, err);
    if (st != RB_OK) {
        rb_atomic_abort(&a);
        return st;
    }
    return rb_atomic_commit(&a, err);
}

/* ---- reading a compiled file back (compare takes .xml inputs) -------------------------------- */

#include <libxml/parser.h>
#include <libxml/tree.h>
#define X(s) ((const xmlChar *)(s))

/* Read an XML file we are given (compare, check and diff take compiled .xml): refused before
 * parsing when it has a DOCTYPE (which is where external entities and entity bombs live;
 * a compiled rulebook never has one), then parsed from memory without network access, DTD
 * loading or entity substitution, within libxml2's default depth and size limits. */
static xmlDocPtr read_xml(const char *path, rb_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        rb_error_set(err, RB_EIO, "akn", path, 0, 0, "io-read", "cannot open: %s",
                     strerror(errno));
        return NULL;
    }
    rb_buf b;
    rb_buf_init(&b);
    char chunk[65536];
    size_t k;
    rb_limits lim;
    rb_limits_default(&lim);
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        rb_buf_put(&b, chunk, k);
        if (b.len > lim.max_bytes) {
            fclose(f);
            rb_buf_free(&b);
            rb_error_set(err, RB_ELIMIT, "akn", path, 0, 0, "input-too-large",
                         "larger than %zu bytes", lim.max_bytes);
            return NULL;
        }
    }
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        rb_buf_free(&b);
        rb_error_set(err, RB_EIO, "akn", path, 0, 0, "io-read", "cannot read");
        return NULL;
    }
    /* the prolog: a BOM, blanks, <?...?> and <!--...--> before the root element */
    const char *p = b.data ? b.data : "", *e = p + b.len;
    if (e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    for (;;) {
        while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
            p++;
        if (e - p >= 2 && memcmp(p, "<?", 2) == 0) {
            const char *q = memmem(p, (size_t)(e - p), "?>", 2);
            p = q ? q + 2 : e;
        } else if (e - p >= 4 && memcmp(p, "<!--", 4) == 0) {
            const char *q = memmem(p, (size_t)(e - p), "-->", 3);
            p = q ? q + 3 : e;
        } else {
            break;
        }
    }
    if (e - p >= 9 && memcmp(p, "<!DOCTYPE", 9) == 0) {
        unsigned line = 1;
        for (const char *q = b.data; q < p; q++)
            line += *q == '\n';
        rb_buf_free(&b);
        rb_error_set(err, RB_EINPUT, "akn", path, line, 1, "xml-doctype",
                     "a DOCTYPE is refused (external entities and entity expansion are not "
                     "read); a compiled rulebook has none");
        return NULL;
    }
    xmlDocPtr x = xmlReadMemory(b.data ? b.data : "", (int)b.len, path, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    rb_buf_free(&b);
    if (!x) {
        const xmlError *xe = xmlGetLastError();
        char msg[512];
        snprintf(msg, sizeof msg, "%s", xe && xe->message ? xe->message : "parse error");
        for (size_t l = strlen(msg); l && (msg[l - 1] == '\n' || msg[l - 1] == ' ');)
            msg[--l] = 0; /* libxml2 ends its messages with a line break */
        rb_error_set(err, RB_EINPUT, "akn", path, xe && xe->line > 0 ? (unsigned)xe->line : 1,
                     xe && xe->int2 > 0 ? (unsigned)xe->int2 : 1, "xml-invalid",
                     "not well-formed XML: %s", msg);
        return NULL;
    }
    if (x->intSubset || x->extSubset) { /* cannot happen after the prolog check */
        xmlFreeDoc(x);
        rb_error_set(err, RB_EINPUT, "akn", path, 1, 1, "xml-doctype", "a DOCTYPE is refused");
        return NULL;
    }
    return x;
}

static int is_rb(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && xmlStrEqual(n->ns->href, X(RB_NS)) &&
           xmlStrEqual(n->name, X(name));
}

static char *unpictured(xmlChar *v)
{
    char *s = rb_xstrdup(v ? (const char *)v : "");
    xmlFree(v);
    s[rb_xml_unpicture(s, strlen(s))] = 0;
    return s;
}

static char *prop(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, X(name));
    return v ? unpictured(v) : NULL;
}

static char *content(xmlNodePtr n) { return unpictured(xmlNodeGetContent(n)); }

static void read_fact(xmlNodePtr n, rb_facts *fs)
{
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? 2 * fs->cap : 32;
        fs->v = rb_xrealloc(fs->v, fs->cap * sizeof *fs->v);
    }
    rb_fact *f = &fs->v[fs->n++];
    memset(f, 0, sizeof *f);
    f->dim = prop(n, "dimension");
    f->rule = prop(n, "rule");
    f->eid = prop(n, "eId");
    f->value = prop(n, "value");
    char *a = prop(n, "article"), *l = prop(n, "line"), *c = prop(n, "col");
    f->article = a ? atol(a) : 0;
    f->line = l ? (unsigned)atol(l) : 0;
    f->col = c ? (unsigned)atol(c) : 0;
    free(a);
    free(l);
    free(c);
    if (!f->dim)
        f->dim = rb_xstrdup("?");
    f->kind = rb_dim_of(f->dim);
    if (!f->rule)
        f->rule = rb_xstrdup("?");
    if (!f->eid)
        f->eid = rb_xstrdup("");
    for (xmlNodePtr k = n->children; k; k = k->next) {
        if (is_rb(k, "text"))
            f->text = content(k);
        else if (is_rb(k, "normalized"))
            f->norm = content(k);
        else if (is_rb(k, "field")) {
            f->fields = rb_xrealloc(f->fields, (f->nfields + 1) * sizeof *f->fields);
            rb_field *x = &f->fields[f->nfields++];
            memset(x, 0, sizeof *x);
            x->name = prop(k, "name");
            if (!x->name)
                x->name = rb_xstrdup("?");
            x->words = prop(k, "words");
            char *t = prop(k, "type"), *li = prop(k, "list");
            x->number = t && strcmp(t, "number") == 0;
            x->list = li && strcmp(li, "true") == 0;
            free(t);
            free(li);
            if (x->list) {
                for (xmlNodePtr it = k->children; it; it = it->next)
                    if (is_rb(it, "item")) {
                        x->items = rb_xrealloc(x->items, (x->n + 1) * sizeof *x->items);
                        x->items[x->n++] = content(it);
                    }
            } else {
                x->items = rb_xmalloc(sizeof *x->items);
                x->items[0] = content(k);
                x->n = 1;
            }
        }
    }
    if (!f->text)
        f->text = rb_xstrdup("");
    if (!f->norm)
        f->norm = rb_xstrdup(f->text);
}

static void read_unmatched(xmlNodePtr n, rb_facts *fs)
{
    if (fs->nu == fs->cu) {
        fs->cu = fs->cu ? 2 * fs->cu : 16;
        fs->u = rb_xrealloc(fs->u, fs->cu * sizeof *fs->u);
    }
    rb_unmatched *u = &fs->u[fs->nu++];
    u->dim = prop(n, "dimension");
    if (!u->dim)
        u->dim = rb_xstrdup("?");
    u->kind = rb_dim_of(u->dim);
    u->eid = prop(n, "eId");
    if (!u->eid)
        u->eid = rb_xstrdup("");
    char *a = prop(n, "article"), *l = prop(n, "line");
    u->article = a ? atol(a) : 0;
    u->line = l ? (unsigned)atol(l) : 0;
    free(a);
    free(l);
    u->text = content(n);
}

static void walk(xmlNodePtr n, rb_rulebook *r, int *seen_doc)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_rb(n, "document")) {
            *seen_doc = 1;
            r->id = prop(n, "id");
            r->title = prop(n, "title");
            r->jurisdiction = prop(n, "jurisdiction");
            r->level = prop(n, "level");
            r->date = prop(n, "date");
            r->docnumber = prop(n, "number");
            char *c = prop(n, "chapters"), *a = prop(n, "articles");
            r->chapters = c ? (size_t)atol(c) : 0;
            r->articles = a ? (size_t)atol(a) : 0;
            free(c);
            free(a);
            continue;
        }
        if (is_rb(n, "source")) {
            r->script = prop(n, "script");
            continue;
        }
        if (is_rb(n, "fact")) {
            read_fact(n, r->facts);
            continue;
        }
        if (is_rb(n, "unmatched")) {
            read_unmatched(n, r->facts);
            continue;
        }
        if (xmlStrEqual(n->name, X("body")) || xmlStrEqual(n->name, X("preface")))
            continue; /* the text is not needed to compare */
        walk(n->children, r, seen_doc);
    }
}

rb_status rb_rulebook_read_xml(const char *path, rb_rulebook **out, rb_error *err)
{
    *out = NULL;
    xmlDocPtr x = read_xml(path, err);
    if (!x)
        return err->status;
    xmlNodePtr root = xmlDocGetRootElement(x);
    if (!root || !root->ns || !xmlStrEqual(root->ns->href, X(RB_AKN_NS)) ||
        !xmlStrEqual(root->name, X("akomaNtoso"))) {
        xmlFreeDoc(x);
        return rb_error_set(err, RB_EINPUT, "akn", path, 1, 1, "xml-not-akn",
                            "not an Akoma Ntoso 3.0 document");
    }
    rb_rulebook *r = rb_xcalloc(1, sizeof *r);
    r->facts = rb_xcalloc(1, sizeof *r->facts);
    r->file = rb_xstrdup(path);
    int seen = 0;
    walk(root, r, &seen);
    xmlFreeDoc(x);
    if (!seen) {
        rb_rulebook_free(r);
        return rb_error_set(err, RB_EINPUT, "akn", path, 1, 1, "xml-not-rulebook",
                            "no rb:document metadata: compile the text with `rulebook compile`");
    }
    if (!r->id) {
        const char *b = strrchr(path, '/');
        r->id = rb_xstrdup(b ? b + 1 : path);
    }
    *out = r;
    return RB_OK;
}

/* ---- reading a compiled file back as a document (check and diff take .xml inputs) ------------ */

typedef struct lines {
    rb_buf *v;
    size_t n;
} lines;

static void line_put(lines *L, const char *line_attr, const char *text, int sep)
{
    long l = line_attr ? atol(line_attr) : 0;
    if (l <= 0 || l > 10000000)
        return;
    if ((size_t)l > L->n) {
        L->v = rb_xrealloc(L->v, (size_t)l * sizeof *L->v);
        for (size_t i = L->n; i < (size_t)l; i++)
            rb_buf_init(&L->v[i]);
        L->n = (size_t)l;
    }
    rb_buf *b = &L->v[l - 1];
    if (sep && b->len)
        rb_buf_putc(b, ' ');
    rb_buf_puts(b, text);
}

static void put_node(lines *L, xmlNodePtr n, int sep)
{
    xmlChar *ln = xmlGetNsProp(n, X("line"), X(RB_NS));
    char *t = content(n);
    line_put(L, (const char *)ln, t, sep);
    free(t);
    xmlFree(ln);
}

/* The line of the nearest ancestor (or self) with rb:line. */
static xmlChar *line_of(xmlNodePtr n)
{
    for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
        xmlChar *l = xmlGetNsProp(n, X("line"), X(RB_NS));
        if (l)
            return l;
    }
    return NULL;
}

static int is_akn(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && xmlStrEqual(n->ns->href, X(RB_AKN_NS)) &&
           xmlStrEqual(n->name, X(name));
}

static void collect(lines *L, xmlNodePtr n, rb_diags *diags, const char *src)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_rb(n, "junk")) {
            char *kind = prop(n, "kind"), *line = prop(n, "line"), *col = prop(n, "col");
            char *t = content(n);
            if (kind && strcmp(kind, "insertion") == 0)
                rb_diags_add(diags, RB_WARNING, src, line ? (unsigned)atol(line) : 0,
                             col ? (unsigned)atol(col) : 0, "junk-insertion",
                             "'%s' is inserted here; the other copy reads without it (set aside "
                             "when compiled)",
                             t);
            else if (kind && strcmp(kind, "duplicate-copy") == 0)
                rb_diags_add(diags, RB_WARNING, src, line ? (unsigned)atol(line) : 0,
                             col ? (unsigned)atol(col) : 0, "duplicate-run",
                             "a repeated copy of earlier articles starts here (set aside when "
                             "compiled)");
            free(kind);
            free(line);
            free(col);
            free(t);
            continue;
        }
        if (is_akn(n, "p")) {
            /* a preface or content paragraph: its text goes on its line, after any number */
            xmlChar *l = line_of(n);
            char *t = content(n);
            line_put(L, (const char *)l, t, 0);
            free(t);
            xmlFree(l);
            continue;
        }
        if (is_akn(n, "num")) {
            xmlChar *l = line_of(n->parent);
            char *t = content(n);
            line_put(L, (const char *)l, t, 0);
            free(t);
            xmlFree(l);
            continue;
        }
        if (is_akn(n, "heading")) {
            put_node(L, n, 1);
            continue;
        }
        collect(L, n->children, diags, src); /* meta/proprietary holds the junk records */
    }
}

rb_status rb_akn_load_doc(const rb_grammar *g, const char *path, const rb_compile_opts *o,
                          rb_doc **out, rb_diags *diags, rb_error *err)
{
    *out = NULL;
    xmlDocPtr x = read_xml(path, err);
    if (!x)
        return err->status;
    xmlNodePtr root = xmlDocGetRootElement(x);
    if (!root || !root->ns ||
        !xmlStrEqual(root->ns->href, X(RB_AKN_NS))) {
        xmlFreeDoc(x);
        return rb_error_set(err, RB_EINPUT, "akn", path, 1, 1, "xml-not-akn",
                            "not an Akoma Ntoso 3.0 document");
    }
    /* where the text came from, for the diagnostics */
    char *src = NULL;
    rb_rulebook *meta = rb_xcalloc(1, sizeof *meta);
    meta->facts = rb_xcalloc(1, sizeof *meta->facts);
    int seen = 0;
    walk(root, meta, &seen);
    for (xmlNodePtr n = root; n;) {
        if (is_rb(n, "source")) {
            src = prop(n, "path");
            break;
        }
        if (n->children && n->type == XML_ELEMENT_NODE && !is_akn(n, "body") &&
            !is_akn(n, "preface"))
            n = n->children;
        else {
            while (n && !n->next)
                n = n->parent;
            if (n)
                n = n->next;
        }
    }
    if (!src)
        src = rb_xstrdup(path);
    lines L = {0};
    rb_diags junkd;
    rb_diags_init(&junkd);
    collect(&L, root, &junkd, src);
    xmlFreeDoc(x);
    rb_buf text;
    rb_buf_init(&text);
    for (size_t i = 0; i < L.n; i++) {
        rb_buf_put(&text, L.v[i].data ? L.v[i].data : "", L.v[i].len);
        rb_buf_putc(&text, '\n');
        rb_buf_free(&L.v[i]);
    }
    free(L.v);
    rb_compile_opts co = *o;
    co.no_meta = 1;
    co.meta_path = NULL;
    rb_doc *d = NULL;
    rb_status st = seen ? rb_compile_bytes(g, src, text.data ? text.data : "", text.len, &co, &d,
                                           diags, err)
                        : rb_error_set(err, RB_EINPUT, "akn", path, 1, 1, "xml-not-rulebook",
                                       "no rb:document metadata: compile the text with "
                                       "`rulebook compile`");
    rb_buf_free(&text);
    if (st == RB_OK) {
        /* metadata as compiled (sidecar included) */
        char **slots[] = {&d->id, &d->title, &d->jurisdiction, &d->level, &d->date,
                          &d->docnumber};
        char *vals[] = {meta->id, meta->title, meta->jurisdiction, meta->level, meta->date,
                        meta->docnumber};
        for (size_t i = 0; i < 6; i++)
            if (vals[i]) {
                free(*slots[i]);
                *slots[i] = rb_xstrdup(vals[i]);
            }
        for (size_t i = 0; i < junkd.n; i++) {
            const rb_diag *j = &junkd.items[i];
            rb_diags_add(diags, j->severity, j->file, j->line, j->col, j->rule, "%s", j->message);
        }
        *out = d;
    }
    rb_diags_free(&junkd);
    rb_rulebook_free(meta);
    free(src);
    return st;
}
