/* SPDX-License-Identifier: Apache-2.0 */
/* Namespaces (pid, network, ipc, uts, mount, cgroup, user) from the *_mode
 * fields, pods and the engine's network namespace; user namespace id
 * mappings from uidmap/gidmap, subuidname/subgidname and id_mappings. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spec-private.h"
#include "xalloc.h"

static int peer_resolve(SpecCtx *ctx, const char *field, const char *peer, SpecNamespace ns,
                        Error **err) {
        if (!*peer)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s: empty container name", field);
        if (!ctx->in->peer_namespace)
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "%s `container:%s`: joining another container's namespace is not "
                               "available here",
                               field, peer);
        char *path = NULL;
        Error *e = NULL;
        if (ctx->in->peer_namespace(ctx->in->peer_userdata, peer, ns, &path, &e) < 0 || !path) {
                if (!e)
                        err_set(&e, ERR_INTERNAL, 0, "no namespace path returned");
                err_propagate(err, e);
                return err_wrap(err, "%s `container:%s`", field, peer);
        }
        ctx->ns_kind[ns] = SPEC_NS_KIND_PATH;
        ctx->ns_path[ns] = path;
        ctx->ns_peer[ns] = xstrdup(peer);
        if (!spec_strv_contains(ctx->res.dependencies, peer))
                spec_strv_push(&ctx->res.dependencies, peer);
        return 0;
}

/* "", "private", "host", "container:X", "ns:PATH" (and with pods, "" joins
 * the infra container when the pod shares ns). */
static int mode_apply(SpecCtx *ctx, const char *field, const char *mode, SpecNamespace ns,
                      Error **err) {
        if (!*mode || STREQ(mode, "private")) {
                if (!*mode && ctx->in->pod_infra && (ctx->in->pod_shares & (1u << ns)))
                        return peer_resolve(ctx, field, ctx->in->pod_infra, ns, err);
                ctx->ns_kind[ns] = SPEC_NS_KIND_NEW;
                return 0;
        }
        if (STREQ(mode, "host")) {
                ctx->ns_kind[ns] = SPEC_NS_KIND_NONE;
                return 0;
        }
        if (STRPREFIX(mode, "container:"))
                return peer_resolve(ctx, field, mode + 10, ns, err);
        if (STRPREFIX(mode, "ns:")) {
                const char *path = mode + 3;
                struct stat st;
                if (path[0] != '/')
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "%s `%s`: namespace path must be absolute", field, mode);
                if (stat(path, &st) < 0)
                        return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                                       "%s `%s`", field, mode);
                ctx->ns_kind[ns] = SPEC_NS_KIND_PATH;
                ctx->ns_path[ns] = xstrdup(path);
                return 0;
        }
        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                       "%s `%s`: expected \"\", \"private\", \"host\", \"container:ID\" or "
                       "\"ns:PATH\"",
                       field, mode);
}

