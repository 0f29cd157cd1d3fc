/* SPDX-License-Identifier: Apache-2.0 */
/* `varlink-certification-client ADDRESS`: drives org.varlink.certification
 * against a server with our client library: Start, Test01 .. Test11, End,
 * each call carrying back what the step before returned, then a few calls
 * the server must refuse. Every reply is checked strictly against the
 * interface and exactly against the reference values. Exits 0 when all
 * passed. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "certification.h"
#include "json-util.h"
#include "varlink.h"
#include "xalloc.h"

/* Test10 must end after CERT_MORE_REPLIES; a server that keeps going is
 * cut off here rather than read forever. */
#define CERT_MORE_REPLIES_MAX 1000u

typedef struct CertRun {
        const char *address;
        VlInterface *iface;
        unsigned passed, failed;
} CertRun;

static void cert_run_report(CertRun *run, bool ok, const char *fmt, ...) _printf_(3, 4);

static void cert_run_report(CertRun *run, bool ok, const char *fmt, ...) {
        va_list ap;
        fputs(ok ? "ok   " : "FAIL ", stdout);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
        fflush(stdout);
        if (ok)
                run->passed++;
        else
                run->failed++;
}

/* Compact JSON for the log; "(null)" never happens for the values here. */
static char *cert_json_format(json_t *v) {
        char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        return s ? s : xstrdup("(null)");
}

static int cert_run_connect(CertRun *run, VlClient **ret) {
        _cleanup_error_ Error *e = NULL;
        if (vl_client_connect(ret, run->address, &e) < 0) {
                cert_run_report(run, false, "connect to %s: %s", run->address, e->message);
                return -1;
        }
        return 0;
}

/* Checks a reply of step strictly against the method's output type, then
 * normalises it the way a server reads parameters (an integral float
 * becomes a real: Go's encoder sends 1 for 1.0) so it can be compared with
 * the reference values and passed on. */
static int cert_run_check_reply(CertRun *run, CertStep step, json_t *reply, json_t **ret) {
        const VlMethod *m = vl_interface_find_method(run->iface, cert_step_method(step));
        _cleanup_free_ char *path = NULL, *field = NULL;
        _cleanup_free_ char *text = cert_json_format(reply);

        if (vl_type_check_output(m->out, reply, &path) < 0) {
                cert_run_report(run, false, "%s: reply %s does not match the interface at `%s`",
                                m->name, text, path ? path : "");
                return -1;
        }
        if (vl_type_check_input(m->out, reply, ret, &field, NULL) < 0) {
                cert_run_report(run, false, "%s: reply %s: bad field `%s`", m->name, text,
                                field ? field : "");
                return -1;
        }
        return 0;
}

/* Compares a normalised reply with the reference value. */
static int cert_run_expect(CertRun *run, const char *what, json_t *got, json_t *wants) {
        _cleanup_free_ char *g = cert_json_format(got), *w = cert_json_format(wants);
        if (!json_equal(got, wants)) {
                cert_run_report(run, false, "%s: got %s, wants %s", what, g, w);
                return -1;
        }
        cert_run_report(run, true, "%s -> %s", what, g);
        return 0;
}

/* Makes a call that must answer with exactly one reply, no error. */
static int cert_run_call(CertRun *run, VlClient *client, CertStep step, json_t *parameters,
                         json_t **ret) {
        const char *name = cert_step_method(step);
        _cleanup_free_ char *method = xasprintf(CERT_INTERFACE ".%s", name);
        _cleanup_json_ json_t *reply = NULL;
        _cleanup_free_ char *error = NULL;
        _cleanup_error_ Error *e = NULL;

        if (vl_client_call_simple(client, method, parameters, &reply, &error, &e) < 0) {
                cert_run_report(run, false, "%s: %s", name, e->message);
                return -1;
        }
        if (error) {
                _cleanup_free_ char *text = cert_json_format(reply);
                cert_run_report(run, false, "%s: error %s %s", name, error, text);
                return -1;
        }
        return cert_run_check_reply(run, step, reply, ret);
}

