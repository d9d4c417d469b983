/* xmlscan.c: the events of an XML file, for the readers that build no tree (compare, check and
 * diff reading compiled files, readback.c): libxml2's SAX2 parser, or first a scanner of the
 * subset of XML the tool's own writer produces (xmlw.c), which does the same work in a fraction
 * of the time. The scanner gives exactly the events libxml2 gives (names, namespace URIs,
 * attribute values as SAX2 hands them, text, the line of each start tag), or it declines the
 * file: anything outside the subset, well-formed or not, and any error. The reader then starts
 * over with libxml2, whose answer stands (tests/fuzz/fuzz_rbxml.c holds the two event streams
 * equal on every file the scanner takes).
 *
 * The subset:
 *   - the declaration <?xml version="1.0" encoding="UTF-8"?> first (no BOM), blanks, one root
 *     element, blanks; no DOCTYPE, comment, processing instruction or CDATA section;
 *   - valid UTF-8 without U+FFFE and U+FFFF, no C0 control but tab and line feed (no carriage
 *     return: libxml2 folds line ends);
 *   - names ASCII [A-Za-z_][A-Za-z0-9._-]*, at most one prefix, bound in scope (neither xml nor
 *     xmlns), to a URI without references or blanks and none of the W3C's (XML's own);
 *   - the references &lt; &gt; &amp; &quot; &apos; &#N; &#xN; (a character of XML), in text and
 *     in double- or single-quoted attribute values, which have no raw tab or line feed (libxml2
 *     would turn them into spaces); no "]]>" in text;
 *   - well inside libxml2's limits: depth 128, names of 256 bytes, text runs and values under
 *     1 MiB, 64 attributes a tag. */
#include "internal.h"

#include <libxml/SAX2.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && !defined(RB_NO_SIMD)
#include <emmintrin.h>
#endif

#define X(s) ((const xmlChar *)(s))

enum { MAX_DEPTH = 128, MAX_NAME = 256, MAX_RUN = 1 << 20, MAX_ATTRS = 64 };

static int fast_on = 1;

void rb_xsax_set_fast(int on) { fast_on = on; }

void rb_xsax_halt(rb_xsax *x)
{
    x->halted = 1;
    if (x->ctxt)
        xmlStopParser(x->ctxt);
}

/* ---- libxml2 ---------------------------------------------------------------------------------- */

static void lx_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
                     int nns, const xmlChar **ns, int nattr, int ndef, const xmlChar **attr)
{
    (void)nns;
    (void)ns;
    (void)ndef; /* counted in nattr */
    rb_xsax *x = ((xmlParserCtxtPtr)ctx)->_private;
    x->start(x->u, name, prefix, uri, nattr, attr, xmlSAX2GetLineNumber(ctx));
}

static void lx_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
    rb_xsax *x = ((xmlParserCtxtPtr)ctx)->_private;
    x->end(x->u, name, prefix, uri);
}

static void lx_chars(void *ctx, const xmlChar *c, int len)
{
    rb_xsax *x = ((xmlParserCtxtPtr)ctx)->_private;
    x->chars(x->u, c, len);
}

typedef struct lx_input {
    const char *p;
    size_t left;
} lx_input;

static int lx_read(void *ctx, char *buf, int len)
{
    lx_input *in = ctx;
    size_t k = in->left < (size_t)len ? in->left : (size_t)len;
    memcpy(buf, in->p, k);
    in->p += k;
    in->left -= k;
    return (int)k;
}

static int lx_parse(rb_xsax *x, const char *path, const char *data, size_t n, rb_error *err)
{
    /* the parser reads data in pieces (xmlCtxtReadMemory would take a copy of it all) */
    lx_input src = {data ? data : "", n};
    xmlParserCtxtPtr ctxt =
        xmlCreateIOParserCtxt(NULL, NULL, lx_read, NULL, &src, XML_CHAR_ENCODING_NONE);
    if (!ctxt) {
        rb_error_set(err, RB_EINPUT, "akn", path, 1, 1, "xml-invalid", "cannot read the XML");
        return 0;
    }
    if (ctxt->input && !ctxt->input->filename)
        ctxt->input->filename = (const char *)xmlStrdup(X(path));
    xmlCtxtUseOptions(ctxt, RB_XML_OPTIONS);
    ctxt->_private = x;
    xmlSAXHandlerPtr h = ctxt->sax; /* libxml2's SAX2 handlers but for these: nothing is built */
    h->startElementNs = lx_start;
    h->endElementNs = lx_end;
    h->characters = lx_chars;
    h->ignorableWhitespace = lx_chars;
    h->cdataBlock = lx_chars;
    h->reference = NULL;
    h->comment = NULL;
    h->processingInstruction = NULL;
    x->ctxt = ctxt;
    xmlParseDocument(ctxt);
    x->ctxt = NULL;
    if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = NULL;
    int wf = ctxt->wellFormed;
    if (!wf)
        rb_xml_parse_error(path, err);
    xmlFreeParserCtxt(ctxt);
    return wf ? 1 : 0;
}

