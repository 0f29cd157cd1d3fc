/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the IDL parser. Besides "no crash, no leak" it
 * checks two properties: a failure has a position and a message, and an
 * interface that parses, written back with vl_type_format(), parses again
 * into the same text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varlink.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _noreturn_ void fuzz_fail(const char *what, const char *text) {
        fprintf(stderr, "fuzz-idl: %s\n%s\n", what, text ? text : "");
        abort();
}

typedef struct Buf {
        char *s;
        size_t len, cap;
} Buf;

static void buf_add(Buf *b, const char *a, const char *c, const char *d) {
        const char *parts[] = { a, c, d };
        for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
                size_t n = strlen(parts[i]);
                xgrow((void **)&b->s, &b->cap, b->len + n + 1, 1);
                memcpy(b->s + b->len, parts[i], n + 1);
                b->len += n;
        }
}

static char *interface_format(const VlInterface *iface) {
        Buf b = { 0 };

        buf_add(&b, "interface ", iface->name, "\n");
        for (size_t i = 0; i < iface->n_types; i++) {
                _cleanup_free_ char *t = vl_type_format(iface->types[i].type);
                buf_add(&b, "type ", iface->types[i].name, " ");
                buf_add(&b, t, "\n", "");
        }
        for (size_t i = 0; i < iface->n_methods; i++) {
                _cleanup_free_ char *in = vl_type_format(iface->methods[i].in);
                _cleanup_free_ char *out = vl_type_format(iface->methods[i].out);
                buf_add(&b, "method ", iface->methods[i].name, in);
                buf_add(&b, " -> ", out, "\n");
        }
        for (size_t i = 0; i < iface->n_errors; i++) {
                _cleanup_free_ char *t = vl_type_format(iface->errors[i].type);
                buf_add(&b, "error ", iface->errors[i].name, " ");
                buf_add(&b, t, "\n", "");
        }
        return b.s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(vl_interface_freep) VlInterface *iface = NULL;
        VlSyntaxError e = { 0 };

        /* The API takes a C string: a NUL in the input ends the text. */
        _cleanup_free_ char *text = xmalloc(size + 1);
        memcpy(text, data, size);
        text[size] = '\0';

        if (vl_interface_parse(&iface, text, &e) < 0) {
                if (iface)
                        fuzz_fail("*ret set on failure", text);
                if (e.line == 0 || e.column == 0 || e.message[0] == '\0')
                        fuzz_fail("failure without position or message", text);
                return 0;
        }

        if (!iface->name || !STREQ(iface->description, text))
                fuzz_fail("name or description lost", text);
        for (size_t i = 0; i < iface->n_types; i++)
                if (vl_interface_find_type(iface, iface->types[i].name) != &iface->types[i])
                        fuzz_fail("type lookup", text);
        for (size_t i = 0; i < iface->n_methods; i++)
                if (vl_interface_find_method(iface, iface->methods[i].name) != &iface->methods[i])
                        fuzz_fail("method lookup", text);
        for (size_t i = 0; i < iface->n_errors; i++)
                if (vl_interface_find_error(iface, iface->errors[i].name) != &iface->errors[i])
                        fuzz_fail("error lookup", text);

        _cleanup_free_ char *formatted = interface_format(iface);
        if (strlen(formatted) > VL_IDL_SIZE_MAX)
                return 0;
        _cleanup_(vl_interface_freep) VlInterface *again = NULL;
        if (vl_interface_parse(&again, formatted, &e) < 0) {
                fprintf(stderr, "fuzz-idl: reparse failed at %u:%u: %s\n", e.line, e.column,
                        e.message);
                fuzz_fail("formatted interface does not parse", formatted);
        }
        _cleanup_free_ char *formatted2 = interface_format(again);
        if (!STREQ(formatted, formatted2))
                fuzz_fail("formatting is not stable", formatted);
        return 0;
}
