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
        rb_doc_append_norm(d, rb_span_of(b->num), &t, &vo, &vcap);
        rb_doc_append_norm(d, rb_span_of(b->text), &t, &vo, &vcap);
    }
    /* code points without whitespace, each with its view offset */
    a->cp = rb_xmalloc((t.len + 1) * sizeof *a->cp);
    a->vo = rb_xmalloc((t.len + 1) * sizeof *a->vo);
    for (size_t o = 0; o < t.len;) {
        uint32_t c;
        int l = rb_utf8_decode(t.data + o, t.len - o, &c);
        if (!(c == ' ' || c == '\t' || c == '\n')) {
            a->cp[a->n] = c;
            a->vo[a->n] = (uint32_t)vo[o];
            a->n++;
        }
        o += (size_t)l;
    }
    /* kept a character each, not a byte each (a CJK text's 12 bytes a byte, kept for every
     * article, were three quarters of diff's peak: 548 MB for two 16 MB texts) */
    a->cp = rb_xrealloc(a->cp, (a->n + 1) * sizeof *a->cp);
    a->vo = rb_xrealloc(a->vo, (a->n + 1) * sizeof *a->vo);
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

/* The bigrams two articles share: a merge of their sorted, distinct lists, without branches
 * on the comparison (of two texts' bigrams, each one a coin toss to the predictor). */
