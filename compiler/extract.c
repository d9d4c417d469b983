/* extract.c: the analysis stage. Compiled model + `grammar: extract` rules -> facts.
 *
 * Rules are data (grammar/extract.yaml): PCRE2 patterns with named groups, grouped into
 * dimensions, plus normalization tables (roles, units, periods, meeting types, document
 * kinds). Each rule runs on every sentence (split at 。 and ;) of every paragraph and point;
 * each match is a fact whose fields come from the groups through the field specs (table
 * lookup, lists, numbers, ranges, prefixes stripped, values inherited within a paragraph).
 * A dimension declared only in YAML gets its facts as they are; the four built-in ones get
 * a summary value, and `meetings` merges its partial facts (instituted, members, convener,
 * frequency) into one fact per meeting type with the frequency normalized per year. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && !defined(RB_NO_SIMD)
#include <emmintrin.h>
#endif

/* ---- rules ------------------------------------------------------------------------------------ */

typedef struct xtable {
    char *name;
    char **keys, **vals;
    size_t *klen;
    size_t n;
    /* the keys by their first character, longest first within each (table_all looks only at
     * the keys that can start where it stands), and the charset bit of each first character */
    rb_omap first; /* first code point + 1 -> bucket + 1 */
    uint64_t *fbits; /* the BMP code points a key starts with, a bit each (0x10000 bits) */
    size_t *bstart, *bcount, *border;
    unsigned *kbit;
    /* a character every key holds (alen 0: none does) and the most bytes a key has before
     * its first one: a scan for keys skips to the next such character less apre bytes;
     * acps: the most characters a key has before it ({{ahead:NAME,N}}) */
    char anchor[4];
    size_t alen, apre, acps;
    rb_smap byk; /* key -> its index (a later entry of a key overrides the earlier) */
    char *alt;   /* the keys as a regex alternation (rb_regex_literals), once its first rule
                  * names it; dropped when the table loads again */
} xtable;

typedef struct xfield {
    char *name;
    char *group;  /* named group; NULL with before */
    int gnum[8];  /* the numbers of group's alternatives 'a|b' in the rule's regex, resolved */
    size_t ngnum; /* once at load (-1: no such group) */
    int before;   /* the sentence text before the match */
    int all;      /* every table key found, as a list */
    int heads;    /* role lists: head nouns only, no delegators or recipients */
    int number, range, inherit, required;
    char **seps;  /* split separators */
    size_t *seplen;
    size_t nseps;
    size_t table, strip; /* table indexes + 1; 0 = none */
    char *value;  /* constant */
    char *deflt;
    char *weak;   /* comma-separated values that give way when others are found */
    int context;  /* empty: the value of the latest fact of this dimension in the article */
    int topic;    /* still empty: the key of the table the whole text is about */
    char *from;   /* implied: when every value of field `from` maps through table `via`, */
    size_t via;   /* those values (table index + 1) */
} xfield;

/* A literal to look for in a sentence. */
typedef struct xlit {
    char *s;
    size_t len;
    unsigned id; /* its number in the literal automaton (xac) */
} xlit;

/* Every literal of every rule's `needs:` and every dimension's `keywords:` in one automaton
 * (Aho-Corasick, as a full DFA over character classes, or over byte classes where those
 * cannot be built): one pass over a sentence tells which of them it holds, and so which rules
 * can match it and which dimensions it touches. */
typedef struct xac {
    size_t nlit, words;  /* literals; 64-bit words of a set of them */
    size_t nstates;
    unsigned char cls[256]; /* byte -> class: the bytes of the literals, each its own; others 0 */
    size_t ncls;
    uint32_t *delta;     /* nstates x ncls: the next state as the offset of its row; AC_OUT
                            set: a literal ends in it */
    int all;             /* too large to build: every sentence holds every literal */
    uint64_t *out;       /* nstates x words: the literals that end at each state */
    size_t maxlen;       /* the longest literal, in bytes */
    /* the literal sets of every rule's `needs:` items (rule i's from rmask_at[i], a words
     * each) and of every dimension's keywords (dmask, a words each) */
    uint64_t *rmask, *dmask;
    size_t *rmask_at;
    /* the rules a sentence can reach, as sets of rwords words: per literal (lrules, nlit
     * sets), the rules one of whose `needs:` items holds it; and the rules without `needs:`
     * (free_rules). A sentence reaches the union of its literals' sets and the free rules,
     * each then asked for all its items. */
    uint64_t *lrules, *free_rules;
    size_t rwords;
    /* The same automaton over characters, the walk taken when it could be built (cdelta
     * set): one step a character where the bytes take three, each waiting for the one
     * before, in a table that stays in the first-level cache (16-bit entries: the grammar's
     * literals take 27 KB, where the bytes' table is 92 KB; built when its offsets fit 16
     * bits). A character's class: ccls for the BMP, xcp/xcls beyond it; 0 for one in no
     * literal, which leads back to the root. */
    unsigned char *ccls; /* 0x10000 entries */
    uint32_t *xcp;       /* the literals' code points beyond the BMP, with their classes */
    unsigned char *xcls;
    size_t nx;
    uint16_t *cdelta; /* cstates x cncls: the next state as the offset of its row, CAC_OUT set:
                         a literal ends in it */
    uint64_t *cout;   /* cstates x words */
    size_t cncls;
} xac;
#define AC_OUT 0x80000000u
#define CAC_OUT 0x8000u

/* `needs:` one item: the rule cannot match a sentence holding none of these literals */
typedef struct xneed {
    xlit *alt;
    size_t n;
} xneed;

typedef struct xrule {
    char *id;
    size_t dim;
    void *code;
    xfield *f;
    size_t nf;
    xneed *needs; /* all items must be present */
    size_t nneeds;
    char *file;
    unsigned line;
    int has_span; /* the regex has a group `span`: the fact's words */
    int span_num; /* its number */
} xrule;

typedef struct xdim {
    char *id, *title;
    rb_dim kind;
    char *file;
    unsigned line;
    xlit *kw;
    size_t nkw;
} xdim;

struct rb_extract_rules {
    xtable *tables;
    size_t ntables;
    xdim *dims;
    size_t ndims;
    xrule *rules;
    size_t nrules;
    char *version;
    xac ac; /* built when the rules are loaded */
};

static rb_status check_dim_fields(const struct rb_extract_rules *r, rb_error *err);
static void ac_build(struct rb_extract_rules *r);
typedef struct xtext xtext;
static void apply_fields(const struct rb_extract_rules *r, const xrule *xr, const char *s,
                         size_t ss, const size_t *ov, rb_fact *f, const rb_doc *d,
                         const xtext *x);
static int has_required(const xrule *xr, const rb_fact *f);
/* Where the text a field is read from lies in a block (xtext), to record the original words of
 * each item: base is the offset of that text in x->s. d NULL: no words (grammar examples). */
typedef struct xwords {
    const rb_doc *d;
    const xtext *x;
    size_t base;
} xwords;
static void push_found(rb_arena *ar, rb_field *x, const char *v, const xwords *w, size_t at,
                       size_t len, rb_smap *vs);
typedef struct xrun xrun;
static void context_fields(const struct rb_extract_rules *r, const xrule *x, rb_fact *f,
                           xrun *R);

static void table_index_free(xtable *t)
{
    rb_omap_free(&t->first);
    memset(&t->first, 0, sizeof t->first);
    free(t->bstart);
    free(t->bcount);
    free(t->border);
    free(t->kbit);
    free(t->fbits);
    t->bstart = t->bcount = t->border = NULL;
    t->kbit = NULL;
    t->fbits = NULL;
    t->alen = t->apre = t->acps = 0;
}

static void table_free(xtable *t)
{
    table_index_free(t);
    free(t->alt);
    rb_smap_free(&t->byk);
    for (size_t i = 0; i < t->n; i++) {
        free(t->keys[i]);
        free(t->vals[i]);
    }
    free(t->keys);
    free(t->vals);
    free(t->klen);
    free(t->name);
}

static void field_free(xfield *f)
{
    free(f->name);
    free(f->group);
    for (size_t i = 0; i < f->nseps; i++)
        free(f->seps[i]);
    free(f->seps);
    free(f->seplen);
    free(f->value);
    free(f->deflt);
    free(f->weak);
    free(f->from);
}

static void ac_free(xac *a)
{
    free(a->delta);
    free(a->out);
    free(a->ccls);
    free(a->xcp);
    free(a->xcls);
    free(a->cdelta);
    free(a->cout);
    free(a->rmask);
    free(a->dmask);
    free(a->rmask_at);
    free(a->lrules);
    free(a->free_rules);
    memset(a, 0, sizeof *a);
}

void rb_extract_rules_free(struct rb_extract_rules *r)
{
    if (r)
        ac_free(&r->ac);
    if (!r)
        return;
    for (size_t i = 0; i < r->ntables; i++)
        table_free(&r->tables[i]);
    free(r->tables);
    for (size_t i = 0; i < r->ndims; i++) {
        free(r->dims[i].id);
        free(r->dims[i].title);
        free(r->dims[i].file);
        for (size_t k = 0; k < r->dims[i].nkw; k++)
            free(r->dims[i].kw[k].s);
        free(r->dims[i].kw);
    }
    free(r->dims);
    for (size_t i = 0; i < r->nrules; i++) {
        xrule *x = &r->rules[i];
        free(x->id);
        free(x->file);
        rb_regex_free(x->code);
        for (size_t k = 0; k < x->nf; k++)
            field_free(&x->f[k]);
        free(x->f);
        for (size_t k = 0; k < x->nneeds; k++) {
            for (size_t q = 0; q < x->needs[k].n; q++)
                free(x->needs[k].alt[q].s);
            free(x->needs[k].alt);
        }
        free(x->needs);
    }
    free(r->rules);
    free(r->version);
    free(r);
}

static size_t find_table(const struct rb_extract_rules *r, const char *name)
{
    for (size_t i = 0; i < r->ntables; i++)
        if (strcmp(r->tables[i].name, name) == 0)
            return i + 1;
    return 0;
}

static int cmp_len_desc(const void *a, const void *b, void *t_)
{
    const xtable *t = t_;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return t->klen[x] < t->klen[y] ? 1 : t->klen[x] > t->klen[y] ? -1 : (x > y) - (x < y);
}

/* Expand a table key with {{name}} macros, each a `define:` of alternatives 'a|b|c', into
 * every combination: '常务副{{head}}' -> 常务副市长, 常务副区长, … Calls put for each. */
static rb_status expand_key(yaml_document_t *doc, yaml_node_t *defines, const char *key,
                            rb_buf *prefix, void (*put)(void *, const char *), void *ud,
                            const char *path, unsigned line, rb_error *err)
{
    const char *o = strstr(key, "{{");
    const char *c = o ? strstr(o + 2, "}}") : NULL;
    if (!o || !c) {
        size_t mark = prefix->len;
        rb_buf_puts(prefix, key);
        put(ud, prefix->data);
        prefix->len = mark;
        prefix->data[mark] = 0;
        return RB_OK;
    }
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(c - o - 2), o + 2);
    const char *alts = rb_yaml_str(rb_yaml_get(doc, defines, name));
    if (!alts)
        return rb_error_set(err, RB_EGRAMMAR, "extract", path, line, 1, "grammar-macro",
                            "unknown macro {{%s}} in a table key (define it under `define:`)",
                            name);
    size_t mark = prefix->len;
    rb_buf_put(prefix, key, (size_t)(o - key));
    size_t mark2 = prefix->len;
    for (const char *a = alts;;) {
        const char *bar = strchr(a, '|');
        size_t l = bar ? (size_t)(bar - a) : strlen(a);
        rb_buf_put(prefix, a, l);
        rb_buf_cstr(prefix);
        rb_status st = expand_key(doc, defines, c + 2, prefix, put, ud, path, line, err);
        if (st != RB_OK)
            return st;
        prefix->len = mark2;
        if (!bar)
            break;
        a = bar + 1;
    }
    prefix->len = mark;
    prefix->data[mark] = 0;
    return RB_OK;
}

typedef struct keyput {
    xtable *t;
    const char *val;
} keyput;

static void put_key(void *ud, const char *key)
{
    keyput *kp = ud;
    xtable *t = kp->t;
    size_t kl;
    char *norm = rb_normalize_str(key, strlen(key), 1, &kl);
    int fresh = 0;
    size_t *at = rb_smap_slot(&t->byk, norm, &fresh);
    if (!fresh) { /* a later entry (or file) overrides an earlier one */
        free(t->vals[*at]);
        t->vals[*at] = rb_xstrdup(kp->val);
        free(norm);
        return;
    }
    *at = t->n;
    t->keys = rb_xrealloc(t->keys, (t->n + 1) * sizeof *t->keys);
    t->vals = rb_xrealloc(t->vals, (t->n + 1) * sizeof *t->vals);
    t->klen = rb_xrealloc(t->klen, (t->n + 1) * sizeof *t->klen);
    t->keys[t->n] = norm;
    t->klen[t->n] = kl;
    t->vals[t->n] = rb_xstrdup(kp->val);
    t->n++;
}

/* Tables keep their keys normalized (so traditional keys work) and longest first. A key may
 * hold {{macros}} that expand to every alternative of a `define:`. */
static inline uint32_t next_cp(const unsigned char *s, size_t n, size_t *len);
static inline unsigned cp_bit(uint32_t cp);

/* The character of the first key that every key holds, with the fewest bytes before it in
 * the key that has the most (ties: the first such character). */
static void table_anchor(xtable *t)
{
    t->alen = t->apre = t->acps = 0;
    if (t->n == 0)
        return;
    size_t best = (size_t)-1;
    for (size_t i = 0, cl; i < t->klen[0]; i += cl) {
        uint32_t cp;
        cl = (size_t)rb_utf8_decode(t->keys[0] + i, t->klen[0] - i, &cp);
        if (cl == 0 || cl > sizeof t->anchor)
            return;
        size_t pre = 0, k;
        for (k = 0; k < t->n; k++) {
            const char *at = memmem(t->keys[k], t->klen[k], t->keys[0] + i, cl);
            if (!at)
                break;
            if ((size_t)(at - t->keys[k]) > pre)
                pre = (size_t)(at - t->keys[k]);
        }
        if (k == t->n && pre < best) {
            best = pre;
            memcpy(t->anchor, t->keys[0] + i, cl);
            t->alen = cl;
            t->apre = pre;
        }
    }
    for (size_t k = 0; t->alen && k < t->n; k++) {
        const char *at = memmem(t->keys[k], t->klen[k], t->anchor, t->alen);
        size_t cps = rb_utf8_count(t->keys[k], (size_t)(at - t->keys[k]));
        if (cps > t->acps)
            t->acps = cps;
    }
}

/* The keys grouped by their first code point (a counting sort that keeps the longest-first
 * order within a group), and each key's first-character bit. */
static void table_index(xtable *t)
{
    table_index_free(t);
    size_t n = t->n;
    uint32_t *fc = rb_xmalloc((n + 1) * sizeof *fc);
    size_t *bucket = rb_xmalloc((n + 1) * sizeof *bucket), nb = 0;
    t->kbit = rb_xmalloc((n + 1) * sizeof *t->kbit);
    t->fbits = rb_xcalloc(RB_BMP_WORDS, sizeof *t->fbits);
    for (size_t i = 0; i < n; i++) {
        size_t l;
        fc[i] = next_cp((const unsigned char *)t->keys[i], t->klen[i], &l);
        rb_bmp_add(t->fbits, fc[i]);
        t->kbit[i] = cp_bit(fc[i]);
        int fresh = 0;
        size_t *slot = rb_omap_slot(&t->first, (long)fc[i] + 1, &fresh);
        if (fresh)
            *slot = ++nb;
        bucket[i] = *slot - 1;
    }
    t->bcount = rb_xcalloc(nb + 1, sizeof *t->bcount);
    t->bstart = rb_xcalloc(nb + 1, sizeof *t->bstart);
    for (size_t i = 0; i < n; i++)
        t->bcount[bucket[i]]++;
    for (size_t b = 1; b < nb; b++)
        t->bstart[b] = t->bstart[b - 1] + t->bcount[b - 1];
    size_t *fill = rb_xcalloc(nb + 1, sizeof *fill);
    t->border = rb_xmalloc((n + 1) * sizeof *t->border);
    for (size_t i = 0; i < n; i++)
        t->border[t->bstart[bucket[i]] + fill[bucket[i]]++] = i;
    free(fill);
    free(fc);
    free(bucket);
    table_anchor(t);
}

