/* SPDX-License-Identifier: Apache-2.0 */
/* libcrypto, loaded on first use, as libcurl and libarchive are (see
 * src/engine/lazy/curl-lazy.c): varpod only hashes blobs and writes base64,
 * yet linked, libcrypto was the largest mapping of the idle service
 * (1.4 MB of its 5.7 MB RSS). Each EVP_* function varpod calls is defined
 * under its own name; it loads libcrypto.so.3 once, then forwards to the
 * real one. OpenSSL 3 initialises itself on the first EVP call, loaded
 * this way or not. */
#include <dlfcn.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "crypto-lazy.h"

#define CRYPTO_SONAME "libcrypto.so.3"

/* The functions forwarded as they are:
 * F(return type, name, value without libcrypto, (parameters), (arguments)),
 * V(name, (parameters), (arguments)) for those returning nothing.
 * The failure values are OpenSSL's own; EVP_EncodeBlock is written out
 * below. */
// clang-format off
#define CRYPTO_LAZY_FUNCTIONS(F, V)                                                                \
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
        F(int, EVP_DecodeBlock, -1, (unsigned char *t, const unsigned char *f, int n), (t, f, n))
// clang-format on

#define SLOT_F(ret, name, fail, params, args) ret(*name) params;
#define SLOT_V(name, params, args) void(*name) params;
static struct {
        CRYPTO_LAZY_FUNCTIONS(SLOT_F, SLOT_V)
        int (*EVP_EncodeBlock)(unsigned char *t, const unsigned char *f, int n);
} real;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static bool loaded;
static char load_error[512];

static void crypto_lazy_load(void) {
        /* RTLD_NOW: a broken install fails here, with a message, not half-way
         * through a blob. */
        void *h = dlopen(CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                const char *why = dlerror();
                snprintf(load_error, sizeof(load_error), "%s cannot be loaded: %s", CRYPTO_SONAME,
                         why ? why : "unknown error");
                return;
        }
        /* All or nothing: a libcrypto missing one of them is not OpenSSL 3. */
        const char *missing = NULL;
#define RESOLVE(name)                                                          \
        if (!(real.name = (__typeof__(real.name))dlsym(h, #name)) && !missing) \
                missing = #name;
#define RESOLVE_F(ret, name, fail, params, args) RESOLVE(name)
#define RESOLVE_V(name, params, args) RESOLVE(name)
        CRYPTO_LAZY_FUNCTIONS(RESOLVE_F, RESOLVE_V)
        RESOLVE(EVP_EncodeBlock)
        if (missing) {
                snprintf(load_error, sizeof(load_error), "%s cannot be loaded: it lacks %s",
                         CRYPTO_SONAME, missing);
                dlclose(h);
                return;
        }
        loaded = true;
}

const char *crypto_lazy_error(void) {
        pthread_once(&load_once, crypto_lazy_load);
        return loaded ? NULL : load_error;
}

#define FORWARD_F(ret, name, fail, params, args) \
        ret name params {                        \
                if (crypto_lazy_error())         \
                        return fail;             \
                return real.name args;           \
        }
#define FORWARD_V(name, params, args)     \
        void name params {                \
                if (!crypto_lazy_error()) \
                        real.name args;   \
        }
CRYPTO_LAZY_FUNCTIONS(FORWARD_F, FORWARD_V)

/* Callers size t for the whole encoding and never check the result, so
 * without the library it must still hold a string. */
int EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n) {
        if (crypto_lazy_error()) {
                t[0] = '\0';
                return 0;
        }
        return real.EVP_EncodeBlock(t, f, n);
}
