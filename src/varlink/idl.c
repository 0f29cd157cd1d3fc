/* SPDX-License-Identifier: Apache-2.0 */
#include "varlink.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../common/xalloc.h"

/* Parser of varlink interface descriptions (https://varlink.org/Interface-Definition).
 *
 * A hand-written lexer and recursive-descent parser. Descriptions reach us
 * from our own embedded files but also from peers (a client may parse what
 * GetInterfaceDescription returns), so every recursion is bounded and every
 * whole-interface check (duplicates, name resolution) is O(n log n). */

/* Deepest nesting of type constructors ("?", "[]", "[string]", "(...)")
 * inside one declaration; keeps the recursive parser, vl_type_format() and
 * the free function off the end of the stack. */
#define IDL_TYPE_DEPTH_MAX 64u

/* Every VlType the parser makes is one of these, so the checks that run
 * after parsing can still point at the token a type came from. The VlType
 * comes first: a VlType * is an IdlType * and free() releases both. */
typedef struct IdlType {
        VlType type;
        unsigned line, column;
        size_t target; /* ALIAS: index of the typedef, once resolved */
} IdlType;

typedef enum TokenKind {
        TOKEN_EOF,
        TOKEN_WORD, /* [A-Za-z0-9_][A-Za-z0-9_.-]*, meaning decided by the parser */
        TOKEN_LPAREN,
        TOKEN_RPAREN,
        TOKEN_COMMA,
        TOKEN_COLON,
        TOKEN_LBRACKET,
        TOKEN_RBRACKET,
        TOKEN_QUESTION,
        TOKEN_ARROW,
} TokenKind;

typedef struct Token {
        TokenKind kind;
        const char *start;
        size_t len;
        unsigned line, column;
        char *doc; /* the comment block right before the token, or NULL */
} Token;

typedef struct TokenPos {
        unsigned line, column;
} TokenPos;

typedef enum DeclKind {
        DECL_TYPE,
        DECL_METHOD,
        DECL_ERROR,
} DeclKind;

/* One top-level name, for the duplicate check and type resolution. */
typedef struct Decl {
        const char *name;
        DeclKind kind;
        size_t index; /* into the interface's array of that kind */
        size_t order; /* declaration order in the file */
        unsigned line, column;
} Decl;

typedef struct Parser {
        const char *p;
        const char *end;
        const char *line_start;
        unsigned line;
        bool line_has_token;
        bool line_has_comment;

        /* The comment block being collected, lines joined with '\n'. */
        char *doc;
        size_t doc_len, doc_cap;
        bool doc_active;

        Token peeked;
        bool have_peeked;
        char *last_doc; /* doc of the token consumed last */

        VlSyntaxError *error;
        bool failed;

        VlInterface *iface;
        size_t types_cap, methods_cap, errors_cap;

        Decl *decls;
        size_t n_decls, decls_cap;

        IdlType **aliases; /* every ALIAS node, in order of appearance */
        size_t n_aliases, aliases_cap;
} Parser;

static int parser_fail(Parser *P, unsigned line, unsigned column, const char *fmt, ...)
        _printf_(4, 5);

static int parser_fail(Parser *P, unsigned line, unsigned column, const char *fmt, ...) {
        if (P->failed)
                return -1;
        P->failed = true;
        if (P->error) {
                va_list ap;
                P->error->line = line;
                P->error->column = column;
                va_start(ap, fmt);
                vsnprintf(P->error->message, sizeof P->error->message, fmt, ap);
                va_end(ap);
        }
        return -1;
}

static int parser_fail_at(Parser *P, const Token *t, const char *fmt, ...) _printf_(3, 4);

static int parser_fail_at(Parser *P, const Token *t, const char *fmt, ...) {
        if (P->failed)
                return -1;
        char msg[sizeof P->error->message];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        return parser_fail(P, t->line, t->column, "%s", msg);
}

static unsigned parser_column(const Parser *P, const char *at) {
        return (unsigned)(at - P->line_start) + 1;
}

/* ------------------------------------------------------------------ */
/* Types.                                                             */

static VlType *vl_type_free(VlType *t) {
        if (!t)
                return NULL;
        vl_type_free(t->element);
        free(t->alias);
        for (size_t i = 0; i < t->n_fields; i++) {
                free(t->fields[i].name);
                vl_type_free(t->fields[i].type);
        }
        free(t->fields);
        free(t);
        return NULL;
}
DEFINE_CLEANUP(VlType, vl_type_free)

static VlType *idl_type_new(VlTypeKind kind, const Token *t) {
        IdlType *it = xnew0(IdlType, 1);
        it->type.kind = kind;
        it->line = t->line;
        it->column = t->column;
        return &it->type;
}

static IdlType *idl_type(const VlType *t) {
        /* Only for types this parser allocated. */
        return (IdlType *)t;
}

