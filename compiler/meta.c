/* meta.c: metadata sidecars (corpora/NAME.yaml beside NAME.txt). Facts found in the text
 * (date, document number, title) come from the compiler; the sidecar fills the gaps and, where
 * both exist and differ, wins with a note, because a person wrote it down on purpose. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const KEYS[] = {"id", "title", "jurisdiction", "level", "script", "date",
                                   "document_number", "supersedes", "source", "issuer"};

/* A calendar date, exactly YYYY-MM-DD, year 0001 on (what xs:date takes). */
static int valid_date(const char *v)
{
    for (int i = 0; i < 10; i++)
        if (!v[i] || (i == 4 || i == 7 ? v[i] != '-' : (v[i] < '0' || v[i] > '9')))
            return 0;
    if (v[10])
        return 0;
    int y = atoi(v), m = atoi(v + 5), d = atoi(v + 8);
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

/* A value a sidecar may give: no control character, no noncharacter (U+FFFE, U+FFFF, U+FDD0…),
 * which XML cannot carry or a line of output would break on. The offending character's column
 * within the value, or 0. */
static size_t bad_char(const char *v)
{
    size_t col = 1;
    for (size_t i = 0; v[i]; col++) {
        uint32_t cp;
        size_t l = (size_t)rb_utf8_decode(v + i, strlen(v + i), &cp);
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || (cp & 0xFFFE) == 0xFFFE ||
            (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp >= 0x2028 && cp <= 0x2029))
            return col;
        i += l ? l : 1;
    }
    return 0;
}

/* An id names files and URIs (/akn/cn/act/DATE/ID): letters, digits, - _ . only, and Han. */
static int valid_id(const char *v)
{
    if (!*v || *v == '.' || *v == '-')
        return 0;
    for (size_t i = 0; v[i];) {
        uint32_t cp;
        size_t l = (size_t)rb_utf8_decode(v + i, strlen(v + i), &cp);
        int ok = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
                 cp == '-' || cp == '_' || cp == '.' || (cp >= 0x3400 && cp <= 0x9FFF);
        if (!ok)
            return 0;
        i += l ? l : 1;
    }
    return 1;
}

static rb_status meta_from_doc(const char *path, yaml_document_t *doc, rb_meta **out,
                               rb_error *err);

rb_status rb_meta_load(const char *path, rb_meta **out, rb_error *err)
{
    *out = NULL;
    yaml_document_t doc;
    rb_status st = rb_yaml_load(path, RB_MAX_SIDECAR, &doc, err);
    return st == RB_OK ? meta_from_doc(path, &doc, out, err) : st;
}

rb_status rb_meta_load_bytes(const char *name, const char *data, size_t n, rb_meta **out,
                             rb_error *err)
{
    *out = NULL;
    if (n > RB_MAX_SIDECAR)
        return rb_error_set(err, RB_ELIMIT, "meta", name, 0, 0, "input-too-large",
                            "a sidecar over %zu bytes", RB_MAX_SIDECAR);
    yaml_document_t doc;
    rb_status st = rb_yaml_load_bytes(name, data, n, &doc, err);
    return st == RB_OK ? meta_from_doc(name, &doc, out, err) : st;
}

/* Takes the document (deleted here). */
static rb_status meta_from_doc(const char *path, yaml_document_t *docp, rb_meta **out,
                               rb_error *err)
{
    yaml_document_t doc = *docp;
    rb_status st = RB_OK;
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
        size_t bc = bad_char(val);
        if (bc) {
            unsigned quoted = v->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                              v->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
            st = rb_error_set(err, RB_EGRAMMAR, "meta", path, rb_yaml_line(v),
                              rb_yaml_col(v) + quoted + (unsigned)bc - 1, "meta-value",
                              "the value of '%s' holds a control character or a noncharacter",
                              key);
            break;
        }
        if (idx == 0 && !valid_id(val)) {
            char *shown = rb_line_str(val);
            st = rb_error_set(err, RB_EGRAMMAR, "meta", path, rb_yaml_line(v), rb_yaml_col(v),
                              "meta-value",
                              "id '%.80s' may hold letters, digits, Han characters, - _ and . "
                              "only (it names files and URIs)",
                              shown);
            free(shown);
            break;
        }
        if (idx == 4 && *val && strcmp(val, "simplified") && strcmp(val, "traditional")) {
            st = rb_error_set(err, RB_EGRAMMAR, "meta", path, rb_yaml_line(v), rb_yaml_col(v),
                              "meta-schema", "script must be simplified or traditional");
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
        if (idx == 5 && *val && !valid_date(val)) {
            char *shown = rb_line_str(val);
            st = rb_error_set(err, RB_EGRAMMAR, "meta", path, rb_yaml_line(v), rb_yaml_col(v),
                              "meta-schema",
                              "date must be a calendar date written YYYY-MM-DD, not '%.40s'",
                              shown);
            free(shown);
            break;
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

static void yaml_value(rb_buf *b, const char *s) { rb_esc_yaml(b, s); }

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
    char *shown = rb_line_str(text_name); /* a name with a newline cannot add a key */
    rb_buf_printf(out,
                  "# Metadata for %s, made by `rulebook init` from what the compiler found in the\n"
                  "# text. Check it and fill the gaps: what is written here wins over the text.\n",
                  shown);
    free(shown);
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
