/* SPDX-License-Identifier: Apache-2.0 */
#include "version.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/utsname.h>

#include "config.h"
#include "git-version.h"
#include "hostinfo.h"

#ifdef __clang__
#define COMPILER_NAME "clang " __clang_version__
#else
#define COMPILER_NAME "gcc " __VERSION__
#endif

static const struct {
        const char *commit;
        long long time;
} git = { VARPOD_GIT_INFO };
static VersionInfo info;
static char os_arch[64];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void version_init(void) {
        struct utsname u;
        snprintf(os_arch, sizeof os_arch, "linux/%s",
                 uname(&u) == 0 ? hostinfo_go_arch(u.machine) : "unknown");
        info = (VersionInfo){
                .version = VARPOD_VERSION,
                .compiler = COMPILER_NAME,
                .git_commit = git.commit,
                .built = git.time,
                .os_arch = os_arch,
                /* The io.podman API generation served: the January 2019 one. */
                .remote_api_version = 1,
        };
}

const VersionInfo *version_info(void) {
        pthread_once(&once, version_init);
        return &info;
}
