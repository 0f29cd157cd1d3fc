/* SPDX-License-Identifier: Apache-2.0 */
/* Where a container's cgroup is (cgroupfs manager) and what it has used:
 * the numbers behind GetContainerStats, the PIDs behind
 * ListContainerProcesses. Both cgroup versions: v1 with one hierarchy per
 * controller (possibly beside a controller-less cgroup2 "unified" mount,
 * the hybrid layout), and v2 alone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <linux/magic.h>

#include "runtime-private.h"
#include "xalloc.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

int runtime_cgroup_mode(RuntimeCgroupMode *ret, Error **err) {
        struct statfs st;
        if (statfs(CGROUP_ROOT, &st) < 0)
                return err_set(err, ERR_NOT_SUPPORTED, errno, "statfs `%s`", CGROUP_ROOT);
        if (st.f_type == CGROUP2_SUPER_MAGIC) {
                *ret = RUNTIME_CGROUP_UNIFIED;
                return 0;
        }
        if (st.f_type != TMPFS_MAGIC)
                return err_set(err, ERR_NOT_SUPPORTED, 0, "`%s` is neither cgroup2 nor tmpfs",
                               CGROUP_ROOT);
        /* The same test crun and runc make: a cgroup2 mount at
         * /sys/fs/cgroup/unified beside the v1 hierarchies is "hybrid". */
        if (statfs(CGROUP_ROOT "/unified", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
                *ret = RUNTIME_CGROUP_HYBRID;
        else
                *ret = RUNTIME_CGROUP_LEGACY;
        return 0;
}

/* Whether a v1 mount's super options name the controller ("rw,cpu,cpuacct";
 * named hierarchies as "name=systemd", matched by "systemd"). */
static bool options_have(const char *options, const char *controller) {
        _cleanup_free_ char *copy = xstrdup(options);
        char *save = NULL;
        for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                if (STRPREFIX(o, "name="))
                        o += 5;
                if (STREQ(o, controller))
                        return true;
        }
        return false;
}

/* Calls fn for every cgroup mount of /proc/self/mountinfo: v1 mounts
 * (fstype "cgroup") and the cgroup2 one; stops when fn returns true. */
static bool mounts_foreach(bool (*fn)(const char *mountpoint, bool v2, const char *options,
                                      void *userdata),
                           void *userdata) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return false;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
                char *sep = strstr(line, " - ");
                if (!sep)
                        continue;
                char fstype[32], source[256], super[1024];
                if (sscanf(sep + 3, "%31s %255s %1023s", fstype, source, super) != 3)
                        continue;
                bool v2 = STREQ(fstype, "cgroup2");
                if (!v2 && !STREQ(fstype, "cgroup"))
                        continue;
                char mountpoint[4096];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mountpoint) != 1)
                        continue;
                if (fn(mountpoint, v2, super, userdata))
                        return true;
        }
        return false;
}

typedef struct MountQuery {
        const char *controller; /* NULL: the cgroup2 mount */
        char *found;
} MountQuery;

static bool mount_match(const char *mountpoint, bool v2, const char *options, void *userdata) {
        MountQuery *q = userdata;
        if (q->controller ? v2 || !options_have(options, q->controller) : !v2)
                return false;
        q->found = xstrdup(mountpoint);
        return true;
}

static int path_check(const char *cgroups_path, Error **err) {
        /* "slice:prefix:name" is the systemd manager's spelling; relative
         * paths are relative to the runtime's own cgroup, unknowable here. */
        if (!cgroups_path || cgroups_path[0] != '/' || strchr(cgroups_path, ':') ||
            strstr(cgroups_path, "/../") || strstr(cgroups_path, "/.."))
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "cgroups path `%s`: only absolute cgroupfs paths are supported",
                               cgroups_path ? cgroups_path : "");
        return 0;
}

