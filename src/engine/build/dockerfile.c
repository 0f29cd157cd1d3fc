/* SPDX-License-Identifier: Apache-2.0 */
/* The Dockerfile parser and word expander (dockerfile.h), after the rules
 * of Docker's and buildah's parsers: continuation lines are joined as they
 * are (only the backslash and the newline go), comment lines inside a
 * continuation are dropped, and an argument starting with '[' that is a
 * JSON array of strings is the exec form, anything else the shell form. */
#include <ctype.h>
#include <string.h>

#include "dockerfile.h"
#include "json-util.h"
#include "xalloc.h"

static const char *const keywords[] = {
        "ADD",    "ARG",   "CMD",         "COPY",  "ENTRYPOINT", "ENV",
        "EXPOSE", "FROM",  "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
        "RUN",    "SHELL", "STOPSIGNAL",  "USER",  "VOLUME",     "WORKDIR",
};

/* Instructions whose leading "--x" words are flags rather than arguments. */
static const char *const flagged[] = { "FROM", "RUN", "COPY", "ADD" };

size_t dockerfile_strv_length(char *const *v) {
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

static void strv_push(char ***v, size_t *n, char *s) {
        *v = xrealloc(*v, (*n + 2) * sizeof(char *));
        (*v)[(*n)++] = s;
        (*v)[*n] = NULL;
}

Dockerfile *dockerfile_free(Dockerfile *d) {
        if (!d)
                return NULL;
        for (size_t i = 0; i < d->n; i++) {
                DockerfileInstruction *in = &d->items[i];
                free(in->keyword);
                strv_free(in->flags);
                free(in->args);
                strv_free(in->exec);
                free(in->text);
        }
        free(d->items);
        free(d);
        return NULL;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* A growing string. */
typedef struct Buf {
        char *data;
        size_t len, cap;
} Buf;

static void buf_add(Buf *b, const char *s, size_t n) {
        xgrow((void **)&b->data, &b->cap, b->len + n + 1, 1);
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
}

static char *buf_take(Buf *b) {
        if (!b->data)
                return xstrdup("");
        char *s = b->data;
        *b = (Buf){ 0 };
        return s;
}

/* The exec form: a JSON array of strings, else NULL (the shell form). */
static char **exec_form_parse(const char *args) {
        if (args[0] != '[')
                return NULL;
        _cleanup_json_ json_t *a = json_loads(args, 0, NULL);
        if (!json_is_array(a))
                return NULL;
        size_t i;
        json_t *v;
        json_array_foreach (a, i, v)
                if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
                        return NULL;
        char **out = xnew0(char *, json_array_size(a) + 1);
        json_array_foreach (a, i, v)
                out[i] = xstrdup(json_string_value(v));
        return out;
}

/* Splits "keyword args" into the instruction. */
static int instruction_make(DockerfileInstruction *in, unsigned line, const char *logical,
                            Error **err) {
        const char *p = logical;
        while (is_blank(*p))
                p++;
        size_t klen = 0;
        while (p[klen] && !is_blank(p[klen]))
                klen++;
        in->line = line;
        in->keyword = xstrndup(p, klen);
        for (char *k = in->keyword; *k; k++)
                *k = (char)toupper((unsigned char)*k);
        bool known = false;
        for (size_t i = 0; i < ELEMENTSOF(keywords) && !known; i++)
                known = STREQ(in->keyword, keywords[i]);
        if (!known)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "Dockerfile:%u: unknown instruction: %s", line, in->keyword);
        p += klen;

        bool has_flags = false;
        for (size_t i = 0; i < ELEMENTSOF(flagged) && !has_flags; i++)
                has_flags = STREQ(in->keyword, flagged[i]);
        size_t nflags = 0;
        in->flags = xnew0(char *, 1);
        for (;;) {
                while (is_blank(*p))
                        p++;
                if (!has_flags || !STRPREFIX(p, "--"))
                        break;
                size_t flen = 0;
                while (p[flen] && !is_blank(p[flen]))
                        flen++;
                strv_push(&in->flags, &nflags, xstrndup(p, flen));
                p += flen;
        }
        size_t alen = strlen(p);
        while (alen > 0 && is_blank(p[alen - 1]))
                alen--;
        in->args = xstrndup(p, alen);
        if (!*in->args)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "Dockerfile:%u: %s requires at least one argument", line,
                               in->keyword);
        in->exec = exec_form_parse(in->args);

        Buf t = { 0 };
        buf_add(&t, in->keyword, strlen(in->keyword));
        for (size_t i = 0; i < nflags; i++) {
                buf_add(&t, " ", 1);
                buf_add(&t, in->flags[i], strlen(in->flags[i]));
        }
        buf_add(&t, " ", 1);
        buf_add(&t, in->args, strlen(in->args));
        in->text = buf_take(&t);
        return 0;
}

/* True when the line, without trailing blanks, ends in a backslash; its
 * length without the backslash in *ret_len. */
