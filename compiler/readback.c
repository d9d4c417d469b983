/* readback.c: a compiled file read back. compare takes a compiled .xml as a rulebook (its
 * metadata and facts, render_facts.c reads those); check and diff take one as a document: the
 * text is put back on its source lines from rb:line and compiled again, and the junk records
 * become the warnings they were. Numbers are read strictly (xmlr.c): a damaged attribute is an
 * error naming the element and its line. */
#include "internal.h"

#include <libxml/xmlreader.h>
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

static void size_prop(walker *W, xmlNodePtr n, const char *name, size_t *out)
{
    long v = 0;
    if (rb_xml_long(n, name, 0, LONG_MAX / 2, &v) < 0) {
        if (W->st == RB_OK)
            W->st = rb_xml_bad_value(W->err, W->path, n, name);
        return;
    }
    *out = (size_t)v;
}

/* One element of the walk: 1 when it was taken (its children are not walked), 0 when the
 * walk goes into it. */
static int visit(walker *W, xmlNodePtr n)
{
    rb_rulebook *r = W->r;
    if (is_rb(n, "document")) {
        if (!W->seen_doc) { /* the first one counts */
            W->seen_doc = 1;
            r->id = rb_xml_prop(n, "id");
            r->title = rb_xml_prop(n, "title");
            r->jurisdiction = rb_xml_prop(n, "jurisdiction");
            r->level = rb_xml_prop(n, "level");
            r->date = rb_xml_prop(n, "date");
            r->docnumber = rb_xml_prop(n, "number");
            size_prop(W, n, "chapters", &r->chapters);
            size_prop(W, n, "articles", &r->articles);
        }
        return 1;
    }
    if (is_rb(n, "source")) {
        if (!r->script)
            r->script = rb_xml_prop(n, "script");
        return 1;
    }
    if (is_rb(n, "fact") || is_rb(n, "unmatched")) {
        W->st = rb_facts_read_node(n, r->facts, W->path, W->err);
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

/* The same as rulebook_of over the parsed tree, read as a stream (xmlTextReader): only the
 * metadata and the facts are built as nodes, the text (akn:body, akn:preface: most of the
 * file) is skipped unbuilt. The facts come before rb:source says where the file's C0 controls
 * were written, so a file that has them (*again set) is read again as a tree. NULL with err. */
static rb_rulebook *stream_rulebook(const char *path, const char *data, size_t n, int *again,
                                    rb_error *err)
{
    *again = 0;
    if (!rb_xml_prolog_ok(path, data, n, err))
        return NULL;
    xmlTextReaderPtr rd = xmlReaderForMemory(data, (int)n, path, NULL, RB_XML_OPTIONS);
    if (!rd) {
        rb_error_set(err, RB_EINPUT, "akn", path, 1, 1, "xml-invalid", "cannot read the XML");
        return NULL;
    }
    rb_xml_set_control_base(0);
    walker W = {rulebook_new(path), 0, path, RB_OK, err};
    int rc = xmlTextReaderRead(rd), root = 1;
    while (rc == 1 && W.st == RB_OK) {
        if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT) {
            rc = xmlTextReaderRead(rd);
            continue;
        }
        const xmlChar *ns = xmlTextReaderConstNamespaceUri(rd);
        const xmlChar *name = xmlTextReaderConstLocalName(rd);
        int in_rb = ns && xmlStrEqual(ns, X(RB_NS)), in_akn = ns && xmlStrEqual(ns, X(RB_AKN_NS));
        if (root) {
            root = 0;
            if (!in_akn || !xmlStrEqual(name, X("akomaNtoso"))) {
                rb_error_set(err, RB_EINPUT, "akn", path, 1, 1, "xml-not-akn",
                             "not an Akoma Ntoso 3.0 document");
                W.st = RB_EINPUT;
                break;
            }
        }
        if (in_akn && (xmlStrEqual(name, X("body")) || xmlStrEqual(name, X("preface")))) {
            rc = xmlTextReaderNext(rd);
            continue;
        }
        if (!in_rb) {
            rc = xmlTextReaderRead(rd);
            continue;
        }
        xmlNodePtr node = xmlTextReaderExpand(rd);
        if (!node) {
            rc = -1;
            break;
        }
        if (is_rb(node, "source") && rb_xml_doc_control_base(node->doc) != 0) {
            *again = 1;
            break;
        }
        if (!visit(&W, node)) {
            rc = xmlTextReaderRead(rd); /* an element of ours the walk goes into */
            continue;
        }
        rc = xmlTextReaderNext(rd);
    }
    if (rc < 0 && W.st == RB_OK) {
        rb_xml_parse_error(path, err);
        W.st = RB_EINPUT;
    }
    xmlFreeTextReader(rd);
    if (*again) {
        rb_rulebook_free(W.r);
        return NULL;
    }
    return walked(&W);
}

static rb_status read_rulebook(const char *path, int tree, rb_rulebook **out, rb_error *err)
{
    *out = NULL;
    char *data;
    size_t n;
    if (rb_input_read(path, NULL, &data, &n, err) != RB_OK)
        return err->status;
    int again = tree;
    rb_rulebook *r = tree ? NULL : stream_rulebook(path, data, n, &again, err);
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