int runtime_cgroup_dir(const char *cgroups_path, const char *controller, char **ret, Error **err) {
        if (path_check(cgroups_path, err) < 0)
                return -1;
        RuntimeCgroupMode mode;
        if (runtime_cgroup_mode(&mode, err) < 0)
                return -1;
        MountQuery q = { .controller = mode == RUNTIME_CGROUP_UNIFIED ? NULL : controller };
        if (!mounts_foreach(mount_match, &q)) {
                /* No mount table (odd chroots): the conventional layout. */
                if (access(CGROUP_ROOT, F_OK) < 0)
                        return err_set(err, ERR_NOT_SUPPORTED, 0, "no cgroup %s mounted",
                                       q.controller ? q.controller : "v2 hierarchy");
                q.found = q.controller ? xasprintf(CGROUP_ROOT "/%s", q.controller)
                                       : xstrdup(CGROUP_ROOT);
                if (q.controller && access(q.found, F_OK) < 0) {
                        free(q.found);
                        return err_set(err, ERR_NOT_SUPPORTED, 0,
                                       "cgroup controller `%s` is not mounted", controller);
                }
        }
        *ret = xasprintf("%s%s", q.found, cgroups_path);
        free(q.found);
        return 0;
}

/* Reads DIR/FILE as a number; a missing file (controller without that
 * counter on this kernel) leaves *ret alone and is no error. */
static int read_u64_opt(const char *dir, const char *file, uint64_t *ret, Error **err) {
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
        Error *e = NULL;
        if (runtime_file_read_u64(path, ret, &e) < 0) {
                if (e->kind == ERR_NOT_FOUND) {
                        err_free(e);
                        return 0;
                }
                return err_propagate(err, e);
        }
        return 0;
}

static char *read_text_opt(const char *dir, const char *file) {
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
        char *text = NULL;
        if (runtime_file_read(path, 1 << 20, &text, NULL, NULL) < 0)
                return NULL;
        return text;
}

static uint64_t host_memory(void) {
        struct sysinfo si;
        if (sysinfo(&si) < 0)
                return UINT64_MAX;
        return (uint64_t)si.totalram * si.mem_unit;
}

static uint64_t ticks_to_ns(uint64_t ticks) {
        long hz = sysconf(_SC_CLK_TCK);
        return ticks * (1000000000ULL / (uint64_t)(hz > 0 ? hz : 100));
}

/* The host's CPU time as docker computes system_cpu_usage: the first line
 * of /proc/stat, user through steal (guest time is already in user). */
static uint64_t host_cpu_ns(void) {
        _cleanup_free_ char *text = NULL;
        if (runtime_file_read("/proc/stat", 1 << 20, &text, NULL, NULL) < 0 ||
            !STRPREFIX(text, "cpu "))
                return 0;
        uint64_t total = 0;
        char *p = text + 4;
        for (int i = 0; i < 8; i++) {
                char *end;
                uint64_t v = strtoull(p, &end, 10);
                if (end == p)
                        break;
                total += v;
                p = end;
        }
        return ticks_to_ns(total);
}

static uint64_t online_cpus(void) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return n > 0 ? (uint64_t)n : 1;
}

/* Sums "MAJ:MIN Read N" / "MAJ:MIN Write N" rows of a v1 blkio file. */
static void blkio_v1_sum(const char *text, uint64_t *ret_read, uint64_t *ret_write) {
        char dev[64], op[32];
        unsigned long long v;
        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                if (sscanf(p, "%63s %31s %llu", dev, op, &v) != 3)
                        continue;
                if (STREQ(op, "Read"))
                        *ret_read += v;
                else if (STREQ(op, "Write"))
                        *ret_write += v;
        }
}

/* Sums rbytes=/wbytes= of v2 io.stat rows ("8:0 rbytes=1 wbytes=2 ..."). */
static void io_v2_sum(const char *text, uint64_t *ret_read, uint64_t *ret_write) {
        for (const char *p = text; p && *p; p++) {
                if (STRPREFIX(p, "rbytes="))
                        *ret_read += strtoull(p + 7, NULL, 10);
                else if (STRPREFIX(p, "wbytes="))
                        *ret_write += strtoull(p + 7, NULL, 10);
        }
}

/* rx/tx bytes of every interface but lo in /proc/PID/net/dev, which shows
 * the network namespace of that process, i.e. the container's. */
static void net_read(pid_t pid, uint64_t *ret_rx, uint64_t *ret_tx) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/net/dev", (int)pid);
        _cleanup_free_ char *text = NULL;
        if (runtime_file_read(path, 1 << 20, &text, NULL, NULL) < 0)
                return;
        int lineno = 0;
        for (char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                if (lineno++ < 2) /* two header lines */
                        continue;
                char *colon = strchr(p, ':');
                char *eol = strchr(p, '\n');
                if (!colon || (eol && colon > eol))
                        continue;
                char *name = p;
                while (*name == ' ')
                        name++;
                if ((size_t)(colon - name) == 2 && strncmp(name, "lo", 2) == 0)
                        continue;
                unsigned long long f[9];
                if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1],
                           &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8]) != 9)
                        continue;
                *ret_rx += f[0]; /* receive bytes, then 7 more receive fields */
                *ret_tx += f[8]; /* transmit bytes */
        }
}

