/* SPDX-License-Identifier: Apache-2.0 */
/* Exposed and published ports: `exposed_ports` and the image's
 * ExposedPorts, `publish` with ranges expanded, `publish_all`. The engine
 * hands the result to CNI's portmap plugin; nothing is bound here except
 * briefly, to find free ports. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "spec-private.h"
#include "xalloc.h"

static bool port_used(const SpecPort *used, size_t n, const char *protocol, uint16_t port) {
        for (size_t i = 0; i < n; i++)
                if (used[i].host_port == port && STREQ(used[i].protocol, protocol))
                        return true;
        return false;
}

/* Binds port (0: any) on 127.0.0.1 with the protocol's socket type and
 * returns the port bound, or 0 when that port is taken. */
static int port_probe(const char *protocol, uint16_t port, uint16_t *ret, Error **err) {
        int type = STREQ(protocol, "udp") ? SOCK_DGRAM : SOCK_STREAM;
        int proto = STREQ(protocol, "sctp") ? IPPROTO_SCTP : 0;
        _cleanup_close_ int fd = socket(AF_INET, type | SOCK_CLOEXEC, proto);
        if (fd < 0 && proto)
                /* Without the SCTP module a TCP probe is the best guess. */
                fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "socket for a free %s port", protocol);
        struct sockaddr_in a = { .sin_family = AF_INET,
                                 .sin_port = htons(port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
                if (port && (errno == EADDRINUSE || errno == EACCES)) {
                        *ret = 0;
                        return 0;
                }
                return err_set(err, ERR_SYSTEM, errno, "bind 127.0.0.1:%u/%s", port, protocol);
        }
        socklen_t len = sizeof a;
        if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
                return err_set(err, ERR_SYSTEM, errno, "getsockname");
        *ret = ntohs(a.sin_port);
        return 0;
}

int spec_port_random(const char *protocol, const SpecPort *used, size_t n_used, uint16_t *ret,
                     Error **err) {
        for (int attempt = 0; attempt < 64; attempt++) {
                uint16_t port;
                if (port_probe(protocol, 0, &port, err) < 0)
                        return -1;
                if (port && !port_used(used, n_used, protocol, port)) {
                        *ret = port;
                        return 0;
                }
        }
        return err_set(err, ERR_SYSTEM, EADDRINUSE, "no free %s port found", protocol);
}

static void port_add(SpecResolved *r, const char *ip, uint16_t host, uint16_t ctr,
                     const char *protocol) {
        r->ports = xrealloc(r->ports, (r->n_ports + 1) * sizeof *r->ports);
        SpecPort *p = &r->ports[r->n_ports++];
        *p = (SpecPort){ .host_port = host, .container_port = ctr };
        snprintf(p->host_ip, sizeof p->host_ip, "%s", ip);
        snprintf(p->protocol, sizeof p->protocol, "%s", protocol);
}

/* The same host port and protocol on overlapping addresses ("" is all). */
static bool port_conflicts(const SpecResolved *r, const char *ip, uint16_t host,
                           const char *protocol) {
        for (size_t i = 0; i < r->n_ports; i++) {
                const SpecPort *p = &r->ports[i];
                if (p->host_port == host && STREQ(p->protocol, protocol) &&
                    (!*p->host_ip || !*ip || STREQ(p->host_ip, ip)))
                        return true;
        }
        return false;
}

static bool port_published(const SpecResolved *r, uint16_t ctr, const char *protocol) {
        for (size_t i = 0; i < r->n_ports; i++)
                if (r->ports[i].container_port == ctr && STREQ(r->ports[i].protocol, protocol))
                        return true;
        return false;
}

static int exposed_add(SpecResolved *r, const char *field, const char *text, Error **err) {
        uint16_t first, last;
        char proto[5];
        if (spec_expose_arg_parse(text, &first, &last, proto, err) < 0)
                return err_wrap(err, "%s", field);
        for (uint32_t p = first; p <= last; p++) {
                char s[16];
                snprintf(s, sizeof s, "%u/%s", p, proto);
                if (spec_strv_contains(r->exposed_ports, s))
                        continue;
                if (spec_strv_length(r->exposed_ports) >= SPEC_PORTS_MAX)
                        return err_set(err, ERR_LIMIT, 0, "%s: more than %d ports", field,
                                       SPEC_PORTS_MAX);
                spec_strv_push(&r->exposed_ports, s);
        }
        return 0;
}

