/* SPDX-License-Identifier: Apache-2.0 */
/* Mounts of a container's root filesystem that outlive the call
 * (MountContainer, UnmountContainer, ListContainerMounts, `varpod mount`).
 *
 * containers/storage counts the users of a layer's mount; libpod's own
 * mount for a running container is one of them. Here the engine's own
 * mount is implied by the state (a started container runs on its mount
 * until its teardown unmounts it), and user mounts are counted in a file
 * next to the mount point, RUNROOT/containers/ID/mount-count, with the
 * kernel's ID of the mount they count. The teardown after an exit leaves
 * a mount that users hold (the next start runs on it, the count goes on);
 * should the mount go anyway (a reboot, removal), the count lapses with
 * it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container-fs.h"
#include "container-private.h"
#include "container-store.h"
#include "image.h"
#include "rootfs.h"
#include "xalloc.h"

static char *mount_count_path(const Engine *e, const char *id) {
        _cleanup_free_ char *run = container_run_dir(e, id);
        return xasprintf("%s/mount-count", run);
}

/* mountinfo writes space, tab, newline and backslash in paths as \ooo. */
static void mountinfo_unescape(char *s) {
        char *w = s;
        for (char *r = s; *r; w++) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 4;
                } else
                        *w = *r++;
        }
        *w = '\0';
}

/* The kernel's ID of the mount on the container's mount point (the top
 * one), or -1. Every mount gets a new ID, so a count written for one
 * mount is not believed for the next (the engine unmounts after an exit
 * and mounts again at the next start). */
static long mount_instance_id(const Engine *e, const char *id) {
        _cleanup_free_ char *merged = rootfs_mountpoint(e, id);
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[8192];
        long found = -1;
        while (f && fgets(line, sizeof line, f)) {
                long mnt;
                char mp[4096];
                if (sscanf(line, "%ld %*s %*s %*s %4095s", &mnt, mp) != 2)
                        continue;
                mountinfo_unescape(mp);
                if (STREQ(mp, merged))
                        found = mnt;
        }
        return found;
}

/* The user mounts counted for the current mount; 0 when not mounted. */
static long mount_count_read(const Engine *e, const char *id) {
        /* The file first: mountinfo is long on a busy host, and most
         * containers have never been mounted by a user. */
        _cleanup_free_ char *path = mount_count_path(e, id);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        long n = 0, written_for = -1;
        if (!f || fscanf(f, "%ld %ld", &n, &written_for) != 2 || n < 0)
                return 0;
        return written_for == mount_instance_id(e, id) ? n : 0;
}

long container_user_mounts(const Engine *e, const char *id) { return mount_count_read(e, id); }

static int mount_count_write(const Engine *e, const char *id, long n, Error **err) {
        _cleanup_free_ char *path = mount_count_path(e, id);
        if (n == 0) {
                if (unlink(path) < 0 && errno != ENOENT)
                        return err_set(err, ERR_SYSTEM, errno, "remove `%s`", path);
                return 0;
        }
        _cleanup_free_ char *tmp = xasprintf("%s.tmp", path);
        _cleanup_free_ char *text = xasprintf("%ld %ld\n", n, mount_instance_id(e, id));
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        size_t len = strlen(text);
        if (fd < 0 || write(fd, text, len) != (ssize_t)len || rename(tmp, path) < 0)
                return err_set(err, ERR_SYSTEM, errno ? errno : EIO, "write `%s`", path);
        return 0;
}

/* Whether the container runs on its mount: from its start to the
 * teardown after its process ended. */
static bool mount_held_by_engine(const Container *c) {
        return c->mounted &&
               (c->state == CONTAINER_STATE_CREATED || c->state == CONTAINER_STATE_RUNNING ||
                c->state == CONTAINER_STATE_PAUSED || c->state == CONTAINER_STATE_STOPPED);
}

/* Takes the container's lock and reads its current record, brought in
 * line with the runtime: what the caller looked up may be stale. */
static int mount_lock_load(Engine *e, const char *id, Lock *ret_lock, Container **ret,
                           Error **err) {
        Lock l = LOCK_INIT;
        if (container_lock(e, id, &l, err) < 0)
                return -1;
        Db *db;
        Container *c = NULL;
        int r = engine_db_get(e, &db, err);
        if (r == 0) {
                r = container_store_load(db, id, &c, err);
                engine_db_put(e, db);
        }
        if (r == 0 && container_sync(e, c, err) < 0) {
                container_free(c);
                r = -1;
        }
        if (r < 0) {
                lock_release(&l);
                return -1;
        }
        *ret_lock = l;
        *ret = c;
        return 0;
}

