/* main.c: the rulebook command line. Each subcommand parses its options and calls the
 * library; nothing here knows how a rulebook is parsed. */
#include "rulebook.h"

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Exit codes, as in diff(1): 0 fine, 1 the documents have problems, 2 trouble. */
enum { EXIT_OK = 0, EXIT_FINDINGS = 1, EXIT_TROUBLE = 2 };

static const char *prog = "rulebook";

static const char HELP_MAIN[] =
    "rulebook " RB_VERSION ": compile and compare Chinese government work rulebooks\n"
    "\n"
    "usage: rulebook COMMAND [OPTIONS] FILE...\n"
    "\n"
    "commands:\n"
    "  compile   raw rulebook text -> Akoma Ntoso 3.0 XML (with the extracted facts)\n"
    "  compare   comparison tables across rulebooks: meetings, signing, leave, deadlines\n"
    "  check     consistency findings for legal staff (text, JSON, SARIF for CI)\n"
    "  diff      article-aligned difference of two versions (exit 1 when they differ)\n"
    "  init      set up a folder of your own texts: metadata sidecars and a Makefile\n"
    "  help      show the help of a command: rulebook help compile\n"
    "\n"
    "options for every command:\n"
    "  --grammar DIR   grammar directory (default: $RULEBOOK_GRAMMAR, then the installed one)\n"
    "  -h, --help      this help;  --version  print the version\n"
    "\n"
    "exit status: 0 no problem, 1 the documents have problems (errors found),\n"
    "             2 trouble (unreadable input, bad options, broken grammar)\n"
    "\n"
    "examples:\n"
    "  rulebook compile corpora/wuhan-2018.txt -o out/wuhan-2018.xml\n"
    "  rulebook compile corpora/*.txt -o out/\n"
    "  rulebook compare out/*.xml --format md\n"
    "  rulebook check corpora/*.txt --format sarif -o check.sarif\n"
    "  rulebook diff old.txt new.txt --fail-on meetings,deadlines\n"
    "See `man rulebook` or README.md for the tour.\n";

static const char HELP_COMPILE[] =
    "usage: rulebook compile FILE... [-o OUT] [--meta META.yaml] [--diagnostics text|json]\n"
    "                                [--format akn|tree|lines] [-j N] [--grammar DIR] [-q]\n"
    "\n"
    "Compile rulebook texts (UTF-8 with or without BOM, UTF-16 with BOM, GB18030, Big5;\n"
    "simplified or traditional script; LF or CRLF) into Akoma Ntoso 3.0 XML; FILE - is\n"
    "standard input. Diagnostics go to stderr as FILE:LINE:COL: severity: message [rule-id].\n"
    "\n"
    "  -o OUT              output file (one FILE) or directory (several FILEs: OUT/NAME.xml);\n"
    "                      without -o a single FILE is written to stdout. Files are written\n"
    "                      atomically: a failed run leaves no partial file behind.\n"
    "  --meta META.yaml    metadata sidecar (default: FILE's name with .yaml, if present)\n"
    "  --no-meta           do not read a sidecar\n"
    "  --no-facts          structure only: skip the fact extraction (faster)\n"
    "  --diagnostics FMT   text (default) or json (one JSON array on stderr)\n"
    "  --format FMT        akn (default), tree (the model as an indented outline), or lines\n"
    "                      (one line per article in the original script, junk set aside:\n"
    "                      the git textconv view, see README.md; a text that is not a\n"
    "                      rulebook is printed as it is, with a warning)\n"
    "  -j, --jobs N        compile several FILEs in N processes (0: one per CPU; default 1);\n"
    "                      diagnostics and exit status are the same for any N\n"
    "  -q, --quiet         no notes and no progress line, only warnings and errors\n"
    "  --stat[=patterns]   print the time each stage took, the throughput, and how many\n"
    "                      sentences reached a fact pattern, with the pattern runs; with\n"
    "                      =patterns also each pattern's calls, matches and time, the\n"
    "                      costliest first (timing every match slows the run a little)\n"
    "\n"
    "With -o DIR, 20 or more FILEs and stderr on a terminal, a progress line shows the files\n"
    "done and the throughput.\n"
    "\n"
    "exit status: 0 compiled, 1 compiled but a document has errors (e.g. broken numbering),\n"
    "             2 could not compile (I/O, encoding, grammar, limits)\n"
    "\n"
    "examples:\n"
    "  rulebook compile corpora/chongqing-2018.txt -o out/chongqing-2018.xml\n"
    "  rulebook compile -j 0 texts/*.txt -o out/\n"
    "  rulebook compile --format tree corpora/wujin-2021.txt | less\n";

static const char HELP_COMPARE[] =
    "usage: rulebook compare FILE... [--format md|csv|json|html] [--layout auto|wide|summary]\n"
    "                                [-o OUT] [--unmatched] [--bom] [--grammar DIR]\n"
    "                                [--diagnostics text|json] [-q]\n"
    "\n"
    "Compare rulebooks across jurisdictions: meeting types and frequencies (per year), signing\n"
    "authority by document, leave rules, deadlines and limits. FILE is a rulebook text (.txt,\n"
    "compiled and analyzed on the fly, with its sidecar) or a compiled .xml (facts read from\n"
    "its meta/analysis). Every cell names the article (§) it comes from, and roles and amounts\n"
    "as the text writes them, the code beside: 市长 (head), 3个工作日 (3 working_day).\n"
    "A rulebook is headed by its jurisdiction and date (重庆市 2018-07-07), its id added when\n"
    "two would read alike.\n"
    "\n"
    "  --format FMT   md (default): one table per dimension, rulebooks as columns\n"
    "                 csv: one row per fact (RFC 4180, UTF-8) with the rulebook's date, level\n"
    "                 and document number and the words of each field; json: the documented\n"
    "                 contract; html: one self-contained page with the article text on demand\n"
    "                 and a chart of meetings per year\n"
    "  --layout L     md and html: wide (a column per rulebook), summary (distributions by\n"
    "                 level: meetings per year with quartiles and outliers, who signs and who\n"
    "                 approves, deadline units; then every fact in one long table, sortable\n"
    "                 and filterable in html); auto (default): wide up to 12 rulebooks\n"
    "  -o OUT         write to OUT atomically (default: stdout)\n"
    "  --unmatched    also list sentences that look like a dimension but gave no fact\n"
    "  --bom          CSV: start with a UTF-8 byte-order mark (for spreadsheet programs)\n"
    "  --grammar DIR        the grammar directory (default: the one installed with rulebook)\n"
    "  --diagnostics FMT    text (default) or json: one JSON array on stderr, never a text line\n"
    "  -q, --quiet          no notes, only warnings and errors\n"
    "\n"
    "exit status: 0 compared, 2 trouble (an input that cannot be read gets its error line and\n"
    "             the others are still compared and written)\n"
    "\n"
    "examples:\n"
    "  rulebook compare out/*.xml --format html -o compare.html\n"
    "  rulebook compare corpora/*.txt --format csv --bom -o facts.csv\n";

