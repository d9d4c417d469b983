/* json.h: a small JSON reader for the tests (checks the structure of SARIF, compare and diff
 * outputs). Parses a whole document into a tree; jv_get/jv_at walk it. */
#ifndef RB_TEST_JSON_H
#define RB_TEST_JSON_H

#include <stdlib.h>
#include <string.h>

typedef enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jv {
    jtype t;
    double num;
    char *str;          /* J_STR */
    struct jv **items;  /* J_ARR values, J_OBJ values */
    char **keys;        /* J_OBJ */
    size_t n;
} jv;

typedef struct jp {
    const char *s;
    size_t i, n;
    int err;
} jp;

static void jws(jp *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\n' || p->s[p->i] == '\r' ||
                           p->s[p->i] == '\t'))
        p->i++;
}

static jv *jnew(jtype t)
{
    jv *v = calloc(1, sizeof *v);
    v->t = t;
    return v;
}

static char *jstring(jp *p)
{
    if (p->s[p->i] != '"') {
        p->err = 1;
        return NULL;
    }
    p->i++;
    size_t cap = 16, n = 0;
    char *o = malloc(cap);
    while (p->i < p->n && p->s[p->i] != '"') {
        char c = p->s[p->i++];
        if (c == '\\') {
            if (p->i >= p->n) {
                p->err = 1;
                break;
            }
            char e = p->s[p->i++];
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
            if (e == 'u') {
                p->i += 4; /* kept as '?' : the tests do not need the code point */
                c = '?';
            }
        } else if ((unsigned char)c < 0x20) {
            p->err = 1;
        }
        if (n + 2 > cap)
            o = realloc(o, cap *= 2);
        o[n++] = c;
    }
    if (p->i >= p->n)
        p->err = 1;
    p->i++;
    o[n] = 0;
    return o;
}

static jv *jparse_value(jp *p, int depth)
{
    jws(p);
    if (p->i >= p->n || depth > 64) {
        p->err = 1;
        return NULL;
    }
    char c = p->s[p->i];
    if (c == '{' || c == '[') {
        jv *v = jnew(c == '{' ? J_OBJ : J_ARR);
        char close = c == '{' ? '}' : ']';
        p->i++;
        jws(p);
        if (p->i < p->n && p->s[p->i] == close) {
            p->i++;
            return v;
        }
        for (;;) {
            char *key = NULL;
            if (v->t == J_OBJ) {
                jws(p);
                key = jstring(p);
                jws(p);
                if (p->err || p->i >= p->n || p->s[p->i] != ':') {
                    p->err = 1;
                    free(key);
                    return v;
                }
                p->i++;
            }
            jv *item = jparse_value(p, depth + 1);
            v->items = realloc(v->items, (v->n + 1) * sizeof *v->items);
            v->keys = realloc(v->keys, (v->n + 1) * sizeof *v->keys);
            v->items[v->n] = item;
            v->keys[v->n] = key;
            v->n++;
            if (p->err)
                return v;
            jws(p);
            if (p->i < p->n && p->s[p->i] == ',') {
                p->i++;
                continue;
            }
            if (p->i < p->n && p->s[p->i] == close) {
                p->i++;
                return v;
            }
            p->err = 1;
            return v;
        }
    }
    if (c == '"') {
        jv *v = jnew(J_STR);
        v->str = jstring(p);
        return v;
    }
    if (!strncmp(p->s + p->i, "true", 4) || !strncmp(p->s + p->i, "false", 5)) {
        jv *v = jnew(J_BOOL);
        v->num = p->s[p->i] == 't';
        p->i += v->num ? 4 : 5;
        return v;
    }
    if (!strncmp(p->s + p->i, "null", 4)) {
        p->i += 4;
        return jnew(J_NULL);
    }
    char *end;
    double d = strtod(p->s + p->i, &end);
    if (end == p->s + p->i) {
        p->err = 1;
        return NULL;
    }
    p->i = (size_t)(end - p->s);
    jv *v = jnew(J_NUM);
    v->num = d;
    return v;
}

static void jfree(jv *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        jfree(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

/* NULL when s is not exactly one JSON value. */
static jv *jparse(const char *s, size_t n)
{
    jp p = {s, 0, n, 0};
    jv *v = jparse_value(&p, 0);
    jws(&p);
    if (p.err || p.i != p.n) {
        jfree(v);
        return NULL;
    }
    return v;
}

static jv *jget(const jv *o, const char *key)
{
    if (!o || o->t != J_OBJ)
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (o->keys[i] && strcmp(o->keys[i], key) == 0)
            return o->items[i];
    return NULL;
}

static jv *jat(const jv *a, size_t i) { return a && a->t == J_ARR && i < a->n ? a->items[i] : NULL; }

#endif
