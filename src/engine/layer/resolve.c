/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "layer-private.h"
#include "xalloc.h"

const char *layer_name_display(const char *name, char out[256]) {
        size_t o = 0;
        for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
                if (o == 200) {
                        memcpy(out + o, "...", 4);
                        return out;
                }
                out[o++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
        }
        out[o] = '\0';
        return out;
}

char *layer_path_clean(const char *name) {
        size_t len = strlen(name);
        _cleanup_free_ char *out = xmalloc(len + 1);
        size_t o = 0;
        const char *p = name;

        /* Component by component; o is the end of what is kept so far. A
         * ".." drops the last kept component, or escapes when none is left:
         * it is never handed to the kernel, which would resolve it through
         * whatever symlinks the layer planted. */
        while (*p) {
                while (*p == '/')
                        p++;
                const char *c = p;
                while (*p && *p != '/')
                        p++;
                size_t n = (size_t)(p - c);
                if (n == 0 || (n == 1 && c[0] == '.'))
                        continue;
                if (n == 2 && c[0] == '.' && c[1] == '.') {
                        if (o == 0)
                                return NULL;
                        while (o > 0 && out[o - 1] != '/')
                                o--;
                        if (o > 0)
                                o--; /* the separator before the dropped component */
                        continue;
                }
                if (o > 0)
                        out[o++] = '/';
                memcpy(out + o, c, n);
                o += n;
        }
        out[o] = '\0';
        return TAKE_PTR(out);
}

/* 0: unknown, 1: openat2 works, -1: the kernel (or a seccomp filter) lacks it. */
static atomic_int openat2_state;

static int dir_open_fast(int rootfd, const char *path) {
        if (atomic_load(&openat2_state) < 0)
                return -ENOSYS;
        struct open_how how = {
                .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                /* BENEATH refuses to leave the root even through "..", and
                 * NO_SYMLINKS refuses every symlink, not only the trailing
                 * one: exactly the component walk below, in one syscall. */
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof how);
        if (fd >= 0) {
                atomic_store(&openat2_state, 1);
                return (int)fd;
        }
        if ((errno == ENOSYS || errno == E2BIG || errno == EPERM) &&
            atomic_load(&openat2_state) == 0)
                atomic_store(&openat2_state, -1);
        return -errno;
}

/* Why openat(..., O_NOFOLLOW | O_DIRECTORY) refused a component. */
static int component_classify(int dirfd, const char *name, int e) {
        struct stat st;
        if (e != ELOOP && e != ENOTDIR)
                return -e;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (S_ISLNK(st.st_mode))
                return -ELOOP;
        return S_ISDIR(st.st_mode) ? -e : -ENOTDIR;
}

int layer_dir_open(int rootfd, const char *path, bool create, size_t *ret_failed_len) {
        int fd;
        if (path[0] == '\0') {
                fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                return fd >= 0 ? fd : -errno;
        }

        fd = dir_open_fast(rootfd, path);
        if (fd >= 0)
                return fd;

        /* The slow path creates what is missing and says which component is
         * at fault; without openat2 it is the only path. */
        _cleanup_close_ int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cur < 0)
                return -errno;
        _cleanup_free_ char *copy = xstrdup(path);
        char *c = copy;
        for (;;) {
                char *slash = strchr(c, '/');
                if (slash)
                        *slash = '\0';
                int next = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0 && errno == ENOENT && create) {
                        if (mkdirat(cur, c, 0755) < 0 && errno != EEXIST) {
                                int e = errno;
                                if (ret_failed_len)
                                        *ret_failed_len = (size_t)(c - copy) + strlen(c);
                                return -e;
                        }
                        next = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (next < 0) {
                        int r = component_classify(cur, c, errno);
                        if (ret_failed_len)
                                *ret_failed_len = (size_t)(c - copy) + strlen(c);
                        return r;
                }
                /* With O_PATH, O_NOFOLLOW opens a symlink itself and only
                 * O_DIRECTORY refuses it; check rather than trust that. */
                struct stat st;
                if (fstat(next, &st) < 0 || !S_ISDIR(st.st_mode)) {
                        close(next);
                        if (ret_failed_len)
                                *ret_failed_len = (size_t)(c - copy) + strlen(c);
                        return component_classify(cur, c, ENOTDIR);
                }
                closep(&cur);
                cur = next;
                if (!slash)
                        break;
                c = slash + 1;
        }
        return TAKE_FD(cur);
}
