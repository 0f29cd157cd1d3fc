/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI config generator: the string parsers, users and groups from an
 * image rootfs, and spec_generate() field by field, every success checked
 * against what runc's config loader requires. argv[1] is tests/data;
 * tests/data/spec holds a small rootfs (passwd, group), subuid/subgid
 * files and a seccomp profile in containers' format.
 *
 * With VARPOD_SPEC_BUNDLE=DIR set, one more test writes DIR/config.json
 * for DIR/rootfs (a busybox tree) so a person or a script can
 * `runc run --bundle DIR` it (VARPOD_SPEC_CMD: a shell command to run;
 * VARPOD_SPEC_INIT: wrap it in catatonit; VARPOD_SPEC_UIDMAP: a uidmap
 * entry; VARPOD_SPEC_PRIVILEGED: privileged; VARPOD_SPEC_CGROUP: linux.cgroupsPath). Without it that test is
 * skipped and says so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "macro.h"
#include "spec-private.h"
#include "spec.h"
#include "user.h"
#include "xalloc.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *data_dir;
static char spec_dir[1024];
static char rootfs[1100];
static char tmp_dir[1024];
static char volumes_root[1100];

/* ---- the fixture: a zero Create, an image config, a host ---- */

static const char *const str_fields[] = {
        "conmon_pidfile",
        "cgroup_parent",
        "hostname",
        "image",
        "image_id",
        "init_path",
        "image_volume_type",
        "ipc_mode",
        "log_driver",
        "name",
        "net_mode",
        "network",
        "pid_mode",
        "pod",
        "shm_dir",
        "subuidmap",
        "subgidmap",
        "subuidname",
        "subgidname",
        "userns_mode",
        "user",
        "uts_mode",
        "work_dir",
        "mount_label",
        "process_label",
        "apparmor_profile",
        "seccomp_profile_path",
};
static const char *const strv_fields[] = {
        "args",           "cap_add",
        "cap_drop",       "command",
        "devices",        "dns_opt",
        "dns_search",     "dns_servers",
        "entrypoint",     "exposed_ports",
        "gidmap",         "group_add",
        "host_add",       "builtin_imgvolumes",
        "log_driver_opt", "publish",
        "security_opts",  "tmpfs",
        "uidmap",         "volumes",
};
static const char *const bool_fields[] = {
        "detach",          "init", "interactive", "privileged",   "publish_all", "quiet",
        "readonly_rootfs", "rm",   "tty",         "no_new_privs",
};
static const char *const int_fields[] = { "stop_signal", "stop_timeout" };
static const char *const map_fields[] = { "env", "labels", "sys_ctl" };
static const char *const res_int_fields[] = {
        "blkio_weight",      "cpu_period",    "cpu_quota",  "cpu_rt_period",      "cpu_rt_runtime",
        "cpu_shares",        "kernel_memory", "memory",     "memory_reservation", "memory_swap",
        "memory_swappiness", "oom_score_adj", "pids_limit", "shm_size",
};
static const char *const res_strv_fields[] = {
        "blkio_weight_device", "device_read_bps",   "device_read_iops",
        "device_write_bps",    "device_write_iops", "ulimit",
};

static json_t *create_zero(void) {
        json_t *c = json_object();
        for (size_t i = 0; i < ELEMENTSOF(str_fields); i++)
                json_object_set_new(c, str_fields[i], json_string(""));
        for (size_t i = 0; i < ELEMENTSOF(strv_fields); i++)
                json_object_set_new(c, strv_fields[i], json_array());
        for (size_t i = 0; i < ELEMENTSOF(bool_fields); i++)
                json_object_set_new(c, bool_fields[i], json_false());
        for (size_t i = 0; i < ELEMENTSOF(int_fields); i++)
                json_object_set_new(c, int_fields[i], json_integer(0));
        for (size_t i = 0; i < ELEMENTSOF(map_fields); i++)
                json_object_set_new(c, map_fields[i], json_object());
        json_t *r = json_object();
        for (size_t i = 0; i < ELEMENTSOF(res_int_fields); i++)
                json_object_set_new(r, res_int_fields[i], json_integer(0));
        for (size_t i = 0; i < ELEMENTSOF(res_strv_fields); i++)
                json_object_set_new(r, res_strv_fields[i], json_array());
        json_object_set_new(r, "cpus", json_real(0));
        json_object_set_new(r, "cpuset_cpus", json_string(""));
        json_object_set_new(r, "cpuset_mems", json_string(""));
        json_object_set_new(r, "disable_oomkiller", json_false());
        json_object_set_new(c, "resources", r);
        json_object_set_new(c, "id_mappings",
                            json_pack("{s:b, s:b, s:{s:i, s:i, s:i}, s:{s:i, s:i, s:i}}",
                                      "host_uid_mapping", 0, "host_gid_mapping", 0, "uid_map",
                                      "container_id", 0, "host_id", 0, "size", 0, "gid_map",
                                      "container_id", 0, "host_id", 0, "size", 0));
        return c;
}

static struct {
        json_t *create;
        json_t *image;
        SpecHost host;
        SpecInput in;
        json_t *config;
        SpecResolved res;
        Error *err;
        int peer_calls;
} F;

static uint64_t caps_upto(int last) {
        return last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
}

static int peer_ns(void *userdata, const char *container, SpecNamespace ns, char **ret_path,
                   Error **err) {
        F.peer_calls++;
        if (STREQ(container, "missing"))
                return err_set(err, ERR_CONTAINER_NOT_FOUND, 0,
                               "no container with name or ID %s found: no such container",
                               container);
        *ret_path = xasprintf("/proc/self/ns/%s", spec_namespace_proc_name(ns));
        return 0;
}

static int peer_shm(void *userdata, const char *container, char **ret_path, Error **err) {
        *ret_path = xstrdup("/dev/shm");
        return 0;
}

