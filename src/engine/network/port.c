/* SPDX-License-Identifier: Apache-2.0 */
/* Published ports: Docker's `[ip:][hostPort:]containerPort[/proto]`
 * syntax as podman reads it (nat.ParsePortSpec), free host ports, and the
 * two JSON shapes the API and the portmap plugin want. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "network-private.h"
#include "network.h"
#include "xalloc.h"

/* Longest publish string looked at; anything longer is nonsense. */
#define PORT_SPEC_MAX 512u

const char *port_protocol_name(PortProtocol p) {
        switch (p) {
        case PORT_PROTOCOL_UDP:
                return "udp";
        case PORT_PROTOCOL_SCTP:
                return "sctp";
        case PORT_PROTOCOL_TCP:
                break;
        }
        return "tcp";
}

static int port_protocol_parse(const char *s, size_t len, PortProtocol *ret) {
        static const char *const names[] = { "tcp", "udp", "sctp" };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (len == strlen(names[i]) && strncasecmp(s, names[i], len) == 0) {
                        *ret = (PortProtocol)i;
                        return 0;
                }
        return -1;
}

/* One port: decimal digits only, no sign or space (strtoul would take
 * both), at most 65535. */
static int port_number_parse(const char *s, size_t len, unsigned *ret) {
        if (len == 0 || len > 5)
                return -1;
        unsigned v = 0;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (v > 65535)
                return -1;
        *ret = v;
        return 0;
}

/* "N" or "N-M" with N <= M. */
static int port_range_parse(const char *s, size_t len, unsigned *ret_start, unsigned *ret_end) {
        const char *dash = memchr(s, '-', len);
        unsigned a, b;
        if (!dash) {
                if (port_number_parse(s, len, &a) < 0)
                        return -1;
                b = a;
        } else if (port_number_parse(s, (size_t)(dash - s), &a) < 0 ||
                   port_number_parse(dash + 1, len - (size_t)(dash - s) - 1, &b) < 0 || a > b)
                return -1;
        *ret_start = a;
        *ret_end = b;
        return 0;
}

static bool port_ip_is_valid(const char *ip) {
        unsigned char buf[sizeof(struct in6_addr)];
        return inet_pton(AF_INET, ip, buf) == 1 || inet_pton(AF_INET6, ip, buf) == 1;
}

