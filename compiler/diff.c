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

typedef struct dart {
    const rb_doc *d;
    size_t idx;      /* in d->articles */
    long ordinal;
    long chapter;    /* index in d->chapters, -1 none */
    uint32_t *cp;    /* normalized code points, no whitespace, junk removed */
    size_t *vo;      /* view offset of each */
    size_t n;
    uint64_t *grams; /* sorted distinct bigrams */
    size_t ng;
    long pair;       /* index of its map entry, -1 unmatched */
} dart;

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

typedef struct fchange {
    char *dim, *label, *old, *new;
    long old_art, new_art;
} fchange;

struct rb_diff {
    const rb_doc *a, *b;
    dart *oa, *na;
    size_t noa, nna;
    rb_diff_entry *m;
    size_t nm, cm;
    long *chap_map; /* old chapter index -> new chapter index, or -1 */
    int partial_old, partial_new;
    fchange *fc;
    size_t nfc, cfc;
};

static rb_diff_entry *add_entry(rb_diff *df, rb_diff_status st)
{
    if (df->nm == df->cm) {
        df->cm = df->cm ? 2 * df->cm : 64;
        df->m = rb_xrealloc(df->m, df->cm * sizeof *df->m);
    }
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

static char *norm_heading(const rb_doc *d, long c)
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
        char *h = norm_heading(a, (long)c);
        for (size_t k = 0; k < b->nchapters && df->chap_map[c] < 0; k++) {
            char *h2 = norm_heading(b, (long)k);
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
    if (df->nfc == df->cfc) {
        df->cfc = df->cfc ? 2 * df->cfc : 16;
        df->fc = rb_xrealloc(df->fc, df->cfc * sizeof *df->fc);
    }
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
            if (f->kind != dims[d])
                continue;
            char *lf = fact_label(f);
            long to = mapped(df, f->article);
            /* the partner: same label (meetings: same type) in the article it went to, else
             * the same label anywhere */
            long best = -1;
            for (int pass = 0; pass < 2 && best < 0; pass++)
                for (size_t j = 0; j < B->n && best < 0; j++) {
                    const rb_fact *g = &B->v[j];
                    if (usedb[j] || g->kind != dims[d])
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
            if (usedb[j] || g->kind != dims[d])
                continue;
            if (df->partial_old) {
                /* past the excerpt's end nothing can be said */
                int beyond = 0;
                for (size_t k = 0; k < df->nm; k++)
                    for (size_t q = 0; q < df->m[k].nnew; q++)
                        if (df->m[k].new[q] == g->article &&
                            df->m[k].status == RB_DIFF_NOT_COMPARED)
                            beyond = 1;
                if (beyond)
                    continue;
            }
            char *lg = fact_label(g), *wn = fact_words(g);
            add_fc(df, rb_dim_id(dims[d]), lg, NULL, wn, -1, g->article);
            free(lg);
            free(wn);
        }
    }
    free(usedb);
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
    free(df);
}

const rb_diff_entry *rb_diff_entries(const rb_diff *df, size_t *n)
{
    *n = df->nm;
    return df->m;
}

int rb_diff_partial(const rb_diff *df, int which) { return which ? df->partial_new : df->partial_old; }

