/* SPDX-License-Identifier: Apache-2.0 */
/* ExportContainer, `varpod export`: the container's whole root filesystem
 * as an uncompressed tar. The export counts as one more user of the
 * mount for its duration, as podman's did, so a mount a client made
 * meanwhile, or the container's own, stays. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "container-fs.h"
#include "layer.h"

int container_export(Engine *e, const Container *c, const char *path, Error **err) {
        _cleanup_free_ char *root = NULL;
        if (container_mount(e, c, &root, err) < 0)
                return err_wrap(err, "export container %s", c->id);
        int r = 0;
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                r = err_set(err, ERR_SYSTEM, errno, "create `%s`", path);
        /* The merged view shows no whiteouts, so the tar is the plain
         * tree; the runtime's own mounts (/proc, ...) live in the
         * container's mount namespace, not under this mount point. */
        if (r == 0 && layer_write_tar(root, fd, NULL, err) < 0)
                r = -1;
        if (fd >= 0 && close(fd) < 0 && r == 0)
                r = err_set(err, ERR_SYSTEM, errno, "write `%s`", path);
        if (r < 0 && fd >= 0)
                (void)unlink(path); /* half an archive is worse than none */
        _cleanup_error_ Error *umount_err = NULL;
        if (container_umount(e, c, false, &umount_err) < 0 && r == 0)
                r = err_propagate(err, TAKE_PTR(umount_err));
        if (r < 0)
                return err_wrap(err, "export container %s", c->id);
        return 0;
}