static int setup(void **state) {
        F.create = create_zero();
        F.image = json_pack("{s:[s], s:[s,s], s:s}", "Cmd", "sh", "Env", "PATH=/bin:/usr/bin",
                            "FOO=image", "WorkingDir", "/srv");
        F.host = (SpecHost){
                .cgroup_mode = SPEC_CGROUP_V1,
                .machine = "x86_64",
                .kernel = "6.1.0-test",
                .hostname = "testhost",
                /* Everything but CAP_SYS_RESOURCE, like the engine here. */
                .caps = caps_upto(40) & ~(UINT64_C(1) << 24),
                .cap_last_cap = 40,
                .oom_score_adj = 0,
                .memory_swap = true,
                .cpu_rt = true,
                .blkio_weight = true,
        };
        for (int i = 0; i < RLIM_NLIMITS; i++)
                F.host.rlimits[i] = (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
        F.host.rlimits[RLIMIT_NOFILE] = (struct rlimit){ 1024, 20000 };
        F.host.rlimits[RLIMIT_NPROC] = (struct rlimit){ 96365, 96365 };
        F.host.nr_open = 1048576;
        static char hosts[PATH_MAX], resolv[PATH_MAX], hostname[PATH_MAX], subuid[PATH_MAX],
                subgid[PATH_MAX];
        snprintf(hosts, sizeof hosts, "%s/hosts", tmp_dir);
        snprintf(resolv, sizeof resolv, "%s/resolv.conf", tmp_dir);
        snprintf(hostname, sizeof hostname, "%s/hostname", tmp_dir);
        snprintf(subuid, sizeof subuid, "%s/subuid", spec_dir);
        snprintf(subgid, sizeof subgid, "%s/subgid", spec_dir);
        F.in = (SpecInput){
                .id = ID,
                .create = F.create,
                .image_config = F.image,
                .rootfs = rootfs,
                .hosts_path = hosts,
                .resolv_conf_path = resolv,
                .hostname_path = hostname,
                .volumes_root = volumes_root,
                .init_path = "/bin/sh",
                .subuid_path = subuid,
                .subgid_path = subgid,
                .peer_namespace = peer_ns,
                .peer_shm = peer_shm,
                .host = &F.host,
        };
        F.config = NULL;
        F.res = (SpecResolved){ 0 };
        F.err = NULL;
        F.peer_calls = 0;
        return 0;
}

static int teardown(void **state) {
        json_decref(F.create);
        json_decref(F.image);
        json_decref(F.config);
        spec_resolved_clear(&F.res);
        err_free(F.err);
        return 0;
}

/* ---- small JSON helpers ---- */

static json_t *strv_json(const char *first, ...) {
        json_t *a = json_array();
        va_list ap;
        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                json_array_append_new(a, json_string(s));
        va_end(ap);
        return a;
}
#define STRV(...) strv_json(__VA_ARGS__, NULL)

static void cset(const char *key, json_t *v) { json_object_set_new(F.create, key, v); }
static void rset(const char *key, json_t *v) {
        json_object_set_new(json_object_get(F.create, "resources"), key, v);
}

/* "a.b.0.c": members and array indexes. */
static json_t *jget(json_t *root, const char *path) {
        _cleanup_free_ char *copy = xstrdup(path);
        json_t *cur = root;
        char *save = NULL;
        for (char *p = strtok_r(copy, ".", &save); p && cur; p = strtok_r(NULL, ".", &save)) {
                if (json_is_array(cur))
                        cur = json_array_get(cur, strtoul(p, NULL, 10));
                else
                        cur = json_object_get(cur, p);
        }
        return cur;
}

static const char *jstr(const char *path) { return json_string_value(jget(F.config, path)); }
static json_int_t jint(const char *path) { return json_integer_value(jget(F.config, path)); }

static bool array_has(const json_t *a, const char *s) {
        size_t i;
        json_t *e;
        json_array_foreach (a, i, e) {
                if (json_is_string(e) && STREQ(json_string_value(e), s))
                        return true;
        }
        return false;
}

static json_t *mount_at(const char *dest) {
        size_t i;
        json_t *m;
        json_array_foreach (json_object_get(F.config, "mounts"), i, m) {
                if (STREQ(json_string_value(json_object_get(m, "destination")), dest))
                        return m;
        }
        return NULL;
}

static json_t *namespace_of(const char *type) {
        size_t i;
        json_t *n;
        json_array_foreach (jget(F.config, "linux.namespaces"), i, n) {
                if (STREQ(json_string_value(json_object_get(n, "type")), type))
                        return n;
        }
        return NULL;
}

static bool env_has(const char *kv) { return array_has(jget(F.config, "process.env"), kv); }

/* What runc's config loading (specconv + validator) needs, plus the
 * invariants this generator promises. */
static void oci_check(json_t *c) {
        assert_string_equal(json_string_value(json_object_get(c, "ociVersion")), "1.0.2");
        json_t *p = json_object_get(c, "process");
        assert_true(json_is_object(p));
        assert_true(json_is_boolean(json_object_get(p, "terminal")));
        assert_true(json_is_integer(jget(p, "user.uid")));
        assert_true(json_is_integer(jget(p, "user.gid")));
        json_t *args = json_object_get(p, "args");
        assert_true(json_array_size(args) > 0);
        assert_true(*json_string_value(json_array_get(args, 0)));
        size_t i;
        json_t *e;
        json_array_foreach (json_object_get(p, "env"), i, e) {
                const char *kv = json_string_value(e);
                assert_non_null(kv);
                assert_true(strchr(kv, '=') && kv[0] != '=');
        }
        assert_int_equal(json_string_value(json_object_get(p, "cwd"))[0], '/');
        static const char *const sets[] = { "bounding", "effective", "inheritable", "permitted",
                                            "ambient" };
        for (size_t k = 0; k < ELEMENTSOF(sets); k++) {
                json_t *set = jget(p, "capabilities");
                set = json_object_get(set, sets[k]);
                assert_true(json_is_array(set));
                json_array_foreach (set, i, e) {
                        assert_true(STRPREFIX(json_string_value(e), "CAP_"));
                        assert_true(spec_cap_from_name(json_string_value(e)) >= 0);
                }
        }
        json_array_foreach (json_object_get(p, "rlimits"), i, e) {
                assert_true(STRPREFIX(json_string_value(json_object_get(e, "type")), "RLIMIT_"));
                assert_true(json_integer_value(json_object_get(e, "soft")) <=
                            json_integer_value(json_object_get(e, "hard")));
        }
        assert_int_equal(json_string_value(jget(c, "root.path"))[0], '/');
        assert_true(json_is_boolean(jget(c, "root.readonly")));

        json_t *mounts = json_object_get(c, "mounts");
        assert_true(json_is_array(mounts));
        json_array_foreach (mounts, i, e) {
                const char *dest = json_string_value(json_object_get(e, "destination"));
                assert_non_null(dest);
                assert_int_equal(dest[0], '/');
                assert_non_null(json_string_value(json_object_get(e, "type")));
                assert_non_null(json_string_value(json_object_get(e, "source")));
                assert_true(json_is_array(json_object_get(e, "options")));
                for (size_t j = i + 1; j < json_array_size(mounts); j++)
                        assert_string_not_equal(
                                dest, json_string_value(json_object_get(json_array_get(mounts, j),
                                                                        "destination")));
        }

        json_t *l = json_object_get(c, "linux");
        static const char *const types[] = { "pid",   "network", "ipc", "uts",
                                             "mount", "cgroup",  "user" };
        bool seen[ELEMENTSOF(types)] = { 0 };
        json_array_foreach (json_object_get(l, "namespaces"), i, e) {
                const char *t = json_string_value(json_object_get(e, "type"));
                bool known = false;
                for (size_t k = 0; k < ELEMENTSOF(types); k++)
                        if (STREQ(t, types[k])) {
                                assert_false(seen[k]);
                                seen[k] = known = true;
                        }
                assert_true(known);
                json_t *path = json_object_get(e, "path");
                assert_true(!path || json_string_value(path)[0] == '/');
        }
        assert_true(seen[4]); /* a mount namespace, always */
        /* runc: a hostname needs a UTS namespace; mappings need a user one. */
        assert_true(!json_object_get(c, "hostname") || seen[3]);
        assert_int_equal(json_object_get(l, "uidMappings") != NULL, seen[6]);
        assert_int_equal(json_object_get(l, "gidMappings") != NULL, seen[6]);
        json_t *rules = jget(l, "resources.devices");
        assert_true(json_array_size(rules) > 0);
        json_array_foreach (rules, i, e) {
                assert_true(json_is_boolean(json_object_get(e, "allow")));
                assert_non_null(json_string_value(json_object_get(e, "access")));
        }
        json_array_foreach (json_object_get(l, "devices"), i, e) {
                assert_int_equal(json_string_value(json_object_get(e, "path"))[0], '/');
                const char *t = json_string_value(json_object_get(e, "type"));
                assert_true(STREQ(t, "c") || STREQ(t, "b"));
        }
        assert_non_null(json_string_value(json_object_get(l, "cgroupsPath")));
        assert_true(json_is_array(json_object_get(l, "maskedPaths")));
        assert_true(json_is_array(json_object_get(l, "readonlyPaths")));
}

static int run(void) {
        spec_resolved_clear(&F.res);
        json_decref(F.config);
        F.config = NULL;
        F.err = err_free(F.err);
        int r = spec_generate(&F.in, &F.config, &F.res, &F.err);
        if (r >= 0)
                oci_check(F.config);
        return r;
}

static void run_ok(void) {
        int r = run();
        if (r < 0)
                fail_msg("spec_generate: %s", F.err->message);
}

static void run_fails(ErrorKind kind, const char *part) {
        json_t *sentinel = (json_t *)0x1;
        json_t *config = sentinel;
        SpecResolved res = { .args = (char **)0x1 };
        F.err = err_free(F.err);
        int r = spec_generate(&F.in, &config, &res, &F.err);
        if (r >= 0)
                fail_msg("spec_generate succeeded; expected an error with `%s`", part);
        assert_non_null(F.err);
        if (!strstr(F.err->message, part))
                fail_msg("error `%s` lacks `%s`", F.err->message, part);
        if (F.err->kind != kind)
                fail_msg("error `%s` is %s, not %s", F.err->message, err_kind_name(F.err->kind),
                         err_kind_name(kind));
        /* Outputs are written only on success. */
        assert_ptr_equal(config, sentinel);
        assert_ptr_equal(res.args, (char **)0x1);
}

/* ---- parsers ---- */

static void test_size_parse(void **state) {
        static const struct {
                const char *text;
                int64_t value; /* -1: error */
        } cases[] = {
                { "0", 0 },
                { "100", 100 },
                { "1k", 1024 },
                { "1K", 1024 },
                { "1kb", 1024 },
                { "1KiB", 1024 },
                { "64m", 64 << 20 },
                { "1mb", 1 << 20 },
                { "1 MB", 1 << 20 },
                { "1.5g", 3ll << 29 },
                { "2t", 2ll << 40 },
                { "1p", 1ll << 50 },
                { "8191p", 8191ll << 50 },
                { "8192p", -1 },
                { "", -1 },
                { "m", -1 },
                { "1x", -1 },
                { "-1", -1 },
                { "1.", -1 },
                { "1mbb", -1 },
                { "99999999999999999999", -1 },
                { "1.0000000000000000000001k", 1024 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int64_t v = 0;
                Error *err = NULL;
                int r = spec_size_parse(cases[i].text, &v, &err);
                if (cases[i].value < 0) {
                        if (r >= 0)
                                fail_msg("`%s` parsed as %lld", cases[i].text, (long long)v);
                        assert_non_null(err);
                        err_free(err);
                } else {
                        if (r < 0)
                                fail_msg("`%s`: %s", cases[i].text, err->message);
                        assert_int_equal(v, cases[i].value);
                }
        }
}

static void test_signal_parse(void **state) {
        static const struct {
                const char *text;
                int number;
        } cases[] = {
                { "SIGTERM", SIGTERM }, { "TERM", SIGTERM }, { "term", SIGTERM },
                { "sigkill", SIGKILL }, { "9", 9 },          { "64", 64 },
                { "SIGUSR1", SIGUSR1 }, { "RTMIN", 34 },     { "RTMIN+3", 37 },
                { "SIGRTMAX-1", 63 },   { "CHLD", SIGCHLD }, { "0", -1 },
                { "65", -1 },           { "SIGFOO", -1 },    { "", -1 },
                { "RTMIN+31", -1 },     { "RTMIN-1", -1 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int n = -5;
                Error *err = NULL;
                int r = spec_signal_parse(cases[i].text, &n, &err);
                if (cases[i].number < 0) {
                        assert_true(r < 0);
                        assert_int_equal(n, -5);
                        err_free(err);
                } else {
                        if (r < 0)
                                fail_msg("`%s`: %s", cases[i].text, err->message);
                        assert_int_equal(n, cases[i].number);
                }
        }
}

static void test_volume_parse(void **state) {
        static const struct {
                const char *text;
                const char *source, *dest, *options; /* options joined with ',' */
                bool named;
                const char *error;
        } cases[] = {
                { "/host:/ctr", "/host", "/ctr", "rbind,rw,rprivate", false, NULL },
                { "/host/:/ctr/", "/host", "/ctr", "rbind,rw,rprivate", false, NULL },
                { "/host:/ctr:ro", "/host", "/ctr", "rbind,rprivate,ro", false, NULL },
                { "/host:/ctr:Z,ro,shared", "/host", "/ctr", "rbind,ro,shared", false, NULL },
                { "/host:/ctr:z", "/host", "/ctr", "rbind,rw,rprivate", false, NULL },
                { "/host:/ctr:bind,nosuid,noexec,nodev", "/host", "/ctr",
                  "rw,rprivate,bind,nosuid,noexec,nodev", false, NULL },
                { "/a/../b:/c/./d", "/b", "/c/d", "rbind,rw,rprivate", false, NULL },
                { "data:/var/lib/data", "data", "/var/lib/data", "rbind,rw,rprivate", true, NULL },
                { "my-vol_1.x:/v:ro,nocopy", "my-vol_1.x", "/v", "rbind,rprivate,ro", true, NULL },
                { "/anon", NULL, "/anon", "rbind,rw,rprivate", true, NULL },
                { "", NULL, NULL, NULL, false, "empty entry" },
                { ":/ctr", NULL, NULL, NULL, false, "empty source" },
                { "/host:ctr", NULL, NULL, NULL, false, "not an absolute path" },
                { "/host:/", NULL, NULL, NULL, false, "root directory" },
                { "/host:/ctr:ro,rw", NULL, NULL, NULL, false, "conflicts" },
                { "/host:/ctr:z,Z", NULL, NULL, NULL, false, "conflicts" },
                { "/host:/ctr:shared,rslave", NULL, NULL, NULL, false, "conflicts" },
                { "/host:/ctr:foo", NULL, NULL, NULL, false, "unknown option `foo`" },
                { "/host:/ctr:", NULL, NULL, NULL, false, "empty option" },
                { "/host:/ctr:ro:x", NULL, NULL, NULL, false, "SOURCE:DESTINATION" },
                { "./rel:/ctr", NULL, NULL, NULL, false, "neither an absolute path" },
                { "-bad:/ctr", NULL, NULL, NULL, false, "neither an absolute path" },
                { "/host:/ctr:size=1m", NULL, NULL, NULL, false, "unknown option" },
                { "/host:/ctr:tmpcopyup", NULL, NULL, NULL, false, "unknown option" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                SpecVolumeArg a = { .source = (char *)0x1 };
                Error *err = NULL;
                int r = spec_volume_arg_parse(cases[i].text, &a, &err);
                if (cases[i].error) {
                        if (r >= 0)
                                fail_msg("`%s` parsed", cases[i].text);
                        if (!strstr(err->message, cases[i].error))
                                fail_msg("`%s`: `%s` lacks `%s`", cases[i].text, err->message,
                                         cases[i].error);
                        assert_ptr_equal(a.source, (char *)0x1);
                        err_free(err);
                        continue;
                }
                if (r < 0)
                        fail_msg("`%s`: %s", cases[i].text, err->message);
                if (cases[i].source)
                        assert_string_equal(a.source, cases[i].source);
                else
                        assert_null(a.source);
                assert_string_equal(a.destination, cases[i].dest);
                assert_int_equal(a.named, cases[i].named);
                _cleanup_free_ char *joined = xstrdup("");
                for (size_t k = 0; a.options[k]; k++) {
                        char *j = xasprintf("%s%s%s", joined, k ? "," : "", a.options[k]);
                        free(joined);
                        joined = j;
                }
                assert_string_equal(joined, cases[i].options);
                spec_volume_arg_clear(&a);
        }
}

static char *options_join(char **options) {
        char *joined = xstrdup("");
        for (size_t k = 0; options[k]; k++) {
                char *j = xasprintf("%s%s%s", joined, k ? "," : "", options[k]);
                free(joined);
                joined = j;
        }
        return joined;
}

static void test_tmpfs_parse(void **state) {
        static const struct {
                const char *text, *dest, *options, *error;
        } cases[] = {
                { "/run", "/run", "rprivate,rw,noexec,nosuid,nodev,size=65536k", NULL },
                { "/run:rw,size=64m", "/run", "rw,size=64m,rprivate,noexec,nosuid,nodev", NULL },
                { "/run:size=1.5g,exec,mode=1777,uid=1000,gid=5", "/run",
                  "size=1610612736,exec,mode=1777,uid=1000,gid=5,rprivate,rw,nosuid,nodev", NULL },
                { "/t:ro,noexec,suid,dev,shared,tmpcopyup", "/t",
                  "ro,noexec,suid,dev,shared,tmpcopyup,size=65536k", NULL },
                { "/t:size=50%", "/t", "size=50%,rprivate,rw,noexec,nosuid,nodev", NULL },
                { "/t:nr_inodes=1k", "/t",
                  "nr_inodes=1k,rprivate,rw,noexec,nosuid,nodev,size=65536k", NULL },
                { "run", NULL, NULL, "not an absolute path" },
                { "/t:size=lots", NULL, NULL, "invalid option" },
                { "/t:mode=999", NULL, NULL, "invalid option" },
                { "/t:bind", NULL, NULL, "unknown option" },
                { "/t:z", NULL, NULL, "unknown option" },
                { "/t:ro,rw", NULL, NULL, "conflicts" },
                { "/t:size=1m,size=2m", NULL, NULL, "conflicts" },
                { "/t:uid=-1", NULL, NULL, "invalid option" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                SpecTmpfsArg a = { 0 };
                Error *err = NULL;
                int r = spec_tmpfs_arg_parse(cases[i].text, &a, &err);
                if (cases[i].error) {
                        if (r >= 0)
                                fail_msg("`%s` parsed", cases[i].text);
                        if (!strstr(err->message, cases[i].error))
                                fail_msg("`%s`: `%s`", cases[i].text, err->message);
                        err_free(err);
                        continue;
                }
                if (r < 0)
                        fail_msg("`%s`: %s", cases[i].text, err->message);
                assert_string_equal(a.destination, cases[i].dest);
                _cleanup_free_ char *joined = options_join(a.options);
                assert_string_equal(joined, cases[i].options);
                spec_tmpfs_arg_clear(&a);
        }
}

static void test_publish_parse(void **state) {
        static const struct {
                const char *text, *ip;
                unsigned hf, hl, cf, cl;
                const char *proto, *error;
        } cases[] = {
                { "80", "", 0, 0, 80, 80, "tcp", NULL },
                { "8080:80", "", 8080, 8080, 80, 80, "tcp", NULL },
                { "8080:80/udp", "", 8080, 8080, 80, 80, "udp", NULL },
                { "8080:80/SCTP", "", 8080, 8080, 80, 80, "sctp", NULL },
                { "127.0.0.1:8080:80", "127.0.0.1", 8080, 8080, 80, 80, "tcp", NULL },
                { "127.0.0.1::80", "127.0.0.1", 0, 0, 80, 80, "tcp", NULL },
                { "[::1]:8080:80/udp", "::1", 8080, 8080, 80, 80, "udp", NULL },
                { "[2001:DB8::1]::80", "2001:db8::1", 0, 0, 80, 80, "tcp", NULL },
                { "8000-8002:80-82", "", 8000, 8002, 80, 82, "tcp", NULL },
                { "8000-8010:80", "", 8000, 8010, 80, 80, "tcp", NULL },
                { "90-91", "", 0, 0, 90, 91, "tcp", NULL },
                { "0:80", "", 0, 0, 80, 80, "tcp", NULL },
                { "", NULL, 0, 0, 0, 0, NULL, "empty entry" },
                { "0", NULL, 0, 0, 0, 0, NULL, "invalid container port" },
                { "65536", NULL, 0, 0, 0, 0, NULL, "invalid container port" },
                { "80/icmp", NULL, 0, 0, 0, 0, NULL, "unknown protocol" },
                { "8000-8001:80-82", NULL, 0, 0, 0, 0, NULL, "differ in size" },
                { "82-80", NULL, 0, 0, 0, 0, NULL, "invalid container port" },
                { "1.2.3.4.5:80:80", NULL, 0, 0, 0, 0, NULL, "invalid IP address" },
                { "::1:80:80", NULL, 0, 0, 0, 0, NULL, "brackets" },
                { "[::1]:80", NULL, 0, 0, 0, 0, NULL, "[IPv6]:HOSTPORT:PORT" },
                { "[zz]:80:80", NULL, 0, 0, 0, 0, NULL, "invalid IPv6" },
                { "a:b:c:d", NULL, 0, 0, 0, 0, NULL, "expected" },
                { "x:80", NULL, 0, 0, 0, 0, NULL, "invalid host port" },
                { "80:", NULL, 0, 0, 0, 0, NULL, "invalid container port" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                SpecPublishArg a = { .host_first = 7 };
                Error *err = NULL;
                int r = spec_publish_arg_parse(cases[i].text, &a, &err);
                if (cases[i].error) {
                        if (r >= 0)
                                fail_msg("`%s` parsed", cases[i].text);
                        if (!strstr(err->message, cases[i].error))
                                fail_msg("`%s`: `%s`", cases[i].text, err->message);
                        assert_int_equal(a.host_first, 7);
                        err_free(err);
                        continue;
                }
                if (r < 0)
                        fail_msg("`%s`: %s", cases[i].text, err->message);
                assert_string_equal(a.host_ip, cases[i].ip);
                assert_int_equal(a.host_first, cases[i].hf);
                assert_int_equal(a.host_last, cases[i].hl);
                assert_int_equal(a.container_first, cases[i].cf);
                assert_int_equal(a.container_last, cases[i].cl);
                assert_string_equal(a.protocol, cases[i].proto);
        }
        uint16_t f, l;
        char proto[5];
        assert_int_equal(spec_expose_arg_parse("53/udp", &f, &l, proto, NULL), 0);
        assert_true(f == 53 && l == 53 && STREQ(proto, "udp"));
        assert_int_equal(spec_expose_arg_parse("1000-1002", &f, &l, proto, NULL), 0);
        assert_true(f == 1000 && l == 1002 && STREQ(proto, "tcp"));
        assert_true(spec_expose_arg_parse("1002-1000", &f, &l, proto, NULL) < 0);
        assert_true(spec_expose_arg_parse("80/xyz", &f, &l, proto, NULL) < 0);
}

static void test_ulimit_parse(void **state) {
        SpecUlimitArg a;
        assert_int_equal(spec_ulimit_arg_parse("nofile=1024:2048", &a, NULL), 0);
        assert_int_equal(a.resource, RLIMIT_NOFILE);
        assert_string_equal(a.type, "RLIMIT_NOFILE");
        assert_true(a.soft == 1024 && a.hard == 2048);
        assert_int_equal(spec_ulimit_arg_parse("NPROC=100", &a, NULL), 0);
        assert_true(a.resource == RLIMIT_NPROC && a.soft == 100 && a.hard == 100);
        assert_int_equal(spec_ulimit_arg_parse("RLIMIT_CORE=-1", &a, NULL), 0);
        assert_true(a.resource == RLIMIT_CORE && a.soft == RLIM_INFINITY &&
                    a.hard == RLIM_INFINITY);
        assert_int_equal(spec_ulimit_arg_parse("memlock=0:unlimited", &a, NULL), 0);
        assert_true(a.soft == 0 && a.hard == RLIM_INFINITY);
        static const struct {
                const char *text, *error;
        } bad[] = {
                { "nofile", "NAME=SOFT" },
                { "foo=1", "unknown limit" },
                { "nofile=2:1", "greater than hard" },
                { "nofile=-2", "invalid value" },
                { "nofile=1:", "invalid value" },
                { "nofile=", "invalid value" },
                { "nofile=unlimited:5", "greater than hard" },
                { "", "empty entry" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                Error *err = NULL;
                assert_true(spec_ulimit_arg_parse(bad[i].text, &a, &err) < 0);
                if (!strstr(err->message, bad[i].error))
                        fail_msg("`%s`: `%s`", bad[i].text, err->message);
                err_free(err);
        }
}

static void test_device_parse(void **state) {
        static const struct {
                const char *text, *host, *container, *perms, *error;
        } cases[] = {
                { "/dev/fuse", "/dev/fuse", "/dev/fuse", "rwm", NULL },
                { "/dev/fuse:/dev/fuse:rwm", "/dev/fuse", "/dev/fuse", "rwm", NULL },
                { "/dev/sda:/dev/xvda", "/dev/sda", "/dev/xvda", "rwm", NULL },
                { "/dev/sda:r", "/dev/sda", "/dev/sda", "r", NULL },
                { "/dev/sda:/dev/b:mw", "/dev/sda", "/dev/b", "mw", NULL },
                { "dev/fuse", NULL, NULL, NULL, "not an absolute path" },
                { "/dev/a:x", NULL, NULL, NULL, "neither a path nor permissions" },
                { "/dev/a:/b:rr", NULL, NULL, NULL, "invalid permissions" },
                { "/dev/a:/b:", NULL, NULL, NULL, "invalid permissions" },
                { "/dev/a:b:r", NULL, NULL, NULL, "not absolute" },
                { "/a:/b:r:x", NULL, NULL, NULL, "expected" },
                { "/a:/", NULL, NULL, NULL, "invalid container path" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                SpecDeviceArg a = { 0 };
                Error *err = NULL;
                int r = spec_device_arg_parse(cases[i].text, &a, &err);
                if (cases[i].error) {
                        if (r >= 0)
                                fail_msg("`%s` parsed", cases[i].text);
                        if (!strstr(err->message, cases[i].error))
                                fail_msg("`%s`: `%s`", cases[i].text, err->message);
                        err_free(err);
                        continue;
                }
                if (r < 0)
                        fail_msg("`%s`: %s", cases[i].text, err->message);
                assert_string_equal(a.host, cases[i].host);
                assert_string_equal(a.container, cases[i].container);
                assert_string_equal(a.perms, cases[i].perms);
                spec_device_arg_clear(&a);
        }

        char *path = NULL;
        uint64_t v;
        assert_int_equal(spec_device_limit_parse("/dev/sda:1mb", SPEC_LIMIT_BPS, &path, &v, NULL),
                         0);
        assert_string_equal(path, "/dev/sda");
        assert_int_equal(v, 1 << 20);
        free(path);
        assert_int_equal(spec_device_limit_parse("/dev/sda:500", SPEC_LIMIT_IOPS, &path, &v, NULL),
                         0);
        assert_int_equal(v, 500);
        free(path);
        assert_int_equal(spec_device_limit_parse("/dev/sda:10", SPEC_LIMIT_WEIGHT, &path, &v, NULL),
                         0);
        free(path);
        path = NULL;
        assert_true(spec_device_limit_parse("/dev/sda:5", SPEC_LIMIT_WEIGHT, &path, &v, NULL) < 0);
        assert_true(spec_device_limit_parse("/dev/sda:1001", SPEC_LIMIT_WEIGHT, &path, &v, NULL) <
                    0);
        assert_true(spec_device_limit_parse("/dev/sda:1mb", SPEC_LIMIT_IOPS, &path, &v, NULL) < 0);
        assert_true(spec_device_limit_parse("/dev/sda", SPEC_LIMIT_IOPS, &path, &v, NULL) < 0);
        assert_true(spec_device_limit_parse("sda:1", SPEC_LIMIT_IOPS, &path, &v, NULL) < 0);
        assert_true(spec_device_limit_parse(":1", SPEC_LIMIT_IOPS, &path, &v, NULL) < 0);
        assert_null(path);
}

static void test_misc_parse(void **state) {
        SpecIdMap m;
        assert_int_equal(spec_idmap_parse("0:100000:65536", &m, NULL), 0);
        assert_true(m.container_id == 0 && m.host_id == 100000 && m.size == 65536);
        assert_true(spec_idmap_parse("0:1:0", &m, NULL) < 0);
        assert_true(spec_idmap_parse("0:1", &m, NULL) < 0);
        assert_true(spec_idmap_parse("4294967295:0:1", &m, NULL) < 0);
        assert_true(spec_idmap_parse("0:-1:1", &m, NULL) < 0);

        assert_int_equal(spec_cpuset_check("0", NULL), 0);
        assert_int_equal(spec_cpuset_check("0-3,6,8-9", NULL), 0);
        assert_true(spec_cpuset_check("3-1", NULL) < 0);
        assert_true(spec_cpuset_check("0,,1", NULL) < 0);
        assert_true(spec_cpuset_check("a", NULL) < 0);
        assert_true(spec_cpuset_check("99999", NULL) < 0);

        assert_int_equal(spec_cap_from_name("chown"), 0);
        assert_int_equal(spec_cap_from_name("CAP_NET_ADMIN"), 12);
        assert_int_equal(spec_cap_from_name("Cap_Sys_Admin"), 21);
        assert_int_equal(spec_cap_from_name("checkpoint_restore"), 40);
        assert_int_equal(spec_cap_from_name("CAP_"), -1);
        assert_int_equal(spec_cap_from_name("ALL"), -1);
        assert_string_equal(spec_cap_name(10), "CAP_NET_BIND_SERVICE");
        assert_null(spec_cap_name(41));

        assert_true(spec_hostname_is_valid("web-1.example"));
        assert_false(spec_hostname_is_valid(""));
        assert_false(spec_hostname_is_valid("a b"));
        assert_false(spec_hostname_is_valid(
                "0123456789012345678901234567890123456789012345678901234567890123456789"));
        assert_true(spec_volume_name_is_valid("a.b-c_d"));
        assert_false(spec_volume_name_is_valid(".hidden"));
        assert_false(spec_volume_name_is_valid("a/b"));
}

/* ---- users and groups ---- */

static void test_user_lines(void **state) {
        char line[] = "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n";
        UserPasswd p;
        assert_int_equal(user_passwd_line_parse(line, &p), 1);
        assert_string_equal(p.name, "alice");
        assert_int_equal(p.uid, 1000);
        assert_int_equal(p.gid, 1000);
        assert_string_equal(p.home, "/home/alice");
        char short_line[] = "x:y:5:6";
        assert_int_equal(user_passwd_line_parse(short_line, &p), 1);
        assert_string_equal(p.home, "");
        char *skipped[] = { "",        "# c",    "+nis",  "-x",
                            "a:x:b:0", ":x:0:0", "a:x:0", "a:x:4294967295:0" };
        for (size_t i = 0; i < ELEMENTSOF(skipped); i++) {
                _cleanup_free_ char *l = xstrdup(skipped[i]);
                assert_int_equal(user_passwd_line_parse(l, &p), 0);
        }
        char g[] = "wheel:x:10:root,alice";
        UserGroup gr;
        assert_int_equal(user_group_line_parse(g, &gr), 1);
        assert_int_equal(gr.gid, 10);
        assert_true(user_group_has_member(gr.members, "alice"));
        assert_true(user_group_has_member(gr.members, "root"));
        assert_false(user_group_has_member(gr.members, "ali"));
        char g2[] = "empty:x:11";
        assert_int_equal(user_group_line_parse(g2, &gr), 1);
        assert_false(user_group_has_member(gr.members, ""));
        char g3[] = "bad:x:";
        assert_int_equal(user_group_line_parse(g3, &gr), 0);
}

static void test_user_resolve(void **state) {
        static const struct {
                const char *spec;
                const char *group_add[3];
                unsigned uid, gid;
                unsigned gids[4];
                size_t n_gids;
                const char *home;
        } cases[] = {
                { "", { NULL }, 0, 0, { 10 }, 1, "/root" },
                { "root", { NULL }, 0, 0, { 10 }, 1, "/root" },
                { "alice", { NULL }, 1000, 1000, { 10, 100, 29 }, 3, "/home/alice" },
                { "alice:users", { NULL }, 1000, 100, { 0 }, 0, "/home/alice" },
                { "1000", { NULL }, 1000, 1000, { 10, 100, 29 }, 3, "/home/alice" },
                { "1000:0", { NULL }, 1000, 0, { 0 }, 0, "/home/alice" },
                { "4242", { NULL }, 4242, 0, { 0 }, 0, "/" },
                { "4242:4343", { NULL }, 4242, 4343, { 0 }, 0, "/" },
                { "nohome", { NULL }, 1002, 1002, { 0 }, 0, "/" },
                { "bob", { "audio", "7", NULL }, 1001, 100, { 100, 29, 7 }, 3, "/home/bob" },
                { "daemon:daemon", { "wheel", "wheel", NULL }, 1, 1, { 10 }, 1, "/usr/sbin" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                UserInfo u;
                Error *err = NULL;
                if (user_resolve(rootfs, cases[i].spec, (char *const *)cases[i].group_add, &u,
                                 &err) < 0)
                        fail_msg("`%s`: %s", cases[i].spec, err->message);
                assert_int_equal(u.uid, cases[i].uid);
                assert_int_equal(u.gid, cases[i].gid);
                assert_int_equal(u.n_gids, cases[i].n_gids);
                for (size_t k = 0; k < u.n_gids; k++)
                        assert_int_equal(u.gids[k], cases[i].gids[k]);
                assert_string_equal(u.home, cases[i].home);
                user_info_clear(&u);
        }
        static const struct {
                const char *spec, *group_add, *error;
                ErrorKind kind;
        } bad[] = {
                { "mallory", NULL,
                  "unable to find user mallory: no matching entries in passwd file",
                  ERR_NOT_FOUND },
                { "broken", NULL, "unable to find user broken", ERR_NOT_FOUND },
                { "alice:staff", NULL,
                  "unable to find group staff: no matching entries in group file", ERR_NOT_FOUND },
                { "alice", "staff", "group_add: unable to find group staff", ERR_NOT_FOUND },
                { "alice", "", "group_add: empty group", ERR_INVALID_ARGUMENT },
                { ":0", NULL, "empty user name", ERR_INVALID_ARGUMENT },
                { "alice:", NULL, "empty group name", ERR_INVALID_ARGUMENT },
                { "99999999999", NULL, "uid out of range", ERR_INVALID_ARGUMENT },
                { "0:99999999999", NULL, "gid out of range", ERR_INVALID_ARGUMENT },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                UserInfo u = { .uid = 77 };
                Error *err = NULL;
                char *ga[] = { (char *)bad[i].group_add, NULL };
                assert_true(user_resolve(rootfs, bad[i].spec, ga, &u, &err) < 0);
                if (!strstr(err->message, bad[i].error) || err->kind != bad[i].kind)
                        fail_msg("`%s`: `%s`", bad[i].spec, err->message);
                assert_int_equal(u.uid, 77);
                err_free(err);
        }
}

/* A rootfs whose /etc/passwd links out of it, and one with a FIFO. */
static void test_user_rootfs_escape(void **state) {
        char root[1100], etc[1200], outside[1100], link[1300];
        snprintf(root, sizeof root, "%s/escape-root", tmp_dir);
        snprintf(etc, sizeof etc, "%s/etc", root);
        snprintf(outside, sizeof outside, "%s/outside-passwd", tmp_dir);
        assert_int_equal(mkdir(root, 0755) == 0 || errno == EEXIST, 1);
        assert_int_equal(mkdir(etc, 0755) == 0 || errno == EEXIST, 1);
        FILE *f = fopen(outside, "we");
        assert_non_null(f);
        fputs("evil:x:0:0::/:/bin/sh\n", f);
        fclose(f);
        snprintf(link, sizeof link, "%s/passwd", etc);
        unlink(link);
        /* ../../outside-passwd from etc/ would leave the rootfs. */
        assert_int_equal(symlink("../../outside-passwd", link), 0);
        snprintf(link, sizeof link, "%s/group", etc);
        unlink(link);
        assert_int_equal(symlink("/../../../outside-passwd", link), 0);

        UserInfo u;
        Error *err = NULL;
        assert_true(user_resolve(root, "evil", NULL, &u, &err) < 0);
        assert_int_equal(err->kind, ERR_NOT_FOUND);
        err = err_free(err);
        assert_int_equal(user_resolve(root, "5:6", NULL, &u, &err), 0);
        assert_int_equal(u.uid, 5);
        user_info_clear(&u);

        unlink(link);
        assert_int_equal(mkfifo(link, 0644), 0);
        assert_true(user_resolve(root, "0", NULL, &u, &err) < 0);
        assert_non_null(strstr(err->message, "not a file"));
        err_free(err);
}

/* ---- spec_generate ---- */

static void test_minimal(void **state) {
        run_ok();
        assert_string_equal(jstr("process.args.0"), "sh");
        assert_int_equal(json_array_size(jget(F.config, "process.args")), 1);
        assert_string_equal(jstr("hostname"), "0123456789ab");
        assert_string_equal(F.res.hostname, "0123456789ab");
        assert_string_equal(jstr("root.path"), rootfs);
        assert_false(json_is_true(jget(F.config, "root.readonly")));
        assert_false(json_is_true(jget(F.config, "process.terminal")));
        assert_string_equal(jstr("process.cwd"), "/srv");
        assert_int_equal(jint("process.user.uid"), 0);
        assert_int_equal(jint("process.user.gid"), 0);
        assert_int_equal(jint("process.user.additionalGids.0"), 10);
        static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount" };
        for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
                assert_non_null(namespace_of(ns[i]));
                assert_null(json_object_get(namespace_of(ns[i]), "path"));
        }
        assert_null(namespace_of("cgroup")); /* cgroup v1 */
        assert_null(namespace_of("user"));
        static const char *const mounts[] = { "/proc",          "/dev",        "/dev/pts",
                                              "/dev/shm",       "/dev/mqueue", "/sys",
                                              "/sys/fs/cgroup", "/etc/hosts",  "/etc/resolv.conf",
                                              "/etc/hostname" };
        for (size_t i = 0; i < ELEMENTSOF(mounts); i++)
                if (!mount_at(mounts[i]))
                        fail_msg("no mount at %s", mounts[i]);
        assert_string_equal(json_string_value(json_object_get(mount_at("/proc"), "type")), "proc");
        assert_true(array_has(json_object_get(mount_at("/sys"), "options"), "ro"));
        assert_true(array_has(json_object_get(mount_at("/sys/fs/cgroup"), "options"), "ro"));
        assert_true(array_has(json_object_get(mount_at("/dev/shm"), "options"), "size=67108864"));
        assert_true(array_has(json_object_get(mount_at("/dev/pts"), "options"), "gid=5"));
        assert_null(mount_at("/dev/init"));
        /* The default capability set. */
        json_t *bounding = jget(F.config, "process.capabilities.bounding");
        assert_int_equal(json_array_size(bounding), 11);
        assert_true(array_has(bounding, "CAP_NET_BIND_SERVICE"));
        assert_true(array_has(bounding, "CAP_SYS_CHROOT"));
        assert_false(array_has(bounding, "CAP_NET_RAW"));
        assert_int_equal(json_array_size(jget(F.config, "process.capabilities.effective")), 11);
        assert_int_equal(json_array_size(jget(F.config, "process.capabilities.inheritable")), 0);
        /* Devices: deny all, runc adds its defaults. */
        assert_false(json_is_true(jget(F.config, "linux.resources.devices.0.allow")));
        assert_int_equal(json_array_size(jget(F.config, "linux.devices")), 0);
        assert_string_equal(jstr("linux.cgroupsPath"), "/libpod_parent/libpod-" ID);
        assert_true(array_has(jget(F.config, "linux.maskedPaths"), "/proc/kcore"));
        assert_true(array_has(jget(F.config, "linux.readonlyPaths"), "/proc/sys"));
        assert_null(jget(F.config, "linux.seccomp"));
        assert_null(jget(F.config, "process.noNewPrivileges"));
        assert_null(jget(F.config, "process.oomScoreAdj"));
        assert_null(jget(F.config, "linux.resources.memory"));
        assert_null(jget(F.config, "linux.sysctl"));
        assert_string_equal(
                json_string_value(json_object_get(json_object_get(F.config, "annotations"),
                                                  "io.kubernetes.cri-o.TTY")),
                "false");
        /* Rlimits: podman's defaults capped by the engine's hard limits. */
        json_t *rl = jget(F.config, "process.rlimits");
        assert_int_equal(json_array_size(rl), 2);
        size_t i;
        json_t *e;
        json_array_foreach (rl, i, e) {
                const char *t = json_string_value(json_object_get(e, "type"));
                json_int_t hard = json_integer_value(json_object_get(e, "hard"));
                if (STREQ(t, "RLIMIT_NOFILE"))
                        assert_int_equal(hard, 20000);
                else
                        assert_int_equal(hard, 96365);
        }
        /* What the engine remembers. */
        assert_int_equal(F.res.stop_signal, SIGTERM);
        assert_int_equal(F.res.stop_timeout, 10);
        assert_string_equal(F.res.net_mode, "bridge");
        assert_null(F.res.netns);
        assert_string_equal(F.res.log_driver, "k8s-file");
        assert_null(F.res.log_path);
        assert_int_equal(F.res.n_ports, 0);
        assert_int_equal(F.res.n_volumes, 0);
        assert_false(F.res.init);
        assert_string_equal(F.res.args[0], "sh");
        assert_null(F.res.args[1]);

        json_t *j = spec_resolved_to_json(&F.res);
        static const char *const keys[] = {
                "args",         "env",
                "work_dir",     "uid",
                "gid",          "additional_gids",
                "home",         "stop_signal",
                "stop_timeout", "tty",
                "stdin_open",   "hostname",
                "ports",        "exposed_ports",
                "volumes",      "netns",
                "net_mode",     "networks",
                "dns_servers",  "dns_search",
                "dns_options",  "hosts",
                "dependencies", "labels",
                "log_driver",   "log_path",
                "log_max_size", "conmon_pidfile",
                "cgroups_path", "rm",
                "detach",       "init",
                "privileged",
        };
        for (size_t k = 0; k < ELEMENTSOF(keys); k++)
                if (!json_object_get(j, keys[k]))
                        fail_msg("resolved JSON lacks %s", keys[k]);
        assert_int_equal(json_object_size(j), ELEMENTSOF(keys));
        json_decref(j);
}

static void test_create_check(void **state) {
        cset("bogus", json_true());
        run_fails(ERR_INVALID_ARGUMENT, "unknown field `bogus`");
        json_object_del(F.create, "bogus");
        cset("tty", json_string("yes"));
        run_fails(ERR_INVALID_ARGUMENT, "tty: wrong type");
        cset("tty", json_false());
        rset("memory", json_string("1g"));
        run_fails(ERR_INVALID_ARGUMENT, "resources.memory: wrong type");
        rset("memory", json_integer(0));
        cset("volumes", json_pack("[i]", 1));
        run_fails(ERR_INVALID_ARGUMENT, "volumes: wrong type");
        cset("volumes", json_array());
        cset("user", json_stringn("a\0b", 3));
        run_fails(ERR_INVALID_ARGUMENT, "user: wrong type or a NUL");
        cset("user", json_string(""));
        json_object_set_new(json_object_get(json_object_get(F.create, "id_mappings"), "uid_map"),
                            "size", json_true());
        run_fails(ERR_INVALID_ARGUMENT, "id_mappings.size");
        json_object_set_new(json_object_get(json_object_get(F.create, "id_mappings"), "uid_map"),
                            "size", json_integer(0));
        /* Members may be missing: zero values. */
        json_object_del(F.create, "resources");
        json_object_del(F.create, "env");
        run_ok();
        F.in.id = "xyz";
        run_fails(ERR_INVALID_ARGUMENT, "invalid container ID");
}

static void test_command(void **state) {
        json_object_set_new(F.image, "Entrypoint", STRV("/entry", "-x"));
        json_object_set_new(F.image, "Cmd", STRV("cmd1", "cmd2"));
        run_ok();
        assert_int_equal(spec_strv_length(F.res.args), 4);
        assert_string_equal(F.res.args[0], "/entry");
        assert_string_equal(F.res.args[3], "cmd2");

        /* A single-element image entrypoint survives (unlike the reference). */
        json_object_set_new(F.image, "Entrypoint", STRV("/single"));
        run_ok();
        assert_string_equal(F.res.args[0], "/single");
        assert_string_equal(F.res.args[1], "cmd1");

        cset("entrypoint", STRV("/bin/echo"));
        run_ok();
        assert_string_equal(F.res.args[0], "/bin/echo");
        assert_string_equal(F.res.args[1], "cmd1");

        cset("command", STRV("hello", "world"));
        run_ok();
        assert_int_equal(spec_strv_length(F.res.args), 3);
        assert_string_equal(F.res.args[2], "world");
        assert_string_equal(jstr("process.args.1"), "hello");

        cset("entrypoint", STRV(""));
        run_ok();
        assert_int_equal(spec_strv_length(F.res.args), 2);
        assert_string_equal(F.res.args[0], "hello");

        /* args = IMAGE COMMAND... stands in for an empty command. */
        cset("command", json_array());
        cset("entrypoint", json_array());
        cset("args", STRV("busybox", "ls", "-l"));
        run_ok();
        assert_string_equal(F.res.args[0], "/single");
        assert_string_equal(F.res.args[1], "ls");
        assert_string_equal(F.res.args[2], "-l");

        cset("args", STRV("busybox"));
        json_object_del(F.image, "Entrypoint");
        json_object_del(F.image, "Cmd");
        run_fails(ERR_INVALID_ARGUMENT,
                  "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
        cset("entrypoint", STRV(""));
        run_fails(ERR_INVALID_ARGUMENT, "no command or entrypoint provided");
        cset("command", STRV("", "x"));
        run_fails(ERR_INVALID_ARGUMENT, "empty program name");
        cset("command", STRV("true"));
        F.in.image_config = NULL;
        run_ok();
        assert_string_equal(F.res.args[0], "true");
        assert_string_equal(F.res.work_dir, "/");
}

static void test_env(void **state) {
        cset("env", json_pack("{s:s, s:s}", "FOO", "create", "BAR", "x=y"));
        run_ok();
        assert_true(env_has("PATH=/bin:/usr/bin"));
        assert_true(env_has("FOO=create"));
        assert_false(env_has("FOO=image"));
        assert_true(env_has("BAR=x=y"));
        assert_true(env_has("TERM=xterm"));
        assert_true(env_has("container=podman"));
        assert_true(env_has("HOSTNAME=0123456789ab"));
        assert_true(env_has("HOME=/root"));
        assert_int_equal(spec_strv_length(F.res.env),
                         json_array_size(jget(F.config, "process.env")));

        json_object_set_new(F.image, "Env", json_array());
        cset("env", json_pack("{s:s}", "HOME", "/custom"));
        cset("user", json_string("alice"));
        run_ok();
        assert_true(env_has(SPEC_DEFAULT_PATH));
        assert_true(env_has("HOME=/custom"));

        cset("env", json_pack("{s:s}", "A=B", "x"));
        run_fails(ERR_INVALID_ARGUMENT, "env: invalid variable name `A=B`");
        cset("env", json_pack("{s:s}", "", "x"));
        run_fails(ERR_INVALID_ARGUMENT, "env: invalid variable name");
        cset("env", json_object());
        json_object_set_new(F.image, "Env", STRV("NOEQUALS"));
        run_fails(ERR_INVALID_ARGUMENT, "image Env entry `NOEQUALS`");
}

static void test_user(void **state) {
        cset("user", json_string("alice"));
        cset("group_add", STRV("daemon", "4000"));
        run_ok();
        assert_int_equal(F.res.uid, 1000);
        assert_int_equal(F.res.gid, 1000);
        assert_int_equal(F.res.n_additional_gids, 5);
        assert_int_equal(jint("process.user.additionalGids.3"), 1);
        assert_int_equal(jint("process.user.additionalGids.4"), 4000);
        assert_true(env_has("HOME=/home/alice"));
        /* A non-root user gets no effective capabilities unless added. */
        assert_int_equal(json_array_size(jget(F.config, "process.capabilities.effective")), 0);
        assert_int_equal(json_array_size(jget(F.config, "process.capabilities.bounding")), 11);

        cset("cap_add", STRV("net_raw"));
        run_ok();
        json_t *eff = jget(F.config, "process.capabilities.effective");
        assert_int_equal(json_array_size(eff), 1);
        assert_true(array_has(eff, "CAP_NET_RAW"));
        assert_true(array_has(jget(F.config, "process.capabilities.ambient"), "CAP_NET_RAW"));
        assert_true(array_has(jget(F.config, "process.capabilities.inheritable"), "CAP_NET_RAW"));

        json_object_set_new(F.image, "User", json_string("bob"));
        cset("user", json_string(""));
        cset("group_add", json_array());
        run_ok();
        assert_int_equal(F.res.uid, 1001);

        cset("user", json_string("mallory"));
        run_fails(ERR_NOT_FOUND, "unable to find user mallory: no matching entries in passwd file");
        cset("user", json_string("alice:nogroup2"));
        run_fails(ERR_NOT_FOUND, "unable to find group nogroup2");
        cset("user", json_string("alice"));
        cset("group_add", STRV("nogroup2"));
        run_fails(ERR_NOT_FOUND, "group_add: unable to find group nogroup2");
}

static void test_work_dir(void **state) {
        cset("work_dir", json_string("/app"));
        run_ok();
        assert_string_equal(jstr("process.cwd"), "/app");
        cset("work_dir", json_string(""));
        json_object_set_new(F.image, "WorkingDir", json_string("rel"));
        run_ok();
        assert_string_equal(jstr("process.cwd"), "/rel");
        json_object_del(F.image, "WorkingDir");
        run_ok();
        assert_string_equal(jstr("process.cwd"), "/");
        cset("work_dir", json_string("app"));
        run_fails(ERR_INVALID_ARGUMENT, "work_dir `app` is not an absolute path");
}

static void test_capabilities(void **state) {
        cset("cap_add", STRV("NET_ADMIN", "cap_sys_ptrace", "Sys_Time"));
        cset("cap_drop", STRV("CAP_CHOWN", "kill"));
        run_ok();
        json_t *b = jget(F.config, "process.capabilities.bounding");
        assert_true(array_has(b, "CAP_NET_ADMIN"));
        assert_true(array_has(b, "CAP_SYS_PTRACE"));
        assert_true(array_has(b, "CAP_SYS_TIME"));
        assert_false(array_has(b, "CAP_CHOWN"));
        assert_false(array_has(b, "CAP_KILL"));
        assert_int_equal(json_array_size(b), 12);

        cset("cap_add", STRV("setuid"));
        cset("cap_drop", STRV("all"));
        run_ok();
        b = jget(F.config, "process.capabilities.bounding");
        assert_int_equal(json_array_size(b), 1);
        assert_true(array_has(b, "CAP_SETUID"));

        cset("cap_add", STRV("ALL"));
        cset("cap_drop", STRV("MKNOD"));
        run_ok();
        b = jget(F.config, "process.capabilities.bounding");
        assert_false(array_has(b, "CAP_MKNOD"));
        assert_false(array_has(b, "CAP_SYS_RESOURCE")); /* not held by the engine */
        assert_int_equal(json_array_size(b), 39);

        cset("cap_drop", json_array());
        cset("cap_add", STRV("CAP_FLY"));
        run_fails(ERR_INVALID_ARGUMENT, "cap_add: unknown capability `CAP_FLY`");
        cset("cap_add", json_array());
        cset("cap_drop", STRV("nope"));
        run_fails(ERR_INVALID_ARGUMENT, "cap_drop: unknown capability `nope`");
        cset("cap_drop", json_array());
        cset("cap_add", STRV("SYS_RESOURCE"));
        run_fails(ERR_NOT_SUPPORTED, "cap_add: CAP_SYS_RESOURCE is not held by the engine");
        F.host.cap_last_cap = 37;
        cset("cap_add", STRV("BPF"));
        run_fails(ERR_NOT_SUPPORTED, "cap_add: CAP_BPF is not supported by this kernel");
}

static void test_privileged(void **state) {
        char seccomp[PATH_MAX + 16];
        snprintf(seccomp, sizeof seccomp, "%s/seccomp.json", spec_dir);
        F.in.seccomp_default = seccomp;
        cset("privileged", json_true());
        cset("devices", STRV("/dev/null:/dev/xnull:r"));
        run_ok();
        json_t *b = jget(F.config, "process.capabilities.bounding");
        assert_int_equal(json_array_size(b), 40); /* 0..40 without SYS_RESOURCE */
        assert_true(json_is_true(jget(F.config, "linux.resources.devices.0.allow")));
        assert_string_equal(jstr("linux.resources.devices.0.access"), "rwm");
        assert_true(json_array_size(jget(F.config, "linux.devices")) > 1);
        assert_null(jget(F.config, "linux.seccomp"));
        assert_false(array_has(json_object_get(mount_at("/sys"), "options"), "ro"));
        assert_int_equal(json_array_size(jget(F.config, "linux.maskedPaths")), 0);
        assert_int_equal(json_array_size(jget(F.config, "linux.readonlyPaths")), 0);
        assert_true(F.res.privileged);
        /* An explicit profile still applies under privileged. */
        cset("seccomp_profile_path", json_string(seccomp));
        run_ok();
        assert_non_null(jget(F.config, "linux.seccomp"));
}

static void test_security(void **state) {
        cset("no_new_privs", json_true());
        cset("readonly_rootfs", json_true());
        run_ok();
        assert_true(json_is_true(jget(F.config, "process.noNewPrivileges")));
        assert_true(json_is_true(jget(F.config, "root.readonly")));

        cset("no_new_privs", json_false());
        cset("security_opts", STRV("no-new-privileges", "label=disable", "mask=/proc/foo:/proc/bar",
                                   "unmask=/proc/kcore"));
        run_ok();
        assert_true(json_is_true(jget(F.config, "process.noNewPrivileges")));
        assert_true(array_has(jget(F.config, "linux.maskedPaths"), "/proc/foo"));
        assert_true(array_has(jget(F.config, "linux.maskedPaths"), "/proc/bar"));
        assert_false(array_has(jget(F.config, "linux.maskedPaths"), "/proc/kcore"));
        assert_true(array_has(jget(F.config, "linux.maskedPaths"), "/proc/keys"));

        cset("security_opts", STRV("systempaths=unconfined"));
        run_ok();
        assert_int_equal(json_array_size(jget(F.config, "linux.maskedPaths")), 0);

        cset("security_opts", STRV("no-new-privileges=false"));
        cset("no_new_privs", json_true());
        run_fails(ERR_INVALID_ARGUMENT, "contradicts no_new_privs");
        cset("no_new_privs", json_false());
        cset("security_opts", STRV("foo=bar"));
        run_fails(ERR_INVALID_ARGUMENT, "security_opts: unknown or malformed option `foo=bar`");
        cset("security_opts", STRV("mask=relative"));
        run_fails(ERR_INVALID_ARGUMENT, "paths must be absolute");

        /* AppArmor and SELinux only where the host has them. */
        cset("security_opts", json_array());
        cset("apparmor_profile", json_string("my-profile"));
        run_fails(ERR_NOT_SUPPORTED, "apparmor_profile `my-profile`: AppArmor is not enabled");
        cset("apparmor_profile", json_string("unconfined"));
        run_ok();
        assert_null(jget(F.config, "process.apparmorProfile"));
        F.host.apparmor = true;
        cset("apparmor_profile", json_string("my-profile"));
        run_ok();
        assert_string_equal(jstr("process.apparmorProfile"), "my-profile");
        cset("security_opts", STRV("apparmor=other"));
        run_fails(ERR_INVALID_ARGUMENT, "contradicts apparmor_profile");
        cset("apparmor_profile", json_string(""));
        run_ok();
        assert_string_equal(jstr("process.apparmorProfile"), "other");

        cset("security_opts", json_array());
        cset("process_label", json_string("system_u:system_r:container_t:s0"));
        run_fails(ERR_NOT_SUPPORTED, "process_label `system_u:system_r:container_t:s0`: SELinux");
        cset("process_label", json_string(""));
        cset("mount_label", json_string("system_u:object_r:container_file_t:s0"));
        run_fails(ERR_NOT_SUPPORTED, "mount_label");
        cset("mount_label", json_string(""));
        cset("security_opts", STRV("label=type:spc_t"));
        run_fails(ERR_NOT_SUPPORTED, "SELinux is not enabled");
        F.host.selinux = true;
        run_fails(ERR_NOT_SUPPORTED, "partial labels are not supported");
        cset("security_opts", json_array());
        cset("process_label", json_string("system_u:system_r:container_t:s0:c1,c2"));
        cset("mount_label", json_string("system_u:object_r:container_file_t:s0:c1,c2"));
        run_ok();
        assert_string_equal(jstr("process.selinuxLabel"), "system_u:system_r:container_t:s0:c1,c2");
        assert_string_equal(jstr("linux.mountLabel"),
                            "system_u:object_r:container_file_t:s0:c1,c2");
        cset("security_opts", STRV("label=disable"));
        run_fails(ERR_INVALID_ARGUMENT, "label=disable contradicts");
}

static json_t *syscall_rule(const char *name) {
        size_t i;
        json_t *r;
        json_array_foreach (jget(F.config, "linux.seccomp.syscalls"), i, r) {
                if (array_has(json_object_get(r, "names"), name))
                        return r;
        }
        return NULL;
}

static void test_seccomp(void **state) {
        char profile[PATH_MAX + 16];
        snprintf(profile, sizeof profile, "%s/seccomp.json", spec_dir);
        F.in.seccomp_default = profile;
        run_ok();
        assert_string_equal(jstr("linux.seccomp.defaultAction"), "SCMP_ACT_ERRNO");
        assert_int_equal(jint("linux.seccomp.defaultErrnoRet"), 38);
        json_t *arches = jget(F.config, "linux.seccomp.architectures");
        assert_int_equal(json_array_size(arches), 3);
        assert_string_equal(json_string_value(json_array_get(arches, 0)), "SCMP_ARCH_X86_64");
        assert_true(array_has(arches, "SCMP_ARCH_X32"));
        assert_non_null(syscall_rule("read"));
        assert_null(json_object_get(syscall_rule("read"), "args"));
        json_t *pers = syscall_rule("personality");
        assert_int_equal(json_integer_value(jget(pers, "args.0.value")), 8);
        assert_string_equal(json_string_value(jget(pers, "args.0.op")), "SCMP_CMP_EQ");
        assert_non_null(syscall_rule("arch_prctl"));   /* includes amd64 */
        assert_null(syscall_rule("arm_fadvise64_64")); /* arm only */
        assert_null(syscall_rule("vm86"));             /* excludes amd64 */
        assert_non_null(syscall_rule("ptrace"));       /* minKernel 4.8 <= 6.1 */
        assert_null(syscall_rule("future_call"));      /* minKernel 99.0 */
        assert_non_null(syscall_rule("sync"));         /* "name" form */
        /* Without CAP_SYS_ADMIN: mount is refused with EPERM. */
        assert_null(syscall_rule("umount2"));
        json_t *mount = syscall_rule("mount");
        assert_string_equal(json_string_value(json_object_get(mount, "action")), "SCMP_ACT_ERRNO");
        assert_int_equal(json_integer_value(json_object_get(mount, "errnoRet")), 1);

        cset("cap_add", STRV("SYS_ADMIN"));
        run_ok();
        assert_non_null(syscall_rule("umount2"));
        assert_string_equal(json_string_value(json_object_get(syscall_rule("mount"), "action")),
                            "SCMP_ACT_ALLOW");

        /* arm64 host: the other archMap entry and arch-specific rules. */
        cset("cap_add", json_array());
        snprintf(F.host.machine, sizeof F.host.machine, "aarch64");
        run_ok();
        arches = jget(F.config, "linux.seccomp.architectures");
        assert_int_equal(json_array_size(arches), 2);
        assert_true(array_has(arches, "SCMP_ARCH_ARM"));
        assert_null(syscall_rule("arch_prctl"));
        assert_non_null(syscall_rule("arm_fadvise64_64"));
        assert_non_null(syscall_rule("vm86"));
        snprintf(F.host.machine, sizeof F.host.machine, "x86_64");

        cset("seccomp_profile_path", json_string("unconfined"));
        run_ok();
        assert_null(jget(F.config, "linux.seccomp"));
        cset("seccomp_profile_path", json_string(""));
        cset("security_opts", STRV("seccomp=unconfined"));
        run_ok();
        assert_null(jget(F.config, "linux.seccomp"));
        cset("security_opts", json_array());
        cset("seccomp_profile_path", json_string("/nonexistent/profile.json"));
        run_fails(ERR_NOT_FOUND, "seccomp_profile_path `/nonexistent/profile.json`");
        cset("seccomp_profile_path", json_string("relative.json"));
        run_fails(ERR_INVALID_ARGUMENT, "not an absolute path");
        cset("seccomp_profile_path", json_string(profile));
        cset("security_opts", STRV("seccomp=/other.json"));
        run_fails(ERR_INVALID_ARGUMENT, "contradicts seccomp_profile_path");
        cset("security_opts", json_array());

        /* The translator on bad and edge profiles. */
        static const struct {
                const char *profile, *error;
                ErrorKind kind;
        } bad[] = {
                { "[]", "not a JSON object", ERR_INVALID_ARGUMENT },
                { "{\"defaultAction\":\"SCMP_ACT_DANCE\",\"syscalls\":[]}", "unknown action",
                  ERR_INVALID_ARGUMENT },
                { "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86\"],"
                  "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\"}]}",
                  "both architectures and archMap", ERR_INVALID_ARGUMENT },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],"
                  "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
                  "SCMP_ACT_NOTIFY", ERR_NOT_SUPPORTED },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"name\":\"x\","
                  "\"names\":[\"y\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
                  "both name and names", ERR_INVALID_ARGUMENT },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],"
                  "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":6,\"value\":0,\"op\":"
                  "\"SCMP_CMP_EQ\"}]}]}",
                  "invalid syscall argument", ERR_INVALID_ARGUMENT },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],"
                  "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":0,\"op\":"
                  "\"SCMP_CMP_ABOUT\"}]}]}",
                  "invalid syscall argument", ERR_INVALID_ARGUMENT },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],"
                  "\"action\":\"SCMP_ACT_ALLOW\",\"includes\":[]}]}",
                  "must be objects", ERR_INVALID_ARGUMENT },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                json_t *p = json_loads(bad[i].profile, 0, NULL);
                assert_non_null(p);
                json_t *out = (json_t *)0x1;
                Error *err = NULL;
                assert_true(spec_seccomp_translate(p, "x86_64", 0, "6.1", &out, &err) < 0);
                if (!strstr(err->message, bad[i].error) || err->kind != bad[i].kind)
                        fail_msg("profile %zu: `%s`", i, err->message);
                assert_ptr_equal(out, (json_t *)0x1);
                err_free(err);
                json_decref(p);
        }
        json_t *p = json_loads("{\"defaultAction\":\"\",\"syscalls\":[]}", 0, NULL);
        json_t *out = (json_t *)0x1;
        assert_int_equal(spec_seccomp_translate(p, "x86_64", 0, "6.1", &out, NULL), 0);
        assert_null(out); /* seccomp off */
        json_decref(p);

        /* The distribution's profile, when this host has it. */
        if (access("/usr/share/containers/seccomp.json", R_OK) == 0) {
                cset("seccomp_profile_path", json_string(""));
                F.in.seccomp_default = "/usr/share/containers/seccomp.json";
                run_ok();
                assert_true(json_array_size(jget(F.config, "linux.seccomp.syscalls")) > 5);
                assert_non_null(syscall_rule("execve"));
                /* bpf is allowed only with CAP_SYS_ADMIN, refused otherwise. */
                assert_string_equal(
                        json_string_value(json_object_get(syscall_rule("bpf"), "action")),
                        "SCMP_ACT_ERRNO");
        }
}

