/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layer-private.h"
#include "xalloc.h"

/* Directories deeper than this are closed while their children are walked
 * and reopened by path afterwards: a hostile layer can nest 2,000 levels
 * inside LAYER_PATH_MAX, more than a default RLIMIT_NOFILE of 1,024. */
#define WALK_OPEN_DEPTH 32

typedef struct WalkFrame {
        char *path; /* relative to the root; "" for the root */
        int fd;     /* O_PATH descriptor, or -1 while closed */
        struct stat st;
        char **names;
        size_t n, i;
} WalkFrame;

static void frame_clear(WalkFrame *f) {
        free(f->path);
        layer_fd_close(&f->fd);
        for (size_t i = f->i; i < f->n; i++)
                free(f->names[i]);
        free(f->names);
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the names of the directory at dirfd (any open mode) into f. */
static int frame_read_names(WalkFrame *f, int dirfd, bool sorted, Error **err) {
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "open directory `%s`",
                               f->path[0] ? f->path : ".");
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return err_set(err, ERR_SYSTEM, errno, "open directory `%s`", f->path);
        }
        size_t cap = 0;
        struct dirent *de;
        for (;;) {
                errno = 0;
                de = readdir(d);
                if (!de)
                        break;
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                xgrow((void **)&f->names, &cap, f->n + 1, sizeof *f->names);
                f->names[f->n++] = xstrdup(de->d_name);
        }
        int e = errno;
        closedir(d);
        if (e)
                return err_set(err, ERR_SYSTEM, e, "read directory `%s`", f->path);
        if (sorted && f->n > 1)
                qsort(f->names, f->n, sizeof *f->names, name_cmp);
        return 0;
}

/* Makes sure f->fd is open, reopening a closed frame by its path from the
 * root and checking it is still the directory we left. */
static int frame_open(WalkFrame *f, int rootfd, Error **err) {
        if (f->fd >= 0)
                return 0;
        int fd = layer_dir_open(rootfd, f->path, false, NULL);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, -fd, "reopen directory `%s`", f->path);
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_dev != f->st.st_dev || st.st_ino != f->st.st_ino) {
                close(fd);
                return err_set(err, ERR_BAD_STATE, 0, "directory `%s` was replaced during the walk",
                               f->path);
        }
        f->fd = fd;
        return 0;
}

static char *path_join(const char *dir, const char *name) {
        return dir[0] ? xasprintf("%s/%s", dir, name) : xstrdup(name);
}

int layer_walk(int rootfd, unsigned flags, LayerWalkFn fn, void *userdata, Error **err) {
        bool sorted = flags & LAYER_WALK_SORTED;
        WalkFrame *stack = NULL;
        size_t depth = 0, cap = 0;
        int r = 0;

        xgrow((void **)&stack, &cap, 1, sizeof *stack);
        stack[0] = (WalkFrame){ .path = xstrdup(""), .fd = -1 };
        depth = 1;
        stack[0].fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (stack[0].fd < 0 || fstat(stack[0].fd, &stack[0].st) < 0) {
                r = err_set(err, ERR_SYSTEM, errno, "open tree root");
                goto out;
        }
        dev_t root_dev = stack[0].st.st_dev;
        if ((r = frame_read_names(&stack[0], stack[0].fd, sorted, err)) < 0)
                goto out;

        while (depth > 0) {
                WalkFrame *f = &stack[depth - 1];
                if (f->i == f->n) {
                        /* Done with f: the post-order call needs its parent. */
                        WalkFrame done = *f;
                        depth--;
                        done.i = done.n;
                        if (depth > 0) {
                                WalkFrame *p = &stack[depth - 1];
                                if ((r = frame_open(p, rootfd, err)) < 0) {
                                        frame_clear(&done);
                                        goto out;
                                }
                                layer_fd_close(&done.fd);
                                const char *slash = strrchr(done.path, '/');
                                const char *name = slash ? slash + 1 : done.path;
                                r = fn(p->fd, name, done.path, &done.st, true, userdata, err);
                        }
                        frame_clear(&done);
                        if (r < 0)
                                goto out;
                        continue;
                }

                _cleanup_free_ char *name = f->names[f->i];
                f->names[f->i++] = NULL;
                if ((r = frame_open(f, rootfd, err)) < 0)
                        goto out;
                struct stat st;
                if (fstatat(f->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue; /* gone since readdir */
                        _cleanup_free_ char *p = path_join(f->path, name);
                        r = err_set(err, ERR_SYSTEM, errno, "stat `%s`", p);
                        goto out;
                }
                _cleanup_free_ char *path = path_join(f->path, name);
                r = fn(f->fd, name, path, &st, false, userdata, err);
                if (r < 0)
                        goto out;
                if (r == 0 || !S_ISDIR(st.st_mode))
                        continue;
                if ((flags & LAYER_WALK_ONE_FS) && st.st_dev != root_dev)
                        continue;

                /* The callback may have changed the directory's mode (to
                 * make it readable), so open by name and compare inodes. */
                int cfd = openat(f->fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                struct stat cst;
                if (cfd < 0 || fstat(cfd, &cst) < 0 || cst.st_ino != st.st_ino ||
                    cst.st_dev != st.st_dev) {
                        int e = cfd < 0 ? errno : 0;
                        if (cfd >= 0)
                                close(cfd);
                        r = e ? err_set(err, ERR_SYSTEM, e, "open directory `%s`", path)
                              : err_set(err, ERR_BAD_STATE, 0,
                                        "directory `%s` was replaced during the walk", path);
                        goto out;
                }
                xgrow((void **)&stack, &cap, depth + 1, sizeof *stack);
                f = &stack[depth - 1];
                WalkFrame *c = &stack[depth++];
                *c = (WalkFrame){ .path = TAKE_PTR(path), .fd = cfd, .st = cst };
                if ((r = frame_read_names(c, cfd, sorted, err)) < 0)
                        goto out;
                if (depth > WALK_OPEN_DEPTH)
                        layer_fd_close(&f->fd);
        }
        r = 0;
out:
        while (depth > 0)
                frame_clear(&stack[--depth]);
        free(stack);
        return r < 0 ? r : 0;
}

static int remove_cb(int dirfd, const char *name, const char *path, const struct stat *st,
                     bool post, void *userdata, Error **err) {
        const dev_t *dev = userdata;
        if (post) {
                if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                        return err_set(err, ERR_SYSTEM, errno, "remove directory `%s`", path);
                return 0;
        }
        if (!S_ISDIR(st->st_mode)) {
                if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                        return err_set(err, ERR_SYSTEM, errno, "remove `%s`", path);
                return 0;
        }
        if (st->st_dev != *dev)
                return err_set(err, ERR_BAD_STATE, 0,
                               "`%s` is on another filesystem (a mount point)", path);
        /* A layer may ship directories without write or search permission
         * for their owner; without CAP_DAC_OVERRIDE they could not be
         * emptied, so give them back to the owner first. */
        if ((st->st_mode & 0700) != 0700 &&
            fchmodat(dirfd, name, (st->st_mode & 07777) | 0700, 0) < 0)
                return err_set(err, ERR_SYSTEM, errno, "chmod `%s`", path);
        return 1;
}

int layer_tree_remove_at(int dirfd, const char *name, Error **err) {
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return err_set(err, ERR_SYSTEM, errno, "stat `%s`", name);
        }
        if (!S_ISDIR(st.st_mode)) {
                if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                        return err_set(err, ERR_SYSTEM, errno, "remove `%s`", name);
                return 0;
        }
        if ((st.st_mode & 0700) != 0700 &&
            fchmodat(dirfd, name, (st.st_mode & 07777) | 0700, 0) < 0)
                return err_set(err, ERR_SYSTEM, errno, "chmod `%s`", name);
        _cleanup_close_ int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "open `%s`", name);
        struct stat fst;
        if (fstat(fd, &fst) < 0 || fst.st_ino != st.st_ino || fst.st_dev != st.st_dev)
                return err_set(err, ERR_BAD_STATE, 0, "`%s` was replaced during removal", name);
        if (layer_walk(fd, 0, remove_cb, &st.st_dev, err) < 0)
                return err_wrap(err, "remove `%s`", name);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return err_set(err, ERR_SYSTEM, errno, "remove `%s`", name);
        return 0;
}

