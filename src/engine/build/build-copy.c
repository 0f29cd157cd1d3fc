/* SPDX-License-Identifier: Apache-2.0 */
/* COPY and ADD: files of the build context (or of an earlier stage's
 * image, --from) written into a created container's mounted root
 * filesystem, then committed.
 *
 * The context is untrusted input: a source whose path climbs out of it
 * ("../x") is refused, and every lookup below the context or the root
 * filesystem goes through openat2(RESOLVE_IN_ROOT), so symlinks, absolute
 * ones included, resolve inside the tree that holds them and never reach
 * the host. Trees are copied entry by entry with descriptors and O_NOFOLLOW;
 * symlinks inside a copied tree are copied as symlinks. A local tar archive
 * given to ADD is extracted with the layer extractor, which keeps hostile
 * archives inside their destination. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "build-private.h"
#include "container-fs.h"
#include "container.h"
#include "image.h"
#include "layer.h"
#include "user.h"
#include "xalloc.h"

#define COPY_DEPTH_MAX 256
#define COPY_SOURCES_MAX 10000

typedef struct CopyJob {
        uid_t uid;
        gid_t gid; /* --chown's owner, else root */
        Error **err;
} CopyJob;

static int open_in_root(int rootfd, const char *path, int flags) {
        struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC),
                                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        while (*path == '/')
                path++;
        int fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
        return fd < 0 ? -errno : fd;
}

/* The source path cleaned lexically, relative to its tree; NULL when
 * ".." climbs out of it. */
static char *source_clean(const char *path) {
        size_t len = strlen(path);
        char *out = xzalloc(len + 2);
        size_t o = 0;
        for (const char *p = path; *p;) {
                while (*p == '/')
                        p++;
                size_t n = strcspn(p, "/");
                if (n == 0)
                        break;
                if (n == 1 && p[0] == '.') {
                        /* nothing */
                } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        if (o == 0) {
                                free(out);
                                return NULL;
                        }
                        while (o > 0 && out[o - 1] != '/')
                                o--;
                        if (o > 0)
                                o--;
                } else {
                        if (o > 0)
                                out[o++] = '/';
                        memcpy(out + o, p, n);
                        o += n;
                }
                out[o] = '\0';
                p += n;
        }
        return out;
}

int build_mkdir_in_root(int rootfd, const char *path, uid_t uid, gid_t gid, Error **err) {
        _cleanup_free_ char *prefix = xstrdup(path);
        size_t len = strlen(prefix);
        /* Each prefix in turn: opened when present, else made in its
         * (resolved) parent. */
        for (size_t i = 1; i <= len; i++) {
                if (i < len && prefix[i] != '/')
                        continue;
                char saved = prefix[i];
                prefix[i] = '\0';
                int fd = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY);
                if (fd == -ENOENT) {
                        char *slash = strrchr(prefix, '/');
                        const char *name = slash ? slash + 1 : prefix;
                        if (slash)
                                *slash = '\0';
                        _cleanup_close_ int parent =
                                open_in_root(rootfd, slash ? prefix : "", O_PATH | O_DIRECTORY);
                        if (slash)
                                *slash = '/';
                        if (parent < 0)
                                return err_set(err, ERR_SYSTEM, -parent, "open `%s`", prefix);
                        if (*name && mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
                                return err_set(err, ERR_SYSTEM, errno, "create `%s`", prefix);
                        if (*name)
                                (void)fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW);
                        fd = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY);
                }
                if (fd < 0)
                        return err_set(err, ERR_SYSTEM, -fd, "open `%s`", prefix);
                prefix[i] = saved;
                if (i < len)
                        close(fd);
                else
                        return fd;
        }
        return open_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
}

/* Replaces name in dirfd unless it is a directory. */
static void entry_clear(int dirfd, const char *name) {
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
                (void)unlinkat(dirfd, name, 0);
}

static int file_copy(CopyJob *j, int src, const struct stat *st, int dirfd, const char *name) {
        entry_clear(dirfd, name);
        _cleanup_close_ int dst =
                openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (dst < 0)
                return err_set(j->err, ERR_SYSTEM, errno, "create `%s`", name);
        char buf[65536];
        for (;;) {
                ssize_t n = read(src, buf, sizeof buf);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return err_set(j->err, ERR_SYSTEM, errno, "read `%s`", name);
                if (n == 0)
                        break;
                for (ssize_t off = 0; off < n;) {
                        ssize_t w = write(dst, buf + off, (size_t)(n - off));
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0)
                                return err_set(j->err, ERR_SYSTEM, errno, "write `%s`", name);
                        off += w;
                }
        }
        if (fchown(dst, j->uid, j->gid) < 0 || fchmod(dst, st->st_mode & 07777) < 0)
                return err_set(j->err, ERR_SYSTEM, errno, "set owner and mode of `%s`", name);
        struct timespec times[2] = { st->st_atim, st->st_mtim };
        (void)futimens(dst, times);
        return 0;
}

