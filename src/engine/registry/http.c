/* SPDX-License-Identifier: Apache-2.0 */
/* One HTTP exchange with a registry on the client's curl easy handle, and
 * the TLS material of a cert dir. Auth and retries live above this. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "curl-lazy.h"
#include "json-util.h"
#include "registry-internal.h"
#include "xalloc.h"

#define CERTS_D "/etc/containers/certs.d"
/* Where Debian's OpenSSL libcurl looks when curl does not tell us. */
#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define SYSTEM_CA_BUNDLE_MAX (16u * 1024u * 1024u)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init_once(void) { curl_init_result = curl_global_init(CURL_GLOBAL_ALL); }

int registry_http_global_init(Error **err) {
        /* libcurl is loaded on first use; a host without it cannot pull. */
        const char *why = curl_lazy_error();
        if (why)
                return err_set(err, ERR_NOT_SUPPORTED, 0, "%s", why);
        /* curl_global_init is not thread-safe and must run once before any
         * handle exists; clients are created from several threads. */
        pthread_once(&curl_once, curl_init_once);
        if (curl_init_result != CURLE_OK)
                return err_set(err, ERR_INTERNAL, 0, "initialize libcurl: %s",
                               curl_easy_strerror(curl_init_result));
        return 0;
}

static int file_read_all(const char *path, size_t max, char **ret, size_t *ret_size, Error **err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "open `%s`", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return err_set(err, ERR_SYSTEM, errno, "stat `%s`", path);
        if (!S_ISREG(st.st_mode))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "`%s` is not a regular file", path);
        if ((uint64_t)st.st_size > max)
                return err_set(err, ERR_LIMIT, 0, "`%s` is larger than %zu bytes", path, max);
        _cleanup_free_ char *buf = xmalloc((size_t)st.st_size + 1);
        size_t got = 0;
        while (got < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return err_set(err, ERR_SYSTEM, errno, "read `%s`", path);
                if (n == 0)
                        break;
                got += (size_t)n;
        }
        buf[got] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = got;
        return 0;
}

static bool name_has_suffix(const char *name, const char *suffix) {
        size_t n = strlen(name), s = strlen(suffix);
        return n > s && STREQ(name + n - s, suffix);
}

static void bundle_append(RegistryClient *c, const char *data, size_t size) {
        c->ca_bundle = xrealloc(c->ca_bundle, c->ca_bundle_size + size + 2);
        memcpy(c->ca_bundle + c->ca_bundle_size, data, size);
        c->ca_bundle_size += size;
        /* PEM blocks must start on a line of their own. */
        if (size > 0 && data[size - 1] != '\n')
                c->ca_bundle[c->ca_bundle_size++] = '\n';
        c->ca_bundle[c->ca_bundle_size] = 0;
}

static int system_bundle_append(RegistryClient *c, Error **err) {
        const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
        const char *path = v && v->cainfo ? v->cainfo : SYSTEM_CA_BUNDLE;
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        _cleanup_error_ Error *e = NULL;
        /* A host without a system bundle still trusts the cert dir's CAs. */
        if (access(path, F_OK) < 0)
                return 0;
        if (file_read_all(path, SYSTEM_CA_BUNDLE_MAX, &data, &size, &e) < 0)
                return err_propagate(err, TAKE_PTR(e));
        bundle_append(c, data, size);
        return 0;
}

