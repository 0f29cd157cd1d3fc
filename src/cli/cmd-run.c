/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod create` and `varpod run`: podman's flags into an io.podman
 * Create, then CreateContainer (and for run: the start, attached unless
 * -d (attach.c), the exit code, --rm). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json-util.h"
#include "xalloc.h"

enum {
        OPT_RM = 1000,
        OPT_NAME,
        OPT_ENV_FILE,
        OPT_TMPFS,
        OPT_NETWORK,
        OPT_HOSTNAME,
        OPT_ENTRYPOINT,
        OPT_INIT,
        OPT_CPUS,
        OPT_PIDS_LIMIT,
        OPT_CAP_ADD,
        OPT_CAP_DROP,
        OPT_PRIVILEGED,
        OPT_READ_ONLY,
        OPT_SECURITY_OPT,
        OPT_ULIMIT,
        OPT_DNS,
        OPT_ADD_HOST,
        OPT_DNS_SEARCH,
        OPT_DNS_OPT,
        OPT_STOP_SIGNAL,
        OPT_STOP_TIMEOUT,
        OPT_SHM_SIZE,
        OPT_MEMORY_RESERVATION,
        OPT_EXPOSE,
        OPT_DEVICE,
        OPT_SYSCTL,
        OPT_GROUP_ADD,
        OPT_POD,
        OPT_CPU_SHARES,
        OPT_CPUSET_CPUS,
};

static const struct option run_options[] = {
        { "detach", no_argument, NULL, 'd' },
        { "rm", no_argument, NULL, OPT_RM },
        { "interactive", no_argument, NULL, 'i' },
        { "tty", no_argument, NULL, 't' },
        { "name", required_argument, NULL, OPT_NAME },
        { "env", required_argument, NULL, 'e' },
        { "env-file", required_argument, NULL, OPT_ENV_FILE },
        { "publish", required_argument, NULL, 'p' },
        { "publish-all", no_argument, NULL, 'P' },
        { "volume", required_argument, NULL, 'v' },
        { "tmpfs", required_argument, NULL, OPT_TMPFS },
        { "network", required_argument, NULL, OPT_NETWORK },
        { "net", required_argument, NULL, OPT_NETWORK },
        { "hostname", required_argument, NULL, OPT_HOSTNAME },
        { "user", required_argument, NULL, 'u' },
        { "workdir", required_argument, NULL, 'w' },
        { "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
        { "init", no_argument, NULL, OPT_INIT },
        { "memory", required_argument, NULL, 'm' },
        { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
        { "cpus", required_argument, NULL, OPT_CPUS },
        { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
        { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
        { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
        { "cap-add", required_argument, NULL, OPT_CAP_ADD },
        { "cap-drop", required_argument, NULL, OPT_CAP_DROP },
        { "privileged", no_argument, NULL, OPT_PRIVILEGED },
        { "read-only", no_argument, NULL, OPT_READ_ONLY },
        { "security-opt", required_argument, NULL, OPT_SECURITY_OPT },
        { "ulimit", required_argument, NULL, OPT_ULIMIT },
        { "label", required_argument, NULL, 'l' },
        { "dns", required_argument, NULL, OPT_DNS },
        { "dns-search", required_argument, NULL, OPT_DNS_SEARCH },
        { "dns-opt", required_argument, NULL, OPT_DNS_OPT },
        { "add-host", required_argument, NULL, OPT_ADD_HOST },
        { "stop-signal", required_argument, NULL, OPT_STOP_SIGNAL },
        { "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
        { "shm-size", required_argument, NULL, OPT_SHM_SIZE },
        { "expose", required_argument, NULL, OPT_EXPOSE },
        { "device", required_argument, NULL, OPT_DEVICE },
        { "sysctl", required_argument, NULL, OPT_SYSCTL },
        { "group-add", required_argument, NULL, OPT_GROUP_ADD },
        { "pod", required_argument, NULL, OPT_POD },
        { "help", no_argument, NULL, 'h' },
        { 0 },
};

/* "512m", "1g", "1024": bytes; -1 when invalid. */
static long long size_parse(const char *s) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || end == s || v < 0)
                return -1;
        long long mult = 1;
        switch (*end) {
        case 0:
                break;
        case 'b':
        case 'B':
                break;
        case 'k':
        case 'K':
                mult = 1024;
                break;
        case 'm':
        case 'M':
                mult = 1024 * 1024;
                break;
        case 'g':
        case 'G':
                mult = 1024LL * 1024 * 1024;
                break;
        default:
                return -1;
        }
        if (*end && end[1] && !(end[1] == 'b' || end[1] == 'B'))
                return -1;
        return (long long)(v * (double)mult);
}

static void append(json_t *obj, const char *key, const char *value) {
        json_array_append_new(json_object_get(obj, key), json_string(value));
}

static int env_add(json_t *env, const char *item) {
        const char *eq = strchr(item, '=');
        if (eq) {
                _cleanup_free_ char *k = xstrndup(item, (size_t)(eq - item));
                json_object_set_new(env, k, json_string(eq + 1));
                return 0;
        }
        /* "NAME" alone takes the value from our environment, as podman. */
        const char *v = getenv(item);
        if (v)
                json_object_set_new(env, item, json_string(v));
        return 0;
}

static int env_file_add(json_t *env, const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f) {
                cli_error("cannot read env file `%s`: %s", path, strerror(errno));
                return -1;
        }
        char line[8192];
        while (fgets(line, sizeof line, f)) {
                line[strcspn(line, "\r\n")] = 0;
                if (!line[0] || line[0] == '#')
                        continue;
                env_add(env, line);
        }
        return 0;
}

/* Parses create/run flags into *ret (a Create object); *ret_detach and
 * *ret_rm for run. Returns the index of the image argument or -1. */
static int create_parse(int argc, char **argv, json_t **ret, bool *ret_detach) {
        _cleanup_json_ json_t *c = json_pack(
                "{s:[], s:[], s:[], s:[], s:[], s:[], s:{}, s:[], s:[], s:[], s:{}, s:[], s:[], "
                "s:[], s:{}, s:{}, s:[], s:[]}",
                "cap_add", "cap_drop", "command", "dns_servers", "dns_search", "dns_opt", "env",
                "host_add", "publish", "volumes", "labels", "tmpfs", "exposed_ports", "devices",
                "sys_ctl", "resources", "group_add", "security_opts");
        json_t *res = json_object_get(c, "resources");
        json_object_set_new(res, "ulimit", json_array());
        bool detach = false;
        int opt;
        optind = 1;
        while ((opt = getopt_long(argc, argv, "+dite:p:Pv:u:w:m:l:h", run_options, NULL)) != -1) {
                switch (opt) {
                case 'd':
                        detach = true;
                        break;
                case OPT_RM:
                        json_object_set_new(c, "rm", json_true());
                        break;
                case 'i':
                        json_object_set_new(c, "interactive", json_true());
                        break;
                case 't':
                        json_object_set_new(c, "tty", json_true());
                        break;
                case OPT_NAME:
                        json_object_set_new(c, "name", json_string(optarg));
                        break;
                case 'e':
                        env_add(json_object_get(c, "env"), optarg);
                        break;
                case OPT_ENV_FILE:
                        if (env_file_add(json_object_get(c, "env"), optarg) < 0)
                                return -1;
                        break;
                case 'p':
                        append(c, "publish", optarg);
                        break;
                case 'P':
                        json_object_set_new(c, "publish_all", json_true());
                        break;
                case 'v':
                        append(c, "volumes", optarg);
                        break;
                case OPT_TMPFS:
                        append(c, "tmpfs", optarg);
                        break;
                case OPT_NETWORK:
                        json_object_set_new(c, "net_mode", json_string(optarg));
                        break;
                case OPT_HOSTNAME:
                        json_object_set_new(c, "hostname", json_string(optarg));
                        break;
                case 'u':
                        json_object_set_new(c, "user", json_string(optarg));
                        break;
                case 'w':
                        json_object_set_new(c, "work_dir", json_string(optarg));
                        break;
                case OPT_ENTRYPOINT: {
                        /* A JSON array, else one string. */
                        json_t *a = optarg[0] == '[' ? json_loads(optarg, 0, NULL) : NULL;
                        json_object_set_new(c, "entrypoint",
                                            json_is_array(a) ? a : json_pack("[s]", optarg));
                        if (a && !json_is_array(a))
                                json_decref(a);
                        break;
                }
                case OPT_INIT:
                        json_object_set_new(c, "init", json_true());
                        break;
                case 'm':
                case OPT_MEMORY_RESERVATION:
                case OPT_SHM_SIZE: {
                        long long v = size_parse(optarg);
                        if (v < 0) {
                                cli_error("invalid size `%s`", optarg);
                                return -1;
                        }
                        json_object_set_new(res,
                                            opt == 'm'            ? "memory"
                                            : opt == OPT_SHM_SIZE ? "shm_size"
                                                                  : "memory_reservation",
                                            json_integer(v));
                        break;
                }
                case OPT_CPUS:
                        json_object_set_new(res, "cpus", json_real(atof(optarg)));
                        break;
                case OPT_CPU_SHARES:
                        json_object_set_new(res, "cpu_shares", json_integer(atoll(optarg)));
                        break;
                case OPT_CPUSET_CPUS:
                        json_object_set_new(res, "cpuset_cpus", json_string(optarg));
                        break;
                case OPT_PIDS_LIMIT:
                        json_object_set_new(res, "pids_limit", json_integer(atoll(optarg)));
                        break;
                case OPT_CAP_ADD:
                        append(c, "cap_add", optarg);
                        break;
                case OPT_CAP_DROP:
                        append(c, "cap_drop", optarg);
                        break;
                case OPT_PRIVILEGED:
                        json_object_set_new(c, "privileged", json_true());
                        break;
                case OPT_READ_ONLY:
                        json_object_set_new(c, "readonly_rootfs", json_true());
                        break;
                case OPT_SECURITY_OPT:
                        append(c, "security_opts", optarg);
                        break;
                case OPT_ULIMIT:
                        json_array_append_new(json_object_get(res, "ulimit"), json_string(optarg));
                        break;
                case 'l': {
                        const char *eq = strchr(optarg, '=');
                        _cleanup_free_ char *k =
                                eq ? xstrndup(optarg, (size_t)(eq - optarg)) : xstrdup(optarg);
                        json_object_set_new(json_object_get(c, "labels"), k,
                                            json_string(eq ? eq + 1 : ""));
                        break;
                }
                case OPT_DNS:
                        append(c, "dns_servers", optarg);
                        break;
                case OPT_DNS_SEARCH:
                        append(c, "dns_search", optarg);
                        break;
                case OPT_DNS_OPT:
                        append(c, "dns_opt", optarg);
                        break;
                case OPT_ADD_HOST:
                        append(c, "host_add", optarg);
                        break;
                case OPT_STOP_SIGNAL: {
                        int sig = atoi(optarg);
                        if (sig <= 0) {
                                _cleanup_free_ char *name = xasprintf(
                                        "%s", STRPREFIX(optarg, "SIG") ? optarg + 3 : optarg);
                                for (int s = 1; s < NSIG && sig <= 0; s++) {
                                        const char *abbrev = sigabbrev_np(s);
                                        if (abbrev && strcasecmp(abbrev, name) == 0)
                                                sig = s;
                                }
                        }
                        if (sig <= 0) {
                                cli_error("invalid signal `%s`", optarg);
                                return -1;
                        }
                        json_object_set_new(c, "stop_signal", json_integer(sig));
                        break;
                }
                case OPT_STOP_TIMEOUT:
                        json_object_set_new(c, "stop_timeout", json_integer(atoll(optarg)));
                        break;
                case OPT_EXPOSE:
                        append(c, "exposed_ports", optarg);
                        break;
                case OPT_DEVICE:
                        append(c, "devices", optarg);
                        break;
                case OPT_SYSCTL: {
                        const char *eq = strchr(optarg, '=');
                        if (!eq) {
                                cli_error("invalid sysctl `%s` (NAME=VALUE)", optarg);
                                return -1;
                        }
                        _cleanup_free_ char *k = xstrndup(optarg, (size_t)(eq - optarg));
                        json_object_set_new(json_object_get(c, "sys_ctl"), k, json_string(eq + 1));
                        break;
                }
                case OPT_GROUP_ADD:
                        append(c, "group_add", optarg);
                        break;
                case OPT_POD:
                        json_object_set_new(c, "pod", json_string(optarg));
                        break;
                case 'h':
                        printf("usage: varpod %s [flags] IMAGE [COMMAND [ARG...]]\n", argv[0]);
                        return -2;
                default:
                        return -1;
                }
        }
        if (optind >= argc) {
                cli_error("%s needs an image", argv[0]);
                return -1;
        }
        json_object_set_new(c, "image", json_string(argv[optind]));
        for (int i = optind + 1; i < argc; i++)
                append(c, "command", argv[i]);
        /* podman gives detached containers an exit command; we always do. */
        json_object_set_new(c, "detach", json_true());
        *ret = TAKE_PTR(c);
        if (ret_detach)
                *ret_detach = detach;
        return optind;
}

static int create_container(CliSession *s, json_t *create, char **ret_id) {
        _cleanup_json_ json_t *params = json_pack("{s:O}", "create", create);
        _cleanup_json_ json_t *reply = NULL;
        if (cli_call(s, "io.podman.CreateContainer", params, &reply) < 0)
                return -1;
        *ret_id = xstrdup(json_string_value(json_object_get(reply, "container")));
        return 0;
}

int cmd_create(CliGlobals *g, int argc, char **argv) {
        _cleanup_json_ json_t *create = NULL;
        int r = create_parse(argc, argv, &create, NULL);
        if (r == -2)
                return 0;
        if (r < 0)
                return CLI_EXIT_ERROR;
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_free_ char *id = NULL;
        r = create_container(&s, create, &id);
        cli_session_close(&s);
        if (r < 0)
                return CLI_EXIT_ERROR;
        printf("%s\n", id);
        return 0;
}

int cmd_run(CliGlobals *g, int argc, char **argv) {
        _cleanup_json_ json_t *create = NULL;
        bool detach = false;
        int r = create_parse(argc, argv, &create, &detach);
        if (r == -2)
                return 0;
        if (r < 0)
                return CLI_EXIT_ERROR;
        /* --rm is done here, after the exit code is read: left to the
         * cleanup conmon runs, it could remove the container first. */
        bool rm = json_is_true(json_object_get(create, "rm")) && !detach;
        if (rm)
                json_object_set_new(create, "rm", json_false());
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_free_ char *id = NULL;
        _cleanup_json_ json_t *name = NULL;
        int ret = CLI_EXIT_ERROR;
        bool detached = false;
        if (create_container(&s, create, &id) < 0)
                goto out;
        name = json_pack("{s:s}", "name", id);
        if (detach) {
                if (cli_call_exit_code(&s, "io.podman.StartContainer", name, NULL, &ret) == 0) {
                        printf("%s\n", id);
                        ret = 0;
                }
                goto out;
        }
        /* Attached: the container's stdio is ours until it exits (or we
         * detach), then its exit code is. */
        CliAttachOptions ao = {
                .stdin = json_is_true(json_object_get(create, "interactive")),
                .tty = json_is_true(json_object_get(create, "tty")),
        };
        ret = cli_attach_start(&s, id, &ao, &detached);
out:
        /* Also after a failed start, as podman: nothing of the run stays. */
        if (rm && id && !detached) {
                _cleanup_json_ json_t *params = json_pack("{s:s, s:b}", "name", id, "force", 1);
                (void)cli_call(&s, "io.podman.RemoveContainer", params, NULL);
        }
        cli_session_close(&s);
        return ret;
}