static int network_setup(SpecCtx *ctx, Error **err) {
        const char *mode = spec_field_str(ctx->create, "net_mode");
        const char *network = spec_field_str(ctx->create, "network");
        if (*mode && *network && !STREQ(mode, network))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "net_mode `%s` and network `%s` disagree", mode, network);
        bool requested = *mode || *network;
        if (!*mode)
                mode = *network ? network : "bridge";

        if (!requested && ctx->in->pod_infra && (ctx->in->pod_shares & (1u << SPEC_NS_NETWORK))) {
                ctx->res.net_mode = xasprintf("container:%s", ctx->in->pod_infra);
                if (peer_resolve(ctx, "net_mode", ctx->in->pod_infra, SPEC_NS_NETWORK, err) < 0)
                        return -1;
        } else if (STREQ(mode, "bridge") || STREQ(mode, "none") || STREQ(mode, "slirp4netns") ||
                   STREQ(mode, "default") || STREQ(mode, "private")) {
                ctx->res.net_mode =
                        xstrdup(STREQ(mode, "default") || STREQ(mode, "private") ? "bridge" : mode);
                ctx->ns_kind[SPEC_NS_NETWORK] = SPEC_NS_KIND_NEW;
        } else if (STREQ(mode, "host") || STRPREFIX(mode, "container:") || STRPREFIX(mode, "ns:")) {
                ctx->res.net_mode = xstrdup(mode);
                if (mode_apply(ctx, "net_mode", mode, SPEC_NS_NETWORK, err) < 0)
                        return -1;
        } else {
                /* A comma list of CNI networks to join, in a new namespace. */
                for (const char *p = mode; *p;) {
                        size_t n = strcspn(p, ",");
                        _cleanup_free_ char *name = xstrndup(p, n);
                        if (!spec_volume_name_is_valid(name))
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "net_mode `%s`: invalid network name `%s`", mode,
                                               name);
                        if (!spec_strv_contains(ctx->res.networks, name))
                                spec_strv_push(&ctx->res.networks, name);
                        p += n;
                        if (*p == ',' && !*++p)
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "net_mode `%s`: empty network name", mode);
                }
                ctx->res.net_mode = xstrdup("bridge");
                ctx->ns_kind[SPEC_NS_NETWORK] = SPEC_NS_KIND_NEW;
        }

        /* The engine's own decision (it may have made the namespace for
         * CNI already) overrides the request's. */
        const char *netns = ctx->in->netns;
        if (netns) {
                free(ctx->ns_path[SPEC_NS_NETWORK]);
                ctx->ns_path[SPEC_NS_NETWORK] = NULL;
                if (STREQ(netns, "host"))
                        ctx->ns_kind[SPEC_NS_NETWORK] = SPEC_NS_KIND_NONE;
                else if (netns[0] == '/') {
                        ctx->ns_kind[SPEC_NS_NETWORK] = SPEC_NS_KIND_PATH;
                        ctx->ns_path[SPEC_NS_NETWORK] = xstrdup(netns);
                } else
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "network namespace `%s`: expected \"host\" or a path",
                                       netns);
        }
        switch (ctx->ns_kind[SPEC_NS_NETWORK]) {
        case SPEC_NS_KIND_NONE:
                ctx->res.netns = xstrdup("host");
                break;
        case SPEC_NS_KIND_PATH:
                ctx->res.netns = xstrdup(ctx->ns_path[SPEC_NS_NETWORK]);
                break;
        case SPEC_NS_KIND_NEW:
        default:
                break;
        }
        return 0;
}

static int hostname_setup(SpecCtx *ctx, Error **err) {
        const char *hostname = spec_field_str(ctx->create, "hostname");
        switch (ctx->ns_kind[SPEC_NS_UTS]) {
        case SPEC_NS_KIND_NEW:
                if (*hostname && !spec_hostname_is_valid(hostname))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "hostname `%s` is not valid",
                                       hostname);
                ctx->res.hostname = *hostname ? xstrdup(hostname) : xstrndup(ctx->in->id, 12);
                json_object_set_new(ctx->config, "hostname", json_string(ctx->res.hostname));
                return 0;
        case SPEC_NS_KIND_NONE:
                /* runc refuses a hostname without a UTS namespace of its own. */
                if (*hostname && !STREQ(hostname, ctx->host->hostname))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "hostname `%s` cannot be set with the host's UTS namespace",
                                       hostname);
                ctx->res.hostname = xstrdup(ctx->host->hostname);
                return 0;
        case SPEC_NS_KIND_PATH:
        default:
                if (*hostname)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "hostname `%s` cannot be set when joining another UTS "
                                       "namespace",
                                       hostname);
                ctx->res.hostname = xstrdup("");
                return 0;
        }
}

