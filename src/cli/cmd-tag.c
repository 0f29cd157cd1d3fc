/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod tag IMAGE NAME...`. */
#include <stdio.h>

#include "cli.h"
#include "json-util.h"

int cmd_tag(CliGlobals *g, int argc, char **argv) {
        if (argc < 3) {
                fprintf(stderr, "usage: varpod tag IMAGE NAME...\n");
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        int ret = 0;
        for (int i = 2; i < argc && ret == 0; i++) {
                _cleanup_json_ json_t *params =
                        json_pack("{s:s, s:s}", "name", argv[1], "tagged", argv[i]);
                if (cli_call(&s, "io.podman.TagImage", params, NULL) < 0)
                        ret = CLI_EXIT_ERROR;
        }
        cli_session_close(&s);
        return ret;
}
