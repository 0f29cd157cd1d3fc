/* SPDX-License-Identifier: Apache-2.0 */
/* The layer a commit adds: the container's changes as a tar, with
 * deletions as ".wh." entries.
 *
 * With overlay the upper directory already is that layer in overlay form
 * (whiteouts as 0:0 character devices, opaque directories), and
 * layer_write_tar turns it into its tar form. With vfs the container has a
 * whole copy of the tree, so the changes are computed and laid out in
 * overlay form in a staging directory first: changed entries copied,
 * deleted ones as whiteouts. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "commit-private.h"
#include "engine-private.h"
#include "layer.h"
#include "rootfs.h"
#include "xalloc.h"

/* A directory made in the staging tree, whose times are set once
 * everything inside it is in place. */
typedef struct StagedDir {
        char *rel;
        struct timespec times[2];
} StagedDir;

typedef struct Stage {
        int src_root; /* the container's tree */
        int dst_root; /* the staging tree */
        StagedDir *dirs;
        size_t n_dirs, cap_dirs;
        char *buf;
} Stage;

#define STAGE_BUFFER_SIZE (1 << 16)

/* Copies the extended attributes (file capabilities, ACLs, ...); a file
 * system that cannot hold one loses it, as a copy with cp -a would. */
static void stage_xattrs_copy(int src, int dst) {
        ssize_t n = flistxattr(src, NULL, 0);
        if (n <= 0)
                return;
        _cleanup_free_ char *list = xmalloc((size_t)n + 1);
        n = flistxattr(src, list, (size_t)n);
        for (char *p = list; n > 0 && p < list + n; p += strlen(p) + 1) {
                ssize_t vlen = fgetxattr(src, p, NULL, 0);
                if (vlen < 0)
                        continue;
                _cleanup_free_ char *value = xmalloc((size_t)vlen + 1);
                vlen = fgetxattr(src, p, value, (size_t)vlen);
                if (vlen >= 0)
                        (void)fsetxattr(dst, p, value, (size_t)vlen, 0);
        }
}

static int stage_file_copy(Stage *s, int src_dir, int dst_dir, const char *name,
                           const struct stat *st, Error **err) {
        _cleanup_close_ int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (in < 0)
                return err_set(err, ERR_SYSTEM, errno, "open `%s`", name);
        _cleanup_close_ int out =
                openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return err_set(err, ERR_SYSTEM, errno, "create `%s`", name);
        ssize_t n;
        while ((n = read(in, s->buf, STAGE_BUFFER_SIZE)) > 0)
                for (ssize_t done = 0; done < n;) {
                        ssize_t w = write(out, s->buf + done, (size_t)(n - done));
                        if (w < 0)
                                return err_set(err, ERR_SYSTEM, errno, "write `%s`", name);
                        done += w;
                }
        if (n < 0)
                return err_set(err, ERR_SYSTEM, errno, "read `%s`", name);
        stage_xattrs_copy(in, out);
        if (fchown(out, st->st_uid, st->st_gid) < 0 || fchmod(out, st->st_mode & 07777) < 0)
                return err_set(err, ERR_SYSTEM, errno, "set owner and mode of `%s`", name);
        const struct timespec times[2] = { st->st_atim, st->st_mtim };
        (void)futimens(out, times);
        return 0;
}

/* Makes directory name in dst_dir like the one in src_dir (times later). */
static int stage_dir_make(Stage *s, int src_dir, int dst_dir, const char *name, const char *rel,
                          Error **err) {
        _cleanup_close_ int in =
                openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (in < 0 || fstat(in, &st) < 0)
                return err_set(err, ERR_SYSTEM, errno, "open `%s`", rel);
        if (mkdirat(dst_dir, name, 0700) < 0) {
                if (errno == EEXIST)
                        return 0;
                return err_set(err, ERR_SYSTEM, errno, "create `%s`", rel);
        }
        _cleanup_close_ int out =
                openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (out < 0)
                return err_set(err, ERR_SYSTEM, errno, "open `%s`", rel);
        stage_xattrs_copy(in, out);
        if (fchown(out, st.st_uid, st.st_gid) < 0 || fchmod(out, st.st_mode & 07777) < 0)
                return err_set(err, ERR_SYSTEM, errno, "set owner and mode of `%s`", rel);
        xgrow((void **)&s->dirs, &s->cap_dirs, s->n_dirs + 1, sizeof *s->dirs);
        s->dirs[s->n_dirs++] =
                (StagedDir){ .rel = xstrdup(rel), .times = { st.st_atim, st.st_mtim } };
        return 0;
}

/* Opens the parent directories of rel ("a/b/c": "a/b") on both sides,
 * making the missing ones in the staging tree. Components are opened
 * without following symlinks: the container may have swapped a directory
 * for a link meanwhile. */
