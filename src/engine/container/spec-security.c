/* SPDX-License-Identifier: Apache-2.0 */
/* Capabilities, seccomp, no_new_privs, AppArmor/SELinux labels, masked
 * paths: everything that confines the container process. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "spec-private.h"
#include "xalloc.h"

/* Podman's default capability set (libpod 1.x, containers.conf). */
static const int default_caps[] = {
        0 /* CHOWN */,    1 /* DAC_OVERRIDE */, 3 /* FOWNER */,
        4 /* FSETID */,   5 /* KILL */,         10 /* NET_BIND_SERVICE */,
        31 /* SETFCAP */, 6 /* SETGID */,       8 /* SETPCAP */,
        7 /* SETUID */,   18 /* SYS_CHROOT */,
};

static json_t *caps_to_json(uint64_t set) {
        json_t *a = json_array();
        for (int i = 0; i < 64; i++)
                if (set & (UINT64_C(1) << i)) {
                        const char *name = spec_cap_name(i);
                        if (name)
                                json_array_append_new(a, json_string(name));
                }
        return a;
}

/* Every capability the kernel knows that the engine holds. */
static uint64_t caps_all(const SpecHost *h) {
        unsigned last = h->cap_last_cap < 63 ? h->cap_last_cap : 63;
        uint64_t known = 0;
        for (unsigned i = 0; i <= last && spec_cap_name((int)i); i++)
                known |= UINT64_C(1) << i;
        return known & h->caps;
}

/* Reads cap_add or cap_drop into a set; *ret_all tells "ALL" was named. */
static int caps_parse(const SpecHost *h, const json_t *list, const char *field, bool adding,
                      uint64_t *ret, bool *ret_all, Error **err) {
        uint64_t set = 0;
        bool all = false;
        size_t i;
        json_t *e;
        json_array_foreach (list, i, e) {
                const char *name = json_string_value(e);
                if (strcasecmp(name, "ALL") == 0) {
                        all = true;
                        continue;
                }
                int cap = spec_cap_from_name(name);
                if (cap < 0)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s: unknown capability `%s`",
                                       field, name);
                if (adding && (unsigned)cap > h->cap_last_cap)
                        return err_set(err, ERR_NOT_SUPPORTED, 0,
                                       "%s: %s is not supported by this kernel", field,
                                       spec_cap_name(cap));
                /* The runtime inherits the engine's capabilities and cannot
                 * hand out one it lacks (capset fails with EPERM). */
                if (adding && !(h->caps & (UINT64_C(1) << cap)))
                        return err_set(
                                err, ERR_NOT_SUPPORTED, 0,
                                "%s: %s is not held by the engine, so no container can get it",
                                field, spec_cap_name(cap));
                set |= UINT64_C(1) << cap;
        }
        *ret = set;
        *ret_all = all;
        return 0;
}

int spec_capabilities_setup(SpecCtx *ctx, Error **err) {
        const SpecHost *h = ctx->host;
        uint64_t add, drop;
        bool add_all, drop_all;
        if (caps_parse(h, spec_field_array(ctx->create, "cap_add"), "cap_add", true, &add, &add_all,
                       err) < 0 ||
            caps_parse(h, spec_field_array(ctx->create, "cap_drop"), "cap_drop", false, &drop,
                       &drop_all, err) < 0)
                return -1;

        uint64_t set = 0;
        if (ctx->res.privileged || add_all)
                set = caps_all(h);
        else
                for (size_t i = 0; i < ELEMENTSOF(default_caps); i++)
                        set |= UINT64_C(1) << default_caps[i];
        /* docker's rules: drop ALL keeps only what cap_add names. */
        if (drop_all)
                set = add_all ? caps_all(h) : add;
        else
                set = (set | add) & ~drop;
        /* A default the engine lacks is not a request: leave it out. */
        set &= h->caps;
        ctx->caps_bounding = set;

        /* Root gets the set; another user only what was added explicitly,
         * through ambient capabilities (podman's rule since 3.x). Inheritable
         * stays empty but for those (CVE-2022-29162). */
        uint64_t process_set = ctx->res.uid == 0 ? set : (add_all ? set : add) & set;
        uint64_t ambient = ctx->res.uid == 0 ? 0 : process_set;
        json_object_set_new(ctx->process, "capabilities",
                            json_pack("{s:o, s:o, s:o, s:o, s:o}", "bounding", caps_to_json(set),
                                      "effective", caps_to_json(process_set), "inheritable",
                                      caps_to_json(ambient), "permitted", caps_to_json(process_set),
                                      "ambient", caps_to_json(ambient)));
        return 0;
}

