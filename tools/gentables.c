/* gentables.c: build-time generator of the normalization tables compiled into rulebook.
 *
 *   gentables DICTDIR OUT.c JIEBA_DICT
 *
 * DICTDIR holds OpenCC's dictionaries exported to text by `opencc_dict -t text`
 * (TSCharacters, STCharacters, TWVariantsRev, TWPhrasesRev, TWVariantsRevPhrases, TSPhrases).
 * JIEBA_DICT is jieba's word list with frequencies ("word freq tag"): for each Taiwan phrase
 * (檔案 for 文件) it gives the evidence the view needs to reverse it only where the mainland
 * reading is the likely one: how common each reading is as a mainland word, and the mainland
 * words that contain either reading (档案馆, 规范性文件), to read a phrase by its neighbours.
 * For every code point the fold is: NFKC (utf8proc) for width and compatibility forms, then
 * OpenCC's Taiwan-variant and traditional->simplified character tables (first candidate).
 * Taking the tables once at build time keeps traditional input at the speed of simplified
 * input; running OpenCC's converter on every document would cost a hundredfold. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define NCP 0x110000
#define F_TRAD (1u << 24)
#define F_SIMP (1u << 25)
#define F_MULTI (1u << 26)
#define F_DELETE (1u << 27)
#define F_AMBIG (1u << 28) /* folds in traditional text only: also a simplified character (著) */

static uint32_t *target; /* single-code-point fold, 0 = identity */
static char **multi;     /* multi-code-point fold (UTF-8) */
static uint32_t *flags;

static int dec(const unsigned char *s, uint32_t *cp)
{
    utf8proc_int32_t c;
    utf8proc_ssize_t k = utf8proc_iterate(s, -1, &c);
    if (k <= 0)
        return 0;
    *cp = (uint32_t)c;
    return (int)k;
}

typedef void (*entry_fn)(const char *key, const char *first, int self_listed);

/* Each line: KEY \t CAND1 [space CAND2 ...]. */
static int read_dict(const char *dir, const char *name, entry_fn fn)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.txt", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "gentables: cannot open %s\n", path);
        return -1;
    }
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = 0;
        char *vals = tab + 1;
        char *sp = strchr(vals, ' ');
        int self = 0;
        for (char *p = vals; p && *p;) {
            char *q = strchr(p, ' ');
            size_t l = q ? (size_t)(q - p) : strlen(p);
            if (l == strlen(line) && memcmp(p, line, l) == 0)
                self = 1;
            p = q ? q + 1 : NULL;
        }
        if (sp)
            *sp = 0;
        fn(line, vals, self);
    }
    fclose(f);
    return 0;
}

static uint32_t single(const char *s)
{
    uint32_t cp;
    int k = dec((const unsigned char *)s, &cp);
    if (k <= 0 || s[k] != 0)
        return 0;
    return cp;
}

static uint32_t twv[NCP]; /* Taiwan variant -> OpenCC traditional */
static uint32_t ts[NCP];  /* traditional -> simplified */

static void on_twv(const char *k, const char *v, int self)
{
    (void)self;
    uint32_t a = single(k), b = single(v);
    if (a && b && a != b)
        twv[a] = b;
}

static void on_ts(const char *k, const char *v, int self)
{
    uint32_t a = single(k), b = single(v);
    if (!a || !b)
        return;
    if (a != b)
        ts[a] = b;
    if (!self && a != b)
        flags[a] |= F_TRAD;
}

static unsigned char *stkey; /* a key of STCharacters: a character simplified text uses */

static void on_st(const char *k, const char *v, int self)
{
    uint32_t a = single(k), b = single(v);
    if (a)
        stkey[a] = 1;
    if (a && b && a != b && !self)
        flags[a] |= F_SIMP;
}

static uint32_t fold_char(uint32_t c)
{
    if (twv[c])
        c = twv[c];
    if (ts[c])
        c = ts[c];
    return c;
}

static int no_variants; /* fold_str: TSCharacters only (a TWVariantsRevPhrases value) */

/* Fold a UTF-8 string character by character (used for NFKC results and phrase values). */
static char *fold_str(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = dec((const unsigned char *)s + i, &cp);
        if (k <= 0)
            break;
        i += (size_t)k;
        cp = no_variants ? (ts[cp] ? ts[cp] : cp) : fold_char(cp);
        o += (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)out + o);
    }
    out[o] = 0;
    return out;
}

typedef struct {
    char *from, *to;
    int tw; /* a Taiwan phrasing (TWPhrasesRev), not a plain traditional phrase */
} phrase;
static int reading_tw;
static phrase *phrases;
static size_t nphrases, cphrases;

