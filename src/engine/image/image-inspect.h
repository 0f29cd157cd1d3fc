/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Views of an image for front-ends: the inspect document, the history. */

#include <jansson.h>

#include "image.h"

/* The image inspect document (semantics 3.3). New object. */
int image_inspect(Engine *e, const Image *img, json_t **ret, Error **err);

/* "repository@digest" for each of the image's names; null when untagged. */
json_t *image_repo_digests(const Image *img);

typedef struct ImageHistoryEntry {
        char *id;        /* the image's ID, or a local parent's; "<missing>" past them */
        int64_t created; /* Unix ns, 0 when the record has none */
        char *created_by;
        char *comment;
        int64_t size; /* the layer's compressed size from the manifest, 0 for empty records */
} ImageHistoryEntry;

/* History records, newest first. */
int image_history(Engine *e, const Image *img, ImageHistoryEntry **ret, size_t *ret_n, Error **err);
void image_history_free(ImageHistoryEntry *h, size_t n);