int port_publish_parse(const char *spec, PortMapping **mappings, size_t *n, Error **err) {
        if (!spec)
                spec = "";
        size_t spec_len = strlen(spec);
        if (spec_len > PORT_SPEC_MAX)
                return err_set(err, ERR_LIMIT, 0, "publish: longer than %u bytes", PORT_SPEC_MAX);
        /* Split from the right, as Docker does: the container part after the
         * last ':', the host port before it, and all the rest is the IP
         * (so an IPv6 address keeps its colons, bracketed or not). */
        const char *last = strrchr(spec, ':');
        const char *cpart = last ? last + 1 : spec;
        const char *hpart = NULL, *ippart = NULL;
        size_t hlen = 0, iplen = 0;
        if (last) {
                const char *prev = last;
                while (prev > spec && prev[-1] != ':')
                        prev--;
                hpart = prev;
                hlen = (size_t)(last - prev);
                if (prev > spec) {
                        ippart = spec;
                        iplen = (size_t)(prev - 1 - spec);
                }
        }

        /* The protocol. */
        PortProtocol proto = PORT_PROTOCOL_TCP;
        const char *slash = strchr(cpart, '/');
        size_t clen = slash ? (size_t)(slash - cpart) : strlen(cpart);
        if (slash && port_protocol_parse(slash + 1, strlen(slash + 1), &proto) < 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "publish `%s`: invalid protocol `%s` (tcp, udp or sctp)", spec,
                               slash + 1);

        /* The host address, without brackets. */
        char ip[INET6_ADDRSTRLEN] = "";
        if (iplen > 0) {
                const char *s = ippart;
                size_t len = iplen;
                if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
                        s++;
                        len -= 2;
                }
                _cleanup_free_ char *text = xstrndup(s, len);
                if (len >= sizeof ip || !port_ip_is_valid(text))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "publish `%s`: invalid host IP address `%.*s`", spec,
                                       (int)iplen, ippart);
                memcpy(ip, text, len + 1);
        }
        /* An empty IP before a second colon (":8080:80") means all
         * addresses, as in Docker. */

        unsigned cstart, cend;
        if (clen == 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "publish `%s`: no container port",
                               spec);
        if (port_range_parse(cpart, clen, &cstart, &cend) < 0 || cstart == 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "publish `%s`: invalid container port `%.*s` (1-65535 or a range "
                               "start-end)",
                               spec, (int)clen, cpart);

        /* Host port: empty or "0" = to be chosen. */
        unsigned hstart = 0, hend = 0;
        if (hlen > 0) {
                if (port_range_parse(hpart, hlen, &hstart, &hend) < 0 || (hstart == 0 && hend != 0))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "publish `%s`: invalid host port `%.*s` (1-65535 or a "
                                       "range start-end)",
                                       spec, (int)hlen, hpart);
        }
        unsigned count = cend - cstart + 1;
        bool pool = false;
        if (hstart != 0 && hend - hstart != cend - cstart) {
                /* Docker's rule: a host range with a single container port
                 * is a pool to pick one free port from. */
                if (cstart != cend)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "publish `%s`: host port range %u-%u and container port "
                                       "range %u-%u differ in length",
                                       spec, hstart, hend, cstart, cend);
                pool = true;
        }
        if (*n + count > PORT_MAPPINGS_MAX)
                return err_set(err, ERR_LIMIT, 0, "publish `%s`: more than %u port mappings", spec,
                               PORT_MAPPINGS_MAX);

        PortMapping *m = xrealloc(*mappings, (*n + count) * sizeof *m);
        for (unsigned i = 0; i < count; i++) {
                PortMapping *p = &m[*n + i];
                *p = (PortMapping){ .container_port = (uint16_t)(cstart + i), .protocol = proto };
                memcpy(p->host_ip, ip, sizeof ip);
                if (pool) {
                        p->host_port = (uint16_t)hstart;
                        p->host_port_end = (uint16_t)hend;
                } else if (hstart != 0) {
                        p->host_port = (uint16_t)(hstart + i);
                        p->host_port_end = p->host_port;
                }
        }
        *mappings = m;
        *n += count;
        return 0;
}

int port_exposed_parse(const char *spec, uint16_t *ret_start, uint16_t *ret_end,
                       PortProtocol *ret_protocol, Error **err) {
        if (!spec)
                spec = "";
        if (strlen(spec) > PORT_SPEC_MAX)
                return err_set(err, ERR_LIMIT, 0, "exposed port: longer than %u bytes",
                               PORT_SPEC_MAX);
        const char *slash = strchr(spec, '/');
        size_t len = slash ? (size_t)(slash - spec) : strlen(spec);
        PortProtocol proto = PORT_PROTOCOL_TCP;
        if (slash && port_protocol_parse(slash + 1, strlen(slash + 1), &proto) < 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "exposed port `%s`: invalid protocol `%s` (tcp, udp or sctp)", spec,
                               slash + 1);
        unsigned a, b;
        if (port_range_parse(spec, len, &a, &b) < 0 || a == 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "exposed port `%s`: invalid port `%.*s` (1-65535 or a range "
                               "start-end)",
                               spec, (int)len, spec);
        *ret_start = (uint16_t)a;
        *ret_end = (uint16_t)b;
        *ret_protocol = proto;
        return 0;
}

