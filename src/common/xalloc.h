/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Allocation that aborts on out-of-memory: there is nothing sensible a
 * service can do without memory, and it keeps every call site honest about
 * the failures that matter (library and system errors). */

#include <stdarg.h>
#include <stddef.h>

#include "macro.h"

void *xmalloc(size_t size);
void *xzalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
/* Grows *array (of *capacity elements of elem_size) to hold at least need. */
void xgrow(void **array, size_t *capacity, size_t need, size_t elem_size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
char *xvasprintf(const char *fmt, va_list ap) _printf_(1, 0);

/* Frees a NULL-terminated vector of strings and the strings; NULL. */
char **strv_free(char **v);
DEFINE_CLEANUP(char *, strv_free)

#define xnew0(type, n) ((type *)xcalloc((n), sizeof(type)))
