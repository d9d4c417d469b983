/* meta.c: metadata sidecars (corpora/NAME.yaml beside NAME.txt). Facts found in the text
 * (date, document number, title) come from the compiler; the sidecar fills the gaps and, where
 * both exist and differ, wins with a note, because a person wrote it down on purpose. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const KEYS[] = {"id", "title", "jurisdiction", "level", "script", "date",
                                   "document_number", "supersedes", "source", "issuer"};

rb_status rb_meta_load(const char *path, rb_meta **out, rb_error *err)
{
    *out = NULL;
    yaml_document_t doc;
    rb_status st = rb_yaml_load(path, &doc, err);
    if (st != RB_OK)
        return st;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root->type != YAML_MAPPING_NODE) {
        yaml_document_delete(&doc);
        return rb_error_set(err, RB_EGRAMMAR, "meta", path, 1, 1, "meta-schema",
                            "a metadata sidecar is a mapping of keys (id, jurisdiction, level, "
                            "date …)");
    }
    rb_meta *m = rb_xcalloc(1, sizeof *m);
    m->path = rb_xstrdup(path);
    size_t np;
    yaml_node_pair_t *pairs = rb_yaml_pairs(root, &np);
    for (size_t i = 0; i < np; i++) {
        yaml_node_t *k = yaml_document_get_node(&doc, pairs[i].key);
        yaml_node_t *v = yaml_document_get_node(&doc, pairs[i].value);
        const char *key = rb_yaml_str(k);
        const char *val = rb_yaml_str(v);
        size_t idx = sizeof KEYS / sizeof KEYS[0];
        for (size_t q = 0; key && q < sizeof KEYS / sizeof KEYS[0]; q++)
            if (strcmp(key, KEYS[q]) == 0)
                idx = q;
        if (idx == sizeof KEYS / sizeof KEYS[0]) {
            st = rb_error_set(err, RB_EGRAMMAR, "meta", path, rb_yaml_line(k), rb_yaml_col(k),
                              "meta-schema",
                              "unknown key '%s' (known: id, title, jurisdiction, level, script, "
                              "date, document_number, supersedes, source, issuer)",
                              key ? key : "?");
            break;
        }
        if (!val) {
            st = rb_error_set(err, RB_EGRAMMAR, "meta", path, rb_yaml_line(v), rb_yaml_col(v),
                              "meta-schema", "the value of '%s' must be a plain string", key);
            break;
        }
        char **slots[] = {&m->id, &m->title, &m->jurisdiction, &m->level, &m->script,
                          &m->date, &m->docnumber, &m->supersedes, &m->source, &m->issuer};
        if (*val) {
            free(*slots[idx]);
            *slots[idx] = rb_xstrdup(val);
        }
        if (idx == 3 && *val && strcmp(val, "province") && strcmp(val, "city") &&
            strcmp(val, "district") && strcmp(val, "county")) {
            st = rb_error_set(err, RB_EGRAMMAR, "meta", path, rb_yaml_line(v), rb_yaml_col(v),
                              "meta-schema",
                              "level must be province, city, district or county, not '%s'", val);
            break;
        }
        if (idx == 5 && *val) {
            int y, mo, dd;
            char tail;
            if (sscanf(val, "%4d-%2d-%2d%c", &y, &mo, &dd, &tail) != 3 || mo < 1 || mo > 12 ||
                dd < 1 || dd > 31) {
                st = rb_error_set(err, RB_EGRAMMAR, "meta", path, rb_yaml_line(v),
                                  rb_yaml_col(v), "meta-schema",
                                  "date must be YYYY-MM-DD, not '%s'", val);
                break;
            }
        }
    }
    yaml_document_delete(&doc);
    if (st != RB_OK) {
        rb_meta_free(m);
        return st;
    }
    *out = m;
    return RB_OK;
}

void rb_meta_free(rb_meta *m)
{
    if (!m)
        return;
    free(m->id);
    free(m->title);
    free(m->jurisdiction);
    free(m->level);
    free(m->script);
    free(m->date);
    free(m->docnumber);
    free(m->supersedes);
    free(m->source);
    free(m->issuer);
    free(m->path);
    free(m);
}

/* Equal once width and script are folded (a simplified sidecar for a traditional text). */
static int same_normalized(const char *a, const char *b)
{
    char *x = rb_normalize_str(a, strlen(a), 1, NULL), *y = rb_normalize_str(b, strlen(b), 1, NULL);
    int eq = strcmp(x, y) == 0;
    free(x);
    free(y);
    return eq;
}

/* Sidecar value over text value; a disagreement is worth a note. */
static void merge(rb_doc *d, rb_diags *diags, const rb_meta *m, const char *what, char **slot,
                  const char **from, const char *val)
{
    if (!val)
        return;
    if (*slot && !same_normalized(*slot, val))
        rb_diags_add(diags, RB_NOTE, m->path, 1, 1, "meta-override",
                     "the sidecar's %s '%s' replaces '%s' found in %s", what, val, *slot,
                     d->name);
    free(*slot);
    *slot = rb_xstrdup(val);
    if (from)
        *from = "sidecar";
}

