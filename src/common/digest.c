/* SPDX-License-Identifier: Apache-2.0 */
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto-lazy.h"
#include "xalloc.h"

struct Digester {
        EVP_MD_CTX *ctx;
};

/* OpenSSL only fails these calls on allocation failure or a broken
 * provider setup; both are as fatal as out-of-memory, so abort like
 * xmalloc() rather than make every update fallible. */
static _noreturn_ void digest_fail(const char *what) {
        fprintf(stderr, "varpod: sha256 %s failed\n", what);
        abort();
}

int digest_init(Error **err) {
        const char *why = crypto_lazy_error();
        if (why)
                return err_set(err, ERR_NOT_SUPPORTED, 0, "%s", why);
        return 0;
}

int digester_new(Digester **ret, Error **err) {
        if (digest_init(err) < 0)
                return -1;
        Digester *d = xnew0(Digester, 1);
        d->ctx = EVP_MD_CTX_new();
        if (!d->ctx || EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1)
                digest_fail("init");
        *ret = d;
        return 0;
}

void digester_update(Digester *d, const void *data, size_t len) {
        if (len > 0 && EVP_DigestUpdate(d->ctx, data, len) != 1)
                digest_fail("update");
}

static void digest_hex(const unsigned char *md, char out[DIGEST_STRING_SIZE]) {
        static const char hex[] = "0123456789abcdef";
        memcpy(out, "sha256:", 7);
        for (size_t i = 0; i < 32; i++) {
                out[7 + 2 * i] = hex[md[i] >> 4];
                out[7 + 2 * i + 1] = hex[md[i] & 0xf];
        }
        out[DIGEST_STRING_SIZE - 1] = '\0';
}

void digester_final(Digester *d, char out[DIGEST_STRING_SIZE]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        if (EVP_DigestFinal_ex(d->ctx, md, &len) != 1 || len != 32)
                digest_fail("final");
        digest_hex(md, out);
}

Digester *digester_free(Digester *d) {
        if (d) {
                EVP_MD_CTX_free(d->ctx);
                free(d);
        }
        return NULL;
}

void digest_buffer(const void *data, size_t len, char out[DIGEST_STRING_SIZE]) {
        /* Callers made sure libcrypto loads (digest_init), so this is a
         * bug, reported like the failures above. */
        const char *why = crypto_lazy_error();
        if (why) {
                fprintf(stderr, "varpod: sha256: %s\n", why);
                abort();
        }
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
                digest_fail("digest");
        digest_hex(md, out);
}

int digest_file(const char *path, char out[DIGEST_STRING_SIZE], Error **err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "open `%s`", path);
        _cleanup_(digester_freep) Digester *d = NULL;
        if (digester_new(&d, err) < 0)
                return -1;
        /* Blobs are large; big reads keep the syscall count negligible. */
        const size_t bufsize = 1 << 20;
        _cleanup_free_ char *buf = xmalloc(bufsize);
        for (;;) {
                ssize_t n = read(fd, buf, bufsize);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return err_set(err, ERR_SYSTEM, errno, "read `%s`", path);
                if (n == 0)
                        break;
                digester_update(d, buf, (size_t)n);
        }
        digester_final(d, out);
        return 0;
}

bool digest_is_valid(const char *digest) {
        if (!digest || strncmp(digest, "sha256:", 7) != 0)
                return false;
        const char *h = digest + 7;
        for (size_t i = 0; i < 64; i++)
                if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
                        return false;
        return h[64] == '\0';
}
