/* render_diff.c: the diff of two versions (diff.c) printed for people and for CI.
 *
 *   text, md  a warning when OLD and NEW look like different rulebooks, the changed facts in
 *             the words of the texts, the chapters, then the article map: each changed entry
 *             with its character diff ([-deleted-]{+inserted+}; ~~ and ** in md; colour on top
 *             of the markers), a deleted or added article with its text, and a run of articles
 *             that only moved up or down by the same number in one line
 *             (§16–§58 → §15–§57 renumbered, 43 articles, text unchanged);
 *   json      the same as data: old, new, changed, different, summary, map, edits.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>


static const char *status_name(rb_diff_status s)
{
    switch (s) {
    case RB_DIFF_UNCHANGED: return "unchanged";
    case RB_DIFF_MODIFIED: return "modified";
    case RB_DIFF_RENUMBERED: return "renumbered";
    case RB_DIFF_MOVED: return "moved";
    case RB_DIFF_SPLIT: return "split";
    case RB_DIFF_MERGED: return "merged";
    case RB_DIFF_ADDED: return "added";
    case RB_DIFF_DELETED: return "deleted";
    case RB_DIFF_NOT_COMPARED: return "not-compared";
    }
    return "?";
}

/* The original characters of code points [a, b) of an article; for people (display), a control
 * character as its visible Control Picture, never as itself (an ESC would move the terminal). */
static void put_orig_(rb_buf *out, const dart *x, size_t a, size_t b, int display)
{
    size_t done = 0; /* the source is written up to here (… gives three view characters) */
    for (size_t i = a; i < b; i++) {
        size_t vo = x->vo[i];
        size_t ve = vo;
        uint32_t c;
        ve += (size_t)rb_utf8_decode(x->d->view->text + vo, x->d->view->len - vo, &c);
        size_t o1, o2;
        rb_doc_orig_range(x->d, vo, ve, &o1, &o2);
        if (o2 <= o1 || o2 - o1 > 16) { /* inside a replaced phrase: the normalized character */
            rb_buf_put(out, x->d->view->text + vo, ve - vo);
            continue;
        }
        if (o1 < done) /* the rest of a source character already written */
            o1 = done;
        done = o2;
        /* skip line breaks and spaces the view dropped */
        for (size_t k = o1; k < o2; k++) {
            unsigned char ch = (unsigned char)x->d->src->text[k];
            if (ch == '\n' || ch == '\r')
                continue;
            if (display && (ch < 0x20 || ch == 0x7F) && ch != '\t') {
                uint32_t pic = ch == 0x7F ? 0x2421 : 0x2400 + ch;
                char u[3] = {(char)(0xE0 | (pic >> 12)), (char)(0x80 | ((pic >> 6) & 0x3F)),
                             (char)(0x80 | (pic & 0x3F))};
                rb_buf_put(out, u, 3);
            } else {
                rb_buf_putc(out, (char)ch);
            }
        }
    }
}

static void put_orig(rb_buf *out, const dart *x, size_t a, size_t b)
{
    put_orig_(out, x, a, b, 1);
}

typedef struct marks {
    const char *del_open, *del_close, *ins_open, *ins_close;
} marks;

static const marks M_PLAIN = {"[-", "-]", "{+", "+}"};
/* colour on top of the markers, not instead: a reader who cannot tell red from green still
 * reads [- -] and {+ +} */
static const marks M_COLOR = {"\033[31m[-", "-]\033[0m", "\033[32m{+", "+}\033[0m"};
static const marks M_MD = {"~~", "~~", "**", "**"};

/* The most edits a character diff looks for: its trace takes about MAX_D^2 cells (64 MB here),
 * so two long and wholly different articles do not get one. */
#define MAX_D 4096

static size_t max_d(const dart *o, const dart *n) { return o->n + n->n < MAX_D ? o->n + n->n : MAX_D; }

