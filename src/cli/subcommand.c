/* SPDX-License-Identifier: Apache-2.0 */
/* What the command groups (`varpod image ...`, `varpod container ...`)
 * share: dispatch to a subcommand, and the `exists` checks. */
#include <stdio.h>

#include "cli.h"
#include "json-util.h"

int cli_subcommand_run(CliGlobals *g, const CliCommand *table, const char *group, int argc,
                       char **argv) {
        if (argc >= 2)
                for (const CliCommand *c = table; c->name; c++)
                        if (STREQ(c->name, argv[1]))
                                return c->run(g, argc - 1, argv + 1);
        fprintf(stderr, "usage: varpod %s COMMAND\n\nCommands:\n", group);
        for (const CliCommand *c = table; c->name; c++)
                fprintf(stderr, "  %-10s %s\n", c->name, c->summary);
        return CLI_EXIT_ERROR;
}

int cli_exists(CliGlobals *g, int argc, char **argv, const char *usage, const char *method) {
        if (argc != 2) {
                fprintf(stderr, "usage: %s\n", usage);
                return CLI_EXIT_ERROR;
        }
        _cleanup_json_ json_t *params = json_pack("{s:s}", "name", argv[1]);
        _cleanup_json_ json_t *reply = NULL;
        if (cli_call_once(g, method, params, &reply) < 0)
                return CLI_EXIT_ERROR;
        /* io.podman says 0 for "exists", like an exit status. */
        return json_integer_value(json_object_get(reply, "exists")) == 0 ? 0 : 1;
}
