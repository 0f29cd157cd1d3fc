/* SPDX-License-Identifier: Apache-2.0 */
/* A container's life: create (record and storage), start (rootfs,
 * network, OCI config, conmon + runtime), stop/kill/pause, the cleanup
 * after its process ended (also run by conmon's exit command when no
 * service runs), wait and removal. Every transition happens under the
 * container's lock; the database row is the truth, brought in line with
 * the runtime (exit files, runtime state) before it is used. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container-private.h"
#include "container-store.h"
#include "image.h"
#include "json-util.h"
#include "lock.h"
#include "network.h"
#include "rootfs.h"
#include "runtime.h"
#include "spec.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ */
/* Paths.                                                             */

char *container_userdata_dir(const Engine *e, const char *id) {
        return xasprintf("%s/containers/%s/userdata", e->config.root, id);
}

char *container_run_dir(const Engine *e, const char *id) {
        return xasprintf("%s/containers/%s", e->config.runroot, id);
}

char *container_log_path(const Engine *e, const Container *c) {
        const char *custom = json_string_value(json_object_get(c->resolved, "log_path"));
        if (custom && *custom)
                return xstrdup(custom);
        _cleanup_free_ char *u = container_userdata_dir(e, c->id);
        return xasprintf("%s/ctr.log", u);
}

char *container_exit_dir(const Engine *e) { return xasprintf("%s/exits", e->config.runroot); }

char *container_socket_dir(const Engine *e) { return xasprintf("%s/s", e->config.runroot); }

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

static int write_text(const char *path, const char *text, Error **err) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        size_t len = strlen(text);
        if (fd < 0 || write(fd, text, len) != (ssize_t)len)
                return err_set(err, ERR_SYSTEM, errno ? errno : EIO, "write `%s`", path);
        return 0;
}

/* ------------------------------------------------------------------ */
/* Locks and saving.                                                  */

int container_lock(Engine *e, const char *id, Lock *ret, Error **err) {
        return lock_acquire(e->config.runroot, "container", id, true, ret, err);
}

int container_save(Engine *e, const Container *c, Error **err) {
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        int r = container_store_update(db, c, err);
        engine_db_put(e, db);
        return r;
}

/* Re-reads c from the database in place: callers hold the container's
 * lock and must act on what another process may have written. */
static int container_reload(Engine *e, Container *c, Error **err) {
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        Container *fresh = NULL;
        int r = container_store_load(db, c->id, &fresh, err);
        engine_db_put(e, db);
        if (r == 0) {
                Container old = *c;
                *c = *fresh;
                *fresh = old;
                container_free(fresh);
        }
        return r;
}

/* The port mappings creation resolved, for CNI's portmap. */
static void container_ports(const Container *c, PortMapping **ret, size_t *ret_n) {
        json_t *ports = json_object_get(c->resolved, "ports");
        size_t n = json_array_size(ports);
        PortMapping *m = xnew0(PortMapping, n ? n : 1);
        for (size_t i = 0; i < n; i++) {
                json_t *p = json_array_get(ports, i);
                const char *ip = json_string_value(json_object_get(p, "host_ip"));
                const char *proto = json_string_value(json_object_get(p, "protocol"));
                snprintf(m[i].host_ip, sizeof m[i].host_ip, "%s", ip ? ip : "");
                m[i].host_port = (uint16_t)json_integer_value(json_object_get(p, "host_port"));
                m[i].container_port =
                        (uint16_t)json_integer_value(json_object_get(p, "container_port"));
                m[i].protocol = proto && STREQ(proto, "udp")    ? PORT_PROTOCOL_UDP
                                : proto && STREQ(proto, "sctp") ? PORT_PROTOCOL_SCTP
                                                                : PORT_PROTOCOL_TCP;
        }
        *ret = m;
        *ret_n = n;
}

/* ------------------------------------------------------------------ */
/* Teardown of what a start set up.                                   */

static void container_network_teardown(Engine *e, Container *c) {
        if (!c->netns)
                return;
        _cleanup_error_ Error *ignored = NULL;
        const char *net = json_string_value(json_object_get(c->network, "network"));
        if (net) {
                CniContext *cni = engine_cni(e, &ignored);
                if (cni) {
                        PortMapping *ports = NULL;
                        size_t n = 0;
                        container_ports(c, &ports, &n);
                        CniAttachment a = { .container_id = c->id,
                                            .netns_path = c->netns,
                                            .ports = ports,
                                            .n_ports = n };
                        (void)!cni_network_del(cni, net, &a, &ignored);
                        free(ports);
                }
        }
        (void)!netns_remove(c->netns, &ignored);
        free(c->netns);
        c->netns = NULL;
        json_decref(c->network);
        c->network = NULL;
}

/* Everything of a started container that outlives its process: the
 * runtime's record, the network, the rootfs mount. Idempotent. */
static void container_teardown(Engine *e, Container *c) {
        _cleanup_error_ Error *ignored = NULL;
        Runtime *rt = engine_runtime(e, &ignored);
        if (rt)
                (void)!runtime_delete(rt, c->id, true, &ignored);
        container_network_teardown(e, c);
        /* A rootfs that MountContainer users hold stays for them. */
        if (container_user_mounts(e, c->id) == 0) {
                (void)rootfs_umount(e, c->id, &ignored);
                free(c->mounted);
                c->mounted = NULL;
        }
        const char *cg = json_string_value(json_object_get(c->resolved, "cgroups_path"));
        /* The leaf only: the parent ("/varpod") is shared, and removing it
         * when it looks empty races with the runtime creating another
         * container's leaf in it ("mkdir .../varpod/ID: no such file"). */
        if (cg)
                runtime_cgroup_prune(cg, 0);
}

/* How long an exited container's conmon may take to write its exit file:
 * podman waits about as long before it gives up on the exit code. */
#define CONTAINER_EXIT_FILE_WAIT_MS 5000

