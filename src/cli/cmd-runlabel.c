/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod container runlabel [--name N] [--authfile F] [--creds U:P]
 * [--cert-dir D] [--tls-verify=BOOL] [--pull] [--display] [--opt1 V]
 * [--opt2 V] [--opt3 V] LABEL IMAGE [ARG...]`: runs the command of an
 * image's label through io.podman.ContainerRunlabel, which runs it where
 * the engine is: in this process (our stdio), or with --remote on the
 * service's host with the service's stdio, as podman-remote did.
 * --display prints the command instead, built here from the image's
 * labels with this binary and our global flags for podman/docker. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "container-runlabel.h"
#include "json-util.h"
#include "shell-words.h"
#include "xalloc.h"

typedef struct RunlabelArgs {
        const char *name, *authfile, *creds, *cert_dir;
        bool tls_verify, pull, display;
        const char *opts[3];
        const char *label, *image;
        char **extra; /* NULL-terminated, borrowed from argv */
} RunlabelArgs;

/* The command, without running it: the image's labels from InspectImage. */
static int runlabel_display(CliGlobals *g, CliSession *s, const RunlabelArgs *a) {
        _cleanup_json_ json_t *reply = NULL;
        _cleanup_json_ json_t *params = json_pack("{s:s}", "name", a->image);
        if (cli_call(s, "io.podman.InspectImage", params, &reply) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *doc =
                json_loads(json_string_value(json_object_get(reply, "image")) ?: "", 0, NULL);
        const char *value = container_runlabel_label_find(json_object_get(doc, "Labels"), a->label);
        if (!value || !*value) {
                cli_error("cannot find the value of label: %s in image: %s", a->label, a->image);
                return CLI_EXIT_ERROR;
        }
        const char *image_name =
                json_string_value(json_array_get(json_object_get(doc, "RepoTags"), 0));
        if (!image_name)
                image_name = json_string_value(json_object_get(doc, "Id")) ?: a->image;
        _cleanup_free_ char *base = container_runlabel_base_name(image_name);
        _cleanup_(shell_words_freep) char **self = container_runlabel_self_command(&g->config);
        _cleanup_(container_runlabel_freep) ContainerRunlabel *cmd = NULL;
        _cleanup_error_ Error *e = NULL;
        if (container_runlabel_build(value, a->extra, image_name, *a->name ? a->name : base,
                                     a->opts, self, &cmd, &e) < 0) {
                cli_error("%s", e->message);
                return CLI_EXIT_ERROR;
        }
        _cleanup_free_ char *line = shell_words_join(cmd->argv);
        printf("command: %s\n", line);
        return 0;
}

static int runlabel_call(CliSession *s, const RunlabelArgs *a) {
        json_t *extra = json_array();
        for (char **p = a->extra; *p; p++)
                json_array_append_new(extra, json_string(*p));
        json_t *opts = json_object();
        for (int i = 0; i < 3; i++)
                if (*a->opts[i]) {
                        char key[8];
                        snprintf(key, sizeof key, "opt%d", i + 1);
                        json_object_set_new(opts, key, json_string(a->opts[i]));
                }
        _cleanup_json_ json_t *params =
                json_pack("{s:{s:s, s:s, s:s, s:s, s:b, s:s, s:b, s:s, s:b, s:s, s:o, s:o}}",
                          "runlabel", "image", a->image, "authfile", a->authfile, "certDir",
                          a->cert_dir, "creds", a->creds, "display", a->display, "name", a->name,
                          "pull", a->pull, "signaturePolicyPath", "", "tlsVerify", a->tls_verify,
                          "label", a->label, "extraArgs", extra, "opts", opts);
        return cli_call(s, "io.podman.ContainerRunlabel", params, NULL) < 0 ? CLI_EXIT_ERROR : 0;
}

int cmd_runlabel(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "name", required_argument, NULL, 'n' },
                { "authfile", required_argument, NULL, 'a' },
                { "creds", required_argument, NULL, 'r' },
                { "cert-dir", required_argument, NULL, 'c' },
                { "tls-verify", optional_argument, NULL, 't' },
                { "pull", no_argument, NULL, 'p' },
                { "display", no_argument, NULL, 'd' },
                { "opt1", required_argument, NULL, '1' },
                { "opt2", required_argument, NULL, '2' },
                { "opt3", required_argument, NULL, '3' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        RunlabelArgs a = { .name = "",
                           .authfile = "",
                           .creds = "",
                           .cert_dir = "",
                           .tls_verify = true,
                           .opts = { "", "", "" } };
        int c;
        optind = 1;
        /* '+': the arguments after IMAGE are the label command's own. */
        while ((c = getopt_long(argc, argv, "+n:ph", options, NULL)) != -1) {
                switch (c) {
                case 'n':
                        a.name = optarg;
                        break;
                case 'a':
                        a.authfile = optarg;
                        break;
                case 'r':
                        a.creds = optarg;
                        break;
                case 'c':
                        a.cert_dir = optarg;
                        break;
                case 't':
                        a.tls_verify = !optarg || STREQ(optarg, "true");
                        break;
                case 'p':
                        a.pull = true;
                        break;
                case 'd':
                        a.display = true;
                        break;
                case '1':
                case '2':
                case '3':
                        a.opts[c - '1'] = optarg;
                        break;
                case 'h':
                        printf("usage: varpod container runlabel [--name NAME] [--authfile FILE] "
                               "[--creds USER:PASS] [--cert-dir DIR] [--tls-verify=BOOL] [--pull] "
                               "[--display] [--opt1 V] [--opt2 V] [--opt3 V] LABEL IMAGE "
                               "[ARG...]\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (argc - optind < 2) {
                cli_error("runlabel needs a label and an image");
                return CLI_EXIT_ERROR;
        }
        a.label = argv[optind];
        a.image = argv[optind + 1];
        a.extra = argv + optind + 2;

        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        int r = 0;
        if (a.display && a.pull) {
                _cleanup_json_ json_t *params =
                        json_pack("{s:s, s:s, s:s, s:b}", "name", a.image, "certDir", a.cert_dir,
                                  "creds", a.creds, "tlsVerify", a.tls_verify);
                r = cli_call(&s, "io.podman.PullImage", params, NULL) < 0 ? CLI_EXIT_ERROR : 0;
        }
        if (r == 0)
                r = a.display ? runlabel_display(g, &s, &a) : runlabel_call(&s, &a);
        cli_session_close(&s);
        return r;
}
