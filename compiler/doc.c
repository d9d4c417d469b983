/* doc.c: the document model. Flat, growable arrays (chapters, articles, blocks, preface
 * lines, marks, junk spans) of spans into the normalized view; text is recovered from the
 * view or, via the offset map, from the original source. Also the tree dump that the spec
 * tests compare against. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

rb_doc *rb_doc_new(void) { return rb_xcalloc(1, sizeof(rb_doc)); }


void rb_doc_free(rb_doc *d)
{
    if (!d)
        return;
    rb_source_free(d->src);
    rb_view_free(d->view);
    free(d->name);
    free(d->id);
    free(d->title);
    free(d->jurisdiction);
    free(d->level);
    free(d->date);
    free(d->docnumber);
    free(d->supersedes);
    free(d->source_url);
    free(d->issuer);
    free(d->adopted);
    free(d->grammar_version);
    free(d->plines);
    free(d->marks);
    free(d->chapters);
    free(d->articles);
    free(d->eids);
    free(d->cont);
    free(d->blocks);
    free(d->junk);
    rb_facts_free(d->facts);
    free(d);
}

size_t rb_doc_add_junk(rb_doc *d, rb_span s, const char *kind, const char *rule)
{
    RB_GROW(d->junk, d->njunk, d->cjunk);
    rb_junk *j = &d->junk[d->njunk];
    memset(j, 0, sizeof *j);
    j->span = s;
    rb_doc_linecol(d, s.off, &j->line, &j->col);
    snprintf(j->kind, sizeof j->kind, "%s", kind);
    snprintf(j->rule, sizeof j->rule, "%s", rule);
    return d->njunk++;
}

static int cmp_junk(const void *a, const void *b)
{
    const rb_junk *x = a, *y = b;
    return x->span.off < y->span.off ? -1 : x->span.off > y->span.off;
}

void rb_doc_sort_junk(rb_doc *d)
{
    if (d->njunk > 1)
        qsort(d->junk, d->njunk, sizeof *d->junk, cmp_junk);
}

void rb_doc_linecol(const rb_doc *d, size_t view_off, unsigned *line, unsigned *col)
{
    rb_source_linecol(d->src, rb_view_to_orig(d->view, view_off), line, col);
}

/* The first junk span (sorted by offset) that ends after view offset off: the first that may
 * overlap a span from off on; d->njunk when none. */
