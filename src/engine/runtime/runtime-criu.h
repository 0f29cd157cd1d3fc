/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* CRIU (Checkpoint/Restore In Userspace), which OCI runtimes use to
 * checkpoint and restore containers: whether it is installed, new enough
 * and able to work on this host's kernel (criu.c). */

#include "error.h"

/* podman's minimum, in podman's numbering (major*10000 + minor*100 +
 * sublevel): CRIU 3.11. */
#define RUNTIME_CRIU_MIN_VERSION 31100

/* The version of the criu in PATH, in podman's numbering (3.17.1 is
 * 31701). ERR_NOT_FOUND without criu; ERR_RUNTIME when `criu --version`
 * fails or says something else than "Version: X.Y[.Z]". */
int runtime_criu_version(int *ret, Error **err) _must_check_;

/* Runs `criu check` (root only: it probes the kernel). ERR_NOT_SUPPORTED
 * "criu check: MESSAGE" when CRIU cannot work here, MESSAGE being CRIU's
 * last error line without its position prefix ("Could not initialize
 * kernel features detection."). */
int runtime_criu_check(Error **err) _must_check_;