/* The bucket (+ 1) of the keys that start with cp, or (size_t)-1: none does. */
static size_t key_bucket(const xtable *t, uint32_t cp)
{
    return rb_bmp_may_have(t->fbits, cp) ? rb_omap_get(&t->first, (long)cp + 1) : (size_t)-1;
}

/* From i, past the three-byte characters no key of t starts with, in a loop with a known step
 * (the next one's load does not wait for this one's decoding). */
static size_t skip_keyless3(const xtable *t, const char *s, size_t n, size_t i)
{
    const unsigned char *u = (const unsigned char *)s;
    while (i + 3 <= n && (u[i] & 0xF0) == 0xE0 && !rb_bmp_may_have(t->fbits, rb_utf8_cp3(u + i)))
        i += 3;
    return i;
}

static rb_status load_table(struct rb_extract_rules *r, const char *path, yaml_document_t *doc,
                            yaml_node_t *defines, const char *name, yaml_node_t *map,
                            rb_error *err)
{
    size_t np;
    yaml_node_pair_t *pairs = rb_yaml_pairs(map, &np);
    if (!pairs)
        return rb_error_set(err, RB_EGRAMMAR, "extract", path, rb_yaml_line(map), 1,
                            "grammar-schema", "table %s must be a mapping of key: value", name);
    size_t ti = find_table(r, name);
    if (!ti) {
        r->tables = rb_xrealloc(r->tables, (r->ntables + 1) * sizeof *r->tables);
        memset(&r->tables[r->ntables], 0, sizeof *r->tables);
        r->tables[r->ntables].name = rb_xstrdup(name);
        ti = ++r->ntables;
    }
    xtable *t = &r->tables[ti - 1];
    rb_buf prefix;
    rb_buf_init(&prefix);
    rb_buf_putc(&prefix, 0);
    prefix.len = 0;
    for (size_t i = 0; i < np; i++) {
        yaml_node_t *kn = yaml_document_get_node(doc, pairs[i].key);
        yaml_node_t *vn = yaml_document_get_node(doc, pairs[i].value);
        const char *k = rb_yaml_str(kn);
        const char *v = rb_yaml_str(vn);
        if (vn && vn->type == YAML_SCALAR_NODE && !v)
            v = "";
        if (!k || !v || !*k) {
            rb_buf_free(&prefix);
            return rb_error_set(err, RB_EGRAMMAR, "extract", path, rb_yaml_line(kn), 1,
                                "grammar-schema", "table %s: keys and values are strings", name);
        }
        keyput kp = {t, v};
        rb_status st = expand_key(doc, defines, k, &prefix, put_key, &kp, path,
                                  rb_yaml_line(kn), err);
        if (st != RB_OK) {
            rb_buf_free(&prefix);
            return st;
        }
    }
    rb_buf_free(&prefix);
    free(t->alt);
    t->alt = NULL;
    /* sort longest first (stable) */
    size_t *ord = rb_xmalloc((t->n ? t->n : 1) * sizeof *ord);
    for (size_t i = 0; i < t->n; i++)
        ord[i] = i;
    qsort_r(ord, t->n, sizeof *ord, cmp_len_desc, t);
    char **k2 = rb_xmalloc((t->n ? t->n : 1) * sizeof *k2), **v2 = rb_xmalloc((t->n ? t->n : 1) * sizeof *v2);
    size_t *l2 = rb_xmalloc((t->n ? t->n : 1) * sizeof *l2);
    for (size_t i = 0; i < t->n; i++) {
        k2[i] = t->keys[ord[i]];
        v2[i] = t->vals[ord[i]];
        l2[i] = t->klen[ord[i]];
    }
    free(t->keys);
    free(t->vals);
    free(t->klen);
    free(ord);
    t->keys = k2;
    t->vals = v2;
    t->klen = l2;
    for (size_t i = 0; i < t->n; i++) /* the keys' new places */
        *rb_smap_slot(&t->byk, t->keys[i], &(int){0}) = i;
    table_index(t);
    return RB_OK;
}

/* {{table:NAME}} in a rule's regex: the keys of table NAME as an alternation, longest first
 * (written as a prefix tree, see rb_regex_literals),
 * so the lexicon is written once (a new meeting name in the table is matched by every rule
 * that names meetings). {{ahead:NAME,N}}: a lookahead that fails fast where no key of NAME
 * can start within N characters: (?=[^A]{0,M}A), A the character every key holds and M = N +
 * the most characters a key has before it; it only skips places where the pattern cannot
 * match, so it changes no match, and it follows the table when keys are added. Other
 * {{macros}} are left for rb_expand_macros. NULL with err when the table is unknown, or
 * has no character common to its keys for {{ahead:}}. */
static char *expand_table_refs(struct rb_extract_rules *r, const char *src,
                               const char *path, unsigned line, const char *rule, rb_error *err)
{
    rb_buf b;
    rb_buf_init(&b);
    for (const char *p = src;;) {
        const char *o = strstr(p, "{{"), *c = o ? strstr(o, "}}") : NULL;
        if (!c) {
            rb_buf_puts(&b, p);
            break;
        }
        int ahead = strncmp(o, "{{ahead:", 8) == 0;
        if (!ahead && strncmp(o, "{{table:", 8) != 0) {
            rb_buf_put(&b, p, (size_t)(c + 2 - p)); /* another macro: rb_expand_macros' */
            p = c + 2;
            continue;
        }
        rb_buf_put(&b, p, (size_t)(o - p));
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(c - o - 8), o + 8);
        unsigned long within = 0;
        if (ahead) {
            char *comma = strchr(name, ','), *end = NULL;
            if (comma) {
                *comma = 0;
                within = strtoul(comma + 1, &end, 10);
            }
            if (!comma || end == comma + 1 || *end || within > 1000) {
                rb_error_set(err, RB_EGRAMMAR, "extract", path, line, 1, "grammar-macro",
                             "rule %s: {{ahead:%s}} takes a table and a number of characters "
                             "up to 1000: {{ahead:meeting_type,14}}",
                             rule, name);
                goto fail;
            }
        }
        size_t ti = find_table(r, name);
        if (!ti) {
            rb_error_set(err, RB_EGRAMMAR, "extract", path, line, 1, "grammar-macro",
                         "rule %s: {{%s:%s}} names no table", rule, ahead ? "ahead" : "table",
                         name);
            goto fail;
        }
        xtable *t = &r->tables[ti - 1];
        if (ahead && !t->alen) {
            rb_error_set(err, RB_EGRAMMAR, "extract", path, line, 1, "grammar-macro",
                         "rule %s: {{ahead:%s,%lu}}: no character is common to every key of "
                         "table %s",
                         rule, name, within, name);
            goto fail;
        }
        if (ahead) {
            uint32_t cp; /* written as \x{…}: a key's ] or ( is no syntax */
            rb_utf8_decode(t->anchor, t->alen, &cp);
            rb_buf_printf(&b, "(?=[^\\x{%x}]{0,%zu}\\x{%x})", (unsigned)cp, within + t->acps,
                          (unsigned)cp);
        } else {
            if (!t->alt) {
                rb_buf lb;
                rb_buf_init(&lb);
                rb_regex_literals(&lb, (const char *const *)t->keys, t->klen, t->n);
                t->alt = rb_buf_detach(&lb);
            }
            rb_buf_puts(&b, "(?:");
            rb_buf_puts(&b, t->alt);
            rb_buf_putc(&b, ')');
        }
        p = c + 2;
    }
    return rb_buf_detach(&b);
fail:
    rb_buf_free(&b);
    return NULL;
}

static int yaml_flag(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    const char *v = rb_yaml_str(rb_yaml_get(doc, map, key));
    return v && (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0);
}

static rb_status load_field(struct rb_extract_rules *r, const char *path, yaml_document_t *doc,
                            const char *name, yaml_node_t *spec, xfield *f, void *code,
                            const char *rule, rb_error *err)
{
    memset(f, 0, sizeof *f);
    f->name = rb_xstrdup(name);
    if (spec && spec->type != YAML_MAPPING_NODE)
        return rb_error_set(err, RB_EGRAMMAR, "extract", path, rb_yaml_line(spec), 1,
                            "grammar-schema", "rule %s: field %s takes a mapping ({} for plain)",
                            rule, name);
    const char *v;
    if ((v = rb_yaml_str(rb_yaml_get(doc, spec, "value"))))
        f->value = rb_xstrdup(v);
    if ((v = rb_yaml_str(rb_yaml_get(doc, spec, "default"))))
        f->deflt = rb_xstrdup(v);
    if ((v = rb_yaml_str(rb_yaml_get(doc, spec, "weak"))))
        f->weak = rb_xstrdup(v);
    f->before = yaml_flag(doc, spec, "before");
    f->all = yaml_flag(doc, spec, "all");
    f->heads = yaml_flag(doc, spec, "heads");
    f->number = yaml_flag(doc, spec, "number");
    f->range = yaml_flag(doc, spec, "range");
    f->inherit = yaml_flag(doc, spec, "inherit");
    f->required = yaml_flag(doc, spec, "required");
    f->context = yaml_flag(doc, spec, "context");
    f->topic = yaml_flag(doc, spec, "topic");
    yaml_node_t *fb = rb_yaml_get(doc, spec, "implied");
    if (fb) {
        /* implied: {from: signer, via: implied_document} */
        const char *from = rb_yaml_str(rb_yaml_get(doc, fb, "from"));
        const char *via = rb_yaml_str(rb_yaml_get(doc, fb, "via"));
        if (!from || !via || !(f->via = find_table(r, via)))
            return rb_error_set(err, RB_EGRAMMAR, "extract", path, rb_yaml_line(fb), 1,
                                "grammar-schema",
                                "rule %s: field %s: `implied:` takes {from: FIELD, via: TABLE} "
                                "with a known table",
                                rule, name);
        f->from = rb_xstrdup(from);
    }
    const char *grp = rb_yaml_str(rb_yaml_get(doc, spec, "group"));
    if (!f->value && !f->before) {
        f->group = rb_xstrdup(grp ? grp : name);
        /* group: 'a|b' takes the first of the groups that is set */
        char *gs = rb_xstrdup(f->group);
        for (char *tok = strtok(gs, "|"); tok; tok = strtok(NULL, "|"))
            if (!rb_regex_has_group(code, tok)) {
                rb_status st = rb_error_set(err, RB_EGRAMMAR, "extract", path, rb_yaml_line(spec),
                                            1, "grammar-schema",
                                            "rule %s: field %s uses group (?<%s>…), which the "
                                            "regex does not have",
                                            rule, name, tok);
                free(gs);
                return st;
            }
        free(gs);
    }
    if ((v = rb_yaml_str(rb_yaml_get(doc, spec, "table")))) {
        f->table = find_table(r, v);
        if (!f->table)
            return rb_error_set(err, RB_EGRAMMAR, "extract", path, rb_yaml_line(spec), 1,
                                "grammar-schema", "rule %s: unknown table '%s'", rule, v);
    }
    if (f->topic && !f->table)
        return rb_error_set(err, RB_EGRAMMAR, "extract", path, rb_yaml_line(spec), 1,
                            "grammar-schema", "rule %s: field %s: `topic:` needs a `table:`",
                            rule, name);
    if ((v = rb_yaml_str(rb_yaml_get(doc, spec, "strip")))) {
        f->strip = find_table(r, v);
        if (!f->strip)
            return rb_error_set(err, RB_EGRAMMAR, "extract", path, rb_yaml_line(spec), 1,
                                "grammar-schema", "rule %s: unknown table '%s'", rule, v);
    }
    if ((v = rb_yaml_str(rb_yaml_get(doc, spec, "split")))) {
        const char *p = v;
        while (*p) {
            const char *bar = strchr(p, '|');
            size_t l = bar ? (size_t)(bar - p) : strlen(p);
            if (l) {
                f->seps = rb_xrealloc(f->seps, (f->nseps + 1) * sizeof *f->seps);
                f->seplen = rb_xrealloc(f->seplen, (f->nseps + 1) * sizeof *f->seplen);
                f->seps[f->nseps] = rb_normalize_str(p, l, 1, NULL);
                f->seplen[f->nseps] = strlen(f->seps[f->nseps]);
                f->nseps++;
            }
            p += l + (bar ? 1 : 0);
        }
    }
    return RB_OK;
}

/* Which characters a sentence holds, as a 1024-bit hash set: a literal with a character
 * outside the set cannot occur, which spares most memmem calls. */
typedef struct charset {
    uint64_t w[16];
} charset;

static inline unsigned cp_bit(uint32_t cp) { return (unsigned)((cp * 2654435761u) >> 22) & 1023; }

/* The code point at s (valid UTF-8, as the view is) and its length. */
static inline uint32_t next_cp(const unsigned char *s, size_t n, size_t *len)
{
    unsigned c = s[0];
    if (c < 0x80 || n < 2) {
        *len = 1;
        return c;
    }
    if (c < 0xE0) {
        *len = 2;
        return ((c & 0x1Fu) << 6) | (s[1] & 0x3Fu);
    }
    if (c < 0xF0 || n < 4) {
        *len = n < 3 ? n : 3;
        return n < 3 ? c : ((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    }
    *len = 4;
    return ((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
}

static void charset_of(const char *s, size_t n, charset *cs)
{
    memset(cs, 0, sizeof *cs);
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0, l; i < n; i += l) {
        unsigned b = cp_bit(next_cp(u + i, n - i, &l));
        cs->w[b >> 6] |= 1ull << (b & 63);
    }
}

static void lit_init(xlit *x, char *s, size_t len)
{
    x->s = s;
    x->len = len;
}

/* Where the last alternative of nd in s[from, to) starts, or (size_t)-1 when none is there.
 * Each alternative is looked for from the end by its last byte (memrchr; a CJK character's
 * last byte tells more than its first), down to the best place found so far. */
static size_t last_of(const xneed *nd, const char *s, size_t from, size_t to)
{
    size_t best = (size_t)-1;
    for (size_t q = 0; q < nd->n; q++) {
        const xlit *lit = &nd->alt[q];
        size_t lo = best == (size_t)-1 ? from : best + 1; /* only a later one counts */
        if (lit->len == 0 || lit->len > to - lo)
            continue;
        size_t tail = lit->len - 1, hi = to; /* the last byte is in s[lo + tail, hi) */
        while (hi > lo + tail) {
            const char *e = memrchr(s + lo + tail, lit->s[tail], hi - (lo + tail));
            if (!e)
                break;
            size_t at = (size_t)(e - s) - tail;
            if (memcmp(s + at, lit->s, tail) == 0) {
                best = at;
                break;
            }
            hi = (size_t)(e - s);
        }
    }
    return best;
}

/* Can a match of the rule start in s[from, to)? A match holds every item of its `needs:` at
 * or after its start (the grammar's examples are held to it at load), so it starts at the
 * latest where the item whose last place comes first has it: that place goes to *limit
 * ((size_t)-1 for a rule without `needs:`). 0 when an item is not there at all. */
static int needs_reach(const xrule *x, const char *s, size_t from, size_t to, size_t *limit)
{
    size_t lim = (size_t)-1;
    for (size_t k = 0; k < x->nneeds; k++) {
        size_t p = last_of(&x->needs[k], s, from, to);
        if (p == (size_t)-1)
            return 0;
        if (p < lim)
            lim = p;
    }
    *limit = lim;
    return 1;
}

/* needs: ['召开|举行', '次']: a list of items, each alternatives split at '|' */
static rb_status load_needs(xrule *x, yaml_document_t *doc, yaml_node_t *rn, rb_error *err)
{
    yaml_node_t *nn = rb_yaml_get(doc, rn, "needs");
    if (!nn)
        return RB_OK;
    size_t n;
    yaml_node_item_t *it = rb_yaml_items(nn, &n);
    if (!it || n == 0)
        return rb_error_set(err, RB_EGRAMMAR, "extract", x->file, rb_yaml_line(nn),
                            rb_yaml_col(nn), "grammar-schema",
                            "rule %s: `needs:` is a list of literals ('a|b' for either)", x->id);
    x->needs = rb_xcalloc(n, sizeof *x->needs);
    for (size_t k = 0; k < n; k++) {
        yaml_node_t *in = yaml_document_get_node(doc, it[k]);
        const char *v = rb_yaml_str(in);
        if (!v || !*v)
            return rb_error_set(err, RB_EGRAMMAR, "extract", x->file, rb_yaml_line(in),
                                rb_yaml_col(in), "grammar-schema",
                                "rule %s: each `needs:` item is a non-empty string", x->id);
        xneed *nd = &x->needs[x->nneeds++];
        for (const char *p = v;;) {
            const char *bar = strchr(p, '|');
            size_t l = bar ? (size_t)(bar - p) : strlen(p);
            if (l == 0)
                return rb_error_set(err, RB_EGRAMMAR, "extract", x->file, rb_yaml_line(in),
                                    rb_yaml_col(in), "grammar-schema",
                                    "rule %s: an empty alternative in `needs: %s`", x->id, v);
            nd->alt = rb_xrealloc(nd->alt, (nd->n + 1) * sizeof *nd->alt);
            size_t nl;
            char *norm = rb_normalize_str(p, l, 1, &nl);
            lit_init(&nd->alt[nd->n++], norm, nl);
            if (!bar)
                break;
            p = bar + 1;
        }
    }
    return RB_OK;
}

/* A field's group spec 'a|b' as group numbers, so a match reads its groups without a lookup
 * by name. */
static void group_numbers(void *code, xfield *f)
{
    f->ngnum = 0;
    for (const char *p = f->group; p && *p && f->ngnum < sizeof f->gnum / sizeof *f->gnum;) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)l, p);
        f->gnum[f->ngnum++] = rb_regex_group_number(code, name);
        if (!bar)
            break;
        p = bar + 1;
    }
}

