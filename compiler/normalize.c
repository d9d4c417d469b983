/* normalize.c: second stage. Source text -> the normalized matching view that every pattern
 * runs on, with a sparse map back to the original offsets.
 *
 * Per code point: NFKC width folding (full-width digits/letters/punctuation to ASCII,
 * U+3000 and NBSP to a space, small forms ﹑﹐﹕), zero-width characters dropped, CR LF / CR
 * to LF, and OpenCC's traditional->simplified character table. For a document detected as
 * traditional, OpenCC's Taiwan phrases (檔案->文件, 程式->程序) are applied first, longest
 * match. Tables are generated at build time (tools/gentables.c), so this is a table lookup
 * per character. The map holds an entry only where the byte lengths diverge. */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern const char *const rb_fold_multi[];
extern const uint16_t rb_fold_index[];
extern const uint32_t rb_fold_pages[][256];
extern const uint8_t rb_script_class[0x4000];
extern const char *const rb_phrase_from[];
extern const char *const rb_phrase_to[];
extern const unsigned char rb_phrase_tw[];
extern const size_t rb_nphrases;
extern const long rb_phrase_freq_from[], rb_phrase_freq_to[];
extern const char *const rb_twctx_word[];
extern const long rb_twctx_freq[];
extern const size_t rb_ntwctx;

#define F_TRAD (1u << 24)
#define F_SIMP (1u << 25)
#define F_MULTI (1u << 26)
#define F_DELETE (1u << 27)
#define F_AMBIG (1u << 28) /* a simplified character too (著): folded in traditional text only */
#define F_TARGET 0x1FFFFFu

const char *rb_script_name(rb_script s)
{
    switch (s) {
    case RB_SCRIPT_SIMPLIFIED: return "simplified";
    case RB_SCRIPT_TRADITIONAL: return "traditional";
    case RB_SCRIPT_MIXED: return "mixed";
    default: return "unknown";
    }
}

static inline uint32_t fold_entry(uint32_t cp)
{
    if (cp >= 0x110000)
        return 0;
    return rb_fold_pages[rb_fold_index[cp >> 8]][cp & 0xFF];
}

/* Phrase lookup: buckets by first code point, longest key first within a bucket. */
#define PH_BUCKETS 1024
static struct {
    uint16_t head[PH_BUCKETS];
    uint16_t *next;
    uint16_t *flen;
    uint16_t *tlen;
    uint32_t *first;
    size_t maxlen;
    uint64_t start[RB_BMP_WORDS];    /* the BMP code points some phrase starts with */
    uint64_t cn_start[RB_BMP_WORDS]; /* ... some phrase without a Taiwan reading */
    uint64_t tw_start[RB_BMP_WORDS]; /* ... some phrase with a Taiwan reading */
    uint64_t tw_pair[RB_BMP_WORDS];  /* the first two characters of these (pair_ix) */
    uint64_t tw_lone[RB_BMP_WORDS];  /* ... and those of them one character long */
} ph;
static pthread_once_t ph_once = PTHREAD_ONCE_INIT;

/* A filter on a phrase's first two characters (a hash of them: a phrase's pair is always in,
 * another pair may be), asked after the first character's: most characters that start some
 * phrase start none of them here. */
static inline uint32_t pair_ix(uint32_t a, uint32_t b) { return (a * 40503u ^ b) & 0xFFFFu; }

static void pairs_add(uint64_t *pair, uint64_t *lone, const char *str, size_t len)
{
    uint32_t a, b;
    size_t k = (size_t)rb_utf8_decode(str, len, &a);
    if (k >= len) {
        rb_bmp_add(lone, a);
        return;
    }
    rb_utf8_decode(str + k, len - k, &b);
    rb_bmp_add(pair, pair_ix(a, b));
}