/* ---- the scanner ------------------------------------------------------------------------------ */

/* byte classes: a name's first byte, a name's byte, a blank */
enum { C_START = 1, C_NAME = 2, C_BLANK = 4, C_VBAD = 8, C_AMP = 16 };
static unsigned char cls[256];
static void cls_init(void)
{
    for (int c = 'A'; c <= 'Z'; c++)
        cls[c] = cls[c + 32] = C_START | C_NAME;
    cls['_'] = C_START | C_NAME;
    for (int c = '0'; c <= '9'; c++)
        cls[c] = C_NAME;
    cls['.'] = cls['-'] = C_NAME;
    cls[' '] = cls['\t'] = cls['\n'] = C_BLANK;
    /* in an attribute value: what the scanner declines ('<', and the tab and line feed libxml2
     * turns into spaces), and a reference */
    cls['<'] = C_VBAD;
    cls['\t'] |= C_VBAD;
    cls['\n'] |= C_VBAD;
    cls['&'] = C_AMP;
}

typedef struct xs_bind {
    const xmlChar *prefix; /* interned; NULL: the default namespace */
    const xmlChar *uri;
} xs_bind;

typedef struct xs_open {
    const char *q; /* the qualified name as written, for the end tag */
    size_t qn;
    const xmlChar *local, *prefix, *uri;
    size_t nbind; /* bindings in scope outside it */
} xs_open;

typedef struct xs_attr {
    const char *pfx, *local, *v;
    size_t pn, ln, vn;
    int refs; /* the value has references */
    int decl; /* a namespace declaration: 1 xmlns="…", 2 xmlns:p="…" */
} xs_attr;

typedef struct xs_name {
    char *s; /* NULL: an empty slot */
    size_t n;
    uint64_t w; /* its first eight bytes (fewer: zeros after them) */
    uint32_t h;
} xs_name;

typedef struct xs {
    rb_xsax *x;
    const char *data, *e;
    long line;
    const char *lpos; /* line is the line of lpos */
    xs_name *names;   /* interned strings: open addressing, at most half full */
    size_t nmask, nnames;
    xs_bind *bind;
    size_t nbind, cbind;
    xs_open *open;
    size_t nopen, copen;
    char *scratch; /* a start tag's attribute values with references, decoded */
    size_t scap, sused;
} xs;

/* The first eight bytes of s[0..n) (fewer: zeros after them), read at once where the file
 * goes on that far (a name is always followed by something). */
static uint64_t head8(const xs *S, const char *s, size_t n)
{
    uint64_t w = 0;
    if (S->e - s >= 8) {
        memcpy(&w, s, 8);
        return n >= 8 ? w : w & ((1ull << (8 * n)) - 1);
    }
    for (size_t i = 0; i < n && i < 8; i++)
        w |= (uint64_t)(unsigned char)s[i] << (8 * i);
    return w;
}

/* A name as one string for the whole scan (names and prefixes repeat: compared by the pointer
 * where that is enough), found by its first eight bytes, its length and a hash of the rest. */
