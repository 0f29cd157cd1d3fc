/* SPDX-License-Identifier: Apache-2.0 */
#include "reference.h"

#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "xalloc.h"

/* The grammar of github.com/distribution/reference, written out by hand.
 * Its regular expression is anchored and every separator is unambiguous
 * ('@' only starts the digest, a ':' after the last '/' only starts the
 * tag), so one left-to-right split accepts exactly the same language:
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ domain "/" ] path-component ( "/" path-component )*
 *   domain    := ( domain-name | "[" ipv6 "]" ) [ ":" port ]
 *   tag       := [\w][\w.-]{0,127}
 *   digest    := algorithm ":" [0-9a-fA-F]{32,}
 *
 * The messages are the reference's own: podman users and scripts know
 * them. */

#define DEFAULT_DOMAIN "docker.io"
#define LEGACY_DEFAULT_DOMAIN "index.docker.io"
#define OFFICIAL_REPO_PREFIX "library/"
#define DEFAULT_TAG "latest"

static const char msg_invalid[] = "invalid reference format";
static const char msg_uppercase[] = "invalid reference format: repository name must be lowercase";

typedef struct Parts {
        const char *domain;
        size_t domain_len; /* 0: no domain */
        const char *path;
        size_t path_len;
        const char *tag; /* NULL: none */
        size_t tag_len;
        const char *digest; /* NULL: none */
        size_t digest_len;
} Parts;

static bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
static bool is_word(char c) { return is_alnum(c) || c == '_'; }
static bool is_hex(char c) {
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

/* [a-z0-9]+ ( separator [a-z0-9]+ )*, separator: ".", "_", "__" or "-"+. */
static bool path_component_is_valid(const char *s, size_t n) {
        size_t i = 0;
        for (;;) {
                size_t start = i;
                while (i < n && is_lower_alnum(s[i]))
                        i++;
                if (i == start)
                        return false;
                if (i == n)
                        return true;
                if (s[i] == '.')
                        i++;
                else if (s[i] == '_')
                        i += i + 1 < n && s[i + 1] == '_' ? 2 : 1;
                else if (s[i] == '-')
                        while (i < n && s[i] == '-')
                                i++;
                else
                        return false;
        }
}

/* domain-name: labels [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])? joined by
 * '.', or a bracketed IPv6 address; then an optional :port. */
static bool domain_is_valid(const char *s, size_t n) {
        size_t i = 0;
        if (n > 0 && s[0] == '[') {
                for (i = 1; i < n && (is_hex(s[i]) || s[i] == ':'); i++)
                        ;
                if (i == 1 || i == n || s[i] != ']')
                        return false;
                i++;
        } else
                for (;;) {
                        size_t start = i;
                        while (i < n && (is_alnum(s[i]) || s[i] == '-'))
                                i++;
                        if (i == start || s[start] == '-' || s[i - 1] == '-')
                                return false;
                        if (i < n && s[i] == '.') {
                                i++;
                                continue;
                        }
                        break;
                }
        if (i < n && s[i] == ':') {
                size_t start = ++i;
                while (i < n && is_digit(s[i]))
                        i++;
                if (i == start)
                        return false;
        }
        return i == n;
}

static bool tag_is_valid(const char *s, size_t n) {
        if (n == 0 || n > IMAGE_REF_TAG_MAX || !is_word(s[0]))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
                        return false;
        return true;
}

/* [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ":" [0-9a-fA-F]{32,} */
static bool digest_grammar_is_valid(const char *s, size_t n) {
        size_t i = 0;
        for (;;) {
                if (i == n || !is_alpha(s[i]))
                        return false;
                while (i < n && is_alnum(s[i]))
                        i++;
                if (i < n && strchr("-_+.", s[i]))
                        i++;
                else
                        break;
        }
        if (i == n || s[i] != ':')
                return false;
        size_t hex = ++i;
        while (i < n && is_hex(s[i]))
                i++;
        return i == n && n - hex >= 32;
}

/* The first component names a registry when it has a '.' or a ':' or is
 * "localhost" (Docker's rule, which podman follows). */
static bool first_component_is_domain(const char *s, size_t n) {
        return memchr(s, '.', n) || memchr(s, ':', n) ||
               (n == strlen("localhost") && memcmp(s, "localhost", n) == 0);
}

/* Splits and checks the grammar; only the shape, not length limits nor
 * the digest algorithm. */
static bool parts_split(const char *text, Parts *ret) {
        Parts p = { 0 };
        size_t len = strlen(text);
        const char *at = strchr(text, '@');
        size_t name_len = at ? (size_t)(at - text) : len;
        if (at) {
                p.digest = at + 1;
                p.digest_len = len - name_len - 1;
                if (!digest_grammar_is_valid(p.digest, p.digest_len))
                        return false;
        }

        const char *colon = memrchr(text, ':', name_len);
        const char *slash = memrchr(text, '/', name_len);
        if (colon && (!slash || colon > slash)) {
                p.tag = colon + 1;
                p.tag_len = name_len - (size_t)(p.tag - text);
                if (!tag_is_valid(p.tag, p.tag_len))
                        return false;
                name_len = (size_t)(colon - text);
        }

        p.path = text;
        p.path_len = name_len;
        const char *first_slash = memchr(text, '/', name_len);
        if (first_slash && first_component_is_domain(text, (size_t)(first_slash - text))) {
                p.domain = text;
                p.domain_len = (size_t)(first_slash - text);
                if (!domain_is_valid(p.domain, p.domain_len))
                        return false;
                p.path = first_slash + 1;
                p.path_len = name_len - p.domain_len - 1;
        }

        const char *c = p.path, *end = p.path + p.path_len;
        for (;;) {
                const char *e = memchr(c, '/', (size_t)(end - c));
                if (!e)
                        e = end;
                if (!path_component_is_valid(c, (size_t)(e - c)))
                        return false;
                if (e == end)
                        break;
                c = e + 1;
        }
        *ret = p;
        return true;
}

static int digest_check(const char *s, size_t n, Error **err) {
        const char *colon = memchr(s, ':', n);
        size_t alg = (size_t)(colon - s), hex = n - alg - 1;
        /* sha256 is the only algorithm images use; the reference accepts
         * sha384 and sha512 too, but no registry serves them. */
        if (alg != strlen("sha256") || memcmp(s, "sha256", alg) != 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "unsupported digest algorithm");
        if (hex != 64)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid checksum digest length");
        for (size_t i = 0; i < hex; i++)
                if (is_upper(colon[1 + i]))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "invalid checksum digest format");
        return 0;
}

