/* test_unit.c: unit tests of the library stages: numerals, UTF-8, SHA-256, width and script
 * folding with the map back to the source, every grammar pattern against the examples
 * written beside it, grammar error reporting and limits, and the character diff. */
#include "testutil.h"
#include "xmlevents.h"

#include <dirent.h>
#include <limits.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- numerals ---------------------------------------------------------------------------- */

static void test_numerals_fixed(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        long v;
    } ok[] = {{"一", 1},        {"二", 2},     {"两", 2},     {"兩", 2},         {"九", 9},
              {"十", 10},       {"十一", 11},   {"一十一", 11}, {"十九", 19},       {"二十", 20},
              {"二十一", 21},    {"九十九", 99}, {"一百", 100},  {"一百零一", 101},   {"一百一十", 110},
              {"一百一十一", 111}, {"〇", 0},     {"零", 0},     {"二〇一八", 2018},  {"一千零五十", 1050},
              {"两百", 200},     {"12", 12},    {"0", 0},     {"三十七", 37},      {"六十三", 63},
              {"九千九百九十九万九千九百九十九", 99999999}, {"999999999", 999999999}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        long v = -1;
        if (rb_numeral_parse(ok[i].s, strlen(ok[i].s), &v) != 0 || v != ok[i].v)
            fail_msg("'%s': expected %ld, got %ld", ok[i].s, ok[i].v, v);
    }
    /* and past about 10^9, in digits or with 万 again and again (a point's ordinal is 32-bit) */
    static const char *const bad[] = {"", "十十", "百十", "一百零", "abc", "二三十", "第一", "一、",
                                      "12345678901", "九千万九千万九千万九千万九千万九千万"
                                      "九千万九千万九千万九千万九千万九千万"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long v = -1;
        if (rb_numeral_parse(bad[i], strlen(bad[i]), &v) == 0)
            fail_msg("'%s' should not parse, got %ld", bad[i], v);
    }
}

static void test_numerals_roundtrip(void **state)
{
    (void)state;
    /* every ordinal a rulebook can have formats and parses back */
    for (long v = 0; v < 10000; v++) {
        char s[64];
        rb_numeral_format(v, s, sizeof s);
        long back = -1;
        if (rb_numeral_parse(s, strlen(s), &back) != 0 || back != v)
            fail_msg("%ld formats as '%s' which parses as %ld", v, s, back);
    }
    char s[64];
    rb_numeral_format(11, s, sizeof s);
    assert_string_equal(s, "十一");
    rb_numeral_format(101, s, sizeof s);
    assert_string_equal(s, "一百零一");
    rb_numeral_format(110, s, sizeof s);
    assert_string_equal(s, "一百一十");
    rb_numeral_format(20, s, sizeof s);
    assert_string_equal(s, "二十");
}

/* ---- UTF-8 and SHA-256 ------------------------------------------------------------------- */

/* The XML writer's escaping against a byte-at-a-time reference: each special byte (the five
 * entities' characters, CR, LF, tab, another C0 control) at every place of a 42-byte text
 * of CJK and ASCII, as text and as an attribute value (the scan goes 16 bytes at a time). */
static void xml_escape_ref(rb_buf *b, const char *s, size_t n, int attr)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '&')
            rb_buf_puts(b, "&amp;");
        else if (c == '<')
            rb_buf_puts(b, "&lt;");
        else if (c == '>')
            rb_buf_puts(b, "&gt;");
        else if (c == '"' && attr)
            rb_buf_puts(b, "&quot;");
        else if (c == '\r')
            rb_buf_puts(b, "&#13;");
        else if (c == '\n' && attr)
            rb_buf_puts(b, "&#10;");
        else if (c == '\t' && attr)
            rb_buf_puts(b, "&#9;");
        else if (c < 0x20 && c != '\n' && c != '\t') {
            char pic[4];
            rb_buf_put(b, pic, (size_t)rb_utf8_encode(0x2400 + c, pic));
        } else
            rb_buf_putc(b, (char)c);
    }
}

/* The writer's element and attribute names, literal (measured when compiled) or not, nested,
 * empty and with text: each written whole, the end tag the start tag's name. */
static void test_xml_writer_names(void **state)
{
    (void)state;
    rb_buf got;
    rb_buf_init(&got);
    rb_xw *w = rb_xw_new_buf(&got);
    const char *name = getenv("RB_NO_SUCH_VARIABLE") ? "x" : "rb:field"; /* not a literal */
    rb_xw_start(w, "rb:fact");
    rb_xw_attr(w, "dimension", "meetings");
    rb_xw_attr_int(w, "line", -113);
    rb_xw_start(w, name);
    rb_xw_attr(w, name, "v");
    rb_xw_end(w);
    rb_xw_start_inline(w, "rb:text");
    rb_xw_text(w, "会议", strlen("会议"));
    rb_xw_end(w);
    rb_xw_end(w);
    assert_int_equal(rb_xw_free(w), 0);
    assert_string_equal(rb_buf_cstr(&got), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                           "<rb:fact dimension=\"meetings\" line=\"-113\">\n"
                                           " <rb:field rb:field=\"v\"/>\n"
                                           " <rb:text>会议</rb:text>\n"
                                           "</rb:fact>\n");
    rb_buf_free(&got);
}

static void test_xml_escaping(void **state)
{
    (void)state;
    const char base[] = "第一条 abc,会议(2024)每月一次;xyz"; /* 42 bytes */
    size_t n = strlen(base);
    assert_int_equal(n, 42);
    const char specials[] = "&<>\"\r\n\t\x01\x1F ?";
    for (size_t k = 0; k < sizeof specials - 1; k++)
        for (size_t at = 0; at < n; at++) {
            char t[64];
            memcpy(t, base, n + 1);
            t[at] = specials[k]; /* (may cut a character: the writer copies bytes as they are) */
            for (int attr = 0; attr < 2; attr++) {
                rb_buf got, want;
                rb_buf_init(&got);
                rb_buf_init(&want);
                rb_xw *w = rb_xw_new_buf(&got);
                rb_xw_start(w, "p");
                if (attr)
                    rb_xw_attr(w, "v", t);
                else
                    rb_xw_text(w, t, n);
                rb_xw_end(w);
                assert_int_equal(rb_xw_free(w), 0);
                rb_buf_puts(&want, attr ? "<p v=\"" : "<p>");
                xml_escape_ref(&want, t, n, attr);
                rb_buf_puts(&want, attr ? "\"/>" : "</p>");
                const char *g = strstr(got.data, "<p");
                assert_non_null(g);
                size_t rest = got.len - (size_t)(g - got.data);
                while (rest > want.len && (g[rest - 1] == '\n' || g[rest - 1] == ' '))
                    rest--; /* the writer's last line break */
                if (rest != want.len || memcmp(g, want.data, want.len) != 0)
                    fail_msg("byte %zu = 0x%02X (%s): got\n%s\nwant\n%s", at,
                             (unsigned char)specials[k], attr ? "attribute" : "text", g,
                             want.data);
                rb_buf_free(&got);
                rb_buf_free(&want);
            }
        }
}

/* The no-copy readers of attributes and text give what the copying ones give: values in one
 * text node or several (an entity, a character reference, CDATA), empty or absent, with and
 * without Control Pictures to map back (U+2400 + c, the block a file with controls names). */
static void test_xml_refs(void **state)
{
    (void)state;
    const char *xml =
        "<r xmlns:x=\"urn:x\">"
        "<e x:a=\"other\" a=\"plain 会议\" b=\"amp &amp; lt &lt; cr &#13; nl &#10;\" c=\"\" "
        "d=\"pic \xE2\x90\x81 end\">text 会议</e>"
        "<e>one <x:i>two</x:i> three</e><e/><e>\xE2\x90\x82<![CDATA[<cdata>]]>&amp;</e>"
        "<e>pictured \xE2\x90\x9F only</e></r>";
    rb_error err;
    rb_error_clear(&err);
    xmlDocPtr x = rb_xml_read_mem("t.xml", xml, strlen(xml), &err);
    assert_non_null(x);
    static const char *const names[] = {"a", "b", "c", "d", "none"};
    for (uint32_t base = 0; base <= 0x2400; base += 0x2400) {
        rb_xml_set_control_base(base);
        rb_buf tmp;
        rb_buf_init(&tmp);
        int n = 0;
        for (xmlNodePtr e = xmlDocGetRootElement(x)->children; e; e = e->next, n++) {
            for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
                char *want = rb_xml_prop(e, names[k]);
                const char *got = rb_xml_prop_ref(e, names[k], &tmp);
                if (!want)
                    assert_null(got);
                else
                    assert_string_equal(got, want);
                free(want);
            }
            char *want = rb_xml_content(e);
            assert_string_equal(rb_xml_content_ref(e, &tmp), want);
            free(want);
        }
        assert_int_equal(n, 5);
        rb_buf_free(&tmp);
    }
    rb_xml_set_control_base(0);
    xmlFreeDoc(x);
}

/* JSON strings against a character-at-a-time reference, over strings made of the pieces a
 * string can hold: CJK, other UTF-8, U+2028/U+2029 (escaped: JavaScript), invalid bytes (a lone
 * continuation, an overlong form, a surrogate, a cut character at the end: U+FFFD), quotes,
 * backslashes, controls and DEL. */
static void json_ref(rb_buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    rb_buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        size_t l = c >= 0x80 ? rb_utf8_valid_len(u + i, n - i) : 1;
        if (l == 0) {
            rb_buf_puts(b, "\xEF\xBF\xBD");
            i++;
        } else if (l == 3 && c == 0xE2 && u[i + 1] == 0x80 && u[i + 2] == 0xA8) {
            rb_buf_puts(b, "\\u2028");
            i += 3;
        } else if (l == 3 && c == 0xE2 && u[i + 1] == 0x80 && u[i + 2] == 0xA9) {
            rb_buf_puts(b, "\\u2029");
            i += 3;
        } else if (c == '"' || c == '\\') {
            rb_buf_putc(b, '\\');
            rb_buf_putc(b, (char)c);
            i++;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            rb_buf_puts(b, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t");
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", c);
            rb_buf_puts(b, e);
            i++;
        } else {
            rb_buf_put(b, s + i, l);
            i += l;
        }
    }
    rb_buf_putc(b, '"');
}

static void test_json_strings(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "会议", "a", "\xC3\xA9", "\xF0\x9F\x98\x80", "\xE2\x80\x9C", "\xE2\x80\xA8",
        "\xE2\x80\xA9", "\xEF\xBC\x8C", "\x80", "\xE0\x80\xAF", "\xED\xA0\x80", "\xE4\xBC",
        "\xFF", "\"", "\\", "\n", "\r", "\t", "\x01", "\x1F", "\x7F", " "};
    size_t np = sizeof pieces / sizeof *pieces;
    unsigned seed = 12345;
    for (int round = 0; round < 4000; round++) {
        char s[256];
        size_t n = 0;
        int k = round % 12;
        for (int q = 0; q < k; q++) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % np];
            memcpy(s + n, p, strlen(p));
            n += strlen(p);
        }
        rb_buf got, want;
        rb_buf_init(&got);
        rb_buf_init(&want);
        rb_jw w;
        rb_jw_init(&w, &got);
        rb_jw_strn(&w, s, n);
        json_ref(&want, s, n);
        if (got.len != want.len || memcmp(got.data, want.data, want.len) != 0)
            fail_msg("round %d: got %s want %s", round, got.data, want.data);
        rb_buf_free(&got);
        rb_buf_free(&want);
    }
}

/* rb_utf8_check (16 bytes a step where the CPU can) says what the character-at-a-time check
 * says, the place of the first invalid byte and of the first U+FFFE/U+FFFF included: every
 * pair of bytes and the three- and four-byte sequences' edge bytes at both sides of a block
 * boundary, then 40,000 texts of random valid and broken pieces, cut at every end. */
static size_t blocks_cases, blocks_invalid;
static void same_check(const unsigned char *s, size_t n)
{
    size_t nc1 = 7, nc2 = 9;
    size_t a = rb_utf8_check((const char *)s, n, &nc1), b = rb_utf8_check_bytes((const char *)s, n, &nc2);
    if (a != b || nc1 != nc2) {
        fprintf(stderr, "utf8 check of %zu bytes:", n);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %02X", s[i]);
        fprintf(stderr, "\n  blocks: %zd, nonchar %zd; bytes: %zd, nonchar %zd\n", (ssize_t)a,
                (ssize_t)nc1, (ssize_t)b, (ssize_t)nc2);
        fail();
    }
    blocks_cases++;
    blocks_invalid += b != (size_t)-1;
}

static void test_utf8_blocks(void **state)
{
    (void)state;
    unsigned char t[400];
    blocks_cases = blocks_invalid = 0;
    for (size_t at = 13; at <= 16; at++) /* a pair across or beside the first boundary */
        for (unsigned x = 0; x < 256; x++)
            for (unsigned y = 0; y < 256; y++) {
                memset(t, 'a', 64);
                t[at] = (unsigned char)x;
                t[at + 1] = (unsigned char)y;
                same_check(t, 64);
            }
    static const unsigned char edge[] = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
    for (size_t at = 13; at <= 16; at++)
        for (unsigned x = 0xC0; x < 256; x++)
            for (size_t i = 0; i < sizeof edge; i++)
                for (size_t j = 0; j < sizeof edge; j++)
                    for (size_t k = 0; k < sizeof edge; k++) {
                        memset(t, 'a', 64);
                        t[at] = (unsigned char)x;
                        t[at + 1] = edge[i];
                        t[at + 2] = edge[j];
                        t[at + 3] = edge[k];
                        same_check(t, 64);
                        same_check(t, (size_t)at + 3); /* cut inside it, at the end */
                    }
    static const char *const good[] = {
        "a", " ", "\n", "\x7F", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "一", "中文", "。",
        "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBD", "\xEF\xBF\xBE", "\xEF\xBF\xBF",
        "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", "𠀀", "，", "第十二条"};
    static const char *const bad[] = {
        "\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF", "\xED\xA0\x80",
        "\xED\xBF\xBF", "\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",
        "\xFF", "\xFE", "\xE4\xB8", "\xF0\x9F\x98", "\xC2", "\xE4\xB8\xE4"};
    uint32_t seed = 12345;
    for (int r = 0; r < 40000; r++) {
        size_t n = 0;
        int broken = r % 3 == 0;
        size_t pieces = 1 + (seed = seed * 1103515245u + 12345u) % 120;
        size_t bad_at = broken ? (seed >> 8) % pieces : (size_t)-1;
        for (size_t p = 0; p < pieces; p++) {
            seed = seed * 1103515245u + 12345u;
            const char *piece = p == bad_at ? bad[(seed >> 16) % (sizeof bad / sizeof *bad)]
                                            : good[(seed >> 16) % (sizeof good / sizeof *good)];
            size_t l = strlen(piece);
            if (n + l > sizeof t)
                break;
            memcpy(t + n, piece, l);
            n += l;
        }
        same_check(t, n);
        for (size_t cut = 1; cut <= 3 && cut <= n; cut++)
            same_check(t, n - cut);
    }
    assert_true(blocks_cases > 500000);
    assert_true(blocks_invalid > blocks_cases / 10 && blocks_invalid < blocks_cases * 9 / 10);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(rb_utf8_invalid_at("abc 中文", strlen("abc 中文")) == (size_t)-1);
    /* the last code point of a text */
    assert_int_equal(rb_utf8_last("", 0), 0);
    assert_int_equal(rb_utf8_last("a", 1), 'a');
    assert_int_equal(rb_utf8_last("一二", 6), 0x4E8C);
    assert_int_equal(rb_utf8_last("一二", 3), 0x4E00);
    assert_int_equal(rb_utf8_invalid_at("ab\xC0\x80", 4), 2);      /* overlong */
    assert_int_equal(rb_utf8_invalid_at("a\xED\xA0\x80", 4), 1);   /* surrogate */
    assert_int_equal(rb_utf8_invalid_at("\xE4\xB8", 2), 0);        /* truncated */
    assert_int_equal(rb_utf8_invalid_at("12345678\xFF", 9), 8);    /* after the fast path */
    assert_int_equal(rb_utf8_invalid_at("\xF4\x90\x80\x80", 4), 0); /* above U+10FFFF */
    /* the non-characters U+FFFE/U+FFFF are valid UTF-8 but found in the same pass */
    size_t nc = 0;
    assert_true(rb_utf8_check("a\xEF\xBF\xBE\xEF\xBF\xBF", 7, &nc) == (size_t)-1);
    assert_int_equal(nc, 1);
    assert_true(rb_utf8_check("\xEF\xBC\x8C\xEF\xBF\xBD", 6, &nc) == (size_t)-1); /* ， U+FFFD */
    assert_true(nc == (size_t)-1);
    assert_int_equal(rb_utf8_check("ab\xEF\xBF\xBF\xC0", 6, &nc), 5);
    assert_int_equal(nc, 2);
    uint32_t cp;
    assert_int_equal(rb_utf8_decode("中", 3, &cp), 3);
    assert_int_equal(cp, 0x4E2D);
    assert_int_equal(rb_utf8_count("中文ab", strlen("中文ab")), 4);
    /* eight bytes a step: every range of a text of 1- to 4-byte characters, cut inside one
     * or not, counts its bytes that are no continuation byte */
    const char *mix = "第一条 ab é 𠀀 市政府,由市长签发。\x7F\xC2\x80xyz𠀀𠀀é";
    size_t ml = strlen(mix);
    for (size_t a = 0; a <= ml; a++)
        for (size_t z = a; z <= ml; z++) {
            size_t want = 0;
            for (size_t i = a; i < z; i++)
                want += ((unsigned char)mix[i] & 0xC0) != 0x80;
            assert_int_equal(rb_utf8_count(mix + a, z - a), want);
        }
}

