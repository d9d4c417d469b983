/* dedup.c: the duplicate-run stage, run by rb_parse on the freshly built model.
 *
 * Web copies sometimes repeat a stretch of the text (the Chongqing mirror repeats articles
 * 13-63 after article 63). A restart of the article numbering whose articles match the
 * earlier articles of the same numbers is a duplicate run: the model keeps one article per
 * number (the first copy), the second copy becomes a reported junk span, and every
 * difference between the copies is reported. Where one copy equals the other plus inserted
 * characters, the insertion is junk: the kept reading is the clean one.
 * A restart whose articles do not match is left alone (the numbering check reports it). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct artchars {
    uint32_t *cp;
    size_t *off; /* view offset of each code point */
    size_t n;
} artchars;

static void append_span(const rb_doc *d, rb_span s, artchars *ac)
{
    ac->n += rb_utf8_to_cps_in(d->view->text + s.off, s.len, ac->cp + ac->n, ac->off + ac->n,
                               s.off);
}

/* The view spans of an article's characters, in order: each point's number, each block's text.
 * *ns of them in a fresh array. */
static rb_span *article_spans(const rb_doc *d, const rb_article *a, size_t *ns)
{
    rb_span *v = rb_xmalloc((2 * a->nblocks + 1) * sizeof *v);
    size_t n = 0;
    for (size_t k = 0; k < a->nblocks; k++) {
        const rb_block *b = &d->blocks[a->first_block + k];
        if (b->kind == RB_BLOCK_POINT)
            v[n++] = rb_span_of(b->num);
        v[n++] = rb_span_of(b->text);
    }
    *ns = n;
    return v;
}

static artchars article_chars(const rb_doc *d, const rb_article *a)
{
    artchars ac = {0};
    size_t ns, bytes = 0;
    rb_span *v = article_spans(d, a, &ns);
    for (size_t k = 0; k < ns; k++)
        bytes += v[k].len;
    /* no more characters than bytes; what the characters leave is given back (a run keeps
     * every pair's characters until it is reported: sized by bytes, twice over, they were
     * 24 bytes for each byte of a CJK text) */
    ac.cp = rb_xmalloc((bytes + 1) * sizeof *ac.cp);
    ac.off = rb_xmalloc((bytes + 1) * sizeof *ac.off);
    for (size_t k = 0; k < ns; k++)
        append_span(d, v[k], &ac);
    free(v);
    ac.cp = rb_xrealloc(ac.cp, (ac.n + 1) * sizeof *ac.cp);
    ac.off = rb_xrealloc(ac.off, (ac.n + 1) * sizeof *ac.off);
    return ac;
}

/* Do two articles read the same, byte for byte (then their characters are the same: the
 * copies are C_SAME without decoding them or asking the diff)? */
static int same_bytes(const rb_doc *d, const rb_article *a, const rb_article *b)
{
    size_t na, nb, ia = 0, ib = 0, oa = 0, ob = 0;
    rb_span *sa = article_spans(d, a, &na), *sb = article_spans(d, b, &nb);
    const char *t = d->view->text;
    int same = 1;
    for (;;) {
        while (ia < na && oa == sa[ia].len)
            ia++, oa = 0;
        while (ib < nb && ob == sb[ib].len)
            ib++, ob = 0;
        if (ia == na || ib == nb) {
            same = ia == na && ib == nb;
            break;
        }
        size_t la = sa[ia].len - oa, lb = sb[ib].len - ob, l = la < lb ? la : lb;
        if (memcmp(t + sa[ia].off + oa, t + sb[ib].off + ob, l) != 0) {
            same = 0;
            break;
        }
        oa += l;
        ob += l;
    }
    free(sa);
    free(sb);
    return same;
}

static void artchars_free(artchars *ac)
{
    free(ac->cp);
    free(ac->off);
}

typedef enum cmpres { C_SAME, C_A_INSERTED, C_B_INSERTED, C_DIFFERENT, C_UNRELATED } cmpres;

typedef struct pairinfo {
    size_t orig;  /* index of the earlier article with the same number */
    cmpres res;
    rb_edit *ed; /* the script of an insertion */
    size_t ned;
    size_t first; /* where a difference starts (the same index in both) */
    artchars a, b;
} pairinfo;

