/* SPDX-License-Identifier: Apache-2.0 */
/* The config of a committed image (semantics 2.5 #38): the image's
 * config, then what the container was created with (entrypoint, command,
 * its process environment, ports, labels, user, volumes, working
 * directory), then the changes of the request, author and message. */
#include <ctype.h>
#include <string.h>
#include <sys/utsname.h>

#include "commit-private.h"
#include "hostinfo.h"
#include "image.h"
#include "json-util.h"
#include "timefmt.h"
#include "xalloc.h"

static json_t *object_child(json_t *obj, const char *key) {
        json_t *v = json_object_get(obj, key);
        if (!json_is_object(v)) {
                v = json_object();
                json_object_set_new(obj, key, v);
        }
        return v;
}

/* Sets "K=V" in an Env array, replacing an entry for K. */
static void env_set(json_t *cfg, const char *entry) {
        const char *eq = strchr(entry, '=');
        size_t klen = eq ? (size_t)(eq - entry) : strlen(entry);
        json_t *env = json_object_get(cfg, "Env");
        if (!json_is_array(env)) {
                env = json_array();
                json_object_set_new(cfg, "Env", env);
        }
        size_t i;
        json_t *v;
        json_array_foreach (env, i, v) {
                const char *s = json_string_value(v);
                if (s && strncmp(s, entry, klen) == 0 && (s[klen] == '=' || s[klen] == '\0')) {
                        json_array_set_new(env, i, json_string(entry));
                        return;
                }
        }
        json_array_append_new(env, json_string(entry));
}

static bool strings_nonempty(json_t *array) {
        return json_is_array(array) && json_array_size(array) > 0;
}

/* The volume destination of a create `volumes` entry: "SRC:DST[:OPTS]"
 * or "DST". podman 1.0 took the source part here [ref-bug]; the image
 * wants where the volume is mounted. */
static char *volume_destination(const char *spec) {
        const char *colon = strchr(spec, ':');
        if (!colon)
                return xstrdup(spec);
        const char *dst = colon + 1;
        const char *end = strchr(dst, ':');
        return end ? xstrndup(dst, (size_t)(end - dst)) : xstrdup(dst);
}

static void config_from_container(json_t *cfg, const Container *c) {
        json_t *create = c->create, *res = c->resolved;
        json_t *entrypoint = json_object_get(create, "entrypoint");
        if (strings_nonempty(entrypoint)) {
                /* [""] is how a client clears the image's entrypoint. */
                const char *first = json_string_value(json_array_get(entrypoint, 0));
                if (json_array_size(entrypoint) == 1 && first && !*first)
                        json_object_del(cfg, "Entrypoint");
                else
                        json_object_set_new(cfg, "Entrypoint", json_deep_copy(entrypoint));
        }
        json_t *command = json_object_get(create, "command");
        json_t *args = json_object_get(create, "args");
        if (strings_nonempty(command))
                json_object_set_new(cfg, "Cmd", json_deep_copy(command));
        else if (json_array_size(args) > 1) {
                /* args is the client's "IMAGE [COMMAND...]". */
                json_t *cmd = json_array();
                for (size_t i = 1; i < json_array_size(args); i++)
                        json_array_append(cmd, json_array_get(args, i));
                json_object_set_new(cfg, "Cmd", cmd);
        }

        size_t i;
        json_t *v;
        json_array_foreach (json_object_get(res, "env"), i, v)
                if (json_is_string(v))
                        env_set(cfg, json_string_value(v));

        json_array_foreach (json_object_get(res, "exposed_ports"), i, v)
                if (json_is_string(v))
                        json_object_set_new(object_child(cfg, "ExposedPorts"), json_string_value(v),
                                            json_object());
        json_array_foreach (json_object_get(res, "ports"), i, v) {
                const char *proto = json_string_value(json_object_get(v, "protocol"));
                _cleanup_free_ char *port = xasprintf(
                        "%lld/%s",
                        (long long)json_integer_value(json_object_get(v, "container_port")),
                        proto && *proto ? proto : "tcp");
                json_object_set_new(object_child(cfg, "ExposedPorts"), port, json_object());
        }

        const char *key;
        json_t *label;
        json_object_foreach (json_object_get(res, "labels"), key, label)
                json_object_set(object_child(cfg, "Labels"), key, label);

        const char *user = json_string_value(json_object_get(create, "user"));
        if (user && *user)
                json_object_set_new(cfg, "User", json_string(user));

        json_array_foreach (json_object_get(create, "volumes"), i, v) {
                const char *spec = json_string_value(v);
                if (!spec || !*spec)
                        continue;
                _cleanup_free_ char *dst = volume_destination(spec);
                if (*dst)
                        json_object_set_new(object_child(cfg, "Volumes"), dst, json_object());
        }

        const char *workdir = json_string_value(json_object_get(res, "work_dir"));
        if (workdir && *workdir)
                json_object_set_new(cfg, "WorkingDir", json_string(workdir));
}

/* The changes of a Commit request in the form image_changes_apply reads,
 * with the reference's rules: the instruction is case-insensitive,
 * unknown ones are ignored, and the first ENV, EXPOSE, LABEL or VOLUME
 * clears what the image and container had of that kind. */