static void test_sha256(void **state)
{
    (void)state;
    char hex[65];
    rb_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    rb_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *l = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    rb_sha256_hex(l, strlen(l), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* The raw bytes' digest is in rb:source unless the caller said it writes no Akoma Ntoso: then
 * it is not computed, and the XML (were it written after all) leaves the attribute out rather
 * than give an empty one. The document is the same either way. */
static void test_source_digest(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    static const char text[] = "某市人民政府工作规则\n一、为了规范工作,制定本规则。\n";
    char hex[65];
    rb_sha256_hex(text, strlen(text), hex);
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    rb_buf with, without;
    rb_buf_init(&with);
    rb_buf_init(&without);
    for (int no = 0; no <= 1; no++) {
        o.no_digest = no;
        rb_doc *d = NULL;
        rb_diags diags;
        rb_diags_init(&diags);
        rb_error err;
        rb_error_clear(&err);
        assert_int_equal(rb_compile_bytes(g, "d.txt", text, strlen(text), &o, &d, &diags, &err),
                         RB_OK);
        assert_string_equal(d->src->sha256, no ? "" : hex);
        assert_int_equal(rb_akn_write_buf(d, no ? &without : &with, &err), RB_OK);
        rb_doc_free(d);
        rb_diags_free(&diags);
    }
    char want[96];
    snprintf(want, sizeof want, " sha256=\"%s\"", hex);
    assert_non_null(strstr(rb_buf_cstr(&with), want));
    assert_null(strstr(rb_buf_cstr(&without), "sha256="));
    /* the rest of the XML is the same */
    char *at = strstr(rb_buf_cstr(&with), want);
    size_t pre = (size_t)(at - with.data), wl = strlen(want);
    assert_int_equal(with.len, without.len + wl);
    assert_memory_equal(with.data, without.data, pre);
    assert_memory_equal(with.data + pre + wl, without.data + pre, with.len - pre - wl);
    rb_buf_free(&with);
    rb_buf_free(&without);
    rb_grammar_free(g);
}

/* ---- normalization ------------------------------------------------------------------------- */

static void norm_is(const char *in, int trad, const char *want)
{
    char *got = rb_normalize_str(in, strlen(in), trad, NULL);
    if (strcmp(got, want) != 0)
        fail_msg("normalize('%s') = '%s', want '%s'", in, got, want);
    free(got);
}

static void test_fold_width(void **state)
{
    (void)state;
    norm_is("１２３ＡＢＣ", 0, "123ABC");                /* full-width digits and letters */
    norm_is("（一）", 0, "(一)");                        /* full-width parentheses */
    norm_is("(一)", 0, "(一)");                          /* ASCII ones unchanged */
    norm_is("甲﹑乙﹐丙﹕", 0, "甲、乙,丙:");               /* small forms */
    norm_is("第一章\u3000总则", 0, "第一章 总则");          /* ideographic space */
    norm_is("第一章\u00A0总则", 0, "第一章 总则");          /* NBSP */
    norm_is("甲，乙；丙：", 0, "甲,乙;丙:");               /* full-width punctuation */
    norm_is("零\u200B宽", 0, "零宽");                      /* zero-width dropped */
    norm_is("一、〔2018〕《规则》", 0, "一、〔2018〕《规则》"); /* kept as they are */
}

static void test_fold_script(void **state)
{
    (void)state;
    norm_is("重慶市人民政府工作規則", 0, "重庆市人民政府工作规则");
    norm_is("市長辦公會議", 0, "市长办公会议");
    norm_is("规范性檔案", 2, "规范性文件"); /* Taiwan phrasing */
    norm_is("规范性檔案", 1, "规范性档案"); /* standard traditional: characters and phrases */
    norm_is("规范性檔案", 0, "规范性档案"); /* characters only */
    norm_is("程式", 2, "程序");
    /* the neighbours decide: jieba has 档案馆 and 个人档案, so 檔案 stays there */
    norm_is("檔案館", 2, "档案馆");
    norm_is("個人檔案", 2, "个人档案");
    norm_is("最佳化服務", 2, "优化服务");
    norm_is("計畫", 1, "计划");              /* OpenCC's traditional phrases */
    norm_is("嚴格執行,以習近平同志爲核心", 1, "严格执行,以习近平同志为核心");
    norm_is("已经简体", 0, "已经简体");
}

/* The context words of the Taiwan phrases, looked up: every one of them gives its count, and
 * a word cut short or run on gives none (the table is a hash table: every slot reached). */
extern const char *const rb_twctx_word[];
extern const long rb_twctx_freq[];
extern const size_t rb_ntwctx;

static void test_twctx_lookup(void **state)
{
    (void)state;
    assert_true(rb_ntwctx > 1000);
    for (size_t i = 0; i < rb_ntwctx; i++) {
        const char *w = rb_twctx_word[i];
        size_t n = strlen(w);
        assert_int_equal(rb_twctx_freq_of(w, n), rb_twctx_freq[i]);
        char longer[256];
        if (n + 3 < sizeof longer) {
            memcpy(longer, w, n);
            memcpy(longer + n, "\xE5\x97\xAF", 3); /* 嗯 after it */
            long f = rb_twctx_freq_of(longer, n + 3);
            for (size_t k = 0; k < rb_ntwctx && f; k++)
                if (strlen(rb_twctx_word[k]) == n + 3 && memcmp(rb_twctx_word[k], longer, n + 3) == 0)
                    f = 0; /* (a word of its own after all) */
            assert_int_equal(f, 0);
        }
        if (n > 3) { /* its first characters but the last, unless that is a word too */
            long f = rb_twctx_freq_of(w, n - 3), want = 0;
            for (size_t k = 0; k < rb_ntwctx; k++)
                if (strlen(rb_twctx_word[k]) == n - 3 && memcmp(rb_twctx_word[k], w, n - 3) == 0)
                    want = rb_twctx_freq[k];
            assert_int_equal(f, want);
        }
    }
}

/* The source's scans for control characters (a binary file) and line breaks skip text a block
 * at a time: every control character, at every place of a 16-byte block and beside it, is
 * seen; and every line break, LF, CR and CR LF, across block boundaries, starts its line. */
/* rb_memmem against memmem: texts of a few bytes that repeat (the first and last bytes of a
 * needle fit in many places where the rest does not), every length across a 16-byte step,
 * needles of 1 to 20 bytes (longer than a step too), taken from the text or not. */
static void test_memmem(void **state)
{
    (void)state;
    static const char alpha[] = {'a', 'b', (char)0xE4, (char)0xBC, (char)0x9A, 0};
    unsigned seed = 12345;
    char t[80], k[24];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(rand_r(&seed) % 72), kl = 1 + (size_t)(rand_r(&seed) % 20);
        for (size_t i = 0; i < n; i++)
            t[i] = alpha[rand_r(&seed) % 6];
        if (n >= kl && rand_r(&seed) % 2) {
            memcpy(k, t + rand_r(&seed) % (n - kl + 1), kl);
            k[rand_r(&seed) % kl] ^= (char)(rand_r(&seed) % 3 == 0); /* now and then one off */
        } else {
            for (size_t i = 0; i < kl; i++)
                k[i] = alpha[rand_r(&seed) % 6];
        }
        for (size_t from = 0; from <= n; from += 1 + from / 8) {
            const char *want = memmem(t + from, n - from, k, kl);
            const char *got = rb_memmem(t + from, n - from, k, kl);
            if (want != got)
                fail_msg("round %d: n %zu from %zu needle %zu bytes: %td, memmem %td", round, n,
                         from, kl, got ? got - t : -1, want ? want - t : -1);
        }
    }
    assert_null(rb_memmem("abc", 3, "abcd", 4));
    assert_ptr_equal(rb_memmem("", 0, "", 0), "");
}

/* The source's scans: the C0 controls XML cannot carry, wherever they are; the line starts
 * after LF, a lone CR and CR LF; and the line ends the text used (rb:source/@lineEnd). */
static void test_source_scans(void **state)
{
    (void)state;
    char t[128];
    for (unsigned c = 1; c < 0x80; c++) {
        if (c >= 0x20 && c != 0x7F)
            continue;
        int ignored = c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
        for (size_t at = 0; at < 40; at++) {
            memset(t, 'a', sizeof t);
            for (size_t k = 0; k < 10; k++) /* ten of them: more than a few, and 1 % */
                t[at + 9 * k] = (char)c;
            rb_source *src = NULL;
            rb_error err;
            rb_error_clear(&err);
            rb_status st = rb_source_from_bytes("t", t, sizeof t, NULL, &src, &err);
            if (ignored) {
                assert_int_equal(st, RB_OK);
                rb_source_free(src);
                continue;
            }
            if (st != RB_EINPUT || strcmp(err.rule, "input-binary") != 0)
                fail_msg("control 0x%02X from byte %zu: not seen (status %d)", c, at, st);
            char want[64];
            snprintf(want, sizeof want, "from byte offset %zu on", at);
            assert_non_null(strstr(err.message, want));
        }
    }
    /* one control (not binary), or ten with the binary check off: the source says whether
     * the text holds one XML 1.0 cannot carry (the writer's Control Pictures then) */
    rb_limits open;
    rb_limits_default(&open);
    open.max_control_pct = 100;
    for (unsigned c = 1; c < 0x80; c++) {
        if (c >= 0x20 && c != 0x7F)
            continue;
        int xml = c < 0x20 && c != '\t' && c != '\n' && c != '\r';
        for (size_t at = 0; at < 40; at += 13)
            for (int many = 0; many < 2; many++) {
                memset(t, 'a', sizeof t);
                for (size_t k = 0; k < (many ? 10u : 1u); k++)
                    t[at + 9 * k] = (char)c;
                rb_source *src = NULL;
                rb_error err;
                rb_error_clear(&err);
                assert_int_equal(
                    rb_source_from_bytes("t", t, sizeof t, many ? &open : NULL, &src, &err), RB_OK);
                if (src->xml_controls != xml)
                    fail_msg("control 0x%02X at byte %zu (%d of them): xml_controls %d", c, at,
                             many ? 10 : 1, src->xml_controls);
                rb_source_free(src);
            }
    }
    memset(t, 'a', sizeof t);
    rb_source *plain = NULL;
    rb_error perr;
    rb_error_clear(&perr);
    assert_int_equal(rb_source_from_bytes("t", t, sizeof t, &open, &plain, &perr), RB_OK);
    assert_int_equal(plain->xml_controls, 0);
    rb_source_free(plain);
    static const char *const brk[] = {"\n", "\r", "\r\n"};
    for (size_t b = 0; b < 3; b++)
        for (size_t at = 0; at < 48; at++) {
            memset(t, 'a', sizeof t);
            size_t l = strlen(brk[b]), second = at + 17 + (at % 5);
            memcpy(t + at, brk[b], l);
            memcpy(t + second, brk[b], l);
            rb_source *src = NULL;
            rb_error err;
            rb_error_clear(&err);
            assert_int_equal(rb_source_from_bytes("t", t, sizeof t, NULL, &src, &err), RB_OK);
            assert_int_equal(src->nlines, 3);
            assert_int_equal(src->line_start[1], at + l);
            assert_int_equal(src->line_start[2], second + l);
            static const unsigned kind[] = {RB_LE_LF, RB_LE_CR, RB_LE_CRLF};
            static const char *const name[] = {"LF", "CR", "CRLF"};
            assert_int_equal(src->line_ends, kind[b]);
            assert_string_equal(rb_source_line_end_name(src), name[b]);
            rb_source_free(src);
        }
    /* a text without a line end says LF; one with two kinds (CR LF and a lone CR at its end
     * too) says mixed */
    static const struct {
        const char *text, *name;
    } ends[] = {{"abc", "LF"},     {"a\r\nb\nc", "mixed"}, {"a\rb\r\n", "mixed"},
                {"a\r\nb\r", "mixed"}, {"a\rb\r", "CR"},     {"\r\n\r\n", "CRLF"}};
    for (size_t k = 0; k < sizeof ends / sizeof *ends; k++) {
        rb_source *src = NULL;
        rb_error err;
        rb_error_clear(&err);
        assert_int_equal(
            rb_source_from_bytes("t", ends[k].text, strlen(ends[k].text), NULL, &src, &err),
            RB_OK);
        if (strcmp(rb_source_line_end_name(src), ends[k].name) != 0)
            fail_msg("%zu: %s, not %s", k, rb_source_line_end_name(src), ends[k].name);
        rb_source_free(src);
    }
}

static rb_view *view_of(const char *bytes, size_t n, rb_source **src)
{
    rb_error err;
    rb_error_clear(&err);
    assert_int_equal(rb_source_from_bytes("t", bytes, n, NULL, src, &err), RB_OK);
    rb_view *v = NULL;
    assert_int_equal(rb_view_build(*src, &v, &err), RB_OK);
    return v;
}

/* The model's view offsets are 32-bit: a view of 4 GiB or more is refused, not wrapped. A
 * source that says it is that long (its text is never read: the length is asked first). */
static void test_view_too_large(void **state)
{
    (void)state;
    rb_source src;
    memset(&src, 0, sizeof src);
    char path[] = "huge.txt", text[] = "x";
    src.path = path;
    src.text = text;
    src.len = (size_t)UINT32_MAX;
    rb_view *v = NULL;
    rb_error err;
    rb_error_clear(&err);
    assert_int_equal(rb_view_build(&src, &v, &err), RB_ELIMIT);
    assert_null(v);
    assert_string_equal(err.rule, "input-too-large");
    assert_string_equal(err.file, "huge.txt");
    assert_non_null(strstr(err.message, "4294967295 bytes"));
}

/* 著 is a simplified character (著作, 显著) and a Taiwan variant of 着 (著力 -> 着力): a
 * simplified text keeps it, a traditional one is folded, phrases first. */
static void test_ambiguous_characters(void **state)
{
    (void)state;
    rb_source *src;
    const char *simp = "市人民政府工作规则不公开出版著作,著力推进工作。";
    rb_view *v = view_of(simp, strlen(simp), &src);
    assert_string_equal(v->text, simp);
    assert_true(v->aliased); /* nothing to fold: the view is the source */
    rb_view_free(v);
    rb_source_free(src);
    const char *trad = "市人民政府工作規則不公開出版著作,著力推進工作,顯著提高。";
    v = view_of(trad, strlen(trad), &src);
    assert_string_equal(v->text, "市人民政府工作规则不公开出版著作,着力推进工作,显著提高。");
    rb_view_free(v);
    rb_source_free(src);
    norm_is("著力", 1, "着力");
    norm_is("著力", 0, "著力");
}

/* A compiled file's text read back on its lines and columns (rb:col), with the junk that sat
 * inside a line back at its column: the union where records overlap (an annotation inside an
 * insertion, one insertion recorded twice, two that share a character), and after the line's
 * last piece; from the events and from the tree alike. */
static void test_read_back_columns(void **state)
{
    (void)state;
    const char *xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<akomaNtoso xmlns=\"http://docs.oasis-open.org/legaldocml/ns/akn/3.0\" "
        "xmlns:rb=\"urn:x-rulebook:model:1\"><act name=\"rulebook\"><meta><proprietary>"
        "<rb:source lines=\"3\" bytes=\"100\"/><rb:document id=\"t\"/>"
        "<rb:junk kind=\"annotation\" line=\"1\" col=\"5\">(ī)</rb:junk>"
        "<rb:junk kind=\"insertion\" line=\"1\" col=\"5\">(ī)wo/</rb:junk>"
        "<rb:junk kind=\"insertion\" line=\"2\" col=\"8\">甲乙</rb:junk>"
        "<rb:junk kind=\"insertion\" line=\"2\" col=\"8\">甲乙</rb:junk>"
        "<rb:junk kind=\"insertion\" line=\"2\" col=\"9\">乙丙</rb:junk>"
        "<rb:junk kind=\"insertion\" line=\"3\" col=\"10\">尾</rb:junk>"
        "</proprietary></meta><body>"
        "<article rb:line=\"1\"><num>第一条</num><content><p rb:line=\"1\" rb:col=\"5\">为了。</p>"
        "</content></article>"
        "<article rb:line=\"2\"><num rb:col=\"3\">第二条</num><content>"
        "<p rb:line=\"2\" rb:col=\"7\">规则</p><p rb:line=\"3\" rb:col=\"4\">末</p>"
        "</content></article></body></act></akomaNtoso>";
    for (int tree = 0; tree < 2; tree++) {
        rb_buf text;
        rb_buf_init(&text);
        rb_diags junk;
        rb_diags_init(&junk);
        rb_error err;
        rb_error_clear(&err);
        assert_int_equal(rb_akn_read_back("t.xml", xml, strlen(xml), tree, &text, &junk, &err),
                         RB_OK);
        assert_string_equal(rb_buf_cstr(&text), "第一条 (ī)wo/为了。\n"
                                                "  第二条 规甲乙丙则\n"
                                                "   末     尾\n");
        assert_int_equal(junk.n, 0); /* put back: the compile reports them again */
        rb_diags_free(&junk);
        rb_buf_free(&text);
    }
}

/* The view's first pass: which script, its first characters, and whether the view differs
 * from the source, over runs of CJK broken by ASCII, 2-byte (é) and 4-byte (𠀀) characters;
 * and its 2-bit table agrees with the fold entries everywhere in the BMP. */
static void test_script_counts(void **state)
{
    (void)state;
    assert_int_equal(rb_script_class_mismatch(), UINT32_MAX);
    rb_source *src;
    /* 这 (simplified only) after é and 𠀀: its place counts from the byte after them */
    const char *mixed = "ab\xC3\xA9\xF0\xA0\x80\x80工作这個,國家對";
    rb_view *v = view_of(mixed, strlen(mixed), &src);
    assert_int_equal(v->n_simp, 1);  /* 这 */
    assert_int_equal(v->n_trad, 3);  /* 個 國 對 */
    assert_int_equal(v->script, RB_SCRIPT_MIXED);
    assert_int_equal(v->first_simp, 14); /* a b é(2) 𠀀(4) 工 作: 2 + 2 + 4 + 6 */
    assert_int_equal(v->first_trad, 17); /* 個, not 國 or 對 */
    assert_false(v->aliased);
    rb_view_free(v);
    rb_source_free(src);
    const char *simp = "工作家\xC3\xA9这样,会议";
    v = view_of(simp, strlen(simp), &src);
    assert_int_equal(v->n_trad, 0);
    assert_int_equal(v->n_simp, 4); /* 这 样 会 议 */
    assert_int_equal(v->first_simp, 11);
    assert_int_equal(v->first_trad, SIZE_MAX);
    assert_int_equal(v->script, RB_SCRIPT_SIMPLIFIED);
    assert_true(v->aliased); /* ASCII comma, no full-width form: nothing to fold */
    rb_view_free(v);
    rb_source_free(src);
    /* runs longer than the first pass's blocks (4,096 characters) and than a 16-bit count:
     * the first of each script in a later block, and every one counted */
    rb_buf big;
    rb_buf_init(&big);
    for (int i = 0; i < 5000; i++)
        rb_buf_puts(&big, "工");
    rb_buf_puts(&big, "这");
    for (int i = 0; i < 3000; i++)
        rb_buf_puts(&big, "工");
    rb_buf_puts(&big, "個");
    for (int i = 0; i < 140000; i++)
        rb_buf_puts(&big, "这");
    v = view_of(big.data, big.len, &src);
    assert_int_equal(v->n_simp, 140001);
    assert_int_equal(v->n_trad, 1);
    assert_int_equal(v->first_simp, 5000 * 3);
    assert_int_equal(v->first_trad, (5000 + 1 + 3000) * 3);
    rb_view_free(v);
    rb_source_free(src);
    big.len = 0;
    for (int i = 0; i < 9000; i++)
        rb_buf_puts(&big, "工");
    rb_buf_puts(&big, "\xEF\xBC\x8C"); /* a full-width comma in the third block changes */
    v = view_of(big.data, big.len, &src);
    assert_int_equal(v->n_simp + v->n_trad, 0);
    assert_false(v->aliased);
    rb_view_free(v);
    rb_source_free(src);
    rb_buf_free(&big);
    const char *wide = "工作规则\xEF\xBC\x8C会议"; /* a full-width comma alone changes */
    v = view_of(wide, strlen(wide), &src);
    assert_false(v->aliased);
    assert_string_equal(v->text, "工作规则,会议");
    rb_view_free(v);
    rb_source_free(src);
}

/* The first pass is the level-0 fold itself (one walk, not two): a text that turns out
 * traditional part-way stops the fold there and is counted on alone. Every count and first
 * place as the texts hold them, and the view the fold of the whole text, wherever the fold
 * stopped: in its first loop (changes in place), in its second (after a change of length),
 * or not at all. (The first places are offsets of the view: a full-width comma is one byte.) */
static void test_script_counts_fold(void **state)
{
    (void)state;
    struct {
        const char *pre, *a;
        int na;
        const char *b;
        int nb;
        const char *c;
        int nc;
        size_t nt, ns, first_t, first_s;
        rb_script script;
    } cases[] = {
        /* 100 個 look traditional (the fold stops in place), 2,000 这 make it simplified */
        {"", "個", 100, "\xEF\xBC\x8C这", 1, "这", 1999, 100, 2000, 0, 301, RB_SCRIPT_SIMPLIFIED},
        /* a full-width comma first (a change of length: the second loop), 1,400 工 (past the
         * first 1,024 bytes, which do not look traditional), then 30 这 and 200 個: the fold
         * stops in the second loop; mixed */
        {"\xEF\xBC\x8C", "工", 1400, "这", 30, "個", 200, 200, 30, 4291, 4201, RB_SCRIPT_MIXED},
        /* no stop: 60 個 are too few to look traditional among 这 */
        {"\xEF\xBC\x8C", "这", 20, "個", 60, "工", 5, 60, 20, 61, 1, RB_SCRIPT_MIXED},
        /* 𠀾 (U+2003E, four bytes, simplified only) kept by the first loop and by the second */
        {"\xF0\xA0\x80\xBE", "工", 3, "\xEF\xBC\x8C", 1, "\xF0\xA0\x80\xBE", 2, 0, 3, SIZE_MAX, 0,
         RB_SCRIPT_SIMPLIFIED},
        /* the first change late, in place (個 to 个): the text is copied there, not before */
        {"", "工", 500, "個", 1, "工", 10, 1, 0, 1500, SIZE_MAX, RB_SCRIPT_SIMPLIFIED},
        /* the first change a line end (CR LF to LF): what is before it copied, then folded */
        {"工工\r\n", "这", 3, "工", 1, "工", 1, 0, 3, SIZE_MAX, 7, RB_SCRIPT_SIMPLIFIED},
        /* traditional throughout: the first 1,024 bytes say so, and the fold is not tried */
        {"工", "個", 500, "國", 1, "\xEF\xBC\x8C", 1, 501, 0, 3, SIZE_MAX, RB_SCRIPT_TRADITIONAL},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        rb_buf t;
        rb_buf_init(&t);
        rb_buf_puts(&t, cases[k].pre);
        for (int i = 0; i < cases[k].na; i++)
            rb_buf_puts(&t, cases[k].a);
        for (int i = 0; i < cases[k].nb; i++)
            rb_buf_puts(&t, cases[k].b);
        for (int i = 0; i < cases[k].nc; i++)
            rb_buf_puts(&t, cases[k].c);
        rb_source *src;
        rb_view *v = view_of(t.data, t.len, &src);
        assert_int_equal(v->n_trad, cases[k].nt);
        assert_int_equal(v->n_simp, cases[k].ns);
        assert_int_equal(v->first_trad, cases[k].first_t);
        assert_int_equal(v->first_simp, cases[k].first_s);
        assert_int_equal(v->script, cases[k].script);
        if (cases[k].script != RB_SCRIPT_TRADITIONAL) {
            char *want = rb_normalize_str(t.data, t.len, 0, NULL);
            assert_string_equal(v->text, want);
            free(want);
        }
        rb_view_free(v);
        rb_source_free(src);
        rb_buf_free(&t);
    }
}

/* An offset inside a longer replacement maps into the character it came from, never past it
 * (the fuzzer found one at the end of a text, past the end of the source). */
static void test_view_map_expansion(void **state)
{
    (void)state;
    rb_source *src;
    const char *in = "甲㌂乙㌂";
    rb_view *v = view_of(in, strlen(in), &src);
    assert_string_equal(v->text, "甲アンペア乙アンペア");
    assert_int_equal(rb_view_to_orig(v, 0), 0);
    for (size_t off = 3; off < 15; off++) { /* アンペア is 12 bytes: all inside ㌂ (3..5) */
        size_t o = rb_view_to_orig(v, off);
        assert_true(o >= 3 && o <= 5);
    }
    assert_int_equal(rb_view_to_orig(v, 15), 6);  /* 乙 */
    for (size_t off = 18; off < v->len; off++)    /* the last ㌂ (9..11), not past the end */
        assert_true(rb_view_to_orig(v, off) <= 11);
    rb_view_free(v);
    rb_source_free(src);
}

/* A copy spaced out character by character: its view leaves out the white space inside its
 * lines, except between Latin letters and at a line's start, and every character it keeps
 * maps back to itself in the source (the spaces stay there, for the text written out). */
static void test_view_map_spaced(void **state)
{
    (void)state;
    rb_buf in, want;
    rb_buf_init(&in);
    rb_buf_init(&want);
    for (int i = 0; i < 8; i++) {
        rb_buf_puts(&in, "\u3000第 一 条\u3000为 了 规 范 Word Excel 文 档 ， 制 定 本 规 则 。\r\n");
        rb_buf_puts(&want, " 第一条为了规范Word Excel文档,制定本规则。\n");
    }
    rb_buf_puts(&in, "2 0 1 8 年 1 2 月");
    rb_buf_puts(&want, "2018年12月");
    rb_source *src;
    rb_view *v = view_of(in.data, in.len, &src);
    assert_string_equal(v->text, want.data);
    assert_int_equal(v->nlines, 9);
    size_t kept = 0;
    for (size_t off = 0; off < v->len;) {
        uint32_t cp;
        int l = rb_utf8_decode(v->text + off, v->len - off, &cp);
        if (cp >= 0x4E00 && cp <= 0x9FFF) {
            size_t o = rb_view_to_orig(v, off);
            if (memcmp(in.data + o, v->text + off, (size_t)l) != 0)
                fail_msg("view offset %zu maps to source offset %zu, another character", off, o);
            kept++;
        }
        off += (size_t)l;
    }
    assert_int_equal(kept, 8 * 14 + 2);
    unsigned line, col;
    rb_source_linecol(src, rb_view_to_orig(v, (size_t)(strstr(v->text, "定本") - v->text)), &line,
                      &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 35); /* 定 in "　第 一 条　为 了 规 范 Word Excel 文 档 ， 制 定" */
    rb_view_free(v);
    rb_source_free(src);
    /* nothing else to fold (no full-width form, no CR): the view is still made */
    in.len = want.len = 0;
    for (int i = 0; i < 40; i++) {
        rb_buf_puts(&in, "第 一 条 为 了 规 范 工 作。\n");
        rb_buf_puts(&want, "第一条为了规范工作。\n");
    }
    v = view_of(in.data, in.len, &src);
    assert_string_equal(v->text, want.data);
    assert_int_equal(rb_view_to_orig(v, want.len - 4), in.len - 4); /* the last 。 */
    rb_view_free(v);
    rb_source_free(src);
    rb_buf_free(&in);
    rb_buf_free(&want);
}

static void test_view_map(void **state)
{
    (void)state;
    rb_source *src;
    const char *in = "１２、测试\r\n第二行（一）";
    rb_view *v = view_of(in, strlen(in), &src);
    assert_string_equal(v->text, "12、测试\n第二行(一)");
    assert_int_equal(v->nlines, 2);
    assert_int_equal(src->nlines, 2);
    /* 、 is at view offset 2, original offset 6 */
    assert_int_equal(rb_view_to_orig(v, 2), 6);
    /* the second line starts at view 12, original 17 (after CR LF) */
    assert_int_equal(rb_view_to_orig(v, 12), 17);
    /* ( at view 21 is （ at original 26 */
    assert_int_equal(rb_view_to_orig(v, 21), 26);
    unsigned line, col;
    rb_source_linecol(src, 26, &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 4);
    rb_view_free(v);
    rb_source_free(src);
}

/* The view of a text: whether it reads as Taiwan phrasing, and its text (want NULL: any). */
static void view_is(const char *in, int taiwan, const char *want)
{
    rb_source *src;
    rb_view *v = view_of(in, strlen(in), &src);
    if (!taiwan)
        assert_int_equal(v->script, RB_SCRIPT_TRADITIONAL);
    assert_int_equal(v->taiwan_phrasing, taiwan);
    if (want)
        assert_string_equal(v->text, want);
    rb_view_free(v);
    rb_source_free(src);
}

/* Taiwan phrases only for a text that shows Taiwan phrasing: OpenCC's table would also turn
 * everyday 核心 and 執行 into the computing terms 内核 and 运行. */
static void test_taiwan_phrasing(void **state)
{
    (void)state;
    view_is("建設網際網路政務平台,最佳化服務,制定規範性檔案,嚴格執行程式。", 1,
            "建设互联网政务平台,优化服务,制定规范性文件,严格执行程序。");
    view_is("堅決維護以習近平同志爲核心的黨中央權威,嚴格執行全面從嚴治黨的各項規定。", 0,
            "坚决维护以习近平同志为核心的党中央权威,严格执行全面从严治党的各项规定。");
}

/* Taiwan phrases of one character (矽 for 硅) count for the gate as longer ones do, on both
 * sides: the filter on a phrase's first two characters lets them through. */
static void test_taiwan_phrase_one_character(void **state)
{
    (void)state;
    view_is("採用單晶矽、多晶矽和非晶矽製造的產品。", 1, "采用单晶硅、多晶硅和非晶硅制造的产品。");
    /* the mainland reading, one character too, outnumbers them: no Taiwan phrasing */
    view_is("採用單晶矽、多晶矽和非晶矽,而非硅片和硅鋼製造的產品。", 0, NULL);
}

static void test_script_detection(void **state)
{
    (void)state;
    rb_source *src;
    const char *t = "市政府實行市長負責制,市長領導市政府的工作。副市長、秘書長協助市長工作。";
    rb_view *v = view_of(t, strlen(t), &src);
    assert_int_equal(v->script, RB_SCRIPT_TRADITIONAL);
    rb_view_free(v);
    rb_source_free(src);
    const char *s = "市政府实行市长负责制,市长领导市政府的工作。副市长、秘书长协助市长工作。";
    v = view_of(s, strlen(s), &src);
    assert_int_equal(v->script, RB_SCRIPT_SIMPLIFIED);
    rb_view_free(v);
    rb_source_free(src);
}

/* ---- source: encodings and refusals ------------------------------------------------------- */

static void source_fails(const char *bytes, size_t n, rb_status want, const char *rule)
{
    rb_source *src = NULL;
    rb_error err;
    rb_error_clear(&err);
    rb_status st = rb_source_from_bytes("in.txt", bytes, n, NULL, &src, &err);
    if (st != want || strcmp(err.rule, rule) != 0)
        fail_msg("want %s [%s], got %s [%s] %s", rb_status_name(want), rule, rb_status_name(st),
                 err.rule, err.message);
    assert_null(src);
}

static void test_source_refusals(void **state)
{
    (void)state;
    source_fails("", 0, RB_EINPUT, "input-empty");
    source_fails("abc\0def", 7, RB_EINPUT, "input-binary");
    source_fails("一、\xFF\xFE\xFD\x80\x80", 11, RB_EENCODING, "encoding-invalid");
    source_fails("\xFF\xFE\x00\xD8", 4, RB_EENCODING, "encoding-invalid"); /* lone surrogate */
    rb_source *src = NULL;
    rb_error err;
    rb_error_clear(&err);
    rb_limits lim;
    rb_limits_default(&lim);
    lim.max_line = 16;
    const char *longline = "一二三四五六七八九十";
    assert_int_equal(rb_source_from_bytes("x", longline, strlen(longline), &lim, &src, &err),
                     RB_ELIMIT);
    assert_string_equal(err.rule, "line-too-long");
    /* the invalid byte's offset is named */
    rb_error_clear(&err);
    assert_int_equal(rb_source_from_bytes("x", "ab\xC3", 3, NULL, &src, &err), RB_EENCODING);
    assert_non_null(strstr(err.message, "byte offset 2"));
    /* control characters: ten in 500 bytes (2 %) are binary; a text read back from its XML
     * (max_control_pct 100) is not judged by them again; at 1 % of 1000 bytes, not binary */
    char ctl[1000];
    memset(ctl, 'a', sizeof ctl);
    for (int i = 0; i < 10; i++)
        ctl[40 * i + 5] = '\a';
    source_fails(ctl, 500, RB_EINPUT, "input-binary");
    rb_limits_default(&lim);
    lim.max_control_pct = 100;
    rb_error_clear(&err);
    assert_int_equal(rb_source_from_bytes("x", ctl, 500, &lim, &src, &err), RB_OK);
    rb_source_free(src);
    assert_int_equal(rb_source_from_bytes("x", ctl, 1000, NULL, &src, &err), RB_OK);
    rb_source_free(src);
}

/* A file is read whole by its size, a file that does not tell its size (/proc) to its end,
 * and the byte limit holds at its edge. */
static void read_back(const char *path, const char *want, size_t wn, const rb_limits *lim,
                      rb_status want_st)
{
    char *b = NULL;
    size_t n = 99;
    rb_error err;
    rb_error_clear(&err);
    rb_status st = rb_input_read(path, lim, &b, &n, &err);
    if (st != want_st)
        fail_msg("%s: want %s, got %s %s", path, rb_status_name(want_st), rb_status_name(st),
                 err.message);
    if (st == RB_OK) {
        assert_int_equal(n, wn);
        assert_memory_equal(b, want, wn);
        assert_int_equal(b[n], 0);
    } else {
        assert_null(b);
        assert_string_equal(err.rule, "input-too-large");
    }
    free(b);
}

/* rb_output_clash against the definition it replaced: the first input (in order) whose name an
 * earlier input has, and the earliest of those. */
static int clash_by_definition(const char *const *names, size_t n, size_t *first, size_t *second)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(names[k], names[i]) == 0) {
                *first = k;
                *second = i;
                return 1;
            }
    return 0;
}