/* Records the exit the runtime reports (exit file), and tears down. */
static void container_record_exit(Engine *e, Container *c) {
        _cleanup_free_ char *exits = container_exit_dir(e);
        int code = -1;
        int64_t when = 0;
        /* The runtime reports the process gone before conmon has written
         * the exit file: conmon first drains the container's output. While
         * conmon lives, the file is coming. */
        int found = -1;
        for (int waited = 0;; waited += 20) {
                _cleanup_error_ Error *ignored = NULL;
                found = runtime_exit_file_read(exits, c->id, &code, &when, &ignored);
                if (found == 0 || waited >= CONTAINER_EXIT_FILE_WAIT_MS ||
                    !runtime_conmon_is_alive(c->conmon_pid))
                        break;
                struct timespec ts = { 0, 20 * 1000 * 1000 };
                nanosleep(&ts, NULL);
        }
        if (found == 0) {
                c->exit_code = code;
                c->finished = when;
        } else {
                /* conmon died without writing it (killed with its
                 * container): the process is gone, its status unknown. */
                c->exit_code = -1;
                c->finished = engine_now_ns();
        }
        c->pid = 0;
        c->conmon_pid = 0;
        container_teardown(e, c);
        c->state = CONTAINER_STATE_EXITED;
}

bool container_has_exited(const Engine *e, const char *id, int conmon_pid) {
        char exit_file[PATH_MAX];
        snprintf(exit_file, sizeof exit_file, "%s/exits/%s", e->config.runroot, id);
        return access(exit_file, F_OK) == 0 ||
               (conmon_pid > 0 && !runtime_conmon_is_alive(conmon_pid));
}

/* container_sync for callers holding the container's lock. */
static int container_sync_locked(Engine *e, Container *c, Error **err) {
        if (c->state != CONTAINER_STATE_RUNNING && c->state != CONTAINER_STATE_PAUSED &&
            c->state != CONTAINER_STATE_CREATED)
                return 0;
        bool exited = container_has_exited(e, c->id, 0);
        bool changed = false;
        if (!exited && c->conmon_pid > 0 && !runtime_conmon_is_alive(c->conmon_pid)) {
                /* conmon died without an exit file (killed): its container
                 * may run on unmonitored, as podman leaves it; from now on
                 * the runtime tells its state. */
                c->conmon_pid = 0;
                changed = true;
        }
        /* With its conmon alive and no exit file the record stands: every
         * change of state goes through us. Only a container without a
         * conmon needs the runtime asked (a fork and exec). */
        if (!exited && c->conmon_pid <= 0) {
                Runtime *rt = engine_runtime(e, err);
                if (!rt)
                        return -1;
                RuntimeState st;
                _cleanup_error_ Error *ignored = NULL;
                if (runtime_state(rt, c->id, &st, &ignored) == 0) {
                        ContainerState now =
                                st.status == RUNTIME_STATUS_PAUSED    ? CONTAINER_STATE_PAUSED
                                : st.status == RUNTIME_STATUS_RUNNING ? CONTAINER_STATE_RUNNING
                                : st.status == RUNTIME_STATUS_CREATED ? CONTAINER_STATE_CREATED
                                                                      : CONTAINER_STATE_STOPPED;
                        if (now == CONTAINER_STATE_STOPPED)
                                exited = true;
                        else if (now != c->state) {
                                c->state = now;
                                changed = true;
                        }
                } else
                        exited = true;
        }
        if (!exited)
                return changed ? container_save(e, c, err) : 0;
        container_record_exit(e, c);
        return container_save(e, c, err);
}

int container_sync(Engine *e, Container *c, Error **err) {
        if (c->state != CONTAINER_STATE_RUNNING && c->state != CONTAINER_STATE_PAUSED &&
            c->state != CONTAINER_STATE_CREATED)
                return 0;
        /* A record read before a restart would take the new run for the
         * old one's exit and tear it down (a log follower holds one for
         * long): so the record is read again, under the lock when it is
         * free. When it is not, its holder is either our caller (mount.c
         * syncs under it) or changing the container right now; the fresh
         * record then leaves only the moment until the checks below. */
        Lock l = LOCK_INIT;
        _cleanup_error_ Error *busy = NULL;
        if (lock_try_acquire(e->config.runroot, "container", c->id, true, &l, &busy) < 0 &&
            busy->kind != ERR_BAD_STATE)
                return err_propagate(err, TAKE_PTR(busy));
        int r = container_reload(e, c, err);
        if (r == 0)
                r = container_sync_locked(e, c, err);
        lock_release(&l);
        return r;
}

/* ------------------------------------------------------------------ */
/* Create.                                                            */

static const char *const name_adjectives[] = {
        "admiring", "bold",     "brave",   "clever",     "dazzling", "eager",
        "elated",   "festive",  "gallant", "happy",      "jolly",    "keen",
        "lucid",    "modest",   "nifty",   "optimistic", "quirky",   "relaxed",
        "serene",   "trusting", "vibrant", "wizardly",   "youthful", "zealous",
};
static const char *const name_surnames[] = {
        "babbage", "curie",   "darwin",   "einstein", "feynman",  "galileo", "hopper",
        "hypatia", "kepler",  "lamport",  "lovelace", "mccarthy", "noether", "pasteur",
        "ritchie", "shannon", "thompson", "turing",   "wozniak",  "yalow",
};

static int container_name_pick(Db *db, const char *wanted, const char *kind, char **ret,
                               Error **err) {
        bool taken = false;
        if (wanted && *wanted) {
                /* podman's rule: at least one of [A-Za-z0-9_-] somewhere. */
                bool ok = false;
                for (const char *p = wanted; *p; p++)
                        ok |= (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                              (*p >= '0' && *p <= '9') || *p == '_' || *p == '-';
                if (!ok)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid %s name `%s`", kind,
                                       wanted);
                if (container_store_name_taken(db, wanted, &taken, err) < 0)
                        return -1;
                if (taken)
                        return err_set(err, ERR_EXISTS, 0, "the %s name \"%s\" is already in use",
                                       kind, wanted);
                *ret = xstrdup(wanted);
                return 0;
        }
        for (unsigned attempt = 0; attempt < 100; attempt++) {
                unsigned a = (unsigned)rand() % ELEMENTSOF(name_adjectives);
                unsigned s = (unsigned)rand() % ELEMENTSOF(name_surnames);
                _cleanup_free_ char *n =
                        attempt < 10 ? xasprintf("%s_%s", name_adjectives[a], name_surnames[s])
                                     : xasprintf("%s_%s%u", name_adjectives[a], name_surnames[s],
                                                 attempt);
                if (container_store_name_taken(db, n, &taken, err) < 0)
                        return -1;
                if (!taken) {
                        *ret = TAKE_PTR(n);
                        return 0;
                }
        }
        return err_set(err, ERR_EXISTS, 0, "no free %s name found", kind);
}

