/* internal.h: declarations shared between library stages but not part of the public API. */
#ifndef RULEBOOK_INTERNAL_H
#define RULEBOOK_INTERNAL_H

#include "model.h"
#include "pairhash.h"

#include <string.h> /* (strlen, in the XML writer's macros) */

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <yaml.h>

/* ---- YAML documents (yamldoc.c) ----------------------------------------------------------- */

/* Load a whole YAML file; on a syntax error err gets file:line:col and the problem. */
/* (within max_bytes: a grammar file or a sidecar is small; a FIFO or device is refused) */
rb_status rb_yaml_load(const char *path, size_t max_bytes, yaml_document_t *doc, rb_error *err);
#define RB_MAX_GRAMMAR_FILE ((size_t)16 << 20) /* 16 MiB */
#define RB_MAX_SIDECAR ((size_t)1 << 20)       /* 1 MiB */
#define RB_MAX_BASELINE ((size_t)256 << 20)    /* 256 MiB */
rb_status rb_yaml_load_bytes(const char *name, const char *data, size_t n, yaml_document_t *doc,
                             rb_error *err);
yaml_node_t *rb_yaml_get(yaml_document_t *doc, yaml_node_t *map, const char *key);
/* Scalar value or NULL when node is not a scalar. */
const char *rb_yaml_str(yaml_node_t *node);
unsigned rb_yaml_line(yaml_node_t *node);
unsigned rb_yaml_col(yaml_node_t *node);
/* Items of a sequence node: *n set, returns the item array (node ids), or NULL. */
yaml_node_item_t *rb_yaml_items(yaml_node_t *node, size_t *n);
/* Pairs of a mapping node. */
yaml_node_pair_t *rb_yaml_pairs(yaml_node_t *node, size_t *n);
/* List *.yaml files in dir, sorted; caller frees each and the array. */
char **rb_yaml_list_dir(const char *dir, size_t *n, rb_error *err);

/* ---- the grammar's loaders (grammars.c dispatches a file to the one of its kind) ------------ */

/* `grammar: structure` (grammar.c), `grammar: extract` (extract.c), `grammar: check` (check.c):
 * add the file's content to g; an error names the file, the line and the pattern. */
rb_status rb_structure_add(rb_grammar *g, const char *path, yaml_document_t *doc,
                           yaml_node_t *root, rb_error *err);
rb_status rb_extract_add(rb_grammar *g, const char *path, yaml_document_t *doc,
                         yaml_node_t *root, rb_error *err);
rb_status rb_check_add(rb_grammar *g, const char *path, yaml_document_t *doc, yaml_node_t *root,
                       rb_error *err);
void rb_structure_free(rb_grammar *g);
/* The patterns' records (rb_grammar.prof) freed. */
void rb_grammar_profile_free(rb_grammar *g);
void rb_extract_rules_free(struct rb_extract_rules *r);
/* The literal automaton of the loaded fact rules (their `needs:` and the dimensions'
 * keywords) over s: the set of literals s holds, in rb_extract_literal_words(g) 64-bit words
 * (0 without fact rules). how 0 walks s once; with RB_LITERALS_SPLIT as the extraction does
 * (two halves at a time, the same set); with RB_LITERALS_BYTES over bytes even where the
 * automaton over characters was built (rb_extract_literals_by_chars), the same set. For
 * tests. */
#define RB_LITERALS_SPLIT 1
#define RB_LITERALS_BYTES 2
size_t rb_extract_literal_words(const rb_grammar *g);
void rb_extract_literals(const rb_grammar *g, const char *s, size_t n, uint64_t *present,
                         int how);
int rb_extract_literals_by_chars(const rb_grammar *g);
/* Literal id of that set (its bytes, *len of them), or NULL past the last. For tests. */
const char *rb_extract_literal(const rb_grammar *g, size_t id, size_t *len);
/* The same over two texts at once, as the extraction walks a paragraph's sentences. */
void rb_extract_literals_pair(const rb_grammar *g, const char *s1, size_t n1, uint64_t *p1,
                              const char *s2, size_t n2, uint64_t *p2);
void rb_check_rules_free(struct rb_check_rules *r);
/* The PCRE2 match context (limits) and match data of a grammar (grammar.c). */
void rb_regex_context_init(rb_grammar *g);
void rb_regex_context_free(rb_grammar *g);

/* ---- patterns (grammar.c) ------------------------------------------------------------------ */