/* A character diff with CONTEXT characters around each change. */
static void char_diff(rb_buf *out, const dart *o, const dart *n, const marks *mk, const char *indent)
{
    rb_edit *ed = NULL;
    size_t ne = rb_chardiff(o->cp, o->n, n->cp, n->n, max_d(o, n), &ed);
    if (ne == (size_t)-1) {
        rb_buf_printf(out, "%s(more than %d characters differ: no character diff)\n", indent,
                      MAX_D);
        return;
    }
    const size_t CONTEXT = 12;
    rb_buf_puts(out, indent);
    for (size_t i = 0; i < ne; i++) {
        const rb_edit *e = &ed[i];
        if (e->op == RB_EQ) {
            if (i == 0 && e->n > CONTEXT) {
                rb_buf_puts(out, "…");
                put_orig(out, n, e->b + e->n - CONTEXT, e->b + e->n);
            } else if (i == ne - 1 && e->n > CONTEXT) {
                put_orig(out, n, e->b, e->b + CONTEXT);
                rb_buf_puts(out, "…");
            } else if (i > 0 && i < ne - 1 && e->n > 2 * CONTEXT) {
                put_orig(out, n, e->b, e->b + CONTEXT);
                rb_buf_puts(out, " … ");
                put_orig(out, n, e->b + e->n - CONTEXT, e->b + e->n);
            } else {
                put_orig(out, n, e->b, e->b + e->n);
            }
        } else if (e->op == RB_DEL) {
            rb_buf_puts(out, mk->del_open);
            put_orig(out, o, e->a, e->a + e->n);
            rb_buf_puts(out, mk->del_close);
        } else {
            rb_buf_puts(out, mk->ins_open);
            put_orig(out, n, e->b, e->b + e->n);
            rb_buf_puts(out, mk->ins_close);
        }
    }
    rb_buf_putc(out, '\n');
    free(ed);
}

static void ords(rb_buf *b, const long *v, size_t n)
{
    if (!n) {
        rb_buf_puts(b, "—");
        return;
    }
    for (size_t i = 0; i < n; i++)
        rb_buf_printf(b, "%s§%ld", i ? ", " : "", v[i]);
}


/* A run of renumbered entries: from i, how many in a row shift by the same offset, one article
 * to one, consecutive on both sides. */
static size_t renumber_run(const rb_diff *df, size_t i)
{
    const rb_diff_entry *e = &df->m[i];
    if (e->status != RB_DIFF_RENUMBERED || e->nold != 1 || e->nnew != 1)
        return 0;
    long off = e->new[0] - e->old[0];
    size_t k = i + 1;
    while (k < df->nm) {
        const rb_diff_entry *x = &df->m[k], *p = &df->m[k - 1];
        if (x->status != RB_DIFF_RENUMBERED || x->nold != 1 || x->nnew != 1 ||
            x->new[0] - x->old[0] != off || x->old[0] != p->old[0] + 1)
            break;
        k++;
    }
    return k - i;
}

/* the whole text of an article, marked as deleted or inserted */
static void whole(rb_buf *b, const dart *x, const char *open, const char *close,
                  const char *indent)
{
    rb_buf_printf(b, "%s%s", indent, open);
    put_orig(b, x, 0, x->n);
    rb_buf_printf(b, "%s\n", close);
}

