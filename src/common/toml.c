/* SPDX-License-Identifier: Apache-2.0 */
#include "toml.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json-util.h"
#include "macro.h"
#include "xalloc.h"

/* How a table or array came to exist. TOML's redefinition rules depend on
 * it and the jansson tree does not record it, so the parser keeps these
 * flags on the side, keyed by node. The rules are those of Python's
 * tomllib, which passes the toml-test suite. */
enum {
        /* Defined by a [header] (or as an element of [[header]]), or by
         * dotted keys in a section that has ended: no header may name it
         * again and dotted keys may not reopen it. */
        TF_DEFINED = 1 << 0,
        /* Created or extended by dotted keys in the current section; becomes
         * TF_DEFINED at the next header. */
        TF_PENDING = 1 << 1,
        /* An inline table: complete as written, nothing may be added. */
        TF_FROZEN = 1 << 2,
        /* An array made by [[header]]; every other array is static. */
        TF_TABLE_ARRAY = 1 << 3,
};

typedef struct FlagSlot {
        const json_t *node;
        unsigned flags;
} FlagSlot;

/* Open addressing, keyed by pointer: documents may hold many tables and a
 * linear search would make parsing quadratic. */
typedef struct FlagMap {
        FlagSlot *slots;
        size_t cap, n;
} FlagMap;

typedef struct Buf {
        char *s;
        size_t len, cap;
} Buf;

typedef struct KeyPart {
        char *s;
        size_t len;
        const char *at; /* where it was written, for errors */
} KeyPart;

typedef struct Key {
        KeyPart *parts;
        size_t n, cap;
} Key;

typedef struct Parser {
        const char *text; /* start of the document, for line and column */
        const char *p;
        TomlError *error;
        bool failed;
        json_t *root;
        json_t *current; /* the table the current section writes into */
        unsigned current_depth;
        FlagMap flags;
        json_t **pending;
        size_t n_pending, cap_pending;
} Parser;

static json_t *value_parse(Parser *ps, unsigned depth);

static size_t flagmap_index(const FlagMap *m, const json_t *node) {
        uint64_t h = (uint64_t)(uintptr_t)node;
        h ^= h >> 33;
        h *= UINT64_C(0xff51afd7ed558ccd);
        h ^= h >> 33;
        size_t i = (size_t)h & (m->cap - 1);
        while (m->slots[i].node && m->slots[i].node != node)
                i = (i + 1) & (m->cap - 1);
        return i;
}

static unsigned flags_get(const FlagMap *m, const json_t *node) {
        if (m->cap == 0)
                return 0;
        return m->slots[flagmap_index(m, node)].flags;
}

static void flags_set(FlagMap *m, const json_t *node, unsigned flags) {
        if ((m->n + 1) * 2 > m->cap) {
                FlagMap bigger = { .cap = m->cap ? m->cap * 2 : 64 };
                bigger.slots = xnew0(FlagSlot, bigger.cap);
                for (size_t i = 0; i < m->cap; i++)
                        if (m->slots[i].node)
                                bigger.slots[flagmap_index(&bigger, m->slots[i].node)] =
                                        m->slots[i];
                bigger.n = m->n;
                free(m->slots);
                *m = bigger;
        }
        size_t i = flagmap_index(m, node);
        if (!m->slots[i].node) {
                m->slots[i].node = node;
                m->n++;
        }
        m->slots[i].flags = flags;
}

static void buf_add(Buf *b, const char *s, size_t n) {
        xgrow((void **)&b->s, &b->cap, b->len + n + 1, 1);
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
}

static void buf_addc(Buf *b, char c) { buf_add(b, &c, 1); }

static void key_clear(Key *k) {
        for (size_t i = 0; i < k->n; i++)
                free(k->parts[i].s);
        free(k->parts);
        *k = (Key){ 0 };
}

static bool is_ws(char c) { return c == ' ' || c == '\t'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_bare_key_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' ||
               c == '-';
}

/* Tab is the only control character TOML allows in strings and comments. */
static bool is_control(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

static int digit_value(char c, int base) {
        int v;
        if (c >= '0' && c <= '9')
                v = c - '0';
        else if (c >= 'a' && c <= 'f')
                v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
                v = c - 'A' + 10;
        else
                return -1;
        return v < base ? v : -1;
}

static void position_find(const char *text, const char *at, unsigned *ret_line,
                          unsigned *ret_column) {
        unsigned line = 1;
        const char *bol = text;
        for (const char *p = text; p < at; p++)
                if (*p == '\n') {
                        line++;
                        bol = p + 1;
                }
        *ret_line = line;
        *ret_column = (unsigned)(at - bol) + 1;
}

/* Records the first error only: once parsing fails everything unwinds. */
static _printf_(3, 4) int fail_at(Parser *ps, const char *at, const char *fmt, ...) {
        if (ps->failed)
                return -1;
        ps->failed = true;
        position_find(ps->text, at, &ps->error->line, &ps->error->column);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->error->message, sizeof ps->error->message, fmt, ap);
        va_end(ap);
        return -1;
}

