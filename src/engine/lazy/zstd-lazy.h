/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* libzstd is not linked: zstd-lazy.c defines the ZSTD_* functions varpod
 * calls and loads libzstd.so.1 the first time one of them runs. Without
 * the library ZSTD_createCCtx() and ZSTD_createDCtx() return NULL, the
 * others a zstd error code, and ZSTD_getErrorName() says why. */

/* Loads libzstd unless already tried. NULL once it is loaded, else the
 * reason, "libzstd.so.1 cannot be loaded: ...", static storage. Thread-safe. */
const char *zstd_lazy_error(void);
