/* SPDX-License-Identifier: Apache-2.0 */
/* CNI results: what a plugin chain says it set up. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "network-private.h"
#include "network.h"
#include "xalloc.h"

/* Most interfaces or addresses one result may list. */
#define CNI_RESULT_ENTRIES_MAX 1024u

CniResult *cni_result_free(CniResult *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_interfaces; i++) {
                free(r->interfaces[i].name);
                free(r->interfaces[i].mac);
                free(r->interfaces[i].sandbox);
        }
        free(r->interfaces);
        free(r->ips);
        free(r->cni_version);
        json_decref(r->json);
        free(r);
        return NULL;
}

/* "10.89.0.2/24" or "fd00::2/64" into ip. */
static int cni_ip_parse(const char *cidr, CniIp *ip) {
        const char *slash = cidr ? strchr(cidr, '/') : NULL;
        if (!slash || (size_t)(slash - cidr) >= sizeof ip->address)
                return -1;
        memcpy(ip->address, cidr, (size_t)(slash - cidr));
        ip->address[slash - cidr] = '\0';
        unsigned char buf[sizeof(struct in6_addr)];
        if (inet_pton(AF_INET, ip->address, buf) == 1)
                ip->family = AF_INET;
        else if (inet_pton(AF_INET6, ip->address, buf) == 1)
                ip->family = AF_INET6;
        else
                return -1;
        const char *p = slash + 1;
        unsigned len = 0;
        if (!*p || strlen(p) > 3)
                return -1;
        for (; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -1;
                len = len * 10 + (unsigned)(*p - '0');
        }
        if (len > (ip->family == AF_INET ? 32u : 128u))
                return -1;
        ip->prefix_len = len;
        return 0;
}

static int cni_gateway_parse(const json_t *j, CniIp *ip) {
        if (!j)
                return 0;
        const char *gw = json_string_value(j);
        unsigned char buf[sizeof(struct in6_addr)];
        if (!gw || strlen(gw) >= sizeof ip->gateway || inet_pton(ip->family, gw, buf) != 1)
                return -1;
        strcpy(ip->gateway, gw);
        return 0;
}

static char *json_string_dup(const json_t *o, const char *key) {
        const char *s = json_string_value(json_object_get(o, key));
        return s && *s ? xstrdup(s) : NULL;
}

/* The 0.3.0+ shape: interfaces and ips. */
static int cni_result_parse_current(const json_t *j, CniResult *r, Error **err) {
        const json_t *ifs = json_object_get(j, "interfaces");
        const json_t *ips = json_object_get(j, "ips");
        if ((ifs && !json_is_array(ifs)) || (ips && !json_is_array(ips)))
                return err_set(err, ERR_PROTOCOL, 0, "cni result: interfaces or ips not an array");
        if (json_array_size(ifs) > CNI_RESULT_ENTRIES_MAX ||
            json_array_size(ips) > CNI_RESULT_ENTRIES_MAX)
                return err_set(err, ERR_LIMIT, 0, "cni result: more than %u entries",
                               CNI_RESULT_ENTRIES_MAX);
        r->interfaces = xnew0(CniInterface, json_array_size(ifs) + 1);
        size_t i;
        json_t *v;
        json_array_foreach (ifs, i, v) {
                const char *name = json_string_value(json_object_get(v, "name"));
                if (!name || !*name)
                        return err_set(err, ERR_PROTOCOL, 0,
                                       "cni result: interface %zu has no name", i);
                CniInterface *in = &r->interfaces[r->n_interfaces++];
                in->name = xstrdup(name);
                in->mac = json_string_dup(v, "mac");
                in->sandbox = json_string_dup(v, "sandbox");
        }
        r->ips = xnew0(CniIp, json_array_size(ips) + 1);
        json_array_foreach (ips, i, v) {
                CniIp ip = { .interface = -1 };
                if (cni_ip_parse(json_string_value(json_object_get(v, "address")), &ip) < 0)
                        return err_set(err, ERR_PROTOCOL, 0, "cni result: ips[%zu]: bad address",
                                       i);
                if (cni_gateway_parse(json_object_get(v, "gateway"), &ip) < 0)
                        return err_set(err, ERR_PROTOCOL, 0, "cni result: ips[%zu]: bad gateway",
                                       i);
                const json_t *idx = json_object_get(v, "interface");
                if (idx) {
                        if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
                            (size_t)json_integer_value(idx) >= r->n_interfaces)
                                return err_set(err, ERR_PROTOCOL, 0,
                                               "cni result: ips[%zu]: interface index out of "
                                               "range",
                                               i);
                        ip.interface = (int)json_integer_value(idx);
                }
                r->ips[r->n_ips++] = ip;
        }
        return 0;
}

/* The 0.1.0/0.2.0 shape: {ip4: {ip, gateway}, ip6: {...}}. */
static int cni_result_parse_legacy(const json_t *j, CniResult *r, Error **err) {
        r->ips = xnew0(CniIp, 2);
        const char *keys[] = { "ip4", "ip6" };
        for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                const json_t *o = json_object_get(j, keys[k]);
                if (!o)
                        continue;
                CniIp ip = { .interface = -1 };
                if (cni_ip_parse(json_string_value(json_object_get(o, "ip")), &ip) < 0 ||
                    cni_gateway_parse(json_object_get(o, "gateway"), &ip) < 0)
                        return err_set(err, ERR_PROTOCOL, 0, "cni result: bad %s", keys[k]);
                r->ips[r->n_ips++] = ip;
        }
        return 0;
}

int cni_result_parse(json_t *j, CniResult **ret, Error **err) {
        if (!json_is_object(j))
                return err_set(err, ERR_PROTOCOL, 0, "cni result: not a JSON object");
        const char *version = json_string_value(json_object_get(j, "cniVersion"));
        _cleanup_(cni_result_freep) CniResult *r = xnew0(CniResult, 1);
        r->cni_version = xstrdup(version ? version : "");
        bool legacy = !json_object_get(j, "ips") && !json_object_get(j, "interfaces") &&
                      (json_object_get(j, "ip4") || json_object_get(j, "ip6"));
        if ((legacy ? cni_result_parse_legacy : cni_result_parse_current)(j, r, err) < 0)
                return -1;
        r->json = json_incref(j);
        *ret = TAKE_PTR(r);
        return 0;
}

/* An address belongs to the container when its interface is in a sandbox
 * (the bridge and the host-side veth are listed too, without one), or
 * when the result does not say. */
static bool cni_ip_is_container(const CniResult *r, const CniIp *ip) {
        return ip->interface < 0 || r->interfaces[ip->interface].sandbox;
}

const CniIp *cni_result_ip(const CniResult *r, int family) {
        for (size_t i = 0; r && i < r->n_ips; i++)
                if (r->ips[i].family == family && cni_ip_is_container(r, &r->ips[i]))
                        return &r->ips[i];
        return NULL;
}

const char *cni_result_mac(const CniResult *r, const char *ifname) {
        for (size_t i = 0; r && i < r->n_interfaces; i++) {
                const CniInterface *in = &r->interfaces[i];
                if (in->sandbox && (!ifname || STREQ(in->name, ifname)))
                        return in->mac;
        }
        return NULL;
}
