/* SPDX-License-Identifier: Apache-2.0 */
#include "image-store.h"

#include <string.h>

#include "xalloc.h"

static char *column_strdup(sqlite3_stmt *s, int col) {
        const unsigned char *t = sqlite3_column_text(s, col);
        return t ? xstrdup((const char *)t) : NULL;
}

static void strv_push(char ***v, size_t *n, char *s) {
        *v = xrealloc(*v, (*n + 2) * sizeof(char *));
        (*v)[(*n)++] = s;
        (*v)[*n] = NULL;
}

Image *image_free(Image *img) {
        if (!img)
                return NULL;
        free(img->manifest_digest);
        free(img->manifest_media_type);
        free(img->top_layer);
        free(img->labels);
        strv_free(img->names);
        strv_free(img->layers);
        strv_free(img->layer_blobs);
        free(img);
        return NULL;
}

void image_list_free(Image **images, size_t n) {
        for (size_t i = 0; i < n; i++)
                image_free(images[i]);
        free(images);
}

void layer_record_clear(LayerRecord *l) {
        free(l->chain_id);
        free(l->diff_id);
        free(l->parent);
        free(l->blob_digest);
        free(l->blob_media_type);
        *l = (LayerRecord){ 0 };
}

#define IMAGE_COLUMNS \
        "id, manifest_digest, manifest_media_type, top_layer, created, stored, size, labels"

static Image *image_from_row(sqlite3_stmt *s) {
        Image *img = xnew0(Image, 1);
        snprintf(img->id, sizeof img->id, "%s", (const char *)sqlite3_column_text(s, 0));
        img->manifest_digest = column_strdup(s, 1);
        img->manifest_media_type = column_strdup(s, 2);
        img->top_layer = column_strdup(s, 3);
        img->created = sqlite3_column_int64(s, 4);
        img->stored = sqlite3_column_int64(s, 5);
        img->size = sqlite3_column_int64(s, 6);
        img->labels = column_strdup(s, 7);
        img->names = xnew0(char *, 1);
        img->layers = xnew0(char *, 1);
        img->layer_blobs = xnew0(char *, 1);
        return img;
}

/* Names and layers of one image. */
static int image_fill(Db *db, Image *img, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *names = NULL;
        if (db_prepare(db, "SELECT name FROM image_names WHERE image_id = ? ORDER BY position",
                       &names, err) < 0)
                return -1;
        sqlite3_bind_text(names, 1, img->id, -1, SQLITE_STATIC);
        size_t n = 0;
        int r;
        while ((r = sqlite3_step(names)) == SQLITE_ROW)
                strv_push(&img->names, &n, column_strdup(names, 0));
        if (r != SQLITE_DONE)
                return db_error(db, err, "read image names");

        _cleanup_stmt_ sqlite3_stmt *layers = NULL;
        if (db_prepare(db,
                       "SELECT chain_id, coalesce(blob_digest, '') FROM image_layers WHERE "
                       "image_id = ? ORDER BY idx",
                       &layers, err) < 0)
                return -1;
        sqlite3_bind_text(layers, 1, img->id, -1, SQLITE_STATIC);
        n = 0;
        size_t nb = 0;
        while ((r = sqlite3_step(layers)) == SQLITE_ROW) {
                strv_push(&img->layers, &n, column_strdup(layers, 0));
                strv_push(&img->layer_blobs, &nb, column_strdup(layers, 1));
        }
        if (r != SQLITE_DONE)
                return db_error(db, err, "read image layers");
        return 0;
}

int image_store_load(Db *db, const char *id, Image **ret, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "SELECT " IMAGE_COLUMNS " FROM images WHERE id = ?", &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        int r = sqlite3_step(s);
        if (r == SQLITE_DONE)
                return err_set(err, ERR_IMAGE_NOT_FOUND, 0, "image `%s`: no such image", id);
        if (r != SQLITE_ROW)
                return db_error(db, err, "read image");
        _cleanup_(image_freep) Image *img = image_from_row(s);
        if (image_fill(db, img, err) < 0)
                return -1;
        *ret = TAKE_PTR(img);
        return 0;
}

