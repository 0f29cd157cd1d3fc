/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What a container looks like from outside: the JSON documents of
 * semantics 3.3 (inspect, config, state, the create-config artifact) in
 * inspect.c, and what it is using right now (resource counters, its
 * processes) in stats.c. Callers bring the container in line with the
 * runtime (container_sync) first; nothing here changes a container. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "container.h"
#include "error.h"

/* ---- documents (inspect.c) ---------------------------------------------- */

/* The container inspect document: ID, Created, Path, Args, State, Image,
 * ... NetworkSettings, ExitCommand, Namespace, IsInfra, with sizes
 * (SizeRw, SizeRootFs) computed. With with_config (InspectContainer) the
 * HostConfig and Config objects follow; without (ContainerInspectData)
 * the document ends at IsInfra. Path is the first process argument and
 * Args the rest. Mounts and the process details come from the OCI config
 * written at the last start, or one generated now for a container never
 * started. New object in *ret. */
int container_inspect_document(Engine *e, Container *c, bool with_config, json_t **ret,
                               Error **err) _must_check_;

/* The container config document (libpod's static configuration): spec
 * (the OCI config as above), id, name, ..., pause, systemd, keys in
 * semantics 3.3's order, omit-empty keys left out when empty. New object
 * in *ret. */
int container_inspect_config(Engine *e, Container *c, json_t **ret, Error **err) _must_check_;

/* The container state document: state as the integer code, times,
 * exit, pid, mount point, CNI results, bind-mounted /etc files. Never
 * fails. New object. */
json_t *container_inspect_state(Engine *e, const Container *c);

/* The raw bytes of a container artifact. The only one is "create-config":
 * the creation request as libpod's CreateConfig structure (Go field
 * names: Runtime, Annotations, Args, CapAdd, ..., Resources{...}, ...,
 * Syslog), compact JSON, rebuilt from what the container record keeps.
 * ERR_NOT_FOUND for any other name. New buffer in *ret (NUL-terminated
 * for convenience), its length in *ret_len. */
int container_inspect_artifact(Engine *e, const Container *c, const char *name, char **ret,
                               size_t *ret_len, Error **err) _must_check_;

/* ---- resource use and processes (stats.c) ------------------------------- */

/* How long container_stats_read watches the CPU counters. */
#define CONTAINER_STATS_INTERVAL_MS 100

typedef struct ContainerStats {
        /* CPU time used over the sampling interval as a percentage of one
         * CPU (docker's and podman's scale: 200 = two CPUs busy). */
        double cpu_percent;
        uint64_t cpu_ns;        /* total CPU time of the cgroup */
        uint64_t cpu_kernel_ns; /* of which in kernel mode */
        uint64_t mem_usage;     /* bytes, page cache excluded */
        uint64_t mem_limit;     /* bytes, never above the host's memory */
        double mem_percent;     /* mem_usage / mem_limit * 100 */
        uint64_t net_input;     /* bytes received by the container's interfaces (lo excluded) */
        uint64_t net_output;    /* bytes sent by them */
        uint64_t block_input;   /* bytes read from block devices */
        uint64_t block_output;  /* bytes written to them */
        uint64_t pids;          /* tasks in the cgroup */
} ContainerStats;

/* Samples c's cgroup twice, CONTAINER_STATS_INTERVAL_MS apart (the CPU
 * percentage is the difference), and its network namespace when it has
 * one of its own (0 otherwise: host networking or another container's
 * namespace are not the container's traffic alone).
 * ERR_NO_CONTAINER_RUNNING unless c is running (paused included). */
int container_stats_read(Engine *e, const Container *c, ContainerStats *ret,
                         Error **err) _must_check_;

/* The default psgo descriptors: user, pid, ppid, pcpu, etime, tty, time,
 * comm. */
extern const char *const container_stats_ps_default[];
extern const size_t container_stats_ps_default_n;

/* The processes of running container c as psgo renders them: a header
 * line, then one line per process, columns joined by single TABs, PIDs as
 * the container sees them. descriptors are ps names or AIX codes ("user",
 * "%C", "args", ...); n == 0 means the default list. ERR_BAD_STATE
 * ("container ID is not running") unless c is running; ERR_INVALID_ARGUMENT
 * ("'x': unknown descriptor"). New NULL-terminated array of new strings in
 * *ret_lines, count in *ret_n. */
int container_stats_processes(Engine *e, const Container *c, const char *const *descriptors,
                              size_t n, char ***ret_lines, size_t *ret_n, Error **err) _must_check_;
