/* source.c: first stage. Raw bytes -> decoded UTF-8 text with a line index.
 * Detects a UTF-8 BOM, UTF-16/32 (by BOM) and GB18030/GBK (when the bytes are not UTF-8 but
 * decode cleanly as GB18030 into Chinese text), refuses binary or undecodable input with the
 * byte offset, and validates UTF-8 once so that later stages can skip the check.
 * Hands the normalize stage an rb_source whose text is valid UTF-8 without NUL bytes. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#if defined(__SSE2__) && !defined(RB_NO_SIMD)
#include <emmintrin.h>
#endif

void rb_limits_default(rb_limits *l)
{
    l->max_bytes = (size_t)1 << 30; /* 1 GiB */
    l->max_line = (size_t)1 << 20;  /* 1 MiB */
    l->max_articles = 1000000;
    l->max_control_pct = 1;
}

static rb_limits limits_or_default(const rb_limits *l)
{
    rb_limits d;
    if (l)
        return *l;
    rb_limits_default(&d);
    return d;
}

/* Convert with iconv; on failure *bad is the input offset that could not be converted. A
 * prefix (prefix: 1) may end inside a character: the conversion stops before it. */
static char *convert_as(const char *from, const char *in, size_t n, int prefix, size_t *outlen,
                        size_t *bad)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1) {
        *bad = 0;
        return NULL;
    }
    size_t cap = n * 2 + 16, used = 0;
    char *out = rb_xmalloc(cap);
    char *ip = (char *)in;
    size_t left = n;
    while (left > 0) {
        char *op = out + used;
        size_t oleft = cap - used - 1;
        size_t r = iconv(cd, &ip, &left, &op, &oleft);
        used = (size_t)(op - out);
        if (r == (size_t)-1) {
            if (errno == E2BIG) {
                cap *= 2;
                out = rb_xrealloc(out, cap);
                continue;
            }
            if (errno == EINVAL && prefix) {
                used = (size_t)(op - out);
                break; /* a character the prefix cuts */
            }
            *bad = (size_t)(ip - in);
            free(out);
            iconv_close(cd);
            return NULL;
        }
    }
    iconv_close(cd);
    out[used] = 0;
    *outlen = used;
    return out;
}

static char *convert(const char *from, const char *in, size_t n, size_t *outlen, size_t *bad)
{
    return convert_as(from, in, n, 0, outlen, bad);
}

/* Line and column (code points) of a byte offset in possibly-invalid bytes, for messages. */
static void raw_linecol(const char *s, size_t off, unsigned *line, unsigned *col)
{
    unsigned l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

/* The pinyin letters with tone marks of GB2312's row 8 (a reading after a character, 規(guī)則,
 * as some sites annotate their copies; ü, ê and the letters of the plain tones are among
 * them): Chinese text's own. */
static int pinyin_letter(uint32_t cp)
{
    static const uint16_t letters[] = {0xE0,  0xE1,  0xE8,  0xE9,  0xEA,  0xEC,  0xED,  0xF2,
                                       0xF3,  0xF9,  0xFA,  0xFC,  0x101, 0x113, 0x11B, 0x12B,
                                       0x144, 0x148, 0x14D, 0x16B, 0x1CE, 0x1D0, 0x1D2, 0x1D4,
                                       0x1D6, 0x1D8, 0x1DA, 0x1DC, 0x1F9, 0x251, 0x261};
    for (size_t k = 0; k < sizeof letters / sizeof *letters; k++)
        if (cp == letters[k])
            return 1;
    return 0;
}

/* The other characters that GB2312/GBK and Big5 carry for Chinese text beside the Han ones,
 * and that a rulebook uses: pinyin letters and tone marks (ˇ ˉ ˊ ˋ ˙), § ° ± · × ÷, Greek,
 * ℃ № Ⅰ and arrows, ≥ ≤ ∶, ① ⑴ ⒈, box drawing, ■ ○ ★, Bopomofo, ㈠ ㎡, the vertical forms ︵︶. */
static int chinese_companion(uint32_t cp)
{
    return pinyin_letter(cp) || cp == 0xA7 || cp == 0xA8 || cp == 0xB0 || cp == 0xB1 ||
           cp == 0xB7 || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2C7 && cp <= 0x2D9) ||
           (cp >= 0x391 && cp <= 0x3C9) || (cp >= 0x2100 && cp <= 0x22FF) ||
           (cp >= 0x2460 && cp <= 0x24FF) || (cp >= 0x2500 && cp <= 0x26FF) ||
           (cp >= 0x3100 && cp <= 0x312F) || (cp >= 0x31A0 && cp <= 0x31BF) ||
           (cp >= 0x3200 && cp <= 0x33FF) || (cp >= 0xFE30 && cp <= 0xFE4F);
}

/* Does a decoding read as Chinese text? GB18030 decodes most byte soup into *something*, so it
 * is accepted only where nine in ten of the non-ASCII characters are CJK ones (ideographs, CJK
 * punctuation, full-width forms, general punctuation). The other characters of the legacy
 * character sets (chinese_companion) count on neither side, as long as the CJK ones are at
 * least half of all: a copy annotated with pinyin throughout has one such letter in eight. */
static int looks_chinese(const char *s, size_t n)
{
    size_t cjk = 0, other = 0, companion = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = rb_utf8_decode(s + i, n - i, &cp);
        i += (size_t)k;
        if (cp < 0x80)
            continue;
        if ((cp >= 0x3000 && cp <= 0x303F) || (cp >= 0x3400 && cp <= 0x9FFF) ||
            (cp >= 0xFF00 && cp <= 0xFFEF) || (cp >= 0x2010 && cp <= 0x206F) || cp == 0xA0)
            cjk++;
        else if (chinese_companion(cp))
            companion++;
        else
            other++;
    }
    return cjk >= 4 && cjk * 10 >= (cjk + other) * 9 && cjk * 2 >= cjk + other + companion;
}

/* The share of the Han characters of a decoded text that occur in the reference of clean
 * government prose (after folding to simplified script): near 1 for a right decoding, low for
 * one that turned every two bytes into some rare character. */
static double common_share(const char *s, size_t n)
{
    size_t ln = 0;
    char *simp = rb_normalize_str(s, n, 1, &ln);
    size_t han = 0, known = 0;
    for (size_t i = 0; i < ln;) {
        uint32_t cp;
        i += (size_t)rb_utf8_decode(simp + i, ln - i, &cp);
        if (cp >= 0x3400 && cp <= 0x9FFF) {
            han++;
            known += (size_t)rb_ref_has_char(cp);
        }
    }
    free(simp);
    return han ? (double)known / (double)han : 0;
}

/* The legacy encodings of Chinese, in the order a tie goes: GB18030 (GBK, GB2312) on the
 * mainland, Big5 in Taiwan and Hong Kong. */
static const char *const legacy[] = {"GB18030", "BIG5-HKSCS", "CP950"};
#define NLEGACY (sizeof legacy / sizeof *legacy)

