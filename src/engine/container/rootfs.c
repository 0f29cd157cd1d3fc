/* SPDX-License-Identifier: Apache-2.0 */
/* A container's root filesystem: with the overlay driver, an overlay of
 * the image's layer directories (read-only lowers) under the container's
 * own upper and work directories; with vfs, a full copy of the layers
 * applied in order. Either way the container's changes live under
 * ROOT/containers/ID, and the mount point under RUNROOT/containers/ID. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine-private.h"
#include "layer.h"
#include "rootfs.h"
#include "xalloc.h"

/* The kernel reads mount options from one page; beyond it the lowerdir
 * list must be shortened (podman uses short links for that). */
#define ROOTFS_OPTIONS_MAX 4000

static int mkdir_one(const char *path, mode_t mode, Error **err) {
        if (mkdir(path, mode) < 0 && errno != EEXIST)
                return err_set(err, ERR_SYSTEM, errno, "create `%s`", path);
        return 0;
}

char *rootfs_dir(const Engine *e, const char *id) {
        return xasprintf("%s/containers/%s", e->config.root, id);
}

char *rootfs_mountpoint(const Engine *e, const char *id) {
        return xasprintf("%s/containers/%s/merged", e->config.runroot, id);
}

static int rootfs_prepare_dirs(const Engine *e, const char *id, Error **err) {
        _cleanup_free_ char *croot = xasprintf("%s/containers", e->config.root);
        _cleanup_free_ char *crun = xasprintf("%s/containers", e->config.runroot);
        _cleanup_free_ char *dir = rootfs_dir(e, id);
        _cleanup_free_ char *rdir = xasprintf("%s/%s", crun, id);
        _cleanup_free_ char *merged = rootfs_mountpoint(e, id);
        if (mkdir_one(croot, 0700, err) < 0 || mkdir_one(crun, 0700, err) < 0 ||
            mkdir_one(dir, 0700, err) < 0 || mkdir_one(rdir, 0700, err) < 0 ||
            mkdir_one(merged, 0755, err) < 0)
                return -1;
        return 0;
}

static int rootfs_mount_overlay(Engine *e, const char *id, char **layers, Error **err) {
        _cleanup_free_ char *dir = rootfs_dir(e, id);
        _cleanup_free_ char *upper = xasprintf("%s/upper", dir);
        _cleanup_free_ char *work = xasprintf("%s/work", dir);
        _cleanup_free_ char *empty = xasprintf("%s/empty", dir);
        if (mkdir_one(upper, 0755, err) < 0 || mkdir_one(work, 0700, err) < 0)
                return -1;

        /* lowerdir lists the top layer first. An image without layers gets
         * an empty lower, as overlay needs one. */
        size_t n = 0;
        while (layers && layers[n])
                n++;
        size_t cap = 64 + strlen(upper) + strlen(work);
        for (size_t i = 0; i < n; i++)
                cap += strlen(e->layers_dir) + 72;
        if (n == 0)
                cap += strlen(empty);
        _cleanup_free_ char *opts = xmalloc(cap + 64);
        strcpy(opts, "lowerdir=");
        if (n == 0) {
                if (mkdir_one(empty, 0755, err) < 0)
                        return -1;
                strcat(opts, empty);
        }
        for (size_t i = n; i > 0; i--) {
                _cleanup_free_ char *l = engine_layer_path(e, layers[i - 1]);
                if (i != n)
                        strcat(opts, ":");
                strcat(opts, l);
        }
        strcat(opts, ",upperdir=");
        strcat(opts, upper);
        strcat(opts, ",workdir=");
        strcat(opts, work);
        if (strlen(opts) > ROOTFS_OPTIONS_MAX)
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "image has too many layers (%zu) for one overlay mount", n);
        _cleanup_free_ char *merged = rootfs_mountpoint(e, id);
        if (mount("overlay", merged, "overlay", MS_NODEV, opts) < 0)
                return err_set(err, ERR_SYSTEM, errno, "mount overlay for container %s", id);
        return 0;
}

