/* parse.c: third stage. Normalized view + grammar -> document model.
 *
 * Each line of the view is classified once by the grammar's roles (junk, toc, chapter,
 * article, point, title, text). The body starts at the first chapter or article line that
 * is followed by an article; everything before it is the preface (the issuing notice, with
 * its document number, date, issuer, recipients and adopting meeting marked inline) and the
 * title is the last title line before the body. Lines in the body become chapters, articles
 * and their blocks (paragraph lines and numbered points). Then the duplicate-run stage
 * (dedup.c) merges restarted copies and the numbering is checked. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef enum lkind { L_BLANK, L_JUNK, L_TOC, L_CHAPTER, L_ARTICLE, L_POINT, L_TITLE, L_TEXT } lkind;

/* One per line of the view: 48 bytes, as a 100 MB text has a million lines. Offsets fit 32
 * bits because inputs are limited to 1 GiB. */
typedef struct lineinfo {
    uint32_t s, e;   /* trimmed content (view offsets) */
    uint32_t ns, ne; /* number as written */
    uint32_t rs;     /* text after the number (article, point) */
    uint32_t hs, he; /* heading on a chapter line; hs == he when none */
    uint8_t kind;    /* lkind */
    long ordinal;
    const rb_pattern *pat;
} lineinfo;

typedef struct parser {
    const rb_grammar *g;
    rb_doc *d;
    rb_diags *diags;
    rb_error *err;
    lineinfo *li;
    size_t n;
} parser;

#define NOV 20

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; }

/* Try the patterns of a role on line [s,e); returns the pattern or NULL; ov relative to s.
 * -1 in *fail when a limit was hit. */
static const rb_pattern *match_role(parser *P, rb_role r, size_t s, size_t e, size_t *ov,
                                    int *fail)
{
    const rb_grammar *g = P->g;
    for (size_t k = 0; k < g->nby_role[r]; k++) {
        const rb_pattern *p = &g->patterns[g->by_role[r][k]];
        int m = rb_pattern_match(g, p, P->d->view->text + s, e - s, 0, ov, NOV, P->err);
        if (m < 0) {
            *fail = 1;
            return NULL;
        }
        if (m > 0)
            return p;
    }
    return NULL;
}

static int group(const rb_pattern *p, const char *name, const size_t *ov, size_t base,
                 size_t *gs, size_t *ge)
{
    size_t a, b;
    if (rb_pattern_group(p, name, ov, NOV, &a, &b) != 0)
        return -1;
    *gs = base + a;
    *ge = base + b;
    return 0;
}

static int group32(const rb_pattern *p, const char *name, const size_t *ov, size_t base,
                   uint32_t *gs, uint32_t *ge)
{
    size_t a, b;
    if (group(p, name, ov, base, &a, &b) != 0)
        return -1;
    *gs = (uint32_t)a;
    *ge = (uint32_t)b;
    return 0;
}

static rb_status limit_error(parser *P, size_t line)
{
    P->err->line = (unsigned)line + 1;
    P->err->col = 1;
    snprintf(P->err->file, sizeof P->err->file, "%s", P->d->name);
    return RB_ELIMIT;
}

