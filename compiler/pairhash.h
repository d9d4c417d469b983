/* pairhash.h: the hash of a character bigram (first << 16 | second), shared by the build-time
 * generator of the lexicon (tools/genlexicon.c writes the lexicon as an open-addressing table)
 * and its lookup (reference.c): both must place a key in the same slot. */
#ifndef RB_PAIRHASH_H
#define RB_PAIRHASH_H
#include <stddef.h>
#include <stdint.h>

static inline size_t rb_pair_hash(uint32_t k, size_t mask)
{
    return (size_t)(((uint64_t)k * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

#endif
