/* test_spec.c: runs the spec files tests/spec/ files. Each case is an input text, the expected
 * model dump (`compile --format tree`) and, optionally, the expected diagnostics:
 *
 *   ### a name for the case
 *   第一章 总则
 *   一、为了规范工作。
 *   --- tree
 *   chapter 1 @1 "第一章" heading @1 "总则" chp_1
 *     article 1 @2 "一、" chp_1__art_1
 *       p @2 "为了规范工作。"
 *   --- diagnostics
 *   1:1: warning: … [title-missing]
 *   --- error
 *   (instead of tree/diagnostics: the expected compile error line, LINE:COL: message [rule])
 *   --- meta
 *   (a metadata sidecar for the input, YAML: jurisdiction, date …)
 *   --- check
 *   (the expected `rulebook check --min-severity note` findings, LINE:COL: severity: … [rule])
 *
 * In the input, \r is a carriage return, \u{3000} a code point and \\ a backslash.
 * A failing case prints its file, number, line and a diff of expected and actual output. */
#include "testutil.h"

#include <dirent.h>
#include <unistd.h>

typedef struct scase {
    char name[256];
    unsigned line;
    rb_buf input, tree, diags, error, meta, check;
    int has_diags, has_error, has_tree, has_meta, has_check;
} scase;

static void unescape(const char *s, size_t n, rb_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            if (s[i + 1] == 'r') {
                rb_buf_putc(out, '\r');
                i++;
                continue;
            }
            if (s[i + 1] == '\\') {
                rb_buf_putc(out, '\\');
                i++;
                continue;
            }
            if (s[i + 1] == 'u' && i + 2 < n && s[i + 2] == '{') {
                char *end;
                unsigned long cp = strtoul(s + i + 3, &end, 16);
                if (*end == '}') {
                    char u[4];
                    rb_buf_put(out, u, (size_t)rb_utf8_encode((uint32_t)cp, u));
                    i = (size_t)(end - s);
                    continue;
                }
            }
        }
        rb_buf_putc(out, s[i]);
    }
}

static char **split_lines(const char *s, size_t *n)
{
    size_t cap = 16;
    char **v = malloc(cap * sizeof *v);
    *n = 0;
    while (s && *s) {
        const char *nl = strchr(s, '\n');
        size_t l = nl ? (size_t)(nl - s) : strlen(s);
        if (*n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[(*n)++] = rb_xstrndup(s, l);
        s = nl ? nl + 1 : s + l;
    }
    return v;
}

/* Print a line diff (LCS) of expected and actual. */
static void print_diff(const char *want, const char *got)
{
    size_t na, nb;
    char **a = split_lines(want, &na), **b = split_lines(got, &nb);
    size_t *L = calloc((na + 1) * (nb + 1), sizeof *L);
#define AT(i, j) L[(i) * (nb + 1) + (j)]
    for (size_t i = na; i-- > 0;)
        for (size_t j = nb; j-- > 0;)
            AT(i, j) = strcmp(a[i], b[j]) == 0 ? AT(i + 1, j + 1) + 1
                       : AT(i + 1, j) > AT(i, j + 1) ? AT(i + 1, j)
                                                     : AT(i, j + 1);
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        if (i < na && j < nb && strcmp(a[i], b[j]) == 0) {
            fprintf(stderr, "      %s\n", a[i]);
            i++, j++;
        } else if (j < nb && (i == na || AT(i, j + 1) >= AT(i + 1, j))) {
            fprintf(stderr, "    + %s\n", b[j++]);
        } else {
            fprintf(stderr, "    - %s\n", a[i++]);
        }
    }
#undef AT
    for (size_t k = 0; k < na; k++)
        free(a[k]);
    for (size_t k = 0; k < nb; k++)
        free(b[k]);
    free(a);
    free(b);
    free(L);
}

