/* SPDX-License-Identifier: Apache-2.0 */
/* Layer extraction against the hostile and tricky layers written by
 * tests/tools/make-hostile-layers.py (each with its expected outcome in
 * manifest.json), then round trips: extract -> layer_write_tar -> extract,
 * and layer_compress -> extract. argv[1] is tests/data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "layer-private.h"
#include "layer.h"
#include "macro.h"
#include "xalloc.h"

extern char **environ;

static const char *data_dir;
/* base/ holds only work/; work/ holds layers/, outside/ and the
 * destinations, so any "../" or "../../" escape from a destination lands
 * in our temp dir, where the invariants see it, and never in /etc. */
static char base[900];
static char work[1024];
static char layers[1100];  /* what the script wrote */
static char outside[1100]; /* what no layer may touch */
static json_t *manifest;

/* Absolute paths a broken extractor would create. */
static const char *const escape_paths[] = {
        "/tmp/varpod-hostile-abs",
        "/etc/varpod-hostile-canary",
};

/* ---- helpers ---- */

static char *read_text(const char *path, size_t *ret_len) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return NULL;
        size_t cap = 4096, len = 0;
        char *buf = xmalloc(cap);
        for (;;) {
                if (len + 1 >= cap)
                        buf = xrealloc(buf, cap *= 2);
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        return buf;
}

static int run_script(const char *script, const char *out, const char *outside_dir) {
        char *argv[] = { "python3",   (char *)script,      (char *)out,
                         "--outside", (char *)outside_dir, NULL };
        pid_t pid;
        if (posix_spawnp(&pid, "python3", NULL, NULL, argv, environ) != 0)
                return -1;
        int status;
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static char *dest_make(const char *name) {
        char *out = xasprintf("%s/%s", work, name);
        Error *err = NULL;
        assert_int_equal(layer_tree_remove(out, &err), 0);
        assert_int_equal(mkdir(out, 0755), 0);
        return out;
}

static void dest_remove(const char *dest) {
        Error *err = NULL;
        if (layer_tree_remove(dest, &err) < 0)
                fail_msg("remove %s: %s", dest, err->message);
}

static LayerExtractOptions case_options(json_t *c) {
        json_t *o = json_object_get(c, "options");
        LayerExtractOptions opts = { 0 };
        const char *wh = json_string_value(json_object_get(o, "whiteouts"));
        opts.whiteouts = wh && STREQ(wh, "apply") ? LAYER_WHITEOUT_APPLY : LAYER_WHITEOUT_OVERLAY;
        opts.allow_devices = json_is_true(json_object_get(o, "allow_devices"));
        opts.preserve_owners = json_is_true(json_object_get(o, "preserve_owners"));
        opts.size_max = (uint64_t)json_integer_value(json_object_get(o, "size_max"));
        opts.entries_max = (uint64_t)json_integer_value(json_object_get(o, "entries_max"));
        return opts;
}

static int extract_path(const char *layer, const char *dest, const LayerExtractOptions *opts,
                        LayerExtractResult *res, Error **err) {
        _cleanup_close_ int fd = open(layer, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "open %s", layer);
        return layer_extract_fd(fd, dest, opts, res, err);
}

static const char *compression_name(LayerCompression c) {
        return c == LAYER_COMPRESSION_GZIP ? "gzip" : c == LAYER_COMPRESSION_ZSTD ? "zstd" : "none";
}

/* ---- manifest checks ---- */

static unsigned failures;

static _printf_(2, 3) void case_fail(const char *name, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        print_error("case %s: %s\n", name, msg);
        failures++;
}

static const char *type_name(mode_t m) {
        switch (m & S_IFMT) {
        case S_IFREG:
                return "file";
        case S_IFDIR:
                return "dir";
        case S_IFLNK:
                return "symlink";
        case S_IFCHR:
                return "char";
        case S_IFBLK:
                return "block";
        case S_IFIFO:
                return "fifo";
        default:
                return "other";
        }
}

static int str_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *dir_children(const char *path) {
        DIR *d = opendir(path);
        if (!d)
                return xstrdup("<unreadable>");
        char *names[256];
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)) && n < ELEMENTSOF(names))
                if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
                        names[n++] = xstrdup(de->d_name);
        closedir(d);
        qsort(names, n, sizeof *names, str_cmp);
        char *out = xstrdup("");
        for (size_t i = 0; i < n; i++) {
                char *next = xasprintf("%s%s%s", out, i ? "," : "", names[i]);
                free(out);
                free(names[i]);
                out = next;
        }
        return out;
}

