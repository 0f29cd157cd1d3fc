/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of parameter type checking (src/varlink/validate.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "varlink.h"
#include "xalloc.h"

static const char test_idl[] =
        "interface org.example.validate\n"
        "\n"
        "type Inner (cpus: float, name: string)\n"
        "\n"
        "type Kind (one, two, three)\n"
        "\n"
        "type Outer (\n"
        "  b: bool,\n"
        "  i: int,\n"
        "  f: float,\n"
        "  s: string,\n"
        "  o: object,\n"
        "  e: Kind,\n"
        "  anon_enum: (red, green),\n"
        "  inner: Inner,\n"
        "  anon: (x: int, y: (z: bool)),\n"
        "  arr: []string,\n"
        "  arr_struct: []Inner,\n"
        "  map: [string]int,\n"
        "  map_struct: [string]Inner,\n"
        "  maybe: ?string,\n"
        "  maybe_inner: ?Inner,\n"
        "  maybe_arr: ?[]?int,\n"
        "  nested_arr: [][]int\n"
        ")\n"
        "\n"
        "type Node (name: string, children: []Node)\n"
        "\n"
        "method Create(create: Outer) -> (container: string)\n"
        "method Scalars(b: bool, i: int, f: float, s: string, o: object, e: Kind)\n"
        "  -> (b: bool, i: int, f: float, s: string, o: object, e: Kind)\n"
        "method Containers() -> (arr: []string, map: [string]Inner, maybe: ?Inner, inner: Inner)\n"
        "method Tree(root: Node) -> (root: Node)\n"
        "method Empty() -> ()\n"
        "method Case(name: string, Name: string, other: int) -> ()\n"
        "error Err (reason: string)\n";

static VlInterface *iface;

static int setup(void **state) {
        VlSyntaxError e = { 0 };
        if (vl_interface_parse(&iface, test_idl, &e) < 0) {
                fprintf(stderr, "test IDL: %u:%u: %s\n", e.line, e.column, e.message);
                return -1;
        }
        return 0;
}

static int teardown(void **state) {
        iface = vl_interface_free(iface);
        return 0;
}

static const VlType *method_in(const char *name) {
        const VlMethod *m = vl_interface_find_method(iface, name);
        assert_non_null(m);
        return m->in;
}

static const VlType *method_out(const char *name) {
        const VlMethod *m = vl_interface_find_method(iface, name);
        assert_non_null(m);
        return m->out;
}

static json_t *json_parse(const char *text) {
        json_error_t e;
        json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
        if (!j)
                fail_msg("bad test JSON `%s`: %s", text, e.text);
        return j;
}

/* Dumps in insertion order, so tests see the order handlers see. */
static char *json_dump(const json_t *j) {
        char *s = json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_ENCODE_ANY);
        assert_non_null(s);
        return s;
}

/* Checks params (JSON text) as the input of method and compares the
 * normalised result with expected, byte for byte in field order. */
static void input_ok(const char *method, const char *params, const char *expected) {
        _cleanup_(json_decrefp) json_t *p = json_parse(params);
        _cleanup_(json_decrefp) json_t *out = NULL;
        _cleanup_free_ char *field = NULL, *path = NULL;

        if (vl_type_check_input(method_in(method), p, &out, &field, &path) < 0)
                fail_msg("%s%s: rejected at %s (%s)", method, params, path, field);
        assert_null(field);
        assert_null(path);
        _cleanup_free_ char *got = json_dump(out);
        _cleanup_(json_decrefp) json_t *want = json_parse(expected);
        _cleanup_free_ char *want_s = json_dump(want);
        if (!STREQ(got, want_s))
                fail_msg("%s%s:\n  got  %s\n  want %s", method, params, got, want_s);
        /* Exact types too: json_dumps prints 0.0 and 0 differently, and
         * json_equal compares integers and reals as different. */
        assert_true(json_equal(out, want));
}

