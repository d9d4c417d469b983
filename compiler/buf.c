/* buf.c: growable byte buffers and checked allocation, shared by every stage. */
#include "model.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A large block (a text of many megabytes, its view, the model's largest arrays) is asked to
 * be backed by transparent huge pages: every 4 KiB page is otherwise a fault when first
 * touched, which on a virtual machine costs microseconds (67,000 of them for a 100 MB text
 * with facts: a quarter of its compile on this project's machine, BENCHMARKS.md), where a
 * 2 MiB page is one fault for 512 of them. Such a block has a mapping of its own (main.c sets
 * the threshold), and the advice covers all its pages: advice on a part would split the
 * mapping, and a split mapping cannot be grown in place (mremap fails, realloc copies). Where
 * the kernel has no THP or has it "never", madvise fails and nothing changes. */
#define HUGE_FROM ((size_t)4 << 20)

static void *advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    static uintptr_t page;
    if (n >= HUGE_FROM) {
        if (!page) {
            long ps = sysconf(_SC_PAGESIZE);
            page = ps > 0 ? (uintptr_t)ps : 4096;
        }
        uintptr_t a = (uintptr_t)p & ~(page - 1);
        uintptr_t e = ((uintptr_t)p + n + page - 1) & ~(page - 1);
        madvise((void *)a, e - a, MADV_HUGEPAGE);
    }
#endif
    return p;
}

static void out_of_memory(void)
{
    fputs("rulebook: error: out of memory\n", stderr);
    abort();
}

/* A block of n bytes (n >= HUGE_FROM) that is never grown, starting on a 2 MiB boundary: a
 * mapping of malloc's starts where the kernel puts it, and only the 2 MiB pieces that lie
 * whole inside it can be huge pages (of a 4 MB block, one: the other half was 512 faults).
 * Aligned, a block of a whole number of 2 MiB is all huge pages. Its mapping starts up to
 * 2 MiB before it, untouched (no memory), and the advice covers the block alone. */
#define HUGE_PAGE ((size_t)2 << 20)

static void *huge_block(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, n) != 0 || !p)
        out_of_memory();
    return advise_huge(p, n);
}

void *rb_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return advise_huge(p, n);
}

void *rb_xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p)
        out_of_memory();
    return advise_huge(p, n * sz); /* calloc checked the product */
}

void *rb_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory();
    return advise_huge(q, n);
}

char *rb_xstrdup(const char *s) { return rb_xstrndup(s, strlen(s)); }

