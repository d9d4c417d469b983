/* diff.c: the revision stage. Two compiled versions of a rulebook -> an article-aligned
 * difference for people and for CI.
 *
 * Articles are compared on their normalized text (script, width, whitespace and line breaks
 * folded), so a traditional and a simplified copy, or a reflowed one, are the same. Alignment:
 * exact text first; then splits and merges (one article's text spread over several); then
 * similarity of character bigrams (Chinese has no spaces to diff words by); then position
 * (a lone unmatched article between two aligned neighbours). Each pair is unchanged, modified,
 * renumbered or moved (to another chapter, chapters being aligned by heading or by where
 * their articles went); the rest are added or deleted, or, past the end of an excerpt, not
 * compared. Inside a modified article a character diff (Myers) with a little context. Before
 * all that, a summary of what changed in the extracted facts. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- articles as compared --------------------------------------------------------------------- */


static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void dart_build(const rb_doc *d, size_t i, dart *a)
{
    memset(a, 0, sizeof *a);
    const rb_article *ar = &d->articles[i];
    a->d = d;
    a->idx = i;
    a->ordinal = ar->ordinal;
    a->chapter = ar->chapter;
    a->pair = -1;
    rb_buf t;
    rb_buf_init(&t);
    size_t *vo = NULL, vcap = 0;
    for (size_t k = 0; k < ar->nblocks; k++) {
        const rb_block *b = &d->blocks[ar->first_block + k];
        rb_doc_append_norm(d, b->num, &t, &vo, &vcap);
        rb_doc_append_norm(d, b->text, &t, &vo, &vcap);
    }
    /* code points without whitespace, each with its view offset */
    a->cp = rb_xmalloc((t.len + 1) * sizeof *a->cp);
    a->vo = rb_xmalloc((t.len + 1) * sizeof *a->vo);
    for (size_t o = 0; o < t.len;) {
        uint32_t c;
        int l = rb_utf8_decode(t.data + o, t.len - o, &c);
        if (!(c == ' ' || c == '\t' || c == '\n')) {
            a->cp[a->n] = c;
            a->vo[a->n] = vo[o];
            a->n++;
        }
        o += (size_t)l;
    }
    rb_buf_free(&t);
    free(vo);
    a->grams = rb_xmalloc((a->n + 1) * sizeof *a->grams);
    for (size_t k = 0; k + 1 < a->n; k++)
        a->grams[a->ng++] = (uint64_t)a->cp[k] << 32 | a->cp[k + 1];
    if (a->n == 1)
        a->grams[a->ng++] = a->cp[0];
    qsort(a->grams, a->ng, sizeof *a->grams, cmp_u64);
    size_t u = 0;
    for (size_t k = 0; k < a->ng; k++)
        if (u == 0 || a->grams[u - 1] != a->grams[k])
            a->grams[u++] = a->grams[k];
    a->ng = u;
}

static void dart_free(dart *a)
{
    free(a->cp);
    free(a->vo);
    free(a->grams);
}

static size_t common(const dart *a, const dart *b)
{
    size_t i = 0, j = 0, c = 0;
    while (i < a->ng && j < b->ng) {
        if (a->grams[i] == b->grams[j])
            c++, i++, j++;
        else if (a->grams[i] < b->grams[j])
            i++;
        else
            j++;
    }
    return c;
}

static double dice(const dart *a, const dart *b)
{
    if (a->ng + b->ng == 0)
        return 1;
    return 2.0 * (double)common(a, b) / (double)(a->ng + b->ng);
}

/* How much of a is found in b. */
static double contained(const dart *a, const dart *b)
{
    return a->ng ? (double)common(a, b) / (double)a->ng : 0;
}

static int same_text(const dart *a, const dart *b)
{
    return a->n == b->n && memcmp(a->cp, b->cp, a->n * sizeof *a->cp) == 0;
}

/* ---- the diff ---------------------------------------------------------------------------------- */

static rb_diff_entry *add_entry(rb_diff *df, rb_diff_status st)
{
    RB_GROW(df->m, df->nm, df->cm);
    rb_diff_entry *e = &df->m[df->nm++];
    memset(e, 0, sizeof *e);
    e->status = st;
    return e;
}

static void entry_old(rb_diff_entry *e, dart *o, long at)
{
    e->old = rb_xrealloc(e->old, (e->nold + 1) * sizeof *e->old);
    e->old[e->nold++] = o->ordinal;
    e->old_idx = rb_xrealloc(e->old_idx, e->nold * sizeof *e->old_idx);
    e->old_idx[e->nold - 1] = o->idx;
    o->pair = at;
}

