/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The varpod command line: global flags in podman's spelling, then a
 * subcommand from the table in commands.c, one file per command. */

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "engine.h"
#include "varlink.h"

/* podman's exit codes for failures of the tool itself. */
enum {
        CLI_EXIT_ERROR = 125, /* engine or usage error */
        CLI_EXIT_CANNOT_RUN = 126,
        CLI_EXIT_NOT_FOUND = 127,
};

typedef struct CliGlobals {
        EngineConfig config;
        bool remote; /* --remote: go through io.podman */
        char *url;   /* --url ADDRESS for --remote */
} CliGlobals;

/* Flags may come anywhere among a command's arguments, as with podman
 * ("varpod push IMG DEST --format v2s2"): getopt permutes, so optstrings
 * have no leading '+' - except for commands whose trailing arguments are
 * passed on (a container's command line), which stop at the first one. */
typedef struct CliCommand {
        const char *name;
        const char *summary;
        /* argv[0] is the command name. Returns the process exit code. */
        int (*run)(CliGlobals *g, int argc, char **argv);
} CliCommand;

/* A connection to io.podman: in-process (engine and server of our own)
 * or remote. */
typedef struct CliSession {
        Engine *engine;
        VlServer *server;
        VlClient *client;
} CliSession;

/* Opens the session the global flags ask for; prints errors itself. */
int cli_session_open(CliGlobals *g, CliSession *ret);
void cli_session_close(CliSession *s);
/* Calls an io.podman method. On an error reply prints it podman's way
 * ("Error: ...") and returns -1; *ret (may be NULL) gets the reply. */
int cli_call(CliSession *s, const char *method, json_t *params, json_t **ret);
/* cli_call on a session of its own, opened and closed around it (-1
 * after printing the error when it cannot open). */
int cli_call_once(CliGlobals *g, const char *method, json_t *params, json_t **ret);
/* The same; on an error reply *ret_error (may be NULL) gets its name
 * (new string), NULL when the call itself failed. */
int cli_call_error(CliSession *s, const char *method, json_t *params, json_t **ret,
                   char **ret_error);

/* The exit code podman gives a failed start whose error reason is this:
 * 127 when the command was not found, 126 when it cannot be executed,
 * otherwise 125. */
int cli_exit_code_for(const char *reason);
/* cli_call, and on failure *ret_exit is the exit code the error
 * deserves (cli_exit_code_for); 125 when the call itself failed. */
int cli_call_exit_code(CliSession *s, const char *method, json_t *params, json_t **ret,
                       int *ret_exit);

typedef struct CliAttachOptions {
        bool stdin; /* forward our stdin to the container's */
        bool tty;   /* the container has a terminal: ours goes raw and lends its size */
} CliAttachOptions;

/* Starts a container that is not running, attached to its stdio (see
 * attach.c for the order of the steps), and returns once its output is
 * complete: the exit code to exit with (the container's, or 125, 126,
 * 127 after printing an error). *ret_detached is set (and 0 returned)
 * when the detach keys were typed: the container runs on. */
int cli_attach_start(CliSession *s, const char *id, const CliAttachOptions *o, bool *ret_detached);

/* Signals to the CLI forwarded to a container with KillContainer
 * (sigproxy.c), while the session is otherwise idle. */
#define CLI_SIGPROXY_SIGNALS 7
typedef struct CliSigProxy {
        CliSession *session;
        const char *id;
        int pipe[2];
        pthread_t thread;
        struct sigaction old[CLI_SIGPROXY_SIGNALS];
        bool started;
} CliSigProxy;
int cli_sigproxy_start(CliSigProxy *p, CliSession *s, const char *id);
/* Restores the signals' handlers; returns once no KillContainer is under
 * way, so the session is the caller's again. */
void cli_sigproxy_stop(CliSigProxy *p);

/* Runs the subcommand of a group named by argv[1] (argv[0] is the group),
 * or prints the group's usage (subcommand.c). */
int cli_subcommand_run(CliGlobals *g, const CliCommand *table, const char *group, int argc,
                       char **argv);
/* `varpod GROUP exists NAME` through an io.podman *Exists method: exit 0
 * when it exists, 1 when not. */
int cli_exists(CliGlobals *g, int argc, char **argv, const char *usage, const char *method);

/* Parses the global flags at the start of argv; returns the index of the
 * first non-flag argument, or -1 after printing an error. */
int cli_globals_parse(CliGlobals *g, int argc, char **argv);
void cli_globals_clear(CliGlobals *g);

/* A signal by number or name ("9", "KILL", "SIGKILL"); -1 when unknown. */
int cli_signal_parse(const char *s);

/* The flags of a command that takes names (names.c). */
typedef struct CliNamesFlags {
        bool force;  /* -f, --force */
        int timeout; /* -t, --time, --timeout; -1 when not given */
        int signal;  /* -s, --signal; SIGKILL when not given */
} CliNamesFlags;

/* A group of commands that take names, one io.podman method per name:
 * `COMMAND NAME... [-f] [-a] [-t N] [-s SIGNAL]`. */