char *rb_xstrndup(const char *s, size_t n)
{
    char *p = rb_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* ---- arena: the strings and item arrays of a document's facts (model.h) ---- */

struct rb_arena_block {
    struct rb_arena_block *next;
    size_t used, cap;
    max_align_t data[]; /* cap bytes, aligned as malloc's */
};

/* Blocks double from the first to the last size: a small document's facts take a few KB (the
 * thousands of rulebooks compare keeps share one arena: rb_factstore), a large one's blocks
 * of 4 MB, which are mapped on their own, on 2 MiB boundaries and on huge pages (huge_block;
 * only their touched pages are resident). */
#define ARENA_FIRST 4096
#define ARENA_BLOCK ((size_t)4 << 20)

/* the arena that does a's work: its pool's, when it hands on to one */
static rb_arena *doer(const rb_arena *a) { return (rb_arena *)(a->pool ? a->pool : a); }

/* n bytes at the given alignment (1 for strings) */
static char *arena_take(rb_arena *a, size_t n, size_t align)
{
    a = doer(a);
    struct rb_arena_block *b = a->head;
    size_t at = b ? (b->used + align - 1) & ~(align - 1) : 0;
    if (!b || at > b->cap || b->cap - at < n) { /* a new block (a large piece: its own) */
        /* the largest blocks are 4 MB with their head: two huge pages exactly */
        size_t full = ARENA_BLOCK - sizeof(struct rb_arena_block);
        size_t cap = !b ? ARENA_FIRST : b->cap >= ARENA_BLOCK / 2 ? full : 2 * b->cap;
        if (cap < n)
            cap = n;
        struct rb_arena_block *nb = cap >= full ? huge_block(sizeof *nb + cap)
                                                : rb_xmalloc(sizeof *nb + cap);
        nb->used = 0;
        nb->cap = cap;
        nb->next = b;
        a->head = nb;
        b = nb;
        at = 0;
    }
    char *p = (char *)b->data + at;
    b->used = at + n;
    return p;
}

char *rb_arena_chars(rb_arena *a, size_t n)
{
    char *p = arena_take(a, n + 1, 1);
    p[n] = 0;
    return p;
}

char *rb_arena_strndup(rb_arena *a, const char *s, size_t n)
{
    char *p = rb_arena_chars(a, n);
    memcpy(p, s, n);
    return p;
}

void *rb_arena_alloc(rb_arena *a, size_t n) { return arena_take(a, n ? n : 1, 16); }

void *rb_arena_push(rb_arena *a, void *p, size_t n, size_t sz)
{
    if (n & (n - 1))
        return p; /* room up to the next power of two */
    void *q = rb_arena_alloc(a, (n ? 2 * n : 1) * sz);
    if (n)
        memcpy(q, p, n * sz);
    return q;
}

char *rb_arena_intern(rb_arena *a, const char *s)
{
    a = doer(a);
    size_t k = rb_smap_get(&a->interned, s);
    if (k != (size_t)-1)
        return a->istr[k];
    /* kept apart from the blocks: a release never takes it back */
    RB_GROW(a->istr, a->nistr, a->cistr);
    char *copy = a->istr[a->nistr] = rb_xstrdup(s);
    int fresh;
    *rb_smap_slot(&a->interned, copy, &fresh) = a->nistr++;
    return copy;
}

rb_arena_mark rb_arena_mark_now(const rb_arena *a)
{
    a = doer(a);
    rb_arena_mark m = {a->head, a->head ? a->head->used : 0};
    return m;
}

void rb_arena_release(rb_arena *a, rb_arena_mark m)
{
    a = doer(a);
    while (a->head && a->head != m.head) {
        struct rb_arena_block *n = a->head->next;
        free(a->head);
        a->head = n;
    }
    if (a->head)
        a->head->used = m.used;
}

char *rb_arena_strdup(rb_arena *a, const char *s) { return rb_arena_strndup(a, s, strlen(s)); }

char *rb_arena_take(rb_arena *a, char *s)
{
    if (!s)
        return NULL;
    char *p = rb_arena_strdup(a, s);
    free(s);
    return p;
}

void rb_arena_free(rb_arena *a)
{
    for (struct rb_arena_block *b = a->head, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    for (size_t i = 0; i < a->nistr; i++)
        free(a->istr[i]);
    free(a->istr);
    rb_smap_free(&a->interned);
    memset(a, 0, sizeof *a);
}

int rb_arena_holds(const rb_arena *a, const void *p)
{
    a = doer(a);
    for (const struct rb_arena_block *b = a->head; b; b = b->next) {
        const char *lo = (const char *)b->data;
        if ((const char *)p >= lo && (const char *)p < lo + b->cap)
            return 1;
    }
    return 0;
}

rb_factstore *rb_factstore_new(void) { return rb_xcalloc(1, sizeof(rb_factstore)); }

void rb_factstore_free(rb_factstore *s)
{
    if (!s)
        return;
    rb_arena_free(&s->arena);
    free(s);
}

void rb_buf_init(rb_buf *b) { memset(b, 0, sizeof *b); }

void rb_buf_free(rb_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static void spill(rb_buf *b)
{
    if (b->len && !b->sink_failed && b->sink(b->sink_ctx, b->data, b->len) != 0)
        b->sink_failed = 1;
    b->len = 0;
    b->data[0] = 0;
}

static void buf_grow(rb_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    if (b->sink && b->cap >= RB_BUF_SPILL) {
        spill(b);
        if (extra + 1 <= b->cap)
            return;
    }
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

char *rb_buf_extend(rb_buf *b, size_t n)
{
    buf_grow(b, n);
    char *p = b->data + b->len;
    b->len += n;
    b->data[b->len] = 0;
    return p;
}

void rb_buf_puts(rb_buf *b, const char *s) { rb_buf_put(b, s, strlen(s)); }

void rb_buf_putc(rb_buf *b, char c) { rb_buf_put(b, &c, 1); }

const char *rb_int_digits(char d[24], long long v, size_t *n)
{
    char *e = d + 24, *p = e;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *--p = '-';
    *n = (size_t)(e - p);
    return p;
}

void rb_buf_put_int(rb_buf *b, long long v)
{
    char d[24];
    size_t n;
    const char *p = rb_int_digits(d, v, &n);
    rb_buf_put(b, p, n);
}

const char *rb_buf_cstr(rb_buf *b)
{
    buf_grow(b, 0);
    b->data[b->len] = 0;
    return b->data;
}

void rb_buf_vprintf(rb_buf *b, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return;
    buf_grow(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void rb_buf_printf(rb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rb_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void rb_buf_spill_to(rb_buf *b, int (*sink)(void *ctx, const char *p, size_t n), void *ctx)
{
    b->sink = sink;
    b->sink_ctx = ctx;
    b->sink_failed = 0;
}

int rb_buf_spill_end(rb_buf *b)
{
    if (b->sink && b->data)
        spill(b);
    int failed = b->sink && b->sink_failed;
    b->sink = NULL;
    b->sink_ctx = NULL;
    b->sink_failed = 0;
    return failed ? -1 : 0;
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

char *rb_xasprintf(const char *fmt, ...)
{
    rb_buf b;
    rb_buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    rb_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return rb_buf_detach(&b);
}
