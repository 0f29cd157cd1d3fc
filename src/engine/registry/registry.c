/* SPDX-License-Identifier: Apache-2.0 */
/* The Docker Registry HTTP API v2 operations on top of http.c (one
 * exchange) and auth.c (who we are): ping, manifests, blobs, uploads,
 * mounts and search. */
#include "registry.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "json-util.h"
#include "registry-internal.h"
#include "xalloc.h"

#define MANIFEST_ACCEPT                                                                   \
        MEDIA_TYPE_OCI_MANIFEST ", " MEDIA_TYPE_OCI_INDEX ", " MEDIA_TYPE_DOCKER_MANIFEST \
                                ", " MEDIA_TYPE_DOCKER_MANIFEST_LIST                      \
                                ", " MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED                     \
                                ", " MEDIA_TYPE_DOCKER_SCHEMA1

/* The grammar's limits (distribution/reference). */
#define REPO_NAME_MAX 255
#define TAG_MAX 128
/* Catalog pages followed for a search: at the registry's default of 100
 * names a page, ten thousand repositories. */
#define CATALOG_PAGES_MAX 100
/* v1 search answers at most this many results a page. */
#define SEARCH_LIMIT_DEFAULT 25
/* Blob attempts in all, however much each one moved (a registry that
 * drops every connection after a few bytes must not keep us forever). */
#define BLOB_ATTEMPTS_MAX 20
/* Progress is reported at most once per this many bytes, and at the end. */
#define PROGRESS_STEP (256u * 1024u)
/* Longest Retry-After we honour; longer waits are the caller's business. */
#define RETRY_AFTER_MAX 10

static bool repo_is_valid(const char *repo) {
        size_t len = strlen(repo);
        if (len == 0 || len > REPO_NAME_MAX)
                return false;
        /* Components of [a-z0-9] runs joined by [._-] separators, split by
         * '/': nothing that could change the URL path or reach "..". */
        for (const char *comp = repo; comp;) {
                size_t n = strcspn(comp, "/");
                if (n == 0)
                        return false;
                for (size_t i = 0; i < n; i++) {
                        char ch = comp[i];
                        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
                        if (!alnum && ch != '.' && ch != '_' && ch != '-')
                                return false;
                        if (!alnum && (i == 0 || i == n - 1))
                                return false;
                }
                comp = comp[n] ? comp + n + 1 : NULL;
        }
        return true;
}

static bool tag_is_valid(const char *tag) {
        size_t len = strlen(tag);
        if (len == 0 || len > TAG_MAX)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = tag[i];
                bool word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                            (ch >= '0' && ch <= '9') || ch == '_';
                if (!word && (i == 0 || (ch != '.' && ch != '-')))
                        return false;
        }
        return true;
}

static bool ref_is_digest(const char *ref) { return strchr(ref, ':') != NULL; }

static int name_check(const char *repo, const char *ref, Error **err) {
        if (!repo || !repo_is_valid(repo))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid repository name `%s`",
                               repo ? repo : "");
        if (!ref)
                return 0;
        if (ref_is_digest(ref) ? !digest_is_valid(ref) : !tag_is_valid(ref))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid %s `%s`",
                               ref_is_digest(ref) ? "digest (sha256 only)" : "tag", ref);
        return 0;
}

/* "repo:tag" or "repo@digest", for messages. */
static char *name_format(const char *repo, const char *ref) {
        return xasprintf("%s%c%s", repo, ref_is_digest(ref) ? '@' : ':', ref);
}

static char *url_build(RegistryClient *c, const char *path) {
        return xasprintf("%s://%s%s", c->scheme, c->endpoint, path);
}

static char *scope_pull(const char *repo) { return xasprintf("repository:%s:pull", repo); }
static char *scope_push(const char *repo) { return xasprintf("repository:%s:pull,push", repo); }

