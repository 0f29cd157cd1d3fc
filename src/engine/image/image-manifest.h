/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Manifest formats and conversions between them. */

#include <jansson.h>

#include "digest.h"
#include "error.h"

typedef enum ManifestFormat {
        MANIFEST_FORMAT_OCI,
        MANIFEST_FORMAT_DOCKER, /* schema 2 */
} ManifestFormat;

/* A copy of manifest in the given format (media types rewritten). Fails
 * for layers the format cannot carry (zstd in Docker schema 2). */
int image_manifest_convert(json_t *manifest, ManifestFormat format, json_t **ret, Error **err);

/* Reads a --format / manifestType value: "" keeps current, "oci*",
 * "v2s2" or "docker*"; "v2s1" and others are errors. */
int image_manifest_format_parse(const char *text, ManifestFormat current, ManifestFormat *ret,
                                Error **err);
ManifestFormat image_manifest_format_of(const char *media_type);

/* Compact bytes of a manifest and their digest. New string. */
char *image_manifest_bytes(json_t *manifest, char digest[DIGEST_STRING_SIZE]);