static void render_text(const rb_diff *df, int md, int color, rb_buf *b)
{
    const marks *mk = md ? &M_MD : color ? &M_COLOR : &M_PLAIN;
    const char *h1 = md ? "## " : "", *li = md ? "- " : "  ", *ind = md ? "  " : "      ";
    if (df->different)
        rb_buf_printf(b, "%swarning: these look like two different rulebooks, not two versions "
                         "of one: %s\n\n",
                      md ? "> " : "", df->different);
    if (df->partial_old || df->partial_new)
        rb_buf_printf(b, "%swarning: the %s version (%s) is partial: an excerpt ending at article "
                         "%ld; it is compared for what it contains\n\n",
                      md ? "> " : "", df->partial_old ? "old" : "new",
                      df->partial_old ? df->a->name : df->b->name,
                      df->partial_old ? (df->noa ? df->oa[df->noa - 1].ordinal : 0)
                                      : (df->nna ? df->na[df->nna - 1].ordinal : 0));
    rb_buf_printf(b, "%sSummary of changed facts\n%s", h1, md ? "\n" : "");
    if (df->nfc == 0)
        rb_buf_printf(b, "%s(none)\n", li);
    for (size_t i = 0; i < df->nfc; i++) {
        const fchange *c = &df->fc[i];
        rb_buf_printf(b, "%s%s %s: %s → %s (", li, c->dim, c->label, c->old ? c->old : "—",
                      c->new ? c->new : "—");
        if (c->old_art >= 0)
            rb_buf_printf(b, "§%ld", c->old_art);
        else
            rb_buf_puts(b, "—");
        rb_buf_puts(b, " → ");
        if (c->new_art >= 0)
            rb_buf_printf(b, "§%ld", c->new_art);
        else
            rb_buf_puts(b, "—");
        rb_buf_puts(b, ")\n");
    }
    /* chapters */
    rb_buf_printf(b, "\n%sChapters\n%s", h1, md ? "\n" : "");
    int any = 0;
    for (size_t c = 0; c < df->a->nchapters; c++) {
        long k = df->chap_map[c];
        char *h = rb_diff_heading(df->a, (long)c), *h2 = rb_diff_heading(df->b, k);
        char *oh = df->a->chapters[c].heading.len ? rb_doc_text(df->a, df->a->chapters[c].heading)
                                                  : rb_xstrdup("");
        if (k < 0) {
            rb_buf_printf(b, "%s第%ld章 %s → — (removed)\n", li, df->a->chapters[c].ordinal, oh);
            any = 1;
        } else if (strcmp(h, h2) != 0 || df->a->chapters[c].ordinal != df->b->chapters[k].ordinal) {
            char *nh = rb_doc_text(df->b, df->b->chapters[k].heading);
            rb_buf_printf(b, "%s第%ld章 %s → 第%ld章 %s\n", li, df->a->chapters[c].ordinal, oh,
                          df->b->chapters[k].ordinal, nh);
            free(nh);
            any = 1;
        }
        free(oh);
        free(h);
        free(h2);
    }
    /* the new chapters no old one maps to are added (marked once: a scan of the old chapters
     * for each new one made a text of many chapters quadratic) */
    char *mapped = rb_xcalloc(df->b->nchapters + 1, 1);
    for (size_t c = 0; c < df->a->nchapters; c++)
        if (df->chap_map[c] >= 0 && (size_t)df->chap_map[c] < df->b->nchapters)
            mapped[df->chap_map[c]] = 1;
    for (size_t k = 0; k < df->b->nchapters; k++) {
        if (!mapped[k] && !df->partial_old) {
            char *nh = df->b->chapters[k].heading.len ? rb_doc_text(df->b, df->b->chapters[k].heading)
                                                      : rb_xstrdup("");
            rb_buf_printf(b, "%s— → 第%ld章 %s (added)\n", li, df->b->chapters[k].ordinal, nh);
            free(nh);
            any = 1;
        }
    }
    free(mapped);
    if (!any)
        rb_buf_printf(b, "%s(no change)\n", li);
    /* articles */
    rb_buf_printf(b, "\n%sArticles (old → new)\n%s", h1, md ? "\n" : "");
    size_t nunch = 0;
    for (size_t i = 0; i < df->nm; i++) {
        const rb_diff_entry *e = &df->m[i];
        if (e->status == RB_DIFF_UNCHANGED) {
            nunch++;
            continue;
        }
        if (e->status == RB_DIFF_NOT_COMPARED) { /* past the end of an excerpt: one line */
            size_t k = i;
            while (k + 1 < df->nm && df->m[k + 1].status == RB_DIFF_NOT_COMPARED &&
                   !df->m[k + 1].nold == !e->nold)
                k++;
            const rb_diff_entry *z = &df->m[k];
            if (k > i) {
                rb_buf_printf(b, "%s%s §%ld–§%ld not-compared (%zu articles past the end of the "
                                 "excerpt)\n",
                              li, e->nold ? "old" : "new", e->nold ? e->old[0] : e->new[0],
                              z->nold ? z->old[z->nold - 1] : z->new[z->nnew - 1], k - i + 1);
                i = k;
                continue;
            }
        }
        size_t run = renumber_run(df, i);
        if (run >= 2) {
            const rb_diff_entry *z = &df->m[i + run - 1];
            rb_buf_printf(b, "%s§%ld–§%ld → §%ld–§%ld renumbered (%zu articles, text unchanged)\n",
                          li, e->old[0], z->old[0], e->new[0], z->new[0], run);
            i += run - 1;
            continue;
        }
        rb_buf_puts(b, li);
        ords(b, e->old, e->nold);
        rb_buf_puts(b, " → ");
        ords(b, e->new, e->nnew);
        rb_buf_printf(b, " %s", status_name(e->status));
        if (e->status == RB_DIFF_MODIFIED && (e->renumbered || e->moved))
            rb_buf_printf(b, "%s%s", e->renumbered ? ", renumbered" : "", e->moved ? ", moved" : "");
        if (e->nold && e->nnew)
            rb_buf_printf(b, " (similarity %.2f)", e->similarity);
        rb_buf_putc(b, '\n');
        if (e->status == RB_DIFF_MODIFIED && e->nold == 1 && e->nnew == 1)
            char_diff(b, &df->oa[e->old_idx[0]], &df->na[e->new_idx[0]], mk, ind);
        else if (e->status == RB_DIFF_DELETED)
            for (size_t q = 0; q < e->nold; q++)
                whole(b, &df->oa[e->old_idx[q]], mk->del_open, mk->del_close, ind);
        else if (e->status == RB_DIFF_ADDED)
            for (size_t q = 0; q < e->nnew; q++)
                whole(b, &df->na[e->new_idx[q]], mk->ins_open, mk->ins_close, ind);
    }
    rb_buf_printf(b, "%s%zu unchanged\n", li, nunch);
}

