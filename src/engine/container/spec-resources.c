/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources (memory, cpu, pids, block I/O, device rules), devices,
 * rlimits and sysctls. Limits the host or the runtime cannot enforce are
 * refused here rather than left for runc to ignore or trip over. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "spec-private.h"
#include "xalloc.h"

#define MEMORY_MIN (4ll << 20) /* podman's linuxMinMemory */
#define CPU_PERIOD_DEFAULT 100000
#define CAP_SYS_RESOURCE_BIT 24

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static bool has_cap_sys_resource(const SpecHost *h) {
        return h->caps & (UINT64_C(1) << CAP_SYS_RESOURCE_BIT);
}

static json_t *object_child(json_t *parent, const char *key) {
        json_t *o = json_object_get(parent, key);
        if (!o) {
                o = json_object();
                json_object_set_new(parent, key, o);
        }
        return o;
}

static int memory_setup(SpecCtx *ctx, json_t *res, Error **err) {
        const json_t *r = ctx->resources;
        bool v2 = ctx->host->cgroup_mode == SPEC_CGROUP_V2;
        int64_t memory = spec_field_int(r, "memory");
        int64_t reservation = spec_field_int(r, "memory_reservation");
        int64_t swap = spec_field_int(r, "memory_swap");
        int64_t kernel = spec_field_int(r, "kernel_memory");
        int64_t swappiness = spec_field_int(r, "memory_swappiness");
        bool no_oom_kill = spec_field_bool(r, "disable_oomkiller");

        if (memory < 0 || (memory > 0 && memory < MEMORY_MIN))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.memory %lld: the minimum is 4 MiB", (long long)memory);
        if (reservation < 0 || (memory > 0 && reservation > memory))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.memory_reservation %lld must be between 0 and memory",
                               (long long)reservation);
        if (swap < -1)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.memory_swap %lld: expected -1 (unlimited) or bytes",
                               (long long)swap);
        if (swap > 0 && memory == 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.memory_swap needs resources.memory");
        if (swap > 0 && swap < memory)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.memory_swap (memory plus swap) must not be below "
                               "resources.memory");
        if (swap > 0 && !ctx->host->memory_swap)
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "resources.memory_swap: this kernel does not account swap in "
                               "cgroups");
        if (kernel < 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.kernel_memory must not be negative");
        if (kernel > 0)
                /* runc 1.1 ignores it (with a warning) and cgroup v2 has no such knob;
                 * Linux deprecated it in 5.4. */
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "resources.kernel_memory: kernel memory limits are not supported "
                               "by the runtime (deprecated since Linux 5.4)");
        /* The normalised request cannot tell an explicit 0 from an absent
         * value, and the reference's "0 sets swappiness 0" made every
         * container unswappable: 0 and -1 both mean "the kernel's default". */
        if (swappiness < -1 || swappiness > 100)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.memory_swappiness %lld: expected 0..100 (or -1)",
                               (long long)swappiness);
        if (swappiness > 0 && v2)
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "resources.memory_swappiness: not available with cgroup v2");
        if (no_oom_kill && v2)
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "resources.disable_oomkiller: not available with cgroup v2");

        if (!memory && !reservation && !swap && swappiness <= 0 && !no_oom_kill)
                return 0;
        json_t *m = object_child(res, "memory");
        if (memory)
                json_object_set_new(m, "limit", json_integer(memory));
        if (reservation)
                json_object_set_new(m, "reservation", json_integer(reservation));
        if (swap > 0 || (swap == -1 && ctx->host->memory_swap))
                json_object_set_new(m, "swap", json_integer(swap));
        if (swappiness > 0)
                json_object_set_new(m, "swappiness", json_integer(swappiness));
        if (no_oom_kill)
                json_object_set_new(m, "disableOOMKiller", json_true());
        return 0;
}

