/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod save -o FILE [--format docker-archive|oci-archive|oci-dir|
 * docker-dir] IMAGE [NAME...]`. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json-util.h"
#include "xalloc.h"

int cmd_save(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "output", required_argument, NULL, 'o' },
                { "format", required_argument, NULL, 'f' },
                { "compress", no_argument, NULL, 'z' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        const char *output = NULL, *format = "docker-archive";
        bool compress = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "o:qh", options, NULL)) != -1) {
                switch (c) {
                case 'o':
                        output = optarg;
                        break;
                case 'f':
                        format = optarg;
                        break;
                case 'z':
                        compress = true;
                        break;
                case 'q':
                        break;
                case 'h':
                        printf("usage: varpod save -o FILE [--format docker-archive|oci-archive|"
                               "oci-dir|docker-dir] IMAGE [NAME...]\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (!output || optind >= argc) {
                cli_error("save needs -o FILE and an image");
                return CLI_EXIT_ERROR;
        }
        const char *transport = STREQ(format, "docker-archive") ? "docker-archive"
                                : STREQ(format, "oci-archive")  ? "oci-archive"
                                : STREQ(format, "oci-dir")      ? "oci"
                                : STREQ(format, "docker-dir")   ? "dir"
                                                                : NULL;
        if (!transport) {
                cli_error("unknown --format `%s`", format);
                return CLI_EXIT_ERROR;
        }
        /* The service writes the file: give it an absolute path. */
        _cleanup_free_ char *path = output[0] == '/' ? xstrdup(output) : NULL;
        if (!path) {
                char cwd[PATH_MAX];
                if (!getcwd(cwd, sizeof cwd)) {
                        cli_error("cannot resolve `%s`", output);
                        return CLI_EXIT_ERROR;
                }
                path = xasprintf("%s/%s", cwd, output);
        }
        _cleanup_free_ char *destination = xasprintf("%s:%s", transport, path);
        _cleanup_json_ json_t *tags = json_array();
        for (int i = optind + 1; i < argc; i++)
                json_array_append_new(tags, json_string(argv[i]));
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *params =
                json_pack("{s:s, s:s, s:b, s:O}", "name", argv[optind], "destination", destination,
                          "compress", compress, "tags", tags);
        int r = cli_call(&s, "io.podman.ExportImage", params, NULL);
        cli_session_close(&s);
        return r < 0 ? CLI_EXIT_ERROR : 0;
}
