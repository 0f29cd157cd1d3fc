/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "macro.h"

/* FIPS 180-2 and NIST CAVS vectors. */
static const struct {
        const char *in;
        const char *want;
} vectors[] = {
        { "", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc", "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
          "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
        { "The quick brown fox jumps over the lazy dog",
          "sha256:d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592" },
};

static void test_buffer(void **state) {
        char out[DIGEST_STRING_SIZE];
        assert_int_equal(digest_init(NULL), 0); /* loads libcrypto */
        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                digest_buffer(vectors[i].in, strlen(vectors[i].in), out);
                assert_string_equal(out, vectors[i].want);
                assert_true(digest_is_valid(out));
        }
}

static void test_incremental(void **state) {
        /* Every split of the input gives the same digest. */
        const char *in = vectors[2].in;
        size_t len = strlen(in);
        for (size_t cut = 0; cut <= len; cut++) {
                _cleanup_(digester_freep) Digester *d = NULL;
                assert_int_equal(digester_new(&d, NULL), 0);
                char out[DIGEST_STRING_SIZE];
                digester_update(d, in, cut);
                digester_update(d, in + cut, 0);
                digester_update(d, in + cut, len - cut);
                digester_final(d, out);
                assert_string_equal(out, vectors[2].want);
        }
}

static void test_million_a(void **state) {
        _cleanup_(digester_freep) Digester *d = NULL;
        assert_int_equal(digester_new(&d, NULL), 0);
        char chunk[1000], out[DIGEST_STRING_SIZE];
        memset(chunk, 'a', sizeof chunk);
        for (int i = 0; i < 1000; i++)
                digester_update(d, chunk, sizeof chunk);
        digester_final(d, out);
        assert_string_equal(
                out, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_file(void **state) {
        char path[] = "/tmp/varpod-test-digest-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        /* Larger than digest_file's buffer, so it takes several reads. */
        size_t len = (3u << 20) + 17;
        _cleanup_free_ char *buf = malloc(len);
        assert_non_null(buf);
        for (size_t i = 0; i < len; i++)
                buf[i] = (char)(i * 7 + (i >> 9));
        assert_int_equal(write(fd, buf, len), (ssize_t)len);
        close(fd);

        char want[DIGEST_STRING_SIZE], got[DIGEST_STRING_SIZE];
        digest_buffer(buf, len, want);
        Error *err = NULL;
        assert_int_equal(digest_file(path, got, &err), 0);
        assert_null(err);
        assert_string_equal(got, want);
        unlink(path);

        assert_true(digest_file("/nonexistent/varpod", got, &err) < 0);
        assert_non_null(err);
        assert_int_equal(err->kind, ERR_SYSTEM);
        assert_non_null(strstr(err->message, "/nonexistent/varpod"));
        err_free(err);
}

static void test_is_valid(void **state) {
        const char *good =
                "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_true(digest_is_valid(good));
        assert_false(digest_is_valid(NULL));
        assert_false(digest_is_valid(""));
        assert_false(digest_is_valid("sha256:"));
        assert_false(digest_is_valid(good + 7)); /* no algorithm */
        assert_false(digest_is_valid(
                "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
        assert_false(digest_is_valid(
                "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        assert_false(digest_is_valid(
                "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"));
        assert_false(digest_is_valid(
                "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555"));
        assert_false(digest_is_valid(
                "sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_buffer),    cmocka_unit_test(test_incremental),
                cmocka_unit_test(test_million_a), cmocka_unit_test(test_file),
                cmocka_unit_test(test_is_valid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