static rb_status classify(parser *P)
{
    const rb_view *v = P->d->view;
    size_t ov[2 * NOV];
    int fail = 0;
    for (size_t i = 0; i < P->n; i++) {
        lineinfo *L = &P->li[i];
        size_t s = v->line_start[i];
        size_t e = i + 1 < v->nlines ? v->line_start[i + 1] - 1 : v->len;
        while (s < e && is_space(v->text[s]))
            s++;
        while (e > s && (is_space(v->text[e - 1]) || v->text[e - 1] == '\n'))
            e--;
        L->s = (uint32_t)s;
        L->e = (uint32_t)e;
        L->hs = L->he = 0;
        L->pat = NULL;
        if (s == e) {
            L->kind = L_BLANK;
            continue;
        }
        const rb_pattern *p;
        if ((p = match_role(P, RB_ROLE_JUNK, s, e, ov, &fail))) {
            L->kind = L_JUNK;
            L->pat = p;
        } else if (!fail && (p = match_role(P, RB_ROLE_TOC, s, e, ov, &fail))) {
            L->kind = L_TOC;
            L->pat = p;
        } else if (!fail && (p = match_role(P, RB_ROLE_CHAPTER, s, e, ov, &fail)) &&
                   group32(p, "num", ov, s, &L->ns, &L->ne) == 0 &&
                   rb_numeral_parse(v->text + L->ns, L->ne - L->ns, &L->ordinal) == 0) {
            L->kind = L_CHAPTER;
            L->pat = p;
            L->ns = (uint32_t)s; /* the number as written is the whole 第…章 */
            L->ne = (uint32_t)(s + ov[1]);
            if (group32(p, "heading", ov, s, &L->hs, &L->he) != 0)
                L->hs = L->he = 0;
            else {
                /* the number part ends where the heading starts */
                size_t z = L->hs;
                while (z > s && is_space(v->text[z - 1]))
                    z--;
                L->ne = (uint32_t)z;
            }
        } else if (!fail && (p = match_role(P, RB_ROLE_ARTICLE, s, e, ov, &fail)) &&
                   group32(p, "num", ov, s, &L->ns, &L->ne) == 0 &&
                   rb_numeral_parse(v->text + L->ns, L->ne - L->ns, &L->ordinal) == 0) {
            L->kind = L_ARTICLE;
            L->pat = p;
            L->ns = (uint32_t)s;
            L->ne = (uint32_t)(s + ov[1]);
            L->rs = L->ne;
            while (L->rs < e && is_space(v->text[L->rs]))
                L->rs++;
        } else if (!fail && (p = match_role(P, RB_ROLE_POINT, s, e, ov, &fail)) &&
                   group32(p, "num", ov, s, &L->ns, &L->ne) == 0 &&
                   rb_numeral_parse(v->text + L->ns, L->ne - L->ns, &L->ordinal) == 0) {
            L->kind = L_POINT;
            L->pat = p;
            L->ns = (uint32_t)s;
            L->ne = (uint32_t)(s + ov[1]);
            while (L->ne > s && is_space(v->text[L->ne - 1]))
                L->ne--;
            L->rs = (uint32_t)(s + ov[1]);
        } else if (!fail && (p = match_role(P, RB_ROLE_TITLE, s, e, ov, &fail))) {
            L->kind = L_TITLE;
            L->pat = p;
        } else {
            L->kind = L_TEXT;
        }
        if (fail)
            return limit_error(P, i);
    }
    return RB_OK;
}

static size_t push_block(rb_doc *d, rb_block_kind k, rb_span num, long ord, rb_span text,
                         unsigned line)
{
    if (d->nblocks == d->cblocks) {
        d->cblocks = d->cblocks ? 2 * d->cblocks : 64;
        d->blocks = rb_xrealloc(d->blocks, d->cblocks * sizeof *d->blocks);
    }
    rb_block *b = &d->blocks[d->nblocks];
    b->kind = k;
    b->num = num;
    b->ordinal = ord;
    b->text = text;
    b->line = line;
    return d->nblocks++;
}

static rb_span span(size_t a, size_t b) { return (rb_span){a, b > a ? b - a : 0}; }

static void add_mark(rb_doc *d, rb_mark_kind k, size_t a, size_t b, const char *value)
{
    if (d->nmarks == d->cmarks) {
        d->cmarks = d->cmarks ? 2 * d->cmarks : 16;
        d->marks = rb_xrealloc(d->marks, d->cmarks * sizeof *d->marks);
    }
    rb_mark *m = &d->marks[d->nmarks++];
    m->kind = k;
    m->span = span(a, b);
    snprintf(m->value, sizeof m->value, "%s", value ? value : "");
}

static void set_str(char **dst, char *val)
{
    free(*dst);
    *dst = val;
}

static void junk_line(parser *P, size_t i, const char *kind)
{
    lineinfo *L = &P->li[i];
    rb_doc_add_junk(P->d, span(L->s, L->e), kind, L->pat ? L->pat->id : kind);
    unsigned line, col;
    rb_doc_linecol(P->d, L->s, &line, &col);
    rb_diags_add(P->diags, RB_NOTE, P->d->name, line, col, L->pat ? L->pat->id : kind,
                 "set aside as %s, not part of the rulebook", kind);
}

/* Number group of a date pattern -> integer (ASCII or Chinese numerals). */
static int date_part(parser *P, const rb_pattern *p, const char *name, const size_t *ov,
                     size_t base, long *v)
{
    size_t a, b;
    if (group(p, name, ov, base, &a, &b) != 0)
        return -1;
    return rb_numeral_parse(P->d->view->text + a, b - a, v);
}

