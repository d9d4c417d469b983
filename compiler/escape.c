/* escape.c: one escaper per output format, in one place, so that no text that comes from a
 * document, a file name, a sidecar or a compiled XML reaches an output unescaped: HTML, CSV,
 * Markdown, YAML, and one line of a message on a terminal. (JSON strings: jsonw.c; XML:
 * xmlw.c.) Every escaper takes UTF-8 and writes valid UTF-8: a byte that is not part of a
 * valid sequence becomes U+FFFD. */
#include "internal.h"

#include <string.h>

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0 when it is not one. */
size_t rb_utf8_valid_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t l = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (!l || l > n || c > 0xF4)
        return 0;
    for (size_t i = 1; i < l; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (l == 3 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0)))
        return 0; /* overlong, surrogate */
    if (l == 4 && ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90)))
        return 0;
    return l;
}

/* Walk s, calling put for each character (valid UTF-8, or U+FFFD for a bad byte). */
typedef void (*char_fn)(rb_buf *b, const char *c, size_t n);

static void each_char(rb_buf *b, const char *s, char_fn put)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = s ? strlen(s) : 0;
    for (size_t i = 0; i < n;) {
        size_t l = rb_utf8_valid_len(u + i, n - i);
        if (l == 0) {
            put(b, "\xEF\xBF\xBD", 3);
            i++;
            continue;
        }
        put(b, s + i, l);
        i += l;
    }
}

static void html_char(rb_buf *b, const char *c, size_t n)
{
    if (n == 1) {
        switch (c[0]) {
        case '&': rb_buf_puts(b, "&amp;"); return;
        case '<': rb_buf_puts(b, "&lt;"); return;
        case '>': rb_buf_puts(b, "&gt;"); return;
        case '"': rb_buf_puts(b, "&quot;"); return;
        case '\'': rb_buf_puts(b, "&#39;"); return;
        default:
            if ((unsigned char)c[0] < 0x20 && c[0] != '\n' && c[0] != '\t') {
                rb_buf_puts(b, "\xEF\xBF\xBD"); /* not allowed in HTML text */
                return;
            }
        }
    }
    rb_buf_put(b, c, n);
}

void rb_esc_html(rb_buf *b, const char *s) { each_char(b, s, html_char); }

static void md_char(rb_buf *b, const char *c, size_t n)
{
    if (n == 1) {
        switch (c[0]) {
        case '|': rb_buf_puts(b, "\\|"); return;
        case '\\': rb_buf_puts(b, "\\\\"); return;
        case '<': rb_buf_puts(b, "&lt;"); return; /* renderers pass inline HTML through */
        case '>': rb_buf_puts(b, "&gt;"); return;
        case '&': rb_buf_puts(b, "&amp;"); return;
        case '\n':
        case '\r':
        case '\t': rb_buf_putc(b, ' '); return;
        default:
            if ((unsigned char)c[0] < 0x20 || c[0] == 0x7F)
                return;
        }
    }
    rb_buf_put(b, c, n);
}

void rb_esc_md(rb_buf *b, const char *s) { each_char(b, s, md_char); }

static void raw_char(rb_buf *b, const char *c, size_t n) { rb_buf_put(b, c, n); }

void rb_esc_csv(rb_buf *b, const char *s)
{
    if (!s)
        return;
    /* a cell a spreadsheet would take for a formula (=, +, -, @, a tab or CR first) is
     * neutralized with a leading apostrophe, as OWASP advises */
    int formula = strchr("=+-@\t\r", s[0]) && s[0];
    if (!formula && !strpbrk(s, ",\"\r\n")) {
        each_char(b, s, raw_char);
        return;
    }
    rb_buf_putc(b, '"');
    if (formula)
        rb_buf_putc(b, '\'');
    rb_buf quoted;
    rb_buf_init(&quoted);
    each_char(&quoted, s, raw_char);
    for (size_t i = 0; i < quoted.len; i++) {
        if (quoted.data[i] == '"')
            rb_buf_putc(b, '"');
        rb_buf_putc(b, quoted.data[i]);
    }
    rb_buf_free(&quoted);
    rb_buf_putc(b, '"');
}

static void yaml_char(rb_buf *b, const char *c, size_t n)
{
    if (n == 1) {
        unsigned char x = (unsigned char)c[0];
        if (x == '"' || x == '\\') {
            rb_buf_putc(b, '\\');
            rb_buf_putc(b, (char)x);
            return;
        }
        if (x < 0x20 || x == 0x7F) {
            rb_buf_printf(b, "\\x%02X", x);
            return;
        }
    }
    if (n == 3 && (unsigned char)c[0] == 0xEF && (unsigned char)c[1] == 0xBF &&
        (unsigned char)c[2] >= 0xBE) {
        rb_buf_puts(b, (unsigned char)c[2] == 0xBE ? "\\uFFFE" : "\\uFFFF");
        return;
    }
    rb_buf_put(b, c, n);
}

void rb_esc_yaml(rb_buf *b, const char *s)
{
    rb_buf_putc(b, '"');
    each_char(b, s, yaml_char);
    rb_buf_putc(b, '"');
}

static void line_char(rb_buf *b, const char *c, size_t n)
{
    const unsigned char *u = (const unsigned char *)c;
    if (n == 1 && (u[0] < 0x20 || u[0] == 0x7F)) {
        /* a newline, ESC or any control would forge a line or move the terminal */
        rb_buf_printf(b, "\\x%02X", u[0]);
        return;
    }
    if (n == 2 && u[0] == 0xC2 && u[1] >= 0x80 && u[1] < 0xA0) { /* C1 controls */
        rb_buf_printf(b, "\\u%04X", u[1]);
        return;
    }
    if (n == 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9)) {
        rb_buf_printf(b, "\\u%04X", 0x2000 + (u[2] - 0x80)); /* line and paragraph separators */
        return;
    }
    rb_buf_put(b, c, n);
}

void rb_esc_line(rb_buf *b, const char *s) { each_char(b, s, line_char); }

char *rb_line_str(const char *s)
{
    rb_buf b;
    rb_buf_init(&b);
    rb_esc_line(&b, s);
    if (!b.data)
        rb_buf_puts(&b, "");
    return rb_buf_detach(&b);
}