static void test_output_clash(void **state)
{
    (void)state;
    const char *none[] = {"a.xml", "b.xml", "ab.xml", "A.xml"};
    size_t f = 99, s = 99;
    assert_int_equal(rb_output_clash(none, 4, &f, &s), 0);
    assert_int_equal(rb_output_clash(none, 0, &f, &s), 0);
    /* two clashes: the one whose second input comes first is named (c at 3, not b at 4) */
    const char *two[] = {"b.xml", "c.xml", "a.xml", "c.xml", "b.xml", "c.xml"};
    assert_int_equal(rb_output_clash(two, 6, &f, &s), 1);
    assert_int_equal(f, 1);
    assert_int_equal(s, 3);
    /* random sets over a small alphabet, sorted or not, against the definition */
    char pool[64][4];
    const char *names[64];
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(round % 64);
        unsigned span = 2 + (unsigned)round % 200; /* few names: clashes; many: rarely */
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned v = (seed >> 16) % span;
            snprintf(pool[i], sizeof pool[i], "%c%c", 'a' + (int)(v % 26), 'a' + (int)(v / 26));
            names[i] = pool[i];
        }
        size_t f1 = 0, s1 = 0, f2 = 0, s2 = 0;
        int r1 = clash_by_definition(names, n, &f1, &s1);
        int r2 = rb_output_clash(names, n, &f2, &s2);
        assert_int_equal(r1, r2);
        if (r1) {
            assert_int_equal(f1, f2);
            assert_int_equal(s1, s2);
        }
    }
}

/* Inputs protected: each is refused as an output, another file is not, and a file protected
 * after the first question is refused too. In a child: the protected list is the process's. */
static void test_output_protect(void **state)
{
    (void)state;
    char dir[] = "/tmp/rbprot-XXXXXX";
    assert_non_null(mkdtemp(dir));
    enum { N = 300 };
    char path[N + 2][64];
    for (int i = 0; i < N + 2; i++) {
        snprintf(path[i], sizeof path[i], "%s/f%d.txt", dir, i);
        tu_write(path[i], "x", 1);
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* path[1..N] protected first (not in the order of their inodes), path[N + 1] never,
         * path[0], made first (the smallest inode, as a rule), only after a question */
        int bad = 0;
        for (int i = 0; i < N; i++)
            rb_output_protect(path[1 + (i * 7) % N]);
        for (int i = 1; i < N + 2; i++) {
            rb_atomic a;
            rb_error err;
            rb_error_clear(&err);
            rb_status st = rb_atomic_open(&a, path[i], &err);
            if (st == RB_OK)
                rb_atomic_abort(&a);
            if ((i <= N) != (st == RB_EUSAGE))
                bad = 1;
        }
        rb_output_protect(path[0]);
        rb_atomic a;
        rb_error err;
        rb_error_clear(&err);
        if (rb_atomic_open(&a, path[0], &err) != RB_EUSAGE)
            bad = 1;
        else if (!strstr(err.message, "is an input of this run"))
            bad = 1;
        _exit(bad);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    for (int i = 0; i < N + 2; i++)
        unlink(path[i]);
    rmdir(dir);
}

/* The reference bigrams' table gives every bigram of the built-in list its count, and 0 to
 * what the list lacks: its neighbours, the pair turned round, characters outside the BMP. */
extern const uint32_t rb_refbigram[], rb_refbigram_n[], rb_refchar[], rb_refchar_n[];
extern const size_t rb_nrefbigram, rb_nrefchar;
static void test_reference_table(void **state)
{
    (void)state;
    assert_true(rb_nrefbigram > 1000);
    size_t mask;
    const rb_refslot *t = rb_ref_table(&mask);
    assert_true(mask + 1 >= 4 * rb_nrefbigram); /* a quarter full at most */
    size_t absent = 0;
    for (size_t i = 0; i < rb_nrefbigram; i++) {
        uint32_t a = rb_refbigram[i] >> 16, b = rb_refbigram[i] & 0xFFFF;
        assert_int_equal(rb_ref_lookup(t, mask, a, b), rb_refbigram_n[i]);
        assert_int_equal(rb_ref_bigram(a, b), rb_refbigram_n[i]);
        /* the keys are sorted: a neighbour not in the list is absent */
        uint32_t k = rb_refbigram[i] + 1;
        if (i + 1 < rb_nrefbigram && rb_refbigram[i + 1] != k && (k & 0xFFFF)) {
            assert_int_equal(rb_ref_lookup(t, mask, k >> 16, k & 0xFFFF), 0);
            absent++;
        }
    }
    assert_true(absent > 100);
    assert_int_equal(rb_ref_lookup(t, mask, 0x20000, 0x4E00), 0);
    assert_int_equal(rb_ref_lookup(t, mask, 0, 0), 0);
    /* the characters' bitmap: each listed one, and a neighbour not listed */
    assert_true(rb_nrefchar > 1000);
    absent = 0;
    for (size_t i = 0; i < rb_nrefchar; i++) {
        assert_int_equal(rb_ref_has_char(rb_refchar[i]), rb_refchar_n[i] > 0);
        uint32_t c = rb_refchar[i] + 1;
        if (i + 1 < rb_nrefchar && rb_refchar[i + 1] != c) {
            assert_int_equal(rb_ref_has_char(c), 0);
            absent++;
        }
    }
    assert_true(absent > 100);
    assert_int_equal(rb_ref_has_char(0x10000 + rb_refchar[0]), 0);
}

static void test_input_read(void **state)
{
    (void)state;
    char dir[] = "/tmp/rbread-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/t.txt", dir);
    size_t sizes[] = {0, 1, 4095, 4096, 4097, 65536, 65537, 300001};
    char *data = malloc(300001);
    assert_non_null(data);
    for (size_t i = 0; i < 300001; i++)
        data[i] = (char)('a' + i % 23);
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        tu_write(path, data, sizes[k]);
        read_back(path, data, sizes[k], NULL, RB_OK);
        /* the limit: the size itself passes, one byte less refuses */
        rb_limits lim;
        rb_limits_default(&lim);
        lim.max_bytes = sizes[k];
        read_back(path, data, sizes[k], &lim, RB_OK);
        if (sizes[k]) {
            lim.max_bytes = sizes[k] - 1;
            read_back(path, data, sizes[k], &lim, RB_ELIMIT);
        }
    }
    unlink(path);
    rmdir(dir);
    free(data);
    /* a size of 0 that is not the file's: read to the end */
    char *b = NULL;
    size_t n = 0;
    rb_error err;
    rb_error_clear(&err);
    if (rb_input_read("/proc/self/status", NULL, &b, &n, &err) == RB_OK) {
        assert_true(n > 0);
        assert_non_null(strstr(b, "Name:"));
        assert_non_null(strstr(b, "Pid:"));
    } else {
        print_message("no /proc/self/status: its read is not checked\n");
    }
    free(b);
}

static void test_source_encodings(void **state)
{
    (void)state;
    const char *utf8 = "第一章 总则\n一、为了规范工作。\n";
    rb_source *src = NULL;
    rb_error err;
    rb_error_clear(&err);
    /* UTF-16LE with BOM */
    const unsigned char u16[] = {0xFF, 0xFE, 0x2C, 0x7B, 0x00, 0x4E, 0x0A, 0x00};
    assert_int_equal(rb_source_from_bytes("x", (const char *)u16, sizeof u16, NULL, &src, &err),
                     RB_OK);
    assert_string_equal(src->text, "第一\n");
    assert_string_equal(src->encoding, "UTF-16LE");
    rb_source_free(src);
    /* GB18030 (第一章 总则 ...) */
    const unsigned char gb[] = {0xB5, 0xDA, 0xD2, 0xBB, 0xD5, 0xC2, 0x20, 0xD7, 0xDC, 0xD4,
                                0xF2, 0x0A, 0xD2, 0xBB, 0xA1, 0xA2, 0xCE, 0xAA, 0xC1, 0xCB};
    assert_int_equal(rb_source_from_bytes("x", (const char *)gb, sizeof gb, NULL, &src, &err),
                     RB_OK);
    assert_string_equal(src->encoding, "GB18030");
    assert_non_null(strstr(src->text, "第一章 总则"));
    rb_source_free(src);
    /* UTF-8 with BOM: the BOM is not text */
    char bom[128];
    snprintf(bom, sizeof bom, "\xEF\xBB\xBF%s", utf8);
    assert_int_equal(rb_source_from_bytes("x", bom, strlen(bom), NULL, &src, &err), RB_OK);
    assert_string_equal(src->text, utf8);
    assert_string_equal(src->encoding, "UTF-8+BOM");
    assert_int_equal(src->nlines, 2);
    rb_source_free(src);
}

/* The bytes b[0, n) read back as UTF-8 are text[0, len), told as `name` (NULL: refused as
 * encoding-invalid). */
static void expect_decoded(const char *b, size_t n, const char *text, size_t len, const char *name)
{
    rb_source *src = NULL;
    rb_error err;
    rb_error_clear(&err);
    rb_status st = rb_source_from_bytes("x", b, n, NULL, &src, &err);
    if (name) {
        assert_int_equal(st, RB_OK);
        assert_string_equal(src->encoding, name);
        assert_int_equal(src->len, len);
        assert_memory_equal(src->text, text, len);
        rb_source_free(src);
    } else {
        assert_int_equal(st, RB_EENCODING);
        assert_null(src);
        assert_string_equal(err.rule, "encoding-invalid");
    }
}

/* `line` repeated past 2 MB after one ASCII byte, and `tail` once, in encoding enc: read back
 * as UTF-8 it is the text, told as `name` (NULL: refused as encoding-invalid); the byte at
 * `poison` from the end (0: none) made `byte` first. */
static void legacy_long(const char *lead, size_t pad, const char *line, const char *tail,
                        const char *enc, int poison, unsigned char byte, const char *name)
{
    rb_buf t;
    rb_buf_init(&t);
    const char *ascii = "Lorem ipsum dolor sit amet, consectetur adipiscing elit 0123456789\n";
    rb_buf_puts(&t, lead);
    for (size_t k = 0; k < pad; k++) /* ASCII lines before the Chinese */
        rb_buf_puts(&t, ascii);
    rb_buf_putc(&t, 'A'); /* the characters at odd offsets: the sample ends inside one */
    while (t.len < 2000000 + pad * strlen(ascii))
        rb_buf_puts(&t, line);
    rb_buf_puts(&t, tail);
    size_t n;
    char *b = tu_iconv_to(enc, t.data, t.len, &n);
    assert_true(n > ((size_t)1 << 20));
    if (!pad)
        assert_true((unsigned char)b[((size_t)1 << 20) - 1] >= 0x81); /* a first byte */
    if (poison)
        b[n - (size_t)poison] = (char)byte;
    expect_decoded(b, n, t.data, t.len, name);
    free(b);
    rb_buf_free(&t);
}

/* A legacy-encoded text longer than the sample its encoding is told from (1 MiB), the sample
 * cut inside a character: GB18030 and Big5 copies decode to the text; a Big5 one that GB18030
 * reads too (into rare characters) is Big5; one whose euro sign (CP950's, not BIG5-HKSCS's)
 * comes after the sample is CP950's; a byte further on that no encoding has, or a character
 * cut at the end, is refused (the whole is converted, not the sample only). After more than
 * the sample of ASCII, the text is told all the same. */
static void test_source_legacy_long(void **state)
{
    (void)state;
    /* (94 bytes a line in both encodings: even) */
    const char *gov = "第一條為了規範市人民政府的工作制度，提高行政效能，根據有關法律法規，"
                      "結合本市實際，制定本規則。 \n";
    /* (Big5 first bytes 0xB0 and over: GB18030 reads them as characters too) */
    const char *rare = "規範會議處理報請務機構總編議關。 \n";
    legacy_long("", 0, gov, "", "GB18030", 0, 0, "GB18030");
    legacy_long("", 0, gov, "", "BIG5-HKSCS", 0, 0, "Big5");
    legacy_long("", 0, rare, "", "BIG5-HKSCS", 0, 0, "Big5");
    legacy_long("", 0, gov, "€。\n", "CP950", 0, 0, "Big5");
    legacy_long("", 0, gov, "", "GB18030", 100, 0xFF, NULL);
    legacy_long("", 0, gov, "", "GB18030", 1, 0xB5, NULL);
    /* more than the sample of ASCII first (the sample starts at the first line that is not
     * UTF-8); a few characters before it (the sample reads as no Chinese text: the whole
     * decides) */
    legacy_long("", 20000, gov, "", "GB18030", 0, 0, "GB18030");
    legacy_long("", 20000, rare, "", "BIG5-HKSCS", 0, 0, "Big5");
    legacy_long("規則\n", 20000, gov, "", "GB18030", 0, 0, "GB18030");
}

/* text in encoding enc: read back as UTF-8 it is the text, told as `name` (NULL: refused as
 * encoding-invalid) */
static void legacy_short(const char *text, const char *enc, const char *name)
{
    size_t n;
    char *b = tu_iconv_to(enc, text, strlen(text), &n);
    assert_non_null(b);
    expect_decoded(b, n, text, strlen(text), name);
    free(b);
}

/* A legacy-encoded text with the other characters of its character set beside the Han ones
 * is told all the same: a copy annotated with pinyin throughout (one letter in eight of its
 * characters is a pinyin one), circled numbers, ℃, ≥, ㎡, Bopomofo. One that is mostly such
 * characters is no Chinese text. */
static void test_source_legacy_companions(void **state)
{
    (void)state;
    legacy_short("第一條 為了規(guī)範(fàn)市人民政府的工作,根據(jù)有關(guān)法律法規(guī),制定本規(guī)則。\n"
                 "二、市政府會(huì)議(yì)一般每月召開(kāi)兩次。\n",
                 "GB18030", "GB18030");
    legacy_short("一、会议议题:①传达;②研究;③讨论;④审议;⑤通报。\n", "GB18030", "GB18030");
    legacy_short("二、会场温度≥18℃,≤26℃,Ⅰ类Ⅱ类±2。\n", "GB18030", "GB18030");
    legacy_short("一、會議議題︰︵一︶傳達文件;ㄅ、研究工作;ㄆ、其他事項。注音ㄓㄨˋ ㄧㄣ,聲調ˉˊˇˋ˙ˊˇˋ。\n",
                 "BIG5-HKSCS", "Big5");
    legacy_short("第一条规定如下āáǎà①②③④ⅠⅡⅢ×÷±āáǎàēéěè①②③④ⅠⅡⅢ×÷±。\n", "GB18030", NULL);
}

/* A traditional source held as its view plus where the two differ reads back the same bytes
 * over every range (a character cut at either end included), counts the same columns, and
 * turns the view's buffer back into itself; where the view is longer than the source at some
 * point it is not held this way and the text stays. */
static void compact_roundtrip(const char *one, int reps, int expect)
{
    char *text = malloc(strlen(one) * (size_t)reps + 1);
    text[0] = 0;
    for (int k = 0; k < reps; k++) /* past several blocks of the rank index (512 bytes) */
        strcat(text, one);
    rb_source *src = NULL;
    rb_view *v = view_of(text, strlen(text), &src);
    size_t n = src->len;
    unsigned *line0 = malloc((n + 1) * sizeof *line0), *col0 = malloc((n + 1) * sizeof *col0);
    for (size_t off = 0; off <= n; off++)
        rb_source_linecol(src, off, &line0[off], &col0[off]);
    char *orig = malloc(n + 1);
    memcpy(orig, src->text, n + 1);
    int ok = rb_source_compact(src, v);
    assert_int_equal(ok, expect);
    if (!ok) {
        assert_null(src->patch);
        assert_memory_equal(src->text, orig, n + 1);
    } else {
        assert_null(src->text);
        char *out = malloc(n + 1);
        for (size_t a = 0; a <= n; a++)
            for (size_t z = a; z <= n; z = z < a + 80 ? z + 1 : z + 97) {
                memset(out, '#', n);
                rb_source_copy(src, a, z, out);
                assert_memory_equal(out, orig + a, z - a);
                if (z < n)
                    assert_int_equal(out[z - a], '#'); /* nothing written past z */
            }
        for (size_t off = 0; off < n; off++)
            assert_int_equal(rb_source_byte(src, off), (unsigned char)orig[off]);
        for (size_t off = 0; off <= n; off++) {
            unsigned line, col;
            rb_source_linecol(src, off, &line, &col);
            assert_int_equal(line, line0[off]);
            assert_int_equal(col, col0[off]);
        }
        free(out);
        v->text = rb_source_restore(src, v->text);
        assert_ptr_equal(src->text, v->text);
        assert_null(src->patch);
        assert_memory_equal(src->text, orig, n + 1);
        v->text = NULL; /* the source's */
    }
    rb_view_free(v);
    rb_source_free(src);
    free(orig);
    free(line0);
    free(col0);
    free(text);
}

static void test_source_compact(void **state)
{
    (void)state;
    /* characters for characters of the same length; ASCII, 2- and 4-byte characters kept */
    compact_roundtrip("國務院關於 é 𠀀 會議,由市長簽發。\n第二條 市政府實行市長負責制,"
                      "各部門應當嚴格執行。 abcdefghijklmnopqrstuvwxyz0123456789 國國國\n",
                      7, 1);
    /* the view shorter: CR LF, full-width forms, a dropped zero-width space, at the start and
     * the end too */
    compact_roundtrip("\r\nab（一）國務院\xE2\x80\x8B會議；\r\n第二條　市政府，ＡＢ\r\n", 20, 1);
    compact_roundtrip("會議（二）", 1, 1);
    /* full-width forms (a bit of their map entry each) next to folds of another length that
     * keep their bytes: a small-form comma, NBSP, a zero-width space, CR LF, ～ at the end */
    compact_roundtrip("﹐，\xC2\xA0　\xE2\x80\x8B，會\r\n，議\xE2\x80\x8B；（\r\n）１～", 9, 1);
    compact_roundtrip("，", 1, 1);
    /* one simplified character for two traditional ones (发: 發 and 髮, 干: 幹 and 乾, 里: 裡
     * and 裏): the first the text used is the rule, the other kept as it is, at a range's
     * edge too (the view's character read where the range does not hold it) */
    compact_roundtrip("頭髮發展,幹部乾燥;裡外裏面。髮發\n", 80, 1); /* past 512 of them */
    compact_roundtrip("發髮", 1, 1);
    /* a lone CR (an old Mac file's line end; the view has LF, at the same length): a
     * one-byte substitution, among CR LF and LF, before a CR LF (CR CR LF, a copy converted
     * twice), at the start and as the last byte */
    compact_roundtrip("\r國務院\r會議\r\r第二條\r\n市政府，\n發\r\r\n會\r", 20, 1);
    compact_roundtrip("國\r", 1, 1);
    /* the view longer (㌂ reads アンペア): not held this way */
    compact_roundtrip("國務院㌂會議\n", 3, 0);
}

/* A compacted source past 64 KiB, its punctuation full-width (a replacement every few
 * characters, their offsets and deltas 32-bit): every byte and the ranges near its end read
 * as the source's, and it is given back whole. */
