/* SPDX-License-Identifier: Apache-2.0 */
/* Mounts: podman's default filesystems (/proc, /dev, /dev/pts, /dev/shm,
 * /dev/mqueue, /sys, /sys/fs/cgroup), the per-container /etc files, the
 * init binary, `volumes`, `tmpfs` and the image's VOLUMEs; named volumes
 * are planned here and created on disk only once everything else worked. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec-private.h"
#include "xalloc.h"

static json_t *mount_new(const char *dest, const char *type, const char *source,
                         char *const *options) {
        return json_pack("{s:s, s:s, s:s, s:o}", "destination", dest, "type", type, "source",
                         source, "options", spec_strv_to_json(options));
}

static json_t *mount_new_opts(const char *dest, const char *type, const char *source,
                              const char *options) {
        _cleanup_strv_ char **v = xnew0(char *, 1);
        for (const char *p = options; *p;) {
                size_t n = strcspn(p, ",");
                spec_strv_push_take(&v, xstrndup(p, n));
                p += n;
                if (*p == ',')
                        p++;
        }
        return mount_new(dest, type, source, v);
}

static const char *mount_dest(const json_t *m) {
        return json_string_value(json_object_get(m, "destination"));
}

static bool mounts_have(const json_t *mounts, const char *dest) {
        size_t i;
        json_t *m;
        json_array_foreach (mounts, i, m) {
                if (STREQ(mount_dest(m), dest))
                        return true;
        }
        return false;
}

static size_t path_depth(const char *p) {
        size_t n = 0;
        for (; *p; p++)
                if (*p == '/')
                        n++;
        return n;
}

static int depth_compare(const void *a, const void *b) {
        const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
        size_t dx = path_depth(mount_dest(x)), dy = path_depth(mount_dest(y));
        if (dx != dy)
                return dx < dy ? -1 : 1;
        /* qsort is not stable: keep request order by the index stored below. */
        json_int_t ix = json_integer_value(json_object_get(x, "#")),
                   iy = json_integer_value(json_object_get(y, "#"));
        return ix < iy ? -1 : ix > iy;
}

/* Plans named volume name at dest (anonymous: a new random name). */
static int volume_plan(SpecCtx *ctx, const char *field, const char *name, const char *dest,
                       char **ret_source, Error **err) {
        if (!ctx->in->volumes_root)
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "%s `%s`: named volumes need the engine's volume directory", field,
                               dest);
        char *gen = NULL;
        if (!name) {
                uint8_t raw[32];
                if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
                        return err_set(err, ERR_SYSTEM, errno, "getrandom");
                gen = xmalloc(65);
                for (size_t i = 0; i < 32; i++)
                        snprintf(gen + 2 * i, 3, "%02x", raw[i]);
        }
        ctx->res.volumes =
                xrealloc(ctx->res.volumes, (ctx->res.n_volumes + 1) * sizeof *ctx->res.volumes);
        SpecVolume *v = &ctx->res.volumes[ctx->res.n_volumes++];
        *v = (SpecVolume){
                .name = gen ? gen : xstrdup(name),
                .source = xasprintf("%s/%s/_data", ctx->in->volumes_root, gen ? gen : name),
                .destination = xstrdup(dest),
                .anonymous = gen != NULL,
        };
        *ret_source = v->source;
        return 0;
}

static int user_mounts_add(SpecCtx *ctx, json_t *user, Error **err) {
        size_t i;
        json_t *e;
        json_array_foreach (spec_field_array(ctx->create, "volumes"), i, e) {
                const char *text = json_string_value(e);
                SpecVolumeArg a;
                if (spec_volume_arg_parse(text, &a, err) < 0)
                        return -1;
                if (mounts_have(user, a.destination)) {
                        err_set(err, ERR_INVALID_ARGUMENT, 0,
                                "volumes `%s`: destination `%s` is mounted twice", text,
                                a.destination);
                        spec_volume_arg_clear(&a);
                        return -1;
                }
                const char *source = a.source;
                struct stat st;
                if (a.named) {
                        char *planned;
                        if (volume_plan(ctx, "volumes", a.source, a.destination, &planned, err) <
                            0) {
                                spec_volume_arg_clear(&a);
                                return -1;
                        }
                        source = planned;
                } else if (stat(a.source, &st) < 0) {
                        /* Podman refuses a missing host path rather than
                         * creating it as docker does. */
                        err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                                "volumes `%s`: source `%s`", text, a.source);
                        spec_volume_arg_clear(&a);
                        return -1;
                }
                json_array_append_new(user, mount_new(a.destination, "bind", source, a.options));
                spec_volume_arg_clear(&a);
        }
        json_array_foreach (spec_field_array(ctx->create, "tmpfs"), i, e) {
                const char *text = json_string_value(e);
                SpecTmpfsArg a;
                if (spec_tmpfs_arg_parse(text, &a, err) < 0)
                        return -1;
                if (mounts_have(user, a.destination)) {
                        err_set(err, ERR_INVALID_ARGUMENT, 0,
                                "tmpfs `%s`: destination `%s` is mounted twice", text,
                                a.destination);
                        spec_tmpfs_arg_clear(&a);
                        return -1;
                }
                json_array_append_new(user, mount_new(a.destination, "tmpfs", "tmpfs", a.options));
                spec_tmpfs_arg_clear(&a);
        }
        return 0;
}

