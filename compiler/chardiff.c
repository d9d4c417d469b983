/* chardiff.c: Myers' O((N+M)D) difference of two code-point sequences. Chinese has no
 * spaces, so the unit of comparison is the character. Used by the duplicate-run stage to
 * tell an injected insertion from a real difference, and by `diff` inside modified articles. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

size_t rb_utf8_to_cps_in(const char *s, size_t n, uint32_t *c, size_t *o, size_t base)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int l = rb_utf8_decode(s + i, n - i, &cp);
        if (!(cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v')) {
            c[k] = cp;
            if (o)
                o[k] = base + i;
            k++;
        }
        i += (size_t)l;
    }
    return k;
}

size_t rb_utf8_to_cps(const char *s, size_t n, uint32_t **cps, size_t **offs)
{
    uint32_t *c = rb_xmalloc((n + 1) * sizeof *c);
    size_t *o = offs ? rb_xmalloc((n + 1) * sizeof *o) : NULL;
    size_t k = rb_utf8_to_cps_in(s, n, c, o, 0);
    *cps = c;
    if (offs)
        *offs = o;
    return k;
}

static void push(rb_edit **v, size_t *n, size_t *cap, rb_edit_op op, size_t a, size_t b)
{
    if (*n && (*v)[*n - 1].op == op) {
        rb_edit *e = &(*v)[*n - 1];
        /* runs are emitted backwards: extend towards the start */
        e->a = a;
        e->b = b;
        e->n++;
        return;
    }
    RB_GROW(*v, *n, *cap);
    (*v)[*n].op = op;
    (*v)[*n].a = a;
    (*v)[*n].b = b;
    (*v)[*n].n = 1;
    (*n)++;
}

/* (the greedy match: each character of the longer is matched or skipped) */
int rb_chardiff_nested(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    if (na > nb) {
        const uint32_t *t = a;
        a = b;
        b = t;
        size_t tn = na;
        na = nb;
        nb = tn;
    }
    size_t x = 0;
    for (size_t y = 0; y < nb && x < na; y++)
        x += a[x] == b[y];
    return x == na;
}

/* Append a run, extending the last one when it has the same operation. */
static void put_run(rb_edit **v, size_t *n, size_t *cap, rb_edit_op op, size_t a, size_t b,
                    size_t len)
{
    if (*n && (*v)[*n - 1].op == op) {
        (*v)[*n - 1].n += len;
        return;
    }
    RB_GROW(*v, *n, *cap);
    (*v)[(*n)++] = (rb_edit){op, a, b, len};
}

/* The script of two texts one of which is the other with characters inserted (A and B past
 * their common prefix pre and suffix suf): Myers' search then keeps to the edge diagonal (-d
 * when B is the longer, +d when A is), each step one edit and a run of equal characters, and
 * its script is the greedy match of the shorter in the longer. Found in one pass here, without
 * the trace of about D^2 cells; the same runs, in the same order, as the search gives. */
static size_t nested_script(const uint32_t *A, size_t N, const uint32_t *B, size_t M,
                            size_t pre, size_t suf, size_t na, size_t nb, rb_edit **out)
{
    rb_edit *res = NULL;
    size_t nr = 0, cap = 0;
    if (pre)
        put_run(&res, &nr, &cap, RB_EQ, 0, 0, pre);
    size_t x = 0, y = 0;
    for (;;) {
        size_t x0 = x, y0 = y;
        while (x < N && y < M && A[x] == B[y]) {
            x++;
            y++;
        }
        if (x > x0)
            put_run(&res, &nr, &cap, RB_EQ, pre + x0, pre + y0, x - x0);
        if (M > N ? y == M : x == N)
            break; /* the longer's end (nested: the shorter's too) */
        if (M > N) /* B[y] inserted */
            put_run(&res, &nr, &cap, RB_INS, pre + x, pre + y++, 1);
        else /* A[x] deleted */
            put_run(&res, &nr, &cap, RB_DEL, pre + x++, pre + y, 1);
    }
    if (suf)
        put_run(&res, &nr, &cap, RB_EQ, na - suf, nb - suf, suf);
    if (!res)
        res = rb_xmalloc(sizeof *res);
    *out = res;
    return nr;
}