/* libseccomp's native arch names (what includes/excludes "arches" hold)
 * and the SCMP_ARCH_ names of the same, by uname machine. */
static const struct {
        const char *machine, *name, *scmp;
} arches[] = {
        { "x86_64", "amd64", "SCMP_ARCH_X86_64" },
        { "i386", "x86", "SCMP_ARCH_X86" },
        { "i686", "x86", "SCMP_ARCH_X86" },
        { "aarch64", "arm64", "SCMP_ARCH_AARCH64" },
        { "armv7l", "arm", "SCMP_ARCH_ARM" },
        { "armv6l", "arm", "SCMP_ARCH_ARM" },
        { "ppc64le", "ppc64le", "SCMP_ARCH_PPC64LE" },
        { "ppc64", "ppc64", "SCMP_ARCH_PPC64" },
        { "s390x", "s390x", "SCMP_ARCH_S390X" },
        { "riscv64", "riscv64", "SCMP_ARCH_RISCV64" },
        { "mips64", "mips64", "SCMP_ARCH_MIPS64" },
};

static const char *const seccomp_actions[] = {
        "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
        "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",        "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
};

static const char *const seccomp_ops[] = {
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
        "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

static bool in_list(const char *s, const char *const *list, size_t n) {
        for (size_t i = 0; s && i < n; i++)
                if (STREQ(s, list[i]))
                        return true;
        return false;
}

static bool json_strings_contain(const json_t *array, const char *s) {
        size_t i;
        json_t *e;
        json_array_foreach (array, i, e) {
                if (json_is_string(e) && STREQ(json_string_value(e), s))
                        return true;
        }
        return false;
}

static int action_check(const json_t *action, Error **err) {
        const char *a = json_string_value(action);
        if (a && STREQ(a, "SCMP_ACT_NOTIFY"))
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "seccomp profile: SCMP_ACT_NOTIFY needs a listener, which "
                               "varpod does not run");
        if (!in_list(a, seccomp_actions, ELEMENTSOF(seccomp_actions)))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "seccomp profile: unknown action `%s`",
                               a ? a : "(not a string)");
        return 0;
}

/* "5.4" >= "4.8"? Compares major.minor like containers/common. */
static bool kernel_at_least(const char *kernel, const char *min) {
        unsigned km = 0, kn = 0, mm = 0, mn = 0;
        if (sscanf(min, "%u.%u", &mm, &mn) < 1)
                return false;
        if (sscanf(kernel, "%u.%u", &km, &kn) < 1)
                return false;
        return km != mm ? km > mm : kn >= mn;
}

/* A syscall block applies when none of its excludes and all of its
 * includes match this host and capability set (containers/common). */
static int block_applies(const json_t *call, const char *arch, uint64_t caps, const char *kernel,
                         bool *ret, Error **err) {
        const json_t *inc = json_object_get(call, "includes");
        const json_t *exc = json_object_get(call, "excludes");
        if ((inc && !json_is_object(inc)) || (exc && !json_is_object(exc)))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "seccomp profile: includes/excludes must be objects");
        size_t i;
        json_t *e;
        *ret = false;
        if (json_strings_contain(json_object_get(exc, "arches"), arch))
                return 0;
        json_array_foreach (json_object_get(exc, "caps"), i, e) {
                int cap = json_is_string(e) ? spec_cap_from_name(json_string_value(e)) : -1;
                if (cap >= 0 && (caps & (UINT64_C(1) << cap)))
                        return 0;
        }
        const char *min = json_string_value(json_object_get(exc, "minKernel"));
        if (min && *min && kernel_at_least(kernel, min))
                return 0;
        const json_t *inc_arches = json_object_get(inc, "arches");
        if (json_array_size(inc_arches) > 0 && !json_strings_contain(inc_arches, arch))
                return 0;
        json_array_foreach (json_object_get(inc, "caps"), i, e) {
                int cap = json_is_string(e) ? spec_cap_from_name(json_string_value(e)) : -1;
                if (cap < 0 || !(caps & (UINT64_C(1) << cap)))
                        return 0;
        }
        min = json_string_value(json_object_get(inc, "minKernel"));
        if (min && *min && !kernel_at_least(kernel, min))
                return 0;
        *ret = true;
        return 0;
}

