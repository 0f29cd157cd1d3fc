/* SPDX-License-Identifier: Apache-2.0 */
#include "registries-conf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "reference.h"
#include "toml.h"
#include "xalloc.h"

/* Mirrors containers/image's pkg/sysregistriesv2 (the code podman 4
 * runs): the same checks, the same messages, the same order of entries
 * (sorted by prefix, first definition of a prefix wins), because the
 * order decides between prefixes of equal length. */

#define REGISTRIES_CONF_DEFAULT "/etc/containers/registries.conf"

/* Keys that make a file v2. "aliases" and the others we do not use still
 * count: podman refuses a v1 file that has them. */
static const char *const v2_keys[] = {
        "registry", "unqualified-search-registries",      "credential-helpers", "short-name-mode",
        "aliases",  "additional-layer-store-auth-helper",
};

static const char *json_kind(const json_t *v) {
        switch (json_typeof(v)) {
        case JSON_OBJECT:
                return "a table";
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        case JSON_INTEGER:
                return "an integer";
        case JSON_REAL:
                return "a float";
        default:
                return "a boolean";
        }
}

static int conf_string(const json_t *obj, const char *key, const char *where, const char **ret,
                       Error **err) {
        const json_t *v = json_object_get(obj, key);
        if (!v) {
                *ret = NULL;
                return 0;
        }
        if (!json_is_string(v))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s%s: expected a string, not %s",
                               where, key, json_kind(v));
        if (strlen(json_string_value(v)) != json_string_length(v))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s%s: string contains NUL", where,
                               key);
        *ret = json_string_value(v);
        return 0;
}

static int conf_bool(const json_t *obj, const char *key, const char *where, bool *ret,
                     Error **err) {
        const json_t *v = json_object_get(obj, key);
        if (v && !json_is_boolean(v))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s%s: expected a boolean, not %s",
                               where, key, json_kind(v));
        *ret = v && json_is_true(v);
        return 0;
}

/* An array of strings, or NULL when key is absent. */
static int conf_strings(const json_t *obj, const char *key, const char *where, json_t **ret,
                        Error **err) {
        json_t *v = json_object_get(obj, key), *s;
        size_t i;
        if (v && !json_is_array(v))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "%s%s: expected an array of strings, not %s", where, key,
                               json_kind(v));
        json_array_foreach (v, i, s)
                if (!json_is_string(s) || strlen(json_string_value(s)) != json_string_length(s))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s%s[%zu]: expected a string",
                                       where, key, i);
        *ret = v;
        return 0;
}

/* A table, or NULL when key is absent. */
static int conf_table(const json_t *obj, const char *key, const char *where, json_t **ret,
                      Error **err) {
        json_t *v = json_object_get(obj, key);
        if (v && !json_is_object(v))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s%s: expected a table, not %s",
                               where, key, json_kind(v));
        *ret = v;
        return 0;
}

/* containers/image's parseLocation: trailing slashes go, URL schemes are
 * refused (registries.conf names hosts and namespaces, not URLs). */
static int location_parse(const char *input, char **ret, Error **err) {
        size_t n = strlen(input);
        while (n > 0 && input[n - 1] == '/')
                n--;
        if (STRPREFIX(input, "http://") || STRPREFIX(input, "https://"))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "invalid location `%s`: URI schemes are not supported", input);
        *ret = xstrndup(input, n);
        return 0;
}

static void entry_clear(RegistryEntry *e) {
        free(e->prefix);
        free(e->location);
        for (size_t i = 0; i < e->n_mirrors; i++)
                free(e->mirrors[i].location);
        free(e->mirrors);
        *e = (RegistryEntry){ 0 };
}

void registries_conf_clear(RegistriesConf *c) {
        for (char **s = c->search; s && *s; s++)
                free(*s);
        free(c->search);
        for (size_t i = 0; i < c->n_entries; i++)
                entry_clear(&c->entries[i]);
        free(c->entries);
        *c = (RegistriesConf){ 0 };
}

static RegistryEntry *entry_add(RegistriesConf *c, size_t *cap) {
        xgrow((void **)&c->entries, cap, c->n_entries + 1, sizeof(RegistryEntry));
        RegistryEntry *e = &c->entries[c->n_entries++];
        *e = (RegistryEntry){ 0 };
        return e;
}

