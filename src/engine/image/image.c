/* SPDX-License-Identifier: Apache-2.0 */
/* Image operations on the local store: list, documents, tags, removal. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "container-fs.h"
#include "engine-private.h"
#include "image-store.h"
#include "layer.h"
#include "lock.h"
#include "reference.h"
#include "xalloc.h"

int image_list(Engine *e, Image ***ret, size_t *ret_n, Error **err) {
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        int r = image_store_list(db, ret, ret_n, err);
        engine_db_put(e, db);
        return r;
}

static int blob_load_json(Engine *e, const char *digest, json_t **ret, Error **err) {
        _cleanup_free_ char *path = engine_blob_path(e, digest);
        json_error_t jerr;
        json_t *doc = json_load_file(path, JSON_DECODE_ANY, &jerr);
        if (!doc)
                return err_set(err, ERR_INTERNAL, 0, "read blob `%s`: %s", digest, jerr.text);
        *ret = doc;
        return 0;
}

int image_config_load(Engine *e, const Image *img, json_t **ret, Error **err) {
        _cleanup_free_ char *digest = xasprintf("sha256:%s", img->id);
        return blob_load_json(e, digest, ret, err);
}

int image_manifest_load(Engine *e, const Image *img, json_t **ret, Error **err) {
        return blob_load_json(e, img->manifest_digest, ret, err);
}

int image_is_parent(Engine *e, const Image *img, bool *ret, Error **err) {
        if (!img->top_layer) {
                *ret = false;
                return 0;
        }
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        size_t n;
        int r = image_store_children(db, img->top_layer, &n, err);
        engine_db_put(e, db);
        if (r == 0)
                *ret = n > 0;
        return r;
}

int image_container_count(Engine *e, const Image *img, int64_t *ret, Error **err) {
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        int r = image_store_container_count(db, img->id, ret, err);
        engine_db_put(e, db);
        return r;
}

int image_tag(Engine *e, const Image *img, const char *name, Error **err) {
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        int r = image_store_name_add(db, img->id, name, err);
        engine_db_put(e, db);
        return r;
}

int image_untag(Engine *e, const Image *img, const char *name, Error **err) {
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        int r = image_store_name_remove(db, img->id, name, err);
        engine_db_put(e, db);
        return r;
}

/* Which of the image's names the request meant: its normalised form,
 * localhost/NAME, or a repository-suffix match. NULL when none. */
static const char *image_name_matching(const Image *img, const char *request) {
        ImageRef ref = { 0 };
        _cleanup_error_ Error *ignored = NULL;
        _cleanup_free_ char *normal = NULL, *local = NULL;
        if (image_ref_parse_normalized(request, &ref, &ignored) == 0) {
                normal = image_ref_format(&ref);
                image_ref_clear(&ref);
        }
        ImageRef lref = { 0 };
        _cleanup_free_ char *ltext = xasprintf("localhost/%s", request);
        if (image_ref_parse_normalized(ltext, &lref, &ignored) == 0) {
                local = image_ref_format(&lref);
                image_ref_clear(&lref);
        }
        for (char **n = img->names; *n; n++)
                if ((normal && STREQ(*n, normal)) || (local && STREQ(*n, local)) ||
                    STREQ(*n, request))
                        return *n;
        /* Suffix match ("busybox" for "127.0.0.1:5000/x/busybox:latest"). */
        ImageRef want = { 0 };
        if (image_ref_parse(request, &want, &ignored) < 0)
                return NULL;
        const char *tag = want.tag ? want.tag : "latest";
        const char *found = NULL;
        for (char **n = img->names; *n && !found; n++) {
                ImageRef have = { 0 };
                if (image_ref_parse(*n, &have, &ignored) < 0)
                        continue;
                _cleanup_free_ char *repo = image_ref_repository(&have);
                size_t rl = strlen(repo), pl = strlen(want.path);
                if (rl >= pl && STREQ(repo + rl - pl, want.path) &&
                    (rl == pl || repo[rl - pl - 1] == '/') && have.tag && STREQ(have.tag, tag))
                        found = *n;
                image_ref_clear(&have);
        }
        image_ref_clear(&want);
        return found;
}

static bool request_is_id(const Image *img, const char *request) {
        const char *r = STRPREFIX(request, "sha256:") ? request + 7 : request;
        return *r && STRPREFIX(img->id, r);
}

/* Deletes an image's rows and then the files nobody refers to any more,
 * under the exclusive store lock (no pull is between its layer check and
 * its commit meanwhile). */
