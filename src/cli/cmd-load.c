/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod load -i FILE [NAME]`: images from a docker-archive or
 * oci-archive (format detected), through PullImage as podman-remote did. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "json-util.h"
#include "xalloc.h"

int cmd_load(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "input", required_argument, NULL, 'i' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        const char *input = NULL;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "i:qh", options, NULL)) != -1) {
                switch (c) {
                case 'i':
                        input = optarg;
                        break;
                case 'q':
                        break;
                case 'h':
                        printf("usage: varpod load -i FILE [NAME]\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        char path[PATH_MAX];
        if (!input || !realpath(input, path)) {
                cli_error("load needs -i FILE (an existing docker-archive or oci-archive)");
                return CLI_EXIT_ERROR;
        }
        _cleanup_free_ char *source =
                optind < argc ? xasprintf("docker-archive:%s:%s", path, argv[optind])
                              : xasprintf("docker-archive:%s", path);
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *params = json_pack("{s:s}", "name", source);
        _cleanup_json_ json_t *reply = NULL;
        int r = cli_call(&s, "io.podman.PullImage", params, &reply);
        cli_session_close(&s);
        if (r < 0)
                return CLI_EXIT_ERROR;
        printf("Loaded image: %s\n", json_string_value(json_object_get(reply, "id")));
        return 0;
}