/* vfs: copy a layer tree onto the rootfs, turning overlay whiteouts (0:0
 * character devices) into deletions. Everything goes through directory
 * fds opened with O_NOFOLLOW, so a symlink a lower layer planted is never
 * followed out of the rootfs. */
static int copy_tree(int src_dir, int dst_dir, Error **err);

/* Removes name below dir_fd, recursively, without following symlinks. */
static void remove_at(int dir_fd, const char *name) {
        if (unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT)
                return;
        int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
                        remove_at(dirfd(d), de->d_name);
        closedir(d);
        (void)unlinkat(dir_fd, name, AT_REMOVEDIR);
}

static int copy_entry(int src_dir, int dst_dir, const char *name, Error **err) {
        struct stat st;
        if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return err_set(err, ERR_SYSTEM, errno, "stat `%s`", name);
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
                /* A whiteout: the lower entry goes. */
                remove_at(dst_dir, name);
                return 0;
        }
        if (S_ISDIR(st.st_mode)) {
                struct stat old;
                if (fstatat(dst_dir, name, &old, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(old.st_mode))
                        remove_at(dst_dir, name);
                if (mkdirat(dst_dir, name, st.st_mode & 07777) < 0 && errno != EEXIST)
                        return err_set(err, ERR_SYSTEM, errno, "create `%s`", name);
                _cleanup_close_ int s =
                        openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                _cleanup_close_ int d =
                        openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (s < 0 || d < 0)
                        return err_set(err, ERR_SYSTEM, errno, "open `%s`", name);
                if (copy_tree(s, d, err) < 0)
                        return -1;
                (void)fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
                (void)fchmodat(dst_dir, name, st.st_mode & 07777, 0);
                return 0;
        }
        remove_at(dst_dir, name);
        if (S_ISLNK(st.st_mode)) {
                char target[4096];
                ssize_t n = readlinkat(src_dir, name, target, sizeof target - 1);
                if (n < 0)
                        return err_set(err, ERR_SYSTEM, errno, "read link `%s`", name);
                target[n] = 0;
                if (symlinkat(target, dst_dir, name) < 0)
                        return err_set(err, ERR_SYSTEM, errno, "create link `%s`", name);
        } else if (S_ISREG(st.st_mode)) {
                _cleanup_close_ int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                _cleanup_close_ int out = openat(
                        dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (in < 0 || out < 0)
                        return err_set(err, ERR_SYSTEM, errno, "copy `%s`", name);
                char buf[1 << 16];
                ssize_t n;
                while ((n = read(in, buf, sizeof buf)) > 0)
                        if (write(out, buf, (size_t)n) != n)
                                return err_set(err, ERR_SYSTEM, errno ? errno : EIO, "copy `%s`",
                                               name);
        } else if (mknodat(dst_dir, name, st.st_mode, st.st_rdev) < 0)
                return err_set(err, ERR_SYSTEM, errno, "create node `%s`", name);
        (void)fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
        if (!S_ISLNK(st.st_mode))
                (void)fchmodat(dst_dir, name, st.st_mode & 07777, 0);
        return 0;
}

static int copy_tree(int src_dir, int dst_dir, Error **err) {
        int fd = dup(src_dir);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return err_set(err, ERR_SYSTEM, errno, "read directory");
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(d)))
                if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
                        r = copy_entry(src_dir, dst_dir, de->d_name, err);
        closedir(d);
        return r;
}