/* The image's VOLUMEs (and builtin_imgvolumes the client listed) not
 * covered by a user mount, as new anonymous volumes or tmpfs. */
static int image_volumes_add(SpecCtx *ctx, json_t *user, Error **err) {
        const char *type = spec_field_str(ctx->create, "image_volume_type");
        bool tmpfs = STREQ(type, "tmpfs");
        if (STREQ(type, "ignore"))
                return 0;
        if (*type && !STREQ(type, "bind") && !tmpfs)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "image_volume_type `%s`: expected \"bind\", \"tmpfs\" or \"ignore\"",
                               type);
        _cleanup_strv_ char **dests = xnew0(char *, 1);
        const json_t *vols = json_object_get(ctx->image, "Volumes");
        const char *key;
        json_t *value;
        json_object_foreach ((json_t *)vols, key, value) {
                spec_strv_push(&dests, key);
        }
        size_t i;
        json_t *e;
        json_array_foreach (spec_field_array(ctx->create, "builtin_imgvolumes"), i, e) {
                spec_strv_push(&dests, json_string_value(e));
        }
        for (i = 0; dests[i]; i++) {
                SpecVolumeArg a;
                /* Parsing "DEST" alone checks and cleans it like a volume. */
                if (spec_volume_arg_parse(dests[i], &a, err) < 0)
                        return err_wrap(err, "image volume");
                if (mounts_have(user, a.destination)) {
                        spec_volume_arg_clear(&a);
                        continue;
                }
                if (tmpfs)
                        json_array_append_new(user, mount_new_opts(a.destination, "tmpfs", "tmpfs",
                                                                   "rprivate,rw,nodev,exec"));
                else {
                        char *source;
                        if (volume_plan(ctx, "image volume", NULL, a.destination, &source, err) <
                            0) {
                                spec_volume_arg_clear(&a);
                                return -1;
                        }
                        json_array_append_new(user,
                                              mount_new(a.destination, "bind", source, a.options));
                }
                spec_volume_arg_clear(&a);
        }
        return 0;
}

static bool gid_mapped(const SpecCtx *ctx, gid_t gid) {
        for (size_t i = 0; i < ctx->n_gid_maps; i++)
                if (gid >= ctx->gid_maps[i].container_id &&
                    (uint64_t)gid < (uint64_t)ctx->gid_maps[i].container_id + ctx->gid_maps[i].size)
                        return true;
        return false;
}

static int shm_mount(SpecCtx *ctx, json_t **ret, Error **err) {
        const char *shm_dir = spec_field_str(ctx->create, "shm_dir");
        int64_t size = spec_field_int(ctx->resources, "shm_size");
        if (size < 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.shm_size must not be negative");
        SpecNsKind ipc = ctx->ns_kind[SPEC_NS_IPC];
        if (*shm_dir) {
                struct stat st;
                if (shm_dir[0] != '/')
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "shm_dir `%s` is not an absolute path", shm_dir);
                if (ipc != SPEC_NS_KIND_NEW)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "shm_dir contradicts ipc_mode `%s`",
                                       spec_field_str(ctx->create, "ipc_mode"));
                if (size > 0)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "resources.shm_size cannot size the given shm_dir");
                if (stat(shm_dir, &st) < 0)
                        return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                                       "shm_dir `%s`", shm_dir);
                if (!S_ISDIR(st.st_mode))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "shm_dir `%s` is not a directory", shm_dir);
                *ret = mount_new_opts("/dev/shm", "bind", shm_dir,
                                      "rbind,rprivate,nosuid,noexec,nodev");
                return 0;
        }
        if (ipc == SPEC_NS_KIND_NONE) {
                if (size > 0)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "resources.shm_size cannot size the host's /dev/shm "
                                       "(ipc_mode host)");
                *ret = mount_new_opts("/dev/shm", "bind", "/dev/shm",
                                      "rbind,rprivate,nosuid,noexec,nodev");
                return 0;
        }
        if (ipc == SPEC_NS_KIND_PATH && ctx->ns_peer[SPEC_NS_IPC]) {
                /* Sharing an IPC namespace means sharing its POSIX shm too. */
                const char *peer = ctx->ns_peer[SPEC_NS_IPC];
                if (size > 0)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "resources.shm_size cannot size the /dev/shm of container "
                                       "`%s`",
                                       peer);
                if (!ctx->in->peer_shm)
                        return err_set(err, ERR_NOT_SUPPORTED, 0,
                                       "ipc_mode `container:%s`: sharing /dev/shm is not "
                                       "available here",
                                       peer);
                _cleanup_free_ char *path = NULL;
                Error *e = NULL;
                if (ctx->in->peer_shm(ctx->in->peer_userdata, peer, &path, &e) < 0 || !path) {
                        if (!e)
                                err_set(&e, ERR_INTERNAL, 0, "no /dev/shm path returned");
                        err_propagate(err, e);
                        return err_wrap(err, "ipc_mode `container:%s`", peer);
                }
                *ret = mount_new_opts("/dev/shm", "bind", path,
                                      "rbind,rprivate,nosuid,noexec,nodev");
                return 0;
        }
        _cleanup_free_ char *opts = xasprintf("nosuid,noexec,nodev,mode=1777,size=%lld",
                                              (long long)(size > 0 ? size : SPEC_DEFAULT_SHM_SIZE));
        *ret = mount_new_opts("/dev/shm", "tmpfs", "shm", opts);
        return 0;
}

