/* compile.c: the compile pipeline for one input, stage after stage:
 * source -> normalize -> parse (+ dedup) -> metadata sidecar. The caller writes the model
 * out (akn.c) or analyzes it (extract.c). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

double rb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void rb_compile_opts_default(rb_compile_opts *o)
{
    memset(o, 0, sizeof *o);
    rb_limits_default(&o->limits);
}

/* NAME from .../NAME.txt */
/* The id of a text without a sidecar: its file name without the extension, fit for file names
 * and URIs (what a sidecar's id must be): any other character becomes -. */
static char *base_id(const char *path)
{
    if (strcmp(path, "<stdin>") == 0)
        return rb_xstrdup("stdin");
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *dot = strrchr(b, '.');
    size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
    rb_buf id;
    rb_buf_init(&id);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = (size_t)rb_utf8_decode(b + i, n - i, &cp);
        int ok = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
                 cp == '_' || cp == '.' || (cp == '-' && id.len) || (cp >= 0x3400 && cp <= 0x9FFF);
        if (ok)
            rb_buf_put(&id, b + i, l ? l : 1);
        else if (id.len && id.data[id.len - 1] != '-')
            rb_buf_putc(&id, '-');
        i += l ? l : 1;
    }
    while (id.len && (id.data[id.len - 1] == '-' || id.data[id.len - 1] == '.'))
        id.data[--id.len] = 0;
    if (!id.len || id.data[0] == '.')
        rb_buf_puts(&id, "text");
    return rb_buf_detach(&id);
}

static char *sidecar_for(const char *path)
{
    const char *b = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    size_t n = dot && (!b || dot > b) ? (size_t)(dot - path) : strlen(path);
    char *s = rb_xmalloc(n + 6);
    memcpy(s, path, n);
    memcpy(s + n, ".yaml", 6);
    return s;
}

static rb_status analyze(const rb_grammar *g, rb_doc *d, const rb_compile_opts *o,
                         const char *path, rb_diags *diags, rb_error *err);

/* The view, then the model and facts (analyze). A document that is only written out holds a
 * traditional source as its view and the characters that differ meanwhile (a third of the
 * memory), and gets it back in the view's own buffer at the end: the peak of a traditional
 * text is then not two full copies of it. */
static rb_status finish(const rb_grammar *g, rb_doc *d, const rb_compile_opts *o,
                        const char *path, rb_diags *diags, rb_error *err)
{
    rb_timings *tm = o->timings;
    double t0 = tm ? rb_now() : 0;
    rb_status st = rb_view_build(d->src, &d->view, err);
    if (st != RB_OK)
        return st;
    if (o->write_only && d->src->len >= o->compact_from)
        rb_source_compact(d->src, d->view);
    if (tm)
        tm->normalize += rb_now() - t0;
    st = analyze(g, d, o, path, diags, err);
    if (d->src->patch) {
        rb_source_restore(d->src, d->view->text);
        d->view->text = NULL; /* the source's now */
    }
    return st;
}

static rb_status analyze(const rb_grammar *g, rb_doc *d, const rb_compile_opts *o,
                         const char *path, rb_diags *diags, rb_error *err)
{
    rb_timings *tm = o->timings;
    double t1 = tm ? rb_now() : 0;
    d->grammar_version = rb_xstrdup(g->version);
    d->max_articles = o->limits.max_articles;
    d->facts_store = o->facts_store;
    d->facts_text_lazy = o->write_only;
    rb_status st = rb_parse(g, d, diags, err);
    if (st != RB_OK)
        return st;
    double t2 = tm ? rb_now() : 0;
    if (tm) {
        tm->parse += t2 - t1;
        tm->bytes += d->src->raw_len;
        tm->files++;
    }
    if (d->narticles > o->limits.max_articles)
        return rb_error_set(err, RB_ELIMIT, "parse", d->name, 0, 0, "too-many-articles",
                            "%zu articles; the limit is %zu", d->narticles,
                            o->limits.max_articles);
    d->id = base_id(d->name);
    char *mp = NULL;
    if (o->meta_path)
        mp = rb_xstrdup(o->meta_path);
    else if (path && !o->no_meta) {
        mp = sidecar_for(path);
        /* a sidecar that is there but cannot be read is an error, not metadata lost */
        struct stat st_m;
        if (lstat(mp, &st_m) != 0) {
            free(mp);
            mp = NULL;
        }
    }
    if (mp) {
        rb_meta *m;
        st = rb_meta_load(mp, &m, err);
        free(mp);
        if (st != RB_OK)
            return st;
        rb_doc_apply_meta(d, m, diags);
        rb_meta_free(m);
    }
    if (!o->no_meta)
        rb_doc_guess_place(d);
    if (g->extract && !o->no_facts) {
        double t3 = tm ? rb_now() : 0;
        st = rb_extract(g, d, tm, err);
        if (tm)
            tm->extract += rb_now() - t3;
        if (st != RB_OK)
            return st;
    }
    if (!d->date)
        rb_diags_add(diags, RB_NOTE, d->name, 1, 1, "date-missing",
                     "no issuing date in the text or a sidecar (give one in %s.yaml)", d->id);
    if (d->src->encoding && strcmp(d->src->encoding, "UTF-8") != 0 &&
        strcmp(d->src->encoding, "UTF-8+BOM") != 0)
        rb_diags_add(diags, RB_NOTE, d->name, 1, 1, "encoding-converted",
                     "decoded from %s", d->src->encoding);
    return RB_OK;
}

rb_status rb_compile_bytes(const rb_grammar *g, const char *name, const char *bytes, size_t n,
                           const rb_compile_opts *opts, rb_doc **out, rb_diags *diags,
                           rb_error *err)
{
    rb_compile_opts def;
    if (!opts) {
        rb_compile_opts_default(&def);
        opts = &def;
    }
    *out = NULL;
    rb_doc *d = rb_doc_new();
    d->name = rb_xstrdup(name);
    rb_status st =
        rb_source_from_bytes_as(name, bytes, n, &opts->limits, !opts->no_digest, &d->src, err);
    if (st == RB_OK)
        st = finish(g, d, opts, NULL, diags, err);
    if (st != RB_OK) {
        rb_doc_free(d);
        return st;
    }
    *out = d;
    return RB_OK;
}

rb_status rb_compile_file(const rb_grammar *g, const char *path, const rb_compile_opts *opts,
                          rb_doc **out, rb_diags *diags, rb_error *err)
{
    rb_compile_opts def;
    if (!opts) {
        rb_compile_opts_default(&def);
        opts = &def;
    }
    *out = NULL;
    rb_doc *d = rb_doc_new();
    int from_stdin = strcmp(path, "-") == 0;
    d->name = rb_xstrdup(from_stdin ? "<stdin>" : path);
    double t0 = opts->timings ? rb_now() : 0;
    rb_status st = rb_source_load_as(path, &opts->limits, !opts->no_digest, &d->src, err);
    if (opts->timings)
        opts->timings->source += rb_now() - t0;
    if (st == RB_OK) /* standard input has no sidecar beside it (--meta gives one) */
        st = finish(g, d, opts, from_stdin ? NULL : path, diags, err);
    if (st != RB_OK) {
        rb_doc_free(d);
        return st;
    }
    *out = d;
    return RB_OK;
}
