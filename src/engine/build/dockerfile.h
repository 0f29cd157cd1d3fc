/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Dockerfiles (Containerfiles) as text: instructions with their line,
 * flags and arguments, and the words of an argument after quote removal
 * and ${VAR} substitution. Dockerfiles come from clients: every limit is
 * explicit and every malformed input is an error naming its line. */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define DOCKERFILE_SIZE_MAX (1u << 20)      /* bytes of Dockerfile text */
#define DOCKERFILE_INSTRUCTIONS_MAX 10000u  /* instructions in one file */
#define DOCKERFILE_WORD_SIZE_MAX (1u << 20) /* bytes of one expanded word */
#define DOCKERFILE_EXPANSION_DEPTH_MAX 16   /* ${A:-${B:-...}} nesting */

typedef struct DockerfileInstruction {
        unsigned line; /* where the instruction starts, 1-based */
        char *keyword; /* upper case: "FROM", "RUN", ... */
        char **flags;  /* leading "--name=value" words of FROM, RUN, COPY, ADD; NULL-terminated */
        char *args;    /* the rest, continuation lines joined, surrounding blanks trimmed */
        char **exec;   /* the JSON (exec) form as a NULL-terminated vector, or NULL */
        char *text;    /* "KEYWORD args" as STEP lines show it */
} DockerfileInstruction;

typedef struct Dockerfile {
        DockerfileInstruction *items;
        size_t n;
} Dockerfile;

/* Splits text (len bytes, need not be NUL-terminated) into instructions:
 * comments and blank lines skipped (also inside continuations), lines
 * ending in a backslash joined with the next, keywords checked, the JSON
 * form recognised. Only ARG may come before the first FROM. Errors are
 * ERR_INVALID_ARGUMENT "Dockerfile:LINE: ...". *ret is new. */
int dockerfile_parse(const char *text, size_t len, Dockerfile **ret, Error **err) _must_check_;
Dockerfile *dockerfile_free(Dockerfile *d);
DEFINE_CLEANUP(Dockerfile, dockerfile_free)

/* The value of a build variable, or NULL when it is not set. */
typedef const char *(*DockerfileLookupFn)(void *userdata, const char *name);

/* The words of text as a shell would see them, without running anything:
 * '...' literal, "..." and bare text with $NAME, ${NAME}, ${NAME:-word}
 * and ${NAME:+word} substituted (unset is empty), a backslash escaping
 * the next character. With split, unquoted blanks of the text separate
 * words (a substituted value is never split again); without, the whole
 * text is one word. *ret is a new NULL-terminated vector. */
int dockerfile_words(const char *text, bool split, DockerfileLookupFn lookup, void *userdata,
                     char ***ret, Error **err) _must_check_;

/* The one-word form of dockerfile_words. *ret is a new string. */
int dockerfile_expand(const char *text, DockerfileLookupFn lookup, void *userdata, char **ret,
                      Error **err) _must_check_;

size_t dockerfile_strv_length(char *const *v);
