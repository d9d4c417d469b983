/* check.c: the consistency stage. Compiled documents (with their facts) -> findings for legal
 * staff, each with a rule id, a severity, one sentence, the file, line, column and article, and
 * a fingerprint that stays put when lines move (for --baseline in CI).
 *
 *   structure   numbering (from compile), empty article or chapter, text outside articles,
 *               a text that ends mid-sentence or lacks its closing article
 *   damage      duplicate copies and their insertions (from compile), injected characters
 *               (character bigrams: a run no word contains, whose removal joins two words),
 *               pinyin annotations and lost characters (patterns), mixed scripts
 *   consistency one meeting type with two frequencies, one action with two deadlines, a
 *               meeting type used but never instituted, a signer or convener outside the
 *               composition, a head-of-government word of another level
 *   references  superseded instruments and renamed bodies (tables, by date), the repeal
 *               clause, self-citation; across files: one instrument spelled two ways (one with
 *               inserted characters), deadlines longer than the cited higher-level rulebook's
 * Pattern and table rules are in grammar/check.yaml. */
#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- rules from YAML -------------------------------------------------------------------------- */

typedef struct cpat {
    char *id, *message;
    rb_severity sev;
    void *code;
} cpat;

typedef struct csup {
    char *title;  /* normalized */
    char *replaced_by, *from, *note;
} csup;

typedef struct cren {
    void *code;
    char *replaced_by, *from, *note;
    char *local_by; /* by when every local government had done it (from, when not given) */
} cren;

struct rb_check_rules {
    cpat *pats;
    size_t npats;
    void **closing;
    size_t nclosing;
    csup *sup;
    size_t nsup;
    cren *ren;
    size_t nren;
    char **head_suffix, **head_word;
    size_t nhead;
    char **titles; /* titles of national instruments as enacted (normalized) */
    char **titles_orig;
    size_t ntitles;
};

void rb_check_rules_free(struct rb_check_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->ntitles; i++) {
        free(r->titles[i]);
        free(r->titles_orig[i]);
    }
    free(r->titles);
    free(r->titles_orig);
    for (size_t i = 0; i < r->npats; i++) {
        free(r->pats[i].id);
        free(r->pats[i].message);
        rb_regex_free(r->pats[i].code);
    }
    free(r->pats);
    for (size_t i = 0; i < r->nclosing; i++)
        rb_regex_free(r->closing[i]);
    free(r->closing);
    for (size_t i = 0; i < r->nsup; i++) {
        free(r->sup[i].title);
        free(r->sup[i].replaced_by);
        free(r->sup[i].from);
        free(r->sup[i].note);
    }
    free(r->sup);
    for (size_t i = 0; i < r->nren; i++) {
        rb_regex_free(r->ren[i].code);
        free(r->ren[i].replaced_by);
        free(r->ren[i].from);
        free(r->ren[i].note);
        free(r->ren[i].local_by);
    }
    free(r->ren);
    for (size_t i = 0; i < r->nhead; i++) {
        free(r->head_suffix[i]);
        free(r->head_word[i]);
    }
    free(r->head_suffix);
    free(r->head_word);
    free(r);
}

static char *ystr(yaml_document_t *doc, yaml_node_t *m, const char *k)
{
    const char *v = rb_yaml_str(rb_yaml_get(doc, m, k));
    return v ? rb_xstrdup(v) : NULL;
}

/* Does the example match as it should (want 1: match; 0: not)? Run through the normalizer
 * first; taken as given when these grammar bytes' examples held before (grammars.c). */
static int example_as(const rb_grammar *g, void *code, const char *id, const char *ex, int want,
                      rb_error *err)
{
    if (g->examples_known)
        return 1;
    size_t l;
    char *t = rb_normalize_str(ex, strlen(ex), 1, &l);
    size_t ov[4];
    int m = rb_regex_match(g, code, id, t, l, 0, ov, 2, err);
    free(t);
    return m == want;
}

static int valid_date(const char *s)
{
    int y, m, d;
    char tail;
    return s && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 && m <= 12 &&
           d >= 1 && d <= 31;
}

rb_status rb_check_add(rb_grammar *g, const char *path, yaml_document_t *doc, yaml_node_t *root,
                       rb_error *err)
{
    if (!g->check)
        g->check = rb_xcalloc(1, sizeof *g->check);
    struct rb_check_rules *r = g->check;
    size_t n;
    yaml_node_item_t *it = rb_yaml_items(rb_yaml_get(doc, root, "patterns"), &n);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *pn = yaml_document_get_node(doc, it[i]);
        char *id = ystr(doc, pn, "id"), *msg = ystr(doc, pn, "message"),
             *sev = ystr(doc, pn, "severity");
        yaml_node_t *rxn = rb_yaml_get(doc, pn, "regex");
        const char *rx = rb_yaml_str(rxn);
        if (!id || !msg || !rx) {
            free(id);
            free(msg);
            free(sev);
            return rb_error_set(err, RB_EGRAMMAR, "check", path, rb_yaml_line(pn), 1,
                                "grammar-schema", "a check pattern needs id, message and regex");
        }
        void *code = rb_grammar_regex(g, rx, path, rb_yaml_line(rxn), rb_yaml_col(rxn), id, err);
        if (!code) {
            free(id);
            free(msg);
            free(sev);
            return RB_EGRAMMAR;
        }
        r->pats = rb_xrealloc(r->pats, (r->npats + 1) * sizeof *r->pats);
        cpat *p = &r->pats[r->npats++];
        p->id = id;
        p->message = msg;
        p->code = code;
        p->sev = sev && strcmp(sev, "error") == 0 ? RB_ERROR
                 : sev && strcmp(sev, "note") == 0 ? RB_NOTE
                                                   : RB_WARNING;
        free(sev);
        static const char *const keys[] = {"examples", "not"};
        for (int w = 0; w < 2; w++) {
            size_t ne;
            yaml_node_item_t *ex = rb_yaml_items(rb_yaml_get(doc, pn, keys[w]), &ne);
            if (w == 0 && ne == 0)
                return rb_error_set(err, RB_EGRAMMAR, "check", path, rb_yaml_line(pn), 1,
                                    "grammar-schema", "check pattern %s has no examples", id);
            for (size_t k = 0; k < ne; k++) {
                const char *e = rb_yaml_str(yaml_document_get_node(doc, ex[k]));
                if (e && !example_as(g, code, id, e, w == 0, err))
                    return rb_error_set(err, RB_EGRAMMAR, "check", path, rb_yaml_line(pn), 1,
                                        "grammar-example", "check pattern %s %s '%s'", id,
                                        w == 0 ? "does not match its example" : "matches", e);
            }
        }
    }
    it = rb_yaml_items(rb_yaml_get(doc, root, "closing"), &n);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *cn = yaml_document_get_node(doc, it[i]);
        yaml_node_t *rxn = rb_yaml_get(doc, cn, "regex");
        const char *rx = rb_yaml_str(rxn), *ex = rb_yaml_str(rb_yaml_get(doc, cn, "example"));
        if (!rx || !ex)
            return rb_error_set(err, RB_EGRAMMAR, "check", path, rb_yaml_line(cn), 1,
                                "grammar-schema", "a closing pattern needs regex and example");
        void *code = rb_grammar_regex(g, rx, path, rb_yaml_line(rxn), rb_yaml_col(rxn), "closing",
                                      err);
        if (!code)
            return RB_EGRAMMAR;
        r->closing = rb_xrealloc(r->closing, (r->nclosing + 1) * sizeof *r->closing);
        r->closing[r->nclosing++] = code;
        if (!example_as(g, code, "closing", ex, 1, err))
            return rb_error_set(err, RB_EGRAMMAR, "check", path, rb_yaml_line(cn), 1,
                                "grammar-example", "closing pattern '%s' does not match '%s'", rx,
                                ex);
    }
    it = rb_yaml_items(rb_yaml_get(doc, root, "titles"), &n);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *tn = yaml_document_get_node(doc, it[i]);
        const char *t = rb_yaml_str(tn);
        if (!t || !*t)
            return rb_error_set(err, RB_EGRAMMAR, "check", path, rb_yaml_line(tn), 1,
                                "grammar-schema", "`titles:` is a list of titles (strings)");
        r->titles = rb_xrealloc(r->titles, (r->ntitles + 1) * sizeof *r->titles);
        r->titles_orig = rb_xrealloc(r->titles_orig, (r->ntitles + 1) * sizeof *r->titles_orig);
        r->titles[r->ntitles] = rb_normalize_str(t, strlen(t), 1, NULL);
        r->titles_orig[r->ntitles++] = rb_xstrdup(t);
    }
    it = rb_yaml_items(rb_yaml_get(doc, root, "superseded"), &n);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *sn = yaml_document_get_node(doc, it[i]);
        const char *title = rb_yaml_str(rb_yaml_get(doc, sn, "title"));
        char *from = ystr(doc, sn, "from");
        if (!title || !valid_date(from)) {
            free(from);
            return rb_error_set(err, RB_EGRAMMAR, "check", path, rb_yaml_line(sn), 1,
                                "grammar-schema",
                                "a superseded entry needs title and from (YYYY-MM-DD)");
        }
        r->sup = rb_xrealloc(r->sup, (r->nsup + 1) * sizeof *r->sup);
        csup *s = &r->sup[r->nsup++];
        s->title = rb_normalize_str(title, strlen(title), 1, NULL);
        s->replaced_by = ystr(doc, sn, "replaced_by");
        s->from = from;
        s->note = ystr(doc, sn, "note");
    }
    it = rb_yaml_items(rb_yaml_get(doc, root, "renamed"), &n);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *rn = yaml_document_get_node(doc, it[i]);
        yaml_node_t *rxn = rb_yaml_get(doc, rn, "regex");
        const char *rx = rb_yaml_str(rxn), *ex = rb_yaml_str(rb_yaml_get(doc, rn, "example"));
        char *from = ystr(doc, rn, "from");
        if (!rx || !ex || !valid_date(from)) {
            free(from);
            return rb_error_set(err, RB_EGRAMMAR, "check", path, rb_yaml_line(rn), 1,
                                "grammar-schema",
                                "a renamed entry needs regex, example and from (YYYY-MM-DD)");
        }
        void *code = rb_grammar_regex(g, rx, path, rb_yaml_line(rxn), rb_yaml_col(rxn), "renamed",
                                      err);
        if (!code) {
            free(from);
            return RB_EGRAMMAR;
        }
        r->ren = rb_xrealloc(r->ren, (r->nren + 1) * sizeof *r->ren);
        cren *c = &r->ren[r->nren++];
        c->code = code;
        c->from = from;
        c->replaced_by = ystr(doc, rn, "replaced_by");
        c->note = ystr(doc, rn, "note");
        c->local_by = ystr(doc, rn, "local_by");
        if (c->local_by && (!valid_date(c->local_by) || strcmp(c->local_by, from) < 0))
            return rb_error_set(err, RB_EGRAMMAR, "check", path, rb_yaml_line(rn), 1,
                                "grammar-schema",
                                "local_by must be a date (YYYY-MM-DD) not before from");
        if (!c->local_by)
            c->local_by = rb_xstrdup(from);
        if (!example_as(g, code, "renamed", ex, 1, err))
            return rb_error_set(err, RB_EGRAMMAR, "check", path, rb_yaml_line(rn), 1,
                                "grammar-example", "renamed pattern '%s' does not match '%s'", rx,
                                ex);
    }
    yaml_node_pair_t *hp = rb_yaml_pairs(rb_yaml_get(doc, root, "head_words"), &n);
    for (size_t i = 0; i < n; i++) {
        const char *k = rb_yaml_str(yaml_document_get_node(doc, hp[i].key));
        const char *v = rb_yaml_str(yaml_document_get_node(doc, hp[i].value));
        if (!k || !v)
            continue;
        r->head_suffix = rb_xrealloc(r->head_suffix, (r->nhead + 1) * sizeof *r->head_suffix);
        r->head_word = rb_xrealloc(r->head_word, (r->nhead + 1) * sizeof *r->head_word);
        r->head_suffix[r->nhead] = rb_normalize_str(k, strlen(k), 1, NULL);
        r->head_word[r->nhead] = rb_normalize_str(v, strlen(v), 1, NULL);
        r->nhead++;
    }
    return RB_OK;
}

