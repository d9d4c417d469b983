/* diag.c: the error record every fallible call fills, and the diagnostics list that the
 * stages append document problems to. Printed as FILE:LINE:COL: severity: message [rule-id]
 * (what editors and CI logs parse) or as one JSON array. */
#include "internal.h"

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
    rb_utf8_fit(err->file, sizeof err->file,
                snprintf(err->file, sizeof err->file, "%s", file ? file : ""));
    err->line = line;
    err->col = col;
    snprintf(err->rule, sizeof err->rule, "%s", rule ? rule : "");
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    rb_utf8_fit(err->message, sizeof err->message, n); /* cut: not inside a character */
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
    RB_GROW(d->items, d->n, d->cap);
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
    rb_utf8_fit(msg, sizeof msg, vsnprintf(msg, sizeof msg, fmt, ap));
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
    /* FILE:LINE:COL: severity: message [rule]; a diagnostic about the whole file (line 0: it
     * cannot be opened, it is not a directory) has no position rather than a made-up :0:0. The
     * file name and the message go out as one line each (controls shown escaped). */
    rb_buf b;
    rb_buf_init(&b);
    rb_esc_line(&b, dg->file && *dg->file ? dg->file : "rulebook"); /* never an empty name */
    if (dg->line)
        rb_buf_printf(&b, ":%u:%u", dg->line, dg->col ? dg->col : 1);
    rb_buf_printf(&b, ": %s: ", rb_severity_name(dg->severity));
    rb_esc_line(&b, dg->message);
    if (dg->rule && dg->rule[0])
        rb_buf_printf(&b, " [%s]", dg->rule);
    rb_buf_putc(&b, '\n');
    fwrite(b.data, 1, b.len, out);
    rb_buf_free(&b);
}

void rb_diags_print_json(FILE *out, const rb_diags *d)
{
    rb_buf b;
    rb_buf_init(&b);
    rb_jw w;
    rb_jw_init(&w, &b);
    rb_jw_arr(&w);
    for (size_t i = 0; i < d->n; i++) {
        const rb_diag *dg = &d->items[i];
        rb_jw_ws(&w, "\n ");
        rb_jw_obj(&w);
        rb_jw_key(&w, "file");
        rb_jw_str(&w, dg->file);
        rb_jw_key(&w, "line");
        if (dg->line)
            rb_jw_int(&w, dg->line);
        else
            rb_jw_null(&w); /* about the whole file */
        rb_jw_key(&w, "column");
        if (dg->line)
            rb_jw_int(&w, dg->col ? dg->col : 1);
        else
            rb_jw_null(&w);
        rb_jw_key(&w, "severity");
        rb_jw_str(&w, rb_severity_name(dg->severity));
        rb_jw_key(&w, "message");
        rb_jw_str(&w, dg->message);
        rb_jw_key(&w, "rule");
        rb_jw_str(&w, dg->rule);
        rb_jw_end_obj(&w);
    }
    if (d->n)
        rb_jw_ws(&w, "\n");
    rb_jw_end_arr(&w);
    rb_buf_putc(&b, '\n');
    fwrite(b.data, 1, b.len, out);
    rb_buf_free(&b);
}
