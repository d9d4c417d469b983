/* grammar.c: the patterns: PCRE2 compiled once with the project's options and limits, {{macro}}
 * expansion, and the `grammar: structure` file (grammars.c loads the files and dispatches).
 *
 * A structure grammar file looks like:
 *
 *   grammar: structure
 *   version: "2026.11"
 *   define:                       # {{name}} macros usable in every regex of the file
 *     num: '[一二三四五六七八九十百千零〇两0-9]+'
 *   patterns:
 *     - id: article-dun           # rule id, reported in diagnostics
 *       role: article             # what a match means (see rb_role)
 *       regex: '^(?<num>{{num}})、'
 *       examples: ['一、根据宪法']  # must match; checked when the grammar loads
 *       not: ['(一)传达']          # must not match
 *
 * Patterns run on one line of the normalized view at a time (so ^ and $ are line anchors),
 * compiled with PCRE2_UTF and JIT; matching skips the UTF check because the source stage
 * validated the text once. Match and heap limits stop a hostile pattern or input. */
#include "internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MATCH_LIMIT 2000000u
#define DEPTH_LIMIT 10000u
#define HEAP_LIMIT_KIB 65536u

static const char *const ROLE_NAMES[RB_ROLE_COUNT] = {
    "junk", "toc", "chapter", "article", "point", "title", "docnumber", "date",
    "recipients", "issuer", "adopted", "heading", "split", "annotation", "notice"};

/* Named groups each role must define. */
static const char *const ROLE_GROUPS[RB_ROLE_COUNT][4] = {
    [RB_ROLE_CHAPTER] = {"num"},
    [RB_ROLE_ARTICLE] = {"num"},
    [RB_ROLE_POINT] = {"num"},
    [RB_ROLE_TITLE] = {"title"},
    [RB_ROLE_DOCNUMBER] = {"docnumber"},
    [RB_ROLE_DATE] = {"y", "m", "d"},
    [RB_ROLE_ADOPTED] = {"meeting"},
};

const char *rb_role_name(rb_role r) { return r < RB_ROLE_COUNT ? ROLE_NAMES[r] : "?"; }

static int role_from_name(const char *s)
{
    for (int i = 0; i < RB_ROLE_COUNT; i++)
        if (strcmp(s, ROLE_NAMES[i]) == 0)
            return i;
    return -1;
}

/* A compiled regex: PCRE2's code, made machine code (JIT) at its first match after the
 * grammar has loaded; the examples checked while it loads run in PCRE2's interpreter. A run
 * pays for the machine code of the patterns it reaches only (a small file reaches few of the
 * fact rules: start-up). JIT failure is not fatal: the interpreter honours the same limits.
 * RULEBOOK_NO_JIT=1 keeps the interpreter (valgrind cannot follow JIT code: `make valgrind`). */
typedef struct rb_regex {
    pcre2_code *code;
    int jit_tried;
    int jit; /* compiled to machine code: matched by pcre2_jit_match (no per-call checks) */
    /* what PCRE2's study knows of every match, asked here before the call (which costs more
     * than the test for the many lines a pattern of the structure grammar cannot start on):
     * its minimum length in characters, and for an anchored pattern the bytes it can start
     * with: PCRE2 10.42 reports the first code unit of an anchored pattern too (^第…条: E7);
     * where it reports none, all 256 are allowed and nothing is skipped */
    uint32_t minlen;
    int anchored;
    uint64_t first[4];
    /* its record in the grammar that made it (rb_grammar.prof), or NULL: none */
    const struct rb_grammar *owner;
    size_t prof;
} rb_regex;

static pcre2_code *pc(void *re) { return ((rb_regex *)re)->code; }

/* What PCRE2's study knows of every match (see rb_regex), asked once. */
static rb_regex *regex_of(pcre2_code *code)
{
    rb_regex *re = rb_xcalloc(1, sizeof *re);
    re->code = code;
    uint32_t opts = 0, type = 0, unit = 0;
    const uint8_t *bitmap = NULL;
    if (pcre2_pattern_info(code, PCRE2_INFO_MINLENGTH, &re->minlen) != 0)
        re->minlen = 0;
    if (pcre2_pattern_info(code, PCRE2_INFO_ALLOPTIONS, &opts) == 0)
        re->anchored = (opts & PCRE2_ANCHORED) != 0;
    pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &type);
    memset(re->first, 0xFF, sizeof re->first);
    if (type == 1 && pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODEUNIT, &unit) == 0 &&
        unit < 256 && !(opts & PCRE2_CASELESS)) {
        memset(re->first, 0, sizeof re->first);
        re->first[unit >> 6] |= 1ull << (unit & 63);
    } else if (type == 0 && pcre2_pattern_info(code, PCRE2_INFO_FIRSTBITMAP, &bitmap) == 0 &&
               bitmap) {
        memset(re->first, 0, sizeof re->first);
        for (unsigned c = 0; c < 256; c++)
            if (bitmap[c / 8] >> (c % 8) & 1)
                re->first[c >> 6] |= 1ull << (c & 63);
    }
    return re;
}

