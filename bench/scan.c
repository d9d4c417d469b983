/* scan.c FILE...: the floor for finding article headers. Reads each file, validates UTF-8
 * once (the first pcre2_match call), then counts lines that start like an article
 * (第…条 or 一、) with a PCRE2-JIT multiline pattern, passing PCRE2_NO_UTF_CHECK on the
 * following calls. Prints the count, so the work cannot be optimized away. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int eo;
    PCRE2_SIZE eoff;
    pcre2_code *re = pcre2_compile(
        (PCRE2_SPTR) "^\\s*(?:第[一二三四五六七八九十百零〇两0-9]+条|[一二三四五六七八九十]+、)",
        PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MULTILINE, &eo, &eoff, NULL);
    if (!re || pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) != 0) {
        fprintf(stderr, "scan: pattern\n");
        return 2;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    unsigned long total = 0;
    for (int a = 1; a < argc; a++) {
        FILE *f = fopen(argv[a], "rb");
        if (!f) {
            perror(argv[a]);
            return 2;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *buf = malloc((size_t)n + 1);
        if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
            fprintf(stderr, "scan: cannot read %s\n", argv[a]);
            return 2;
        }
        fclose(f);
        PCRE2_SIZE pos = 0;
        uint32_t opts = 0; /* the first call validates the whole subject */
        int rc;
        while ((rc = pcre2_jit_match(re, (PCRE2_SPTR)buf, (PCRE2_SIZE)n, pos, opts, md, NULL)) >
               0) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            total++;
            pos = ov[1] > pos ? ov[1] : pos + 1;
            opts = PCRE2_NO_UTF_CHECK;
        }
        if (rc != PCRE2_ERROR_NOMATCH) {
            fprintf(stderr, "scan: %s: match error %d\n", argv[a], rc);
            return 2;
        }
        free(buf);
    }
    printf("%lu\n", total);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return 0;
}
