/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the IDL parser (src/varlink/idl.c). Usage: test-idl DATADIR,
 * where DATADIR (tests/data, or tests/data/idl itself) holds idl/good/ and
 * idl/bad/ .varlink files; the first line of a bad file is
 * "# error: LINE:COLUMN", the position the parser must report. */
#include <ctype.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "varlink.h"
#include "xalloc.h"

static const char *data_dir;

static char *file_read(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "rb");
        char *buf = NULL;
        size_t len = 0, cap = 0;
        char chunk[4096];
        size_t n;

        if (!f)
                fail_msg("cannot open %s", path);
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
                xgrow((void **)&buf, &cap, len + n + 1, 1);
                memcpy(buf + len, chunk, n);
                len += n;
        }
        xgrow((void **)&buf, &cap, len + 1, 1);
        buf[len] = '\0';
        /* A NUL would silently cut the text short. */
        assert_int_equal(strlen(buf), len);
        return buf;
}

static char *data_path(const char *rel) { return xasprintf("%s/%s", data_dir, rel); }

static VlInterface *parse_ok(const char *text) {
        VlInterface *iface = NULL;
        VlSyntaxError e = { 0 };
        if (vl_interface_parse(&iface, text, &e) < 0)
                fail_msg("parse failed at %u:%u: %s\n%s", e.line, e.column, e.message, text);
        assert_non_null(iface);
        return iface;
}

static VlInterface *parse_file_ok(const char *rel) {
        _cleanup_free_ char *path = data_path(rel);
        _cleanup_free_ char *text = file_read(path);
        return parse_ok(text);
}

static void parse_fails_at(const char *text, unsigned line, unsigned column) {
        VlInterface *iface = (VlInterface *)0x1;
        VlSyntaxError e = { 0 };
        assert_int_equal(vl_interface_parse(&iface, text, &e), -1);
        assert_ptr_equal(iface, (VlInterface *)0x1); /* *ret left alone */
        if (e.line != line || e.column != column)
                fail_msg("expected an error at %u:%u, got %u:%u: %s", line, column, e.line,
                         e.column, e.message);
        assert_true(e.message[0] != '\0');
}

/* Writes an interface back from its parsed form, types formatted with
 * vl_type_format(), so a second parse can be compared with the first. */
static char *interface_format(const VlInterface *iface) {
        char *s = xasprintf("interface %s\n", iface->name);
        for (size_t i = 0; i < iface->n_types; i++) {
                _cleanup_free_ char *t = vl_type_format(iface->types[i].type);
                _cleanup_free_ char *old = s;
                s = xasprintf("%stype %s %s\n", old, iface->types[i].name, t);
        }
        for (size_t i = 0; i < iface->n_methods; i++) {
                _cleanup_free_ char *in = vl_type_format(iface->methods[i].in);
                _cleanup_free_ char *out = vl_type_format(iface->methods[i].out);
                _cleanup_free_ char *old = s;
                s = xasprintf("%smethod %s%s -> %s\n", old, iface->methods[i].name, in, out);
        }
        for (size_t i = 0; i < iface->n_errors; i++) {
                _cleanup_free_ char *t = vl_type_format(iface->errors[i].type);
                _cleanup_free_ char *old = s;
                s = xasprintf("%serror %s %s\n", old, iface->errors[i].name, t);
        }
        return s;
}

/* Every ALIAS must point at the definition of the type it names. */
static void assert_resolved(const VlInterface *iface, const VlType *t) {
        switch (t->kind) {
        case VL_TYPE_ALIAS: {
                const VlTypedef *td = vl_interface_find_type(iface, t->alias);
                assert_non_null(td);
                assert_ptr_equal(t->resolved, td->type);
                break;
        }
        case VL_TYPE_ARRAY:
        case VL_TYPE_MAP:
        case VL_TYPE_MAYBE:
                assert_non_null(t->element);
                assert_true(t->element->kind != VL_TYPE_MAYBE || t->kind != VL_TYPE_MAYBE);
                assert_resolved(iface, t->element);
                break;
        case VL_TYPE_STRUCT:
                for (size_t i = 0; i < t->n_fields; i++)
                        assert_resolved(iface, t->fields[i].type);
                break;
        case VL_TYPE_ENUM:
                assert_true(t->n_fields > 0);
                for (size_t i = 0; i < t->n_fields; i++)
                        assert_null(t->fields[i].type);
                break;
        default:
                break;
        }
}

