/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The database side of pods (table pods, schema 5). */

#include "db.h"
#include "pod.h"

int pod_store_insert(Db *db, const Pod *p, Error **err);
/* ERR_POD_NOT_FOUND when there is no such row. */
int pod_store_load(Db *db, const char *id, Pod **ret, Error **err);
int pod_store_list(Db *db, Pod ***ret, size_t *ret_n, Error **err);
int pod_store_infra_set(Db *db, const char *id, const char *infra_id, Error **err);
int pod_store_delete(Db *db, const char *id, Error **err);

/* The ports as stored, and back. */
json_t *pod_ports_to_json(const PodPort *ports, size_t n);
void pod_ports_from_json(json_t *list, PodPort **ret, size_t *ret_n);
