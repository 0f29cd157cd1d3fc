/* SPDX-License-Identifier: Apache-2.0 */
/* The container commands that take names and call one io.podman method
 * each (start, stop, rm, kill, wait, pause, unpause, restart), `start -a`
 * (attached, as run), `ps`, `logs`, and `container SUBCOMMAND` (cleanup,
 * exists and aliases). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "container.h"
#include "json-util.h"
#include "xalloc.h"

typedef enum NamesOp {
        OP_START,
        OP_STOP,
        OP_RESTART,
        OP_RM,
        OP_KILL,
        OP_WAIT,
        OP_PAUSE,
        OP_UNPAUSE,
} NamesOp;

/* One container's call of a names command; prints what podman prints. */
static int container_name_call(CliSession *s, json_t *name, const CliNamesFlags *f, int op) {
        const char *method = NULL;
        _cleanup_json_ json_t *params = json_pack("{s:O}", "name", name);
        switch ((NamesOp)op) {
        case OP_START:
                method = "io.podman.StartContainer";
                break;
        case OP_STOP:
        case OP_RESTART:
                method = op == OP_STOP ? "io.podman.StopContainer" : "io.podman.RestartContainer";
                json_object_set_new(params, "timeout",
                                    json_integer(f->timeout >= 0 ? f->timeout : 10));
                break;
        case OP_RM:
                method = "io.podman.RemoveContainer";
                json_object_set_new(params, "force", json_boolean(f->force));
                break;
        case OP_KILL:
                method = "io.podman.KillContainer";
                json_object_set_new(params, "signal", json_integer(f->signal));
                break;
        case OP_WAIT:
                method = "io.podman.WaitContainer";
                break;
        case OP_PAUSE:
                method = "io.podman.PauseContainer";
                break;
        case OP_UNPAUSE:
                method = "io.podman.UnpauseContainer";
                break;
        }
        _cleanup_json_ json_t *reply = NULL;
        if (cli_call(s, method, params, &reply) < 0)
                return op == OP_RM ? 1 : CLI_EXIT_ERROR;
        if (op == OP_WAIT)
                printf("%lld\n", (long long)json_integer_value(json_object_get(reply, "exitcode")));
        else
                printf("%s\n", json_string_value(json_object_get(reply, "container")));
        return 0;
}

static const CliNamesKind container_names = {
        .command = "varpod",
        .metavar = "CONTAINER",
        .noun = "container",
        .optstring = "+fat:s:h",
        .attach = true,
        .list_method = "io.podman.ListContainers",
        .list_key = "containers",
        .call = container_name_call,
};

static int names_command(CliGlobals *g, int argc, char **argv, NamesOp op) {
        return cli_names_run(g, argc, argv, &container_names, op);
}

/* Whether a container has a terminal and keeps stdin open: from the
 * engine in-process, from InspectContainer remotely. Both false when
 * neither can tell. */
static void container_stdio_get(CliSession *s, const char *name, bool *ret_tty, bool *ret_stdin) {
        *ret_tty = *ret_stdin = false;
        if (s->engine) {
                _cleanup_(container_freep) Container *c = NULL;
                _cleanup_error_ Error *e = NULL;
                if (container_lookup(s->engine, name, &c, &e) == 0) {
                        *ret_tty = json_is_true(json_object_get(c->resolved, "tty"));
                        *ret_stdin = json_is_true(json_object_get(c->resolved, "stdin_open"));
                }
                return;
        }
        _cleanup_json_ json_t *params = json_pack("{s:s}", "name", name);
        _cleanup_json_ json_t *reply = NULL;
        _cleanup_free_ char *error = NULL;
        _cleanup_error_ Error *e = NULL;
        if (vl_client_call_simple(s->client, "io.podman.InspectContainer", params, &reply, &error,
                                  &e) < 0 ||
            error)
                return;
        _cleanup_json_ json_t *doc =
                json_loads(json_string_value(json_object_get(reply, "container")) ?: "", 0, NULL);
        json_t *config = json_object_get(doc, "Config");
        *ret_tty = json_is_true(json_object_get(config, "Tty"));
        *ret_stdin = json_is_true(json_object_get(config, "OpenStdin"));
}

/* `start -a [-i] CONTAINER`: started attached to its output (and with -i
 * our stdin to its), exit code the container's, as `run` in the
 * foreground. -i implies -a, as in docker. */
