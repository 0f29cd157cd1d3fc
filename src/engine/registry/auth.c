/* SPDX-License-Identifier: Apache-2.0 */
/* Registry authentication: credentials (--creds, auth.json, Docker's
 * config.json), WWW-Authenticate challenges, and bearer tokens fetched
 * from the challenge's realm and cached per scope. */
#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "json-util.h"
#include "registry-internal.h"
#include "xalloc.h"

/* Auth files are small; anything bigger is not one. */
#define AUTH_FILE_MAX (1024u * 1024u)
/* Tokens without expires_in live this long (the token spec's default). */
#define TOKEN_LIFETIME_DEFAULT 60

char *registry_base64_encode(const void *data, size_t len) {
        char *out = xmalloc(4 * ((len + 2) / 3) + 1);
        EVP_EncodeBlock((unsigned char *)out, data, (int)len);
        return out;
}

char *registry_base64_decode(const char *text, size_t *ret_len) {
        /* EVP_DecodeBlock wants whole quads without whitespace; Docker
         * writes padded base64, some tools do not. */
        size_t n = 0, len = strlen(text);
        _cleanup_free_ char *clean = xmalloc(len + 4);
        for (size_t i = 0; i < len; i++)
                if (!isspace((unsigned char)text[i]))
                        clean[n++] = text[i];
        while (n % 4 != 0)
                clean[n++] = '=';
        clean[n] = 0;
        size_t pad = 0;
        while (pad < n && pad < 2 && clean[n - 1 - pad] == '=')
                pad++;
        char *out = xmalloc(3 * (n / 4) + 1);
        int r = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)clean, (int)n);
        if (r < 0 || (size_t)r < pad) {
                free(out);
                return NULL;
        }
        out[r - pad] = 0;
        if (ret_len)
                *ret_len = (size_t)r - pad;
        return out;
}

void registry_auth_challenge_clear(AuthChallenge *ch) {
        free(ch->realm);
        free(ch->service);
        free(ch->scope);
        *ch = (AuthChallenge){ 0 };
}

static const char *param_value_parse(const char *p, char **ret) {
        size_t cap = strlen(p) + 1, n = 0;
        _cleanup_free_ char *v = xmalloc(cap);
        if (*p == '"') {
                for (p++; *p && *p != '"'; p++) {
                        if (*p == '\\' && p[1])
                                p++;
                        v[n++] = *p;
                }
                if (*p == '"')
                        p++;
        } else
                while (*p && *p != ',' && *p != ' ')
                        v[n++] = *p++;
        v[n] = 0;
        *ret = TAKE_PTR(v);
        return p;
}

int registry_auth_challenge_parse(const char *value, AuthChallenge *ret) {
        _cleanup_(registry_auth_challenge_clear) AuthChallenge ch = { 0 };
        const char *p = value;
        while (*p == ' ')
                p++;
        size_t n = strcspn(p, " ");
        if (n == 6 && strncasecmp(p, "bearer", 6) == 0)
                ch.scheme = AUTH_BEARER;
        else if (n == 5 && strncasecmp(p, "basic", 5) == 0)
                ch.scheme = AUTH_BASIC;
        else
                return -1;
        p += n;

        /* auth-params: key=token or key="quoted string", comma separated. */
        for (;;) {
                while (*p == ' ' || *p == ',')
                        p++;
                size_t klen = strspn(p, "abcdefghijklmnopqrstuvwxyz"
                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
                if (klen == 0 || p[klen] != '=')
                        break; /* the end, or a second challenge we ignore */
                const char *key = p;
                char *v = NULL;
                p = param_value_parse(p + klen + 1, &v);
                char **slot = NULL;
                if (klen == 5 && strncasecmp(key, "realm", 5) == 0)
                        slot = &ch.realm;
                else if (klen == 7 && strncasecmp(key, "service", 7) == 0)
                        slot = &ch.service;
                else if (klen == 5 && strncasecmp(key, "scope", 5) == 0)
                        slot = &ch.scope;
                if (slot) {
                        free(*slot);
                        *slot = v;
                } else
                        free(v);
        }
        if (ch.scheme == AUTH_BEARER && (!ch.realm || !*ch.realm))
                return -1; /* nowhere to get a token from */
        *ret = ch;
        ch = (AuthChallenge){ 0 };
        return 0;
}

static int creds_split(RegistryClient *c, const char *creds, const char *source, Error **err) {
        const char *colon = strchr(creds, ':');
        if (!colon || colon == creds)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "credentials %s must be `username:password`", source);
        c->username = xstrndup(creds, (size_t)(colon - creds));
        c->password = xstrdup(colon + 1);
        return 0;
}

