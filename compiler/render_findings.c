/* render_findings.c: the findings of check, printed for legal staff and for CI.
 *
 *   text   one line per finding, FILE:LINE:COL: SEVERITY: CATEGORY: message [rule], in the
 *          words of the text; then one summary line (the count by severity and by category);
 *   json   {"tool", "version", "findings": [{"rule", "severity", "category", "file", "line",
 *          "column", "article", "message", "codes", "count", "fingerprint"}], "summary"};
 *   sarif  SARIF 2.1.0: the rule catalogue with each rule's category, one result per finding.
 *
 * And the other way: a --baseline file is read back here (its fingerprints), after a check
 * that it is a findings file of this tool at all. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int shown(const rb_finding *f, rb_severity min) { return f->severity >= min; }

/* " (3 times in this article)" */
static void repeats(rb_buf *b, const rb_finding *f)
{
    if (f->repeats)
        rb_buf_printf(b, " (%zu times in this %s)", f->repeats + 1,
                      f->article ? "article" : "part of the text");
}

static void render_text(const rb_findings *fs, rb_severity min, rb_buf *b)
{
    for (size_t i = 0; i < fs->n; i++) {
        const rb_finding *f = &fs->v[i];
        if (!shown(f, min))
            continue;
        rb_esc_line(b, f->file);
        if (f->line) /* a finding about the whole file has no line: no :0:0: */
            rb_buf_printf(b, ":%u:%u", f->line, f->col ? f->col : 1);
        rb_buf_printf(b, ": %s: %s: ", rb_severity_name(f->severity),
                      rb_category_label(f->category));
        rb_esc_line(b, f->message);
        repeats(b, f);
        rb_buf_printf(b, " [%s]\n", f->rule);
    }
}

void rb_findings_summary(const rb_findings *fs, rb_severity min, rb_buf *b)
{
    size_t sev[3] = {0}, cat[3] = {0}, hidden = 0, n = 0;
    for (size_t i = 0; i < fs->n; i++) {
        const rb_finding *f = &fs->v[i];
        if (!shown(f, min)) {
            hidden++;
            continue;
        }
        n++;
        sev[f->severity]++;
        cat[f->category]++;
    }
    rb_buf_printf(b, "rulebook check: %zu finding%s in %zu file%s", n, n == 1 ? "" : "s",
                  fs->files, fs->files == 1 ? "" : "s");
    if (n) {
        rb_buf_printf(b, ": %zu error%s, %zu warning%s, %zu note%s; ", sev[RB_ERROR],
                      sev[RB_ERROR] == 1 ? "" : "s", sev[RB_WARNING],
                      sev[RB_WARNING] == 1 ? "" : "s", sev[RB_NOTE], sev[RB_NOTE] == 1 ? "" : "s");
        static const rb_category order[] = {RB_CAT_COPY, RB_CAT_CONSISTENCY, RB_CAT_STRUCTURE};
        for (size_t k = 0; k < 3; k++)
            rb_buf_printf(b, "%s%zu %s", k ? ", " : "", cat[order[k]],
                          rb_category_label(order[k]));
    }
    if (hidden)
        rb_buf_printf(b, " (%zu below --min-severity %s not shown)", hidden,
                      rb_severity_name(min));
    rb_buf_puts(b, "\n");
}

