/* SPDX-License-Identifier: Apache-2.0 */
/* The network module: publish strings, resolv.conf/hosts/hostname, modes,
 * CNI configs and results as tables; then, with the real CNI plugins,
 * two containers on the default network reaching each other and a port
 * published to the "host", and a teardown that leaves no veth, lease or
 * iptables rule behind.
 *
 * Before anything else main() moves the whole process into a new network
 * and mount namespace (unshare(2), as `unshare --net --mount` would), and
 * makes every mount private: the "host" of these tests is that namespace,
 * so the bridge, the veths, the iptables rules of portmap, firewall and
 * ipMasq, and the netns bind mounts all vanish with the process and the
 * machine's own network is never touched. When that is impossible (not
 * root, no CAP_SYS_ADMIN) the namespace tests are skipped and say why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "json-util.h"
#include "macro.h"
#include "network.h"
#include "xalloc.h"

#define assert_contains(haystack, needle)                                             \
        do {                                                                          \
                if (!strstr((haystack), (needle)))                                    \
                        fail_msg("`%s` does not contain `%s`", (haystack), (needle)); \
        } while (0)
#define assert_not_contains(haystack, needle)                                 \
        do {                                                                  \
                if (strstr((haystack), (needle)))                             \
                        fail_msg("`%s` contains `%s`", (haystack), (needle)); \
        } while (0)

static char tmp_root[64];
static char *run_root, *cni_dir, *netns_dir;
/* Why the namespace tests cannot run; NULL when they can. */
static const char *ns_skip_reason = "namespace not set up";

static void require_namespace(void) {
        if (ns_skip_reason) {
                print_message("skipped: %s\n", ns_skip_reason);
                skip();
        }
}

/* ---- helpers ---- */

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *f) {
        (void)st;
        (void)f;
        if (type == FTW_DP)
                rmdir(path);
        else
                unlink(path);
        return 0;
}

static void rm_rf(const char *path) { nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT); }

static char *read_file(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return NULL;
        size_t cap = 4096, len = 0;
        char *buf = xmalloc(cap);
        size_t n;
        while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
                len += n;
                if (len + 1 >= cap)
                        buf = xrealloc(buf, cap *= 2);
        }
        buf[len] = '\0';
        return buf;
}

static char *run_capture(const char *cmd) {
        FILE *p = popen(cmd, "re");
        assert_non_null(p);
        size_t cap = 4096, len = 0;
        char *buf = xmalloc(cap);
        size_t n;
        while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
                len += n;
                if (len + 1 >= cap)
                        buf = xrealloc(buf, cap *= 2);
        }
        buf[len] = '\0';
        pclose(p);
        return buf;
}

static bool mountinfo_has(const char *path) {
        _cleanup_free_ char *mi = read_file("/proc/self/mountinfo");
        _cleanup_free_ char *needle = xasprintf(" %s ", path);
        return mi && strstr(mi, needle);
}

/* Takes &e: the call in the first argument fills e, and C does not say
 * whether the arguments are evaluated before or after one another. */
static void error_expect(int r, Error **ep, ErrorKind kind, const char *needle) {
        Error *e = *ep;
        *ep = NULL;
        assert_true(r < 0);
        assert_non_null(e);
        if (e->kind != kind)
                fail_msg("kind %s, want %s: %s", err_kind_name(e->kind), err_kind_name(kind),
                         e->message);
        if (needle)
                assert_contains(e->message, needle);
        err_free(e);
}

static void ok(int r, Error *e) {
        if (r < 0)
                fail_msg("%s", e ? e->message : "failed without an error");
        assert_null(e);
}

/* ---- ports ---- */