static void input_fails(const char *method, const char *params, const char *field,
                        const char *path) {
        _cleanup_(json_decrefp) json_t *p = json_parse(params);
        json_t *out = (json_t *)0x1;
        _cleanup_free_ char *got_field = NULL, *got_path = NULL;

        if (vl_type_check_input(method_in(method), p, &out, &got_field, &got_path) == 0)
                fail_msg("%s%s: accepted", method, params);
        assert_ptr_equal(out, (json_t *)0x1);
        assert_non_null(got_field);
        assert_non_null(got_path);
        if (!STREQ(got_field, field) || !STREQ(got_path, path))
                fail_msg("%s%s: expected %s / %s, got %s / %s", method, params, field, path,
                         got_field, got_path);

        /* ret_path is optional. */
        _cleanup_free_ char *f2 = NULL;
        assert_int_equal(vl_type_check_input(method_in(method), p, &out, &f2, NULL), -1);
        assert_string_equal(f2, field);
}

static void output_ok(const VlType *t, const char *params) {
        _cleanup_(json_decrefp) json_t *p = json_parse(params);
        _cleanup_free_ char *path = NULL;
        if (vl_type_check_output(t, p, &path) < 0)
                fail_msg("%s: rejected at %s", params, path);
        assert_null(path);
}

static void output_fails(const VlType *t, const char *params, const char *path) {
        _cleanup_(json_decrefp) json_t *p = json_parse(params);
        _cleanup_free_ char *got = NULL;
        if (vl_type_check_output(t, p, &got) == 0)
                fail_msg("%s: accepted", params);
        assert_non_null(got);
        if (!STREQ(got, path))
                fail_msg("%s: expected %s, got %s", params, path, got);
        assert_int_equal(vl_type_check_output(t, p, NULL), -1);
}

#define ZERO_INNER "{\"cpus\":0.0,\"name\":\"\"}"
#define ZERO_OUTER                                                                            \
        "{\"b\":false,\"i\":0,\"f\":0.0,\"s\":\"\",\"o\":null,\"e\":\"\",\"anon_enum\":\"\"," \
        "\"inner\":" ZERO_INNER ",\"anon\":{\"x\":0,\"y\":{\"z\":false}},\"arr\":[],"         \
        "\"arr_struct\":[],\"map\":{},\"map_struct\":{},\"maybe\":null,"                      \
        "\"maybe_inner\":null,\"maybe_arr\":null,\"nested_arr\":[]}"

static void test_zero_values(void **state) {
        input_ok("Create", "{}", "{\"create\":" ZERO_OUTER "}");
        input_ok("Create", "{\"create\":null}", "{\"create\":" ZERO_OUTER "}");
        input_ok("Create", "{\"create\":{}}", "{\"create\":" ZERO_OUTER "}");
        /* null is absent, at every level and for every type. */
        input_ok("Create",
                 "{\"create\":{\"b\":null,\"i\":null,\"f\":null,\"s\":null,\"o\":null,"
                 "\"e\":null,\"anon_enum\":null,\"inner\":null,\"anon\":{\"y\":null},"
                 "\"arr\":null,\"arr_struct\":null,\"map\":null,\"map_struct\":null,"
                 "\"maybe\":null,\"maybe_inner\":null,\"maybe_arr\":null,\"nested_arr\":null}}",
                 "{\"create\":" ZERO_OUTER "}");
        input_ok("Scalars", "{}",
                 "{\"b\":false,\"i\":0,\"f\":0.0,\"s\":\"\",\"o\":null,\"e\":\"\"}");
        input_ok("Empty", "{}", "{}");
        input_ok("Empty", "{\"anything\":[1,2,3]}", "{}");
        /* Inside arrays and maps, null takes the element's zero value,
         * except for ?T which stays null. */
        input_ok("Create",
                 "{\"create\":{\"arr\":[\"a\",null],\"arr_struct\":[null,{}],"
                 "\"map\":{\"k\":null},\"maybe_arr\":[1,null],\"nested_arr\":[null,[]]}}",
                 "{\"create\":{\"b\":false,\"i\":0,\"f\":0.0,\"s\":\"\",\"o\":null,\"e\":\"\","
                 "\"anon_enum\":\"\",\"inner\":" ZERO_INNER
                 ",\"anon\":{\"x\":0,\"y\":{\"z\":false}},"
                 "\"arr\":[\"a\",\"\"],\"arr_struct\":[" ZERO_INNER "," ZERO_INNER "],"
                 "\"map\":{\"k\":0},\"map_struct\":{},\"maybe\":null,\"maybe_inner\":null,"
                 "\"maybe_arr\":[1,null],\"nested_arr\":[[],[]]}}");
}

