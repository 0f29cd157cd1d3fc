/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Recording a new image whose blobs and layer directories are already in
 * place: shared by pull, import, load and commit. */

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "image.h"

typedef struct ImageLayerInput {
        char chain_id[DIGEST_STRING_SIZE];
        char diff_id[DIGEST_STRING_SIZE];
        char blob_digest[DIGEST_STRING_SIZE]; /* compressed blob kept under blobs/ */
        const char *blob_media_type;
        int64_t blob_size;
        int64_t size; /* uncompressed */
} ImageLayerInput;

typedef struct ImageInput {
        const char *name; /* fully qualified, or NULL for an untagged image */
        const char *manifest_digest;
        const char *manifest_media_type;
        size_t manifest_size;
        const char *config_digest;
        size_t config_size;
        json_t *config; /* parsed config, for "created" */
        const ImageLayerInput *layers;
        size_t n_layers;
} ImageInput;

/* Inserts the layer rows that are missing and the image row (or, when the
 * image exists, adds the name) in one transaction. */
int image_create_record(Engine *e, const ImageInput *in, Error **err);

/* Chain IDs from diff IDs (OCI image spec): the first is the first diff
 * ID, each next one the digest of "<previous chain ID> <diff ID>". */
void image_chain_id(const char *parent_chain_id, const char *diff_id, char ret[DIGEST_STRING_SIZE]);

/* Writes data as blob DIGEST atomically, unless present. */
int image_blob_store(Engine *e, const char *digest, const void *data, size_t len, Error **err);

/* Copies what is left to read of in into a new file at path (0600),
 * synced. */
int image_file_copy(int in, const char *path, Error **err);

/* The records of img's layers as its config (diff IDs) and manifest
 * (blobs) describe them, in *ret_n entries of an array with room for
 * extra more (zeroed). blob_media_type borrows from manifest. */
ImageLayerInput *image_layer_inputs(const Image *img, json_t *config, json_t *manifest,
                                    size_t extra, size_t *ret_n);