static void sleep_ms(long ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void backoff(RegistryClient *c, int attempt, const HttpResponse *resp) {
        long ms = 250L << (attempt < 4 ? attempt : 4);
        /* A 429 or 503 may say how long to wait; honour short waits. */
        const char *ra = resp->status ? registry_http_header(c, "Retry-After") : NULL;
        if (ra) {
                char *end;
                long s = strtol(ra, &end, 10);
                if (end != ra && *end == 0 && s >= 0 && s <= RETRY_AFTER_MAX)
                        ms = s * 1000 > ms ? s * 1000 : ms;
        }
        sleep_ms(ms);
}

static char *content_type_get(RegistryClient *c) {
        const char *v = registry_http_header(c, "Content-Type");
        if (!v)
                return NULL;
        size_t n = strcspn(v, "; \t");
        return n ? xstrndup(v, n) : NULL;
}

void registry_manifest_clear(RegistryManifest *m) {
        free(m->media_type);
        free(m->digest);
        free(m->body);
        *m = (RegistryManifest){ 0 };
}

int registry_client_new(RegistryClient **ret, const char *host, const RegistryOptions *opts,
                        Error **err) {
        if (registry_http_global_init(err) < 0)
                return -1;
        /* Whatever a client fetches or sends is checked by its digest (and
         * credentials are base64): libcrypto's, loaded on first use. */
        if (digest_init(err) < 0)
                return -1;
        if (!host || !*host || strpbrk(host, "/?#@ \t\r\n") || strlen(host) > REPO_NAME_MAX)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid registry host `%s`",
                               host ? host : "");

        _cleanup_(registry_client_freep) RegistryClient *c = xnew0(RegistryClient, 1);
        c->host = xstrdup(host);
        /* docker.io is a name, not a server: Docker talks to registry-1. */
        c->endpoint = xstrdup(STREQ(host, "docker.io") ? "registry-1.docker.io" : host);
        c->insecure = opts && opts->insecure;
        if (opts) {
                c->progress = opts->progress;
                c->progress_userdata = opts->progress_userdata;
        }
        c->curl = curl_easy_init();
        if (!c->curl)
                return err_set(err, ERR_INTERNAL, 0, "registry `%s`: curl_easy_init failed", host);
        if (registry_http_certs_load(c, opts ? opts->cert_dir : NULL, err) < 0)
                return err_wrap(err, "registry `%s`", host);
        if (registry_auth_creds_load(c, opts, err) < 0)
                return err_wrap(err, "registry `%s`", host);
        *ret = TAKE_PTR(c);
        return 0;
}

RegistryClient *registry_client_free(RegistryClient *c) {
        if (!c)
                return NULL;
        if (c->curl)
                curl_easy_cleanup(c->curl);
        registry_auth_clear(c);
        free(c->host);
        free(c->endpoint);
        free(c->ca_bundle);
        free(c->client_cert);
        free(c->client_key);
        free(c);
        return NULL;
}

static int ping_once(RegistryClient *c, const char *scheme, HttpResponse *resp, Error **err) {
        _cleanup_free_ char *url = xasprintf("%s://%s/v2/", scheme, c->endpoint);
        HttpRequest req = { .method = "GET", .url = url };
        return registry_http_perform(c, &req, resp, err);
}

int registry_ping(RegistryClient *c, Error **err) {
        static const char *const schemes[] = { "https", "http" };
        _cleanup_(registry_http_response_clear) HttpResponse resp = { 0 };
        _cleanup_error_ Error *first = NULL;
        const char *scheme = NULL;

        c->scheme = NULL;
        /* Insecure registries: HTTPS without verification first, then plain
         * HTTP, as podman does; secure ones get HTTPS only. */
        for (size_t i = 0; i < (c->insecure ? 2u : 1u); i++) {
                _cleanup_error_ Error *e = NULL;
                if (ping_once(c, schemes[i], &resp, &e) == 0) {
                        scheme = schemes[i];
                        break;
                }
                if (!first)
                        first = TAKE_PTR(e);
                else
                        return err_set(err, e->kind, 0, "%s; %s", first->message, e->message);
        }
        if (!scheme)
                return err_propagate(err, TAKE_PTR(first));

        registry_auth_challenge_clear(&c->challenge);
        if (resp.status == 401) {
                const char *h = registry_http_header(c, "WWW-Authenticate");
                if (!h || registry_auth_challenge_parse(h, &c->challenge) < 0)
                        return err_set(err, ERR_PROTOCOL, 0,
                                       "authenticate to `%s`: HTTP 401 asks for an "
                                       "authentication we do not speak (`%s`)",
                                       c->host, h ? h : "");
        } else if (resp.status != 200) {
                _cleanup_free_ char *text = registry_http_error_format(&resp);
                return err_set(err, ERR_PROTOCOL, 0, "no registry API v2 at `%s://%s/v2/`: %s",
                               scheme, c->endpoint, text);
        }

        if (c->challenge.scheme == AUTH_BASIC) {
                /* Check the password now, so a wrong one is reported as such
                 * and not as a failure of whatever comes next. */
                if (!c->username)
                        return registry_auth_error_set(c, &resp, false, err);
                _cleanup_free_ char *authz = NULL;
                if (registry_auth_header_get(c, NULL, false, &authz, err) < 0)
                        return -1;
                _cleanup_free_ char *url = xasprintf("%s://%s/v2/", scheme, c->endpoint);
                HttpRequest req = { .method = "GET", .url = url, .authorization = authz };
                if (registry_http_perform(c, &req, &resp, err) < 0)
                        return -1;
                if (resp.status == 401 || resp.status == 403)
                        return registry_auth_error_set(c, &resp, true, err);
                if (resp.status != 200)
                        return registry_http_error_set(&resp, err);
        }
        c->scheme = scheme;
        return 0;
}

