/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* JSON written as text straight into a growing buffer: for the large
 * listings, where building a jansson tree only to serialise it costs
 * more than everything else the call does. The caller keeps the
 * structure valid; strings are escaped here. */

#include <stddef.h>
#include <stdint.h>

typedef struct JsonText {
        char *data; /* NUL-terminated once anything was written */
        size_t len;
        size_t cap;
} JsonText;

void json_text_free(JsonText *t);
/* Text already in JSON form (punctuation, a nested document). */
void json_text_raw(JsonText *t, const char *s, size_t len);
void json_text_lit(JsonText *t, const char *s);
/* A JSON string of the UTF-8 s (control characters escaped; NULL: ""). */
void json_text_string(JsonText *t, const char *s);
void json_text_int(JsonText *t, int64_t v);
void json_text_bool(JsonText *t, int v);
/* `,"key":` (the comma unless first) */
void json_text_key(JsonText *t, const char *key, int first);