/* ------------------------------------------------------------------ */
/* Lexer.                                                             */

static void parser_doc_reset(Parser *P) {
        P->doc_len = 0;
        P->doc_active = false;
        if (P->doc)
                P->doc[0] = '\0';
}

/* Appends one comment line; start points after the '#'. */
static void parser_doc_add(Parser *P, const char *start, const char *stop) {
        if (start < stop && *start == ' ')
                start++;
        while (stop > start && stop[-1] == '\r')
                stop--;
        size_t n = (size_t)(stop - start);
        size_t sep = P->doc_active ? 1 : 0;
        xgrow((void **)&P->doc, &P->doc_cap, P->doc_len + sep + n + 1, 1);
        if (sep)
                P->doc[P->doc_len++] = '\n';
        memcpy(P->doc + P->doc_len, start, n);
        P->doc_len += n;
        P->doc[P->doc_len] = '\0';
        P->doc_active = true;
}

/* Skips blanks and comments. A comment that starts its line belongs to the
 * doc block of the next token; a blank line or a token ends the block, and
 * a comment after a token on the same line is not documentation. */
static void parser_skip(Parser *P) {
        while (P->p < P->end) {
                char c = *P->p;
                if (c == ' ' || c == '\t' || c == '\r')
                        P->p++;
                else if (c == '\n') {
                        if (!P->line_has_token && !P->line_has_comment)
                                parser_doc_reset(P);
                        P->p++;
                        P->line++;
                        P->line_start = P->p;
                        P->line_has_token = false;
                        P->line_has_comment = false;
                } else if (c == '#') {
                        const char *nl = memchr(P->p, '\n', (size_t)(P->end - P->p));
                        const char *stop = nl ? nl : P->end;
                        if (!P->line_has_token)
                                parser_doc_add(P, P->p + 1, stop);
                        P->line_has_comment = true;
                        P->p = stop;
                } else
                        break;
        }
}

static bool char_is_word_start(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
}

static bool char_is_word(char c) { return char_is_word_start(c) || c == '-' || c == '.'; }

static int parser_lex(Parser *P, Token *ret) {
        parser_skip(P);

        Token t = {
                .start = P->p,
                .line = P->line,
                .column = parser_column(P, P->p),
        };
        if (P->p >= P->end)
                t.kind = TOKEN_EOF;
        else {
                char c = *P->p;
                t.len = 1;
                switch (c) {
                case '(':
                        t.kind = TOKEN_LPAREN;
                        break;
                case ')':
                        t.kind = TOKEN_RPAREN;
                        break;
                case ',':
                        t.kind = TOKEN_COMMA;
                        break;
                case ':':
                        t.kind = TOKEN_COLON;
                        break;
                case '[':
                        t.kind = TOKEN_LBRACKET;
                        break;
                case ']':
                        t.kind = TOKEN_RBRACKET;
                        break;
                case '?':
                        t.kind = TOKEN_QUESTION;
                        break;
                case '-':
                        if (P->p + 1 < P->end && P->p[1] == '>') {
                                t.kind = TOKEN_ARROW;
                                t.len = 2;
                                break;
                        }
                        return parser_fail(P, t.line, t.column, "unexpected '-'");
                default:
                        if (!char_is_word_start(c)) {
                                if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
                                        return parser_fail(P, t.line, t.column,
                                                           "unexpected character '%c'", c);
                                return parser_fail(P, t.line, t.column,
                                                   "unexpected character 0x%02x", (unsigned char)c);
                        }
                        /* "F->()" is a name and an arrow, not a name "F-". */
                        t.kind = TOKEN_WORD;
                        while (P->p + t.len < P->end && char_is_word(P->p[t.len]) &&
                               !(P->p[t.len] == '-' && P->p + t.len + 1 < P->end &&
                                 P->p[t.len + 1] == '>'))
                                t.len++;
                }
                P->p += t.len;
                P->line_has_token = true;
        }

        if (P->doc_active)
                t.doc = xstrndup(P->doc, P->doc_len);
        parser_doc_reset(P);

        *ret = t;
        return 0;
}

static int parser_peek(Parser *P, const Token **ret) {
        if (!P->have_peeked) {
                if (parser_lex(P, &P->peeked) < 0)
                        return -1;
                P->have_peeked = true;
        }
        *ret = &P->peeked;
        return 0;
}

/* Consumes the next token; its doc stays in P->last_doc until the next one. */
static int parser_next(Parser *P, Token *ret) {
        const Token *t;
        if (parser_peek(P, &t) < 0)
                return -1;
        *ret = *t;
        P->have_peeked = false;
        free(P->last_doc);
        P->last_doc = TAKE_PTR(P->peeked.doc);
        ret->doc = NULL;
        return 0;
}

static bool token_is(const Token *t, const char *word) {
        return t->kind == TOKEN_WORD && t->len == strlen(word) &&
               memcmp(t->start, word, t->len) == 0;
}

