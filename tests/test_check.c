/* test_check.c: `check` on the five corpora (the findings the issue asks for, no numbering
 * false alarm in the four clean texts, and every finding equal to the committed out/check.txt),
 * the rules that need several files, SARIF 2.1.0 structure, baselines, and .xml inputs. The
 * single-file rules are tested both ways in tests/spec/check.txt. */
#include "testutil.h"

#include "json.h"

#include <unistd.h>

static const char *const CORPORA[] = {"corpora/chongqing-2018.txt", "corpora/erenhot-2013.txt",
                                      "corpora/urumqi-2018.txt", "corpora/wuhan-2018.txt",
                                      "corpora/wujin-2021.txt"};
#define NC 5


typedef struct run {
    rb_doc *docs[8];
    size_t n;
    rb_diags cd;
    rb_findings fs;
} run;

static void check_files(run *r, const char *const *files, size_t n)
{
    memset(r, 0, sizeof *r);
    rb_diags_init(&r->cd);
    rb_error err;
    for (size_t i = 0; i < n; i++) {
        rb_error_clear(&err);
        if (rb_compile_file(G, files[i], NULL, &r->docs[i], &r->cd, &err) != RB_OK)
            fail_msg("%s: %s", files[i], err.message);
    }
    r->n = n;
    assert_int_equal(rb_check(G, r->docs, n, &r->cd, &r->fs, &err), RB_OK);
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n; i++)
        rb_doc_free(r->docs[i]);
    rb_diags_free(&r->cd);
    rb_findings_clear(&r->fs);
}

static const rb_finding *find(const rb_findings *fs, const char *file, const char *rule,
                              unsigned line, const char *in_message)
{
    for (size_t i = 0; i < fs->n; i++) {
        const rb_finding *f = &fs->v[i];
        if (strcmp(f->rule, rule) == 0 && strstr(f->file, file) &&
            (line == 0 || f->line == line) && (!in_message || strstr(f->message, in_message)))
            return f;
    }
    return NULL;
}

static void test_corpora_findings(void **state)
{
    (void)state;
    run r;
    check_files(&r, CORPORA, NC);
    static const struct {
        const char *rule;
        unsigned line;
        const char *msg;
    } want[] = {
        {"duplicate-run", 142, "13-63"},
        {"junk-insertion", 40, "少殃再"},        /* article 16 */
        {"junk-insertion", 41, "棕厚拘陵"},      /* article 17 */
        {"junk-insertion", 42, "整付嬸"},        /* article 17 */
        {"citation-variant", 12, "悼故祖"},      /* article 1, the organic law */
        {"injected-characters", 13, "凶肯獄阿"}, /* article 2 */
        {"injected-characters", 22, "章灑"},     /* article 7 */
        {"injected-characters", 31, "希檔船"},   /* article 11 */
        {"renamed-body", 42, "法制機構"},        /* the 2018 merger, dated 2018-07-07 */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!find(&r.fs, "chongqing-2018", want[i].rule, want[i].line, want[i].msg))
            fail_msg("no %s finding at chongqing-2018:%u (%s)", want[i].rule, want[i].line,
                     want[i].msg);
    /* no numbering false alarm in the other four */
    for (size_t i = 0; i < r.fs.n; i++)
        if (!strstr(r.fs.v[i].file, "chongqing") && strncmp(r.fs.v[i].rule, "numbering", 9) == 0)
            fail_msg("numbering false alarm: %s:%u %s", r.fs.v[i].file, r.fs.v[i].line,
                     r.fs.v[i].message);
    /* every finding is in the committed expected-findings file */
    rb_buf b;
    rb_buf_init(&b);
    rb_findings_render(&r.fs, RB_CHECK_TEXT, RB_NOTE, &b);
    rb_findings_summary(&r.fs, RB_NOTE, &b);
    size_t n;
    char *expected = tu_read("out/check.txt", &n);
    assert_non_null(expected);
    if (strcmp(expected, b.data) != 0)
        fail_msg("the findings differ from out/check.txt (make accept, review, commit)");
    free(expected);
    rb_buf_free(&b);
    run_free(&r);
}

