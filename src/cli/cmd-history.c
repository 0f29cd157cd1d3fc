/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod history [-q] [--no-trunc] [--format json] IMAGE`. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "json-util.h"

int cmd_history(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "quiet", no_argument, NULL, 'q' },
                { "no-trunc", no_argument, NULL, 'n' },
                { "format", required_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        bool quiet = false, no_trunc = false;
        const char *format = NULL;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
                switch (c) {
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
                        printf("usage: varpod history [-q] [--no-trunc] [--format json] IMAGE\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (optind + 1 != argc) {
                cli_error("history needs exactly one image");
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *params = json_pack("{s:s}", "name", argv[optind]);
        _cleanup_json_ json_t *reply = NULL;
        int r = cli_call(&s, "io.podman.HistoryImage", params, &reply);
        cli_session_close(&s);
        if (r < 0)
                return CLI_EXIT_ERROR;
        json_t *history = json_object_get(reply, "history");
        if (format) {
                cli_json_print(history);
                return 0;
        }
        if (!quiet)
                printf("%-12s %-16s %-45s %-10s %s\n", "ID", "CREATED", "CREATED BY", "SIZE",
                       "COMMENT");
        size_t i;
        json_t *h;
        json_array_foreach (history, i, h) {
                const char *id = json_string_value(json_object_get(h, "id"));
                if (quiet) {
                        printf("%.*s\n", no_trunc ? 64 : 12, id);
                        continue;
                }
                char ago[64], size[32];
                int64_t created = 0;
                (void)cli_go_time_parse(json_string_value(json_object_get(h, "created")), &created);
                cli_ago_format(created, ago, sizeof ago);
                cli_size_format(json_integer_value(json_object_get(h, "size")), size, sizeof size);
                const char *by = json_string_value(json_object_get(h, "createdBy"));
                printf("%-12.*s %-16s %-45.*s %-10s %s\n", no_trunc ? 64 : 12, id, ago,
                       no_trunc ? 4096 : 45, by, size,
                       json_string_value(json_object_get(h, "comment")));
        }
        return 0;
}