int cmd_start(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "attach", no_argument, NULL, 'a' },
                { "interactive", no_argument, NULL, 'i' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        bool attach = false, interactive = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+aih", options, NULL)) != -1) {
                switch (c) {
                case 'a':
                        attach = true;
                        break;
                case 'i':
                        interactive = attach = true;
                        break;
                case 'h':
                        printf("usage: varpod start [-a] [-i] CONTAINER...\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (!attach)
                return names_command(g, argc, argv, OP_START);
        if (optind + 1 != argc) {
                cli_error("start --attach takes exactly one container");
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        /* By full ID from here on: the steps must all mean the same one. */
        _cleanup_json_ json_t *params = json_pack("{s:s}", "name", argv[optind]);
        _cleanup_json_ json_t *reply = NULL;
        int ret = CLI_EXIT_ERROR;
        if (cli_call(&s, "io.podman.GetContainer", params, &reply) == 0) {
                json_t *ctr = json_object_get(reply, "container");
                const char *id = json_string_value(json_object_get(ctr, "id"));
                CliAttachOptions ao = { 0 };
                bool stdin_open = false;
                container_stdio_get(&s, id, &ao.tty, &stdin_open);
                ao.stdin = interactive && stdin_open;
                bool detached = false;
                ret = cli_attach_start(&s, id, &ao, &detached);
        }
        cli_session_close(&s);
        return ret;
}
int cmd_stop(CliGlobals *g, int argc, char **argv) { return names_command(g, argc, argv, OP_STOP); }
int cmd_restart(CliGlobals *g, int argc, char **argv) {
        return names_command(g, argc, argv, OP_RESTART);
}
int cmd_rm(CliGlobals *g, int argc, char **argv) { return names_command(g, argc, argv, OP_RM); }
int cmd_kill(CliGlobals *g, int argc, char **argv) { return names_command(g, argc, argv, OP_KILL); }
int cmd_wait(CliGlobals *g, int argc, char **argv) { return names_command(g, argc, argv, OP_WAIT); }
int cmd_pause(CliGlobals *g, int argc, char **argv) {
        return names_command(g, argc, argv, OP_PAUSE);
}
int cmd_unpause(CliGlobals *g, int argc, char **argv) {
        return names_command(g, argc, argv, OP_UNPAUSE);
}

int cmd_ps(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "all", no_argument, NULL, 'a' },      { "quiet", no_argument, NULL, 'q' },
                { "no-trunc", no_argument, NULL, 'n' }, { "format", required_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },     { 0 },
        };
        bool all = false, quiet = false, no_trunc = false;
        const char *format = NULL;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+aqh", options, NULL)) != -1) {
                switch (c) {
                case 'a':
                        all = true;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'n':
                        no_trunc = true;
                        break;
                case 'f':
                        format = optarg;
                        break;
                case 'h':
                        printf("usage: varpod ps [-a] [-q] [--no-trunc] [--format json]\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        _cleanup_json_ json_t *reply = NULL;
        if (cli_call_once(g, "io.podman.ListContainers", NULL, &reply) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *shown = json_array();
        size_t i;
        json_t *ctr;
        json_array_foreach (json_object_get(reply, "containers"), i, ctr)
                if (all || json_is_true(json_object_get(ctr, "containerrunning")))
                        json_array_append(shown, ctr);
        if (format) {
                cli_json_print(shown);
                return 0;
        }
        if (!quiet)
                printf("%-*s %-30s %-25s %-12s %-20s %s\n", no_trunc ? 64 : 12, "CONTAINER ID",
                       "IMAGE", "COMMAND", "STATUS", "PORTS", "NAMES");
        json_array_foreach (shown, i, ctr) {
                const char *id = json_string_value(json_object_get(ctr, "id"));
                if (quiet) {
                        printf("%.*s\n", no_trunc ? 64 : 12, id);
                        continue;
                }
                char command[128] = "";
                size_t k;
                json_t *arg;
                json_array_foreach (json_object_get(ctr, "command"), k, arg) {
                        size_t len = strlen(command);
                        snprintf(command + len, sizeof command - len, "%s%s", k ? " " : "",
                                 json_string_value(arg));
                }
                char ports[256] = "";
                json_array_foreach (json_object_get(ctr, "ports"), k, arg) {
                        size_t len = strlen(ports);
                        const char *ip = json_string_value(json_object_get(arg, "host_ip"));
                        snprintf(ports + len, sizeof ports - len, "%s%s:%s->%s/%s", k ? ", " : "",
                                 ip && *ip ? ip : "0.0.0.0",
                                 json_string_value(json_object_get(arg, "host_port")),
                                 json_string_value(json_object_get(arg, "container_port")),
                                 json_string_value(json_object_get(arg, "protocol")));
                }
                printf("%-*.*s %-30.30s %-25.25s %-12s %-20s %s\n", no_trunc ? 64 : 12,
                       no_trunc ? 64 : 12, id, json_string_value(json_object_get(ctr, "image")),
                       command, json_string_value(json_object_get(ctr, "status")), ports,
                       json_string_value(json_object_get(ctr, "names")));
        }
        return 0;
}

/* Prints k8s-file log lines ("<time> <stream> <P|F> <text>\n"). A P
 * line is a piece of a longer one (conmon cuts at its read size) whose
 * "\n" conmon added; the timestamp goes before whole lines only. */
typedef struct LogPrinter {
        bool timestamps;
        bool midline;
} LogPrinter;

static void log_line_print(LogPrinter *p, const char *line) {
        const char *sp1 = strchr(line, ' ');
        const char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
        const char *sp3 = sp2 ? strchr(sp2 + 1, ' ') : NULL;
        if (!sp3)
                return;
        FILE *out = STRPREFIX(sp1 + 1, "stderr") ? stderr : stdout;
        bool partial = sp2[1] == 'P';
        const char *text = sp3 + 1;
        size_t len = strlen(text);
        if (partial && len > 0 && text[len - 1] == '\n')
                len--;
        if (p->timestamps && !p->midline)
                fprintf(out, "%.*s ", (int)(sp1 - line), line);
        fwrite(text, 1, len, out);
        p->midline = partial;
}

enum { LOGS_TOO_BIG = 1 };

/* One GetContainerLogs call, its replies printed until the last (a follow
 * stream ends with "no longer running", which is no error). tail >= 0
 * keeps the last lines only: of the first reply when following, of all
 * of them when whole (the stream of an exited container). Returns 0,
 * LOGS_TOO_BIG when a reply was larger than we take, -1 after printing
 * an error. */
static int logs_receive(CliSession *s, const char *name, bool more, long tail, bool whole,
                        LogPrinter *printer) {
        _cleanup_json_ json_t *params = json_pack("{s:s}", "name", name);
        _cleanup_error_ Error *e = NULL;
        if (vl_client_call(s->client, "io.podman.GetContainerLogs", params, more ? VL_CALL_MORE : 0,
                           &e) < 0) {
                cli_error("%s", e->message);
                return -1;
        }
        _cleanup_json_ json_t *kept = json_array();
        for (bool first = true;; first = false) {
                _cleanup_json_ json_t *reply = NULL;
                _cleanup_free_ char *error = NULL;
                bool continues = false;
                if (vl_client_receive(s->client, &reply, &error, &continues, &e) < 0) {
                        if (e->kind == ERR_LIMIT)
                                return LOGS_TOO_BIG;
                        cli_error("%s", e->message);
                        return -1;
                }
                if (error) {
                        if (more && STREQ(error, "io.podman.ErrorOccurred"))
                                break;
                        const char *reason = json_string_value(json_object_get(reply, "reason"));
                        if (STREQ(error, "io.podman.ContainerNotFound"))
                                cli_error("no container with name or ID \"%s\" found", name);
                        else
                                cli_error("%s", reason ? reason : error);
                        return -1;
                }
                json_t *lines = json_object_get(reply, "container");
                size_t n = json_array_size(lines);
                if (whole) {
                        json_array_extend(kept, lines);
                } else {
                        size_t from = first && tail >= 0 && (size_t)tail < n ? n - (size_t)tail : 0;
                        for (size_t i = from; i < n; i++)
                                log_line_print(printer,
                                               json_string_value(json_array_get(lines, i)));
                        fflush(stdout);
                }
                if (!continues)
                        break;
        }
        size_t n = json_array_size(kept);
        for (size_t i = tail >= 0 && (size_t)tail < n ? n - (size_t)tail : 0; i < n; i++)
                log_line_print(printer, json_string_value(json_array_get(kept, i)));
        fflush(stdout);
        return 0;
}

int cmd_logs(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "follow", no_argument, NULL, 'f' },
                { "tail", required_argument, NULL, 'n' },
                { "timestamps", no_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        bool follow = false;
        LogPrinter printer = { 0 };
        long tail = -1;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+fth", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        follow = true;
                        break;
                case 'n':
                        tail = atol(optarg);
                        break;
                case 't':
                        printer.timestamps = true;
                        break;
                case 'h':
                        printf("usage: varpod logs [-f] [--tail N] [-t] CONTAINER\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (optind + 1 != argc) {
                cli_error("logs needs one container");
                return CLI_EXIT_ERROR;
        }
        const char *name = argv[optind];
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        int r = logs_receive(&s, name, follow, tail, false, &printer);
        if (r == LOGS_TOO_BIG && !follow) {
                /* One reply cannot carry this log. Followed, it comes in
                 * pieces, and for a container that no longer runs the stream
                 * ends by itself: the same text. The connection is spent. */
                cli_session_close(&s);
                if (cli_session_open(g, &s) < 0)
                        return CLI_EXIT_ERROR;
                _cleanup_json_ json_t *params = json_pack("{s:s}", "name", name);
                _cleanup_json_ json_t *reply = NULL;
                r = cli_call(&s, "io.podman.GetContainer", params, &reply);
                const char *state = json_string_value(
                        json_object_get(json_object_get(reply, "container"), "status"));
                if (r == 0 && state && (STREQ(state, "running") || STREQ(state, "paused"))) {
                        cli_error("the log of %s is too large for one reply: use --follow", name);
                        r = -1;
                } else if (r == 0)
                        r = logs_receive(&s, name, true, tail, true, &printer);
        } else if (r == LOGS_TOO_BIG) {
                cli_error("a log reply was too large");
                r = -1;
        }
        cli_session_close(&s);
        return r == 0 ? 0 : CLI_EXIT_ERROR;
}

static int container_cleanup_cmd(CliGlobals *g, int argc, char **argv) {
        /* conmon runs this after the container's process exited: record the
         * exit and release what the start set up, in-process (no service
         * may be running). */
        if (argc != 2) {
                fprintf(stderr, "usage: varpod container cleanup CONTAINER\n");
                return CLI_EXIT_ERROR;
        }
        _cleanup_error_ Error *e = NULL;
        _cleanup_(engine_freep) Engine *engine = NULL;
        if (engine_open(&engine, &g->config, &e) < 0 ||
            container_cleanup(engine, argv[1], &e) < 0) {
                cli_error("%s", e->message);
                return CLI_EXIT_ERROR;
        }
        return 0;
}

static int container_exists_cmd(CliGlobals *g, int argc, char **argv) {
        return cli_exists(g, argc, argv, "varpod container exists CONTAINER",
                          "io.podman.ContainerExists");
}

int cmd_container(CliGlobals *g, int argc, char **argv) {
        static const CliCommand subcommands[] = {
                { "cleanup", "record an exited container and release it", container_cleanup_cmd },
                { "exists", "tell whether a container exists", container_exists_cmd },
                { "create", "create a container", cmd_create },
                { "run", "run a container", cmd_run },
                { "start", "start containers", cmd_start },
                { "stop", "stop containers", cmd_stop },
                { "restart", "restart containers", cmd_restart },
                { "rm", "remove containers", cmd_rm },
                { "kill", "signal containers", cmd_kill },
                { "wait", "wait for containers", cmd_wait },
                { "pause", "pause containers", cmd_pause },
                { "unpause", "unpause containers", cmd_unpause },
                { "ps", "list containers", cmd_ps },
                { "ls", "list containers", cmd_ps },
                { "list", "list containers", cmd_ps },
                { "logs", "show a container's output", cmd_logs },
                { "runlabel", "run the command of an image's label", cmd_runlabel },
                { "checkpoint", "checkpoint running containers", cmd_checkpoint },
                { "restore", "restore checkpointed containers", cmd_restore },
                { NULL, NULL, NULL },
        };
        return cli_subcommand_run(g, subcommands, "container", argc, argv);
}
