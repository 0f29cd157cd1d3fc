/* SPDX-License-Identifier: Apache-2.0 */
/* Running CNI plugin chains (spec 0.4.0): ADD in order, each plugin given
 * the previous one's result; DEL in reverse. Each attachment's config and
 * result are cached under the run root, because DEL needs them: the
 * firewall plugin finds the rules it must delete through prevResult's
 * addresses and portmap through the port mappings, so a DEL without them
 * "succeeds" and leaves the iptables rules behind. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json-util.h"
#include "network-private.h"
#include "network.h"
#include "xalloc.h"

/* PATH for the plugins: they run iptables, ip6tables and friends. */
#define CNI_PLUGIN_ENV_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- one plugin call ---- */

/* A spawned child that must not outlive its caller: killed and reaped on
 * every error path. */
static void child_killp(pid_t *pid) {
        if (*pid > 0) {
                kill(*pid, SIGKILL);
                while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
}

static int cni_plugin_find(const char *plugin_path, const char *type, char **ret, Error **err) {
        for (const char *dir = plugin_path; dir && *dir;) {
                const char *colon = strchr(dir, ':');
                size_t len = colon ? (size_t)(colon - dir) : strlen(dir);
                if (len > 0) {
                        char *path = xasprintf("%.*s/%s", (int)len, dir, type);
                        struct stat st;
                        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
                            access(path, X_OK) == 0) {
                                *ret = path;
                                return 0;
                        }
                        free(path);
                }
                dir = colon ? colon + 1 : NULL;
        }
        return err_set(err, ERR_NOT_FOUND, 0, "cni plugin `%s` not found in `%s`", type,
                       plugin_path);
}

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct CniOutput {
        char *out, *errout;
        size_t out_len, err_len;
        int status; /* waitpid status */
} CniOutput;

static void cni_output_clear(CniOutput *o) {
        free(o->out);
        free(o->errout);
}

/* Appends what fd has to *buf; returns 1 at EOF, 0 for more, -1 when the
 * limit is passed. */
static int drain(int fd, char **buf, size_t *len) {
        char chunk[16384];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 0 : 1;
        if (n == 0)
                return 1;
        if (*len + (size_t)n > CNI_OUTPUT_MAX)
                return -1;
        *buf = xrealloc(*buf, *len + (size_t)n + 1);
        memcpy(*buf + *len, chunk, (size_t)n);
        *len += (size_t)n;
        (*buf)[*len] = '\0';
        return 0;
}

static void close_reset(int *fd) {
        closep(fd);
        *fd = -1;
}

/* Runs one plugin with env, feeding it input, and collects its stdout,
 * stderr and exit status. */