static bool line_continues(const char *s, size_t len, size_t *ret_len) {
        while (len > 0 && is_blank(s[len - 1]))
                len--;
        if (len > 0 && s[len - 1] == '\\') {
                *ret_len = len - 1;
                return true;
        }
        *ret_len = len;
        return false;
}

static bool line_is_comment_or_blank(const char *s, size_t len) {
        size_t i = 0;
        while (i < len && is_blank(s[i]))
                i++;
        return i == len || s[i] == '#';
}

int dockerfile_parse(const char *text, size_t len, Dockerfile **ret, Error **err) {
        if (len > DOCKERFILE_SIZE_MAX)
                return err_set(err, ERR_LIMIT, 0, "Dockerfile: larger than %u bytes",
                               DOCKERFILE_SIZE_MAX);
        if (memchr(text, '\0', len))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "Dockerfile: contains a NUL byte");
        _cleanup_(dockerfile_freep) Dockerfile *d = xnew0(Dockerfile, 1);
        size_t cap = 0;
        unsigned line = 0;
        const char *p = text, *end = text + len;
        bool seen_from = false;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
                const char *cur = p;
                p += n + (nl ? 1 : 0);
                line++;
                if (line_is_comment_or_blank(cur, n))
                        continue;
                unsigned start = line;
                Buf logical = { 0 };
                size_t keep;
                bool more = line_continues(cur, n, &keep);
                buf_add(&logical, cur, keep);
                while (more && p < end) {
                        nl = memchr(p, '\n', (size_t)(end - p));
                        n = nl ? (size_t)(nl - p) : (size_t)(end - p);
                        cur = p;
                        p += n + (nl ? 1 : 0);
                        line++;
                        /* Comment lines inside a continuation are dropped,
                         * blank ones too (Docker warns about those). */
                        if (line_is_comment_or_blank(cur, n))
                                continue;
                        more = line_continues(cur, n, &keep);
                        buf_add(&logical, cur, keep);
                }
                if (d->n >= DOCKERFILE_INSTRUCTIONS_MAX) {
                        free(logical.data);
                        return err_set(err, ERR_LIMIT, 0,
                                       "Dockerfile:%u: more than %u instructions", start,
                                       DOCKERFILE_INSTRUCTIONS_MAX);
                }
                xgrow((void **)&d->items, &cap, d->n + 1, sizeof *d->items);
                DockerfileInstruction *in = &d->items[d->n++];
                *in = (DockerfileInstruction){ 0 };
                int r = instruction_make(in, start, logical.data ? logical.data : "", err);
                free(logical.data);
                if (r < 0)
                        return r;
                if (STREQ(in->keyword, "FROM"))
                        seen_from = true;
                else if (!seen_from && !STREQ(in->keyword, "ARG"))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "Dockerfile:%u: %s before the first FROM (only ARG may come "
                                       "first)",
                                       start, in->keyword);
        }
        if (!seen_from)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "Dockerfile: no FROM instruction");
        *ret = TAKE_PTR(d);
        return 0;
}

/* ------------------------------------------------------------------ */
/* Words.                                                             */

typedef struct Lexer {
        const char *p;
        DockerfileLookupFn lookup;
        void *userdata;
        Error **err;
        bool failed;
} Lexer;

static void lexer_add(Lexer *lx, Buf *b, const char *s, size_t n) {
        if (lx->failed)
                return;
        if (b->len + n > DOCKERFILE_WORD_SIZE_MAX) {
                err_set(lx->err, ERR_LIMIT, 0, "a word longer than %u bytes after substitution",
                        DOCKERFILE_WORD_SIZE_MAX);
                lx->failed = true;
                return;
        }
        buf_add(b, s, n);
}

static bool name_start(char c) { return isalpha((unsigned char)c) || c == '_'; }
static bool name_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* The word of a ${NAME:-word} up to its closing brace, expanded (quotes
 * inside it processed as well). */
static void word_until_brace(Lexer *lx, Buf *out, int depth);

/* After a '$': a substitution, appended to out. */
static void dollar_expand(Lexer *lx, Buf *out, int depth) {
        const char *p = lx->p;
        if (name_start(*p)) {
                size_t n = 0;
                while (name_char(p[n]))
                        n++;
                _cleanup_free_ char *name = xstrndup(p, n);
                lx->p = p + n;
                const char *v = lx->lookup ? lx->lookup(lx->userdata, name) : NULL;
                if (v)
                        lexer_add(lx, out, v, strlen(v));
                return;
        }
        if (*p != '{') {
                lexer_add(lx, out, "$", 1);
                return;
        }
        if (depth >= DOCKERFILE_EXPANSION_DEPTH_MAX) {
                err_set(lx->err, ERR_LIMIT, 0, "substitutions nested more than %d deep",
                        DOCKERFILE_EXPANSION_DEPTH_MAX);
                lx->failed = true;
                return;
        }
        p++;
        size_t n = 0;
        while (name_char(p[n]))
                n++;
        if (n == 0 || !name_start(p[0])) {
                err_set(lx->err, ERR_INVALID_ARGUMENT, 0,
                        "bad substitution: missing variable name");
                lx->failed = true;
                return;
        }
        _cleanup_free_ char *name = xstrndup(p, n);
        p += n;
        const char *v = lx->lookup ? lx->lookup(lx->userdata, name) : NULL;
        if (*p == '}') {
                lx->p = p + 1;
                if (v)
                        lexer_add(lx, out, v, strlen(v));
                return;
        }
        if (p[0] == ':' && (p[1] == '-' || p[1] == '+')) {
                char op = p[1];
                lx->p = p + 2;
                Buf word = { 0 };
                word_until_brace(lx, &word, depth + 1);
                if (!lx->failed) {
                        bool set = v && *v;
                        if (op == '-')
                                lexer_add(lx, out, set ? v : (word.data ? word.data : ""),
                                          set ? strlen(v) : word.len);
                        else if (set)
                                lexer_add(lx, out, word.data ? word.data : "", word.len);
                }
                free(word.data);
                return;
        }
        err_set(lx->err, ERR_INVALID_ARGUMENT, 0, "bad substitution: unsupported modifier in ${%s",
                name);
        lx->failed = true;
}