int container_name_choose(Engine *e, const char *wanted, const char *kind, char **ret,
                          Error **err) {
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        int r = container_name_pick(db, wanted, kind, ret, err);
        engine_db_put(e, db);
        return r;
}

/* Peers a preview of the config (creation, inspection of a container
 * never started) may name while they are not running: the infra
 * container of the container's pod, which is started with it. */
typedef struct PeerContext {
        Engine *e;
        const char *preview_infra;
} PeerContext;

static int container_peer_namespace_preview(void *userdata, const char *container, SpecNamespace ns,
                                            char **ret_path, Error **err) {
        PeerContext *ctx = userdata;
        Error *down = NULL;
        if (container_peer_namespace(ctx->e, container, ns, ret_path, &down) == 0)
                return 0;
        if (!ctx->preview_infra || !STREQ(container, ctx->preview_infra) ||
            down->kind != ERR_BAD_STATE)
                return err_propagate(err, down);
        err_free(down);
        /* A stand-in of the right type; the config is not run. */
        *ret_path = xasprintf("/proc/self/ns/%s", spec_namespace_proc_name(ns));
        return 0;
}

static int container_peer_namespace_ctx(void *userdata, const char *container, SpecNamespace ns,
                                        char **ret_path, Error **err) {
        PeerContext *ctx = userdata;
        return container_peer_namespace(ctx->e, container, ns, ret_path, err);
}

/* The host directory another container's /dev/shm is: the one its
 * create names (shm_dir; pods give their infra container one). */
static int container_peer_shm(void *userdata, const char *container, char **ret_path, Error **err) {
        PeerContext *ctx = userdata;
        _cleanup_(container_freep) Container *c = NULL;
        if (container_lookup(ctx->e, container, &c, err) < 0)
                return -1;
        const char *dir = json_string_value(json_object_get(c->create, "shm_dir"));
        if (!dir || !*dir)
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "container %s has no /dev/shm to share (no shm_dir)", c->id);
        *ret_path = xstrdup(dir);
        return 0;
}

/* Generates the OCI config for c with its rootfs mounted at rootfs;
 * netns is the namespace path to join (NULL to let the spec decide). */
int container_spec(Engine *e, Container *c, const char *rootfs, const char *netns,
                   bool with_etc_files, bool preview, json_t **ret_config,
                   SpecResolved *ret_resolved, Error **err) {
        const SpecHost *host = engine_spec_host(e, err);
        if (!host)
                return -1;
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_json_ json_t *image_config = NULL;
        Error *lookup = NULL;
        if (image_lookup(e, c->image_id, &img, &lookup) == 0)
                (void)image_config_load(e, img, &image_config, &lookup);
        err_free(lookup);
        _cleanup_free_ char *run = container_run_dir(e, c->id);
        _cleanup_free_ char *hosts = xasprintf("%s/hosts", run);
        _cleanup_free_ char *resolv = xasprintf("%s/resolv.conf", run);
        _cleanup_free_ char *hostname = xasprintf("%s/hostname", run);
        _cleanup_free_ char *volumes = xasprintf("%s/volumes", e->config.root);
        /* Members of a pod live in the pod's cgroup. */
        const char *pod_cgroup = json_string_value(json_object_get(c->resolved, "pod_cgroup"));
        _cleanup_free_ char *cgroups =
                pod_cgroup ? xasprintf("%s/%s", pod_cgroup, c->id) : xasprintf("/varpod/%s", c->id);
        const char *pod_infra = json_string_value(json_object_get(c->resolved, "pod_infra"));
        struct stat st;
        const char *seccomp = stat("/usr/share/containers/seccomp.json", &st) == 0
                                      ? "/usr/share/containers/seccomp.json"
                                      : NULL;
        PeerContext peers = { .e = e, .preview_infra = preview ? pod_infra : NULL };
        SpecInput in = {
                .id = c->id,
                .create = c->create,
                .image_config = json_object_get(image_config, "config"),
                .rootfs = rootfs,
                .hosts_path = with_etc_files ? hosts : NULL,
                .resolv_conf_path = with_etc_files ? resolv : NULL,
                .hostname_path = with_etc_files ? hostname : NULL,
                .netns = netns,
                .cgroups_path = cgroups,
                .seccomp_default = seccomp,
                .volumes_root = volumes,
                .pod_infra = pod_infra,
                .pod_shares =
                        (unsigned)json_integer_value(json_object_get(c->resolved, "pod_shares")),
                .peer_namespace =
                        preview ? container_peer_namespace_preview : container_peer_namespace_ctx,
                .peer_shm = container_peer_shm,
                .peer_userdata = &peers,
                .host = host,
        };
        return spec_generate(&in, ret_config, ret_resolved, err);
}

/* What the record keeps of the pod a container joined: read by
 * container_spec at every start. */
static void container_pod_record(Container *c, const ContainerPodJoin *pod) {
        json_t *res = c->resolved;
        json_object_set_new(res, "pod_cgroup", json_string(pod->cgroup));
        if (pod->is_infra)
                json_object_set_new(res, "pod_is_infra", json_true());
        if (pod->infra_id && !pod->is_infra) {
                json_object_set_new(res, "pod_infra", json_string(pod->infra_id));
                json_object_set_new(res, "pod_shares", json_integer(pod->shares));
        }
}

int container_create(Engine *e, json_t *create, char **ret_id, Error **err) {
        return container_create_in_pod(e, create, NULL, ret_id, err);
}

