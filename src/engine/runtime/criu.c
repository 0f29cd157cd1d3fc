/* SPDX-License-Identifier: Apache-2.0 */
/* CRIU's presence, version and host check (runtime-criu.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime-criu.h"
#include "runtime-private.h"
#include "xalloc.h"

/* What `criu ARG` prints (stdout and stderr together, the first 64 KiB),
 * and its wait status. */
#define CRIU_OUTPUT_MAX (64 * 1024)

static char *criu_path_find(void) {
        const char *path = getenv("PATH");
        _cleanup_free_ char *dirs = xstrdup(path && *path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
        char *save = NULL;
        for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                char *candidate = xasprintf("%s/criu", d);
                if (access(candidate, X_OK) == 0)
                        return candidate;
                free(candidate);
        }
        return NULL;
}

static int criu_run(const char *arg, char **ret_output, int *ret_status, Error **err) {
        _cleanup_free_ char *path = criu_path_find();
        if (!path)
                return err_set(err, ERR_NOT_FOUND, 0, "criu is not installed (not in PATH)");
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return err_set(err, ERR_SYSTEM, errno, "pipe");
        char *argv[] = { path, (char *)arg, NULL };
        int fds[3] = { -1, p[1], p[1] };
        pid_t pid;
        int r = runtime_spawn(path, argv, NULL, fds, 3, NULL, false, &pid, err);
        close(p[1]);
        if (r < 0) {
                close(p[0]);
                return r;
        }
        char *out = xmalloc(CRIU_OUTPUT_MAX + 1);
        size_t len = 0;
        for (;;) {
                ssize_t n = read(p[0], out + len, CRIU_OUTPUT_MAX - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
                if (len == CRIU_OUTPUT_MAX) {
                        /* Keep reading so criu never blocks on a full pipe. */
                        char sink[4096];
                        ssize_t k;
                        do
                                k = read(p[0], sink, sizeof sink);
                        while (k > 0 || (k < 0 && errno == EINTR));
                        break;
                }
        }
        close(p[0]);
        out[len] = '\0';
        runtime_child_reap(pid, ret_status);
        *ret_output = out;
        return 0;
}

int runtime_criu_version(int *ret, Error **err) {
        _cleanup_free_ char *out = NULL;
        int status;
        if (criu_run("--version", &out, &status, err) < 0)
                return -1;
        const char *v = strstr(out, "Version: ");
        int major = 0, minor = 0, sub = 0;
        if (status != 0 || !v || sscanf(v, "Version: %d.%d.%d", &major, &minor, &sub) < 2)
                return err_set(err, ERR_RUNTIME, 0, "criu --version: unexpected output `%s`",
                               runtime_strip(out));
        *ret = major * 10000 + minor * 100 + sub;
        return 0;
}

/* CRIU's last "Error (file:line): message" line without the position, or
 * its last line when none says Error. New string. */
static char *criu_last_error(char *out) {
        const char *last_error = NULL, *last = NULL;
        char *save = NULL;
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *e = strstr(line, "Error (");
                char *close = e ? strstr(e, "): ") : NULL;
                if (close)
                        last_error = close + 3;
                last = line;
        }
        const char *why = last_error ? last_error : last;
        return xstrdup(why ? runtime_strip((char *)why) : "no output");
}

int runtime_criu_check(Error **err) {
        _cleanup_free_ char *out = NULL;
        int status;
        if (criu_run("check", &out, &status, err) < 0)
                return -1;
        if (status == 0)
                return 0;
        _cleanup_free_ char *why = criu_last_error(out);
        size_t n = strlen(why);
        if (n > 0 && why[n - 1] == '.')
                why[n - 1] = '\0'; /* it ends our message: no final period */
        return err_set(err, ERR_NOT_SUPPORTED, 0, "criu check: %s", why);
}
