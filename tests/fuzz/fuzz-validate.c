/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parameter type checking: the input is read as JSON
 * and checked as the parameters of every method of a small interface that
 * has each kind of type (and a recursive one). Properties checked besides
 * "no crash, no leak": a failure names a field and a path, and checking a
 * normalised value again gives the same value back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varlink.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_idl[] =
        "interface org.example.fuzz\n"
        "type Resources (cpus: float, memory: int, devices: []string)\n"
        "type Kind (one, two, three)\n"
        "type Create (\n"
        "  b: bool, i: int, f: float, s: string, o: object, e: Kind,\n"
        "  anon_enum: (red, green), resources: Resources,\n"
        "  anon: (x: int, y: (z: bool, w: ?string)),\n"
        "  arr: []string, arr_struct: []Resources, nested: [][]int,\n"
        "  labels: [string]string, map_struct: [string]Resources,\n"
        "  maybe: ?string, maybe_struct: ?Resources, maybe_arr: ?[]?int,\n"
        "  maybe_map: ?[string]?Kind, set: [string]()\n"
        ")\n"
        "type Node (name: string, children: []Node, by_name: [string]Node, parent: ?Node)\n"
        "method CreateContainer(create: Create) -> (container: string)\n"
        "method Scalars(b: bool, i: int, f: float, s: string, o: object, e: Kind) -> ()\n"
        "method Tree(root: Node) -> (root: Node)\n"
        "method Lists(opts: []string, m: [string]int, any: []object) -> ()\n"
        "method Empty() -> ()\n";

static VlInterface *fuzz_iface;

static _noreturn_ void fuzz_fail(const char *what) {
        fprintf(stderr, "fuzz-validate: %s\n", what);
        abort();
}

static void fuzz_check(const VlType *in, json_t *params) {
        json_t *out = NULL;
        char *field = NULL, *path = NULL;

        if (vl_type_check_input(in, params, &out, &field, &path) < 0) {
                if (out || !field || !path || field[0] == '\0' || !STRPREFIX(path, field))
                        fuzz_fail("failure without a field and path");
                free(field);
                free(path);
        } else {
                json_t *out2 = NULL;
                if (field || path)
                        fuzz_fail("field or path set on success");
                if (!json_is_object(out) || vl_type_check_input(in, out, &out2, NULL, NULL) < 0 ||
                    !json_equal(out, out2))
                        fuzz_fail("normalised value not stable");
                json_decref(out2);
                json_decref(out);
        }

        char *opath = NULL;
        if (vl_type_check_output(in, params, &opath) < 0) {
                if (!opath)
                        fuzz_fail("output failure without a path");
                free(opath);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!fuzz_iface) {
                VlSyntaxError e;
                if (vl_interface_parse(&fuzz_iface, fuzz_idl, &e) < 0) {
                        fprintf(stderr, "fuzz IDL: %u:%u: %s\n", e.line, e.column, e.message);
                        abort();
                }
        }

        /* Like a message read by stream.c: any JSON, NULs in strings allowed
         * so the length-aware paths run too. */
        json_t *params =
                json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        if (!params)
                return 0;
        for (size_t i = 0; i < fuzz_iface->n_methods; i++)
                fuzz_check(fuzz_iface->methods[i].in, params);
        json_decref(params);
        return 0;
}
