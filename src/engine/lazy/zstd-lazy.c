/* SPDX-License-Identifier: Apache-2.0 */
/* libzstd, loaded on first use, as libcurl is (see curl-lazy.c): only
 * zstd layers need it, and linked, it was mapped by every process. Each
 * ZSTD_* function varpod calls is defined under its own name; it loads
 * libzstd.so.1 once, then forwards to the real one. */
#include <zstd.h>
#include <zstd_errors.h>

#include "lazy-lib.h"
#include "zstd-lazy.h"

#define ZSTD_SONAME "libzstd.so.1"

/* What the size_t functions return without the library: zstd's own
 * "Error (generic)", so ZSTD_isError() holds for it either way. */
#define ZSTD_LAZY_FAILED ((size_t)-ZSTD_error_GENERIC)

/* The functions, as lazy-lib.h lists them (none returns nothing): all or
 * nothing, a libzstd missing one of them is too old (the advanced API is
 * stable since 1.4.0). ZSTD_getErrorName and the two free functions are
 * written out below. */
// clang-format off
#define ZSTD_LAZY_FUNCTIONS(F, V, W)                                                               \
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
          (ZSTD_DStream *d, ZSTD_outBuffer *out, ZSTD_inBuffer *in), (d, out, in))                 \
        W(ZSTD_getErrorName)                                                                       \
        W(ZSTD_freeCCtx)                                                                           \
        W(ZSTD_freeDCtx)
// clang-format on

LAZY_LIB_DEFINE(ZSTD_SONAME, ZSTD_LAZY_FUNCTIONS);

const char *zstd_lazy_error(void) { return lazy_lib_error(&lazy_lib); }

ZSTD_LAZY_FUNCTIONS(LAZY_LIB_FORWARD_F, LAZY_LIB_FORWARD_V, LAZY_LIB_FORWARD_W)

/* A caller that reports a failure with this says why, library or not. */
const char *ZSTD_getErrorName(size_t code) {
        const char *why = zstd_lazy_error();
        return why ? why : LAZY_LIB_REAL(ZSTD_getErrorName)(code);
}

/* Every layer stream frees its decompression context, gzip and plain ones
 * too: NULL must not load the library. */
size_t ZSTD_freeCCtx(ZSTD_CCtx *c) {
        if (!c || zstd_lazy_error())
                return 0;
        return LAZY_LIB_REAL(ZSTD_freeCCtx)(c);
}

size_t ZSTD_freeDCtx(ZSTD_DCtx *d) {
        if (!d || zstd_lazy_error())
                return 0;
        return LAZY_LIB_REAL(ZSTD_freeDCtx)(d);
}
