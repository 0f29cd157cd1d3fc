/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <isa-l/igzip_lib.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <zstd.h>

#include "isal-lazy.h"
#include "layer-private.h"
#include "xalloc.h"
#include "zstd-lazy.h"

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

/* The stream runs in two threads: a producer reads fd, decompresses into
 * a ring of buffers and hashes the raw bytes; the caller (libarchive and
 * the extraction syscalls) takes the buffers in order and hashes the
 * uncompressed bytes. Decompression is most of the CPU of an extraction,
 * writing the files most of the rest, and this way they overlap (a 200 MB
 * gzip layer on two cores: 1.5 s instead of 2.1 s single-threaded). Small
 * layers, read whole at the first read, need no thread. */
#define STREAM_SLOTS 4

struct LayerStream {
        int fd;
        uint64_t size_max;

        /* Producer side. in[in_off, in_len) is raw input not consumed yet. */
        LayerCompression compression;
        uint8_t *in;
        size_t in_off, in_len;
        bool in_eof;
        Digester *raw_digest; /* compressed layers only */
        uint64_t raw_size, produced;
        struct inflate_state *gz;
        bool gz_member_open; /* inside a gzip member, or at its very start */
        ZSTD_DCtx *zs;
        size_t zs_hint; /* last return of ZSTD_decompressStream: 0 between frames */

        /* Shared, under lock: slots [head, head + count) are filled, and
         * the caller holds slots[head] between two reads. */
        pthread_mutex_t lock;
        pthread_cond_t cond;
        uint8_t *slots[STREAM_SLOTS];
        size_t lens[STREAM_SLOTS];
        size_t head, count;
        bool done, stop;
        Error *error;
        /* Readable once the caller stops the stream: the producer may be
         * waiting on a pipe or socket whose writer stalls, and a failed
         * extraction must not wait for it. */
        int stop_fd;

        /* Caller side. */
        bool started, threaded, joined, holding;
        ErrorKind failed_kind;
        char *failed; /* the message of the first failure, repeated after */
        pthread_t thread;
        Digester *plain_digest;
        uint64_t plain_size;
};

LayerStream *layer_stream_new(int fd, uint64_t size_max) {
        LayerStream *s = xnew0(LayerStream, 1);
        s->fd = fd;
        s->size_max = size_max;
        s->in = xmalloc(LAYER_BUFFER_SIZE);
        s->slots[0] = xmalloc(LAYER_BUFFER_SIZE); /* the others when threaded */
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->cond, NULL);
        s->stop_fd = -1;
        return s;
}

static void stream_join(LayerStream *s) {
        if (!s->threaded || s->joined)
                return;
        pthread_mutex_lock(&s->lock);
        s->stop = true;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        uint64_t one = 1;
        if (write(s->stop_fd, &one, sizeof one) < 0) {
                /* Cannot fail on a fresh eventfd; the join would still end
                 * when the layer's fd delivers data or its end. */
        }
        pthread_join(s->thread, NULL);
        s->joined = true;
}

LayerStream *layer_stream_free(LayerStream *s) {
        if (s) {
                stream_join(s);
                free(s->in);
                for (size_t i = 0; i < STREAM_SLOTS; i++)
                        free(s->slots[i]);
                free(s->gz);
                ZSTD_freeDCtx(s->zs);
                digester_free(s->raw_digest);
                digester_free(s->plain_digest);
                err_free(s->error);
                free(s->failed);
                closep(&s->stop_fd);
                pthread_cond_destroy(&s->cond);
                pthread_mutex_destroy(&s->lock);
                free(s);
        }
        return NULL;
}

/* read(2) that gives up with -ECANCELED once the stream is stopped. */
static ssize_t stream_read_fd(LayerStream *s, void *buf, size_t len) {
        struct pollfd p[2] = { { .fd = s->fd, .events = POLLIN },
                               { .fd = s->stop_fd, .events = POLLIN } };
        for (;;) {
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (p[1].revents)
                        return -ECANCELED;
                ssize_t n = read(s->fd, buf, len);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                return n < 0 ? -errno : n;
        }
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
        ssize_t n = stream_read_fd(s, s->in + s->in_len, LAYER_BUFFER_SIZE - s->in_len);
        if (n < 0)
                return err_set(err, ERR_SYSTEM, (int)-n, "layer: read");
        if (n == 0)
                s->in_eof = true;
        if (s->raw_digest)
                digester_update(s->raw_digest, s->in + s->in_len, (size_t)n);
        s->in_len += (size_t)n;
        s->raw_size += (uint64_t)n;
        return 0;
}

