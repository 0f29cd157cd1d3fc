/* SPDX-License-Identifier: Apache-2.0 */
/* spec_generate(): the request, checked member by member, becomes an OCI
 * config in steps (spec-namespaces.c, spec-security.c, spec-mounts.c,
 * spec-resources.c, spec-ports.c); this file holds the process (args,
 * env, user, cwd), the /etc file data, logging, stop settings, labels and
 * the order of it all.
 *
 * Where the engine's rules differ from the 2019 reference (semantics 2.4
 * method 6) on purpose: the image ENV is merged and its WORKDIR used; the
 * entrypoint override does not drop a one-element image ENTRYPOINT;
 * stop_timeout 0 means 10 and shm_size 0 means 64 MiB; memory limits are
 * applied; device_*_bps/iops go to their own fields. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec-private.h"
#include "user.h"
#include "xalloc.h"

const char *spec_field_str(const json_t *o, const char *key) {
        const char *s = json_string_value(json_object_get(o, key));
        return s ? s : "";
}

int64_t spec_field_int(const json_t *o, const char *key) {
        return json_integer_value(json_object_get(o, key));
}

double spec_field_float(const json_t *o, const char *key) {
        return json_number_value(json_object_get(o, key));
}

bool spec_field_bool(const json_t *o, const char *key) {
        return json_is_true(json_object_get(o, key));
}

const json_t *spec_field_array(const json_t *o, const char *key) {
        const json_t *a = json_object_get(o, key);
        return json_is_array(a) ? a : NULL;
}

const json_t *spec_field_object(const json_t *o, const char *key) {
        const json_t *a = json_object_get(o, key);
        return json_is_object(a) ? a : NULL;
}

typedef enum FieldType {
        F_STR,
        F_INT,
        F_FLOAT,
        F_BOOL,
        F_STRV,
        F_MAP,
        F_OBJ,
} FieldType;

typedef struct Field {
        const char *name;
        FieldType type;
} Field;

/* Every member of `Create` and where it goes. Engine-only members
 * (image, image_id, name, pod, quiet) were consumed before this call;
 * conmon_pidfile, detach, interactive, rm, log_* come back in SpecResolved. */
static const Field create_fields[] = {
        { "args", F_STRV }, /* fallback for command: args[1:] */
        { "cap_add", F_STRV },
        { "cap_drop", F_STRV },
        { "conmon_pidfile", F_STR },
        { "cgroup_parent", F_STR },
        { "command", F_STRV },
        { "detach", F_BOOL },
        { "devices", F_STRV },
        { "dns_opt", F_STRV },
        { "dns_search", F_STRV },
        { "dns_servers", F_STRV },
        { "entrypoint", F_STRV },
        { "env", F_MAP },
        { "exposed_ports", F_STRV },
        { "gidmap", F_STRV },
        { "group_add", F_STRV },
        { "host_add", F_STRV },
        { "hostname", F_STR },
        { "image", F_STR },
        { "image_id", F_STR },
        { "init", F_BOOL },
        { "init_path", F_STR },
        { "builtin_imgvolumes", F_STRV },
        { "id_mappings", F_OBJ },
        { "image_volume_type", F_STR },
        { "interactive", F_BOOL },
        { "ipc_mode", F_STR },
        { "labels", F_MAP },
        { "log_driver", F_STR },
        { "log_driver_opt", F_STRV },
        { "name", F_STR },
        { "net_mode", F_STR },
        { "network", F_STR },
        { "pid_mode", F_STR },
        { "pod", F_STR },
        { "privileged", F_BOOL },
        { "publish", F_STRV },
        { "publish_all", F_BOOL },
        { "quiet", F_BOOL },
        { "readonly_rootfs", F_BOOL },
        { "resources", F_OBJ },
        { "rm", F_BOOL },
        { "shm_dir", F_STR },
        { "stop_signal", F_INT },
        { "stop_timeout", F_INT },
        { "subuidmap", F_STR },
        { "subgidmap", F_STR },
        { "subuidname", F_STR },
        { "subgidname", F_STR },
        { "sys_ctl", F_MAP },
        { "tmpfs", F_STRV },
        { "tty", F_BOOL },
        { "uidmap", F_STRV },
        { "userns_mode", F_STR },
        { "user", F_STR },
        { "uts_mode", F_STR },
        { "volumes", F_STRV },
        { "work_dir", F_STR },
        { "mount_label", F_STR },
        { "process_label", F_STR },
        { "no_new_privs", F_BOOL },
        { "apparmor_profile", F_STR },
        { "seccomp_profile_path", F_STR },
        { "security_opts", F_STRV },
};

