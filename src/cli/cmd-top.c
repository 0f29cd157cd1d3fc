/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod top CONTAINER [DESCRIPTOR...]`: the processes of a running
 * container (ListContainerProcesses), in aligned columns as podman prints
 * them. Descriptors are ps names or AIX codes ("pid", "user", "%C"),
 * separate arguments or comma lists; none gives the default columns. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json-util.h"
#include "xalloc.h"

/* The descriptors of argv[from..], comma lists split, blanks dropped. */
static json_t *top_descriptors(int argc, char **argv, int from) {
        json_t *out = json_array();
        for (int i = from; i < argc; i++) {
                _cleanup_free_ char *copy = xstrdup(argv[i]);
                char *save = NULL;
                for (char *d = strtok_r(copy, ",", &save); d; d = strtok_r(NULL, ",", &save))
                        if (d[strspn(d, " \t")])
                                json_array_append_new(out, json_string(d));
        }
        return out;
}

/* Display width of UTF-8 text ("1.5µs"): code points, not bytes. */
static size_t top_width(const char *s, size_t len) {
        size_t w = 0;
        for (size_t i = 0; i < len; i++)
                w += ((unsigned char)s[i] & 0xc0) != 0x80;
        return w;
}

/* Prints TAB-separated lines as aligned columns (tabwriter's way: each
 * column as wide as its widest cell, three spaces between columns). */
static void top_print(json_t *lines) {
        size_t width[64] = { 0 };
        size_t i;
        json_t *l;
        json_array_foreach (lines, i, l) {
                const char *s = json_string_value(l);
                for (size_t col = 0; s && col < ELEMENTSOF(width); col++) {
                        size_t len = strcspn(s, "\t");
                        if (top_width(s, len) > width[col])
                                width[col] = top_width(s, len);
                        if (!s[len])
                                break;
                        s += len + 1;
                }
        }
        json_array_foreach (lines, i, l) {
                const char *s = json_string_value(l);
                for (size_t col = 0; s; col++) {
                        size_t len = strcspn(s, "\t");
                        bool last = !s[len] || col + 1 >= ELEMENTSOF(width);
                        if (last) {
                                printf("%s\n", s);
                                break;
                        }
                        printf("%.*s%*s", (int)len, s, (int)(width[col] - top_width(s, len) + 3),
                               "");
                        s += len + 1;
                }
        }
}

/* The method ignores a lone descriptor (the reference did): ask for a
 * second column, PID, and cut it off again (a PID has no TAB in it). */
static void top_drop_last_column(json_t *lines) {
        size_t i;
        json_t *l;
        json_array_foreach (lines, i, l) {
                const char *s = json_string_value(l);
                const char *tab = s ? strrchr(s, '\t') : NULL;
                if (tab)
                        json_array_set_new(lines, i, json_stringn(s, (size_t)(tab - s)));
        }
}

int cmd_top(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
                if (c != 'h')
                        return CLI_EXIT_ERROR;
                printf("usage: varpod top CONTAINER [DESCRIPTOR...]\n");
                return 0;
        }
        if (optind >= argc) {
                cli_error("top needs a container");
                return CLI_EXIT_ERROR;
        }
        _cleanup_json_ json_t *opts = top_descriptors(argc, argv, optind + 1);
        bool lone = json_array_size(opts) == 1;
        if (lone)
                json_array_append_new(opts, json_string("pid"));
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *params = json_pack("{s:s, s:O}", "name", argv[optind], "opts", opts);
        _cleanup_json_ json_t *reply = NULL;
        int r = cli_call(&s, "io.podman.ListContainerProcesses", params, &reply);
        cli_session_close(&s);
        if (r < 0)
                return CLI_EXIT_ERROR;
        json_t *lines = json_object_get(reply, "container");
        if (lone)
                top_drop_last_column(lines);
        top_print(lines);
        return 0;
}