static const char *token_describe(const Token *t) {
        switch (t->kind) {
        case TOKEN_EOF:
                return "end of input";
        case TOKEN_WORD:
                return "a word";
        case TOKEN_LPAREN:
                return "'('";
        case TOKEN_RPAREN:
                return "')'";
        case TOKEN_COMMA:
                return "','";
        case TOKEN_COLON:
                return "':'";
        case TOKEN_LBRACKET:
                return "'['";
        case TOKEN_RBRACKET:
                return "']'";
        case TOKEN_QUESTION:
                return "'?'";
        case TOKEN_ARROW:
                return "'->'";
        }
        return "a token";
}

static int parser_expect(Parser *P, TokenKind kind, const char *what) {
        Token t;
        if (parser_next(P, &t) < 0)
                return -1;
        if (t.kind != kind)
                return parser_fail_at(P, &t, "expected %s, got %s", what, token_describe(&t));
        return 0;
}

/* ------------------------------------------------------------------ */
/* Names.                                                             */

/* Type, method and error names: [A-Z][A-Za-z0-9]*. */
static bool name_is_valid(const char *s, size_t len) {
        if (len == 0 || !(s[0] >= 'A' && s[0] <= 'Z'))
                return false;
        for (size_t i = 1; i < len; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                      (s[i] >= '0' && s[i] <= '9')))
                        return false;
        return true;
}

static bool char_is_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Field names and enum values: [A-Za-z](_?[A-Za-z0-9])*, which covers the
 * snake_case and camelCase names of io.podman (image_name, parentId). */
static bool field_name_is_valid(const char *s, size_t len) {
        if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
                return false;
        for (size_t i = 1; i < len; i++) {
                if (s[i] == '_') {
                        if (i + 1 == len || !char_is_alnum(s[i + 1]))
                                return false;
                } else if (!char_is_alnum(s[i]))
                        return false;
        }
        return true;
}

/* varlink.org: [A-Za-z]([-]*[A-Za-z0-9])*(\.[A-Za-z0-9]([-]*[A-Za-z0-9])*)+,
 * at most 255 characters (a domain name). */
static bool interface_name_is_valid(const char *s, size_t len) {
        size_t segments = 0;
        size_t i = 0;

        if (len == 0 || len > 255)
                return false;
        while (i < len) {
                size_t start = i;
                while (i < len && s[i] != '.')
                        i++;
                if (i == start)
                        return false;
                if (segments == 0 &&
                    !((s[start] >= 'a' && s[start] <= 'z') || (s[start] >= 'A' && s[start] <= 'Z')))
                        return false;
                if (s[start] == '-' || s[i - 1] == '-')
                        return false;
                for (size_t j = start; j < i; j++)
                        if (!char_is_alnum(s[j]) && s[j] != '-')
                                return false;
                segments++;
                if (i < len) {
                        i++; /* the dot */
                        if (i == len)
                                return false;
                }
        }
        return segments >= 2;
}

/* Returns the position of the first name (in the given order) that repeats
 * an earlier one, or -1. Sorting keeps hostile inputs with many names from
 * making this quadratic. */
typedef struct NameRef {
        const char *name;
        size_t order;
} NameRef;

static int name_ref_compare(const void *a, const void *b) {
        const NameRef *x = a, *y = b;
        int r = strcmp(x->name, y->name);
        if (r != 0)
                return r;
        return x->order < y->order ? -1 : x->order > y->order;
}

static ssize_t names_find_duplicate(NameRef *refs, size_t n) {
        ssize_t found = -1;
        qsort(refs, n, sizeof *refs, name_ref_compare);
        for (size_t i = 1; i < n; i++)
                if (STREQ(refs[i - 1].name, refs[i].name) &&
                    (found < 0 || refs[i].order < (size_t)found))
                        found = (ssize_t)refs[i].order;
        return found;
}

/* ------------------------------------------------------------------ */
/* Type expressions.                                                  */

static int parser_parse_type(Parser *P, unsigned depth, VlType **ret);

/* Parses the inside of "(...)" after the "(": a struct of "name: type"
 * fields or an enum of names. An empty "()" is a struct. */