static const Field resource_fields[] = {
        { "blkio_weight", F_INT },
        { "blkio_weight_device", F_STRV },
        { "cpu_period", F_INT },
        { "cpu_quota", F_INT },
        { "cpu_rt_period", F_INT },
        { "cpu_rt_runtime", F_INT },
        { "cpu_shares", F_INT },
        { "cpus", F_FLOAT },
        { "cpuset_cpus", F_STR },
        { "cpuset_mems", F_STR },
        { "device_read_bps", F_STRV },
        { "device_read_iops", F_STRV },
        { "device_write_bps", F_STRV },
        { "device_write_iops", F_STRV },
        { "disable_oomkiller", F_BOOL },
        { "kernel_memory", F_INT },
        { "memory", F_INT },
        { "memory_reservation", F_INT },
        { "memory_swap", F_INT },
        { "memory_swappiness", F_INT },
        { "oom_score_adj", F_INT },
        { "pids_limit", F_INT },
        { "shm_size", F_INT },
        { "ulimit", F_STRV },
};

static const Field id_mapping_fields[] = {
        { "host_uid_mapping", F_BOOL },
        { "host_gid_mapping", F_BOOL },
        { "uid_map", F_OBJ },
        { "gid_map", F_OBJ },
};

static const Field idmap_fields[] = {
        { "container_id", F_INT },
        { "host_id", F_INT },
        { "size", F_INT },
};

/* A string member must not hide a NUL (C would cut it short). */
static bool string_is_clean(const json_t *s) {
        return strlen(json_string_value(s)) == json_string_length(s);
}

static int object_check(const char *prefix, const json_t *o, const Field *fields, size_t n,
                        Error **err);

static int value_check(const char *prefix, const Field *f, const json_t *v, Error **err) {
        size_t i;
        json_t *e;
        const char *key;
        if (json_is_null(v))
                return 0;
        switch (f->type) {
        case F_STR:
                if (!json_is_string(v) || !string_is_clean(v))
                        goto bad;
                return 0;
        case F_INT:
                if (!json_is_integer(v))
                        goto bad;
                return 0;
        case F_FLOAT:
                if (!json_is_number(v))
                        goto bad;
                return 0;
        case F_BOOL:
                if (!json_is_boolean(v))
                        goto bad;
                return 0;
        case F_STRV:
                if (!json_is_array(v))
                        goto bad;
                json_array_foreach (v, i, e) {
                        if (!json_is_string(e) || !string_is_clean(e))
                                goto bad;
                }
                return 0;
        case F_MAP:
                if (!json_is_object(v))
                        goto bad;
                json_object_foreach ((json_t *)v, key, e) {
                        if (!json_is_string(e) || !string_is_clean(e))
                                goto bad;
                }
                return 0;
        case F_OBJ:
                if (!json_is_object(v))
                        goto bad;
                if (STREQ(f->name, "resources"))
                        return object_check("resources.", v, resource_fields,
                                            ELEMENTSOF(resource_fields), err);
                if (STREQ(f->name, "id_mappings"))
                        return object_check("id_mappings.", v, id_mapping_fields,
                                            ELEMENTSOF(id_mapping_fields), err);
                return object_check("id_mappings.", v, idmap_fields, ELEMENTSOF(idmap_fields), err);
        }
bad:
        return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s%s: wrong type or a NUL in a string",
                       prefix, f->name);
}

static int object_check(const char *prefix, const json_t *o, const Field *fields, size_t n,
                        Error **err) {
        const char *key;
        json_t *v;
        json_object_foreach ((json_t *)o, key, v) {
                const Field *f = NULL;
                for (size_t i = 0; i < n && !f; i++)
                        if (STREQ(fields[i].name, key))
                                f = &fields[i];
                if (!f)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "%sunknown field `%s`", prefix,
                                       key);
                if (value_check(prefix, f, v, err) < 0)
                        return -1;
        }
        return 0;
}

