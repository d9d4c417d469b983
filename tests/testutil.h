/* testutil.h: helpers shared by the cmocka test programs. Tests run from the repository
 * root (make test does that); RULEBOOK_GRAMMAR may point at another grammar directory. */
#ifndef RB_TESTUTIL_H
#define RB_TESTUTIL_H

#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"

/* in[0..n) (UTF-8) in encoding `to`, *outn bytes (malloc'd); the conversion must succeed. */
static inline char *tu_iconv_to(const char *to, const char *in, size_t n, size_t *outn)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t cap = n * 4 + 16;
    char *out = malloc(cap), *op = out, *ip = (char *)in;
    size_t il = n, ol = cap;
    assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
    iconv_close(cd);
    *outn = cap - ol;
    return out;
}

static inline const char *tu_grammar_dir(void)
{
    const char *e = getenv("RULEBOOK_GRAMMAR");
    return e && *e ? e : "grammar";
}

static inline rb_grammar *tu_grammar(void)
{
    rb_grammar *g = NULL;
    rb_error err;
    rb_error_clear(&err);
    if (rb_grammar_load(tu_grammar_dir(), &g, &err) != RB_OK) {
        fprintf(stderr, "%s:%u:%u: %s\n", err.file, err.line, err.col, err.message);
        fail_msg("grammar does not load");
    }
    return g;
}

/* The grammar a test file's tests share: cmocka_run_group_tests(tests, tu_setup, tu_teardown)
 * loads it into G before the tests and frees it after them. */
static rb_grammar *G __attribute__((unused));

static inline int tu_setup(void **state)
{
    (void)state;
    G = tu_grammar();
    return 0;
}

static inline int tu_teardown(void **state)
{
    (void)state;
    rb_grammar_free(G);
    G = NULL;
    return 0;
}

/* A paragraph of about 96 KB (one sentence 2,000 times), which puts what follows it past
 * 64 KiB into a text: for the model's 32-bit offsets, which 16 would not hold. */
static inline void tu_put_long_paragraph(rb_buf *b)
{
    for (int i = 0; i < 2000; i++)
        rb_buf_puts(b, "本规则所称工作,包括市人民政府的各项日常事务。");
}

static inline char *tu_read(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    rb_buf b;
    rb_buf_init(&b);
    char tmp[65536];
    size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, f)) > 0)
        rb_buf_put(&b, tmp, r);
    fclose(f);
    if (n)
        *n = b.len;
    return rb_buf_detach(&b);
}

static inline void tu_write(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

/* Compile bytes into a tree dump (caller frees); NULL with err on failure. */
static inline char *tu_dump_bytes(const rb_grammar *g, const char *name, const char *bytes,
                                  size_t n, rb_diags *diags, rb_error *err)
{
    rb_doc *d = NULL;
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    o.no_meta = 1;
    if (rb_compile_bytes(g, name, bytes, n, &o, &d, diags, err) != RB_OK)
        return NULL;
    rb_buf b;
    rb_buf_init(&b);
    rb_doc_dump(d, &b);
    rb_doc_free(d);
    return rb_buf_detach(&b);
}

#endif