/* One request with auth. A 401 brings the challenge that applies (a token
 * expired, a registry that lets anyone ping but not pull): take it, get
 * fresh authorization and try once more. A 401 after that is the auth
 * error; every other status is left to the caller. */
static int registry_request(RegistryClient *c, HttpRequest *req, const char *scope,
                            HttpResponse *resp, Error **err) {
        registry_http_response_clear(resp);
        if (!c->scheme && registry_ping(c, err) < 0)
                return -1;
        off_t start = req->body_from_fd ? lseek(req->body_fd, 0, SEEK_CUR) : -1;
        bool sent_basic = false;
        for (int attempt = 0;; attempt++) {
                _cleanup_free_ char *authz = NULL;
                if (registry_auth_header_get(c, scope, attempt > 0, &authz, err) < 0)
                        return -1;
                sent_basic = authz && c->challenge.scheme == AUTH_BASIC;
                req->authorization = authz;
                int r = registry_http_perform(c, req, resp, err);
                req->authorization = NULL;
                if (r < 0)
                        return r;
                if (resp->status != 401 || attempt > 0)
                        break;
                const char *h = registry_http_header(c, "WWW-Authenticate");
                AuthChallenge ch;
                if (!h || registry_auth_challenge_parse(h, &ch) < 0)
                        break;
                bool same_basic = ch.scheme == AUTH_BASIC && sent_basic;
                registry_auth_challenge_clear(&c->challenge);
                c->challenge = ch;
                if (same_basic || (ch.scheme == AUTH_BASIC && !c->username))
                        break; /* nothing new to offer */
                if (req->body_from_fd && (start < 0 || lseek(req->body_fd, start, SEEK_SET) < 0))
                        break; /* cannot send the body again */
        }
        if (resp->status == 401)
                return registry_auth_error_set(c, resp, sent_basic, err);
        return 0;
}

/* registry_request, again after transient failures: for requests whose
 * body is in memory and whose answer is buffered. */
static int registry_request_retry(RegistryClient *c, HttpRequest *req, const char *scope,
                                  HttpResponse *resp, Error **err) {
        for (int attempt = 0;; attempt++) {
                _cleanup_error_ Error *e = NULL;
                int r = registry_request(c, req, scope, resp, &e);
                bool transient = r < 0 ? registry_http_code_is_transient(resp->code)
                                       : registry_http_status_is_transient(resp->status);
                if (!transient || attempt == REGISTRY_RETRIES)
                        return r < 0 ? err_propagate(err, TAKE_PTR(e)) : 0;
                backoff(c, attempt, resp);
        }
}

static char *manifest_media_type(RegistryClient *c, json_t *doc) {
        _cleanup_free_ char *ct = content_type_get(c);
        /* Registries behind plain web servers say application/json; the
         * document then knows better. */
        if (ct && !STREQ(ct, "application/json") && !STREQ(ct, "text/plain") &&
            !STREQ(ct, "application/octet-stream"))
                return TAKE_PTR(ct);
        const char *mt = json_string_value(json_object_get(doc, "mediaType"));
        if (mt && *mt)
                return xstrdup(mt);
        if (json_integer_value(json_object_get(doc, "schemaVersion")) == 1)
                return xstrdup(json_object_get(doc, "signatures") ? MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED
                                                                  : MEDIA_TYPE_DOCKER_SCHEMA1);
        /* An OCI document may omit mediaType: tell a manifest from an index. */
        if (json_object_get(doc, "manifests"))
                return xstrdup(MEDIA_TYPE_OCI_INDEX);
        return xstrdup(MEDIA_TYPE_OCI_MANIFEST);
}

