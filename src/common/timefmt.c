/* SPDX-License-Identifier: Apache-2.0 */
#include "timefmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xalloc.h"

/* Writes v / 10^digits as "int[.frac]" with the fraction's trailing zeros
 * removed, as Go does. */
static void fmt_fraction(char *buf, size_t size, uint64_t v, unsigned digits, const char *unit) {
        uint64_t div = 1;
        for (unsigned i = 0; i < digits; i++)
                div *= 10;
        uint64_t whole = v / div, frac = v % div;
        if (frac == 0) {
                snprintf(buf, size, "%" PRIu64 "%s", whole, unit);
                return;
        }
        char f[24];
        snprintf(f, sizeof f, "%0*" PRIu64, (int)digits, frac);
        size_t n = strlen(f);
        while (n > 0 && f[n - 1] == '0')
                f[--n] = 0;
        snprintf(buf, size, "%" PRIu64 ".%s%s", whole, f, unit);
}

char *timefmt_go_duration(int64_t ns) {
        if (ns == 0)
                return xstrdup("0s");
        const char *sign = ns < 0 ? "-" : "";
        /* INT64_MIN has no positive counterpart in int64; go through uint64. */
        uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
        char body[64];
        if (u < 1000u)
                snprintf(body, sizeof body, "%" PRIu64 "ns", u);
        else if (u < 1000000u)
                fmt_fraction(body, sizeof body, u, 3, "\xc2\xb5s");
        else if (u < 1000000000u)
                fmt_fraction(body, sizeof body, u, 6, "ms");
        else {
                uint64_t secs = u / 1000000000u, h = secs / 3600, m = (secs / 60) % 60;
                char s[40];
                fmt_fraction(s, sizeof s, (secs % 60) * 1000000000u + u % 1000000000u, 9, "s");
                if (h > 0)
                        snprintf(body, sizeof body, "%" PRIu64 "h%" PRIu64 "m%s", h, m, s);
                else if (m > 0)
                        snprintf(body, sizeof body, "%" PRIu64 "m%s", m, s);
                else
                        snprintf(body, sizeof body, "%s", s);
        }
        return xasprintf("%s%s", sign, body);
}
