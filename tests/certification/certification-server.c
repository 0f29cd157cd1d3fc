/* SPDX-License-Identifier: Apache-2.0 */
/* `varlink-certification-server ADDRESS`: serves org.varlink.certification,
 * varlink.org's conformance test, with our server library. A client calls
 * Start, Test01 .. Test11 and End, each time passing back what the step
 * before returned; every step checks the call exactly (method, flags and
 * parameters) and answers CertificationError(wants, got) on a mismatch. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "certification.h"
#include "config.h"
#include "json-util.h"
#include "varlink.h"
#include "xalloc.h"

/* Clients whose run is in progress. A client that never calls End would
 * otherwise hold its slot forever, so past the limit Start drops the
 * client that started first. */
#define CERT_CLIENTS_MAX 256u
/* client_id: 16 random bytes in hex. */
#define CERT_CLIENT_ID_LEN 32u

typedef struct CertClient {
        char id[CERT_CLIENT_ID_LEN + 1];
        CertStep next;   /* the step it must call next */
        bool failed;     /* some step did not match: End says all_ok false */
        uint64_t serial; /* order of Start, to find the oldest */
} CertClient;

/* Shared by every connection thread: a client may run its steps over
 * several connections, and several clients run at once. */
typedef struct CertServer {
        pthread_mutex_t lock;
        CertClient clients[CERT_CLIENTS_MAX];
        size_t n_clients;
        uint64_t serial;
} CertServer;

/* Makes a client id. Ids must be unique, not secret: should getrandom()
 * fail, the serial and the clock still keep them apart. */
static void cert_server_id_make(CertServer *cs, char ret[static CERT_CLIENT_ID_LEN + 1]) {
        unsigned char bytes[CERT_CLIENT_ID_LEN / 2];
        if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                snprintf(ret, CERT_CLIENT_ID_LEN + 1, "%016" PRIx64 "%016" PRIx64, cs->serial,
                         (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
                return;
        }
        for (size_t i = 0; i < sizeof bytes; i++)
                snprintf(ret + 2 * i, 3, "%02x", bytes[i]);
}

/* Call with cs->lock held. */
static CertClient *cert_server_find(CertServer *cs, const char *id) {
        for (size_t i = 0; id && i < cs->n_clients; i++)
                if (STREQ(cs->clients[i].id, id))
                        return &cs->clients[i];
        return NULL;
}

/* Call with cs->lock held. */
static CertClient *cert_server_add(CertServer *cs) {
        CertClient *c;
        if (cs->n_clients < CERT_CLIENTS_MAX)
                c = &cs->clients[cs->n_clients++];
        else {
                c = &cs->clients[0];
                for (size_t i = 1; i < cs->n_clients; i++)
                        if (cs->clients[i].serial < c->serial)
                                c = &cs->clients[i];
        }
        *c = (CertClient){ .next = CERT_TEST01, .serial = ++cs->serial };
        cert_server_id_make(cs, c->id);
        return c;
}

/* Call with cs->lock held. */
static void cert_server_remove(CertServer *cs, CertClient *c) { *c = cs->clients[--cs->n_clients]; }

/* A call as the reference compares it: method, parameters and the flags
 * that were set. */
static json_t *cert_request_build(const char *method, json_t *parameters, bool more, bool oneway) {
        json_t *r = json_pack("{s:s, s:O}", "method", method, "parameters", parameters);
        if (more)
                json_object_set_new(r, "more", json_true());
        if (oneway)
                json_object_set_new(r, "oneway", json_true());
        return r;
}

static void cert_error_send(VlCall *call, json_t *wants, json_t *got) {
        (void)vl_call_error(call, CERT_INTERFACE ".CertificationError",
                            json_pack("{s:O, s:O}", "wants", wants, "got", got), NULL);
}

static void org_varlink_certification_Start(VlCall *call, json_t *parameters, void *userdata) {
        CertServer *cs = userdata;
        _cleanup_json_ json_t *wants =
                cert_request_build(CERT_INTERFACE ".Start", parameters, false, false);
        _cleanup_json_ json_t *got =
                cert_request_build(vl_call_method(call), parameters, vl_call_wants_more(call),
                                   vl_call_is_oneway(call));
        if (!json_equal(wants, got)) {
                cert_error_send(call, wants, got);
                return;
        }

        char id[CERT_CLIENT_ID_LEN + 1];
        pthread_mutex_lock(&cs->lock);
        memcpy(id, cert_server_add(cs)->id, sizeof id);
        pthread_mutex_unlock(&cs->lock);
        (void)vl_call_reply(call, json_pack("{s:s}", "client_id", id), false, NULL);
}

/* Checks one step of a client and moves it on. The check and the move
 * happen under one lock, so two calls racing with the same client_id
 * cannot both pass. */
static void cert_server_step(CertServer *cs, VlCall *call, json_t *parameters, CertStep step) {
        const char *id = json_string_value(json_object_get(parameters, "client_id"));
        _cleanup_json_ json_t *wants = NULL, *got = NULL;
        bool all_ok;

        pthread_mutex_lock(&cs->lock);
        CertClient *c = cert_server_find(cs, id);
        if (!c) {
                pthread_mutex_unlock(&cs->lock);
                (void)vl_call_error(call, CERT_INTERFACE ".ClientIdError", NULL, NULL);
                return;
        }
        if (c->next != step) {
                _cleanup_free_ char *next =
                        xasprintf(CERT_INTERFACE ".%s", cert_step_method(c->next));
                wants = json_pack("{s:s}", "method", next);
                got = json_pack("{s:s}", "method", vl_call_method(call));
        } else {
                _cleanup_free_ char *method =
                        xasprintf(CERT_INTERFACE ".%s", cert_step_method(step));
                _cleanup_json_ json_t *expected = cert_step_parameters(step, c->id);
                unsigned flags = cert_step_flags(step);
                wants = cert_request_build(method, expected, flags & VL_CALL_MORE,
                                           flags & VL_CALL_ONEWAY);
                got = cert_request_build(vl_call_method(call), parameters, vl_call_wants_more(call),
                                         vl_call_is_oneway(call));
                if (json_equal(wants, got)) {
                        json_decref(TAKE_PTR(wants));
                        json_decref(TAKE_PTR(got));
                        c->next = step + 1;
                }
        }
        if (wants)
                c->failed = true;
        all_ok = !c->failed;
        if (step == CERT_END && !wants)
                cert_server_remove(cs, c);
        pthread_mutex_unlock(&cs->lock);

        if (wants) {
                cert_error_send(call, wants, got);
                return;
        }
        switch (step) {
        case CERT_TEST10:
                for (unsigned i = 1; i <= CERT_MORE_REPLIES; i++)
                        if (vl_call_reply(call, cert_more_reply(i), i < CERT_MORE_REPLIES, NULL) <
                            0)
                                break; /* the client is gone */
                break;
        case CERT_END:
                (void)vl_call_reply(call, json_pack("{s:b}", "all_ok", all_ok), false, NULL);
                break;
        default:
                (void)vl_call_reply(call, cert_step_reply(step), false, NULL);
                break;
        }
}

#define CERT_HANDLER(name, step)                                                       \
        static void org_varlink_certification_##name(VlCall *call, json_t *parameters, \
                                                     void *userdata) {                 \
                cert_server_step(userdata, call, parameters, step);                    \
        }

