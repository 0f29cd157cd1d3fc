/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod varlink [--timeout MS] ADDRESS`: serve io.podman. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cli.h"

/* The reference service exited after one idle second, to be started again
 * by socket activation on the next connection. */
#define VARLINK_DEFAULT_TIMEOUT_MS 1000

static int parse_timeout(const char *s, uint64_t *ret) {
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || !*s || *end || v < 0)
                return -1;
        *ret = (uint64_t)v;
        return 0;
}

int cmd_varlink(CliGlobals *g, int argc, char **argv) {
        uint64_t timeout = VARLINK_DEFAULT_TIMEOUT_MS;
        const char *address = NULL;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                const char *value = NULL;
                if (STREQ(a, "--timeout") || STREQ(a, "-t")) {
                        if (i + 1 >= argc) {
                                cli_error("`%s` needs a value in milliseconds", a);
                                return CLI_EXIT_ERROR;
                        }
                        value = argv[++i];
                } else if (STRPREFIX(a, "--timeout="))
                        value = a + 10;
                else if (STREQ(a, "--help") || STREQ(a, "-h")) {
                        printf("usage: varpod [global flags] varlink [--timeout MS] ADDRESS\n"
                               "Serves io.podman on ADDRESS (unix:/path, unix:@name, "
                               "tcp:host:port).\n"
                               "--timeout: exit after MS idle milliseconds (0: never; default "
                               "%d)\n",
                               VARLINK_DEFAULT_TIMEOUT_MS);
                        return 0;
                } else if (a[0] == '-' && a[1]) {
                        cli_error("unknown flag `%s` for varlink", a);
                        return CLI_EXIT_ERROR;
                } else if (!address)
                        address = a;
                else {
                        cli_error("varlink takes one address, got `%s` too", a);
                        return CLI_EXIT_ERROR;
                }
                if (value && parse_timeout(value, &timeout) < 0) {
                        cli_error("invalid timeout `%s`: expected milliseconds", value);
                        return CLI_EXIT_ERROR;
                }
        }
        if (!address) {
                cli_error("you must provide a varlink URI");
                return CLI_EXIT_ERROR;
        }

        _cleanup_error_ Error *e = NULL;
        _cleanup_(engine_freep) Engine *engine = NULL;
        _cleanup_(vl_server_freep) VlServer *server = NULL;
        if (engine_open(&engine, &g->config, &e) < 0 ||
            vl_server_new(&server, &api_service_info, &e) < 0 ||
            api_register(server, engine, &e) < 0 || vl_server_listen(server, address, &e) < 0) {
                cli_error("unable to start varlink service: %s", e->message);
                return CLI_EXIT_ERROR;
        }
        if (vl_server_run(server, timeout, true, &e) < 0) {
                cli_error("varlink service failed: %s", e->message);
                return CLI_EXIT_ERROR;
        }
        return 0;
}
