/* SPDX-License-Identifier: Apache-2.0 */
/* The registry client. The parsers run everywhere; the rest talks to real
 * registries on 127.0.0.1 and is skipped unless they were started and the
 * test images pushed (tests/system/test_registry_unit.py does both):
 *   VARPOD_TEST_REGISTRY      HOST:PORT, plain HTTP, images pushed with --corrupt
 *   VARPOD_TEST_IMAGES        make-test-images.py's JSON summary for it
 *   VARPOD_TEST_TLS_REGISTRY  HOST:PORT, HTTPS with basic auth, images pushed
 *   VARPOD_TEST_CERT_DIR      a cert dir with the TLS registry's ca.crt
 *   VARPOD_TEST_CREDS         USER:PASSWORD for the TLS registry
 *   VARPOD_TEST_MTLS_REGISTRY    HOST:PORT, HTTPS requiring a client certificate
 *   VARPOD_TEST_MTLS_CERT_DIR    its cert dir: ca.crt, client.cert, client.key
 *   VARPOD_TEST_BEARER_REGISTRY  HOST:PORT, registry.py's BearerProxy in front
 *                                of the plain one (token auth, injected faults)
 *   VARPOD_TEST_BEARER_CREDS     USER:PASSWORD for its token server */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "json-util.h"
#include "registry-internal.h"
#include "registry.h"
#include "xalloc.h"

static const char *plain_host, *tls_host, *cert_dir, *creds, *bearer_host, *bearer_creds;
static const char *mtls_host, *mtls_cert_dir;
static json_t *images; /* the summary's "images" */