/* ---- the rule catalogue (for SARIF and --help) ------------------------------------------------ */

#define S RB_CAT_STRUCTURE
#define C RB_CAT_COPY
#define L RB_CAT_CONSISTENCY
static const rb_rule_info RULES[] = {
    {"numbering-gap", RB_ERROR, S, "A number is missing from the sequence of chapters, articles or points."},
    {"numbering-duplicate", RB_ERROR, S, "The same number appears twice in a row."},
    {"numbering-restart", RB_ERROR, S, "The numbering restarts, and the restarted text is not a copy."},
    {"numbering-start", RB_WARNING, S, "The numbering does not start at one."},
    {"empty-article", RB_WARNING, S, "An article has a number but no text."},
    {"empty-chapter", RB_WARNING, S, "A chapter has a heading but no articles."},
    {"text-outside-article", RB_WARNING, S, "Text stands between a chapter heading and its first article."},
    {"chapter-heading-missing", RB_WARNING, S, "A chapter has no heading."},
    {"title-missing", RB_WARNING, S, "No title line precedes the body."},
    {"no-articles", RB_WARNING, S, "The text has no article numbers; it is kept as one passage."},
    {"truncated-mid-sentence", RB_WARNING, C, "The text ends in the middle of a sentence."},
    {"closing-article-missing", RB_WARNING, C, "No closing article (…适用本规则, 自…施行, …同时废止): the text may be cut short."},
    {"duplicate-run", RB_WARNING, C, "A stretch of articles is repeated; the model keeps one copy."},
    {"copy-difference", RB_WARNING, C, "Two copies of an article differ."},
    {"junk-insertion", RB_WARNING, C, "Characters are inserted in one copy of a repeated article."},
    {"injected-characters", RB_WARNING, C, "Characters that no word contains break the surrounding words; removing them joins two words."},
    {"pinyin-annotation", RB_WARNING, C, "A pinyin annotation stands in the text; it is set aside."},
    {"mixed-script", RB_WARNING, C, "Simplified and traditional characters are mixed in one document."},
    {"citation-variant", RB_WARNING, C, "One instrument is cited under two spellings; one has inserted characters."},
    {"meeting-frequency-conflict", RB_WARNING, L, "One meeting type is given two different frequencies."},
    {"deadline-conflict", RB_WARNING, L, "One action is given two different deadlines."},
    {"meeting-not-instituted", RB_WARNING, L, "A meeting type is used in a leave or signing article but never instituted."},
    {"role-not-in-composition", RB_NOTE, L, "A role that signs or convenes is not a member of the government by its composition article."},
    {"head-title-level", RB_WARNING, L, "The head-of-government word does not match the jurisdiction's level (市长 in a 区 rulebook)."},
    {"superseded-citation", RB_WARNING, L, "A cited instrument had been replaced when the rulebook was issued."},
    {"renamed-body", RB_WARNING, L, "A body named in the text had been merged or renamed when the rulebook was issued (a note while the local merger may still have been under way)."},
    {"repeal-clause", RB_NOTE, L, "The rulebook repeals an earlier instrument."},
    {"self-citation", RB_WARNING, L, "The rulebook cites its own title outside the repeal clause."},
    {"deadline-longer-than-superior", RB_WARNING, L, "A deadline is longer than the same deadline in the higher-level rulebook this one cites."},
    /* (added later: at the end, so that a SARIF result's ruleIndex stays what it was) */
    {"line-units-limit", RB_WARNING, S, "A line holds more than 4,096 places where a unit may start; the rest of it is read as text."},
};
#undef S
#undef C
#undef L
#define NRULES (sizeof RULES / sizeof RULES[0])

const rb_rule_info *rb_check_rules(size_t *n)
{
    *n = NRULES;
    return RULES;
}

const rb_rule_info *rb_check_rule(const char *id)
{
    for (size_t i = 0; id && i < NRULES; i++)
        if (strcmp(RULES[i].id, id) == 0)
            return &RULES[i];
    return NULL;
}

const char *rb_category_name(rb_category c)
{
    return c == RB_CAT_COPY ? "copy" : c == RB_CAT_CONSISTENCY ? "consistency" : "structure";
}

const char *rb_category_label(rb_category c)
{
    return c == RB_CAT_COPY ? "damaged copy" : c == RB_CAT_CONSISTENCY ? "consistency" : "structure";
}

/* ---- findings ---------------------------------------------------------------------------------- */

void rb_finding_clear(rb_finding *f)
{
    free(f->rule);
    free(f->file);
    free(f->message);
    free(f->codes);
    free(f->key);
}

void rb_findings_clear(rb_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        rb_finding_clear(&f->v[i]);
    free(f->v);
    rb_omap_free(&f->seen);
    memset(f, 0, sizeof *f);
}

rb_findings *rb_findings_new(void) { return rb_xcalloc(1, sizeof(rb_findings)); }

void rb_findings_free(rb_findings *f)
{
    if (!f)
        return;
    rb_findings_clear(f);
    free(f);
}

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

static rb_finding *add_finding(rb_findings *fs, const char *rule, rb_severity sev,
                               const char *file, const char *docid, unsigned line, unsigned col,
                               long article, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 10, 11)));
/* The fingerprint of a finding ignores lines and columns: rule, rulebook, article and the
 * words. */
static uint64_t fingerprint(const char *rule, const char *docid, long article, const char *key)
{
    char art[32];
    snprintf(art, sizeof art, "|%ld|", article);
    uint64_t h = fnv(rule, 0xcbf29ce484222325ull);
    h = fnv("|", h);
    h = fnv(docid ? docid : "", h);
    h = fnv(art, h);
    return fnv(key ? key : "", h);
}

/* A finding; the same rule on the same words in the same article again is counted on the first
 * (repeats), not reported apart: NULL then. */
static rb_finding *add_finding(rb_findings *fs, const char *rule, rb_severity sev,
                               const char *file, const char *docid, unsigned line, unsigned col,
                               long article, const char *key, const char *fmt, ...)
{
    uint64_t h = fingerprint(rule, docid, article, key);
    int fresh = 0;
    size_t *slot = rb_omap_slot(&fs->seen, (long)(h >> 2) | 1, &fresh);
    if (!fresh) {
        fs->v[*slot - 1].repeats++;
        return NULL;
    }
    RB_GROW(fs->v, fs->n, fs->cap);
    *slot = fs->n + 1;
    rb_finding *f = &fs->v[fs->n++];
    memset(f, 0, sizeof *f);
    f->rule = rb_xstrdup(rule);
    f->severity = sev;
    const rb_rule_info *ri = rb_check_rule(rule);
    f->category = ri ? ri->cat : RB_CAT_STRUCTURE;
    f->file = rb_xstrdup(file);
    f->line = line;
    f->col = col;
    f->article = article;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    rb_utf8_fit(msg, sizeof msg, vsnprintf(msg, sizeof msg, fmt, ap));
    va_end(ap);
    f->message = rb_xstrdup(msg);
    f->key = rb_xstrdup(key ? key : "");
    snprintf(f->fingerprint, sizeof f->fingerprint, "%016llx", (unsigned long long)h);
    return f;
}

/* A finding made by add_finding given `times` more times: its repeats. */
static void repeat_finding(rb_findings *fs, const char *rule, const char *docid, long article,
                           const char *key, size_t times)
{
    size_t at = rb_omap_get(&fs->seen, (long)(fingerprint(rule, docid, article, key) >> 2) | 1);
    if (at != (size_t)-1)
        fs->v[at - 1].repeats += times;
}