static int by_flen(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (ph.flen[x] != ph.flen[y])
        return ph.flen[x] < ph.flen[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

static void ph_init(void)
{
    size_t n = rb_nphrases;
    ph.next = rb_xcalloc(n + 1, sizeof *ph.next);
    ph.flen = rb_xcalloc(n + 1, sizeof *ph.flen);
    ph.tlen = rb_xcalloc(n + 1, sizeof *ph.tlen);
    ph.first = rb_xcalloc(n + 1, sizeof *ph.first);
    /* Insert longest first so that bucket chains are ordered by length, descending. */
    size_t *order = rb_xmalloc((n + 1) * sizeof *order);
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        ph.flen[i] = (uint16_t)strlen(rb_phrase_from[i]);
        ph.tlen[i] = (uint16_t)strlen(rb_phrase_to[i]);
        rb_utf8_decode(rb_phrase_from[i], ph.flen[i], &ph.first[i]);
        rb_bmp_add(ph.start, ph.first[i]);
        rb_bmp_add(rb_phrase_tw[i] ? ph.tw_start : ph.cn_start, ph.first[i]);
        if (rb_phrase_tw[i])
            pairs_add(ph.tw_pair, ph.tw_lone, rb_phrase_from[i], ph.flen[i]);
        if (ph.flen[i] > ph.maxlen)
            ph.maxlen = ph.flen[i];
    }
    qsort(order, n, sizeof *order, by_flen); /* by length ascending, then index (stable) */
    for (size_t i = 0; i < PH_BUCKETS; i++)
        ph.head[i] = 0xFFFF;
    for (size_t k = 0; k < n; k++) { /* shortest first, each pushed to the front */
        size_t i = order[k];
        size_t b = ph.first[i] % PH_BUCKETS;
        ph.next[i] = ph.head[b];
        ph.head[b] = (uint16_t)i;
    }
    free(order);
}

/* Which Taiwan phrases a document reverses, and where (see tw_reverse). */
typedef struct twstate {
    const char *base;    /* the source text */
    unsigned char *gate; /* per phrase: the document gives it its Taiwan reading */
} twstate;

static int tw_reverse(const twstate *tw, long p, size_t at);

/* Longest phrase starting at base[at] (s == base + at); Taiwan phrases only when tw is given
 * and reverses them there. Its index or -1. */
static long phrase_lookup(const char *s, size_t n, uint32_t cp, const twstate *tw, size_t at);

static inline long phrase_at(const char *s, size_t n, uint32_t cp, const twstate *tw, size_t at)
{
    if (!rb_bmp_may_have(tw ? ph.start : ph.cn_start, cp))
        return -1; /* most characters start no phrase (that applies: Taiwan ones need tw) */
    return phrase_lookup(s, n, cp, tw, at);
}

/* Does s[0..avail) start with str[0..len), whose first character (k bytes) it has already?
 * The next two bytes first: most candidates differ there (a call to memcmp is not cheap). */
static inline int phrase_here(const char *s, size_t avail, const char *str, size_t len, size_t k)
{
    if (len > avail)
        return 0;
    if (len >= k + 2 && (s[k] != str[k] || s[k + 1] != str[k + 1]))
        return 0;
    return memcmp(s + k, str + k, len - k) == 0;
}

static long phrase_lookup(const char *s, size_t n, uint32_t cp, const twstate *tw, size_t at)
{
    size_t k = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (uint16_t i = ph.head[cp % PH_BUCKETS]; i != 0xFFFF; i = ph.next[i]) {
        if (ph.first[i] != cp || (rb_phrase_tw[i] && !tw))
            continue;
        if (!phrase_here(s, n, rb_phrase_from[i], ph.flen[i], k))
            continue;
        if (rb_phrase_tw[i] && !tw_reverse(tw, i, at))
            continue; /* keep the Taiwan words: a shorter phrase may still apply */
        return i;
    }
    return -1;
}

/* ---- the evidence for reversing a Taiwan phrase ----------------------------------------------

   s2twp writes 文件 as 檔案, 程序 as 程式, 权限 as 許可權, but a plain s2t copy keeps 档案, 程式
   and 核心 of its mainland original, and both are traditional. A Taiwan phrase is reversed
   only where the evidence says the mainland reading is the likely one:
   - the document: it gives the Taiwan reading and (almost) never the mainland one (a copy that
     says 程序 ten times and 程式 once was not converted with Taiwan phrasing);
   - the neighbours: the most frequent jieba word around the phrase in either reading (档案馆
     keeps 檔案) decides;
   - else the register: which reading the reference government prose uses (效能 and 设定 there,
     not 性能 and 设置), then how often it joins each reading to its neighbours;
   - without either, how common each reading is as a mainland word: the Taiwan one must be
     rarer by three times (程式 197 against 程序 5610; not 核心 4919 against 内核 178). */

/* The context words (jieba's, around the Taiwan phrases) in a hash table built at first use:
 * a Taiwan phrase weighs up to 32 words around it, and a binary search with strncmp over the
 * 4,310 of them was a quarter of a Taiwan-phrased text's view; a string map after it still
 * copied each candidate to end it with a NUL, hashed it and compared it whole. The table keeps
 * each word's 64-bit hash: a candidate that is no word (nearly all) is one hash and a probe or
 * two of whole-word hashes; one that is, a comparison more. */
static struct {
    uint64_t *h;   /* per slot: the hash of the word there (never 0), 0 for an empty slot */
    uint32_t *ix;  /* per slot: the word's index */
    size_t mask;   /* slots - 1 */
    size_t maxlen; /* the longest word's bytes */
} twx;
static pthread_once_t twx_once = PTHREAD_ONCE_INIT;

#define TWX_HASH0 1469598103934665603ull /* FNV-1a, continued byte by byte */
static uint64_t twx_more(uint64_t h, const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)w[i]) * 1099511628211ull;
    return h;
}
/* A word's hash in the table: FNV-1a, never 0 (an empty slot) */
static uint64_t twx_key(uint64_t fnv) { return fnv ? fnv : 1; }

static void twx_init(void)
{
    size_t cap = 16;
    while (cap < 2 * rb_ntwctx)
        cap *= 2;
    twx.h = rb_xcalloc(cap, sizeof *twx.h);
    twx.ix = rb_xcalloc(cap, sizeof *twx.ix);
    twx.mask = cap - 1;
    for (size_t i = 0; i < rb_ntwctx; i++) {
        size_t l = strlen(rb_twctx_word[i]);
        if (l > twx.maxlen)
            twx.maxlen = l;
        uint64_t h = twx_key(twx_more(TWX_HASH0, rb_twctx_word[i], l));
        size_t k = (size_t)h & twx.mask;
        while (twx.h[k])
            k = (k + 1) & twx.mask;
        twx.h[k] = h;
        twx.ix[k] = (uint32_t)i;
    }
}

/* The word of n bytes whose FNV-1a hash (twx_more) is fnv: its index, or (size_t)-1; the
 * bytes are compared only when a word has that hash, as the three pieces p1, p2, p3
 * (n1 + n2 + n3 = n). */
static size_t twx_find(uint64_t fnv, const char *p1, size_t n1, const char *p2, size_t n2,
                       const char *p3, size_t n3)
{
    size_t n = n1 + n2 + n3;
    uint64_t h = twx_key(fnv);
    for (size_t k = (size_t)h & twx.mask; twx.h[k]; k = (k + 1) & twx.mask) {
        const char *word = rb_twctx_word[twx.ix[k]];
        if (twx.h[k] == h && strncmp(word, p1, n1) == 0 && strncmp(word + n1, p2, n2) == 0 &&
            strncmp(word + n1 + n2, p3, n3) == 0 && word[n] == 0)
            return twx.ix[k];
    }
    return (size_t)-1;
}

/* How often jieba has the word w[0..n), 0 when it does not. */
long rb_twctx_freq_of(const char *w, size_t n)
{
    pthread_once(&twx_once, twx_init);
    if (n > twx.maxlen)
        return 0; /* longer than every word */
    size_t i = twx_find(twx_more(TWX_HASH0, w, n), w, n, "", 0, "", 0);
    return i == (size_t)-1 ? 0 : rb_twctx_freq[i];
}

/* Up to k code points of the source before at (left) or from at on (right), folded to
 * simplified characters, into out; returns the byte length. */
static size_t neighbours(const char *base, size_t at, size_t end, int left, int k, char *out)
{
    uint32_t cps[4];
    int nc = 0;
    size_t i = at;
    while (nc < k) {
        uint32_t cp;
        if (left) {
            if (i == 0)
                break;
            size_t j = i - 1;
            while (j > 0 && ((unsigned char)base[j] & 0xC0) == 0x80)
                j--;
            rb_utf8_decode(base + j, i - j, &cp);
            i = j;
        } else {
            if (i >= end)
                break;
            i += (size_t)rb_utf8_decode(base + i, end - i, &cp);
        }
        if (cp < 0x3400)
            break; /* words do not cross punctuation or line ends */
        uint32_t e = fold_entry(cp);
        uint32_t t = e & 0x1FFFFFu;
        cps[nc++] = (e & (1u << 26)) || !t ? cp : t;
    }
    size_t o = 0;
    for (int q = 0; q < nc; q++) {
        uint32_t c = cps[left ? nc - 1 - q : q];
        o += (size_t)rb_utf8_encode(c, out + o);
    }
    return o;
}