static int mirror_parse(const json_t *m, size_t index, size_t mirror, bool by_digest_only,
                        RegistryMirror *ret, Error **err) {
        const char *location, *pull_from;
        bool insecure;
        char where[64];
        snprintf(where, sizeof where, "registry[%zu].mirror[%zu].", index, mirror);
        if (!json_is_object(m))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "registry[%zu].mirror[%zu]: expected a table, not %s", index, mirror,
                               json_kind(m));
        if (conf_string(m, "location", where, &location, err) < 0 ||
            conf_bool(m, "insecure", where, &insecure, err) < 0 ||
            conf_string(m, "pull-from-mirror", where, &pull_from, err) < 0)
                return -1;
        if (pull_from && *pull_from) {
                if (!STREQ(pull_from, "all") && !STREQ(pull_from, "digest-only") &&
                    !STREQ(pull_from, "tag-only"))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "unsupported pull-from-mirror value `%s` for mirror `%s`",
                                       pull_from, location ? location : "");
                if (by_digest_only)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "cannot set mirror usage mirror-by-digest-only for the "
                                       "registry and pull-from-mirror for mirror `%s` at the "
                                       "same time",
                                       location ? location : "");
        }
        _cleanup_free_ char *loc = NULL;
        if (location_parse(location ? location : "", &loc, err) < 0)
                return -1;
        if (!*loc)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "invalid condition: mirror location is unset");
        *ret = (RegistryMirror){ .location = TAKE_PTR(loc), .insecure = insecure };
        return 0;
}

static int entry_parse(const json_t *r, size_t index, RegistryEntry *ret, Error **err) {
        char where[48];
        const char *location, *prefix, *pull_from;
        bool by_digest_only;
        json_t *mirrors;
        RegistryEntry e = { 0 };

        snprintf(where, sizeof where, "registry[%zu].", index);
        if (!json_is_object(r))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "registry[%zu]: expected a table",
                               index);
        if (conf_string(r, "location", where, &location, err) < 0 ||
            conf_string(r, "prefix", where, &prefix, err) < 0 ||
            conf_bool(r, "insecure", where, &e.insecure, err) < 0 ||
            conf_bool(r, "blocked", where, &e.blocked, err) < 0 ||
            conf_bool(r, "mirror-by-digest-only", where, &by_digest_only, err) < 0 ||
            conf_string(r, "pull-from-mirror", where, &pull_from, err) < 0)
                return -1;
        mirrors = json_object_get(r, "mirror");
        if (mirrors && !json_is_array(mirrors))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "%smirror: expected an array of tables, not %s", where,
                               json_kind(mirrors));

        if (location_parse(location ? location : "", &e.location, err) < 0)
                goto fail;
        if (!prefix || !*prefix) {
                if (!*e.location) {
                        err_set(err, ERR_INVALID_ARGUMENT, 0,
                                "invalid condition: both location and prefix are unset");
                        goto fail;
                }
                e.prefix = xstrdup(e.location);
        } else {
                if (location_parse(prefix, &e.prefix, err) < 0)
                        goto fail;
                /* Only a wildcard prefix may go without a location: the
                 * reference then keeps its own host. */
                if (!STRPREFIX(e.prefix, "*.") && !*e.location) {
                        err_set(err, ERR_INVALID_ARGUMENT, 0,
                                "invalid condition: location is unset and prefix is not in the "
                                "format: *.example.com");
                        goto fail;
                }
        }
        if (STRPREFIX(e.prefix, "*.") && strpbrk(e.prefix, "/@:")) {
                err_set(err, ERR_INVALID_ARGUMENT, 0,
                        "wildcarded prefix should be in the format: *.example.com. Current "
                        "prefix `%s` is incorrectly formatted",
                        e.prefix);
                goto fail;
        }
        if (pull_from && *pull_from) {
                err_set(err, ERR_INVALID_ARGUMENT, 0,
                        "pull-from-mirror must not be set for a non-mirror registry `%s`",
                        e.prefix);
                goto fail;
        }

        size_t n = json_array_size(mirrors);
        if (n > 0)
                e.mirrors = xnew0(RegistryMirror, n);
        for (size_t i = 0; i < n; i++) {
                if (mirror_parse(json_array_get(mirrors, i), index, i, by_digest_only,
                                 &e.mirrors[i], err) < 0)
                        goto fail;
                e.n_mirrors++;
        }
        *ret = e;
        return 0;
fail:
        entry_clear(&e);
        return -1;
}

/* v1: [registries.block] and [registries.insecure] become one entry per
 * location, in order of first mention, as ConvertToV2 does. */