static void test_source_compact_far_in(void **state)
{
    (void)state;
    rb_buf t;
    rb_buf_init(&t);
    for (int k = 0; k < 9000; k++) /* (the view 72,000 bytes shorter at the end) */
        rb_buf_puts(&t, "國務院，會議；市長簽發（一）。\n");
    rb_source *src = NULL;
    rb_view *v = view_of(t.data, t.len, &src);
    size_t n = src->len;
    assert_true(n - v->len > 65536);
    char *orig = malloc(n + 1);
    memcpy(orig, src->text, n + 1);
    assert_int_equal(rb_source_compact(src, v), 1);
    for (size_t off = 0; off < n; off++)
        if (rb_source_byte(src, off) != (unsigned char)orig[off])
            fail_msg("byte %zu differs", off);
    char *out = malloc(n + 1);
    for (size_t a = n - 4000; a < n; a += 37) {
        rb_source_copy(src, a, n, out);
        assert_memory_equal(out, orig + a, n - a);
    }
    v->text = rb_source_restore(src, v->text);
    assert_memory_equal(src->text, orig, n + 1);
    v->text = NULL; /* the source's */
    free(out);
    free(orig);
    rb_view_free(v);
    rb_source_free(src);
    rb_buf_free(&t);
}

/* The bytes a compacted source of `reps` copies of `line` holds, and its view's map entries;
 * the source restored reads as it was. */
static size_t compacted_held(const char *line, int reps, size_t *nmap)
{
    rb_buf t;
    rb_buf_init(&t);
    for (int k = 0; k < reps; k++)
        rb_buf_puts(&t, line);
    rb_source *src = NULL;
    rb_view *v = view_of(t.data, t.len, &src);
    *nmap = v->nmap;
    assert_int_equal(rb_source_compact(src, v), 1);
    size_t held = rb_source_held(src);
    v->text = rb_source_restore(src, v->text);
    assert_memory_equal(src->text, t.data, t.len + 1);
    v->text = NULL; /* the source's */
    rb_view_free(v);
    rb_source_free(src);
    rb_buf_free(&t);
    return held;
}

/* A full-width form the view has in ASCII (，；（）ＡＢ１２ and the ideographic space), and a
 * CR LF the view has as LF, cost a compacted source a bit of its map entry, not a replacement
 * with its bytes: 9,000 lines of them are held in their ASCII (LF) twin's bytes and less than
 * one more a mark. A substituted character, and a lone CR, cost less than a quarter of a
 * byte. */
static void test_source_compact_width_forms(void **state)
{
    (void)state;
    size_t m0, m1, m2;
    size_t h0 = compacted_held("國務院,會議;市長簽發(一)AB12 第\n", 9000, &m0);
    size_t h1 = compacted_held("國務院，會議；市長簽發（一）ＡＢ１２　第\n", 9000, &m1);
    size_t h2 = compacted_held("國務院,會議;市長簽發(一)AB12 第\r\n", 9000, &m2);
    assert_int_equal(m0, 0);
    assert_int_equal(m1, 9000 * 9);
    assert_true(h1 > h0);
    assert_true(h1 - h0 < m1);
    assert_int_equal(m2, 9000);
    assert_true(h2 > h0);
    assert_true(h2 - h0 < m2);
    /* a lone CR (the view's LF, of the same length: no map entry) costs less than a quarter
     * of a byte: a substitution of '\r' for '\n' */
    size_t m5;
    size_t h5 = compacted_held("國務院,會議;市長簽發(一)AB12 第\r", 9000, &m5);
    assert_int_equal(m5, 0);
    assert_true(h5 > h0);
    assert_true(h5 - h0 < 9000 / 4);
    /* a traditional character for the view's simplified one (國務會議長簽發, seven a line)
     * costs a bit where the text uses it throughout, not its two bytes: against its
     * simplified twin (a full-width comma each, so that both are held so) */
    size_t m3, m4;
    size_t h3 = compacted_held("國務院,會議;市長簽發(一)AB12 第，\n", 9000, &m3);
    size_t h4 = compacted_held("国务院,会议;市长签发(一)AB12 第，\n", 9000, &m4);
    assert_int_equal(m3, 9000);
    assert_int_equal(m4, 9000);
    assert_true(h3 > h4);
    assert_true(h3 - h4 < 7 * 9000 / 4);
}

/* An integer map starts small and grows by doubling: every key put (0, negative ones, and
 * keys that share their hash's top bits) is found again with its value after each growth,
 * once, and a key never put is absent. */
static void test_omap(void **state)
{
    (void)state;
    rb_omap m = {0};
    assert_int_equal(rb_omap_get(&m, 7), (size_t)-1);
    for (long i = 0; i < 3000; i++) {
        long key = (i % 3 == 0 ? -i : i * 1024) + (i & 1);
        int fresh;
        size_t *v = rb_omap_slot(&m, key, &fresh);
        assert_true(fresh);
        *v = (size_t)i + 1;
        if ((i & (i + 1)) == 0 || i % 97 == 0) /* after the growths and between them */
            for (long j = 0; j <= i; j++) {
                long kj = (j % 3 == 0 ? -j : j * 1024) + (j & 1);
                assert_int_equal(rb_omap_get(&m, kj), (size_t)j + 1);
                assert_false(rb_omap_slot(&m, kj, &fresh) == NULL);
                assert_false(fresh);
            }
    }
    assert_int_equal(m.n, 3000);
    assert_int_equal(rb_omap_get(&m, 5), (size_t)-1);
    rb_omap_free(&m);
}

/* rb_source_linecol keeps a cursor on the line last asked, and tries that line and the next
 * before it searches: offsets asked in any order, on the same line ahead of it and behind it,
 * nearer its start or the cursor, on the next line (an empty one too) and on others, and
 * inside a character, give the line, and the column counted from the line's start. */
static void test_linecol_cursor(void **state)
{
    (void)state;
    const char *text = "第一条 ab é 𠀀 市政府,由市长签发。第二条 国务院\n\n一、xyz 会议\n"
                       "(一)讨论 é 𠀀 决定\n";
    rb_source *src = NULL;
    rb_view *v = view_of(text, strlen(text), &src);
    size_t n = src->len;
    for (size_t step = 1; step < 64; step += 6) /* the offsets in several orders */
        for (size_t k = 0; k < n; k++) {
            size_t off = (k * step * 37 + step) % n;
            size_t ls = 0, line = 1;
            for (size_t i = 0; i < off; i++)
                if (src->text[i] == '\n')
                    ls = i + 1, line++;
            unsigned want = 1;
            for (size_t i = ls; i < off; i++)
                want += ((unsigned char)src->text[i] & 0xC0) != 0x80;
            unsigned l, c;
            rb_source_linecol(src, off, &l, &c);
            assert_int_equal(l, line);
            assert_int_equal(c, want);
        }
    rb_view_free(v);
    rb_source_free(src);
}

/* ---- grammar ------------------------------------------------------------------------------- */

/* Every pattern has examples; each must match and each `not:` must not. The loader checks the
 * same, but this test names every pattern and fails when one has no example at all. */
static void test_grammar_examples(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    assert_true(g->npatterns >= 10);
    size_t ov[40];
    rb_error err;
    for (size_t i = 0; i < g->npatterns; i++) {
        const rb_pattern *p = &g->patterns[i];
        if (p->nexamples == 0)
            fail_msg("pattern %s has no examples", p->id);
        for (size_t k = 0; k < p->nexamples; k++) {
            size_t n;
            char *t = rb_normalize_str(p->examples[k], strlen(p->examples[k]), 1, &n);
            if (rb_pattern_match(g, p, t, n, 0, ov, 20, &err) != 1)
                fail_msg("pattern %s does not match its example '%s'", p->id, p->examples[k]);
            free(t);
        }
        for (size_t k = 0; k < p->ncounter; k++) {
            size_t n;
            char *t = rb_normalize_str(p->counter[k], strlen(p->counter[k]), 1, &n);
            if (rb_pattern_match(g, p, t, n, 0, ov, 20, &err) != 0)
                fail_msg("pattern %s matches '%s'", p->id, p->counter[k]);
            free(t);
        }
    }
    rb_grammar_free(g);
}

/* The document of text[0..n) compiled without a sidecar, its diagnostics into diags. */
static rb_doc *compile_bytes_diags(rb_grammar *g, const char *text, size_t n, rb_diags *diags)
{
    rb_doc *d = NULL;
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    o.no_meta = 1;
    rb_error err;
    rb_error_clear(&err);
    assert_int_equal(rb_compile_bytes(g, "t.txt", text, n, &o, &d, diags, &err), RB_OK);
    return d;
}

/* The document of a text compiled without a sidecar (its diagnostics dropped). */
static rb_doc *compile_text(rb_grammar *g, const char *text)
{
    rb_diags diags;
    rb_diags_init(&diags);
    rb_doc *d = compile_bytes_diags(g, text, strlen(text), &diags);
    rb_diags_free(&diags);
    return d;
}

/* A fact across a line break of a CR LF or CR copy: its text and its fields' words give the
 * line end as LF, as its LF twin's do. */
static void test_fact_words_line_ends(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    static const char *const texts[] = {
        "某市人民政府工作规则\r\n一、市人民政府常务会议由市长、副市长、\r\n秘书长组成,"
        "一般每月召开一次,根据工作需要\r\n也可临时召开。\r\n",
        "某市人民政府工作规则\r一、市人民政府常务会议由市长、副市长、\r秘书长组成,"
        "一般每月召开一次,根据工作需要\r也可临时召开。\r"};
    for (size_t k = 0; k < 2; k++) {
        rb_doc *d = compile_text(g, texts[k]);
        int members = 0, as_needed = 0;
        for (size_t i = 0; i < d->facts->n; i++) {
            const rb_fact *f = &d->facts->v[i];
            assert_null(strchr(f->text, '\r'));
            if (strcmp(f->rule, "meeting-as-needed") == 0) {
                assert_string_equal(f->text, "根据工作需要\n也可临时召开");
                as_needed++;
            }
            const rb_field *x = rb_fact_field(f, "members");
            if (x && x->words) {
                assert_string_equal(x->words, "市长、副市长、\n秘书长");
                members++;
            }
        }
        assert_true(as_needed >= 1 && members >= 1);
        rb_doc_free(d);
    }
    rb_grammar_free(g);
}

/* A site's hidden watermark (zero-width characters, a soft hyphen, a BOM inside the text) in
 * the title, the document number, the issuer or the adopting meeting is not part of them:
 * the title still names the jurisdiction and its level. */
static void test_metadata_invisible(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    rb_doc *d = compile_text(g, "某\u200B省人民\u200D政府工作\u00AD规则\n某政〔2018〕\u2060" "54号\n"
                                "《某省人民政府工作规则》已经\uFEFF省人民政府常务会议审议通过,现予印发。\n"
                                "某省人\u200C民政府\n2018年11月1日\n一、为了规范工作,制定本规则。\n");
    assert_string_equal(d->title, "某省人民政府工作规则");
    assert_string_equal(d->docnumber, "某政〔2018〕54号");
    assert_string_equal(d->adopted, "省人民政府常务会议");
    assert_string_equal(d->issuer, "某省人民政府");
    rb_doc_guess_place(d); /* (compile_text reads no sidecar, and guesses nothing) */
    assert_string_equal(d->jurisdiction, "某省");
    assert_string_equal(d->level, "province");
    rb_doc_free(d);
    char s[] = "a\u200Bb\u200Ec\u200Fd\u00AD\uFEFFe\u2060f\u2061g";
    assert_string_equal(rb_drop_invisible(s), "abcdef\u2061g");
    rb_grammar_free(g);
}

/* A title spaced out for display still names the rulebook and its place: the spaces between
 * Han characters go from the title (only there), and 工 作 规 则 is still a title. */
static void test_metadata_spaced_title(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    static const struct {
        const char *text, *title, *place, *level;
    } C[] = {
        {"某 县 人 民 政 府 工 作 规 则\n一、为了规范工作。\n", "某县人民政府工作规则", "某县", "county"},
        {"某市人民政府\u3000工作规则(试行)\n一、为了规范工作。\n", "某市人民政府工作规则(试行)",
         "某市", "city"},
        {"\u3000某 区 人 民 政 府  工 作 规 程 \n一、为了规范工作。\n", "某区人民政府工作规程", "某区",
         "district"},
    };
    for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
        rb_doc *d = compile_text(g, C[i].text);
        assert_non_null(d->title);
        assert_string_equal(d->title, C[i].title);
        rb_doc_guess_place(d);
        assert_string_equal(d->jurisdiction, C[i].place);
        assert_string_equal(d->level, C[i].level);
        rb_doc_free(d);
    }
    /* only the space between two Han characters: Latin words, and a space at either end or
     * next to punctuation, stay */
    /* a text spaced out character by character, and one with only its headings spaced */
    rb_buf t;
    rb_buf_init(&t);
    for (int i = 0; i < 40; i++)
        rb_buf_puts(&t, "第 一 条 为 了 规 范 工 作,制 定 本 规 则。\n");
    assert_int_equal(rb_letter_spaced(t.data, t.len), 1);
    t.len = 0;
    for (int i = 0; i < 40; i++)
        rb_buf_puts(&t, "第一章 总 则\n第一条 为了规范工作,制定本规则。\n");
    assert_int_equal(rb_letter_spaced(t.data, t.len), 0);
    assert_int_equal(rb_letter_spaced("第 一 条 为 了", strlen("第 一 条 为 了")), 0); /* too few */
    rb_buf_free(&t);
    char s[] = "某 市 A B 规则 (试行) 第 3 条\u3000\u3000工作 ";
    assert_string_equal(rb_join_spaced(s), "某市 A B 规则 (试行) 第 3 条工作 ");
    rb_grammar_free(g);
}

/* The spans of the model's blocks are 32-bit: points far into a text (past 64 KiB) keep their
 * numbers and texts where they are (a span narrowed to 16 bits went unseen by every other
 * test). The first article is a long paragraph. */
static void test_points_far_in(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    rb_buf t;
    rb_buf_init(&t);
    rb_buf_puts(&t, "某市人民政府工作规则\n一、");
    tu_put_long_paragraph(&t);
    rb_buf_puts(&t, "\n二、会议分为:\n(一)全体会议;\n(二)常务会议。\n");
    rb_doc *d = compile_text(g, t.data);
    assert_int_equal(d->narticles, 2);
    const rb_article *a = &d->articles[1];
    assert_int_equal(a->nblocks, 3);
    static const char *const num[] = {"", "(一)", "(二)"}, *const text[] = {"会议分为:", "全体会议;", "常务会议。"};
    for (size_t k = 0; k < 3; k++) {
        const rb_block *b = &d->blocks[a->first_block + k];
        assert_true(b->text.off > 65536);
        assert_int_equal(b->kind, k ? RB_BLOCK_POINT : RB_BLOCK_P);
        char *n = rb_doc_norm(d, rb_span_of(b->num)), *x = rb_doc_norm(d, rb_span_of(b->text));
        assert_string_equal(n, num[k]);
        assert_string_equal(x, text[k]);
        assert_int_equal(b->line, (unsigned)(k + 3));
        free(n);
        free(x);
    }
    rb_doc_free(d);
    rb_buf_free(&t);
    rb_grammar_free(g);
}

/* Full-width punctuation past 64 KiB: the view is shorter than the source there, and its map
 * to the source holds the offsets (32-bit) as the parse walks its lines */
static void test_fullwidth_far_in(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    rb_buf t;
    rb_buf_init(&t);
    rb_buf_puts(&t, "某市人民政府工作规则\n一、");
    for (int i = 0; i < 2000; i++)
        rb_buf_puts(&t, "本规则所称工作，包括市人民政府的各项日常事务。");
    rb_buf_puts(&t, "\n二、会议分为：（一）全体会议；\n");
    rb_doc *d = compile_text(g, t.data);
    assert_true(d->view->len < d->src->len);
    assert_int_equal(d->narticles, 2);
    assert_int_equal(d->articles[0].nblocks, 1); /* (the first line one block) */
    const rb_article *a = &d->articles[1];
    assert_int_equal(a->line, 3);
    const rb_block *b = &d->blocks[a->first_block];
    assert_true(b->text.off > 65536);
    char *x = rb_doc_norm(d, rb_span_of(b->text)), *o = rb_doc_text(d, rb_span_of(b->text));
    assert_non_null(strstr(x, "会议分为:"));
    assert_non_null(strstr(o, "会议分为："));
    unsigned line, col;
    rb_doc_linecol(d, b->text.off, &line, &col);
    assert_int_equal(line, 3);
    assert_int_equal(col, 3);
    free(x);
    free(o);
    rb_doc_free(d);
    rb_buf_free(&t);
    rb_grammar_free(g);
}

/* An article of more than 65,536 lines: the blocks past it are counted and found (an
 * article's block index and count are 32-bit) */
static void test_blocks_past_65536(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    rb_buf t;
    rb_buf_init(&t);
    rb_buf_puts(&t, "某市人民政府工作规则\n一、");
    for (size_t k = 1; k <= 70000; k++)
        rb_buf_printf(&t, "第%zu项工作按时完成。\n", k);
    rb_buf_puts(&t, "二、尾款按期支付。\n");
    rb_doc *d = compile_text(g, t.data);
    assert_int_equal(d->narticles, 2);
    assert_int_equal(d->articles[0].nblocks, 70000);
    const rb_article *a = &d->articles[1];
    assert_int_equal(a->first_block, d->articles[0].first_block + 70000);
    assert_int_equal(a->nblocks, 1);
    assert_int_equal(a->line, 70002);
    const rb_block *b = &d->blocks[a->first_block];
    char *x = rb_doc_norm(d, rb_span_of(b->text));
    assert_string_equal(x, "尾款按期支付。");
    assert_int_equal(b->line, 70002);
    free(x);
    rb_doc_free(d);
    rb_buf_free(&t);
    rb_grammar_free(g);
}

/* A text of n articles 第k条 on one line (sep ' ') or a line each (sep '\n'), a pinyin
 * annotation in the first: compiled, its diagnostics counted by rule into *limit_warnings. */
static rb_doc *articles_text(rb_grammar *g, size_t n, char sep, size_t *limit_warnings)
{
    rb_buf b;
    rb_buf_init(&b);
    rb_buf_puts(&b, "某市人民政府工作规则\n第1条 本规(guī)则自印发之日起施行。");
    for (size_t k = 2; k <= n; k++)
        rb_buf_printf(&b, "%c第%zu条 市政府每月开会。", sep, k);
    rb_buf_puts(&b, "\n");
    rb_diags diags;
    rb_diags_init(&diags);
    rb_doc *d = compile_bytes_diags(g, b.data, b.len, &diags);
    *limit_warnings = 0;
    for (size_t i = 0; i < diags.n; i++)
        if (strcmp(diags.items[i].rule, "line-units-limit") == 0) {
            assert_int_equal(diags.items[i].severity, RB_WARNING);
            assert_int_equal(diags.items[i].line, 2);
            (*limit_warnings)++;
        }
    rb_diags_free(&diags);
    rb_buf_free(&b);
    return d;
}

/* A copy that lost its line breaks: every article found on the one line, as on lines of their
 * own (the cuts of a line were bounded by 256: 300 articles gave 256 + 1), with inline junk in
 * it; past 4,096 places on a line the rest is text, and a warning says so (not at 4,096). */
static void test_one_line_units(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    size_t w;
    rb_doc *lines = articles_text(g, 300, '\n', &w);
    assert_int_equal(w, 0);
    rb_doc *one = articles_text(g, 300, ' ', &w);
    assert_int_equal(w, 0);
    assert_int_equal(lines->narticles, 300);
    assert_int_equal(one->narticles, 300);
    for (size_t i = 0; i < 300; i++) {
        assert_int_equal(one->articles[i].ordinal, (long)i + 1);
        /* the same text in each article (the line's pieces cut from its copy without junk) */
        rb_buf x, y;
        rb_buf_init(&x);
        rb_buf_init(&y);
        for (size_t q = 0; q < one->articles[i].nblocks; q++)
            rb_doc_append_norm(one, rb_span_of(one->blocks[one->articles[i].first_block + q].text), &x, NULL, NULL);
        for (size_t q = 0; q < lines->articles[i].nblocks; q++)
            rb_doc_append_norm(lines, rb_span_of(lines->blocks[lines->articles[i].first_block + q].text), &y, NULL, NULL);
        assert_int_equal(x.len, y.len);
        assert_memory_equal(x.data, y.data, x.len);
        rb_buf_free(&x);
        rb_buf_free(&y);
    }
    rb_doc_free(lines);
    rb_doc_free(one);
    /* 4,096 places (4,097 articles) are all looked at; one more is not, and said */
    rb_doc *all = articles_text(g, 4097, ' ', &w);
    assert_int_equal(w, 0);
    assert_int_equal(all->narticles, 4097);
    rb_doc_free(all);
    rb_doc *many = articles_text(g, 4098, ' ', &w);
    assert_int_equal(w, 1);
    assert_int_equal(many->narticles, 4097);
    rb_doc_free(many);
    rb_grammar_free(g);
}

/* The mapping /proc/self/smaps gives for the address p: its range and whether THP may back it
 * (THPeligible). 0 when there is no such line (no /proc, an old kernel). */
static int mapping_of(const void *p, uintptr_t *start, uintptr_t *end, int *eligible)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return 0;
    char line[512];
    int in = 0, found = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long a, b;
        if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            in = (uintptr_t)p >= a && (uintptr_t)p < b;
            if (in) {
                *start = a;
                *end = b;
            }
        } else if (in && strncmp(line, "THPeligible:", 12) == 0) {
            *eligible = atoi(line + 12);
            found = 1;
            break;
        }
    }
    fclose(f);
    return found;
}

/* A block of 4 MB and more is advised for huge pages as one mapping: the advice covers all of
 * it (advice on a part splits the mapping, which then cannot be grown in place), and it stays
 * so as realloc grows it. Skipped where the kernel offers no THP on advice. */
/* Whether the kernel backs advised memory with transparent huge pages. */
static int thp_on_advice(void)
{
    char mode[128] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f) {
        if (!fgets(mode, sizeof mode, f))
            mode[0] = 0;
        fclose(f);
    }
    return strstr(mode, "[madvise]") || strstr(mode, "[always]");
}

static void test_huge_blocks(void **state)
{
    (void)state;
    if (!thp_on_advice()) {
        print_message("no transparent huge pages on advice here: not checked\n");
        return;
    }
    size_t n = (size_t)8 << 20;
    char *p = rb_xmalloc(n);
    uintptr_t a = 0, e = 0;
    int elig = -1;
    if (!mapping_of(p, &a, &e, &elig)) {
        free(p);
        print_message("no THPeligible in /proc/self/smaps: not checked\n");
        return;
    }
    for (int round = 0; round < 3; round++) {
        memset(p, 'a' + round, n);
        assert_true(mapping_of(p, &a, &e, &elig));
        assert_int_equal(elig, 1);
        /* one mapping from the block's first byte to its last */
        assert_true(a <= (uintptr_t)p);
        assert_true(e >= (uintptr_t)p + n);
        p = rb_xrealloc(p, 2 * n);
        assert_int_equal(p[0], 'a' + round);
        assert_int_equal(p[n - 1], 'a' + round);
        n *= 2;
    }
    free(p);
}

/* An arena's full-size blocks (4 MB with their head) and its pieces of 4 MB and more start on
 * a 2 MiB boundary (their head before them), so that each whole 2 MiB of them can be one huge
 * page: a block where malloc put it had half of itself in small pages. And where the kernel
 * gives huge pages on advice, each such block is eligible, first byte to last. */