static int cpu_setup(SpecCtx *ctx, json_t *res, Error **err) {
        const json_t *r = ctx->resources;
        int64_t shares = spec_field_int(r, "cpu_shares");
        int64_t period = spec_field_int(r, "cpu_period");
        int64_t quota = spec_field_int(r, "cpu_quota");
        int64_t rt_period = spec_field_int(r, "cpu_rt_period");
        int64_t rt_runtime = spec_field_int(r, "cpu_rt_runtime");
        double cpus = spec_field_float(r, "cpus");
        const char *cpuset_cpus = spec_field_str(r, "cpuset_cpus");
        const char *cpuset_mems = spec_field_str(r, "cpuset_mems");

        if (shares < 0 || (shares > 0 && (shares < 2 || shares > 262144)))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.cpu_shares %lld: expected 2..262144", (long long)shares);
        if (period < 0 || (period > 0 && (period < 1000 || period > 1000000)))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.cpu_period %lld: expected 1000..1000000 microseconds",
                               (long long)period);
        if (quota < -1 || (quota > 0 && quota < 1000))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.cpu_quota %lld: expected -1 or at least 1000 "
                               "microseconds",
                               (long long)quota);
        if (!isfinite(cpus) || cpus < 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "resources.cpus must not be negative");
        if (cpus > 0) {
                if (period || quota)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "resources.cpus conflicts with cpu_period/cpu_quota");
                if (cpus > 1e6)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "resources.cpus is too large");
                period = CPU_PERIOD_DEFAULT;
                quota = (int64_t)(cpus * CPU_PERIOD_DEFAULT + 0.5);
                if (quota < 1000)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "resources.cpus %g: the minimum is 0.01", cpus);
        }
        if (rt_period < 0 || rt_runtime < -1)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.cpu_rt_period/cpu_rt_runtime must not be negative");
        if ((rt_period || rt_runtime) && !ctx->host->cpu_rt)
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "resources.cpu_rt_period/cpu_rt_runtime: real-time group "
                               "scheduling is not available on this host");
        if (rt_period > 0 && rt_runtime > rt_period)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.cpu_rt_runtime must not exceed cpu_rt_period");
        if (*cpuset_cpus && spec_cpuset_check(cpuset_cpus, err) < 0)
                return err_wrap(err, "resources.cpuset_cpus");
        if (*cpuset_mems && spec_cpuset_check(cpuset_mems, err) < 0)
                return err_wrap(err, "resources.cpuset_mems");

        if (!shares && !period && !quota && !rt_period && !rt_runtime && !*cpuset_cpus &&
            !*cpuset_mems)
                return 0;
        json_t *c = object_child(res, "cpu");
        if (shares)
                json_object_set_new(c, "shares", json_integer(shares));
        if (quota)
                json_object_set_new(c, "quota", json_integer(quota));
        if (period)
                json_object_set_new(c, "period", json_integer(period));
        if (rt_runtime)
                json_object_set_new(c, "realtimeRuntime", json_integer(rt_runtime));
        if (rt_period)
                json_object_set_new(c, "realtimePeriod", json_integer(rt_period));
        if (*cpuset_cpus)
                json_object_set_new(c, "cpus", json_string(cpuset_cpus));
        if (*cpuset_mems)
                json_object_set_new(c, "mems", json_string(cpuset_mems));
        return 0;
}

/* "PATH:VALUE" entries of one field into OCI {major, minor, KEY}. */
static int device_limits_add(SpecCtx *ctx, json_t *blkio, const char *field, const char *oci_key,
                             const char *value_key, SpecLimitKind kind, Error **err) {
        const json_t *list = spec_field_array(ctx->resources, field);
        if (json_array_size(list) == 0)
                return 0;
        if (kind == SPEC_LIMIT_WEIGHT && !ctx->host->blkio_weight)
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "resources.%s: no I/O scheduler with weights (BFQ) on this host",
                               field);
        json_t *out = json_array();
        json_object_set_new(blkio, oci_key, out);
        size_t i;
        json_t *e;
        json_array_foreach (list, i, e) {
                _cleanup_free_ char *path = NULL;
                uint64_t value;
                if (spec_device_limit_parse(json_string_value(e), kind, &path, &value, err) < 0)
                        return err_wrap(err, "resources.%s", field);
                struct stat st;
                if (stat(path, &st) < 0)
                        return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                                       "resources.%s: device `%s`", field, path);
                if (!S_ISBLK(st.st_mode))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "resources.%s: `%s` is not a block device", field, path);
                json_array_append_new(out, json_pack("{s:I, s:I, s:I}", "major",
                                                     (json_int_t)major(st.st_rdev), "minor",
                                                     (json_int_t)minor(st.st_rdev), value_key,
                                                     (json_int_t)value));
        }
        return 0;
}