int spec_namespaces_setup(SpecCtx *ctx, Error **err) {
        const json_t *c = ctx->create;
        if (mode_apply(ctx, "pid_mode", spec_field_str(c, "pid_mode"), SPEC_NS_PID, err) < 0 ||
            mode_apply(ctx, "ipc_mode", spec_field_str(c, "ipc_mode"), SPEC_NS_IPC, err) < 0 ||
            network_setup(ctx, err) < 0)
                return -1;

        /* docker's rule: the host's network implies the host's hostname
         * unless a UTS mode or hostname is asked for. */
        const char *uts = spec_field_str(c, "uts_mode");
        if (!*uts && ctx->ns_kind[SPEC_NS_NETWORK] == SPEC_NS_KIND_NONE &&
            !*spec_field_str(c, "hostname") &&
            !(ctx->in->pod_infra && (ctx->in->pod_shares & (1u << SPEC_NS_UTS))))
                uts = "host";
        if (mode_apply(ctx, "uts_mode", uts, SPEC_NS_UTS, err) < 0)
                return -1;

        ctx->ns_kind[SPEC_NS_MOUNT] = SPEC_NS_KIND_NEW;
        /* Podman gives a private cgroup namespace on cgroup v2 only. */
        if (ctx->in->pod_infra && (ctx->in->pod_shares & (1u << SPEC_NS_CGROUP))) {
                if (peer_resolve(ctx, "pod", ctx->in->pod_infra, SPEC_NS_CGROUP, err) < 0)
                        return -1;
        } else
                ctx->ns_kind[SPEC_NS_CGROUP] = ctx->host->cgroup_mode == SPEC_CGROUP_V2
                                                       ? SPEC_NS_KIND_NEW
                                                       : SPEC_NS_KIND_NONE;

        if (spec_idmaps_setup(ctx, err) < 0)
                return -1;

        json_t *list = json_array();
        json_object_set_new(ctx->oci_linux, "namespaces", list);
        for (int ns = 0; ns < SPEC_NS__MAX; ns++) {
                if (ctx->ns_kind[ns] == SPEC_NS_KIND_NONE)
                        continue;
                json_t *o = json_pack("{s:s}", "type", spec_namespace_name(ns));
                if (ctx->ns_kind[ns] == SPEC_NS_KIND_PATH)
                        json_object_set_new(o, "path", json_string(ctx->ns_path[ns]));
                json_array_append_new(list, o);
        }
        return hostname_setup(ctx, err);
}

/* Appends maps parsed from one "c:h:s" string or a comma list of them. */
static int idmaps_parse_list(const char *field, const char *text, SpecIdMap **maps, size_t *n,
                             Error **err) {
        for (const char *p = text; *p;) {
                size_t len = strcspn(p, ",");
                _cleanup_free_ char *one = xstrndup(p, len);
                SpecIdMap m;
                if (spec_idmap_parse(one, &m, err) < 0)
                        return err_wrap(err, "%s", field);
                *maps = xrealloc(*maps, (*n + 1) * sizeof **maps);
                (*maps)[(*n)++] = m;
                p += len;
                if (*p == ',')
                        p++;
        }
        return 0;
}

static int idmaps_parse_array(const char *field, const json_t *array, SpecIdMap **maps, size_t *n,
                              Error **err) {
        size_t i;
        json_t *e;
        json_array_foreach (array, i, e) {
                if (idmaps_parse_list(field, json_string_value(e), maps, n, err) < 0)
                        return -1;
        }
        return 0;
}

/* /etc/subuid lines "NAME:START:COUNT"; the ranges of name, mapped from
 * container id 0 upward (containers/storage's rule). */
static int subid_read(const char *field, const char *path, const char *name, SpecIdMap **maps,
                      size_t *n, Error **err) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                               "%s `%s`: read %s", field, name, path);
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        uint64_t next = 0;
        size_t found = 0;
        while (getline(&line, &cap, f) > 0) {
                line[strcspn(line, "\n")] = '\0';
                char *c1 = strchr(line, ':');
                if (!c1)
                        continue;
                *c1 = '\0';
                if (!STREQ(line, name))
                        continue;
                _cleanup_free_ char *m = xasprintf("0:%s", c1 + 1);
                SpecIdMap map;
                if (spec_idmap_parse(m, &map, NULL) < 0)
                        continue;
                if (next + map.size > UINT32_MAX)
                        break;
                map.container_id = (uint32_t)next;
                next += map.size;
                *maps = xrealloc(*maps, (*n + 1) * sizeof **maps);
                (*maps)[(*n)++] = map;
                found++;
        }
        if (found == 0)
                return err_set(err, ERR_NOT_FOUND, 0, "%s `%s`: no ranges in %s", field, name,
                               path);
        return 0;
}

