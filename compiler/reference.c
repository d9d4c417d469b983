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

/* The bigram arrays (keys a << 16 | b, sorted) by their first character: the entries of a
 * are [at[a], at[a + 1]), so a lookup searches a few entries, not the whole array. Built on
 * first use (the library is single-threaded; -j forks processes). */
typedef struct {
    int built;
    uint32_t at[65537];
} by_first;

static const uint32_t *first_index(by_first *ix, const uint32_t *v, size_t n)
{
    if (!ix->built) {
        size_t i = 0;
        for (uint32_t a = 0; a <= 65536; a++) {
            while (i < n && v[i] >> 16 < a)
                i++;
            ix->at[a] = (uint32_t)i;
        }
        ix->built = 1;
    }
    return ix->at;
}

static size_t find_pair(by_first *ix, const uint32_t *v, size_t n, uint32_t a, uint32_t b)
{
    if (a > 0xFFFF || b > 0xFFFF)
        return (size_t)-1;
    const uint32_t *at = first_index(ix, v, n);
    return find(v, at[a], at[a + 1], a << 16 | b);
}

static by_first lex_ix, ref_ix;

int rb_lex_has(uint32_t a, uint32_t b)
{
    return find_pair(&lex_ix, rb_lexicon, rb_nlexicon, a, b) != (size_t)-1;
}

size_t rb_ref_bigram(uint32_t a, uint32_t b)
{
    size_t i = find_pair(&ref_ix, rb_refbigram, rb_nrefbigram, a, b);
    return i == (size_t)-1 ? 0 : rb_refbigram_n[i];
}

size_t rb_ref_char(uint32_t c)
{
    if (c > 0xFFFF)
        return 0;
    size_t i = find(rb_refchar, 0, rb_nrefchar, c);
    return i == (size_t)-1 ? 0 : rb_refchar_n[i];
}