/* A lower bound of the edit distance: half the L1 distance of the code point histograms
 * (hashed into 256 buckets). Cheap, and it spares the diff of two unrelated articles. */
static size_t distance_bound(const artchars *a, const artchars *b)
{
    long h[256] = {0};
    for (size_t i = 0; i < a->n; i++)
        h[(a->cp[i] * 2654435761u) >> 24]++;
    for (size_t i = 0; i < b->n; i++)
        h[(b->cp[i] * 2654435761u) >> 24]--;
    size_t l1 = 0;
    for (size_t i = 0; i < 256; i++)
        l1 += (size_t)labs(h[i]);
    return l1 / 2;
}

/* The most edits sought between two copies neither of which is the other with insertions:
 * Myers' search costs up to (N+M)·D steps, so a bound of a fifth of the longer made two long
 * copies of one article in another order quadratic (and, while the search kept its trace, so
 * was their memory). Articles under 5 × DEDUP_MAX_D characters keep the fifth. */
#define DEDUP_MAX_D 2048

/* Compare two copies. Only the insertions need a script (*ed, *ned); a difference needs where
 * it starts (*first, the same index in both: the common prefix). */
static cmpres compare(const artchars *a, const artchars *b, rb_edit **ed, size_t *ned,
                      size_t *first)
{
    size_t big = a->n > b->n ? a->n : b->n;
    size_t max_d = big / 5 > 8 ? big / 5 : 8;
    *ned = 0;
    *ed = NULL;
    if (distance_bound(a, b) > max_d)
        return C_UNRELATED;
    /* the same, or one the other with insertions: the script (found in one pass); else
     * only whether they are near */
    int r = rb_chardiff_classify(a->cp, a->n, b->cp, b->n, max_d,
                                 max_d < DEDUP_MAX_D ? max_d : DEDUP_MAX_D, ed, ned, first);
    if (r <= 0)
        return r < 0 ? C_UNRELATED : C_DIFFERENT;
    int del = 0, ins = 0;
    for (size_t i = 0; i < *ned; i++) {
        if ((*ed)[i].op == RB_DEL)
            del = 1;
        else if ((*ed)[i].op == RB_INS)
            ins = 1;
    }
    if (!del && !ins)
        return C_SAME;
    return del ? C_A_INSERTED : C_B_INSERTED;
}

static rb_span art_extent(const rb_doc *d, const rb_article *a)
{
    size_t s = a->num.off, e = a->num.off + a->num.len;
    for (size_t k = 0; k < a->nblocks; k++) {
        const rb_block *b = &d->blocks[a->first_block + k];
        size_t be = b->text.off + b->text.len;
        if (be > e)
            e = be;
    }
    return (rb_span){s, e - s};
}

static char *cps_text(const uint32_t *cp, size_t n)
{
    rb_buf b;
    rb_buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        char u[4];
        rb_buf_put(&b, u, (size_t)rb_utf8_encode(cp[i], u));
    }
    return rb_buf_detach(&b);
}

/* The view offset just past code point idx of an article's characters. */
static size_t cp_end(const rb_doc *d, const artchars *ac, size_t idx)
{
    uint32_t cp;
    size_t off = ac->off[idx];
    return off + (size_t)rb_utf8_decode(d->view->text + off, d->view->len - off, &cp);
}

/* The junk spans of the document as the stage asks about them, kept up with the spans it adds
 * (junk is only appended here: `seen` spans are indexed, the rest at the next question). A scan
 * of every span for each question made a text of many copies quadratic (each adds a span).
 *   at:  where spans start (view offset + 1 -> how many start there), for dup_span's question
 *        whether any sits between two removed elements, asked of the few bytes between them. */
typedef struct junkstarts {
    rb_omap at;
    rb_omap line_at; /* view offset + 1 -> the junk of whole lines that starts there (index) */
    size_t seen;
} junkstarts;

/* Junk that sits inside a line (the model reads on without it); the rest is of whole lines
 * (a page footer, a table of contents). */
static int inline_kind(const rb_junk *j)
{
    return strcmp(j->kind, "annotation") == 0 || strcmp(j->kind, "insertion") == 0;
}