static void check_xattrs(const char *name, const char *rel, const char *full, json_t *chk) {
        const char *key;
        json_t *want;
        json_object_foreach (json_object_get(chk, "xattr"), key, want) {
                char value[1024];
                ssize_t n = lgetxattr(full, key, value, sizeof value);
                if (n < 0) {
                        case_fail(name, "%s: xattr %s missing (%s)", rel, key, strerror(errno));
                        continue;
                }
                const char *hex = json_string_value(json_object_get(want, "hex"));
                if (hex) {
                        char got[2049] = "";
                        for (ssize_t i = 0; i < n; i++)
                                sprintf(got + 2 * i, "%02x", (unsigned char)value[i]);
                        if (!STREQ(got, hex))
                                case_fail(name, "%s: xattr %s is %s, want %s", rel, key, got, hex);
                } else if ((size_t)n != strlen(json_string_value(want)) ||
                           memcmp(value, json_string_value(want), (size_t)n) != 0)
                        case_fail(name, "%s: xattr %s is `%.*s`", rel, key, (int)n, value);
        }
        size_t i;
        json_array_foreach (json_object_get(chk, "no_xattr"), i, want) {
                char value[16];
                if (lgetxattr(full, json_string_value(want), value, sizeof value) >= 0 ||
                    errno != ENODATA)
                        case_fail(name, "%s: xattr %s should not be set", rel,
                                  json_string_value(want));
        }
}

static void check_one(const char *name, const char *dest, json_t *chk) {
        const char *rel = json_string_value(json_object_get(chk, "path"));
        const char *type = json_string_value(json_object_get(chk, "type"));
        _cleanup_free_ char *full = rel[0] == '/' ? xstrdup(rel) : xasprintf("%s/%s", dest, rel);
        struct stat st;
        if (lstat(full, &st) < 0) {
                if (!type || !STREQ(type, "absent"))
                        case_fail(name, "%s: missing (%s)", rel, strerror(errno));
                return;
        }
        if (type && STREQ(type, "absent")) {
                case_fail(name, "%s: exists, should not", rel);
                if (rel[0] == '/' || STRPREFIX(rel, ".."))
                        (void)layer_tree_remove(full, NULL); /* do not leak it to later runs */
                return;
        }
        if (type && !STREQ(type, type_name(st.st_mode)))
                case_fail(name, "%s: is a %s, want %s", rel, type_name(st.st_mode), type);

        json_t *v;
        if ((v = json_object_get(chk, "content"))) {
                size_t len;
                _cleanup_free_ char *got = read_text(full, &len);
                if (!got || len != strlen(json_string_value(v)) ||
                    memcmp(got, json_string_value(v), len) != 0)
                        case_fail(name, "%s: content `%s`", rel, got ? got : "<unreadable>");
        }
        if ((v = json_object_get(chk, "mode")) && (st.st_mode & 07777) != json_integer_value(v))
                case_fail(name, "%s: mode %04o, want %04o", rel, st.st_mode & 07777,
                          (unsigned)json_integer_value(v));
        if ((v = json_object_get(chk, "uid")) && st.st_uid != json_integer_value(v))
                case_fail(name, "%s: uid %u", rel, st.st_uid);
        if ((v = json_object_get(chk, "gid")) && st.st_gid != json_integer_value(v))
                case_fail(name, "%s: gid %u", rel, st.st_gid);
        if ((v = json_object_get(chk, "mtime")) && st.st_mtim.tv_sec != json_integer_value(v))
                case_fail(name, "%s: mtime %lld", rel, (long long)st.st_mtim.tv_sec);
        if ((v = json_object_get(chk, "target"))) {
                char buf[PATH_MAX];
                ssize_t n = readlink(full, buf, sizeof buf - 1);
                buf[n < 0 ? 0 : n] = '\0';
                if (!STREQ(buf, json_string_value(v)))
                        case_fail(name, "%s: symlink to `%s`", rel, buf);
        }
        if ((v = json_object_get(chk, "rdev")) &&
            (major(st.st_rdev) != json_integer_value(json_array_get(v, 0)) ||
             minor(st.st_rdev) != json_integer_value(json_array_get(v, 1))))
                case_fail(name, "%s: device %u:%u", rel, major(st.st_rdev), minor(st.st_rdev));
        if ((v = json_object_get(chk, "same_inode"))) {
                _cleanup_free_ char *other = xasprintf("%s/%s", dest, json_string_value(v));
                struct stat ost;
                if (lstat(other, &ost) < 0 || ost.st_ino != st.st_ino || ost.st_dev != st.st_dev)
                        case_fail(name, "%s: not a hardlink of %s", rel, json_string_value(v));
        }
        if ((v = json_object_get(chk, "children"))) {
                const char **want = xnew0(const char *, json_array_size(v) + 1);
                for (size_t i = 0; i < json_array_size(v); i++)
                        want[i] = json_string_value(json_array_get(v, i));
                qsort(want, json_array_size(v), sizeof *want, str_cmp);
                _cleanup_free_ char *w = xstrdup("");
                for (size_t i = 0; i < json_array_size(v); i++) {
                        char *next = xasprintf("%s%s%s", w, i ? "," : "", want[i]);
                        free(w);
                        w = next;
                }
                free(want);
                _cleanup_free_ char *got = dir_children(full);
                if (!STREQ(got, w))
                        case_fail(name, "%s: holds [%s], want [%s]", rel, got, w);
        }
        check_xattrs(name, rel, full, chk);
}

