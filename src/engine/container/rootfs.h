/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A container's root filesystem on the storage driver (overlay or vfs). */

#include <stdbool.h>

#include "engine.h"
#include "error.h"

/* Mounts the rootfs of container id over the image layers (chain IDs,
 * bottom first) at RUNROOT/containers/ID/merged; *ret_path is that path.
 * Mounting an already mounted rootfs is fine. */
int rootfs_mount(Engine *e, const char *id, char **layers, char **ret_path, Error **err);
int rootfs_umount(Engine *e, const char *id, Error **err);
bool rootfs_is_mounted(const Engine *e, const char *id);
/* Unmounts and removes the container's storage (its changes). */
int rootfs_remove(Engine *e, const char *id, Error **err);

/* ROOT/containers/ID, RUNROOT/containers/ID/merged. New strings. */
char *rootfs_dir(const Engine *e, const char *id);
char *rootfs_mountpoint(const Engine *e, const char *id);
/* Where the container's changes are: the overlay upper directory, or the
 * whole copied tree with vfs. New string. */
char *rootfs_upper_dir(const Engine *e, const char *id);
