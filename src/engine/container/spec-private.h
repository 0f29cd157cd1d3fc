/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Internals of the OCI config generator shared by spec*.c, the unit test
 * and the fuzz target: the string parsers for request fields (pure, no
 * host access), small string-vector helpers, and the generation context
 * the steps in spec-*.c fill in turn. */

#include <stdbool.h>
#include <stdint.h>

#include "json-util.h"
#include "spec.h"

/* Explicit limits where request data enters. */
#define SPEC_FIELD_TEXT_MAX 4096         /* one string of a request field */
#define SPEC_PROFILE_SIZE_MAX (8u << 20) /* a seccomp profile file */
#define SPEC_DEVICES_MAX 4096            /* devices from one directory or /dev */
#define SPEC_PORTS_MAX 65536             /* published ports after expansion */
#define SPEC_DEFAULT_SHM_SIZE (64ll << 20)
#define SPEC_DEFAULT_STOP_TIMEOUT 10u
#define SPEC_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SPEC_CATATONIT_PATH "/usr/bin/catatonit"

/* NULL-terminated string vectors (freed with xalloc.h's strv_free). */
#define _cleanup_strv_ _cleanup_(strv_freep)
size_t spec_strv_length(char *const *v);
/* Appends a copy of s; *v may be NULL. */
void spec_strv_push(char ***v, const char *s);
void spec_strv_push_take(char ***v, char *s);
bool spec_strv_contains(char *const *v, const char *s);
/* The strings of a JSON array (non-strings skipped). New vector, never NULL. */
char **spec_strv_from_json(const json_t *array);
json_t *spec_strv_to_json(char *const *v);

/* Sizes as podman and docker accept them ("64m", "1.5g", "512kb", "1GiB",
 * "100"): binary multiples, case-insensitive, optional "b"/"ib". */
int spec_size_parse(const char *text, int64_t *ret, Error **err) _must_check_;

/* "SIGTERM", "term", "15", "RTMIN+3" -> number (1..64). */
int spec_signal_parse(const char *text, int *ret, Error **err) _must_check_;

/* A `volumes` entry: "SRC:DEST[:OPTS]" or "DEST" (anonymous volume). */
typedef struct SpecVolumeArg {
        char *source;      /* absolute host path, volume name, or NULL (anonymous) */
        char *destination; /* absolute, cleaned */
        char **options;    /* mount options, validated; relabel z/Z dropped */
        bool named;        /* source is a volume name (or anonymous) */
} SpecVolumeArg;
int spec_volume_arg_parse(const char *text, SpecVolumeArg *ret, Error **err) _must_check_;
void spec_volume_arg_clear(SpecVolumeArg *a);

/* A `tmpfs` entry: "DEST[:OPT,OPT]" with podman's defaults added. */
typedef struct SpecTmpfsArg {
        char *destination;
        char **options;
} SpecTmpfsArg;
int spec_tmpfs_arg_parse(const char *text, SpecTmpfsArg *ret, Error **err) _must_check_;
void spec_tmpfs_arg_clear(SpecTmpfsArg *a);

/* A `publish` entry: "[IP:][HOSTPORT[-END]:]PORT[-END][/PROTO]", IPv6
 * addresses in brackets. host_first == 0 means a random host port per
 * container port; a host range for a single container port means "any
 * free port of the range" (host_last > host_first, container range of 1). */
typedef struct SpecPublishArg {
        char host_ip[46];
        uint16_t host_first, host_last;
        uint16_t container_first, container_last;
        char protocol[5];
} SpecPublishArg;
int spec_publish_arg_parse(const char *text, SpecPublishArg *ret, Error **err) _must_check_;

/* An `exposed_ports` entry or image ExposedPorts key: "PORT[-END][/PROTO]". */
int spec_expose_arg_parse(const char *text, uint16_t *ret_first, uint16_t *ret_last,
                          char ret_protocol[5], Error **err) _must_check_;

/* A `resources.ulimit` entry: "NAME=SOFT[:HARD]", -1 or "unlimited" for
 * no limit. */
typedef struct SpecUlimitArg {
        int resource;        /* RLIMIT_* */
        const char *type;    /* "RLIMIT_NOFILE" */
        uint64_t soft, hard; /* RLIM_INFINITY for unlimited */
} SpecUlimitArg;
int spec_ulimit_arg_parse(const char *text, SpecUlimitArg *ret, Error **err) _must_check_;

/* A `devices` entry: "HOST[:CONTAINER][:PERMS]", PERMS from "rwm". */
typedef struct SpecDeviceArg {
        char *host;
        char *container;
        char perms[4];
} SpecDeviceArg;
int spec_device_arg_parse(const char *text, SpecDeviceArg *ret, Error **err) _must_check_;
void spec_device_arg_clear(SpecDeviceArg *a);

/* A device limit "PATH:VALUE" of blkio_weight_device (weight 10..1000),
 * device_*_bps (size with units) or device_*_iops (integer). */
typedef enum SpecLimitKind {
        SPEC_LIMIT_WEIGHT,
        SPEC_LIMIT_BPS,
        SPEC_LIMIT_IOPS,
} SpecLimitKind;
int spec_device_limit_parse(const char *text, SpecLimitKind kind, char **ret_path,
                            uint64_t *ret_value, Error **err) _must_check_;