/* A text up to this long is told by the whole of it; a longer one by as many bytes from the
 * line of its first byte that is not UTF-8 (what comes before is ASCII, as a rule: a header,
 * a long English preface), then converted whole in the encoding they read best in (the next
 * best where the whole does not convert). Where they read as Chinese in none, the whole text
 * decides, as for a short one. Each try converted and scored the whole text (common_share
 * folds it): at 68 MB of GB18030, three conversions and three views held at once, 1.5 s and
 * 267 MiB. */
#define LEGACY_SAMPLE ((size_t)1 << 20)

/* The decoding of bytes[0, n) in the legacy encoding whose characters are the common ones of
 * government prose, each tried on the whole, with its score (-1: none converted into Chinese
 * text) and encoding; NULL when none converts. */
static char *legacy_whole(const char *bytes, size_t n, size_t *len, double *score,
                          const char **enc)
{
    char *best = NULL;
    *score = -1;
    for (size_t k = 0; k < NLEGACY; k++) {
        size_t bad = 0, olen = 0;
        char *t = convert(legacy[k], bytes, n, &olen, &bad);
        double sc = t && looks_chinese(t, olen) ? common_share(t, olen) : -1;
        if (sc > *score) {
            free(best);
            best = t;
            *len = olen;
            *score = sc;
            *enc = legacy[k];
        } else {
            free(t);
        }
    }
    return best;
}

/* The same, told by the sample of LEGACY_SAMPLE bytes from the start of the line of inv, the
 * first byte that is not UTF-8 (LF is no byte of a legacy character but itself), where the
 * text is longer. */
static char *legacy_decode(const char *bytes, size_t n, size_t inv, size_t *len, double *score,
                           const char **enc)
{
    if (n <= LEGACY_SAMPLE)
        return legacy_whole(bytes, n, len, score, enc);
    const char *nl = memrchr(bytes, '\n', inv);
    size_t from = nl ? (size_t)(nl - bytes) + 1 : 0;
    size_t sn = n - from < LEGACY_SAMPLE ? n - from : LEGACY_SAMPLE;
    double sc[NLEGACY];
    int any = 0;
    for (size_t k = 0; k < NLEGACY; k++) {
        size_t bad = 0, olen = 0;
        char *t = convert_as(legacy[k], bytes + from, sn, from + sn < n, &olen, &bad);
        sc[k] = t && looks_chinese(t, olen) ? common_share(t, olen) : -1;
        any |= sc[k] >= 0;
        free(t);
    }
    if (!any) /* not Chinese text there */
        return legacy_whole(bytes, n, len, score, enc);
    *score = -1;
    for (;;) { /* the best sample first (the first of equals) */
        size_t k = NLEGACY;
        for (size_t j = 0; j < NLEGACY; j++)
            if (sc[j] >= 0 && (k == NLEGACY || sc[j] > sc[k]))
                k = j;
        if (k == NLEGACY)
            return NULL;
        size_t bad = 0, olen = 0;
        char *t = convert(legacy[k], bytes, n, &olen, &bad);
        if (t) {
            *len = olen;
            *score = sc[k];
            *enc = legacy[k];
            return t;
        }
        sc[k] = -1; /* bytes further on are not this encoding */
    }
}

static size_t first_nul(const char *s, size_t n)
{
    const char *p = memchr(s, 0, n);
    return p ? (size_t)(p - s) : (size_t)-1;
}

/* A place from i no later than the first byte below 0x20 or 0x7F (or n): the bytes the scans
 * below look at are rare in text (a line break every few hundred bytes), so they skip 16
 * bytes a step with SSE2 (the byte itself), else a word a step (the start of its word). */
static size_t skip_plain(const char *s, size_t i, size_t n)
{
#if defined(__SSE2__) && !defined(RB_NO_SIMD)
    const __m128i c1f = _mm_set1_epi8(0x1F), c7f = _mm_set1_epi8(0x7F);
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v),
                                    _mm_cmpeq_epi8(v, c7f));
        int m = _mm_movemask_epi8(stop);
        if (m)
            return i + (size_t)__builtin_ctz((unsigned)m);
        i += 16;
    }
#endif
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t lt20 = (w - 0x20 * ones) & ~w & highs;
        uint64_t x7f = w ^ (0x7F * ones);
        uint64_t is7f = (x7f - ones) & ~x7f & highs;
        if (lt20 | is7f)
            return i;
        i += 8;
    }
    return i;
}

/* Control characters other than tab, LF, VT, FF, CR: more than a few means binary. The same
 * walk tells whether the text holds a C0 control XML 1.0 cannot carry (all but tab, LF, CR:
 * *xml_controls), which the writer then need not look for. */
static int looks_binary(const char *s, size_t n, unsigned max_pct, size_t *where,
                        int *xml_controls)
{
    size_t ctl = 0;
    int xc = 0;
    for (size_t i = 0; i < n; i++) {
        if ((i & 7) == 0 && (i = skip_plain(s, i, n)) >= n)
            break;
        unsigned char c = (unsigned char)s[i];
        xc |= c < 0x20 && c != '\t' && c != '\n' && c != '\r';
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') ||
            c == 0x7F) {
            if (ctl == 0)
                *where = i;
            ctl++;
        }
    }
    *xml_controls = xc;
    return max_pct < 100 && ctl > 8 && ctl * 100 > n * max_pct;
}

static rb_status index_lines(rb_source *src, const rb_limits *lim, rb_error *err)
{
    /* a line's start is kept in 32 bits (a text of short lines has one for every 30
     * characters or so) */
    if (src->len >= UINT32_MAX)
        return rb_error_set(err, RB_ELIMIT, "source", src->path, 1, 1, "input-too-large",
                            "the text is %zu bytes; the limit is 4 GiB", src->len);
    size_t cap = 64, n = 0;
    uint32_t *ls = rb_xmalloc(cap * sizeof *ls);
    ls[n++] = 0;
    const char *t = src->text;
    size_t len = src->len;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if ((i & 7) == 0 && (i = skip_plain(t, i, len)) >= len)
            break;
        char c = t[i];
        if (c != '\n' && c != '\r')
            continue;
        if (i - start > lim->max_line) {
            unsigned line = (unsigned)n;
            free(ls);
            return rb_error_set(err, RB_ELIMIT, "source", src->path, line, 1, "line-too-long",
                                "line %u is %zu bytes long; the limit is %zu bytes (is this a "
                                "rulebook text?)",
                                line, i - start, lim->max_line);
        }
        if (c == '\r' && i + 1 < len && t[i + 1] == '\n') {
            src->line_ends |= RB_LE_CRLF;
            i++;
        } else {
            src->line_ends |= c == '\r' ? RB_LE_CR : RB_LE_LF;
        }
        RB_GROW(ls, n, cap);
        ls[n++] = (uint32_t)(i + 1);
        start = i + 1;
    }
    if (len - start > lim->max_line) {
        unsigned line = (unsigned)n;
        free(ls);
        return rb_error_set(err, RB_ELIMIT, "source", src->path, line, 1, "line-too-long",
                            "line %u is %zu bytes long; the limit is %zu bytes (is this a "
                            "rulebook text?)",
                            line, len - start, lim->max_line);
    }
    /* A final line break does not start another line. */
    if (n > 1 && ls[n - 1] == len)
        n--;
    if (cap > n) /* the doubling's slack: the index lives as long as the source */
        ls = rb_xrealloc(ls, n * sizeof *ls);
    src->line_start = ls;
    src->nlines = n;
    return RB_OK;
}