/* Runs call (which uses &err) and fails the test with the error message. */
#define CHECK(call)                                                                       \
        do {                                                                              \
                Error *err = NULL;                                                        \
                if ((call) < 0)                                                           \
                        fail_msg("%s: %s", #call, err ? err->message : "(no error set)"); \
                assert_null(err);                                                         \
        } while (0)

/* Runs call (which uses &err), expects it to fail, and yields the error. */
#define FAILS(call)                                      \
        ({                                               \
                Error *err = NULL;                       \
                if ((call) >= 0)                         \
                        fail_msg("%s succeeded", #call); \
                assert_non_null(err);                    \
                err;                                     \
        })

#define assert_contains(haystack, needle)                                             \
        do {                                                                          \
                if (!strstr((haystack), (needle)))                                    \
                        fail_msg("`%s` does not contain `%s`", (haystack), (needle)); \
        } while (0)

static void require_plain(void) {
        if (!plain_host || !images) {
                print_message("skipped: VARPOD_TEST_REGISTRY and VARPOD_TEST_IMAGES not set\n");
                skip();
        }
}

static void require_tls(void) {
        if (!tls_host || !cert_dir || !creds) {
                print_message("skipped: VARPOD_TEST_TLS_REGISTRY, VARPOD_TEST_CERT_DIR and "
                              "VARPOD_TEST_CREDS not set\n");
                skip();
        }
}

static void require_bearer(void) {
        if (!bearer_host || !bearer_creds || !images) {
                print_message("skipped: VARPOD_TEST_BEARER_REGISTRY, VARPOD_TEST_BEARER_CREDS "
                              "and VARPOD_TEST_IMAGES not set\n");
                skip();
        }
}

static RegistryClient *client_new(const char *host, const RegistryOptions *opts) {
        RegistryClient *c = NULL;
        CHECK(registry_client_new(&c, host, opts, &err));
        return c;
}

static RegistryClient *plain_client(void) {
        RegistryOptions o = { .insecure = true };
        return client_new(plain_host, &o);
}

static RegistryClient *tls_client(void) {
        RegistryOptions o = { .cert_dir = cert_dir, .creds = creds };
        return client_new(tls_host, &o);
}

static const char *image_str(const char *name, const char *key) {
        const char *v = json_string_value(json_object_get(json_object_get(images, name), key));
        if (!v)
                fail_msg("summary has no %s of %s", key, name);
        return v;
}

typedef struct Buf {
        char *data;
        size_t size;
        int fail_after; /* write calls before failing; 0: never */
        int calls;
} Buf;

static int buf_write(void *userdata, const void *data, size_t len) {
        Buf *b = userdata;
        if (b->fail_after && ++b->calls >= b->fail_after)
                return -1;
        b->data = xrealloc(b->data, b->size + len + 1);
        memcpy(b->data + b->size, data, len);
        b->size += len;
        b->data[b->size] = 0;
        return 0;
}

typedef struct Progress {
        int calls;
        uint64_t last_done, last_total;
        char digest[DIGEST_STRING_SIZE];
} Progress;

static void progress_note(void *userdata, const char *digest, uint64_t done, uint64_t total) {
        Progress *p = userdata;
        p->calls++;
        if (total > 0)
                assert_true(done <= total);
        p->last_done = done;
        p->last_total = total;
        snprintf(p->digest, sizeof p->digest, "%s", digest);
}

static json_t *json_parse(const char *text, size_t size) {
        json_error_t jerr;
        json_t *doc = json_loadb(text, size, 0, &jerr);
        if (!doc)
                fail_msg("bad JSON: %s", jerr.text);
        return doc;
}

/* ---- parsers, no registry needed ---- */

static void test_challenge_parse(void **state) {
        AuthChallenge ch;
        assert_int_equal(registry_auth_challenge_parse(
                                 "Bearer realm=\"https://auth.docker.io/token\",service=\"registry."
                                 "docker.io\",scope=\"repository:library/busybox:pull\"",
                                 &ch),
                         0);
        assert_int_equal(ch.scheme, AUTH_BEARER);
        assert_string_equal(ch.realm, "https://auth.docker.io/token");
        assert_string_equal(ch.service, "registry.docker.io");
        assert_string_equal(ch.scope, "repository:library/busybox:pull");
        registry_auth_challenge_clear(&ch);

        assert_int_equal(
                registry_auth_challenge_parse("basic realm=\"Registry \\\"Realm\\\"\"", &ch), 0);
        assert_int_equal(ch.scheme, AUTH_BASIC);
        assert_string_equal(ch.realm, "Registry \"Realm\"");
        assert_null(ch.service);
        registry_auth_challenge_clear(&ch);

        /* Unquoted values, spaces after commas, unknown keys. */
        assert_int_equal(registry_auth_challenge_parse(
                                 "Bearer realm=http://127.0.0.1/t, error=\"insufficient_scope\", "
                                 "service=svc",
                                 &ch),
                         0);
        assert_string_equal(ch.realm, "http://127.0.0.1/t");
        assert_string_equal(ch.service, "svc");
        registry_auth_challenge_clear(&ch);

        assert_int_equal(registry_auth_challenge_parse("Negotiate abc", &ch), -1);
        assert_int_equal(registry_auth_challenge_parse("Bearer service=\"x\"", &ch), -1);
        assert_int_equal(registry_auth_challenge_parse("", &ch), -1);
}

static void test_base64(void **state) {
        const char *cases[][2] = {
                { "varpod:secret", "dmFycG9kOnNlY3JldA==" },
                { "a", "YQ==" },
                { "ab", "YWI=" },
                { "abc", "YWJj" },
                { "", "" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *enc = registry_base64_encode(cases[i][0], strlen(cases[i][0]));
                assert_string_equal(enc, cases[i][1]);
                size_t len = 0;
                _cleanup_free_ char *dec = registry_base64_decode(cases[i][1], &len);
                assert_non_null(dec);
                assert_int_equal(len, strlen(cases[i][0]));
                assert_string_equal(dec, cases[i][0]);
        }
        /* Unpadded, as some tools write it. */
        _cleanup_free_ char *dec = registry_base64_decode("YWI", NULL);
        assert_string_equal(dec, "ab");
        assert_null(registry_base64_decode("!!!!", NULL));
}

static void test_error_format(void **state) {
        char body[] = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
                      "unknown\",\"detail\":{\"Tag\":\"x\"}}]}";
        HttpResponse r = { .status = 404, .body = body, .size = strlen(body) };
        _cleanup_free_ char *a = registry_http_error_format(&r);
        assert_string_equal(a, "HTTP 404: MANIFEST_UNKNOWN: manifest unknown");

        char two[] = "{\"errors\":[{\"code\":\"A\",\"message\":\"a\"},{\"code\":\"B\"}]}";
        r = (HttpResponse){ .status = 400, .body = two, .size = strlen(two) };
        _cleanup_free_ char *b = registry_http_error_format(&r);
        assert_string_equal(b, "HTTP 400: A: a; B");

        char text[] = "502 Bad Gateway\r\nmore";
        r = (HttpResponse){ .status = 502, .body = text, .size = strlen(text) };
        _cleanup_free_ char *c = registry_http_error_format(&r);
        assert_string_equal(c, "HTTP 502: 502 Bad Gateway");

        r = (HttpResponse){ .status = 500 };
        _cleanup_free_ char *d = registry_http_error_format(&r);
        assert_string_equal(d, "HTTP 500");

        Error *e = NULL;
        r = (HttpResponse){ .status = 404, .body = body, .size = strlen(body) };
        assert_true(registry_http_error_set(&r, &e) < 0);
        assert_int_equal(e->kind, ERR_NOT_FOUND);
        err_free(e);
}

static void test_client_new_invalid(void **state) {
        RegistryClient *c = NULL;
        Error *e = FAILS(registry_client_new(&c, "a/b", NULL, &err));
        assert_int_equal(e->kind, ERR_INVALID_ARGUMENT);
        err_free(e);
        RegistryOptions o = { .creds = "nocolon" };
        e = FAILS(registry_client_new(&c, "127.0.0.1:1", &o, &err));
        assert_int_equal(e->kind, ERR_INVALID_ARGUMENT);
        assert_contains(e->message, "username:password");
        err_free(e);
        o = (RegistryOptions){ .cert_dir = "/nonexistent/varpod-certs" };
        e = FAILS(registry_client_new(&c, "127.0.0.1:1", &o, &err));
        assert_contains(e->message, "/nonexistent/varpod-certs");
        err_free(e);
        assert_null(c);
}

static void test_auth_file(void **state) {
        char path[] = "/tmp/varpod-auth-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        const char text[] = "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":"
                            "\"aHViOnB3\"},\"reg.example:5000\":{\"auth\":\"dTpwOnc=\"}}}";
        assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
        close(fd);

        RegistryOptions o = { .auth_file = path };
        _cleanup_(registry_client_freep) RegistryClient *hub = client_new("docker.io", &o);
        assert_string_equal(hub->username, "hub");
        assert_string_equal(hub->password, "pw");
        assert_string_equal(hub->endpoint, "registry-1.docker.io");
        _cleanup_(registry_client_freep) RegistryClient *other = client_new("reg.example:5000", &o);
        assert_string_equal(other->username, "u");
        assert_string_equal(other->password, "p:w"); /* the password may hold ':' */
        setenv("HOME", "/nonexistent", 1);
        unsetenv("XDG_RUNTIME_DIR");
        unsetenv("REGISTRY_AUTH_FILE");
        _cleanup_(registry_client_freep) RegistryClient *none = client_new("quay.io", &o);
        assert_null(none->username);
        unlink(path);
}

/* ---- against the plain registry ---- */

static void test_ping(void **state) {
        require_plain();
        _cleanup_(registry_client_freep) RegistryClient *c = plain_client();
        CHECK(registry_ping(c, &err));
        /* Insecure: HTTPS failed against a plain server, HTTP answered. */
        assert_string_equal(c->scheme, "http");
        assert_int_equal(c->challenge.scheme, AUTH_NONE);

        /* Secure by default: no fallback to HTTP. */
        _cleanup_(registry_client_freep) RegistryClient *s = client_new(plain_host, NULL);
        Error *e = FAILS(registry_ping(s, &err));
        _cleanup_free_ char *want = xasprintf("GET https://%s/v2/: tls: ", plain_host);
        assert_contains(e->message, want);
        err_free(e);

        /* Nobody listens on port 1. */
        RegistryOptions o = { .insecure = true };
        _cleanup_(registry_client_freep) RegistryClient *d = client_new("127.0.0.1:1", &o);
        e = FAILS(registry_ping(d, &err));
        assert_contains(e->message, "GET https://127.0.0.1:1/v2/");
        assert_contains(e->message, "GET http://127.0.0.1:1/v2/");
        err_free(e);
}

static void test_manifest_get(void **state) {
        require_plain();
        _cleanup_(registry_client_freep) RegistryClient *c = plain_client();
        _cleanup_(registry_manifest_clear) RegistryManifest m = { 0 };
        CHECK(registry_manifest_get(c, "varpod-test/busybox", "latest", &m, &err));
        assert_string_equal(m.media_type, MEDIA_TYPE_DOCKER_MANIFEST);
        assert_string_equal(m.digest, image_str("varpod-test/busybox:latest", "manifest_digest"));
        assert_int_equal(m.size, strlen(m.body));
        _cleanup_json_ json_t *doc = json_parse(m.body, m.size);
        assert_int_equal(json_array_size(json_object_get(doc, "layers")), 1);

        /* By digest: verified against it, same bytes. */
        _cleanup_(registry_manifest_clear) RegistryManifest d = { 0 };
        CHECK(registry_manifest_get(c, "varpod-test/busybox", m.digest, &d, &err));
        assert_string_equal(d.digest, m.digest);
        assert_int_equal(d.size, m.size);
        assert_memory_equal(d.body, m.body, m.size);

        _cleanup_(registry_manifest_clear) RegistryManifest o = { 0 };
        CHECK(registry_manifest_get(c, "varpod-test/oci", "latest", &o, &err));
        assert_string_equal(o.media_type, MEDIA_TYPE_OCI_MANIFEST);
        _cleanup_(registry_manifest_clear) RegistryManifest ml = { 0 };
        CHECK(registry_manifest_get(c, "varpod-test/multilayer", "latest", &ml, &err));
        _cleanup_json_ json_t *mld = json_parse(ml.body, ml.size);
        assert_int_equal(json_array_size(json_object_get(mld, "layers")), 3);

        Error *e = FAILS(registry_manifest_get(c, "varpod-test/busybox", "nope", &o, &err));
        _cleanup_free_ char *want = xasprintf("fetch manifest `varpod-test/busybox:nope` from "
                                              "`%s`: HTTP 404: MANIFEST_UNKNOWN: manifest unknown",
                                              plain_host);
        assert_string_equal(e->message, want);
        assert_int_equal(e->kind, ERR_NOT_FOUND);
        err_free(e);

        e = FAILS(registry_manifest_get(c, "varpod-test/nothing-here", "latest", &o, &err));
        assert_int_equal(e->kind, ERR_NOT_FOUND);
        assert_contains(e->message, "HTTP 404: ");
        err_free(e);

        e = FAILS(registry_manifest_get(
                c, "varpod-test/busybox",
                "sha256:0000000000000000000000000000000000000000000000000000000000000000", &o,
                &err));
        assert_int_equal(e->kind, ERR_NOT_FOUND);
        err_free(e);

        const char *bad[][2] = { { "../etc", "latest" }, { "Upper/case", "latest" },
                                 { "a//b", "latest" },   { "ok", "bad/tag" },
                                 { "ok", "sha256:xyz" }, { "ok", "latest?x=1" } };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                e = FAILS(registry_manifest_get(c, bad[i][0], bad[i][1], &o, &err));
                assert_int_equal(e->kind, ERR_INVALID_ARGUMENT);
                err_free(e);
        }
}

static void test_manifest_corrupt(void **state) {
        require_plain();
        _cleanup_(registry_client_freep) RegistryClient *c = plain_client();
        const char *digest = image_str("varpod-test/corrupt-manifest:latest", "manifest_digest");
        RegistryManifest m = { 0 };
        Error *e =
                FAILS(registry_manifest_get(c, "varpod-test/corrupt-manifest", digest, &m, &err));
        assert_int_equal(e->kind, ERR_PROTOCOL);
        assert_contains(e->message, "digest mismatch");
        err_free(e);
}

static void test_manifest_list(void **state) {
        require_plain();
        _cleanup_(registry_client_freep) RegistryClient *c = plain_client();
        _cleanup_(registry_manifest_clear) RegistryManifest m = { 0 };
        CHECK(registry_manifest_get(c, "varpod-test/multiarch", "latest", &m, &err));
        assert_string_equal(m.media_type, MEDIA_TYPE_DOCKER_MANIFEST_LIST);
        _cleanup_json_ json_t *doc = json_parse(m.body, m.size);
        json_t *list = json_object_get(doc, "manifests");
        assert_int_equal(json_array_size(list), 2);
        size_t i;
        json_t *entry;
        int seen = 0;
        json_array_foreach (list, i, entry) {
                const char *digest = json_string_value(json_object_get(entry, "digest"));
                const char *arch = json_string_value(
                        json_object_get(json_object_get(entry, "platform"), "architecture"));
                _cleanup_(registry_manifest_clear) RegistryManifest one = { 0 };
                CHECK(registry_manifest_get(c, "varpod-test/multiarch", digest, &one, &err));
                assert_string_equal(one.digest, digest);
                assert_string_equal(one.media_type, MEDIA_TYPE_DOCKER_MANIFEST);
                _cleanup_json_ json_t *md = json_parse(one.body, one.size);
                json_t *cfg = json_object_get(md, "config");
                Buf b = { 0 };
                CHECK(registry_blob_get(c, "varpod-test/multiarch",
                                        json_string_value(json_object_get(cfg, "digest")),
                                        (uint64_t)json_integer_value(json_object_get(cfg, "size")),
                                        buf_write, &b, &err));
                _cleanup_json_ json_t *config = json_parse(b.data, b.size);
                assert_string_equal(json_string_value(json_object_get(config, "architecture")),
                                    arch);
                seen |= STREQ(arch, "amd64") ? 1 : STREQ(arch, "arm64") ? 2 : 0;
                free(b.data);
        }
        assert_int_equal(seen, 3);
}

static void test_blob_get(void **state) {
        require_plain();
        Progress p = { 0 };
        RegistryOptions o = { .insecure = true,
                              .progress = progress_note,
                              .progress_userdata = &p };
        _cleanup_(registry_client_freep) RegistryClient *c = client_new(plain_host, &o);

        const char *config = image_str("varpod-test/busybox:latest", "config_digest");
        Buf b = { 0 };
        CHECK(registry_blob_get(c, "varpod-test/busybox", config, 0, buf_write, &b, &err));
        _cleanup_json_ json_t *doc = json_parse(b.data, b.size);
        json_t *cmd = json_object_get(json_object_get(doc, "config"), "Cmd");
        assert_string_equal(json_string_value(json_array_get(cmd, 0)), "sh");
        free(b.data);

        json_t *layer = json_array_get(
                json_object_get(json_object_get(images, "varpod-test/busybox:latest"), "layers"),
                0);
        const char *digest = json_string_value(json_object_get(layer, "digest"));
        uint64_t size = (uint64_t)json_integer_value(json_object_get(layer, "size"));
        p = (Progress){ 0 };
        b = (Buf){ 0 };
        CHECK(registry_blob_get(c, "varpod-test/busybox", digest, size, buf_write, &b, &err));
        assert_int_equal(b.size, size);
        char got[DIGEST_STRING_SIZE];
        digest_buffer(b.data, b.size, got);
        assert_string_equal(got, digest);
        free(b.data);
        /* The layer is over a megabyte: several reports, the last at the end. */
        assert_true(p.calls >= 2);
        assert_int_equal(p.last_done, size);
        assert_int_equal(p.last_total, size);
        assert_string_equal(p.digest, digest);

        /* A smaller expected size stops the transfer early. */
        b = (Buf){ 0 };
        Error *e = FAILS(
                registry_blob_get(c, "varpod-test/busybox", digest, 1000, buf_write, &b, &err));
        assert_contains(e->message, "larger than the expected 1000 bytes");
        assert_true(b.size <= 1000);
        free(b.data);
        err_free(e);

        /* The writer's failure ends it. */
        b = (Buf){ .fail_after = 2 };
        e = FAILS(registry_blob_get(c, "varpod-test/busybox", digest, size, buf_write, &b, &err));
        assert_contains(e->message, "writer failed");
        free(b.data);
        err_free(e);

        b = (Buf){ 0 };
        e = FAILS(registry_blob_get(
                c, "varpod-test/busybox",
                "sha256:1111111111111111111111111111111111111111111111111111111111111111", 0,
                buf_write, &b, &err));
        assert_int_equal(e->kind, ERR_NOT_FOUND);
        assert_contains(e->message, "HTTP 404: BLOB_UNKNOWN");
        assert_int_equal(b.size, 0); /* the error document is not the blob */
        err_free(e);
}

static void test_blob_corrupt(void **state) {
        require_plain();
        _cleanup_(registry_client_freep) RegistryClient *c = plain_client();
        _cleanup_(registry_manifest_clear) RegistryManifest m = { 0 };
        CHECK(registry_manifest_get(c, "varpod-test/corrupt", "latest", &m, &err));
        _cleanup_json_ json_t *doc = json_parse(m.body, m.size);
        json_t *layer = json_array_get(json_object_get(doc, "layers"), 0);
        const char *digest = json_string_value(json_object_get(layer, "digest"));
        assert_string_equal(digest, image_str("varpod-test/corrupt:latest", "corrupted_blob"));
        Buf b = { 0 };
        Error *e = FAILS(registry_blob_get(
                c, "varpod-test/corrupt", digest,
                (uint64_t)json_integer_value(json_object_get(layer, "size")), buf_write, &b, &err));
        assert_int_equal(e->kind, ERR_PROTOCOL);
        assert_contains(e->message, "digest mismatch");
        _cleanup_free_ char *ctx =
                xasprintf("fetch blob `varpod-test/corrupt@%s` from `%s`", digest, plain_host);
        assert_contains(e->message, ctx);
        free(b.data);
        err_free(e);
}

static void test_blob_exists(void **state) {
        require_plain();
        _cleanup_(registry_client_freep) RegistryClient *c = plain_client();
        bool yes = false;
        CHECK(registry_blob_exists(c, "varpod-test/busybox",
                                   image_str("varpod-test/busybox:latest", "config_digest"), &yes,
                                   &err));
        assert_true(yes);
        CHECK(registry_blob_exists(
                c, "varpod-test/busybox",
                "sha256:2222222222222222222222222222222222222222222222222222222222222222", &yes,
                &err));
        assert_false(yes);
}

/* Writes data into a temp file after a junk prefix and leaves the offset
 * at the data, as upload callers may. */
static int temp_blob(const char *data, size_t size) {
        char path[] = "/tmp/varpod-blob-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        unlink(path);
        assert_int_equal(write(fd, "JUNK", 4), 4);
        assert_int_equal(write(fd, data, size), (ssize_t)size);
        assert_int_equal(lseek(fd, 4, SEEK_SET), 4);
        return fd;
}

static void round_trip(RegistryClient *c, const char *from, const char *repo,
                       const char *base_manifest_digest) {
        /* Mount the base image's blobs instead of uploading them. */
        _cleanup_(registry_manifest_clear) RegistryManifest base = { 0 };
        CHECK(registry_manifest_get(c, from, "latest", &base, &err));
        _cleanup_json_ json_t *bdoc = json_parse(base.body, base.size);
        json_t *blayer = json_array_get(json_object_get(bdoc, "layers"), 0);
        const char *layer_digest = json_string_value(json_object_get(blayer, "digest"));
        const char *config_digest =
                json_string_value(json_object_get(json_object_get(bdoc, "config"), "digest"));
        bool mounted = false;
        CHECK(registry_blob_mount(c, repo, layer_digest, from, &mounted, &err));
        assert_true(mounted);
        CHECK(registry_blob_mount(c, repo, config_digest, from, &mounted, &err));
        assert_true(mounted);
        CHECK(registry_blob_mount(c, repo,
                                  "sha256:3333333333333333333333333333333333333333333333333333333"
                                  "333333333",
                                  from, &mounted, &err));
        assert_false(mounted);

        /* The same manifest under the new name: same digest. */
        char digest[DIGEST_STRING_SIZE] = "";
        CHECK(registry_manifest_put(c, repo, "copy", base.media_type, base.body, base.size, digest,
                                    &err));
        assert_string_equal(digest, base.digest);
        if (base_manifest_digest)
                assert_string_equal(digest, base_manifest_digest);

        /* A new layer uploaded from a file (300 KiB, several progress
         * steps), a new config, a new manifest. */
        size_t size = 300 * 1024;
        _cleanup_free_ char *data = xmalloc(size);
        for (size_t i = 0; i < size; i++)
                data[i] = (char)(i * 7 + i / 1024);
        char layer[DIGEST_STRING_SIZE];
        digest_buffer(data, size, layer);
        _cleanup_close_ int fd = temp_blob(data, size);
        bool exists = true;
        CHECK(registry_blob_exists(c, repo, layer, &exists, &err));
        assert_false(exists);
        CHECK(registry_blob_upload(c, repo, layer, fd, size, &err));
        CHECK(registry_blob_exists(c, repo, layer, &exists, &err));
        assert_true(exists);
        Buf b = { 0 };
        CHECK(registry_blob_get(c, repo, layer, size, buf_write, &b, &err));
        assert_int_equal(b.size, size);
        assert_memory_equal(b.data, data, size);
        free(b.data);

        /* A wrong digest for the bytes: the registry refuses it. */
        _cleanup_close_ int fd2 = temp_blob("hello", 5);
        Error *e = FAILS(registry_blob_upload(
                c, repo, "sha256:4444444444444444444444444444444444444444444444444444444444444444",
                fd2, 5, &err));
        assert_contains(e->message, "DIGEST_INVALID");
        err_free(e);

        _cleanup_free_ char *config = xasprintf(
                "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},"
                "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
                layer);
        char config_d[DIGEST_STRING_SIZE];
        digest_buffer(config, strlen(config), config_d);
        _cleanup_close_ int fd3 = temp_blob(config, strlen(config));
        CHECK(registry_blob_upload(c, repo, config_d, fd3, strlen(config), &err));
        _cleanup_free_ char *manifest = xasprintf(
                "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\","
                "\"size\":%zu,\"digest\":\"%s\"},\"layers\":[{\"mediaType\":\"%s\",\"size\":%zu,"
                "\"digest\":\"%s\"}]}",
                MEDIA_TYPE_OCI_MANIFEST, MEDIA_TYPE_OCI_CONFIG, strlen(config), config_d,
                MEDIA_TYPE_OCI_LAYER, size, layer);
        char want[DIGEST_STRING_SIZE];
        digest_buffer(manifest, strlen(manifest), want);
        CHECK(registry_manifest_put(c, repo, "v1", MEDIA_TYPE_OCI_MANIFEST, manifest,
                                    strlen(manifest), digest, &err));
        assert_string_equal(digest, want);
        _cleanup_(registry_manifest_clear) RegistryManifest back = { 0 };
        CHECK(registry_manifest_get(c, repo, "v1", &back, &err));
        assert_string_equal(back.digest, want);
        assert_string_equal(back.media_type, MEDIA_TYPE_OCI_MANIFEST);
        assert_string_equal(back.body, manifest);

        /* A manifest naming a blob the registry does not have. */
        _cleanup_free_ char *broken = xasprintf(
                "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\","
                "\"size\":1,\"digest\":\"sha256:55555555555555555555555555555555555555555555555"
                "55555555555555555\"},\"layers\":[]}",
                MEDIA_TYPE_OCI_MANIFEST, MEDIA_TYPE_OCI_CONFIG);
        e = FAILS(registry_manifest_put(c, repo, "broken", MEDIA_TYPE_OCI_MANIFEST, broken,
                                        strlen(broken), NULL, &err));
        assert_contains(e->message, "push manifest `");
        assert_contains(e->message, "MANIFEST_BLOB_UNKNOWN");
        err_free(e);
}

static void test_push_round_trip(void **state) {
        require_plain();
        Progress p = { 0 };
        RegistryOptions o = { .insecure = true,
                              .progress = progress_note,
                              .progress_userdata = &p };
        _cleanup_(registry_client_freep) RegistryClient *c = client_new(plain_host, &o);
        _cleanup_free_ char *repo = xasprintf("varpod-test/roundtrip-%d", (int)getpid());
        round_trip(c, "varpod-test/busybox", repo,
                   image_str("varpod-test/busybox:latest", "manifest_digest"));
        /* Uploads report progress too. */
        assert_true(p.calls >= 2);
}

static bool results_have(json_t *results, const char *name) {
        size_t i;
        json_t *it;
        json_array_foreach (results, i, it) {
                if (STREQ(json_string_value(json_object_get(it, "name")), name))
                        return true;
        }
        return false;
}

static void test_search(void **state) {
        require_plain();
        _cleanup_(registry_client_freep) RegistryClient *c = plain_client();
        _cleanup_json_ json_t *r = NULL;
        CHECK(registry_search(c, "busybox", 0, &r, &err));
        assert_true(results_have(r, "varpod-test/busybox"));
        json_t *first = json_array_get(r, 0);
        assert_true(json_is_boolean(json_object_get(first, "is_official")));
        assert_true(json_is_integer(json_object_get(first, "star_count")));
        assert_string_equal(json_string_value(json_object_get(first, "description")), "");

        /* Past the first catalog page (the fixture pages by 5). */
        _cleanup_json_ json_t *all = NULL;
        CHECK(registry_search(c, "varpod-test/", 0, &all, &err));
        assert_true(json_array_size(all) >= 7); /* what make-test-images.py pushed */
        assert_true(results_have(all, "varpod-test/oci"));
        assert_true(results_have(all, "varpod-test/multilayer"));

        _cleanup_json_ json_t *two = NULL;
        CHECK(registry_search(c, "varpod-test/", 2, &two, &err));
        assert_int_equal(json_array_size(two), 2);

        _cleanup_json_ json_t *none = NULL;
        CHECK(registry_search(c, "no-such-image-anywhere", 0, &none, &err));
        assert_int_equal(json_array_size(none), 0);
}

/* ---- against the TLS registry with basic auth ---- */

static void test_tls_auth(void **state) {
        require_tls();
        _cleanup_(registry_client_freep) RegistryClient *c = tls_client();
        CHECK(registry_ping(c, &err));
        assert_string_equal(c->scheme, "https");
        assert_int_equal(c->challenge.scheme, AUTH_BASIC);
        _cleanup_(registry_manifest_clear) RegistryManifest m = { 0 };
        CHECK(registry_manifest_get(c, "varpod-test/busybox", "latest", &m, &err));
        assert_string_equal(m.media_type, MEDIA_TYPE_DOCKER_MANIFEST);

        _cleanup_free_ char *repo = xasprintf("varpod-test/tls-roundtrip-%d", (int)getpid());
        round_trip(c, "varpod-test/busybox", repo, NULL);

        _cleanup_json_ json_t *r = NULL;
        CHECK(registry_search(c, "busybox", 0, &r, &err));
        assert_true(results_have(r, "varpod-test/busybox"));
}

static void test_tls_auth_file(void **state) {
        require_tls();
        char path[] = "/tmp/varpod-auth-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        _cleanup_free_ char *b64 = registry_base64_encode(creds, strlen(creds));
        _cleanup_free_ char *text =
                xasprintf("{\"auths\":{\"%s\":{\"auth\":\"%s\"}}}", tls_host, b64);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
        RegistryOptions o = { .cert_dir = cert_dir, .auth_file = path };
        _cleanup_(registry_client_freep) RegistryClient *c = client_new(tls_host, &o);
        unlink(path);
        _cleanup_(registry_manifest_clear) RegistryManifest m = { 0 };
        CHECK(registry_manifest_get(c, "varpod-test/busybox", "latest", &m, &err));
}

static void test_tls_wrong_password(void **state) {
        require_tls();
        _cleanup_free_ char *user = xstrndup(creds, strcspn(creds, ":"));
        _cleanup_free_ char *bad = xasprintf("%s:not-the-password", user);
        RegistryOptions o = { .cert_dir = cert_dir, .creds = bad };
        _cleanup_(registry_client_freep) RegistryClient *c = client_new(tls_host, &o);
        Error *e = FAILS(registry_ping(c, &err));
        _cleanup_free_ char *want =
                xasprintf("authenticate to `%s`: HTTP 401: invalid username or password", tls_host);
        assert_string_equal(e->message, want);
        assert_int_equal(e->kind, ERR_PROTOCOL);
        err_free(e);

        RegistryManifest m = { 0 };
        e = FAILS(registry_manifest_get(c, "varpod-test/busybox", "latest", &m, &err));
        _cleanup_free_ char *want2 = xasprintf("fetch manifest `varpod-test/busybox:latest` from "
                                               "`%s`: %s",
                                               tls_host, want);
        assert_string_equal(e->message, want2);
        err_free(e);

        /* No credentials at all. */
        setenv("HOME", "/nonexistent", 1);
        unsetenv("XDG_RUNTIME_DIR");
        unsetenv("REGISTRY_AUTH_FILE");
        RegistryOptions anon = { .cert_dir = cert_dir };
        _cleanup_(registry_client_freep) RegistryClient *a = client_new(tls_host, &anon);
        e = FAILS(registry_manifest_get(a, "varpod-test/busybox", "latest", &m, &err));
        _cleanup_free_ char *prefix = xasprintf("authenticate to `%s`: HTTP 401", tls_host);
        assert_contains(e->message, prefix);
        err_free(e);
}

static void test_tls_unknown_ca(void **state) {
        require_tls();
        RegistryOptions o = { .creds = creds };
        _cleanup_(registry_client_freep) RegistryClient *c = client_new(tls_host, &o);
        Error *e = FAILS(registry_ping(c, &err));
        _cleanup_free_ char *want = xasprintf("GET https://%s/v2/: tls: ", tls_host);
        assert_contains(e->message, want);
        assert_contains(e->message, "certificate");
        assert_int_equal(e->kind, ERR_PROTOCOL);
        err_free(e);

        /* Insecure: HTTPS without verification works. */
        o.insecure = true;
        _cleanup_(registry_client_freep) RegistryClient *i = client_new(tls_host, &o);
        _cleanup_(registry_manifest_clear) RegistryManifest m = { 0 };
        CHECK(registry_manifest_get(i, "varpod-test/busybox", "latest", &m, &err));
        assert_string_equal(i->scheme, "https");
}

/* ---- against the registry that wants a client certificate ---- */

static void file_copy(const char *from_dir, const char *name, const char *to_dir) {
        _cleanup_free_ char *src = xasprintf("%s/%s", from_dir, name);
        _cleanup_free_ char *dst = xasprintf("%s/%s", to_dir, name);
        _cleanup_fclose_ FILE *in = fopen(src, "re");
        _cleanup_fclose_ FILE *out = fopen(dst, "we");
        assert_non_null(in);
        assert_non_null(out);
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, in)) > 0)
                assert_int_equal(fwrite(buf, 1, n, out), n);
}