static const char HELP_CHECK[] =
    "usage: rulebook check FILE... [--format text|json|sarif] [-o OUT] [--baseline FILE]\n"
    "                              [--min-severity note|warning|error] [--grammar DIR]\n"
    "                              [--diagnostics text|json] [-q]\n"
    "\n"
    "Consistency findings for legal staff: numbering, empty or truncated texts, duplicate copies\n"
    "and injected characters, pinyin and lost characters, mixed scripts, contradicting\n"
    "frequencies or deadlines, meetings used but never instituted, roles outside the\n"
    "composition, the wrong head-of-government word, superseded instruments and renamed\n"
    "bodies, the repeal clause and self-citation, a title cited with characters inserted; and,\n"
    "when both are given, deadlines longer than a cited higher-level rulebook's. A file's\n"
    "findings are the same checked alone or with others. FILE is a text (.txt) or a compiled\n"
    ".xml. Each finding: FILE:LINE:COL: severity: category: message [rule-id], in the words\n"
    "of the text, the category one of damaged copy, consistency, structure; the same words in\n"
    "one article are one finding with a count; the text output ends with a summary line.\n"
    "\n"
    "  --format FMT         text (default), json, or sarif (SARIF 2.1.0 for code scanning)\n"
    "  -o OUT               write to OUT atomically (default: stdout)\n"
    "  --baseline FILE      a previous json or sarif output of check (any other file is an\n"
    "                       error): findings listed there are not reported again (their\n"
    "                       fingerprints survive moved lines)\n"
    "  --min-severity S     report and count findings of severity S and above (default warning)\n"
    "  --grammar DIR        the grammar directory (default: the one installed with rulebook)\n"
    "  --diagnostics FMT    text (default) or json: one JSON array on stderr, never a text line\n"
    "  -q, --quiet          no notes, only warnings and errors\n"
    "\n"
    "exit status: 0 no finding at or above the threshold, 1 findings, 2 trouble (an input that\n"
    "             cannot be read gets its error line and the others are still checked)\n"
    "\n"
    "examples:\n"
    "  rulebook check corpora/chongqing-2018.txt\n"
    "  rulebook check corpora/*.txt --format sarif -o check.sarif\n"
    "  rulebook check new.txt --baseline accepted.json --min-severity warning\n";

static const char HELP_DIFF[] =
    "usage: rulebook diff OLD NEW [--format text|md|json] [--fail-on DIMENSIONS] [-o OUT]\n"
    "                             [--color auto|always|never] [--grammar DIR]\n"
    "                             [--diagnostics text|json] [-q]\n"
    "\n"
    "Article-aligned difference of two versions of a rulebook (.txt or compiled .xml): first\n"
    "what changed in the extracted facts (meetings, signing, leave, deadlines), then chapters,\n"
    "then the old -> new article map (unchanged, modified, renumbered, moved, split, merged,\n"
    "added, deleted) with a character diff of each modified article and the text of a deleted\n"
    "or added one; a run of articles renumbered by the same step is one line. Script, width,\n"
    "spacing and line breaks do not count. An excerpt is compared for what it contains, and\n"
    "two different rulebooks (another jurisdiction or title) are compared with a warning.\n"
    "\n"
    "  --format FMT           text ([-deleted-]{+inserted+}, coloured on a terminal), md\n"
    "                         (~~deleted~~ **inserted**), or json\n"
    "  --fail-on DIMENSIONS   exit 1 only when facts of these changed, e.g. meetings,deadlines\n"
    "                         (meetings, signing, leave, deadlines, or a YAML dimension)\n"
    "  --color WHEN           auto (default: on a terminal, unless NO_COLOR is set or TERM is\n"
    "                         dumb), always or never; colour is added to the markers, never\n"
    "                         instead of them\n"
    "  --fail-on with an unknown or empty dimension is an error (exit 2) naming the valid ones\n"
    "  --grammar DIR        the grammar directory (default: the one installed with rulebook)\n"
    "  --diagnostics FMT    text (default) or json: one JSON array on stderr, never a text line\n"
    "  -q, --quiet          no notes, only warnings and errors\n"
    "\n"
    "exit status (as diff(1)): 0 no difference, 1 differences, 2 trouble\n"
    "\n"
    "examples:\n"
    "  rulebook diff tests/fixtures/wujin-2017-opening.txt corpora/wujin-2021.txt\n"
    "  rulebook diff out/old.xml new.txt --format json --fail-on meetings,deadlines\n";

static const char HELP_INIT[] =
    "usage: rulebook init DIR [--grammar DIR] [--diagnostics text|json] [-q]\n"
    "\n"
    "Set up a folder of your own rulebook texts: for each DIR/NAME.txt without a sidecar, write\n"
    "DIR/NAME.yaml with what the compiler found in the text (title, date, document number,\n"
    "issuer; the jurisdiction and level guessed from the title) and a commented line for\n"
    "each key to fill in; and write DIR/Makefile, so that `make -C DIR` compiles every text\n"
    "into DIR/out/ and writes the comparison and the check findings there. Existing files\n"
    "are never overwritten.\n"
    "\n"
    "  --grammar DIR        the grammar directory (default: the one installed with rulebook)\n"
    "  --diagnostics FMT    text (default) or json: one JSON array on stderr, never a text line\n"
    "  -q, --quiet          no notes, only warnings and errors\n"
    "\n"
    "exit status: 0 set up, 1 a text could not be compiled (its error is shown; no sidecar),\n"
    "             2 trouble (DIR missing, unwritable)\n"
    "\n"
    "examples:\n"
    "  rulebook init ~/rulebooks && make -C ~/rulebooks\n";

/* --diagnostics json anywhere on the command line: even a usage error is JSON then */
static int json_everywhere;

static void usage_error(const char *cmd, const char *fmt, const char *arg)
{
    char msg[1200], full[1400];
    snprintf(msg, sizeof msg, fmt, arg);
    snprintf(full, sizeof full, "%s (see `rulebook help%s%s`)", msg, cmd ? " " : "",
             cmd ? cmd : "");
    rb_diags d;
    rb_diags_init(&d);
    rb_diags_add(&d, RB_ERROR, prog, 0, 0, "usage", "%s", full);
    if (json_everywhere)
        rb_diags_print_json(stderr, &d);
    else
        rb_diag_print_text(stderr, &d.items[0]);
    rb_diags_free(&d);
}

static const char *const DIAG_FORMATS[] = {"text", "json", NULL};

/* The index of arg among the NULL-terminated names; -1 after a usage error that lists them. */
static int choose(const char *cmd, const char *opt, const char *arg, const char *const *names)
{
    size_t n = 0;
    while (names[n])
        n++;
    for (size_t i = 0; i < n; i++)
        if (strcmp(arg, names[i]) == 0)
            return (int)i;
    char list[256] = "";
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
                 names[i]);
    }
    char msg[600];
    snprintf(msg, sizeof msg, "%s takes %s, not '%s'", opt, list, arg);
    usage_error(cmd, "%s", msg);
    return -1;
}

typedef struct common {
    const char *grammar_dir;
    int json_diags;
    int quiet;
    rb_diags diags;
} common;

