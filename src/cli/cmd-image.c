/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod image SUBCOMMAND`: exists, prune, and podman's aliases (ls, rm,
 * pull, tag, inspect, history). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "json-util.h"

static int image_exists(CliGlobals *g, int argc, char **argv) {
        return cli_exists(g, argc, argv, "varpod image exists IMAGE", "io.podman.ImageExists");
}

/* Removes the dangling images (untagged, no child) through ListImages and
 * RemoveImage, passing again while that frees parents; returns -1 after
 * printing the error. */
static int prune_dangling(CliSession *s) {
        for (bool progress = true; progress;) {
                progress = false;
                _cleanup_json_ json_t *reply = NULL;
                if (cli_call(s, "io.podman.ListImages", NULL, &reply) < 0)
                        return -1;
                size_t i;
                json_t *img;
                json_array_foreach (json_object_get(reply, "images"), i, img) {
                        if (json_array_size(json_object_get(img, "repoTags")) > 0 ||
                            json_is_true(json_object_get(img, "isParent")))
                                continue;
                        _cleanup_json_ json_t *params = json_pack(
                                "{s:O, s:b}", "name", json_object_get(img, "id"), "force", false);
                        _cleanup_json_ json_t *removed = NULL;
                        if (cli_call(s, "io.podman.RemoveImage", params, &removed) < 0)
                                return -1;
                        printf("%s\n", json_string_value(json_object_get(removed, "image")));
                        progress = true;
                }
        }
        return 0;
}

/* `image prune [-a]`: dangling images, as podman does today; with --all
 * every image no container uses, which is what io.podman's ImagesPrune
 * does. */
static int image_prune(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "all", no_argument, NULL, 'a' },
                { "force", no_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        bool all = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "afh", options, NULL)) != -1) {
                switch (c) {
                case 'a':
                        all = true;
                        break;
                case 'f':
                        break; /* never asks anyway */
                case 'h':
                        printf("usage: varpod image prune [-a]\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (optind < argc) {
                cli_error("image prune takes no arguments");
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        int r = 0;
        if (all) {
                _cleanup_json_ json_t *reply = NULL;
                r = cli_call(&s, "io.podman.ImagesPrune", NULL, &reply);
                size_t i;
                json_t *id;
                json_array_foreach (json_object_get(reply, "pruned"), i, id)
                        printf("%s\n", json_string_value(id));
        } else
                r = prune_dangling(&s);
        cli_session_close(&s);
        return r < 0 ? CLI_EXIT_ERROR : 0;
}

int cmd_image(CliGlobals *g, int argc, char **argv) {
        static const CliCommand subcommands[] = {
                { "exists", "tell whether an image exists", image_exists },
                { "prune", "remove dangling images (-a: every unused one)", image_prune },
                { "ls", "list images", cmd_images },
                { "list", "list images", cmd_images },
                { "rm", "remove images", cmd_rmi },
                { "pull", "pull an image", cmd_pull },
                { "tag", "name an image", cmd_tag },
                { "inspect", "show image details", cmd_inspect },
                { "history", "show image history", cmd_history },
                { NULL, NULL, NULL },
        };
        return cli_subcommand_run(g, subcommands, "image", argc, argv);
}
