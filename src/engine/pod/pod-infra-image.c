/* SPDX-License-Identifier: Apache-2.0 */
/* The image infra containers run. The reference pulled
 * k8s.gcr.io/pause:3.1; with no registry to pull from we do what podman 4
 * does without a pause image: a one-layer image holding catatonit (a
 * static binary), run as `catatonit -P` (pause mode). The root filesystem
 * is written as a small ustar archive and goes through the engine's own
 * import, so the image is an ordinary one (listed, inspectable,
 * removable; made again on the next pod when removed). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "pod-private.h"
#include "xalloc.h"

/* Enough for catatonit (about 1 MiB) with room to spare. */
#define POD_INFRA_BINARY_MAX (64u << 20)

typedef struct TarEntry {
        const char *name;
        mode_t mode; /* S_IFDIR or S_IFREG with permissions */
        const void *data;
        size_t size;
} TarEntry;

static void tar_octal(char *field, size_t width, unsigned long long v) {
        snprintf(field, width, "%0*llo", (int)width - 1, v);
}

/* One ustar header block for e (owner root, mtime 0: the layer is the
 * same bytes on every host). */
static void tar_header(const TarEntry *e, unsigned char block[512]) {
        memset(block, 0, 512);
        char *h = (char *)block;
        snprintf(h, 100, "%s", e->name);
        tar_octal(h + 100, 8, e->mode & 07777);
        tar_octal(h + 108, 8, 0);
        tar_octal(h + 116, 8, 0);
        tar_octal(h + 124, 12, S_ISDIR(e->mode) ? 0 : e->size);
        tar_octal(h + 136, 12, 0);
        h[156] = S_ISDIR(e->mode) ? '5' : '0';
        memcpy(h + 257, "ustar", 6);
        memcpy(h + 263, "00", 2);
        memcpy(h + 265, "root", 5);
        memcpy(h + 297, "root", 5);
        /* The checksum is computed with its own field as spaces. */
        memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (size_t i = 0; i < 512; i++)
                sum += block[i];
        snprintf(h + 148, 8, "%06o", sum);
        h[155] = ' ';
}

static int tar_write(int fd, const TarEntry *entries, size_t n, Error **err) {
        static const unsigned char zeros[1024];
        for (size_t i = 0; i < n; i++) {
                unsigned char block[512];
                tar_header(&entries[i], block);
                if (write(fd, block, sizeof block) != (ssize_t)sizeof block)
                        return err_set(err, ERR_SYSTEM, errno ? errno : EIO, "write infra rootfs");
                if (S_ISDIR(entries[i].mode) || entries[i].size == 0)
                        continue;
                size_t pad = (512 - entries[i].size % 512) % 512;
                if (write(fd, entries[i].data, entries[i].size) != (ssize_t)entries[i].size ||
                    write(fd, zeros, pad) != (ssize_t)pad)
                        return err_set(err, ERR_SYSTEM, errno ? errno : EIO, "write infra rootfs");
        }
        if (write(fd, zeros, sizeof zeros) != (ssize_t)sizeof zeros)
                return err_set(err, ERR_SYSTEM, errno ? errno : EIO, "write infra rootfs");
        return 0;
}

static int binary_read(const char *path, char **ret, size_t *ret_size, Error **err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                               "catatonit `%s` (Debian package catatonit)", path);
        if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > POD_INFRA_BINARY_MAX)
                return err_set(err, ERR_NOT_SUPPORTED, 0, "catatonit `%s` is not a binary", path);
        size_t size = (size_t)st.st_size;
        _cleanup_free_ char *data = xmalloc(size ? size : 1);
        for (size_t got = 0; got < size;) {
                ssize_t r = read(fd, data + got, size - got);
                if (r <= 0)
                        return err_set(err, ERR_SYSTEM, r < 0 ? errno : EIO, "read `%s`", path);
                got += (size_t)r;
        }
        *ret = TAKE_PTR(data);
        *ret_size = size;
        return 0;
}

static int infra_image_build(Engine *e, Error **err) {
        _cleanup_free_ char *binary = NULL;
        size_t binary_size = 0;
        if (binary_read(POD_INFRA_CATATONIT, &binary, &binary_size, err) < 0)
                return err_wrap(err, "make the infra image");
        static const char passwd[] = "root:x:0:0:root:/:/catatonit\n";
        static const char group[] = "root:x:0:\n";
        const TarEntry entries[] = {
                { "catatonit", S_IFREG | 0755, binary, binary_size },
                { "dev", S_IFDIR | 0755, NULL, 0 },
                { "proc", S_IFDIR | 0755, NULL, 0 },
                { "sys", S_IFDIR | 0755, NULL, 0 },
                { "etc", S_IFDIR | 0755, NULL, 0 },
                { "etc/passwd", S_IFREG | 0644, passwd, sizeof passwd - 1 },
                { "etc/group", S_IFREG | 0644, group, sizeof group - 1 },
        };
        _cleanup_free_ char *dir = NULL;
        if (engine_tmp_dir(e, "infra", &dir, err) < 0)
                return -1;
        _cleanup_free_ char *tar = xasprintf("%s/rootfs.tar", dir);
        int r;
        {
                _cleanup_close_ int fd =
                        open(tar, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                r = fd < 0 ? err_set(err, ERR_SYSTEM, errno, "create `%s`", tar)
                           : tar_write(fd, entries, ELEMENTSOF(entries), err);
        }
        if (r == 0) {
                char *changes[] = { (char *)"CMD=[\"/catatonit\", \"-P\"]", NULL };
                _cleanup_free_ char *id = NULL;
                r = image_import(e, tar, POD_INFRA_IMAGE, "catatonit, pause mode (pod infra)",
                                 changes, &id, err);
        }
        (void)unlink(tar);
        (void)rmdir(dir);
        return r < 0 ? err_wrap(err, "make the infra image %s", POD_INFRA_IMAGE) : 0;
}

int pod_infra_image_ensure(Engine *e, Error **err) {
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_error_ Error *missing = NULL;
        if (image_lookup(e, POD_INFRA_IMAGE, &img, &missing) == 0)
                return 0;
        if (missing->kind != ERR_IMAGE_NOT_FOUND)
                return err_propagate(err, TAKE_PTR(missing));
        /* Two pods created at once make it once. */
        Lock l = LOCK_INIT;
        if (lock_acquire(e->config.runroot, "pod", "infra-image", true, &l, err) < 0)
                return -1;
        _cleanup_error_ Error *again = NULL;
        int r = image_lookup(e, POD_INFRA_IMAGE, &img, &again) == 0 ? 0 : infra_image_build(e, err);
        lock_release(&l);
        return r;
}