int container_create_in_pod(Engine *e, json_t *create, const ContainerPodJoin *pod, char **ret_id,
                            Error **err) {
        const char *image_name = json_string_value(json_object_get(create, "image"));
        if (!image_name)
                image_name = "";
        _cleanup_(image_freep) Image *img = NULL;
        Error *missing = NULL;
        if (image_lookup(e, image_name, &img, &missing) < 0) {
                if (missing->kind != ERR_IMAGE_NOT_FOUND || !*image_name)
                        return err_propagate(err, missing);
                err_free(missing);
                /* Not here: pull it, as podman did. */
                _cleanup_free_ char *id = NULL;
                if (image_pull(e, image_name, NULL, &id, err) < 0)
                        return err_wrap(err, "unable to pull %s", image_name);
                if (image_lookup(e, id, &img, err) < 0)
                        return -1;
        }

        _cleanup_(container_freep) Container *c = xnew0(Container, 1);
        container_id_generate(c->id);
        snprintf(c->image_id, sizeof c->image_id, "%s", img->id);
        c->image_name = xstrdup(image_name);
        c->created = engine_now_ns();
        c->state = CONTAINER_STATE_CONFIGURED;
        c->create = json_incref(create);
        if (pod) {
                c->pod_id = xstrdup(pod->pod_id);
                c->resolved = json_object();
                container_pod_record(c, pod);
        }

        Db *db = NULL;
        _cleanup_free_ char *rootfs = NULL;
        _cleanup_free_ char *userdata = container_userdata_dir(e, c->id);
        _cleanup_json_ json_t *config = NULL;
        _cleanup_json_ json_t *mounts = NULL;
        SpecResolved resolved = { 0 };
        bool resolved_set = false;
        _cleanup_error_ Error *ignored = NULL;
        int r = -1;
        if (engine_db_get(e, &db, err) < 0)
                goto out;
        if (container_name_pick(db, json_string_value(json_object_get(create, "name")), "container",
                                &c->name, err) < 0)
                goto out;
        /* The rootfs is mounted once now so that users, groups and the
         * command are resolved, and the request is refused early when the
         * host cannot honour it. */
        if (rootfs_mount(e, c->id, img->layers, &rootfs, err) < 0)
                goto out;
        /* The /etc file paths are given (the files are written at start) so
         * that dns and host options are checked now. */
        r = container_spec(e, c, rootfs, NULL, true, true, &config, &resolved, err);
        resolved_set = r == 0;
        (void)rootfs_umount(e, c->id, &ignored);
        if (r < 0) {
                (void)rootfs_remove(e, c->id, &ignored);
                goto out;
        }
        json_decref(c->resolved);
        c->resolved = spec_resolved_to_json(&resolved);
        if (pod)
                container_pod_record(c, pod);
        /* Listings show the mounts without reading the config. */
        mounts = container_mounts_summary(json_object_get(config, "mounts"));
        if ((r = mkdir_p(userdata, 0700, err)) < 0 ||
            (r = container_store_insert(db, c, mounts, err)) < 0) {
                (void)rootfs_remove(e, c->id, &ignored);
                goto out;
        }
        *ret_id = xstrdup(c->id);
out:
        if (resolved_set)
                spec_resolved_clear(&resolved);
        engine_db_put(e, db);
        return r;
}

/* ------------------------------------------------------------------ */
/* Start.                                                             */

/* Joins the CNI network of a bridge-mode container (its netns exists). */
static int container_cni_attach(Engine *e, Container *c, const NetworkMode *mode, Error **err) {
        CniContext *cni = engine_cni(e, err);
        if (!cni)
                return -1;
        const char *net = mode->networks && mode->networks[0] ? mode->networks[0] : NULL;
        _cleanup_(cni_network_freep) CniNetwork *network = NULL;
        if (cni_network_load(cni, net, &network, err) < 0)
                return -1;
        PortMapping *ports = NULL;
        size_t n_ports = 0;
        container_ports(c, &ports, &n_ports);
        CniAttachment a = {
                .container_id = c->id, .netns_path = c->netns, .ports = ports, .n_ports = n_ports
        };
        _cleanup_(cni_result_freep) CniResult *result = NULL;
        int r = cni_network_add(cni, network, &a, &result, err);
        free(ports);
        if (r < 0)
                return -1;
        const CniIp *ip = cni_result_ip(result, AF_INET);
        c->network = json_pack("{s:s, s:O, s:s, s:s, s:i}", "network", network->name, "result",
                               result->json, "ip", ip ? ip->address : "", "gateway",
                               ip ? ip->gateway : "", "prefix_len", ip ? (int)ip->prefix_len : 0);
        return 0;
}

static int container_network_setup(Engine *e, Container *c, Error **err) {
        NetworkMode mode;
        const char *net_mode = json_string_value(json_object_get(c->resolved, "net_mode"));
        if (network_mode_parse(net_mode ? net_mode : "bridge", &mode, err) < 0)
                return -1;
        int r = 0;
        if (network_mode_has_own_netns(&mode)) {
                _cleanup_free_ char *dir = xasprintf("%s/netns", e->config.runroot);
                _cleanup_free_ char *name = xasprintf("varpod-%.12s", c->id);
                _cleanup_free_ char *stale = xasprintf("%s/%s", dir, name);
                _cleanup_error_ Error *ignored = NULL;
                /* A namespace of an earlier run that was not torn down is stale. */
                if (access(stale, F_OK) == 0)
                        (void)!netns_remove(stale, &ignored);
                r = netns_create(dir, name, &c->netns, err);
                /* none: only lo, which the new namespace has. */
                if (r == 0 && mode.kind == NETWORK_MODE_BRIDGE)
                        r = container_cni_attach(e, c, &mode, err);
        }
        network_mode_clear(&mode);
        return r;
}

