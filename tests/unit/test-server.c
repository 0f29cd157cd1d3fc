/* SPDX-License-Identifier: Apache-2.0 */
/* The server in-process with a test interface: dispatch, zero values,
 * streaming, oneway, strict reply checks, fallbacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json-util.h"
#include "varlink.h"
#include "xalloc.h"

static const char test_idl[] =
        "# A test interface.\n"
        "interface org.example.test\n"
        "\n"
        "type Thing (name: string, count: int, ratio: float, tags: []string,\n"
        "            labels: [string]string, extra: ?string, inner: (on: bool))\n"
        "\n"
        "method Echo(thing: Thing) -> (thing: Thing)\n"
        "method Stream(n: int) -> (i: int)\n"
        "method WrongShape() -> (x: int)\n"
        "method Silent() -> ()\n"
        "method Nothing() -> ()\n"
        "method Count() -> (calls: int)\n"
        "method Fail(reason: string) -> ()\n"
        "method Unbound() -> ()\n"
        "error Failed (reason: string)\n";

static atomic_int calls;

static void test_Echo(VlCall *call, json_t *parameters, void *userdata) {
        (void)vl_call_reply(call, json_incref(parameters), false, NULL);
}

static void test_Stream(VlCall *call, json_t *parameters, void *userdata) {
        json_int_t n = json_integer_value(json_object_get(parameters, "n"));
        for (json_int_t i = 1; i < n; i++) {
                _cleanup_error_ Error *e = NULL;
                if (vl_call_reply(call, json_pack("{s:I}", "i", i), true, &e) < 0) {
                        /* Without "more" a continues reply is refused. */
                        assert_int_equal(e->kind, ERR_INVALID_ARGUMENT);
                        break;
                }
        }
        (void)vl_call_reply(call, json_pack("{s:I}", "i", n), false, NULL);
}

static void test_WrongShape(VlCall *call, json_t *parameters, void *userdata) {
        (void)vl_call_reply(call, json_pack("{s:s}", "x", "not an int"), false, NULL);
}

static void test_Silent(VlCall *call, json_t *parameters, void *userdata) {}

static void test_Nothing(VlCall *call, json_t *parameters, void *userdata) {
        (void)vl_call_reply(call, NULL, false, NULL);
}

static void test_Count(VlCall *call, json_t *parameters, void *userdata) {
        int n = atomic_fetch_add(&calls, 1) + 1;
        (void)vl_call_reply(call, json_pack("{s:i}", "calls", n), false, NULL);
}

static void test_Fail(VlCall *call, json_t *parameters, void *userdata) {
        (void)vl_call_error(call, "org.example.test.Failed",
                            json_pack("{s:O}", "reason", json_object_get(parameters, "reason")),
                            NULL);
}

typedef struct Fixture {
        VlServer *server;
        pthread_t thread;
        char *dir;
        char *address;
} Fixture;

static void *serve(void *arg) {
        Fixture *f = arg;
        assert_int_equal(vl_server_run(f->server, 0, false, NULL), 0);
        return NULL;
}