/* Names and layers of every listed image in two queries (not two per
 * image): both tables are read in image ID order, as the list is. */
static int image_fill_all(Db *db, Image **list, size_t n, Error **err) {
        static const struct {
                const char *sql;
                bool layers;
        } queries[] = {
                { "SELECT image_id, name, NULL FROM image_names ORDER BY image_id, position",
                  false },
                { "SELECT image_id, chain_id, coalesce(blob_digest, '') FROM image_layers ORDER BY "
                  "image_id, idx",
                  true },
        };
        for (size_t q = 0; q < ELEMENTSOF(queries); q++) {
                _cleanup_stmt_ sqlite3_stmt *s = NULL;
                if (db_prepare(db, queries[q].sql, &s, err) < 0)
                        return -1;
                size_t i = 0, n1 = 0, n2 = 0;
                int r;
                while ((r = sqlite3_step(s)) == SQLITE_ROW) {
                        const char *id = (const char *)sqlite3_column_text(s, 0);
                        while (i < n && strcmp(list[i]->id, id) < 0) {
                                i++;
                                n1 = n2 = 0;
                        }
                        if (i == n)
                                break;
                        if (!STREQ(list[i]->id, id))
                                continue;
                        if (!queries[q].layers)
                                strv_push(&list[i]->names, &n1, column_strdup(s, 1));
                        else {
                                strv_push(&list[i]->layers, &n1, column_strdup(s, 1));
                                strv_push(&list[i]->layer_blobs, &n2, column_strdup(s, 2));
                        }
                }
                if (r != SQLITE_DONE && r != SQLITE_ROW)
                        return db_error(db, err, "read image names and layers");
        }
        return 0;
}

int image_store_list(Db *db, Image ***ret, size_t *ret_n, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "SELECT " IMAGE_COLUMNS " FROM images ORDER BY id", &s, err) < 0)
                return -1;
        Image **list = NULL;
        size_t n = 0, cap = 0;
        int r;
        while ((r = sqlite3_step(s)) == SQLITE_ROW) {
                xgrow((void **)&list, &cap, n + 1, sizeof *list);
                list[n++] = image_from_row(s);
        }
        if (r != SQLITE_DONE) {
                image_list_free(list, n);
                return db_error(db, err, "list images");
        }
        if (image_fill_all(db, list, n, err) < 0) {
                image_list_free(list, n);
                return -1;
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

int image_store_find_name(Db *db, const char *name, char *ret_id, bool *ret_found, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "SELECT image_id FROM image_names WHERE name = ?", &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        int r = sqlite3_step(s);
        if (r == SQLITE_ROW)
                snprintf(ret_id, IMAGE_ID_SIZE, "%s", (const char *)sqlite3_column_text(s, 0));
        else if (r != SQLITE_DONE)
                return db_error(db, err, "find image name");
        *ret_found = r == SQLITE_ROW;
        return 0;
}

int image_store_find_prefix(Db *db, const char *prefix, char ret_ids[2][IMAGE_ID_SIZE],
                            size_t *ret_n, Error **err) {
        /* A range scan on the primary key: prefix <= id < prefix + 'g'
         * (hex digits sort below 'g'). */
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "SELECT id FROM images WHERE id >= ?1 AND id < ?1 || 'g' LIMIT 2", &s,
                       err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, prefix, -1, SQLITE_STATIC);
        size_t n = 0;
        int r;
        while ((r = sqlite3_step(s)) == SQLITE_ROW && n < 2)
                snprintf(ret_ids[n++], IMAGE_ID_SIZE, "%s",
                         (const char *)sqlite3_column_text(s, 0));
        if (r != SQLITE_DONE && r != SQLITE_ROW)
                return db_error(db, err, "find image by ID prefix");
        *ret_n = n;
        return 0;
}