/* Splits dir into an open parent and a last component, so that dir itself
 * can be removed (or measured) without following it if it is a symlink. */
static int path_split_open(const char *dir, int *ret_parent, char **ret_name, Error **err) {
        _cleanup_free_ char *copy = xstrdup(dir);
        size_t len = strlen(copy);
        while (len > 1 && copy[len - 1] == '/')
                copy[--len] = '\0';
        char *slash = strrchr(copy, '/');
        const char *parent = slash ? (slash == copy ? "/" : copy) : ".";
        const char *name = slash ? slash + 1 : copy;
        if (!*name || STREQ(name, ".") || STREQ(name, ".."))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "refusing to remove `%s`", dir);
        if (slash)
                *slash = '\0';
        int fd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "open `%s`", parent);
        *ret_parent = fd;
        *ret_name = xstrdup(name);
        return 0;
}

int layer_tree_remove(const char *dir, Error **err) {
        _cleanup_close_ int parent = -1;
        _cleanup_free_ char *name = NULL;
        if (path_split_open(dir, &parent, &name, err) < 0)
                return -1;
        if (layer_tree_remove_at(parent, name, err) < 0)
                return err_wrap(err, "remove tree `%s`", dir);
        return 0;
}

typedef struct SizeWalk {
        uint64_t total;
        LayerInodeMap *seen;
} SizeWalk;

static int size_cb(int dirfd, const char *name, const char *path, const struct stat *st, bool post,
                   void *userdata, Error **err) {
        SizeWalk *w = userdata;
        if (post)
                return 0;
        if (S_ISDIR(st->st_mode))
                return 1;
        if (!S_ISREG(st->st_mode))
                return 0;
        /* Hardlinked files count once, as du does. */
        bool found = false;
        if (st->st_nlink > 1)
                layer_inode_map_get(w->seen, st->st_dev, st->st_ino, true, &found);
        if (!found)
                w->total += (uint64_t)st->st_size;
        return 0;
}

int layer_tree_size(const char *dir, uint64_t *ret, Error **err) {
        _cleanup_close_ int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "open `%s`", dir);
        _cleanup_(layer_inode_map_freep) LayerInodeMap *seen = layer_inode_map_new(0, NULL);
        SizeWalk w = { .seen = seen };
        if (layer_walk(fd, LAYER_WALK_ONE_FS, size_cb, &w, err) < 0)
                return err_wrap(err, "size of `%s`", dir);
        *ret = w.total;
        return 0;
}
