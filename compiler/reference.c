/* reference.c: what the library knows of Chinese words and of government prose, built at build
 * time (tools/genlexicon.c): jieba's word list as character bigrams, and the character bigrams
 * and characters of clean government texts with their counts. The check stage reads a file
 * against this reference (never against the other files of a run), the view weighs readings
 * with it. Lookups are binary searches over sorted arrays compiled into the library. */
#include "internal.h"

extern const uint32_t rb_lexicon[];
extern const size_t rb_nlexicon;
extern const uint32_t rb_refbigram[], rb_refbigram_n[], rb_refchar[], rb_refchar_n[];
extern const size_t rb_nrefbigram, rb_nrefchar;

static size_t find(const uint32_t *v, size_t lo, size_t hi, uint32_t k)
{
    size_t n = hi;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == k ? lo : (size_t)-1;
}

/* The bigram arrays (keys a << 16 | b, sorted) as hash tables: open addressing over a power
 * of two at most half full, each slot the key and its index in the array. A lookup is one or
 * two probes, where a binary search over the entries of a common first character (的, 政)
 * took a dozen cache misses (check asks for every bigram of every text). Built on first use
 * (the library is single-threaded; -j forks processes). */
typedef struct {
    int built;
    size_t mask;
    uint32_t *key; /* 0: empty (no key is 0: a and b are CJK characters) */
    uint32_t *idx; /* NULL for a set (the lexicon: a second table would be a second miss) */
} by_hash;

static size_t pair_hash(uint32_t k, size_t mask)
{
    return (size_t)(((uint64_t)k * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

static void hash_build(by_hash *h, const uint32_t *v, size_t n, int with_idx)
{
    size_t cap = 64;
    while (cap < 2 * n)
        cap *= 2;
    h->mask = cap - 1;
    h->key = rb_xcalloc(cap, sizeof *h->key);
    h->idx = with_idx ? rb_xcalloc(cap, sizeof *h->idx) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (!v[i])
            continue;
        size_t p = pair_hash(v[i], h->mask);
        while (h->key[p] && h->key[p] != v[i])
            p = (p + 1) & h->mask;
        if (!h->key[p]) {
            h->key[p] = v[i];
            if (h->idx)
                h->idx[p] = (uint32_t)i;
        }
    }
    h->built = 1;
}

/* The index of (a, b) in v, or (size_t)-1; a set (no index) says 0 for present. */
static size_t find_pair(by_hash *h, const uint32_t *v, size_t n, int with_idx, uint32_t a,
                        uint32_t b)
{
    if (a > 0xFFFF || b > 0xFFFF)
        return (size_t)-1;
    if (!h->built)
        hash_build(h, v, n, with_idx);
    uint32_t k = a << 16 | b;
    if (!k)
        return (size_t)-1;
    for (size_t p = pair_hash(k, h->mask); h->key[p]; p = (p + 1) & h->mask)
        if (h->key[p] == k)
            return h->idx ? h->idx[p] : 0;
    return (size_t)-1;
}

static by_hash lex_ix, ref_ix;

int rb_lex_has(uint32_t a, uint32_t b)
{
    return find_pair(&lex_ix, rb_lexicon, rb_nlexicon, 0, a, b) != (size_t)-1;
}

size_t rb_ref_bigram(uint32_t a, uint32_t b)
{
    size_t i = find_pair(&ref_ix, rb_refbigram, rb_nrefbigram, 1, a, b);
    return i == (size_t)-1 ? 0 : rb_refbigram_n[i];
}

size_t rb_ref_char(uint32_t c)
{
    if (c > 0xFFFF)
        return 0;
    size_t i = find(rb_refchar, 0, rb_nrefchar, c);
    return i == (size_t)-1 ? 0 : rb_refchar_n[i];
}