/* "https://index.docker.io/v1/" -> "docker.io", "http://h:5000" -> "h:5000". */
static char *auth_key_normalize(const char *key) {
        if (STRPREFIX(key, "https://"))
                key += 8;
        else if (STRPREFIX(key, "http://"))
                key += 7;
        char *host = xstrndup(key, strcspn(key, "/"));
        if (STREQ(host, "index.docker.io") || STREQ(host, "registry-1.docker.io")) {
                free(host);
                host = xstrdup("docker.io");
        }
        return host;
}

/* Looks host up in one auth file: 1 found, 0 not there (or no file). */
static int auth_file_lookup(RegistryClient *c, const char *path, Error **err) {
        if (access(path, F_OK) < 0)
                return 0;
        json_error_t jerr;
        _cleanup_json_ json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "auth file `%s`: line %d: %s", path,
                               jerr.line, jerr.text);
        json_t *auths = json_object_get(doc, "auths");
        if (!auths)
                return 0;
        if (!json_is_object(auths))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "auth file `%s`: `auths` is not an object", path);
        _cleanup_free_ char *want = auth_key_normalize(c->host);
        const char *key;
        json_t *entry;
        json_object_foreach (auths, key, entry) {
                _cleanup_free_ char *k = auth_key_normalize(key);
                if (!STREQ(k, want))
                        continue;
                const char *b64 = json_string_value(json_object_get(entry, "auth"));
                if (!b64 || !*b64)
                        continue; /* an entry for a credential helper we do not run */
                _cleanup_free_ char *src = xasprintf("for `%s` in `%s`", key, path);
                _cleanup_free_ char *plain = registry_base64_decode(b64, NULL);
                if (!plain)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "auth file `%s`: `auth` of `%s` is not base64", path, key);
                int r = creds_split(c, plain, src, err);
                explicit_bzero(plain, strlen(plain));
                return r < 0 ? r : 1;
        }
        return 0;
}

int registry_auth_creds_load(RegistryClient *c, const RegistryOptions *opts, Error **err) {
        if (opts && opts->creds)
                return creds_split(c, opts->creds, "given", err);

        /* containers/image's order: the given file, podman's REGISTRY_AUTH_FILE,
         * the per-session auth.json, then Docker's own config. A missing file
         * counts as empty there, and here. */
        const char *xdg = getenv("XDG_RUNTIME_DIR"), *home = getenv("HOME");
        _cleanup_free_ char *runtime =
                xdg && *xdg ? xasprintf("%s/containers/auth.json", xdg) : NULL;
        _cleanup_free_ char *docker =
                home && *home ? xasprintf("%s/.docker/config.json", home) : NULL;
        const char *paths[] = { opts ? opts->auth_file : NULL, getenv("REGISTRY_AUTH_FILE"),
                                runtime, docker };
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                if (!paths[i] || !*paths[i])
                        continue;
                int r = auth_file_lookup(c, paths[i], err);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        return 0;
}

static time_t monotonic_now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec;
}

static char *basic_header(RegistryClient *c) {
        _cleanup_free_ char *pair = xasprintf("%s:%s", c->username, c->password);
        _cleanup_free_ char *b64 = registry_base64_encode(pair, strlen(pair));
        explicit_bzero(pair, strlen(pair));
        return xasprintf("Basic %s", b64);
}

/* The server's own words from an error answer of a registry or a token
 * server ({"errors":[...]}, {"details": ...}, {"error": ...}). */
static char *auth_server_message(const HttpResponse *resp) {
        _cleanup_json_ json_t *doc =
                resp->body && resp->size ? json_loadb(resp->body, resp->size, 0, NULL) : NULL;
        const char *msg = NULL;
        if (doc && !json_object_get(doc, "errors")) {
                msg = json_string_value(json_object_get(doc, "details"));
                if (!msg)
                        msg = json_string_value(json_object_get(doc, "error"));
        }
        if (msg)
                return xasprintf("HTTP %ld: %s", resp->status, msg);
        if (resp->status == 401 && (!doc || !json_object_get(doc, "errors")))
                return xasprintf("HTTP %ld: authentication required", resp->status);
        return registry_http_error_format(resp);
}

int registry_auth_error_set(RegistryClient *c, const HttpResponse *resp, bool sent_creds,
                            Error **err) {
        if (resp->status == 401 && sent_creds)
                return err_set(err, ERR_PROTOCOL, 0,
                               "authenticate to `%s`: HTTP 401: invalid username or password",
                               c->host);
        _cleanup_free_ char *text = auth_server_message(resp);
        return err_set(err, ERR_PROTOCOL, 0, "authenticate to `%s`: %s", c->host, text);
}

