/* SPDX-License-Identifier: Apache-2.0 */
/* CreatePod (semantics 2.6 #42): the checks in the reference's order, the
 * record, and the infra container (catatonit, the pod's published ports,
 * a network namespace of its own on the engine's bridge), started at
 * once. A failure takes everything made so far away again. Also
 * CreateContainer's `pod`: what a container needs to join a pod. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json-util.h"
#include "pod-private.h"
#include "pod-store.h"
#include "runtime.h"
#include "spec.h"
#include "xalloc.h"

/* Namespaces a member can join through the infra container; "cgroup"
 * means the pod's cgroup (members live in it whatever the shares). */
#define POD_SHARES_JOINABLE \
        ((1u << SPEC_NS_NETWORK) | (1u << SPEC_NS_PID) | (1u << SPEC_NS_IPC) | (1u << SPEC_NS_UTS))

static const char *field_str(json_t *o, const char *key) {
        const char *s = json_string_value(json_object_get(o, key));
        return s ? s : "";
}

static int cgroup_parent_check(const char *parent, Error **err) {
        size_t len = strlen(parent);
        /* The engine manages cgroups itself (cgroupfs): a path, no slice. */
        if (len > 6 && STREQ(parent + len - 6, ".slice"))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "cgroupParent `%s`: systemd slices need the systemd cgroup "
                               "manager; this engine uses cgroupfs paths",
                               parent);
        if (parent[0] != '/' || strstr(parent, "..") || strpbrk(parent, "\n:"))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "cgroupParent `%s` is not an absolute cgroup path", parent);
        return 0;
}

/* The pod's name as the infra container's hostname, when it is one. */
static bool hostname_is_valid(const char *name) {
        size_t len = strlen(name);
        if (len == 0 || len > 63 || name[0] == '-' || name[0] == '.')
                return false;
        for (const char *p = name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
                        return false;
        return true;
}

/* Checks 1-6 of the reference; fills p (but its ID and name). */
static int pod_create_parse(json_t *create, Pod *p, Error **err) {
        if (*field_str(create, "infraCommand") || *field_str(create, "infraImage"))
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "the infra-command and infra-image options are not supported yet");
        json_t *share = json_object_get(create, "share");
        json_t *publish = json_object_get(create, "publish");
        p->infra = json_is_true(json_object_get(create, "infra"));
        size_t n_share = json_array_size(share);
        if (n_share && !p->infra)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "You cannot share kernel namespaces on the pod level without an "
                               "infra container");
        if (!n_share && p->infra)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "You must share kernel namespaces to run an infra container");
        size_t n_publish = json_array_size(publish);
        if (n_publish) {
                if (!p->infra)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "you must have an infra container to publish port "
                                       "bindings to the host");
                if (geteuid() != 0)
                        return err_set(err, ERR_NOT_SUPPORTED, 0,
                                       "rootless networking does not allow port binding to the "
                                       "host");
                p->ports = xnew0(PodPort, n_publish);
                for (size_t i = 0; i < n_publish; i++) {
                        const char *text = json_string_value(json_array_get(publish, i));
                        if (pod_port_parse(text ? text : "", &p->ports[i], err) < 0)
                                return -1;
                        p->n_ports++;
                }
        }
        if (p->infra) {
                _cleanup_free_ const char **entries = xnew0(const char *, n_share + 1);
                for (size_t i = 0; i < n_share; i++) {
                        const char *s = json_string_value(json_array_get(share, i));
                        entries[i] = s ? s : "";
                }
                if (pod_share_parse(entries, n_share, &p->shares, err) < 0)
                        return -1;
                if (!(p->shares & POD_SHARES_JOINABLE))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "Pods must have an infra container to share namespaces");
        }
        /* The pod's cgroup is there in any case. */
        p->shares |= 1u << SPEC_NS_CGROUP;
        const char *parent = field_str(create, "cgroupParent");
        if (*parent && cgroup_parent_check(parent, err) < 0)
                return -1;
        p->cgroup_parent = xstrdup(*parent ? parent : POD_CGROUP_PARENT_DEFAULT);
        json_t *labels = json_object_get(create, "labels");
        p->labels = json_is_object(labels) ? json_deep_copy(labels) : json_object();
        return 0;
}

