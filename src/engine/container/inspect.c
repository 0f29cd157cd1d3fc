/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON documents that describe a container (semantics 3.3), built
 * from four sources: the container record (c->create, the normalised
 * io.podman Create; c->resolved, what creation resolved), the OCI config
 * of its last start, its image's config, and the create-config artifact,
 * which is itself rebuilt from the record as libpod's CreateConfig.
 * Documents are assembled from field tables so that key order, which
 * clients of the era print as is, is visible in one place. */
#include <errno.h>
#include <fts.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container-inspect.h"
#include "container-private.h"
#include "image.h"
#include "json-util.h"
#include "rootfs.h"
#include "timefmt.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ */
/* JSON helpers.                                                      */

/* The member at a dotted path ("linux.resources.cpu"), borrowed; NULL
 * when any step is missing. Go's field names never contain dots. */
static json_t *jpath(json_t *root, const char *path) {
        json_t *cur = root;
        for (const char *p = path; cur && *p;) {
                const char *dot = strchr(p, '.');
                size_t len = dot ? (size_t)(dot - p) : strlen(p);
                char key[64];
                if (len >= sizeof key)
                        return NULL;
                memcpy(key, p, len);
                key[len] = '\0';
                cur = json_object_get(cur, key);
                p += len + (dot ? 1 : 0);
        }
        return cur;
}

static bool value_is_empty(const json_t *v) {
        switch (json_typeof(v)) {
        case JSON_NULL:
        case JSON_FALSE:
                return true;
        case JSON_STRING:
                return json_string_length(v) == 0;
        case JSON_INTEGER:
                return json_integer_value(v) == 0;
        case JSON_REAL:
                return json_real_value(v) == 0.0;
        case JSON_ARRAY:
                return json_array_size(v) == 0;
        case JSON_OBJECT:
                return json_object_size(v) == 0;
        default:
                return false;
        }
}

/* v (new reference), with Go's nil for a missing value or an empty slice
 * or map: the documents print empty collections as null. */
static json_t *ref_or_null(json_t *v) {
        if (!v || ((json_is_array(v) || json_is_object(v)) && value_is_empty(v)))
                return json_null();
        return json_incref(v);
}

/* v itself (taken), or null when it is an empty collection. */
static json_t *nonempty_or_null(json_t *v) {
        json_t *out = ref_or_null(v);
        json_decref(v);
        return out;
}

static const char *jstr(json_t *root, const char *path) {
        const char *s = json_string_value(jpath(root, path));
        return s ? s : "";
}

/* A JSON string made from a new C string, which it frees. */
static json_t *string_take(char *s) {
        json_t *j = json_string(s);
        free(s);
        return j;
}

/* Sets key unless v is empty (Go's ",omitempty"); takes v. */
static void set_omitempty(json_t *obj, const char *key, json_t *v) {
        if (value_is_empty(v))
                json_decref(v);
        else
                json_object_set_new(obj, key, v);
}

/* ------------------------------------------------------------------ */
/* Field tables.                                                      */

typedef enum InspectSource {
        SRC_SPEC,      /* the OCI config at path; null when absent */
        SRC_SPEC_STR,  /* the same; "" when absent */
        SRC_SPEC_BOOL, /* the same; false when absent */
        SRC_CREATE,    /* the normalised Create at path */
        SRC_ARTIFACT,  /* the create-config artifact at path */
        SRC_DERIVED,   /* computed beforehand under the field's own key, used as is */
        SRC_NULL,
        SRC_EMPTY, /* "" */
        SRC_FALSE,
        SRC_ZERO,
} InspectSource;

typedef struct InspectField {
        const char *key;
        InspectSource source;
        const char *path;
        bool omit_empty; /* Go's ",omitempty" */
} InspectField;

typedef struct InspectSources {
        json_t *spec, *create, *artifact;
        json_t *derived; /* key -> value for SRC_DERIVED */
} InspectSources;

static json_t *field_value(const InspectField *f, const InspectSources *s) {
        switch (f->source) {
        case SRC_SPEC:
                return ref_or_null(jpath(s->spec, f->path));
        case SRC_SPEC_STR:
                return json_string(jstr(s->spec, f->path));
        case SRC_SPEC_BOOL:
                return json_boolean(json_is_true(jpath(s->spec, f->path)));
        case SRC_CREATE:
                return ref_or_null(jpath(s->create, f->path));
        case SRC_ARTIFACT:
                return ref_or_null(jpath(s->artifact, f->path));
        case SRC_DERIVED: {
                json_t *v = json_object_get(s->derived, f->key);
                return v ? json_incref(v) : json_null();
        }
        case SRC_EMPTY:
                return json_string("");
        case SRC_FALSE:
                return json_false();
        case SRC_ZERO:
                return json_integer(0);
        case SRC_NULL:
        default:
                return json_null();
        }
}

/* Appends the table's fields to obj in table order. */
static void fields_add(json_t *obj, const InspectField *fields, size_t n, const InspectSources *s) {
        for (size_t i = 0; i < n; i++) {
                json_t *v = field_value(&fields[i], s);
                if (fields[i].omit_empty)
                        set_omitempty(obj, fields[i].key, v);
                else
                        json_object_set_new(obj, fields[i].key, v);
        }
}

static json_t *fields_object(const InspectField *fields, size_t n, const InspectSources *s) {
        json_t *obj = json_object();
        fields_add(obj, fields, n, s);
        return obj;
}

/* ------------------------------------------------------------------ */
/* Small facts about the container.                                   */

static const char *resolved_str(const Container *c, const char *key) {
        return jstr(c->resolved, key);
}

/* The image's OCI config ("config" member), new reference, or NULL when
 * the image or its config is gone. */
static json_t *inspect_image_config(Engine *e, const Container *c) {
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_json_ json_t *config = NULL;
        _cleanup_error_ Error *ignored = NULL;
        if (image_lookup(e, c->image_id, &img, &ignored) < 0 ||
            image_config_load(e, img, &config, &ignored) < 0)
                return NULL;
        json_t *inner = json_object_get(config, "config");
        return inner ? json_incref(inner) : NULL;
}

static const char *inspect_runtime_name(Engine *e) {
        _cleanup_error_ Error *ignored = NULL;
        Runtime *rt = engine_runtime(e, &ignored);
        return rt ? runtime_name(rt) : "";
}

/* The command conmon runs after the process exits, as a JSON array. */
static json_t *inspect_exit_command(const Engine *e, const char *id) {
        char **argv = container_exit_command(e, id);
        if (!argv)
                return json_null();
        json_t *a = json_array();
        for (char **p = argv; *p; p++) {
                json_array_append_new(a, json_string(*p));
                free(*p);
        }
        free(argv);
        return a;
}

/* A per-container file bind-mounted over /etc/NAME, "" before the first
 * start wrote it. New string. */
static char *inspect_etc_file(const Engine *e, const Container *c, const char *name) {
        _cleanup_free_ char *run = container_run_dir(e, c->id);
        char *path = xasprintf("%s/%s", run, name);
        if (c->started == 0 || access(path, F_OK) < 0) {
                free(path);
                return xstrdup("");
        }
        return path;
}