static void junk_sync(const rb_doc *d, junkstarts *js)
{
    for (; js->seen < d->njunk; js->seen++) {
        int fresh;
        const rb_junk *j = &d->junk[js->seen];
        ++*rb_omap_slot(&js->at, (long)j->span.off + 1, &fresh);
        if (!inline_kind(j) && j->span.len)
            rb_omap_put_first(&js->line_at, (long)j->span.off + 1, js->seen);
    }
}

/* The characters of kept articles set aside as insertions: a bit for each of the article's
 * characters (as article_chars gives them, the same at every comparison), for the articles
 * that have any. A kept copy compared with a later copy finds an insertion again, a part of
 * it (甲乙 set aside, and a third copy that reads 乙 lacks 甲), or it with more around it: only
 * the characters not set aside yet are new. */
typedef struct setaside {
    rb_omap of; /* article index + 1 -> map index + 1 */
    unsigned char **map;
    size_t n, cap;
} setaside;

static void setaside_free(setaside *sa)
{
    for (size_t i = 0; i < sa->n; i++)
        free(sa->map[i]);
    free(sa->map);
    rb_omap_free(&sa->of);
}

/* The map of kept article art (of nchars characters), made when first asked for. */
static unsigned char *aside_map(setaside *sa, size_t art, size_t nchars)
{
    int fresh;
    size_t *slot = rb_omap_slot(&sa->of, (long)art + 1, &fresh);
    if (fresh) {
        RB_GROW(sa->map, sa->n, sa->cap);
        sa->map[sa->n++] = rb_xcalloc(nchars / 8 + 1, 1);
        *slot = sa->n;
    }
    return sa->map[*slot - 1];
}

static int aside(const unsigned char *m, size_t i) { return m[i >> 3] >> (i & 7) & 1; }

static void junkstarts_free(junkstarts *js)
{
    rb_omap_free(&js->at);
    rb_omap_free(&js->line_at);
}

/* Does a junk span other than d->junk[except] start in [from, to)? */
static int junk_starts_in(const rb_doc *d, junkstarts *js, size_t from, size_t to,
                          size_t except)
{
    junk_sync(d, js);
    for (size_t o = from; o < to; o++) {
        size_t c = rb_omap_get(&js->at, (long)o + 1);
        if (c != (size_t)-1 && c > (d->junk[except].span.off == o))
            return 1;
    }
    return 0;
}

/* Report (and for the kept copy, set aside) one inserted run of characters that stand side
 * by side in the view, the characters src[idx, idx + n). m: the kept article's map of the
 * characters set aside, when the run is in the kept copy (else NULL). */
static void report_run(rb_doc *d, rb_diags *diags, unsigned char *m, const pairinfo *pi,
                       const rb_article *keep, const rb_article *dup, size_t idx, size_t n,
                       size_t oidx)
{
    int in_kept = m != NULL;
    const artchars *src = in_kept ? &pi->a : &pi->b;
    size_t vs = src->off[idx], ve = cp_end(d, src, idx + n - 1);
    for (size_t i = idx; in_kept && i < idx + n; i++)
        m[i >> 3] |= (unsigned char)(1u << (i & 7));
    unsigned line, col, oline, ocol;
    rb_doc_linecol(d, vs, &line, &col);
    /* where the other copy reads on without the insertion */
    const artchars *oth = in_kept ? &pi->b : &pi->a;
    const rb_article *other = in_kept ? dup : keep;
    size_t ooff = oth->n ? oth->off[oidx < oth->n ? oidx : oth->n - 1] : other->num.off;
    rb_doc_linecol(d, ooff, &oline, &ocol);
    char *orig = rb_doc_raw(d, (rb_span){vs, ve - vs});
    if (in_kept)
        rb_doc_add_junk(d, (rb_span){vs, ve - vs}, "insertion", "junk-insertion");
    rb_diags_add(diags, RB_WARNING, d->name, line, col, "junk-insertion",
                 "article %ld: '%s' is inserted here; the other copy (line %u:%u) reads "
                 "without it%s",
                 keep->ordinal, orig, oline, ocol,
                 in_kept ? " (set aside; the model keeps the clean reading)" : "");
    free(orig);
}

