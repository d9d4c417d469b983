/* batch.c: compile many files, in this process or in N worker processes.
 *
 * Each file is compiled and written on its own (memory is bounded by the largest document,
 * not by the corpus). With jobs > 1 the work is shared through a counter in shared memory;
 * each worker sends back, per file, its status and diagnostics over a pipe, as length-
 * prefixed records. The parent hands the results to the caller in input order, so the
 * output (diagnostics, exit status) is the same for any number of jobs. */
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *rb_batch_out_name(const char *dir, const char *input)
{
    char *name = rb_output_name(input, "xml");
    size_t dl = strlen(dir), l = dl + strlen(name) + 2;
    char *p = rb_xmalloc(l);
    snprintf(p, l, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name);
    free(name);
    return p;
}

/* Compile one file and write it where o says. Problems go to diags. */
static rb_status one(const rb_grammar *g, const char *file, const rb_batch_opts *o,
                     rb_diags *diags, rb_timings *tm)
{
    rb_error err;
    rb_error_clear(&err);
    rb_doc *d = NULL;
    rb_compile_opts co = o->compile;
    co.timings = tm;
    rb_status st = rb_compile_file(g, file, &co, &d, diags, &err);
    if (st == RB_OK && o->out_dir) {
        char *path = rb_batch_out_name(o->out_dir, file);
        double t0 = rb_now();
        st = rb_akn_write(d, path, &err);
        if (tm)
            tm->write += rb_now() - t0;
        free(path);
    }
    if (st != RB_OK)
        rb_diags_add_error(diags, &err);
    rb_doc_free(d);
    return st;
}

static size_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (size_t)st.st_size : 0;
}

/* ---- records on the pipe ------------------------------------------------------------------ */

enum { REC_FILE = 1, REC_TIMINGS = 2, REC_PATTERNS = 3 };

static void put_u32(rb_buf *b, uint32_t v) { rb_buf_put(b, &v, sizeof v); }
static void put_str(rb_buf *b, const char *s) { rb_buf_put(b, s ? s : "", strlen(s ? s : "") + 1); }

static void rec_file(rb_buf *b, size_t index, rb_status st, const rb_diags *dg)
{
    rb_buf body;
    rb_buf_init(&body);
    put_u32(&body, (uint32_t)index);
    put_u32(&body, (uint32_t)st);
    put_u32(&body, (uint32_t)dg->n);
    for (size_t i = 0; i < dg->n; i++) {
        const rb_diag *x = &dg->items[i];
        put_u32(&body, (uint32_t)x->severity);
        put_u32(&body, x->line);
        put_u32(&body, x->col);
        put_str(&body, x->file);
        put_str(&body, x->rule);
        put_str(&body, x->message);
    }
    put_u32(b, REC_FILE);
    put_u32(b, (uint32_t)body.len);
    rb_buf_put(b, body.data, body.len);
    rb_buf_free(&body);
}

static void rec_timings(rb_buf *b, const rb_timings *tm)
{
    put_u32(b, REC_TIMINGS);
    put_u32(b, (uint32_t)sizeof *tm);
    rb_buf_put(b, tm, sizeof *tm);
}

/* The worker's costs of the patterns (compile --stat=patterns): its records in the order of
 * the parent's, which made them before the fork. */
