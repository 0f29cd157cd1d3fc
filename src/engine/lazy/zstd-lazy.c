/* SPDX-License-Identifier: Apache-2.0 */
/* libzstd, loaded on first use, as libcurl is (see curl-lazy.c): only
 * zstd layers need it, and linked, it was mapped by every process. Each
 * ZSTD_* function varpod calls is defined under its own name; it loads
 * libzstd.so.1 once, then forwards to the real one. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "zstd-lazy.h"

#define ZSTD_SONAME "libzstd.so.1"

/* What the size_t functions return without the library: zstd's own
 * "Error (generic)", so ZSTD_isError() holds for it either way. */
#define ZSTD_LAZY_FAILED ((size_t)-ZSTD_error_GENERIC)

/* The functions forwarded as they are:
 * F(return type, name, value without libzstd, (parameters), (arguments)).
 * ZSTD_getErrorName and the two free functions are written out below. */
// clang-format off
#define ZSTD_LAZY_FUNCTIONS(F)                                                                     \
        F(unsigned, ZSTD_isError, 1, (size_t code), (code))                                        \
        F(ZSTD_CCtx *, ZSTD_createCCtx, NULL, (void), ())                                          \
        F(size_t, ZSTD_CCtx_setParameter, ZSTD_LAZY_FAILED,                                        \
          (ZSTD_CCtx *c, ZSTD_cParameter param, int value), (c, param, value))                     \
        F(size_t, ZSTD_compressStream2, ZSTD_LAZY_FAILED,                                          \
          (ZSTD_CCtx *c, ZSTD_outBuffer *out, ZSTD_inBuffer *in, ZSTD_EndDirective end),           \
          (c, out, in, end))                                                                       \
        F(ZSTD_DCtx *, ZSTD_createDCtx, NULL, (void), ())                                          \
        F(size_t, ZSTD_DCtx_setParameter, ZSTD_LAZY_FAILED,                                        \
          (ZSTD_DCtx *d, ZSTD_dParameter param, int value), (d, param, value))                     \
        F(size_t, ZSTD_decompressStream, ZSTD_LAZY_FAILED,                                         \
          (ZSTD_DStream *d, ZSTD_outBuffer *out, ZSTD_inBuffer *in), (d, out, in))
// clang-format on

#define SLOT_F(ret, name, fail, params, args) ret(*name) params;
static struct {
        ZSTD_LAZY_FUNCTIONS(SLOT_F)
        const char *(*ZSTD_getErrorName)(size_t);
        size_t (*ZSTD_freeCCtx)(ZSTD_CCtx *);
        size_t (*ZSTD_freeDCtx)(ZSTD_DCtx *);
} real;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static bool loaded;
static char load_error[512];

static void zstd_lazy_load(void) {
        /* RTLD_NOW: a broken install fails here, with a message, not half-way
         * through a layer. */
        void *h = dlopen(ZSTD_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                const char *why = dlerror();
                snprintf(load_error, sizeof(load_error), "%s cannot be loaded: %s", ZSTD_SONAME,
                         why ? why : "unknown error");
                return;
        }
        /* All or nothing: a libzstd missing one of them is too old (the
         * advanced API is stable since 1.4.0). */
        const char *missing = NULL;
#define RESOLVE(name)                                                          \
        if (!(real.name = (__typeof__(real.name))dlsym(h, #name)) && !missing) \
                missing = #name;
#define RESOLVE_F(ret, name, fail, params, args) RESOLVE(name)
        ZSTD_LAZY_FUNCTIONS(RESOLVE_F)
        RESOLVE(ZSTD_getErrorName)
        RESOLVE(ZSTD_freeCCtx)
        RESOLVE(ZSTD_freeDCtx)
        if (missing) {
                snprintf(load_error, sizeof(load_error), "%s cannot be loaded: it lacks %s",
                         ZSTD_SONAME, missing);
                dlclose(h);
                return;
        }
        loaded = true;
}

const char *zstd_lazy_error(void) {
        pthread_once(&load_once, zstd_lazy_load);
        return loaded ? NULL : load_error;
}

#define FORWARD_F(ret, name, fail, params, args) \
        ret name params {                        \
                if (zstd_lazy_error())           \
                        return fail;             \
                return real.name args;           \
        }
ZSTD_LAZY_FUNCTIONS(FORWARD_F)

/* A caller that reports a failure with this says why, library or not. */
const char *ZSTD_getErrorName(size_t code) {
        const char *why = zstd_lazy_error();
        return why ? why : real.ZSTD_getErrorName(code);
}

/* Every layer stream frees its decompression context, gzip and plain ones
 * too: NULL must not load the library. */
size_t ZSTD_freeCCtx(ZSTD_CCtx *c) {
        if (!c || zstd_lazy_error())
                return 0;
        return real.ZSTD_freeCCtx(c);
}

size_t ZSTD_freeDCtx(ZSTD_DCtx *d) {
        if (!d || zstd_lazy_error())
                return 0;
        return real.ZSTD_freeDCtx(d);
}
