/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod export [-o FILE] CONTAINER`: the container's root filesystem
 * as a tar. The service writes the file, so -o is made absolute; without
 * -o the tar goes to stdout through a temporary file, which works when
 * the service shares this host's file system (always in-process). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "json-util.h"
#include "xalloc.h"

static int export_call(CliGlobals *g, const char *name, const char *path) {
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return -1;
        _cleanup_json_ json_t *params = json_pack("{s:s, s:s}", "name", name, "path", path);
        int r = cli_call(&s, "io.podman.ExportContainer", params, NULL);
        cli_session_close(&s);
        return r;
}

static int export_to_stdout(CliGlobals *g, const char *name) {
        if (isatty(STDOUT_FILENO)) {
                cli_error("refusing to export to terminal. Use -o flag or redirect");
                return -1;
        }
        const char *tmpdir = getenv("TMPDIR");
        _cleanup_free_ char *path =
                xasprintf("%s/varpod-export-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/var/tmp");
        int fd = mkstemp(path);
        if (fd < 0) {
                cli_error("create temporary file in `%s`: %m", path);
                return -1;
        }
        close(fd);
        int r = export_call(g, name, path);
        _cleanup_close_ int in = r == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        (void)unlink(path);
        if (r < 0)
                return -1;
        if (in < 0) {
                cli_error("open `%s`: %m", path);
                return -1;
        }
        char buf[1 << 16];
        ssize_t n;
        while ((n = read(in, buf, sizeof buf)) > 0)
                for (ssize_t done = 0; done < n;) {
                        ssize_t w = write(STDOUT_FILENO, buf + done, (size_t)(n - done));
                        if (w < 0) {
                                cli_error("write to stdout: %m");
                                return -1;
                        }
                        done += w;
                }
        if (n < 0) {
                cli_error("read `%s`: %m", path);
                return -1;
        }
        return 0;
}

int cmd_export(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "output", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        const char *output = NULL;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+o:h", options, NULL)) != -1) {
                switch (c) {
                case 'o':
                        output = optarg;
                        break;
                case 'h':
                        printf("usage: varpod export [-o FILE] CONTAINER\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (optind + 1 != argc) {
                cli_error("export needs exactly one container");
                return CLI_EXIT_ERROR;
        }
        if (!output)
                return export_to_stdout(g, argv[optind]) < 0 ? CLI_EXIT_ERROR : 0;
        _cleanup_free_ char *path = output[0] == '/' ? xstrdup(output) : NULL;
        if (!path) {
                char cwd[PATH_MAX];
                if (!getcwd(cwd, sizeof cwd)) {
                        cli_error("cannot resolve `%s`", output);
                        return CLI_EXIT_ERROR;
                }
                path = xasprintf("%s/%s", cwd, output);
        }
        return export_call(g, argv[optind], path) < 0 ? CLI_EXIT_ERROR : 0;
}