static int match_date(parser *P, const rb_pattern *p, size_t s, size_t e, size_t *ds,
                      size_t *de, char iso[16])
{
    size_t ov[2 * NOV];
    int m = rb_pattern_match(P->g, p, P->d->view->text + s, e - s, 0, ov, NOV, P->err);
    if (m <= 0)
        return 0;
    long y, mo, dd;
    if (date_part(P, p, "y", ov, s, &y) || date_part(P, p, "m", ov, s, &mo) ||
        date_part(P, p, "d", ov, s, &dd))
        return 0;
    if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || y < 1900 || y > 2100)
        return 0;
    snprintf(iso, 16, "%04ld-%02ld-%02ld", y, mo, dd);
    size_t ys, ye;
    *ds = group(p, "y", ov, s, &ys, &ye) == 0 ? ys : s + ov[0];
    *de = s + ov[1];
    return 1;
}

static size_t next_nonblank(parser *P, size_t i)
{
    for (size_t j = i + 1; j < P->n; j++)
        if (P->li[j].kind != L_BLANK)
            return j;
    return P->n;
}

static void preface(parser *P, size_t body_start, size_t title_line)
{
    rb_doc *d = P->d;
    const rb_grammar *g = P->g;
    size_t ov[2 * NOV];
    char iso[16];
    /* the date of the notice: patterns in file order give the priority */
    size_t date_line = (size_t)-1;
    for (size_t k = 0; k < g->nby_role[RB_ROLE_DATE] && date_line == (size_t)-1; k++) {
        const rb_pattern *p = &g->patterns[g->by_role[RB_ROLE_DATE][k]];
        for (size_t i = 0; i < body_start; i++) {
            lineinfo *L = &P->li[i];
            if (L->kind == L_BLANK || L->kind == L_JUNK || L->kind == L_TOC)
                continue;
            size_t a, b;
            if (match_date(P, p, L->s, L->e, &a, &b, iso)) {
                date_line = i;
                set_str(&d->date, rb_xstrdup(iso));
                d->date_from = "text";
                break;
            }
        }
    }
    for (size_t i = 0; i < body_start; i++) {
        lineinfo *L = &P->li[i];
        if (L->kind == L_BLANK)
            continue;
        if (L->kind == L_JUNK) {
            junk_line(P, i, L->pat->kind);
            continue;
        }
        if (L->kind == L_TOC) {
            junk_line(P, i, "toc");
            continue;
        }
        if (d->nplines == d->cplines) {
            d->cplines = d->cplines ? 2 * d->cplines : 16;
            d->plines = rb_xrealloc(d->plines, d->cplines * sizeof *d->plines);
        }
        rb_pline *pl = &d->plines[d->nplines++];
        memset(pl, 0, sizeof *pl);
        pl->text = span(L->s, L->e);
        pl->line = (unsigned)i + 1;
        pl->first_mark = d->nmarks;
        const char *text = d->view->text + L->s;
        size_t len = L->e - L->s;
        if (i == title_line) {
            pl->is_title = 1;
            int m = rb_pattern_match(g, L->pat, text, len, 0, ov, NOV, P->err);
            size_t a, b;
            if (m > 0 && group(L->pat, "title", ov, L->s, &a, &b) == 0) {
                add_mark(d, RB_MARK_TITLE, a, b, NULL);
                set_str(&d->title, rb_doc_text(d, span(a, b)));
                d->title_from = "text";
            }
        }
        const rb_pattern *p;
        for (size_t k = 0; k < g->nby_role[RB_ROLE_DOCNUMBER]; k++) {
            p = &g->patterns[g->by_role[RB_ROLE_DOCNUMBER][k]];
            size_t a, b;
            if (rb_pattern_match(g, p, text, len, 0, ov, NOV, P->err) > 0 &&
                group(p, "docnumber", ov, L->s, &a, &b) == 0) {
                add_mark(d, RB_MARK_DOCNUMBER, a, b, NULL);
                if (!d->docnumber) {
                    d->docnumber = rb_doc_text(d, span(a, b));
                    d->docnumber_from = "text";
                }
                break;
            }
        }
        if (i == date_line) {
            for (size_t k = 0; k < g->nby_role[RB_ROLE_DATE]; k++) {
                size_t a, b;
                if (match_date(P, &g->patterns[g->by_role[RB_ROLE_DATE][k]], L->s, L->e, &a,
                               &b, iso)) {
                    add_mark(d, RB_MARK_DATE, a, b, iso);
                    break;
                }
            }
        }
        for (size_t k = 0; k < g->nby_role[RB_ROLE_RECIPIENTS]; k++) {
            p = &g->patterns[g->by_role[RB_ROLE_RECIPIENTS][k]];
            if (rb_pattern_match(g, p, text, len, 0, ov, NOV, P->err) > 0) {
                add_mark(d, RB_MARK_RECIPIENTS, L->s, L->e, NULL);
                break;
            }
        }
        for (size_t k = 0; k < g->nby_role[RB_ROLE_ADOPTED]; k++) {
            p = &g->patterns[g->by_role[RB_ROLE_ADOPTED][k]];
            size_t a, b;
            if (rb_pattern_match(g, p, text, len, 0, ov, NOV, P->err) > 0 &&
                group(p, "meeting", ov, L->s, &a, &b) == 0) {
                add_mark(d, RB_MARK_ADOPTED, a, b, NULL);
                if (!d->adopted)
                    d->adopted = rb_doc_text(d, span(a, b));
                break;
            }
        }
        /* the issuer signs just above the date line */
        if (date_line != (size_t)-1 && next_nonblank(P, i) == date_line) {
            for (size_t k = 0; k < g->nby_role[RB_ROLE_ISSUER]; k++) {
                p = &g->patterns[g->by_role[RB_ROLE_ISSUER][k]];
                size_t a, b;
                if (rb_pattern_match(g, p, text, len, 0, ov, NOV, P->err) > 0 &&
                    group(p, "issuer", ov, L->s, &a, &b) == 0) {
                    add_mark(d, RB_MARK_ISSUER, a, b, NULL);
                    if (!d->issuer)
                        d->issuer = rb_doc_text(d, span(a, b));
                    break;
                }
            }
        }
        pl->nmarks = d->nmarks - pl->first_mark;
    }
}