static int publish_add(SpecResolved *r, const char *text, Error **err) {
        SpecPublishArg a;
        if (spec_publish_arg_parse(text, &a, err) < 0)
                return -1;
        unsigned count = (unsigned)(a.container_last - a.container_first) + 1;
        if (r->n_ports + count > SPEC_PORTS_MAX)
                return err_set(err, ERR_LIMIT, 0, "publish: more than %d ports", SPEC_PORTS_MAX);
        bool pick_in_range = a.host_first && a.host_last > a.host_first && count == 1;
        for (unsigned k = 0; k < count; k++) {
                uint16_t ctr = (uint16_t)(a.container_first + k);
                uint16_t host = 0;
                if (pick_in_range) {
                        /* docker's "8000-8010:80": the first free port of the range. */
                        for (uint32_t p = a.host_first; p <= a.host_last && !host; p++) {
                                uint16_t got;
                                if (port_conflicts(r, a.host_ip, (uint16_t)p, a.protocol))
                                        continue;
                                if (port_probe(a.protocol, (uint16_t)p, &got, err) < 0)
                                        return err_wrap(err, "publish `%s`", text);
                                host = got;
                        }
                        if (!host)
                                return err_set(err, ERR_SYSTEM, EADDRINUSE,
                                               "publish `%s`: no free port in the host range",
                                               text);
                } else if (a.host_first)
                        host = (uint16_t)(a.host_first + k);
                else if (spec_port_random(a.protocol, r->ports, r->n_ports, &host, err) < 0)
                        return err_wrap(err, "publish `%s`", text);
                if (port_conflicts(r, a.host_ip, host, a.protocol))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "publish `%s`: host port %u/%s is published twice", text,
                                       host, a.protocol);
                port_add(r, a.host_ip, host, ctr, a.protocol);
        }
        return 0;
}

int spec_ports_setup(SpecCtx *ctx, Error **err) {
        SpecResolved *r = &ctx->res;
        r->exposed_ports = xnew0(char *, 1);
        const char *key;
        json_t *value;
        json_object_foreach ((json_t *)json_object_get(ctx->image, "ExposedPorts"), key, value) {
                if (exposed_add(r, "image ExposedPorts", key, err) < 0)
                        return -1;
        }
        size_t i;
        json_t *e;
        json_array_foreach (spec_field_array(ctx->create, "exposed_ports"), i, e) {
                if (exposed_add(r, "exposed_ports", json_string_value(e), err) < 0)
                        return -1;
        }

        const json_t *publish = spec_field_array(ctx->create, "publish");
        bool all = spec_field_bool(ctx->create, "publish_all");
        if ((json_array_size(publish) > 0 || all) &&
            ctx->ns_kind[SPEC_NS_NETWORK] != SPEC_NS_KIND_NEW && !ctx->in->netns)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "publish: ports cannot be published in the network namespace of "
                               "net_mode `%s`",
                               r->net_mode);
        if ((json_array_size(publish) > 0 || all) && ctx->in->netns &&
            STREQ(ctx->in->netns, "host"))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "publish: ports cannot be published with the host's network");
        if (json_array_size(publish) > 0 && STREQ(r->net_mode, "none"))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "publish: net_mode none has no network to publish ports on");
        json_array_foreach (publish, i, e) {
                if (publish_add(r, json_string_value(e), err) < 0)
                        return -1;
        }
        if (!all)
                return 0;
        for (i = 0; r->exposed_ports[i]; i++) {
                unsigned port;
                char proto[5];
                if (sscanf(r->exposed_ports[i], "%u/%4s", &port, proto) != 2)
                        continue;
                if (port_published(r, (uint16_t)port, proto))
                        continue;
                uint16_t host;
                if (spec_port_random(proto, r->ports, r->n_ports, &host, err) < 0)
                        return err_wrap(err, "publish_all");
                port_add(r, "", host, (uint16_t)port, proto);
        }
        return 0;
}
