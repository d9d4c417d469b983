/* output.c: where every command's output goes, and how it gets there. One rule for all:
 * -o FILE writes FILE atomically (a temporary file beside it, then rename, so a reader never
 * sees half a file and a failed write leaves the old one), -o DIR writes DIR/NAME (a file per
 * input, or the command's own file), -o - and no -o write standard output. A target that is not
 * a regular file (/dev/null, a FIFO) is written in place, never replaced. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the inputs of the run: never written over ----------------------------------------------- */

static struct protected_file {
    dev_t dev;
    ino_t ino;
} *prot;
static size_t nprot, cprot, nsorted; /* prot[0..nsorted) is sorted: a run of 20,000 inputs
                                      * asks for each of its 20,000 outputs */

void rb_output_protect(const char *path)
{
    struct stat st;
    if (path && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        RB_GROW(prot, nprot, cprot);
        prot[nprot].dev = st.st_dev;
        prot[nprot].ino = st.st_ino;
        nprot++;
    }
}

static int prot_cmp(const void *a, const void *b)
{
    const struct protected_file *x = a, *y = b;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int is_protected(const struct stat *st)
{
    if (nsorted != nprot) { /* files protected since the last question: sorted anew */
        qsort(prot, nprot, sizeof *prot, prot_cmp);
        nsorted = nprot;
    }
    struct protected_file key = {st->st_dev, st->st_ino};
    return nprot && bsearch(&key, prot, nprot, sizeof *prot, prot_cmp) != NULL;
}

/* ---- temporary files: removed when a signal ends the run ------------------------------------ */

#define MAX_LIVE 64
static char *volatile live[MAX_LIVE]; /* the temporary files open now */

static void on_signal(int sig)
{
    for (size_t i = 0; i < MAX_LIVE; i++)
        if (live[i])
            unlink(live[i]); /* async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

void rb_output_install_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGXFSZ, SIGPIPE};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

static void live_add(char *p)
{
    for (size_t i = 0; i < MAX_LIVE; i++)
        if (!live[i]) {
            live[i] = p;
            return;
        }
}

static void live_remove(const char *p)
{
    for (size_t i = 0; i < MAX_LIVE; i++)
        if (live[i] == p)
            live[i] = NULL;
}

/* The umask, asked once: asking sets it, so it takes two system calls, and nothing in the
 * process changes it. */
static mode_t umask_seen;
static pthread_once_t umask_once = PTHREAD_ONCE_INIT;
static void umask_ask(void)
{
    umask_seen = umask(0);
    umask(umask_seen);
}
static mode_t process_umask(void)
{
    pthread_once(&umask_once, umask_ask);
    return umask_seen;
}

rb_status rb_atomic_open(rb_atomic *a, const char *path, rb_error *err)
{
    memset(a, 0, sizeof *a);
    a->fd = -1;
    /* a symbolic link stays one: the file it points to is written */
    char *resolved = NULL;
    struct stat sb; /* of the file written: lstat's answer unless path is a link */
    int exists = lstat(path, &sb) == 0;
    if (exists && S_ISLNK(sb.st_mode)) {
        resolved = realpath(path, NULL);
        if (!resolved)
            return rb_error_set(err, RB_EIO, "output", path, 0, 0, "io-write",
                                "a symbolic link to a missing file: %s", strerror(errno));
        exists = stat(resolved, &sb) == 0;
    }
    const char *target = resolved ? resolved : path;
    if (exists && is_protected(&sb)) {
        free(resolved);
        return rb_error_set(err, RB_EUSAGE, "output", path, 0, 0, "io-write",
                            "is an input of this run: it is not written over");
    }
    if (exists && !S_ISREG(sb.st_mode)) {
        /* /dev/null, /dev/stdout, a FIFO: write in place; renaming over it would replace
         * the device with a regular file */
        free(resolved);
        if (S_ISDIR(sb.st_mode))
            return rb_error_set(err, RB_EIO, "output", path, 0, 0, "io-write",
                                "is a directory; name a file (or give several inputs)");
        a->fd = open(path, O_WRONLY | O_TRUNC);
        if (a->fd < 0)
            return rb_error_set(err, RB_EIO, "output", path, 0, 0, "io-write",
                                "cannot open for writing: %s", strerror(errno));
        return RB_OK; /* no tmp_path: commit closes, abort closes */
    }
    /* the new file keeps the old one's mode; a new one gets 0666 less the umask; a read-only
     * file is not replaced */
    mode_t mode;
    if (exists) {
        if (!(sb.st_mode & 0222)) {
            free(resolved);
            return rb_error_set(err, RB_EIO, "output", path, 0, 0, "io-write",
                                "is read-only: it is not replaced");
        }
        mode = sb.st_mode & 07777;
    } else {
        mode = 0666 & ~process_umask();
    }
    size_t n = strlen(target);
    a->final_path = resolved ? resolved : rb_xstrdup(path);
    a->tmp_path = rb_xmalloc(n + 16);
    snprintf(a->tmp_path, n + 16, "%s.tmp.XXXXXX", target);
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
    live_add(a->tmp_path);
    fchmod(a->fd, mode);
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
    live_remove(a->tmp_path);
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
    live_remove(a->tmp_path);
    free(a->final_path);
    free(a->tmp_path);
    a->final_path = a->tmp_path = NULL;
    a->fd = -1;
}

/* Every byte of p[0..n) to fd: 0, or the errno of the write that failed. */
static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

rb_status rb_write_atomic(const char *path, const char *data, size_t len, rb_error *err)
{
    rb_atomic a;
    rb_status st = rb_atomic_open(&a, path, err);
    if (st != RB_OK)
        return st;
    int e = write_all(a.fd, data, len);
    if (e) {
        st = rb_error_set(err, RB_EIO, "output", path, 0, 0, "io-write",
                          "cannot write output: %s", strerror(e));
        rb_atomic_abort(&a);
        return st;
    }
    return rb_atomic_commit(&a, err);
}

int rb_output_is_stdout(const char *out) { return !out || strcmp(out, "-") == 0; }

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *rb_output_path(const char *out, const char *name)
{
    if (rb_output_is_stdout(out))
        return NULL;
    if (!name || !is_dir(out))
        return rb_xstrdup(out);
    size_t dl = strlen(out), l = dl + strlen(name) + 2;
    char *p = rb_xmalloc(l);
    snprintf(p, l, "%s%s%s", out, dl && out[dl - 1] == '/' ? "" : "/", name);
    return p;
}

char *rb_output_name(const char *input, const char *ext)
{
    if (strcmp(input, "-") == 0 || strcmp(input, "<stdin>") == 0)
        input = "stdin";
    const char *b = strrchr(input, '/');
    b = b ? b + 1 : input;
    const char *dot = strrchr(b, '.');
    size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
    size_t l = n + strlen(ext) + 2;
    char *p = rb_xmalloc(l);
    snprintf(p, l, "%.*s.%s", (int)n, b, ext);
    return p;
}

typedef struct named {
    const char *name;
    size_t i;
} named;

static int named_cmp(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : x->i < y->i ? -1 : x->i > y->i;
}

int rb_output_clash(const char *const *names, size_t n, size_t *first, size_t *second)
{
    named *v = rb_xmalloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (named){names[i], i};
    qsort(v, n, sizeof *v, named_cmp);
    /* in each run of one name, its inputs in order: the clash is the run whose second
     * input comes first, with the run's first (a later one of a run never comes before its
     * second, and then v[i - 1] is the run's first) */
    size_t best = (size_t)-1, with = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i].i < best && strcmp(v[i].name, v[i - 1].name) == 0) {
            best = v[i].i;
            with = v[i - 1].i;
        }
    free(v);
    if (best == (size_t)-1)
        return 0;
    *first = with;
    *second = best;
    return 1;
}

