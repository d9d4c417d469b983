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

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef rb_status (*loader_fn)(rb_grammar *g, const char *path, yaml_document_t *doc,
                               yaml_node_t *root, rb_error *err);

/* ---- the shape of each kind of file: every key known, every value of its type ----------------- */

typedef enum shape {
    SCALAR,       /* a string (or number, or boolean) */
    SCALARS,      /* a list of strings */
    MAP_SCALARS,  /* a mapping of any keys to strings */
    MAP_TABLES,   /* a mapping of any keys to mappings of strings */
    MAP_FIELDS,   /* a mapping of field names to field options (`fields:`) */
    LIST_OF,      /* a list of mappings of the keys in sub */
    MAP_OF,       /* a mapping of the keys in sub */
} shape;

typedef struct kspec {
    const char *key;
    shape shape;
    const struct kspec *sub; /* LIST_OF, MAP_OF: the keys of each mapping (NULL-key ended) */
} kspec;

static const kspec STRUCTURE_PATTERN[] = {
    {"id", SCALAR, 0},       {"role", SCALAR, 0},   {"kind", SCALAR, 0},
    {"regex", SCALAR, 0},    {"examples", SCALARS, 0}, {"not", SCALARS, 0},
    {"level", SCALAR, 0},    {"outranks_from", SCALAR, 0}, {0, 0, 0}};
static const kspec STRUCTURE[] = {{"grammar", SCALAR, 0},        {"version", SCALAR, 0},
                                  {"define", MAP_SCALARS, 0},   {"patterns", LIST_OF, STRUCTURE_PATTERN},
                                  {0, 0, 0}};

static const kspec IMPLIED[] = {{"from", SCALAR, 0}, {"via", SCALAR, 0}, {0, 0, 0}};
static const kspec FIELD[] = {
    {"value", SCALAR, 0},   {"group", SCALAR, 0},    {"table", SCALAR, 0},
    {"all", SCALAR, 0},     {"heads", SCALAR, 0},    {"split", SCALAR, 0},
    {"strip", SCALAR, 0},   {"number", SCALAR, 0},   {"range", SCALAR, 0},
    {"inherit", SCALAR, 0}, {"required", SCALAR, 0}, {"default", SCALAR, 0},
    {"weak", SCALAR, 0},    {"context", SCALAR, 0},  {"topic", SCALAR, 0},
    {"before", SCALAR, 0},  {"implied", MAP_OF, IMPLIED}, {0, 0, 0}};
static const kspec EXTRACT_RULE[] = {{"id", SCALAR, 0},        {"regex", SCALAR, 0},
                                     {"needs", SCALARS, 0},    {"fields", MAP_FIELDS, FIELD},
                                     {"examples", SCALARS, 0}, {"not", SCALARS, 0},
                                     {0, 0, 0}};
static const kspec DIMENSION[] = {{"id", SCALAR, 0},
                                  {"title", SCALAR, 0},
                                  {"keywords", SCALARS, 0},
                                  {"rules", LIST_OF, EXTRACT_RULE},
                                  {0, 0, 0}};
static const kspec EXTRACT[] = {{"grammar", SCALAR, 0},         {"version", SCALAR, 0},
                                {"define", MAP_SCALARS, 0},    {"tables", MAP_TABLES, 0},
                                {"dimensions", LIST_OF, DIMENSION}, {0, 0, 0}};

static const kspec CHECK_PATTERN[] = {{"id", SCALAR, 0},       {"severity", SCALAR, 0},
                                      {"message", SCALAR, 0},  {"regex", SCALAR, 0},
                                      {"examples", SCALARS, 0}, {"not", SCALARS, 0},
                                      {0, 0, 0}};
static const kspec CLOSING[] = {{"regex", SCALAR, 0}, {"example", SCALAR, 0}, {0, 0, 0}};
static const kspec SUPERSEDED[] = {{"title", SCALAR, 0}, {"replaced_by", SCALAR, 0},
                                   {"from", SCALAR, 0},  {"note", SCALAR, 0},
                                   {0, 0, 0}};