static int step_done(Db *db, sqlite3_stmt *s, const char *what, Error **err) {
        return sqlite3_step(s) == SQLITE_DONE ? 0 : db_error(db, err, what);
}

int image_store_insert(Db *db, const Image *img, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "INSERT INTO images (" IMAGE_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, img->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, img->manifest_digest, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, img->manifest_media_type, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, img->top_layer, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, img->created);
        sqlite3_bind_int64(s, 6, img->stored);
        sqlite3_bind_int64(s, 7, img->size);
        sqlite3_bind_text(s, 8, img->labels, -1, SQLITE_STATIC);
        if (step_done(db, s, "insert image", err) < 0)
                return -1;

        _cleanup_stmt_ sqlite3_stmt *l = NULL;
        if (db_prepare(db,
                       "INSERT INTO image_layers (image_id, idx, chain_id, blob_digest) VALUES "
                       "(?, ?, ?, ?)",
                       &l, err) < 0)
                return -1;
        for (size_t i = 0; img->layers && img->layers[i]; i++) {
                sqlite3_reset(l);
                sqlite3_bind_text(l, 1, img->id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(l, 2, (sqlite3_int64)i);
                sqlite3_bind_text(l, 3, img->layers[i], -1, SQLITE_STATIC);
                sqlite3_bind_text(l, 4, img->layer_blobs ? img->layer_blobs[i] : NULL, -1,
                                  SQLITE_STATIC);
                if (step_done(db, l, "insert image layer", err) < 0)
                        return -1;
        }
        for (size_t i = 0; img->names && img->names[i]; i++)
                if (image_store_name_add(db, img->id, img->names[i], err) < 0)
                        return -1;
        return 0;
}

int image_store_delete(Db *db, const char *id, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "DELETE FROM images WHERE id = ?", &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        return step_done(db, s, "delete image", err);
}

int image_store_name_add(Db *db, const char *id, const char *name, Error **err) {
        /* A name moves to the image it is given to, as `podman tag` does. */
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db,
                       "INSERT INTO image_names (name, image_id, position) VALUES (?1, ?2, "
                       "(SELECT coalesce(max(position), -1) + 1 FROM image_names WHERE "
                       "image_id = ?2)) ON CONFLICT(name) DO UPDATE SET image_id = ?2, position = "
                       "excluded.position WHERE image_id != ?2",
                       &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        return step_done(db, s, "add image name", err);
}

int image_store_name_remove(Db *db, const char *id, const char *name, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "DELETE FROM image_names WHERE name = ? AND image_id = ?", &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        return step_done(db, s, "remove image name", err);
}

int image_store_children(Db *db, const char *top_layer, size_t *ret_n, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db,
                       "SELECT count(*) FROM images i JOIN layers l ON l.chain_id = i.top_layer "
                       "WHERE l.parent = ?",
                       &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, top_layer, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_ROW)
                return db_error(db, err, "count child images");
        *ret_n = (size_t)sqlite3_column_int64(s, 0);
        return 0;
}

#define LAYER_COLUMNS \
        "chain_id, diff_id, parent, blob_digest, blob_size, blob_media_type, size, created"

int layer_store_load(Db *db, const char *chain_id, LayerRecord *ret, bool *ret_found, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "SELECT " LAYER_COLUMNS " FROM layers WHERE chain_id = ?", &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, chain_id, -1, SQLITE_STATIC);
        int r = sqlite3_step(s);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
                return db_error(db, err, "read layer");
        *ret_found = r == SQLITE_ROW;
        if (r == SQLITE_ROW && ret)
                *ret = (LayerRecord){
                        .chain_id = column_strdup(s, 0),
                        .diff_id = column_strdup(s, 1),
                        .parent = column_strdup(s, 2),
                        .blob_digest = column_strdup(s, 3),
                        .blob_size = sqlite3_column_int64(s, 4),
                        .blob_media_type = column_strdup(s, 5),
                        .size = sqlite3_column_int64(s, 6),
                        .created = sqlite3_column_int64(s, 7),
                };
        return 0;
}

