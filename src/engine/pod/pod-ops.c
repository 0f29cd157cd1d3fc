/* SPDX-License-Identifier: Apache-2.0 */
/* What a pod does to its members (semantics 2.6, methods 46-52 and 55):
 * each operation holds the pod's lock, reads the members fresh and acts
 * on them one by one through the container functions (which take each
 * member's lock), collecting the failures of single members. The infra
 * container comes first when starting and last when stopping: members
 * live in its namespaces. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "pod-private.h"
#include "pod-store.h"
#include "runtime.h"
#include "xalloc.h"

/* A locked pod, re-read, and its members in the order to start them:
 * the infra container first, then the others by ID. */
typedef struct PodMembers {
        Lock lock;
        Container **list;
        size_t n;
} PodMembers;

static void pod_members_release(PodMembers *m) {
        container_list_free(m->list, m->n);
        lock_release(&m->lock);
        *m = (PodMembers){ .lock = LOCK_INIT };
}

static int pod_members_lock(Engine *e, Pod *p, PodMembers *ret, Error **err) {
        PodMembers m = { .lock = LOCK_INIT };
        if (pod_lock(e, p->id, &m.lock, err) < 0)
                return -1;
        if (pod_members(e, p, &m.list, &m.n, err) < 0) {
                lock_release(&m.lock);
                return -1;
        }
        for (size_t i = 1; i < m.n; i++)
                if (container_is_infra(m.list[i])) {
                        Container *infra = m.list[i];
                        memmove(m.list + 1, m.list, i * sizeof *m.list);
                        m.list[0] = infra;
                        break;
                }
        *ret = m;
        return 0;
}

/* Adds err's message for c, and frees err. */
static void member_failed(PodErrors *errs, const Container *c, Error **err) {
        pod_errors_add(errs, c->id, *err ? (*err)->message : "unknown error");
        *err = err_free(*err);
}

static bool state_is_active(ContainerState s) {
        return s == CONTAINER_STATE_RUNNING || s == CONTAINER_STATE_PAUSED ||
               s == CONTAINER_STATE_CREATED;
}

/* Starts the members in order; when the infra container fails, the
 * others fail as its dependents. */
static void members_start(Engine *e, PodMembers *m, bool skip_paused, PodErrors *errs) {
        bool infra_failed = false;
        for (size_t i = 0; i < m->n; i++) {
                Container *c = m->list[i];
                if (c->state == CONTAINER_STATE_RUNNING ||
                    (skip_paused &&
                     (c->state == CONTAINER_STATE_PAUSED || c->state == CONTAINER_STATE_UNKNOWN)))
                        continue;
                _cleanup_error_ Error *failed = NULL;
                if (infra_failed && !container_is_infra(c)) {
                        err_set(&failed, ERR_BAD_STATE, 0,
                                "a dependency of container %s failed to start: container state "
                                "improper",
                                c->id);
                        member_failed(errs, c, &failed);
                        continue;
                }
                if (container_start(e, c, NULL, &failed) < 0) {
                        infra_failed |= container_is_infra(c);
                        member_failed(errs, c, &failed);
                }
        }
}

/* Stops the active members, the infra container last. */
static void members_stop(Engine *e, PodMembers *m, int timeout_s, PodErrors *errs) {
        for (size_t pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < m->n; i++) {
                        Container *c = m->list[i];
                        if (container_is_infra(c) != (pass == 1) || !state_is_active(c->state))
                                continue;
                        _cleanup_error_ Error *failed = NULL;
                        if (container_stop(e, c, timeout_s, &failed) < 0)
                                member_failed(errs, c, &failed);
                }
}

int pod_start(Engine *e, Pod *p, PodErrors *ret_errs, Error **err) {
        PodMembers m;
        if (pod_members_lock(e, p, &m, err) < 0)
                return -1;
        if (m.n == 0) {
                pod_members_release(&m);
                return err_set(err, ERR_NO_CONTAINERS_IN_POD, 0, "no containers in pod %s", p->id);
        }
        PodErrors errs = { 0 };
        members_start(e, &m, false, &errs);
        pod_members_release(&m);
        *ret_errs = errs;
        return 0;
}

