/* SPDX-License-Identifier: Apache-2.0 */
#include "varlink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../common/xalloc.h"

/* Type checking of call parameters (lenient, the way the Go reference
 * server decoded them with encoding/json) and of reply parameters (strict,
 * so tests catch handlers that send a wrong shape). Both walk the type and
 * the value together; the walk counts containers and stops at
 * VL_JSON_DEPTH_MAX, so a value built by hand (not read through the depth
 * limit of stream.c) cannot exhaust the stack either. */

/* Where the walk is, as a chain of stack frames back to the top-level
 * field. Only turned into a string when something fails. */
typedef struct Path {
        const struct Path *parent;
        const char *field; /* struct field, or NULL */
        const char *key;   /* map key (key_len bytes), or NULL */
        size_t key_len;
        size_t index; /* array index, when field and key are NULL */
} Path;

typedef struct Check {
        char *field; /* top-level field of the first failure */
        char *path;
} Check;

typedef struct Buf {
        char *s;
        size_t len, cap;
} Buf;

static void buf_addn(Buf *b, const char *s, size_t n) {
        xgrow((void **)&b->s, &b->cap, b->len + n + 1, 1);
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
}

static void buf_add(Buf *b, const char *s) { buf_addn(b, s, strlen(s)); }

/* Map keys are quoted like JSON strings so a path stays readable and
 * unambiguous in a log line whatever the key holds. */
static void buf_add_quoted(Buf *b, const char *s, size_t n) {
        buf_add(b, "\"");
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                char esc[8];
                if (c == '"' || c == '\\') {
                        esc[0] = '\\';
                        esc[1] = (char)c;
                        buf_addn(b, esc, 2);
                } else if (c < 0x20 || c == 0x7f) {
                        snprintf(esc, sizeof esc, "\\u%04x", c);
                        buf_add(b, esc);
                } else
                        buf_addn(b, (const char *)&c, 1);
        }
        buf_add(b, "\"");
}

static void path_format(Buf *b, const Path *p) {
        if (!p)
                return;
        path_format(b, p->parent);
        if (p->field) {
                if (p->parent)
                        buf_add(b, ".");
                buf_add(b, p->field);
        } else if (p->key) {
                buf_add(b, "[");
                buf_add_quoted(b, p->key, p->key_len);
                buf_add(b, "]");
        } else {
                char idx[32];
                snprintf(idx, sizeof idx, "[%zu]", p->index);
                buf_add(b, idx);
        }
}

/* Records the first failure and returns -1. A failure at the root (the
 * parameters themselves) is named "parameters", as the Go server did for
 * every failure. */
static int check_fail(Check *c, const Path *p) {
        if (c->path)
                return -1;
        if (!p) {
                c->field = xstrdup("parameters");
                c->path = xstrdup("parameters");
                return -1;
        }

        const Path *top = p;
        while (top->parent)
                top = top->parent;
        c->field = xstrdup(top->field ? top->field : "parameters");

        Buf b = { 0 };
        buf_add(&b, "");
        path_format(&b, p);
        c->path = b.s;
        return -1;
}

static void check_done(Check *c) {
        free(c->field);
        free(c->path);
}

/* Named types are resolved at parse time; a hand-made ALIAS without its
 * definition yields NULL and fails the check. */
static const VlType *type_resolve(const VlType *t) {
        while (t && t->kind == VL_TYPE_ALIAS)
                t = t->resolved;
        return t;
}

/* Lengths are compared too: a JSON string may hold a NUL. */
static bool struct_has_field(const VlType *t, const char *key, size_t key_len) {
        for (size_t i = 0; i < t->n_fields; i++)
                if (strlen(t->fields[i].name) == key_len &&
                    memcmp(t->fields[i].name, key, key_len) == 0)
                        return true;
        return false;
}

static bool enum_has_value(const VlType *t, json_t *s) {
        return struct_has_field(t, json_string_value(s), json_string_length(s));
}

/* ------------------------------------------------------------------ */
/* Input.                                                             */

static int input_zero(Check *c, const VlType *t, const Path *path, unsigned depth, json_t **ret);