/* the codes of a finding, for JSON and SARIF */
static void set_codes(rb_finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_codes(rb_finding *f, const char *fmt, ...)
{
    if (!f)
        return;
    char b[512];
    va_list ap;
    va_start(ap, fmt);
    rb_utf8_fit(b, sizeof b, vsnprintf(b, sizeof b, fmt, ap));
    va_end(ap);
    free(f->codes);
    f->codes = rb_xstrdup(b);
}

/* A pattern match that reports giving up (the match limit on a hostile text) instead of
 * reading it as "no match": the first such error is kept and rb_check returns it. */
static int cmatch(const rb_grammar *g, rb_findings *fs, const rb_doc *d, unsigned line,
                  void *code, const char *id, const char *s, size_t n, size_t pos, size_t *ov,
                  size_t nov)
{
    rb_error e; /* (a 2 KB record: only its status is cleared, rb_error_set fills the rest) */
    e.status = RB_OK;
    int m = rb_regex_match(g, code, id, s, n, pos, ov, nov, &e);
    if (m < 0 && fs->trouble.status == RB_OK) {
        fs->trouble = e;
        snprintf(fs->trouble.file, sizeof fs->trouble.file, "%s", d->name);
        fs->trouble.line = line ? line : 1;
        fs->trouble.col = 1;
    }
    return m;
}

static rb_severity rule_sev(const char *id, rb_severity dflt)
{
    const rb_rule_info *r = rb_check_rule(id);
    return r ? r->sev : dflt;
}

/* ---- helpers over a document ------------------------------------------------------------------ */

/* The article whose text holds a line (0 in the preface): the last that starts at or before
 * it. The articles of a parsed document are in the order of their lines (check parses every
 * input, a compiled file's text too), so a binary search: a finding each, where a scan of the
 * articles made a text of many findings quadratic. */
static long article_at_line(const rb_doc *d, unsigned line)
{
    size_t lo = 0, hi = d->narticles;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->articles[mid].line > line)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo ? d->articles[lo - 1].ordinal : 0;
}

/* A block's text as the patterns see it (the view, junk taken out). A block without junk is
 * the view's own bytes: nothing is copied, and a byte's view offset is base + its index. */
typedef struct btext {
    const char *s;
    size_t n;
    size_t *vo;  /* view offset of each byte, or NULL: base + index */
    size_t base;
    char *own;   /* the text when it was built (junk taken out), else NULL */
} btext;

static void btext_of(const rb_doc *d, rb_span sp, btext *t)
{
    memset(t, 0, sizeof *t);
    if (rb_doc_span_clean(d, sp)) {
        t->s = d->view->text + sp.off;
        t->n = sp.len;
        t->base = sp.off;
        return;
    }
    rb_buf out;
    rb_buf_init(&out);
    size_t cap = 0;
    rb_doc_append_norm(d, sp, &out, &t->vo, &cap);
    t->n = out.len;
    t->s = t->own = rb_buf_detach(&out);
    if (!t->vo)
        t->vo = rb_xmalloc(sizeof *t->vo);
}

static void btext_free(btext *t)
{
    free(t->own);
    free(t->vo);
}

static size_t bt_vo(const btext *t, size_t i) { return t->vo ? t->vo[i] : t->base + i; }

static char *orig_words(const rb_doc *d, const btext *t, size_t a, size_t b)
{
    if (b <= a)
        return rb_xstrdup("");
    size_t vs = bt_vo(t, a), ve = bt_vo(t, b - 1) + 1;
    while (ve < d->view->len && ((unsigned char)d->view->text[ve] & 0xC0) == 0x80)
        ve++;
    return rb_doc_text(d, (rb_span){vs, ve - vs});
}

static void pos_of(const rb_doc *d, const btext *t, size_t a, unsigned *line, unsigned *col)
{
    rb_doc_linecol(d, a < t->n ? bt_vo(t, a) : (t->n ? bt_vo(t, t->n - 1) : 0), line, col);
}

/* ---- the injected-character detector ---------------------------------------------------------- */

static int is_han(uint32_t c) { return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF); }

/* A document's own counts (never the other files of a run: a file's findings are the same
 * alone or in a batch): its Han characters by code point (all are in the BMP), two bits each,
 * counting to 2 (the detector asks whether a character occurs more than once): 16 KB that stay
 * in the first-level cache, emptied for each document; and the Han bigrams the reference lacks
 * in an ordinal map (whether a bigram repeats is asked only of those). */
typedef struct bicount {
    rb_omap bigrams;
    uint8_t *u2; /* 0x10000 / 4 bytes: the counts, 0, 1 or 2 (more) */
    /* the blocks' code points and candidate marks (hblock), all of a document's in one
     * array each, kept from document to document */
    uint32_t *cpool;
    unsigned char *candpool;
    size_t pcap;
} bicount;

static uint64_t bkey(uint32_t a, uint32_t b) { return (uint64_t)a << 32 | b; }

static size_t unigram(const bicount *bc, uint32_t c)
{
    return (size_t)(bc->u2[c >> 2] >> ((c & 3) * 2) & 3);
}

static size_t bigram(const bicount *bc, uint32_t a, uint32_t b)
{
    size_t v = rb_omap_get(&bc->bigrams, (long)bkey(a, b));
    return v == (size_t)-1 ? 0 : v;
}

/* A bigram that government prose uses (the reference), that this document repeats, or that
 * some word has (jieba). ref: the reference's answer when the caller has it (-1: ask). */
static int plausible(const bicount *bc, uint32_t a, uint32_t b, int ref)
{
    /* the small tables first: the lexicon's is megabytes, a lookup a cache miss */
    if (ref < 0)
        ref = rb_ref_bigram(a, b) > 0;
    return ref || bigram(bc, a, b) >= 2 || rb_lex_has(a, b);
}

/* One block of article text decoded: its code points, and cand[j] 1 where (cp[j], cp[j+1]) is
 * a Han-Han bigram the reference lacks, else 0 (both in bicount's pools): the only bigrams
 * that may be implausible, and few, so that the detector looks for them with memchr. Where a
 * character starts in the text is asked only for a finding (hblock_at). */
typedef struct hblock {
    const rb_article *art;
    btext t;
    uint32_t *cp;
    unsigned char *cand;
    size_t n;
} hblock;

/* The byte offset in h's text of its character j (j == n: the end), decoded as count_bigrams
 * decoded it. */
static size_t hblock_at(const hblock *h, size_t j)
{
    size_t p = 0;
    for (size_t q = 0; q < j && p < h->t.n; q++) {
        uint32_t c;
        p += (size_t)rb_utf8_decode(h->t.s + p, h->t.n - p, &c);
    }
    return p;
}

/* The article texts decoded, counted into bc (emptied first) and kept for the detector. */
static hblock *count_bigrams(const rb_doc *d, bicount *bc, size_t *nb)
{
    if (!bc->u2)
        bc->u2 = rb_xmalloc(0x10000 / 4);
    memset(bc->u2, 0, 0x10000 / 4); /* the last document's counts are gone */
    rb_omap_free(&bc->bigrams);
    memset(&bc->bigrams, 0, sizeof bc->bigrams);
    size_t total = 0;
    for (size_t i = 0; i < d->narticles; i++)
        total += d->articles[i].nblocks;
    hblock *hb = rb_xcalloc(total ? total : 1, sizeof *hb);
    size_t k = 0, room = 0; /* (a character at most a byte: room for every block's) */
    for (size_t i = 0; i < d->narticles; i++) {
        const rb_article *a = &d->articles[i];
        for (size_t q = 0; q < a->nblocks; q++, k++) {
            hb[k].art = a;
            btext_of(d, rb_span_of(d->blocks[a->first_block + q].text), &hb[k].t);
            room += hb[k].t.n + 1;
        }
    }
    if (room > bc->pcap) {
        bc->pcap = room;
        free(bc->cpool);
        free(bc->candpool);
        bc->cpool = rb_xmalloc(room * sizeof *bc->cpool);
        bc->candpool = rb_xmalloc(room);
    }
    size_t used = 0, mask;
    const rb_refslot *ref = rb_ref_table(&mask);
    for (k = 0; k < total; k++) {
        hblock *h = &hb[k];
        h->cp = bc->cpool + used;
        h->cand = bc->candpool + used;
        size_t n = 0;
        for (size_t p = 0; p < h->t.n;) {
            p += (size_t)rb_utf8_decode(h->t.s + p, h->t.n - p, &h->cp[n]);
            n++;
        }
        used += n + 1;
        h->n = n;
        for (size_t j = 0; j < n; j++) {
            uint32_t c = h->cp[j];
            h->cand[j] = 0;
            if (!is_han(c))
                continue;
            unsigned sh = (c & 3) * 2;
            bc->u2[c >> 2] += (uint8_t)(((bc->u2[c >> 2] >> sh & 3) < 2) << sh);
            if (j + 1 < n && is_han(h->cp[j + 1])) {
                h->cand[j] = rb_ref_lookup(ref, mask, c, h->cp[j + 1]) == 0;
                if (h->cand[j]) {
                    int fresh;
                    ++*rb_omap_slot(&bc->bigrams, (long)bkey(c, h->cp[j + 1]), &fresh);
                }
            }
        }
    }
    *nb = k;
    return hb;
}

static void hblocks_free(hblock *hb, size_t nb)
{
    for (size_t k = 0; k < nb; k++)
        btext_free(&hb[k].t);
    free(hb);
}

/* The bigram of h's characters j, j+1 is Han-Han and implausible. */
static int bad_bigram(const bicount *bc, const hblock *h, size_t j)
{
    const uint32_t *cp = h->cp;
    return h->cand[j] && !plausible(bc, cp[j], cp[j + 1], 0);
}

/* Runs of Han characters where every bigram in and out of the run is implausible (no word has
 * it, and it is not repeated elsewhere in the texts) while the bigram joining the two sides
 * is plausible: characters that break the words around them. A run at a clause edge has one
 * side only. Most characters of the run must occur nowhere else in the texts; a run of two
 * must split a word of the lexicon. Measured on the corpora: README.md, "check". */
