/* SPDX-License-Identifier: Apache-2.0 */
/* Containers that joined another container's namespaces (net_mode
 * "container:X" and the like, a pod's members and their infra container)
 * depend on it: removing it first would tear down what they run in, so it
 * is refused, as podman refuses it. */
#include <string.h>

#include "container-private.h"
#include "container-store.h"
#include "json-util.h"
#include "xalloc.h"

/* Whether container dependent_id is a member of pod_id. */
static bool in_pod(Engine *e, const char *dependent_id, const char *pod_id) {
        _cleanup_(container_freep) Container *c = NULL;
        _cleanup_error_ Error *gone = NULL;
        return pod_id && container_lookup(e, dependent_id, &c, &gone) == 0 && c->pod_id &&
               STREQ(c->pod_id, pod_id);
}

int container_dependents(Engine *e, const char *id, const char *except_pod_id, char **ret,
                         Error **err) {
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        _cleanup_(strv_freep) char **ids = NULL;
        _cleanup_(strv_freep) char **lists = NULL;
        size_t n = 0;
        int r = container_store_dependency_lists(db, &ids, &lists, &n, err);
        engine_db_put(e, db);
        if (r < 0)
                return -1;
        char *found = NULL;
        for (size_t i = 0; i < n; i++) {
                if (STREQ(ids[i], id))
                        continue;
                _cleanup_json_ json_t *deps = json_loads(lists[i], 0, NULL);
                size_t k;
                json_t *dep;
                json_array_foreach (deps, k, dep) {
                        /* Kept as the creator named it: a name or an ID prefix. */
                        _cleanup_(container_freep) Container *peer = NULL;
                        _cleanup_error_ Error *gone = NULL;
                        const char *name = json_string_value(dep);
                        if (!name || container_lookup(e, name, &peer, &gone) < 0 ||
                            !STREQ(peer->id, id) || in_pod(e, ids[i], except_pod_id))
                                continue;
                        char *more = found ? xasprintf("%s,%s", found, ids[i]) : xstrdup(ids[i]);
                        free(found);
                        found = more;
                        break;
                }
        }
        *ret = found;
        return 0;
}