static int parser_parse_fields(Parser *P, const Token *open, unsigned depth, VlType **ret) {
        _cleanup_(vl_type_freep) VlType *t = idl_type_new(VL_TYPE_STRUCT, open);
        _cleanup_free_ TokenPos *pos = NULL;
        size_t cap = 0, pos_cap = 0;
        const Token *peek;
        Token name, sep;

        if (depth > IDL_TYPE_DEPTH_MAX)
                return parser_fail_at(P, open, "type nested too deeply");

        if (parser_peek(P, &peek) < 0)
                return -1;
        if (peek->kind == TOKEN_RPAREN) {
                if (parser_next(P, &sep) < 0)
                        return -1;
                *ret = TAKE_PTR(t);
                return 0;
        }

        for (;;) {
                if (parser_next(P, &name) < 0)
                        return -1;
                if (name.kind != TOKEN_WORD)
                        return parser_fail_at(P, &name, "expected a field name, got %s",
                                              token_describe(&name));
                if (!field_name_is_valid(name.start, name.len))
                        return parser_fail_at(P, &name, "invalid field name `%.*s`", (int)name.len,
                                              name.start);

                if (parser_peek(P, &peek) < 0)
                        return -1;
                if (t->n_fields == 0 && peek->kind != TOKEN_COLON)
                        t->kind = VL_TYPE_ENUM;

                xgrow((void **)&t->fields, &cap, t->n_fields + 1, sizeof *t->fields);
                xgrow((void **)&pos, &pos_cap, t->n_fields + 1, sizeof *pos);
                VlField *f = &t->fields[t->n_fields];
                *f = (VlField){ .name = xstrndup(name.start, name.len) };
                pos[t->n_fields] = (TokenPos){ name.line, name.column };
                t->n_fields++;

                if (t->kind == VL_TYPE_STRUCT) {
                        if (parser_expect(P, TOKEN_COLON, "':'") < 0)
                                return -1;
                        if (parser_parse_type(P, depth + 1, &f->type) < 0)
                                return -1;
                } else if (peek->kind == TOKEN_COLON)
                        return parser_fail_at(P, peek, "enum values have no type");

                if (parser_next(P, &sep) < 0)
                        return -1;
                if (sep.kind == TOKEN_RPAREN)
                        break;
                if (sep.kind != TOKEN_COMMA)
                        return parser_fail_at(P, &sep, "expected ',' or ')', got %s",
                                              token_describe(&sep));
                if (parser_peek(P, &peek) < 0)
                        return -1;
                if (peek->kind == TOKEN_RPAREN)
                        return parser_fail_at(P, &sep, "trailing comma");
        }

        _cleanup_free_ NameRef *refs = xnew0(NameRef, t->n_fields);
        for (size_t i = 0; i < t->n_fields; i++)
                refs[i] = (NameRef){ .name = t->fields[i].name, .order = i };
        ssize_t dup = names_find_duplicate(refs, t->n_fields);
        if (dup >= 0)
                return parser_fail(P, pos[dup].line, pos[dup].column,
                                   t->kind == VL_TYPE_ENUM ? "duplicate enum value `%s`"
                                                           : "duplicate field `%s`",
                                   t->fields[dup].name);

        *ret = TAKE_PTR(t);
        return 0;
}

static int parser_parse_type(Parser *P, unsigned depth, VlType **ret) {
        static const struct {
                const char *word;
                VlTypeKind kind;
        } builtins[] = {
                { "bool", VL_TYPE_BOOL },     { "int", VL_TYPE_INT },
                { "float", VL_TYPE_FLOAT },   { "string", VL_TYPE_STRING },
                { "object", VL_TYPE_OBJECT },
        };
        _cleanup_(vl_type_freep) VlType *t = NULL;
        const Token *peek;
        Token tok;

        if (parser_next(P, &tok) < 0)
                return -1;
        if (depth > IDL_TYPE_DEPTH_MAX)
                return parser_fail_at(P, &tok, "type nested too deeply");

        switch (tok.kind) {
        case TOKEN_QUESTION:
                if (parser_peek(P, &peek) < 0)
                        return -1;
                if (peek->kind == TOKEN_QUESTION)
                        return parser_fail_at(P, peek, "'?' cannot be nested");
                t = idl_type_new(VL_TYPE_MAYBE, &tok);
                if (parser_parse_type(P, depth + 1, &t->element) < 0)
                        return -1;
                break;

        case TOKEN_LBRACKET: {
                Token key;
                if (parser_next(P, &key) < 0)
                        return -1;
                if (key.kind == TOKEN_RBRACKET)
                        t = idl_type_new(VL_TYPE_ARRAY, &tok);
                else if (token_is(&key, "string")) {
                        if (parser_expect(P, TOKEN_RBRACKET, "']'") < 0)
                                return -1;
                        t = idl_type_new(VL_TYPE_MAP, &tok);
                } else if (key.kind == TOKEN_WORD)
                        return parser_fail_at(P, &key, "map keys must be string, not `%.*s`",
                                              (int)key.len, key.start);
                else
                        return parser_fail_at(P, &key, "expected ']' or 'string]', got %s",
                                              token_describe(&key));
                if (parser_parse_type(P, depth + 1, &t->element) < 0)
                        return -1;
                break;
        }

        case TOKEN_LPAREN:
                if (parser_parse_fields(P, &tok, depth, &t) < 0)
                        return -1;
                break;

        case TOKEN_WORD:
                for (size_t i = 0; i < ELEMENTSOF(builtins); i++)
                        if (token_is(&tok, builtins[i].word))
                                t = idl_type_new(builtins[i].kind, &tok);
                if (t)
                        break;
                if (!name_is_valid(tok.start, tok.len))
                        return parser_fail_at(P, &tok, "invalid type `%.*s`", (int)tok.len,
                                              tok.start);
                t = idl_type_new(VL_TYPE_ALIAS, &tok);
                t->alias = xstrndup(tok.start, tok.len);
                xgrow((void **)&P->aliases, &P->aliases_cap, P->n_aliases + 1, sizeof *P->aliases);
                P->aliases[P->n_aliases++] = idl_type(t);
                break;

        default:
                return parser_fail_at(P, &tok, "expected a type, got %s", token_describe(&tok));
        }

        *ret = TAKE_PTR(t);
        return 0;
}

