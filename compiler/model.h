/* model.h: the document model, the facts, and the structs behind the opaque types of
 * rulebook.h, shared by the stages of the library and by its tests (not by main.c).
 *
 * Ownership: every rb_X_new/rb_X_load returns an object the caller frees with rb_X_free.
 * Strings inside returned structs belong to the struct. Spans (rb_span) are offsets into the
 * normalized view (rb_view.text) of the document that holds them. */
#ifndef RULEBOOK_MODEL_H
#define RULEBOOK_MODEL_H

#include "rulebook.h"

/* Room for one more item in a growable array: v has n items and room for cap; doubles (from
 * 16) when full. */
#define RB_GROW(v, n, cap)                                                                     \
    do {                                                                                       \
        if ((n) >= (cap)) {                                                                    \
            (cap) = (cap) ? 2 * (cap) : 16;                                                    \
            (v) = rb_xrealloc((v), (cap) * sizeof *(v));                                       \
        }                                                                                      \
    } while (0)

/* ---- maps (doc.c) ---------------------------------------------------------------------------- */

/* A map from integer keys (ordinals, bigram codes) to sizes, open addressing; zero-initialise,
 * rb_omap_free. */
typedef struct rb_omap {
    struct rb_omap_slot {
        long k; /* the stored key (never 0: 0 is an empty slot) */
        size_t v;
    } *s;       /* key and value side by side: a probe touches one cache line */
    size_t cap, n;
} rb_omap;
/* The value slot of key, inserted with value 0 when absent (*fresh set to 1). */
size_t *rb_omap_slot(rb_omap *m, long key, int *fresh);
/* Room for n keys without growing (an empty map; a hint, not a limit) */
void rb_omap_reserve(rb_omap *m, size_t n);
void rb_omap_put_first(rb_omap *m, long key, size_t val); /* keeps an existing value */
size_t rb_omap_get(const rb_omap *m, long key);             /* (size_t)-1 when absent */
void rb_omap_free(rb_omap *m);
/* A map from strings to sizes (the strings are borrowed: they must outlive the map). */
typedef struct rb_smap {
    const char **k;
    size_t *v;
    size_t cap, n;
} rb_smap;
/* The value slot of key, inserted with value 0 when absent (*fresh set to 1). */
size_t *rb_smap_slot(rb_smap *m, const char *key, int *fresh);
size_t rb_smap_get(const rb_smap *m, const char *key); /* (size_t)-1 when absent */
void rb_smap_free(rb_smap *m);


/* ---- UTF-8 (utf8.c) ---------------------------------------------------------------------- */

/* A set of BMP code points as 0x10000 bits (RB_BMP_WORDS words): the first characters of a
 * table's keys or of phrases, asked before a lookup. A code point above the BMP is always in
 * (the set cannot say). */
#define RB_BMP_WORDS (0x10000 / 64)
static inline void rb_bmp_add(uint64_t *set, uint32_t cp)
{
    if (cp < 0x10000)
        set[cp >> 6] |= 1ull << (cp & 63);
}
static inline int rb_bmp_may_have(const uint64_t *set, uint32_t cp)
{
    return cp >= 0x10000 || (set[cp >> 6] >> (cp & 63) & 1);
}

/* Offset of the first invalid byte, or (size_t)-1 when s[0..n) is valid UTF-8 (no overlongs,
 * no surrogates, nothing above U+10FFFF). */
size_t rb_utf8_invalid_at(const char *s, size_t n);
/* The same, and where the first U+FFFE or U+FFFF is (before the invalid byte; (size_t)-1:
 * none): one pass for both */
size_t rb_utf8_check(const char *s, size_t n, size_t *nonchar);
/* The same, a character at a time (what rb_utf8_check falls back on; tests hold the block
 * check to it) */
size_t rb_utf8_check_bytes(const char *s, size_t n, size_t *nonchar);
/* The first U+FFFE or U+FFFF (EF BF BE, EF BF BF) in s, or (size_t)-1 */
size_t rb_utf8_nonchar(const char *s, size_t n);
/* Decode one code point from valid UTF-8; returns its byte length (>=1). Inline: the
 * character loops of check and extract call it for every character. */
