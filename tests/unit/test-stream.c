/* SPDX-License-Identifier: Apache-2.0 */
/* Framing: split reads, pipelining, oversize and malformed messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json-util.h"
#include "varlink.h"
#include "xalloc.h"

typedef struct Pair {
        int fds[2];
        VlStream *reader;
} Pair;

static int pair_setup(void **state) {
        Pair *p = xnew0(Pair, 1);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->fds), 0);
        p->reader = vl_stream_new(p->fds[0], p->fds[0], false);
        *state = p;
        return 0;
}

static int pair_teardown(void **state) {
        Pair *p = *state;
        vl_stream_free(p->reader);
        if (p->fds[1] >= 0)
                close(p->fds[1]);
        free(p);
        return 0;
}

static void send_bytes(Pair *p, const void *data, size_t len) {
        assert_int_equal(write(p->fds[1], data, len), (ssize_t)len);
}

static void test_single_message(void **state) {
        Pair *p = *state;
        send_bytes(p, "{\"method\":\"a.B\"}", 17);
        _cleanup_json_ json_t *msg = NULL;
        assert_int_equal(vl_stream_read(p->reader, &msg, NULL), 1);
        assert_string_equal(json_string_value(json_object_get(msg, "method")), "a.B");
}

static void test_split_reads(void **state) {
        Pair *p = *state;
        const char *text = "{\"method\":\"org.example.Split\",\"parameters\":{\"x\":1}}";
        /* One byte per write: the reader must assemble the message. */
        for (size_t i = 0; i <= strlen(text); i++)
                send_bytes(p, text + i, 1);
        _cleanup_json_ json_t *msg = NULL;
        assert_int_equal(vl_stream_read(p->reader, &msg, NULL), 1);
        assert_int_equal(
                json_integer_value(json_object_get(json_object_get(msg, "parameters"), "x")), 1);
}

static void test_pipelined(void **state) {
        Pair *p = *state;
        const char batch[] = "{\"n\":1}\0{\"n\":2}\0{\"n\":3}";
        send_bytes(p, batch, sizeof batch); /* includes the final NUL */
        for (int n = 1; n <= 3; n++) {
                _cleanup_json_ json_t *msg = NULL;
                assert_int_equal(vl_stream_read(p->reader, &msg, NULL), 1);
                assert_int_equal(json_integer_value(json_object_get(msg, "n")), n);
                if (n < 3)
                        assert_true(vl_stream_has_buffered(p->reader));
        }
        assert_false(vl_stream_has_buffered(p->reader));
}

static void test_clean_eof(void **state) {
        Pair *p = *state;
        send_bytes(p, "{}", 3);
        close(p->fds[1]);
        p->fds[1] = -1;
        _cleanup_json_ json_t *msg = NULL;
        assert_int_equal(vl_stream_read(p->reader, &msg, NULL), 1);
        json_t *none = NULL;
        assert_int_equal(vl_stream_read(p->reader, &none, NULL), 0);
}

static void test_eof_inside_message(void **state) {
        Pair *p = *state;
        send_bytes(p, "{\"method\":", 10);
        close(p->fds[1]);
        p->fds[1] = -1;
        json_t *msg = NULL;
        _cleanup_error_ Error *e = NULL;
        assert_int_equal(vl_stream_read(p->reader, &msg, &e), -1);
        assert_int_equal(e->kind, ERR_PROTOCOL);
}

static void test_malformed(void **state) {
        Pair *p = *state;
        send_bytes(p, "{\"method\":}", 12);
        json_t *msg = NULL;
        _cleanup_error_ Error *e = NULL;
        assert_int_equal(vl_stream_read(p->reader, &msg, &e), -1);
        assert_int_equal(e->kind, ERR_PROTOCOL);
        assert_non_null(strstr(e->message, "malformed message"));
}

static void *write_big(void *arg) {
        Pair *p = arg;
        size_t chunk = 65536;
        char *buf = xmalloc(chunk);
        memset(buf, ' ', chunk);
        /* Slightly over the limit without any NUL; the reader gives up and
         * closes, so writes may fail: that is fine. */
        for (size_t sent = 0; sent <= VL_MESSAGE_SIZE_MAX + chunk; sent += chunk)
                if (send(p->fds[1], buf, chunk, MSG_NOSIGNAL) < 0)
                        break;
        free(buf);
        return NULL;
}

static void test_oversize(void **state) {
        Pair *p = *state;
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, write_big, p), 0);
        json_t *msg = NULL;
        _cleanup_error_ Error *e = NULL;
        assert_int_equal(vl_stream_read(p->reader, &msg, &e), -1);
        assert_int_equal(e->kind, ERR_LIMIT);
        shutdown(p->fds[0], SHUT_RDWR);
        pthread_join(t, NULL);
}

static void test_too_deep(void **state) {
        Pair *p = *state;
        size_t depth = VL_JSON_DEPTH_MAX + 5;
        char *text = xmalloc(depth * 2 + 2);
        for (size_t i = 0; i < depth; i++)
                text[i] = '[';
        for (size_t i = 0; i < depth; i++)
                text[depth + i] = ']';
        text[2 * depth] = 0;
        send_bytes(p, text, 2 * depth + 1);
        free(text);
        json_t *msg = NULL;
        _cleanup_error_ Error *e = NULL;
        assert_int_equal(vl_stream_read(p->reader, &msg, &e), -1);
        assert_int_equal(e->kind, ERR_LIMIT);
}

static void test_write_appends_nul(void **state) {
        Pair *p = *state;
        VlStream *w = vl_stream_new(p->fds[1], p->fds[1], true);
        _cleanup_json_ json_t *msg = json_pack("{s:s}", "a", "b");
        assert_int_equal(vl_stream_write(w, msg, NULL), 0);
        vl_stream_free(w);
        char buf[32];
        ssize_t n = read(p->fds[0], buf, sizeof buf);
        assert_int_equal(n, 10);
        assert_memory_equal(buf, "{\"a\":\"b\"}", 10);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_single_message, pair_setup, pair_teardown),
                cmocka_unit_test_setup_teardown(test_split_reads, pair_setup, pair_teardown),
                cmocka_unit_test_setup_teardown(test_pipelined, pair_setup, pair_teardown),
                cmocka_unit_test_setup_teardown(test_clean_eof, pair_setup, pair_teardown),
                cmocka_unit_test_setup_teardown(test_eof_inside_message, pair_setup, pair_teardown),
                cmocka_unit_test_setup_teardown(test_malformed, pair_setup, pair_teardown),
                cmocka_unit_test_setup_teardown(test_oversize, pair_setup, pair_teardown),
                cmocka_unit_test_setup_teardown(test_too_deep, pair_setup, pair_teardown),
                cmocka_unit_test_setup_teardown(test_write_appends_nul, pair_setup, pair_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