static int blkio_setup(SpecCtx *ctx, json_t *res, Error **err) {
        int64_t weight = spec_field_int(ctx->resources, "blkio_weight");
        /* The reference cast this to 16 bits; values outside the kernel's
         * range are refused instead of wrapped. */
        if (weight < 0 || (weight > 0 && (weight < 10 || weight > 1000)))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.blkio_weight %lld: expected 10..1000", (long long)weight);
        if (weight > 0 && !ctx->host->blkio_weight)
                return err_set(
                        err, ERR_NOT_SUPPORTED, 0,
                        "resources.blkio_weight: no I/O scheduler with weights (BFQ) on this "
                        "host");
        _cleanup_json_ json_t *b = json_object();
        if (weight > 0)
                json_object_set_new(b, "weight", json_integer(weight));
        if (device_limits_add(ctx, b, "blkio_weight_device", "weightDevice", "weight",
                              SPEC_LIMIT_WEIGHT, err) < 0 ||
            device_limits_add(ctx, b, "device_read_bps", "throttleReadBpsDevice", "rate",
                              SPEC_LIMIT_BPS, err) < 0 ||
            device_limits_add(ctx, b, "device_write_bps", "throttleWriteBpsDevice", "rate",
                              SPEC_LIMIT_BPS, err) < 0 ||
            device_limits_add(ctx, b, "device_read_iops", "throttleReadIOPSDevice", "rate",
                              SPEC_LIMIT_IOPS, err) < 0 ||
            device_limits_add(ctx, b, "device_write_iops", "throttleWriteIOPSDevice", "rate",
                              SPEC_LIMIT_IOPS, err) < 0)
                return -1;
        if (json_object_size(b) > 0)
                json_object_set(res, "blockIO", b);
        return 0;
}

static int oom_score_setup(SpecCtx *ctx, Error **err) {
        int64_t adj = spec_field_int(ctx->resources, "oom_score_adj");
        if (adj < -1000 || adj > 1000)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.oom_score_adj %lld: expected -1000..1000",
                               (long long)adj);
        if (adj == 0)
                return 0;
        /* Lowering it below the engine's own value needs CAP_SYS_RESOURCE
         * (the kernel answers EACCES to the runtime otherwise). */
        if (adj < ctx->host->oom_score_adj && !has_cap_sys_resource(ctx->host))
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "resources.oom_score_adj %lld: below the engine's own %d, which "
                               "needs CAP_SYS_RESOURCE",
                               (long long)adj, ctx->host->oom_score_adj);
        json_object_set_new(ctx->process, "oomScoreAdj", json_integer(adj));
        return 0;
}

int spec_resources_setup(SpecCtx *ctx, Error **err) {
        json_t *res = object_child(ctx->oci_linux, "resources");
        int64_t pids = spec_field_int(ctx->resources, "pids_limit");
        if (pids < -1)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.pids_limit %lld: expected -1, 0 (unlimited) or a limit",
                               (long long)pids);
        if (pids > 0)
                json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)pids));
        if (memory_setup(ctx, res, err) < 0 || cpu_setup(ctx, res, err) < 0 ||
            blkio_setup(ctx, res, err) < 0 || oom_score_setup(ctx, err) < 0)
                return -1;
        return 0;
}

typedef struct DeviceList {
        json_t *devices; /* linux.devices */
        json_t *rules;   /* linux.resources.devices */
        const char *perms;
} DeviceList;

static json_t *device_find(json_t *devices, const char *path, size_t *ret_index) {
        size_t i;
        json_t *d;
        json_array_foreach (devices, i, d) {
                if (STREQ(json_string_value(json_object_get(d, "path")), path)) {
                        *ret_index = i;
                        return d;
                }
        }
        return NULL;
}

static int device_add(DeviceList *l, const char *field, const char *host, const char *container,
                      const struct stat *st, bool replace, Error **err) {
        const char *type = S_ISBLK(st->st_mode) ? "b" : "c";
        size_t index;
        if (device_find(l->devices, container, &index)) {
                if (!replace)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s: `%s` is given twice",
                                       field, container);
                json_array_remove(l->devices, index);
        }
        if (json_array_size(l->devices) >= SPEC_DEVICES_MAX)
                return err_set(err, ERR_LIMIT, 0, "%s `%s`: more than %d devices", field, host,
                               SPEC_DEVICES_MAX);
        json_int_t maj = (json_int_t)major(st->st_rdev), min = (json_int_t)minor(st->st_rdev);
        json_array_append_new(l->devices,
                              json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "path", container,
                                        "type", type, "major", maj, "minor", min, "fileMode",
                                        (json_int_t)(st->st_mode & 07777), "uid",
                                        (json_int_t)st->st_uid, "gid", (json_int_t)st->st_gid));
        if (l->rules)
                json_array_append_new(l->rules, json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1,
                                                          "type", type, "major", maj, "minor", min,
                                                          "access", l->perms));
        return 0;
}