static int args_translate(const json_t *args, json_t **ret, Error **err) {
        if (args && !json_is_array(args) && !json_is_null(args))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "seccomp profile: args must be an array");
        _cleanup_json_ json_t *out = json_array();
        size_t i;
        json_t *a;
        json_array_foreach (args, i, a) {
                json_t *index = json_object_get(a, "index");
                json_t *value = json_object_get(a, "value");
                json_t *two = json_object_get(a, "valueTwo");
                const char *op = json_string_value(json_object_get(a, "op"));
                if (!json_is_integer(index) || json_integer_value(index) < 0 ||
                    json_integer_value(index) > 5 || !json_is_integer(value) ||
                    json_integer_value(value) < 0 || (two && !json_is_integer(two)) ||
                    (two && json_integer_value(two) < 0) ||
                    !in_list(op, seccomp_ops, ELEMENTSOF(seccomp_ops)))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "seccomp profile: invalid syscall argument rule");
                json_t *o = json_pack("{s:I, s:I, s:s}", "index", json_integer_value(index),
                                      "value", json_integer_value(value), "op", op);
                if (two && json_integer_value(two))
                        json_object_set(o, "valueTwo", two);
                json_array_append_new(out, o);
        }
        *ret = TAKE_PTR(out);
        return 0;
}

int spec_seccomp_translate(const json_t *profile, const char *machine, uint64_t caps,
                           const char *kernel, json_t **ret, Error **err) {
        if (!json_is_object(profile))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "seccomp profile: not a JSON object");
        const json_t *def = json_object_get(profile, "defaultAction");
        const json_t *syscalls = json_object_get(profile, "syscalls");
        if (syscalls && !json_is_array(syscalls) && !json_is_null(syscalls))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "seccomp profile: syscalls must be an array");
        if ((!def || STREQ(json_string_value(def) ? json_string_value(def) : "x", "")) &&
            json_array_size(syscalls) == 0) {
                /* containers/common: no default action and no rules means
                 * seccomp is off. */
                *ret = NULL;
                return 0;
        }
        if (action_check(def, err) < 0)
                return err_wrap(err, "defaultAction");

        const char *arch = machine, *scmp = NULL;
        for (size_t i = 0; i < ELEMENTSOF(arches); i++)
                if (STREQ(arches[i].machine, machine)) {
                        arch = arches[i].name;
                        scmp = arches[i].scmp;
                }

        _cleanup_json_ json_t *out = json_object();
        json_object_set(out, "defaultAction", (json_t *)def);
        const json_t *errno_ret = json_object_get(profile, "defaultErrnoRet");
        if (errno_ret && !json_is_integer(errno_ret))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "seccomp profile: defaultErrnoRet must be an integer");
        if (errno_ret)
                json_object_set(out, "defaultErrnoRet", (json_t *)errno_ret);

        const json_t *archs = json_object_get(profile, "architectures");
        const json_t *arch_map = json_object_get(profile, "archMap");
        if (json_array_size(archs) > 0 && json_array_size(arch_map) > 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "seccomp profile: both architectures and archMap given");
        json_t *out_arches = json_array();
        json_object_set_new(out, "architectures", out_arches);
        size_t i;
        json_t *e;
        json_array_foreach (archs, i, e) {
                if (!json_is_string(e))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "seccomp profile: architectures must be strings");
                json_array_append(out_arches, e);
        }
        json_array_foreach (arch_map, i, e) {
                const char *a = json_string_value(json_object_get(e, "architecture"));
                if (!a || !scmp || !STREQ(a, scmp))
                        continue;
                json_array_append_new(out_arches, json_string(a));
                size_t j;
                json_t *sub;
                json_array_foreach (json_object_get(e, "subArchitectures"), j, sub) {
                        if (json_is_string(sub))
                                json_array_append(out_arches, sub);
                }
                break;
        }
        const json_t *flags = json_object_get(profile, "flags");
        if (json_array_size(flags) > 0) {
                json_array_foreach (flags, i, e) {
                        if (!json_is_string(e) ||
                            !STRPREFIX(json_string_value(e), "SECCOMP_FILTER_FLAG_"))
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "seccomp profile: invalid flag");
                }
                json_object_set(out, "flags", (json_t *)flags);
        }

        json_t *out_calls = json_array();
        json_object_set_new(out, "syscalls", out_calls);
        json_t *call;
        json_array_foreach (syscalls, i, call) {
                if (!json_is_object(call))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "seccomp profile: syscall rule %zu is not an object", i);
                bool applies;
                if (block_applies(call, arch, caps, kernel, &applies, err) < 0)
                        return -1;
                if (!applies)
                        continue;
                const json_t *name = json_object_get(call, "name");
                const json_t *names = json_object_get(call, "names");
                if (name && json_array_size(names) > 0)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "seccomp profile: both name and names in rule %zu", i);
                json_t *action = json_object_get(call, "action");
                if (action_check(action, err) < 0)
                        return err_wrap(err, "syscall rule %zu", i);
                _cleanup_json_ json_t *out_names = json_array();
                if (name) {
                        if (!json_is_string(name))
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "seccomp profile: name must be a string");
                        json_array_append(out_names, (json_t *)name);
                }
                size_t j;
                json_array_foreach (names, j, e) {
                        if (!json_is_string(e))
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "seccomp profile: names must be strings");
                        json_array_append(out_names, e);
                }
                if (json_array_size(out_names) == 0)
                        continue;
                json_t *args = NULL;
                if (args_translate(json_object_get(call, "args"), &args, err) < 0)
                        return -1;
                json_t *rule =
                        json_pack("{s:o, s:O}", "names", TAKE_PTR(out_names), "action", action);
                if (json_array_size(args) > 0)
                        json_object_set_new(rule, "args", args);
                else
                        json_decref(args);
                const json_t *rule_errno = json_object_get(call, "errnoRet");
                if (rule_errno && !json_is_integer(rule_errno)) {
                        json_decref(rule);
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "seccomp profile: errnoRet must be an integer");
                }
                if (rule_errno)
                        json_object_set(rule, "errnoRet", (json_t *)rule_errno);
                json_array_append_new(out_calls, rule);
        }
        *ret = TAKE_PTR(out);
        return 0;
}