static void test_rlimits(void **state) {
        rset("ulimit", STRV("nofile=1024:2048", "nproc=100", "core=0", "stack=unlimited"));
        run_ok();
        json_t *rl = jget(F.config, "process.rlimits");
        assert_int_equal(json_array_size(rl), 4);
        size_t i;
        json_t *e;
        bool nofile = false, stack = false;
        json_array_foreach (rl, i, e) {
                const char *t = json_string_value(json_object_get(e, "type"));
                json_int_t soft = json_integer_value(json_object_get(e, "soft"));
                json_int_t hard = json_integer_value(json_object_get(e, "hard"));
                if (STREQ(t, "RLIMIT_NOFILE")) {
                        nofile = true;
                        assert_true(soft == 1024 && hard == 2048);
                } else if (STREQ(t, "RLIMIT_NPROC"))
                        assert_true(soft == 100 && hard == 100);
                else if (STREQ(t, "RLIMIT_STACK")) {
                        stack = true;
                        assert_int_equal(hard, INT64_MAX);
                }
        }
        assert_true(nofile && stack);

        rset("ulimit", STRV("nofile=30000"));
        run_fails(ERR_NOT_SUPPORTED, "resources.ulimit `nofile=30000`: the hard limit exceeds the "
                                     "engine's own (20000)");
        /* With CAP_SYS_RESOURCE the engine may raise limits. */
        F.host.caps |= UINT64_C(1) << 24;
        run_ok();
        rset("ulimit", json_array());
        run_ok();
        json_array_foreach (jget(F.config, "process.rlimits"), i, e) {
                if (STREQ(json_string_value(json_object_get(e, "type")), "RLIMIT_NOFILE"))
                        assert_int_equal(json_integer_value(json_object_get(e, "hard")), 1048576);
        }
        rset("ulimit", STRV("nofile=2000000"));
        run_fails(ERR_NOT_SUPPORTED, "above the kernel's fs.nr_open (1048576)");
        F.host.nr_open = 65536;
        rset("ulimit", json_array());
        run_ok();
        json_array_foreach (jget(F.config, "process.rlimits"), i, e) {
                if (STREQ(json_string_value(json_object_get(e, "type")), "RLIMIT_NOFILE"))
                        assert_int_equal(json_integer_value(json_object_get(e, "hard")), 65536);
        }
        rset("ulimit", STRV("nofile=1", "NOFILE=2"));
        run_fails(ERR_INVALID_ARGUMENT, "RLIMIT_NOFILE is given twice");
        rset("ulimit", STRV("bogus=1"));
        run_fails(ERR_INVALID_ARGUMENT, "unknown limit `bogus`");
}

