/* reference.c: what the library knows of Chinese words and of government prose, built at build
 * time (tools/genlexicon.c): jieba's word list as character bigrams, and the character bigrams
 * and characters of clean government texts with their counts. The check stage reads a file
 * against this reference (never against the other files of a run), the view weighs readings
 * with it. Lookups: hash tables (the lexicon's compiled in), a bitmap for characters. */
#include "internal.h"

extern const uint32_t rb_lexicon[], rb_lexicon_hash[];
extern const size_t rb_nlexicon, rb_lexicon_hash_mask;
extern const uint32_t rb_refbigram[], rb_refbigram_n[], rb_refchar[], rb_refchar_n[];
extern const size_t rb_nrefbigram, rb_nrefchar;

/* The reference bigrams (keys a << 16 | b, sorted) as a hash table (rb_refslot), built on
 * first use: one probe or two in one cache line where a binary search took a dozen cache
 * misses (check asks for every bigram of every text; a slot of the key and an index into the
 * counts took a second line and a third). The lexicon's table, thirty times larger, is built
 * with the program instead (tools/genlexicon.c). */
static struct {
    size_t mask;
    rb_refslot *slot; /* NULL until built */
} ref_ix;

static void ref_build(void)
{
    size_t cap = 64;
    while (cap < 4 * rb_nrefbigram)
        cap *= 2;
    ref_ix.mask = cap - 1;
    ref_ix.slot = rb_xcalloc(cap, sizeof *ref_ix.slot);
    for (size_t i = 0; i < rb_nrefbigram; i++) {
        size_t p = rb_pair_hash(rb_refbigram[i], ref_ix.mask);
        while (ref_ix.slot[p].key && ref_ix.slot[p].key != rb_refbigram[i])
            p = (p + 1) & ref_ix.mask;
        if (!ref_ix.slot[p].key)
            ref_ix.slot[p] = (rb_refslot){rb_refbigram[i], rb_refbigram_n[i]};
    }
}

const rb_refslot *rb_ref_table(size_t *mask)
{
    if (!ref_ix.slot)
        ref_build();
    *mask = ref_ix.mask;
    return ref_ix.slot;
}

/* the lexicon's table is built with the program (tools/genlexicon.c) */
int rb_lex_has(uint32_t a, uint32_t b)
{
    if (a > 0xFFFF || b > 0xFFFF || !(a | b))
        return 0;
    uint32_t k = a << 16 | b;
    for (size_t p = rb_pair_hash(k, rb_lexicon_hash_mask); rb_lexicon_hash[p];
         p = (p + 1) & rb_lexicon_hash_mask)
        if (rb_lexicon_hash[p] == k)
            return 1;
    return 0;
}

size_t rb_ref_bigram(uint32_t a, uint32_t b)
{
    size_t mask;
    const rb_refslot *t = rb_ref_table(&mask);
    return rb_ref_lookup(t, mask, a, b);
}

/* Which BMP characters the reference holds, a bit each (8 KB, built on first use): the
 * decoding of a legacy encoding asks it of every Han character of the text twice (GB18030 and
 * Big5), where a binary search each was a third of the compile of a Big5 file. */
static uint64_t *refchar_bits;

int rb_ref_has_char(uint32_t c)
{
    if (c > 0xFFFF)
        return 0;
    if (!refchar_bits) {
        refchar_bits = rb_xcalloc(0x10000 / 64, sizeof *refchar_bits);
        for (size_t i = 0; i < rb_nrefchar; i++)
            if (rb_refchar_n[i] > 0 && rb_refchar[i] <= 0xFFFF)
                refchar_bits[rb_refchar[i] >> 6] |= 1ull << (rb_refchar[i] & 63);
    }
    return (int)(refchar_bits[c >> 6] >> (c & 63) & 1);
}