static void entry_new(rb_diff_entry *e, dart *n, long at)
{
    e->new = rb_xrealloc(e->new, (e->nnew + 1) * sizeof *e->new);
    e->new[e->nnew++] = n->ordinal;
    e->new_idx = rb_xrealloc(e->new_idx, e->nnew * sizeof *e->new_idx);
    e->new_idx[e->nnew - 1] = n->idx;
    n->pair = at;
}

static void pair(rb_diff *df, dart *o, dart *n, double sim)
{
    long at = (long)df->nm;
    rb_diff_entry *e = add_entry(df, RB_DIFF_UNCHANGED);
    entry_old(e, o, at);
    entry_new(e, n, at);
    e->similarity = sim;
    e->modified = !same_text(o, n);
}

/* A version that ends mid-sentence, or that lacks a closing article while holding less than
 * half the articles of the other, is an excerpt. */
static int is_partial(const rb_doc *d, const rb_doc *other)
{
    if (d->narticles == 0)
        return 1;
    const rb_article *last = &d->articles[d->narticles - 1];
    int cut = 0;
    if (last->nblocks) {
        char *t = rb_doc_norm(d, d->blocks[last->first_block + last->nblocks - 1].text);
        size_t n = strlen(t);
        static const char *const ends[] = {"。", ";", "!", "?", "”", ")", "…", ":"};
        cut = 1;
        for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
            size_t l = strlen(ends[i]);
            if (n >= l && memcmp(t + n - l, ends[i], l) == 0)
                cut = 0;
        }
        free(t);
    }
    int closing = 0;
    for (size_t i = d->narticles > 3 ? d->narticles - 3 : 0; i < d->narticles && !closing; i++) {
        const rb_article *a = &d->articles[i];
        for (size_t k = 0; k < a->nblocks && !closing; k++) {
            char *t = rb_doc_norm(d, d->blocks[a->first_block + k].text);
            closing = strstr(t, "施行") || strstr(t, "适用本规则") || strstr(t, "废止");
            free(t);
        }
    }
    return cut || (!closing && 2 * d->narticles < other->narticles);
}

/* Map order: by position in the new text; a deleted article right after the new place of
 * the old article before it. */
static int cmp_entry(const void *x, const void *y)
{
    const rb_diff_entry *a = x, *b = y;
    if (a->sort_key != b->sort_key)
        return a->sort_key < b->sort_key ? -1 : 1;
    long oa = a->nold ? (long)a->old_idx[0] : -1, ob = b->nold ? (long)b->old_idx[0] : -1;
    return oa < ob ? -1 : oa > ob;
}

static void sort_keys(rb_diff *df)
{
    for (size_t i = 0; i < df->nm; i++) {
        rb_diff_entry *e = &df->m[i];
        if (e->nnew) {
            e->sort_key = 2 * (long)e->new_idx[0];
            continue;
        }
        e->sort_key = -1;
        for (long k = (long)e->old_idx[0] - 1; k >= 0; k--) {
            const rb_diff_entry *p = &df->m[df->oa[k].pair];
            if (p->nnew) {
                e->sort_key = 2 * (long)p->new_idx[p->nnew - 1] + 1;
                break;
            }
        }
    }
}

