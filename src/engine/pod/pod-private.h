/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared by the pod module's files. */

#include "engine-private.h"
#include "lock.h"
#include "pod.h"

/* The pod's lock (kind "pod"): taken before any member's. */
int pod_lock(Engine *e, const char *id, Lock *ret, Error **err);

/* RUNROOT/pods/ID: the pod's volatile files (its /dev/shm). New string. */
char *pod_run_dir(const Engine *e, const char *id);

/* Adds a member's failure (full container ID, message) to errs. */
void pod_errors_add(PodErrors *errs, const char *id, const char *message);