/* Some block device of the host for the device limits, or NULL. */
static const char *block_device(void) {
        static const char *const candidates[] = { "/dev/loop0", "/dev/vda", "/dev/sda",
                                                  "/dev/nvme0n1", "/dev/xvda" };
        struct stat st;
        for (size_t i = 0; i < ELEMENTSOF(candidates); i++)
                if (stat(candidates[i], &st) == 0 && S_ISBLK(st.st_mode))
                        return candidates[i];
        return NULL;
}

static void test_resources(void **state) {
        rset("memory", json_integer(256 << 20));
        rset("memory_reservation", json_integer(128 << 20));
        rset("memory_swap", json_integer(512 << 20));
        rset("memory_swappiness", json_integer(30));
        rset("disable_oomkiller", json_true());
        rset("cpu_shares", json_integer(512));
        rset("cpu_period", json_integer(50000));
        rset("cpu_quota", json_integer(25000));
        rset("cpu_rt_period", json_integer(1000000));
        rset("cpu_rt_runtime", json_integer(950000));
        rset("cpuset_cpus", json_string("0-1"));
        rset("cpuset_mems", json_string("0"));
        rset("pids_limit", json_integer(100));
        rset("oom_score_adj", json_integer(500));
        rset("blkio_weight", json_integer(300));
        run_ok();
        assert_int_equal(jint("linux.resources.memory.limit"), 256 << 20);
        assert_int_equal(jint("linux.resources.memory.reservation"), 128 << 20);
        assert_int_equal(jint("linux.resources.memory.swap"), 512 << 20);
        assert_int_equal(jint("linux.resources.memory.swappiness"), 30);
        assert_true(json_is_true(jget(F.config, "linux.resources.memory.disableOOMKiller")));
        assert_null(jget(F.config, "linux.resources.memory.kernel"));
        assert_int_equal(jint("linux.resources.cpu.shares"), 512);
        assert_int_equal(jint("linux.resources.cpu.period"), 50000);
        assert_int_equal(jint("linux.resources.cpu.quota"), 25000);
        assert_int_equal(jint("linux.resources.cpu.realtimePeriod"), 1000000);
        assert_int_equal(jint("linux.resources.cpu.realtimeRuntime"), 950000);
        assert_string_equal(jstr("linux.resources.cpu.cpus"), "0-1");
        assert_string_equal(jstr("linux.resources.cpu.mems"), "0");
        assert_int_equal(jint("linux.resources.pids.limit"), 100);
        assert_int_equal(jint("process.oomScoreAdj"), 500);
        assert_int_equal(jint("linux.resources.blockIO.weight"), 300);

        /* cpus -> quota over a 100ms period. */
        rset("cpu_period", json_integer(0));
        rset("cpu_quota", json_integer(0));
        rset("cpus", json_real(1.5));
        run_ok();
        assert_int_equal(jint("linux.resources.cpu.period"), 100000);
        assert_int_equal(jint("linux.resources.cpu.quota"), 150000);
        rset("cpu_period", json_integer(100000));
        run_fails(ERR_INVALID_ARGUMENT, "resources.cpus conflicts with cpu_period/cpu_quota");
        rset("cpu_period", json_integer(0));
        rset("cpus", json_real(0.001));
        run_fails(ERR_INVALID_ARGUMENT, "the minimum is 0.01");
        rset("cpus", json_integer(2)); /* an integral float arrives as an integer */
        run_ok();
        assert_int_equal(jint("linux.resources.cpu.quota"), 200000);
        rset("cpus", json_real(-1));
        run_fails(ERR_INVALID_ARGUMENT, "resources.cpus must not be negative");
        rset("cpus", json_real(0));

        /* memory_swap -1: unlimited swap. */
        rset("memory_swap", json_integer(-1));
        run_ok();
        assert_int_equal(jint("linux.resources.memory.swap"), -1);

        static const struct {
                const char *key;
                json_int_t value;
                const char *error;
                ErrorKind kind;
        } bad[] = {
                { "memory", 1024, "resources.memory 1024: the minimum is 4 MiB",
                  ERR_INVALID_ARGUMENT },
                { "memory", -5, "resources.memory", ERR_INVALID_ARGUMENT },
                { "memory_reservation", 1 << 30, "memory_reservation", ERR_INVALID_ARGUMENT },
                { "memory_swap", 1 << 20, "must not be below", ERR_INVALID_ARGUMENT },
                { "memory_swap", -2, "memory_swap -2", ERR_INVALID_ARGUMENT },
                { "kernel_memory", 64 << 20,
                  "resources.kernel_memory: kernel memory limits are "
                  "not supported",
                  ERR_NOT_SUPPORTED },
                { "memory_swappiness", 101, "memory_swappiness 101", ERR_INVALID_ARGUMENT },
                { "cpu_shares", 1, "cpu_shares 1", ERR_INVALID_ARGUMENT },
                { "cpu_period", 500, "cpu_period 500", ERR_INVALID_ARGUMENT },
                { "cpu_quota", 10, "cpu_quota 10", ERR_INVALID_ARGUMENT },
                { "cpu_rt_runtime", 2000000, "must not exceed", ERR_INVALID_ARGUMENT },
                { "pids_limit", -2, "pids_limit -2", ERR_INVALID_ARGUMENT },
                { "blkio_weight", 5, "blkio_weight 5: expected 10..1000", ERR_INVALID_ARGUMENT },
                { "blkio_weight", 70000, "blkio_weight 70000", ERR_INVALID_ARGUMENT },
                { "oom_score_adj", 1001, "oom_score_adj 1001", ERR_INVALID_ARGUMENT },
                { "oom_score_adj", -500, "below the engine's own 0, which needs CAP_SYS_RESOURCE",
                  ERR_NOT_SUPPORTED },
                { "shm_size", -1, "shm_size must not be negative", ERR_INVALID_ARGUMENT },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                json_t *r = json_object_get(F.create, "resources");
                json_t *saved = json_incref(json_object_get(r, bad[i].key));
                rset(bad[i].key, json_integer(bad[i].value));
                run_fails(bad[i].kind, bad[i].error);
                json_object_set_new(r, bad[i].key, saved);
        }
        rset("cpuset_cpus", json_string("0-"));
        run_fails(ERR_INVALID_ARGUMENT, "resources.cpuset_cpus: invalid cpu or memory node list");
        rset("cpuset_cpus", json_string(""));
        rset("cpuset_mems", json_string("x"));
        run_fails(ERR_INVALID_ARGUMENT, "resources.cpuset_mems");
        rset("cpuset_mems", json_string(""));

        /* What the host cannot do. */
        F.host.memory_swap = false;
        rset("memory_swap", json_integer(1 << 30));
        run_fails(ERR_NOT_SUPPORTED, "does not account swap");
        rset("memory_swap", json_integer(0));
        F.host.cpu_rt = false;
        run_fails(ERR_NOT_SUPPORTED, "real-time group scheduling");
        rset("cpu_rt_period", json_integer(0));
        rset("cpu_rt_runtime", json_integer(0));
        F.host.blkio_weight = false;
        run_fails(ERR_NOT_SUPPORTED, "resources.blkio_weight: no I/O scheduler with weights");
        rset("blkio_weight", json_integer(0));
        F.host.cgroup_mode = SPEC_CGROUP_V2;
        run_fails(ERR_NOT_SUPPORTED, "memory_swappiness: not available with cgroup v2");
        rset("memory_swappiness", json_integer(0));
        run_fails(ERR_NOT_SUPPORTED, "disable_oomkiller: not available with cgroup v2");
        rset("disable_oomkiller", json_false());
        run_ok();
        assert_non_null(namespace_of("cgroup")); /* private on cgroup v2 */
        assert_null(jget(F.config, "linux.resources.memory.swappiness"));
        /* Lowering oom_score_adj is fine with CAP_SYS_RESOURCE. */
        F.host.caps |= UINT64_C(1) << 24;
        rset("oom_score_adj", json_integer(-500));
        run_ok();
        assert_int_equal(jint("process.oomScoreAdj"), -500);
}

