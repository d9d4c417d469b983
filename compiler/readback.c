/* readback.c: a compiled file read back. compare takes a compiled .xml as a rulebook (its
 * metadata and facts, render_facts.c reads those); check and diff take one as a document: the
 * text is put back on its source lines and columns (rb:line, rb:col) and compiled again (the
 * file's facts are not read, only their start tags checked: the facts are extracted anew), and
 * the junk records become the warnings they were. Both read the file's events and build no
 * tree: from the scanner of the tool's own XML, or from libxml2's SAX2 parser where the scanner
 * declines the file (xmlscan.c); the same readings over the parsed tree are kept for the files
 * the events cannot settle (C0 controls, text before rb:source) and as the oracle of
 * tests/fuzz/fuzz_rbxml.c. Numbers are read strictly (xmlr.c): a damaged attribute is an
 * error naming the element and its line. */
#include "internal.h"

#include <libxml/parser.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define X(s) ((const xmlChar *)(s))
#define MAX_LINE 10000000L
#define MAX_FORMAT 1000L /* rb:source/@format: 1 (or none), before rb:col; 2 with it */
#define MAX_COL 10000000L /* a column, where rb:source does not say how many bytes it had */

static int is_rb(xmlNodePtr n, const char *name) { return rb_xml_is(n, RB_NS, name); }
static int is_akn(xmlNodePtr n, const char *name) { return rb_xml_is(n, RB_AKN_NS, name); }

/* ---- metadata and facts (compare) ----------------------------------------------------------- */