/* A "(...)" that must be a struct: method input and output, errors. */
static int parser_parse_struct(Parser *P, const char *what, VlType **ret) {
        _cleanup_(vl_type_freep) VlType *t = NULL;
        Token open;

        if (parser_next(P, &open) < 0)
                return -1;
        if (open.kind != TOKEN_LPAREN)
                return parser_fail_at(P, &open, "expected '(', got %s", token_describe(&open));
        if (parser_parse_fields(P, &open, 1, &t) < 0)
                return -1;
        if (t->kind != VL_TYPE_STRUCT)
                return parser_fail_at(P, &open, "%s must be a struct, not an enum", what);
        *ret = TAKE_PTR(t);
        return 0;
}

/* ------------------------------------------------------------------ */
/* Declarations.                                                      */

static int parser_parse_name(Parser *P, const char *what, Token *ret) {
        if (parser_next(P, ret) < 0)
                return -1;
        if (ret->kind != TOKEN_WORD)
                return parser_fail_at(P, ret, "expected %s name, got %s", what,
                                      token_describe(ret));
        if (!name_is_valid(ret->start, ret->len))
                return parser_fail_at(P, ret, "invalid %s name `%.*s`", what, (int)ret->len,
                                      ret->start);
        return 0;
}

static void parser_add_decl(Parser *P, DeclKind kind, size_t index, const char *name,
                            const Token *t) {
        xgrow((void **)&P->decls, &P->decls_cap, P->n_decls + 1, sizeof *P->decls);
        P->decls[P->n_decls] = (Decl){
                .name = name,
                .kind = kind,
                .index = index,
                .order = P->n_decls,
                .line = t->line,
                .column = t->column,
        };
        P->n_decls++;
}

static int parser_parse_typedef(Parser *P, char *doc) {
        _cleanup_free_ char *d = doc;
        _cleanup_(vl_type_freep) VlType *t = NULL;
        VlInterface *iface = P->iface;
        const Token *peek;
        Token name;

        if (parser_parse_name(P, "type", &name) < 0)
                return -1;
        if (parser_peek(P, &peek) < 0)
                return -1;
        if (peek->kind != TOKEN_LPAREN)
                return parser_fail_at(P, peek, "expected '(', got %s", token_describe(peek));
        if (parser_parse_type(P, 1, &t) < 0)
                return -1;

        xgrow((void **)&iface->types, &P->types_cap, iface->n_types + 1, sizeof *iface->types);
        VlTypedef *td = &iface->types[iface->n_types++];
        *td = (VlTypedef){
                .name = xstrndup(name.start, name.len),
                .doc = TAKE_PTR(d),
                .type = TAKE_PTR(t),
        };
        parser_add_decl(P, DECL_TYPE, iface->n_types - 1, td->name, &name);
        return 0;
}

static int parser_parse_method(Parser *P, char *doc) {
        _cleanup_free_ char *d = doc;
        _cleanup_(vl_type_freep) VlType *in = NULL, *out = NULL;
        VlInterface *iface = P->iface;
        Token name;

        if (parser_parse_name(P, "method", &name) < 0)
                return -1;
        if (parser_parse_struct(P, "method input", &in) < 0)
                return -1;
        if (parser_expect(P, TOKEN_ARROW, "'->'") < 0)
                return -1;
        if (parser_parse_struct(P, "method output", &out) < 0)
                return -1;

        xgrow((void **)&iface->methods, &P->methods_cap, iface->n_methods + 1,
              sizeof *iface->methods);
        VlMethod *m = &iface->methods[iface->n_methods++];
        *m = (VlMethod){
                .name = xstrndup(name.start, name.len),
                .doc = TAKE_PTR(d),
                .in = TAKE_PTR(in),
                .out = TAKE_PTR(out),
        };
        parser_add_decl(P, DECL_METHOD, iface->n_methods - 1, m->name, &name);
        return 0;
}

