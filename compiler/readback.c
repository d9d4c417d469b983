/* readback.c: a compiled file read back. compare takes a compiled .xml as a rulebook (its
 * metadata and facts, render_facts.c reads those); check and diff take one as a document: the
 * text is put back on its source lines from rb:line and compiled again, and the junk records
 * become the warnings they were. Numbers are read strictly (xmlr.c): a damaged attribute is an
 * error naming the element and its line. */
#include "internal.h"

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define X(s) ((const xmlChar *)(s))
#define MAX_LINE 10000000L

static int is_rb(xmlNodePtr n, const char *name) { return rb_xml_is(n, RB_NS, name); }
static int is_akn(xmlNodePtr n, const char *name) { return rb_xml_is(n, RB_AKN_NS, name); }

/* ---- metadata and facts (compare) ----------------------------------------------------------- */

typedef struct walker {
    rb_rulebook *r;
    int seen_doc;
    const char *path;
    rb_status st;
    rb_error *err;
} walker;

static void size_prop(walker *W, const rb_xel *e, const char *name, size_t *out)
{
    long v = 0;
    if (rb_xel_long(e, name, 0, LONG_MAX / 2, &v) < 0) {
        if (W->st == RB_OK)
            W->st = rb_xel_bad_value(W->err, W->path, e, name);
        return;
    }
    *out = (size_t)v;
}

static char *prop_dup(const rb_xel *e, const char *name)
{
    rb_buf tmp;
    rb_buf_init(&tmp);
    const char *v = rb_xel_prop(e, name, &tmp);
    char *s = v ? rb_xstrdup(v) : NULL;
    rb_buf_free(&tmp);
    return s;
}

/* The walk at the metadata, from a node or a start tag: 1 when e is rb:document or rb:source
 * (taken: what is inside them is not walked), else 0. */
static int visit_meta(walker *W, const rb_xel *e)
{
    rb_rulebook *r = W->r;
    if (rb_xel_is(e, RB_NS, "document")) {
        if (!W->seen_doc) { /* the first one counts */
            W->seen_doc = 1;
            r->id = prop_dup(e, "id");
            r->title = prop_dup(e, "title");
            r->jurisdiction = prop_dup(e, "jurisdiction");
            r->level = prop_dup(e, "level");
            r->date = prop_dup(e, "date");
            r->docnumber = prop_dup(e, "number");
            size_prop(W, e, "chapters", &r->chapters);
            size_prop(W, e, "articles", &r->articles);
        }
        return 1;
    }
    if (rb_xel_is(e, RB_NS, "source")) {
        if (!r->script)
            r->script = prop_dup(e, "script");
        return 1;
    }
    return 0;
}

/* One element of the walk: 1 when it was taken (its children are not walked), 0 when the
 * walk goes into it. */
static int visit(walker *W, xmlNodePtr n)
{
    rb_xel e;
    rb_xel_of_node(&e, n);
    if (visit_meta(W, &e))
        return 1;
    if (is_rb(n, "fact") || is_rb(n, "unmatched")) {
        W->st = rb_facts_read_node(n, W->r->facts, W->path, W->err);
        return 1;
    }
    return is_akn(n, "body") || is_akn(n, "preface"); /* the text is not needed to compare */
}

static void walk(walker *W, xmlNodePtr n)
{
    for (; n && W->st == RB_OK; n = n->next)
        if (n->type == XML_ELEMENT_NODE && !visit(W, n))
            walk(W, n->children);
}

static rb_rulebook *rulebook_new(const char *path)
{
    rb_rulebook *r = rb_xcalloc(1, sizeof *r);
    r->facts = rb_xcalloc(1, sizeof *r->facts);
    r->file = rb_xstrdup(path);
    return r;
}

/* The checks at the end of a walk: NULL (r freed, err set) unless it found the metadata. */
static rb_rulebook *walked(walker *W)
{
    if (W->st == RB_OK && !W->seen_doc)
        rb_error_set(W->err, RB_EINPUT, "akn", W->path, 1, 1, "xml-not-rulebook",
                     "no rb:document metadata: compile the text with `rulebook compile`");
    if (W->st != RB_OK || !W->seen_doc) {
        rb_rulebook_free(W->r);
        return NULL;
    }
    return W->r;
}