int port_mappings_add_exposed(PortMapping **mappings, size_t *n, const char *const *exposed,
                              Error **err) {
        PortMapping *m = NULL;
        size_t count = *n;
        if (count > 0) {
                m = xmalloc(count * sizeof *m);
                memcpy(m, *mappings, count * sizeof *m);
        }
        for (size_t e = 0; exposed && exposed[e]; e++) {
                uint16_t start, end;
                PortProtocol proto;
                if (port_exposed_parse(exposed[e], &start, &end, &proto, err) < 0) {
                        free(m);
                        return -1;
                }
                for (unsigned port = start; port <= end; port++) {
                        bool published = false;
                        for (size_t i = 0; i < count && !published; i++)
                                published = m[i].container_port == port && m[i].protocol == proto;
                        if (published)
                                continue;
                        if (count >= PORT_MAPPINGS_MAX) {
                                free(m);
                                return err_set(err, ERR_LIMIT, 0, "more than %u port mappings",
                                               PORT_MAPPINGS_MAX);
                        }
                        m = xrealloc(m, (count + 1) * sizeof *m);
                        m[count++] = (PortMapping){ .container_port = (uint16_t)port,
                                                    .protocol = proto };
                }
        }
        free(*mappings);
        *mappings = m;
        *n = count;
        return 0;
}

/* ---- choosing host ports ---- */

static bool port_ip_is_any(const char *ip) {
        return !*ip || STREQ(ip, "0.0.0.0") || STREQ(ip, "::");
}

/* Binds a socket of the mapping's protocol on its address and port (0:
 * the kernel picks). SCTP is probed with TCP: the sctp module is often
 * absent, and the numbers are what matters. Returns the socket, held
 * until the caller is done so the next pick cannot get the same port;
 * -2 with *ret_errno when the port cannot be bound; -1 with *err. */
static int port_probe(const PortMapping *p, unsigned port, unsigned *ret_port, int *ret_errno,
                      Error **err) {
        struct sockaddr_storage ss = { 0 };
        socklen_t sl;
        int family = AF_INET;
        if (strchr(p->host_ip, ':'))
                family = AF_INET6;
        if (family == AF_INET) {
                struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
                sin->sin_family = AF_INET;
                sin->sin_port = htons((uint16_t)port);
                if (*p->host_ip && inet_pton(AF_INET, p->host_ip, &sin->sin_addr) != 1) {
                        err_set(err, ERR_INVALID_ARGUMENT, 0, "host IP `%s`", p->host_ip);
                        return -1;
                }
                sl = sizeof *sin;
        } else {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons((uint16_t)port);
                if (inet_pton(AF_INET6, p->host_ip, &sin6->sin6_addr) != 1) {
                        err_set(err, ERR_INVALID_ARGUMENT, 0, "host IP `%s`", p->host_ip);
                        return -1;
                }
                sl = sizeof *sin6;
        }
        int type = p->protocol == PORT_PROTOCOL_UDP ? SOCK_DGRAM : SOCK_STREAM;
        _cleanup_close_ int fd = socket(family, type | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                err_set(err, ERR_SYSTEM, errno, "socket");
                return -1;
        }
        if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
                *ret_errno = errno;
                return -2;
        }
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
                err_set(err, ERR_SYSTEM, errno, "getsockname");
                return -1;
        }
        *ret_port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                            : ((struct sockaddr_in6 *)&ss)->sin6_port);
        return TAKE_FD(fd);
}

static bool port_mappings_clash(const PortMapping *a, const PortMapping *b) {
        return a->protocol == b->protocol && a->host_port == b->host_port &&
               (STREQ(a->host_ip, b->host_ip) || port_ip_is_any(a->host_ip) ||
                port_ip_is_any(b->host_ip));
}

/* Whether port is fixed (given, or picked already) for another mapping
 * of the same protocol. */
static bool port_is_claimed(const PortMapping *m, size_t n, size_t self, unsigned port) {
        for (size_t i = 0; i < n; i++)
                if (i != self && m[i].protocol == m[self].protocol && m[i].host_port == port &&
                    m[i].host_port_end == m[i].host_port)
                        return true;
        return false;
}

