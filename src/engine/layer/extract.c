/* SPDX-License-Identifier: Apache-2.0 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "archive-lazy.h"
#include "layer-private.h"
#include "xalloc.h"

/* Extraction. libarchive only parses: every name it returns is cleaned
 * lexically (layer_path_clean), its parent is opened below the root with no
 * symlink followed (layer_dir_open), and the entry is created with *at()
 * calls relative to that parent. So neither "..", nor an absolute name,
 * nor a symlink planted by an earlier entry can make anything land
 * outside dest_dir. */

static inline void archive_read_freep(struct archive **a) {
        if (*a)
                archive_read_free(*a);
}

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

/* Directory modes and times are set once the layer is done: its children
 * would bump the mtime, and a read-only directory must stay writable
 * until its last child is in. They are kept by inode, not path, so a
 * million deep directories cost megabytes, not gigabytes, and applied in
 * one walk of the tree. */
typedef struct DirFixup {
        mode_t mode;
        struct timespec times[2];
} DirFixup;

typedef struct Extractor {
        LayerExtractOptions o;
        int rootfd;
        LayerStream *stream;
        Error *stream_err;
        uint64_t entries, declared;

        /* The parent of the previous entry, open: tar streams list siblings
         * together, so most entries skip path resolution altogether. Every
         * removal is of a child of the cached directory, never of it or an
         * ancestor, so the descriptor stays valid until replaced. */
        char *cache_path;
        int cache_fd;

        LayerInodeMap *dirs; /* DirFixup by inode */

        /* LAYER_WHITEOUT_APPLY: the inodes this layer created or listed,
         * which its opaque markers must not delete, and the directories
         * those markers name, emptied once the layer is done. */
        LayerInodeMap *marks;
        char **opaque;
        size_t n_opaque, cap_opaque;

        char name[256]; /* the current entry's name, for messages */
} Extractor;

static _printf_(5, 6) int entry_error(Extractor *x, Error **err, ErrorKind kind, int errnum,
                                      const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        return err_set(err, kind, errnum, "layer entry `%s`: %s", x->name, msg);
}

/* libarchive failed: the stream's own error (limit, gzip, read) says more
 * than libarchive's "read failed" and wins. */
static int archive_error(Extractor *x, struct archive *a, bool in_entry, Error **err) {
        if (x->stream_err)
                return err_propagate(err, TAKE_PTR(x->stream_err));
        const char *msg = archive_error_string(a);
        if (in_entry)
                return entry_error(x, err, ERR_INVALID_ARGUMENT, 0, "read data: %s",
                                   msg ? msg : "unknown error");
        return err_set(err, ERR_INVALID_ARGUMENT, 0, "layer: read tar: %s",
                       msg ? msg : "unknown error");
}

static la_ssize_t extract_read_cb(struct archive *a, void *userdata, const void **buf) {
        Extractor *x = userdata;
        if (x->stream_err) {
                archive_set_error(a, EIO, "%s", x->stream_err->message);
                return -1;
        }
        ssize_t n = layer_stream_read(x->stream, buf, &x->stream_err);
        if (n < 0) {
                archive_set_error(a, EIO, "%s", x->stream_err ? x->stream_err->message : "read");
                return -1;
        }
        return n;
}

/* Records an inode as this layer's (LAYER_WHITEOUT_APPLY only). */
static void entry_mark_fd(Extractor *x, int fd) {
        struct stat st;
        if (x->marks && fstat(fd, &st) == 0)
                layer_inode_map_get(x->marks, st.st_dev, st.st_ino, true, NULL);
}