static void align(rb_diff *df)
{
    dart *O = df->oa, *N = df->na;
    size_t no = df->noa, nn = df->nna;
    /* 1. exact text, nearest position first */
    for (size_t i = 0; i < nn; i++) {
        long best = -1;
        long bestd = 0;
        for (size_t j = 0; j < no; j++)
            if (O[j].pair < 0 && O[j].n && same_text(&O[j], &N[i])) {
                long dd = labs((long)j - (long)i);
                if (best < 0 || dd < bestd)
                    best = (long)j, bestd = dd;
            }
        if (best >= 0)
            pair(df, &O[best], &N[i], 1.0);
    }
    /* 2. splits and merges: one article's text spread over several */
    for (int side = 0; side < 2; side++) {
        dart *A = side ? N : O, *B = side ? O : N;
        size_t na = side ? nn : no, nb = side ? no : nn;
        for (size_t i = 0; i < na; i++) {
            if (A[i].pair >= 0 || A[i].ng < 8)
                continue;
            size_t parts[8], np = 0;
            for (size_t j = 0; j < nb && np < 8; j++)
                if (B[j].pair < 0 && B[j].ng >= 4 && contained(&B[j], &A[i]) >= 0.7)
                    parts[np++] = j;
            if (np < 2)
                continue;
            /* together they cover most of the whole */
            size_t cov = 0;
            for (size_t q = 0; q < np; q++)
                cov += common(&B[parts[q]], &A[i]);
            if ((double)cov < 0.7 * (double)A[i].ng)
                continue;
            long at = (long)df->nm;
            rb_diff_entry *e = add_entry(df, side ? RB_DIFF_MERGED : RB_DIFF_SPLIT);
            if (side) {
                for (size_t q = 0; q < np; q++)
                    entry_old(e, &B[parts[q]], at);
                entry_new(e, &A[i], at);
            } else {
                entry_old(e, &A[i], at);
                for (size_t q = 0; q < np; q++)
                    entry_new(e, &B[parts[q]], at);
            }
            e->similarity = (double)cov / (double)A[i].ng;
            e->modified = 1;
        }
    }
    /* 3. similarity, best pairs first */
    typedef struct cand {
        double s;
        size_t o, n;
    } cand;
    cand *cs = NULL;
    size_t ncs = 0;
    for (size_t j = 0; j < no; j++)
        for (size_t i = 0; i < nn; i++) {
            if (O[j].pair >= 0 || N[i].pair >= 0)
                continue;
            double s = dice(&O[j], &N[i]);
            if (s >= 0.45) {
                cs = rb_xrealloc(cs, (ncs + 1) * sizeof *cs);
                cs[ncs++] = (cand){s, j, i};
            }
        }
    for (size_t a = 1; a < ncs; a++) /* insertion sort, descending; stable for ties */
        for (size_t b = a; b > 0 && cs[b - 1].s < cs[b].s; b--) {
            cand t = cs[b];
            cs[b] = cs[b - 1];
            cs[b - 1] = t;
        }
    for (size_t k = 0; k < ncs; k++)
        if (O[cs[k].o].pair < 0 && N[cs[k].n].pair < 0)
            pair(df, &O[cs[k].o], &N[cs[k].n], cs[k].s);
    free(cs);
    /* 4. position: inside a gap between aligned neighbours, the unmatched articles of both
     * sides pair up in order, best similarity first, down to a low threshold: a rewritten
     * article stays where it was */
    for (size_t j = 0; j < no;) {
        if (O[j].pair >= 0) {
            j++;
            continue;
        }
        size_t j2 = j;
        while (j2 < no && O[j2].pair < 0)
            j2++;
        long lo = j > 0 ? (long)df->m[O[j - 1].pair].new_idx[df->m[O[j - 1].pair].nnew - 1] : -1;
        long hi = j2 < no ? (long)df->m[O[j2].pair].new_idx[0] : (long)nn;
        /* position says little across a wide gap, or past the end of an excerpt */
        int wide = hi - lo - 1 > 2 * (long)(j2 - j) + 2;
        int tail = (j2 == no && df->partial_old) || (hi == (long)nn && df->partial_new);
        for (; !wide && !tail;) {
            double bs = 0.2;
            long bo = -1, bn = -1;
            for (size_t q = j; q < j2; q++) {
                if (O[q].pair >= 0)
                    continue;
                for (long i = lo + 1; i < hi; i++) {
                    if (N[i].pair >= 0)
                        continue;
                    /* keep the order: no pair may cross one made in this gap */
                    int crosses = 0;
                    for (size_t q2 = j; q2 < j2 && !crosses; q2++)
                        if (O[q2].pair >= 0) {
                            long ni = (long)df->m[O[q2].pair].new_idx[0];
                            crosses = (q2 < q) != (ni < i);
                        }
                    double sm = dice(&O[q], &N[i]);
                    if (!crosses && sm > bs)
                        bs = sm, bo = (long)q, bn = i;
                }
            }
            if (bo < 0)
                break;
            pair(df, &O[bo], &N[bn], bs);
        }
        j = j2;
    }
    /* 5. an excerpt cut inside its last article: that one compares as a beginning */
    if (df->partial_old && no && O[no - 1].pair < 0)
        for (size_t i = 0; i < nn; i++)
            if (N[i].pair < 0 && contained(&O[no - 1], &N[i]) >= 0.8) {
                pair(df, &O[no - 1], &N[i], contained(&O[no - 1], &N[i]));
                break;
            }
    if (df->partial_new && nn && N[nn - 1].pair < 0)
        for (size_t j = 0; j < no; j++)
            if (O[j].pair < 0 && contained(&N[nn - 1], &O[j]) >= 0.8) {
                pair(df, &O[j], &N[nn - 1], contained(&N[nn - 1], &O[j]));
                break;
            }
    /* 6. the rest: deleted and added, or past the end of an excerpt */
    long last_new = -1, last_old = -1;
    for (size_t i = 0; i < nn; i++)
        if (N[i].pair >= 0)
            last_new = (long)i;
    for (size_t j = 0; j < no; j++)
        if (O[j].pair >= 0)
            last_old = (long)j;
    for (size_t j = 0; j < no; j++)
        if (O[j].pair < 0) {
            long at = (long)df->nm;
            /* past the end of the other version's excerpt (the cut-off last article of an
             * excerpt was looked for in all of the other version: unmatched, it is deleted) */
            int beyond = df->partial_new && (long)j > last_old;
            rb_diff_entry *e = add_entry(df, beyond ? RB_DIFF_NOT_COMPARED : RB_DIFF_DELETED);
            entry_old(e, &O[j], at);
        }
    for (size_t i = 0; i < nn; i++)
        if (N[i].pair < 0) {
            long at = (long)df->nm;
            int beyond = df->partial_old && (long)i > last_new;
            rb_diff_entry *e = add_entry(df, beyond ? RB_DIFF_NOT_COMPARED : RB_DIFF_ADDED);
            entry_new(e, &N[i], at);
        }
}

