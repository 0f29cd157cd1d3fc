/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod container checkpoint [-k] [-R|--leave-running]
 * [--tcp-established] NAME...` and `varpod container restore [-k]
 * [--tcp-established] NAME...`: one io.podman call per container, its ID
 * printed on success, as podman. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "json-util.h"

static int checkpoint_command(CliGlobals *g, int argc, char **argv, bool restore) {
        static const struct option options[] = {
                { "keep", no_argument, NULL, 'k' },
                { "leave-running", no_argument, NULL, 'R' },
                { "tcp-established", no_argument, NULL, 'T' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        bool keep = false, leave_running = false, tcp = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, restore ? "kh" : "kRh", options, NULL)) != -1) {
                switch (c) {
                case 'k':
                        keep = true;
                        break;
                case 'R':
                        if (restore) {
                                cli_error("restore does not take --leave-running");
                                return CLI_EXIT_ERROR;
                        }
                        leave_running = true;
                        break;
                case 'T':
                        tcp = true;
                        break;
                case 'h':
                        printf(restore ? "usage: varpod container restore [-k] "
                                         "[--tcp-established] CONTAINER...\n"
                                       : "usage: varpod container checkpoint [-k] "
                                         "[-R|--leave-running] [--tcp-established] "
                                         "CONTAINER...\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (optind >= argc) {
                cli_error("%s needs at least one container", argv[0]);
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                _cleanup_json_ json_t *params =
                        restore ? json_pack("{s:s, s:b, s:b}", "name", argv[i], "keep", keep,
                                            "tcpEstablished", tcp)
                                : json_pack("{s:s, s:b, s:b, s:b}", "name", argv[i], "keep", keep,
                                            "leaveRunning", leave_running, "tcpEstablished", tcp);
                _cleanup_json_ json_t *reply = NULL;
                if (cli_call(&s,
                             restore ? "io.podman.ContainerRestore"
                                     : "io.podman.ContainerCheckpoint",
                             params, &reply) < 0) {
                        ret = CLI_EXIT_ERROR;
                        continue;
                }
                printf("%s\n", json_string_value(json_object_get(reply, "id")));
        }
        cli_session_close(&s);
        return ret;
}

int cmd_checkpoint(CliGlobals *g, int argc, char **argv) {
        return checkpoint_command(g, argc, argv, false);
}

int cmd_restore(CliGlobals *g, int argc, char **argv) {
        return checkpoint_command(g, argc, argv, true);
}