static int container_etc_files(Engine *e, Container *c, Error **err) {
        _cleanup_free_ char *run = container_run_dir(e, c->id);
        _cleanup_free_ char *hosts_path = xasprintf("%s/hosts", run);
        _cleanup_free_ char *resolv_path = xasprintf("%s/resolv.conf", run);
        _cleanup_free_ char *hostname_path = xasprintf("%s/hostname", run);
        json_t *res = c->resolved;
        const char *hostname = json_string_value(json_object_get(res, "hostname"));
        /* "" when the UTS namespace is another container's: the hostname
         * file shows that one's, which a pod's infra container records. */
        _cleanup_free_ char *peer_hostname = NULL;
        if (!hostname || !*hostname) {
                const char *infra_id = json_string_value(json_object_get(res, "pod_infra"));
                _cleanup_(container_freep) Container *infra = NULL;
                _cleanup_error_ Error *gone = NULL;
                const char *h = NULL;
                if (infra_id && container_lookup(e, infra_id, &infra, &gone) == 0)
                        h = json_string_value(json_object_get(infra->resolved, "hostname"));
                peer_hostname = h && *h ? xstrdup(h) : xstrndup(c->id, 12);
                hostname = peer_hostname;
        }
        _cleanup_free_ char *host_resolv = NULL;
        _cleanup_error_ Error *ignored = NULL;
        (void)!etcfiles_read("/etc/resolv.conf", &host_resolv, &ignored);

        _cleanup_free_ const char **servers = container_strv(json_object_get(res, "dns_servers"));
        _cleanup_free_ const char **search = container_strv(json_object_get(res, "dns_search"));
        _cleanup_free_ const char **opts = container_strv(json_object_get(res, "dns_options"));
        json_t *hosts_json = json_object_get(res, "hosts");
        size_t n_hosts = json_array_size(hosts_json);
        _cleanup_free_ char **host_add_owned = xnew0(char *, n_hosts + 1);
        for (size_t i = 0; i < n_hosts; i++) {
                json_t *h = json_array_get(hosts_json, i);
                host_add_owned[i] =
                        xasprintf("%s:%s", json_string_value(json_object_get(h, "name")),
                                  json_string_value(json_object_get(h, "ip")));
        }
        const char **host_add = (const char **)host_add_owned;
        ResolvOptions ro = { .host_text = host_resolv,
                             .dns_servers = servers,
                             .dns_search = search,
                             .dns_opt = opts,
                             .private_netns = c->netns != NULL };
        const char *ip = json_string_value(json_object_get(c->network, "ip"));
        HostsOptions ho = { .host_add = host_add,
                            .hostname = hostname,
                            .name = c->name,
                            .ip = ip && *ip ? ip : NULL };
        _cleanup_free_ char *resolv = NULL, *hosts = NULL, *hn = NULL;
        int r = etcfiles_resolv_format(&ro, &resolv, err) < 0 ||
                                etcfiles_hosts_format(&ho, &hosts, err) < 0 ||
                                etcfiles_hostname_format(hostname ? hostname : "", &hn, err) < 0
                        ? -1
                        : 0;
        for (size_t i = 0; i < n_hosts; i++)
                free(host_add_owned[i]);
        if (r < 0)
                return -1;
        if (write_text(resolv_path, resolv, err) < 0 || write_text(hosts_path, hosts, err) < 0 ||
            write_text(hostname_path, hn, err) < 0)
                return -1;
        return 0;
}

char **container_exit_command(const Engine *e, const char *id) {
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
                return NULL;
        self[n] = 0;
        const EngineConfig *cfg = &e->config;
        char **argv = xnew0(char *, 16);
        size_t i = 0;
        argv[i++] = xstrdup(self);
        argv[i++] = xasprintf("--root=%s", cfg->root);
        argv[i++] = xasprintf("--runroot=%s", cfg->runroot);
        argv[i++] = xasprintf("--storage-driver=%s", cfg->storage_driver);
        if (cfg->runtime)
                argv[i++] = xasprintf("--runtime=%s", cfg->runtime);
        if (cfg->cni_config_dir)
                argv[i++] = xasprintf("--cni-config-dir=%s", cfg->cni_config_dir);
        argv[i++] = xstrdup("container");
        argv[i++] = xstrdup("cleanup");
        argv[i++] = xstrdup(id);
        return argv;
}

/* A failed exec of the container's command, classified as podman does so
 * that the CLI exits 127 (not found) or 126 (not executable): podman's
 * root cause goes last. runc says `exec: "x": executable file not found
 * in $PATH`, `exec: "/x": stat /x: no such file or directory` or `exec:
 * "/etc/passwd": permission denied`; crun `executable file `x` not found
 * in $PATH` or `open executable: Permission denied`. Only the exec step
 * counts: a missing mount source is "no such file or directory" too. */
static void container_exec_error_classify(Error **err) {
        if (!err || !*err || (*err)->kind != ERR_RUNTIME)
                return;
        const char *m = (*err)->message;
        if (!strstr(m, "exec: \"") && !strcasestr(m, "executable"))
                return;
        const char *cause = NULL;
        if (strcasestr(m, "permission denied"))
                cause = CONTAINER_EXEC_DENIED;
        else if (strcasestr(m, "not found in $PATH") || strcasestr(m, "no such file or directory"))
                cause = CONTAINER_EXEC_NOT_FOUND;
        if (!cause)
                return;
        char *old = (*err)->message;
        (*err)->message = xasprintf("%s: %s", old, cause);
        free(old);
}

/* Puts everything a run needs in place (rootfs, network, /etc files, OCI
 * config) and creates the container in the runtime under a new conmon:
 * state created, the process held before its exec until runtime_start,
 * the attach socket listening. stdin_once: the container's stdin closes
 * when the attach client hangs up (an attached run, whose end of input is
 * the container's); otherwise it stays open for the next client. Called
 * locked, in a state other than created, running and paused. */