static int cni_plugin_exec(const char *path, char *const env[], const char *input, CniOutput *ret,
                           Error **err) {
        /* stdin is a socket, not a pipe: a plugin may exit before reading
         * it, and send(MSG_NOSIGNAL) writes without risking the SIGPIPE a
         * library must not assume its caller ignores. Plugins read stdin
         * to its end, which a socket gives them after shutdown(SHUT_WR). */
        int in[2], out[2], errp[2];
        _cleanup_close_ int in_r = -1, in_w = -1, out_r = -1, out_w = -1, err_r = -1, err_w = -1;
        _cleanup_(child_killp) pid_t pid = -1;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
                return err_set(err, ERR_SYSTEM, errno, "socketpair");
        in_r = in[0];
        in_w = in[1];
        if (pipe2(out, O_CLOEXEC) < 0)
                return err_set(err, ERR_SYSTEM, errno, "pipe");
        out_r = out[0];
        out_w = out[1];
        if (pipe2(errp, O_CLOEXEC) < 0)
                return err_set(err, ERR_SYSTEM, errno, "pipe");
        err_r = errp[0];
        err_w = errp[1];

        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in_r, 0);
        posix_spawn_file_actions_adddup2(&fa, out_w, 1);
        posix_spawn_file_actions_adddup2(&fa, err_w, 2);
        posix_spawnattr_init(&attr);
        /* The calling thread's mask and the engine's ignored signals
         * (SIGPIPE, say) must not reach the plugin. */
        sigset_t all, none;
        sigfillset(&all);
        sigemptyset(&none);
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
        char *const argv[] = { (char *)path, NULL };
        int r = posix_spawn(&pid, path, &fa, &attr, argv, env);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        if (r != 0) {
                pid = -1;
                return err_set(err, ERR_SYSTEM, r, "run `%s`", path);
        }
        /* Our copies of the child's ends go, or we would never see EOF. */
        close_reset(&in_r);
        close_reset(&out_w);
        close_reset(&err_w);

        fcntl(in_w, F_SETFL, O_NONBLOCK);
        fcntl(out_r, F_SETFL, O_NONBLOCK);
        fcntl(err_r, F_SETFL, O_NONBLOCK);
        size_t in_len = strlen(input), in_done = 0;
        if (in_len == 0) {
                shutdown(in_w, SHUT_WR);
                close_reset(&in_w);
        }
        int64_t deadline = now_ms() + CNI_PLUGIN_TIMEOUT_MS;
        while (out_r >= 0 || err_r >= 0) {
                struct pollfd p[3];
                int np = 0, i_in = -1, i_out = -1, i_err = -1;
                if (in_w >= 0) {
                        p[np] = (struct pollfd){ .fd = in_w, .events = POLLOUT };
                        i_in = np++;
                }
                if (out_r >= 0) {
                        p[np] = (struct pollfd){ .fd = out_r, .events = POLLIN };
                        i_out = np++;
                }
                if (err_r >= 0) {
                        p[np] = (struct pollfd){ .fd = err_r, .events = POLLIN };
                        i_err = np++;
                }
                int64_t left = deadline - now_ms();
                if (left <= 0)
                        return err_set(err, ERR_TIMEOUT, 0, "`%s`: no answer after %u s", path,
                                       CNI_PLUGIN_TIMEOUT_MS / 1000);
                int n = poll(p, (nfds_t)np, (int)left);
                if (n < 0 && errno != EINTR)
                        return err_set(err, ERR_SYSTEM, errno, "poll");
                if (n <= 0)
                        continue;
                if (i_in >= 0 && p[i_in].revents) {
                        ssize_t w = send(in_w, input + in_done, in_len - in_done,
                                         MSG_NOSIGNAL | MSG_DONTWAIT);
                        if (w > 0)
                                in_done += (size_t)w;
                        /* EPIPE: the plugin stopped reading; its answer says why. */
                        if ((w < 0 && errno != EINTR && errno != EAGAIN) || in_done == in_len) {
                                shutdown(in_w, SHUT_WR);
                                close_reset(&in_w);
                        }
                }
                if (i_out >= 0 && p[i_out].revents) {
                        int d = drain(out_r, &ret->out, &ret->out_len);
                        if (d < 0)
                                return err_set(err, ERR_LIMIT, 0,
                                               "`%s`: more than %u bytes of output", path,
                                               CNI_OUTPUT_MAX);
                        if (d > 0) {
                                close_reset(&out_r);
                        }
                }
                if (i_err >= 0 && p[i_err].revents) {
                        int d = drain(err_r, &ret->errout, &ret->err_len);
                        if (d != 0) {
                                /* Too much on stderr: stop listening, keep what we have. */
                                close_reset(&err_r);
                        }
                }
        }
        /* Both outputs closed: the plugin is exiting (or handed its fds to
         * a child that outlives it, which no CNI plugin does). */
        int status;
        pid_t w;
        while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
                ;
        if (w < 0)
                return err_set(err, ERR_SYSTEM, errno, "wait for `%s`", path);
        pid = -1;
        ret->status = status;
        return 0;
}

/* The names of CNI's well-known error codes (spec 0.4.0, "Well-known
 * Error Codes"), for messages, and the kinds they map onto. */
static const char *cni_code_name(json_int_t code, ErrorKind *ret_kind) {
        *ret_kind = ERR_RUNTIME;
        switch (code) {
        case 1:
                *ret_kind = ERR_NOT_SUPPORTED;
                return "incompatible CNI version";
        case 2:
                *ret_kind = ERR_NOT_SUPPORTED;
                return "unsupported field in network configuration";
        case 3:
                *ret_kind = ERR_NOT_FOUND;
                return "container unknown or does not exist";
        case 4:
                *ret_kind = ERR_INVALID_ARGUMENT;
                return "invalid necessary environment variables";
        case 5:
                return "I/O failure";
        case 6:
                *ret_kind = ERR_INVALID_ARGUMENT;
                return "failed to decode content";
        case 7:
                *ret_kind = ERR_INVALID_ARGUMENT;
                return "invalid network config";
        case 11:
                *ret_kind = ERR_TIMEOUT;
                return "try again later";
        default:
                return "plugin-specific error";
        }
}

