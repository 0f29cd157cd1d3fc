/* SPDX-License-Identifier: Apache-2.0 */
#include "pod-store.h"

#include <string.h>

#include "json-util.h"
#include "xalloc.h"

#define POD_COLUMNS "id, name, created, cgroup_parent, labels, shares, infra, infra_id, ports"

Pod *pod_free(Pod *p) {
        if (!p)
                return NULL;
        free(p->name);
        free(p->cgroup_parent);
        json_decref(p->labels);
        free(p->infra_id);
        free(p->ports);
        free(p);
        return NULL;
}

void pod_list_free(Pod **list, size_t n) {
        for (size_t i = 0; i < n; i++)
                pod_free(list[i]);
        free(list);
}

json_t *pod_ports_to_json(const PodPort *ports, size_t n) {
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(list,
                                      json_pack("{s:s, s:i, s:i, s:s}", "host_ip", ports[i].host_ip,
                                                "host_port", (int)ports[i].host_port,
                                                "container_port", (int)ports[i].container_port,
                                                "protocol", ports[i].protocol));
        return list;
}

void pod_ports_from_json(json_t *list, PodPort **ret, size_t *ret_n) {
        size_t n = json_array_size(list);
        PodPort *ports = xnew0(PodPort, n ? n : 1);
        for (size_t i = 0; i < n; i++) {
                json_t *o = json_array_get(list, i);
                const char *ip = json_string_value(json_object_get(o, "host_ip"));
                const char *proto = json_string_value(json_object_get(o, "protocol"));
                snprintf(ports[i].host_ip, sizeof ports[i].host_ip, "%s", ip ? ip : "");
                snprintf(ports[i].protocol, sizeof ports[i].protocol, "%s", proto ? proto : "tcp");
                ports[i].host_port = (uint16_t)json_integer_value(json_object_get(o, "host_port"));
                ports[i].container_port =
                        (uint16_t)json_integer_value(json_object_get(o, "container_port"));
        }
        *ret = ports;
        *ret_n = n;
}

static Pod *pod_from_row(sqlite3_stmt *s) {
        Pod *p = xnew0(Pod, 1);
        snprintf(p->id, sizeof p->id, "%s", (const char *)sqlite3_column_text(s, 0));
        p->name = xstrdup((const char *)sqlite3_column_text(s, 1));
        p->created = sqlite3_column_int64(s, 2);
        p->cgroup_parent = xstrdup((const char *)sqlite3_column_text(s, 3));
        p->labels = json_loads((const char *)sqlite3_column_text(s, 4), 0, NULL);
        if (!json_is_object(p->labels)) {
                json_decref(p->labels);
                p->labels = json_object();
        }
        p->shares = (unsigned)sqlite3_column_int(s, 5);
        p->infra = sqlite3_column_int(s, 6) != 0;
        const unsigned char *infra = sqlite3_column_text(s, 7);
        p->infra_id = infra ? xstrdup((const char *)infra) : NULL;
        _cleanup_json_ json_t *ports = json_loads((const char *)sqlite3_column_text(s, 8), 0, NULL);
        pod_ports_from_json(ports, &p->ports, &p->n_ports);
        return p;
}

int pod_store_insert(Db *db, const Pod *p, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db,
                       "INSERT INTO pods (" POD_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                       "?8, ?9)",
                       &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, p->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, p->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, p->created);
        sqlite3_bind_text(s, 4, p->cgroup_parent, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, json_dumps(p->labels, JSON_COMPACT | JSON_SORT_KEYS), -1, free);
        sqlite3_bind_int(s, 6, (int)p->shares);
        sqlite3_bind_int(s, 7, p->infra);
        sqlite3_bind_text(s, 8, p->infra_id, -1, SQLITE_STATIC);
        _cleanup_json_ json_t *ports = pod_ports_to_json(p->ports, p->n_ports);
        sqlite3_bind_text(s, 9, json_dumps(ports, JSON_COMPACT), -1, free);
        if (sqlite3_step(s) != SQLITE_DONE)
                return db_error(db, err, "insert pod");
        return 0;
}

int pod_store_load(Db *db, const char *id, Pod **ret, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "SELECT " POD_COLUMNS " FROM pods WHERE id = ?", &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        int r = sqlite3_step(s);
        if (r == SQLITE_DONE)
                return err_set(err, ERR_POD_NOT_FOUND, 0,
                               "no pod with name or ID %s found: no such pod", id);
        if (r != SQLITE_ROW)
                return db_error(db, err, "read pod");
        *ret = pod_from_row(s);
        return 0;
}

int pod_store_list(Db *db, Pod ***ret, size_t *ret_n, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "SELECT " POD_COLUMNS " FROM pods ORDER BY id", &s, err) < 0)
                return -1;
        Pod **list = NULL;
        size_t n = 0, cap = 0;
        int r;
        while ((r = sqlite3_step(s)) == SQLITE_ROW) {
                xgrow((void **)&list, &cap, n + 1, sizeof *list);
                list[n++] = pod_from_row(s);
        }
        if (r != SQLITE_DONE) {
                pod_list_free(list, n);
                return db_error(db, err, "list pods");
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

int pod_store_infra_set(Db *db, const char *id, const char *infra_id, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "UPDATE pods SET infra_id = ?2 WHERE id = ?1", &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, infra_id, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
                return db_error(db, err, "update pod");
        return 0;
}

int pod_store_delete(Db *db, const char *id, Error **err) {
        _cleanup_stmt_ sqlite3_stmt *s = NULL;
        if (db_prepare(db, "DELETE FROM pods WHERE id = ?", &s, err) < 0)
                return -1;
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
                return db_error(db, err, "delete pod");
        return 0;
}