int registry_http_certs_load(RegistryClient *c, const char *cert_dir, Error **err) {
        _cleanup_free_ char *dflt = NULL;
        if (!cert_dir) {
                dflt = xasprintf("%s/%s", CERTS_D, c->host);
                if (access(dflt, F_OK) < 0)
                        return 0;
                cert_dir = dflt;
        }

        struct dirent **names = NULL;
        int n = scandir(cert_dir, &names, NULL, alphasort);
        if (n < 0)
                return err_set(err, ERR_SYSTEM, errno, "read cert dir `%s`", cert_dir);

        /* Docker's and podman's layout: *.crt are CAs, NAME.cert + NAME.key
         * a client pair (one: curl takes a single client certificate). */
        int r = 0;
        bool have_system = false;
        for (int i = 0; i < n && r >= 0; i++) {
                const char *name = names[i]->d_name;
                _cleanup_free_ char *path = xasprintf("%s/%s", cert_dir, name);
                if (name_has_suffix(name, ".crt")) {
                        _cleanup_free_ char *data = NULL;
                        size_t size = 0;
                        if (!have_system) {
                                r = system_bundle_append(c, err);
                                have_system = true;
                                if (r < 0)
                                        break;
                        }
                        r = file_read_all(path, REGISTRY_CERT_FILE_MAX, &data, &size, err);
                        if (r >= 0)
                                bundle_append(c, data, size);
                } else if (name_has_suffix(name, ".cert")) {
                        _cleanup_free_ char *key =
                                xasprintf("%.*s.key", (int)(strlen(path) - 5), path);
                        if (access(key, R_OK) < 0)
                                r = err_set(err, ERR_INVALID_ARGUMENT, 0,
                                            "missing key `%s` for client certificate `%s`", key,
                                            path);
                        else if (!c->client_cert) {
                                c->client_cert = TAKE_PTR(path);
                                c->client_key = TAKE_PTR(key);
                        }
                } else if (name_has_suffix(name, ".key")) {
                        _cleanup_free_ char *cert =
                                xasprintf("%.*s.cert", (int)(strlen(path) - 4), path);
                        if (access(cert, R_OK) < 0)
                                r = err_set(err, ERR_INVALID_ARGUMENT, 0,
                                            "missing client certificate `%s` for key `%s`", cert,
                                            path);
                }
        }
        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return r < 0 ? r : 0;
}

typedef struct Transfer {
        RegistryClient *c;
        const HttpRequest *req;
        HttpResponse *resp;
        uint64_t sent;
        uint64_t progress_last;
} Transfer;

static void body_append(HttpResponse *resp, const char *data, size_t n) {
        resp->body = xrealloc(resp->body, resp->size + n + 1);
        memcpy(resp->body + resp->size, data, n);
        resp->size += n;
        resp->body[resp->size] = 0;
}

static size_t transfer_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        Transfer *t = userdata;
        size_t n = size * nmemb;
        long status = 0;
        /* curl does not hand us the bodies of redirects it follows, so the
         * status here is the one of the answer this body belongs to. */
        curl_easy_getinfo(t->c->curl, CURLINFO_RESPONSE_CODE, &status);
        bool ok = status >= 200 && status < 300;
        if (ok && t->req->sink) {
                if (t->req->sink(t->req->sink_userdata, ptr, n) < 0) {
                        t->resp->sink_failed = true;
                        return 0;
                }
                return n;
        }
        if (ok && t->req->max_body > 0) {
                if (t->resp->size + n > t->req->max_body) {
                        t->resp->too_large = true;
                        return 0;
                }
                body_append(t->resp, ptr, n);
                return n;
        }
        /* Error documents and bodies we do not need: keep the head only. */
        if (t->resp->size < REGISTRY_ERROR_BODY_MAX) {
                size_t keep = REGISTRY_ERROR_BODY_MAX - t->resp->size;
                body_append(t->resp, ptr, n < keep ? n : keep);
        }
        return n;
}

static size_t transfer_read(char *buf, size_t size, size_t nitems, void *userdata) {
        Transfer *t = userdata;
        const HttpRequest *req = t->req;
        uint64_t left = req->body_size - t->sent;
        size_t want = size * nitems;
        if (want > left)
                want = (size_t)left;
        if (want == 0)
                return 0;
        size_t n;
        if (req->body_from_fd) {
                ssize_t r;
                do
                        r = read(req->body_fd, buf, want);
                while (r < 0 && errno == EINTR);
                if (r <= 0) {
                        /* A short file would leave the registry waiting for
                         * bytes that never come: abort instead. */
                        t->resp->body_failed = true;
                        t->resp->body_errno = r < 0 ? errno : 0;
                        return CURL_READFUNC_ABORT;
                }
                n = (size_t)r;
        } else {
                memcpy(buf, req->body + t->sent, want);
                n = want;
        }
        t->sent += n;
        if (req->progress_digest && t->c->progress) {
                uint64_t step = t->sent - t->progress_last;
                if (step >= 256 * 1024 || t->sent == req->body_size) {
                        t->c->progress(t->c->progress_userdata, req->progress_digest, t->sent,
                                       req->body_size);
                        t->progress_last = t->sent;
                }
        }
        return n;
}