static void text_trim(char *s) {
        size_t n = s ? strlen(s) : 0;
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
                s[--n] = '\0';
}

/* Turns a failed call into an error: the plugin's {code, msg, details}
 * when it printed one, else its stderr, else its exit status. */
static int cni_output_error(const CniOutput *o, Error **err) {
        if (o->out) {
                _cleanup_json_ json_t *j = json_loads(o->out, 0, NULL);
                const char *msg = json_string_value(json_object_get(j, "msg"));
                json_t *code = json_object_get(j, "code");
                if (msg && json_is_integer(code)) {
                        ErrorKind kind;
                        const char *name = cni_code_name(json_integer_value(code), &kind);
                        const char *details = json_string_value(json_object_get(j, "details"));
                        return err_set(err, kind, 0, "%s%s%s (CNI error %lld: %s)", msg,
                                       details && *details ? ": " : "", details ? details : "",
                                       (long long)json_integer_value(code), name);
                }
        }
        _cleanup_free_ char *text = xstrdup(o->errout && *o->errout ? o->errout
                                            : o->out                ? o->out
                                                                    : "");
        text_trim(text);
        if (WIFSIGNALED(o->status))
                return err_set(err, ERR_RUNTIME, 0, "killed by signal %d%s%s", WTERMSIG(o->status),
                               *text ? ": " : "", text);
        return err_set(err, ERR_RUNTIME, 0, "exited with status %d%s%s", WEXITSTATUS(o->status),
                       *text ? ": " : "", text);
}

/* ---- chains ---- */

typedef struct CniCall {
        const CniContext *ctx;
        const char *network;
        const char *version;
        const CniAttachment *a;
        const char *ifname;
        const char *netns; /* as given to plugins: "" when the namespace is gone */
        json_t *ports;     /* runtimeConfig.portMappings, may be NULL */
} CniCall;

/* The config one plugin gets on stdin: its own section of the list plus
 * the list's name and version, prevResult, and the runtimeConfig entries
 * of the capabilities it declares (libcni's injectRuntimeConfig). */
static json_t *cni_plugin_conf(const CniCall *c, json_t *plugin, json_t *prev) {
        json_t *conf = json_deep_copy(plugin);
        json_object_set_new(conf, "name", json_string(c->network));
        json_object_set_new(conf, "cniVersion", json_string(c->version));
        json_object_del(conf, "runtimeConfig");
        if (prev)
                json_object_set(conf, "prevResult", prev);
        json_t *caps = json_object_get(plugin, "capabilities");
        if (c->ports && json_is_true(json_object_get(caps, "portMappings")))
                json_object_set_new(conf, "runtimeConfig",
                                    json_pack("{s:O}", "portMappings", c->ports));
        return conf;
}

/* Runs one plugin; on ADD, *ret_result gets its result. */
static int cni_call(const CniCall *c, const char *command, json_t *plugin, json_t *prev,
                    json_t **ret_result, Error **err) {
        const char *type = json_string_value(json_object_get(plugin, "type"));
        _cleanup_free_ char *path = NULL;
        if (cni_plugin_find(c->ctx->plugin_path, type, &path, err) < 0)
                return -1;
        _cleanup_json_ json_t *conf = cni_plugin_conf(c, plugin, prev);
        _cleanup_free_ char *input = json_dumps(conf, JSON_COMPACT);

        _cleanup_free_ char *e_cmd = xasprintf("CNI_COMMAND=%s", command);
        _cleanup_free_ char *e_id = xasprintf("CNI_CONTAINERID=%s", c->a->container_id);
        _cleanup_free_ char *e_ns = xasprintf("CNI_NETNS=%s", c->netns);
        _cleanup_free_ char *e_if = xasprintf("CNI_IFNAME=%s", c->ifname);
        _cleanup_free_ char *e_path = xasprintf("CNI_PATH=%s", c->ctx->plugin_path);
        /* IgnoreUnknown: plugins refuse CNI_ARGS keys they do not know
         * unless told to let them pass, as ocicni tells them. */
        _cleanup_free_ char *e_args =
                xasprintf("CNI_ARGS=IgnoreUnknown=1%s%s", c->a->args && *c->a->args ? ";" : "",
                          c->a->args ? c->a->args : "");
        char *const env[] = { e_cmd, e_id, e_ns, e_if, e_path, e_args, CNI_PLUGIN_ENV_PATH, NULL };

        CniOutput o = { 0 };
        int r = cni_plugin_exec(path, env, input, &o, err);
        if (r == 0 && (!WIFEXITED(o.status) || WEXITSTATUS(o.status) != 0))
                r = cni_output_error(&o, err);
        if (r == 0 && ret_result) {
                json_error_t jerr;
                json_t *result = o.out ? json_loads(o.out, 0, &jerr) : NULL;
                if (!json_is_object(result)) {
                        json_decref(result);
                        r = err_set(err, ERR_PROTOCOL, 0, "no result on stdout%s%s",
                                    o.out ? ": " : "", o.out ? jerr.text : "");
                } else
                        *ret_result = result;
        }
        cni_output_clear(&o);
        if (r < 0)
                return err_wrap(err, "cni plugin `%s` %s", type, command);
        return 0;
}

