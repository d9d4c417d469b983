/* utf8.c: UTF-8 validation (done once per input, so later PCRE2 calls can skip it),
 * decoding and encoding of single code points. */
#include "model.h"
#include <string.h>

size_t rb_utf8_invalid_at(const char *str, size_t n) { return rb_utf8_check(str, n, NULL); }

#if defined(__SSE2__) && !defined(RB_NO_SIMD)
#include <emmintrin.h>
#endif

const char *rb_memmem(const char *s, size_t n, const char *k, size_t kl)
{
    if (kl == 0)
        return s;
    size_t i = 0;
#if defined(__SSE2__) && !defined(RB_NO_SIMD)
    /* the places i..i+15: the bytes there equal to k's first, those kl-1 on equal to its last */
    const __m128i f = _mm_set1_epi8(k[0]), l = _mm_set1_epi8(k[kl - 1]);
    for (; n >= kl + 15 && i <= n - kl - 15; i += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + i + kl - 1));
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(a, f), _mm_cmpeq_epi8(b, l)));
        for (; m; m &= m - 1) {
            size_t at = i + (size_t)__builtin_ctz(m);
            if (memcmp(s + at, k, kl) == 0)
                return s + at;
        }
    }
#endif
    return i < n ? memmem(s + i, n - i, k, kl) : NULL;
}

/* ---- whole blocks at once (x86-64 with SSSE3) -------------------------------------------------
 * Keiser and Lemire's check ("Validating UTF-8 in less than one instruction per byte",
 * Software: Practice and Experience 51(5), 2021; simdjson and simdutf use it): every error of
 * UTF-8 shows in a byte and the one before it, so three table lookups (the high nibble of the
 * previous byte, its low nibble, the high nibble of this byte) give a set of possible errors,
 * and their AND is empty unless one is real; the third and fourth bytes of a sequence are
 * checked by comparing with the bytes two and three back. 16 bytes a step; the text of an
 * input is 3-byte CJK almost throughout, where the character loop below takes a branch and
 * four loads a character. It says only valid or not: for an invalid text the loop below
 * finds where (only legacy-encoded files are invalid, once per file). */
#if defined(__x86_64__) && !defined(RB_NO_SIMD)
#include <tmmintrin.h>
#define UTF8_BLOCKS 1

enum {
    TOO_SHORT = 1 << 0,  /* 11______ followed by 0_______ or 11______ */
    TOO_LONG = 1 << 1,   /* 0_______ followed by 10______ */
    OVERLONG_3 = 1 << 2, /* 11100000 100_____ */
    TOO_LARGE = 1 << 3,  /* 11110100 1001____, 11110100 101_____, 11110101+ 1001____ ... */
    SURROGATE = 1 << 4,  /* 11101101 101_____ */
    OVERLONG_2 = 1 << 5, /* 1100000_ 10______ */
    TOO_LARGE_1000 = 1 << 6, /* 11110101+ 1000____ */
    OVERLONG_4 = 1 << 6, /* 11110000 1000____ */
    TWO_CONTS = -128,    /* 10______ 10______ (bit 7, written as the char it is in the tables) */
    CARRY = TOO_SHORT | TOO_LONG | TWO_CONTS,
};

/* 1: valid, and *nonchar set when an EF BF BE or EF BF BF (U+FFFE, U+FFFF) is in it; 0: not */
__attribute__((target("ssse3"))) static int utf8_blocks_valid(const unsigned char *s, size_t n,
                                                              int *nonchar)
{
    const __m128i b1_high = _mm_setr_epi8(
        TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
        TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS, TOO_SHORT | OVERLONG_2, TOO_SHORT,
        TOO_SHORT | OVERLONG_3 | SURROGATE, TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4);
    const __m128i b1_low = _mm_setr_epi8(
        CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4, CARRY | OVERLONG_2, CARRY, CARRY,
        CARRY | TOO_LARGE, CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE, CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000);
    const __m128i b2_high = _mm_setr_epi8(
        TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE, TOO_SHORT, TOO_SHORT,
        TOO_SHORT, TOO_SHORT);
    /* a block that ends inside a sequence: its last byte a lead, or the one before a lead of
     * three or four bytes, or the one before that of four */
    const __m128i last_max = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                           (char)0xEF, (char)0xDF, (char)0xBF);
    const __m128i nib = _mm_set1_epi8(0x0F), zero = _mm_setzero_si128();
    __m128i prev = zero, incomplete = zero, err = zero, nc = zero;
    unsigned char tail[16];
    for (size_t i = 0; i < n; i += 16) {
        __m128i in;
        if (i + 16 <= n) {
            in = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        } else { /* the last bytes, padded with NULs (ASCII) */
            memset(tail, 0, sizeof tail);
            memcpy(tail, s + i, n - i);
            in = _mm_loadu_si128((const __m128i *)(void *)tail);
        }
        if (_mm_movemask_epi8(in) == 0) { /* ASCII: valid unless the last block was cut */
            err = _mm_or_si128(err, incomplete);
            incomplete = zero;
            prev = in;
            continue;
        }
        __m128i prev1 = _mm_alignr_epi8(in, prev, 15);
        __m128i sc = _mm_and_si128(
            _mm_and_si128(_mm_shuffle_epi8(b1_high, _mm_and_si128(_mm_srli_epi16(prev1, 4), nib)),
                          _mm_shuffle_epi8(b1_low, _mm_and_si128(prev1, nib))),
            _mm_shuffle_epi8(b2_high, _mm_and_si128(_mm_srli_epi16(in, 4), nib)));
        __m128i prev2 = _mm_alignr_epi8(in, prev, 14), prev3 = _mm_alignr_epi8(in, prev, 13);
        __m128i third = _mm_subs_epu8(prev2, _mm_set1_epi8((char)(0xE0 - 0x80)));
        __m128i fourth = _mm_subs_epu8(prev3, _mm_set1_epi8((char)(0xF0 - 0x80)));
        __m128i must23 = _mm_and_si128(_mm_or_si128(third, fourth), _mm_set1_epi8((char)0x80));
        err = _mm_or_si128(err, _mm_xor_si128(must23, sc));
        /* EF BF then BE or BF: a byte BE or above (BE-BF, after EF BF) is one BD leaves */
        nc = _mm_or_si128(nc, _mm_and_si128(
                                  _mm_and_si128(_mm_cmpeq_epi8(prev2, _mm_set1_epi8((char)0xEF)),
                                                _mm_cmpeq_epi8(prev1, _mm_set1_epi8((char)0xBF))),
                                  _mm_subs_epu8(in, _mm_set1_epi8((char)0xBD))));
        incomplete = _mm_subs_epu8(in, last_max);
        prev = in;
    }
    err = _mm_or_si128(err, incomplete);
    *nonchar = _mm_movemask_epi8(_mm_cmpeq_epi8(nc, zero)) != 0xFFFF;
    return _mm_movemask_epi8(_mm_cmpeq_epi8(err, zero)) == 0xFFFF;
}

