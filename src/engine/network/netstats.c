/* SPDX-License-Identifier: Apache-2.0 */
/* A container's traffic: the counters of /proc/net/dev, read from inside
 * its network namespace. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "network-private.h"
#include "network.h"
#include "xalloc.h"

/* /proc/net/dev has 8 receive and 8 transmit columns per interface. */
#define NETSTATS_COLUMNS 16

static uint64_t add_saturated(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

int netstats_parse(const char *text, NetStats *ret, Error **err) {
        NetStats s = { 0 };
        unsigned lineno = 0;
        for (const char *line = text; line && *line; lineno++) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t)(end - line) : strlen(line);
                const char *next = end ? end + 1 : NULL;
                /* The two header lines have '|' where interface lines have ':'. */
                const char *colon = memchr(line, ':', len);
                if (!colon) {
                        line = next;
                        continue;
                }
                const char *name = line;
                while (name < colon && *name == ' ')
                        name++;
                size_t name_len = (size_t)(colon - name);
                _cleanup_free_ char *rest = xstrndup(colon + 1, len - (size_t)(colon + 1 - line));
                uint64_t v[NETSTATS_COLUMNS];
                char *p = rest;
                for (int i = 0; i < NETSTATS_COLUMNS; i++) {
                        while (*p == ' ' || *p == '\t')
                                p++;
                        if (*p < '0' || *p > '9')
                                return err_set(err, ERR_PROTOCOL, 0,
                                               "/proc/net/dev line %u: expected %d counters",
                                               lineno + 1, NETSTATS_COLUMNS);
                        errno = 0;
                        char *e;
                        v[i] = strtoull(p, &e, 10);
                        if (errno == ERANGE)
                                v[i] = UINT64_MAX;
                        p = e;
                }
                if (!(name_len == 2 && strncmp(name, "lo", 2) == 0)) {
                        s.rx_bytes = add_saturated(s.rx_bytes, v[0]);
                        s.rx_packets = add_saturated(s.rx_packets, v[1]);
                        s.tx_bytes = add_saturated(s.tx_bytes, v[8]);
                        s.tx_packets = add_saturated(s.tx_packets, v[9]);
                }
                line = next;
        }
        *ret = s;
        return 0;
}

static int netstats_read_inside(void *userdata, Error **err) {
        /* thread-self: /proc/net is /proc/self/net, which shows the
         * namespace of the main thread, not of this one. */
        _cleanup_free_ char *text = NULL;
        if (network_file_read("/proc/thread-self/net/dev", 4u * 1024u * 1024u, &text, NULL, err) <
            0)
                return -1;
        return netstats_parse(text, userdata, err);
}

int netstats_read(const char *netns_path, NetStats *ret, Error **err) {
        NetStats s;
        if (netns_run(netns_path, netstats_read_inside, &s, err) < 0)
                return err_wrap(err, "network statistics");
        *ret = s;
        return 0;
}