static const kspec RENAMED[] = {{"regex", SCALAR, 0},    {"replaced_by", SCALAR, 0},
                                {"from", SCALAR, 0},     {"local_by", SCALAR, 0},
                                {"note", SCALAR, 0},     {"example", SCALAR, 0},
                                {0, 0, 0}};
static const kspec CHECK[] = {{"grammar", SCALAR, 0},
                              {"version", SCALAR, 0},
                              {"define", MAP_SCALARS, 0},
                              {"patterns", LIST_OF, CHECK_PATTERN},
                              {"closing", LIST_OF, CLOSING},
                              {"titles", SCALARS, 0},
                              {"superseded", LIST_OF, SUPERSEDED},
                              {"renamed", LIST_OF, RENAMED},
                              {"head_words", MAP_SCALARS, 0},
                              {0, 0, 0}};

static const struct {
    const char *kind;
    loader_fn load;
    const kspec *keys; /* the keys a file of the kind may have, and their shapes */
} KINDS[] = {
    {"structure", rb_structure_add, STRUCTURE},
    {"extract", rb_extract_add, EXTRACT},
    {"check", rb_check_add, CHECK},
};
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

static const char *const SHAPE_NAMES[] = {"a string", "a list of strings", "a mapping of strings",
                                          "a mapping of tables", "a mapping of fields",
                                          "a list of mappings", "a mapping"};

static rb_status wrong(const char *path, yaml_node_t *n, const char *what, const char *key,
                       shape want, rb_error *err)
{
    return rb_error_set(err, RB_EGRAMMAR, "grammar", path, rb_yaml_line(n), rb_yaml_col(n),
                        "grammar-schema", "%s: `%s` must be %s", what, key, SHAPE_NAMES[want]);
}

static int all_scalars(yaml_document_t *doc, yaml_node_t *n, int map)
{
    if (map) {
        size_t k;
        yaml_node_pair_t *p = rb_yaml_pairs(n, &k);
        for (size_t i = 0; i < k; i++)
            if (yaml_document_get_node(doc, p[i].value)->type != YAML_SCALAR_NODE)
                return 0;
        return 1;
    }
    size_t k;
    yaml_node_item_t *it = rb_yaml_items(n, &k);
    for (size_t i = 0; i < k; i++)
        if (yaml_document_get_node(doc, it[i])->type != YAML_SCALAR_NODE)
            return 0;
    return 1;
}

static rb_status check_map(yaml_document_t *doc, yaml_node_t *map, const kspec *spec,
                           const char *path, const char *what, rb_error *err);