char *rb_diff_heading(const rb_doc *d, long c)
{
    if (c < 0 || !d->chapters[c].heading.len)
        return rb_xstrdup("");
    char *h = rb_doc_norm(d, d->chapters[c].heading);
    /* without spaces: 总 则 == 总则 */
    size_t k = 0;
    for (size_t i = 0; h[i]; i++)
        if (h[i] != ' ')
            h[k++] = h[i];
    h[k] = 0;
    return h;
}

/* Chapters: same heading, else the new chapter that received most of the old one's articles. */
static void align_chapters(rb_diff *df)
{
    const rb_doc *a = df->a, *b = df->b;
    df->chap_map = rb_xmalloc((a->nchapters + 1) * sizeof *df->chap_map);
    for (size_t c = 0; c < a->nchapters; c++) {
        df->chap_map[c] = -1;
        char *h = rb_diff_heading(a, (long)c);
        for (size_t k = 0; k < b->nchapters && df->chap_map[c] < 0; k++) {
            char *h2 = rb_diff_heading(b, (long)k);
            if (*h && strcmp(h, h2) == 0)
                df->chap_map[c] = (long)k;
            free(h2);
        }
        free(h);
        if (df->chap_map[c] >= 0)
            continue;
        long *votes = rb_xcalloc(b->nchapters + 1, sizeof *votes);
        for (size_t j = 0; j < df->noa; j++) {
            const dart *o = &df->oa[j];
            if (o->chapter != (long)c || o->pair < 0)
                continue;
            const rb_diff_entry *e = &df->m[o->pair];
            for (size_t q = 0; q < e->nnew; q++) {
                long nc = b->articles[e->new_idx[q]].chapter;
                if (nc >= 0)
                    votes[nc]++;
            }
        }
        long best = -1;
        for (size_t k = 0; k < b->nchapters; k++)
            if (votes[k] && (best < 0 || votes[k] > votes[best]))
                best = (long)k;
        df->chap_map[c] = best;
        free(votes);
    }
}

static void classify(rb_diff *df)
{
    for (size_t i = 0; i < df->nm; i++) {
        rb_diff_entry *e = &df->m[i];
        if (e->status != RB_DIFF_UNCHANGED)
            continue;
        const rb_article *o = &df->a->articles[e->old_idx[0]];
        const rb_article *n = &df->b->articles[e->new_idx[0]];
        e->renumbered = o->ordinal != n->ordinal;
        long oc = o->chapter >= 0 ? df->chap_map[o->chapter] : -1;
        e->moved = oc != n->chapter && !(oc < 0 && n->chapter < 0) && df->a->nchapters &&
                   df->b->nchapters;
        e->status = e->modified ? RB_DIFF_MODIFIED
                    : e->moved  ? RB_DIFF_MOVED
                    : e->renumbered ? RB_DIFF_RENUMBERED
                                    : RB_DIFF_UNCHANGED;
    }
    for (size_t i = 0; i < df->nm; i++) {
        rb_diff_entry *e = &df->m[i];
        if (e->status == RB_DIFF_SPLIT || e->status == RB_DIFF_MERGED)
            e->renumbered = e->nold && e->nnew && e->old[0] != e->new[0];
    }
}