/* The ID of a "container:X" namespace mode's X (X itself when it is gone),
 * or null for other modes. */
static json_t *inspect_peer_id(Engine *e, const char *mode) {
        if (!mode || !STRPREFIX(mode, "container:"))
                return json_null();
        const char *target = mode + strlen("container:");
        _cleanup_(container_freep) Container *peer = NULL;
        _cleanup_error_ Error *ignored = NULL;
        if (container_lookup(e, target, &peer, &ignored) < 0)
                return json_string(target);
        return json_string(peer->id);
}

/* Containers whose namespaces c joins, as full IDs; NULL when none. */
static json_t *inspect_dependencies(Engine *e, const Container *c) {
        json_t *deps = json_object_get(c->resolved, "dependencies");
        if (json_array_size(deps) == 0)
                return NULL;
        json_t *out = json_array();
        size_t i;
        json_t *d;
        json_array_foreach (deps, i, d) {
                _cleanup_free_ char *mode = xasprintf("container:%s", json_string_value(d));
                json_array_append_new(out, inspect_peer_id(e, mode));
        }
        return out;
}

/* Published ports in ocicni's shape; an empty array when none. */
static json_t *inspect_ports(const Container *c) {
        json_t *out = json_array();
        size_t i;
        json_t *p;
        json_array_foreach (json_object_get(c->resolved, "ports"), i, p) {
                const char *proto = json_string_value(json_object_get(p, "protocol"));
                const char *ip = json_string_value(json_object_get(p, "host_ip"));
                json_array_append_new(out,
                                      json_pack("{s:O, s:O, s:s, s:s}", "hostPort",
                                                json_object_get(p, "host_port"), "containerPort",
                                                json_object_get(p, "container_port"), "protocol",
                                                proto ? proto : "tcp", "hostIP", ip ? ip : ""));
        }
        return out;
}

/* The size of /dev/shm from its tmpfs mount's "size=" option; 0 when it is
 * a bind mount (host or another container's). */
static int64_t inspect_shm_size(json_t *spec) {
        size_t i, j;
        json_t *m, *o;
        json_array_foreach (json_object_get(spec, "mounts"), i, m) {
                if (!STREQ(jstr(m, "destination"), "/dev/shm"))
                        continue;
                json_array_foreach (json_object_get(m, "options"), j, o) {
                        const char *opt = json_string_value(o);
                        if (opt && STRPREFIX(opt, "size="))
                                return strtoll(opt + 5, NULL, 10);
                }
        }
        return 0;
}

/* Bytes in a directory tree, directories themselves not counted (as
 * containers/storage measures a layer). 0 when it cannot be read. */
static int64_t inspect_dir_size(const char *path) {
        char *const paths[] = { (char *)path, NULL };
        FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, NULL);
        if (!fts)
                return 0;
        int64_t total = 0;
        FTSENT *ent;
        while ((ent = fts_read(fts)))
                if (ent->fts_info == FTS_F || ent->fts_info == FTS_SL ||
                    ent->fts_info == FTS_SLNONE || ent->fts_info == FTS_DEFAULT)
                        total += ent->fts_statp->st_size;
        fts_close(fts);
        return total;
}

/* ------------------------------------------------------------------ */
/* The OCI config.                                                    */

/* The OCI config a start would write, without the network namespace only
 * a start makes. Called with the rootfs mounted. */
static int inspect_spec_generate_in(Engine *e, Container *c, const char *rootfs, json_t **ret,
                                    Error **err) {
        SpecResolved resolved = { 0 };
        if (container_spec(e, c, rootfs, NULL, true, true, ret, &resolved, err) < 0)
                return err_wrap(err, "OCI config of container %s", c->id);
        spec_resolved_clear(&resolved);
        return 0;
}

/* Reads USERDATA/config.json; 1 when it exists, 0 when it does not. */
static int inspect_spec_read(Engine *e, const Container *c, json_t **ret, Error **err) {
        _cleanup_free_ char *userdata = container_userdata_dir(e, c->id);
        _cleanup_free_ char *path = xasprintf("%s/config.json", userdata);
        if (access(path, F_OK) < 0)
                return 0;
        json_error_t jerr;
        json_t *config = json_load_file(path, 0, &jerr);
        if (!config)
                return err_set(err, ERR_SYSTEM, 0, "read `%s`: %s", path, jerr.text);
        *ret = config;
        return 1;
}

/* The config written at the last start, else one generated now. The
 * generation mounts the rootfs when it is not mounted, under the
 * container's lock so that no start or removal runs meanwhile. */
