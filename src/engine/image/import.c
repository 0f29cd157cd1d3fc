/* SPDX-License-Identifier: Apache-2.0 */
/* Importing a root filesystem tarball as a one-layer image (ImportImage,
 * `varpod import`): the tarball becomes the layer, a config is written
 * from the changes given, and an OCI manifest ties them together. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "engine-private.h"
#include "hostinfo.h"
#include "image-create.h"
#include "json-util.h"
#include "layer.h"
#include "lock.h"
#include "reference.h"
#include "registry.h"
#include "timefmt.h"
#include "xalloc.h"

static json_t *object_child(json_t *obj, const char *key) {
        json_t *v = json_object_get(obj, key);
        if (!json_is_object(v)) {
                v = json_object();
                json_object_set_new(obj, key, v);
        }
        return v;
}

static json_t *array_child(json_t *obj, const char *key) {
        json_t *v = json_object_get(obj, key);
        if (!json_is_array(v)) {
                v = json_array();
                json_object_set_new(obj, key, v);
        }
        return v;
}

/* CMD and ENTRYPOINT take a JSON array ("CMD=[\"sh\", \"-c\", \"x\"]"), or
 * else one argument per change, as podman 1.0 did. */
static int change_append_args(json_t *cfg, const char *key, const char *value, bool *fresh,
                              Error **err) {
        json_t *parsed = value[0] == '[' ? json_loads(value, 0, NULL) : NULL;
        if (parsed) {
                size_t i;
                json_t *v;
                json_array_foreach (parsed, i, v)
                        if (!json_is_string(v)) {
                                json_decref(parsed);
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "%s must be a JSON array of strings", key);
                        }
                json_object_set_new(cfg, key, parsed);
                *fresh = false;
                return 0;
        }
        if (*fresh)
                json_object_set_new(cfg, key, json_array());
        *fresh = false;
        json_array_append_new(array_child(cfg, key), json_string(value));
        return 0;
}

int image_changes_apply(json_t *cfg, char **changes, Error **err) {
        bool cmd_fresh = true, entrypoint_fresh = true;
        for (char **c = changes; c && *c; c++) {
                /* "KEY=value" (podman 1.0) or "KEY value" (Docker). */
                const char *sep = strpbrk(*c, "= ");
                if (!sep)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "no value given for instruction \"%s\"", *c);
                _cleanup_free_ char *key = xstrndup(*c, (size_t)(sep - *c));
                const char *value = sep + 1;
                if (STREQ(key, "USER"))
                        json_object_set_new(cfg, "User", json_string(value));
                else if (STREQ(key, "WORKDIR"))
                        json_object_set_new(cfg, "WorkingDir", json_string(value));
                else if (STREQ(key, "STOPSIGNAL"))
                        json_object_set_new(cfg, "StopSignal", json_string(value));
                else if (STREQ(key, "EXPOSE")) {
                        _cleanup_free_ char *port =
                                strchr(value, '/') ? xstrdup(value) : xasprintf("%s/tcp", value);
                        json_object_set_new(object_child(cfg, "ExposedPorts"), port, json_object());
                } else if (STREQ(key, "VOLUME"))
                        json_object_set_new(object_child(cfg, "Volumes"), value, json_object());
                else if (STREQ(key, "ENV")) {
                        /* The whole "NAME=value" is kept (the reference
                         * dropped everything after a second '='). */
                        if (!strchr(value, '='))
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "ENV `%s` needs NAME=VALUE", value);
                        json_array_append_new(array_child(cfg, "Env"), json_string(value));
                } else if (STREQ(key, "LABEL")) {
                        const char *eq = strchr(value, '=');
                        _cleanup_free_ char *k =
                                eq ? xstrndup(value, (size_t)(eq - value)) : xstrdup(value);
                        json_object_set_new(object_child(cfg, "Labels"), k,
                                            json_string(eq ? eq + 1 : ""));
                } else if (STREQ(key, "ONBUILD"))
                        json_array_append_new(array_child(cfg, "OnBuild"), json_string(value));
                else if (STREQ(key, "CMD")) {
                        if (change_append_args(cfg, "Cmd", value, &cmd_fresh, err) < 0)
                                return -1;
                } else if (STREQ(key, "ENTRYPOINT")) {
                        if (change_append_args(cfg, "Entrypoint", value, &entrypoint_fresh, err) <
                            0)
                                return -1;
                } else
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "unknown change instruction `%s`", key);
        }
        return 0;
}

static char *json_bytes(json_t *doc, char digest[DIGEST_STRING_SIZE]) {
        char *text = json_dumps(doc, JSON_COMPACT);
        digest_buffer(text, strlen(text), digest);
        return text;
}