/* A kernel without the x32 ABI answers every x32 system call with ENOSYS
 * before any filter could allow it: the architecture's rules change
 * nothing there, while compiling them took runc a third of the profile's
 * ~26 ms at every container start. */
static void architectures_drop(json_t *seccomp, const char *arch) {
        json_t *archs = json_object_get(seccomp, "architectures");
        for (size_t i = json_array_size(archs); i-- > 0;)
                if (STREQ(json_string_value(json_array_get(archs, i)) ?: "", arch))
                        json_array_remove(archs, i);
}

static int seccomp_profile_load(const char *field, const char *path, json_t **ret, Error **err) {
        struct stat st;
        if (stat(path, &st) < 0)
                return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno, "%s `%s`",
                               field, path);
        if (!S_ISREG(st.st_mode))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s `%s`: not a file", field, path);
        if (st.st_size > (off_t)SPEC_PROFILE_SIZE_MAX)
                return err_set(err, ERR_LIMIT, 0, "%s `%s`: larger than %u bytes", field, path,
                               SPEC_PROFILE_SIZE_MAX);
        json_error_t jerr;
        json_t *p = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        if (!p)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s `%s`: line %d: %s", field, path,
                               jerr.line, jerr.text);
        *ret = p;
        return 0;
}

/* The options of security_opts, each already validated. */
typedef struct SecurityOpts {
        const char *seccomp;
        const char *apparmor;
        bool label_disable;
        const char *label_part; /* "type:x" and friends */
        int no_new_privs;       /* -1 unset */
        bool systempaths_unconfined;
        char **mask;
        char **unmask;
        bool unmask_all;
} SecurityOpts;

static void security_opts_clear(SecurityOpts *o) {
        strv_free(o->mask);
        strv_free(o->unmask);
}