static int input_zero_struct(Check *c, const VlType *t, const Path *path, unsigned depth,
                             json_t **ret) {
        if (depth > VL_JSON_DEPTH_MAX)
                return check_fail(c, path);

        json_t *o = json_object();
        for (size_t i = 0; i < t->n_fields; i++) {
                Path child = { .parent = path, .field = t->fields[i].name };
                json_t *v;
                if (input_zero(c, t->fields[i].type, &child, depth + 1, &v) < 0) {
                        json_decref(o);
                        return -1;
                }
                json_object_set_new_nocheck(o, t->fields[i].name, v);
        }
        *ret = o;
        return 0;
}

/* The value an absent or null field takes: Go's zero value, except that
 * arrays and maps become empty rather than null so a handler never has
 * to tell the two apart, and structs are filled field by field. */
static int input_zero(Check *c, const VlType *t, const Path *path, unsigned depth, json_t **ret) {
        t = type_resolve(t);
        if (!t)
                return check_fail(c, path);

        switch (t->kind) {
        case VL_TYPE_BOOL:
                *ret = json_false();
                return 0;
        case VL_TYPE_INT:
                *ret = json_integer(0);
                return 0;
        case VL_TYPE_FLOAT:
                *ret = json_real(0.0);
                return 0;
        case VL_TYPE_STRING:
        case VL_TYPE_ENUM:
                *ret = json_string("");
                return 0;
        case VL_TYPE_OBJECT:
        case VL_TYPE_MAYBE:
                *ret = json_null();
                return 0;
        case VL_TYPE_ARRAY:
        case VL_TYPE_MAP:
                /* Empty, but a level of nesting all the same: the output
                 * check and the peer's parser count it. */
                if (depth > VL_JSON_DEPTH_MAX)
                        return check_fail(c, path);
                *ret = t->kind == VL_TYPE_ARRAY ? json_array() : json_object();
                return 0;
        case VL_TYPE_STRUCT:
                return input_zero_struct(c, t, path, depth, ret);
        case VL_TYPE_ALIAS:
                break;
        }
        return check_fail(c, path);
}

static char ascii_tolower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Which declared field a key sets, as Go's encoding/json decides: the
 * field of exactly that name, else the first field equal but for ASCII
 * case; -1 when none (the key is ignored). */
static ssize_t struct_match_key(const VlType *t, const char *key, size_t key_len) {
        ssize_t folded = -1;

        for (size_t i = 0; i < t->n_fields; i++) {
                const char *name = t->fields[i].name;
                if (strlen(name) != key_len)
                        continue;
                if (memcmp(name, key, key_len) == 0)
                        return (ssize_t)i;
                if (folded < 0) {
                        size_t k = 0;
                        while (k < key_len && ascii_tolower(name[k]) == ascii_tolower(key[k]))
                                k++;
                        if (k == key_len)
                                folded = (ssize_t)i;
                }
        }
        return folded;
}

static int input_check(Check *c, const VlType *t, json_t *v, const Path *path, unsigned depth,
                       json_t **ret);

static int input_check_struct(Check *c, const VlType *t, json_t *v, const Path *path,
                              unsigned depth, json_t **ret) {
        if (!json_is_object(v) || depth > VL_JSON_DEPTH_MAX)
                return check_fail(c, path);

        /* Keys in object order, so when two keys set one field the later
         * wins, as in Go. */
        _cleanup_free_ json_t **values = xnew0(json_t *, t->n_fields);
        const char *key;
        size_t key_len;
        json_t *item;
        json_object_keylen_foreach(v, key, key_len, item) {
                ssize_t i = struct_match_key(t, key, key_len);
                if (i >= 0)
                        values[i] = item;
        }

        /* Only declared fields are copied: unknown ones are dropped. */
        json_t *o = json_object();
        for (size_t i = 0; i < t->n_fields; i++) {
                Path child = { .parent = path, .field = t->fields[i].name };
                json_t *nv;
                if (input_check(c, t->fields[i].type, values[i], &child, depth + 1, &nv) < 0) {
                        json_decref(o);
                        return -1;
                }
                json_object_set_new_nocheck(o, t->fields[i].name, nv);
        }
        *ret = o;
        return 0;
}