static int fixture_setup(void **state) {
        static const VlMethodBinding bindings[] = {
                { "Echo", test_Echo },
                { "Stream", test_Stream },
                { "WrongShape", test_WrongShape },
                { "Silent", test_Silent },
                { "Nothing", test_Nothing },
                { "Count", test_Count },
                { "Fail", test_Fail },
        };
        Fixture *f = xnew0(Fixture, 1);
        f->dir = xstrdup("/tmp/varpod-test-server-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        f->address = xasprintf("unix:%s/sock", f->dir);
        VlServiceInfo info = { .vendor = "test",
                               .product = "test",
                               .version = "1",
                               .url = "",
                               .internal_error = "org.example.test.Failed",
                               .internal_error_field = "reason" };
        assert_int_equal(vl_server_new(&f->server, &info, NULL), 0);
        vl_server_set_check_replies(f->server, true);
        _cleanup_error_ Error *e = NULL;
        assert_int_equal(vl_server_add_interface(f->server, test_idl, bindings,
                                                 ELEMENTSOF(bindings), NULL, &e),
                         0);
        assert_int_equal(vl_server_listen(f->server, f->address, NULL), 0);
        assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
        *state = f;
        return 0;
}

static int fixture_teardown(void **state) {
        Fixture *f = *state;
        vl_server_stop(f->server);
        pthread_join(f->thread, NULL);
        vl_server_free(f->server);
        _cleanup_free_ char *sock = xasprintf("%s/sock", f->dir);
        assert_int_equal(access(sock, F_OK), -1); /* removed on the way out */
        rmdir(f->dir);
        free(f->dir);
        free(f->address);
        free(f);
        return 0;
}

static json_t *call_once(Fixture *f, const char *method, json_t *params, char **ret_error) {
        _cleanup_(vl_client_freep) VlClient *c = NULL;
        assert_int_equal(vl_client_connect(&c, f->address, NULL), 0);
        json_t *reply = NULL;
        assert_int_equal(vl_client_call_simple(c, method, params, &reply, ret_error, NULL), 0);
        return reply;
}

static void test_echo_zero_values(void **state) {
        Fixture *f = *state;
        _cleanup_json_ json_t *params = json_pack("{s:{s:s, s:i, s:n, s:{s:s}}}", "thing", "NAME",
                                                  "x", "ratio", 2, "tags", "labels", "a", "b");
        _cleanup_free_ char *error = NULL;
        _cleanup_json_ json_t *r = call_once(f, "org.example.test.Echo", params, &error);
        assert_null(error);
        json_t *thing = json_object_get(r, "thing");
        /* Case-insensitive key, absent and null fields as zero values, an
         * integer accepted for a float, the optional field left null. */
        assert_string_equal(json_string_value(json_object_get(thing, "name")), "x");
        assert_int_equal(json_integer_value(json_object_get(thing, "count")), 0);
        assert_true(json_is_real(json_object_get(thing, "ratio")));
        assert_true(json_is_array(json_object_get(thing, "tags")));
        assert_string_equal(
                json_string_value(json_object_get(json_object_get(thing, "labels"), "a")), "b");
        assert_true(json_is_null(json_object_get(thing, "extra")));
        assert_true(json_is_false(json_object_get(json_object_get(thing, "inner"), "on")));
}

static void test_stream_with_more(void **state) {
        Fixture *f = *state;
        _cleanup_(vl_client_freep) VlClient *c = NULL;
        assert_int_equal(vl_client_connect(&c, f->address, NULL), 0);
        _cleanup_json_ json_t *params = json_pack("{s:i}", "n", 5);
        assert_int_equal(vl_client_call(c, "org.example.test.Stream", params, VL_CALL_MORE, NULL),
                         0);
        for (int i = 1; i <= 5; i++) {
                _cleanup_json_ json_t *r = NULL;
                bool continues;
                assert_int_equal(vl_client_receive(c, &r, NULL, &continues, NULL), 0);
                assert_int_equal(json_integer_value(json_object_get(r, "i")), i);
                assert_int_equal(continues, i < 5);
        }
}

static void test_stream_without_more(void **state) {
        Fixture *f = *state;
        _cleanup_json_ json_t *params = json_pack("{s:i}", "n", 5);
        _cleanup_json_ json_t *r = call_once(f, "org.example.test.Stream", params, NULL);
        assert_int_equal(json_integer_value(json_object_get(r, "i")), 5);
}

static void test_wrong_shape_caught(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *error = NULL;
        _cleanup_json_ json_t *r = call_once(f, "org.example.test.WrongShape", NULL, &error);
        assert_string_equal(error, "org.example.test.Failed");
        assert_non_null(
                strstr(json_string_value(json_object_get(r, "reason")), "breaks its contract"));
}

static void test_silent_handler(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *error = NULL;
        _cleanup_json_ json_t *r = call_once(f, "org.example.test.Silent", NULL, &error);
        assert_string_equal(error, "org.example.test.Failed");
        assert_non_null(strstr(json_string_value(json_object_get(r, "reason")), "without a reply"));
}

static void test_no_output_fields(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *error = NULL;
        _cleanup_json_ json_t *r = call_once(f, "org.example.test.Nothing", NULL, &error);
        assert_null(error);
        assert_int_equal(json_object_size(r), 0);
}

static void test_unbound_not_implemented(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *error = NULL;
        _cleanup_json_ json_t *r = call_once(f, "org.example.test.Unbound", NULL, &error);
        assert_string_equal(error, "org.varlink.service.MethodNotImplemented");
        assert_string_equal(json_string_value(json_object_get(r, "method")), "Unbound");
}

static void test_error_reply(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *error = NULL;
        _cleanup_json_ json_t *params = json_pack("{s:s}", "reason", "because");
        _cleanup_json_ json_t *r = call_once(f, "org.example.test.Fail", params, &error);
        assert_string_equal(error, "org.example.test.Failed");
        assert_string_equal(json_string_value(json_object_get(r, "reason")), "because");
}

static void test_oneway_runs_silently(void **state) {
        Fixture *f = *state;
        _cleanup_(vl_client_freep) VlClient *c = NULL;
        assert_int_equal(vl_client_connect(&c, f->address, NULL), 0);
        int before = atomic_load(&calls);
        assert_int_equal(vl_client_call(c, "org.example.test.Count", NULL, VL_CALL_ONEWAY, NULL),
                         0);
        assert_int_equal(vl_client_call(c, "org.example.test.Count", NULL, 0, NULL), 0);
        _cleanup_json_ json_t *r = NULL;
        assert_int_equal(vl_client_receive(c, &r, NULL, NULL, NULL), 0);
        /* The oneway call ran (count went up twice) but wrote nothing. */
        assert_int_equal(json_integer_value(json_object_get(r, "calls")), before + 2);
}

static void test_description(void **state) {
        Fixture *f = *state;
        _cleanup_json_ json_t *params = json_pack("{s:s}", "interface", "org.example.test");
        _cleanup_json_ json_t *r =
                call_once(f, "org.varlink.service.GetInterfaceDescription", params, NULL);
        assert_string_equal(json_string_value(json_object_get(r, "description")), test_idl);
}

static void test_add_interface_errors(void **state) {
        VlServer *s = NULL;
        VlServiceInfo info = { .vendor = "v" };
        assert_int_equal(vl_server_new(&s, &info, NULL), 0);
        Error *e = NULL;
        assert_int_equal(vl_server_add_interface(s, "interface org.example.x\nmethod A( -> ()\n",
                                                 NULL, 0, NULL, &e),
                         -1);
        assert_non_null(strstr(e->message, "interface description:2:"));
        e = err_free(e);
        static const VlMethodBinding unknown[] = { { "B", test_Silent } };
        assert_int_equal(vl_server_add_interface(s, "interface org.example.x\nmethod A() -> ()\n",
                                                 unknown, 1, NULL, &e),
                         -1);
        assert_non_null(strstr(e->message, "no method `B`"));
        e = err_free(e);
        assert_int_equal(
                vl_server_add_interface(s, "interface org.varlink.service\nmethod A() -> ()\n",
                                        NULL, 0, NULL, &e),
                -1);
        assert_int_equal(e->kind, ERR_EXISTS);
        err_free(e);
        vl_server_free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_echo_zero_values, fixture_setup,
                                                fixture_teardown),
                cmocka_unit_test_setup_teardown(test_stream_with_more, fixture_setup,
                                                fixture_teardown),
                cmocka_unit_test_setup_teardown(test_stream_without_more, fixture_setup,
                                                fixture_teardown),
                cmocka_unit_test_setup_teardown(test_wrong_shape_caught, fixture_setup,
                                                fixture_teardown),
                cmocka_unit_test_setup_teardown(test_silent_handler, fixture_setup,
                                                fixture_teardown),
                cmocka_unit_test_setup_teardown(test_no_output_fields, fixture_setup,
                                                fixture_teardown),
                cmocka_unit_test_setup_teardown(test_unbound_not_implemented, fixture_setup,
                                                fixture_teardown),
                cmocka_unit_test_setup_teardown(test_error_reply, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_oneway_runs_silently, fixture_setup,
                                                fixture_teardown),
                cmocka_unit_test_setup_teardown(test_description, fixture_setup, fixture_teardown),
                cmocka_unit_test(test_add_interface_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