/* Myers' forward search from (0, 0) to (N, M): the number of edits, or -1 when more than D.
 * With trace, V before each step d is kept in *trace, diagonals -d-1 .. d+1 only (the
 * backtrack reads no others): rows take d^2 + 2d cells before row d, so D steps need about
 * D^2 cells, not 2D^2, and the trace grows by doubling rather than one realloc per step.
 * Without it the search takes O(D) memory. */
static long forward(const uint32_t *A, long N, const uint32_t *B, long M, long D,
                    int32_t **trace)
{
    long off = D + 1;
    size_t width = (size_t)(2 * D + 3);
    int32_t *V = rb_xcalloc(width, sizeof *V);
    size_t tcap = 0;
    long found = -1;
    V[off + 1] = 0;
    for (long d = 0; d <= D && found < 0; d++) {
        if (trace) {
            size_t row = (size_t)d * (size_t)d + 2 * (size_t)d, rowlen = 2 * (size_t)d + 3;
            if (row + rowlen > tcap) {
                tcap = tcap ? 2 * tcap : 1024;
                while (tcap < row + rowlen)
                    tcap *= 2;
                *trace = rb_xrealloc(*trace, tcap * sizeof **trace);
            }
            memcpy(*trace + row, V + off - d - 1, rowlen * sizeof *V);
        }
        for (long k = -d; k <= d; k += 2) {
            long x;
            if (k == -d || (k != d && V[off + k - 1] < V[off + k + 1]))
                x = V[off + k + 1];
            else
                x = V[off + k - 1] + 1;
            long y = x - k;
            while (x < N && y < M && A[x] == B[y]) {
                x++;
                y++;
            }
            V[off + k] = (int32_t)x;
            if (x >= N && y >= M) {
                found = d;
                break;
            }
        }
    }
    free(V);
    return found;
}

static size_t prefix_len(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t p = 0;
    while (p < na && p < nb && a[p] == b[p])
        p++;
    return p;
}

/* The common prefix and suffix of a and b (they need no search). */
static void common_ends(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, size_t *pre,
                        size_t *suf)
{
    size_t p = prefix_len(a, na, b, nb);
    size_t s = 0;
    while (s < na - p && s < nb - p && a[na - 1 - s] == b[nb - 1 - s])
        s++;
    *pre = p;
    *suf = s;
}

/* For every way in: the texts (an empty one may come as NULL), their common prefix *pre and
 * suffix *suf; returns the bound, at most their lengths together. */
static size_t prepare(const uint32_t **a, size_t na, const uint32_t **b, size_t nb, size_t max_d,
                      size_t *pre, size_t *suf)
{
    static const uint32_t none[1];
    if (!*a)
        *a = none;
    if (!*b)
        *b = none;
    common_ends(*a, na, *b, nb, pre, suf);
    return max_d < na + nb ? max_d : na + nb;
}

size_t rb_chardiff_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                            size_t max_d)
{
    size_t pre, suf;
    max_d = prepare(&a, na, &b, nb, max_d, &pre, &suf);
    size_t N = na - pre - suf, M = nb - pre - suf;
    if (rb_chardiff_nested(a + pre, N, b + pre, M)) { /* the length difference is the distance */
        size_t d = N > M ? N - M : M - N;
        return d <= max_d ? d : (size_t)-1;
    }
    long d = forward(a + pre, (long)N, b + pre, (long)M, (long)max_d, NULL);
    return d < 0 ? (size_t)-1 : (size_t)d;
}

static size_t search(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, size_t max_d,
                     size_t pre, size_t suf, rb_edit **out);

int rb_chardiff_classify(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                         size_t max_nested, size_t max_apart, rb_edit **out, size_t *nout,
                         size_t *pre)
{
    *out = NULL;
    *nout = 0;
    size_t suf, lim = prepare(&a, na, &b, nb, (size_t)-1, pre, &suf);
    size_t N = na - *pre - suf, M = nb - *pre - suf;
    if (rb_chardiff_nested(a + *pre, N, b + *pre, M)) {
        if ((N > M ? N - M : M - N) > max_nested)
            return -1;
        *nout = nested_script(a + *pre, N, b + *pre, M, *pre, suf, na, nb, out);
        return 1;
    }
    long d = forward(a + *pre, (long)N, b + *pre, (long)M,
                     (long)(max_apart < lim ? max_apart : lim), NULL);
    return d < 0 ? -1 : 0;
}