static void rec_patterns(rb_buf *b, const rb_grammar *g)
{
    put_u32(b, REC_PATTERNS);
    put_u32(b, (uint32_t)(g->nprof * 3 * 8));
    for (size_t i = 0; i < g->nprof; i++) {
        rb_buf_put(b, &g->prof[i].calls, 8);
        rb_buf_put(b, &g->prof[i].matches, 8);
        rb_buf_put(b, &g->prof[i].seconds, 8);
    }
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

typedef struct reader {
    const char *p, *end;
    int bad;
} reader;

static uint32_t get_u32(reader *r)
{
    uint32_t v = 0;
    if ((size_t)(r->end - r->p) < sizeof v) {
        r->bad = 1;
        return 0;
    }
    memcpy(&v, r->p, sizeof v);
    r->p += sizeof v;
    return v;
}

static const char *get_str(reader *r)
{
    const char *s = r->p;
    const char *z = r->p < r->end ? memchr(r->p, 0, (size_t)(r->end - r->p)) : NULL;
    if (!z) {
        r->bad = 1;
        return "";
    }
    r->p = z + 1;
    return s;
}

/* ---- results in input order ----------------------------------------------------------------- */

typedef struct result {
    int done;
    rb_status st;
    rb_diags diags;
} result;

typedef struct run {
    const rb_grammar *g;
    char **files;
    size_t n, next_report, ndone;
    size_t bytes_done, bytes_total;
    result *res;
    const rb_batch_opts *o;
    double t0;
} run;

static void deliver(run *R)
{
    while (R->next_report < R->n && R->res[R->next_report].done) {
        result *x = &R->res[R->next_report];
        if (R->o->on_file)
            R->o->on_file(R->next_report, R->files[R->next_report], x->st, &x->diags, R->o->ud);
        rb_diags_free(&x->diags);
        R->next_report++;
    }
}

static void finished(run *R, size_t i, rb_status st)
{
    R->res[i].done = 1;
    R->res[i].st = st;
    R->ndone++;
    if (R->o->on_progress) { /* the bytes done: a stat of the input, asked only here */
        R->bytes_done += file_size(R->files[i]);
        R->o->on_progress(R->ndone, R->n, R->bytes_done, rb_now() - R->t0, R->o->ud);
    }
    deliver(R);
}

static int parse_records(run *R, rb_buf *in, rb_timings *tm)
{
    size_t off = 0;
    while (in->len - off >= 8) {
        uint32_t kind, len;
        memcpy(&kind, in->data + off, 4);
        memcpy(&len, in->data + off + 4, 4);
        if (in->len - off - 8 < len)
            break;
        reader r = {in->data + off + 8, in->data + off + 8 + len, 0};
        if (kind == REC_TIMINGS && len == sizeof(rb_timings)) {
            rb_timings w;
            memcpy(&w, r.p, sizeof w);
            if (tm) {
                tm->source += w.source;
                tm->normalize += w.normalize;
                tm->parse += w.parse;
                tm->extract += w.extract;
                tm->write += w.write;
                tm->bytes += w.bytes;
                tm->files += w.files;
                tm->sentences += w.sentences;
                tm->sentences_matched += w.sentences_matched;
                tm->regex_calls += w.regex_calls;
                tm->facts += w.facts;
            }
        } else if (kind == REC_PATTERNS && len == R->g->nprof * 3 * 8) {
            for (size_t i = 0; i < R->g->nprof; i++) { /* (g's records, not g, are written) */
                uint64_t calls, matches;
                double secs;
                memcpy(&calls, r.p + 24 * i, 8);
                memcpy(&matches, r.p + 24 * i + 8, 8);
                memcpy(&secs, r.p + 24 * i + 16, 8);
                R->g->prof[i].calls += calls;
                R->g->prof[i].matches += matches;
                R->g->prof[i].seconds += secs;
            }
        } else if (kind == REC_FILE) {
            uint32_t idx = get_u32(&r), st = get_u32(&r), nd = get_u32(&r);
            if (r.bad || idx >= R->n || R->res[idx].done)
                return -1;
            for (uint32_t k = 0; k < nd && !r.bad; k++) {
                uint32_t sev = get_u32(&r), line = get_u32(&r), col = get_u32(&r);
                const char *file = get_str(&r), *rule = get_str(&r), *msg = get_str(&r);
                if (!r.bad)
                    rb_diags_add(&R->res[idx].diags, (rb_severity)sev, file, line, col, rule,
                                 "%s", msg);
            }
            if (r.bad)
                return -1;
            finished(R, idx, (rb_status)st);
        } else {
            return -1;
        }
        off += 8 + len;
    }
    memmove(in->data, in->data + off, in->len - off);
    in->len -= off;
    return 0;
}

static void worker(const rb_grammar *g, run *R, size_t *counter, int fd, int stat)
{
    rb_timings tm = {0};
    rb_buf b;
    rb_buf_init(&b);
    int ok = 1;
    for (;;) {
        size_t i = __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
        if (i >= R->n)
            break;
        rb_diags dg;
        rb_diags_init(&dg);
        rb_status st = one(g, R->files[i], R->o, &dg, stat ? &tm : NULL);
        b.len = 0;
        rec_file(&b, i, st, &dg);
        rb_diags_free(&dg);
        if (write_all(fd, b.data, b.len) < 0) {
            ok = 0;
            break;
        }
    }
    if (ok && stat) {
        b.len = 0;
        rec_timings(&b, &tm);
        if (g->profile)
            rec_patterns(&b, g);
        write_all(fd, b.data, b.len);
    }
    rb_buf_free(&b);
    close(fd);
}

rb_status rb_batch_compile(const rb_grammar *g, char **files, size_t n, const rb_batch_opts *o,
                           rb_timings *tm, rb_error *err)
{
    run R = {g, files, n, 0, 0, 0, 0, NULL, o, rb_now()};
    R.res = rb_xcalloc(n ? n : 1, sizeof *R.res);
    for (size_t i = 0; i < n; i++)
        rb_diags_init(&R.res[i].diags);
    size_t jobs = o->jobs < 1 ? 1 : (size_t)o->jobs;
    if (jobs > n)
        jobs = n ? n : 1;
    rb_status ret = RB_OK;
    if (jobs == 1) {
        for (size_t i = 0; i < n; i++) {
            rb_status st = one(g, files[i], o, &R.res[i].diags, tm);
            finished(&R, i, st);
        }
        goto done;
    }
    size_t *counter = mmap(NULL, sizeof *counter, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counter == MAP_FAILED) {
        ret = rb_error_set(err, RB_EIO, "batch", "rulebook", 0, 0, "jobs",
                           "cannot share work between processes: %s", strerror(errno));
        goto done;
    }
    *counter = 0;
    pid_t *pids = rb_xcalloc(jobs, sizeof *pids);
    struct pollfd *pf = rb_xcalloc(jobs, sizeof *pf);
    rb_buf *in = rb_xcalloc(jobs, sizeof *in);
    size_t started = 0;
    fflush(NULL);
    for (; started < jobs; started++) {
        int p[2];
        if (pipe(p) != 0)
            break;
        pid_t pid = fork();
        if (pid < 0) {
            close(p[0]);
            close(p[1]);
            break;
        }
        if (pid == 0) {
            signal(SIGPIPE, SIG_IGN);
            close(p[0]);
            for (size_t k = 0; k < started; k++)
                close(pf[k].fd);
            worker(g, &R, counter, p[1], tm != NULL);
            _exit(0);
        }
        close(p[1]);
        pids[started] = pid;
        pf[started].fd = p[0];
        pf[started].events = POLLIN;
        rb_buf_init(&in[started]);
    }
    if (started == 0) {
        ret = rb_error_set(err, RB_EIO, "batch", "rulebook", 0, 0, "jobs",
                           "cannot start worker processes: %s", strerror(errno));
    }
    size_t open_ = started;
    int broken = 0;
    while (open_ > 0) {
        if (poll(pf, started, -1) < 0) {
            if (errno == EINTR)
                continue;
            broken = 1;
            break;
        }
        for (size_t k = 0; k < started; k++) {
            if (pf[k].fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[65536];
            ssize_t r = read(pf[k].fd, chunk, sizeof chunk);
            if (r < 0 && errno == EINTR)
                continue;
            if (r > 0) {
                rb_buf_put(&in[k], chunk, (size_t)r);
                if (parse_records(&R, &in[k], tm) < 0)
                    broken = 1;
                continue;
            }
            close(pf[k].fd);
            pf[k].fd = -1;
            open_--;
        }
    }
    for (size_t k = 0; k < started; k++) {
        int status = 0;
        if (pf[k].fd >= 0)
            close(pf[k].fd);
        while (waitpid(pids[k], &status, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            broken = 1;
        rb_buf_free(&in[k]);
    }
    free(in);
    free(pf);
    free(pids);
    munmap(counter, sizeof *counter);
    /* files no worker reported (a worker died): an error each, in order */
    for (size_t i = 0; i < n; i++)
        if (!R.res[i].done) {
            rb_diags_add(&R.res[i].diags, RB_ERROR, files[i], 0, 0, "worker-died",
                         "the worker process compiling this file stopped before finishing");
            finished(&R, i, RB_EIO);
            broken = 1;
        }
    if (broken && ret == RB_OK)
        ret = rb_error_set(err, RB_EIO, "batch", "rulebook", 0, 0, "jobs",
                           "a worker process failed; see the errors above");
done:
    deliver(&R);
    for (size_t i = 0; i < n; i++)
        rb_diags_free(&R.res[i].diags);
    free(R.res);
    return ret;
}