static void test_arena_huge_blocks(void **state)
{
    (void)state;
    const uintptr_t M2 = (uintptr_t)2 << 20;
    rb_arena a = {0};
    char *prev_end = NULL;
    size_t used = 0, full_starts = 0;
    while (full_starts < 3) {
        char *p = rb_arena_alloc(&a, 1000);
        if (p != prev_end && used >= ((size_t)4 << 20)) { /* a new block, past the small ones */
            assert_true(((uintptr_t)p & (M2 - 1)) < 64);
            full_starts++;
        }
        prev_end = p + 1000; /* 1000 is a multiple of 8, not of 16: the next is aligned up */
        prev_end += (16 - (uintptr_t)prev_end % 16) % 16;
        used += 1000;
    }
    char *big = rb_arena_alloc(&a, (size_t)5 << 20); /* a piece in a block of its own */
    assert_true(((uintptr_t)big & (M2 - 1)) < 64);
    memset(big, 'z', (size_t)5 << 20);
    uintptr_t s = 0, e = 0;
    int elig = -1;
    if (thp_on_advice() && mapping_of(big, &s, &e, &elig)) {
        assert_int_equal(elig, 1);
        assert_true(s <= (uintptr_t)big && e >= (uintptr_t)big + ((size_t)5 << 20));
    }
    assert_int_equal(big[((size_t)5 << 20) - 1], 'z');
    rb_arena_free(&a);
}

/* A span's original text, three ways: a new string (rb_doc_text), appended to a buffer
 * (rb_doc_text_to, the writer's) and in an arena (rb_doc_text_in, the facts'; a span without
 * junk copied straight from the source): the same for every span of a traditional text with
 * set-aside pinyin inside its lines, spans across it and spans of none. */
static void test_doc_text_ways(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    rb_doc *d = compile_text(g, "某市人民政府工作規(guī)則\n第一條 為了規(guī)範工作,制定本規則。\n"
                                "第二條 會(huì)議由市長召集。\n");
    assert_true(d->njunk >= 3); /* the readings are junk spans of the view */
    const char *vt = d->view->text;
    rb_arena ar = {0};
    rb_buf b;
    rb_buf_init(&b);
    size_t spans = 0, dirty = 0;
    for (size_t a = 0; a <= d->view->len; a++) {
        if (a < d->view->len && ((unsigned char)vt[a] & 0xC0) == 0x80)
            continue;
        for (size_t z = a; z <= d->view->len; z++) {
            if (z < d->view->len && ((unsigned char)vt[z] & 0xC0) == 0x80)
                continue;
            rb_span sp = {a, z - a};
            char *want = rb_doc_text(d, sp);
            assert_string_equal(rb_doc_text_in(d, sp, &ar), want);
            b.len = 0;
            rb_buf_puts(&b, "<");
            rb_doc_text_to(d, sp, &b);
            assert_int_equal(b.len, 1 + strlen(want));
            assert_memory_equal(b.data + 1, want, strlen(want));
            free(want);
            spans++;
            dirty += !rb_doc_span_clean(d, sp);
        }
    }
    assert_true(dirty > 0 && dirty < spans); /* both kinds of span were asked */
    rb_buf_free(&b);
    rb_arena_free(&ar);
    rb_doc_free(d);
    rb_grammar_free(g);
}

/* Sentences end at 。 and ; wherever those fall in the scan's 16-byte steps: an article of
 * three sentences, its ends moved byte by byte by ASCII before and between them, counts three
 * at every shift (a 、 between, the first byte of 。's block too, ends none). */
static void test_sentence_ends(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    for (size_t k = 0; k < 40; k++)
        for (size_t j = 0; j < 20; j += 3) {
            rb_buf t;
            rb_buf_init(&t);
            rb_buf_puts(&t, "某市人民政府工作规则\n第一条 ");
            for (size_t i = 0; i < k; i++)
                rb_buf_putc(&t, 'a');
            rb_buf_puts(&t, "会议、通知。");
            for (size_t i = 0; i < j; i++)
                rb_buf_putc(&t, 'b');
            rb_buf_puts(&t, "市长签发;结束\n");
            rb_doc *d = NULL;
            rb_compile_opts o;
            rb_compile_opts_default(&o);
            o.no_meta = 1;
            rb_timings tm;
            memset(&tm, 0, sizeof tm);
            o.timings = &tm;
            rb_diags diags;
            rb_diags_init(&diags);
            rb_error err;
            rb_error_clear(&err);
            assert_int_equal(rb_compile_bytes(g, "t.txt", t.data, t.len, &o, &d, &diags, &err),
                             RB_OK);
            if (tm.sentences != 3)
                fail_msg("%zu bytes before, %zu between: %zu sentences", k, j, tm.sentences);
            rb_diags_free(&diags);
            rb_doc_free(d);
            rb_buf_free(&t);
        }
    rb_grammar_free(g);
}

/* The meeting a whole text is about (a `topic:` field): the scan for the table's keys jumps
 * to the character every key holds (会) less the most a key has before it, so a key that
 * starts well before that character (秘书长办公会议, five characters before 会) is found
 * whole, not as the shorter key at its end (办公会议: office, not other). */
static const char *signing_meetings(rb_grammar *g, const char *text)
{
    static char got[64];
    rb_doc *d = compile_text(g, text);
    snprintf(got, sizeof got, "(no signing fact)");
    for (size_t i = 0; d->facts && i < d->facts->n; i++) {
        const rb_fact *f = &d->facts->v[i];
        if (strcmp(f->rule, "signing") != 0)
            continue;
        const rb_field *x = rb_fact_field(f, "meetings");
        snprintf(got, sizeof got, "%s", x && x->n ? x->items[0] : "(none)");
    }
    rb_doc_free(d);
    return got;
}

static void test_topic_anchor(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    assert_string_equal(signing_meetings(g, "某市人民政府工作规则\n"
                                         "一、秘书长办公会议由秘书长召集和主持。\n"
                                         "二、秘书长办公会议一般每月召开一次。\n"
                                         "三、秘书长办公会议的议题由秘书长确定。\n"
                                         "四、会议纪要由秘书长签发。\n"),
                        "other");
    assert_string_equal(signing_meetings(g, "某市人民政府工作规则\n"
                                         "一、市长办公会议由市长召集和主持。\n"
                                         "二、市长办公会议一般每月召开一次。\n"
                                         "三、市长办公会议的议题由市长确定。\n"
                                         "四、会议纪要由市长签发。\n"),
                        "office");
    /* the mentions of 会 that start no key (会后, 会同) do not count */
    assert_string_equal(signing_meetings(g, "某市人民政府工作规则\n"
                                         "一、会同有关部门开展工作,会后报告。\n"
                                         "二、市政府全体会议由市长召集和主持。\n"
                                         "三、会议纪要由市长签发。\n"),
                        "(none)");
    rb_grammar_free(g);
}

/* {{ahead:TABLE,N}}: a lookahead for the character every key holds, within N characters plus
 * the most a key has before it. The key with the most (甲乙丙会, three; not the longest key) may start N
 * characters ahead and still match from the same place; a table with no common character, an
 * unknown table or no count is a grammar error. */
static const char *ahead_probe(rb_grammar *g, const char *rule, const char *line)
{
    static char got[128];
    char text[256];
    snprintf(text, sizeof text, "某市人民政府工作规则\n一、%s。\n", line);
    rb_doc *d = compile_text(g, text);
    snprintf(got, sizeof got, "(none)");
    for (size_t i = 0; d->facts && i < d->facts->n; i++)
        if (strcmp(d->facts->v[i].rule, rule) == 0)
            snprintf(got, sizeof got, "%s", rb_fact_str(&d->facts->v[i], "x"));
    rb_doc_free(d);
    return got;
}

/* An extract file with two tables and one rule whose regex starts with `ahead`. */
static rb_status add_ahead_grammar(rb_grammar *g, const char *ahead, rb_error *err)
{
    char y[1024];
    snprintf(y, sizeof y,
             "grammar: extract\ntables:\n  probe: {甲乙丙会: a, 会丁: b, 会丁戊己庚: c}\n"
             "  mixed: {甲会: a, 乙: b}\n  paren: {'(甲)': a, '(乙)丙': b}\n"
             "dimensions:\n  - id: probedim\n    keywords: [会, '(']\n"
             "    rules:\n      - id: probe-rule\n"
             "        regex: '(?<x>%s[^,。]{0,2}?{{table:probe}})'\n"
             "        fields: {x: {}}\n        examples: ['子丑甲乙丙会']\n"
             "      - id: paren-rule\n" /* the common character is regex syntax: ( */
             "        regex: '(?<x>{{ahead:paren,1}}[^,。]?{{table:paren}})'\n"
             "        fields: {x: {}}\n        examples: ['子(乙)丙']\n",
             ahead);
    rb_error_clear(err);
    return rb_grammar_add_bytes(g, "ahead.yaml", y, strlen(y), err);
}

static void test_ahead_macro(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    rb_error err;
    assert_int_equal(add_ahead_grammar(g, "{{ahead:probe,2}}", &err), RB_OK);
    assert_string_equal(ahead_probe(g, "probe-rule", "子丑甲乙丙会"), "子丑甲乙丙会");
    assert_string_equal(ahead_probe(g, "probe-rule", "寅子丑甲乙丙会"), "子丑甲乙丙会");
    assert_string_equal(ahead_probe(g, "probe-rule", "子丑会丁"), "子丑会丁");
    assert_string_equal(ahead_probe(g, "probe-rule", "子丑寅会丁"), "丑寅会丁");
    assert_string_equal(ahead_probe(g, "probe-rule", "子丑寅卯辰"), "(none)");
    assert_string_equal(ahead_probe(g, "paren-rule", "子(甲)"), "子(甲)");
    assert_string_equal(ahead_probe(g, "paren-rule", "子丑(甲)"), "丑(甲)");
    rb_grammar_free(g);
    static const char *const bad[][2] = {
        {"{{ahead:mixed,2}}", "common"}, /* 甲会 and 乙 share no character */
        {"{{ahead:nope,2}}", "names no table"},
        {"{{ahead:probe}}", "a number"},
        {"{{ahead:probe,x}}", "a number"},
        {"{{ahead:probe,2000}}", "a number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        g = tu_grammar();
        assert_int_equal(add_ahead_grammar(g, bad[i][0], &err), RB_EGRAMMAR);
        assert_string_equal(err.rule, "grammar-macro");
        assert_non_null(strstr(err.message, bad[i][1]));
        rb_grammar_free(g);
    }
}

/* The facts a rule gave in d. */
static size_t facts_of_rule(const rb_doc *d, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; d->facts && i < d->facts->n; i++)
        n += strcmp(d->facts->v[i].rule, rule) == 0;
    return n;
}

/* The rules a sentence reaches are the union of its literals' rules and the rules without
 * `needs:`, as sets of 64 rules a word: with more than 64 rules (the grammar's own and 67
 * more), a rule past the first word that needs a literal the sentence holds, and one without
 * `needs:`, both give their fact; a rule whose literal is missing gives none. */
static void test_reach_many_rules(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    rb_buf y;
    rb_buf_init(&y);
    rb_buf_puts(&y, "grammar: extract\ndimensions:\n  - id: reachdim\n    keywords: [子丑]\n"
                    "    rules:\n");
    for (int i = 0; i < 64; i++) /* the rules added after them are past the first word */
        rb_buf_printf(&y, "      - id: filler-%d\n        regex: '子丑(?<x>寅)'\n"
                          "        needs: ['子丑']\n        fields: {x: {}}\n"
                          "        examples: ['子丑寅']\n", i);
    rb_buf_puts(&y, "      - id: late\n        regex: '卯辰(?<x>巳)'\n        needs: ['卯辰']\n"
                    "        fields: {x: {}}\n        examples: ['卯辰巳']\n"
                    "      - id: unneeded\n        regex: '午(?<x>未)'\n"
                    "        fields: {x: {}}\n        examples: ['午未']\n"
                    "      - id: missing\n        regex: '申(?<x>酉)'\n        needs: ['申酉戌']\n"
                    "        fields: {x: {}}\n        examples: ['申酉戌']\n");
    rb_error err;
    rb_error_clear(&err);
    assert_int_equal(rb_grammar_add_bytes(g, "reach.yaml", y.data, y.len, &err), RB_OK);
    rb_buf_free(&y);
    rb_doc *d = compile_text(g, "某市人民政府工作规则\n一、卯辰巳。\n二、午未。\n三、申酉。\n");
    assert_int_equal(facts_of_rule(d, "late"), 1);
    assert_int_equal(facts_of_rule(d, "unneeded"), 1);
    assert_int_equal(facts_of_rule(d, "missing"), 0); /* 申酉 matches, but 申酉戌 is needed */
    assert_int_equal(facts_of_rule(d, "filler-0"), 0);
    rb_doc_free(d);
    rb_grammar_free(g);
}

/* A buffer with a sink: what it is given, in pieces of every size (one larger than the
 * spill), comes out whole and in order, in a buffer that stays small; a sink that fails is
 * asked no more and the end says so; an output whose write fails leaves no file. */
static rb_buf spilled;
static int spill_calls, spill_fail_at;
static int collect(void *ctx, const char *p, size_t n)
{
    (void)ctx;
    if (++spill_calls == spill_fail_at)
        return -1;
    rb_buf_put(&spilled, p, n);
    return 0;
}

/* A compiled file the scanner declines (here for a comment at its very end, after the facts
 * were read) is read again by libxml2, and what the first reading left in compare's store goes
 * with it: the store holds what the same file without the comment leaves. */
static void test_read_declined_store(void **state)
{
    (void)state;
    char *xml = NULL;
    size_t n = 0;
    rb_error rerr;
    rb_error_clear(&rerr);
    assert_int_equal(rb_input_read("out/wujin-2021.xml", NULL, &xml, &n, &rerr), RB_OK);
    char dir[] = "/tmp/rbdecl-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[2][64];
    snprintf(path[0], sizeof path[0], "%s/taken.xml", dir);
    snprintf(path[1], sizeof path[1], "%s/declined.xml", dir);
    tu_write(path[0], xml, n);
    rb_buf d;
    rb_buf_init(&d);
    rb_buf_put(&d, xml, n);
    rb_buf_puts(&d, "<!-- a comment -->\n");
    tu_write(path[1], d.data, d.len);
    int taken;
    assert_true(xev_same(xml, n, &taken));
    assert_true(taken);
    assert_true(xev_same(d.data, d.len, &taken));
    assert_false(taken);
    size_t used[2], facts[2];
    for (int i = 0; i < 2; i++) {
        rb_factstore *st = rb_factstore_new();
        rb_rulebook *r = NULL;
        rb_error err;
        rb_error_clear(&err);
        assert_int_equal(rb_rulebook_read_xml_in(path[i], st, &r, &err), RB_OK);
        facts[i] = r->facts->n;
        used[i] = rb_arena_mark_now(&st->arena).used;
        rb_rulebook_free(r);
        rb_factstore_free(st);
        unlink(path[i]);
    }
    assert_true(facts[0] > 0);
    assert_int_equal(facts[1], facts[0]);
    assert_int_equal(used[1], used[0]);
    rmdir(dir);
    rb_buf_free(&d);
    free(xml);
}

/* Numbers without printf (JSON and XML writers) read as printf writes them. */
static void test_buf_int(void **state)
{
    (void)state;
    static const long long v[] = {0, 7, -1, 10, -10, 1234567890123LL, LLONG_MAX, LLONG_MIN};
    rb_buf b;
    rb_buf_init(&b);
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        char want[32];
        snprintf(want, sizeof want, "%lld", v[i]);
        b.len = 0;
        rb_buf_put_int(&b, v[i]);
        assert_string_equal(rb_buf_cstr(&b), want);
    }
    rb_buf_free(&b);
}

static void test_buf_spill(void **state)
{
    (void)state;
    for (spill_fail_at = 0; spill_fail_at <= 2; spill_fail_at += 2) {
        rb_buf b, ref;
        rb_buf_init(&b);
        rb_buf_init(&ref);
        rb_buf_init(&spilled);
        spill_calls = 0;
        rb_buf_spill_to(&b, collect, NULL);
        size_t maxcap = 0;
        for (size_t i = 0; i < 4000; i++) {
            char piece[5000];
            size_t n = (i * 7919) % sizeof piece;
            for (size_t k = 0; k < n; k++)
                piece[k] = (char)('a' + (i + k) % 26);
            if (i % 3 == 0) {
                rb_buf_put(&b, piece, n);
                rb_buf_put(&ref, piece, n);
            } else if (i % 3 == 1) {
                rb_buf_printf(&b, "%zu:%.*s;", i, (int)n, piece);
                rb_buf_printf(&ref, "%zu:%.*s;", i, (int)n, piece);
            } else {
                memcpy(rb_buf_extend(&b, n), piece, n);
                rb_buf_put(&ref, piece, n);
            }
            if (i == 2000) { /* one piece larger than the spill */
                char *big = malloc(3 * RB_BUF_SPILL);
                memset(big, 'z', 3 * RB_BUF_SPILL);
                rb_buf_put(&b, big, 3 * RB_BUF_SPILL);
                rb_buf_put(&ref, big, 3 * RB_BUF_SPILL);
                free(big);
            }
            if (b.cap > maxcap && i < 2000) /* before the large piece */
                maxcap = b.cap;
        }
        assert_true(ref.len > 10 * RB_BUF_SPILL);
        assert_true(maxcap <= RB_BUF_SPILL);
        int calls_before_end = spill_calls;
        if (!spill_fail_at && calls_before_end <= 5)
            fail_msg("%d spills, %zu bytes", calls_before_end, ref.len);
        int end = rb_buf_spill_end(&b);
        if (spill_fail_at) {
            assert_int_equal(end, -1);
            assert_int_equal(spill_calls, spill_fail_at); /* not asked again after it failed */
        } else {
            assert_int_equal(end, 0);
            assert_int_equal(spilled.len, ref.len);
            assert_memory_equal(spilled.data, ref.data, ref.len);
        }
        assert_null(b.sink);
        rb_buf_free(&b);
        rb_buf_free(&ref);
        rb_buf_free(&spilled);
    }

    char dir[] = "/tmp/rbspill-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/out.json", dir);
    for (int broken = 0; broken < 2; broken++) {
        rb_buf b;
        rb_buf_init(&b);
        rb_out o;
        rb_error err;
        rb_error_clear(&err);
        assert_int_equal(rb_out_open(&o, path, "x", &b, &err), RB_OK);
        for (int i = 0; i < 300000; i++)
            rb_buf_printf(&b, "line %d\n", i);
        if (broken) { /* the file can no longer be written: its descriptor read-only now */
            int ro = open("/dev/null", O_RDONLY);
            assert_true(dup2(ro, o.a.fd) == o.a.fd);
            close(ro);
        }
        for (int i = 300000; i < 600000; i++)
            rb_buf_printf(&b, "line %d\n", i);
        rb_status st = rb_out_close(&o, &b, &err);
        rb_buf_free(&b);
        struct stat sb;
        if (broken) {
            assert_int_equal(st, RB_EIO);
            assert_string_equal(err.rule, "io-write");
            assert_int_equal(stat(path, &sb), -1);
        } else {
            assert_int_equal(st, RB_OK);
            assert_int_equal(stat(path, &sb), 0);
            size_t want = 0;
            for (int i = 0; i < 600000; i++)
                want += (size_t)snprintf(NULL, 0, "line %d\n", i);
            assert_int_equal((size_t)sb.st_size, want);
            unlink(path);
        }
        DIR *d = opendir(dir);
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.')
                fail_msg("left in the directory: %s", e->d_name);
        closedir(d);
    }
    rmdir(dir);
}

/* The arena the facts live in: strings and arrays, interning, growth, and going back to a mark
 * (a match that is not a fact gives back what it took). */
static void test_arena(void **state)
{
    (void)state;
    rb_arena a = {0};
    char *keep = rb_arena_strdup(&a, "市长");
    char *n1 = rb_arena_intern(&a, "members"), *n2 = rb_arena_intern(&a, "convener");
    assert_ptr_equal(rb_arena_intern(&a, "members"), n1);
    assert_ptr_not_equal(n1, n2);
    /* odd lengths, then an array: aligned for its elements */
    rb_arena_strndup(&a, "abc", 3);
    uintptr_t al = (uintptr_t)rb_arena_alloc(&a, 24);
    assert_int_equal(al % 16, 0);
    /* an array grown one at a time keeps its values */
    long *v = NULL;
    for (long i = 0; i < 1000; i++) {
        v = rb_arena_push(&a, v, (size_t)i, sizeof *v);
        v[i] = i * 7;
    }
    for (long i = 0; i < 1000; i++)
        assert_int_equal(v[i], i * 7);
    /* pieces larger than the block the arena would take next (blocks grow from 4 KB) */
    for (size_t n = 3000; n < 140000; n = n * 3 / 2) {
        char *p = rb_arena_alloc(&a, n);
        memset(p, 'y', n);
        char *q = rb_arena_alloc(&a, 1); /* after it, not inside it */
        assert_true(q < p || q >= p + n);
    }
    /* back to a mark: the next piece is where the released one was, also after new blocks */
    rb_arena_mark m = rb_arena_mark_now(&a);
    char *t1 = rb_arena_strdup(&a, "一次");
    for (int i = 0; i < 40; i++) /* well past a block */
        rb_arena_alloc(&a, 8000);
    char *big = rb_arena_alloc(&a, 200000); /* a block of its own */
    memset(big, 'x', 200000);
    rb_arena_intern(&a, "late"); /* interned after the mark: stays */
    rb_arena_release(&a, m);
    char *t2 = rb_arena_strdup(&a, "两次");
    assert_ptr_equal(t1, t2);
    assert_string_equal(t2, "两次");
    assert_string_equal(keep, "市长");
    assert_string_equal(n1, "members");
    assert_string_equal(rb_arena_intern(&a, "late"), "late");
    /* a string moved in: the copy, the original freed (ASan sees a double free otherwise) */
    char *moved = rb_arena_take(&a, rb_xstrdup("每月"));
    assert_string_equal(moved, "每月");
    assert_null(rb_arena_take(&a, NULL));
    rb_arena_free(&a);
    assert_null(a.head);
}

/* Arenas that hand on to a store's (compare's rulebooks): what they take is the store's, in its
 * blocks, theirs staying empty; a string interned by one is the other's too; a mark and a
 * release go through to the store; freeing one of them frees nothing of the store (the other's
 * strings are read after it, which ASan would see), and the store's own free frees it all
 * (which its leak check would see). */
static void test_arena_pool(void **state)
{
    (void)state;
    rb_factstore *st = rb_factstore_new();
    rb_facts *f1 = rb_facts_new(st), *f2 = rb_facts_new(st), *own = rb_facts_new(NULL);
    assert_null(own->arena.pool);
    char *a = rb_arena_strdup(&f1->arena, "市长");
    char *b = rb_arena_strdup(&f2->arena, "常务副市长");
    for (int i = 0; i < 3000; i++) /* past the store's first blocks */
        rb_arena_alloc(&f1->arena, 100);
    assert_null(f1->arena.head);
    assert_null(f2->arena.head);
    assert_non_null(st->arena.head);
    assert_true(rb_arena_holds(&st->arena, a));
    assert_true(rb_arena_holds(&st->arena, b));
    char *o = rb_arena_strdup(&own->arena, "县长");
    assert_true(rb_arena_holds(&own->arena, o));
    assert_false(rb_arena_holds(&st->arena, o));
    assert_ptr_equal(rb_arena_intern(&f1->arena, "signer"), rb_arena_intern(&f2->arena, "signer"));
    rb_arena_mark m = rb_arena_mark_now(&f2->arena);
    char *t1 = rb_arena_strdup(&f2->arena, "一次");
    rb_arena_release(&f1->arena, m); /* the same store */
    assert_ptr_equal(rb_arena_strdup(&f2->arena, "两次"), t1);
    rb_facts_free(f1);
    assert_string_equal(a, "市长");
    assert_string_equal(b, "常务副市长");
    rb_facts_free(f2);
    rb_facts_free(own);
    rb_factstore_free(st);
    rb_factstore_free(NULL);
}

