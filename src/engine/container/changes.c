/* SPDX-License-Identifier: Apache-2.0 */
/* A container's filesystem diff (ListContainerChanges, `varpod diff`) and
 * the diff commit turns into a layer under vfs.
 *
 * podman got its answer from containers/storage, which compares the old
 * and the new tree entry by entry ("naive diff"): an entry only in the new
 * tree is added, one only in the old tree deleted, one in both modified
 * when its mode, owner, device or (for non-directories) size or mtime
 * differ; a directory with any change inside is modified too. We compute
 * the same answer without mounting anything: the old tree is the union of
 * the image's layer directories (looked up through their whiteouts and
 * opaque directories), and with overlay the new tree is the old one plus
 * the upper directory, so only the upper directory is walked. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "container-fs.h"
#include "engine-private.h"
#include "image.h"
#include "rootfs.h"
#include "xalloc.h"

/* What the runtime mounts over; podman leaves exactly these paths out. */
static const char *const changes_hidden[] = {
        "/dev",  "/etc/hostname", "/etc/hosts",         "/etc/resolv.conf",
        "/proc", "/run",          "/run/.containerenv", "/run/secrets",
        "/sys",
};

ContainerChanges *container_changes_free(ContainerChanges *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n; i++)
                free(c->items[i].path);
        free(c->items);
        free(c);
        return NULL;
}

/* Inserts at index at (<= n), so a directory can go before the changes
 * found inside it. Takes path. */
static void changes_insert(ContainerChanges *c, size_t at, ContainerChangeKind kind, char *path) {
        xgrow((void **)&c->items, &c->cap, c->n + 1, sizeof *c->items);
        memmove(c->items + at + 1, c->items + at, (c->n - at) * sizeof *c->items);
        c->items[at] = (ContainerChange){ .kind = kind, .path = path };
        c->n++;
}

static void changes_append(ContainerChanges *c, ContainerChangeKind kind, char *path) {
        changes_insert(c, c->n, kind, path);
}

/* ------------------------------------------------------------------ */
/* Overlay form of a layer.                                           */

static bool stat_is_whiteout(const struct stat *st) {
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool fd_is_opaque(int fd) {
        /* user.overlay.* on mounts with userxattr (rootless). */
        static const char *const names[] = { "trusted.overlay.opaque", "user.overlay.opaque" };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                char v[2];
                if (fgetxattr(fd, names[i], v, sizeof v) == 1 && v[0] == 'y')
                        return true;
        }
        return false;
}