static inline int rb_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0) {
        *cp = 0;
        return 1;
    }
    unsigned c = s[0];
    if (c < 0x80 || n < 2) {
        *cp = c;
        return 1;
    }
    if (c < 0xE0) {
        *cp = ((c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0 || n < 4) {
        if (n < 3) {
            *cp = c;
            return 1;
        }
        *cp = ((c & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    *cp = ((c & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    return 4;
}
/* Encode cp (below U+110000) as UTF-8 into out; returns its length. Inline: the fold calls it
 * for every character it changes. */
/* The code point of the three-byte sequence at u (a lead byte E0-EF and two continuation
 * bytes: valid UTF-8), for loops over CJK text whose step is known. */
static inline uint32_t rb_utf8_cp3(const unsigned char *u)
{
    return ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
}

static inline int rb_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}
/* The length of s cut to at most max bytes, at a character boundary (for messages). */
size_t rb_utf8_cut(const char *s, size_t max);
/* After snprintf wrote `written` (its return) into buf[cap]: when it was cut, end at a whole
 * character with an ellipsis instead of inside one. */
void rb_utf8_fit(char *buf, size_t cap, int written);
size_t rb_utf8_count(const char *s, size_t n); /* code points */
uint32_t rb_utf8_last(const char *s, size_t n);  /* the last code point, 0 for none */
/* memmem's answer (the first place of k in s, or NULL), sixteen places a step where SSE2 is
 * (a place whose first and last bytes fit is compared whole): glibc's memmem takes a hash
 * step a byte for a short k, and a key or a character is what is looked for here. */
const char *rb_memmem(const char *s, size_t n, const char *k, size_t kl);

/* ---- SHA-256 (sha256.c) ------------------------------------------------------------------ */

void rb_sha256(const void *data, size_t len, uint8_t out[32]);
void rb_sha256_hex(const void *data, size_t len, char out[65]);

/* ---- source (source.c) ------------------------------------------------------------------- */

typedef struct rb_source {
    char *path;           /* as given, for diagnostics */
    char *text;           /* decoded UTF-8, NUL-terminated, BOM removed */
    size_t len;
    const char *encoding; /* "UTF-8", "UTF-8+BOM", "UTF-16LE", "UTF-16BE", "GB18030" */
    unsigned line_ends;   /* the line ends the input used: RB_LE_LF | RB_LE_CRLF | RB_LE_CR */
    int xml_controls;     /* text holds a C0 control other than tab, LF, CR (not in XML 1.0) */
    char sha256[65];      /* hex digest of the raw input bytes ("" when not asked for) */
    size_t raw_len;
    uint32_t *line_start; /* offsets in text of each line; nlines entries (32 bits: a text of
                             4 GiB or more is refused, index_lines) */
    size_t nlines;
    /* While a traditional text's simplified view is in use (rb_source_compact), text is NULL
     * and the source is that view plus the characters where the two differ: a third of its
     * size. rb_source_copy reads it either way. */
    struct rb_source_patch *patch;
    /* rb_source_linecol's cursor: cur_chars characters from the start of line cur_line to
     * offset cur_off, so that the next offset on that line counts from there (the facts of a
     * sentence, the paragraphs of an article line) and not from the line's start */
    size_t cur_line, cur_off, cur_chars;
    size_t last_line; /* the line of the last offset asked for (it and its next are tried first) */
} rb_source;

rb_status rb_source_load(const char *path, const rb_limits *lim, rb_source **out, rb_error *err);
/* The bytes of a file, or of standard input for "-" (read once, the same bytes for every "-"),
 * within lim (NULL: the defaults); NUL-terminated, caller frees. */
rb_status rb_input_read(const char *path, const rb_limits *lim, char **buf, size_t *n,
                        rb_error *err);
rb_status rb_source_from_bytes(const char *name, const char *bytes, size_t n,
                               const rb_limits *lim, rb_source **out, rb_error *err);
/* The same, with the raw bytes' SHA-256 only when digest is non-zero (else sha256 is empty:
 * it is written to the Akoma Ntoso only, a caller that writes none spares the pass). */
rb_status rb_source_load_as(const char *path, const rb_limits *lim, int digest,
                            rb_source **out, rb_error *err);
rb_status rb_source_from_bytes_as(const char *name, const char *bytes, size_t n,
                                  const rb_limits *lim, int digest, rb_source **out,
                                  rb_error *err);
void rb_source_free(rb_source *src);
enum { RB_LE_LF = 1, RB_LE_CRLF = 2, RB_LE_CR = 4 };
/* The input's line ends, as rb:source/@lineEnd says them: "LF" (also for a text without
 * any), "CRLF", "CR" (a lone CR, an old Mac file's), or "mixed" (more than one kind). */
const char *rb_source_line_end_name(const rb_source *src);
/* 1-based line and code-point column of a byte offset in text (moves the source's cursor). */
void rb_source_linecol(rb_source *src, size_t off, unsigned *line, unsigned *col);
/* Bytes [a,z) of the source's text into out (z - a bytes, no NUL), compacted or not. */
void rb_source_copy(const rb_source *src, size_t a, size_t z, char *out);
unsigned char rb_source_byte(const rb_source *src, size_t off);
/* Undo rb_source_compact in the view's own buffer buf, which the source takes (grown, perhaps
 * moved: returned); the caller gives the view's text up. */
char *rb_source_restore(rb_source *src, char *buf);
/* The bytes the source holds its text in: len + 1, or a compacted source's own (the view's
 * text and map, which it reads, not counted). */
size_t rb_source_held(const rb_source *src);

/* ---- normalized view (normalize.c) ------------------------------------------------------- */

typedef enum rb_script {
    RB_SCRIPT_NONE = 0, /* no Han characters that tell */
    RB_SCRIPT_SIMPLIFIED,
    RB_SCRIPT_TRADITIONAL,
    RB_SCRIPT_MIXED
} rb_script;
const char *rb_script_name(rb_script s);

/* 8 bytes: the view and its source are under 4 GiB, and a text whose punctuation is full-width
 * (， -> ,) has an entry for every dozen characters */
typedef struct rb_mapent {
    uint32_t view; /* from this view offset on ... */
    uint32_t orig; /* ... orig offset = view offset + delta (rb_mapent_delta), orig here */
} rb_mapent;
static inline int64_t rb_mapent_delta(rb_mapent e) { return (int64_t)e.orig - (int64_t)e.view; }
/* The last of map[0..n) whose view offset (or, by_orig, source offset) is at or before x, when
 * map[0]'s is (both grow along the map). Inline: the hot paths of the view's offsets and of a
 * compacted source's reads search it. */
static inline size_t rb_map_search(const rb_mapent *map, size_t n, size_t x, int by_orig)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if ((by_orig ? map[mid].orig : map[mid].view) <= x)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The matching view: NFKC width folding (full-width forms, U+3000/NBSP spaces, small-form
 * punctuation; full-width ，：；（） become ASCII), zero-width characters dropped, CR LF and CR
 * become LF, traditional -> simplified characters (OpenCC's tables) and, for a traditional
 * document, OpenCC's traditional phrases (計畫 -> 计划) and, when the text was converted
 * with Taiwan phrasing, its Taiwan phrases (檔案->文件, 程式->程序) where the evidence says the
 * mainland reading is the likely one (normalize.c). Line i of the view is line i of the
 * source. */
typedef struct rb_view {
    char *text;
    size_t len;
    rb_mapent *map;
    size_t nmap;
    size_t nlines; /* the source's count: line i starts after the view's i-th LF (the parse
                      walks them in order; no index is kept) */
    rb_script script;
    size_t n_trad, n_simp; /* characters that only one script uses */
    size_t first_trad, first_simp; /* view offset of the first such character, or SIZE_MAX */
    int taiwan_phrasing;           /* Taiwan phrases were folded too */
    int aliased;                   /* text is the source's (nothing to fold) */
    /* rb_view_to_orig's last map entry (a cache it keeps, the view being const to it: the
     * offsets come mostly in order, and a text with full-width punctuation has an entry every
     * dozen characters) */
    size_t map_cur;
} rb_view;

rb_status rb_view_build(const rb_source *src, rb_view **out, rb_error *err);
/* Keep src as its view v (whose text and map the caller keeps alive and unchanged) plus where
 * the two differ: characters the view has another 3-byte character for, and the source's own
 * bytes where the view's differ in length (v's map says where; a full-width form of the
 * view's ASCII byte is a bit of its map entry); the text is freed (NULL) and rb_source_copy
 * reads it. Returns 1, else 0 with the source as it was (where the view is
 * longer than the source at some point, or the source is too large). */
int rb_source_compact(rb_source *src, const rb_view *v);
void rb_view_free(rb_view *v);
size_t rb_view_to_orig(const rb_view *v, size_t view_off);
/* Normalize a standalone UTF-8 string (no map). trad: 0 characters only, 1 with OpenCC's
 * traditional phrases, 2 with its Taiwan phrases too where their neighbours and the reference
 * prose say the mainland reading is the likely one (規範性檔案 -> 规范性文件, 程式 -> 程序).
 * Returns a malloc'd NUL-terminated string. */
char *rb_normalize_str(const char *s, size_t n, int trad, size_t *outlen);
/* Drop from the string s (valid UTF-8), in place, the characters the view drops (zero width
 * space, joiners, marks of direction, word joiner, BOM, soft hyphen): a site's hidden
 * watermark inside a title or a document number. Returns s. */
char *rb_drop_invisible(char *s);
/* Drop from s, in place, the white space between two Han characters: a title spaced out
 * for display (武 汉 市 人 民 政 府 工 作 规 则, 某市人民政府　工作规则). Returns s. */
char *rb_join_spaced(char *s);
/* 1 when the text s[0..n) is spaced out character by character (第 一 条 为 了 …), as its
 * first 512 Han characters show: its view leaves out the white space inside its lines
 * (normalize.c). */
int rb_letter_spaced(const char *s, size_t n);
/* The first BMP code point whose script class in the generated 2-bit table (the view's first
 * pass reads it) disagrees with its fold entry, or UINT32_MAX: none does (for the tests). */
uint32_t rb_script_class_mismatch(void);
/* How often jieba has the word w[0..n) among the context words of the Taiwan phrases (0: not
 * one of them), as the view weighs a phrase by its neighbours. */
long rb_twctx_freq_of(const char *w, size_t n);

/* ---- Chinese numerals (numeral.c) -------------------------------------------------------- */

/* Parse 一 … 九十九, 一百零一, 两, 〇/零, 十一 and 一十一, 千, and ASCII digits.
 * Returns 0 and sets *value, or -1 when s[0..n) is not a numeral. */
int rb_numeral_parse(const char *s, size_t n, long *value);
/* Format an ordinal as Chinese numerals (一, 十一, 二十, 一百零一) into out (>= 64 bytes). */
void rb_numeral_format(long v, char *out, size_t outsz);

/* ---- grammar (grammar.c) ----------------------------------------------------------------- */

/* Roles a structural pattern can play. The C code knows the roles; grammar/ YAML files gives the
 * patterns for each, so a new article style or junk line is a YAML change only. */
typedef enum rb_role {
    RB_ROLE_JUNK = 0,   /* page junk set aside: aggregator headers, footers, QR-code text */
    RB_ROLE_TOC,        /* a table-of-contents line: 第一章,第二章,… */
    RB_ROLE_CHAPTER,    /* group num, optional group heading */
    RB_ROLE_ARTICLE,    /* group num */
    RB_ROLE_POINT,      /* group num */
    RB_ROLE_TITLE,      /* group title */
    RB_ROLE_DOCNUMBER,  /* group docnumber (anywhere in a preface line) */
    RB_ROLE_DATE,       /* groups y, m, d */
    RB_ROLE_RECIPIENTS, /* whole line */
    RB_ROLE_ISSUER,     /* whole line */
    RB_ROLE_ADOPTED,    /* group meeting */
    RB_ROLE_HEADING,    /* a line that can be a chapter heading on its own */
    RB_ROLE_SPLIT,      /* where a chapter, article or point may start inside a line */
    RB_ROLE_ANNOTATION, /* inline junk set aside: pinyin after a character (規(guī)則) */
    RB_ROLE_NOTICE,     /* a line of the issuing notice (关于印发…的通知, 现予印发) */
    RB_ROLE_COUNT
} rb_role;

const char *rb_role_name(rb_role r);

typedef struct rb_pattern {
    char *id;        /* rule id, e.g. "article-dun" */
    rb_role role;
    char *kind;      /* free label (junk kind, article style) */
    char *source;    /* the regex as written (macros expanded) */
    char *file;      /* grammar file and line of the pattern, for messages */
    unsigned line;
    void *code;      /* pcre2_code_8 * */
    char **examples; /* strings that must match */
    size_t nexamples;
    char **counter;  /* strings that must not match */
    size_t ncounter;
    int level;         /* article styles: 1 outranks 2 (第一条 over 一、 over 1、); 0 none */
    int outranks_from; /* how many lines of this style it takes to outrank lower ones */
} rb_pattern;

struct rb_grammar {
    char *dir;
    char *version;
    rb_pattern *patterns;
    size_t npatterns;
    size_t by_role[RB_ROLE_COUNT][64]; /* pattern indexes per role, in file order */
    size_t nby_role[RB_ROLE_COUNT];
    /* per role of two or more patterns: one regex of them all as alternatives, which fails
     * where every one of them would (a line asks it once, not each pattern); NULL: none (a
     * pattern that numbers its groups or steers the backtracking, see rb_structure_gates) */
    void *role_gate[RB_ROLE_COUNT];
    void *mctx;  /* pcre2_match_context_8 *: match, depth and heap limits */
    void *mdata; /* pcre2_match_data_8 * shared by single-threaded callers */
    struct rb_extract_rules *extract; /* fact rules (extract.c), NULL until loaded */
    struct rb_check_rules *check;     /* check patterns and tables (check.c) */
    int no_prefilter; /* run every extraction rule on every sentence, ignoring `needs:` (tests) */
    int loading;      /* a file is being added: its examples run without JIT (grammar.c) */
    int examples_known; /* while rb_grammar_load adds its files: these bytes' examples all
                         * held in this build before, so they are not rerun (grammars.c) */
    int stamp_found;    /* after the load: it found such a stamp (examples_known was set) */
    struct rb_codecache *codes; /* while it loads: the patterns kept with the stamp (grammar.c) */
    size_t codes_taken;         /* how many patterns came from the stamp */
    /* one record for each regex made for this grammar, in the order they were made (a -j
     * worker's records line up with its parent's): what its matches cost while `profile` */
    rb_patstat *prof;
    size_t nprof, cprof;
    int profile;
    double clock_cost; /* what a clock read costs, measured when profile was set */
};

/* One more grammar file from memory (name is used in messages). */
rb_status rb_grammar_add_bytes(rb_grammar *g, const char *name, const char *data, size_t n,
                               rb_error *err);
/* The role gates (rb_grammar.role_gate) not built yet: rb_grammar_load builds them once
 * every file is added; a pattern added after drops its role's, and this builds it again. */
void rb_structure_gates(rb_grammar *g);
/* An empty grammar to add files to (rb_grammar_load checks the required roles; this does not). */
rb_grammar *rb_grammar_new(const char *dir);
/* Match pattern p against subject[0..n). Returns 1 match, 0 no match, -1 error (limit hit,
 * err filled). ovector pairs are written to ov (at least 2*nov entries) as byte offsets. */
int rb_pattern_match(const rb_grammar *g, const rb_pattern *p, const char *subject, size_t n,
                     size_t start, size_t *ov, size_t nov, rb_error *err);
/* Byte range of a named group in the last match (ov from rb_pattern_match); -1 if unset. */
int rb_pattern_group(const rb_pattern *p, const char *name, const size_t *ov, size_t nov,
                     size_t *s, size_t *e);

/* ---- metadata sidecar (meta.c) ----------------------------------------------------------- */

typedef struct rb_meta {
    char *id, *title, *jurisdiction, *level, *script, *date, *docnumber, *supersedes,
        *source, *issuer;
    char *path; /* where it was read from */
} rb_meta;

rb_status rb_meta_load(const char *path, rb_meta **out, rb_error *err);
rb_status rb_meta_load_bytes(const char *name, const char *data, size_t n, rb_meta **out,
                             rb_error *err);
void rb_meta_free(rb_meta *m);

/* ---- document model (doc.c) -------------------------------------------------------------- */

typedef struct rb_span {
    size_t off, len; /* in the view */
} rb_span;

/* A span in 32 bits, where one is kept for every line (rb_block): view offsets fit, as the
 * view is under 4 GiB (rb_view_build refuses a larger one). rb_span_of widens it,
 * rb_span32_of narrows a span of the view. */
typedef struct rb_span32 {
    uint32_t off, len;
} rb_span32;

static inline rb_span rb_span_of(rb_span32 s) { return (rb_span){s.off, s.len}; }
static inline rb_span32 rb_span32_of(rb_span s)
{
    return (rb_span32){(uint32_t)s.off, (uint32_t)s.len};
}

typedef enum rb_block_kind { RB_BLOCK_P = 0, RB_BLOCK_POINT } rb_block_kind;

/* One line of article (or chapter intro) text: a plain paragraph line or a numbered point.
 * 28 bytes: a text copied out of a PDF has a block for every 30 characters or so. */
typedef struct rb_block {
    rb_span32 num;    /* point number as written, e.g. （一）; len 0 for P */
    rb_span32 text;   /* the content after the number */
    int32_t ordinal;  /* point ordinal (a numeral is at most about 10^9: rb_numeral_parse) */
    unsigned line;
    uint16_t style; /* numbering style of a point (its pattern, up to 65,535), for the
                       sequence checks */
    uint8_t kind;   /* rb_block_kind */
} rb_block;

/* 40 bytes: a text of many short articles has one for every 400 bytes or so. Counts of blocks
 * and chapters fit 32 bits as the view is under 4 GiB (a block a line at the least). */
typedef struct rb_article {
    rb_span32 num; /* 一、 or 第一条 as written */
    long ordinal;
    const char *eid; /* in the document's eids (or a constant); at most RB_EID_MAX - 1 bytes */
    unsigned line;
    int32_t chapter; /* index into chapters, or -1 */
    uint32_t first_block, nblocks;
} rb_article;
#define RB_EID_MAX 64

typedef struct rb_chapter {
    rb_span num; /* 第一章 */
    long ordinal;
    rb_span heading; /* len 0 when missing */
    unsigned line, heading_line;
    size_t first_article, narticles;
    size_t first_intro, nintro; /* blocks between heading and first article */
    char eid[32];
} rb_chapter;

typedef enum rb_mark_kind {
    RB_MARK_DOCNUMBER = 0,
    RB_MARK_DATE,
    RB_MARK_TITLE,
    RB_MARK_ISSUER,
    RB_MARK_RECIPIENTS,
    RB_MARK_ADOPTED
} rb_mark_kind;

/* A preface line; marks (inline docNumber, docDate …) refer into it. */
typedef struct rb_pline {
    rb_span text;
    unsigned line;
    int is_title; /* the rulebook title (longTitle) */
    size_t first_mark, nmarks;
} rb_pline;

typedef struct rb_mark {
    rb_mark_kind kind;
    rb_span span;
    char value[32]; /* ISO date for RB_MARK_DATE */
} rb_mark;

/* A span of the source set aside (page junk, a TOC line, an injected insertion, a duplicate
 * copy). Junk spans are subtracted from any node text that contains them. */
typedef struct rb_junk {
    rb_span span;
    /* junk of a line of its own: the whole line, its indent and line end included (a text
     * that runs over it reads on as if the line were not there); len 0 otherwise */
    rb_span lines;
    unsigned line, col;
    char kind[32]; /* page-junk, toc, insertion, duplicate-copy */
    char rule[64];
} rb_junk;

struct rb_facts;

struct rb_doc {
    rb_source *src;
    rb_view *view;
    char *name;          /* display path */
    size_t max_articles; /* the parser stops beyond this many (0: no limit) */
    /* metadata, each NULL when unknown; *_from says "text" or "sidecar" */
    char *id, *title, *jurisdiction, *level, *date, *docnumber, *supersedes, *source_url,
        *issuer, *adopted;
    const char *date_from, *docnumber_from, *title_from;
    char *grammar_version;
    rb_pline *plines;
    size_t nplines, cplines;
    rb_mark *marks;
    size_t nmarks, cmarks;
    rb_chapter *chapters;
    size_t nchapters, cchapters;
    rb_article *articles;
    size_t narticles, carticles;
    rb_block *blocks;
    size_t nblocks, cblocks;
    rb_junk *junk;
    size_t njunk, cjunk;
    int articles_style_tiao; /* 第X条 style */
    size_t duplicate_runs;
    /* the tail of an article whose number the text does not show (an excerpt that opens in
     * the middle of an article, or a text without article numbers): ordinal 0, eId
     * hcontainer_1; NULL when the body starts with a chapter or an article */
    rb_article *cont;
    char *eids;             /* the articles' eIds, one after another */
    struct rb_facts *facts; /* extract.c; NULL until extracted */
    rb_factstore *facts_store; /* where the facts' strings go (rb_compile_opts; borrowed) */
    /* the document is only written out (rb_compile_opts.write_only): the facts' verbatim
     * texts that differ from their normalized ones are read from it when written, not copied
     * (rb_fact_text) */
    int facts_text_lazy;
};

rb_doc *rb_doc_new(void);
void rb_doc_free(rb_doc *d);
/* The original-script text of a view span with junk spans inside it removed. Caller frees. */
char *rb_doc_text(const rb_doc *d, rb_span s);
/* The same appended to out (a buffer the caller reuses: no string of its own). */
void rb_doc_text_to(const rb_doc *d, rb_span s, rb_buf *out);
struct rb_arena;
/* The same in the arena a (the span with no junk inside, the usual case, copied straight in). */
char *rb_doc_text_in(const rb_doc *d, rb_span s, struct rb_arena *a);
/* The normalized-view text of a span with junk removed. Caller frees. */
char *rb_doc_norm(const rb_doc *d, rb_span s);
/* The original-script text of a span as it is in the source, junk included. Caller frees. */
char *rb_doc_raw(const rb_doc *d, rb_span s);
/* Tree dump used by the spec tests and `compile --format tree`. */
void rb_doc_dump(const rb_doc *d, rb_buf *out);
/* One line per preface line, chapter and article, in the original text (`--format lines`,
 * the git textconv view: a line diff of two of these is aligned by article). */
void rb_doc_lines(const rb_doc *d, rb_buf *out);

/* ---- facts (extract.c) ----------------------------------------------------------------------- */

/* A field of a fact: one item for a scalar, several for a list. */
typedef struct rb_field {
    char *name;
    char *words; /* the words the value came from, original script; NULL for constants */
    char **items;
    char **iwords; /* per item, the words it was read from (original script), or NULL; the
                      array itself is NULL when no item has words */
    uint32_t n;     /* (40 bytes a field: a fact has four or five) */
    uint8_t list;   /* written as a list even with one item */
    uint8_t number; /* items are numbers */
} rb_field;

/* The dimensions the C code reads, resolved from the grammar's dimension ids once (at grammar
 * load and when a facts XML is read back); a dimension of any other id is RB_DIM_OTHER and is
 * shown generically. */
typedef enum rb_dim {
    RB_DIM_OTHER = 0,
    RB_DIM_COMPOSITION,
    RB_DIM_INSTITUTION,
    RB_DIM_MEETINGS,
    RB_DIM_SIGNING,
    RB_DIM_LEAVE,
    RB_DIM_DEADLINES,
    RB_DIM_COUNT
} rb_dim;

rb_dim rb_dim_of(const char *id);
const char *rb_dim_id(rb_dim k); /* "" for RB_DIM_OTHER */

/* The field names the C code reads. A grammar that renames one of the fields a known
 * dimension must give (rb_dim_fields) fails to load instead of emptying a table. */
#define RB_F_ACTION "action"
#define RB_F_AMOUNT "amount"
#define RB_F_AMOUNT_MAX "amount_max"
#define RB_F_APPROVER "approver"
#define RB_F_BOUND "bound"
#define RB_F_CONDITION "condition"
#define RB_F_CONFLICT "conflict"
#define RB_F_CONVENER "convener"
#define RB_F_COUNT "count"
#define RB_F_COUNT_MAX "count_max"
#define RB_F_COUNT_MIN "count_min"
#define RB_F_DIRECTION "direction"
#define RB_F_DOCUMENT "document"
#define RB_F_HEDGE "hedge"
#define RB_F_KIND "kind"
#define RB_F_MEETINGS "meetings"
#define RB_F_MEMBERS "members"
#define RB_F_NAME "name"
#define RB_F_NOTICE_AMOUNT "notice_amount"
#define RB_F_NOTICE_UNIT "notice_unit"
#define RB_F_OCCASION "occasion"
#define RB_F_PERIOD "period"
#define RB_F_PER_YEAR_MAX "per_year_max"
#define RB_F_PER_YEAR_MIN "per_year_min"
#define RB_F_RELATIVE_TO "relative_to"
#define RB_F_REVIEWER "reviewer"
#define RB_F_ROLE "role"
#define RB_F_SIGNER "signer"
#define RB_F_THRESHOLD_AMOUNT "threshold_amount"
#define RB_F_THRESHOLD_UNIT "threshold_unit"
#define RB_F_TRIGGER "trigger"
#define RB_F_TYPE "type"
#define RB_F_UNIT "unit"
#define RB_F_VERB "verb"
#define RB_F_WHEN "when"
#define RB_F_WHO "who"
#define RB_F_WRITTEN "written"

/* The fields the rules of dimension k must be able to set (NULL-terminated). */
const char *const *rb_dim_fields(rb_dim k);

/* A fact: where it is (rulebook article, eId, line/col), the verbatim span in the original
 * script, the same span normalized, a one-line summary and the normalized fields. */
/* An arena of strings: allocated one after another in large blocks and freed all at once (the
 * facts of a document hold millions of short strings; malloc spends more on each than its
 * bytes). */
typedef struct rb_arena {
    struct rb_arena_block *head;
    rb_smap interned; /* string -> index in istr (rb_arena_intern) */
    char **istr;      /* the interned copies, apart from the blocks */
    size_t nistr, cistr;
    /* when set (borrowed), everything below happens in this arena instead (a mark and a
     * release too): this one holds nothing, and rb_arena_free of it frees nothing of the
     * pool's (an rb_factstore's) */
    struct rb_arena *pool;
} rb_arena;
/* The one arena of a run's rulebooks (rulebook.h), which their facts' arenas hand on to. */
struct rb_factstore {
    rb_arena arena;
};
/* A new rb_facts, its arena handing on to store's when there is one. */
struct rb_facts *rb_facts_new(rb_factstore *store);
char *rb_arena_strndup(rb_arena *a, const char *s, size_t n);
char *rb_arena_strdup(rb_arena *a, const char *s);
/* room for a string of n bytes and its NUL (written: p[n] is 0), for the caller to fill */
char *rb_arena_chars(rb_arena *a, size_t n);
/* s copied once: the same pointer for the same string (field names, dimensions, rules) */
char *rb_arena_intern(rb_arena *a, const char *s);
/* n bytes, aligned for any scalar, not cleared */
void *rb_arena_alloc(rb_arena *a, size_t n);
/* The array p of n elements of sz bytes with room for one more: when n is 0 or a power of
 * two, a copy twice as large (the old one stays in the arena); else p. An array that shrank
 * keeps its room. */
void *rb_arena_push(rb_arena *a, void *p, size_t n, size_t sz);
/* Where the arena is now, and back to it: what was allocated since is gone (a fact that
 * turned out not to be one). Interned strings stay. */
typedef struct rb_arena_mark {
    struct rb_arena_block *head;
    size_t used;
} rb_arena_mark;
rb_arena_mark rb_arena_mark_now(const rb_arena *a);
void rb_arena_release(rb_arena *a, rb_arena_mark m);
/* s (malloc'd, may be NULL) moved into the arena: freed, the copy returned */
char *rb_arena_take(rb_arena *a, char *s);
void rb_arena_free(rb_arena *a);
/* 1 when p lies in one of the blocks a's allocations are made in (its pool's, if it has one) */
int rb_arena_holds(const rb_arena *a, const void *p);

/* Every string of a fact and every array of its fields' items lives in the arena of the
 * rb_facts that holds it; a fact owns only its array of fields (rb_fact_clear frees it). */
typedef struct rb_fact {
    rb_arena *arena; /* the strings' owner: the arena of the rb_facts */
    char *dim, *rule;
    rb_dim kind; /* rb_dim_of(dim) */
    long article;
    char *eid;
    unsigned line, col;
    char *text;  /* verbatim original text; NULL in a document compiled to be written out
                    (rb_compile_opts.write_only) where it differs from norm: rb_fact_text
                    reads it from the document, at the view span `at` */
    char *norm;  /* normalized (simplified) text */
    rb_span32 at;
    char *value; /* summary of the normalized value */
    rb_field *fields;
    size_t nfields;
} rb_fact;

/* A sentence that looks like a dimension (has one of its keywords) but gave no fact. */
typedef struct rb_unmatched {
    char *dim;
    rb_dim kind;
    long article;
    char *eid;
    unsigned line;
    char *text; /* NULL in a document written out (as rb_fact.text): rb_unmatched_text */
    rb_span32 at;
} rb_unmatched;

typedef struct rb_facts {
    rb_fact *v;
    size_t n, cap;
    rb_unmatched *u;
    size_t nu, cu;
    rb_arena arena; /* the strings of v and u */
} rb_facts;

void rb_facts_free(rb_facts *f);
/* The verbatim text of a fact or an unmatched sentence of d: its own, or (where that is NULL)
 * read from d into tmp, which the caller reuses and frees. */
const char *rb_fact_text(const rb_fact *f, const rb_doc *d, rb_buf *tmp);
const char *rb_unmatched_text(const rb_unmatched *u, const rb_doc *d, rb_buf *tmp);
/* Every fact's and unmatched sentence's text of d made its own (facts that outlive d). */
void rb_facts_settle(rb_facts *fs, const rb_doc *d);
void rb_fact_clear(rb_fact *f); /* free a fact's fields array (the rest is the arena's) */
/* Append the value s (with the words it was read from, or NULL) unless the field holds it;
 * the copies are made in the arena a. */
void rb_field_push(rb_arena *a, rb_field *x, const char *s, const char *words);
/* The words of item i, or NULL. */
const char *rb_field_words(const rb_field *x, size_t i);
const rb_field *rb_fact_field(const rb_fact *f, const char *name);
/* First item of a field, or NULL. */
const char *rb_fact_str(const rb_fact *f, const char *name);
/* The extraction dimensions the grammar declares, in file order (ids and titles). */
size_t rb_extract_dims(const rb_grammar *g, const char ***ids, const char ***titles);
/* Run the extraction rules over a compiled document; facts go to d->facts. */
/* (tm, when given, gets the extraction's counts for --stat) */
rb_status rb_extract(const rb_grammar *g, rb_doc *d, rb_timings *tm, rb_error *err);

/* A rulebook as compare sees it: built from a compiled document or read back from XML. */
struct rb_rulebook {
    char *id, *title, *jurisdiction, *level, *script, *date, *docnumber, *file;
    size_t chapters, articles;
    rb_facts *facts;
};

/* ---- the comparison model (compare.c), printed by render_compare.c -------------------------- */

typedef struct rb_cmp_dim {
    const char *id, *title; /* borrowed from the grammar or the facts */
    rb_dim kind;
} rb_cmp_dim;

typedef struct rb_cmp {
    rb_rulebook *const *rbs; /* borrowed */
    size_t n;
    char **labels; /* per rulebook: jurisdiction and date, the id when needed to tell apart */
    rb_cmp_dim *dims;
    size_t ndims, cdims;
} rb_cmp;

void rb_cmp_init(rb_cmp *c, rb_rulebook *const *rbs, size_t n, const rb_grammar *g);
void rb_cmp_free(rb_cmp *c);

typedef struct rb_cmp_item {
    const rb_fact *f;
    char *text; /* in the words of the rulebook, codes beside: 市长 (head) 签发 */
} rb_cmp_item;

typedef struct rb_cmp_row {
    char *key;           /* what is compared: "minutes: executive", "absence: deputy_head" */
    char *words;         /* the words the rulebooks wrote the row's role with, or NULL */
    rb_cmp_item **cells; /* per rulebook */
    size_t *ncell;
} rb_cmp_row;

typedef struct rb_cmp_table {
    rb_cmp_row *rows;
    size_t nrows, crows, ncols;
} rb_cmp_table;

void rb_cmp_table_build(const rb_cmp *c, size_t dim, rb_cmp_table *t);
void rb_cmp_table_free(rb_cmp_table *t);
char *rb_cmp_fact_text(const rb_fact *f); /* malloc'd */
char *rb_cmp_fact_key(const rb_fact *f);  /* the first row key of the fact, malloc'd */
const char *rb_cmp_sect(long article, char buf[32]); /* §12, or §? for a continuation */

/* Distributions over many rulebooks, by level (province, city, county, district, unknown). */
size_t rb_cmp_nlevels(void);
size_t rb_cmp_level_index(const char *level);
const char *rb_cmp_level_name(size_t i);
double rb_cmp_meetings_per_year(const rb_rulebook *r, const char *type); /* <0: see compare.c */

typedef struct rb_cmp_stat {
    size_t rulebooks; /* in the group */
    size_t n;         /* with a regular frequency */
    size_t unstated;  /* with the meeting but no frequency */
    double min, q1, median, q3, max;
    size_t *outliers; /* rulebook indexes beyond 1.5 IQR from the quartiles */
    double *outlier_values;
    size_t nout;
} rb_cmp_stat;
/* level (size_t)-1: all rulebooks */
void rb_cmp_stats(const rb_cmp *c, const char *type, size_t level, rb_cmp_stat *s);
void rb_cmp_stat_free(rb_cmp_stat *s);

/* How many rulebooks of each level name each value of one field in the facts a query picks
 * (e.g. the signer of the minutes of executive meetings). */
typedef struct rb_cmp_query {
    const char *title;
    rb_dim kind;
    const char *field;                 /* the values counted */
    const char *sel_field, *sel_value; /* the facts: field holds value (NULL: all) */
    const char *sel2_field, *sel2_value;
} rb_cmp_query;
typedef struct rb_cmp_xrow {
    const char *key; /* borrowed from the facts */
    char *words;     /* up to four distinct words the value was written with, or NULL */
    size_t count[5], total;
    size_t last, nwords; /* internal: last rulebook counted + 1; words so far */
} rb_cmp_xrow;
typedef struct rb_cmp_xtab {
    rb_cmp_xrow *rows; /* most frequent first */
    size_t nrows, crows;
    size_t rulebooks[5]; /* per level */
    size_t none[5];      /* rulebooks of the level without any value */
} rb_cmp_xtab;
void rb_cmp_crosstab(const rb_cmp *c, const rb_cmp_query *q, rb_cmp_xtab *t);
void rb_cmp_xtab_free(rb_cmp_xtab *t);

/* ---- findings (check.c) ----------------------------------------------------------------------- */

/* What a finding is about, for legal staff: the copy is damaged (junk, repeats, inserted
 * characters), the law is inconsistent (conflicting deadlines, bodies renamed, citations of
 * replaced instruments), or the structure is broken (numbering, missing parts). */
typedef enum rb_category { RB_CAT_STRUCTURE = 0, RB_CAT_COPY, RB_CAT_CONSISTENCY } rb_category;
const char *rb_category_name(rb_category c);  /* "structure", "copy", "consistency" */
const char *rb_category_label(rb_category c); /* "structure", "damaged copy", "consistency" */

typedef struct rb_finding {
    char *rule;
    rb_severity severity;
    rb_category category;
    char *file;
    unsigned line, col;
    long article; /* 0 outside the articles */
    char *message; /* in the words of the text (市长, 3个工作日) */
    char *codes;   /* the same in codes (deputy_secretary_general, within 3 working_day), or NULL */
    char *key;     /* the words the fingerprint is made of */
    char fingerprint[17]; /* stable across moved lines: rule, rulebook, article, words */
    size_t repeats;       /* the same words in the same article again, not reported apart */
} rb_finding;

struct rb_findings {
    rb_finding *v;
    size_t n, cap;
    size_t files; /* documents checked */
    rb_omap seen; /* fingerprint -> index + 1 */
    rb_error trouble; /* the first pattern that gave up (match limit), or status RB_OK */
};

/* The rule catalogue: severity, category and one line of description per rule id. */
typedef struct rb_rule_info {
    const char *id;
    rb_severity sev;
    rb_category cat;
    const char *text;
} rb_rule_info;
const rb_rule_info *rb_check_rules(size_t *n);
const rb_rule_info *rb_check_rule(const char *id); /* NULL when unknown */

/* Free the findings a struct holds (one on the stack), not the struct. */
void rb_findings_clear(rb_findings *f);
void rb_finding_clear(rb_finding *f); /* the strings of one */

/* ---- diff (diff.c) ------------------------------------------------------------------------------ */

/* One line of the article map: old ordinals -> new ordinals. A modified article may also be
 * renumbered or moved (the flags). */
typedef struct rb_diff_entry {
    long *old, *new;
    size_t nold, nnew;
    size_t *old_idx, *new_idx; /* indexes into the documents' articles */
    rb_diff_status status;
    double similarity; /* Dice coefficient of character bigrams */
    int modified, renumbered, moved;
    long sort_key;
} rb_diff_entry;

const rb_diff_entry *rb_diff_entries(const rb_diff *df, size_t *n);

/* An article as diff compares it (diff.c), and what the renderer (render_diff.c) reads. */
typedef struct dart {
    const rb_doc *d;
    size_t idx;      /* in d->articles */
    long ordinal;
    long chapter;    /* index in d->chapters, -1 none */
    uint32_t *cp;    /* normalized code points, no whitespace, junk removed */
    uint32_t *vo;    /* view offset of each (the view is under 4 GiB: rb_view_build) */
    size_t n;
    uint64_t *grams; /* sorted distinct bigrams */
    size_t ng;
    long pair;       /* index of its map entry, -1 unmatched */
} dart;

/* a changed fact: dimension, label, old and new words, articles (-1 none) */
typedef struct fchange {
    char *dim, *label, *old, *new;
    long old_art, new_art;
} fchange;

struct rb_diff {
    const rb_doc *a, *b;
    dart *oa, *na;
    size_t noa, nna;
    rb_diff_entry *m;
    size_t nm, cm;
    long *chap_map; /* old chapter index -> new chapter index, or -1 */
    int partial_old, partial_new;
    int cut_new; /* NEW is an excerpt too (partial_new is then 0: it is compared as a whole),
                    so the facts of its last article say as little as OLD's */
    fchange *fc;
    size_t nfc, cfc;
    char *different; /* OLD and NEW look like two rulebooks: why (malloc'd), or NULL */
    rb_omap old_at, new_at; /* article ordinal -> index in oa / na */
};

/* The normalized heading of chapter c of d, without spaces ("" for none; malloc'd). */
char *rb_diff_heading(const rb_doc *d, long c);

/* ---- compile ------------------------------------------------------------------------------- */

/* The parse stage alone (parse.c): view -> model. */
rb_status rb_parse(const rb_grammar *g, rb_doc *doc, rb_diags *diags, rb_error *err);
/* The duplicate-run stage (dedup.c): called by rb_parse on restarted numbering. */
void rb_dedup(rb_doc *doc, rb_diags *diags);
void rb_doc_apply_meta(rb_doc *doc, const rb_meta *m, rb_diags *diags);
/* Without a sidecar's word: the jurisdiction and its level guessed from the title
 * (武汉市人民政府工作规则: 武汉市, city; a county-level city reads as a city). */
void rb_doc_guess_place(rb_doc *d);

#endif