static void dir_remove(const char *dir, const char *const *names, size_t n) {
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = xasprintf("%s/%s", dir, names[i]);
                unlink(p);
        }
        rmdir(dir);
}

static void test_mtls(void **state) {
        if (!mtls_host || !mtls_cert_dir) {
                print_message("skipped: VARPOD_TEST_MTLS_REGISTRY and VARPOD_TEST_MTLS_CERT_DIR "
                              "not set\n");
                skip();
        }
        RegistryOptions o = { .cert_dir = mtls_cert_dir };
        _cleanup_(registry_client_freep) RegistryClient *c = client_new(mtls_host, &o);
        assert_non_null(c->client_cert);
        CHECK(registry_ping(c, &err));
        bool exists = true;
        CHECK(registry_blob_exists(
                c, "varpod-test/none",
                "sha256:6666666666666666666666666666666666666666666666666666666666666666", &exists,
                &err));
        assert_false(exists);

        /* The CA alone: the server refuses the handshake. */
        char dir[] = "/tmp/varpod-certs-XXXXXX";
        assert_non_null(mkdtemp(dir));
        file_copy(mtls_cert_dir, "ca.crt", dir);
        RegistryOptions ca_only = { .cert_dir = dir };
        _cleanup_(registry_client_freep) RegistryClient *n = client_new(mtls_host, &ca_only);
        Error *e = FAILS(registry_ping(n, &err));
        _cleanup_free_ char *want = xasprintf("GET https://%s/v2/: ", mtls_host);
        assert_contains(e->message, want);
        err_free(e);

        /* A certificate without its key is a broken cert dir. */
        file_copy(mtls_cert_dir, "client.cert", dir);
        RegistryClient *broken = NULL;
        e = FAILS(registry_client_new(&broken, mtls_host, &ca_only, &err));
        assert_contains(e->message, "missing key");
        assert_contains(e->message, "client.cert");
        err_free(e);
        const char *names[] = { "ca.crt", "client.cert" };
        dir_remove(dir, names, ELEMENTSOF(names));
}