static void test_values_kept(void **state) {
        input_ok("Scalars",
                 "{\"b\":true,\"i\":-42,\"f\":2.5,\"s\":\"x\",\"o\":{\"any\":[1,\"two\",null]},"
                 "\"e\":\"two\"}",
                 "{\"b\":true,\"i\":-42,\"f\":2.5,\"s\":\"x\",\"o\":{\"any\":[1,\"two\",null]},"
                 "\"e\":\"two\"}");
        /* Output follows the declaration order, whatever the input order. */
        input_ok("Scalars", "{\"e\":\"one\",\"s\":\"x\",\"i\":9223372036854775807}",
                 "{\"b\":false,\"i\":9223372036854775807,\"f\":0.0,\"s\":\"x\",\"o\":null,"
                 "\"e\":\"one\"}");
        /* object takes any value, scalars included. */
        input_ok("Scalars", "{\"o\":5}",
                 "{\"b\":false,\"i\":0,\"f\":0.0,\"s\":\"\",\"o\":5,\"e\":\"\"}");
        input_ok("Scalars", "{\"o\":\"s\"}",
                 "{\"b\":false,\"i\":0,\"f\":0.0,\"s\":\"\",\"o\":\"s\",\"e\":\"\"}");
        input_ok("Create",
                 "{\"create\":{\"maybe\":\"m\",\"maybe_inner\":{\"name\":\"n\"},"
                 "\"map_struct\":{\"a\":{\"cpus\":1.5},\"b\":{}},\"anon\":{\"x\":7}}}",
                 "{\"create\":{\"b\":false,\"i\":0,\"f\":0.0,\"s\":\"\",\"o\":null,\"e\":\"\","
                 "\"anon_enum\":\"\",\"inner\":" ZERO_INNER
                 ",\"anon\":{\"x\":7,\"y\":{\"z\":false}},"
                 "\"arr\":[],\"arr_struct\":[],\"map\":{},"
                 "\"map_struct\":{\"a\":{\"cpus\":1.5,\"name\":\"\"},\"b\":" ZERO_INNER "},"
                 "\"maybe\":\"m\",\"maybe_inner\":{\"cpus\":0.0,\"name\":\"n\"},\"maybe_arr\":null,"
                 "\"nested_arr\":[]}}");
}

static void test_unknown_fields_dropped(void **state) {
        input_ok("Scalars", "{\"extra\":1,\"b\":true,\"more\":{\"x\":[]}}",
                 "{\"b\":true,\"i\":0,\"f\":0.0,\"s\":\"\",\"o\":null,\"e\":\"\"}");
        input_ok("Tree",
                 "{\"root\":{\"junk\":1,\"name\":\"r\",\"children\":[{\"name\":\"c\",\"x\":true}]},"
                 "\"other\":null}",
                 "{\"root\":{\"name\":\"r\",\"children\":[{\"name\":\"c\",\"children\":[]}]}}");
        /* An unknown field is not type checked. */
        input_ok("Empty", "{\"b\":\"not a bool\"}", "{}");
}