static long new_chapter(parser *P, size_t i)
{
    rb_doc *d = P->d;
    lineinfo *L = &P->li[i];
    if (d->nchapters == d->cchapters) {
        d->cchapters = d->cchapters ? 2 * d->cchapters : 16;
        d->chapters = rb_xrealloc(d->chapters, d->cchapters * sizeof *d->chapters);
    }
    rb_chapter *c = &d->chapters[d->nchapters];
    memset(c, 0, sizeof *c);
    c->num = span(L->ns, L->ne);
    c->ordinal = L->ordinal;
    c->line = (unsigned)i + 1;
    c->first_article = d->narticles;
    c->first_intro = d->nblocks;
    if (L->he > L->hs) {
        c->heading = span(L->hs, L->he);
        c->heading_line = c->line;
    }
    return (long)d->nchapters++;
}

static void new_article(parser *P, size_t i, long chapter)
{
    rb_doc *d = P->d;
    lineinfo *L = &P->li[i];
    if (d->narticles == d->carticles) {
        d->carticles = d->carticles ? 2 * d->carticles : 64;
        d->articles = rb_xrealloc(d->articles, d->carticles * sizeof *d->articles);
    }
    rb_article *a = &d->articles[d->narticles++];
    memset(a, 0, sizeof *a);
    a->num = span(L->ns, L->ne);
    a->ordinal = L->ordinal;
    a->line = (unsigned)i + 1;
    a->chapter = chapter;
    a->first_block = d->nblocks;
    if (L->e > L->rs)
        push_block(d, RB_BLOCK_P, span(0, 0), 0, span(L->rs, L->e), a->line);
    a->nblocks = d->nblocks - a->first_block;
    if (chapter >= 0)
        d->chapters[chapter].narticles++;
    if (L->pat && L->pat->kind && strcmp(L->pat->kind, "tiao") == 0)
        d->articles_style_tiao = 1;
}