static void write_tmp(char *path, const char *text)
{
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* A lawyer checks one file at a time: each corpus alone gives exactly its part of the batch
 * (the injected-character detector reads a text against itself and a built-in reference, not
 * against the other files; citations are compared with the text and the titles as enacted). */
static void test_alone_equals_batch(void **state)
{
    (void)state;
    run all;
    check_files(&all, CORPORA, NC);
    rb_buf ball;
    rb_buf_init(&ball);
    rb_findings_render(&all.fs, RB_CHECK_TEXT, RB_NOTE, &ball);
    rb_buf alone;
    rb_buf_init(&alone);
    for (size_t i = 0; i < NC; i++) {
        run one;
        check_files(&one, &CORPORA[i], 1);
        rb_findings_render(&one.fs, RB_CHECK_TEXT, RB_NOTE, &alone);
        run_free(&one);
    }
    if (strcmp(ball.data, alone.data) != 0)
        fail_msg("the corpora checked one by one give other findings than checked together");
    /* and the detector's results on them: every insertion of the Chongqing copy, no false
     * alarm in the four clean texts */
    static const char *const inserted[] = {"凶肯獄阿", "章灑", "希檔船"};
    for (size_t k = 0; k < 3; k++)
        assert_non_null(find(&all.fs, "chongqing-2018", "injected-characters", 0, inserted[k]));
    for (size_t i = 0; i < all.fs.n; i++)
        if (strcmp(all.fs.v[i].rule, "injected-characters") == 0 &&
            !strstr(all.fs.v[i].file, "chongqing"))
            fail_msg("false alarm: %s:%u %s", all.fs.v[i].file, all.fs.v[i].line,
                     all.fs.v[i].message);
    rb_buf_free(&ball);
    rb_buf_free(&alone);
    run_free(&all);
}

/* The detector's counts are the text's own: a file that uses the same characters before it in
 * a batch does not make an insertion look like the text's words. */
static void test_counts_do_not_carry(void **state)
{
    (void)state;
    char a[] = "/tmp/rbuses-XXXXXX.txt", b[] = "/tmp/rbinjected-XXXXXX.txt";
    write_tmp(a, "某市人民政府工作规则\n一、凶肯狱阿四字另有规定,从其规定。\n"
                 "二、本规则自印发之日起施行。\n");
    write_tmp(b, "某市人民政府工作规则\n一、市人民政府工作要建设职能科学、权责法定、执法严明、"
                 "公开公正、廉洁高效、守法诚信的法治凶肯狱阿政府。\n"
                 "二、市人民政府工作的准则是执政为民,依法行政,实事求是,民主公开,务实清廉。\n"
                 "三、本规则自印发之日起施行。\n");
    const char *alone[] = {b}, *both[] = {a, b};
    run r;
    check_files(&r, alone, 1);
    assert_non_null(find(&r.fs, "rbinjected", "injected-characters", 2, "凶肯狱阿"));
    run_free(&r);
    check_files(&r, both, 2);
    assert_non_null(find(&r.fs, "rbinjected", "injected-characters", 2, "凶肯狱阿"));
    run_free(&r);
    unlink(a);
    unlink(b);
}

/* A city rulebook and a district one (that may cite it), written to city and dist (mkstemps
 * templates) and checked together into r. */
static void check_city_district(run *r, char *city, const char *city_text, char *dist,
                                const char *dist_text)
{
    write_tmp(city, city_text);
    write_tmp(dist, dist_text);
    const char *files[] = {city, dist};
    check_files(r, files, 2);
}

static void test_across_files(void **state)
{
    (void)state;
    /* a city rulebook and a district one that cites it */
    char city[] = "/tmp/rbcity-XXXXXX.txt", dist[] = "/tmp/rbdist-XXXXXX.txt";
    run r;
    check_city_district(
        &r, city,
        "某市人民政府工作规则\n"
        "一、根据《中华人民共和国地方各级人民代表大会和地方各级人民政府组织法》,制定本规则。\n"
        "二、各部门报送的公文,承办部门应在7个工作日内办结回复意见。\n"
        "三、本规则自印发之日起施行。\n",
        dist,
        "某市某区人民政府工作规则\n"
        "一、根据《中华人民共和国地方各级人民代表大会和悼故祖地方各级人民政府组织法》和《某市人民政府工作规则》,制定本规则。\n"
        "二、各部门报送的公文,承办部门应在10个工作日内办结回复意见。\n"
        "三、本规则自印发之日起施行。\n");
    const rb_finding *f = find(&r.fs, dist, "citation-variant", 2, "悼故祖");
    assert_non_null(f);
    /* found against the title as enacted, not against the other file */
    assert_non_null(strstr(f->message, "as enacted"));
    char *batch_msg = rb_xstrdup(f->message);
    f = find(&r.fs, dist, "deadline-longer-than-superior", 3, "7个工作日");
    assert_non_null(f);
    /* in the words of the text; the codes apart, for JSON */
    assert_null(strstr(f->message, "working_day"));
    assert_non_null(strstr(f->message, "10个工作日"));
    assert_non_null(f->codes);
    assert_non_null(strstr(f->codes, "within 10 working_day"));
    /* neither applies to the city */
    assert_null(find(&r.fs, city, "citation-variant", 0, NULL));
    assert_null(find(&r.fs, city, "deadline-longer-than-superior", 0, NULL));
    rb_buf batch;
    rb_buf_init(&batch);
    rb_findings_render(&r.fs, RB_CHECK_JSON, RB_NOTE, &batch);
    run_free(&r);
    /* a document at a time, each freed as soon as it is checked, the cited rulebook last:
     * the same findings, the deadline against the higher level included */
    rb_findings *fs = rb_findings_new();
    rb_checker *ch = rb_checker_new(G, fs);
    const char *order[] = {dist, city};
    for (size_t i = 0; i < 2; i++) {
        rb_doc *d = NULL;
        rb_diags cd;
        rb_diags_init(&cd);
        rb_error err;
        rb_error_clear(&err);
        assert_int_equal(rb_compile_file(G, order[i], NULL, &d, &cd, &err), RB_OK);
        rb_checker_add(ch, d, &cd);
        rb_doc_free(d);
        rb_diags_free(&cd);
    }
    assert_int_equal(rb_checker_finish(ch, NULL), RB_OK);
    rb_checker_free(ch);
    assert_non_null(find(fs, dist, "deadline-longer-than-superior", 3, "7个工作日"));
    rb_buf streamed;
    rb_buf_init(&streamed);
    rb_findings_render(fs, RB_CHECK_JSON, RB_NOTE, &streamed);
    assert_string_equal(streamed.data, batch.data);
    rb_buf_free(&streamed);
    rb_buf_free(&batch);
    rb_findings_free(fs);
    /* alone, the district has no higher-level rulebook to compare deadlines with, but its
     * damaged citation is found the same */
    const char *one[] = {dist};
    check_files(&r, one, 1);
    assert_null(find(&r.fs, dist, "deadline-longer-than-superior", 0, NULL));
    f = find(&r.fs, dist, "citation-variant", 2, "悼故祖");
    assert_non_null(f);
    assert_string_equal(f->message, batch_msg);
    free(batch_msg);
    run_free(&r);
    unlink(city);
    unlink(dist);
}

/* A deadline longer than several of the higher-level rulebook's for the same action: one
 * finding, on the first of them in the text (not the shortest), with a repeat for each other;
 * an equal one does not count. */
static void test_superior_first_and_count(void **state)
{
    (void)state;
    char city[] = "/tmp/rbcity-XXXXXX.txt", dist[] = "/tmp/rbdist-XXXXXX.txt";
    run r;
    check_city_district(&r, city,
                        "某市人民政府工作规则\n"
                        "一、各部门报送的公文,承办部门应在8个工作日内办结回复意见。\n"
                        "二、各部门报送的公文,承办部门应在5个工作日内办结回复意见。\n"
                        "三、各部门报送的公文,承办部门应在3个工作日内办结回复意见。\n"
                        "四、各部门报送的公文,承办部门应在12个工作日内办结回复意见。\n"
                        "五、各部门报送的公文,承办部门应在6个工作日内办结回复意见。\n"
                        "六、本规则自印发之日起施行。\n",
                        dist,
                        "某市某区人民政府工作规则\n"
                        "一、根据《某市人民政府工作规则》,制定本规则。\n"
                        "二、各部门报送的公文,承办部门应在6个工作日内办结回复意见。\n"
                        "三、本规则自印发之日起施行。\n");
    size_t n = 0;
    const rb_finding *f = NULL;
    for (size_t i = 0; i < r.fs.n; i++)
        if (strcmp(r.fs.v[i].rule, "deadline-longer-than-superior") == 0)
            f = &r.fs.v[i], n++;
    assert_int_equal(n, 1);
    assert_non_null(strstr(f->file, dist));
    if (!strstr(f->message, "5个工作日") || !strstr(f->message, "article 2"))
        fail_msg("not on the first shorter deadline (article 2, 5个工作日): %s", f->message);
    assert_int_equal(f->repeats, 1); /* and the 3个工作日 of article 3 (6 is not longer than 6) */
    run_free(&r);
    unlink(city);
    unlink(dist);
}

static void test_sarif(void **state)
{
    (void)state;
    run r;
    check_files(&r, CORPORA, NC);
    rb_buf b;
    rb_buf_init(&b);
    rb_findings_render(&r.fs, RB_CHECK_SARIF, RB_NOTE, &b);
    jv *root = jparse(b.data, b.len);
    assert_non_null(root); /* well-formed JSON */
    assert_string_equal(jget(root, "version")->str, "2.1.0");
    jv *run0 = jat(jget(root, "runs"), 0);
    assert_non_null(run0);
    jv *driver = jget(jget(run0, "tool"), "driver");
    assert_string_equal(jget(driver, "name")->str, "rulebook");
    jv *rules = jget(driver, "rules");
    assert_true(rules && rules->t == J_ARR && rules->n >= 20);
    for (size_t i = 0; i < rules->n; i++) {
        assert_non_null(jget(jat(rules, i), "id"));
        assert_non_null(jget(jget(jat(rules, i), "shortDescription"), "text"));
    }
    jv *results = jget(run0, "results");
    assert_true(results && results->t == J_ARR);
    assert_int_equal(results->n, r.fs.n);
    for (size_t i = 0; i < results->n; i++) {
        jv *x = jat(results, i);
        jv *rid = jget(x, "ruleId");
        assert_true(rid && rid->t == J_STR);
        jv *idx = jget(x, "ruleIndex");
        if (idx) /* the index points at the rule of that id */
            assert_string_equal(jget(jat(rules, (size_t)idx->num), "id")->str, rid->str);
        assert_true(jget(x, "level")->t == J_STR);
        assert_true(jget(jget(x, "message"), "text")->t == J_STR);
        jv *pl = jget(jat(jget(x, "locations"), 0), "physicalLocation");
        assert_true(jget(jget(pl, "artifactLocation"), "uri")->t == J_STR);
        jv *region = jget(pl, "region");
        assert_true(jget(region, "startLine")->num >= 1);
        assert_true(jget(region, "startColumn")->num >= 1);
        assert_int_equal((unsigned)jget(region, "startLine")->num, r.fs.v[i].line);
        assert_int_equal(strlen(jget(jget(x, "partialFingerprints"), "rulebook/v1")->str), 16);
    }
    jfree(root);
    /* the JSON format too */
    rb_buf_free(&b);
    rb_buf_init(&b);
    rb_findings_render(&r.fs, RB_CHECK_JSON, RB_NOTE, &b);
    root = jparse(b.data, b.len);
    assert_non_null(root);
    assert_int_equal(jget(root, "findings")->n, r.fs.n);
    jfree(root);
    rb_buf_free(&b);
    run_free(&r);
}

/* A baseline hides the accepted findings, also when lines move; a new problem still shows. */
static void test_baseline(void **state)
{
    (void)state;
    const char *base_text = "某市人民政府工作规则\n一、甲。\n三、乙。\n四、本规则自印发之日起施行。\n";
    char p1[] = "/tmp/rbbase-XXXXXX.txt";
    write_tmp(p1, base_text);
    const char *files[] = {p1};
    run r;
    check_files(&r, files, 1);
    assert_int_equal(rb_findings_count(&r.fs, RB_WARNING), 1); /* the gap */
    rb_buf b;
    rb_buf_init(&b);
    rb_findings_render(&r.fs, RB_CHECK_JSON, RB_NOTE, &b);
    run_free(&r);
    /* the same text with lines inserted above, and one new problem */
    FILE *f = fopen(p1, "w");
    fputs("某市人民政府工作规则\n\n\n一、甲。\n三、乙。\n五、丙。\n六、本规则自印发之日起施行。\n", f);
    fclose(f);
    check_files(&r, files, 1);
    assert_int_equal(rb_findings_count(&r.fs, RB_WARNING), 2);
    size_t dropped = rb_findings_apply_baseline(&r.fs, b.data, b.len);
    assert_int_equal(dropped, 1);
    assert_int_equal(r.fs.n, 1);
    assert_non_null(strstr(r.fs.v[0].message, "五"));
    run_free(&r);
    rb_buf_free(&b);
    unlink(p1);
}

/* The baseline's fingerprints against the definition: a finding goes when its 16 hex digits
 * stand between two quotes anywhere in the file (found by looking at every place, overlaps
 * too). Random files of quotes and a few digits (many near misses), random fingerprints. */
static int quoted_in(const char *fp, const char *b, size_t n)
{
    for (size_t i = 0; i + 18 <= n; i++)
        if (b[i] == '"' && b[i + 17] == '"' && memcmp(b + i + 1, fp, 16) == 0)
            return 1;
    return 0;
}

static void test_baseline_keys(void **state)
{
    (void)state;
    unsigned seed = 777;
#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7FFF)
    size_t dropped_any = 0, kept_any = 0;
    for (int round = 0; round < 400; round++) {
        /* quoted keys of 16 digits, near misses of 15 and 17 (quotes shared when they touch),
         * and noise, over an alphabet of two digits: many overlaps */
        char base[600], keys[40][17];
        size_t n = 0, nkeys = 0;
        while (n + 20 < sizeof base && nkeys < 40) {
            unsigned t = RND() % 4, len = t == 0 ? 15 : t == 1 ? 17 : 16;
            if (t == 3) {
                for (unsigned q = 1 + RND() % 4; q-- > 0;)
                    base[n++] = RND() % 3 == 0 ? '"' : RND() % 2 ? 'a' : '0';
                continue;
            }
            if (!(n && base[n - 1] == '"' && RND() % 2))
                base[n++] = '"';
            for (unsigned q = 0; q < len; q++)
                keys[nkeys][q < 16 ? q : 15] = base[n++] = RND() % 2 ? 'a' : '0';
            keys[nkeys++][16] = 0;
            base[n++] = '"';
        }
        rb_findings fs;
        memset(&fs, 0, sizeof fs);
        size_t nf = 1 + (size_t)RND() % 20;
        fs.v = calloc(nf, sizeof *fs.v);
        assert_non_null(fs.v);
        fs.n = fs.cap = nf;
        int want[20];
        for (size_t k = 0; k < nf; k++) {
            char *fp = fs.v[k].fingerprint;
            if (nkeys && RND() % 3)
                memcpy(fp, keys[RND() % nkeys], 17);
            else {
                for (int q = 0; q < 16; q++)
                    fp[q] = RND() % 2 ? 'a' : '0';
                fp[16] = 0;
            }
            want[k] = quoted_in(fp, base, n);
        }
        size_t wanted = 0;
        for (size_t k = 0; k < nf; k++)
            wanted += (size_t)want[k];
        char kept[20][17];
        size_t nk = 0;
        for (size_t k = 0; k < nf; k++)
            if (!want[k])
                memcpy(kept[nk++], fs.v[k].fingerprint, 17);
        assert_int_equal(rb_findings_apply_baseline(&fs, base, n), wanted);
        assert_int_equal(fs.n, nk);
        for (size_t k = 0; k < nk; k++) /* the rest kept, in order */
            assert_string_equal(fs.v[k].fingerprint, kept[k]);
        dropped_any += wanted;
        kept_any += nk;
        free(fs.v);
    }
#undef RND
    assert_true(dropped_any > 200 && kept_any > 200);
}

/* A compiled .xml checks like its text: the same rules at the same lines. */
/* A citation that is another with characters inserted, in a text of n titles alike (all
 * start 某市 and end 办法, as a list of a city's regulations): with a few the candidates come
 * from the buckets of the first and last two characters, with many (past the budget) from
 * each title less a run. Both find exactly the variants planted: a run at the start, in the
 * middle, at the end, of one character and of eight (24 bytes, the most), and not one of
 * nine; of 24 ASCII letters and not of 25. */
static void citation_variants_among(size_t n)
{
    static const char *const pool[] = {"管", "理", "工", "作", "规", "定", "实", "施", "细",
                                       "则", "城", "乡", "建", "设", "交", "通", "安", "全"};
    unsigned long seed = 12345;
    rb_buf b;
    rb_buf_init(&b);
    rb_buf_puts(&b, "某市人民政府工作规则\n");
    char **titles = rb_xmalloc(n * sizeof *titles);
    for (size_t i = 0; i < n; i++) {
        rb_buf t;
        rb_buf_init(&t);
        rb_buf_puts(&t, "某市");
        seed = seed * 6364136223846793005ul + 1442695040888963407ul;
        size_t len = 4 + (seed >> 33) % 7;
        for (size_t k = 0; k < len; k++) {
            seed = seed * 6364136223846793005ul + 1442695040888963407ul;
            rb_buf_puts(&t, pool[(seed >> 33) % (sizeof pool / sizeof *pool)]);
        }
        rb_buf_printf(&t, "%zu办法", i); /* distinct titles */
        titles[i] = t.data;
        rb_buf_printf(&b, "第%zu条 根据《%s》的规定执行。\n", i + 1, titles[i]);
    }
    /* title index, where the run goes (a character index; -1: the end), the run */
    static const struct {
        size_t t;
        long at;
        const char *run;
        int found;
    } plant[] = {{0, 0, "鑫", 1},
                 {1, 3, "龘齉", 1},
                 {2, -1, "靐", 1},
                 {3, 2, "鱻爨厵灪麤鑫龘齉", 1},
                 {4, 2, "鱻爨厵灪麤鑫龘齉靐", 0},
                 {5, 2, "qwxzkvjqwxzkvjqwxzkvjqwx", 1},
                 {6, 2, "qwxzkvjqwxzkvjqwxzkvjqwxz", 0}};
    size_t np = sizeof plant / sizeof *plant;
    unsigned line0 = (unsigned)n + 2;
    for (size_t k = 0; k < np; k++) {
        const char *t = titles[plant[k].t];
        size_t at = 0;
        if (plant[k].at < 0)
            at = strlen(t);
        else
            for (long c = 0; c < plant[k].at; c++) {
                uint32_t cp;
                at += (size_t)rb_utf8_decode(t + at, strlen(t + at), &cp);
            }
        rb_buf_printf(&b, "第%zu条 依照《%.*s%s%s》办理。\n", n + k + 1, (int)at, t, plant[k].run,
                      t + at);
    }
    rb_buf_printf(&b, "第%zu条 本规则自印发之日起施行。\n", n + np + 1);
    char path[] = "/tmp/rb-titles-XXXXXX.txt";
    write_tmp(path, b.data);
    run r;
    const char *files[] = {path};
    check_files(&r, files, 1);
    size_t found = 0;
    for (size_t i = 0; i < r.fs.n; i++)
        if (strcmp(r.fs.v[i].rule, "citation-variant") == 0)
            found++;
    size_t want = 0;
    for (size_t k = 0; k < np; k++) {
        char ins[64];
        snprintf(ins, sizeof ins, "with '%s' inserted", plant[k].run);
        const rb_finding *f = find(&r.fs, path, "citation-variant", line0 + (unsigned)k, ins);
        if (plant[k].found && !f)
            fail_msg("n=%zu: the run '%s' planted at line %u is not found", n, plant[k].run,
                     line0 + (unsigned)k);
        if (!plant[k].found && find(&r.fs, path, "citation-variant", line0 + (unsigned)k, NULL))
            fail_msg("n=%zu: a run of nine characters at line %u is taken for an insertion", n,
                     line0 + (unsigned)k);
        want += (size_t)plant[k].found;
    }
    if (found != want)
        fail_msg("n=%zu: %zu citation variants, want %zu", n, found, want);
    run_free(&r);
    unlink(path);
    for (size_t i = 0; i < n; i++)
        free(titles[i]);
    free(titles);
    rb_buf_free(&b);
}

static void test_citation_variants_many(void **state)
{
    (void)state;
    citation_variants_among(8);    /* the buckets */
    citation_variants_among(2000); /* past the budget: each title less a run */
}

static void test_xml_input(void **state)
{
    (void)state;
    run r;
    const char *cq[] = {"corpora/chongqing-2018.txt"};
    check_files(&r, cq, 1);
    rb_doc *d = NULL;
    rb_diags cd;
    rb_diags_init(&cd);
    rb_error err;
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    assert_int_equal(rb_akn_load_doc(G, "out/chongqing-2018.xml", &o, &d, &cd, &err), RB_OK);
    rb_findings fx;
    assert_int_equal(rb_check(G, &d, 1, &cd, &fx, &err), RB_OK);
    assert_int_equal(d->narticles, 63);
    assert_int_equal(d->nchapters, 12);
    for (size_t i = 0; i < r.fs.n; i++) {
        const rb_finding *a = &r.fs.v[i];
        /* named after the file given, never after a path written inside it */
        if (!find(&fx, "out/chongqing-2018.xml", a->rule, a->line, NULL))
            fail_msg("from the XML, no %s at line %u", a->rule, a->line);
    }
    assert_int_equal(fx.n, r.fs.n);
    rb_findings_clear(&fx);
    rb_diags_free(&cd);
    rb_doc_free(d);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpora_findings), cmocka_unit_test(test_alone_equals_batch),
        cmocka_unit_test(test_counts_do_not_carry), cmocka_unit_test(test_across_files),
        cmocka_unit_test(test_sarif),            cmocka_unit_test(test_baseline), cmocka_unit_test(test_baseline_keys),
        cmocka_unit_test(test_xml_input), cmocka_unit_test(test_citation_variants_many),
        cmocka_unit_test(test_superior_first_and_count),
    };
    return cmocka_run_group_tests(tests, tu_setup, tu_teardown);
}