static void test_device_limits(void **state) {
        const char *dev = block_device();
        if (!dev) {
                fprintf(stderr, "skipped: no block device (loop0, vda, sda, ...) on this host\n");
                skip();
        }
        struct stat st;
        assert_int_equal(stat(dev, &st), 0);
        _cleanup_free_ char *w = xasprintf("%s:200", dev);
        _cleanup_free_ char *rb = xasprintf("%s:1mb", dev);
        _cleanup_free_ char *wb = xasprintf("%s:2mb", dev);
        _cleanup_free_ char *ri = xasprintf("%s:100", dev);
        _cleanup_free_ char *wi = xasprintf("%s:50", dev);
        rset("blkio_weight_device", STRV(w));
        rset("device_read_bps", STRV(rb));
        rset("device_write_bps", STRV(wb));
        rset("device_read_iops", STRV(ri));
        rset("device_write_iops", STRV(wi));
        run_ok();
        assert_int_equal(jint("linux.resources.blockIO.weightDevice.0.major"), major(st.st_rdev));
        assert_int_equal(jint("linux.resources.blockIO.weightDevice.0.minor"), minor(st.st_rdev));
        assert_int_equal(jint("linux.resources.blockIO.weightDevice.0.weight"), 200);
        /* Each field in its own place, not the reference's swapped ones. */
        assert_int_equal(jint("linux.resources.blockIO.throttleReadBpsDevice.0.rate"), 1 << 20);
        assert_int_equal(jint("linux.resources.blockIO.throttleWriteBpsDevice.0.rate"), 2 << 20);
        assert_int_equal(jint("linux.resources.blockIO.throttleReadIOPSDevice.0.rate"), 100);
        assert_int_equal(jint("linux.resources.blockIO.throttleWriteIOPSDevice.0.rate"), 50);

        rset("device_read_bps", STRV("/dev/null:1mb"));
        run_fails(ERR_INVALID_ARGUMENT,
                  "resources.device_read_bps: `/dev/null` is not a block device");
        rset("device_read_bps", STRV("/dev/nonexistent-disk:1mb"));
        run_fails(ERR_NOT_FOUND, "resources.device_read_bps: device `/dev/nonexistent-disk`");
        rset("device_read_bps", STRV("/dev/sda"));
        run_fails(ERR_INVALID_ARGUMENT, "resources.device_read_bps");
        rset("device_read_bps", json_array());
        F.host.blkio_weight = false;
        run_fails(ERR_NOT_SUPPORTED, "resources.blkio_weight_device: no I/O scheduler");
}

