/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The OCI runtime configuration (config.json, runtime-spec 1.0.2 as runc
 * 1.1 and crun 1.8 read it) of a container, generated from its io.podman
 * `Create` request and its image's config, plus what the engine must
 * remember about the resolution (final args, user, ports, volumes, ...).
 *
 * Every field of `Create` is either turned into configuration, returned in
 * SpecResolved for the engine (conmon, CNI, log and /etc file writers), or
 * rejected with ERR_INVALID_ARGUMENT / ERR_NOT_SUPPORTED naming the field;
 * nothing is dropped silently. Where the brief of this engine and the 2019
 * reference differ (image ENV merged, image WORKDIR used, stop_timeout
 * and shm_size defaults, memory limits applied, correct blkio fields) the
 * engine's rules win; see spec.c. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "error.h"

typedef enum SpecCgroupMode {
        SPEC_CGROUP_V1 = 0,
        SPEC_CGROUP_HYBRID, /* v1 controllers plus a v2 tree at /sys/fs/cgroup/unified */
        SPEC_CGROUP_V2,
} SpecCgroupMode;

/* Namespaces, in the order they are written to linux.namespaces. */
typedef enum SpecNamespace {
        SPEC_NS_PID = 0,
        SPEC_NS_NETWORK,
        SPEC_NS_IPC,
        SPEC_NS_UTS,
        SPEC_NS_MOUNT,
        SPEC_NS_CGROUP,
        SPEC_NS_USER,
        SPEC_NS__MAX,
} SpecNamespace;

/* The OCI name of a namespace ("pid", "network", ...); /proc/PID/ns/
 * uses the same names except "net" and "mnt" (see spec_namespace_proc_name). */
const char *spec_namespace_name(SpecNamespace ns);
const char *spec_namespace_proc_name(SpecNamespace ns);

/* What the host and the engine process itself can do. spec_host_probe()
 * fills it from the running system; tests build their own. */
typedef struct SpecHost {
        SpecCgroupMode cgroup_mode;
        char machine[65]; /* uname -m: "x86_64", "aarch64", ... */
        char kernel[65];  /* uname -r */
        char hostname[65];
        /* Capabilities the engine holds (CapPrm): the runtime it starts can
         * give a container no others. */
        uint64_t caps;
        unsigned cap_last_cap;
        /* The engine's own limits. Without CAP_SYS_RESOURCE the runtime
         * cannot raise a hard rlimit above these nor lower oom_score_adj. */
        struct rlimit rlimits[RLIM_NLIMITS];
        /* /proc/sys/fs/nr_open: no RLIMIT_NOFILE above it, not even with
         * CAP_SYS_RESOURCE; 0 when unknown. */
        uint64_t nr_open;
        int oom_score_adj;
        bool apparmor; /* AppArmor enabled in the kernel */
        bool selinux;  /* SELinux enabled (selinuxfs mounted) */
        /* cgroup v1 knobs that depend on kernel configuration */
        bool memory_swap;  /* memory.memsw.* (swap accounting) */
        bool cpu_rt;       /* cpu.rt_runtime_us (CONFIG_RT_GROUP_SCHED) */
        bool blkio_weight; /* blkio.weight or BFQ's blkio.bfq.weight */
        /* x86_64 kernel without the x32 ABI (x32 system calls fail with
         * ENOSYS): seccomp filters need no x32 rules. */
        bool no_x32;
} SpecHost;

/* Reads the host facts above. Fails only when /proc cannot be read. */
int spec_host_probe(SpecHost *ret, Error **err) _must_check_;

/* Resolves `container` (name or ID) to the path of one of its namespaces,
 * normally "/proc/PID/ns/TYPE" of its running process. Fails (container
 * unknown, not running) with an error the generator wraps with the field.
 * *ret_path is a new string. */
typedef int (*SpecPeerNamespaceFn)(void *userdata, const char *container, SpecNamespace ns,
                                   char **ret_path, Error **err);
/* The host directory mounted as /dev/shm in `container`, so that a
 * container sharing its IPC namespace also shares its POSIX shared memory.
 * *ret_path is a new string. */
typedef int (*SpecPeerShmFn)(void *userdata, const char *container, char **ret_path, Error **err);

typedef struct SpecInput {
        const char *id; /* the container ID, 64 hex */
        /* The io.podman `Create` object, normalised: every field present
         * with zero values for absent ones; resources a full object. */
        const json_t *create;
        /* The "config" member of the image's OCI config (Entrypoint, Cmd,
         * Env, WorkingDir, User, ExposedPorts, Volumes, StopSignal, Labels;
         * any may be missing), or NULL for none. */
        const json_t *image_config;
        const char *rootfs; /* mounted root filesystem; /etc/passwd is read from it */
        /* Per-container files bind-mounted over /etc/hosts, /etc/resolv.conf
         * and /etc/hostname; NULL to mount none. The engine writes them from
         * SpecResolved (hostname, dns_*, hosts). */
        const char *hosts_path;
        const char *resolv_conf_path;
        const char *hostname_path;
        /* The network namespace: "host", a path to join, or NULL to follow
         * create.net_mode (a new namespace unless "host", "container:ID" or
         * "ns:PATH"). */
        const char *netns;
        /* linux.cgroupsPath; NULL derives it from create.cgroup_parent:
         * "PARENT/libpod-ID" (default parent /libpod_parent), or with
         * systemd_cgroup "PARENT:libpod:ID" (default machine.slice). */
        const char *cgroups_path;
        bool systemd_cgroup;
        /* Seccomp profile (containers' seccomp.json format) used when the
         * request names none: /usr/share/containers/seccomp.json when
         * present; NULL or "unconfined" for none. */
        const char *seccomp_default;
        /* STORAGE_ROOT/volumes: named volume NAME lives in
         * VOLUMES_ROOT/NAME/_data, created when missing. */
        const char *volumes_root;
        const char *init_path; /* init for create.init when init_path is empty; NULL: catatonit */
        /* Joining a pod: the infra container whose namespaces members share
         * and a bit (1u << SpecNamespace) per shared namespace. Namespaces
         * the request leaves at "" are joined through peer_namespace. */
        const char *pod_infra;
        unsigned pod_shares;
        const char *subuid_path;            /* NULL: /etc/subuid */
        const char *subgid_path;            /* NULL: /etc/subgid */
        const json_t *annotations;          /* extra OCI annotations (string map) or NULL */
        SpecPeerNamespaceFn peer_namespace; /* NULL: "container:" modes fail */
        SpecPeerShmFn peer_shm;             /* NULL: ipc_mode "container:" fails */
        void *peer_userdata;
        const SpecHost *host;
} SpecInput;

