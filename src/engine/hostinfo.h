/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Facts about the host, for GetInfo and `varpod info`. */

#include <stdint.h>

#include "error.h"

typedef struct HostInfo {
        char *distribution;         /* ID= of os-release, raw (quotes kept), or "unknown" */
        char *distribution_version; /* VERSION_ID= without quotes, or "unknown" */
        int64_t mem_free;           /* bytes */
        int64_t mem_total;
        int64_t swap_free;
        int64_t swap_total;
        char *arch;   /* Go's spelling: amd64, arm64, ... */
        char *os;     /* "linux" */
        int64_t cpus; /* CPUs this process may run on */
        char *hostname;
        char *kernel; /* release, third word of /proc/version */
        char *uptime; /* "28h 34m 12.56s (Approximately 1.19 days)" */
} HostInfo;

/* Reads the host facts. os_release may be NULL for /etc/os-release (tests
 * pass their own). */
int hostinfo_load(HostInfo *ret, const char *os_release, Error **err);
void hostinfo_clear(HostInfo *h);

/* Go's GOARCH name for a uname machine ("x86_64" -> "amd64"). */
const char *hostinfo_go_arch(const char *machine);

/* Renders an uptime given as the text of /proc/uptime's first field. */
char *hostinfo_uptime_format(const char *seconds_text);