int registry_manifest_get(RegistryClient *c, const char *repo, const char *ref,
                          RegistryManifest *ret, Error **err) {
        if (!ref)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "fetch manifest: no reference");
        if (name_check(repo, ref, err) < 0)
                return -1;
        _cleanup_free_ char *name = name_format(repo, ref);
        _cleanup_free_ char *scope = scope_pull(repo);
        _cleanup_(registry_http_response_clear) HttpResponse resp = { 0 };
        _cleanup_free_ char *url = NULL;
        int r = 0;
        if (c->scheme || (r = registry_ping(c, err)) >= 0) {
                _cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", repo, ref);
                url = url_build(c, path);
                HttpRequest req = { .method = "GET",
                                    .url = url,
                                    .accept = MANIFEST_ACCEPT,
                                    .max_body = REGISTRY_MANIFEST_SIZE_MAX };
                r = registry_request_retry(c, &req, scope, &resp, err);
        }
        if (r >= 0 && resp.status != 200)
                r = registry_http_error_set(&resp, err);
        if (r < 0)
                return err_wrap(err, "fetch manifest `%s` from `%s`", name, c->host);

        char digest[DIGEST_STRING_SIZE];
        digest_buffer(resp.body ? resp.body : "", resp.size, digest);
        /* Content addressing is the only integrity we have: a manifest
         * asked for by digest must hash to it. */
        if (ref_is_digest(ref) && !STREQ(ref, digest))
                return err_set(err, ERR_PROTOCOL, 0,
                               "fetch manifest `%s` from `%s`: digest mismatch: got `%s`", name,
                               c->host, digest);
        json_error_t jerr;
        _cleanup_json_ json_t *doc = json_loadb(resp.body ? resp.body : "", resp.size, 0, &jerr);
        if (!json_is_object(doc))
                return err_set(err, ERR_PROTOCOL, 0,
                               "fetch manifest `%s` from `%s`: not a JSON object: %s", name,
                               c->host, doc ? "wrong type" : jerr.text);

        RegistryManifest m = {
                .media_type = manifest_media_type(c, doc),
                .digest = xstrdup(digest),
                .body = TAKE_PTR(resp.body),
                .size = resp.size,
        };
        if (!m.body)
                m.body = xstrdup("");
        *ret = m;
        return 0;
}

int registry_manifest_put(RegistryClient *c, const char *repo, const char *ref,
                          const char *media_type, const char *body, size_t size, char *ret_digest,
                          Error **err) {
        if (name_check(repo, ref, err) < 0)
                return -1;
        if (!ref || !media_type || !*media_type || !body)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "push manifest: reference, media type and body are required");
        _cleanup_free_ char *name = name_format(repo, ref);
        if (size > REGISTRY_MANIFEST_SIZE_MAX)
                return err_set(err, ERR_LIMIT, 0,
                               "push manifest `%s` to `%s`: %zu bytes is over the limit of %u",
                               name, c->host, size, REGISTRY_MANIFEST_SIZE_MAX);
        char digest[DIGEST_STRING_SIZE];
        digest_buffer(body, size, digest);
        if (ref_is_digest(ref) && !STREQ(ref, digest))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "push manifest `%s` to `%s`: body has digest `%s`", name, c->host,
                               digest);

        _cleanup_free_ char *scope = scope_push(repo);
        _cleanup_(registry_http_response_clear) HttpResponse resp = { 0 };
        int r = 0;
        if (c->scheme || (r = registry_ping(c, err)) >= 0) {
                _cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", repo, ref);
                _cleanup_free_ char *url = url_build(c, path);
                HttpRequest req = { .method = "PUT",
                                    .url = url,
                                    .content_type = media_type,
                                    .body = body,
                                    .body_size = size };
                r = registry_request_retry(c, &req, scope, &resp, err);
        }
        if (r >= 0 && resp.status != 201 && resp.status != 200 && resp.status != 202)
                r = registry_http_error_set(&resp, err);
        if (r < 0)
                return err_wrap(err, "push manifest `%s` to `%s`", name, c->host);
        const char *reported = registry_http_header(c, "Docker-Content-Digest");
        if (ret_digest)
                snprintf(ret_digest, DIGEST_STRING_SIZE, "%s",
                         reported && digest_is_valid(reported) ? reported : digest);
        return 0;
}

typedef struct BlobGet {
        RegistryClient *c;
        const char *digest;
        Digester *digester;
        uint64_t done;
        uint64_t expected;
        uint64_t skip;
        uint64_t progress_last;
        bool started; /* the current answer has begun */
        RegistryWriteFn write_fn;
        void *userdata;
        Error *error;
} BlobGet;