/* Names the character at p for an error message. The text is valid UTF-8
 * by then, so a multi-byte character is copied whole. */
static const char *char_name(const char *p, char buf[16]) {
        unsigned char c = (unsigned char)*p;
        if (c == '\0')
                return "end of input";
        if (c == '\n')
                return "end of line";
        if (is_control(c)) {
                snprintf(buf, 16, "U+%04X", c);
                return buf;
        }
        size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        buf[0] = '`';
        memcpy(buf + 1, p, n);
        buf[n + 1] = '`';
        buf[n + 2] = '\0';
        return buf;
}

/* A key for an error message: printable, short, cut on a character
 * boundary so the message stays valid UTF-8. */
static const char *key_name(const KeyPart *k, char buf[48]) {
        size_t o = 0;
        for (size_t i = 0; i < k->len;) {
                unsigned char c = (unsigned char)k->s[i];
                size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
                if (o + n + 4 > 48) {
                        memcpy(buf + o, "...", 3);
                        o += 3;
                        break;
                }
                if (n == 1 && is_control(c))
                        buf[o++] = '?';
                else {
                        memcpy(buf + o, k->s + i, n);
                        o += n;
                }
                i += n;
        }
        buf[o] = '\0';
        return buf;
}

static const char *node_kind(const json_t *v) {
        switch (json_typeof(v)) {
        case JSON_OBJECT:
                return "a table";
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        case JSON_INTEGER:
                return "an integer";
        case JSON_REAL:
                return "a float";
        case JSON_TRUE:
        case JSON_FALSE:
                return "a boolean";
        default:
                return "a value";
        }
}

/* Returns the first byte that is not part of well-formed UTF-8 (no
 * overlong forms, no surrogates, nothing above U+10FFFF), or NULL. */
static const char *utf8_find_invalid(const char *text, size_t len) {
        const unsigned char *s = (const unsigned char *)text, *end = s + len;
        while (s < end) {
                unsigned char c = *s;
                if (c < 0x80) {
                        s++;
                        continue;
                }
                size_t n;
                unsigned char lo = 0x80, hi = 0xbf;
                if (c >= 0xc2 && c <= 0xdf)
                        n = 2;
                else if (c >= 0xe0 && c <= 0xef) {
                        n = 3;
                        if (c == 0xe0)
                                lo = 0xa0;
                        else if (c == 0xed)
                                hi = 0x9f;
                } else if (c >= 0xf0 && c <= 0xf4) {
                        n = 4;
                        if (c == 0xf0)
                                lo = 0x90;
                        else if (c == 0xf4)
                                hi = 0x8f;
                } else
                        return (const char *)s;
                if ((size_t)(end - s) < n || s[1] < lo || s[1] > hi)
                        return (const char *)s;
                for (size_t i = 2; i < n; i++)
                        if (s[i] < 0x80 || s[i] > 0xbf)
                                return (const char *)s;
                s += n;
        }
        return NULL;
}

static void utf8_encode(Buf *b, uint32_t cp) {
        char u[4];
        size_t n;
        if (cp < 0x80) {
                u[0] = (char)cp;
                n = 1;
        } else if (cp < 0x800) {
                u[0] = (char)(0xc0 | cp >> 6);
                u[1] = (char)(0x80 | (cp & 0x3f));
                n = 2;
        } else if (cp < 0x10000) {
                u[0] = (char)(0xe0 | cp >> 12);
                u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
                u[2] = (char)(0x80 | (cp & 0x3f));
                n = 3;
        } else {
                u[0] = (char)(0xf0 | cp >> 18);
                u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
                u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
                u[3] = (char)(0x80 | (cp & 0x3f));
                n = 4;
        }
        buf_add(b, u, n);
}

static void ws_skip(Parser *ps) {
        while (is_ws(*ps->p))
                ps->p++;
}

/* Consumes one newline (LF or CRLF); false when there is none. */
static bool newline_skip(Parser *ps) {
        if (*ps->p == '\n') {
                ps->p++;
                return true;
        }
        if (ps->p[0] == '\r' && ps->p[1] == '\n') {
                ps->p += 2;
                return true;
        }
        return false;
}