void *rb_regex_compile(const char *pattern, const char *file, unsigned line, unsigned col,
                       const char *id, rb_error *err)
{
    int ec;
    PCRE2_SIZE eo;
    /* (an offset limit may be set for a match: rb_regex_match_upto) */
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                     PCRE2_UTF | PCRE2_USE_OFFSET_LIMIT, &ec, &eo, NULL);
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        rb_error_set(err, RB_EGRAMMAR, "grammar", file, line, col, "grammar-regex",
                     "pattern %s does not compile: %s at offset %zu in '%s'", id, (char *)msg,
                     (size_t)eo, pattern);
        return NULL;
    }
    return regex_of(code);
}

/* ---- compiled patterns kept with the checked examples' stamp ------------------------------------
 * Compiling the grammar's patterns (the tables written out as prefix trees make some of them
 * large) is a fifth of a small run. A load of a grammar whose examples were checked before
 * (grammars.c) reads them back instead: PCRE2's own serialization, kept in the stamp after the
 * patterns they were compiled from, in the order the load compiles them, and a SHA-256 of it
 * all (PCRE2 does not check serialized data: a damaged file is never decoded). A pattern that
 * is not the next one kept is compiled, and so are all after it. The stamp:
 *
 *   "rulebook-patterns 1\n", the SHA-256 (32 bytes) of what follows, n (8 bytes, little end
 *   first), n times: a pattern's length (8 bytes) and bytes, then PCRE2's serialized codes */

struct rb_codecache {
    pcre2_code **codes; /* read: taken ones are NULL; recording: copies of those compiled */
    char **text;
    size_t n, cap, at;
    int recording;
    size_t taken; /* patterns that came from the stamp */
};

#define CC_MAGIC "rulebook-patterns 1\n"

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put64(rb_buf *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        rb_buf_putc(b, (char)(v >> (8 * i) & 0xFF));
}

rb_codecache *rb_codecache_recorder(void)
{
    rb_codecache *cc = rb_xcalloc(1, sizeof *cc);
    cc->recording = 1;
    return cc;
}

rb_codecache *rb_codecache_read(const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data, *end = p + len;
    size_t ml = sizeof CC_MAGIC - 1;
    if (len < ml + 32 + 8 || memcmp(p, CC_MAGIC, ml) != 0)
        return NULL;
    uint8_t sum[32];
    rb_sha256(p + ml + 32, len - ml - 32, sum);
    if (memcmp(sum, p + ml, 32) != 0)
        return NULL;
    p += ml + 32;
    uint64_t n = get64(p);
    p += 8;
    if (n == 0 || n > (uint64_t)(end - p) / 8)
        return NULL;
    rb_codecache *cc = rb_xcalloc(1, sizeof *cc);
    cc->text = rb_xcalloc(n, sizeof *cc->text);
    cc->codes = rb_xcalloc(n, sizeof *cc->codes);
    cc->n = n;
    for (size_t i = 0; i < n; i++) {
        uint64_t l = (size_t)(end - p) >= 8 ? get64(p) : 0;
        if ((size_t)(end - p) < 8 || l > (uint64_t)(end - p) - 8) {
            cc->n = i;
            rb_codecache_free(cc);
            return NULL;
        }
        cc->text[i] = rb_xstrndup((const char *)p + 8, (size_t)l);
        p += 8 + l;
    }
    /* PCRE2's header (16 bytes) and character tables (1,088) at least; past the checksum, the
     * codes' own sizes are PCRE2's to trust (the file is the user's own cache) */
    int32_t k = (size_t)(end - p) >= 16 + 1088 ? pcre2_serialize_get_number_of_codes(p) : -1;
    if (k != (int32_t)n || pcre2_serialize_decode(cc->codes, k, p, NULL) != k) {
        memset(cc->codes, 0, n * sizeof *cc->codes);
        rb_codecache_free(cc);
        return NULL;
    }
    return cc;
}