/* ---- the cache ---- */

static char *cni_cache_path(const CniContext *ctx, const char *network, const CniAttachment *a,
                            const char *ifname) {
        /* '+' appears in none of the three parts (all checked against
         * network_name_is_valid), so the name is unambiguous. */
        return xasprintf("%s/%s+%s+%s.json", ctx->cache_dir, network, a->container_id, ifname);
}

static const char *cni_ifname(const CniAttachment *a) {
        return a->ifname && *a->ifname ? a->ifname : "eth0";
}

static int cni_attachment_check(const CniAttachment *a, Error **err) {
        if (!network_name_is_valid(a->container_id))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "cni: invalid container ID `%s`",
                               a->container_id ? a->container_id : "");
        /* IFNAMSIZ - 1. */
        const char *ifname = cni_ifname(a);
        if (!network_name_is_valid(ifname) || strlen(ifname) > 15)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "cni: invalid interface name `%s`",
                               ifname);
        if (!a->netns_path || !*a->netns_path)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "cni: no network namespace");
        if (a->args && strchr(a->args, '\n'))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "cni: invalid CNI_ARGS");
        return 0;
}

static int cni_cache_load(const char *path, json_t **ret, Error **err) {
        _cleanup_free_ char *text = NULL;
        if (network_file_read(path, 4 * CNI_CONF_SIZE_MAX, &text, NULL, err) < 0)
                return -1;
        json_error_t jerr;
        json_t *j = json_loads(text, 0, &jerr);
        if (!json_is_object(j) || !json_is_object(json_object_get(j, "config"))) {
                json_decref(j);
                return err_set(err, ERR_PROTOCOL, 0, "cni cache `%s`: unreadable", path);
        }
        *ret = j;
        return 0;
}

/* What DEL needs, in the spirit of libcni's cache (same keys), with the
 * config as JSON rather than base64. */
static int cni_cache_write(const char *path, const CniNetwork *net, const CniAttachment *a,
                           const char *ifname, json_t *ports, json_t *result, Error **err) {
        _cleanup_json_ json_t *entry = json_pack(
                "{s:s, s:s, s:s, s:s, s:s, s:O, s:{s:o}, s:O}", "kind", "cniCacheV1", "containerId",
                a->container_id, "ifName", ifname, "networkName", net->name, "netns", a->netns_path,
                "config", net->conf, "capabilityArgs", "portMappings",
                ports ? json_incref(ports) : json_array(), "result", result);
        _cleanup_free_ char *text = json_dumps(entry, JSON_COMPACT);
        return network_file_write(path, text, 0600, err);
}

/* What a lost cache would have said, read from the namespace: the
 * addresses of the container's interface, in a 0.4.0-shaped result. */
typedef struct NetnsScan {
        const char *ifname;
        const char *netns;
        const char *version;
        json_t *result;
} NetnsScan;