/* Skips a comment up to (not including) the end of its line. */
static int comment_skip(Parser *ps) {
        for (ps->p++; *ps->p && *ps->p != '\n'; ps->p++) {
                unsigned char c = (unsigned char)*ps->p;
                if (c == '\r' && ps->p[1] == '\n')
                        continue;
                if (is_control(c))
                        return fail_at(ps, ps->p, "control character U+%04X in comment", c);
        }
        return 0;
}

/* Whitespace, comments and newlines, as allowed between array elements. */
static int blank_skip(Parser *ps) {
        for (;;) {
                ws_skip(ps);
                if (*ps->p == '#') {
                        if (comment_skip(ps) < 0)
                                return -1;
                } else if (!newline_skip(ps))
                        return 0;
        }
}

/* After a key/value pair or a header only a comment may follow. */
static int line_end(Parser *ps) {
        char name[16];
        ws_skip(ps);
        if (*ps->p == '#' && comment_skip(ps) < 0)
                return -1;
        if (*ps->p == '\0' || newline_skip(ps))
                return 0;
        return fail_at(ps, ps->p, "expected end of line, found %s", char_name(ps->p, name));
}

static int escape_parse(Parser *ps, Buf *out) {
        const char *at = ps->p;
        char c = at[1];
        static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
        const char *simple = c ? strchr(from, c) : NULL;
        if (simple) {
                buf_addc(out, to[simple - from]);
                ps->p += 2;
                return 0;
        }
        if (c == 'u' || c == 'U') {
                int n = c == 'u' ? 4 : 8;
                uint32_t cp = 0;
                for (int i = 0; i < n; i++) {
                        int h = digit_value(at[2 + i], 16);
                        if (h < 0)
                                return fail_at(ps, at,
                                               "invalid unicode escape, expected %d hex "
                                               "digits after `\\%c`",
                                               n, c);
                        cp = cp << 4 | (uint32_t)h;
                }
                if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return fail_at(ps, at,
                                       "unicode escape `%.*s` is not a unicode scalar value", n + 2,
                                       at);
                utf8_encode(out, cp);
                ps->p = at + 2 + n;
                return 0;
        }
        if (c > 0x20 && c < 0x7f)
                return fail_at(ps, at, "invalid escape sequence `\\%c`", c);
        return fail_at(ps, at, "invalid escape sequence");
}

static int basic_string_parse(Parser *ps, Buf *out) {
        const char *open = ps->p++;
        for (;;) {
                unsigned char c = (unsigned char)*ps->p;
                if (c == '"') {
                        ps->p++;
                        return 0;
                }
                if (c == '\\') {
                        if (escape_parse(ps, out) < 0)
                                return -1;
                        continue;
                }
                if (c == '\0' || c == '\n' || (c == '\r' && ps->p[1] == '\n'))
                        return fail_at(ps, open, "unterminated string");
                if (is_control(c))
                        return fail_at(ps, ps->p, "control character U+%04X in string", c);
                const char *run = ps->p;
                while (*ps->p != '"' && *ps->p != '\\' && !is_control((unsigned char)*ps->p))
                        ps->p++;
                buf_add(out, run, (size_t)(ps->p - run));
        }
}

static int literal_string_parse(Parser *ps, Buf *out) {
        const char *open = ps->p++;
        const char *run = ps->p;
        for (;; ps->p++) {
                unsigned char c = (unsigned char)*ps->p;
                if (c == '\'') {
                        buf_add(out, run, (size_t)(ps->p - run));
                        ps->p++;
                        return 0;
                }
                if (c == '\0' || c == '\n' || (c == '\r' && ps->p[1] == '\n'))
                        return fail_at(ps, open, "unterminated string");
                if (is_control(c))
                        return fail_at(ps, ps->p, "control character U+%04X in string", c);
        }
}

/* Multi-line strings, both kinds. Up to two quotes may end the content
 * right before the closing delimiter (`"""a"""""` is `a""`); a sixth quote
 * is left for the caller to reject. CRLF in the content becomes LF. */
