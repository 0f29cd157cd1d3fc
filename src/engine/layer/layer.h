/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Layers: tar streams (gzip, zstd or uncompressed) extracted into a
 * directory, and directories written back as tar streams. Every layer is
 * hostile until proven otherwise: nothing may land or link outside the
 * destination, whatever the entry names, symlinks planted by earlier
 * entries, or hardlink targets say. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "digest.h"
#include "error.h"

/* Default limits where a layer enters. */
#define LAYER_SIZE_MAX (64ull * 1024 * 1024 * 1024) /* uncompressed bytes */
#define LAYER_ENTRIES_MAX 1000000ull
#define LAYER_PATH_MAX 4096u

typedef enum LayerCompression {
        LAYER_COMPRESSION_NONE,
        LAYER_COMPRESSION_GZIP,
        LAYER_COMPRESSION_ZSTD,
} LayerCompression;

typedef enum LayerWhiteoutMode {
        /* For the overlay driver: ".wh.NAME" becomes a 0:0 character device
         * NAME and ".wh..wh..opq" sets trusted.overlay.opaque=y on its
         * directory, as overlayfs expects of a lower layer. */
        LAYER_WHITEOUT_OVERLAY,
        /* For vfs (the destination already holds the lower layers): the
         * whiteout deletes NAME, the opaque marker empties its directory. */
        LAYER_WHITEOUT_APPLY,
} LayerWhiteoutMode;

typedef struct LayerExtractOptions {
        LayerWhiteoutMode whiteouts;
        uint64_t size_max;    /* 0: LAYER_SIZE_MAX */
        uint64_t entries_max; /* 0: LAYER_ENTRIES_MAX */
        bool allow_devices;   /* create block/char device nodes (else skipped) */
        bool preserve_owners; /* chown to the tar's uid/gid (root does) */
} LayerExtractOptions;

typedef struct LayerExtractResult {
        LayerCompression compression;               /* detected from the magic bytes */
        char diff_id[DIGEST_STRING_SIZE];           /* digest of the uncompressed tar */
        char compressed_digest[DIGEST_STRING_SIZE]; /* digest of the bytes read */
        uint64_t compressed_size;                   /* bytes read from fd */
        uint64_t uncompressed_size;                 /* bytes of tar */
        uint64_t entries;
} LayerExtractResult;

/* Reads a layer from fd to its end, detecting the compression, and
 * extracts it into dest_dir (an existing directory, normally empty). The
 * uncompressed stream is hashed on the way (diff_id), and so are the raw
 * bytes (compressed_digest). On failure returns -1 with a precise error
 * ("layer entry `../x`: path escapes the layer") and dest_dir may hold a
 * partial tree: the caller removes it. */
int layer_extract_fd(int fd, const char *dest_dir, const LayerExtractOptions *opts,
                     LayerExtractResult *ret, Error **err);

/* Writes dir as an uncompressed tar stream to fd, converting overlay
 * whiteouts (0:0 char devices, opaque xattrs) back to ".wh." entries.
 * Entries sorted by name, mtimes kept (in whole seconds, as Docker writes
 * them), so equal trees give equal tars. If ret_diff_id is not NULL it
 * receives the digest of the stream written (DIGEST_STRING_SIZE bytes). */
int layer_write_tar(const char *dir, int fd, char *ret_diff_id, Error **err);

/* Compresses the stream read from in_fd into out_fd (gzip through ISA-L's
 * igzip, or zstd), returning the digest and size of what was written. */
int layer_compress(int in_fd, int out_fd, LayerCompression c, char ret_digest[DIGEST_STRING_SIZE],
                   uint64_t *ret_size, Error **err);

/* Decompresses the stream read from in_fd (any of the compressions
 * above, detected) into write_fn, which returns 0 or -1 to stop. Fills
 * *ret (may be NULL) with the digests and sizes, as extraction does. */
typedef int (*LayerWriteFn)(void *userdata, const void *data, size_t len);
int layer_decompress(int in_fd, LayerWriteFn write_fn, void *userdata, LayerExtractResult *ret,
                     Error **err);

/* Bytes used by a directory tree (regular file sizes, as `du -b` counts
 * apparent sizes), for image and container sizes. */
int layer_tree_size(const char *dir, uint64_t *ret, Error **err);

/* Removes a tree, not following symlinks and staying on its filesystem. */
int layer_tree_remove(const char *dir, Error **err);