/* What must hold after every case, ok or not. */
static void check_invariants(const char *name) {
        _cleanup_free_ char *kids = dir_children(work);
        if (!STREQ(kids, "layers,outside"))
                case_fail(name, "work directory holds [%s]", kids);
        _cleanup_free_ char *base_kids = dir_children(base);
        if (!STREQ(base_kids, "work"))
                case_fail(name, "base directory holds [%s]", base_kids);
        _cleanup_free_ char *out_kids = dir_children(outside);
        _cleanup_free_ char *passwd_path = xasprintf("%s/passwd", outside);
        _cleanup_free_ char *passwd = read_text(passwd_path, NULL);
        if (!STREQ(out_kids, "passwd") || !passwd || !STREQ(passwd, "outside-original\n"))
                case_fail(name, "outside directory changed: [%s] `%s`", out_kids,
                          passwd ? passwd : "<unreadable>");
        for (size_t i = 0; i < ELEMENTSOF(escape_paths); i++) {
                struct stat st;
                if (lstat(escape_paths[i], &st) == 0) {
                        case_fail(name, "%s exists", escape_paths[i]);
                        (void)layer_tree_remove(escape_paths[i], NULL);
                }
        }
}

static void run_case(const char *name, json_t *c) {
        _cleanup_free_ char *dest = dest_make("dest");
        LayerExtractOptions opts = case_options(c);
        Error *err = NULL;

        const char *lower = json_string_value(json_object_get(c, "lower"));
        if (lower) {
                _cleanup_free_ char *lp = xasprintf("%s/%s", layers, lower);
                if (extract_path(lp, dest, &opts, NULL, &err) < 0) {
                        case_fail(name, "lower %s: %s", lower, err->message);
                        err = err_free(err);
                }
        }

        _cleanup_free_ char *path = xasprintf("%s/%s", layers, name);
        LayerExtractResult res;
        int r = extract_path(path, dest, &opts, &res, &err);
        bool ok = json_is_true(json_object_get(c, "ok"));
        if (ok && r < 0)
                case_fail(name, "failed: %s", err->message);
        else if (!ok && r == 0)
                case_fail(name, "succeeded, should fail with `%s`",
                          json_string_value(json_object_get(c, "error_contains")));
        else if (!ok) {
                const char *want = json_string_value(json_object_get(c, "error_contains"));
                if (!err || !strstr(err->message, want))
                        case_fail(name, "error `%s`, want `%s`", err ? err->message : "(none)",
                                  want);
        } else {
                char file_digest[DIGEST_STRING_SIZE];
                struct stat st;
                assert_int_equal(digest_file(path, file_digest, NULL), 0);
                assert_int_equal(stat(path, &st), 0);
                if (!STREQ(res.diff_id, json_string_value(json_object_get(c, "diff_id"))))
                        case_fail(name, "diff_id %s", res.diff_id);
                if (!STREQ(res.compressed_digest,
                           json_string_value(json_object_get(c, "compressed_digest"))) ||
                    !STREQ(res.compressed_digest, file_digest))
                        case_fail(name, "compressed digest %s", res.compressed_digest);
                if (res.compressed_size != (uint64_t)st.st_size)
                        case_fail(name, "compressed size %llu",
                                  (unsigned long long)res.compressed_size);
                if (!STREQ(compression_name(res.compression),
                           json_string_value(json_object_get(c, "compression"))))
                        case_fail(name, "compression %s", compression_name(res.compression));
                json_t *n = json_object_get(c, "entries");
                if (n && res.entries != (uint64_t)json_integer_value(n))
                        case_fail(name, "%llu entries", (unsigned long long)res.entries);
        }
        err = err_free(err);

        size_t i;
        json_t *chk;
        json_array_foreach (json_object_get(c, "checks"), i, chk)
                check_one(name, dest, chk);
        dest_remove(dest);
        check_invariants(name);
}