static int multiline_string_parse(Parser *ps, Buf *out) {
        const char quote = *ps->p;
        const bool basic = quote == '"';
        const char *open = ps->p;
        ps->p += 3;
        newline_skip(ps); /* a newline right after the delimiter is trimmed */
        for (;;) {
                unsigned char c = (unsigned char)*ps->p;
                if (c == (unsigned char)quote) {
                        size_t q = 0;
                        while (ps->p[q] == quote)
                                q++;
                        if (q < 3) {
                                buf_add(out, ps->p, q);
                                ps->p += q;
                                continue;
                        }
                        if (q > 5)
                                q = 5;
                        buf_add(out, ps->p, q - 3);
                        ps->p += q;
                        return 0;
                }
                if (basic && c == '\\') {
                        /* A backslash ending a line trims all whitespace and
                         * newlines up to the next other character. */
                        const char *s = ps->p + 1;
                        while (is_ws(*s))
                                s++;
                        if (*s == '\n' || (s[0] == '\r' && s[1] == '\n')) {
                                for (ps->p = s;;)
                                        if (is_ws(*ps->p))
                                                ps->p++;
                                        else if (!newline_skip(ps))
                                                break;
                                continue;
                        }
                        if (escape_parse(ps, out) < 0)
                                return -1;
                        continue;
                }
                if (c == '\0')
                        return fail_at(ps, open, "unterminated multi-line string");
                if (newline_skip(ps)) {
                        buf_addc(out, '\n');
                        continue;
                }
                if (is_control(c))
                        return fail_at(ps, ps->p, "control character U+%04X in string", c);
                const char *run = ps->p;
                while (*ps->p != quote && (!basic || *ps->p != '\\') &&
                       !is_control((unsigned char)*ps->p))
                        ps->p++;
                buf_add(out, run, (size_t)(ps->p - run));
        }
}

static json_t *string_parse(Parser *ps) {
        Buf b = { 0 };
        int r;
        const char *at = ps->p;
        if (STRPREFIX(at, "\"\"\"") || STRPREFIX(at, "'''"))
                r = multiline_string_parse(ps, &b);
        else if (*at == '"')
                r = basic_string_parse(ps, &b);
        else
                r = literal_string_parse(ps, &b);
        json_t *v = r < 0 ? NULL : json_stringn(b.s ? b.s : "", b.len);
        free(b.s);
        if (r == 0 && !v)
                fail_at(ps, at, "string is not valid UTF-8");
        return v;
}

static int key_part_parse(Parser *ps, KeyPart *ret) {
        Buf b = { 0 };
        const char *at = ps->p;
        char name[16];
        int r = 0;
        if (STRPREFIX(at, "\"\"\"") || STRPREFIX(at, "'''"))
                return fail_at(ps, at, "multi-line strings cannot be keys");
        if (*at == '"')
                r = basic_string_parse(ps, &b);
        else if (*at == '\'')
                r = literal_string_parse(ps, &b);
        else if (is_bare_key_char(*at)) {
                while (is_bare_key_char(*ps->p))
                        ps->p++;
                buf_add(&b, at, (size_t)(ps->p - at));
        } else
                return fail_at(ps, at, "expected a key, found %s", char_name(at, name));
        if (r < 0) {
                free(b.s);
                return -1;
        }
        *ret = (KeyPart){ .s = b.s ? b.s : xstrdup(""), .len = b.len, .at = at };
        return 0;
}

/* key = simple-key *( ws "." ws simple-key ), followed by optional ws. */
static int key_parse(Parser *ps, Key *k) {
        for (;;) {
                if (k->n == TOML_DEPTH_MAX)
                        return fail_at(ps, ps->p, "key has more than %d parts", TOML_DEPTH_MAX);
                KeyPart part;
                if (key_part_parse(ps, &part) < 0)
                        return -1;
                xgrow((void **)&k->parts, &k->cap, k->n + 1, sizeof(KeyPart));
                k->parts[k->n++] = part;
                ws_skip(ps);
                if (*ps->p != '.')
                        return 0;
                ps->p++;
                ws_skip(ps);
        }
}

static void pending_add(Parser *ps, json_t *table, unsigned flags) {
        if (flags & TF_PENDING)
                return;
        flags_set(&ps->flags, table, flags | TF_PENDING);
        xgrow((void **)&ps->pending, &ps->cap_pending, ps->n_pending + 1, sizeof(json_t *));
        ps->pending[ps->n_pending++] = table;
}

/* A new section begins: tables made by dotted keys in the last one are
 * now defined for good. */
static void pending_finalize(Parser *ps) {
        for (size_t i = 0; i < ps->n_pending; i++) {
                unsigned f = flags_get(&ps->flags, ps->pending[i]);
                flags_set(&ps->flags, ps->pending[i], (f & ~TF_PENDING) | TF_DEFINED);
        }
        ps->n_pending = 0;
}