/* Compile one regex with the project's options (UTF, JIT, limits). Returns NULL and fills err
 * (with file/line of the pattern) when it does not compile. */
void *rb_regex_compile(const char *pattern, const char *file, unsigned line, unsigned col,
                       const char *id, rb_error *err);
void rb_regex_free(void *code);
/* The same for a pattern of the grammar being loaded: taken from the patterns kept with its
 * examples' stamp when they are there, and kept for the stamp when it is to be written. */
void *rb_grammar_regex(rb_grammar *g, const char *pattern, const char *file, unsigned line,
                       unsigned col, const char *id, rb_error *err);
/* The compiled patterns kept between runs (grammar.c; the stamp's path and writing: grammars.c) */
typedef struct rb_codecache rb_codecache;
rb_codecache *rb_codecache_recorder(void);           /* to record a load's patterns */
rb_codecache *rb_codecache_read(const char *data, size_t len); /* NULL: not a good stamp */
int rb_codecache_write(const rb_codecache *cc, rb_buf *out);   /* 0: nothing to write */
size_t rb_codecache_taken(const rb_codecache *cc);
void rb_codecache_free(rb_codecache *cc);
/* Has it been made machine code? (at its first match once the grammar has loaded) */
int rb_regex_is_jit(void *code);
/* Is every match anchored at the start of the subject (each alternative begins with ^)? */
int rb_regex_anchored(void *code);
const char *rb_regex_version(void); /* "10.42 2022-12-11" */
/* Expand {{name}} macros from a `define:` mapping. Returns malloc'd string, NULL on an
 * unknown macro (err filled). */
char *rb_expand_macros(yaml_document_t *doc, yaml_node_t *defines, const char *src,
                       const char *file, unsigned line, rb_error *err);
/* Match a compiled regex (from rb_regex_compile) against s[0..n) from start. */
int rb_regex_match(const rb_grammar *g, void *code, const char *id, const char *s, size_t n,
                   size_t start, size_t *ov, size_t nov, rb_error *err);
/* The same for a match that starts at limit at the latest ((size_t)-1: anywhere) */
int rb_regex_match_upto(const rb_grammar *g, void *code, const char *id, const char *s,
                        size_t n, size_t start, size_t limit, size_t *ov, size_t nov,
                        rb_error *err);
int rb_regex_group(void *code, const char *name, const size_t *ov, size_t nov, size_t *s,
                   size_t *e);
int rb_regex_has_group(void *code, const char *name);
/* A named group's number (-1: none), and the group k of a match (0, or -1 when unset) */
int rb_regex_group_number(void *code, const char *name);
int rb_regex_group_at(int k, const size_t *ov, size_t nov, size_t *s, size_t *e);
/* Literal keys (n of them, klen bytes each, UTF-8) as a regex that matches what the alternation
 * of the keys sorted longest first matches, in the same order of preference, written as a
 * prefix tree: 市长|市长办公会|市政府 -> 市(?:长(?:办公会)?|政府). PCRE2 tries the branches of an
 * alternation one by one at each position; the tree tries one branch per character. The order
 * is kept: the keys that match at one position are prefixes of one another, and the tree tries
 * its branches before the key that ends at a node. Metacharacters are escaped; keys are split
 * between characters, never inside one. Appends to b, with no group around the whole. */
void rb_regex_literals(rb_buf *b, const char *const *keys, const size_t *klen, size_t n);

/* ---- doc helpers (doc.c) ------------------------------------------------------------------- */

size_t rb_doc_add_junk(rb_doc *d, rb_span s, const char *kind, const char *rule);
/* Append the view text of s, junk removed, to out; with vo, record the view offset of every
 * byte appended at (*vo)[out->len …] (grown as needed; *vocap is its capacity). */
void rb_doc_append_norm(const rb_doc *d, rb_span s, rb_buf *out, size_t **vo, size_t *vocap);
/* A run of text copied from the view: bytes [at, at + len) of the copy are view bytes
 * [view, view + len). */
typedef struct rb_piece {
    size_t at, view, len;
} rb_piece;
/* rb_doc_append_norm with the view offsets as pieces (*pc grown as needed, *cap its capacity;
 * a run that goes on from the last piece extends it), not one offset per byte. */
void rb_doc_append_pieces(const rb_doc *d, rb_span s, rb_buf *out, rb_piece **pc, size_t *npc,
                          size_t *cap);
