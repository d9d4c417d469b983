/* fuzz_rbxml.c: libFuzzer harness for the readings of a compiled file. The input is any XML;
 * compare reads it from the parser's SAX events (no tree built, the text skipped), and so do
 * check and diff (the text put back on its lines, the junk records' warnings); the same file
 * read through the parsed tree is the oracle of both: both must refuse it, or both must give
 * the same metadata and facts, field for field, and the same text and warnings. The events
 * come from the scanner of the tool's own XML where it takes the file (xmlscan.c), libxml2's
 * events are its oracle: a file it takes is one libxml2 finds well-formed, with the same
 * events, line for line. Any crash, sanitizer report, difference or refusal without a rule id
 * is a bug.
 *
 * Built with clang -fsanitize=fuzzer by `make fuzz`; with -DFUZZ_REPLAY a plain program that
 * runs the given files once (make test replays tests/fuzz/regressions/rbxml, compiled corpora
 * among them). */
#include "model.h"
#include "internal.h"
#include "../xmlevents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp_path[4096];

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(tmp_path, sizeof tmp_path, "%s/fuzz_rbxml.%ld.xml", tmp && *tmp ? tmp : "/tmp",
             (long)getpid());
}

static void same_str(const char *what, const char *a, const char *b)
{
    if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0)) {
        fprintf(stderr, "fuzz_rbxml: %s: events '%s', tree '%s'\n", what, a ? a : "(none)",
                b ? b : "(none)");
        abort();
    }
}

static void same_num(const char *what, size_t a, size_t b)
{
    if (a != b) {
        fprintf(stderr, "fuzz_rbxml: %s: events %zu, tree %zu\n", what, a, b);
        abort();
    }
}

static void same_field(const rb_field *a, const rb_field *b)
{
    same_str("field name", a->name, b->name);
    same_str("field words", a->words, b->words);
    same_num("field items", a->n, b->n);
    same_num("field list", (size_t)a->list, (size_t)b->list);
    same_num("field number", (size_t)a->number, (size_t)b->number);
    for (size_t i = 0; i < a->n; i++) {
        same_str("item", a->items[i], b->items[i]);
        same_str("item words", rb_field_words(a, i), rb_field_words(b, i));
    }
}

static void same_rulebook(const rb_rulebook *a, const rb_rulebook *b)
{
    same_str("id", a->id, b->id);
    same_str("title", a->title, b->title);
    same_str("jurisdiction", a->jurisdiction, b->jurisdiction);
    same_str("level", a->level, b->level);
    same_str("script", a->script, b->script);
    same_str("date", a->date, b->date);
    same_str("number", a->docnumber, b->docnumber);
    same_num("chapters", a->chapters, b->chapters);
    same_num("articles", a->articles, b->articles);
    same_num("facts", a->facts->n, b->facts->n);
    same_num("unmatched", a->facts->nu, b->facts->nu);
    for (size_t i = 0; i < a->facts->n; i++) {
        const rb_fact *x = &a->facts->v[i], *y = &b->facts->v[i];
        same_str("dimension", x->dim, y->dim);
        same_str("rule", x->rule, y->rule);
        same_str("eId", x->eid, y->eid);
        same_str("text", x->text, y->text);
        same_str("normalized", x->norm, y->norm);
        same_str("value", x->value, y->value);
        same_num("article", (size_t)x->article, (size_t)y->article);
        same_num("line", x->line, y->line);
        same_num("fields", x->nfields, y->nfields);
        for (size_t k = 0; k < x->nfields; k++)
            same_field(&x->fields[k], &y->fields[k]);
    }
    for (size_t i = 0; i < a->facts->nu; i++) {
        same_str("unmatched text", a->facts->u[i].text, b->facts->u[i].text);
        same_str("unmatched eId", a->facts->u[i].eid, b->facts->u[i].eid);
    }
}

/* Both readings accept the file, or both refuse it saying what and why: 1 when they accept. */
static int same_status(const char *what, rb_status a, const rb_error *ea, rb_status b,
                       const rb_error *eb)
{
    if ((a == RB_OK) != (b == RB_OK)) {
        fprintf(stderr, "fuzz_rbxml: %sthe events say %s (%s), the tree %s (%s)\n", what,
                a == RB_OK ? "ok" : ea->rule, ea->message, b == RB_OK ? "ok" : eb->rule,
                eb->message);
        abort();
    }
    if (a != RB_OK && (!ea->rule[0] || !ea->message[0]))
        abort(); /* every refusal says what and why */
    return a == RB_OK;
}

/* check and diff read a compiled file back from the parser's events; the tree is the oracle:
 * the same refusal, or the same text and the same warnings of the junk records. */
static void same_read_back(const char *data, size_t size)
{
    rb_buf te, tt;
    rb_buf_init(&te);
    rb_buf_init(&tt);
    rb_diags je, jt;
    rb_diags_init(&je);
    rb_diags_init(&jt);
    rb_error ee, et;
    rb_error_clear(&ee);
    rb_error_clear(&et);
    rb_status se = rb_akn_read_back("fuzz.xml", data, size, 0, &te, &je, &ee);
    rb_status st = rb_akn_read_back("fuzz.xml", data, size, 1, &tt, &jt, &et);
    if (same_status("read back: ", se, &ee, st, &et)) {
        if (te.len != tt.len || (te.len && memcmp(te.data, tt.data, te.len) != 0)) {
            fprintf(stderr, "fuzz_rbxml: read back, the events' text\n%.*s\nthe tree's\n%.*s\n",
                    (int)(te.len < 2000 ? te.len : 2000), te.data ? te.data : "",
                    (int)(tt.len < 2000 ? tt.len : 2000), tt.data ? tt.data : "");
            abort();
        }
        same_num("junk warnings", je.n, jt.n);
        for (size_t i = 0; i < je.n; i++) {
            same_num("junk line", je.items[i].line, jt.items[i].line);
            same_num("junk col", je.items[i].col, jt.items[i].col);
            same_str("junk message", je.items[i].message, jt.items[i].message);
        }
    }
    rb_buf_free(&te);
    rb_buf_free(&tt);
    rb_diags_free(&je);
    rb_diags_free(&jt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!tmp_path[0])
        setup();
    int taken;
    if (!xev_same((const char *)data, size, &taken))
        abort();
    FILE *f = fopen(tmp_path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    rb_rulebook *s = NULL, *t = NULL;
    rb_error es, et;
    rb_error_clear(&es);
    rb_error_clear(&et);
    rb_status ss = rb_rulebook_read_xml(tmp_path, &s, &es);
    rb_status st = rb_rulebook_read_xml_tree(tmp_path, &t, &et);
    if (same_status("", ss, &es, st, &et))
        same_rulebook(s, t);
    /* compare's way: the facts in a store that a failed read leaves things in */
    rb_factstore *store = rb_factstore_new();
    rb_rulebook *u = NULL;
    rb_error eu;
    rb_error_clear(&eu);
    rb_status su = rb_rulebook_read_xml_in(tmp_path, store, &u, &eu);
    if (same_status("(the second read into a store) ", ss, &es, su, &eu))
        same_rulebook(s, u);
    rb_rulebook_free(s);
    rb_rulebook_free(t);
    rb_rulebook_free(u);
    rb_factstore_free(store);
    unlink(tmp_path);
    same_read_back((const char *)data, size);
    return 0;
}

#ifdef FUZZ_REPLAY
#include "replay.h"
#endif
