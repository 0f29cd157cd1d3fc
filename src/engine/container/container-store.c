/* SPDX-License-Identifier: Apache-2.0 */
#include "container-store.h"

#include <string.h>

#include "json-util.h"
#include "xalloc.h"

#define CONTAINER_COLUMNS                                                                      \
        "id, name, image_id, image_name, pod_id, created, state, pid, conmon_pid, exit_code, " \
        "oom_killed, started, finished, create_config, resolved, netns, network, mounted"

static char *column_strdup(sqlite3_stmt *s, int col) {
        const unsigned char *t = sqlite3_column_text(s, col);
        return t ? xstrdup((const char *)t) : NULL;
}

static json_t *column_json(sqlite3_stmt *s, int col) {
        const char *t = (const char *)sqlite3_column_text(s, col);
        return t ? json_loads(t, 0, NULL) : NULL;
}

Container *container_free(Container *c) {
        if (!c)
                return NULL;
        free(c->name);
        free(c->image_name);
        free(c->pod_id);
        json_decref(c->create);
        json_decref(c->resolved);
        free(c->netns);
        json_decref(c->network);
        free(c->mounted);
        free(c);
        return NULL;
}

void container_list_free(Container **list, size_t n) {
        for (size_t i = 0; i < n; i++)
                container_free(list[i]);
        free(list);
}

static Container *container_from_row(sqlite3_stmt *s) {
        Container *c = xnew0(Container, 1);
        snprintf(c->id, sizeof c->id, "%s", (const char *)sqlite3_column_text(s, 0));
        c->name = column_strdup(s, 1);
        snprintf(c->image_id, sizeof c->image_id, "%s", (const char *)sqlite3_column_text(s, 2));
        c->image_name = column_strdup(s, 3);
        c->pod_id = column_strdup(s, 4);
        c->created = sqlite3_column_int64(s, 5);
        c->state = (ContainerState)sqlite3_column_int(s, 6);
        c->pid = sqlite3_column_int(s, 7);
        c->conmon_pid = sqlite3_column_int(s, 8);
        c->exit_code = sqlite3_column_int(s, 9);
        c->oom_killed = sqlite3_column_int(s, 10) != 0;
        c->started = sqlite3_column_int64(s, 11);
        c->finished = sqlite3_column_int64(s, 12);
        c->create = column_json(s, 13);
        c->resolved = column_json(s, 14);
        c->netns = column_strdup(s, 15);
        c->network = column_json(s, 16);
        c->mounted = column_strdup(s, 17);
        if (!c->create)
                c->create = json_object();
        if (!c->resolved)
                c->resolved = json_object();
        return c;
}

int container_store_load(Db *db, const char *id, Container **ret, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "SELECT " CONTAINER_COLUMNS " FROM containers WHERE id = ?", &s, err) <
            0)
                return -1;
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        int r = sqlite3_step(s);
        if (r == SQLITE_DONE)
                return err_set(err, ERR_CONTAINER_NOT_FOUND, 0,
                               "no container with name or ID %s found: no such container", id);
        if (r != SQLITE_ROW)
                return db_error(db, err, "read container");
        *ret = container_from_row(s);
        return 0;
}

/* Every row the statement yields, as containers. */
static int rows_read(Db *db, sqlite3_stmt *s, Container ***ret, size_t *ret_n, Error **err,
                     const char *context) {
        Container **list = NULL;
        size_t n = 0, cap = 0;
        int r;
        while ((r = sqlite3_step(s)) == SQLITE_ROW) {
                xgrow((void **)&list, &cap, n + 1, sizeof *list);
                list[n++] = container_from_row(s);
        }
        if (r != SQLITE_DONE) {
                container_list_free(list, n);
                return db_error(db, err, context);
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

int container_store_list(Db *db, Container ***ret, size_t *ret_n, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "SELECT " CONTAINER_COLUMNS " FROM containers ORDER BY id", &s, err) < 0)
                return -1;
        return rows_read(db, s, ret, ret_n, err, "list containers");
}

int container_store_match(Db *db, const char *name, char ret_ids[2][CONTAINER_ID_SIZE],
                          bool ret_is_pod[2], size_t *ret_n, Error **err) {
        /* One registry of names and IDs for containers and pods (semantics
         * 2.1): a name, or an ID prefix (range scan on the key: hex sorts
         * below 'g'), of either kind. */
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db,
                       "SELECT id, 0 FROM containers WHERE name = ?1 UNION SELECT id, 0 FROM "
                       "containers WHERE id >= ?1 AND id < ?1 || 'g' UNION SELECT id, 1 FROM "
                       "pods WHERE name = ?1 UNION SELECT id, 1 FROM pods WHERE id >= ?1 AND id "
                       "< ?1 || 'g' LIMIT 2",
                       &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        size_t n = 0;
        int r = SQLITE_DONE;
        while (n < 2 && (r = sqlite3_step(s)) == SQLITE_ROW) {
                snprintf(ret_ids[n], CONTAINER_ID_SIZE, "%s",
                         (const char *)sqlite3_column_text(s, 0));
                ret_is_pod[n++] = sqlite3_column_int(s, 1) != 0;
        }
        if (n < 2 && r != SQLITE_DONE)
                return db_error(db, err, "look up name or ID");
        *ret_n = n;
        return 0;
}

