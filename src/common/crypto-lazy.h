/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* libcrypto is not linked: crypto-lazy.c defines the EVP_* functions
 * varpod calls and loads libcrypto.so.3 the first time one of them runs.
 * Without the library they fail as OpenSSL itself would (NULL, 0, -1 for
 * EVP_DecodeBlock); EVP_EncodeBlock, which cannot fail, writes "". */

/* Loads libcrypto unless already tried. NULL once it is loaded, else the
 * reason, "libcrypto.so.3 cannot be loaded: ...", static storage.
 * Thread-safe. */
const char *crypto_lazy_error(void);
