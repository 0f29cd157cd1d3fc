/* SPDX-License-Identifier: Apache-2.0 */
/* Where CLI commands send their io.podman calls: to an engine of this
 * process (the default), or to a service with --remote, found as
 * podman-remote found it. Both go through the same io.podman handlers, so
 * local and remote behave alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cli.h"
#include "json-util.h"
#include "xalloc.h"

#define CLI_DEFAULT_ADDRESS "unix:/run/podman/io.podman"

int cli_session_open(CliGlobals *g, CliSession *ret) {
        _cleanup_error_ Error *e = NULL;
        *ret = (CliSession){ 0 };
        if (g->remote) {
                const char *bridge = getenv("PODMAN_VARLINK_BRIDGE");
                const char *address = g->url ? g->url : getenv("PODMAN_VARLINK_ADDRESS");
                int r = !address && bridge && *bridge
                                ? vl_client_connect_bridge(&ret->client, bridge, &e)
                                : vl_client_connect(&ret->client,
                                                    address ? address : CLI_DEFAULT_ADDRESS, &e);
                if (r < 0) {
                        cli_error("%s", e->message);
                        return -1;
                }
                return 0;
        }
        if (engine_open(&ret->engine, &g->config, &e) < 0 ||
            vl_server_new(&ret->server, &api_service_info, &e) < 0 ||
            api_register(ret->server, ret->engine, &e) < 0 ||
            vl_server_connect_local(ret->server, &ret->client, &e) < 0) {
                cli_error("%s", e->message);
                cli_session_close(ret);
                return -1;
        }
        return 0;
}

void cli_session_close(CliSession *s) {
        /* Client first: its connection's end lets the server thread finish. */
        s->client = vl_client_free(s->client);
        s->server = vl_server_free(s->server);
        s->engine = engine_free(s->engine);
}

int cli_call(CliSession *s, const char *method, json_t *params, json_t **ret) {
        return cli_call_error(s, method, params, ret, NULL);
}

int cli_call_once(CliGlobals *g, const char *method, json_t *params, json_t **ret) {
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return -1;
        int r = cli_call(&s, method, params, ret);
        cli_session_close(&s);
        return r;
}

int cli_call_error(CliSession *s, const char *method, json_t *params, json_t **ret,
                   char **ret_error) {
        _cleanup_error_ Error *e = NULL;
        _cleanup_free_ char *error = NULL;
        json_t *reply = NULL;
        if (ret_error)
                *ret_error = NULL;
        if (vl_client_call_simple(s->client, method, params, &reply, &error, &e) < 0) {
                cli_error("%s", e->message);
                return -1;
        }
        if (error) {
                if (ret_error)
                        *ret_error = xstrdup(error);
                /* podman's form: the reason or name the error carries. */
                const char *reason = json_string_value(json_object_get(reply, "reason"));
                const char *name = json_string_value(json_object_get(reply, "name"));
                if (STREQ(error, "io.podman.ImageNotFound"))
                        fprintf(stderr, "Error: %s: image not known\n", name ? name : "");
                else if (STREQ(error, "io.podman.ContainerNotFound"))
                        fprintf(stderr, "Error: no container with name or ID \"%s\" found\n",
                                name ? name : "");
                else if (STREQ(error, "io.podman.PodNotFound"))
                        fprintf(stderr, "Error: no pod with name or ID %s found: no such pod\n",
                                name ? name : "");
                else if (STREQ(error, "io.podman.NoContainersInPod"))
                        fprintf(stderr, "Error: no containers in pod %s\n", name ? name : "");
                else if (STREQ(error, "io.podman.NoContainerRunning"))
                        fprintf(stderr, "Error: no container is running\n");
                else if (STREQ(error, "io.podman.PodContainerError")) {
                        /* podman's: one line per container that failed. */
                        size_t i;
                        json_t *item;
                        json_array_foreach (json_object_get(reply, "errors"), i, item)
                                fprintf(stderr, "Error: %s: %s\n",
                                        json_string_value(json_object_get(item, "containerid")),
                                        json_string_value(json_object_get(item, "reason")));
                } else if (reason)
                        fprintf(stderr, "Error: %s\n", reason);
                else {
                        _cleanup_free_ char *text = json_dumps(reply, JSON_COMPACT);
                        fprintf(stderr, "Error: %s %s\n", error, text ? text : "");
                }
                json_decref(reply);
                if (ret)
                        *ret = NULL;
                return -1;
        }
        if (ret)
                *ret = reply;
        else
                json_decref(reply);
        return 0;
}
