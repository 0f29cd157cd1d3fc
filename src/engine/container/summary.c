/* SPDX-License-Identifier: Apache-2.0 */
/* Container summaries for listings: one query over containers joined with
 * their images, the JSON texts a listing shows copied as they are
 * (schema-4.sql), and a full sync only for containers whose exit
 * the cheap checks noticed. */
#include <string.h>

#include "container-private.h"
#include "container-store.h"
#include "container-summary.h"
#include "db.h"
#include "json-util.h"
#include "xalloc.h"

#define SUMMARY_QUERY                                                                    \
        "SELECT c.id, c.name, c.image_id, c.image_name, c.created, c.state, c.pid, "     \
        "c.conmon_pid, i.size, c.list_args, c.list_ports, c.list_labels, c.list_mounts " \
        "FROM containers c LEFT JOIN images i ON i.id = c.image_id"

void container_summary_clear(ContainerSummary *s) {
        free(s->name);
        free(s->image_name);
        free(s->args);
        free(s->ports);
        free(s->labels);
        free(s->mounts);
        memset(s, 0, sizeof *s);
}

void container_summaries_free(ContainerSummary *list, size_t n) {
        for (size_t i = 0; i < n; i++)
                container_summary_clear(&list[i]);
        free(list);
}

static char *column_text(sqlite3_stmt *s, int col, const char *fallback) {
        const char *t = (const char *)sqlite3_column_text(s, col);
        return t ? xstrdup(t) : fallback ? xstrdup(fallback) : NULL;
}

static void summary_from_row(sqlite3_stmt *s, ContainerSummary *ret) {
        snprintf(ret->id, sizeof ret->id, "%s", (const char *)sqlite3_column_text(s, 0));
        ret->name = column_text(s, 1, "");
        snprintf(ret->image_id, sizeof ret->image_id, "%s",
                 (const char *)sqlite3_column_text(s, 2));
        ret->image_name = column_text(s, 3, "");
        ret->created = sqlite3_column_int64(s, 4);
        ret->state = (ContainerState)sqlite3_column_int(s, 5);
        ret->pid = sqlite3_column_int(s, 6);
        ret->conmon_pid = sqlite3_column_int(s, 7);
        ret->image_size = sqlite3_column_int64(s, 8);
        ret->args = column_text(s, 9, "[]");
        ret->ports = column_text(s, 10, "[]");
        ret->labels = column_text(s, 11, "{}");
        ret->mounts = column_text(s, 12, NULL);
}

json_t *container_mounts_summary(json_t *oci_mounts) {
        json_t *out = json_array();
        size_t i;
        json_t *m;
        json_array_foreach (oci_mounts, i, m) {
                json_t *opts = json_object_get(m, "options");
                const char *dest = json_string_value(json_object_get(m, "destination"));
                const char *type = json_string_value(json_object_get(m, "type"));
                const char *source = json_string_value(json_object_get(m, "source"));
                json_array_append_new(
                        out,
                        json_pack("{s:s, s:s, s:s, s:o}", "destination", dest ? dest : "", "type",
                                  type ? type : "", "source", source ? source : "", "options",
                                  json_is_array(opts) ? json_incref(opts) : json_array()));
        }
        return out;
}

/* Containers made before their mounts were kept with them: the config
 * their last start wrote. */
static void summary_mounts_from_config(Engine *e, ContainerSummary *s) {
        if (s->mounts)
                return;
        _cleanup_free_ char *userdata = container_userdata_dir(e, s->id);
        _cleanup_free_ char *path = xasprintf("%s/config.json", userdata);
        _cleanup_json_ json_t *config = json_load_file(path, 0, NULL);
        _cleanup_json_ json_t *mounts = container_mounts_summary(json_object_get(config, "mounts"));
        s->mounts = json_dumps(mounts, JSON_COMPACT);
}

/* Every container (id NULL) or the one with that ID. */
static int summary_query(Db *db, const char *id, ContainerSummary **ret, size_t *ret_n,
                         Error **err) {
        const char *sql = id ? SUMMARY_QUERY " WHERE c.id = ?1" : SUMMARY_QUERY " ORDER BY c.id";
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, sql, &s, err) < 0)
                return -1;
        if (id)
                sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        ContainerSummary *list = NULL;
        size_t n = 0, cap = 0;
        int r;
        while ((r = sqlite3_step(s)) == SQLITE_ROW) {
                xgrow((void **)&list, &cap, n + 1, sizeof *list);
                memset(&list[n], 0, sizeof list[n]);
                summary_from_row(s, &list[n++]);
        }
        if (r != SQLITE_DONE) {
                container_summaries_free(list, n);
                return db_error(db, err, "list containers");
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

static bool state_has_process(ContainerState s) {
        return s == CONTAINER_STATE_CREATED || s == CONTAINER_STATE_RUNNING ||
               s == CONTAINER_STATE_PAUSED;
}

/* Records an exit the cheap checks noticed (container_sync does the
 * work under the lock) and takes the state it leaves. */
static void summary_sync(Engine *e, ContainerSummary *s) {
        _cleanup_(container_freep) Container *c = NULL;
        _cleanup_error_ Error *ignored = NULL;
        if (container_lookup(e, s->id, &c, &ignored) < 0 || container_sync(e, c, &ignored) < 0)
                return;
        s->state = c->state;
        s->pid = c->pid;
        s->conmon_pid = c->conmon_pid;
}

int container_summaries_list(Engine *e, ContainerSummary **ret, size_t *ret_n, Error **err) {
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        int r = summary_query(db, NULL, ret, ret_n, err);
        engine_db_put(e, db);
        if (r < 0)
                return -1;
        for (size_t i = 0; i < *ret_n; i++) {
                ContainerSummary *s = &(*ret)[i];
                /* Without a conmon (it died), only the runtime knows. */
                if (state_has_process(s->state) &&
                    (s->conmon_pid <= 0 || container_has_exited(e, s->id, s->conmon_pid)))
                        summary_sync(e, s);
                summary_mounts_from_config(e, s);
        }
        return 0;
}

int container_summary_get(Engine *e, const char *name, ContainerSummary *ret, Error **err) {
        _cleanup_(container_freep) Container *c = NULL;
        if (container_lookup(e, name, &c, err) < 0)
                return -1;
        _cleanup_error_ Error *ignored = NULL;
        (void)container_sync(e, c, &ignored);
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        ContainerSummary *list = NULL;
        size_t n = 0;
        int r = summary_query(db, c->id, &list, &n, err);
        engine_db_put(e, db);
        if (r < 0)
                return -1;
        if (n == 0) {
                container_summaries_free(list, n);
                return err_set(err, ERR_CONTAINER_NOT_FOUND, 0,
                               "no container with name or ID %s found: no such container", name);
        }
        *ret = list[0];
        free(list);
        summary_mounts_from_config(e, ret);
        return 0;
}