typedef struct CliNamesKind {
        const char *command;     /* in the usage line: "varpod", "varpod pod" */
        const char *metavar;     /* in the usage line: "CONTAINER" */
        const char *noun;        /* in "stop needs at least one container" */
        const char *optstring;   /* with a leading '+' to stop at the first name */
        bool attach;             /* --attach is taken (and ignored) */
        const char *list_method; /* for --all: "io.podman.ListContainers" */
        const char *list_key;    /* the array of its reply: "containers" */
        /* Calls op's method for one name and prints what podman prints;
         * returns 0, or the exit code the failure deserves. */
        int (*call)(CliSession *s, json_t *name, const CliNamesFlags *f, int op);
} CliNamesKind;

/* Parses the flags, calls kind->call for every name given (or, with
 * --all, every ID that kind->list_method lists) and returns the exit
 * code: 0, or that of the last failure. */
int cli_names_run(CliGlobals *g, int argc, char **argv, const CliNamesKind *kind, int op);
/* Appends the ID of every object of the kind to ids (--all). */
int cli_names_all(CliSession *s, const CliNamesKind *kind, json_t *ids);

/* Prints an error "Error: message" to stderr, as podman does. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a JSON value indented by two spaces, as the varlink CLI does. */
void cli_json_print(json_t *value);

/* "4.41 MB", "12.3 kB", "512 B". */
void cli_size_format(int64_t bytes, char *buf, size_t size);
/* "1.2 MB / 2.1 GB": the sizes under the keys a and b of o (a stats
 * sample's "mem_usage" and "mem_limit"). */
void cli_size_pair_format(json_t *o, const char *a, const char *b, char *buf, size_t size);
/* "3 hours ago", "2 weeks ago". */
void cli_ago_format(int64_t then_ns, char *buf, size_t size);
/* Reads a GoTime string ("2019-01-09 18:04:11.5 +0000 UTC") as UTC. */
int cli_go_time_parse(const char *text, int64_t *ret_ns);

/* Splits "ADDRESS/INTERFACE[.METHOD]" at its last '/'. */
int cli_split_address(const char *arg, char **ret_address, char **ret_rest);

int cmd_varlink(CliGlobals *g, int argc, char **argv);
int cmd_call(CliGlobals *g, int argc, char **argv);
int cmd_info(CliGlobals *g, int argc, char **argv);
int cmd_help(CliGlobals *g, int argc, char **argv);
int cmd_version(CliGlobals *g, int argc, char **argv);
int cmd_images(CliGlobals *g, int argc, char **argv);
int cmd_pull(CliGlobals *g, int argc, char **argv);
int cmd_rmi(CliGlobals *g, int argc, char **argv);
int cmd_tag(CliGlobals *g, int argc, char **argv);
int cmd_inspect(CliGlobals *g, int argc, char **argv);
int cmd_history(CliGlobals *g, int argc, char **argv);
int cmd_image(CliGlobals *g, int argc, char **argv);
int cmd_import(CliGlobals *g, int argc, char **argv);
int cmd_push(CliGlobals *g, int argc, char **argv);
int cmd_save(CliGlobals *g, int argc, char **argv);
int cmd_load(CliGlobals *g, int argc, char **argv);
int cmd_search(CliGlobals *g, int argc, char **argv);
int cmd_create(CliGlobals *g, int argc, char **argv);
int cmd_run(CliGlobals *g, int argc, char **argv);
int cmd_start(CliGlobals *g, int argc, char **argv);
int cmd_stop(CliGlobals *g, int argc, char **argv);
int cmd_restart(CliGlobals *g, int argc, char **argv);
int cmd_rm(CliGlobals *g, int argc, char **argv);
int cmd_kill(CliGlobals *g, int argc, char **argv);
int cmd_wait(CliGlobals *g, int argc, char **argv);
int cmd_pause(CliGlobals *g, int argc, char **argv);
int cmd_unpause(CliGlobals *g, int argc, char **argv);
int cmd_ps(CliGlobals *g, int argc, char **argv);
int cmd_logs(CliGlobals *g, int argc, char **argv);
int cmd_container(CliGlobals *g, int argc, char **argv);
int cmd_system(CliGlobals *g, int argc, char **argv);
/* pods (cmd-pod.c) */
int cmd_pod(CliGlobals *g, int argc, char **argv);
/* container introspection */
int cmd_top(CliGlobals *g, int argc, char **argv);
int cmd_stats(CliGlobals *g, int argc, char **argv);
int cmd_port(CliGlobals *g, int argc, char **argv);
/* containers' filesystems */
int cmd_diff(CliGlobals *g, int argc, char **argv);
int cmd_export(CliGlobals *g, int argc, char **argv);
int cmd_mount(CliGlobals *g, int argc, char **argv);
int cmd_umount(CliGlobals *g, int argc, char **argv);
int cmd_commit(CliGlobals *g, int argc, char **argv);
/* builds */
int cmd_build(CliGlobals *g, int argc, char **argv);
/* image labels' commands, checkpoint and restore */
int cmd_runlabel(CliGlobals *g, int argc, char **argv);
int cmd_checkpoint(CliGlobals *g, int argc, char **argv);
int cmd_restore(CliGlobals *g, int argc, char **argv);

extern const CliCommand cli_commands[];