static int stage_parents_open(Stage *s, const char *rel, int *ret_src, int *ret_dst,
                              const char **ret_name, Error **err) {
        _cleanup_close_ int src = fcntl(s->src_root, F_DUPFD_CLOEXEC, 3);
        _cleanup_close_ int dst = fcntl(s->dst_root, F_DUPFD_CLOEXEC, 3);
        if (src < 0 || dst < 0)
                return err_set(err, ERR_SYSTEM, errno, "duplicate directory fd");
        const char *p = rel;
        for (const char *slash; (slash = strchr(p, '/'));) {
                _cleanup_free_ char *name = xstrndup(p, (size_t)(slash - p));
                _cleanup_free_ char *prefix = xstrndup(rel, (size_t)(slash - rel));
                if (stage_dir_make(s, src, dst, name, prefix, err) < 0)
                        return -1;
                int nsrc = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                int ndst = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (nsrc < 0 || ndst < 0) {
                        int e = errno;
                        if (nsrc >= 0)
                                close(nsrc);
                        if (ndst >= 0)
                                close(ndst);
                        return err_set(err, ERR_SYSTEM, e, "open `%s`", prefix);
                }
                close(src);
                close(dst);
                src = nsrc;
                dst = ndst;
                p = slash + 1;
        }
        *ret_src = TAKE_FD(src);
        *ret_dst = TAKE_FD(dst);
        *ret_name = p;
        return 0;
}

static int stage_change(Stage *s, const ContainerChange *ch, Error **err) {
        const char *rel = ch->path + 1; /* without the leading '/' */
        _cleanup_close_ int src = -1, dst = -1;
        const char *name = NULL;
        if (stage_parents_open(s, rel, &src, &dst, &name, err) < 0)
                return -1;
        if (ch->kind == CONTAINER_CHANGE_DELETED) {
                if (mknodat(dst, name, S_IFCHR | 0600, makedev(0, 0)) < 0 && errno != EEXIST)
                        return err_set(err, ERR_SYSTEM, errno, "create whiteout for `%s`", rel);
                return 0;
        }
        struct stat st;
        if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0; /* gone since the diff: the container runs */
                return err_set(err, ERR_SYSTEM, errno, "stat `%s`", rel);
        }
        switch (st.st_mode & S_IFMT) {
        case S_IFDIR:
                return stage_dir_make(s, src, dst, name, rel, err);
        case S_IFREG:
                return stage_file_copy(s, src, dst, name, &st, err);
        case S_IFLNK: {
                char target[4096];
                ssize_t n = readlinkat(src, name, target, sizeof target - 1);
                if (n < 0)
                        return err_set(err, ERR_SYSTEM, errno, "read link `%s`", rel);
                target[n] = '\0';
                if (symlinkat(target, dst, name) < 0)
                        return err_set(err, ERR_SYSTEM, errno, "create link `%s`", rel);
                break;
        }
        case S_IFCHR:
        case S_IFBLK:
        case S_IFIFO:
                if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0)
                        return err_set(err, ERR_SYSTEM, errno, "create node `%s`", rel);
                if (fchmodat(dst, name, st.st_mode & 07777, 0) < 0)
                        return err_set(err, ERR_SYSTEM, errno, "set mode of `%s`", rel);
                break;
        default:
                return 0; /* sockets have no tar form */
        }
        if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return err_set(err, ERR_SYSTEM, errno, "set owner of `%s`", rel);
        const struct timespec times[2] = { st.st_atim, st.st_mtim };
        (void)utimensat(dst, name, times, AT_SYMLINK_NOFOLLOW);
        return 0;
}

/* Lays the changes of tree out in overlay form under dir. */
static int stage_changes(const char *tree, const ContainerChanges *changes, const char *dir,
                         Error **err) {
        Stage s = { .src_root = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                    .dst_root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                    .buf = xmalloc(STAGE_BUFFER_SIZE) };
        int r = 0;
        if (s.src_root < 0 || s.dst_root < 0)
                r = err_set(err, ERR_SYSTEM, errno, "open `%s`", s.src_root < 0 ? tree : dir);
        for (size_t i = 0; i < changes->n && r == 0; i++)
                r = stage_change(&s, &changes->items[i], err);
        /* Innermost last made, first timed: making an entry inside a
         * directory changes the directory's mtime. */
        for (size_t i = s.n_dirs; i > 0; i--) {
                if (r == 0)
                        (void)utimensat(s.dst_root, s.dirs[i - 1].rel, s.dirs[i - 1].times,
                                        AT_SYMLINK_NOFOLLOW);
                free(s.dirs[i - 1].rel);
        }
        free(s.dirs);
        free(s.buf);
        if (s.src_root >= 0)
                close(s.src_root);
        if (s.dst_root >= 0)
                close(s.dst_root);
        return r;
}

int commit_layer_write(Engine *e, const Container *c, const char *staging, int fd,
                       char ret_diff_id[DIGEST_STRING_SIZE], Error **err) {
        _cleanup_free_ char *tree = rootfs_upper_dir(e, c->id);
        if (access(tree, F_OK) < 0) {
                /* No storage yet: an empty layer, as for a container that
                 * changed nothing. */
                if (errno != ENOENT)
                        return err_set(err, ERR_SYSTEM, errno, "access `%s`", tree);
                return layer_write_tar(staging, fd, ret_diff_id, err);
        }
        if (!STREQ(e->config.storage_driver, "vfs"))
                return layer_write_tar(tree, fd, ret_diff_id, err);

        _cleanup_(container_changes_freep) ContainerChanges *changes = NULL;
        if (container_changes_compute(e, c, &changes, err) < 0 ||
            stage_changes(tree, changes, staging, err) < 0)
                return err_wrap(err, "changes of container %s", c->id);
        return layer_write_tar(staging, fd, ret_diff_id, err);
}