/* Report each inserted run. The characters of an article are its pieces one after the
 * other, so one run of the diff may end a line and go on in the next: it is reported (and
 * set aside) as one insertion a piece, never with what lies between the pieces. Of a run in
 * the kept copy, the characters set aside already (when an earlier copy was compared) are
 * not reported again: the junk records never overlap. */
static void report_insertions(rb_doc *d, rb_diags *diags, setaside *sa, const pairinfo *pi,
                              const rb_article *keep, const rb_article *dup)
{
    unsigned char *kept_map = NULL; /* (looked up at the first run in the kept copy) */
    for (size_t i = 0; i < pi->ned; i++) {
        const rb_edit *e = &pi->ed[i];
        if (e->op == RB_EQ)
            continue;
        int in_kept = e->op == RB_DEL; /* DEL: chars of a (the kept copy) missing from b */
        const artchars *src = in_kept ? &pi->a : &pi->b;
        size_t idx = in_kept ? e->a : e->b, oidx = in_kept ? e->b : e->a;
        if (in_kept && !kept_map)
            kept_map = aside_map(sa, (size_t)(keep - d->articles), pi->a.n);
        unsigned char *m = in_kept ? kept_map : NULL;
        size_t start = idx;
        for (size_t k = idx + 1; k <= idx + e->n; k++)
            if (k == idx + e->n || src->off[k] != cp_end(d, src, k - 1) ||
                (m && aside(m, k) != aside(m, k - 1))) {
                if (!m || !aside(m, start))
                    report_run(d, diags, m, pi, keep, dup, start, k - start, oidx);
                start = k;
            }
    }
}

static void report_difference(rb_doc *d, rb_diags *diags, const pairinfo *pi,
                              const rb_article *keep, const rb_article *dup)
{
    size_t ia = pi->first, ib = pi->first; /* the first differing position in each copy */
    size_t va = ia < pi->a.n ? pi->a.off[ia] : keep->num.off;
    size_t vb = ib < pi->b.n ? pi->b.off[ib] : dup->num.off;
    unsigned la, ca, lb, cb;
    rb_doc_linecol(d, va, &la, &ca);
    rb_doc_linecol(d, vb, &lb, &cb);
    size_t na = pi->a.n - ia < 12 ? pi->a.n - ia : 12;
    size_t nb = pi->b.n - ib < 12 ? pi->b.n - ib : 12;
    char *ta = cps_text(pi->a.cp + ia, na), *tb = cps_text(pi->b.cp + ib, nb);
    rb_diags_add(diags, RB_WARNING, d->name, la, ca, "copy-difference",
                 "article %ld differs from its copy at line %u:%u: '%s…' here, '%s…' there; "
                 "the model keeps this copy",
                 keep->ordinal, lb, cb, ta, tb);
    free(ta);
    free(tb);
}

/* Mark the lines of a removed element as a duplicate-copy junk span, merging with the
 * previous span when only blank lines separate them. */
static void dup_piece(rb_doc *d, rb_span s, size_t *open_junk, junkstarts *js)
{
    if (*open_junk != (size_t)-1) {
        rb_junk *j = &d->junk[*open_junk];
        size_t je = j->span.off + j->span.len;
        int only_space = je <= s.off;
        for (size_t k = je; only_space && k < s.off; k++) {
            char c = d->view->text[k];
            only_space = c == ' ' || c == '\n' || c == '\t';
        }
        /* no other junk may sit in between */
        if (only_space && junk_starts_in(d, js, je, s.off, *open_junk))
            only_space = 0;
        if (only_space) {
            j->span.len = s.off + s.len - j->span.off;
            return;
        }
    }
    *open_junk = rb_doc_add_junk(d, s, "duplicate-copy", "duplicate-run");
}

/* ... in the pieces the junk of whole lines inside it leaves (a page footer amid a repeated
 * article has its own record: the text is set aside once, and a read-back puts every line
 * back once); pieces of white space only are blank lines, no record. */