/* The view offset of byte at of a copy made of pieces (sorted by at, covering it). */
size_t rb_piece_view(const rb_piece *pc, size_t npc, size_t at);
/* 1 when no junk span overlaps s: its text is the view's bytes from s.off, as they are. */
int rb_doc_span_clean(const rb_doc *d, rb_span s);
void rb_doc_sort_junk(rb_doc *d);
/* The original bytes [*a, *z) of view bytes [vs, ve), widened to whole characters: one
 * character of the source may give several of the view (… gives ...). */
void rb_doc_orig_range(const rb_doc *d, size_t vs, size_t ve, size_t *a, size_t *z);
/* Line and column (1-based, code points of the ORIGINAL text) of a view offset. */
void rb_doc_linecol(const rb_doc *d, size_t view_off, unsigned *line, unsigned *col);

/* ---- escapers (escape.c): one per output format -------------------------------------------- */

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0 when it is not one. */
size_t rb_utf8_valid_len(const unsigned char *s, size_t n);
void rb_esc_html(rb_buf *b, const char *s); /* text and attribute values: & < > " ' */
/* An RFC 4180 cell; one a spreadsheet would take for a formula (=, +, -, @) gets a leading ' */
void rb_esc_csv(rb_buf *b, const char *s);
void rb_esc_md(rb_buf *b, const char *s);   /* a Markdown table cell: | \ < > &, no line break */
void rb_esc_yaml(rb_buf *b, const char *s); /* a double-quoted YAML scalar */
/* One line of a message: controls (newline, ESC, C1, U+2028/9) as visible escapes. */
void rb_esc_line(rb_buf *b, const char *s);
char *rb_line_str(const char *s); /* the same, malloc'd */

/* ---- JSON output (jsonw.c) ------------------------------------------------------------------- */

typedef struct rb_jw {
    rb_buf *b;
    int depth;
    size_t count[32]; /* items so far in each open container */
    int after_key;
    const char *ws; /* whitespace before the next item */
} rb_jw;
void rb_jw_init(rb_jw *w, rb_buf *b);
void rb_jw_obj(rb_jw *w);
void rb_jw_end_obj(rb_jw *w);
void rb_jw_arr(rb_jw *w);
void rb_jw_end_arr(rb_jw *w);
void rb_jw_key(rb_jw *w, const char *k);
void rb_jw_str(rb_jw *w, const char *s); /* NULL: null */
void rb_jw_strn(rb_jw *w, const char *s, size_t n);
void rb_jw_int(rb_jw *w, long long v);
/* a key and its value in one call */
void rb_jw_kstr(rb_jw *w, const char *k, const char *s);
void rb_jw_kint(rb_jw *w, const char *k, long long v);
void rb_jw_num(rb_jw *w, double v); /* not finite: null */
void rb_jw_bool(rb_jw *w, int v);
void rb_jw_null(rb_jw *w);
void rb_jw_ws(rb_jw *w, const char *ws); /* whitespace before the next item (a literal) */
/* A finite decimal number, strictly (the whole string): 0 and *v, or -1. */
int rb_json_number(const char *s, double *v);

/* ---- XML output (xmlw.c) -------------------------------------------------------------------- */

/* A streaming writer: element-only content is indented, inline (mixed) content is not; C0
 * controls other than tab/LF/CR are written as Control Pictures (U+2400 + c). A write error or
 * misuse is remembered and reported by rb_xw_free (-1). */
typedef struct rb_xw rb_xw;
rb_xw *rb_xw_new(int fd);          /* writes the XML declaration; fd is not closed */
rb_xw *rb_xw_new_buf(rb_buf *out); /* the same, appending to out */
int rb_xw_free(rb_xw *w);          /* flushes; 0, or -1 when anything failed */
/* Names come with their lengths (nlen): the macros below measure a literal name at compile
 * time, not at every element. */