static xmlDocPtr check_akn(xmlDocPtr x, const char *path, rb_error *err);

static xmlDocPtr read_akn(const char *path, rb_error *err)
{
    xmlDocPtr x = rb_xml_read(path, err);
    return x ? check_akn(x, path, err) : NULL;
}

static xmlDocPtr check_akn(xmlDocPtr x, const char *path, rb_error *err)
{
    rb_xml_set_control_base(rb_xml_doc_control_base(x));
    xmlNodePtr root = xmlDocGetRootElement(x);
    if (!is_akn(root, "akomaNtoso")) {
        xmlFreeDoc(x);
        rb_error_set(err, RB_EINPUT, "akn", path, 1, 1, "xml-not-akn",
                     "not an Akoma Ntoso 3.0 document");
        return NULL;
    }
    return x;
}

/* The metadata and facts of a parsed file into a new rulebook (NULL with err). */
static rb_rulebook *rulebook_of(xmlDocPtr x, const char *path, rb_error *err)
{
    walker W = {rulebook_new(path), 0, path, RB_OK, err};
    walk(&W, xmlDocGetRootElement(x));
    return walked(&W);
}

/* The same as rulebook_of over the parsed tree, read from the parser's events with no tree
 * built: the whole file is parsed (a damaged body is an error, the same one the tree gives),
 * the text (akn:body, akn:preface: most of the file) goes by unread, and the facts are built
 * as their elements go by (rb_facts_sax_*). The facts come before rb:source says where the
 * file's C0 controls were written, so a file that has them (*again set) is read again as a
 * tree. NULL with err. */
typedef struct sax_reader {
    walker W;
    xmlParserCtxtPtr ctxt;
    int root_seen, source_seen, again;
    unsigned skip;   /* depth inside an akn:body or akn:preface the walk does not go into */
    unsigned taken;  /* depth inside an element the walk takes (0: outside) */
    unsigned inside; /* akn:body or akn:preface elements open inside a taken one */
    int reading;     /* the taken element is a fact or an unmatched being read into fs */
    rb_facts_sax fs;
} sax_reader;

static int is_text_name(const xmlChar *uri, const xmlChar *name)
{
    return uri && xmlStrEqual(uri, X(RB_AKN_NS)) &&
           (xmlStrEqual(name, X("body")) || xmlStrEqual(name, X("preface")));
}

/* An error of the walk: the events after it are ignored, but the parse goes on to the end, for
 * a file that is not well-formed gets that error first, as from the tree. */
static void sax_stop(sax_reader *S, rb_status st)
{
    if (S->reading) {
        rb_facts_sax_drop(&S->fs);
        S->reading = 0;
    }
    if (S->W.st == RB_OK)
        S->W.st = st;
}

/* The first rb:source outside the text decides the file's control base (rb_xml_doc_control_base
 * walks the tree in the same order): one that names a base sends the file to the tree. (Sent
 * there wrongly, a file would only be read more slowly: the tree is the oracle.) */
static void sax_source(sax_reader *S, const rb_xel *e)
{
    if (S->source_seen || !rb_xel_is(e, RB_NS, "source"))
        return;
    S->source_seen = 1;
    rb_buf tmp;
    rb_buf_init(&tmp);
    const char *v = rb_xel_prop(e, "controls", &tmp);
    unsigned b = 0;
    char tail;
    if (v && sscanf(v, "U+%4X%c", &b, &tail) == 1 &&
        (b == 0x2400 || b == 0xF700 || b == 0xF600 || b == 0xF500)) {
        S->again = 1; /* the tree says the rest */
        sax_stop(S, RB_EINPUT);
        xmlStopParser(S->ctxt);
    }
    rb_buf_free(&tmp);
}

