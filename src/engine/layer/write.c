/* SPDX-License-Identifier: Apache-2.0 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "archive-lazy.h"
#include "layer-private.h"
#include "xalloc.h"

/* Writing a directory as a layer. The output depends only on the tree:
 * names sorted, numeric owners only (no user names from this host's
 * /etc/passwd), mtimes in whole seconds, no atime or ctime, xattrs in name
 * order, and no padding after the end-of-archive blocks, so equal trees
 * give equal diff_ids. */

static inline void archive_write_freep(struct archive **a) {
        if (*a)
                archive_write_free(*a);
}

static inline void archive_entry_freep(struct archive_entry **e) {
        if (*e)
                archive_entry_free(*e);
}

typedef struct TarWriter {
        struct archive *a;
        int fd;
        int write_errno;
        Digester *digest;
        LayerInodeMap *links; /* (dev, ino) of multiply linked files -> first path */
        char *buf;
} TarWriter;

static la_ssize_t tar_write_cb(struct archive *a, void *userdata, const void *buf, size_t len) {
        TarWriter *w = userdata;
        int r = layer_fd_write_all(w->fd, buf, len);
        if (r < 0) {
                w->write_errno = -r;
                archive_set_error(a, -r, "write");
                return -1;
        }
        digester_update(w->digest, buf, len);
        return (la_ssize_t)len;
}

static int tar_error(TarWriter *w, const char *path, Error **err) {
        if (w->write_errno)
                return err_set(err, ERR_SYSTEM, w->write_errno, "write tar");
        const char *msg = archive_error_string(w->a);
        return err_set(err, ERR_INTERNAL, 0, "write tar: `%s`: %s", path,
                       msg ? msg : "unknown error");
}

