/* SPDX-License-Identifier: Apache-2.0 */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

static int lock_open(const char *runroot, const char *kind, const char *name, Error **err) {
        if (strchr(name, '/') || strchr(kind, '/') || !*name)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid lock name `%s-%s`", kind,
                               name);
        _cleanup_free_ char *dir = xasprintf("%s/locks", runroot);
        if (mkdir(runroot, 0700) < 0 && errno != EEXIST)
                return err_set(err, ERR_SYSTEM, errno, "create run root `%s`", runroot);
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return err_set(err, ERR_SYSTEM, errno, "create `%s`", dir);
        _cleanup_free_ char *path = xasprintf("%s/%s-%s.lock", dir, kind, name);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "open lock `%s`", path);
        return fd;
}

static int lock_take(const char *runroot, const char *kind, const char *name, bool exclusive,
                     bool wait, Lock *ret, Error **err) {
        int fd = lock_open(runroot, kind, name, err);
        if (fd < 0)
                return -1;
        int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
        int r;
        while ((r = flock(fd, op)) < 0 && errno == EINTR)
                ;
        if (r < 0) {
                int saved = errno;
                close(fd);
                if (saved == EWOULDBLOCK)
                        return err_set(err, ERR_BAD_STATE, 0, "%s `%s` is busy", kind, name);
                return err_set(err, ERR_SYSTEM, saved, "lock %s `%s`", kind, name);
        }
        ret->fd = fd;
        return 0;
}

int lock_acquire(const char *runroot, const char *kind, const char *name, bool exclusive, Lock *ret,
                 Error **err) {
        return lock_take(runroot, kind, name, exclusive, true, ret, err);
}

int lock_try_acquire(const char *runroot, const char *kind, const char *name, bool exclusive,
                     Lock *ret, Error **err) {
        return lock_take(runroot, kind, name, exclusive, false, ret, err);
}

void lock_release(Lock *l) {
        if (l->fd >= 0) {
                close(l->fd); /* closing the description drops the flock */
                l->fd = -1;
        }
}