static int port_mapping_cmp(const void *a, const void *b) {
        const PortMapping *x = *(const PortMapping *const *)a, *y = *(const PortMapping *const *)b;
        if (x->protocol != y->protocol)
                return (int)x->protocol - (int)y->protocol;
        return (int)x->host_port - (int)y->host_port;
}

typedef struct HeldSockets {
        int *fds;
        size_t n, cap;
} HeldSockets;

static void held_sockets_clear(HeldSockets *h) {
        for (size_t i = 0; i < h->n; i++)
                close(h->fds[i]);
        free(h->fds);
}

static void held_sockets_add(HeldSockets *h, int fd) {
        xgrow((void **)&h->fds, &h->cap, h->n + 1, sizeof *h->fds);
        h->fds[h->n++] = fd;
}

/* Picks the host port of mapping i (a pool or 0). */
static int port_mapping_pick(PortMapping *m, size_t n, size_t i, HeldSockets *held, Error **err) {
        PortMapping *p = &m[i];
        unsigned port;
        int fd, e = 0;
        if (p->host_port == 0) {
                /* The kernel's ephemeral range; retry when it hands out a
                 * port another mapping names explicitly (the probe socket
                 * stays held, so the next answer differs). */
                for (int attempt = 0; attempt < 64; attempt++) {
                        fd = port_probe(p, 0, &port, &e, err);
                        if (fd == -1)
                                return -1;
                        if (fd == -2)
                                return err_set(err, ERR_SYSTEM, e, "choose a host port on `%s`",
                                               *p->host_ip ? p->host_ip : "0.0.0.0");
                        held_sockets_add(held, fd);
                        if (!port_is_claimed(m, n, i, port)) {
                                p->host_port = p->host_port_end = (uint16_t)port;
                                return 0;
                        }
                }
                return err_set(err, ERR_EXISTS, 0, "no free host port for container port %u/%s",
                               p->container_port, port_protocol_name(p->protocol));
        }
        for (port = p->host_port; port <= p->host_port_end; port++) {
                if (port_is_claimed(m, n, i, port))
                        continue;
                unsigned got;
                fd = port_probe(p, port, &got, &e, err);
                if (fd == -1)
                        return -1;
                if (fd >= 0) {
                        held_sockets_add(held, fd);
                        p->host_port = p->host_port_end = (uint16_t)port;
                        return 0;
                }
        }
        return err_set(err, ERR_EXISTS, e, "no free host port in %u-%u for container port %u/%s",
                       p->host_port, p->host_port_end, p->container_port,
                       port_protocol_name(p->protocol));
}

int port_mappings_assign(PortMapping *mappings, size_t n, Error **err) {
        if (n == 0)
                return 0;
        if (n > PORT_MAPPINGS_MAX)
                return err_set(err, ERR_LIMIT, 0, "more than %u port mappings", PORT_MAPPINGS_MAX);
        /* Work on a copy: outputs only on success. */
        _cleanup_free_ PortMapping *m = xmalloc(n * sizeof *m);
        memcpy(m, mappings, n * sizeof *m);
        for (size_t i = 0; i < n; i++)
                if (m[i].host_port != 0 && m[i].host_port_end < m[i].host_port)
                        m[i].host_port_end = m[i].host_port;

        HeldSockets held = { 0 };
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++)
                if (m[i].host_port == 0 || m[i].host_port_end > m[i].host_port)
                        r = port_mapping_pick(m, n, i, &held, err);
        held_sockets_clear(&held);
        if (r < 0)
                return r;

        /* Clashes: sort by (protocol, port), then compare within runs. */
        _cleanup_free_ PortMapping **sorted = xmalloc(n * sizeof *sorted);
        for (size_t i = 0; i < n; i++)
                sorted[i] = &m[i];
        qsort(sorted, n, sizeof *sorted, port_mapping_cmp);
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n && port_mapping_cmp(&sorted[i], &sorted[j]) == 0; j++)
                        if (port_mappings_clash(sorted[i], sorted[j]))
                                return err_set(err, ERR_EXISTS, 0,
                                               "host port %u/%s is published twice",
                                               sorted[i]->host_port,
                                               port_protocol_name(sorted[i]->protocol));
        memcpy(mappings, m, n * sizeof *m);
        return 0;
}