/* The buffer's bytes as a C string. */
static const char *bstr(rb_buf *b)
{
    rb_buf_putc(b, 0);
    b->len--;
    return b->data;
}

/* rb_regex_literals writes a table's keys as a prefix tree: it must match what the plain
 * alternation of the keys, longest first, matches, at the same place and with the same length,
 * also when the rest of the pattern makes the first choice fail (backtracking into shorter
 * keys). Random key sets and subjects over a small alphabet with shared prefixes, a key that is
 * a prefix of another, and metacharacters. */
static void test_regex_literals(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    static const char *const ALPHA[] = {"甲", "乙", ".", "("};
    unsigned seed = 12345;
#define RND(k) ((seed = seed * 1103515245u + 12345u) >> 16) % (k)
    rb_error err;
    size_t ov[4], ov2[4];
    int checked = 0, matched = 0;
    for (int round = 0; round < 300; round++) {
        size_t n = 1 + RND(7);
        char *keys[8];
        size_t klen[8];
        for (size_t i = 0; i < n; i++) {
            rb_buf k;
            rb_buf_init(&k);
            size_t len = 1 + RND(4);
            for (size_t c = 0; c < len; c++)
                rb_buf_puts(&k, ALPHA[RND(4)]);
            klen[i] = k.len;
            keys[i] = rb_buf_detach(&k);
        }
        /* the plain alternation, longest first (stable), escaped */
        size_t ord[8];
        for (size_t i = 0; i < n; i++)
            ord[i] = i;
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && klen[ord[j - 1]] < klen[ord[j]]; j--) {
                size_t t = ord[j];
                ord[j] = ord[j - 1];
                ord[j - 1] = t;
            }
        const char *tails[] = {"", "乙", "(?:甲|\\.)\\("};
        for (size_t ti = 0; ti < 3; ti++) {
            rb_buf flat, tree;
            rb_buf_init(&flat);
            rb_buf_init(&tree);
            rb_buf_puts(&flat, "(?:");
            for (size_t i = 0; i < n; i++) {
                if (i)
                    rb_buf_putc(&flat, '|');
                for (const char *c = keys[ord[i]]; *c; c++) {
                    if (strchr(".(", *c))
                        rb_buf_putc(&flat, '\\');
                    rb_buf_putc(&flat, *c);
                }
            }
            rb_buf_puts(&flat, ")");
            rb_buf_puts(&flat, tails[ti]);
            rb_buf_puts(&tree, "(?:");
            rb_regex_literals(&tree, (const char *const *)keys, klen, n);
            rb_buf_puts(&tree, ")");
            rb_buf_puts(&tree, tails[ti]);
            void *cf = rb_regex_compile(bstr(&flat), "t", 1, 1, "flat", &err);
            void *ct = rb_regex_compile(bstr(&tree), "t", 1, 1, "tree", &err);
            if (!cf || !ct)
                fail_msg("does not compile: %s / %s", bstr(&flat), bstr(&tree));
            for (int sj = 0; sj < 20; sj++) {
                rb_buf subj;
                rb_buf_init(&subj);
                size_t len = RND(12);
                for (size_t c = 0; c < len; c++)
                    rb_buf_puts(&subj, ALPHA[RND(4)]);
                int a = rb_regex_match(g, cf, "flat", bstr(&subj), subj.len, 0, ov, 1, &err);
                int b = rb_regex_match(g, ct, "tree", bstr(&subj), subj.len, 0, ov2, 1, &err);
                if (a != b || (a == 1 && (ov[0] != ov2[0] || ov[1] != ov2[1])))
                    fail_msg("'%s' on '%s': %d [%zu,%zu) but '%s': %d [%zu,%zu)", bstr(&flat),
                             bstr(&subj), a, ov[0], ov[1], bstr(&tree), b, ov2[0], ov2[1]);
                checked++;
                matched += a == 1;
                rb_buf_free(&subj);
            }
            rb_regex_free(cf);
            rb_regex_free(ct);
            rb_buf_free(&flat);
            rb_buf_free(&tree);
        }
        for (size_t i = 0; i < n; i++)
            free(keys[i]);
    }
#undef RND
    /* the property was tried on matches, not only on misses */
    assert_int_equal(checked, 300 * 3 * 20);
    assert_true(matched > checked / 5);
    /* and the tree is a tree: shared first characters are written once */
    const char *k3[] = {"市长", "市长办公会", "市政府"};
    size_t l3[] = {strlen(k3[0]), strlen(k3[1]), strlen(k3[2])};
    rb_buf b;
    rb_buf_init(&b);
    rb_regex_literals(&b, k3, l3, 3);
    assert_string_equal(bstr(&b), "市(?:长(?:办公会)?|政府)");
    rb_buf_free(&b);
    rb_grammar_free(g);
}

/* The patterns become machine code (JIT) at their first match after the grammar has loaded,
 * not while it loads (its examples run in the interpreter): a run pays only for the patterns
 * it reaches. Without this the whole tool would run in PCRE2's interpreter, ten times slower,
 * and every other test would still pass. */
static void test_regex_lazy_jit(void **state)
{
    (void)state;
    const char *nojit = getenv("RULEBOOK_NO_JIT");
    if (nojit && strcmp(nojit, "1") == 0)
        skip();
    rb_grammar *g = tu_grammar();
    const rb_pattern *p = &g->patterns[g->by_role[RB_ROLE_ARTICLE][0]];
    assert_false(rb_regex_is_jit(p->code));
    size_t ov[40];
    rb_error err;
    size_t n;
    char *t = rb_normalize_str(p->examples[0], strlen(p->examples[0]), 1, &n);
    assert_int_equal(rb_pattern_match(g, p, t, n, 0, ov, 20, &err), 1);
    free(t);
    assert_true(rb_regex_is_jit(p->code));
    rb_grammar_free(g);
}

/* The literal automaton walked once, in two interleaved halves, or over two sentences at once,
 * finds the literals a text holds: on random texts of keyword pieces, punctuation and other
 * characters, short and long (a literal across the middle of a text is a case to get right, and
 * a text of more literal ends than the walk's buffer holds another), and bytes that are no
 * character (cut short, overlong, stray) or characters of two and four bytes. The reference is
 * each literal looked for by itself (memmem); the walk over bytes and the walk over characters,
 * which the extraction takes, must both find it, whole or in halves. */
static void literals_in(const rb_grammar *g, const char *t, size_t n, uint64_t *set, size_t W)
{
    memset(set, 0, W * sizeof *set);
    size_t len;
    const char *lit;
    for (size_t id = 0; (lit = rb_extract_literal(g, id, &len)) != NULL; id++)
        if (memmem(t, n, lit, len))
            set[id / 64] |= 1ull << (id % 64);
}

static void literal_scan_check(rb_grammar *g, const char *const *pieces, size_t np,
                               unsigned seed)
{
    size_t W = rb_extract_literal_words(g);
    assert_true(W > 0);
    uint64_t *ref = calloc(W, sizeof *ref), *win = calloc(W, sizeof *win),
             *x = calloc(W, sizeof *x), *y = calloc(W, sizeof *y);
    static char t1[3100], t2[3100];
    size_t nonempty = 0;
    for (int round = 0; round < 1500; round++) {
        size_t n1 = 0, n2 = 0;
        seed = seed * 1103515245u + 12345u;
        size_t want1 = (seed >> 8) % 3000, want2 = (seed >> 18) % 300;
        while (n1 < want1) {
            seed = seed * 1103515245u + 12345u;
            const char *pc = pieces[(seed >> 16) % np];
            memcpy(t1 + n1, pc, strlen(pc));
            n1 += strlen(pc);
        }
        while (n2 < want2) {
            seed = seed * 1103515245u + 12345u;
            const char *pc = pieces[(seed >> 16) % np];
            memcpy(t2 + n2, pc, strlen(pc));
            n2 += strlen(pc);
        }
        literals_in(g, t1, n1, ref, W);
        static const int hows[] = {RB_LITERALS_BYTES, RB_LITERALS_BYTES | RB_LITERALS_SPLIT, 0,
                                   RB_LITERALS_SPLIT};
        for (size_t k = 0; k < sizeof hows / sizeof hows[0]; k++) {
            rb_extract_literals(g, t1, n1, x, hows[k]);
            assert_memory_equal(ref, x, W * sizeof *ref);
        }
        literals_in(g, t2, n2, win, W);
        rb_extract_literals(g, t2, n2, y, RB_LITERALS_BYTES);
        assert_memory_equal(win, y, W * sizeof *win);
        rb_extract_literals(g, t2, n2, y, 0);
        assert_memory_equal(win, y, W * sizeof *win);
        rb_extract_literals_pair(g, t1, n1, x, t2, n2, y);
        assert_memory_equal(ref, x, W * sizeof *ref);
        assert_memory_equal(win, y, W * sizeof *win);
        rb_extract_literals_pair(g, t2, n2, y, t1, n1, x);
        assert_memory_equal(ref, x, W * sizeof *ref);
        assert_memory_equal(win, y, W * sizeof *win);
        for (size_t w = 0; w < W; w++)
            nonempty += ref[w] != 0;
    }
    assert_true(nonempty > 1000); /* the pieces do hold literals */
    free(ref);
    free(win);
    free(x);
    free(y);
}

static void test_literal_scan_split(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    assert_true(rb_extract_literals_by_chars(g));
    static const char *const pieces[] = {
        "下列公文由", "市长", "签发", "请假", "会议", "召开", "每月", "不能", "出席", "外出",
        "需要", "时", "日内", "一", "。", ",", ";", "由", "经", "审核", "报", "a", " ", "\n",
        "常务会议", "全体会议", "原则上", "工作日", "以前", "前", "个", "两", "周", "研究",
        "组成", /* a literal 组成, ends in ',' (the overlong forms below must not end it) */
        "\xE4\xBC",     /* 会 cut short */
        "\x9A",         /* a stray continuation byte */
        "\xE0\x80\xAC", /* an overlong ',' */
        "\xC0\xAC",     /* another */
        "\xED\xA0\x80", /* a surrogate */
        "\xF0\xA0\x80\x80", "é", "\xF4\x90\x80\x80" /* past U+10FFFF */};
    literal_scan_check(g, pieces, sizeof pieces / sizeof pieces[0], 12345);
    rb_grammar_free(g);
}

/* The walk over characters takes literals of two and four bytes (a class beyond the BMP), and
 * gives way to the walk over bytes where its table would not fit 16-bit entries (literals of
 * 300 characters): the literal sets are the same either way, and the facts too. */
static void test_literal_scan_chars(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    rb_error err;
    rb_error_clear(&err);
    static const char far[] = "grammar: extract\ndimensions:\n  - id: fardim\n"
                              "    keywords: ['𠀀𠀁', 'é会']\n    rules:\n      - id: far-rule\n"
                              "        regex: '(?<x>𠀀𠀁)'\n        needs: ['𠀀𠀁']\n"
                              "        fields: {x: {}}\n        examples: ['甲𠀀𠀁']\n";
    assert_int_equal(rb_grammar_add_bytes(g, "far.yaml", far, strlen(far), &err), RB_OK);
    assert_true(rb_extract_literals_by_chars(g));
    static const char *const pieces[] = {"𠀀", "𠀁", "𠀀𠀁", "é", "会", "é会", "e", "\xA0",
                                         "签发", "市长", "。", "\xF0\xA0\x80", "ée"};
    literal_scan_check(g, pieces, sizeof pieces / sizeof pieces[0], 777);
    rb_doc *d = compile_text(g, "某市人民政府工作规则\n一、甲𠀀𠀁。\n二、𠀀乙𠀁。\n");
    assert_int_equal(facts_of_rule(d, "far-rule"), 1);
    rb_doc_free(d);
    rb_grammar_free(g);
    /* 300 keywords of one character each: 300 classes and as many states, past 16 bits */
    g = tu_grammar();
    rb_buf y;
    rb_buf_init(&y);
    rb_buf_puts(&y, "grammar: extract\ndimensions:\n  - id: manydim\n    keywords: [");
    for (uint32_t cp = 0x4E00; cp < 0x4E00 + 300; cp++) {
        char b[4];
        int l = rb_utf8_encode(cp, b);
        rb_buf_printf(&y, "%s'%.*s'", cp > 0x4E00 ? ", " : "", l, b);
    }
    rb_buf_puts(&y, "]\n    rules:\n      - id: many-rule\n        regex: '(?<x>子丑)'\n"
                    "        needs: ['子丑']\n        fields: {x: {}}\n"
                    "        examples: ['子丑']\n");
    assert_int_equal(rb_grammar_add_bytes(g, "many.yaml", y.data, y.len, &err), RB_OK);
    rb_buf_free(&y);
    assert_false(rb_extract_literals_by_chars(g));
    static const char *const more[] = {"一", "丁", "七", "丑", "子丑", "下", "。", "a", "会议"};
    literal_scan_check(g, more, sizeof more / sizeof more[0], 4242);
    d = compile_text(g, "某市人民政府工作规则\n一、甲子丑。\n");
    assert_int_equal(facts_of_rule(d, "many-rule"), 1);
    rb_doc_free(d);
    rb_grammar_free(g);
}

/* A scratch grammar directory holding one structure file (plus the real one's essentials). */
static rb_status load_scratch(const char *yaml, rb_error *err, rb_grammar **out)
{
    char dir[] = "/tmp/rbtest-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/structure.yaml", dir);
    tu_write(path, yaml, strlen(yaml));
    rb_error_clear(err);
    rb_status st = rb_grammar_load(dir, out, err);
    unlink(path);
    rmdir(dir);
    return st;
}

#define MINIMAL                                                                                  \
    "grammar: structure\n"                                                                       \
    "patterns:\n"                                                                                \
    "  - {id: a, role: article, regex: '^(?<num>[一二三])、', examples: ['一、甲']}\n"           \
    "  - {id: c, role: chapter, regex: '^第(?<num>[一二三])章', examples: ['第一章']}\n"         \
    "  - {id: t, role: title, regex: '^(?<title>.+规则)$', examples: ['工作规则']}\n"

/* The tree of text has a junk line. */
static void line_is_junk(rb_grammar *g, const char *text)
{
    rb_diags diags;
    rb_diags_init(&diags);
    rb_error err;
    char *tree = tu_dump_bytes(g, "t.txt", text, strlen(text), &diags, &err);
    assert_non_null(tree);
    if (!strstr(tree, "junk"))
        fail_msg("no junk line in:\n%s", tree);
    free(tree);
    rb_diags_free(&diags);
}

/* A role's gate matches a line exactly when one of the role's patterns does: asked of every
 * example and counter-example of the grammar (the lines each role must and must not take),
 * for every gated role; the roles of many patterns have one; a pattern that numbers its
 * groups or steers the backtracking leaves its role ungated, and its lines are still taken. */
/* The record of pattern id in stats v[0..n), or NULL. */
static const rb_patstat *stat_of(const rb_patstat *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].id, id) == 0)
            return &v[i];
    return NULL;
}

/* compile --stat=patterns: nothing is counted before rb_grammar_profile; after it, every match
 * asked is counted, a run twice counts twice, the matches found are among the calls, and the
 * list comes costliest first. */
static void test_pattern_stats(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    static const char text[] = "某市人民政府工作规则\n第一章 总则\n"
                               "第一条 为了规范工作,制定本规则。第二条 市长签发公文。\n"
                               "第二条 市政府全体会议一般每半年召开一次。\n";
    rb_doc *d = NULL;
    rb_error err;
    rb_error_clear(&err);
    assert_int_equal(rb_compile_bytes(g, "t.txt", text, strlen(text), NULL, &d, NULL, &err), RB_OK);
    rb_doc_free(d);
    size_t n0;
    rb_patstat *v0 = rb_grammar_pattern_stats(g, &n0);
    assert_int_equal(n0, 0);
    free(v0);

    rb_grammar_profile(g);
    size_t n1, n2;
    assert_int_equal(rb_compile_bytes(g, "t.txt", text, strlen(text), NULL, &d, NULL, &err), RB_OK);
    rb_doc_free(d);
    rb_patstat *v1 = rb_grammar_pattern_stats(g, &n1);
    assert_true(n1 >= 5);
    /* a clock read's cost was measured and is taken off each call (never below 0) */
    assert_true(g->clock_cost > 0 && g->clock_cost < 1e-5);
    for (size_t i = 0; i < n1; i++)
        for (size_t k = 0; k < g->nprof; k++)
            if (strcmp(g->prof[k].id, v1[i].id) == 0 && g->prof[k].calls == v1[i].calls) {
                double want = g->prof[k].seconds - (double)v1[i].calls * g->clock_cost;
                assert_true(v1[i].seconds == (want > 0 ? want : 0));
            }
    assert_non_null(stat_of(v1, n1, "gate-junk"));
    assert_non_null(stat_of(v1, n1, "split-inline"));
    for (size_t i = 0; i < n1; i++) {
        assert_true(v1[i].calls > 0);
        assert_true(v1[i].matches <= v1[i].calls);
        assert_true(v1[i].line > 0);
        assert_non_null(strstr(v1[i].file, ".yaml"));
        if (i)
            assert_true(v1[i - 1].seconds >= v1[i].seconds);
    }
    assert_int_equal(rb_compile_bytes(g, "t.txt", text, strlen(text), NULL, &d, NULL, &err), RB_OK);
    rb_doc_free(d);
    rb_patstat *v2 = rb_grammar_pattern_stats(g, &n2);
    assert_int_equal(n1, n2);
    for (size_t i = 0; i < n1; i++) {
        const rb_patstat *b = stat_of(v2, n2, v1[i].id);
        assert_non_null(b);
        if (b->calls != 2 * v1[i].calls || b->matches != 2 * v1[i].matches)
            fail_msg("%s: %llu calls, %llu matches after one run; %llu, %llu after two",
                     v1[i].id, (unsigned long long)v1[i].calls,
                     (unsigned long long)v1[i].matches, (unsigned long long)b->calls,
                     (unsigned long long)b->matches);
    }
    /* asked by hand: three calls, two of them matches */
    const rb_pattern *art = NULL;
    for (size_t i = 0; i < g->npatterns && !art; i++)
        if (strcmp(g->patterns[i].id, "article-tiao") == 0)
            art = &g->patterns[i];
    assert_non_null(art);
    const rb_patstat *before = stat_of(v2, n2, "article-tiao");
    uint64_t c0 = before ? before->calls : 0, m0 = before ? before->matches : 0;
    size_t ov[40];
    assert_int_equal(rb_pattern_match(g, art, "第三条 市长", strlen("第三条 市长"), 0, ov, 20, &err), 1);
    assert_int_equal(rb_pattern_match(g, art, "第四条", strlen("第四条"), 0, ov, 20, &err), 1);
    assert_int_equal(rb_pattern_match(g, art, "市长", strlen("市长"), 0, ov, 20, &err), 0);
    size_t n3;
    rb_patstat *v3 = rb_grammar_pattern_stats(g, &n3);
    const rb_patstat *after = stat_of(v3, n3, "article-tiao");
    assert_non_null(after);
    assert_int_equal(after->calls, c0 + 3);
    assert_int_equal(after->matches, m0 + 2);
    /* a pattern of another grammar asked with this one: not counted here (its record is in
     * the grammar that made it; this one's records are fewer) */
    rb_grammar *small = rb_grammar_new(".");
    assert_int_equal(rb_grammar_add_bytes(small, "small.yaml", MINIMAL, strlen(MINIMAL), &err),
                     RB_OK);
    rb_grammar_profile(small);
    assert_true(small->nprof < g->nprof);
    void *last = NULL; /* the regex g made last (its record is past small's) */
    for (size_t i = 0; i < g->npatterns; i++)
        last = g->patterns[i].code;
    assert_non_null(last);
    rb_regex_match(small, last, "other", "第一条", strlen("第一条"), 0, ov, 1, &err);
    size_t n4;
    rb_patstat *v4 = rb_grammar_pattern_stats(small, &n4);
    assert_int_equal(n4, 0);
    free(v4);
    rb_grammar_free(small);
    free(v1);
    free(v2);
    free(v3);
    rb_grammar_free(g);
}

static void test_role_gates(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    assert_non_null(g->role_gate[RB_ROLE_JUNK]);
    assert_non_null(g->role_gate[RB_ROLE_ARTICLE]);
    size_t ov[40], asked = 0;
    rb_error err;
    for (int r = 0; r < RB_ROLE_COUNT; r++) {
        if (!g->role_gate[r])
            continue;
        for (size_t i = 0; i < g->npatterns; i++) {
            const rb_pattern *q = &g->patterns[i];
            for (size_t x = 0; x < q->nexamples + q->ncounter; x++) {
                const char *ex = x < q->nexamples ? q->examples[x] : q->counter[x - q->nexamples];
                size_t ln;
                char *t = rb_normalize_str(ex, strlen(ex), 1, &ln);
                int any = 0;
                for (size_t k = 0; k < g->nby_role[r] && !any; k++)
                    any = rb_pattern_match(g, &g->patterns[g->by_role[r][k]], t, ln, 0, ov, 20,
                                           &err) == 1;
                int gate = rb_regex_match(g, g->role_gate[r], "gate", t, ln, 0, ov, 1, &err);
                if (gate != any)
                    fail_msg("role %s: gate %d, patterns %d on '%s'", rb_role_name((rb_role)r),
                             gate, any, ex);
                asked++;
                free(t);
            }
        }
    }
    assert_true(asked > 300);
    rb_grammar_free(g);

    /* a backreference, a verb, a call by number (in a gate, (?1) would be the first
     * pattern's group): no gate, and the lines are still junk */
    static const char *const ungated[] = {"'^(ab)\\1$'", "'^(*COMMIT)abab$'", "'^(ab)(?1)$'"};
    for (size_t u = 0; u < 3; u++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml,
                 MINIMAL "  - {id: j1, role: junk, regex: '^(x)yz$', examples: ['xyz']}\n"
                         "  - {id: j2, role: junk, regex: %s, examples: ['abab']}\n",
                 ungated[u]);
        assert_int_equal(load_scratch(yaml, &err, &g), RB_OK);
        assert_null(g->role_gate[RB_ROLE_JUNK]);
        line_is_junk(g, "工作规则\nabab\n一、甲\n");
        rb_grammar_free(g);
    }
    /* a pattern added after the load drops its role's gate, which is built again from all
     * of them; one whose (?x) comment would swallow the next alternative leaves none */
    static const char *const added[] = {"'^zzqq$'", "'(?x)^zzqq  # the line'"};
    for (size_t u = 0; u < 2; u++) {
        g = tu_grammar();
        char yaml[256];
        snprintf(yaml, sizeof yaml,
                 "grammar: structure\npatterns:\n  - {id: zq, role: junk, regex: %s, "
                 "examples: ['zzqq']}\n",
                 added[u]);
        assert_int_equal(rb_grammar_add_bytes(g, "added.yaml", yaml, strlen(yaml), &err), RB_OK);
        for (int again = 0; again < 2; again++) {
            if (again)
                rb_structure_gates(g);
            if (again && u == 0)
                assert_non_null(g->role_gate[RB_ROLE_JUNK]);
            else
                assert_null(g->role_gate[RB_ROLE_JUNK]);
            line_is_junk(g, "某市人民政府工作规则\nzzqq\n一、甲\n");
        }
        rb_grammar_free(g);
    }
    /* two patterns with a group of the same name: gated */
    assert_int_equal(
        load_scratch(MINIMAL "  - {id: a2, role: article, regex: '^(?<num>[0-9])\\.', "
                             "examples: ['1.甲']}\n",
                     &err, &g),
        RB_OK);
    assert_non_null(g->role_gate[RB_ROLE_ARTICLE]);
    rb_grammar_free(g);
}

/* A search for a rule's match stops at the last place of one of its `needs:` items (a match
 * holds each at or after its start): a match that starts there is found, also the second in a
 * sentence; a rule whose example has an item only before the match (in a lookbehind) is
 * refused at load. */