/* Copies what the directory src holds into the directory dst. */
static int tree_copy(CopyJob *j, int src, int dst, int depth) {
        if (depth > COPY_DEPTH_MAX)
                return err_set(j->err, ERR_LIMIT, 0, "directories nested deeper than %d",
                               COPY_DEPTH_MAX);
        int dup_fd = fcntl(src, F_DUPFD_CLOEXEC, 3);
        if (dup_fd < 0)
                return err_set(j->err, ERR_SYSTEM, errno, "read directory");
        DIR *d = fdopendir(dup_fd);
        if (!d) {
                close(dup_fd);
                return err_set(j->err, ERR_SYSTEM, errno, "read directory");
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(d))) {
                const char *name = de->d_name;
                if (STREQ(name, ".") || STREQ(name, ".."))
                        continue;
                struct stat st;
                if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = err_set(j->err, ERR_SYSTEM, errno, "stat `%s`", name);
                        break;
                }
                if (S_ISDIR(st.st_mode)) {
                        entry_clear(dst, name);
                        if (mkdirat(dst, name, 0700) < 0 && errno != EEXIST) {
                                r = err_set(j->err, ERR_SYSTEM, errno, "create `%s`", name);
                                break;
                        }
                        _cleanup_close_ int s2 =
                                openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        _cleanup_close_ int d2 =
                                openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (s2 < 0 || d2 < 0) {
                                r = err_set(j->err, ERR_SYSTEM, errno, "open `%s`", name);
                                break;
                        }
                        if (fchown(d2, j->uid, j->gid) < 0 || fchmod(d2, st.st_mode & 07777) < 0)
                                r = err_set(j->err, ERR_SYSTEM, errno, "set owner of `%s`", name);
                        else
                                r = tree_copy(j, s2, d2, depth + 1);
                } else if (S_ISREG(st.st_mode)) {
                        /* O_NONBLOCK and a second look: an entry swapped
                         * for a FIFO meanwhile must not block the build. */
                        _cleanup_close_ int s2 =
                                openat(src, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
                        struct stat st2;
                        if (s2 < 0 || fstat(s2, &st2) < 0)
                                r = err_set(j->err, ERR_SYSTEM, errno, "open `%s`", name);
                        else if (S_ISREG(st2.st_mode))
                                r = file_copy(j, s2, &st2, dst, name);
                } else if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t n = readlinkat(src, name, target, sizeof target - 1);
                        if (n < 0) {
                                r = err_set(j->err, ERR_SYSTEM, errno, "read link `%s`", name);
                                break;
                        }
                        target[n] = '\0';
                        entry_clear(dst, name);
                        if (symlinkat(target, dst, name) < 0)
                                r = err_set(j->err, ERR_SYSTEM, errno, "create link `%s`", name);
                        else
                                (void)fchownat(dst, name, j->uid, j->gid, AT_SYMLINK_NOFOLLOW);
                }
                /* Sockets, FIFOs and devices have no place in an image. */
        }
        closedir(d);
        return r;
}

/* Whether the file starts like an archive the layer extractor reads: a
 * tar, or gzip or zstd data (taken to hold a tar). */
static bool file_is_archive(int fd) {
        unsigned char head[512];
        ssize_t n = pread(fd, head, sizeof head, 0);
        if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
                return true;
        if (n >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd)
                return true;
        return n == 512 && memcmp(head + 257, "ustar", 5) == 0;
}

static int archive_extract(CopyJob *j, int src, int dst_dir, const char *what) {
        _cleanup_free_ char *path = xasprintf("/proc/self/fd/%d", dst_dir);
        LayerExtractOptions o = { .whiteouts = LAYER_WHITEOUT_APPLY, .preserve_owners = true };
        LayerExtractResult res;
        if (layer_extract_fd(src, path, &o, &res, j->err) < 0)
                return err_wrap(j->err, "extract `%s`", what);
        return 0;
}

/* The sources of one argument: itself, or with a wildcard in its last
 * component every match in its directory (sorted). */
