/* accuracy.c: the accuracy harness over a development set of other governments' rulebooks
 * (../shared/devset: texts/NAME.txt and gold.yaml, read by hand).
 *
 *   accuracy [-v] [--floors FILE] DEVSET_DIR
 *
 * Each text is compiled and analyzed alone, as `rulebook compare NAME.txt` does, and its facts
 * are matched against the gold rows as the dev set's README says:
 *   meetings   by type, kind and, for a regular meeting, per_year [min, max] (within 0.5);
 *   signing    by document, signer role and, for minutes, the meeting;
 *   leave      by occasion and approver role;
 *   deadlines  by amount and unit.
 * A fact that names several signers, documents or approvers (由市长或常务副市长签发), or a leave
 * rule for several askers (副市长、秘书长外出…向市长报告), stands for one row per combination,
 * as the gold writes it. A gold row matches one such unit; a unit
 * that matches no row counts against precision.
 *
 * Prints precision and recall per dimension, the texts that gave no output, the injected-
 * character findings of `check` on each text alone (most texts are clean: the false-alarm
 * rate), and (with -v) every miss and every false fact with its file and text. With --floors, exits 1 when a
 * figure is below its floor (the floors ratchet up as the extraction improves). */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { D_MEET, D_SIGN, D_LEAVE, D_DEAD, ND };
static const char *const DIM[ND] = {"meetings", "signing", "leave", "deadlines"};

/* One comparable unit: a gold row or one combination of an extracted fact. */
typedef struct unit {
    char key[160]; /* the matched fields, joined */
    double lo, hi; /* per_year of a regular meeting; NAN when none */
    const char *text;
    long article;
    int used;
} unit;

typedef struct units {
    unit *v;
    size_t n, cap;
} units;

static unit *push(units *u)
{
    if (u->n == u->cap) {
        u->cap = u->cap ? 2 * u->cap : 16;
        u->v = rb_xrealloc(u->v, u->cap * sizeof *u->v);
    }
    unit *x = &u->v[u->n++];
    memset(x, 0, sizeof *x);
    x->lo = x->hi = NAN;
    return x;
}

static const char *s0(const char *s) { return s && *s ? s : "-"; }

/* ---- extracted facts -> units ---------------------------------------------------------------- */

static size_t items(const rb_fact *f, const char *name, const char *const **out)
{
    static const char *const none[] = {NULL};
    const rb_field *x = rb_fact_field(f, name);
    if (!x || x->n == 0) {
        *out = none;
        return 1; /* one "unknown" item */
    }
    *out = (const char *const *)x->items;
    return x->n;
}

static double num(const rb_fact *f, const char *name)
{
    const char *v = rb_fact_str(f, name);
    return v ? atof(v) : NAN;
}

static void fact_units(const rb_fact *f, units *u)
{
    const char *const *a, *const *b, *const *c;
    if (strcmp(f->dim, "meetings") == 0) {
        unit *x = push(u);
        snprintf(x->key, sizeof x->key, "%s|%s", s0(rb_fact_str(f, "type")),
                 s0(rb_fact_str(f, "kind")));
        x->lo = num(f, "per_year_min");
        x->hi = num(f, "per_year_max");
        x->text = f->text;
        x->article = f->article;
    } else if (strcmp(f->dim, "signing") == 0) {
        size_t nd = items(f, "document", &a), ns = items(f, "signer", &b);
        for (size_t i = 0; i < nd; i++)
            for (size_t j = 0; j < ns; j++) {
                int minutes = a[i] && strcmp(a[i], "minutes") == 0;
                size_t nm = minutes ? items(f, "meetings", &c) : 1;
                for (size_t k = 0; k < nm; k++) {
                    unit *x = push(u);
                    snprintf(x->key, sizeof x->key, "%s|%s|%s", s0(a[i]), s0(b[j]),
                             minutes ? s0(c[k]) : "-");
                    x->text = f->text;
                    x->article = f->article;
                }
            }
    } else if (strcmp(f->dim, "leave") == 0) {
        /* one row per asker and approver, as the gold writes them (who is not compared) */
        size_t na = items(f, "approver", &a), nw = items(f, "who", &b);
        for (size_t w = 0; w < nw; w++)
            for (size_t i = 0; i < na; i++) {
                unit *x = push(u);
                snprintf(x->key, sizeof x->key, "%s|%s", s0(rb_fact_str(f, "occasion")),
                         s0(a[i]));
                x->text = f->text;
                x->article = f->article;
            }
    } else if (strcmp(f->dim, "deadlines") == 0) {
        unit *x = push(u);
        double amount = num(f, "amount");
        snprintf(x->key, sizeof x->key, "%g|%s", amount, s0(rb_fact_str(f, "unit")));
        x->text = f->text;
        x->article = f->article;
    }
}