static void test_devices(void **state) {
        struct stat null_st;
        assert_int_equal(stat("/dev/null", &null_st), 0);
        cset("devices", STRV("/dev/null:/dev/mynull:rw", "/dev/zero"));
        run_ok();
        json_t *devs = jget(F.config, "linux.devices");
        assert_int_equal(json_array_size(devs), 2);
        assert_string_equal(jstr("linux.devices.0.path"), "/dev/mynull");
        assert_string_equal(jstr("linux.devices.0.type"), "c");
        assert_int_equal(jint("linux.devices.0.major"), major(null_st.st_rdev));
        assert_int_equal(jint("linux.devices.0.minor"), minor(null_st.st_rdev));
        assert_int_equal(jint("linux.devices.0.fileMode"), null_st.st_mode & 07777);
        json_t *rules = jget(F.config, "linux.resources.devices");
        assert_int_equal(json_array_size(rules), 3);
        assert_true(json_is_true(jget(rules, "1.allow")));
        assert_string_equal(json_string_value(jget(rules, "1.access")), "rw");
        assert_string_equal(json_string_value(jget(rules, "2.access")), "rwm");

        struct stat st;
        if (stat("/dev/net/tun", &st) == 0) {
                cset("devices", STRV("/dev/net:/dev/vnet"));
                run_ok();
                assert_string_equal(jstr("linux.devices.0.path"), "/dev/vnet/tun");
        }
        cset("devices", STRV("/dev/null", "/dev/null"));
        run_fails(ERR_INVALID_ARGUMENT, "devices: `/dev/null` is given twice");
        cset("devices", STRV("/dev/no-such-device"));
        run_fails(ERR_NOT_FOUND, "devices `/dev/no-such-device`");
        _cleanup_free_ char *file = xasprintf("%s/etc/passwd", rootfs);
        cset("devices", STRV(file));
        run_fails(ERR_INVALID_ARGUMENT, "is not a device");
        cset("devices", STRV("/dev/null:/dev/x:rwx"));
        run_fails(ERR_INVALID_ARGUMENT, "invalid permissions");
}

static void test_sysctl(void **state) {
        cset("sys_ctl",
             json_pack("{s:s, s:s, s:s, s:s}", "net.ipv4.ip_forward", "1", "kernel.shmmax", "65536",
                       "fs.mqueue.msg_max", "20", "kernel.domainname", "example.org"));
        run_ok();
        json_t *s = jget(F.config, "linux.sysctl");
        assert_int_equal(json_object_size(s), 4);
        assert_string_equal(json_string_value(json_object_get(s, "net.ipv4.ip_forward")), "1");
        assert_string_equal(json_string_value(json_object_get(s, "kernel.shmmax")), "65536");

        cset("sys_ctl", json_pack("{s:s}", "vm.swappiness", "10"));
        run_fails(ERR_INVALID_ARGUMENT, "sys_ctl `vm.swappiness`: not a namespaced sysctl");
        cset("sys_ctl", json_pack("{s:s}", "net/ipv4/ip_forward", "1"));
        run_fails(ERR_INVALID_ARGUMENT, "invalid sysctl name");
        cset("sys_ctl", json_pack("{s:s}", "net.ipv4.ip_forward", ""));
        run_fails(ERR_INVALID_ARGUMENT, "invalid value");
        cset("sys_ctl", json_pack("{s:s}", "net.ipv4.ip_forward", "1"));
        cset("net_mode", json_string("host"));
        run_fails(ERR_INVALID_ARGUMENT, "cannot be set with the host's network namespace");
        cset("net_mode", json_string(""));
        cset("ipc_mode", json_string("host"));
        cset("sys_ctl", json_pack("{s:s}", "kernel.sem", "1 2 3 4"));
        run_fails(ERR_INVALID_ARGUMENT, "cannot be set with the host's ipc namespace");
}

static void test_tmpfs(void **state) {
        cset("tmpfs", STRV("/run:rw,size=64m", "/tmp"));
        run_ok();
        json_t *m = mount_at("/run");
        assert_non_null(m);
        assert_string_equal(json_string_value(json_object_get(m, "type")), "tmpfs");
        assert_string_equal(json_string_value(json_object_get(m, "source")), "tmpfs");
        assert_true(array_has(json_object_get(m, "options"), "size=64m"));
        assert_true(array_has(json_object_get(m, "options"), "noexec"));
        assert_true(array_has(json_object_get(mount_at("/tmp"), "options"), "size=65536k"));
        /* A tmpfs at /dev/shm replaces the default one. */
        cset("tmpfs", STRV("/dev/shm:size=1g"));
        run_ok();
        assert_true(array_has(json_object_get(mount_at("/dev/shm"), "options"), "size=1g"));
        cset("tmpfs", STRV("/run", "/run/"));
        run_fails(ERR_INVALID_ARGUMENT, "tmpfs `/run/`: destination `/run` is mounted twice");
        cset("tmpfs", STRV("/run:bogus"));
        run_fails(ERR_INVALID_ARGUMENT, "tmpfs `/run:bogus`: unknown option `bogus`");
        cset("tmpfs", STRV("/data"));
        cset("volumes", STRV("/tmp:/data"));
        run_fails(ERR_INVALID_ARGUMENT, "destination `/data` is mounted twice");
}

static bool is_dir(const char *path) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_volumes(void **state) {
        _cleanup_free_ char *bind = xasprintf("%s:/data:ro", spec_dir);
        cset("volumes", STRV(bind, "named1:/var/lib/x", "/anon", "named1:/var/lib/y:nosuid"));
        json_object_set_new(F.image, "Volumes",
                            json_pack("{s:{}, s:{}}", "/var/lib/x", "/image/vol"));
        cset("builtin_imgvolumes", STRV("/builtin"));
        run_ok();
        json_t *m = mount_at("/data");
        assert_string_equal(json_string_value(json_object_get(m, "type")), "bind");
        assert_string_equal(json_string_value(json_object_get(m, "source")), spec_dir);
        assert_true(array_has(json_object_get(m, "options"), "ro"));
        assert_true(array_has(json_object_get(m, "options"), "rbind"));
        /* named1 twice, the anonymous one, and two image volumes (/var/lib/x
         * is covered by the request). */
        assert_int_equal(F.res.n_volumes, 5);
        assert_string_equal(F.res.volumes[0].name, "named1");
        assert_string_equal(F.res.volumes[0].destination, "/var/lib/x");
        assert_true(F.res.volumes[0].created);
        assert_false(F.res.volumes[0].anonymous);
        assert_false(F.res.volumes[2].created); /* named1 again: exists */
        assert_true(F.res.volumes[3].anonymous && F.res.volumes[4].anonymous);
        _cleanup_free_ char *data = xasprintf("%s/named1/_data", volumes_root);
        assert_string_equal(F.res.volumes[0].source, data);
        assert_true(is_dir(data));
        assert_string_equal(json_string_value(json_object_get(mount_at("/var/lib/x"), "source")),
                            data);
        assert_true(array_has(json_object_get(mount_at("/var/lib/y"), "options"), "nosuid"));
        assert_true(F.res.volumes[1].anonymous);
        assert_int_equal(strlen(F.res.volumes[1].name), 64);
        assert_true(is_dir(F.res.volumes[1].source));
        assert_non_null(mount_at("/image/vol"));
        assert_non_null(mount_at("/builtin"));
        /* User mounts come parents first. */
        size_t i;
        json_t *e;
        size_t last_depth = 0;
        bool user = false;
        json_array_foreach (json_object_get(F.config, "mounts"), i, e) {
                const char *d = json_string_value(json_object_get(e, "destination"));
                if (STREQ(d, "/data"))
                        user = true;
                if (!user)
                        continue;
                size_t depth = 0;
                for (const char *p = d; *p; p++)
                        depth += *p == '/';
                assert_true(depth >= last_depth);
                last_depth = depth;
        }

        cset("image_volume_type", json_string("tmpfs"));
        cset("volumes", json_array());
        run_ok();
        assert_string_equal(json_string_value(json_object_get(mount_at("/image/vol"), "type")),
                            "tmpfs");
        assert_int_equal(F.res.n_volumes, 0);
        cset("image_volume_type", json_string("ignore"));
        run_ok();
        assert_null(mount_at("/image/vol"));
        cset("image_volume_type", json_string("weird"));
        run_fails(ERR_INVALID_ARGUMENT, "image_volume_type `weird`");
        cset("image_volume_type", json_string("bind"));

        cset("volumes", STRV("/nonexistent/host/path:/x"));
        run_fails(ERR_NOT_FOUND,
                  "volumes `/nonexistent/host/path:/x`: source `/nonexistent/host/path`");
        cset("volumes", STRV("bad name:/x"));
        run_fails(ERR_INVALID_ARGUMENT, "neither an absolute path nor a volume name");
        cset("volumes", STRV("/tmp:/x", "/tmp:/x/"));
        run_fails(ERR_INVALID_ARGUMENT, "mounted twice");
        json_object_set_new(F.image, "Volumes", json_pack("{s:{}}", "relative"));
        cset("volumes", json_array());
        run_fails(ERR_INVALID_ARGUMENT, "image volume");

        /* Named volumes without a volume directory cannot be. */
        json_object_del(F.image, "Volumes");
        cset("volumes", STRV("v:/x"));
        F.in.volumes_root = NULL;
        run_fails(ERR_NOT_SUPPORTED, "named volumes need the engine's volume directory");

        /* A failure while creating volumes leaves nothing behind. */
        char blocker[PATH_MAX + 16];
        snprintf(blocker, sizeof blocker, "%s/volumes-blocked", tmp_dir);
        _cleanup_free_ char *blocked = xasprintf("%s/good", blocker);
        assert_int_equal(mkdir(blocker, 0755) == 0 || errno == EEXIST, 1);
        _cleanup_free_ char *file = xasprintf("%s/bad", blocker);
        FILE *f = fopen(file, "we");
        assert_non_null(f);
        fclose(f);
        F.in.volumes_root = blocker;
        cset("volumes", STRV("good:/a", "bad:/b"));
        run_fails(ERR_SYSTEM, "bad");
        assert_false(is_dir(blocked));
}