static void entry_mark_at(Extractor *x, int pfd, const char *base) {
        struct stat st;
        if (x->marks && fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
                layer_inode_map_get(x->marks, st.st_dev, st.st_ino, true, NULL);
}

/* Opens (from the cache when it is the same) the parent directory of the
 * current entry. With create, missing directories are made, as tar does
 * for streams that omit them. Returns a borrowed fd or -1; when missing is
 * not NULL a missing directory sets it and returns -1 without an error. */
static int parent_open(Extractor *x, const char *parent, bool create, bool *missing, Error **err) {
        if (x->cache_fd >= 0 && STREQ(x->cache_path, parent))
                return x->cache_fd;
        size_t failed = strlen(parent);
        int fd = layer_dir_open(x->rootfd, parent, create, &failed);
        if (fd == -ENOENT && missing) {
                *missing = true;
                return -1;
        }
        if (fd < 0) {
                char culprit[256];
                _cleanup_free_ char *prefix = xstrndup(parent, failed);
                layer_name_display(prefix, culprit);
                switch (-fd) {
                case ELOOP:
                        return entry_error(x, err, ERR_INVALID_ARGUMENT, 0,
                                           "path goes through symlink `%s`", culprit);
                case ENOTDIR:
                        return entry_error(x, err, ERR_INVALID_ARGUMENT, 0,
                                           "`%s` is not a directory", culprit);
                default:
                        return entry_error(x, err, ERR_SYSTEM, -fd, "open directory `%s`", culprit);
                }
        }
        layer_fd_close(&x->cache_fd);
        free(x->cache_path);
        x->cache_path = xstrdup(parent);
        x->cache_fd = fd;
        entry_mark_fd(x, fd); /* a directory this layer puts entries in */
        return fd;
}

/* Clears the way for a new entry: whatever holds the name goes, as tar
 * does (a symlink is unlinked, never written through), except that an
 * existing directory stays for a directory entry. Returns 1 when a
 * directory was kept, 0 when the name is free. */
static int entry_make_room(Extractor *x, int pfd, const char *base, bool dir, Error **err) {
        struct stat st;
        if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return entry_error(x, err, ERR_SYSTEM, errno, "stat");
        }
        if (dir && S_ISDIR(st.st_mode))
                return 1;
        if (S_ISDIR(st.st_mode)) {
                if (layer_tree_remove_at(pfd, base, err) < 0)
                        return err_wrap(err, "layer entry `%s`: replace directory", x->name);
        } else if (unlinkat(pfd, base, 0) < 0 && errno != ENOENT)
                return entry_error(x, err, ERR_SYSTEM, errno, "replace existing entry");
        return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2]) {
        ts[1] = (struct timespec){ .tv_nsec = UTIME_OMIT };
        if (archive_entry_mtime_is_set(e)) {
                long ns = archive_entry_mtime_nsec(e);
                ts[1] = (struct timespec){ archive_entry_mtime(e),
                                           ns >= 0 && ns < 1000000000 ? ns : 0 };
        }
        ts[0] = ts[1];
        if (archive_entry_atime_is_set(e)) {
                long ns = archive_entry_atime_nsec(e);
                ts[0] = (struct timespec){ archive_entry_atime(e),
                                           ns >= 0 && ns < 1000000000 ? ns : 0 };
        }
}

/* The owner to give the entry: (uid_t)-1 for both when owners are not
 * preserved, which leaves them to whoever extracts. */
static int entry_owner(Extractor *x, struct archive_entry *e, uid_t *uid, gid_t *gid, Error **err) {
        *uid = (uid_t)-1;
        *gid = (gid_t)-1;
        if (!x->o.preserve_owners)
                return 0;
        int64_t u = archive_entry_uid(e), g = archive_entry_gid(e);
        /* -1 would mean "unchanged" to chown(): not a real id. */
        if (u < 0 || u >= UINT32_MAX || g < 0 || g >= UINT32_MAX)
                return entry_error(x, err, ERR_INVALID_ARGUMENT, 0,
                                   "invalid owner %" PRId64 ":%" PRId64, u, g);
        *uid = (uid_t)u;
        *gid = (gid_t)g;
        return 0;
}

static bool xattr_allowed(const char *name) {
        /* File capabilities and user data travel with images. trusted.*
         * (and user.overlay.* on userxattr mounts) would let a layer forge
         * overlayfs metadata (opaque, redirect, metacopy), security.selinux
         * is the host's policy to set, and ACLs are not part of the OCI
         * layer format: skip those quietly. */
        return STREQ(name, "security.capability") ||
               (STRPREFIX(name, "user.") && !STRPREFIX(name, "user.overlay."));
}

static int entry_xattrs(Extractor *x, struct archive_entry *e, int fd, Error **err) {
        const char *name;
        const void *value;
        size_t size;
        if (archive_entry_xattr_reset(e) == 0)
                return 0;
        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                if (!name || !xattr_allowed(name))
                        continue;
                if (fsetxattr(fd, name, value, size, 0) < 0) {
                        if (errno == EOPNOTSUPP)
                                continue; /* the filesystem keeps none */
                        char shown[256];
                        return entry_error(x, err, ERR_SYSTEM, errno, "set xattr `%s`",
                                           layer_name_display(name, shown));
                }
        }
        return 0;
}