static json_t *infra_create_request(const Pod *p, const char *shm_dir) {
        json_t *publish = json_array();
        for (size_t i = 0; i < p->n_ports; i++) {
                const PodPort *port = &p->ports[i];
                bool v6 = strchr(port->host_ip, ':') != NULL;
                _cleanup_free_ char *text =
                        xasprintf("%s%s%s%s%u:%u/%s", v6 ? "[" : "", port->host_ip, v6 ? "]" : "",
                                  *port->host_ip ? ":" : "", port->host_port, port->container_port,
                                  port->protocol);
                json_array_append_new(publish, json_string(text));
        }
        json_t *create = json_pack("{s:s, s:[s, s], s:o, s:s, s:b, s:i}", "image", POD_INFRA_IMAGE,
                                   "command", "/catatonit", "-P", "publish", publish, "net_mode",
                                   "bridge", "detach", true, "stop_timeout", 10);
        /* The name is the first 12 characters of the pod ID. */
        char name[32];
        snprintf(name, sizeof name, "%.12s-infra", p->id);
        json_object_set_new(create, "name", json_string(name));
        if (shm_dir)
                json_object_set_new(create, "shm_dir", json_string(shm_dir));
        if ((p->shares & (1u << SPEC_NS_UTS)) && hostname_is_valid(p->name))
                json_object_set_new(create, "hostname", json_string(p->name));
        return create;
}

/* Everything a failed creation made, in reverse. */
static void pod_create_undo(Engine *e, const Pod *p, const char *infra_id) {
        _cleanup_error_ Error *ignored = NULL;
        if (infra_id) {
                _cleanup_(container_freep) Container *c = NULL;
                if (container_lookup(e, infra_id, &c, &ignored) == 0)
                        (void)container_remove_pod_member(e, c, true, &ignored);
        }
        Db *db;
        if (engine_db_get(e, &db, &ignored) == 0) {
                (void)pod_store_delete(db, p->id, &ignored);
                engine_db_put(e, db);
        }
        _cleanup_free_ char *run = pod_run_dir(e, p->id);
        _cleanup_free_ char *shm = xasprintf("%s/shm", run);
        (void)rmdir(shm);
        (void)rmdir(run);
        _cleanup_free_ char *cgroup = pod_cgroup_path(p);
        runtime_cgroup_prune(cgroup, 0);
}

static int mkdir_one(const char *path, Error **err) {
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
                return err_set(err, ERR_SYSTEM, errno, "create `%s`", path);
        return 0;
}

/* The pod's run directory, and its /dev/shm when ipc is shared: a plain
 * directory bound into the infra container and every member. */
static int pod_run_dir_make(Engine *e, const Pod *p, char **ret_shm, Error **err) {
        _cleanup_free_ char *pods = xasprintf("%s/pods", e->config.runroot);
        _cleanup_free_ char *run = pod_run_dir(e, p->id);
        if (mkdir_one(pods, err) < 0 || mkdir_one(run, err) < 0)
                return -1;
        *ret_shm = NULL;
        if (!(p->shares & (1u << SPEC_NS_IPC)))
                return 0;
        _cleanup_free_ char *shm = xasprintf("%s/shm", run);
        if (mkdir(shm, 01777) < 0 && errno != EEXIST)
                return err_set(err, ERR_SYSTEM, errno, "create `%s`", shm);
        (void)chmod(shm, 01777);
        *ret_shm = TAKE_PTR(shm);
        return 0;
}