static int reading_variants;

static void add_phrase(const char *k, const char *v);

/* The Taiwan-variant spelling of a phrase key (社羣 as s2twp writes it: 社群, 稽覈: 稽核), or
 * NULL when it has none: OpenCC's TWPhrasesRev keys use its standard characters, and s2twp
 * applies the Taiwan variants after the phrases. */
static char *tw_spelling(const char *k)
{
    size_t n = strlen(k);
    char *out = malloc(n * 4 + 1);
    size_t o = 0;
    int changed = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int l = dec((const unsigned char *)k + i, &cp);
        if (l <= 0)
            break;
        i += (size_t)l;
        for (uint32_t c = 0; c < NCP && cp >= 0x80; c++)
            if (twv[c] == cp && c != cp) { /* c is the Taiwan variant of cp */
                cp = c;
                changed = 1;
                break;
            }
        o += (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)out + o);
    }
    out[o] = 0;
    if (!changed) {
        free(out);
        return NULL;
    }
    return out;
}

static void on_phrase(const char *k, const char *v, int self)
{
    (void)self;
    add_phrase(k, v);
    if (reading_tw) {
        char *tk = tw_spelling(k);
        if (tk)
            add_phrase(tk, v);
        free(tk);
    }
}

static void add_phrase(const char *k, const char *v)
{
    no_variants = reading_variants; /* 著作 stays 著作: the variant is resolved already */
    char *to = fold_str(v);
    no_variants = 0;
    char *fk = fold_str(k);
    int same = strcmp(fk, to) == 0;
    free(fk);
    if (same) { /* char folding already gives this */
        free(to);
        return;
    }
    for (size_t i = 0; i < nphrases; i++)
        if (strcmp(phrases[i].from, k) == 0) {
            free(to);
            return;
        }
    if (nphrases == cphrases) {
        cphrases = cphrases ? 2 * cphrases : 256;
        phrases = realloc(phrases, cphrases * sizeof *phrases);
    }
    phrases[nphrases].from = strdup(k);
    phrases[nphrases].to = to;
    phrases[nphrases].tw = reading_tw;
    nphrases++;
}

static int cmp_phrase(const void *a, const void *b)
{
    return strcmp(((const phrase *)a)->from, ((const phrase *)b)->from);
}