static int container_init_locked(Engine *e, Container *c, bool stdin_once, Error **err) {
        Runtime *rt = engine_runtime(e, err);
        if (!rt)
                return -1;
        _cleanup_(image_freep) Image *img = NULL;
        if (image_lookup(e, c->image_id, &img, err) < 0)
                return err_wrap(err, "image of container %s", c->id);

        /* Leftovers of an earlier run go first. */
        container_teardown(e, c);

        _cleanup_free_ char *userdata = container_userdata_dir(e, c->id);
        _cleanup_free_ char *run = container_run_dir(e, c->id);
        _cleanup_free_ char *exits = container_exit_dir(e);
        _cleanup_free_ char *sockets = container_socket_dir(e);
        _cleanup_free_ char *log = container_log_path(e, c);
        _cleanup_free_ char *pidfile = xasprintf("%s/pidfile", run);
        _cleanup_free_ char *conmon_pidfile = xasprintf("%s/conmon.pid", run);
        _cleanup_free_ char *config_path = xasprintf("%s/config.json", userdata);
        _cleanup_json_ json_t *config = NULL;
        SpecResolved resolved = { 0 };
        bool resolved_set = false;
        char **exit_cmd = NULL;
        int r = -1;

        if (mkdir_p(userdata, 0700, err) < 0 || mkdir_p(run, 0700, err) < 0)
                goto fail;
        /* Mounted still when MountContainer users hold it: then reused. */
        free(c->mounted);
        c->mounted = NULL;
        if (rootfs_mount(e, c->id, img->layers, &c->mounted, err) < 0 ||
            container_network_setup(e, c, err) < 0 || container_etc_files(e, c, err) < 0)
                goto fail;
        if (container_spec(e, c, c->mounted, c->netns, true, false, &config, &resolved, err) < 0)
                goto fail;
        resolved_set = true;
        if (json_dump_file(config, config_path, JSON_COMPACT) < 0) {
                err_set(err, ERR_SYSTEM, errno, "write `%s`", config_path);
                goto fail;
        }
        exit_cmd = container_exit_command(e, c->id);
        const char *level = e->config.log_level;
        RuntimeCreateOptions o = {
                .id = c->id,
                .name = c->name,
                .bundle_dir = userdata,
                .log_path = log,
                .exit_dir = exits,
                .socket_dir = sockets,
                .pid_file = pidfile,
                .conmon_pid_file = conmon_pidfile,
                .terminal = resolved.tty,
                .interactive = resolved.stdin_open,
                .leave_stdin_open = resolved.stdin_open && !stdin_once,
                .exit_command = (const char *const *)exit_cmd,
                .log_level = level && (STREQ(level, "debug") || STREQ(level, "info") ||
                                       STREQ(level, "warn") || STREQ(level, "error"))
                                     ? level
                                     : NULL,
                .log_size_max = resolved.log_max_size,
        };
        RuntimeContainer rc;
        if (runtime_create(rt, &o, &rc, err) < 0)
                goto fail;
        c->pid = rc.pid;
        c->conmon_pid = rc.conmon_pid;
        c->state = CONTAINER_STATE_CREATED;
        r = container_save(e, c, err);
        goto out;
fail:
        err_wrap(err, "start container %s", c->id);
        container_exec_error_classify(err);
        container_teardown(e, c);
        c->state = c->started ? CONTAINER_STATE_EXITED : CONTAINER_STATE_CONFIGURED;
        c->pid = c->conmon_pid = 0;
        (void)container_save(e, c, NULL);
out:
        if (resolved_set)
                spec_resolved_clear(&resolved);
        strv_free(exit_cmd);
        return r;
}

/* Brings a container to running, through created. Called locked. */
static int container_start_locked(Engine *e, Container *c, const RuntimeHooks *hooks, Error **err) {
        if (container_sync_locked(e, c, err) < 0)
                return -1;
        if (c->state == CONTAINER_STATE_RUNNING)
                return 0; /* already running: nothing to do, as podman */
        if (c->state == CONTAINER_STATE_PAUSED)
                return err_set(err, ERR_BAD_STATE, 0,
                               "container %s is paused: unpause it: container state improper",
                               c->id);
        /* Created already: an attach client initialised it (GetAttachSockets). */
        if (c->state != CONTAINER_STATE_CREATED &&
            container_init_locked(e, c, hooks != NULL, err) < 0)
                return -1;
        /* Attach clients connect between create and start, or they miss
         * the first output. */
        if (hooks && hooks->after_create)
                hooks->after_create(hooks->userdata, c);
        Runtime *rt = engine_runtime(e, err);
        if (!rt || runtime_start(rt, c->id, err) < 0) {
                err_wrap(err, "start container %s", c->id);
                container_teardown(e, c);
                c->state = c->started ? CONTAINER_STATE_EXITED : CONTAINER_STATE_CONFIGURED;
                c->pid = c->conmon_pid = 0;
                (void)container_save(e, c, NULL);
                return -1;
        }
        c->state = CONTAINER_STATE_RUNNING;
        c->started = engine_now_ns();
        c->finished = 0;
        c->exit_code = 0;
        return container_save(e, c, err);
}

/* Takes c's lock and brings c up to date (database row, then the
 * runtime's view). The lock is held on return whenever l->fd >= 0, even
 * when the refresh failed: the caller releases it. */
static int container_lock_fresh(Engine *e, Container *c, Lock *l, Error **err) {
        if (container_lock(e, c->id, l, err) < 0)
                return -1;
        int r = container_reload(e, c, err);
        if (r == 0)
                r = container_sync_locked(e, c, err);
        return r;
}

/* A pod member joins its infra container's namespaces: like podman 4,
 * starting a member starts the infra container first when it is down.
 * Before the member's lock is taken: the infra container's comes first. */
static int container_pod_infra_start(Engine *e, const Container *c, Error **err) {
        const char *infra_id = json_string_value(json_object_get(c->resolved, "pod_infra"));
        if (!infra_id)
                return 0;
        _cleanup_(container_freep) Container *infra = NULL;
        if (container_lookup(e, infra_id, &infra, err) < 0 || container_sync(e, infra, err) < 0)
                return err_wrap(err, "infra container of pod %s", c->pod_id ? c->pod_id : "");
        if (infra->state == CONTAINER_STATE_RUNNING)
                return 0;
        if (infra->state == CONTAINER_STATE_PAUSED)
                return err_set(err, ERR_BAD_STATE, 0,
                               "infra container %s of pod %s is paused: container state improper",
                               infra->id, c->pod_id ? c->pod_id : "");
        if (container_start(e, infra, NULL, err) < 0)
                return err_wrap(err, "start infra container of pod %s", c->pod_id ? c->pod_id : "");
        return 0;
}

