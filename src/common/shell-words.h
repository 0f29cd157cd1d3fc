/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shell-style words: the quoting rules of a POSIX shell's simple command,
 * and nothing that would need a shell to run. Used on untrusted text (the
 * command of an image's RUN label), so the input size is limited. */

#include <stddef.h>

#include "error.h"

/* Longest text shell_words_split takes (ERR_LIMIT beyond). */
#define SHELL_WORDS_TEXT_MAX (1024 * 1024)

/* Splits text into words as a POSIX shell does before running a simple
 * command, without expansions: blanks (space, tab, newline) separate
 * words; inside single quotes every character is literal; inside double
 * quotes a backslash escapes only $ ` " \ and newline and is kept before
 * anything else; outside quotes a backslash makes the next character
 * literal. A backslash-newline is removed (a line continuation) except
 * inside single quotes. Quotes may join parts of one word (a'b'"c" is
 * abc) and '' or "" is an empty word. Operators (; | & < >), comments,
 * globs and $ are ordinary characters here. ERR_INVALID_ARGUMENT for an
 * unterminated quote or a final backslash, naming the offset; ERR_LIMIT
 * for text over SHELL_WORDS_TEXT_MAX. *ret is a new NULL-terminated
 * vector of new strings (shell_words_free), empty for blank text. */
int shell_words_split(const char *text, char ***ret, Error **err) _must_check_;

/* word quoted so that shell_words_split (or sh) reads it back as one word
 * equal to it: unchanged when it has only characters no shell treats
 * specially, else in single quotes (a ' inside written '\''). New string. */
char *shell_words_quote(const char *word);

/* words quoted one by one and joined by single spaces. New string. */
char *shell_words_join(char *const *words);

/* Frees a vector from shell_words_split and its strings; accepts NULL. */
void shell_words_free(char **words);
static inline void shell_words_freep(char ***p) { shell_words_free(*p); }
