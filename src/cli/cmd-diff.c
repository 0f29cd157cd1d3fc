/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod diff [--format json] NAME`: what changed in a container (or an
 * image's top layer, or a layer), one "C|A|D PATH" line each, by path. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json-util.h"
#include "xalloc.h"

typedef struct DiffLine {
        char kind;
        const char *path;
} DiffLine;

static int diff_line_cmp(const void *a, const void *b) {
        return strcmp(((const DiffLine *)a)->path, ((const DiffLine *)b)->path);
}

int cmd_diff(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "format", required_argument, NULL, 'f' },
                { "archive", optional_argument, NULL, 'A' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        const char *format = NULL;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        format = optarg;
                        break;
                case 'A':
                        break; /* podman's --archive: the only mode there is */
                case 'h':
                        printf("usage: varpod diff [--format json] CONTAINER|IMAGE|LAYER\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (optind + 1 != argc) {
                cli_error("diff needs exactly one container, image or layer");
                return CLI_EXIT_ERROR;
        }
        if (format && !STREQ(format, "json")) {
                cli_error("unknown --format `%s` (json is known)", format);
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *params = json_pack("{s:s}", "name", argv[optind]);
        _cleanup_json_ json_t *reply = NULL;
        int r = cli_call(&s, "io.podman.ListContainerChanges", params, &reply);
        cli_session_close(&s);
        if (r < 0)
                return CLI_EXIT_ERROR;
        json_t *changes = json_object_get(reply, "container");
        if (format) {
                cli_json_print(changes);
                return 0;
        }
        static const struct {
                const char *key;
                char kind;
        } kinds[] = { { "changed", 'C' }, { "added", 'A' }, { "deleted", 'D' } };
        size_t n = 0;
        for (size_t k = 0; k < ELEMENTSOF(kinds); k++)
                n += json_array_size(json_object_get(changes, kinds[k].key));
        _cleanup_free_ DiffLine *lines = xnew0(DiffLine, n ? n : 1);
        size_t w = 0;
        for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                size_t i;
                json_t *p;
                json_array_foreach (json_object_get(changes, kinds[k].key), i, p)
                        lines[w++] = (DiffLine){ kinds[k].kind, json_string_value(p) };
        }
        qsort(lines, n, sizeof *lines, diff_line_cmp);
        for (size_t i = 0; i < n; i++)
                printf("%c %s\n", lines[i].kind, lines[i].path);
        return 0;
}