static rb_status check_value(yaml_document_t *doc, yaml_node_t *v, const kspec *ks,
                             const char *path, const char *what, rb_error *err)
{
    switch (ks->shape) {
    case SCALAR:
        return v->type == YAML_SCALAR_NODE ? RB_OK : wrong(path, v, what, ks->key, SCALAR, err);
    case SCALARS:
        return v->type == YAML_SEQUENCE_NODE && all_scalars(doc, v, 0)
                   ? RB_OK
                   : wrong(path, v, what, ks->key, SCALARS, err);
    case MAP_SCALARS:
        return v->type == YAML_MAPPING_NODE && all_scalars(doc, v, 1)
                   ? RB_OK
                   : wrong(path, v, what, ks->key, MAP_SCALARS, err);
    case MAP_TABLES: {
        if (v->type != YAML_MAPPING_NODE)
            return wrong(path, v, what, ks->key, MAP_TABLES, err);
        size_t k;
        yaml_node_pair_t *p = rb_yaml_pairs(v, &k);
        for (size_t i = 0; i < k; i++) {
            yaml_node_t *t = yaml_document_get_node(doc, p[i].value);
            if (t->type != YAML_MAPPING_NODE || !all_scalars(doc, t, 1))
                return wrong(path, t, "a table", rb_yaml_str(yaml_document_get_node(doc, p[i].key))
                                                     ? rb_yaml_str(yaml_document_get_node(doc, p[i].key))
                                                     : "?",
                             MAP_SCALARS, err);
        }
        return RB_OK;
    }
    case MAP_FIELDS: {
        if (v->type != YAML_MAPPING_NODE)
            return wrong(path, v, what, ks->key, MAP_FIELDS, err);
        size_t k;
        yaml_node_pair_t *p = rb_yaml_pairs(v, &k);
        for (size_t i = 0; i < k; i++) {
            rb_status st = check_map(doc, yaml_document_get_node(doc, p[i].value), ks->sub,
                                     path, "a field", err);
            if (st != RB_OK)
                return st;
        }
        return RB_OK;
    }
    case LIST_OF: {
        if (v->type != YAML_SEQUENCE_NODE)
            return wrong(path, v, what, ks->key, LIST_OF, err);
        size_t k;
        yaml_node_item_t *it = rb_yaml_items(v, &k);
        for (size_t i = 0; i < k; i++) {
            rb_status st =
                check_map(doc, yaml_document_get_node(doc, it[i]), ks->sub, path, ks->key, err);
            if (st != RB_OK)
                return st;
        }
        return RB_OK;
    }
    case MAP_OF:
        return check_map(doc, v, ks->sub, path, ks->key, err);
    }
    return RB_OK;
}

/* Every key of map known to spec (a misspelt `nto:` would leave the counter-examples
 * unchecked), every value of its shape; the first that is not, with its line and column. */
static rb_status check_map(yaml_document_t *doc, yaml_node_t *map, const kspec *spec,
                           const char *path, const char *what, rb_error *err)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return rb_error_set(err, RB_EGRAMMAR, "grammar", path, map ? rb_yaml_line(map) : 1,
                            map ? rb_yaml_col(map) : 1, "grammar-schema",
                            "%s must be a mapping of keys", what);
    size_t n;
    yaml_node_pair_t *pairs = rb_yaml_pairs(map, &n);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *kn = yaml_document_get_node(doc, pairs[i].key);
        const char *key = rb_yaml_str(kn);
        const kspec *ks = NULL;
        for (size_t q = 0; key && spec[q].key && !ks; q++)
            if (strcmp(spec[q].key, key) == 0)
                ks = &spec[q];
        if (!ks) {
            rb_buf list;
            rb_buf_init(&list);
            for (size_t q = 0; spec[q].key; q++)
                rb_buf_printf(&list, "%s%s", q ? ", " : "", spec[q].key);
            rb_status st = rb_error_set(err, RB_EGRAMMAR, "grammar", path, rb_yaml_line(kn),
                                        rb_yaml_col(kn), "grammar-schema",
                                        "unknown key '%s' in %s (known: %s)", key ? key : "?",
                                        what, list.data);
            rb_buf_free(&list);
            return st;
        }
        rb_status st =
            check_value(doc, yaml_document_get_node(doc, pairs[i].value), ks, path, what, err);
        if (st != RB_OK)
            return st;
    }
    return RB_OK;
}

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
        char what[64];
        snprintf(what, sizeof what, "a `grammar: %s` file", kind);
        st = check_map(&doc, root, KINDS[k].keys, path, what, err);
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
    g->loading = 1;
    st = st == RB_OK ? add_doc(g, path, &doc, err) : st;
    g->loading = 0;
    return st;
}

rb_status rb_grammar_add_bytes(rb_grammar *g, const char *name, const char *data, size_t n,
                               rb_error *err)
{
    yaml_document_t doc;
    rb_status st = rb_yaml_load_bytes(name, data, n, &doc, err);
    g->loading = 1;
    st = st == RB_OK ? add_doc(g, name, &doc, err) : st;
    g->loading = 0;
    return st;
}

rb_grammar *rb_grammar_new(const char *dir)
{
    rb_grammar *g = rb_xcalloc(1, sizeof *g);
    g->dir = rb_xstrdup(dir);
    g->version = rb_xstrdup("unversioned");
    rb_regex_context_init(g);
    return g;
}