int rb_codecache_write(const rb_codecache *cc, rb_buf *out)
{
    if (!cc || !cc->recording || cc->n == 0)
        return 0;
    uint8_t *ser = NULL;
    PCRE2_SIZE sl = 0;
    if (pcre2_serialize_encode((const pcre2_code **)cc->codes, (int32_t)cc->n, &ser, &sl, NULL) !=
        (int32_t)cc->n)
        return 0;
    rb_buf body;
    rb_buf_init(&body);
    put64(&body, cc->n);
    for (size_t i = 0; i < cc->n; i++) {
        size_t l = strlen(cc->text[i]);
        put64(&body, l);
        rb_buf_put(&body, cc->text[i], l);
    }
    rb_buf_put(&body, ser, sl);
    pcre2_serialize_free(ser);
    uint8_t sum[32];
    rb_sha256(body.data, body.len, sum);
    rb_buf_puts(out, CC_MAGIC);
    rb_buf_put(out, sum, sizeof sum);
    rb_buf_put(out, body.data, body.len);
    rb_buf_free(&body);
    return 1;
}

size_t rb_codecache_taken(const rb_codecache *cc) { return cc ? cc->taken : 0; }

void rb_codecache_free(rb_codecache *cc)
{
    if (!cc)
        return;
    for (size_t i = 0; i < cc->n; i++) {
        pcre2_code_free(cc->codes[i]);
        free(cc->text[i]);
    }
    free(cc->codes);
    free(cc->text);
    free(cc);
}

/* A record in g for a regex made for it (rb_grammar.prof). */
static rb_regex *registered(rb_grammar *g, rb_regex *re, const char *file, unsigned line,
                            const char *id)
{
    if (!re)
        return NULL;
    RB_GROW(g->prof, g->nprof, g->cprof);
    rb_patstat *p = &g->prof[g->nprof];
    memset(p, 0, sizeof *p);
    p->id = rb_xstrdup(id ? id : "?");
    p->file = rb_xstrdup(file ? file : "?");
    p->line = line;
    re->owner = g;
    re->prof = g->nprof++;
    return re;
}

void *rb_grammar_regex(rb_grammar *g, const char *pattern, const char *file, unsigned line,
                       unsigned col, const char *id, rb_error *err)
{
    rb_codecache *cc = g->codes;
    if (cc && !cc->recording && cc->at < cc->n) {
        if (strcmp(cc->text[cc->at], pattern) == 0) {
            pcre2_code *code = cc->codes[cc->at];
            cc->codes[cc->at++] = NULL;
            cc->taken++;
            return registered(g, regex_of(code), file, line, id);
        }
        cc->at = cc->n; /* not the patterns kept: this and the rest are compiled */
    }
    rb_regex *re = rb_regex_compile(pattern, file, line, col, id, err);
    if (re && cc && cc->recording) {
        pcre2_code *copy = pcre2_code_copy(re->code);
        if (copy) {
            RB_GROW(cc->codes, cc->n, cc->cap);
            cc->text = rb_xrealloc(cc->text, cc->cap * sizeof *cc->text);
            cc->codes[cc->n] = copy;
            cc->text[cc->n++] = rb_xstrdup(pattern);
        }
    }
    return registered(g, re, file, line, id);
}

/* A match's time holds a clock read's cost (the one that ends it: rb_now before the match
 * returns after its read, the one after reads first): measured here, the least of five runs
 * of a thousand reads, and taken off each call's time in the report. */
void rb_grammar_profile(rb_grammar *g)
{
    g->profile = 1;
    double best = -1;
    for (int r = 0; r < 5; r++) {
        double t0 = rb_now(), t = t0;
        for (int i = 0; i < 1000; i++)
            t = rb_now();
        if (best < 0 || t - t0 < best)
            best = t - t0;
    }
    g->clock_cost = best / 1000;
}

static int by_cost(const void *a, const void *b)
{
    const rb_patstat *x = a, *y = b;
    if (x->seconds != y->seconds)
        return x->seconds > y->seconds ? -1 : 1;
    return x->calls > y->calls ? -1 : x->calls < y->calls;
}

