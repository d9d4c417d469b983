/* xmlevents.h: an XML file's events as one string, from the scanner of the tool's own XML or
 * from libxml2 (rb_xsax_parse in xmlscan.c), for the tests and the fuzzer that hold the two
 * equal. Text is gathered between tags (the parsers cut it into different pieces). */
#ifndef RULEBOOK_XMLEVENTS_H
#define RULEBOOK_XMLEVENTS_H

#include "internal.h"

#include <stdio.h>

typedef struct xev_log {
    rb_buf out, text;
} xev_log;

static void xev_str(rb_buf *b, const xmlChar *s)
{
    rb_buf_puts(b, s ? (const char *)s : "(null)");
}

/* prefix:name{uri} */
static void xev_name(rb_buf *b, const xmlChar *prefix, const xmlChar *name, const xmlChar *uri)
{
    xev_str(b, prefix);
    rb_buf_putc(b, ':');
    xev_str(b, name);
    rb_buf_putc(b, '{');
    xev_str(b, uri);
    rb_buf_putc(b, '}');
}

static void xev_flush(xev_log *g)
{
    if (!g->text.len)
        return;
    rb_buf_puts(&g->out, "T ");
    rb_buf_put(&g->out, g->text.data, g->text.len);
    rb_buf_putc(&g->out, '\n');
    g->text.len = 0;
}

static void xev_start(void *u, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
                      int nattr, const xmlChar **attrs, long line)
{
    xev_log *g = u;
    xev_flush(g);
    char l[32];
    snprintf(l, sizeof l, "S %ld ", line);
    rb_buf_puts(&g->out, l);
    xev_name(&g->out, prefix, name, uri);
    for (int i = 0; i < nattr; i++) {
        const xmlChar **a = attrs + 5 * i;
        rb_buf_putc(&g->out, ' ');
        xev_name(&g->out, a[1], a[0], a[2]);
        rb_buf_puts(&g->out, "=[");
        rb_buf_put(&g->out, (const char *)a[3], (size_t)(a[4] - a[3]));
        rb_buf_putc(&g->out, ']');
    }
    rb_buf_putc(&g->out, '\n');
}

static void xev_end(void *u, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
    xev_log *g = u;
    xev_flush(g);
    rb_buf_puts(&g->out, "E ");
    xev_name(&g->out, prefix, name, uri);
    rb_buf_putc(&g->out, '\n');
}

static void xev_chars(void *u, const xmlChar *c, int len)
{
    xev_log *g = u;
    rb_buf_put(&g->text, (const char *)c, (size_t)len);
}

/* The events of data (fast: the scanner) into *log (malloc'd, the caller frees it); returns
 * what rb_xsax_parse returned. */
static int xev_parse(const char *data, size_t n, int fast, char **log)
{
    xev_log g;
    rb_buf_init(&g.out);
    rb_buf_init(&g.text);
    rb_xsax x = {&g, xev_start, xev_end, xev_chars, 0, NULL};
    rb_error err;
    rb_error_clear(&err);
    int r = rb_xsax_parse(&x, "events.xml", data, n, fast, &err);
    xev_flush(&g);
    rb_buf_free(&g.text);
    rb_buf_cstr(&g.out);
    *log = rb_buf_detach(&g.out);
    return r;
}

/* When the scanner takes data, libxml2 must find it well-formed with the same events: 1 then
 * (or when the scanner declines), 0 with the two logs on stderr. *taken: whether it took it. */
static int xev_same(const char *data, size_t n, int *taken)
{
    char *fast = NULL, *slow = NULL;
    int rf = xev_parse(data, n, 1, &fast);
    int ok = 1;
    *taken = rf == 1;
    if (rf == 1) {
        int rs = xev_parse(data, n, 0, &slow);
        if (rs != 1 || strcmp(fast, slow) != 0) {
            fprintf(stderr, "xml events: the scanner took a file libxml2 %s\n--- scanner\n%s\n"
                            "--- libxml2\n%s\n",
                    rs != 1 ? "refuses" : "reads otherwise", fast, slow);
            ok = 0;
        }
    }
    free(fast);
    free(slow);
    return ok;
}

#endif