static int paths_parse(const char *opt, const char *list, char ***ret, Error **err) {
        const char *p = list;
        while (*p) {
                size_t n = strcspn(p, ":");
                if (n == 0 || p[0] != '/')
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "security_opts `%s`: paths must be absolute", opt);
                spec_strv_push_take(ret, xstrndup(p, n));
                p += n;
                if (*p == ':')
                        p++;
        }
        return 0;
}

static int security_opts_parse(const json_t *list, SecurityOpts *o, Error **err) {
        *o = (SecurityOpts){ .no_new_privs = -1 };
        size_t i;
        json_t *e;
        json_array_foreach (list, i, e) {
                const char *opt = json_string_value(e);
                /* Docker once wrote "seccomp:path"; both separators are read. */
                size_t k = strcspn(opt, "=:");
                const char *v = opt[k] ? opt + k + 1 : NULL;
                if (strncmp(opt, "no-new-privileges", k) == 0 && k == 17) {
                        if (!v || STREQ(v, "true"))
                                o->no_new_privs = 1;
                        else if (STREQ(v, "false"))
                                o->no_new_privs = 0;
                        else
                                goto bad;
                } else if (k == 7 && STRPREFIX(opt, "seccomp") && v && *v)
                        o->seccomp = v;
                else if (k == 8 && STRPREFIX(opt, "apparmor") && v && *v)
                        o->apparmor = v;
                else if (k == 5 && STRPREFIX(opt, "label") && v && *v) {
                        if (STREQ(v, "disable"))
                                o->label_disable = true;
                        else if (STRPREFIX(v, "user:") || STRPREFIX(v, "role:") ||
                                 STRPREFIX(v, "type:") || STRPREFIX(v, "level:") ||
                                 STRPREFIX(v, "filetype:"))
                                o->label_part = v;
                        else
                                goto bad;
                } else if (k == 11 && STRPREFIX(opt, "systempaths") && v && STREQ(v, "unconfined"))
                        o->systempaths_unconfined = true;
                else if (k == 4 && STRPREFIX(opt, "mask") && v && *v) {
                        if (paths_parse(opt, v, &o->mask, err) < 0)
                                return -1;
                } else if (k == 6 && STRPREFIX(opt, "unmask") && v && *v) {
                        if (STREQ(v, "ALL"))
                                o->unmask_all = true;
                        else if (paths_parse(opt, v, &o->unmask, err) < 0)
                                return -1;
                } else
                        goto bad;
                continue;
bad:
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "security_opts: unknown or malformed option `%s`", opt);
        }
        return 0;
}

static const char *const masked_paths[] = {
        "/proc/acpi",       "/proc/kcore",       "/proc/keys",        "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
        "/sys/firmware",    "/sys/fs/selinux",   "/sys/dev/block",
};
static const char *const readonly_paths[] = {
        "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static void paths_set(SpecCtx *ctx, const SecurityOpts *o) {
        json_t *masked = json_array(), *ro = json_array();
        bool confined = !ctx->res.privileged && !o->systempaths_unconfined && !o->unmask_all;
        for (size_t i = 0; confined && i < ELEMENTSOF(masked_paths); i++)
                if (!spec_strv_contains(o->unmask, masked_paths[i]))
                        json_array_append_new(masked, json_string(masked_paths[i]));
        for (size_t i = 0; confined && i < ELEMENTSOF(readonly_paths); i++)
                if (!spec_strv_contains(o->unmask, readonly_paths[i]))
                        json_array_append_new(ro, json_string(readonly_paths[i]));
        for (size_t i = 0; o->mask && o->mask[i]; i++)
                if (!json_strings_contain(masked, o->mask[i]))
                        json_array_append_new(masked, json_string(o->mask[i]));
        json_object_set_new(ctx->oci_linux, "maskedPaths", masked);
        json_object_set_new(ctx->oci_linux, "readonlyPaths", ro);
}