rb_patstat *rb_grammar_pattern_stats(const rb_grammar *g, size_t *n)
{
    rb_patstat *v = rb_xmalloc((g->nprof ? g->nprof : 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < g->nprof; i++)
        if (g->prof[i].calls) {
            v[k] = g->prof[i];
            v[k].seconds -= (double)v[k].calls * g->clock_cost; /* (see rb_grammar_profile) */
            if (v[k].seconds < 0)
                v[k].seconds = 0;
            k++;
        }
    qsort(v, k, sizeof *v, by_cost);
    *n = k;
    return v;
}

void rb_grammar_profile_free(rb_grammar *g)
{
    for (size_t i = 0; i < g->nprof; i++) {
        free((char *)g->prof[i].id);
        free((char *)g->prof[i].file);
    }
    free(g->prof);
    g->prof = NULL;
    g->nprof = g->cprof = 0;
}

/* The PCRE2 release matching runs on (a grammar's checked examples are keyed by it). */
const char *rb_regex_version(void)
{
    static char v[64];
    if (!v[0] && pcre2_config(PCRE2_CONFIG_VERSION, v) < 0)
        snprintf(v, sizeof v, "?");
    return v;
}

int rb_regex_is_jit(void *re)
{
    size_t size = 0;
    return pcre2_pattern_info(pc(re), PCRE2_INFO_JITSIZE, &size) == 0 && size > 0;
}

int rb_regex_anchored(void *re) { return ((rb_regex *)re)->anchored; }

void rb_regex_free(void *re)
{
    if (!re)
        return;
    pcre2_code_free(pc(re));
    free(re);
}

int rb_regex_match(const rb_grammar *g, void *codev, const char *id, const char *s, size_t n,
                   size_t start, size_t *ov, size_t nov, rb_error *err)
{
    return rb_regex_match_upto(g, codev, id, s, n, start, (size_t)-1, ov, nov, err);
}

static int match_upto(const rb_grammar *g, rb_regex *re, const char *id, const char *s,
                      size_t n, size_t start, size_t limit, size_t *ov, size_t nov, rb_error *err);

int rb_regex_match_upto(const rb_grammar *g, void *codev, const char *id, const char *s,
                        size_t n, size_t start, size_t limit, size_t *ov, size_t nov,
                        rb_error *err)
{
    rb_regex *re = codev;
    if (!g->profile || re->owner != g)
        return match_upto(g, re, id, s, n, start, limit, ov, nov, err);
    double t0 = rb_now();
    int m = match_upto(g, re, id, s, n, start, limit, ov, nov, err);
    rb_patstat *p = &g->prof[re->prof];
    p->seconds += rb_now() - t0;
    p->calls++;
    p->matches += m > 0;
    return m;
}

static int match_upto(const rb_grammar *g, rb_regex *re, const char *id, const char *s,
                      size_t n, size_t start, size_t limit, size_t *ov, size_t nov, rb_error *err)
{
    pcre2_code *code = re->code;
    if (!re->jit_tried && !g->loading) {
        re->jit_tried = 1;
        const char *nojit = getenv("RULEBOOK_NO_JIT");
        if (!nojit || strcmp(nojit, "1") != 0)
            re->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0 && rb_regex_is_jit(re);
    }
    pcre2_match_data *md = g->mdata;
    /* a caller that steps past an empty match by one byte may land inside a character: the
     * match starts at the next character (PCRE2_NO_UTF_CHECK needs a boundary) */
    while (start < n && ((unsigned char)s[start] & 0xC0) == 0x80)
        start++;
    if (start > n || n - start < re->minlen || start > limit)
        return 0; /* fewer bytes than the match has characters, or past the limit */
    if (re->anchored) {
        unsigned c = start < n ? (unsigned char)s[start] : 256;
        if (c == 256 ? re->minlen > 0 : !(re->first[c >> 6] >> (c & 63) & 1))
            return 0; /* an anchored match starts here, with a byte it cannot start with */
    }
    pcre2_match_context *mc = g->mctx;
    int limited = limit != (size_t)-1 && mc; /* (no context: no limit, the same matches) */
    if (limited)
        pcre2_set_offset_limit(mc, limit);
    int rc = re->jit ? pcre2_jit_match(code, (PCRE2_SPTR)s, n, start, 0, md, mc)
                     : pcre2_match(code, (PCRE2_SPTR)s, n, start, PCRE2_NO_UTF_CHECK, md, mc);
    if (limited)
        pcre2_set_offset_limit(mc, PCRE2_UNSET);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(rc, msg, sizeof msg);
        rb_error_set(err, RB_ELIMIT, "match", "", 0, 0, "match-limit",
                     "pattern %s gave up: %s (a pattern that backtracks catastrophically?)", id,
                     (char *)msg);
        return -1;
    }
    PCRE2_SIZE *o = pcre2_get_ovector_pointer(md);
    /* pairs past rc are unset (those past the pattern's groups hold stale offsets) */
    uint32_t cnt = rc > 0 ? (uint32_t)rc : pcre2_get_ovector_count(md);
    for (size_t i = 0; i < nov; i++) {
        if (i < cnt) {
            ov[2 * i] = o[2 * i] == PCRE2_UNSET ? (size_t)-1 : o[2 * i];
            ov[2 * i + 1] = o[2 * i + 1] == PCRE2_UNSET ? (size_t)-1 : o[2 * i + 1];
        } else {
            ov[2 * i] = ov[2 * i + 1] = (size_t)-1;
        }
    }
    return 1;
}