/* Mappings of a joined user namespace, read from /proc/PID/{uid,gid}_map
 * next to its /proc/PID/ns/user (runc 1.1 needs them spelled out). */
static int peer_maps_read(const char *ns_path, const char *file, SpecIdMap **maps, size_t *n,
                          Error **err) {
        size_t len = strlen(ns_path);
        if (!STRPREFIX(ns_path, "/proc/") || len < 8 || !STREQ(ns_path + len - 8, "/ns/user"))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "userns_mode: cannot find the id mappings of `%s`; give "
                               "uidmap/gidmap",
                               ns_path);
        _cleanup_free_ char *path = xasprintf("%.*s/%s", (int)(len - 8), ns_path, file);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return err_set(err, ERR_SYSTEM, errno, "userns_mode: read %s", path);
        unsigned long c, h, s;
        while (fscanf(f, "%lu %lu %lu", &c, &h, &s) == 3) {
                *maps = xrealloc(*maps, (*n + 1) * sizeof **maps);
                (*maps)[(*n)++] = (SpecIdMap){ (uint32_t)c, (uint32_t)h, (uint32_t)s };
        }
        return 0;
}

static int maps_check(const char *what, const SpecIdMap *maps, size_t n, Error **err) {
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++) {
                        const SpecIdMap *a = &maps[i], *b = &maps[j];
                        if ((uint64_t)a->container_id < (uint64_t)b->container_id + b->size &&
                            (uint64_t)b->container_id < (uint64_t)a->container_id + a->size)
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "%s: container ranges overlap", what);
                        if ((uint64_t)a->host_id < (uint64_t)b->host_id + b->size &&
                            (uint64_t)b->host_id < (uint64_t)a->host_id + a->size)
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "%s: host ranges overlap", what);
                }
        return 0;
}

static SpecIdMap *maps_dup(const SpecIdMap *maps, size_t n) {
        SpecIdMap *d = xnew0(SpecIdMap, n);
        memcpy(d, maps, n * sizeof *maps);
        return d;
}

static json_t *maps_to_json(const SpecIdMap *maps, size_t n) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(a, json_pack("{s:I, s:I, s:I}", "containerID",
                                                   (json_int_t)maps[i].container_id, "hostID",
                                                   (json_int_t)maps[i].host_id, "size",
                                                   (json_int_t)maps[i].size));
        return a;
}

static void idmap_from_json(const json_t *o, SpecIdMap **maps, size_t *n) {
        int64_t size = spec_field_int(o, "size");
        if (size <= 0)
                return;
        *maps = xrealloc(*maps, (*n + 1) * sizeof **maps);
        (*maps)[(*n)++] = (SpecIdMap){ (uint32_t)spec_field_int(o, "container_id"),
                                       (uint32_t)spec_field_int(o, "host_id"), (uint32_t)size };
}

