/* SPDX-License-Identifier: Apache-2.0 */
/* Persistent network namespaces, made the way iproute2's `ip netns add`
 * makes them: a namespace only lives while something refers to it, so we
 * bind-mount its nsfs file onto a plain file under RUNROOT/netns. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "network-private.h"
#include "network.h"
#include "xalloc.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

/* Undoes the octal escapes (\040 for space, ...) of /proc/self/mountinfo. */
static void mountinfo_unescape(char *s) {
        char *w = s;
        for (char *r = s; *r;) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 4;
                } else
                        *w++ = *r++;
        }
        *w = '\0';
}

/* Whether path (already canonical) is a mount point of our mount namespace.
 * stat()'s st_dev cannot tell: a bind mount of a directory onto itself
 * keeps the device. */
static int mountinfo_has_mountpoint(const char *path, bool *ret, Error **err) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return err_set(err, ERR_SYSTEM, errno, "open /proc/self/mountinfo");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        bool found = false;
        while (getline(&line, &cap, f) > 0) {
                /* id parent major:minor root mountpoint ... */
                char *save = NULL, *field = strtok_r(line, " ", &save);
                for (int i = 0; field && i < 4; i++)
                        field = strtok_r(NULL, " ", &save);
                if (!field)
                        continue;
                mountinfo_unescape(field);
                if (STREQ(field, path))
                        found = true;
        }
        *ret = found;
        return 0;
}

/* Makes dir a mount point of its own with private propagation. Without
 * this, on a host whose / is shared (systemd's default) each namespace
 * bind mount would be copied into every peer mount namespace, where
 * netns_remove's umount never reaches it and the namespace lives on. */
static int netns_dir_prepare(const char *dir, Error **err) {
        if (network_dir_make(dir, 0755, err) < 0)
                return -1;
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "open `%s`", dir);
        /* Two engines (or a service and a CLI) preparing at once would
         * stack two bind mounts; the lock makes the check-then-mount one
         * step. It is released when fd closes. */
        if (flock(fd, LOCK_EX) < 0)
                return err_set(err, ERR_SYSTEM, errno, "lock `%s`", dir);
        char real[PATH_MAX];
        if (!realpath(dir, real))
                return err_set(err, ERR_SYSTEM, errno, "resolve `%s`", dir);
        bool mounted = false;
        if (mountinfo_has_mountpoint(real, &mounted, err) < 0)
                return -1;
        if (!mounted && mount(real, real, NULL, MS_BIND | MS_REC, NULL) < 0)
                return err_set(err, ERR_SYSTEM, errno, "bind-mount `%s` onto itself", real);
        /* Cheap and idempotent, so done every time: someone may have made
         * it shared since. */
        if (mount(NULL, real, NULL, MS_PRIVATE, NULL) < 0)
                return err_set(err, ERR_SYSTEM, errno, "make `%s` a private mount", real);
        return 0;
}

static int loopback_up(Error **err) {
        _cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return err_set(err, ERR_SYSTEM, errno, "socket");
        struct ifreq ifr = { 0 };
        strcpy(ifr.ifr_name, "lo");
        if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                return err_set(err, ERR_SYSTEM, errno, "get flags of lo");
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
                return err_set(err, ERR_SYSTEM, errno, "set lo up");
        return 0;
}

typedef struct NetnsCreate {
        const char *path;
        Error *error;
} NetnsCreate;

/* Runs in a thread of its own: unshare(CLONE_NEWNET) moves only the
 * calling thread, and since the thread ends right after, nothing has to
 * switch back (a pooled thread left in the wrong namespace would be a bug
 * far away from here). */
static void *netns_create_thread(void *userdata) {
        NetnsCreate *c = userdata;
        if (unshare(CLONE_NEWNET) < 0) {
                err_set(&c->error, ERR_SYSTEM, errno, "unshare network namespace");
                return NULL;
        }
        /* What the loopback plugin would do, without a process. */
        if (loopback_up(&c->error) < 0)
                return NULL;
        /* thread-self, not self: /proc/self/ns/net is the main thread's. */
        if (mount("/proc/thread-self/ns/net", c->path, NULL, MS_BIND, NULL) < 0)
                err_set(&c->error, ERR_SYSTEM, errno, "bind-mount network namespace onto `%s`",
                        c->path);
        return NULL;
}

