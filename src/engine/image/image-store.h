/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The database side of images and layers: rows in, records out. Callers
 * hold a transaction around any change that touches several rows. */

#include "db.h"
#include "image.h"

typedef struct LayerRecord {
        char *chain_id;
        char *diff_id;
        char *parent; /* NULL for a bottom layer */
        char *blob_digest;
        int64_t blob_size;
        char *blob_media_type;
        int64_t size;
        int64_t created;
} LayerRecord;

void layer_record_clear(LayerRecord *l);

int image_store_load(Db *db, const char *id, Image **ret, Error **err);
int image_store_list(Db *db, Image ***ret, size_t *ret_n, Error **err);
/* *ret_found says whether name (exact) belongs to an image; ret_id is
 * IMAGE_ID_SIZE bytes. */
int image_store_find_name(Db *db, const char *name, char *ret_id, bool *ret_found, Error **err);
/* IDs starting with prefix (lowercase hex), at most 2 (enough to tell
 * unique from ambiguous); *ret_n is how many were found. */
int image_store_find_prefix(Db *db, const char *prefix, char ret_ids[2][IMAGE_ID_SIZE],
                            size_t *ret_n, Error **err);
int image_store_insert(Db *db, const Image *img, Error **err);
int image_store_delete(Db *db, const char *id, Error **err);
int image_store_name_add(Db *db, const char *id, const char *name, Error **err);
int image_store_name_remove(Db *db, const char *id, const char *name, Error **err);
/* IDs of images whose layer stack has `parent_top` directly below their
 * own top layer. */
int image_store_children(Db *db, const char *top_layer, size_t *ret_n, Error **err);

/* How many containers were created from the image. */
int image_store_container_count(Db *db, const char *id, int64_t *ret, Error **err);

int layer_store_load(Db *db, const char *chain_id, LayerRecord *ret, bool *ret_found, Error **err);
/* Inserts unless a row with the chain ID exists. */
int layer_store_insert(Db *db, const LayerRecord *l, Error **err);
/* Deletes the layers no image uses; their chain IDs in *ret and their
 * blob digests in *ret_blobs (may be NULL) (NULL-terminated, new). */
int layer_store_delete_unused(Db *db, char ***ret, char ***ret_blobs, Error **err);
/* Whether any layer row still names this blob. */
int layer_store_blob_in_use(Db *db, const char *blob_digest, bool *ret, Error **err);
/* Every chain ID stored (NULL-terminated, new), for debris cleanup. */
int layer_store_all(Db *db, char ***ret, Error **err);