int pod_stop(Engine *e, Pod *p, int timeout_s, PodErrors *ret_errs, Error **err) {
        PodMembers m;
        if (pod_members_lock(e, p, &m, err) < 0)
                return -1;
        PodErrors errs = { 0 };
        /* Paused members too, unlike the reference: a pod stop that leaves
         * some of it paused is not what anyone asks for (podman 4 stops
         * them). */
        members_stop(e, &m, timeout_s, &errs);
        pod_members_release(&m);
        *ret_errs = errs;
        return 0;
}

int pod_restart(Engine *e, Pod *p, PodErrors *ret_errs, Error **err) {
        PodMembers m;
        if (pod_members_lock(e, p, &m, err) < 0)
                return -1;
        if (m.n == 0) {
                pod_members_release(&m);
                return err_set(err, ERR_NO_CONTAINERS_IN_POD, 0, "no containers in pod %s", p->id);
        }
        PodErrors errs = { 0 };
        /* All running members stop before any starts: a restarted infra
         * container has new namespaces, which members can only join
         * when they start after it. */
        for (size_t pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < m.n; i++) {
                        Container *c = m.list[i];
                        if (container_is_infra(c) != (pass == 1) ||
                            c->state != CONTAINER_STATE_RUNNING)
                                continue;
                        _cleanup_error_ Error *failed = NULL;
                        if (container_stop(e, c, -1, &failed) < 0)
                                member_failed(&errs, c, &failed);
                }
        members_start(e, &m, true, &errs);
        pod_members_release(&m);
        *ret_errs = errs;
        return 0;
}

int pod_kill(Engine *e, Pod *p, int sig, PodErrors *ret_errs, Error **err) {
        if (sig <= 0 || sig > 64)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid signal %d", sig);
        PodMembers m;
        if (pod_members_lock(e, p, &m, err) < 0)
                return -1;
        PodErrors errs = { 0 };
        for (size_t pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < m.n; i++) {
                        Container *c = m.list[i];
                        if (container_is_infra(c) != (pass == 1) ||
                            c->state != CONTAINER_STATE_RUNNING)
                                continue;
                        _cleanup_error_ Error *failed = NULL;
                        if (container_kill(e, c, sig, &failed) < 0)
                                member_failed(&errs, c, &failed);
                }
        pod_members_release(&m);
        *ret_errs = errs;
        return 0;
}

static int pod_pause_change(Engine *e, Pod *p, bool pause, PodErrors *ret_errs, Error **err) {
        PodMembers m;
        if (pod_members_lock(e, p, &m, err) < 0)
                return -1;
        PodErrors errs = { 0 };
        for (size_t i = 0; i < m.n; i++) {
                Container *c = m.list[i];
                if (c->state != (pause ? CONTAINER_STATE_RUNNING : CONTAINER_STATE_PAUSED))
                        continue;
                _cleanup_error_ Error *failed = NULL;
                if ((pause ? container_pause(e, c, &failed) : container_unpause(e, c, &failed)) < 0)
                        member_failed(&errs, c, &failed);
        }
        pod_members_release(&m);
        *ret_errs = errs;
        return 0;
}

int pod_pause(Engine *e, Pod *p, PodErrors *ret_errs, Error **err) {
        return pod_pause_change(e, p, true, ret_errs, err);
}

int pod_unpause(Engine *e, Pod *p, PodErrors *ret_errs, Error **err) {
        return pod_pause_change(e, p, false, ret_errs, err);
}

/* The pod's run directory: its /dev/shm (with what members left in it). */
static void pod_run_dir_remove(Engine *e, const Pod *p) {
        _cleanup_free_ char *run = pod_run_dir(e, p->id);
        _cleanup_free_ char *shm = xasprintf("%s/shm", run);
        DIR *d = opendir(shm);
        if (d) {
                struct dirent *de;
                while ((de = readdir(d)))
                        if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
                                (void)unlinkat(dirfd(d), de->d_name, 0);
                closedir(d);
        }
        (void)rmdir(shm);
        (void)rmdir(run);
}

