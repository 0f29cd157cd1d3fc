/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Time renderings that io.podman clients parse (semantics 2.1). */

#include <stdbool.h>
#include <stdint.h>

/* Go's time.Duration.String(): "0s", "850ns", "1.5µs", "12.345ms",
 * "3.5s", "1m0.25s", "26h3m7.123456789s". Returns a new string. */
char *timefmt_go_duration(int64_t ns);

/* Parses RFC 3339 ("2019-01-21T15:18:13.123456789-06:00", "...Z") into
 * Unix nanoseconds. Returns 0, or -1 when text is not such a time. */
int timefmt_rfc3339_parse(const char *text, int64_t *ret_ns);

/* Unix nanoseconds as RFC 3339 in UTC with nanoseconds trimmed of
 * trailing zeros ("2019-01-21T21:18:13.123456789Z"); 0 gives Go's zero
 * time "0001-01-01T00:00:00Z". Returns a new string. */
char *timefmt_rfc3339(int64_t ns);

/* Go's default time rendering, "2019-01-09 18:04:11.546786823 +0000 UTC",
 * in UTC (utc=true) or in the local zone of the process ("-0600 CST"). */
char *timefmt_go_time(int64_t ns, bool utc);
