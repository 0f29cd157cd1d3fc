/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Cleanup helpers in the style of systemd and crun: a variable declared with
 * _cleanup_(fn) has fn(&var) called when it goes out of scope, so an early
 * return never leaks. TAKE_PTR/TAKE_FD hand ownership over explicitly. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(fn) __attribute__((cleanup(fn)))
#define _unused_ __attribute__((unused))
#define _must_check_ __attribute__((warn_unused_result))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p) { free(*(void **)p); }
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Defines TYPE_freep(TYPE **) from a TYPE_free(TYPE *) that accepts NULL. */
#define DEFINE_CLEANUP(type, fn)             \
        static inline void fn##p(type **p) { \
                if (*p)                      \
                        fn(*p);              \
        }

#define TAKE_PTR(p)                         \
        ({                                  \
                __typeof__(p) _taken = (p); \
                (p) = NULL;                 \
                _taken;                     \
        })

#define TAKE_FD(fd)                \
        ({                         \
                int _taken = (fd); \
                (fd) = -1;         \
                _taken;            \
        })

#define STREQ(a, b) (strcmp((a), (b)) == 0)
#define STRPREFIX(s, p) (strncmp((s), (p), strlen(p)) == 0)
