/* buf.c: growable byte buffers, checked allocation, and atomic file output (temp file in
 * the target directory, fsync, rename) shared by every stage that writes a file. */
#include "model.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void *rb_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("rulebook: error: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *rb_xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p) {
        fputs("rulebook: error: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *rb_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("rulebook: error: out of memory\n", stderr);
        abort();
    }
    return q;
}

char *rb_xstrdup(const char *s) { return rb_xstrndup(s, strlen(s)); }

char *rb_xstrndup(const char *s, size_t n)
{
    char *p = rb_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void rb_buf_init(rb_buf *b) { memset(b, 0, sizeof *b); }

void rb_buf_free(rb_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static void buf_grow(rb_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = rb_xrealloc(b->data, cap);
    b->cap = cap;
}

void rb_buf_put(rb_buf *b, const void *p, size_t n)
{
    buf_grow(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void rb_buf_puts(rb_buf *b, const char *s) { rb_buf_put(b, s, strlen(s)); }

void rb_buf_putc(rb_buf *b, char c) { rb_buf_put(b, &c, 1); }

void rb_buf_printf(rb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    buf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void rb_buf_json_str(rb_buf *b, const char *s, size_t n)
{
    rb_buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rb_buf_put(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': rb_buf_puts(b, "\\\""); break;
        case '\\': rb_buf_puts(b, "\\\\"); break;
        case '\n': rb_buf_puts(b, "\\n"); break;
        case '\r': rb_buf_puts(b, "\\r"); break;
        case '\t': rb_buf_puts(b, "\\t"); break;
        default: rb_buf_printf(b, "\\u%04x", c); break;
        }
    }
    rb_buf_put(b, s + run, n - run);
    rb_buf_putc(b, '"');
}

char *rb_buf_detach(rb_buf *b)
{
    if (!b->data)
        rb_buf_put(b, "", 0);
    char *p = b->data;
    if (b->cap > 2 * b->len + 64) /* detached strings live long: give the slack back */
        p = rb_xrealloc(p, b->len + 1);
    memset(b, 0, sizeof *b);
    return p;
}

rb_status rb_atomic_open(rb_atomic *a, const char *path, rb_error *err)
{
    memset(a, 0, sizeof *a);
    a->fd = -1;
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        /* /dev/null, /dev/stdout, a FIFO: write in place; renaming over it would replace
         * the device with a regular file */
        if (S_ISDIR(sb.st_mode))
            return rb_error_set(err, RB_EIO, "output", path, 0, 0, "io-write",
                                "is a directory; name a file (or give several inputs)");
        a->fd = open(path, O_WRONLY | O_TRUNC);
        if (a->fd < 0)
            return rb_error_set(err, RB_EIO, "output", path, 0, 0, "io-write",
                                "cannot open for writing: %s", strerror(errno));
        return RB_OK; /* no tmp_path: commit closes, abort closes */
    }
    size_t n = strlen(path);
    a->final_path = rb_xstrdup(path);
    a->tmp_path = rb_xmalloc(n + 16);
    snprintf(a->tmp_path, n + 16, "%s.tmp.XXXXXX", path);
    a->fd = mkstemp(a->tmp_path);
    if (a->fd < 0) {
        rb_status st = rb_error_set(err, RB_EIO, "output", path, 0, 0, "io-write",
                                    "cannot create a temporary file beside the output: %s",
                                    strerror(errno));
        free(a->final_path);
        free(a->tmp_path);
        memset(a, 0, sizeof *a);
        a->fd = -1;
        return st;
    }
    fchmod(a->fd, 0644);
    return RB_OK;
}

rb_status rb_atomic_commit(rb_atomic *a, rb_error *err)
{
    rb_status st = RB_OK;
    if (a->fd >= 0 && close(a->fd) != 0)
        st = rb_error_set(err, RB_EIO, "output", a->final_path, 0, 0, "io-write",
                          "cannot write output: %s", strerror(errno));
    a->fd = -1;
    if (!a->tmp_path) /* written in place */
        return st;
    if (st == RB_OK && rename(a->tmp_path, a->final_path) != 0)
        st = rb_error_set(err, RB_EIO, "output", a->final_path, 0, 0, "io-write",
                          "cannot move the output into place: %s", strerror(errno));
    if (st != RB_OK)
        unlink(a->tmp_path);
    free(a->final_path);
    free(a->tmp_path);
    a->final_path = a->tmp_path = NULL;
    return st;
}

void rb_atomic_abort(rb_atomic *a)
{
    if (a->fd >= 0)
        close(a->fd);
    if (a->tmp_path)
        unlink(a->tmp_path);
    free(a->final_path);
    free(a->tmp_path);
    a->final_path = a->tmp_path = NULL;
    a->fd = -1;
}

rb_status rb_write_atomic(const char *path, const char *data, size_t len, rb_error *err)
{
    rb_atomic a;
    rb_status st = rb_atomic_open(&a, path, err);
    if (st != RB_OK)
        return st;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(a.fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            st = rb_error_set(err, RB_EIO, "output", path, 0, 0, "io-write",
                              "cannot write output: %s", strerror(errno));
            rb_atomic_abort(&a);
            return st;
        }
        off += (size_t)w;
    }
    return rb_atomic_commit(&a, err);
}