static int v1_entries_add(RegistriesConf *c, size_t *cap, const json_t *list, bool blocked,
                          Error **err) {
        size_t i;
        const json_t *v;
        json_array_foreach (list, i, v) {
                _cleanup_free_ char *loc = NULL;
                if (location_parse(json_string_value(v), &loc, err) < 0)
                        return -1;
                RegistryEntry *e = NULL;
                for (size_t j = 0; j < c->n_entries && !e; j++)
                        if (STREQ(c->entries[j].location, loc))
                                e = &c->entries[j];
                if (!e) {
                        e = entry_add(c, cap);
                        e->prefix = xstrdup(loc);
                        e->location = TAKE_PTR(loc);
                }
                if (blocked)
                        e->blocked = true;
                else
                        e->insecure = true;
        }
        return 0;
}

/* A location may appear in several entries (one per prefix), but must be
 * equally insecure and blocked in all of them. */
static int conflicts_check(const RegistriesConf *c, Error **err) {
        for (size_t i = 0; i < c->n_entries; i++) {
                const RegistryEntry *a = &c->entries[i];
                const char *ka = *a->location ? a->location : a->prefix;
                for (size_t j = 0; j < c->n_entries; j++) {
                        const RegistryEntry *b = &c->entries[j];
                        if (!STREQ(ka, *b->location ? b->location : b->prefix))
                                continue;
                        if (a->insecure != b->insecure || a->blocked != b->blocked)
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "registry `%s` is defined multiple times with "
                                               "conflicting `%s` setting",
                                               a->location,
                                               a->insecure != b->insecure ? "insecure" : "blocked");
                }
        }
        return 0;
}

static int entry_compare(const void *a, const void *b) {
        return strcmp(((const RegistryEntry *)a)->prefix, ((const RegistryEntry *)b)->prefix);
}

/* Later entries with a prefix seen before are dropped (the first longest
 * match always won anyway), then entries are sorted by prefix. */
static void entries_dedup_sort(RegistriesConf *c) {
        size_t kept = 0;
        for (size_t i = 0; i < c->n_entries; i++) {
                bool seen = false;
                for (size_t j = 0; j < kept && !seen; j++)
                        seen = STREQ(c->entries[j].prefix, c->entries[i].prefix);
                if (seen)
                        entry_clear(&c->entries[i]);
                else
                        c->entries[kept++] = c->entries[i];
        }
        c->n_entries = kept;
        if (kept > 1)
                qsort(c->entries, kept, sizeof(RegistryEntry), entry_compare);
}

static int search_set(RegistriesConf *c, const json_t *list, Error **err) {
        size_t n = json_array_size(list), i;
        const json_t *v;
        c->search = xnew0(char *, n + 1);
        json_array_foreach (list, i, v) {
                char *loc;
                if (location_parse(json_string_value(v), &loc, err) < 0)
                        return -1;
                c->search[i] = loc;
                if (!image_ref_domain_is_valid(loc))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "invalid unqualified-search-registries entry `%s`", loc);
        }
        return 0;
}

static int conf_from_json(const json_t *root, RegistriesConf *ret, Error **err) {
        _cleanup_(registries_conf_clear) RegistriesConf c = { 0 };
        size_t cap = 0;
        json_t *v1, *v1_lists[3] = { NULL }, *search = NULL, *aliases, *registries;
        static const char *const v1_names[] = { "search", "insecure", "block" };
        bool has_v1 = false, has_v2 = false;

        if (conf_table(root, "registries", "", &v1, err) < 0)
                return -1;
        for (size_t i = 0; v1 && i < ELEMENTSOF(v1_names); i++) {
                char where[32];
                json_t *t;
                snprintf(where, sizeof where, "registries.%s.", v1_names[i]);
                if (conf_table(v1, v1_names[i], "registries.", &t, err) < 0 ||
                    conf_strings(t, "registries", where, &v1_lists[i], err) < 0)
                        return -1;
                has_v1 = has_v1 || v1_lists[i];
        }
        for (size_t i = 0; i < ELEMENTSOF(v2_keys); i++) {
                const json_t *v = json_object_get(root, v2_keys[i]);
                /* An empty string is Go's zero value: as good as absent. */
                has_v2 = has_v2 || (v && !(json_is_string(v) && json_string_length(v) == 0));
        }
        if (has_v1 && has_v2)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "mixing sysregistry v1/v2 is not supported");

        /* Short-name aliases are accepted and not used: varpod resolves
         * short names through the search list only. */
        if (conf_table(root, "aliases", "", &aliases, err) < 0)
                return -1;
        const char *mode;
        if (conf_string(root, "short-name-mode", "", &mode, err) < 0)
                return -1;
        if (mode && *mode && !STREQ(mode, "disabled") && !STREQ(mode, "enforcing") &&
            !STREQ(mode, "permissive"))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid short-name mode: `%s`", mode);

        if (has_v1) {
                search = v1_lists[0];
                if (v1_entries_add(&c, &cap, v1_lists[2], true, err) < 0 ||
                    v1_entries_add(&c, &cap, v1_lists[1], false, err) < 0)
                        return -1;
        } else {
                if (conf_strings(root, "unqualified-search-registries", "", &search, err) < 0)
                        return -1;
                registries = json_object_get(root, "registry");
                if (registries && !json_is_array(registries))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "registry: expected an array of tables, not %s",
                                       json_kind(registries));
                for (size_t i = 0; i < json_array_size(registries); i++) {
                        RegistryEntry e;
                        if (entry_parse(json_array_get(registries, i), i, &e, err) < 0)
                                return -1;
                        *entry_add(&c, &cap) = e;
                }
        }
        if (conflicts_check(&c, err) < 0 || search_set(&c, search, err) < 0)
                return -1;
        entries_dedup_sort(&c);
        *ret = c;
        c = (RegistriesConf){ 0 };
        return 0;
}

