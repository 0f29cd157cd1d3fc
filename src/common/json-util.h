/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Small jansson helpers shared by every layer. jansson itself provides
 * json_decrefp() for cleanup. */

#include <jansson.h>

#define _cleanup_json_ __attribute__((cleanup(json_decrefp)))