void rb_doc_apply_meta(rb_doc *d, const rb_meta *m, rb_diags *diags)
{
    if (!m)
        return;
    merge(d, diags, m, "date", &d->date, &d->date_from, m->date);
    merge(d, diags, m, "document number", &d->docnumber, &d->docnumber_from, m->docnumber);
    merge(d, diags, m, "title", &d->title, &d->title_from, m->title);
    merge(d, diags, m, "issuer", &d->issuer, NULL, m->issuer);
    if (m->id) {
        free(d->id);
        d->id = rb_xstrdup(m->id);
    }
    if (m->jurisdiction) {
        free(d->jurisdiction);
        d->jurisdiction = rb_xstrdup(m->jurisdiction);
    }
    if (m->level) {
        free(d->level);
        d->level = rb_xstrdup(m->level);
    }
    if (m->supersedes) {
        free(d->supersedes);
        d->supersedes = rb_xstrdup(m->supersedes);
    }
    if (m->source) {
        free(d->source_url);
        d->source_url = rb_xstrdup(m->source);
    }
    if (m->script) {
        const char *det = rb_script_name(d->view->script);
        if (strcmp(det, m->script) != 0)
            rb_diags_add(diags, RB_WARNING, m->path, 1, 1, "meta-script",
                         "the sidecar says the script is %s, but %s reads as %s", m->script,
                         d->name, det);
    }
}

/* ---- a sidecar from what the compiler found (rulebook init) -------------------------------- */

static void yaml_value(rb_buf *b, const char *s)
{
    rb_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            rb_buf_putc(b, '\\');
        if (*s == '\n' || *s == '\r' || *s == '\t')
            rb_buf_putc(b, ' ');
        else
            rb_buf_putc(b, *s);
    }
    rb_buf_putc(b, '"');
}

static void entry(rb_buf *b, const char *key, const char *val, const char *why_missing,
                  const char *note)
{
    if (val && *val) {
        rb_buf_printf(b, "%s: ", key);
        yaml_value(b, val);
        if (note)
            rb_buf_printf(b, "   # %s", note);
        rb_buf_putc(b, '\n');
    } else {
        rb_buf_printf(b, "# %s:   # %s\n", key, why_missing);
    }
}

/* 武汉市人民政府工作规则 -> 武汉市; the level from its last character. */
static char *jurisdiction_of(const char *title, const char **level)
{
    *level = NULL;
    if (!title)
        return NULL;
    const char *cut = strstr(title, "人民政府");
    if (!cut)
        cut = strstr(title, "政府");
    if (!cut || cut == title)
        return NULL;
    char *j = rb_xstrndup(title, (size_t)(cut - title));
    size_t n = strlen(j);
    static const struct {
        const char *suffix, *level;
    } L[] = {{"自治区", "province"}, {"自治區", "province"}, {"省", "province"},
             {"区", "district"},     {"區", "district"},     {"县", "county"},
             {"縣", "county"},       {"旗", "county"},       {"市", "city"},
             {"州", "city"},         {"盟", "city"}};
    for (size_t i = 0; i < sizeof L / sizeof L[0]; i++) {
        size_t l = strlen(L[i].suffix);
        if (n >= l && strcmp(j + n - l, L[i].suffix) == 0) {
            *level = L[i].level;
            break;
        }
    }
    return j;
}

void rb_doc_guess_place(rb_doc *d)
{
    const char *level = NULL;
    char *jur = jurisdiction_of(d->title, &level);
    if (!d->jurisdiction && jur) {
        d->jurisdiction = jur;
        jur = NULL;
    }
    if (!d->level && level && d->jurisdiction && strstr(d->title, d->jurisdiction))
        d->level = rb_xstrdup(level);
    free(jur);
}

void rb_meta_render(const rb_doc *d, const char *text_name, rb_buf *out)
{
    const char *level = NULL;
    char *jur = jurisdiction_of(d->title, &level);
    rb_buf_printf(out,
                  "# Metadata for %s, made by `rulebook init` from what the compiler found in the\n"
                  "# text. Check it and fill the gaps: what is written here wins over the text.\n",
                  text_name);
    entry(out, "id", d->id, "a short name", NULL);
    entry(out, "title", d->title, "not found in the text", NULL);
    entry(out, "jurisdiction", jur, "e.g. 武汉市", "guessed from the title");
    entry(out, "level", level, "province, city, district or county",
          "guessed from the title; a county-level city is county");
    entry(out, "script", d->view ? rb_script_name(d->view->script) : NULL, "simplified or traditional",
          NULL);
    entry(out, "date", d->date, "not found in the text: YYYY-MM-DD of issue", NULL);
    entry(out, "document_number", d->docnumber, "not found in the text, e.g. 武政〔2018〕54号",
          NULL);
    entry(out, "issuer", d->issuer, "not found in the text", NULL);
    entry(out, "supersedes", d->supersedes, "the document number it replaces, if any", NULL);
    entry(out, "source", NULL, "where the text came from (a URL or a note)", NULL);
    free(jur);
}
