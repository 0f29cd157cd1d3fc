/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod info ADDRESS` and `varpod help ADDRESS/INTERFACE`: what a service
 * offers, through org.varlink.service, as the varlink CLI prints it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json-util.h"
#include "varlink.h"
#include "xalloc.h"

static int service_call(const char *address, const char *method, json_t *params, json_t **ret) {
        _cleanup_error_ Error *e = NULL;
        _cleanup_(vl_client_freep) VlClient *client = NULL;
        _cleanup_free_ char *error = NULL;
        json_t *reply = NULL;
        if (vl_client_connect(&client, address, &e) < 0 ||
            vl_client_call_simple(client, method, params, &reply, &error, &e) < 0) {
                cli_error("%s", e->message);
                return CLI_EXIT_ERROR;
        }
        if (error) {
                fprintf(stderr, "Call failed with error: %s\n", error);
                cli_json_print(reply);
                json_decref(reply);
                return 1;
        }
        *ret = reply;
        return 0;
}

int cmd_info(CliGlobals *g, int argc, char **argv) {
        if (argc != 2 || argv[1][0] == '-') {
                fputs("usage: varpod info ADDRESS\n", argc == 2 ? stdout : stderr);
                return argc == 2 ? 0 : CLI_EXIT_ERROR;
        }
        _cleanup_json_ json_t *info = NULL;
        int r = service_call(argv[1], "org.varlink.service.GetInfo", NULL, &info);
        if (r != 0)
                return r;
        printf("Vendor: %s\nProduct: %s\nVersion: %s\nURL: %s\nInterfaces:\n",
               json_string_value(json_object_get(info, "vendor")),
               json_string_value(json_object_get(info, "product")),
               json_string_value(json_object_get(info, "version")),
               json_string_value(json_object_get(info, "url")));
        size_t i;
        json_t *name;
        json_array_foreach (json_object_get(info, "interfaces"), i, name)
                printf("  %s\n", json_string_value(name));
        return 0;
}

int cmd_help(CliGlobals *g, int argc, char **argv) {
        if (argc != 2 || argv[1][0] == '-') {
                fputs("usage: varpod help ADDRESS/INTERFACE\n", argc == 2 ? stdout : stderr);
                return argc == 2 ? 0 : CLI_EXIT_ERROR;
        }
        _cleanup_free_ char *address = NULL, *iface = NULL;
        if (cli_split_address(argv[1], &address, &iface) < 0) {
                cli_error("expected ADDRESS/INTERFACE, got `%s`", argv[1]);
                return CLI_EXIT_ERROR;
        }
        _cleanup_json_ json_t *params = json_pack("{s:s}", "interface", iface);
        _cleanup_json_ json_t *reply = NULL;
        int r = service_call(address, "org.varlink.service.GetInterfaceDescription", params,
                             &reply);
        if (r != 0)
                return r;
        fputs(json_string_value(json_object_get(reply, "description")), stdout);
        return 0;
}