static rb_status from_bytes(const char *name, char *owned, const char *bytes, size_t n,
                            const rb_limits *lim_in, int digest, rb_source **out,
                            rb_error *err);

rb_status rb_source_from_bytes(const char *name, const char *bytes, size_t n,
                               const rb_limits *lim_in, rb_source **out, rb_error *err)
{
    return from_bytes(name, NULL, bytes, n, lim_in, 1, out, err);
}

rb_status rb_source_from_bytes_as(const char *name, const char *bytes, size_t n,
                                  const rb_limits *lim_in, int digest, rb_source **out,
                                  rb_error *err)
{
    return from_bytes(name, NULL, bytes, n, lim_in, digest, out, err);
}

/* A file that is not plain text but a document of another kind, by its first bytes: what it
 * is and how to get its text, or NULL. */
static const char *document_kind(const char *b, size_t n)
{
    const unsigned char *u = (const unsigned char *)b;
    if (n >= 5 && memcmp(b, "%PDF-", 5) == 0)
        return "a PDF file, not a text: extract its text first (pdftotext -layout FILE FILE.txt)";
    if (n >= 4 && memcmp(b, "PK\x03\x04", 4) == 0) {
        if (memmem(b, n < 65536 ? n : 65536, "word/", 5))
            return "a Word .docx file (a zip archive), not a text: save it as plain text "
                   "(UTF-8) first, e.g. pandoc -t plain FILE -o FILE.txt";
        if (memmem(b, n < 65536 ? n : 65536, "content.xml", 11))
            return "an OpenDocument file (a zip archive), not a text: save it as plain text "
                   "(UTF-8) first, e.g. libreoffice --convert-to txt FILE";
        return "a zip archive, not a text: unpack it and compile the .txt files in it";
    }
    if (n >= 8 && u[0] == 0xD0 && u[1] == 0xCF && u[2] == 0x11 && u[3] == 0xE0)
        return "a Word .doc file (OLE), not a text: save it as plain text (UTF-8) first, e.g. "
               "libreoffice --convert-to txt FILE, or antiword FILE";
    if (n >= 5 && memcmp(b, "{\\rtf", 5) == 0)
        return "an RTF file, not a text: save it as plain text (UTF-8) first";
    /* HTML: the first tag, after a BOM and blanks */
    size_t i = n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF ? 3 : 0;
    while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
        i++;
    static const char *const tags[] = {"<!doctype html", "<html", "<head", "<body", "<meta"};
    for (size_t k = 0; k < sizeof tags / sizeof *tags; k++)
        if (n - i >= strlen(tags[k]) && strncasecmp(b + i, tags[k], strlen(tags[k])) == 0)
            return "an HTML page, not a text: save the text of the page first (the browser's "
                   "Save as text, or html2text FILE > FILE.txt)";
    return NULL;
}

/* owned: a malloc'd buffer holding bytes (n + 1 bytes) that becomes the text when the input
 * is UTF-8 already (no copy of a large file); freed otherwise. */
static rb_status from_bytes(const char *name, char *owned, const char *bytes, size_t n,
                            const rb_limits *lim_in, int digest, rb_source **out,
                            rb_error *err)
{
    rb_limits lim = limits_or_default(lim_in);
    *out = NULL;
    if (n > lim.max_bytes) {
        free(owned);
        return rb_error_set(err, RB_ELIMIT, "source", name, 0, 0, "input-too-large",
                            "input is %zu bytes; the limit is %zu bytes", n, lim.max_bytes);
    }
    if (n == 0) {
        free(owned);
        return rb_error_set(err, RB_EINPUT, "source", name, 1, 1, "input-empty",
                            "empty file: there is no text to compile");
    }

    const char *what = document_kind(bytes, n);
    if (what) {
        free(owned);
        return rb_error_set(err, RB_EINPUT, "source", name, 1, 1, "input-not-text", "%s", what);
    }

    rb_source *src = rb_xcalloc(1, sizeof *src);
    src->path = rb_xstrdup(name);
    src->raw_len = n;
    if (digest)
        rb_sha256_hex(bytes, n, src->sha256);
    const unsigned char *u = (const unsigned char *)bytes;
    const char *from = NULL;
    size_t skip = 0;
    size_t nonchar = (size_t)-1; /* the first U+FFFE or U+FFFF of the text */
    int checked = 0;             /* the text is validated UTF-8 bytes: NUL and nonchar known */

    if (n >= 4 && u[0] == 0xFF && u[1] == 0xFE && u[2] == 0 && u[3] == 0) {
        from = "UTF-32LE"; skip = 4;
    } else if (n >= 4 && u[0] == 0 && u[1] == 0 && u[2] == 0xFE && u[3] == 0xFF) {
        from = "UTF-32BE"; skip = 4;
    } else if (n >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
        from = "UTF-16LE"; skip = 2;
    } else if (n >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
        from = "UTF-16BE"; skip = 2;
    }

    rb_status st = RB_OK;
    if (from) {
        size_t bad = 0, olen = 0;
        char *t = convert(from, bytes + skip, n - skip, &olen, &bad);
        if (!t) {
            /* the line and column: the valid part before the bad bytes, decoded */
            size_t plen = 0, pbad = 0;
            char *pre = convert(from, bytes + skip, bad, &plen, &pbad);
            unsigned l = 1, c = 1;
            if (pre)
                raw_linecol(pre, plen, &l, &c);
            free(pre);
            st = rb_error_set(err, RB_EENCODING, "source", name, l, c, "encoding-invalid",
                              "the byte-order mark says %s, but the text is not valid %s at "
                              "byte offset %zu",
                              from, from, bad + skip);
            goto fail;
        }
        src->text = t;
        src->len = olen;
        src->encoding = from;
    } else {
        if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
            skip = 3;
            src->encoding = "UTF-8+BOM";
        } else {
            src->encoding = "UTF-8";
        }
        size_t nul = first_nul(bytes + skip, n - skip);
        if (nul != (size_t)-1) {
            unsigned l, c;
            raw_linecol(bytes, nul + skip, &l, &c);
            st = rb_error_set(err, RB_EINPUT, "source", name, l, c, "input-binary",
                              "binary file: NUL byte at byte offset %zu (UTF-16 without a "
                              "byte-order mark? convert it to UTF-8 first)",
                              nul + skip);
            goto fail;
        }
        size_t inv = rb_utf8_check(bytes + skip, n - skip, &nonchar);
        if (inv == (size_t)-1) {
            checked = 1;
            if (owned) { /* the read buffer becomes the text */
                if (skip)
                    memmove(owned, owned + skip, n - skip);
                owned[n - skip] = 0;
                src->text = owned;
                owned = NULL;
            } else {
                src->text = rb_xstrndup(bytes + skip, n - skip);
            }
            src->len = n - skip;
        } else {
            /* the legacy encodings of Chinese: GB18030 (GBK, GB2312) on the mainland, Big5 in
             * Taiwan and Hong Kong. Their byte ranges overlap, so a Big5 file can decode as
             * GB18030 too, into rare characters: the one whose characters are the common ones
             * of government prose wins. */
            char *best = NULL;
            size_t best_len = 0;
            double best_score = -1;
            const char *best_enc = NULL;
            if (!skip)
                best = legacy_decode(bytes, n, inv, &best_len, &best_score, &best_enc);
            if (best && best_score >= 0.5) {
                src->text = best;
                src->len = best_len;
                src->encoding = strcmp(best_enc, "GB18030") == 0 ? "GB18030" : "Big5";
            } else {
                free(best);
                unsigned l, c;
                raw_linecol(bytes, inv + skip, &l, &c);
                st = rb_error_set(err, RB_EENCODING, "source", name, l, c, "encoding-invalid",
                                  "invalid UTF-8 at byte offset %zu (byte 0x%02X), and the file "
                                  "does not decode as GB18030 or Big5 Chinese text either "
                                  "(another encoding? convert it first, e.g. iconv -f BIG5 -t "
                                  "UTF-8)",
                                  inv + skip, u[inv + skip]);
                goto fail;
            }
        }
    }

    size_t nul = checked ? (size_t)-1 : first_nul(src->text, src->len);
    if (nul != (size_t)-1) {
        st = rb_error_set(err, RB_EINPUT, "source", name, 0, 0, "input-binary",
                          "binary content: a NUL character after decoding %s", src->encoding);
        goto fail;
    }
    /* U+FFFE and U+FFFF are not characters, and XML cannot carry them (a UTF-8 text was
     * searched while it was validated; a converted one is searched here) */
    if (!checked)
        nonchar = rb_utf8_nonchar(src->text, src->len);
    if (nonchar != (size_t)-1) {
        unsigned l, c;
        raw_linecol(src->text, nonchar, &l, &c);
        st = rb_error_set(err, RB_EINPUT, "source", name, l, c, "input-nonchar",
                          "U+%04X is not a character (byte offset %zu after decoding %s)",
                          (unsigned char)src->text[nonchar + 2] == 0xBE ? 0xFFFE : 0xFFFF,
                          nonchar, src->encoding);
        goto fail;
    }
    size_t where = 0;
    if (looks_binary(src->text, src->len, lim.max_control_pct, &where, &src->xml_controls)) {
        unsigned l, c;
        raw_linecol(src->text, where, &l, &c);
        st = rb_error_set(err, RB_EINPUT, "source", name, l, c, "input-binary",
                          "binary file: control characters from byte offset %zu on", where);
        goto fail;
    }
    st = index_lines(src, &lim, err);
    if (st != RB_OK)
        goto fail;
    free(owned);
    *out = src;
    return RB_OK;