static size_t first_junk(const rb_doc *d, size_t off)
{
    size_t lo = 0, hi = d->njunk;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->junk[mid].span.off + d->junk[mid].span.len <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int rb_doc_span_clean(const rb_doc *d, rb_span s)
{
    size_t j = first_junk(d, s.off);
    return j == d->njunk || d->junk[j].span.off >= s.off + s.len;
}

/* The source's bytes [a,z), a new string */
static char *src_dup(const rb_doc *d, size_t a, size_t z)
{
    char *t = rb_xmalloc(z - a + 1);
    rb_source_copy(d->src, a, z, t);
    t[z - a] = 0;
    return t;
}

/* Append the pieces of s not covered by junk to out; orig selects original vs view text. */
static void span_append(const rb_doc *d, rb_span s, int orig, rb_buf *out)
{
    size_t pos = s.off, end = s.off + s.len;
    for (size_t k = first_junk(d, s.off); k <= d->njunk && pos < end; k++) {
        rb_span jk = k < d->njunk ? (d->junk[k].lines.len ? d->junk[k].lines : d->junk[k].span)
                                  : (rb_span){end, 0};
        size_t js = jk.off, je = jk.off + jk.len;
        if (js > end)
            js = je = end;
        if (js > pos) {
            if (orig) {
                size_t a, z;
                rb_doc_orig_range(d, pos, js, &a, &z);
                rb_source_copy(d->src, a, z, rb_buf_extend(out, z - a));
            } else {
                rb_buf_put(out, d->view->text + pos, js - pos);
            }
        }
        if (je > pos)
            pos = je;
    }
}

static char *span_text(const rb_doc *d, rb_span s, int orig)
{
    rb_buf b;
    rb_buf_init(&b);
    span_append(d, s, orig, &b);
    return rb_buf_detach(&b);
}

void rb_doc_text_to(const rb_doc *d, rb_span s, rb_buf *out) { span_append(d, s, 1, out); }

char *rb_doc_text_in(const rb_doc *d, rb_span s, rb_arena *a)
{
    if (!rb_doc_span_clean(d, s))
        return rb_arena_take(a, span_text(d, s, 1));
    size_t x = 0, z = 0;
    if (s.len)
        rb_doc_orig_range(d, s.off, s.off + s.len, &x, &z);
    char *p = rb_arena_chars(a, z - x);
    rb_source_copy(d->src, x, z, p);
    return p;
}

char *rb_doc_text(const rb_doc *d, rb_span s) { return span_text(d, s, 1); }

void rb_doc_append_norm(const rb_doc *d, rb_span s, rb_buf *out, size_t **vo, size_t *vocap)
{
    rb_piece *pc = NULL;
    size_t npc = 0, cap = 0;
    rb_doc_append_pieces(d, s, out, &pc, &npc, &cap);
    if (vo && npc) {
        if (out->len + 1 > *vocap) {
            *vocap = (out->len + 1) * 2;
            *vo = rb_xrealloc(*vo, *vocap * sizeof **vo);
        }
        for (size_t i = 0; i < npc; i++)
            for (size_t q = 0; q < pc[i].len; q++)
                (*vo)[pc[i].at + q] = pc[i].view + q;
    }
    free(pc);
}

void rb_doc_append_pieces(const rb_doc *d, rb_span s, rb_buf *out, rb_piece **pc, size_t *npc,
                          size_t *cap)
{
    size_t j = first_junk(d, s.off);
    for (size_t k = s.off; k < s.off + s.len;) {
        while (j < d->njunk && d->junk[j].span.off + d->junk[j].span.len <= k)
            j++;
        if (j < d->njunk && d->junk[j].span.off <= k) {
            k = d->junk[j].span.off + d->junk[j].span.len;
            continue;
        }
        size_t e = j < d->njunk && d->junk[j].span.off < s.off + s.len ? d->junk[j].span.off
                                                                       : s.off + s.len;
        if (*npc && (*pc)[*npc - 1].at + (*pc)[*npc - 1].len == out->len &&
            (*pc)[*npc - 1].view + (*pc)[*npc - 1].len == k) {
            (*pc)[*npc - 1].len += e - k; /* goes on where the last piece ended */
        } else {
            RB_GROW(*pc, *npc, *cap);
            (*pc)[(*npc)++] = (rb_piece){out->len, k, e - k};
        }
        rb_buf_put(out, d->view->text + k, e - k);
        k = e;
    }
}

size_t rb_piece_view(const rb_piece *pc, size_t npc, size_t at)
{
    size_t lo = 0, hi = npc;
    while (hi - lo > 1) { /* the last piece that starts at or before at */
        size_t mid = (lo + hi) / 2;
        if (pc[mid].at <= at)
            lo = mid;
        else
            hi = mid;
    }
    return npc ? pc[lo].view + (at - pc[lo].at) : at;
}

void rb_doc_orig_range(const rb_doc *d, size_t vs, size_t ve, size_t *a, size_t *z)
{
    const rb_source *t = d->src;
    size_t n = t->len, x = rb_view_to_orig(d->view, vs), y = rb_view_to_orig(d->view, ve);
    if (x > n)
        x = n;
    if (y > n)
        y = n;
    while (x > 0 && x < n && (rb_source_byte(t, x) & 0xC0) == 0x80)
        x--;
    while (y < n && (rb_source_byte(t, y) & 0xC0) == 0x80)
        y++;
    *a = x;
    *z = y > x ? y : x;
}

char *rb_doc_raw(const rb_doc *d, rb_span s)
{
    size_t a, z;
    rb_doc_orig_range(d, s.off, s.off + s.len, &a, &z);
    return src_dup(d, a, z);
}
char *rb_doc_norm(const rb_doc *d, rb_span s) { return span_text(d, s, 0); }

static void dump_str(rb_buf *out, const rb_doc *d, rb_span s)
{
    char *t = rb_doc_text(d, s);
    rb_buf_putc(out, '"');
    rb_buf_puts(out, t);
    rb_buf_putc(out, '"');
    free(t);
}

static void dump_block(rb_buf *out, const rb_doc *d, const rb_block *b, const char *indent)
{
    if (b->kind == RB_BLOCK_POINT) {
        rb_buf_printf(out, "%spoint %ld @%u ", indent, (long)b->ordinal, b->line);
        dump_str(out, d, rb_span_of(b->num));
        rb_buf_putc(out, ' ');
    } else {
        rb_buf_printf(out, "%sp @%u ", indent, b->line);
    }
    dump_str(out, d, rb_span_of(b->text));
    rb_buf_putc(out, '\n');
}

static void dump_chapter(rb_buf *out, const rb_doc *d, const rb_chapter *ch)
{
    rb_buf_printf(out, "chapter %ld @%u ", ch->ordinal, ch->line);
    dump_str(out, d, ch->num);
    if (ch->heading.len) {
        rb_buf_printf(out, " heading @%u ", ch->heading_line);
        dump_str(out, d, ch->heading);
    }
    rb_buf_printf(out, " %s\n", ch->eid);
    for (size_t k = 0; k < ch->nintro; k++)
        dump_block(out, d, &d->blocks[ch->first_intro + k], "  intro ");
}

static const char *mark_name(rb_mark_kind k)
{
    switch (k) {
    case RB_MARK_DOCNUMBER: return "docnumber";
    case RB_MARK_DATE: return "date";
    case RB_MARK_TITLE: return "title";
    case RB_MARK_ISSUER: return "issuer";
    case RB_MARK_RECIPIENTS: return "recipients";
    case RB_MARK_ADOPTED: return "adopted";
    }
    return "?";
}

void rb_doc_dump(const rb_doc *d, rb_buf *out)
{
    for (size_t i = 0; i < d->nplines; i++) {
        const rb_pline *p = &d->plines[i];
        rb_buf_printf(out, "%s @%u ", p->is_title ? "title" : "preface", p->line);
        dump_str(out, d, p->text);
        for (size_t k = 0; k < p->nmarks; k++) {
            const rb_mark *m = &d->marks[p->first_mark + k];
            rb_buf_printf(out, " [%s", mark_name(m->kind));
            if (m->value[0])
                rb_buf_printf(out, "=%s", m->value);
            rb_buf_puts(out, " ");
            dump_str(out, d, m->span);
            rb_buf_puts(out, "]");
        }
        rb_buf_putc(out, '\n');
    }
    if (d->cont) {
        rb_buf_printf(out, "continuation @%u %s\n", d->cont->line, d->cont->eid);
        for (size_t k = 0; k < d->cont->nblocks; k++)
            dump_block(out, d, &d->blocks[d->cont->first_block + k], "  ");
    }
    long cur = -2;
    for (size_t i = 0; i < d->narticles; i++) {
        const rb_article *a = &d->articles[i];
        if (a->chapter != cur) {
            for (long c = cur + 1; c <= a->chapter; c++) {
                if (c < 0)
                    continue;
                dump_chapter(out, d, &d->chapters[c]);
            }
            cur = a->chapter;
        }
        const char *ind = a->chapter >= 0 ? "  " : "";
        rb_buf_printf(out, "%sarticle %ld @%u ", ind, a->ordinal, a->line);
        dump_str(out, d, rb_span_of(a->num));
        rb_buf_printf(out, " %s\n", a->eid);
        char bi[16];
        snprintf(bi, sizeof bi, "%s  ", ind);
        for (size_t k = 0; k < a->nblocks; k++)
            dump_block(out, d, &d->blocks[a->first_block + k], bi);
    }
    /* chapters after the last article (empty chapters) */
    for (long c = cur < 0 ? 0 : cur + 1; c < (long)d->nchapters; c++)
        dump_chapter(out, d, &d->chapters[c]);
    for (size_t i = 0; i < d->njunk; i++) {
        const rb_junk *j = &d->junk[i];
        rb_buf_printf(out, "junk %s @%u:%u %s \"", j->kind, j->line, j->col, j->rule);
        char *t = rb_doc_raw(d, j->span);
        for (const char *c = t; *c; c++) {
            if (*c == '\n')
                rb_buf_puts(out, "\\n");
            else if (*c != '\r')
                rb_buf_putc(out, *c);
        }
        free(t);
        rb_buf_puts(out, "\"\n");
    }
    if (d->facts) {
        rb_buf tmp;
        rb_buf_init(&tmp);
        for (size_t i = 0; i < d->facts->n; i++) {
            const rb_fact *f = &d->facts->v[i];
            rb_buf_printf(out, "fact %s @%u:%u art %ld %s: %s", f->dim, f->line, f->col,
                          f->article, f->rule, f->value ? f->value : "");
            rb_buf_printf(out, " | %s\n", rb_fact_text(f, d, &tmp));
        }
        rb_buf_free(&tmp);
    }
}

/* One line per preface line, chapter and article (its paragraphs and points joined), in the
 * original text: a line diff of two of these is aligned by article (the git textconv view). */
/* An article (or the continuation) on one line: its number, then its blocks. */
static void article_line(const rb_doc *d, const rb_article *a, rb_buf *out)
{
    char *n = rb_doc_text(d, rb_span_of(a->num));
    rb_buf_puts(out, n);
    free(n);
    for (size_t k = 0; k < a->nblocks; k++) {
        const rb_block *b = &d->blocks[a->first_block + k];
        if (k)
            rb_buf_putc(out, ' ');
        if (b->num.len) {
            char *bn = rb_doc_text(d, rb_span_of(b->num));
            rb_buf_puts(out, bn);
            free(bn);
        }
        char *t = rb_doc_text(d, rb_span_of(b->text));
        rb_buf_puts(out, t);
        free(t);
    }
    rb_buf_putc(out, '\n');
}

void rb_doc_lines(const rb_doc *d, rb_buf *out)
{
    for (size_t i = 0; i < d->nplines; i++) {
        char *t = rb_doc_text(d, d->plines[i].text);
        rb_buf_printf(out, "%s%s\n", d->plines[i].is_title ? "# " : "", t);
        free(t);
    }
    if (d->cont)
        article_line(d, d->cont, out);
    long cur = -1;
    for (size_t i = 0; i < d->narticles; i++) {
        const rb_article *a = &d->articles[i];
        for (long c = cur + 1; c <= a->chapter; c++) {
            char *n = rb_doc_text(d, d->chapters[c].num);
            char *h = rb_doc_text(d, d->chapters[c].heading);
            rb_buf_printf(out, "\n%s %s\n", n, h);
            free(n);
            free(h);
        }
        if (a->chapter > cur)
            cur = a->chapter;
        article_line(d, a, out);
    }
}

/* ---- ordinal map ---------------------------------------------------------------------------- */

/* stored keys are never 0 (the empty slot): 0.. map to 1.., negatives to themselves */
static long omap_key(long key) { return key >= 0 ? key + 1 : key; }
/* Fibonacci hashing: the high bits of the product, which every bit of the key reaches (the
 * low bits would hash a bigram a << 32 | b by b alone) */
static size_t omap_hash(long k, size_t cap)
{
    return (size_t)(((unsigned long long)k * 0x9E3779B97F4A7C15ull) >> (64 - __builtin_ctzll(cap)));
}

void rb_omap_reserve(rb_omap *m, size_t n)
{
    if (m->cap)
        return;
    size_t cap = 256;
    while (cap < 2 * n + 2)
        cap *= 2;
    m->s = rb_xcalloc(cap, sizeof *m->s);
    m->cap = cap;
}

size_t *rb_omap_slot(rb_omap *m, long key, int *fresh)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 16; /* (many maps hold a few keys: a chapter's) */
        struct rb_omap_slot *ns = rb_xcalloc(nc, sizeof *ns);
        for (size_t i = 0; i < m->cap; i++)
            if (m->s[i].k) {
                size_t h = omap_hash(m->s[i].k, nc);
                while (ns[h].k)
                    h = (h + 1) & (nc - 1);
                ns[h] = m->s[i];
            }
        free(m->s);
        m->s = ns;
        m->cap = nc;
    }
    long k = omap_key(key);
    size_t h = omap_hash(k, m->cap);
    while (m->s[h].k && m->s[h].k != k)
        h = (h + 1) & (m->cap - 1);
    *fresh = !m->s[h].k;
    if (*fresh) {
        m->s[h].k = k;
        m->s[h].v = 0;
        m->n++;
    }
    return &m->s[h].v;
}