int spec_create_check(const json_t *create, Error **err) {
        if (!json_is_object(create))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "create: not an object");
        return object_check("", create, create_fields, ELEMENTSOF(create_fields), err);
}

/* Entrypoint and command, by the engine's rules: a request entrypoint
 * replaces the image's ([""] clears it), a request command replaces the
 * image's Cmd (args[1:] stands in for an empty command), and the process
 * runs entrypoint + command. */
static int args_resolve(SpecCtx *ctx, Error **err) {
        const json_t *entrypoint = spec_field_array(ctx->create, "entrypoint");
        const json_t *command = spec_field_array(ctx->create, "command");
        const json_t *args = spec_field_array(ctx->create, "args");
        _cleanup_strv_ char **out = xnew0(char *, 1);

        bool cleared = json_array_size(entrypoint) == 1 &&
                       STREQ(json_string_value(json_array_get(entrypoint, 0)), "");
        const json_t *e = json_array_size(entrypoint) > 0
                                  ? entrypoint
                                  : json_object_get(ctx->image, "Entrypoint");
        size_t i;
        json_t *v;
        if (!cleared)
                json_array_foreach (e, i, v) {
                        if (!json_is_string(v))
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "image Entrypoint: not a list of strings");
                        spec_strv_push(&out, json_string_value(v));
                }
        if (json_array_size(command) > 0)
                json_array_foreach (command, i, v) {
                        spec_strv_push(&out, json_string_value(v));
                }
        else if (json_array_size(args) > 1)
                /* args is the client's "IMAGE [COMMAND...]". */
                for (i = 1; i < json_array_size(args); i++)
                        spec_strv_push(&out, json_string_value(json_array_get(args, i)));
        else
                json_array_foreach (json_object_get(ctx->image, "Cmd"), i, v) {
                        if (!json_is_string(v))
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "image Cmd: not a list of strings");
                        spec_strv_push(&out, json_string_value(v));
                }
        if (!out[0])
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "no command or entrypoint provided, and no CMD or ENTRYPOINT from "
                               "image");
        if (!*out[0])
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "command: empty program name");

        _cleanup_strv_ char **final = xnew0(char *, 1);
        if (ctx->res.init) {
                /* catatonit execs what follows "--" as its only child. */
                spec_strv_push(&final, "/dev/init");
                spec_strv_push(&final, "--");
        }
        for (i = 0; out[i]; i++)
                spec_strv_push(&final, out[i]);
        ctx->res.args = TAKE_PTR(final);
        json_object_set_new(ctx->process, "args", spec_strv_to_json(ctx->res.args));
        return 0;
}

static bool env_key_is_valid(const char *k) { return *k && !strchr(k, '='); }

/* Sets KEY=VALUE in env, in place when KEY is there already. */
static void env_set(char ***env, const char *key, const char *value) {
        size_t klen = strlen(key);
        char *kv = xasprintf("%s=%s", key, value);
        for (size_t i = 0; *env && (*env)[i]; i++)
                if (strncmp((*env)[i], key, klen) == 0 && (*env)[i][klen] == '=') {
                        free((*env)[i]);
                        (*env)[i] = kv;
                        return;
                }
        spec_strv_push_take(env, kv);
}

static bool env_has(char **env, const char *key) {
        size_t klen = strlen(key);
        for (size_t i = 0; env && env[i]; i++)
                if (strncmp(env[i], key, klen) == 0 && env[i][klen] == '=')
                        return true;
        return false;
}

