/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod call [-m] [--oneway] ADDRESS/INTERFACE.METHOD [JSON|-]`: the
 * generic varlink client, with the reference `varlink call` syntax. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json-util.h"
#include "varlink.h"
#include "xalloc.h"

static void call_usage(FILE *f) {
        fputs("usage: varpod call [-m|--more] [--oneway] ADDRESS/INTERFACE.METHOD [ARGUMENTS]\n"
              "ARGUMENTS is a JSON object of parameters, or - to read it from stdin.\n",
              f);
}

/* Prints an error reply as the varlink CLI does: its name, then its
 * parameters. */
static void call_print_error(const char *error, json_t *params) {
        fprintf(stderr, "Call failed with error: %s\n", error);
        _cleanup_free_ char *text = json_dumps(params, JSON_INDENT(2));
        if (text && json_object_size(params) > 0)
                fprintf(stderr, "%s\n", text);
}

int cmd_call(CliGlobals *g, int argc, char **argv) {
        unsigned flags = 0;
        const char *target = NULL, *args = NULL;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (STREQ(a, "-m") || STREQ(a, "--more"))
                        flags |= VL_CALL_MORE;
                else if (STREQ(a, "--oneway"))
                        flags |= VL_CALL_ONEWAY;
                else if (STREQ(a, "-h") || STREQ(a, "--help")) {
                        call_usage(stdout);
                        return 0;
                } else if (a[0] == '-' && a[1]) {
                        cli_error("unknown flag `%s` for call", a);
                        return CLI_EXIT_ERROR;
                } else if (!target)
                        target = a;
                else if (!args)
                        args = a;
                else {
                        call_usage(stderr);
                        return CLI_EXIT_ERROR;
                }
        }
        _cleanup_free_ char *address = NULL, *method = NULL;
        if (!target || cli_split_address(target, &address, &method) < 0 || !strchr(method, '.')) {
                call_usage(stderr);
                return CLI_EXIT_ERROR;
        }

        json_error_t jerr;
        _cleanup_json_ json_t *params = !args              ? json_object()
                                        : STREQ(args, "-") ? json_loadf(stdin, 0, &jerr)
                                                           : json_loads(args, 0, &jerr);
        if (!params) {
                cli_error("invalid JSON arguments: %s", jerr.text);
                return CLI_EXIT_ERROR;
        }
        if (!json_is_object(params)) {
                cli_error("arguments must be a JSON object");
                return CLI_EXIT_ERROR;
        }

        _cleanup_error_ Error *e = NULL;
        _cleanup_(vl_client_freep) VlClient *client = NULL;
        if (vl_client_connect(&client, address, &e) < 0 ||
            vl_client_call(client, method, params, flags, &e) < 0) {
                cli_error("%s", e->message);
                return CLI_EXIT_ERROR;
        }
        if (flags & VL_CALL_ONEWAY)
                return 0;
        for (;;) {
                _cleanup_json_ json_t *reply = NULL;
                _cleanup_free_ char *error = NULL;
                bool continues = false;
                if (vl_client_receive(client, &reply, &error, &continues, &e) < 0) {
                        cli_error("%s", e->message);
                        return CLI_EXIT_ERROR;
                }
                if (error) {
                        call_print_error(error, reply);
                        return 1;
                }
                cli_json_print(reply);
                if (!continues)
                        return 0;
        }
}