static void json_findings(const rb_findings *fs, rb_severity min, rb_buf *b)
{
    rb_jw w;
    rb_jw_init(&w, b);
    size_t sev[3] = {0}, cat[3] = {0};
    rb_jw_obj(&w);
    rb_jw_key(&w, "tool");
    rb_jw_str(&w, "rulebook");
    rb_jw_key(&w, "version");
    rb_jw_str(&w, RB_VERSION);
    rb_jw_key(&w, "findings");
    rb_jw_arr(&w);
    for (size_t i = 0; i < fs->n; i++) {
        const rb_finding *f = &fs->v[i];
        if (!shown(f, min))
            continue;
        sev[f->severity]++;
        cat[f->category]++;
        rb_jw_ws(&w, "\n  ");
        rb_jw_obj(&w);
        rb_jw_key(&w, "rule");
        rb_jw_str(&w, f->rule);
        rb_jw_key(&w, "severity");
        rb_jw_str(&w, rb_severity_name(f->severity));
        rb_jw_key(&w, "category");
        rb_jw_str(&w, rb_category_name(f->category));
        rb_jw_key(&w, "file");
        rb_jw_str(&w, f->file);
        rb_jw_key(&w, "line");
        if (f->line)
            rb_jw_int(&w, f->line);
        else
            rb_jw_null(&w);
        rb_jw_key(&w, "column");
        if (f->line)
            rb_jw_int(&w, f->col ? f->col : 1);
        else
            rb_jw_null(&w);
        rb_jw_key(&w, "article");
        rb_jw_int(&w, f->article);
        rb_jw_key(&w, "message");
        rb_jw_str(&w, f->message);
        rb_jw_key(&w, "codes");
        rb_jw_str(&w, f->codes);
        rb_jw_key(&w, "count");
        rb_jw_int(&w, (long long)f->repeats + 1);
        rb_jw_key(&w, "fingerprint");
        rb_jw_str(&w, f->fingerprint);
        rb_jw_end_obj(&w);
    }
    rb_jw_end_arr(&w);
    rb_jw_ws(&w, "\n ");
    rb_jw_key(&w, "summary");
    rb_jw_obj(&w);
    rb_jw_key(&w, "files");
    rb_jw_int(&w, (long long)fs->files);
    static const char *const sn[] = {"note", "warning", "error"};
    for (int k = 2; k >= 0; k--) {
        rb_jw_key(&w, sn[k]);
        rb_jw_int(&w, (long long)sev[k]);
    }
    for (int k = 0; k < 3; k++) {
        rb_jw_key(&w, rb_category_name((rb_category)k));
        rb_jw_int(&w, (long long)cat[k]);
    }
    rb_jw_end_obj(&w);
    rb_jw_end_obj(&w);
    rb_buf_putc(b, '\n');
}

static const char *sarif_level(rb_severity s)
{
    return s == RB_ERROR ? "error" : s == RB_WARNING ? "warning" : "note";
}

/* A relative path as a URI reference (RFC 3986): unreserved characters and / as they are,
 * every other byte percent-encoded (a space, %, #, ?, and the UTF-8 of 武汉). */
static char *uri_of(const char *path)
{
    rb_buf u;
    rb_buf_init(&u);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~' || *p == '/')
            rb_buf_putc(&u, (char)*p);
        else
            rb_buf_printf(&u, "%%%02X", *p);
    }
    return rb_buf_detach(&u);
}