static int env_resolve(SpecCtx *ctx, Error **err) {
        _cleanup_strv_ char **env = xnew0(char *, 1);
        spec_strv_push(&env, SPEC_DEFAULT_PATH);
        spec_strv_push(&env, "TERM=xterm");
        env_set(&env, "container", "podman");
        env_set(&env, "HOSTNAME", ctx->res.hostname);
        size_t i;
        json_t *v;
        json_array_foreach (json_object_get(ctx->image, "Env"), i, v) {
                const char *kv = json_string_value(v);
                const char *eq = kv ? strchr(kv, '=') : NULL;
                if (!eq || eq == kv)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "image Env entry `%s` is not KEY=VALUE", kv ? kv : "?");
                _cleanup_free_ char *key = xstrndup(kv, (size_t)(eq - kv));
                env_set(&env, key, eq + 1);
        }
        const char *key;
        json_object_foreach ((json_t *)spec_field_object(ctx->create, "env"), key, v) {
                if (!env_key_is_valid(key))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "env: invalid variable name `%s`", key);
                env_set(&env, key, json_string_value(v));
        }
        if (!env_has(env, "HOME"))
                env_set(&env, "HOME", ctx->res.home);
        ctx->res.env = TAKE_PTR(env);
        json_object_set_new(ctx->process, "env", spec_strv_to_json(ctx->res.env));
        return 0;
}

static bool id_mapped(const SpecIdMap *maps, size_t n, uint32_t id) {
        for (size_t i = 0; i < n; i++)
                if (id >= maps[i].container_id &&
                    (uint64_t)id < (uint64_t)maps[i].container_id + maps[i].size)
                        return true;
        return false;
}

static int user_setup(SpecCtx *ctx, Error **err) {
        const char *user = spec_field_str(ctx->create, "user");
        if (!*user) {
                const char *image_user = json_string_value(json_object_get(ctx->image, "User"));
                user = image_user ? image_user : "";
        }
        _cleanup_strv_ char **group_add =
                spec_strv_from_json(spec_field_array(ctx->create, "group_add"));
        UserInfo u;
        /* Its errors already name user or group_add, in podman's words. */
        if (user_resolve(ctx->in->rootfs, user, group_add, &u, err) < 0)
                return -1;
        ctx->res.uid = u.uid;
        ctx->res.gid = u.gid;
        ctx->res.additional_gids = TAKE_PTR(u.gids);
        ctx->res.n_additional_gids = u.n_gids;
        ctx->res.home = TAKE_PTR(u.home);

        if (ctx->ns_kind[SPEC_NS_USER] != SPEC_NS_KIND_NONE) {
                /* runc cannot setuid to an id the namespace does not map. */
                if (!id_mapped(ctx->uid_maps, ctx->n_uid_maps, ctx->res.uid))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "user: uid %u is not mapped in the user namespace",
                                       (unsigned)ctx->res.uid);
                if (!id_mapped(ctx->gid_maps, ctx->n_gid_maps, ctx->res.gid))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "user: gid %u is not mapped in the user namespace",
                                       (unsigned)ctx->res.gid);
                for (size_t i = 0; i < ctx->res.n_additional_gids; i++)
                        if (!id_mapped(ctx->gid_maps, ctx->n_gid_maps, ctx->res.additional_gids[i]))
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "group_add: gid %u is not mapped in the user "
                                               "namespace",
                                               (unsigned)ctx->res.additional_gids[i]);
        }
        json_t *o = json_pack("{s:I, s:I}", "uid", (json_int_t)ctx->res.uid, "gid",
                              (json_int_t)ctx->res.gid);
        if (ctx->res.n_additional_gids > 0) {
                json_t *a = json_array();
                for (size_t i = 0; i < ctx->res.n_additional_gids; i++)
                        json_array_append_new(a, json_integer(ctx->res.additional_gids[i]));
                json_object_set_new(o, "additionalGids", a);
        }
        json_object_set_new(ctx->process, "user", o);
        return 0;
}

static int work_dir_setup(SpecCtx *ctx, Error **err) {
        const char *dir = spec_field_str(ctx->create, "work_dir");
        if (*dir && dir[0] != '/')
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "work_dir `%s` is not an absolute path", dir);
        if (!*dir) {
                const char *image_dir =
                        json_string_value(json_object_get(ctx->image, "WorkingDir"));
                dir = image_dir && *image_dir ? image_dir : "/";
        }
        /* A relative image WORKDIR is taken from the root, as docker does. */
        ctx->res.work_dir = dir[0] == '/' ? xstrdup(dir) : xasprintf("/%s", dir);
        json_object_set_new(ctx->process, "cwd", json_string(ctx->res.work_dir));
        return 0;
}

