/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod stats [--no-stream] [--format json] [CONTAINER...]`: resource
 * use of the named containers, or of every running one, refreshed each
 * second until interrupted (GetContainerStats per container). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json-util.h"
#include "xalloc.h"

typedef struct StatsOptions {
        bool no_stream;
        bool json;
        char **names; /* argv slice; NULL: every running container */
        int n_names;
} StatsOptions;

/* The names to sample this round: the given ones, or the running
 * containers now (they come and go between rounds). */
static json_t *stats_targets(CliSession *s, const StatsOptions *o) {
        json_t *names = json_array();
        for (int i = 0; i < o->n_names; i++)
                json_array_append_new(names, json_string(o->names[i]));
        if (o->n_names > 0)
                return names;
        _cleanup_json_ json_t *reply = NULL;
        if (cli_call(s, "io.podman.ListContainers", NULL, &reply) < 0) {
                json_decref(names);
                return NULL;
        }
        size_t i;
        json_t *ctr;
        json_array_foreach (json_object_get(reply, "containers"), i, ctr)
                if (json_is_true(json_object_get(ctr, "containerrunning")))
                        json_array_append(names, json_object_get(ctr, "id"));
        return names;
}

/* One sample per target. A container that stopped since the listing is
 * skipped quietly; for a named one it is an error, as in podman. */
static json_t *stats_sample(CliSession *s, const StatsOptions *o, json_t *targets) {
        json_t *out = json_array();
        size_t i;
        json_t *name;
        json_array_foreach (targets, i, name) {
                _cleanup_json_ json_t *params = json_pack("{s:O}", "name", name);
                _cleanup_json_ json_t *reply = NULL;
                _cleanup_free_ char *error = NULL;
                _cleanup_error_ Error *e = NULL;
                if (vl_client_call_simple(s->client, "io.podman.GetContainerStats", params, &reply,
                                          &error, &e) < 0) {
                        cli_error("%s", e->message);
                        goto fail;
                }
                if (!error) {
                        json_array_append(out, json_object_get(reply, "container"));
                        continue;
                }
                if (o->n_names == 0 && STREQ(error, "io.podman.NoContainerRunning"))
                        continue;
                if (STREQ(error, "io.podman.NoContainerRunning"))
                        cli_error("container %s is not running", json_string_value(name));
                else if (STREQ(error, "io.podman.ContainerNotFound"))
                        cli_error("no container with name or ID \"%s\" found",
                                  json_string_value(name));
                else
                        cli_error("%s", json_string_value(json_object_get(reply, "reason")));
                goto fail;
        }
        return out;
fail:
        json_decref(out);
        return NULL;
}

static void stats_table_print(json_t *samples) {
        printf("%-12s   %-20s   %-8s   %-22s   %-8s   %-22s   %-22s   %s\n", "ID", "NAME", "CPU %",
               "MEM USAGE / LIMIT", "MEM %", "NET IO", "BLOCK IO", "PIDS");
        size_t i;
        json_t *st;
        json_array_foreach (samples, i, st) {
                char cpu[32], mem[80], memp[32], net[80], blk[80];
                snprintf(cpu, sizeof cpu, "%.2f%%", json_number_value(json_object_get(st, "cpu")));
                cli_size_pair_format(st, "mem_usage", "mem_limit", mem, sizeof mem);
                snprintf(memp, sizeof memp, "%.2f%%",
                         json_number_value(json_object_get(st, "mem_perc")));
                cli_size_pair_format(st, "net_input", "net_output", net, sizeof net);
                cli_size_pair_format(st, "block_input", "block_output", blk, sizeof blk);
                printf("%-12.12s   %-20s   %-8s   %-22s   %-8s   %-22s   %-22s   %lld\n",
                       json_string_value(json_object_get(st, "id")),
                       json_string_value(json_object_get(st, "name")), cpu, mem, memp, net, blk,
                       (long long)json_integer_value(json_object_get(st, "pids")));
        }
}

/* Rounds until interrupted (or one with --no-stream); each round takes
 * about as long as the samples do, so sleep the rest of a second. */
static int stats_run(CliSession *s, const StatsOptions *o) {
        for (;;) {
                struct timespec start, end;
                clock_gettime(CLOCK_MONOTONIC, &start);
                _cleanup_json_ json_t *targets = stats_targets(s, o);
                _cleanup_json_ json_t *samples = targets ? stats_sample(s, o, targets) : NULL;
                if (!samples)
                        return CLI_EXIT_ERROR;
                if (!o->no_stream && !o->json)
                        printf("\033[2J\033[H"); /* redraw in place, as podman does */
                if (o->json)
                        cli_json_print(samples);
                else
                        stats_table_print(samples);
                fflush(stdout);
                if (o->no_stream)
                        return 0;
                clock_gettime(CLOCK_MONOTONIC, &end);
                long used_ms = (end.tv_sec - start.tv_sec) * 1000 +
                               (end.tv_nsec - start.tv_nsec) / 1000000;
                if (used_ms < 1000) {
                        struct timespec rest = { 0, (1000 - used_ms) * 1000000L };
                        nanosleep(&rest, NULL);
                }
        }
}

int cmd_stats(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "no-stream", no_argument, NULL, 'n' },
                { "format", required_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        StatsOptions o = { 0 };
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
                switch (c) {
                case 'n':
                        o.no_stream = true;
                        break;
                case 'f':
                        if (!STREQ(optarg, "json")) {
                                cli_error("stats --format `%s` is not supported (json)", optarg);
                                return CLI_EXIT_ERROR;
                        }
                        o.json = true;
                        break;
                case 'h':
                        printf("usage: varpod stats [--no-stream] [--format json] "
                               "[CONTAINER...]\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        o.names = argv + optind;
        o.n_names = argc - optind;
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        int r = stats_run(&s, &o);
        cli_session_close(&s);
        return r;
}