static void test_user_mount_overrides(void **state) {
        cset("volumes", STRV("/tmp:/etc/hosts", "/tmp:/dev/shm"));
        run_ok();
        assert_string_equal(json_string_value(json_object_get(mount_at("/etc/hosts"), "source")),
                            "/tmp");
        assert_string_equal(json_string_value(json_object_get(mount_at("/dev/shm"), "source")),
                            "/tmp");
        F.in.hosts_path = NULL;
        F.in.resolv_conf_path = NULL;
        F.in.hostname_path = NULL;
        cset("volumes", json_array());
        run_ok();
        assert_null(mount_at("/etc/hosts"));
        assert_null(mount_at("/etc/resolv.conf"));
        assert_null(mount_at("/etc/hostname"));
}

static void test_shm(void **state) {
        rset("shm_size", json_integer(1 << 20));
        run_ok();
        assert_true(array_has(json_object_get(mount_at("/dev/shm"), "options"), "size=1048576"));
        rset("shm_size", json_integer(0));
        cset("shm_dir", json_string(tmp_dir));
        run_ok();
        assert_string_equal(json_string_value(json_object_get(mount_at("/dev/shm"), "source")),
                            tmp_dir);
        cset("shm_dir", json_string("/nonexistent-shm"));
        run_fails(ERR_NOT_FOUND, "shm_dir `/nonexistent-shm`");
        cset("shm_dir", json_string("rel"));
        run_fails(ERR_INVALID_ARGUMENT, "shm_dir `rel` is not an absolute path");
        cset("shm_dir", json_string(""));
        cset("ipc_mode", json_string("host"));
        run_ok();
        assert_null(namespace_of("ipc"));
        assert_string_equal(json_string_value(json_object_get(mount_at("/dev/shm"), "source")),
                            "/dev/shm");
        assert_string_equal(json_string_value(json_object_get(mount_at("/dev/mqueue"), "type")),
                            "bind");
        rset("shm_size", json_integer(1 << 20));
        run_fails(ERR_INVALID_ARGUMENT, "cannot size the host's /dev/shm");
        rset("shm_size", json_integer(0));
        cset("ipc_mode", json_string("container:peer"));
        run_ok();
        assert_string_equal(json_string_value(json_object_get(namespace_of("ipc"), "path")),
                            "/proc/self/ns/ipc");
        assert_string_equal(json_string_value(json_object_get(mount_at("/dev/shm"), "source")),
                            "/dev/shm");
        assert_string_equal(F.res.dependencies[0], "peer");
        F.in.peer_shm = NULL;
        run_fails(ERR_NOT_SUPPORTED, "sharing /dev/shm is not available");
}

static void test_init(void **state) {
        cset("init", json_true());
        cset("command", STRV("sleep", "1"));
        run_ok();
        assert_true(F.res.init);
        assert_string_equal(F.res.args[0], "/dev/init");
        assert_string_equal(F.res.args[1], "--");
        assert_string_equal(F.res.args[2], "sleep");
        json_t *m = mount_at("/dev/init");
        assert_non_null(m);
        assert_string_equal(json_string_value(json_object_get(m, "source")), "/bin/sh");
        assert_true(array_has(json_object_get(m, "options"), "ro"));
        cset("init_path", json_string("/bin/true"));
        run_ok();
        assert_string_equal(json_string_value(json_object_get(mount_at("/dev/init"), "source")),
                            "/bin/true");
        cset("init_path", json_string("/nonexistent/catatonit"));
        run_fails(ERR_NOT_FOUND, "init binary `/nonexistent/catatonit`");
        cset("init", json_false());
        run_fails(ERR_INVALID_ARGUMENT,
                  "init_path `/nonexistent/catatonit` is given but init is false");
}

static void test_stop(void **state) {
        json_object_set_new(F.image, "StopSignal", json_string("SIGKILL"));
        run_ok();
        assert_int_equal(F.res.stop_signal, SIGKILL);
        cset("stop_signal", json_integer(2));
        cset("stop_timeout", json_integer(30));
        run_ok();
        assert_int_equal(F.res.stop_signal, 2);
        assert_int_equal(F.res.stop_timeout, 30);
        cset("stop_signal", json_integer(0));
        json_object_set_new(F.image, "StopSignal", json_string("SIGWHAT"));
        run_fails(ERR_INVALID_ARGUMENT, "image StopSignal: invalid signal `SIGWHAT`");
        cset("stop_signal", json_integer(99));
        run_fails(ERR_INVALID_ARGUMENT, "stop_signal 99");
        cset("stop_signal", json_integer(15));
        cset("stop_timeout", json_integer(-1));
        run_fails(ERR_INVALID_ARGUMENT, "stop_timeout -1");
}

static void test_labels(void **state) {
        json_object_set_new(F.image, "Labels", json_pack("{s:s, s:s}", "a", "image", "b", "image"));
        cset("labels", json_pack("{s:s, s:s}", "b", "create", "c", "create"));
        json_t *ann = json_pack("{s:s}", "org.example/x", "y");
        F.in.annotations = ann;
        cset("tty", json_true());
        cset("interactive", json_true());
        run_ok();
        assert_int_equal(json_object_size(F.res.labels), 3);
        assert_string_equal(json_string_value(json_object_get(F.res.labels, "a")), "image");
        assert_string_equal(json_string_value(json_object_get(F.res.labels, "b")), "create");
        json_t *a = json_object_get(F.config, "annotations");
        assert_string_equal(json_string_value(json_object_get(a, "org.example/x")), "y");
        assert_string_equal(json_string_value(json_object_get(a, "io.kubernetes.cri-o.TTY")),
                            "true");
        assert_true(json_is_true(jget(F.config, "process.terminal")));
        assert_true(F.res.tty);
        assert_true(F.res.stdin_open);
        json_decref(ann);
        F.in.annotations = NULL;
}

static void test_hostname(void **state) {
        cset("hostname", json_string("web"));
        run_ok();
        assert_string_equal(jstr("hostname"), "web");
        assert_true(env_has("HOSTNAME=web"));
        cset("hostname", json_string("bad host"));
        run_fails(ERR_INVALID_ARGUMENT, "hostname `bad host` is not valid");
        cset("hostname", json_string("web"));
        cset("uts_mode", json_string("host"));
        run_fails(ERR_INVALID_ARGUMENT, "cannot be set with the host's UTS namespace");
        cset("hostname", json_string(""));
        run_ok();
        assert_null(jget(F.config, "hostname"));
        assert_string_equal(F.res.hostname, "testhost");
        /* The host's network implies the host's hostname (docker's rule). */
        cset("uts_mode", json_string(""));
        cset("net_mode", json_string("host"));
        run_ok();
        assert_null(namespace_of("uts"));
        assert_null(namespace_of("network"));
        assert_string_equal(F.res.netns, "host");
        assert_string_equal(F.res.net_mode, "host");
        cset("hostname", json_string("mine"));
        run_ok();
        assert_non_null(namespace_of("uts"));
        assert_string_equal(jstr("hostname"), "mine");
        cset("uts_mode", json_string("container:peer"));
        run_fails(ERR_INVALID_ARGUMENT, "cannot be set when joining another UTS namespace");
}

static void test_namespaces(void **state) {
        cset("pid_mode", json_string("host"));
        cset("ipc_mode", json_string("private"));
        cset("uts_mode", json_string("ns:/proc/self/ns/uts"));
        run_ok();
        assert_null(namespace_of("pid"));
        assert_non_null(namespace_of("ipc"));
        assert_string_equal(json_string_value(json_object_get(namespace_of("uts"), "path")),
                            "/proc/self/ns/uts");
        cset("pid_mode", json_string("container:peer"));
        run_ok();
        assert_string_equal(json_string_value(json_object_get(namespace_of("pid"), "path")),
                            "/proc/self/ns/pid");
        assert_string_equal(F.res.dependencies[0], "peer");
        assert_null(F.res.dependencies[1]);
        cset("pid_mode", json_string("container:missing"));
        run_fails(ERR_CONTAINER_NOT_FOUND,
                  "pid_mode `container:missing`: no container with name or ID missing found");
        cset("pid_mode", json_string("container:"));
        run_fails(ERR_INVALID_ARGUMENT, "pid_mode: empty container name");
        cset("pid_mode", json_string("ns:/nonexistent/ns"));
        run_fails(ERR_NOT_FOUND, "pid_mode `ns:/nonexistent/ns`");
        cset("pid_mode", json_string("ns:relative"));
        run_fails(ERR_INVALID_ARGUMENT, "namespace path must be absolute");
        cset("pid_mode", json_string("shared"));
        run_fails(ERR_INVALID_ARGUMENT, "pid_mode `shared`: expected");
        cset("pid_mode", json_string("container:peer"));
        F.in.peer_namespace = NULL;
        run_fails(ERR_NOT_SUPPORTED, "joining another container's namespace is not available");
}

static void test_network(void **state) {
        cset("net_mode", json_string("none"));
        run_ok();
        assert_non_null(namespace_of("network"));
        assert_string_equal(F.res.net_mode, "none");
        cset("net_mode", json_string("net1,net2"));
        run_ok();
        assert_string_equal(F.res.net_mode, "bridge");
        assert_string_equal(F.res.networks[0], "net1");
        assert_string_equal(F.res.networks[1], "net2");
        cset("net_mode", json_string("net1,"));
        run_fails(ERR_INVALID_ARGUMENT, "empty network name");
        cset("net_mode", json_string("bad/name"));
        run_fails(ERR_INVALID_ARGUMENT, "invalid network name");
        cset("net_mode", json_string(""));
        cset("network", json_string("host"));
        run_ok();
        assert_null(namespace_of("network"));
        cset("net_mode", json_string("bridge"));
        run_fails(ERR_INVALID_ARGUMENT, "net_mode `bridge` and network `host` disagree");
        cset("network", json_string(""));
        cset("net_mode", json_string("container:peer"));
        run_ok();
        assert_string_equal(json_string_value(json_object_get(namespace_of("network"), "path")),
                            "/proc/self/ns/net");
        /* The engine's own namespace wins. */
        cset("net_mode", json_string("bridge"));
        F.in.netns = "/run/netns/cni-1234";
        run_ok();
        assert_string_equal(json_string_value(json_object_get(namespace_of("network"), "path")),
                            "/run/netns/cni-1234");
        assert_string_equal(F.res.netns, "/run/netns/cni-1234");
        F.in.netns = "host";
        cset("hostname", json_string("x"));
        run_ok();
        assert_null(namespace_of("network"));
        F.in.netns = "weird";
        run_fails(ERR_INVALID_ARGUMENT, "expected \"host\" or a path");
}

static void test_pod(void **state) {
        F.in.pod_infra = "infra";
        F.in.pod_shares = (1u << SPEC_NS_NETWORK) | (1u << SPEC_NS_IPC) | (1u << SPEC_NS_UTS);
        run_ok();
        assert_string_equal(json_string_value(json_object_get(namespace_of("network"), "path")),
                            "/proc/self/ns/net");
        assert_string_equal(json_string_value(json_object_get(namespace_of("ipc"), "path")),
                            "/proc/self/ns/ipc");
        assert_string_equal(json_string_value(json_object_get(namespace_of("uts"), "path")),
                            "/proc/self/ns/uts");
        assert_null(json_object_get(namespace_of("pid"), "path"));
        assert_null(jget(F.config, "hostname"));
        assert_string_equal(F.res.net_mode, "container:infra");
        assert_string_equal(F.res.dependencies[0], "infra");
        assert_null(F.res.dependencies[1]);
        /* An explicit mode beats the pod's sharing. */
        cset("ipc_mode", json_string("private"));
        run_ok();
        assert_null(json_object_get(namespace_of("ipc"), "path"));
}

static void test_userns(void **state) {
        cset("uidmap", STRV("0:100000:65536"));
        run_ok();
        json_t *user = namespace_of("user");
        assert_non_null(user);
        assert_int_equal(jint("linux.uidMappings.0.hostID"), 100000);
        assert_int_equal(jint("linux.uidMappings.0.size"), 65536);
        assert_int_equal(jint("linux.gidMappings.0.hostID"), 100000); /* one serves both */
        assert_true(array_has(json_object_get(mount_at("/dev/pts"), "options"), "gid=5"));

        cset("gidmap", STRV("0:200000:1", "1:200001:4"));
        cset("user", json_string("daemon"));
        run_ok();
        assert_int_equal(json_array_size(jget(F.config, "linux.gidMappings")), 2);
        /* gid 5 (tty) is not mapped, and alice's groups neither. */
        assert_false(array_has(json_object_get(mount_at("/dev/pts"), "options"), "gid=5"));
        cset("user", json_string("alice"));
        run_fails(ERR_INVALID_ARGUMENT, "user: gid 1000 is not mapped in the user namespace");
        cset("user", json_string("70000"));
        cset("gidmap", json_array());
        run_fails(ERR_INVALID_ARGUMENT, "user: uid 70000 is not mapped");
        cset("user", json_string(""));

        /* Host network + user namespace: /sys is bound, not mounted. */
        cset("net_mode", json_string("host"));
        run_ok();
        assert_string_equal(json_string_value(json_object_get(mount_at("/sys"), "type")), "bind");
        assert_null(mount_at("/sys/fs/cgroup"));
        cset("net_mode", json_string(""));

        cset("uidmap", STRV("0:100000:10", "5:200000:10"));
        run_fails(ERR_INVALID_ARGUMENT, "uidmap: container ranges overlap");
        cset("uidmap", STRV("0:100000"));
        run_fails(ERR_INVALID_ARGUMENT, "uidmap: `0:100000`");
        cset("uidmap", STRV("0:100000:65536"));
        cset("userns_mode", json_string("host"));
        run_fails(ERR_INVALID_ARGUMENT, "userns_mode host contradicts");
        cset("userns_mode", json_string(""));
        cset("subuidname", json_string("alice"));
        run_fails(ERR_INVALID_ARGUMENT, "are alternatives");
        cset("uidmap", json_array());
        run_ok();
        assert_int_equal(jint("linux.uidMappings.0.containerID"), 0);
        assert_int_equal(jint("linux.uidMappings.0.hostID"), 100000);
        cset("subuidname", json_string(""));
        cset("subgidname", json_string("bob"));
        run_ok();
        assert_int_equal(json_array_size(jget(F.config, "linux.uidMappings")), 2);
        assert_int_equal(jint("linux.uidMappings.1.containerID"), 1000);
        assert_int_equal(jint("linux.uidMappings.1.hostID"), 300000);
        cset("subgidname", json_string("carol"));
        run_fails(ERR_NOT_FOUND, "subuidname `carol`: no ranges");
        cset("subgidname", json_string(""));

        cset("subuidmap", json_string("0:300000:1000,1000:400000:10"));
        run_ok();
        assert_int_equal(json_array_size(jget(F.config, "linux.uidMappings")), 2);
        cset("subuidmap", json_string(""));

        json_t *idm = json_object_get(F.create, "id_mappings");
        json_object_set_new(json_object_get(idm, "uid_map"), "size", json_integer(1000));
        json_object_set_new(json_object_get(idm, "uid_map"), "host_id", json_integer(500000));
        run_ok();
        assert_int_equal(jint("linux.uidMappings.0.hostID"), 500000);
        json_object_set_new(idm, "host_uid_mapping", json_true());
        run_fails(ERR_INVALID_ARGUMENT, "host_uid_mapping contradicts uid_map");
        json_object_set_new(idm, "host_uid_mapping", json_false());
        json_object_set_new(json_object_get(idm, "uid_map"), "size", json_integer(0));

        cset("userns_mode", json_string("private"));
        run_fails(ERR_INVALID_ARGUMENT, "userns_mode private needs uidmap");
        /* Joining: the mappings come from the other process. */
        cset("userns_mode", json_string("container:peer"));
        run_ok();
        assert_string_equal(json_string_value(json_object_get(namespace_of("user"), "path")),
                            "/proc/self/ns/user");
        assert_true(json_array_size(jget(F.config, "linux.uidMappings")) > 0);
        cset("userns_mode", json_string("ns:/proc/self/ns/user"));
        run_ok(); /* a /proc path: its maps are readable */
        cset("userns_mode", json_string("ns:/dev/null"));
        run_fails(ERR_INVALID_ARGUMENT, "give uidmap/gidmap");

        /* Volumes made for a user namespace belong to its root. */
        cset("userns_mode", json_string(""));
        cset("uidmap", STRV("0:4242:100"));
        cset("volumes", STRV("usernsvol:/v"));
        run_ok();
        struct stat st;
        assert_int_equal(stat(F.res.volumes[0].source, &st), 0);
        assert_int_equal(st.st_uid, 4242);
        assert_int_equal(st.st_gid, 4242);
}