static int init_mount(SpecCtx *ctx, json_t **ret, Error **err) {
        const char *init_path = spec_field_str(ctx->create, "init_path");
        *ret = NULL;
        if (!spec_field_bool(ctx->create, "init")) {
                if (*init_path)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "init_path `%s` is given but init is false", init_path);
                return 0;
        }
        const char *path =
                *init_path ? init_path
                           : (ctx->in->init_path ? ctx->in->init_path : SPEC_CATATONIT_PATH);
        struct stat st;
        if (path[0] != '/')
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "init_path `%s` is not absolute",
                               path);
        if (stat(path, &st) < 0)
                return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                               "init binary `%s`", path);
        if (!S_ISREG(st.st_mode))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "init binary `%s` is not a file",
                               path);
        ctx->res.init = true;
        *ret = mount_new_opts("/dev/init", "bind", path, "bind,ro");
        return 0;
}

int spec_mounts_setup(SpecCtx *ctx, Error **err) {
        _cleanup_json_ json_t *user = json_array();
        if (user_mounts_add(ctx, user, err) < 0 || image_volumes_add(ctx, user, err) < 0)
                return -1;

        bool userns = ctx->ns_kind[SPEC_NS_USER] != SPEC_NS_KIND_NONE;
        bool privileged = ctx->res.privileged;
        _cleanup_json_ json_t *defaults = json_array();

        /* Without a namespace it owns, a user namespace cannot mount a fresh
         * proc or sysfs: bind the host's instead (podman does the same). */
        if (userns && ctx->ns_kind[SPEC_NS_PID] != SPEC_NS_KIND_NEW)
                json_array_append_new(defaults, mount_new_opts("/proc", "bind", "/proc",
                                                               "rbind,nosuid,noexec,nodev"));
        else
                json_array_append_new(
                        defaults, mount_new_opts("/proc", "proc", "proc", "nosuid,noexec,nodev"));
        json_array_append_new(defaults, mount_new_opts("/dev", "tmpfs", "tmpfs",
                                                       "nosuid,strictatime,mode=755,size=65536k"));
        /* gid=5 (tty) only when it exists inside a user namespace. */
        json_array_append_new(defaults,
                              mount_new_opts("/dev/pts", "devpts", "devpts",
                                             !userns || gid_mapped(ctx, 5)
                                                     ? "nosuid,noexec,newinstance,ptmxmode=0666,"
                                                       "mode=0620,gid=5"
                                                     : "nosuid,noexec,newinstance,ptmxmode=0666,"
                                                       "mode=0620"));
        json_t *shm = NULL;
        if (shm_mount(ctx, &shm, err) < 0)
                return -1;
        json_array_append_new(defaults, shm);
        if (ctx->ns_kind[SPEC_NS_IPC] == SPEC_NS_KIND_NONE)
                json_array_append_new(defaults, mount_new_opts("/dev/mqueue", "bind", "/dev/mqueue",
                                                               "rbind,nosuid,noexec,nodev"));
        else
                json_array_append_new(defaults, mount_new_opts("/dev/mqueue", "mqueue", "mqueue",
                                                               "nosuid,noexec,nodev"));
        bool sys_bind = userns && ctx->ns_kind[SPEC_NS_NETWORK] != SPEC_NS_KIND_NEW;
        if (sys_bind)
                json_array_append_new(defaults,
                                      mount_new_opts("/sys", "bind", "/sys",
                                                     privileged ? "rbind,nosuid,noexec,nodev"
                                                                : "rbind,nosuid,noexec,nodev,ro"));
        else
                json_array_append_new(defaults,
                                      mount_new_opts("/sys", "sysfs", "sysfs",
                                                     privileged ? "nosuid,noexec,nodev"
                                                                : "nosuid,noexec,nodev,ro"));
        if (!sys_bind)
                json_array_append_new(
                        defaults, mount_new_opts("/sys/fs/cgroup", "cgroup", "cgroup",
                                                 privileged ? "nosuid,noexec,nodev,relatime,rw"
                                                            : "nosuid,noexec,nodev,relatime,ro"));

        static const struct {
                size_t offset;
                const char *dest;
        } etc_files[] = {
                { offsetof(SpecInput, hosts_path), "/etc/hosts" },
                { offsetof(SpecInput, resolv_conf_path), "/etc/resolv.conf" },
                { offsetof(SpecInput, hostname_path), "/etc/hostname" },
        };
        for (size_t i = 0; i < ELEMENTSOF(etc_files); i++) {
                const char *path =
                        *(const char *const *)((const char *)ctx->in + etc_files[i].offset);
                if (path)
                        json_array_append_new(defaults, mount_new_opts(etc_files[i].dest, "bind",
                                                                       path, "rbind,rprivate"));
        }
        json_t *init = NULL;
        if (init_mount(ctx, &init, err) < 0)
                return -1;
        if (init)
                json_array_append_new(defaults, init);

        /* A user mount replaces the default at the same place. */
        json_t *mounts = json_array();
        json_object_set_new(ctx->config, "mounts", mounts);
        size_t i;
        json_t *m;
        json_array_foreach (defaults, i, m) {
                if (!mounts_have(user, mount_dest(m)))
                        json_array_append(mounts, m);
        }
        /* Parents before children, so /a is not mounted over /a/b. */
        size_t n = json_array_size(user);
        _cleanup_free_ json_t **sorted = xnew0(json_t *, n ? n : 1);
        json_array_foreach (user, i, m) {
                json_object_set_new(m, "#", json_integer((json_int_t)i));
                sorted[i] = m;
        }
        qsort(sorted, n, sizeof *sorted, depth_compare);
        for (i = 0; i < n; i++) {
                json_object_del(sorted[i], "#");
                json_array_append(mounts, sorted[i]);
        }
        ctx->mounts = mounts;
        return 0;
}