fail:
    free(owned);
    rb_source_free(src);
    return st;
}

/* Standard input, read once: a second "-" in one run gets the same bytes. */
static char *stdin_data;
static size_t stdin_len;
static int stdin_read;

/* Read fd to its end into a new buffer (cap bytes to start with). A regular file's size is
 * known (want): its read stops there, without asking for an end the size already told. A file
 * opened here (ours) may have its O_NONBLOCK taken off; standard input's flags are its owner's. */
static rb_status read_stream(int fd, int ours, const char *path, size_t cap, size_t want,
                             const rb_limits *lim, char **buf_out, size_t *n_out, rb_error *err)
{
    size_t n = 0;
    char *buf = rb_xmalloc(cap + 1);
    while (!want || n < want) {
        if (n == cap) {
            if (n > lim->max_bytes) {
                free(buf);
                return rb_error_set(err, RB_ELIMIT, "source", path, 0, 0, "input-too-large",
                                    "input is over the limit of %zu bytes", lim->max_bytes);
            }
            /* grow to at most one byte past the limit: never buffer far beyond it */
            cap = cap > lim->max_bytes / 2 ? lim->max_bytes + 1 : 2 * cap;
            buf = rb_xrealloc(buf, cap + 1);
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN && ours) { /* a file system that honours O_NONBLOCK */
            int fl = fcntl(fd, F_GETFL);
            if (fl >= 0 && (fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0)
                continue;
        }
        if (r < 0) {
            int e = errno;
            free(buf);
            return rb_error_set(err, RB_EIO, "source", path, 0, 0, "io-read",
                                "cannot read: %s", strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = 0;
    *buf_out = buf;
    *n_out = n;
    return RB_OK;
}

rb_status rb_input_read(const char *path, const rb_limits *lim_in, char **buf, size_t *n,
                        rb_error *err)
{
    rb_limits lim = limits_or_default(lim_in);
    *buf = NULL;
    *n = 0;
    if (strcmp(path, "-") == 0 || strcmp(path, "/dev/stdin") == 0) {
        if (!stdin_read) {
            rb_status st = read_stream(STDIN_FILENO, 0, "<stdin>", 65536, 0, &lim, &stdin_data,
                                       &stdin_len, err);
            if (st != RB_OK)
                return st;
            stdin_read = 1;
        }
        *buf = rb_xmalloc(stdin_len + 1);
        memcpy(*buf, stdin_data, stdin_len + 1);
        *n = stdin_len;
        return RB_OK;
    }
    /* non-blocking open: a FIFO nobody writes to must not hang the run; anything but a
     * regular file (a FIFO, a device, a socket) is refused: "-" is the way to pipe a text in */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return rb_error_set(err, RB_EIO, "source", path, 0, 0, "io-read", "cannot open: %s",
                            strerror(errno));
    struct stat stt;
    if (fstat(fd, &stt) != 0 || !S_ISREG(stt.st_mode)) {
        int dir = S_ISDIR(stt.st_mode);
        close(fd);
        return rb_error_set(err, RB_EIO, "source", path, 0, 0, "io-read",
                            dir ? "is a directory, not a text file"
                                : "not a regular file (a FIFO or a device): give a file, or - "
                                  "for standard input");
    }
    /* O_NONBLOCK is left on (two system calls a file spared): a regular file's reads do not
     * block either way, and a read that says EAGAIN turns it off */
    if ((size_t)stt.st_size > lim.max_bytes) {
        close(fd);
        return rb_error_set(err, RB_ELIMIT, "source", path, 0, 0, "input-too-large",
                            "input is %lld bytes; the limit is %zu bytes",
                            (long long)stt.st_size, lim.max_bytes);
    }
    /* a size of 0 may be a file that does not tell its size (/proc): read to the end */
    size_t size = (size_t)stt.st_size, cap = size ? size + 1 : 65536;
    rb_status st = read_stream(fd, 1, path, cap, size, &lim, buf, n, err);
    close(fd);
    return st;
}

int rb_input_is_xml(const char *path)
{
    size_t l = strlen(path);
    if (l >= 4 && strcmp(path + l - 4, ".xml") == 0)
        return 1;
    if (strcmp(path, "-") != 0)
        return 0;
    char *b;
    size_t n;
    rb_error err;
    if (rb_input_read(path, NULL, &b, &n, &err) != RB_OK)
        return 0;
    const char *p = b, *e = b + n;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    int xml = p < e && *p == '<';
    free(b);
    return xml;
}

rb_status rb_source_load_as(const char *path, const rb_limits *lim_in, int digest,
                            rb_source **out, rb_error *err)
{
    rb_limits lim = limits_or_default(lim_in);
    *out = NULL;
    char *buf;
    size_t n;
    rb_status st = rb_input_read(path, &lim, &buf, &n, err);
    if (st != RB_OK)
        return st;
    return from_bytes(strcmp(path, "-") == 0 ? "<stdin>" : path, buf, buf, n, &lim, digest, out,
                      err);
}

rb_status rb_source_load(const char *path, const rb_limits *lim_in, rb_source **out,
                         rb_error *err)
{
    return rb_source_load_as(path, lim_in, 1, out, err);
}

static void patch_free(struct rb_source_patch *p);

void rb_source_free(rb_source *src)
{
    if (!src)
        return;
    free(src->path);
    free(src->text);
    free(src->line_start);
    patch_free(src->patch);
    free(src);
}

/* ---- a traditional text held as its view and the differences -------------------------------

   The source is cut in runs, where it is the view's bytes shifted by a delta except for
   characters the view has another 3-byte character for, and replacements, the source bytes
   kept as they are where the view's differ in length (a Taiwan phrase 最佳化 -> 优化, CR LF ->
   LF, a full-width form -> ASCII: the view's map says where). In runs, bits has a bit per byte
   of the source, set where a substituted character starts; rank[b] counts the bits before
   block b of 512 bytes. The source's character there is, as a rule, the one the text used
   for the view's character the first time (dflt: 發 for 发, 會 for 会): a text is converted
   one way throughout. (A lone CR, an old Mac file's line end, which the view has as LF, is
   such a substitution too, of one byte: dflt's '\r' for '\n'.) The others (髮 where 發
   came first) are kept in cp, in order, a bit of xbits set for each, by substitution;
   xrank[b] counts those before substitution 512 b. At 100 MB of traditional text (a third of
   its characters differ) that is 12.5 MB and a bit a substitution (1.3 MB) instead of 100,
   where a character each took 2 bytes (20 MB).
   A replacement is 12 bytes (32-bit, as the source is under 4 GiB: rb_source_compact): its
   bytes are in the pool one after another, where pbase[j / 64] says where replacement j's
   block of 64 starts (rep_pool). A text whose punctuation is full-width has one every dozen
   characters (， -> ,), and the map an entry for each: such a replacement, the full-width form
   of the view's byte before an entry (width_form), is a bit of that entry (fw) and nothing
   more. Its source offsets are the entry's: it ends at the entry's source offset, with the
   entry's delta after it. So is a CR LF the view has as LF (a text saved on Windows has one
   a line, and the map an entry for each): the entry's bit in cr, the two source bytes before
   the entry's offset. The replacements are then two streams in source order (rep_next): the
   explicit ones, and the entries with a bit. */
typedef struct patch_rep {
    uint32_t s;     /* source offset */
    uint32_t slen;  /* source bytes (in the pool) */
    uint32_t delta; /* after it: source offset - view offset */
} patch_rep;

#define PATCH_REP_BLOCK 64

struct rb_source_patch {
    const char *base; /* the view */
    const rb_mapent *map; /* the view's */
    size_t nmap;
    uint64_t *fw; /* a bit per map entry: the replacement before it is its view byte's full-width
                     form */
    uint64_t *cr; /* a bit per map entry: the replacement before it is CR LF for the view's LF */
    uint64_t *bits;
    uint32_t *rank;
    size_t nsub;     /* the substituted characters (bits set) */
    uint64_t *xbits; /* a bit per substitution: its character is in cp, not dflt's */
    uint32_t *xrank;
    uint16_t *cp;
    size_t ncp;
    uint16_t **dflt; /* the source's character for view character c: dflt[c >> 8][c & 255], a
                        page of 256 where the view has a substituted one (0: none yet) */
    size_t ndpage;
    patch_rep *rep;
    size_t nrep, crep;
    uint32_t *pbase; /* the pool offset of replacement 64 k */
    size_t npbase, cpbase;
    char *pool;
    size_t npool, cpool;
};

/* Where replacement j's bytes are in the pool. */
static size_t rep_pool(const struct rb_source_patch *p, size_t j)
{
    size_t o = p->pbase[j / PATCH_REP_BLOCK];
    for (size_t i = j - j % PATCH_REP_BLOCK; i < j; i++)
        o += p->rep[i].slen;
    return o;
}

#define PATCH_BLOCK_WORDS 8 /* 512 bits a rank entry */

/* The bits set before bit pos, rank[b] counting those before block b. */
static inline size_t rank_at(const uint64_t *bits, const uint32_t *rank, size_t pos)
{
    size_t w = pos >> 6, blk = w / PATCH_BLOCK_WORDS;
    size_t r = rank[blk];
    for (size_t k = blk * PATCH_BLOCK_WORDS; k < w; k++)
        r += (size_t)__builtin_popcountll(bits[k]);
    if (pos & 63)
        r += (size_t)__builtin_popcountll(bits[w] & ((1ull << (pos & 63)) - 1));
    return r;
}

/* The rank entries of bits [0, nbits). */
static uint32_t *rank_build(const uint64_t *bits, size_t nbits)
{
    size_t nw = nbits / 64 + 1, nblk = nw / PATCH_BLOCK_WORDS + 1;
    uint32_t *rank = rb_xmalloc(nblk * sizeof *rank);
    uint32_t r = 0;
    for (size_t b = 0; b < nblk; b++) {
        rank[b] = r;
        for (size_t k = b * PATCH_BLOCK_WORDS; k < (b + 1) * PATCH_BLOCK_WORDS && k < nw; k++)
            r += (uint32_t)__builtin_popcountll(bits[k]);
    }
    return rank;
}

static size_t patch_rank(const struct rb_source_patch *p, size_t pos)
{
    return rank_at(p->bits, p->rank, pos);
}

/* The source's character for view character vc (one with a substitution) where it is not an
 * exception. */
static uint32_t dflt_get(const struct rb_source_patch *p, uint32_t vc)
{
    return p->dflt[vc >> 8][vc & 255];
}

/* Substitution number sub: the source's character c stands where the view has vc. */
static void add_sub(struct rb_source_patch *p, uint32_t vc, uint32_t c, size_t *cxw, size_t *ccp)
{
    size_t sub = p->nsub++;
    if (sub % 64 == 0) {
        size_t nw = sub / 64;
        RB_GROW(p->xbits, nw, *cxw);
        p->xbits[nw] = 0;
    }
    if (!p->dflt)
        p->dflt = rb_xcalloc(256, sizeof *p->dflt);
    if (!p->dflt[vc >> 8]) {
        p->dflt[vc >> 8] = rb_xcalloc(256, sizeof **p->dflt);
        p->ndpage++;
    }
    uint16_t *d = &p->dflt[vc >> 8][vc & 255];
    if (!*d) {
        *d = (uint16_t)c; /* the first: the text's own */
    } else if (*d != c) {
        p->xbits[sub / 64] |= 1ull << (sub % 64);
        RB_GROW(p->cp, p->ncp, *ccp);
        p->cp[p->ncp++] = (uint16_t)c;
    }
}

/* Substitution k's character: its own in cp (e: the exceptions before it, SIZE_MAX when not
 * counted yet (most reads meet none), moved past it), or the text's for view character vc. */
static inline uint32_t sub_char(const struct rb_source_patch *p, size_t k, size_t *e, uint32_t vc)
{
    if (p->xbits[k / 64] >> (k % 64) & 1) {
        if (*e == SIZE_MAX)
            *e = rank_at(p->xbits, p->xrank, k);
        return p->cp[(*e)++];
    }
    return dflt_get(p, vc);
}

static void patch_free(struct rb_source_patch *p)
{
    if (!p)
        return;
    free(p->bits);
    free(p->fw);
    free(p->cr);
    free(p->xbits);
    free(p->xrank);
    if (p->dflt)
        for (size_t i = 0; i < 256; i++)
            free(p->dflt[i]);
    free(p->dflt);
    free(p->rank);
    free(p->cp);
    free(p->rep);
    free(p->pbase);
    free(p->pool);
    free(p);
}

/* Source bytes [s, s + slen) kept (for view bytes of another length); the delta after is d. */
static void add_rep(struct rb_source_patch *p, const char *src, size_t s, size_t slen, size_t d)
{
    if (p->nrep % PATCH_REP_BLOCK == 0) {
        RB_GROW(p->pbase, p->npbase, p->cpbase);
        p->pbase[p->npbase++] = (uint32_t)p->npool;
    }
    RB_GROW(p->rep, p->nrep, p->crep);
    p->rep[p->nrep++] = (patch_rep){(uint32_t)s, (uint32_t)slen, (uint32_t)d};
    while (p->npool + slen > p->cpool) {
        p->cpool = p->cpool ? 2 * p->cpool : 256;
        p->pool = rb_xrealloc(p->pool, p->cpool);
    }
    memcpy(p->pool + p->npool, src + s, slen);
    p->npool += slen;
}

static int is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

/* The full-width form of ASCII byte c (U+FF01..U+FF5E for ! to ~, U+3000 for a space) in
 * out[0..3): 0 when it has none. */
static int width_form(unsigned char c, char out[4])
{
    uint32_t cp = c == ' ' ? 0x3000 : c > ' ' && c < 0x7F ? c + 0xFEE0u : 0;
    return cp ? rb_utf8_encode(cp, out) : 0;
}

/* Walk source and view from the map: 0 when the source is not held this way (it stays). */
static int patch_build(struct rb_source_patch *p, const rb_source *src, const rb_view *v)
{
    const unsigned char *s = (const unsigned char *)src->text, *w = (const unsigned char *)v->text;
    size_t n = src->len, m = v->len, si = 0, vi = 0, d = 0, k = 0, ccp = 0, cxw = 0;
    for (;;) {
        /* the region up to the next change of delta (the map's next entry, or the end) */
        size_t next = k < v->nmap ? v->map[k].view : m;
        while (k + 1 < v->nmap && v->map[k + 1].view == next)
            k++;
        int64_t dn = k < v->nmap ? rb_mapent_delta(v->map[k]) : (int64_t)n - (int64_t)m;
        if (next > m || dn < 0 || next + (size_t)dn > n || si != vi + d)
            return 0;
        size_t region_s = si;
        while (vi < next) {
            if (si >= n)
                return 0;
            if (vi + 8 <= next && si + 8 <= n) { /* eight bytes at a time, to the first that differs */
                uint64_t x, y;
                memcpy(&x, s + si, 8);
                memcpy(&y, w + vi, 8);
                if (x == y) {
                    si += 8;
                    vi += 8;
                    continue;
                }
                if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
                    size_t q = (size_t)__builtin_ctzll(x ^ y) / 8;
                    si += q;
                    vi += q;
                }
            }
            if (s[si] == w[vi]) {
                si++;
                vi++;
                continue;
            }
            size_t cs = si; /* the character the difference is in (the bytes before agree) */
            while (cs > region_s && is_cont(s[cs]))
                cs--;
            size_t cv = cs - d;
            if ((s[cs] & 0xF0) == 0xE0 && (w[cv] & 0xF0) == 0xE0 && cv + 3 <= next &&
                cs + 3 <= n && is_cont(w[cv + 1]) && is_cont(w[cv + 2])) {
                uint32_t c, vc;
                rb_utf8_decode(src->text + cs, 3, &c);
                rb_utf8_decode(v->text + cv, 3, &vc);
                p->bits[cs >> 6] |= 1ull << (cs & 63);
                add_sub(p, vc, c, &cxw, &ccp);
                si = cs + 3;
                vi = cv + 3;
                continue;
            }
            /* the region ends in a full-width form the view has in ASCII, or in a CR LF (the
             * view has LF; the bytes are CR LF whatever the view's): the entry's bit */
            char f[4];
            int fw = cv + 1 == next && cs + 3 == next + (size_t)dn && k < v->nmap &&
                     width_form(w[cv], f) == 3 && memcmp(s + cs, f, 3) == 0;
            int cr = !fw && cs + 2 == next + (size_t)dn && k < v->nmap && s[cs] == '\r' &&
                     s[cs + 1] == '\n';
            if (fw || cr) {
                uint64_t *bits = fw ? p->fw : p->cr;
                bits[k >> 6] |= 1ull << (k & 63);
                si = next + (size_t)dn;
                vi = next;
                d = (size_t)dn;
                continue;
            }
            /* a lone CR (an old Mac file's line end), which the view has as LF at the same
             * length: a substitution of one byte, of '\r' for '\n' (dflt) */
            if (s[cs] == '\r' && w[cv] == '\n') {
                p->bits[cs >> 6] |= 1ull << (cs & 63);
                add_sub(p, '\n', '\r', &cxw, &ccp);
                si = cs + 1;
                vi = cv + 1;
                continue;
            }
            /* not one character for another: the rest of the region is a replacement */
            if (next + (size_t)dn < cs)
                return 0;
            add_rep(p, src->text, cs, next + (size_t)dn - cs, (size_t)dn);
            si = next + (size_t)dn;
            vi = next;
            d = (size_t)dn;
        }
        if (si != vi + (size_t)dn) { /* the view's bytes to here stand for more source bytes */
            if (vi + (size_t)dn < si)
                return 0; /* fewer: the view is longer here (not held this way) */
            add_rep(p, src->text, si, vi + (size_t)dn - si, (size_t)dn);
            si = vi + (size_t)dn;
        }
        d = (size_t)dn;
        if (k >= v->nmap)
            break;
        k++;
    }
    return si == n && vi == m;
}

int rb_source_compact(rb_source *src, const rb_view *v)
{
    if (src->patch || !src->text || v->aliased || src->len >= UINT32_MAX)
        return 0;
    size_t n = src->len, nw = n / 64 + 1;
    struct rb_source_patch *p = rb_xcalloc(1, sizeof *p);
    p->base = v->text;
    p->map = v->map;
    p->nmap = v->nmap;
    p->bits = rb_xcalloc(nw, sizeof *p->bits);
    p->fw = rb_xcalloc(v->nmap / 64 + 1, sizeof *p->fw);
    p->cr = rb_xcalloc(v->nmap / 64 + 1, sizeof *p->cr);
    if (!patch_build(p, src, v)) {
        patch_free(p);
        return 0;
    }
    if (p->ncp)
        p->cp = rb_xrealloc(p->cp, p->ncp * sizeof *p->cp);
    /* (rank_build reads a word past the last substitution's: there is one, zeroed) */
    size_t nxw = p->nsub / 64 + 1;
    p->xbits = rb_xrealloc(p->xbits, nxw * sizeof *p->xbits);
    if (p->nsub % 64 == 0)
        p->xbits[nxw - 1] = 0;
    p->xrank = rank_build(p->xbits, p->nsub);
    p->rank = rank_build(p->bits, n);
    free(src->text);
    src->text = NULL;
    src->patch = p;
    return 1;
}

/* The first replacement that ends after source offset a (nrep when none). */
static size_t rep_after(const struct rb_source_patch *p, size_t a)
{
    size_t lo = 0, hi = p->nrep;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (p->rep[mid].s + p->rep[mid].slen <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The first map entry from k with a bit (fw or cr), or nmap when none. A read of a range
 * looks no further than the words of entries whose source offsets are at most lim: a text of
 * many entries and few bits would otherwise scan the bits to the end for every read. (An
 * entry past lim that it returns is a replacement past the range, which the read skips.) */
static size_t bit_next(const struct rb_source_patch *p, size_t k, size_t lim)
{
    if (k >= p->nmap)
        return p->nmap;
    size_t w = k >> 6, last = (p->nmap - 1) >> 6;
    uint64_t m = (p->fw[w] | p->cr[w]) & (~0ull << (k & 63));
    while (!m) {
        if (++w > last || p->map[w << 6].orig > lim)
            return p->nmap; /* (the entries from there on are all past lim) */
        m = p->fw[w] | p->cr[w];
    }
    return (w << 6) + (size_t)__builtin_ctzll(m); /* (no bit past nmap is set) */
}

/* The last map entry before k with a bit, or nmap when none. */
static size_t bit_prev(const struct rb_source_patch *p, size_t k)
{
    if (k == 0)
        return p->nmap;
    k--;
    size_t w = k >> 6;
    uint64_t m = (p->fw[w] | p->cr[w]) & (~0ull >> (63 - (k & 63)));
    while (!m) {
        if (w-- == 0)
            return p->nmap;
        m = p->fw[w] | p->cr[w];
    }
    return (w << 6) + 63 - (size_t)__builtin_clzll(m);
}

/* A replacement of either stream: source bytes [s, e) and the delta after it. */
typedef struct rep_ev {
    size_t s, e, delta;
    const char *bytes;
    char form[4]; /* the bytes of an entry's replacement */
} rep_ev;

/* Where the two streams stand: explicit replacement j (its bytes at po in the pool) and map
 * entry k (one with a bit, or nmap); lim: the last source offset an entry's replacement can
 * end at and start in the range read. */
typedef struct rep_cur {
    size_t j, po, k, lim;
} rep_cur;

/* The replacement of entry k, which has a bit: CR LF for its view byte LF, or the full-width
 * form of its view byte, read in text (the view, or the buffer being restored, where that
 * byte has not moved yet). */
static void bit_ev(const struct rb_source_patch *p, size_t k, const char *text, rep_ev *ev)
{
    ev->e = p->map[k].orig;
    ev->delta = (size_t)rb_mapent_delta(p->map[k]);
    if (p->cr[k >> 6] >> (k & 63) & 1) {
        ev->s = ev->e - 2;
        memcpy(ev->form, "\r\n", 2);
    } else {
        ev->s = ev->e - 3;
        width_form((unsigned char)text[p->map[k].view - 1], ev->form);
    }
    ev->bytes = ev->form;
}

/* The next replacement in source order from c (0 at the end), c moved past it. */
static int rep_next(const struct rb_source_patch *p, rep_cur *c, rep_ev *ev)
{
    int ex = c->j < p->nrep, wd = c->k < p->nmap;
    if (wd && (!ex || p->map[c->k].orig <= p->rep[c->j].s)) {
        bit_ev(p, c->k, p->base, ev);
        c->k = bit_next(p, c->k + 1, c->lim);
        return 1;
    }
    if (!ex)
        return 0;
    const patch_rep *r = &p->rep[c->j++];
    ev->s = r->s;
    ev->e = r->s + r->slen;
    ev->delta = r->delta;
    ev->bytes = p->pool + c->po;
    c->po += r->slen;
    return 1;
}

/* The pieces of source bytes [a,z): each a pointer to bytes that read as the source's but for
 * substituted characters (a run of the view, or a replacement's own bytes), in order. */
typedef void (*piece_fn)(void *ud, size_t at, const char *bytes, size_t len);

static void patch_pieces(const rb_source *src, size_t a, size_t z, piece_fn fn, void *ud)
{
    const struct rb_source_patch *p = src->patch;
    /* (an entry's replacement, 2 or 3 source bytes that end at its offset, starts at z or
     * later where the offset is past z + 2) */
    rep_cur c = {rep_after(p, a), 0, 0, z + 2};
    c.po = c.j < p->nrep ? rep_pool(p, c.j) : 0;
    /* the first entry whose source offset is past a */
    size_t lo = p->nmap && p->map[0].orig <= a ? rb_map_search(p->map, p->nmap, a, 1) + 1 : 0;
    c.k = bit_next(p, lo, c.lim);
    /* the delta at a, outside a replacement: the last entry's before it (every change of
     * delta ends a replacement, at the entry of the change) */
    size_t d = lo ? (size_t)rb_mapent_delta(p->map[lo - 1]) : 0;
    rep_ev ev;
    int more = rep_next(p, &c, &ev);
    for (size_t pos = a; pos < z;) {
        if (more && pos >= ev.s) {
            size_t e = ev.e < z ? ev.e : z;
            fn(ud, pos, ev.bytes + (pos - ev.s), e - pos);
            d = ev.delta;
            pos = e;
            more = rep_next(p, &c, &ev);
            continue;
        }
        size_t e = more && ev.s < z ? ev.s : z;
        fn(ud, pos, p->base + (pos - d), e - pos);
        pos = e;
    }
}

typedef struct copy_to {
    char *out;
    size_t a;
} copy_to;

static void copy_piece(void *ud, size_t at, const char *bytes, size_t len)
{
    copy_to *c = ud;
    memcpy(c->out + (at - c->a), bytes, len);
}

/* The view's character where the source's substituted one at pos is: in a run, at pos less
 * the delta of the last entry at or before pos. */
static uint32_t view_char_at(const struct rb_source_patch *p, size_t pos)
{
    size_t d = 0;
    if (p->nmap && p->map[0].orig <= pos)
        d = (size_t)rb_mapent_delta(p->map[rb_map_search(p->map, p->nmap, pos, 1)]);
    uint32_t vc;
    rb_utf8_decode(p->base + (pos - d), 3, &vc);
    return vc;
}

/* The substituted characters over [a,z) of out (which holds bytes [a,z): the view's bytes
 * where a substituted character is, as a run's are). */
static void substitute(const struct rb_source_patch *p, size_t a, size_t z, char *out)
{
    size_t from = a >= 2 ? a - 2 : 0; /* a character that starts there reaches into [a,z) */
    size_t k = patch_rank(p, from), e = SIZE_MAX;
    for (size_t w = from >> 6; w << 6 < z; w++) {
        uint64_t m = p->bits[w];
        if (w == from >> 6)
            m &= ~0ull << (from & 63);
        for (; m; m &= m - 1) {
            size_t pos = (w << 6) + (size_t)__builtin_ctzll(m);
            if (pos >= z)
                return;
            uint32_t vc; /* (a character across a or z: not all of it in out) */
            if (pos >= a && pos + 3 <= z)
                rb_utf8_decode(out + (pos - a), 3, &vc); /* (a lone CR's LF: one byte read) */
            else
                vc = view_char_at(p, pos);
            char c3[4];
            /* 3 bytes, or 1 for a lone CR: of the view character's length */
            size_t len = (size_t)rb_utf8_encode(sub_char(p, k++, &e, vc), c3);
            for (size_t j = 0; j < len; j++)
                if (pos + j >= a && pos + j < z)
                    out[pos + j - a] = c3[j];
        }
    }
}

void rb_source_copy(const rb_source *src, size_t a, size_t z, char *out)
{
    if (z <= a)
        return;
    if (!src->patch) {
        memcpy(out, src->text + a, z - a);
        return;
    }
    copy_to c = {out, a};
    patch_pieces(src, a, z, copy_piece, &c);
    substitute(src->patch, a, z, out);
}

unsigned char rb_source_byte(const rb_source *src, size_t off)
{
    if (!src->patch)
        return (unsigned char)src->text[off];
    /* in a substituted character: the whole of it (its view character read in place) */
    const uint64_t *bits = src->patch->bits;
    for (size_t at = off >= 2 ? off - 2 : 0; at <= off; at++)
        if (bits[at >> 6] >> (at & 63) & 1) {
            char c3[3]; /* (a lone CR's bit: a byte, and the copy goes on past it) */
            rb_source_copy(src, at, at + 3 < src->len ? at + 3 : src->len, c3);
            return (unsigned char)c3[off - at];
        }
    char c;
    rb_source_copy(src, off, off + 1, &c);
    return (unsigned char)c;
}

static void count_piece(void *ud, size_t at, const char *bytes, size_t len)
{
    (void)at;
    *(size_t *)ud += rb_utf8_count(bytes, len); /* a substitution keeps the count */
}

static size_t source_count(const rb_source *src, size_t a, size_t z)
{
    if (!src->patch)
        return rb_utf8_count(src->text + a, z > a ? z - a : 0);
    size_t c = 0;
    patch_pieces(src, a, z, count_piece, &c);
    return c;
}

size_t rb_source_held(const rb_source *src)
{
    const struct rb_source_patch *p = src->patch;
    if (!p)
        return src->len + 1;
    size_t nw = src->len / 64 + 1, nxw = p->nsub / 64 + 1;
    return nw * sizeof *p->bits + (nw / PATCH_BLOCK_WORDS + 1) * sizeof *p->rank +
           nxw * sizeof *p->xbits + (nxw / PATCH_BLOCK_WORDS + 1) * sizeof *p->xrank +
           (p->dflt ? 256 * sizeof *p->dflt : 0) + p->ndpage * 256 * sizeof **p->dflt +
           p->ncp * sizeof *p->cp +
           p->nrep * sizeof *p->rep + p->npbase * sizeof *p->pbase + p->npool +
           2 * (p->nmap / 64 + 1) * sizeof *p->fw;
}

char *rb_source_restore(rb_source *src, char *buf)
{
    struct rb_source_patch *p = src->patch;
    if (!p)
        return buf;
    size_t n = src->len;
    /* the source is at least as long as the view at every point (patch_build): grow the
     * view's buffer and move its runs right, from the last, then the replacements' bytes */
    buf = rb_xrealloc(buf, n + 1);
    size_t po = p->npool, j = p->nrep; /* the end of replacement j - 1's bytes in the pool */
    size_t kw = bit_prev(p, p->nmap), re = n; /* the last entry with a bit; the run's end */
    for (;;) {
        rep_ev ev; /* the last replacement before re, of either stream */
        if (kw < p->nmap && (j == 0 || p->map[kw].orig > p->rep[j - 1].s)) {
            bit_ev(p, kw, buf, &ev); /* (its view byte is before re: not moved yet) */
            kw = bit_prev(p, kw);
        } else if (j) {
            const patch_rep *r = &p->rep[--j];
            po -= r->slen;
            ev = (rep_ev){r->s, r->s + r->slen, r->delta, p->pool + po, {0}};
        } else {
            break; /* the first run has delta 0 */
        }
        if (re > ev.e && ev.delta)
            memmove(buf + ev.e, buf + ev.e - ev.delta, re - ev.e);
        memcpy(buf + ev.s, ev.bytes, ev.e - ev.s);
        re = ev.s;
    }
    size_t k = 0, e = 0; /* the characters, all of them (substitute without its range), over
                            the view's, which the runs moved into place */
    for (size_t w = 0; w <= n >> 6; w++)
        for (uint64_t m = p->bits[w]; m; m &= m - 1) {
            char *at = buf + (w << 6) + (size_t)__builtin_ctzll(m);
            uint32_t vc;
            rb_utf8_decode(at, 3, &vc);
            rb_utf8_encode(sub_char(p, k++, &e, vc), at);
        }
    buf[n] = 0;
    src->text = buf;
    src->patch = NULL;
    patch_free(p);
    return buf;
}

const char *rb_source_line_end_name(const rb_source *src)
{
    switch (src->line_ends) {
    case 0:
    case RB_LE_LF:
        return "LF";
    case RB_LE_CRLF:
        return "CRLF";
    case RB_LE_CR:
        return "CR";
    default:
        return "mixed";
    }
}

void rb_source_linecol(rb_source *src, size_t off, unsigned *line, unsigned *col)
{
    if (off > src->len)
        off = src->len;
    /* the offsets come mostly in order (the elements written, the facts of a text: nine in
     * ten on the line of the one before or the next): those two lines are tried before a
     * search of the line index, whose steps wait on each other's loads */
    const uint32_t *ls = src->line_start;
    size_t lo = 0, hi = src->nlines, c = src->last_line;
    if (c < hi && ls[c] <= off && (c + 1 == hi || off < ls[c + 1]))
        lo = c;
    else if (c + 1 < hi && ls[c + 1] <= off && (c + 2 == hi || off < ls[c + 2]))
        lo = c + 1;
    else
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (ls[mid] <= off)
                lo = mid;
            else
                hi = mid;
        }
    src->last_line = lo;
    *line = (unsigned)lo + 1;
    size_t s = src->line_start[lo];
    if (src->patch) { /* (a compacted source counts its pieces) */
        *col = (unsigned)source_count(src, s, off) + 1;
        return;
    }
    if (src->cur_line != lo || off - s < (off > src->cur_off ? off - src->cur_off
                                                             : src->cur_off - off)) {
        src->cur_line = lo; /* from the line's start, the nearer */
        src->cur_off = s;
        src->cur_chars = 0;
    }
    if (off >= src->cur_off)
        src->cur_chars += rb_utf8_count(src->text + src->cur_off, off - src->cur_off);
    else
        src->cur_chars -= rb_utf8_count(src->text + off, src->cur_off - off);
    src->cur_off = off;
    *col = (unsigned)src->cur_chars + 1;
}