static void test_ports(void **state) {
        json_object_set_new(F.image, "ExposedPorts",
                            json_pack("{s:{}, s:{}}", "443/tcp", "53/udp"));
        cset("exposed_ports", STRV("7000-7001", "443"));
        cset("publish", STRV("18080:80", "127.0.0.1:18081:81/udp", "[::1]:18082:82",
                             "19000-19001:90-91", "83"));
        run_ok();
        assert_int_equal(spec_strv_length(F.res.exposed_ports), 4);
        assert_true(spec_strv_contains(F.res.exposed_ports, "7001/tcp"));
        assert_true(spec_strv_contains(F.res.exposed_ports, "53/udp"));
        assert_int_equal(F.res.n_ports, 6);
        assert_true(F.res.ports[0].host_port == 18080 && F.res.ports[0].container_port == 80);
        assert_string_equal(F.res.ports[0].protocol, "tcp");
        assert_string_equal(F.res.ports[0].host_ip, "");
        assert_string_equal(F.res.ports[1].host_ip, "127.0.0.1");
        assert_string_equal(F.res.ports[1].protocol, "udp");
        assert_string_equal(F.res.ports[2].host_ip, "::1");
        assert_true(F.res.ports[4].host_port == 19001 && F.res.ports[4].container_port == 91);
        assert_true(F.res.ports[5].host_port > 0 && F.res.ports[5].container_port == 83);

        cset("publish_all", json_true());
        cset("publish", STRV("18443:443"));
        run_ok();
        /* 443 published explicitly; 53/udp and 7000-7001 get random ports. */
        assert_int_equal(F.res.n_ports, 4);
        for (size_t i = 1; i < F.res.n_ports; i++) {
                assert_true(F.res.ports[i].host_port > 0);
                for (size_t k = 0; k < i; k++)
                        assert_false(F.res.ports[i].host_port == F.res.ports[k].host_port &&
                                     STREQ(F.res.ports[i].protocol, F.res.ports[k].protocol));
        }

        cset("publish_all", json_false());
        cset("publish", STRV("18080:80", "18080:81"));
        run_fails(ERR_INVALID_ARGUMENT,
                  "publish `18080:81`: host port 18080/tcp is published twice");
        cset("publish", STRV("18080:80", "18080:80/udp"));
        run_ok();
        cset("publish", STRV("18000-18001:80-82"));
        run_fails(ERR_INVALID_ARGUMENT, "differ in size");
        cset("publish", STRV("19500-19510:80"));
        run_ok();
        assert_true(F.res.ports[0].host_port >= 19500 && F.res.ports[0].host_port <= 19510);
        cset("exposed_ports", STRV("70000"));
        run_fails(ERR_INVALID_ARGUMENT, "exposed_ports: exposed_ports `70000`");
        cset("exposed_ports", json_array());
        cset("net_mode", json_string("host"));
        cset("publish", STRV("80"));
        run_fails(ERR_INVALID_ARGUMENT, "publish: ports cannot be published");
        cset("net_mode", json_string("none"));
        run_fails(ERR_INVALID_ARGUMENT, "net_mode none has no network");
        cset("net_mode", json_string("container:peer"));
        run_fails(ERR_INVALID_ARGUMENT, "in the network namespace of net_mode `container:peer`");

        uint16_t port;
        assert_int_equal(spec_port_random("udp", NULL, 0, &port, NULL), 0);
        assert_true(port > 0);
        assert_int_equal(spec_port_random("sctp", NULL, 0, &port, NULL), 0);
        assert_true(port > 0);
}

static void test_etc_files(void **state) {
        cset("dns_servers", STRV("1.1.1.1", "2001:4860:4860::8888"));
        cset("dns_search", STRV("example.org", "."));
        cset("dns_opt", STRV("ndots:2", "timeout:1"));
        cset("host_add", STRV("db:10.0.0.5", "v6host:::1"));
        run_ok();
        assert_string_equal(F.res.dns_servers[1], "2001:4860:4860::8888");
        assert_string_equal(F.res.dns_search[0], "example.org");
        assert_string_equal(F.res.dns_options[0], "ndots:2");
        assert_int_equal(F.res.n_hosts, 2);
        assert_string_equal(F.res.hosts[1].name, "v6host");
        assert_string_equal(F.res.hosts[1].ip, "::1");

        cset("dns_servers", STRV("not-an-ip"));
        run_fails(ERR_INVALID_ARGUMENT, "dns_servers: invalid entry `not-an-ip`");
        cset("dns_servers", json_array());
        cset("dns_search", STRV("bad domain"));
        run_fails(ERR_INVALID_ARGUMENT, "dns_search: invalid entry");
        cset("dns_search", json_array());
        cset("dns_opt", STRV("a b"));
        run_fails(ERR_INVALID_ARGUMENT, "dns_opt: invalid entry");
        cset("dns_opt", STRV("ndots:1"));
        F.in.resolv_conf_path = NULL;
        run_fails(ERR_INVALID_ARGUMENT, "dns_opt: this container gets no /etc/resolv.conf");
        cset("dns_opt", json_array());
        cset("host_add", STRV("nocolon"));
        run_fails(ERR_INVALID_ARGUMENT, "host_add `nocolon`: expected HOSTNAME:IP");
        cset("host_add", STRV("h:999.1.1.1"));
        run_fails(ERR_INVALID_ARGUMENT, "host_add `h:999.1.1.1`");
        cset("host_add", STRV("h:1.2.3.4"));
        F.in.hosts_path = NULL;
        run_fails(ERR_INVALID_ARGUMENT, "host_add: this container gets no /etc/hosts");
}

static void test_engine_fields(void **state) {
        cset("log_driver", json_string("json-file"));
        cset("log_driver_opt", STRV("path=/var/log/ctr.log", "max-size=10mb"));
        cset("conmon_pidfile", json_string("/run/conmon.pid"));
        cset("rm", json_true());
        cset("detach", json_true());
        cset("quiet", json_true());
        cset("name", json_string("web"));
        cset("image", json_string("busybox"));
        cset("image_id", json_string("abc"));
        cset("pod", json_string("pod1"));
        run_ok();
        assert_string_equal(F.res.log_driver, "k8s-file");
        assert_string_equal(F.res.log_path, "/var/log/ctr.log");
        assert_int_equal(F.res.log_max_size, 10 << 20);
        assert_string_equal(F.res.conmon_pidfile, "/run/conmon.pid");
        assert_true(F.res.rm);
        assert_true(F.res.detach);

        cset("log_driver_opt", STRV("tag=x"));
        run_fails(ERR_NOT_SUPPORTED, "log_driver_opt `tag=x`: unknown option");
        cset("log_driver_opt", STRV("path=relative"));
        run_fails(ERR_INVALID_ARGUMENT, "path must be absolute");
        cset("log_driver_opt", STRV("max-size=huge"));
        run_fails(ERR_INVALID_ARGUMENT, "log_driver_opt: invalid size `huge`");
        cset("log_driver_opt", STRV("path=/x"));
        cset("log_driver", json_string("journald"));
        run_fails(ERR_INVALID_ARGUMENT, "journald has no log file");
        cset("log_driver_opt", json_array());
        run_ok();
        cset("log_driver", json_string("syslog"));
        run_fails(ERR_NOT_SUPPORTED, "log_driver `syslog`");
        cset("log_driver", json_string(""));
        cset("conmon_pidfile", json_string("rel.pid"));
        run_fails(ERR_INVALID_ARGUMENT, "conmon_pidfile `rel.pid`");
}

static void test_cgroups(void **state) {
        cset("cgroup_parent", json_string("/mine"));
        run_ok();
        assert_string_equal(jstr("linux.cgroupsPath"), "/mine/libpod-" ID);
        assert_string_equal(F.res.cgroups_path, "/mine/libpod-" ID);
        cset("cgroup_parent", json_string("machine.slice"));
        run_fails(ERR_INVALID_ARGUMENT, "a .slice needs the systemd cgroup manager");
        F.in.systemd_cgroup = true;
        run_ok();
        assert_string_equal(jstr("linux.cgroupsPath"), "machine.slice:libpod:" ID);
        cset("cgroup_parent", json_string("/mine"));
        run_fails(ERR_INVALID_ARGUMENT, "the systemd cgroup manager needs a NAME.slice");
        cset("cgroup_parent", json_string(""));
        F.in.cgroups_path = "/given/path";
        run_ok();
        assert_string_equal(jstr("linux.cgroupsPath"), "/given/path");
        F.in.systemd_cgroup = false;
        cset("cgroup_parent", json_string("/a/../b"));
        run_fails(ERR_INVALID_ARGUMENT, "not a valid cgroup path");
}

static void test_host_probe(void **state) {
        SpecHost h;
        Error *err = NULL;
        if (spec_host_probe(&h, &err) < 0)
                fail_msg("%s", err->message);
        assert_true(*h.machine && *h.kernel && *h.hostname);
        assert_true(h.cap_last_cap >= 30);
        assert_true(h.rlimits[RLIMIT_NOFILE].rlim_max > 0);
        assert_true(h.cgroup_mode <= SPEC_CGROUP_V2);
}

/* Writes $VARPOD_SPEC_BUNDLE/config.json for $VARPOD_SPEC_BUNDLE/rootfs,
 * a new network namespace, so `runc run` can prove the output real. */
static void test_bundle(void **state) {
        const char *bundle = getenv("VARPOD_SPEC_BUNDLE");
        if (!bundle) {
                fprintf(stderr, "skipped: VARPOD_SPEC_BUNDLE is not set (no bundle to write)\n");
                skip();
        }
        char root[PATH_MAX];
        snprintf(root, sizeof root, "%s/rootfs", bundle);
        SpecHost h;
        assert_int_equal(spec_host_probe(&h, NULL), 0);
        F.in.host = &h;
        F.in.rootfs = root;
        F.in.hosts_path = NULL;
        F.in.resolv_conf_path = NULL;
        F.in.hostname_path = NULL;
        F.in.init_path = NULL;
        F.in.cgroups_path = getenv("VARPOD_SPEC_CGROUP");
        F.in.seccomp_default = access("/usr/share/containers/seccomp.json", R_OK) == 0
                                       ? "/usr/share/containers/seccomp.json"
                                       : NULL;
        const char *cmd = getenv("VARPOD_SPEC_CMD");
        cset("command", cmd ? json_pack("[s,s,s]", "/bin/sh", "-c", cmd) : STRV("/bin/echo", "hi"));
        cset("init", json_boolean(getenv("VARPOD_SPEC_INIT") != NULL));
        cset("net_mode", json_string("none"));
        cset("tmpfs", STRV("/run:size=1m"));
        cset("env", json_pack("{s:s}", "GREETING", "hello"));
        rset("memory", json_integer(64 << 20));
        rset("pids_limit", json_integer(64));
        rset("ulimit", STRV("nofile=512:1024"));
        cset("sys_ctl", json_pack("{s:s}", "net.ipv4.ip_forward", "1"));
        cset("cap_drop", STRV("NET_RAW"));
        /* The test's temp dir goes away; the bundle's volumes must not. */
        char vols[PATH_MAX + 16];
        snprintf(vols, sizeof vols, "%s/volumes", bundle);
        F.in.volumes_root = vols;
        cset("volumes", STRV("bundlevol:/vol"));
        cset("privileged", json_boolean(getenv("VARPOD_SPEC_PRIVILEGED") != NULL));
        const char *uidmap = getenv("VARPOD_SPEC_UIDMAP");
        if (uidmap)
                cset("uidmap", STRV(uidmap));
        json_object_set_new(F.image, "Cmd", STRV("sh"));
        run_ok();
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/config.json", bundle);
        assert_int_equal(json_dump_file(F.config, path, JSON_INDENT(2)), 0);
}

static int group_setup(void **state) {
        char data[PATH_MAX];
        if (!realpath(data_dir, data) || strlen(data) > 900)
                return -1;
        /* %.900s: the length was checked above; it also tells the compiler. */
        snprintf(spec_dir, sizeof spec_dir, "%.900s/spec", data);
        snprintf(rootfs, sizeof rootfs, "%s/rootfs", spec_dir);
        snprintf(tmp_dir, sizeof tmp_dir, "/tmp/varpod-test-spec-XXXXXX");
        if (!mkdtemp(tmp_dir))
                return -1;
        snprintf(volumes_root, sizeof volumes_root, "%s/volumes", tmp_dir);
        return 0;
}

static int group_teardown(void **state) {
        char cmd[PATH_MAX + 32];
        /* Only our own mkdtemp directory. */
        if (STRPREFIX(tmp_dir, "/tmp/varpod-test-spec-")) {
                snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
                if (system(cmd) != 0)
                        return -1;
        }
        return 0;
}

int main(int argc, char **argv) {
        data_dir = argc > 1 ? argv[1] : "tests/data";
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_size_parse),
                cmocka_unit_test(test_signal_parse),
                cmocka_unit_test(test_volume_parse),
                cmocka_unit_test(test_tmpfs_parse),
                cmocka_unit_test(test_publish_parse),
                cmocka_unit_test(test_ulimit_parse),
                cmocka_unit_test(test_device_parse),
                cmocka_unit_test(test_misc_parse),
                cmocka_unit_test(test_user_lines),
                cmocka_unit_test(test_user_resolve),
                cmocka_unit_test(test_user_rootfs_escape),
                cmocka_unit_test(test_host_probe),
                cmocka_unit_test_setup_teardown(test_minimal, setup, teardown),
                cmocka_unit_test_setup_teardown(test_create_check, setup, teardown),
                cmocka_unit_test_setup_teardown(test_command, setup, teardown),
                cmocka_unit_test_setup_teardown(test_env, setup, teardown),
                cmocka_unit_test_setup_teardown(test_user, setup, teardown),
                cmocka_unit_test_setup_teardown(test_work_dir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_capabilities, setup, teardown),
                cmocka_unit_test_setup_teardown(test_privileged, setup, teardown),
                cmocka_unit_test_setup_teardown(test_security, setup, teardown),
                cmocka_unit_test_setup_teardown(test_seccomp, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rlimits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_resources, setup, teardown),
                cmocka_unit_test_setup_teardown(test_device_limits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sysctl, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tmpfs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_volumes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_user_mount_overrides, setup, teardown),
                cmocka_unit_test_setup_teardown(test_shm, setup, teardown),
                cmocka_unit_test_setup_teardown(test_init, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
                cmocka_unit_test_setup_teardown(test_labels, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostname, setup, teardown),
                cmocka_unit_test_setup_teardown(test_namespaces, setup, teardown),
                cmocka_unit_test_setup_teardown(test_network, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pod, setup, teardown),
                cmocka_unit_test_setup_teardown(test_userns, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ports, setup, teardown),
                cmocka_unit_test_setup_teardown(test_etc_files, setup, teardown),
                cmocka_unit_test_setup_teardown(test_engine_fields, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cgroups, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bundle, setup, teardown),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