/* ---- gold rows -> units ----------------------------------------------------------------------- */

static const char *gstr(yaml_document_t *doc, yaml_node_t *m, const char *k)
{
    const char *v = rb_yaml_str(rb_yaml_get(doc, m, k));
    return v && strcmp(v, "null") != 0 && strcmp(v, "~") != 0 ? v : NULL;
}

static void gold_unit(int dim, yaml_document_t *doc, yaml_node_t *m, units *u)
{
    unit *x = push(u);
    x->text = gstr(doc, m, "text");
    const char *art = gstr(doc, m, "article");
    x->article = art ? atol(art) : 0;
    switch (dim) {
    case D_MEET: {
        snprintf(x->key, sizeof x->key, "%s|%s", s0(gstr(doc, m, "type")),
                 s0(gstr(doc, m, "kind")));
        size_t n;
        yaml_node_item_t *it = rb_yaml_items(rb_yaml_get(doc, m, "per_year"), &n);
        if (it && n == 2) {
            x->lo = atof(rb_yaml_str(yaml_document_get_node(doc, it[0])));
            x->hi = atof(rb_yaml_str(yaml_document_get_node(doc, it[1])));
        }
        break;
    }
    case D_SIGN: {
        const char *d = gstr(doc, m, "document");
        snprintf(x->key, sizeof x->key, "%s|%s|%s", s0(d), s0(gstr(doc, m, "signer")),
                 d && strcmp(d, "minutes") == 0 ? s0(gstr(doc, m, "meeting")) : "-");
        break;
    }
    case D_LEAVE:
        snprintf(x->key, sizeof x->key, "%s|%s", s0(gstr(doc, m, "occasion")),
                 s0(gstr(doc, m, "approver")));
        break;
    default: {
        const char *a = gstr(doc, m, "amount");
        snprintf(x->key, sizeof x->key, "%g|%s", a ? atof(a) : NAN, s0(gstr(doc, m, "unit")));
        break;
    }
    }
}

static int matches(int dim, const unit *gold, const unit *got)
{
    if (strcmp(gold->key, got->key) != 0)
        return 0;
    if (dim != D_MEET || isnan(gold->lo))
        return 1;
    return !isnan(got->lo) && fabs(gold->lo - got->lo) <= 0.5 && fabs(gold->hi - got->hi) <= 0.5;
}

static void print_text(const char *t)
{
    /* one line: newlines of hard-wrapped texts shown as ⏎ */
    for (const char *p = t ? t : ""; *p; p++)
        if (*p == '\n')
            fputs("⏎", stdout);
        else
            putchar(*p);
}

/* ---- floors ------------------------------------------------------------------------------------- */

typedef struct floors {
    double p[ND], r[ND];
    long silent; /* most texts allowed without output; -1 = unset */
} floors;

