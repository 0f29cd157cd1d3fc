/* SPDX-License-Identifier: Apache-2.0 */
/* What the commands that take names and call one io.podman method per
 * name share (`varpod stop CONTAINER...`, `varpod pod kill POD...`): their
 * flags, --all, and the loop over the names. What each name's call sends
 * and prints is the group's (CliNamesKind.call). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "cli.h"
#include "json-util.h"

int cli_signal_parse(const char *s) {
        int sig = atoi(s);
        if (sig > 0)
                return sig < NSIG ? sig : -1;
        const char *name = STRPREFIX(s, "SIG") ? s + 3 : s;
        for (int i = 1; i < NSIG; i++) {
                const char *abbrev = sigabbrev_np(i);
                if (abbrev && strcasecmp(abbrev, name) == 0)
                        return i;
        }
        return -1;
}

int cli_names_all(CliSession *s, const CliNamesKind *kind, json_t *ids) {
        _cleanup_json_ json_t *reply = NULL;
        if (cli_call(s, kind->list_method, NULL, &reply) < 0)
                return -1;
        size_t i;
        json_t *o;
        json_array_foreach (json_object_get(reply, kind->list_key), i, o)
                json_array_append(ids, json_object_get(o, "id"));
        return 0;
}

int cli_names_run(CliGlobals *g, int argc, char **argv, const CliNamesKind *kind, int op) {
        struct option options[] = {
                { "force", no_argument, NULL, 'f' },
                { "all", no_argument, NULL, 'a' },
                { "time", required_argument, NULL, 't' },
                { "timeout", required_argument, NULL, 't' },
                { "signal", required_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                /* Last, so that a kind without it can end the table here. */
                { "attach", no_argument, NULL, 'A' },
                { 0 },
        };
        if (!kind->attach)
                options[ELEMENTSOF(options) - 2] = (struct option){ 0 };
        CliNamesFlags f = { .timeout = -1, .signal = SIGKILL };
        bool all = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, kind->optstring, options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        f.force = true;
                        break;
                case 'a':
                        all = true;
                        break;
                case 't':
                        f.timeout = atoi(optarg);
                        break;
                case 's':
                        if ((f.signal = cli_signal_parse(optarg)) < 0) {
                                cli_error("invalid signal `%s`", optarg);
                                return CLI_EXIT_ERROR;
                        }
                        break;
                case 'A':
                        break;
                case 'h':
                        printf("usage: %s %s [flags] %s...\n", kind->command, argv[0],
                               kind->metavar);
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (!all && optind >= argc) {
                cli_error("%s needs at least one %s", argv[0], kind->noun);
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *names = json_array();
        if (all && cli_names_all(&s, kind, names) < 0) {
                cli_session_close(&s);
                return CLI_EXIT_ERROR;
        }
        for (int i = optind; i < argc; i++)
                json_array_append_new(names, json_string(argv[i]));
        int ret = 0;
        size_t i;
        json_t *name;
        json_array_foreach (names, i, name) {
                int r = kind->call(&s, name, &f, op);
                if (r != 0)
                        ret = r;
        }
        cli_session_close(&s);
        return ret;
}