static void test_case_insensitive(void **state) {
        input_ok("Scalars", "{\"B\":true,\"I\":3,\"S\":\"x\",\"E\":\"three\"}",
                 "{\"b\":true,\"i\":3,\"f\":0.0,\"s\":\"x\",\"o\":null,\"e\":\"three\"}");
        input_ok("Tree", "{\"ROOT\":{\"Name\":\"r\",\"CHILDREN\":[{\"nAmE\":\"c\"}]}}",
                 "{\"root\":{\"name\":\"r\",\"children\":[{\"name\":\"c\",\"children\":[]}]}}");
        /* An exact name goes to its own field; a folded one to the first
         * field that matches it. */
        input_ok("Case", "{\"Name\":\"x\"}", "{\"name\":\"\",\"Name\":\"x\",\"other\":0}");
        input_ok("Case", "{\"name\":\"x\"}", "{\"name\":\"x\",\"Name\":\"\",\"other\":0}");
        input_ok("Case", "{\"NAME\":\"x\",\"Other\":1}",
                 "{\"name\":\"x\",\"Name\":\"\",\"other\":1}");
        input_ok("Case", "{\"name\":\"a\",\"Name\":\"b\"}",
                 "{\"name\":\"a\",\"Name\":\"b\",\"other\":0}");
        /* Two keys for one field: the later wins, as in Go. */
        input_ok("Case", "{\"other\":1,\"OTHER\":2}", "{\"name\":\"\",\"Name\":\"\",\"other\":2}");
        input_ok("Case", "{\"OTHER\":2,\"other\":1}", "{\"name\":\"\",\"Name\":\"\",\"other\":1}");
        /* A failure names the declared field, not the key as sent. */
        input_fails("Case", "{\"OTHER\":\"x\"}", "other", "other");
        /* Only ASCII case folds. */
        input_ok("Case", "{\"n\\u00c1me\":\"x\"}", "{\"name\":\"\",\"Name\":\"\",\"other\":0}");

        /* jansson's parser refuses NUL in keys, but a hand-built object
         * may hold one: "na\0e" and "name\0" match no field. */
        _cleanup_(json_decrefp) json_t *p = json_object();
        json_object_setn_new(p, "na\0e", 4, json_string("y"));
        json_object_setn_new(p, "name\0", 5, json_string("z"));
        json_object_setn_new(p, "other\0", 6, json_string("not an int"));
        _cleanup_(json_decrefp) json_t *out = NULL;
        assert_int_equal(vl_type_check_input(method_in("Case"), p, &out, NULL, NULL), 0);
        assert_string_equal(json_string_value(json_object_get(out, "name")), "");
        assert_int_equal(json_object_size(out), 3);

        /* A failure path quotes such a key without cutting it short. */
        _cleanup_(json_decrefp) json_t *m = json_pack("{s:{s:{}}}", "create", "map");
        json_object_setn_new(json_object_get(json_object_get(m, "create"), "map"), "a\0b", 3,
                             json_true());
        _cleanup_free_ char *field = NULL, *path = NULL;
        assert_int_equal(vl_type_check_input(method_in("Create"), m, &out, &field, &path), -1);
        assert_string_equal(path, "create.map[\"a\\u0000b\"]");

        /* An undeclared output key holding a NUL is quoted the same way. */
        _cleanup_(json_decrefp) json_t *o = json_object();
        json_object_setn_new(o, "x\0", 2, json_true());
        _cleanup_free_ char *opath = NULL;
        assert_int_equal(vl_type_check_output(method_out("Empty"), o, &opath), -1);
        assert_string_equal(opath, "[\"x\\u0000\"]");
}

