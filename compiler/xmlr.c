/* xmlr.c: reading the XML files the tool wrote (compare, check and diff take compiled .xml):
 * the parse with its limits, and small accessors that map the writer's Control Pictures back
 * and read numbers strictly, so a damaged file is an error with its line, not a zero. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define X(s) ((const xmlChar *)(s))

/* libxml2 prints some errors itself whatever the parse options say (a failed encoding
 * conversion: "encoding error : …", "I/O error : …"); the tool reports the parse error once,
 * in its own words (rb_xml_parse_error), so those go nowhere. */
static void xml_quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

int rb_xml_prolog_ok(const char *path, const char *data, size_t n, rb_error *err)
{
    static int quiet;
    if (!quiet) {
        xmlSetGenericErrorFunc(NULL, xml_quiet);
        quiet = 1;
    }
    /* the prolog: a BOM, blanks, <?...?> and <!--...--> before the root element */
    const char *p = data ? data : "", *e = p + (data ? n : 0);
    if (e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    for (;;) {
        while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
            p++;
        if (e - p >= 2 && memcmp(p, "<?", 2) == 0) {
            const char *q = memmem(p, (size_t)(e - p), "?>", 2);
            p = q ? q + 2 : e;
        } else if (e - p >= 4 && memcmp(p, "<!--", 4) == 0) {
            const char *q = memmem(p, (size_t)(e - p), "-->", 3);
            p = q ? q + 3 : e;
        } else {
            break;
        }
    }
    if (e - p >= 9 && memcmp(p, "<!DOCTYPE", 9) == 0) {
        unsigned line = 1;
        for (const char *q = data; q < p; q++)
            line += *q == '\n';
        rb_error_set(err, RB_EINPUT, "akn", path, line, 1, "xml-doctype",
                     "a DOCTYPE is refused (external entities and entity expansion are not "
                     "read); a compiled rulebook has none");
        return 0;
    }
    return 1;
}

void rb_xml_parse_error(const char *path, rb_error *err)
{
    const xmlError *xe = xmlGetLastError();
    char msg[512];
    snprintf(msg, sizeof msg, "%s", xe && xe->message ? xe->message : "parse error");
    for (size_t l = strlen(msg); l && (msg[l - 1] == '\n' || msg[l - 1] == ' ');)
        msg[--l] = 0; /* libxml2 ends its messages with a line break */
    rb_error_set(err, RB_EINPUT, "akn", path, xe && xe->line > 0 ? (unsigned)xe->line : 1,
                 xe && xe->int2 > 0 ? (unsigned)xe->int2 : 1, "xml-invalid",
                 "not well-formed XML: %s", msg);
}

/* An XML file we are given (compare, check and diff take compiled .xml) is refused before
 * parsing when it has a DOCTYPE (which is where external entities and entity bombs live; a
 * compiled rulebook never has one), then parsed from memory without network access, DTD
 * loading or entity substitution, within libxml2's default depth and size limits. */
xmlDocPtr rb_xml_read_mem(const char *path, const char *data, size_t n, rb_error *err)
{
    if (!rb_xml_prolog_ok(path, data, n, err))
        return NULL;
    xmlDocPtr x = xmlReadMemory(data ? data : "", (int)n, path, NULL, RB_XML_OPTIONS);
    if (!x) {
        rb_xml_parse_error(path, err);
        return NULL;
    }
    if (x->intSubset || x->extSubset) { /* cannot happen after the prolog check */
        xmlFreeDoc(x);
        rb_error_set(err, RB_EINPUT, "akn", path, 1, 1, "xml-doctype", "a DOCTYPE is refused");
        return NULL;
    }
    return x;
}

/* (the names before the namespaces: a name is short and differs at once, a namespace is a
 * long URI that shares its first bytes with the others) */
int rb_xml_is(xmlNodePtr n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, X(name)) && n->ns &&
           xmlStrEqual(n->ns->href, X(ns));
}

xmlNodePtr rb_xml_next_outside_text(xmlNodePtr n)
{
    if (n->children && n->type == XML_ELEMENT_NODE && !rb_xml_is(n, RB_AKN_NS, "body") &&
        !rb_xml_is(n, RB_AKN_NS, "preface"))
        return n->children;
    while (n && !n->next)
        n = n->parent;
    return n ? n->next : NULL;
}

static uint32_t control_base; /* of the file being read */

