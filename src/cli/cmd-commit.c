/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod commit [-c CHANGE]... [-m MESSAGE] [-a AUTHOR] [-p|--pause=false]
 * [-f oci|docker] [-q] CONTAINER [IMAGE]`: prints the new image's ID. As
 * with podman, a running container is paused meanwhile unless
 * --pause=false. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json-util.h"

int cmd_commit(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "change", required_argument, NULL, 'c' },
                { "message", required_argument, NULL, 'm' },
                { "author", required_argument, NULL, 'a' },
                { "pause", optional_argument, NULL, 'p' },
                { "format", required_argument, NULL, 'f' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        _cleanup_json_ json_t *changes = json_array();
        const char *message = "", *author = "", *format = "oci";
        bool pause = true;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+c:m:a:pf:qh", options, NULL)) != -1) {
                switch (c) {
                case 'c':
                        json_array_append_new(changes, json_string(optarg));
                        break;
                case 'm':
                        message = optarg;
                        break;
                case 'a':
                        author = optarg;
                        break;
                case 'p':
                        if (optarg && !STREQ(optarg, "true") && !STREQ(optarg, "false")) {
                                cli_error("--pause takes true or false, not `%s`", optarg);
                                return CLI_EXIT_ERROR;
                        }
                        pause = !optarg || STREQ(optarg, "true");
                        break;
                case 'f':
                        format = optarg;
                        break;
                case 'q':
                        break;
                case 'h':
                        printf("usage: varpod commit [-c CHANGE]... [-m MESSAGE] [-a AUTHOR] "
                               "[-p|--pause=false] [-f oci|docker] CONTAINER [IMAGE]\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (optind >= argc || argc - optind > 2) {
                cli_error("commit needs a container and optionally an image name");
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *params =
                json_pack("{s:s, s:s, s:O, s:s, s:s, s:b, s:s}", "name", argv[optind], "image_name",
                          optind + 1 < argc ? argv[optind + 1] : "", "changes", changes, "author",
                          author, "message", message, "pause", pause, "manifestType", format);
        _cleanup_json_ json_t *reply = NULL;
        int r = cli_call(&s, "io.podman.Commit", params, &reply);
        cli_session_close(&s);
        if (r < 0)
                return CLI_EXIT_ERROR;
        printf("%s\n", json_string_value(json_object_get(reply, "image")));
        return 0;
}