/* The options every command shares, and the getopt errors: -1 to go on, else the exit code. */
static int common_option(int ch, const char *cmd, const char *help, common *c, char **argv)
{
    switch (ch) {
    case 'g': c->grammar_dir = optarg; return -1;
    case 'q': c->quiet = 1; return -1;
    case 'd': {
        int k = choose(cmd, "--diagnostics", optarg, DIAG_FORMATS);
        if (k < 0)
            return EXIT_TROUBLE;
        c->json_diags = k == 1;
        return -1;
    }
    case 'h': fputs(help, stdout); return EXIT_OK;
    case ':':
        usage_error(cmd, "option %s needs an argument", argv[optind - 1]);
        return EXIT_TROUBLE;
    default:
        usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        return EXIT_TROUBLE;
    }
}

static void flush_diags(common *c, size_t from)
{
    if (c->json_diags)
        return;
    for (size_t i = from; i < c->diags.n; i++)
        if (!c->quiet || c->diags.items[i].severity > RB_NOTE)
            rb_diag_print_text(stderr, &c->diags.items[i]);
}

static void finish_diags(common *c)
{
    if (c->json_diags) {
        if (c->quiet) {
            rb_diags kept;
            rb_diags_init(&kept);
            for (size_t i = 0; i < c->diags.n; i++) {
                const rb_diag *d = &c->diags.items[i];
                if (d->severity > RB_NOTE)
                    rb_diags_add(&kept, d->severity, d->file, d->line, d->col, d->rule, "%s",
                                 d->message);
            }
            rb_diags_print_json(stderr, &kept);
            rb_diags_free(&kept);
        } else {
            rb_diags_print_json(stderr, &c->diags);
        }
    }
    rb_diags_free(&c->diags);
}

/* A message about a whole file (no line: it cannot be opened, it is not a directory), printed
 * now like every diagnostic (text or JSON, -q). */