static int entry_changed(const rb_diff_entry *e)
{
    return e->status != RB_DIFF_UNCHANGED && e->status != RB_DIFF_NOT_COMPARED;
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
            char *h = norm_heading(df->a, (long)c), *h2 = norm_heading(df->b, k);
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

/* ---- rendering ---------------------------------------------------------------------------------- */

static const char *status_name(rb_diff_status s)
{
    switch (s) {
    case RB_DIFF_UNCHANGED: return "unchanged";
    case RB_DIFF_MODIFIED: return "modified";
    case RB_DIFF_RENUMBERED: return "renumbered";
    case RB_DIFF_MOVED: return "moved";
    case RB_DIFF_SPLIT: return "split";
    case RB_DIFF_MERGED: return "merged";
    case RB_DIFF_ADDED: return "added";
    case RB_DIFF_DELETED: return "deleted";
    case RB_DIFF_NOT_COMPARED: return "not-compared";
    }
    return "?";
}

/* The original characters of code points [a, b) of an article. */
static void put_orig(rb_buf *out, const dart *x, size_t a, size_t b)
{
    size_t done = 0; /* the source is written up to here (… gives three view characters) */
    for (size_t i = a; i < b; i++) {
        size_t vo = x->vo[i];
        size_t ve = vo;
        uint32_t c;
        ve += (size_t)rb_utf8_decode(x->d->view->text + vo, x->d->view->len - vo, &c);
        size_t o1, o2;
        rb_doc_orig_range(x->d, vo, ve, &o1, &o2);
        if (o2 <= o1 || o2 - o1 > 16) { /* inside a replaced phrase: the normalized character */
            rb_buf_put(out, x->d->view->text + vo, ve - vo);
            continue;
        }
        if (o1 < done) /* the rest of a source character already written */
            o1 = done;
        done = o2;
        /* skip line breaks and spaces the view dropped */
        for (size_t k = o1; k < o2; k++) {
            char ch = x->d->src->text[k];
            if (ch != '\n' && ch != '\r')
                rb_buf_putc(out, ch);
        }
    }
}

typedef struct marks {
    const char *del_open, *del_close, *ins_open, *ins_close;
} marks;

static const marks M_PLAIN = {"[-", "-]", "{+", "+}"};
static const marks M_COLOR = {"\033[31m", "\033[0m", "\033[32m", "\033[0m"};
static const marks M_MD = {"~~", "~~", "**", "**"};

/* The most edits a character diff looks for: its trace takes about MAX_D^2 cells (64 MB here),
 * so two long and wholly different articles do not get one. */
#define MAX_D 4096

static size_t max_d(const dart *o, const dart *n) { return o->n + n->n < MAX_D ? o->n + n->n : MAX_D; }

/* A character diff with CONTEXT characters around each change. */
static void char_diff(rb_buf *out, const dart *o, const dart *n, const marks *mk, const char *indent)
{
    rb_edit *ed = NULL;
    size_t ne = rb_chardiff(o->cp, o->n, n->cp, n->n, max_d(o, n), &ed);
    if (ne == (size_t)-1) {
        rb_buf_printf(out, "%s(more than %d characters differ: no character diff)\n", indent,
                      MAX_D);
        return;
    }
    const size_t CONTEXT = 12;
    rb_buf_puts(out, indent);
    for (size_t i = 0; i < ne; i++) {
        const rb_edit *e = &ed[i];
        if (e->op == RB_EQ) {
            if (i == 0 && e->n > CONTEXT) {
                rb_buf_puts(out, "…");
                put_orig(out, n, e->b + e->n - CONTEXT, e->b + e->n);
            } else if (i == ne - 1 && e->n > CONTEXT) {
                put_orig(out, n, e->b, e->b + CONTEXT);
                rb_buf_puts(out, "…");
            } else if (i > 0 && i < ne - 1 && e->n > 2 * CONTEXT) {
                put_orig(out, n, e->b, e->b + CONTEXT);
                rb_buf_puts(out, " … ");
                put_orig(out, n, e->b + e->n - CONTEXT, e->b + e->n);
            } else {
                put_orig(out, n, e->b, e->b + e->n);
            }
        } else if (e->op == RB_DEL) {
            rb_buf_puts(out, mk->del_open);
            put_orig(out, o, e->a, e->a + e->n);
            rb_buf_puts(out, mk->del_close);
        } else {
            rb_buf_puts(out, mk->ins_open);
            put_orig(out, n, e->b, e->b + e->n);
            rb_buf_puts(out, mk->ins_close);
        }
    }
    rb_buf_putc(out, '\n');
    free(ed);
}

static void ords(rb_buf *b, const long *v, size_t n)
{
    if (!n) {
        rb_buf_puts(b, "—");
        return;
    }
    for (size_t i = 0; i < n; i++)
        rb_buf_printf(b, "%s§%ld", i ? ", " : "", v[i]);
}

static void render_text(const rb_diff *df, int md, int color, rb_buf *b)
{
    const marks *mk = md ? &M_MD : color ? &M_COLOR : &M_PLAIN;
    const char *h1 = md ? "## " : "", *li = md ? "- " : "  ";
    if (df->partial_old || df->partial_new)
        rb_buf_printf(b, "%swarning: the %s version (%s) is partial: an excerpt ending at article "
                         "%ld; it is compared for what it contains\n\n",
                      md ? "> " : "", df->partial_old ? "old" : "new",
                      df->partial_old ? df->a->name : df->b->name,
                      df->partial_old ? (df->noa ? df->oa[df->noa - 1].ordinal : 0)
                                      : (df->nna ? df->na[df->nna - 1].ordinal : 0));
    rb_buf_printf(b, "%sSummary of changed facts\n%s", h1, md ? "\n" : "");
    if (df->nfc == 0)
        rb_buf_printf(b, "%s(none)\n", li);
    for (size_t i = 0; i < df->nfc; i++) {
        const fchange *c = &df->fc[i];
        rb_buf_printf(b, "%s%s %s: %s → %s (", li, c->dim, c->label, c->old ? c->old : "—",
                      c->new ? c->new : "—");
        if (c->old_art >= 0)
            rb_buf_printf(b, "§%ld", c->old_art);
        else
            rb_buf_puts(b, "—");
        rb_buf_puts(b, " → ");
        if (c->new_art >= 0)
            rb_buf_printf(b, "§%ld", c->new_art);
        else
            rb_buf_puts(b, "—");
        rb_buf_puts(b, ")\n");
    }
    /* chapters */
    rb_buf_printf(b, "\n%sChapters\n%s", h1, md ? "\n" : "");
    int any = 0;
    for (size_t c = 0; c < df->a->nchapters; c++) {
        long k = df->chap_map[c];
        char *h = norm_heading(df->a, (long)c), *h2 = norm_heading(df->b, k);
        char *oh = df->a->chapters[c].heading.len ? rb_doc_text(df->a, df->a->chapters[c].heading)
                                                  : rb_xstrdup("");
        if (k < 0) {
            rb_buf_printf(b, "%s第%ld章 %s → — (removed)\n", li, df->a->chapters[c].ordinal, oh);
            any = 1;
        } else if (strcmp(h, h2) != 0 || df->a->chapters[c].ordinal != df->b->chapters[k].ordinal) {
            char *nh = rb_doc_text(df->b, df->b->chapters[k].heading);
            rb_buf_printf(b, "%s第%ld章 %s → 第%ld章 %s\n", li, df->a->chapters[c].ordinal, oh,
                          df->b->chapters[k].ordinal, nh);
            free(nh);
            any = 1;
        }
        free(oh);
        free(h);
        free(h2);
    }
    for (size_t k = 0; k < df->b->nchapters; k++) {
        int hit = 0;
        for (size_t c = 0; c < df->a->nchapters; c++)
            if (df->chap_map[c] == (long)k)
                hit = 1;
        if (!hit && !df->partial_old) {
            char *nh = df->b->chapters[k].heading.len ? rb_doc_text(df->b, df->b->chapters[k].heading)
                                                      : rb_xstrdup("");
            rb_buf_printf(b, "%s— → 第%ld章 %s (added)\n", li, df->b->chapters[k].ordinal, nh);
            free(nh);
            any = 1;
        }
    }
    if (!any)
        rb_buf_printf(b, "%s(no change)\n", li);
    /* articles */
    rb_buf_printf(b, "\n%sArticles (old → new)\n%s", h1, md ? "\n" : "");
    size_t nunch = 0;
    for (size_t i = 0; i < df->nm; i++) {
        const rb_diff_entry *e = &df->m[i];
        if (e->status == RB_DIFF_UNCHANGED) {
            nunch++;
            continue;
        }
        rb_buf_puts(b, li);
        ords(b, e->old, e->nold);
        rb_buf_puts(b, " → ");
        ords(b, e->new, e->nnew);
        rb_buf_printf(b, " %s", status_name(e->status));
        if (e->status == RB_DIFF_MODIFIED && (e->renumbered || e->moved))
            rb_buf_printf(b, "%s%s", e->renumbered ? ", renumbered" : "", e->moved ? ", moved" : "");
        if (e->nold && e->nnew)
            rb_buf_printf(b, " (similarity %.2f)", e->similarity);
        rb_buf_putc(b, '\n');
        if (e->status == RB_DIFF_MODIFIED && e->nold == 1 && e->nnew == 1)
            char_diff(b, &df->oa[e->old_idx[0]], &df->na[e->new_idx[0]], mk, md ? "  " : "      ");
    }
    rb_buf_printf(b, "%s%zu unchanged\n", li, nunch);
}

static void js_long_list(rb_buf *b, const long *v, size_t n)
{
    rb_buf_puts(b, "[");
    for (size_t i = 0; i < n; i++)
        rb_buf_printf(b, "%s%ld", i ? ", " : "", v[i]);
    rb_buf_puts(b, "]");
}

static void js_s(rb_buf *b, const char *s)
{
    if (s)
        rb_buf_json_str(b, s, strlen(s));
    else
        rb_buf_puts(b, "null");
}

static void put_run(rb_buf *b, const dart *x, size_t a, size_t z)
{
    rb_buf t;
    rb_buf_init(&t);
    put_orig(&t, x, a, z);
    js_s(b, t.data ? t.data : "");
    rb_buf_free(&t);
}

static void render_json(const rb_diff *df, rb_buf *b)
{
    rb_buf_puts(b, "{\"old\": {\"file\": ");
    js_s(b, df->a->name);
    rb_buf_printf(b, ", \"articles\": %zu, \"chapters\": %zu, \"partial\": %s}", df->a->narticles,
                  df->a->nchapters, df->partial_old ? "true" : "false");
    rb_buf_puts(b, ",\n \"new\": {\"file\": ");
    js_s(b, df->b->name);
    rb_buf_printf(b, ", \"articles\": %zu, \"chapters\": %zu, \"partial\": %s}", df->b->narticles,
                  df->b->nchapters, df->partial_new ? "true" : "false");
    rb_buf_printf(b, ",\n \"changed\": %s,\n \"summary\": [", rb_diff_changed(df, NULL) ? "true" : "false");
    for (size_t i = 0; i < df->nfc; i++) {
        const fchange *c = &df->fc[i];
        rb_buf_puts(b, i ? ",\n  {\"dimension\": " : "\n  {\"dimension\": ");
        js_s(b, c->dim);
        rb_buf_puts(b, ", \"label\": ");
        js_s(b, c->label);
        rb_buf_puts(b, ", \"old\": ");
        js_s(b, c->old);
        rb_buf_puts(b, ", \"new\": ");
        js_s(b, c->new);
        rb_buf_puts(b, ", \"old_article\": ");
        if (c->old_art >= 0)
            rb_buf_printf(b, "%ld", c->old_art);
        else
            rb_buf_puts(b, "null");
        rb_buf_puts(b, ", \"new_article\": ");
        if (c->new_art >= 0)
            rb_buf_printf(b, "%ld", c->new_art);
        else
            rb_buf_puts(b, "null");
        rb_buf_printf(b, ", \"change\": \"%s\"}", !c->old ? "added" : !c->new ? "removed" : "changed");
    }
    rb_buf_puts(b, "],\n \"map\": [");
    for (size_t i = 0; i < df->nm; i++) {
        const rb_diff_entry *e = &df->m[i];
        rb_buf_puts(b, i ? ",\n  {\"old\": " : "\n  {\"old\": ");
        js_long_list(b, e->old, e->nold);
        rb_buf_puts(b, ", \"new\": ");
        js_long_list(b, e->new, e->nnew);
        rb_buf_printf(b, ", \"status\": \"%s\", \"similarity\": ", status_name(e->status));
        if (e->nold && e->nnew)
            rb_buf_printf(b, "%.3f", e->similarity);
        else
            rb_buf_puts(b, "null");
        rb_buf_printf(b, ", \"modified\": %s, \"renumbered\": %s, \"moved\": %s}",
                      e->modified ? "true" : "false", e->renumbered ? "true" : "false",
                      e->moved ? "true" : "false");
    }
    rb_buf_puts(b, "],\n \"edits\": [");
    int any = 0;
    for (size_t i = 0; i < df->nm; i++) {
        const rb_diff_entry *e = &df->m[i];
        if (e->status != RB_DIFF_MODIFIED || e->nold != 1 || e->nnew != 1)
            continue;
        const dart *o = &df->oa[e->old_idx[0]], *n = &df->na[e->new_idx[0]];
        rb_edit *ed = NULL;
        size_t ne = rb_chardiff(o->cp, o->n, n->cp, n->n, max_d(o, n), &ed);
        rb_buf_printf(b, "%s\n  {\"old\": %ld, \"new\": %ld, \"ops\": [", any ? "," : "", o->ordinal,
                      n->ordinal);
        any = 1;
        int first = 1;
        for (size_t k = 0; ne != (size_t)-1 && k < ne; k++) {
            const rb_edit *x = &ed[k];
            if (x->op == RB_EQ)
                continue;
            rb_buf_printf(b, "%s{\"op\": \"%s\", \"old_pos\": %zu, \"new_pos\": %zu, \"text\": ",
                          first ? "" : ", ", x->op == RB_DEL ? "delete" : "insert", x->a, x->b);
            if (x->op == RB_DEL)
                put_run(b, o, x->a, x->a + x->n);
            else
                put_run(b, n, x->b, x->b + x->n);
            rb_buf_puts(b, "}");
            first = 0;
        }
        rb_buf_puts(b, "]}");
        free(ed);
    }
    rb_buf_puts(b, "]}\n");
}

void rb_diff_render(const rb_diff *df, rb_diff_format fmt, int color, rb_buf *out)
{
    if (fmt == RB_DIFF_JSON)
        render_json(df, out);
    else
        render_text(df, fmt == RB_DIFF_MD, color, out);
}
