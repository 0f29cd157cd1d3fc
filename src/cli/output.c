/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

#include "cli.h"
#include "xalloc.h"

void cli_json_print(json_t *value) {
        _cleanup_free_ char *text = json_dumps(value, JSON_INDENT(2) | JSON_ENCODE_ANY);
        if (text)
                printf("%s\n", text);
}

int cli_split_address(const char *arg, char **ret_address, char **ret_rest) {
        const char *slash = strrchr(arg, '/');
        if (!slash || slash == arg || !slash[1])
                return -1;
        *ret_address = xstrndup(arg, (size_t)(slash - arg));
        *ret_rest = xstrdup(slash + 1);
        return 0;
}

void cli_size_format(int64_t bytes, char *buf, size_t size) {
        /* SI units with three significant digits, as podman prints sizes. */
        static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
        double v = (double)bytes;
        size_t u = 0;
        while (v >= 1000.0 && u + 1 < ELEMENTSOF(units)) {
                v /= 1000.0;
                u++;
        }
        if (u == 0)
                snprintf(buf, size, "%lld %s", (long long)bytes, units[0]);
        else
                snprintf(buf, size, "%.3g %s", v, units[u]);
}

void cli_size_pair_format(json_t *o, const char *a, const char *b, char *buf, size_t size) {
        char x[32], y[32];
        cli_size_format(json_integer_value(json_object_get(o, a)), x, sizeof x);
        cli_size_format(json_integer_value(json_object_get(o, b)), y, sizeof y);
        snprintf(buf, size, "%s / %s", x, y);
}

void cli_ago_format(int64_t then_ns, char *buf, size_t size) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t secs = ts.tv_sec - then_ns / 1000000000;
        if (then_ns == 0)
                snprintf(buf, size, "unknown");
        else if (secs < 1)
                snprintf(buf, size, "Less than a second ago");
        else if (secs < 60)
                snprintf(buf, size, "%lld second%s ago", (long long)secs, secs == 1 ? "" : "s");
        else if (secs < 3600)
                snprintf(buf, size, "%lld minute%s ago", (long long)(secs / 60),
                         secs / 60 == 1 ? "" : "s");
        else if (secs < 86400 * 2)
                snprintf(buf, size, "%lld hour%s ago", (long long)(secs / 3600),
                         secs / 3600 == 1 ? "" : "s");
        else if (secs < 86400 * 14)
                snprintf(buf, size, "%lld days ago", (long long)(secs / 86400));
        else if (secs < 86400 * 60)
                snprintf(buf, size, "%lld weeks ago", (long long)(secs / (86400 * 7)));
        else if (secs < 86400 * 730)
                snprintf(buf, size, "%lld months ago", (long long)(secs / (86400 * 30)));
        else
                snprintf(buf, size, "%lld years ago", (long long)(secs / (86400 * 365)));
}

int cli_go_time_parse(const char *text, int64_t *ret_ns) {
        /* "2019-01-09 18:04:11.546786823 +0000 UTC": the first two words as
         * UTC, exactly as podman-remote read them. */
        char date[16], clock[32];
        if (!text || sscanf(text, "%15s %31s", date, clock) != 2)
                return -1;
        char iso[64];
        snprintf(iso, sizeof iso, "%sT%sZ", date, clock);
        return timefmt_rfc3339_parse(iso, ret_ns);
}