int pod_remove(Engine *e, Pod *p, bool force, Error **err) {
        PodMembers m;
        if (pod_members_lock(e, p, &m, err) < 0)
                return -1;
        int r = 0;
        /* A pod of its infra container alone goes as if forced. */
        if (m.n == 1 && container_is_infra(m.list[0]))
                force = true;
        if (m.n > 0 && !force)
                r = err_set(err, ERR_EXISTS, 0,
                            "pod %s contains containers and cannot be removed: container already "
                            "exists",
                            p->id);
        for (size_t i = 0; r == 0 && i < m.n; i++) {
                Container *c = m.list[i];
                if (c->state == CONTAINER_STATE_PAUSED)
                        r = err_set(err, ERR_BAD_STATE, 0,
                                    "pod %s contains paused container %s, cannot remove: container "
                                    "state improper",
                                    p->id, c->id);
                else if (c->state == CONTAINER_STATE_UNKNOWN)
                        r = err_set(err, ERR_BAD_STATE, 0,
                                    "pod %s contains container %s with invalid state: container "
                                    "state improper",
                                    p->id, c->id);
        }
        /* Nothing goes while a container outside the pod lives in a
         * member's namespaces. */
        for (size_t i = 0; r == 0 && i < m.n; i++) {
                _cleanup_free_ char *outside = NULL;
                r = container_dependents(e, m.list[i]->id, p->id, &outside, err);
                if (r == 0 && outside)
                        r = err_set(err, ERR_BAD_STATE, 0,
                                    "container %s of pod %s has dependent containers outside the "
                                    "pod which must be removed before it: %s: container already "
                                    "exists",
                                    m.list[i]->id, p->id, outside);
        }
        /* Members first, the infra container (whose namespaces they are
         * in) last. */
        for (size_t pass = 0; r == 0 && pass < 2; pass++)
                for (size_t i = 0; r == 0 && i < m.n; i++) {
                        Container *c = m.list[i];
                        if (container_is_infra(c) != (pass == 1))
                                continue;
                        if (container_remove_pod_member(e, c, true, err) < 0)
                                r = err_wrap(err, "remove container %s of pod %s", c->id, p->id);
                }
        if (r == 0) {
                Db *db;
                if ((r = engine_db_get(e, &db, err)) == 0) {
                        r = pod_store_delete(db, p->id, err);
                        engine_db_put(e, db);
                }
        }
        if (r == 0) {
                _cleanup_free_ char *cgroup = pod_cgroup_path(p);
                runtime_cgroup_prune(cgroup, 0);
                pod_run_dir_remove(e, p);
        }
        pod_members_release(&m);
        return r;
}

int pod_stats(Engine *e, Pod *p, Container ***ret_members, ContainerStats **ret_stats,
              size_t *ret_n, Error **err) {
        Container **list = NULL;
        size_t n = 0;
        if (pod_members(e, p, &list, &n, err) < 0)
                return -1;
        Container **running = xnew0(Container *, n ? n : 1);
        ContainerStats *stats = xnew0(ContainerStats, n ? n : 1);
        size_t k = 0;
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                if (list[i]->state != CONTAINER_STATE_RUNNING)
                        continue;
                Error *gone = NULL;
                if (container_stats_read(e, list[i], &stats[k], &gone) < 0) {
                        /* One that stopped meanwhile is skipped like the others. */
                        if (gone->kind == ERR_NO_CONTAINER_RUNNING) {
                                err_free(gone);
                                continue;
                        }
                        r = err_propagate(err, gone);
                        break;
                }
                running[k++] = TAKE_PTR(list[i]);
        }
        container_list_free(list, n);
        if (r == 0 && k == 0)
                r = err_set(err, ERR_NO_CONTAINER_RUNNING, 0, "no containers in pod %s are running",
                            p->id);
        if (r < 0) {
                container_list_free(running, k);
                free(stats);
                return -1;
        }
        *ret_members = running;
        *ret_stats = stats;
        *ret_n = k;
        return 0;
}