int registries_conf_parse(RegistriesConf *ret, const char *text, Error **err) {
        _cleanup_json_ json_t *root = NULL;
        TomlError e;
        if (toml_parse(text, &root, &e) < 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "%u:%u: %s", e.line, e.column,
                               e.message);
        return conf_from_json(root, ret, err);
}

int registries_conf_load(RegistriesConf *ret, const char *path, Error **err) {
        _cleanup_json_ json_t *root = NULL;
        _cleanup_error_ Error *e = NULL;
        if (!path) {
                const char *env = secure_getenv("REGISTRIES_CONFIG_PATH");
                path = env && *env ? env : REGISTRIES_CONF_DEFAULT;
        }
        if (toml_parse_file(path, &root, &e) < 0) {
                if (e->errnum == ENOENT) {
                        *ret = (RegistriesConf){ .search = xnew0(char *, 1) };
                        return 0;
                }
                return err_propagate(err, TAKE_PTR(e));
        }
        if (conf_from_json(root, ret, &e) < 0) {
                err_wrap(&e, "%s", path);
                return err_propagate(err, TAKE_PTR(e));
        }
        return 0;
}

/* podman's refMatchingPrefix: a prefix matches on a whole component, so
 * "quay.io/foo" matches "quay.io/foo/bar:1" but not "quay.io/foobar".
 * "*.example.com" matches any subdomain of example.com in the host part.
 * (Like podman, "example.com" also matches "example.com:5000".) */
static bool prefix_matches(const char *ref, const char *prefix) {
        const char *end;
        if (STRPREFIX(prefix, "*.")) {
                const char *suffix = prefix + 1;
                const char *hit = strstr(ref, suffix);
                if (!hit || memchr(ref, '/', (size_t)(hit - ref)))
                        return false;
                end = hit + strlen(suffix);
        } else {
                if (!STRPREFIX(ref, prefix))
                        return false;
                end = ref + strlen(prefix);
        }
        return *end == '\0' || *end == ':' || *end == '/' || *end == '@';
}

const RegistryEntry *registries_conf_find(const RegistriesConf *c, const char *reference) {
        const RegistryEntry *best = NULL;
        size_t best_len = 0;
        for (size_t i = 0; i < c->n_entries; i++) {
                size_t len = strlen(c->entries[i].prefix);
                if (len > best_len && prefix_matches(reference, c->entries[i].prefix)) {
                        best = &c->entries[i];
                        best_len = len;
                }
        }
        return best;
}

/* location is on host: "host" itself or "host/namespace". */
static bool location_on_host(const char *location, const char *host) {
        size_t n = strlen(host);
        return strncmp(location, host, n) == 0 && (location[n] == '\0' || location[n] == '/');
}

/* Podman decides per endpoint: the entry whose prefix matches when a
 * reference is pulled as written, the entry's or mirror's own flag when it
 * is pulled from a rewritten location. A host-only question gets the
 * union of those answers. */
bool registries_conf_is_insecure(const RegistriesConf *c, const char *host) {
        const RegistryEntry *found = registries_conf_find(c, host);
        if (found && found->insecure)
                return true;
        for (size_t i = 0; i < c->n_entries; i++) {
                const RegistryEntry *e = &c->entries[i];
                if (e->insecure && location_on_host(e->location, host))
                        return true;
                for (size_t j = 0; j < e->n_mirrors; j++)
                        if (e->mirrors[j].insecure &&
                            location_on_host(e->mirrors[j].location, host))
                                return true;
        }
        return false;
}

bool registries_conf_is_blocked(const RegistriesConf *c, const char *reference) {
        const RegistryEntry *e = registries_conf_find(c, reference);
        return e && e->blocked;
}