/* Devices below a host directory, mapped below the container path. */
static int device_dir_add(DeviceList *l, const char *field, const char *host, const char *container,
                          bool top, bool replace, unsigned depth, Error **err) {
        /* What runc's HostDevices skips: pseudo-terminals and shm are
         * mounted separately, the rest are not devices of the host. */
        static const char *const skipped[] = { "pts",  "shm",         "fd",   "mqueue",
                                               ".lxc", ".lxd-mounts", ".udev" };
        if (depth > 8)
                return 0;
        _cleanup_(closedirp) DIR *d = opendir(host);
        if (!d)
                return err_set(err, ERR_SYSTEM, errno, "%s: open `%s`", field, host);
        struct dirent *de;
        while ((de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                bool skip = false;
                for (size_t i = 0; top && i < ELEMENTSOF(skipped); i++)
                        skip |= STREQ(de->d_name, skipped[i]);
                if (skip || (top && STREQ(de->d_name, "console")))
                        continue;
                _cleanup_free_ char *h = xasprintf("%s/%s", host, de->d_name);
                _cleanup_free_ char *c =
                        xasprintf("%s/%s", STREQ(container, "/") ? "" : container, de->d_name);
                struct stat st;
                if (lstat(h, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        if (device_dir_add(l, field, h, c, false, replace, depth + 1, err) < 0)
                                return -1;
                } else if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) &&
                           device_add(l, field, h, c, &st, replace, err) < 0)
                        return -1;
        }
        return 0;
}

int spec_devices_setup(SpecCtx *ctx, Error **err) {
        json_t *res = object_child(ctx->oci_linux, "resources");
        json_t *rules = json_array();
        json_object_set_new(res, "devices", rules);
        json_t *devices = json_array();
        json_object_set_new(ctx->oci_linux, "devices", devices);
        DeviceList l = { .devices = devices, .rules = rules, .perms = "rwm" };
        if (ctx->res.privileged) {
                json_array_append_new(rules, json_pack("{s:b, s:s}", "allow", 1, "access", "rwm"));
                DeviceList all = { .devices = devices, .rules = NULL };
                if (device_dir_add(&all, "privileged", "/dev", "/dev", true, true, 0, err) < 0)
                        return -1;
        } else
                json_array_append_new(rules, json_pack("{s:b, s:s}", "allow", 0, "access", "rwm"));

        size_t i;
        json_t *e;
        json_array_foreach (spec_field_array(ctx->create, "devices"), i, e) {
                const char *text = json_string_value(e);
                _cleanup_(spec_device_arg_clear) SpecDeviceArg a = { 0 };
                if (spec_device_arg_parse(text, &a, err) < 0)
                        return -1;
                struct stat st;
                if (stat(a.host, &st) < 0)
                        return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                                       "devices `%s`", text);
                l.perms = a.perms;
                /* With privileged every host device is there already; an
                 * explicit entry may still move or restrict one. */
                if (S_ISDIR(st.st_mode)) {
                        if (device_dir_add(&l, "devices", a.host, a.container, false,
                                           ctx->res.privileged, 0, err) < 0)
                                return -1;
                } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
                        if (device_add(&l, "devices", a.host, a.container, &st, ctx->res.privileged,
                                       err) < 0)
                                return -1;
                } else
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "devices `%s`: `%s` is not a device", text, a.host);
        }
        return 0;
}

/* jansson integers are signed: "unlimited" (2^64-1) cannot be written, so
 * it becomes 2^63-1, which the kernel treats as effectively unlimited. */