static void test_int_float(void **state) {
        input_ok("Scalars", "{\"i\":5}",
                 "{\"b\":false,\"i\":5,\"f\":0.0,\"s\":\"\",\"o\":null,\"e\":\"\"}");
        input_fails("Scalars", "{\"i\":5.0}", "i", "i");
        input_fails("Scalars", "{\"i\":5.5}", "i", "i");
        input_fails("Scalars", "{\"i\":\"5\"}", "i", "i");
        input_fails("Scalars", "{\"i\":true}", "i", "i");
        input_fails("Scalars", "{\"i\":[]}", "i", "i");
        /* An integer for a float becomes a real. */
        input_ok("Scalars", "{\"f\":5}",
                 "{\"b\":false,\"i\":0,\"f\":5.0,\"s\":\"\",\"o\":null,\"e\":\"\"}");
        input_ok("Scalars", "{\"f\":-0.25}",
                 "{\"b\":false,\"i\":0,\"f\":-0.25,\"s\":\"\",\"o\":null,\"e\":\"\"}");
        input_ok("Scalars", "{\"f\":1e300}",
                 "{\"b\":false,\"i\":0,\"f\":1e300,\"s\":\"\",\"o\":null,\"e\":\"\"}");
        input_fails("Scalars", "{\"f\":\"1.5\"}", "f", "f");
        input_fails("Scalars", "{\"f\":{}}", "f", "f");

        _cleanup_(json_decrefp) json_t *p = json_parse("{\"f\":7}");
        _cleanup_(json_decrefp) json_t *out = NULL;
        assert_int_equal(vl_type_check_input(method_in("Scalars"), p, &out, NULL, NULL), 0);
        assert_true(json_is_real(json_object_get(out, "f")));
        assert_true(json_real_value(json_object_get(out, "f")) == 7.0);
}

static void test_scalars_strict(void **state) {
        input_fails("Scalars", "{\"b\":\"true\"}", "b", "b");
        input_fails("Scalars", "{\"b\":1}", "b", "b");
        input_fails("Scalars", "{\"s\":5}", "s", "s");
        input_fails("Scalars", "{\"s\":false}", "s", "s");
        input_fails("Scalars", "{\"s\":[\"x\"]}", "s", "s");
        input_fails("Scalars", "{\"s\":{}}", "s", "s");
}

static void test_enum(void **state) {
        input_ok("Scalars", "{\"e\":\"three\"}",
                 "{\"b\":false,\"i\":0,\"f\":0.0,\"s\":\"\",\"o\":null,\"e\":\"three\"}");
        /* "" is the zero value, so it is accepted as sent too. */
        input_ok("Scalars", "{\"e\":\"\"}",
                 "{\"b\":false,\"i\":0,\"f\":0.0,\"s\":\"\",\"o\":null,\"e\":\"\"}");
        input_fails("Scalars", "{\"e\":\"four\"}", "e", "e");
        input_fails("Scalars", "{\"e\":\"One\"}", "e", "e");
        input_fails("Scalars", "{\"e\":\"one\\u0000\"}", "e", "e");
        input_fails("Scalars", "{\"e\":1}", "e", "e");
        input_fails("Create", "{\"create\":{\"anon_enum\":\"blue\"}}", "create",
                    "create.anon_enum");
}

static void test_paths(void **state) {
        input_fails("Create", "{\"create\":5}", "create", "create");
        input_fails("Create", "{\"create\":[]}", "create", "create");
        input_fails("Create", "{\"create\":{\"inner\":{\"cpus\":\"x\"}}}", "create",
                    "create.inner.cpus");
        input_fails("Create", "{\"create\":{\"inner\":[]}}", "create", "create.inner");
        input_fails("Create", "{\"create\":{\"anon\":{\"y\":{\"z\":0}}}}", "create",
                    "create.anon.y.z");
        input_fails("Create", "{\"create\":{\"arr\":[\"a\",\"b\",3]}}", "create", "create.arr[2]");
        input_fails("Create", "{\"create\":{\"arr\":{}}}", "create", "create.arr");
        input_fails("Create", "{\"create\":{\"arr\":\"a\"}}", "create", "create.arr");
        input_fails("Create", "{\"create\":{\"arr_struct\":[{},{\"name\":1}]}}", "create",
                    "create.arr_struct[1].name");
        input_fails("Create", "{\"create\":{\"map\":{\"a\":1,\"x\":\"y\"}}}", "create",
                    "create.map[\"x\"]");
        input_fails("Create", "{\"create\":{\"map\":[]}}", "create", "create.map");
        input_fails("Create", "{\"create\":{\"map_struct\":{\"k\":{\"cpus\":true}}}}", "create",
                    "create.map_struct[\"k\"].cpus");
        input_fails("Create", "{\"create\":{\"map\":{\"a\\\"b\\\\c\\n\":\"y\"}}}", "create",
                    "create.map[\"a\\\"b\\\\c\\u000a\"]");
        input_fails("Create", "{\"create\":{\"maybe\":5}}", "create", "create.maybe");
        input_fails("Create", "{\"create\":{\"maybe_inner\":{\"cpus\":[]}}}", "create",
                    "create.maybe_inner.cpus");
        input_fails("Create", "{\"create\":{\"maybe_arr\":[1,null,\"x\"]}}", "create",
                    "create.maybe_arr[2]");
        input_fails("Create", "{\"create\":{\"nested_arr\":[[1],[2,\"x\"]]}}", "create",
                    "create.nested_arr[1][1]");
        input_fails("Tree", "{\"root\":{\"children\":[{\"children\":[{\"name\":false}]}]}}", "root",
                    "root.children[0].children[0].name");
}

