/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <isa-l/igzip_lib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "layer-private.h"
#include "xalloc.h"

/* zstd frames may ask for any window up to 2 GiB (--long=31); refuse more
 * than 128 MiB of decoder memory per layer, which every registry-produced
 * layer (level 3, 8 MiB windows) fits easily. */
#define ZSTD_WINDOW_LOG_MAX 27

int layer_fd_write_all(int fd, const void *buf, size_t len) {
        const char *p = buf;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

ssize_t layer_fd_read_full(int fd, void *buf, size_t len) {
        size_t got = 0;
        while (got < len) {
                ssize_t n = read(fd, (char *)buf + got, len - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                got += (size_t)n;
        }
        return (ssize_t)got;
}

struct LayerStream {
        int fd;
        uint64_t size_max;
        bool detected, ended;
        LayerCompression compression;

        /* Raw bytes from fd: in[in_off, in_len) is not consumed yet. */
        uint8_t *in;
        size_t in_off, in_len;
        bool in_eof;
        Digester *raw_digest;
        uint64_t raw_size;

        /* Uncompressed bytes handed out (uncompressed layers reuse in). */
        uint8_t *out;
        Digester *plain_digest;
        uint64_t plain_size;

        struct inflate_state *gz;
        bool gz_member_open; /* inside a gzip member, or at its very start */
        ZSTD_DCtx *zs;
        size_t zs_hint; /* last return of ZSTD_decompressStream: 0 between frames */
};

LayerStream *layer_stream_new(int fd, uint64_t size_max) {
        LayerStream *s = xnew0(LayerStream, 1);
        s->fd = fd;
        s->size_max = size_max;
        s->in = xmalloc(LAYER_BUFFER_SIZE);
        s->raw_digest = digester_new();
        return s;
}

LayerStream *layer_stream_free(LayerStream *s) {
        if (s) {
                free(s->in);
                free(s->out);
                free(s->gz);
                ZSTD_freeDCtx(s->zs);
                digester_free(s->raw_digest);
                digester_free(s->plain_digest);
                free(s);
        }
        return NULL;
}

/* Moves the unconsumed input to the front and reads more after it. */
static int stream_fill(LayerStream *s, Error **err) {
        if (s->in_eof)
                return 0;
        if (s->in_off > 0) {
                memmove(s->in, s->in + s->in_off, s->in_len - s->in_off);
                s->in_len -= s->in_off;
                s->in_off = 0;
        }
        if (s->in_len == LAYER_BUFFER_SIZE)
                return 0;
        ssize_t n;
        do
                n = read(s->fd, s->in + s->in_len, LAYER_BUFFER_SIZE - s->in_len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return err_set(err, ERR_SYSTEM, errno, "layer: read");
        if (n == 0)
                s->in_eof = true;
        digester_update(s->raw_digest, s->in + s->in_len, (size_t)n);
        s->in_len += (size_t)n;
        s->raw_size += (uint64_t)n;
        return 0;
}

static int stream_detect(LayerStream *s, Error **err) {
        /* The magic is 4 bytes at most; a pipe may deliver fewer at once. */
        while (s->in_len < 4 && !s->in_eof)
                if (stream_fill(s, err) < 0)
                        return -1;
        const uint8_t *m = s->in;
        if (s->in_len >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
                s->compression = LAYER_COMPRESSION_GZIP;
                s->gz = xmalloc(sizeof *s->gz);
                isal_inflate_init(s->gz);
                s->gz->crc_flag = ISAL_GZIP;
                s->gz_member_open = true;
        } else if (s->in_len >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f &&
                   m[3] == 0xfd) {
                s->compression = LAYER_COMPRESSION_ZSTD;
                s->zs = ZSTD_createDCtx();
                if (!s->zs)
                        return err_set(err, ERR_INTERNAL, 0, "layer: zstd: cannot allocate");
                ZSTD_DCtx_setParameter(s->zs, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
        } else
                s->compression = LAYER_COMPRESSION_NONE;
        if (s->compression != LAYER_COMPRESSION_NONE) {
                s->out = xmalloc(LAYER_BUFFER_SIZE);
                s->plain_digest = digester_new();
        }
        s->detected = true;
        return 0;
}

static const char *gzip_error(int r) {
        switch (r) {
        case ISAL_INVALID_BLOCK:
                return "invalid deflate block";
        case ISAL_INVALID_SYMBOL:
                return "invalid deflate symbol";
        case ISAL_INVALID_LOOKBACK:
                return "invalid lookback distance";
        case ISAL_INVALID_WRAPPER:
                return "invalid gzip header";
        case ISAL_UNSUPPORTED_METHOD:
                return "unsupported compression method";
        case ISAL_INCORRECT_CHECKSUM:
                return "checksum mismatch";
        case ISAL_NEED_DICT:
                return "preset dictionary required";
        default:
                return "corrupt data";
        }
}

/* Produces the next run of gzip output; 0 at the end of the last member. */
static ssize_t stream_gzip(LayerStream *s, Error **err) {
        for (;;) {
                if (s->in_off == s->in_len && stream_fill(s, err) < 0)
                        return -1;
                if (!s->gz_member_open) {
                        /* Layers made by parallel compressors (pigz, pgzip)
                         * are several members back to back; anything else
                         * after a member is an error, as Go's reader says. */
                        if (s->in_off == s->in_len && s->in_eof)
                                return 0;
                        if (s->in_len - s->in_off < 2 && !s->in_eof) {
                                if (stream_fill(s, err) < 0)
                                        return -1;
                                continue;
                        }
                        if (s->in_len - s->in_off < 2 || s->in[s->in_off] != 0x1f ||
                            s->in[s->in_off + 1] != 0x8b)
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "layer: gzip: trailing garbage after member");
                        isal_inflate_reset(s->gz);
                        s->gz->crc_flag = ISAL_GZIP;
                        s->gz_member_open = true;
                }
                size_t avail = s->in_len - s->in_off;
                s->gz->next_in = s->in + s->in_off;
                s->gz->avail_in = (uint32_t)avail;
                s->gz->next_out = s->out;
                s->gz->avail_out = LAYER_BUFFER_SIZE;
                int r = isal_inflate(s->gz);
                if (r < 0)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "layer: gzip: %s",
                                       gzip_error(r));
                size_t consumed = avail - s->gz->avail_in;
                size_t produced = LAYER_BUFFER_SIZE - s->gz->avail_out;
                s->in_off += consumed;
                if (s->gz->block_state == ISAL_BLOCK_FINISH)
                        s->gz_member_open = false;
                if (produced > 0)
                        return (ssize_t)produced;
                if (!s->gz_member_open)
                        continue; /* the next member, or the end */
                if (s->in_off < s->in_len && consumed == 0) {
                        /* isal buffers partial input itself, so input at hand
                         * and no progress must not loop forever. */
                        size_t before = s->in_len - s->in_off;
                        if (stream_fill(s, err) < 0)
                                return -1;
                        if (s->in_len - s->in_off == before)
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "layer: gzip: decoder makes no progress");
                        continue;
                }
                if (s->in_off == s->in_len && s->in_eof)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "layer: gzip: unexpected end of data");
        }
}

