/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod system info`: podman's `info`, from io.podman.GetInfo plus, for
 * the engine of this process, the OCI runtime and conmon in use and why
 * (GetInfo's PodmanInfo has no field for them). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "container.h"
#include "json-util.h"

static json_t *string_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *runtime_json(Engine *e) {
        ContainerRuntimeInfo ri;
        _cleanup_error_ Error *err = NULL;
        if (container_runtime_info(e, &ri, &err) < 0)
                return json_pack("{s:s}", "error", err->message);
        return json_pack("{s:s, s:s, s:o, s:o, s:{s:o, s:o}}", "name", ri.name, "path", ri.path,
                         "version", string_or_null(ri.version), "fallbackReason",
                         string_or_null(ri.fallback_reason), "conmon", "path",
                         string_or_null(ri.conmon_path), "version",
                         string_or_null(ri.conmon_version));
}

/* podman's default output is YAML: objects as indented keys, scalars on
 * their key's line, multi-line strings as literal blocks. */
static void yaml_print(json_t *v, int indent);

static void yaml_scalar(json_t *v, int indent) {
        if (json_is_string(v)) {
                const char *s = json_string_value(v);
                if (!strchr(s, '\n')) {
                        printf(" %s\n", *s ? s : "\"\"");
                        return;
                }
                printf(" |-\n");
                for (const char *line = s; *line;) {
                        size_t n = strcspn(line, "\n");
                        printf("%*s%.*s\n", indent + 2, "", (int)n, line);
                        line += n + (line[n] == '\n');
                }
        } else if (json_is_integer(v))
                printf(" %lld\n", (long long)json_integer_value(v));
        else if (json_is_boolean(v))
                printf(" %s\n", json_is_true(v) ? "true" : "false");
        else
                printf(" null\n");
}

static void yaml_print(json_t *v, int indent) {
        const char *key;
        json_t *child;
        json_object_foreach (v, key, child) {
                printf("%*s%s:", indent, "", key);
                if (json_is_object(child)) {
                        printf("\n");
                        yaml_print(child, indent + 2);
                } else if (json_is_array(child)) {
                        printf(json_array_size(child) ? "\n" : " []\n");
                        size_t i;
                        json_t *item;
                        json_array_foreach (child, i, item) {
                                printf("%*s-", indent, "");
                                yaml_scalar(item, indent);
                        }
                } else
                        yaml_scalar(child, indent);
        }
}

static int system_info(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "format", required_argument, NULL, 'f' },
                { NULL, 0, NULL, 0 },
        };
        const char *format = NULL;
        int o;
        optind = 1;
        while ((o = getopt_long(argc, argv, "+f:", options, NULL)) != -1) {
                if (o != 'f') {
                        fputs("usage: varpod system info [--format json]\n", stderr);
                        return CLI_EXIT_ERROR;
                }
                format = optarg;
        }
        if (format && !STREQ(format, "json")) {
                cli_error("unknown format `%s`: only json is supported", format);
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *reply = NULL;
        int r = cli_call(&s, "io.podman.GetInfo", NULL, &reply);
        json_t *info = json_object_get(reply, "info");
        /* Only our own engine can say; a remote service's is not on the wire. */
        if (r == 0 && s.engine)
                json_object_set_new(json_object_get(info, "host"), "ociRuntime",
                                    runtime_json(s.engine));
        cli_session_close(&s);
        if (r < 0)
                return CLI_EXIT_ERROR;
        if (format)
                cli_json_print(info);
        else
                yaml_print(info, 0);
        return 0;
}

static const CliCommand system_commands[] = {
        { "info", "show the host, store and runtime", system_info },
        { NULL, NULL, NULL },
};

int cmd_system(CliGlobals *g, int argc, char **argv) {
        return cli_subcommand_run(g, system_commands, "system", argc, argv);
}