static void sarif(const rb_findings *fs, rb_severity min, rb_buf *b)
{
    rb_jw w;
    rb_jw_init(&w, b);
    size_t nr;
    const rb_rule_info *rules = rb_check_rules(&nr);
    rb_jw_obj(&w);
    rb_jw_ws(&w, "\n ");
    rb_jw_key(&w, "$schema");
    rb_jw_str(&w, "https://json.schemastore.org/sarif-2.1.0.json");
    rb_jw_ws(&w, "\n ");
    rb_jw_key(&w, "version");
    rb_jw_str(&w, "2.1.0");
    rb_jw_ws(&w, "\n ");
    rb_jw_key(&w, "runs");
    rb_jw_arr(&w);
    rb_jw_obj(&w);
    rb_jw_ws(&w, "\n  ");
    rb_jw_key(&w, "tool");
    rb_jw_obj(&w);
    rb_jw_key(&w, "driver");
    rb_jw_obj(&w);
    rb_jw_key(&w, "name");
    rb_jw_str(&w, "rulebook");
    rb_jw_key(&w, "version");
    rb_jw_str(&w, RB_VERSION);
    rb_jw_key(&w, "informationUri");
    rb_jw_str(&w, "https://example.invalid/rulebook");
    rb_jw_key(&w, "rules");
    rb_jw_arr(&w);
    for (size_t i = 0; i < nr; i++) {
        rb_jw_ws(&w, "\n   ");
        rb_jw_obj(&w);
        rb_jw_key(&w, "id");
        rb_jw_str(&w, rules[i].id);
        rb_jw_key(&w, "name");
        rb_jw_str(&w, rules[i].id);
        rb_jw_key(&w, "shortDescription");
        rb_jw_obj(&w);
        rb_jw_key(&w, "text");
        rb_jw_str(&w, rules[i].text);
        rb_jw_end_obj(&w);
        rb_jw_key(&w, "defaultConfiguration");
        rb_jw_obj(&w);
        rb_jw_key(&w, "level");
        rb_jw_str(&w, sarif_level(rules[i].sev));
        rb_jw_end_obj(&w);
        rb_jw_key(&w, "properties");
        rb_jw_obj(&w);
        rb_jw_key(&w, "tags");
        rb_jw_arr(&w);
        rb_jw_str(&w, rb_category_name(rules[i].cat));
        rb_jw_end_arr(&w);
        rb_jw_end_obj(&w);
        rb_jw_end_obj(&w);
    }
    rb_jw_end_arr(&w);
    rb_jw_end_obj(&w);
    rb_jw_end_obj(&w);
    rb_jw_ws(&w, "\n  ");
    rb_jw_key(&w, "columnKind");
    rb_jw_str(&w, "unicodeCodePoints");
    rb_jw_ws(&w, "\n  ");
    rb_jw_key(&w, "results");
    rb_jw_arr(&w);
    for (size_t i = 0; i < fs->n; i++) {
        const rb_finding *f = &fs->v[i];
        if (!shown(f, min))
            continue;
        long idx = -1;
        for (size_t k = 0; k < nr; k++)
            if (strcmp(rules[k].id, f->rule) == 0)
                idx = (long)k;
        rb_jw_ws(&w, "\n   ");
        rb_jw_obj(&w);
        rb_jw_key(&w, "ruleId");
        rb_jw_str(&w, f->rule);
        if (idx >= 0) {
            rb_jw_key(&w, "ruleIndex");
            rb_jw_int(&w, idx);
        }
        rb_jw_key(&w, "level");
        rb_jw_str(&w, sarif_level(f->severity));
        rb_jw_key(&w, "message");
        rb_jw_obj(&w);
        rb_jw_key(&w, "text");
        rb_buf msg;
        rb_buf_init(&msg);
        rb_buf_puts(&msg, f->message);
        repeats(&msg, f);
        rb_jw_str(&w, msg.data);
        rb_buf_free(&msg);
        rb_jw_end_obj(&w);
        rb_jw_key(&w, "locations");
        rb_jw_arr(&w);
        rb_jw_obj(&w);
        rb_jw_key(&w, "physicalLocation");
        rb_jw_obj(&w);
        rb_jw_key(&w, "artifactLocation");
        rb_jw_obj(&w);
        rb_jw_key(&w, "uri");
        char *uri = uri_of(f->file);
        rb_jw_str(&w, uri);
        free(uri);
        rb_jw_end_obj(&w);
        if (f->line) {
            rb_jw_key(&w, "region");
            rb_jw_obj(&w);
            rb_jw_key(&w, "startLine");
            rb_jw_int(&w, f->line);
            rb_jw_key(&w, "startColumn");
            rb_jw_int(&w, f->col ? f->col : 1);
            rb_jw_end_obj(&w);
        }
        rb_jw_end_obj(&w);
        if (f->article) {
            char name[48];
            snprintf(name, sizeof name, "article %ld", f->article);
            rb_jw_key(&w, "logicalLocations");
            rb_jw_arr(&w);
            rb_jw_obj(&w);
            rb_jw_key(&w, "name");
            rb_jw_str(&w, name);
            rb_jw_key(&w, "kind");
            rb_jw_str(&w, "member");
            rb_jw_end_obj(&w);
            rb_jw_end_arr(&w);
        }
        rb_jw_end_obj(&w);
        rb_jw_end_arr(&w);
        rb_jw_key(&w, "partialFingerprints");
        rb_jw_obj(&w);
        rb_jw_key(&w, "rulebook/v1");
        rb_jw_str(&w, f->fingerprint);
        rb_jw_end_obj(&w);
        rb_jw_key(&w, "properties");
        rb_jw_obj(&w);
        rb_jw_key(&w, "category");
        rb_jw_str(&w, rb_category_name(f->category));
        if (f->codes) {
            rb_jw_key(&w, "codes");
            rb_jw_str(&w, f->codes);
        }
        rb_jw_key(&w, "count");
        rb_jw_int(&w, (long long)f->repeats + 1);
        rb_jw_end_obj(&w);
        rb_jw_end_obj(&w);
    }
    rb_jw_ws(&w, "\n  ");
    rb_jw_end_arr(&w);
    rb_jw_ws(&w, "\n ");
    rb_jw_end_obj(&w);
    rb_jw_end_arr(&w);
    rb_jw_ws(&w, "\n");
    rb_jw_end_obj(&w);
    rb_buf_putc(b, '\n');
}

