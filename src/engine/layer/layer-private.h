/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Internals shared by the files of src/engine/layer/: the decompressing
 * reader (stream.c), path resolution below a root (resolve.c), the tree
 * walker (tree.c) and a hash map keyed by inode (table.c). Not for use outside
 * the layer module. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "layer.h"

/* Size of the read and write buffers: large, so that a multi-GB layer costs
 * few syscalls and the codecs run on long runs of data. */
#define LAYER_BUFFER_SIZE (1u << 20)

/* Closes *fd if open and marks it closed (closep() leaves the number). */
static inline void layer_fd_close(int *fd) {
        if (*fd >= 0)
                closep(fd);
        *fd = -1;
}

/* Writes all of buf, retrying on EINTR and short writes. Returns 0 or
 * -errno. */
int layer_fd_write_all(int fd, const void *buf, size_t len);

/* Reads until len bytes or end of file. Returns the count or -errno. */
ssize_t layer_fd_read_full(int fd, void *buf, size_t len);

/* Formats a name from a layer for an error message: control characters
 * become '?', and names longer than 200 bytes are cut with "...". Returns
 * out. */
const char *layer_name_display(const char *name, char out[256]);

/* ---- stream.c: the layer's bytes, decompressed and hashed ---- */

typedef struct LayerStream LayerStream;

/* Reads fd to its end. size_max bounds the uncompressed bytes. */
LayerStream *layer_stream_new(int fd, uint64_t size_max);
LayerStream *layer_stream_free(LayerStream *s);
DEFINE_CLEANUP(LayerStream, layer_stream_free)

/* Points *ret_buf at the next run of uncompressed bytes (valid until the
 * next call) and returns its length; 0 at the end of the stream; -1 with
 * *err on a read, decompression or limit failure. */
ssize_t layer_stream_read(LayerStream *s, const void **ret_buf, Error **err);

/* Reads and hashes what is left (a tar reader stops at the end-of-archive
 * blocks; padding and later gzip members still belong to the digests). */
int layer_stream_drain(LayerStream *s, Error **err);

/* Fills compression, sizes and digests of ret; only after the stream ended. */
void layer_stream_result(LayerStream *s, LayerExtractResult *ret);

/* ---- resolve.c: paths below a root, never through a symlink ---- */

/* Cleans a tar entry name into a relative path: leading "/" and "./" go,
 * "." and empty components are dropped and ".." is applied lexically, as
 * Docker does. Returns a new string ("" for the root itself), or NULL when
 * ".." would climb above the root. */
char *layer_path_clean(const char *name);

/* Opens the directory at the clean relative path `path` below rootfd as an
 * O_PATH descriptor, never following a symlink and never leaving the root.
 * With create, missing directories are made (mode 0755). Returns the fd,
 * or -errno: -ELOOP when a component is a symlink, -ENOTDIR when it is not
 * a directory, -ENOENT when missing; *ret_failed_len (may be NULL) then
 * gets the length of the prefix of path that names the culprit. */
int layer_dir_open(int rootfd, const char *path, bool create, size_t *ret_failed_len);

/* ---- tree.c: walking and removing trees without following symlinks ---- */

enum {
        LAYER_WALK_SORTED = 1 << 0, /* children in strcmp() order */
        LAYER_WALK_ONE_FS = 1 << 1, /* do not descend into other filesystems */
};

/* Called for each entry below the root, pre-order (post false) with the
 * parent's descriptor (O_PATH, fine for *at calls), the entry's name, its
 * path relative to the root and its lstat. For a directory, returning > 0
 * descends into it, and the callback runs again with post true once its
 * children are done (neither happens for a directory on another
 * filesystem with LAYER_WALK_ONE_FS). The callback may remove the entry it
 * is given. */
typedef int (*LayerWalkFn)(int dirfd, const char *name, const char *path, const struct stat *st,
                           bool post, void *userdata, Error **err);

/* Walks the tree below rootfd (an open directory) holding a bounded number
 * of descriptors whatever its depth: deep directories are reopened by path
 * from the root, checking that they are still the same inode. */
int layer_walk(int rootfd, unsigned flags, LayerWalkFn fn, void *userdata, Error **err);

/* Removes name below dirfd: a non-directory is unlinked, a directory is
 * emptied and removed (chmod u+rwx where needed, never crossing onto another
 * filesystem). A missing entry is not an error. */
int layer_tree_remove_at(int dirfd, const char *name, Error **err);

/* ---- table.c: a hash map keyed by inode ---- */

typedef struct LayerInodeMap LayerInodeMap;

/* Values are value_size bytes (0 for a set), zeroed when inserted, freed
 * with value_free (may be NULL) with the map. */
LayerInodeMap *layer_inode_map_new(size_t value_size, void (*value_free)(void *value));
LayerInodeMap *layer_inode_map_free(LayerInodeMap *m);
DEFINE_CLEANUP(LayerInodeMap, layer_inode_map_free)

/* Returns the value stored for (dev, ino). When there is none, inserts a
 * zeroed one if insert is true, else returns NULL. *ret_found (may be NULL)
 * tells whether it was there. The pointer lasts until the next insertion. */
void *layer_inode_map_get(LayerInodeMap *m, dev_t dev, ino_t ino, bool insert, bool *ret_found);
size_t layer_inode_map_count(const LayerInodeMap *m);