static void detect_injected(const rb_doc *d, const bicount *bc, const hblock *hb, size_t nb,
                            rb_findings *fs)
{
    for (size_t k = 0; k < nb; k++) {
        const rb_article *a = hb[k].art;
        const btext t = hb[k].t;
        const uint32_t *cp = hb[k].cp;
        size_t n = hb[k].n;
        size_t j = 0;
        while (j + 1 < n) {
            /* the next candidate: no other bigram is implausible */
            const unsigned char *c = memchr(hb[k].cand + j, 1, n - 1 - j);
            if (!c)
                break;
            j = (size_t)(c - hb[k].cand);
            if (!bad_bigram(bc, &hb[k], j)) {
                j++;
                continue;
            }
            size_t s = j;
            while (j + 1 < n && bad_bigram(bc, &hb[k], j))
                j++;
            size_t e = j - 1; /* bigrams s..e are bad */
            size_t m = e - s + 1;
            size_t rs = 0, re = 0; /* the run: characters rs..re-1 */
            int edge_l = s == 0 || !is_han(cp[s - 1]);
            int edge_r = e + 2 >= n || !is_han(cp[e + 2]);
            if (m >= 3 && e + 1 < n && plausible(bc, cp[s], cp[e + 1], -1)) {
                rs = s + 1; /* inside: L run R, with L-R a word bigram */
                re = e + 1;
            } else if (m >= 3 && edge_l && s > 0 && !is_han(cp[s - 1])) {
                rs = s; /* at a clause start: run R */
                re = e + 1;
            } else if (m >= 3 && edge_r && e + 2 < n + 1) {
                rs = s + 1; /* at a clause end: L run */
                re = e + 2;
            }
            /* injected characters are strangers to the texts: most of them occur only
             * here, while the words of these texts recur (a half of the run inside a
             * sentence, two thirds at a clause edge, where no bridge bigram vouches) */
            size_t hapax = 0;
            for (size_t q = rs; q < re; q++)
                if (unigram(bc, cp[q]) <= 1 && !rb_ref_has_char(cp[q]))
                    hapax++;
            int inside = rs == s + 1 && re == e + 1;
            int strange = hapax >= 1 && (inside ? 2 * hapax >= re - rs : 3 * hapax >= 2 * (re - rs));
            /* two characters are too few to tell, unless they split a word (常委|章灑|会) */
            if (strange && re - rs == 2 && !(inside && rb_lex_has(cp[s], cp[e + 1])))
                strange = 0;
            if (re > rs && re - rs >= 2 && re - rs <= 6 && strange) {
                size_t ars = hblock_at(&hb[k], rs), are = hblock_at(&hb[k], re);
                char *w = orig_words(d, &t, ars, are);
                char *nw = rb_xstrndup(t.s + ars, are - ars);
                unsigned line, col;
                pos_of(d, &t, ars, &line, &col);
                add_finding(fs, "injected-characters", RB_WARNING, d->name, d->id, line, col,
                            a->ordinal, nw,
                            "article %ld: '%s' breaks the words around it (no word has these "
                            "characters together; without them the text reads on)",
                            a->ordinal, w);
                free(w);
                free(nw);
            }
            j++;
        }
    }
}

/* ---- per-document rules ------------------------------------------------------------------------ */

static int ends_sentence(const char *s, size_t n)
{
    static const char *const ends[] = {"。", ";", "!", "?", "”", "」", "』", ")", "…", ".", ":"};
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        size_t l = strlen(ends[i]);
        if (n >= l && memcmp(s + n - l, ends[i], l) == 0)
            return 1;
    }
    return 0;
}

static void structure_rules(const rb_grammar *g, const rb_doc *d, rb_findings *fs)
{
    for (size_t i = 0; i < d->narticles; i++) {
        const rb_article *a = &d->articles[i];
        int empty = 1;
        for (size_t k = 0; k < a->nblocks; k++)
            if (d->blocks[a->first_block + k].text.len)
                empty = 0;
        if (empty) {
            unsigned line, col;
            rb_doc_linecol(d, a->num.off, &line, &col);
            add_finding(fs, "empty-article", RB_WARNING, d->name, d->id, line, col, a->ordinal,
                        "", "article %ld has a number but no text", a->ordinal);
        }
    }
    for (size_t i = 0; i < d->nchapters; i++) {
        const rb_chapter *c = &d->chapters[i];
        if (c->narticles == 0) {
            unsigned line, col;
            rb_doc_linecol(d, c->num.off, &line, &col);
            add_finding(fs, "empty-chapter", RB_WARNING, d->name, d->id, line, col, 0, c->eid,
                        "chapter %ld has no articles", c->ordinal);
        }
    }
    if (d->narticles == 0)
        return;
    const rb_article *last = &d->articles[d->narticles - 1];
    if (last->nblocks) {
        const rb_block *b = &d->blocks[last->first_block + last->nblocks - 1];
        btext t;
        btext_of(d, rb_span_of(b->text), &t);
        if (t.n && !ends_sentence(t.s, t.n)) {
            unsigned line, col;
            pos_of(d, &t, t.n - 1, &line, &col);
            size_t tail = t.n > 24 ? t.n - 24 : 0;
            while (tail < t.n && ((unsigned char)t.s[tail] & 0xC0) == 0x80)
                tail++;
            char *w = orig_words(d, &t, tail, t.n);
            add_finding(fs, "truncated-mid-sentence", RB_WARNING, d->name, d->id, line, col,
                        last->ordinal, "", "the text ends mid-sentence: '…%s'", w);
            free(w);
        }
        btext_free(&t);
    }
    const struct rb_check_rules *r = g->check;
    if (r && r->nclosing) {
        int found = 0;
        size_t from = d->narticles > 3 ? d->narticles - 3 : 0;
        for (size_t i = from; i < d->narticles && !found; i++) {
            const rb_article *a = &d->articles[i];
            for (size_t k = 0; k < a->nblocks && !found; k++) {
                char *t = rb_doc_norm(d, rb_span_of(d->blocks[a->first_block + k].text));
                size_t ov[4];
                for (size_t c = 0; c < r->nclosing && !found; c++)
                    if (cmatch(g, fs, d, a->line, r->closing[c], "closing", t, strlen(t), 0, ov,
                               2) == 1)
                        found = 1;
                free(t);
            }
        }
        if (!found) {
            unsigned line, col;
            rb_doc_linecol(d, last->num.off, &line, &col);
            add_finding(fs, "closing-article-missing", RB_WARNING, d->name, d->id, line, col,
                        last->ordinal, "",
                        "the last article is %ld and no closing article (…适用本规则, 自…施行, "
                        "…同时废止) ends the text: is it cut short?",
                        last->ordinal);
        }
    }
    if (d->view->script == RB_SCRIPT_MIXED) {
        int trad_minor = d->view->n_trad < d->view->n_simp;
        size_t off = trad_minor ? d->view->first_trad : d->view->first_simp;
        unsigned line = 1, col = 1;
        if (off != SIZE_MAX)
            rb_doc_linecol(d, off, &line, &col);
        add_finding(fs, "mixed-script", RB_WARNING, d->name, d->id, line, col,
                    article_at_line(d, line), "",
                    "simplified (%zu characters) and traditional (%zu) script are mixed; the "
                    "first %s character is here",
                    d->view->n_simp, d->view->n_trad, trad_minor ? "traditional" : "simplified");
    }
}

static void pattern_rules(const rb_grammar *g, const rb_doc *d, rb_findings *fs)
{
    const struct rb_check_rules *r = g->check;
    if (!r)
        return;
    for (size_t i = 0; i < d->narticles; i++) {
        const rb_article *a = &d->articles[i];
        for (size_t k = 0; k < a->nblocks; k++) {
            btext t;
            btext_of(d, rb_span_of(d->blocks[a->first_block + k].text), &t);
            for (size_t p = 0; p < r->npats; p++) {
                size_t pos = 0, ov[4];
                while (pos < t.n && cmatch(g, fs, d, a->line, r->pats[p].code, r->pats[p].id,
                                           t.s, t.n, pos, ov, 2) == 1) {
                    unsigned line, col;
                    pos_of(d, &t, ov[0], &line, &col);
                    char *w = orig_words(d, &t, ov[0], ov[1]);
                    char *nw = rb_xstrndup(t.s + ov[0], ov[1] - ov[0]);
                    add_finding(fs, r->pats[p].id, r->pats[p].sev, d->name, d->id, line, col,
                                a->ordinal, nw, "%s: '%s'", r->pats[p].message, w);
                    free(w);
                    free(nw);
                    pos = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
                }
            }
            btext_free(&t);
        }
    }
}

static const char *fstr(const rb_fact *f, const char *k)
{
    const char *v = rb_fact_str(f, k);
    return v ? v : "";
}

/* Strip the modal words in front of an action so that 应在…办结 and 要…办结 compare. */
static char *action_key(const char *a)
{
    static const char *const lead[] = {"原则上", "一般", "应当", "必须", "应", "须", "要", "均",
                                       "于", "在", "并"};
    const char *p = a;
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < sizeof lead / sizeof lead[0]; i++) {
            size_t l = strlen(lead[i]);
            if (strncmp(p, lead[i], l) == 0) {
                p += l;
                again = 1;
            }
        }
    }
    return rb_xstrdup(p);
}

static int covers(const char *set_role, const char *role)
{
    if (strcmp(set_role, role) == 0)
        return 1;
    /* a deputy in charge or the executive deputy is a deputy head; the office director and the
     * heads of departments are department heads */
    if (strcmp(set_role, "deputy_head") == 0 &&
        (strcmp(role, "executive_deputy_head") == 0 || strcmp(role, "deputy_head_in_charge") == 0))
        return 1;
    if (strcmp(set_role, "department_head") == 0 && strcmp(role, "general_office_director") == 0)
        return 1;
    return 0;
}