static int seccomp_setup(SpecCtx *ctx, const SecurityOpts *o, Error **err) {
        const char *field = "seccomp_profile_path";
        const char *path = spec_field_str(ctx->create, "seccomp_profile_path");
        if (o->seccomp) {
                if (*path && !STREQ(path, o->seccomp))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "security_opts seccomp=%s contradicts seccomp_profile_path "
                                       "`%s`",
                                       o->seccomp, path);
                field = "security_opts seccomp";
                path = o->seccomp;
        }
        if (!*path) {
                /* --privileged turns the default filter off, as in podman;
                 * an explicitly named profile still applies. */
                if (ctx->res.privileged || !ctx->in->seccomp_default)
                        return 0;
                field = "seccomp default profile";
                path = ctx->in->seccomp_default;
        }
        if (STREQ(path, "unconfined"))
                return 0;
        if (path[0] != '/')
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s `%s`: not an absolute path", field,
                               path);
        _cleanup_json_ json_t *profile = NULL;
        if (seccomp_profile_load(field, path, &profile, err) < 0)
                return -1;
        json_t *seccomp = NULL;
        if (spec_seccomp_translate(profile, ctx->host->machine, ctx->caps_bounding,
                                   ctx->host->kernel, &seccomp, err) < 0)
                return err_wrap(err, "%s `%s`", field, path);
        if (seccomp && ctx->host->no_x32)
                architectures_drop(seccomp, "SCMP_ARCH_X32");
        if (seccomp)
                json_object_set_new(ctx->oci_linux, "seccomp", seccomp);
        return 0;
}

static int labels_setup(SpecCtx *ctx, const SecurityOpts *o, Error **err) {
        const char *apparmor = spec_field_str(ctx->create, "apparmor_profile");
        if (o->apparmor) {
                if (*apparmor && !STREQ(apparmor, o->apparmor))
                        return err_set(
                                err, ERR_INVALID_ARGUMENT, 0,
                                "security_opts apparmor=%s contradicts apparmor_profile `%s`",
                                o->apparmor, apparmor);
                apparmor = o->apparmor;
        }
        if (*apparmor) {
                if (ctx->host->apparmor)
                        json_object_set_new(ctx->process, "apparmorProfile", json_string(apparmor));
                else if (!STREQ(apparmor, "unconfined"))
                        return err_set(
                                err, ERR_NOT_SUPPORTED, 0,
                                "apparmor_profile `%s`: AppArmor is not enabled on this host",
                                apparmor);
        } else if (ctx->host->apparmor && ctx->res.privileged)
                json_object_set_new(ctx->process, "apparmorProfile", json_string("unconfined"));

        const char *process_label = spec_field_str(ctx->create, "process_label");
        const char *mount_label = spec_field_str(ctx->create, "mount_label");
        if (o->label_disable && (*process_label || *mount_label))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "security_opts label=disable contradicts process_label/mount_label");
        if (!ctx->host->selinux) {
                if (*process_label)
                        return err_set(err, ERR_NOT_SUPPORTED, 0,
                                       "process_label `%s`: SELinux is not enabled on this host",
                                       process_label);
                if (*mount_label)
                        return err_set(err, ERR_NOT_SUPPORTED, 0,
                                       "mount_label `%s`: SELinux is not enabled on this host",
                                       mount_label);
                if (o->label_part)
                        return err_set(
                                err, ERR_NOT_SUPPORTED, 0,
                                "security_opts label=%s: SELinux is not enabled on this host",
                                o->label_part);
                return 0;
        }
        if (o->label_part)
                /* Composing user/role/type/level with the policy's default
                 * container context needs libselinux, which varpod does not use. */
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "security_opts label=%s: partial labels are not supported; give a "
                               "full process_label",
                               o->label_part);
        if (*process_label)
                json_object_set_new(ctx->process, "selinuxLabel", json_string(process_label));
        if (*mount_label)
                json_object_set_new(ctx->oci_linux, "mountLabel", json_string(mount_label));
        return 0;
}

int spec_security_setup(SpecCtx *ctx, Error **err) {
        _cleanup_(security_opts_clear) SecurityOpts o = { 0 };
        if (security_opts_parse(spec_field_array(ctx->create, "security_opts"), &o, err) < 0)
                return -1;
        bool nnp = spec_field_bool(ctx->create, "no_new_privs");
        if (o.no_new_privs == 0 && nnp)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "security_opts no-new-privileges=false contradicts no_new_privs");
        if (nnp || o.no_new_privs == 1)
                json_object_set_new(ctx->process, "noNewPrivileges", json_true());
        paths_set(ctx, &o);
        if (seccomp_setup(ctx, &o, err) < 0 || labels_setup(ctx, &o, err) < 0)
                return -1;
        return 0;
}
