/* SPDX-License-Identifier: Apache-2.0 */
#include "hostinfo.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "macro.h"
#include "timefmt.h"
#include "xalloc.h"

void hostinfo_clear(HostInfo *h) {
        free(h->distribution);
        free(h->distribution_version);
        free(h->arch);
        free(h->os);
        free(h->hostname);
        free(h->kernel);
        free(h->uptime);
        *h = (HostInfo){ 0 };
}

const char *hostinfo_go_arch(const char *machine) {
        static const struct {
                const char *uname, *go;
        } map[] = {
                { "x86_64", "amd64" }, { "aarch64", "arm64" },   { "i686", "386" },
                { "i386", "386" },     { "armv7l", "arm" },      { "ppc64le", "ppc64le" },
                { "s390x", "s390x" },  { "riscv64", "riscv64" },
        };
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (STREQ(map[i].uname, machine))
                        return map[i].go;
        return machine;
}

static void os_release_read(const char *path, HostInfo *h) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while (f && (n = getline(&line, &cap, f)) > 0) {
                line[strcspn(line, "\n")] = 0;
                if (STRPREFIX(line, "ID=")) {
                        /* The reference kept the quotes of ID=; clients show it as is. */
                        free(h->distribution);
                        h->distribution = xstrdup(line + 3);
                } else if (STRPREFIX(line, "VERSION_ID=")) {
                        char *v = line + 11;
                        size_t len = strlen(v);
                        if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
                                v[len - 1] = 0;
                                v++;
                        }
                        free(h->distribution_version);
                        h->distribution_version = xstrdup(v);
                }
        }
        if (!h->distribution)
                h->distribution = xstrdup("unknown");
        if (!h->distribution_version)
                h->distribution_version = xstrdup("unknown");
}

static void meminfo_read(HostInfo *h) {
        _cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
        char key[64];
        int64_t kb;
        while (f && fscanf(f, "%63s %" SCNd64 "%*[^\n]", key, &kb) == 2) {
                if (STREQ(key, "MemTotal:"))
                        h->mem_total = kb * 1024;
                else if (STREQ(key, "MemFree:"))
                        h->mem_free = kb * 1024;
                else if (STREQ(key, "SwapTotal:"))
                        h->swap_total = kb * 1024;
                else if (STREQ(key, "SwapFree:"))
                        h->swap_free = kb * 1024;
        }
}

char *hostinfo_uptime_format(const char *seconds_text) {
        /* Parse "12345.67" exactly into nanoseconds (no float rounding). */
        char *end;
        errno = 0;
        int64_t whole = strtoll(seconds_text, &end, 10);
        if (errno || end == seconds_text || whole < 0)
                return xstrdup("unknown");
        int64_t frac = 0, scale = 100000000;
        if (*end == '.')
                for (const char *p = end + 1; *p >= '0' && *p <= '9' && scale > 0; p++, scale /= 10)
                        frac += (*p - '0') * scale;
        int64_t ns = whole * 1000000000 + frac;
        _cleanup_free_ char *d = timefmt_go_duration(ns);

        /* A space after every h and m, as the reference printed it. */
        char spaced[96];
        size_t o = 0;
        for (const char *p = d; *p && o + 2 < sizeof spaced; p++) {
                spaced[o++] = *p;
                if (*p == 'h' || (*p == 'm' && p[1] != 's'))
                        spaced[o++] = ' ';
        }
        spaced[o] = 0;
        if (whole >= 3600)
                return xasprintf("%s (Approximately %.2f days)", spaced,
                                 (double)ns / 1e9 / 86400.0);
        return xstrdup(spaced);
}

int hostinfo_load(HostInfo *ret, const char *os_release, Error **err) {
        HostInfo h = { 0 };
        struct utsname u;
        if (uname(&u) < 0)
                return err_set(err, ERR_SYSTEM, errno, "uname");
        h.arch = xstrdup(hostinfo_go_arch(u.machine));
        h.os = xstrdup("linux");
        h.hostname = xstrdup(u.nodename);

        /* The release is the third word of /proc/version ("Linux version X"). */
        _cleanup_fclose_ FILE *fv = fopen("/proc/version", "re");
        char w1[64], w2[64], w3[256];
        if (fv && fscanf(fv, "%63s %63s %255s", w1, w2, w3) == 3)
                h.kernel = xstrdup(w3);
        else
                h.kernel = xstrdup(u.release);

        cpu_set_t set;
        h.cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                             : sysconf(_SC_NPROCESSORS_ONLN);
        meminfo_read(&h);
        os_release_read(os_release ? os_release : "/etc/os-release", &h);

        _cleanup_fclose_ FILE *fu = fopen("/proc/uptime", "re");
        char up[64];
        h.uptime =
                fu && fscanf(fu, "%63s", up) == 1 ? hostinfo_uptime_format(up) : xstrdup("unknown");
        *ret = h;
        return 0;
}