static bool xattr_is_overlay(const char *name) {
        /* overlayfs's own bookkeeping (opaque, redirect, origin, metacopy,
         * also under user. on userxattr mounts): turned into whiteout
         * entries where it has a tar form, meaningless elsewhere. */
        return STRPREFIX(name, "trusted.overlay.") || STRPREFIX(name, "user.overlay.");
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the xattrs of fd to e in name order; sets *opaque for an overlay
 * opaque directory. */
static int tar_xattrs(int fd, const char *path, struct archive_entry *e, bool *opaque,
                      Error **err) {
        ssize_t n = flistxattr(fd, NULL, 0);
        if (n < 0 && (errno == EOPNOTSUPP || errno == ENOTSUP))
                return 0;
        if (n < 0)
                return err_set(err, ERR_SYSTEM, errno, "list xattrs of `%s`", path);
        if (n == 0)
                return 0;
        _cleanup_free_ char *list = xmalloc((size_t)n + 1);
        n = flistxattr(fd, list, (size_t)n);
        if (n < 0)
                return err_set(err, ERR_SYSTEM, errno, "list xattrs of `%s`", path);
        /* overlayfs counts its hidden trusted.overlay.* names in the size
         * but lists none of them: the list may well be empty. */
        if (n == 0)
                return 0;
        list[n] = '\0';

        _cleanup_free_ const char **names = NULL;
        size_t count = 0, cap = 0;
        for (char *p = list; p < list + n; p += strlen(p) + 1) {
                xgrow((void **)&names, &cap, count + 1, sizeof *names);
                names[count++] = p;
        }
        qsort(names, count, sizeof *names, name_cmp);
        for (size_t i = 0; i < count; i++) {
                ssize_t vlen = fgetxattr(fd, names[i], NULL, 0);
                if (vlen < 0 && errno == ENODATA)
                        continue;
                if (vlen < 0)
                        return err_set(err, ERR_SYSTEM, errno, "get xattr `%s` of `%s`", names[i],
                                       path);
                _cleanup_free_ char *value = xmalloc((size_t)vlen + 1);
                vlen = fgetxattr(fd, names[i], value, (size_t)vlen);
                if (vlen < 0)
                        return err_set(err, ERR_SYSTEM, errno, "get xattr `%s` of `%s`", names[i],
                                       path);
                if (STREQ(names[i], "trusted.overlay.opaque") ||
                    STREQ(names[i], "user.overlay.opaque"))
                        *opaque = vlen == 1 && value[0] == 'y';
                if (!xattr_is_overlay(names[i]))
                        archive_entry_xattr_add_entry(e, names[i], value, (size_t)vlen);
        }
        return 0;
}

static void entry_fill(struct archive_entry *e, const char *name, const struct stat *st) {
        archive_entry_copy_pathname(e, name);
        archive_entry_set_uid(e, st->st_uid);
        archive_entry_set_gid(e, st->st_gid);
        archive_entry_set_perm(e, st->st_mode & 07777);
        /* Whole seconds, as Docker writes layers: pax_restricted would
         * keep nanoseconds only in entries that need a pax header anyway,
         * making equal trees depend on their names. */
        archive_entry_set_mtime(e, st->st_mtim.tv_sec, 0);
}

static int tar_header(TarWriter *w, struct archive_entry *e, const char *path, Error **err) {
        /* WARN: a name that is not valid in the locale's charset goes out
         * as raw bytes with hdrcharset=BINARY, which is what we want. */
        if (archive_write_header(w->a, e) < ARCHIVE_WARN)
                return tar_error(w, path, err);
        return 0;
}

static int tar_data(TarWriter *w, int fd, int64_t size, const char *path, Error **err) {
        int64_t done = 0;
        while (done < size) {
                size_t want =
                        (size_t)(size - done < LAYER_BUFFER_SIZE ? size - done : LAYER_BUFFER_SIZE);
                ssize_t n = layer_fd_read_full(fd, w->buf, want);
                if (n < 0)
                        return err_set(err, ERR_SYSTEM, (int)-n, "read `%s`", path);
                if (n == 0) {
                        /* Shrunk since the header went out: the header's size
                         * is a promise, keep it with zeros. */
                        memset(w->buf, 0, want);
                        n = (ssize_t)want;
                }
                if (archive_write_data(w->a, w->buf, (size_t)n) < 0)
                        return tar_error(w, path, err);
                done += n;
        }
        return 0;
}

/* The path under which an earlier entry wrote this inode, or NULL after
 * recording path as its first name. */
static const char *link_first(TarWriter *w, const struct stat *st, const char *path) {
        bool found;
        char **first = layer_inode_map_get(w->links, st->st_dev, st->st_ino, true, &found);
        if (found)
                return *first;
        *first = xstrdup(path);
        return NULL;
}

static int tar_entry_cb(int dirfd, const char *name, const char *path, const struct stat *lst,
                        bool post, void *userdata, Error **err) {
        TarWriter *w = userdata;
        if (post)
                return 0;
        struct stat st = *lst;
        _cleanup_close_ int fd = -1;
        _cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();
        _cleanup_free_ char *entry_name = NULL;
        bool opaque = false, data = false;
        if (!e)
                abort();

        switch (st.st_mode & S_IFMT) {
        case S_IFREG:
        case S_IFDIR: {
                bool dir = S_ISDIR(st.st_mode);
                fd = openat(dirfd, name,
                            O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
                /* Describe what is read, not what was there at readdir. */
                if (fd < 0 || fstat(fd, &st) < 0)
                        return err_set(err, ERR_SYSTEM, errno, "open `%s`", path);
                if ((st.st_mode & S_IFMT) != (lst->st_mode & S_IFMT))
                        return err_set(err, ERR_BAD_STATE, 0, "`%s` changed while written", path);
                entry_fill(e, path, &st);
                archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
                if (tar_xattrs(fd, path, e, &opaque, err) < 0)
                        return -1;
                if (dir)
                        break;
                const char *first = st.st_nlink > 1 ? link_first(w, &st, path) : NULL;
                if (first) {
                        archive_entry_set_hardlink(e, first);
                        archive_entry_set_size(e, 0);
                        break;
                }
                archive_entry_set_size(e, st.st_size);
                data = true;
                break;
        }
        case S_IFLNK: {
                size_t cap = (size_t)st.st_size + 1;
                for (;;) {
                        _cleanup_free_ char *target = xmalloc(cap);
                        ssize_t n = readlinkat(dirfd, name, target, cap);
                        if (n < 0)
                                return err_set(err, ERR_SYSTEM, errno, "readlink `%s`", path);
                        if ((size_t)n < cap) {
                                target[n] = '\0';
                                entry_fill(e, path, &st);
                                archive_entry_set_filetype(e, AE_IFLNK);
                                archive_entry_copy_symlink(e, target);
                                break;
                        }
                        cap *= 2;
                }
                break;
        }
        case S_IFCHR:
                if (major(st.st_rdev) == 0 && minor(st.st_rdev) == 0) {
                        /* An overlay whiteout goes back to its tar form, as
                         * Docker writes it. overlayfs may hardlink all its
                         * whiteouts to one inode: each is its own entry. */
                        const char *slash = strrchr(path, '/');
                        entry_name =
                                slash ? xasprintf("%.*s/.wh.%s", (int)(slash - path), path, name)
                                      : xasprintf(".wh.%s", name);
                        entry_fill(e, entry_name, &st);
                        archive_entry_set_filetype(e, AE_IFREG);
                        archive_entry_set_perm(e, 0600);
                        archive_entry_set_size(e, 0);
                        break;
                }
                __attribute__((fallthrough)); /* a real character device */
        case S_IFBLK:
        case S_IFIFO: {
                entry_fill(e, path, &st);
                archive_entry_set_filetype(e, S_ISCHR(st.st_mode)   ? AE_IFCHR
                                              : S_ISBLK(st.st_mode) ? AE_IFBLK
                                                                    : AE_IFIFO);
                archive_entry_set_rdevmajor(e, major(st.st_rdev));
                archive_entry_set_rdevminor(e, minor(st.st_rdev));
                const char *first = st.st_nlink > 1 ? link_first(w, &st, path) : NULL;
                if (first)
                        archive_entry_set_hardlink(e, first);
                break;
        }
        default:
                return 0; /* sockets have no tar form; their servers make them */
        }

        if (tar_header(w, e, path, err) < 0)
                return -1;
        if (data && tar_data(w, fd, st.st_size, path, err) < 0)
                return -1;
        if (opaque) {
                /* Right after its directory, as Docker places it, so the
                 * marker precedes the entries it must not hide. */
                _cleanup_(archive_entry_freep) struct archive_entry *o = archive_entry_new();
                _cleanup_free_ char *oname = xasprintf("%s/.wh..wh..opq", path);
                if (!o)
                        abort();
                entry_fill(o, oname, &st);
                archive_entry_set_filetype(o, AE_IFREG);
                archive_entry_set_perm(o, st.st_mode & 0777);
                archive_entry_set_size(o, 0);
                if (tar_header(w, o, oname, err) < 0)
                        return -1;
        }
        return S_ISDIR(st.st_mode) ? 1 : 0;
}

int layer_write_tar(const char *dir, int fd, char *ret_diff_id, Error **err) {
        _cleanup_close_ int rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return err_set(err, ERR_SYSTEM, errno, "layer: open `%s`", dir);
        _cleanup_(digester_freep) Digester *digest = NULL;
        if (digester_new(&digest, err) < 0)
                return err_wrap(err, "layer: tar `%s`", dir);
        _cleanup_(layer_inode_map_freep) LayerInodeMap *links =
                layer_inode_map_new(sizeof(char *), freep);
        _cleanup_free_ char *buf = xmalloc(LAYER_BUFFER_SIZE);
        _cleanup_(archive_write_freep) struct archive *a = archive_write_new();
        if (!a && archive_lazy_error()) /* libarchive is loaded on first use */
                return err_set(err, ERR_NOT_SUPPORTED, 0, "layer: tar `%s`: %s", dir,
                               archive_lazy_error());
        if (!a)
                abort(); /* only fails on out-of-memory */
        TarWriter w = { .a = a, .fd = fd, .digest = digest, .links = links, .buf = buf };

        archive_write_set_format_pax_restricted(a);
        /* Big blocks for few write() calls; the last one is not padded, so
         * the stream ends right after the two zero blocks, as Go's writer
         * ends it, whatever the block size. */
        archive_write_set_bytes_per_block(a, LAYER_BUFFER_SIZE);
        archive_write_set_bytes_in_last_block(a, 1);
        if (archive_write_open(a, &w, NULL, tar_write_cb, NULL) != ARCHIVE_OK)
                return tar_error(&w, dir, err);
        if (layer_walk(rootfd, LAYER_WALK_SORTED | LAYER_WALK_ONE_FS, tar_entry_cb, &w, err) < 0)
                return err_wrap(err, "layer: tar `%s`", dir);
        if (archive_write_close(a) != ARCHIVE_OK)
                return tar_error(&w, dir, err);
        if (ret_diff_id)
                digester_final(digest, ret_diff_id);
        return 0;
}
