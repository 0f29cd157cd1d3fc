/* SPDX-License-Identifier: Apache-2.0 */
/* The pure logic of pods: CreatePod's `share` and `publish` strings and
 * the status word derived from the members' states (semantics 2.1, 2.6),
 * as tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "pod.h"
#include "spec.h"

#define NS(x) (1u << SPEC_NS_##x)

static void test_share_parse(void **state) {
        static const struct {
                const char *entries[4];
                size_t n;
                int ok;
                unsigned want;
        } cases[] = {
                { { "net" }, 1, 1, NS(NETWORK) },
                { { "net", "ipc", "uts" }, 3, 1, NS(NETWORK) | NS(IPC) | NS(UTS) },
                { { "pid", "cgroup" }, 2, 1, NS(PID) | NS(CGROUP) },
                { { "", "net" }, 2, 1, NS(NETWORK) },
                { { "net", "none", "ipc" }, 3, 1, 0 }, /* none discards all, stops */
                { { "none", "bogus" }, 2, 1, 0 },      /* ... before anything after */
                { { "mnt" }, 1, 0, 0 },
                { { "user" }, 1, 0, 0 },
                { { "net", "bogus" }, 2, 0, 0 },
                { { "" }, 1, 1, 0 },
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                unsigned got = 0xdead;
                Error *err = NULL;
                int r = pod_share_parse(cases[i].entries, cases[i].n, &got, &err);
                if (cases[i].ok) {
                        assert_int_equal(r, 0);
                        assert_int_equal(got, cases[i].want);
                } else {
                        assert_true(r < 0);
                        assert_int_equal(err->kind, ERR_INVALID_ARGUMENT);
                        assert_int_equal(got, 0xdead); /* untouched on failure */
                }
                err_free(err);
        }
        char *s = pod_share_format(NS(NETWORK) | NS(CGROUP) | NS(UTS) | NS(IPC));
        assert_string_equal(s, "cgroup,ipc,net,uts");
        free(s);
        s = pod_share_format(0);
        assert_string_equal(s, "");
        free(s);
}

static void test_port_parse(void **state) {
        static const struct {
                const char *text;
                int ok;
                const char *ip;
                unsigned host, ctr;
                const char *proto;
        } cases[] = {
                { "80", 1, "", 80, 80, "tcp" },
                { "8080:80", 1, "", 8080, 80, "tcp" },
                { "127.0.0.1:8080:80", 1, "127.0.0.1", 8080, 80, "tcp" },
                { "127.0.0.1::80/udp", 1, "127.0.0.1", 80, 80, "udp" },
                { "53/udp", 1, "", 53, 53, "udp" },
                { "[::1]:8080:80/sctp", 1, "::1", 8080, 80, "sctp" },
                { ":80", 1, "", 80, 80, "tcp" },
                { "", 0 },
                { "0", 0 },
                { "65536", 0 },
                { "x", 0 },
                { "80/icmp", 0 },
                { "1:2:3:4", 0 },
                { "8080:", 0 },
                { "host:8080:80", 0 },
                { "[::1]:80", 0 },
                { "[::1:8080:80", 0 },
                { "a:b", 0 },
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                PodPort p;
                Error *err = NULL;
                int r = pod_port_parse(cases[i].text, &p, &err);
                if (!cases[i].ok) {
                        if (r == 0)
                                fail_msg("`%s` parsed", cases[i].text);
                        assert_int_equal(err->kind, ERR_INVALID_ARGUMENT);
                        err_free(err);
                        continue;
                }
                if (r < 0)
                        fail_msg("`%s`: %s", cases[i].text, err->message);
                assert_string_equal(p.host_ip, cases[i].ip);
                assert_int_equal(p.host_port, cases[i].host);
                assert_int_equal(p.container_port, cases[i].ctr);
                assert_string_equal(p.protocol, cases[i].proto);
        }
}

static void test_status_derive(void **state) {
#define U CONTAINER_STATE_UNKNOWN
#define C CONTAINER_STATE_CONFIGURED
#define CR CONTAINER_STATE_CREATED
#define R CONTAINER_STATE_RUNNING
#define S CONTAINER_STATE_STOPPED
#define P CONTAINER_STATE_PAUSED
#define X CONTAINER_STATE_EXITED
        static const struct {
                ContainerState states[4];
                size_t n;
                const char *want;
        } cases[] = {
                { { 0 }, 0, "Created" },          { { R }, 1, "Running" },
                { { R, X, P, U }, 4, "Running" }, /* one running wins */
                { { P, P }, 2, "Paused" },        { { X, S }, 2, "Exited" },
                { { X, C }, 2, "Stopped" },       { { P, X }, 2, "Stopped" },
                { { U, C }, 2, "Error" },         { { C, CR }, 2, "Created" },
                { { C, P }, 2, "Created" },
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
                assert_string_equal(pod_status_derive(cases[i].states, cases[i].n), cases[i].want);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_share_parse),
                cmocka_unit_test(test_port_parse),
                cmocka_unit_test(test_status_derive),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
