/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Object locks: flock(2) on one lock file per object under the run root
 * ("RUNROOT/locks/image-<id>.lock"). flock locks belong to an open file
 * description, so they exclude each other between processes (CLI and
 * service) and between threads of one process alike, and the kernel
 * releases them when a holder dies. */

#include <stdbool.h>

#include "error.h"

typedef struct Lock {
        int fd; /* -1 when not held */
} Lock;

#define LOCK_INIT ((Lock){ .fd = -1 })

/* Blocks until the lock "kind-name" is held (shared or exclusive). name
 * must be a plain file name component (IDs, digests without ':'). */
int lock_acquire(const char *runroot, const char *kind, const char *name, bool exclusive, Lock *ret,
                 Error **err);
/* Like lock_acquire without blocking: ERR_BAD_STATE ("busy") when held elsewhere. */
int lock_try_acquire(const char *runroot, const char *kind, const char *name, bool exclusive,
                     Lock *ret, Error **err);
void lock_release(Lock *l);