static int dir_require(const char *dir, const char *cgroups_path, Error **err) {
        if (access(dir, F_OK) < 0)
                return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                               "cgroup `%s`", cgroups_path);
        return 0;
}

static int stats_v1(const char *cgroups_path, RuntimeStats *s, Error **err) {
        _cleanup_free_ char *cpu = NULL, *mem = NULL, *blk = NULL, *pids = NULL;
        if (runtime_cgroup_dir(cgroups_path, "cpuacct", &cpu, err) < 0 ||
            runtime_cgroup_dir(cgroups_path, "memory", &mem, err) < 0)
                return -1;
        if (dir_require(cpu, cgroups_path, err) < 0)
                return -1;

        if (read_u64_opt(cpu, "cpuacct.usage", &s->cpu_ns, err) < 0)
                return -1;
        uint64_t sys_ns = UINT64_MAX;
        if (read_u64_opt(cpu, "cpuacct.usage_sys", &sys_ns, err) < 0)
                return -1;
        if (sys_ns != UINT64_MAX)
                s->cpu_kernel_ns = sys_ns;
        else {
                /* Older kernels: only USER_HZ ticks in cpuacct.stat. */
                _cleanup_free_ char *stat = read_text_opt(cpu, "cpuacct.stat");
                uint64_t ticks = 0;
                if (stat && runtime_keyed_u64(stat, "system", &ticks))
                        s->cpu_kernel_ns = ticks_to_ns(ticks);
        }
        _cleanup_free_ char *percpu = read_text_opt(cpu, "cpuacct.usage_percpu");
        s->ncpus = 0;
        if (percpu) {
                char *save = NULL;
                for (char *t = strtok_r(percpu, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
                        s->ncpus++;
        }
        if (s->ncpus == 0)
                s->ncpus = online_cpus();

        uint64_t usage = 0, limit = UINT64_MAX, cache = 0;
        if (read_u64_opt(mem, "memory.usage_in_bytes", &usage, err) < 0 ||
            read_u64_opt(mem, "memory.limit_in_bytes", &limit, err) < 0)
                return -1;
        /* docker's "usage without cache": page cache the container touched
         * is reclaimable, so it is not what the container uses. */
        _cleanup_free_ char *mstat = read_text_opt(mem, "memory.stat");
        if (mstat && !runtime_keyed_u64(mstat, "total_cache", &cache))
                runtime_keyed_u64(mstat, "cache", &cache);
        s->mem_usage = usage > cache ? usage - cache : usage;
        s->mem_limit = limit;

        if (runtime_cgroup_dir(cgroups_path, "blkio", &blk, NULL) == 0) {
                _cleanup_free_ char *io = read_text_opt(blk, "blkio.throttle.io_service_bytes");
                if (!io)
                        io = read_text_opt(blk, "blkio.io_service_bytes_recursive");
                if (io)
                        blkio_v1_sum(io, &s->blk_read, &s->blk_write);
        }
        if (runtime_cgroup_dir(cgroups_path, "pids", &pids, NULL) == 0 &&
            read_u64_opt(pids, "pids.current", &s->pids, err) < 0)
                return -1;
        return 0;
}

static int stats_v2(const char *cgroups_path, RuntimeStats *s, Error **err) {
        _cleanup_free_ char *dir = NULL;
        if (runtime_cgroup_dir(cgroups_path, NULL, &dir, err) < 0)
                return -1;
        if (dir_require(dir, cgroups_path, err) < 0)
                return -1;
        _cleanup_free_ char *cpu = read_text_opt(dir, "cpu.stat");
        uint64_t usec = 0;
        if (cpu && runtime_keyed_u64(cpu, "usage_usec", &usec))
                s->cpu_ns = usec * 1000;
        if (cpu && runtime_keyed_u64(cpu, "system_usec", &usec))
                s->cpu_kernel_ns = usec * 1000;
        s->ncpus = online_cpus();

        uint64_t usage = 0, limit = UINT64_MAX;
        if (read_u64_opt(dir, "memory.current", &usage, err) < 0 ||
            read_u64_opt(dir, "memory.max", &limit, err) < 0)
                return -1;
        s->mem_usage = usage;
        s->mem_limit = limit;
        _cleanup_free_ char *io = read_text_opt(dir, "io.stat");
        if (io)
                io_v2_sum(io, &s->blk_read, &s->blk_write);
        return read_u64_opt(dir, "pids.current", &s->pids, err);
}

int runtime_cgroup_stats_read(const char *cgroups_path, pid_t pid, RuntimeStats *ret, Error **err) {
        RuntimeCgroupMode mode;
        if (path_check(cgroups_path, err) < 0 || runtime_cgroup_mode(&mode, err) < 0)
                return -1;
        RuntimeStats s = { .read_ns = runtime_now_ns() };
        int r = mode == RUNTIME_CGROUP_UNIFIED ? stats_v2(cgroups_path, &s, err)
                                               : stats_v1(cgroups_path, &s, err);
        if (r < 0)
                return err_wrap(err, "stats of cgroup `%s`", cgroups_path);
        uint64_t host = host_memory();
        if (s.mem_limit > host)
                s.mem_limit = host;
        s.system_cpu_ns = host_cpu_ns();
        if (pid > 0)
                net_read(pid, &s.net_rx, &s.net_tx);
        *ret = s;
        return 0;
}

static int pid_compare(const void *a, const void *b) {
        pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
        return (x > y) - (x < y);
}

int runtime_cgroup_pids_read(const char *cgroups_path, pid_t **ret, size_t *ret_n, Error **err) {
        RuntimeCgroupMode mode;
        if (path_check(cgroups_path, err) < 0 || runtime_cgroup_mode(&mode, err) < 0)
                return -1;
        /* On v1 every hierarchy lists the same processes; take the first
         * controller that is mounted. */
        static const char *const controllers[] = { "pids",    "memory",  "cpuacct",
                                                   "devices", "freezer", "systemd" };
        _cleanup_free_ char *dir = NULL;
        if (mode == RUNTIME_CGROUP_UNIFIED) {
                if (runtime_cgroup_dir(cgroups_path, NULL, &dir, err) < 0)
                        return -1;
        } else {
                for (size_t i = 0; i < ELEMENTSOF(controllers) && !dir; i++)
                        if (runtime_cgroup_dir(cgroups_path, controllers[i], &dir, NULL) < 0)
                                dir = NULL;
                if (!dir)
                        return err_set(err, ERR_NOT_SUPPORTED, 0,
                                       "no cgroup v1 controller mounted");
        }
        _cleanup_free_ char *path = xasprintf("%s/cgroup.procs", dir);
        _cleanup_free_ char *text = NULL;
        if (runtime_file_read(path, 16 << 20, &text, NULL, err) < 0)
                return err_wrap(err, "processes of cgroup `%s`", cgroups_path);

        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0, cap = 0;
        char *save = NULL;
        for (char *t = strtok_r(text, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
                long v = strtol(t, NULL, 10);
                if (v <= 0)
                        continue;
                xgrow((void **)&pids, &cap, n + 1, sizeof *pids);
                pids[n++] = (pid_t)v;
        }
        if (n > 1)
                qsort(pids, n, sizeof *pids, pid_compare);
        *ret = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
}

typedef struct PruneQuery {
        const char *cgroups_path;
        unsigned levels;
} PruneQuery;

static bool prune_mount(const char *mountpoint, bool v2, const char *options, void *userdata) {
        PruneQuery *q = userdata;
        _cleanup_free_ char *dir = xasprintf("%s%s", mountpoint, q->cgroups_path);
        size_t floor = strlen(mountpoint);
        for (unsigned i = 0; i <= q->levels; i++) {
                if (rmdir(dir) < 0 && errno != ENOENT)
                        break; /* busy (processes, children): leave it */
                char *slash = strrchr(dir, '/');
                if (!slash || (size_t)(slash - dir) <= floor)
                        break;
                *slash = '\0';
        }
        return false;
}

void runtime_cgroup_prune(const char *cgroups_path, unsigned levels) {
        if (path_check(cgroups_path, NULL) < 0 || STREQ(cgroups_path, "/"))
                return;
        PruneQuery q = { cgroups_path, levels };
        mounts_foreach(prune_mount, &q);
}