static void test_manifest_cases(void **state) {
        const char *name;
        json_t *c;
        size_t count = 0, hostile = 0;
        failures = 0;
        json_object_foreach (manifest, name, c) {
                run_case(name, c);
                count++;
                hostile += !json_is_true(json_object_get(c, "ok"));
        }
        print_message("%zu layers (%zu hostile), %u failed checks\n", count, hostile, failures);
        assert_true(count >= 50);
        assert_true(hostile >= 30);
        assert_int_equal(failures, 0);
}

/* ---- tree listings for round trips ---- */

typedef struct Listing {
        char **lines;
        size_t n, cap;
} Listing;

static void listing_add(Listing *l, char *line) {
        xgrow((void **)&l->lines, &l->cap, l->n + 1, sizeof *l->lines);
        l->lines[l->n++] = line;
}

static char *xattr_text(const char *path) {
        char list[4096];
        ssize_t n = llistxattr(path, list, sizeof list);
        if (n <= 0)
                return xstrdup("");
        const char *names[64];
        size_t count = 0;
        for (char *p = list; p < list + n && count < ELEMENTSOF(names); p += strlen(p) + 1)
                names[count++] = p;
        qsort(names, count, sizeof *names, str_cmp);
        char *out = xstrdup("");
        for (size_t i = 0; i < count; i++) {
                char value[1024], hex[2049] = "";
                ssize_t vn = lgetxattr(path, names[i], value, sizeof value);
                for (ssize_t k = 0; k < vn; k++)
                        sprintf(hex + 2 * k, "%02x", (unsigned char)value[k]);
                char *next = xasprintf("%s %s=%s", out, names[i], hex);
                free(out);
                out = next;
        }
        return out;
}

typedef struct Node {
        char *rel;
        struct stat st;
} Node;

static void nodes_collect(const char *root, const char *rel, Node **nodes, size_t *n, size_t *cap) {
        _cleanup_free_ char *full = rel[0] ? xasprintf("%s/%s", root, rel) : xstrdup(root);
        DIR *d = opendir(full);
        assert_non_null(d);
        struct dirent *de;
        while ((de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                char *r = rel[0] ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
                _cleanup_free_ char *f = xasprintf("%s/%s", root, r);
                xgrow((void **)nodes, cap, *n + 1, sizeof **nodes);
                Node *node = &(*nodes)[(*n)++];
                node->rel = r;
                assert_int_equal(lstat(f, &node->st), 0);
                if (S_ISDIR(node->st.st_mode))
                        nodes_collect(root, r, nodes, n, cap);
        }
        closedir(d);
}

static int node_cmp(const void *a, const void *b) {
        return strcmp(((const Node *)a)->rel, ((const Node *)b)->rel);
}

/* One line per entry with everything a layer carries; hardlinks as the
 * first path (in order) sharing the inode. */
static Listing tree_list(const char *root) {
        Node *nodes = NULL;
        size_t n = 0, cap = 0;
        nodes_collect(root, "", &nodes, &n, &cap);
        if (n > 1)
                qsort(nodes, n, sizeof *nodes, node_cmp);
        Listing l = { 0 };
        for (size_t i = 0; i < n; i++) {
                const struct stat *st = &nodes[i].st;
                _cleanup_free_ char *full = xasprintf("%s/%s", root, nodes[i].rel);
                _cleanup_free_ char *extra = NULL;
                if (S_ISREG(st->st_mode)) {
                        char d[DIGEST_STRING_SIZE];
                        assert_int_equal(digest_file(full, d, NULL), 0);
                        extra = xstrdup(d);
                } else if (S_ISLNK(st->st_mode)) {
                        char buf[PATH_MAX];
                        ssize_t len = readlink(full, buf, sizeof buf - 1);
                        buf[len < 0 ? 0 : len] = '\0';
                        extra = xasprintf("-> %s", buf);
                } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
                        extra = xasprintf("dev %u:%u", major(st->st_rdev), minor(st->st_rdev));
                else
                        extra = xstrdup("");
                const char *link = "";
                if (!S_ISDIR(st->st_mode) && st->st_nlink > 1)
                        for (size_t k = 0; k < i; k++)
                                if (nodes[k].st.st_ino == st->st_ino) {
                                        link = nodes[k].rel;
                                        break;
                                }
                _cleanup_free_ char *xa = S_ISLNK(st->st_mode) ? xstrdup("") : xattr_text(full);
                /* Layers carry whole seconds (layer_write_tar). */
                listing_add(&l, xasprintf("%s %s %04o %u:%u size=%lld mtime=%lld %s link=%s%s",
                                          nodes[i].rel, type_name(st->st_mode), st->st_mode & 07777,
                                          st->st_uid, st->st_gid,
                                          S_ISDIR(st->st_mode) ? 0LL : (long long)st->st_size,
                                          (long long)st->st_mtim.tv_sec, extra, link, xa));
        }
        for (size_t i = 0; i < n; i++)
                free(nodes[i].rel);
        free(nodes);
        return l;
}

static void listing_assert_equal(const char *what, Listing *a, Listing *b) {
        size_t n = a->n > b->n ? a->n : b->n;
        bool same = a->n == b->n;
        for (size_t i = 0; i < n; i++) {
                const char *x = i < a->n ? a->lines[i] : "(none)";
                const char *y = i < b->n ? b->lines[i] : "(none)";
                if (!STREQ(x, y)) {
                        print_error("%s: differ at %zu:\n  %s\n  %s\n", what, i, x, y);
                        same = false;
                        break;
                }
        }
        assert_true(same);
}

static void listing_free(Listing *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->lines[i]);
        free(l->lines);
}

