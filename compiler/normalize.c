/* normalize.c: second stage. Source text -> the normalized matching view that every pattern
 * runs on, with a sparse map back to the original offsets.
 *
 * Per code point: NFKC width folding (full-width digits/letters/punctuation to ASCII,
 * U+3000 and NBSP to a space, small forms ﹑﹐﹕), zero-width characters dropped, CR LF / CR
 * to LF, and OpenCC's traditional->simplified character table. For a document detected as
 * traditional, OpenCC's Taiwan phrases (檔案->文件, 程式->程序) are applied first, longest
 * match. Tables are generated at build time (tools/gentables.c), so this is a table lookup
 * per character. The map holds an entry only where the byte lengths diverge. */
#include "rulebook.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern const char *const rb_fold_multi[];
extern const uint16_t rb_fold_index[];
extern const uint32_t rb_fold_pages[][256];
extern const char *const rb_phrase_from[];
extern const char *const rb_phrase_to[];
extern const unsigned char rb_phrase_tw[];
extern const size_t rb_nphrases;

/* Words only Taiwan phrasing uses for what mainland texts say otherwise (互联网, 优化, 程序,
 * 信息, 软件, 数字, 智能, 宏观). A traditional text with two of them was machine-converted with
 * Taiwan phrasing (s2twp) and gets OpenCC's Taiwan phrase table back (檔案 -> 文件); one without
 * them does not, because that table also turns everyday 核心, 執行, 互動 into the computing terms
 * 内核, 运行, 交互. */
static const char *const TW_MARKERS[] = {"網際網路", "最佳化", "程式", "資訊", "軟體", "硬體",
                                         "數位", "智慧型", "巨觀", "預設", "網路", "介面"};

#define F_TRAD (1u << 24)
#define F_SIMP (1u << 25)
#define F_MULTI (1u << 26)
#define F_DELETE (1u << 27)
#define F_AMBIG (1u << 28) /* a simplified character too (著): folded in traditional text only */
#define F_TARGET 0x1FFFFFu

const char *rb_script_name(rb_script s)
{
    switch (s) {
    case RB_SCRIPT_SIMPLIFIED: return "simplified";
    case RB_SCRIPT_TRADITIONAL: return "traditional";
    case RB_SCRIPT_MIXED: return "mixed";
    default: return "unknown";
    }
}

static inline uint32_t fold_entry(uint32_t cp)
{
    if (cp >= 0x110000)
        return 0;
    return rb_fold_pages[rb_fold_index[cp >> 8]][cp & 0xFF];
}

/* Phrase lookup: buckets by first code point, longest key first within a bucket. */
#define PH_BUCKETS 1024
static struct {
    uint16_t head[PH_BUCKETS];
    uint16_t *next;
    uint16_t *flen;
    uint16_t *tlen;
    uint32_t *first;
    size_t maxlen;
} ph;
static pthread_once_t ph_once = PTHREAD_ONCE_INIT;

static void ph_init(void)
{
    size_t n = rb_nphrases;
    ph.next = rb_xcalloc(n + 1, sizeof *ph.next);
    ph.flen = rb_xcalloc(n + 1, sizeof *ph.flen);
    ph.tlen = rb_xcalloc(n + 1, sizeof *ph.tlen);
    ph.first = rb_xcalloc(n + 1, sizeof *ph.first);
    /* Insert longest first so that bucket chains are ordered by length, descending. */
    size_t *order = rb_xmalloc((n + 1) * sizeof *order);
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        ph.flen[i] = (uint16_t)strlen(rb_phrase_from[i]);
        ph.tlen[i] = (uint16_t)strlen(rb_phrase_to[i]);
        rb_utf8_decode(rb_phrase_from[i], ph.flen[i], &ph.first[i]);
        if (ph.flen[i] > ph.maxlen)
            ph.maxlen = ph.flen[i];
    }
    for (size_t i = 1; i < n; i++) /* insertion sort by length ascending */
        for (size_t j = i; j > 0 && ph.flen[order[j - 1]] > ph.flen[order[j]]; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (size_t i = 0; i < PH_BUCKETS; i++)
        ph.head[i] = 0xFFFF;
    for (size_t k = 0; k < n; k++) { /* shortest first, each pushed to the front */
        size_t i = order[k];
        size_t b = ph.first[i] % PH_BUCKETS;
        ph.next[i] = ph.head[b];
        ph.head[b] = (uint16_t)i;
    }
    free(order);
}

/* Longest phrase starting at s (Taiwan phrases only when tw); its index or -1. */
static long phrase_at(const char *s, size_t n, uint32_t cp, int tw)
{
    for (uint16_t i = ph.head[cp % PH_BUCKETS]; i != 0xFFFF; i = ph.next[i]) {
        if (ph.first[i] != cp || ph.flen[i] > n || (rb_phrase_tw[i] && !tw))
            continue;
        if (memcmp(s, rb_phrase_from[i], ph.flen[i]) == 0)
            return i;
    }
    return -1;
}

