/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod mount [--notruncate] [CONTAINER...]` and `varpod umount [-f]
 * CONTAINER...`. Without a container, mount lists the mounted ones as
 * podman does: ID and mount point. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json-util.h"
#include "xalloc.h"

/* Prints each mount point with the container it belongs to (the ID is a
 * component of its path); a point no container claims goes alone. */
static int mount_list(CliSession *s, bool no_trunc) {
        _cleanup_json_ json_t *mounts = NULL, *containers = NULL;
        if (cli_call(s, "io.podman.ListContainerMounts", NULL, &mounts) < 0 ||
            cli_call(s, "io.podman.ListContainers", NULL, &containers) < 0)
                return -1;
        size_t i;
        json_t *m;
        json_array_foreach (json_object_get(mounts, "mounts"), i, m) {
                const char *path = json_string_value(m);
                const char *id = NULL;
                size_t k;
                json_t *ctr;
                json_array_foreach (json_object_get(containers, "containers"), k, ctr) {
                        const char *cid = json_string_value(json_object_get(ctr, "id"));
                        _cleanup_free_ char *component = xasprintf("/%s/", cid ? cid : "");
                        if (cid && strstr(path, component))
                                id = cid;
                }
                if (id)
                        printf("%-*.*s %s\n", no_trunc ? 64 : 12, no_trunc ? 64 : 12, id, path);
                else
                        printf("%s\n", path);
        }
        return 0;
}

int cmd_mount(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "notruncate", no_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        bool no_trunc = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
                switch (c) {
                case 'n':
                        no_trunc = true;
                        break;
                case 'h':
                        printf("usage: varpod mount [--notruncate] [CONTAINER...]\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        int ret = 0;
        if (optind >= argc)
                ret = mount_list(&s, no_trunc) < 0 ? CLI_EXIT_ERROR : 0;
        for (int i = optind; i < argc; i++) {
                _cleanup_json_ json_t *params = json_pack("{s:s}", "name", argv[i]);
                _cleanup_json_ json_t *reply = NULL;
                if (cli_call(&s, "io.podman.MountContainer", params, &reply) < 0) {
                        ret = CLI_EXIT_ERROR;
                        continue;
                }
                printf("%s\n", json_string_value(json_object_get(reply, "path")));
        }
        cli_session_close(&s);
        return ret;
}

int cmd_umount(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "force", no_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        bool force = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+fh", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        force = true;
                        break;
                case 'h':
                        printf("usage: varpod umount [-f] CONTAINER...\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (optind >= argc) {
                cli_error("umount needs at least one container");
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        int ret = 0;
        for (int i = optind; i < argc; i++) {
                _cleanup_json_ json_t *params =
                        json_pack("{s:s, s:b}", "name", argv[i], "force", force);
                if (cli_call(&s, "io.podman.UnmountContainer", params, NULL) < 0) {
                        ret = CLI_EXIT_ERROR;
                        continue;
                }
                printf("%s\n", argv[i]);
        }
        cli_session_close(&s);
        return ret;
}