int image_ref_parse(const char *text, ImageRef *ret, Error **err) {
        Parts p;
        if (!text || !*text)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "repository name must have at least one component");
        if (!parts_split(text, &p)) {
                /* The reference reports upper case only when the lowercased
                 * text would have been valid. */
                _cleanup_free_ char *lower = xstrdup(text);
                bool upper = false;
                for (char *c = lower; *c; c++)
                        if (is_upper(*c)) {
                                *c = (char)(*c - 'A' + 'a');
                                upper = true;
                        }
                Parts ignored;
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s",
                               upper && parts_split(lower, &ignored) ? msg_uppercase : msg_invalid);
        }
        size_t name_len = p.domain_len ? p.domain_len + 1 + p.path_len : p.path_len;
        if (name_len > IMAGE_REF_NAME_MAX)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "repository name must not be more than %d characters",
                               IMAGE_REF_NAME_MAX);
        if (p.digest && digest_check(p.digest, p.digest_len, err) < 0)
                return -1;

        *ret = (ImageRef){
                .domain = p.domain_len ? xstrndup(p.domain, p.domain_len) : NULL,
                .path = xstrndup(p.path, p.path_len),
                .tag = p.tag ? xstrndup(p.tag, p.tag_len) : NULL,
                .digest = p.digest ? xstrndup(p.digest, p.digest_len) : NULL,
        };
        return 0;
}

/* Docker's ParseNormalizedNamed: the domain is split off and defaulted
 * first and only then is the whole name parsed, so the 255 limit counts
 * "docker.io/library/" too. */
int image_ref_parse_normalized(const char *text, ImageRef *ret, Error **err) {
        if (image_id_is_full(text))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "invalid repository name (%s), cannot specify 64-byte "
                               "hexadecimal strings",
                               text);
        const char *domain = DEFAULT_DOMAIN, *remainder = text;
        size_t domain_len = strlen(DEFAULT_DOMAIN);
        const char *slash = strchr(text, '/');
        if (slash && first_component_is_domain(text, (size_t)(slash - text))) {
                domain = text;
                domain_len = (size_t)(slash - text);
                remainder = slash + 1;
        }
        if (domain_len == strlen(LEGACY_DEFAULT_DOMAIN) &&
            memcmp(domain, LEGACY_DEFAULT_DOMAIN, domain_len) == 0) {
                domain = DEFAULT_DOMAIN;
                domain_len = strlen(DEFAULT_DOMAIN);
        }
        bool official = domain_len == strlen(DEFAULT_DOMAIN) &&
                        memcmp(domain, DEFAULT_DOMAIN, domain_len) == 0 && !strchr(remainder, '/');

        /* Checked before parsing so "Busybox" says why it is wrong. */
        for (const char *c = remainder; *c && *c != ':'; c++)
                if (is_upper(*c))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s", msg_uppercase);

        _cleanup_free_ char *full = xasprintf("%.*s/%s%s", (int)domain_len, domain,
                                              official ? OFFICIAL_REPO_PREFIX : "", remainder);
        ImageRef r;
        if (image_ref_parse(full, &r, err) < 0)
                return -1;
        if (!r.tag && !r.digest)
                r.tag = xstrdup(DEFAULT_TAG);
        *ret = r;
        return 0;
}

