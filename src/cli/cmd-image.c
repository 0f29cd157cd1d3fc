/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod image SUBCOMMAND`: exists, prune, and podman's aliases (ls, rm,
 * pull, tag, inspect, history). */
#include <stdio.h>

#include "cli.h"
#include "json-util.h"

static int image_exists(CliGlobals *g, int argc, char **argv) {
        if (argc != 2) {
                fprintf(stderr, "usage: varpod image exists IMAGE\n");
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *params = json_pack("{s:s}", "name", argv[1]);
        _cleanup_json_ json_t *reply = NULL;
        int r = cli_call(&s, "io.podman.ImageExists", params, &reply);
        cli_session_close(&s);
        if (r < 0)
                return CLI_EXIT_ERROR;
        /* io.podman says 0 for "exists", like an exit status. */
        return json_integer_value(json_object_get(reply, "exists")) == 0 ? 0 : 1;
}

static int image_prune(CliGlobals *g, int argc, char **argv) {
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *reply = NULL;
        int r = cli_call(&s, "io.podman.ImagesPrune", NULL, &reply);
        cli_session_close(&s);
        if (r < 0)
                return CLI_EXIT_ERROR;
        size_t i;
        json_t *id;
        json_array_foreach (json_object_get(reply, "pruned"), i, id)
                printf("%s\n", json_string_value(id));
        return 0;
}

int cmd_image(CliGlobals *g, int argc, char **argv) {
        static const CliCommand subcommands[] = {
                { "exists", "tell whether an image exists", image_exists },
                { "prune", "remove dangling images", image_prune },
                { "ls", "list images", cmd_images },
                { "list", "list images", cmd_images },
                { "rm", "remove images", cmd_rmi },
                { "pull", "pull an image", cmd_pull },
                { "tag", "name an image", cmd_tag },
                { "inspect", "show image details", cmd_inspect },
                { "history", "show image history", cmd_history },
                { NULL, NULL, NULL },
        };
        if (argc >= 2)
                for (const CliCommand *c = subcommands; c->name; c++)
                        if (STREQ(c->name, argv[1]))
                                return c->run(g, argc - 1, argv + 1);
        fprintf(stderr, "usage: varpod image COMMAND\n\nCommands:\n");
        for (const CliCommand *c = subcommands; c->name; c++)
                fprintf(stderr, "  %-10s %s\n", c->name, c->summary);
        return CLI_EXIT_ERROR;
}