/* Owner, mode, xattrs and times of an entry open as fd. The order matters:
 * chown() clears setuid bits and file capabilities, so it goes first. */
static int entry_meta_fd(Extractor *x, struct archive_entry *e, int fd, bool mode_and_times,
                         Error **err) {
        uid_t uid;
        gid_t gid;
        if (entry_owner(x, e, &uid, &gid, err) < 0)
                return -1;
        if (uid != (uid_t)-1 && fchown(fd, uid, gid) < 0)
                return entry_error(x, err, ERR_SYSTEM, errno, "chown");
        if (mode_and_times && fchmod(fd, archive_entry_perm(e) & 07777) < 0)
                return entry_error(x, err, ERR_SYSTEM, errno, "chmod");
        if (entry_xattrs(x, e, fd, err) < 0)
                return -1;
        if (mode_and_times) {
                struct timespec ts[2];
                entry_times(e, ts);
                if (futimens(fd, ts) < 0)
                        return entry_error(x, err, ERR_SYSTEM, errno, "set times");
        }
        return 0;
}

/* The same for an entry without an fd (symlink, device, fifo, whiteout):
 * base is what this extraction just created, so it is not a symlink unless
 * it is meant to be one, and only chmod() has to follow. */
static int entry_meta_at(Extractor *x, struct archive_entry *e, int pfd, const char *base,
                         bool chmod, Error **err) {
        uid_t uid;
        gid_t gid;
        if (entry_owner(x, e, &uid, &gid, err) < 0)
                return -1;
        if (uid != (uid_t)-1 && fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return entry_error(x, err, ERR_SYSTEM, errno, "chown");
        if (chmod && fchmodat(pfd, base, archive_entry_perm(e) & 07777, 0) < 0)
                return entry_error(x, err, ERR_SYSTEM, errno, "chmod");
        struct timespec ts[2];
        entry_times(e, ts);
        if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return entry_error(x, err, ERR_SYSTEM, errno, "set times");
        return 0;
}

static int extract_file(Extractor *x, struct archive *a, struct archive_entry *e, int pfd,
                        const char *base, Error **err) {
        if (entry_make_room(x, pfd, base, false, err) < 0)
                return -1;
        _cleanup_close_ int fd = openat(
                pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
        if (fd < 0)
                return entry_error(x, err, ERR_SYSTEM, errno, "create");

        int64_t size = archive_entry_size(e), pos = 0;
        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t off;
                int r = archive_read_data_block(a, &buf, &len, &off);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return archive_error(x, a, true, err);
                /* Sparse entries come as (offset, data) runs: seek over the
                 * holes so they stay holes. */
                if (off < pos || off > size || (int64_t)len > size - off)
                        return entry_error(x, err, ERR_INVALID_ARGUMENT, 0,
                                           "data outside the entry's size");
                if (off > pos && lseek(fd, off, SEEK_SET) < 0)
                        return entry_error(x, err, ERR_SYSTEM, errno, "seek");
                int w = layer_fd_write_all(fd, buf, len);
                if (w < 0)
                        return entry_error(x, err, ERR_SYSTEM, -w, "write");
                pos = off + (int64_t)len;
        }
        if (pos < size && ftruncate(fd, size) < 0)
                return entry_error(x, err, ERR_SYSTEM, errno, "truncate");
        entry_mark_fd(x, fd);
        return entry_meta_fd(x, e, fd, true, err);
}

static int extract_dir(Extractor *x, struct archive_entry *e, int pfd, const char *base,
                       Error **err) {
        int kept = entry_make_room(x, pfd, base, true, err);
        if (kept < 0)
                return -1;
        if (!kept && mkdirat(pfd, base, 0700) < 0)
                return entry_error(x, err, ERR_SYSTEM, errno, "mkdir");
        _cleanup_close_ int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return entry_error(x, err, ERR_SYSTEM, errno, "open directory");
        if (entry_meta_fd(x, e, fd, false, err) < 0)
                return -1;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return entry_error(x, err, ERR_SYSTEM, errno, "stat");
        entry_mark_fd(x, fd);
        DirFixup *d = layer_inode_map_get(x->dirs, st.st_dev, st.st_ino, true, NULL);
        d->mode = archive_entry_perm(e) & 07777;
        entry_times(e, d->times);
        return 0;
}

static int extract_symlink(Extractor *x, struct archive_entry *e, int pfd, const char *base,
                           Error **err) {
        const char *target = archive_entry_symlink(e);
        if (!target || !*target)
                return entry_error(x, err, ERR_INVALID_ARGUMENT, 0, "symlink without a target");
        if (strlen(target) >= LAYER_PATH_MAX)
                return entry_error(x, err, ERR_LIMIT, 0, "symlink target longer than %u bytes",
                                   LAYER_PATH_MAX - 1);
        if (entry_make_room(x, pfd, base, false, err) < 0)
                return -1;
        /* The target is stored as is, wherever it points: it is only ever
         * resolved inside the container, and no later entry goes through
         * it (layer_dir_open refuses symlinks). */
        if (symlinkat(target, pfd, base) < 0)
                return entry_error(x, err, ERR_SYSTEM, errno, "symlink");
        entry_mark_at(x, pfd, base);
        return entry_meta_at(x, e, pfd, base, false, err);
}

static int extract_node(Extractor *x, struct archive_entry *e, int pfd, const char *base,
                        mode_t type, Error **err) {
        if (entry_make_room(x, pfd, base, false, err) < 0)
                return -1;
        dev_t dev = type == AE_IFIFO
                            ? 0
                            : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
        mode_t m = (type == AE_IFCHR ? S_IFCHR : type == AE_IFBLK ? S_IFBLK : S_IFIFO) | 0600;
        if (mknodat(pfd, base, m, dev) < 0)
                return entry_error(x, err, ERR_SYSTEM, errno, "mknod");
        entry_mark_at(x, pfd, base);
        return entry_meta_at(x, e, pfd, base, true, err);
}

static int extract_hardlink(Extractor *x, const char *target, int pfd, const char *base,
                            Error **err) {
        char shown[256];
        if (strlen(target) >= LAYER_PATH_MAX)
                return entry_error(x, err, ERR_LIMIT, 0, "hardlink target longer than %u bytes",
                                   LAYER_PATH_MAX - 1);
        layer_name_display(target, shown);
        _cleanup_free_ char *tpath = layer_path_clean(target);
        if (!tpath)
                return entry_error(x, err, ERR_INVALID_ARGUMENT, 0,
                                   "hardlink target `%s` escapes the layer root", shown);
        if (!tpath[0])
                return entry_error(x, err, ERR_INVALID_ARGUMENT, 0,
                                   "hardlink target `%s` is the layer root", shown);
        char *slash = strrchr(tpath, '/');
        const char *tbase = slash ? slash + 1 : tpath;
        _cleanup_free_ char *tparent =
                slash ? xstrndup(tpath, (size_t)(slash - tpath)) : xstrdup("");

        /* The target is resolved like an entry's parent: a hardlink through
         * a symlink would link whatever the symlink reaches. */
        size_t failed = strlen(tparent);
        _cleanup_close_ int tpfd = layer_dir_open(x->rootfd, tparent, false, &failed);
        if (tpfd < 0) {
                int e = -tpfd;
                tpfd = -1;
                if (e == ELOOP) {
                        char culprit[256];
                        _cleanup_free_ char *prefix = xstrndup(tparent, failed);
                        return entry_error(x, err, ERR_INVALID_ARGUMENT, 0,
                                           "hardlink target `%s` goes through symlink `%s`", shown,
                                           layer_name_display(prefix, culprit));
                }
                if (e == ENOENT || e == ENOTDIR)
                        return entry_error(x, err, ERR_INVALID_ARGUMENT, 0,
                                           "hardlink target `%s` does not exist in the layer",
                                           shown);
                return entry_error(x, err, ERR_SYSTEM, e, "hardlink target `%s`", shown);
        }
        struct stat tst, cur;
        if (fstatat(tpfd, tbase, &tst, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return entry_error(x, err, ERR_INVALID_ARGUMENT, 0,
                                           "hardlink target `%s` does not exist in the layer",
                                           shown);
                return entry_error(x, err, ERR_SYSTEM, errno, "hardlink target `%s`", shown);
        }
        if (S_ISDIR(tst.st_mode))
                return entry_error(x, err, ERR_INVALID_ARGUMENT, 0,
                                   "hardlink target `%s` is a directory", shown);
        /* The inode becomes this layer's: should the target be a lower
         * file in an opaque directory, that name of it stays too. */
        entry_mark_at(x, tpfd, tbase);
        if (fstatat(pfd, base, &cur, AT_SYMLINK_NOFOLLOW) == 0 && cur.st_dev == tst.st_dev &&
            cur.st_ino == tst.st_ino)
                return 0; /* already the same file (a link to itself, a repeat) */
        if (entry_make_room(x, pfd, base, false, err) < 0)
                return -1;
        /* No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink. */
        if (linkat(tpfd, tbase, pfd, base, 0) < 0)
                return entry_error(x, err, ERR_SYSTEM, errno, "hardlink to `%s`", shown);
        return 0;
}

static int extract_opaque(Extractor *x, const char *parent, Error **err) {
        int pfd = parent_open(x, parent, true, NULL, err);
        if (pfd < 0)
                return -1;
        if (x->o.whiteouts == LAYER_WHITEOUT_OVERLAY) {
                _cleanup_close_ int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return entry_error(x, err, ERR_SYSTEM, errno, "open directory");
                if (fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
                        return entry_error(x, err, errno == EPERM ? ERR_NOT_SUPPORTED : ERR_SYSTEM,
                                           errno, "set trusted.overlay.opaque");
                return 0;
        }
        /* Applied in place, once the layer is done (extract_apply_opaque):
         * the marker says the directory exists in this layer, so it is
         * made now, and emptied of the lower layers' entries later. */
        xgrow((void **)&x->opaque, &x->cap_opaque, x->n_opaque + 1, sizeof *x->opaque);
        x->opaque[x->n_opaque++] = xstrdup(parent);
        return 0;
}

static int extract_whiteout(Extractor *x, struct archive_entry *e, const char *parent,
                            const char *base, Error **err) {
        if (STREQ(base, WHITEOUT_OPAQUE))
                return extract_opaque(x, parent, err);
        if (STRPREFIX(base, WHITEOUT_META_PREFIX))
                return 0; /* aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs) */
        const char *victim = base + strlen(WHITEOUT_PREFIX);
        if (!*victim || STREQ(victim, ".") || STREQ(victim, ".."))
                return entry_error(x, err, ERR_INVALID_ARGUMENT, 0, "invalid whiteout");

        if (x->o.whiteouts == LAYER_WHITEOUT_OVERLAY) {
                int pfd = parent_open(x, parent, true, NULL, err);
                if (pfd < 0 || entry_make_room(x, pfd, victim, false, err) < 0)
                        return -1;
                if (mknodat(pfd, victim, S_IFCHR | 0600, makedev(0, 0)) < 0)
                        return entry_error(x, err, ERR_SYSTEM, errno, "mknod whiteout");
                return entry_meta_at(x, e, pfd, victim, false, err);
        }
        bool missing = false;
        int pfd = parent_open(x, parent, false, &missing, err);
        if (missing)
                return 0;
        if (pfd < 0)
                return -1;
        if (layer_tree_remove_at(pfd, victim, err) < 0)
                return err_wrap(err, "layer entry `%s`: whiteout", x->name);
        return 0;
}

static int extract_entry(Extractor *x, struct archive *a, struct archive_entry *e, Error **err) {
        const char *name = archive_entry_pathname(e);
        if (!name)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "layer: entry without a name");
        layer_name_display(name, x->name);
        if (strlen(name) >= LAYER_PATH_MAX)
                return entry_error(x, err, ERR_LIMIT, 0, "name longer than %u bytes",
                                   LAYER_PATH_MAX - 1);
        _cleanup_free_ char *path = layer_path_clean(name);
        if (!path)
                return entry_error(x, err, ERR_INVALID_ARGUMENT, 0, "path escapes the layer root");
        if (!path[0])
                return 0; /* the root itself: its owner and mode are the caller's */

        char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;
        size_t parent_len = slash ? (size_t)(slash - path) : 0;
        _cleanup_free_ char *parent = xstrndup(path, parent_len);
        if (STRPREFIX(base, WHITEOUT_PREFIX))
                return extract_whiteout(x, e, parent, base, err);

        int64_t size = archive_entry_size(e);
        if (size < 0 || (uint64_t)size > x->o.size_max - x->declared)
                return entry_error(x, err, ERR_LIMIT, 0,
                                   "size %" PRId64 " exceeds the limit of %" PRIu64 " bytes", size,
                                   x->o.size_max);
        x->declared += (uint64_t)size;

        const char *hardlink = archive_entry_hardlink(e);
        mode_t type = archive_entry_filetype(e);
        if (!hardlink && (type == AE_IFCHR || type == AE_IFBLK) && !x->o.allow_devices)
                return 0;
        if (!hardlink && type == AE_IFSOCK)
                return 0; /* nothing to create: sockets are made by their servers */

        int pfd = parent_open(x, parent, true, NULL, err);
        if (pfd < 0)
                return -1;
        if (hardlink)
                return extract_hardlink(x, hardlink, pfd, base, err);
        switch (type) {
        case AE_IFREG:
                return extract_file(x, a, e, pfd, base, err);
        case AE_IFDIR:
                return extract_dir(x, e, pfd, base, err);
        case AE_IFLNK:
                return extract_symlink(x, e, pfd, base, err);
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
                return extract_node(x, e, pfd, base, type, err);
        default:
                return entry_error(x, err, ERR_INVALID_ARGUMENT, 0, "unsupported entry type %#o",
                                   (unsigned)type);
        }
}

/* Orders paths component by component ('/' below every other byte), so a
 * directory's descendants directly follow it. */
static int path_cmp(const void *a, const void *b) {
        const unsigned char *p = *(const unsigned char *const *)a;
        const unsigned char *q = *(const unsigned char *const *)b;
        for (;; p++, q++) {
                unsigned c = *p == '/' ? 1u : *p ? *p + 1u : 0u;
                unsigned d = *q == '/' ? 1u : *q ? *q + 1u : 0u;
                if (c != d)
                        return c < d ? -1 : 1;
                if (!c)
                        return 0;
        }
}

static int opaque_cb(int dirfd, const char *name, const char *path, const struct stat *st,
                     bool post, void *userdata, Error **err) {
        Extractor *x = userdata;
        bool mine = layer_inode_map_get(x->marks, st->st_dev, st->st_ino, false, NULL);
        char shown[256];
        if (!post) {
                /* Look inside every directory: one this layer also lists
                 * may still hold lower entries. */
                if (S_ISDIR(st->st_mode))
                        return 1;
                if (!mine && unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                        return err_set(err, ERR_SYSTEM, errno,
                                       "layer: opaque directory: remove `%s`",
                                       layer_name_display(path, shown));
                return 0;
        }
        /* A lower directory goes once empty; one still holding entries of
         * this layer is their parent and stays. */
        if (!mine && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOTEMPTY &&
            errno != EEXIST && errno != ENOENT)
                return err_set(err, ERR_SYSTEM, errno, "layer: opaque directory: remove `%s`",
                               layer_name_display(path, shown));
        return 0;
}

/* Empties the opaque directories (LAYER_WHITEOUT_APPLY) of what this layer
 * did not put there. Deferred to the end and done for the outermost ones
 * only, so each part of the tree is walked once, however many markers a
 * layer nests: applied as they come, a hostile layer could make this
 * quadratic. */
static int extract_apply_opaque(Extractor *x, Error **err) {
        if (x->n_opaque > 1)
                qsort(x->opaque, x->n_opaque, sizeof *x->opaque, path_cmp);
        const char *done = NULL;
        for (size_t i = 0; i < x->n_opaque; i++) {
                const char *q = x->opaque[i];
                size_t n = done ? strlen(done) : 0;
                if (done && (n == 0 || (strncmp(q, done, n) == 0 && (q[n] == '\0' || q[n] == '/'))))
                        continue; /* inside one already emptied */
                done = q;
                /* Replaced by a file or a symlink since: nothing to empty. */
                _cleanup_close_ int fd = layer_dir_open(x->rootfd, q, false, NULL);
                if (fd < 0)
                        continue;
                if (layer_walk(fd, LAYER_WALK_ONE_FS, opaque_cb, x, err) < 0)
                        return -1;
        }
        return 0;
}

static int fixup_cb(int dirfd, const char *name, const char *path, const struct stat *st, bool post,
                    void *userdata, Error **err) {
        Extractor *x = userdata;
        if (!S_ISDIR(st->st_mode))
                return 0;
        if (!post)
                return 1; /* children first: they may still need the directory open */
        DirFixup *d = layer_inode_map_get(x->dirs, st->st_dev, st->st_ino, false, NULL);
        if (!d)
                return 0;
        char shown[256];
        /* The walk saw a directory (no symlink) here; chmod may follow. */
        if (fchmodat(dirfd, name, d->mode, 0) < 0)
                return err_set(err, ERR_SYSTEM, errno, "layer: directory `%s`: chmod",
                               layer_name_display(path, shown));
        if (utimensat(dirfd, name, d->times, AT_SYMLINK_NOFOLLOW) < 0)
                return err_set(err, ERR_SYSTEM, errno, "layer: directory `%s`: set times",
                               layer_name_display(path, shown));
        return 0;
}

static int extract_run(Extractor *x, struct archive *a, Error **err) {
        archive_read_support_format_tar(a);
        archive_read_support_format_gnutar(a);
        archive_read_support_format_empty(a);
        if (archive_read_open(a, x, NULL, extract_read_cb, NULL) != ARCHIVE_OK)
                return archive_error(x, a, false, err);
        for (;;) {
                struct archive_entry *e;
                int r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF)
                        break;
                /* WARN is libarchive unable to convert a name to the
                 * locale's charset: the raw bytes are what we want. */
                if (r < ARCHIVE_WARN)
                        return archive_error(x, a, false, err);
                if (++x->entries > x->o.entries_max)
                        return err_set(err, ERR_LIMIT, 0, "layer: more than %" PRIu64 " entries",
                                       x->o.entries_max);
                if (extract_entry(x, a, e, err) < 0)
                        return -1;
        }
        /* libarchive takes a failed read where a header should start for
         * the end of the archive: the stream's error still stands. */
        if (x->stream_err)
                return err_propagate(err, TAKE_PTR(x->stream_err));
        if (extract_apply_opaque(x, err) < 0)
                return -1;
        if (layer_inode_map_count(x->dirs) > 0 &&
            layer_walk(x->rootfd, LAYER_WALK_ONE_FS, fixup_cb, x, err) < 0)
                return -1;
        if (layer_stream_drain(x->stream, err) < 0)
                return -1;
        return 0;
}

int layer_extract_fd(int fd, const char *dest_dir, const LayerExtractOptions *opts,
                     LayerExtractResult *ret, Error **err) {
        Extractor x = { .rootfd = -1, .cache_fd = -1 };
        if (opts)
                x.o = *opts;
        if (!x.o.size_max)
                x.o.size_max = LAYER_SIZE_MAX;
        if (!x.o.entries_max)
                x.o.entries_max = LAYER_ENTRIES_MAX;

        x.rootfd = open(dest_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (x.rootfd < 0)
                return err_set(err, ERR_SYSTEM, errno, "layer: open `%s`", dest_dir);
        x.stream = layer_stream_new(fd, x.o.size_max);
        x.dirs = layer_inode_map_new(sizeof(DirFixup), NULL);
        if (x.o.whiteouts == LAYER_WHITEOUT_APPLY)
                x.marks = layer_inode_map_new(0, NULL);

        _cleanup_(archive_read_freep) struct archive *a = archive_read_new();
        int r;
        if (a)
                r = extract_run(&x, a, err);
        else if (archive_lazy_error()) /* libarchive is loaded on first use */
                r = err_set(err, ERR_NOT_SUPPORTED, 0, "layer: %s", archive_lazy_error());
        else
                abort(); /* only fails on out-of-memory */
        if (r == 0) {
                LayerExtractResult res = { .entries = x.entries };
                layer_stream_result(x.stream, &res);
                if (ret)
                        *ret = res;
        }

        err_free(x.stream_err);
        layer_stream_free(x.stream);
        layer_inode_map_free(x.dirs);
        layer_inode_map_free(x.marks);
        for (size_t i = 0; i < x.n_opaque; i++)
                free(x.opaque[i]);
        free(x.opaque);
        free(x.cache_path);
        closep(&x.cache_fd);
        closep(&x.rootfd);
        return r < 0 ? -1 : 0;
}