/* ---- facts: what changed in meetings, signing, leave and deadlines ------------------------------ */

static const char *period_words(const char *iso)
{
    static const struct {
        const char *iso, *w;
    } t[] = {{"P1Y", "每年"},   {"P6M", "每半年"}, {"P3M", "每季度"}, {"P2M", "每两个月"},
             {"P1M", "每月"},   {"P0.5M", "每半月"}, {"P2W", "每两周"}, {"P1W", "每周"}};
    for (size_t i = 0; iso && i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].iso, iso) == 0)
            return t[i].w;
    return iso ? iso : "";
}

static const char *unit_words(const char *u)
{
    static const struct {
        const char *u, *w;
    } t[] = {{"working_day", "个工作日"}, {"day", "日"},   {"hour", "小时"}, {"minute", "分钟"},
             {"week", "周"},            {"month", "个月"}, {"year", "年"}};
    for (size_t i = 0; u && i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].u, u) == 0)
            return t[i].w;
    return u ? u : "";
}

static char *fact_words(const rb_fact *f)
{
    char b[512];
    const char *s;
    if (f->kind == RB_DIM_MEETINGS) {
        const char *cmin = rb_fact_str(f, RB_F_COUNT_MIN), *cmax = rb_fact_str(f, RB_F_COUNT_MAX);
        if (cmin && cmax && strcmp(cmin, cmax) != 0)
            snprintf(b, sizeof b, "%s%s–%s次", period_words(rb_fact_str(f, RB_F_PERIOD)), cmin, cmax);
        else if (cmin)
            snprintf(b, sizeof b, "%s%s次", period_words(rb_fact_str(f, RB_F_PERIOD)), cmin);
        else
            snprintf(b, sizeof b, "%s", (s = rb_fact_str(f, RB_F_KIND)) ? s : "?");
    } else if (f->kind == RB_DIM_DEADLINES) {
        const char *bound = rb_fact_str(f, RB_F_BOUND);
        const char *amt = rb_fact_str(f, RB_F_AMOUNT), *unit = unit_words(rb_fact_str(f, RB_F_UNIT));
        if (!amt)
            amt = "?";
        if (bound && strcmp(bound, "at_most") == 0)
            snprintf(b, sizeof b, "不超过%s%s", amt, unit);
        else if (bound && strcmp(bound, "at_least") == 0)
            snprintf(b, sizeof b, "不少于%s%s", amt, unit);
        else if (bound && strcmp(bound, "in_advance") == 0)
            snprintf(b, sizeof b, "提前%s%s", amt, unit);
        else
            snprintf(b, sizeof b, "%s%s内", amt, unit);
    } else {
        snprintf(b, sizeof b, "%s", f->value ? f->value : "");
    }
    return rb_xstrdup(b);
}

/* The label of a fact across versions: what it is about. */
static char *fact_label(const rb_fact *f)
{
    rb_buf b;
    rb_buf_init(&b);
    if (f->kind == RB_DIM_MEETINGS) {
        const char *n = rb_fact_str(f, RB_F_NAME);
        rb_buf_puts(&b, n ? n : rb_fact_str(f, RB_F_TYPE) ? rb_fact_str(f, RB_F_TYPE) : "?");
    } else if (f->kind == RB_DIM_DEADLINES) {
        const char *t = rb_fact_str(f, RB_F_TRIGGER), *a = rb_fact_str(f, RB_F_ACTION);
        if (t)
            rb_buf_puts(&b, t);
        if (a)
            rb_buf_puts(&b, a);
        if (!t && !a)
            rb_buf_puts(&b, "(deadline)");
    } else if (f->kind == RB_DIM_SIGNING) {
        const rb_field *d = rb_fact_field(f, RB_F_DOCUMENT);
        for (size_t i = 0; d && i < d->n; i++)
            rb_buf_printf(&b, "%s%s", i ? "+" : "", d->items[i]);
        const rb_field *m = rb_fact_field(f, RB_F_MEETINGS);
        for (size_t i = 0; m && i < m->n; i++)
            rb_buf_printf(&b, "%s%s", i ? "," : ":", m->items[i]);
        rb_buf_printf(&b, " %s", rb_fact_str(f, RB_F_VERB) ? rb_fact_str(f, RB_F_VERB) : "");
    } else if (f->kind == RB_DIM_LEAVE) {
        rb_buf_printf(&b, "%s", rb_fact_str(f, RB_F_OCCASION) ? rb_fact_str(f, RB_F_OCCASION) : "?");
        const rb_field *w = rb_fact_field(f, RB_F_WHO);
        for (size_t i = 0; w && i < w->n; i++)
            rb_buf_printf(&b, "%s%s", i ? "," : ": ", w->items[i]);
    } else {
        rb_buf_puts(&b, f->rule);
    }
    return rb_buf_detach(&b);
}