int container_store_name_taken(Db *db, const char *name, bool *ret, Error **err) {
        /* Names are unique across containers and pods. */
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db,
                       "SELECT 1 FROM containers WHERE name = ?1 UNION ALL SELECT 1 FROM pods "
                       "WHERE name = ?1",
                       &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        int r = sqlite3_step(s);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
                return db_error(db, err, "check container name");
        *ret = r == SQLITE_ROW;
        return 0;
}

int container_store_dependency_lists(Db *db, char ***ret_ids, char ***ret_lists, size_t *ret_n,
                                     Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db,
                       "SELECT id, json_extract(resolved, '$.dependencies') FROM containers WHERE "
                       "json_array_length(resolved, '$.dependencies') > 0 ORDER BY id",
                       &s, err) < 0)
                return -1;
        char **ids = NULL, **lists = NULL;
        size_t n = 0, cap_ids = 0, cap_lists = 0;
        int r;
        while ((r = sqlite3_step(s)) == SQLITE_ROW) {
                xgrow((void **)&ids, &cap_ids, n + 2, sizeof *ids);
                xgrow((void **)&lists, &cap_lists, n + 2, sizeof *lists);
                ids[n] = column_strdup(s, 0);
                lists[n] = column_strdup(s, 1);
                n++;
                ids[n] = lists[n] = NULL;
        }
        if (r != SQLITE_DONE) {
                strv_free(ids);
                strv_free(lists);
                return db_error(db, err, "list container dependencies");
        }
        *ret_ids = ids;
        *ret_lists = lists;
        *ret_n = n;
        return 0;
}

int container_store_list_pod(Db *db, const char *pod_id, Container ***ret, size_t *ret_n,
                             Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db,
                       "SELECT " CONTAINER_COLUMNS " FROM containers WHERE pod_id = ? ORDER BY id",
                       &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, pod_id, -1, SQLITE_STATIC);
        return rows_read(db, s, ret, ret_n, err, "list containers of pod");
}

static void bind_json(sqlite3_stmt *s, int col, json_t *v) {
        if (!v) {
                sqlite3_bind_null(s, col);
                return;
        }
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        sqlite3_bind_text(s, col, text, -1, free);
}

static void bind_mutable(sqlite3_stmt *s, const Container *c) {
        sqlite3_bind_int(s, 7, (int)c->state);
        sqlite3_bind_int(s, 8, c->pid);
        sqlite3_bind_int(s, 9, c->conmon_pid);
        sqlite3_bind_int(s, 10, c->exit_code);
        sqlite3_bind_int(s, 11, c->oom_killed);
        sqlite3_bind_int64(s, 12, c->started);
        sqlite3_bind_int64(s, 13, c->finished);
        sqlite3_bind_text(s, 16, c->netns, -1, SQLITE_STATIC);
        bind_json(s, 17, c->network);
        sqlite3_bind_text(s, 18, c->mounted, -1, SQLITE_STATIC);
}

int container_store_insert(Db *db, const Container *c, json_t *mounts, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db,
                       "INSERT INTO containers (" CONTAINER_COLUMNS
                       ", list_args, list_ports, list_labels, list_mounts) VALUES (?1, ?2, ?3, "
                       "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
                       "?19, ?20, ?21, ?22)",
                       &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, c->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, c->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, c->image_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, c->image_name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, c->pod_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 6, c->created);
        bind_json(s, 14, c->create);
        bind_json(s, 15, c->resolved);
        bind_mutable(s, c);
        bind_json(s, 19, json_object_get(c->resolved, "args"));
        bind_json(s, 20, json_object_get(c->resolved, "ports"));
        bind_json(s, 21, json_object_get(c->resolved, "labels"));
        bind_json(s, 22, mounts);
        if (sqlite3_step(s) != SQLITE_DONE)
                return db_error(db, err, "insert container");
        return 0;
}

int container_store_update(Db *db, const Container *c, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db,
                       "UPDATE containers SET state = ?7, pid = ?8, conmon_pid = ?9, exit_code = "
                       "?10, oom_killed = ?11, started = ?12, finished = ?13, netns = ?16, "
                       "network = ?17, mounted = ?18 WHERE id = ?1",
                       &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, c->id, -1, SQLITE_STATIC);
        bind_mutable(s, c);
        if (sqlite3_step(s) != SQLITE_DONE)
                return db_error(db, err, "update container");
        return 0;
}

int container_store_delete(Db *db, const char *id, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "DELETE FROM containers WHERE id = ?", &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
                return db_error(db, err, "delete container");
        return 0;
}
