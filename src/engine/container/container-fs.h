/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A container's filesystem as clients see it (semantics 2.4 #10, #11,
 * 2.5 #38, 2.7 #61-63): its changes against its image, a tar export of
 * the whole tree, mounts that outlive the call, and commit as a new
 * image. One file each: changes.c, export.c, mount.c, commit.c (with
 * commit-layer.c and commit-config.c), and by-image.c for the removal of
 * an image's containers. */

#include <stdbool.h>
#include <stddef.h>

#include "container.h"
#include "engine.h"
#include "error.h"

/* ------------------------------------------------------------------ */
/* Changes (changes.c).                                               */

typedef enum ContainerChangeKind {
        CONTAINER_CHANGE_MODIFIED,
        CONTAINER_CHANGE_ADDED,
        CONTAINER_CHANGE_DELETED,
} ContainerChangeKind;

typedef struct ContainerChange {
        ContainerChangeKind kind;
        char *path; /* absolute: "/etc/passwd" */
} ContainerChange;

typedef struct ContainerChanges {
        ContainerChange *items; /* walk order: a directory before what is in it */
        size_t n;
        size_t cap;
} ContainerChanges;

ContainerChanges *container_changes_free(ContainerChanges *c);
DEFINE_CLEANUP(ContainerChanges, container_changes_free)

/* The filesystem diff ListContainerChanges reports: name is an image (its
 * top layer against the layers below), else a container (its writable
 * layer against its image), else a layer chain ID or unique prefix of
 * one. Paths the runtime mounts over (/dev, /etc/hosts, /proc, ...; the
 * list of semantics 2.4 #10) are left out. Nothing found is ERR_NOT_FOUND
 * "layer, image, or container NAME does not exist". *ret is new. */
int container_changes_list(Engine *e, const char *name, ContainerChanges **ret, Error **err);

/* Every change of the container c against its image, nothing left out
 * (commit needs the mount-point files too). *ret is new. */
int container_changes_compute(Engine *e, const Container *c, ContainerChanges **ret, Error **err);

/* The diff of a tree against a stack of layer directories in overlay form
 * (whiteouts are 0:0 character devices, opaque directories carry
 * trusted.overlay.opaque=y), lowers top first and NULL-terminated. With
 * complete, tree is a whole root filesystem (vfs) and whatever it lacks
 * was deleted; without, tree is an overlay upper directory holding only
 * what changed. Directories count as modified when their own metadata or
 * anything inside them changed, as podman reports them. *ret is new. */
int container_changes_diff(const char *tree, char *const *lowers, bool complete,
                           ContainerChanges **ret, Error **err);

/* ------------------------------------------------------------------ */
/* Mounts (mount.c).                                                  */

/* Mounts c's root filesystem (when not mounted yet) and counts one more
 * user of the mount, which stays until container_umount; *ret_path is the
 * mount point with symlinks resolved (new string). The count lives with
 * the mount under the run root: a mount the engine tears down (the
 * container's process ended) takes its count with it. */
int container_mount(Engine *e, const Container *c, char **ret_path, Error **err);

/* Counts one user of c's mount less (force: all of them) and unmounts
 * when none is left and the container does not run on it. Refuses with
 * ERR_BAD_STATE when no user mount is left and the running container
 * holds the last mount. Unmounting a container that is not mounted is
 * fine. */
int container_umount(Engine *e, const Container *c, bool force, Error **err);

/* Mount points (symlinks resolved) of every container whose root
 * filesystem is mounted, by container ID; NULL-terminated, new. */
int container_mounts_list(Engine *e, char ***ret, Error **err);

/* ------------------------------------------------------------------ */
/* Export (export.c).                                                 */

/* Writes c's whole root filesystem as an uncompressed tar to path (a file
 * created or truncated), mounting it for the time of the export when it
 * is not mounted. */
int container_export(Engine *e, const Container *c, const char *path, Error **err);

/* ------------------------------------------------------------------ */
/* Commit (commit.c).                                                 */

typedef struct ContainerCommitOptions {
        const char *image_name;    /* "" or NULL: untagged; unqualified names go under localhost/ */
        char **changes;            /* "CMD=...", "ENV=K=V", ... NULL-terminated, may be NULL */
        const char *author;        /* may be NULL */
        const char *message;       /* history comment; may be NULL */
        bool pause;                /* pause a running container meanwhile */
        const char *manifest_type; /* "" or "oci", or "docker" */
} ContainerCommitOptions;

/* Makes a new image of c: its changes as one new layer on top of its
 * image's layers, and a config derived from the image's, the container's
 * settings and the changes. *ret_id is the new image's full ID. */
int container_commit(Engine *e, const Container *c, const ContainerCommitOptions *opts,
                     char **ret_id, Error **err);

/* ------------------------------------------------------------------ */
/* Removal with an image (by-image.c).                                */

/* Removes every container created from image image_id, stopping running
 * ones first (RemoveImage with force). */
int container_remove_by_image(Engine *e, const char *image_id, Error **err);