static int pod_infra_make(Engine *e, Pod *p, char **ret_infra_id, Error **err) {
        _cleanup_free_ char *shm = NULL;
        if (pod_infra_image_ensure(e, err) < 0 || pod_run_dir_make(e, p, &shm, err) < 0)
                return -1;
        _cleanup_json_ json_t *create = infra_create_request(p, shm);
        _cleanup_free_ char *cgroup = pod_cgroup_path(p);
        ContainerPodJoin join = { .pod_id = p->id, .cgroup = cgroup, .is_infra = true };
        _cleanup_free_ char *id = NULL;
        if (container_create_in_pod(e, create, &join, &id, err) < 0)
                return err_wrap(err, "create infra container");
        Db *db;
        int r = engine_db_get(e, &db, err);
        if (r == 0) {
                r = pod_store_infra_set(db, p->id, id, err);
                engine_db_put(e, db);
        }
        *ret_infra_id = TAKE_PTR(id);
        if (r < 0)
                return -1;
        p->infra_id = xstrdup(*ret_infra_id);
        _cleanup_(container_freep) Container *c = NULL;
        if (container_lookup(e, p->infra_id, &c, err) < 0 || container_start(e, c, NULL, err) < 0)
                return err_wrap(err, "start infra container");
        return 0;
}

int pod_create(Engine *e, json_t *create, char **ret_id, Error **err) {
        _cleanup_(pod_freep) Pod *p = xnew0(Pod, 1);
        if (pod_create_parse(create, p, err) < 0)
                return -1;
        container_id_generate(p->id);
        p->created = engine_now_ns();
        if (container_name_choose(e, json_string_value(json_object_get(create, "name")), "pod",
                                  &p->name, err) < 0)
                return -1;
        Lock l = LOCK_INIT;
        if (pod_lock(e, p->id, &l, err) < 0)
                return -1;
        Db *db;
        int r = engine_db_get(e, &db, err);
        if (r == 0) {
                r = pod_store_insert(db, p, err);
                engine_db_put(e, db);
        }
        _cleanup_free_ char *infra_id = NULL;
        if (r == 0 && p->infra && pod_infra_make(e, p, &infra_id, err) < 0) {
                pod_create_undo(e, p, infra_id);
                r = -1;
        }
        lock_release(&l);
        if (r < 0)
                return -1;
        *ret_id = xstrdup(p->id);
        return 0;
}

int pod_container_create(Engine *e, json_t *create, char **ret_id, Error **err) {
        const char *name = field_str(create, "pod");
        if (!*name)
                return container_create(e, create, ret_id, err);
        _cleanup_(pod_freep) Pod *p = NULL;
        if (pod_lookup(e, name, &p, err) < 0)
                return err_wrap(err, "unable to add container to pod %s", name);
        /* Under the pod's lock: a pod being removed takes no members. */
        Lock l = LOCK_INIT;
        if (pod_lock(e, p->id, &l, err) < 0)
                return err_wrap(err, "unable to add container to pod %s", name);
        _cleanup_(pod_freep) Pod *fresh = NULL;
        Db *db;
        int r = engine_db_get(e, &db, err);
        if (r == 0) {
                r = pod_store_load(db, p->id, &fresh, err);
                engine_db_put(e, db);
        }
        _cleanup_free_ char *cgroup = r == 0 ? pod_cgroup_path(fresh) : NULL;
        if (r == 0) {
                bool has_infra = fresh->infra && fresh->infra_id;
                ContainerPodJoin join = {
                        .pod_id = fresh->id,
                        .cgroup = cgroup,
                        .infra_id = has_infra ? fresh->infra_id : NULL,
                        .shares = has_infra ? fresh->shares & POD_SHARES_JOINABLE : 0,
                };
                r = container_create_in_pod(e, create, &join, ret_id, err);
        }
        lock_release(&l);
        return r < 0 ? err_wrap(err, "unable to add container to pod %s", name) : 0;
}