static int stop_setup(SpecCtx *ctx, Error **err) {
        int64_t sig = spec_field_int(ctx->create, "stop_signal");
        int64_t timeout = spec_field_int(ctx->create, "stop_timeout");
        if (sig < 0 || sig > 64)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "stop_signal %lld: expected 1..64",
                               (long long)sig);
        if (sig == 0) {
                const char *image_sig =
                        json_string_value(json_object_get(ctx->image, "StopSignal"));
                int n = SIGTERM;
                if (image_sig && *image_sig && spec_signal_parse(image_sig, &n, err) < 0)
                        return err_wrap(err, "image StopSignal");
                sig = n;
        }
        if (timeout < 0 || timeout > UINT32_MAX)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "stop_timeout %lld: out of range",
                               (long long)timeout);
        ctx->res.stop_signal = (int)sig;
        ctx->res.stop_timeout = timeout ? (unsigned)timeout : SPEC_DEFAULT_STOP_TIMEOUT;
        return 0;
}

static int labels_setup(SpecCtx *ctx, Error **err) {
        json_t *labels = json_object();
        ctx->res.labels = labels;
        const char *key;
        json_t *v;
        json_object_foreach ((json_t *)json_object_get(ctx->image, "Labels"), key, v) {
                if (json_is_string(v))
                        json_object_set(labels, key, v);
        }
        json_object_foreach ((json_t *)spec_field_object(ctx->create, "labels"), key, v) {
                if (!*key)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "labels: empty label name");
                json_object_set(labels, key, v);
        }

        json_t *ann = json_object();
        json_object_set_new(ctx->config, "annotations", ann);
        /* What libpod 1.x wrote, so runtime hooks written for it work. */
        json_object_set_new(ann, "io.kubernetes.cri-o.ContainerType", json_string("sandbox"));
        json_object_set_new(ann, "io.kubernetes.cri-o.TTY",
                            json_string(ctx->res.tty ? "true" : "false"));
        json_object_set_new(ann, "io.container.manager", json_string("libpod"));
        json_object_foreach ((json_t *)ctx->in->annotations, key, v) {
                if (!json_is_string(v))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "annotation `%s`: not a string", key);
                json_object_set(ann, key, v);
        }
        return 0;
}

static bool ip_is_valid(const char *s) {
        unsigned char buf[sizeof(struct in6_addr)];
        return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static bool domain_is_valid(const char *s) {
        size_t len = strlen(s);
        if (STREQ(s, "."))
                return true; /* "no search domains" */
        if (len == 0 || len > 253)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!isalnum((unsigned char)s[i]) && !strchr(".-_", s[i]))
                        return false;
        return true;
}

static int etc_files_setup(SpecCtx *ctx, Error **err) {
        static const struct {
                const char *field;
                bool (*valid)(const char *);
        } dns[] = {
                { "dns_servers", ip_is_valid },
                { "dns_search", domain_is_valid },
                { "dns_opt", NULL },
        };
        char ***outs[] = { &ctx->res.dns_servers, &ctx->res.dns_search, &ctx->res.dns_options };
        for (size_t k = 0; k < ELEMENTSOF(dns); k++) {
                const json_t *list = spec_field_array(ctx->create, dns[k].field);
                *outs[k] = xnew0(char *, 1);
                if (json_array_size(list) > 0 && !ctx->in->resolv_conf_path)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "%s: this container gets no /etc/resolv.conf of its own",
                                       dns[k].field);
                size_t i;
                json_t *e;
                json_array_foreach (list, i, e) {
                        const char *s = json_string_value(e);
                        bool ok = dns[k].valid ? dns[k].valid(s) : *s && !strpbrk(s, " \t\n");
                        if (!ok)
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "%s: invalid entry `%s`", dns[k].field, s);
                        spec_strv_push(outs[k], s);
                }
        }
        const json_t *hosts = spec_field_array(ctx->create, "host_add");
        if (json_array_size(hosts) > 0 && !ctx->in->hosts_path)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "host_add: this container gets no /etc/hosts of its own");
        size_t i;
        json_t *e;
        json_array_foreach (hosts, i, e) {
                const char *s = json_string_value(e);
                const char *colon = strchr(s, ':');
                _cleanup_free_ char *name = colon ? xstrndup(s, (size_t)(colon - s)) : NULL;
                if (!colon || !spec_hostname_is_valid(name) || !ip_is_valid(colon + 1))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "host_add `%s`: expected HOSTNAME:IP", s);
                ctx->res.hosts =
                        xrealloc(ctx->res.hosts, (ctx->res.n_hosts + 1) * sizeof *ctx->res.hosts);
                ctx->res.hosts[ctx->res.n_hosts++] =
                        (SpecHostEntry){ .name = TAKE_PTR(name), .ip = xstrdup(colon + 1) };
        }
        return 0;
}