static void body(parser *P, size_t body_start)
{
    rb_doc *d = P->d;
    long ch = -1;
    long art = -1;
    size_t ov[2 * NOV];
    for (size_t i = body_start; i < P->n; i++) {
        lineinfo *L = &P->li[i];
        unsigned line = (unsigned)i + 1, col;
        switch (L->kind) {
        case L_BLANK:
            break;
        case L_JUNK:
            junk_line(P, i, L->pat->kind);
            break;
        case L_TOC:
            junk_line(P, i, "toc");
            break;
        case L_CHAPTER: {
            ch = new_chapter(P, i);
            art = -1;
            rb_chapter *c = &d->chapters[ch];
            if (c->heading.len)
                break;
            size_t j = next_nonblank(P, i);
            int ok = 0;
            if (j < P->n && (P->li[j].kind == L_TEXT || P->li[j].kind == L_TITLE)) {
                int fail = 0;
                const rb_pattern *hp =
                    match_role(P, RB_ROLE_HEADING, P->li[j].s, P->li[j].e, ov, &fail);
                size_t a, b;
                if (hp && group(hp, "heading", ov, P->li[j].s, &a, &b) == 0) {
                    c->heading = span(a, b);
                    c->heading_line = (unsigned)j + 1;
                    P->li[j].kind = L_BLANK; /* consumed */
                    ok = 1;
                }
            }
            if (!ok) {
                rb_doc_linecol(d, L->s, &line, &col);
                rb_diags_add(P->diags, RB_WARNING, d->name, line, col, "chapter-heading-missing",
                             "chapter %ld has no heading", c->ordinal);
            }
            break;
        }
        case L_ARTICLE:
            new_article(P, i, ch);
            art = (long)d->narticles - 1;
            break;
        case L_POINT:
            if (art >= 0) {
                push_block(d, RB_BLOCK_POINT, span(L->ns, L->ne), L->ordinal, span(L->rs, L->e),
                           line);
                d->articles[art].nblocks++;
                break;
            }
            /* a point outside any article is plain text */
            /* fall through */
        case L_TITLE:
        case L_TEXT:
            if (art >= 0) {
                push_block(d, RB_BLOCK_P, span(0, 0), 0, span(L->s, L->e), line);
                d->articles[art].nblocks++;
            } else if (ch >= 0) {
                push_block(d, RB_BLOCK_P, span(0, 0), 0, span(L->s, L->e), line);
                d->chapters[ch].nintro++;
                rb_doc_linecol(d, L->s, &line, &col);
                rb_diags_add(P->diags, RB_WARNING, d->name, line, col, "text-outside-article",
                             "text between the heading of chapter %ld and its first article",
                             d->chapters[ch].ordinal);
            }
            break;
        }
    }
}

/* eIds: chp_N, chp_N__art_M (art_M without chapters); repeated numbers get a suffix on the
 * container so that every article eId still ends in art_M. */
static void assign_eids(rb_doc *d)
{
    rb_omap seen = {0}; /* chapters so far with each number */
    for (size_t i = 0; i < d->nchapters; i++) {
        rb_chapter *c = &d->chapters[i];
        int fresh;
        size_t *cnt = rb_omap_slot(&seen, c->ordinal, &fresh);
        int rep = (int)++*cnt;
        if (rep == 1)
            snprintf(c->eid, sizeof c->eid, "chp_%ld", c->ordinal);
        else
            snprintf(c->eid, sizeof c->eid, "chp_%ld-%d", c->ordinal, rep);
    }
    rb_omap_free(&seen);
    for (size_t i = 0; i < d->narticles; i++) {
        rb_article *a = &d->articles[i];
        int rep = 1;
        for (size_t k = i; k-- > 0;) {
            if (d->articles[k].chapter != a->chapter)
                break;
            if (d->articles[k].ordinal == a->ordinal)
                rep++;
        }
        char pre[48] = "";
        if (a->chapter >= 0)
            snprintf(pre, sizeof pre, "%s__", d->chapters[a->chapter].eid);
        if (rep == 1)
            snprintf(a->eid, sizeof a->eid, "%sart_%ld", pre, a->ordinal);
        else
            snprintf(a->eid, sizeof a->eid, "%srep_%d__art_%ld", pre, rep, a->ordinal);
    }
}