static void test_parameters_not_object(void **state) {
        static const char *const values[] = { "[]", "5", "\"x\"", "null", "true" };
        for (size_t i = 0; i < ELEMENTSOF(values); i++)
                input_fails("Scalars", values[i], "parameters", "parameters");
        input_fails("Empty", "[]", "parameters", "parameters");
}

/* A chain of n Tree nodes, each the only child of the one before. */
static json_t *tree_new(unsigned n, bool last_has_children) {
        json_t *node = json_pack("{s:s}", "name", "leaf");
        if (last_has_children)
                json_object_set_new(node, "children", json_array());
        for (unsigned i = 1; i < n; i++)
                node = json_pack("{s:s, s:[o]}", "name", "n", "children", node);
        return json_pack("{s:o}", "root", node);
}

static void test_depth(void **state) {
        /* parameters is level 1, root 2, its children 3, the child 4...:
         * node k sits at level 2 + 2k and its children at 3 + 2k, so 31
         * nodes fill 63 levels. */
        _cleanup_(json_decrefp) json_t *ok = tree_new(31, false);
        _cleanup_(json_decrefp) json_t *out = NULL;
        _cleanup_free_ char *field = NULL, *path = NULL;
        assert_int_equal(vl_type_check_input(method_in("Tree"), ok, &out, &field, &path), 0);
        assert_int_equal(vl_type_check_output(method_out("Tree"), out, NULL), 0);

        /* With 32, the last node's children (sent, or filled in as a zero
         * value) would be level 65. */
        for (int sent = 0; sent <= 1; sent++) {
                _cleanup_(json_decrefp) json_t *bad = tree_new(32, sent);
                json_t *none = NULL;
                _cleanup_free_ char *f = NULL, *p = NULL, *op = NULL;
                assert_int_equal(vl_type_check_input(method_in("Tree"), bad, &none, &f, &p), -1);
                assert_null(none);
                assert_string_equal(f, "root");
                assert_true(STRPREFIX(p, "root.children[0]"));
                assert_int_equal(strlen(p), strlen("root") + 31 * strlen(".children[0]") +
                                                    strlen(".children"));
                assert_int_equal(vl_type_check_output(method_out("Tree"), bad, &op), -1);
                if (sent)
                        assert_string_equal(op, p);
        }

        /* Far deeper than any message may be: still a clean failure. */
        _cleanup_(json_decrefp) json_t *deep = tree_new(2000, false);
        _cleanup_free_ char *f2 = NULL, *p2 = NULL, *p3 = NULL;
        json_t *none = NULL;
        assert_int_equal(vl_type_check_input(method_in("Tree"), deep, &none, &f2, &p2), -1);
        assert_null(none);
        assert_int_equal(vl_type_check_output(method_out("Tree"), deep, &p3), -1);

        /* Deeply nested values inside an object field are not walked. */
        json_t *v = json_integer(1);
        for (int i = 0; i < 2000; i++)
                v = json_pack("[o]", v);
        _cleanup_(json_decrefp) json_t *p = json_pack("{s:o}", "o", v);
        _cleanup_(json_decrefp) json_t *out2 = NULL;
        assert_int_equal(vl_type_check_input(method_in("Scalars"), p, &out2, NULL, NULL), 0);
}

