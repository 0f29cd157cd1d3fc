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

/* Whether a container recorded as created, running or paused may have
 * ended, as far as the cheap checks tell: its exit file exists or its
 * conmon (conmon_pid > 0) is gone. container_sync tells for sure. */
bool container_has_exited(const Engine *e, const char *id, int conmon_pid);

/* The OCI config and resolved settings of c with its rootfs mounted at
 * rootfs; netns to join (NULL: as the request says); with_etc_files the
 * per-container /etc/hosts, resolv.conf and hostname are bind-mounted.
 * preview: the config will not run (creation, inspection), so the pod's
 * infra container may be down: its namespaces get stand-in paths. */
int container_spec(Engine *e, Container *c, const char *rootfs, const char *netns,
                   bool with_etc_files, bool preview, json_t **ret_config,
                   SpecResolved *ret_resolved, Error **err);

/* The argv conmon runs after the container's process exits: `varpod
 * [our global flags] container cleanup ID` (NULL-terminated, new). */
char **container_exit_command(const Engine *e, const char *id);

/* The OCI config's mounts as listings show them: {destination, type,
 * source, options} each (new array; oci_mounts may be NULL). */
json_t *container_mounts_summary(json_t *oci_mounts);

/* How many MountContainer calls hold the container's rootfs mount
 * (mount.c); 0 when it is not mounted. */
long container_user_mounts(const Engine *e, const char *id);

int container_lock(Engine *e, const char *id, Lock *ret, Error **err);
int container_save(Engine *e, const Container *c, Error **err);