void rb_xml_set_control_base(uint32_t base) { control_base = base; }

uint32_t rb_xml_control_base_of(const char *v)
{
    unsigned b = 0;
    char tail;
    int ok = v && sscanf(v, "U+%4X%c", &b, &tail) == 1;
    return ok && (b == 0x2400 || b == 0xF700 || b == 0xF600 || b == 0xF500) ? b : 0;
}

/* rb:source/@controls="U+2400": where the file's controls are (0 when it says none) */
uint32_t rb_xml_doc_control_base(xmlDocPtr x)
{
    for (xmlNodePtr n = xmlDocGetRootElement(x); n;) {
        if (rb_xml_is(n, RB_NS, "source")) {
            xmlChar *v = xmlGetNoNsProp(n, X("controls"));
            uint32_t b = rb_xml_control_base_of((const char *)v);
            xmlFree(v);
            return b;
        }
        n = rb_xml_next_outside_text(n);
    }
    return 0;
}

static char *unpictured(xmlChar *v)
{
    char *s = rb_xstrdup(v ? (const char *)v : "");
    xmlFree(v);
    s[rb_xml_unpicture(s, strlen(s), control_base)] = 0;
    return s;
}

char *rb_xml_prop(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, X(name));
    return v ? unpictured(v) : NULL;
}

char *rb_xml_content(xmlNodePtr n) { return unpictured(xmlNodeGetContent(n)); }

/* s with the Control Pictures mapped back: s itself where that changes nothing (the file has no
 * controls, or s none of their block's characters), else a copy in *tmp. */
static const char *unpictured_ref(const char *s, rb_buf *tmp)
{
    if (!control_base || !strchr(s, (char)(0xE0 | (control_base >> 12))))
        return s;
    tmp->len = 0;
    rb_buf_puts(tmp, s);
    tmp->len = rb_xml_unpicture(tmp->data, tmp->len, control_base);
    tmp->data[tmp->len] = 0;
    return tmp->data;
}

/* The one text node of a list of children, or NULL (none, several, an entity reference, …). */
static const char *single_text(xmlNodePtr c)
{
    return c && !c->next && c->type == XML_TEXT_NODE && c->content ? (const char *)c->content
                                                                    : NULL;
}

/* v (malloc'd, taken; NULL: none) copied into *tmp */
static const char *in_tmp(char *v, rb_buf *tmp)
{
    if (!v)
        return NULL;
    tmp->len = 0;
    rb_buf_puts(tmp, v);
    free(v);
    return tmp->data;
}

const char *rb_xml_prop_ref(xmlNodePtr n, const char *name, rb_buf *tmp)
{
    for (xmlAttrPtr p = n->properties; p; p = p->next)
        if (!p->ns && xmlStrEqual(p->name, X(name))) {
            const char *t = single_text(p->children);
            if (t)
                return unpictured_ref(t, tmp);
            break;
        }
    return in_tmp(rb_xml_prop(n, name), tmp); /* the long way: absent, empty, several nodes */
}

const char *rb_xml_content_ref(xmlNodePtr n, rb_buf *tmp)
{
    const char *t = single_text(n->children);
    if (t)
        return unpictured_ref(t, tmp);
    return in_tmp(rb_xml_content(n), tmp);
}

void rb_xel_of_node(rb_xel *e, xmlNodePtr n)
{
    memset(e, 0, sizeof *e);
    e->node = n;
    e->uri = n->ns ? n->ns->href : NULL;
    e->prefix = n->ns ? n->ns->prefix : NULL;
    e->name = n->name;
    long line = xmlGetLineNo(n);
    e->line = line > 0 ? line : 1;
}

/* A SAX2 attribute value as the tree holds it: the parser hands a value that had references
 * in it with each '&' written "&#38;" (the only reference left in it; the tree's text node
 * decodes it), and a value without any as it stood. */
static void sax_value(const xmlChar *v, const xmlChar *end, rb_buf *tmp)
{
    tmp->len = 0;
    for (const xmlChar *p = v; p < end;) {
        const xmlChar *amp = memchr(p, '&', (size_t)(end - p));
        const xmlChar *stop = amp ? amp : end;
        rb_buf_put(tmp, (const char *)p, (size_t)(stop - p));
        p = stop;
        if (amp) {
            rb_buf_putc(tmp, '&');
            p += end - p >= 5 && memcmp(p, "&#38;", 5) == 0 ? 5 : 1;
        }
    }
    rb_buf_cstr(tmp);
}