static void blob_progress(BlobGet *b, bool force) {
        if (!b->c->progress)
                return;
        if (!force && b->done - b->progress_last < PROGRESS_STEP)
                return;
        b->c->progress(b->c->progress_userdata, b->digest, b->done, b->expected);
        b->progress_last = b->done;
}

static int blob_sink(void *userdata, const void *data, size_t len) {
        BlobGet *b = userdata;
        const char *p = data;

        if (!b->started) {
                b->started = true;
                long status = 0;
                curl_easy_getinfo(b->c->curl, CURLINFO_RESPONSE_CODE, &status);
                if (b->done > 0 && status == 206) {
                        const char *cr = registry_http_header(b->c, "Content-Range");
                        uint64_t first = 0;
                        if (!cr || sscanf(cr, "bytes %" SCNu64 "-", &first) != 1 ||
                            first != b->done) {
                                err_set(&b->error, ERR_PROTOCOL, 0,
                                        "resume at byte %" PRIu64
                                        ": answer has `Content-Range: %s`",
                                        b->done, cr ? cr : "");
                                return -1;
                        }
                } else if (b->done > 0)
                        b->skip = b->done; /* Range ignored: the whole blob again */
        }
        if (b->skip > 0) {
                size_t drop = b->skip < len ? (size_t)b->skip : len;
                p += drop;
                len -= drop;
                b->skip -= drop;
                if (len == 0)
                        return 0;
        }
        if (b->expected > 0 && b->done + len > b->expected) {
                err_set(&b->error, ERR_PROTOCOL, 0,
                        "blob is larger than the expected %" PRIu64 " bytes", b->expected);
                return -1;
        }
        digester_update(b->digester, p, len);
        if (b->write_fn(b->userdata, p, len) < 0) {
                err_set(&b->error, ERR_INTERNAL, 0, "writer failed after %" PRIu64 " bytes",
                        b->done);
                return -1;
        }
        b->done += len;
        blob_progress(b, false);
        return 0;
}

int registry_blob_get(RegistryClient *c, const char *repo, const char *digest,
                      uint64_t expected_size, RegistryWriteFn write_fn, void *userdata,
                      Error **err) {
        if (name_check(repo, NULL, err) < 0)
                return -1;
        if (!digest || !digest_is_valid(digest))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid blob digest `%s`",
                               digest ? digest : "");
        if (!write_fn)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "blob `%s`: no writer", digest);
        _cleanup_free_ char *name = xasprintf("%s@%s", repo, digest);
        _cleanup_(digester_freep) Digester *dg = NULL;
        if (digester_new(&dg, err) < 0)
                return err_wrap(err, "fetch blob `%s` from `%s`", name, c->host);
        BlobGet b = { .c = c,
                      .digest = digest,
                      .digester = dg,
                      .expected = expected_size,
                      .write_fn = write_fn,
                      .userdata = userdata };
        _cleanup_free_ char *scope = scope_pull(repo);
        _cleanup_(registry_http_response_clear) HttpResponse resp = { 0 };
        _cleanup_free_ char *url = NULL;

        if (!c->scheme && registry_ping(c, err) < 0)
                return err_wrap(err, "fetch blob `%s` from `%s`", name, c->host);
        _cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", repo, digest);
        url = url_build(c, path);

        /* Failures without progress count against REGISTRY_RETRIES; one that
         * moved bytes resumes with a Range request where it stopped. */
        int failures = 0;
        for (int attempt = 0;; attempt++) {
                _cleanup_free_ char *range =
                        b.done ? xasprintf("bytes=%" PRIu64 "-", b.done) : NULL;
                HttpRequest req = { .method = "GET",
                                    .url = url,
                                    .range = range,
                                    .sink = blob_sink,
                                    .sink_userdata = &b };
                _cleanup_error_ Error *e = NULL;
                uint64_t before = b.done;
                b.started = false;
                b.skip = 0;
                int r = registry_request(c, &req, scope, &resp, &e);
                if (b.error) {
                        Error *be = TAKE_PTR(b.error);
                        err_propagate(err, be);
                        return err_wrap(err, "fetch blob `%s` from `%s`", name, c->host);
                }
                bool transient = r < 0 ? registry_http_code_is_transient(resp.code)
                                       : registry_http_status_is_transient(resp.status);
                if (r >= 0 && (resp.status == 200 || resp.status == 206))
                        break;
                if (b.done == before)
                        failures++;
                else
                        failures = 0;
                if (!transient || failures > REGISTRY_RETRIES || attempt + 1 >= BLOB_ATTEMPTS_MAX) {
                        if (r >= 0)
                                registry_http_error_set(&resp, err);
                        else
                                err_propagate(err, TAKE_PTR(e));
                        return err_wrap(err, "fetch blob `%s` from `%s`", name, c->host);
                }
                backoff(c, failures, &resp);
        }

        char got[DIGEST_STRING_SIZE];
        digester_final(dg, got);
        if (!STREQ(got, digest))
                return err_set(err, ERR_PROTOCOL, 0,
                               "fetch blob `%s` from `%s`: digest mismatch: got `%s` after %" PRIu64
                               " bytes",
                               name, c->host, got, b.done);
        if (expected_size > 0 && b.done != expected_size)
                return err_set(err, ERR_PROTOCOL, 0,
                               "fetch blob `%s` from `%s`: size mismatch: got %" PRIu64
                               " bytes, expected %" PRIu64,
                               name, c->host, b.done, expected_size);
        blob_progress(&b, true);
        return 0;
}