static void test_port_publish_table(void **state) {
        (void)state;
        const struct {
                const char *spec;
                size_t n;           /* mappings; 0: an error */
                const char *ip;     /* of the first mapping */
                unsigned host, end; /* of the first */
                unsigned cport;
                PortProtocol proto;
                const char *error; /* substring */
        } cases[] = {
                { "80", 1, "", 0, 0, 80, PORT_PROTOCOL_TCP, NULL },
                { "8080:80", 1, "", 8080, 8080, 80, PORT_PROTOCOL_TCP, NULL },
                { "8080:80/udp", 1, "", 8080, 8080, 80, PORT_PROTOCOL_UDP, NULL },
                { "8080:80/UDP", 1, "", 8080, 8080, 80, PORT_PROTOCOL_UDP, NULL },
                { "8080:80/sctp", 1, "", 8080, 8080, 80, PORT_PROTOCOL_SCTP, NULL },
                { "127.0.0.1:8080:80", 1, "127.0.0.1", 8080, 8080, 80, PORT_PROTOCOL_TCP, NULL },
                { "127.0.0.1::80", 1, "127.0.0.1", 0, 0, 80, PORT_PROTOCOL_TCP, NULL },
                { ":80", 1, "", 0, 0, 80, PORT_PROTOCOL_TCP, NULL },
                { ":8080:80", 1, "", 8080, 8080, 80, PORT_PROTOCOL_TCP, NULL },
                { "0:80", 1, "", 0, 0, 80, PORT_PROTOCOL_TCP, NULL },
                { "[::1]:8080:80", 1, "::1", 8080, 8080, 80, PORT_PROTOCOL_TCP, NULL },
                { "::1:8080:80", 1, "::1", 8080, 8080, 80, PORT_PROTOCOL_TCP, NULL },
                { "[fd00::1]::80/udp", 1, "fd00::1", 0, 0, 80, PORT_PROTOCOL_UDP, NULL },
                { "8080-8082:80-82/udp", 3, "", 8080, 8080, 80, PORT_PROTOCOL_UDP, NULL },
                { "80-82", 3, "", 0, 0, 80, PORT_PROTOCOL_TCP, NULL },
                { "10.0.0.1::80-81", 2, "10.0.0.1", 0, 0, 80, PORT_PROTOCOL_TCP, NULL },
                { "8000-8010:80", 1, "", 8000, 8010, 80, PORT_PROTOCOL_TCP, NULL },
                { "65535:1", 1, "", 65535, 65535, 1, PORT_PROTOCOL_TCP, NULL },
                { "", 0, NULL, 0, 0, 0, 0, "no container port" },
                { "8080:", 0, NULL, 0, 0, 0, 0, "no container port" },
                { "/tcp", 0, NULL, 0, 0, 0, 0, "no container port" },
                { "0", 0, NULL, 0, 0, 0, 0, "invalid container port `0`" },
                { "65536", 0, NULL, 0, 0, 0, 0, "invalid container port `65536`" },
                { "8o", 0, NULL, 0, 0, 0, 0, "invalid container port `8o`" },
                { "+80", 0, NULL, 0, 0, 0, 0, "invalid container port" },
                { " 80", 0, NULL, 0, 0, 0, 0, "invalid container port" },
                { "82-80", 0, NULL, 0, 0, 0, 0, "invalid container port `82-80`" },
                { "80-", 0, NULL, 0, 0, 0, 0, "invalid container port" },
                { "x:80", 0, NULL, 0, 0, 0, 0, "invalid host port `x`" },
                { "99999:80", 0, NULL, 0, 0, 0, 0, "invalid host port `99999`" },
                { "0-3:80", 0, NULL, 0, 0, 0, 0, "invalid host port `0-3`" },
                { "80/icmp", 0, NULL, 0, 0, 0, 0, "invalid protocol `icmp`" },
                { "80/", 0, NULL, 0, 0, 0, 0, "invalid protocol ``" },
                { "80/tcp/udp", 0, NULL, 0, 0, 0, 0, "invalid protocol `tcp/udp`" },
                { "1.2.3:8080:80", 0, NULL, 0, 0, 0, 0, "invalid host IP address `1.2.3`" },
                { "[1.2.3.4]x:1:2", 0, NULL, 0, 0, 0, 0, "invalid host IP address" },
                { "a:b:8080:80", 0, NULL, 0, 0, 0, 0, "invalid host IP address `a:b`" },
                { "8080-8081:80-82", 0, NULL, 0, 0, 0, 0, "differ in length" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                PortMapping *m = NULL;
                size_t n = 0;
                Error *e = NULL;
                int r = port_publish_parse(cases[i].spec, &m, &n, &e);
                if (cases[i].n == 0) {
                        if (r >= 0)
                                fail_msg("`%s` parsed", cases[i].spec);
                        assert_null(m);
                        assert_int_equal(n, 0);
                        assert_contains(e->message, cases[i].spec);
                        error_expect(r, &e, ERR_INVALID_ARGUMENT, cases[i].error);
                        continue;
                }
                if (r < 0)
                        fail_msg("`%s`: %s", cases[i].spec, e->message);
                assert_int_equal(n, cases[i].n);
                assert_string_equal(m[0].host_ip, cases[i].ip);
                assert_int_equal(m[0].host_port, cases[i].host);
                assert_int_equal(m[0].host_port_end, cases[i].end);
                assert_int_equal(m[0].container_port, cases[i].cport);
                assert_int_equal(m[0].protocol, cases[i].proto);
                free(m);
        }

        /* Ranges pair up port by port, and parses append. */
        PortMapping *m = NULL;
        size_t n = 0;
        ok(port_publish_parse("8080-8082:80-82/udp", &m, &n, NULL), NULL);
        ok(port_publish_parse("9000:90", &m, &n, NULL), NULL);
        assert_int_equal(n, 4);
        for (unsigned i = 0; i < 3; i++) {
                assert_int_equal(m[i].host_port, 8080 + i);
                assert_int_equal(m[i].container_port, 80 + i);
                assert_int_equal(m[i].protocol, PORT_PROTOCOL_UDP);
        }
        assert_int_equal(m[3].host_port, 9000);
        /* A failure leaves what is there alone. */
        Error *e = NULL;
        error_expect(port_publish_parse("nope", &m, &n, &e), &e, ERR_INVALID_ARGUMENT, "`nope`");
        assert_int_equal(n, 4);
        free(m);

        /* The whole range is one spec too many only past the limit. */
        m = NULL;
        n = 0;
        ok(port_publish_parse("1-65535", &m, &n, NULL), NULL);
        assert_int_equal(n, 65535);
        e = NULL;
        error_expect(port_publish_parse("1", &m, &n, &e), &e, ERR_LIMIT, "more than");
        free(m);
}

static void test_port_exposed(void **state) {
        (void)state;
        uint16_t a, b;
        PortProtocol p;
        ok(port_exposed_parse("80", &a, &b, &p, NULL), NULL);
        assert_true(a == 80 && b == 80 && p == PORT_PROTOCOL_TCP);
        ok(port_exposed_parse("5000-5002/udp", &a, &b, &p, NULL), NULL);
        assert_true(a == 5000 && b == 5002 && p == PORT_PROTOCOL_UDP);
        const char *bad[] = { "", "0", "x", "80/foo", "3-2", "80:80", "1-70000" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                Error *e = NULL;
                error_expect(port_exposed_parse(bad[i], &a, &b, &p, &e), &e, ERR_INVALID_ARGUMENT,
                             "exposed port");
        }

        /* publish_all: only what is not published yet, each still to be
         * given a host port. */
        PortMapping *m = NULL;
        size_t n = 0;
        ok(port_publish_parse("8080:80", &m, &n, NULL), NULL);
        const char *exposed[] = { "80", "81-82", "80/udp", NULL };
        ok(port_mappings_add_exposed(&m, &n, exposed, NULL), NULL);
        assert_int_equal(n, 4);
        assert_int_equal(m[1].container_port, 81);
        assert_int_equal(m[1].host_port, 0);
        assert_int_equal(m[3].container_port, 80);
        assert_int_equal(m[3].protocol, PORT_PROTOCOL_UDP);
        const char *bad_exposed[] = { "90", "nope", NULL };
        Error *e = NULL;
        error_expect(port_mappings_add_exposed(&m, &n, bad_exposed, &e), &e, ERR_INVALID_ARGUMENT,
                     "`nope`");
        assert_int_equal(n, 4);
        free(m);
}

static void test_port_assign(void **state) {
        (void)state;
        PortMapping *m = NULL;
        size_t n = 0;
        ok(port_publish_parse("80", &m, &n, NULL), NULL);
        ok(port_publish_parse("81/udp", &m, &n, NULL), NULL);
        ok(port_publish_parse("127.0.0.1::82-84", &m, &n, NULL), NULL);
        ok(port_publish_parse("5000:85", &m, &n, NULL), NULL);
        assert_int_equal(n, 6);
        ok(port_mappings_assign(m, n, NULL), NULL);
        for (size_t i = 0; i < n; i++) {
                assert_true(m[i].host_port != 0);
                assert_int_equal(m[i].host_port_end, m[i].host_port);
                for (size_t j = 0; j < i; j++)
                        if (m[j].protocol == m[i].protocol)
                                assert_int_not_equal(m[i].host_port, m[j].host_port);
        }
        assert_int_equal(m[5].host_port, 5000);

        /* JSON, both shapes, and back. */
        _cleanup_json_ json_t *list = port_mappings_to_json(m, n, PORT_JSON_LIST);
        _cleanup_json_ json_t *cni = port_mappings_to_json(m, n, PORT_JSON_CNI);
        _cleanup_free_ char *first = json_dumps(json_array_get(list, 5), JSON_COMPACT);
        assert_string_equal(first, "{\"host_port\":\"5000\",\"host_ip\":\"\",\"protocol\":\"tcp\","
                                   "\"container_port\":\"85\"}");
        _cleanup_free_ char *third = json_dumps(json_array_get(cni, 2), JSON_COMPACT);
        _cleanup_free_ char *want = xasprintf("{\"hostPort\":%u,\"containerPort\":82,\"protocol\":"
                                              "\"tcp\",\"hostIP\":\"127.0.0.1\"}",
                                              m[2].host_port);
        assert_string_equal(third, want);
        for (int f = 0; f < 2; f++) {
                PortMapping *back = NULL;
                size_t nb = 0;
                ok(port_mappings_from_json(f ? cni : list, &back, &nb, NULL), NULL);
                assert_int_equal(nb, n);
                assert_memory_equal(back, m, n * sizeof *m);
                free(back);
        }
        _cleanup_json_ json_t *bad = json_loads("[{\"hostPort\":1,\"containerPort\":0}]", 0, NULL);
        PortMapping *back = NULL;
        size_t nb = 0;
        Error *e = NULL;
        error_expect(port_mappings_from_json(bad, &back, &nb, &e), &e, ERR_INVALID_ARGUMENT,
                     "invalid port");
        free(m);

        /* A pool gives the first free port; a port held elsewhere is skipped. */
        int holder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sin = { .sin_family = AF_INET };
        socklen_t sl = sizeof sin;
        assert_int_equal(bind(holder, (struct sockaddr *)&sin, sizeof sin), 0);
        assert_int_equal(listen(holder, 1), 0);
        assert_int_equal(getsockname(holder, (struct sockaddr *)&sin, &sl), 0);
        unsigned held = ntohs(sin.sin_port);
        if (held < 65535) {
                m = NULL;
                n = 0;
                _cleanup_free_ char *spec = xasprintf("%u-%u:80", held, held + 1);
                ok(port_publish_parse(spec, &m, &n, NULL), NULL);
                ok(port_mappings_assign(m, n, NULL), NULL);
                assert_int_equal(m[0].host_port, held + 1);
                free(m);
                m = NULL;
                n = 0;
                spec = (free(spec), xasprintf("%u-%u:80", held, held));
                ok(port_publish_parse(spec, &m, &n, NULL), NULL);
                /* A single host port is not a pool: it is taken as given. */
                ok(port_mappings_assign(m, n, NULL), NULL);
                free(m);
        }
        close(holder);

        /* Clashes, including the wildcard address against a specific one. */
        const char *clashes[][2] = {
                { "8080:80", "8080:81" },
                { "127.0.0.1:8080:80", "8080:81" },
                { "8080:80/udp", "0.0.0.0:8080:81/udp" },
        };
        for (size_t i = 0; i < ELEMENTSOF(clashes); i++) {
                m = NULL;
                n = 0;
                ok(port_publish_parse(clashes[i][0], &m, &n, NULL), NULL);
                ok(port_publish_parse(clashes[i][1], &m, &n, NULL), NULL);
                PortMapping before[2];
                memcpy(before, m, sizeof before);
                e = NULL;
                error_expect(port_mappings_assign(m, n, &e), &e, ERR_EXISTS, "published twice");
                assert_memory_equal(before, m, sizeof before);
                free(m);
        }
        /* Same port, different protocol or address: fine. */
        m = NULL;
        n = 0;
        ok(port_publish_parse("8080:80", &m, &n, NULL), NULL);
        ok(port_publish_parse("8080:80/udp", &m, &n, NULL), NULL);
        ok(port_publish_parse("127.0.0.1:9090:80", &m, &n, NULL), NULL);
        ok(port_publish_parse("127.0.0.2:9090:80", &m, &n, NULL), NULL);
        ok(port_mappings_assign(m, n, NULL), NULL);
        free(m);
}

/* ---- resolv.conf, hosts, hostname ---- */

static void test_resolv(void **state) {
        (void)state;
        const char *host = "# generated\n"
                           "nameserver 127.0.0.53\n"
                           "nameserver 10.0.0.2 # office\n"
                           "  nameserver\t::1\n"
                           "nameserver fe80::1%eth0\n"
                           "nameserver not-an-ip\n"
                           "domain old.example\n"
                           "search a.example b.example\n"
                           "options edns0 trust-ad\n"
                           "; comment\n"
                           "nameserver 127.0.1.1";
        const struct {
                ResolvOptions o;
                const char *want;
        } cases[] = {
                /* Bridge: loopback servers cannot be reached from the container. */
                { { .host_text = host, .private_netns = true },
                  "search a.example b.example\nnameserver 10.0.0.2\nnameserver fe80::1%eth0\n"
                  "options edns0 trust-ad\n" },
                /* Host network: the host's file as it is. */
                { { .host_text = host },
                  "search a.example b.example\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n"
                  "nameserver ::1\nnameserver fe80::1%eth0\nnameserver 127.0.1.1\n"
                  "options edns0 trust-ad\n" },
                /* Only loopback servers: none rather than invented ones. */
                { { .host_text = "nameserver 127.0.0.53\nsearch lan\n", .private_netns = true },
                  "search lan\n" },
                { { .host_text = NULL, .private_netns = true }, "" },
                /* The last search/domain line wins, as in glibc. */
                { { .host_text = "search a\ndomain b\n" }, "search b\n" },
                /* Explicit settings replace each part separately. */
                { { .host_text = host,
                    .private_netns = true,
                    .dns_servers = (const char *const[]){ "1.1.1.1", "2606:4700::1111", NULL } },
                  "search a.example b.example\nnameserver 1.1.1.1\nnameserver 2606:4700::1111\n"
                  "options edns0 trust-ad\n" },
                { { .host_text = host,
                    .dns_search = (const char *const[]){ "x.test", NULL },
                    .dns_opt = (const char *const[]){ "ndots:2", "rotate", NULL },
                    .dns_servers = (const char *const[]){ "10.9.9.9", NULL } },
                  "search x.test\nnameserver 10.9.9.9\noptions ndots:2 rotate\n" },
                /* "." means: no search domains at all. */
                { { .host_text = host,
                    .private_netns = true,
                    .dns_search = (const char *const[]){ ".", NULL } },
                  "nameserver 10.0.0.2\nnameserver fe80::1%eth0\noptions edns0 trust-ad\n" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *got = NULL;
                ok(etcfiles_resolv_format(&cases[i].o, &got, NULL), NULL);
                if (!STREQ(got, cases[i].want))
                        fail_msg("case %zu:\n%s\nwant:\n%s", i, got, cases[i].want);
        }

        const struct {
                ResolvOptions o;
                const char *error;
        } bad[] = {
                { { .dns_servers = (const char *const[]){ "8.8.8", NULL } },
                  "dns server `8.8.8`: not an IP address" },
                { { .dns_servers = (const char *const[]){ "1.1.1.1\nnameserver 6.6.6.6", NULL } },
                  "not an IP address" },
                { { .dns_search = (const char *const[]){ "a b", NULL } },
                  "dns search domain `a b`" },
                { { .dns_search = (const char *const[]){ "", NULL } }, "dns search domain ``" },
                { { .dns_opt = (const char *const[]){ "x\ny", NULL } }, "dns option" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *got = NULL;
                Error *e = NULL;
                error_expect(etcfiles_resolv_format(&bad[i].o, &got, &e), &e, ERR_INVALID_ARGUMENT,
                             bad[i].error);
                assert_null(got);
        }
}

static void test_hosts(void **state) {
        (void)state;
        char *h = NULL;
        HostsOptions o = { .host_add = (const char *const[]){ "db:10.1.2.3", "v6:::1", "gw:fd00::1",
                                                              NULL },
                           .hostname = "c0ffee",
                           .name = "web",
                           .ip = "10.89.0.7" };
        ok(etcfiles_hosts_format(&o, &h, NULL), NULL);
        assert_string_equal(h, "127.0.0.1\tlocalhost\n"
                               "::1\tlocalhost ip6-localhost ip6-loopback\n"
                               "10.1.2.3\tdb\n"
                               "::1\tv6\n"
                               "fd00::1\tgw\n"
                               "10.89.0.7\tc0ffee web\n");
        free(h);
        /* No address (none mode): no line for the hostname; a base without
         * a final newline gets one. */
        o = (HostsOptions){ .base = "127.0.0.1 localhost", .hostname = "x" };
        ok(etcfiles_hosts_format(&o, &h, NULL), NULL);
        assert_string_equal(h, "127.0.0.1 localhost\n");
        free(h);
        /* The name is not repeated when it is the hostname. */
        o = (HostsOptions){ .base = "", .hostname = "same", .name = "same", .ip = "fd00::9" };
        ok(etcfiles_hosts_format(&o, &h, NULL), NULL);
        assert_string_equal(h, "fd00::9\tsame\n");
        free(h);
        h = NULL;

        const char *bad_entries[][2] = {
                { "nocolon", "not name:ip" },
                { ":1.2.3.4", "invalid host name ``" },
                { "a b:1.2.3.4", "invalid host name `a b`" },
                { "a:1.2.3", "invalid IP address `1.2.3`" },
                { "a:", "invalid IP address ``" },
                { "a:1.2.3.4\n6.6.6.6 evil", "invalid IP address" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad_entries); i++) {
                const char *entries[] = { bad_entries[i][0], NULL };
                o = (HostsOptions){ .host_add = entries };
                Error *e = NULL;
                error_expect(etcfiles_hosts_format(&o, &h, &e), &e, ERR_INVALID_ARGUMENT,
                             bad_entries[i][1]);
                assert_null(h);
        }
        o = (HostsOptions){ .hostname = "a\nb", .ip = "10.0.0.1" };
        Error *e = NULL;
        error_expect(etcfiles_hosts_format(&o, &h, &e), &e, ERR_INVALID_ARGUMENT, "hostname");
        o = (HostsOptions){ .hostname = "a", .ip = "10.0.0.300" };
        error_expect(etcfiles_hosts_format(&o, &h, &e), &e, ERR_INVALID_ARGUMENT, "10.0.0.300");

        ok(etcfiles_hostname_format("c0ffee", &h, NULL), NULL);
        assert_string_equal(h, "c0ffee\n");
        free(h);
        h = NULL;
        char long_name[66];
        memset(long_name, 'a', 65);
        long_name[65] = '\0';
        const char *bad_names[] = { "", "a b", "a/b", "a\n", long_name };
        for (size_t i = 0; i < ELEMENTSOF(bad_names); i++) {
                error_expect(etcfiles_hostname_format(bad_names[i], &h, &e), &e,
                             ERR_INVALID_ARGUMENT, "hostname");
                assert_null(h);
        }
        long_name[64] = '\0';
        ok(etcfiles_hostname_format(long_name, &h, NULL), NULL);
        free(h);

        /* A missing host file reads as empty. */
        ok(etcfiles_read("/nonexistent/resolv.conf", &h, NULL), NULL);
        assert_string_equal(h, "");
        free(h);
}

/* ---- modes, stats ---- */

static void test_network_mode(void **state) {
        (void)state;
        const struct {
                const char *in;
                NetworkModeKind kind;
                const char *target, *format;
                bool own;
        } cases[] = {
                { "", NETWORK_MODE_BRIDGE, NULL, "bridge", true },
                { "bridge", NETWORK_MODE_BRIDGE, NULL, "bridge", true },
                { "default", NETWORK_MODE_BRIDGE, NULL, "bridge", true },
                { "none", NETWORK_MODE_NONE, NULL, "none", true },
                { "host", NETWORK_MODE_HOST, NULL, "host", false },
                { "container:abc", NETWORK_MODE_CONTAINER, "abc", "container:abc", false },
                { "ns:/run/netns/x", NETWORK_MODE_NS, "/run/netns/x", "ns:/run/netns/x", false },
                { "net1", NETWORK_MODE_BRIDGE, NULL, "net1", true },
                { "net1,net-2", NETWORK_MODE_BRIDGE, NULL, "net1,net-2", true },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                NetworkMode m;
                ok(network_mode_parse(cases[i].in, &m, NULL), NULL);
                assert_int_equal(m.kind, cases[i].kind);
                if (cases[i].target)
                        assert_string_equal(m.target, cases[i].target);
                else
                        assert_null(m.target);
                _cleanup_free_ char *f = network_mode_format(&m);
                assert_string_equal(f, cases[i].format);
                assert_int_equal(network_mode_has_own_netns(&m), cases[i].own);
                network_mode_clear(&m);
        }
        const struct {
                const char *in;
                ErrorKind kind;
                const char *error;
        } bad[] = {
                { "slirp4netns", ERR_NOT_SUPPORTED, "rootless" },
                { "container:", ERR_INVALID_ARGUMENT, "no container" },
                { "ns:relative", ERR_INVALID_ARGUMENT, "absolute" },
                { "a,,b", ERR_INVALID_ARGUMENT, "invalid network name ``" },
                { "a,a", ERR_INVALID_ARGUMENT, "duplicate network name `a`" },
                { "-x", ERR_INVALID_ARGUMENT, "invalid network name `-x`" },
                { "a/b", ERR_INVALID_ARGUMENT, "invalid network name `a/b`" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                NetworkMode m = { .kind = 99 };
                Error *e = NULL;
                error_expect(network_mode_parse(bad[i].in, &m, &e), &e, bad[i].kind, bad[i].error);
                assert_int_equal(m.kind, 99);
        }
}

static void test_netstats_parse(void **state) {
        (void)state;
        const char *text =
                "Inter-|   Receive                                                |  Transmit\n"
                " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
                "packets errs drop fifo colls carrier compressed\n"
                "    lo:  999999      99    0    0    0     0          0         0   999999      "
                "99    0    0    0     0       0          0\n"
                "  eth0:    1000      10    0    0    0     0          0         0     2000      "
                "20    0    0    0     0       0          0\n"
                "  eth1:      24       1    0    0    0     0          0         0       16       "
                "2    0    0    0     0       0          0\n";
        NetStats s;
        ok(netstats_parse(text, &s, NULL), NULL);
        assert_int_equal(s.rx_bytes, 1024);
        assert_int_equal(s.rx_packets, 11);
        assert_int_equal(s.tx_bytes, 2016);
        assert_int_equal(s.tx_packets, 22);
        Error *e = NULL;
        error_expect(netstats_parse("eth0: 1 2 3\n", &s, &e), &e, ERR_PROTOCOL, "counters");
        ok(netstats_parse("", &s, NULL), NULL);
        assert_int_equal(s.rx_bytes, 0);
}

/* ---- CNI configs and results ---- */

static void write_text(const char *path, const char *text) {
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void test_cni_conf(void **state) {
        (void)state;
        _cleanup_free_ char *dir = xasprintf("%s/conf-test", tmp_root);
        assert_int_equal(mkdir(dir, 0755), 0);
        _cleanup_(cni_context_freep) CniContext *ctx = cni_context_new(dir, NULL, run_root);

        /* No network at all: the default is written, then loaded. */
        _cleanup_(cni_network_freep) CniNetwork *net = NULL;
        ok(cni_network_load(ctx, NULL, &net, NULL), NULL);
        assert_string_equal(net->name, "varpod");
        assert_string_equal(net->cni_version, "0.4.0");
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, CNI_DEFAULT_FILE);
        assert_string_equal(net->path, path);
        _cleanup_free_ char *text = read_file(path);
        assert_contains(text, "\"varpod0\"");
        assert_contains(text, "10.89.0.0/24");
        assert_contains(text, run_root);
        assert_not_contains(text, "cni-podman0");
        json_t *plugins = json_object_get(net->conf, "plugins");
        const char *types[] = { "bridge", "portmap", "firewall", "tuning" };
        assert_int_equal(json_array_size(plugins), ELEMENTSOF(types));
        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                assert_string_equal(
                        json_string_value(json_object_get(json_array_get(plugins, i), "type")),
                        types[i]);

        /* A .conf is wrapped; names sort by file; the first of a name wins;
         * broken files are skipped and named when a lookup fails. */
        _cleanup_free_ char *p1 = xasprintf("%s/10-single.conf", dir);
        write_text(p1, "{\"cniVersion\":\"0.3.1\",\"name\":\"single\",\"type\":\"bridge\","
                       "\"bridge\":\"x0\"}");
        _cleanup_free_ char *p2 = xasprintf("%s/20-dup.conflist", dir);
        write_text(p2, "{\"cniVersion\":\"0.4.0\",\"name\":\"single\",\"plugins\":[{\"type\":"
                       "\"ptp\"}]}");
        _cleanup_free_ char *p3 = xasprintf("%s/30-broken.conflist", dir);
        write_text(p3, "{\"name\":\"broken\",\"plugins\":[]}");
        _cleanup_free_ char *p4 = xasprintf("%s/40-notjson.conf", dir);
        write_text(p4, "{");
        _cleanup_free_ char *p5 = xasprintf("%s/50-ignored.txt", dir);
        write_text(p5, "{");
        CniNetwork **list = NULL;
        size_t n = 0;
        _cleanup_free_ char *skipped = NULL;
        ok(cni_network_list(dir, &list, &n, &skipped, NULL), NULL);
        assert_int_equal(n, 2);
        assert_string_equal(list[0]->name, "single");
        assert_string_equal(list[0]->path, p1);
        assert_string_equal(list[1]->name, "varpod");
        json_t *single = json_array_get(json_object_get(list[0]->conf, "plugins"), 0);
        assert_string_equal(json_string_value(json_object_get(single, "bridge")), "x0");
        assert_contains(skipped, "30-broken.conflist");
        assert_contains(skipped, "no plugins");
        assert_contains(skipped, "40-notjson.conf");
        assert_not_contains(skipped, "50-ignored");
        cni_network_list_free(list, n);

        CniNetwork *other = NULL;
        Error *e = NULL;
        error_expect(cni_network_load(ctx, "nosuch", &other, &e), &e, ERR_NOT_FOUND,
                     "cni network `nosuch` not found");
        e = NULL;
        error_expect(cni_network_load(ctx, "broken", &other, &e), &e, ERR_NOT_FOUND,
                     "30-broken.conflist");
        ok(cni_network_load(ctx, "single", &other, NULL), NULL);
        assert_string_equal(other->cni_version, "0.3.1");
        cni_network_free(other);

        const struct {
                const char *text;
                bool conflist;
                const char *error;
        } bad[] = {
                { "[]", true, "not a JSON object" },
                { "{\"plugins\":[{\"type\":\"x\"}]}", true, "no network name" },
                { "{\"name\":\"a b\",\"plugins\":[{\"type\":\"x\"}]}", true,
                  "invalid network name" },
                { "{\"name\":\"a\",\"cniVersion\":4,\"plugins\":[{\"type\":\"x\"}]}", true,
                  "invalid cniVersion" },
                { "{\"name\":\"a\",\"plugins\":[{}]}", true, "has no type" },
                { "{\"name\":\"a\",\"plugins\":[{\"type\":\"../../bin/sh\"}]}", true,
                  "invalid type" },
                { "{\"name\":\"a\"}", false, "has no type" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                e = NULL;
                error_expect(cni_network_parse(bad[i].text, bad[i].conflist, "f", &other, &e), &e,
                             ERR_INVALID_ARGUMENT, bad[i].error);
        }
        rm_rf(dir);
}

static void test_cni_result(void **state) {
        (void)state;
        _cleanup_json_ json_t *j = json_loads(
                "{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"varpod0\",\"mac\":\"aa:aa:"
                "aa:aa:aa:aa\"},{\"name\":\"veth1\",\"mac\":\"bb:bb:bb:bb:bb:bb\"},{\"name\":"
                "\"eth0\",\"mac\":\"cc:cc:cc:cc:cc:cc\",\"sandbox\":\"/run/netns/x\"}],\"ips\":[{"
                "\"version\":\"4\",\"interface\":0,\"address\":\"10.89.0.1/24\"},{\"version\":"
                "\"6\",\"interface\":2,\"address\":\"fd00::5/64\",\"gateway\":\"fd00::1\"},{"
                "\"version\":\"4\",\"interface\":2,\"address\":\"10.89.0.5/24\",\"gateway\":\"10."
                "89.0.1\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\"}],\"dns\":{}}",
                0, NULL);
        _cleanup_(cni_result_freep) CniResult *r = NULL;
        ok(cni_result_parse(j, &r, NULL), NULL);
        assert_int_equal(r->n_interfaces, 3);
        assert_int_equal(r->n_ips, 3);
        const CniIp *ip = cni_result_ip(r, AF_INET);
        assert_non_null(ip);
        /* Not the bridge's own address. */
        assert_string_equal(ip->address, "10.89.0.5");
        assert_int_equal(ip->prefix_len, 24);
        assert_string_equal(ip->gateway, "10.89.0.1");
        ip = cni_result_ip(r, AF_INET6);
        assert_string_equal(ip->address, "fd00::5");
        assert_int_equal(ip->prefix_len, 64);
        assert_string_equal(cni_result_mac(r, "eth0"), "cc:cc:cc:cc:cc:cc");
        assert_string_equal(cni_result_mac(r, NULL), "cc:cc:cc:cc:cc:cc");
        assert_null(cni_result_mac(r, "eth1"));
        assert_ptr_equal(r->json, j);

        _cleanup_json_ json_t *legacy = json_loads(
                "{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.1.0.2/16\",\"gateway\":\"10.1.0."
                "1\"}}",
                0, NULL);
        _cleanup_(cni_result_freep) CniResult *l = NULL;
        ok(cni_result_parse(legacy, &l, NULL), NULL);
        ip = cni_result_ip(l, AF_INET);
        assert_string_equal(ip->address, "10.1.0.2");
        assert_null(cni_result_ip(l, AF_INET6));

        const char *bad[][2] = {
                { "[]", "not a JSON object" },
                { "{\"ips\":[{\"address\":\"10.0.0.1\"}]}", "bad address" },
                { "{\"ips\":[{\"address\":\"10.0.0.1/33\"}]}", "bad address" },
                { "{\"ips\":[{\"address\":\"10.0.0.1/8\",\"gateway\":\"fd00::1\"}]}",
                  "bad gateway" },
                { "{\"ips\":[{\"address\":\"10.0.0.1/8\",\"interface\":0}]}", "out of range" },
                { "{\"interfaces\":[{}]}", "no name" },
                { "{\"ips\":{}}", "not an array" },
                { "{\"ip4\":{\"ip\":\"x\"}}", "bad ip4" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_json_ json_t *b = json_loads(bad[i][0], 0, NULL);
                CniResult *x = NULL;
                Error *e = NULL;
                error_expect(cni_result_parse(b, &x, &e), &e, ERR_PROTOCOL, bad[i][1]);
                assert_null(x);
        }
}

/* ---- in the namespace ---- */

static void test_netns_lifecycle(void **state) {
        (void)state;
        require_namespace();
        _cleanup_free_ char *path = NULL;
        ok(netns_create(netns_dir, "life", &path, NULL), NULL);
        assert_true(mountinfo_has(path));
        ok(netns_path_check(path, NULL), NULL);
        /* The dir is a mount of its own, and private: no "shared:" tag. */
        _cleanup_free_ char *mi = read_file("/proc/self/mountinfo");
        _cleanup_free_ char *needle = xasprintf(" %s ", netns_dir);
        char *line = strstr(mi, needle);
        assert_non_null(line);
        char *eol = strchr(line, '\n');
        *eol = '\0';
        assert_not_contains(line, "shared:");

        Error *e = NULL;
        error_expect(netns_create(netns_dir, "life", NULL, &e), &e, ERR_EXISTS, "exists");
        error_expect(netns_create(netns_dir, "../x", NULL, &e), &e, ERR_INVALID_ARGUMENT, "name");
        error_expect(netns_path_check("/proc/self/ns/mnt", &e), &e, ERR_INVALID_ARGUMENT,
                     "not a network namespace");
        error_expect(netns_path_check(netns_dir, &e), &e, ERR_INVALID_ARGUMENT,
                     "not a network namespace");

        ok(netns_remove(path, NULL), NULL);
        assert_false(mountinfo_has(path));
        assert_int_equal(access(path, F_OK), -1);
        /* Twice is fine. */
        ok(netns_remove(path, NULL), NULL);
        error_expect(netns_path_check(path, &e), &e, ERR_NOT_FOUND, path);
}

/* Listens on port in the namespace it runs in (for netns_run). */
typedef struct Listener {
        const char *ip; /* for connectors */
        unsigned port;
        int fd;
        bool lo_up;
} Listener;

static int listen_inside(void *userdata, Error **err) {
        Listener *l = userdata;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)l->port) };
        if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(fd, 8) < 0) {
                close(fd);
                return err_set(err, ERR_SYSTEM, errno, "listen on %u", l->port);
        }
        l->fd = fd;
        return 0;
}

static int tcp_connect(const char *ip, unsigned port, Error **err) {
        int fd = socket(strchr(ip, ':') ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct timeval tv = { .tv_sec = 5 };
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
        inet_pton(AF_INET, ip, &sin.sin_addr);
        if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
                close(fd);
                return err_set(err, ERR_SYSTEM, errno, "connect to %s:%u", ip, port);
        }
        return fd;
}

static int connect_inside(void *userdata, Error **err) {
        Listener *l = userdata;
        int fd = tcp_connect(l->ip, l->port, err);
        if (fd < 0)
                return -1;
        l->fd = fd;
        return 0;
}

static int lo_state_inside(void *userdata, Error **err) {
        Listener *l = userdata;
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = { 0 };
        strcpy(ifr.ifr_name, "lo");
        int r = ioctl(s, SIOCGIFFLAGS, &ifr);
        close(s);
        if (r < 0)
                return err_set(err, ERR_SYSTEM, errno, "SIOCGIFFLAGS");
        l->lo_up = ifr.ifr_flags & IFF_UP;
        return 0;
}

static int has_eth0_inside(void *userdata, Error **err) {
        (void)err;
        *(bool *)userdata = if_nametoindex("eth0") != 0;
        return 0;
}

/* Sends a line through a connection and reads it on the accepted side:
 * proves the path works both ways. */
static void exchange(int listen_fd, int client_fd, const char *what) {
        struct timeval tv = { .tv_sec = 5 };
        setsockopt(listen_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        int server = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (server < 0)
                fail_msg("%s: accept: %s", what, strerror(errno));
        setsockopt(server, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        assert_int_equal(write(client_fd, "ping", 4), 4);
        char buf[8] = "";
        assert_int_equal(read(server, buf, sizeof buf), 4);
        assert_memory_equal(buf, "ping", 4);
        assert_int_equal(write(server, "pong", 4), 4);
        assert_int_equal(read(client_fd, buf, sizeof buf), 4);
        assert_memory_equal(buf, "pong", 4);
        close(server);
}

static bool in_subnet(const char *ip) { return STRPREFIX(ip, "10.89.0."); }

static char *ipam_leases(const char *dir) {
        /* host-local keeps one file per leased address, named by it, next
         * to its lock and last_reserved_ip.0. */
        char *s = xstrdup("");
        DIR *d = opendir(dir);
        if (!d)
                return s;
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] >= '0' && de->d_name[0] <= '9') {
                        char *t = xasprintf("%s%s ", s, de->d_name);
                        free(s);
                        s = t;
                }
        closedir(d);
        return s;
}

static char *interfaces_list(void) {
        struct if_nameindex *ifs = if_nameindex();
        char *s = xstrdup("");
        for (struct if_nameindex *i = ifs; i && i->if_name; i++) {
                char *t = xasprintf("%s%s ", s, i->if_name);
                free(s);
                s = t;
        }
        if_freenameindex(ifs);
        return s;
}

static void test_cni_bridge(void **state) {
        (void)state;
        require_namespace();
        _cleanup_(cni_context_freep) CniContext *ctx = cni_context_new(cni_dir, NULL, run_root);
        _cleanup_(cni_network_freep) CniNetwork *net = NULL;
        ok(cni_network_load(ctx, NULL, &net, NULL), NULL);
        assert_string_equal(net->name, "varpod");

        _cleanup_free_ char *pa = NULL, *pb = NULL;
        ok(netns_create(netns_dir, "ctr-a", &pa, NULL), NULL);
        ok(netns_create(netns_dir, "ctr-b", &pb, NULL), NULL);
        const char *id_a = "aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111";
        const char *id_b = "bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222";

        PortMapping *ports = NULL;
        size_t n_ports = 0;
        ok(port_publish_parse("8080:80", &ports, &n_ports, NULL), NULL);
        ok(port_publish_parse("127.0.0.1::81", &ports, &n_ports, NULL), NULL);
        ok(port_mappings_assign(ports, n_ports, NULL), NULL);
        unsigned random_port = ports[1].host_port;

        CniAttachment aa = {
                .container_id = id_a, .netns_path = pa, .ports = ports, .n_ports = n_ports
        };
        CniAttachment ab = { .container_id = id_b, .netns_path = pb };
        _cleanup_(cni_result_freep) CniResult *ra = NULL, *rb = NULL;
        ok(cni_network_add(ctx, net, &aa, &ra, NULL), NULL);
        ok(cni_network_add(ctx, net, &ab, &rb, NULL), NULL);

        const CniIp *ipa = cni_result_ip(ra, AF_INET), *ipb = cni_result_ip(rb, AF_INET);
        assert_non_null(ipa);
        assert_non_null(ipb);
        print_message("container a: %s/%u, b: %s/%u, random host port %u\n", ipa->address,
                      ipa->prefix_len, ipb->address, ipb->prefix_len, random_port);
        assert_true(in_subnet(ipa->address));
        assert_true(in_subnet(ipb->address));
        assert_string_not_equal(ipa->address, ipb->address);
        assert_int_equal(ipa->prefix_len, 24);
        assert_string_equal(ipa->gateway, "10.89.0.1");
        assert_non_null(cni_result_mac(ra, "eth0"));
        _cleanup_free_ char *ip_a = xstrdup(ipa->address), *ip_b = xstrdup(ipb->address);

        /* Attaching twice is refused; the cache gives the result back. */
        Error *e = NULL;
        error_expect(cni_network_add(ctx, net, &aa, NULL, &e), &e, ERR_EXISTS, "already attached");
        _cleanup_(cni_result_freep) CniResult *cached = NULL;
        ok(cni_network_cached_result(ctx, "varpod", &aa, &cached, NULL), NULL);
        assert_string_equal(cni_result_ip(cached, AF_INET)->address, ip_a);

        /* b reaches a over the bridge. */
        Listener la = { .port = 5000, .fd = -1 };
        ok(netns_run(pa, listen_inside, &la, NULL), NULL);
        Listener cb = { .ip = ip_a, .port = 5000, .fd = -1 };
        ok(netns_run(pb, connect_inside, &cb, NULL), NULL);
        exchange(la.fd, cb.fd, "b -> a");
        close(cb.fd);
        close(la.fd);

        /* Published ports, from the test's namespace (the containers'
         * "host"): through the bridge's gateway address, and through
         * 127.0.0.1, which portmap makes work by setting route_localnet
         * on the bridge and masquerading (its SNAT mark) so the reply
         * comes back to us. */
        Listener l80 = { .port = 80, .fd = -1 }, l81 = { .port = 81, .fd = -1 };
        ok(netns_run(pa, listen_inside, &l80, NULL), NULL);
        ok(netns_run(pa, listen_inside, &l81, NULL), NULL);
        const struct {
                const char *ip;
                unsigned port;
                int listen_fd;
        } paths[] = {
                { "10.89.0.1", 8080, l80.fd },
                { "127.0.0.1", 8080, l80.fd },
                { "127.0.0.1", random_port, l81.fd },
        };
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                int fd = tcp_connect(paths[i].ip, paths[i].port, &e);
                if (fd < 0)
                        fail_msg("%s", e->message);
                _cleanup_free_ char *what = xasprintf("%s:%u", paths[i].ip, paths[i].port);
                exchange(paths[i].listen_fd, fd, what);
                close(fd);
        }
        close(l80.fd);
        close(l81.fd);

        NetStats st;
        ok(netstats_read(pa, &st, NULL), NULL);
        print_message("container a: rx %llu bytes, tx %llu bytes\n",
                      (unsigned long long)st.rx_bytes, (unsigned long long)st.tx_bytes);
        assert_true(st.rx_bytes > 0 && st.tx_bytes > 0 && st.rx_packets > 0);

        /* What teardown must remove is there now, so the checks below mean
         * something. */
        _cleanup_free_ char *ipam_dir = xasprintf("%s/cni/networks/varpod", run_root);
        _cleanup_free_ char *leases = ipam_leases(ipam_dir);
        assert_contains(leases, ip_a);
        assert_contains(leases, ip_b);
        _cleanup_free_ char *rules = run_capture("iptables-save 2>&1");
        _cleanup_free_ char *ip_a32 = xasprintf("%s/32", ip_a), *ip_b32 = xasprintf("%s/32", ip_b);
        assert_contains(rules, ip_a32);
        assert_contains(rules, ip_b32);
        assert_contains(rules, "CNI-DN-");
        assert_contains(rules, id_a);
        _cleanup_free_ char *ifs = interfaces_list();
        assert_contains(ifs, "veth");

        ok(cni_network_del(ctx, "varpod", &aa, NULL), NULL);
        ok(cni_network_del(ctx, "varpod", &ab, NULL), NULL);
        /* Idempotent, with the cache gone. */
        ok(cni_network_del(ctx, "varpod", &aa, NULL), NULL);
        /* Unknown network: nothing to do. */
        ok(cni_network_del(ctx, "nosuch", &aa, NULL), NULL);
        e = NULL;
        error_expect(cni_network_cached_result(ctx, "varpod", &aa, &cached, &e), &e, ERR_NOT_FOUND,
                     NULL);

        free(leases);
        leases = ipam_leases(ipam_dir);
        assert_string_equal(leases, "");
        free(rules);
        rules = run_capture("iptables-save 2>&1");
        assert_not_contains(rules, ip_a32);
        assert_not_contains(rules, ip_b32);
        assert_not_contains(rules, ip_a);
        assert_not_contains(rules, "CNI-DN-");
        assert_not_contains(rules, id_a);
        assert_not_contains(rules, id_b);
        free(ifs);
        ifs = interfaces_list();
        assert_not_contains(ifs, "veth");
        assert_contains(ifs, "varpod0"); /* the bridge stays, as podman's does */
        bool eth0 = true;
        ok(netns_run(pa, has_eth0_inside, &eth0, NULL), NULL);
        assert_false(eth0);

        ok(netns_remove(pa, NULL), NULL);
        ok(netns_remove(pb, NULL), NULL);
        assert_false(mountinfo_has(pa));
        assert_false(mountinfo_has(pb));
        /* DEL after the namespace is gone (a crash between the two) works. */
        ok(cni_network_del(ctx, "varpod", &ab, NULL), NULL);
        free(ports);
}

/* DEL without what ADD cached (lost, or garbled): today's config, the
 * caller's ports and the addresses still in the namespace must do. */
static void test_cni_lost_cache(void **state) {
        (void)state;
        require_namespace();
        _cleanup_(cni_context_freep) CniContext *ctx = cni_context_new(cni_dir, NULL, run_root);
        _cleanup_(cni_network_freep) CniNetwork *net = NULL;
        ok(cni_network_load(ctx, "varpod", &net, NULL), NULL);
        _cleanup_free_ char *p1 = NULL, *p2 = NULL;
        ok(netns_create(netns_dir, "ctr-c1", &p1, NULL), NULL);
        ok(netns_create(netns_dir, "ctr-c2", &p2, NULL), NULL);
        PortMapping *ports = NULL;
        size_t n_ports = 0;
        ok(port_publish_parse("9090:90", &ports, &n_ports, NULL), NULL);
        ok(port_mappings_assign(ports, n_ports, NULL), NULL);
        CniAttachment a1 = {
                .container_id = "c1c1c1", .netns_path = p1, .ports = ports, .n_ports = n_ports
        };
        CniAttachment a2 = { .container_id = "c2c2c2", .netns_path = p2 };
        _cleanup_(cni_result_freep) CniResult *r1 = NULL, *r2 = NULL;
        ok(cni_network_add(ctx, net, &a1, &r1, NULL), NULL);
        ok(cni_network_add(ctx, net, &a2, &r2, NULL), NULL);
        _cleanup_free_ char *ip1 = xasprintf("%s/32", cni_result_ip(r1, AF_INET)->address);
        _cleanup_free_ char *ip2 = xasprintf("%s/32", cni_result_ip(r2, AF_INET)->address);
        _cleanup_free_ char *rules = run_capture("iptables-save 2>&1");
        assert_contains(rules, ip1);
        assert_contains(rules, ip2);
        assert_contains(rules, "--dport 9090");

        _cleanup_free_ char *c1 = xasprintf("%s/cni/cache/varpod+c1c1c1+eth0.json", run_root);
        _cleanup_free_ char *c2 = xasprintf("%s/cni/cache/varpod+c2c2c2+eth0.json", run_root);
        write_text(c1, "{");
        assert_int_equal(unlink(c2), 0);
        ok(cni_network_del(ctx, "varpod", &a1, NULL), NULL);
        ok(cni_network_del(ctx, "varpod", &a2, NULL), NULL);
        assert_int_equal(access(c1, F_OK), -1);

        _cleanup_free_ char *ipam_dir = xasprintf("%s/cni/networks/varpod", run_root);
        _cleanup_free_ char *leases = ipam_leases(ipam_dir);
        assert_string_equal(leases, "");
        free(rules);
        rules = run_capture("iptables-save 2>&1");
        assert_not_contains(rules, ip1);
        assert_not_contains(rules, ip2);
        assert_not_contains(rules, "9090");
        assert_not_contains(rules, "c1c1c1");
        assert_not_contains(rules, "c2c2c2");
        _cleanup_free_ char *ifs = interfaces_list();
        assert_not_contains(ifs, "veth");
        ok(netns_remove(p1, NULL), NULL);
        ok(netns_remove(p2, NULL), NULL);
        free(ports);
}

static void test_cni_failures(void **state) {
        (void)state;
        require_namespace();
        /* A network of its own, in its own config dir. */
        _cleanup_free_ char *dir = xasprintf("%s/cni-fail.d", tmp_root);
        assert_int_equal(mkdir(dir, 0755), 0);
        _cleanup_(cni_context_freep) CniContext *ctx = cni_context_new(dir, NULL, run_root);
        _cleanup_free_ char *ipam = xasprintf("%s/ipam-fail", tmp_root);
        _cleanup_free_ char *conf = xasprintf(
                "{\"cniVersion\":\"0.4.0\",\"name\":\"fail\",\"plugins\":["
                "{\"type\":\"bridge\",\"bridge\":\"varpodf0\",\"isGateway\":true,\"ipMasq\":true,"
                "\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"10.90.0.0/24\"}]],"
                "\"dataDir\":\"%s\"}},{\"type\":\"nosuchplugin\"}]}",
                ipam);
        _cleanup_free_ char *p = xasprintf("%s/10-fail.conflist", dir);
        write_text(p, conf);
        _cleanup_free_ char *p2 = xasprintf("%s/20-bad.conflist", dir);
        write_text(p2, "{\"cniVersion\":\"0.4.0\",\"name\":\"bad\",\"plugins\":[{\"type\":"
                       "\"bridge\",\"bridge\":\"varpodb0\",\"ipam\":{\"type\":\"host-local\","
                       "\"ranges\":[[{\"subnet\":\"not-a-subnet\"}]]}}]}");

        _cleanup_free_ char *path = NULL;
        ok(netns_create(netns_dir, "ctr-f", &path, NULL), NULL);
        CniAttachment a = { .container_id = "ffff", .netns_path = path };

        /* A missing plugin after bridge: bridge's work is rolled back. */
        _cleanup_(cni_network_freep) CniNetwork *net = NULL;
        ok(cni_network_load(ctx, "fail", &net, NULL), NULL);
        Error *e = NULL;
        error_expect(cni_network_add(ctx, net, &a, NULL, &e), &e, ERR_NOT_FOUND,
                     "cni plugin `nosuchplugin` not found");
        _cleanup_free_ char *ipam_net = xasprintf("%s/fail", ipam);
        _cleanup_free_ char *leases = ipam_leases(ipam_net);
        assert_string_equal(leases, "");
        _cleanup_free_ char *ifs = interfaces_list();
        assert_not_contains(ifs, "veth");
        bool eth0 = true;
        ok(netns_run(path, has_eth0_inside, &eth0, NULL), NULL);
        assert_false(eth0);
        _cleanup_free_ char *rules = run_capture("iptables-save 2>&1");
        assert_not_contains(rules, "10.90.0.");
        /* Nothing was cached: a later ADD starts afresh. */
        _cleanup_(cni_result_freep) CniResult *none = NULL;
        error_expect(cni_network_cached_result(ctx, "fail", &a, &none, &e), &e, ERR_NOT_FOUND,
                     NULL);

        /* The plugin's own error, with its CNI code: a plugin-specific one,
         * and a well-known one with its details. */
        CniNetwork *bad = NULL;
        ok(cni_network_load(ctx, "bad", &bad, NULL), NULL);
        error_expect(cni_network_add(ctx, bad, &a, NULL, &e), &e, ERR_RUNTIME,
                     "cni plugin `bridge` ADD: invalid CIDR address: not-a-subnet (CNI error "
                     "999: plugin-specific error)");
        cni_network_free(bad);
        ok(cni_network_parse("{\"cniVersion\":\"0.9.9\",\"name\":\"future\",\"type\":"
                             "\"bridge\"}",
                             false, "future.conf", &bad, NULL),
           NULL);
        error_expect(cni_network_add(ctx, bad, &a, NULL, &e), &e, ERR_NOT_SUPPORTED,
                     "incompatible CNI versions: config is \"0.9.9\"");
        cni_network_free(bad);

        /* Bad attachments are refused before anything runs. */
        CniAttachment bad_id = { .container_id = "../x", .netns_path = path };
        error_expect(cni_network_add(ctx, net, &bad_id, NULL, &e), &e, ERR_INVALID_ARGUMENT,
                     "container ID");
        CniAttachment bad_if = { .container_id = "x",
                                 .netns_path = path,
                                 .ifname = "a-very-long-ifname" };
        error_expect(cni_network_del(ctx, "fail", &bad_if, &e), &e, ERR_INVALID_ARGUMENT,
                     "interface name");
        ok(netns_remove(path, NULL), NULL);
        rm_rf(dir);
}

static void test_netns_none(void **state) {
        (void)state;
        require_namespace();
        /* Mode none: a namespace with only lo, and lo up. */
        _cleanup_free_ char *path = NULL;
        ok(netns_create(netns_dir, "ctr-none", &path, NULL), NULL);
        Listener l = { .port = 7000, .fd = -1 };
        ok(netns_run(path, lo_state_inside, &l, NULL), NULL);
        assert_true(l.lo_up);
        ok(netns_run(path, listen_inside, &l, NULL), NULL);
        Listener c = { .ip = "127.0.0.1", .port = 7000, .fd = -1 };
        ok(netns_run(path, connect_inside, &c, NULL), NULL);
        exchange(l.fd, c.fd, "lo");
        close(c.fd);
        close(l.fd);
        NetStats st;
        ok(netstats_read(path, &st, NULL), NULL);
        assert_int_equal(st.rx_bytes, 0); /* lo does not count */
        ok(netns_remove(path, NULL), NULL);
        Error *e = NULL;
        error_expect(netstats_read(path, &st, &e), &e, ERR_NOT_FOUND, "network statistics");
}

/* ---- setup ---- */

static ino_t netns_inode(void) {
        struct stat st;
        return stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
}

/* Enters a private network and mount namespace, or says why not. */
static void namespace_enter(void) {
        if (geteuid() != 0) {
                ns_skip_reason = "not root: CNI plugins need CAP_NET_ADMIN";
                return;
        }
        ino_t before = netns_inode();
        if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
                static char reason[128];
                snprintf(reason, sizeof reason, "unshare(CLONE_NEWNET|CLONE_NEWNS): %s",
                         strerror(errno));
                ns_skip_reason = reason;
                return;
        }
        /* Nothing we mount may reach the parent namespace. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                fprintf(stderr, "make mounts private: %s\n", strerror(errno));
                exit(1);
        }
        if (netns_inode() == before) {
                fprintf(stderr, "still in the parent's network namespace\n");
                exit(1);
        }
        /* The test namespace's own loopback, for 127.0.0.1 below. */
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = { 0 };
        strcpy(ifr.ifr_name, "lo");
        if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
                fprintf(stderr, "lo: %s\n", strerror(errno));
                exit(1);
        }
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
                fprintf(stderr, "lo up: %s\n", strerror(errno));
                exit(1);
        }
        close(s);
        if (access("/usr/lib/cni/bridge", X_OK) < 0) {
                ns_skip_reason = "no CNI plugins in /usr/lib/cni (containernetworking-plugins)";
                return;
        }
        _cleanup_free_ char *ipt = run_capture("iptables-save >/dev/null 2>&1 && echo ok");
        if (!STRPREFIX(ipt, "ok")) {
                ns_skip_reason = "iptables-save does not work (package iptables)";
                return;
        }
        ns_skip_reason = NULL;
        /* So a failure report stands alone. */
        _cleanup_free_ char *versions =
                run_capture("uname -r; iptables --version; /usr/lib/cni/bridge --version 2>&1 "
                            "| tail -1; dpkg-query -W containernetworking-plugins 2>/dev/null");
        printf("%s", versions);
}

