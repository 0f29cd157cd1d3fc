/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared by the container module's files. */

#include "container.h"
#include "engine-private.h"
#include "lock.h"
#include "network.h"
#include "runtime.h"
#include "spec.h"

/* The engine's runtime, CNI context and host facts, made on first use
 * (services.c). NULL with *err on failure. */
Runtime *engine_runtime(Engine *e, Error **err);
CniContext *engine_cni(Engine *e, Error **err);
const SpecHost *engine_spec_host(Engine *e, Error **err);

/* A JSON array of strings as a NULL-terminated vector borrowing them (the
 * array outlives it); NULL for a non-array. Free the vector only. */
const char **container_strv(json_t *array);

/* SpecPeerNamespaceFn: /proc/PID/ns/TYPE of another running container. */
int container_peer_namespace(void *userdata, const char *container, SpecNamespace ns,
                             char **ret_path, Error **err);

/* Paths of a container. New strings. */
char *container_userdata_dir(const Engine *e, const char *id);
char *container_run_dir(const Engine *e, const char *id);
char *container_exit_dir(const Engine *e);
char *container_socket_dir(const Engine *e);

int container_lock(Engine *e, const char *id, Lock *ret, Error **err);
int container_save(Engine *e, const Container *c, Error **err);