static void test_good_file(void **state) {
        const char *path = *state;
        _cleanup_free_ char *text = file_read(path);
        _cleanup_(vl_interface_freep) VlInterface *iface = parse_ok(text);

        assert_string_equal(iface->description, text);
        assert_ptr_not_equal(iface->description, text);
        assert_true(iface->n_types + iface->n_methods + iface->n_errors > 0);
        for (size_t i = 0; i < iface->n_types; i++) {
                assert_true(iface->types[i].type->kind == VL_TYPE_STRUCT ||
                            iface->types[i].type->kind == VL_TYPE_ENUM);
                assert_resolved(iface, iface->types[i].type);
        }
        for (size_t i = 0; i < iface->n_methods; i++) {
                assert_int_equal(iface->methods[i].in->kind, VL_TYPE_STRUCT);
                assert_int_equal(iface->methods[i].out->kind, VL_TYPE_STRUCT);
                assert_resolved(iface, iface->methods[i].in);
                assert_resolved(iface, iface->methods[i].out);
        }
        for (size_t i = 0; i < iface->n_errors; i++) {
                assert_int_equal(iface->errors[i].type->kind, VL_TYPE_STRUCT);
                assert_resolved(iface, iface->errors[i].type);
        }

        /* Formatting and parsing again gives the same interface. */
        _cleanup_free_ char *again = interface_format(iface);
        _cleanup_(vl_interface_freep) VlInterface *iface2 = parse_ok(again);
        _cleanup_free_ char *again2 = interface_format(iface2);
        assert_string_equal(again, again2);
}

static void test_bad_file(void **state) {
        const char *path = *state;
        _cleanup_free_ char *text = file_read(path);
        unsigned line, column;

        if (sscanf(text, "# error: %u:%u", &line, &column) != 2)
                fail_msg("%s: first line must be \"# error: LINE:COLUMN\"", path);

        VlSyntaxError e = { 0 };
        VlInterface *iface = NULL;
        assert_int_equal(vl_interface_parse(&iface, text, &e), -1);
        assert_null(iface);
        print_message("        %u:%u: %s\n", e.line, e.column, e.message);
        if (e.line != line || e.column != column)
                fail_msg("%s: expected an error at %u:%u, got %u:%u: %s", path, line, column,
                         e.line, e.column, e.message);
        /* Short lowercase messages, no final period. */
        assert_true(e.message[0] != '\0');
        assert_false(isupper((unsigned char)e.message[0]));
        assert_true(e.message[strlen(e.message) - 1] != '.');

        /* Without a place for the error it fails the same way. */
        assert_int_equal(vl_interface_parse(&iface, text, NULL), -1);
        assert_null(iface);
}