static void add_fc(rb_diff *df, const char *dim, const char *label, const char *o, const char *n,
                   long oa, long na)
{
    RB_GROW(df->fc, df->nfc, df->cfc);
    fchange *c = &df->fc[df->nfc++];
    c->dim = rb_xstrdup(dim);
    c->label = rb_xstrdup(label);
    c->old = o ? rb_xstrdup(o) : NULL;
    c->new = n ? rb_xstrdup(n) : NULL;
    c->old_art = oa;
    c->new_art = na;
}

/* The new article an old one went to (first one), or -1. */
static long mapped(const rb_diff *df, long old_ordinal)
{
    for (size_t i = 0; i < df->noa; i++)
        if (df->oa[i].ordinal == old_ordinal && df->oa[i].pair >= 0) {
            const rb_diff_entry *e = &df->m[df->oa[i].pair];
            return e->nnew ? e->new[0] : -1;
        }
    return -1;
}

/* Is the article of this ordinal past the end of the other version's excerpt (not compared)? */
static int not_compared(const rb_diff *df, long ordinal, int new_side)
{
    for (size_t k = 0; k < df->nm; k++) {
        if (df->m[k].status != RB_DIFF_NOT_COMPARED)
            continue;
        const long *v = new_side ? df->m[k].new : df->m[k].old;
        size_t n = new_side ? df->m[k].nnew : df->m[k].nold;
        for (size_t q = 0; q < n; q++)
            if (v[q] == ordinal)
                return 1;
    }
    return 0;
}

/* The last article of a partial version is cut off: its facts say nothing reliable. */
static int cut_off(const rb_diff *df, long ordinal, int new_side)
{
    if (new_side)
        return df->partial_new && df->nna && ordinal == df->na[df->nna - 1].ordinal;
    return df->partial_old && df->noa && ordinal == df->oa[df->noa - 1].ordinal;
}