static void file_msg(common *c, rb_severity sev, const char *file, const char *rule,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void file_msg(common *c, rb_severity sev, const char *file, const char *rule,
                     const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t at = c->diags.n;
    rb_diags_add(&c->diags, sev, file, 0, 0, rule, "%s", msg);
    flush_diags(c, at);
}

static rb_grammar *load_grammar(common *c)
{
    char *dir = c->grammar_dir ? rb_xstrdup(c->grammar_dir) : rb_grammar_default_dir();
    rb_grammar *g = NULL;
    rb_error err;
    rb_error_clear(&err);
    if (rb_grammar_load(dir, &g, &err) != RB_OK) {
        rb_diags_add_error(&c->diags, &err);
        g = NULL;
    }
    free(dir);
    return g;
}

/* A command's output, by the one rule of output.c: -o FILE, -o DIR (DIR/name), -o - or none
 * (standard output). A failure is one error line and exit 2. */
static int output_failed(common *c, const rb_error *err)
{
    rb_diags_add_error(&c->diags, err);
    flush_diags(c, c->diags.n - 1);
    return EXIT_TROUBLE;
}

static int emit(common *c, const char *out, const char *name, const rb_buf *b)
{
    rb_error err;
    rb_error_clear(&err);
    if (rb_write_output(out, name, b->data, b->len, &err) != RB_OK)
        return output_failed(c, &err);
    return EXIT_OK;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- many files: results in input order, a progress line on a terminal ---------------- */

static void remove_stale(common *c, const char *out, const char *file, const char *format);

typedef struct batch_ui {
    common *c;
    int worst;
    const char *out, *format; /* where a failed input's stale output would be */
    int progress;      /* draw the progress line */
    int drawn;         /* a progress line is on screen */
    double last;       /* when it was last drawn */
} batch_ui;

static void progress_clear(batch_ui *u)
{
    if (u->drawn) {
        fputs("\r\033[K", stderr);
        u->drawn = 0;
    }
}

static void on_file(size_t index, const char *file, rb_status st, const rb_diags *dg, void *ud)
{
    (void)index;
    batch_ui *u = ud;
    int errors = 0;
    for (size_t k = 0; k < dg->n; k++) {
        const rb_diag *x = &dg->items[k];
        if (x->severity == RB_ERROR)
            errors = 1;
        if (u->c->json_diags)
            rb_diags_add(&u->c->diags, x->severity, x->file, x->line, x->col, x->rule, "%s",
                         x->message);
        else if (!u->c->quiet || x->severity > RB_NOTE) {
            progress_clear(u);
            rb_diag_print_text(stderr, x);
        }
    }
    if (st != RB_OK) {
        u->worst = EXIT_TROUBLE;
        if (u->out)
            remove_stale(u->c, u->out, file, u->format);
    } else if (errors && u->worst == EXIT_OK)
        u->worst = EXIT_FINDINGS;
}

static void on_progress(size_t done, size_t total, size_t bytes, double secs, void *ud)
{
    batch_ui *u = ud;
    if (!u->progress)
        return;
    double now = rb_now();
    if (done < total && now - u->last < 0.1)
        return;
    u->last = now;
    fprintf(stderr, "\r\033[Kcompiling: %zu/%zu files, %.1f MB, %.1f MB/s", done, total,
            (double)bytes / 1e6, secs > 0 ? (double)bytes / 1e6 / secs : 0.0);
    u->drawn = 1;
    if (done == total)
        progress_clear(u);
}

static int cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* An input that now fails leaves no output of an earlier run behind in the directory, which
 * would read as its result: DIR/NAME.xml is removed, and the note says so. */
static void remove_stale(common *c, const char *out, const char *file, const char *format)
{
    const char *ext = strcmp(format, "akn") == 0 ? "xml" : format[0] == 't' ? "tree" : "lines";
    char *name = rb_output_name(file, ext);
    char *path = rb_output_path(out, name);
    struct stat st;
    if (path && lstat(path, &st) == 0 && S_ISREG(st.st_mode) && unlink(path) == 0)
        file_msg(c, RB_NOTE, path, "output-removed",
                 "removed: the output of an earlier run, whose input now fails");
    free(path);
    free(name);
}

/* One line of --stat: on stderr, or a note in the JSON array of --diagnostics json. */
static void stat_line(common *c, const char *line)
{
    if (c->json_diags)
        rb_diags_add(&c->diags, RB_NOTE, "rulebook", 0, 0, "stat", "%s", line);
    else
        fprintf(stderr, "%s\n", line);
}

/* --stat=patterns: a line for each pattern that was asked, the costliest first; shares of
 * total (the run's time, or with -j the jobs' summed stage times: of). */
static void pattern_lines(common *c, const rb_patstat *p, size_t n, double total, const char *of)
{
    char line[600];
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += p[i].seconds;
    snprintf(line, sizeof line,
             "stat: %zu patterns asked, %.3f s in them (%.1f %% of %s; their first match's "
             "JIT compile included, a clock read's cost a match taken off); the costliest "
             "first:",
             n, sum, total > 0 ? 100 * sum / total : 0, of);
    stat_line(c, line);
    for (size_t i = 0; i < n; i++) {
        char where[300];
        snprintf(where, sizeof where, "%s:%u", p[i].file, p[i].line);
        snprintf(line, sizeof line,
                 "stat:   %9.1f ms %5.1f %%  %10llu calls %10llu matches  %-28s %s",
                 p[i].seconds * 1e3, total > 0 ? 100 * p[i].seconds / total : 0,
                 (unsigned long long)p[i].calls, (unsigned long long)p[i].matches, p[i].id,
                 where);
        stat_line(c, line);
    }
}

static int cmd_compile(int argc, char **argv)
{
    common c = {0};
    rb_diags_init(&c.diags);
    const char *out = NULL, *meta = NULL, *format = "akn";
    int no_meta = 0, no_facts = 0, stat = 0, jobs = 1;
    rb_timings tm = {0};
    double t_start = rb_now();
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"meta", required_argument, 0, 'm'},
                                         {"no-meta", no_argument, 0, 'M'},
                                         {"no-facts", no_argument, 0, 'N'},
                                         {"stat", optional_argument, 0, 'S'},
                                         {"jobs", required_argument, 0, 'j'},
                                         {"diagnostics", required_argument, 0, 'd'},
                                         {"format", required_argument, 0, 'f'},
                                         {"grammar", required_argument, 0, 'g'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:j:qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': out = optarg; break;
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*optarg == 0 || *end || v < 0 || v > 256) {
                usage_error("compile", "-j takes a number of jobs from 0 (one per CPU) to 256, "
                                       "not '%s'", optarg);
                return EXIT_TROUBLE;
            }
            jobs = v == 0 ? cpu_count() : (int)v;
            break;
        }
        case 'm': meta = optarg; break;
        case 'M': no_meta = 1; break;
        case 'N': no_facts = 1; break;
        case 'S': { /* --stat, --stat=stages (the same), --stat=patterns (and the patterns) */
            static const char *const names[] = {"stages", "patterns", NULL};
            int k = optarg ? choose("compile", "--stat", optarg, names) : 0;
            if (k < 0)
                return EXIT_TROUBLE;
            stat = 1 + k;
            break;
        }
        case 'f': {
            static const char *const names[] = {"akn", "tree", "lines", NULL};
            int k = choose("compile", "--format", optarg, names);
            if (k < 0)
                return EXIT_TROUBLE;
            format = names[k];
            break;
        }
        default: { /* --grammar, -q, --help and the errors, alike in every command */
            int rc = common_option(ch, "compile", HELP_COMPILE, &c, argv);
            if (rc >= 0)
                return rc;
            break;
        }
        }
    }
    int nfiles = argc - optind;
    char **files = argv + optind;
    if (nfiles < 1) {
        usage_error("compile", "%s", "compile needs at least one FILE");
        return EXIT_TROUBLE;
    }
    if (nfiles > 1 && !out) {
        usage_error("compile", "%s", "several FILEs need -o DIR");
        return EXIT_TROUBLE;
    }
    if (nfiles > 1 && meta) {
        usage_error("compile", "%s", "--meta applies to one FILE; use sidecars for several");
        return EXIT_TROUBLE;
    }
    int out_is_dir = out && (nfiles > 1 || is_dir(out));
    for (int i = 0; i < nfiles; i++)
        rb_output_protect(files[i]);
    if (out_is_dir) { /* two inputs of one name would write one output: say so, write none */
        const char *ext = strcmp(format, "akn") == 0 ? "xml" : format[0] == 't' ? "tree" : "lines";
        char **names = rb_xcalloc((size_t)nfiles, sizeof *names);
        for (int i = 0; i < nfiles; i++)
            names[i] = rb_output_name(files[i], ext);
        size_t first = 0, clash = 0;
        int clashed = rb_output_clash((const char *const *)names, (size_t)nfiles, &first, &clash);
        if (clashed) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s and %s would both be written to %s/%s; nothing was "
                                      "written",
                     files[first], files[clash], out, names[clash]);
            file_msg(&c, RB_ERROR, files[clash], "output-clash", "%s", msg);
        }
        for (int i = 0; i < nfiles; i++)
            free(names[i]);
        free(names);
        if (clashed) {
            finish_diags(&c);
            return EXIT_TROUBLE;
        }
    }
    /* another run may create the directory at the same moment: one that exists is fine */
    if (nfiles > 1 && !is_dir(out) && mkdir(out, 0777) != 0 && !(errno == EEXIST && is_dir(out))) {
        file_msg(&c, RB_ERROR, out, "io-write", "cannot create the output directory: %s",
                 strerror(errno));
        finish_diags(&c);
        return EXIT_TROUBLE;
    }
    rb_grammar *g = load_grammar(&c);
    if (!g) {
        flush_diags(&c, 0);
        finish_diags(&c);
        return EXIT_TROUBLE;
    }
    if (stat == 2)
        rb_grammar_profile(g);
    rb_compile_opts co;
    rb_compile_opts_default(&co);
    co.meta_path = meta;
    co.no_meta = no_meta;
    co.no_facts = no_facts;
    co.write_only = 1; /* every format only writes the documents out */
    co.no_digest = strcmp(format, "akn") != 0; /* the tree and the lines have no rb:source */
    co.compact_from = 1 << 20;
    if (stat)
        co.timings = &tm;
    int worst = EXIT_OK;
    /* with -j the stages run in the workers at once: --stat sums their times, and what is
     * left of the run's time is not the rest */
    int parallel = jobs > 1 && nfiles > 1 && out_is_dir && strcmp(format, "akn") == 0;
    if (out_is_dir && strcmp(format, "akn") == 0) {
        /* many files: one after another or in -j worker processes, results in input order */
        batch_ui u = {&c, EXIT_OK, out, format, isatty(2) && !c.quiet && nfiles >= 20, 0, 0};
        /* without a progress line nothing asks the bytes done (a stat of each input) */
        rb_batch_opts bo = {co, out, jobs, on_file, u.progress ? on_progress : NULL, &u};
        rb_error err;
        rb_error_clear(&err);
        if (rb_batch_compile(g, files, (size_t)nfiles, &bo, stat ? &tm : NULL, &err) != RB_OK) {
            progress_clear(&u);
            rb_diags_add_error(&c.diags, &err);
            flush_diags(&c, c.diags.n - 1);
            u.worst = EXIT_TROUBLE;
        }
        worst = u.worst;
        nfiles = 0; /* done */
    }
    for (int i = 0; i < nfiles; i++) {
        size_t mark = c.diags.n;
        rb_error err;
        rb_error_clear(&err);
        rb_doc *d = NULL;
        rb_status st = rb_compile_file(g, files[i], &co, &d, &c.diags, &err);
        if (st == RB_OK) {
            if (strcmp(format, "tree") == 0 || strcmp(format, "lines") == 0) {
                rb_buf b;
                rb_buf_init(&b);
                if (strcmp(format, "tree") == 0)
                    rb_doc_dump(d, &b);
                else
                    rb_doc_lines(d, &b);
                char *name = rb_output_name(files[i], format[0] == 't' ? "tree" : "lines");
                st = rb_write_output(out, name, b.data, b.len, &err);
                free(name);
                rb_buf_free(&b);
            } else if (rb_output_is_stdout(out)) {
                fflush(stdout);
                st = rb_akn_write_fd(d, 1, &err);
                if (st == RB_EIO) /* about the output */
                    snprintf(err.file, sizeof err.file, "%s", "<stdout>");
            } else {
                char *name = rb_output_name(files[i], "xml");
                char *path = rb_output_path(out, name);
                double tw = rb_now();
                st = rb_akn_write(d, path, &err);
                tm.write += rb_now() - tw;
                free(path);
                free(name);
            }
        }
        if (st != RB_OK && strcmp(format, "lines") == 0 && st != RB_EIO && st != RB_EGRAMMAR &&
            st != RB_EUSAGE) {
            /* the textconv view of a .txt that is not a rulebook (a README, notes): the text
             * as it is, so that `git diff` goes on */
            size_t at = c.diags.n;
            rb_diags_add(&c.diags, RB_WARNING, files[i], 0, 0, "lines-as-is",
                         "not compiled as a rulebook (%s); shown as it is", err.message);
            flush_diags(&c, at);
            rb_buf raw;
            rb_buf_init(&raw);
            FILE *f = fopen(files[i], "rb");
            char tmp[65536];
            size_t r;
            while (f && (r = fread(tmp, 1, sizeof tmp, f)) > 0)
                rb_buf_put(&raw, tmp, r);
            if (f)
                fclose(f);
            char *name = rb_output_name(files[i], "lines");
            rb_error_clear(&err);
            st = f ? rb_write_output(out, name, raw.data ? raw.data : "", raw.len, &err)
                   : rb_error_set(&err, RB_EIO, "compile", files[i], 0, 0, "io-read",
                                  "cannot open");
            free(name);
            rb_buf_free(&raw);
            mark = c.diags.n;
        }
        if (st != RB_OK) {
            rb_diags_add_error(&c.diags, &err);
            worst = EXIT_TROUBLE;
            if (out_is_dir)
                remove_stale(&c, out, files[i], format);
        } else {
            int errors = 0;
            for (size_t k = mark; k < c.diags.n; k++)
                if (c.diags.items[k].severity == RB_ERROR)
                    errors = 1;
            if (errors && worst == EXIT_OK)
                worst = EXIT_FINDINGS;
        }
        rb_doc_free(d);
        flush_diags(&c, mark);
    }
    size_t npat = 0;
    rb_patstat *pat = stat == 2 ? rb_grammar_pattern_stats(g, &npat) : NULL;
    double total = rb_now() - t_start;
    if (stat) {
        double mb = (double)tm.bytes / 1e6;
        char line[600], other[64];
        snprintf(other, sizeof other, ", other %.3f",
                 total - tm.source - tm.normalize - tm.parse - tm.extract - tm.write);
        snprintf(line, sizeof line,
                 "stat: %zu files, %.1f MB in %.3f s (%.1f MB/s): %ssource %.3f, normalize %.3f, "
                 "parse %.3f, extract %.3f, write %.3f%s; %zu sentences, %zu (%.1f %%) "
                 "reach a fact pattern, %zu pattern runs (%.2f a sentence), %zu facts",
                 tm.files, mb, total, total > 0 ? mb / total : 0,
                 parallel ? "the jobs' times summed: " : "", tm.source, tm.normalize, tm.parse,
                 tm.extract, tm.write, parallel ? "" : other, tm.sentences, tm.sentences_matched,
                 tm.sentences ? 100.0 * (double)tm.sentences_matched / (double)tm.sentences : 0,
                 tm.regex_calls,
                 tm.sentences ? (double)tm.regex_calls / (double)tm.sentences : 0, tm.facts);
        stat_line(&c, line);
    }
    if (stat == 2)
        pattern_lines(&c, pat, npat,
                      parallel ? tm.source + tm.normalize + tm.parse + tm.extract + tm.write
                               : total,
                      parallel ? "the jobs' summed stages" : "the run");
    free(pat);
    rb_grammar_free(g); /* (the patterns' ids and files are its) */
    finish_diags(&c);
    return worst;
}