#endif

size_t rb_utf8_nonchar(const char *s, size_t n)
{
    for (const char *p = s; (p = memmem(p, n - (size_t)(p - s), "\xEF\xBF", 2)) != NULL; p += 2)
        if ((size_t)(p - s) + 2 < n && ((unsigned char)p[2] == 0xBE || (unsigned char)p[2] == 0xBF))
            return (size_t)(p - s);
    return (size_t)-1;
}

size_t rb_utf8_check(const char *str, size_t n, size_t *nonchar)
{
#ifdef UTF8_BLOCKS
    int has_nonchar = 0;
    if (n >= 64 && __builtin_cpu_supports("ssse3") &&
        utf8_blocks_valid((const unsigned char *)str, n, &has_nonchar)) {
        if (nonchar)
            *nonchar = has_nonchar ? rb_utf8_nonchar(str, n) : (size_t)-1;
        return (size_t)-1;
    }
#endif
    return rb_utf8_check_bytes(str, n, nonchar);
}

size_t rb_utf8_check_bytes(const char *str, size_t n, size_t *nonchar)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, nc = (size_t)-1;
    while (i < n) {
        /* ASCII fast path, 8 bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            __builtin_memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        /* runs of three-byte sequences without range exceptions (most of CJK: lead byte
         * E1-EC or EE-EF, then two continuation bytes), a character per step */
        while (i + 3 <= n) {
            unsigned c = s[i];
            if (c - 0xE1u > 0x0Eu || c == 0xED ||
                (((s[i + 1] ^ 0x80u) | (s[i + 2] ^ 0x80u)) & 0xC0u))
                break;
            /* U+FFFE, U+FFFF: valid UTF-8, but not characters (the caller refuses them) */
            if (c == 0xEF && s[i + 1] == 0xBF && s[i + 2] >= 0xBE && nc == (size_t)-1)
                nc = i;
            i += 3;
        }
        if (i >= n)
            break;
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        /* what the run above leaves: two- and four-byte sequences, E0 and ED, and errors */
        size_t need;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1; cp = c & 0x1F; min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2; cp = c & 0x0F; min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3; cp = c & 0x07; min = 0x10000;
        } else {
            return nonchar ? (*nonchar = nc, i) : i;
        }
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= n || (s[i + k] & 0xC0) != 0x80)
                return nonchar ? (*nonchar = nc, i) : i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return nonchar ? (*nonchar = nc, i) : i;
        i += need + 1;
    }
    if (nonchar)
        *nonchar = nc;
    return (size_t)-1;
}

uint32_t rb_utf8_last(const char *s, size_t n)
{
    if (!n)
        return 0;
    size_t i = n - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    uint32_t cp = 0;
    rb_utf8_decode(s + i, n - i, &cp);
    return cp;
}

size_t rb_utf8_count(const char *s, size_t n)
{
    size_t k = n, i = 0;
    /* eight bytes a step: a continuation byte (10xxxxxx) has bit 7 set and bit 6 clear; those
     * bits, one a byte, summed by a multiplication, are taken from the count of bytes */
    const uint64_t hi = 0x8080808080808080ull, ones = 0x0101010101010101ull;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        k -= (((w & ~(w << 1) & hi) >> 7) * ones) >> 56;
    }
    for (; i < n; i++)
        k -= ((unsigned char)s[i] & 0xC0) == 0x80;
    return k;
}

size_t rb_utf8_cut(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

void rb_utf8_fit(char *buf, size_t cap, int written)
{
    if (written < 0 || (size_t)written < cap || cap < 8)
        return;
    size_t n = rb_utf8_cut(buf, cap - 4); /* room for … (three bytes) and the NUL */
    memcpy(buf + n, "\xE2\x80\xA6", 4);
}