/* ---- against the bearer-token proxy ---- */

static void test_bearer(void **state) {
        require_bearer();
        RegistryOptions o = { .insecure = true, .creds = bearer_creds };
        _cleanup_(registry_client_freep) RegistryClient *c = client_new(bearer_host, &o);
        CHECK(registry_ping(c, &err));
        assert_int_equal(c->challenge.scheme, AUTH_BEARER);
        _cleanup_free_ char *realm = xasprintf("http://%s/token", bearer_host);
        assert_string_equal(c->challenge.realm, realm);
        assert_string_equal(c->challenge.service, "varpod-test");

        _cleanup_(registry_manifest_clear) RegistryManifest m = { 0 };
        CHECK(registry_manifest_get(c, "varpod-test/busybox", "latest", &m, &err));
        assert_string_equal(m.digest, image_str("varpod-test/busybox:latest", "manifest_digest"));
        assert_int_equal(c->n_tokens, 1);

        /* The proxy answers 503 to this one once: retried. */
        _cleanup_(registry_manifest_clear) RegistryManifest o2 = { 0 };
        CHECK(registry_manifest_get(c, "varpod-test/oci", "latest", &o2, &err));
        assert_string_equal(o2.media_type, MEDIA_TYPE_OCI_MANIFEST);

        /* The proxy drops the layer half-way once: resumed with Range, and
         * still verified. */
        json_t *layer = json_array_get(
                json_object_get(json_object_get(images, "varpod-test/busybox:latest"), "layers"),
                0);
        const char *digest = json_string_value(json_object_get(layer, "digest"));
        uint64_t size = (uint64_t)json_integer_value(json_object_get(layer, "size"));
        Buf b = { 0 };
        CHECK(registry_blob_get(c, "varpod-test/busybox", digest, size, buf_write, &b, &err));
        assert_int_equal(b.size, size);
        free(b.data);

        /* The config is redirected to "storage" on another port, which must
         * not see our token (the proxy counts leaks). */
        b = (Buf){ 0 };
        CHECK(registry_blob_get(c, "varpod-test/busybox",
                                image_str("varpod-test/busybox:latest", "config_digest"), 0,
                                buf_write, &b, &err));
        _cleanup_json_ json_t *cfg = json_parse(b.data, b.size);
        assert_true(json_is_object(cfg));
        free(b.data);

        /* Push and cross-repository mount: tokens for two scopes at once. */
        _cleanup_free_ char *repo = xasprintf("varpod-test/bearer-roundtrip-%d", (int)getpid());
        round_trip(c, "varpod-test/busybox", repo,
                   image_str("varpod-test/busybox:latest", "manifest_digest"));

        _cleanup_json_ json_t *r = NULL;
        CHECK(registry_search(c, "busybox", 0, &r, &err));
        assert_true(results_have(r, "varpod-test/busybox"));
}