/* ---- examples checked once per grammar and build ---------------------------------------------
 * Running every example and counter-example (some 700 matches in PCRE2's interpreter) is a
 * quarter of the instructions of a run on a small file: start-up, which `diff` in CI and git's
 * textconv pay on every call. What they give depends only on the grammar's bytes, on this
 * program (its GNU build id) and on the PCRE2 and libyaml it runs with. A load that checked them
 * all leaves a stamp named by the SHA-256 of those in the user's cache directory
 * (${XDG_CACHE_HOME:-$HOME/.cache}/rulebook/grammar-HEX); a later load of the same bytes by the
 * same build finds it and does not run them again. The stamp holds the patterns that load
 * compiled (PCRE2's serialization, see rb_codecache in grammar.c), which a later load takes
 * instead of compiling them: another fifth. An edited grammar, a rebuilt program or an
 * upgraded library is another name, checked anew. No build id, no usable cache directory, or
 * RULEBOOK_NO_CACHE=1: every load checks and compiles, as before; a stamp that cannot be
 * written is no error, and one that cannot be read whole still says the examples held (its
 * patterns are compiled). At most 16 stamps are kept. Every other check of a grammar file
 * runs on every load. */

typedef struct build_id {
    const unsigned char *bytes;
    size_t len;
} build_id;

static int find_build_id(struct dl_phdr_info *info, size_t size, void *ud)
{
    (void)size;
    build_id *id = ud;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
        const unsigned char *end = p + ph->p_memsz;
        while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(const void *)p;
            size_t name = (nh->n_namesz + 3) & ~(size_t)3, desc = (nh->n_descsz + 3) & ~(size_t)3;
            if ((size_t)(end - p) - sizeof *nh < name + desc)
                break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
                memcmp(p + sizeof *nh, "GNU", 4) == 0 && nh->n_descsz > 0) {
                id->bytes = p + sizeof *nh + name;
                id->len = nh->n_descsz;
                return 1;
            }
            p += sizeof *nh + name + desc;
        }
    }
    return 1; /* the first object is the program itself: look no further */
}

/* The stamp's path for these files' bytes in this build, or 0 when there can be none. */
static int stamp_path(char *const *files, char *const *data, const size_t *len, size_t n,
                      char *path, size_t cap)
{
    const char *off = getenv("RULEBOOK_NO_CACHE");
    if (off && strcmp(off, "1") == 0)
        return 0;
    build_id id = {0};
    dl_iterate_phdr(find_build_id, &id);
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int r;
    if (xdg && xdg[0] == '/')
        r = snprintf(path, cap, "%s/rulebook", xdg);
    else if (home && home[0] == '/')
        r = snprintf(path, cap, "%s/.cache/rulebook", home);
    else
        return 0;
    if (!id.len || r < 0 || (size_t)r + 80 > cap)
        return 0;
    rb_buf b = {0};
    rb_buf_printf(&b, "rulebook grammar examples\nbuild ");
    for (size_t i = 0; i < id.len; i++)
        rb_buf_printf(&b, "%02x", id.bytes[i]);
    rb_buf_printf(&b, "\npcre2 %s\nlibyaml %s\n", rb_regex_version(), yaml_get_version_string());
    for (size_t i = 0; i < n; i++) {
        const char *base = strrchr(files[i], '/');
        rb_buf_printf(&b, "%s %zu\n", base ? base + 1 : files[i], len[i]);
        rb_buf_put(&b, data[i], len[i]);
    }
    char hex[65];
    rb_sha256_hex(b.data, b.len, hex);
    rb_buf_free(&b);
    snprintf(path + r, cap - (size_t)r, "/grammar-%s", hex);
    return 1;
}

/* At most STAMPS_KEPT stamps in the cache: one is written per grammar and build, so a
 * developer's rebuilds would pile them up (about 100 KB each); the least recently written go.
 * dir is the stamp's directory; errors ignored. */
