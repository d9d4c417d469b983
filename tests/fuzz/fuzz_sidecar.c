/* fuzz_sidecar.c: libFuzzer harness for metadata sidecars. The input is a sidecar (YAML); when
 * it is accepted, its values go into a compiled rulebook, whose XML must then be well-formed and
 * read back with the same values (a value XML cannot carry, or that breaks a URI or a line of
 * output, must have been refused with its position). Any crash, sanitizer report or abort() is
 * a bug.
 *
 * Built with clang -fsanitize=fuzzer by `make fuzz`; with -DFUZZ_REPLAY a plain program that
 * runs the given files once (make test replays the corpora's sidecars and the regression inputs
 * of tests/fuzz/regressions/sidecar). */
#include "model.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rb_grammar *G;
static char *text;
static size_t ntext;

static void setup(void)
{
    const char *dir = getenv("RULEBOOK_GRAMMAR");
    rb_error err;
    rb_error_clear(&err);
    if (rb_grammar_load(dir ? dir : "grammar", &G, &err) != RB_OK) {
        fprintf(stderr, "fuzz_sidecar: grammar: %s\n", err.message);
        abort();
    }
    static const char t[] = "某市人民政府工作规则\n第一条 市人民政府实行市长负责制。\n"
                            "第二条 本规则自印发之日起施行。\n";
    text = (char *)t;
    ntext = sizeof t - 1;
}

static void same(const char *what, const char *a, const char *b)
{
    if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0)) {
        fprintf(stderr, "fuzz_sidecar: %s changed on the way through XML: '%s' -> '%s'\n", what,
                a ? a : "(none)", b ? b : "(none)");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!G)
        setup();
    rb_meta *m = NULL;
    rb_error err;
    rb_error_clear(&err);
    if (rb_meta_load_bytes("fuzz.yaml", (const char *)data, size, &m, &err) != RB_OK) {
        if (!err.message[0] || !err.rule[0])
            abort(); /* every refusal says what and why */
        return 0;
    }
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    o.no_meta = 1;
    rb_diags dg;
    rb_diags_init(&dg);
    rb_doc *d = NULL;
    if (rb_compile_bytes(G, "fuzz.txt", text, ntext, &o, &d, &dg, &err) != RB_OK)
        abort();
    rb_doc_apply_meta(d, m, &dg);
    rb_buf xml;
    rb_buf_init(&xml);
    if (rb_akn_write_buf(d, &xml, &err) != RB_OK)
        abort();
    xmlDocPtr x = rb_xml_read_mem("fuzz.xml", xml.data, xml.len, &err);
    if (!x) {
        fprintf(stderr, "fuzz_sidecar: an accepted sidecar gave ill-formed XML: %s\n",
                err.message);
        abort();
    }
    xmlFreeDoc(x);
    if (d->id) { /* the FRBR URIs hold the id whole (an id needs no escaping) */
        char *uri = rb_xasprintf("/%s/zho@/!main.xml\"", d->id);
        if (!memmem(xml.data, xml.len, uri, strlen(uri))) {
            fprintf(stderr, "fuzz_sidecar: the manifestation's URI lacks the id '%s'\n", d->id);
            abort();
        }
        free(uri);
    }
    rb_doc *back = NULL;
    rb_diags bd;
    rb_diags_init(&bd);
    if (rb_akn_load_doc_mem(G, "fuzz.xml", xml.data, xml.len, &o, &back, &bd, &err) != RB_OK)
        abort();
    same("id", d->id, back->id);
    same("title", d->title, back->title);
    same("jurisdiction", d->jurisdiction, back->jurisdiction);
    same("date", d->date, back->date);
    same("document number", d->docnumber, back->docnumber);
    rb_doc_free(back);
    rb_diags_free(&bd);
    rb_buf_free(&xml);
    rb_doc_free(d);
    rb_diags_free(&dg);
    rb_meta_free(m);
    return 0;
}

#ifdef FUZZ_REPLAY
#include "replay.h"
#endif
