/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Images: the records of the local store and every operation on them
 * (lookup, list, pull, push, tag, remove, import, export, history,
 * inspect, search). An image is its config blob (its ID is the config's
 * digest), its manifest blob, its stack of layers and its names. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "error.h"

#define IMAGE_ID_SIZE 65 /* 64 hex + NUL */

typedef struct Image {
        char id[IMAGE_ID_SIZE];
        char *manifest_digest; /* "sha256:..." of the stored manifest */
        char *manifest_media_type;
        char *top_layer;    /* chain ID, NULL for an image without layers */
        int64_t created;    /* the config's created, Unix ns (0 when absent) */
        int64_t stored;     /* when stored here, Unix ns */
        int64_t size;       /* uncompressed layers + manifest + config */
        char **names;       /* fully qualified names, NULL-terminated */
        char **layers;      /* chain IDs bottom first, NULL-terminated */
        char **layer_blobs; /* the manifest's blob digest of each layer, same order */
        char *labels;       /* the config's Labels as JSON text, or NULL */
} Image;

Image *image_free(Image *img);
DEFINE_CLEANUP(Image, image_free)
void image_list_free(Image **images, size_t n);

/* Every image, in storage order (by ID). */
int image_list(Engine *e, Image ***ret, size_t *ret_n, Error **err);

/* The local lookup of semantics 2.1 (L_I): transport-qualified docker
 * references, "sha256:" prefixes, normalised names, full names, full IDs,
 * unique ID prefixes, "localhost/NAME", then repository basename and tag
 * matches. Failure is ERR_IMAGE_NOT_FOUND with the reference's text
 * ("unable to find a name and tag match for x in repotags: no such
 * image"), or ERR_INVALID_ARGUMENT for a blank or syntactically invalid
 * name. */
int image_lookup(Engine *e, const char *name, Image **ret, Error **err);

/* The image's config document (parsed from its blob). */
int image_config_load(Engine *e, const Image *img, json_t **ret, Error **err);
/* The image's manifest document. */
int image_manifest_load(Engine *e, const Image *img, json_t **ret, Error **err);

/* True when some other image's top layer sits directly on this image's
 * top layer. */
int image_is_parent(Engine *e, const Image *img, bool *ret, Error **err);

/* How many containers use the image. */
int image_container_count(Engine *e, const Image *img, int64_t *ret, Error **err);

/* Adds a name ("docker.io/x:y"; normalised by the caller), moving it from
 * another image that had it. */
int image_tag(Engine *e, const Image *img, const char *name, Error **err);
/* Removes one name from an image. */
int image_untag(Engine *e, const Image *img, const char *name, Error **err);

/* Removes an image as RemoveImage does (semantics 2.5 #35); *ret_id is the
 * full ID of the image concerned. */
int image_remove(Engine *e, const char *name, bool force, char **ret_id, Error **err);

/* Removes an unnamed image no container uses, even when images built on
 * it exist (they keep the layers they share): a build's intermediate
 * images. */
int image_remove_intermediate(Engine *e, const char *id, Error **err);

/* Removes images no container uses; their IDs in *ret (new array). */
int image_remove_unused(Engine *e, json_t **ret, Error **err);

typedef struct ImagePullOptions {
        const char *cert_dir;
        const char *creds;
        const char *auth_file;
        bool tls_verify_set; /* tls_verify given explicitly */
        bool tls_verify;
        /* Progress of each blob; may be NULL. */
        void (*progress)(void *userdata, const char *digest, uint64_t done, uint64_t total);
        void *progress_userdata;
} ImagePullOptions;

/* Pulls name (short names tried against the search registries; a
 * "docker://" prefix allowed) and stores it; returns the full image ID. */
int image_pull(Engine *e, const char *name, const ImagePullOptions *opts, char **ret_id,
               Error **err);

/* Applies image config changes ("CMD=...", "ENV=A=b", "LABEL k=v", ...;
 * KEY=VALUE as podman 1.0 wrote them, or KEY VALUE) to an OCI config's
 * "config" object. */
int image_changes_apply(json_t *config, char **changes, Error **err);

/* Imports a root filesystem tarball (plain, gzip or zstd) at source as a
 * new one-layer image named reference ("" or NULL: untagged); message
 * becomes the history comment; changes as image_changes_apply. */
int image_import(Engine *e, const char *source, const char *reference, const char *message,
                 char **changes, char **ret_id, Error **err);

/* Writes img to destination: "docker-archive:PATH[:REF]",
 * "oci-archive:PATH[:REF]" or "dir:PATH". extra_tags (array of
 * normalised names, may be NULL) are recorded too in archives. */
int image_export(Engine *e, Image *img, const char *destination, json_t *extra_tags, Error **err);

typedef struct ImagePushOptions {
        const char *cert_dir;
        const char *creds;
        const char *auth_file;
        bool tls_verify_set;
        bool tls_verify;
        const char *format;  /* "", "oci", "v2s2" or "docker" */
        const char *sign_by; /* signing is not supported: an error when set */
        void (*progress)(void *userdata, const char *digest, uint64_t done, uint64_t total);
        void *progress_userdata;
} ImagePushOptions;

/* Pushes img to a registry reference ("host/repo:tag"). */
int image_push(Engine *e, Image *img, const char *destination, const ImagePushOptions *opts,
               Error **err);

/* Loads the images of an archive or directory: "docker-archive:PATH[:REF]",
 * "oci-archive:PATH[:REF]", "dir:PATH", "oci:PATH[:REF]" or a plain PATH
 * (its format detected). names (array, may be NULL) are added to the
 * first image. *ret_id is the first image's ID. */
int image_load(Engine *e, const char *source, json_t *names, char **ret_id, Error **err);

/* Searches registries for term ("name", or "host/name" for one registry);
 * *ret is an array of {name, description, is_official, is_automated,
 * star_count}, at most limit per registry (0: the registry's default). */
int image_search(Engine *e, const char *term, int limit, json_t **ret, Error **err);

/* Removes dangling images (untagged, no child), or with all every image
 * no container uses as well (ImagesPrune, semantics 2.7 #64); their IDs
 * in *ret. */
int image_prune(Engine *e, bool all, json_t **ret, Error **err);

/* Removes layer directories and blobs no row refers to (debris of a
 * killed process), unless another process is using the store. */
void image_store_gc(Engine *e);