static const xmlChar *intern(xs *S, const char *s, size_t n)
{
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    if (!S->names) {
        S->nmask = 63;
        S->names = rb_xcalloc(S->nmask + 1, sizeof *S->names);
    }
    uint64_t w = head8(S, s, n), h = (w ^ n) * k;
    for (size_t i = 8; i < n; i += 8) {
        uint64_t r = 0;
        memcpy(&r, s + i, n - i < 8 ? n - i : 8);
        h = ((h ^ (h >> 29)) ^ r) * k;
    }
    uint32_t h32 = (uint32_t)(h >> 32);
    size_t p = h32 & S->nmask;
    for (; S->names[p].s; p = (p + 1) & S->nmask) {
        const xs_name *m = &S->names[p];
        if (m->w == w && m->n == n && (n <= 8 || memcmp(m->s + 8, s + 8, n - 8) == 0))
            return X(m->s);
    }
    char *c = rb_xmalloc(n + 1);
    memcpy(c, s, n);
    c[n] = 0;
    S->names[p] = (xs_name){c, n, w, h32};
    if (++S->nnames * 2 > S->nmask) {
        size_t om = S->nmask;
        xs_name *old = S->names;
        S->nmask = om * 2 + 1;
        S->names = rb_xcalloc(S->nmask + 1, sizeof *S->names);
        for (size_t i = 0; i <= om; i++) {
            if (!old[i].s)
                continue;
            size_t r = old[i].h & S->nmask;
            while (S->names[r].s)
                r = (r + 1) & S->nmask;
            S->names[r] = old[i];
        }
        free(old);
    }
    return X(c);
}

/* line feeds in [a, b) */
static size_t count_lf(const char *a, const char *b)
{
    size_t k = 0;
#if defined(__SSE2__) && !defined(RB_NO_SIMD)
    /* each block's line feeds subtracted (-1 each) from byte lanes, summed every 255 blocks */
    const __m128i lf = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    while (b - a >= 16) {
        __m128i acc = zero;
        for (int r = 0; r < 255 && b - a >= 16; r++, a += 16)
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(
                                        _mm_loadu_si128((const __m128i *)(const void *)a), lf));
        __m128i s = _mm_sad_epu8(acc, zero);
        k += (size_t)_mm_cvtsi128_si32(s) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(s, 8));
    }
#endif
    for (; a < b; a++)
        k += *a == '\n';
    return k;
}

static long line_at(xs *S, const char *p)
{
    S->line += (long)count_lf(S->lpos, p);
    S->lpos = p;
    return S->line;
}

/* No C0 control but tab and line feed in s[0..n). */
static int controls_free(const char *s, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__) && !defined(RB_NO_SIMD)
    const __m128i top = _mm_set1_epi8(0x1F), tab = _mm_set1_epi8('\t'),
                  lf = _mm_set1_epi8('\n');
    __m128i bad = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, top), v); /* v <= 0x1F */
        ctl = _mm_andnot_si128(_mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, lf)), ctl);
        bad = _mm_or_si128(bad, ctl);
    }
    if (_mm_movemask_epi8(bad))
        return 0;
#endif
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\n')
            return 0;
    }
    return 1;
}

/* A name at *pp: [prefix ':'] local, each [A-Za-z_][A-Za-z0-9._-]*; 0 when there is none of
 * that shape (the scanner declines). */
static int qname(xs *S, const char **pp, const char **pfx, size_t *pn, const char **loc,
                 size_t *ln)
{
    const char *p = *pp, *e = S->e, *s = p;
    if (p >= e || !(cls[(unsigned char)*p] & C_START))
        return 0;
    while (p < e && (cls[(unsigned char)*p] & C_NAME))
        p++;
    *pfx = NULL;
    *pn = 0;
    if (p < e && *p == ':') {
        *pfx = s;
        *pn = (size_t)(p - s);
        s = ++p;
        if (p >= e || !(cls[(unsigned char)*p] & C_START))
            return 0;
        while (p < e && (cls[(unsigned char)*p] & C_NAME))
            p++;
        if (p < e && *p == ':')
            return 0;
    }
    *loc = s;
    *ln = (size_t)(p - s);
    if ((size_t)(p - *pp) > MAX_NAME)
        return 0;
    *pp = p;
    return 1;
}

static void skip_blanks(xs *S, const char **pp)
{
    while (*pp < S->e && (cls[(unsigned char)**pp] & C_BLANK))
        (*pp)++;
}

/* The reference at p ('&') and before e: its length (0: none the scanner takes), the character
 * in out (UTF-8, *on bytes), *amp when it is '&'. */