static int parser_parse_error(Parser *P, char *doc) {
        _cleanup_free_ char *d = doc;
        _cleanup_(vl_type_freep) VlType *t = NULL;
        VlInterface *iface = P->iface;
        Token name;

        if (parser_parse_name(P, "error", &name) < 0)
                return -1;
        if (parser_parse_struct(P, "error", &t) < 0)
                return -1;

        xgrow((void **)&iface->errors, &P->errors_cap, iface->n_errors + 1, sizeof *iface->errors);
        VlErrorDef *e = &iface->errors[iface->n_errors++];
        *e = (VlErrorDef){
                .name = xstrndup(name.start, name.len),
                .doc = TAKE_PTR(d),
                .type = TAKE_PTR(t),
        };
        parser_add_decl(P, DECL_ERROR, iface->n_errors - 1, e->name, &name);
        return 0;
}

static int parser_parse_interface(Parser *P) {
        Token t;

        if (parser_next(P, &t) < 0)
                return -1;
        if (!token_is(&t, "interface"))
                return parser_fail_at(P, &t, "expected `interface`, got %s", token_describe(&t));
        P->iface->doc = TAKE_PTR(P->last_doc);

        if (parser_next(P, &t) < 0)
                return -1;
        if (t.kind != TOKEN_WORD)
                return parser_fail_at(P, &t, "expected an interface name, got %s",
                                      token_describe(&t));
        if (!interface_name_is_valid(t.start, t.len))
                return parser_fail_at(P, &t, "invalid interface name `%.*s`", (int)t.len, t.start);
        P->iface->name = xstrndup(t.start, t.len);

        for (;;) {
                int r;

                if (parser_next(P, &t) < 0)
                        return -1;
                if (t.kind == TOKEN_EOF)
                        break;
                if (token_is(&t, "type"))
                        r = parser_parse_typedef(P, TAKE_PTR(P->last_doc));
                else if (token_is(&t, "method"))
                        r = parser_parse_method(P, TAKE_PTR(P->last_doc));
                else if (token_is(&t, "error"))
                        r = parser_parse_error(P, TAKE_PTR(P->last_doc));
                else
                        return parser_fail_at(P, &t, "expected `type`, `method` or `error`, got %s",
                                              token_describe(&t));
                if (r < 0)
                        return r;
        }

        /* varlink.org's grammar wants at least one member. */
        if (P->n_decls == 0)
                return parser_fail_at(P, &t, "interface declares nothing");
        return 0;
}

/* ------------------------------------------------------------------ */
/* Whole-interface checks.                                            */

static int decl_compare_name(const void *a, const void *b) {
        const Decl *x = a, *y = b;
        int r = strcmp(x->name, y->name);
        if (r != 0)
                return r;
        return x->order < y->order ? -1 : x->order > y->order;
}

static int decl_compare_key(const void *key, const void *elem) {
        return strcmp(key, ((const Decl *)elem)->name);
}

/* Types, methods and errors share one namespace. Reports the duplicate that
 * comes first in the file. Leaves P->decls sorted by name. */
static int parser_check_duplicates(Parser *P) {
        const Decl *found = NULL;

        qsort(P->decls, P->n_decls, sizeof *P->decls, decl_compare_name);
        for (size_t i = 1; i < P->n_decls; i++)
                if (STREQ(P->decls[i - 1].name, P->decls[i].name) &&
                    (!found || P->decls[i].order < found->order))
                        found = &P->decls[i];
        if (found)
                return parser_fail(P, found->line, found->column, "duplicate name `%s`",
                                   found->name);
        return 0;
}

static int parser_resolve_aliases(Parser *P) {
        for (size_t i = 0; i < P->n_aliases; i++) {
                IdlType *a = P->aliases[i];
                const Decl *d = bsearch(a->type.alias, P->decls, P->n_decls, sizeof *P->decls,
                                        decl_compare_key);
                if (!d)
                        return parser_fail(P, a->line, a->column, "unknown type `%s`",
                                           a->type.alias);
                if (d->kind != DECL_TYPE)
                        return parser_fail(P, a->line, a->column, "`%s` is %s, not a type",
                                           a->type.alias,
                                           d->kind == DECL_METHOD ? "a method" : "an error");
                a->target = d->index;
                a->type.resolved = P->iface->types[d->index].type;
        }
        return 0;
}

typedef struct EmbedState {
        unsigned char *state; /* per typedef: 0 new, 1 on the path, 2 done */
        unsigned *depth;      /* per typedef, when done */
} EmbedState;

/* Computes how many levels of nesting the zero value of type t has, the
 * value validate.c fills in for an absent field: a struct holds the zero
 * values of its fields (directly or through named types), an array or map
 * is one empty level, while ?T, enums and scalars add none. A named type
 * on its own chain has no finite zero value (Go refuses such a type too),
 * and one deeper than VL_JSON_DEPTH_MAX could never be filled. level is
 * the number of levels above t, which also bounds this recursion. */
