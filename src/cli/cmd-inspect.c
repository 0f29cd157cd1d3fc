/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod inspect [--type container|image|all] NAME...`: the inspect
 * documents, as a JSON array. Without --type (all), a name is looked up
 * as a container first and as an image when no container has it, as
 * podman does. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "json-util.h"

typedef enum InspectType {
        INSPECT_ALL,
        INSPECT_CONTAINER,
        INSPECT_IMAGE,
} InspectType;

static int inspect_type_parse(const char *text, InspectType *ret) {
        if (STREQ(text, "all"))
                *ret = INSPECT_ALL;
        else if (STREQ(text, "container"))
                *ret = INSPECT_CONTAINER;
        else if (STREQ(text, "image"))
                *ret = INSPECT_IMAGE;
        else
                return -1;
        return 0;
}

/* Whether a container answers to name (ContainerExists: 0 means yes). */
static bool inspect_is_container(CliSession *s, const char *name) {
        _cleanup_json_ json_t *params = json_pack("{s:s}", "name", name);
        _cleanup_json_ json_t *reply = NULL;
        if (cli_call(s, "io.podman.ContainerExists", params, &reply) < 0)
                return false;
        return json_integer_value(json_object_get(reply, "exists")) == 0;
}

/* The document of one name, or NULL after the error was printed. */
static json_t *inspect_one(CliSession *s, const char *name, InspectType type) {
        if (type == INSPECT_ALL)
                type = inspect_is_container(s, name) ? INSPECT_CONTAINER : INSPECT_IMAGE;
        bool container = type == INSPECT_CONTAINER;
        _cleanup_json_ json_t *params = json_pack("{s:s}", "name", name);
        _cleanup_json_ json_t *reply = NULL;
        if (cli_call(s, container ? "io.podman.InspectContainer" : "io.podman.InspectImage", params,
                     &reply) < 0)
                return NULL;
        const char *text =
                json_string_value(json_object_get(reply, container ? "container" : "image"));
        json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
        if (!doc)
                cli_error("inspect %s: the service sent no valid document", name);
        return doc;
}

int cmd_inspect(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "type", required_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        InspectType type = INSPECT_ALL;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+t:h", options, NULL)) != -1) {
                switch (c) {
                case 't':
                        if (inspect_type_parse(optarg, &type) < 0) {
                                cli_error("inspect --type `%s`: container, image or all", optarg);
                                return CLI_EXIT_ERROR;
                        }
                        break;
                case 'h':
                        printf("usage: varpod inspect [--type container|image|all] NAME...\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (optind >= argc) {
                cli_error("inspect needs at least one name");
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        int ret = 0;
        _cleanup_json_ json_t *docs = json_array();
        for (int i = optind; i < argc; i++) {
                json_t *doc = inspect_one(&s, argv[i], type);
                if (doc)
                        json_array_append_new(docs, doc);
                else
                        ret = CLI_EXIT_ERROR;
        }
        cli_session_close(&s);
        cli_json_print(docs);
        return ret;
}
