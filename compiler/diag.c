/* diag.c: the error record every fallible call fills, and the diagnostics list that the
 * stages append document problems to. Printed as FILE:LINE:COL: severity: message [rule-id]
 * (what editors and CI logs parse) or as one JSON array. */
#include "model.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void rb_error_clear(rb_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
}

rb_status rb_error_set(rb_error *err, rb_status st, const char *stage, const char *file,
                       unsigned line, unsigned col, const char *rule, const char *fmt, ...)
{
    if (!err)
        return st;
    err->status = st;
    err->stage = stage ? stage : "";
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->col = col;
    snprintf(err->rule, sizeof err->rule, "%s", rule ? rule : "");
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof err->message) /* cut: not inside a character */
        err->message[rb_utf8_cut(err->message, sizeof err->message - 4)] = 0;
    return st;
}

const char *rb_status_name(rb_status st)
{
    switch (st) {
    case RB_OK: return "ok";
    case RB_EIO: return "io";
    case RB_EENCODING: return "encoding";
    case RB_EINPUT: return "input";
    case RB_EGRAMMAR: return "grammar";
    case RB_ELIMIT: return "limit";
    case RB_ENOMEM: return "memory";
    case RB_EUSAGE: return "usage";
    }
    return "unknown";
}

const char *rb_severity_name(rb_severity s)
{
    switch (s) {
    case RB_NOTE: return "note";
    case RB_WARNING: return "warning";
    case RB_ERROR: return "error";
    }
    return "error";
}

void rb_diags_init(rb_diags *d) { memset(d, 0, sizeof *d); }

void rb_diags_free(rb_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].file);
        free(d->items[i].rule);
        free(d->items[i].message);
    }
    free(d->items);
    memset(d, 0, sizeof *d);
}

static void diags_push(rb_diags *d, rb_severity sev, const char *file, unsigned line,
                       unsigned col, const char *rule, const char *msg)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 16;
        d->items = rb_xrealloc(d->items, d->cap * sizeof *d->items);
    }
    rb_diag *dg = &d->items[d->n++];
    dg->severity = sev;
    dg->file = rb_xstrdup(file ? file : "");
    dg->line = line;
    dg->col = col;
    dg->rule = rb_xstrdup(rule ? rule : "");
    dg->message = rb_xstrdup(msg);
}

void rb_diags_add(rb_diags *d, rb_severity sev, const char *file, unsigned line, unsigned col,
                  const char *rule, const char *fmt, ...)
{
    if (!d)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diags_push(d, sev, file, line, col, rule, msg);
}

void rb_diags_add_error(rb_diags *d, const rb_error *err)
{
    if (!d || !err)
        return;
    diags_push(d, RB_ERROR, err->file, err->line, err->col, err->rule, err->message);
}

size_t rb_diags_count(const rb_diags *d, rb_severity at_least)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->items[i].severity >= at_least)
            n++;
    return n;
}

void rb_diag_print_text(FILE *out, const rb_diag *dg)
{
    /* Always three position fields so that the line parses the same way everywhere. */
    fprintf(out, "%s:%u:%u: %s: %s", dg->file, dg->line, dg->col,
            rb_severity_name(dg->severity), dg->message);
    if (dg->rule && dg->rule[0])
        fprintf(out, " [%s]", dg->rule);
    fputc('\n', out);
}

void rb_diags_print_json(FILE *out, const rb_diags *d)
{
    rb_buf b;
    rb_buf_init(&b);
    rb_buf_puts(&b, "[");
    for (size_t i = 0; i < d->n; i++) {
        const rb_diag *dg = &d->items[i];
        rb_buf_puts(&b, i ? ",\n {" : "\n {");
        rb_buf_puts(&b, "\"file\": ");
        rb_buf_json_str(&b, dg->file, strlen(dg->file));
        rb_buf_printf(&b, ", \"line\": %u, \"column\": %u, \"severity\": \"%s\", \"message\": ",
                      dg->line, dg->col, rb_severity_name(dg->severity));
        rb_buf_json_str(&b, dg->message, strlen(dg->message));
        rb_buf_puts(&b, ", \"rule\": ");
        rb_buf_json_str(&b, dg->rule, strlen(dg->rule));
        rb_buf_puts(&b, "}");
    }
    rb_buf_puts(&b, d->n ? "\n]\n" : "]\n");
    fwrite(b.data, 1, b.len, out);
    rb_buf_free(&b);
}