static int sources_expand(int rootfd, const char *clean, char ***ret, Error **err) {
        const char *base = strrchr(clean, '/');
        base = base ? base + 1 : clean;
        size_t n = 0;
        char **out = xnew0(char *, 1);
        if (!strpbrk(base, "*?[")) {
                out = xrealloc(out, 2 * sizeof *out);
                out[0] = xstrdup(clean);
                out[1] = NULL;
                *ret = out;
                return 0;
        }
        _cleanup_free_ char *dir = xstrndup(clean, (size_t)(base - clean));
        int fd = open_in_root(rootfd, dir, O_RDONLY | O_DIRECTORY);
        if (fd < 0) {
                free(out);
                return err_set(err, ERR_NOT_FOUND, -fd, "no source files were specified by `%s`",
                               clean);
        }
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                free(out);
                return err_set(err, ERR_SYSTEM, errno, "read `%s`", dir);
        }
        struct dirent *de;
        while ((de = readdir(d)) && n < COPY_SOURCES_MAX) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, "..") ||
                    fnmatch(base, de->d_name, FNM_PERIOD) != 0)
                        continue;
                out = xrealloc(out, (n + 2) * sizeof *out);
                out[n++] = xasprintf("%s%s", dir, de->d_name);
                out[n] = NULL;
        }
        closedir(d);
        if (n == 0) {
                free(out);
                return err_set(err, ERR_NOT_FOUND, 0, "no source files were specified by `%s`",
                               clean);
        }
        qsort(out, n, sizeof *out, (int (*)(const void *, const void *))strcmp);
        *ret = out;
        return 0;
}

/* One source (clean, relative to srcroot) into dest. */
static int source_copy(CopyJob *j, int srcroot, const char *src, int rootfd, const char *dest,
                       bool dest_is_dir, bool add) {
        _cleanup_close_ int fd = open_in_root(srcroot, src, O_RDONLY | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return err_set(j->err, ERR_NOT_FOUND, -fd, "source `%s`", src);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return err_set(j->err, ERR_SYSTEM, errno, "stat `%s`", src);
        if (S_ISDIR(st.st_mode)) {
                _cleanup_close_ int dir = build_mkdir_in_root(rootfd, dest, 0, 0, j->err);
                if (dir < 0)
                        return -1;
                _cleanup_close_ int d2 = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (d2 < 0)
                        return err_set(j->err, ERR_SYSTEM, errno, "open `%s`", dest);
                return tree_copy(j, fd, d2, 0);
        }
        if (!S_ISREG(st.st_mode))
                return err_set(j->err, ERR_INVALID_ARGUMENT, 0,
                               "source `%s` is neither a file nor a directory", src);
        if (add && file_is_archive(fd)) {
                _cleanup_close_ int dir = build_mkdir_in_root(rootfd, dest, 0, 0, j->err);
                return dir < 0 ? -1 : archive_extract(j, fd, dir, src);
        }
        const char *base = strrchr(src, '/');
        base = base ? base + 1 : src;
        _cleanup_free_ char *parent = NULL, *name = NULL;
        if (dest_is_dir) {
                parent = xstrdup(dest);
                name = xstrdup(base);
        } else {
                const char *slash = strrchr(dest, '/');
                parent = xstrndup(dest, (size_t)(slash - dest));
                name = xstrdup(slash + 1);
        }
        _cleanup_close_ int dir = build_mkdir_in_root(rootfd, parent, 0, 0, j->err);
        if (dir < 0)
                return -1;
        return file_copy(j, fd, &st, dir, name);
}

/* The root of --from: a stage's image or an image, mounted through a
 * container of the step. */
static int from_root_open(Build *b, BuildStage *s, const char *from, Error **err) {
        const char *image_id = NULL;
        _cleanup_(image_freep) Image *img = NULL;
        for (size_t i = 0; i < b->n_stages && !image_id; i++)
                if (&b->stages[i] != s &&
                    ((b->stages[i].name && strcasecmp(b->stages[i].name, from) == 0)))
                        image_id = b->stages[i].image_id;
        char *end = NULL;
        unsigned long n = strtoul(from, &end, 10);
        if (!image_id && *from && !*end && n < b->n_stages && &b->stages[n] != s)
                image_id = b->stages[n].image_id;
        if (!image_id) {
                if (image_lookup(b->e, from, &img, err) < 0)
                        return err_wrap(err, "--from=%s: no such stage or local image", from);
                image_id = img->id;
        }
        _cleanup_free_ char *id = NULL, *path = NULL;
        _cleanup_(container_freep) Container *c = NULL;
        if (build_container_new(b, s, image_id, NULL, false, &id, err) < 0 ||
            container_lookup(b->e, id, &c, err) < 0 || container_mount(b->e, c, &path, err) < 0)
                return -1;
        int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "open `%s`", path);
        return fd;
}

