/* SPDX-License-Identifier: Apache-2.0 */
/* ISA-L's igzip, loaded on first use, as libcurl is (see curl-lazy.c):
 * only gzip layers need it, and linked, it was mapped by every process.
 * Each isal_* function varpod calls is defined under its own name; it
 * loads libisal.so.2 once, then forwards to the real one. */
#include <dlfcn.h>
#include <isa-l/igzip_lib.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "isal-lazy.h"

#define ISAL_SONAME "libisal.so.2"

/* The functions forwarded:
 * F(return type, name, value without libisal, (parameters), (arguments)),
 * V(name, (parameters), (arguments)) for those returning nothing. Both
 * codecs take a negative value for an error; ISAL_INVALID_OPERATION is
 * the one that says "nothing was done". */
// clang-format off
#define ISAL_LAZY_FUNCTIONS(F, V)                                                                  \
        V(isal_deflate_init, (struct isal_zstream *z), (z))                                        \
        F(int, isal_deflate, ISAL_INVALID_OPERATION, (struct isal_zstream *z), (z))                \
        V(isal_inflate_init, (struct inflate_state *s), (s))                                       \
        V(isal_inflate_reset, (struct inflate_state *s), (s))                                      \
        F(int, isal_inflate, ISAL_INVALID_OPERATION, (struct inflate_state *s), (s))
// clang-format on

#define SLOT_F(ret, name, fail, params, args) ret(*name) params;
#define SLOT_V(name, params, args) void(*name) params;
static struct { ISAL_LAZY_FUNCTIONS(SLOT_F, SLOT_V) } real;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static bool loaded;
static char load_error[512];

static void isal_lazy_load(void) {
        /* RTLD_NOW: a broken install fails here, with a message, not half-way
         * through a layer. */
        void *h = dlopen(ISAL_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                const char *why = dlerror();
                snprintf(load_error, sizeof(load_error), "%s cannot be loaded: %s", ISAL_SONAME,
                         why ? why : "unknown error");
                return;
        }
        /* All or nothing: a libisal missing one of them is too old. */
        const char *missing = NULL;
#define RESOLVE(name)                                                          \
        if (!(real.name = (__typeof__(real.name))dlsym(h, #name)) && !missing) \
                missing = #name;
#define RESOLVE_F(ret, name, fail, params, args) RESOLVE(name)
#define RESOLVE_V(name, params, args) RESOLVE(name)
        ISAL_LAZY_FUNCTIONS(RESOLVE_F, RESOLVE_V)
        if (missing) {
                snprintf(load_error, sizeof(load_error), "%s cannot be loaded: it lacks %s",
                         ISAL_SONAME, missing);
                dlclose(h);
                return;
        }
        loaded = true;
}

const char *isal_lazy_error(void) {
        pthread_once(&load_once, isal_lazy_load);
        return loaded ? NULL : load_error;
}

#define FORWARD_F(ret, name, fail, params, args) \
        ret name params {                        \
                if (isal_lazy_error())           \
                        return fail;             \
                return real.name args;           \
        }
#define FORWARD_V(name, params, args)   \
        void name params {              \
                if (!isal_lazy_error()) \
                        real.name args; \
        }
ISAL_LAZY_FUNCTIONS(FORWARD_F, FORWARD_V)