static int mount_realpath(const char *path, char **ret, Error **err) {
        char real[PATH_MAX];
        if (!realpath(path, real))
                return err_set(err, ERR_SYSTEM, errno, "resolve `%s`", path);
        *ret = xstrdup(real);
        return 0;
}

int container_mount(Engine *e, const Container *c, char **ret_path, Error **err) {
        _cleanup_(image_freep) Image *img = NULL;
        if (image_lookup(e, c->image_id, &img, err) < 0)
                return err_wrap(err, "image of container %s", c->id);
        Lock l = LOCK_INIT;
        _cleanup_(container_freep) Container *cur = NULL;
        if (mount_lock_load(e, c->id, &l, &cur, err) < 0)
                return -1;
        long count = mount_count_read(e, c->id);
        _cleanup_free_ char *path = NULL;
        int r = rootfs_mount(e, c->id, img->layers, &path, err);
        if (r == 0)
                r = mount_count_write(e, c->id, count + 1, err);
        if (r == 0 && !cur->mounted) {
                /* Recorded like the engine's own mount, for inspect. */
                cur->mounted = xstrdup(path);
                r = container_save(e, cur, err);
        }
        if (r < 0 && count == 0 && !mount_held_by_engine(cur)) {
                _cleanup_error_ Error *ignored = NULL;
                (void)rootfs_umount(e, c->id, &ignored);
        }
        lock_release(&l);
        if (r < 0)
                return err_wrap(err, "mount container %s", c->id);
        return mount_realpath(path, ret_path, err);
}

int container_umount(Engine *e, const Container *c, bool force, Error **err) {
        Lock l = LOCK_INIT;
        _cleanup_(container_freep) Container *cur = NULL;
        if (mount_lock_load(e, c->id, &l, &cur, err) < 0)
                return -1;
        long count = mount_count_read(e, c->id);
        bool held = mount_held_by_engine(cur);
        int r = 0;
        if (count == 0 && held) {
                /* The last mount is the one the container runs on. */
                if (cur->state == CONTAINER_STATE_RUNNING || cur->state == CONTAINER_STATE_PAUSED)
                        r = err_set(err, ERR_BAD_STATE, 0,
                                    "cannot unmount storage for container %s as it is running or "
                                    "paused: container state improper",
                                    cur->id);
                else
                        r = err_set(err, ERR_BAD_STATE, 0,
                                    "can't unmount %s last mount, it is still in use: internal "
                                    "libpod error",
                                    cur->id);
        } else {
                count = force || count == 0 ? 0 : count - 1;
                r = mount_count_write(e, c->id, count, err);
                if (r == 0 && count == 0 && !held) {
                        /* Also clears a mount nobody counted (a process
                         * killed between mount and count). */
                        r = rootfs_umount(e, c->id, err);
                        if (r == 0 && cur->mounted) {
                                free(cur->mounted);
                                cur->mounted = NULL;
                                r = container_save(e, cur, err);
                        }
                }
        }
        lock_release(&l);
        return r;
}

int container_mounts_list(Engine *e, char ***ret, Error **err) {
        Container **list = NULL;
        size_t n = 0;
        if (container_list(e, &list, &n, err) < 0)
                return -1;
        char **out = xnew0(char *, n + 1);
        size_t k = 0;
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                /* A container whose process ended keeps its mount until the
                 * exit is recorded: record it first. */
                Lock l = LOCK_INIT;
                _cleanup_(container_freep) Container *cur = NULL;
                Error *gone = NULL;
                if (mount_lock_load(e, list[i]->id, &l, &cur, &gone) < 0) {
                        /* Removed meanwhile: not mounted. */
                        if (gone->kind == ERR_CONTAINER_NOT_FOUND) {
                                err_free(gone);
                                continue;
                        }
                        r = err_propagate(err, gone);
                        break;
                }
                bool mounted = rootfs_is_mounted(e, cur->id);
                lock_release(&l);
                if (!mounted)
                        continue;
                _cleanup_free_ char *path = rootfs_mountpoint(e, cur->id);
                r = mount_realpath(path, &out[k], err);
                if (r == 0)
                        k++;
        }
        container_list_free(list, n);
        if (r < 0) {
                for (size_t i = 0; i < k; i++)
                        free(out[i]);
                free(out);
                return -1;
        }
        *ret = out;
        return 0;
}
