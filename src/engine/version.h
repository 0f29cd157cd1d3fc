/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What this build of varpod is. */

#include <stdint.h>

typedef struct VersionInfo {
        const char *version;    /* "0.1.0" */
        const char *compiler;   /* "gcc 12.2.0" */
        const char *git_commit; /* "" when built outside git */
        int64_t built;          /* Unix time of the commit built, 0 if unknown */
        const char *os_arch;    /* "linux/amd64" */
        int64_t remote_api_version;
} VersionInfo;

const VersionInfo *version_info(void);
