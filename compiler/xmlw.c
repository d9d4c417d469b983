/* xmlw.c: a small streaming XML writer for the compile stage's output.
 *
 * Why not libxml2's xmlTextWriter: it costs about 1 s per 100 MB of input (a third of a
 * compile), its indentation puts mixed content and the next element on one line, and it
 * writes C0 control characters verbatim, which makes the file ill-formed. This writer
 * buffers 64 KiB at a time, indents element-only content one space per level, keeps inline
 * (mixed) content on its line, and writes the C0 controls XML 1.0 cannot carry (all but tab,
 * LF, CR) as their Control Pictures U+2400-U+241F, which the reader maps back
 * (rb_xml_unpicture). Element names must outlive the element (they are string literals). */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__SSE2__) && !defined(RB_NO_SIMD)
#include <emmintrin.h>
#endif

#define XW_BUF (64 * 1024)
#define XW_DEPTH 64

struct rb_xw {
    uint32_t cbase; /* C0 control c is written as the character cbase + c */
    int fd;
    rb_buf *mem; /* when writing to memory */
    char *buf;
    size_t n;
    int fail;
    int open_tag;  /* "<name ..." written, ">" not yet */
    size_t depth;
    struct {
        const char *name;
        size_t len;
        unsigned char inl, children;
    } st[XW_DEPTH];
};

static void flush(rb_xw *w)
{
    if (w->mem) {
        rb_buf_put(w->mem, w->buf, w->n);
        w->n = 0;
        return;
    }
    size_t off = 0;
    while (off < w->n && !w->fail) {
        ssize_t k = write(w->fd, w->buf + off, w->n - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            w->fail = k < 0 && errno ? errno : EIO; /* kept for the message */
        else
            off += (size_t)k;
    }
    w->n = 0;
}

static void put(rb_xw *w, const char *s, size_t n)
{
    if (w->n + n > XW_BUF) {
        flush(w);
        if (n > XW_BUF) {
            while (n) {
                size_t k = n < XW_BUF ? n : XW_BUF;
                memcpy(w->buf, s, k);
                w->n = k;
                flush(w);
                s += k;
                n -= k;
            }
            return;
        }
    }
    memcpy(w->buf + w->n, s, n);
    w->n += n;
}

static void puts_(rb_xw *w, const char *s) { put(w, s, strlen(s)); }

static void newline_indent(rb_xw *w, size_t depth)
{
    char sp[XW_DEPTH + 1];
    sp[0] = '\n';
    memset(sp + 1, ' ', depth);
    put(w, sp, depth + 1);
}

/* The first byte at or after i that may need escaping (a C0 control, &, <, >, "), or n;
 * sixteen bytes at a time with SSE2 (any x86-64), eight as one word elsewhere (or built with
 * -DRB_NO_SIMD). */
static size_t next_special(const char *s, size_t n, size_t i)
{
#if defined(__SSE2__) && !defined(RB_NO_SIMD)
    const __m128i amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>'),
                  quot = _mm_set1_epi8('"'), c1f = _mm_set1_epi8(0x1F);
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, amp), _mm_cmpeq_epi8(x, lt)),
                                 _mm_or_si128(_mm_cmpeq_epi8(x, gt), _mm_cmpeq_epi8(x, quot)));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_min_epu8(x, c1f), x)); /* x <= 0x1F */
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits)
            return i + (size_t)__builtin_ctz(bits);
    }
#else
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    for (; i + 8 <= n; i += 8) {
        uint64_t word;
        memcpy(&word, s + i, 8);
        /* per byte, (b|0x80) - 0x3F never borrows; its high bit is clear iff b < 0x3F when
         * b < 0x80: a word without such a byte holds none of the five */
        if (~(((word | highs) - 0x3F * ones) | word) & highs)
            break;
    }
#endif
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == '&' || c == '<' || c == '>' || c == '"')
            return i;
    }
    return n;
}

/* Escape s[0..n) for text (attr = 0) or a double-quoted attribute value (attr = 1). Runs of
 * plain bytes are copied in one go. */
static void escaped(rb_xw *w, const char *s, size_t n, int attr)
{
    size_t run = 0;
    for (size_t i = 0; (i = next_special(s, n, i)) < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        char pic[3];
        size_t rl = 0;
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = attr ? "&quot;" : NULL; break;
        case '\r': rep = "&#13;"; break;
        case '\n': rep = attr ? "&#10;" : NULL; break;
        case '\t': rep = attr ? "&#9;" : NULL; break;
        default: { /* cbase + c, three bytes of UTF-8 */
            uint32_t cp = w->cbase + c;
            pic[0] = (char)(0xE0 | (cp >> 12));
            pic[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
            pic[2] = (char)(0x80 | (cp & 0x3F));
            rep = pic;
            rl = 3;
        }
        }
        if (!rep)
            continue;
        put(w, s + run, i - run);
        put(w, rep, rl ? rl : strlen(rep));
        run = i + 1;
    }
    put(w, s + run, n - run);
}

static void close_tag(rb_xw *w)
{
    if (w->open_tag) {
        put(w, ">", 1);
        w->open_tag = 0;
    }
}