/* Compile the case's input (with its sidecar), dump it, and check it when asked. */
static char *compile_case(const rb_grammar *g, scase *c, rb_diags *diags, rb_error *err,
                          char **check)
{
    rb_doc *d = NULL;
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    o.no_meta = 1;
    if (rb_compile_bytes(g, "spec.txt", c->input.data ? c->input.data : "", c->input.len, &o, &d,
                         diags, err) != RB_OK)
        return NULL;
    if (c->has_meta) {
        char path[] = "/tmp/rbspec-XXXXXX.yaml";
        int fd = mkstemps(path, 5);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, c->meta.data, c->meta.len), (ssize_t)c->meta.len);
        close(fd);
        rb_meta *m = NULL;
        rb_error merr;
        if (rb_meta_load(path, &m, &merr) != RB_OK)
            fail_msg("case %s: the meta section does not load: %s", c->name, merr.message);
        rb_doc_apply_meta(d, m, NULL);
        rb_meta_free(m);
        unlink(path);
    }
    rb_buf b;
    rb_buf_init(&b);
    rb_doc_dump(d, &b);
    if (c->has_check) {
        rb_findings fs;
        rb_error cerr;
        rb_check(g, &d, 1, diags, &fs, &cerr);
        rb_buf cb;
        rb_buf_init(&cb);
        for (size_t i = 0; i < fs.n; i++) {
            rb_buf_printf(&cb, "%u:%u: %s: %s", fs.v[i].line, fs.v[i].col,
                          rb_severity_name(fs.v[i].severity), fs.v[i].message);
            if (fs.v[i].repeats) /* the same words again in the article: counted, not repeated */
                rb_buf_printf(&cb, " (%zu times in this article)", fs.v[i].repeats + 1);
            rb_buf_printf(&cb, " [%s]\n", fs.v[i].rule);
        }
        *check = rb_buf_detach(&cb);
        rb_findings_clear(&fs);
    }
    rb_doc_free(d);
    return rb_buf_detach(&b);
}

static int compare_section(const char *file, size_t num, const scase *c, const char *what,
                           const rb_buf *want, const char *got)
{
    if (strcmp(got ? got : "", want->data ? want->data : "") == 0)
        return 1;
    fprintf(stderr, "%s: case %zu (line %u) '%s': %s differ (- expected, + actual)\n", file, num,
            c->line, c->name, what);
    print_diff(want->data ? want->data : "", got ? got : "");
    return 0;
}

static int run_case(const rb_grammar *g, const char *file, size_t num, scase *c)
{
    rb_diags diags;
    rb_diags_init(&diags);
    rb_error err;
    rb_error_clear(&err);
    char *check = NULL;
    char *tree = compile_case(g, c, &diags, &err, &check);
    int ok = 1;
    rb_buf got;
    rb_buf_init(&got);
    if (c->has_error) {
        if (tree) {
            fprintf(stderr, "%s: case %zu (line %u) '%s': expected an error, got a model\n",
                    file, num, c->line, c->name);
            ok = 0;
        } else {
            rb_buf_printf(&got, "%u:%u: %s [%s]\n", err.line, err.col, err.message, err.rule);
            ok = compare_section(file, num, c, "the error", &c->error, got.data);
        }
    } else if (!tree) {
        fprintf(stderr, "%s: case %zu (line %u) '%s': compile failed: %u:%u: %s [%s]\n", file,
                num, c->line, c->name, err.line, err.col, err.message, err.rule);
        ok = 0;
    } else {
        if (c->has_tree)
            ok &= compare_section(file, num, c, "trees", &c->tree, tree);
        if (c->has_diags) {
            for (size_t i = 0; i < diags.n; i++) {
                const rb_diag *d = &diags.items[i];
                rb_buf_printf(&got, "%u:%u: %s: %s [%s]\n", d->line, d->col,
                              rb_severity_name(d->severity), d->message, d->rule);
            }
            ok &= compare_section(file, num, c, "diagnostics", &c->diags, got.data);
        }
        if (c->has_check)
            ok &= compare_section(file, num, c, "check findings", &c->check, check);
        if (!c->has_tree && !c->has_diags && !c->has_check) {
            fprintf(stderr, "%s: case %zu (line %u) '%s': nothing to compare\n", file, num,
                    c->line, c->name);
            ok = 0;
        }
    }
    rb_buf_free(&got);
    free(tree);
    free(check);
    rb_diags_free(&diags);
    return ok;
}