static void test_podman_contract(void **state) {
        _cleanup_(vl_interface_freep) VlInterface *iface =
                parse_file_ok("good/io.podman.contract.varlink");

        assert_string_equal(iface->name, "io.podman");
        assert_int_equal(iface->n_methods, 72);
        assert_int_equal(iface->n_types, 30);
        assert_int_equal(iface->n_errors, 8);
        assert_non_null(iface->doc);
        assert_true(STRPREFIX(iface->doc, "io.podman wire contract: every type"));
        assert_non_null(strstr(iface->doc, "\n"));

        const VlMethod *m = vl_interface_find_method(iface, "CreateContainer");
        assert_non_null(m);
        assert_int_equal(m->in->n_fields, 1);
        assert_string_equal(m->in->fields[0].name, "create");
        assert_int_equal(m->in->fields[0].type->kind, VL_TYPE_ALIAS);
        assert_string_equal(m->in->fields[0].type->alias, "Create");
        const VlTypedef *create = vl_interface_find_type(iface, "Create");
        assert_non_null(create);
        assert_ptr_equal(m->in->fields[0].type->resolved, create->type);
        assert_int_equal(create->type->n_fields, 64);

        m = vl_interface_find_method(iface, "ContainerRunlabel");
        assert_non_null(m);
        assert_int_equal(m->out->kind, VL_TYPE_STRUCT);
        assert_int_equal(m->out->n_fields, 0);

        const VlErrorDef *e = vl_interface_find_error(iface, "NoContainerRunning");
        assert_non_null(e);
        assert_int_equal(e->type->n_fields, 0);
        e = vl_interface_find_error(iface, "PodContainerError");
        assert_non_null(e);
        _cleanup_free_ char *f = vl_type_format(e->type);
        assert_string_equal(f, "(podname: string, errors: []PodContainerErrorData)");

        const VlTypedef *img = vl_interface_find_type(iface, "ImageInList");
        assert_non_null(img);
        _cleanup_free_ char *g = vl_type_format(img->type);
        assert_string_equal(g, "(id: string, parentId: string, repoTags: []string, "
                               "repoDigests: []string, created: string, size: int, "
                               "virtualSize: int, containers: int, labels: [string]string, "
                               "isParent: bool)");

        /* One namespace, but the lookups are per kind. */
        assert_null(vl_interface_find_method(iface, "Create"));
        assert_null(vl_interface_find_type(iface, "CreateContainer"));
        assert_null(vl_interface_find_error(iface, "Ping"));
        assert_null(vl_interface_find_method(iface, "createcontainer"));
        assert_null(vl_interface_find_method(iface, NULL));
        assert_null(vl_interface_find_method(NULL, "Ping"));
}

static void test_certification(void **state) {
        _cleanup_(vl_interface_freep) VlInterface *iface =
                parse_file_ok("good/org.varlink.certification.varlink");
        static const char *const methods[] = { "Start",  "Test01", "Test02", "Test03", "Test04",
                                               "Test05", "Test06", "Test07", "Test08", "Test09",
                                               "Test10", "Test11", "End" };

        assert_string_equal(iface->name, "org.varlink.certification");
        assert_int_equal(iface->n_methods, ELEMENTSOF(methods));
        for (size_t i = 0; i < ELEMENTSOF(methods); i++)
                assert_string_equal(iface->methods[i].name, methods[i]);

        const VlTypedef *t = vl_interface_find_type(iface, "Interface");
        assert_non_null(t);
        _cleanup_free_ char *f = vl_type_format(t->type);
        assert_string_equal(f, "(foo: ?[]?[string](foo, bar, baz), anon: (foo: bool, bar: bool))");

        t = vl_interface_find_type(iface, "MyType");
        assert_non_null(t);
        _cleanup_free_ char *g = vl_type_format(t->type);
        assert_string_equal(g, "(object: object, enum: (one, two, three), "
                               "struct: (first: int, second: string), array: []string, "
                               "dictionary: [string]string, stringset: [string](), "
                               "nullable: ?string, "
                               "nullable_array_struct: ?[](first: int, second: string), "
                               "interface: Interface)");

        const VlMethod *m = vl_interface_find_method(iface, "Test10");
        assert_non_null(m);
        assert_string_equal(m->doc, "Returns more than one reply; the client has to call with "
                                    "\"more\".");
        assert_non_null(vl_interface_find_error(iface, "CertificationError"));
}

static void test_service(void **state) {
        _cleanup_(vl_interface_freep) VlInterface *iface =
                parse_file_ok("good/org.varlink.service.varlink");

        assert_string_equal(iface->name, "org.varlink.service");
        assert_int_equal(iface->n_methods, 2);
        assert_int_equal(iface->n_types, 0);
        assert_int_equal(iface->n_errors, 4);
        const VlMethod *m = vl_interface_find_method(iface, "GetInfo");
        assert_non_null(m);
        _cleanup_free_ char *f = vl_type_format(m->out);
        assert_string_equal(f, "(vendor: string, product: string, version: string, url: string, "
                               "interfaces: []string)");
        assert_string_equal(m->doc, "Get a list of all the interfaces a service provides and "
                                    "information\nabout the implementation.");
        assert_string_equal(iface->doc, "The Varlink Service Interface is provided by every "
                                        "varlink service. It\ndescribes the service and the "
                                        "interfaces it implements.");
}

