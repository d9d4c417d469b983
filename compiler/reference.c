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

static size_t find(const uint32_t *v, size_t n, uint32_t k)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == k ? lo : (size_t)-1;
}

int rb_lex_has(uint32_t a, uint32_t b)
{
    if (a > 0xFFFF || b > 0xFFFF)
        return 0;
    return find(rb_lexicon, rb_nlexicon, a << 16 | b) != (size_t)-1;
}

size_t rb_ref_bigram(uint32_t a, uint32_t b)
{
    if (a > 0xFFFF || b > 0xFFFF)
        return 0;
    size_t i = find(rb_refbigram, rb_nrefbigram, a << 16 | b);
    return i == (size_t)-1 ? 0 : rb_refbigram_n[i];
}

size_t rb_ref_char(uint32_t c)
{
    if (c > 0xFFFF)
        return 0;
    size_t i = find(rb_refchar, rb_nrefchar, c);
    return i == (size_t)-1 ? 0 : rb_refchar_n[i];
}