typedef struct SpecPort {
        char host_ip[46]; /* "" for every address */
        uint16_t host_port;
        uint16_t container_port;
        char protocol[5]; /* "tcp", "udp" or "sctp" */
} SpecPort;

typedef struct SpecVolume {
        char *name;        /* named volume */
        char *source;      /* VOLUMES_ROOT/NAME/_data */
        char *destination; /* inside the container */
        bool anonymous;    /* from the image's VOLUMEs or a bare "/path" */
        bool created;      /* this call created its directory */
} SpecVolume;

typedef struct SpecHostEntry {
        char *name;
        char *ip;
} SpecHostEntry;

typedef struct SpecResolved {
        char **args; /* NULL-terminated: (init, "--",) entrypoint + command */
        char **env;  /* NULL-terminated "K=V" */
        char *work_dir;
        uid_t uid;
        gid_t gid;
        gid_t *additional_gids; /* supplementary groups of the user, then group_add */
        size_t n_additional_gids;
        char *home;            /* the user's home from /etc/passwd, "/" when unknown */
        int stop_signal;       /* number */
        unsigned stop_timeout; /* seconds */
        bool tty;              /* process.terminal */
        bool stdin_open;       /* create.interactive: conmon keeps stdin open */
        char *hostname;        /* UTS hostname ("" when the UTS namespace is another container's) */
        SpecPort *ports;       /* publish, ranges expanded, then publish_all */
        size_t n_ports;
        char **exposed_ports; /* NULL-terminated "80/tcp": image then create.exposed_ports */
        SpecVolume *volumes;  /* named volumes: `volumes` order, then image VOLUMEs */
        size_t n_volumes;
        /* The network namespace: "host", a path to join, or NULL for a new
         * one the engine sets up according to net_mode and networks. */
        char *netns;
        char *net_mode;  /* "bridge", "none", "host", "container:X", "ns:P", "slirp4netns" */
        char **networks; /* NULL-terminated CNI network names when net_mode lists them */
        char **dns_servers, **dns_search, **dns_options; /* NULL-terminated, for resolv.conf */
        SpecHostEntry *hosts;                            /* create.host_add, for /etc/hosts */
        size_t n_hosts;
        char **dependencies;  /* NULL-terminated containers whose namespaces are joined */
        json_t *labels;       /* image labels overridden by create.labels */
        char *log_driver;     /* "k8s-file" (json-file maps to it) or "journald" */
        char *log_path;       /* log_driver_opt path=, or NULL for the engine's default */
        int64_t log_max_size; /* log_driver_opt max-size=, bytes; 0 for none */
        char *conmon_pidfile; /* or NULL */
        char *cgroups_path;   /* as written to linux.cgroupsPath */
        bool rm;              /* remove after exit: the engine's business */
        bool detach;          /* give conmon an exit command */
        bool init;            /* an init process wraps args */
        bool privileged;
} SpecResolved;

/* Generates the OCI config. On success *ret_config is a new object (the
 * whole config.json), *ret is filled (release with spec_resolved_clear)
 * and the named volumes are created on disk; on failure nothing is
 * written, and volume directories this call made are removed again.
 * Errors: ERR_INVALID_ARGUMENT (a malformed or contradictory field),
 * ERR_NOT_SUPPORTED (valid, but
 * this host or runtime cannot do it), ERR_NOT_FOUND (a user, group,
 * device or path named by the request does not exist), ERR_SYSTEM, or
 * whatever the peer callbacks return. Messages name the field at fault
 * ("volumes `x`: ...", "resources.memory ...", or podman's own words
 * "unable to find user x: no matching entries in passwd file"). */
int spec_generate(const SpecInput *in, json_t **ret_config, SpecResolved *ret,
                  Error **err) _must_check_;

/* Frees what *r holds and zeroes it; accepts a zeroed struct. */
void spec_resolved_clear(SpecResolved *r);

/* *r as a JSON object for the container record: {"args", "env",
 * "work_dir", "uid", "gid", "additional_gids", "home", "stop_signal",
 * "stop_timeout", "tty", "stdin_open", "hostname", "ports": [{"host_ip",
 * "host_port", "container_port", "protocol"}], "exposed_ports",
 * "volumes": [{"name", "source", "destination", "anonymous"}], "netns",
 * "net_mode", "networks", "dns_servers", "dns_search", "dns_options",
 * "hosts": [{"name", "ip"}], "dependencies", "labels", "log_driver",
 * "log_path", "log_max_size", "conmon_pidfile", "cgroups_path", "rm",
 * "detach", "init", "privileged"}. Absent strings are null. New reference. */
json_t *spec_resolved_to_json(const SpecResolved *r);