int rb_regex_group_number(void *code, const char *name)
{
    int k = pcre2_substring_number_from_name(pc(code), (PCRE2_SPTR)name);
    return k < 0 ? -1 : k;
}

int rb_regex_group_at(int k, const size_t *ov, size_t nov, size_t *s, size_t *e)
{
    if (k < 0 || (size_t)k >= nov || ov[2 * k] == (size_t)-1)
        return -1;
    *s = ov[2 * k];
    *e = ov[2 * k + 1];
    return 0;
}

int rb_regex_group(void *code, const char *name, const size_t *ov, size_t nov, size_t *s,
                   size_t *e)
{
    return rb_regex_group_at(rb_regex_group_number(code, name), ov, nov, s, e);
}

int rb_regex_has_group(void *code, const char *name)
{
    return pcre2_substring_number_from_name(pc(code), (PCRE2_SPTR)name) >= 0;
}

int rb_pattern_match(const rb_grammar *g, const rb_pattern *p, const char *subject, size_t n,
                     size_t start, size_t *ov, size_t nov, rb_error *err)
{
    return rb_regex_match(g, p->code, p->id, subject, n, start, ov, nov, err);
}

int rb_pattern_group(const rb_pattern *p, const char *name, const size_t *ov, size_t nov,
                     size_t *s, size_t *e)
{
    return rb_regex_group(p->code, name, ov, nov, s, e);
}

/* Keys idx[0..n), equal in their first `depth` bytes, from there on as a prefix tree. */
static void literal_tree(rb_buf *b, const char *const *keys, const size_t *klen, size_t *idx,
                         size_t n, size_t depth)
{
    int ends = 0;
    size_t m = 0; /* idx[0..m): the keys that go on */
    for (size_t i = 0; i < n; i++)
        if (klen[idx[i]] == depth)
            ends = 1;
        else
            idx[m++] = idx[i];
    size_t groups = 0;
    for (size_t i = 0; i < m;) {
        const char *k = keys[idx[i]] + depth;
        uint32_t cp;
        size_t l = (size_t)rb_utf8_decode(k, klen[idx[i]] - depth, &cp);
        /* the other keys with the same next character move up next to this one, in order */
        size_t j = i + 1;
        for (size_t q = i + 1; q < m; q++)
            if (klen[idx[q]] >= depth + l && memcmp(keys[idx[q]] + depth, k, l) == 0) {
                size_t v = idx[q];
                memmove(&idx[j + 1], &idx[j], (q - j) * sizeof *idx);
                idx[j++] = v;
            }
        if (groups++ == 0) {
            if (j < m || ends)
                rb_buf_puts(b, "(?:");
        } else {
            rb_buf_putc(b, '|');
        }
        for (size_t q = 0; q < l; q++) {
            if (strchr("\\^$.|?*+()[]{}#", k[q]))
                rb_buf_putc(b, '\\');
            rb_buf_putc(b, k[q]);
        }
        literal_tree(b, keys, klen, idx + i, j - i, depth + l);
        i = j;
    }
    if (groups > 1 || (groups == 1 && ends))
        rb_buf_puts(b, ends ? ")?" : ")");
}

static int cmp_len_desc(const void *a, const void *b, void *klen_)
{
    const size_t *klen = klen_;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return klen[x] < klen[y] ? 1 : klen[x] > klen[y] ? -1 : (x > y) - (x < y);
}