#define STAMPS_KEPT 16

typedef struct aged {
    char *name;
    struct timespec t;
} aged;

static int older_first(const void *a, const void *b)
{
    const aged *x = a, *y = b;
    if (x->t.tv_sec != y->t.tv_sec)
        return x->t.tv_sec < y->t.tv_sec ? -1 : 1;
    if (x->t.tv_nsec != y->t.tv_nsec)
        return x->t.tv_nsec < y->t.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void stamps_prune(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    aged *v = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, "grammar-", 8) != 0 || strlen(e->d_name) != 8 + 64)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        RB_GROW(v, n, cap);
        v[n].name = rb_xstrdup(e->d_name);
        v[n++].t = st.st_mtim;
    }
    if (n > STAMPS_KEPT) {
        qsort(v, n, sizeof *v, older_first);
        for (size_t i = 0; i < n - STAMPS_KEPT; i++)
            unlinkat(dirfd(d), v[i].name, 0);
    }
    closedir(d);
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}

/* The stamp, holding the patterns the load compiled, with the directories above it (mode
 * 0700, as the XDG spec asks); written whole or not at all (a temporary file renamed), errors
 * ignored. */
static void stamp_write(char *path, const rb_codecache *cc)
{
    for (char *sl = strchr(path + 1, '/'); sl; sl = strchr(sl + 1, '/')) {
        *sl = 0;
        mkdir(path, 0700);
        *sl = '/';
    }
    rb_buf b;
    rb_buf_init(&b);
    rb_codecache_write(cc, &b);
    rb_error ignored;
    rb_error_clear(&ignored);
    rb_write_atomic(path, b.data ? b.data : "", b.len, &ignored);
    rb_buf_free(&b);
    char *slash = strrchr(path, '/');
    *slash = 0;
    stamps_prune(path);
    *slash = '/';
}

/* The stamp's patterns, when it is there and whole (NULL otherwise). */
static rb_codecache *stamp_read(const char *path)
{
    rb_limits lim;
    rb_limits_default(&lim);
    lim.max_bytes = RB_MAX_GRAMMAR_FILE;
    char *data = NULL;
    size_t n = 0;
    rb_error ignored;
    rb_error_clear(&ignored);
    if (rb_input_read(path, &lim, &data, &n, &ignored) != RB_OK)
        return NULL;
    rb_codecache *cc = rb_codecache_read(data, n);
    free(data);
    return cc;
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
    char **data = rb_xcalloc(n + 1, sizeof *data);
    size_t *len = rb_xcalloc(n + 1, sizeof *len);
    rb_limits lim;
    rb_limits_default(&lim);
    lim.max_bytes = RB_MAX_GRAMMAR_FILE;
    for (size_t i = 0; i < n && st == RB_OK; i++)
        st = rb_input_read(files[i], &lim, &data[i], &len[i], err);
    char stamp[4400];
    int stamped = st == RB_OK && stamp_path(files, data, len, n, stamp, sizeof stamp);
    g->examples_known = stamped && access(stamp, F_OK) == 0;
    g->codes = g->examples_known ? stamp_read(stamp) : stamped ? rb_codecache_recorder() : NULL;
    for (size_t i = 0; i < n; i++) {
        if (st == RB_OK)
            st = rb_grammar_add_bytes(g, files[i], data[i], len[i], err);
        free(data[i]);
        free(files[i]);
    }
    free(data);
    free(len);
    free(files);
    if (st == RB_OK)
        rb_structure_gates(g);
    g->codes_taken = rb_codecache_taken(g->codes);
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
    if (st == RB_OK && stamped && !g->examples_known)
        stamp_write(stamp, g->codes);
    rb_codecache_free(g->codes);
    g->codes = NULL;
    /* the stamp vouches for these files only: a file added later has its examples checked */
    g->stamp_found = g->examples_known;
    g->examples_known = 0;
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
    rb_grammar_profile_free(g);
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