/* The most frequent jieba word that holds reading r (r bytes) with some of its neighbours. */
static long context_freq(const char *l, size_t ll, const char *r, size_t rl, const char *rt,
                         size_t rtl)
{
    pthread_once(&twx_once, twx_init);
    long best = 0;
    /* every start in the left neighbours, every end in the right ones, not both empty: the
     * hash of l[a..] r taken once a start, then carried on over rt a byte at a time */
    for (size_t a = 0; a <= ll; a++) {
        if (a < ll && ((unsigned char)l[a] & 0xC0) == 0x80)
            continue;
        uint64_t h = twx_more(twx_more(TWX_HASH0, l + a, ll - a), r, rl);
        for (size_t z = 0; z <= rtl; h = z < rtl ? twx_more(h, rt + z, 1) : h, z++) {
            if (z < rtl && z > 0 && ((unsigned char)rt[z] & 0xC0) == 0x80)
                continue;
            if (a == ll && z == 0)
                continue;
            size_t n = (ll - a) + rl + z;
            if (n > twx.maxlen)
                continue;
            size_t i = twx_find(h, l + a, ll - a, r, rl, rt, z);
            if (i != (size_t)-1 && rb_twctx_freq[i] > best)
                best = rb_twctx_freq[i];
        }
    }
    return best;
}

/* The first code point of s[0..n), 0 for none. */
static uint32_t first_cp(const char *s, size_t n)
{
    uint32_t cp = 0;
    if (n)
        rb_utf8_decode(s, n, &cp);
    return cp;
}

/* How often the reference government prose says reading x: the count of its rarest character
 * bigram (a chain is as plausible as its weakest link); -1 for a single character. */
static long register_count(const char *x, size_t n)
{
    long best = -1;
    uint32_t prev = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += (size_t)rb_utf8_decode(x + i, n - i, &cp);
        if (prev) {
            long c = (long)rb_ref_bigram(prev, cp);
            if (best < 0 || c < best)
                best = c;
        }
        prev = cp;
    }
    return best;
}

/* How often the reference prose joins reading x to its left and right neighbours. */
static size_t join_count(const char *l, size_t ll, const char *x, size_t xl, const char *r,
                         size_t rl)
{
    size_t c = 0;
    if (ll)
        c += rb_ref_bigram(rb_utf8_last(l, ll), first_cp(x, xl));
    if (rl)
        c += rb_ref_bigram(rb_utf8_last(x, xl), first_cp(r, rl));
    return c;
}

static int tw_reverse(const twstate *tw, long p, size_t at)
{
    if (!tw->gate || !tw->gate[p])
        return 0;
    char l[16], r[16], ts[64];
    size_t end = at + ph.flen[p];
    size_t ll = neighbours(tw->base, at, at, 1, 3, l);
    size_t rl = neighbours(tw->base, end, end + 12, 0, 3, r);
    /* the Taiwan phrase in simplified characters */
    size_t tl = 0;
    for (size_t i = 0; i < ph.flen[p] && tl + 4 < sizeof ts;) {
        uint32_t cp;
        i += (size_t)rb_utf8_decode(rb_phrase_from[p] + i, ph.flen[p] - i, &cp);
        uint32_t e = fold_entry(cp), t = e & 0x1FFFFFu;
        tl += (size_t)rb_utf8_encode((e & (1u << 26)) || !t ? cp : t, ts + tl);
    }
    long ct = context_freq(l, ll, ts, tl, r, rl);
    long cm = context_freq(l, ll, rb_phrase_to[p], ph.tlen[p], r, rl);
    if (ct != cm)
        return cm > ct;
    /* no word decides: which reading government prose uses (效能 against 性能, 设定 against
     * 设置: jieba's general frequencies say otherwise) */
    long rt = register_count(ts, tl), rm = register_count(rb_phrase_to[p], ph.tlen[p]);
    if (rt >= 0 && rm >= 0 && rt != rm)
        return rm > rt;
    /* no word decides: how government prose joins each reading to its neighbours (提高政府效能,
     * 不得设定行政许可, 规范性文件) */
    size_t gt = join_count(l, ll, ts, tl, r, rl);
    size_t gm = join_count(l, ll, rb_phrase_to[p], ph.tlen[p], r, rl);
    if (gt != gm)
        return gm > gt;
    return rb_phrase_freq_to[p] >= 3 * rb_phrase_freq_from[p];
}

typedef struct mapbuf {
    rb_mapent *v;
    size_t n, cap;
} mapbuf;

static void map_push(mapbuf *m, size_t view, int64_t delta)
{
    /* (offsets past 4 GiB are cut: such a view is refused once folded, rb_view_build) */
    uint32_t orig = (uint32_t)((int64_t)view + delta);
    if (m->n && m->v[m->n - 1].view == (uint32_t)view) {
        m->v[m->n - 1].orig = orig;
        return;
    }
    RB_GROW(m->v, m->n, m->cap);
    m->v[m->n].view = (uint32_t)view;
    m->v[m->n].orig = orig;
    m->n++;
}

