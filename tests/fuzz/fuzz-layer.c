/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for layer extraction. The input (tar, gzip or zstd) is
 * extracted from a memfd into a fresh directory next to a canary file.
 * Besides "no crash, no leak" it checks that nothing appears beside the
 * destination and the canary is untouched; that a failure comes with a
 * message; that what extracted once extracts again on top (whiteouts
 * applied in place, replacing entries); and that layer_write_tar() of the
 * result extracts again to the same diff_id. Then the trees are removed,
 * which must always work. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layer-private.h"
#include "layer.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CANARY "canary\n"

static _noreturn_ void fuzz_fail(const char *what, const char *detail) {
        fprintf(stderr, "fuzz-layer: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
        abort();
}

static char root_dir[256];

static void fuzz_root_remove(void) {
        Error *err = NULL;
        if (layer_tree_remove(root_dir, &err) < 0) {
                fprintf(stderr, "fuzz-layer: %s\n", err->message);
                err_free(err);
        }
}

/* The temp root for all inputs: tmpfs when there is one, for speed. */
static const char *fuzz_root(void) {
        if (root_dir[0])
                return root_dir;
        struct stat st;
        const char *tmp = getenv("TMPDIR");
        if (!tmp || !*tmp)
                tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
        snprintf(root_dir, sizeof root_dir, "%s/varpod-fuzz-layer-XXXXXX", tmp);
        if (!mkdtemp(root_dir))
                fuzz_fail("mkdtemp", strerror(errno));
        atexit(fuzz_root_remove);
        return root_dir;
}

static int memfd_from(const void *data, size_t size) {
        int fd = memfd_create("layer", MFD_CLOEXEC);
        if (fd < 0)
                fuzz_fail("memfd_create", strerror(errno));
        if (size > 0 && layer_fd_write_all(fd, data, size) < 0)
                fuzz_fail("write memfd", strerror(errno));
        if (lseek(fd, 0, SEEK_SET) != 0)
                fuzz_fail("lseek", strerror(errno));
        return fd;
}

/* Only dest, dest2 and the unchanged canary may be in the root. */
static void root_check(const char *root) {
        DIR *d = opendir(root);
        if (!d)
                fuzz_fail("opendir root", strerror(errno));
        struct dirent *de;
        while ((de = readdir(d)))
                if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, "..") &&
                    !STREQ(de->d_name, "dest") && !STREQ(de->d_name, "dest2") &&
                    !STREQ(de->d_name, "canary"))
                        fuzz_fail("entry outside the destination", de->d_name);
        closedir(d);
        _cleanup_free_ char *path = xasprintf("%s/canary", root);
        char buf[64] = "";
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || read(fd, buf, sizeof buf - 1) != (ssize_t)strlen(CANARY) ||
            !STREQ(buf, CANARY))
                fuzz_fail("canary changed", buf);
}

static void tree_remove(const char *path) {
        Error *err = NULL;
        if (layer_tree_remove(path, &err) < 0)
                fuzz_fail("layer_tree_remove", err->message);
}

static int extract(int fd, const char *dest, LayerWhiteoutMode mode, LayerExtractResult *res,
                   Error **err) {
        /* Small limits: the fuzzer should find logic bugs, not fill disks
         * with gzip bombs. */
        LayerExtractOptions o = {
                .whiteouts = mode,
                .size_max = 16u << 20,
                .entries_max = 4096,
        };
        int r = layer_extract_fd(fd, dest, &o, res, err);
        if (r < 0 && (!err || !*err || !(*err)->message[0]))
                fuzz_fail("failure without a message", NULL);
        return r;
}

/* Writes dest as a tar and extracts it into dest2: whatever extracted must
 * survive the trip, up to the limits (an opaque marker adds an entry and
 * 13 bytes to a name that may already be at LAYER_PATH_MAX). */
static void roundtrip(const char *dest, const char *dest2) {
        Error *err = NULL;
        int tfd = memfd_create("tar", MFD_CLOEXEC);
        char written[DIGEST_STRING_SIZE];
        if (tfd < 0)
                fuzz_fail("memfd_create", strerror(errno));
        if (layer_write_tar(dest, tfd, written, &err) < 0)
                fuzz_fail("layer_write_tar", err->message);
        if (lseek(tfd, 0, SEEK_SET) != 0)
                fuzz_fail("lseek", strerror(errno));
        if (mkdir(dest2, 0755) < 0)
                fuzz_fail("mkdir", strerror(errno));
        LayerExtractResult res;
        LayerExtractOptions o = { .whiteouts = LAYER_WHITEOUT_OVERLAY };
        if (layer_extract_fd(tfd, dest2, &o, &res, &err) < 0) {
                if (err->kind != ERR_LIMIT)
                        fuzz_fail("written tar does not extract", err->message);
        } else if (!STREQ(res.diff_id, written))
                fuzz_fail("diff_id of the written tar differs", res.diff_id);
        err_free(err);
        close(tfd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *root = fuzz_root();
        _cleanup_free_ char *dest = xasprintf("%s/dest", root);
        _cleanup_free_ char *dest2 = xasprintf("%s/dest2", root);
        _cleanup_free_ char *canary = xasprintf("%s/canary", root);
        _cleanup_close_ int cfd = open(canary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (cfd < 0 || layer_fd_write_all(cfd, CANARY, strlen(CANARY)) < 0)
                fuzz_fail("canary", strerror(errno));
        if (mkdir(dest, 0755) < 0)
                fuzz_fail("mkdir", strerror(errno));

        Error *err = NULL;
        LayerExtractResult res;
        int fd = memfd_from(data, size);
        int r = extract(fd, dest, LAYER_WHITEOUT_OVERLAY, &res, &err);
        err = err_free(err);
        root_check(root);
        if (r == 0) {
                if (res.compressed_size != size)
                        fuzz_fail("compressed_size is not the input size", NULL);
                char want[DIGEST_STRING_SIZE];
                digest_buffer(data, size, want);
                if (!STREQ(want, res.compressed_digest))
                        fuzz_fail("compressed_digest is not the input's digest", NULL);
                roundtrip(dest, dest2);
                root_check(root);
                tree_remove(dest2);
                /* Again on top, applying whiteouts: every entry now meets
                 * an existing one of its name. */
                if (lseek(fd, 0, SEEK_SET) != 0)
                        fuzz_fail("lseek", strerror(errno));
                (void)extract(fd, dest, LAYER_WHITEOUT_APPLY, NULL, &err);
                err = err_free(err);
                root_check(root);
        }
        close(fd);
        tree_remove(dest);
        return 0;
}
