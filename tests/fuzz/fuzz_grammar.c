/* fuzz_grammar.c: libFuzzer harness for grammar loading. The input is one YAML grammar file
 * (structure, extract or check rules); it is added to the project's grammar, which compiles
 * its patterns and checks its examples. Hostile patterns must give an error (limits), never a
 * hang or a crash. When it loads, the corpus file given by FUZZ_TEXT (default
 * corpora/wujin-2021.txt) is compiled with it.
 *
 * Built with clang -fsanitize=fuzzer by `make fuzz`; -DFUZZ_REPLAY makes it a plain program
 * over files (see fuzz_compile.c). */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = getenv("RULEBOOK_GRAMMAR");
    rb_grammar *g = NULL;
    rb_error err;
    rb_error_clear(&err);
    if (rb_grammar_load(dir ? dir : "grammar", &g, &err) != RB_OK)
        abort();
    rb_status st = rb_grammar_add_bytes(g, "fuzz.yaml", (const char *)data, size, &err);
    if (st != RB_OK) {
        if (!err.message[0] || !err.rule[0])
            abort(); /* a refused grammar says why */
    } else {
        rb_structure_gates(g); /* the gates of the roles it added to, from its patterns */
        const char *text = getenv("FUZZ_TEXT");
        rb_compile_opts o;
        rb_compile_opts_default(&o);
        rb_doc *d = NULL;
        rb_diags dg;
        rb_diags_init(&dg);
        if (rb_compile_file(g, text ? text : "corpora/wujin-2021.txt", &o, &d, &dg, &err) ==
            RB_OK)
            rb_doc_free(d);
        rb_diags_free(&dg);
    }
    rb_grammar_free(g);
    return 0;
}

#ifdef FUZZ_REPLAY
#include "replay.h"
#endif