static rb_status check_rule_examples(const rb_grammar *g, const xrule *x, yaml_document_t *doc,
                                     yaml_node_t *rn, rb_error *err)
{
    static const char *const keys[] = {"examples", "not"};
    for (int w = 0; w < 2; w++) {
        size_t n;
        yaml_node_item_t *it = rb_yaml_items(rb_yaml_get(doc, rn, keys[w]), &n);
        if (w == 0 && n == 0)
            return rb_error_set(err, RB_EGRAMMAR, "extract", x->file, x->line, 1,
                                "grammar-schema", "rule %s has no `examples:`", x->id);
        for (size_t i = 0; i < n; i++) {
            const char *ex = rb_yaml_str(yaml_document_get_node(doc, it[i]));
            if (!ex)
                continue;
            size_t l;
            char *t = rb_normalize_str(ex, strlen(ex), 1, &l);
            size_t ov[40], lim;
            int m = 0, reach_ok = 1;
            for (size_t pos = 0; pos < l && m == 0;) {
                int r1 = rb_regex_match(g, x->code, x->id, t, l, pos, ov, 20, err);
                if (r1 < 0) {
                    free(t);
                    char why[sizeof err->message];
                    snprintf(why, sizeof why, "%s", err->message);
                    return rb_error_set(err, RB_EGRAMMAR, "extract", x->file, x->line, 1,
                                        "grammar-limit",
                                        "rule %s gives up on its example '%.*s…' (%s): it would "
                                        "on real text too",
                                        x->id, (int)rb_utf8_cut(ex, 40), ex, why);
                }
                if (r1 == 0)
                    break;
                reach_ok &= needs_reach(x, t, ov[0], l, &lim);
                rb_fact f;
                rb_arena ar = {0};
                memset(&f, 0, sizeof f);
                f.arena = &ar;
                apply_fields(g->extract, x, t, 0, ov, &f, NULL, NULL);
                context_fields(g->extract, x, &f, NULL);
                m = has_required(x, &f);
                rb_fact_clear(&f);
                rb_arena_free(&ar);
                pos = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
            }
            int needs_ok = needs_reach(x, t, 0, l, &lim); /* every item somewhere */
            free(t);
            if (w == 0 && m == 0)
                return rb_error_set(err, RB_EGRAMMAR, "extract", x->file, x->line, 1,
                                    "grammar-example", "rule %s does not match its example '%s'",
                                    x->id, ex);
            if (w == 0 && !needs_ok)
                return rb_error_set(err, RB_EGRAMMAR, "extract", x->file, x->line, 1,
                                    "grammar-needs",
                                    "rule %s matches its example '%s', which lacks an item of "
                                    "its `needs:`: the prefilter would skip such sentences",
                                    x->id, ex);
            if (w == 0 && !reach_ok)
                return rb_error_set(err, RB_EGRAMMAR, "extract", x->file, x->line, 1,
                                    "grammar-needs",
                                    "rule %s matches its example '%s' where an item of its "
                                    "`needs:` is only before the match: a search for a match "
                                    "stops at the last place of each item",
                                    x->id, ex);
            if (w == 1 && m == 1)
                return rb_error_set(err, RB_EGRAMMAR, "extract", x->file, x->line, 1,
                                    "grammar-example", "rule %s matches '%s', listed under `not:`",
                                    x->id, ex);
        }
    }
    return RB_OK;
}

rb_status rb_extract_add(rb_grammar *g, const char *path, yaml_document_t *doc,
                         yaml_node_t *root, rb_error *err)
{
    if (!g->extract)
        g->extract = rb_xcalloc(1, sizeof *g->extract);
    struct rb_extract_rules *r = g->extract;
    const char *ver = rb_yaml_str(rb_yaml_get(doc, root, "version"));
    if (ver) {
        free(r->version);
        r->version = rb_xstrdup(ver);
    }
    size_t n;
    yaml_node_t *defines = rb_yaml_get(doc, root, "define");
    yaml_node_pair_t *tp = rb_yaml_pairs(rb_yaml_get(doc, root, "tables"), &n);
    for (size_t i = 0; i < n; i++) {
        const char *name = rb_yaml_str(yaml_document_get_node(doc, tp[i].key));
        rb_status st = load_table(r, path, doc, defines, name ? name : "?",
                                  yaml_document_get_node(doc, tp[i].value), err);
        if (st != RB_OK)
            return st;
    }
    yaml_node_item_t *dims = rb_yaml_items(rb_yaml_get(doc, root, "dimensions"), &n);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *dn = yaml_document_get_node(doc, dims[i]);
        const char *id = rb_yaml_str(rb_yaml_get(doc, dn, "id"));
        if (!id)
            return rb_error_set(err, RB_EGRAMMAR, "extract", path, rb_yaml_line(dn), 1,
                                "grammar-schema", "a dimension needs an id");
        size_t di = r->ndims;
        for (size_t k = 0; k < r->ndims; k++)
            if (strcmp(r->dims[k].id, id) == 0)
                di = k;
        if (di == r->ndims) {
            r->dims = rb_xrealloc(r->dims, (r->ndims + 1) * sizeof *r->dims);
            memset(&r->dims[di], 0, sizeof *r->dims);
            r->dims[di].id = rb_xstrdup(id);
            const char *title = rb_yaml_str(rb_yaml_get(doc, dn, "title"));
            r->dims[di].title = rb_xstrdup(title ? title : id);
            r->dims[di].kind = rb_dim_of(id);
            r->dims[di].file = rb_xstrdup(path);
            r->dims[di].line = rb_yaml_line(dn);
            r->ndims++;
        }
        size_t nk;
        yaml_node_item_t *kw = rb_yaml_items(rb_yaml_get(doc, dn, "keywords"), &nk);
        for (size_t k = 0; k < nk; k++) {
            const char *w = rb_yaml_str(yaml_document_get_node(doc, kw[k]));
            if (!w)
                continue;
            xdim *D = &r->dims[di];
            D->kw = rb_xrealloc(D->kw, (D->nkw + 1) * sizeof *D->kw);
            size_t wl;
            char *norm = rb_normalize_str(w, strlen(w), 1, &wl);
            lit_init(&D->kw[D->nkw++], norm, wl);
        }
        size_t nr;
        yaml_node_item_t *rules = rb_yaml_items(rb_yaml_get(doc, dn, "rules"), &nr);
        for (size_t k = 0; k < nr; k++) {
            yaml_node_t *rn = yaml_document_get_node(doc, rules[k]);
            const char *rid = rb_yaml_str(rb_yaml_get(doc, rn, "id"));
            yaml_node_t *rxn = rb_yaml_get(doc, rn, "regex");
            const char *rx = rb_yaml_str(rxn);
            if (!rid || !rx)
                return rb_error_set(err, RB_EGRAMMAR, "extract", path, rb_yaml_line(rn), 1,
                                    "grammar-schema", "each rule needs id and regex");
            for (size_t q = 0; q < r->nrules; q++)
                if (strcmp(r->rules[q].id, rid) == 0)
                    return rb_error_set(err, RB_EGRAMMAR, "extract", path, rb_yaml_line(rn), 1,
                                        "grammar-schema", "rule id %s is used twice", rid);
            for (size_t q = 0; q < g->npatterns; q++)
                if (strcmp(g->patterns[q].id, rid) == 0)
                    return rb_error_set(err, RB_EGRAMMAR, "extract", path, rb_yaml_line(rn), 1,
                                        "grammar-schema", "rule id %s is a structure pattern's id",
                                        rid);
            char *src0 = rb_expand_macros(doc, defines, rx, path, rb_yaml_line(rxn), err);
            if (!src0)
                return RB_EGRAMMAR;
            char *src = expand_table_refs(r, src0, path, rb_yaml_line(rxn), rid, err);
            free(src0);
            if (!src)
                return RB_EGRAMMAR;
            void *code = rb_grammar_regex(g, src, path, rb_yaml_line(rxn), rb_yaml_col(rxn), rid, err);
            free(src);
            if (!code)
                return RB_EGRAMMAR;
            r->rules = rb_xrealloc(r->rules, (r->nrules + 1) * sizeof *r->rules);
            xrule *x = &r->rules[r->nrules++];
            memset(x, 0, sizeof *x);
            x->id = rb_xstrdup(rid);
            x->dim = di;
            x->code = code;
            x->file = rb_xstrdup(path);
            x->line = rb_yaml_line(rn);
            x->has_span = rb_regex_has_group(code, "span");
            x->span_num = rb_regex_group_number(code, "span");
            size_t nf;
            yaml_node_pair_t *fp = rb_yaml_pairs(rb_yaml_get(doc, rn, "fields"), &nf);
            x->f = rb_xcalloc(nf ? nf : 1, sizeof *x->f);
            for (size_t q = 0; q < nf; q++) {
                const char *fname = rb_yaml_str(yaml_document_get_node(doc, fp[q].key));
                rb_status st = load_field(r, path, doc, fname ? fname : "?",
                                          yaml_document_get_node(doc, fp[q].value), &x->f[q],
                                          code, rid, err);
                x->nf = q + 1;
                if (st != RB_OK)
                    return st;
                group_numbers(code, &x->f[q]);
            }
            rb_status st = load_needs(x, doc, rn, err);
            if (st != RB_OK)
                return st;
            st = g->examples_known ? RB_OK : check_rule_examples(g, x, doc, rn, err);
            if (st != RB_OK)
                return st;
        }
    }
    ac_build(r);
    return check_dim_fields(r, err);
}

static const char *const dim_ids[RB_DIM_COUNT] = {
    [RB_DIM_COMPOSITION] = "composition", [RB_DIM_INSTITUTION] = "institution",
    [RB_DIM_MEETINGS] = "meetings",       [RB_DIM_SIGNING] = "signing",
    [RB_DIM_LEAVE] = "leave",             [RB_DIM_DEADLINES] = "deadlines",
};

/* the fields compare, check and diff read, which the rules themselves set (the derived ones,
 * count_min, per_year_max, conflict…, are computed from these) */
static const char *const dim_fields[RB_DIM_COUNT][12] = {
    [RB_DIM_COMPOSITION] = {RB_F_MEMBERS},
    [RB_DIM_INSTITUTION] = {RB_F_NAME, RB_F_TYPE},
    [RB_DIM_MEETINGS] = {RB_F_TYPE, RB_F_NAME, RB_F_ROLE, RB_F_KIND, RB_F_PERIOD, RB_F_COUNT,
                         RB_F_HEDGE, RB_F_WHEN, RB_F_RELATIVE_TO, RB_F_CONVENER, RB_F_MEMBERS},
    [RB_DIM_SIGNING] = {RB_F_SIGNER, RB_F_DOCUMENT, RB_F_VERB, RB_F_CONDITION, RB_F_DIRECTION,
                        RB_F_MEETINGS, RB_F_REVIEWER},
    [RB_DIM_LEAVE] = {RB_F_WHO, RB_F_APPROVER, RB_F_OCCASION, RB_F_WRITTEN, RB_F_MEETINGS,
                      RB_F_NOTICE_AMOUNT, RB_F_NOTICE_UNIT, RB_F_THRESHOLD_AMOUNT,
                      RB_F_THRESHOLD_UNIT},
    [RB_DIM_DEADLINES] = {RB_F_ACTION, RB_F_AMOUNT, RB_F_AMOUNT_MAX, RB_F_UNIT, RB_F_BOUND,
                          RB_F_TRIGGER},
};

rb_dim rb_dim_of(const char *id)
{
    for (int k = 1; id && k < RB_DIM_COUNT; k++)
        if (strcmp(dim_ids[k], id) == 0)
            return (rb_dim)k;
    return RB_DIM_OTHER;
}

const char *rb_dim_id(rb_dim k)
{
    return k > RB_DIM_OTHER && k < RB_DIM_COUNT ? dim_ids[k] : "";
}

const char *const *rb_dim_fields(rb_dim k)
{
    static const char *const none[1];
    return k > RB_DIM_OTHER && k < RB_DIM_COUNT ? dim_fields[k] : none;
}

/* A dimension the C code knows must have rules that set each field it reads: a field renamed
 * in the grammar is a load error, not an empty column. */
/* Aho–Corasick over strings of symbols, as a full DFA: sym[i][0..len[i]) are literal i's
 * symbols (1 .. ncls - 1; symbol 0 is in no literal and leads back to the root). *delta gets
 * the next state of each state and symbol (nstates x ncls), *out the literals that end in each
 * state, its failure chain's included (nstates x words). Returns nstates. */
static size_t dfa_build(uint32_t *const *sym, const size_t *len, size_t n, size_t ncls,
                        size_t words, uint32_t **delta_out, uint64_t **out_out)
{
    size_t maxs = 1, W = ncls;
    for (size_t i = 0; i < n; i++)
        maxs += len[i];
    uint32_t *delta = rb_xcalloc(maxs * W, sizeof *delta);
    uint64_t *out = rb_xcalloc(maxs * words, sizeof *out);
    size_t nstates = 1;
    /* the trie (0: no edge yet, except from the root) */
    for (size_t i = 0; i < n; i++) {
        uint32_t st = 0;
        for (size_t b = 0; b < len[i]; b++) {
            uint32_t c = sym[i][b];
            if (!delta[st * W + c])
                delta[st * W + c] = (uint32_t)nstates++;
            st = delta[st * W + c];
        }
        out[st * words + i / 64] |= 1ull << (i % 64);
    }
    /* failure links, breadth first, folded into a full DFA */
    uint32_t *fail = rb_xcalloc(nstates, sizeof *fail), *queue = rb_xmalloc(nstates * sizeof *queue);
    size_t qh = 0, qt = 0;
    for (unsigned c = 1; c < W; c++)
        if (delta[c]) {
            fail[delta[c]] = 0;
            queue[qt++] = delta[c];
        }
    while (qh < qt) {
        uint32_t st = queue[qh++];
        for (size_t w = 0; w < words; w++)
            out[st * words + w] |= out[fail[st] * words + w];
        for (unsigned c = 1; c < W; c++) {
            uint32_t nx = delta[st * W + c];
            if (nx) {
                fail[nx] = delta[fail[st] * W + c];
                queue[qt++] = nx;
            } else {
                delta[st * W + c] = delta[fail[st] * W + c];
            }
        }
    }
    free(fail);
    free(queue);
    *delta_out = delta;
    *out_out = out;
    return nstates;
}

/* Does a literal end in state st (out: the automaton's nstates x words sets)? */
static int ends_literal(const uint64_t *out, size_t words, uint32_t st)
{
    for (size_t w = 0; w < words; w++)
        if (out[(size_t)st * words + w])
            return 1;
    return 0;
}

/* The code point at u[i] (u holds n bytes) and its length, strictly: a byte that starts no
 * valid character (a stray continuation byte, a form cut short or overlong) is UINT32_MAX, one
 * byte long. No literal (valid UTF-8) runs through such a byte, and none starts inside a valid
 * character: the walk over characters finds what the walk over bytes finds, in any bytes. */
