/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the engine's modules share: paths under the storage root, the pool
 * of database connections, the registries configuration. Not for
 * front-ends. */

#include <pthread.h>

#include "db.h"
#include "engine.h"

struct Engine {
        EngineConfig config;
        char *db_path;    /* ROOT/varpod.db */
        char *blobs_dir;  /* ROOT/blobs/sha256: manifests, configs, compressed layers */
        char *layers_dir; /* ROOT/layers/<chain hex>: extracted layers */
        char *tmp_dir;    /* ROOT/tmp: staging, emptied at open when idle */

        /* Made on first use by the container module (services.c). */
        struct Runtime *runtime;
        struct CniContext *cni;
        struct SpecHost *spec_host;

        pthread_mutex_t pool_lock;
        Db **pool; /* idle connections */
        size_t n_pool, cap_pool;
};

/* Borrows a database connection (one thread at a time uses it). */
int engine_db_get(Engine *e, Db **ret, Error **err);
/* Returns it to the pool; accepts NULL. */
void engine_db_put(Engine *e, Db *db);

/* "ROOT/blobs/sha256/<hex>" for "sha256:<hex>". New string. */
char *engine_blob_path(const Engine *e, const char *digest);
/* "ROOT/layers/<hex>" for chain ID "sha256:<hex>". New string. */
char *engine_layer_path(const Engine *e, const char *chain_id);
/* A new empty directory under ROOT/tmp for staging. */
int engine_tmp_dir(const Engine *e, const char *purpose, char **ret, Error **err);
/* Empties ROOT/tmp: staging left by a process that died mid-operation.
 * Only under the store lock held exclusively (image_store_gc): live
 * writers hold it shared while their staging exists. */
void engine_tmp_clean(Engine *e);

/* Frees the runtime, CNI context and host facts (services.c). */
void engine_services_free(Engine *e);

/* Current time in Unix nanoseconds. */
int64_t engine_now_ns(void);