/* What visit does with the element e at its start tag; 1 when the walk takes it. */
static int sax_visit(sax_reader *S, const rb_xel *e)
{
    if (visit_meta(&S->W, e))
        return 1; /* an error in it is in W.st: the events after it are ignored */
    if (!rb_xel_is(e, RB_NS, "fact") && !rb_xel_is(e, RB_NS, "unmatched"))
        return 0;
    rb_status st = rb_facts_sax_begin(&S->fs, S->W.r->facts, e, S->W.path, S->W.err);
    if (st != RB_OK)
        sax_stop(S, st);
    else
        S->reading = 1;
    return 1;
}

static void sax_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
                      int nns, const xmlChar **ns, int nattr, int ndef, const xmlChar **attr)
{
    (void)nns;
    (void)ns;
    (void)ndef; /* counted in nattr */
    sax_reader *S = ((xmlParserCtxtPtr)ctx)->_private;
    if (S->W.st != RB_OK)
        return;
    if (S->skip) {
        S->skip++;
        return;
    }
    rb_xel e = {NULL, uri, prefix, name, attr, nattr, xmlSAX2GetLineNumber(ctx)};
    if (e.line < 1)
        e.line = 1;
    if (!S->root_seen) {
        S->root_seen = 1;
        if (!rb_xel_is(&e, RB_AKN_NS, "akomaNtoso")) {
            rb_error_set(S->W.err, RB_EINPUT, "akn", S->W.path, 1, 1, "xml-not-akn",
                         "not an Akoma Ntoso 3.0 document");
            sax_stop(S, RB_EINPUT);
            return;
        }
    }
    int text = is_text_name(uri, name);
    if (S->taken) {
        if (!S->inside)
            sax_source(S, &e);
        S->inside += text;
        S->taken++;
        if (S->reading && S->W.st == RB_OK) {
            rb_status st = rb_facts_sax_start(&S->fs, &e, S->W.path, S->W.err);
            if (st != RB_OK) {
                S->reading = 0; /* dropped by the call */
                sax_stop(S, st);
            }
        }
        return;
    }
    if (text) {
        S->skip = 1;
        return;
    }
    sax_source(S, &e);
    if (S->W.st == RB_OK && sax_visit(S, &e))
        S->taken = 1;
}

static void sax_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
    (void)prefix;
    sax_reader *S = ((xmlParserCtxtPtr)ctx)->_private;
    if (S->W.st != RB_OK)
        return;
    if (S->skip) {
        S->skip--;
        return;
    }
    if (!S->taken)
        return;
    if (--S->taken) {
        S->inside -= is_text_name(uri, name);
        if (S->reading)
            rb_facts_sax_end(&S->fs);
    } else if (S->reading) {
        rb_facts_sax_finish(&S->fs);
        S->reading = 0;
    }
}

static void sax_chars(void *ctx, const xmlChar *c, int len)
{
    sax_reader *S = ((xmlParserCtxtPtr)ctx)->_private;
    if (S->reading) /* never in skipped text, nor after an error */
        rb_facts_sax_text(&S->fs, c, len);
}

typedef struct sax_input {
    const char *p;
    size_t left;
} sax_input;

static int sax_read(void *ctx, char *buf, int len)
{
    sax_input *in = ctx;
    size_t k = in->left < (size_t)len ? in->left : (size_t)len;
    memcpy(buf, in->p, k);
    in->p += k;
    in->left -= k;
    return (int)k;
}