int registry_blob_exists(RegistryClient *c, const char *repo, const char *digest, bool *ret,
                         Error **err) {
        if (name_check(repo, digest, err) < 0)
                return -1;
        _cleanup_free_ char *name = xasprintf("%s@%s", repo, digest);
        _cleanup_free_ char *scope = scope_pull(repo);
        _cleanup_(registry_http_response_clear) HttpResponse resp = { 0 };
        int r = 0;
        if (c->scheme || (r = registry_ping(c, err)) >= 0) {
                _cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", repo, digest);
                _cleanup_free_ char *url = url_build(c, path);
                HttpRequest req = { .method = "HEAD", .url = url };
                r = registry_request_retry(c, &req, scope, &resp, err);
        }
        if (r >= 0 && resp.status != 200 && resp.status != 404)
                r = registry_http_error_set(&resp, err);
        if (r < 0)
                return err_wrap(err, "check blob `%s` on `%s`", name, c->host);
        *ret = resp.status == 200;
        return 0;
}

/* Resolves an upload Location (absolute, or relative to url). */
static char *location_resolve(const char *url, const char *location) {
        CURLU *u = curl_url();
        char *out = NULL;
        if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK) {
                char *copy = xstrdup(out);
                curl_free(out);
                curl_url_cleanup(u);
                return copy;
        }
        curl_url_cleanup(u);
        return NULL;
}

static char *url_host(const char *url) {
        CURLU *u = curl_url();
        char *host = NULL, *port = NULL, *out = NULL;
        if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
                /* CURLU_DEFAULT_PORT is left out: "h" and "h:443" differ here
                 * only as the registry host string does. */
                if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
                        out = xasprintf("%s:%s", host, port);
                else
                        out = xstrdup(host);
        }
        curl_free(host);
        curl_free(port);
        curl_url_cleanup(u);
        return out;
}

/* Ends an upload session we will not use; registries expire them anyway. */
static void upload_cancel(RegistryClient *c, const char *url, const char *location,
                          const char *scope) {
        _cleanup_free_ char *target = location ? location_resolve(url, location) : NULL;
        if (!target)
                return;
        HttpRequest req = { .method = "DELETE", .url = target };
        _cleanup_(registry_http_response_clear) HttpResponse resp = { 0 };
        _cleanup_error_ Error *e = NULL;
        (void)registry_request(c, &req, scope, &resp, &e);
}

int registry_blob_mount(RegistryClient *c, const char *repo, const char *digest,
                        const char *from_repo, bool *ret_mounted, Error **err) {
        if (name_check(repo, digest, err) < 0 || name_check(from_repo, NULL, err) < 0)
                return -1;
        _cleanup_free_ char *scope =
                xasprintf("repository:%s:pull,push repository:%s:pull", repo, from_repo);
        _cleanup_(registry_http_response_clear) HttpResponse resp = { 0 };
        _cleanup_free_ char *url = NULL;
        int r = 0;
        if (c->scheme || (r = registry_ping(c, err)) >= 0) {
                _cleanup_free_ char *path = xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s",
                                                      repo, digest, from_repo);
                url = url_build(c, path);
                HttpRequest req = { .method = "POST", .url = url };
                r = registry_request_retry(c, &req, scope, &resp, err);
        }
        if (r >= 0 && resp.status != 201 && resp.status != 202)
                r = registry_http_error_set(&resp, err);
        if (r < 0)
                return err_wrap(err, "mount blob `%s` from `%s` into `%s` on `%s`", digest,
                                from_repo, repo, c->host);
        if (resp.status == 202) {
                /* Not mounted (the registry does not have it there, or does
                 * not mount): it opened an upload instead. */
                _cleanup_free_ char *loc = NULL;
                const char *h = registry_http_header(c, "Location");
                loc = h ? xstrdup(h) : NULL;
                upload_cancel(c, url, loc, scope);
        }
        *ret_mounted = resp.status == 201;
        return 0;
}