void rb_regex_literals(rb_buf *b, const char *const *keys, const size_t *klen, size_t n)
{
    size_t *idx = rb_xmalloc((n ? n : 1) * sizeof *idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    qsort_r(idx, n, sizeof *idx, cmp_len_desc, (void *)klen);
    literal_tree(b, keys, klen, idx, n, 0);
    free(idx);
}

#define MACRO_DEPTH 8

static char *expand(yaml_document_t *doc, yaml_node_t *defines, const char *src,
                    const char *file, unsigned line, int depth, rb_error *err);

char *rb_expand_macros(yaml_document_t *doc, yaml_node_t *defines, const char *src,
                       const char *file, unsigned line, rb_error *err)
{
    return expand(doc, defines, src, file, line, 0, err);
}

/* A define may use other defines, nested up to MACRO_DEPTH: deeper is a cycle ({{a}} using
 * itself, or {{a}} and {{b}} each other), an error rather than a stack overflow. */
static char *expand(yaml_document_t *doc, yaml_node_t *defines, const char *src,
                    const char *file, unsigned line, int depth, rb_error *err)
{
    rb_buf b;
    rb_buf_init(&b);
    const char *p = src;
    while (*p) {
        const char *o = strstr(p, "{{");
        if (!o) {
            rb_buf_puts(&b, p);
            break;
        }
        rb_buf_put(&b, p, (size_t)(o - p));
        const char *c = strstr(o + 2, "}}");
        if (!c) {
            rb_buf_puts(&b, o);
            break;
        }
        char name[64];
        size_t nl = (size_t)(c - o - 2);
        if (nl >= sizeof name)
            nl = sizeof name - 1;
        memcpy(name, o + 2, nl);
        name[nl] = 0;
        if (strncmp(name, "table:", 6) == 0 || strncmp(name, "ahead:", 6) == 0) {
            /* a table's keys, or a lookahead for them: expanded by extract.c */
            rb_buf_put(&b, o, (size_t)(c + 2 - o));
            p = c + 2;
            continue;
        }
        const char *val = rb_yaml_str(rb_yaml_get(doc, defines, name));
        if (!val) {
            rb_buf_free(&b);
            rb_error_set(err, RB_EGRAMMAR, "grammar", file, line, 1, "grammar-macro",
                         "unknown macro {{%s}} (define it under `define:`)", name);
            return NULL;
        }
        if (strstr(val, "{{")) {
            if (depth >= MACRO_DEPTH) {
                rb_buf_free(&b);
                rb_error_set(err, RB_EGRAMMAR, "grammar", file, line, 1, "grammar-macro",
                             "macro {{%s}} is nested more than %d deep: a macro that uses "
                             "itself, or two that use each other?",
                             name, MACRO_DEPTH);
                return NULL;
            }
            char *inner = expand(doc, defines, val, file, line, depth + 1, err);
            if (!inner) {
                rb_buf_free(&b);
                return NULL;
            }
            rb_buf_puts(&b, inner);
            free(inner);
        } else {
            rb_buf_puts(&b, val);
        }
        p = c + 2;
    }
    return rb_buf_detach(&b);
}

static char **string_list(yaml_document_t *doc, yaml_node_t *node, size_t *n)
{
    size_t k;
    yaml_node_item_t *it = rb_yaml_items(node, &k);
    *n = 0;
    if (!it) {
        const char *one = rb_yaml_str(node);
        if (!one)
            return NULL;
        char **v = rb_xmalloc(sizeof *v);
        v[0] = rb_xstrdup(one);
        *n = 1;
        return v;
    }
    char **v = rb_xcalloc(k ? k : 1, sizeof *v);
    for (size_t i = 0; i < k; i++) {
        const char *s = rb_yaml_str(yaml_document_get_node(doc, it[i]));
        if (s)
            v[(*n)++] = rb_xstrdup(s);
    }
    return v;
}

static void pattern_free(rb_pattern *p)
{
    free(p->id);
    free(p->kind);
    free(p->source);
    free(p->file);
    if (p->code)
        rb_regex_free(p->code);
    for (size_t i = 0; i < p->nexamples; i++)
        free(p->examples[i]);
    free(p->examples);
    for (size_t i = 0; i < p->ncounter; i++)
        free(p->counter[i]);
    free(p->counter);
}

/* A pattern that hits a match limit on its own example: it would on real text too. */
static rb_status example_limit(const rb_pattern *p, const char *example, rb_error *err)
{
    char why[sizeof err->message];
    snprintf(why, sizeof why, "%s", err->message); /* err->message is overwritten below */
    return rb_error_set(err, RB_EGRAMMAR, "grammar", p->file, p->line, 1, "grammar-limit",
                        "pattern %s gives up on its example '%.*s…' (%s): it would on real text "
                        "too; rewrite it without nested repetition",
                        p->id, (int)rb_utf8_cut(example, 40), example, why);
}

/* Check the examples written beside a pattern: they are its executable documentation. */
static rb_status check_examples(rb_grammar *g, rb_pattern *p, rb_error *err)
{
    size_t ov[40];
    for (size_t i = 0; i < p->nexamples; i++) {
        size_t ln;
        char *t = rb_normalize_str(p->examples[i], strlen(p->examples[i]), 1, &ln);
        int r = rb_pattern_match(g, p, t, ln, 0, ov, 20, err);
        free(t);
        if (r < 0)
            return example_limit(p, p->examples[i], err);
        if (r == 0)
            return rb_error_set(err, RB_EGRAMMAR, "grammar", p->file, p->line, 1,
                                "grammar-example",
                                "pattern %s does not match its example '%s'", p->id,
                                p->examples[i]);
    }
    for (size_t i = 0; i < p->ncounter; i++) {
        size_t ln;
        char *t = rb_normalize_str(p->counter[i], strlen(p->counter[i]), 1, &ln);
        int r = rb_pattern_match(g, p, t, ln, 0, ov, 20, err);
        free(t);
        if (r < 0)
            return example_limit(p, p->counter[i], err);
        if (r != 0)
            return rb_error_set(err, RB_EGRAMMAR, "grammar", p->file, p->line, 1,
                                "grammar-example",
                                "pattern %s matches '%s', listed under `not:`", p->id,
                                p->counter[i]);
    }
    return RB_OK;
}

rb_status rb_structure_add(rb_grammar *g, const char *path, yaml_document_t *doc,
                          yaml_node_t *root, rb_error *err)
{
    const char *ver = rb_yaml_str(rb_yaml_get(doc, root, "version"));
    if (ver) {
        free(g->version);
        g->version = rb_xstrdup(ver);
    }
    yaml_node_t *defines = rb_yaml_get(doc, root, "define");
    yaml_node_t *pats = rb_yaml_get(doc, root, "patterns");
    size_t n;
    yaml_node_item_t *items = rb_yaml_items(pats, &n);
    if (!items)
        return rb_error_set(err, RB_EGRAMMAR, "grammar", path, rb_yaml_line(root), 1,
                            "grammar-schema", "a structure grammar needs a `patterns:` list");
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *pn = yaml_document_get_node(doc, items[i]);
        unsigned line = rb_yaml_line(pn);
        const char *id = rb_yaml_str(rb_yaml_get(doc, pn, "id"));
        const char *role = rb_yaml_str(rb_yaml_get(doc, pn, "role"));
        yaml_node_t *rxn = rb_yaml_get(doc, pn, "regex");
        const char *rx = rb_yaml_str(rxn);
        if (!id || !role || !rx)
            return rb_error_set(err, RB_EGRAMMAR, "grammar", path, line, 1, "grammar-schema",
                                "each pattern needs id, role and regex");
        int r = role_from_name(role);
        if (r < 0)
            return rb_error_set(err, RB_EGRAMMAR, "grammar", path, line, 1, "grammar-schema",
                                "pattern %s: unknown role '%s'", id, role);
        for (size_t k = 0; k < g->npatterns; k++)
            if (strcmp(g->patterns[k].id, id) == 0)
                return rb_error_set(err, RB_EGRAMMAR, "grammar", path, line, 1,
                                    "grammar-schema", "pattern id %s is used twice", id);
        if (g->nby_role[r] >= 64)
            return rb_error_set(err, RB_EGRAMMAR, "grammar", path, line, 1, "grammar-schema",
                                "too many patterns for role %s (64 at most)", role);
        char *src = rb_expand_macros(doc, defines, rx, path, rb_yaml_line(rxn), err);
        if (!src)
            return RB_EGRAMMAR;
        void *code = rb_grammar_regex(g, src, path, rb_yaml_line(rxn), rb_yaml_col(rxn), id, err);
        if (!code) {
            free(src);
            return RB_EGRAMMAR;
        }
        g->patterns = rb_xrealloc(g->patterns, (g->npatterns + 1) * sizeof *g->patterns);
        rb_pattern *p = &g->patterns[g->npatterns++];
        memset(p, 0, sizeof *p);
        p->id = rb_xstrdup(id);
        p->role = (rb_role)r;
        const char *kind = rb_yaml_str(rb_yaml_get(doc, pn, "kind"));
        p->kind = rb_xstrdup(kind ? kind : role);
        const char *lv = rb_yaml_str(rb_yaml_get(doc, pn, "level"));
        const char *mc = rb_yaml_str(rb_yaml_get(doc, pn, "outranks_from"));
        p->level = lv ? atoi(lv) : 0;
        p->outranks_from = mc ? atoi(mc) : 1;
        if ((lv && (p->level < 1 || p->level > 9)) || (mc && p->outranks_from < 1))
            return rb_error_set(err, RB_EGRAMMAR, "grammar", path, line, 1, "grammar-schema",
                                "pattern %s: `level:` is 1 to 9 and `outranks_from:` at least 1",
                                id);
        p->source = src;
        p->file = rb_xstrdup(path);
        p->line = line;
        p->code = code;
        p->examples = string_list(doc, rb_yaml_get(doc, pn, "examples"), &p->nexamples);
        p->counter = string_list(doc, rb_yaml_get(doc, pn, "not"), &p->ncounter);
        g->by_role[r][g->nby_role[r]++] = g->npatterns - 1;
        rb_regex_free(g->role_gate[r]); /* it does not know this one: none until built again */
        g->role_gate[r] = NULL;
        for (int k = 0; k < 4 && ROLE_GROUPS[r][k]; k++)
            if (pcre2_substring_number_from_name(pc(code), (PCRE2_SPTR)ROLE_GROUPS[r][k]) < 0)
                return rb_error_set(err, RB_EGRAMMAR, "grammar", path, rb_yaml_line(rxn), 1,
                                    "grammar-schema",
                                    "pattern %s (role %s) needs a named group (?<%s>…)", id,
                                    role, ROLE_GROUPS[r][k]);
        if (p->nexamples == 0)
            return rb_error_set(err, RB_EGRAMMAR, "grammar", path, line, 1, "grammar-schema",
                                "pattern %s has no `examples:`; write one it must match", id);
        rb_status st = g->examples_known ? RB_OK : check_examples(g, p, err);
        if (st != RB_OK)
            return st;
    }
    return RB_OK;
}