void rb_xw_start_n(rb_xw *w, const char *name, size_t nlen); /* name must outlive the element */
void rb_xw_start_inline_n(rb_xw *w, const char *name, size_t nlen); /* mixed content: no indentation inside */
void rb_xw_attr_n(rb_xw *w, const char *name, size_t nlen, const char *val); /* val NULL: no attribute */
#define rb_xw_start(w, name) rb_xw_start_n((w), (name), strlen(name))
#define rb_xw_start_inline(w, name) rb_xw_start_inline_n((w), (name), strlen(name))
#define rb_xw_attr(w, name, val) rb_xw_attr_n((w), (name), strlen(name), (val))
void rb_xw_attrf(rb_xw *w, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* an integer attribute, without printf (the writer writes millions of line numbers) */
void rb_xw_attr_int_n(rb_xw *w, const char *name, size_t nlen, long long v);
#define rb_xw_attr_int(w, name, v) rb_xw_attr_int_n((w), (name), strlen(name), (v))
void rb_xw_text(rb_xw *w, const char *s, size_t n);
void rb_xw_end(rb_xw *w);
void rb_xw_element(rb_xw *w, const char *name, const char *text); /* start, text, end */
/* C0 controls are written as base + c (Control Pictures by default). */
void rb_xw_set_control_base(rb_xw *w, uint32_t base);
/* The first block (U+2400, U+F700, U+F600, U+F500) s does not use, or 0. */
uint32_t rb_xml_control_base(const char *s, size_t n);
/* Map base + c back to the C0 control c in place (base 0: nothing); returns the new length. */
size_t rb_xml_unpicture(char *s, size_t n, uint32_t base);

/* ---- XML events (xmlscan.c) ---------------------------------------------------------------- */

/* A reader of an XML file's events that builds no tree: its handlers, which get SAX2's
 * arguments (attrs: localname, prefix, URI, value, end for each of nattr; strings valid during
 * the parse, the attributes during the call) and the line of each start tag. */
typedef struct rb_xsax {
    void *u;
    void (*start)(void *u, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
                  int nattr, const xmlChar **attrs, long line);
    void (*end)(void *u, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri);
    void (*chars)(void *u, const xmlChar *c, int len);
    int halted;             /* (rb_xsax_halt) */
    xmlParserCtxtPtr ctxt;  /* libxml2's, while it parses */
} rb_xsax;
/* The events of data. fast: the scanner of the subset of XML the tool writes: 1 when it took
 * the file (every event given, or the handlers halted), -1 when it declined it (perhaps after
 * some events: the reader starts over with fast 0). Else libxml2's parser: 1 well-formed, 0 not
 * (err: xml-invalid with libxml2's line and column). The DOCTYPE check (rb_xml_prolog_ok) is
 * the caller's. */
int rb_xsax_parse(rb_xsax *x, const char *path, const char *data, size_t n, int fast,
                  rb_error *err);
/* From a handler: no more events. */
void rb_xsax_halt(rb_xsax *x);
/* 0: the scanner declines every file (tests and benchmarks: libxml2 alone); 1: the default. */
void rb_xsax_set_fast(int on);

/* ---- XML input (xmlr.c) --------------------------------------------------------------------- */

/* Parse the bytes of a file the tool wrote as a tree: no DOCTYPE, no network, within libxml2's
 * limits. NULL with err (file, line, column) when it is not well-formed. */
xmlDocPtr rb_xml_read_mem(const char *name, const char *data, size_t n, rb_error *err);
/* The parts of rb_xml_read_mem, for a reader of the parser's events: the prolog check (1, or 0 with err:
 * a DOCTYPE is refused), the parse options, and the last parse error as err (xml-invalid). */
int rb_xml_prolog_ok(const char *path, const char *data, size_t n, rb_error *err);
#define RB_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR | XML_PARSE_COMPACT)
void rb_xml_parse_error(const char *path, rb_error *err);
int rb_xml_is(xmlNodePtr n, const char *ns, const char *name); /* an element ns:name */
/* The node after n in document order, without going into the text (akn:body, akn:preface):
 * a walk over the metadata and the project's elements. */
xmlNodePtr rb_xml_next_outside_text(xmlNodePtr n);
/* The block a file's C0 controls were written as (rb:source/@controls; 0: none), for what
 * rb_xml_prop and rb_xml_content read from it next. */
void rb_xml_set_control_base(uint32_t base);
uint32_t rb_xml_doc_control_base(xmlDocPtr x);
uint32_t rb_xml_control_base_of(const char *controls); /* the same from the attribute's value */
char *rb_xml_prop(xmlNodePtr n, const char *name);  /* unprefixed attribute or NULL (malloc'd) */
char *rb_xml_content(xmlNodePtr n);                 /* text content (malloc'd) */
/* The same without a copy: libxml2's own string, or tmp's where Control Pictures were mapped
 * back or the value is in several nodes; valid until the node goes or tmp is used again. */
const char *rb_xml_prop_ref(xmlNodePtr n, const char *name, rb_buf *tmp);
const char *rb_xml_content_ref(xmlNodePtr n, rb_buf *tmp);
/* An integer attribute in [lo, hi]: 0 and *out set (absent: 0, *out untouched), or -1 when it is
 * not strictly one. */
int rb_xml_long(xmlNodePtr n, const char *name, long lo, long hi, long *out);
/* The error for a damaged attribute: FILE:LINE:1 … [xml-bad-value]; returns RB_EINPUT. */
rb_status rb_xml_bad_value(rb_error *err, const char *path, xmlNodePtr n, const char *name);
/* An element as a reader sees it: a node of a parsed tree, or a SAX2 start tag (compare reads
 * the facts from the parser's events, the oracle of its fuzzer from the tree). Borrowed: valid
 * while the node or the start tag's callback is. */
typedef struct rb_xel {
    xmlNodePtr node; /* NULL: a start tag, its attributes below */
    const xmlChar *uri, *prefix, *name;
    const xmlChar **attrs; /* SAX2's array: localname, prefix, URI, value, end per attribute */
    int nattrs;
    long line; /* ≥ 1 */
} rb_xel;
void rb_xel_of_node(rb_xel *e, xmlNodePtr n);
/* The three above for either kind; a value in tmp or libxml2's, as rb_xml_prop_ref. */
const char *rb_xel_prop(const rb_xel *e, const char *name, rb_buf *tmp);
const char *rb_xel_ns_prop(const rb_xel *e, const char *ns, const char *name, rb_buf *tmp);
int rb_xel_long(const rb_xel *e, const char *name, long lo, long hi, long *out);
/* ... of the attribute name in the namespace ns (NULL: none); the error names it rb:name. */
int rb_xel_ns_long(const rb_xel *e, const char *ns, const char *name, long lo, long hi,
                   long *out);
rb_status rb_xel_bad_value(rb_error *err, const char *path, const rb_xel *e, const char *name);
rb_status rb_xel_bad_ns_value(rb_error *err, const char *path, const rb_xel *e, const char *ns,
                              const char *name);
int rb_xel_is(const rb_xel *e, const char *ns, const char *name);

/* ---- the facts XML (render_facts.c) -------------------------------------------------------- */

/* d: the document whose texts a fact without its own is read from (rb_fact_text) */
void rb_facts_write_xml(rb_xw *w, const rb_facts *fs, const rb_doc *d);
/* An rb:fact or rb:unmatched element into fs (others are ignored). */
rb_status rb_facts_read_node(xmlNodePtr n, rb_facts *fs, const char *path, rb_error *err);
/* The start tag of an rb:fact or rb:unmatched checked as the readers above read it (its
 * numbers: the same error for a damaged one), nothing built: for a reader that extracts the
 * facts again and needs the file's own only to be sound. */
rb_status rb_facts_check_head(const rb_xel *e, const char *path, rb_error *err);
/* The same from a parser's events, no tree built: _begin at an rb:fact's or rb:unmatched's start
 * tag, then _start, _text and _end for what is inside it, _finish at its end tag (the fact goes
 * into fs), or _drop to give up on it (after an error). The two buffers are the caller's,
 * initialized once and freed after the last fact. An error: the status, err set, the fact
 * dropped by the call that failed. */
typedef struct rb_facts_sax {
    rb_facts *fs;
    int unmatched;
    rb_fact f;
    rb_unmatched u;
    unsigned depth; /* of the element open below the fact (0: the fact itself) */
    int role;       /* what the open child of the fact is read as */
    int item, has_words;
    rb_buf text, words;
} rb_facts_sax;
rb_status rb_facts_sax_begin(rb_facts_sax *s, rb_facts *fs, const rb_xel *e, const char *path,
                             rb_error *err);
rb_status rb_facts_sax_start(rb_facts_sax *s, const rb_xel *e, const char *path, rb_error *err);
void rb_facts_sax_text(rb_facts_sax *s, const unsigned char *c, int len);
void rb_facts_sax_end(rb_facts_sax *s);
void rb_facts_sax_finish(rb_facts_sax *s);
void rb_facts_sax_drop(rb_facts_sax *s);

/* ---- the reference (reference.c, data from tools/genlexicon.c) ---------------------------- */

/* Is the character bigram a,b inside some word of jieba's list? */
int rb_lex_has(uint32_t a, uint32_t b);
/* How often the bigram a,b occurs in the clean reference texts. */
size_t rb_ref_bigram(uint32_t a, uint32_t b);
/* The reference bigrams as a hash table, for a loop that asks for every bigram of a text
 * (rb_ref_lookup inline, where a call of rb_ref_bigram each and a table half full were an
 * eighth of check): open addressing over mask + 1 slots, at most a quarter full (256 KB: a
 * lookup takes 1.1 probes, where half full took 1.4, a mispredicted branch each), each the
 * key a << 16 | b (0: empty; no key is 0, a and b are CJK characters) and its count side by
 * side. Built at the first call. The library is single-threaded; -j forks processes. */
typedef struct rb_refslot {
    uint32_t key, n;
} rb_refslot;
const rb_refslot *rb_ref_table(size_t *mask);
static inline size_t rb_ref_lookup(const rb_refslot *t, size_t mask, uint32_t a, uint32_t b)
{
    if (a > 0xFFFF || b > 0xFFFF || !(a | b))
        return 0;
    uint32_t k = a << 16 | b;
    for (size_t p = rb_pair_hash(k, mask); t[p].key; p = (p + 1) & mask)
        if (t[p].key == k)
            return t[p].n;
    return 0;
}
int rb_ref_has_char(uint32_t c); /* does the character occur in them? (a bitmap) */

/* ---- character diff (chardiff.c) ----------------------------------------------------------- */

typedef enum rb_edit_op { RB_EQ = 0, RB_DEL, RB_INS } rb_edit_op;
typedef struct rb_edit {
    rb_edit_op op;
    size_t a, b, n; /* start in a, start in b (code point indexes), length in code points */
} rb_edit;

/* Myers diff of two code-point arrays. Returns the number of edit runs written to *out
 * (malloc'd), or (size_t)-1 when the edit distance exceeds max_d. When one is the other with
 * characters inserted, the script (the search's own) is found in one pass; else by the search,
 * whose trace takes about D^2 cells. */
size_t rb_chardiff(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, size_t max_d,
                   rb_edit **out);
/* The same by the search alone, whatever the texts (the tests hold the one pass to it). */
size_t rb_chardiff_search(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                          size_t max_d, rb_edit **out);
/* The edit distance alone (insertions plus deletions), or (size_t)-1 when it exceeds max_d: the
 * same search without the script's trace, in O(max_d) memory. */
size_t rb_chardiff_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                            size_t max_d);
/* Is the shorter of a and b a subsequence of the longer (the one the other with characters
 * inserted, their script insertions or deletions only)? O(na + nb). */