typedef struct walker {
    rb_rulebook *r;
    int seen_doc;
    const char *path;
    rb_status st;
    rb_error *err;
    int no_facts; /* the metadata only, the facts' start tags checked (read-back: the text is
                     compiled again, its facts extracted again) */
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
        if (W->no_facts)
            W->st = rb_facts_check_head(&e, W->path, W->err);
        else
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

/* (store: where the facts' strings go, or NULL; a read that fails leaves what it put there) */
static rb_rulebook *rulebook_new(const char *path, rb_factstore *store)
{
    rb_rulebook *r = rb_xcalloc(1, sizeof *r);
    r->facts = rb_facts_new(store);
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

/* The metadata and facts (no_facts: the metadata only) of a parsed file into a new rulebook
 * (NULL with err). */
static rb_rulebook *rulebook_of(xmlDocPtr x, const char *path, rb_factstore *store,
                                int no_facts, rb_error *err)
{
    walker W = {rulebook_new(path, store), 0, path, RB_OK, err, no_facts};
    walk(&W, xmlDocGetRootElement(x));
    return walked(&W);
}

/* The same as rulebook_of over the parsed tree, read from the parser's events with no tree
 * built: the whole file is parsed (a damaged body is an error, the same one the tree gives),
 * the text (akn:body, akn:preface: most of the file) goes by unread, and the facts are built
 * as their elements go by (rb_facts_sax_*). The facts come before rb:source says where the
 * file's C0 controls were written, so a file that has them (*again set) is read again as a
 * tree. NULL with err. */
struct lines;
struct lnest;

typedef struct sax_reader {
    walker W;
    rb_xsax x;
    int root_seen, source_seen, again;
    int declined; /* the scanner declined the file: read it again with libxml2 */
    unsigned skip;   /* depth inside an akn:body or akn:preface the walk does not go into */
    unsigned taken;  /* depth inside an element the walk takes (0: outside) */
    unsigned inside; /* akn:body or akn:preface elements open inside a taken one */
    int reading;     /* the taken element is a fact or an unmatched being read into fs */
    rb_facts_sax fs;
    /* the read-back (check, diff), as collect gathers it from a tree; L NULL: compare's
     * reading, the text skipped (see "the text on its lines" below) */
    struct lines *L;
    struct lnest *ln; /* the rb:line that holds for each open element outside a piece */
    size_t nln, cln;
    unsigned cap;     /* depth inside the element read as a piece (1: itself; 0: none) */
    int cap_kind;     /* PC_* of lines_text, or -1: a junk record */
    long cap_line, cap_col, cap_eline;
    char *cap_jkind;
    const xmlChar *cap_name;
    rb_buf ctext;
} sax_reader;

static void lines_start(sax_reader *S, const rb_xel *e);
static void lines_end(sax_reader *S);
static void lines_source(sax_reader *S, const rb_xel *e);

static int is_text_name(const xmlChar *uri, const xmlChar *name)
{
    return (xmlStrEqual(name, X("body")) || xmlStrEqual(name, X("preface"))) && uri &&
           xmlStrEqual(uri, X(RB_AKN_NS));
}

/* An error of the walk: the events after it are ignored, but the parse goes on to the end, for
 * a file that is not well-formed gets that error first, as from the tree. */
static void sax_stop(sax_reader *S, rb_status st)
{
    if (S->reading) {
        rb_facts_sax_drop(&S->fs);
        S->reading = 0;
    }
    S->cap = 0;
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
    if (rb_xml_control_base_of(rb_xel_prop(e, "controls", &tmp))) {
        S->again = 1; /* the tree says the rest */
        sax_stop(S, RB_EINPUT);
        rb_xsax_halt(&S->x);
    }
    rb_buf_free(&tmp);
    if (S->L && !S->again)
        lines_source(S, e);
}

/* What visit does with the element e at its start tag; 1 when the walk takes it. */
static int sax_visit(sax_reader *S, const rb_xel *e)
{
    if (visit_meta(&S->W, e))
        return 1; /* an error in it is in W.st: the events after it are ignored */
    if (!rb_xel_is(e, RB_NS, "fact") && !rb_xel_is(e, RB_NS, "unmatched"))
        return 0;
    if (S->W.no_facts) { /* taken, what is inside it goes by */
        rb_status st = rb_facts_check_head(e, S->W.path, S->W.err);
        if (st != RB_OK)
            sax_stop(S, st);
        return 1;
    }
    rb_status st = rb_facts_sax_begin(&S->fs, S->W.r->facts, e, S->W.path, S->W.err);
    if (st != RB_OK)
        sax_stop(S, st);
    else
        S->reading = 1;
    return 1;
}

static void sax_start(void *u, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
                      int nattr, const xmlChar **attr, long line)
{
    sax_reader *S = u;
    if (S->W.st != RB_OK)
        return;
    if (S->skip && !S->L) {
        S->skip++;
        return;
    }
    rb_xel e = {NULL, uri, prefix, name, attr, nattr, line};
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
    if (S->L) {
        lines_start(S, &e);
        if (S->W.st != RB_OK)
            return;
        if (S->skip) {
            S->skip++;
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

static void sax_end(void *u, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
    (void)prefix;
    sax_reader *S = u;
    if (S->W.st != RB_OK)
        return;
    if (S->L) {
        lines_end(S);
        if (S->W.st != RB_OK)
            return;
    }
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

static void sax_chars(void *u, const xmlChar *c, int len)
{
    sax_reader *S = u;
    if (S->reading) /* never in skipped text, nor after an error */
        rb_facts_sax_text(&S->fs, c, len);
    if (S->cap) /* never after an error */
        rb_buf_put(&S->ctext, (const char *)c, (size_t)len);
}

/* Parse data with S's handlers: fast, the scanner (xmlscan.c), else libxml2. S->W is the
 * walk's (its rulebook, path and err set), S->L the read-back's or NULL. After it, S->W.st says
 * how it went, S->again that the file is to be read as a tree, S->declined that the scanner
 * did not take it (what the events built is to be dropped, and the file parsed again with
 * libxml2). */
static void sax_parse(sax_reader *S, const char *data, size_t n, int fast)
{
    const char *path = S->W.path;
    rb_error *err = S->W.err;
    if (!rb_xml_prolog_ok(path, data, n, err)) {
        S->W.st = RB_EINPUT;
        return;
    }
    rb_xml_set_control_base(0);
    rb_buf_init(&S->fs.text);
    rb_buf_init(&S->fs.words);
    rb_buf_init(&S->ctext);
    S->x = (rb_xsax){S, sax_start, sax_end, sax_chars, 0, NULL};
    int wf = rb_xsax_parse(&S->x, path, data, n, fast, err);
    if (S->reading) /* a parse error inside a fact */
        rb_facts_sax_drop(&S->fs);
    S->declined = wf < 0;
    if (!S->again && !S->declined && !wf) /* err says it, before any error of the walk */
        S->W.st = RB_EINPUT;
    rb_buf_free(&S->fs.text);
    rb_buf_free(&S->fs.words);
    rb_buf_free(&S->ctext);
    free(S->ln);
    free(S->cap_jkind);
    if (S->again || S->declined)
        rb_error_clear(err);
}

static rb_rulebook *sax_rulebook(const char *path, const char *data, size_t n,
                                 rb_factstore *store, int *again,
                                 rb_error *err)
{
    sax_reader S;
    *again = 0;
    /* a reading given up takes what it left in the store with it */
    rb_arena_mark mark = store ? rb_arena_mark_now(&store->arena) : (rb_arena_mark){0};
    for (int fast = 1;; fast = 0) {
        memset(&S, 0, sizeof S);
        S.W = (walker){rulebook_new(path, store), 0, path, RB_OK, err, 0};
        sax_parse(&S, data, n, fast);
        if (!S.declined && !S.again)
            return walked(&S.W);
        rb_rulebook_free(S.W.r);
        if (store)
            rb_arena_release(&store->arena, mark);
        if (S.again) {
            *again = 1;
            return NULL;
        }
    }
}

static rb_status read_rulebook(const char *path, int tree, rb_factstore *store,
                               rb_rulebook **out, rb_error *err)
{
    *out = NULL;
    char *data;
    size_t n;
    if (rb_input_read(path, NULL, &data, &n, err) != RB_OK)
        return err->status;
    int again = tree;
    rb_rulebook *r = tree ? NULL : sax_rulebook(path, data, n, store, &again, err);
    if (again) {
        xmlDocPtr x = rb_xml_read_mem(path, data, n, err);
        x = x ? check_akn(x, path, err) : NULL;
        r = x ? rulebook_of(x, path, store, 0, err) : NULL;
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
    return read_rulebook(path, 0, NULL, out, err);
}

rb_status rb_rulebook_read_xml_in(const char *path, rb_factstore *store, rb_rulebook **out,
                                  rb_error *err)
{
    return read_rulebook(path, 0, store, out, err);
}

rb_status rb_rulebook_read_xml_tree(const char *path, rb_rulebook **out, rb_error *err)
{
    return read_rulebook(path, 1, NULL, out, err);
}

/* ---- the text on its lines (check and diff) ------------------------------------------------- */

/* The text put back on its lines: the pieces (a heading, a paragraph, a number) with the line
 * each says it came from, sorted at the end. Sparse, so that one forged rb:line="10000000"
 * costs ten million newlines at most, never ten million buffers; and a line past the number of
 * lines the source had (rb:source/@lines) is an error. */
/* What a piece is, for the space that may go before it (see lines_text). */
enum {
    PC_TEXT,
    PC_NUM,
    PC_HEADING,
    PC_INLINE, /* junk that sat inside a line */
    PC_DROPPED /* ... not put back */
};

typedef struct piece {
    long line;
    size_t seq;
    int kind; /* PC_* */
    char *text;
    long col; /* the column it starts at when the XML says (rb:col, a junk record's col), else 0 */
    int insertion; /* PC_INLINE: an insertion (warned of when not put back) */
    int record;    /* a junk record's text: it holds the inline junk inside it */
} piece;

typedef struct lines {
    piece *v;
    size_t n, cap;
    long max_line; /* the source's line count */
    long max_col;  /* its size in bytes + 1: no column is past it, nor all padding together */
    int has_cols;  /* the pieces say their columns: rb:source/@format 2, or some rb:col */
    rb_diags *junkd; /* the warnings of the junk records (insertions not put back) */
    const char *src;
    const char *path;
    rb_status st;
    rb_error *err;
} lines;

/* The element name (its line in the file) whose rb:line is not a line of the source. */
static void bad_line_at(lines *L, const xmlChar *name, long eline)
{
    if (L->st != RB_OK)
        return;
    L->st = rb_error_set(L->err, RB_EINPUT, "xml", L->path, eline > 0 ? (unsigned)eline : 1, 1,
                         "xml-bad-value",
                         "<%s> attribute rb:line is not a line of the source (1 to %ld)",
                         (const char *)name, L->max_line);
}

static void bad_line(lines *L, xmlNodePtr n) { bad_line_at(L, n->name, xmlGetLineNo(n)); }

/* An rb:line value: 1 and *v when it is a number of a line (1 to max), else 0. */
static int line_value(const char *l, long max, long *v)
{
    char *e;
    *v = strtol(l, &e, 10);
    return *l >= '0' && *l <= '9' && !*e && *v >= 1 && *v <= max;
}

/* The line of the nearest ancestor (or self) with rb:line: 0 when none, -1 when damaged. */
static long line_of(lines *L, xmlNodePtr n)
{
    for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
        xmlChar *l = xmlGetNsProp(n, X("line"), X(RB_NS));
        if (!l)
            continue;
        long v;
        int ok = line_value((const char *)l, L->max_line, &v);
        xmlFree(l);
        if (!ok) {
            bad_line(L, n);
            return -1;
        }
        return v;
    }
    return 0;
}

/* A piece on line l (none when l is 0: the text has no line) at column col (0: not said); text
 * is taken. */
static void line_put_text(lines *L, long l, long col, char *text, int kind)
{
    if (l <= 0) {
        free(text);
        return;
    }
    RB_GROW(L->v, L->n, L->cap);
    L->v[L->n] = (piece){l, L->n, kind, text, col, 0, 0};
    L->n++;
}

/* The rb:col of e (strict): 0 when it has none, -1 with L's error when damaged. */
static long col_of(lines *L, const rb_xel *e)
{
    long col = 0;
    if (rb_xel_ns_long(e, RB_NS, "col", 1, L->max_col, &col) == 0) {
        L->has_cols |= col > 0;
        return col;
    }
    if (L->st == RB_OK)
        L->st = rb_xel_bad_ns_value(L->err, L->path, e, RB_NS, "col");
    return -1;
}

static void line_put(lines *L, long l, xmlNodePtr n, int kind)
{
    if (l <= 0)
        return;
    rb_xel e;
    rb_xel_of_node(&e, n);
    long col = col_of(L, &e);
    if (col >= 0)
        line_put_text(L, l, col, rb_xml_content(n), kind);
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

/* By line; on a line, the pieces without a column in their order, and those with one by it. */
static int cmp_piece(const void *a, const void *b)
{
    const piece *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    long cx = x->col > 1 ? x->col : 0, cy = y->col > 1 ? y->col : 0;
    if ((cx > 0) != (cy > 0))
        return cx > 0 ? 1 : -1;
    if (cx != cy)
        return cx < cy ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* An insertion's warning, as its record says (when the text does not get it back). */
static void insertion_warning(lines *L, long line, long col, const char *t)
{
    rb_diags_add(L->junkd, RB_WARNING, L->src, (unsigned)line, (unsigned)col, "junk-insertion",
                 "'%s' is inserted here; the other copy reads without it (set aside when "
                 "compiled)",
                 t);
}

/* What the line being rebuilt has so far: its bytes and characters, and its last piece's kind;
 * the junk that sat inside it (by column, the next one at iinl), and the spaces all columns may
 * still add (no more than the source had bytes). */
typedef struct linestate {
    size_t bytes, chars;
    int prev;
    const piece **inl;
    size_t ninl, iinl, cinl;
    size_t inl_end; /* the column after the inline junk put back so far */
    size_t pad_left;
    int over; /* a column asked for more */
} linestate;

/* The line's next inline junk, here: what of it the junk before it did not cover (records
 * may overlap: an annotation inside an insertion, one insertion seen from two copies). */
static void inline_next(rb_buf *text, linestate *ls)
{
    const piece *q = ls->inl[ls->iinl++];
    const char *t = q->text;
    size_t l = strlen(t), end = (size_t)q->col + rb_utf8_count(t, l);
    if (end <= ls->inl_end)
        return; /* covered */
    for (size_t skip = ls->inl_end > (size_t)q->col ? ls->inl_end - (size_t)q->col : 0;
         skip && *t; skip--) {
        t++;
        while (((unsigned char)*t & 0xC0) == 0x80)
            t++;
    }
    l = strlen(t);
    rb_buf_put(text, t, l);
    ls->bytes += l;
    ls->chars += rb_utf8_count(t, l);
    ls->inl_end = end;
}

/* The line's inline junk that starts at or before the column being written goes here. */
static void inline_here(rb_buf *text, linestate *ls)
{
    while (ls->iinl < ls->ninl && (size_t)ls->inl[ls->iinl]->col <= ls->chars + 1)
        inline_next(text, ls);
}

/* The line up to column col: its inline junk where it starts, spaces elsewhere. */
static void advance(rb_buf *text, linestate *ls, size_t col)
{
    for (;;) {
        inline_here(text, ls);
        if (ls->chars + 1 >= col)
            return;
        if (!ls->pad_left) {
            ls->over = 1;
            return;
        }
        rb_buf_putc(text, ' ');
        ls->pad_left--;
        ls->chars++;
        ls->bytes++;
    }
}

/* s[0..n) on the line, the inline junk that starts inside it put back where it stood. */
static void put_text(rb_buf *text, linestate *ls, const char *s, size_t n)
{
    if (ls->iinl == ls->ninl) {
        rb_buf_put(text, s, n);
        ls->bytes += n;
        ls->chars += rb_utf8_count(s, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            inline_here(text, ls);
            ls->chars++;
        }
        rb_buf_putc(text, s[i]);
        ls->bytes++;
    }
}

/* One piece after what its line has so far, with the space before it that lines_text
 * describes. */
static void put_piece(rb_buf *text, const piece *p, linestate *ls)
{
    if (p->col > 1) {
        /* the XML says where it starts (rb:col, a junk record's col): the white space before
         * it goes back, and nothing where it followed on */
        advance(text, ls, (size_t)p->col);
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
    if (p->record) {
        /* the original text of its span, inline junk and all: what of that junk lies inside
         * it is back already */
        size_t n = strlen(p->text);
        rb_buf_put(text, p->text, n);
        ls->bytes += n;
        ls->chars += rb_utf8_count(p->text, n);
        if (ls->inl_end < ls->chars + 1)
            ls->inl_end = ls->chars + 1;
    } else {
        put_text(text, ls, p->text, strlen(p->text));
    }
    ls->prev = p->kind;
}

/* The line's inline junk [i,e) (PC_INLINE) into ls, by column (as cmp_piece put them). */
static void line_inline(const lines *L, size_t i, size_t e, linestate *ls)
{
    ls->ninl = ls->iinl = ls->inl_end = 0;
    for (size_t k = i; k < e; k++)
        if (L->v[k].kind == PC_INLINE) {
            RB_GROW(ls->inl, ls->ninl, ls->cinl);
            ls->inl[ls->ninl++] = &L->v[k];
        }
}

/* the text: every piece on its line, a newline after each line up to the last. A piece that
 * does not start its line says its column (rb:col): spaces go back up to it, and the junk
 * that sat inside the line (an insertion, an annotation) goes back at its column, for the
 * text to compile again as it did (a junk record's own text has the junk inside it already).
 * A file compiled before rb:col (rb:source without format 2, no rb:col) says none for the
 * model's pieces: a space goes back where they would otherwise run together, before a heading, and
 * before a number or after one (the text after 十二条) when no punctuation parts them; so a
 * number keeps the break its pattern needs (a heading and its articles on one line; 一条
 * 市政府… numbering), and 一、为了 keeps its columns; its inline junk is not put back, the
 * insertions are reported as the records say. A junk record that starts inside a line (a
 * repeated copy after an article's text) goes after the line's other pieces without a column
 * that fit before its column, in their order: the records come first in the file. Pieces are
 * freed; an error when the columns ask for more spaces than the source had bytes (a forged
 * file). */
static rb_status lines_text(lines *L, rb_buf *text)
{
    if (L->n > 1)
        qsort(L->v, L->n, sizeof *L->v, cmp_piece);
    if (!L->has_cols)
        for (size_t k = 0; k < L->n; k++) {
            piece *p = &L->v[k];
            if (p->kind != PC_INLINE)
                continue;
            if (p->insertion)
                insertion_warning(L, p->line, p->col, p->text);
            p->kind = PC_DROPPED;
        }
    long cur = 1;
    linestate ls = {0, 0, PC_TEXT, NULL, 0, 0, 0, 0, (size_t)L->max_col, 0};
    for (size_t i = 0; i < L->n;) {
        long line = L->v[i].line;
        size_t e = i;
        while (e < L->n && L->v[e].line == line)
            e++;
        for (; cur < line; cur++) {
            rb_buf_putc(text, '\n');
            ls.bytes = ls.chars = 0;
        }
        line_inline(L, i, e, &ls);
        /* the pieces at a column wait for the others that fit before it */
        size_t next_j = i;
        for (size_t k = i; k < e; k++) {
            const piece *p = &L->v[k];
            if (p->col > 1 || p->kind >= PC_INLINE)
                continue;
            while (next_j < e && L->v[next_j].col <= 1)
                next_j++;
            if (next_j < e) {
                size_t plen = rb_utf8_count(p->text, strlen(p->text));
                for (; next_j < e; next_j++) {
                    const piece *j = &L->v[next_j];
                    if (j->col <= 1 || j->kind >= PC_INLINE)
                        continue;
                    if (ls.chars + plen <= (size_t)j->col - 1)
                        break; /* p fits before it */
                    put_piece(text, j, &ls);
                }
            }
            put_piece(text, p, &ls);
        }
        for (; next_j < e; next_j++)
            if (L->v[next_j].col > 1 && L->v[next_j].kind < PC_INLINE)
                put_piece(text, &L->v[next_j], &ls);
        /* the inline junk after the line's last piece */
        while (ls.iinl < ls.ninl) {
            size_t at = ls.iinl;
            advance(text, &ls, (size_t)ls.inl[at]->col);
            if (ls.iinl == at) /* out of spaces: here */
                inline_next(text, &ls);
        }
        i = e;
    }
    if (L->n)
        rb_buf_putc(text, '\n');
    for (size_t i = 0; i < L->n; i++)
        free(L->v[i].text);
    free(L->v);
    free(ls.inl);
    if (ls.over && L->st == RB_OK)
        L->st = rb_error_set(L->err, RB_EINPUT, "xml", L->path, 1, 1, "xml-bad-value",
                             "the columns (rb:col, col) ask for more spaces than the source "
                             "had bytes (%ld)",
                             L->max_col - 1);
    return L->st;
}

/* A junk record's line and col (strict), for the element e: 0, or -1 with L's error. */
static int junk_place(lines *L, const rb_xel *e, long *line, long *col)
{
    *line = *col = 0;
    const char *bad = rb_xel_long(e, "line", 0, L->max_line, line) < 0 ? "line"
                      : rb_xel_long(e, "col", 0, L->max_col, col) < 0  ? "col"
                                                                       : NULL;
    if (!bad)
        return 0;
    if (L->st == RB_OK)
        L->st = rb_xel_bad_value(L->err, L->path, e, bad);
    return -1;
}

/* The record of the given kind and text t (changed here) at line, col; name and eline are the
 * element's, for an error. */
static void junk_lines(lines *L, long line, long col, const char *kind, char *t,
                       const xmlChar *name, long eline)
{
    int insertion = kind && strcmp(kind, "insertion") == 0;
    int inline_junk = insertion || (kind && strcmp(kind, "annotation") == 0);
    if (inline_junk && line > 0 && col > 0 && *t && !strpbrk(t, "\r\n")) {
        /* back at its column (lines_text), where the file says the columns */
        RB_GROW(L->v, L->n, L->cap);
        L->v[L->n] = (piece){line, L->n, PC_INLINE, rb_xstrdup(t), col, insertion, 0};
        L->n++;
        return;
    }
    if (insertion)
        insertion_warning(L, line, col, t);
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
                bad_line_at(L, name, eline);
                break;
            }
            if (*p) {
                RB_GROW(L->v, L->n, L->cap);
                L->v[L->n] =
                    (piece){l, L->n, PC_TEXT, rb_xstrdup(p), l == line ? col : 1, 0, 1};
                L->n++;
            }
            p = nl ? nl + 1 : NULL;
        }
    }
}

/* A junk record: set aside when compiled, it goes back on its lines for the text to compile
 * as it did (a repeated copy, a table of contents, a page footer shape the structure around
 * them); what sat inside a line (an insertion, an annotation: the model reads on without it)
 * goes back at its column where the file has rb:col (lines_text), else an insertion is reported
 * as its record says. */
static void junk_record(lines *L, xmlNodePtr n)
{
    rb_xel e;
    rb_xel_of_node(&e, n);
    long line, col;
    if (junk_place(L, &e, &line, &col) < 0)
        return;
    char *kind = rb_xml_prop(n, "kind"), *t = rb_xml_content(n);
    junk_lines(L, line, col, kind, t, n->name, e.line);
    free(kind);
    free(t);
}

static void collect(lines *L, xmlNodePtr n)
{
    for (; n && L->st == RB_OK; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_rb(n, "junk"))
            junk_record(L, n);
        else if (is_akn(n, "p")) /* preface or content: on its line, after any number */
            line_put(L, line_of(L, n), n, PC_TEXT);
        else if (is_akn(n, "num"))
            line_put(L, line_of(L, n->parent), n, PC_NUM);
        else if (is_akn(n, "heading"))
            line_put(L, line_of(L, n), n, PC_HEADING);
        else
            collect(L, n->children); /* meta/proprietary holds the junk records */
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

/* ---- the same from the parser's events (no tree) --------------------------------------------- */

/* What collect does, as the elements go by: an open element's rb:line is its own or its
 * parent's (line_of looks up the ancestors), and a piece (akn:p, akn:num, akn:heading, a junk
 * record) gathers the character data inside it. The source's line count (rb:source/@lines)
 * bounds the lines: a piece before the first rb:source sends the file to the tree. */
typedef struct lnest {
    int state; /* 0: no rb:line here or above, 1: v, 2: damaged */
    long v;
    const xmlChar *name; /* the element that says it (the parser's string) and its line */
    long eline;
} lnest;

static void lines_source(sax_reader *S, const rb_xel *e)
{
    long nl = 0;
    if (rb_xel_long(e, "lines", 0, MAX_LINE, &nl) < 0) {
        sax_stop(S, rb_xel_bad_value(S->W.err, S->W.path, e, "lines"));
        return;
    }
    S->L->max_line = nl > 0 ? nl + 1 : MAX_LINE;
    long nb = 0;
    if (rb_xel_long(e, "bytes", 0, LONG_MAX / 2, &nb) < 0) {
        sax_stop(S, rb_xel_bad_value(S->W.err, S->W.path, e, "bytes"));
        return;
    }
    S->L->max_col = nb > 0 ? nb + 1 : MAX_COL;
    long fmt = 0;
    if (rb_xel_long(e, "format", 1, MAX_FORMAT, &fmt) < 0) {
        sax_stop(S, rb_xel_bad_value(S->W.err, S->W.path, e, "format"));
        return;
    }
    S->L->has_cols |= fmt >= 2;
}

static void lines_start(sax_reader *S, const rb_xel *e)
{
    lines *L = S->L;
    if (S->cap) { /* inside a piece: its text only */
        S->cap++;
        return;
    }
    lnest me = S->nln ? S->ln[S->nln - 1] : (lnest){0, 0, NULL, 0};
    rb_buf tmp;
    rb_buf_init(&tmp);
    const char *lv = rb_xel_ns_prop(e, RB_NS, "line", &tmp);
    if (lv) { /* a line past the source's is found when a piece asks (line_of) */
        long v;
        me = (lnest){line_value(lv, LONG_MAX, &v) ? 1 : 2, v, e->name, e->line};
    }
    rb_buf_free(&tmp);
    RB_GROW(S->ln, S->nln, S->cln);
    S->ln[S->nln++] = me;
    /* (the name first, as rb_xel_is asks) */
    int kind = xmlStrEqual(e->name, X("p"))         ? PC_TEXT
               : xmlStrEqual(e->name, X("num"))     ? PC_NUM
               : xmlStrEqual(e->name, X("heading")) ? PC_HEADING
                                                    : -1;
    if (kind >= 0 && !(e->uri && xmlStrEqual(e->uri, X(RB_AKN_NS))))
        kind = -1;
    int junk = kind < 0 && rb_xel_is(e, RB_NS, "junk");
    if (!junk && kind < 0)
        return;
    if (!S->source_seen) { /* the lines are not bounded yet: the tree reads it */
        S->again = 1;
        sax_stop(S, RB_EINPUT);
        rb_xsax_halt(&S->x);
        return;
    }
    S->ctext.len = 0;
    S->cap_name = e->name;
    S->cap_eline = e->line;
    if (junk) {
        if (junk_place(L, e, &S->cap_line, &S->cap_col) < 0) {
            sax_stop(S, L->st);
            return;
        }
        rb_buf kt;
        rb_buf_init(&kt);
        const char *k = rb_xel_prop(e, "kind", &kt);
        free(S->cap_jkind);
        S->cap_jkind = k ? rb_xstrdup(k) : NULL;
        rb_buf_free(&kt);
        S->cap_kind = -1;
        S->cap = 1;
        return;
    }
    /* a number is on its parent's line, the others on their own */
    const lnest *at = kind == PC_NUM ? (S->nln >= 2 ? &S->ln[S->nln - 2] : NULL) : &me;
    S->cap_line = 0;
    if (at && at->state) {
        if (at->state == 2 || at->v > L->max_line) {
            bad_line_at(L, at->name, at->eline);
            sax_stop(S, L->st);
            return;
        }
        S->cap_line = at->v;
    }
    S->cap_col = S->cap_line > 0 ? col_of(L, e) : 0; /* as line_put reads it */
    if (S->cap_col < 0) {
        sax_stop(S, L->st);
        return;
    }
    S->cap_kind = kind;
    S->cap = 1;
}

static void lines_end(sax_reader *S)
{
    if (S->cap > 1) {
        S->cap--;
        return;
    }
    if (S->cap == 1) {
        S->cap = 0;
        char *t = (char *)rb_buf_cstr(&S->ctext);
        if (S->cap_kind >= 0) {
            line_put_text(S->L, S->cap_line, S->cap_col, rb_xstrdup(t), S->cap_kind);
        } else {
            junk_lines(S->L, S->cap_line, S->cap_col, S->cap_jkind, t, S->cap_name,
                       S->cap_eline);
            if (S->L->st != RB_OK)
                sax_stop(S, S->L->st);
        }
    }
    if (S->nln)
        S->nln--;
}

/* ---- a compiled file read back ---------------------------------------------------------------- */

static void lines_free(lines *L)
{
    for (size_t i = 0; i < L->n; i++)
        free(L->v[i].text);
    free(L->v);
    L->v = NULL;
    L->n = L->cap = 0;
}

/* The metadata (into *meta), the pieces (L) and the junk records' warnings (junkd) of a
 * compiled file: from the parser's events, or (tree, or a file the events send there) from
 * the parsed tree. */
static rb_status read_back(const char *path, const char *data, size_t n, int tree,
                           rb_rulebook **meta, lines *L, rb_diags *junkd, rb_error *err)
{
    *meta = NULL;
    *L = (lines){.max_line = MAX_LINE, .max_col = MAX_COL, .junkd = junkd, .src = path,
                 .path = path, .st = RB_OK, .err = err};
    for (int fast = 1; !tree; fast = 0) {
        sax_reader S;
        memset(&S, 0, sizeof S);
        S.W = (walker){rulebook_new(path, NULL), 0, path, RB_OK, err, 1};
        S.L = L;
        sax_parse(&S, data, n, fast);
        if (!S.again && !S.declined) {
            rb_status st = S.W.st;
            *meta = walked(&S.W); /* the walk's error, or none: its metadata */
            if (!*meta)
                return err->status;
            return st;
        }
        rb_rulebook_free(S.W.r);
        lines_free(L);
        rb_diags_free(junkd);
        rb_diags_init(junkd);
        *L = (lines){.max_line = MAX_LINE, .max_col = MAX_COL, .junkd = junkd, .src = path,
                 .path = path, .st = RB_OK, .err = err};
        if (S.again)
            break;
    }
    xmlDocPtr x = rb_xml_read_mem(path, data, n, err);
    x = x ? check_akn(x, path, err) : NULL;
    if (!x)
        return err->status;
    *meta = rulebook_of(x, path, NULL, 1, err);
    if (!*meta) {
        xmlFreeDoc(x);
        return err->status;
    }
    /* the source's line count bounds rb:line; without it, the file's own size does */
    xmlNodePtr sn = source_node(xmlDocGetRootElement(x));
    long nl = 0, nb = 0, fmt = 0;
    if (sn && rb_xml_long(sn, "lines", 0, MAX_LINE, &nl) < 0)
        L->st = rb_xml_bad_value(err, path, sn, "lines");
    else if (sn && rb_xml_long(sn, "bytes", 0, LONG_MAX / 2, &nb) < 0)
        L->st = rb_xml_bad_value(err, path, sn, "bytes");
    else if (sn && rb_xml_long(sn, "format", 1, MAX_FORMAT, &fmt) < 0)
        L->st = rb_xml_bad_value(err, path, sn, "format");
    L->has_cols |= fmt >= 2;
    L->max_line = nl > 0 ? nl + 1 : MAX_LINE;
    L->max_col = nb > 0 ? nb + 1 : MAX_COL;
    if (L->st == RB_OK)
        collect(L, xmlDocGetRootElement(x));
    xmlFreeDoc(x);
    return L->st;
}

rb_status rb_akn_read_back(const char *name, const char *data, size_t n, int tree, rb_buf *text,
                           rb_diags *junk, rb_error *err)
{
    rb_rulebook *meta;
    lines L;
    rb_status st = read_back(name, data, n, tree, &meta, &L, junk, err);
    rb_status st2 = lines_text(&L, text);
    if (st == RB_OK)
        st = st2;
    rb_rulebook_free(meta);
    return st;
}

/* The file read back and compiled again (data is the file's bytes; path names it in the
 * diagnostics, never a path written inside it). */
static rb_status load_doc(const rb_grammar *g, const char *path, const char *data, size_t n,
                          const rb_compile_opts *o, rb_doc **out, rb_diags *diags, rb_error *err)
{
    *out = NULL;
    rb_rulebook *meta;
    lines L;
    rb_diags junkd;
    rb_diags_init(&junkd);
    rb_status st = read_back(path, data, n, 0, &meta, &L, &junkd, err);
    rb_buf text;
    rb_buf_init(&text);
    rb_status st2 = lines_text(&L, &text);
    if (st == RB_OK)
        st = st2;
    rb_doc *d = NULL;
    if (st == RB_OK) {
        rb_compile_opts co = *o;
        co.no_meta = 1;
        co.meta_path = NULL;
        /* its control characters passed when it compiled; put back without the blank lines
         * and spaces the XML does not keep, they may be a larger share of a shorter text */
        co.limits.max_control_pct = 100;
        st = rb_compile_bytes(g, path, text.data ? text.data : "", text.len, &co, &d, diags,
                              err);
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

rb_status rb_akn_load_doc(const rb_grammar *g, const char *path, const rb_compile_opts *o,
                          rb_doc **out, rb_diags *diags, rb_error *err)
{
    *out = NULL;
    char *data;
    size_t n;
    if (rb_input_read(path, NULL, &data, &n, err) != RB_OK)
        return err->status;
    rb_status st = load_doc(g, path, data, n, o, out, diags, err);
    free(data);
    return st;
}

rb_status rb_akn_load_doc_mem(const rb_grammar *g, const char *name, const char *data, size_t n,
                              const rb_compile_opts *o, rb_doc **out, rb_diags *diags,
                              rb_error *err)
{
    return load_doc(g, name, data, n, o, out, diags, err);
}