rb_status rb_write_output(const char *out, const char *name, const char *data, size_t len,
                          rb_error *err)
{
    if (rb_output_is_stdout(out)) {
        if (len && fwrite(data, 1, len, stdout) != len)
            return rb_error_set(err, RB_EIO, "output", "<stdout>", 0, 0, "io-write",
                                "cannot write the output: %s", strerror(errno));
        if (fflush(stdout) != 0)
            return rb_error_set(err, RB_EIO, "output", "<stdout>", 0, 0, "io-write",
                                "cannot write the output: %s", strerror(errno));
        return RB_OK;
    }
    char *path = rb_output_path(out, name);
    rb_status st = rb_write_atomic(path, data ? data : "", len, err);
    free(path);
    return st;
}

static int out_sink(void *ctx, const char *p, size_t n)
{
    rb_out *o = ctx;
    if (o->to_stdout) {
        if (fwrite(p, 1, n, stdout) != n) {
            o->err_no = errno ? errno : EIO;
            return -1;
        }
        return 0;
    }
    o->err_no = write_all(o->a.fd, p, n);
    return o->err_no ? -1 : 0;
}

rb_status rb_out_open(rb_out *o, const char *out, const char *name, rb_buf *b, rb_error *err)
{
    memset(o, 0, sizeof *o);
    o->a.fd = -1;
    o->to_stdout = rb_output_is_stdout(out);
    if (!o->to_stdout) {
        o->path = rb_output_path(out, name);
        rb_status st = rb_atomic_open(&o->a, o->path, err);
        if (st != RB_OK) {
            free(o->path);
            o->path = NULL;
            return st;
        }
    }
    rb_buf_spill_to(b, out_sink, o);
    return RB_OK;
}

rb_status rb_out_close(rb_out *o, rb_buf *b, rb_error *err)
{
    rb_status st = RB_OK;
    if (rb_buf_spill_end(b) != 0 || (o->to_stdout && fflush(stdout) != 0)) {
        int e = o->err_no ? o->err_no : errno;
        st = rb_error_set(err, RB_EIO, "output", o->path ? o->path : "<stdout>", 0, 0,
                          "io-write", "cannot write the output: %s", strerror(e));
        if (!o->to_stdout)
            rb_atomic_abort(&o->a);
    } else if (!o->to_stdout) {
        st = rb_atomic_commit(&o->a, err);
    }
    free(o->path);
    o->path = NULL;
    return st;
}