static rb_rulebook *sax_rulebook(const char *path, const char *data, size_t n, int *again,
                                 rb_error *err)
{
    *again = 0;
    if (!rb_xml_prolog_ok(path, data, n, err))
        return NULL;
    /* the parser reads data in pieces (xmlCtxtReadMemory would take a copy of it all) */
    sax_input src = {data ? data : "", n};
    xmlParserCtxtPtr ctxt =
        xmlCreateIOParserCtxt(NULL, NULL, sax_read, NULL, &src, XML_CHAR_ENCODING_NONE);
    if (!ctxt) {
        rb_error_set(err, RB_EINPUT, "akn", path, 1, 1, "xml-invalid", "cannot read the XML");
        return NULL;
    }
    if (ctxt->input && !ctxt->input->filename)
        ctxt->input->filename = (const char *)xmlStrdup(X(path));
    xmlCtxtUseOptions(ctxt, RB_XML_OPTIONS);
    rb_xml_set_control_base(0);
    sax_reader S;
    memset(&S, 0, sizeof S);
    S.W = (walker){rulebook_new(path), 0, path, RB_OK, err};
    S.ctxt = ctxt;
    rb_buf_init(&S.fs.text);
    rb_buf_init(&S.fs.words);
    ctxt->_private = &S;
    xmlSAXHandlerPtr h = ctxt->sax; /* libxml2's SAX2 handlers but for these: nothing is built */
    h->startElementNs = sax_start;
    h->endElementNs = sax_end;
    h->characters = sax_chars;
    h->ignorableWhitespace = sax_chars;
    h->cdataBlock = sax_chars;
    h->reference = NULL;
    h->comment = NULL;
    h->processingInstruction = NULL;
    xmlParseDocument(ctxt);
    if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = NULL;
    if (S.reading) /* a parse error inside a fact */
        rb_facts_sax_drop(&S.fs);
    if (!S.again && !ctxt->wellFormed) { /* before any error of the walk */
        rb_xml_parse_error(path, err);
        S.W.st = RB_EINPUT;
    }
    xmlFreeParserCtxt(ctxt);
    rb_buf_free(&S.fs.text);
    rb_buf_free(&S.fs.words);
    if (S.again) {
        *again = 1;
        rb_error_clear(err);
        rb_rulebook_free(S.W.r);
        return NULL;
    }
    return walked(&S.W);
}

static rb_status read_rulebook(const char *path, int tree, rb_rulebook **out, rb_error *err)
{
    *out = NULL;
    char *data;
    size_t n;
    if (rb_input_read(path, NULL, &data, &n, err) != RB_OK)
        return err->status;
    int again = tree;
    rb_rulebook *r = tree ? NULL : sax_rulebook(path, data, n, &again, err);
    if (again) {
        xmlDocPtr x = rb_xml_read_mem(path, data, n, err);
        x = x ? check_akn(x, path, err) : NULL;
        r = x ? rulebook_of(x, path, err) : NULL;
        if (x)
            xmlFreeDoc(x);
    }
    free(data);
    if (!r)
        return err->status;
    if (!r->id) {
        const char *b = strrchr(path, '/');
        r->id = rb_xstrdup(b ? b + 1 : path);
    }
    *out = r;
    return RB_OK;
}

rb_status rb_rulebook_read_xml(const char *path, rb_rulebook **out, rb_error *err)
{
    return read_rulebook(path, 0, out, err);
}

rb_status rb_rulebook_read_xml_tree(const char *path, rb_rulebook **out, rb_error *err)
{
    return read_rulebook(path, 1, out, err);
}

/* ---- the text on its lines (check and diff) ------------------------------------------------- */

/* The text put back on its lines: the pieces (a heading, a paragraph, a number) with the line
 * each says it came from, sorted at the end. Sparse, so that one forged rb:line="10000000"
 * costs ten million newlines at most, never ten million buffers; and a line past the number of
 * lines the source had (rb:source/@lines) is an error. */
/* What a piece is, for the space that may go before it (see lines_text). */
enum { PC_TEXT, PC_NUM, PC_HEADING };

typedef struct piece {
    long line;
    size_t seq;
    int kind; /* PC_* */
    char *text;
    long col; /* the column it starts at when the XML says (junk records), else 0 */
} piece;

typedef struct lines {
    piece *v;
    size_t n, cap;
    long max_line; /* the source's line count */
    const char *path;
    rb_status st;
    rb_error *err;
} lines;

static void bad_line(lines *L, xmlNodePtr n)
{
    if (L->st != RB_OK)
        return;
    long xl = xmlGetLineNo(n);
    L->st = rb_error_set(L->err, RB_EINPUT, "xml", L->path, xl > 0 ? (unsigned)xl : 1, 1,
                         "xml-bad-value",
                         "<%s> attribute rb:line is not a line of the source (1 to %ld)",
                         (const char *)n->name, L->max_line);
}

