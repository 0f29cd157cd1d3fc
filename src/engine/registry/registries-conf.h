/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* registries.conf in both formats podman reads: v1 ([registries.search],
 * [registries.insecure], [registries.block] with `registries = [...]`) and
 * v2 (unqualified-search-registries, [[registry]] with prefix, location,
 * insecure, blocked and [[registry.mirror]]). */

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef struct RegistryMirror {
        char *location;
        bool insecure;
} RegistryMirror;

typedef struct RegistryEntry {
        char *prefix;   /* what references it applies to; defaults to location */
        char *location; /* where to go instead ("" keeps the reference's own) */
        bool insecure;  /* plain HTTP or unverified TLS allowed */
        bool blocked;
        RegistryMirror *mirrors;
        size_t n_mirrors;
} RegistryEntry;

typedef struct RegistriesConf {
        char **search; /* unqualified-search registries, in order (NULL-terminated) */
        RegistryEntry *entries;
        size_t n_entries;
} RegistriesConf;

/* Loads path; NULL means $REGISTRIES_CONFIG_PATH, else
 * /etc/containers/registries.conf. A missing file is an empty config; a
 * bad one is an error naming the file, line and column. Mixing v1 and v2
 * keys in one file is an error, as in podman. */
int registries_conf_load(RegistriesConf *ret, const char *path, Error **err);
int registries_conf_parse(RegistriesConf *ret, const char *text, Error **err);
void registries_conf_clear(RegistriesConf *c);

/* The entry whose prefix matches reference (e.g. "quay.io/foo/bar:1") the
 * longest, per podman's rules (prefix match on whole path components,
 * "*.example.com" wildcards); NULL when none. */
const RegistryEntry *registries_conf_find(const RegistriesConf *c, const char *reference);

/* Convenience lookups for a registry host ("host[:port]"). */
bool registries_conf_is_insecure(const RegistriesConf *c, const char *host);
bool registries_conf_is_blocked(const RegistriesConf *c, const char *reference);
