/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* libisal is not linked: isal-lazy.c defines the isal_* functions varpod
 * calls and loads libisal.so.2 the first time one of them runs. Without
 * the library the init functions do nothing and isal_deflate() and
 * isal_inflate() return ISAL_INVALID_OPERATION: callers check
 * isal_lazy_error() before they set up a stream. */

/* Loads libisal unless already tried. NULL once it is loaded, else the
 * reason, "libisal.so.2 cannot be loaded: ...", static storage. Thread-safe. */
const char *isal_lazy_error(void);