static void test_bearer_denied(void **state) {
        require_bearer();
        _cleanup_free_ char *user = xstrndup(bearer_creds, strcspn(bearer_creds, ":"));
        _cleanup_free_ char *bad = xasprintf("%s:wrong", user);
        RegistryOptions o = { .insecure = true, .creds = bad };
        _cleanup_(registry_client_freep) RegistryClient *c = client_new(bearer_host, &o);
        RegistryManifest m = { 0 };
        Error *e = FAILS(registry_manifest_get(c, "varpod-test/busybox", "latest", &m, &err));
        _cleanup_free_ char *want = xasprintf("fetch manifest `varpod-test/busybox:latest` from "
                                              "`%s`: authenticate to `%s`: HTTP 401: invalid "
                                              "username or password",
                                              bearer_host, bearer_host);
        assert_string_equal(e->message, want);
        err_free(e);

        /* Anonymous: pulls, but the token server grants no push. */
        setenv("HOME", "/nonexistent", 1);
        unsetenv("XDG_RUNTIME_DIR");
        unsetenv("REGISTRY_AUTH_FILE");
        RegistryOptions anon_o = { .insecure = true };
        _cleanup_(registry_client_freep) RegistryClient *a = client_new(bearer_host, &anon_o);
        _cleanup_(registry_manifest_clear) RegistryManifest ok = { 0 };
        CHECK(registry_manifest_get(a, "varpod-test/busybox", "latest", &ok, &err));
        e = FAILS(registry_manifest_put(a, "varpod-test/anonymous", "latest", ok.media_type,
                                        ok.body, ok.size, NULL, &err));
        _cleanup_free_ char *prefix = xasprintf("push manifest `varpod-test/anonymous:latest` to "
                                                "`%s`: authenticate to `%s`: HTTP 401",
                                                bearer_host, bearer_host);
        assert_contains(e->message, prefix);
        err_free(e);
}