static void diff_facts(rb_diff *df)
{
    const rb_facts *A = df->a->facts, *B = df->b->facts;
    if (!A || !B)
        return;
    char *usedb = rb_xcalloc(B->n + 1, 1);
    static const rb_dim dims[] = {RB_DIM_MEETINGS, RB_DIM_SIGNING, RB_DIM_LEAVE,
                                  RB_DIM_DEADLINES};
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++) {
        for (size_t i = 0; i < A->n; i++) {
            const rb_fact *f = &A->v[i];
            if (f->kind != dims[d] || cut_off(df, f->article, 0) || not_compared(df, f->article, 0))
                continue;
            char *lf = fact_label(f);
            long to = mapped(df, f->article);
            /* the partner: same label (meetings: same type) in the article it went to, else
             * the same label anywhere */
            long best = -1;
            for (int pass = 0; pass < 2 && best < 0; pass++)
                for (size_t j = 0; j < B->n && best < 0; j++) {
                    const rb_fact *g = &B->v[j];
                    if (usedb[j] || g->kind != dims[d] || cut_off(df, g->article, 1) ||
                        not_compared(df, g->article, 1))
                        continue;
                    if (pass == 0 && dims[d] != RB_DIM_MEETINGS && g->article != to)
                        continue;
                    char *lg = fact_label(g);
                    int same = dims[d] == RB_DIM_MEETINGS
                                   ? rb_fact_str(f, RB_F_TYPE) && rb_fact_str(g, RB_F_TYPE) &&
                                         !strcmp(rb_fact_str(f, RB_F_TYPE), rb_fact_str(g, RB_F_TYPE))
                                   : strcmp(lf, lg) == 0;
                    free(lg);
                    if (same)
                        best = (long)j;
                }
            if (best < 0) {
                /* in the article it went to, one fact of the kind on each side: the same one */
                size_t na = 0, nb = 0, bj = 0;
                for (size_t k = 0; k < A->n; k++)
                    if (A->v[k].kind == dims[d] && A->v[k].article == f->article)
                        na++;
                for (size_t j = 0; j < B->n; j++)
                    if (!usedb[j] && B->v[j].kind == dims[d] && B->v[j].article == to)
                        nb++, bj = j;
                if (na == 1 && nb == 1 && dims[d] != RB_DIM_MEETINGS)
                    best = (long)bj;
            }
            char *wo = fact_words(f);
            if (best < 0) {
                if (!df->partial_new)
                    add_fc(df, rb_dim_id(dims[d]), lf, wo, NULL, f->article, -1);
            } else {
                usedb[best] = 1;
                const rb_fact *g = &B->v[best];
                char *wn = fact_words(g);
                if (strcmp(wo, wn) != 0)
                    add_fc(df, rb_dim_id(dims[d]), lf, wo, wn, f->article, g->article);
                free(wn);
            }
            free(wo);
            free(lf);
        }
        for (size_t j = 0; j < B->n; j++) {
            const rb_fact *g = &B->v[j];
            /* past the excerpt's end, or in its cut-off article, nothing can be said */
            if (usedb[j] || g->kind != dims[d] || cut_off(df, g->article, 1) ||
                not_compared(df, g->article, 1))
                continue;
            char *lg = fact_label(g), *wn = fact_words(g);
            add_fc(df, rb_dim_id(dims[d]), lg, NULL, wn, -1, g->article);
            free(lg);
            free(wn);
        }
    }
    free(usedb);
}

/* a name in simplified script without spaces, for comparing (malloc'd; NULL for none) */
static char *name_key(const char *s)
{
    if (!s || !*s)
        return NULL;
    char *n = rb_normalize_str(s, strlen(s), 1, NULL);
    size_t k = 0;
    for (size_t i = 0; n[i]; i++)
        if (n[i] != ' ')
            n[k++] = n[i];
    n[k] = 0;
    return n;
}

/* Are OLD and NEW two different rulebooks rather than two versions of one? Another jurisdiction,
 * another title, or hardly an article in common. Why, or NULL. */
static char *different_rulebooks(const rb_diff *df)
{
    char why[1024] = "";
    char *ja = name_key(df->a->jurisdiction), *jb = name_key(df->b->jurisdiction);
    char *ta = name_key(df->a->title), *tb = name_key(df->b->title);
    if (ja && jb && strcmp(ja, jb) != 0)
        snprintf(why, sizeof why, "OLD is of %s and NEW of %s", df->a->jurisdiction,
                 df->b->jurisdiction);
    else if (ta && tb && strcmp(ta, tb) != 0)
        snprintf(why, sizeof why, "OLD is 《%s》 and NEW 《%s》", df->a->title, df->b->title);
    else if (df->noa >= 5 && df->nna >= 5 && !df->partial_old && !df->partial_new) {
        size_t same = 0;
        for (size_t i = 0; i < df->nm; i++)
            if (df->m[i].nold && df->m[i].nnew)
                same += df->m[i].nold;
        if (same * 5 < df->noa)
            snprintf(why, sizeof why, "only %zu of the %zu old articles have a counterpart in NEW",
                     same, df->noa);
    }
    free(ja);
    free(jb);
    free(ta);
    free(tb);
    return *why ? rb_xstrdup(why) : NULL;
}

rb_diff *rb_diff_new(const rb_doc *a, const rb_doc *b)
{
    rb_diff *df = rb_xcalloc(1, sizeof *df);
    df->a = a;
    df->b = b;
    df->noa = a->narticles;
    df->nna = b->narticles;
    df->oa = rb_xcalloc(df->noa + 1, sizeof *df->oa);
    df->na = rb_xcalloc(df->nna + 1, sizeof *df->na);
    for (size_t i = 0; i < df->noa; i++)
        dart_build(a, i, &df->oa[i]);
    for (size_t i = 0; i < df->nna; i++)
        dart_build(b, i, &df->na[i]);
    df->partial_old = is_partial(a, b);
    df->partial_new = is_partial(b, a);
    if (df->partial_old && df->partial_new)
        df->partial_new = 0; /* two excerpts: compare the second as a whole */
    align(df);
    align_chapters(df);
    classify(df);
    sort_keys(df);
    if (df->nm > 1)
        qsort(df->m, df->nm, sizeof *df->m, cmp_entry);
    /* entries moved: the articles' back-links */
    for (size_t i = 0; i < df->nm; i++) {
        for (size_t q = 0; q < df->m[i].nold; q++)
            df->oa[df->m[i].old_idx[q]].pair = (long)i;
        for (size_t q = 0; q < df->m[i].nnew; q++)
            df->na[df->m[i].new_idx[q]].pair = (long)i;
    }
    diff_facts(df);
    df->different = different_rulebooks(df);
    return df;
}

