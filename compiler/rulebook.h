/* rulebook.h: the public API of librulebook, the library behind build/rulebook. Its types are
 * opaque (their structs are in model.h, which the stages and the tests share), as in cmark and
 * jq: a caller compiles, analyzes and renders through these functions.
 *
 * Pipeline (one .c file per stage):
 *   source.c    bytes -> decoded UTF-8 text with a line index
 *   normalize.c text -> normalized matching view (width, punctuation, script) + map back
 *   grammar.c   grammar/ YAML files -> compiled PCRE2 patterns
 *   parse.c     view + grammar -> document model (preface, chapters, articles, points, junk)
 *   dedup.c     restarted runs of articles -> one article per number, differences reported
 *   akn.c       model -> Akoma Ntoso 3.0 XML (and back, for compiled inputs)
 *   diag.c      diagnostics and the error record
 *
 * Ownership: every rb_X_new/rb_X_load returns an object the caller frees with rb_X_free.
 * Strings inside returned structs belong to the struct. Spans (rb_span) are offsets into the
 * normalized view (rb_view.text) of the document that holds them.
 */
#ifndef RULEBOOK_H
#define RULEBOOK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RB_VERSION "0.1.0"
/* rb:source/@format of the XML written: 2, the pieces say their columns (rb:col) */
#define RB_MODEL_FORMAT 2

/* ---- status and error record (diag.c) ---------------------------------------------------- */

typedef enum rb_status {
    RB_OK = 0,
    RB_EIO,       /* file could not be read or written */
    RB_EENCODING, /* not decodable text */
    RB_EINPUT,    /* decodable but unusable: empty, binary, no articles, too large */
    RB_EGRAMMAR,  /* a grammar or metadata file is broken */
    RB_ELIMIT,    /* a resource limit was hit */
    RB_ENOMEM,
    RB_EUSAGE
} rb_status;

/* The error record filled by every fallible call: where (file, line, col), which stage,
 * which rule, and one sentence. line/col are 1-based, 0 when unknown. */
typedef struct rb_error {
    rb_status status;
    const char *stage; /* static string: "source", "grammar", "parse", "akn", ... */
    char file[1024];
    unsigned line, col;
    char rule[64];
    char message[1024];
} rb_error;

