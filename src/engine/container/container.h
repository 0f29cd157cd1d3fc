/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Containers: records, lookup, and the lifecycle through conmon and the
 * OCI runtime. States are those of semantics 2.1. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "error.h"

#define CONTAINER_ID_SIZE 65

typedef enum ContainerState {
        CONTAINER_STATE_UNKNOWN = 0,
        CONTAINER_STATE_CONFIGURED = 1, /* defined, storage set up, not in the runtime */
        CONTAINER_STATE_CREATED = 2,
        CONTAINER_STATE_RUNNING = 3,
        CONTAINER_STATE_STOPPED = 4, /* exited, still known to the runtime */
        CONTAINER_STATE_PAUSED = 5,
        CONTAINER_STATE_EXITED = 6, /* exited and cleaned up */
} ContainerState;

/* "configured", "running", ... */
const char *container_state_name(ContainerState s);

typedef struct Container {
        char id[CONTAINER_ID_SIZE];
        char *name;
        char image_id[CONTAINER_ID_SIZE];
        char *image_name;
        char *pod_id;
        int64_t created; /* Unix ns */
        ContainerState state;
        int pid;
        int conmon_pid;
        int exit_code;
        bool oom_killed;
        int64_t started;  /* Unix ns, 0 when never */
        int64_t finished; /* Unix ns, 0 when never */
        json_t *create;   /* the normalised io.podman Create */
        json_t *resolved; /* what creation resolved: args, env, ports, ... */
        char *netns;      /* path while a network namespace exists */
        json_t *network;  /* CNI result while networked, else NULL */
        char *mounted;    /* rootfs mount point while mounted */
} Container;

Container *container_free(Container *c);
DEFINE_CLEANUP(Container, container_free)
void container_list_free(Container **list, size_t n);

/* The container lookup of semantics 2.1 (L_C): full ID, exact name or
 * unique ID prefix. ERR_CONTAINER_NOT_FOUND ("no container with name or
 * ID x found: no such container"; "more than one result for ID or name
 * x: container already exists"). */
int container_lookup(Engine *e, const char *name, Container **ret, Error **err);

/* Every container, by ID. */
int container_list(Engine *e, Container ***ret, size_t *ret_n, Error **err);
/* The containers of pod pod_id, by ID (records as stored, not synced). */
int container_list_in_pod(Engine *e, const char *pod_id, Container ***ret, size_t *ret_n,
                          Error **err);
/* Whether c is the infra container of its pod. */
bool container_is_infra(const Container *c);

/* The containers that joined id's namespaces, their IDs joined by ","
 * (dependents.c), those of pod except_pod_id (may be NULL) left out;
 * *ret NULL when none. */
int container_dependents(Engine *e, const char *id, const char *except_pod_id, char **ret,
                         Error **err);

/* A new random container ID (64 hex; the first 12 never all digits). */
void container_id_generate(char id[CONTAINER_ID_SIZE]);

/* Brings c in line with the runtime: an exited process is recorded (exit
 * code, time) and what the start set up is torn down. Saves changes. c is
 * read again first (a stale record could mistake a restarted container's
 * new run for the old one's end), under the container's lock unless it is
 * held already (by the caller, or by whoever is changing the container). */
int container_sync(Engine *e, Container *c, Error **err);

/* Creates a container from a normalised io.podman Create (the image is
 * pulled when missing); state configured. */
int container_create(Engine *e, json_t *create, char **ret_id, Error **err);

/* A pod a new container joins (the pod module fills it in). */
typedef struct ContainerPodJoin {
        const char *pod_id;
        const char *cgroup;   /* the pod's cgroup: the container's is "<cgroup>/<id>" */
        bool is_infra;        /* the pod's infra container itself */
        const char *infra_id; /* the infra container members join; NULL for none */
        unsigned shares;      /* 1u << SpecNamespace per namespace shared with it */
} ContainerPodJoin;

/* container_create for a container in a pod. Members join the infra
 * container's shared namespaces at every start; an infra container that
 * is not running at creation is started with the member. */
int container_create_in_pod(Engine *e, json_t *create, const ContainerPodJoin *pod, char **ret_id,
                            Error **err);

/* A name for a new container or pod (kind says which, for messages):
 * wanted after podman's loose check, unless a container or pod has it;
 * a random adjective_surname when wanted is NULL or empty. New string. */
int container_name_choose(Engine *e, const char *wanted, const char *kind, char **ret, Error **err);

/* Called between the runtime's create and start, e.g. to attach before
 * the process writes anything. */
typedef struct RuntimeHooks {
        void (*after_create)(void *userdata, const Container *c);
        void *userdata;
} RuntimeHooks;

/* Brings the container to running (a created one is only started). With
 * hooks, the start is an attached one: a stdin the container has closes
 * when the attach client hangs up. */
int container_start(Engine *e, Container *c, const RuntimeHooks *hooks, Error **err);
/* Creates a configured, stopped or exited container in the runtime
 * without starting it (state created): conmon runs and its attach socket
 * listens, while the runtime holds the process before its exec until
 * container_start. An attach client that connects in between misses none
 * of the output, even remotely (GetAttachSockets does this). A stdin the
 * container has closes when that client hangs up. Other states: nothing. */
int container_init(Engine *e, Container *c, Error **err);

/* Root causes podman ends a failed exec of the container's command with
 * (the start's error message ends with one); its CLI exits 127 and 126. */
#define CONTAINER_EXEC_NOT_FOUND "OCI runtime attempted to invoke a command that was not found"
#define CONTAINER_EXEC_DENIED "OCI permission denied"
/* Stop signal, then SIGKILL after timeout_s (<0: the container's own). */
int container_stop(Engine *e, Container *c, int timeout_s, Error **err);
int container_kill(Engine *e, Container *c, int sig, Error **err);
int container_pause(Engine *e, Container *c, Error **err);
int container_unpause(Engine *e, Container *c, Error **err);
/* Blocks until the container is not running; its exit code. */
int container_wait(Engine *e, Container *c, int *ret_code, Error **err);
/* Removes a container (force: stopping it first) and its storage. The
 * infra container of a pod is refused: it goes with its pod. */
int container_remove(Engine *e, Container *c, bool force, Error **err);
/* container_remove that takes infra containers too (pod removal). */
int container_remove_pod_member(Engine *e, Container *c, bool force, Error **err);
/* After the process ended: record and tear down (conmon's exit command). */
int container_cleanup(Engine *e, const char *name, Error **err);

/* The OCI runtime containers run with, and why when it is not the one
 * configured (crun unusable on this host, say). Strings borrowed from
 * the engine; fallback_reason and the conmon fields may be NULL. */
typedef struct ContainerRuntimeInfo {
        const char *name;
        const char *path;
        const char *version;
        const char *fallback_reason;
        const char *conmon_path;
        const char *conmon_version;
} ContainerRuntimeInfo;
int container_runtime_info(Engine *e, ContainerRuntimeInfo *ret, Error **err);

/* The k8s-file log path of a container. New string. */
char *container_log_path(const Engine *e, const Container *c);