static int group_setup(void **state) {
        (void)state;
        strcpy(tmp_root, "/tmp/varpod-test-network-XXXXXX");
        if (!mkdtemp(tmp_root))
                return -1;
        run_root = xasprintf("%s/run", tmp_root);
        cni_dir = xasprintf("%s/cni.d", tmp_root);
        netns_dir = xasprintf("%s/netns", run_root);
        return mkdir(run_root, 0755);
}

static int group_teardown(void **state) {
        (void)state;
        /* The mounts die with our mount namespace; unmount anyway so the
         * tree can go now. */
        DIR *d = opendir(netns_dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *p = xasprintf("%s/%s", netns_dir, de->d_name);
                umount2(p, MNT_DETACH);
        }
        if (d)
                closedir(d);
        umount2(netns_dir, MNT_DETACH);
        rm_rf(tmp_root);
        free(run_root);
        free(cni_dir);
        free(netns_dir);
        return 0;
}

int main(int argc, char **argv) {
        (void)argc;
        (void)argv;
        /* First, before any thread exists: unshare(CLONE_NEWNS) refuses a
         * process whose threads share its filesystem context. */
        namespace_enter();
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_port_publish_table),
                cmocka_unit_test(test_port_exposed),
                cmocka_unit_test(test_port_assign),
                cmocka_unit_test(test_resolv),
                cmocka_unit_test(test_hosts),
                cmocka_unit_test(test_network_mode),
                cmocka_unit_test(test_netstats_parse),
                cmocka_unit_test(test_cni_conf),
                cmocka_unit_test(test_cni_result),
                cmocka_unit_test(test_netns_lifecycle),
                cmocka_unit_test(test_cni_bridge),
                cmocka_unit_test(test_cni_lost_cache),
                cmocka_unit_test(test_cni_failures),
                cmocka_unit_test(test_netns_none),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