static int image_delete(Engine *e, Db *db, const Image *img, Error **err) {
        if (db_transaction_begin(db, err) < 0)
                return -1;
        char **gone = NULL, **blobs = NULL;
        /* This image's own layer blobs go too unless another image or
         * layer still names them. */
        size_t n_own = 0;
        while (img->layer_blobs && img->layer_blobs[n_own])
                n_own++;
        if (image_store_delete(db, img->id, err) < 0 ||
            layer_store_delete_unused(db, &gone, &blobs, err) < 0 ||
            db_transaction_commit(db, err) < 0) {
                db_transaction_rollback(db);
                strv_free(gone);
                strv_free(blobs);
                return err_wrap(err, "remove image %s", img->id);
        }
        /* The rows are gone: from here on a crash leaves only debris, which
         * the next open clears. */
        for (char **c = gone; c && *c; c++) {
                _cleanup_free_ char *dir = engine_layer_path(e, *c);
                _cleanup_error_ Error *ignored = NULL;
                (void)layer_tree_remove(dir, &ignored);
                free(*c);
        }
        free(gone);
        for (char **b = blobs; b && *b; b++) {
                /* Another stack may share the same compressed blob. */
                bool used = true;
                _cleanup_error_ Error *ignored = NULL;
                if (layer_store_blob_in_use(db, *b, &used, &ignored) == 0 && !used) {
                        _cleanup_free_ char *path = engine_blob_path(e, *b);
                        (void)unlink(path);
                }
        }
        strv_free(blobs);
        for (size_t i = 0; i < n_own; i++) {
                bool used = true;
                _cleanup_error_ Error *ignored = NULL;
                if (*img->layer_blobs[i] &&
                    layer_store_blob_in_use(db, img->layer_blobs[i], &used, &ignored) == 0 &&
                    !used) {
                        _cleanup_free_ char *path = engine_blob_path(e, img->layer_blobs[i]);
                        (void)unlink(path);
                }
        }
        _cleanup_free_ char *config = engine_blob_path(e, img->id);
        _cleanup_free_ char *manifest = engine_blob_path(e, img->manifest_digest);
        (void)unlink(config);
        (void)unlink(manifest);
        return 0;
}

int image_remove(Engine *e, const char *name, bool force, char **ret_id, Error **err) {
        Lock store = LOCK_INIT;
        if (lock_acquire(e->config.runroot, "store", "images", true, &store, err) < 0)
                return -1;
        Db *db = NULL;
        _cleanup_(image_freep) Image *img = NULL;
        int r = -1;
        if (image_lookup(e, name, &img, err) < 0 || engine_db_get(e, &db, err) < 0)
                goto out;

        size_t n_names = 0, children = 0;
        while (img->names[n_names])
                n_names++;
        if (img->top_layer && image_store_children(db, img->top_layer, &children, err) < 0)
                goto out;
        int64_t users = 0;
        if (image_store_container_count(db, img->id, &users, err) < 0)
                goto out;
        bool by_id = request_is_id(img, name);
        const char *match = by_id ? NULL : image_name_matching(img, name);

        if ((n_names > 1 && match) || (children > 0 && match)) {
                /* Only the name goes; the image stays for its other names
                 * or its children. */
                if (image_store_name_remove(db, img->id, match, err) < 0)
                        goto out;
        } else if (children > 0) {
                err_set(err, ERR_BAD_STATE, 0,
                        "unable to delete \"%s\" (cannot be forced) - image has dependent child "
                        "images",
                        img->id);
                goto out;
        } else if (n_names > 1 && !force) {
                err_set(err, ERR_BAD_STATE, 0,
                        "unable to delete %s (must force) - image is referred to in multiple tags",
                        img->id);
                goto out;
        } else if (users > 0 && !force) {
                err_set(err, ERR_BAD_STATE, 0,
                        "could not remove image %s as it is being used by %lld containers", img->id,
                        (long long)users);
                goto out;
        } else {
                /* With force the containers go first (running ones
                 * stopped), as libpod did. Container removal never takes
                 * the store lock, so holding it here is safe. */
                if (users > 0 && container_remove_by_image(e, img->id, err) < 0)
                        goto out;
                if (image_delete(e, db, img, err) < 0)
                        goto out;
        }

        *ret_id = xstrdup(img->id);
        r = 0;
out:
        engine_db_put(e, db);
        lock_release(&store);
        return r;
}

int image_remove_intermediate(Engine *e, const char *id, Error **err) {
        Lock store = LOCK_INIT;
        if (lock_acquire(e->config.runroot, "store", "images", true, &store, err) < 0)
                return -1;
        Db *db = NULL;
        _cleanup_(image_freep) Image *img = NULL;
        int64_t users = 0;
        int r = -1;
        if (image_lookup(e, id, &img, err) < 0 || engine_db_get(e, &db, err) < 0 ||
            image_store_container_count(db, img->id, &users, err) < 0)
                goto out;
        if (img->names[0] || users > 0) {
                err_set(err, ERR_BAD_STATE, 0,
                        "image %s is named or used: not an intermediate image", img->id);
                goto out;
        }
        r = image_delete(e, db, img, err);
out:
        engine_db_put(e, db);
        lock_release(&store);
        return r;
}

int image_remove_unused(Engine *e, json_t **ret, Error **err) {
        /* Every image no container uses, children before their parents (in
         * ID order a parent could come first and fail the whole call).
         * Without containers that is exactly what ImagesPrune removes; when
         * containers land, both skip the images they use. */
        return image_prune(e, true, ret, err);
}
