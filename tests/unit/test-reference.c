/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "reference.h"
#include "xalloc.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX32 "0123456789abcdef0123456789abcdef"
#define DIGEST "sha256:" HEX64

/* Strict parses (no normalisation): the fields, or a part of the error. */
static const struct {
        const char *text;
        const char *domain, *path, *tag, *digest;
        const char *error;
} parses[] = {
        { "busybox", NULL, "busybox", NULL, NULL, NULL },
        { "busybox:latest", NULL, "busybox", "latest", NULL, NULL },
        { "busybox:Latest", NULL, "busybox", "Latest", NULL, NULL },
        { "library/busybox", NULL, "library/busybox", NULL, NULL, NULL },
        { "foo/bar", NULL, "foo/bar", NULL, NULL, NULL },
        { "a/b/c/d", NULL, "a/b/c/d", NULL, NULL, NULL },
        { "docker.io/library/busybox:1.36", "docker.io", "library/busybox", "1.36", NULL, NULL },
        { "localhost/x", "localhost", "x", NULL, NULL, NULL },
        { "localhost:5000/x/y:tag", "localhost:5000", "x/y", "tag", NULL, NULL },
        { "127.0.0.1:5000/a/b:tag", "127.0.0.1:5000", "a/b", "tag", NULL, NULL },
        { "[::1]:5000/x", "[::1]:5000", "x", NULL, NULL, NULL },
        { "[2001:db8::1]/x", "[2001:db8::1]", "x", NULL, NULL, NULL },
        { "my-registry.example.com/ns/img", "my-registry.example.com", "ns/img", NULL, NULL, NULL },
        { "UPPER.Example.com/x", "UPPER.Example.com", "x", NULL, NULL, NULL },
        { "quay.io/podman/stable@" DIGEST, "quay.io", "podman/stable", NULL, DIGEST, NULL },
        { "a@" DIGEST, NULL, "a", NULL, DIGEST, NULL },
        { "a:tag@" DIGEST, NULL, "a", "tag", DIGEST, NULL },
        { "host:5000", NULL, "host", "5000", NULL, NULL },
        { "ex.com:5000", NULL, "ex.com", "5000", NULL, NULL },
        { "localhost", NULL, "localhost", NULL, NULL, NULL },
        { "sha256:abc", NULL, "sha256", "abc", NULL, NULL },
        { HEX64, NULL, HEX64, NULL, NULL, NULL },
        /* path components and their separators */
        { "ns/a.b_c__d---e", NULL, "ns/a.b_c__d---e", NULL, NULL, NULL },
        { "a__b", NULL, "a__b", NULL, NULL, NULL },
        { "a-b--c", NULL, "a-b--c", NULL, NULL, NULL },
        { "a..b", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a___b", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a._b", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a-", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "-a", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a_", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "_a", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a//b", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a/", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "/a", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a b", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a@b@c", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a:b:c", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "", NULL, NULL, NULL, NULL, "repository name must have at least one component" },
        /* upper case: only named when the lowercased text would be valid */
        { "Upper/case", NULL, NULL, NULL, NULL, "repository name must be lowercase" },
        { "Busybox", NULL, NULL, NULL, NULL, "repository name must be lowercase" },
        { "quay.io/Podman/stable", NULL, NULL, NULL, NULL, "repository name must be lowercase" },
        { "Foo@sha256:" HEX32, NULL, NULL, NULL, NULL, "repository name must be lowercase" },
        { "Foo@sha256:abc", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "Foo bar", NULL, NULL, NULL, NULL, "invalid reference format" },
        /* domains */
        { "localhost:/x", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "example.com:port/x", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "-example.com/x", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "example-.com/x", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "exa_mple.com/x", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "example..com/x", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "[::1/x", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "[]:5000/x", NULL, NULL, NULL, NULL, "invalid reference format" },
        /* tags */
        { "a:", NULL, NULL, NULL, NULL, "invalid reference format" },
        { ":tag", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a:-tag", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a:.tag", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a:_t.a-g", NULL, "a", "_t.a-g", NULL, NULL },
        { "a:t/x", NULL, NULL, NULL, NULL, "invalid reference format" },
        /* digests */
        { "a@sha256:abc", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a@sha256:" HEX64 "0", NULL, NULL, NULL, NULL, "invalid checksum digest length" },
        { "a@sha256:" HEX32, NULL, NULL, NULL, NULL, "invalid checksum digest length" },
        { "a@sha512:" HEX64 HEX64, NULL, NULL, NULL, NULL, "unsupported digest algorithm" },
        { "a@md5:" HEX32, NULL, NULL, NULL, NULL, "unsupported digest algorithm" },
        { "a@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", NULL, NULL,
          NULL, NULL, "invalid checksum digest format" },
        { "a@sha256:" HEX64 "g", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a@" HEX64, NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a@", NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a@1sha:" HEX64, NULL, NULL, NULL, NULL, "invalid reference format" },
        { "a@sha256+b64u:" HEX64, NULL, NULL, NULL, NULL, "unsupported digest algorithm" },
};

static void test_parse(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(parses); i++) {
                ImageRef r = { .domain = (char *)0x1 };
                Error *err = NULL;
                int rc = image_ref_parse(parses[i].text, &r, &err);
                if (parses[i].error) {
                        if (rc == 0)
                                fail_msg("case %zu `%s`: parsed", i, parses[i].text);
                        assert_ptr_equal(r.domain, (char *)0x1); /* untouched on failure */
                        assert_int_equal(err->kind, ERR_INVALID_ARGUMENT);
                        if (!strstr(err->message, parses[i].error))
                                fail_msg("case %zu `%s`: got \"%s\", want \"%s\"", i,
                                         parses[i].text, err->message, parses[i].error);
                        err_free(err);
                        continue;
                }
                if (rc < 0)
                        fail_msg("case %zu `%s`: %s", i, parses[i].text, err->message);
                const char *got[] = { r.domain, r.path, r.tag, r.digest };
                const char *want[] = { parses[i].domain, parses[i].path, parses[i].tag,
                                       parses[i].digest };
                for (size_t f = 0; f < ELEMENTSOF(got); f++)
                        if (got[f] != want[f] && (!got[f] || !want[f] || !STREQ(got[f], want[f])))
                                fail_msg("case %zu `%s`: field %zu is `%s`, want `%s`", i,
                                         parses[i].text, f, got[f] ? got[f] : "(null)",
                                         want[f] ? want[f] : "(null)");
                image_ref_clear(&r);
        }
}

/* Docker's normalisation: the full reference, or a part of the error. */
static const struct {
        const char *text, *want, *error;
} normalized[] = {
        { "busybox", "docker.io/library/busybox:latest", NULL },
        { "busybox:1.36", "docker.io/library/busybox:1.36", NULL },
        { "library/busybox", "docker.io/library/busybox:latest", NULL },
        { "foo/bar", "docker.io/foo/bar:latest", NULL },
        { "foo/bar/baz:1", "docker.io/foo/bar/baz:1", NULL },
        { "docker.io/busybox", "docker.io/library/busybox:latest", NULL },
        { "docker.io/library/busybox", "docker.io/library/busybox:latest", NULL },
        { "index.docker.io/busybox", "docker.io/library/busybox:latest", NULL },
        { "index.docker.io/foo/bar:1", "docker.io/foo/bar:1", NULL },
        { "localhost/x", "localhost/x:latest", NULL },
        { "localhost:5000/x", "localhost:5000/x:latest", NULL },
        { "quay.io/podman/stable", "quay.io/podman/stable:latest", NULL },
        { "127.0.0.1:5000/a/b:tag", "127.0.0.1:5000/a/b:tag", NULL },
        { "a@" DIGEST, "docker.io/library/a@" DIGEST, NULL },
        { "a:t@" DIGEST, "docker.io/library/a:t@" DIGEST, NULL },
        { "host:5000", "docker.io/library/host:5000", NULL },
        { "Docker.io/x", "Docker.io/x:latest", NULL },
        { "Upper/case", NULL, "repository name must be lowercase" },
        { "Busybox:latest", NULL, "repository name must be lowercase" },
        { "busybox:Latest", "docker.io/library/busybox:Latest", NULL },
        { HEX64, NULL, "cannot specify 64-byte hexadecimal strings" },
        { "a_b.com/x", NULL, "invalid reference format" },
        { "", NULL, "invalid reference format" },
        { "a@sha256:" HEX32, NULL, "invalid checksum digest length" },
};

static void test_parse_normalized(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(normalized); i++) {
                ImageRef r;
                Error *err = NULL;
                int rc = image_ref_parse_normalized(normalized[i].text, &r, &err);
                if (normalized[i].error) {
                        if (rc == 0)
                                fail_msg("case %zu `%s`: parsed", i, normalized[i].text);
                        if (!strstr(err->message, normalized[i].error))
                                fail_msg("case %zu `%s`: got \"%s\", want \"%s\"", i,
                                         normalized[i].text, err->message, normalized[i].error);
                        err_free(err);
                        continue;
                }
                if (rc < 0)
                        fail_msg("case %zu `%s`: %s", i, normalized[i].text, err->message);
                _cleanup_free_ char *got = image_ref_format(&r);
                if (!STREQ(got, normalized[i].want))
                        fail_msg("case %zu `%s`: got `%s`, want `%s`", i, normalized[i].text, got,
                                 normalized[i].want);
                image_ref_clear(&r);
        }
}

static void test_name_length(void **state) {
        ImageRef r;
        Error *err = NULL;
        /* 255 characters in all is the limit, domain included. */
        _cleanup_free_ char *ok = xmalloc(256);
        memset(ok, 'a', 255);
        ok[255] = '\0';
        ok[10] = '/';
        assert_int_equal(image_ref_parse(ok, &r, NULL), 0);
        image_ref_clear(&r);

        _cleanup_free_ char *tagged = xasprintf("%s:tag", ok);
        assert_int_equal(image_ref_parse(tagged, &r, NULL), 0); /* the tag does not count */
        image_ref_clear(&r);

        _cleanup_free_ char *long_name = xasprintf("%sa", ok);
        assert_true(image_ref_parse(long_name, &r, &err) < 0);
        assert_string_equal(err->message, "repository name must not be more than 255 characters");
        err = err_free(err);

        /* Normalising counts "docker.io/library/" as the reference does. */
        char *short_name = xstrndup(ok + 11, 240);
        assert_int_equal(image_ref_parse(short_name, &r, NULL), 0);
        image_ref_clear(&r);
        assert_true(image_ref_parse_normalized(short_name, &r, &err) < 0);
        assert_non_null(strstr(err->message, "not be more than 255"));
        err = err_free(err);
        free(short_name);

        /* Tags: 128 characters at most. */
        char tag[130];
        memset(tag, 'x', sizeof tag - 1);
        tag[sizeof tag - 1] = '\0';
        _cleanup_free_ char *long_tag = xasprintf("a:%s", tag);
        assert_true(image_ref_parse(long_tag, &r, NULL) < 0);
        tag[IMAGE_REF_TAG_MAX] = '\0';
        _cleanup_free_ char *max_tag = xasprintf("a:%s", tag);
        assert_int_equal(image_ref_parse(max_tag, &r, NULL), 0);
        image_ref_clear(&r);
}

static void test_normalize(void **state) {
        const struct {
                const char *text, *default_domain, *want;
        } cases[] = {
                { "busybox", NULL, "docker.io/library/busybox:latest" },
                { "busybox", "localhost", "localhost/busybox:latest" },
                { "foo/bar:1", "localhost", "localhost/foo/bar:1" },
                { "quay.io/x", "localhost", "quay.io/x:latest" },
                { "index.docker.io/x", "localhost", "docker.io/library/x:latest" },
                { "docker.io/x@" DIGEST, NULL, "docker.io/library/x@" DIGEST },
                { "localhost/x:1", NULL, "localhost/x:1" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ImageRef r;
                assert_int_equal(image_ref_parse(cases[i].text, &r, NULL), 0);
                image_ref_normalize(&r, cases[i].default_domain);
                _cleanup_free_ char *got = image_ref_format(&r);
                assert_string_equal(got, cases[i].want);
                image_ref_clear(&r);
        }
}

static void test_format(void **state) {
        ImageRef r;
        assert_int_equal(image_ref_parse("busybox:1", &r, NULL), 0);
        _cleanup_free_ char *f1 = image_ref_format(&r);
        _cleanup_free_ char *r1 = image_ref_repository(&r);
        assert_string_equal(f1, "busybox:1");
        assert_string_equal(r1, "busybox");

        ImageRef c;
        assert_ptr_equal(image_ref_copy(&r, &c), &c);
        image_ref_clear(&r);
        assert_null(r.path);
        assert_string_equal(c.path, "busybox");
        assert_string_equal(c.tag, "1");
        assert_null(c.domain);
        image_ref_clear(&c);

        assert_int_equal(image_ref_parse("quay.io/a/b:t@" DIGEST, &r, NULL), 0);
        _cleanup_free_ char *f2 = image_ref_format(&r);
        _cleanup_free_ char *r2 = image_ref_repository(&r);
        assert_string_equal(f2, "quay.io/a/b:t@" DIGEST);
        assert_string_equal(r2, "quay.io/a/b");
        image_ref_clear(&r);
}

static void test_predicates(void **state) {
        const struct {
                const char *text;
                bool has_domain;
        } domains[] = {
                { "busybox", false },   { "foo/bar", false },      { "localhost/x", true },
                { "quay.io/x", true },  { "host:5000/x", true },   { "quay.io", false },
                { "localhost", false }, { "localhostx/y", false }, { "[::1]/x", true },
        };
        for (size_t i = 0; i < ELEMENTSOF(domains); i++)
                assert_int_equal(image_ref_has_domain(domains[i].text), domains[i].has_domain);

        const struct {
                const char *text;
                bool valid;
        } hosts[] = {
                { "quay.io", true }, { "localhost:5000", true }, { "[::1]:5000", true },
                { "a", true },       { "a-b.c", true },          { "a_b", false },
                { "", false },       { "host:", false },         { "-a", false },
                { "a.", false },     { "quay.io/ns", false },    { "[::1", false },
        };
        for (size_t i = 0; i < ELEMENTSOF(hosts); i++)
                if (image_ref_domain_is_valid(hosts[i].text) != hosts[i].valid)
                        fail_msg("`%s`", hosts[i].text);

        assert_true(image_id_is_full(HEX64));
        assert_false(image_id_is_full(HEX64 "0"));
        assert_false(image_id_is_full(HEX32));
        assert_false(image_id_is_full(
                "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
        assert_false(image_id_is_full(DIGEST));
        assert_false(image_id_is_full(""));
}

static void test_transport(void **state) {
        const struct {
                const char *text;
                ImageTransport transport;
                const char *rest, *ref;
        } cases[] = {
                { "busybox", IMAGE_TRANSPORT_NONE, "busybox", NULL },
                { "docker:latest", IMAGE_TRANSPORT_NONE, "docker:latest", NULL },
                { "quay.io/x:1", IMAGE_TRANSPORT_NONE, "quay.io/x:1", NULL },
                { "docker://busybox", IMAGE_TRANSPORT_DOCKER, "busybox", NULL },
                { "docker://quay.io/x:1", IMAGE_TRANSPORT_DOCKER, "quay.io/x:1", NULL },
                { "docker-archive:/tmp/a.tar", IMAGE_TRANSPORT_DOCKER_ARCHIVE, "/tmp/a.tar", NULL },
                { "docker-archive:/tmp/a.tar:busybox:latest", IMAGE_TRANSPORT_DOCKER_ARCHIVE,
                  "/tmp/a.tar", "busybox:latest" },
                { "docker-archive:a.tar:@0", IMAGE_TRANSPORT_DOCKER_ARCHIVE, "a.tar", "@0" },
                { "oci-archive:/tmp/o.tar:ref", IMAGE_TRANSPORT_OCI_ARCHIVE, "/tmp/o.tar", "ref" },
                { "oci:/tmp/layout:tag", IMAGE_TRANSPORT_OCI, "/tmp/layout", "tag" },
                { "oci:/tmp/layout", IMAGE_TRANSPORT_OCI, "/tmp/layout", NULL },
                { "oci:/tmp/layout:", IMAGE_TRANSPORT_OCI, "/tmp/layout", NULL },
                { "dir:/tmp/d:x", IMAGE_TRANSPORT_DIR, "/tmp/d:x", NULL },
                { "containers-storage:busybox", IMAGE_TRANSPORT_STORAGE, "busybox", NULL },
                { "containers-storage:[overlay@/var/lib/c]busybox", IMAGE_TRANSPORT_STORAGE,
                  "[overlay@/var/lib/c]busybox", NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ImageTransport t;
                char *rest = NULL, *ref = (char *)0x1;
                assert_int_equal(image_transport_split(cases[i].text, &t, &rest, &ref, NULL), 0);
                assert_int_equal(t, cases[i].transport);
                assert_string_equal(rest, cases[i].rest);
                if (cases[i].ref)
                        assert_string_equal(ref, cases[i].ref);
                else
                        assert_null(ref);
                free(rest);
                free(ref);
                /* The REF output is optional. */
                assert_int_equal(image_transport_split(cases[i].text, &t, &rest, NULL, NULL), 0);
                free(rest);
        }

        const char *bad[] = { "docker://",           "dir:",        "oci:", "docker-archive::ref",
                              "containers-storage:", "oci-archive:" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ImageTransport t = IMAGE_TRANSPORT_NONE;
                char *rest = (char *)0x1;
                Error *err = NULL;
                assert_true(image_transport_split(bad[i], &t, &rest, NULL, &err) < 0);
                assert_ptr_equal(rest, (char *)0x1);
                assert_int_equal(err->kind, ERR_INVALID_ARGUMENT);
                assert_non_null(strstr(err->message, bad[i]));
                err_free(err);
        }

        assert_string_equal(image_transport_name(IMAGE_TRANSPORT_DOCKER), "docker");
        assert_string_equal(image_transport_name(IMAGE_TRANSPORT_DOCKER_ARCHIVE), "docker-archive");
        assert_string_equal(image_transport_name(IMAGE_TRANSPORT_OCI_ARCHIVE), "oci-archive");
        assert_string_equal(image_transport_name(IMAGE_TRANSPORT_DIR), "dir");
        assert_string_equal(image_transport_name(IMAGE_TRANSPORT_OCI), "oci");
        assert_string_equal(image_transport_name(IMAGE_TRANSPORT_STORAGE), "containers-storage");
        assert_string_equal(image_transport_name(IMAGE_TRANSPORT_NONE), "");
}

int main(int argc, char **argv) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),       cmocka_unit_test(test_parse_normalized),
                cmocka_unit_test(test_name_length), cmocka_unit_test(test_normalize),
                cmocka_unit_test(test_format),      cmocka_unit_test(test_predicates),
                cmocka_unit_test(test_transport),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
