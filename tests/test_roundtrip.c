/* test_roundtrip.c: nothing is lost on the way through XML. For every corpus and 150 mutants of
 * them (lines repeated, dropped, split; characters inserted and deleted, among them control
 * characters, Control Pictures, chapter and article numbers, markup), a deterministic set: the
 * text compiles, its XML reads back (as check and diff read a compiled file), and the two
 * documents diff as unchanged, chapters and articles alike. */
#include "testutil.h"
#include "roundtrip.h"

static uint64_t rng = 0x2026113020261130ull;
static unsigned next(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* split text into lines (pointers into a copy) */
typedef struct lines {
    char **v;
    size_t n, cap;
} lines;

static void push(lines *L, char *s)
{
    RB_GROW(L->v, L->n, L->cap);
    L->v[L->n++] = s;
}

/* insert s (owned) before line i */
static void insert(lines *L, size_t i, char *s)
{
    push(L, NULL);
    memmove(&L->v[i + 1], &L->v[i], (L->n - i - 1) * sizeof *L->v);
    L->v[i] = s;
}

static const char *const EXTRA[] = {"\xE2\x90\x80", "\xE2\x90\x81", "\xE2\x90\x9B", "\x01",
                                    "\x1B",         "\t",           "\xE3\x80\x80", "第二章 总则",
                                    "第三章",       "第一条",       "一、",         "(一)",
                                    "…",            "——",           "<",            "&",
                                    "[-",           "{+",           "\xEF\xBF\xBD"};
#define NEXTRA (sizeof EXTRA / sizeof *EXTRA)

/* one mutant of text: 1 to 6 edits of lines and characters (at character boundaries) */
static char *mutate(const char *text)
{
    lines L = {0};
    char *copy = rb_xstrdup(text);
    for (char *p = copy, *nl; p; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl)
            *nl = 0;
        push(&L, rb_xstrdup(p));
    }
    free(copy);
    for (unsigned k = 0, edits = 1 + next(6); k < edits && L.n; k++) {
        size_t i = next((unsigned)L.n);
        char *s = L.v[i];
        size_t len = strlen(s), at = len ? next((unsigned)len + 1) : 0;
        while (at < len && ((unsigned char)s[at] & 0xC0) == 0x80)
            at++; /* a character boundary */
        switch (next(6)) {
        case 0: insert(&L, i, rb_xstrdup(L.v[next((unsigned)L.n)])); break; /* a line repeated */
        case 1: free(s); memmove(&L.v[i], &L.v[i + 1], (L.n - i - 1) * sizeof *L.v); L.n--; break;
        case 2: {
            const char *x = EXTRA[next(NEXTRA)];
            char *t = rb_xmalloc(len + strlen(x) + 1);
            sprintf(t, "%.*s%s%s", (int)at, s, x, s + at);
            free(s);
            L.v[i] = t;
            break;
        }
        case 3:
            if (at < len) {
                size_t e = at + 1;
                while (e < len && ((unsigned char)s[e] & 0xC0) == 0x80)
                    e++;
                memmove(s + at, s + e, len - e + 1);
            }
            break;
        case 4: insert(&L, i, rb_xstrdup(EXTRA[next(NEXTRA)])); break;
        default: { /* a line split in two */
            char *rest = rb_xstrdup(s + at);
            s[at] = 0;
            insert(&L, i + 1, rest);
        }
        }
    }
    rb_buf b;
    rb_buf_init(&b);
    for (size_t i = 0; i < L.n; i++) {
        rb_buf_puts(&b, L.v[i] ? L.v[i] : "");
        if (i + 1 < L.n)
            rb_buf_putc(&b, '\n');
        free(L.v[i]);
    }
    free(L.v);
    return b.data ? rb_buf_detach(&b) : rb_xstrdup("");
}

/* 1 when the text compiles and its XML diffs as unchanged against it, 0 when it does not
 * compile (nothing to compare), fails the test otherwise */
static int roundtrip(const char *name, const char *text, size_t n)
{
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    o.no_meta = 1;
    rb_error err;
    rb_buf why;
    rb_buf_init(&why);
    rt_result r = rt_roundtrip(G, name, text, n, &o, &err, &why);
    if (r == RT_CHANGED)
        fprintf(stderr, "%s\n%.*s\n", name, (int)(why.len < 3000 ? why.len : 3000), why.data);
    rb_buf_free(&why);
    if (r == RT_NOT_WRITTEN || r == RT_NOT_READ)
        fail_msg("%s: its XML %s: %s", name,
                 r == RT_NOT_WRITTEN ? "cannot be written" : "does not read back", err.message);
    if (r == RT_CHANGED)
        fail_msg("%s: the text and its XML differ", name);
    return r == RT_SAME;
}

static const char *const CORPORA[] = {"corpora/chongqing-2018.txt", "corpora/erenhot-2013.txt",
                                      "corpora/urumqi-2018.txt", "corpora/wuhan-2018.txt",
                                      "corpora/wujin-2021.txt"};

static void test_corpora_and_mutants(void **state)
{
    (void)state;
    char *text[5];
    size_t compared = 0;
    for (size_t c = 0; c < 5; c++) {
        size_t n;
        text[c] = tu_read(CORPORA[c], &n);
        assert_non_null(text[c]);
        assert_int_equal(roundtrip(CORPORA[c], text[c], n), 1);
    }
    for (int m = 0; m < 150; m++) {
        char *mt = mutate(text[next(5)]);
        char name[32];
        snprintf(name, sizeof name, "mutant-%03d.txt", m);
        compared += (size_t)roundtrip(name, mt, strlen(mt));
        free(mt);
    }
    for (size_t c = 0; c < 5; c++)
        free(text[c]);
    assert_true(compared >= 140); /* mutants that still compile: nearly all */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpora_and_mutants),
    };
    return cmocka_run_group_tests(tests, tu_setup, tu_teardown);
}
