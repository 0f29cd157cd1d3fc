/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Time renderings that io.podman clients parse (semantics 2.1). */

#include <stdint.h>

/* Go's time.Duration.String(): "0s", "850ns", "1.5µs", "12.345ms",
 * "3.5s", "1m0.25s", "26h3m7.123456789s". Returns a new string. */
char *timefmt_go_duration(int64_t ns);
