/* SPDX-License-Identifier: Apache-2.0 */
/* The files a container gets bind-mounted over its /etc: resolv.conf,
 * hosts and hostname. Pure text in, text out, so they are fuzzed. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network-private.h"
#include "network.h"
#include "xalloc.h"

/* A growing string. */
typedef struct Buf {
        char *s;
        size_t len, cap;
} Buf;

static void buf_add(Buf *b, const char *s, size_t n) {
        xgrow((void **)&b->s, &b->cap, b->len + n + 1, 1);
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
}

static void buf_adds(Buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static char *buf_take(Buf *b) {
        if (!b->s)
                return xstrdup("");
        return TAKE_PTR(b->s);
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* A token for a config line: non-empty, no whitespace, no control
 * characters (a newline would start a line of the caller's choosing). */
static bool etcfiles_token_is_valid(const char *s, size_t max) {
        size_t len = strlen(s);
        if (len == 0 || len > max)
                return false;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p <= ' ' || *p == 0x7f)
                        return false;
        return true;
}

/* An IPv4 or IPv6 address; IPv6 may carry a zone ("fe80::1%eth0"), which
 * resolv.conf accepts. */
static bool etcfiles_ip_is_valid(const char *s, bool zone_ok) {
        unsigned char buf[sizeof(struct in6_addr)];
        if (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
                return true;
        const char *pct = strchr(s, '%');
        if (!zone_ok || !pct || !etcfiles_token_is_valid(pct + 1, 64) ||
            (size_t)(pct - s) >= INET6_ADDRSTRLEN)
                return false;
        char addr[INET6_ADDRSTRLEN];
        memcpy(addr, s, (size_t)(pct - s));
        addr[pct - s] = '\0';
        return inet_pton(AF_INET6, addr, buf) == 1;
}

int etcfiles_read(const char *path, char **ret, Error **err) {
        _cleanup_error_ Error *e = NULL;
        if (network_file_read(path, ETCFILES_SIZE_MAX, ret, NULL, &e) < 0) {
                if (e->kind == ERR_NOT_FOUND) {
                        *ret = xstrdup("");
                        return 0;
                }
                return err_propagate(err, TAKE_PTR(e));
        }
        return 0;
}

/* ---- resolv.conf ---- */

typedef struct StrList {
        char **v;
        size_t n, cap;
} StrList;

static void strlist_add(StrList *l, const char *s, size_t len) {
        xgrow((void **)&l->v, &l->cap, l->n + 2, sizeof *l->v);
        l->v[l->n++] = xstrndup(s, len);
        l->v[l->n] = NULL;
}

static void strlist_clear(StrList *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i]);
        free(l->v);
        *l = (StrList){ 0 };
}

/* Splits the rest of a line into whitespace-separated words. */
static void strlist_set_words(StrList *l, const char *s, const char *end) {
        strlist_clear(l);
        while (s < end) {
                while (s < end && is_space(*s))
                        s++;
                const char *w = s;
                while (s < end && !is_space(*s))
                        s++;
                if (s > w)
                        strlist_add(l, w, (size_t)(s - w));
        }
}

static bool resolv_is_localhost(const char *ip) {
        /* Any 127/8 address (systemd-resolved's 127.0.0.53, dnsmasq's
         * 127.0.1.1) and ::1, as Docker's and podman's filter. */
        return STRPREFIX(ip, "127.") || STREQ(ip, "::1");
}

typedef struct ResolvHost {
        StrList nameservers, search, options;
} ResolvHost;

/* Reads the host's file the way glibc does: "nameserver" lines add up,
 * the last "search" or "domain" line wins, the last "options" line wins
 * (Docker's reading, which podman uses). Comments start with # or ;.
 * Nameservers that are not IP addresses are ignored, as glibc does. */
static void resolv_host_parse(const char *text, bool private_netns, ResolvHost *ret) {
        for (const char *line = text; line && *line;) {
                const char *end = strchr(line, '\n');
                if (!end)
                        end = line + strlen(line);
                const char *p = line;
                while (p < end && is_space(*p))
                        p++;
                const char *kw = p;
                while (p < end && !is_space(*p))
                        p++;
                size_t kwlen = (size_t)(p - kw);
                if (kwlen == 10 && strncmp(kw, "nameserver", 10) == 0) {
                        StrList words = { 0 };
                        strlist_set_words(&words, p, end);
                        if (words.n >= 1 && etcfiles_ip_is_valid(words.v[0], true) &&
                            !(private_netns && resolv_is_localhost(words.v[0])))
                                strlist_add(&ret->nameservers, words.v[0], strlen(words.v[0]));
                        strlist_clear(&words);
                } else if ((kwlen == 6 && strncmp(kw, "search", 6) == 0) ||
                           (kwlen == 6 && strncmp(kw, "domain", 6) == 0))
                        strlist_set_words(&ret->search, p, end);
                else if (kwlen == 7 && strncmp(kw, "options", 7) == 0)
                        strlist_set_words(&ret->options, p, end);
                line = *end ? end + 1 : NULL;
        }
}

static void resolv_host_clear(ResolvHost *h) {
        strlist_clear(&h->nameservers);
        strlist_clear(&h->search);
        strlist_clear(&h->options);
}

static void resolv_line_add(Buf *b, const char *keyword, const char *const *words) {
        if (!words || !words[0])
                return;
        buf_adds(b, keyword);
        for (size_t i = 0; words[i]; i++) {
                buf_adds(b, " ");
                buf_adds(b, words[i]);
        }
        buf_adds(b, "\n");
}

int etcfiles_resolv_format(const ResolvOptions *o, char **ret, Error **err) {
        for (size_t i = 0; o->dns_servers && o->dns_servers[i]; i++)
                if (!etcfiles_ip_is_valid(o->dns_servers[i], true))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "dns server `%s`: not an IP address", o->dns_servers[i]);
        bool search_none = false;
        for (size_t i = 0; o->dns_search && o->dns_search[i]; i++) {
                if (STREQ(o->dns_search[i], "."))
                        search_none = true;
                else if (!etcfiles_token_is_valid(o->dns_search[i], 253))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "dns search domain `%s`: empty, too long or with "
                                       "whitespace",
                                       o->dns_search[i]);
        }
        for (size_t i = 0; o->dns_opt && o->dns_opt[i]; i++)
                if (!etcfiles_token_is_valid(o->dns_opt[i], 256))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "dns option `%s`: empty, too long or with whitespace",
                                       o->dns_opt[i]);

        ResolvHost host = { 0 };
        resolv_host_parse(o->host_text, o->private_netns, &host);

        Buf b = { 0 };
        /* search, then nameserver, then options: resolvconf.Build's order. */
        if (o->dns_search && o->dns_search[0]) {
                if (!search_none)
                        resolv_line_add(&b, "search", o->dns_search);
        } else
                resolv_line_add(&b, "search", (const char *const *)host.search.v);
        const char *const *servers = o->dns_servers && o->dns_servers[0]
                                             ? o->dns_servers
                                             : (const char *const *)host.nameservers.v;
        for (size_t i = 0; servers && servers[i]; i++) {
                buf_adds(&b, "nameserver ");
                buf_adds(&b, servers[i]);
                buf_adds(&b, "\n");
        }
        if (o->dns_opt && o->dns_opt[0])
                resolv_line_add(&b, "options", o->dns_opt);
        else
                resolv_line_add(&b, "options", (const char *const *)host.options.v);
        resolv_host_clear(&host);
        *ret = buf_take(&b);
        return 0;
}