/* Inputs as rulebooks: .xml read back, anything else compiled and analyzed. An input that
 * cannot be read or compiled gets its error line and is left out, so that one bad file among
 * 2,800 does not sink the table of the others; *bad counts them. Returns the good ones in input
 * order (*ngood of them). */
static rb_rulebook **load_rulebooks(common *c, rb_grammar *g, char **files, int n,
                                    rb_factstore *store, size_t *ngood, int *bad)
{
    rb_rulebook **rbs = rb_xcalloc((size_t)n, sizeof *rbs);
    rb_compile_opts co;
    rb_compile_opts_default(&co);
    co.facts_store = store;
    co.no_digest = 1; /* (written to the Akoma Ntoso only) */
    *bad = 0;
    *ngood = 0;
    for (int i = 0; i < n; i++) {
        size_t mark = c->diags.n;
        rb_error err;
        rb_error_clear(&err);
        rb_status st;
        rb_rulebook *r = NULL;
        if (rb_input_is_xml(files[i])) {
            st = rb_rulebook_read_xml_in(files[i], store, &r, &err);
        } else {
            rb_doc *d = NULL;
            st = rb_compile_file(g, files[i], &co, &d, &c->diags, &err);
            if (st == RB_OK)
                r = rb_rulebook_from_doc(d);
            rb_doc_free(d);
        }
        if (st != RB_OK) {
            rb_diags_add_error(&c->diags, &err);
            (*bad)++;
        } else {
            rbs[(*ngood)++] = r;
        }
        flush_diags(c, mark);
    }
    return rbs;
}

static int cmd_compare(int argc, char **argv)
{
    common c = {0};
    rb_diags_init(&c.diags);
    const char *out = NULL;
    rb_compare_opts co = {RB_FMT_MD, 0, 0, RB_LAYOUT_AUTO, NULL};
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"format", required_argument, 0, 'f'},
                                         {"layout", required_argument, 0, 'l'},
                                         {"unmatched", no_argument, 0, 'u'},
                                         {"bom", no_argument, 0, 'b'},
                                         {"diagnostics", required_argument, 0, 'd'},
                                         {"grammar", required_argument, 0, 'g'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': out = optarg; break;
        case 'f': { /* in the order of rb_format */
            static const char *const names[] = {"md", "csv", "json", "html", NULL};
            int k = choose("compare", "--format", optarg, names);
            if (k < 0)
                return EXIT_TROUBLE;
            co.format = (rb_format)k;
            break;
        }
        case 'l': { /* in the order of rb_layout */
            static const char *const names[] = {"auto", "wide", "summary", NULL};
            int k = choose("compare", "--layout", optarg, names);
            if (k < 0)
                return EXIT_TROUBLE;
            co.layout = (rb_layout)k;
            break;
        }
        case 'u': co.unmatched = 1; break;
        case 'b': co.bom = 1; break;
        default: { /* --grammar, -q, --help and the errors, alike in every command */
            int rc = common_option(ch, "compare", HELP_COMPARE, &c, argv);
            if (rc >= 0)
                return rc;
            break;
        }
        }
    }
    int n = argc - optind;
    if (n < 1) {
        usage_error("compare", "%s", "compare needs at least one FILE");
        return EXIT_TROUBLE;
    }
    for (int i = optind; i < argc; i++) /* the inputs are never written over */
        rb_output_protect(argv[i]);
    rb_grammar *g = load_grammar(&c);
    if (!g) {
        flush_diags(&c, 0);
        finish_diags(&c);
        return EXIT_TROUBLE;
    }
    size_t ngood;
    int bad;
    /* the facts of all the rulebooks in one arena: a few small blocks for each of thousands
     * of rulebooks took a third more memory, in pages faulted in one by one */
    rb_factstore *store = rb_factstore_new();
    rb_rulebook **rbs = load_rulebooks(&c, g, argv + optind, n, store, &ngood, &bad);
    int rc = bad ? EXIT_TROUBLE : EXIT_OK; /* the table of the others is still written */
    if (ngood) {
        /* written as it is made: a table over thousands of rulebooks is tens of MB */
        rb_buf b;
        rb_buf_init(&b);
        co.grammar = g;
        static const char *const names[] = {"compare.md", "compare.csv", "compare.json",
                                            "compare.html"};
        rb_out o;
        rb_error err;
        rb_error_clear(&err);
        rb_status st = rb_out_open(&o, out, names[co.format], &b, &err);
        if (st == RB_OK) {
            rb_compare_render(rbs, ngood, &co, &b);
            st = rb_out_close(&o, &b, &err);
        }
        if (st != RB_OK)
            rc = output_failed(&c, &err);
        rb_buf_free(&b);
    }
    for (size_t i = 0; i < ngood; i++)
        rb_rulebook_free(rbs[i]);
    free(rbs);
    rb_factstore_free(store);
    finish_diags(&c);
    rb_grammar_free(g);
    return rc;
}