int netns_create(const char *dir, const char *name, char **ret_path, Error **err) {
        if (!name || !*name || strchr(name, '/') || STREQ(name, ".") || STREQ(name, ".."))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "network namespace name `%s`",
                               name ? name : "");
        if (netns_dir_prepare(dir, err) < 0)
                return err_wrap(err, "network namespace `%s`", name);
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
        /* The mount point: an empty file nobody can open by mistake. */
        int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
        if (fd < 0) {
                if (errno == EEXIST)
                        return err_set(err, ERR_EXISTS, 0, "network namespace `%s` exists", path);
                return err_set(err, ERR_SYSTEM, errno, "create `%s`", path);
        }
        close(fd);

        NetnsCreate c = { .path = path };
        pthread_t t;
        int r = pthread_create(&t, NULL, netns_create_thread, &c);
        if (r != 0)
                err_set(&c.error, ERR_SYSTEM, r, "start thread");
        else
                pthread_join(t, NULL);
        if (c.error) {
                /* The thread may have failed before or after mounting:
                 * undo whichever happened. */
                (void)umount2(path, MNT_DETACH);
                (void)unlink(path);
                err_propagate(err, c.error);
                return err_wrap(err, "create network namespace `%s`", path);
        }
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        return 0;
}

int netns_remove(const char *path, Error **err) {
        /* MNT_DETACH: a process still inside keeps the namespace, not the
         * mount point. EINVAL: not a mount point (any more). */
        if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                return err_set(err, ERR_SYSTEM, errno, "unmount network namespace `%s`", path);
        if (unlink(path) < 0 && errno != ENOENT)
                return err_set(err, ERR_SYSTEM, errno, "remove network namespace `%s`", path);
        return 0;
}

static int netns_open(const char *path, Error **err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                               "open network namespace `%s`", path);
        /* An unmounted netns file is an ordinary empty file and nsfs holds
         * every kind of namespace: without these checks setns() would say
         * "Invalid argument" and nothing more. */
        struct statfs sfs;
        if (fstatfs(fd, &sfs) < 0)
                return err_set(err, ERR_SYSTEM, errno, "statfs `%s`", path);
        if (sfs.f_type != NSFS_MAGIC || ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "`%s` is not a network namespace",
                               path);
        return TAKE_FD(fd);
}

int netns_path_check(const char *path, Error **err) {
        int fd = netns_open(path, err);
        if (fd < 0)
                return -1;
        close(fd);
        return 0;
}

typedef struct NetnsRun {
        int fd;
        NetnsFunc fn;
        void *userdata;
        int result;
        Error *error;
} NetnsRun;

static void *netns_run_thread(void *userdata) {
        NetnsRun *r = userdata;
        if (setns(r->fd, CLONE_NEWNET) < 0) {
                r->result = err_set(&r->error, ERR_SYSTEM, errno, "join network namespace");
                return NULL;
        }
        r->result = r->fn(r->userdata, &r->error);
        return NULL;
}

int netns_run(const char *path, NetnsFunc fn, void *userdata, Error **err) {
        _cleanup_close_ int fd = netns_open(path, err);
        if (fd < 0)
                return -1;
        NetnsRun r = { .fd = fd, .fn = fn, .userdata = userdata };
        pthread_t t;
        int e = pthread_create(&t, NULL, netns_run_thread, &r);
        if (e != 0)
                return err_set(err, ERR_SYSTEM, e, "start thread");
        pthread_join(t, NULL);
        if (r.result < 0) {
                if (!r.error)
                        err_set(&r.error, ERR_INTERNAL, 0, "failed without an error");
                return err_propagate(err, r.error);
        }
        err_free(r.error);
        return r.result;
}
