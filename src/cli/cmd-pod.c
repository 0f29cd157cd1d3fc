/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod pod SUBCOMMAND`: create, ps, inspect, start, stop, restart,
 * kill, pause, unpause, rm, stats and exists, in podman's spelling, each
 * through the io.podman pod methods. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "json-util.h"
#include "xalloc.h"

/* podman 4's default shares when an infra container is made. */
#define POD_SHARE_DEFAULT "cgroup,ipc,net,uts"

static bool bool_parse(const char *s, bool *ret) {
        if (!s || STREQ(s, "true") || STREQ(s, "1")) {
                *ret = true;
                return true;
        }
        if (STREQ(s, "false") || STREQ(s, "0")) {
                *ret = false;
                return true;
        }
        return false;
}

static void comma_list_append(json_t *list, const char *text) {
        _cleanup_free_ char *copy = xstrdup(text);
        char *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
                json_array_append_new(list, json_string(tok));
}

static int pod_create_cmd(CliGlobals *g, int argc, char **argv) {
        enum { OPT_INFRA = 256, OPT_SHARE, OPT_CGROUP_PARENT, OPT_INFRA_IMAGE, OPT_INFRA_COMMAND };
        static const struct option options[] = {
                { "name", required_argument, NULL, 'n' },
                { "infra", optional_argument, NULL, OPT_INFRA },
                { "share", required_argument, NULL, OPT_SHARE },
                { "publish", required_argument, NULL, 'p' },
                { "label", required_argument, NULL, 'l' },
                { "cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT },
                { "infra-image", required_argument, NULL, OPT_INFRA_IMAGE },
                { "infra-command", required_argument, NULL, OPT_INFRA_COMMAND },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        _cleanup_json_ json_t *create = json_object();
        _cleanup_json_ json_t *publish = json_array();
        _cleanup_json_ json_t *labels = json_object();
        _cleanup_json_ json_t *share = NULL;
        bool infra = true;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "n:p:l:h", options, NULL)) != -1) {
                switch (c) {
                case 'n':
                        json_object_set_new(create, "name", json_string(optarg));
                        break;
                case OPT_INFRA:
                        if (!bool_parse(optarg, &infra)) {
                                cli_error("--infra `%s`: expected true or false", optarg);
                                return CLI_EXIT_ERROR;
                        }
                        break;
                case OPT_SHARE:
                        if (!share)
                                share = json_array();
                        comma_list_append(share, optarg);
                        break;
                case 'p':
                        json_array_append_new(publish, json_string(optarg));
                        break;
                case 'l': {
                        const char *eq = strchr(optarg, '=');
                        _cleanup_free_ char *key =
                                eq ? xstrndup(optarg, (size_t)(eq - optarg)) : xstrdup(optarg);
                        json_object_set_new(labels, key, json_string(eq ? eq + 1 : ""));
                        break;
                }
                case OPT_CGROUP_PARENT:
                        json_object_set_new(create, "cgroupParent", json_string(optarg));
                        break;
                case OPT_INFRA_IMAGE:
                        json_object_set_new(create, "infraImage", json_string(optarg));
                        break;
                case OPT_INFRA_COMMAND:
                        json_object_set_new(create, "infraCommand", json_string(optarg));
                        break;
                case 'h':
                        printf("usage: varpod pod create [--name NAME] [--infra=true|false] "
                               "[--share NS,...] [-p PORT] [-l KEY=VALUE] [--cgroup-parent "
                               "PATH]\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (optind < argc) {
                cli_error("pod create takes no arguments");
                return CLI_EXIT_ERROR;
        }
        if (!share) {
                share = json_array();
                if (infra)
                        comma_list_append(share, POD_SHARE_DEFAULT);
        }
        json_object_set_new(create, "infra", json_boolean(infra));
        json_object_set(create, "share", share);
        json_object_set(create, "publish", publish);
        json_object_set(create, "labels", labels);
        _cleanup_json_ json_t *params = json_pack("{s:O}", "create", create);
        _cleanup_json_ json_t *reply = NULL;
        if (cli_call_once(g, "io.podman.CreatePod", params, &reply) < 0)
                return CLI_EXIT_ERROR;
        printf("%s\n", json_string_value(json_object_get(reply, "pod")));
        return 0;
}

/* The infra container of a listed pod: the member named "<id12>-infra". */
static const char *pod_infra_id(json_t *pod) {
        const char *id = json_string_value(json_object_get(pod, "id"));
        char name[32];
        snprintf(name, sizeof name, "%.12s-infra", id ? id : "");
        size_t i;
        json_t *ctr;
        json_array_foreach (json_object_get(pod, "containersinfo"), i, ctr) {
                const char *n = json_string_value(json_object_get(ctr, "name"));
                if (n && STREQ(n, name))
                        return json_string_value(json_object_get(ctr, "id"));
        }
        return "";
}

static int pod_ps_cmd(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "format", required_argument, NULL, 'f' },
                { "quiet", no_argument, NULL, 'q' },
                { "no-trunc", no_argument, NULL, 'T' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        bool json = false, quiet = false, no_trunc = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        if (!STREQ(optarg, "json")) {
                                cli_error("--format `%s`: only json is supported", optarg);
                                return CLI_EXIT_ERROR;
                        }
                        json = true;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'T':
                        no_trunc = true;
                        break;
                case 'h':
                        printf("usage: varpod pod ps [-q] [--no-trunc] [--format json]\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        _cleanup_json_ json_t *reply = NULL;
        if (cli_call_once(g, "io.podman.ListPods", NULL, &reply) < 0)
                return CLI_EXIT_ERROR;
        json_t *pods = json_object_get(reply, "pods");
        if (json) {
                cli_json_print(json_is_array(pods) ? pods : json_array());
                return 0;
        }
        if (!quiet)
                printf("%-14s %-20s %-9s %-16s %-14s %s\n", "POD ID", "NAME", "STATUS", "CREATED",
                       "INFRA ID", "# OF CONTAINERS");
        size_t i;
        json_t *pod;
        json_array_foreach (pods, i, pod) {
                const char *id = json_string_value(json_object_get(pod, "id"));
                int width = no_trunc ? 64 : 12;
                if (quiet) {
                        printf("%.*s\n", width, id);
                        continue;
                }
                char ago[64] = "";
                int64_t created = 0;
                if (cli_go_time_parse(json_string_value(json_object_get(pod, "createdat")),
                                      &created) == 0)
                        cli_ago_format(created, ago, sizeof ago);
                printf("%-14.*s %-20s %-9s %-16s %-14.*s %s\n", width, id,
                       json_string_value(json_object_get(pod, "name")),
                       json_string_value(json_object_get(pod, "status")), ago, width,
                       pod_infra_id(pod),
                       json_string_value(json_object_get(pod, "numberofcontainers")));
        }
        return 0;
}

static int pod_inspect_cmd(CliGlobals *g, int argc, char **argv) {
        if (argc != 2 || argv[1][0] == '-') {
                fprintf(stderr, "usage: varpod pod inspect POD\n");
                return CLI_EXIT_ERROR;
        }
        _cleanup_json_ json_t *params = json_pack("{s:s}", "name", argv[1]);
        _cleanup_json_ json_t *reply = NULL;
        if (cli_call_once(g, "io.podman.InspectPod", params, &reply) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *doc =
                json_loads(json_string_value(json_object_get(reply, "pod")) ?: "", 0, NULL);
        if (!doc) {
                cli_error("unreadable pod inspect document");
                return CLI_EXIT_ERROR;
        }
        cli_json_print(doc);
        return 0;
}

typedef enum PodOp {
        POD_START,
        POD_STOP,
        POD_RESTART,
        POD_KILL,
        POD_PAUSE,
        POD_UNPAUSE,
        POD_RM,
} PodOp;

/* The pod commands that take names: each one method per pod. */
static const struct {
        const char *command;
        const char *method;
} pod_ops[] = {
        [POD_START] = { "start", "io.podman.StartPod" },
        [POD_STOP] = { "stop", "io.podman.StopPod" },
        [POD_RESTART] = { "restart", "io.podman.RestartPod" },
        [POD_KILL] = { "kill", "io.podman.KillPod" },
        [POD_PAUSE] = { "pause", "io.podman.PausePod" },
        [POD_UNPAUSE] = { "unpause", "io.podman.UnpausePod" },
        [POD_RM] = { "rm", "io.podman.RemovePod" },
};

/* One pod's call; prints the pod's ID, as podman. */
static int pod_name_call(CliSession *s, json_t *name, const CliNamesFlags *f, int op) {
        _cleanup_json_ json_t *params = json_pack("{s:O}", "name", name);
        if (op == POD_STOP)
                json_object_set_new(params, "timeout", json_integer(f->timeout));
        else if (op == POD_KILL)
                json_object_set_new(params, "signal", json_integer(f->signal));
        else if (op == POD_RM)
                json_object_set_new(params, "force", json_boolean(f->force));
        _cleanup_json_ json_t *reply = NULL;
        if (cli_call(s, pod_ops[op].method, params, &reply) < 0)
                return CLI_EXIT_ERROR;
        printf("%s\n", json_string_value(json_object_get(reply, "pod")));
        return 0;
}

static const CliNamesKind pod_names = {
        .command = "varpod pod",
        .metavar = "POD",
        .noun = "pod",
        .optstring = "fat:s:h",
        .list_method = "io.podman.ListPods",
        .list_key = "pods",
        .call = pod_name_call,
};

/* `pod start|stop|restart|kill|pause|unpause|rm POD...`, by argv[0]. */
static int pod_names_cmd(CliGlobals *g, int argc, char **argv) {
        for (size_t op = 0; op < ELEMENTSOF(pod_ops); op++)
                if (STREQ(argv[0], pod_ops[op].command))
                        return cli_names_run(g, argc, argv, &pod_names, (int)op);
        return CLI_EXIT_ERROR; /* cmd_pod's table names no other */
}

static void stats_print(json_t *pod_id, json_t *containers) {
        size_t i;
        json_t *st;
        json_array_foreach (containers, i, st) {
                char mem[80], net[80], blk[80];
                cli_size_pair_format(st, "mem_usage", "mem_limit", mem, sizeof mem);
                cli_size_pair_format(st, "net_input", "net_output", net, sizeof net);
                cli_size_pair_format(st, "block_input", "block_output", blk, sizeof blk);
                printf("%-14.12s %-14.12s %-20s %-8.2f %-22s %-7.2f %-22s %-22s %lld\n",
                       json_string_value(pod_id), json_string_value(json_object_get(st, "id")),
                       json_string_value(json_object_get(st, "name")),
                       json_real_value(json_object_get(st, "cpu")) +
                               (double)json_integer_value(json_object_get(st, "cpu")),
                       mem,
                       json_real_value(json_object_get(st, "mem_perc")) +
                               (double)json_integer_value(json_object_get(st, "mem_perc")),
                       net, blk, (long long)json_integer_value(json_object_get(st, "pids")));
        }
}

/* One round of GetPodStats over names (pods without a running container
 * are skipped when listing every pod). */
static int stats_round(CliSession *s, json_t *names, bool all) {
        printf("%-14s %-14s %-20s %-8s %-22s %-7s %-22s %-22s %s\n", "POD", "CID", "NAME", "CPU %",
               "MEM USAGE / LIMIT", "MEM %", "NET IO", "BLOCK IO", "PIDS");
        size_t i;
        json_t *name;
        json_array_foreach (names, i, name) {
                _cleanup_json_ json_t *params = json_pack("{s:O}", "name", name);
                _cleanup_json_ json_t *reply = NULL;
                _cleanup_free_ char *error = NULL;
                _cleanup_error_ Error *e = NULL;
                if (vl_client_call_simple(s->client, "io.podman.GetPodStats", params, &reply,
                                          &error, &e) < 0) {
                        cli_error("%s", e->message);
                        return -1;
                }
                if (error && all && STREQ(error, "io.podman.NoContainerRunning"))
                        continue;
                if (error) {
                        json_decref(reply);
                        reply = NULL;
                        if (cli_call(s, "io.podman.GetPodStats", params, &reply) < 0)
                                return -1;
                }
                stats_print(json_object_get(reply, "pod"), json_object_get(reply, "containers"));
        }
        fflush(stdout);
        return 0;
}

static int pod_stats_cmd(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "no-stream", no_argument, NULL, 'n' },
                { "all", no_argument, NULL, 'a' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        bool no_stream = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "ah", options, NULL)) != -1) {
                switch (c) {
                case 'n':
                        no_stream = true;
                        break;
                case 'a':
                        break;
                case 'h':
                        printf("usage: varpod pod stats [--no-stream] [POD...]\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        bool all = optind >= argc;
        int ret = 0;
        for (;;) {
                _cleanup_json_ json_t *names = json_array();
                if (all && cli_names_all(&s, &pod_names, names) < 0) {
                        ret = CLI_EXIT_ERROR;
                        break;
                }
                for (int i = optind; i < argc; i++)
                        json_array_append_new(names, json_string(argv[i]));
                if (!no_stream)
                        printf("\033[2J\033[H");
                if (stats_round(&s, names, all) < 0) {
                        ret = CLI_EXIT_ERROR;
                        break;
                }
                if (no_stream)
                        break;
                sleep(1);
        }
        cli_session_close(&s);
        return ret;
}

/* `pod exists POD`: 0 when it exists, 1 when not (GetPod). */
static int pod_exists_cmd(CliGlobals *g, int argc, char **argv) {
        if (argc != 2) {
                fprintf(stderr, "usage: varpod pod exists POD\n");
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *params = json_pack("{s:s}", "name", argv[1]);
        _cleanup_json_ json_t *reply = NULL;
        _cleanup_free_ char *error = NULL;
        _cleanup_error_ Error *e = NULL;
        int r = vl_client_call_simple(s.client, "io.podman.GetPod", params, &reply, &error, &e);
        cli_session_close(&s);
        if (r < 0) {
                cli_error("%s", e->message);
                return CLI_EXIT_ERROR;
        }
        if (!error)
                return 0;
        if (STREQ(error, "io.podman.PodNotFound"))
                return 1;
        const char *reason = json_string_value(json_object_get(reply, "reason"));
        cli_error("%s", reason ? reason : error);
        return CLI_EXIT_ERROR;
}

int cmd_pod(CliGlobals *g, int argc, char **argv) {
        static const CliCommand subcommands[] = {
                { "create", "create a pod", pod_create_cmd },
                { "ps", "list pods", pod_ps_cmd },
                { "ls", "list pods", pod_ps_cmd },
                { "list", "list pods", pod_ps_cmd },
                { "inspect", "show the configuration and state of a pod", pod_inspect_cmd },
                { "start", "start pods", pod_names_cmd },
                { "stop", "stop pods", pod_names_cmd },
                { "restart", "restart pods", pod_names_cmd },
                { "kill", "signal the containers of pods", pod_names_cmd },
                { "pause", "pause pods", pod_names_cmd },
                { "unpause", "unpause pods", pod_names_cmd },
                { "rm", "remove pods", pod_names_cmd },
                { "stats", "show the resource use of pods", pod_stats_cmd },
                { "exists", "tell whether a pod exists", pod_exists_cmd },
                { NULL, NULL, NULL },
        };
        return cli_subcommand_run(g, subcommands, "pod", argc, argv);
}