static void check_sequence(rb_doc *d, rb_diags *diags, const char *what, long prev, long cur,
                           rb_span at, int first)
{
    unsigned line, col;
    rb_doc_linecol(d, at.off, &line, &col);
    char pn[64], cn[64], mn[64];
    rb_numeral_format(prev, pn, sizeof pn);
    rb_numeral_format(cur, cn, sizeof cn);
    if (first) {
        if (cur != 1)
            rb_diags_add(diags, RB_WARNING, d->name, line, col, "numbering-start",
                         "%s numbering starts at %s (%ld), not at 一", what, cn, cur);
        return;
    }
    if (cur == prev + 1)
        return;
    if (cur == prev)
        rb_diags_add(diags, RB_ERROR, d->name, line, col, "numbering-duplicate",
                     "%s %s (%ld) appears twice in a row", what, cn, cur);
    else if (cur < prev)
        rb_diags_add(diags, RB_ERROR, d->name, line, col, "numbering-restart",
                     "%s numbering restarts: %s (%ld) follows %s (%ld)", what, cn, cur, pn, prev);
    else {
        rb_numeral_format(prev + 1, mn, sizeof mn);
        if (cur == prev + 2)
            rb_diags_add(diags, RB_ERROR, d->name, line, col, "numbering-gap",
                         "%s %s (%ld) follows %s (%ld): %s %s (%ld) is missing", what, cn, cur,
                         pn, prev, what, mn, prev + 1);
        else
            rb_diags_add(diags, RB_ERROR, d->name, line, col, "numbering-gap",
                         "%s %s (%ld) follows %s (%ld): %ld %ss are missing", what, cn, cur, pn,
                         prev, cur - prev - 1, what);
    }
}

static void check_numbering(rb_doc *d, rb_diags *diags)
{
    for (size_t i = 0; i < d->nchapters; i++)
        check_sequence(d, diags, "chapter", i ? d->chapters[i - 1].ordinal : 0,
                       d->chapters[i].ordinal, d->chapters[i].num, i == 0);
    for (size_t i = 0; i < d->narticles; i++)
        check_sequence(d, diags, "article", i ? d->articles[i - 1].ordinal : 0,
                       d->articles[i].ordinal, d->articles[i].num, i == 0);
    for (size_t i = 0; i < d->narticles; i++) {
        const rb_article *a = &d->articles[i];
        long prev = 0;
        int inlist = 0;
        for (size_t k = 0; k < a->nblocks; k++) {
            const rb_block *b = &d->blocks[a->first_block + k];
            if (b->kind != RB_BLOCK_POINT) {
                inlist = 0;
                continue;
            }
            check_sequence(d, diags, "point", prev, b->ordinal, b->num, !inlist);
            prev = b->ordinal;
            inlist = 1;
        }
    }
}

rb_status rb_parse(const rb_grammar *g, rb_doc *d, rb_diags *diags, rb_error *err)
{
    parser P = {g, d, diags, err, NULL, d->view->nlines};
    P.li = rb_xmalloc((P.n ? P.n : 1) * sizeof *P.li);
    rb_status st = classify(&P);
    if (st != RB_OK) {
        free(P.li);
        return st;
    }
    /* body: first chapter/article line with an article at or after it */
    size_t last_article = P.n, body_start = P.n;
    for (size_t i = P.n; i-- > 0;)
        if (P.li[i].kind == L_ARTICLE) {
            last_article = i;
            break;
        }
    for (size_t i = 0; i < P.n && i <= last_article && last_article < P.n; i++)
        if (P.li[i].kind == L_CHAPTER || P.li[i].kind == L_ARTICLE) {
            body_start = i;
            break;
        }
    if (body_start == P.n) {
        free(P.li);
        return rb_error_set(err, RB_EINPUT, "parse", d->name, 1, 1, "no-articles",
                            "no articles found (no line starts like 一、 or 第一条); is this a "
                            "rulebook text?");
    }
    size_t title_line = (size_t)-1;
    for (size_t i = body_start; i-- > 0;)
        if (P.li[i].kind == L_TITLE) {
            title_line = i;
            break;
        }
    preface(&P, body_start, title_line);
    if (title_line == (size_t)-1)
        rb_diags_add(diags, RB_WARNING, d->name, (unsigned)body_start + 1, 1, "title-missing",
                     "no title line (…工作规则) before the first chapter or article");
    body(&P, body_start);
    free(P.li);
    /* the arrays grew by doubling; the model lives until the output is written */
    if (d->narticles) {
        d->articles = rb_xrealloc(d->articles, d->narticles * sizeof *d->articles);
        d->carticles = d->narticles;
    }
    if (d->nblocks) {
        d->blocks = rb_xrealloc(d->blocks, d->nblocks * sizeof *d->blocks);
        d->cblocks = d->nblocks;
    }
    rb_doc_sort_junk(d);
    rb_dedup(d, diags);
    assign_eids(d);
    check_numbering(d, diags);
    return RB_OK;
}