int registry_blob_upload(RegistryClient *c, const char *repo, const char *digest, int fd,
                         uint64_t size, Error **err) {
        if (name_check(repo, digest, err) < 0)
                return -1;
        if (fd < 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "upload blob `%s`: no file", digest);
        _cleanup_free_ char *scope = scope_push(repo);
        _cleanup_(registry_http_response_clear) HttpResponse resp = { 0 };
        _cleanup_free_ char *put_url = NULL;
        int r = 0;
        if (c->scheme || (r = registry_ping(c, err)) >= 0) {
                _cleanup_free_ char *path = xasprintf("/v2/%s/blobs/uploads/", repo);
                _cleanup_free_ char *url = url_build(c, path);
                HttpRequest req = { .method = "POST", .url = url };
                r = registry_request_retry(c, &req, scope, &resp, err);
                if (r >= 0 && resp.status != 202)
                        r = registry_http_error_set(&resp, err);
                const char *loc = r >= 0 ? registry_http_header(c, "Location") : NULL;
                _cleanup_free_ char *target = loc ? location_resolve(url, loc) : NULL;
                if (r >= 0 && !target)
                        r = err_set(err, ERR_PROTOCOL, 0, "start upload: no usable Location (`%s`)",
                                    loc ? loc : "");
                if (r >= 0) {
                        char *esc = curl_easy_escape(c->curl, digest, 0);
                        put_url = xasprintf("%s%cdigest=%s", target,
                                            strchr(target, '?') ? '&' : '?', esc ? esc : "");
                        curl_free(esc);
                }
        }
        if (r < 0)
                return err_wrap(err, "upload blob `%s` to `%s` on `%s`", digest, repo, c->host);

        /* One monolithic PUT streaming the file: no chunk bookkeeping, and
         * every registry takes it. */
        HttpRequest req = { .method = "PUT",
                            .url = put_url,
                            .content_type = "application/octet-stream",
                            .body_from_fd = true,
                            .body_fd = fd,
                            .body_size = size,
                            .progress_digest = digest };
        _cleanup_free_ char *put_host = url_host(put_url);
        if (put_host && STREQ(put_host, c->endpoint))
                r = registry_request(c, &req, scope, &resp, err);
        else
                /* Upload sessions elsewhere do not get our credentials. */
                r = registry_http_perform(c, &req, &resp, err);
        if (r >= 0 && resp.status != 201 && resp.status != 200 && resp.status != 204)
                r = registry_http_error_set(&resp, err);
        if (r < 0)
                return err_wrap(err, "upload blob `%s` to `%s` on `%s`", digest, repo, c->host);
        return 0;
}

static json_t *search_result_new(const char *name, const char *description, bool official,
                                 bool automated, json_int_t stars) {
        return json_pack("{s:s, s:s, s:b, s:b, s:I}", "name", name, "description",
                         description ? description : "", "is_official", official, "is_automated",
                         automated, "star_count", stars);
}