static void dup_span(rb_doc *d, rb_span s, size_t *open_junk, junkstarts *js)
{
    junk_sync(d, js);
    const char *t = d->view->text;
    size_t a = s.off, end = s.off + s.len;
    for (size_t o = s.off; a < end; o++) {
        size_t k = o < end ? rb_omap_get(&js->line_at, (long)o + 1) : (size_t)-1;
        if (o < end && (k == (size_t)-1 || k == *open_junk))
            continue;
        size_t z = o < end ? o : end;
        while (z > a && (t[z - 1] == '\n' || t[z - 1] == ' ' || t[z - 1] == '\t'))
            z--;
        size_t b = a;
        while (b < z && (t[b] == '\n' || t[b] == ' ' || t[b] == '\t'))
            b++;
        if (z > b)
            dup_piece(d, (rb_span){b, z - b}, open_junk, js);
        if (o >= end)
            break;
        a = o + d->junk[k].span.len;
        o = a - 1;
    }
}

void rb_dedup(rb_doc *d, rb_diags *diags)
{
    size_t n = d->narticles;
    if (n < 2)
        return;
    char *drop = rb_xcalloc(n, 1);
    char *drop_ch = rb_xcalloc(d->nchapters ? d->nchapters : 1, 1);
    int changed = 0;
    size_t i = 1;
    rb_omap kept = {0}; /* the first kept article of each number, among those before i */
    /* the first chapter kept of each number, among those before the run's first line
     * (chap_known of them asked; a chapter a run drops opens inside it, after those) */
    rb_omap chap_first = {0};
    size_t chap_known = 0;
    junkstarts js;
    memset(&js, 0, sizeof js);
    setaside sa;
    memset(&sa, 0, sizeof sa);
    size_t known = 0;
    while (i < n) {
        if (d->articles[i].ordinal > d->articles[i - 1].ordinal) {
            i++;
            continue;
        }
        /* a restart at i: the run goes on while numbers increase */
        size_t j = i + 1;
        while (j < n && d->articles[j].ordinal > d->articles[j - 1].ordinal)
            j++;
        size_t len = j - i;
        for (; known < i; known++)
            if (!drop[known])
                rb_omap_put_first(&kept, d->articles[known].ordinal, known);
        pairinfo *pi = rb_xcalloc(len, sizeof *pi);
        size_t with = 0, alike = 0;
        for (size_t k = 0; k < len; k++) {
            const rb_article *b = &d->articles[i + k];
            pi[k].orig = rb_omap_get(&kept, b->ordinal);
            if (pi[k].orig == (size_t)-1)
                continue;
            with++;
            if (same_bytes(d, &d->articles[pi[k].orig], b)) {
                pi[k].res = C_SAME; /* (a and b stay empty: a copy the same is not reported) */
            } else {
                pi[k].a = article_chars(d, &d->articles[pi[k].orig]);
                pi[k].b = article_chars(d, b);
                pi[k].res = compare(&pi[k].a, &pi[k].b, &pi[k].ed, &pi[k].ned, &pi[k].first);
            }
            if (pi[k].res != C_UNRELATED)
                alike++;
        }
        int is_dup = with > 0 && alike * 10 >= with * 6;
        if (is_dup)
            for (; chap_known < d->nchapters &&
                   d->chapters[chap_known].line < d->articles[i].line;
                 chap_known++)
                if (!drop_ch[chap_known])
                    rb_omap_put_first(&chap_first, d->chapters[chap_known].ordinal, chap_known);
        if (is_dup) {
            const rb_article *first = &d->articles[i];
            /* the repeated ones: those with an earlier article of the same number */
            size_t k0 = 0, k1 = 0;
            for (size_t k = 0; k < len; k++)
                if (pi[k].orig != (size_t)-1) {
                    if (k1 == 0)
                        k0 = k;
                    k1 = k + 1;
                }
            const rb_article *rf = &d->articles[i + k0], *rl = &d->articles[i + k1 - 1];
            unsigned line, col;
            rb_doc_linecol(d, rf->num.off, &line, &col);
            rb_span ext = art_extent(d, rl);
            unsigned lline, lcol;
            rb_doc_linecol(d, ext.off + ext.len, &lline, &lcol);
            unsigned oline = d->articles[pi[k0].orig].line;
            if (rf == rl)
                rb_diags_add(diags, RB_WARNING, d->name, line, col, "duplicate-run",
                             "article %ld (line %u) repeats the article first given at line %u; "
                             "the model keeps one article per number",
                             rf->ordinal, line, oline);
            else
                rb_diags_add(diags, RB_WARNING, d->name, line, col, "duplicate-run",
                             "articles %ld-%ld (lines %u-%u) repeat the articles first given "
                             "from line %u; the model keeps one article per number",
                             rf->ordinal, rl->ordinal, line, lline, oline);
            size_t open_junk = (size_t)-1;
            long chap_before = first->chapter;
            for (size_t k = 0; k < len; k++) {
                rb_article *b = &d->articles[i + k];
                /* chapter headings that open inside the run are copies too */
                if (b->chapter != chap_before && b->chapter >= 0) {
                    for (long c = chap_before + 1; c <= b->chapter; c++) {
                        if (c <= first->chapter || c < 0)
                            continue;
                        size_t q = rb_omap_get(&chap_first, d->chapters[c].ordinal);
                        if (q == (size_t)-1 || d->chapters[q].line >= first->line)
                            continue;
                        drop_ch[c] = 1;
                        rb_chapter *ch = &d->chapters[c];
                        size_t he = ch->heading.len ? ch->heading.off + ch->heading.len
                                                    : ch->num.off + ch->num.len;
                        dup_span(d, (rb_span){ch->num.off, he - ch->num.off}, &open_junk, &js);
                    }
                    chap_before = b->chapter;
                }
                if (pi[k].orig == (size_t)-1)
                    continue; /* a new article the first copy lacked: keep it */
                const rb_article *a = &d->articles[pi[k].orig];
                switch (pi[k].res) {
                case C_SAME:
                    break;
                case C_A_INSERTED:
                case C_B_INSERTED:
                    report_insertions(d, diags, &sa, &pi[k], a, b);
                    break;
                case C_DIFFERENT:
                    report_difference(d, diags, &pi[k], a, b);
                    break;
                case C_UNRELATED:
                    rb_doc_linecol(d, b->num.off, &line, &col);
                    rb_diags_add(diags, RB_WARNING, d->name, line, col, "copy-difference",
                                 "article %ld here and at line %u share a number but not their "
                                 "text; the model keeps the one at line %u",
                                 b->ordinal, a->line, a->line);
                    break;
                }
                drop[i + k] = 1;
                dup_span(d, art_extent(d, b), &open_junk, &js);
            }
            changed = 1;
        }
        for (size_t k = 0; k < len; k++) {
            free(pi[k].ed);
            artchars_free(&pi[k].a);
            artchars_free(&pi[k].b);
        }
        free(pi);
        if (is_dup)
            d->duplicate_runs++;
        i = j;
    }
    rb_omap_free(&kept);
    rb_omap_free(&chap_first);
    junkstarts_free(&js);
    setaside_free(&sa);
    if (changed) {
        /* compact chapters and articles, remapping chapter indexes */
        long *remap = rb_xmalloc((d->nchapters ? d->nchapters : 1) * sizeof *remap);
        size_t nc = 0;
        for (size_t c = 0; c < d->nchapters; c++) {
            if (drop_ch[c]) {
                remap[c] = -1;
                continue;
            }
            remap[c] = (long)nc;
            d->chapters[nc] = d->chapters[c];
            d->chapters[nc].narticles = 0;
            nc++;
        }
        size_t na = 0;
        long last_kept_ch = -1;
        for (size_t k = 0; k < n; k++) {
            if (drop[k])
                continue;
            rb_article a = d->articles[k];
            if (a.chapter >= 0) {
                long r = remap[a.chapter];
                /* an article kept inside a dropped chapter joins the last kept one */
                a.chapter = r >= 0 ? r : last_kept_ch;
            }
            if (a.chapter >= 0) {
                if (d->chapters[a.chapter].narticles == 0)
                    d->chapters[a.chapter].first_article = na;
                d->chapters[a.chapter].narticles++;
                last_kept_ch = a.chapter;
            }
            d->articles[na++] = a;
        }
        d->narticles = na;
        d->nchapters = nc;
        free(remap);
        rb_doc_sort_junk(d);
    }
    free(drop);
    free(drop_ch);
}