int rb_chardiff_nested(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);
/* For a caller that needs a script only where one text is the other with characters inserted
 * (dedup): then 1, the script in *out (*nout runs, as rb_chardiff gives it), or -1 when more
 * than max_nested were inserted; else 0 when the edit distance is at most max_apart (no
 * script: *out NULL), -1 when more. *pre: how many characters they share at their start
 * (where a difference starts). Their ends and the nested test are computed once. */
int rb_chardiff_classify(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                         size_t max_nested, size_t max_apart, rb_edit **out, size_t *nout,
                         size_t *pre);
/* Decode UTF-8 into code points, dropping whitespace; offs (optional) gets the byte offset of
 * each kept code point. Returns the count. Caller frees *cps and *offs. */
size_t rb_utf8_to_cps(const char *s, size_t n, uint32_t **cps, size_t **offs);
/* The same into c and o (room for n each; o may be NULL), the offsets plus base. */
size_t rb_utf8_to_cps_in(const char *s, size_t n, uint32_t *c, size_t *o, size_t base);

/* rb_rulebook_read_xml, always through the parsed tree (it reads the parser's events): the oracle of the fuzzer
 * tests/fuzz/fuzz_rbxml.c, which holds the two to the same result. */
rb_status rb_rulebook_read_xml_tree(const char *path, rb_rulebook **out, rb_error *err);
/* The text a compiled file reads back as (check and diff compile it again) and the warnings of
 * its junk records (appended to junk), from the parser's events (tree 0: what check and diff
 * do) or from the parsed tree (1): the two are held to the same by tests/fuzz/fuzz_rbxml.c. */
rb_status rb_akn_read_back(const char *name, const char *data, size_t n, int tree, rb_buf *text,
                           rb_diags *junk, rb_error *err);

#endif