static int cmd_check(int argc, char **argv)
{
    common c = {0};
    rb_diags_init(&c.diags);
    const char *out = NULL, *baseline = NULL;
    rb_check_format fmt = RB_CHECK_TEXT;
    rb_severity min = RB_WARNING;
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"format", required_argument, 0, 'f'},
                                         {"baseline", required_argument, 0, 'b'},
                                         {"min-severity", required_argument, 0, 's'},
                                         {"grammar", required_argument, 0, 'g'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"diagnostics", required_argument, 0, 'd'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': out = optarg; break;
        case 'f': { /* in the order of rb_check_format */
            static const char *const names[] = {"text", "json", "sarif", NULL};
            int k = choose("check", "--format", optarg, names);
            if (k < 0)
                return EXIT_TROUBLE;
            fmt = (rb_check_format)k;
            break;
        }
        case 'b': baseline = optarg; break;
        case 's': { /* in the order of rb_severity */
            static const char *const names[] = {"note", "warning", "error", NULL};
            int k = choose("check", "--min-severity", optarg, names);
            if (k < 0)
                return EXIT_TROUBLE;
            min = (rb_severity)k;
            break;
        }
        default: { /* --grammar, -q, --help and the errors, alike in every command */
            int rc = common_option(ch, "check", HELP_CHECK, &c, argv);
            if (rc >= 0)
                return rc;
            break;
        }
        }
    }
    int n = argc - optind;
    if (n < 1) {
        usage_error("check", "%s", "check needs at least one FILE");
        return EXIT_TROUBLE;
    }
    char *base = NULL;
    size_t nbase = 0;
    if (baseline) {
        rb_error err;
        rb_error_clear(&err);
        rb_output_protect(baseline);
        if (rb_findings_read_baseline(baseline, &base, &nbase, &err) != RB_OK) {
            rb_diags_add_error(&c.diags, &err);
            flush_diags(&c, 0);
            finish_diags(&c);
            return EXIT_TROUBLE;
        }
    }
    for (int i = optind; i < argc; i++) /* the inputs are never written over */
        rb_output_protect(argv[i]);
    rb_grammar *g = load_grammar(&c);
    if (!g) {
        flush_diags(&c, 0);
        finish_diags(&c);
        free(base);
        return EXIT_TROUBLE;
    }
    rb_compile_opts co;
    rb_compile_opts_default(&co);
    co.no_digest = 1; /* (written to the Akoma Ntoso only) */
    /* one document at a time: checked, then freed (the checker keeps what the check across
     * documents needs) */
    rb_findings *fs = rb_findings_new();
    rb_checker *chk = rb_checker_new(g, fs);
    int rc = EXIT_OK;
    size_t ngood = 0;
    for (int i = 0; i < n; i++) {
        const char *f = argv[optind + i];
        rb_error err;
        rb_error_clear(&err);
        rb_doc *d = NULL;
        rb_diags cd; /* its compile diagnostics: they become findings */
        rb_diags_init(&cd);
        rb_status st = rb_input_is_xml(f) ? rb_akn_load_doc(g, f, &co, &d, &cd, &err)
                                             : rb_compile_file(g, f, &co, &d, &cd, &err);
        if (st != RB_OK) {
            /* its error line, and the others are still checked (exit 2 at the end) */
            rb_diags_add_error(&c.diags, &err);
            rc = EXIT_TROUBLE;
        } else {
            rb_checker_add(chk, d, &cd);
            ngood++;
        }
        rb_doc_free(d);
        rb_diags_free(&cd);
    }
    if (ngood) {
        rb_error err;
        rb_error_clear(&err);
        if (rb_checker_finish(chk, &err) != RB_OK) {
            /* the findings so far are written, and the trouble said: exit 2 */
            rb_diags_add_error(&c.diags, &err);
            rc = EXIT_TROUBLE;
        }
        if (base)
            rb_findings_apply_baseline(fs, base, nbase);
        rb_buf b;
        rb_buf_init(&b);
        rb_findings_render(fs, fmt, min, &b);
        if (fmt == RB_CHECK_TEXT)
            rb_findings_summary(fs, min, &b);
        static const char *const names[] = {"check.txt", "check.json", "check.sarif"};
        if (emit(&c, out, names[fmt], &b) != EXIT_OK)
            rc = EXIT_TROUBLE;
        if (rc == EXIT_OK)
            rc = rb_findings_count(fs, min) ? EXIT_FINDINGS : EXIT_OK;
        rb_buf_free(&b);
    }
    rb_checker_free(chk);
    rb_findings_free(fs);
    flush_diags(&c, 0);
    finish_diags(&c);
    rb_grammar_free(g);
    free(base);
    return rc;
}

static rb_doc *load_doc(common *c, rb_grammar *g, const char *f)
{
    rb_compile_opts co;
    rb_compile_opts_default(&co);
    co.no_digest = 1; /* (written to the Akoma Ntoso only) */
    rb_error err;
    rb_error_clear(&err);
    rb_doc *d = NULL;
    size_t mark = c->diags.n;
    rb_diags quiet; /* compile notes and warnings are not what diff is about */
    rb_diags_init(&quiet);
    rb_status st = rb_input_is_xml(f) ? rb_akn_load_doc(g, f, &co, &d, &quiet, &err)
                                         : rb_compile_file(g, f, &co, &d, &quiet, &err);
    rb_diags_free(&quiet);
    if (st != RB_OK) {
        rb_diags_add_error(&c->diags, &err);
        flush_diags(c, mark);
        return NULL;
    }
    return d;
}