/* key = value, into table (which sits at depth). */
static int keyval_parse(Parser *ps, json_t *table, unsigned depth) {
        _cleanup_(key_clear) Key k = { 0 };
        char name[48], found[16];
        if (key_parse(ps, &k) < 0)
                return -1;
        if (*ps->p != '=')
                return fail_at(ps, ps->p, "expected `=` after key, found %s",
                               char_name(ps->p, found));
        ps->p++;
        ws_skip(ps);

        json_t *t = table;
        for (size_t i = 0; i + 1 < k.n; i++) {
                const KeyPart *kp = &k.parts[i];
                json_t *child = json_object_getn(t, kp->s, kp->len);
                if (!child) {
                        child = json_object();
                        json_object_setn_new_nocheck(t, kp->s, kp->len, child);
                        pending_add(ps, child, 0);
                } else if (!json_is_object(child))
                        return fail_at(ps, kp->at, "key `%s` is already defined as %s",
                                       key_name(kp, name), node_kind(child));
                else {
                        unsigned f = flags_get(&ps->flags, child);
                        if (f & TF_FROZEN)
                                return fail_at(ps, kp->at, "cannot add keys to inline table `%s`",
                                               key_name(kp, name));
                        if (f & TF_DEFINED)
                                return fail_at(ps, kp->at, "table `%s` is already defined",
                                               key_name(kp, name));
                        pending_add(ps, child, f);
                }
                t = child;
        }
        const KeyPart *last = &k.parts[k.n - 1];
        if (json_object_getn(t, last->s, last->len))
                return fail_at(ps, last->at, "duplicate key `%s`", key_name(last, name));
        json_t *v = value_parse(ps, depth + (unsigned)k.n);
        if (!v)
                return -1;
        json_object_setn_new_nocheck(t, last->s, last->len, v);
        return 0;
}

static json_t *array_parse(Parser *ps, unsigned depth) {
        const char *open = ps->p++;
        char found[16];
        _cleanup_json_ json_t *arr = json_array();
        for (;;) {
                if (blank_skip(ps) < 0)
                        return NULL;
                if (*ps->p == ']')
                        break;
                if (*ps->p == '\0') {
                        fail_at(ps, open, "unterminated array");
                        return NULL;
                }
                json_t *v = value_parse(ps, depth + 1);
                if (!v)
                        return NULL;
                json_array_append_new(arr, v);
                if (blank_skip(ps) < 0)
                        return NULL;
                if (*ps->p == ',') {
                        ps->p++;
                        continue;
                }
                if (*ps->p == ']')
                        break;
                if (*ps->p == '\0')
                        fail_at(ps, open, "unterminated array");
                else
                        fail_at(ps, ps->p, "expected `,` or `]` in array, found %s",
                                char_name(ps->p, found));
                return NULL;
        }
        ps->p++;
        return TAKE_PTR(arr);
}

static json_t *inline_table_parse(Parser *ps, unsigned depth) {
        const char *open = ps->p++;
        char found[16];
        _cleanup_json_ json_t *t = json_object();
        ws_skip(ps);
        if (*ps->p != '}')
                for (;;) {
                        if (keyval_parse(ps, t, depth) < 0)
                                return NULL;
                        ws_skip(ps);
                        if (*ps->p == ',') {
                                ps->p++;
                                ws_skip(ps);
                                if (*ps->p == '}') {
                                        fail_at(ps, ps->p,
                                                "trailing comma is not allowed in inline table");
                                        return NULL;
                                }
                                continue;
                        }
                        if (*ps->p == '}')
                                break;
                        if (*ps->p == '\0')
                                fail_at(ps, open, "unterminated inline table");
                        else
                                fail_at(ps, ps->p, "expected `,` or `}` in inline table, found %s",
                                        char_name(ps->p, found));
                        return NULL;
                }
        ps->p++;
        flags_set(&ps->flags, t, TF_FROZEN);
        return TAKE_PTR(t);
}

/* n decimal digits into *ret; stops at the first non-digit (or NUL). */
static bool digits_read(const char *s, int n, int *ret) {
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (!is_digit(s[i]))
                        return false;
                v = v * 10 + (s[i] - '0');
        }
        *ret = v;
        return true;
}

static const char *date_scan(Parser *ps, const char *s) {
        static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        int y, m, d;
        if (!digits_read(s, 4, &y) || s[4] != '-' || !digits_read(s + 5, 2, &m) || s[7] != '-' ||
            !digits_read(s + 8, 2, &d)) {
                fail_at(ps, s, "invalid date, expected YYYY-MM-DD");
                return NULL;
        }
        if (m < 1 || m > 12) {
                fail_at(ps, s + 5, "invalid month %02d", m);
                return NULL;
        }
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (d < 1 || d > mdays[m - 1] + (m == 2 && leap)) {
                fail_at(ps, s + 8, "invalid day %02d of month %02d", d, m);
                return NULL;
        }
        return s + 10;
}

