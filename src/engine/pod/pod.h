/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Pods (semantics 2.1 and 2.6): groups of containers that share kernel
 * namespaces of an infra container and one cgroup. A pod's record holds
 * its configuration; its status is derived from its members' states.
 * Pod IDs and names live in one registry with containers': a name is
 * unique across both, and a lookup of one kind never resolves to the
 * other. Operations on a pod hold the pod's lock, then each member's. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "container-inspect.h"
#include "container.h"
#include "engine.h"
#include "error.h"

#define POD_ID_SIZE CONTAINER_ID_SIZE

/* The image infra containers run: catatonit in pause mode, made locally
 * on first use (there is no registry to pull a pause image from). */
#define POD_INFRA_IMAGE "localhost/varpod-pause:latest"
#define POD_INFRA_CATATONIT "/usr/libexec/podman/catatonit"

/* The cgroup pods are made under by default: the parent the engine's
 * containers use, so one tree holds everything varpod runs. */
#define POD_CGROUP_PARENT_DEFAULT "/varpod"

/* A published port of the infra container (CreatePod `publish`). */
typedef struct PodPort {
        char host_ip[46]; /* "" for every address */
        uint16_t host_port;
        uint16_t container_port;
        char protocol[5]; /* "tcp", "udp" or "sctp" */
} PodPort;

typedef struct Pod {
        char id[POD_ID_SIZE];
        char *name;
        int64_t created; /* Unix ns */
        char *cgroup_parent;
        json_t *labels;  /* string map, never NULL */
        unsigned shares; /* 1u << SpecNamespace per shared namespace */
        bool infra;      /* the pod has (or is to have) an infra container */
        char *infra_id;  /* NULL until the infra container exists */
        PodPort *ports;  /* published through the infra container */
        size_t n_ports;
} Pod;

Pod *pod_free(Pod *p);
DEFINE_CLEANUP(Pod, pod_free)
void pod_list_free(Pod **list, size_t n);

/* The pod's own cgroup: "<cgroup_parent>/<id>". New string. */
char *pod_cgroup_path(const Pod *p);

/* ---- parsing (pod-parse.c): pure, no engine ---------------------------- */

/* CreatePod `share` entries to namespace bits: "net", "pid", "ipc",
 * "uts" and "cgroup"; "" is skipped; "none" discards everything (also
 * what came before) and stops. ERR_INVALID_ARGUMENT for anything else,
 * "mnt" and "user" included (podman cannot share them either). */
int pod_share_parse(const char *const *entries, size_t n, unsigned *ret, Error **err);
/* The shares as CreatePod spells them ("cgroup,ipc,net,uts"). New string. */
char *pod_share_format(unsigned shares);

/* One `publish` entry, [ip:][hostPort:]containerPort[/proto]; the host
 * port defaults to the container port. ERR_INVALID_ARGUMENT otherwise. */
int pod_port_parse(const char *text, PodPort *ret, Error **err);

/* The status word of a pod whose members are in these states (semantics
 * 2.1, rules in order): "Created", "Running", "Paused", "Exited",
 * "Stopped", "Error". */
const char *pod_status_derive(const ContainerState *states, size_t n);

/* ---- lookup and listing (pod.c) ---------------------------------------- */

/* The pod lookup L_P: full ID, exact name or unique ID prefix over the
 * registry shared with containers. ERR_POD_NOT_FOUND ("no pod with name
 * or ID x found: no such pod", "more than one result for ID or name x:
 * pod already exists", "name or ID cannot be empty"). */
int pod_lookup(Engine *e, const char *name, Pod **ret, Error **err);

/* Every pod, by ID. */
int pod_list(Engine *e, Pod ***ret, size_t *ret_n, Error **err);

/* The pod's containers by ID (the infra container among them), each
 * brought in line with the runtime. */
int pod_members(Engine *e, const Pod *p, Container ***ret, size_t *ret_n, Error **err);

/* The status of a pod from its members (as pod_members returns them). */
const char *pod_status(Container *const *members, size_t n);

/* ---- creation (pod-create.c) ------------------------------------------- */

/* Creates a pod from a CreatePod `create` object (semantics 2.6 #42, its
 * checks in order) and, with infra, its infra container, started. A
 * failure removes what was made. *ret_id: the full pod ID. */
int pod_create(Engine *e, json_t *create, char **ret_id, Error **err);

/* CreateContainer: with a `pod`, the container joins it (the pod's shared
 * namespaces through its infra container, its cgroup); failures read
 * "unable to add container to pod X: ...". Without, container_create. */
int pod_container_create(Engine *e, json_t *create, char **ret_id, Error **err);

/* Makes POD_INFRA_IMAGE when it is missing (pod-infra-image.c). */
int pod_infra_image_ensure(Engine *e, Error **err);

/* ---- operations (pod-ops.c) -------------------------------------------- */

/* What went wrong with single members of a pod operation: full container
 * IDs and messages, by ID. */
typedef struct PodContainerError {
        char id[CONTAINER_ID_SIZE];
        char *message;
} PodContainerError;

typedef struct PodErrors {
        PodContainerError *items;
        size_t n;
} PodErrors;

void pod_errors_clear(PodErrors *errs);

/* Each operation returns -1 with *err for a failure of the whole (no
 * member was acted on, or the pod could not be read), else 0 with the
 * members that failed in *ret_errs (n == 0: all went well).
 *
 * Start: the infra container first, then the others; running ones are
 * left alone; when the infra fails, the others fail as its dependents.
 * ERR_NO_CONTAINERS_IN_POD for an empty pod. */
int pod_start(Engine *e, Pod *p, PodErrors *ret_errs, Error **err);
/* Stops running (and paused) members, the infra container last:
 * timeout_s >= 0 seconds before SIGKILL (0: at once), < 0 each
 * container's own stop timeout. An empty pod succeeds. */
int pod_stop(Engine *e, Pod *p, int timeout_s, PodErrors *ret_errs, Error **err);
/* Stops the running members (own timeouts), then starts every member
 * that is not paused, the infra container first. Paused members stay.
 * ERR_NO_CONTAINERS_IN_POD for an empty pod. */
int pod_restart(Engine *e, Pod *p, PodErrors *ret_errs, Error **err);
/* sig to every running member. */
int pod_kill(Engine *e, Pod *p, int sig, PodErrors *ret_errs, Error **err);
/* Pauses running members / unpauses paused ones. */
int pod_pause(Engine *e, Pod *p, PodErrors *ret_errs, Error **err);
int pod_unpause(Engine *e, Pod *p, PodErrors *ret_errs, Error **err);

/* Removes the pod and (force) its containers, stopped first with their
 * own timeouts. Without force a pod with containers other than its infra
 * container is refused; a paused member is refused even with force.
 * Every failure is one error. */
int pod_remove(Engine *e, Pod *p, bool force, Error **err);

/* Resource use of each running member (ContainerStats order: by ID).
 * ERR_NO_CONTAINER_RUNNING when none runs. New arrays. */
int pod_stats(Engine *e, Pod *p, Container ***ret_members, ContainerStats **ret_stats,
              size_t *ret_n, Error **err);

/* ---- inspection (pod-inspect.c) ---------------------------------------- */

/* The pod inspect document of semantics 3.3 (Config, State, Containers)
 * from the pod and its members. New object. */
json_t *pod_inspect_document(const Pod *p, Container *const *members, size_t n);