int container_start(Engine *e, Container *c, const RuntimeHooks *hooks, Error **err) {
        if (container_pod_infra_start(e, c, err) < 0)
                return -1;
        Lock l = LOCK_INIT;
        if (container_lock(e, c->id, &l, err) < 0)
                return -1;
        int r = container_reload(e, c, err);
        if (r == 0)
                r = container_start_locked(e, c, hooks, err);
        lock_release(&l);
        return r;
}

int container_init(Engine *e, Container *c, Error **err) {
        if ((c->state == CONTAINER_STATE_CONFIGURED || c->state == CONTAINER_STATE_STOPPED ||
             c->state == CONTAINER_STATE_EXITED) &&
            container_pod_infra_start(e, c, err) < 0)
                return -1;
        Lock l = LOCK_INIT;
        int r = container_lock_fresh(e, c, &l, err);
        if (l.fd < 0)
                return -1;
        if (r == 0 && (c->state == CONTAINER_STATE_CONFIGURED ||
                       c->state == CONTAINER_STATE_STOPPED || c->state == CONTAINER_STATE_EXITED))
                r = container_init_locked(e, c, true, err);
        lock_release(&l);
        return r;
}

/* ------------------------------------------------------------------ */
/* Signals, stop, pause.                                              */

int container_kill(Engine *e, Container *c, int sig, Error **err) {
        Lock l = LOCK_INIT;
        int r = container_lock_fresh(e, c, &l, err);
        if (l.fd < 0)
                return -1;
        /* Not even paused ones (semantics 2.4): the signal would wait. */
        if (r == 0 && c->state != CONTAINER_STATE_RUNNING)
                r = err_set(err, ERR_BAD_STATE, 0,
                            "can only kill running containers. %s is in state %s: container "
                            "state improper",
                            c->id, container_state_name(c->state));
        Runtime *rt = r == 0 ? engine_runtime(e, err) : NULL;
        if (r == 0 && (!rt || runtime_kill(rt, c->id, sig, false, err) < 0))
                r = -1;
        lock_release(&l);
        return r;
}

/* Waits until the container's process has exited (exit file), at most
 * timeout_ms (<0: forever). Returns 1 when it exited, 0 on timeout. */
/* container_exit_wait for a container whose conmon died: no exit file
 * will come, the runtime says when the process is gone. */
static int container_exit_wait_unmonitored(Engine *e, Container *c, int timeout_ms, Error **err) {
        Runtime *rt = engine_runtime(e, err);
        if (!rt)
                return -1;
        for (int waited = 0;; waited += 50) {
                RuntimeState st;
                _cleanup_error_ Error *gone = NULL;
                if (runtime_state(rt, c->id, &st, &gone) < 0 || st.status == RUNTIME_STATUS_STOPPED)
                        return 1;
                if (waited >= timeout_ms)
                        return 0;
                struct timespec ts = { 0, 50 * 1000 * 1000 };
                nanosleep(&ts, NULL);
        }
}

static int container_exit_wait(Engine *e, Container *c, int timeout_ms, Error **err) {
        if (c->conmon_pid <= 0)
                return container_exit_wait_unmonitored(e, c, timeout_ms, err);
        _cleanup_free_ char *exits = container_exit_dir(e);
        int code;
        int64_t when;
        Error *timeout = NULL;
        if (runtime_exit_file_wait(exits, c->id, timeout_ms, &code, &when, &timeout) == 0)
                return 1;
        if (timeout->kind == ERR_TIMEOUT) {
                err_free(timeout);
                return 0;
        }
        /* conmon gone without an exit file: the process is gone too. */
        if (c->conmon_pid > 0 && !runtime_conmon_is_alive(c->conmon_pid)) {
                err_free(timeout);
                return 1;
        }
        return err_propagate(err, timeout);
}

int container_stop(Engine *e, Container *c, int timeout_s, Error **err) {
        Lock l = LOCK_INIT;
        int r = container_lock_fresh(e, c, &l, err);
        if (l.fd < 0)
                return -1;
        if (r < 0 || (c->state != CONTAINER_STATE_RUNNING && c->state != CONTAINER_STATE_PAUSED &&
                      c->state != CONTAINER_STATE_CREATED)) {
                /* Stopping a stopped container is fine, as with podman. */
                lock_release(&l);
                return r;
        }
        Runtime *rt = engine_runtime(e, err);
        if (!rt) {
                lock_release(&l);
                return -1;
        }
        if (timeout_s < 0) {
                json_t *t = json_object_get(c->resolved, "stop_timeout");
                timeout_s = t ? (int)json_integer_value(t) : 10;
        }
        int sig = (int)json_integer_value(json_object_get(c->resolved, "stop_signal"));
        if (sig <= 0)
                sig = SIGTERM;
        _cleanup_error_ Error *ignored = NULL;
        if (c->state == CONTAINER_STATE_PAUSED)
                (void)!runtime_resume(rt, c->id, &ignored);
        if (timeout_s > 0)
                (void)!runtime_kill(rt, c->id, sig, false, &ignored);
        r = timeout_s > 0 ? container_exit_wait(e, c, timeout_s * 1000, err) : 0;
        if (r == 0) {
                /* The stop signal did not end it in time. */
                (void)!runtime_kill(rt, c->id, SIGKILL, true, &ignored);
                r = container_exit_wait(e, c, 30000, err);
                if (r == 0)
                        r = err_set(err, ERR_TIMEOUT, 0, "container %s did not die after SIGKILL",
                                    c->id);
        }
        if (r > 0) {
                container_record_exit(e, c);
                r = container_save(e, c, err);
        }
        lock_release(&l);
        return r < 0 ? -1 : 0;
}

