/* SPDX-License-Identifier: Apache-2.0 */
/* libcrypto, loaded on first use, as libcurl and libarchive are (see
 * src/engine/lazy/curl-lazy.c): varpod only hashes blobs and writes base64,
 * yet linked, libcrypto was the largest mapping of the idle service
 * (1.4 MB of its 5.7 MB RSS). Each EVP_* function varpod calls is defined
 * under its own name; it loads libcrypto.so.3 once, then forwards to the
 * real one. OpenSSL 3 initialises itself on the first EVP call, loaded
 * this way or not. */
#include <openssl/evp.h>

#include "crypto-lazy.h"
#include "lazy-lib.h"

#define CRYPTO_SONAME "libcrypto.so.3"

/* The functions, as lazy-lib.h lists them: all or nothing, a libcrypto
 * missing one of them is not OpenSSL 3. The failure values are OpenSSL's
 * own; EVP_EncodeBlock is written out below. */
// clang-format off
#define CRYPTO_LAZY_FUNCTIONS(F, V, W)                                                             \
        F(EVP_MD_CTX *, EVP_MD_CTX_new, NULL, (void), ())                                          \
        V(EVP_MD_CTX_free, (EVP_MD_CTX *ctx), (ctx))                                               \
        F(const EVP_MD *, EVP_sha256, NULL, (void), ())                                            \
        F(int, EVP_DigestInit_ex, 0, (EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl),          \
          (ctx, type, impl))                                                                       \
        F(int, EVP_DigestUpdate, 0, (EVP_MD_CTX *ctx, const void *data, size_t len),               \
          (ctx, data, len))                                                                        \
        F(int, EVP_DigestFinal_ex, 0, (EVP_MD_CTX *ctx, unsigned char *md, unsigned int *len),     \
          (ctx, md, len))                                                                          \
        F(int, EVP_Digest, 0,                                                                      \
          (const void *data, size_t len, unsigned char *md, unsigned int *mdlen,                   \
           const EVP_MD *type, ENGINE *impl),                                                      \
          (data, len, md, mdlen, type, impl))                                                      \
        F(int, EVP_DecodeBlock, -1, (unsigned char *t, const unsigned char *f, int n), (t, f, n))  \
        W(EVP_EncodeBlock)
// clang-format on

LAZY_LIB_DEFINE(CRYPTO_SONAME, CRYPTO_LAZY_FUNCTIONS);

const char *crypto_lazy_error(void) { return lazy_lib_error(&lazy_lib); }

CRYPTO_LAZY_FUNCTIONS(LAZY_LIB_FORWARD_F, LAZY_LIB_FORWARD_V, LAZY_LIB_FORWARD_W)

/* Callers size t for the whole encoding and never check the result, so
 * without the library it must still hold a string. */
int EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n) {
        if (crypto_lazy_error()) {
                t[0] = '\0';
                return 0;
        }
        return LAZY_LIB_REAL(EVP_EncodeBlock)(t, f, n);
}