static int inspect_spec_load(Engine *e, Container *c, json_t **ret, Error **err) {
        int r = inspect_spec_read(e, c, ret, err);
        if (r != 0)
                return r < 0 ? -1 : 0;
        _cleanup_(image_freep) Image *img = NULL;
        if (image_lookup(e, c->image_id, &img, err) < 0)
                return err_wrap(err, "image of container %s", c->id);
        Lock l = LOCK_INIT;
        if (container_lock(e, c->id, &l, err) < 0)
                return -1;
        /* A start may have written one while we waited for the lock, or a
         * removal taken the container away: its rootfs must not come back. */
        _cleanup_(container_freep) Container *still = NULL;
        r = container_lookup(e, c->id, &still, err);
        if (r == 0)
                r = inspect_spec_read(e, c, ret, err);
        if (r == 0) {
                bool was_mounted = rootfs_is_mounted(e, c->id);
                _cleanup_free_ char *rootfs = NULL;
                r = rootfs_mount(e, c->id, img->layers, &rootfs, err);
                if (r == 0)
                        r = inspect_spec_generate_in(e, c, rootfs, ret, err);
                _cleanup_error_ Error *ignored = NULL;
                if (!was_mounted)
                        (void)rootfs_umount(e, c->id, &ignored);
        }
        lock_release(&l);
        return r < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* The create-config artifact (libpod's CreateConfig of January 2019). */

static const InspectField artifact_resources[] = {
        { "BlkioWeight", SRC_CREATE, "resources.blkio_weight" },
        { "BlkioWeightDevice", SRC_CREATE, "resources.blkio_weight_device" },
        { "CPUPeriod", SRC_CREATE, "resources.cpu_period" },
        { "CPUQuota", SRC_CREATE, "resources.cpu_quota" },
        { "CPURtPeriod", SRC_CREATE, "resources.cpu_rt_period" },
        { "CPURtRuntime", SRC_CREATE, "resources.cpu_rt_runtime" },
        { "CPUShares", SRC_CREATE, "resources.cpu_shares" },
        { "CPUs", SRC_CREATE, "resources.cpus" },
        { "CPUsetCPUs", SRC_CREATE, "resources.cpuset_cpus" },
        { "CPUsetMems", SRC_CREATE, "resources.cpuset_mems" },
        { "DeviceReadBps", SRC_CREATE, "resources.device_read_bps" },
        { "DeviceReadIOps", SRC_CREATE, "resources.device_read_iops" },
        { "DeviceWriteBps", SRC_CREATE, "resources.device_write_bps" },
        { "DeviceWriteIOps", SRC_CREATE, "resources.device_write_iops" },
        { "DisableOomKiller", SRC_CREATE, "resources.disable_oomkiller" },
        { "KernelMemory", SRC_CREATE, "resources.kernel_memory" },
        { "Memory", SRC_CREATE, "resources.memory" },
        { "MemoryReservation", SRC_CREATE, "resources.memory_reservation" },
        { "MemorySwap", SRC_CREATE, "resources.memory_swap" },
        { "MemorySwappiness", SRC_CREATE, "resources.memory_swappiness" },
        { "OomScoreAdj", SRC_CREATE, "resources.oom_score_adj" },
        { "PidsLimit", SRC_CREATE, "resources.pids_limit" },
        { "ShmSize", SRC_CREATE, "resources.shm_size" },
        { "Ulimit", SRC_CREATE, "resources.ulimit" },
};

static const InspectField artifact_fields[] = {
        { "Runtime", SRC_DERIVED },
        { "Annotations", SRC_NULL },
        { "Args", SRC_CREATE, "args" },
        { "CapAdd", SRC_CREATE, "cap_add" },
        { "CapDrop", SRC_CREATE, "cap_drop" },
        { "CidFile", SRC_EMPTY },
        { "ConmonPidFile", SRC_CREATE, "conmon_pidfile" },
        { "CgroupParent", SRC_DERIVED },
        { "Command", SRC_DERIVED },
        { "Detach", SRC_CREATE, "detach" },
        { "Devices", SRC_CREATE, "devices" },
        { "DNSOpt", SRC_CREATE, "dns_opt" },
        { "DNSSearch", SRC_CREATE, "dns_search" },
        { "DNSServers", SRC_CREATE, "dns_servers" },
        { "Entrypoint", SRC_DERIVED },
        { "Env", SRC_DERIVED },
        { "ExposedPorts", SRC_DERIVED },
        { "GroupAdd", SRC_CREATE, "group_add" },
        { "HostAdd", SRC_CREATE, "host_add" },
        { "Hostname", SRC_CREATE, "hostname" },
        { "Image", SRC_DERIVED },
        { "ImageID", SRC_DERIVED },
        { "BuiltinImgVolumes", SRC_DERIVED },
        { "IDMappings", SRC_DERIVED },
        { "ImageVolumeType", SRC_DERIVED },
        { "Interactive", SRC_CREATE, "interactive" },
        { "IpcMode", SRC_CREATE, "ipc_mode" },
        { "IP6Address", SRC_EMPTY },
        { "IPAddress", SRC_EMPTY },
        { "Labels", SRC_DERIVED },
        { "LinkLocalIP", SRC_NULL },
        { "LogDriver", SRC_DERIVED },
        { "LogDriverOpt", SRC_CREATE, "log_driver_opt" },
        { "MacAddress", SRC_EMPTY },
        { "Name", SRC_DERIVED },
        { "NetMode", SRC_DERIVED },
        { "Network", SRC_CREATE, "network" },
        { "NetworkAlias", SRC_NULL },
        { "PidMode", SRC_CREATE, "pid_mode" },
        { "Pod", SRC_DERIVED },
        { "PortBindings", SRC_DERIVED },
        { "Privileged", SRC_CREATE, "privileged" },
        { "Publish", SRC_CREATE, "publish" },
        { "PublishAll", SRC_CREATE, "publish_all" },
        { "Quiet", SRC_CREATE, "quiet" },
        { "ReadOnlyRootfs", SRC_CREATE, "readonly_rootfs" },
        { "Resources", SRC_DERIVED },
        { "Rm", SRC_CREATE, "rm" },
        { "StopSignal", SRC_DERIVED },
        { "StopTimeout", SRC_DERIVED },
        { "Sysctl", SRC_CREATE, "sys_ctl" },
        { "Systemd", SRC_FALSE },
        { "Tmpfs", SRC_CREATE, "tmpfs" },
        { "Tty", SRC_CREATE, "tty" },
        { "UsernsMode", SRC_CREATE, "userns_mode" },
        { "User", SRC_CREATE, "user" },
        { "UtsMode", SRC_CREATE, "uts_mode" },
        { "Mounts", SRC_NULL },
        { "Volumes", SRC_CREATE, "volumes" },
        { "VolumesFrom", SRC_NULL },
        { "WorkDir", SRC_DERIVED },
        { "LabelOpts", SRC_NULL },
        { "NoNewPrivs", SRC_CREATE, "no_new_privs" },
        { "ApparmorProfile", SRC_CREATE, "apparmor_profile" },
        { "SeccompProfilePath", SRC_CREATE, "seccomp_profile_path" },
        { "SecurityOpts", SRC_CREATE, "security_opts" },
        { "Rootfs", SRC_EMPTY },
        { "LocalVolumes", SRC_NULL },
        { "Syslog", SRC_FALSE },
};

/* "K=V" entries as a map, as CreateConfig.Env holds them. */
static json_t *artifact_env(const Container *c) {
        json_t *env = json_object();
        size_t i;
        json_t *kv;
        json_array_foreach (json_object_get(c->resolved, "env"), i, kv) {
                const char *s = json_string_value(kv);
                const char *eq = s ? strchr(s, '=') : NULL;
                if (!eq)
                        continue;
                _cleanup_free_ char *key = xstrndup(s, (size_t)(eq - s));
                json_object_set_new(env, key, json_string(eq + 1));
        }
        return env;
}

/* "80/tcp" -> {} (nat.PortSet). */
static json_t *artifact_exposed_ports(const Container *c) {
        json_t *set = json_object();
        size_t i;
        json_t *p;
        json_array_foreach (json_object_get(c->resolved, "exposed_ports"), i, p)
                if (json_string_value(p))
                        json_object_set_new(set, json_string_value(p), json_object());
        return set;
}

/* "80/tcp" -> [{HostIp, HostPort}] (nat.PortMap), ports as strings. */
static json_t *artifact_port_bindings(const Container *c) {
        json_t *map = json_object();
        size_t i;
        json_t *p;
        json_array_foreach (json_object_get(c->resolved, "ports"), i, p) {
                const char *proto = json_string_value(json_object_get(p, "protocol"));
                const char *ip = json_string_value(json_object_get(p, "host_ip"));
                _cleanup_free_ char *key = xasprintf(
                        "%lld/%s",
                        (long long)json_integer_value(json_object_get(p, "container_port")),
                        proto ? proto : "tcp");
                _cleanup_free_ char *port = xasprintf(
                        "%lld", (long long)json_integer_value(json_object_get(p, "host_port")));
                json_t *list = json_object_get(map, key);
                if (!list) {
                        list = json_array();
                        json_object_set_new(map, key, list);
                }
                json_array_append_new(
                        list, json_pack("{s:s, s:s}", "HostIp", ip ? ip : "", "HostPort", port));
        }
        return map;
}

/* "CONTAINER:HOST:SIZE" strings as idtools.IDMap entries; NULL when none. */
static json_t *artifact_id_map(json_t *entries) {
        if (json_array_size(entries) == 0)
                return NULL;
        json_t *out = json_array();
        size_t i;
        json_t *m;
        json_array_foreach (entries, i, m) {
                long long cid, hid, size;
                if (sscanf(json_string_value(m) ? json_string_value(m) : "", "%lld:%lld:%lld", &cid,
                           &hid, &size) == 3)
                        json_array_append_new(out,
                                              json_pack("{s:I, s:I, s:I}", "container_id",
                                                        (json_int_t)cid, "host_id", (json_int_t)hid,
                                                        "size", (json_int_t)size));
        }
        if (json_array_size(out) == 0) {
                json_decref(out);
                return NULL;
        }
        return out;
}

/* storage.IDMappingOptions: host mappings unless the request gave maps. */
static json_t *artifact_id_mappings(const Container *c) {
        json_t *uid = artifact_id_map(json_object_get(c->create, "uidmap"));
        json_t *gid = artifact_id_map(json_object_get(c->create, "gidmap"));
        return json_pack("{s:b, s:b, s:o, s:o}", "HostUIDMapping", uid == NULL, "HostGIDMapping",
                         gid == NULL, "UIDMap", uid ? uid : json_null(), "GIDMap",
                         gid ? gid : json_null());
}

/* The entrypoint in effect: the request's, else the image's. */
static json_t *artifact_entrypoint(const Container *c, json_t *image_config) {
        json_t *own = json_object_get(c->create, "entrypoint");
        return json_array_size(own) ? own : json_object_get(image_config, "Entrypoint");
}

/* The cgroup the container's own is made under ("/varpod"). */
static json_t *artifact_cgroup_parent(const Container *c) {
        const char *path = resolved_str(c, "cgroups_path");
        const char *slash = strrchr(path, '/');
        if (!slash)
                return json_string("");
        return json_stringn(path, slash == path ? 1 : (size_t)(slash - path));
}

static json_t *artifact_derived(const Container *c, json_t *image_config) {
        const char *volume_type =
                json_string_value(json_object_get(c->create, "image_volume_type"));
        InspectSources res = { .create = c->create };
        json_t *d = json_object();
        json_object_set_new(d, "Runtime", json_object());
        json_object_set_new(d, "CgroupParent", artifact_cgroup_parent(c));
        json_object_set_new(d, "Command", ref_or_null(json_object_get(c->resolved, "args")));
        json_object_set_new(d, "Entrypoint", ref_or_null(artifact_entrypoint(c, image_config)));
        json_object_set_new(d, "Env", nonempty_or_null(artifact_env(c)));
        json_object_set_new(d, "ExposedPorts", nonempty_or_null(artifact_exposed_ports(c)));
        json_object_set_new(d, "Image", json_string(c->image_name));
        json_object_set_new(d, "ImageID", json_string(c->image_id));
        json_object_set_new(d, "BuiltinImgVolumes",
                            ref_or_null(json_object_get(image_config, "Volumes")));
        json_object_set_new(d, "IDMappings", artifact_id_mappings(c));
        /* podman's default: image volumes become bind mounts. */
        json_object_set_new(d, "ImageVolumeType",
                            json_string(volume_type && *volume_type ? volume_type : "bind"));
        json_object_set_new(d, "Labels", ref_or_null(json_object_get(c->resolved, "labels")));
        json_object_set_new(d, "LogDriver", json_string(resolved_str(c, "log_driver")));
        json_object_set_new(d, "Name", json_string(c->name));
        /* The full ID of the pod, whatever name the request joined it by. */
        json_object_set_new(d, "Pod", json_string(c->pod_id ? c->pod_id : ""));
        json_object_set_new(d, "IsInfra", json_boolean(container_is_infra(c)));
        json_object_set_new(d, "NetMode", json_string(resolved_str(c, "net_mode")));
        json_object_set_new(d, "PortBindings", nonempty_or_null(artifact_port_bindings(c)));
        json_object_set_new(
                d, "Resources",
                fields_object(artifact_resources, ELEMENTSOF(artifact_resources), &res));
        json_object_set_new(d, "StopSignal",
                            ref_or_null(json_object_get(c->resolved, "stop_signal")));
        json_object_set_new(d, "StopTimeout",
                            ref_or_null(json_object_get(c->resolved, "stop_timeout")));
        json_object_set_new(d, "WorkDir", json_string(resolved_str(c, "work_dir")));
        return d;
}

static json_t *inspect_create_config(const Container *c, json_t *image_config) {
        _cleanup_json_ json_t *derived = artifact_derived(c, image_config);
        InspectSources s = { .create = c->create, .derived = derived };
        return fields_object(artifact_fields, ELEMENTSOF(artifact_fields), &s);
}

int container_inspect_artifact(Engine *e, const Container *c, const char *name, char **ret,
                               size_t *ret_len, Error **err) {
        if (!STREQ(name, "create-config"))
                return err_set(err, ERR_NOT_FOUND, 0, "container %s has no artifact `%s`", c->id,
                               name);
        _cleanup_json_ json_t *image_config = inspect_image_config(e, c);
        _cleanup_json_ json_t *doc = inspect_create_config(c, image_config);
        char *text = json_dumps(doc, JSON_COMPACT);
        if (!text)
                return err_set(err, ERR_INTERNAL, 0, "serialise create-config of %s", c->id);
        *ret_len = strlen(text);
        *ret = text;
        return 0;
}

/* ------------------------------------------------------------------ */
/* The inspect document.                                              */

static json_t *inspect_state_object(const Container *c, json_t *spec) {
        _cleanup_free_ char *started = timefmt_rfc3339(c->started);
        _cleanup_free_ char *finished = timefmt_rfc3339(c->finished);
        const char *version = jstr(spec, "ociVersion");
        return json_pack(
                "{s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}", "OciVersion",
                version, "Status", container_state_name(c->state), "Running",
                c->state == CONTAINER_STATE_RUNNING, "Paused", c->state == CONTAINER_STATE_PAUSED,
                "Restarting", false, "OOMKilled", c->oom_killed, "Dead",
                (unsigned)c->state > (unsigned)CONTAINER_STATE_EXITED, "Pid", c->pid, "ExitCode",
                c->exit_code, "Error", "", "StartedAt", started, "FinishedAt", finished);
}

/* overlay: the directories the rootfs is made of; vfs keeps one copy and
 * has nothing to tell (Data null, as containers/storage's vfs). */
static json_t *inspect_graph_driver(Engine *e, const Container *c) {
        const char *driver = e->config.storage_driver;
        if (!STREQ(driver, "overlay"))
                return json_pack("{s:s, s:n}", "Name", driver);
        _cleanup_free_ char *dir = rootfs_dir(e, c->id);
        _cleanup_free_ char *merged = rootfs_mountpoint(e, c->id);
        json_t *data = json_object();
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_error_ Error *ignored = NULL;
        if (image_lookup(e, c->image_id, &img, &ignored) == 0 && img->layers && img->layers[0]) {
                size_t n = 0;
                while (img->layers[n])
                        n++;
                _cleanup_free_ char *lower = xstrdup("");
                for (size_t i = n; i > 0; i--) { /* top layer first, as overlay lists them */
                        _cleanup_free_ char *l = engine_layer_path(e, img->layers[i - 1]);
                        char *joined = xasprintf("%s%s%s", lower, *lower ? ":" : "", l);
                        free(lower);
                        lower = joined;
                }
                json_object_set_new(data, "LowerDir", json_string(lower));
        }
        json_object_set_new(data, "MergedDir", json_string(merged));
        json_object_set_new(data, "UpperDir", json_sprintf("%s/upper", dir));
        json_object_set_new(data, "WorkDir", json_sprintf("%s/work", dir));
        return json_pack("{s:s, s:o}", "Name", driver, "Data", data);
}

/* The spec's mounts, named volumes shown by name rather than by the
 * directory that holds their data. */
static json_t *inspect_mounts(const Container *c, json_t *spec) {
        json_t *out = json_array();
        size_t i, j;
        json_t *m, *v;
        json_array_foreach (json_object_get(spec, "mounts"), i, m) {
                json_t *copy = json_deep_copy(m);
                const char *source = jstr(m, "source");
                json_array_foreach (json_object_get(c->resolved, "volumes"), j, v)
                        if (STREQ(source, jstr(v, "source")) && *jstr(v, "name"))
                                json_object_set_new(copy, "source", json_string(jstr(v, "name")));
                json_array_append_new(out, copy);
        }
        return out;
}

/* Addresses from the CNI result of the container's network, kept while
 * it is attached; all empty otherwise (none, host, stopped). */
static json_t *inspect_network_settings(const Container *c) {
        _cleanup_(cni_result_freep) CniResult *cni = NULL;
        _cleanup_error_ Error *ignored = NULL;
        json_t *result = json_object_get(c->network, "result");
        if (result)
                (void)!cni_result_parse(result, &cni, &ignored);
        const CniIp *v4 = cni ? cni_result_ip(cni, AF_INET) : NULL;
        const CniIp *v6 = cni ? cni_result_ip(cni, AF_INET6) : NULL;
        const char *mac = cni ? cni_result_mac(cni, NULL) : NULL;
        json_t *ns = json_object();
        json_object_set_new(ns, "Bridge", json_string(""));
        json_object_set_new(ns, "SandboxID", json_string(""));
        json_object_set_new(ns, "HairpinMode", json_false());
        json_object_set_new(ns, "LinkLocalIPv6Address", json_string(""));
        json_object_set_new(ns, "LinkLocalIPv6PrefixLen", json_integer(0));
        json_object_set_new(ns, "Ports", inspect_ports(c));
        json_object_set_new(ns, "SandboxKey", json_string(c->netns ? c->netns : ""));
        json_object_set_new(ns, "SecondaryIPAddresses", json_null());
        json_object_set_new(ns, "SecondaryIPv6Addresses", json_null());
        json_object_set_new(ns, "EndpointID", json_string(""));
        json_object_set_new(ns, "Gateway", json_string(v4 ? v4->gateway : ""));
        json_object_set_new(ns, "GlobalIPv6Address", json_string(v6 ? v6->address : ""));
        json_object_set_new(ns, "GlobalIPv6PrefixLen", json_integer(v6 ? v6->prefix_len : 0));
        json_object_set_new(ns, "IPAddress", json_string(v4 ? v4->address : ""));
        json_object_set_new(ns, "IPPrefixLen", json_integer(v4 ? v4->prefix_len : 0));
        json_object_set_new(ns, "IPv6Gateway", json_string(v6 ? v6->gateway : ""));
        json_object_set_new(ns, "MacAddress", json_string(mac ? mac : ""));
        return ns;
}

/* SizeRw: the container's own changes; SizeRootFs: those plus the
 * image. Both omitted when zero. */
static void inspect_sizes_add(Engine *e, const Container *c, json_t *doc) {
        _cleanup_free_ char *upper = rootfs_upper_dir(e, c->id);
        int64_t rw = inspect_dir_size(upper);
        int64_t image = 0;
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_error_ Error *ignored = NULL;
        if (image_lookup(e, c->image_id, &img, &ignored) == 0)
                image = img->size;
        if (rw > 0)
                json_object_set_new(doc, "SizeRw", json_integer(rw));
        if (rw + image > 0)
                json_object_set_new(doc, "SizeRootFs", json_integer(rw + image));
}

static const InspectField data_head[] = {
        { "ID", SRC_DERIVED },
        { "Created", SRC_DERIVED },
        { "Path", SRC_DERIVED },
        { "Args", SRC_DERIVED },
        { "State", SRC_DERIVED },
        { "Image", SRC_DERIVED },
        { "ImageName", SRC_DERIVED },
        { "Rootfs", SRC_EMPTY },
        { "ResolvConfPath", SRC_DERIVED },
        { "HostnamePath", SRC_DERIVED },
        { "HostsPath", SRC_DERIVED },
        { "StaticDir", SRC_DERIVED },
        { "LogPath", SRC_DERIVED },
        { "Name", SRC_DERIVED },
        { "RestartCount", SRC_ZERO },
        { "Driver", SRC_DERIVED },
        { "MountLabel", SRC_SPEC_STR, "linux.mountLabel" },
        { "ProcessLabel", SRC_SPEC_STR, "process.selinuxLabel" },
        { "AppArmorProfile", SRC_SPEC_STR, "process.apparmorProfile" },
        { "EffectiveCaps", SRC_SPEC, "process.capabilities.effective" },
        { "BoundingCaps", SRC_SPEC, "process.capabilities.bounding" },
        { "ExecIDs", SRC_DERIVED },
        { "GraphDriver", SRC_DERIVED },
};

static const InspectField data_tail[] = {
        { "Mounts", SRC_DERIVED },          { "Dependencies", SRC_DERIVED },
        { "NetworkSettings", SRC_DERIVED }, { "ExitCommand", SRC_DERIVED },
        { "Namespace", SRC_DERIVED },       { "IsInfra", SRC_DERIVED },
};

/* Path and Args: the first process argument and the others. */
static void data_command_add(json_t *d, json_t *spec) {
        json_t *args = jpath(spec, "process.args");
        json_t *rest = json_array();
        for (size_t i = 1; i < json_array_size(args); i++)
                json_array_append(rest, json_array_get(args, i));
        const char *path = json_string_value(json_array_get(args, 0));
        json_object_set_new(d, "Path", json_string(path ? path : ""));
        json_object_set_new(d, "Args", rest);
}

static json_t *data_derived(Engine *e, const Container *c, json_t *spec) {
        json_t *d = json_object();
        json_object_set_new(d, "ID", json_string(c->id));
        json_object_set_new(d, "Created", string_take(timefmt_rfc3339(c->created)));
        data_command_add(d, spec);
        json_object_set_new(d, "State", inspect_state_object(c, spec));
        json_object_set_new(d, "Image", json_string(c->image_id));
        json_object_set_new(d, "ImageName", json_string(c->image_name));
        json_object_set_new(d, "ResolvConfPath",
                            string_take(inspect_etc_file(e, c, "resolv.conf")));
        json_object_set_new(d, "HostnamePath", string_take(inspect_etc_file(e, c, "hostname")));
        json_object_set_new(d, "HostsPath", string_take(inspect_etc_file(e, c, "hosts")));
        json_object_set_new(d, "StaticDir", string_take(container_userdata_dir(e, c->id)));
        json_object_set_new(d, "LogPath", string_take(container_log_path(e, c)));
        json_object_set_new(d, "Name", json_string(c->name));
        /* The full ID of the pod, whatever name the request joined it by. */
        json_object_set_new(d, "Pod", json_string(c->pod_id ? c->pod_id : ""));
        json_object_set_new(d, "IsInfra", json_boolean(container_is_infra(c)));
        json_object_set_new(d, "Driver", json_string(e->config.storage_driver));
        json_object_set_new(d, "ExecIDs", json_array());
        json_object_set_new(d, "GraphDriver", inspect_graph_driver(e, c));
        json_object_set_new(d, "Mounts", inspect_mounts(c, spec));
        json_t *deps = inspect_dependencies(e, c);
        json_object_set_new(d, "Dependencies", deps ? deps : json_array());
        json_object_set_new(d, "NetworkSettings", inspect_network_settings(c));
        json_object_set_new(d, "ExitCommand", inspect_exit_command(e, c->id));
        json_object_set_new(d, "Namespace",
                            json_string(e->config.namespace ? e->config.namespace : ""));
        return d;
}

/* The document up to IsInfra; the sizes sit in the middle of it. */
static json_t *inspect_data(Engine *e, const Container *c, json_t *spec) {
        _cleanup_json_ json_t *derived = data_derived(e, c, spec);
        InspectSources s = { .spec = spec, .derived = derived };
        json_t *doc = fields_object(data_head, ELEMENTSOF(data_head), &s);
        inspect_sizes_add(e, c, doc);
        fields_add(doc, data_tail, ELEMENTSOF(data_tail), &s);
        return doc;
}

/* ------------------------------------------------------------------ */
/* HostConfig and Config of InspectContainer.                         */

static const InspectField host_config_fields[] = {
        { "ContainerIDFile", SRC_ARTIFACT, "CidFile" },
        { "LogConfig", SRC_NULL },
        { "NetworkMode", SRC_ARTIFACT, "NetMode" },
        { "PortBindings", SRC_ARTIFACT, "PortBindings" },
        { "AutoRemove", SRC_ARTIFACT, "Rm" },
        { "CapAdd", SRC_ARTIFACT, "CapAdd" },
        { "CapDrop", SRC_ARTIFACT, "CapDrop" },
        { "DNS", SRC_ARTIFACT, "DNSServers" },
        { "DNSOptions", SRC_ARTIFACT, "DNSOpt" },
        { "DNSSearch", SRC_ARTIFACT, "DNSSearch" },
        { "ExtraHosts", SRC_ARTIFACT, "HostAdd" },
        { "GroupAdd", SRC_SPEC, "process.user.additionalGids" },
        { "IpcMode", SRC_ARTIFACT, "IpcMode" },
        { "Cgroup", SRC_DERIVED },
        { "OomScoreAdj", SRC_SPEC, "process.oomScoreAdj" },
        { "PidMode", SRC_ARTIFACT, "PidMode" },
        { "Privileged", SRC_ARTIFACT, "Privileged" },
        { "PublishAllPorts", SRC_ARTIFACT, "PublishAll" },
        { "ReadonlyRootfs", SRC_SPEC_BOOL, "root.readonly" },
        { "SecurityOpt", SRC_ARTIFACT, "SecurityOpts" },
        { "UTSMode", SRC_ARTIFACT, "UtsMode" },
        { "UsernsMode", SRC_ARTIFACT, "UsernsMode" },
        { "ShmSize", SRC_DERIVED },
        { "Runtime", SRC_DERIVED },
        { "ConsoleSize", SRC_SPEC, "process.consoleSize" },
        { "CpuShares", SRC_SPEC, "linux.resources.cpu.shares" },
        { "Memory", SRC_ARTIFACT, "Resources.Memory" },
        { "NanoCpus", SRC_DERIVED },
        { "CgroupParent", SRC_ARTIFACT, "CgroupParent" },
        { "BlkioWeight", SRC_SPEC, "linux.resources.blockIO.weight" },
        { "BlkioWeightDevice", SRC_SPEC, "linux.resources.blockIO.weightDevice" },
        { "BlkioDeviceReadBps", SRC_SPEC, "linux.resources.blockIO.throttleReadBpsDevice" },
        { "BlkioDeviceWriteBps", SRC_SPEC, "linux.resources.blockIO.throttleWriteBpsDevice" },
        { "BlkioDeviceReadIOps", SRC_SPEC, "linux.resources.blockIO.throttleReadIOPSDevice" },
        { "BlkioDeviceWriteIOps", SRC_SPEC, "linux.resources.blockIO.throttleWriteIOPSDevice" },
        { "CpuPeriod", SRC_SPEC, "linux.resources.cpu.period" },
        { "CpuQuota", SRC_SPEC, "linux.resources.cpu.quota" },
        { "CpuRealtimePeriod", SRC_SPEC, "linux.resources.cpu.realtimePeriod" },
        { "CpuRealtimeRuntime", SRC_SPEC, "linux.resources.cpu.realtimeRuntime" },
        { "CpuSetCpus", SRC_SPEC_STR, "linux.resources.cpu.cpus" },
        { "CpuSetMems", SRC_SPEC_STR, "linux.resources.cpu.mems" },
        { "Devices", SRC_SPEC, "linux.devices" },
        { "DiskQuota", SRC_ZERO },
        { "KernelMemory", SRC_SPEC, "linux.resources.memory.kernel" },
        { "MemoryReservation", SRC_SPEC, "linux.resources.memory.reservation" },
        { "MemorySwap", SRC_SPEC, "linux.resources.memory.swap" },
        { "MemorySwappiness", SRC_SPEC, "linux.resources.memory.swappiness" },
        { "OomKillDisable", SRC_SPEC, "linux.resources.memory.disableOOMKiller" },
        { "PidsLimit", SRC_SPEC, "linux.resources.pids.limit" },
        { "Ulimits", SRC_ARTIFACT, "Resources.Ulimit" },
        { "CpuCount", SRC_ZERO },
        { "CpuPercent", SRC_ZERO },
        { "IOMaximumIOps", SRC_ZERO },
        { "IOMaximumBandwidth", SRC_ZERO },
        { "Tmpfs", SRC_ARTIFACT, "Tmpfs" },
};

/* "container" when the spec gives the cgroup namespace as a path to join
 * (the reference's test), "host" otherwise. */
static const char *inspect_cgroup_mode(json_t *spec) {
        size_t i;
        json_t *ns;
        json_array_foreach (jpath(spec, "linux.namespaces"), i, ns)
                if (STREQ(jstr(ns, "type"), "cgroup") && *jstr(ns, "path"))
                        return "container";
        return "host";
}

static json_t *inspect_host_config(Engine *e, json_t *spec, json_t *artifact) {
        int64_t shm = inspect_shm_size(spec);
        if (shm == 0)
                shm = json_integer_value(jpath(artifact, "Resources.ShmSize"));
        double cpus = json_number_value(jpath(artifact, "Resources.CPUs"));
        _cleanup_json_ json_t *derived =
                json_pack("{s:s, s:I, s:s, s:I}", "Cgroup", inspect_cgroup_mode(spec), "ShmSize",
                          (json_int_t)shm, "Runtime", inspect_runtime_name(e), "NanoCpus",
                          (json_int_t)llround(cpus * 1e9));
        InspectSources s = { .spec = spec, .artifact = artifact, .derived = derived };
        return fields_object(host_config_fields, ELEMENTSOF(host_config_fields), &s);
}

static const InspectField ctr_config_fields[] = {
        { "Hostname", SRC_SPEC_STR, "hostname" },
        { "Domainname", SRC_EMPTY },
        { "User", SRC_SPEC, "process.user" },
        { "AttachStdin", SRC_FALSE },
        { "AttachStdout", SRC_FALSE },
        { "AttachStderr", SRC_FALSE },
        { "Tty", SRC_SPEC_BOOL, "process.terminal" },
        { "OpenStdin", SRC_ARTIFACT, "Interactive" },
        { "StdinOnce", SRC_FALSE },
        { "Env", SRC_SPEC, "process.env" },
        { "Cmd", SRC_SPEC, "process.args" },
        { "Image", SRC_ARTIFACT, "Image" },
        { "Volumes", SRC_ARTIFACT, "BuiltinImgVolumes" },
        { "WorkingDir", SRC_SPEC_STR, "process.cwd" },
        { "Entrypoint", SRC_DERIVED },
        { "Labels", SRC_ARTIFACT, "Labels" },
        { "Annotations", SRC_SPEC, "annotations" },
        { "StopSignal", SRC_ARTIFACT, "StopSignal" },
};

/* The entrypoint as one string, its elements joined by spaces. */
static json_t *inspect_entrypoint_string(json_t *artifact) {
        json_t *parts = json_object_get(artifact, "Entrypoint");
        _cleanup_free_ char *joined = xstrdup("");
        size_t i;
        json_t *p;
        json_array_foreach (parts, i, p) {
                char *next = xasprintf("%s%s%s", joined, i ? " " : "", jstr(p, ""));
                free(joined);
                joined = next;
        }
        return json_string(joined);
}

static json_t *inspect_ctr_config(json_t *spec, json_t *artifact) {
        _cleanup_json_ json_t *derived =
                json_pack("{s:o}", "Entrypoint", inspect_entrypoint_string(artifact));
        InspectSources s = { .spec = spec, .artifact = artifact, .derived = derived };
        return fields_object(ctr_config_fields, ELEMENTSOF(ctr_config_fields), &s);
}

int container_inspect_document(Engine *e, Container *c, bool with_config, json_t **ret,
                               Error **err) {
        _cleanup_json_ json_t *spec = NULL;
        if (inspect_spec_load(e, c, &spec, err) < 0)
                return -1;
        json_t *doc = inspect_data(e, c, spec);
        if (with_config) {
                _cleanup_json_ json_t *image_config = inspect_image_config(e, c);
                _cleanup_json_ json_t *artifact = inspect_create_config(c, image_config);
                json_object_set_new(doc, "HostConfig", inspect_host_config(e, spec, artifact));
                json_object_set_new(doc, "Config", inspect_ctr_config(spec, artifact));
        }
        *ret = doc;
        return 0;
}

/* ------------------------------------------------------------------ */
/* The container config document (libpod's ContainerConfig).          */

static const InspectField config_fields[] = {
        { "spec", SRC_DERIVED },
        { "id", SRC_DERIVED },
        { "name", SRC_DERIVED },
        { "pod", SRC_DERIVED, NULL, true },
        { "namespace", SRC_DERIVED, NULL, true },
        { "lockID", SRC_ZERO },
        { "idMappingsOptions", SRC_ARTIFACT, "IDMappings" },
        { "rootfsImageID", SRC_DERIVED, NULL, true },
        { "rootfsImageName", SRC_DERIVED, NULL, true },
        { "rootfs", SRC_EMPTY, NULL, true },
        { "imageVolumes", SRC_DERIVED },
        { "ShmDir", SRC_CREATE, "shm_dir", true },
        { "shmSize", SRC_DERIVED },
        { "staticDir", SRC_DERIVED },
        { "mounts", SRC_NULL, NULL, true },
        { "privileged", SRC_ARTIFACT, "Privileged" },
        { "ProcessLabel", SRC_SPEC_STR, "process.selinuxLabel", true },
        { "MountLabel", SRC_SPEC_STR, "linux.mountLabel", true },
        { "labelopts", SRC_NULL, NULL, true },
        { "user", SRC_CREATE, "user", true },
        { "groups", SRC_CREATE, "group_add", true },
        { "ipcNsCtr", SRC_DERIVED, NULL, true },
        { "mountNsCtr", SRC_NULL, NULL, true },
        { "netNsCtr", SRC_DERIVED, NULL, true },
        { "pidNsCtr", SRC_DERIVED, NULL, true },
        { "userNsCtr", SRC_DERIVED, NULL, true },
        { "utsNsCtr", SRC_DERIVED, NULL, true },
        { "cgroupNsCtr", SRC_NULL, NULL, true },
        { "Dependencies", SRC_DERIVED },
        { "createNetNS", SRC_DERIVED },
        { "staticIP", SRC_EMPTY },
        { "portMappings", SRC_DERIVED, NULL, true },
        { "dnsServer", SRC_CREATE, "dns_servers", true },
        { "dnsSearch", SRC_CREATE, "dns_search", true },
        { "dnsOption", SRC_CREATE, "dns_opt", true },
        { "hostsAdd", SRC_CREATE, "host_add", true },
        { "networks", SRC_DERIVED, NULL, true },
        { "networkMode", SRC_ARTIFACT, "NetMode", true },
        { "userVolumes", SRC_DERIVED, NULL, true },
        { "entrypoint", SRC_ARTIFACT, "Entrypoint", true },
        { "command", SRC_DERIVED, NULL, true },
        { "stdin", SRC_ARTIFACT, "Interactive", true },
        { "labels", SRC_ARTIFACT, "Labels", true },
        { "stopSignal", SRC_ARTIFACT, "StopSignal", true },
        { "stopTimeout", SRC_ARTIFACT, "StopTimeout", true },
        { "createdTime", SRC_DERIVED },
        { "cgroupParent", SRC_ARTIFACT, "CgroupParent" },
        { "logPath", SRC_DERIVED },
        { "conmonPidFile", SRC_ARTIFACT, "ConmonPidFile", true },
        { "postConfigureNetNS", SRC_FALSE },
        { "runtime", SRC_DERIVED, NULL, true },
        { "exitCommand", SRC_DERIVED, NULL, true },
        { "LocalVolumes", SRC_NULL },
        { "pause", SRC_DERIVED },
        { "systemd", SRC_FALSE },
};

/* Destinations of the request's volumes ("SRC:DEST[:OPTS]" or "DEST"). */
static json_t *config_user_volumes(const Container *c) {
        json_t *out = json_array();
        size_t i;
        json_t *v;
        json_array_foreach (json_object_get(c->create, "volumes"), i, v) {
                const char *spec = jstr(v, "");
                const char *colon = strchr(spec, ':');
                const char *dest = colon ? colon + 1 : spec;
                const char *end = strchr(dest, ':');
                json_array_append_new(out, end ? json_stringn(dest, (size_t)(end - dest))
                                               : json_string(dest));
        }
        return out;
}

/* The command as the user gave it, else the image's CMD. */
static json_t *config_command(const Container *c, json_t *image_config) {
        json_t *own = json_object_get(c->create, "command");
        return ref_or_null(json_array_size(own) ? own : json_object_get(image_config, "Cmd"));
}

static bool config_creates_netns(const Container *c) {
        NetworkMode mode;
        _cleanup_error_ Error *ignored = NULL;
        const char *text = resolved_str(c, "net_mode");
        if (network_mode_parse(*text ? text : "bridge", &mode, &ignored) < 0)
                return false;
        bool bridge = mode.kind == NETWORK_MODE_BRIDGE;
        network_mode_clear(&mode);
        return bridge;
}

static void config_namespace_peers_add(Engine *e, const Container *c, json_t *d) {
        json_object_set_new(d, "ipcNsCtr", inspect_peer_id(e, jstr(c->create, "ipc_mode")));
        json_object_set_new(d, "netNsCtr", inspect_peer_id(e, resolved_str(c, "net_mode")));
        json_object_set_new(d, "pidNsCtr", inspect_peer_id(e, jstr(c->create, "pid_mode")));
        json_object_set_new(d, "userNsCtr", inspect_peer_id(e, jstr(c->create, "userns_mode")));
        json_object_set_new(d, "utsNsCtr", inspect_peer_id(e, jstr(c->create, "uts_mode")));
}

static json_t *config_derived(Engine *e, const Container *c, json_t *spec, json_t *artifact,
                              json_t *image_config) {
        json_t *d = json_object();
        json_object_set_new(d, "spec", json_incref(spec));
        json_object_set_new(d, "id", json_string(c->id));
        json_object_set_new(d, "name", json_string(c->name));
        json_object_set_new(d, "pod", json_string(c->pod_id ? c->pod_id : ""));
        json_object_set_new(d, "pause", json_boolean(container_is_infra(c)));
        json_object_set_new(d, "namespace",
                            json_string(e->config.namespace ? e->config.namespace : ""));
        json_object_set_new(d, "rootfsImageID", json_string(c->image_id));
        json_object_set_new(d, "rootfsImageName", json_string(c->image_name));
        json_object_set_new(d, "imageVolumes",
                            json_boolean(STREQ(jstr(artifact, "ImageVolumeType"), "bind")));
        json_object_set_new(d, "shmSize", json_integer(inspect_shm_size(spec)));
        json_object_set_new(d, "staticDir", string_take(container_userdata_dir(e, c->id)));
        config_namespace_peers_add(e, c, d);
        json_t *deps = inspect_dependencies(e, c);
        json_object_set_new(d, "Dependencies", deps ? deps : json_null());
        json_object_set_new(d, "createNetNS", json_boolean(config_creates_netns(c)));
        json_object_set_new(d, "portMappings", inspect_ports(c));
        json_object_set_new(d, "networks", ref_or_null(json_object_get(c->resolved, "networks")));
        json_object_set_new(d, "userVolumes", config_user_volumes(c));
        json_object_set_new(d, "command", config_command(c, image_config));
        json_object_set_new(d, "createdTime", string_take(timefmt_rfc3339(c->created)));
        json_object_set_new(d, "logPath", string_take(container_log_path(e, c)));
        json_object_set_new(d, "runtime", json_string(inspect_runtime_name(e)));
        json_object_set_new(d, "exitCommand", inspect_exit_command(e, c->id));
        return d;
}

int container_inspect_config(Engine *e, Container *c, json_t **ret, Error **err) {
        _cleanup_json_ json_t *spec = NULL;
        if (inspect_spec_load(e, c, &spec, err) < 0)
                return -1;
        _cleanup_json_ json_t *image_config = inspect_image_config(e, c);
        _cleanup_json_ json_t *artifact = inspect_create_config(c, image_config);
        _cleanup_json_ json_t *derived = config_derived(e, c, spec, artifact, image_config);
        InspectSources s = {
                .spec = spec, .create = c->create, .artifact = artifact, .derived = derived
        };
        *ret = fields_object(config_fields, ELEMENTSOF(config_fields), &s);
        return 0;
}

/* ------------------------------------------------------------------ */
/* The container state document (libpod's ContainerState).            */

/* "/etc/hosts" -> the file mounted there, for the files a start wrote. */
static json_t *state_bind_mounts(Engine *e, const Container *c) {
        static const char *const files[] = { "hosts", "resolv.conf", "hostname" };
        json_t *map = json_object();
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *path = inspect_etc_file(e, c, files[i]);
                _cleanup_free_ char *dest = xasprintf("/etc/%s", files[i]);
                if (*path)
                        json_object_set_new(map, dest, json_string(path));
        }
        return map;
}

json_t *container_inspect_state(Engine *e, const Container *c) {
        _cleanup_free_ char *userdata = container_userdata_dir(e, c->id);
        _cleanup_free_ char *config_path = xasprintf("%s/config.json", userdata);
        _cleanup_free_ char *run_dir = container_run_dir(e, c->id);
        bool exited = c->state == CONTAINER_STATE_STOPPED || c->state == CONTAINER_STATE_EXITED;
        json_t *results = json_array();
        if (json_object_get(c->network, "result"))
                json_array_append(results, json_object_get(c->network, "result"));

        json_t *doc = json_pack("{s:i}", "state", (int)c->state);
        set_omitempty(doc, "configPath",
                      json_string(access(config_path, F_OK) == 0 ? config_path : ""));
        set_omitempty(doc, "runDir", json_string(access(run_dir, F_OK) == 0 ? run_dir : ""));
        set_omitempty(doc, "mounted", json_boolean(c->mounted != NULL));
        set_omitempty(doc, "mountPoint", json_string(c->mounted ? c->mounted : ""));
        json_object_set_new(doc, "startedTime", string_take(timefmt_rfc3339(c->started)));
        json_object_set_new(doc, "finishedTime", string_take(timefmt_rfc3339(c->finished)));
        set_omitempty(doc, "exitCode", json_integer(c->exit_code));
        set_omitempty(doc, "exited", json_boolean(exited));
        set_omitempty(doc, "oomKilled", json_boolean(c->oom_killed));
        set_omitempty(doc, "pid", json_integer(c->pid));
        set_omitempty(doc, "networkResults", results);
        set_omitempty(doc, "bindMounts", state_bind_mounts(e, c));
        return doc;
}
