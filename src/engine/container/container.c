/* SPDX-License-Identifier: Apache-2.0 */
/* Container records: names, IDs and the lookup clients use. */
#include <ctype.h>
#include <string.h>
#include <sys/random.h>

#include "container-store.h"
#include "engine-private.h"
#include "xalloc.h"

const char *container_state_name(ContainerState s) {
        static const char *const names[] = {
                [CONTAINER_STATE_UNKNOWN] = "unknown", [CONTAINER_STATE_CONFIGURED] = "configured",
                [CONTAINER_STATE_CREATED] = "created", [CONTAINER_STATE_RUNNING] = "running",
                [CONTAINER_STATE_STOPPED] = "stopped", [CONTAINER_STATE_PAUSED] = "paused",
                [CONTAINER_STATE_EXITED] = "exited",
        };
        return (unsigned)s < ELEMENTSOF(names) ? names[s] : "bad state";
}

void container_id_generate(char id[CONTAINER_ID_SIZE]) {
        for (;;) {
                unsigned char raw[32];
                size_t got = 0;
                while (got < sizeof raw) {
                        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
                        if (n > 0)
                                got += (size_t)n;
                }
                for (size_t i = 0; i < sizeof raw; i++)
                        snprintf(id + 2 * i, 3, "%02x", raw[i]);
                /* A short ID of only digits would read as a number. */
                for (size_t i = 0; i < 12; i++)
                        if (!isdigit((unsigned char)id[i]))
                                return;
        }
}

int container_lookup(Engine *e, const char *name, Container **ret, Error **err) {
        if (!*name)
                return err_set(err, ERR_CONTAINER_NOT_FOUND, 0, "name or ID cannot be empty");
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
                        r = err_set(err, ERR_CONTAINER_NOT_FOUND, 0,
                                    "more than one result for ID or name %s: container already "
                                    "exists",
                                    name);
        }
        /* The registry is shared with pods: a pod is no container. */
        if (r == 0 && (n == 0 || is_pod[0]))
                r = err_set(err, ERR_CONTAINER_NOT_FOUND, 0,
                            "no container with name or ID %s found: no such container", name);
        if (r == 0)
                r = container_store_load(db, ids[0], ret, err);
        engine_db_put(e, db);
        return r;
}

int container_list_in_pod(Engine *e, const char *pod_id, Container ***ret, size_t *ret_n,
                          Error **err) {
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        int r = container_store_list_pod(db, pod_id, ret, ret_n, err);
        engine_db_put(e, db);
        return r;
}

bool container_is_infra(const Container *c) {
        return json_is_true(json_object_get(c->resolved, "pod_is_infra"));
}

int container_list(Engine *e, Container ***ret, size_t *ret_n, Error **err) {
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        int r = container_store_list(db, ret, ret_n, err);
        engine_db_put(e, db);
        return r;
}