static void case_reset(scase *c)
{
    rb_buf_free(&c->input);
    rb_buf_free(&c->tree);
    rb_buf_free(&c->diags);
    rb_buf_free(&c->error);
    rb_buf_free(&c->meta);
    rb_buf_free(&c->check);
    memset(c, 0, sizeof *c);
}

/* Returns the number of failed cases; *ncases counts them all. */
static size_t run_file(const rb_grammar *g, const char *path, size_t *ncases)
{
    size_t n;
    char *text = tu_read(path, &n);
    assert_non_null(text);
    scase c;
    memset(&c, 0, sizeof c);
    enum { NONE, INPUT, TREE, DIAGS, ERROR, META, CHECK } sect = NONE;
    size_t failed = 0, num = 0;
    unsigned lineno = 0;
    char *p = text;
    for (;;) {
        char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        int eof = !nl && l == 0;
        lineno++;
        int is_case = !eof && l >= 4 && strncmp(p, "### ", 4) == 0;
        if ((is_case || eof) && sect != NONE) {
            num++;
            if (!run_case(g, path, num, &c))
                failed++;
            case_reset(&c);
            sect = NONE;
        }
        if (eof)
            break;
        if (is_case) {
            snprintf(c.name, sizeof c.name, "%.*s", (int)(l - 4), p + 4);
            c.line = lineno;
            sect = INPUT;
        } else if (sect != NONE && l >= 3 && strncmp(p, "---", 3) == 0) {
            const char *w = p + 3;
            while (*w == ' ')
                w++;
            if (strncmp(w, "tree", 4) == 0)
                sect = TREE, c.has_tree = 1;
            else if (strncmp(w, "meta", 4) == 0)
                sect = META, c.has_meta = 1;
            else if (strncmp(w, "check", 5) == 0)
                sect = CHECK, c.has_check = 1;
            else if (strncmp(w, "diagnostics", 11) == 0)
                sect = DIAGS, c.has_diags = 1;
            else if (strncmp(w, "error", 5) == 0)
                sect = ERROR, c.has_error = 1;
            else
                fail_msg("%s:%u: unknown section '%.*s'", path, lineno, (int)l, p);
        } else if (sect == INPUT) {
            unescape(p, l, &c.input);
            rb_buf_putc(&c.input, '\n');
        } else if (sect != NONE) {
            rb_buf *b = sect == TREE    ? &c.tree
                        : sect == DIAGS ? &c.diags
                        : sect == META  ? &c.meta
                        : sect == CHECK ? &c.check
                                        : &c.error;
            if (l > 0) {
                rb_buf_put(b, p, l);
                rb_buf_putc(b, '\n');
            }
        }
        if (!nl)
            p += l;
        else
            p = nl + 1;
    }
    case_reset(&c);
    free(text);
    *ncases = num;
    return failed;
}

static void test_spec_files(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    DIR *d = opendir("tests/spec");
    assert_non_null(d);
    struct dirent *e;
    size_t total = 0, failed = 0, files = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "tests/spec/%s", e->d_name);
        size_t n = 0;
        size_t f = run_file(g, path, &n);
        fprintf(stderr, "  %s: %zu cases, %zu failed\n", path, n, f);
        total += n;
        failed += f;
        files++;
    }
    closedir(d);
    rb_grammar_free(g);
    assert_true(files >= 1);
    assert_true(total >= 10);
    if (failed)
        fail_msg("%zu of %zu spec cases failed", failed, total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_spec_files)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