static size_t reference(const char *p, const char *e, char out[4], int *on, int *amp)
{
    static const struct {
        const char *name;
        size_t k;
        char c;
    } pre[] = {{"lt;", 3, '<'}, {"gt;", 3, '>'}, {"amp;", 4, '&'}, {"quot;", 5, '"'},
               {"apos;", 5, '\''}};
    size_t left = (size_t)(e - p) - 1;
    *amp = 0;
    if (!left)
        return 0;
    if (p[1] != '#') {
        for (size_t i = 0; i < sizeof pre / sizeof *pre; i++) {
            size_t k = pre[i].k;
            if (left >= k && memcmp(p + 1, pre[i].name, k) == 0) {
                out[0] = pre[i].c;
                *on = 1;
                *amp = pre[i].c == '&';
                return k + 1;
            }
        }
        return 0;
    }
    /* &#N; or &#xN; (a lower-case x only, as XML has it) */
    const char *q = p + 2;
    int hex = q < e && *q == 'x';
    q += hex;
    uint32_t v = 0;
    int digits = 0;
    for (; q < e && *q != ';'; q++, digits++) {
        unsigned c = (unsigned char)*q, d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return 0;
        if (digits >= 7)
            return 0;
        v = v * (hex ? 16u : 10u) + d;
    }
    if (q >= e || !digits)
        return 0;
    int is_char = v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v <= 0xD7FF) ||
                  (v >= 0xE000 && v <= 0xFFFD) || (v >= 0x10000 && v <= 0x10FFFF);
    if (!is_char)
        return 0;
    *on = rb_utf8_encode(v, out);
    *amp = v == '&';
    return (size_t)(q + 1 - p);
}

/* The first '<', '&' or ']' in [p, e), or e. */
static const char *special(const char *p, const char *e)
{
#if defined(__SSE2__) && !defined(RB_NO_SIMD)
    const __m128i lt = _mm_set1_epi8('<'), amp = _mm_set1_epi8('&'), rb = _mm_set1_epi8(']');
    for (; e - p >= 16; p += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(v, amp)), _mm_cmpeq_epi8(v, rb)));
        if (m)
            return p + __builtin_ctz(m);
    }
#endif
    for (; p < e; p++)
        if (*p == '<' || *p == '&' || *p == ']')
            return p;
    return e;
}

/* The text from *pp inside the root element to the next '<' (*pp left there): to the handler,
 * references decoded. 0: declined. */
static int text(xs *S, const char **pp)
{
    rb_xsax *x = S->x;
    const char *p = *pp, *run = p, *from = p, *e = S->e;
    for (;;) {
        const char *q = special(p, e);
        if (q - from >= MAX_RUN)
            return 0;
        if (q < e && *q == ']') {
            if (e - q >= 3 && q[1] == ']' && q[2] == '>')
                return 0; /* not allowed in text */
            p = q + 1;
            continue;
        }
        if (q > run) {
            x->chars(x->u, X(run), (int)(q - run));
            if (x->halted)
                return 1;
        }
        if (q == e)
            return 0; /* the end inside the root element */
        if (*q == '<') {
            *pp = q;
            return 1;
        }
        char c[4];
        int cn, isamp;
        size_t k = reference(q, e, c, &cn, &isamp);
        if (!k)
            return 0;
        x->chars(x->u, X(c), cn);
        if (x->halted)
            return 1;
        p = run = q + k;
    }
}

/* An attribute value with references as SAX2 hands it (libxml2 without entity substitution):
 * each decoded '&' written "&#38;", the other references decoded; into the scratch space, which
 * has room for the tag's values (a reference is never shorter than what it gives). 0: declined. */
static int value_refs(xs *S, xs_attr *a)
{
    const char *p = a->v, *e = a->v + a->vn;
    char *w = S->scratch + S->sused, *w0 = w;
    while (p < e) {
        const char *amp = memchr(p, '&', (size_t)(e - p));
        const char *stop = amp ? amp : e;
        memcpy(w, p, (size_t)(stop - p));
        w += stop - p;
        if (!amp)
            break;
        char c[4];
        int cn, isamp;
        size_t k = reference(amp, e, c, &cn, &isamp);
        if (!k)
            return 0;
        if (isamp) {
            memcpy(w, "&#38;", 5);
            w += 5;
        } else {
            memcpy(w, c, (size_t)cn);
            w += cn;
        }
        p = amp + k;
    }
    a->v = w0;
    a->vn = (size_t)(w - w0);
    S->sused += a->vn;
    return 1;
}

static const xmlChar *lookup(const xs *S, const xmlChar *prefix)
{
    for (size_t i = S->nbind; i-- > 0;)
        if (S->bind[i].prefix == prefix)
            return S->bind[i].uri;
    return NULL;
}