static inline __attribute__((always_inline)) uint32_t strict_cp(const unsigned char *u, size_t i,
                                                                 size_t n, size_t *len)
{
    unsigned b = u[i];
    *len = 1;
    if (b < 0x80)
        return b;
    if (b >= 0xE0 && b < 0xF0) { /* first: CJK */
        if (i + 2 < n && (u[i + 1] & 0xC0) == 0x80 && (u[i + 2] & 0xC0) == 0x80) {
            uint32_t cp = rb_utf8_cp3(u + i);
            if (cp >= 0x800) {
                *len = 3;
                return cp;
            }
        }
        return UINT32_MAX;
    }
    if (b >= 0xC2 && b < 0xE0) {
        if (i + 1 < n && (u[i + 1] & 0xC0) == 0x80) {
            *len = 2;
            return (b & 0x1Fu) << 6 | (u[i + 1] & 0x3Fu);
        }
        return UINT32_MAX;
    }
    if (b >= 0xF0 && b < 0xF5 && i + 3 < n && (u[i + 1] & 0xC0) == 0x80 &&
        (u[i + 2] & 0xC0) == 0x80 && (u[i + 3] & 0xC0) == 0x80) {
        uint32_t cp = (b & 0x07u) << 18 | (u[i + 1] & 0x3Fu) << 12 | (u[i + 2] & 0x3Fu) << 6 |
                      (u[i + 3] & 0x3Fu);
        if (cp >= 0x10000 && cp <= 0x10FFFF) {
            *len = 4;
            return cp;
        }
    }
    return UINT32_MAX;
}

/* The class of a code point in the automaton over characters (0: in no literal). */
static unsigned char_class_far(const xac *a, uint32_t cp)
{
    for (size_t k = 0; k < a->nx; k++)
        if (a->xcp[k] == cp)
            return a->xcls[k];
    return 0;
}

static inline unsigned char_class(const xac *a, uint32_t cp)
{
    return cp < 0x10000 ? a->ccls[cp] : char_class_far(a, cp);
}

/* The automaton over characters (see xac), when the literals allow it; else none. */
static void ac_build_chars(xac *a, xlit *const *lits, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += lits[i]->len;
    a->ccls = rb_xcalloc(0x10000, 1);
    uint32_t *buf = rb_xmalloc((total + 1) * sizeof *buf), **sym = rb_xmalloc((n + 1) * sizeof *sym);
    size_t *len = rb_xmalloc((n + 1) * sizeof *len), used = 0, xcap = 0;
    int ok = 1;
    a->cncls = 1;
    for (size_t i = 0; i < n && ok; i++) {
        const unsigned char *u = (const unsigned char *)lits[i]->s;
        sym[i] = buf + used;
        len[i] = 0;
        for (size_t b = 0, l; b < lits[i]->len && ok; b += l) {
            uint32_t cp = strict_cp(u, b, lits[i]->len, &l);
            unsigned c = cp == UINT32_MAX ? 0 : char_class(a, cp);
            if (cp == UINT32_MAX) {
                ok = 0; /* not a character: the bytes' walk */
            } else if (!c) {
                c = (unsigned)a->cncls++;
                if (cp < 0x10000) {
                    a->ccls[cp] = (unsigned char)c;
                } else {
                    if (a->nx == xcap) {
                        xcap = xcap ? 2 * xcap : 4;
                        a->xcp = rb_xrealloc(a->xcp, xcap * sizeof *a->xcp);
                        a->xcls = rb_xrealloc(a->xcls, xcap);
                    }
                    a->xcp[a->nx] = cp;
                    a->xcls[a->nx++] = (unsigned char)c;
                }
            }
            sym[i][len[i]++] = c;
        }
        used += len[i];
    }
    /* a table of 16-bit offsets has fewer than 256 classes (the states are at least as many
     * as the classes): a class past a byte, cut short in ccls, is in a table refused here */
    _Static_assert(CAC_OUT <= 256 * 256, "classes in a byte");
    uint32_t *delta = NULL;
    size_t nstates = ok ? dfa_build(sym, len, n, a->cncls, a->words, &delta, &a->cout) : 0;
    if (ok && nstates * a->cncls < CAC_OUT) {
        /* each entry the offset of the next state's row, with CAC_OUT when a literal ends */
        a->cdelta = rb_xmalloc(nstates * a->cncls * sizeof *a->cdelta);
        for (size_t i = 0; i < nstates * a->cncls; i++) {
            a->cdelta[i] = (uint16_t)(delta[i] * a->cncls |
                                      (ends_literal(a->cout, a->words, delta[i]) ? CAC_OUT : 0));
        }
    } else {
        free(a->ccls);
        free(a->xcp);
        free(a->xcls);
        free(a->cout);
        a->ccls = a->xcls = NULL;
        a->xcp = NULL;
        a->cout = NULL;
        a->nx = a->cncls = 0;
    }
    free(delta);
    free(buf);
    free(sym);
    free(len);
}

/* The automaton of all the literals (numbered here in the xlits themselves). */
static void ac_build(struct rb_extract_rules *r)
{
    ac_free(&r->ac);
    xlit **lits = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < r->nrules; i++)
        for (size_t k = 0; k < r->rules[i].nneeds; k++)
            for (size_t q = 0; q < r->rules[i].needs[k].n; q++) {
                RB_GROW(lits, n, cap);
                lits[n++] = &r->rules[i].needs[k].alt[q];
            }
    for (size_t d = 0; d < r->ndims; d++)
        for (size_t k = 0; k < r->dims[d].nkw; k++) {
            RB_GROW(lits, n, cap);
            lits[n++] = &r->dims[d].kw[k];
        }
    xac *a = &r->ac;
    a->nlit = n;
    a->words = (n + 63) / 64 ? (n + 63) / 64 : 1;
    /* byte classes: each byte of a literal its own, every other byte class 0 (from any state
     * it leads back to the root), so a row is ncls entries, not 256 */
    a->ncls = 1;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += lits[i]->len;
        for (size_t b = 0; b < lits[i]->len; b++) {
            unsigned char c = (unsigned char)lits[i]->s[b];
            if (!a->cls[c])
                a->cls[c] = (unsigned char)a->ncls++;
        }
    }
    a->maxlen = 0;
    uint32_t *buf = rb_xmalloc((total + 1) * sizeof *buf), **sym = rb_xmalloc((n + 1) * sizeof *sym);
    size_t *len = rb_xmalloc((n + 1) * sizeof *len), used = 0;
    for (size_t i = 0; i < n; i++) {
        lits[i]->id = (unsigned)i;
        if (lits[i]->len > a->maxlen)
            a->maxlen = lits[i]->len;
        sym[i] = buf + used;
        len[i] = lits[i]->len;
        for (size_t b = 0; b < lits[i]->len; b++)
            sym[i][b] = a->cls[(unsigned char)lits[i]->s[b]];
        used += len[i];
    }
    a->nstates = dfa_build(sym, len, n, a->ncls, a->words, &a->delta, &a->out);
    free(buf);
    free(sym);
    free(len);
    size_t W = a->ncls;
    /* each rule's `needs:` items and each dimension's keywords as sets of literal ids */
    size_t nitems = 0;
    a->rmask_at = rb_xcalloc(r->nrules + 1, sizeof *a->rmask_at);
    for (size_t i = 0; i < r->nrules; i++) {
        a->rmask_at[i] = nitems;
        nitems += r->rules[i].nneeds;
    }
    a->rmask = rb_xcalloc((nitems + 1) * a->words, sizeof *a->rmask);
    /* and per literal, the rules it is an item's of (see xac) */
    a->rwords = (r->nrules + 63) / 64 ? (r->nrules + 63) / 64 : 1;
    a->lrules = rb_xcalloc((n + 1) * a->rwords, sizeof *a->lrules);
    a->free_rules = rb_xcalloc(a->rwords, sizeof *a->free_rules);
    for (size_t i = 0; i < r->nrules; i++) {
        uint64_t rule_bit = 1ull << (i % 64);
        if (!r->rules[i].nneeds)
            a->free_rules[i / 64] |= rule_bit;
        for (size_t k = 0; k < r->rules[i].nneeds; k++) {
            uint64_t *m = &a->rmask[(a->rmask_at[i] + k) * a->words];
            for (size_t q = 0; q < r->rules[i].needs[k].n; q++) {
                unsigned id = r->rules[i].needs[k].alt[q].id;
                m[id / 64] |= 1ull << (id % 64);
                a->lrules[id * a->rwords + i / 64] |= rule_bit;
            }
        }
    }
    a->dmask = rb_xcalloc((r->ndims + 1) * a->words, sizeof *a->dmask);
    for (size_t d = 0; d < r->ndims; d++)
        for (size_t k = 0; k < r->dims[d].nkw; k++) {
            unsigned id = r->dims[d].kw[k].id;
            a->dmask[d * a->words + id / 64] |= 1ull << (id % 64);
        }
    /* an edge holds the offset of the next state's row (no multiplication in the scan), and
     * AC_OUT when a literal ends there, so that the scan skips the other states */
    if (a->nstates * W >= AC_OUT) { /* too many literals for 31 bits: no prefilter */
        a->all = 1;
        free(lits);
        return;
    }
    for (size_t i = 0; i < a->nstates * W; i++) {
        a->delta[i] = (uint32_t)(a->delta[i] * W) |
                      (ends_literal(a->out, a->words, a->delta[i]) ? AC_OUT : 0);
    }
    ac_build_chars(a, lits, n);
    free(lits);
}

/* The automaton's walk records the states where a literal ends (AC_OUT) in a small buffer,
 * without a branch (a hit is as likely as not at a CJK character: a branch there is
 * mispredicted), and their literals join the set after every AC_HITS bytes (a byte ends one
 * state at most) and at the end. */
#define AC_HITS 128
typedef struct achits {
    uint32_t st[AC_HITS];
    size_t n;
    uint64_t *present;
} achits;

/* The literals of the states in h into its set (of the automaton over characters: chars). */
static void ac_flush(const xac *a, achits *h, int chars)
{
    const uint64_t *out = chars ? a->cout : a->out;
    size_t ncls = chars ? a->cncls : a->ncls;
    uint32_t off = chars ? ~(uint32_t)CAC_OUT : ~AC_OUT;
    for (size_t k = 0; k < h->n; k++) {
        const uint64_t *o = &out[(size_t)(h->st[k] & off) / ncls * a->words];
        for (size_t w = 0; w < a->words; w++)
            h->present[w] |= o[w];
    }
    h->n = 0;
}

/* Walk u[0..n) from st, n <= AC_HITS - h->n. */
static inline uint32_t ac_walk(const xac *a, uint32_t st, const unsigned char *u, size_t n,
                               achits *h)
{
    for (size_t i = 0; i < n; i++) {
        st = a->delta[(st & ~AC_OUT) + a->cls[u[i]]];
        h->st[h->n] = st;
        h->n += st >> 31;
    }
    return st;
}

/* Walk u1[0..n) and u2[0..n) at once (their steps interleave), n <= AC_HITS - h?->n. */
static inline void ac_walk2(const xac *a, uint32_t *st1, const unsigned char *u1, achits *h1,
                            uint32_t *st2, const unsigned char *u2, achits *h2, size_t n)
{
    uint32_t s1 = *st1, s2 = *st2;
    for (size_t i = 0; i < n; i++) {
        s1 = a->delta[(s1 & ~AC_OUT) + a->cls[u1[i]]];
        s2 = a->delta[(s2 & ~AC_OUT) + a->cls[u2[i]]];
        h1->st[h1->n] = s1;
        h1->n += s1 >> 31;
        h2->st[h2->n] = s2;
        h2->n += s2 >> 31;
    }
    *st1 = s1;
    *st2 = s2;
}

/* A text walked alone: chunks of AC_HITS bytes, the buffer emptied after each. */
static uint32_t ac_walk_all(const xac *a, uint32_t st, const unsigned char *u, size_t n,
                            achits *h)
{
    for (size_t i = 0; i < n; i += AC_HITS) {
        st = ac_walk(a, st, u + i, n - i < AC_HITS ? n - i : AC_HITS, h);
        ac_flush(a, h, 0);
    }
    return st;
}

/* Two texts walked at once for their common length m, then the longer on its own. */
static void ac_walk_pair(const xac *a, const unsigned char *u1, size_t n1, achits *h1,
                         const unsigned char *u2, size_t n2, achits *h2)
{
    size_t m = n1 < n2 ? n1 : n2;
    uint32_t s1 = 0, s2 = 0;
    for (size_t i = 0; i < m; i += AC_HITS) {
        ac_walk2(a, &s1, u1 + i, h1, &s2, u2 + i, h2, m - i < AC_HITS ? m - i : AC_HITS);
        ac_flush(a, h1, 0);
        ac_flush(a, h2, 0);
    }
    ac_walk_all(a, s1, u1 + m, n1 - m, h1);
    ac_walk_all(a, s2, u2 + m, n2 - m, h2);
}

/* One step of the walk over characters: the character at u[*i] (u holds n bytes) moves st on
 * (cc and cd: a's ccls and cdelta, held by the caller in registers), the state is recorded in
 * st_at[*k], which counts when a literal ends there. */
#define CSTEP(a, cc, cd, u, i, n, st, st_at, k)                                                \
    do {                                                                                       \
        size_t l_;                                                                             \
        uint32_t cp_ = strict_cp(u, i, n, &l_);                                                \
        unsigned c_ = cp_ < 0x10000 ? cc[cp_] : char_class_far(a, cp_);                       \
        i += l_;                                                                               \
        st = cd[(st & ~CAC_OUT) + c_];                                                         \
        st_at[k] = st;                                                                         \
        k += st >> 15;                                                                         \
    } while (0)

/* The walk over characters: as ac_walk_all, one step a character (strict_cp), the buffer
 * emptied after every AC_HITS characters. */
static void cwalk_all(const xac *a, uint32_t st, const unsigned char *u, size_t i, size_t n,
                      achits *h)
{
    const unsigned char *cc = a->ccls;
    const uint16_t *cd = a->cdelta;
    while (i < n) {
        size_t k = 0;
        for (size_t q = 0; q < AC_HITS && i < n; q++)
            CSTEP(a, cc, cd, u, i, n, st, h->st, k);
        h->n = k;
        ac_flush(a, h, 1);
    }
}

/* Two texts a character of each at a time while both last, then the longer on its own. */
static void cwalk_pair(const xac *a, const unsigned char *u1, size_t n1, achits *h1,
                       const unsigned char *u2, size_t n2, achits *h2)
{
    const unsigned char *cc = a->ccls;
    const uint16_t *cd = a->cdelta;
    uint32_t s1 = 0, s2 = 0;
    size_t i1 = 0, i2 = 0;
    while (i1 < n1 && i2 < n2) {
        size_t k1 = 0, k2 = 0;
        for (size_t q = 0; q < AC_HITS && i1 < n1 && i2 < n2; q++) {
            CSTEP(a, cc, cd, u1, i1, n1, s1, h1->st, k1);
            CSTEP(a, cc, cd, u2, i2, n2, s2, h2->st, k2);
        }
        h1->n = k1;
        h2->n = k2;
        ac_flush(a, h1, 1);
        ac_flush(a, h2, 1);
    }
    cwalk_all(a, s1, u1, i1, n1, h1);
    cwalk_all(a, s2, u2, i2, n2, h2);
}

/* The walk over characters when it was built and not declined (bytes), else over bytes. */
static void walk_all(const xac *a, const unsigned char *u, size_t n, achits *h, int bytes)
{
    if (a->cdelta && !bytes)
        cwalk_all(a, 0, u, 0, n, h);
    else
        ac_walk_all(a, 0, u, n, h);
}

static void walk_pair(const xac *a, const unsigned char *u1, size_t n1, achits *h1,
                      const unsigned char *u2, size_t n2, achits *h2, int bytes)
{
    if (a->cdelta && !bytes)
        cwalk_pair(a, u1, n1, h1, u2, n2, h2);
    else
        ac_walk_pair(a, u1, n1, h1, u2, n2, h2);
}

/* The literals s holds, as a set of ids (present: a->words words). A step waits for the one
 * before it (a load of the next state from the state), so a long text is walked as two
 * independent halves, interleaved: the second starts fresh maxlen - 1 bytes before its half,
 * which is where a literal that ends in it starts at the earliest (the set is the same as one
 * walk's; without RB_LITERALS_SPLIT in how, one walk). Over characters, a half may start or
 * end inside one: its bytes there start no character (strict_cp), and no literal. */
static void ac_scan_split(const xac *a, const char *s, size_t n, uint64_t *present, int how)
{
    memset(present, 0, a->words * sizeof *present);
    if (a->all) {
        memset(present, 0xFF, a->words * sizeof *present);
        return;
    }
    const unsigned char *u = (const unsigned char *)s;
    size_t lap = a->maxlen ? a->maxlen - 1 : 0;
    int bytes = (how & RB_LITERALS_BYTES) != 0;
    achits h, h2;
    h.n = h2.n = 0;
    h.present = h2.present = present;
    if ((how & RB_LITERALS_SPLIT) && n >= 64 && n / 2 > 2 * lap) {
        /* the first walk covers [0, mid), the second [mid - lap, n) */
        size_t mid = n / 2;
        walk_pair(a, u, mid, &h, u + mid - lap, n - mid + lap, &h2, bytes);
    } else {
        walk_all(a, u, n, &h, bytes);
    }
}

