/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include "engine-private.h"
#include "image.h"
#include "layer.h"
#include "xalloc.h"

void engine_config_set(char **field, const char *value) {
        free(*field);
        *field = value ? xstrdup(value) : NULL;
}

void engine_config_init(EngineConfig *c) {
        *c = (EngineConfig){ 0 };
        engine_config_set(&c->root, "/var/lib/varpod");
        engine_config_set(&c->runroot, "/run/varpod");
        engine_config_set(&c->storage_driver, "overlay");
        engine_config_set(&c->cgroup_manager, "cgroupfs");
        engine_config_set(&c->log_level, "error");
        c->storage_opts = xnew0(char *, 1);
}

void engine_config_clear(EngineConfig *c) {
        char **strings[] = { &c->root,      &c->runroot,        &c->storage_driver,
                             &c->runtime,   &c->cgroup_manager, &c->cni_config_dir,
                             &c->conmon,    &c->tmpdir,         &c->log_level,
                             &c->namespace, &c->hooks_dir,      &c->events_backend };
        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                free(*strings[i]);
                *strings[i] = NULL;
        }
        strv_free(c->storage_opts);
        c->storage_opts = NULL;
}

void engine_config_add_storage_opt(EngineConfig *c, const char *opt) {
        size_t n = 0;
        while (c->storage_opts && c->storage_opts[n])
                n++;
        c->storage_opts = xrealloc(c->storage_opts, (n + 2) * sizeof(char *));
        c->storage_opts[n] = xstrdup(opt);
        c->storage_opts[n + 1] = NULL;
}

static void engine_config_copy(EngineConfig *dst, const EngineConfig *src) {
        *dst = (EngineConfig){ 0 };
        engine_config_set(&dst->root, src->root);
        engine_config_set(&dst->runroot, src->runroot);
        engine_config_set(&dst->storage_driver, src->storage_driver);
        engine_config_set(&dst->runtime, src->runtime);
        engine_config_set(&dst->cgroup_manager, src->cgroup_manager);
        engine_config_set(&dst->cni_config_dir, src->cni_config_dir);
        engine_config_set(&dst->conmon, src->conmon);
        engine_config_set(&dst->tmpdir, src->tmpdir);
        engine_config_set(&dst->log_level, src->log_level);
        engine_config_set(&dst->namespace, src->namespace);
        engine_config_set(&dst->hooks_dir, src->hooks_dir);
        engine_config_set(&dst->events_backend, src->events_backend);
        dst->storage_opts = xnew0(char *, 1);
        for (char **p = src->storage_opts; p && *p; p++)
                engine_config_add_storage_opt(dst, *p);
}

static int mkdir_p(const char *path, mode_t mode, Error **err) {
        _cleanup_free_ char *p = xstrdup(path);
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return err_set(err, ERR_SYSTEM, errno, "create `%s`", p);
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return err_set(err, ERR_SYSTEM, errno, "create `%s`", p);
        return 0;
}

/* Staging entries are named "PID-purpose-XXXXXX" by the process that
 * made them; only those of processes that are gone are debris (a live
 * process may be staging without holding any lock yet). */
static bool tmp_entry_is_orphan(const char *name) {
        char *end;
        long pid = strtol(name, &end, 10);
        if (end == name || *end != '-' || pid <= 0)
                return true; /* not ours: an older layout, or junk */
        return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

void engine_tmp_clean(Engine *e) {
        DIR *d = opendir(e->tmp_dir);
        if (!d)
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, "..") ||
                    !tmp_entry_is_orphan(de->d_name))
                        continue;
                _cleanup_free_ char *p = xasprintf("%s/%s", e->tmp_dir, de->d_name);
                _cleanup_error_ Error *ignored = NULL;
                (void)layer_tree_remove(p, &ignored);
        }
        closedir(d);
}

int engine_open(Engine **ret, const EngineConfig *config, Error **err) {
        _cleanup_(engine_freep) Engine *e = xnew0(Engine, 1);
        engine_config_copy(&e->config, config);
        pthread_mutex_init(&e->pool_lock, NULL);
        e->db_path = xasprintf("%s/varpod.db", e->config.root);
        e->blobs_dir = xasprintf("%s/blobs/sha256", e->config.root);
        e->layers_dir = xasprintf("%s/layers", e->config.root);
        e->tmp_dir = xasprintf("%s/tmp", e->config.root);

        if (mkdir_p(e->config.root, 0700, err) < 0 || mkdir_p(e->config.runroot, 0700, err) < 0 ||
            mkdir_p(e->blobs_dir, 0700, err) < 0 || mkdir_p(e->layers_dir, 0700, err) < 0 ||
            mkdir_p(e->tmp_dir, 0700, err) < 0)
                return err_wrap(err, "open engine");

        /* The first connection migrates the schema; it then joins the pool. */
        Db *db;
        if (db_open(&db, e->db_path, err) < 0)
                return -1;
        engine_db_put(e, db);
        /* Debris of killed processes, staging included, unless another
         * process is working on the store right now. */
        image_store_gc(e);
        *ret = TAKE_PTR(e);
        return 0;
}