static int stream_detect(LayerStream *s, Error **err) {
        /* The magic is 4 bytes at most; a pipe may deliver fewer at once.
         * Until it is known, nothing is hashed as raw: for an uncompressed
         * layer the raw digest is the uncompressed one, computed once. */
        while (s->in_len < 4 && !s->in_eof)
                if (stream_fill(s, err) < 0)
                        return -1;
        const uint8_t *m = s->in;
        if (s->in_len >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
                if (isal_lazy_error()) /* libisal is loaded on first use */
                        return err_set(err, ERR_NOT_SUPPORTED, 0, "layer: gzip: %s",
                                       isal_lazy_error());
                s->compression = LAYER_COMPRESSION_GZIP;
                s->gz = xmalloc(sizeof *s->gz);
                isal_inflate_init(s->gz);
                s->gz->crc_flag = ISAL_GZIP;
                s->gz_member_open = true;
        } else if (s->in_len >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) {
                s->compression = LAYER_COMPRESSION_ZSTD;
                s->zs = ZSTD_createDCtx();
                if (!s->zs && zstd_lazy_error()) /* libzstd is loaded on first use */
                        return err_set(err, ERR_NOT_SUPPORTED, 0, "layer: zstd: %s",
                                       zstd_lazy_error());
                if (!s->zs)
                        return err_set(err, ERR_INTERNAL, 0, "layer: zstd: cannot allocate");
                ZSTD_DCtx_setParameter(s->zs, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
        } else
                s->compression = LAYER_COMPRESSION_NONE;
        if (s->compression != LAYER_COMPRESSION_NONE) {
                if (digester_new(&s->raw_digest, err) < 0)
                        return err_wrap(err, "layer");
                digester_update(s->raw_digest, s->in, s->in_len);
        }
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

/* Produces the next run of gzip output into out; 0 at the end of the last
 * member. */
static ssize_t stream_gzip(LayerStream *s, uint8_t *out, Error **err) {
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
                s->gz->next_out = out;
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

static ssize_t stream_zstd(LayerStream *s, uint8_t *out, Error **err) {
        for (;;) {
                if (s->in_off == s->in_len && stream_fill(s, err) < 0)
                        return -1;
                bool at_end = s->in_off == s->in_len && s->in_eof;
                if (at_end && s->zs_hint == 0)
                        return 0;
                ZSTD_inBuffer ib = { s->in + s->in_off, s->in_len - s->in_off, 0 };
                ZSTD_outBuffer ob = { out, LAYER_BUFFER_SIZE, 0 };
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

static ssize_t stream_plain(LayerStream *s, uint8_t *out, Error **err) {
        /* What detection read first, then straight into the slot. */
        if (s->in_off < s->in_len) {
                size_t n = s->in_len - s->in_off;
                memcpy(out, s->in + s->in_off, n);
                s->in_off = s->in_len;
                return (ssize_t)n;
        }
        ssize_t n = stream_read_fd(s, out, LAYER_BUFFER_SIZE);
        if (n < 0)
                return err_set(err, ERR_SYSTEM, (int)-n, "layer: read");
        s->raw_size += (uint64_t)n;
        return n;
}

/* The next run of uncompressed bytes into out: 0 at the end. */
static ssize_t stream_produce(LayerStream *s, uint8_t *out, Error **err) {
        ssize_t n = s->compression == LAYER_COMPRESSION_GZIP   ? stream_gzip(s, out, err)
                    : s->compression == LAYER_COMPRESSION_ZSTD ? stream_zstd(s, out, err)
                                                               : stream_plain(s, out, err);
        if (n <= 0)
                return n;
        s->produced += (uint64_t)n;
        if (s->produced > s->size_max)
                return err_set(err, ERR_LIMIT, 0,
                               "layer: uncompressed size exceeds the limit of %" PRIu64 " bytes",
                               s->size_max);
        return n;
}

static void *stream_thread(void *userdata) {
        LayerStream *s = userdata;
        Error *err = NULL;
        ssize_t n;
        for (;;) {
                pthread_mutex_lock(&s->lock);
                while (s->count == STREAM_SLOTS && !s->stop)
                        pthread_cond_wait(&s->cond, &s->lock);
                bool stop = s->stop;
                size_t slot = (s->head + s->count) % STREAM_SLOTS;
                pthread_mutex_unlock(&s->lock);
                if (stop) {
                        n = 0;
                        break;
                }
                n = stream_produce(s, s->slots[slot], &err);
                if (n <= 0)
                        break;
                pthread_mutex_lock(&s->lock);
                s->lens[slot] = (size_t)n;
                s->count++;
                pthread_cond_broadcast(&s->cond);
                pthread_mutex_unlock(&s->lock);
        }
        pthread_mutex_lock(&s->lock);
        s->error = n < 0 ? err : NULL;
        s->done = true;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        return NULL;
}

static ssize_t stream_fail(LayerStream *s, Error *e, Error **err) {
        s->failed_kind = e->kind;
        s->failed = xstrdup(e->message);
        return err_propagate(err, e);
}

/* Detects the compression and, unless the whole layer came with the first
 * read (small layers, and every fuzz input), starts the producer. */
static int stream_start(LayerStream *s, Error **err) {
        s->started = true;
        /* Here, not in layer_stream_new(), which cannot fail: libcrypto is
         * loaded on first use. */
        if (digester_new(&s->plain_digest, err) < 0)
                return err_wrap(err, "layer");
        if (stream_detect(s, err) < 0)
                return -1;
        /* Only if more is at hand at once: a pipe whose writer is slow (or
         * stalls after a hostile first entry) must not hold up the start. */
        struct pollfd p = { .fd = s->fd, .events = POLLIN };
        if (!s->in_eof && s->in_len < LAYER_BUFFER_SIZE && poll(&p, 1, 0) == 1 &&
            stream_fill(s, err) < 0)
                return -1;
        if (s->in_eof)
                return 0;
        for (size_t i = 1; i < STREAM_SLOTS; i++)
                s->slots[i] = xmalloc(LAYER_BUFFER_SIZE);
        s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (s->stop_fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "layer: eventfd");
        int r = pthread_create(&s->thread, NULL, stream_thread, s);
        if (r != 0)
                return err_set(err, ERR_SYSTEM, r, "layer: start decompression thread");
        s->threaded = true;
        return 0;
}

ssize_t layer_stream_read(LayerStream *s, const void **ret_buf, Error **err) {
        if (s->failed)
                return err_set(err, s->failed_kind, 0, "%s", s->failed);
        Error *e = NULL;
        if (!s->started && stream_start(s, &e) < 0)
                return stream_fail(s, e, err);

        if (!s->threaded) {
                ssize_t n = stream_produce(s, s->slots[0], &e);
                if (n < 0)
                        return stream_fail(s, e, err);
                digester_update(s->plain_digest, s->slots[0], (size_t)n);
                s->plain_size += (uint64_t)n;
                *ret_buf = s->slots[0];
                return n;
        }

        pthread_mutex_lock(&s->lock);
        if (s->holding) {
                s->head = (s->head + 1) % STREAM_SLOTS;
                s->count--;
                s->holding = false;
                pthread_cond_broadcast(&s->cond);
        }
        while (s->count == 0 && !s->done)
                pthread_cond_wait(&s->cond, &s->lock);
        if (s->count > 0) {
                const uint8_t *buf = s->slots[s->head];
                size_t n = s->lens[s->head];
                s->holding = true;
                pthread_mutex_unlock(&s->lock);
                digester_update(s->plain_digest, buf, n);
                s->plain_size += n;
                *ret_buf = buf;
                return (ssize_t)n;
        }
        e = TAKE_PTR(s->error);
        pthread_mutex_unlock(&s->lock);
        if (e)
                return stream_fail(s, e, err);
        return 0;
}

int layer_stream_drain(LayerStream *s, Error **err) {
        const void *buf;
        ssize_t n;
        while ((n = layer_stream_read(s, &buf, err)) > 0)
                ;
        return n < 0 ? -1 : 0;
}

void layer_stream_result(LayerStream *s, LayerExtractResult *ret) {
        stream_join(s);
        ret->compression = s->compression;
        ret->compressed_size = s->raw_size;
        ret->uncompressed_size = s->plain_size;
        digester_final(s->plain_digest, ret->diff_id);
        if (s->raw_digest)
                digester_final(s->raw_digest, ret->compressed_digest);
        else
                memcpy(ret->compressed_digest, ret->diff_id, DIGEST_STRING_SIZE);
}