static ssize_t stream_zstd(LayerStream *s, Error **err) {
        for (;;) {
                if (s->in_off == s->in_len && stream_fill(s, err) < 0)
                        return -1;
                bool at_end = s->in_off == s->in_len && s->in_eof;
                if (at_end && s->zs_hint == 0)
                        return 0;
                ZSTD_inBuffer ib = { s->in + s->in_off, s->in_len - s->in_off, 0 };
                ZSTD_outBuffer ob = { s->out, LAYER_BUFFER_SIZE, 0 };
                size_t r = ZSTD_decompressStream(s->zs, &ob, &ib);
                if (ZSTD_isError(r))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "layer: zstd: %s",
                                       ZSTD_getErrorName(r));
                s->zs_hint = r;
                s->in_off += ib.pos;
                if (ob.pos > 0)
                        return (ssize_t)ob.pos;
                if (at_end)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "layer: zstd: unexpected end of data");
        }
}

ssize_t layer_stream_read(LayerStream *s, const void **ret_buf, Error **err) {
        if (!s->detected && stream_detect(s, err) < 0)
                return -1;
        if (s->ended)
                return 0;

        ssize_t n;
        const void *buf;
        switch (s->compression) {
        case LAYER_COMPRESSION_GZIP:
                n = stream_gzip(s, err);
                buf = s->out;
                break;
        case LAYER_COMPRESSION_ZSTD:
                n = stream_zstd(s, err);
                buf = s->out;
                break;
        default:
                /* Uncompressed: hand out the input buffer itself, and the
                 * raw digest is the diff_id, so nothing is hashed twice. */
                if (s->in_off == s->in_len) {
                        s->in_off = s->in_len = 0;
                        if (stream_fill(s, err) < 0)
                                return -1;
                }
                buf = s->in + s->in_off;
                n = (ssize_t)(s->in_len - s->in_off);
                s->in_off = s->in_len;
                break;
        }
        if (n < 0)
                return -1;
        if (n == 0) {
                s->ended = true;
                return 0;
        }
        if (s->plain_digest)
                digester_update(s->plain_digest, buf, (size_t)n);
        s->plain_size += (uint64_t)n;
        if (s->plain_size > s->size_max)
                return err_set(err, ERR_LIMIT, 0,
                               "layer: uncompressed size exceeds the limit of %" PRIu64 " bytes",
                               s->size_max);
        *ret_buf = buf;
        return n;
}

int layer_stream_drain(LayerStream *s, Error **err) {
        const void *buf;
        ssize_t n;
        while ((n = layer_stream_read(s, &buf, err)) > 0)
                ;
        return n < 0 ? -1 : 0;
}

void layer_stream_result(LayerStream *s, LayerExtractResult *ret) {
        ret->compression = s->compression;
        ret->compressed_size = s->raw_size;
        ret->uncompressed_size = s->plain_size;
        digester_final(s->raw_digest, ret->compressed_digest);
        if (s->plain_digest)
                digester_final(s->plain_digest, ret->diff_id);
        else
                memcpy(ret->diff_id, ret->compressed_digest, DIGEST_STRING_SIZE);
}