static size_t common(const dart *a, const dart *b)
{
    const uint64_t *x = a->grams, *y = b->grams;
    size_t i = 0, j = 0, c = 0, nx = a->ng, ny = b->ng;
    while (i < nx && j < ny) {
        uint64_t u = x[i], v = y[j];
        c += u == v;
        i += u <= v;
        j += v <= u;
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
        char *t = rb_doc_norm(d, rb_span_of(d->blocks[last->first_block + last->nblocks - 1].text));
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
            char *t = rb_doc_norm(d, rb_span_of(d->blocks[a->first_block + k].text));
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
    /* a deleted article sorts right after the new place of the nearest old article before it
     * that went somewhere: one pass over the old articles in order */
    long *after = rb_xmalloc((df->noa + 1) * sizeof *after);
    long last = -1;
    for (size_t k = 0; k < df->noa; k++) {
        after[k] = last;
        const rb_diff_entry *p = df->oa[k].pair >= 0 ? &df->m[df->oa[k].pair] : NULL;
        if (p && p->nnew)
            last = 2 * (long)p->new_idx[p->nnew - 1] + 1;
    }
    for (size_t i = 0; i < df->nm; i++) {
        rb_diff_entry *e = &df->m[i];
        e->sort_key = e->nnew ? 2 * (long)e->new_idx[0] : after[e->old_idx[0]];
    }
    free(after);
}

/* ---- step 1 of the alignment: exact text, in linear time ----------------------------------------- */

static uint64_t text_hash(const dart *a)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < a->n; i++) {
        h ^= a->cp[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* union-find "next free slot" over the positions of one bucket (n + 1 slots, the last a
 * sentinel): find(p) is the first slot >= p not yet taken */
static size_t uf_find(size_t *next, size_t p)
{
    size_t r = p;
    while (next[r] != r)
        r = next[r];
    while (next[p] != r) {
        size_t q = next[p];
        next[p] = r;
        p = q;
    }
    return r;
}

/* Each new article takes the old article of the same text nearest its position (the earlier one
 * on a tie). Old articles are bucketed by text hash, each bucket sorted by position, with
 * union-find lists of the untaken ones to the right and to the left: linear, even when every
 * article has the same text. */
static void exact_pass(rb_diff *df)
{
    dart *O = df->oa, *N = df->na;
    size_t no = df->noa, nn = df->nna;
    rb_omap bucket_of = {0}; /* hash -> bucket index + 1 */
    size_t *head = NULL, nb = 0, cb = 0;
    size_t *bucket = rb_xmalloc((no + 1) * sizeof *bucket); /* per old article */
    for (size_t j = 0; j < no; j++) {
        bucket[j] = (size_t)-1;
        if (!O[j].n)
            continue;
        int fresh = 0;
        size_t *slot = rb_omap_slot(&bucket_of, (long)(text_hash(&O[j]) >> 1) | 1, &fresh);
        if (fresh) {
            RB_GROW(head, nb, cb);
            head[nb] = 0;
            *slot = ++nb;
        }
        bucket[j] = *slot - 1;
        head[bucket[j]]++;
    }
    /* counting sort of the old articles by bucket: members[start[b] .. start[b+1]) in order */
    size_t *start = rb_xcalloc(nb + 1, sizeof *start);
    for (size_t b = 0; b < nb; b++)
        start[b + 1] = start[b] + head[b];
    size_t *fill = rb_xmalloc((nb + 1) * sizeof *fill);
    memcpy(fill, start, (nb + 1) * sizeof *fill);
    size_t total = start[nb];
    size_t *members = rb_xmalloc((total + 1) * sizeof *members);
    size_t *pos = rb_xmalloc((no + 1) * sizeof *pos); /* index of j in members */
    for (size_t j = 0; j < no; j++)
        if (bucket[j] != (size_t)-1) {
            pos[j] = fill[bucket[j]];
            members[fill[bucket[j]]++] = j;
        }
    /* per bucket, slots start[b] .. start[b+1] (a sentinel after each: total + nb + 1 in all) */
    size_t nslots = total + nb + 1;
    size_t *right = rb_xmalloc(nslots * sizeof *right), *left = rb_xmalloc(nslots * sizeof *left);
    for (size_t k = 0; k < nslots; k++)
        right[k] = left[k] = k;
    for (size_t i = 0; i < nn; i++) {
        if (!N[i].n)
            continue;
        size_t b = rb_omap_get(&bucket_of, (long)(text_hash(&N[i]) >> 1) | 1);
        if (b == (size_t)-1)
            continue;
        b -= 1;
        size_t lo = start[b], hi = start[b + 1], base = lo + b; /* slots base .. base + (hi-lo) */
        /* the first member at position >= i */
        size_t a = lo, z = hi;
        while (a < z) {
            size_t mid = a + (z - a) / 2;
            if (members[mid] < i)
                a = mid + 1;
            else
                z = mid;
        }
        /* untaken members at or right of it (slot base + m), and left of it (mirrored: slot
         * base + span - 1 - m); slot base + span is the sentinel of both */
        size_t span = hi - lo, a0 = a - lo;
        long best = -1;
        size_t r = uf_find(right, base + a0);
        if (r < base + span)
            best = (long)members[lo + (r - base)];
        if (a0 > 0) {
            size_t l = uf_find(left, base + span - a0);
            if (l < base + span) {
                long cand = (long)members[lo + (span - 1 - (l - base))];
                if (best < 0 || labs(cand - (long)i) <= labs(best - (long)i))
                    best = cand;
            }
        }
        if (best < 0 || !same_text(&O[best], &N[i]))
            continue; /* a hash collision: left to the similarity steps */
        size_t m = pos[best] - lo;
        right[base + m] = base + m + 1;
        left[base + span - 1 - m] = base + span - m;
        pair(df, &O[best], &N[i], 1.0);
    }
    rb_omap_free(&bucket_of);
    free(head);
    free(bucket);
    free(start);
    free(fill);
    free(members);
    free(pos);
    free(right);
    free(left);
}

/* More candidate pairs than this (unpaired old x unpaired new), or more work in comparing
 * them all (each comparison walks the two articles' bigrams: the sum over the pairs of both
 * counts), and the similarity steps look only near the expected position: two long texts
 * with little in common stay linear, whether of many articles or of long ones. */
#define PAIR_BUDGET 4e6
#define WORK_BUDGET 1e8
#define PAIR_WINDOW 64

/* The range of the other side's unpaired list to compare item x (of na) with: all of it, or a
 * window around the proportional position. */
static void window(size_t x, size_t na, size_t nb, int windowed, size_t *lo, size_t *hi)
{
    if (!windowed) {
        *lo = 0;
        *hi = nb;
        return;
    }
    size_t at = na ? (size_t)((double)x * (double)nb / (double)na) : 0;
    *lo = at > PAIR_WINDOW ? at - PAIR_WINDOW : 0;
    *hi = at + PAIR_WINDOW < nb ? at + PAIR_WINDOW : nb;
}

typedef struct cand {
    double s;
    size_t o, n, seq;
} cand;

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->s != y->s)
        return x->s > y->s ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void align(rb_diff *df)
{
    dart *O = df->oa, *N = df->na;
    size_t no = df->noa, nn = df->nna;
    /* 1. exact text, nearest position first */
    exact_pass(df);
    /* what is left unpaired after the exact pass: the later steps look only at these, and when
     * both sides keep many, only at the pairs near the expected position (PAIR_BUDGET) */
    size_t *uo = rb_xmalloc((no + 1) * sizeof *uo), *un = rb_xmalloc((nn + 1) * sizeof *un);
    size_t nuo = 0, nun = 0;
    for (size_t j = 0; j < no; j++)
        if (O[j].pair < 0)
            uo[nuo++] = j;
    for (size_t i = 0; i < nn; i++)
        if (N[i].pair < 0)
            un[nun++] = i;
    double grams_o = 0, grams_n = 0;
    for (size_t x = 0; x < nuo; x++)
        grams_o += (double)O[uo[x]].ng;
    for (size_t y = 0; y < nun; y++)
        grams_n += (double)N[un[y]].ng;
    int windowed = (double)nuo * (double)nun > PAIR_BUDGET ||
                   grams_o * (double)nun + grams_n * (double)nuo > WORK_BUDGET;
    /* 2. splits and merges: one article's text spread over several */
    for (int side = 0; side < 2; side++) {
        dart *A = side ? N : O, *B = side ? O : N;
        const size_t *ua = side ? un : uo, *ub = side ? uo : un;
        size_t nua = side ? nun : nuo, nub = side ? nuo : nun;
        for (size_t x = 0; x < nua; x++) {
            size_t i = ua[x];
            if (A[i].pair >= 0 || A[i].ng < 8)
                continue;
            size_t lo, hi;
            window(x, nua, nub, windowed, &lo, &hi);
            size_t parts[8], np = 0;
            for (size_t y = lo; y < hi && np < 8; y++) {
                size_t j = ub[y];
                if (B[j].pair < 0 && B[j].ng >= 4 && contained(&B[j], &A[i]) >= 0.7)
                    parts[np++] = j;
            }
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
    /* 3. similarity, best pairs first (ties in the order found: old, then new) */
    cand *cs = NULL;
    size_t ncs = 0, ccs = 0;
    for (size_t x = 0; x < nuo; x++) {
        size_t j = uo[x];
        if (O[j].pair >= 0)
            continue;
        size_t lo, hi;
        window(x, nuo, nun, windowed, &lo, &hi);
        for (size_t y = lo; y < hi; y++) {
            size_t i = un[y];
            if (N[i].pair >= 0)
                continue;
            double sm = dice(&O[j], &N[i]);
            if (sm >= 0.45) {
                RB_GROW(cs, ncs, ccs);
                cs[ncs] = (cand){sm, j, i, ncs};
                ncs++;
            }
        }
    }
    if (ncs > 1)
        qsort(cs, ncs, sizeof *cs, cmp_cand);
    for (size_t k = 0; k < ncs; k++)
        if (O[cs[k].o].pair < 0 && N[cs[k].n].pair < 0)
            pair(df, &O[cs[k].o], &N[cs[k].n], cs[k].s);
    free(cs);
    free(uo);
    free(un);
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
        /* position says little across a wide gap, or past the end of an excerpt; and a long
         * run of rewritten articles is left to the similarity steps (the pairing below is
         * cubic in the gap) */
        int wide = hi - lo - 1 > 2 * (long)(j2 - j) + 2 || j2 - j > 48;
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
    /* the new chapters by heading (the first of each), and the votes of the old articles: where
     * the articles of each old chapter went (linear in chapters and articles) */
    /* the new chapters of each heading, in order: the k-th old chapter of a heading maps to
     * the k-th new one (a repeated heading maps one to one) */
    char **hb = rb_xmalloc((b->nchapters + 1) * sizeof *hb);
    size_t *next_same = rb_xmalloc((b->nchapters + 1) * sizeof *next_same);
    size_t *tail = rb_xmalloc((b->nchapters + 1) * sizeof *tail);
    rb_smap by_heading = {0}; /* heading -> its first new chapter, then the next unused one */
    for (size_t k = 0; k < b->nchapters; k++) {
        hb[k] = rb_diff_heading(b, (long)k);
        next_same[k] = (size_t)-1;
        int fresh = 0;
        size_t *slot = rb_smap_slot(&by_heading, hb[k], &fresh);
        if (fresh)
            *slot = k;
        else
            next_same[tail[*slot]] = k;
        tail[fresh ? k : *slot] = k;
    }
    rb_omap votes = {0}; /* old chapter * (new chapters + 1) + new chapter + 1 -> count */
    long *best = rb_xmalloc((a->nchapters + 1) * sizeof *best);
    size_t *bestn = rb_xcalloc(a->nchapters + 1, sizeof *bestn);
    for (size_t c = 0; c < a->nchapters; c++)
        best[c] = -1;
    for (size_t j = 0; j < df->noa; j++) {
        const dart *o = &df->oa[j];
        if (o->chapter < 0 || o->pair < 0)
            continue;
        const rb_diff_entry *e = &df->m[o->pair];
        for (size_t q = 0; q < e->nnew; q++) {
            long nc = b->articles[e->new_idx[q]].chapter;
            if (nc < 0)
                continue;
            int fresh = 0;
            size_t *v = rb_omap_slot(&votes, o->chapter * ((long)b->nchapters + 1) + nc + 1, &fresh);
            ++*v;
            /* the most votes; on a tie the earlier new chapter */
            if (*v > bestn[o->chapter] || (*v == bestn[o->chapter] && nc < best[o->chapter])) {
                bestn[o->chapter] = *v;
                best[o->chapter] = nc;
            }
        }
    }
    for (size_t c = 0; c < a->nchapters; c++) {
        char *h = rb_diff_heading(a, (long)c);
        size_t *slot = *h && rb_smap_get(&by_heading, h) != (size_t)-1
                           ? rb_smap_slot(&by_heading, h, &(int){0})
                           : NULL;
        size_t k = slot ? *slot : (size_t)-1;
        if (slot) /* taken: the next old chapter of this heading gets the next new one */
            *slot = next_same[k];
        df->chap_map[c] = k != (size_t)-1 ? (long)k : best[c];
        free(h);
    }
    /* what is left (a chapter without a heading and without articles: a number in a copy's
     * debris): the k-th of a number maps to the k-th new one of that number not taken */
    char *taken = rb_xcalloc(b->nchapters + 1, 1);
    for (size_t c = 0; c < a->nchapters; c++)
        if (df->chap_map[c] >= 0)
            taken[df->chap_map[c]] = 1;
    rb_omap by_num = {0}; /* ordinal -> first untaken new chapter of it + 1 (scan on from it) */
    for (size_t c = 0; c < a->nchapters; c++) {
        if (df->chap_map[c] >= 0)
            continue;
        long num = a->chapters[c].ordinal;
        size_t from = rb_omap_get(&by_num, num);
        for (size_t k = from == (size_t)-1 ? 0 : from; k < b->nchapters; k++)
            if (!taken[k] && b->chapters[k].ordinal == num && !*hb[k]) {
                char *h = rb_diff_heading(a, (long)c);
                int empty = !*h;
                free(h);
                if (!empty)
                    break;
                df->chap_map[c] = (long)k;
                taken[k] = 1;
                int fresh;
                *rb_omap_slot(&by_num, num, &fresh) = k + 1;
                break;
            }
    }
    free(taken);
    rb_omap_free(&by_num);
    for (size_t k = 0; k < b->nchapters; k++)
        free(hb[k]);
    free(hb);
    free(next_same);
    free(tail);
    rb_smap_free(&by_heading);
    rb_omap_free(&votes);
    free(best);
    free(bestn);
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

/* (any length: a compiled file may give long values, and a cut one could make two differing
 * facts read the same or end inside a character) */
static char *fact_words(const rb_fact *f)
{
    rb_buf B;
    rb_buf_init(&B);
    const char *s;
    if (f->kind == RB_DIM_MEETINGS) {
        const char *cmin = rb_fact_str(f, RB_F_COUNT_MIN), *cmax = rb_fact_str(f, RB_F_COUNT_MAX);
        if (cmin && cmax && strcmp(cmin, cmax) != 0)
            rb_buf_printf(&B, "%s%s–%s次", period_words(rb_fact_str(f, RB_F_PERIOD)), cmin, cmax);
        else if (cmin)
            rb_buf_printf(&B, "%s%s次", period_words(rb_fact_str(f, RB_F_PERIOD)), cmin);
        else
            rb_buf_printf(&B, "%s", (s = rb_fact_str(f, RB_F_KIND)) ? s : "?");
    } else if (f->kind == RB_DIM_DEADLINES) {
        const char *bound = rb_fact_str(f, RB_F_BOUND);
        const char *amt = rb_fact_str(f, RB_F_AMOUNT), *unit = unit_words(rb_fact_str(f, RB_F_UNIT));
        if (!amt)
            amt = "?";
        if (bound && strcmp(bound, "at_most") == 0)
            rb_buf_printf(&B, "不超过%s%s", amt, unit);
        else if (bound && strcmp(bound, "at_least") == 0)
            rb_buf_printf(&B, "不少于%s%s", amt, unit);
        else if (bound && strcmp(bound, "in_advance") == 0)
            rb_buf_printf(&B, "提前%s%s", amt, unit);
        else
            rb_buf_printf(&B, "%s%s内", amt, unit);
    } else {
        rb_buf_printf(&B, "%s", f->value ? f->value : "");
    }
    return rb_buf_detach(&B);
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

/* The new ordinal an old article went to, or -1 (through an index of the old ordinals built
 * once: the facts of 10^5 articles do not scan the articles each). */
static long mapped(const rb_diff *df, long old_ordinal)
{
    size_t i = rb_omap_get(&df->old_at, old_ordinal);
    if (i == (size_t)-1 || df->oa[i].pair < 0)
        return -1;
    const rb_diff_entry *e = &df->m[df->oa[i].pair];
    return e->nnew ? e->new[0] : -1;
}

/* Is the article of this ordinal past the end of the other version's excerpt (not compared)? */
static int not_compared(const rb_diff *df, long ordinal, int new_side)
{
    const rb_omap *at = new_side ? &df->new_at : &df->old_at;
    const dart *v = new_side ? df->na : df->oa;
    size_t i = rb_omap_get(at, ordinal);
    return i != (size_t)-1 && v[i].pair >= 0 &&
           df->m[v[i].pair].status == RB_DIFF_NOT_COMPARED;
}

/* The last article of a partial version is cut off: its facts say nothing reliable. */
static int cut_off(const rb_diff *df, long ordinal, int new_side)
{
    if (new_side)
        return (df->partial_new || df->cut_new) && df->nna &&
               ordinal == df->na[df->nna - 1].ordinal;
    return df->partial_old && df->noa && ordinal == df->oa[df->noa - 1].ordinal;
}

/* A chain of fact indexes (of the new version) under one key, in order, with a cursor past the
 * ones already used (used only grows, so the cursor only moves forward: linear in all). */
typedef struct fchain {
    size_t *v;
    size_t n, cap, cur;
} fchain;

typedef struct findex {
    rb_smap key; /* key -> chain index */
    fchain *c;
    size_t n, cap;
    char **keys; /* owned */
} findex;

static fchain *fi_get(findex *x, char *key, int add)
{
    size_t k = rb_smap_get(&x->key, key);
    if (k != (size_t)-1) {
        free(key);
        return &x->c[k];
    }
    if (!add) {
        free(key);
        return NULL;
    }
    int fresh;
    size_t *slot = rb_smap_slot(&x->key, key, &fresh);
    RB_GROW(x->c, x->n, x->cap);
    x->keys = rb_xrealloc(x->keys, x->cap * sizeof *x->keys);
    x->keys[x->n] = key;
    memset(&x->c[x->n], 0, sizeof x->c[x->n]);
    *slot = x->n;
    return &x->c[x->n++];
}

static void fi_add(findex *x, char *key, size_t j)
{
    fchain *c = fi_get(x, key, 1);
    RB_GROW(c->v, c->n, c->cap);
    c->v[c->n++] = j;
}

/* the first unused index of a chain, or (size_t)-1 */
static size_t fi_first(fchain *c, const char *used)
{
    while (c && c->cur < c->n && used[c->v[c->cur]])
        c->cur++;
    return c && c->cur < c->n ? c->v[c->cur] : (size_t)-1;
}

static void fi_free(findex *x)
{
    for (size_t i = 0; i < x->n; i++) {
        free(x->c[i].v);
        free(x->keys[i]);
    }
    free(x->c);
    free(x->keys);
    rb_smap_free(&x->key);
}

static char *key_of(const char *a, const char *b, long n)
{
    size_t l = strlen(a) + strlen(b) + 32;
    char *k = rb_xmalloc(l);
    snprintf(k, l, "%s\x1f%s\x1f%ld", a, b, n);
    return k;
}

/* Each old fact's partner in the new version: the same label (meetings: the same type) in the
 * article it went to, else the same label anywhere, else, when the article it went to has one
 * fact of the kind and its own article has one too, that one. Indexes by key make it linear. */
static void diff_facts(rb_diff *df)
{
    const rb_facts *A = df->a->facts, *B = df->b->facts;
    if (!A || !B)
        return;
    char *usedb = rb_xcalloc(B->n + 1, 1);
    static const rb_dim dims[] = {RB_DIM_MEETINGS, RB_DIM_SIGNING, RB_DIM_LEAVE,
                                  RB_DIM_DEADLINES};
    char **lb = rb_xcalloc(B->n + 1, sizeof *lb);
    findex by_label = {0}, by_label_art = {0}, by_art = {0};
    rb_omap a_in_art = {0}; /* old facts of a kind in an article: (kind, article) -> count */
    for (size_t j = 0; j < B->n; j++) {
        const rb_fact *g = &B->v[j];
        if (g->kind == RB_DIM_OTHER || cut_off(df, g->article, 1) || not_compared(df, g->article, 1))
            continue;
        lb[j] = fact_label(g);
        const char *match = g->kind == RB_DIM_MEETINGS ? (rb_fact_str(g, RB_F_TYPE) ? rb_fact_str(g, RB_F_TYPE) : "\x1e") : lb[j];
        fi_add(&by_label, key_of(rb_dim_id(g->kind), match, 0), j);
        fi_add(&by_label_art, key_of(rb_dim_id(g->kind), match, g->article), j);
        fi_add(&by_art, key_of(rb_dim_id(g->kind), "", g->article), j);
    }
    for (size_t i = 0; i < A->n; i++) {
        const rb_fact *f = &A->v[i];
        if (f->kind != RB_DIM_OTHER)
            (*rb_omap_slot(&a_in_art, (f->article + 1) * 8 + (long)f->kind, &(int){0}))++;
    }
    for (size_t d = 0; d < sizeof dims / sizeof *dims; d++) {
        for (size_t i = 0; i < A->n; i++) {
            const rb_fact *f = &A->v[i];
            if (f->kind != dims[d] || cut_off(df, f->article, 0) || not_compared(df, f->article, 0))
                continue;
            char *lf = fact_label(f);
            long to = mapped(df, f->article);
            int meeting = dims[d] == RB_DIM_MEETINGS;
            const char *match = meeting ? (rb_fact_str(f, RB_F_TYPE) ? rb_fact_str(f, RB_F_TYPE) : NULL) : lf;
            size_t best = (size_t)-1;
            if (match) {
                if (!meeting) /* pass 0: the same label in the article it went to */
                    best = fi_first(fi_get(&by_label_art, key_of(rb_dim_id(dims[d]), match, to), 0), usedb);
                if (best == (size_t)-1) /* pass 1: anywhere */
                    best = fi_first(fi_get(&by_label, key_of(rb_dim_id(dims[d]), match, 0), 0), usedb);
            }
            if (best == (size_t)-1 && !meeting) {
                /* in the article it went to, one fact of the kind on each side: the same one */
                size_t na = rb_omap_get(&a_in_art, (f->article + 1) * 8 + (long)dims[d]);
                fchain *c = fi_get(&by_art, key_of(rb_dim_id(dims[d]), "", to), 0);
                size_t nb = 0, bj = (size_t)-1;
                if (c) {
                    fi_first(c, usedb); /* the used ones before the cursor are skipped */
                    for (size_t q = c->cur; q < c->n && nb < 2; q++)
                        if (!usedb[c->v[q]])
                            nb++, bj = c->v[q];
                }
                if (na == 1 && nb == 1)
                    best = bj;
            }
            char *wo = fact_words(f);
            if (best == (size_t)-1) {
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
            if (usedb[j] || g->kind != dims[d] || !lb[j])
                continue;
            char *wn = fact_words(g);
            add_fc(df, rb_dim_id(dims[d]), lb[j], NULL, wn, -1, g->article);
            free(wn);
        }
    }
    for (size_t j = 0; j < B->n; j++)
        free(lb[j]);
    free(lb);
    fi_free(&by_label);
    fi_free(&by_label_art);
    fi_free(&by_art);
    rb_omap_free(&a_in_art);
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
    rb_buf why; /* any length: the titles are the documents' */
    rb_buf_init(&why);
    char *ja = name_key(df->a->jurisdiction), *jb = name_key(df->b->jurisdiction);
    char *ta = name_key(df->a->title), *tb = name_key(df->b->title);
    if (ja && jb && strcmp(ja, jb) != 0)
        rb_buf_printf(&why, "OLD is of %s and NEW of %s", df->a->jurisdiction,
                      df->b->jurisdiction);
    else if (ta && tb && strcmp(ta, tb) != 0)
        rb_buf_printf(&why, "OLD is 《%s》 and NEW 《%s》", df->a->title, df->b->title);
    else if (df->noa >= 5 && df->nna >= 5 && !df->partial_old && !df->partial_new) {
        size_t same = 0;
        for (size_t i = 0; i < df->nm; i++)
            if (df->m[i].nold && df->m[i].nnew)
                same += df->m[i].nold;
        if (same * 5 < df->noa)
            rb_buf_printf(&why, "only %zu of the %zu old articles have a counterpart in NEW",
                          same, df->noa);
    }
    free(ja);
    free(jb);
    free(ta);
    free(tb);
    if (!why.len) {
        rb_buf_free(&why);
        return NULL;
    }
    return rb_buf_detach(&why);
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
    if (df->partial_old && df->partial_new) {
        df->partial_new = 0; /* two excerpts: compare the second as a whole */
        df->cut_new = 1;     /* (but not the facts of its cut last article) */
    }
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
    /* ordinal -> article index, the first of each ordinal (0 is the key of no article) */
    for (size_t i = 0; i < df->noa; i++)
        if (df->oa[i].ordinal > 0)
            rb_omap_put_first(&df->old_at, df->oa[i].ordinal, i);
    for (size_t i = 0; i < df->nna; i++)
        if (df->na[i].ordinal > 0)
            rb_omap_put_first(&df->new_at, df->na[i].ordinal, i);
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
    rb_omap_free(&df->old_at);
    rb_omap_free(&df->new_at);
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
