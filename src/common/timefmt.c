/* SPDX-License-Identifier: Apache-2.0 */
#include "timefmt.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

static bool parse_digits(const char **p, int n, int *ret) {
        int v = 0;
        for (int i = 0; i < n; i++) {
                if ((*p)[i] < '0' || (*p)[i] > '9')
                        return false;
                v = v * 10 + ((*p)[i] - '0');
        }
        *p += n;
        *ret = v;
        return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no time zone state is involved. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
        y -= m <= 2;
        const int64_t era = (y >= 0 ? y : y - 399) / 400;
        const unsigned yoe = (unsigned)(y - era * 400);
        const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t)doe - 719468;
}

int timefmt_rfc3339_parse(const char *text, int64_t *ret_ns) {
        const char *p = text;
        int y, mo, d, h, mi, s;
        if (!parse_digits(&p, 4, &y) || *p++ != '-' || !parse_digits(&p, 2, &mo) || *p++ != '-' ||
            !parse_digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
                return -1;
        p++;
        if (!parse_digits(&p, 2, &h) || *p++ != ':' || !parse_digits(&p, 2, &mi) || *p++ != ':' ||
            !parse_digits(&p, 2, &s))
                return -1;
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
                return -1;
        int64_t frac = 0;
        if (*p == '.') {
                p++;
                int digits = 0;
                while (*p >= '0' && *p <= '9') {
                        if (digits < 9) {
                                frac = frac * 10 + (*p - '0');
                                digits++;
                        }
                        p++;
                }
                if (digits == 0)
                        return -1;
                for (; digits < 9; digits++)
                        frac *= 10;
        }
        int64_t offset = 0;
        if (*p == 'Z' || *p == 'z')
                p++;
        else if (*p == '+' || *p == '-') {
                int sign = *p++ == '-' ? -1 : 1, oh, om;
                if (!parse_digits(&p, 2, &oh) || *p++ != ':' || !parse_digits(&p, 2, &om))
                        return -1;
                offset = sign * (oh * 3600 + om * 60);
        } else
                return -1;
        if (*p)
                return -1;
        int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
                       s - offset;
        *ret_ns = secs * 1000000000 + frac;
        return 0;
}

static void split_ns(int64_t ns, time_t *secs, long *nsec) {
        int64_t s = ns / 1000000000, n = ns % 1000000000;
        if (n < 0) {
                n += 1000000000;
                s--;
        }
        *secs = (time_t)s;
        *nsec = (long)n;
}

/* ".123456789" trimmed of trailing zeros, or "" when zero. */
static void fraction_trimmed(long nsec, char out[12]) {
        if (nsec == 0) {
                out[0] = 0;
                return;
        }
        snprintf(out, 12, ".%09ld", nsec);
        size_t n = strlen(out);
        while (out[n - 1] == '0')
                out[--n] = 0;
}

char *timefmt_rfc3339(int64_t ns) {
        if (ns == 0)
                return xstrdup("0001-01-01T00:00:00Z");
        time_t secs;
        long nsec;
        split_ns(ns, &secs, &nsec);
        struct tm tm;
        gmtime_r(&secs, &tm);
        char frac[12];
        fraction_trimmed(nsec, frac);
        return xasprintf("%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static void tz_init(void) { tzset(); }

char *timefmt_go_time(int64_t ns, bool utc) {
        /* localtime_r() need not read TZ itself; do it once. */
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, tz_init);
        time_t secs;
        long nsec;
        split_ns(ns, &secs, &nsec);
        struct tm tm;
        if (utc)
                gmtime_r(&secs, &tm);
        else
                localtime_r(&secs, &tm);
        char frac[12], zone[32];
        fraction_trimmed(nsec, frac);
        long off = utc ? 0 : tm.tm_gmtoff;
        const char *abbrev = utc ? "UTC" : tm.tm_zone;
        char sign = off < 0 ? '-' : '+';
        int a = (int)((off < 0 ? -off : off) % 86400);
        snprintf(zone, sizeof zone, "%c%02d%02d", sign, a / 3600, (a / 60) % 60);
        return xasprintf("%04d-%02d-%02d %02d:%02d:%02d%s %s %s", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac, zone,
                         abbrev && *abbrev ? abbrev : zone);
}
