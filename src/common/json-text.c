/* SPDX-License-Identifier: Apache-2.0 */
#include "json-text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xalloc.h"

void json_text_free(JsonText *t) {
        free(t->data);
        *t = (JsonText){ 0 };
}

void json_text_raw(JsonText *t, const char *s, size_t len) {
        xgrow((void **)&t->data, &t->cap, t->len + len + 1, 1);
        memcpy(t->data + t->len, s, len);
        t->len += len;
        t->data[t->len] = 0;
}

void json_text_lit(JsonText *t, const char *s) { json_text_raw(t, s, strlen(s)); }

void json_text_string(JsonText *t, const char *s) {
        static const char hex[] = "0123456789abcdef";
        if (!s)
                s = "";
        size_t len = strlen(s);
        /* Worst case: every byte as \u00XX, plus the quotes. */
        xgrow((void **)&t->data, &t->cap, t->len + 6 * len + 3, 1);
        char *o = t->data + t->len;
        *o++ = '"';
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                unsigned char c = *p;
                if (c == '"' || c == '\\') {
                        *o++ = '\\';
                        *o++ = (char)c;
                } else if (c == '\n') {
                        *o++ = '\\';
                        *o++ = 'n';
                } else if (c == '\t') {
                        *o++ = '\\';
                        *o++ = 't';
                } else if (c < 0x20 || c == 0x7f) {
                        memcpy(o, "\\u00", 4);
                        o[4] = hex[c >> 4];
                        o[5] = hex[c & 15];
                        o += 6;
                } else
                        *o++ = (char)c;
        }
        *o++ = '"';
        *o = 0;
        t->len = (size_t)(o - t->data);
}

void json_text_int(JsonText *t, int64_t v) {
        char buf[24];
        int n = snprintf(buf, sizeof buf, "%" PRId64, v);
        json_text_raw(t, buf, (size_t)n);
}

void json_text_bool(JsonText *t, int v) { json_text_lit(t, v ? "true" : "false"); }

void json_text_key(JsonText *t, const char *key, int first) {
        if (!first)
                json_text_raw(t, ",", 1);
        json_text_string(t, key);
        json_text_raw(t, ":", 1);
}
