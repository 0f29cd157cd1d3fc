/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod port CONTAINER [PORT[/PROTO]]`: the published ports of a
 * container ("80/tcp -> 0.0.0.0:8080"), or where one container port is
 * published ("0.0.0.0:8080"), from GetContainer's port list. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json-util.h"
#include "xalloc.h"

/* "80" or "80/udp" against a mapping; the protocol defaults to tcp. */
static bool port_matches(json_t *p, const char *filter) {
        const char *slash = strchr(filter, '/');
        size_t len = slash ? (size_t)(slash - filter) : strlen(filter);
        const char *port = json_string_value(json_object_get(p, "container_port"));
        const char *proto = json_string_value(json_object_get(p, "protocol"));
        return port && proto && strlen(port) == len && strncmp(port, filter, len) == 0 &&
               STREQ(proto, slash ? slash + 1 : "tcp");
}

static void port_print(json_t *p, bool with_container_port) {
        const char *ip = json_string_value(json_object_get(p, "host_ip"));
        if (with_container_port)
                printf("%s/%s -> ", json_string_value(json_object_get(p, "container_port")),
                       json_string_value(json_object_get(p, "protocol")));
        /* Published on every address: podman shows the IPv4 wildcard. */
        printf("%s:%s\n", ip && *ip ? ip : "0.0.0.0",
               json_string_value(json_object_get(p, "host_port")));
}

int cmd_port(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
                if (c != 'h')
                        return CLI_EXIT_ERROR;
                printf("usage: varpod port CONTAINER [PORT[/PROTO]]\n");
                return 0;
        }
        if (optind >= argc || argc - optind > 2) {
                cli_error("port needs a container and at most one port");
                return CLI_EXIT_ERROR;
        }
        const char *filter = argc - optind == 2 ? argv[optind + 1] : NULL;
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *params = json_pack("{s:s}", "name", argv[optind]);
        _cleanup_json_ json_t *reply = NULL;
        int r = cli_call(&s, "io.podman.GetContainer", params, &reply);
        cli_session_close(&s);
        if (r < 0)
                return CLI_EXIT_ERROR;
        bool found = false;
        size_t i;
        json_t *p;
        json_array_foreach (json_object_get(json_object_get(reply, "container"), "ports"), i, p) {
                if (filter && !port_matches(p, filter))
                        continue;
                port_print(p, !filter);
                found = true;
        }
        if (filter && !found) {
                cli_error("failed to find published port \"%s\"", filter);
                return CLI_EXIT_ERROR;
        }
        return 0;
}