/* The parameters of the next step: the previous reply plus client_id. */
static json_t *cert_parameters_build(const char *client_id, json_t *previous) {
        json_t *p = json_pack("{s:s}", "client_id", client_id);
        if (previous)
                json_object_update(p, previous);
        return p;
}

/* Test10 streams its replies; Test11 (oneway) hands them all back. */
static int cert_run_more(CertRun *run, VlClient *client, const char *client_id, json_t *previous,
                         json_t **ret_strings) {
        _cleanup_json_ json_t *params = cert_parameters_build(client_id, previous);
        _cleanup_json_ json_t *strings = json_array();
        _cleanup_error_ Error *e = NULL;

        if (vl_client_call(client, CERT_INTERFACE ".Test10", params, VL_CALL_MORE, &e) < 0) {
                cert_run_report(run, false, "Test10: %s", e->message);
                return -1;
        }
        for (unsigned i = 1;; i++) {
                _cleanup_json_ json_t *reply = NULL, *normal = NULL, *wants = NULL;
                _cleanup_free_ char *error = NULL, *what = NULL;
                bool continues = false;

                if (vl_client_receive(client, &reply, &error, &continues, &e) < 0) {
                        cert_run_report(run, false, "Test10: %s", e->message);
                        return -1;
                }
                if (error) {
                        _cleanup_free_ char *text = cert_json_format(reply);
                        cert_run_report(run, false, "Test10: error %s %s", error, text);
                        return -1;
                }
                if (cert_run_check_reply(run, CERT_TEST10, reply, &normal) < 0)
                        return -1;
                what = xasprintf("Test10 reply %u%s", i, continues ? " (continues)" : "");
                wants = cert_more_reply(i);
                if (cert_run_expect(run, what, normal, wants) < 0)
                        return -1;
                json_array_append(strings, json_object_get(normal, "string"));
                if (!continues)
                        break;
                if (i >= CERT_MORE_REPLIES_MAX) {
                        cert_run_report(run, false, "Test10: more than %u replies",
                                        CERT_MORE_REPLIES_MAX);
                        return -1;
                }
        }
        if (json_array_size(strings) != CERT_MORE_REPLIES) {
                cert_run_report(run, false, "Test10: %zu replies, wants %u",
                                json_array_size(strings), CERT_MORE_REPLIES);
                return -1;
        }
        *ret_strings = TAKE_PTR(strings);
        return 0;
}

/* The whole sequence. Start goes over a connection of its own, closed
 * before the rest: the server must keep a client's progress across
 * connections. */
static int cert_run_sequence(CertRun *run) {
        _cleanup_(vl_client_freep) VlClient *client = NULL;
        _cleanup_json_ json_t *start = NULL, *previous = NULL, *strings = NULL;
        _cleanup_error_ Error *e = NULL;
        const char *client_id;

        if (cert_run_connect(run, &client) < 0 ||
            cert_run_call(run, client, CERT_START, NULL, &start) < 0)
                return -1;
        client_id = json_string_value(json_object_get(start, "client_id"));
        if (!client_id || !*client_id) {
                cert_run_report(run, false, "Start: empty client_id");
                return -1;
        }
        cert_run_report(run, true, "Start -> client_id %s", client_id);
        client = vl_client_free(client);

        if (cert_run_connect(run, &client) < 0)
                return -1;
        for (CertStep step = CERT_TEST01; step <= CERT_TEST09; step++) {
                _cleanup_json_ json_t *params = cert_parameters_build(client_id, previous);
                _cleanup_json_ json_t *reply = NULL, *wants = cert_step_reply(step);
                if (cert_run_call(run, client, step, params, &reply) < 0 ||
                    cert_run_expect(run, cert_step_method(step), reply, wants) < 0)
                        return -1;
                json_decref(previous);
                previous = TAKE_PTR(reply);
        }

        if (cert_run_more(run, client, client_id, previous, &strings) < 0)
                return -1;

        _cleanup_json_ json_t *params =
                json_pack("{s:s, s:O}", "client_id", client_id, "last_more_replies", strings);
        if (vl_client_call(client, CERT_INTERFACE ".Test11", params, VL_CALL_ONEWAY, &e) < 0) {
                cert_run_report(run, false, "Test11: %s", e->message);
                return -1;
        }
        cert_run_report(run, true, "Test11 (oneway) sent");

        /* End goes over the same connection: the server answers a
         * connection's calls in order, so Test11 has been handled by then. */
        _cleanup_json_ json_t *end_params = cert_parameters_build(client_id, NULL);
        _cleanup_json_ json_t *end = NULL, *wants = cert_step_reply(CERT_END);
        if (cert_run_call(run, client, CERT_END, end_params, &end) < 0 ||
            cert_run_expect(run, "End", end, wants) < 0)
                return -1;
        return 0;
}