static struct curl_slist *slist_add(struct curl_slist *l, const char *name, const char *value) {
        _cleanup_free_ char *line = xasprintf("%s: %s", name, value);
        struct curl_slist *n = curl_slist_append(l, line);
        if (!n)
                abort(); /* out of memory, as xmalloc does */
        return n;
}

static bool code_is_tls(CURLcode code) {
        switch (code) {
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_USE_SSL_FAILED:
                return true;
        default:
                return false;
        }
}

bool registry_http_code_is_transient(CURLcode code) {
        switch (code) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_PARTIAL_FILE:
        case CURLE_GOT_NOTHING:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
                return true;
        default:
                return false;
        }
}

bool registry_http_status_is_transient(long status) {
        return status == 408 || status == 429 || (status >= 500 && status != 501);
}

static int transport_error_set(RegistryClient *c, const HttpRequest *req, CURLcode code,
                               Error **err) {
        /* Query strings carry upload state tokens: keep them out of messages. */
        _cleanup_free_ char *url = xstrndup(req->url, strcspn(req->url, "?"));
        _cleanup_free_ char *msg =
                xstrdup(c->curl_error[0] ? c->curl_error : curl_easy_strerror(code));
        /* Lower-case curl's sentence, but not an acronym ("SSL certificate"). */
        if (isupper((unsigned char)msg[0]) && islower((unsigned char)msg[1]))
                msg[0] = (char)tolower((unsigned char)msg[0]);
        ErrorKind kind = code == CURLE_OPERATION_TIMEDOUT ? ERR_TIMEOUT : ERR_PROTOCOL;
        return err_set(err, kind, 0, "%s %s: %s%s", req->method, url,
                       code_is_tls(code) ? "tls: " : "", msg);
}

int registry_http_perform(RegistryClient *c, const HttpRequest *req, HttpResponse *resp,
                          Error **err) {
        CURL *curl = c->curl;
        Transfer t = { .c = c, .req = req, .resp = resp };
        struct curl_slist *headers = NULL;

        registry_http_response_clear(resp);
        curl_easy_reset(curl); /* keeps live connections and TLS sessions */
        c->curl_error[0] = 0;
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, c->curl_error);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, "varpod/" VARPOD_VERSION);
        curl_easy_setopt(curl, CURLOPT_URL, req->url);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
        /* A stalled transfer (less than a byte a second for two minutes)
         * fails and may be retried; a slow one is left alone. */
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 120L);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, transfer_write);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);

        if (c->insecure) {
                curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
                curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
        } else if (c->ca_bundle) {
                /* The blob replaces curl's CA file, so it holds the system
                 * bundle too; no temp file to leave behind. */
                struct curl_blob blob = { .data = c->ca_bundle,
                                          .len = c->ca_bundle_size,
                                          .flags = CURL_BLOB_NOCOPY };
                curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
        }
        if (c->client_cert) {
                curl_easy_setopt(curl, CURLOPT_SSLCERT, c->client_cert);
                curl_easy_setopt(curl, CURLOPT_SSLKEY, c->client_key);
        }

        if (req->accept)
                headers = slist_add(headers, "Accept", req->accept);
        if (req->content_type)
                headers = slist_add(headers, "Content-Type", req->content_type);
        /* A header we set ourselves is not sent along a redirect to another
         * host or port (curl >= 7.58 without CURLOPT_UNRESTRICTED_AUTH), so
         * registry tokens never reach blob storage. */
        if (req->authorization)
                headers = slist_add(headers, "Authorization", req->authorization);
        if (req->range)
                headers = slist_add(headers, "Range", req->range);

        bool has_body = req->body_size > 0;
        if (STREQ(req->method, "GET")) {
                curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
                curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
        } else if (STREQ(req->method, "HEAD")) {
                curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
                curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
        } else if (STREQ(req->method, "POST")) {
                curl_easy_setopt(curl, CURLOPT_POST, 1L);
                if (has_body) {
                        curl_easy_setopt(curl, CURLOPT_READFUNCTION, transfer_read);
                        curl_easy_setopt(curl, CURLOPT_READDATA, &t);
                        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                                         (curl_off_t)req->body_size);
                } else {
                        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
                        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
                }
        } else if (STREQ(req->method, "PUT")) {
                curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
                curl_easy_setopt(curl, CURLOPT_READFUNCTION, transfer_read);
                curl_easy_setopt(curl, CURLOPT_READDATA, &t);
                curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_size);
        } else
                curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
        if (has_body || STREQ(req->method, "PUT"))
                /* Registries answer at the end anyway; waiting for a
                 * 100-continue only costs a round trip. */
                headers = slist_add(headers, "Expect", "");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

        CURLcode code = curl_easy_perform(curl);
        curl_slist_free_all(headers);
        resp->code = code;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);

        if (code == CURLE_OK)
                return 0;
        _cleanup_free_ char *url = xstrndup(req->url, strcspn(req->url, "?"));
        if (resp->too_large)
                return err_set(err, ERR_LIMIT, 0, "%s %s: answer larger than %zu bytes",
                               req->method, url, req->max_body);
        if (resp->sink_failed)
                return err_set(err, ERR_INTERNAL, 0, "%s %s: writing the body failed", req->method,
                               url);
        if (resp->body_failed) {
                if (resp->body_errno)
                        return err_set(err, ERR_SYSTEM, resp->body_errno,
                                       "%s %s: read request body", req->method, url);
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "%s %s: request body ended after %" PRIu64 " of %" PRIu64 " bytes",
                               req->method, url, t.sent, req->body_size);
        }
        return transport_error_set(c, req, code, err);
}

