/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What registry.c, http.c and auth.c share: the client object, one HTTP
 * exchange (http.c) and the auth state (auth.c). Not for use outside this
 * folder. */

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "registry.h"

/* Attempts after the first for idempotent requests that failed on the way
 * (connection reset, 5xx, 429). */
#define REGISTRY_RETRIES 3
/* Error documents and other bodies we only read for their message. */
#define REGISTRY_ERROR_BODY_MAX (64u * 1024u)
/* A cert dir file (CA, client certificate or key) larger than this is not
 * PEM text we want to read. */
#define REGISTRY_CERT_FILE_MAX (1024u * 1024u)
/* Tokens cached per client (one per scope). */
#define REGISTRY_TOKENS_MAX 32

typedef enum AuthScheme {
        AUTH_NONE = 0,
        AUTH_BASIC,
        AUTH_BEARER,
} AuthScheme;

/* A parsed WWW-Authenticate header. */
typedef struct AuthChallenge {
        AuthScheme scheme;
        char *realm;
        char *service;
        char *scope;
} AuthChallenge;

typedef struct AuthToken {
        char *scope;
        char *token;
        time_t expires; /* CLOCK_MONOTONIC seconds */
} AuthToken;

struct RegistryClient {
        char *host;         /* as given: "127.0.0.1:5000", "docker.io" */
        char *endpoint;     /* where requests go: "registry-1.docker.io" for docker.io */
        const char *scheme; /* "https" or "http" once pinged, else NULL */
        bool insecure;

        /* TLS material from the cert dir. ca_bundle is the system bundle
         * followed by the dir's *.crt, handed to curl as a blob. */
        char *ca_bundle;
        size_t ca_bundle_size;
        char *client_cert;
        char *client_key;

        char *username; /* NULL: anonymous */
        char *password;

        AuthChallenge challenge;
        AuthToken tokens[REGISTRY_TOKENS_MAX];
        size_t n_tokens;

        void (*progress)(void *userdata, const char *digest, uint64_t done, uint64_t total);
        void *progress_userdata;

        CURL *curl;
        char curl_error[CURL_ERROR_SIZE];
};

/* One HTTP exchange. The response body is handed to sink while the status
 * is 2xx (when sink is set); otherwise it is kept in HttpResponse.body, up
 * to max_body bytes for a 2xx answer (more is ERR_LIMIT) and up to
 * REGISTRY_ERROR_BODY_MAX for an error answer (more is dropped). */
typedef struct HttpRequest {
        const char *method; /* GET, HEAD, POST, PUT, DELETE */
        const char *url;
        const char *accept;
        const char *content_type;
        const char *authorization; /* the whole header value, or NULL */
        const char *range;         /* "bytes=N-", or NULL */

        /* Request body: body_size bytes from body, or read from body_fd
         * (from its current offset) when body_from_fd. */
        const char *body;
        bool body_from_fd;
        int body_fd;
        uint64_t body_size;
        const char *progress_digest; /* reports upload progress under this name */

        size_t max_body;
        RegistryWriteFn sink;
        void *sink_userdata;
} HttpRequest;

typedef struct HttpResponse {
        CURLcode code; /* CURLE_OK when an answer came, whatever its status */
        long status;
        char *body;
        size_t size;
        bool too_large;   /* a 2xx body went over max_body */
        bool sink_failed; /* the sink returned an error */
        bool body_failed; /* reading the request body from its fd failed */
        int body_errno;
} HttpResponse;

/* curl_global_init, once per process. */
int registry_http_global_init(Error **err);

/* Reads the cert dir into c (CA bundle, client pair); cert_dir NULL uses
 * /etc/containers/certs.d/HOST when it exists. */
int registry_http_certs_load(RegistryClient *c, const char *cert_dir, Error **err);

/* Performs req. Returns 0 when an answer came (any status: callers judge
 * it), or a negative value and *err on a transport failure (resp->code
 * says which, for retry decisions). */
int registry_http_perform(RegistryClient *c, const HttpRequest *req, HttpResponse *resp,
                          Error **err);
void registry_http_response_clear(HttpResponse *resp);

/* Header name of the last answer, or NULL; the string lives until the
 * next request on c. */
const char *registry_http_header(RegistryClient *c, const char *name);

/* True for curl failures worth another attempt (resets, timeouts). */
bool registry_http_code_is_transient(CURLcode code);
/* True for statuses worth another attempt (5xx but 501, 429, 408). */
bool registry_http_status_is_transient(long status);

/* "HTTP 404: MANIFEST_UNKNOWN: manifest unknown" from an error answer:
 * the registry's error document when there is one, else a short text
 * body. New string. */
char *registry_http_error_format(const HttpResponse *resp);
/* err_set with that text and the kind the status maps to (404: not found,
 * else protocol). */
int registry_http_error_set(const HttpResponse *resp, Error **err);

/* Parses a WWW-Authenticate value; -1 for schemes we do not speak. */
int registry_auth_challenge_parse(const char *value, AuthChallenge *ret);
void registry_auth_challenge_clear(AuthChallenge *ch);

/* Fills c->username/password from opts->creds or the auth files. */
int registry_auth_creds_load(RegistryClient *c, const RegistryOptions *opts, Error **err);

/* The Authorization value a request needing scope (space-separated
 * "repository:NAME:ACTIONS" items, or NULL) should carry, in *ret (NULL
 * when none). refresh forgets a cached token first. */
int registry_auth_header_get(RegistryClient *c, const char *scope, bool refresh, char **ret,
                             Error **err);

/* The error for a 401 answer to a request that carried authorization (or
 * could not): "authenticate to `HOST`: HTTP 401: ...". */
int registry_auth_error_set(RegistryClient *c, const HttpResponse *resp, bool sent_creds,
                            Error **err);

/* Forgets tokens, zeroes the password. */
void registry_auth_clear(RegistryClient *c);

/* base64 helpers on libcrypto; new strings. decode returns NULL on bad
 * input. */
char *registry_base64_encode(const void *data, size_t len);
char *registry_base64_decode(const char *text, size_t *ret_len);