static char *token_url(RegistryClient *c, const char *scope) {
        const AuthChallenge *ch = &c->challenge;
        char *url = xstrdup(ch->realm);
        char sep = strchr(url, '?') ? '&' : '?';
        if (ch->service) {
                char *esc = curl_easy_escape(c->curl, ch->service, 0);
                char *next = xasprintf("%s%cservice=%s", url, sep, esc ? esc : "");
                curl_free(esc);
                free(url);
                url = next;
                sep = '&';
        }
        /* One scope parameter per item: "repository:a:pull repository:b:pull". */
        for (const char *p = scope ? scope : ""; *p;) {
                size_t n = strcspn(p, " ");
                if (n > 0) {
                        char *esc = curl_easy_escape(c->curl, p, (int)n);
                        char *next = xasprintf("%s%cscope=%s", url, sep, esc ? esc : "");
                        curl_free(esc);
                        free(url);
                        url = next;
                        sep = '&';
                }
                p += n;
                while (*p == ' ')
                        p++;
        }
        return url;
}

static int token_fetch(RegistryClient *c, const char *scope, char **ret_token, time_t *ret_expires,
                       Error **err) {
        _cleanup_free_ char *url = token_url(c, scope);
        _cleanup_free_ char *authz = c->username ? basic_header(c) : NULL;
        HttpRequest req = {
                .method = "GET",
                .url = url,
                .authorization = authz,
                .max_body = REGISTRY_MANIFEST_SIZE_MAX,
        };
        _cleanup_(registry_http_response_clear) HttpResponse resp = { 0 };
        int r = registry_http_perform(c, &req, &resp, err);
        if (authz)
                explicit_bzero(authz, strlen(authz));
        if (r < 0)
                return err_wrap(err, "authenticate to `%s`", c->host);
        if (resp.status == 401 || resp.status == 403)
                return registry_auth_error_set(c, &resp, c->username != NULL, err);
        if (resp.status != 200)
                return registry_auth_error_set(c, &resp, false, err);

        json_error_t jerr;
        _cleanup_json_ json_t *doc = json_loadb(resp.body, resp.size, 0, &jerr);
        if (!doc)
                return err_set(err, ERR_PROTOCOL, 0, "authenticate to `%s`: token answer: %s",
                               c->host, jerr.text);
        /* "token" is the spec's; "access_token" the OAuth2 name some use. */
        const char *token = json_string_value(json_object_get(doc, "token"));
        if (!token || !*token)
                token = json_string_value(json_object_get(doc, "access_token"));
        if (!token || !*token)
                return err_set(err, ERR_PROTOCOL, 0,
                               "authenticate to `%s`: token answer has no token", c->host);
        json_int_t lifetime = TOKEN_LIFETIME_DEFAULT;
        json_t *expires_in = json_object_get(doc, "expires_in");
        if (json_is_integer(expires_in) && json_integer_value(expires_in) > 0)
                lifetime = json_integer_value(expires_in);
        /* Renew a little early so a token does not expire in flight. */
        lifetime -= lifetime / 6 < 10 ? lifetime / 6 : 10;
        *ret_token = xstrdup(token);
        *ret_expires = monotonic_now() + (time_t)lifetime;
        return 0;
}

static AuthToken *token_find(RegistryClient *c, const char *scope) {
        for (size_t i = 0; i < c->n_tokens; i++)
                if (STREQ(c->tokens[i].scope, scope))
                        return &c->tokens[i];
        return NULL;
}

int registry_auth_header_get(RegistryClient *c, const char *scope, bool refresh, char **ret,
                             Error **err) {
        switch (c->challenge.scheme) {
        case AUTH_NONE:
                *ret = NULL;
                return 0;
        case AUTH_BASIC:
                *ret = c->username ? basic_header(c) : NULL;
                return 0;
        case AUTH_BEARER:
                break;
        }

        const char *key = scope ? scope : "";
        AuthToken *t = token_find(c, key);
        if (t && !refresh && monotonic_now() < t->expires) {
                *ret = xasprintf("Bearer %s", t->token);
                return 0;
        }
        char *token = NULL;
        time_t expires = 0;
        if (token_fetch(c, scope, &token, &expires, err) < 0)
                return -1;
        if (!t) {
                if (c->n_tokens == REGISTRY_TOKENS_MAX) {
                        /* Full: drop the oldest entry. */
                        free(c->tokens[0].scope);
                        free(c->tokens[0].token);
                        memmove(&c->tokens[0], &c->tokens[1],
                                sizeof(AuthToken) * (REGISTRY_TOKENS_MAX - 1));
                        c->n_tokens--;
                }
                t = &c->tokens[c->n_tokens++];
                t->scope = xstrdup(key);
        } else
                free(t->token);
        t->token = token;
        t->expires = expires;
        *ret = xasprintf("Bearer %s", token);
        return 0;
}

void registry_auth_clear(RegistryClient *c) {
        for (size_t i = 0; i < c->n_tokens; i++) {
                free(c->tokens[i].scope);
                free(c->tokens[i].token);
        }
        c->n_tokens = 0;
        if (c->password)
                explicit_bzero(c->password, strlen(c->password));
        free(c->password);
        free(c->username);
        c->password = c->username = NULL;
        registry_auth_challenge_clear(&c->challenge);
}
