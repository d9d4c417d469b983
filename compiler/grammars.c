/* grammars.c: a grammar directory -> one rb_grammar, loaded once per run. Every *.yaml file
 * says what it holds with `grammar:`, and this file hands it to the loader of that kind:
 *
 *   structure  grammar.c   the line patterns: chapters, articles, points, preface, junk
 *   extract    extract.c   the tables and the fact rules of each dimension
 *   check      check.c     the pattern rules, closing clauses, titles, superseded and renamed
 *
 * The loaders know nothing of one another or of this file (no loader calls up into another
 * stage). A file's top-level keys are checked against its kind: a misspelt key (`dimentions:`)
 * is an error naming the file and line, not a rule silently left out. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef rb_status (*loader_fn)(rb_grammar *g, const char *path, yaml_document_t *doc,
                               yaml_node_t *root, rb_error *err);

static const struct {
    const char *kind;
    loader_fn load;
    const char *keys[10]; /* the top-level keys a file of the kind may have */
} KINDS[] = {
    {"structure", rb_structure_add, {"grammar", "version", "define", "patterns"}},
    {"extract", rb_extract_add, {"grammar", "version", "define", "tables", "dimensions"}},
    {"check",
     rb_check_add,
     {"grammar", "version", "define", "patterns", "closing", "titles", "superseded", "renamed",
      "head_words"}},
};
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

/* Takes the document (deleted here). */
static rb_status add_doc(rb_grammar *g, const char *path, yaml_document_t *d, rb_error *err)
{
    yaml_document_t doc = *d;
    rb_status st = RB_OK;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    const char *kind = root && root->type == YAML_MAPPING_NODE
                           ? rb_yaml_str(rb_yaml_get(&doc, root, "grammar"))
                           : NULL;
    size_t k = 0;
    while (kind && k < NKINDS && strcmp(KINDS[k].kind, kind) != 0)
        k++;
    if (!root || root->type != YAML_MAPPING_NODE)
        st = rb_error_set(err, RB_EGRAMMAR, "grammar", path, root ? rb_yaml_line(root) : 1, 1,
                          "grammar-schema",
                          "a grammar file is a mapping that starts with `grammar:` (structure, "
                          "extract or check)");
    else if (!kind)
        st = rb_error_set(err, RB_EGRAMMAR, "grammar", path, 1, 1, "grammar-schema",
                          "missing `grammar:` (structure, extract or check)");
    else if (k == NKINDS)
        st = rb_error_set(err, RB_EGRAMMAR, "grammar", path, 1, 1, "grammar-schema",
                          "unknown grammar kind '%s' (structure, extract or check)", kind);
    else {
        size_t n;
        yaml_node_pair_t *pairs = rb_yaml_pairs(root, &n);
        for (size_t i = 0; i < n && st == RB_OK; i++) {
            yaml_node_t *kn = yaml_document_get_node(&doc, pairs[i].key);
            const char *key = rb_yaml_str(kn);
            int known = 0;
            for (size_t q = 0; key && q < 10 && KINDS[k].keys[q] && !known; q++)
                known = strcmp(KINDS[k].keys[q], key) == 0;
            if (!known) {
                rb_buf list;
                rb_buf_init(&list);
                for (size_t q = 0; q < 10 && KINDS[k].keys[q]; q++)
                    rb_buf_printf(&list, "%s%s", q ? ", " : "", KINDS[k].keys[q]);
                st = rb_error_set(err, RB_EGRAMMAR, "grammar", path, rb_yaml_line(kn),
                                  rb_yaml_col(kn), "grammar-schema",
                                  "unknown key '%s' in a `grammar: %s` file (known: %s)",
                                  key ? key : "?", kind, list.data);
                rb_buf_free(&list);
            }
        }
        if (st == RB_OK)
            st = KINDS[k].load(g, path, &doc, root, err);
    }
    yaml_document_delete(&doc);
    return st;
}

rb_status rb_grammar_add_file(rb_grammar *g, const char *path, rb_error *err)
{
    yaml_document_t doc;
    rb_status st = rb_yaml_load(path, RB_MAX_GRAMMAR_FILE, &doc, err);
    return st == RB_OK ? add_doc(g, path, &doc, err) : st;
}

rb_status rb_grammar_add_bytes(rb_grammar *g, const char *name, const char *data, size_t n,
                               rb_error *err)
{
    yaml_document_t doc;
    rb_status st = rb_yaml_load_bytes(name, data, n, &doc, err);
    return st == RB_OK ? add_doc(g, name, &doc, err) : st;
}

rb_grammar *rb_grammar_new(const char *dir)
{
    rb_grammar *g = rb_xcalloc(1, sizeof *g);
    g->dir = rb_xstrdup(dir);
    g->version = rb_xstrdup("unversioned");
    rb_regex_context_init(g);
    return g;
}

rb_status rb_grammar_load(const char *dir, rb_grammar **out, rb_error *err)
{
    *out = NULL;
    size_t n;
    char **files = rb_yaml_list_dir(dir, &n, err);
    if (!files)
        return RB_EGRAMMAR;
    rb_grammar *g = rb_grammar_new(dir);
    rb_status st = RB_OK;
    for (size_t i = 0; i < n; i++) {
        if (st == RB_OK)
            st = rb_grammar_add_file(g, files[i], err);
        free(files[i]);
    }
    free(files);
    if (st == RB_OK) {
        static const rb_role need[] = {RB_ROLE_ARTICLE, RB_ROLE_CHAPTER, RB_ROLE_TITLE};
        for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
            if (g->nby_role[need[i]] == 0) {
                st = rb_error_set(err, RB_EGRAMMAR, "grammar", dir, 0, 0, "grammar-schema",
                                  "no pattern for role %s in %s/*.yaml",
                                  rb_role_name(need[i]), dir);
                break;
            }
    }
    if (st != RB_OK) {
        rb_grammar_free(g);
        return st;
    }
    *out = g;
    return RB_OK;
}

void rb_grammar_free(rb_grammar *g)
{
    if (!g)
        return;
    rb_structure_free(g);
    rb_extract_rules_free(g->extract);
    rb_check_rules_free(g->check);
    rb_regex_context_free(g);
    free(g->dir);
    free(g->version);
    free(g);
}

#ifndef RB_DATADIR
#define RB_DATADIR "/usr/local/share/rulebook"
#endif

static int is_dir_with_yaml(const char *d)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/structure.yaml", d);
    return access(p, R_OK) == 0;
}

/* RULEBOOK_GRAMMAR, else beside the program (build/../grammar, bin/../share/rulebook/grammar),
 * else the installed data directory. */
char *rb_grammar_default_dir(void)
{
    const char *env = getenv("RULEBOOK_GRAMMAR");
    if (env && *env)
        return rb_xstrdup(env);
    char exe[4096];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l > 0) {
        exe[l] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            const char *rel[] = {"/../grammar", "/../share/rulebook/grammar", "/../../grammar"};
            for (size_t i = 0; i < 3; i++) {
                char cand[4200];
                snprintf(cand, sizeof cand, "%s%s", exe, rel[i]);
                if (is_dir_with_yaml(cand)) {
                    char *rp = realpath(cand, NULL);
                    return rp ? rp : rb_xstrdup(cand);
                }
            }
        }
    }
    return rb_xstrdup(RB_DATADIR "/grammar");
}
