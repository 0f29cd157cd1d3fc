/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared by commit.c and its helpers: the new layer's tar (commit-layer.c)
 * and the new image's config (commit-config.c). */

#include <jansson.h>
#include <stdint.h>

#include "container-fs.h"
#include "digest.h"

/* Writes the container's changes as an uncompressed layer tar to fd (its
 * digest, the diff ID, in ret_diff_id). With overlay that is the upper
 * directory as it is; with vfs the changes are first laid out in overlay
 * form under staging (an empty directory of the caller's). */
int commit_layer_write(Engine *e, const Container *c, const char *staging, int fd,
                       char ret_diff_id[DIGEST_STRING_SIZE], Error **err);

/* The new image's config: base (the image's config document) with the
 * container's settings, then opts' changes, author and message applied;
 * diff_id appended to the rootfs and a history entry for it, created at
 * now (Unix ns). docker: Docker's config keys rather than OCI's only. */
int commit_config_make(const Container *c, json_t *base, const ContainerCommitOptions *opts,
                       const char *diff_id, int64_t now, bool docker, json_t **ret, Error **err);
