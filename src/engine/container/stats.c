/* SPDX-License-Identifier: Apache-2.0 */
/* What a running container uses (GetContainerStats, `varpod stats`) and
 * which processes it has (ListContainerProcesses, `varpod top`). The
 * numbers come from its cgroup (/varpod/ID under each controller) and its
 * network namespace; the processes from the cgroup's member list read
 * through /proc. */
#include <errno.h>
#include <time.h>

#include "container-inspect.h"
#include "container-private.h"
#include "xalloc.h"

const char *const container_stats_ps_default[] = {
        "user", "pid", "ppid", "pcpu", "etime", "tty", "time", "comm",
};
const size_t container_stats_ps_default_n = ELEMENTSOF(container_stats_ps_default);

static const char *stats_cgroups_path(const Container *c) {
        return json_string_value(json_object_get(c->resolved, "cgroups_path"));
}

static void stats_sleep_ms(long ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* Percent of one CPU between two samples. The wall clock of the samples
 * is the denominator rather than the host's /proc/stat total (docker's
 * formula): over 100 ms that total moves in 10 ms ticks per CPU, far too
 * coarse, while both give the same scale. */
static double stats_cpu_percent(const RuntimeStats *a, const RuntimeStats *b) {
        if (b->read_ns <= a->read_ns || b->cpu_ns <= a->cpu_ns)
                return 0.0;
        return (double)(b->cpu_ns - a->cpu_ns) / (double)(b->read_ns - a->read_ns) * 100.0;
}

/* The container's traffic, counted inside its own namespace. */
static int stats_network_read(const Container *c, ContainerStats *s, Error **err) {
        if (!c->netns)
                return 0;
        NetStats n;
        if (netstats_read(c->netns, &n, err) < 0)
                return -1;
        s->net_input = n.rx_bytes;
        s->net_output = n.tx_bytes;
        return 0;
}

int container_stats_read(Engine *e, const Container *c, ContainerStats *ret, Error **err) {
        if (c->state != CONTAINER_STATE_RUNNING)
                return err_set(err, ERR_NO_CONTAINER_RUNNING, 0, "container %s is not running",
                               c->id);
        const char *cg = stats_cgroups_path(c);
        RuntimeStats first, second;
        /* pid 0: runtime's own network reading is skipped; the namespace
         * is read below, where a container without one counts nothing. */
        if (runtime_cgroup_stats_read(cg, 0, &first, err) < 0)
                return err_wrap(err, "container %s", c->id);
        stats_sleep_ms(CONTAINER_STATS_INTERVAL_MS);
        if (runtime_cgroup_stats_read(cg, 0, &second, err) < 0)
                return err_wrap(err, "container %s", c->id);
        ContainerStats s = {
                .cpu_percent = stats_cpu_percent(&first, &second),
                .cpu_ns = second.cpu_ns,
                .cpu_kernel_ns = second.cpu_kernel_ns,
                .mem_usage = second.mem_usage,
                .mem_limit = second.mem_limit,
                .mem_percent = second.mem_limit
                                       ? (double)second.mem_usage / (double)second.mem_limit * 100.0
                                       : 0.0,
                .block_input = second.blk_read,
                .block_output = second.blk_write,
                .pids = second.pids,
        };
        if (stats_network_read(c, &s, err) < 0)
                return err_wrap(err, "container %s", c->id);
        *ret = s;
        return 0;
}

int container_stats_processes(Engine *e, const Container *c, const char *const *descriptors,
                              size_t n, char ***ret_lines, size_t *ret_n, Error **err) {
        if (c->state != CONTAINER_STATE_RUNNING)
                return err_set(err, ERR_BAD_STATE, 0, "container %s is not running", c->id);
        if (n == 0) {
                descriptors = container_stats_ps_default;
                n = container_stats_ps_default_n;
        }
        _cleanup_(runtime_ps_format_freep) RuntimePsFormat *format = NULL;
        if (runtime_ps_format_from_descriptors(descriptors, n, &format, err) < 0)
                return -1;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n_pids = 0;
        if (runtime_cgroup_pids_read(stats_cgroups_path(c), &pids, &n_pids, err) < 0)
                return err_wrap(err, "container %s", c->id);
        return runtime_ps_lines(format, pids, n_pids, ret_lines, ret_n, err);
}