static const char *time_scan(Parser *ps, const char *s) {
        int h, m, sec;
        if (!digits_read(s, 2, &h) || s[2] != ':' || !digits_read(s + 3, 2, &m) || s[5] != ':' ||
            !digits_read(s + 6, 2, &sec)) {
                fail_at(ps, s, "invalid time, expected HH:MM:SS");
                return NULL;
        }
        if (h > 23 || m > 59 || sec > 60) { /* 60: a leap second */
                fail_at(ps, s, "time %.8s is out of range", s);
                return NULL;
        }
        s += 8;
        if (*s == '.') {
                if (!is_digit(s[1])) {
                        fail_at(ps, s, "expected digits after `.` in time");
                        return NULL;
                }
                for (s++; is_digit(*s); s++)
                        ;
        }
        return s;
}

static const char *offset_scan(Parser *ps, const char *s) {
        int h, m;
        if (*s == 'Z' || *s == 'z')
                return s + 1;
        if (*s != '+' && *s != '-')
                return s; /* a local date-time */
        if (!digits_read(s + 1, 2, &h) || s[3] != ':' || !digits_read(s + 4, 2, &m) || h > 23 ||
            m > 59) {
                fail_at(ps, s, "invalid time offset, expected +HH:MM or -HH:MM");
                return NULL;
        }
        return s + 6;
}

/* Dates and times stay the text they were written as. */
static json_t *datetime_parse(Parser *ps) {
        const char *s = ps->p, *e;
        if (s[2] == ':')
                e = time_scan(ps, s);
        else {
                e = date_scan(ps, s);
                if (e && (*e == 'T' || *e == 't' ||
                          (*e == ' ' && is_digit(e[1]) && is_digit(e[2]) && e[3] == ':'))) {
                        e = time_scan(ps, e + 1);
                        if (e)
                                e = offset_scan(ps, e);
                }
        }
        if (!e)
                return NULL;
        ps->p = e;
        return json_stringn(s, (size_t)(e - s));
}

/* DIGIT *( ["_"] DIGIT ) in base, from a digit at p; stops at the first
 * character that does not continue it (a stray underscore included). */
static const char *digits_scan(const char *p, const char *e, int base) {
        for (;;) {
                while (p < e && digit_value(*p, base) >= 0)
                        p++;
                if (p + 1 < e && *p == '_' && digit_value(p[1], base) >= 0) {
                        p++;
                        continue;
                }
                return p;
        }
}

static json_t *number_junk(Parser *ps, const char *at) {
        char found[16];
        if (*at == '_')
                fail_at(ps, at, "underscores in numbers must be between digits");
        else
                fail_at(ps, at, "invalid character %s in number", char_name(at, found));
        return NULL;
}

static json_t *prefixed_integer_parse(Parser *ps, const char *s, const char *e) {
        const int base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
        const char *p = s + 2;
        if (p == e || digit_value(*p, base) < 0) {
                fail_at(ps, p, "expected digits after `%.2s`", s);
                return NULL;
        }
        const char *end = digits_scan(p, e, base);
        if (end != e)
                return number_junk(ps, end);
        uint64_t v = 0;
        for (; p < e; p++) {
                if (*p == '_')
                        continue;
                unsigned d = (unsigned)digit_value(*p, base);
                if (v > ((uint64_t)INT64_MAX - d) / (unsigned)base) {
                        fail_at(ps, s, "integer is out of range");
                        return NULL;
                }
                v = v * (unsigned)base + d;
        }
        ps->p = e;
        return json_integer((json_int_t)v);
}