static void write_tar_file(const char *dir, const char *out, char digest[DIGEST_STRING_SIZE]) {
        _cleanup_close_ int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        Error *err = NULL;
        if (layer_write_tar(dir, fd, digest, &err) < 0)
                fail_msg("layer_write_tar %s: %s", dir, err->message);
}

static void extract_ok(const char *layer, const char *dest, LayerExtractResult *res) {
        LayerExtractOptions o = { .allow_devices = true, .preserve_owners = true };
        Error *err = NULL;
        if (extract_path(layer, dest, &o, res, &err) < 0)
                fail_msg("extract %s: %s", layer, err->message);
}

/* extract -> write -> extract gives the same tree; writing is
 * deterministic; diff_ids agree with the bytes written. */
static void roundtrip_case(const char *name, json_t *c) {
        _cleanup_free_ char *a = dest_make("dest");
        _cleanup_free_ char *b = dest_make("roundtrip");
        LayerExtractOptions opts = case_options(c);
        opts.allow_devices = true;
        opts.preserve_owners = true;
        Error *err = NULL;
        const char *lower = json_string_value(json_object_get(c, "lower"));
        if (lower) {
                _cleanup_free_ char *lp = xasprintf("%s/%s", layers, lower);
                assert_int_equal(extract_path(lp, a, &opts, NULL, &err), 0);
        }
        _cleanup_free_ char *path = xasprintf("%s/%s", layers, name);
        if (extract_path(path, a, &opts, NULL, &err) < 0)
                fail_msg("%s: %s", name, err->message);

        _cleanup_free_ char *t1 = xasprintf("%s/rt1.tar", work);
        _cleanup_free_ char *t2 = xasprintf("%s/rt2.tar", work);
        char d1[DIGEST_STRING_SIZE], d2[DIGEST_STRING_SIZE], df[DIGEST_STRING_SIZE];
        write_tar_file(a, t1, d1);
        assert_int_equal(digest_file(t1, df, NULL), 0);
        assert_string_equal(d1, df);
        LayerExtractResult res;
        extract_ok(t1, b, &res);
        assert_string_equal(res.diff_id, d1);
        assert_int_equal(res.compression, LAYER_COMPRESSION_NONE);

        Listing la = tree_list(a), lb = tree_list(b);
        listing_assert_equal(name, &la, &lb);
        listing_free(&lb);
        /* The copy writes the same bytes: equal trees give equal tars. */
        write_tar_file(b, t2, d2);
        assert_string_equal(d1, d2);
        listing_free(&la);
        unlink(t1);
        unlink(t2);
        dest_remove(a);
        dest_remove(b);
}

static void test_roundtrip(void **state) {
        const char *name;
        json_t *c;
        size_t count = 0;
        json_object_foreach (manifest, name, c) {
                if (!json_is_true(json_object_get(c, "ok")))
                        continue;
                roundtrip_case(name, c);
                count++;
        }
        print_message("%zu layers round-tripped\n", count);
        assert_true(count >= 15);
}

