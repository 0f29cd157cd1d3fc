/* SPDX-License-Identifier: Apache-2.0 */
/* ISA-L's igzip, loaded on first use, as libcurl is (see curl-lazy.c):
 * only gzip layers need it, and linked, it was mapped by every process.
 * Each isal_* function varpod calls is defined under its own name; it
 * loads libisal.so.2 once, then forwards to the real one. */
#include <isa-l/igzip_lib.h>

#include "isal-lazy.h"
#include "lazy-lib.h"

#define ISAL_SONAME "libisal.so.2"

/* The functions, as lazy-lib.h lists them: all or nothing, a libisal
 * missing one of them is too old. Both codecs take a negative value for
 * an error; ISAL_INVALID_OPERATION is the one that says "nothing was
 * done". */
// clang-format off
#define ISAL_LAZY_FUNCTIONS(F, V, W)                                                               \
        V(isal_deflate_init, (struct isal_zstream *z), (z))                                        \
        F(int, isal_deflate, ISAL_INVALID_OPERATION, (struct isal_zstream *z), (z))                \
        V(isal_inflate_init, (struct inflate_state *s), (s))                                       \
        V(isal_inflate_reset, (struct inflate_state *s), (s))                                      \
        F(int, isal_inflate, ISAL_INVALID_OPERATION, (struct inflate_state *s), (s))
// clang-format on

LAZY_LIB_DEFINE(ISAL_SONAME, ISAL_LAZY_FUNCTIONS);

const char *isal_lazy_error(void) { return lazy_lib_error(&lazy_lib); }

ISAL_LAZY_FUNCTIONS(LAZY_LIB_FORWARD_F, LAZY_LIB_FORWARD_V, LAZY_LIB_FORWARD_W)