/* Makes a call that must fail with error; returns the error's parameters
 * (new reference) or NULL after reporting what went wrong. */
static json_t *cert_run_call_refused(CertRun *run, VlClient *client, const char *what,
                                     const char *method, json_t *parameters, const char *error) {
        _cleanup_json_ json_t *reply = NULL;
        _cleanup_free_ char *got = NULL;
        _cleanup_error_ Error *e = NULL;

        if (vl_client_call_simple(client, method, parameters, &reply, &got, &e) < 0) {
                cert_run_report(run, false, "%s: %s", what, e->message);
                return NULL;
        }
        if (!got || !STREQ(got, error)) {
                _cleanup_free_ char *text = cert_json_format(reply);
                cert_run_report(run, false, "%s: got %s %s, wants error %s", what,
                                got ? got : "reply", text, error);
                return NULL;
        }
        return TAKE_PTR(reply);
}

/* The error's parameters must match its declaration in the interface. */
static bool cert_run_error_is_declared(CertRun *run, const char *error, json_t *parameters) {
        const VlErrorDef *d = vl_interface_find_error(run->iface, strrchr(error, '.') + 1);
        return d && vl_type_check_output(d->type, parameters, NULL) == 0;
}

/* Calls the server must refuse, made with a client of their own so the
 * main run's progress is not disturbed. */
static void cert_run_negative(CertRun *run) {
        _cleanup_(vl_client_freep) VlClient *client = NULL;
        _cleanup_json_ json_t *start = NULL, *p = NULL, *r = NULL;
        const char *id;

        if (cert_run_connect(run, &client) < 0 ||
            cert_run_call(run, client, CERT_START, NULL, &start) < 0)
                return;
        id = json_string_value(json_object_get(start, "client_id"));

        /* A wrong type is refused before the handler runs, naming the
         * field; the client stays at Test01. */
        p = json_pack("{s:s, s:s}", "client_id", id, "bool", "true");
        r = cert_run_call_refused(run, client, "Test02 with a string for bool",
                                  CERT_INTERFACE ".Test02", p,
                                  "org.varlink.service.InvalidParameter");
        if (r) {
                const char *field = json_string_value(json_object_get(r, "parameter"));
                cert_run_report(run, field && STREQ(field, "bool"),
                                "Test02 with a string for bool -> InvalidParameter(%s)",
                                field ? field : "");
        }
        json_decref(TAKE_PTR(p));
        json_decref(TAKE_PTR(r));

        /* Out of order: Test01 comes next, not Test03. */
        p = json_pack("{s:s, s:i}", "client_id", id, "int", 1);
        r = cert_run_call_refused(run, client, "Test03 before Test01", CERT_INTERFACE ".Test03", p,
                                  CERT_INTERFACE ".CertificationError");
        if (r) {
                _cleanup_free_ char *text = cert_json_format(r);
                const char *wants =
                        json_string_value(json_object_get(json_object_get(r, "wants"), "method"));
                const char *got =
                        json_string_value(json_object_get(json_object_get(r, "got"), "method"));
                bool ok =
                        cert_run_error_is_declared(run, CERT_INTERFACE ".CertificationError", r) &&
                        wants && STREQ(wants, CERT_INTERFACE ".Test01") && got &&
                        STREQ(got, CERT_INTERFACE ".Test03");
                cert_run_report(run, ok, "Test03 before Test01 -> CertificationError %s", text);
        }
        json_decref(TAKE_PTR(p));
        json_decref(TAKE_PTR(r));

        /* End is a step like the others: not before the tests. */
        p = json_pack("{s:s}", "client_id", id);
        r = cert_run_call_refused(run, client, "End before Test01", CERT_INTERFACE ".End", p,
                                  CERT_INTERFACE ".CertificationError");
        if (r)
                cert_run_report(run, true, "End before Test01 -> CertificationError");
        json_decref(TAKE_PTR(p));
        json_decref(TAKE_PTR(r));

        p = json_pack("{s:s}", "client_id", "no-such-client");
        r = cert_run_call_refused(run, client, "Test01 with an unknown client_id",
                                  CERT_INTERFACE ".Test01", p, CERT_INTERFACE ".ClientIdError");
        if (r)
                cert_run_report(run,
                                cert_run_error_is_declared(run, CERT_INTERFACE ".ClientIdError", r),
                                "Test01 with an unknown client_id -> ClientIdError");
        json_decref(TAKE_PTR(p));
        json_decref(TAKE_PTR(r));

        p = json_pack("{s:s}", "client_id", id);
        r = cert_run_call_refused(run, client, "Test99", CERT_INTERFACE ".Test99", p,
                                  "org.varlink.service.MethodNotFound");
        if (r) {
                const char *method = json_string_value(json_object_get(r, "method"));
                cert_run_report(run, method && STREQ(method, "Test99"),
                                "Test99 -> MethodNotFound(%s)", method ? method : "");
        }
}