static int input_check_array(Check *c, const VlType *t, json_t *v, const Path *path, unsigned depth,
                             json_t **ret) {
        if (!json_is_array(v) || depth > VL_JSON_DEPTH_MAX)
                return check_fail(c, path);

        json_t *a = json_array();
        size_t i;
        json_t *item;
        json_array_foreach (v, i, item) {
                Path child = { .parent = path, .index = i };
                json_t *nv;
                if (input_check(c, t->element, item, &child, depth + 1, &nv) < 0) {
                        json_decref(a);
                        return -1;
                }
                json_array_append_new(a, nv);
        }
        *ret = a;
        return 0;
}

static int input_check_map(Check *c, const VlType *t, json_t *v, const Path *path, unsigned depth,
                           json_t **ret) {
        if (!json_is_object(v) || depth > VL_JSON_DEPTH_MAX)
                return check_fail(c, path);

        json_t *o = json_object();
        const char *key;
        size_t key_len;
        json_t *item;
        json_object_keylen_foreach(v, key, key_len, item) {
                Path child = { .parent = path, .key = key, .key_len = key_len };
                json_t *nv;
                if (input_check(c, t->element, item, &child, depth + 1, &nv) < 0) {
                        json_decref(o);
                        return -1;
                }
                json_object_setn_new_nocheck(o, key, key_len, nv);
        }
        *ret = o;
        return 0;
}

/* v is NULL when the field is absent. On success *ret is a new reference
 * holding the normalised value. */
static int input_check(Check *c, const VlType *t, json_t *v, const Path *path, unsigned depth,
                       json_t **ret) {
        t = type_resolve(t);
        if (!t)
                return check_fail(c, path);
        if (!v || json_is_null(v))
                return input_zero(c, t, path, depth, ret);

        switch (t->kind) {
        case VL_TYPE_BOOL:
                if (!json_is_boolean(v))
                        return check_fail(c, path);
                *ret = json_incref(v);
                return 0;
        case VL_TYPE_INT:
                /* Go refuses 5.0 for an int; jansson keeps 5 and 5.0 apart. */
                if (!json_is_integer(v))
                        return check_fail(c, path);
                *ret = json_incref(v);
                return 0;
        case VL_TYPE_FLOAT:
                /* Go's encoder prints integral floats without a point, so
                 * integers are floats too; handlers get one representation. */
                if (json_is_integer(v))
                        *ret = json_real((double)json_integer_value(v));
                else if (json_is_real(v))
                        *ret = json_incref(v);
                else
                        return check_fail(c, path);
                return 0;
        case VL_TYPE_STRING:
                if (!json_is_string(v))
                        return check_fail(c, path);
                *ret = json_incref(v);
                return 0;
        case VL_TYPE_ENUM:
                /* "" is the zero value an absent enum takes, so it is
                 * accepted when sent explicitly too. */
                if (!json_is_string(v) || (json_string_length(v) > 0 && !enum_has_value(t, v)))
                        return check_fail(c, path);
                *ret = json_incref(v);
                return 0;
        case VL_TYPE_OBJECT:
                *ret = json_incref(v);
                return 0;
        case VL_TYPE_STRUCT:
                return input_check_struct(c, t, v, path, depth, ret);
        case VL_TYPE_ARRAY:
                return input_check_array(c, t, v, path, depth, ret);
        case VL_TYPE_MAP:
                return input_check_map(c, t, v, path, depth, ret);
        case VL_TYPE_MAYBE:
                /* v is not null here; the element cannot be another ?T. */
                return input_check(c, t->element, v, path, depth, ret);
        case VL_TYPE_ALIAS:
                break;
        }
        return check_fail(c, path);
}

int vl_type_check_input(const VlType *in, json_t *parameters, json_t **ret, char **ret_field,
                        char **ret_path) {
        _cleanup_(check_done) Check c = { 0 };
        json_t *out = NULL;

        /* null or a scalar is not "no parameters": the Go server refused
         * them, and only an object can hold the declared fields. */
        if (!json_is_object(parameters) || input_check(&c, in, parameters, NULL, 1, &out) < 0) {
                if (!c.path)
                        check_fail(&c, NULL);
                if (ret_field)
                        *ret_field = TAKE_PTR(c.field);
                if (ret_path)
                        *ret_path = TAKE_PTR(c.path);
                return -1;
        }

        if (ret)
                *ret = out;
        else
                json_decref(out);
        return 0;
}

