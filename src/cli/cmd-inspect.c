/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod inspect [--type image] NAME...`: the inspect documents, as a
 * JSON array. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "json-util.h"

int cmd_inspect(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "type", required_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        const char *type = "image";
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+t:h", options, NULL)) != -1) {
                switch (c) {
                case 't':
                        type = optarg;
                        break;
                case 'h':
                        printf("usage: varpod inspect [--type image] NAME...\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (!STREQ(type, "image")) {
                cli_error("inspect --type `%s` is not supported yet (image)", type);
                return CLI_EXIT_ERROR;
        }
        if (optind >= argc) {
                cli_error("inspect needs at least one name");
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        int ret = 0;
        _cleanup_json_ json_t *docs = json_array();
        for (int i = optind; i < argc; i++) {
                _cleanup_json_ json_t *params = json_pack("{s:s}", "name", argv[i]);
                _cleanup_json_ json_t *reply = NULL;
                if (cli_call(&s, "io.podman.InspectImage", params, &reply) < 0) {
                        ret = CLI_EXIT_ERROR;
                        continue;
                }
                json_t *doc =
                        json_loads(json_string_value(json_object_get(reply, "image")), 0, NULL);
                if (doc)
                        json_array_append_new(docs, doc);
        }
        cli_session_close(&s);
        cli_json_print(docs);
        return ret;
}
