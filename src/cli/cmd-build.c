/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod build [-f FILE] [-t TAG]... [--build-arg K=V]... [--format
 * oci|docker] [--pull] [--pull-always] [--label K=V]... [--annotation
 * K=V]... [-q] CONTEXT`: BuildImage with `more`, its log lines printed as
 * they come (STEP lines, RUN output, the image ID last). The context goes
 * first in `dockerfile` and the file, made absolute, after it (the
 * server's extension for a context that is not the Dockerfile's
 * directory). --no-cache, --rm, --force-rm and --layers are accepted for
 * podman's scripts and change nothing: every build starts afresh and
 * removes what it made. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json-util.h"
#include "xalloc.h"

static char *absolute(const char *path) {
        char cwd[PATH_MAX];
        if (path[0] == '/' || !getcwd(cwd, sizeof cwd))
                return xstrdup(path);
        return xasprintf("%s/%s", cwd, path);
}

static void usage(void) {
        printf("usage: varpod build [-f FILE] [-t TAG]... [--build-arg K=V]... "
               "[--format oci|docker] [--pull] [--pull-always] [--label K=V]... "
               "[--annotation K=V]... [-m MEMORY] [-q] CONTEXT\n");
}

/* Prints the replies until the last; the final reply's ID in *ret_id. */
static int build_receive(CliSession *s, json_t *params, bool quiet, char **ret_id) {
        _cleanup_error_ Error *e = NULL;
        if (vl_client_call(s->client, "io.podman.BuildImage", params, VL_CALL_MORE, &e) < 0) {
                cli_error("%s", e->message);
                return -1;
        }
        for (;;) {
                _cleanup_json_ json_t *reply = NULL;
                _cleanup_free_ char *error = NULL;
                bool continues = false;
                if (vl_client_receive(s->client, &reply, &error, &continues, &e) < 0) {
                        cli_error("%s", e->message);
                        return -1;
                }
                if (error) {
                        const char *reason = json_string_value(json_object_get(reply, "reason"));
                        cli_error("%s", reason ? reason : error);
                        return -1;
                }
                json_t *image = json_object_get(reply, "image");
                size_t i;
                json_t *line;
                if (!quiet)
                        json_array_foreach (json_object_get(image, "logs"), i, line)
                                fputs(json_string_value(line) ? json_string_value(line) : "",
                                      stdout);
                fflush(stdout);
                if (!continues) {
                        const char *id = json_string_value(json_object_get(image, "id"));
                        *ret_id = xstrdup(id ? id : "");
                        return 0;
                }
        }
}

int cmd_build(CliGlobals *g, int argc, char **argv) {
        enum {
                OPT_BUILD_ARG = 256,
                OPT_PULL,
                OPT_PULL_ALWAYS,
                OPT_LABEL,
                OPT_ANNOTATION,
                OPT_IGNORED,
                OPT_SQUASH
        };
        static const struct option options[] = {
                { "file", required_argument, NULL, 'f' },
                { "tag", required_argument, NULL, 't' },
                { "build-arg", required_argument, NULL, OPT_BUILD_ARG },
                { "format", required_argument, NULL, 'F' },
                { "pull", optional_argument, NULL, OPT_PULL },
                { "pull-always", optional_argument, NULL, OPT_PULL_ALWAYS },
                { "label", required_argument, NULL, OPT_LABEL },
                { "annotation", required_argument, NULL, OPT_ANNOTATION },
                { "memory", required_argument, NULL, 'm' },
                { "squash", no_argument, NULL, OPT_SQUASH },
                { "no-cache", optional_argument, NULL, OPT_IGNORED },
                { "rm", optional_argument, NULL, OPT_IGNORED },
                { "force-rm", optional_argument, NULL, OPT_IGNORED },
                { "layers", optional_argument, NULL, OPT_IGNORED },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        _cleanup_json_ json_t *files = json_array(), *tags = json_array(),
                              *build_args = json_object(), *labels = json_array(),
                              *annotations = json_array();
        const char *format = "oci", *memory = "";
        bool pull = false, pull_always = false, quiet = false, squash = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "f:t:m:qh", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        json_array_append_new(files, json_string_nocheck(optarg));
                        break;
                case 't':
                        json_array_append_new(tags, json_string_nocheck(optarg));
                        break;
                case OPT_BUILD_ARG: {
                        const char *eq = strchr(optarg, '=');
                        if (!eq) {
                                /* podman takes a bare NAME from the environment. */
                                const char *v = getenv(optarg);
                                if (v)
                                        json_object_set_new_nocheck(build_args, optarg,
                                                                    json_string_nocheck(v));
                                break;
                        }
                        _cleanup_free_ char *k = xstrndup(optarg, (size_t)(eq - optarg));
                        json_object_set_new_nocheck(build_args, k, json_string_nocheck(eq + 1));
                        break;
                }
                case 'F':
                        format = optarg;
                        break;
                case OPT_PULL:
                        pull = !optarg || STREQ(optarg, "true");
                        break;
                case OPT_PULL_ALWAYS:
                        pull_always = !optarg || STREQ(optarg, "true");
                        break;
                case OPT_LABEL:
                        json_array_append_new(labels, json_string_nocheck(optarg));
                        break;
                case OPT_ANNOTATION:
                        json_array_append_new(annotations, json_string_nocheck(optarg));
                        break;
                case 'm':
                        memory = optarg;
                        break;
                case OPT_SQUASH:
                        squash = true;
                        break;
                case OPT_IGNORED:
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'h':
                        usage();
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (argc - optind > 1) {
                cli_error("build takes one context directory");
                return CLI_EXIT_ERROR;
        }
        _cleanup_json_ json_t *dockerfile = json_array();
        _cleanup_free_ char *context = absolute(optind < argc ? argv[optind] : ".");
        json_array_append_new(dockerfile, json_string_nocheck(context));
        size_t i;
        json_t *f;
        json_array_foreach (files, i, f) {
                _cleanup_free_ char *path = absolute(json_string_value(f));
                json_array_append_new(dockerfile, json_string_nocheck(path));
        }
        _cleanup_json_ json_t *params =
                json_pack("{s:{s:O, s:O, s:O, s:O, s:O, s:s, s:s, s:b, s:b, s:b}}", "build",
                          "dockerfile", dockerfile, "tags", tags, "build_args", build_args, "label",
                          labels, "annotations", annotations, "image_format", format, "memory",
                          memory, "pull", pull, "pull_always", pull_always, "squash", squash);
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_free_ char *id = NULL;
        int r = build_receive(&s, params, quiet, &id);
        cli_session_close(&s);
        if (r < 0)
                return CLI_EXIT_ERROR;
        if (quiet)
                printf("%s\n", id);
        return 0;
}