/* A pattern can be one alternative of a gate when it means the same there: no group is
 * asked for by its number (a backreference, a call, a condition, (?1)) or the whole pattern
 * ((?R)), and no verb ((*COMMIT), (*THEN)...) acts across the alternatives. Written
 * conservatively: a pattern that merely looks like one of these keeps its role ungated. */
static int gate_fits(const rb_pattern *p)
{
    uint32_t refs = 0;
    if (pcre2_pattern_info(pc(p->code), PCRE2_INFO_BACKREFMAX, &refs) != 0 || refs != 0)
        return 0;
    static const char *const bad[] = {"(*", "(?R", "(?P>", "(?&", "(?+", "(?-", "(?(", "\\g"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        if (strstr(p->source, bad[k]))
            return 0;
    for (const char *q = p->source; (q = strstr(q, "(?")) != NULL; q += 2)
        if (q[2] >= '0' && q[2] <= '9')
            return 0;
    return 1;
}

void rb_structure_gates(rb_grammar *g)
{
    for (int r = 0; r < RB_ROLE_COUNT; r++) {
        if (g->nby_role[r] < 2 || g->role_gate[r] || r == RB_ROLE_SPLIT)
            continue; /* split_points asks each split pattern on its own */
        rb_buf b;
        rb_buf_init(&b);
        rb_buf_puts(&b, "(?J)"); /* the patterns of a role name their groups alike */
        size_t k;
        for (k = 0; k < g->nby_role[r]; k++) {
            const rb_pattern *p = &g->patterns[g->by_role[r][k]];
            if (!gate_fits(p))
                break;
            rb_buf_printf(&b, "%s(?:%s)", k ? "|" : "", p->source);
        }
        if (k == g->nby_role[r]) {
            const rb_pattern *p0 = &g->patterns[g->by_role[r][0]];
            char id[64];
            snprintf(id, sizeof id, "gate-%s", rb_role_name((rb_role)r));
            /* one that does not compile (a pattern's (?x) comment or \Q runs on over the
             * next) is no gate: the patterns are asked */
            rb_error ignored;
            g->role_gate[r] =
                rb_grammar_regex(g, rb_buf_cstr(&b), p0->file, p0->line, 1, id, &ignored);
        }
        rb_buf_free(&b);
    }
}

void rb_structure_free(rb_grammar *g)
{
    for (int r = 0; r < RB_ROLE_COUNT; r++) {
        rb_regex_free(g->role_gate[r]);
        g->role_gate[r] = NULL;
    }
    for (size_t i = 0; i < g->npatterns; i++)
        pattern_free(&g->patterns[i]);
    free(g->patterns);
    g->patterns = NULL;
    g->npatterns = 0;
}

void rb_regex_context_init(rb_grammar *g)
{
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(mc, MATCH_LIMIT);
    pcre2_set_depth_limit(mc, DEPTH_LIMIT);
    pcre2_set_heap_limit(mc, HEAP_LIMIT_KIB);
    g->mctx = mc;
    g->mdata = pcre2_match_data_create(64, NULL);
}

void rb_regex_context_free(rb_grammar *g)
{
    pcre2_match_context_free(g->mctx);
    pcre2_match_data_free(g->mdata);
    g->mctx = NULL;
    g->mdata = NULL;
}