/* Structs embedded through 63 named types fill exactly VL_JSON_DEPTH_MAX
 * levels of zero values (the parser refuses one more). */
static void test_zero_fill_deep(void **state) {
        _cleanup_free_ char *text = xstrdup("interface a.b\n");
        for (unsigned i = 1; i < 63; i++) {
                _cleanup_free_ char *old = text;
                text = xasprintf("%stype T%u (next: T%u)\n", old, i, i + 1);
        }
        _cleanup_free_ char *old = text;
        text = xasprintf("%stype T63 (end: int)\nmethod F(t: T1) -> ()\n", old);
        _cleanup_(vl_interface_freep) VlInterface *deep = NULL;
        assert_int_equal(vl_interface_parse(&deep, text, NULL), 0);

        _cleanup_(json_decrefp) json_t *p = json_object();
        _cleanup_(json_decrefp) json_t *out = NULL;
        assert_int_equal(vl_type_check_input(deep->methods[0].in, p, &out, NULL, NULL), 0);
        json_t *v = json_object_get(out, "t");
        for (unsigned i = 1; i < 63; i++)
                v = json_object_get(v, "next");
        assert_true(json_is_integer(json_object_get(v, "end")));
}

static void test_input_borrowed(void **state) {
        _cleanup_(json_decrefp) json_t *p = json_parse("{\"b\":true,\"x\":1}");
        _cleanup_(json_decrefp) json_t *out = NULL;
        assert_int_equal(vl_type_check_input(method_in("Scalars"), p, &out, NULL, NULL), 0);
        /* The caller's object is left as it was. */
        assert_int_equal(json_object_size(p), 2);
        assert_int_equal(p->refcount, 1);
        assert_ptr_not_equal(out, p);
}