static int log_setup(SpecCtx *ctx, Error **err) {
        const char *driver = spec_field_str(ctx->create, "log_driver");
        if (!*driver || STREQ(driver, "json-file"))
                /* libpod 1.x wrote k8s-file whichever of the two was asked. */
                driver = "k8s-file";
        else if (!STREQ(driver, "k8s-file") && !STREQ(driver, "journald"))
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "log_driver `%s`: expected k8s-file, json-file or journald", driver);
        ctx->res.log_driver = xstrdup(driver);
        size_t i;
        json_t *e;
        json_array_foreach (spec_field_array(ctx->create, "log_driver_opt"), i, e) {
                const char *opt = json_string_value(e);
                if (STRPREFIX(opt, "path=")) {
                        if (opt[5] != '/')
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "log_driver_opt `%s`: path must be absolute", opt);
                        if (STREQ(driver, "journald"))
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "log_driver_opt `%s`: journald has no log file",
                                               opt);
                        free(ctx->res.log_path);
                        ctx->res.log_path = xstrdup(opt + 5);
                } else if (STRPREFIX(opt, "max-size=")) {
                        if (spec_size_parse(opt + 9, &ctx->res.log_max_size, err) < 0)
                                return err_wrap(err, "log_driver_opt");
                } else
                        return err_set(err, ERR_NOT_SUPPORTED, 0,
                                       "log_driver_opt `%s`: unknown option (path=, max-size=)",
                                       opt);
        }
        const char *pidfile = spec_field_str(ctx->create, "conmon_pidfile");
        if (*pidfile && pidfile[0] != '/')
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "conmon_pidfile `%s` is not an absolute path", pidfile);
        ctx->res.conmon_pidfile = *pidfile ? xstrdup(pidfile) : NULL;
        return 0;
}

static int cgroups_setup(SpecCtx *ctx, Error **err) {
        const char *parent = spec_field_str(ctx->create, "cgroup_parent");
        if (*parent) {
                bool slice = strlen(parent) > 6 && STREQ(parent + strlen(parent) - 6, ".slice");
                if (ctx->in->systemd_cgroup && (!slice || strchr(parent, '/')))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "cgroup_parent `%s`: the systemd cgroup manager needs a "
                                       "NAME.slice",
                                       parent);
                if (!ctx->in->systemd_cgroup && slice)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "cgroup_parent `%s`: a .slice needs the systemd cgroup "
                                       "manager",
                                       parent);
                if (strstr(parent, "..") || strpbrk(parent, "\n:"))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "cgroup_parent `%s` is not a valid cgroup path", parent);
        }
        if (ctx->in->cgroups_path)
                ctx->res.cgroups_path = xstrdup(ctx->in->cgroups_path);
        else if (ctx->in->systemd_cgroup)
                ctx->res.cgroups_path =
                        xasprintf("%s:libpod:%s", *parent ? parent : "machine.slice", ctx->in->id);
        else
                ctx->res.cgroups_path =
                        xasprintf("%s/libpod-%s", *parent ? parent : "/libpod_parent", ctx->in->id);
        json_object_set_new(ctx->oci_linux, "cgroupsPath", json_string(ctx->res.cgroups_path));
        return 0;
}

void spec_resolved_clear(SpecResolved *r) {
        strv_free(r->args);
        strv_free(r->env);
        free(r->work_dir);
        free(r->additional_gids);
        free(r->home);
        free(r->hostname);
        free(r->ports);
        strv_free(r->exposed_ports);
        for (size_t i = 0; i < r->n_volumes; i++) {
                free(r->volumes[i].name);
                free(r->volumes[i].source);
                free(r->volumes[i].destination);
        }
        free(r->volumes);
        free(r->netns);
        free(r->net_mode);
        strv_free(r->networks);
        strv_free(r->dns_servers);
        strv_free(r->dns_search);
        strv_free(r->dns_options);
        for (size_t i = 0; i < r->n_hosts; i++) {
                free(r->hosts[i].name);
                free(r->hosts[i].ip);
        }
        free(r->hosts);
        strv_free(r->dependencies);
        json_decref(r->labels);
        free(r->log_driver);
        free(r->log_path);
        free(r->conmon_pidfile);
        free(r->cgroups_path);
        *r = (SpecResolved){ 0 };
}

