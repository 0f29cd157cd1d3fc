/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine-private.h"
#include "image-create.h"
#include "image-store.h"
#include "timefmt.h"
#include "xalloc.h"

void image_chain_id(const char *parent_chain_id, const char *diff_id,
                    char ret[DIGEST_STRING_SIZE]) {
        if (!parent_chain_id) {
                snprintf(ret, DIGEST_STRING_SIZE, "%s", diff_id);
                return;
        }
        _cleanup_free_ char *text = xasprintf("%s %s", parent_chain_id, diff_id);
        digest_buffer(text, strlen(text), ret);
}

int image_blob_store(Engine *e, const char *digest, const void *data, size_t len, Error **err) {
        if (!digest_is_valid(digest))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid digest `%s`", digest);
        _cleanup_free_ char *path = engine_blob_path(e, digest);
        if (access(path, F_OK) == 0)
                return 0;
        _cleanup_free_ char *tmp = NULL;
        if (engine_tmp_dir(e, "blob", &tmp, err) < 0)
                return -1;
        _cleanup_free_ char *file = xasprintf("%s/blob", tmp);
        int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        int r = 0;
        if (fd < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) < 0 ||
            rename(file, path) < 0)
                r = err_set(err, ERR_SYSTEM, errno ? errno : EIO, "store blob %s", digest);
        if (fd >= 0)
                close(fd);
        (void)unlink(file);
        (void)rmdir(tmp);
        return r;
}

int image_file_copy(int in, const char *path, Error **err) {
        _cleanup_close_ int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (out < 0)
                return err_set(err, ERR_SYSTEM, errno, "create `%s`", path);
        char buf[1 << 16];
        ssize_t n;
        while ((n = read(in, buf, sizeof buf)) > 0)
                if (write(out, buf, (size_t)n) != n)
                        return err_set(err, ERR_SYSTEM, errno ? errno : EIO, "write `%s`", path);
        if (n < 0 || fsync(out) < 0)
                return err_set(err, ERR_SYSTEM, errno, "copy into `%s`", path);
        return 0;
}

int image_create_record(Engine *e, const ImageInput *in, Error **err) {
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        int r = db_transaction_begin(db, err);
        if (r < 0)
                goto out;
        int64_t now = engine_now_ns();
        int64_t size = (int64_t)(in->manifest_size + in->config_size);
        for (size_t i = 0; i < in->n_layers && r == 0; i++) {
                const ImageLayerInput *l = &in->layers[i];
                LayerRecord rec;
                bool found = false;
                r = layer_store_load(db, l->chain_id, &rec, &found, err);
                if (r < 0)
                        break;
                if (found) {
                        size += rec.size;
                        layer_record_clear(&rec);
                        continue;
                }
                size += l->size;
                r = layer_store_insert(
                        db,
                        &(LayerRecord){
                                .chain_id = (char *)l->chain_id,
                                .diff_id = (char *)l->diff_id,
                                .parent = i > 0 ? (char *)in->layers[i - 1].chain_id : NULL,
                                .blob_digest = (char *)l->blob_digest,
                                .blob_size = l->blob_size,
                                .blob_media_type = (char *)l->blob_media_type,
                                .size = l->size,
                                .created = now,
                        },
                        err);
        }
        const char *id = in->config_digest + 7;
        if (r == 0) {
                _cleanup_(image_freep) Image *existing = NULL;
                Error *missing = NULL;
                if (image_store_load(db, id, &existing, &missing) == 0) {
                        if (in->name)
                                r = image_store_name_add(db, id, in->name, err);
                } else {
                        err_free(missing);
                        int64_t created = 0;
                        const char *c = json_string_value(json_object_get(in->config, "created"));
                        if (c)
                                (void)timefmt_rfc3339_parse(c, &created);
                        _cleanup_free_ char **chain = xnew0(char *, in->n_layers + 1);
                        _cleanup_free_ char **blobs = xnew0(char *, in->n_layers + 1);
                        for (size_t i = 0; i < in->n_layers; i++) {
                                chain[i] = (char *)in->layers[i].chain_id;
                                blobs[i] = (char *)in->layers[i].blob_digest;
                        }
                        char *names[] = { (char *)in->name, NULL };
                        Image img = {
                                .manifest_digest = (char *)in->manifest_digest,
                                .manifest_media_type = (char *)in->manifest_media_type,
                                .top_layer = in->n_layers > 0
                                                     ? (char *)in->layers[in->n_layers - 1].chain_id
                                                     : NULL,
                                .created = created,
                                .stored = now,
                                .size = size,
                                .names = names,
                                .layers = chain,
                                .layer_blobs = blobs,
                        };
                        json_t *labels =
                                json_object_get(json_object_get(in->config, "config"), "Labels");
                        _cleanup_free_ char *labels_text =
                                json_is_object(labels) && json_object_size(labels)
                                        ? json_dumps(labels, JSON_COMPACT)
                                        : NULL;
                        img.labels = labels_text;
                        snprintf(img.id, sizeof img.id, "%s", id);
                        r = image_store_insert(db, &img, err);
                }
        }
        if (r == 0)
                r = db_transaction_commit(db, err);
        else
                db_transaction_rollback(db);
out:
        engine_db_put(e, db);
        return r;
}

ImageLayerInput *image_layer_inputs(const Image *img, json_t *config, json_t *manifest,
                                    size_t extra, size_t *ret_n) {
        size_t n = 0;
        while (img->layers && img->layers[n])
                n++;
        ImageLayerInput *layers = xnew0(ImageLayerInput, n + extra + 1);
        json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
        json_t *descs = json_object_get(manifest, "layers");
        for (size_t i = 0; i < n; i++) {
                json_t *d = json_array_get(descs, i);
                const char *diff = json_string_value(json_array_get(diff_ids, i));
                const char *blob = json_string_value(json_object_get(d, "digest"));
                snprintf(layers[i].chain_id, sizeof layers[i].chain_id, "%s", img->layers[i]);
                snprintf(layers[i].diff_id, sizeof layers[i].diff_id, "%s", diff ? diff : "");
                snprintf(layers[i].blob_digest, sizeof layers[i].blob_digest, "%s",
                         blob ? blob : "");
                layers[i].blob_media_type = json_string_value(json_object_get(d, "mediaType"));
                layers[i].blob_size = json_integer_value(json_object_get(d, "size"));
        }
        *ret_n = n;
        return layers;
}
