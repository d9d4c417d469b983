/* jsonw.c: the one JSON writer every output uses (compare, check and SARIF, diff, diagnostics).
 * It places the commas, escapes every string (control characters as \uXXXX, a byte that is not
 * valid UTF-8 as U+FFFD, so the output always parses) and writes numbers strictly (a value that
 * is not a finite number is null). Layout is the caller's: rb_jw_ws puts whitespace before the
 * next item. */
#include "internal.h"

#include <math.h>
#include <string.h>

void rb_jw_init(rb_jw *w, rb_buf *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
}

/* Before a value or a key: a comma unless it is the first item of its container, then any
 * pending whitespace. After a key, the value follows directly. */
static void before(rb_jw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    size_t nc = sizeof w->count / sizeof w->count[0];
    size_t di = w->depth > 0 ? ((size_t)w->depth - 1 < nc ? (size_t)w->depth - 1 : nc - 1) : 0;
    int later = w->depth > 0 && w->count[di]++;
    if (later)
        rb_buf_putc(w->b, ',');
    if (w->ws) {
        rb_buf_puts(w->b, w->ws);
        w->ws = NULL;
    } else if (later) {
        rb_buf_putc(w->b, ' '); /* one line: "a": 1, "b": 2 */
    }
}

void rb_jw_ws(rb_jw *w, const char *ws) { w->ws = ws; }

static void open_(rb_jw *w, char c)
{
    before(w);
    rb_buf_putc(w->b, c);
    if (w->depth < (int)(sizeof w->count / sizeof w->count[0]))
        w->count[w->depth] = 0;
    w->depth++;
}

static void close_(rb_jw *w, char c)
{
    if (w->ws) {
        rb_buf_puts(w->b, w->ws);
        w->ws = NULL;
    }
    if (w->depth > 0)
        w->depth--;
    rb_buf_putc(w->b, c);
}

void rb_jw_obj(rb_jw *w) { open_(w, '{'); }
void rb_jw_end_obj(rb_jw *w) { close_(w, '}'); }
void rb_jw_arr(rb_jw *w) { open_(w, '['); }
void rb_jw_end_arr(rb_jw *w) { close_(w, ']'); }

/* The length of the character at u (n bytes left) when it goes into a JSON string as it is,
 * else 0: a control, '"', '\\', DEL, an invalid byte, U+2028 or U+2029 (not JavaScript-safe). */
static inline size_t plain_len(const unsigned char *u, size_t n)
{
    unsigned c = u[0];
    if (c < 0x80)
        return c >= 0x20 && c != '"' && c != '\\' && c != 0x7F;
    if (c >= 0xE3 && c <= 0xE9 && n >= 3 && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80)
        return 3; /* CJK, the most of it */
    size_t l = rb_utf8_valid_len(u, n);
    if (l == 3 && c == 0xE2 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9))
        return 0;
    return l;
}

static void put_string(rb_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    rb_buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        /* a run of characters that go as they are, in one copy */
        size_t run = i, l;
        while (i < n && (l = plain_len(u + i, n - i)) != 0)
            i += l;
        if (i > run)
            rb_buf_put(b, s + run, i - run);
        if (i >= n)
            break;
        unsigned char c = u[i];
        if (c >= 0x80) {
            if (rb_utf8_valid_len(u + i, n - i) == 0) {
                rb_buf_puts(b, "\xEF\xBF\xBD");
                i++;
            } else { /* U+2028, U+2029 */
                rb_buf_puts(b, u[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
                i += 3;
            }
            continue;
        }
        switch (c) {
        case '"': rb_buf_puts(b, "\\\""); break;
        case '\\': rb_buf_puts(b, "\\\\"); break;
        case '\n': rb_buf_puts(b, "\\n"); break;
        case '\r': rb_buf_puts(b, "\\r"); break;
        case '\t': rb_buf_puts(b, "\\t"); break;
        default: {
            char e[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            rb_buf_puts(b, e);
        }
        }
        i++;
    }
    rb_buf_putc(b, '"');
}

void rb_jw_key(rb_jw *w, const char *k)
{
    before(w);
    put_string(w->b, k, strlen(k));
    rb_buf_puts(w->b, ": ");
    w->after_key = 1;
}

void rb_jw_strn(rb_jw *w, const char *s, size_t n)
{
    before(w);
    if (!s)
        rb_buf_puts(w->b, "null");
    else
        put_string(w->b, s, n);
}

void rb_jw_str(rb_jw *w, const char *s) { rb_jw_strn(w, s, s ? strlen(s) : 0); }

void rb_jw_int(rb_jw *w, long long v)
{
    before(w);
    rb_buf_put_int(w->b, v);
}

void rb_jw_kstr(rb_jw *w, const char *k, const char *s)
{
    rb_jw_key(w, k);
    rb_jw_str(w, s);
}

void rb_jw_kint(rb_jw *w, const char *k, long long v)
{
    rb_jw_key(w, k);
    rb_jw_int(w, v);
}

void rb_jw_num(rb_jw *w, double v)
{
    before(w);
    if (!isfinite(v))
        rb_buf_puts(w->b, "null");
    else if (v == (double)(long long)v && fabs(v) < 1e15)
        rb_buf_put_int(w->b, (long long)v);
    else
        rb_buf_printf(w->b, "%.15g", v);
}

void rb_jw_bool(rb_jw *w, int v)
{
    before(w);
    rb_buf_puts(w->b, v ? "true" : "false");
}

void rb_jw_null(rb_jw *w)
{
    before(w);
    rb_buf_puts(w->b, "null");
}

/* JSON string literal with quotes, as the writer writes it. */

/* A number as JSON text, strictly: the whole string is a finite decimal number (no NaN, no
 * inf, no hex, no trailing words), else NULL. For numbers read from a compiled XML. */
int rb_json_number(const char *s, double *v)
{
    if (!s || !*s)
        return -1;
    const char *p = s;
    if (*p == '-')
        p++;
    if (!(*p >= '0' && *p <= '9'))
        return -1;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p)
        return -1;
    char *end;
    double d = strtod(s, &end);
    if (*end || !isfinite(d))
        return -1;
    *v = d;
    return 0;
}
