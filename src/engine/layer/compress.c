/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <string.h>
#include <zstd.h>

#include "isal-lazy.h"
#include "layer-private.h"
#include "xalloc.h"
#include "zstd-lazy.h"

/* Compression for push and commit. gzip at ISA-L's level 1 runs several
 * times faster than zlib's default for a few percent more bytes, and a
 * layer is compressed once per push; zstd at level 3 is its CLI default. */
#define ZSTD_LEVEL 3

typedef struct Sink {
        int fd;
        Digester *digest;
        uint64_t size;
} Sink;

static int sink_write(Sink *s, const void *buf, size_t len, Error **err) {
        int r = layer_fd_write_all(s->fd, buf, len);
        if (r < 0)
                return err_set(err, ERR_SYSTEM, -r, "layer: compress: write");
        digester_update(s->digest, buf, len);
        s->size += len;
        return 0;
}

static ssize_t source_read(int fd, void *buf, Error **err) {
        ssize_t n = layer_fd_read_full(fd, buf, LAYER_BUFFER_SIZE);
        if (n < 0)
                return err_set(err, ERR_SYSTEM, (int)-n, "layer: compress: read");
        return n;
}

static int compress_none(int in_fd, Sink *s, uint8_t *in, Error **err) {
        for (;;) {
                ssize_t n = source_read(in_fd, in, err);
                if (n < 0)
                        return -1;
                if (n == 0)
                        return 0;
                if (sink_write(s, in, (size_t)n, err) < 0)
                        return -1;
        }
}

static int compress_gzip(int in_fd, Sink *s, uint8_t *in, uint8_t *out, Error **err) {
        if (isal_lazy_error()) /* libisal is loaded on first use */
                return err_set(err, ERR_NOT_SUPPORTED, 0, "layer: compress: %s", isal_lazy_error());
        _cleanup_free_ struct isal_zstream *z = xmalloc(sizeof *z);
        _cleanup_free_ uint8_t *level_buf = xmalloc(ISAL_DEF_LVL1_DEFAULT);
        isal_deflate_init(z);
        z->level = 1;
        z->level_buf = level_buf;
        z->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
        /* ISA-L writes the gzip header (no name, mtime 0, so the output
         * depends on the input only) and the CRC-32/ISIZE trailer. */
        z->gzip_flag = IGZIP_GZIP;

        for (;;) {
                ssize_t n = source_read(in_fd, in, err);
                if (n < 0)
                        return -1;
                z->next_in = in;
                z->avail_in = (uint32_t)n;
                z->end_of_stream = n == 0;
                do {
                        z->next_out = out;
                        z->avail_out = LAYER_BUFFER_SIZE;
                        int r = isal_deflate(z);
                        if (r != COMP_OK)
                                return err_set(err, ERR_INTERNAL, 0,
                                               "layer: compress: isal_deflate failed (%d)", r);
                        size_t produced = LAYER_BUFFER_SIZE - z->avail_out;
                        if (produced > 0 && sink_write(s, out, produced, err) < 0)
                                return -1;
                } while (z->avail_in > 0 || z->avail_out == 0 ||
                         (z->end_of_stream && z->internal_state.state != ZSTATE_END));
                if (n == 0)
                        return 0;
        }
}

static inline void zstd_cctx_freep(ZSTD_CCtx **c) { ZSTD_freeCCtx(*c); }

static int compress_zstd(int in_fd, Sink *s, uint8_t *in, uint8_t *out, Error **err) {
        _cleanup_(zstd_cctx_freep) ZSTD_CCtx *c = ZSTD_createCCtx();
        if (!c && zstd_lazy_error()) /* libzstd is loaded on first use */
                return err_set(err, ERR_NOT_SUPPORTED, 0, "layer: compress: %s", zstd_lazy_error());
        if (!c)
                return err_set(err, ERR_INTERNAL, 0, "layer: compress: cannot allocate zstd");
        ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, ZSTD_LEVEL);
        ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);

        for (;;) {
                ssize_t n = source_read(in_fd, in, err);
                if (n < 0)
                        return -1;
                ZSTD_EndDirective mode = n == 0 ? ZSTD_e_end : ZSTD_e_continue;
                ZSTD_inBuffer ib = { in, (size_t)n, 0 };
                size_t left;
                do {
                        ZSTD_outBuffer ob = { out, LAYER_BUFFER_SIZE, 0 };
                        left = ZSTD_compressStream2(c, &ob, &ib, mode);
                        if (ZSTD_isError(left))
                                return err_set(err, ERR_INTERNAL, 0, "layer: compress: zstd: %s",
                                               ZSTD_getErrorName(left));
                        if (ob.pos > 0 && sink_write(s, out, ob.pos, err) < 0)
                                return -1;
                } while (ib.pos < ib.size || (mode == ZSTD_e_end && left > 0));
                if (n == 0)
                        return 0;
        }
}

int layer_compress(int in_fd, int out_fd, LayerCompression c, char ret_digest[DIGEST_STRING_SIZE],
                   uint64_t *ret_size, Error **err) {
        _cleanup_(digester_freep) Digester *digest = NULL;
        if (digester_new(&digest, err) < 0)
                return err_wrap(err, "layer: compress");
        _cleanup_free_ uint8_t *in = xmalloc(LAYER_BUFFER_SIZE);
        _cleanup_free_ uint8_t *out = xmalloc(LAYER_BUFFER_SIZE);
        Sink s = { .fd = out_fd, .digest = digest };
        int r;
        switch (c) {
        case LAYER_COMPRESSION_NONE:
                r = compress_none(in_fd, &s, in, err);
                break;
        case LAYER_COMPRESSION_GZIP:
                r = compress_gzip(in_fd, &s, in, out, err);
                break;
        case LAYER_COMPRESSION_ZSTD:
                r = compress_zstd(in_fd, &s, in, out, err);
                break;
        default:
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "layer: unknown compression %d",
                               (int)c);
        }
        if (r < 0)
                return -1;
        if (ret_digest)
                digester_final(digest, ret_digest);
        if (ret_size)
                *ret_size = s.size;
        return 0;
}
