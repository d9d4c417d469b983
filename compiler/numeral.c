/* numeral.c: Chinese numerals as used in article, chapter and point numbers.
 * Accepts 一 … 九十九, 一百零一, 两/兩, 〇/零, 十一 and 一十一, 千, 万 and ASCII digits
 * (the view has already folded full-width digits). Traditional 兩 and 萬 are accepted too,
 * for callers that pass original text. A value is at most about 10^9 in every form (a point's
 * ordinal is kept in 32 bits: rb_block). */
#include "model.h"

#include <string.h>

static int digit_of(uint32_t cp)
{
    switch (cp) {
    case 0x3007: /* 〇 */
    case 0x96F6: /* 零 */
        return 0;
    case 0x4E00: return 1; /* 一 */
    case 0x4E8C: return 2; /* 二 */
    case 0x4E24: return 2; /* 两 */
    case 0x5169: return 2; /* 兩 */
    case 0x4E09: return 3; /* 三 */
    case 0x56DB: return 4; /* 四 */
    case 0x4E94: return 5; /* 五 */
    case 0x516D: return 6; /* 六 */
    case 0x4E03: return 7; /* 七 */
    case 0x516B: return 8; /* 八 */
    case 0x4E5D: return 9; /* 九 */
    default: return -1;
    }
}

static long unit_of(uint32_t cp)
{
    switch (cp) {
    case 0x5341: return 10;    /* 十 */
    case 0x767E: return 100;   /* 百 */
    case 0x5343: return 1000;  /* 千 */
    case 0x4E07: return 10000; /* 万 */
    case 0x842C: return 10000; /* 萬 */
    default: return 0;
    }
}

int rb_numeral_parse(const char *s, size_t n, long *value)
{
    if (n == 0)
        return -1;
    if (s[0] >= '0' && s[0] <= '9') {
        long v = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] < '0' || s[i] > '9' || v > 100000000)
                return -1;
            v = v * 10 + (s[i] - '0');
        }
        *value = v;
        return 0;
    }
    /* Without unit characters the numeral is positional: 二〇一八, 一二. */
    int has_unit = 0;
    long positional = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += (size_t)rb_utf8_decode(s + i, n - i, &cp);
        int d = digit_of(cp);
        if (unit_of(cp))
            has_unit = 1;
        else if (d < 0)
            return -1;
        else if (positional < 100000000)
            positional = positional * 10 + d;
    }
    if (!has_unit) {
        *value = positional;
        return 0;
    }
    long total = 0;   /* completed groups of 万 */
    long section = 0; /* below 万 */
    long digit = -1;  /* pending digit, -1 none */
    long last_unit = 100000;
    int seen = 0, zero_pending = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += (size_t)rb_utf8_decode(s + i, n - i, &cp);
        int d = digit_of(cp);
        long u = unit_of(cp);
        if (d == 0) {
            if (digit > 0 || zero_pending)
                return -1; /* 二〇十, 零零 */
            zero_pending = 1;
        } else if (d > 0) {
            if (digit > 0)
                return -1; /* two digits in a row: 二三十 */
            digit = d;
        } else if (u == 10000) {
            section += digit > 0 ? digit : 0;
            if (section == 0)
                return -1;
            total += section * 10000;
            if (total > 1000000000)
                return -1; /* (万 again and again: about 10^9 at most, as the digits' bound) */
            section = 0;
            digit = -1;
            last_unit = 10000;
            zero_pending = 0;
            seen = 1;
        } else {
            if (u >= last_unit)
                return -1; /* 十百 */
            /* a bare 十 at the start means 一十 */
            long m = digit > 0 ? digit : (u == 10 && !seen && !zero_pending ? 1 : -1);
            if (m < 0)
                return -1;
            section += m * u;
            last_unit = u;
            digit = -1;
            zero_pending = 0;
            seen = 1;
        }
    }
    if (digit > 0) {
        /* a trailing digit after 零 or directly after the unit below it */
        section += digit;
    } else if (zero_pending) {
        return -1; /* 一百零 */
    }
    *value = total + section;
    return 0;
}

static const char *const DIG[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};

void rb_numeral_format(long v, char *out, size_t outsz)
{
    out[0] = 0;
    if (v < 0 || v >= 10000) {
        snprintf(out, outsz, "%ld", v);
        return;
    }
    if (v == 0) {
        snprintf(out, outsz, "%s", DIG[0]);
        return;
    }
    long th = v / 1000, h = v / 100 % 10, t = v / 10 % 10, o = v % 10;
    rb_buf b;
    rb_buf_init(&b);
    int zero = 0;
    if (th) {
        rb_buf_puts(&b, DIG[th]);
        rb_buf_puts(&b, "千");
    }
    if (h) {
        rb_buf_puts(&b, DIG[h]);
        rb_buf_puts(&b, "百");
    } else if (th && (t || o)) {
        zero = 1;
    }
    if (t) {
        if (zero) {
            rb_buf_puts(&b, DIG[0]);
            zero = 0;
        }
        if (!(t == 1 && v < 20))
            rb_buf_puts(&b, DIG[t]);
        rb_buf_puts(&b, "十");
    } else if ((th || h) && o) {
        zero = 1;
    }
    if (o) {
        if (zero)
            rb_buf_puts(&b, DIG[0]);
        rb_buf_puts(&b, DIG[o]);
    }
    snprintf(out, outsz, "%s", b.data ? b.data : "");
    rb_buf_free(&b);
}