void rb_findings_render(const rb_findings *fs, rb_check_format fmt, rb_severity min, rb_buf *b)
{
    switch (fmt) {
    case RB_CHECK_JSON: json_findings(fs, min, b); break;
    case RB_CHECK_SARIF: sarif(fs, min, b); break;
    default: render_text(fs, min, b); break;
    }
}

size_t rb_findings_count(const rb_findings *fs, rb_severity min)
{
    size_t n = 0;
    for (size_t i = 0; i < fs->n; i++)
        n += shown(&fs->v[i], min);
    return n;
}

/* ---- baseline ------------------------------------------------------------------------------ */

/* A findings file of this tool: JSON ({"tool": "rulebook", … "findings": [) or SARIF
 * ("version": "2.1.0", "runs": [ with the driver "rulebook"). A text report, {} or another
 * tool's SARIF is refused: a baseline that silently matches nothing would let every old finding
 * fail the job, or worse, hide the wrong ones. */
rb_status rb_findings_check_baseline(const char *path, const char *data, size_t n, rb_error *err)
{
    const char *p = data, *e = data + n;
    if (e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    int json = p < e && *p == '{' && memmem(p, (size_t)(e - p), "\"tool\": \"rulebook\"", 18) &&
               memmem(p, (size_t)(e - p), "\"findings\": [", 13);
    int sarif_ok = p < e && *p == '{' && memmem(p, (size_t)(e - p), "\"version\": \"2.1.0\"", 18) &&
                   memmem(p, (size_t)(e - p), "\"runs\": [", 9) &&
                   memmem(p, (size_t)(e - p), "\"name\": \"rulebook\"", 18);
    if (json || sarif_ok)
        return RB_OK;
    return rb_error_set(err, RB_EUSAGE, "check", path, 1, 1, "baseline-not-findings",
                        "not a findings file of `rulebook check --format json` or `--format "
                        "sarif`; make one with: rulebook check --format json FILE... -o %s",
                        path);
}

rb_status rb_findings_read_baseline(const char *path, char **data, size_t *n, rb_error *err)
{
    rb_limits lim;
    rb_limits_default(&lim);
    lim.max_bytes = RB_MAX_BASELINE;
    rb_status st = rb_input_read(path, &lim, data, n, err);
    if (st != RB_OK)
        return st;
    st = rb_findings_check_baseline(path, *data, *n, err);
    if (st != RB_OK) {
        free(*data);
        *data = NULL;
    }
    return st;
}

static int fp_cmp(const void *a, const void *b) { return memcmp(a, b, 16); }

/* Drop the findings whose fingerprint the baseline holds: 16 bytes between two quotes. Every
 * such place of the baseline is one key, sorted once, where each finding searched the whole
 * file (a run's findings times the baseline's bytes: 1.2 s for the 2,800 bench texts). */
size_t rb_findings_apply_baseline(rb_findings *fs, const char *baseline, size_t n)
{
    char(*keys)[16] = NULL;
    size_t nk = 0, ck = 0;
    for (size_t i = 0; i + 18 <= n;) {
        const char *q = memchr(baseline + i, '"', n - 17 - i);
        if (!q)
            break;
        i = (size_t)(q - baseline);
        if (baseline[i + 17] == '"') {
            RB_GROW(keys, nk, ck);
            memcpy(keys[nk++], baseline + i + 1, 16);
        }
        i++;
    }
    if (nk)
        qsort(keys, nk, sizeof *keys, fp_cmp);
    size_t dropped = 0, k = 0;
    for (size_t i = 0; i < fs->n; i++) {
        if (nk && strlen(fs->v[i].fingerprint) == 16 &&
            bsearch(fs->v[i].fingerprint, keys, nk, sizeof *keys, fp_cmp)) {
            rb_finding_clear(&fs->v[i]);
            dropped++;
        } else {
            fs->v[k++] = fs->v[i];
        }
    }
    fs->n = k;
    free(keys);
    return dropped;
}
