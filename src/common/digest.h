/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* SHA-256 content digests in the OCI form "sha256:<64 lowercase hex>",
 * computed incrementally (OpenSSL's libcrypto underneath, loaded on first
 * use: see crypto-lazy.h). */

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define DIGEST_STRING_SIZE (7 + 64 + 1) /* "sha256:" + hex + NUL */

typedef struct Digester Digester;

/* Loads libcrypto unless already done. 0, or fails (ERR_NOT_SUPPORTED)
 * with "libcrypto.so.3 cannot be loaded: ...". digester_new() and
 * digest_file() check it themselves; digest_buffer() cannot fail, so a
 * caller that may be the first to hash calls this before it. */
int digest_init(Error **err) _must_check_;

int digester_new(Digester **ret, Error **err) _must_check_;
void digester_update(Digester *d, const void *data, size_t len);
/* Writes "sha256:<hex>" into out (DIGEST_STRING_SIZE bytes). The digester
 * may not be updated afterwards. */
void digester_final(Digester *d, char out[DIGEST_STRING_SIZE]);
Digester *digester_free(Digester *d);
DEFINE_CLEANUP(Digester, digester_free)

/* One-shot digest of a buffer or of a whole file. digest_buffer() needs a
 * digest_init() that succeeded (or a digester made) before: without
 * libcrypto it aborts, saying why on stderr. */
void digest_buffer(const void *data, size_t len, char out[DIGEST_STRING_SIZE]);
int digest_file(const char *path, char out[DIGEST_STRING_SIZE], Error **err);

/* True for "sha256:" followed by exactly 64 lowercase hex characters. */
bool digest_is_valid(const char *digest);