/* v1 search. 1: answered (results in out), 0: no such endpoint here. */
static int search_v1(RegistryClient *c, const char *term, int limit, json_t *out, Error **err) {
        char *esc = curl_easy_escape(c->curl, term, 0);
        int n = limit > 0 ? limit : SEARCH_LIMIT_DEFAULT;
        /* Docker Hub serves search from the index, not the registry host;
         * it needs no credentials. */
        bool hub = STREQ(c->host, "docker.io");
        _cleanup_free_ char *url =
                hub ? xasprintf("https://index.docker.io/v1/search?q=%s&n=%d", esc ? esc : "", n)
                    : xasprintf("%s://%s/v1/search?q=%s&n=%d", c->scheme, c->endpoint,
                                esc ? esc : "", n);
        curl_free(esc);
        HttpRequest req = { .method = "GET", .url = url, .max_body = REGISTRY_MANIFEST_SIZE_MAX };
        _cleanup_(registry_http_response_clear) HttpResponse resp = { 0 };
        _cleanup_error_ Error *e = NULL;
        int r = hub ? registry_http_perform(c, &req, &resp, &e)
                    : registry_request_retry(c, &req, NULL, &resp, &e);
        if (r < 0 && e && e->kind == ERR_PROTOCOL && resp.code == CURLE_OK)
                return 0; /* an auth refusal of v1: try the catalog */
        if (r < 0)
                return err_propagate(err, TAKE_PTR(e));
        if (resp.status >= 400 && resp.status < 500)
                return 0;
        if (resp.status != 200)
                return registry_http_error_set(&resp, err);
        _cleanup_json_ json_t *doc = json_loadb(resp.body ? resp.body : "", resp.size, 0, NULL);
        json_t *results = json_object_get(doc, "results");
        if (!json_is_array(results))
                return 0; /* something else answers there: not a v1 search */
        size_t i;
        json_t *it;
        json_array_foreach (results, i, it) {
                const char *name = json_string_value(json_object_get(it, "name"));
                if (!name)
                        continue;
                if (limit > 0 && json_array_size(out) >= (size_t)limit)
                        break;
                json_array_append_new(
                        out, search_result_new(
                                     name, json_string_value(json_object_get(it, "description")),
                                     json_is_true(json_object_get(it, "is_official")),
                                     json_is_true(json_object_get(it, "is_automated")),
                                     json_integer_value(json_object_get(it, "star_count"))));
        }
        return 1;
}

/* The next page of a paginated answer: Link: </v2/_catalog?last=x&n=100>; rel="next". */
static char *link_next(RegistryClient *c, const char *url) {
        const char *link = registry_http_header(c, "Link");
        if (!link || !strstr(link, "rel=\"next\""))
                return NULL;
        const char *open = strchr(link, '<'), *close = open ? strchr(open, '>') : NULL;
        if (!close)
                return NULL;
        _cleanup_free_ char *target = xstrndup(open + 1, (size_t)(close - open - 1));
        return location_resolve(url, target);
}

static int search_catalog(RegistryClient *c, const char *term, int limit, json_t *out,
                          Error **err) {
        /* No n= parameter: registries reject one above their own page size
         * (PAGINATION_NUMBER_INVALID) and paginate anyway. */
        _cleanup_free_ char *url = url_build(c, "/v2/_catalog");
        for (int page = 0; url && page < CATALOG_PAGES_MAX; page++) {
                HttpRequest req = { .method = "GET",
                                    .url = url,
                                    .max_body = REGISTRY_MANIFEST_SIZE_MAX };
                _cleanup_(registry_http_response_clear) HttpResponse resp = { 0 };
                if (registry_request_retry(c, &req, "registry:catalog:*", &resp, err) < 0)
                        return -1;
                if (resp.status != 200)
                        return registry_http_error_set(&resp, err);
                json_error_t jerr;
                _cleanup_json_ json_t *doc =
                        json_loadb(resp.body ? resp.body : "", resp.size, 0, &jerr);
                json_t *repos = json_object_get(doc, "repositories");
                if (!json_is_array(repos))
                        return err_set(err, ERR_PROTOCOL, 0,
                                       "catalog answer has no `repositories` list");
                size_t i;
                json_t *it;
                json_array_foreach (repos, i, it) {
                        const char *name = json_string_value(it);
                        if (!name || !strstr(name, term))
                                continue;
                        json_array_append_new(out, search_result_new(name, "", false, false, 0));
                        if (limit > 0 && json_array_size(out) >= (size_t)limit)
                                return 0;
                }
                char *next = link_next(c, url);
                if (next && STREQ(next, url)) {
                        free(next);
                        next = NULL; /* a registry pointing at the same page forever */
                }
                free(url);
                url = next;
        }
        return 0;
}

int registry_search(RegistryClient *c, const char *term, int limit, json_t **ret, Error **err) {
        if (!term)
                term = "";
        _cleanup_json_ json_t *out = json_array();
        int r = 0;
        if (!c->scheme)
                r = registry_ping(c, err);
        if (r >= 0)
                r = search_v1(c, term, limit, out, err);
        if (r == 0)
                r = search_catalog(c, term, limit, out, err);
        if (r < 0)
                return err_wrap(err, "search `%s` on `%s`", term, c->host);
        *ret = TAKE_PTR(out);
        return 0;
}