static void test_docs(void **state) {
        _cleanup_(vl_interface_freep) VlInterface *iface = parse_file_ok("good/docs.varlink");

        assert_string_equal(iface->doc, "The interface doc,\non two lines.");
        assert_string_equal(vl_interface_find_type(iface, "T")->doc, "Doc of T.");
        assert_null(vl_interface_find_method(iface, "NoDoc")->doc);
        assert_string_equal(vl_interface_find_method(iface, "Doc")->doc,
                            "Doc without a space.\n\n  indented text keeps its indentation");
        assert_string_equal(vl_interface_find_error(iface, "E")->doc,
                            "Indented comment lines count too.");

        _cleanup_(vl_interface_freep) VlInterface *crlf = parse_file_ok("good/crlf.varlink");
        assert_null(crlf->doc);
        assert_string_equal(crlf->methods[0].doc, "Doc with CRLF.");

        _cleanup_(vl_interface_freep) VlInterface *plain =
                parse_ok("interface a.b\nmethod F() -> ()");
        assert_null(plain->doc);
        assert_null(plain->methods[0].doc);
}

static void test_format(void **state) {
        static const struct {
                const char *idl;
                const char *formatted;
        } cases[] = {
                { "[]string", "[]string" },
                { "?Foo", "?Foo" },
                { "(a: int, b: [string]bool)", "(a: int, b: [string]bool)" },
                { "(one, two)", "(one, two)" },
                { "()", "()" },
                { "object", "object" },
                { "float", "float" },
                { "[string]()", "[string]()" },
                { "?[]?[string](foo, bar, baz)", "?[]?[string](foo, bar, baz)" },
                { "[ string ] ?  Foo", "[string]?Foo" },
                { "( a :int,b:( c : string ) )", "(a: int, b: (c: string))" },
                { "[\n]\n[\n]\nFoo", "[][]Foo" },
                { "(x: ?(y: []Foo))", "(x: ?(y: []Foo))" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = xasprintf(
                        "interface a.b\ntype Foo ()\nmethod M(f: %s) -> ()\n", cases[i].idl);
                _cleanup_(vl_interface_freep) VlInterface *iface = parse_ok(text);
                _cleanup_free_ char *f = vl_type_format(iface->methods[0].in->fields[0].type);
                assert_string_equal(f, cases[i].formatted);
        }
        assert_null(vl_type_format(NULL));
}

static void test_limits(void **state) {
        /* Exactly VL_IDL_SIZE_MAX bytes parse; one more is refused. */
        const char *head = "interface a.b\nmethod F() -> ()\n#";
        size_t size = VL_IDL_SIZE_MAX;
        _cleanup_free_ char *big = xmalloc(size + 2);
        memset(big, 'x', size + 1);
        memcpy(big, head, strlen(head));
        big[size] = '\0';
        _cleanup_(vl_interface_freep) VlInterface *iface = parse_ok(big);
        big[size] = 'x';
        big[size + 1] = '\0';
        parse_fails_at(big, 1, 1);

        /* Nesting: the method's struct is level 1, its field's type level
         * 2, so 62 "[]" and their element fill the 64 levels allowed. */
        for (unsigned n = 62; n <= 63; n++) {
                _cleanup_free_ char *brackets = xmalloc(2 * n + 1);
                for (unsigned i = 0; i < n; i++)
                        memcpy(brackets + 2 * i, "[]", 2);
                brackets[2 * n] = '\0';
                _cleanup_free_ char *text =
                        xasprintf("interface a.b\nmethod F(a: %sint) -> ()\n", brackets);
                if (n < 63)
                        vl_interface_free(parse_ok(text));
                else
                        parse_fails_at(text, 2, 13 + 2 * 63);
        }

        /* Hostile nesting of every kind fails cleanly, without recursion
         * running away. */
        static const char *const openers[] = { "(a: ", "[]", "[string]", "?[]", "(b: ?" };
        for (size_t k = 0; k < ELEMENTSOF(openers); k++) {
                size_t n = 100000, len = strlen(openers[k]);
                _cleanup_free_ char *deep = xmalloc(n * len + 1);
                for (size_t i = 0; i < n; i++)
                        memcpy(deep + i * len, openers[k], len);
                deep[n * len] = '\0';
                _cleanup_free_ char *text = xasprintf("interface a.b\nmethod F(x: %s", deep);
                VlInterface *bad = NULL;
                VlSyntaxError e = { 0 };
                assert_int_equal(vl_interface_parse(&bad, text, &e), -1);
                assert_int_equal(e.line, 2);
                assert_non_null(strstr(e.message, "too deeply"));
        }

        assert_int_equal(vl_interface_parse(&iface, NULL, NULL), -1);
}

/* Structs embedded through named types: each level is one level of JSON
 * that the zero-value filling of validate.c has to build. */
static void test_embedding(void **state) {
        for (unsigned n = 62; n <= 64; n++) {
                _cleanup_free_ char *text = xstrdup("interface a.b\n");
                for (unsigned i = 1; i < n; i++) {
                        _cleanup_free_ char *old = text;
                        text = xasprintf("%stype T%u (next: T%u, other: int)\n", old, i, i + 1);
                }
                _cleanup_free_ char *old = text;
                text = xasprintf("%stype T%u (end: int)\nmethod F(t: T1) -> ()\n", old, n);
                if (n < 64)
                        vl_interface_free(parse_ok(text));
                else
                        parse_fails_at(text, n + 2, 13);
        }

        /* An empty array or map is a level too: T63's array would be
         * level 65 in the zero value of F's input. */
        _cleanup_free_ char *text = xstrdup("interface a.b\n");
        for (unsigned i = 1; i < 63; i++) {
                _cleanup_free_ char *old = text;
                text = xasprintf("%stype T%u (next: T%u)\n", old, i, i + 1);
        }
        _cleanup_free_ char *with_array =
                xasprintf("%stype T63 (a: []int)\nmethod F(t: T1) -> ()\n", text);
        parse_fails_at(with_array, 65, 13);
        _cleanup_free_ char *with_maybe =
                xasprintf("%stype T63 (a: ?[]int)\nmethod F(t: T1) -> ()\n", text);
        vl_interface_free(parse_ok(with_maybe));

        /* Through arrays, maps and ?T a type may contain itself. */
        vl_interface_free(parse_ok("interface a.b\n"
                                   "type A (a: []A, b: [string]A, c: ?A, d: ?B)\n"
                                   "type B (b: (c: (d: ?B)))\n"
                                   "method F(a: A) -> (b: B)\n"));
        parse_fails_at("interface a.b\ntype A (b: B)\ntype B (c: C)\ntype C (a: ?A, b: B)\n"
                       "method F() -> ()\n",
                       4, 19);
        parse_fails_at("interface a.b\nmethod F(x: (y: (z: A))) -> ()\ntype A (a: A)\n", 3, 12);
}

static void test_names(void **state) {
        static const char *const good[] = {
                "org.varlink.service",
                "io.podman",
                "a.b",
                "com.example.0example",
                "com.example.example-dash",
                "xn--lgbbat1ad8j.example.algeria",
                "Com.example.uppercase-toplevel",
                "com.Example",
                "a1.b2",
                "a--b.c",
        };
        static const char *const bad[] = {
                "com",          "com.",           ".com",
                "com..example", "com.-example.x", "com.example-.x",
                "com.example-", "1om.example",    "-a.b",
                "a.b_c",        "a.b.",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_free_ char *text = xasprintf("interface %s\nmethod F() -> ()\n", good[i]);
                _cleanup_(vl_interface_freep) VlInterface *iface = parse_ok(text);
                assert_string_equal(iface->name, good[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *text = xasprintf("interface %s\nmethod F() -> ()\n", bad[i]);
                parse_fails_at(text, 1, 11);
        }

        _cleanup_free_ char *long_name = xmalloc(300);
        memset(long_name, 'a', 299);
        long_name[299] = '\0';
        long_name[1] = '.';
        _cleanup_free_ char *text = xasprintf("interface %s\nmethod F() -> ()\n", long_name);
        parse_fails_at(text, 1, 11);
        long_name[255] = '\0';
        _cleanup_free_ char *text2 = xasprintf("interface %s\nmethod F() -> ()\n", long_name);
        vl_interface_free(parse_ok(text2));
}

/* The order of declarations is kept, and so is the order of fields. */
static void test_order(void **state) {
        _cleanup_(vl_interface_freep) VlInterface *iface = parse_file_ok("good/forward.varlink");

        assert_int_equal(iface->n_types, 3);
        assert_string_equal(iface->types[0].name, "Node");
        assert_string_equal(iface->types[1].name, "Leaf");
        assert_string_equal(iface->types[2].name, "Kind");
        assert_int_equal(iface->types[2].type->kind, VL_TYPE_ENUM);
        assert_int_equal(iface->types[2].type->n_fields, 3);
        assert_string_equal(iface->types[2].type->fields[2].name, "symlink");
        const VlType *node = iface->types[0].type;
        assert_string_equal(node->fields[1].name, "children");
        assert_int_equal(node->fields[1].type->kind, VL_TYPE_ARRAY);
        assert_ptr_equal(node->fields[1].type->element->resolved, node);
        assert_null(iface->types[0].doc);
        assert_string_equal(iface->methods[0].doc,
                            "Named types may be used before their declaration and may refer "
                            "to\nthemselves through arrays, maps and ?T.");
}

static int name_compare(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the .varlink files of dir, sorted. */
static char **dir_list(const char *dir, size_t *ret_n) {
        DIR *d = opendir(dir);
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;

        if (!d) {
                fprintf(stderr, "test-idl: cannot open %s\n", dir);
                exit(EXIT_FAILURE);
        }
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                if (len < 8 || !STREQ(de->d_name + len - 8, ".varlink"))
                        continue;
                xgrow((void **)&names, &cap, n + 1, sizeof *names);
                names[n++] = xasprintf("%s/%s", dir, de->d_name);
        }
        closedir(d);
        if (n > 0)
                qsort(names, n, sizeof *names, name_compare);
        *ret_n = n;
        return names;
}

int main(int argc, char **argv) {
        static const struct CMUnitTest unit_tests[] = {
                cmocka_unit_test(test_podman_contract), cmocka_unit_test(test_certification),
                cmocka_unit_test(test_service),         cmocka_unit_test(test_docs),
                cmocka_unit_test(test_format),          cmocka_unit_test(test_limits),
                cmocka_unit_test(test_embedding),       cmocka_unit_test(test_names),
                cmocka_unit_test(test_order),
        };
        size_t n_good, n_bad;
        int failed = 0;

        if (argc != 2) {
                fprintf(stderr, "usage: %s DATADIR\n", argv[0]);
                return EXIT_FAILURE;
        }
        /* Accept tests/data (what the build passes) or tests/data/idl. */
        _cleanup_free_ char *idl_dir = xasprintf("%s/idl", argv[1]);
        struct stat st;
        data_dir = stat(idl_dir, &st) == 0 && S_ISDIR(st.st_mode) ? idl_dir : argv[1];

        _cleanup_free_ char *good_dir = data_path("good");
        _cleanup_free_ char *bad_dir = data_path("bad");
        char **good = dir_list(good_dir, &n_good);
        char **bad = dir_list(bad_dir, &n_bad);
        /* An empty or missing data set must not pass as a clean run. */
        if (n_good < 10 || n_bad < 25) {
                fprintf(stderr, "test-idl: too few data files (%zu good, %zu bad) in %s\n", n_good,
                        n_bad, data_dir);
                return EXIT_FAILURE;
        }

        struct CMUnitTest *tests = xnew0(struct CMUnitTest, n_good + n_bad);
        for (size_t i = 0; i < n_good; i++)
                tests[i] = (struct CMUnitTest){
                        .name = good[i] + strlen(data_dir) + 1,
                        .test_func = test_good_file,
                        .initial_state = good[i],
                };
        for (size_t i = 0; i < n_bad; i++)
                tests[n_good + i] = (struct CMUnitTest){
                        .name = bad[i] + strlen(data_dir) + 1,
                        .test_func = test_bad_file,
                        .initial_state = bad[i],
                };

        failed += cmocka_run_group_tests_name("idl", unit_tests, NULL, NULL);
        failed += _cmocka_run_group_tests("idl-data", tests, n_good + n_bad, NULL, NULL);

        for (size_t i = 0; i < n_good; i++)
                free(good[i]);
        for (size_t i = 0; i < n_bad; i++)
                free(bad[i]);
        free(good);
        free(bad);
        free(tests);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
