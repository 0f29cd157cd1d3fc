/* SPDX-License-Identifier: Apache-2.0 */
/* Commit (semantics 2.5 #38, `varpod commit`): a container's changes as
 * a new image. The changes become one layer on top of the image's layers
 * (stored like a pulled layer: the compressed blob, and the layer
 * directory extracted from the same tar under its chain ID), with a new
 * config and a manifest in the format asked for.
 *
 * The container is not locked meanwhile: pausing takes its lock, and the
 * store lock is taken after, never while a container lock is held, as
 * RemoveImage with force takes them the other way round. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commit-private.h"
#include "engine-private.h"
#include "image-create.h"
#include "image-manifest.h"
#include "image.h"
#include "json-util.h"
#include "layer.h"
#include "lock.h"
#include "reference.h"
#include "registry.h"
#include "xalloc.h"

/* "" and "oci" mean OCI, "docker" Docker schema 2; the reference knew no
 * other spelling here. */
static int commit_format_parse(const char *text, bool *ret_docker, Error **err) {
        if (!text || !*text || STREQ(text, "oci")) {
                *ret_docker = false;
                return 0;
        }
        if (STREQ(text, "docker")) {
                *ret_docker = true;
                return 0;
        }
        return err_set(err, ERR_INVALID_ARGUMENT, 0, "unrecognized image format \"%s\"", text);
}

/* The name the new image gets: NULL for none; an unqualified name goes
 * under localhost/ with tag latest, as buildah names local images. */
static int commit_name_parse(const char *text, char **ret, Error **err) {
        *ret = NULL;
        if (!text || !*text)
                return 0;
        /* The destination is always local storage: its transport prefix
         * says nothing more. */
        if (STRPREFIX(text, "containers-storage:"))
                text += strlen("containers-storage:");
        ImageRef ref = { 0 };
        if (image_ref_parse(text, &ref, err) < 0)
                return err_wrap(err, "invalid image name `%s`", text);
        if (ref.digest) {
                image_ref_clear(&ref);
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "invalid image name `%s`: a new image has no digest yet", text);
        }
        image_ref_normalize(&ref, "localhost");
        *ret = image_ref_format(&ref);
        image_ref_clear(&ref);
        return 0;
}

/* The record of each of the image's layers plus the new one; the rows of
 * the existing ones are there already, so only their chain IDs matter. */
static ImageLayerInput *commit_layers(const Image *img, json_t *base_config, json_t *manifest,
                                      const ImageLayerInput *top, size_t *ret_n) {
        size_t n = 0;
        ImageLayerInput *layers = image_layer_inputs(img, base_config, manifest, 1, &n);
        layers[n] = *top;
        *ret_n = n + 1;
        return layers;
}

typedef struct CommitWork {
        Engine *e;
        const Container *c;
        const ContainerCommitOptions *opts;
        bool docker;
        const char *name;
        char *staging;
} CommitWork;