static void ac_scan(const xac *a, const char *s, size_t n, uint64_t *present)
{
    ac_scan_split(a, s, n, present, RB_LITERALS_SPLIT);
}

/* ac_scan of two texts at once, their steps interleaved. */
static void ac_scan2(const xac *a, const char *s1, size_t n1, uint64_t *p1, const char *s2,
                     size_t n2, uint64_t *p2)
{
    if (a->all) {
        ac_scan(a, s1, n1, p1);
        ac_scan(a, s2, n2, p2);
        return;
    }
    memset(p1, 0, a->words * sizeof *p1);
    memset(p2, 0, a->words * sizeof *p2);
    achits h1, h2;
    h1.n = h2.n = 0;
    h1.present = p1;
    h2.present = p2;
    walk_pair(a, (const unsigned char *)s1, n1, &h1, (const unsigned char *)s2, n2, &h2, 0);
}

void rb_extract_literals(const rb_grammar *g, const char *s, size_t n, uint64_t *present,
                         int how)
{
    if (g->extract)
        ac_scan_split(&g->extract->ac, s, n, present, how);
}

int rb_extract_literals_by_chars(const rb_grammar *g)
{
    return g->extract && g->extract->ac.cdelta != NULL;
}

const char *rb_extract_literal(const rb_grammar *g, size_t id, size_t *len)
{
    const struct rb_extract_rules *r = g->extract;
    for (size_t i = 0; r && i < r->nrules; i++)
        for (size_t k = 0; k < r->rules[i].nneeds; k++)
            for (size_t q = 0; q < r->rules[i].needs[k].n; q++)
                if (r->rules[i].needs[k].alt[q].id == id) {
                    *len = r->rules[i].needs[k].alt[q].len;
                    return r->rules[i].needs[k].alt[q].s;
                }
    for (size_t d = 0; r && d < r->ndims; d++)
        for (size_t k = 0; k < r->dims[d].nkw; k++)
            if (r->dims[d].kw[k].id == id) {
                *len = r->dims[d].kw[k].len;
                return r->dims[d].kw[k].s;
            }
    return NULL;
}

void rb_extract_literals_pair(const rb_grammar *g, const char *s1, size_t n1, uint64_t *p1,
                              const char *s2, size_t n2, uint64_t *p2)
{
    if (g->extract)
        ac_scan2(&g->extract->ac, s1, n1, p1, s2, n2, p2);
}

size_t rb_extract_literal_words(const rb_grammar *g)
{
    return g->extract ? g->extract->ac.words : 0;
}

/* Does the set present meet the set m (a->words words)? */
static int meets(const xac *a, const uint64_t *m, const uint64_t *present)
{
    uint64_t any = 0;
    for (size_t w = 0; w < a->words; w++)
        any |= m[w] & present[w];
    return any != 0;
}

/* Can rule ri match a sentence holding the literals present: one of each `needs:` item's? */
static int needs_present(const xac *a, size_t ri, const xrule *x, const uint64_t *present)
{
    const uint64_t *m = &a->rmask[a->rmask_at[ri] * a->words];
    for (size_t k = 0; k < x->nneeds; k++, m += a->words)
        if (!meets(a, m, present))
            return 0;
    return 1;
}

static rb_status check_dim_fields(const struct rb_extract_rules *r, rb_error *err)
{
    for (size_t di = 0; di < r->ndims; di++) {
        const xdim *D = &r->dims[di];
        for (const char *const *f = rb_dim_fields(D->kind); *f; f++) {
            int found = 0;
            for (size_t q = 0; q < r->nrules && !found; q++)
                if (r->rules[q].dim == di)
                    for (size_t j = 0; j < r->rules[q].nf && !found; j++)
                        found = strcmp(r->rules[q].f[j].name, *f) == 0;
            if (!found)
                return rb_error_set(err, RB_EGRAMMAR, "extract", D->file, D->line, 1,
                                    "grammar-schema",
                                    "dimension %s: no rule sets the field `%s`, which compare, "
                                    "check and diff read",
                                    D->id, *f);
        }
    }
    return RB_OK;
}

size_t rb_extract_dims(const rb_grammar *g, const char ***ids, const char ***titles)
{
    static const char *none[1];
    if (!g || !g->extract) {
        *ids = *titles = none;
        return 0;
    }
    /* the pointers live as long as the grammar; the arrays are rebuilt each call */
    struct rb_extract_rules *r = g->extract;
    static __thread const char **iv, **tv;
    free(iv);
    free(tv);
    iv = rb_xmalloc((r->ndims + 1) * sizeof *iv);
    tv = rb_xmalloc((r->ndims + 1) * sizeof *tv);
    for (size_t i = 0; i < r->ndims; i++) {
        iv[i] = r->dims[i].id;
        tv[i] = r->dims[i].title;
    }
    *ids = iv;
    *titles = tv;
    return r->ndims;
}

/* ---- facts ---------------------------------------------------------------------------------- */

/* what a field holds is the arena's (a fact's array of fields is its own) */
static void field_clear(rb_field *f) { memset(f, 0, sizeof *f); }

void rb_fact_clear(rb_fact *f)
{
    free(f->fields);
    memset(f, 0, sizeof *f);
}

rb_facts *rb_facts_new(rb_factstore *store)
{
    rb_facts *f = rb_xcalloc(1, sizeof *f);
    f->arena.pool = store ? &store->arena : NULL;
    return f;
}

void rb_facts_free(rb_facts *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        rb_fact_clear(&f->v[i]);
    free(f->v);
    free(f->u);
    rb_arena_free(&f->arena);
    free(f);
}

/* Is a the string b? Most strings compared here differ in their first byte: that is asked
 * inline, before the call. */
static inline int same_str(const char *a, const char *b) { return a[0] == b[0] && strcmp(a, b) == 0; }

const rb_field *rb_fact_field(const rb_fact *f, const char *name)
{
    for (size_t i = 0; i < f->nfields; i++)
        if (same_str(f->fields[i].name, name))
            return &f->fields[i];
    return NULL;
}

const char *rb_fact_str(const rb_fact *f, const char *name)
{
    const rb_field *x = rb_fact_field(f, name);
    return x && x->n ? x->items[0] : NULL;
}

static rb_field *fact_set(rb_fact *f, const char *name)
{
    for (size_t i = 0; i < f->nfields; i++)
        if (same_str(f->fields[i].name, name)) {
            char *kept = f->fields[i].name;
            field_clear(&f->fields[i]);
            f->fields[i].name = kept;
            return &f->fields[i];
        }
    f->fields = rb_xrealloc(f->fields, (f->nfields + 1) * sizeof *f->fields);
    rb_field *x = &f->fields[f->nfields++];
    memset(x, 0, sizeof *x);
    x->name = rb_arena_intern(f->arena, name);
    return x;
}

/* rb_field_push with the strings themselves where they are the arena's already: s when own_s,
 * words when own_w */
static int field_holds(const rb_field *x, const char *s)
{
    for (size_t i = 0; i < x->n; i++)
        if (same_str(x->items[i], s))
            return 1;
    return 0;
}

/* A field filled from a long list (apply_field) keeps its values in a map (vs: the field's own
 * strings, kept while it is filled), asked where a scan of the values for each new one made a
 * list of many distinct items quadratic. */
/* field_put, with the values of x in vs when it is not NULL */
static void field_put_in(rb_arena *a, rb_field *x, const char *s, const char *words, int own_s,
                         int own_w, rb_smap *vs);

static void field_put(rb_arena *a, rb_field *x, const char *s, const char *words, int own_s,
                      int own_w)
{
    field_put_in(a, x, s, words, own_s, own_w, NULL);
}

static void field_put_in(rb_arena *a, rb_field *x, const char *s, const char *words, int own_s,
                         int own_w, rb_smap *vs)
{
    if (vs ? rb_smap_get(vs, s) != (size_t)-1 : field_holds(x, s))
        return; /* a list of distinct values */
    x->items = rb_arena_push(a, x->items, x->n, sizeof *x->items);
    if (words && !x->iwords) { /* the earlier items have no words: room as items has */
        size_t cap = 1;
        while (cap < x->n + 1)
            cap *= 2;
        x->iwords = rb_arena_alloc(a, cap * sizeof *x->iwords);
        memset(x->iwords, 0, cap * sizeof *x->iwords);
    } else if (x->iwords) {
        x->iwords = rb_arena_push(a, x->iwords, x->n, sizeof *x->iwords);
    }
    if (x->iwords)
        x->iwords[x->n] = !words ? NULL : own_w ? (char *)words : rb_arena_strdup(a, words);
    x->items[x->n++] = own_s ? (char *)s : rb_arena_strdup(a, s);
    if (vs) {
        int fresh;
        rb_smap_slot(vs, x->items[x->n - 1], &fresh);
    }
}

void rb_field_push(rb_arena *a, rb_field *x, const char *s, const char *words)
{
    field_put(a, x, s, words, 0, 0);
}

const char *rb_field_words(const rb_field *x, size_t i)
{
    return x->iwords && i < x->n ? x->iwords[i] : NULL;
}

static void field_push(rb_fact *f, rb_field *x, const char *s)
{
    rb_field_push(f->arena, x, s, NULL);
}

/* o (fresh, a field of f) becomes a copy of the values of p (strings of the same arena) */
static void field_copy(rb_fact *f, rb_field *o, const rb_field *p)
{
    for (size_t i = 0; i < p->n; i++)
        field_put(f->arena, o, p->items[i], rb_field_words(p, i), 1, 1);
    o->list = p->list;
    o->number = p->number;
    o->words = p->words;
}

static void set_str_field(rb_fact *f, const char *name, const char *v, int number)
{
    if (!v)
        return;
    rb_field *x = fact_set(f, name);
    field_push(f, x, v);
    x->number = number;
}

static void set_num_field(rb_fact *f, const char *name, double v)
{
    char b[32];
    snprintf(b, sizeof b, "%g", v);
    set_str_field(f, name, b, 1);
}

static rb_fact *facts_push(rb_facts *fs)
{
    RB_GROW(fs->v, fs->n, fs->cap);
    rb_fact *f = &fs->v[fs->n++];
    memset(f, 0, sizeof *f);
    f->arena = &fs->arena;
    return f;
}

/* ---- normalizers ---------------------------------------------------------------------------- */

/* Arabic (1, 1.5) or Chinese (三, 十五, 两) numbers; 半 alone is a half. */
static int parse_number(const char *s, size_t n, double *v)
{
    if (n == 0)
        return -1;
    if ((s[0] >= '0' && s[0] <= '9')) {
        char b[32];
        if (n >= sizeof b)
            return -1;
        memcpy(b, s, n);
        b[n] = 0;
        char *e;
        *v = strtod(b, &e);
        return *e ? -1 : 0;
    }
    if (n == 3 && memcmp(s, "半", 3) == 0) {
        *v = 0.5;
        return 0;
    }
    long l;
    if (rb_numeral_parse(s, n, &l) != 0)
        return -1;
    *v = (double)l;
    return 0;
}

typedef struct charset charset;
static void charset_of(const char *s, size_t n, charset *cs);

static const char *table_lookup_at(const xtable *t, const char *s, size_t n, size_t *at,
                                   size_t *len)
{
    /* a key whose first character the text lacks cannot occur in it */
    uint64_t w[16];
    charset_of(s, n, (charset *)w);
    for (size_t i = 0; i < t->n; i++) {
        if (t->klen[i] > n || !(w[t->kbit[i] >> 6] >> (t->kbit[i] & 63) & 1))
            continue;
        const char *p = memmem(s, n, t->keys[i], t->klen[i]);
        if (p) {
            *at = (size_t)(p - s);
            *len = t->klen[i];
            return t->vals[i];
        }
    }
    return NULL;
}


/* Every key found, left to right, longest at each position. With heads (role lists):
 * text inside parentheses is skipped (秘书长(厅主任) is one person); an organization directly
 * followed by another hit only qualifies it (市政府 分管副市长); a role followed by 委托/授权
 * is the delegator, and one preceded by 向 the recipient, not the actor; a role inside a
 * relative clause (委托副秘书长召开会议的 市政府领导同志) is dropped: one whose gap to the next hit
 * holds a 的 and does not start with a conjunction. */
static int starts_conj(const char *s, size_t n)
{
    static const char *const c[] = {"或者", "或", "、", "和", "及", ","};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        if (n >= strlen(c[i]) && memcmp(s, c[i], strlen(c[i])) == 0)
            return 1;
    return 0;
}

static void table_all(const xtable *t, const char *s, size_t n, int heads, rb_arena *a,
                      rb_field *out, const xwords *w, rb_smap *vs)
{
    typedef struct {
        size_t at, len;
        const char *val;
    } hit;
    hit *h = NULL;
    size_t nh = 0;
    int depth = 0;
    for (size_t i = 0; i < n;) {
        if (heads && s[i] == '(') {
            depth++;
            i++;
            continue;
        }
        if (heads && s[i] == ')') {
            if (depth)
                depth--;
            i++;
            continue;
        }
        size_t best = (size_t)-1;
        if (!depth) { /* only the keys that start with the character here */
            size_t cl;
            uint32_t cp = next_cp((const unsigned char *)s + i, n - i, &cl);
            size_t b = key_bucket(t, cp);
            if (b != (size_t)-1)
                for (size_t q = 0; q < t->bcount[b - 1]; q++) {
                    size_t k = t->border[t->bstart[b - 1] + q];
                    if (t->klen[k] <= n - i && memcmp(s + i, t->keys[k], t->klen[k]) == 0) {
                        best = k;
                        break;
                    }
                }
        }
        if (best != (size_t)-1) {
            h = rb_xrealloc(h, (nh + 1) * sizeof *h);
            h[nh++] = (hit){i, t->klen[best], t->vals[best]};
            i += t->klen[best];
            continue;
        }
        uint32_t cp;
        i += (size_t)rb_utf8_decode(s + i, n - i, &cp);
    }
    for (size_t k = 0; k < nh; k++) {
        if (!*h[k].val)
            continue; /* a key that only consumes its words */
        if (heads) {
            size_t end = h[k].at + h[k].len;
            size_t gap_end = k + 1 < nh ? h[k + 1].at : n;
            const char *gap = s + end;
            size_t gl = gap_end - end;
            if (k + 1 < nh && gl == 0)
                continue; /* qualifier */
            if (gl >= 6 && (memcmp(gap, "委托", 6) == 0 || memcmp(gap, "授权", 6) == 0))
                continue; /* delegator */
            if (h[k].at >= 3 && memcmp(s + h[k].at - 3, "向", 3) == 0)
                continue; /* recipient */
            if (k + 1 < nh && memmem(gap, gl, "的", 3) && !starts_conj(gap, gl))
                continue; /* inside a relative clause */
        }
        push_found(a, out, h[k].val, w, h[k].at, h[k].len, vs);
    }
    free(h);
}

static char *strip_prefix(const xtable *t, const char *s, size_t n, size_t *outn)
{
    for (size_t k = 0; k < t->n; k++)
        if (t->klen[k] < n && memcmp(s, t->keys[k], t->klen[k]) == 0) {
            *outn = n - t->klen[k];
            return rb_xstrndup(s + t->klen[k], n - t->klen[k]);
        }
    *outn = n;
    return rb_xstrndup(s, n);
}

/* 1―2, 一至两, 3 -> "1-2", "3" */
static int parse_range(const char *s, size_t n, char *out, size_t outsz)
{
    static const char *const seps[] = {"-", "―", "—", "~", "～", "至", "到"};
    for (size_t k = 0; k < sizeof seps / sizeof seps[0]; k++) {
        const char *p = memmem(s, n, seps[k], strlen(seps[k]));
        if (!p)
            continue;
        size_t a = (size_t)(p - s);
        size_t bo = a + strlen(seps[k]);
        while (a > 0 && s[a - 1] == ' ')
            a--;
        while (bo < n && s[bo] == ' ')
            bo++;
        double x, y;
        if (parse_number(s, a, &x) || parse_number(s + bo, n - bo, &y))
            return -1;
        snprintf(out, outsz, "%g-%g", x, y);
        return 0;
    }
    double x;
    if (parse_number(s, n, &x))
        return -1;
    snprintf(out, outsz, "%g", x);
    return 0;
}

