/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Checkpoint and restore of running containers (semantics 2.7 #58, #59)
 * with CRIU through the OCI runtime (checkpoint.c). */

#include <stdbool.h>

#include "container.h"
#include "engine.h"
#include "error.h"

typedef struct ContainerCheckpointOptions {
        bool keep;            /* keep CRIU's logs and statistics */
        bool leave_running;   /* checkpoint only: the container goes on running */
        bool tcp_established; /* allow open TCP connections */
} ContainerCheckpointOptions;

/* Checkpoints c into <userdata>/checkpoint. In this order: CRIU missing or
 * older than RUNTIME_CRIU_MIN_VERSION (ERR_NOT_SUPPORTED "checkpointing a
 * container requires at least CRIU 31100"); c not running (ERR_BAD_STATE
 * "\"exited\" is not running, cannot checkpoint: container state
 * improper"); CRIU unable to work on this host (`criu check`, run once per
 * process: ERR_NOT_SUPPORTED "checkpointing a container requires a working
 * CRIU: criu check: ..."). The dump itself is not implemented yet: past
 * those checks the answer is ERR_NOT_SUPPORTED. */
int container_checkpoint(Engine *e, Container *c, const ContainerCheckpointOptions *o,
                         Error **err) _must_check_;

/* Restores c from its checkpoint. In this order: the CRIU version as
 * above; c neither configured nor exited (ERR_BAD_STATE "container ID is
 * running or paused, cannot restore: container state improper"); no
 * checkpoint (ERR_NOT_FOUND "A complete checkpoint for this container
 * cannot be found, cannot restore: stat PATH: no such file or
 * directory"); CRIU unable to work here (ERR_NOT_SUPPORTED "restoring a
 * container requires a working CRIU: ..."). Not implemented past them. */
int container_restore(Engine *e, Container *c, const ContainerCheckpointOptions *o,
                      Error **err) _must_check_;
