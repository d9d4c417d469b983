/* utf8.c: UTF-8 validation (done once per input, so later PCRE2 calls can skip it),
 * decoding and encoding of single code points. */
#include "model.h"
#include <string.h>

size_t rb_utf8_invalid_at(const char *str, size_t n) { return rb_utf8_check(str, n, NULL); }

size_t rb_utf8_check(const char *str, size_t n, size_t *nonchar)
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
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            k++;
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