static int cmd_diff(int argc, char **argv)
{
    common c = {0};
    rb_diags_init(&c.diags);
    const char *out = NULL, *fail_on = NULL, *color = "auto";
    rb_diff_format fmt = RB_DIFF_TEXT;
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"format", required_argument, 0, 'f'},
                                         {"fail-on", required_argument, 0, 'F'},
                                         {"color", required_argument, 0, 'c'},
                                         {"grammar", required_argument, 0, 'g'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"diagnostics", required_argument, 0, 'd'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': out = optarg; break;
        case 'f': { /* in the order of rb_diff_format */
            static const char *const names[] = {"text", "md", "json", NULL};
            int k = choose("diff", "--format", optarg, names);
            if (k < 0)
                return EXIT_TROUBLE;
            fmt = (rb_diff_format)k;
            break;
        }
        case 'F': fail_on = optarg; break;
        case 'c': {
            static const char *const names[] = {"auto", "always", "never", NULL};
            int k = choose("diff", "--color", optarg, names);
            if (k < 0)
                return EXIT_TROUBLE;
            color = names[k];
            break;
        }
        default: { /* --grammar, -q, --help and the errors, alike in every command */
            int rc = common_option(ch, "diff", HELP_DIFF, &c, argv);
            if (rc >= 0)
                return rc;
            break;
        }
        }
    }
    if (argc - optind != 2) {
        usage_error("diff", "%s", "diff takes two files: OLD NEW");
        return EXIT_TROUBLE;
    }
    for (int i = optind; i < argc; i++) /* the inputs are never written over */
        rb_output_protect(argv[i]);
    rb_grammar *g = load_grammar(&c);
    if (!g) {
        flush_diags(&c, 0);
        finish_diags(&c);
        return EXIT_TROUBLE;
    }
    if (fail_on) {
        rb_error err;
        rb_error_clear(&err);
        if (rb_diff_check_dims(g, fail_on, &err) != RB_OK) {
            usage_error("diff", "--fail-on: %s", err.message);
            rb_diags_free(&c.diags); /* nothing else to say: the usage error is the one line */
            rb_grammar_free(g);
            return EXIT_TROUBLE;
        }
    }
    int rc = EXIT_TROUBLE;
    rb_doc *a = load_doc(&c, g, argv[optind]);
    rb_doc *b = a ? load_doc(&c, g, argv[optind + 1]) : NULL;
    if (a && b) {
        rb_diff *df = rb_diff_new(a, b);
        int tty = rb_output_is_stdout(out) && isatty(1);
        /* auto: a terminal that can show it, and no NO_COLOR (no-color.org) */
        const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
        int can = tty && !(nc && *nc) && !(term && strcmp(term, "dumb") == 0);
        int use_color = strcmp(color, "always") == 0 || (strcmp(color, "auto") == 0 && can);
        rb_buf buf;
        rb_buf_init(&buf);
        rb_diff_render(df, fmt, use_color, &buf);
        rb_error err;
        rb_error_clear(&err);
        rc = rb_diff_changed(df, fail_on) ? EXIT_FINDINGS : EXIT_OK;
        static const char *const names[] = {"diff.txt", "diff.md", "diff.json"};
        if (emit(&c, out, names[fmt], &buf) != EXIT_OK)
            rc = EXIT_TROUBLE;
        if (rb_diff_partial(df, 0) || rb_diff_partial(df, 1))
            file_msg(&c, RB_WARNING, rb_diff_partial(df, 0) ? argv[optind] : argv[optind + 1],
                     "partial-version",
                     "the %s version is a partial excerpt; articles past its end are not compared",
                     rb_diff_partial(df, 0) ? "old" : "new");
        if (rb_diff_different(df))
            file_msg(&c, RB_WARNING, argv[optind + 1], "different-rulebooks",
                     "these look like two different rulebooks, not two versions of one: %s",
                     rb_diff_different(df));
        rb_buf_free(&buf);
        rb_diff_free(df);
    }
    rb_doc_free(a);
    rb_doc_free(b);
    finish_diags(&c);
    rb_grammar_free(g);
    return rc;
}

/* ---- init: a corpus folder of the user's own ------------------------------------------------ */

/* The Makefile init writes. File names may hold spaces and Chinese characters, which make's own
 * lists cannot carry, so the texts are never make targets: the shell globs them (./NAME.txt), and
 * the compile step runs whenever asked (it is milliseconds per file). */
static const char INIT_MAKEFILE[] =
    "# Made by `rulebook init`. `make` compiles every *.txt here into out/ (each with its\n"
    "# NAME.yaml sidecar), then writes the comparison (out/compare.md, .html, .json, and .csv\n"
    "# with a byte-order mark for spreadsheets) and the check findings (out/check.txt).\n"
    "# rulebook is taken from the PATH (`make install`); else: make RULEBOOK=/path/to/rulebook\n"
    "# Edit the sidecars, not this file.\n"
    "RULEBOOK ?= rulebook\n"
    "\n"
    "all: out/compare.md out/compare.html out/compare.json out/compare.csv out/check.txt\n"
    "\n"
    "out/.compiled: FORCE\n"
    "\t@mkdir -p out && rm -f out/*.xml\n"
    "\t\"$(RULEBOOK)\" compile -q -j 0 -o out ./*.txt || [ $$? -eq 1 ]\n"
    "\t@touch $@\n"
    "\n"
    "out/compare.md out/compare.html out/compare.json: out/compare.%: out/.compiled\n"
    "\t\"$(RULEBOOK)\" compare -q --format $* out/*.xml -o $@\n"
    "\n"
    "out/compare.csv: out/.compiled\n"
    "\t\"$(RULEBOOK)\" compare -q --format csv --bom out/*.xml -o $@\n"
    "\n"
    "out/check.txt: out/.compiled\n"
    "\t\"$(RULEBOOK)\" check out/*.xml -o $@ || [ $$? -eq 1 ]\n"
    "\n"
    "clean:\n"
    "\trm -rf out\n"
    "\n"
    ".PHONY: all clean FORCE\n";