/* One action, two deadlines (in different articles: within one article they are sub-cases).
 * The facts are grouped by action: one finding per group, at the first fact that an earlier one
 * in another article contradicts, with the count of different deadlines the group has. Linear:
 * a group keeps at most DL_KEEP of its distinct deadlines to look for the first contradiction. */
#define DL_KEEP 16
typedef struct dl_val {
    const rb_fact *first, *other; /* the first fact of the value; one in another article */
} dl_val;
typedef struct dl_group {
    char *key;
    dl_val v[DL_KEEP];
    size_t nv, distinct;
    const rb_fact *at, *with; /* the finding, once found */
} dl_group;

static int same_deadline(const rb_fact *a, const rb_fact *b)
{
    return strcmp(fstr(a, RB_F_AMOUNT), fstr(b, RB_F_AMOUNT)) == 0 &&
           strcmp(fstr(a, RB_F_UNIT), fstr(b, RB_F_UNIT)) == 0 &&
           strcmp(fstr(a, RB_F_BOUND), fstr(b, RB_F_BOUND)) == 0;
}

static void deadline_conflicts(const rb_doc *d, rb_findings *fs)
{
    const rb_facts *F = d->facts;
    rb_smap idx = {0};
    dl_group *g = NULL;
    size_t ng = 0, cg = 0;
    for (size_t i = 0; i < F->n; i++) {
        const rb_fact *b = &F->v[i];
        if (b->kind != RB_DIM_DEADLINES || !rb_fact_str(b, RB_F_ACTION))
            continue;
        char *k = action_key(fstr(b, RB_F_ACTION));
        if (strlen(k) < 6) {
            free(k);
            continue;
        }
        int fresh = 0;
        size_t *slot = rb_smap_slot(&idx, k, &fresh);
        if (fresh) {
            RB_GROW(g, ng, cg);
            memset(&g[ng], 0, sizeof g[ng]);
            g[ng].key = k;
            *slot = ng++;
            /* the map borrows the key: it now lives in the group */
        } else {
            free(k);
        }
        dl_group *G = &g[*slot];
        size_t q = 0;
        while (q < G->nv && !same_deadline(G->v[q].first, b))
            q++;
        if (q == G->nv) {
            G->distinct++;
            if (G->nv < DL_KEEP)
                G->v[G->nv++] = (dl_val){b, NULL};
        } else if (!G->v[q].other && G->v[q].first->article != b->article) {
            G->v[q].other = b;
        }
        for (size_t r = 0; !G->at && r < G->nv; r++) {
            const dl_val *v = &G->v[r];
            if (same_deadline(v->first, b))
                continue;
            const rb_fact *a = v->first->article != b->article ? v->first
                               : v->other && v->other->article != b->article ? v->other
                                                                               : NULL;
            if (a) {
                G->at = b;
                G->with = a;
            }
        }
    }
    for (size_t i = 0; i < ng; i++) {
        const dl_group *G = &g[i];
        if (G->at) {
            char more[96] = "";
            if (G->distinct > 2)
                snprintf(more, sizeof more, " (the action has %zu different deadlines in all)",
                         G->distinct);
            set_codes(add_finding(fs, "deadline-conflict", RB_WARNING, d->name, d->id,
                                  G->at->line, G->at->col, G->at->article, G->key,
                                  "'%s' here, but '%s' in article %ld (line %u)%s", G->at->text,
                                  G->with->text, G->with->article, G->with->line, more),
                      "%s; %s", G->at->value ? G->at->value : "?",
                      G->with->value ? G->with->value : "?");
        }
        free(g[i].key);
    }
    free(g);
    rb_smap_free(&idx);
}

static void fact_rules(const rb_grammar *g, const rb_doc *d, rb_findings *fs)
{
    const rb_facts *F = d->facts;
    if (!F)
        return;
    /* meetings with two frequencies */
    for (size_t i = 0; i < F->n; i++) {
        const rb_fact *f = &F->v[i];
        const rb_field *c = f->kind == RB_DIM_MEETINGS ? rb_fact_field(f, RB_F_CONFLICT) : NULL;
        const rb_field *per = rb_fact_field(f, RB_F_PERIOD), *cnt = rb_fact_field(f, RB_F_COUNT_MIN);
        for (size_t k = 0; c && k < c->n; k++) {
            rb_finding *x = add_finding(
                fs, "meeting-frequency-conflict", RB_WARNING, d->name, d->id, f->line, f->col,
                f->article, c->items[k], "%s: %s%s次 in article %ld, but %s", fstr(f, RB_F_NAME),
                per && per->words ? per->words : "", cnt && cnt->words ? cnt->words : "",
                f->article, c->items[k]);
            set_codes(x, "%s: %s", fstr(f, RB_F_TYPE), f->value ? f->value : "?");
        }
    }
    deadline_conflicts(d, fs);
    /* meeting types used but never instituted */
    const char *inst[16];
    size_t ninst = 0;
    int have_meetings = 0;
    for (size_t i = 0; i < F->n; i++)
        if (F->v[i].kind == RB_DIM_MEETINGS || F->v[i].kind == RB_DIM_INSTITUTION) {
            const rb_field *t = rb_fact_field(&F->v[i], RB_F_TYPE);
            have_meetings = 1;
            for (size_t k = 0; t && k < t->n && ninst < 16; k++)
                inst[ninst++] = t->items[k];
        }
    for (size_t i = 0; have_meetings && i < F->n; i++) {
        const rb_fact *f = &F->v[i];
        if (f->kind != RB_DIM_SIGNING && f->kind != RB_DIM_LEAVE)
            continue;
        const rb_field *m = rb_fact_field(f, RB_F_MEETINGS);
        for (size_t k = 0; m && k < m->n; k++) {
            size_t q = 0;
            while (q < ninst && strcmp(inst[q], m->items[k]) != 0)
                q++;
            const char *w = rb_field_words(m, k);
            if (q == ninst && strcmp(m->items[k], "other") != 0)
                set_codes(add_finding(fs, "meeting-not-instituted", RB_WARNING, d->name, d->id,
                                      f->line, f->col, f->article, m->items[k],
                                      "%s is named here, but the rulebook never institutes "
                                      "such a meeting",
                                      w ? w : m->words ? m->words : m->items[k]),
                          "%s (%s)", m->items[k], f->dim);
        }
    }
    /* signers and conveners outside the composition */
    const rb_fact *comp = NULL;
    for (size_t i = 0; i < F->n && !comp; i++)
        if (F->v[i].kind == RB_DIM_COMPOSITION)
            comp = &F->v[i];
    const rb_field *members = comp ? rb_fact_field(comp, RB_F_MEMBERS) : NULL;
    for (size_t i = 0; members && i < F->n; i++) {
        const rb_fact *f = &F->v[i];
        const char *field = f->kind == RB_DIM_SIGNING    ? RB_F_SIGNER
                            : f->kind == RB_DIM_MEETINGS ? RB_F_CONVENER
                                                              : NULL;
        const rb_field *roles = field ? rb_fact_field(f, field) : NULL;
        for (size_t k = 0; roles && k < roles->n; k++) {
            const char *role = roles->items[k];
            if (strcmp(role, "government_leader") == 0 || strcmp(role, "government") == 0 ||
                strcmp(role, "general_office") == 0)
                continue;
            int in = 0;
            for (size_t q = 0; q < members->n && !in; q++)
                in = covers(members->items[q], role);
            const char *w = rb_field_words(roles, k);
            if (!in)
                set_codes(add_finding(fs, "role-not-in-composition", RB_NOTE, d->name, d->id,
                                      f->line, f->col, f->article, role,
                                      "%s %s here, but is not among the members of the government "
                                      "that article %ld lists",
                                      w ? w : role,
                                      strcmp(field, RB_F_SIGNER) == 0 ? "signs" : "convenes",
                                      comp->article),
                          "%s", role);
        }
    }
    /* the head-of-government word of another level */
    const struct rb_check_rules *r = g->check;
    if (r && d->jurisdiction && r->nhead) {
        char *jn = rb_normalize_str(d->jurisdiction, strlen(d->jurisdiction), 1, NULL);
        size_t jl = strlen(jn);
        const char *own = NULL;
        for (size_t i = 0; i < r->nhead; i++) {
            size_t sl = strlen(r->head_suffix[i]);
            if (jl >= sl && strcmp(jn + jl - sl, r->head_suffix[i]) == 0)
                own = r->head_word[i];
        }
        for (size_t i = 0; own && i < F->n; i++) {
            const rb_fact *f = &F->v[i];
            for (size_t k = 0; k < f->nfields; k++) {
                const rb_field *x = &f->fields[k];
                if (!x->words)
                    continue;
                char *w = rb_normalize_str(x->words, strlen(x->words), 1, NULL);
                for (size_t h = 0; h < r->nhead; h++) {
                    if (strcmp(r->head_word[h], own) == 0 || !strstr(w, r->head_word[h]))
                        continue;
                    add_finding(fs, "head-title-level", RB_WARNING, d->name, d->id, f->line,
                                f->col, f->article, r->head_word[h],
                                "'%s' in a rulebook of %s, whose head of government is the %s",
                                r->head_word[h], d->jurisdiction, own);
                    break;
                }
                free(w);
            }
        }
        free(jn);
    }
}

/* ---- citations ------------------------------------------------------------------------------------ */

typedef struct cite {
    const rb_doc *d;
    char *title; /* normalized, without 《》 */
    char *orig;  /* as written */
    unsigned line, col;
    long article; /* 0: preface */
    int repeal;   /* in a sentence that repeals */
} cite;

typedef struct cites {
    cite *v;
    size_t n, cap;
} cites;