void rb_error_clear(rb_error *err);
rb_status rb_error_set(rb_error *err, rb_status st, const char *stage, const char *file,
                       unsigned line, unsigned col, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
const char *rb_status_name(rb_status st);

typedef enum rb_severity { RB_NOTE = 0, RB_WARNING = 1, RB_ERROR = 2 } rb_severity;

typedef struct rb_diag {
    rb_severity severity;
    char *file;
    unsigned line, col;
    char *rule;
    char *message;
} rb_diag;

/* A growable list of diagnostics. rb_diags_add copies its strings. */
typedef struct rb_diags {
    rb_diag *items;
    size_t n, cap;
} rb_diags;

void rb_diags_init(rb_diags *d);
void rb_diags_free(rb_diags *d);
void rb_diags_add(rb_diags *d, rb_severity sev, const char *file, unsigned line, unsigned col,
                  const char *rule, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
void rb_diags_add_error(rb_diags *d, const rb_error *err);
size_t rb_diags_count(const rb_diags *d, rb_severity at_least);
/* FILE:LINE:COL: severity: message [rule-id] */
void rb_diag_print_text(FILE *out, const rb_diag *dg);
/* One JSON array of {file,line,column,severity,message,rule}. */
void rb_diags_print_json(FILE *out, const rb_diags *d);
const char *rb_severity_name(rb_severity s);

/* ---- growable byte buffer (buf.c) -------------------------------------------------------- */

typedef struct rb_buf {
    char *data;
    size_t len, cap;
    /* a buffer with a sink (rb_buf_spill_to) hands what it holds to the sink whenever it is
     * full at RB_BUF_SPILL bytes, and keeps only what came after: an output of any size is
     * written as it is made, in a buffer that stays small */
    int (*sink)(void *ctx, const char *p, size_t n); /* 0: taken, else it failed */
    void *sink_ctx;
    int sink_failed; /* the sink failed once: what comes after is dropped */
} rb_buf;
#define RB_BUF_SPILL ((size_t)1 << 20)

void rb_buf_init(rb_buf *b);
void rb_buf_free(rb_buf *b);
void rb_buf_put(rb_buf *b, const void *p, size_t n);
/* n more bytes at the end (not set; NUL after them): where to write them */
char *rb_buf_extend(rb_buf *b, size_t n);
void rb_buf_puts(rb_buf *b, const char *s);
void rb_buf_putc(rb_buf *b, char c);
/* v in decimal, without printf (writers put millions of numbers); rb_int_digits writes them
 * at the end of d and says where they start (*n of them) */
void rb_buf_put_int(rb_buf *b, long long v);
const char *rb_int_digits(char d[24], long long v, size_t *n);
/* b's bytes as a C string ("" when it has none; b keeps them): valid until b changes. */
const char *rb_buf_cstr(rb_buf *b);
void rb_buf_printf(rb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rb_buf_vprintf(rb_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
char *rb_buf_detach(rb_buf *b); /* NUL-terminated; caller frees */
/* From now on b spills into sink(ctx, bytes, n); rb_buf_spill_end hands over the rest and
 * says 0 when the sink took every byte, -1 when it failed (b is then empty, sinkless). */
void rb_buf_spill_to(rb_buf *b, int (*sink)(void *ctx, const char *p, size_t n), void *ctx);
int rb_buf_spill_end(rb_buf *b);
/* a formatted string of any length; caller frees */
char *rb_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *rb_xmalloc(size_t n);
void *rb_xcalloc(size_t n, size_t sz);
void *rb_xrealloc(void *p, size_t n);
char *rb_xstrdup(const char *s);
char *rb_xstrndup(const char *s, size_t n);

/* ---- outputs (output.c): one rule for every command ------------------------------------------ */

/* Write a command's output: out NULL or "-" is standard output; an existing directory gets
 * out/name (name: a file per input, or the command's own file, e.g. compare.md); anything else
 * is a file, written atomically. */
rb_status rb_write_output(const char *out, const char *name, const char *data, size_t len,
                          rb_error *err);
int rb_output_is_stdout(const char *out);
/* The file a command writes for out and name (as above), or NULL for standard output. */
char *rb_output_path(const char *out, const char *name);
/* NAME.ext for an input path .../NAME.txt; caller frees. */
char *rb_output_name(const char *input, const char *ext);
/* Do two of names[0..n) agree? The first input whose name an earlier one has goes to *second,
 * the earliest with that name to *first: 1, else 0. O(n log n): a run of many inputs to one
 * directory asks it before it writes any. */
int rb_output_clash(const char *const *names, size_t n, size_t *first, size_t *second);
/* Write data to path atomically: a temp file in the same directory, then rename.
 * A failed write leaves the old file untouched and no temp file behind. */
rb_status rb_write_atomic(const char *path, const char *data, size_t len, rb_error *err);
/* Same, for writers that stream: rb_atomic_open gives a temp path to write to;
 * rb_atomic_commit renames it into place, rb_atomic_abort removes it. An existing target
 * that is not a regular file (/dev/null, a FIFO) is written in place, never replaced. */
typedef struct rb_atomic {
    char *final_path;
    char *tmp_path;
    int fd;
} rb_atomic;
/* Never write over this file (an input of the run): rb_atomic_open refuses it. */
void rb_output_protect(const char *path);
/* Remove the temporary files of unfinished outputs when SIGINT, SIGTERM, SIGHUP, SIGQUIT,
 * SIGXFSZ or SIGPIPE ends the run. */
void rb_output_install_signals(void);
rb_status rb_atomic_open(rb_atomic *a, const char *path, rb_error *err);
rb_status rb_atomic_commit(rb_atomic *a, rb_error *err);
void rb_atomic_abort(rb_atomic *a);

/* An output written as it is made, by the rule of rb_write_output: rb_out_open (out and
 * name as there) makes b spill into it; rb_out_close hands over the rest and puts the file
 * in place, or, when a write failed, leaves nothing (one error). */
typedef struct rb_out {
    rb_atomic a;
    int to_stdout;
    int err_no; /* errno of the first failed write; 0: none */
    char *path; /* the file's path, NULL for standard output */
} rb_out;
rb_status rb_out_open(rb_out *o, const char *out, const char *name, rb_buf *b, rb_error *err);
rb_status rb_out_close(rb_out *o, rb_buf *b, rb_error *err);

/* ---- limits ------------------------------------------------------------------------------ */

typedef struct rb_limits {
    size_t max_bytes;    /* largest input accepted */
    size_t max_line;     /* longest line accepted, bytes */
    size_t max_articles; /* most articles in one document */
    unsigned max_control_pct; /* a text whose control characters (other than tab, line and
                                 page breaks) are more than this % of its bytes, and more
                                 than 8, is refused as binary; 100: never */
} rb_limits;

void rb_limits_default(rb_limits *l);

/* ---- the opaque types ------------------------------------------------------------------------ */

typedef struct rb_grammar rb_grammar;   /* grammar/ files, compiled */
typedef struct rb_doc rb_doc;           /* one compiled rulebook: source, view, model, facts */
typedef struct rb_rulebook rb_rulebook; /* a rulebook as compare sees it: metadata and facts */
typedef struct rb_diff rb_diff;         /* two versions aligned */

/* ---- grammar (grammars.c) ------------------------------------------------------------------ */

/* Load every *.yaml under dir (`grammar: structure`, `extract` or `check`). Patterns are
 * compiled once (made machine code, JIT, at their first match). */
rb_status rb_grammar_load(const char *dir, rb_grammar **out, rb_error *err);
/* Load one more grammar file into g. */
rb_status rb_grammar_add_file(rb_grammar *g, const char *path, rb_error *err);
void rb_grammar_free(rb_grammar *g);
/* What the matches of one pattern cost (`compile --stat=patterns`): a structure pattern, an
 * extraction rule, a check pattern, or a role's gate (the id gate-ROLE). */
typedef struct rb_patstat {
    const char *id, *file; /* the id, and the grammar file (as it was loaded from) */
    unsigned line;         /* the line of its regex there */
    uint64_t calls;        /* matches asked for (those its first byte or length rule out too) */
    uint64_t matches;      /* of them, found */
    double seconds;        /* time in them (a clock read's cost a call taken off) */
} rb_patstat;
/* From now on, time every match of g's patterns (two clock reads a match: some 50 ns). */
void rb_grammar_profile(rb_grammar *g);
/* The patterns asked at least once since, the costliest first, in an array the caller frees
 * (the strings are g's); *n gets how many. */
rb_patstat *rb_grammar_pattern_stats(const rb_grammar *g, size_t *n);
/* The default grammar directory: $RULEBOOK_GRAMMAR, next to the executable (../grammar,
 * ../share/rulebook/grammar), or the compiled-in data dir. Caller frees. */
char *rb_grammar_default_dir(void);

/* ---- compile (parse.c, dedup.c) ---------------------------------------------------------- */

/* Seconds spent in each stage (added up over the files of a run): `compile --stat`. */
typedef struct rb_timings {
    double source, normalize, parse, extract, write;
    size_t bytes, files;
    /* the extraction's work: sentences, those any rule's literals let through to its pattern,
     * and the pattern runs (calls of the regex engine) and the facts they gave */
    size_t sentences, sentences_matched, regex_calls, facts;
} rb_timings;

/* Where the facts of many rulebooks live when a run keeps them all (compare keeps thousands):
 * one arena for all of them, in blocks that grow to 4 MB (on huge pages where the kernel
 * offers them), instead of a few small blocks of each rulebook's own. Rulebooks are filled in
 * it one at a time (a compile, a read), never two at once. Freeing a rulebook frees none of
 * its strings; free the store after the last rulebook whose facts are in it is done with. */
typedef struct rb_factstore rb_factstore;
rb_factstore *rb_factstore_new(void);
void rb_factstore_free(rb_factstore *s);

typedef struct rb_compile_opts {
    rb_limits limits;
    const char *meta_path; /* explicit sidecar, or NULL to look for FILE.yaml beside FILE */
    int no_meta;           /* do not look for a sidecar */
    int no_facts;          /* skip the fact extraction (structure only) */
    rb_timings *timings;   /* when non-NULL, stage times are added here */
    /* the caller only writes the document out (XML, tree, lines): a traditional text's source
     * is held compactly while its view is in use, and the view's text is given up at the end
     * (the document's view->text is NULL after); a fact's original words, where they differ
     * from its normalized ones, are not copied but read from the document when written (its
     * text is NULL: rb_fact_text; rb_rulebook_from_doc gives them back) */
    int write_only;
    /* with write_only, the source is held so from this many bytes on (0: any size): a small
     * text saves nothing worth the passes over it */
    size_t compact_from;
    /* the facts' strings go to this store (borrowed; NULL: the document's own arena) */
    rb_factstore *facts_store;
    /* the raw bytes' SHA-256 is not computed: for a caller that writes no Akoma Ntoso, where
     * it is the only use (rb:source/@sha256, left out when there is none) */
    int no_digest;
} rb_compile_opts;

double rb_now(void); /* monotonic seconds */

/* ---- many files (batch.c) ---------------------------------------------------------------- */

/* Compile files one after another (jobs <= 1) or in `jobs` worker processes. Each file's
 * result (status and diagnostics) is handed to on_file in input order, whatever the number
 * of jobs; on_progress is called as files finish. With out_dir, OUT_DIR/NAME.xml is written
 * atomically for each file; without, files are compiled and checked only. Returns RB_OK, or an
 * error when the workers could not be run (the per-file problems go to on_file). */
typedef struct rb_batch_opts {
    rb_compile_opts compile;
    const char *out_dir;
    int jobs;
    void (*on_file)(size_t index, const char *file, rb_status st, const rb_diags *diags,
                    void *ud);
    void (*on_progress)(size_t done, size_t total, size_t bytes, double seconds, void *ud);
    void *ud;
} rb_batch_opts;

rb_status rb_batch_compile(const rb_grammar *g, char **files, size_t n, const rb_batch_opts *o,
                           rb_timings *tm, rb_error *err);
/* DIR/BASENAME-without-extension.xml; caller frees. */
char *rb_batch_out_name(const char *dir, const char *input);

void rb_compile_opts_default(rb_compile_opts *o);

/* Read, decode, normalize and parse one file into a document model. Problems in the document
 * (numbering, junk, duplicates) go to diags; failure to compile returns non-OK with err. */
rb_status rb_compile_file(const rb_grammar *g, const char *path, const rb_compile_opts *opts,
                          rb_doc **out, rb_diags *diags, rb_error *err);
rb_status rb_compile_bytes(const rb_grammar *g, const char *name, const char *bytes, size_t n,
                           const rb_compile_opts *opts, rb_doc **out, rb_diags *diags,
                           rb_error *err);

/* ---- documents (doc.c, meta.c) -------------------------------------------------------------- */

void rb_doc_free(rb_doc *d);
/* Tree dump used by the spec tests and `compile --format tree`. */
void rb_doc_dump(const rb_doc *d, rb_buf *out);
/* One line per preface line, chapter and article, in the original text (`--format lines`,
 * the git textconv view: a line diff of two of these is aligned by article). */
void rb_doc_lines(const rb_doc *d, rb_buf *out);
/* A sidecar for a compiled text (rulebook init): what the compiler found, the jurisdiction and
 * level guessed from the title, and a commented line for each key it could not fill. */
void rb_meta_render(const rb_doc *d, const char *text_name, rb_buf *out);

/* ---- rulebooks and compare (compare.c, render_compare.c) ----------------------------------- */

rb_rulebook *rb_rulebook_from_doc(rb_doc *d); /* takes d->facts (d keeps none) */
rb_status rb_rulebook_read_xml(const char *path, rb_rulebook **out, rb_error *err);
/* The same with the facts' strings in store (see rb_factstore; NULL: the rulebook's own). */
rb_status rb_rulebook_read_xml_in(const char *path, rb_factstore *store, rb_rulebook **out,
                                  rb_error *err);
void rb_rulebook_free(rb_rulebook *r);


typedef enum rb_format { RB_FMT_MD = 0, RB_FMT_CSV, RB_FMT_JSON, RB_FMT_HTML } rb_format;

/* md and html: one column per rulebook (wide), or distributions by level and one long table
 * (summary); auto: wide up to RB_COMPARE_WIDE_MAX rulebooks. */
typedef enum rb_layout { RB_LAYOUT_AUTO = 0, RB_LAYOUT_WIDE, RB_LAYOUT_SUMMARY } rb_layout;
#define RB_COMPARE_WIDE_MAX 12

typedef struct rb_compare_opts {
    rb_format format;
    int unmatched; /* list sentences that look like a dimension but gave no fact */
    int bom;       /* CSV: start with a UTF-8 BOM for spreadsheets */
    rb_layout layout;
    const rb_grammar *grammar; /* for the dimensions' titles; NULL: the built-in ones */
} rb_compare_opts;

void rb_compare_render(rb_rulebook *const *rbs, size_t n, const rb_compare_opts *o,
                       rb_buf *out);

/* ---- check (check.c, render_findings.c) ---------------------------------------------------- */

typedef struct rb_findings rb_findings;
typedef enum rb_check_format { RB_CHECK_TEXT = 0, RB_CHECK_JSON, RB_CHECK_SARIF } rb_check_format;

rb_findings *rb_findings_new(void);
void rb_findings_free(rb_findings *f);
/* Check compiled documents: each against itself and the built-in references (a file's findings
 * are the same alone or with others), and, when both are given, a rulebook against the
 * higher-level one it cites. cd holds their compile diagnostics, which become findings too.
 * out (from rb_findings_new) is sorted by file and line. */
rb_status rb_check(const rb_grammar *g, rb_doc *const *docs, size_t n, const rb_diags *cd,
                   rb_findings *out, rb_error *err);
/* The same, a document at a time, so that a run over many files holds one document, not all:
 * rb_checker_new clears out (from rb_findings_new; the checker borrows it and g); each
 * rb_checker_add checks d with its compile diagnostics (those of cd naming d; cd may be NULL)
 * and keeps only what the check across documents needs, so d may be freed after it;
 * rb_checker_finish runs that check and sorts out (RB_ELIMIT when a pattern gave up). */
typedef struct rb_checker rb_checker;
rb_checker *rb_checker_new(const rb_grammar *g, rb_findings *out);
void rb_checker_add(rb_checker *ch, const rb_doc *d, const rb_diags *cd);
rb_status rb_checker_finish(rb_checker *ch, rb_error *err);
void rb_checker_free(rb_checker *ch);
/* Drop the findings whose fingerprints appear in a previous JSON or SARIF output; returns how
 * many were dropped. */
size_t rb_findings_apply_baseline(rb_findings *fs, const char *baseline, size_t n);
/* Read a --baseline file (a regular file within 256 MiB) and check that it is a findings file
 * of check: *data (malloc'd) and *n, or an error with the file named. */
rb_status rb_findings_read_baseline(const char *path, char **data, size_t *n, rb_error *err);
/* Is data (read from path) a findings file of check (JSON or SARIF)? RB_OK, or an error. */
rb_status rb_findings_check_baseline(const char *path, const char *data, size_t n, rb_error *err);
/* The summary line of the text output: counts by severity and category, and what min hides. */
void rb_findings_summary(const rb_findings *fs, rb_severity min, rb_buf *b);
void rb_findings_render(const rb_findings *fs, rb_check_format fmt, rb_severity min, rb_buf *b);
size_t rb_findings_count(const rb_findings *fs, rb_severity min);

/* ---- diff (diff.c) ------------------------------------------------------------------------------ */

typedef enum rb_diff_status {
    RB_DIFF_UNCHANGED = 0,
    RB_DIFF_MODIFIED,
    RB_DIFF_RENUMBERED,
    RB_DIFF_MOVED,   /* to another chapter */
    RB_DIFF_SPLIT,   /* one old article -> several new */
    RB_DIFF_MERGED,  /* several old articles -> one new */
    RB_DIFF_ADDED,
    RB_DIFF_DELETED,
    RB_DIFF_NOT_COMPARED /* past the end of an excerpt */
} rb_diff_status;

typedef enum rb_diff_format { RB_DIFF_TEXT = 0, RB_DIFF_MD, RB_DIFF_JSON } rb_diff_format;

/* Align two versions (both compiled, with facts). The documents must outlive the diff. */
rb_diff *rb_diff_new(const rb_doc *old_doc, const rb_doc *new_doc);
void rb_diff_free(rb_diff *df);
/* Is the old (which 0) or new (1) version a partial excerpt? */
int rb_diff_partial(const rb_diff *df, int which);
/* Why OLD and NEW look like two different rulebooks (another jurisdiction or title, hardly an
 * article in common), or NULL. */
const char *rb_diff_different(const rb_diff *df);
/* Anything changed (dims NULL), or a fact of one of the comma-separated dimensions. */
int rb_diff_changed(const rb_diff *df, const char *dims);
/* Is every comma-separated item of dims a dimension of the grammar? RB_OK, or RB_EUSAGE with a
 * message naming the valid ones (an empty list or item is an error too). */
rb_status rb_diff_check_dims(const rb_grammar *g, const char *dims, rb_error *err);
void rb_diff_render(const rb_diff *df, rb_diff_format fmt, int color, rb_buf *out);

/* Is FILE a compiled .xml (by its name; "-": standard input that starts with '<')? */
int rb_input_is_xml(const char *path);

/* ---- Akoma Ntoso (akn.c) ----------------------------------------------------------------- */

#define RB_AKN_NS "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
#define RB_NS "urn:x-rulebook:model:1"

rb_status rb_akn_write(const rb_doc *d, const char *path, rb_error *err); /* atomic */
/* A compiled .xml read back as a document: the text of its preface and body is laid out on
 * the source lines it came from and compiled again (so line numbers are the source's), the
 * sidecar metadata it recorded is applied, and its junk records (insertions, duplicate copies)
 * become diagnostics. */
rb_status rb_akn_load_doc(const rb_grammar *g, const char *path, const rb_compile_opts *o,
                          rb_doc **out, rb_diags *diags, rb_error *err);
/* The same from a compiled file in memory (name for the messages). */
rb_status rb_akn_load_doc_mem(const rb_grammar *g, const char *name, const char *data, size_t n,
                              const rb_compile_opts *o, rb_doc **out, rb_diags *diags,
                              rb_error *err);
rb_status rb_akn_write_buf(const rb_doc *d, rb_buf *out, rb_error *err); /* appended to out */
rb_status rb_akn_write_fd(const rb_doc *d, int fd, rb_error *err);

#endif