void registry_http_response_clear(HttpResponse *resp) {
        free(resp->body);
        *resp = (HttpResponse){ 0 };
}

const char *registry_http_header(RegistryClient *c, const char *name) {
        struct curl_header *h = NULL;
        /* request -1: the last answer, after redirects. */
        if (curl_easy_header(c->curl, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h)
                return NULL;
        return h->value;
}

static bool text_is_printable(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!isprint((unsigned char)s[i]) && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
                        return false;
        return true;
}

char *registry_http_error_format(const HttpResponse *resp) {
        _cleanup_json_ json_t *doc = NULL;
        if (resp->body && resp->size > 0)
                doc = json_loadb(resp->body, resp->size, 0, NULL);
        json_t *errors = doc ? json_object_get(doc, "errors") : NULL;
        if (json_is_array(errors) && json_array_size(errors) > 0) {
                /* The registry's error document: CODE: message per entry. */
                char *out = xasprintf("HTTP %ld", resp->status);
                size_t i;
                json_t *e;
                json_array_foreach (errors, i, e) {
                        const char *code = json_string_value(json_object_get(e, "code"));
                        const char *msg = json_string_value(json_object_get(e, "message"));
                        char *next = xasprintf("%s%s%s%s%s%s", out, i == 0 ? ": " : "; ",
                                               code ? code : "", code && msg ? ": " : "",
                                               msg ? msg : "", !code && !msg ? "error" : "");
                        free(out);
                        out = next;
                        if (i == 4)
                                break; /* enough to say what went wrong */
                }
                return out;
        }
        if (resp->body && resp->size > 0 && resp->size <= 512 &&
            text_is_printable(resp->body, resp->size)) {
                size_t len = strcspn(resp->body, "\r\n");
                if (len > 0 && len <= 200)
                        return xasprintf("HTTP %ld: %.*s", resp->status, (int)len, resp->body);
        }
        return xasprintf("HTTP %ld", resp->status);
}

int registry_http_error_set(const HttpResponse *resp, Error **err) {
        _cleanup_free_ char *text = registry_http_error_format(resp);
        return err_set(err, resp->status == 404 ? ERR_NOT_FOUND : ERR_PROTOCOL, 0, "%s", text);
}
