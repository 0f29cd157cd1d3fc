/* SPDX-License-Identifier: Apache-2.0 */
/* varpod: global flags, then one subcommand from the table. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const CliCommand cli_commands[] = {
        { "varlink", "serve io.podman on an address", cmd_varlink },
        { "call", "call a varlink method (varlink call syntax)", cmd_call },
        { "info", "show what a varlink service offers", cmd_info },
        { "help", "show an interface of a varlink service", cmd_help },
        { "version", "show the version of varpod", cmd_version },
        { "pull", "pull an image from a registry", cmd_pull },
        { "images", "list images", cmd_images },
        { "rmi", "remove images", cmd_rmi },
        { "tag", "add names to an image", cmd_tag },
        { "inspect", "show details of containers and images", cmd_inspect },
        { "history", "show the history of an image", cmd_history },
        { "image", "manage images (exists, prune, ...)", cmd_image },
        { "import", "import a root filesystem tarball as an image", cmd_import },
        { "push", "push an image to a registry or an archive", cmd_push },
        { "save", "write an image to an archive", cmd_save },
        { "load", "load images from an archive", cmd_load },
        { "search", "search registries for images", cmd_search },
        { "create", "create a container", cmd_create },
        { "run", "run a container", cmd_run },
        { "start", "start containers", cmd_start },
        { "stop", "stop containers", cmd_stop },
        { "restart", "restart containers", cmd_restart },
        { "rm", "remove containers", cmd_rm },
        { "kill", "signal containers", cmd_kill },
        { "wait", "wait for containers to exit", cmd_wait },
        { "pause", "pause containers", cmd_pause },
        { "unpause", "unpause containers", cmd_unpause },
        { "ps", "list containers", cmd_ps },
        { "logs", "show a container's output", cmd_logs },
        { "container", "manage containers (cleanup, exists, ...)", cmd_container },
        { "system", "show the host, store and runtime (system info)", cmd_system },
        { "pod", "manage pods (create, ps, start, stop, rm, ...)", cmd_pod },
        /* container introspection (cmd-top.c, cmd-stats.c, cmd-port.c) */
        { "top", "show the processes of a container", cmd_top },
        { "stats", "show the resource use of containers", cmd_stats },
        { "port", "show the published ports of a container", cmd_port },
        /* containers' filesystems (cmd-diff.c, cmd-export.c, cmd-mount.c, cmd-commit.c) */
        { "diff", "show the changes of a container's filesystem", cmd_diff },
        { "export", "write a container's filesystem as a tar", cmd_export },
        { "mount", "mount a container's filesystem, or list mounts", cmd_mount },
        { "umount", "unmount a container's filesystem", cmd_umount },
        { "commit", "make an image of a container's changes", cmd_commit },
        /* builds (cmd-build.c) */
        { "build", "build an image from a Dockerfile", cmd_build },
        { NULL, NULL, NULL },
};

static void usage(FILE *f) {
        fputs("usage: varpod [global flags] COMMAND [ARGS...]\n\nCommands:\n", f);
        for (const CliCommand *c = cli_commands; c->name; c++)
                fprintf(f, "  %-10s %s\n", c->name, c->summary);
        fputs("\nGlobal flags (podman's): --root DIR, --runroot DIR, --storage-driver NAME,\n"
              "  --storage-opt OPT, --runtime NAME, --cgroup-manager NAME, --cni-config-dir DIR,\n"
              "  --conmon PATH, --log-level LEVEL, --remote, --url ADDRESS\n",
              f);
}

int main(int argc, char **argv) {
        /* A peer hanging up must surface as EPIPE, not kill the process. */
        signal(SIGPIPE, SIG_IGN);

        CliGlobals g = { 0 };
        engine_config_init(&g.config);
        int first = cli_globals_parse(&g, argc, argv);
        int ret = CLI_EXIT_ERROR;
        if (first < 0)
                goto out;
        if (first >= argc) {
                usage(stderr);
                goto out;
        }
        const char *name = argv[first];
        if (STREQ(name, "--help") || STREQ(name, "-h")) {
                usage(stdout);
                ret = 0;
                goto out;
        }
        for (const CliCommand *c = cli_commands; c->name; c++)
                if (STREQ(c->name, name)) {
                        ret = c->run(&g, argc - first, argv + first);
                        goto out;
                }
        cli_error("unknown command `%s` (see `varpod --help`)", name);
out:
        cli_globals_clear(&g);
        return ret;
}
