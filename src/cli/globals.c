/* SPDX-License-Identifier: Apache-2.0 */
/* Global flags, spelled as podman spells them so podman scripts work. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "xalloc.h"

void cli_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        /* podman's form for every failure, usage errors included: scripts
         * look for it. */
        fputs("Error: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

void cli_globals_clear(CliGlobals *g) {
        engine_config_clear(&g->config);
        free(g->url);
        g->url = NULL;
}

typedef enum { FLAG_STRING, FLAG_STORAGE_OPT, FLAG_BOOL, FLAG_IGNORED } FlagKind;

int cli_globals_parse(CliGlobals *g, int argc, char **argv) {
        EngineConfig *c = &g->config;
        const struct {
                const char *name;
                FlagKind kind;
                char **field;
        } flags[] = {
                { "root", FLAG_STRING, &c->root },
                { "runroot", FLAG_STRING, &c->runroot },
                { "storage-driver", FLAG_STRING, &c->storage_driver },
                { "storage-opt", FLAG_STORAGE_OPT, NULL },
                { "runtime", FLAG_STRING, &c->runtime },
                { "cgroup-manager", FLAG_STRING, &c->cgroup_manager },
                { "cni-config-dir", FLAG_STRING, &c->cni_config_dir },
                { "conmon", FLAG_STRING, &c->conmon },
                { "tmpdir", FLAG_STRING, &c->tmpdir },
                { "log-level", FLAG_STRING, &c->log_level },
                { "namespace", FLAG_STRING, &c->namespace },
                { "hooks-dir", FLAG_STRING, &c->hooks_dir },
                { "events-backend", FLAG_STRING, &c->events_backend },
                { "url", FLAG_STRING, &g->url },
                { "remote", FLAG_BOOL, NULL },
                /* Accepted for podman compatibility; they change nothing here. */
                { "cpu-profile", FLAG_IGNORED, NULL },
                { "default-mounts-file", FLAG_IGNORED, NULL },
                { "network-cmd-path", FLAG_IGNORED, NULL },
                { "config", FLAG_IGNORED, NULL },
                { "syslog", FLAG_BOOL, NULL },
        };

        int i = 1;
        while (i < argc && argv[i][0] == '-' && argv[i][1] == '-' && argv[i][2]) {
                const char *arg = argv[i] + 2;
                const char *eq = strchr(arg, '=');
                size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
                size_t f;
                for (f = 0; f < ELEMENTSOF(flags); f++)
                        if (strlen(flags[f].name) == len && strncmp(flags[f].name, arg, len) == 0)
                                break;
                if (f == ELEMENTSOF(flags)) {
                        cli_error("unknown global flag `%s` (see `varpod help`)", argv[i]);
                        return -1;
                }
                if (flags[f].kind == FLAG_BOOL) {
                        bool value = !eq || STREQ(eq + 1, "true");
                        if (STREQ(flags[f].name, "remote"))
                                g->remote = value;
                        i++;
                        continue;
                }
                const char *value = eq ? eq + 1 : NULL;
                if (!value) {
                        if (i + 1 >= argc) {
                                cli_error("flag `--%s` needs a value", flags[f].name);
                                return -1;
                        }
                        value = argv[++i];
                }
                if (flags[f].kind == FLAG_STRING)
                        engine_config_set(flags[f].field, value);
                else if (flags[f].kind == FLAG_STORAGE_OPT)
                        engine_config_add_storage_opt(c, value);
                i++;
        }
        if (g->url)
                g->remote = true;
        return i;
}
