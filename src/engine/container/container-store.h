/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The database side of containers. */

#include "container.h"
#include "db.h"

int container_store_load(Db *db, const char *id, Container **ret, Error **err);
int container_store_list(Db *db, Container ***ret, size_t *ret_n, Error **err);
/* IDs of containers and pods (the registry they share) that are exactly
 * name (as a name) or start with name (as an ID prefix); at most 2
 * (enough to tell unique from ambiguous); ret_is_pod tells which kind. */
int container_store_match(Db *db, const char *name, char ret_ids[2][CONTAINER_ID_SIZE],
                          bool ret_is_pod[2], size_t *ret_n, Error **err);
/* Whether a container or a pod has this name. */
/* Containers that joined other containers' namespaces: their IDs and
 * their `dependencies` (JSON arrays of names as given), NULL-terminated
 * vectors of n. */
int container_store_dependency_lists(Db *db, char ***ret_ids, char ***ret_lists, size_t *ret_n,
                                     Error **err);
int container_store_name_taken(Db *db, const char *name, bool *ret, Error **err);
/* The containers of a pod, by ID. */
int container_store_list_pod(Db *db, const char *pod_id, Container ***ret, size_t *ret_n,
                             Error **err);
/* mounts: the OCI config's mounts as listings show them (summary.c). */
int container_store_insert(Db *db, const Container *c, json_t *mounts, Error **err);
/* Writes every mutable column of c (state, pids, exit, times, netns,
 * network, mounted). */
int container_store_update(Db *db, const Container *c, Error **err);
int container_store_delete(Db *db, const char *id, Error **err);