/* The start tag at p ('<' and a name's first byte): the start event (and the end event of an
 * empty element); *pp past it. 0: declined. */
static int start_tag(xs *S, const char **pp)
{
    const char *p = *pp + 1, *e = S->e, *q = p;
    const char *pfx, *loc;
    size_t pn, ln;
    if (!qname(S, &p, &pfx, &pn, &loc, &ln))
        return 0;
    size_t qn = (size_t)(p - q);
    xs_attr at[MAX_ATTRS];
    int na = 0, empty = 0;
    size_t nbind0 = S->nbind;
    for (;;) {
        if (p >= e)
            return 0;
        if (*p == '>') {
            break;
        }
        if (*p == '/') {
            if (p + 1 >= e || p[1] != '>')
                return 0;
            empty = 1;
            break;
        }
        if (!(cls[(unsigned char)*p] & C_BLANK))
            return 0;
        skip_blanks(S, &p);
        if (p >= e)
            return 0;
        if (*p == '>' || *p == '/')
            continue;
        if (na == MAX_ATTRS)
            return 0;
        xs_attr *a = &at[na++];
        if (!qname(S, &p, &a->pfx, &a->pn, &a->local, &a->ln))
            return 0;
        skip_blanks(S, &p);
        if (p >= e || *p != '=')
            return 0;
        p++;
        skip_blanks(S, &p);
        if (p >= e || (*p != '"' && *p != '\''))
            return 0;
        const char *v = p + 1, *end = memchr(v, *p, (size_t)(e - v));
        if (!end || (size_t)(end - v) >= MAX_RUN)
            return 0;
        a->v = v;
        a->vn = (size_t)(end - v);
        unsigned seen = 0;
        for (const char *c = v; c < end; c++)
            seen |= cls[(unsigned char)*c];
        if (seen & C_VBAD)
            return 0;
        a->refs = (seen & C_AMP) != 0;
        p = end + 1;
    }
    /* namespace declarations first: they hold for the element and all its attributes */
    size_t room = (size_t)(p - *pp);
    if (S->scap < room) {
        S->scratch = rb_xrealloc(S->scratch, room);
        S->scap = room;
    }
    S->sused = 0;
    int nplain = 0;
    for (int i = 0; i < na; i++) {
        xs_attr *a = &at[i];
        if (a->refs && !value_refs(S, a))
            return 0;
        a->decl = !a->pfx && a->ln == 5 && memcmp(a->local, "xmlns", 5) == 0   ? 1
                  : a->pfx && a->pn == 5 && memcmp(a->pfx, "xmlns", 5) == 0 ? 2
                                                                            : 0;
        if (!a->decl) {
            nplain++;
            continue;
        }
        /* a URI the scanner takes: not empty, no blank or reference in it, not XML's own */
        if (!a->vn || a->refs || memchr(a->v, ' ', a->vn) ||
            rb_memmem(a->v, a->vn, "http://www.w3.org/", 18))
            return 0;
        const xmlChar *prefix = NULL;
        if (a->decl == 2) {
            if ((a->ln == 3 && memcmp(a->local, "xml", 3) == 0) ||
                (a->ln == 5 && memcmp(a->local, "xmlns", 5) == 0))
                return 0;
            prefix = intern(S, a->local, a->ln);
        }
        for (size_t b = nbind0; b < S->nbind; b++)
            if (S->bind[b].prefix == prefix)
                return 0; /* declared twice in one tag */
        RB_GROW(S->bind, S->nbind, S->cbind);
        S->bind[S->nbind++] = (xs_bind){prefix, intern(S, a->v, a->vn)};
    }
    const xmlChar *eprefix = pfx ? intern(S, pfx, pn) : NULL;
    const xmlChar *euri = lookup(S, eprefix);
    if (pfx && !euri)
        return 0; /* unbound (or xml, xmlns: never bound here) */
    const xmlChar *elocal = intern(S, loc, ln);
    /* SAX2's attributes: localname, prefix, URI, value, end */
    const xmlChar *av[5 * MAX_ATTRS];
    int k = 0;
    for (int i = 0; i < na; i++) {
        xs_attr *a = &at[i];
        if (a->decl)
            continue;
        const xmlChar *ap = a->pfx ? intern(S, a->pfx, a->pn) : NULL;
        const xmlChar *au = ap ? lookup(S, ap) : NULL;
        if (ap && !au)
            return 0;
        const xmlChar *al = intern(S, a->local, a->ln);
        for (int j = 0; j < k; j += 5)
            if (av[j] == al && (av[j + 1] == ap || (au && av[j + 2] == au)))
                return 0; /* the same attribute twice */
        av[k] = al;
        av[k + 1] = ap;
        av[k + 2] = au;
        av[k + 3] = X(a->v);
        av[k + 4] = X(a->v + a->vn);
        k += 5;
    }
    if (!empty) {
        if (S->nopen == MAX_DEPTH)
            return 0;
        RB_GROW(S->open, S->nopen, S->copen);
        S->open[S->nopen++] = (xs_open){q, qn, elocal, eprefix, euri, nbind0};
    }
    rb_xsax *x = S->x;
    x->start(x->u, elocal, eprefix, euri, nplain, av, line_at(S, p));
    if (empty && !x->halted) {
        x->end(x->u, elocal, eprefix, euri);
        S->nbind = nbind0;
    }
    *pp = p + 1 + empty;
    return 1;
}