/* A backslash outside single quotes: the next character as it is (in
 * double quotes only before '"', '\\' and '$', as in a shell). */
static void backslash(Lexer *lx, Buf *out, bool in_double) {
        char next = lx->p[1];
        if (!next) {
                lexer_add(lx, out, "\\", 1);
                lx->p++;
                return;
        }
        if (in_double && next != '"' && next != '\\' && next != '$')
                lexer_add(lx, out, lx->p, 2);
        else
                lexer_add(lx, out, lx->p + 1, 1);
        lx->p += 2;
}

static void single_quoted(Lexer *lx, Buf *out) {
        const char *close = strchr(lx->p + 1, '\'');
        if (!close) {
                err_set(lx->err, ERR_INVALID_ARGUMENT, 0, "unexpected end of text: missing '");
                lx->failed = true;
                return;
        }
        lexer_add(lx, out, lx->p + 1, (size_t)(close - lx->p - 1));
        lx->p = close + 1;
}

static void double_quoted(Lexer *lx, Buf *out, int depth) {
        lx->p++;
        while (!lx->failed) {
                char c = *lx->p;
                if (!c) {
                        err_set(lx->err, ERR_INVALID_ARGUMENT, 0,
                                "unexpected end of text: missing \"");
                        lx->failed = true;
                        return;
                }
                if (c == '"') {
                        lx->p++;
                        return;
                }
                if (c == '\\')
                        backslash(lx, out, true);
                else if (c == '$') {
                        lx->p++;
                        dollar_expand(lx, out, depth);
                } else {
                        lexer_add(lx, out, lx->p, 1);
                        lx->p++;
                }
        }
}

static void word_until_brace(Lexer *lx, Buf *out, int depth) {
        while (!lx->failed) {
                char c = *lx->p;
                if (!c) {
                        err_set(lx->err, ERR_INVALID_ARGUMENT, 0, "bad substitution: missing '}'");
                        lx->failed = true;
                        return;
                }
                if (c == '}') {
                        lx->p++;
                        return;
                }
                if (c == '\\')
                        backslash(lx, out, false);
                else if (c == '\'')
                        single_quoted(lx, out);
                else if (c == '"')
                        double_quoted(lx, out, depth);
                else if (c == '$') {
                        lx->p++;
                        dollar_expand(lx, out, depth);
                } else {
                        lexer_add(lx, out, lx->p, 1);
                        lx->p++;
                }
        }
}

int dockerfile_words(const char *text, bool split, DockerfileLookupFn lookup, void *userdata,
                     char ***ret, Error **err) {
        Lexer lx = { .p = text, .lookup = lookup, .userdata = userdata, .err = err };
        char **words = xnew0(char *, 1);
        size_t n = 0;
        Buf cur = { 0 };
        bool in_word = false;
        while (!lx.failed) {
                char c = *lx.p;
                if (!c || (split && is_blank(c)) || (split && c == '\n')) {
                        if (in_word)
                                strv_push(&words, &n, buf_take(&cur));
                        in_word = false;
                        if (!c)
                                break;
                        lx.p++;
                        continue;
                }
                in_word = true;
                if (c == '\\')
                        backslash(&lx, &cur, false);
                else if (c == '\'')
                        single_quoted(&lx, &cur);
                else if (c == '"')
                        double_quoted(&lx, &cur, 0);
                else if (c == '$') {
                        lx.p++;
                        dollar_expand(&lx, &cur, 0);
                } else {
                        lexer_add(&lx, &cur, lx.p, 1);
                        lx.p++;
                }
        }
        free(cur.data);
        if (lx.failed) {
                strv_free(words);
                return -1;
        }
        if (!split && n == 0)
                strv_push(&words, &n, xstrdup(""));
        *ret = words;
        return 0;
}

int dockerfile_expand(const char *text, DockerfileLookupFn lookup, void *userdata, char **ret,
                      Error **err) {
        char **words = NULL;
        if (dockerfile_words(text, false, lookup, userdata, &words, err) < 0)
                return -1;
        *ret = words[0];
        free(words);
        return 0;
}