static json_t *string_or_null(const char *s) { return s ? json_string(s) : json_null(); }

json_t *spec_resolved_to_json(const SpecResolved *r) {
        json_t *gids = json_array();
        for (size_t i = 0; i < r->n_additional_gids; i++)
                json_array_append_new(gids, json_integer(r->additional_gids[i]));
        json_t *ports = json_array();
        for (size_t i = 0; i < r->n_ports; i++)
                json_array_append_new(ports, json_pack("{s:s, s:i, s:i, s:s}", "host_ip",
                                                       r->ports[i].host_ip, "host_port",
                                                       r->ports[i].host_port, "container_port",
                                                       r->ports[i].container_port, "protocol",
                                                       r->ports[i].protocol));
        json_t *volumes = json_array();
        for (size_t i = 0; i < r->n_volumes; i++)
                json_array_append_new(volumes,
                                      json_pack("{s:s, s:s, s:s, s:b}", "name", r->volumes[i].name,
                                                "source", r->volumes[i].source, "destination",
                                                r->volumes[i].destination, "anonymous",
                                                r->volumes[i].anonymous));
        json_t *hosts = json_array();
        for (size_t i = 0; i < r->n_hosts; i++)
                json_array_append_new(hosts, json_pack("{s:s, s:s}", "name", r->hosts[i].name, "ip",
                                                       r->hosts[i].ip));
        json_t *o = json_object();
        json_object_set_new(o, "args", spec_strv_to_json(r->args));
        json_object_set_new(o, "env", spec_strv_to_json(r->env));
        json_object_set_new(o, "work_dir", string_or_null(r->work_dir));
        json_object_set_new(o, "uid", json_integer(r->uid));
        json_object_set_new(o, "gid", json_integer(r->gid));
        json_object_set_new(o, "additional_gids", gids);
        json_object_set_new(o, "home", string_or_null(r->home));
        json_object_set_new(o, "stop_signal", json_integer(r->stop_signal));
        json_object_set_new(o, "stop_timeout", json_integer(r->stop_timeout));
        json_object_set_new(o, "tty", json_boolean(r->tty));
        json_object_set_new(o, "stdin_open", json_boolean(r->stdin_open));
        json_object_set_new(o, "hostname", string_or_null(r->hostname));
        json_object_set_new(o, "ports", ports);
        json_object_set_new(o, "exposed_ports", spec_strv_to_json(r->exposed_ports));
        json_object_set_new(o, "volumes", volumes);
        json_object_set_new(o, "netns", string_or_null(r->netns));
        json_object_set_new(o, "net_mode", string_or_null(r->net_mode));
        json_object_set_new(o, "networks", spec_strv_to_json(r->networks));
        json_object_set_new(o, "dns_servers", spec_strv_to_json(r->dns_servers));
        json_object_set_new(o, "dns_search", spec_strv_to_json(r->dns_search));
        json_object_set_new(o, "dns_options", spec_strv_to_json(r->dns_options));
        json_object_set_new(o, "hosts", hosts);
        json_object_set_new(o, "dependencies", spec_strv_to_json(r->dependencies));
        json_object_set_new(o, "labels", r->labels ? json_incref(r->labels) : json_object());
        json_object_set_new(o, "log_driver", string_or_null(r->log_driver));
        json_object_set_new(o, "log_path", string_or_null(r->log_path));
        json_object_set_new(o, "log_max_size", json_integer(r->log_max_size));
        json_object_set_new(o, "conmon_pidfile", string_or_null(r->conmon_pidfile));
        json_object_set_new(o, "cgroups_path", string_or_null(r->cgroups_path));
        json_object_set_new(o, "rm", json_boolean(r->rm));
        json_object_set_new(o, "detach", json_boolean(r->detach));
        json_object_set_new(o, "init", json_boolean(r->init));
        json_object_set_new(o, "privileged", json_boolean(r->privileged));
        return o;
}

