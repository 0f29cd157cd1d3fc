/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The engine: everything varpod knows about containers, images and pods,
 * as C functions with Error objects. It knows nothing about varlink; the
 * io.podman service (src/api) and the command line (src/cli) translate. */

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* Configuration from podman's global flags, environment and config files.
 * Strings are owned by the config. */
typedef struct EngineConfig {
        char *root;           /* --root: persistent storage */
        char *runroot;        /* --runroot: volatile state */
        char *storage_driver; /* --storage-driver: overlay or vfs */
        char **storage_opts;  /* --storage-opt, NULL-terminated */
        char *runtime;        /* --runtime: runc, crun or a path */
        char *cgroup_manager; /* --cgroup-manager: cgroupfs or systemd */
        char *cni_config_dir; /* --cni-config-dir */
        char *conmon;         /* --conmon: path of conmon */
        char *tmpdir;         /* --tmpdir */
        char *log_level;      /* --log-level */
        char *namespace;      /* --namespace */
        char *hooks_dir;      /* --hooks-dir */
        char *events_backend; /* --events-backend */
} EngineConfig;

/* Fills defaults (root /var/lib/varpod, runroot /run/varpod, overlay). */
void engine_config_init(EngineConfig *c);
void engine_config_clear(EngineConfig *c);
/* Sets a string field to a copy of value, replacing the old one. */
void engine_config_set(char **field, const char *value);
/* Appends to storage_opts. */
void engine_config_add_storage_opt(EngineConfig *c, const char *opt);

typedef struct Engine Engine;

/* Opens the engine with a copy of config. */
int engine_open(Engine **ret, const EngineConfig *config, Error **err);
Engine *engine_free(Engine *e);
DEFINE_CLEANUP(Engine, engine_free)

const EngineConfig *engine_config(const Engine *e);

typedef struct EngineStoreInfo {
        int64_t images;
        int64_t containers;
        const char *driver;          /* "overlay" or "vfs" */
        char backing_filesystem[32]; /* "extfs", "xfs", "tmpfs", ... */
        bool native_overlay_diff;
        bool supports_d_type;
} EngineStoreInfo;

/* Counts and facts of the storage, for GetInfo and `varpod info`. */
int engine_store_info(Engine *e, EngineStoreInfo *ret, Error **err);