static void test_needs_reach(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    rb_error err;
    rb_error_clear(&err);
    static const char y[] = "grammar: extract\ndimensions:\n  - id: reachdim\n"
                            "    keywords: [乙]\n    rules:\n      - id: reach-rule\n"
                            "        regex: '(?<x>乙丙)'\n        needs: ['乙|丁', '丙']\n"
                            "        fields: {x: {}}\n        examples: ['甲乙丙']\n";
    assert_int_equal(rb_grammar_add_bytes(g, "reach.yaml", y, strlen(y), &err), RB_OK);
    /* the last 乙 of each sentence starts a match: the search may not stop before it */
    rb_doc *d = compile_text(g, "某市人民政府工作规则\n一、甲乙丙乙丙。\n二、甲甲乙丙丙。\n"
                                "三、乙丙丁戊。\n四、乙戊丙。\n五、乙甲乙丙。\n");
    size_t n = 0;
    long arts[8];
    for (size_t i = 0; i < d->facts->n; i++)
        if (strcmp(d->facts->v[i].rule, "reach-rule") == 0) {
            assert_true(n < 8);
            arts[n++] = d->facts->v[i].article;
        }
    assert_int_equal(n, 5);
    assert_int_equal(arts[0], 1);
    assert_int_equal(arts[1], 1);
    assert_int_equal(arts[2], 2);
    assert_int_equal(arts[3], 3);
    assert_int_equal(arts[4], 5); /* after an earlier 乙 that starts none */
    rb_doc_free(d);
    rb_grammar_free(g);
    /* the needed 甲 is behind the match, in a lookbehind */
    g = tu_grammar();
    static const char bad[] = "grammar: extract\ndimensions:\n  - id: reachdim\n"
                              "    keywords: [乙]\n    rules:\n      - id: behind-rule\n"
                              "        regex: '(?<x>(?<=甲)乙)'\n        needs: ['甲']\n"
                              "        fields: {x: {}}\n        examples: ['甲乙']\n";
    assert_int_equal(rb_grammar_add_bytes(g, "behind.yaml", bad, strlen(bad), &err),
                     RB_EGRAMMAR);
    assert_string_equal(err.rule, "grammar-needs");
    assert_non_null(strstr(err.message, "only before the match"));
    rb_grammar_free(g);
    /* a needed 庚 the example does not hold at all */
    g = tu_grammar();
    static const char lacks[] = "grammar: extract\ndimensions:\n  - id: reachdim\n"
                                "    keywords: [乙]\n    rules:\n      - id: lacking-rule\n"
                                "        regex: '(?<x>乙)'\n        needs: ['乙', '庚']\n"
                                "        fields: {x: {}}\n        examples: ['甲乙']\n";
    assert_int_equal(rb_grammar_add_bytes(g, "lacks.yaml", lacks, strlen(lacks), &err),
                     RB_EGRAMMAR);
    assert_string_equal(err.rule, "grammar-needs");
    assert_non_null(strstr(err.message, "lacks an item"));
    rb_grammar_free(g);
}

static void test_grammar_errors(void **state)
{
    (void)state;
    rb_grammar *g = NULL;
    rb_error err;
    assert_int_equal(load_scratch(MINIMAL, &err, &g), RB_OK);
    rb_grammar_free(g);
    /* a broken regex names the file, the line and the pattern */
    assert_int_equal(load_scratch(MINIMAL "  - {id: bad, role: junk, regex: '^(unclosed', "
                                          "examples: ['x']}\n",
                                  &err, &g),
                     RB_EGRAMMAR);
    assert_string_equal(err.rule, "grammar-regex");
    assert_int_equal(err.line, 6);
    assert_non_null(strstr(err.message, "bad"));
    assert_non_null(strstr(err.message, "^(unclosed"));
    /* a YAML syntax error gives line and column */
    assert_int_equal(load_scratch("grammar: structure\npatterns: [\n  - {id: x\n", &err, &g),
                     RB_EGRAMMAR);
    assert_string_equal(err.rule, "yaml-syntax");
    assert_true(err.line >= 3);
    /* an article pattern without (?<num>) */
    assert_int_equal(load_scratch(MINIMAL "  - {id: a2, role: article, regex: '^[一二]、', "
                                          "examples: ['一、']}\n",
                                  &err, &g),
                     RB_EGRAMMAR);
    assert_non_null(strstr(err.message, "?<num>"));
    /* an example that does not match */
    assert_int_equal(load_scratch(MINIMAL "  - {id: j, role: junk, regex: '^abc$', examples: "
                                          "['abd']}\n",
                                  &err, &g),
                     RB_EGRAMMAR);
    assert_string_equal(err.rule, "grammar-example");
    /* a misspelt top-level key: named with its line, not silently ignored */
    assert_int_equal(load_scratch(MINIMAL "patern:\n  - {id: z}\n", &err, &g), RB_EGRAMMAR);
    assert_string_equal(err.rule, "grammar-schema");
    assert_non_null(strstr(err.message, "unknown key 'patern'"));
    assert_int_equal(err.line, 6);
    /* a misspelt key inside a pattern (`nto:`: its counter-examples would never be checked) */
    assert_int_equal(load_scratch(MINIMAL "  - {id: q, role: junk, regex: 'x', examples: ['x'], "
                                          "nto: ['y']}\n",
                                  &err, &g),
                     RB_EGRAMMAR);
    assert_non_null(strstr(err.message, "unknown key 'nto'"));
    assert_int_equal(err.line, 6);
    /* a value of the wrong type: examples as a string, not a list */
    assert_int_equal(load_scratch(MINIMAL "  - {id: q, role: junk, regex: 'x', examples: 'x'}\n",
                                  &err, &g),
                     RB_EGRAMMAR);
    assert_non_null(strstr(err.message, "`examples` must be a list of strings"));
    /* a second YAML document in the file */
    assert_int_equal(load_scratch(MINIMAL "---\ngrammar: structure\n", &err, &g), RB_EGRAMMAR);
    assert_string_equal(err.rule, "yaml-documents");
    /* not a mapping at all */
    assert_int_equal(load_scratch("- grammar: structure\n", &err, &g), RB_EGRAMMAR);
    assert_string_equal(err.rule, "grammar-schema");
    /* an unknown role */
    assert_int_equal(load_scratch(MINIMAL "  - {id: r, role: nonsense, regex: 'x', examples: "
                                          "['x']}\n",
                                  &err, &g),
                     RB_EGRAMMAR);
    assert_non_null(strstr(err.message, "nonsense"));
}

/* A field the C code reads, renamed in the grammar: a load error naming the dimension and the
 * field, not a silently empty column in compare. */
static void test_grammar_renamed_field(void **state)
{
    (void)state;
    char dir[] = "/tmp/rbtest-XXXXXX";
    assert_non_null(mkdtemp(dir));
    static const char *const files[] = {"structure.yaml", "check.yaml", "extract.yaml"};
    char path[160];
    for (size_t i = 0; i < 3; i++) {
        char src[1200];
        snprintf(src, sizeof src, "%s/%s", tu_grammar_dir(), files[i]);
        size_t n;
        char *text = tu_read(src, &n);
        assert_non_null(text);
        if (i == 2) { /* every `period: {}` field becomes `cadence: {group: period}` */
            rb_buf nb;
            rb_buf_init(&nb);
            const char *from = "period: {}", *to = "cadence: {group: period}";
            for (const char *p = text, *q; *p; p = q + strlen(from)) {
                q = strstr(p, from);
                if (!q) {
                    rb_buf_puts(&nb, p);
                    break;
                }
                rb_buf_put(&nb, p, (size_t)(q - p));
                rb_buf_puts(&nb, to);
            }
            free(text);
            n = nb.len;
            text = rb_buf_detach(&nb);
        }
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        tu_write(path, text, n);
        free(text);
    }
    rb_grammar *g = NULL;
    rb_error err;
    rb_error_clear(&err);
    assert_int_equal(rb_grammar_load(dir, &g, &err), RB_EGRAMMAR);
    assert_string_equal(err.rule, "grammar-schema");
    assert_non_null(strstr(err.message, "meetings"));
    assert_non_null(strstr(err.message, "`period`"));
    assert_non_null(strstr(err.file, "extract.yaml"));
    assert_true(err.line > 1);
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    /* the real grammar's dimensions resolve to the C code's enum */
    assert_int_equal(rb_dim_of("meetings"), RB_DIM_MEETINGS);
    assert_int_equal(rb_dim_of("deadlines"), RB_DIM_DEADLINES);
    assert_int_equal(rb_dim_of("meeting"), RB_DIM_OTHER);
    assert_string_equal(rb_dim_id(RB_DIM_LEAVE), "leave");
}

/* Resource limits: a document over the size, line or article limit is refused with its rule
 * id and the limit named, and no model. */
static void limit_case(const char *text, size_t max_bytes, size_t max_line, size_t max_articles,
                       const char *rule)
{
    rb_grammar *g = tu_grammar();
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    o.no_meta = 1;
    if (max_bytes)
        o.limits.max_bytes = max_bytes;
    if (max_line)
        o.limits.max_line = max_line;
    if (max_articles)
        o.limits.max_articles = max_articles;
    rb_doc *d = NULL;
    rb_diags dg;
    rb_diags_init(&dg);
    rb_error err;
    rb_error_clear(&err);
    assert_int_equal(rb_compile_bytes(g, "limits.txt", text, strlen(text), &o, &d, &dg, &err),
                     RB_ELIMIT);
    assert_null(d);
    assert_string_equal(err.rule, rule);
    assert_non_null(strstr(err.message, "limit"));
    rb_diags_free(&dg);
    rb_grammar_free(g);
}

static void test_resource_limits(void **state)
{
    (void)state;
    const char *text = "某市人民政府工作规则\n一、第一条的文字。\n二、第二条的文字。\n三、第三条。\n"
                       "四、第四条。\n五、第五条的文字比较长一些,超过五十个字节的限制。\n";
    limit_case(text, 100, 0, 0, "input-too-large");
    limit_case(text, 0, 50, 0, "line-too-long");
    limit_case(text, 0, 0, 3, "too-many-articles");
    /* the article limit stops the parser at the article past it, before the model is built
     * (the line of article 四, the fourth) */
    {
        rb_grammar *g = tu_grammar();
        rb_compile_opts o;
        rb_compile_opts_default(&o);
        o.no_meta = 1;
        o.limits.max_articles = 3;
        rb_doc *d = NULL;
        rb_diags dg;
        rb_diags_init(&dg);
        rb_error err;
        rb_error_clear(&err);
        assert_int_equal(rb_compile_bytes(g, "l.txt", text, strlen(text), &o, &d, &dg, &err),
                         RB_ELIMIT);
        assert_int_equal(err.line, 5);
        assert_string_equal(err.stage, "parse");
        rb_diags_free(&dg);
        rb_grammar_free(g);
    }
    /* and within the limits it compiles */
    rb_grammar *g = tu_grammar();
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    o.no_meta = 1;
    o.limits.max_articles = 5;
    rb_doc *d = NULL;
    rb_diags dg;
    rb_diags_init(&dg);
    rb_error err;
    rb_error_clear(&err);
    assert_int_equal(rb_compile_bytes(g, "limits.txt", text, strlen(text), &o, &d, &dg, &err),
                     RB_OK);
    assert_int_equal(d->narticles, 5);
    rb_doc_free(d);
    rb_diags_free(&dg);
    rb_grammar_free(g);
}

/* A catastrophic-backtracking pattern hits the match limit instead of hanging. */
static void test_match_limit(void **state)
{
    (void)state;
    rb_grammar *g = NULL;
    rb_error err;
    assert_int_equal(load_scratch(MINIMAL "  - {id: evil, role: junk, regex: '^(a|aa)+$', "
                                          "examples: ['aaaa']}\n",
                                  &err, &g),
                     RB_OK);
    size_t n = 4096;
    char *s = malloc(n + 2);
    memset(s, 'a', n);
    s[n] = 'b';
    s[n + 1] = 0;
    const rb_pattern *p = NULL;
    for (size_t i = 0; i < g->npatterns; i++)
        if (strcmp(g->patterns[i].id, "evil") == 0)
            p = &g->patterns[i];
    assert_non_null(p);
    size_t ov[4];
    rb_error_clear(&err);
    assert_int_equal(rb_pattern_match(g, p, s, n + 1, 0, ov, 2, &err), -1);
    assert_string_equal(err.rule, "match-limit");
    /* and through the compiler: a clear error, not a hang */
    rb_doc *d = NULL;
    rb_diags diags;
    rb_diags_init(&diags);
    rb_error_clear(&err);
    rb_buf in;
    rb_buf_init(&in);
    rb_buf_puts(&in, "一、甲\n");
    rb_buf_put(&in, s, n + 1);
    assert_int_equal(rb_compile_bytes(g, "evil.txt", in.data, in.len, NULL, &d, &diags, &err),
                     RB_ELIMIT);
    rb_buf_free(&in);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.rule, "match-limit");
    assert_null(d);
    rb_diags_free(&diags);
    free(s);
    rb_grammar_free(g);
}

/* A message or a file name over its buffer is cut at a whole character, with an ellipsis. */
static void test_message_cut(void **state)
{
    (void)state;
    rb_buf long_text;
    rb_buf_init(&long_text);
    for (int i = 0; i < 800; i++) /* 2,400 bytes */
        rb_buf_puts(&long_text, "政");
    rb_error err;
    rb_error_clear(&err);
    char *file = rb_xmalloc(long_text.len + 2);
    sprintf(file, "a%s", long_text.data); /* 1 + 3k bytes: 1,023 cuts inside a character */
    for (int shift = 0; shift < 3; shift++) { /* every alignment of the cut */
        rb_error_set(&err, RB_EINPUT, "t", file, 1, 1, "r", "%.*s%s", shift, "ab",
                     long_text.data);
        assert_true(rb_utf8_invalid_at(err.message, strlen(err.message)) == (size_t)-1);
        assert_true(rb_utf8_invalid_at(err.file, strlen(err.file)) == (size_t)-1);
        size_t l = strlen(err.message);
        assert_memory_equal(err.message + l - 3, "\xE2\x80\xA6", 3);
    }
    rb_diags d;
    rb_diags_init(&d);
    rb_diags_add(&d, RB_WARNING, "f", 1, 1, "r", "xy%s", long_text.data);
    assert_true(rb_utf8_invalid_at(d.items[0].message, strlen(d.items[0].message)) ==
                (size_t)-1);
    rb_diags_free(&d);
    rb_buf_free(&long_text);
    free(file);
}

/* A macro that uses itself, or two that use each other: an error naming the macro, not a stack
 * overflow. */
static void test_macro_cycles(void **state)
{
    (void)state;
    rb_grammar *g = NULL;
    rb_error err;
    assert_int_equal(load_scratch(MINIMAL "define:\n  a: 'x{{a}}'\n"
                                          "  n: '[一二三]'\n", &err, &g),
                     RB_OK); /* defined, not used: fine */
    rb_grammar_free(g);
    const char *self = "grammar: structure\ndefine:\n  a: 'x{{a}}'\npatterns:\n"
                       "  - {id: a, role: article, regex: '^(?<num>{{a}})、', examples: ['x、']}\n";
    assert_int_equal(load_scratch(self, &err, &g), RB_EGRAMMAR);
    assert_string_equal(err.rule, "grammar-macro");
    assert_non_null(strstr(err.message, "{{a}}"));
    const char *pair = "grammar: structure\ndefine:\n  a: 'x{{b}}'\n  b: 'y{{a}}'\npatterns:\n"
                       "  - {id: a, role: article, regex: '^(?<num>{{a}})、', examples: ['x、']}\n";
    assert_int_equal(load_scratch(pair, &err, &g), RB_EGRAMMAR);
    assert_string_equal(err.rule, "grammar-macro");
    /* nesting that ends is fine */
    const char *nest = MINIMAL "  - {id: z, role: junk, regex: '^{{c}}$', examples: ['甲乙丙']}\n"
                               "define:\n  a: '甲'\n  b: '{{a}}乙'\n  c: '{{b}}丙'\n";
    assert_int_equal(load_scratch(nest, &err, &g), RB_OK);
    rb_grammar_free(g);
}

/* A pattern that can match the empty string: the next match starts at the next character, never
 * inside one (PCRE2 is told the text is valid UTF-8 and would read a split character). */
static void test_empty_match_restart(void **state)
{
    (void)state;
    rb_grammar *g = NULL;
    rb_error err;
    assert_int_equal(load_scratch(MINIMAL "  - {id: e, role: junk, regex: '(?=政)', "
                                          "examples: ['市政府']}\n",
                                  &err, &g),
                     RB_OK);
    const rb_pattern *p = NULL;
    for (size_t i = 0; i < g->npatterns; i++)
        if (strcmp(g->patterns[i].id, "e") == 0)
            p = &g->patterns[i];
    assert_non_null(p);
    const char *t = "市政府和区政府和县政府";
    size_t n = strlen(t), pos = 0, ov[4], hits = 0;
    while (pos < n) {
        int m = rb_pattern_match(g, p, t, n, pos, ov, 2, &err);
        assert_true(m >= 0);
        if (m == 0)
            break;
        assert_int_equal(ov[0] % 3, 0); /* at a character: every one here is 3 bytes */
        hits++;
        pos = ov[1] > ov[0] ? ov[1] : ov[0] + 1; /* the usual step past an empty match */
    }
    assert_int_equal(hits, 3);
    rb_grammar_free(g);
}

/* How many grammar stamps the cache directory dir/rulebook holds (-1: no such directory). */
static int stamps_in(const char *dir)
{
    char p[256];
    snprintf(p, sizeof p, "%s/rulebook", dir);
    DIR *d = opendir(p);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strncmp(e->d_name, "grammar-", 8) == 0 && strlen(e->d_name) == 8 + 64)
            n++;
    closedir(d);
    return n;
}

static void clear_stamps(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/rulebook", dir);
    DIR *d = opendir(p);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') {
            char f[1024];
            snprintf(f, sizeof f, "%s/%s", p, e->d_name);
            unlink(f);
        }
    closedir(d);
    rmdir(p);
}

static size_t last_taken; /* the patterns the last load_known took from the stamp */
static char *last_xml;    /* and the tree it compiled a small text to */

static int load_known(const char *dir, rb_status want)
{
    rb_grammar *g = NULL;
    rb_error err;
    rb_error_clear(&err);
    assert_int_equal(rb_grammar_load(dir, &g, &err), want);
    int known = g ? g->stamp_found : -1;
    if (g)
        assert_int_equal(g->examples_known, 0); /* a file added now is checked */
    last_taken = g ? g->codes_taken : 0;
    free(last_xml);
    last_xml = NULL;
    if (g) { /* what its patterns make of a small text */
        const char *text = "工作规则\n第一章 总则\n一、甲\n二、乙\n第二章 附则\n三、丙\n";
        rb_diags dg;
        rb_diags_init(&dg);
        last_xml = tu_dump_bytes(g, "t.txt", text, strlen(text), &dg, &err);
        assert_non_null(last_xml);
        rb_diags_free(&dg);
    }
    rb_grammar_free(g);
    return known;
}

static char *stamp_file(const char *cache)
{
    char p[256];
    snprintf(p, sizeof p, "%s/rulebook", cache);
    DIR *d = opendir(p);
    assert_non_null(d);
    char *f = NULL;
    for (struct dirent *e; (e = readdir(d));)
        if (strncmp(e->d_name, "grammar-", 8) == 0) {
            size_t l = strlen(p) + strlen(e->d_name) + 2;
            f = malloc(l);
            snprintf(f, l, "%s/%s", p, e->d_name);
        }
    closedir(d);
    assert_non_null(f);
    return f;
}

/* A grammar's examples are run once per grammar bytes and build: the load that checked them
 * leaves a stamp in the cache, the next load of the same bytes skips them, and any other bytes
 * (one comment more, a broken example) are checked anew. (The build must carry a GNU build id:
 * the Makefile links with --build-id.) */