/* Decode the code point at s (valid UTF-8); returns its length. */
static inline int dec(const unsigned char *s, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xE0) {
        *cp = ((c & 0x1Fu) << 6) | (s[1] & 0x3Fu);
        return 2;
    }
    if (c < 0xF0) {
        *cp = ((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
        return 3;
    }
    *cp = ((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
    return 4;
}

static inline void out_put(rb_buf *out, const char *p, size_t n)
{
    if (out->len + n + 1 > out->cap) {
        size_t cap = out->cap ? out->cap : 256;
        while (cap < out->len + n + 1)
            cap *= 2;
        out->data = rb_xrealloc(out->data, cap);
        out->cap = cap;
    }
    memcpy(out->data + out->len, p, n);
    out->len += n;
}

/* What a character tells the first pass, from its fold entry, as bits: it changes in the view
 * (1), it is simplified only (2), traditional only (4). */
static unsigned script_bits(uint32_t e)
{
    unsigned ch = (e & (F_DELETE | F_MULTI | F_TARGET)) && !(e & F_AMBIG);
    return ch | (e & F_TRAD ? 4u : e & F_SIMP ? 2u : 0u);
}

/* The same for a BMP code point from rb_script_class (2 bits each, 16 KB, read from the L1
 * cache where the fold pages, 4 bytes a code point, are not; tools/gentables.c makes it from
 * the same entries and refuses a character the 2 bits cannot say). */
static const unsigned char SC_BITS[4] = {0, 1, 2, 5};

static inline unsigned bmp_script_bits(uint32_t cp)
{
    return SC_BITS[(rb_script_class[cp >> 2] >> ((cp & 3) * 2)) & 3];
}

/* A traditional text's three-byte character at u that starts no phrase (starts: as
 * phrase_at's) and folds to three bytes or to itself: 1 kept, 2 changed (its form written to
 * b); else 0, the general step (a phrase may start here, or the fold drops, expands or changes
 * the length). */
static inline int trad3(const uint64_t *starts, const unsigned char *u, char *b)
{
    uint32_t cp = rb_utf8_cp3(u);
    if (rb_bmp_may_have(starts, cp))
        return 0;
    uint32_t e = fold_entry(cp), t = e & F_TARGET;
    if (e & (F_DELETE | F_MULTI))
        return 0;
    if (!t)
        return 1;
    if (t < 0x800 || t > 0xFFFF)
        return 0;
    b[0] = (char)(0xE0 | (t >> 12));
    b[1] = (char)(0x80 | ((t >> 6) & 0x3F));
    b[2] = (char)(0x80 | (t & 0x3F));
    return 2;
}

/* The first pass's tally: the evidence for the script (counts, first places), and whether the
 * view would differ from the source at all (a simplified text with ASCII punctuation and LF
 * line ends does not: then the view is the source). */
typedef struct tally {
    size_t nt, ns, first_t, first_s;
    unsigned ch;
} tally;

/* One character's bits (script_bits) at offset at, without branches on them (a character of
 * either script or of neither is a coin toss to the branch predictor): selects and adds. */
static inline void tally_add(tally *c, unsigned b, size_t at)
{
    c->first_t = (b & 4) && c->first_t == SIZE_MAX ? at : c->first_t;
    c->first_s = (b & 2) && c->first_s == SIZE_MAX ? at : c->first_s;
    c->nt += (b >> 2) & 1;
    c->ns += (b >> 1) & 1;
    c->ch |= b & 1; /* (a traditional text is folded anyway) */
}

/* The first three-byte character of class cls (rb_script_class) in u[i..e), a run of them. */
static size_t first_of_class(const unsigned char *u, size_t i, size_t e, unsigned cls)
{
    for (; i < e; i += 3) {
        uint32_t cp = rb_utf8_cp3(u + i);
        if (((rb_script_class[cp >> 2] >> ((cp & 3) * 2)) & 3) == cls)
            break;
    }
    return i;
}

/* From i, past the three-byte characters (CJK) that a simplified text's view keeps as they are
 * (their class says no change): the next one's load does not wait for this one's decoding. */
static inline size_t keep3(const unsigned char *u, size_t i, size_t n, tally *t)
{
    size_t from = i, ns = 0;
    while (i + 3 <= n && (u[i] & 0xF0) == 0xE0) {
        uint32_t cp = rb_utf8_cp3(u + i);
        unsigned cls = (rb_script_class[cp >> 2] >> ((cp & 3) * 2)) & 3;
        if (cls & 1)
            break; /* class 1 or 3: it changes (SC_BITS) */
        ns += cls >> 1; /* class 2: simplified only */
        i += 3;
    }
    if (t && ns) { /* into the tally, when the fold takes the first pass's place */
        t->ns += ns;
        if (t->first_s == SIZE_MAX)
            t->first_s = first_of_class(u, from, i, 2);
    }
    return i;
}

/* A character's bits (script_bits) from its code point and fold entry. */
static inline unsigned char_bits(uint32_t cp, uint32_t e)
{
    return cp < 0x10000 ? bmp_script_bits(cp) : script_bits(e);
}

/* Does the tally so far look like a traditional text (whose view is folded at another level,
 * so that a fold at level 0 is lost work)? Only a guess of the fold's, never the script's
 * decision, which counts the whole text. */
static inline int looks_traditional(const tally *t) { return t->nt >= 64 && t->nt >= 4 * t->ns; }

/* The core fold. s must be valid UTF-8. trad: 0 characters only, 1 with OpenCC's traditional
 * phrases, 2 with the Taiwan phrases too. When m is non-NULL, entries are pushed wherever
 * orig - view changes. Unchanged characters are copied in runs. With t (level 0 only), the
 * fold is also the first pass: every character goes into the tally t, and the fold stops
 * where the text looks traditional. Returns n, or where it stopped (t holds what is before). */
static size_t fold(const char *s, size_t n, int trad, const twstate *tw, rb_buf *out, mapbuf *m,
                   tally *t)
{
    const unsigned char *u = (const unsigned char *)s;
    int64_t delta = 0;
    size_t i = 0, run = 0; /* s[run..i) is copied unchanged when something else comes */
    if (trad)
        pthread_once(&ph_once, ph_init);
    /* The text copied whole, then changed in place while every change keeps its length (a
     * traditional character and its simplified one are both three bytes): no copy per run.
     * At the first change of length, the copy is cut there and the general loop goes on. */
    size_t base = out->len;
    /* (with the tally, the copy waits for the first change: a text without one is not
     * copied at all, and out is left as it was, its view the source) */
    int copied = !t;
    if (copied)
        out_put(out, s, n);
    const uint64_t *starts = trad > 1 && tw ? ph.start : ph.cn_start; /* (as phrase_at) */
    while (i < n) {
        if (!trad && (i = keep3(u, i, n, t)) >= n)
            break;
        if (t && looks_traditional(t))
            return i;
        /* a traditional text: its three-byte characters that start no phrase, kept or changed
         * in place, with a step the loop knows */
        while (trad && i + 3 <= n && (u[i] & 0xF0) == 0xE0 &&
               trad3(starts, u + i, out->data + base + i))
            i += 3;
        if (i >= n)
            break;
        unsigned c = u[i];
        if (c < 0x80) {
            if (c == '\r')
                break;
            i++;
            continue;
        }
        uint32_t cp;
        int k = dec(u + i, &cp);
        long p = trad ? phrase_at(s + i, n - i, cp, trad > 1 ? tw : NULL, i) : -1;
        if (p >= 0) {
            if (ph.tlen[p] != ph.flen[p])
                break;
            memcpy(out->data + base + i, rb_phrase_to[p], ph.tlen[p]);
            i += ph.flen[p];
            continue;
        }
        uint32_t e = fold_entry(cp);
        if (!(e & (F_DELETE | F_MULTI | F_TARGET)) || (!trad && (e & F_AMBIG))) {
            if (t)
                tally_add(t, char_bits(cp, e), i);
            i += (size_t)k;
            continue;
        }
        if (e & (F_DELETE | F_MULTI))
            break;
        char b[4];
        if (rb_utf8_encode(e & F_TARGET, b) != k)
            break;
        if (!copied) {
            out_put(out, s, n);
            copied = 1;
        }
        for (int q = 0; q < k; q++)
            out->data[base + i + (size_t)q] = b[q];
        if (t)
            tally_add(t, char_bits(cp, e), i);
        i += (size_t)k;
    }
    if (i == n) {
        if (out->data)
            out->data[out->len] = 0;
        return n;
    }
    if (copied)
        out->len = base + i; /* the general loop from the first change of length */
    else
        out_put(out, s, i);
    run = i;
    while (i < n) {
        if (!trad && (i = keep3(u, i, n, t)) >= n)
            break;
        if (t && looks_traditional(t))
            return i;
        /* a traditional text: as above, a changed character's three bytes after the run */
        int r3;
        char b3[3];
        while (trad && i + 3 <= n && (u[i] & 0xF0) == 0xE0 && (r3 = trad3(starts, u + i, b3))) {
            if (r3 == 2) {
                out_put(out, s + run, i - run);
                out_put(out, b3, 3);
                run = i + 3; /* the same length: the map's delta stays */
            }
            i += 3;
        }
        if (i >= n)
            break;
        unsigned c = u[i];
        if (c < 0x80 && c != '\r') {
            i++;
            continue;
        }
        uint32_t cp;
        int k = c == '\r' ? 1 : dec(u + i, &cp);
        long p = -1;
        uint32_t e = 0;
        if (c != '\r') {
            if (trad)
                p = phrase_at(s + i, n - i, cp, trad > 1 ? tw : NULL, i);
            if (p < 0) {
                e = fold_entry(cp);
                if (t)
                    tally_add(t, char_bits(cp, e), i);
                if (!(e & (F_DELETE | F_MULTI | F_TARGET)) || (!trad && (e & F_AMBIG))) {
                    i += (size_t)k;
                    continue; /* unchanged: part of the run */
                }
            }
        }
        out_put(out, s + run, i - run);
        if (c == '\r') {
            out_put(out, "\n", 1);
            i += (i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
        } else if (p >= 0) {
            out_put(out, rb_phrase_to[p], ph.tlen[p]);
            i += ph.flen[p];
        } else {
            if (e & F_DELETE) {
                /* dropped */
            } else if (e & F_MULTI) {
                const char *ms = rb_fold_multi[e & F_TARGET];
                out_put(out, ms, strlen(ms));
            } else {
                char b[4];
                out_put(out, b, (size_t)rb_utf8_encode(e & F_TARGET, b));
            }
            i += (size_t)k;
        }
        run = i;
        if (m) {
            int64_t nd = (int64_t)i - (int64_t)out->len;
            if (nd != delta) {
                delta = nd;
                map_push(m, out->len, delta);
            }
        }
    }
    out_put(out, s + run, n - run);
    if (out->data)
        out->data[out->len] = 0;
    return n;
}

uint32_t rb_script_class_mismatch(void)
{
    for (uint32_t cp = 0; cp < 0x10000; cp++)
        if (bmp_script_bits(cp) != script_bits(fold_entry(cp)))
            return cp;
    return UINT32_MAX;
}

/* A run of up to 4096 three-byte characters from i (at least one), into the tally; returns
 * where it ended. Each character adds one to its class's 16-bit lane of one word: one add a
 * character, no branch and no dependence on the first places, which a block that has the
 * first of a class looks up again (SC_BITS: class 1 changes, 2 simplified, 3 traditional). */
static size_t tally_run3(tally *c, const unsigned char *u, size_t n, size_t i)
{
    size_t start = i, k = 0;
    uint64_t acc = 0;
    do {
        uint32_t cp = rb_utf8_cp3(u + i);
        acc += 1ull << ((((unsigned)rb_script_class[cp >> 2] >> ((cp & 3) * 2)) & 3) * 16);
        i += 3;
    } while (++k < 4096 && i + 3 <= n && (u[i] & 0xF0) == 0xE0);
    size_t c1 = (acc >> 16) & 0xFFFF, c2 = (acc >> 32) & 0xFFFF, c3 = acc >> 48;
    c->ns += c2;
    c->nt += c3;
    c->ch |= (c1 | c3) != 0;
    if (c2 && c->first_s == SIZE_MAX)
        c->first_s = first_of_class(u, start, i, 2);
    if (c3 && c->first_t == SIZE_MAX)
        c->first_t = first_of_class(u, start, i, 3);
    return i;
}

/* The first pass over u[i..n) into the tally c. */
static void tally_text(tally *c, const unsigned char *u, size_t n, size_t i)
{
    while (i < n) {
        /* runs of three-byte characters (CJK) with a step the loop knows: the next one's
         * load does not wait for this one's decoding */
        while (i + 3 <= n && (u[i] & 0xF0) == 0xE0)
            i = tally_run3(c, u, n, i);
        if (i >= n)
            break;
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        int k = dec(u + i, &cp);
        tally_add(c, cp < 0x10000 ? bmp_script_bits(cp) : script_bits(fold_entry(cp)), i);
        i += (size_t)k;
    }
}

/* The script the tally of a whole text gives. */
static void set_script(rb_view *v, const tally *c)
{
    v->n_trad = c->nt;
    v->n_simp = c->ns;
    size_t t = v->n_trad, sc = v->n_simp;
    if (t + sc == 0)
        v->script = RB_SCRIPT_NONE;
    else if (t >= 10 * sc && t >= 3)
        v->script = RB_SCRIPT_TRADITIONAL;
    else if (sc >= 10 * t || t < 3)
        v->script = RB_SCRIPT_SIMPLIFIED;
    else
        v->script = RB_SCRIPT_MIXED;
}

/* Inverse of rb_view_to_orig for character starts (orig = view + delta is monotonic). */
static size_t view_from_orig(const rb_view *v, size_t orig)
{
    if (v->nmap == 0 || orig < v->map[0].orig)
        return orig < v->len ? orig : v->len;
    size_t lo = rb_map_search(v->map, v->nmap, orig, 1);
    int64_t r = (int64_t)orig - rb_mapent_delta(v->map[lo]);
    return r < 0 ? 0 : (size_t)r > v->len ? v->len : (size_t)r;
}

/* The mainland readings of the Taiwan phrases, by first code point (tw_gate counts them). */
static struct {
    uint16_t head[PH_BUCKETS];
    uint16_t *next;
    uint32_t *first;
    uint64_t start[RB_BMP_WORDS]; /* the BMP code points some mainland reading starts with */
    uint64_t pair[RB_BMP_WORDS], lone[RB_BMP_WORDS]; /* (as ph.tw_pair, ph.tw_lone) */
} mr;
static pthread_once_t mr_once = PTHREAD_ONCE_INIT;

static void mr_init(void)
{
    pthread_once(&ph_once, ph_init);
    mr.next = rb_xcalloc(rb_nphrases + 1, sizeof *mr.next);
    mr.first = rb_xcalloc(rb_nphrases + 1, sizeof *mr.first);
    for (size_t i = 0; i < PH_BUCKETS; i++)
        mr.head[i] = 0xFFFF;
    for (size_t i = 0; i < rb_nphrases; i++) {
        if (!rb_phrase_tw[i] || !ph.tlen[i])
            continue;
        rb_utf8_decode(rb_phrase_to[i], ph.tlen[i], &mr.first[i]);
        rb_bmp_add(mr.start, mr.first[i]);
        pairs_add(mr.pair, mr.lone, rb_phrase_to[i], ph.tlen[i]);
        size_t b = mr.first[i] % PH_BUCKETS;
        mr.next[i] = mr.head[b];
        mr.head[b] = (uint16_t)i;
    }
}

/* A phrase whose Taiwan reading is rare as a mainland word (程式 against 程序): where a text
 * shows it, Taiwan phrasing is likely; where it shows the mainland reading, it is not. */
static int discriminating(size_t p)
{
    return rb_phrase_freq_to[p] >= 3 * rb_phrase_freq_from[p];
}

/* Was this traditional text converted with Taiwan phrasing (s2twp), and which of its phrases
 * does it give in their Taiwan reading? Evidence, not a list of marker words: over the phrases
 * whose Taiwan reading is rare in mainland text, the Taiwan readings must outnumber the mainland
 * ones (counted in the text folded without Taiwan phrases) two to one, at least 3 of them (a
 * plain s2t copy says 文件, 信息, 程序 as its original did, with perhaps one 资讯; a converted
 * one says 檔案, 程式, 許可權, though its converter may leave 通过 or 发布 alone). Then a phrase
 * may be reversed (tw_reverse decides where) when the text gives its Taiwan reading at least
 * as often as the mainland one. Returns the per-phrase gate, or NULL: no Taiwan phrasing. */
/* A chained index of phrases by first code point (ph for the Taiwan readings, mr for the
 * mainland ones) and the strings it indexes. */
typedef struct phrase_chains {
    const uint16_t *head, *next;
    const uint32_t *first;
    const uint64_t *start, *pair, *lone;
    const char *const *str;
    const uint16_t *len;
    int tw_only; /* only the phrases with a Taiwan reading */
} phrase_chains;

/* May a phrase of x start at u[i], whose character cp is adv bytes long? Its first character,
 * then its first two (a phrase of one character has no second). */
static inline int may_start(const phrase_chains *x, const unsigned char *u, size_t n, size_t i,
                            size_t adv, uint32_t cp)
{
    if (!rb_bmp_may_have(x->start, cp))
        return 0;
    if (rb_bmp_may_have(x->lone, cp))
        return 1;
    uint32_t cp2;
    if (i + adv >= n)
        return 0;
    dec(u + i + adv, &cp2);
    return rb_bmp_may_have(x->pair, pair_ix(cp, cp2));
}

/* Count the phrases of x in s[0..n), left to right, the first listed at each place (counts[p]);
 * returns how many of them are discriminating, or stops as soon as that is more than enough
 * (the counts are then partial). */
static size_t count_phrases(const phrase_chains *x, const char *s, size_t n, size_t *counts,
                            size_t enough)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t disc = 0;
    for (size_t i = 0; i < n;) {
        /* past the three-byte characters no phrase starts with, with a step the loop knows */
        while (i + 3 <= n && (u[i] & 0xF0) == 0xE0 &&
               !rb_bmp_may_have(x->start, rb_utf8_cp3(u + i)))
            i += 3;
        if (i >= n)
            break;
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t adv = (size_t)dec(u + i, &cp);
        if (may_start(x, u, n, i, adv, cp))
            for (uint16_t p = x->head[cp % PH_BUCKETS]; p != 0xFFFF; p = x->next[p])
                if ((!x->tw_only || rb_phrase_tw[p]) && x->first[p] == cp &&
                    phrase_here(s + i, n - i, x->str[p], x->len[p], adv)) {
                    counts[p]++;
                    disc += discriminating(p);
                    adv = x->len[p];
                    break;
                }
        if (disc > enough)
            break;
        i += adv;
    }
    return disc;
}

/* The view of s[0..n) at level (see fold) into b, sized once for the usual growth (full-width
 * forms fold shorter, a few phrases longer), with its map m. */
static size_t fold_view(const char *s, size_t n, int level, const twstate *tw, rb_buf *b,
                        mapbuf *m, tally *t)
{
    rb_buf_init(b);
    b->cap = n + n / 8 + 64;
    b->data = rb_xmalloc(b->cap);
    b->data[0] = 0;
    return fold(s, n, level, tw, b, m, t);
}

/* The gate (see above). The text folded without Taiwan phrases, which it may need, is the
 * view itself when the gate stays shut: then it is handed back in *v1 and *m1 (v1->data
 * NULL otherwise). */
static unsigned char *tw_gate(const char *s, size_t n, rb_buf *v1, mapbuf *m1)
{
    pthread_once(&mr_once, mr_init);
    rb_buf_init(v1);
    size_t *ct = rb_xcalloc(rb_nphrases + 1, sizeof *ct);
    size_t *cm = rb_xcalloc(rb_nphrases + 1, sizeof *cm);
    /* the Taiwan readings in the text as it is */
    phrase_chains tw = {ph.head,    ph.next,        ph.first, ph.tw_start, ph.tw_pair,
                        ph.tw_lone, rb_phrase_from, ph.flen,  1};
    size_t tdisc = count_phrases(&tw, s, n, ct, SIZE_MAX), mdisc = 0;
    unsigned char *gate = NULL;
    if (tdisc >= 3) {
        /* the text without Taiwan phrases: where the mainland readings show */
        fold_view(s, n, 1, NULL, v1, m1, NULL);
        phrase_chains mainland = {mr.head, mr.next,      mr.first, mr.start, mr.pair,
                                  mr.lone, rb_phrase_to, ph.tlen,  0};
        /* once the mainland readings are more than half the Taiwan ones the gate stays shut,
         * and their counts are not needed: the count stops there */
        mdisc = count_phrases(&mainland, v1->data, v1->len, cm, tdisc / 2);
        if (tdisc >= 2 * mdisc) {
            gate = rb_xcalloc(rb_nphrases + 1, 1);
            for (size_t p = 0; p < rb_nphrases; p++)
                gate[p] = ct[p] && cm[p] <= ct[p];
            rb_buf_free(v1);
            free(m1->v);
            memset(m1, 0, sizeof *m1);
        }
    }
    free(ct);
    free(cm);
    return gate;
}

/* ---- letter-spaced copies ------------------------------------------------------------------
 * A copy whose characters are spaced out one by one (第 一 条 为 了 规 范 …, the text layer of
 * some PDFs and of pages laid out for print) has a space where no pattern expects one, and
 * loses every article and fact. It is told from its first 512 Han characters (in 16 KiB at
 * most): most of them have white space and another Han character after them (a text with only its headings
 * spaced, 总 则, has few). Its view then leaves out the white space inside a line, except
 * between two Latin letters (Word Excel); the source keeps every space, and the text and
 * words written out are the source's. */
enum { SPACED_WINDOW = 16384, SPACED_MIN_HAN = 64, SPACED_ENOUGH = 512 };

static inline int han_lead(unsigned c) { return c >= 0xE4 && c <= 0xE9; } /* U+4000..U+9FFF */

/* The bytes of the run of spaces, tabs and ideographic spaces at u[i..n). */
static size_t space_run(const unsigned char *u, size_t i, size_t n)
{
    size_t j = i;
    for (;;) {
        if (j < n && (u[j] == ' ' || u[j] == '\t'))
            j++;
        else if (j + 3 <= n && u[j] == 0xE3 && u[j + 1] == 0x80 && u[j + 2] == 0x80)
            j += 3;
        else
            return j - i;
    }
}

int rb_letter_spaced(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t lim = n < SPACED_WINDOW ? n : SPACED_WINDOW, han = 0, spaced = 0;
    for (size_t i = 0; i + 3 <= lim && han < SPACED_ENOUGH;) {
        if (!han_lead(u[i]) || (u[i + 1] & 0xC0) != 0x80 || (u[i + 2] & 0xC0) != 0x80) {
            i++;
            continue;
        }
        han++;
        i += 3;
        size_t r = space_run(u, i, n);
        if (r && i + r + 3 <= n && han_lead(u[i + r]))
            spaced++;
        i += r;
    }
    return han >= SPACED_MIN_HAN && spaced * 2 >= han;
}

static inline int latin(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* The source offset of view offset i, by the map m (as rb_view_to_orig reads it); *e: the
 * entry of the offset asked before (offsets come in order). */
static size_t map_orig(const mapbuf *m, size_t i, size_t *e)
{
    if (!m->n || i < m->v[0].view)
        return i;
    while (*e + 1 < m->n && m->v[*e + 1].view <= i)
        ++*e;
    int64_t r = (int64_t)i + rb_mapent_delta(m->v[*e]);
    if (*e + 1 < m->n && r >= (int64_t)m->v[*e + 1].orig)
        r = (int64_t)m->v[*e + 1].orig - 1;
    return (size_t)r;
}

/* The view b (map m) without the white space inside its lines (see above): in place, the map
 * made anew. */
static void unspace(rb_buf *b, mapbuf *m)
{
    const unsigned char *u = (const unsigned char *)b->data;
    size_t n = b->len, j = 0, e = 0, next = 0; /* next: the old map's next entry */
    mapbuf nm = {0};
    int moved = 0; /* a run was left out: the next kept byte starts an entry */
    for (size_t i = 0; i < n;) {
        size_t r = (u[i] == ' ' || u[i] == '\t' || u[i] == 0xE3) ? space_run(u, i, n) : 0;
        if (r && i > 0 && u[i - 1] != '\n' && i + r < n && u[i + r] != '\n' &&
            !(latin(u[i - 1]) && latin(u[i + r]))) {
            i += r;
            moved = 1;
            continue;
        }
        if (moved || (next < m->n && m->v[next].view <= i)) {
            size_t o = map_orig(m, i, &e);
            map_push(&nm, j, (int64_t)o - (int64_t)j);
            moved = 0;
        }
        while (next < m->n && m->v[next].view <= i)
            next++;
        b->data[j++] = b->data[i++];
    }
    b->len = j;
    b->data[j] = 0;
    free(m->v);
    *m = nm;
}

/* A view folded in vain, and its map, given up (both empty after). */
static void view_drop(rb_buf *b, mapbuf *m)
{
    rb_buf_free(b);
    free(m->v);
    memset(m, 0, sizeof *m);
}

/* The model keeps 32-bit view offsets (rb_span32, parse.c's segments): a view of 4 GiB or
 * more is refused. Folding can make the view longer than its source (U+FDFA folds to 33
 * bytes, eleven times its own), so an input under the 1 GiB limit can reach it. */
static rb_status view_too_large(const rb_source *src, size_t n, rb_error *err)
{
    return rb_error_set(err, RB_ELIMIT, "normalize", src->path, 1, 1, "input-too-large",
                        "the normalized text is %zu bytes; the limit is 4 GiB", n);
}

rb_status rb_view_build(const rb_source *src, rb_view **out, rb_error *err)
{
    if (src->len >= UINT32_MAX)
        return view_too_large(src, src->len, err);
    rb_view *v = rb_xcalloc(1, sizeof *v);
    /* the first pass (the script's evidence) is the fold at level 0, which the view of any
     * text not traditional is: both at once, the tally finished alone where the text turns
     * out traditional */
    const unsigned char *u = (const unsigned char *)src->text;
    tally c = {0, 0, SIZE_MAX, SIZE_MAX, 0}, head = c;
    rb_buf b; /* the view, when folded already */
    rb_buf_init(&b);
    mapbuf m = {0};
    /* a text whose first thousand bytes look traditional is counted alone, not copied
     * for a fold that would stop at once */
    tally_text(&head, u, src->len < 1024 ? src->len : 1024, 0);
    size_t at = looks_traditional(&head) ? 0 : fold_view(src->text, src->len, 0, NULL, &b, &m, &c);
    if (at < src->len) {
        tally_text(&c, u, src->len, at);
        view_drop(&b, &m);
    }
    set_script(v, &c);
    size_t ft = c.first_t, fs = c.first_s;
    int spaced = rb_letter_spaced(src->text, src->len);
    int changes = c.ch || spaced || memchr(src->text, '\r', src->len) != NULL;
    int level = 0;
    twstate tw = {src->text, NULL};
    if (v->script == RB_SCRIPT_TRADITIONAL) {
        view_drop(&b, &m); /* folded at another level */
        tw.gate = tw_gate(src->text, src->len, &b, &m);
        level = tw.gate ? 2 : 1;
        v->taiwan_phrasing = tw.gate != NULL;
        changes = 1;
    }
    if (!changes) {
        /* the view is the source: share its text and line index */
        rb_buf_free(&b);
        free(m.v);
        v->text = src->text;
        v->len = src->len;
        v->nlines = src->nlines;
        v->aliased = 1;
        v->first_trad = ft;
        v->first_simp = fs;
        *out = v;
        return RB_OK;
    }
    if (b.data && !b.len && src->len)
        view_drop(&b, &m); /* the first pass found nothing to change, and kept no copy */
    if (!b.data)
        fold_view(src->text, src->len, level, &tw, &b, &m, NULL);
    free(tw.gate);
    if (spaced)
        unspace(&b, &m);
    if (b.len >= UINT32_MAX) { /* (folding made it longer) */
        size_t n = b.len;
        rb_buf_free(&b);
        free(m.v);
        free(v);
        return view_too_large(src, n, err);
    }
    v->len = b.len;
    v->text = b.data ? rb_xrealloc(b.data, b.len + 1) : rb_xstrdup(""); /* drop the slack */
    v->map = m.v;
    v->nmap = m.n;
    if (v->nmap == 0 && v->len == src->len && !memchr(src->text, '\r', src->len)) {
        /* every change kept its length (traditional to simplified, mostly): the lines are
         * the source's */
        v->nlines = src->nlines;
        v->first_trad = ft;
        v->first_simp = fs;
        *out = v;
        return RB_OK;
    }
    /* one LF per source line break, so the counts agree */
    size_t nl = 1;
    for (const char *p = v->text, *e = v->text + v->len; nl < src->nlines && (p = memchr(p, '\n', (size_t)(e - p)));) {
        p++;
        nl++;
    }
    v->nlines = nl;
    v->first_trad = ft == SIZE_MAX ? SIZE_MAX : view_from_orig(v, ft);
    v->first_simp = fs == SIZE_MAX ? SIZE_MAX : view_from_orig(v, fs);
    *out = v;
    return RB_OK;
}

void rb_view_free(rb_view *v)
{
    if (!v)
        return;
    if (!v->aliased)
        free(v->text);
    free(v->map);
    free(v);
}

/* Entries are pushed at the end of each replacement that changes the offset delta. An offset
 * inside a longer replacement (㌂ -> アンペア) would map past the character it came from:
 * it is held to that character's last byte, the end given by the next entry. */
/* The last map entry at or before view offset off (off >= map[0].view): the entry of the
 * offset asked before or the next, else by a search. */
static size_t map_entry(const rb_view *v, size_t off)
{
    size_t n = v->nmap;
    for (size_t k = v->map_cur; k < n && k <= v->map_cur + 1; k++)
        if (v->map[k].view <= off && (k + 1 == n || off < v->map[k + 1].view))
            return k;
    return rb_map_search(v->map, v->nmap, off, 0);
}

size_t rb_view_to_orig(const rb_view *v, size_t off)
{
    if (v->nmap == 0)
        return off;
    int64_t r;
    size_t next;
    if (off < v->map[0].view) {
        r = (int64_t)off;
        next = 0;
    } else {
        size_t lo = map_entry(v, off);
        ((rb_view *)v)->map_cur = lo;
        r = (int64_t)off + rb_mapent_delta(v->map[lo]);
        next = lo + 1;
    }
    if (next < v->nmap) {
        int64_t end = (int64_t)v->map[next].orig;
        if (r >= end)
            r = end > 0 ? end - 1 : 0;
    }
    return (size_t)r;
}

char *rb_normalize_str(const char *s, size_t n, int trad, size_t *outlen)
{
    rb_buf b;
    rb_buf_init(&b);
    /* no document to weigh: the caller says the string has Taiwan phrasing (trad 2); each
     * phrase is still read by its neighbours */
    twstate tw = {s, NULL};
    if (trad > 1) {
        pthread_once(&ph_once, ph_init);
        tw.gate = rb_xmalloc(rb_nphrases + 1);
        memset(tw.gate, 1, rb_nphrases + 1);
    }
    fold(s, n, trad, &tw, &b, NULL, NULL);
    free(tw.gate);
    if (outlen)
        *outlen = b.len;
    return rb_buf_detach(&b);
}

char *rb_drop_invisible(char *s)
{
    size_t n = strlen(s), k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = (size_t)rb_utf8_decode(s + i, n - i, &cp);
        if (!(fold_entry(cp) & F_DELETE)) {
            memmove(s + k, s + i, l);
            k += l;
        }
        i += l;
    }
    s[k] = 0;
    return s;
}

static int han_cp(uint32_t c) { return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF); }

static int space_cp(uint32_t c) { return c == ' ' || c == '\t' || c == 0xA0 || c == 0x3000; }

char *rb_join_spaced(char *s)
{
    size_t n = strlen(s), k = 0;
    uint32_t last = 0; /* the last character kept */
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = (size_t)rb_utf8_decode(s + i, n - i, &cp);
        if (space_cp(cp) && han_cp(last)) {
            size_t j = i + l;
            uint32_t next = 0;
            while (j < n) {
                size_t m = (size_t)rb_utf8_decode(s + j, n - j, &next);
                if (!space_cp(next))
                    break;
                j += m;
            }
            if (j < n && han_cp(next)) {
                i = j; /* the run between two Han characters goes */
                continue;
            }
        }
        memmove(s + k, s + i, l);
        k += l;
        last = cp;
        i += l;
    }
    s[k] = 0;
    return s;
}