static int parser_embed_depth(Parser *P, EmbedState *s, const VlType *t, unsigned level,
                              unsigned *ret) {
        unsigned max = 0;

        switch (t->kind) {
        case VL_TYPE_ALIAS: {
                const IdlType *a = idl_type(t);
                size_t i = a->target;
                if (s->state[i] == 1)
                        return parser_fail(P, a->line, a->column, "type `%s` contains itself",
                                           t->alias);
                if (s->state[i] == 0) {
                        s->state[i] = 1;
                        if (parser_embed_depth(P, s, t->resolved, level, &s->depth[i]) < 0)
                                return -1;
                        s->state[i] = 2;
                }
                if (level + s->depth[i] > VL_JSON_DEPTH_MAX)
                        return parser_fail(P, a->line, a->column, "type `%s` nests too deeply",
                                           t->alias);
                *ret = s->depth[i];
                return 0;
        }
        case VL_TYPE_STRUCT:
                if (level + 1 > VL_JSON_DEPTH_MAX)
                        return parser_fail(P, idl_type(t)->line, idl_type(t)->column,
                                           "structs nested too deeply");
                for (size_t i = 0; i < t->n_fields; i++) {
                        unsigned d;
                        if (parser_embed_depth(P, s, t->fields[i].type, level + 1, &d) < 0)
                                return -1;
                        if (d > max)
                                max = d;
                }
                *ret = max + 1;
                return 0;
        case VL_TYPE_ARRAY:
        case VL_TYPE_MAP:
                if (level + 1 > VL_JSON_DEPTH_MAX)
                        return parser_fail(P, idl_type(t)->line, idl_type(t)->column,
                                           "type nested too deeply");
                *ret = 1;
                return 0;
        default:
                *ret = 0;
                return 0;
        }
}

static int parser_check_embedding(Parser *P) {
        const VlInterface *iface = P->iface;
        _cleanup_free_ unsigned char *state = xnew0(unsigned char, iface->n_types);
        _cleanup_free_ unsigned *depth = xnew0(unsigned, iface->n_types);
        EmbedState s = { .state = state, .depth = depth };
        unsigned d;

        for (size_t i = 0; i < iface->n_types; i++) {
                if (state[i] != 0)
                        continue;
                state[i] = 1;
                if (parser_embed_depth(P, &s, iface->types[i].type, 0, &depth[i]) < 0)
                        return -1;
                state[i] = 2;
        }
        for (size_t i = 0; i < iface->n_methods; i++)
                if (parser_embed_depth(P, &s, iface->methods[i].in, 0, &d) < 0 ||
                    parser_embed_depth(P, &s, iface->methods[i].out, 0, &d) < 0)
                        return -1;
        for (size_t i = 0; i < iface->n_errors; i++)
                if (parser_embed_depth(P, &s, iface->errors[i].type, 0, &d) < 0)
                        return -1;
        return 0;
}

/* ------------------------------------------------------------------ */
/* Input checks.                                                      */

/* Length of the valid UTF-8 sequence at s[0] (of size bytes left), or 0:
 * no overlong forms, surrogates or values past U+10FFFF. */