void rb_omap_put_first(rb_omap *m, long key, size_t val)
{
    int fresh;
    size_t *v = rb_omap_slot(m, key, &fresh);
    if (fresh)
        *v = val;
}

size_t rb_omap_get(const rb_omap *m, long key)
{
    if (!m->cap)
        return (size_t)-1;
    long k = omap_key(key);
    size_t h = omap_hash(k, m->cap);
    while (m->s[h].k) {
        if (m->s[h].k == k)
            return m->s[h].v;
        h = (h + 1) & (m->cap - 1);
    }
    return (size_t)-1;
}

void rb_omap_free(rb_omap *m)
{
    free(m->s);
    memset(m, 0, sizeof *m);
}

/* ---- string map ------------------------------------------------------------------------------ */

static size_t smap_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

size_t *rb_smap_slot(rb_smap *m, const char *key, int *fresh)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 64;
        const char **nk = rb_xcalloc(nc, sizeof *nk);
        size_t *nv = rb_xcalloc(nc, sizeof *nv);
        for (size_t i = 0; i < m->cap; i++)
            if (m->k[i]) {
                size_t h = smap_hash(m->k[i]) & (nc - 1);
                while (nk[h])
                    h = (h + 1) & (nc - 1);
                nk[h] = m->k[i];
                nv[h] = m->v[i];
            }
        free(m->k);
        free(m->v);
        m->k = nk;
        m->v = nv;
        m->cap = nc;
    }
    size_t h = smap_hash(key) & (m->cap - 1);
    while (m->k[h] && strcmp(m->k[h], key) != 0)
        h = (h + 1) & (m->cap - 1);
    *fresh = !m->k[h];
    if (*fresh) {
        m->k[h] = key;
        m->v[h] = 0;
        m->n++;
    }
    return &m->v[h];
}

size_t rb_smap_get(const rb_smap *m, const char *key)
{
    if (!m->cap)
        return (size_t)-1;
    size_t h = smap_hash(key) & (m->cap - 1);
    while (m->k[h]) {
        if (strcmp(m->k[h], key) == 0)
            return m->v[h];
        h = (h + 1) & (m->cap - 1);
    }
    return (size_t)-1;
}

void rb_smap_free(rb_smap *m)
{
    free(m->k);
    free(m->v);
    memset(m, 0, sizeof *m);
}