int layer_store_insert(Db *db, const LayerRecord *l, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db,
                       "INSERT OR IGNORE INTO layers (" LAYER_COLUMNS
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, l->chain_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, l->diff_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, l->parent, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, l->blob_digest, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, l->blob_size);
        sqlite3_bind_text(s, 6, l->blob_media_type, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 7, l->size);
        sqlite3_bind_int64(s, 8, l->created);
        return step_done(db, s, "insert layer", err);
}

static int chain_ids_query(Db *db, const char *sql, char ***ret, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, sql, &s, err) < 0)
                return -1;
        char **v = xnew0(char *, 1);
        size_t n = 0;
        int r;
        while ((r = sqlite3_step(s)) == SQLITE_ROW)
                strv_push(&v, &n, column_strdup(s, 0));
        if (r != SQLITE_DONE) {
                strv_free(v);
                return db_error(db, err, "list layers");
        }
        *ret = v;
        return 0;
}

int layer_store_delete_unused(Db *db, char ***ret, char ***ret_blobs, Error **err) {
        /* Children first: a layer's row goes only after its children's
         * (the parent reference is a foreign key). Repeat until stable. */
        char **v = xnew0(char *, 1);
        size_t n = 0, n_blobs = 0;
        if (ret_blobs)
                *ret_blobs = xnew0(char *, 1);
        for (;;) {
                char **batch = NULL;
                if (chain_ids_query(db,
                                    "SELECT chain_id FROM layers l WHERE NOT EXISTS (SELECT 1 "
                                    "FROM image_layers il WHERE il.chain_id = l.chain_id) AND "
                                    "NOT EXISTS (SELECT 1 FROM layers c WHERE c.parent = "
                                    "l.chain_id)",
                                    &batch, err) < 0) {
                        strv_free(v);
                        return -1;
                }
                if (!batch[0]) {
                        strv_free(batch);
                        break;
                }
                _cleanup_stmt_ sqlite3_stmt *d = NULL;
                if (db_prepare(db, "DELETE FROM layers WHERE chain_id = ?", &d, err) < 0) {
                        strv_free(batch);
                        strv_free(v);
                        return -1;
                }
                for (char **p = batch; *p; p++) {
                        LayerRecord rec;
                        bool found = false;
                        if (ret_blobs && layer_store_load(db, *p, &rec, &found, err) == 0 &&
                            found) {
                                if (rec.blob_digest)
                                        strv_push(ret_blobs, &n_blobs, TAKE_PTR(rec.blob_digest));
                                layer_record_clear(&rec);
                        }
                        sqlite3_reset(d);
                        sqlite3_bind_text(d, 1, *p, -1, SQLITE_STATIC);
                        if (step_done(db, d, "delete layer", err) < 0) {
                                strv_free(batch);
                                strv_free(v);
                                return -1;
                        }
                        strv_push(&v, &n, TAKE_PTR(*p));
                }
                free(batch);
        }
        *ret = v;
        return 0;
}

int layer_store_blob_in_use(Db *db, const char *blob_digest, bool *ret, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db,
                       "SELECT 1 FROM layers WHERE blob_digest = ?1 UNION ALL SELECT 1 FROM "
                       "image_layers WHERE blob_digest = ?1 LIMIT 1",
                       &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, blob_digest, -1, SQLITE_STATIC);
        int r = sqlite3_step(s);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
                return db_error(db, err, "find layer blob");
        *ret = r == SQLITE_ROW;
        return 0;
}

int layer_store_all(Db *db, char ***ret, Error **err) {
        return chain_ids_query(db, "SELECT chain_id FROM layers", ret, err);
}

int image_store_container_count(Db *db, const char *id, int64_t *ret, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "SELECT count(*) FROM containers WHERE image_id = ?", &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_ROW)
                return db_error(db, err, "count containers of image");
        *ret = sqlite3_column_int64(s, 0);
        return 0;
}
