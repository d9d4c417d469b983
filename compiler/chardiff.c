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

size_t rb_chardiff(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, size_t max_d,
                   rb_edit **out)
{
    *out = NULL;
    static const uint32_t none[1];
    if (!a) /* an empty text may come as NULL */
        a = none;
    if (!b)
        b = none;
    size_t lim = na + nb;
    if (max_d > lim)
        max_d = lim;
    /* common prefix and suffix need no search */
    size_t pre = 0;
    while (pre < na && pre < nb && a[pre] == b[pre])
        pre++;
    size_t suf = 0;
    while (suf < na - pre && suf < nb - pre && a[na - 1 - suf] == b[nb - 1 - suf])
        suf++;
    const uint32_t *A = a + pre, *B = b + pre;
    long N = (long)(na - pre - suf), M = (long)(nb - pre - suf);
    long D = (long)max_d;
    long off = D + 1;
    size_t width = (size_t)(2 * D + 3);
    int32_t *V = rb_xcalloc(width, sizeof *V);
    /* Row d of the trace is V before step d, diagonals -d-1 .. d+1 only (the backtrack reads
     * no others): rows take d^2 + 2d cells before row d, so D steps need about D^2 cells, not
     * 2D^2, and the trace grows by doubling rather than one realloc per step. */
    int32_t *trace = NULL;
    size_t tcap = 0;
    long found = -1;
    V[off + 1] = 0;
    for (long d = 0; d <= D; d++) {
        size_t row = (size_t)d * (size_t)d + 2 * (size_t)d, rowlen = 2 * (size_t)d + 3;
        if (row + rowlen > tcap) {
            tcap = tcap ? 2 * tcap : 1024;
            while (tcap < row + rowlen)
                tcap *= 2;
            trace = rb_xrealloc(trace, tcap * sizeof *trace);
        }
        memcpy(trace + row, V + off - d - 1, rowlen * sizeof *V);
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
        if (found >= 0)
            break;
    }
    if (found < 0) {
        free(V);
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
    free(V);
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