static unsigned prefix_len(const struct sockaddr *mask) {
        const unsigned char *b;
        size_t n;
        if (mask->sa_family == AF_INET) {
                b = (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr;
                n = 4;
        } else {
                b = (const unsigned char *)&((const struct sockaddr_in6 *)mask)->sin6_addr;
                n = 16;
        }
        unsigned bits = 0;
        for (size_t i = 0; i < n; i++)
                bits += (unsigned)__builtin_popcount(b[i]);
        return bits;
}

static int netns_scan_inside(void *userdata, Error **err) {
        NetnsScan *s = userdata;
        struct ifaddrs *ifa = NULL;
        if (getifaddrs(&ifa) < 0)
                return err_set(err, ERR_SYSTEM, errno, "getifaddrs");
        json_t *ips = json_array();
        char mac[18] = "";
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
                if (!i->ifa_addr || !STREQ(i->ifa_name, s->ifname))
                        continue;
                int family = i->ifa_addr->sa_family;
                if (family == AF_PACKET) {
                        const struct sockaddr_ll *ll = (const struct sockaddr_ll *)i->ifa_addr;
                        if (ll->sll_halen == 6)
                                snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x",
                                         ll->sll_addr[0], ll->sll_addr[1], ll->sll_addr[2],
                                         ll->sll_addr[3], ll->sll_addr[4], ll->sll_addr[5]);
                        continue;
                }
                if ((family != AF_INET && family != AF_INET6) || !i->ifa_netmask)
                        continue;
                const void *addr =
                        family == AF_INET
                                ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
                                : (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
                /* The kernel's own link-local address was no plugin's doing. */
                if (family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)addr))
                        continue;
                char text[INET6_ADDRSTRLEN];
                inet_ntop(family, addr, text, sizeof text);
                _cleanup_free_ char *cidr = xasprintf("%s/%u", text, prefix_len(i->ifa_netmask));
                json_array_append_new(ips, json_pack("{s:s, s:i, s:s}", "version",
                                                     family == AF_INET ? "4" : "6", "interface", 0,
                                                     "address", cidr));
        }
        freeifaddrs(ifa);
        if (json_array_size(ips) == 0) {
                json_decref(ips);
                return 0;
        }
        s->result =
                json_pack("{s:s, s:[{s:s, s:s, s:s}], s:o}", "cniVersion", s->version, "interfaces",
                          "name", s->ifname, "mac", mac, "sandbox", s->netns, "ips", ips);
        return 0;
}

/* ---- ADD and DEL ---- */

/* DEL through plugins [0, count) in reverse; every one runs, the first
 * error is kept. */
static int cni_chain_del(const CniCall *c, json_t *plugins, size_t count, json_t *prev,
                         Error **err) {
        int r = 0;
        for (size_t i = count; i-- > 0;) {
                _cleanup_error_ Error *e = NULL;
                if (cni_call(c, "DEL", json_array_get(plugins, i), prev, NULL, &e) < 0 && r == 0)
                        r = err_propagate(err, TAKE_PTR(e));
        }
        return r;
}

int cni_network_add(const CniContext *ctx, const CniNetwork *net, const CniAttachment *a,
                    CniResult **ret, Error **err) {
        if (cni_attachment_check(a, err) < 0)
                return -1;
        const char *ifname = cni_ifname(a);
        _cleanup_free_ char *cache = cni_cache_path(ctx, net->name, a, ifname);
        if (access(cache, F_OK) == 0)
                return err_set(err, ERR_EXISTS, 0,
                               "container `%s` is already attached to cni network `%s` (%s)",
                               a->container_id, net->name, ifname);
        if (network_dir_make(ctx->cache_dir, 0700, err) < 0)
                return -1;

        _cleanup_json_ json_t *ports =
                a->n_ports ? port_mappings_to_json(a->ports, a->n_ports, PORT_JSON_CNI) : NULL;
        CniCall c = { .ctx = ctx,
                      .network = net->name,
                      .version = net->cni_version,
                      .a = a,
                      .ifname = ifname,
                      .netns = a->netns_path,
                      .ports = ports };
        json_t *plugins = json_object_get(net->conf, "plugins");
        _cleanup_json_ json_t *prev = NULL;
        for (size_t i = 0; i < json_array_size(plugins); i++) {
                json_t *result = NULL;
                if (cni_call(&c, "ADD", json_array_get(plugins, i), prev, &result, err) < 0) {
                        /* Undo what the plugins before (and the failed one,
                         * half-way) did; the spec asks for DEL after a
                         * failed ADD, and every DEL tolerates nothing to do. */
                        (void)cni_chain_del(&c, plugins, i + 1, prev, NULL);
                        return err_wrap(err, "attach container `%s` to cni network `%s`",
                                        a->container_id, net->name);
                }
                json_decref(prev);
                prev = result;
        }

        _cleanup_(cni_result_freep) CniResult *res = NULL;
        if (cni_result_parse(prev, &res, err) < 0 ||
            cni_cache_write(cache, net, a, ifname, ports, prev, err) < 0) {
                (void)cni_chain_del(&c, plugins, json_array_size(plugins), prev, NULL);
                return err_wrap(err, "attach container `%s` to cni network `%s`", a->container_id,
                                net->name);
        }
        if (ret)
                *ret = TAKE_PTR(res);
        return 0;
}