/* Is the running program the `rulebook` the PATH finds? */
static int self_on_path(void)
{
    char self[4096];
    ssize_t l = readlink("/proc/self/exe", self, sizeof self - 1);
    const char *path = getenv("PATH");
    if (l <= 0 || !path)
        return 0;
    self[l] = 0;
    struct stat me;
    if (stat(self, &me) != 0)
        return 0;
    for (const char *p = path; *p;) {
        const char *c = strchr(p, ':');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        char cand[4200];
        snprintf(cand, sizeof cand, "%.*s/rulebook", (int)n, p);
        struct stat st;
        if (n && stat(cand, &st) == 0 && st.st_ino == me.st_ino && st.st_dev == me.st_dev)
            return 1;
        if (!c)
            break;
        p = c + 1;
    }
    return 0;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_init(int argc, char **argv)
{
    common c = {0};
    rb_diags_init(&c.diags);
    static const struct option opts[] = {{"grammar", required_argument, 0, 'g'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"diagnostics", required_argument, 0, 'd'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
        switch (ch) {
        default: { /* --grammar, -q, --help and the errors, alike in every command */
            int rc = common_option(ch, "init", HELP_INIT, &c, argv);
            if (rc >= 0)
                return rc;
            break;
        }
        }
    }
    if (argc - optind != 1) {
        usage_error("init", "%s", "init takes one DIR");
        return EXIT_TROUBLE;
    }
    const char *dir = argv[optind];
    if (!is_dir(dir)) {
        file_msg(&c, RB_ERROR, dir, "io-read", "not a directory");
        finish_diags(&c);
        return EXIT_TROUBLE;
    }
    DIR *dh = opendir(dir);
    if (!dh) {
        file_msg(&c, RB_ERROR, dir, "io-read", "cannot read the directory: %s", strerror(errno));
        finish_diags(&c);
        return EXIT_TROUBLE;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".txt") == 0 && e->d_name[0] != '.') {
            names = rb_xrealloc(names, (n + 1) * sizeof *names);
            names[n++] = rb_xstrdup(e->d_name);
        }
    }
    closedir(dh);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    rb_grammar *g = n ? load_grammar(&c) : NULL;
    int worst = EXIT_OK;
    if (n && !g) {
        flush_diags(&c, 0);
        worst = EXIT_TROUBLE;
    }
    rb_compile_opts co;
    rb_compile_opts_default(&co);
    co.no_meta = 1;
    co.no_facts = 1;
    size_t made = 0, kept = 0;
    for (size_t i = 0; g && i < n; i++) {
        char txt[4096], yaml[4096];
        int lt = snprintf(txt, sizeof txt, "%s/%s", dir, names[i]);
        int ly = snprintf(yaml, sizeof yaml, "%s/%.*s.yaml", dir, (int)(strlen(names[i]) - 4),
                          names[i]);
        if (lt < 0 || ly < 0 || (size_t)lt >= sizeof txt || (size_t)ly >= sizeof yaml) {
            /* a cut path would name another file */
            file_msg(&c, RB_ERROR, names[i], "io-write",
                     "its sidecar's path would be longer than %zu bytes; not written",
                     sizeof yaml - 1);
            worst = EXIT_TROUBLE;
            continue;
        }
        if (exists(yaml)) {
            printf("kept     %s (it exists)\n", yaml);
            kept++;
            continue;
        }
        rb_error err;
        rb_error_clear(&err);
        rb_doc *d = NULL;
        rb_diags quiet;
        rb_diags_init(&quiet);
        rb_status st = rb_compile_file(g, txt, &co, &d, &quiet, &err);
        rb_diags_free(&quiet);
        if (st == RB_OK) {
            rb_buf b;
            rb_buf_init(&b);
            rb_meta_render(d, names[i], &b);
            st = rb_write_atomic(yaml, b.data, b.len, &err);
            rb_buf_free(&b);
        }
        rb_doc_free(d);
        if (st != RB_OK) {
            size_t mark = c.diags.n;
            rb_diags_add_error(&c.diags, &err);
            flush_diags(&c, mark);
            if (worst == EXIT_OK)
                worst = st == RB_EIO ? EXIT_TROUBLE : EXIT_FINDINGS;
            continue;
        }
        printf("created  %s\n", yaml);
        made++;
    }
    char mk[4096];
    int lm = snprintf(mk, sizeof mk, "%s/Makefile", dir);
    if (lm < 0 || (size_t)lm >= sizeof mk) { /* (as the sidecars' paths) */
        file_msg(&c, RB_ERROR, dir, "io-write",
                 "the Makefile's path would be longer than %zu bytes; not written", sizeof mk - 1);
        worst = EXIT_TROUBLE;
    } else if (exists(mk)) {
        printf("kept     %s (it exists)\n", mk);
    } else {
        rb_buf b;
        rb_buf_init(&b);
        rb_buf_puts(&b, INIT_MAKEFILE);
        rb_error err;
        rb_error_clear(&err);
        if (rb_write_atomic(mk, b.data, b.len, &err) != RB_OK) {
            size_t mark = c.diags.n;
            rb_diags_add_error(&c.diags, &err);
            flush_diags(&c, mark);
            worst = EXIT_TROUBLE;
        } else {
            printf("created  %s\n", mk);
        }
        rb_buf_free(&b);
    }
    if (n == 0)
        file_msg(&c, RB_WARNING, dir, "init-empty",
                 "no .txt files here yet; add your texts and run `rulebook init %s` again", dir);
    else {
        printf("%zu texts: %zu sidecars written, %zu kept. Check them (the date above all), "
               "then: make -C '%s'\n", n, made, kept, dir);
        if (!self_on_path()) {
            char self[4096];
            ssize_t l = readlink("/proc/self/exe", self, sizeof self - 1);
            self[l > 0 ? l : 0] = 0;
            printf("(rulebook is not on your PATH: `make install`, or make -C '%s' "
                   "RULEBOOK='%s')\n", dir, l > 0 ? self : "/path/to/rulebook");
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    rb_grammar_free(g);
    finish_diags(&c);
    return worst;
}

int main(int argc, char **argv)
{
#ifdef M_MMAP_THRESHOLD
    /* Blocks of 4 MB and more (a text, its view, the model's largest arrays) get pages of
     * their own and give them back when freed. glibc would otherwise raise the threshold to
     * the size of the largest block freed (the text of a traditional document, once its view
     * holds it) and serve the next ones from the heap, which stays as large as they were: a
     * fifth more memory at the peak of a 20 MB text. A lower threshold costs time (a
     * megabyte: 5-17 % on the 100 MB file, pages mapped and cleared again and again). */
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 8 << 20); /* as glibc's own rule would: the heap's top is not
                                           given back and taken again between documents */
#endif
    rb_output_install_signals();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--diagnostics=json") == 0 ||
            (strcmp(argv[i], "--diagnostics") == 0 && i + 1 < argc &&
             strcmp(argv[i + 1], "json") == 0))
            json_everywhere = 1;
    }
    if (argc < 2) {
        fputs(HELP_MAIN, stderr);
        return EXIT_TROUBLE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(HELP_MAIN, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("rulebook %s\n", RB_VERSION);
        return EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3) {
            fputs(HELP_MAIN, stdout);
            return EXIT_OK;
        }
        if (strcmp(argv[2], "compile") == 0) {
            fputs(HELP_COMPILE, stdout);
            return EXIT_OK;
        }
        if (strcmp(argv[2], "compare") == 0) {
            fputs(HELP_COMPARE, stdout);
            return EXIT_OK;
        }
        if (strcmp(argv[2], "check") == 0) {
            fputs(HELP_CHECK, stdout);
            return EXIT_OK;
        }
        if (strcmp(argv[2], "diff") == 0) {
            fputs(HELP_DIFF, stdout);
            return EXIT_OK;
        }
        if (strcmp(argv[2], "init") == 0) {
            fputs(HELP_INIT, stdout);
            return EXIT_OK;
        }
        usage_error(NULL, "no help for unknown command '%s'", argv[2]);
        return EXIT_TROUBLE;
    }
    if (strcmp(cmd, "compile") == 0)
        return cmd_compile(argc - 1, argv + 1);
    if (strcmp(cmd, "compare") == 0)
        return cmd_compare(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "diff") == 0)
        return cmd_diff(argc - 1, argv + 1);
    if (strcmp(cmd, "init") == 0)
        return cmd_init(argc - 1, argv + 1);
    usage_error(NULL, "unknown command '%s'", cmd);
    return EXIT_TROUBLE;
}
