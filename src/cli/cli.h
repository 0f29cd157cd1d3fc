/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The varpod command line: global flags in podman's spelling, then a
 * subcommand from the table in commands.c, one file per command. */

#include <stdbool.h>

#include <jansson.h>

#include "engine.h"

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

typedef struct CliCommand {
        const char *name;
        const char *summary;
        /* argv[0] is the command name. Returns the process exit code. */
        int (*run)(CliGlobals *g, int argc, char **argv);
} CliCommand;

/* Parses the global flags at the start of argv; returns the index of the
 * first non-flag argument, or -1 after printing an error. */
int cli_globals_parse(CliGlobals *g, int argc, char **argv);
void cli_globals_clear(CliGlobals *g);

/* Prints an error "varpod: message" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a JSON value indented by two spaces, as the varlink CLI does. */
void cli_json_print(json_t *value);

/* Splits "ADDRESS/INTERFACE[.METHOD]" at its last '/'. */
int cli_split_address(const char *arg, char **ret_address, char **ret_rest);

int cmd_varlink(CliGlobals *g, int argc, char **argv);
int cmd_call(CliGlobals *g, int argc, char **argv);
int cmd_info(CliGlobals *g, int argc, char **argv);
int cmd_help(CliGlobals *g, int argc, char **argv);
int cmd_version(CliGlobals *g, int argc, char **argv);

extern const CliCommand cli_commands[];