static json_t *number_parse(Parser *ps) {
        const char *s = ps->p, *e = s, *p = s;
        while (is_bare_key_char(*e) || *e == '.' || *e == '+')
                e++;
        bool neg = false;
        if (*p == '+' || *p == '-')
                neg = *p++ == '-';
        size_t rest = (size_t)(e - p);

        /* JSON has no inf and nan; they become strings. */
        if (rest == 3 && (memcmp(p, "inf", 3) == 0 || memcmp(p, "nan", 3) == 0)) {
                ps->p = e;
                return json_string(p[0] == 'n' ? "nan" : neg ? "-inf" : "inf");
        }
        if (rest >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'o' || p[1] == 'b')) {
                if (p != s) {
                        fail_at(ps, s, "hexadecimal, octal and binary integers take no sign");
                        return NULL;
                }
                return prefixed_integer_parse(ps, s, e);
        }
        if (p == e || !is_digit(*p)) {
                char found[16];
                fail_at(ps, s, "expected a value, found %s", char_name(s, found));
                return NULL;
        }
        if (p[0] == '0' && p + 1 < e && (is_digit(p[1]) || p[1] == '_')) {
                fail_at(ps, p, "leading zeros are not allowed");
                return NULL;
        }
        const char *q = digits_scan(p, e, 10);
        bool is_float = false;
        if (q < e && *q == '.') {
                is_float = true;
                if (q + 1 == e || !is_digit(q[1])) {
                        fail_at(ps, q, "expected digits after the decimal point");
                        return NULL;
                }
                q = digits_scan(q + 1, e, 10);
        }
        if (q < e && (*q == 'e' || *q == 'E')) {
                is_float = true;
                q++;
                if (q < e && (*q == '+' || *q == '-'))
                        q++;
                if (q == e || !is_digit(*q)) {
                        fail_at(ps, q, "expected digits in exponent");
                        return NULL;
                }
                q = digits_scan(q, e, 10);
        }
        if (q != e)
                return number_junk(ps, q);

        if (!is_float) {
                const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
                uint64_t v = 0;
                for (; p < e; p++) {
                        if (*p == '_')
                                continue;
                        unsigned d = (unsigned)(*p - '0');
                        if (v > (limit - d) / 10) {
                                fail_at(ps, s, "integer is out of range");
                                return NULL;
                        }
                        v = v * 10 + d;
                }
                ps->p = e;
                return json_integer(neg ? (json_int_t)(0 - v) : (json_int_t)v);
        }

        /* strtod in the C locale: the process locale may use a decimal comma. */
        _cleanup_free_ char *clean = xmalloc((size_t)(e - s) + 1);
        size_t n = 0;
        for (const char *c = s; c < e; c++)
                if (*c != '_')
                        clean[n++] = *c;
        clean[n] = '\0';
        locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
        double d = c_locale ? strtod_l(clean, NULL, c_locale) : strtod(clean, NULL);
        if (c_locale)
                freelocale(c_locale);
        if (isinf(d)) {
                fail_at(ps, s, "float is out of range");
                return NULL;
        }
        ps->p = e;
        return json_real(d);
}

static json_t *value_parse(Parser *ps, unsigned depth) {
        const char *at = ps->p;
        char found[16];
        if (depth > TOML_DEPTH_MAX) {
                fail_at(ps, at, "nesting is deeper than %d levels", TOML_DEPTH_MAX);
                return NULL;
        }
        switch (*at) {
        case '"':
        case '\'':
                return string_parse(ps);
        case '[':
                return array_parse(ps, depth);
        case '{':
                return inline_table_parse(ps, depth);
        case 't':
                if (STRPREFIX(at, "true")) {
                        ps->p += 4;
                        return json_true();
                }
                break;
        case 'f':
                if (STRPREFIX(at, "false")) {
                        ps->p += 5;
                        return json_false();
                }
                break;
        case 'i':
        case 'n':
        case '+':
        case '-':
                return number_parse(ps);
        default:
                if (is_digit(at[0]) && is_digit(at[1]) &&
                    (at[2] == ':' || (is_digit(at[2]) && is_digit(at[3]) && at[4] == '-')))
                        return datetime_parse(ps);
                if (is_digit(at[0]))
                        return number_parse(ps);
                break;
        }
        fail_at(ps, at, "expected a value, found %s", char_name(at, found));
        return NULL;
}