static int dir_open(int at, const char *name) {
        return openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void fds_close(int *fds, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        free(fds);
}

/* The old tree at one directory: that directory in each layer, top first,
 * -1 where a layer lacks it or cannot be seen through a higher one. */
typedef struct OldDir {
        int *fds;
        size_t n;
} OldDir;

/* Looks name up in the union: the topmost layer holding it decides, and a
 * whiteout there means it is not in the old tree. */
static bool old_lookup(const OldDir *d, const char *name, struct stat *ret) {
        for (size_t k = 0; k < d->n; k++) {
                if (d->fds[k] < 0)
                        continue;
                if (fstatat(d->fds[k], name, ret, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                return !stat_is_whiteout(ret);
        }
        return false;
}

/* The union's directory name below d. Layers below a whiteout, a
 * non-directory or an opaque directory do not show through. */
static OldDir old_descend(const OldDir *d, const char *name) {
        OldDir c = { .fds = xnew0(int, d->n ? d->n : 1), .n = d->n };
        bool blocked = false;
        for (size_t k = 0; k < d->n; k++) {
                c.fds[k] = -1;
                struct stat st;
                if (blocked || d->fds[k] < 0 ||
                    fstatat(d->fds[k], name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (!S_ISDIR(st.st_mode)) {
                        blocked = true;
                        continue;
                }
                c.fds[k] = dir_open(d->fds[k], name);
                blocked = c.fds[k] >= 0 && fd_is_opaque(c.fds[k]);
        }
        return c;
}

/* ------------------------------------------------------------------ */
/* Directory listings.                                                */

typedef struct Names {
        char **v;
        size_t n, cap;
} Names;

static void names_clear(Names *n) {
        for (size_t i = 0; i < n->n; i++)
                free(n->v[i]);
        free(n->v);
        *n = (Names){ 0 };
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the entries of directory fd (not . and ..). */
static int names_read(int fd, Names *out, Error **err) {
        int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
        if (!d) {
                if (dup_fd >= 0)
                        close(dup_fd);
                return err_set(err, ERR_SYSTEM, errno, "read directory");
        }
        struct dirent *de;
        errno = 0;
        while ((de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                xgrow((void **)&out->v, &out->cap, out->n + 1, sizeof *out->v);
                out->v[out->n++] = xstrdup(de->d_name);
        }
        int r = errno ? err_set(err, ERR_SYSTEM, errno, "read directory") : 0;
        closedir(d);
        return r;
}

static void names_sort_unique(Names *n) {
        if (n->n == 0)
                return;
        qsort(n->v, n->n, sizeof *n->v, name_cmp);
        size_t w = 1;
        for (size_t i = 1; i < n->n; i++) {
                if (STREQ(n->v[i], n->v[w - 1]))
                        free(n->v[i]);
                else
                        n->v[w++] = n->v[i];
        }
        n->n = w;
}

static bool names_have(const Names *n, const char *name) {
        return bsearch(&name, n->v, n->n, sizeof *n->v, name_cmp) != NULL;
}

/* ------------------------------------------------------------------ */
/* The walk.                                                          */

typedef struct DiffCtx {
        ContainerChanges *out;
        bool complete; /* the new tree is whole (vfs), not an overlay upper */
} DiffCtx;

static bool time_same(const struct timespec *a, const struct timespec *b) {
        /* containers/storage's sameFsTimeSpec: a file system or archive
         * without sub-second times stores zero nanoseconds. */
        return a->tv_sec == b->tv_sec &&
               (a->tv_nsec == b->tv_nsec || a->tv_nsec == 0 || b->tv_nsec == 0);
}

/* Whether two regular files (or symlinks) hold the same bytes. The vfs
 * copy of a rootfs does not keep mtimes, so there an mtime alone is no
 * evidence of a change. */
static bool content_same(int old_dir, int new_dir, const char *name, const struct stat *st) {
        if (S_ISLNK(st->st_mode)) {
                char a[4096], b[4096];
                ssize_t na = readlinkat(old_dir, name, a, sizeof a);
                ssize_t nb = readlinkat(new_dir, name, b, sizeof b);
                return na >= 0 && na == nb && memcmp(a, b, (size_t)na) == 0;
        }
        if (!S_ISREG(st->st_mode))
                return true;
        _cleanup_close_ int fa = openat(old_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int fb = openat(new_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fa < 0 || fb < 0)
                return false;
        char a[1 << 15], b[1 << 15];
        for (;;) {
                ssize_t na = read(fa, a, sizeof a);
                if (na <= 0)
                        return na == 0 && read(fb, b, 1) == 0;
                size_t got = 0;
                while (got < (size_t)na) {
                        ssize_t nb = read(fb, b + got, (size_t)na - got);
                        if (nb <= 0)
                                return false;
                        got += (size_t)nb;
                }
                if (memcmp(a, b, (size_t)na) != 0)
                        return false;
        }
}

/* containers/storage's statDifferent: size and mtime say nothing about a
 * directory. */
static bool stat_different(const DiffCtx *ctx, const struct stat *old, const struct stat *new,
                           int old_dir, int new_dir, const char *name) {
        if (old->st_mode != new->st_mode || old->st_uid != new->st_uid ||
            old->st_gid != new->st_gid || old->st_rdev != new->st_rdev)
                return true;
        if (S_ISDIR(new->st_mode))
                return false;
        if (old->st_size != new->st_size)
                return true;
        if (time_same(&old->st_mtim, &new->st_mtim))
                return false;
        return !ctx->complete || !content_same(old_dir, new_dir, name, new);
}

/* The layer directory fd in which old_lookup found name. */
static int old_dir_of(const OldDir *d, const char *name) {
        struct stat st;
        for (size_t k = 0; k < d->n; k++)
                if (d->fds[k] >= 0 && fstatat(d->fds[k], name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        return d->fds[k];
        return -1;
}

/* Names visible in the old tree at d, sorted. */
static int old_names(const OldDir *d, Names *ret, Error **err) {
        Names all = { 0 };
        for (size_t k = 0; k < d->n; k++)
                if (d->fds[k] >= 0 && names_read(d->fds[k], &all, err) < 0) {
                        names_clear(&all);
                        return -1;
                }
        names_sort_unique(&all);
        Names visible = { 0 };
        for (size_t i = 0; i < all.n; i++) {
                struct stat st;
                if (old_lookup(d, all.v[i], &st)) {
                        xgrow((void **)&visible.v, &visible.cap, visible.n + 1, sizeof *visible.v);
                        visible.v[visible.n++] = TAKE_PTR(all.v[i]);
                }
        }
        names_clear(&all);
        *ret = visible;
        return 0;
}

static int diff_dir(DiffCtx *ctx, int new_fd, const OldDir *old, const char *path, bool complete,
                    Error **err);

static int diff_entry(DiffCtx *ctx, int new_fd, const OldDir *old, const char *path,
                      const char *name, Error **err) {
        struct stat st, ost;
        if (fstatat(new_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0; /* gone while we looked: the container runs */
                return err_set(err, ERR_SYSTEM, errno, "stat `%s/%s`", path, name);
        }
        _cleanup_free_ char *child = xasprintf("%s/%s", path, name);
        if (!ctx->complete && stat_is_whiteout(&st)) {
                if (old_lookup(old, name, &ost))
                        changes_append(ctx->out, CONTAINER_CHANGE_DELETED, TAKE_PTR(child));
                return 0;
        }
        bool existed = old_lookup(old, name, &ost);
        size_t mark = ctx->out->n;
        bool recorded = false;
        if (!existed) {
                changes_append(ctx->out, CONTAINER_CHANGE_ADDED, xstrdup(child));
                recorded = true;
        } else if (stat_different(ctx, &ost, &st, old_dir_of(old, name), new_fd, name)) {
                changes_append(ctx->out, CONTAINER_CHANGE_MODIFIED, xstrdup(child));
                recorded = true;
        }
        if (!S_ISDIR(st.st_mode))
                return 0;

        _cleanup_close_ int fd = dir_open(new_fd, name);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "open `%s`", child);
        /* The old tree below it: nothing when it was no directory before.
         * Below an opaque directory the upper listing is the whole new
         * directory, so what the old one had beyond it was deleted. */
        OldDir sub = existed && S_ISDIR(ost.st_mode) ? old_descend(old, name)
                                                     : (OldDir){ .fds = xnew0(int, 1), .n = 0 };
        bool complete = ctx->complete || (existed && fd_is_opaque(fd));
        int r = diff_dir(ctx, fd, &sub, child, complete, err);
        fds_close(sub.fds, sub.n);
        if (r < 0)
                return -1;
        if (!recorded && ctx->out->n > mark)
                changes_insert(ctx->out, mark, CONTAINER_CHANGE_MODIFIED, TAKE_PTR(child));
        return 0;
}

/* Walks the new tree's directory new_fd (path "" for the root) against
 * the old tree's. complete: the listing of new_fd is the whole new
 * directory, so old names missing from it were deleted. */
static int diff_dir(DiffCtx *ctx, int new_fd, const OldDir *old, const char *path, bool complete,
                    Error **err) {
        Names names = { 0 };
        if (names_read(new_fd, &names, err) < 0)
                return err_wrap(err, "`%s/`", path);
        names_sort_unique(&names);
        int r = 0;
        for (size_t i = 0; i < names.n && r == 0; i++)
                r = diff_entry(ctx, new_fd, old, path, names.v[i], err);
        if (r == 0 && complete && old->n > 0) {
                /* Whiteouts among the names were reported above; what the
                 * listing lacks altogether is gone too. */
                Names gone = { 0 };
                r = old_names(old, &gone, err);
                for (size_t i = 0; r == 0 && i < gone.n; i++)
                        if (!names_have(&names, gone.v[i]))
                                changes_append(ctx->out, CONTAINER_CHANGE_DELETED,
                                               xasprintf("%s/%s", path, gone.v[i]));
                names_clear(&gone);
        }
        names_clear(&names);
        return r;
}

int container_changes_diff(const char *tree, char *const *lowers, bool complete,
                           ContainerChanges **ret, Error **err) {
        size_t n = 0;
        while (lowers && lowers[n])
                n++;
        OldDir old = { .fds = xnew0(int, n ? n : 1), .n = n };
        for (size_t k = 0; k < n; k++)
                old.fds[k] = -1;
        int r = 0;
        for (size_t k = 0; k < n && r == 0; k++)
                if ((old.fds[k] = open(lowers[k], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                        r = err_set(err, ERR_SYSTEM, errno, "open layer `%s`", lowers[k]);
        _cleanup_close_ int root = r == 0 ? open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        if (r == 0 && root < 0)
                r = err_set(err, ERR_SYSTEM, errno, "open `%s`", tree);
        _cleanup_(container_changes_freep) ContainerChanges *out = xnew0(ContainerChanges, 1);
        DiffCtx ctx = { .out = out, .complete = complete };
        if (r == 0)
                r = diff_dir(&ctx, root, &old, "", complete, err);
        fds_close(old.fds, old.n);
        if (r < 0)
                return err_wrap(err, "diff `%s`", tree);
        *ret = TAKE_PTR(out);
        return 0;
}

/* ------------------------------------------------------------------ */
/* What a name stands for.                                            */

/* Layer directories of chain IDs, the first count of layers reversed (top
 * first), NULL-terminated. */
static char **layer_paths_top_first(const Engine *e, char **layers, size_t count) {
        char **v = xnew0(char *, count + 1);
        for (size_t i = 0; i < count; i++)
                v[i] = engine_layer_path(e, layers[count - 1 - i]);
        return v;
}

/* The diff of layers[top] against the layers below it. */
static int layer_changes(Engine *e, char **layers, size_t top, ContainerChanges **ret,
                         Error **err) {
        _cleanup_free_ char *dir = engine_layer_path(e, layers[top]);
        char **lowers = layer_paths_top_first(e, layers, top);
        int r = container_changes_diff(dir, lowers, false, ret, err);
        strv_free(lowers);
        return r;
}

int container_changes_compute(Engine *e, const Container *c, ContainerChanges **ret, Error **err) {
        _cleanup_(image_freep) Image *img = NULL;
        if (image_lookup(e, c->image_id, &img, err) < 0)
                return err_wrap(err, "image of container %s", c->id);
        size_t n = 0;
        while (img->layers && img->layers[n])
                n++;
        _cleanup_free_ char *tree = rootfs_upper_dir(e, c->id);
        if (access(tree, F_OK) < 0 && errno == ENOENT) {
                /* No storage yet: nothing changed. */
                *ret = xnew0(ContainerChanges, 1);
                return 0;
        }
        char **lowers = layer_paths_top_first(e, img->layers, n);
        bool vfs = STREQ(e->config.storage_driver, "vfs");
        int r = container_changes_diff(tree, lowers, vfs, ret, err);
        strv_free(lowers);
        return r;
}

/* Finds a layer by chain ID or unique prefix of its hex part among the
 * layers of every image (a layer lives only as long as an image uses
 * it), with the stack below it. */
static int layer_find(Engine *e, const char *name, char ***ret_layers, size_t *ret_top,
                      bool *ret_found, Error **err) {
        const char *hex = STRPREFIX(name, "sha256:") ? name + 7 : name;
        *ret_found = false;
        if (!*hex)
                return 0;
        Image **images = NULL;
        size_t n = 0;
        if (image_list(e, &images, &n, err) < 0)
                return -1;
        const char *match = NULL;
        bool ambiguous = false;
        char **stack = NULL;
        size_t top = 0;
        for (size_t i = 0; i < n && !ambiguous; i++)
                for (size_t k = 0; images[i]->layers && images[i]->layers[k]; k++) {
                        const char *id = images[i]->layers[k];
                        if (!STRPREFIX(id + 7, hex))
                                continue;
                        if (match && !STREQ(match, id)) {
                                ambiguous = true;
                                break;
                        }
                        if (!match) {
                                match = id;
                                stack = images[i]->layers;
                                top = k;
                        }
                }
        if (match && !ambiguous) {
                char **copy = xnew0(char *, top + 2);
                for (size_t k = 0; k <= top; k++)
                        copy[k] = xstrdup(stack[k]);
                *ret_layers = copy;
                *ret_top = top;
                *ret_found = true;
        }
        image_list_free(images, n);
        return 0;
}

static bool change_is_hidden(const char *path) {
        for (size_t i = 0; i < ELEMENTSOF(changes_hidden); i++)
                if (STREQ(path, changes_hidden[i]))
                        return true;
        return false;
}

int container_changes_list(Engine *e, const char *name, ContainerChanges **ret, Error **err) {
        _cleanup_(container_changes_freep) ContainerChanges *all = NULL;
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_(container_freep) Container *c = NULL;
        _cleanup_error_ Error *miss = NULL;
        int r;
        /* In podman's order: an image, a container, a layer. */
        if (*name && image_lookup(e, name, &img, &miss) == 0) {
                size_t n = 0;
                while (img->layers && img->layers[n])
                        n++;
                if (n > 0)
                        r = layer_changes(e, img->layers, n - 1, &all, err);
                else {
                        all = xnew0(ContainerChanges, 1);
                        r = 0;
                }
        } else if (*name && container_lookup(e, name, &c, &miss) == 0) {
                r = container_changes_compute(e, c, &all, err);
        } else {
                char **layers = NULL;
                size_t top = 0;
                bool found = false;
                if (layer_find(e, name, &layers, &top, &found, err) < 0)
                        return -1;
                if (!found)
                        return err_set(err, ERR_NOT_FOUND, 0,
                                       "layer, image, or container %s does not exist", name);
                r = layer_changes(e, layers, top, &all, err);
                strv_free(layers);
        }
        if (r < 0)
                return -1;
        ContainerChanges *out = xnew0(ContainerChanges, 1);
        for (size_t i = 0; i < all->n; i++) {
                if (change_is_hidden(all->items[i].path))
                        continue;
                changes_append(out, all->items[i].kind, TAKE_PTR(all->items[i].path));
        }
        *ret = out;
        return 0;
}