/* ---- JSON ---- */

json_t *port_mappings_to_json(const PortMapping *mappings, size_t n, PortJsonFormat format) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++) {
                const PortMapping *p = &mappings[i];
                json_t *o;
                if (format == PORT_JSON_LIST) {
                        char host[8], container[8];
                        snprintf(host, sizeof host, "%u", p->host_port);
                        snprintf(container, sizeof container, "%u", p->container_port);
                        o = json_pack("{s:s, s:s, s:s, s:s}", "host_port", host, "host_ip",
                                      p->host_ip, "protocol", port_protocol_name(p->protocol),
                                      "container_port", container);
                } else
                        o = json_pack("{s:i, s:i, s:s, s:s}", "hostPort", (int)p->host_port,
                                      "containerPort", (int)p->container_port, "protocol",
                                      port_protocol_name(p->protocol), "hostIP", p->host_ip);
                json_array_append_new(a, o);
        }
        return a;
}

/* A port member of either shape: a number, or a decimal string. */
static int port_json_get(const json_t *o, const char *key, bool zero_ok, unsigned *ret) {
        const json_t *v = json_object_get(o, key);
        if (json_is_integer(v)) {
                json_int_t i = json_integer_value(v);
                if (i < (zero_ok ? 0 : 1) || i > 65535)
                        return -1;
                *ret = (unsigned)i;
                return 0;
        }
        if (json_is_string(v)) {
                unsigned u;
                if (port_number_parse(json_string_value(v), json_string_length(v), &u) < 0 ||
                    (!zero_ok && u == 0))
                        return -1;
                *ret = u;
                return 0;
        }
        return -1;
}

int port_mappings_from_json(const json_t *array, PortMapping **ret, size_t *ret_n, Error **err) {
        if (json_is_null(array) || !array) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (!json_is_array(array))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "port mappings: not an array");
        size_t n = json_array_size(array);
        if (n > PORT_MAPPINGS_MAX)
                return err_set(err, ERR_LIMIT, 0, "more than %u port mappings", PORT_MAPPINGS_MAX);
        _cleanup_free_ PortMapping *m = n ? xnew0(PortMapping, n) : NULL;
        for (size_t i = 0; i < n; i++) {
                const json_t *o = json_array_get(array, i);
                bool list = json_object_get(o, "host_port") != NULL;
                unsigned host, container;
                if (!json_is_object(o) ||
                    port_json_get(o, list ? "host_port" : "hostPort", true, &host) < 0 ||
                    port_json_get(o, list ? "container_port" : "containerPort", false, &container) <
                            0)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "port mapping %zu: missing or invalid port", i);
                const char *proto = json_string_value(json_object_get(o, "protocol"));
                const char *ip = json_string_value(json_object_get(o, list ? "host_ip" : "hostIP"));
                if (!proto || !*proto)
                        proto = "tcp";
                if (!ip)
                        ip = "";
                if (port_protocol_parse(proto, strlen(proto), &m[i].protocol) < 0)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "port mapping %zu: invalid protocol `%s`", i, proto);
                if (*ip && (strlen(ip) >= sizeof m[i].host_ip || !port_ip_is_valid(ip)))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "port mapping %zu: invalid host IP `%s`", i, ip);
                strcpy(m[i].host_ip, ip);
                m[i].host_port = m[i].host_port_end = (uint16_t)host;
                m[i].container_port = (uint16_t)container;
        }
        *ret = TAKE_PTR(m);
        *ret_n = n;
        return 0;
}
