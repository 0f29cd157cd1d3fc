/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the network module's parsers: publish and exposed
 * port strings, net modes, the host's resolv.conf and the host_add
 * entries, hostnames, /proc/net/dev, CNI configs and results. Properties
 * checked besides "no crash, no leak": a failure has a message and leaves
 * the outputs alone; parsed ports are in range and survive a JSON round
 * trip; a net mode formats to text that parses to the same mode; the
 * generated resolv.conf holds only search/nameserver/options lines and
 * never a loopback server for a private namespace; the generated hosts
 * file has one line per host_add entry. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "macro.h"
#include "network.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _noreturn_ void fuzz_fail(const char *what, const char *text) {
        fprintf(stderr, "fuzz-network: %s\n%s\n", what, text ? text : "");
        abort();
}

/* Checks and frees *err, leaving it NULL for the next call. */
static void failure_check(int r, Error **err, const char *text) {
        if (r >= 0)
                fuzz_fail("failure return without failing", text);
        if (!*err || !(*err)->message || !*(*err)->message)
                fuzz_fail("failure without message", text);
        *err = err_free(*err);
}

static void ports_check(const char *text) {
        PortMapping *m = NULL;
        size_t n = 0;
        Error *err = NULL;
        int r = port_publish_parse(text, &m, &n, &err);
        if (r < 0) {
                if (m || n)
                        fuzz_fail("publish failure with output", text);
                failure_check(r, &err, text);
                return;
        }
        if (n == 0 || n > PORT_MAPPINGS_MAX)
                fuzz_fail("publish: bad count", text);
        for (size_t i = 0; i < n; i++) {
                if (m[i].container_port == 0)
                        fuzz_fail("publish: container port 0", text);
                if (m[i].host_port_end < m[i].host_port)
                        fuzz_fail("publish: host range backwards", text);
                if (m[i].host_port == 0 && m[i].host_port_end != 0)
                        fuzz_fail("publish: pool from 0", text);
                if (!memchr(m[i].host_ip, '\0', sizeof m[i].host_ip))
                        fuzz_fail("publish: host ip not terminated", text);
                /* What JSON carries is a chosen port: pretend. */
                if (m[i].host_port == 0)
                        m[i].host_port = m[i].host_port_end = 1;
                m[i].host_port_end = m[i].host_port;
        }
        for (int f = 0; f < 2; f++) {
                _cleanup_json_ json_t *j =
                        port_mappings_to_json(m, n, f ? PORT_JSON_CNI : PORT_JSON_LIST);
                PortMapping *back = NULL;
                size_t nb = 0;
                if (port_mappings_from_json(j, &back, &nb, &err) < 0)
                        fuzz_fail(err->message, text);
                if (nb != n || memcmp(back, m, n * sizeof *m) != 0)
                        fuzz_fail("ports do not survive JSON", text);
                free(back);
        }
        free(m);

        uint16_t a = 7, b = 7;
        PortProtocol p = 7;
        r = port_exposed_parse(text, &a, &b, &p, &err);
        if (r < 0) {
                if (a != 7 || b != 7 || p != 7)
                        fuzz_fail("exposed failure with output", text);
                failure_check(r, &err, text);
        } else if (a == 0 || a > b)
                fuzz_fail("exposed: bad range", text);
}

static void mode_check(const char *text) {
        NetworkMode m = { .kind = 42 };
        Error *err = NULL;
        int r = network_mode_parse(text, &m, &err);
        if (r < 0) {
                if (m.kind != 42)
                        fuzz_fail("mode failure with output", text);
                failure_check(r, &err, text);
                return;
        }
        _cleanup_free_ char *f = network_mode_format(&m);
        NetworkMode again;
        if (network_mode_parse(f, &again, &err) < 0)
                fuzz_fail(err->message, f);
        _cleanup_free_ char *f2 = network_mode_format(&again);
        if (!STREQ(f, f2) || again.kind != m.kind)
                fuzz_fail("mode does not format back", f);
        network_mode_clear(&m);
        network_mode_clear(&again);
}

/* The input's lines, as a NULL-terminated list (at most 64). */
static char **lines_split(const char *text) {
        char **v = xnew0(char *, 65);
        size_t n = 0;
        for (const char *p = text; *p && n < 64;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);
                v[n++] = xstrndup(p, len);
                if (!nl)
                        break;
                p = nl + 1;
        }
        return v;
}