static int rootfs_copy_vfs(Engine *e, const char *id, char **layers, Error **err) {
        _cleanup_free_ char *dir = rootfs_dir(e, id);
        _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", dir);
        struct stat st;
        if (stat(rootfs, &st) == 0)
                return 0; /* copied at an earlier start */
        _cleanup_free_ char *tmp = xasprintf("%s/rootfs.tmp", dir);
        _cleanup_error_ Error *ignored = NULL;
        (void)layer_tree_remove(tmp, &ignored);
        if (mkdir_one(tmp, 0755, err) < 0)
                return -1;
        _cleanup_close_ int dst = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (size_t i = 0; layers && layers[i]; i++) {
                _cleanup_free_ char *l = engine_layer_path(e, layers[i]);
                _cleanup_close_ int src = open(l, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (src < 0 || dst < 0)
                        return err_set(err, ERR_SYSTEM, errno, "open layer `%s`", l);
                if (copy_tree(src, dst, err) < 0)
                        return err_wrap(err, "copy layer %s", layers[i]);
        }
        if (rename(tmp, rootfs) < 0)
                return err_set(err, ERR_SYSTEM, errno, "move `%s`", tmp);
        return 0;
}

int rootfs_mount(Engine *e, const char *id, char **layers, char **ret_path, Error **err) {
        if (rootfs_prepare_dirs(e, id, err) < 0)
                return -1;
        _cleanup_free_ char *merged = rootfs_mountpoint(e, id);
        if (rootfs_is_mounted(e, id)) {
                *ret_path = TAKE_PTR(merged);
                return 0;
        }
        if (STREQ(e->config.storage_driver, "vfs")) {
                if (rootfs_copy_vfs(e, id, layers, err) < 0)
                        return -1;
                _cleanup_free_ char *dir = rootfs_dir(e, id);
                _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", dir);
                if (mount(rootfs, merged, NULL, MS_BIND | MS_REC, NULL) < 0)
                        return err_set(err, ERR_SYSTEM, errno, "bind-mount rootfs of %s", id);
        } else if (rootfs_mount_overlay(e, id, layers, err) < 0)
                return -1;
        *ret_path = TAKE_PTR(merged);
        return 0;
}

bool rootfs_is_mounted(const Engine *e, const char *id) {
        _cleanup_free_ char *merged = rootfs_mountpoint(e, id);
        _cleanup_free_ char *parent = xasprintf("%s/..", merged);
        struct stat a, b;
        /* A mount point sits on another device than its parent (overlay
         * and bind mounts of another filesystem alike); for a bind mount of
         * the same filesystem the inode differs from the empty directory. */
        if (stat(merged, &a) < 0 || stat(parent, &b) < 0)
                return false;
        if (a.st_dev != b.st_dev)
                return true;
        /* The kernel says whether a path is a mount's root (Linux 5.8);
         * only older ones need mountinfo read through. */
        struct statx sx;
        if (statx(AT_FDCWD, merged, AT_SYMLINK_NOFOLLOW, 0, &sx) == 0 &&
            (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
                return (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[8192];
        while (f && fgets(line, sizeof line, f)) {
                char mp[4096];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && STREQ(mp, merged))
                        return true;
        }
        return false;
}

int rootfs_umount(Engine *e, const char *id, Error **err) {
        _cleanup_free_ char *merged = rootfs_mountpoint(e, id);
        while (rootfs_is_mounted(e, id))
                if (umount2(merged, MNT_DETACH) < 0) {
                        if (errno == EINVAL || errno == ENOENT)
                                break;
                        return err_set(err, ERR_SYSTEM, errno, "unmount rootfs of %s", id);
                }
        return 0;
}

int rootfs_remove(Engine *e, const char *id, Error **err) {
        if (rootfs_umount(e, id, err) < 0)
                return -1;
        _cleanup_free_ char *dir = rootfs_dir(e, id);
        _cleanup_free_ char *rdir = xasprintf("%s/containers/%s", e->config.runroot, id);
        if (layer_tree_remove(dir, err) < 0 || layer_tree_remove(rdir, err) < 0)
                return err_wrap(err, "remove storage of container %s", id);
        return 0;
}

char *rootfs_upper_dir(const Engine *e, const char *id) {
        _cleanup_free_ char *dir = rootfs_dir(e, id);
        if (STREQ(e->config.storage_driver, "vfs"))
                return xasprintf("%s/rootfs", dir);
        return xasprintf("%s/upper", dir);
}
