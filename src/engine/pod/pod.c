/* SPDX-License-Identifier: Apache-2.0 */
/* Pod records: the lookup L_P over the registry shared with containers,
 * listings, members and the status derived from them. */
#include <string.h>

#include "container-store.h"
#include "pod-private.h"
#include "pod-store.h"
#include "xalloc.h"

int pod_lock(Engine *e, const char *id, Lock *ret, Error **err) {
        return lock_acquire(e->config.runroot, "pod", id, true, ret, err);
}

char *pod_run_dir(const Engine *e, const char *id) {
        return xasprintf("%s/pods/%s", e->config.runroot, id);
}

char *pod_cgroup_path(const Pod *p) {
        const char *parent = p->cgroup_parent;
        size_t len = strlen(parent);
        /* "/" alone or a trailing slash must not double up. */
        while (len > 0 && parent[len - 1] == '/')
                len--;
        return xasprintf("%.*s/%s", (int)len, parent, p->id);
}

int pod_lookup(Engine *e, const char *name, Pod **ret, Error **err) {
        if (!*name)
                return err_set(err, ERR_POD_NOT_FOUND, 0, "name or ID cannot be empty");
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        char ids[2][CONTAINER_ID_SIZE];
        bool is_pod[2] = { false, false };
        size_t n = 0;
        int r = container_store_match(db, name, ids, is_pod, &n, err);
        if (r == 0 && n > 1) {
                /* A full ID wins over a name that happens to equal it. */
                if (STREQ(ids[1], name)) {
                        memcpy(ids[0], ids[1], CONTAINER_ID_SIZE);
                        is_pod[0] = is_pod[1];
                }
                if (STREQ(ids[0], name))
                        n = 1;
                else
                        r = err_set(err, ERR_POD_NOT_FOUND, 0,
                                    "more than one result for ID or name %s: pod already exists",
                                    name);
        }
        /* A container is no pod, even though they share the registry. */
        if (r == 0 && (n == 0 || !is_pod[0]))
                r = err_set(err, ERR_POD_NOT_FOUND, 0,
                            "no pod with name or ID %s found: no such pod", name);
        if (r == 0)
                r = pod_store_load(db, ids[0], ret, err);
        engine_db_put(e, db);
        return r;
}

int pod_list(Engine *e, Pod ***ret, size_t *ret_n, Error **err) {
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        int r = pod_store_list(db, ret, ret_n, err);
        engine_db_put(e, db);
        return r;
}

int pod_members(Engine *e, const Pod *p, Container ***ret, size_t *ret_n, Error **err) {
        Container **list = NULL;
        size_t n = 0;
        if (container_list_in_pod(e, p->id, &list, &n, err) < 0)
                return -1;
        for (size_t i = 0; i < n; i++)
                if (container_sync(e, list[i], err) < 0) {
                        container_list_free(list, n);
                        return err_wrap(err, "state of the containers of pod %s", p->id);
                }
        *ret = list;
        *ret_n = n;
        return 0;
}

const char *pod_status(Container *const *members, size_t n) {
        ContainerState *states = xnew0(ContainerState, n ? n : 1);
        for (size_t i = 0; i < n; i++)
                states[i] = members[i]->state;
        const char *s = pod_status_derive(states, n);
        free(states);
        return s;
}

void pod_errors_add(PodErrors *errs, const char *id, const char *message) {
        errs->items = xrealloc(errs->items, (errs->n + 1) * sizeof *errs->items);
        PodContainerError *item = &errs->items[errs->n++];
        snprintf(item->id, sizeof item->id, "%s", id);
        item->message = xstrdup(message);
}

void pod_errors_clear(PodErrors *errs) {
        for (size_t i = 0; i < errs->n; i++)
                free(errs->items[i].message);
        free(errs->items);
        *errs = (PodErrors){ 0 };
}