/* The line of the nearest ancestor (or self) with rb:line: 0 when none, -1 when damaged. */
static long line_of(lines *L, xmlNodePtr n)
{
    for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
        xmlChar *l = xmlGetNsProp(n, X("line"), X(RB_NS));
        if (!l)
            continue;
        char *e;
        long v = strtol((const char *)l, &e, 10);
        int ok = *l >= '0' && *l <= '9' && !*e && v >= 1 && v <= L->max_line;
        xmlFree(l);
        if (!ok) {
            bad_line(L, n);
            return -1;
        }
        return v;
    }
    return 0;
}

static void line_put(lines *L, long l, xmlNodePtr n, int kind)
{
    if (l <= 0)
        return;
    RB_GROW(L->v, L->n, L->cap);
    L->v[L->n] = (piece){l, L->n, kind, rb_xml_content(n), 0};
    L->n++;
}

/* Does c end a word (punctuation, a space, a bracket), so that what follows it needs no space
 * to be read apart: 。二、 and 一、为了 do not, 总则 一、 and 十二条 市政府 do. */
static int separates(uint32_t c)
{
    if (c < 0x80)
        return !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
    return (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
           (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
           (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65);
}

static int cmp_piece(const void *a, const void *b)
{
    const piece *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* What the line being rebuilt has so far: its bytes and characters, and its last piece's kind. */
typedef struct linestate {
    size_t bytes, chars;
    int prev;
} linestate;

/* One piece after what its line has so far, with the space before it that lines_text
 * describes. */
static void put_piece(rb_buf *text, const piece *p, linestate *ls)
{
    if (p->col > 1) {
        /* a junk record says where it starts: the white space before it goes back */
        for (; ls->chars + 1 < (size_t)p->col; ls->chars++, ls->bytes++)
            rb_buf_putc(text, ' ');
    } else if (ls->bytes) {
        uint32_t last = rb_utf8_last(text->data, text->len);
        int apart = separates(last);
        /* a number cut from the text before it on its line was preceded by white space,
         * 。 or ; (what every inline cut accepts: other punctuation, like the ( of
         * "…覇(\f一、", only some or none) */
        int cut_ok = last == 0x3002 || last == ';' || last == ' ' || last == '\t';
        /* after a number, what it would take in if nothing parted them: a digit (5. 7 is no
         * 5.7) and the punctuation a number runs on over (5. . is no 5.., see parse.c) */
        uint32_t first = 0;
        rb_utf8_decode(p->text, strlen(p->text), &first);
        int absorbed = (first >= '0' && first <= '9') || (first >= 0xFF10 && first <= 0xFF19) ||
                       first == ',' || first == '.' || first == ':' || first == 0x3001 ||
                       first == 0xFF0C || first == 0xFF0E || first == 0xFF1A;
        if (p->kind == PC_HEADING || (p->kind == PC_NUM && !cut_ok) ||
            ((!apart || absorbed) && ls->prev == PC_NUM)) {
            rb_buf_putc(text, ' ');
            ls->bytes++;
            ls->chars++;
        }
    }
    size_t l = strlen(p->text);
    rb_buf_put(text, p->text, l);
    ls->bytes += l;
    ls->chars += rb_utf8_count(p->text, l);
    ls->prev = p->kind;
}

/* the text: every piece on its line, a newline after each line up to the last. The XML keeps
 * no space between pieces: one goes back where the pieces would otherwise run together, before
 * a heading, and before a number or after one (the text after 第一条 or 十二条) when no
 * punctuation parts them; so a number keeps the break its pattern needs (a heading and its
 * articles on one line; 一条 市政府… numbering), and 一、为了 keeps its columns. A junk record
 * that starts inside a line (a repeated copy after an article's text) goes after the line's
 * other pieces that fit before its column, in their order: the model's pieces carry no
 * column, and the records come first in the file. */
static void lines_text(lines *L, rb_buf *text)
{
    if (L->n > 1)
        qsort(L->v, L->n, sizeof *L->v, cmp_piece);
    long cur = 1;
    linestate ls = {0, 0, PC_TEXT};
    for (size_t i = 0; i < L->n;) {
        long line = L->v[i].line;
        size_t e = i;
        while (e < L->n && L->v[e].line == line)
            e++;
        for (; cur < line; cur++) {
            rb_buf_putc(text, '\n');
            ls.bytes = ls.chars = 0;
        }
        /* the pieces at a column wait for the others that fit before it */
        size_t next_j = i;
        for (size_t k = i; k < e; k++) {
            const piece *p = &L->v[k];
            if (p->col > 1)
                continue;
            while (next_j < e && L->v[next_j].col <= 1)
                next_j++;
            if (next_j < e) {
                size_t plen = rb_utf8_count(p->text, strlen(p->text));
                for (; next_j < e; next_j++) {
                    const piece *j = &L->v[next_j];
                    if (j->col <= 1)
                        continue;
                    if (ls.chars + plen <= (size_t)j->col - 1)
                        break; /* p fits before it */
                    put_piece(text, j, &ls);
                }
            }
            put_piece(text, p, &ls);
        }
        for (; next_j < e; next_j++)
            if (L->v[next_j].col > 1)
                put_piece(text, &L->v[next_j], &ls);
        i = e;
    }
    if (L->n)
        rb_buf_putc(text, '\n');
    for (size_t i = 0; i < L->n; i++)
        free(L->v[i].text);
    free(L->v);
}

/* A junk record: set aside when compiled, it goes back on its lines for the text to compile
 * as it did (a repeated copy, a table of contents, a page footer shape the structure around
 * them), except what sat inside a line (an insertion, an annotation: the model reads on without
 * it), which is reported as compile reported it. */
static void junk_record(lines *L, xmlNodePtr n, rb_diags *diags, const char *src)
{
    long line = 0, col = 0;
    const char *bad = rb_xml_long(n, "line", 0, L->max_line, &line) < 0 ? "line"
                      : rb_xml_long(n, "col", 0, INT_MAX, &col) < 0     ? "col"
                                                                        : NULL;
    if (bad) {
        if (L->st == RB_OK)
            L->st = rb_xml_bad_value(L->err, L->path, n, bad);
        return;
    }
    char *kind = rb_xml_prop(n, "kind"), *t = rb_xml_content(n);
    int inline_junk = kind && (strcmp(kind, "insertion") == 0 || strcmp(kind, "annotation") == 0);
    if (kind && strcmp(kind, "insertion") == 0)
        rb_diags_add(diags, RB_WARNING, src, (unsigned)line, (unsigned)col, "junk-insertion",
                     "'%s' is inserted here; the other copy reads without it (set aside when "
                     "compiled)",
                     t);
    if (!inline_junk && line > 0) {
        /* its lines, from its line on: broken where the source's lines are (LF, CR LF, and a
         * lone CR, which the XML keeps as &#13;) */
        char *p = t;
        for (long l = line; p; l++) {
            char *nl = p + strcspn(p, "\r\n");
            if (*nl == '\r' && nl[1] == '\n')
                *nl++ = 0;
            if (!*nl)
                nl = NULL;
            else
                *nl = 0;
            if (l > L->max_line) {
                bad_line(L, n);
                break;
            }
            if (*p) {
                RB_GROW(L->v, L->n, L->cap);
                L->v[L->n] = (piece){l, L->n, PC_TEXT, rb_xstrdup(p), l == line ? col : 1};
                L->n++;
            }
            p = nl ? nl + 1 : NULL;
        }
    }
    free(kind);
    free(t);
}

static void collect(lines *L, xmlNodePtr n, rb_diags *diags, const char *src)
{
    for (; n && L->st == RB_OK; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_rb(n, "junk"))
            junk_record(L, n, diags, src);
        else if (is_akn(n, "p")) /* preface or content: on its line, after any number */
            line_put(L, line_of(L, n), n, PC_TEXT);
        else if (is_akn(n, "num"))
            line_put(L, line_of(L, n->parent), n, PC_NUM);
        else if (is_akn(n, "heading"))
            line_put(L, line_of(L, n), n, PC_HEADING);
        else
            collect(L, n->children, diags, src); /* meta/proprietary holds the junk records */
    }
}

/* rb:source: the element that describes the text the file was compiled from */
static xmlNodePtr source_node(xmlNodePtr root)
{
    for (xmlNodePtr n = root; n;) {
        if (is_rb(n, "source"))
            return n;
        n = rb_xml_next_outside_text(n);
    }
    return NULL;
}

static rb_status load_doc(const rb_grammar *g, xmlDocPtr x, const char *path,
                         const rb_compile_opts *o, rb_doc **out, rb_diags *diags, rb_error *err);

rb_status rb_akn_load_doc(const rb_grammar *g, const char *path, const rb_compile_opts *o,
                          rb_doc **out, rb_diags *diags, rb_error *err)
{
    *out = NULL;
    xmlDocPtr x = read_akn(path, err);
    return x ? load_doc(g, x, path, o, out, diags, err) : err->status;
}

rb_status rb_akn_load_doc_mem(const rb_grammar *g, const char *name, const char *data, size_t n,
                              const rb_compile_opts *o, rb_doc **out, rb_diags *diags,
                              rb_error *err)
{
    *out = NULL;
    xmlDocPtr x = rb_xml_read_mem(name, data, n, err);
    x = x ? check_akn(x, name, err) : NULL;
    return x ? load_doc(g, x, name, o, out, diags, err) : err->status;
}

/* Takes x (freed here). */
static rb_status load_doc(const rb_grammar *g, xmlDocPtr x, const char *path,
                         const rb_compile_opts *o, rb_doc **out, rb_diags *diags, rb_error *err)
{
    rb_rulebook *meta = rulebook_of(x, path, err);
    if (!meta) {
        xmlFreeDoc(x);
        return err->status;
    }
    /* the diagnostics name the file the user gave, never a path written inside it */
    const char *src = path;
    lines L = {NULL, 0, 0, 0, path, RB_OK, err};
    /* the source's line count bounds rb:line; without it, the file's own size does */
    xmlNodePtr sn = source_node(xmlDocGetRootElement(x));
    long nl = 0;
    if (sn && rb_xml_long(sn, "lines", 0, MAX_LINE, &nl) < 0)
        L.st = rb_xml_bad_value(err, path, sn, "lines");
    L.max_line = nl > 0 ? nl + 1 : MAX_LINE;
    rb_diags junkd;
    rb_diags_init(&junkd);
    if (L.st == RB_OK)
        collect(&L, xmlDocGetRootElement(x), &junkd, src);
    xmlFreeDoc(x);
    rb_buf text;
    rb_buf_init(&text);
    lines_text(&L, &text);
    rb_status st = L.st;
    rb_doc *d = NULL;
    if (st == RB_OK) {
        rb_compile_opts co = *o;
        co.no_meta = 1;
        co.meta_path = NULL;
        /* its control characters passed when it compiled; put back without the blank lines
         * and spaces the XML does not keep, they may be a larger share of a shorter text */
        co.limits.max_control_pct = 100;
        st = rb_compile_bytes(g, src, text.data ? text.data : "", text.len, &co, &d, diags, err);
    }
    rb_buf_free(&text);
    if (st == RB_OK) {
        /* metadata as compiled (sidecar included) */
        char **slots[] = {&d->id, &d->title, &d->jurisdiction, &d->level, &d->date,
                          &d->docnumber};
        char *vals[] = {meta->id, meta->title, meta->jurisdiction, meta->level, meta->date,
                        meta->docnumber};
        for (size_t i = 0; i < 6; i++)
            if (vals[i]) {
                free(*slots[i]);
                *slots[i] = rb_xstrdup(vals[i]);
            }
        for (size_t i = 0; i < junkd.n; i++) {
            const rb_diag *j = &junkd.items[i];
            rb_diags_add(diags, j->severity, j->file, j->line, j->col, j->rule, "%s", j->message);
        }
        *out = d;
    }
    rb_diags_free(&junkd);
    rb_rulebook_free(meta);
    return st;
}
