/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the TOML reader. Besides "no crash, no leak" it
 * checks that a failure has a position inside the text and a message and
 * leaves *ret alone, and that a document that parses, written back as
 * TOML (every table inline), parses again into the same JSON. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "toml.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _noreturn_ void fuzz_fail(const char *what, const char *text) {
        fprintf(stderr, "fuzz-toml: %s\n%s\n", what, text ? text : "");
        abort();
}

typedef struct Buf {
        char *s;
        size_t len, cap;
} Buf;

static void buf_add(Buf *b, const char *s, size_t n) {
        xgrow((void **)&b->s, &b->cap, b->len + n + 1, 1);
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
}

static void buf_puts(Buf *b, const char *s) { buf_add(b, s, strlen(s)); }

/* A basic string: everything TOML would refuse raw is escaped. */
static void string_write(Buf *b, const char *s, size_t n) {
        buf_puts(b, "\"");
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
                        char esc[8];
                        snprintf(esc, sizeof esc, "\\u%04X", c);
                        buf_puts(b, esc);
                } else
                        buf_add(b, s + i, 1);
        }
        buf_puts(b, "\"");
}

static void value_write(Buf *b, json_t *v) {
        char num[64];
        size_t i;
        json_t *item;
        switch (json_typeof(v)) {
        case JSON_OBJECT: {
                buf_puts(b, "{");
                bool first = true;
                for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
                        buf_puts(b, first ? " " : ", ");
                        first = false;
                        string_write(b, json_object_iter_key(it), json_object_iter_key_len(it));
                        buf_puts(b, " = ");
                        value_write(b, json_object_iter_value(it));
                }
                buf_puts(b, " }");
                break;
        }
        case JSON_ARRAY:
                buf_puts(b, "[");
                json_array_foreach (v, i, item) {
                        if (i)
                                buf_puts(b, ", ");
                        value_write(b, item);
                }
                buf_puts(b, "]");
                break;
        case JSON_STRING:
                string_write(b, json_string_value(v), json_string_length(v));
                break;
        case JSON_INTEGER:
                snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                buf_puts(b, num);
                break;
        case JSON_REAL:
                snprintf(num, sizeof num, "%.17g", json_real_value(v));
                if (!strpbrk(num, ".e"))
                        strcat(num, ".0");
                buf_puts(b, num);
                break;
        case JSON_TRUE:
                buf_puts(b, "true");
                break;
        default:
                buf_puts(b, "false");
                break;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* The API takes a C string: a NUL in the input ends the text. */
        _cleanup_free_ char *text = xmalloc(size + 1);
        memcpy(text, data, size);
        text[size] = '\0';

        json_t *root = (json_t *)0x1;
        TomlError e = { 0 };
        if (toml_parse(text, &root, &e) < 0) {
                if (root != (json_t *)0x1)
                        fuzz_fail("*ret set on failure", text);
                unsigned lines = 1;
                for (const char *p = text; *p; p++)
                        lines += *p == '\n';
                if (e.line == 0 || e.line > lines || e.column == 0 || e.message[0] == '\0')
                        fuzz_fail("failure without position or message", text);
                return 0;
        }
        _cleanup_json_ json_t *tree = root;
        if (!json_is_object(tree))
                fuzz_fail("root is not an object", text);

        /* Top-level keys one per line, so the rewrite has the same depth. */
        Buf b = { 0 };
        buf_puts(&b, ""); /* an empty document is "", not NULL */
        for (void *it = json_object_iter(tree); it; it = json_object_iter_next(tree, it)) {
                string_write(&b, json_object_iter_key(it), json_object_iter_key_len(it));
                buf_puts(&b, " = ");
                value_write(&b, json_object_iter_value(it));
                buf_puts(&b, "\n");
        }
        _cleanup_free_ char *rewritten = b.s;
        if (b.len > TOML_SIZE_MAX)
                return 0;
        _cleanup_json_ json_t *again = NULL;
        if (toml_parse(rewritten, &again, &e) < 0) {
                fprintf(stderr, "fuzz-toml: reparse failed at %u:%u: %s\n", e.line, e.column,
                        e.message);
                fuzz_fail("rewritten document does not parse", rewritten);
        }
        if (!json_equal(tree, again))
                fuzz_fail("rewritten document reads differently", rewritten);
        return 0;
}
