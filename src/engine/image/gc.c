/* SPDX-License-Identifier: Apache-2.0 */
/* Debris left by a process killed mid-pull or mid-removal: staging under
 * ROOT/tmp, layer directories and blobs that no row refers to. Every
 * writer (pull, import, load) holds the store lock (shared) from its first
 * file to its commit, and removal holds it exclusively, so whoever gets it
 * exclusively sees only finished work and debris. */
#include <dirent.h>
#include <string.h>
#include <unistd.h>

#include "engine-private.h"
#include "image-store.h"
#include "layer.h"
#include "lock.h"
#include "xalloc.h"

static bool is_hex64(const char *s) {
        if (strlen(s) != 64)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

static int query_exists(Db *db, const char *sql, const char *value, bool *ret, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, sql, &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, value, -1, SQLITE_STATIC);
        int r = sqlite3_step(s);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
                return db_error(db, err, "check reference");
        *ret = r == SQLITE_ROW;
        return 0;
}

static void gc_dir(Engine *e, Db *db, const char *dir, bool layers) {
        DIR *d = opendir(dir);
        if (!d)
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!is_hex64(de->d_name))
                        continue;
                _cleanup_free_ char *digest = xasprintf("sha256:%s", de->d_name);
                bool used = true;
                _cleanup_error_ Error *ignored = NULL;
                int r = layers ? query_exists(db, "SELECT 1 FROM layers WHERE chain_id = ?", digest,
                                              &used, &ignored)
                               : query_exists(db,
                                              "SELECT 1 FROM images WHERE id = substr(?1, 8) OR "
                                              "manifest_digest = ?1 UNION ALL SELECT 1 FROM "
                                              "layers WHERE blob_digest = ?1 UNION ALL "
                                              "SELECT 1 FROM image_layers WHERE "
                                              "blob_digest = ?1",
                                              digest, &used, &ignored);
                if (r < 0 || used)
                        continue;
                _cleanup_free_ char *path = xasprintf("%s/%s", dir, de->d_name);
                if (layers)
                        (void)layer_tree_remove(path, &ignored);
                else
                        (void)unlink(path);
        }
        closedir(d);
}

void image_store_gc(Engine *e) {
        Lock store = LOCK_INIT;
        _cleanup_error_ Error *busy = NULL;
        if (lock_try_acquire(e->config.runroot, "store", "images", true, &store, &busy) < 0)
                return; /* someone is working: their files are not debris */
        engine_tmp_clean(e);
        Db *db;
        if (engine_db_get(e, &db, &busy) == 0) {
                gc_dir(e, db, e->layers_dir, true);
                gc_dir(e, db, e->blobs_dir, false);
                engine_db_put(e, db);
        }
        lock_release(&store);
}
