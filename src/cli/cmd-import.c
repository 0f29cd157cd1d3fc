/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod import [-c CHANGE]... [-m MESSAGE] TARBALL [REFERENCE]`. The
 * tarball path is read by the engine (the service's side with --remote),
 * so it is made absolute here. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "json-util.h"

int cmd_import(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "change", required_argument, NULL, 'c' },
                { "message", required_argument, NULL, 'm' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        _cleanup_json_ json_t *changes = json_array();
        const char *message = "";
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "c:m:qh", options, NULL)) != -1) {
                switch (c) {
                case 'c':
                        json_array_append_new(changes, json_string(optarg));
                        break;
                case 'm':
                        message = optarg;
                        break;
                case 'q':
                        break;
                case 'h':
                        printf("usage: varpod import [-c CHANGE]... [-m MESSAGE] TARBALL "
                               "[REFERENCE]\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (optind >= argc || argc - optind > 2) {
                cli_error("import needs a tarball and optionally a reference");
                return CLI_EXIT_ERROR;
        }
        char source[PATH_MAX];
        if (!realpath(argv[optind], source)) {
                cli_error("tarball `%s` not found", argv[optind]);
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *params = json_pack(
                "{s:s, s:s, s:s, s:O}", "source", source, "reference",
                optind + 1 < argc ? argv[optind + 1] : "", "message", message, "changes", changes);
        _cleanup_json_ json_t *reply = NULL;
        int r = cli_call(&s, "io.podman.ImportImage", params, &reply);
        cli_session_close(&s);
        if (r < 0)
                return CLI_EXIT_ERROR;
        printf("%s\n", json_string_value(json_object_get(reply, "image")));
        return 0;
}
