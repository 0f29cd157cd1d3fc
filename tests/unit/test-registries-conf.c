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

#include "macro.h"
#include "registries-conf.h"
#include "xalloc.h"

static RegistriesConf parse_ok(const char *text) {
        RegistriesConf c;
        Error *err = NULL;
        if (registries_conf_parse(&c, text, &err) < 0)
                fail_msg("%s\n  failed: %s", text, err->message);
        assert_non_null(c.search);
        return c;
}

static size_t strv_length(char **v) {
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

static void test_v1(void **state) {
        RegistriesConf c = parse_ok("[registries.search]\n"
                                    "registries = [\"registry-a.com////\", \"registry-c.com\"]\n"
                                    "[registries.block]\n"
                                    "registries = [\"registry-b.com\"]\n"
                                    "[registries.insecure]\n"
                                    "registries = [\"registry-d.com\", \"registry-e.com\", "
                                    "\"registry-a.com\"]\n");
        assert_int_equal(strv_length(c.search), 2);
        assert_string_equal(c.search[0], "registry-a.com");
        assert_string_equal(c.search[1], "registry-c.com");

        /* One entry per blocked or insecure location, sorted by prefix. */
        assert_int_equal(c.n_entries, 4);
        const char *want[] = { "registry-a.com", "registry-b.com", "registry-d.com",
                               "registry-e.com" };
        for (size_t i = 0; i < c.n_entries; i++) {
                assert_string_equal(c.entries[i].prefix, want[i]);
                assert_string_equal(c.entries[i].location, want[i]);
                assert_int_equal(c.entries[i].n_mirrors, 0);
        }
        assert_true(registries_conf_is_insecure(&c, "registry-a.com"));
        assert_true(registries_conf_is_insecure(&c, "registry-e.com"));
        assert_false(registries_conf_is_insecure(&c, "registry-b.com"));
        assert_false(registries_conf_is_insecure(&c, "registry-c.com"));
        assert_true(registries_conf_is_blocked(&c, "registry-b.com/foo/bar:1"));
        assert_true(registries_conf_is_blocked(&c, "registry-b.com"));
        assert_false(registries_conf_is_blocked(&c, "registry-b.comx/foo"));
        assert_false(registries_conf_is_blocked(&c, "registry-a.com/foo"));
        assert_null(registries_conf_find(&c, "registry-c.com/foo"));
        registries_conf_clear(&c);
        assert_null(c.search);
        registries_conf_clear(&c); /* twice is fine */

        /* A v1 table without the `registries` key says nothing. */
        c = parse_ok("[registries.search]\n[registries.block]\n");
        assert_int_equal(strv_length(c.search), 0);
        assert_int_equal(c.n_entries, 0);
        registries_conf_clear(&c);
}

static void test_v2(void **state) {
        RegistriesConf c =
                parse_ok("unqualified-search-registries = [\"registry.fedoraproject.org\", "
                         "\"quay.io/\", \"localhost:5000\", \"[::1]:5000\"]\n"
                         "short-name-mode = \"enforcing\"\n"
                         "credential-helpers = [\"containers-auth.json\"]\n"
                         "\n"
                         "[[registry]]\n"
                         "location = \"registry.com\"\n"
                         "[[registry.mirror]]\n"
                         "location = \"mirror-1.registry.com\"\n"
                         "[[registry.mirror]]\n"
                         "location = \"mirror-2.registry.com:5000/ns/\"\n"
                         "insecure = true\n"
                         "\n"
                         "[[registry]]\n"
                         "prefix = \"example.com/foo\"\n"
                         "location = \"internal.example.com:5000/foo\"\n"
                         "insecure = true\n"
                         "\n"
                         "[[registry]]\n"
                         "location = \"blocked.registry.com\"\n"
                         "blocked = true\n"
                         "\n"
                         "[aliases]\n"
                         "\"fedora\" = \"registry.fedoraproject.org/fedora\"\n");
        assert_int_equal(strv_length(c.search), 4);
        assert_string_equal(c.search[0], "registry.fedoraproject.org");
        assert_string_equal(c.search[1], "quay.io");
        assert_string_equal(c.search[2], "localhost:5000");
        assert_string_equal(c.search[3], "[::1]:5000");

        assert_int_equal(c.n_entries, 3);
        const RegistryEntry *e = registries_conf_find(&c, "registry.com/image:tag");
        assert_non_null(e);
        assert_string_equal(e->prefix, "registry.com"); /* defaults to the location */
        assert_string_equal(e->location, "registry.com");
        assert_false(e->insecure);
        assert_false(e->blocked);
        assert_int_equal(e->n_mirrors, 2);
        assert_string_equal(e->mirrors[0].location, "mirror-1.registry.com");
        assert_false(e->mirrors[0].insecure);
        assert_string_equal(e->mirrors[1].location, "mirror-2.registry.com:5000/ns");
        assert_true(e->mirrors[1].insecure);

        e = registries_conf_find(&c, "example.com/foo/bar@sha256:0123");
        assert_non_null(e);
        assert_string_equal(e->prefix, "example.com/foo");
        assert_string_equal(e->location, "internal.example.com:5000/foo");
        assert_null(registries_conf_find(&c, "example.com/foobar"));
        assert_null(registries_conf_find(&c, "example.com"));

        /* Insecure by entry, by the entry's location, by a mirror. */
        assert_true(registries_conf_is_insecure(&c, "internal.example.com:5000"));
        assert_true(registries_conf_is_insecure(&c, "mirror-2.registry.com:5000"));
        assert_false(registries_conf_is_insecure(&c, "mirror-1.registry.com"));
        assert_false(registries_conf_is_insecure(&c, "registry.com"));
        assert_false(registries_conf_is_insecure(&c, "example.com"));
        assert_false(registries_conf_is_insecure(&c, "internal.example.com"));
        assert_true(registries_conf_is_blocked(&c, "blocked.registry.com/x/y:1"));
        assert_false(registries_conf_is_blocked(&c, "registry.com/x"));
        assert_false(registries_conf_is_blocked(&c, "docker.io/library/busybox:latest"));
        registries_conf_clear(&c);

        /* Empty files and files with only unrelated tables are empty configs. */
        c = parse_ok("");
        assert_int_equal(strv_length(c.search), 0);
        assert_int_equal(c.n_entries, 0);
        assert_null(registries_conf_find(&c, "quay.io/x"));
        assert_false(registries_conf_is_insecure(&c, "quay.io"));
        registries_conf_clear(&c);
        c = parse_ok("[something]\nelse = 1\n");
        registries_conf_clear(&c);
}

/* containers/image's pkg/sysregistriesv2/testdata/find-registry.conf. */
static const char find_conf[] = "[[registry]]\n"
                                "location = \"registry.com:5000\"\n"
                                "prefix = \"simple-prefix.com\"\n"
                                "[[registry]]\n"
                                "location = \"another-registry.com:5000\"\n"
                                "prefix = \"complex-prefix.com:4000/with/path\"\n"
                                "[[registry]]\n"
                                "location = \"registry.com:5000\"\n"
                                "prefix = \"another-registry.com\"\n"
                                "[[registry]]\n"
                                "location = \"no-prefix.com\"\n"
                                "[[registry]]\n"
                                "location = \"empty-prefix.com\"\n"
                                "prefix = \"\"\n"
                                "[[registry]]\n"
                                "location = \"subdomain-prefix.com\"\n"
                                "prefix = \"*.so.simple-prefix.com\"\n"
                                "[[registry]]\n"
                                "location = \"subdomain-prefix-2.com\"\n"
                                "prefix = \"*.simple-prefix.com\"\n"
                                "[[registry]]\n"
                                "location = \"subdomain-prefix-2.com\"\n"
                                "prefix = \"*.docker.io\"\n"
                                "[[registry]]\n"
                                "location = \"subdomain-prefix-3.com\"\n"
                                "prefix = \"*.bar.example.com\"\n"
                                "[[registry]]\n"
                                "location = \"subdomain-prefix-4.com\"\n"
                                "prefix = \"*.bar.docker.io\"\n"
                                "[[registry]]\n"
                                "location = \"subdomain-prefix-5.com\"\n"
                                "prefix = \"foo.bar.example.com:5000\"\n"
                                "[[registry]]\n"
                                "prefix = \"*.internal.registry.com\"\n"
                                "[[registry]]\n"
                                "prefix = \"*.com\"\n"
                                "[[registry]]\n"
                                "prefix = \"*.foobar.io\"\n";

static void test_find(void **state) {
        RegistriesConf c = parse_ok(find_conf);
        const struct {
                const char *ref, *prefix, *location; /* prefix NULL: no match */
        } cases[] = {
                { "simple-prefix.com/foo/bar:latest", "simple-prefix.com", "registry.com:5000" },
                { "simple-prefix.com", "simple-prefix.com", "registry.com:5000" },
                { "simple-prefix.com@sha256:0", "simple-prefix.com", "registry.com:5000" },
                { "complex-prefix.com:4000/with/path/and/beyond:tag",
                  "complex-prefix.com:4000/with/path", "another-registry.com:5000" },
                /* not on a component boundary, so only the catch-all wildcard */
                { "complex-prefix.com:4000/with/pathology", "*.com", "" },
                { "another-registry.com/x", "another-registry.com", "registry.com:5000" },
                { "no-prefix.com/foo:tag", "no-prefix.com", "no-prefix.com" },
                { "empty-prefix.com/foo:tag", "empty-prefix.com", "empty-prefix.com" },
                /* wildcards: the longest prefix wins, exact or not */
                { "not.so.simple-prefix.com/x", "*.so.simple-prefix.com", "subdomain-prefix.com" },
                { "a.simple-prefix.com/x:1", "*.simple-prefix.com", "subdomain-prefix-2.com" },
                { "bar.docker.io/x", "*.docker.io", "subdomain-prefix-2.com" },
                { "foo.bar.docker.io/x", "*.bar.docker.io", "subdomain-prefix-4.com" },
                { "docker.io/library/busybox", NULL, NULL },
                { "blah.foo.bar.example.com/x", "*.bar.example.com", "subdomain-prefix-3.com" },
                { "foo.bar.example.com:5000/x", "foo.bar.example.com:5000",
                  "subdomain-prefix-5.com" },
                { "foo.bar.example.com:6000/x", "*.bar.example.com", "subdomain-prefix-3.com" },
                { "sub.internal.registry.com/x", "*.internal.registry.com", "" },
                { "x.com/y", "*.com", "" },
                { "x.comx/y", NULL, NULL },
                { "foobar.io/x", NULL, NULL },
                { "a.foobar.io", "*.foobar.io", "" },
                { "quay.io/a.com/b", NULL, NULL }, /* wildcards look at the host only */
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const RegistryEntry *e = registries_conf_find(&c, cases[i].ref);
                if (!cases[i].prefix) {
                        if (e)
                                fail_msg("`%s` matched `%s`", cases[i].ref, e->prefix);
                        continue;
                }
                if (!e)
                        fail_msg("`%s` matched nothing", cases[i].ref);
                if (!STREQ(e->prefix, cases[i].prefix) || !STREQ(e->location, cases[i].location))
                        fail_msg("`%s` matched `%s` -> `%s`, want `%s` -> `%s`", cases[i].ref,
                                 e->prefix, e->location, cases[i].prefix, cases[i].location);
        }
        /* Sorted by prefix, as podman lists them. */
        for (size_t i = 1; i < c.n_entries; i++)
                assert_true(strcmp(c.entries[i - 1].prefix, c.entries[i].prefix) < 0);
        registries_conf_clear(&c);
}

static void test_duplicates(void **state) {
        /* The first definition of a prefix wins; the rest are dropped. */
        RegistriesConf c = parse_ok("[[registry]]\nprefix = \"a.com\"\nlocation = \"one.com\"\n"
                                    "[[registry]]\nprefix = \"a.com\"\nlocation = \"two.com\"\n"
                                    "[[registry]]\nlocation = \"b.com\"\n");
        assert_int_equal(c.n_entries, 2);
        assert_string_equal(registries_conf_find(&c, "a.com/x")->location, "one.com");
        registries_conf_clear(&c);

        /* One location under several prefixes must agree on its flags. */
        c = parse_ok("[[registry]]\nprefix = \"a.com\"\nlocation = \"r.com\"\ninsecure = true\n"
                     "[[registry]]\nprefix = \"b.com\"\nlocation = \"r.com\"\ninsecure = true\n");
        assert_int_equal(c.n_entries, 2);
        registries_conf_clear(&c);
}

static void test_errors(void **state) {
        const struct {
                const char *text, *error;
        } cases[] = {
                /* mixing formats, as podman refuses it */
                { "unqualified-search-registries = [\"a.com\"]\n[registries.search]\n"
                  "registries = [\"b.com\"]\n",
                  "mixing sysregistry v1/v2 is not supported" },
                { "[registries.block]\nregistries = [\"a.com\"]\n[[registry]]\n"
                  "location = \"b.com\"\n",
                  "mixing sysregistry v1/v2 is not supported" },
                { "unqualified-search-registries = []\n[registries.search]\nregistries = []\n",
                  "mixing sysregistry v1/v2 is not supported" },
                { "[registries.insecure]\nregistries = [\"a.com\"]\n[aliases]\nx = \"a.com/x\"\n",
                  "mixing sysregistry v1/v2 is not supported" },
                /* locations and prefixes */
                { "[[registry]]\nlocation = \"https://a.com\"\n",
                  "invalid location `https://a.com`: URI schemes are not supported" },
                { "[registries.block]\nregistries = [\"http://a.com\"]\n",
                  "URI schemes are not supported" },
                { "[[registry]]\ninsecure = true\n",
                  "invalid condition: both location and prefix are unset" },
                { "[[registry]]\nlocation = \"///\"\n",
                  "invalid condition: both location and prefix are unset" },
                { "[[registry]]\nprefix = \"a.com\"\n",
                  "invalid condition: location is unset and prefix is not in the format" },
                { "[[registry]]\nprefix = \"*.a.com/ns\"\n",
                  "prefix `*.a.com/ns` is incorrectly formatted" },
                { "[[registry]]\nprefix = \"*.a.com:5000\"\nlocation = \"b.com\"\n",
                  "is incorrectly formatted" },
                { "[[registry]]\nlocation = \"a.com\"\n[[registry.mirror]]\ninsecure = true\n",
                  "invalid condition: mirror location is unset" },
                { "[[registry]]\nlocation = \"r.com\"\n[[registry]]\nprefix = \"b.com\"\n"
                  "location = \"r.com\"\ninsecure = true\n",
                  "registry `r.com` is defined multiple times with conflicting `insecure` "
                  "setting" },
                { "[[registry]]\nlocation = \"r.com\"\nblocked = true\n[[registry]]\n"
                  "prefix = \"b.com\"\nlocation = \"r.com\"\n",
                  "conflicting `blocked` setting" },
                { "unqualified-search-registries = [\"quay.io/ns\"]\n",
                  "invalid unqualified-search-registries entry `quay.io/ns`" },
                { "[registries.search]\nregistries = [\"a_b\"]\n",
                  "invalid unqualified-search-registries entry `a_b`" },
                { "short-name-mode = \"sometimes\"\n", "invalid short-name mode: `sometimes`" },
                { "[[registry]]\nlocation = \"a.com\"\npull-from-mirror = \"all\"\n",
                  "pull-from-mirror must not be set for a non-mirror registry `a.com`" },
                { "[[registry]]\nlocation = \"a.com\"\n[[registry.mirror]]\n"
                  "location = \"m.com\"\npull-from-mirror = \"never\"\n",
                  "unsupported pull-from-mirror value `never`" },
                { "[[registry]]\nlocation = \"a.com\"\nmirror-by-digest-only = true\n"
                  "[[registry.mirror]]\nlocation = \"m.com\"\npull-from-mirror = \"all\"\n",
                  "cannot set mirror usage mirror-by-digest-only" },
                /* types */
                { "[[registry]]\nlocation = \"a.com\"\ninsecure = \"yes\"\n",
                  "registry[0].insecure: expected a boolean, not a string" },
                { "[[registry]]\nlocation = 5\n", "registry[0].location: expected a string" },
                { "[[registry]]\nlocation = \"a\\u0000b\"\n", "string contains NUL" },
                { "registry = \"a.com\"\n", "registry: expected an array of tables" },
                { "registry = [1]\n", "registry[0]: expected a table" },
                { "[[registry]]\nlocation = \"a.com\"\nmirror = \"m.com\"\n",
                  "registry[0].mirror: expected an array of tables" },
                { "[[registry]]\nlocation = \"a.com\"\nmirror = [\"m.com\"]\n",
                  "registry[0].mirror[0]: expected a table" },
                { "unqualified-search-registries = \"docker.io\"\n",
                  "unqualified-search-registries: expected an array of strings" },
                { "unqualified-search-registries = [\"docker.io\", 1]\n",
                  "unqualified-search-registries[1]: expected a string" },
                { "[registries.search]\nregistries = \"a.com\"\n",
                  "registries.search.registries: expected an array of strings" },
                { "registries = 1\n", "registries: expected a table" },
                { "aliases = 1\n", "aliases: expected a table" },
                /* syntax: line and column */
                { "[[registry]]\nlocation = \"a.com\n", "2:12: unterminated string" },
                { "unqualified-search-registries = [\"a\"]\nunqualified-search-registries = []\n",
                  "2:1: duplicate key" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                RegistriesConf c = { .search = (char **)0x1 };
                Error *err = NULL;
                if (registries_conf_parse(&c, cases[i].text, &err) == 0)
                        fail_msg("case %zu: %s\n  parsed", i, cases[i].text);
                assert_ptr_equal(c.search, (char **)0x1); /* untouched on failure */
                assert_int_equal(err->kind, ERR_INVALID_ARGUMENT);
                if (!strstr(err->message, cases[i].error))
                        fail_msg("case %zu: %s\n  got  %s\n  want %s", i, cases[i].text,
                                 err->message, cases[i].error);
                err_free(err);
        }
}

static char *file_write(const char *content) {
        char *path = xstrdup("/tmp/varpod-registries-XXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
        close(fd);
        return path;
}

static void test_load(void **state) {
        RegistriesConf c;
        Error *err = NULL;

        _cleanup_free_ char *path = file_write("unqualified-search-registries = [\"a.com\"]\n");
        assert_int_equal(registries_conf_load(&c, path, &err), 0);
        assert_int_equal(strv_length(c.search), 1);
        assert_string_equal(c.search[0], "a.com");
        registries_conf_clear(&c);

        /* NULL: $REGISTRIES_CONFIG_PATH first. */
        assert_int_equal(setenv("REGISTRIES_CONFIG_PATH", path, 1), 0);
        assert_int_equal(registries_conf_load(&c, NULL, &err), 0);
        assert_int_equal(strv_length(c.search), 1);
        registries_conf_clear(&c);
        unlink(path);

        /* A missing file is an empty configuration, named or found by the
         * environment. */
        assert_int_equal(registries_conf_load(&c, NULL, &err), 0);
        assert_non_null(c.search);
        assert_int_equal(strv_length(c.search), 0);
        assert_int_equal(c.n_entries, 0);
        registries_conf_clear(&c);
        assert_int_equal(registries_conf_load(&c, "/nonexistent/registries.conf", &err), 0);
        assert_int_equal(strv_length(c.search), 0);
        registries_conf_clear(&c);
        assert_null(err);

        /* Errors name the file, and the line and column when there is one. */
        _cleanup_free_ char *bad = file_write("# registries\n[[registry]]\nlocation = 'a.com\n");
        assert_int_equal(setenv("REGISTRIES_CONFIG_PATH", bad, 1), 0);
        assert_true(registries_conf_load(&c, NULL, &err) < 0);
        _cleanup_free_ char *want = xasprintf("%s:3:12: unterminated string", bad);
        assert_string_equal(err->message, want);
        err = err_free(err);
        unlink(bad);

        _cleanup_free_ char *mixed = file_write("unqualified-search-registries = [\"a.com\"]\n"
                                                "[registries.search]\n"
                                                "registries = [\"b.com\"]\n");
        assert_true(registries_conf_load(&c, mixed, &err) < 0);
        _cleanup_free_ char *want_mixed =
                xasprintf("%s: mixing sysregistry v1/v2 is not supported", mixed);
        assert_string_equal(err->message, want_mixed);
        err = err_free(err);
        unlink(mixed);

        /* An empty variable means "not set". */
        assert_int_equal(setenv("REGISTRIES_CONFIG_PATH", "", 1), 0);
        if (access("/etc/containers/registries.conf", F_OK) < 0) {
                assert_int_equal(registries_conf_load(&c, NULL, &err), 0);
                registries_conf_clear(&c);
        }
        unsetenv("REGISTRIES_CONFIG_PATH");
}

int main(int argc, char **argv) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_v1),     cmocka_unit_test(test_v2),
                cmocka_unit_test(test_find),   cmocka_unit_test(test_duplicates),
                cmocka_unit_test(test_errors), cmocka_unit_test(test_load),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