/* The end tag at p ("</"): the end event; *pp past it. 0: declined. */
static int end_tag(xs *S, const char **pp)
{
    const char *p = *pp + 2, *e = S->e;
    if (!S->nopen)
        return 0;
    const xs_open *o = &S->open[S->nopen - 1];
    if ((size_t)(e - p) < o->qn || memcmp(p, o->q, o->qn) != 0)
        return 0;
    p += o->qn;
    if (p < e && (cls[(unsigned char)*p] & C_NAME || *p == ':'))
        return 0; /* a longer name */
    skip_blanks(S, &p);
    if (p >= e || *p != '>')
        return 0;
    S->nopen--;
    S->nbind = o->nbind;
    S->x->end(S->x->u, o->local, o->prefix, o->uri);
    *pp = p + 1;
    return 1;
}

static const char DECL[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

static int scan(xs *S)
{
    const char *p = S->data + sizeof DECL - 1, *e = S->e;
    rb_xsax *x = S->x;
    int root = 0; /* 1 inside the root element, 2 after it */
    for (;;) {
        if (root == 1) {
            if (!text(S, &p))
                return 0;
            if (x->halted)
                return 1;
        } else {
            while (p < e && (cls[(unsigned char)*p] & C_BLANK))
                p++;
            if (p == e)
                return root == 2;
            if (*p != '<')
                return 0;
        }
        /* at '<' */
        if (p + 1 >= e)
            return 0;
        if (p[1] == '/') {
            if (root != 1 || !end_tag(S, &p))
                return 0;
        } else if (cls[(unsigned char)p[1]] & C_START) {
            if (root == 2 || !start_tag(S, &p))
                return 0;
        } else {
            return 0; /* a comment, a PI, CDATA, a DOCTYPE, or not XML */
        }
        if (x->halted)
            return 1;
        root = S->nopen ? 1 : 2;
    }
}

/* 1: the file is in the subset and well-formed, every event given (or the handlers halted);
 * 0: declined, perhaps after some events. */
static int fast_parse(rb_xsax *x, const char *data, size_t n)
{
    static int ready;
    if (!ready) {
        cls_init();
        ready = 1;
    }
    size_t nc;
    if (!data || n < sizeof DECL - 1 || n > INT_MAX / 2 ||
        memcmp(data, DECL, sizeof DECL - 1) != 0 || !controls_free(data, n) ||
        rb_utf8_check(data, n, &nc) != (size_t)-1 || nc != (size_t)-1)
        return 0;
    xs S;
    memset(&S, 0, sizeof S);
    S.x = x;
    S.data = data;
    S.e = data + n;
    S.line = 1;
    S.lpos = data;
    int ok = scan(&S);
    for (size_t i = 0; S.names && i <= S.nmask; i++)
        free(S.names[i].s);
    free(S.names);
    free(S.bind);
    free(S.open);
    free(S.scratch);
    return ok;
}

int rb_xsax_parse(rb_xsax *x, const char *path, const char *data, size_t n, int fast,
                  rb_error *err)
{
    x->halted = 0;
    x->ctxt = NULL;
    if (fast)
        return fast_on && fast_parse(x, data, n) ? 1 : -1;
    return lx_parse(x, path, data, n, err);
}
