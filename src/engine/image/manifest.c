/* SPDX-License-Identifier: Apache-2.0 */
/* Image manifests between their two formats: OCI and Docker schema 2 say
 * the same thing with different media types, so converting rewrites the
 * types and keeps every digest. */
#include <string.h>

#include "image-manifest.h"
#include "registry.h"
#include "xalloc.h"

static const char *layer_type_oci(const char *t, Error **err) {
        if (!t || STREQ(t, MEDIA_TYPE_DOCKER_LAYER_GZIP) || STREQ(t, MEDIA_TYPE_OCI_LAYER_GZIP))
                return MEDIA_TYPE_OCI_LAYER_GZIP;
        if (STREQ(t, MEDIA_TYPE_OCI_LAYER_ZSTD))
                return MEDIA_TYPE_OCI_LAYER_ZSTD;
        if (STREQ(t, MEDIA_TYPE_OCI_LAYER) ||
            STREQ(t, "application/vnd.docker.image.rootfs.diff.tar"))
                return MEDIA_TYPE_OCI_LAYER;
        err_set(err, ERR_NOT_SUPPORTED, 0, "layer media type `%s` is not supported", t);
        return NULL;
}

static const char *layer_type_docker(const char *t, Error **err) {
        if (!t || STREQ(t, MEDIA_TYPE_DOCKER_LAYER_GZIP) || STREQ(t, MEDIA_TYPE_OCI_LAYER_GZIP))
                return MEDIA_TYPE_DOCKER_LAYER_GZIP;
        err_set(err, ERR_NOT_SUPPORTED, 0,
                "layer media type `%s` cannot be written in a Docker schema 2 manifest", t);
        return NULL;
}

int image_manifest_convert(json_t *manifest, ManifestFormat format, json_t **ret, Error **err) {
        bool oci = format == MANIFEST_FORMAT_OCI;
        json_t *out = json_deep_copy(manifest);
        json_object_set_new(out, "schemaVersion", json_integer(2));
        json_object_set_new(
                out, "mediaType",
                json_string(oci ? MEDIA_TYPE_OCI_MANIFEST : MEDIA_TYPE_DOCKER_MANIFEST));
        json_t *config = json_object_get(out, "config");
        if (!json_is_object(config)) {
                json_decref(out);
                return err_set(err, ERR_PROTOCOL, 0, "manifest has no config");
        }
        json_object_set_new(config, "mediaType",
                            json_string(oci ? MEDIA_TYPE_OCI_CONFIG : MEDIA_TYPE_DOCKER_CONFIG));
        size_t i;
        json_t *l;
        json_array_foreach (json_object_get(out, "layers"), i, l) {
                const char *t = json_string_value(json_object_get(l, "mediaType"));
                const char *nt = oci ? layer_type_oci(t, err) : layer_type_docker(t, err);
                if (!nt) {
                        json_decref(out);
                        return -1;
                }
                json_object_set_new(l, "mediaType", json_string(nt));
        }
        if (!oci)
                json_object_del(out, "annotations");
        *ret = out;
        return 0;
}

int image_manifest_format_parse(const char *text, ManifestFormat current, ManifestFormat *ret,
                                Error **err) {
        if (!text || !*text)
                *ret = current;
        else if (STRPREFIX(text, "oci"))
                *ret = MANIFEST_FORMAT_OCI;
        else if (STREQ(text, "v2s2") || STRPREFIX(text, "docker"))
                *ret = MANIFEST_FORMAT_DOCKER;
        else if (STREQ(text, "v2s1"))
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "format \"v2s1\" (Docker schema 1) is not supported: use 'oci' or "
                               "'v2s2'");
        else
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "unknown format \"%s\". Choose one of the supported formats: "
                               "'oci' or 'v2s2'",
                               text);
        return 0;
}

ManifestFormat image_manifest_format_of(const char *media_type) {
        return media_type && STREQ(media_type, MEDIA_TYPE_DOCKER_MANIFEST) ? MANIFEST_FORMAT_DOCKER
                                                                           : MANIFEST_FORMAT_OCI;
}

char *image_manifest_bytes(json_t *manifest, char digest[DIGEST_STRING_SIZE]) {
        char *text = json_dumps(manifest, JSON_COMPACT);
        digest_buffer(text, strlen(text), digest);
        return text;
}
