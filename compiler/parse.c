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

/* One per segment of a line: a line is one segment, unless a chapter, an article or a point
 * starts inside it (a copy that lost its line breaks, 第四十六条 … 第四十七条 … on one line).
 * 56 bytes, as a 100 MB text has a million lines (and a copy out of a PDF five); they are
 * freed once the blocks are built. Offsets fit 32 bits: the view is under 4 GiB
 * (rb_view_build). */
typedef struct lineinfo {
    uint32_t s, e;   /* trimmed content (view offsets) */
    uint32_t ns, ne; /* number as written */
    uint32_t rs;     /* text after the number (article, point) */
    uint32_t hs, he; /* heading on a chapter line; hs == he when none */
    uint32_t line;   /* source line, 0-based */
    uint8_t kind;    /* lkind */
    uint8_t demoted; /* an article line of a style outranked in this document: a point */
    long ordinal;
    const rb_pattern *pat;
} lineinfo;

typedef struct parser {
    const rb_grammar *g;
    rb_doc *d;
    rb_diags *diags;
    rb_error *err;
    lineinfo *li;
    size_t n, cap;
    /* inline junk (annotations) found before classification: view spans, in order */
    rb_span *annot;
    size_t nannot;
    /* a line with inline junk is matched as its text without the junk: clean holds view
     * range [cs, ce) so (none while ce is 0), made while cnannot spans were known, and cmap
     * the view offset of each of its bytes */
    rb_buf clean;
    size_t *cmap, ccap;
    size_t cs, ce, cnannot;
    /* the numbering so far, to tell an inline start from a number inside a sentence */
    long last_chapter, last_article, last_point;
    const rb_pattern *last_article_pat;
    /* where units may start inside the line at hand (split_points), and whether there were
     * more than MAXCUTS of them */
    size_t *cut, ncut, ccut;
    int capped;
} parser;

#define NOV 20

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; }