static void ctx_clear(SpecCtx *ctx) {
        spec_resolved_clear(&ctx->res);
        json_decref(ctx->config);
        json_decref((json_t *)ctx->image);
        for (int i = 0; i < SPEC_NS__MAX; i++) {
                free(ctx->ns_path[i]);
                free(ctx->ns_peer[i]);
        }
        free(ctx->uid_maps);
        free(ctx->gid_maps);
        strv_free(ctx->volume_dirs_made);
}

static bool id_is_valid(const char *id) {
        size_t len = id ? strlen(id) : 0;
        return len >= 12 && len <= 64 && strspn(id, "0123456789abcdef") == len;
}

static int input_check(const SpecInput *in, Error **err) {
        if (!in || !in->host)
                return err_set(err, ERR_INTERNAL, 0, "spec: no input or host facts");
        if (!id_is_valid(in->id))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "spec: invalid container ID `%s`",
                               in->id ? in->id : "");
        if (!in->rootfs || in->rootfs[0] != '/')
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "spec: rootfs must be an absolute path");
        if (in->image_config && !json_is_object(in->image_config))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "spec: image config is not an object");
        return spec_create_check(in->create, err);
}

/* The steps that read the request, in dependency order. */
static int ctx_build(SpecCtx *ctx, Error **err) {
        const json_t *c = ctx->create;
        ctx->res.privileged = spec_field_bool(c, "privileged");
        ctx->res.tty = spec_field_bool(c, "tty");
        ctx->res.stdin_open = spec_field_bool(c, "interactive");
        ctx->res.rm = spec_field_bool(c, "rm");
        ctx->res.detach = spec_field_bool(c, "detach");
        json_object_set_new(ctx->process, "terminal", json_boolean(ctx->res.tty));
        json_object_set_new(ctx->config, "root",
                            json_pack("{s:s, s:b}", "path", ctx->in->rootfs, "readonly",
                                      spec_field_bool(c, "readonly_rootfs")));

        if (spec_namespaces_setup(ctx, err) < 0 || user_setup(ctx, err) < 0 ||
            spec_capabilities_setup(ctx, err) < 0 || spec_mounts_setup(ctx, err) < 0 ||
            args_resolve(ctx, err) < 0 || env_resolve(ctx, err) < 0 ||
            work_dir_setup(ctx, err) < 0 || spec_rlimits_setup(ctx, err) < 0 ||
            spec_security_setup(ctx, err) < 0 || spec_resources_setup(ctx, err) < 0 ||
            spec_devices_setup(ctx, err) < 0 || spec_sysctl_setup(ctx, err) < 0 ||
            spec_ports_setup(ctx, err) < 0 || stop_setup(ctx, err) < 0 ||
            labels_setup(ctx, err) < 0 || etc_files_setup(ctx, err) < 0 ||
            log_setup(ctx, err) < 0 || cgroups_setup(ctx, err) < 0)
                return -1;
        /* Last: the only step with effects outside this call. */
        if (spec_volumes_create(ctx, err) < 0) {
                spec_volumes_undo(ctx);
                return -1;
        }
        return 0;
}

int spec_generate(const SpecInput *in, json_t **ret_config, SpecResolved *ret, Error **err) {
        if (input_check(in, err) < 0)
                return -1;
        _cleanup_(ctx_clear) SpecCtx ctx = {
                .in = in,
                .host = in->host,
                .create = in->create,
                .resources = spec_field_object(in->create, "resources"),
                .image = in->image_config ? json_incref((json_t *)in->image_config) : json_object(),
                .config = json_object(),
        };
        ctx.process = json_object();
        ctx.oci_linux = json_object();
        json_object_set_new(ctx.config, "ociVersion", json_string("1.0.2"));
        json_object_set_new(ctx.config, "process", ctx.process);
        json_object_set_new(ctx.config, "linux", ctx.oci_linux);

        if (ctx_build(&ctx, err) < 0)
                return -1;

        *ret_config = TAKE_PTR(ctx.config);
        *ret = ctx.res;
        ctx.res = (SpecResolved){ 0 };
        return 0;
}
