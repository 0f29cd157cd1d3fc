/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod images [-q] [--no-trunc] [--format json]`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json-util.h"

/* Splits "registry/repo:tag" into repository and tag at the last ':' after
 * the last '/'. */
static void name_split(const char *name, char *repo, size_t rsize, char *tag, size_t tsize) {
        const char *slash = strrchr(name, '/');
        const char *colon = strrchr(name, ':');
        const char *at = strchr(name, '@');
        if (at) {
                snprintf(repo, rsize, "%.*s", (int)(at - name), name);
                snprintf(tag, tsize, "<none>");
        } else if (colon && (!slash || colon > slash)) {
                snprintf(repo, rsize, "%.*s", (int)(colon - name), name);
                snprintf(tag, tsize, "%s", colon + 1);
        } else {
                snprintf(repo, rsize, "%s", name);
                snprintf(tag, tsize, "latest");
        }
}

static void images_print_row(json_t *img, const char *name, bool no_trunc) {
        char repo[512], tag[256], size[32], ago[64];
        if (name)
                name_split(name, repo, sizeof repo, tag, sizeof tag);
        else {
                snprintf(repo, sizeof repo, "<none>");
                snprintf(tag, sizeof tag, "<none>");
        }
        int64_t created = 0;
        (void)cli_go_time_parse(json_string_value(json_object_get(img, "created")), &created);
        cli_ago_format(created, ago, sizeof ago);
        cli_size_format(json_integer_value(json_object_get(img, "size")), size, sizeof size);
        const char *id = json_string_value(json_object_get(img, "id"));
        printf("%-40s %-10s %-*.*s %-16s %s\n", repo, tag, no_trunc ? 64 : 12, no_trunc ? 64 : 12,
               id, ago, size);
}

int cmd_images(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "quiet", no_argument, NULL, 'q' },        { "no-trunc", no_argument, NULL, 'n' },
                { "format", required_argument, NULL, 'f' }, { "all", no_argument, NULL, 'a' },
                { "help", no_argument, NULL, 'h' },         { 0 },
        };
        bool quiet = false, no_trunc = false;
        const char *format = NULL;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "qah", options, NULL)) != -1) {
                switch (c) {
                case 'q':
                        quiet = true;
                        break;
                case 'n':
                        no_trunc = true;
                        break;
                case 'f':
                        format = optarg;
                        break;
                case 'a':
                        break; /* intermediate images are not kept apart here */
                case 'h':
                        printf("usage: varpod images [-q] [--no-trunc] [--format json]\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (format && !STREQ(format, "json")) {
                cli_error("unsupported --format `%s` (only json)", format);
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *reply = NULL;
        int r = cli_call(&s, "io.podman.ListImages", NULL, &reply);
        cli_session_close(&s);
        if (r < 0)
                return CLI_EXIT_ERROR;

        json_t *images = json_object_get(reply, "images");
        size_t i;
        json_t *img;
        if (format) {
                json_t *out = json_array();
                json_array_foreach (images, i, img)
                        json_array_append(out, img);
                cli_json_print(out);
                json_decref(out);
                return 0;
        }
        if (!quiet)
                printf("%-40s %-10s %-*s %-16s %s\n", "REPOSITORY", "TAG", no_trunc ? 64 : 12,
                       "IMAGE ID", "CREATED", "SIZE");
        json_array_foreach (images, i, img) {
                const char *id = json_string_value(json_object_get(img, "id"));
                if (quiet) {
                        printf("%.*s\n", no_trunc ? 64 : 12, id);
                        continue;
                }
                json_t *tags = json_object_get(img, "repoTags");
                if (json_array_size(tags) == 0) {
                        images_print_row(img, NULL, no_trunc);
                        continue;
                }
                size_t k;
                json_t *t;
                json_array_foreach (tags, k, t)
                        images_print_row(img, json_string_value(t), no_trunc);
        }
        return 0;
}
