/* SPDX-License-Identifier: Apache-2.0 */
/* What CreatePod's strings mean (shares, published ports) and the status
 * word of a pod: pure functions, unit tested. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pod.h"
#include "spec.h"
#include "xalloc.h"

static const struct {
        const char *name;
        SpecNamespace ns;
} pod_share_names[] = {
        { "cgroup", SPEC_NS_CGROUP }, { "ipc", SPEC_NS_IPC }, { "net", SPEC_NS_NETWORK },
        { "pid", SPEC_NS_PID },       { "uts", SPEC_NS_UTS },
};

int pod_share_parse(const char *const *entries, size_t n, unsigned *ret, Error **err) {
        unsigned shares = 0;
        for (size_t i = 0; i < n; i++) {
                const char *s = entries[i];
                if (!*s)
                        continue;
                if (STREQ(s, "none")) {
                        shares = 0;
                        break;
                }
                bool known = false;
                for (size_t k = 0; k < ELEMENTSOF(pod_share_names); k++)
                        if (STREQ(s, pod_share_names[k].name)) {
                                shares |= 1u << pod_share_names[k].ns;
                                known = true;
                        }
                /* The reference dropped the connection here [ref-bug]; mnt
                 * and user cannot be shared by podman's pods either. */
                if (!known)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "share `%s`: kernel namespace cannot be shared by a pod "
                                       "(cgroup, ipc, net, pid, uts)",
                                       s);
        }
        *ret = shares;
        return 0;
}

char *pod_share_format(unsigned shares) {
        char buf[64] = "";
        for (size_t k = 0; k < ELEMENTSOF(pod_share_names); k++)
                if (shares & (1u << pod_share_names[k].ns)) {
                        if (*buf)
                                strcat(buf, ",");
                        strcat(buf, pod_share_names[k].name);
                }
        return xstrdup(buf);
}

static int port_number(const char *text, size_t len, uint16_t *ret) {
        if (len == 0 || len > 5)
                return -1;
        unsigned v = 0;
        for (size_t i = 0; i < len; i++) {
                if (text[i] < '0' || text[i] > '9')
                        return -1;
                v = v * 10 + (unsigned)(text[i] - '0');
        }
        if (v == 0 || v > 65535)
                return -1;
        *ret = (uint16_t)v;
        return 0;
}

int pod_port_parse(const char *text, PodPort *ret, Error **err) {
        PodPort p = { .protocol = "tcp" };
        _cleanup_free_ char *s = xstrdup(text);
        char *slash = strchr(s, '/');
        if (slash) {
                *slash = 0;
                const char *proto = slash + 1;
                if (!STREQ(proto, "tcp") && !STREQ(proto, "udp") && !STREQ(proto, "sctp"))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "publish `%s`: unknown protocol `%s`", text, proto);
                snprintf(p.protocol, sizeof p.protocol, "%s", proto);
        }
        /* [ip:][hostPort:]containerPort, an IPv6 address in brackets
         * ("[::1]:8080:80"). */
        char *rest = s;
        const char *ip = "";
        if (s[0] == '[') {
                char *close = strchr(s, ']');
                if (!close || close[1] != ':')
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "publish `%s`: invalid host address", text);
                *close = 0;
                ip = s + 1;
                rest = close + 2;
                if (!strchr(rest, ':'))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "publish `%s`: expected [ip:][hostPort:]containerPort",
                                       text);
        }
        char *parts[3] = { NULL, NULL, NULL };
        size_t n = 0;
        for (char *tok = rest;; n++) {
                if (n == 3)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "publish `%s`: expected [ip:][hostPort:]containerPort",
                                       text);
                parts[n] = tok;
                char *colon = strchr(tok, ':');
                if (!colon) {
                        n++;
                        break;
                }
                *colon = 0;
                tok = colon + 1;
        }
        if (n == 3 && *ip)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "publish `%s`: expected [ip:][hostPort:]containerPort", text);
        if (n == 3)
                ip = parts[0];
        const char *ctr = parts[n - 1];
        const char *host = n >= 2 ? parts[n - 2] : "";
        if (port_number(ctr, strlen(ctr), &p.container_port) < 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "publish `%s`: invalid container port",
                               text);
        p.host_port = p.container_port;
        if (*host && port_number(host, strlen(host), &p.host_port) < 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "publish `%s`: invalid host port",
                               text);
        size_t ip_len = strlen(ip);
        if (ip_len >= sizeof p.host_ip || strspn(ip, "0123456789abcdefABCDEF.:") != ip_len)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "publish `%s`: invalid host address",
                               text);
        snprintf(p.host_ip, sizeof p.host_ip, "%s", ip);
        *ret = p;
        return 0;
}

const char *pod_status_derive(const ContainerState *states, size_t n) {
        if (n == 0)
                return "Created";
        size_t running = 0, paused = 0, down = 0, unknown = 0;
        for (size_t i = 0; i < n; i++)
                switch (states[i]) {
                case CONTAINER_STATE_RUNNING:
                        running++;
                        break;
                case CONTAINER_STATE_PAUSED:
                        paused++;
                        break;
                case CONTAINER_STATE_STOPPED:
                case CONTAINER_STATE_EXITED:
                        down++;
                        break;
                case CONTAINER_STATE_UNKNOWN:
                        unknown++;
                        break;
                default:
                        break;
                }
        if (running)
                return "Running";
        if (paused == n)
                return "Paused";
        if (down == n)
                return "Exited";
        if (down)
                return "Stopped";
        if (unknown)
                return "Error";
        return "Created";
}