/* The server must list the interface and serve the very text we embed
 * (GetInterfaceDescription normalises trailing newlines to one). */
static void cert_run_service(CertRun *run) {
        _cleanup_(vl_client_freep) VlClient *client = NULL;
        _cleanup_json_ json_t *info = NULL, *desc = NULL, *p = NULL;
        _cleanup_free_ char *error = NULL;
        _cleanup_error_ Error *e = NULL;

        if (cert_run_connect(run, &client) < 0)
                return;
        if (vl_client_call_simple(client, "org.varlink.service.GetInfo", NULL, &info, &error, &e) <
                    0 ||
            error) {
                cert_run_report(run, false, "GetInfo: %s", e ? e->message : error);
                return;
        }
        bool listed = false;
        size_t i;
        json_t *name;
        json_array_foreach (json_object_get(info, "interfaces"), i, name)
                listed = listed ||
                         (json_is_string(name) && STREQ(json_string_value(name), CERT_INTERFACE));
        cert_run_report(run, listed, "GetInfo lists " CERT_INTERFACE);

        p = json_pack("{s:s}", "interface", CERT_INTERFACE);
        if (vl_client_call_simple(client, "org.varlink.service.GetInterfaceDescription", p, &desc,
                                  &error, &e) < 0 ||
            error) {
                cert_run_report(run, false, "GetInterfaceDescription: %s", e ? e->message : error);
                return;
        }
        const char *text = json_string_value(json_object_get(desc, "description"));
        size_t len = strlen(cert_idl);
        while (len > 0 && cert_idl[len - 1] == '\n')
                len--;
        bool same = text && strlen(text) == len + 1 && strncmp(text, cert_idl, len) == 0 &&
                    text[len] == '\n';
        cert_run_report(run, same, "GetInterfaceDescription returns certification.varlink");
}

int main(int argc, char **argv) {
        _cleanup_(vl_interface_freep) VlInterface *iface = NULL;
        VlSyntaxError syntax = { 0 };

        if (argc != 2 || argv[1][0] == '-') {
                fprintf(stderr, "usage: %s ADDRESS\n", argv[0]);
                return 2;
        }
        if (vl_interface_parse(&iface, cert_idl, &syntax) < 0) {
                fprintf(stderr, "certification.varlink:%u:%u: %s\n", syntax.line, syntax.column,
                        syntax.message);
                return 1;
        }
        CertRun run = { .address = argv[1], .iface = iface };

        cert_run_service(&run);
        if (cert_run_sequence(&run) < 0)
                cert_run_report(&run, false, "certification sequence stopped");
        cert_run_negative(&run);

        printf("%u passed, %u failed\n", run.passed, run.failed);
        return run.failed == 0 ? 0 : 1;
}