static int group_setup(void **state) {
        mtls_host = getenv("VARPOD_TEST_MTLS_REGISTRY");
        mtls_cert_dir = getenv("VARPOD_TEST_MTLS_CERT_DIR");
        bearer_host = getenv("VARPOD_TEST_BEARER_REGISTRY");
        bearer_creds = getenv("VARPOD_TEST_BEARER_CREDS");
        plain_host = getenv("VARPOD_TEST_REGISTRY");
        tls_host = getenv("VARPOD_TEST_TLS_REGISTRY");
        cert_dir = getenv("VARPOD_TEST_CERT_DIR");
        creds = getenv("VARPOD_TEST_CREDS");
        const char *summary = getenv("VARPOD_TEST_IMAGES");
        if (summary) {
                json_error_t jerr;
                json_t *doc = json_load_file(summary, 0, &jerr);
                if (!doc) {
                        print_error("%s: %s\n", summary, jerr.text);
                        return -1;
                }
                images = json_incref(json_object_get(doc, "images"));
                json_decref(doc);
        }
        return 0;
}

static int group_teardown(void **state) {
        json_decref(images);
        return 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_challenge_parse),
                cmocka_unit_test(test_base64),
                cmocka_unit_test(test_error_format),
                cmocka_unit_test(test_client_new_invalid),
                cmocka_unit_test(test_auth_file),
                cmocka_unit_test(test_ping),
                cmocka_unit_test(test_manifest_get),
                cmocka_unit_test(test_manifest_corrupt),
                cmocka_unit_test(test_manifest_list),
                cmocka_unit_test(test_blob_get),
                cmocka_unit_test(test_blob_corrupt),
                cmocka_unit_test(test_blob_exists),
                cmocka_unit_test(test_push_round_trip),
                cmocka_unit_test(test_search),
                cmocka_unit_test(test_tls_auth),
                cmocka_unit_test(test_tls_auth_file),
                cmocka_unit_test(test_tls_wrong_password),
                cmocka_unit_test(test_tls_unknown_ca),
                cmocka_unit_test(test_mtls),
                cmocka_unit_test(test_bearer),
                cmocka_unit_test(test_bearer_denied),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