static void collect_cites_in(const rb_doc *d, rb_span sp, long article, cites *cs)
{
    btext t;
    btext_of(d, sp, &t);
    const char *open = "《", *close = "》";
    for (size_t p = 0; p + 3 <= t.n;) {
        const char *o = rb_memmem(t.s + p, t.n - p, open, 3);
        if (!o)
            break;
        size_t a = (size_t)(o - t.s) + 3;
        const char *c = rb_memmem(t.s + a, t.n - a, close, 3);
        if (!c)
            break;
        size_t z = (size_t)(c - t.s);
        RB_GROW(cs->v, cs->n, cs->cap);
        cite *x = &cs->v[cs->n++];
        x->d = d;
        x->title = rb_xstrndup(t.s + a, z - a);
        x->orig = orig_words(d, &t, a, z);
        pos_of(d, &t, a - 3, &x->line, &x->col);
        x->article = article;
        /* the sentence around it */
        size_t ss = a, se = z;
        while (ss > 0 && !(ss >= 3 && memcmp(t.s + ss - 3, "。", 3) == 0) && t.s[ss - 1] != ';')
            ss--;
        while (se < t.n && !(se + 3 <= t.n && memcmp(t.s + se, "。", 3) == 0) && t.s[se] != ';')
            se++;
        x->repeal = rb_memmem(t.s + ss, se - ss, "废止", 6) != NULL;
        /* 本《规则》 is this rulebook speaking of itself */
        if (a >= 6 && memcmp(t.s + a - 6, "本", 3) == 0) {
            free(x->title);
            free(x->orig);
            cs->n--;
        }
        p = z + 3;
    }
    btext_free(&t);
}

static void collect_cites(const rb_doc *d, cites *cs)
{
    for (size_t i = 0; i < d->nplines; i++)
        collect_cites_in(d, d->plines[i].text, 0, cs);
    for (size_t i = 0; i < d->narticles; i++) {
        const rb_article *a = &d->articles[i];
        for (size_t k = 0; k < a->nblocks; k++)
            collect_cites_in(d, rb_span_of(d->blocks[a->first_block + k].text), a->ordinal, cs);
    }
}

static void reference_rules(const rb_grammar *g, const rb_doc *d, const cites *cs,
                            rb_findings *fs)
{
    const struct rb_check_rules *r = g->check;
    char *own = d->title ? rb_normalize_str(d->title, strlen(d->title), 1, NULL) : NULL;
    for (size_t i = 0; i < cs->n; i++) {
        const cite *c = &cs->v[i];
        if (c->d != d || c->article == 0)
            continue; /* the notice in the preface cites the rulebook it issues */
        for (size_t k = 0; r && k < r->nsup; k++)
            if (strcmp(r->sup[k].title, c->title) == 0 && d->date &&
                strcmp(d->date, r->sup[k].from) >= 0)
                add_finding(fs, "superseded-citation", RB_WARNING, d->name, d->id, c->line,
                            c->col, c->article, c->title,
                            "《%s》 was replaced by 《%s》 from %s, before this rulebook's date %s%s%s",
                            c->orig, r->sup[k].replaced_by ? r->sup[k].replaced_by : "?",
                            r->sup[k].from, d->date, r->sup[k].note ? ": " : "",
                            r->sup[k].note ? r->sup[k].note : "");
        if (own && strcmp(own, c->title) == 0) {
            if (c->repeal)
                add_finding(fs, "repeal-clause", RB_NOTE, d->name, d->id, c->line, c->col,
                            c->article, c->title,
                            "repeals an earlier 《%s》 of the same title%s%s%s", c->orig,
                            d->supersedes ? " (" : "", d->supersedes ? d->supersedes : "",
                            d->supersedes ? ")" : "");
            else
                add_finding(fs, "self-citation", RB_WARNING, d->name, d->id, c->line, c->col,
                            c->article, c->title, "the rulebook cites its own title 《%s》",
                            c->orig);
        } else if (c->repeal) {
            add_finding(fs, "repeal-clause", RB_NOTE, d->name, d->id, c->line, c->col,
                        c->article, c->title, "repeals 《%s》", c->orig);
        }
    }
    free(own);
    /* renamed bodies */
    for (size_t k = 0; r && k < r->nren && d->date; k++) {
        if (strcmp(d->date, r->ren[k].from) < 0)
            continue;
        for (size_t i = 0; i < d->narticles; i++) {
            const rb_article *a = &d->articles[i];
            for (size_t b = 0; b < a->nblocks; b++) {
                btext t;
                btext_of(d, rb_span_of(d->blocks[a->first_block + b].text), &t);
                size_t ov[4];
                if (cmatch(g, fs, d, a->line, r->ren[k].code, "renamed", t.s, t.n, 0, ov, 2) ==
                    1) {
                    unsigned line, col;
                    pos_of(d, &t, ov[0], &line, &col);
                    char *w = orig_words(d, &t, ov[0], ov[1]);
                    char *nw = rb_xstrndup(t.s + ov[0], ov[1] - ov[0]);
                    const cren *R = &r->ren[k];
                    /* the grammar's note, whole, in brackets */
                    const char *n0 = R->note ? " (" : "", *n1 = R->note ? R->note : "",
                               *n2 = R->note ? ")" : "";
                    if (strcmp(d->date, R->local_by) < 0) /* the local merger may be pending */
                        set_codes(add_finding(fs, "renamed-body", RB_NOTE, d->name, d->id, line,
                                              col, a->ordinal, nw,
                                              "'%s' may by then have become the %s: decided on "
                                              "%s, carried out locally by %s, and the rulebook "
                                              "is dated %s%s%s%s",
                                              w, R->replaced_by ? R->replaced_by : "?", R->from,
                                              R->local_by, d->date, n0, n1, n2),
                                  "from %s, locally by %s", R->from, R->local_by);
                    else
                        set_codes(add_finding(fs, "renamed-body", RB_WARNING, d->name, d->id, line,
                                              col, a->ordinal, nw,
                                              "'%s': by %s this was the %s everywhere, and the "
                                              "rulebook is dated %s%s%s%s",
                                              w, R->local_by,
                                              R->replaced_by ? R->replaced_by : "?", d->date,
                                              n0, n1, n2),
                                  "from %s, locally by %s", R->from, R->local_by);
                    free(w);
                    free(nw);
                }
                btext_free(&t);
            }
        }
    }
}

/* One instrument cited under two spellings, one of them with inserted characters. */
/* One citation that is another plus inserted characters (a word-breaking insertion, as in
 * the Chongqing copy). Citations are grouped by distinct title; a title x can only be a title
 * y plus one inserted run when they share their first two or their last two characters, so
 * candidates come from two buckets, and the test is a common prefix and suffix. A text of
 * many titles alike (a list of regulations: thousands that start with the city's name or end
 * in 办法) makes the buckets long, and walking them for every citation quadratic; past a
 * budget of as many steps as the other way takes, the candidates are asked the other way:
 * every title x less one run of 1 to 24 characters (the most an insertion can be), looked up
 * by a hash of its characters. Both ways find every y that x is with a run inserted, and a
 * finding names the first citation of them, so the findings do not depend on the way. */
typedef struct utitle {
    uint32_t *cp;
    size_t ncp, bytes;
    size_t first_cite, last_cite; /* chain through cite_next, in citation order */
    size_t next_first, next_last; /* bucket chains */
} utitle;

static long pair_key(uint32_t a, uint32_t b) { return (long)a << 21 | (long)b; }

/* Is x = y with one run inserted, breaking words? Sets *at and *len (code points of x). */
static int inserted_run(const utitle *x, const utitle *y, size_t *at, size_t *len)
{
    if (x->bytes <= y->bytes || x->bytes - y->bytes > 24 || y->bytes < 18)
        return 0;
    size_t na = x->ncp, nb = y->ncp, p = 0, q = 0;
    while (p < nb && x->cp[p] == y->cp[p])
        p++;
    while (q < nb - p && x->cp[na - 1 - q] == y->cp[nb - 1 - q])
        q++;
    if (p + q != nb)
        return 0;
    /* the inserted characters must break words (not 中华人民共和国 before a short title, nor
     * a place name): at most a third of the bigrams in, through and out of them are in a
     * word of the lexicon */
    size_t n = na - nb, words = 0, total = 0;
    for (size_t k = p ? p - 1 : 0; k < p + n && k + 1 < na; k++) {
        total++;
        words += (size_t)rb_lex_has(x->cp[k], x->cp[k + 1]);
    }
    if (3 * words > total)
        return 0;
    *at = p;
    *len = n;
    return 1;
}

/* The distinct titles that can be the clean title y of a variant (18 bytes or more: see
 * inserted_run), by a polynomial hash of their characters: the first title of each key in a
 * map, the others chained (the candidates are tested by inserted_run). */
#define TITLE_HASH_BASE 0x100000001B3ull
typedef struct title_index {
    rb_omap first; /* key -> its first title + 1 */
    size_t *next;  /* the next title of the same key + 1, or 0; NULL: not built yet */
} title_index;

static long title_key(uint64_t h) { return (long)(h >> 1) | 1; }

static void title_index_build(title_index *ti, const utitle *u, size_t nu)
{
    ti->next = rb_xcalloc(nu ? nu : 1, sizeof *ti->next);
    for (size_t k = 0; k < nu; k++) {
        if (u[k].bytes < 18)
            continue;
        uint64_t h = 0;
        for (size_t i = 0; i < u[k].ncp; i++)
            h = h * TITLE_HASH_BASE + u[k].cp[i] + 1;
        int fresh;
        size_t *head = rb_omap_slot(&ti->first, title_key(h), &fresh);
        ti->next[k] = *head; /* (0 when fresh) */
        *head = k + 1;
    }
}

static void title_index_free(title_index *ti)
{
    rb_omap_free(&ti->first);
    free(ti->next);
}

/* What the search for one citation x found: the first citation (in input order) of a title
 * that x is with a run inserted, in x's own text (same) and in the reference list (other),
 * with where the run is in x and how long. */
typedef struct variant_best {
    size_t same, at_s, n_s, other, at_o, n_o;
} variant_best;