/* Is v one of the comma-separated values in list? */
static int list_has(const char *list, const char *v)
{
    size_t l = strlen(v);
    for (const char *p = list; p && *p;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (n == l && memcmp(p, v, l) == 0)
            return 1;
        p = c ? c + 1 : NULL;
    }
    return 0;
}

/* Does x hold the value p[0..l)? */
static int holds_text(const rb_field *x, const char *p, size_t l)
{
    for (size_t i = 0; i < x->n; i++)
        if (strlen(x->items[i]) == l && memcmp(x->items[i], p, l) == 0)
            return 1;
    return 0;
}

/* Apply one field spec to the text of its group. */
static void apply_field(const struct rb_extract_rules *r, const xfield *f, const char *s,
                        size_t n, rb_fact *fact, const xwords *w)
{
    if (f->value) {
        set_str_field(fact, f->name, f->value, 0);
        return;
    }
    /* items: the whole text, or split */
    size_t ni = 0;
    struct item {
        const char *p;
        size_t n;
    } few[32], *items = n < 32 ? few : rb_xmalloc(sizeof *items * (n + 1));
    if (f->nseps) {
        size_t start = 0;
        for (size_t i = 0; i <= n;) {
            size_t sl = 0;
            for (size_t k = 0; i < n && k < f->nseps && !sl; k++) {
                size_t l = f->seplen[k];
                if (l <= n - i && s[i] == f->seps[k][0] && memcmp(s + i, f->seps[k], l) == 0)
                    sl = l;
            }
            if (i == n || sl) {
                if (i > start)
                    items[ni].p = s + start, items[ni++].n = i - start;
                if (i == n)
                    break;
                i += sl;
                start = i;
            } else {
                i++;
            }
        }
    } else if (n) {
        items[0].p = s;
        items[0].n = n;
        ni = 1;
    }
    rb_field *out = NULL;
    /* a list of many items: its values in a map (a field is made empty by fact_set); key: an
     * item's text as a string */
    rb_smap set = {0}, *vs = ni > 16 ? &set : NULL;
    rb_buf key;
    rb_buf_init(&key);
    for (size_t i = 0; i < ni; i++) {
        const char *p = items[i].p;
        size_t l = items[i].n;
        char *stripped = NULL;
        if (f->strip) {
            stripped = strip_prefix(&r->tables[f->strip - 1], p, l, &l);
            p = stripped;
        }
        /* the item's text within the block: after any stripped prefix */
        xwords iw = {w ? w->d : NULL, w ? w->x : NULL,
                     w ? w->base + (size_t)(items[i].p - s) + (items[i].n - l) : 0};
        if (!out)
            out = fact_set(fact, f->name);
        if (f->table && f->all) {
            table_all(&r->tables[f->table - 1], p, l, f->heads, fact->arena, out, &iw, vs);
            out->list = 1;
        } else if (f->table) {
            size_t at, len;
            const char *v = table_lookup_at(&r->tables[f->table - 1], p, l, &at, &len);
            if (v)
                push_found(fact->arena, out, v, &iw, at, len, vs);
        } else if (f->number) {
            double v;
            if (parse_number(p, l, &v) == 0) {
                char b[32];
                snprintf(b, sizeof b, "%g", v);
                field_put_in(fact->arena, out, b, NULL, 0, 0, vs);
                out->number = 1;
            }
        } else if (f->range) {
            char b[64];
            if (parse_range(p, l, b, sizeof b) == 0)
                field_put_in(fact->arena, out, b, NULL, 0, 0, vs);
        } else {
            int held;
            if (vs) {
                key.len = 0;
                rb_buf_put(&key, p, l);
                held = rb_smap_get(vs, rb_buf_cstr(&key)) != (size_t)-1;
            } else {
                held = holds_text(out, p, l);
            }
            if (!held)
                field_put_in(fact->arena, out, rb_arena_strndup(fact->arena, p, l), NULL, 1, 0,
                             vs);
        }
        if (f->nseps)
            out->list = 1;
        free(stripped);
    }
    rb_smap_free(&set);
    rb_buf_free(&key);
    if (items != few)
        free(items);
    if (out && out->n == 0) {
        /* nothing normalized: drop the field (the default may fill it) */
        for (size_t i = 0; i < fact->nfields; i++)
            if (&fact->fields[i] == out) {
                field_clear(out);
                memmove(&fact->fields[i], &fact->fields[i + 1],
                        (fact->nfields - i - 1) * sizeof *fact->fields);
                fact->nfields--;
                break;
            }
    }
    if (f->weak && out && rb_fact_field(fact, f->name)) {
        /* weak values give way to any other value */
        size_t strong = 0;
        for (size_t i = 0; i < out->n; i++)
            if (!list_has(f->weak, out->items[i]))
                strong++;
        if (strong) {
            size_t k = 0;
            for (size_t i = 0; i < out->n; i++) {
                if (list_has(f->weak, out->items[i])) {
                    continue; /* the strings are the arena's */
                } else {
                    if (out->iwords)
                        out->iwords[k] = out->iwords[i];
                    out->items[k++] = out->items[i];
                }
            }
            out->n = k;
        }
    }
    if (f->deflt && !rb_fact_field(fact, f->name))
        set_str_field(fact, f->name, f->deflt, 0);
}

/* ---- running the rules ------------------------------------------------------------------------ */

struct xtext {
    char *s;     /* normalized text of a block, junk removed */
    size_t n;
    const rb_piece *pc; /* where its bytes come from in the view */
    size_t npc;
};

/* The view offset of byte i of x. */
static size_t xt_vo(const xtext *x, size_t i) { return rb_piece_view(x->pc, x->npc, i); }

static int ends_clause(const char *s, size_t n)
{
    static const char *const ends[] = {"。", ";", ":", "!", "?", "”", ")", "…"};
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        size_t l = strlen(ends[i]);
        if (n >= l && memcmp(s + n - l, ends[i], l) == 0)
            return 1;
    }
    return 0;
}

/* A paragraph's text for the rules: a block, and the blocks that continue it when a line was
 * broken inside a sentence (a reflowed copy reads the same). Returns the next block. The
 * normalized text of the paragraph starting at block bi, and where its runs come from in the
 * view (pieces: a number and a text each, more with junk taken out, not an offset per byte).
 * buf and *pc are reused from paragraph to paragraph (no allocation churn between the facts'
 * small allocations). */
static size_t block_text(const rb_doc *d, const rb_article *a, size_t bi, xtext *x, rb_buf *buf,
                         rb_piece **pc, size_t *pccap)
{
    buf->len = 0;
    size_t npc = 0;
    do {
        const rb_block *b = &d->blocks[a->first_block + bi];
        rb_doc_append_pieces(d, rb_span_of(b->num), buf, pc, &npc, pccap);
        rb_doc_append_pieces(d, rb_span_of(b->text), buf, pc, &npc, pccap);
        bi++;
    } while (bi < a->nblocks && d->blocks[a->first_block + bi].kind == RB_BLOCK_P &&
             buf->len && !ends_clause(buf->data, buf->len));
    if (!buf->data)
        rb_buf_put(buf, "", 0);
    x->n = buf->len;
    x->s = buf->data;
    x->pc = *pc;
    x->npc = npc;
    return bi;
}

/* The view span of s[a..b) of a paragraph's text, to the end of its last character (empty
 * when b == a). */
static rb_span view_span(const rb_doc *d, const xtext *x, size_t a, size_t b)
{
    size_t vs = xt_vo(x, a), ve = b > a ? xt_vo(x, b - 1) + 1 : vs;
    while (ve < d->view->len && ((unsigned char)d->view->text[ve] & 0xC0) == 0x80)
        ve++;
    return (rb_span){vs, ve - vs};
}

/* The words of a fact (its text, a field's words) are the source's, but with its line ends as
 * the view has them: a fact across a line break of a CR LF (or CR) copy reads as the one of
 * its LF twin. The model keeps the line ends (rb:source/@lineEnd, the lines' numbers). s[0, n)
 * is rewritten in place; returns its new length. */
static size_t lf_ends(char *s, size_t n)
{
    char *cr = n ? memchr(s, '\r', n) : NULL;
    if (!cr)
        return n;
    size_t k = (size_t)(cr - s);
    for (size_t i = k; i < n; i++) {
        if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
            continue; /* (the LF comes next) */
        s[k++] = s[i] == '\r' ? '\n' : s[i];
    }
    s[k] = 0;
    return k;
}

/* rb_doc_text_to and rb_doc_text_in for the words of facts (lf_ends) */
static void words_to(const rb_doc *d, rb_span s, rb_buf *out)
{
    size_t at = out->len;
    rb_doc_text_to(d, s, out);
    if (out->data)
        out->len = at + lf_ends(out->data + at, out->len - at);
}

static char *words_in(const rb_doc *d, rb_span s, rb_arena *a)
{
    char *t = rb_doc_text_in(d, s, a);
    lf_ends(t, strlen(t));
    return t;
}

/* dim, rule and eid: strings of fs's arena, shared by the facts (see run_str); tmp: a buffer
 * to reuse */
static rb_fact *new_fact(rb_facts *fs, const rb_doc *d, const rb_article *a, char *dim,
                         char *rule, char *eid, const xtext *x, size_t s, size_t e, rb_buf *tmp)
{
    rb_fact *f = facts_push(fs);
    f->dim = dim;
    f->kind = rb_dim_of(dim);
    f->rule = rule;
    f->article = a->ordinal;
    f->eid = eid;
    rb_span at = view_span(d, x, s, e);
    rb_doc_linecol(d, at.off, &f->line, &f->col);
    f->at = rb_span32_of(at);
    tmp->len = 0;
    words_to(d, rb_span_of(f->at), tmp);
    f->norm = rb_arena_strndup(&fs->arena, x->s + s, e - s);
    /* simplified text: the normalized words are often the words themselves; else a document
     * only written out reads them again then (a traditional text's facts held their words
     * twice) */
    if (tmp->len == e - s && memcmp(tmp->data, x->s + s, e - s) == 0)
        f->text = f->norm;
    else if (!d->facts_text_lazy)
        f->text = rb_arena_strndup(&fs->arena, tmp->data, tmp->len);
    return f;
}

static void add_unmatched(rb_facts *fs, const rb_doc *d, const rb_article *a, char *dim,
                          char *eid, const xtext *x, size_t s, size_t e)
{
    RB_GROW(fs->u, fs->nu, fs->cu);
    rb_unmatched *u = &fs->u[fs->nu++];
    u->dim = dim;
    u->kind = rb_dim_of(dim);
    u->article = a->ordinal;
    u->eid = eid;
    rb_span at = view_span(d, x, s, e);
    unsigned col;
    rb_doc_linecol(d, at.off, &u->line, &col);
    u->at = rb_span32_of(at);
    u->text = d->facts_text_lazy ? NULL : words_in(d, rb_span_of(u->at), &fs->arena);
}

/* own, or the original text at the view span at read from d into tmp */
static const char *text_or_read(const char *own, rb_span32 at, const rb_doc *d, rb_buf *tmp)
{
    if (own)
        return own;
    tmp->len = 0;
    words_to(d, rb_span_of(at), tmp);
    return rb_buf_cstr(tmp);
}

const char *rb_fact_text(const rb_fact *f, const rb_doc *d, rb_buf *tmp)
{
    return text_or_read(f->text, f->at, d, tmp);
}

const char *rb_unmatched_text(const rb_unmatched *u, const rb_doc *d, rb_buf *tmp)
{
    return text_or_read(u->text, u->at, d, tmp);
}

void rb_facts_settle(rb_facts *fs, const rb_doc *d)
{
    for (size_t i = 0; fs && i < fs->n; i++)
        if (!fs->v[i].text)
            fs->v[i].text = words_in(d, rb_span_of(fs->v[i].at), &fs->arena);
    for (size_t i = 0; fs && i < fs->nu; i++)
        if (!fs->u[i].text)
            fs->u[i].text = words_in(d, rb_span_of(fs->u[i].at), &fs->arena);
}

static int is_sentence_end(const char *s, size_t n, size_t i, size_t *len)
{
    if (s[i] == ';') {
        *len = 1;
        return 1;
    }
    if (n - i >= 3 && memcmp(s + i, "。", 3) == 0) {
        *len = 3;
        return 1;
    }
    return 0;
}

/* Copy the inheritable fields of the previous fact of the same rule in this paragraph. */
static void inherit_fields(const xrule *x, rb_fact *f, const rb_fact *prev)
{
    for (size_t k = 0; k < x->nf; k++) {
        const xfield *xf = &x->f[k];
        if (!xf->inherit || rb_fact_field(f, xf->name))
            continue;
        const rb_field *pf = rb_fact_field(prev, xf->name);
        if (!pf)
            continue;
        field_copy(f, fact_set(f, xf->name), pf);
    }
}

static int group_alt(const xfield *f, const size_t *ov, size_t *gs, size_t *ge);

/* The original-script words of s[a..b) of a block, in the arena ar. */
static char *words_of(rb_arena *ar, const rb_doc *d, const xtext *x, size_t a, size_t b)
{
    return words_in(d, view_span(d, x, a, b), ar);
}

/* The value v with the words it was found as (w's text at at, len bytes) pushed to x: the words
 * are taken only for a value x does not hold yet */
static void push_found(rb_arena *ar, rb_field *x, const char *v, const xwords *w, size_t at,
                       size_t len, rb_smap *vs)
{
    if (vs ? rb_smap_get(vs, v) != (size_t)-1 : field_holds(x, v))
        return; /* (field_put would drop it too, after its words were taken) */
    int has = w && w->d && w->x && len && w->base + at + len <= w->x->n;
    field_put_in(ar, x, v,
                 has ? words_of(ar, w->d, w->x, w->base + at, w->base + at + len) : NULL, 0, 1,
                 vs);
}

/* Fill a fact's fields from a match (ov) in s; `before` fields take s[ss..match). With a document
 * (d, x), each field also records the original words it came from. */
static void apply_fields(const struct rb_extract_rules *r, const xrule *xr, const char *s,
                         size_t ss, const size_t *ov, rb_fact *f, const rb_doc *d,
                         const xtext *x)
{
    for (size_t k = 0; k < xr->nf; k++) {
        const xfield *xf = &xr->f[k];
        if (xf->value || !xf->group) {
            xwords w = {d, x, ss};
            if (xf->before)
                apply_field(r, xf, s + ss, ov[0] - ss, f, &w);
            else
                apply_field(r, xf, NULL, 0, f, NULL);
            continue;
        }
        size_t gs, ge;
        if (group_alt(xf, ov, &gs, &ge) == 0) {
            xwords w = {d, x, gs};
            apply_field(r, xf, s + gs, ge - gs, f, &w);
            rb_field *fd = (rb_field *)rb_fact_field(f, xf->name);
            if (fd && d && ge > gs && !fd->words)
                fd->words = words_of(f->arena, d, x, gs, ge);
        } else if (xf->deflt)
            set_str_field(f, xf->name, xf->deflt, 0);
    }
}

static int has_required(const xrule *xr, const rb_fact *f)
{
    for (size_t k = 0; k < xr->nf; k++)
        if (xr->f[k].required && !rb_fact_field(f, xr->f[k].name))
            return 0;
    return 1;
}

/* The first set group among 'a|b'. */
static int group_alt(const xfield *f, const size_t *ov, size_t *gs, size_t *ge)
{
    for (size_t i = 0; i < f->ngnum; i++)
        if (rb_regex_group_at(f->gnum[i], ov, 20, gs, ge) == 0)
            return 0;
    return -1;
}

/* The state of one document's extraction. */
typedef struct xrun {
    const rb_grammar *g;
    rb_doc *d;
    size_t *last;       /* per rule: its latest fact in this paragraph (inherit) */
    size_t unit_first;  /* the first fact of this article (context) */
    rb_buf tbuf;        /* paragraph text, reused */
    rb_buf ttmp;        /* a fact's original text, reused (new_fact) */
    rb_piece *tpc;      /* its pieces of the view */
    size_t tpccap;
    const char **topic; /* per table: what the text is about; NULL until asked, "" none */
    char *hit_dim;      /* per dimension: a fact of it in this sentence (run_sentence) */
    uint64_t *reach;    /* the rules the sentence can reach (run_sentence) */
    uint64_t *present;  /* the literals of the automaton found in each sentence of the
                           paragraph (ac.words words a sentence) */
    size_t *sent, nsent, csent; /* the paragraph's sentences: start, end pairs */
    size_t sentences, sentences_matched, regex_calls; /* for --stat */
    char **rule_s, **dim_s, *eid_s; /* per rule and dimension, and the article's eId: their
                                       copies in the facts' arena, made once */
} xrun;