size_t rb_chardiff(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, size_t max_d,
                   rb_edit **out)
{
    *out = NULL;
    size_t pre, suf;
    max_d = prepare(&a, na, &b, nb, max_d, &pre, &suf);
    size_t N = na - pre - suf, M = nb - pre - suf;
    if (!rb_chardiff_nested(a + pre, N, b + pre, M))
        return search(a, na, b, nb, max_d, pre, suf, out);
    if ((N > M ? N - M : M - N) > max_d)
        return (size_t)-1;
    return nested_script(a + pre, N, b + pre, M, pre, suf, na, nb, out);
}

size_t rb_chardiff_search(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                          size_t max_d, rb_edit **out)
{
    *out = NULL;
    size_t pre, suf;
    max_d = prepare(&a, na, &b, nb, max_d, &pre, &suf);
    return search(a, na, b, nb, max_d, pre, suf, out);
}

/* Myers' search and its backtrack, past the common prefix and suffix. */
static size_t search(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, size_t max_d,
                     size_t pre, size_t suf, rb_edit **out)
{
    const uint32_t *A = a + pre, *B = b + pre;
    long N = (long)(na - pre - suf), M = (long)(nb - pre - suf);
    int32_t *trace = NULL;
    long found = forward(A, N, B, M, (long)max_d, &trace);
    if (found < 0) {
        free(trace);
        return (size_t)-1;
    }
    /* backtrack from (N, M); runs come out last-first and are reversed at the end */
    rb_edit *ed = NULL;
    size_t ne = 0, cap = 0;
    long x = N, y = M;
    for (long d = found; d > 0; d--) {
        /* V after step d-1: diagonal k is at row[k + d + 1] */
        const int32_t *row = trace + ((size_t)d * (size_t)d + 2 * (size_t)d);
#define VP(kk) row[(kk) + d + 1]
        long k = x - y;
        long pk;
        if (k == -d || (k != d && VP(k - 1) < VP(k + 1)))
            pk = k + 1;
        else
            pk = k - 1;
        long px = VP(pk);
#undef VP
        long py = px - pk;
        /* the edit goes from (px, py) to (mx, my); a diagonal snake follows to (x, y) */
        long mx = pk == k + 1 ? px : px + 1;
        long my = pk == k + 1 ? py + 1 : py;
        while (x > mx && y > my) {
            x--;
            y--;
            push(&ed, &ne, &cap, RB_EQ, pre + (size_t)x, pre + (size_t)y);
        }
        if (pk == k + 1) { /* came down: B[y-1] inserted */
            y--;
            push(&ed, &ne, &cap, RB_INS, pre + (size_t)x, pre + (size_t)y);
        } else { /* came right: A[x-1] deleted */
            x--;
            push(&ed, &ne, &cap, RB_DEL, pre + (size_t)x, pre + (size_t)y);
        }
    }
    while (x > 0 && y > 0) {
        x--;
        y--;
        push(&ed, &ne, &cap, RB_EQ, pre + (size_t)x, pre + (size_t)y);
    }
    free(trace);
    /* add prefix and suffix equal runs, reverse into order */
    rb_edit *res = rb_xmalloc((ne + 2) * sizeof *res);
    size_t nr = 0;
    if (pre)
        res[nr++] = (rb_edit){RB_EQ, 0, 0, pre};
    for (size_t i = ne; i-- > 0;) {
        if (nr && res[nr - 1].op == ed[i].op && ed[i].op == RB_EQ)
            res[nr - 1].n += ed[i].n;
        else
            res[nr++] = ed[i];
    }
    if (suf) {
        if (nr && res[nr - 1].op == RB_EQ)
            res[nr - 1].n += suf;
        else
            res[nr++] = (rb_edit){RB_EQ, na - suf, nb - suf, suf};
    }
    free(ed);
    *out = res;
    return nr;
}