static void variant_candidate(const cites *cs, const utitle *u, const size_t *cite_next,
                              const cite *x, const utitle *ux, size_t c, variant_best *b)
{
    size_t at, len;
    if (!inserted_run(ux, &u[c], &at, &len))
        return;
    for (size_t j = u[c].first_cite; j != (size_t)-1; j = cite_next[j]) {
        if (cs->v[j].d == NULL) { /* a title of the reference list */
            if (j < b->other)
                b->other = j, b->at_o = at, b->n_o = len;
            break;
        }
    }
    for (size_t j = u[c].first_cite; j != (size_t)-1; j = cite_next[j]) {
        if (cs->v[j].d == x->d) {
            if (j < b->same)
                b->same = j, b->at_s = at, b->n_s = len;
            break;
        }
    }
}

static void citation_variants(const cites *cs, rb_findings *fs)
{
    rb_smap byname = {0};
    rb_omap first2 = {0}, last2 = {0};
    utitle *u = NULL;
    size_t nu = 0;
    size_t *cite_u = rb_xmalloc((cs->n ? cs->n : 1) * sizeof *cite_u);
    size_t *cite_next = rb_xmalloc((cs->n ? cs->n : 1) * sizeof *cite_next);
    for (size_t i = 0; i < cs->n; i++) {
        int fresh;
        size_t *slot = rb_smap_slot(&byname, cs->v[i].title, &fresh);
        cite_next[i] = (size_t)-1;
        if (fresh) {
            *slot = nu;
            u = rb_xrealloc(u, (nu + 1) * sizeof *u);
            utitle *t = &u[nu++];
            t->bytes = strlen(cs->v[i].title);
            t->ncp = rb_utf8_to_cps(cs->v[i].title, t->bytes, &t->cp, NULL);
            t->first_cite = t->last_cite = i;
            t->next_first = t->next_last = (size_t)-1;
            if (t->ncp >= 2) {
                size_t *h = rb_omap_slot(&first2, pair_key(t->cp[0], t->cp[1]), &fresh);
                t->next_first = fresh ? (size_t)-1 : *h - 1;
                *h = nu; /* index + 1 */
                h = rb_omap_slot(&last2, pair_key(t->cp[t->ncp - 2], t->cp[t->ncp - 1]), &fresh);
                t->next_last = fresh ? (size_t)-1 : *h - 1;
                *h = nu;
            }
        } else {
            cite_next[u[*slot].last_cite] = i;
            u[*slot].last_cite = i;
        }
        cite_u[i] = *slot;
    }
    size_t *seen = rb_xcalloc(nu ? nu : 1, sizeof *seen); /* stamp: citation index + 1 */
    title_index ti = {0};
    uint64_t *pre = NULL, *pw = NULL; /* x's prefix hashes and the base's powers */
    size_t cap_pre = 0;
    for (size_t i = 0; i < cs->n; i++) {
        const cite *x = &cs->v[i];
        const utitle *ux = &u[cite_u[i]];
        if (x->article == 0 || ux->ncp < 2)
            continue;
        variant_best vb = {(size_t)-1, 0, 0, (size_t)-1, 0, 0};
        /* the two buckets, within a budget of as many steps as the other way takes */
        size_t budget = 24 * ux->ncp + 64, steps = 0;
        for (int pass = 0; pass < 2 && steps <= budget; pass++) {
            size_t h = rb_omap_get(pass ? &last2 : &first2,
                                   pass ? pair_key(ux->cp[ux->ncp - 2], ux->cp[ux->ncp - 1])
                                        : pair_key(ux->cp[0], ux->cp[1]));
            for (size_t c = h == (size_t)-1 ? (size_t)-1 : h - 1; c != (size_t)-1;
                 c = pass ? u[c].next_last : u[c].next_first) {
                if (++steps > budget)
                    break;
                if (seen[c] == i + 1)
                    continue;
                seen[c] = i + 1;
                variant_candidate(cs, u, cite_next, x, ux, c, &vb);
            }
        }
        if (steps > budget) { /* the other way: x less each run of 1 to 24 characters */
            if (!ti.next)
                title_index_build(&ti, u, nu);
            size_t na = ux->ncp;
            if (na + 1 > cap_pre) {
                cap_pre = 2 * (na + 1);
                pre = rb_xrealloc(pre, cap_pre * sizeof *pre);
                pw = rb_xrealloc(pw, cap_pre * sizeof *pw);
            }
            pre[0] = 0;
            pw[0] = 1;
            for (size_t k = 0; k < na; k++) {
                pre[k + 1] = pre[k] * TITLE_HASH_BASE + ux->cp[k] + 1;
                pw[k + 1] = pw[k] * TITLE_HASH_BASE;
            }
            for (size_t n = 1; n <= 24 && n < na; n++) {
                size_t nb = na - n;
                for (size_t k = 0; k <= nb; k++) { /* x[0..k) x[k+n..na) */
                    uint64_t h = pre[k] * pw[nb - k] + (pre[na] - pre[k + n] * pw[nb - k]);
                    size_t t = rb_omap_get(&ti.first, title_key(h));
                    for (; t != (size_t)-1 && t != 0; t = ti.next[t - 1]) {
                        size_t c = t - 1;
                        if (seen[c] == i + 1)
                            continue;
                        seen[c] = i + 1;
                        variant_candidate(cs, u, cite_next, x, ux, c, &vb);
                    }
                }
            }
        }
        /* the same text first (its clean citation is in front of the reader), then the
         * reference list of titles */
        int same = vb.same != (size_t)-1;
        size_t b = same ? vb.same : vb.other;
        if (b == (size_t)-1)
            continue;
        size_t at = same ? vb.at_s : vb.at_o, len = same ? vb.n_s : vb.n_o;
        const cite *y = &cs->v[b];
        rb_buf ins;
        rb_buf_init(&ins);
        for (size_t k = at; k < at + len; k++) {
            char c8[4];
            rb_buf_put(&ins, c8, (size_t)rb_utf8_encode(ux->cp[k], c8));
        }
        if (y->d)
            add_finding(fs, "citation-variant", RB_WARNING, x->d->name, x->d->id, x->line,
                        x->col, x->article, x->title,
                        "《%s》 is 《%s》 (also in this text, line %u) with '%s' inserted", x->orig,
                        y->orig, y->line, ins.data);
        else
            add_finding(fs, "citation-variant", RB_WARNING, x->d->name, x->d->id, x->line,
                        x->col, x->article, x->title,
                        "《%s》 is 《%s》 (its title as enacted) with '%s' inserted", x->orig,
                        y->orig, ins.data);
        rb_buf_free(&ins);
    }
    for (size_t k = 0; k < nu; k++)
        free(u[k].cp);
    free(u);
    free(seen);
    free(pre);
    free(pw);
    title_index_free(&ti);
    free(cite_u);
    free(cite_next);
    rb_smap_free(&byname);
    rb_omap_free(&first2);
    rb_omap_free(&last2);
}

/* A lower-level rulebook's deadline longer than the same one in the higher-level rulebook it
 * cites, when that one is among the inputs. Titles are normalized once, into a map. */
/* What a checked document leaves for the check across documents (a rulebook against the
 * higher-level one it cites, when both are checked): its names and title, its deadlines with
 * an action, and the titles it cites in its articles. The document itself is freed. */
typedef struct xdeadline {
    char *key, *unit, *bound, *text, *value;
    double amount;
    unsigned line, col;
    long article;
} xdeadline;

typedef struct xsummary {
    char *name, *id, *title, *ntitle; /* ntitle: normalized, NULL without a title */
    xdeadline *dl;
    size_t ndl, dlcap;
} xsummary;

typedef struct xcite {
    size_t doc;
    char *title;
} xcite;

struct rb_checker {
    const rb_grammar *g;
    rb_findings *out;
    xsummary *docs;
    size_t n, cap;
    xcite *cites;
    size_t ncites, citecap;
    bicount bc; /* the document being added's counts (the tables kept from one to the next) */
};

static void summarize(rb_checker *ch, const rb_doc *d, const cites *one)
{
    RB_GROW(ch->docs, ch->n, ch->cap);
    xsummary *x = &ch->docs[ch->n];
    memset(x, 0, sizeof *x);
    x->name = rb_xstrdup(d->name);
    x->id = rb_xstrdup(d->id ? d->id : "");
    if (d->title) {
        x->title = rb_xstrdup(d->title);
        x->ntitle = rb_normalize_str(d->title, strlen(d->title), 1, NULL);
    }
    for (size_t a = 0; d->facts && a < d->facts->n; a++) {
        const rb_fact *f = &d->facts->v[a];
        if (f->kind != RB_DIM_DEADLINES || !rb_fact_str(f, RB_F_ACTION))
            continue;
        RB_GROW(x->dl, x->ndl, x->dlcap);
        x->dl[x->ndl++] = (xdeadline){action_key(fstr(f, "action")), rb_xstrdup(fstr(f, "unit")),
                                      rb_xstrdup(fstr(f, "bound")), rb_xstrdup(f->text ? f->text : ""),
                                      f->value ? rb_xstrdup(f->value) : NULL,
                                      atof(fstr(f, "amount")), f->line, f->col, f->article};
    }
    for (size_t i = 0; i < one->n; i++)
        if (one->v[i].d == d && one->v[i].article != 0) {
            RB_GROW(ch->cites, ch->ncites, ch->citecap);
            ch->cites[ch->ncites++] = (xcite){ch->n, rb_xstrdup(one->v[i].title)};
        }
    ch->n++;
}

/* A deadline longer than the same action's in the higher-level rulebook a text cites (the
 * first other document of the run with that title): one finding, on the first of the higher
 * one's deadlines it is longer than, with a repeat for each of the others. The higher one's
 * deadlines are sorted once by action, unit, bound and amount (with the least index of each
 * prefix), so that those shorter than a deadline are a count and a lookup: comparing each
 * deadline with each made two long rulebooks of one action quadratic. */
typedef struct dl_sorted {
    size_t *ix;    /* the deadlines' indexes, sorted; NULL: not made yet */
    size_t *first; /* the least index among ix[start of its group .. k] */
} dl_sorted;

