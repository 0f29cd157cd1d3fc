/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod search [--limit N] [--format json] TERM`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "json-util.h"

int cmd_search(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "limit", required_argument, NULL, 'l' },
                { "format", required_argument, NULL, 'f' },
                { "no-trunc", no_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        int limit = 0;
        const char *format = NULL;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
                switch (c) {
                case 'l':
                        limit = atoi(optarg);
                        break;
                case 'f':
                        format = optarg;
                        break;
                case 'n':
                        break;
                case 'h':
                        printf("usage: varpod search [--limit N] [--format json] TERM\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (optind + 1 != argc) {
                cli_error("search needs one term");
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *params =
                json_pack("{s:s, s:i}", "name", argv[optind], "limit", limit);
        _cleanup_json_ json_t *reply = NULL;
        int r = cli_call(&s, "io.podman.SearchImage", params, &reply);
        cli_session_close(&s);
        if (r < 0)
                return CLI_EXIT_ERROR;
        json_t *images = json_object_get(reply, "images");
        if (format) {
                /* No results come as null: print an empty list. */
                _cleanup_json_ json_t *empty = json_array();
                cli_json_print(json_is_array(images) ? images : empty);
                return 0;
        }
        printf("%-50s %-40s %-6s %-9s %s\n", "NAME", "DESCRIPTION", "STARS", "OFFICIAL",
               "AUTOMATED");
        size_t i;
        json_t *img;
        json_array_foreach (images, i, img)
                printf("%-50s %-40.40s %-6lld %-9s %s\n",
                       json_string_value(json_object_get(img, "name")),
                       json_string_value(json_object_get(img, "description")),
                       (long long)json_integer_value(json_object_get(img, "star_count")),
                       json_is_true(json_object_get(img, "is_official")) ? "[OK]" : "",
                       json_is_true(json_object_get(img, "is_automated")) ? "[OK]" : "");
        return 0;
}