static json_int_t rlimit_json(uint64_t v) {
        return v >= (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v;
}

int spec_rlimits_setup(SpecCtx *ctx, Error **err) {
        const SpecHost *h = ctx->host;
        bool can_raise = has_cap_sys_resource(h);
        SpecUlimitArg limits[RLIM_NLIMITS];
        bool set[RLIM_NLIMITS] = { 0 };

        /* Podman's defaults, never above what the runtime may set. */
        static const struct {
                int resource;
                const char *type;
                uint64_t value;
        } defaults[] = {
                { RLIMIT_NOFILE, "RLIMIT_NOFILE", 1048576 },
                { RLIMIT_NPROC, "RLIMIT_NPROC", 4194304 },
        };
        for (size_t i = 0; i < ELEMENTSOF(defaults); i++) {
                uint64_t v = defaults[i].value;
                uint64_t hard = h->rlimits[defaults[i].resource].rlim_max;
                if (!can_raise && v > hard)
                        v = hard;
                if (defaults[i].resource == RLIMIT_NOFILE && h->nr_open && v > h->nr_open)
                        v = h->nr_open;
                limits[defaults[i].resource] =
                        (SpecUlimitArg){ defaults[i].resource, defaults[i].type, v, v };
                set[defaults[i].resource] = true;
        }

        bool given[RLIM_NLIMITS] = { 0 };
        size_t i;
        json_t *e;
        json_array_foreach (spec_field_array(ctx->resources, "ulimit"), i, e) {
                const char *text = json_string_value(e);
                SpecUlimitArg a;
                if (spec_ulimit_arg_parse(text, &a, err) < 0)
                        return -1;
                if (given[a.resource])
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "resources.ulimit `%s`: %s is given twice", text, a.type);
                uint64_t hard = h->rlimits[a.resource].rlim_max;
                if (!can_raise && hard != RLIM_INFINITY && a.hard > hard)
                        return err_set(err, ERR_NOT_SUPPORTED, 0,
                                       "resources.ulimit `%s`: the hard limit exceeds the engine's "
                                       "own (%llu), which needs CAP_SYS_RESOURCE",
                                       text, (unsigned long long)hard);
                if (a.resource == RLIMIT_NOFILE && h->nr_open && a.hard > h->nr_open)
                        return err_set(
                                err, ERR_NOT_SUPPORTED, 0,
                                "resources.ulimit `%s`: above the kernel's fs.nr_open (%llu)", text,
                                (unsigned long long)h->nr_open);
                given[a.resource] = set[a.resource] = true;
                limits[a.resource] = a;
        }

        json_t *list = json_array();
        json_object_set_new(ctx->process, "rlimits", list);
        for (int r = 0; r < RLIM_NLIMITS; r++)
                if (set[r])
                        json_array_append_new(list,
                                              json_pack("{s:s, s:I, s:I}", "type", limits[r].type,
                                                        "hard", rlimit_json(limits[r].hard), "soft",
                                                        rlimit_json(limits[r].soft)));
        return 0;
}

static bool sysctl_name_is_valid(const char *s) {
        size_t len = strlen(s);
        if (len == 0 || len > 256 || s[0] == '.' || s[len - 1] == '.' || strstr(s, ".."))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
                    !(s[i] >= '0' && s[i] <= '9') && !strchr("._-", s[i]))
                        return false;
        return true;
}

int spec_sysctl_setup(SpecCtx *ctx, Error **err) {
        /* The sysctls podman (and docker's ValidateSysctl) allow: those a
         * namespace of the container's own isolates. */
        static const char *const ipc_names[] = {
                "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
        };
        const json_t *map = spec_field_object(ctx->create, "sys_ctl");
        if (json_object_size(map) == 0)
                return 0;
        json_t *out = json_object();
        json_object_set_new(ctx->oci_linux, "sysctl", out);
        const char *key;
        json_t *value;
        json_object_foreach ((json_t *)map, key, value) {
                const char *v = json_string_value(value);
                if (!sysctl_name_is_valid(key))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "sys_ctl: invalid sysctl name `%s`", key);
                if (!v || !*v || strchr(v, '\n'))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "sys_ctl `%s`: invalid value",
                                       key);
                SpecNamespace ns;
                bool ipc = STRPREFIX(key, "fs.mqueue.");
                for (size_t i = 0; !ipc && i < ELEMENTSOF(ipc_names); i++)
                        ipc = STREQ(key, ipc_names[i]);
                if (ipc)
                        ns = SPEC_NS_IPC;
                else if (STRPREFIX(key, "net."))
                        ns = SPEC_NS_NETWORK;
                else if (STREQ(key, "kernel.domainname") || STREQ(key, "kernel.hostname"))
                        ns = SPEC_NS_UTS;
                else
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "sys_ctl `%s`: not a namespaced sysctl, so it cannot be set "
                                       "for a container",
                                       key);
                if (ctx->ns_kind[ns] == SPEC_NS_KIND_NONE)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "sys_ctl `%s`: cannot be set with the host's %s namespace",
                                       key, spec_namespace_name(ns));
                json_object_set_new(out, key, json_string(v));
        }
        return 0;
}