void image_ref_normalize(ImageRef *r, const char *default_domain) {
        if (!r->domain)
                r->domain = xstrdup(default_domain ? default_domain : DEFAULT_DOMAIN);
        else if (STREQ(r->domain, LEGACY_DEFAULT_DOMAIN)) {
                free(r->domain);
                r->domain = xstrdup(DEFAULT_DOMAIN);
        }
        if (STREQ(r->domain, DEFAULT_DOMAIN) && !strchr(r->path, '/')) {
                char *p = xasprintf(OFFICIAL_REPO_PREFIX "%s", r->path);
                free(r->path);
                r->path = p;
        }
        if (!r->tag && !r->digest)
                r->tag = xstrdup(DEFAULT_TAG);
}

char *image_ref_format(const ImageRef *r) {
        return xasprintf("%s%s%s%s%s%s%s", r->domain ? r->domain : "", r->domain ? "/" : "",
                         r->path, r->tag ? ":" : "", r->tag ? r->tag : "", r->digest ? "@" : "",
                         r->digest ? r->digest : "");
}

char *image_ref_repository(const ImageRef *r) {
        return xasprintf("%s%s%s", r->domain ? r->domain : "", r->domain ? "/" : "", r->path);
}

bool image_ref_has_domain(const char *text) {
        const char *slash = strchr(text, '/');
        return slash && first_component_is_domain(text, (size_t)(slash - text));
}

bool image_ref_domain_is_valid(const char *text) { return domain_is_valid(text, strlen(text)); }

bool image_id_is_full(const char *text) {
        size_t n = 0;
        for (; text[n]; n++)
                if (n == 64 || !(is_digit(text[n]) || (text[n] >= 'a' && text[n] <= 'f')))
                        return false;
        return n == 64;
}

void image_ref_clear(ImageRef *r) {
        free(r->domain);
        free(r->path);
        free(r->tag);
        free(r->digest);
        *r = (ImageRef){ 0 };
}

static char *strdup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

ImageRef *image_ref_copy(const ImageRef *src, ImageRef *dst) {
        *dst = (ImageRef){
                .domain = strdup_or_null(src->domain),
                .path = strdup_or_null(src->path),
                .tag = strdup_or_null(src->tag),
                .digest = strdup_or_null(src->digest),
        };
        return dst;
}

static const struct {
        ImageTransport transport;
        const char *name;
        const char *prefix;
} transports[] = {
        /* "docker:" alone is not the transport: podman reads `docker:latest`
         * as the image docker, tag latest. */
        { IMAGE_TRANSPORT_DOCKER, "docker", "docker://" },
        { IMAGE_TRANSPORT_DOCKER_ARCHIVE, "docker-archive", "docker-archive:" },
        { IMAGE_TRANSPORT_OCI_ARCHIVE, "oci-archive", "oci-archive:" },
        { IMAGE_TRANSPORT_DIR, "dir", "dir:" },
        { IMAGE_TRANSPORT_OCI, "oci", "oci:" },
        { IMAGE_TRANSPORT_STORAGE, "containers-storage", "containers-storage:" },
};

int image_transport_split(const char *text, ImageTransport *ret_transport, char **ret_rest,
                          char **ret_ref, Error **err) {
        for (size_t i = 0; i < ELEMENTSOF(transports); i++) {
                if (!STRPREFIX(text, transports[i].prefix))
                        continue;
                ImageTransport t = transports[i].transport;
                const char *rest = text + strlen(transports[i].prefix);
                const char *ref = NULL;
                size_t rest_len = strlen(rest);
                /* The archive and layout transports take PATH[:REF], split at
                 * the first ':' as containers/image does. */
                if (t == IMAGE_TRANSPORT_DOCKER_ARCHIVE || t == IMAGE_TRANSPORT_OCI_ARCHIVE ||
                    t == IMAGE_TRANSPORT_OCI) {
                        const char *colon = strchr(rest, ':');
                        if (colon) {
                                rest_len = (size_t)(colon - rest);
                                ref = colon[1] ? colon + 1 : NULL;
                        }
                }
                if (rest_len == 0)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "`%s`: %s after `%s`", text,
                                       t == IMAGE_TRANSPORT_DOCKER || t == IMAGE_TRANSPORT_STORAGE
                                               ? "no image reference"
                                               : "no path",
                                       transports[i].prefix);
                *ret_transport = t;
                *ret_rest = xstrndup(rest, rest_len);
                if (ret_ref)
                        *ret_ref = strdup_or_null(ref);
                return 0;
        }
        *ret_transport = IMAGE_TRANSPORT_NONE;
        *ret_rest = xstrdup(text);
        if (ret_ref)
                *ret_ref = NULL;
        return 0;
}

const char *image_transport_name(ImageTransport t) {
        for (size_t i = 0; i < ELEMENTSOF(transports); i++)
                if (transports[i].transport == t)
                        return transports[i].name;
        return "";
}
