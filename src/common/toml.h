/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A TOML 1.0 reader for the containers config files (registries.conf,
 * containers.conf, storage.conf). No C TOML library is packaged for
 * Debian, so this small one reads a document into a jansson tree: tables
 * and inline tables become objects (keys in document order), arrays and
 * arrays of tables become arrays, strings (all four kinds, with escapes),
 * integers (decimal, hex, octal, binary, underscores), floats (incl. inf,
 * nan), booleans; dates and times become their text as strings. JSON has
 * no inf or nan, so those become the strings "inf", "-inf" and "nan". */

#include <jansson.h>

#include "error.h"

/* Largest document accepted. */
#define TOML_SIZE_MAX (4u * 1024u * 1024u)
/* Deepest value accepted, counted in tables and arrays from the root
 * (`a.b.c = [1]` puts 1 at depth 4); also the most parts a key may have. */
#define TOML_DEPTH_MAX 64

typedef struct TomlError {
        unsigned line;   /* 1-based */
        unsigned column; /* 1-based, bytes */
        char message[160];
} TomlError;

/* Parses text (NUL-terminated). On success *ret is a new object. On
 * failure returns -1 and fills *ret_error (when not NULL): syntax errors,
 * redefined keys and tables, mixed-up table kinds, too deep nesting. */
int toml_parse(const char *text, json_t **ret, TomlError *ret_error);

/* Reads and parses a file; errors say "path:line:column: message". */
int toml_parse_file(const char *path, json_t **ret, Error **err);