static void test_compress(void **state) {
        _cleanup_free_ char *a = dest_make("dest");
        _cleanup_free_ char *basic = xasprintf("%s/basic.tar", layers);
        extract_ok(basic, a, NULL);
        /* Add a few MB of mixed data so the codecs cross buffer edges. */
        _cleanup_free_ char *big = xasprintf("%s/big", a);
        _cleanup_close_ int bfd = open(big, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(bfd >= 0);
        _cleanup_free_ unsigned char *buf = xmalloc(1 << 20);
        uint32_t x = 12345;
        for (int chunk = 0; chunk < 5; chunk++) {
                for (size_t i = 0; i < (1u << 20); i++) {
                        x = x * 1103515245 + 12345;
                        buf[i] = (i / 4096) % 2 ? (unsigned char)(x >> 16) : (unsigned char)(i & 7);
                }
                assert_int_equal(write(bfd, buf, 1 << 20), 1 << 20);
        }
        close(bfd);
        bfd = -1;

        _cleanup_free_ char *tar = xasprintf("%s/c.tar", work);
        _cleanup_free_ char *comp = xasprintf("%s/c.tar.x", work);
        char tar_digest[DIGEST_STRING_SIZE];
        write_tar_file(a, tar, tar_digest);
        Listing la = tree_list(a);

        const LayerCompression kinds[] = { LAYER_COMPRESSION_GZIP, LAYER_COMPRESSION_ZSTD,
                                           LAYER_COMPRESSION_NONE };
        for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                _cleanup_close_ int in = open(tar, O_RDONLY | O_CLOEXEC);
                _cleanup_close_ int out =
                        open(comp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                char digest[DIGEST_STRING_SIZE], file_digest[DIGEST_STRING_SIZE];
                uint64_t size;
                Error *err = NULL;
                assert_true(in >= 0 && out >= 0);
                if (layer_compress(in, out, kinds[k], digest, &size, &err) < 0)
                        fail_msg("compress: %s", err->message);
                struct stat st;
                assert_int_equal(fstat(out, &st), 0);
                assert_int_equal(size, st.st_size);
                assert_int_equal(digest_file(comp, file_digest, NULL), 0);
                assert_string_equal(digest, file_digest);
                if (kinds[k] == LAYER_COMPRESSION_GZIP) {
                        /* A real gzip header: magic, deflate, and no flags. */
                        _cleanup_free_ char *head = read_text(comp, NULL);
                        assert_memory_equal(head, "\x1f\x8b\x08\x00", 4);
                }

                _cleanup_free_ char *b = dest_make("roundtrip");
                LayerExtractResult res;
                extract_ok(comp, b, &res);
                assert_int_equal(res.compression, kinds[k]);
                assert_string_equal(res.diff_id, tar_digest);
                assert_string_equal(res.compressed_digest, digest);
                assert_int_equal(res.compressed_size, size);
                Listing lb = tree_list(b);
                listing_assert_equal(compression_name(kinds[k]), &la, &lb);
                listing_free(&lb);
                dest_remove(b);
        }
        listing_free(&la);
        unlink(tar);
        unlink(comp);
        dest_remove(a);
}

/* A layer arriving through a pipe in small writes (a registry download):
 * short reads everywhere, magic split across reads. */
static void test_pipe(void **state) {
        _cleanup_free_ char *gz = xasprintf("%s/basic-multi.tar.gz", layers);
        size_t len;
        _cleanup_free_ char *data = read_text(gz, &len);
        assert_non_null(data);
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                for (size_t off = 0; off < len; off += 3) {
                        size_t n = len - off < 3 ? len - off : 3;
                        if (write(p[1], data + off, n) != (ssize_t)n)
                                _exit(1);
                }
                _exit(0);
        }
        close(p[1]);
        _cleanup_free_ char *dest = dest_make("dest");
        LayerExtractOptions o = { .preserve_owners = true };
        LayerExtractResult res;
        Error *err = NULL;
        int r = layer_extract_fd(p[0], dest, &o, &res, &err);
        close(p[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (r < 0)
                fail_msg("extract from pipe: %s", err->message);
        json_t *c = json_object_get(manifest, "basic-multi.tar.gz");
        assert_string_equal(res.diff_id, json_string_value(json_object_get(c, "diff_id")));
        assert_string_equal(res.compressed_digest,
                            json_string_value(json_object_get(c, "compressed_digest")));
        assert_int_equal(res.compressed_size, len);
        dest_remove(dest);
}

/* Feeds a layer file into a pipe from a child, chunk bytes per write; the
 * child then keeps the pipe open for stall_seconds. */
static pid_t pipe_feed(const char *layer, size_t chunk, unsigned stall_seconds, int *ret_fd) {
        size_t len;
        _cleanup_free_ char *data = read_text(layer, &len);
        assert_non_null(data);
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                for (size_t off = 0; off < len; off += chunk) {
                        size_t n = len - off < chunk ? len - off : chunk;
                        if (write(p[1], data + off, n) != (ssize_t)n)
                                _exit(1);
                }
                sleep(stall_seconds);
                _exit(0);
        }
        close(p[1]);
        *ret_fd = p[0];
        return pid;
}

/* A limit hit in the decompression thread, on a stream too big for one
 * read: the error comes out as is. */
static void test_pipe_bomb(void **state) {
        _cleanup_free_ char *bomb = xasprintf("%s/gzip-bomb.tar.gz", layers);
        int fd;
        pid_t pid = pipe_feed(bomb, 4096, 0, &fd);
        _cleanup_free_ char *dest = dest_make("dest");
        LayerExtractOptions o = { .size_max = 8 << 20 };
        Error *err = NULL;
        assert_true(layer_extract_fd(fd, dest, &o, NULL, &err) < 0);
        assert_non_null(strstr(err->message, "uncompressed size exceeds the limit of 8388608"));
        assert_int_equal(err->kind, ERR_LIMIT);
        err_free(err);
        close(fd);
        waitpid(pid, NULL, 0);
        dest_remove(dest);
}

/* A hostile first entry, then the writer stalls with the pipe open: the
 * extraction fails at once instead of waiting for the rest. */
static void test_pipe_stall(void **state) {
        _cleanup_free_ char *escape = xasprintf("%s/escape-dotdot.tar", layers);
        int fd;
        pid_t pid = pipe_feed(escape, 1 << 20, 60, &fd);
        _cleanup_free_ char *dest = dest_make("dest");
        Error *err = NULL;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_true(layer_extract_fd(fd, dest, NULL, NULL, &err) < 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_non_null(strstr(err->message, "path escapes the layer root"));
        err_free(err);
        assert_true(t1.tv_sec - t0.tv_sec < 10);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(fd);
        dest_remove(dest);
}

static void write_file(const char *path, const char *text, mode_t mode) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

static void test_tree_size_remove(void **state) {
        _cleanup_free_ char *dest = dest_make("dest");
        char p[PATH_MAX * 2];
        snprintf(p, sizeof p, "%s/a", dest);
        assert_int_equal(mkdir(p, 0755), 0);
        snprintf(p, sizeof p, "%s/a/f", dest);
        write_file(p, "12345", 0644);
        char q[PATH_MAX * 2];
        snprintf(q, sizeof q, "%s/a/hl", dest);
        assert_int_equal(link(p, q), 0); /* counted once */
        snprintf(p, sizeof p, "%s/g", dest);
        write_file(p, "1234567890", 0600);
        /* A symlink to a directory with data must be neither counted nor
         * followed by the removal. */
        snprintf(p, sizeof p, "%s/out", dest);
        assert_int_equal(symlink(outside, p), 0);
        /* Directories without permissions, as a layer may ship them. */
        snprintf(p, sizeof p, "%s/locked", dest);
        assert_int_equal(mkdir(p, 0755), 0);
        snprintf(q, sizeof q, "%s/locked/inner", dest);
        assert_int_equal(mkdir(q, 0755), 0);
        snprintf(q, sizeof q, "%s/locked/inner/file", dest);
        write_file(q, "abc", 0000);
        snprintf(q, sizeof q, "%s/locked/inner", dest);
        assert_int_equal(chmod(q, 0000), 0);
        assert_int_equal(chmod(p, 0000), 0);

        uint64_t size = 0;
        Error *err = NULL;
        if (layer_tree_size(dest, &size, &err) < 0)
                fail_msg("size: %s", err->message);
        assert_int_equal(size, 5 + 10 + 3);

        /* A symlink named as the tree: only the symlink goes. */
        snprintf(p, sizeof p, "%s/link-to-outside", work);
        assert_int_equal(symlink(outside, p), 0);
        assert_int_equal(layer_tree_remove(p, &err), 0);
        struct stat st;
        assert_true(lstat(p, &st) < 0 && errno == ENOENT);

        dest_remove(dest);
        assert_true(lstat(dest, &st) < 0 && errno == ENOENT);
        assert_int_equal(layer_tree_remove(dest, &err), 0); /* missing: fine */
        check_invariants("tree-remove");
        assert_int_equal(failures, 0);
}

/* Deeper than the walker keeps descriptors open: written, extracted and
 * removed through reopen-by-path. */
static void test_deep_tree(void **state) {
        _cleanup_free_ char *a = dest_make("dest");
        _cleanup_free_ char *b = dest_make("roundtrip");
        _cleanup_close_ int fd = open(a, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        for (int i = 0; i < 300; i++) {
                char name[16];
                snprintf(name, sizeof name, "d%d", i % 10);
                assert_int_equal(mkdirat(fd, name, 0755), 0);
                if (i % 50 == 0)
                        assert_int_equal(symlinkat("../../..", fd, "up"), 0);
                int next = openat(fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
                assert_true(next >= 0);
                close(fd);
                fd = next;
        }
        int f = openat(fd, "leaf", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(f >= 0);
        assert_int_equal(write(f, "leaf\n", 5), 5);
        close(f);

        _cleanup_free_ char *t = xasprintf("%s/deep.tar", work);
        char d[DIGEST_STRING_SIZE];
        write_tar_file(a, t, d);
        LayerExtractResult res;
        extract_ok(t, b, &res);
        assert_string_equal(res.diff_id, d);
        assert_int_equal(res.entries, 300 + 6 + 1);
        uint64_t size = 0;
        assert_int_equal(layer_tree_size(b, &size, NULL), 0);
        assert_int_equal(size, 5);
        Listing la = tree_list(a), lb = tree_list(b);
        listing_assert_equal("deep", &la, &lb);
        listing_free(&la);
        listing_free(&lb);
        unlink(t);
        dest_remove(a);
        dest_remove(b);
}

static void test_path_clean(void **state) {
        const struct {
                const char *in, *want; /* want NULL: escapes */
        } cases[] = {
                { "a/b", "a/b" },
                { "./a/b/", "a/b" },
                { "/etc/passwd", "etc/passwd" },
                { "//a//b//", "a/b" },
                { "a/./b/.", "a/b" },
                { "a/../b", "b" },
                { "a/b/../../c", "c" },
                { ".", "" },
                { "./", "" },
                { "/", "" },
                { "a/..", "" },
                { "..", NULL },
                { "../a", NULL },
                { "/../a", NULL },
                { "a/../../b", NULL },
                { "a/b/../../../etc", NULL },
                { "...", "..." },
                { "..a/b..", "..a/b.." },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *got = layer_path_clean(cases[i].in);
                if (!cases[i].want)
                        assert_null(got);
                else {
                        assert_non_null(got);
                        assert_string_equal(got, cases[i].want);
                }
        }
}

static int group_setup(void **state) {
        const char *tmp = getenv("TMPDIR");
        snprintf(base, sizeof base, "%s/varpod-test-layer-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(base))
                return -1;
        snprintf(work, sizeof work, "%s/work", base);
        if (mkdir(work, 0755) < 0)
                return -1;
        snprintf(layers, sizeof layers, "%s/layers", work);
        snprintf(outside, sizeof outside, "%s/outside", work);
        _cleanup_free_ char *script = xasprintf("%s/../tools/make-hostile-layers.py", data_dir);
        if (run_script(script, layers, outside) < 0) {
                print_error("%s failed\n", script);
                return -1;
        }
        _cleanup_free_ char *mpath = xasprintf("%s/manifest.json", layers);
        json_error_t jerr;
        manifest = json_load_file(mpath, 0, &jerr);
        if (!manifest) {
                print_error("%s: %s\n", mpath, jerr.text);
                return -1;
        }
        return 0;
}

static int group_teardown(void **state) {
        json_decref(manifest);
        Error *err = NULL;
        if (layer_tree_remove(base, &err) < 0) {
                print_error("remove %s: %s\n", base, err->message);
                err_free(err);
                return -1;
        }
        return 0;
}

int main(int argc, char **argv) {
        data_dir = argc > 1 ? argv[1] : "tests/data";
        if (geteuid() != 0) {
                /* Device nodes, owners and trusted.* xattrs need root. */
                printf("SKIP: test-layer needs root (mknod, chown, trusted.* xattrs)\n");
                return 77;
        }
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_path_clean), cmocka_unit_test(test_manifest_cases),
                cmocka_unit_test(test_roundtrip),  cmocka_unit_test(test_compress),
                cmocka_unit_test(test_pipe),       cmocka_unit_test(test_pipe_bomb),
                cmocka_unit_test(test_pipe_stall), cmocka_unit_test(test_tree_size_remove),
                cmocka_unit_test(test_deep_tree),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