/* *slot, or s copied into the facts' arena once */
static char *run_str(xrun *R, char **slot, const char *s)
{
    if (!*slot)
        *slot = rb_arena_strdup(&R->d->facts->arena, s);
    return *slot;
}

static char *run_eid(xrun *R, const rb_article *a)
{
    if (!R->eid_s || strcmp(R->eid_s, a->eid) != 0)
        R->eid_s = rb_arena_strdup(&R->d->facts->arena, a->eid);
    return R->eid_s;
}

/* The key of table t the text is about: the value of most of its mentions in the first 64 KB
 * of the view (at least 3, and 60 %), or "" (a rulebook of several meetings has none). */
static const char *doc_topic(xrun *R, size_t ti)
{
    if (R->topic[ti])
        return R->topic[ti];
    const xtable *t = &R->g->extract->tables[ti];
    const char *s = R->d->view->text;
    size_t n = R->d->view->len < 65536 ? R->d->view->len : 65536;
    const char **val = NULL;
    size_t *cnt = NULL, nv = 0, total = 0;
    size_t next = 0; /* where the next anchor is, from the last look (t->alen) */
    int looked = 0;
    for (size_t i = 0; i < n;) {
        if (t->alen) {
            /* no key starts before the next anchor less apre bytes: to the first character
             * from there (none left: no key either) */
            if (!looked || next < i) {
                looked = 1;
                const char *a = rb_memmem(s + i, n - i, t->anchor, t->alen);
                if (!a)
                    break;
                next = (size_t)(a - s);
            }
            if (next - i > t->apre) {
                i = next - t->apre;
                while (((unsigned char)s[i] & 0xC0) == 0x80)
                    i++;
            }
        }
        if ((i = skip_keyless3(t, s, n, i)) >= n)
            break;
        /* the key listed first among those that start here (only the keys of this
         * character's bucket can) */
        size_t cl, k = t->n;
        uint32_t cp = next_cp((const unsigned char *)s + i, n - i, &cl);
        size_t b = key_bucket(t, cp);
        if (b != (size_t)-1)
            for (size_t q = 0; q < t->bcount[b - 1]; q++) {
                size_t kk = t->border[t->bstart[b - 1] + q];
                if (kk < k && t->klen[kk] <= n - i && memcmp(s + i, t->keys[kk], t->klen[kk]) == 0)
                    k = kk;
            }
        if (k == t->n) {
            i += cl ? cl : 1;
            continue;
        }
        i += t->klen[k];
        if (!*t->vals[k])
            continue;
        size_t j = 0;
        while (j < nv && strcmp(val[j], t->vals[k]) != 0)
            j++;
        if (j == nv) {
            val = rb_xrealloc(val, (nv + 1) * sizeof *val);
            cnt = rb_xrealloc(cnt, (nv + 1) * sizeof *cnt);
            val[nv] = t->vals[k];
            cnt[nv++] = 0;
        }
        cnt[j]++;
        total++;
    }
    R->topic[ti] = "";
    for (size_t j = 0; j < nv; j++)
        if (cnt[j] >= 3 && 10 * cnt[j] >= 6 * total)
            R->topic[ti] = val[j];
    free(val);
    free(cnt);
    return R->topic[ti];
}

/* Fields after the match: `context` fills an empty one with the value of the latest fact of
 * the same dimension in the same article (区政府常务会议由…组成。会议一般每月召开两次: the
 * meeting of the article is the subject of its sentences); `topic` with what the whole text is
 * about (the minutes of a text on 市长办公会议 are that meeting's); `implied` sets one from
 * another field when every value of that one maps through a table (a department head signs
 * only his department's submissions, whatever the sentence calls them). R is NULL when the
 * grammar's examples are checked (no document). */
static void context_fields(const struct rb_extract_rules *r, const xrule *x, rb_fact *f,
                           xrun *R)
{
    const rb_facts *fs = R ? R->d->facts : NULL;
    for (size_t k = 0; k < x->nf; k++) {
        const xfield *xf = &x->f[k];
        if (xf->from) {
            const rb_field *src = rb_fact_field(f, xf->from);
            const xtable *t = &r->tables[xf->via - 1];
            const char *vals[16];
            size_t nv = 0, mapped = 0;
            for (size_t q = 0; src && q < src->n; q++) {
                size_t i = rb_smap_get(&t->byk, src->items[q]);
                if (i != (size_t)-1 && *t->vals[i]) {
                    if (nv < 16)
                        vals[nv++] = t->vals[i];
                    mapped++;
                }
            }
            if (src && src->n && mapped == src->n) {
                rb_field *o = fact_set(f, xf->name);
                o->list = xf->all;
                for (size_t q = 0; q < nv; q++)
                    field_push(f, o, vals[q]);
                continue;
            }
        }
        if (xf->context && fs && fs->n && !rb_fact_field(f, xf->name))
            for (size_t i = fs->n - 1; i-- > R->unit_first;) {
                const rb_fact *p = &fs->v[i];
                const rb_field *pf = rb_fact_field(p, xf->name);
                if (strcmp(p->dim, f->dim) != 0 || !pf || pf->n == 0)
                    continue;
                field_copy(f, fact_set(f, xf->name), pf);
                break;
            }
        if (xf->topic && R && !rb_fact_field(f, xf->name)) {
            const char *tp = doc_topic(R, xf->table - 1);
            if (*tp) {
                rb_field *o = fact_set(f, xf->name);
                o->list = xf->all;
                field_push(f, o, tp);
            }
        }
    }
}

/* The first rule from ri on in the set of rules (a->rwords words), or nrules. */
static size_t next_reached(const xac *a, const uint64_t *set, size_t ri, size_t nrules)
{
    for (size_t q = ri / 64; q < a->rwords; q++) {
        uint64_t b = set[q] & (q == ri / 64 ? ~0ull << (ri % 64) : ~0ull);
        if (b) {
            size_t k = q * 64 + (size_t)__builtin_ctzll(b);
            return k < nrules ? k : nrules;
        }
    }
    return nrules;
}

static rb_status run_sentence(xrun *R, const rb_article *a, const xtext *x, size_t ss,
                              size_t se, const uint64_t *present, rb_error *err)
{
    const rb_grammar *g = R->g;
    const rb_doc *d = R->d;
    rb_facts *fs = R->d->facts;
    size_t *last_fact_of_rule = R->last;
    const struct rb_extract_rules *r = g->extract;
    size_t ov[2 * 20];
    char *hit_dim = R->hit_dim;
    memset(hit_dim, 0, r->ndims);
    /* present: the literal automaton's pass, which rules can match, which dimensions it
     * touches (extract_unit) */
    R->sentences++;
    /* the rules it can reach (see xac): a rule none of whose literals it holds is not asked
     * for its items one by one */
    const xac *ac = &r->ac;
    uint64_t *reach = R->reach;
    int holds_any = 0;
    memcpy(reach, ac->free_rules, ac->rwords * sizeof *reach);
    for (size_t w = 0; w < ac->words; w++)
        for (uint64_t b = present[w]; b; b &= b - 1) {
            size_t id = w * 64 + (size_t)__builtin_ctzll(b);
            if (id >= ac->nlit)
                break; /* (an automaton too large to build holds every bit) */
            holds_any = 1;
            for (size_t q = 0; q < ac->rwords; q++)
                reach[q] |= ac->lrules[id * ac->rwords + q];
        }
    if (g->no_prefilter) /* every rule */
        for (size_t ri = 0; ri < r->nrules; ri++)
            reach[ri / 64] |= 1ull << (ri % 64);
    int reached = 0;
    for (size_t ri = next_reached(ac, reach, 0, r->nrules); ri < r->nrules;
         ri = next_reached(ac, reach, ri + 1, r->nrules)) {
        const xrule *xr = &r->rules[ri];
        if (!g->no_prefilter && !needs_present(ac, ri, xr, present))
            continue;
        reached = 1;
        /* a match starts at the latest at the last place of one of its literals: the search
         * stops there, not at the sentence's end (after a match, what is left holds them all
         * while it starts at that place at the latest) */
        size_t limit = (size_t)-1;
        if (!g->no_prefilter && !needs_reach(xr, x->s, ss, se, &limit))
            continue;
        size_t pos = ss;
        while (pos < se && pos <= limit) {
            R->regex_calls++;
            int m = rb_regex_match_upto(g, xr->code, xr->id, x->s, se, pos, limit, ov, 20, err);
            if (m < 0) {
                unsigned line, col;
                rb_doc_linecol(d, xt_vo(x, pos), &line, &col);
                err->line = line;
                err->col = col;
                snprintf(err->file, sizeof err->file, "%s", d->name);
                return RB_ELIMIT;
            }
            if (m == 0)
                break;
            size_t ms = ov[0], me = ov[1];
            /* the fact's words: the match, or its group `span` when the rule names one (the
             * clause 如有需要可临时召开, not the meeting's name before it) */
            size_t ts = ms, te = me;
            if (xr->has_span)
                rb_regex_group_at(xr->span_num, ov, 20, &ts, &te);
            char *dim_s = run_str(R, &R->dim_s[xr->dim], r->dims[xr->dim].id);
            char *rule_s = run_str(R, &R->rule_s[ri], xr->id), *eid_s = run_eid(R, a);
            rb_arena_mark mark = rb_arena_mark_now(&fs->arena);
            rb_fact *f = new_fact(fs, d, a, dim_s, rule_s, eid_s, x, ts, te, &R->ttmp);
            /* `before` fields see the text since the previous match of this rule */
            apply_fields(r, xr, x->s, pos, ov, f, d, x);
            if (last_fact_of_rule[ri] != (size_t)-1)
                inherit_fields(xr, f, &fs->v[last_fact_of_rule[ri]]);
            context_fields(r, xr, f, R);
            if (!has_required(xr, f)) { /* not a fact after all: a required field is empty */
                rb_fact_clear(f);
                fs->n--;
                rb_arena_release(&fs->arena, mark);
                pos = me > ms ? me : ms + 1;
                continue;
            }
            last_fact_of_rule[ri] = fs->n - 1;
            hit_dim[xr->dim] = 1;
            pos = me > ms ? me : ms + 1;
        }
    }
    R->sentences_matched += (size_t)reached;
    /* sentences that look like a dimension but gave nothing */
    for (size_t di = 0; di < r->ndims && holds_any; di++) {
        if (hit_dim[di])
            continue;
        if (meets(&r->ac, &r->ac.dmask[di * r->ac.words], present))
            add_unmatched(fs, d, a, run_str(R, &R->dim_s[di], r->dims[di].id), run_eid(R, a),
                          x, ss, se);
    }
    return RB_OK;
}

/* ---- built-in dimensions ---------------------------------------------------------------------- */

static const char *const TYPE_ORDER[] = {"plenary", "executive", "office", "briefing",
                                         "special", "other"};
/* The kinds a meeting's timing can have, each a fact of its own (a meeting held monthly and,
 * when needed, at any time has two). */
static const char *const KIND_ORDER[] = {"regular", "relative", "irregular", "as_needed"};
#define NKINDS 4

static int kind_index(const char *k)
{
    for (int i = 0; k && i < NKINDS; i++)
        if (strcmp(k, KIND_ORDER[i]) == 0)
            return i;
    return -1;
}

static const xtable *table_named(const struct rb_extract_rules *r, const char *name)
{
    size_t t = find_table(r, name);
    return t ? &r->tables[t - 1] : NULL;
}

typedef struct meeting {
    char *type, *name;
    const rb_fact *set_up; /* the fact that best sets the meeting up (members, convener) */
    int set_up_rank;
    const rb_fact *kind[NKINDS]; /* the first fact of each kind of timing */
    const rb_fact *members, *convener;
    const rb_fact *allfreq[8]; /* every regular frequency given, to spot contradictions */
    size_t nallfreq;
} meeting;

static void copy_list(rb_fact *dst, const char *name, const rb_fact *src, const char *from)
{
    const rb_field *x = src ? rb_fact_field(src, from) : NULL;
    if (!x)
        return;
    rb_field *o = fact_set(dst, name);
    field_copy(dst, o, x);
    o->list = 1;
}

/* 每两周, 半个月, 每季度, 每星期一下午 -> the ISO 8601 period and the periods per year, from
 * the `period_unit` table (one unit: '月: P1M 12'). 每 and a count of units (两, 半, 3) come
 * first; a fraction of a year is written in months (每半年 = P6M). Returns 0, or -1. */
static int parse_period(const xtable *units, const char *s, char *iso, size_t isosz, double *py)
{
    size_t n = strlen(s);
    if (n >= 3 && memcmp(s, "每", 3) == 0)
        s += 3, n -= 3;
    double count = 1;
    size_t k = 0;
    while (k < n) { /* the number: digits or numeral characters, 半 */
        uint32_t cp;
        int l = rb_utf8_decode(s + k, n - k, &cp);
        long dummy;
        if (!((cp >= '0' && cp <= '9') || cp == '.' || cp == 0x534A /* 半 */ ||
              (cp >= 0x3007 && rb_numeral_parse(s + k, (size_t)l, &dummy) == 0)))
            break;
        k += (size_t)l;
    }
    if (k) {
        if (k == 3 && memcmp(s, "半", 3) == 0)
            count = 0.5;
        else if (parse_number(s, k, &count) != 0 || count <= 0)
            return -1;
    }
    s += k, n -= k;
    if (n >= 3 && memcmp(s, "个", 3) == 0)
        s += 3, n -= 3;
    for (size_t i = 0; i < units->n; i++) {
        if (units->klen[i] > n || memcmp(s, units->keys[i], units->klen[i]) != 0)
            continue;
        double mult = 0, per = 0;
        char u = 0;
        if (sscanf(units->vals[i], "P%lf%c %lf", &mult, &u, &per) != 3 || mult <= 0 || per <= 0)
            return -1;
        double amount = mult * count;
        if (u == 'Y' && amount != (double)(long)amount) {
            amount *= 12;
            u = 'M';
        }
        snprintf(iso, isosz, "P%g%c", amount, u);
        *py = per / count;
        return 0;
    }
    return -1;
}

static void meeting_fact_set_frequency(const struct rb_extract_rules *r, rb_fact *f,
                                       const rb_fact *q, const meeting *M)
{
    const char *kind = q ? rb_fact_str(q, RB_F_KIND) : "unstated";
    set_str_field(f, "kind", kind ? kind : "unstated", 0);
    rb_buf val; /* any length: the words of `when` come from the text */
    rb_buf_init(&val);
    if (q && rb_fact_str(q, RB_F_HEDGE))
        set_str_field(f, "hedge", rb_fact_str(q, RB_F_HEDGE), 0);
    if (q && rb_fact_str(q, RB_F_RELATIVE_TO)) {
        set_str_field(f, "relative_to", rb_fact_str(q, RB_F_RELATIVE_TO), 0);
        set_str_field(f, "when", rb_fact_str(q, RB_F_WHEN), 0);
    }
    const char *cnt = q ? rb_fact_str(q, RB_F_COUNT) : NULL;
    const char *per = q ? rb_fact_str(q, RB_F_PERIOD) : NULL;
    const xtable *units = table_named(r, "period_unit");
    char iso[32] = "";
    double py = 0;
    if (cnt && per && units && parse_period(units, per, iso, sizeof iso, &py) == 0) {
        double a = 0, b = 0;
        if (sscanf(cnt, "%lf-%lf", &a, &b) != 2)
            b = a = atof(cnt);
        set_num_field(f, "count_min", a);
        set_num_field(f, "count_max", b);
        set_str_field(f, "period", iso, 0);
        /* the words they were read from (每两周, 一), for messages in the text's words */
        const rb_field *qp = rb_fact_field(q, RB_F_PERIOD), *qc = rb_fact_field(q, RB_F_COUNT);
        rb_field *fp = (rb_field *)rb_fact_field(f, RB_F_PERIOD);
        rb_field *fc = (rb_field *)rb_fact_field(f, RB_F_COUNT_MIN);
        if (qp && qp->words && fp && !fp->words)
            fp->words = qp->words; /* the same arena */
        if (qc && qc->words && fc && !fc->words)
            fc->words = qc->words;
        set_num_field(f, "per_year_min", a * py);
        set_num_field(f, "per_year_max", b * py);
        if (a == b)
            rb_buf_printf(&val, "%g per %s = %g/yr", a, iso, a * py);
        else
            rb_buf_printf(&val, "%g-%g per %s = %g-%g/yr", a, b, iso, a * py, b * py);
    } else if (kind && strcmp(kind, "relative") == 0) {
        rb_buf_printf(&val, "relative: %s %s",
                      rb_fact_str(q, RB_F_WHEN) ? rb_fact_str(q, RB_F_WHEN) : "",
                      rb_fact_str(q, RB_F_RELATIVE_TO) ? rb_fact_str(q, RB_F_RELATIVE_TO) : "");
    } else {
        rb_buf_printf(&val, "%s", kind ? kind : "unstated");
    }
    f->value = rb_arena_strdup(f->arena, rb_buf_cstr(&val));
    rb_buf_free(&val);
    if (!kind || strcmp(kind, "regular") != 0)
        return;
    /* a second regular frequency that says something else */
    for (size_t k = 0; k < M->nallfreq; k++) {
        const rb_fact *o = M->allfreq[k];
        if (o == q)
            continue;
        const char *oc = rb_fact_str(o, RB_F_COUNT), *op = rb_fact_str(o, RB_F_PERIOD);
        if (oc && op && cnt && per && strcmp(oc, cnt) == 0 && strcmp(op, per) == 0)
            continue;
        rb_buf c;
        rb_buf_init(&c);
        rb_buf_printf(&c, "%s%s次 in article %ld (line %u)", op ? op : "?", oc ? oc : "?",
                      o->article, o->line);
        rb_field *x = (rb_field *)rb_fact_field(f, RB_F_CONFLICT);
        if (!x)
            x = fact_set(f, "conflict");
        field_push(f, x, rb_buf_cstr(&c));
        rb_buf_free(&c);
        x->list = 1;
    }
}