/* One id mapping "CONTAINER:HOST:SIZE". */
typedef struct SpecIdMap {
        uint32_t container_id, host_id, size;
} SpecIdMap;
int spec_idmap_parse(const char *text, SpecIdMap *ret, Error **err) _must_check_;

/* A cpuset list ("0-3,6"). */
int spec_cpuset_check(const char *text, Error **err) _must_check_;

/* A hostname (RFC 1123 labels, at most 64 bytes). */
bool spec_hostname_is_valid(const char *s);

/* Named volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
bool spec_volume_name_is_valid(const char *s);

/* Capabilities: "chown", "CAP_CHOWN", "Cap_Chown" -> 0; -1 when unknown. */
int spec_cap_from_name(const char *name);
const char *spec_cap_name(int cap); /* "CAP_CHOWN" */

/* The generation context: one per spec_generate() call. The steps run in
 * order (namespaces, user, capabilities, process, mounts, resources,
 * security) and each reads what earlier ones decided. */
typedef enum SpecNsKind {
        SPEC_NS_KIND_NONE = 0, /* no namespace of this type: the host's */
        SPEC_NS_KIND_NEW,
        SPEC_NS_KIND_PATH, /* join path */
} SpecNsKind;

typedef struct SpecCtx {
        const SpecInput *in;
        const SpecHost *host;
        const json_t *create;
        const json_t *resources;
        const json_t *image; /* never NULL: an empty object stands for none */
        json_t *config;      /* being built */
        json_t *process;     /* borrowed members of config */
        json_t *oci_linux;   /* "linux" is a macro in gnu11 */
        SpecResolved res;    /* being built, handed over at the end */
        SpecNsKind ns_kind[SPEC_NS__MAX];
        char *ns_path[SPEC_NS__MAX];
        char *ns_peer[SPEC_NS__MAX]; /* the container joined, for error messages */
        SpecIdMap *uid_maps, *gid_maps;
        size_t n_uid_maps, n_gid_maps;
        uint64_t caps_bounding;
        json_t *mounts;          /* the mounts array of config */
        char **volume_dirs_made; /* VOLUMES_ROOT/NAME made by this call, removed on failure */
} SpecCtx;

/* Reading the normalised request. Missing members read as zero values;
 * a member of the wrong type was rejected by spec_create_check(). */
const char *spec_field_str(const json_t *o, const char *key);
int64_t spec_field_int(const json_t *o, const char *key);
double spec_field_float(const json_t *o, const char *key);
bool spec_field_bool(const json_t *o, const char *key);
const json_t *spec_field_array(const json_t *o, const char *key); /* may be NULL */
const json_t *spec_field_object(const json_t *o, const char *key);

/* Checks the type of every member of create (and resources); unknown
 * members are an error too, so no field can be ignored unnoticed. */
int spec_create_check(const json_t *create, Error **err) _must_check_;

/* The steps, in spec-*.c. Each returns 0 or a negative error. */
int spec_namespaces_setup(SpecCtx *ctx, Error **err) _must_check_;   /* spec-namespaces.c */
int spec_idmaps_setup(SpecCtx *ctx, Error **err) _must_check_;       /* spec-namespaces.c */
int spec_capabilities_setup(SpecCtx *ctx, Error **err) _must_check_; /* spec-security.c */
int spec_security_setup(SpecCtx *ctx, Error **err) _must_check_;     /* spec-security.c */
int spec_mounts_setup(SpecCtx *ctx, Error **err) _must_check_;       /* spec-mounts.c */
int spec_volumes_create(SpecCtx *ctx, Error **err) _must_check_;     /* spec-mounts.c */
void spec_volumes_undo(SpecCtx *ctx);                                /* spec-mounts.c */
int spec_resources_setup(SpecCtx *ctx, Error **err) _must_check_;    /* spec-resources.c */
int spec_devices_setup(SpecCtx *ctx, Error **err) _must_check_;      /* spec-resources.c */
int spec_rlimits_setup(SpecCtx *ctx, Error **err) _must_check_;      /* spec-resources.c */
int spec_sysctl_setup(SpecCtx *ctx, Error **err) _must_check_;       /* spec-resources.c */
int spec_ports_setup(SpecCtx *ctx, Error **err) _must_check_;        /* spec-ports.c */

/* Translates a profile in containers' seccomp.json format into OCI
 * linux.seccomp for the given native arch (uname machine), capability
 * bounding set and kernel release, as containers/common does: archMap or
 * architectures, includes/excludes by caps, arches and minKernel. *ret is
 * NULL when the profile disables seccomp (no default action, no rules). */
int spec_seccomp_translate(const json_t *profile, const char *machine, uint64_t caps,
                           const char *kernel, json_t **ret, Error **err) _must_check_;

/* Picks a free port by binding port 0 on 127.0.0.1 (protocol's socket
 * type), avoiding the ports in used[] of the same protocol. */
int spec_port_random(const char *protocol, const SpecPort *used, size_t n_used, uint16_t *ret,
                     Error **err) _must_check_;