/* ---- hosts ---- */

static const char hosts_localhost[] = "127.0.0.1\tlocalhost\n"
                                      "::1\tlocalhost ip6-localhost ip6-loopback\n";

int etcfiles_host_entry_parse(const char *entry, char **ret_name, char **ret_ip, Error **err) {
        /* At the first colon: the name has none, an IPv6 address many. */
        const char *colon = entry ? strchr(entry, ':') : NULL;
        if (!colon)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "host entry `%s`: not name:ip",
                               entry ? entry : "");
        _cleanup_free_ char *name = xstrndup(entry, (size_t)(colon - entry));
        if (!etcfiles_token_is_valid(name, 253) || strchr(name, '#'))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "host entry `%s`: invalid host name `%s`", entry, name);
        if (!etcfiles_ip_is_valid(colon + 1, false))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "host entry `%s`: invalid IP address `%s`", entry, colon + 1);
        *ret_name = TAKE_PTR(name);
        *ret_ip = xstrdup(colon + 1);
        return 0;
}

int etcfiles_hosts_format(const HostsOptions *o, char **ret, Error **err) {
        if (o->hostname && *o->hostname && !etcfiles_token_is_valid(o->hostname, 253))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "hostname `%s`", o->hostname);
        if (o->name && *o->name && !etcfiles_token_is_valid(o->name, 253))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "container name `%s`", o->name);
        if (o->ip && !etcfiles_ip_is_valid(o->ip, false))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "container IP address `%s`", o->ip);

        Buf b = { 0 };
        buf_adds(&b, o->base ? o->base : hosts_localhost);
        if (b.len > 0 && b.s[b.len - 1] != '\n')
                buf_adds(&b, "\n");
        for (size_t i = 0; o->host_add && o->host_add[i]; i++) {
                _cleanup_free_ char *name = NULL, *ip = NULL;
                if (etcfiles_host_entry_parse(o->host_add[i], &name, &ip, err) < 0) {
                        free(b.s);
                        return -1;
                }
                buf_adds(&b, ip);
                buf_adds(&b, "\t");
                buf_adds(&b, name);
                buf_adds(&b, "\n");
        }
        bool has_hostname = o->hostname && *o->hostname;
        bool has_name = o->name && *o->name && !(has_hostname && STREQ(o->name, o->hostname));
        if (o->ip && (has_hostname || has_name)) {
                buf_adds(&b, o->ip);
                buf_adds(&b, "\t");
                if (has_hostname)
                        buf_adds(&b, o->hostname);
                if (has_name) {
                        if (has_hostname)
                                buf_adds(&b, " ");
                        buf_adds(&b, o->name);
                }
                buf_adds(&b, "\n");
        }
        *ret = buf_take(&b);
        return 0;
}

/* ---- hostname ---- */

int etcfiles_hostname_format(const char *hostname, char **ret, Error **err) {
        if (!hostname || !etcfiles_token_is_valid(hostname, ETCFILES_HOSTNAME_MAX) ||
            strchr(hostname, '/'))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "hostname `%s`: 1-%u bytes without whitespace or '/'",
                               hostname ? hostname : "", ETCFILES_HOSTNAME_MAX);
        *ret = xasprintf("%s\n", hostname);
        return 0;
}