/* [a.b.c] or [[a.b.c]]: finds or makes the table the next section fills. */
static int header_parse(Parser *ps) {
        const char *open = ps->p;
        const bool array = open[1] == '[';
        char name[48], found[16];
        _cleanup_(key_clear) Key k = { 0 };

        ps->p += array ? 2 : 1;
        ws_skip(ps);
        if (key_parse(ps, &k) < 0)
                return -1;
        if (array ? !STRPREFIX(ps->p, "]]") : *ps->p != ']')
                return fail_at(ps, ps->p, "expected `%s` after table name, found %s",
                               array ? "]]" : "]", char_name(ps->p, found));
        ps->p += array ? 2 : 1;

        pending_finalize(ps);

        json_t *t = ps->root;
        unsigned depth = 0;
        for (size_t i = 0; i < k.n; i++) {
                const KeyPart *kp = &k.parts[i];
                const bool last = i + 1 == k.n;
                json_t *child = json_object_getn(t, kp->s, kp->len);
                unsigned f = child ? flags_get(&ps->flags, child) : 0;
                if (!child && last && array) {
                        json_t *arr = json_array();
                        json_object_setn_new_nocheck(t, kp->s, kp->len, arr);
                        flags_set(&ps->flags, arr, TF_TABLE_ARRAY);
                        child = json_object();
                        json_array_append_new(arr, child);
                        flags_set(&ps->flags, child, TF_DEFINED);
                        depth += 2;
                } else if (!child) {
                        /* Intermediate tables stay undefined: a later header
                         * may still define them, once. */
                        child = json_object();
                        json_object_setn_new_nocheck(t, kp->s, kp->len, child);
                        if (last)
                                flags_set(&ps->flags, child, TF_DEFINED);
                        depth++;
                } else if (json_is_object(child)) {
                        if (f & TF_FROZEN)
                                return fail_at(ps, kp->at, "cannot extend inline table `%s`",
                                               key_name(kp, name));
                        if (last && array)
                                return fail_at(ps, kp->at,
                                               "`%s` is already defined as a table, not an array "
                                               "of tables",
                                               key_name(kp, name));
                        if (last && (f & TF_DEFINED))
                                return fail_at(ps, kp->at, "table `%s` is already defined",
                                               key_name(kp, name));
                        if (last)
                                flags_set(&ps->flags, child, f | TF_DEFINED);
                        depth++;
                } else if (json_is_array(child) && (f & TF_TABLE_ARRAY)) {
                        if (last && !array)
                                return fail_at(ps, kp->at,
                                               "`%s` is already defined as an array of tables",
                                               key_name(kp, name));
                        if (last) {
                                json_t *elem = json_object();
                                json_array_append_new(child, elem);
                                flags_set(&ps->flags, elem, TF_DEFINED);
                                child = elem;
                        } else /* [a.b] after [[a]] continues a's last element */
                                child = json_array_get(child, json_array_size(child) - 1);
                        depth += 2;
                } else if (json_is_array(child))
                        return fail_at(ps, kp->at, "cannot extend static array `%s`",
                                       key_name(kp, name));
                else
                        return fail_at(ps, kp->at, "key `%s` is already defined as %s",
                                       key_name(kp, name), node_kind(child));
                t = child;
        }
        if (depth > TOML_DEPTH_MAX)
                return fail_at(ps, open, "tables nest deeper than %d levels", TOML_DEPTH_MAX);
        ps->current = t;
        ps->current_depth = depth;
        return 0;
}

static int document_parse(Parser *ps) {
        char found[16];
        for (;;) {
                ws_skip(ps);
                char c = *ps->p;
                if (c == '\0')
                        return 0;
                if (c == '#') {
                        if (comment_skip(ps) < 0)
                                return -1;
                } else if (newline_skip(ps))
                        continue;
                else if (c == '[') {
                        if (header_parse(ps) < 0 || line_end(ps) < 0)
                                return -1;
                } else if (c == '"' || c == '\'' || is_bare_key_char(c)) {
                        if (keyval_parse(ps, ps->current, ps->current_depth) < 0 ||
                            line_end(ps) < 0)
                                return -1;
                } else
                        return fail_at(ps, ps->p, "expected a key or a table header, found %s",
                                       char_name(ps->p, found));
        }
}

int toml_parse(const char *text, json_t **ret, TomlError *ret_error) {
        TomlError ignored;
        Parser ps = { .text = text, .p = text, .error = ret_error ? ret_error : &ignored };

        size_t len = strnlen(text, (size_t)TOML_SIZE_MAX + 1);
        if (len > TOML_SIZE_MAX)
                return fail_at(&ps, text, "document is larger than %u bytes", TOML_SIZE_MAX);
        const char *bad = utf8_find_invalid(text, len);
        if (bad)
                return fail_at(&ps, bad, "invalid UTF-8");
        if (STRPREFIX(text, "\xef\xbb\xbf")) /* a byte order mark, as editors on Windows write */
                ps.p += 3;

        _cleanup_json_ json_t *root = json_object();
        ps.root = ps.current = root;
        int r = document_parse(&ps);
        free(ps.flags.slots);
        free(ps.pending);
        if (r < 0)
                return -1;
        *ret = TAKE_PTR(root);
        return 0;
}

int toml_parse_file(const char *path, json_t **ret, Error **err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                               "open `%s`", path);

        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
                xgrow((void **)&buf, &cap, len + 4096 + 1, 1);
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return err_set(err, ERR_SYSTEM, errno, "read `%s`", path);
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > TOML_SIZE_MAX)
                        return err_set(err, ERR_LIMIT, 0, "`%s` is larger than %u bytes", path,
                                       TOML_SIZE_MAX);
        }
        buf[len] = '\0';

        /* The parser takes a C string; a NUL inside the file would silently
         * end the document early. */
        const char *nul = memchr(buf, '\0', len);
        if (nul) {
                unsigned line, column;
                position_find(buf, nul, &line, &column);
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "%s:%u:%u: control character U+0000 in document", path, line,
                               column);
        }
        TomlError e;
        if (toml_parse(buf, ret, &e) < 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s:%u:%u: %s", path, e.line, e.column,
                               e.message);
        return 0;
}
