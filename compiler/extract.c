/* extract.c: fact extraction (meetings, signing, leave, deadlines). Placeholder until the
 * compare stage lands: no rules, no facts. */
#include "internal.h"

#include <libxml/xmlwriter.h>

struct rb_extract_rules {
    int unused;
};
struct rb_facts {
    int unused;
};

rb_status rb_extract_add(rb_grammar *g, const char *path, yaml_document_t *doc,
                         yaml_node_t *root, rb_error *err)
{
    (void)g;
    (void)doc;
    (void)root;
    return rb_error_set(err, RB_EGRAMMAR, "grammar", path, 1, 1, "grammar-schema",
                        "extraction grammars are not supported by this build");
}

void rb_extract_rules_free(struct rb_extract_rules *r) { free(r); }
void rb_facts_free(struct rb_facts *f) { free(f); }

void rb_akn_write_analysis(xmlTextWriterPtr w, const rb_doc *d, int *fail)
{
    (void)w;
    (void)d;
    (void)fail;
}