static void lines_free(char **v) {
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

static void resolv_check(const char *text, char **lines) {
        for (int private_netns = 0; private_netns < 2; private_netns++) {
                ResolvOptions o = { .host_text = text, .private_netns = private_netns };
                /* Every other round also with the lines as explicit settings. */
                if (private_netns) {
                        o.dns_search = (const char *const *)lines;
                        o.dns_opt = (const char *const *)lines;
                }
                char *out = NULL;
                Error *err = NULL;
                int r = etcfiles_resolv_format(&o, &out, &err);
                if (r < 0) {
                        if (out)
                                fuzz_fail("resolv failure with output", text);
                        failure_check(r, &err, text);
                        continue;
                }
                for (const char *l = out; *l;) {
                        const char *nl = strchr(l, '\n');
                        if (!nl)
                                fuzz_fail("resolv: last line without newline", out);
                        if (!STRPREFIX(l, "search ") && !STRPREFIX(l, "nameserver ") &&
                            !STRPREFIX(l, "options "))
                                fuzz_fail("resolv: unexpected line", out);
                        if (private_netns &&
                            (STRPREFIX(l, "nameserver 127.") || STRPREFIX(l, "nameserver ::1\n")))
                                fuzz_fail("resolv: loopback server in a private namespace", out);
                        l = nl + 1;
                }
                free(out);
        }
}

static void hosts_check(const char *text, char **lines) {
        HostsOptions o = { .host_add = (const char *const *)lines,
                           .hostname = lines[0],
                           .ip = "10.89.0.2" };
        char *out = NULL;
        Error *err = NULL;
        int r = etcfiles_hosts_format(&o, &out, &err);
        if (r < 0) {
                if (out)
                        fuzz_fail("hosts failure with output", text);
                failure_check(r, &err, text);
        } else {
                size_t n = 0, want = 2 + 1; /* localhost lines + the hostname line */
                for (char **p = lines; *p; p++)
                        want++;
                for (const char *p = out; *p; p++)
                        n += *p == '\n';
                if (n != want)
                        fuzz_fail("hosts: a line per entry", out);
                free(out);
        }
        for (char **p = lines; *p; p++) {
                char *name = NULL, *ip = NULL;
                r = etcfiles_host_entry_parse(*p, &name, &ip, &err);
                if (r < 0) {
                        if (name || ip)
                                fuzz_fail("host entry failure with output", *p);
                        failure_check(r, &err, *p);
                        continue;
                }
                if (strpbrk(name, " \t\n") || strpbrk(ip, " \t\n"))
                        fuzz_fail("host entry with whitespace", *p);
                free(name);
                free(ip);
        }
        r = etcfiles_hostname_format(text, &out, &err);
        if (r < 0)
                failure_check(r, &err, text);
        else {
                if (strlen(out) > ETCFILES_HOSTNAME_MAX + 1 ||
                    strchr(out, '\n') != out + strlen(out) - 1)
                        fuzz_fail("hostname file is not one short line", out);
                free(out);
        }
}

static void cni_check(const char *text) {
        NetStats s;
        Error *err = NULL;
        int r = netstats_parse(text, &s, &err);
        if (r < 0)
                failure_check(r, &err, text);

        for (int conflist = 0; conflist < 2; conflist++) {
                CniNetwork *net = NULL;
                r = cni_network_parse(text, conflist, "fuzz", &net, &err);
                if (r < 0) {
                        if (net)
                                fuzz_fail("cni config failure with output", text);
                        failure_check(r, &err, text);
                        continue;
                }
                if (!json_array_size(json_object_get(net->conf, "plugins")) || !*net->name)
                        fuzz_fail("cni config without plugins or name", text);
                cni_network_free(net);
        }

        _cleanup_json_ json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
        if (!j)
                return;
        CniResult *res = NULL;
        r = cni_result_parse(j, &res, &err);
        if (r < 0) {
                if (res)
                        fuzz_fail("cni result failure with output", text);
                failure_check(r, &err, text);
                return;
        }
        for (size_t i = 0; i < res->n_ips; i++)
                if (res->ips[i].interface >= (int)res->n_interfaces)
                        fuzz_fail("cni result: interface out of range", text);
        (void)cni_result_ip(res, 2);
        (void)cni_result_mac(res, "eth0");
        cni_result_free(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* The APIs take C strings: a NUL in the input ends the text. */
        _cleanup_free_ char *text = xmalloc(size + 1);
        memcpy(text, data, size);
        text[size] = '\0';

        ports_check(text);
        mode_check(text);
        char **lines = lines_split(text);
        resolv_check(text, lines);
        if (lines[0])
                hosts_check(text, lines);
        lines_free(lines);
        cni_check(text);
        return 0;
}