Engine *engine_free(Engine *e) {
        if (!e)
                return NULL;
        engine_services_free(e);
        for (size_t i = 0; i < e->n_pool; i++)
                db_free(e->pool[i]);
        free(e->pool);
        pthread_mutex_destroy(&e->pool_lock);
        free(e->db_path);
        free(e->blobs_dir);
        free(e->layers_dir);
        free(e->tmp_dir);
        engine_config_clear(&e->config);
        free(e);
        return NULL;
}

int engine_db_get(Engine *e, Db **ret, Error **err) {
        pthread_mutex_lock(&e->pool_lock);
        if (e->n_pool > 0) {
                *ret = e->pool[--e->n_pool];
                pthread_mutex_unlock(&e->pool_lock);
                return 0;
        }
        pthread_mutex_unlock(&e->pool_lock);
        return db_open(ret, e->db_path, err);
}

void engine_db_put(Engine *e, Db *db) {
        if (!db)
                return;
        pthread_mutex_lock(&e->pool_lock);
        xgrow((void **)&e->pool, &e->cap_pool, e->n_pool + 1, sizeof *e->pool);
        e->pool[e->n_pool++] = db;
        pthread_mutex_unlock(&e->pool_lock);
}

char *engine_blob_path(const Engine *e, const char *digest) {
        const char *hex = STRPREFIX(digest, "sha256:") ? digest + 7 : digest;
        return xasprintf("%s/%s", e->blobs_dir, hex);
}

char *engine_layer_path(const Engine *e, const char *chain_id) {
        const char *hex = STRPREFIX(chain_id, "sha256:") ? chain_id + 7 : chain_id;
        return xasprintf("%s/%s", e->layers_dir, hex);
}

int engine_tmp_dir(const Engine *e, const char *purpose, char **ret, Error **err) {
        _cleanup_free_ char *t = xasprintf("%s/%d-%s-XXXXXX", e->tmp_dir, (int)getpid(), purpose);
        if (!mkdtemp(t))
                return err_set(err, ERR_SYSTEM, errno, "create staging directory in `%s`",
                               e->tmp_dir);
        *ret = TAKE_PTR(t);
        return 0;
}

int64_t engine_now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const EngineConfig *engine_config(const Engine *e) { return &e->config; }

static const char *fs_name(long type) {
        static const struct {
                long magic;
                const char *name;
        } names[] = {
                { 0xEF53, "extfs" },         { 0x58465342, "xfs" },         { 0x01021994, "tmpfs" },
                { 0x794c7630, "overlayfs" }, { (long)0x9123683E, "btrfs" }, { 0x6969, "nfs" },
                { 0x2fc12fc1, "zfs" },       { 0x65735546, "fuse" },
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (names[i].magic == type)
                        return names[i].name;
        return "unknown";
}

int engine_store_info(Engine *e, EngineStoreInfo *ret, Error **err) {
        EngineStoreInfo info = { .driver = e->config.storage_driver };
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        sqlite3_stmt *s = NULL;
        int r = db_prepare(db, "SELECT count(*) FROM images", &s, err);
        if (r == 0) {
                if (sqlite3_step(s) == SQLITE_ROW)
                        info.images = sqlite3_column_int64(s, 0);
                else
                        r = db_error(db, err, "count images");
                db_stmt_resetp(&s);
        }
        engine_db_put(e, db);
        if (r < 0)
                return -1;
        struct statfs sf;
        snprintf(info.backing_filesystem, sizeof info.backing_filesystem, "%s",
                 statfs(e->config.root, &sf) == 0 ? fs_name((long)sf.f_type) : "unknown");
        /* Layers are extracted by us, whiteouts included: d_type matters
         * for overlay's lower directories; the major filesystems have it. */
        info.supports_d_type = !STREQ(info.backing_filesystem, "unknown");
        info.native_overlay_diff = false;
        *ret = info;
        return 0;
}