CERT_HANDLER(Test01, CERT_TEST01)
CERT_HANDLER(Test02, CERT_TEST02)
CERT_HANDLER(Test03, CERT_TEST03)
CERT_HANDLER(Test04, CERT_TEST04)
CERT_HANDLER(Test05, CERT_TEST05)
CERT_HANDLER(Test06, CERT_TEST06)
CERT_HANDLER(Test07, CERT_TEST07)
CERT_HANDLER(Test08, CERT_TEST08)
CERT_HANDLER(Test09, CERT_TEST09)
CERT_HANDLER(Test10, CERT_TEST10)
CERT_HANDLER(Test11, CERT_TEST11)
CERT_HANDLER(End, CERT_END)

#define BIND(name) \
        { #name, org_varlink_certification_##name }

static const VlMethodBinding cert_bindings[] = {
        BIND(Start),  BIND(Test01), BIND(Test02), BIND(Test03), BIND(Test04),
        BIND(Test05), BIND(Test06), BIND(Test07), BIND(Test08), BIND(Test09),
        BIND(Test10), BIND(Test11), BIND(End),
};

static const VlServiceInfo cert_service_info = {
        .vendor = "varpod",
        .product = "varlink-certification-server",
        .version = VARPOD_VERSION,
        .url = "https://varlink.org",
};

int main(int argc, char **argv) {
        _cleanup_(vl_server_freep) VlServer *server = NULL;
        _cleanup_error_ Error *e = NULL;
        static CertServer cs = { .lock = PTHREAD_MUTEX_INITIALIZER };

        if (argc != 2 || argv[1][0] == '-') {
                fprintf(stderr, "usage: %s ADDRESS\n", argv[0]);
                return 2;
        }
        if (vl_server_new(&server, &cert_service_info, &e) < 0 ||
            vl_server_add_interface(server, cert_idl, cert_bindings, ELEMENTSOF(cert_bindings), &cs,
                                    &e) < 0 ||
            vl_server_listen(server, argv[1], &e) < 0) {
                fprintf(stderr, "varlink-certification-server: %s\n", e->message);
                return 1;
        }
        /* The test wrapper waits for this line before it starts the client. */
        printf("varlink-certification-server: listening on %s\n", argv[1]);
        fflush(stdout);
        if (vl_server_run(server, 0, true, &e) < 0) {
                fprintf(stderr, "varlink-certification-server: %s\n", e->message);
                return 1;
        }
        return 0;
}