/* Everything from the layer tar to the image record. */
static int commit_image(CommitWork *w, char **ret_id, Error **err) {
        Engine *e = w->e;
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_json_ json_t *base_config = NULL, *base_manifest = NULL;
        if (image_lookup(e, w->c->image_id, &img, err) < 0 ||
            image_config_load(e, img, &base_config, err) < 0 ||
            image_manifest_load(e, img, &base_manifest, err) < 0)
                return err_wrap(err, "image of container %s", w->c->id);

        _cleanup_free_ char *diff_dir = xasprintf("%s/diff", w->staging);
        _cleanup_free_ char *tar_path = xasprintf("%s/layer.tar", w->staging);
        _cleanup_free_ char *blob_tmp = xasprintf("%s/blob", w->staging);
        _cleanup_free_ char *tree = xasprintf("%s/tree", w->staging);
        if (mkdir(diff_dir, 0755) < 0 || mkdir(tree, 0755) < 0)
                return err_set(err, ERR_SYSTEM, errno, "create staging directories");

        /* The tar is kept whole: compressed for the blob, extracted for
         * the layer directory, so both come from the same bytes. */
        char diff_id[DIGEST_STRING_SIZE];
        _cleanup_close_ int tar = open(tar_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (tar < 0)
                return err_set(err, ERR_SYSTEM, errno, "create `%s`", tar_path);
        if (commit_layer_write(e, w->c, diff_dir, tar, diff_id, err) < 0)
                return err_wrap(err, "write layer");
        ImageLayerInput top = { .blob_media_type = MEDIA_TYPE_OCI_LAYER_GZIP };
        memcpy(top.diff_id, diff_id, DIGEST_STRING_SIZE);
        image_chain_id(img->top_layer, diff_id, top.chain_id);
        {
                _cleanup_close_ int blob =
                        open(blob_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                uint64_t blob_size = 0;
                if (blob < 0)
                        return err_set(err, ERR_SYSTEM, errno, "create `%s`", blob_tmp);
                if (lseek(tar, 0, SEEK_SET) < 0)
                        return err_set(err, ERR_SYSTEM, errno, "rewind `%s`", tar_path);
                if (layer_compress(tar, blob, LAYER_COMPRESSION_GZIP, top.blob_digest, &blob_size,
                                   err) < 0)
                        return err_wrap(err, "compress layer");
                if (fsync(blob) < 0)
                        return err_set(err, ERR_SYSTEM, errno, "write `%s`", blob_tmp);
                top.blob_size = (int64_t)blob_size;
        }
        LayerExtractOptions xopts = { .whiteouts = LAYER_WHITEOUT_OVERLAY,
                                      .allow_devices = true,
                                      .preserve_owners = true };
        LayerExtractResult res;
        if (lseek(tar, 0, SEEK_SET) < 0)
                return err_set(err, ERR_SYSTEM, errno, "rewind `%s`", tar_path);
        if (layer_extract_fd(tar, tree, &xopts, &res, err) < 0)
                return err_wrap(err, "extract layer");
        top.size = (int64_t)res.uncompressed_size;

        /* Config and manifest. */
        _cleanup_json_ json_t *config = NULL;
        if (commit_config_make(w->c, base_config, w->opts, diff_id, engine_now_ns(), w->docker,
                               &config, err) < 0)
                return -1;
        char config_digest[DIGEST_STRING_SIZE], manifest_digest[DIGEST_STRING_SIZE];
        _cleanup_free_ char *config_text = json_dumps(config, JSON_COMPACT);
        digest_buffer(config_text, strlen(config_text), config_digest);
        _cleanup_json_ json_t *draft = json_deep_copy(base_manifest);
        json_object_set_new(draft, "config",
                            json_pack("{s:s, s:s, s:I}", "mediaType", MEDIA_TYPE_OCI_CONFIG,
                                      "digest", config_digest, "size",
                                      (json_int_t)strlen(config_text)));
        json_t *descs = json_object_get(draft, "layers");
        if (!json_is_array(descs)) {
                descs = json_array();
                json_object_set_new(draft, "layers", descs);
        }
        json_array_append_new(descs, json_pack("{s:s, s:s, s:I}", "mediaType", top.blob_media_type,
                                               "digest", top.blob_digest, "size",
                                               (json_int_t)top.blob_size));
        json_object_del(draft, "annotations");
        _cleanup_json_ json_t *manifest = NULL;
        if (image_manifest_convert(draft, w->docker ? MANIFEST_FORMAT_DOCKER : MANIFEST_FORMAT_OCI,
                                   &manifest, err) < 0)
                return err_wrap(err, "manifest of the new image");
        _cleanup_free_ char *manifest_text = image_manifest_bytes(manifest, manifest_digest);
        if (w->docker)
                top.blob_media_type = MEDIA_TYPE_DOCKER_LAYER_GZIP;
        size_t n_layers = 0;
        _cleanup_free_ ImageLayerInput *layers =
                commit_layers(img, base_config, manifest, &top, &n_layers);

        /* Into the store: the shared store lock keeps removals (which
         * delete unreferenced layers) out until the record is in. */
        Lock store = LOCK_INIT, layer_lock = LOCK_INIT;
        _cleanup_free_ char *layer_dir = engine_layer_path(e, top.chain_id);
        _cleanup_free_ char *blob_path = engine_blob_path(e, top.blob_digest);
        int r = -1;
        if (lock_acquire(e->config.runroot, "store", "images", false, &store, err) < 0 ||
            lock_acquire(e->config.runroot, "layer", top.chain_id + 7, true, &layer_lock, err) < 0)
                goto out;
        if (access(layer_dir, F_OK) != 0 && rename(tree, layer_dir) < 0) {
                err_set(err, ERR_SYSTEM, errno, "move layer into `%s`", layer_dir);
                goto out;
        }
        if (access(blob_path, F_OK) != 0 && rename(blob_tmp, blob_path) < 0) {
                err_set(err, ERR_SYSTEM, errno, "store blob %s", top.blob_digest);
                goto out;
        }
        if (image_blob_store(e, config_digest, config_text, strlen(config_text), err) < 0 ||
            image_blob_store(e, manifest_digest, manifest_text, strlen(manifest_text), err) < 0)
                goto out;
        ImageInput in = {
                .name = w->name,
                .manifest_digest = manifest_digest,
                .manifest_media_type =
                        w->docker ? MEDIA_TYPE_DOCKER_MANIFEST : MEDIA_TYPE_OCI_MANIFEST,
                .manifest_size = strlen(manifest_text),
                .config_digest = config_digest,
                .config_size = strlen(config_text),
                .config = config,
                .layers = layers,
                .n_layers = n_layers,
        };
        if (image_create_record(e, &in, err) < 0)
                goto out;
        *ret_id = xstrdup(config_digest + 7);
        r = 0;
out:
        lock_release(&layer_lock);
        lock_release(&store);
        return r;
}

int container_commit(Engine *e, const Container *c, const ContainerCommitOptions *opts,
                     char **ret_id, Error **err) {
        bool docker = false;
        _cleanup_free_ char *name = NULL;
        if (commit_format_parse(opts->manifest_type, &docker, err) < 0 ||
            commit_name_parse(opts->image_name, &name, err) < 0)
                return -1;

        /* A fresh record: pausing acts on, and updates, the current one. */
        _cleanup_(container_freep) Container *cur = NULL;
        if (container_lookup(e, c->id, &cur, err) < 0 || container_sync(e, cur, err) < 0)
                return -1;
        bool paused = false;
        if (opts->pause && cur->state == CONTAINER_STATE_RUNNING) {
                if (container_pause(e, cur, err) < 0)
                        return err_wrap(err, "pause container %s for commit", c->id);
                paused = true;
        }

        CommitWork w = { .e = e, .c = cur, .opts = opts, .docker = docker, .name = name };
        int r = engine_tmp_dir(e, "commit", &w.staging, err);
        if (r == 0)
                r = commit_image(&w, ret_id, err);
        if (w.staging) {
                _cleanup_error_ Error *ignored = NULL;
                (void)layer_tree_remove(w.staging, &ignored);
                free(w.staging);
        }
        if (paused) {
                _cleanup_error_ Error *unpause = NULL;
                if (container_unpause(e, cur, &unpause) < 0 && r == 0) {
                        /* The image is in; a container left paused must
                         * still be said. */
                        free(*ret_id);
                        *ret_id = NULL;
                        r = err_propagate(err, TAKE_PTR(unpause));
                        err_wrap(err, "unpause container %s after commit", c->id);
                }
        }
        if (r < 0)
                return err_wrap(err, "commit container %s", c->id);
        return 0;
}