static int read_floors(const char *path, floors *fl)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "accuracy: cannot read %s\n", path);
        return -1;
    }
    for (int k = 0; k < ND; k++)
        fl->p[k] = fl->r[k] = 0;
    fl->silent = -1;
    char line[256];
    unsigned ln = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        char name[64];
        double p, r;
        long s;
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == 0)
            continue;
        if (sscanf(line, "without-output %ld", &s) == 1) {
            fl->silent = s;
            continue;
        }
        int k = -1;
        if (sscanf(line, "%63s %lf %lf", name, &p, &r) == 3)
            for (int q = 0; q < ND; q++)
                if (strcmp(name, DIM[q]) == 0)
                    k = q;
        if (k < 0) {
            fprintf(stderr, "%s:%u: expected 'DIMENSION PRECISION RECALL' or "
                            "'without-output N'\n", path, ln);
            fclose(f);
            return -1;
        }
        fl->p[k] = p;
        fl->r[k] = r;
    }
    fclose(f);
    return 0;
}

/* ---- main ----------------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    int verbose = 0;
    const char *floors_path = NULL, *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0)
            verbose = 1;
        else if (strcmp(argv[i], "--floors") == 0 && i + 1 < argc)
            floors_path = argv[++i];
        else if (argv[i][0] != '-' && !dir)
            dir = argv[i];
        else {
            fprintf(stderr, "usage: accuracy [-v] [--floors FILE] DEVSET_DIR\n");
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "usage: accuracy [-v] [--floors FILE] DEVSET_DIR\n");
        return 2;
    }
    floors fl;
    if (floors_path && read_floors(floors_path, &fl) != 0)
        return 2;
    rb_error err;
    rb_error_clear(&err);
    char *gdir = rb_grammar_default_dir();
    rb_grammar *g = NULL;
    if (rb_grammar_load(gdir, &g, &err) != RB_OK) {
        fprintf(stderr, "%s:%u:%u: error: %s\n", err.file, err.line, err.col, err.message);
        free(gdir);
        return 2;
    }
    free(gdir);
    char path[4096];
    snprintf(path, sizeof path, "%s/gold.yaml", dir);
    yaml_document_t doc;
    if (rb_yaml_load(path, (size_t)1 << 24, &doc, &err) != RB_OK) {
        fprintf(stderr, "%s:%u:%u: error: %s\n", err.file, err.line, err.col, err.message);
        rb_grammar_free(g);
        return 2;
    }
    size_t tp[ND] = {0}, fp[ND] = {0}, fn[ND] = {0};
    size_t ntexts = 0, silent = 0, injected = 0, han = 0;
    size_t npairs;
    yaml_node_pair_t *pairs = rb_yaml_pairs(yaml_document_get_root_node(&doc), &npairs);
    for (size_t t = 0; t < npairs; t++) {
        const char *name = rb_yaml_str(yaml_document_get_node(&doc, pairs[t].key));
        yaml_node_t *entry = yaml_document_get_node(&doc, pairs[t].value);
        if (!name || !entry || entry->type != YAML_MAPPING_NODE)
            continue;
        ntexts++;
        snprintf(path, sizeof path, "%s/texts/%s.txt", dir, name);
        rb_compile_opts o;
        rb_compile_opts_default(&o);
        rb_diags diags;
        rb_diags_init(&diags);
        rb_doc *d = NULL;
        rb_status st = rb_compile_file(g, path, &o, &d, &diags, &err);
        if (st != RB_OK) {
            silent++;
            printf("no output  %s: %s [%s]\n", name, err.message, err.rule);
        } else {
            /* the injected-character detector on a text that is (mostly) clean: each finding
             * is a false alarm unless the text was damaged so */
            rb_findings fs = {0};
            if (rb_check(g, &d, 1, &diags, &fs, &err) == RB_OK)
                for (size_t i = 0; i < fs.n; i++)
                    if (strcmp(fs.v[i].rule, "injected-characters") == 0) {
                        injected++;
                        if (verbose)
                            printf("junk   %-30s %s:%u %s\n", name, fs.v[i].file, fs.v[i].line,
                                   fs.v[i].message);
                    }
            rb_findings_clear(&fs);
            for (size_t i = 0; i < d->src->len;) {
                uint32_t cp;
                i += (size_t)rb_utf8_decode(d->src->text + i, d->src->len - i, &cp);
                han += (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF);
            }
        }
        rb_diags_free(&diags);
        for (int k = 0; k < ND; k++) {
            units got = {0}, gold = {0};
            for (size_t i = 0; d && d->facts && i < d->facts->n; i++)
                if (strcmp(d->facts->v[i].dim, DIM[k]) == 0)
                    fact_units(&d->facts->v[i], &got);
            size_t ng;
            yaml_node_item_t *it = rb_yaml_items(rb_yaml_get(&doc, entry, DIM[k]), &ng);
            for (size_t i = 0; it && i < ng; i++)
                gold_unit(k, &doc, yaml_document_get_node(&doc, it[i]), &gold);
            for (size_t i = 0; i < gold.n; i++) {
                size_t j = 0;
                while (j < got.n && (got.v[j].used || !matches(k, &gold.v[i], &got.v[j])))
                    j++;
                if (j < got.n) {
                    got.v[j].used = gold.v[i].used = 1;
                    tp[k]++;
                } else {
                    fn[k]++;
                }
            }
            for (size_t j = 0; j < got.n; j++)
                if (!got.v[j].used)
                    fp[k]++;
            if (verbose) {
                for (size_t i = 0; i < gold.n; i++)
                    if (!gold.v[i].used) {
                        printf("miss   %-30s %-9s %s", name, DIM[k], gold.v[i].key);
                        if (!isnan(gold.v[i].lo))
                            printf(" %g-%g/yr", gold.v[i].lo, gold.v[i].hi);
                        printf("  «");
                        print_text(gold.v[i].text);
                        printf("»\n");
                    }
                for (size_t j = 0; j < got.n; j++)
                    if (!got.v[j].used) {
                        printf("false  %-30s %-9s %s", name, DIM[k], got.v[j].key);
                        if (!isnan(got.v[j].lo))
                            printf(" %g-%g/yr", got.v[j].lo, got.v[j].hi);
                        printf("  §%ld «", got.v[j].article);
                        print_text(got.v[j].text);
                        printf("»\n");
                    }
            }
            free(got.v);
            free(gold.v);
        }
        rb_doc_free(d);
    }
    int below = 0;
    printf("\n%-10s %6s %6s %6s %10s %8s\n", "dimension", "gold", "found", "right", "precision",
           "recall");
    for (int k = 0; k < ND; k++) {
        double p = tp[k] + fp[k] ? 100.0 * (double)tp[k] / (double)(tp[k] + fp[k]) : 100;
        double r = tp[k] + fn[k] ? 100.0 * (double)tp[k] / (double)(tp[k] + fn[k]) : 100;
        /* compared as printed, to one decimal */
        p = round(p * 10) / 10;
        r = round(r * 10) / 10;
        int low = floors_path && (p + 1e-9 < fl.p[k] || r + 1e-9 < fl.r[k]);
        printf("%-10s %6zu %6zu %6zu %9.1f%% %7.1f%%%s\n", DIM[k], tp[k] + fn[k], tp[k] + fp[k],
               tp[k], p, r, low ? "   BELOW THE FLOOR" : "");
        if (low) {
            printf("           floor: precision %.1f%%, recall %.1f%%\n", fl.p[k], fl.r[k]);
            below = 1;
        }
    }
    printf("texts: %zu, without output: %zu\n", ntexts, silent);
    printf("injected-character findings (check, each text alone): %zu in %zu Han characters "
           "(%.2f per 10,000)\n",
           injected, han, han ? 1e4 * (double)injected / (double)han : 0.0);
    if (floors_path && fl.silent >= 0 && (long)silent > fl.silent) {
        printf("more texts without output than the floor allows (%ld)\n", fl.silent);
        below = 1;
    }
    yaml_document_delete(&doc);
    rb_grammar_free(g);
    if (below)
        printf("accuracy: below the floors of %s (run `make accuracy` for every miss)\n",
               floors_path);
    return below;
}