int build_copy(Build *b, BuildStage *s, const DockerfileInstruction *in, bool add, Error **err) {
        const char *from = NULL, *chown_spec = NULL;
        for (char **f = in->flags; *f; f++) {
                if (STRPREFIX(*f, "--from=") && !add)
                        from = *f + strlen("--from=");
                else if (STRPREFIX(*f, "--chown="))
                        chown_spec = *f + strlen("--chown=");
                else
                        return err_set(err, ERR_NOT_SUPPORTED, 0, "%s: flag `%s` is not supported",
                                       in->keyword, *f);
        }
        _cleanup_(strv_freep) char **words = NULL;
        if (in->exec) {
                size_t n = dockerfile_strv_length(in->exec);
                words = xnew0(char *, n + 1);
                for (size_t i = 0; i < n; i++)
                        if (dockerfile_expand(in->exec[i], build_lookup, s, &words[i], err) < 0)
                                return -1;
        } else if (dockerfile_words(in->args, true, build_lookup, s, &words, err) < 0)
                return -1;
        size_t nwords = dockerfile_strv_length(words);
        if (nwords < 2)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "%s requires a source and a destination", in->keyword);
        for (size_t i = 0; i + 1 < nwords; i++)
                if (add && (strstr(words[i], "://") || STRPREFIX(words[i], "git@")))
                        return err_set(err, ERR_NOT_SUPPORTED, 0,
                                       "ADD from a URL (`%s`) is not supported", words[i]);

        /* The destination: relative to WORKDIR; a final '/' or several
         * sources make it a directory. */
        const char *dest_word = words[nwords - 1];
        const char *wd = json_string_value(json_object_get(s->config, "WorkingDir"));
        _cleanup_free_ char *dest = dest_word[0] == '/'
                                            ? xstrdup(dest_word)
                                            : xasprintf("%s/%s", wd && *wd ? wd : "", dest_word);
        bool dest_is_dir = nwords > 2 || dest[strlen(dest) - 1] == '/' || STREQ(dest_word, ".");
        size_t dl = strlen(dest);
        while (dl > 1 && dest[dl - 1] == '/')
                dest[--dl] = '\0';

        _cleanup_free_ char *id = NULL, *rootfs = NULL;
        _cleanup_(container_freep) Container *c = NULL;
        if (build_container_new(b, s, s->image_id, NULL, false, &id, err) < 0 ||
            container_lookup(b->e, id, &c, err) < 0 || container_mount(b->e, c, &rootfs, err) < 0)
                return -1;
        _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return err_set(err, ERR_SYSTEM, errno, "open `%s`", rootfs);
        CopyJob j = { .err = err };
        if (chown_spec) {
                UserInfo u = { 0 };
                if (user_resolve(rootfs, chown_spec, NULL, &u, err) < 0)
                        return err_wrap(err, "--chown=%s", chown_spec);
                j.uid = u.uid;
                j.gid = u.gid;
                user_info_clear(&u);
        }
        {
                _cleanup_close_ int existing = open_in_root(rootfd, dest, O_PATH | O_DIRECTORY);
                if (existing >= 0)
                        dest_is_dir = true;
        }
        _cleanup_close_ int srcroot = -1;
        if (from) {
                srcroot = from_root_open(b, s, from, err);
                if (srcroot < 0)
                        return -1;
        } else {
                srcroot = open(b->opts->context_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (srcroot < 0)
                        return err_set(err, ERR_SYSTEM, errno, "open the build context `%s`",
                                       b->opts->context_dir);
        }
        for (size_t i = 0; i + 1 < nwords; i++) {
                _cleanup_free_ char *clean = source_clean(words[i]);
                if (!clean)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "forbidden path outside the build context: %s", words[i]);
                _cleanup_(strv_freep) char **sources = NULL;
                if (sources_expand(srcroot, clean, &sources, err) < 0)
                        return -1;
                bool many = dockerfile_strv_length(sources) > 1;
                for (char **src = sources; *src; src++)
                        if (source_copy(&j, srcroot, *src, rootfd, dest, dest_is_dir || many, add) <
                            0)
                                return -1;
        }
        _cleanup_error_ Error *ignored = NULL;
        (void)container_umount(b->e, c, true, &ignored);
        _cleanup_free_ char *created_by = xasprintf("/bin/sh -c #(nop) %s", in->text);
        return build_container_commit(b, s, id, created_by, err);
}