static int dl_group_cmp(const xdeadline *a, const xdeadline *b)
{
    int c = strcmp(a->key, b->key);
    if (!c)
        c = strcmp(a->unit, b->unit);
    return c ? c : strcmp(a->bound, b->bound);
}

static int dl_cmp(const void *pa, const void *pb, void *doc)
{
    size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
    const xsummary *x = doc;
    const xdeadline *a = &x->dl[ia], *b = &x->dl[ib];
    int c = dl_group_cmp(a, b);
    if (c)
        return c;
    int na = isnan(a->amount), nb = isnan(b->amount); /* (last: never shorter) */
    if (na != nb)
        return na - nb;
    if (!na && a->amount != b->amount)
        return a->amount < b->amount ? -1 : 1;
    return ia < ib ? -1 : ia > ib;
}

static const dl_sorted *deadlines_sorted(dl_sorted *s, const xsummary *x)
{
    if (s->ix)
        return s;
    size_t n = x->ndl;
    s->ix = rb_xmalloc((n ? n : 1) * sizeof *s->ix);
    s->first = rb_xmalloc((n ? n : 1) * sizeof *s->first);
    for (size_t k = 0; k < n; k++)
        s->ix[k] = k;
    qsort_r(s->ix, n, sizeof *s->ix, dl_cmp, (void *)x);
    for (size_t k = 0; k < n; k++)
        s->first[k] = k && dl_group_cmp(&x->dl[s->ix[k]], &x->dl[s->ix[k - 1]]) == 0 &&
                              s->first[k - 1] < s->ix[k]
                          ? s->first[k - 1]
                          : s->ix[k];
    return s;
}

/* The deadlines of x's sorted s of lf's action, unit and bound that lf is longer than:
 * how many, and the least index of them in *first. */
static size_t shorter_than(const dl_sorted *s, const xsummary *x, const xdeadline *lf,
                           size_t *first)
{
    size_t lo = 0, hi = x->ndl; /* the group: the first not before lf's */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (dl_group_cmp(&x->dl[s->ix[mid]], lf) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t g = lo;
    hi = x->ndl; /* then the first of the group not shorter than lf */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const xdeadline *hf = &x->dl[s->ix[mid]];
        if (dl_group_cmp(hf, lf) == 0 && lf->amount > hf->amount)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > g)
        *first = s->first[lo - 1];
    return lo - g;
}
static void superior_deadlines(rb_checker *ch)
{
    size_t n = ch->n;
    size_t *next = rb_xmalloc((n ? n : 1) * sizeof *next); /* docs with the same title */
    size_t *last = rb_xmalloc((n ? n : 1) * sizeof *last);
    rb_smap first = {0};
    for (size_t k = 0; k < n; k++) {
        next[k] = (size_t)-1;
        if (!ch->docs[k].ntitle)
            continue;
        int fresh;
        size_t *slot = rb_smap_slot(&first, ch->docs[k].ntitle, &fresh);
        if (fresh)
            *slot = k;
        else
            next[last[*slot]] = k;
        last[*slot] = k;
    }
    dl_sorted *sorted = rb_xcalloc(n ? n : 1, sizeof *sorted);
    for (size_t i = 0; i < ch->ncites; i++) {
        const xcite *c = &ch->cites[i];
        const xsummary *low = &ch->docs[c->doc], *high = NULL;
        size_t hk = 0;
        for (size_t k = rb_smap_get(&first, c->title); k != (size_t)-1 && !high; k = next[k])
            if (k != c->doc)
                high = &ch->docs[k], hk = k;
        if (!high)
            continue;
        const dl_sorted *hs = deadlines_sorted(&sorted[hk], high);
        for (size_t a = 0; a < low->ndl; a++) {
            const xdeadline *lf = &low->dl[a];
            /* an upper bound on an action named in more than a word */
            if (strlen(lf->key) < 4 ||
                (strcmp(lf->bound, "within") != 0 && strcmp(lf->bound, "at_most") != 0))
                continue;
            size_t b = 0, times = shorter_than(hs, high, lf, &b);
            if (!times)
                continue;
            const xdeadline *hf = &high->dl[b];
            set_codes(add_finding(ch->out, "deadline-longer-than-superior", RB_WARNING, low->name,
                                  low->id, lf->line, lf->col, lf->article, lf->key,
                                  "'%s' here, but '%s' in the higher-level %s (%s, article %ld), "
                                  "which this rulebook cites",
                                  lf->text, hf->text, high->title, high->id, hf->article),
                      "%s; %s", lf->value ? lf->value : "?", hf->value ? hf->value : "?");
            repeat_finding(ch->out, "deadline-longer-than-superior", low->id, lf->article, lf->key,
                           times - 1);
        }
    }
    for (size_t k = 0; k < n; k++) {
        free(sorted[k].ix);
        free(sorted[k].first);
    }
    free(sorted);
    free(next);
    free(last);
    rb_smap_free(&first);
}

/* ---- the run ------------------------------------------------------------------------------------ */

static int cmp_finding(const void *a, const void *b)
{
    const rb_finding *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    c = strcmp(x->rule, y->rule);
    return c ? c : strcmp(x->message, y->message);
}

rb_checker *rb_checker_new(const rb_grammar *g, rb_findings *out)
{
    rb_checker *ch = rb_xcalloc(1, sizeof *ch);
    ch->g = g;
    ch->out = out;
    memset(out, 0, sizeof *out); /* out is fresh: its old contents are the caller's */
    return ch;
}

void rb_checker_add(rb_checker *ch, const rb_doc *d, const rb_diags *cd)
{
    const rb_grammar *g = ch->g;
    rb_findings *out = ch->out;
    /* what compile found: numbering, duplicates, insertions, structure */
    for (size_t i = 0; cd && i < cd->n; i++) {
        const rb_diag *dg = &cd->items[i];
        if (dg->severity < RB_WARNING || !dg->rule || strcmp(d->name, dg->file) != 0)
            continue; /* a sidecar's note, say */
        long art = article_at_line(d, dg->line);
        /* the words at the position, for a fingerprint that survives moved lines */
        char key[128] = "";
        if (dg->line >= 1 && dg->line <= d->src->nlines) {
            size_t ls = d->src->line_start[dg->line - 1];
            size_t off = ls, c = 1;
            while (c < dg->col && off < d->src->len && d->src->text[off] != '\n') {
                uint32_t cp;
                off += (size_t)rb_utf8_decode(d->src->text + off, d->src->len - off, &cp);
                c++;
            }
            size_t e = off, k = 0;
            while (e < d->src->len && d->src->text[e] != '\n' && d->src->text[e] != '\r' && k < 12) {
                uint32_t cp;
                e += (size_t)rb_utf8_decode(d->src->text + e, d->src->len - e, &cp);
                k++;
            }
            snprintf(key, sizeof key, "%.*s", (int)(e - off), d->src->text + off);
        }
        add_finding(out, dg->rule, rule_sev(dg->rule, dg->severity), dg->file, d->id, dg->line,
                    dg->col, art, key, "%s", dg->message);
    }
    structure_rules(g, d, out);
    pattern_rules(g, d, out);
    size_t nb;
    hblock *hb = count_bigrams(d, &ch->bc, &nb);
    detect_injected(d, &ch->bc, hb, nb, out);
    hblocks_free(hb, nb);
    fact_rules(g, d, out);
    cites one = {0};
    collect_cites(d, &one);
    reference_rules(g, d, &one, out);
    /* citation variants: the text against itself and the reference titles, never against
     * the other texts of the run (a file's findings do not depend on the batch) */
    size_t own = one.n;
    const struct rb_check_rules *r = g->check;
    for (size_t k = 0; r && k < r->ntitles; k++) {
        RB_GROW(one.v, one.n, one.cap);
        cite *t = &one.v[one.n++];
        memset(t, 0, sizeof *t);
        t->title = r->titles[k];
        t->orig = r->titles_orig[k];
    }
    citation_variants(&one, out);
    one.n = own; /* the reference titles belong to the grammar */
    summarize(ch, d, &one);
    for (size_t i = 0; i < one.n; i++) {
        free(one.v[i].title);
        free(one.v[i].orig);
    }
    free(one.v);
}

rb_status rb_checker_finish(rb_checker *ch, rb_error *err)
{
    rb_findings *out = ch->out;
    superior_deadlines(ch);
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, cmp_finding);
    rb_omap_free(&out->seen); /* its indexes are those before the sort */
    memset(&out->seen, 0, sizeof out->seen);
    out->files = ch->n;
    if (out->trouble.status != RB_OK) { /* a pattern gave up: the findings are incomplete */
        if (err)
            *err = out->trouble;
        return out->trouble.status;
    }
    return RB_OK;
}

void rb_checker_free(rb_checker *ch)
{
    if (!ch)
        return;
    for (size_t i = 0; i < ch->n; i++) {
        xsummary *x = &ch->docs[i];
        free(x->name);
        free(x->id);
        free(x->title);
        free(x->ntitle);
        for (size_t k = 0; k < x->ndl; k++) {
            free(x->dl[k].key);
            free(x->dl[k].unit);
            free(x->dl[k].bound);
            free(x->dl[k].text);
            free(x->dl[k].value);
        }
        free(x->dl);
    }
    free(ch->docs);
    for (size_t i = 0; i < ch->ncites; i++)
        free(ch->cites[i].title);
    free(ch->cites);
    rb_omap_free(&ch->bc.bigrams);
    free(ch->bc.u2);
    free(ch->bc.cpool);
    free(ch->bc.candpool);
    free(ch);
}

rb_status rb_check(const rb_grammar *g, rb_doc *const *docs, size_t n, const rb_diags *cd,
                   rb_findings *out, rb_error *err)
{
    rb_checker *ch = rb_checker_new(g, out);
    for (size_t i = 0; i < n; i++)
        rb_checker_add(ch, docs[i], cd);
    rb_status st = rb_checker_finish(ch, err);
    rb_checker_free(ch);
    return st;
}