void rb_diff_free(rb_diff *df)
{
    if (!df)
        return;
    for (size_t i = 0; i < df->noa; i++)
        dart_free(&df->oa[i]);
    for (size_t i = 0; i < df->nna; i++)
        dart_free(&df->na[i]);
    free(df->oa);
    free(df->na);
    for (size_t i = 0; i < df->nm; i++) {
        free(df->m[i].old);
        free(df->m[i].new);
        free(df->m[i].old_idx);
        free(df->m[i].new_idx);
    }
    free(df->m);
    free(df->chap_map);
    for (size_t i = 0; i < df->nfc; i++) {
        free(df->fc[i].dim);
        free(df->fc[i].label);
        free(df->fc[i].old);
        free(df->fc[i].new);
    }
    free(df->fc);
    free(df->different);
    free(df);
}

const rb_diff_entry *rb_diff_entries(const rb_diff *df, size_t *n)
{
    *n = df->nm;
    return df->m;
}

int rb_diff_partial(const rb_diff *df, int which) { return which ? df->partial_new : df->partial_old; }

const char *rb_diff_different(const rb_diff *df) { return df->different; }

static int entry_changed(const rb_diff_entry *e)
{
    return e->status != RB_DIFF_UNCHANGED && e->status != RB_DIFF_NOT_COMPARED;
}

rb_status rb_diff_check_dims(const rb_grammar *g, const char *dims, rb_error *err)
{
    const char **ids, **titles;
    size_t n = rb_extract_dims(g, &ids, &titles);
    rb_buf valid;
    rb_buf_init(&valid);
    for (size_t i = 0; i < n; i++)
        rb_buf_printf(&valid, "%s%s", i ? ", " : "", ids[i]);
    const char *p = dims ? dims : "";
    rb_status st = RB_OK;
    do {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        size_t k = 0;
        while (k < n && !(strlen(ids[k]) == l && strncmp(ids[k], p, l) == 0))
            k++;
        if (k == n) {
            char *item = rb_xstrndup(p, l);
            char *shown = rb_line_str(item);
            st = rb_error_set(err, RB_EUSAGE, "diff", "--fail-on", 0, 0, "usage",
                              l ? "unknown dimension '%s' (the dimensions: %s)"
                                : "an empty dimension%s in the list (the dimensions: %s)",
                              l ? shown : "", valid.data ? valid.data : "none");
            free(shown);
            free(item);
            break;
        }
        p = c ? c + 1 : NULL;
    } while (p);
    rb_buf_free(&valid);
    return st;
}

int rb_diff_changed(const rb_diff *df, const char *dims)
{
    if (!dims) {
        for (size_t i = 0; i < df->nm; i++)
            if (entry_changed(&df->m[i]))
                return 1;
        /* chapters: a new heading with the same articles is a change too */
        for (size_t c = 0; c < df->a->nchapters; c++) {
            long k = df->chap_map[c];
            char *h = rb_diff_heading(df->a, (long)c), *h2 = rb_diff_heading(df->b, k);
            int diff = k < 0 || strcmp(h, h2) != 0;
            free(h);
            free(h2);
            if (diff)
                return 1;
        }
        if (df->a->nchapters != df->b->nchapters)
            return 1;
        return df->nfc > 0;
    }
    for (size_t i = 0; i < df->nfc; i++) {
        const char *p = dims;
        size_t l = strlen(df->fc[i].dim);
        while (p && *p) {
            const char *c = strchr(p, ',');
            size_t n = c ? (size_t)(c - p) : strlen(p);
            if (n == l && strncmp(p, df->fc[i].dim, l) == 0)
                return 1;
            p = c ? c + 1 : NULL;
        }
    }
    return 0;
}