static int config_changes_apply(json_t *cfg, char **changes, Error **err) {
        static const char *const known[] = { "CMD",     "ENTRYPOINT", "ENV",  "EXPOSE", "LABEL",
                                             "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR" };
        static const char *const clearing[][2] = {
                { "ENV", "Env" },
                { "EXPOSE", "ExposedPorts" },
                { "LABEL", "Labels" },
                { "VOLUME", "Volumes" },
        };
        bool cleared[ELEMENTSOF(clearing)] = { false };
        size_t n = 0;
        while (changes && changes[n])
                n++;
        char **norm = xnew0(char *, n + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                const char *c = changes[i];
                size_t klen = strcspn(c, "= ");
                _cleanup_free_ char *key = xstrndup(c, klen);
                for (char *p = key; *p; p++)
                        *p = (char)toupper((unsigned char)*p);
                bool ok = false;
                for (size_t j = 0; j < ELEMENTSOF(known) && !ok; j++)
                        ok = STREQ(key, known[j]);
                if (!ok)
                        continue;
                for (size_t j = 0; j < ELEMENTSOF(clearing); j++)
                        if (STREQ(key, clearing[j][0]) && !cleared[j]) {
                                json_object_del(cfg, clearing[j][1]);
                                cleared[j] = true;
                        }
                const char *value = c[klen] ? c + klen + 1 : NULL;
                if ((STREQ(key, "CMD") || STREQ(key, "ENTRYPOINT")) && value && c[klen] == '=' &&
                    value[0] != '[') {
                        /* podman 1.0: the pieces between '=' are the whole
                         * argument vector ("CMD=cat=/f": cat /f). */
                        json_t *argv = json_array();
                        for (const char *p = value;; p = strchr(p, '=') + 1) {
                                json_array_append_new(argv, json_stringn(p, strcspn(p, "=")));
                                if (!strchr(p, '='))
                                        break;
                        }
                        _cleanup_free_ char *text = json_dumps(argv, JSON_COMPACT);
                        json_decref(argv);
                        norm[k++] = xasprintf("%s=%s", key, text);
                        continue;
                }
                norm[k++] = xasprintf("%s%s", key, c + klen);
        }
        int r = image_changes_apply(cfg, norm, err);
        for (size_t i = 0; i < k; i++)
                free(norm[i]);
        free(norm);
        return r;
}

/* Only the keys of the OCI image spec's config: Docker's extra ones
 * (Hostname, OnBuild, ...) have no place in an OCI image. */
static void config_keep_oci(json_t *cfg) {
        static const char *const keys[] = { "User",       "ExposedPorts", "Env",
                                            "Entrypoint", "Cmd",          "Volumes",
                                            "WorkingDir", "Labels",       "StopSignal" };
        const char *key;
        json_t *v;
        void *tmp;
        json_object_foreach_safe (cfg, tmp, key, v) {
                bool keep = false;
                for (size_t i = 0; i < ELEMENTSOF(keys) && !keep; i++)
                        keep = STREQ(key, keys[i]);
                if (!keep)
                        json_object_del(cfg, key);
        }
}

static char *strv_join(json_t *array) {
        size_t len = 1;
        size_t i;
        json_t *v;
        json_array_foreach (array, i, v)
                len += strlen(json_string_value(v) ? json_string_value(v) : "") + 1;
        char *out = xzalloc(len);
        json_array_foreach (array, i, v) {
                if (i > 0)
                        strcat(out, " ");
                strcat(out, json_string_value(v) ? json_string_value(v) : "");
        }
        return out;
}

int commit_config_make(const Container *c, json_t *base, const ContainerCommitOptions *opts,
                       const char *diff_id, int64_t now, bool docker, json_t **ret, Error **err) {
        json_t *base_cfg = json_object_get(base, "config");
        _cleanup_json_ json_t *cfg =
                json_is_object(base_cfg) ? json_deep_copy(base_cfg) : json_object();
        config_from_container(cfg, c);
        if (config_changes_apply(cfg, opts->changes, err) < 0)
                return err_wrap(err, "apply changes");
        if (!docker)
                config_keep_oci(cfg);

        _cleanup_free_ char *created = timefmt_rfc3339(now);
        const char *author = opts->author ? opts->author : "";
        const char *message = opts->message ? opts->message : "";
        struct utsname u;
        const char *arch = json_string_value(json_object_get(base, "architecture"));
        const char *os = json_string_value(json_object_get(base, "os"));

        json_t *diff_ids = json_array();
        size_t i;
        json_t *v;
        json_array_foreach (json_object_get(json_object_get(base, "rootfs"), "diff_ids"), i, v)
                json_array_append(diff_ids, v);
        json_array_append_new(diff_ids, json_string(diff_id));

        json_t *entry = json_pack("{s:s}", "created", created);
        _cleanup_free_ char *created_by = strv_join(json_object_get(c->resolved, "args"));
        if (*created_by)
                json_object_set_new(entry, "created_by", json_string(created_by));
        if (*author)
                json_object_set_new(entry, "author", json_string(author));
        if (*message)
                json_object_set_new(entry, "comment", json_string(message));
        json_t *history = json_array();
        json_array_foreach (json_object_get(base, "history"), i, v)
                json_array_append(history, v);
        json_array_append_new(history, entry);

        json_t *out = json_object();
        json_object_set_new(out, "created", json_string(created));
        if (*author)
                json_object_set_new(out, "author", json_string(author));
        json_object_set_new(out, "architecture",
                            json_string(arch             ? arch
                                        : uname(&u) == 0 ? hostinfo_go_arch(u.machine)
                                                         : "amd64"));
        json_object_set_new(out, "os", json_string(os ? os : "linux"));
        const char *variant = json_string_value(json_object_get(base, "variant"));
        if (variant)
                json_object_set_new(out, "variant", json_string(variant));
        json_object_set(out, "config", cfg);
        json_object_set_new(out, "rootfs",
                            json_pack("{s:s, s:o}", "type", "layers", "diff_ids", diff_ids));
        json_object_set_new(out, "history", history);
        if (docker) {
                /* Docker's image config also names the container and
                 * carries the commit message. */
                json_object_set_new(out, "container", json_string(c->id));
                if (*message)
                        json_object_set_new(out, "comment", json_string(message));
        }
        *ret = out;
        return 0;
}
