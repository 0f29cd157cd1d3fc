/* SPDX-License-Identifier: Apache-2.0 */
/* Shell-style word splitting and quoting (shell-words.h). */
#include <stdbool.h>
#include <string.h>

#include "shell-words.h"
#include "xalloc.h"

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

/* The characters a backslash escapes inside double quotes (POSIX 2.2.3). */
static bool is_dquote_escapable(char c) {
        return c == '$' || c == '`' || c == '"' || c == '\\' || c == '\n';
}

typedef struct Words {
        char **v;
        size_t n, cap;
} Words;

static void words_push(Words *w, const char *s, size_t len) {
        xgrow((void **)&w->v, &w->cap, w->n + 2, sizeof *w->v);
        w->v[w->n++] = xstrndup(s, len);
        w->v[w->n] = NULL;
}

int shell_words_split(const char *text, char ***ret, Error **err) {
        size_t len = strlen(text);
        if (len > SHELL_WORDS_TEXT_MAX)
                return err_set(err, ERR_LIMIT, 0,
                               "shell words: %zu bytes, more than the %d allowed", len,
                               SHELL_WORDS_TEXT_MAX);
        Words words = { 0 };
        /* A word is never longer than the text it comes from. */
        _cleanup_free_ char *word = xmalloc(len + 1);
        size_t wl = 0;
        bool in_word = false;
        const char *p = text;
        int r = 0;
        while (r == 0) {
                char c = *p;
                if (c == '\0' || is_blank(c)) {
                        if (in_word)
                                words_push(&words, word, wl);
                        wl = 0;
                        in_word = false;
                        if (c == '\0')
                                break;
                        p++;
                } else if (c == '\\' && p[1] == '\n') {
                        p += 2; /* line continuation: joins, starts no word */
                } else if (c == '\\') {
                        if (p[1] == '\0') {
                                r = err_set(err, ERR_INVALID_ARGUMENT, 0,
                                            "shell words: backslash at the end (offset %zu)",
                                            (size_t)(p - text));
                                break;
                        }
                        word[wl++] = p[1];
                        in_word = true;
                        p += 2;
                } else if (c == '\'') {
                        const char *end = strchr(p + 1, '\'');
                        if (!end) {
                                r = err_set(err, ERR_INVALID_ARGUMENT, 0,
                                            "shell words: unterminated single quote at offset %zu",
                                            (size_t)(p - text));
                                break;
                        }
                        memcpy(word + wl, p + 1, (size_t)(end - p - 1));
                        wl += (size_t)(end - p - 1);
                        in_word = true;
                        p = end + 1;
                } else if (c == '"') {
                        size_t start = (size_t)(p - text);
                        p++;
                        while (*p && *p != '"') {
                                if (*p == '\\' && is_dquote_escapable(p[1])) {
                                        if (p[1] != '\n')
                                                word[wl++] = p[1];
                                        p += 2;
                                } else
                                        word[wl++] = *p++;
                        }
                        if (*p != '"') {
                                r = err_set(err, ERR_INVALID_ARGUMENT, 0,
                                            "shell words: unterminated double quote at offset %zu",
                                            start);
                                break;
                        }
                        in_word = true;
                        p++;
                } else {
                        word[wl++] = c;
                        in_word = true;
                        p++;
                }
        }
        if (r < 0) {
                shell_words_free(words.v);
                return r;
        }
        if (!words.v)
                words.v = xnew0(char *, 1);
        *ret = words.v;
        return 0;
}

/* Characters no POSIX shell gives a meaning to anywhere in a word. */
static bool is_plain(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               strchr("_@%+=:,./-", c) != NULL;
}

char *shell_words_quote(const char *word) {
        bool plain = *word != '\0';
        for (const char *p = word; plain && *p; p++)
                plain = is_plain(*p);
        if (plain)
                return xstrdup(word);
        size_t quotes = 0;
        for (const char *p = word; *p; p++)
                quotes += *p == '\'';
        char *out = xmalloc(strlen(word) + 3 * quotes + 3), *o = out;
        *o++ = '\'';
        for (const char *p = word; *p; p++) {
                if (*p == '\'') {
                        memcpy(o, "'\\''", 4); /* close, escaped quote, reopen */
                        o += 4;
                } else
                        *o++ = *p;
        }
        *o++ = '\'';
        *o = '\0';
        return out;
}

char *shell_words_join(char *const *words) {
        char *out = xstrdup("");
        size_t len = 0;
        for (size_t i = 0; words && words[i]; i++) {
                _cleanup_free_ char *q = shell_words_quote(words[i]);
                size_t ql = strlen(q);
                out = xrealloc(out, len + ql + 2);
                if (i > 0)
                        out[len++] = ' ';
                memcpy(out + len, q, ql + 1);
                len += ql;
        }
        return out;
}

void shell_words_free(char **words) {
        for (size_t i = 0; words && words[i]; i++)
                free(words[i]);
        free(words);
}