/* The first of v[0..n) (ascending) at or past x, or n. */
static size_t first_at(const size_t *v, size_t n, size_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The first inline junk span that ends after s (P->nannot: none). */
static size_t annot_from(const parser *P, size_t s)
{
    size_t lo = 0, hi = P->nannot;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (P->annot[mid].off + P->annot[mid].len <= s)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The text patterns see for view range [s,e): the view itself, or, when inline junk lies
 * inside it, a copy without the junk and the view offset of each byte (*map). The copy of a
 * range holds that of every range inside it (the bytes whose offsets lie there, in a row):
 * a line's pieces are cut from the line's copy, not copied again each (a line of thousands
 * of places where a unit may start classifies a growing piece at each). */
static const char *piece(parser *P, size_t s, size_t e, size_t *n, const size_t **map)
{
    *map = NULL;
    *n = e - s;
    size_t lo = annot_from(P, s);
    if (lo == P->nannot || P->annot[lo].off >= e)
        return P->d->view->text + s;
    if (P->cnannot == P->nannot && P->cs <= s && e <= P->ce) { /* (e > 0 here) */
        size_t a = first_at(P->cmap, P->clean.len, s), b = first_at(P->cmap, P->clean.len, e);
        *n = b - a;
        *map = P->cmap + a;
        return P->clean.data + a;
    }
    P->clean.len = 0;
    if (P->ccap < e - s + 1) {
        P->ccap = 2 * (e - s) + 16;
        P->cmap = rb_xrealloc(P->cmap, P->ccap * sizeof *P->cmap);
    }
    for (size_t k = s, j = lo; k < e;) {
        if (j < P->nannot && P->annot[j].off <= k) {
            k = P->annot[j].off + P->annot[j].len;
            j++;
            continue;
        }
        size_t z = j < P->nannot && P->annot[j].off < e ? P->annot[j].off : e;
        for (size_t q = k; q < z; q++)
            P->cmap[P->clean.len + q - k] = q;
        rb_buf_put(&P->clean, P->d->view->text + k, z - k);
        k = z;
    }
    rb_buf_cstr(&P->clean);
    P->cs = s;
    P->ce = e;
    P->cnannot = P->nannot;
    *n = P->clean.len;
    *map = P->cmap;
    return P->clean.data;
}

/* Match pattern p on view range [s,e) (without its inline junk). ov gets VIEW offsets.
 * Returns 1, 0, or -1 (a limit was hit; P->err is filled). */
static int match_at(parser *P, const rb_pattern *p, size_t s, size_t e, size_t *ov)
{
    size_t n;
    const size_t *map;
    const char *t = piece(P, s, e, &n, &map);
    int m = rb_pattern_match(P->g, p, t, n, 0, ov, NOV, P->err);
    if (m <= 0)
        return m;
    for (size_t i = 0; i < 2 * NOV; i++) {
        if (ov[i] == (size_t)-1)
            continue;
        if (!map)
            ov[i] += s;
        else if (i % 2 == 0) /* a start: the byte it is */
            ov[i] = ov[i] < n ? map[ov[i]] : e;
        else /* an end: just past the byte before it */
            ov[i] = ov[i] > 0 ? map[ov[i] - 1] + 1 : s;
    }
    return 1;
}

/* Try the patterns of a role on [s,e); returns the pattern or NULL; ov in view offsets.
 * *fail is set when a limit was hit. */
static const rb_pattern *match_role(parser *P, rb_role r, size_t s, size_t e, size_t *ov,
                                    int *fail)
{
    const rb_grammar *g = P->g;
    if (g->role_gate[r]) { /* none of them matches where their gate does not */
        size_t n;
        const size_t *map;
        const char *t = piece(P, s, e, &n, &map);
        rb_error ignored; /* a gate at a limit says nothing: the patterns are asked */
        if (rb_regex_match(g, g->role_gate[r], "gate", t, n, 0, ov, 1, &ignored) == 0)
            return NULL;
    }
    for (size_t k = 0; k < g->nby_role[r]; k++) {
        const rb_pattern *p = &g->patterns[g->by_role[r][k]];
        int m = match_at(P, p, s, e, ov);
        if (m < 0) {
            *fail = 1;
            return NULL;
        }
        if (m > 0)
            return p;
    }
    return NULL;
}

static int group(const rb_pattern *p, const char *name, const size_t *ov, size_t *gs,
                 size_t *ge)
{
    return rb_pattern_group(p, name, ov, NOV, gs, ge);
}

static int group32(const rb_pattern *p, const char *name, const size_t *ov, uint32_t *gs,
                   uint32_t *ge)
{
    size_t a, b;
    if (group(p, name, ov, &a, &b) != 0)
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

/* Classify [s,e) into L (s, e trimmed already). Returns -1 when a limit was hit. */
static int classify_piece(parser *P, size_t s, size_t e, lineinfo *L)
{
    const rb_view *v = P->d->view;
    size_t ov[2 * NOV];
    int fail = 0;
    L->s = (uint32_t)s;
    L->e = (uint32_t)e;
    L->hs = L->he = 0;
    L->pat = NULL;
    L->demoted = 0;
    L->ordinal = 0;
    if (s == e) {
        L->kind = L_BLANK;
        return 0;
    }
    const rb_pattern *p;
    if ((p = match_role(P, RB_ROLE_JUNK, s, e, ov, &fail))) {
        L->kind = L_JUNK;
        L->pat = p;
    } else if (!fail && (p = match_role(P, RB_ROLE_TOC, s, e, ov, &fail))) {
        L->kind = L_TOC;
        L->pat = p;
    } else if (!fail && (p = match_role(P, RB_ROLE_CHAPTER, s, e, ov, &fail)) &&
               group32(p, "num", ov, &L->ns, &L->ne) == 0 &&
               rb_numeral_parse(v->text + L->ns, L->ne - L->ns, &L->ordinal) == 0) {
        L->kind = L_CHAPTER;
        L->pat = p;
        L->ns = (uint32_t)s; /* the number as written is the whole 第…章 */
        L->ne = (uint32_t)ov[1];
        if (group32(p, "heading", ov, &L->hs, &L->he) != 0)
            L->hs = L->he = 0;
        else {
            /* the number part ends where the heading starts */
            size_t z = L->hs;
            while (z > s && is_space(v->text[z - 1]))
                z--;
            L->ne = (uint32_t)z;
        }
    } else if (!fail && (p = match_role(P, RB_ROLE_ARTICLE, s, e, ov, &fail)) &&
               group32(p, "num", ov, &L->ns, &L->ne) == 0 &&
               rb_numeral_parse(v->text + L->ns, L->ne - L->ns, &L->ordinal) == 0) {
        L->kind = L_ARTICLE;
        L->pat = p;
        L->ns = (uint32_t)s;
        L->ne = (uint32_t)ov[1];
        /* a copy that lost its punctuation puts it after the number: 第四十五条, */
        for (;;) {
            if (L->ne < e && (v->text[L->ne] == ',' || v->text[L->ne] == '.' ||
                              v->text[L->ne] == ':'))
                L->ne++;
            else if (L->ne + 3 <= e && memcmp(v->text + L->ne, "、", 3) == 0)
                L->ne += 3;
            else
                break;
        }
        L->rs = L->ne;
        while (L->rs < e && is_space(v->text[L->rs]))
            L->rs++;
    } else if (!fail && (p = match_role(P, RB_ROLE_POINT, s, e, ov, &fail)) &&
               group32(p, "num", ov, &L->ns, &L->ne) == 0 &&
               rb_numeral_parse(v->text + L->ns, L->ne - L->ns, &L->ordinal) == 0) {
        L->kind = L_POINT;
        L->pat = p;
        L->ns = (uint32_t)s;
        L->ne = (uint32_t)ov[1];
        while (L->ne > s && is_space(v->text[L->ne - 1]))
            L->ne--;
        L->rs = (uint32_t)ov[1];
    } else if (!fail && (p = match_role(P, RB_ROLE_TITLE, s, e, ov, &fail))) {
        L->kind = L_TITLE;
        L->pat = p;
    } else {
        L->kind = L_TEXT;
    }
    return fail ? -1 : 0;
}

/* Does a piece classified as L continue the numbering so far? Only then does a structural
 * number inside a line start a new segment: a chapter or an article of the same style that
 * is the next one (or the first of the text), or the next point. */
static int continues(const parser *P, const lineinfo *L)
{
    switch (L->kind) {
    case L_CHAPTER:
        return P->last_chapter < 0 ? 1 : L->ordinal == P->last_chapter + 1;
    case L_ARTICLE:
        if (P->last_article < 0) /* the first: the 第一条 style, or an article one */
            return L->pat->level == 1 || L->ordinal == 1;
        return L->pat == P->last_article_pat && L->ordinal == P->last_article + 1;
    case L_POINT:
        return P->last_article >= 0 && L->ordinal == P->last_point + 1;
    default:
        return 0;
    }
}

static void note_numbering(parser *P, const lineinfo *L)
{
    if (L->kind == L_CHAPTER) {
        P->last_chapter = L->ordinal;
    } else if (L->kind == L_ARTICLE) {
        P->last_article = L->ordinal;
        P->last_article_pat = L->pat;
        P->last_point = 0;
    } else if (L->kind == L_POINT) {
        P->last_point = L->ordinal;
    }
}

static lineinfo *push_seg(parser *P)
{
    RB_GROW(P->li, P->n, P->cap);
    return &P->li[P->n++];
}

/* [*s, *e) of the view without the spaces at either end, nor the inline junk at its start
 * (&nbsp; or a <p> before an article's number), with the spaces after it */
static void trim(const parser *P, size_t *s, size_t *e)
{
    const char *t = P->d->view->text;
    for (;;) {
        while (*s < *e && is_space(t[*s]))
            (*s)++;
        size_t j = annot_from(P, *s);
        if (j == P->nannot || P->annot[j].off != *s || P->annot[j].off + P->annot[j].len > *e)
            break;
        *s += P->annot[j].len;
    }
    while (*e > *s && (is_space(t[*e - 1]) || t[*e - 1] == '\n'))
        (*e)--;
}

/* A line's places where a unit may start, at most. A copy that lost every line break holds a
 * whole rulebook on one line (the old bound of 256 cut one of 250 articles at its 199th); a
 * rulebook has hundreds of units, not thousands. Beyond, the line's rest is read as text and
 * a warning says so: each rejected place classifies the growing piece before it again, which
 * a line of inline junk copies (1 MiB at most, max_line). */
#define MAXCUTS 4096

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Where a new unit may start inside [s,e): the ends of the `split` patterns' matches, sorted
 * and distinct in P->cut[0..P->ncut) (a copy that lost every line break has one line of
 * hundreds of units), MAXCUTS of them at most (P->capped: there were more). An anchored pattern (^: a chapter heading run on into its
 * first article) is asked first, and what it matches is one cut's head: the others look for
 * cuts after it only. Returns -1 when a limit was hit, else 0. */
static int split_points(parser *P, size_t s, size_t e)
{
    const rb_grammar *g = P->g;
    size_t from = 0;
    size_t ov[2 * NOV];
    P->ncut = 0;
    P->capped = 0;
    for (int anchored = 1; anchored >= 0; anchored--)
        for (size_t k = 0; k < g->nby_role[RB_ROLE_SPLIT]; k++) {
            const rb_pattern *p = &g->patterns[g->by_role[RB_ROLE_SPLIT][k]];
            if (rb_regex_anchored(p->code) != anchored)
                continue;
            size_t n;
            const size_t *map;
            const char *t = piece(P, s, e, &n, &map);
            for (size_t pos = anchored ? 0 : from; pos < n && !P->capped;) {
                int m = rb_pattern_match(g, p, t, n, pos, ov, NOV, P->err);
                if (m < 0)
                    return -1;
                if (m == 0)
                    break;
                size_t at = ov[1] < n ? (map ? map[ov[1]] : s + ov[1]) : e;
                if (at > s && at < e) {
                    if (P->ncut == MAXCUTS) { /* one more than are looked at */
                        P->capped = 1;
                        break;
                    }
                    RB_GROW(P->cut, P->ncut, P->ccut);
                    P->cut[P->ncut++] = at;
                }
                if (anchored && ov[1] > from)
                    from = ov[1];
                pos = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
                while (pos < n && ((unsigned char)t[pos] & 0xC0) == 0x80)
                    pos++;
            }
        }
    /* sorted (one pattern's come in order: sorted already, as a rule), distinct */
    size_t *cut = P->cut, nc = P->ncut;
    for (size_t i = 1; i < nc; i++)
        if (cut[i - 1] > cut[i]) {
            qsort(cut, nc, sizeof *cut, cmp_size);
            break;
        }
    size_t k = 0;
    for (size_t i = 0; i < nc; i++)
        if (k == 0 || cut[i] != cut[k - 1])
            cut[k++] = cut[i];
    P->ncut = k;
    return 0;
}

/* The end of line i of the view, which starts at s: its LF, or the end of the text for the last
 * line (the lines are walked in order: the view keeps no index of them) */
static size_t line_end(const rb_view *v, size_t i, size_t s)
{
    const char *lf = i + 1 < v->nlines ? memchr(v->text + s, '\n', v->len - s) : NULL;
    return lf ? (size_t)(lf - v->text) : v->len;
}

static rb_status classify(parser *P)
{
    const rb_view *v = P->d->view;
    P->last_chapter = P->last_article = -1;
    P->last_point = 0;
    /* a segment a line, as a rule: room for them at once, not by doubling (a text of short
     * lines held up to twice its segments) */
    if (P->cap < v->nlines) {
        P->cap = v->nlines;
        P->li = rb_xrealloc(P->li, P->cap * sizeof *P->li);
    }
    for (size_t i = 0, next = 0; i < v->nlines; i++) {
        size_t s = next, e = line_end(v, i, s);
        next = e + 1;
        trim(P, &s, &e);
        P->ncut = 0;
        if (s < e && split_points(P, s, e) < 0)
            return limit_error(P, i);
        const size_t *cut = P->cut;
        size_t nc = P->ncut;
        if (P->capped) {
            unsigned line, col; /* (in the source: where the last place looked at is) */
            rb_doc_linecol(P->d, cut[nc - 1], &line, &col);
            rb_diags_add(P->diags, RB_WARNING, P->d->name, line, col, "line-units-limit",
                         "more than %d places on this line where a chapter, article or point "
                         "may start; from here on the line is read as text",
                         MAXCUTS);
        }
        /* a cut is kept when what starts there continues the numbering: each piece is
         * classified up to the next candidate, then the kept segments for good */
        size_t seg_start = s;
        for (size_t k = 0; k <= nc; k++) {
            size_t c = k < nc ? cut[k] : e;
            if (k < nc) {
                lineinfo head, tail;
                size_t hs = seg_start, he = c, ts = c, te = k + 1 < nc ? cut[k + 1] : e;
                trim(P, &hs, &he);
                trim(P, &ts, &te);
                if (classify_piece(P, ts, te, &tail) < 0 || classify_piece(P, hs, he, &head) < 0)
                    return limit_error(P, i);
                parser Q = *P; /* the numbering after the head */
                note_numbering(&Q, &head);
                if (!continues(&Q, &tail))
                    continue;
            }
            size_t a = seg_start, z = c;
            trim(P, &a, &z);
            if (a < z || k == 0) {
                lineinfo *L = push_seg(P);
                if (classify_piece(P, a, z, L) < 0)
                    return limit_error(P, i);
                L->line = (uint32_t)i;
                note_numbering(P, L);
            }
            seg_start = c;
        }
    }
    return RB_OK;
}

/* An article style outranked in this document is a level of points: 一、 items under 第一条
 * articles, 1、 items under 一、 articles. A style outranks the lower ones once it has
 * `outranks_from` lines (a single 第X条 line in a text of 一、 articles may be a hard-wrapped
 * reference). */
static void demote(parser *P)
{
    size_t count[10] = {0};
    for (size_t i = 0; i < P->n; i++)
        if (P->li[i].kind == L_ARTICLE && P->li[i].pat->level > 0)
            count[P->li[i].pat->level]++;
    int top = 0;
    for (int lv = 1; lv < 10 && !top; lv++)
        for (size_t i = 0; i < P->n && !top; i++)
            if (P->li[i].kind == L_ARTICLE && P->li[i].pat->level == lv &&
                count[lv] >= (size_t)P->li[i].pat->outranks_from)
                top = lv;
    if (!top)
        return;
    for (size_t i = 0; i < P->n; i++) {
        lineinfo *L = &P->li[i];
        if (L->kind == L_ARTICLE && L->pat->level > top) {
            L->kind = L_POINT;
            L->demoted = 1;
            while (L->ne > L->ns && is_space(P->d->view->text[L->ne - 1]))
                L->ne--;
        }
    }
}

/* Inline junk: every match of an `annotation` pattern (its group `junk`, else the whole
 * match) is set aside before the lines are classified; one warning per line names them. */
static rb_status annotations(parser *P)
{
    const rb_grammar *g = P->g;
    if (g->nby_role[RB_ROLE_ANNOTATION] == 0)
        return RB_OK;
    const rb_view *v = P->d->view;
    size_t ov[2 * NOV];
    rb_buf words;
    rb_buf_init(&words);
    for (size_t i = 0, next = 0; i < v->nlines; i++) {
        size_t s = next, e = line_end(v, i, s);
        next = e + 1;
        size_t first = P->nannot, firstj = 0;
        const char *rule = NULL;
        words.len = 0;
        for (size_t k = 0; k < g->nby_role[RB_ROLE_ANNOTATION]; k++) {
            const rb_pattern *p = &g->patterns[g->by_role[RB_ROLE_ANNOTATION][k]];
            for (size_t pos = 0; pos < e - s;) {
                int m = rb_pattern_match(g, p, v->text + s, e - s, pos, ov, NOV, P->err);
                if (m < 0) {
                    rb_buf_free(&words);
                    return limit_error(P, i);
                }
                if (m == 0)
                    break;
                size_t a = ov[0], z = ov[1];
                size_t ga, gz;
                if (rb_pattern_group(p, "junk", ov, NOV, &ga, &gz) == 0) {
                    a = ga;
                    z = gz;
                }
                if (z > a) {
                    P->annot = rb_xrealloc(P->annot, (P->nannot + 1) * sizeof *P->annot);
                    P->annot[P->nannot++] = (rb_span){s + a, z - a};
                    rb_doc_add_junk(P->d, (rb_span){s + a, z - a}, p->kind, p->id);
                    if (!rule) {
                        rule = p->id;
                        firstj = P->d->njunk - 1;
                    }
                    /* the words with the character before the junk: 發(fā) */
                    size_t c = s + a;
                    while (c > s && ((unsigned char)v->text[c - 1] & 0xC0) == 0x80)
                        c--;
                    if (c > s)
                        c--;
                    while (c > s && ((unsigned char)v->text[c] & 0xC0) == 0x80)
                        c--;
                    char *t = rb_doc_raw(P->d, (rb_span){c, s + z - c});
                    rb_buf_printf(&words, "%s'%s'", words.len ? ", " : "", t);
                    free(t);
                }
                pos = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
                while (pos < e - s && ((unsigned char)v->text[s + pos] & 0xC0) == 0x80)
                    pos++;
            }
        }
        if (rule) {
            /* several patterns may interleave on a line: keep the spans in order */
            for (size_t q = first + 1; q < P->nannot; q++)
                for (size_t j = q; j > first && P->annot[j - 1].off > P->annot[j].off; j--) {
                    rb_span x = P->annot[j];
                    P->annot[j] = P->annot[j - 1];
                    P->annot[j - 1] = x;
                }
            const rb_junk *j = &P->d->junk[firstj];
            rb_diags_add(P->diags, RB_WARNING, P->d->name, j->line, j->col, rule,
                         "annotation in the text, set aside (the text reads without it): %s",
                         words.data);
        }
    }
    rb_buf_free(&words);
    return RB_OK;
}

_Static_assert(sizeof(rb_block) <= 28, "a block a line: kept small (model.h)");

static size_t push_block(rb_doc *d, rb_block_kind k, rb_span num, long ord, rb_span text,
                         unsigned line, unsigned style)
{
    RB_GROW(d->blocks, d->nblocks, d->cblocks);
    rb_block *b = &d->blocks[d->nblocks];
    b->kind = (uint8_t)k;
    b->num = rb_span32_of(num);
    b->ordinal = (int32_t)ord; /* (a numeral's value fits: rb_numeral_parse) */
    b->text = rb_span32_of(text);
    b->line = line;
    /* a grammar of more point patterns than that (none is) would have its last ones share a
     * style */
    b->style = style < UINT16_MAX ? (uint16_t)style : UINT16_MAX;
    return d->nblocks++;
}

static rb_span span(size_t a, size_t b) { return (rb_span){a, b > a ? b - a : 0}; }

static void add_mark(rb_doc *d, rb_mark_kind k, size_t a, size_t b, const char *value)
{
    RB_GROW(d->marks, d->nmarks, d->cmarks);
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
    size_t k = rb_doc_add_junk(P->d, span(L->s, L->e), kind, L->pat ? L->pat->id : kind);
    /* the whole line, when only white space is around the junk on it */
    const char *t = P->d->view->text;
    size_t n = P->d->view->len, a = L->s, z = L->e;
    while (a > 0 && (t[a - 1] == ' ' || t[a - 1] == '\t'))
        a--;
    while (z < n && (t[z] == ' ' || t[z] == '\t'))
        z++;
    if ((a == 0 || t[a - 1] == '\n') && (z == n || t[z] == '\n'))
        P->d->junk[k].lines = span(a, z < n ? z + 1 : z);
    unsigned line, col;
    rb_doc_linecol(P->d, L->s, &line, &col);
    rb_diags_add(P->diags, RB_NOTE, P->d->name, line, col, L->pat ? L->pat->id : kind,
                 "set aside as %s, not part of the rulebook", kind);
}

/* A blank line, or junk or a table of contents (recorded as junk): not part of the text. */
static int set_aside(parser *P, size_t i)
{
    const lineinfo *L = &P->li[i];
    if (L->kind == L_JUNK || L->kind == L_TOC)
        junk_line(P, i, L->kind == L_TOC ? "toc" : L->pat->kind);
    return L->kind == L_BLANK || L->kind == L_JUNK || L->kind == L_TOC;
}

/* Number group of a date pattern -> integer (ASCII or Chinese numerals). */
static int date_part(parser *P, const rb_pattern *p, const char *name, const size_t *ov, long *v)
{
    size_t a, b;
    if (group(p, name, ov, &a, &b) != 0)
        return -1;
    return rb_numeral_parse(P->d->view->text + a, b - a, v);
}

static int match_date(parser *P, const rb_pattern *p, size_t s, size_t e, size_t *ds,
                      size_t *de, char iso[16])
{
    size_t ov[2 * NOV];
    if (match_at(P, p, s, e, ov) <= 0)
        return 0;
    long y, mo, dd;
    if (date_part(P, p, "y", ov, &y) || date_part(P, p, "m", ov, &mo) ||
        date_part(P, p, "d", ov, &dd))
        return 0;
    if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || y < 1900 || y > 2100)
        return 0;
    snprintf(iso, 16, "%04ld-%02ld-%02ld", y, mo, dd);
    size_t ys, ye;
    *ds = group(p, "y", ov, &ys, &ye) == 0 ? ys : ov[0];
    *de = ov[1];
    return 1;
}

static size_t next_nonblank(parser *P, size_t i)
{
    for (size_t j = i + 1; j < P->n; j++)
        if (P->li[j].kind != L_BLANK)
            return j;
    return P->n;
}

/* Does any pattern of role r match segment i? */
static int role_matches(parser *P, rb_role r, size_t i)
{
    size_t ov[2 * NOV];
    int fail = 0;
    return match_role(P, r, P->li[i].s, P->li[i].e, ov, &fail) != NULL;
}

/* A line of the issuing notice: the title, a document number, a date, the addressees, the
 * issuer, the adopting meeting or the notice's own words (现予印发). */
static int notice_line(parser *P, size_t i)
{
    static const rb_role marks[] = {RB_ROLE_DOCNUMBER, RB_ROLE_DATE, RB_ROLE_RECIPIENTS,
                                    RB_ROLE_ISSUER, RB_ROLE_ADOPTED, RB_ROLE_NOTICE};
    if (P->li[i].kind == L_TITLE)
        return 1;
    if (P->li[i].kind != L_TEXT)
        return 0;
    for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++)
        if (role_matches(P, marks[k], i))
            return 1;
    return 0;
}

/* A segment that reads as running text: it ends a sentence somewhere. Inline junk (an
 * annotation) does not count: the model sets it aside, and the text read back has none. */
static int has_sentence(parser *P, size_t i)
{
    const lineinfo *L = &P->li[i];
    size_t n;
    const size_t *map;
    const char *t = piece(P, L->s, L->e, &n, &map);
    return rb_utf8_count(t, n) >= 8 && (memmem(t, n, "。", 3) || memchr(t, ';', n));
}

/* Do lines [from, to) hold points, or a text line that reads as running text? */
static void running_text(parser *P, size_t from, size_t to, int *points, int *sentences)
{
    *points = *sentences = 0;
    for (size_t i = from; i < to; i++) {
        *points |= P->li[i].kind == L_POINT;
        *sentences |= (P->li[i].kind == L_TEXT || P->li[i].kind == L_TITLE) && has_sentence(P, i);
    }
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
        if (set_aside(P, i))
            continue;
        RB_GROW(d->plines, d->nplines, d->cplines);
        rb_pline *pl = &d->plines[d->nplines++];
        memset(pl, 0, sizeof *pl);
        pl->text = span(L->s, L->e);
        pl->line = L->line + 1;
        pl->first_mark = d->nmarks;
        if (i == title_line) {
            pl->is_title = 1;
            size_t a, b;
            if (match_at(P, L->pat, L->s, L->e, ov) > 0 && group(L->pat, "title", ov, &a, &b) == 0) {
                add_mark(d, RB_MARK_TITLE, a, b, NULL);
                set_str(&d->title, rb_join_spaced(rb_drop_invisible(rb_doc_text(d, span(a, b)))));
                d->title_from = "text";
            }
        }
        const rb_pattern *p;
        for (size_t k = 0; k < g->nby_role[RB_ROLE_DOCNUMBER]; k++) {
            p = &g->patterns[g->by_role[RB_ROLE_DOCNUMBER][k]];
            size_t a, b;
            if (match_at(P, p, L->s, L->e, ov) > 0 && group(p, "docnumber", ov, &a, &b) == 0) {
                add_mark(d, RB_MARK_DOCNUMBER, a, b, NULL);
                if (!d->docnumber) {
                    d->docnumber = rb_join_spaced(rb_drop_invisible(rb_doc_text(d, span(a, b))));
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
            if (match_at(P, p, L->s, L->e, ov) > 0) {
                add_mark(d, RB_MARK_RECIPIENTS, L->s, L->e, NULL);
                break;
            }
        }
        for (size_t k = 0; k < g->nby_role[RB_ROLE_ADOPTED]; k++) {
            p = &g->patterns[g->by_role[RB_ROLE_ADOPTED][k]];
            size_t a, b;
            if (match_at(P, p, L->s, L->e, ov) > 0 && group(p, "meeting", ov, &a, &b) == 0) {
                add_mark(d, RB_MARK_ADOPTED, a, b, NULL);
                if (!d->adopted)
                    d->adopted = rb_join_spaced(rb_drop_invisible(rb_doc_text(d, span(a, b))));
                break;
            }
        }
        /* the issuer signs just above the date line */
        if (date_line != (size_t)-1 && next_nonblank(P, i) == date_line) {
            for (size_t k = 0; k < g->nby_role[RB_ROLE_ISSUER]; k++) {
                p = &g->patterns[g->by_role[RB_ROLE_ISSUER][k]];
                size_t a, b;
                if (match_at(P, p, L->s, L->e, ov) > 0 && group(p, "issuer", ov, &a, &b) == 0) {
                    add_mark(d, RB_MARK_ISSUER, a, b, NULL);
                    if (!d->issuer)
                        d->issuer = rb_join_spaced(rb_drop_invisible(rb_doc_text(d, span(a, b))));
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
    RB_GROW(d->chapters, d->nchapters, d->cchapters);
    rb_chapter *c = &d->chapters[d->nchapters];
    memset(c, 0, sizeof *c);
    c->num = span(L->ns, L->ne);
    c->ordinal = L->ordinal;
    c->line = L->line + 1;
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
    RB_GROW(d->articles, d->narticles, d->carticles);
    rb_article *a = &d->articles[d->narticles++];
    memset(a, 0, sizeof *a);
    a->num = rb_span32_of(span(L->ns, L->ne));
    a->ordinal = L->ordinal;
    a->line = L->line + 1;
    a->chapter = chapter;
    a->first_block = d->nblocks;
    if (L->e > L->rs)
        push_block(d, RB_BLOCK_P, span(0, 0), 0, span(L->rs, L->e), a->line, 0);
    a->nblocks = d->nblocks - a->first_block;
    if (chapter >= 0)
        d->chapters[chapter].narticles++;
    if (L->pat && L->pat->kind && strcmp(L->pat->kind, "tiao") == 0)
        d->articles_style_tiao = 1;
}

/* The numbering style of a point: its pattern. */
static unsigned style_of(const parser *P, const lineinfo *L)
{
    return L->pat ? (unsigned)(L->pat - P->g->patterns) + 1 : 0;
}

/* Segments [from, to) as the blocks of a: paragraph lines and points. */
static void add_blocks(parser *P, rb_article *a, size_t i)
{
    lineinfo *L = &P->li[i];
    if (L->kind == L_POINT)
        push_block(P->d, RB_BLOCK_POINT, span(L->ns, L->ne), L->ordinal, span(L->rs, L->e),
                   L->line + 1, style_of(P, L));
    else
        push_block(P->d, RB_BLOCK_P, span(0, 0), 0, span(L->s, L->e), L->line + 1, 0);
    a->nblocks++;
}

/* The tail of an article whose number the text does not show: segments [from, to). */
static void continuation(parser *P, size_t from, size_t to)
{
    rb_doc *d = P->d;
    rb_article *a = rb_xcalloc(1, sizeof *a);
    a->chapter = -1;
    a->first_block = d->nblocks;
    a->eid = "hcontainer_1";
    for (size_t i = from; i < to; i++) {
        lineinfo *L = &P->li[i];
        if (set_aside(P, i))
            continue;
        if (!a->line)
            a->line = L->line + 1;
        add_blocks(P, a, i);
    }
    d->cont = a;
}

static void body(parser *P, size_t body_start)
{
    rb_doc *d = P->d;
    long ch = -1;
    long art = -1;
    size_t ov[2 * NOV];
    for (size_t i = body_start; i < P->n; i++) {
        lineinfo *L = &P->li[i];
        unsigned line = L->line + 1, col;
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
                if (hp && group(hp, "heading", ov, &a, &b) == 0) {
                    c->heading = span(a, b);
                    c->heading_line = P->li[j].line + 1;
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
                add_blocks(P, &d->articles[art], i);
                break;
            }
            /* a point outside any article is plain text */
            /* fall through */
        case L_TITLE:
        case L_TEXT:
            if (art >= 0) {
                push_block(d, RB_BLOCK_P, span(0, 0), 0, span(L->s, L->e), line, 0);
                d->articles[art].nblocks++;
            } else if (ch >= 0) {
                push_block(d, RB_BLOCK_P, span(0, 0), 0, span(L->s, L->e), line, 0);
                if (d->chapters[ch].nintro++ == 0) { /* one warning per chapter */
                    rb_doc_linecol(d, L->s, &line, &col);
                    rb_diags_add(P->diags, RB_WARNING, d->name, line, col,
                                 "text-outside-article",
                                 "text between the heading of chapter %ld and its first article",
                                 d->chapters[ch].ordinal);
                }
            }
            break;
        }
    }
}

/* eIds: chp_N, chp_N__art_M (art_M without chapters); repeated numbers get a suffix on the
 * container so that every article eId still ends in art_M. One pass: the count of each
 * number so far in the current chapter. */
/* s[*at..] += the text t, or the decimal n; the result stays NUL-terminated and within sz */
static void eid_put(char *s, size_t sz, size_t *at, const char *t)
{
    while (*t && *at + 1 < sz)
        s[(*at)++] = *t++;
    s[*at] = 0;
}

static void eid_num(char *s, size_t sz, size_t *at, long n)
{
    char b[24], *p = b + sizeof b;
    unsigned long u = n < 0 ? 0UL - (unsigned long)n : (unsigned long)n;
    *--p = 0;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (n < 0)
        *--p = '-';
    eid_put(s, sz, at, p);
}

/* chp_N[-REP] for chapters; [CHAPTER__]art_N, or [CHAPTER__]rep_REP__art_N for the REP-th
 * article of the same number in one chapter (built by hand: one per article, printf showed) */
static void assign_eids(rb_doc *d)
{
    rb_omap seen = {0}; /* chapters so far with each number */
    for (size_t i = 0; i < d->nchapters; i++) {
        rb_chapter *c = &d->chapters[i];
        int fresh;
        size_t *cnt = rb_omap_slot(&seen, c->ordinal, &fresh);
        long rep = (long)++*cnt;
        size_t at = 0;
        eid_put(c->eid, sizeof c->eid, &at, "chp_");
        eid_num(c->eid, sizeof c->eid, &at, c->ordinal);
        if (rep > 1) {
            eid_put(c->eid, sizeof c->eid, &at, "-");
            eid_num(c->eid, sizeof c->eid, &at, rep);
        }
    }
    rb_omap_free(&seen);
    rb_omap inch = {0}; /* articles so far in the current chapter, by number */
    long cur = -2;
    /* the articles' eIds one after another in d->eids (a pointer each, not 64 bytes inline) */
    rb_buf all;
    rb_buf_init(&all);
    size_t *at_of = rb_xmalloc((d->narticles + 1) * sizeof *at_of);
    for (size_t i = 0; i < d->narticles; i++) {
        rb_article *a = &d->articles[i];
        if (a->chapter != cur) {
            rb_omap_free(&inch);
            cur = a->chapter;
        }
        int fresh;
        size_t *cnt = rb_omap_slot(&inch, a->ordinal, &fresh);
        long rep = (long)++*cnt;
        char eid[RB_EID_MAX];
        size_t at = 0;
        eid[0] = 0;
        if (a->chapter >= 0) {
            eid_put(eid, sizeof eid, &at, d->chapters[a->chapter].eid);
            eid_put(eid, sizeof eid, &at, "__");
        }
        if (rep > 1) {
            eid_put(eid, sizeof eid, &at, "rep_");
            eid_num(eid, sizeof eid, &at, rep);
            eid_put(eid, sizeof eid, &at, "__");
        }
        eid_put(eid, sizeof eid, &at, "art_");
        eid_num(eid, sizeof eid, &at, a->ordinal);
        at_of[i] = all.len;
        rb_buf_put(&all, eid, at + 1);
    }
    rb_omap_free(&inch);
    free(d->eids);
    d->eids = all.len ? rb_xrealloc(all.data, all.len) : (rb_buf_free(&all), NULL);
    for (size_t i = 0; i < d->narticles; i++)
        d->articles[i].eid = d->eids + at_of[i];
    free(at_of);
}

static void check_sequence(rb_doc *d, rb_diags *diags, const char *what, long prev, long cur,
                           rb_span at, int first)
{
    if (first ? cur == 1 : cur == prev + 1)
        return; /* in sequence: nothing to say (the common case, so nothing formatted) */
    unsigned line, col;
    rb_doc_linecol(d, at.off, &line, &col);
    char pn[64], cn[64], mn[64];
    rb_numeral_format(prev, pn, sizeof pn);
    rb_numeral_format(cur, cn, sizeof cn);
    if (first) {
        rb_diags_add(diags, RB_WARNING, d->name, line, col, "numbering-start",
                     "%s numbering starts at %s (%ld), not at 一", what, cn, cur);
        return;
    }
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

/* Points of one article: each numbering style is a list of its own, and a style nested under
 * another ((一) … 1、2、 … (二) … 1、) starts afresh under each item of the outer one. */
static void check_points(rb_doc *d, rb_diags *diags, const rb_article *a, int tail)
{
    unsigned stack[8];
    long prev[8];
    size_t depth = 0;
    for (size_t k = 0; k < a->nblocks; k++) {
        const rb_block *b = &d->blocks[a->first_block + k];
        if (b->kind != RB_BLOCK_POINT) {
            if (depth && k + 1 < a->nblocks &&
                d->blocks[a->first_block + k + 1].kind == RB_BLOCK_POINT)
                continue; /* a paragraph inside a point's text: the list goes on */
            depth = 0;
            continue;
        }
        size_t q = 0;
        while (q < depth && stack[q] != b->style)
            q++;
        if (q < depth) {
            check_sequence(d, diags, "point", prev[q], b->ordinal, rb_span_of(b->num), 0);
            prev[q] = b->ordinal;
            depth = q + 1; /* the deeper lists ended */
        } else if (depth < 8) {
            /* the tail of an article may open in the middle of its list */
            if (!(tail && k == 0))
                check_sequence(d, diags, "point", 0, b->ordinal, rb_span_of(b->num), 1);
            stack[depth] = b->style;
            prev[depth++] = b->ordinal;
        }
    }
}

static void check_numbering(rb_doc *d, rb_diags *diags)
{
    for (size_t i = 0; i < d->nchapters; i++)
        check_sequence(d, diags, "chapter", i ? d->chapters[i - 1].ordinal : 0,
                       d->chapters[i].ordinal, d->chapters[i].num, i == 0);
    for (size_t i = 0; i < d->narticles; i++)
        check_sequence(d, diags, "article", i ? d->articles[i - 1].ordinal : 0,
                       d->articles[i].ordinal, rb_span_of(d->articles[i].num), i == 0);
    for (size_t i = 0; i < d->narticles; i++)
        check_points(d, diags, &d->articles[i], 0);
}

rb_status rb_parse(const rb_grammar *g, rb_doc *d, rb_diags *diags, rb_error *err)
{
    parser P = {0};
    P.g = g;
    P.d = d;
    P.diags = diags;
    P.err = err;
    rb_status st = annotations(&P);
    if (st == RB_OK)
        st = classify(&P);
    if (st != RB_OK)
        goto out;
    demote(&P);
    /* the article limit, before the model is built: a text of 10^7 articles stops here */
    if (d->max_articles) {
        size_t na = 0;
        for (size_t i = 0; i < P.n; i++)
            if (P.li[i].kind == L_ARTICLE && ++na > d->max_articles) {
                st = rb_error_set(err, RB_ELIMIT, "parse", d->name, (unsigned)P.li[i].line + 1, 1,
                                  "too-many-articles",
                                  "more than %zu articles (this is article %zu); the limit is %zu",
                                  d->max_articles, na, d->max_articles);
                goto out;
            }
    }
    /* body: the first chapter/article line with an article at or after it; without
     * articles, the first chapter */
    size_t last_article = P.n, body_start = P.n;
    for (size_t i = P.n; i-- > 0;)
        if (P.li[i].kind == L_ARTICLE) {
            last_article = i;
            break;
        }
    for (size_t i = 0; i < P.n; i++)
        if ((P.li[i].kind == L_CHAPTER && (last_article == P.n || i <= last_article)) ||
            P.li[i].kind == L_ARTICLE) {
            body_start = i;
            break;
        }
    /* Before the body: the issuing notice, and perhaps the tail of an article whose number
     * the excerpt does not show. It starts after the last line of the notice, when it holds
     * points, or running text where there is no notice or no body at all. */
    size_t last_notice = (size_t)-1;
    for (size_t i = 0; i < body_start; i++)
        if (notice_line(&P, i))
            last_notice = i;
    size_t cs = last_notice == (size_t)-1 ? 0 : last_notice + 1;
    while (cs < body_start && (P.li[cs].kind == L_BLANK || P.li[cs].kind == L_JUNK ||
                               P.li[cs].kind == L_TOC))
        cs++;
    int points, sentences;
    running_text(&P, cs, body_start, &points, &sentences);
    int cont = cs < body_start &&
               (points || (sentences && (last_notice == (size_t)-1 || body_start == P.n)));
    if (body_start == P.n && !cont) {
        /* No articles, and no running text after the last line that looks like the notice's:
         * that line may close the text instead (an excerpt's signature and date, or a line
         * that a wrap cut to look like one). Then the notice is only the text's head, the
         * lines before its first other line, and the passage runs from there to the end with
         * the signature in it, as an article keeps one that follows it. */
        cs = 0;
        while (cs < P.n && (P.li[cs].kind == L_BLANK || P.li[cs].kind == L_JUNK ||
                            P.li[cs].kind == L_TOC || notice_line(&P, cs)))
            cs++;
        running_text(&P, cs, P.n, &points, &sentences);
        cont = cs < P.n && (points || sentences);
    }
    size_t pre_end = cont ? cs : body_start;
    if (body_start == P.n && !cont) {
        st = rb_error_set(err, RB_EINPUT, "parse", d->name, 1, 1, "no-articles",
                          "no articles found (no line starts like 一、 or 第一条); is this a "
                          "rulebook text?");
        goto out;
    }
    size_t title_line = (size_t)-1;
    for (size_t i = pre_end; i-- > 0;)
        if (P.li[i].kind == L_TITLE) {
            title_line = i;
            break;
        }
    preface(&P, pre_end, title_line);
    if (title_line == (size_t)-1)
        rb_diags_add(diags, RB_WARNING, d->name, (unsigned)(pre_end < P.n ? P.li[pre_end].line : 0) + 1,
                     1, "title-missing", "no title line (…工作规则) before the first chapter or article");
    if (cont)
        continuation(&P, cs, body_start);
    /* a block a segment at most, as a rule: room for them at once (the array is cut to its
     * length below) */
    if (d->cblocks < d->nblocks + (P.n - body_start)) {
        d->cblocks = d->nblocks + (P.n - body_start);
        d->blocks = rb_xrealloc(d->blocks, d->cblocks * sizeof *d->blocks);
    }
    body(&P, body_start);
    /* the lines' segments are the model's blocks now: freed before the stages below, which
     * ask the model only (a text of short lines held both, a segment and a block a line, at
     * its peak) */
    free(P.li);
    P.li = NULL;
    P.n = P.cap = 0;
    if (d->narticles == 0) {
        unsigned line = d->cont ? d->cont->line : 1;
        rb_diags_add(diags, RB_WARNING, d->name, line, 1, "no-articles",
                     "no article numbers found (no line starts like 一、 or 第一条): the text is "
                     "kept as one passage, its article unknown, and its facts are still "
                     "extracted");
    }
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
    if (d->cont)
        check_points(d, diags, d->cont, 1);
out:
    free(P.li);
    free(P.annot);
    free(P.cmap);
    free(P.cut);
    rb_buf_free(&P.clean);
    return st;
}