int image_import(Engine *e, const char *source, const char *reference, const char *message,
                 char **changes, char **ret_id, Error **err) {
        _cleanup_json_ json_t *cfg = json_object();
        if (image_changes_apply(cfg, changes, err) < 0)
                return -1;
        _cleanup_free_ char *name = NULL;
        if (reference && *reference) {
                ImageRef ref = { 0 };
                if (image_ref_parse(reference, &ref, err) < 0)
                        return -1;
                image_ref_normalize(&ref, "localhost");
                name = image_ref_format(&ref);
                image_ref_clear(&ref);
        }

        _cleanup_close_ int fd = open(source, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "open `%s`", source);
        /* The shared store lock from the first staged file to the record:
         * another process opening the store clears staging only when it
         * gets the lock exclusively, and removals wait. */
        Lock layer_lock = LOCK_INIT, store_lock = LOCK_INIT;
        if (lock_acquire(e->config.runroot, "store", "images", false, &store_lock, err) < 0)
                return -1;
        _cleanup_free_ char *staging = NULL;
        if (engine_tmp_dir(e, "import", &staging, err) < 0) {
                lock_release(&store_lock);
                return -1;
        }
        _cleanup_free_ char *tree = xasprintf("%s/tree", staging);
        _cleanup_free_ char *blob_tmp = xasprintf("%s/blob", staging);
        LayerExtractResult res;
        LayerExtractOptions opts = {
                .whiteouts = LAYER_WHITEOUT_OVERLAY,
                .allow_devices = true,
                .preserve_owners = true,
        };
        int r = -1;
        /* Declared before the first goto so the cleanups see NULLs. */
        _cleanup_free_ char *created = NULL, *config_text = NULL, *manifest_text = NULL;
        _cleanup_free_ char *layer_dir = NULL, *blob_path = NULL;
        _cleanup_json_ json_t *config = NULL, *manifest = NULL;
        char blob_digest[DIGEST_STRING_SIZE];
        uint64_t blob_size;
        const char *media_type;
        if (mkdir(tree, 0755) < 0) {
                err_set(err, ERR_SYSTEM, errno, "create `%s`", tree);
                goto out;
        }
        if (layer_extract_fd(fd, tree, &opts, &res, err) < 0) {
                err_wrap(err, "import `%s`", source);
                goto out;
        }
        /* Keep a compressed tarball as it came; compress a plain one. */
        if (lseek(fd, 0, SEEK_SET) < 0) {
                err_set(err, ERR_SYSTEM, errno, "rewind `%s`", source);
                goto out;
        }
        if (res.compression == LAYER_COMPRESSION_NONE) {
                _cleanup_close_ int out =
                        open(blob_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                if (out < 0 || layer_compress(fd, out, LAYER_COMPRESSION_GZIP, blob_digest,
                                              &blob_size, err) < 0) {
                        if (out < 0)
                                err_set(err, ERR_SYSTEM, errno, "create `%s`", blob_tmp);
                        goto out;
                }
                media_type = MEDIA_TYPE_OCI_LAYER_GZIP;
        } else {
                if (image_file_copy(fd, blob_tmp, err) < 0)
                        goto out;
                memcpy(blob_digest, res.compressed_digest, DIGEST_STRING_SIZE);
                blob_size = res.compressed_size;
                media_type = res.compression == LAYER_COMPRESSION_GZIP ? MEDIA_TYPE_OCI_LAYER_GZIP
                                                                       : MEDIA_TYPE_OCI_LAYER_ZSTD;
        }

        ImageLayerInput layer = { .blob_media_type = media_type,
                                  .blob_size = (int64_t)blob_size,
                                  .size = (int64_t)res.uncompressed_size };
        memcpy(layer.diff_id, res.diff_id, DIGEST_STRING_SIZE);
        memcpy(layer.blob_digest, blob_digest, DIGEST_STRING_SIZE);
        image_chain_id(NULL, res.diff_id, layer.chain_id);

        struct utsname u;
        int64_t now = engine_now_ns();
        created = timefmt_rfc3339(now);
        config = json_pack("{s:s, s:s, s:s, s:O, s:{s:s, s:[s]}, s:[{s:s, s:s, s:s}]}", "created",
                           created, "architecture",
                           uname(&u) == 0 ? hostinfo_go_arch(u.machine) : "amd64", "os", "linux",
                           "config", cfg, "rootfs", "type", "layers", "diff_ids", res.diff_id,
                           "history", "created", created, "created_by",
                           "/bin/sh -c #(nop) ADD file in /", "comment", message ? message : "");
        char config_digest[DIGEST_STRING_SIZE], manifest_digest[DIGEST_STRING_SIZE];
        config_text = json_bytes(config, config_digest);
        manifest = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}]}", "schemaVersion",
                             2, "mediaType", MEDIA_TYPE_OCI_MANIFEST, "config", "mediaType",
                             MEDIA_TYPE_OCI_CONFIG, "digest", config_digest, "size",
                             (json_int_t)strlen(config_text), "layers", "mediaType", media_type,
                             "digest", blob_digest, "size", (json_int_t)blob_size);
        manifest_text = json_bytes(manifest, manifest_digest);

        if (lock_acquire(e->config.runroot, "layer", layer.chain_id + 7, true, &layer_lock, err) <
            0)
                goto out;
        layer_dir = engine_layer_path(e, layer.chain_id);
        blob_path = engine_blob_path(e, blob_digest);
        if (access(layer_dir, F_OK) != 0 && rename(tree, layer_dir) < 0) {
                err_set(err, ERR_SYSTEM, errno, "move layer into `%s`", layer_dir);
                goto out;
        }
        if (access(blob_path, F_OK) != 0 && rename(blob_tmp, blob_path) < 0) {
                err_set(err, ERR_SYSTEM, errno, "store blob %s", blob_digest);
                goto out;
        }
        if (image_blob_store(e, config_digest, config_text, strlen(config_text), err) < 0 ||
            image_blob_store(e, manifest_digest, manifest_text, strlen(manifest_text), err) < 0 ||
            image_create_record(e,
                                &(ImageInput){
                                        .name = name,
                                        .manifest_digest = manifest_digest,
                                        .manifest_media_type = MEDIA_TYPE_OCI_MANIFEST,
                                        .manifest_size = strlen(manifest_text),
                                        .config_digest = config_digest,
                                        .config_size = strlen(config_text),
                                        .config = config,
                                        .layers = &layer,
                                        .n_layers = 1,
                                },
                                err) < 0)
                goto out;
        *ret_id = xstrdup(config_digest + 7);
        r = 0;
out:
        lock_release(&layer_lock);
        lock_release(&store_lock);
        _cleanup_error_ Error *ignored = NULL;
        (void)layer_tree_remove(staging, &ignored);
        return r;
}