static int dir_make(SpecCtx *ctx, const char *path, mode_t mode, bool *ret_made, Error **err) {
        if (mkdir(path, mode) < 0) {
                if (errno != EEXIST)
                        return err_set(err, ERR_SYSTEM, errno, "create volume directory `%s`",
                                       path);
                struct stat st;
                if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
                        return err_set(err, ERR_SYSTEM, ENOTDIR, "volume `%s`", path);
                *ret_made = false;
                return 0;
        }
        spec_strv_push(&ctx->volume_dirs_made, path);
        *ret_made = true;
        return 0;
}

int spec_volumes_create(SpecCtx *ctx, Error **err) {
        if (ctx->res.n_volumes == 0)
                return 0;
        bool made;
        if (mkdir(ctx->in->volumes_root, 0700) < 0 && errno != EEXIST)
                return err_set(err, ERR_SYSTEM, errno, "create `%s`", ctx->in->volumes_root);
        for (size_t i = 0; i < ctx->res.n_volumes; i++) {
                SpecVolume *v = &ctx->res.volumes[i];
                _cleanup_free_ char *dir = xasprintf("%s/%s", ctx->in->volumes_root, v->name);
                bool made_data;
                if (dir_make(ctx, dir, 0700, &made, err) < 0 ||
                    dir_make(ctx, v->source, 0755, &made_data, err) < 0)
                        return -1;
                v->created = made_data;
                /* In a user namespace the container's root must own a fresh
                 * volume, as podman arranges. */
                if (made_data && ctx->n_uid_maps > 0 &&
                    ctx->ns_kind[SPEC_NS_USER] != SPEC_NS_KIND_NONE) {
                        uid_t uid = (uid_t)-1;
                        gid_t gid = (gid_t)-1;
                        for (size_t k = 0; k < ctx->n_uid_maps; k++)
                                if (ctx->uid_maps[k].container_id == 0)
                                        uid = ctx->uid_maps[k].host_id;
                        for (size_t k = 0; k < ctx->n_gid_maps; k++)
                                if (ctx->gid_maps[k].container_id == 0)
                                        gid = ctx->gid_maps[k].host_id;
                        if (chown(v->source, uid, gid) < 0)
                                return err_set(err, ERR_SYSTEM, errno, "chown volume `%s`",
                                               v->source);
                }
        }
        return 0;
}

void spec_volumes_undo(SpecCtx *ctx) {
        /* Newest first: a _data directory before its volume directory. */
        for (size_t n = spec_strv_length(ctx->volume_dirs_made); n > 0; n--)
                (void)rmdir(ctx->volume_dirs_made[n - 1]);
}