static int container_pause_change(Engine *e, Container *c, bool pause, Error **err) {
        Lock l = LOCK_INIT;
        int r = container_lock_fresh(e, c, &l, err);
        if (l.fd < 0)
                return -1;
        /* The reference's texts (semantics 2.4, methods 20 and 21). */
        if (r == 0 && pause && c->state == CONTAINER_STATE_PAUSED)
                r = err_set(err, ERR_BAD_STATE, 0,
                            "\"%s\" is already paused: container state improper", c->id);
        else if (r == 0 && pause && c->state != CONTAINER_STATE_RUNNING)
                r = err_set(err, ERR_BAD_STATE, 0,
                            "\"%s\" is not running, can't pause: container state improper",
                            container_state_name(c->state));
        else if (r == 0 && !pause && c->state != CONTAINER_STATE_PAUSED)
                r = err_set(err, ERR_BAD_STATE, 0,
                            "\"%s\" is not paused, can't unpause: container state improper", c->id);
        Runtime *rt = r == 0 ? engine_runtime(e, err) : NULL;
        if (r == 0 &&
            (!rt || (pause ? runtime_pause(rt, c->id, err) : runtime_resume(rt, c->id, err)) < 0))
                r = -1;
        if (r == 0) {
                c->state = pause ? CONTAINER_STATE_PAUSED : CONTAINER_STATE_RUNNING;
                r = container_save(e, c, err);
        }
        lock_release(&l);
        return r;
}

int container_pause(Engine *e, Container *c, Error **err) {
        return container_pause_change(e, c, true, err);
}

int container_unpause(Engine *e, Container *c, Error **err) {
        return container_pause_change(e, c, false, err);
}

/* ------------------------------------------------------------------ */
/* Cleanup, wait, remove.                                             */

int container_cleanup(Engine *e, const char *name, Error **err) {
        _cleanup_(container_freep) Container *c = NULL;
        if (container_lookup(e, name, &c, err) < 0)
                return -1;
        Lock l = LOCK_INIT;
        int r = container_lock_fresh(e, c, &l, err);
        if (l.fd < 0)
                return -1;
        bool remove = r == 0 && c->state == CONTAINER_STATE_EXITED &&
                      json_is_true(json_object_get(c->resolved, "rm"));
        lock_release(&l);
        if (remove)
                r = container_remove(e, c, false, err);
        return r;
}

int container_wait(Engine *e, Container *c, int *ret_code, Error **err) {
        for (;;) {
                Lock l = LOCK_INIT;
                int r = container_lock_fresh(e, c, &l, err);
                if (l.fd < 0)
                        return -1;
                ContainerState s = c->state;
                int code = c->exit_code;
                lock_release(&l);
                if (r < 0)
                        return -1;
                /* Created (initialised, never started) counts as not
                 * running, as in the reference: there is nothing to wait for. */
                if (s != CONTAINER_STATE_RUNNING && s != CONTAINER_STATE_PAUSED) {
                        *ret_code = code;
                        return 0;
                }
                /* Sleep on the exit file rather than the lock. */
                if (container_exit_wait(e, c, 1000, err) < 0)
                        return -1;
        }
}

static int container_remove_impl(Engine *e, Container *c, bool force, bool with_pod, Error **err) {
        Lock l = LOCK_INIT;
        int r = container_lock_fresh(e, c, &l, err);
        if (l.fd < 0)
                return -1;
        /* Its pod's members live in its namespaces: podman's refusal. */
        if (r == 0 && !with_pod && container_is_infra(c))
                r = err_set(err, ERR_BAD_STATE, 0,
                            "container %s is the infra container of pod %s and cannot be removed "
                            "without removing the pod",
                            c->id, c->pod_id ? c->pod_id : "");
        _cleanup_free_ char *dependents = NULL;
        if (r == 0 &&
            (r = container_dependents(e, c->id, with_pod ? c->pod_id : NULL, &dependents, err)) ==
                    0 &&
            dependents)
                r = err_set(err, ERR_BAD_STATE, 0,
                            "container %s has dependent containers which must be removed before "
                            "it: %s: container already exists",
                            c->id, dependents);
        bool active = c->state == CONTAINER_STATE_RUNNING || c->state == CONTAINER_STATE_PAUSED;
        if (r == 0 && active && !force)
                r = c->state == CONTAINER_STATE_PAUSED
                            ? err_set(err, ERR_BAD_STATE, 0,
                                      "container %s is paused, cannot remove until unpaused: "
                                      "container state improper",
                                      c->id)
                            : err_set(err, ERR_BAD_STATE, 0,
                                      "cannot remove container %s as it is running - running or "
                                      "paused containers cannot be removed: container state "
                                      "improper",
                                      c->id);
        else if (r == 0 && (active || c->state == CONTAINER_STATE_CREATED)) {
                /* A created container (initialised for an attach client that
                 * never started it) needs no force, but its conmon must see
                 * the end and write its exit file before the files go. */
                lock_release(&l);
                if (container_stop(e, c, active ? -1 : 0, err) < 0)
                        return -1;
                return container_remove_impl(e, c, false, with_pod, err);
        }
        if (r == 0) {
                container_teardown(e, c);
                Db *db;
                if ((r = engine_db_get(e, &db, err)) == 0) {
                        r = container_store_delete(db, c->id, err);
                        engine_db_put(e, db);
                }
        }
        if (r == 0) {
                /* The row is gone; files left by a crash here are debris. */
                _cleanup_error_ Error *ignored = NULL;
                _cleanup_free_ char *exits = container_exit_dir(e);
                _cleanup_free_ char *exit_file = xasprintf("%s/%s", exits, c->id);
                (void)unlink(exit_file);
                (void)rootfs_remove(e, c->id, &ignored);
        }
        lock_release(&l);
        return r;
}

int container_remove(Engine *e, Container *c, bool force, Error **err) {
        return container_remove_impl(e, c, force, false, err);
}

int container_remove_pod_member(Engine *e, Container *c, bool force, Error **err) {
        return container_remove_impl(e, c, force, true, err);
}