typedef struct mapbuf {
    rb_mapent *v;
    size_t n, cap;
} mapbuf;

static void map_push(mapbuf *m, size_t view, int64_t delta)
{
    if (m->n && m->v[m->n - 1].view == view) {
        m->v[m->n - 1].delta = delta;
        return;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 256;
        m->v = rb_xrealloc(m->v, m->cap * sizeof *m->v);
    }
    m->v[m->n].view = view;
    m->v[m->n].delta = delta;
    m->n++;
}

/* Decode the code point at s (valid UTF-8); returns its length. */
static inline int dec(const unsigned char *s, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xE0) {
        *cp = ((c & 0x1Fu) << 6) | (s[1] & 0x3Fu);
        return 2;
    }
    if (c < 0xF0) {
        *cp = ((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
        return 3;
    }
    *cp = ((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
    return 4;
}

static inline void out_put(rb_buf *out, const char *p, size_t n)
{
    if (out->len + n + 1 > out->cap) {
        size_t cap = out->cap ? out->cap : 256;
        while (cap < out->len + n + 1)
            cap *= 2;
        out->data = rb_xrealloc(out->data, cap);
        out->cap = cap;
    }
    memcpy(out->data + out->len, p, n);
    out->len += n;
}

/* The core fold. s must be valid UTF-8. trad: 0 characters only, 1 with OpenCC's traditional
 * phrases, 2 with the Taiwan phrases too. When m is non-NULL, entries are pushed wherever
 * orig - view changes. Unchanged characters are copied in runs. */
static void fold(const char *s, size_t n, int trad, rb_buf *out, mapbuf *m)
{
    const unsigned char *u = (const unsigned char *)s;
    int64_t delta = 0;
    size_t i = 0, run = 0; /* s[run..i) is copied unchanged when something else comes */
    if (trad)
        pthread_once(&ph_once, ph_init);
    while (i < n) {
        unsigned c = u[i];
        if (c < 0x80 && c != '\r') {
            i++;
            continue;
        }
        uint32_t cp;
        int k = c == '\r' ? 1 : dec(u + i, &cp);
        long p = -1;
        uint32_t e = 0;
        if (c != '\r') {
            if (trad)
                p = phrase_at(s + i, n - i, cp, trad > 1);
            if (p < 0) {
                e = fold_entry(cp);
                if (!(e & (F_DELETE | F_MULTI | F_TARGET)) || (!trad && (e & F_AMBIG))) {
                    i += (size_t)k;
                    continue; /* unchanged: part of the run */
                }
            }
        }
        out_put(out, s + run, i - run);
        if (c == '\r') {
            out_put(out, "\n", 1);
            i += (i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
        } else if (p >= 0) {
            out_put(out, rb_phrase_to[p], ph.tlen[p]);
            i += ph.flen[p];
        } else {
            if (e & F_DELETE) {
                /* dropped */
            } else if (e & F_MULTI) {
                const char *ms = rb_fold_multi[e & F_TARGET];
                out_put(out, ms, strlen(ms));
            } else {
                char b[4];
                out_put(out, b, (size_t)rb_utf8_encode(e & F_TARGET, b));
            }
            i += (size_t)k;
        }
        run = i;
        if (m) {
            int64_t nd = (int64_t)i - (int64_t)out->len;
            if (nd != delta) {
                delta = nd;
                map_push(m, out->len, delta);
            }
        }
    }
    out_put(out, s + run, n - run);
    if (out->data)
        out->data[out->len] = 0;
}

/* First pass: the evidence for the script, and whether the view would differ from the source
 * at all (a simplified text with ASCII punctuation and LF line ends does not: then the view is
 * the source). */
static int count_scripts(const char *s, size_t n, rb_view *v, size_t *ft, size_t *fs)
{
    const unsigned char *u = (const unsigned char *)s;
    int changes = memchr(s, '\r', n) != NULL;
    *ft = *fs = SIZE_MAX;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        int k = dec(u + i, &cp);
        uint32_t e = fold_entry(cp);
        if (e) {
            if (e & F_TRAD) {
                if (v->n_trad++ == 0)
                    *ft = i;
            } else if (e & F_SIMP) {
                if (v->n_simp++ == 0)
                    *fs = i;
            }
            if ((e & (F_DELETE | F_MULTI | F_TARGET)) && !(e & F_AMBIG))
                changes = 1; /* (a traditional text is folded anyway) */
        }
        i += (size_t)k;
    }
    size_t t = v->n_trad, sc = v->n_simp;
    if (t + sc == 0)
        v->script = RB_SCRIPT_NONE;
    else if (t >= 10 * sc && t >= 3)
        v->script = RB_SCRIPT_TRADITIONAL;
    else if (sc >= 10 * t || t < 3)
        v->script = RB_SCRIPT_SIMPLIFIED;
    else
        v->script = RB_SCRIPT_MIXED;
    return changes;
}

/* Inverse of rb_view_to_orig for character starts (orig = view + delta is monotonic). */
static size_t view_from_orig(const rb_view *v, size_t orig)
{
    size_t lo = 0, hi = v->nmap;
    if (hi == 0 || orig < v->map[0].view + (size_t)v->map[0].delta)
        return orig < v->len ? orig : v->len;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if ((int64_t)v->map[mid].view + v->map[mid].delta <= (int64_t)orig)
            lo = mid;
        else
            hi = mid;
    }
    int64_t r = (int64_t)orig - v->map[lo].delta;
    return r < 0 ? 0 : (size_t)r > v->len ? v->len : (size_t)r;
}

rb_status rb_view_build(const rb_source *src, rb_view **out, rb_error *err)
{
    (void)err;
    rb_view *v = rb_xcalloc(1, sizeof *v);
    size_t ft, fs;
    int changes = count_scripts(src->text, src->len, v, &ft, &fs);
    int level = 0;
    if (v->script == RB_SCRIPT_TRADITIONAL) {
        size_t markers = 0;
        for (size_t k = 0; k < sizeof TW_MARKERS / sizeof TW_MARKERS[0]; k++)
            if (memmem(src->text, src->len, TW_MARKERS[k], strlen(TW_MARKERS[k])))
                markers++;
        level = markers >= 2 ? 2 : 1;
        v->taiwan_phrasing = markers >= 2;
        changes = 1;
    }
    if (!changes) {
        /* the view is the source: share its text and line index */
        v->text = src->text;
        v->len = src->len;
        v->line_start = src->line_start;
        v->nlines = src->nlines;
        v->aliased = 1;
        v->first_trad = ft;
        v->first_simp = fs;
        *out = v;
        return RB_OK;
    }
    rb_buf b;
    rb_buf_init(&b);
    b.cap = src->len + src->len / 8 + 64;
    b.data = rb_xmalloc(b.cap);
    b.data[0] = 0;
    mapbuf m = {0};
    fold(src->text, src->len, level, &b, &m);
    v->len = b.len;
    v->text = b.data ? rb_xrealloc(b.data, b.len + 1) : rb_xstrdup(""); /* drop the slack */
    v->map = m.v;
    v->nmap = m.n;
    if (v->nmap == 0 && v->len == src->len && !memchr(src->text, '\r', src->len)) {
        /* every change kept its length (traditional to simplified, mostly): the lines start
         * where the source's do */
        v->line_start = src->line_start;
        v->nlines = src->nlines;
        v->lines_aliased = 1;
        v->first_trad = ft;
        v->first_simp = fs;
        *out = v;
        return RB_OK;
    }
    /* line starts: one LF per source line break, so the counts agree */
    v->line_start = rb_xmalloc((src->nlines + 1) * sizeof *v->line_start);
    size_t nl = 0;
    v->line_start[nl++] = 0;
    for (const char *p = v->text, *e = v->text + v->len; nl < src->nlines && (p = memchr(p, '\n', (size_t)(e - p)));) {
        p++;
        v->line_start[nl++] = (size_t)(p - v->text);
    }
    v->nlines = nl;
    v->first_trad = ft == SIZE_MAX ? SIZE_MAX : view_from_orig(v, ft);
    v->first_simp = fs == SIZE_MAX ? SIZE_MAX : view_from_orig(v, fs);
    *out = v;
    return RB_OK;
}

void rb_view_free(rb_view *v)
{
    if (!v)
        return;
    if (!v->aliased)
        free(v->text);
    if (!v->aliased && !v->lines_aliased)
        free(v->line_start);
    free(v->map);
    free(v);
}

/* Entries are pushed at the end of each replacement that changes the offset delta. An offset
 * inside a longer replacement (㌂ -> アンペア) would map past the character it came from:
 * it is held to that character's last byte, the end given by the next entry. */
size_t rb_view_to_orig(const rb_view *v, size_t off)
{
    if (v->nmap == 0)
        return off;
    int64_t r;
    size_t next;
    if (off < v->map[0].view) {
        r = (int64_t)off;
        next = 0;
    } else {
        size_t lo = 0, hi = v->nmap;
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (v->map[mid].view <= off)
                lo = mid;
            else
                hi = mid;
        }
        r = (int64_t)off + v->map[lo].delta;
        next = lo + 1;
    }
    if (next < v->nmap) {
        int64_t end = (int64_t)v->map[next].view + v->map[next].delta;
        if (r >= end)
            r = end > 0 ? end - 1 : 0;
    }
    return (size_t)r;
}

char *rb_normalize_str(const char *s, size_t n, int trad, size_t *outlen)
{
    rb_buf b;
    rb_buf_init(&b);
    fold(s, n, trad, &b, NULL);
    if (outlen)
        *outlen = b.len;
    return rb_buf_detach(&b);
}