int spec_idmaps_setup(SpecCtx *ctx, Error **err) {
        const json_t *c = ctx->create;
        SpecIdMap **um = &ctx->uid_maps, **gm = &ctx->gid_maps;
        size_t *un = &ctx->n_uid_maps, *gn = &ctx->n_gid_maps;
        const json_t *uidmap = spec_field_array(c, "uidmap");
        const json_t *gidmap = spec_field_array(c, "gidmap");
        const char *subuidmap = spec_field_str(c, "subuidmap");
        const char *subgidmap = spec_field_str(c, "subgidmap");
        const char *subuidname = spec_field_str(c, "subuidname");
        const char *subgidname = spec_field_str(c, "subgidname");
        const json_t *idm = spec_field_object(c, "id_mappings");
        const json_t *idm_uid = spec_field_object(idm, "uid_map");
        const json_t *idm_gid = spec_field_object(idm, "gid_map");

        /* Each source of mappings is complete on its own; two would leave
         * which one counts to chance. */
        int sources = (json_array_size(uidmap) + json_array_size(gidmap) > 0) +
                      (*subuidmap || *subgidmap) + (*subuidname || *subgidname) +
                      (spec_field_int(idm_uid, "size") > 0 || spec_field_int(idm_gid, "size") > 0);
        if (sources > 1)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "uidmap/gidmap, subuidmap/subgidmap, subuidname/subgidname and "
                               "id_mappings are alternatives; give one");
        if (spec_field_bool(idm, "host_uid_mapping") && spec_field_int(idm_uid, "size") > 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "id_mappings: host_uid_mapping contradicts uid_map");
        if (spec_field_bool(idm, "host_gid_mapping") && spec_field_int(idm_gid, "size") > 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "id_mappings: host_gid_mapping contradicts gid_map");

        if (idmaps_parse_array("uidmap", uidmap, um, un, err) < 0 ||
            idmaps_parse_array("gidmap", gidmap, gm, gn, err) < 0 ||
            idmaps_parse_list("subuidmap", subuidmap, um, un, err) < 0 ||
            idmaps_parse_list("subgidmap", subgidmap, gm, gn, err) < 0)
                return -1;
        if (*subuidname || *subgidname) {
                const char *uname = *subuidname ? subuidname : subgidname;
                const char *gname = *subgidname ? subgidname : subuidname;
                const char *upath = ctx->in->subuid_path ? ctx->in->subuid_path : "/etc/subuid";
                const char *gpath = ctx->in->subgid_path ? ctx->in->subgid_path : "/etc/subgid";
                if (subid_read("subuidname", upath, uname, um, un, err) < 0 ||
                    subid_read("subgidname", gpath, gname, gm, gn, err) < 0)
                        return -1;
        }
        idmap_from_json(idm_uid, um, un);
        idmap_from_json(idm_gid, gm, gn);
        /* One of the pair alone serves for both (podman). */
        if (*un && !*gn) {
                *gm = maps_dup(*um, *un);
                *gn = *un;
        } else if (*gn && !*un) {
                *um = maps_dup(*gm, *gn);
                *un = *gn;
        }
        if (maps_check("uidmap", *um, *un, err) < 0 || maps_check("gidmap", *gm, *gn, err) < 0)
                return -1;

        const char *mode = spec_field_str(c, "userns_mode");
        bool mapped = *un > 0;
        if (STREQ(mode, "host")) {
                if (mapped)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "userns_mode host contradicts the id mappings given");
                ctx->ns_kind[SPEC_NS_USER] = SPEC_NS_KIND_NONE;
        } else if (!*mode || STREQ(mode, "private")) {
                bool pod = !*mode && ctx->in->pod_infra &&
                           (ctx->in->pod_shares & (1u << SPEC_NS_USER));
                if (pod) {
                        if (mode_apply(ctx, "userns_mode", mode, SPEC_NS_USER, err) < 0)
                                return -1;
                } else if (mapped)
                        ctx->ns_kind[SPEC_NS_USER] = SPEC_NS_KIND_NEW;
                else if (*mode)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "userns_mode private needs uidmap/gidmap or subuidname");
        } else if (mode_apply(ctx, "userns_mode", mode, SPEC_NS_USER, err) < 0)
                return -1;

        if (ctx->ns_kind[SPEC_NS_USER] == SPEC_NS_KIND_PATH && !mapped) {
                if (peer_maps_read(ctx->ns_path[SPEC_NS_USER], "uid_map", um, un, err) < 0 ||
                    peer_maps_read(ctx->ns_path[SPEC_NS_USER], "gid_map", gm, gn, err) < 0)
                        return -1;
        }
        if (ctx->ns_kind[SPEC_NS_USER] != SPEC_NS_KIND_NONE) {
                if (*un == 0 || *gn == 0)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "userns_mode: a user namespace needs uid and gid mappings");
                json_object_set_new(ctx->oci_linux, "uidMappings", maps_to_json(*um, *un));
                json_object_set_new(ctx->oci_linux, "gidMappings", maps_to_json(*gm, *gn));
        }
        return 0;
}