static void jw_longs(rb_jw *w, const long *v, size_t n)
{
    rb_jw_arr(w);
    for (size_t i = 0; i < n; i++)
        rb_jw_int(w, v[i]);
    rb_jw_end_arr(w);
}

static void jw_run(rb_jw *w, const dart *x, size_t a, size_t z)
{
    rb_buf t;
    rb_buf_init(&t);
    put_orig_(&t, x, a, z, 0); /* JSON escapes the controls itself */
    rb_jw_str(w, t.data ? t.data : "");
    rb_buf_free(&t);
}

static void jw_version(rb_jw *w, const char *key, const rb_doc *d, int partial)
{
    rb_jw_key(w, key);
    rb_jw_obj(w);
    rb_jw_kstr(w, "file", d->name);
    rb_jw_kstr(w, "title", d->title);
    rb_jw_kstr(w, "jurisdiction", d->jurisdiction);
    rb_jw_kstr(w, "date", d->date);
    rb_jw_kint(w, "articles", (long long)d->narticles);
    rb_jw_kint(w, "chapters", (long long)d->nchapters);
    rb_jw_key(w, "partial");
    rb_jw_bool(w, partial);
    rb_jw_end_obj(w);
}

static void jw_op(rb_jw *w, const char *op, size_t old_pos, size_t new_pos, const dart *x,
                  size_t a, size_t z)
{
    rb_jw_obj(w);
    rb_jw_kstr(w, "op", op);
    rb_jw_kint(w, "old_pos", (long long)old_pos);
    rb_jw_kint(w, "new_pos", (long long)new_pos);
    rb_jw_key(w, "text");
    jw_run(w, x, a, z);
    rb_jw_end_obj(w);
}

