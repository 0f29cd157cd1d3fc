/* SPDX-License-Identifier: Apache-2.0 */
/* Address parsing and the sockets behind addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "varlink.h"
#include "xalloc.h"

static void test_parse_good(void **state) {
        const struct {
                const char *text;
                VlAddressKind kind;
                const char *path, *host, *port;
                unsigned mode;
        } cases[] = {
                { "unix:/run/podman/io.podman", VL_ADDRESS_UNIX, "/run/podman/io.podman", NULL,
                  NULL, 0600 },
                { "unix:/tmp/x;mode=0660", VL_ADDRESS_UNIX, "/tmp/x", NULL, NULL, 0660 },
                { "unix:/tmp/x;foo=bar;mode=0666", VL_ADDRESS_UNIX, "/tmp/x", NULL, NULL, 0666 },
                { "unix:relative", VL_ADDRESS_UNIX, "relative", NULL, NULL, 0600 },
                { "unix:@varpod-test", VL_ADDRESS_ABSTRACT, "varpod-test", NULL, NULL, 0600 },
                { "tcp:127.0.0.1:12345", VL_ADDRESS_TCP, NULL, "127.0.0.1", "12345", 0600 },
                { "tcp::12345", VL_ADDRESS_TCP, NULL, "", "12345", 0600 },
                { "tcp:[::1]:80", VL_ADDRESS_TCP, NULL, "::1", "80", 0600 },
                { "tcp:localhost:0", VL_ADDRESS_TCP, NULL, "localhost", "0", 0600 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                VlAddress a;
                _cleanup_error_ Error *e = NULL;
                assert_int_equal(vl_address_parse(&a, cases[i].text, &e), 0);
                assert_int_equal(a.kind, cases[i].kind);
                if (cases[i].path)
                        assert_string_equal(a.path, cases[i].path);
                if (cases[i].host)
                        assert_string_equal(a.host, cases[i].host);
                if (cases[i].port)
                        assert_string_equal(a.port, cases[i].port);
                assert_int_equal(a.mode, cases[i].mode);
                vl_address_clear(&a);
        }
}

static void test_parse_bad(void **state) {
        const char *cases[] = {
                "",
                "unix:",
                "unix:@",
                "tcp:",
                "tcp:host",
                "tcp:host:",
                "tcp:host:99999",
                "tcp:[::1",
                "tcp:[::1]80",
                "udp:1.2.3.4:5",
                "/run/podman/io.podman",
                "unix:/x;mode=999",
                "unix:/x;mode=abc",
                "unix:/"
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                VlAddress a;
                _cleanup_error_ Error *e = NULL;
                assert_int_equal(vl_address_parse(&a, cases[i], &e), -1);
                assert_non_null(e);
                assert_int_equal(e->kind, ERR_INVALID_ARGUMENT);
        }
}

static char *temp_dir(void) {
        char *dir = xstrdup("/tmp/varpod-test-address-XXXXXX");
        assert_non_null(mkdtemp(dir));
        return dir;
}

static void test_unix_listen(void **state) {
        _cleanup_free_ char *dir = temp_dir();
        _cleanup_free_ char *text = xasprintf("unix:%s/sub/dir/sock;mode=0660", dir);
        VlAddress a;
        assert_int_equal(vl_address_parse(&a, text, NULL), 0);

        int fd = vl_address_listen(&a, NULL);
        assert_true(fd >= 0);
        struct stat st;
        _cleanup_free_ char *sub = xasprintf("%s/sub", dir);
        assert_int_equal(stat(sub, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700); /* missing parents made private */
        assert_int_equal(stat(a.path, &st), 0);
        assert_true(S_ISSOCK(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0660);

        /* A live server on the path is never replaced. */
        _cleanup_error_ Error *e = NULL;
        assert_int_equal(vl_address_listen(&a, &e), -1);
        assert_int_equal(e->kind, ERR_EXISTS);

        int c = vl_address_connect(&a, NULL);
        assert_true(c >= 0);
        close(c);

        /* Once the server is gone its socket file is stale and replaced. */
        close(fd);
        fd = vl_address_listen(&a, NULL);
        assert_true(fd >= 0);
        close(fd);

        /* A regular file at the path is not a socket to replace. */
        unlink(a.path);
        FILE *f = fopen(a.path, "w");
        fclose(f);
        Error *e2 = NULL;
        assert_int_equal(vl_address_listen(&a, &e2), -1);
        assert_int_equal(e2->kind, ERR_EXISTS);
        err_free(e2);

        unlink(a.path);
        _cleanup_free_ char *subdir = xasprintf("%s/sub/dir", dir);
        rmdir(subdir);
        rmdir(sub);
        rmdir(dir);
        vl_address_clear(&a);
}

static void test_abstract_and_tcp(void **state) {
        _cleanup_free_ char *name = xasprintf("unix:@varpod-test-%d", getpid());
        VlAddress a;
        assert_int_equal(vl_address_parse(&a, name, NULL), 0);
        int fd = vl_address_listen(&a, NULL);
        assert_true(fd >= 0);
        int c = vl_address_connect(&a, NULL);
        assert_true(c >= 0);
        close(c);
        close(fd);
        vl_address_clear(&a);

        assert_int_equal(vl_address_parse(&a, "tcp:127.0.0.1:0", NULL), 0);
        fd = vl_address_listen(&a, NULL);
        assert_true(fd >= 0);
        close(fd);
        vl_address_clear(&a);
}

static void test_listen_fds_ignored(void **state) {
        unsetenv("LISTEN_PID");
        assert_int_equal(vl_listen_fds_take(), -1);
        setenv("LISTEN_PID", "1", 1); /* not us */
        setenv("LISTEN_FDS", "1", 1);
        assert_int_equal(vl_listen_fds_take(), -1);
        char pid[32];
        snprintf(pid, sizeof pid, "%d", getpid());
        setenv("LISTEN_PID", pid, 1);
        setenv("LISTEN_FDS", "2", 1);
        unsetenv("LISTEN_FDNAMES"); /* several fds need names */
        assert_int_equal(vl_listen_fds_take(), -1);
        setenv("LISTEN_FDNAMES", "a:b", 1); /* none is "varlink" */
        assert_int_equal(vl_listen_fds_take(), -1);
        setenv("LISTEN_FDS", "0", 1);
        assert_int_equal(vl_listen_fds_take(), -1);
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_FDNAMES");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_good),         cmocka_unit_test(test_parse_bad),
                cmocka_unit_test(test_unix_listen),        cmocka_unit_test(test_abstract_and_tcp),
                cmocka_unit_test(test_listen_fds_ignored),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