/* ------------------------------------------------------------------ */
/* Output.                                                            */

static int output_check(Check *c, const VlType *t, json_t *v, const Path *path, unsigned depth);

static int output_check_struct(Check *c, const VlType *t, json_t *v, const Path *path,
                               unsigned depth) {
        if (!json_is_object(v) || depth > VL_JSON_DEPTH_MAX)
                return check_fail(c, path);

        for (size_t i = 0; i < t->n_fields; i++) {
                Path child = { .parent = path, .field = t->fields[i].name };
                json_t *item = json_object_get(v, t->fields[i].name);
                const VlType *ft = type_resolve(t->fields[i].type);
                if (!item) {
                        /* Go's generated types mark ?T fields omitempty. */
                        if (ft && ft->kind == VL_TYPE_MAYBE)
                                continue;
                        return check_fail(c, &child);
                }
                if (output_check(c, t->fields[i].type, item, &child, depth + 1) < 0)
                        return -1;
        }

        const char *key;
        size_t key_len;
        json_t *item;
        json_object_keylen_foreach(v, key, key_len, item) {
                if (!struct_has_field(t, key, key_len)) {
                        /* Named like a field ("a.extra") unless a NUL
                         * inside the key needs the quoted form. */
                        Path child = { .parent = path, .key = key, .key_len = key_len };
                        if (!memchr(key, '\0', key_len))
                                child = (Path){ .parent = path, .field = key };
                        return check_fail(c, &child);
                }
        }
        return 0;
}

static int output_check(Check *c, const VlType *t, json_t *v, const Path *path, unsigned depth) {
        t = type_resolve(t);
        if (!t)
                return check_fail(c, path);

        switch (t->kind) {
        case VL_TYPE_BOOL:
                return json_is_boolean(v) ? 0 : check_fail(c, path);
        case VL_TYPE_INT:
                return json_is_integer(v) ? 0 : check_fail(c, path);
        case VL_TYPE_FLOAT:
                return json_is_number(v) ? 0 : check_fail(c, path);
        case VL_TYPE_STRING:
                return json_is_string(v) ? 0 : check_fail(c, path);
        case VL_TYPE_ENUM:
                if (!json_is_string(v) || !enum_has_value(t, v))
                        return check_fail(c, path);
                return 0;
        case VL_TYPE_OBJECT:
                return 0;
        case VL_TYPE_MAYBE:
                if (json_is_null(v))
                        return 0;
                return output_check(c, t->element, v, path, depth);
        case VL_TYPE_STRUCT:
                return output_check_struct(c, t, v, path, depth);
        case VL_TYPE_ARRAY: {
                if (json_is_null(v))
                        return 0;
                if (!json_is_array(v) || depth > VL_JSON_DEPTH_MAX)
                        return check_fail(c, path);
                size_t i;
                json_t *item;
                json_array_foreach (v, i, item) {
                        Path child = { .parent = path, .index = i };
                        if (output_check(c, t->element, item, &child, depth + 1) < 0)
                                return -1;
                }
                return 0;
        }
        case VL_TYPE_MAP: {
                if (json_is_null(v))
                        return 0;
                if (!json_is_object(v) || depth > VL_JSON_DEPTH_MAX)
                        return check_fail(c, path);
                const char *key;
                size_t key_len;
                json_t *item;
                json_object_keylen_foreach(v, key, key_len, item) {
                        Path child = { .parent = path, .key = key, .key_len = key_len };
                        if (output_check(c, t->element, item, &child, depth + 1) < 0)
                                return -1;
                }
                return 0;
        }
        case VL_TYPE_ALIAS:
                break;
        }
        return check_fail(c, path);
}

int vl_type_check_output(const VlType *out, json_t *parameters, char **ret_path) {
        _cleanup_(check_done) Check c = { 0 };
        _cleanup_(json_decrefp) json_t *empty = NULL;

        /* A reply without parameters is checked as an empty object: fine
         * for a struct without fields, a missing field otherwise. */
        if (!parameters)
                parameters = empty = json_object();

        if (output_check(&c, out, parameters, NULL, 1) < 0) {
                if (ret_path)
                        *ret_path = TAKE_PTR(c.path);
                return -1;
        }
        return 0;
}