static size_t utf8_sequence_len(const unsigned char *s, size_t size) {
        size_t n;
        unsigned cp;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf) {
                n = 2;
                cp = s[0] & 0x1f;
        } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
                n = 3;
                cp = s[0] & 0x0f;
        } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
                n = 4;
                cp = s[0] & 0x07;
        } else
                return 0;
        if (size < n)
                return 0;
        for (size_t k = 1; k < n; k++) {
                if ((s[k] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[k] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

/* The description is served as a JSON string, and jansson refuses
 * invalid UTF-8, so reject it here rather than fail later on the wire.
 * Control characters other than tab, CR and LF are refused too. */
static int parser_check_text(Parser *P, const char *text, size_t size) {
        const unsigned char *s = (const unsigned char *)text;
        unsigned line = 1;
        size_t line_start = 0;

        for (size_t i = 0; i < size;) {
                unsigned char c = s[i];
                unsigned column = (unsigned)(i - line_start) + 1;

                if (c == '\n') {
                        line++;
                        line_start = ++i;
                        continue;
                }
                if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
                        return parser_fail(P, line, column, "control character 0x%02x", c);
                size_t n = utf8_sequence_len(s + i, size - i);
                if (n == 0)
                        return parser_fail(P, line, column, "invalid utf-8");
                i += n;
        }
        return 0;
}

static void parser_done(Parser *P) {
        free(P->doc);
        free(P->last_doc);
        if (P->have_peeked)
                free(P->peeked.doc);
        free(P->decls);
        free(P->aliases);
}

int vl_interface_parse(VlInterface **ret, const char *text, VlSyntaxError *ret_error) {
        _cleanup_(vl_interface_freep) VlInterface *iface = NULL;
        _cleanup_(parser_done) Parser P = {
                .line = 1,
                .error = ret_error,
        };

        if (!text)
                return parser_fail(&P, 1, 1, "no description");
        /* strnlen: a hostile description is not scanned past the limit. */
        size_t size = strnlen(text, VL_IDL_SIZE_MAX + 1);
        if (size > VL_IDL_SIZE_MAX)
                return parser_fail(&P, 1, 1, "description larger than %u bytes", VL_IDL_SIZE_MAX);
        if (parser_check_text(&P, text, size) < 0)
                return -1;

        iface = xnew0(VlInterface, 1);
        iface->description = xstrndup(text, size);
        P.iface = iface;
        P.p = iface->description;
        P.end = iface->description + size;
        P.line_start = P.p;

        if (parser_parse_interface(&P) < 0 || parser_check_duplicates(&P) < 0 ||
            parser_resolve_aliases(&P) < 0 || parser_check_embedding(&P) < 0)
                return -1;

        *ret = TAKE_PTR(iface);
        return 0;
}

VlInterface *vl_interface_free(VlInterface *iface) {
        if (!iface)
                return NULL;
        for (size_t i = 0; i < iface->n_types; i++) {
                free(iface->types[i].name);
                free(iface->types[i].doc);
                vl_type_free(iface->types[i].type);
        }
        for (size_t i = 0; i < iface->n_methods; i++) {
                free(iface->methods[i].name);
                free(iface->methods[i].doc);
                vl_type_free(iface->methods[i].in);
                vl_type_free(iface->methods[i].out);
        }
        for (size_t i = 0; i < iface->n_errors; i++) {
                free(iface->errors[i].name);
                free(iface->errors[i].doc);
                vl_type_free(iface->errors[i].type);
        }
        free(iface->types);
        free(iface->methods);
        free(iface->errors);
        free(iface->name);
        free(iface->doc);
        free(iface->description);
        free(iface);
        return NULL;
}

const VlMethod *vl_interface_find_method(const VlInterface *iface, const char *name) {
        for (size_t i = 0; iface && name && i < iface->n_methods; i++)
                if (STREQ(iface->methods[i].name, name))
                        return &iface->methods[i];
        return NULL;
}

const VlTypedef *vl_interface_find_type(const VlInterface *iface, const char *name) {
        for (size_t i = 0; iface && name && i < iface->n_types; i++)
                if (STREQ(iface->types[i].name, name))
                        return &iface->types[i];
        return NULL;
}

const VlErrorDef *vl_interface_find_error(const VlInterface *iface, const char *name) {
        for (size_t i = 0; iface && name && i < iface->n_errors; i++)
                if (STREQ(iface->errors[i].name, name))
                        return &iface->errors[i];
        return NULL;
}

/* ------------------------------------------------------------------ */
/* Formatting.                                                        */

typedef struct Buf {
        char *s;
        size_t len, cap;
} Buf;

static void buf_add(Buf *b, const char *s) {
        size_t n = strlen(s);
        xgrow((void **)&b->s, &b->cap, b->len + n + 1, 1);
        memcpy(b->s + b->len, s, n + 1);
        b->len += n;
}

static void type_format(Buf *b, const VlType *t) {
        switch (t->kind) {
        case VL_TYPE_BOOL:
                buf_add(b, "bool");
                break;
        case VL_TYPE_INT:
                buf_add(b, "int");
                break;
        case VL_TYPE_FLOAT:
                buf_add(b, "float");
                break;
        case VL_TYPE_STRING:
                buf_add(b, "string");
                break;
        case VL_TYPE_OBJECT:
                buf_add(b, "object");
                break;
        case VL_TYPE_ALIAS:
                buf_add(b, t->alias);
                break;
        case VL_TYPE_ARRAY:
                buf_add(b, "[]");
                type_format(b, t->element);
                break;
        case VL_TYPE_MAP:
                buf_add(b, "[string]");
                type_format(b, t->element);
                break;
        case VL_TYPE_MAYBE:
                buf_add(b, "?");
                type_format(b, t->element);
                break;
        case VL_TYPE_ENUM:
        case VL_TYPE_STRUCT:
                buf_add(b, "(");
                for (size_t i = 0; i < t->n_fields; i++) {
                        if (i > 0)
                                buf_add(b, ", ");
                        buf_add(b, t->fields[i].name);
                        if (t->kind == VL_TYPE_STRUCT) {
                                buf_add(b, ": ");
                                type_format(b, t->fields[i].type);
                        }
                }
                buf_add(b, ")");
                break;
        }
}

char *vl_type_format(const VlType *type) {
        Buf b = { 0 };

        if (!type)
                return NULL;
        buf_add(&b, "");
        type_format(&b, type);
        return b.s;
}