static void test_output(void **state) {
        const VlType *scalars = method_out("Scalars");
        output_ok(scalars, "{\"b\":true,\"i\":1,\"f\":1.5,\"s\":\"\",\"o\":null,\"e\":\"one\"}");
        /* Any order, a float may be an integer, object any value. */
        output_ok(scalars, "{\"e\":\"two\",\"o\":[1],\"s\":\"x\",\"f\":3,\"i\":-1,\"b\":false}");
        output_fails(scalars, "{\"i\":1,\"f\":1.5,\"s\":\"\",\"o\":null,\"e\":\"one\"}", "b");
        output_fails(scalars,
                     "{\"b\":true,\"i\":1,\"f\":1.5,\"s\":\"\",\"o\":null,\"e\":\"one\","
                     "\"extra\":1}",
                     "extra");
        output_fails(scalars, "{\"b\":null,\"i\":1,\"f\":1.5,\"s\":\"\",\"o\":null,\"e\":\"one\"}",
                     "b");
        output_fails(scalars,
                     "{\"b\":true,\"i\":1.0,\"f\":1.5,\"s\":\"\",\"o\":null,\"e\":\"one\"}", "i");
        output_fails(scalars,
                     "{\"b\":true,\"i\":1,\"f\":\"1\",\"s\":\"\",\"o\":null,\"e\":\"one\"}", "f");
        output_fails(scalars, "{\"b\":true,\"i\":1,\"f\":1,\"s\":null,\"o\":null,\"e\":\"one\"}",
                     "s");
        output_fails(scalars, "{\"b\":true,\"i\":1,\"f\":1,\"s\":\"\",\"o\":null,\"e\":\"\"}", "e");
        output_fails(scalars, "{\"b\":true,\"i\":1,\"f\":1,\"s\":\"\",\"o\":null,\"e\":\"four\"}",
                     "e");
        /* Exact names only: no case folding on the way out. */
        output_fails(scalars, "{\"B\":true,\"i\":1,\"f\":1,\"s\":\"\",\"o\":null,\"e\":\"one\"}",
                     "b");

        const VlType *containers = method_out("Containers");
        /* Arrays, maps and ?T may be null; ?T may be absent. */
        output_ok(containers, "{\"arr\":null,\"map\":null,\"maybe\":null,"
                              "\"inner\":{\"cpus\":1,\"name\":\"x\"}}");
        output_ok(containers, "{\"arr\":[],\"map\":{},\"inner\":{\"cpus\":1,\"name\":\"x\"}}");
        output_ok(containers, "{\"arr\":[\"a\"],\"map\":{\"k\":{\"cpus\":0.5,\"name\":\"\"}},"
                              "\"maybe\":{\"cpus\":1,\"name\":\"x\"},"
                              "\"inner\":{\"cpus\":1,\"name\":\"x\"}}");
        /* A struct is never null and never partial. */
        output_fails(containers, "{\"arr\":[],\"map\":{},\"inner\":null}", "inner");
        output_fails(containers, "{\"arr\":[],\"map\":{},\"inner\":{\"cpus\":1}}", "inner.name");
        output_fails(containers,
                     "{\"arr\":[],\"map\":{},\"inner\":{\"cpus\":1,\"name\":\"\",\"x\":1}}",
                     "inner.x");
        output_fails(containers, "{\"arr\":[null],\"map\":{},\"inner\":{\"cpus\":1,\"name\":\"\"}}",
                     "arr[0]");
        output_fails(containers, "{\"arr\":{},\"map\":{},\"inner\":{\"cpus\":1,\"name\":\"\"}}",
                     "arr");
        output_fails(
                containers,
                "{\"arr\":[],\"map\":{\"k\":{\"cpus\":1}},\"inner\":{\"cpus\":1,\"name\":\"\"}}",
                "map[\"k\"].name");
        output_fails(containers,
                     "{\"arr\":[],\"map\":{\"k\":null},\"inner\":{\"cpus\":1,\"name\":\"\"}}",
                     "map[\"k\"]");
        output_fails(containers,
                     "{\"arr\":[],\"map\":{},\"maybe\":{},\"inner\":{\"cpus\":1,\"name\":\"\"}}",
                     "maybe.cpus");

        /* No output fields: NULL and {} pass, anything else does not. */
        const VlType *empty = method_out("Empty");
        assert_int_equal(vl_type_check_output(empty, NULL, NULL), 0);
        output_ok(empty, "{}");
        output_fails(empty, "{\"x\":1}", "x");
        output_fails(empty, "[]", "parameters");
        output_fails(empty, "null", "parameters");
        _cleanup_free_ char *path = NULL;
        assert_int_equal(vl_type_check_output(method_out("Create"), NULL, &path), -1);
        assert_string_equal(path, "container");

        const VlErrorDef *err = vl_interface_find_error(iface, "Err");
        assert_non_null(err);
        output_ok(err->type, "{\"reason\":\"why\"}");
        output_fails(err->type, "{\"reason\":1}", "reason");

        /* A normalised input is a valid output of the same type (enums
         * aside: their zero value "" is no declared value). */
        _cleanup_(json_decrefp) json_t *p = json_parse("{}");
        _cleanup_(json_decrefp) json_t *out = NULL;
        assert_int_equal(vl_type_check_input(method_in("Tree"), p, &out, NULL, NULL), 0);
        assert_int_equal(vl_type_check_output(method_in("Tree"), out, NULL), 0);
}

int main(void) {
        static const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_zero_values),
                cmocka_unit_test(test_values_kept),
                cmocka_unit_test(test_unknown_fields_dropped),
                cmocka_unit_test(test_case_insensitive),
                cmocka_unit_test(test_int_float),
                cmocka_unit_test(test_scalars_strict),
                cmocka_unit_test(test_enum),
                cmocka_unit_test(test_paths),
                cmocka_unit_test(test_parameters_not_object),
                cmocka_unit_test(test_depth),
                cmocka_unit_test(test_zero_fill_deep),
                cmocka_unit_test(test_input_borrowed),
                cmocka_unit_test(test_output),
        };
        return cmocka_run_group_tests_name("validate", tests, setup, teardown);
}
