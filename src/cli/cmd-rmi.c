/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod rmi [-f] [-a] IMAGE...`. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "json-util.h"
#include "xalloc.h"

int cmd_rmi(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "force", no_argument, NULL, 'f' },
                { "all", no_argument, NULL, 'a' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        bool force = false, all = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "fah", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        force = true;
                        break;
                case 'a':
                        all = true;
                        break;
                case 'h':
                        printf("usage: varpod rmi [-f] [-a] IMAGE...\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (all == (optind < argc)) {
                cli_error("rmi needs image names, or -a alone");
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        int ret = 0;
        _cleanup_json_ json_t *names = json_array();
        if (all) {
                _cleanup_json_ json_t *reply = NULL;
                if (cli_call(&s, "io.podman.ListImages", NULL, &reply) < 0) {
                        cli_session_close(&s);
                        return CLI_EXIT_ERROR;
                }
                size_t i;
                json_t *img;
                json_array_foreach (json_object_get(reply, "images"), i, img)
                        json_array_append(names, json_object_get(img, "id"));
        } else
                for (int i = optind; i < argc; i++)
                        json_array_append_new(names, json_string(argv[i]));

        size_t i;
        json_t *name;
        json_array_foreach (names, i, name) {
                _cleanup_json_ json_t *params =
                        json_pack("{s:O, s:b}", "name", name, "force", force);
                _cleanup_json_ json_t *reply = NULL;
                _cleanup_free_ char *error = NULL;
                if (cli_call_error(&s, "io.podman.RemoveImage", params, &reply, &error) < 0) {
                        /* podman's codes: 1 when the only trouble was images
                         * that do not exist, 125 for any other failure. */
                        bool missing = error && STREQ(error, "io.podman.ImageNotFound");
                        if (!missing)
                                ret = CLI_EXIT_ERROR;
                        else if (ret == 0)
                                ret = 1;
                        continue;
                }
                printf("%s\n", json_string_value(json_object_get(reply, "image")));
        }
        cli_session_close(&s);
        return ret;
}
