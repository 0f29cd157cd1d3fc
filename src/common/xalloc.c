/* SPDX-License-Identifier: Apache-2.0 */
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _noreturn_ void oom(void) {
        fputs("varpod: out of memory\n", stderr);
        abort();
}

void *xmalloc(size_t size) {
        void *p = malloc(size ? size : 1);
        if (!p)
                oom();
        return p;
}

void *xzalloc(size_t size) { return xcalloc(1, size); }

void *xcalloc(size_t n, size_t size) {
        void *p = calloc(n ? n : 1, size ? size : 1);
        if (!p)
                oom();
        return p;
}

void *xrealloc(void *p, size_t size) {
        p = realloc(p, size ? size : 1);
        if (!p)
                oom();
        return p;
}

void xgrow(void **array, size_t *capacity, size_t need, size_t elem_size) {
        if (need <= *capacity)
                return;
        size_t cap = *capacity ? *capacity : 4;
        while (cap < need)
                cap *= 2;
        *array = xrealloc(*array, cap * elem_size);
        *capacity = cap;
}

char *xstrdup(const char *s) {
        char *d = strdup(s);
        if (!d)
                oom();
        return d;
}

char *xstrndup(const char *s, size_t n) {
        char *d = strndup(s, n);
        if (!d)
                oom();
        return d;
}

char *xvasprintf(const char *fmt, va_list ap) {
        char *s = NULL;
        if (vasprintf(&s, fmt, ap) < 0)
                oom();
        return s;
}

char *xasprintf(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char *s = xvasprintf(fmt, ap);
        va_end(ap);
        return s;
}

char **strv_free(char **v) {
        for (char **p = v; p && *p; p++)
                free(*p);
        free(v);
        return NULL;
}