/* Merge the partial meeting facts (members, convener, timings) into facts per meeting type:
 * one for each kind of timing the text gives it, or one `unstated` when it only sets the
 * meeting up (members, convener). A bare list of meeting types (实行…会议制度) gives none. */
static void merge_meetings(const struct rb_extract_rules *r, rb_facts *fs)
{
    meeting *m = NULL;
    size_t nm = 0;
    for (size_t i = 0; i < fs->n; i++) {
        const rb_fact *f = &fs->v[i];
        if (f->kind != RB_DIM_MEETINGS)
            continue;
        const char *role = rb_fact_str(f, RB_F_ROLE);
        const rb_field *types = rb_fact_field(f, RB_F_TYPE);
        const rb_field *names = rb_fact_field(f, RB_F_NAME);
        if (!types || !role || strcmp(role, "institute") == 0)
            continue;
        for (size_t k = 0; k < types->n; k++) {
            const char *type = types->items[k];
            const char *name = names && k < names->n ? names->items[k] : type;
            if (names && names->n != types->n)
                name = names->items[names->n - 1 < k ? names->n - 1 : k];
            size_t j = 0;
            for (; j < nm; j++)
                if (strcmp(m[j].type, type) == 0 &&
                    (strcmp(type, "other") != 0 || strcmp(m[j].name, name) == 0))
                    break;
            if (j == nm) {
                m = rb_xrealloc(m, (nm + 1) * sizeof *m);
                memset(&m[nm], 0, sizeof *m);
                m[nm].type = rb_xstrdup(type);
                m[nm].name = rb_xstrdup(name);
                nm++;
            }
            meeting *M = &m[j];
            if (strcmp(role, "frequency") == 0) {
                const char *k1 = rb_fact_str(f, RB_F_KIND);
                int ki = kind_index(k1);
                if (ki == 0 && M->nallfreq < 8)
                    M->allfreq[M->nallfreq++] = f;
                if (ki >= 0 && !M->kind[ki]) {
                    M->kind[ki] = f;
                    if (strcmp(M->type, "other") != 0 && names && k < names->n &&
                        (ki == 0 || !M->kind[0])) {
                        free(M->name);
                        M->name = rb_xstrdup(names->items[k]);
                    }
                }
            } else {
                /* where the meeting is set up: its members, then its convener, then a clause
                 * naming the head's powers (市长召集和主持全体会议) */
                int rank = strcmp(role, "members") == 0 ? 3 : strcmp(role, "convener") == 0 ? 2 : 1;
                if (rank == 3 && !M->members)
                    M->members = f;
                else if (rank < 3 && !M->convener)
                    M->convener = f;
                if (rank > M->set_up_rank) {
                    M->set_up = f;
                    M->set_up_rank = rank;
                    int timed = 0;
                    for (int q = 0; q < NKINDS; q++)
                        timed |= M->kind[q] != NULL;
                    if (!timed && names && k < names->n && strcmp(M->type, "other") != 0) {
                        free(M->name);
                        M->name = rb_xstrdup(names->items[k]);
                    }
                }
            }
        }
    }
    /* the merged facts, in the canonical type order */
    rb_facts out = {0};
    for (size_t t = 0; t < sizeof TYPE_ORDER / sizeof TYPE_ORDER[0]; t++)
        for (size_t j = 0; j < nm; j++) {
            meeting *M = &m[j];
            if (strcmp(M->type, TYPE_ORDER[t]) != 0)
                continue;
            for (int q = -1; q < NKINDS; q++) {
                const rb_fact *w = q < 0 ? NULL : M->kind[q];
                if (q < 0) { /* unstated: only when no timing at all */
                    int timed = 0;
                    for (int z = 0; z < NKINDS; z++)
                        timed |= M->kind[z] != NULL;
                    if (timed || !M->set_up)
                        continue;
                } else if (!w) {
                    continue;
                }
                const rb_fact *at = w ? w : M->set_up;
                rb_fact *f = facts_push(&out);
                f->arena = &fs->arena; /* out is a list of fs's facts: the strings are shared */
                f->dim = at->dim;
                f->kind = RB_DIM_MEETINGS;
                f->rule = at->rule;
                f->article = at->article;
                f->eid = at->eid;
                f->line = at->line;
                f->col = at->col;
                f->text = at->text;
                f->norm = at->norm;
                f->at = at->at;
                set_str_field(f, "type", M->type, 0);
                set_str_field(f, "name", M->name, 0);
                copy_list(f, "members", M->members, "members");
                copy_list(f, "convener", M->convener, "convener");
                meeting_fact_set_frequency(r, f, w, M);
            }
        }
    for (size_t j = 0; j < nm; j++) {
        free(m[j].type);
        free(m[j].name);
    }
    free(m);
    /* replace the partial meeting facts by the merged ones, keeping the others in order; in
     * place (a second array of all the facts was a document's peak of memory), then the array
     * cut to its size: it lives until the output is written */
    size_t k = 0;
    for (size_t i = 0; i < fs->n; i++) {
        if (fs->v[i].kind == RB_DIM_MEETINGS)
            rb_fact_clear(&fs->v[i]);
        else
            fs->v[k++] = fs->v[i];
    }
    size_t n = out.n + k;
    if (n) {
        fs->v = rb_xrealloc(fs->v, n * sizeof *fs->v);
        fs->cap = n;
        memmove(fs->v + out.n, fs->v, k * sizeof *fs->v);
        if (out.n)
            memcpy(fs->v, out.v, out.n * sizeof *fs->v);
    }
    fs->n = n;
    free(out.v);
}

static void join_field(rb_buf *b, const rb_fact *f, const char *name, const char *sep)
{
    const rb_field *x = rb_fact_field(f, name);
    for (size_t i = 0; x && i < x->n; i++) {
        if (i)
            rb_buf_puts(b, sep);
        rb_buf_puts(b, x->items[i]);
    }
}

/* One-line summaries of the normalized value. */
static void summarize(rb_fact *f)
{
    if (f->value)
        return;
    rb_buf b;
    rb_buf_init(&b);
    if (f->kind == RB_DIM_SIGNING) {
        join_field(&b, f, "signer", " or ");
        rb_buf_printf(&b, " %s", rb_fact_str(f, RB_F_VERB) ? rb_fact_str(f, RB_F_VERB) : "");
        if (rb_fact_field(f, RB_F_REVIEWER)) {
            rb_buf_puts(&b, " after review by ");
            join_field(&b, f, "reviewer", ", ");
        }
        if (rb_fact_str(f, RB_F_CONDITION))
            rb_buf_printf(&b, " (if %s)", rb_fact_str(f, RB_F_CONDITION));
    } else if (f->kind == RB_DIM_LEAVE) {
        rb_buf_printf(&b, "%s: ", rb_fact_str(f, RB_F_OCCASION));
        if (rb_fact_field(f, RB_F_WHO)) {
            join_field(&b, f, "who", ", ");
            rb_buf_puts(&b, " ");
        }
        if (rb_fact_field(f, RB_F_APPROVER)) {
            rb_buf_puts(&b, "-> ");
            join_field(&b, f, "approver", " or ");
        }
        if (rb_fact_str(f, RB_F_NOTICE_AMOUNT))
            rb_buf_printf(&b, ", %s %s ahead", rb_fact_str(f, RB_F_NOTICE_AMOUNT),
                          rb_fact_str(f, RB_F_NOTICE_UNIT) ? rb_fact_str(f, RB_F_NOTICE_UNIT) : "");
        if (rb_fact_str(f, RB_F_THRESHOLD_AMOUNT))
            rb_buf_printf(&b, ", beyond %s %s", rb_fact_str(f, RB_F_THRESHOLD_AMOUNT),
                          rb_fact_str(f, RB_F_THRESHOLD_UNIT) ? rb_fact_str(f, RB_F_THRESHOLD_UNIT) : "");
        if (rb_fact_str(f, RB_F_WRITTEN))
            rb_buf_puts(&b, ", in writing");
    } else if (f->kind == RB_DIM_DEADLINES) {
        rb_buf_printf(&b, "%s %s", rb_fact_str(f, RB_F_BOUND), rb_fact_str(f, RB_F_AMOUNT));
        if (rb_fact_str(f, RB_F_AMOUNT_MAX))
            rb_buf_printf(&b, "-%s", rb_fact_str(f, RB_F_AMOUNT_MAX));
        rb_buf_printf(&b, " %s", rb_fact_str(f, RB_F_UNIT));
        if (rb_fact_str(f, RB_F_TRIGGER))
            rb_buf_printf(&b, " from %s", rb_fact_str(f, RB_F_TRIGGER));
    } else {
        for (size_t i = 0; i < f->nfields; i++) {
            if (i)
                rb_buf_puts(&b, "; ");
            rb_buf_printf(&b, "%s=", f->fields[i].name);
            join_field(&b, f, f->fields[i].name, ",");
        }
    }
    f->value = rb_arena_take(f->arena, rb_buf_detach(&b));
}

/* The rules over one article's paragraphs (or the continuation's, or a chapter's intro). */
/* The first ';' or 0xE3 byte (the first of 。) of s[i..n), or n: sixteen bytes at a time with
 * SSE2, then eight while none of them is either (a byte b of a word is one when b ^ ';' or
 * b ^ 0xE3 is zero). */
static size_t next_stop(const char *s, size_t n, size_t i)
{
#if defined(__SSE2__) && !defined(RB_NO_SIMD)
    const __m128i semi = _mm_set1_epi8(';'), e3 = _mm_set1_epi8((char)0xE3);
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(x, semi), _mm_cmpeq_epi8(x, e3)));
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t a = w ^ (';' * ones), b = w ^ (0xE3 * ones);
        if (((a - ones) & ~a & highs) | ((b - ones) & ~b & highs))
            break;
    }
    while (i < n && s[i] != ';' && (unsigned char)s[i] != 0xE3)
        i++;
    return i;
}

static rb_status extract_unit(xrun *R, const rb_article *a, rb_error *err)
{
    const struct rb_extract_rules *r = R->g->extract;
    R->unit_first = R->d->facts->n; /* the facts of this article, for `context` */
    for (size_t bi = 0; bi < a->nblocks;) {
        xtext x;
        bi = block_text(R->d, a, bi, &x, &R->tbuf, &R->tpc, &R->tpccap);
        for (size_t k = 0; k < r->nrules; k++)
            R->last[k] = (size_t)-1; /* inheritance stays inside a paragraph */
        size_t ss = 0;
        R->nsent = 0;
        for (size_t i = 0; i <= x.n;) {
            size_t sl = 0;
            /* only ';' and the first byte of 。 (E3) can end a sentence */
            i = next_stop(x.s, x.n, i);
            if (i == x.n || is_sentence_end(x.s, x.n, i, &sl)) {
                size_t se = i == x.n ? x.n : i + sl;
                if (se > ss) {
                    if (2 * R->nsent + 2 > R->csent) {
                        R->csent = R->csent ? 2 * R->csent : 64;
                        R->sent = rb_xrealloc(R->sent, R->csent * sizeof *R->sent);
                        R->present = rb_xrealloc(R->present, R->csent / 2 * r->ac.words *
                                                                 sizeof *R->present);
                    }
                    R->sent[2 * R->nsent] = ss;
                    R->sent[2 * R->nsent + 1] = se;
                    R->nsent++;
                }
                if (i == x.n)
                    break;
                i += sl;
                ss = i;
            } else {
                i++;
            }
        }
        /* the automaton over the sentences, two at a time (independent walks interleave) */
        size_t W = r->ac.words;
        for (size_t k = 0; k < R->nsent; k += 2) {
            const size_t *p = &R->sent[2 * k];
            if (k + 1 < R->nsent)
                ac_scan2(&r->ac, x.s + p[0], p[1] - p[0], &R->present[k * W], x.s + p[2],
                         p[3] - p[2], &R->present[(k + 1) * W]);
            else
                ac_scan(&r->ac, x.s + p[0], p[1] - p[0], &R->present[k * W]);
        }
        for (size_t k = 0; k < R->nsent; k++) {
            rb_status st = run_sentence(R, a, &x, R->sent[2 * k], R->sent[2 * k + 1],
                                        &R->present[k * W], err);
            if (st != RB_OK)
                return st;
        }
    }
    return RB_OK;
}

/* A chapter's intro (text between its heading and its first article) as an article of
 * unknown number. */
static rb_article chapter_intro(const rb_chapter *c)
{
    rb_article a;
    memset(&a, 0, sizeof a);
    a.chapter = -1;
    a.first_block = c->first_intro;
    a.nblocks = c->nintro;
    a.eid = c->eid;
    return a;
}

rb_status rb_extract(const rb_grammar *g, rb_doc *d, rb_timings *tm, rb_error *err)
{
    rb_facts_free(d->facts);
    d->facts = rb_facts_new(d->facts_store);
    const struct rb_extract_rules *r = g->extract;
    if (!r || r->nrules == 0)
        return RB_OK;
    xrun R;
    memset(&R, 0, sizeof R);
    R.g = g;
    R.d = d;
    R.last = rb_xmalloc(r->nrules * sizeof *R.last);
    R.topic = rb_xcalloc(r->ntables + 1, sizeof *R.topic);
    R.hit_dim = rb_xcalloc(r->ndims + 1, 1);
    R.reach = rb_xcalloc(r->ac.rwords ? r->ac.rwords : 1, sizeof *R.reach);
    R.rule_s = rb_xcalloc(r->nrules + 1, sizeof *R.rule_s);
    R.dim_s = rb_xcalloc(r->ndims + 1, sizeof *R.dim_s);
    rb_buf_init(&R.tbuf);
    rb_status st = RB_OK;
    if (d->cont)
        st = extract_unit(&R, d->cont, err);
    size_t next_ch = 0; /* chapters whose intro is done */
    for (size_t ai = 0; ai <= d->narticles && st == RB_OK; ai++) {
        long upto = ai < d->narticles ? d->articles[ai].chapter : (long)d->nchapters - 1;
        for (; st == RB_OK && (long)next_ch <= upto; next_ch++)
            if (d->chapters[next_ch].nintro) {
                rb_article in = chapter_intro(&d->chapters[next_ch]);
                st = extract_unit(&R, &in, err);
            }
        if (ai < d->narticles && st == RB_OK)
            st = extract_unit(&R, &d->articles[ai], err);
    }
    free(R.last);
    free(R.topic);
    free(R.hit_dim);
    free(R.reach);
    free(R.present);
    free(R.sent);
    free(R.rule_s);
    free(R.dim_s);
    rb_buf_free(&R.tbuf);
    rb_buf_free(&R.ttmp);
    free(R.tpc);
    if (st != RB_OK)
        return st;
    merge_meetings(r, d->facts);
    if (tm) {
        tm->sentences += R.sentences;
        tm->sentences_matched += R.sentences_matched;
        tm->regex_calls += R.regex_calls;
        tm->facts += d->facts->n;
    }
    for (size_t i = 0; i < d->facts->n; i++)
        summarize(&d->facts->v[i]);
    return RB_OK;
}