int cni_network_del(const CniContext *ctx, const char *name, const CniAttachment *a, Error **err) {
        if (!network_name_is_valid(name))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid cni network name `%s`",
                               name ? name : "");
        if (cni_attachment_check(a, err) < 0)
                return -1;
        const char *ifname = cni_ifname(a);
        _cleanup_free_ char *cache = cni_cache_path(ctx, name, a, ifname);

        _cleanup_json_ json_t *entry = NULL;
        _cleanup_(cni_network_freep) CniNetwork *net = NULL;
        _cleanup_json_ json_t *ports = NULL;
        _cleanup_json_ json_t *scanned = NULL;
        json_t *conf, *prev = NULL;
        _cleanup_error_ Error *e = NULL;
        if (cni_cache_load(cache, &entry, &e) == 0) {
                conf = json_object_get(entry, "config");
                prev = json_object_get(entry, "result");
                ports = json_incref(
                        json_object_get(json_object_get(entry, "capabilityArgs"), "portMappings"));
        } else if (e->kind == ERR_SYSTEM) {
                return err_propagate(err, TAKE_PTR(e));
        } else {
                /* Never attached, already detached, the cache lost or
                 * unreadable: run DEL with today's config so whatever the
                 * plugins find by container ID (the IPAM lease, the veth,
                 * portmap's chain) still goes. Unknown network: nothing
                 * to do but drop a broken cache. */
                err_free(TAKE_PTR(e));
                CniNetwork **list = NULL;
                size_t n = 0;
                if (cni_network_list(ctx->config_dir, &list, &n, NULL, err) < 0)
                        return -1;
                for (size_t i = 0; i < n && !net; i++)
                        if (STREQ(list[i]->name, name))
                                net = TAKE_PTR(list[i]);
                cni_network_list_free(list, n);
                if (!net) {
                        if (unlink(cache) < 0 && errno != ENOENT)
                                return err_set(err, ERR_SYSTEM, errno, "remove `%s`", cache);
                        return 0;
                }
                conf = net->conf;
                ports = a->n_ports ? port_mappings_to_json(a->ports, a->n_ports, PORT_JSON_CNI)
                                   : NULL;
                /* The firewall plugin deletes its rules by prevResult's
                 * addresses and the bridge leaves the veth until then:
                 * while the namespace lives, it still says what they were
                 * (0.3.0 and later results only; older ones are rare). */
                const char *v = json_string_value(json_object_get(conf, "cniVersion"));
                NetnsScan scan = { .ifname = ifname, .netns = a->netns_path, .version = v };
                if (v && strverscmp(v, "0.3.0") >= 0 &&
                    netns_run(a->netns_path, netns_scan_inside, &scan, NULL) == 0)
                        prev = scanned = scan.result;
        }
        if (json_is_array(ports) && json_array_size(ports) == 0) {
                json_decref(ports);
                ports = NULL;
        }

        /* A namespace that is gone (or a file that no longer is one) is
         * passed as "": the bridge plugin then releases the address
         * instead of failing to enter it. */
        _cleanup_error_ Error *ns_err = NULL;
        bool ns_ok = netns_path_check(a->netns_path, &ns_err) == 0;
        const char *version = json_string_value(json_object_get(conf, "cniVersion"));
        CniCall c = { .ctx = ctx,
                      .network = name,
                      .version = version ? version : "0.1.0",
                      .a = a,
                      .ifname = ifname,
                      .netns = ns_ok ? a->netns_path : "",
                      .ports = ports };
        json_t *plugins = json_object_get(conf, "plugins");
        if (cni_chain_del(&c, plugins, json_array_size(plugins), prev, err) < 0)
                return err_wrap(err, "detach container `%s` from cni network `%s`", a->container_id,
                                name);
        if (unlink(cache) < 0 && errno != ENOENT)
                return err_set(err, ERR_SYSTEM, errno, "remove `%s`", cache);
        return 0;
}

int cni_network_cached_result(const CniContext *ctx, const char *network, const CniAttachment *a,
                              CniResult **ret, Error **err) {
        if (!network_name_is_valid(network))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid cni network name `%s`",
                               network ? network : "");
        if (cni_attachment_check(a, err) < 0)
                return -1;
        _cleanup_free_ char *cache = cni_cache_path(ctx, network, a, cni_ifname(a));
        _cleanup_json_ json_t *entry = NULL;
        if (cni_cache_load(cache, &entry, err) < 0)
                return -1;
        return cni_result_parse(json_object_get(entry, "result"), ret, err);
}