static void test_examples_stamp(void **state)
{
    (void)state;
    char *old_xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    char *old_off = getenv("RULEBOOK_NO_CACHE") ? strdup(getenv("RULEBOOK_NO_CACHE")) : NULL;
    char cache[] = "/tmp/rbcache-XXXXXX", dir[] = "/tmp/rbtest-XXXXXX";
    assert_non_null(mkdtemp(cache));
    assert_non_null(mkdtemp(dir));
    setenv("XDG_CACHE_HOME", cache, 1);
    unsetenv("RULEBOOK_NO_CACHE");
    char path[128];
    snprintf(path, sizeof path, "%s/structure.yaml", dir);
    tu_write(path, MINIMAL, strlen(MINIMAL));

    assert_int_equal(load_known(dir, RB_OK), 0); /* checked, and stamped */
    assert_int_equal(stamps_in(cache), 1);
    assert_int_equal(last_taken, 0);
    char *xml1 = rb_xstrdup(last_xml);
    char sub[160];
    snprintf(sub, sizeof sub, "%s/rulebook", cache);
    struct stat sb;
    assert_int_equal(stat(sub, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(load_known(dir, RB_OK), 1); /* the same bytes: known */
    assert_int_equal(stamps_in(cache), 1);
    assert_int_equal(last_taken, 3); /* the three patterns, from the stamp */
    assert_string_equal(last_xml, xml1); /* and they compile a text the same */
    /* the stamp vouches for the files it was made from, not for one added after the load */
    rb_grammar *g = NULL;
    rb_error err;
    assert_int_equal(rb_grammar_load(dir, &g, &err), RB_OK);
    assert_int_equal(g->stamp_found, 1);
    const char *added = "grammar: structure\npatterns:\n"
                        "  - {id: z, role: junk, regex: '^甲$', examples: ['乙']}\n";
    assert_int_equal(rb_grammar_add_bytes(g, "added.yaml", added, strlen(added), &err),
                     RB_EGRAMMAR);
    assert_string_equal(err.rule, "grammar-example");
    rb_grammar_free(g);

    /* a damaged or cut stamp still says the examples held; its patterns are compiled anew */
    char *sf = stamp_file(cache);
    size_t sl = 0;
    char *sd = tu_read(sf, &sl);
    assert_true(sl > 100);
    for (int k = 0; k < 3; k++) {
        if (k == 0)
            sd[sl - 5] ^= 0x20; /* a byte of PCRE2's serialized codes */
        else if (k == 1)
            sd[40] ^= 0x01; /* a byte of the checksum */
        tu_write(sf, sd, k == 2 ? 30 : sl);
        assert_int_equal(load_known(dir, RB_OK), 1);
        assert_int_equal(last_taken, 0);
        assert_string_equal(last_xml, xml1);
        if (k == 1)
            sd[40] ^= 0x01;
    }
    free(sd);
    free(sf);
    free(xml1);

    const char *more = MINIMAL "# one comment more\n";
    tu_write(path, more, strlen(more));
    assert_int_equal(load_known(dir, RB_OK), 0);
    assert_int_equal(stamps_in(cache), 2);
    assert_int_equal(load_known(dir, RB_OK), 1);

    /* a broken example fails whatever the cache holds, and leaves no stamp */
    const char *broken =
        "grammar: structure\n"
        "patterns:\n"
        "  - {id: a, role: article, regex: '^(?<num>[一二三])、', examples: ['四、甲']}\n"
        "  - {id: c, role: chapter, regex: '^第(?<num>[一二三])章', examples: ['第一章']}\n"
        "  - {id: t, role: title, regex: '^(?<title>.+规则)$', examples: ['工作规则']}\n";
    tu_write(path, broken, strlen(broken));
    assert_int_equal(load_known(dir, RB_EGRAMMAR), -1);
    assert_int_equal(stamps_in(cache), 2);

    /* RULEBOOK_NO_CACHE=1: checked every time, nothing written */
    clear_stamps(cache);
    tu_write(path, MINIMAL, strlen(MINIMAL));
    setenv("RULEBOOK_NO_CACHE", "1", 1);
    assert_int_equal(load_known(dir, RB_OK), 0);
    assert_int_equal(load_known(dir, RB_OK), 0);
    assert_int_equal(stamps_in(cache), -1);
    unsetenv("RULEBOOK_NO_CACHE");

    /* at most 16 stamps are kept: writing one removes the least recently written */
    setenv("XDG_CACHE_HOME", cache, 1);
    char sub2[200];
    snprintf(sub2, sizeof sub2, "%s/rulebook", cache);
    mkdir(sub2, 0700);
    for (int k = 0; k < 20; k++) {
        char f[300];
        snprintf(f, sizeof f, "%s/grammar-%064d", sub2, k);
        tu_write(f, "", 0);
        struct timespec ts[2] = {{1000 + k, 0}, {1000 + k, 0}};
        assert_int_equal(utimensat(AT_FDCWD, f, ts, 0), 0);
    }
    const char *pruned = MINIMAL "# a grammar of its own\n";
    tu_write(path, pruned, strlen(pruned));
    assert_int_equal(load_known(dir, RB_OK), 0);
    assert_int_equal(stamps_in(cache), 16);
    assert_int_equal(load_known(dir, RB_OK), 1); /* the new one is kept */
    for (int k = 0; k < 20; k++) {
        char f[300];
        snprintf(f, sizeof f, "%s/grammar-%064d", sub2, k);
        assert_int_equal(access(f, F_OK) == 0, k >= 5); /* the five oldest went */
    }
    clear_stamps(cache);
    tu_write(path, MINIMAL, strlen(MINIMAL));

    /* a cache that cannot be written is no error: the examples are checked each time */
    char file[160];
    snprintf(file, sizeof file, "%s/plain-file", cache);
    tu_write(file, "x", 1);
    setenv("XDG_CACHE_HOME", file, 1);
    assert_int_equal(load_known(dir, RB_OK), 0);
    assert_int_equal(load_known(dir, RB_OK), 0);
    unlink(file);

    if (old_xdg)
        setenv("XDG_CACHE_HOME", old_xdg, 1);
    else
        unsetenv("XDG_CACHE_HOME");
    if (old_off)
        setenv("RULEBOOK_NO_CACHE", old_off, 1);
    free(old_xdg);
    free(old_off);
    free(last_xml);
    last_xml = NULL;
    unlink(path);
    rmdir(dir);
    rmdir(cache);
}

/* check: a pattern that gives up on a hostile text is an error with the file, not "no
 * finding". */
static void test_check_match_limit(void **state)
{
    (void)state;
    char dir[] = "/tmp/rbtest-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[160];
    snprintf(path, sizeof path, "%s/structure.yaml", dir);
    const char *st = MINIMAL;
    tu_write(path, st, strlen(st));
    snprintf(path, sizeof path, "%s/check.yaml", dir);
    const char *ck = "grammar: check\npatterns:\n  - {id: evil, severity: warning, message: m, "
                     "regex: '^(a|aa)+$', examples: ['aaaa']}\n";
    tu_write(path, ck, strlen(ck));
    rb_grammar *g = NULL;
    rb_error err;
    rb_error_clear(&err);
    assert_int_equal(rb_grammar_load(dir, &g, &err), RB_OK);
    rb_buf in;
    rb_buf_init(&in);
    rb_buf_puts(&in, "工作规则\n一、");
    for (int i = 0; i < 4096; i++)
        rb_buf_putc(&in, 'a');
    rb_buf_puts(&in, "b\n");
    rb_diags dg;
    rb_diags_init(&dg);
    rb_doc *d = NULL;
    rb_compile_opts o;
    rb_compile_opts_default(&o);
    o.no_meta = 1;
    assert_int_equal(rb_compile_bytes(g, "hostile.txt", in.data, in.len, &o, &d, &dg, &err), RB_OK);
    rb_findings fs;
    rb_error_clear(&err);
    assert_int_equal(rb_check(g, &d, 1, &dg, &fs, &err), RB_ELIMIT);
    assert_string_equal(err.rule, "match-limit");
    assert_string_equal(err.file, "hostile.txt");
    assert_int_equal(err.line, 2);
    rb_findings_clear(&fs);
    rb_doc_free(d);
    rb_diags_free(&dg);
    rb_buf_free(&in);
    rb_grammar_free(g);
    snprintf(path, sizeof path, "%s/structure.yaml", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/check.yaml", dir);
    unlink(path);
    rmdir(dir);
}

/* ---- character diff ------------------------------------------------------------------------ */

static size_t cps(const char *s, uint32_t **out) { return rb_utf8_to_cps(s, strlen(s), out, NULL); }

/* The scanner of the tool's own XML (xmlscan.c) takes the files in its subset with libxml2's
 * events, line for line (xev_same), and declines the rest, well-formed or not. */
#define DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
static void test_xml_scanner(void **state)
{
    (void)state;
    static const struct {
        int taken;
        const char *xml;
    } cases[] = {
        {1, DECL "<a/>"},
        {1, DECL "<a xmlns=\"urn:a\" xmlns:p=\"urn:p\" x=\"1\" p:y='2'>\n <p:b\n  z=\"3\"\n"
                 " ><c xmlns=\"urn:c\" q=\"\"/>t\n</p:b>\n <b xmlns:p=\"urn:q\"><p:d p:w=\"v\"/></b>"
                 "</a>\n\n"},
        /* references: '&' as SAX2 hands it in a value ("&#38;"), the others decoded */
        {1, DECL "<a v=\"&amp;&#38;&#x26;&lt;&gt;&quot;&apos;&#10;&#9;&#13;&#x4E2D;&#20013;\">"
                 "&amp;&#38;&lt;b&gt;&quot;&apos;&#10;&#13;&#x4e2d; ]] ]]&gt; a]b</a>"},
        {1, DECL "<a>某市人民政府\t工作规则\xC2\x85</a> \t"}, /* (U+0085 is a character of XML) */
        {0, ""},
        {0, "<a/>"},                                                /* no declaration */
        {0, "\xEF\xBB\xBF" DECL "<a/>"},                            /* a BOM */
        {0, "<?xml version='1.0' encoding='UTF-8'?><a/>"},          /* not the writer's */
        {0, DECL "<!DOCTYPE a><a/>"},
        {0, DECL "<!-- c --><a/>"},
        {0, DECL "<a><!-- c --></a>"},
        {0, DECL "<a><?pi x?></a>"},
        {0, DECL "<a><![CDATA[x]]></a>"},
        {0, DECL "<a/><!-- c -->"},
        {0, DECL "<a>x\r\ny</a>"},                                  /* libxml2 folds it */
        {0, DECL "<a v=\"x\ty\"/>"},                                /* ... and this */
        {0, DECL "<a v=\"x\ny\"/>"},
        {0, DECL "<a v=\"<\"/>"},
        {0, DECL "<a>]]></a>"},
        {0, DECL "<a>&b;</a>"},
        {0, DECL "<a>&#0;</a>"},
        {0, DECL "<a>&#xD800;</a>"},
        {0, DECL "<a>&#X41;</a>"},
        {0, DECL "<a>&#;</a>"},
        {0, DECL "<a>&amp</a>"},
        {0, DECL "<a>\xEF\xBF\xBE</a>"},                            /* U+FFFE */
        {0, DECL "<a>\xC0\xAF</a>"},                                /* not UTF-8 */
        {0, DECL "<a>\x01</a>"},
        {0, DECL "<p:a/>"},                                         /* unbound */
        {0, DECL "<a xml:lang=\"zh\"/>"},
        {0, DECL "<a xmlns=\"\"/>"},
        {0, DECL "<a xmlns:p=\"\"/>"},
        {0, DECL "<a xmlns:p=\"urn:p\" xmlns:p=\"urn:p\"/>"},
        {0, DECL "<a x=\"1\" x=\"2\"/>"},
        {0, DECL "<a xmlns:p=\"urn:p\" xmlns:q=\"urn:p\" p:x=\"1\" q:x=\"2\"/>"},
        {0, DECL "<a x=\"1\"y=\"2\"/>"},
        {0, DECL "<a x=1/>"},
        {0, DECL "<a></b>"},
        {0, DECL "<a></a >x"},
        {0, DECL "<a/><b/>"},
        {0, DECL "<a><b></a>"},
        {0, DECL "<a>"},
        {0, DECL "<a x=\"1"},
        {0, DECL "< a/>"},
        {0, DECL "<\xE4\xB8\xAD/>"},                                /* a name the subset lacks */
        {0, DECL "<a:b:c xmlns:a=\"urn:a\"/>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int taken;
        if (!xev_same(cases[i].xml, strlen(cases[i].xml), &taken) || taken != cases[i].taken)
            fail_msg("case %zu: %s (expected %s)", i, cases[i].xml,
                     cases[i].taken ? "taken" : "declined");
    }
    /* depth: 128 elements taken, 129 declined (libxml2's limit is 256) */
    for (int depth = 128; depth <= 129; depth++) {
        rb_buf b;
        rb_buf_init(&b);
        rb_buf_puts(&b, DECL);
        for (int i = 0; i < depth; i++)
            rb_buf_puts(&b, "<a>");
        for (int i = 0; i < depth; i++)
            rb_buf_puts(&b, "</a>");
        int taken;
        assert_true(xev_same(b.data, b.len, &taken));
        assert_int_equal(taken, depth == 128);
        rb_buf_free(&b);
    }
    /* the events themselves: a value's '&' as "&#38;", text decoded, the line of the '>' */
    char *log = NULL;
    const char *x = DECL "<a xmlns=\"urn:a\" v=\"&amp;&lt;\"\n>&amp;&#x4E2D;</a>";
    assert_int_equal(xev_parse(x, strlen(x), 1, &log), 1);
    assert_string_equal(log, "S 3 (null):a{urn:a} (null):v{(null)}=[&#38;<]\nT &\xE4\xB8\xAD\n"
                             "E (null):a{urn:a}\n");
    free(log);
    /* switched off, it declines everything */
    rb_xsax_set_fast(0);
    assert_int_equal(xev_parse(x, strlen(x), 1, &log), -1);
    free(log);
    rb_xsax_set_fast(1);
}
#undef DECL

static void test_chardiff(void **state)
{
    (void)state;
    uint32_t *a, *b;
    size_t na = cps("建设职能少殃再科学、权责法定", &a);
    size_t nb = cps("建设职能科学、权责法定", &b);
    rb_edit *ed;
    size_t ne = rb_chardiff(a, na, b, nb, 10, &ed);
    assert_int_equal(ne, 3);
    assert_int_equal(ed[0].op, RB_EQ);
    assert_int_equal(ed[0].n, 4);
    assert_int_equal(ed[1].op, RB_DEL);
    assert_int_equal(ed[1].a, 4);
    assert_int_equal(ed[1].n, 3);
    assert_int_equal(ed[2].op, RB_EQ);
    assert_int_equal(ed[2].n, 7);
    free(ed);
    /* the other way round it is an insertion */
    ne = rb_chardiff(b, nb, a, na, 10, &ed);
    assert_int_equal(ed[1].op, RB_INS);
    assert_int_equal(ed[1].b, 4);
    free(ed);
    /* a replacement is a deletion plus an insertion; too many edits give up */
    free(a);
    free(b);
    na = cps("每月召开2次", &a);
    nb = cps("每两周召开1次", &b);
    ne = rb_chardiff(a, na, b, nb, 10, &ed);
    size_t del = 0, ins = 0, eq = 0;
    for (size_t i = 0; i < ne; i++) {
        if (ed[i].op == RB_DEL)
            del += ed[i].n;
        else if (ed[i].op == RB_INS)
            ins += ed[i].n;
        else
            eq += ed[i].n;
    }
    assert_int_equal(eq + del, na);
    assert_int_equal(eq + ins, nb);
    assert_int_equal(del, 2);
    assert_int_equal(ins, 3);
    free(ed);
    assert_true(rb_chardiff(a, na, b, nb, 2, &ed) == (size_t)-1);
    free(a);
    free(b);
    /* whitespace is not compared */
    na = cps("一、 为了\n规范", &a);
    assert_int_equal(na, 6);
    free(a);
}

/* A copy of an article of len characters with n of them replaced (one deleted, one inserted
 * each): the duplicate-run stage tells a difference from an unrelated article by the edits
 * between them, up to a fifth of the longer, and past 10,240 characters up to 2,048 edits only
 * (the search costs up to its length times the edits). Returns the copy-difference warning. */
static char *long_copy_verdict(rb_grammar *g, size_t len, size_t n)
{
    static const char alpha[] = "的是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成"
                                "会可主发年动同工也能下过子说产种面而方后多定行学法所民得经之进着";
    size_t m = (sizeof alpha - 1) / 3;
    rb_buf art, t;
    rb_buf_init(&art);
    rb_buf_init(&t);
    unsigned seed = 7;
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        rb_buf_put(&art, alpha + 3 * ((seed >> 16) % m), 3);
    }
    rb_buf_puts(&t, "某市人民政府工作规则\n");
    const char *rest = "第二条 市政府实行市长负责制。\n第三条 本规则自印发之日起施行。\n";
    rb_buf_printf(&t, "第一条 %s。\n%s第一条 ", art.data, rest);
    assert_true(n > 0 && len / n >= 2); /* (two edits each: no two side by side) */
    for (size_t i = 0; i < n; i++) /* 甲 (not among the characters), spread evenly */
        memcpy(art.data + 3 * (len / n) * i, "甲", 3);
    rb_buf_printf(&t, "%s。\n%s", art.data, rest);
    rb_diags diags;
    rb_diags_init(&diags);
    rb_doc_free(compile_bytes_diags(g, t.data, t.len, &diags));
    char *msg = NULL;
    for (size_t i = 0; i < diags.n; i++)
        if (strcmp(diags.items[i].rule, "copy-difference") == 0) {
            assert_null(msg);
            msg = rb_xstrdup(diags.items[i].message);
        }
    assert_non_null(msg);
    rb_diags_free(&diags);
    rb_buf_free(&art);
    rb_buf_free(&t);
    return msg;
}

static void test_dedup_long_copies(void **state)
{
    (void)state;
    rb_grammar *g = tu_grammar();
    static const struct {
        size_t len, n;
        int differs;
    } c[] = {
        {4000, 390, 1},   /* 780 edits, a fifth 800 */
        {4000, 410, 0},   /* 820 */
        {12000, 1000, 1}, /* 2,000 edits, under 2,048 */
        {12000, 1100, 0}, /* 2,200: under a fifth (2,400), past 2,048 */
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *msg = long_copy_verdict(g, c[i].len, c[i].n);
        int differs = strstr(msg, "differs from its copy") != NULL;
        if (differs != c[i].differs || (!differs && !strstr(msg, "not their text")))
            fail_msg("%zu characters, %zu replaced: %s", c[i].len, c[i].n, msg);
        free(msg);
    }
    rb_grammar_free(g);
}

/* The edits a script makes, and whether two scripts are the same runs. */
static size_t script_edits(const rb_edit *e, size_t n)
{
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += e[i].op == RB_EQ ? 0 : e[i].n;
    return d;
}

static void assert_same_script(const rb_edit *x, const rb_edit *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(x[i].op, y[i].op);
        assert_int_equal(x[i].a, y[i].a);
        assert_int_equal(x[i].b, y[i].b);
        assert_int_equal(x[i].n, y[i].n);
    }
}

/* One text the other with characters inserted or deleted: rb_chardiff's one-pass script is the
 * search's own, run for run (random pairs of three characters, so that where an edit goes is
 * a choice among repeats), and the distance alone is the search's count of edits, or -1 past
 * the bound, for any pair. */
static void test_chardiff_nested(void **state)
{
    (void)state;
    unsigned seed = 12345;
#define NEXT() ((seed = seed * 1103515245u + 12345u) >> 16)
    size_t nested = 0, found = 0;
    for (int it = 0; it < 30000; it++) {
        uint32_t a[40], b[120];
        size_t na = NEXT() % 40, nb = 0;
        for (size_t i = 0; i < na; i++)
            a[i] = 0x7532 + NEXT() % 3; /* 甲乙... */
        unsigned way = NEXT() % 4; /* inserted, deleted, both, another text */
        for (size_t i = 0; way < 3 && i <= na; i++) {
            for (unsigned k = NEXT() % 4; way != 1 && k == 0 && nb < 80; k = NEXT() % 4)
                b[nb++] = 0x7532 + NEXT() % 3; /* inserted before a[i] */
            if (i < na && (way == 0 || NEXT() % 4))
                b[nb++] = a[i]; /* (else deleted) */
        }
        for (size_t n = way == 3 ? NEXT() % 40 : 0; nb < n; nb++)
            b[nb] = 0x7532 + NEXT() % 3;
        size_t max_d = NEXT() % 32;
        rb_edit *e1, *e2;
        size_t n1 = rb_chardiff(a, na, b, nb, max_d, &e1);
        size_t n2 = rb_chardiff_search(a, na, b, nb, max_d, &e2);
        assert_int_equal(n1, n2);
        size_t d = rb_chardiff_distance(a, na, b, nb, max_d);
        nested += (size_t)rb_chardiff_nested(a, na, b, nb);
        if (n1 == (size_t)-1) {
            assert_true(d == (size_t)-1);
            continue;
        }
        found++;
        assert_same_script(e1, e2, n1);
        /* nested: the script inserts only or deletes only */
        int del = 0, ins = 0;
        for (size_t i = 0; i < n2; i++) {
            del |= e2[i].op == RB_DEL;
            ins |= e2[i].op == RB_INS;
        }
        assert_int_equal(rb_chardiff_nested(a, na, b, nb), !(del && ins));
        assert_int_equal(d, script_edits(e2, n2));
        free(e1);
        free(e2);
    }
#undef NEXT
    /* both kinds of pair came, and most within their bound */
    assert_true(nested > 10000 && nested < 25000);
    assert_true(found > 15000);
    /* a deletion among repeats: after the common start 甲乙丙乙, its 丙乙 goes */
    uint32_t *a, *b;
    size_t na = cps("甲乙丙乙丙乙丁", &a), nb = cps("甲乙丙乙丁", &b);
    rb_edit *e;
    assert_int_equal(rb_chardiff(a, na, b, nb, 4, &e), 3);
    assert_int_equal(e[1].op, RB_DEL);
    assert_int_equal(e[1].a, 4);
    assert_int_equal(e[1].b, 4);
    assert_int_equal(e[1].n, 2);
    free(e);
    assert_true(rb_chardiff(a, na, b, nb, 1, &e) == (size_t)-1); /* two edits, one allowed */
    assert_int_equal(rb_chardiff_distance(a, na, b, nb, 2), 2);
    /* classify: the nested pair's script (as rb_chardiff's) within its bound, none beyond */
    size_t ne, pre;
    assert_int_equal(rb_chardiff_classify(a, na, b, nb, 2, 0, &e, &ne, &pre), 1);
    assert_int_equal(ne, 3);
    assert_int_equal(e[1].op, RB_DEL);
    assert_int_equal(e[1].a, 4);
    assert_int_equal(e[1].n, 2);
    assert_int_equal(pre, 4);
    free(e);
    assert_int_equal(rb_chardiff_classify(a, na, b, nb, 1, 100, &e, &ne, &pre), -1);
    assert_null(e);
    free(b);
    /* neither in the other (甲乙丙乙丙乙丁 and 甲乙戊乙丙乙丁: one substitution, two edits):
     * no script, near within max_apart only */
    nb = cps("甲乙戊乙丙乙丁", &b);
    assert_int_equal(rb_chardiff_classify(a, na, b, nb, 100, 2, &e, &ne, &pre), 0);
    assert_null(e);
    assert_int_equal(ne, 0);
    assert_int_equal(pre, 2);
    assert_int_equal(rb_chardiff_classify(a, na, b, nb, 100, 1, &e, &ne, &pre), -1);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numerals_fixed),   cmocka_unit_test(test_numerals_roundtrip),
        cmocka_unit_test(test_utf8),             cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_source_digest),
        cmocka_unit_test(test_points_far_in),
        cmocka_unit_test(test_script_counts),    cmocka_unit_test(test_script_counts_fold),    cmocka_unit_test(test_doc_text_ways), cmocka_unit_test(test_huge_blocks),    cmocka_unit_test(test_arena_pool),    cmocka_unit_test(test_arena_huge_blocks),    cmocka_unit_test(test_needs_reach),    cmocka_unit_test(test_sentence_ends),    cmocka_unit_test(test_read_back_columns),    cmocka_unit_test(test_twctx_lookup),    cmocka_unit_test(test_examples_stamp),    cmocka_unit_test(test_utf8_blocks),    cmocka_unit_test(test_source_scans),    cmocka_unit_test(test_memmem),    cmocka_unit_test(test_buf_spill),    cmocka_unit_test(test_buf_int),    cmocka_unit_test(test_topic_anchor),    cmocka_unit_test(test_ahead_macro),    cmocka_unit_test(test_reach_many_rules),    cmocka_unit_test(test_linecol_cursor),    cmocka_unit_test(test_omap),    cmocka_unit_test(test_xml_escaping),    cmocka_unit_test(test_xml_writer_names),
        cmocka_unit_test(test_xml_refs),         cmocka_unit_test(test_json_strings),
        cmocka_unit_test(test_regex_literals),   cmocka_unit_test(test_arena),
        cmocka_unit_test(test_regex_lazy_jit),   cmocka_unit_test(test_literal_scan_split),
        cmocka_unit_test(test_literal_scan_chars),
        cmocka_unit_test(test_fold_width),       cmocka_unit_test(test_fold_script),
        cmocka_unit_test(test_ambiguous_characters),
        cmocka_unit_test(test_view_map),
        cmocka_unit_test(test_view_too_large),
        cmocka_unit_test(test_blocks_past_65536),
        cmocka_unit_test(test_fullwidth_far_in),
        cmocka_unit_test(test_source_compact_far_in),
        cmocka_unit_test(test_source_compact_width_forms),
        cmocka_unit_test(test_source_legacy_long),
        cmocka_unit_test(test_source_legacy_companions),
        cmocka_unit_test(test_fact_words_line_ends),
        cmocka_unit_test(test_metadata_invisible), cmocka_unit_test(test_metadata_spaced_title),
        cmocka_unit_test(test_view_map_expansion), cmocka_unit_test(test_view_map_spaced),         cmocka_unit_test(test_script_detection),
        cmocka_unit_test(test_taiwan_phrasing),
        cmocka_unit_test(test_taiwan_phrase_one_character),
        cmocka_unit_test(test_source_refusals), cmocka_unit_test(test_input_read), cmocka_unit_test(test_output_clash), cmocka_unit_test(test_reference_table), cmocka_unit_test(test_output_protect), cmocka_unit_test(test_source_compact),  cmocka_unit_test(test_source_encodings),
        cmocka_unit_test(test_grammar_examples), cmocka_unit_test(test_grammar_errors),    cmocka_unit_test(test_role_gates), cmocka_unit_test(test_one_line_units), cmocka_unit_test(test_pattern_stats),
        cmocka_unit_test(test_grammar_renamed_field),
        cmocka_unit_test(test_macro_cycles),
        cmocka_unit_test(test_message_cut),
        cmocka_unit_test(test_empty_match_restart),
        cmocka_unit_test(test_check_match_limit),
        cmocka_unit_test(test_resource_limits),
        cmocka_unit_test(test_match_limit),      cmocka_unit_test(test_chardiff), cmocka_unit_test(test_chardiff_nested), cmocka_unit_test(test_dedup_long_copies),
        cmocka_unit_test(test_xml_scanner),    cmocka_unit_test(test_read_declined_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