static rb_xw *xw_new(int fd, rb_buf *mem)
{
    rb_xw *w = rb_xcalloc(1, sizeof *w);
    w->fd = fd;
    w->cbase = 0x2400;
    w->mem = mem;
    w->buf = rb_xmalloc(XW_BUF);
    puts_(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    return w;
}

rb_xw *rb_xw_new(int fd) { return xw_new(fd, NULL); }
rb_xw *rb_xw_new_buf(rb_buf *out) { return xw_new(-1, out); }

int rb_xw_free(rb_xw *w)
{
    if (!w)
        return 0;
    if (w->depth != 0)
        w->fail = 1; /* an element left open is a bug in the caller */
    put(w, "\n", 1);
    flush(w);
    int rc = w->fail ? -1 : 0, e = w->fail > 1 ? w->fail : EIO;
    free(w->buf);
    free(w);
    if (rc)
        errno = e; /* what the write failed with */
    return rc;
}

static void start(rb_xw *w, const char *name, size_t nlen, int inl)
{
    if (w->depth == XW_DEPTH) {
        w->fail = 1;
        return;
    }
    int parent_inline = w->depth && w->st[w->depth - 1].inl;
    close_tag(w);
    if (w->depth) {
        w->st[w->depth - 1].children = 1;
        if (!parent_inline)
            newline_indent(w, w->depth);
    }
    put(w, "<", 1);
    put(w, name, nlen);
    w->st[w->depth].name = name;
    w->st[w->depth].len = nlen;
    w->st[w->depth].inl = (unsigned char)(inl || parent_inline);
    w->st[w->depth].children = 0;
    w->depth++;
    w->open_tag = 1;
}

void rb_xw_start_n(rb_xw *w, const char *name, size_t nlen) { start(w, name, nlen, 0); }
void rb_xw_start_inline_n(rb_xw *w, const char *name, size_t nlen) { start(w, name, nlen, 1); }

/* ' name="' */
static void attr_name(rb_xw *w, const char *name, size_t nlen)
{
    put(w, " ", 1);
    put(w, name, nlen);
    put(w, "=\"", 2);
}

void rb_xw_attr_n(rb_xw *w, const char *name, size_t nlen, const char *val)
{
    if (!val)
        return;
    if (!w->open_tag) {
        w->fail = 1;
        return;
    }
    attr_name(w, name, nlen);
    escaped(w, val, strlen(val), 1);
    put(w, "\"", 1);
}

/* A formatted value of any length: a value past the stack buffer (a long sidecar id in an
 * href) is formatted again into the heap, never cut (a cut could end inside a character). */
void rb_xw_attrf(rb_xw *w, const char *name, const char *fmt, ...)
{
    char b[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n < 0) {
        w->fail = 1;
        return;
    }
    if ((size_t)n < sizeof b) {
        rb_xw_attr(w, name, b);
        return;
    }
    char *h = rb_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(h, (size_t)n + 1, fmt, ap);
    va_end(ap);
    rb_xw_attr(w, name, h);
    free(h);
}

void rb_xw_attr_int_n(rb_xw *w, const char *name, size_t nlen, long long v)
{
    if (!w->open_tag) {
        w->fail = 1;
        return;
    }
    char d[24];
    size_t n;
    const char *p = rb_int_digits(d, v, &n);
    attr_name(w, name, nlen);
    put(w, p, n);
    put(w, "\"", 1);
}

void rb_xw_text(rb_xw *w, const char *s, size_t n)
{
    if (!w->depth) {
        w->fail = 1;
        return;
    }
    close_tag(w);
    escaped(w, s, n, 0);
}

void rb_xw_end(rb_xw *w)
{
    if (!w->depth) {
        w->fail = 1;
        return;
    }
    w->depth--;
    if (w->open_tag) {
        put(w, "/>", 2);
        w->open_tag = 0;
        return;
    }
    if (w->st[w->depth].children && !w->st[w->depth].inl)
        newline_indent(w, w->depth);
    put(w, "</", 2);
    put(w, w->st[w->depth].name, w->st[w->depth].len);
    put(w, ">", 1);
}

void rb_xw_element(rb_xw *w, const char *name, const char *text)
{
    rb_xw_start(w, name);
    if (text)
        rb_xw_text(w, text, strlen(text));
    rb_xw_end(w);
}

void rb_xw_set_control_base(rb_xw *w, uint32_t base) { w->cbase = base; }

/* The first of the blocks of 32 characters the writer can write C0 controls as (Control
 * Pictures, then three of the Private Use Area) that text does not hold, or 0 when it holds a
 * character of each. */
uint32_t rb_xml_control_base(const char *s, size_t n)
{
    static const uint32_t bases[] = {0x2400, 0xF700, 0xF600, 0xF500};
    int used[4] = {0};
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += (size_t)rb_utf8_decode(s + i, n - i, &cp);
        for (size_t k = 0; k < 4; k++)
            used[k] |= cp >= bases[k] && cp < bases[k] + 0x20;
    }
    for (size_t k = 0; k < 4; k++)
        if (!used[k])
            return bases[k];
    return 0;
}

/* Map the characters the writer wrote C0 controls as (base + c, the three bytes of UTF-8) back
 * to the controls, in place; returns the new length. base 0: nothing was mapped. */
size_t rb_xml_unpicture(char *s, size_t n, uint32_t base)
{
    if (!base)
        return n;
    unsigned char b0 = (unsigned char)(0xE0 | (base >> 12)),
                  b1 = (unsigned char)(0x80 | ((base >> 6) & 0x3F)), lo = (unsigned char)(0x80 | (base & 0x3F));
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c2 = i + 2 < n ? (unsigned char)s[i + 2] : 0;
        if ((unsigned char)s[i] == b0 && i + 2 < n && (unsigned char)s[i + 1] == b1 &&
            c2 >= lo && c2 < lo + 0x20) {
            unsigned c = c2 - lo;
            if (c != '\t' && c != '\n' && c != '\r') { /* those are written as themselves */
                s[o++] = (char)c;
                i += 3;
                continue;
            }
        }
        s[o++] = s[i++];
    }
    return o;
}
