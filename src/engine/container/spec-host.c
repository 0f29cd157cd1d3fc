/* SPDX-License-Identifier: Apache-2.0 */
/* What the host and the engine process can give a container. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "spec-private.h"
#include "xalloc.h"

#define CGROUP2_MAGIC 0x63677270
#define SELINUX_MAGIC 0xf97cff8c

const char *spec_namespace_name(SpecNamespace ns) {
        static const char *const names[SPEC_NS__MAX] = {
                [SPEC_NS_PID] = "pid",   [SPEC_NS_NETWORK] = "network", [SPEC_NS_IPC] = "ipc",
                [SPEC_NS_UTS] = "uts",   [SPEC_NS_MOUNT] = "mount",     [SPEC_NS_CGROUP] = "cgroup",
                [SPEC_NS_USER] = "user",
        };
        return (unsigned)ns < SPEC_NS__MAX ? names[ns] : "unknown";
}

const char *spec_namespace_proc_name(SpecNamespace ns) {
        if (ns == SPEC_NS_NETWORK)
                return "net";
        if (ns == SPEC_NS_MOUNT)
                return "mnt";
        return spec_namespace_name(ns);
}

static bool fs_is(const char *path, long magic) {
        struct statfs sfs;
        return statfs(path, &sfs) == 0 && (long)sfs.f_type == magic;
}

static bool exists(const char *path) { return access(path, F_OK) == 0; }

/* The engine's own cgroup v2 directory, for knobs that only exist below
 * the root. */
static char *cgroup2_self_dir(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        while (f && getline(&line, &cap, f) > 0) {
                line[strcspn(line, "\n")] = '\0';
                if (STRPREFIX(line, "0::"))
                        return xasprintf("/sys/fs/cgroup%s", line + 3);
        }
        return xstrdup("/sys/fs/cgroup");
}

static bool cgroup2_has(const char *knob) {
        _cleanup_free_ char *dir = cgroup2_self_dir();
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, knob);
        /* At the root the knobs are absent although children have them. */
        return exists(path) || STREQ(dir, "/sys/fs/cgroup") || STREQ(dir, "/sys/fs/cgroup/");
}

int spec_host_probe(SpecHost *ret, Error **err) {
        SpecHost h = { 0 };
        struct utsname u;
        if (uname(&u) < 0)
                return err_set(err, ERR_SYSTEM, errno, "uname");
        snprintf(h.machine, sizeof h.machine, "%s", u.machine);
#if defined(__x86_64__)
        /* getpid through the x32 entry: ENOSYS when the kernel lacks it. */
        h.no_x32 = syscall(0x40000000L | SYS_getpid) < 0 && errno == ENOSYS;
#endif
        snprintf(h.kernel, sizeof h.kernel, "%s", u.release);
        if (gethostname(h.hostname, sizeof h.hostname - 1) < 0)
                snprintf(h.hostname, sizeof h.hostname, "%s", u.nodename);

        if (fs_is("/sys/fs/cgroup", CGROUP2_MAGIC))
                h.cgroup_mode = SPEC_CGROUP_V2;
        else if (fs_is("/sys/fs/cgroup/unified", CGROUP2_MAGIC))
                h.cgroup_mode = SPEC_CGROUP_HYBRID;
        else
                h.cgroup_mode = SPEC_CGROUP_V1;

        _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
        if (!f)
                return err_set(err, ERR_SYSTEM, errno, "open /proc/self/status");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        bool caps_found = false;
        while (getline(&line, &cap, f) > 0)
                if (sscanf(line, "CapPrm: %" SCNx64, &h.caps) == 1)
                        caps_found = true;
        if (!caps_found)
                return err_set(err, ERR_SYSTEM, 0, "no CapPrm in /proc/self/status");

        _cleanup_fclose_ FILE *lc = fopen("/proc/sys/kernel/cap_last_cap", "re");
        if (!lc || fscanf(lc, "%u", &h.cap_last_cap) != 1)
                h.cap_last_cap = 40;

        for (int i = 0; i < RLIM_NLIMITS; i++)
                if (getrlimit(i, &h.rlimits[i]) < 0)
                        return err_set(err, ERR_SYSTEM, errno, "getrlimit %d", i);

        _cleanup_fclose_ FILE *nr = fopen("/proc/sys/fs/nr_open", "re");
        if (!nr || fscanf(nr, "%" SCNu64, &h.nr_open) != 1)
                h.nr_open = 0;

        _cleanup_fclose_ FILE *oom = fopen("/proc/self/oom_score_adj", "re");
        if (!oom || fscanf(oom, "%d", &h.oom_score_adj) != 1)
                h.oom_score_adj = 0;

        _cleanup_fclose_ FILE *aa = fopen("/sys/module/apparmor/parameters/enabled", "re");
        h.apparmor = aa && fgetc(aa) == 'Y';
        h.selinux = fs_is("/sys/fs/selinux", SELINUX_MAGIC) && exists("/sys/fs/selinux/enforce");

        if (h.cgroup_mode == SPEC_CGROUP_V2) {
                h.memory_swap = cgroup2_has("memory.swap.max");
                h.cpu_rt = false;
                h.blkio_weight = cgroup2_has("io.weight") || cgroup2_has("io.bfq.weight");
        } else {
                h.memory_swap = exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes");
                h.cpu_rt = exists("/sys/fs/cgroup/cpu/cpu.rt_runtime_us");
                /* BFQ's weight file only appears below the root cgroup; its
                 * statistics at the root tell that BFQ is there. */
                h.blkio_weight = exists("/sys/fs/cgroup/blkio/blkio.weight") ||
                                 exists("/sys/fs/cgroup/blkio/blkio.bfq.io_service_bytes");
        }
        *ret = h;
        return 0;
}
