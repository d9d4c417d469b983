/* yamldoc.c: thin helpers over libyaml's document loader, used by every stage that reads
 * YAML (grammar, extraction rules, metadata sidecars). Errors carry file:line:col. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static rb_status load(yaml_parser_t *p, const char *name, yaml_document_t *doc, rb_error *err)
{
    rb_status st = RB_OK;
    if (!yaml_parser_load(p, doc)) {
        st = rb_error_set(err, RB_EGRAMMAR, "yaml", name, (unsigned)p->problem_mark.line + 1,
                          (unsigned)p->problem_mark.column + 1, "yaml-syntax", "%s%s%s",
                          p->problem ? p->problem : "YAML error", p->context ? " " : "",
                          p->context ? p->context : "");
    } else if (!yaml_document_get_root_node(doc)) {
        yaml_document_delete(doc);
        st = rb_error_set(err, RB_EGRAMMAR, "yaml", name, 1, 1, "yaml-empty", "empty YAML file");
    } else {
        /* one document per file: a second one (after ---) would be silently ignored */
        yaml_document_t more;
        if (!yaml_parser_load(p, &more)) {
            yaml_document_delete(doc);
            st = rb_error_set(err, RB_EGRAMMAR, "yaml", name,
                              (unsigned)p->problem_mark.line + 1,
                              (unsigned)p->problem_mark.column + 1, "yaml-syntax", "%s%s%s",
                              p->problem ? p->problem : "YAML error", p->context ? " " : "",
                              p->context ? p->context : "");
        } else {
            yaml_node_t *r = yaml_document_get_root_node(&more);
            if (r) {
                unsigned line = (unsigned)r->start_mark.line + 1;
                yaml_document_delete(&more);
                yaml_document_delete(doc);
                st = rb_error_set(err, RB_EGRAMMAR, "yaml", name, line, 1, "yaml-documents",
                                  "a second YAML document: a file holds one");
            } else {
                yaml_document_delete(&more);
            }
        }
    }
    yaml_parser_delete(p);
    return st;
}

rb_status rb_yaml_load(const char *path, size_t max_bytes, yaml_document_t *doc, rb_error *err)
{
    rb_limits lim;
    rb_limits_default(&lim);
    lim.max_bytes = max_bytes;
    char *data;
    size_t n;
    rb_status st = rb_input_read(path, &lim, &data, &n, err);
    if (st != RB_OK)
        return st;
    st = rb_yaml_load_bytes(path, data, n, doc, err);
    free(data);
    return st;
}

rb_status rb_yaml_load_bytes(const char *name, const char *data, size_t n, yaml_document_t *doc,
                             rb_error *err)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return rb_error_set(err, RB_ENOMEM, "yaml", name, 0, 0, "yaml", "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)data, n);
    return load(&p, name, doc, err);
}

yaml_node_t *rb_yaml_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(doc, pr->key);
        if (k && k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(doc, pr->value);
    }
    return NULL;
}

const char *rb_yaml_str(yaml_node_t *node)
{
    if (!node || node->type != YAML_SCALAR_NODE)
        return NULL;
    return (const char *)node->data.scalar.value;
}

unsigned rb_yaml_line(yaml_node_t *node) { return node ? (unsigned)node->start_mark.line + 1 : 0; }
unsigned rb_yaml_col(yaml_node_t *node) { return node ? (unsigned)node->start_mark.column + 1 : 0; }

yaml_node_item_t *rb_yaml_items(yaml_node_t *node, size_t *n)
{
    *n = 0;
    if (!node || node->type != YAML_SEQUENCE_NODE)
        return NULL;
    *n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    return node->data.sequence.items.start;
}

yaml_node_pair_t *rb_yaml_pairs(yaml_node_t *node, size_t *n)
{
    *n = 0;
    if (!node || node->type != YAML_MAPPING_NODE)
        return NULL;
    *n = (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
    return node->data.mapping.pairs.start;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **rb_yaml_list_dir(const char *dir, size_t *n, rb_error *err)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        rb_error_set(err, RB_EGRAMMAR, "grammar", dir, 0, 0, "grammar-missing",
                     "cannot open the grammar directory: %s (use --grammar DIR or set "
                     "RULEBOOK_GRAMMAR)",
                     strerror(errno));
        return NULL;
    }
    size_t cap = 16;
    char **v = rb_xmalloc(cap * sizeof *v);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0 || e->d_name[0] == '.')
            continue;
        RB_GROW(v, *n, cap);
        size_t pl = strlen(dir) + l + 2;
        v[*n] = rb_xmalloc(pl);
        snprintf(v[*n], pl, "%s/%s", dir, e->d_name);
        (*n)++;
    }
    closedir(d);
    qsort(v, *n, sizeof *v, cmp_str);
    return v;
}