static void c_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7F)
            fprintf(f, "\\%03o", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* ---- jieba evidence for the Taiwan phrases -------------------------------------------------- */

typedef struct word {
    char *w;
    long freq;
} word;
static word *ctxw;          /* jieba words holding a reading of a Taiwan phrase, and longer */
static size_t nctxw, cctxw;
static long *freq_from, *freq_to; /* per phrase: jieba frequency of each reading */

static int cmp_word(const void *a, const void *b)
{
    return strcmp(((const word *)a)->w, ((const word *)b)->w);
}

static int read_jieba(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "gentables: cannot open %s\n", path);
        return -1;
    }
    /* the simplified readings of every Taiwan phrase */
    char **rd = calloc(2 * nphrases + 1, sizeof *rd);
    for (size_t i = 0; i < nphrases; i++)
        if (phrases[i].tw) {
            rd[2 * i] = fold_str(phrases[i].from);
            rd[2 * i + 1] = strdup(phrases[i].to);
        }
    freq_from = calloc(nphrases + 1, sizeof *freq_from);
    freq_to = calloc(nphrases + 1, sizeof *freq_to);
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char *sp = strchr(line, ' ');
        if (!sp)
            continue;
        *sp = 0;
        long fq = atol(sp + 1);
        size_t wl = strlen(line);
        int keep = 0;
        for (size_t i = 0; i < 2 * nphrases; i++) {
            if (!rd[i])
                continue;
            size_t rl = strlen(rd[i]);
            if (wl == rl && memcmp(line, rd[i], rl) == 0) {
                if (i % 2)
                    freq_to[i / 2] = fq;
                else
                    freq_from[i / 2] = fq;
            } else if (wl > rl && strstr(line, rd[i])) {
                keep = 1;
            }
        }
        if (keep) {
            if (nctxw == cctxw) {
                cctxw = cctxw ? 2 * cctxw : 1024;
                ctxw = realloc(ctxw, cctxw * sizeof *ctxw);
            }
            ctxw[nctxw].w = strdup(line);
            ctxw[nctxw++].freq = fq;
        }
    }
    fclose(f);
    for (size_t i = 0; i < 2 * nphrases; i++)
        free(rd[i]);
    free(rd);
    qsort(ctxw, nctxw, sizeof *ctxw, cmp_word);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gentables DICTDIR OUT.c JIEBA_DICT\n");
        return 2;
    }
    target = calloc(NCP, sizeof *target);
    multi = calloc(NCP, sizeof *multi);
    flags = calloc(NCP, sizeof *flags);
    stkey = calloc(NCP, 1);
    if (read_dict(argv[1], "TWVariantsRev", on_twv) || read_dict(argv[1], "TSCharacters", on_ts) ||
        read_dict(argv[1], "STCharacters", on_st))
        return 1;
    /* A character both scripts list as their own tells nothing. */
    for (uint32_t c = 0; c < NCP; c++)
        if ((flags[c] & F_TRAD) && (flags[c] & F_SIMP))
            flags[c] &= ~(F_TRAD | F_SIMP);

    for (uint32_t c = 0x80; c < NCP; c++) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        uint32_t t = c;
        /* NFKC: full-width ASCII, ideographic space, NBSP, small forms, compatibility
         * ideographs, enclosed numerals. */
        utf8proc_uint8_t *nf = NULL;
        utf8proc_uint8_t in[8];
        utf8proc_ssize_t il = utf8proc_encode_char((utf8proc_int32_t)c, in);
        in[il] = 0;
        utf8proc_ssize_t r = utf8proc_map(in, il, &nf, UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                                             UTF8PROC_COMPAT);
        char *mstr = NULL;
        if (r > 0 && !(r == il && memcmp(nf, in, (size_t)il) == 0)) {
            uint32_t one = single((const char *)nf);
            if (one)
                t = one;
            else
                mstr = fold_str((const char *)nf);
        }
        free(nf);
        int compat = t != c || mstr; /* NFKC changed it: a width or compatibility form */
        if (!mstr)
            t = fold_char(t);
        /* 著 is 着 in Taiwan-variant traditional text (TWVariantsRev), 著 in simplified; a
         * simplified character (an STCharacters key) is itself there too */
        if (!compat && t != c && (stkey[c] || twv[c]) && !(flags[c] & F_TRAD))
            flags[c] |= F_AMBIG;
        if (c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF ||
            c == 0x00AD || c == 0x200E || c == 0x200F) {
            flags[c] |= F_DELETE;
            free(mstr);
            continue;
        }
        if (mstr) {
            multi[c] = mstr;
            flags[c] |= F_MULTI;
        } else if (t != c) {
            target[c] = t;
        }
    }

    /* Taiwan phrasing first (檔案 -> 文件), then the exceptions to the Taiwan variant characters
     * (著作 is not 着作; they go with TWVariantsRev, applied to any traditional text), then
     * OpenCC's own traditional phrases (計畫 -> 计划), as tw2sp chains them */
    reading_tw = 1;
    if (read_dict(argv[1], "TWPhrasesRev", on_phrase))
        return 1;
    reading_tw = 0;
    reading_variants = 1;
    if (read_dict(argv[1], "TWVariantsRevPhrases", on_phrase))
        return 1;
    reading_variants = 0;
    if (read_dict(argv[1], "TSPhrases", on_phrase))
        return 1;
    qsort(phrases, nphrases, sizeof *phrases, cmp_phrase);
    if (read_jieba(argv[3]))
        return 1;

    FILE *f = fopen(argv[2], "w");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    fprintf(f, "/* Generated by tools/gentables.c from utf8proc %s and OpenCC's dictionaries. "
               "Do not edit. */\n#include <stddef.h>\n#include <stdint.h>\n\n",
            utf8proc_version());
    /* pages of 256 code points; page 0 is all-identity */
    size_t npages = NCP / 256;
    uint16_t *index = calloc(npages, sizeof *index);
    size_t nused = 1;
    for (size_t p = 0; p < npages; p++) {
        int any = 0;
        for (size_t i = 0; i < 256 && !any; i++) {
            uint32_t c = (uint32_t)(p * 256 + i);
            any = target[c] || flags[c];
        }
        if (any)
            index[p] = (uint16_t)nused++;
    }
    /* multi strings */
    size_t nmulti = 0;
    fprintf(f, "const char *const rb_fold_multi[] = {\n");
    uint32_t *multi_idx = calloc(NCP, sizeof *multi_idx);
    for (uint32_t c = 0; c < NCP; c++)
        if (multi[c]) {
            fprintf(f, "  ");
            c_string(f, multi[c]);
            fprintf(f, ", /* U+%04X */\n", c);
            multi_idx[c] = (uint32_t)nmulti++;
        }
    fprintf(f, "  0};\nconst size_t rb_fold_nmulti = %zu;\n\n", nmulti);
    fprintf(f, "const uint16_t rb_fold_index[%zu] = {", npages);
    for (size_t p = 0; p < npages; p++)
        fprintf(f, "%s%u,", p % 32 ? "" : "\n  ", index[p]);
    fprintf(f, "};\n\nconst uint32_t rb_fold_pages[%zu][256] = {\n  {0},\n", nused);
    for (size_t p = 0; p < npages; p++) {
        if (!index[p])
            continue;
        fprintf(f, "  { /* U+%04zX */", p * 256);
        for (size_t i = 0; i < 256; i++) {
            uint32_t c = (uint32_t)(p * 256 + i);
            uint32_t v = flags[c] | (flags[c] & F_MULTI ? multi_idx[c] : target[c]);
            fprintf(f, "%s0x%x,", i % 16 ? "" : "\n    ", v);
        }
        fprintf(f, "},\n");
    }
    /* what the first pass of normalize.c (count_scripts) needs of each BMP code point, 2 bits
     * (16 KB, which the L1 cache holds): 0 nothing, 1 it changes in the view (a full-width
     * form), 2 simplified only, 3 traditional only (which changes) */
    fprintf(f, "};\n\nconst uint8_t rb_script_class[0x4000] = {");
    for (uint32_t q = 0; q < 0x4000; q++) {
        unsigned byte = 0;
        for (uint32_t k = 0; k < 4; k++) {
            uint32_t c = q * 4 + k;
            uint32_t v = flags[c] | (flags[c] & F_MULTI ? multi_idx[c] : target[c]);
            unsigned ch = (v & (F_DELETE | F_MULTI | 0x1FFFFFu)) && !(v & F_AMBIG);
            unsigned cls = v & F_TRAD ? 3 : v & F_SIMP ? 2 : ch;
            if ((cls == 3 && !ch) || (cls == 2 && ch)) {
                fprintf(stderr, "gentables: U+%04X: a script and a change the 2 bits of "
                                "rb_script_class cannot say together\n", c);
                exit(1);
            }
            byte |= cls << (2 * k);
        }
        fprintf(f, "%s%u,", q % 32 ? "" : "\n  ", byte);
    }
    fprintf(f, "};\n\nconst char *const rb_phrase_from[] = {\n");
    for (size_t i = 0; i < nphrases; i++) {
        fprintf(f, "  ");
        c_string(f, phrases[i].from);
        fprintf(f, ",\n");
    }
    fprintf(f, "  0};\nconst char *const rb_phrase_to[] = {\n");
    for (size_t i = 0; i < nphrases; i++) {
        fprintf(f, "  ");
        c_string(f, phrases[i].to);
        fprintf(f, ",\n");
    }
    fprintf(f, "  0};\nconst unsigned char rb_phrase_tw[] = {");
    for (size_t i = 0; i < nphrases; i++)
        fprintf(f, "%s%d,", i % 32 ? "" : "\n  ", phrases[i].tw);
    fprintf(f, "0};\nconst size_t rb_nphrases = %zu;\n", nphrases);
    fprintf(f, "/* jieba's frequency of each reading of a Taiwan phrase (0: not a word) */\n"
               "const long rb_phrase_freq_from[] = {");
    for (size_t i = 0; i < nphrases; i++)
        fprintf(f, "%s%ld,", i % 16 ? "" : "\n  ", freq_from[i]);
    fprintf(f, "0};\nconst long rb_phrase_freq_to[] = {");
    for (size_t i = 0; i < nphrases; i++)
        fprintf(f, "%s%ld,", i % 16 ? "" : "\n  ", freq_to[i]);
    fprintf(f, "0};\n/* jieba words that hold a reading and more, sorted: a phrase's neighbours */\n"
               "const char *const rb_twctx_word[] = {\n");
    for (size_t i = 0; i < nctxw; i++) {
        fprintf(f, "  ");
        c_string(f, ctxw[i].w);
        fprintf(f, ",\n");
    }
    fprintf(f, "  0};\nconst long rb_twctx_freq[] = {");
    for (size_t i = 0; i < nctxw; i++)
        fprintf(f, "%s%ld,", i % 16 ? "" : "\n  ", ctxw[i].freq);
    fprintf(f, "0};\nconst size_t rb_ntwctx = %zu;\n", nctxw);
    if (fclose(f) != 0) {
        perror(argv[2]);
        return 1;
    }
    fprintf(stderr, "gentables: %zu pages, %zu multi, %zu phrases, %zu context words\n", nused,
            nmulti, nphrases, nctxw);
    return 0;
}