/* An attribute of a start tag in namespace ns (NULL: none), decoded into tmp. */
static const char *sax_prop(const rb_xel *e, const char *ns, const char *name, rb_buf *tmp)
{
    for (int i = 0; i < e->nattrs; i++) {
        const xmlChar **a = e->attrs + 5 * i;
        if (xmlStrEqual(a[0], X(name)) && (ns ? a[2] && xmlStrEqual(a[2], X(ns)) : !a[2])) {
            sax_value(a[3], a[4], tmp);
            if (control_base) {
                tmp->len = rb_xml_unpicture(tmp->data, tmp->len, control_base);
                tmp->data[tmp->len] = 0;
            }
            return tmp->data;
        }
    }
    return NULL;
}

const char *rb_xel_prop(const rb_xel *e, const char *name, rb_buf *tmp)
{
    return e->node ? rb_xml_prop_ref(e->node, name, tmp) : sax_prop(e, NULL, name, tmp);
}

const char *rb_xel_ns_prop(const rb_xel *e, const char *ns, const char *name, rb_buf *tmp)
{
    if (!e->node)
        return sax_prop(e, ns, name, tmp);
    xmlChar *v = xmlGetNsProp(e->node, X(name), X(ns));
    if (!v)
        return NULL;
    tmp->len = 0;
    rb_buf_puts(tmp, (const char *)v);
    xmlFree(v);
    if (control_base) {
        tmp->len = rb_xml_unpicture(tmp->data, tmp->len, control_base);
        tmp->data[tmp->len] = 0;
    }
    return tmp->data;
}

/* v read strictly as a decimal number in [lo, hi]: 1 and *out, else 0. */
static int strict_long(const char *v, long lo, long hi, long *out)
{
    const char *p = v;
    if (*p == '-')
        p++;
    if (*p < '0' || *p > '9')
        return 0;
    errno = 0;
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || errno != 0 || x < lo || x > hi)
        return 0;
    *out = x;
    return 1;
}

int rb_xel_long(const rb_xel *e, const char *name, long lo, long hi, long *out)
{
    return rb_xel_ns_long(e, NULL, name, lo, hi, out);
}

int rb_xel_ns_long(const rb_xel *e, const char *ns, const char *name, long lo, long hi,
                   long *out)
{
    rb_buf tmp;
    rb_buf_init(&tmp);
    const char *v = ns ? rb_xel_ns_prop(e, ns, name, &tmp) : rb_xel_prop(e, name, &tmp);
    int ok = !v || strict_long(v, lo, hi, out);
    rb_buf_free(&tmp);
    return ok ? 0 : -1;
}

int rb_xml_long(xmlNodePtr n, const char *name, long lo, long hi, long *out)
{
    rb_xel e;
    rb_xel_of_node(&e, n);
    return rb_xel_long(&e, name, lo, hi, out);
}

rb_status rb_xel_bad_value(rb_error *err, const char *path, const rb_xel *e, const char *name)
{
    return rb_xel_bad_ns_value(err, path, e, NULL, name);
}

rb_status rb_xel_bad_ns_value(rb_error *err, const char *path, const rb_xel *e, const char *ns,
                              const char *name)
{
    rb_buf tmp;
    rb_buf_init(&tmp);
    const char *v = ns ? rb_xel_ns_prop(e, ns, name, &tmp) : rb_xel_prop(e, name, &tmp);
    char *shown = rb_line_str(v ? v : "");
    rb_status st = rb_error_set(err, RB_EINPUT, "xml", path, (unsigned)e->line, 1,
                                "xml-bad-value",
                                "<%s%s%s> attribute %s%s=\"%.60s\" is not a number in range",
                                e->prefix ? (const char *)e->prefix : "", e->prefix ? ":" : "",
                                (const char *)e->name, ns ? "rb:" : "", name, shown);
    free(shown);
    rb_buf_free(&tmp);
    return st;
}

rb_status rb_xml_bad_value(rb_error *err, const char *path, xmlNodePtr n, const char *name)
{
    rb_xel e;
    rb_xel_of_node(&e, n);
    return rb_xel_bad_value(err, path, &e, name);
}

int rb_xel_is(const rb_xel *e, const char *ns, const char *name)
{
    return xmlStrEqual(e->name, X(name)) && e->uri && xmlStrEqual(e->uri, X(ns));
}