static void render_json(const rb_diff *df, rb_buf *b)
{
    rb_jw w;
    rb_jw_init(&w, b);
    rb_jw_obj(&w);
    jw_version(&w, "old", df->a, df->partial_old);
    rb_jw_ws(&w, "\n ");
    jw_version(&w, "new", df->b, df->partial_new);
    rb_jw_ws(&w, "\n ");
    rb_jw_key(&w, "changed");
    rb_jw_bool(&w, rb_diff_changed(df, NULL));
    rb_jw_key(&w, "different");
    rb_jw_str(&w, df->different);
    rb_jw_ws(&w, "\n ");
    rb_jw_key(&w, "summary");
    rb_jw_arr(&w);
    for (size_t i = 0; i < df->nfc; i++) {
        const fchange *c = &df->fc[i];
        rb_jw_ws(&w, "\n  ");
        rb_jw_obj(&w);
        rb_jw_key(&w, "dimension");
        rb_jw_str(&w, c->dim);
        rb_jw_key(&w, "label");
        rb_jw_str(&w, c->label);
        rb_jw_key(&w, "old");
        rb_jw_str(&w, c->old);
        rb_jw_key(&w, "new");
        rb_jw_str(&w, c->new);
        rb_jw_key(&w, "old_article");
        if (c->old_art >= 0)
            rb_jw_int(&w, c->old_art);
        else
            rb_jw_null(&w);
        rb_jw_key(&w, "new_article");
        if (c->new_art >= 0)
            rb_jw_int(&w, c->new_art);
        else
            rb_jw_null(&w);
        rb_jw_key(&w, "change");
        rb_jw_str(&w, !c->old ? "added" : !c->new ? "removed" : "changed");
        rb_jw_end_obj(&w);
    }
    rb_jw_end_arr(&w);
    rb_jw_ws(&w, "\n ");
    rb_jw_key(&w, "map");
    rb_jw_arr(&w);
    for (size_t i = 0; i < df->nm; i++) {
        const rb_diff_entry *e = &df->m[i];
        rb_jw_ws(&w, "\n  ");
        rb_jw_obj(&w);
        rb_jw_key(&w, "old");
        jw_longs(&w, e->old, e->nold);
        rb_jw_key(&w, "new");
        jw_longs(&w, e->new, e->nnew);
        rb_jw_key(&w, "status");
        rb_jw_str(&w, status_name(e->status));
        rb_jw_key(&w, "similarity");
        if (e->nold && e->nnew)
            rb_jw_num(&w, (double)(long)(e->similarity * 1000 + 0.5) / 1000);
        else
            rb_jw_null(&w);
        rb_jw_key(&w, "modified");
        rb_jw_bool(&w, e->modified);
        rb_jw_key(&w, "renumbered");
        rb_jw_bool(&w, e->renumbered);
        rb_jw_key(&w, "moved");
        rb_jw_bool(&w, e->moved);
        rb_jw_end_obj(&w);
    }
    rb_jw_end_arr(&w);
    /* per modified article its edits; per deleted or added article its whole text */
    rb_jw_ws(&w, "\n ");
    rb_jw_key(&w, "edits");
    rb_jw_arr(&w);
    for (size_t i = 0; i < df->nm; i++) {
        const rb_diff_entry *e = &df->m[i];
        int mod = e->status == RB_DIFF_MODIFIED && e->nold == 1 && e->nnew == 1;
        if (!mod && e->status != RB_DIFF_DELETED && e->status != RB_DIFF_ADDED)
            continue;
        size_t nx = mod ? 1 : e->status == RB_DIFF_DELETED ? e->nold : e->nnew;
        for (size_t q = 0; q < nx; q++) {
            const dart *o = mod || e->status == RB_DIFF_DELETED ? &df->oa[e->old_idx[q]] : NULL;
            const dart *n = mod || e->status == RB_DIFF_ADDED ? &df->na[e->new_idx[q]] : NULL;
            rb_jw_ws(&w, "\n  ");
            rb_jw_obj(&w);
            rb_jw_key(&w, "old");
            if (o)
                rb_jw_int(&w, o->ordinal);
            else
                rb_jw_null(&w);
            rb_jw_key(&w, "new");
            if (n)
                rb_jw_int(&w, n->ordinal);
            else
                rb_jw_null(&w);
            rb_jw_key(&w, "ops");
            rb_jw_arr(&w);
            if (!mod) {
                if (o)
                    jw_op(&w, "delete", 0, 0, o, 0, o->n);
                else
                    jw_op(&w, "insert", 0, 0, n, 0, n->n);
            } else {
                rb_edit *ed = NULL;
                size_t ne = rb_chardiff(o->cp, o->n, n->cp, n->n, max_d(o, n), &ed);
                for (size_t k = 0; ne != (size_t)-1 && k < ne; k++) {
                    const rb_edit *x = &ed[k];
                    if (x->op == RB_DEL)
                        jw_op(&w, "delete", x->a, x->b, o, x->a, x->a + x->n);
                    else if (x->op == RB_INS)
                        jw_op(&w, "insert", x->a, x->b, n, x->b, x->b + x->n);
                }
                free(ed);
            }
            rb_jw_end_arr(&w);
            rb_jw_end_obj(&w);
        }
    }
    rb_jw_end_arr(&w);
    rb_jw_end_obj(&w);
    rb_buf_putc(b, '\n');
}

void rb_diff_render(const rb_diff *df, rb_diff_format fmt, int color, rb_buf *out)
{
    if (fmt == RB_DIFF_JSON)
        render_json(df, out);
    else
        render_text(df, fmt == RB_DIFF_MD, color, out);
}
