/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON text writer (json-text.h): what it writes must parse back to
 * the values given, whatever the strings hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "json-text.h"
#include "macro.h"

static void test_strings_escaped(void **state) {
        const char *cases[] = {
                "",
                "plain",
                "quote \" and backslash \\",
                "line\nbreak\ttab\r\b\f",
                "\x01\x1f\x7f",
                "/slash",
                "utf-8: \xc3\xa9\xe2\x82\xac",
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                JsonText t = { 0 };
                json_text_string(&t, cases[i]);
                assert_int_equal(strlen(t.data), t.len);
                json_error_t err;
                json_t *v = json_loads(t.data, JSON_DECODE_ANY, &err);
                assert_non_null(v);
                assert_string_equal(json_string_value(v), cases[i]);
                json_decref(v);
                json_text_free(&t);
        }
        JsonText t = { 0 };
        json_text_string(&t, NULL);
        assert_string_equal(t.data, "\"\"");
        json_text_free(&t);
}

static void test_object_built_by_pieces(void **state) {
        JsonText t = { 0 };
        json_text_lit(&t, "{");
        json_text_key(&t, "n", 1);
        json_text_int(&t, INT64_MIN);
        json_text_key(&t, "b", 0);
        json_text_bool(&t, 1);
        json_text_key(&t, "doc", 0);
        json_text_raw(&t, "[1,{\"x\":null}]", 14);
        json_text_key(&t, "we\"ird", 0);
        json_text_string(&t, "v");
        json_text_lit(&t, "}");
        json_t *v = json_loads(t.data, 0, NULL);
        assert_non_null(v);
        assert_true(json_integer_value(json_object_get(v, "n")) == INT64_MIN);
        assert_true(json_is_true(json_object_get(v, "b")));
        assert_int_equal(json_array_size(json_object_get(v, "doc")), 2);
        assert_string_equal(json_string_value(json_object_get(v, "we\"ird")), "v");
        json_decref(v);
        json_text_free(&t);
        assert_null(t.data);
}

static void test_grows_past_its_buffer(void **state) {
        JsonText t = { 0 };
        json_text_lit(&t, "[");
        for (int i = 0; i < 100000; i++) {
                if (i)
                        json_text_lit(&t, ",");
                json_text_int(&t, i);
        }
        json_text_lit(&t, "]");
        json_t *v = json_loads(t.data, 0, NULL);
        assert_int_equal(json_array_size(v), 100000);
        assert_int_equal(json_integer_value(json_array_get(v, 99999)), 99999);
        json_decref(v);
        json_text_free(&t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_strings_escaped),
                cmocka_unit_test(test_object_built_by_pieces),
                cmocka_unit_test(test_grows_past_its_buffer),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
