/* render_akn.c: the last compile stage. Document model -> Akoma Ntoso 3.0 XML, streamed with
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
    uint32_t cbase; /* 0: the text has no C0 control to write */
    rb_buf tb;      /* a span's text, reused from span to span */
} wr;

static void start(wr *W, const char *name) { rb_xw_start(W->w, name); }
static void end(wr *W) { rb_xw_end(W->w); }
static void attr(wr *W, const char *name, const char *val) { rb_xw_attr(W->w, name, val); }
#define attrf(W, ...) rb_xw_attrf((W)->w, __VA_ARGS__)
static void text(wr *W, const char *s) { rb_xw_text(W->w, s, strlen(s)); }
static void span_text(wr *W, rb_span s)
{
    W->tb.len = 0;
    rb_doc_text_to(W->d, s, &W->tb);
    rb_xw_text(W->w, rb_buf_cstr(&W->tb), W->tb.len);
}
/* rb:col, the column the piece s starts at on its source line, where that is not the first:
 * the read-back (readback.c) puts the pieces of a line back where they stood, so that a
 * space is between them exactly where the text had one (第一条第二章 is one article,
 * 第一条 第二章 two pieces) */
static void col_attr(wr *W, rb_span s)
{
    unsigned line, col;
    rb_doc_linecol(W->d, s.off, &line, &col);
    if (col > 1)
        rb_xw_attr_int(W->w, "rb:col", (long long)col);
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

/* FRBRthis is base + this_suffix */
static void frbr(wr *W, const char *level, const char *base, const char *this_suffix,
                 const char *uri, const char *date, const char *datename, const char *author)
{
    start(W, level);
    start(W, "FRBRthis");
    attrf(W, "value", "%s%s", base, this_suffix);
    end(W);
    empty(W, "FRBRuri", "value", uri, NULL, NULL);
    empty(W, "FRBRdate", "date", date, "name", datename);
    empty(W, "FRBRauthor", "href", author, NULL, NULL);
}

static void meta(wr *W)
{
    const rb_doc *d = W->d;
    const char *date = d->date ? d->date : "0001-01-01";
    const char *dname = d->date ? "issued" : "unknown";
    /* the FRBR URIs, at any length (a sidecar's id may be long: a cut URI could end inside a
     * character) */
    char *work = rb_xasprintf("/akn/cn/act/%s/%s", date, d->id);
    char *expr = rb_xasprintf("%s/zho@", work);
    char *mani = rb_xasprintf("%s.akn", expr);
    start(W, "meta");
    start(W, "identification");
    attr(W, "source", "#rulebook");
    frbr(W, "FRBRWork", work, "/!main", work, date, dname, "#issuer");
    empty(W, "FRBRcountry", "value", "cn", NULL, NULL);
    empty(W, "FRBRsubtype", "value", "rulebook", NULL, NULL);
    if (d->docnumber)
        empty(W, "FRBRnumber", "value", d->docnumber, NULL, NULL);
    if (d->title)
        empty(W, "FRBRname", "value", d->title, NULL, NULL);
    end(W);
    frbr(W, "FRBRExpression", expr, "/!main", expr, date, dname, "#issuer");
    empty(W, "FRBRlanguage", "language", "zho", NULL, NULL);
    end(W);
    frbr(W, "FRBRManifestation", expr, "/!main.xml", mani, date, dname, "#rulebook");
    free(work);
    free(expr);
    free(mani);
    end(W);
    end(W); /* identification */

    rb_facts_write_xml(W->w, d->facts, d);

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
    if (d->src->sha256[0])
        attr(W, "sha256", d->src->sha256);
    rb_xw_attr_int(W->w, "bytes", (long long)d->src->raw_len);
    attr(W, "encoding", d->src->encoding);
    attr(W, "lineEnd", rb_source_line_end_name(d->src));
    rb_xw_attr_int(W->w, "lines", (long long)d->src->nlines);
    attr(W, "script", rb_script_name(d->view->script));
    rb_xw_attr_int(W->w, "traditionalChars", (long long)d->view->n_trad);
    rb_xw_attr_int(W->w, "simplifiedChars", (long long)d->view->n_simp);
    attr(W, "grammar", d->grammar_version);
    attr(W, "generator", "rulebook " RB_VERSION);
    /* the model's format: 2, every piece that does not start its line says its column */
    rb_xw_attr_int(W->w, "format", RB_MODEL_FORMAT);
    if (W->cbase) /* the text's C0 controls are written as the characters from here on */
        attrf(W, "controls", "U+%04X", (unsigned)W->cbase);
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
    rb_xw_attr_int(W->w, "chapters", (long long)d->nchapters);
    rb_xw_attr_int(W->w, "articles", (long long)d->narticles);
    rb_xw_attr_int(W->w, "duplicateRuns", (long long)d->duplicate_runs);
    end(W);
    for (size_t i = 0; i < d->njunk; i++) {
        const rb_junk *j = &d->junk[i];
        start(W, "rb:junk");
        attr(W, "kind", j->kind);
        attr(W, "rule", j->rule);
        rb_xw_attr_int(W->w, "line", (long long)j->line);
        rb_xw_attr_int(W->w, "col", (long long)j->col);
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
    rb_xw_attr_int(W->w, "rb:line", (long long)p->line);
    col_attr(W, p->text);
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
            rb_xw_attr_int(W->w, "rb:line", (long long)p->line);
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
    rb_xw_attr_int(W->w, "rb:line", (long long)line);
    col_attr(W, s);
    span_text(W, s);
    end(W);
}

static void point(wr *W, const rb_block *b, const char *list_eid, size_t k)
{
    start(W, "point");
    attrf(W, "eId", "%s__point_%zu", list_eid, k);
    rb_xw_attr_int(W->w, "rb:ordinal", (long long)b->ordinal);
    rb_xw_attr_int(W->w, "rb:line", (long long)b->line);
    start(W, "num");
    col_attr(W, rb_span_of(b->num));
    span_text(W, rb_span_of(b->num));
    end(W);
    start(W, "content");
    content_p(W, rb_span_of(b->text), b->line);
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
        rb_xw_attr_int(W->w, "rb:line", (long long)a->line);
    } else {
        start(W, "article");
        attr(W, "eId", a->eid);
        rb_xw_attr_int(W->w, "rb:ordinal", (long long)a->ordinal);
        rb_xw_attr_int(W->w, "rb:line", (long long)a->line);
        start(W, "num");
        col_attr(W, rb_span_of(a->num));
        span_text(W, rb_span_of(a->num));
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
            content_p(W, rb_span_of(bl[k].text), bl[k].line);
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
            content_p(W, rb_span_of(bl[k].text), bl[k].line);
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
            content_p(W, rb_span_of(bl[k].text), bl[k].line);
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
    rb_xw_attr_int(W->w, "rb:ordinal", (long long)c->ordinal);
    rb_xw_attr_int(W->w, "rb:line", (long long)c->line);
    start(W, "num");
    col_attr(W, c->num);
    span_text(W, c->num);
    end(W);
    if (c->heading.len) {
        start(W, "heading");
        rb_xw_attr_int(W->w, "rb:line", (long long)c->heading_line);
        col_attr(W, c->heading);
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
            content_p(W, rb_span_of(d->blocks[c->first_intro + k].text), d->blocks[c->first_intro + k].line);
        end(W);
        return;
    }
    if (c->nintro) {
        start(W, "intro");
        for (size_t k = 0; k < c->nintro; k++)
            content_p(W, rb_span_of(d->blocks[c->first_intro + k].text), d->blocks[c->first_intro + k].line);
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

/* The character block the text's controls are written as: Control Pictures unless the text
 * holds some itself (then a block of the Private Use Area it does not use), so that reading
 * the file back gives every character as it was. 0 without controls; (uint32_t)-1 when every
 * block is taken. */
static uint32_t control_base(const rb_doc *d)
{
    if (!d->src->xml_controls) /* (found when the source was read) */
        return 0;
    uint32_t b = rb_xml_control_base(d->src->text, d->src->len);
    return b ? b : (uint32_t)-1;
}

static void write_doc(const rb_doc *d, rb_xw *w, uint32_t cbase)
{
    wr Wv = {w, d, cbase, {0}}, *W = &Wv;
    rb_xw_set_control_base(w, cbase ? cbase : 0x2400);
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
    rb_buf_free(&W->tb);
}

/* Write d with w (to a file descriptor or a buffer), then free w. */
static rb_status write_with(const rb_doc *d, rb_xw *w, uint32_t cbase, rb_error *err)
{
    write_doc(d, w, cbase);
    if (rb_xw_free(w) < 0)
        return rb_error_set(err, RB_EIO, "akn", d->name, 0, 0, "io-write",
                            "writing the XML failed: %s", strerror(errno ? errno : EIO));
    return RB_OK;
}

static rb_status controls_error(const rb_doc *d, rb_error *err)
{
    return rb_error_set(err, RB_EINPUT, "akn", d->name, 1, 1, "input-controls",
                        "the text holds control characters and characters of every block "
                        "they could be written as in XML (U+2400, U+F500, U+F600, U+F700)");
}

rb_status rb_akn_write_fd(const rb_doc *d, int fd, rb_error *err)
{
    uint32_t cbase = control_base(d);
    if (cbase == (uint32_t)-1)
        return controls_error(d, err);
    return write_with(d, rb_xw_new(fd), cbase, err);
}

rb_status rb_akn_write_buf(const rb_doc *d, rb_buf *out, rb_error *err)
{
    uint32_t cbase = control_base(d);
    if (cbase == (uint32_t)-1)
        return controls_error(d, err);
    return write_with(d, rb_xw_new_buf(out), cbase, err);
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
        if (err && st == RB_EIO) /* a write error is about the output, not the input */
            rb_utf8_fit(err->file, sizeof err->file,
                        snprintf(err->file, sizeof err->file, "%s", path));
        return st;
    }
    return rb_atomic_commit(&a, err);
}
