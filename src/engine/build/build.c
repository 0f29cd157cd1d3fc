/* SPDX-License-Identifier: Apache-2.0 */
/* The build executor (build.h): stages, FROM and its pull policy, RUN,
 * the metadata instructions and the cleanup of everything but the final
 * image. Each RUN is a container from the image so far, on the host's
 * network namespace (semantics 2.5 #29: RUN steps open no ports), with the
 * build's resources, the ENV and ARG values, WORKDIR and USER; it is
 * committed to an intermediate image when its command exits 0. The image
 * config is the build's own (BuildStage.config): intermediate images carry
 * whatever their commit derived, and only the final image (build-image.c)
 * gets the config and history the Dockerfile describes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "build-private.h"
#include "container-fs.h"
#include "container.h"
#include "image.h"
#include "json-util.h"
#include "timefmt.h"
#include "xalloc.h"

/* How often a running RUN step's log is read and passed on. */
#define BUILD_POLL_NS (100 * 1000 * 1000)

/* Instructions accepted and ignored, with a line in the log. */
static const char *const unsupported[] = { "HEALTHCHECK", "SHELL" };

void build_log(Build *b, const char *fmt, ...) {
        if (!b->opts->log)
                return;
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *text = xvasprintf(fmt, ap);
        va_end(ap);
        _cleanup_free_ char *line = xasprintf("%s\n", text);
        if (b->opts->log(b->opts->log_userdata, line) != 0)
                b->cancelled = true;
}

static void build_tick(Build *b) {
        if (b->opts->log && b->opts->log(b->opts->log_userdata, NULL) != 0)
                b->cancelled = true;
}

/* Env entry "K=V" of the config for K, or NULL. */
static const char *config_env_get(json_t *config, const char *name) {
        size_t klen = strlen(name), i;
        json_t *v;
        json_array_foreach (json_object_get(config, "Env"), i, v) {
                const char *s = json_string_value(v);
                if (s && strncmp(s, name, klen) == 0 && s[klen] == '=')
                        return s + klen + 1;
        }
        return NULL;
}

static void config_env_set(json_t *config, const char *name, const char *value) {
        json_t *env = json_object_get(config, "Env");
        if (!json_is_array(env)) {
                env = json_array();
                json_object_set_new(config, "Env", env);
        }
        size_t klen = strlen(name), i;
        json_t *v;
        _cleanup_free_ char *kv = xasprintf("%s=%s", name, value);
        json_array_foreach (env, i, v) {
                const char *s = json_string_value(v);
                if (s && strncmp(s, name, klen) == 0 && s[klen] == '=') {
                        json_array_set_new(env, i, json_string(kv));
                        return;
                }
        }
        json_array_append_new(env, json_string(kv));
}

const char *build_lookup(void *stage, const char *name) {
        BuildStage *s = stage;
        const char *v = config_env_get(s->config, name);
        return v ? v : json_string_value(json_object_get(s->args, name));
}

/* Before the first FROM only the global ARGs are in scope. */
static const char *global_lookup(void *args, const char *name) {
        return json_string_value(json_object_get(args, name));
}

static json_t *object_child(json_t *obj, const char *key) {
        json_t *v = json_object_get(obj, key);
        if (!json_is_object(v)) {
                v = json_object();
                json_object_set_new(obj, key, v);
        }
        return v;
}

static void history_add(BuildStage *s, const char *created_by, bool empty_layer) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        _cleanup_free_ char *created =
                timefmt_rfc3339((int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
        json_t *h = json_pack("{s:s, s:s}", "created", created, "created_by", created_by);
        if (empty_layer)
                json_object_set_new(h, "empty_layer", json_true());
        json_array_append_new(s->history, h);
}

/* ------------------------------------------------------------------ */
/* Containers of a step.                                              */

int build_container_new(Build *b, BuildStage *s, const char *image_id, json_t *command,
                        bool for_run, char **ret_id, Error **err) {
        json_t *create = for_run && b->opts->run_create ? json_deep_copy(b->opts->run_create)
                                                        : json_object();
        json_object_set_new(create, "image", json_string(image_id));
        /* RUN ignores ENTRYPOINT, as Docker's does. */
        json_object_set_new(create, "entrypoint", json_pack("[s]", ""));
        json_object_set_new(create, "command",
                            command ? json_incref(command) : json_pack("[s]", "/bin/sh"));
        json_object_set_new(create, "net_mode", json_string(for_run ? "host" : "none"));
        if (for_run) {
                /* ENV, then the ARGs in scope that ENV does not set. */
                json_t *env = json_object();
                size_t i;
                json_t *v;
                json_array_foreach (json_object_get(s->config, "Env"), i, v) {
                        const char *kv = json_string_value(v);
                        const char *eq = kv ? strchr(kv, '=') : NULL;
                        if (eq && eq != kv) {
                                _cleanup_free_ char *k = xstrndup(kv, (size_t)(eq - kv));
                                json_object_set_new(env, k, json_string(eq + 1));
                        }
                }
                const char *key;
                json_object_foreach (s->args, key, v)
                        if (!json_object_get(env, key))
                                json_object_set(env, key, v);
                json_object_set_new(create, "env", env);
                const char *wd = json_string_value(json_object_get(s->config, "WorkingDir"));
                const char *user = json_string_value(json_object_get(s->config, "User"));
                if (wd && *wd)
                        json_object_set_new(create, "work_dir", json_string(wd));
                if (user && *user)
                        json_object_set_new(create, "user", json_string(user));
        }
        char *id = NULL;
        int r = container_create(b->e, create, &id, err);
        json_decref(create);
        if (r < 0)
                return -1;
        json_array_append_new(b->containers, json_string(id));
        *ret_id = id;
        return 0;
}

void build_containers_remove(Build *b) {
        size_t i;
        json_t *v;
        json_array_foreach (b->containers, i, v) {
                _cleanup_(container_freep) Container *c = NULL;
                _cleanup_error_ Error *ignored = NULL;
                if (container_lookup(b->e, json_string_value(v), &c, &ignored) < 0)
                        continue;
                (void)container_umount(b->e, c, true, &ignored);
                err_free(TAKE_PTR(ignored));
                (void)container_remove(b->e, c, true, &ignored);
        }
        json_array_clear(b->containers);
}

int build_container_commit(Build *b, BuildStage *s, const char *id, const char *created_by,
                           Error **err) {
        _cleanup_(container_freep) Container *c = NULL;
        if (container_lookup(b->e, id, &c, err) < 0)
                return -1;
        ContainerCommitOptions o = { .manifest_type = b->opts->docker_format ? "docker" : "oci" };
        char *image = NULL;
        if (container_commit(b->e, c, &o, &image, err) < 0)
                return -1;
        json_array_append_new(b->images, json_string(image));
        free(s->image_id);
        s->image_id = image;
        history_add(s, created_by, false);
        return 0;
}

/* ------------------------------------------------------------------ */
/* RUN.                                                               */

/* The argument vector of RUN, CMD and ENTRYPOINT: the exec form as it is,
 * the shell form through /bin/sh -c. */
static json_t *argv_json(const DockerfileInstruction *in) {
        if (!in->exec)
                return json_pack("[s, s, s]", "/bin/sh", "-c", in->args);
        json_t *a = json_array();
        for (char **p = in->exec; *p; p++)
                json_array_append_new(a, json_string(*p));
        return a;
}

/* The text of complete k8s-file log lines from *offset on, as build log
 * lines; partial lines (P) are joined with what follows them. */
static void run_log_forward(Build *b, const char *path, long *offset, char **partial) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f || fseek(f, *offset, SEEK_SET) != 0)
                return;
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, f)) > 0) {
                if (line[n - 1] != '\n')
                        break; /* conmon is still writing it */
                *offset += n;
                line[n - 1] = '\0';
                /* "TIME STREAM P|F TEXT" */
                char *p = strchr(line, ' ');
                p = p ? strchr(p + 1, ' ') : NULL;
                if (!p || !p[1] || p[2] != ' ')
                        continue;
                bool full = p[1] == 'F';
                char *text = p + 3;
                char *joined = xasprintf("%s%s", *partial ? *partial : "", text);
                free(*partial);
                *partial = NULL;
                if (!full) {
                        *partial = joined;
                        continue;
                }
                build_log(b, "%s", joined);
                free(joined);
        }
        free(line);
}

static int step_run(Build *b, BuildStage *s, const DockerfileInstruction *in, Error **err) {
        _cleanup_json_ json_t *argv = argv_json(in);
        if (json_array_size(argv) == 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "RUN: an empty command");
        if (in->flags[0])
                return err_set(err, ERR_NOT_SUPPORTED, 0, "RUN: flag `%s` is not supported",
                               in->flags[0]);
        _cleanup_free_ char *id = NULL;
        if (build_container_new(b, s, s->image_id, argv, true, &id, err) < 0)
                return -1;
        _cleanup_(container_freep) Container *c = NULL;
        if (container_lookup(b->e, id, &c, err) < 0 || container_start(b->e, c, NULL, err) < 0)
                return -1;
        _cleanup_free_ char *log_path = container_log_path(b->e, c);
        _cleanup_free_ char *partial = NULL;
        long offset = 0;
        for (;;) {
                run_log_forward(b, log_path, &offset, &partial);
                build_tick(b);
                if (b->cancelled)
                        return err_set(err, ERR_BAD_STATE, 0,
                                       "build cancelled: the client went away");
                if (container_sync(b->e, c, err) < 0)
                        return -1;
                if (c->state != CONTAINER_STATE_RUNNING && c->state != CONTAINER_STATE_PAUSED)
                        break;
                struct timespec ts = { .tv_sec = 0, .tv_nsec = BUILD_POLL_NS };
                nanosleep(&ts, NULL);
        }
        run_log_forward(b, log_path, &offset, &partial);
        if (partial)
                build_log(b, "%s", partial);
        if (c->exit_code != 0)
                return err_set(err, ERR_RUNTIME, 0, "error while running runtime: exit status %d",
                               c->exit_code);
        _cleanup_free_ char *created_by =
                in->exec ? json_dumps(argv, JSON_COMPACT) : xasprintf("/bin/sh -c %s", in->args);
        return build_container_commit(b, s, id, created_by, err);
}

/* ------------------------------------------------------------------ */
/* FROM and ARG.                                                      */

/* A stage by name or number, or NULL. */
static BuildStage *stage_find(Build *b, const char *name) {
        for (size_t i = 0; i < b->n_stages; i++)
                if (b->stages[i].name && strcasecmp(b->stages[i].name, name) == 0)
                        return &b->stages[i];
        char *end = NULL;
        errno = 0;
        unsigned long n = strtoul(name, &end, 10);
        if (*name && !*end && errno == 0 && n < b->n_stages)
                return &b->stages[n];
        return NULL;
}

/* The local image for FROM name after the pull policy: never pull unless
 * asked (semantics 2.5 #29), pull when missing, or pull always. */
static int from_image(Build *b, const char *name, char **ret_id, Error **err) {
        _cleanup_(image_freep) Image *img = NULL;
        Error *missing = NULL;
        if (!b->opts->pull_always && image_lookup(b->e, name, &img, &missing) == 0) {
                *ret_id = xstrdup(img->id);
                return 0;
        }
        if (!b->opts->pull_always && !b->opts->pull) {
                err_propagate(err, missing);
                return err_wrap(
                        err, "FROM `%s` is not a local image, and pulling was not asked for", name);
        }
        err_free(missing);
        build_log(b, "Pulling %s", name);
        if (image_pull(b->e, name, NULL, ret_id, err) < 0)
                return err_wrap(err, "pull `%s`", name);
        return 0;
}

static int step_from(Build *b, const DockerfileInstruction *in, Error **err) {
        for (char **f = in->flags; *f; f++)
                if (!STRPREFIX(*f, "--platform="))
                        return err_set(err, ERR_NOT_SUPPORTED, 0,
                                       "FROM: flag `%s` is not supported", *f);
        _cleanup_(strv_freep) char **words = NULL;
        if (dockerfile_words(in->args, true, global_lookup, b->global_args, &words, err) < 0)
                return -1;
        size_t n = dockerfile_strv_length(words);
        if (n != 1 && !(n == 3 && strcasecmp(words[1], "as") == 0))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "FROM: expected IMAGE [AS NAME]");
        if (STREQ(words[0], "scratch"))
                return err_set(err, ERR_NOT_SUPPORTED, 0, "FROM scratch is not supported");

        BuildStage fresh = { .name = n == 3 ? xstrdup(words[2]) : NULL,
                             .args = json_object(),
                             .history = json_array() };
        BuildStage *from = stage_find(b, words[0]);
        if (from) {
                fresh.image_id = xstrdup(from->image_id);
                fresh.config = json_deep_copy(from->config);
                json_array_extend(fresh.history, from->history);
        } else {
                _cleanup_(image_freep) Image *img = NULL;
                _cleanup_json_ json_t *doc = NULL;
                if (from_image(b, words[0], &fresh.image_id, err) < 0 ||
                    image_lookup(b->e, fresh.image_id, &img, err) < 0 ||
                    image_config_load(b->e, img, &doc, err) < 0) {
                        free(fresh.name);
                        free(fresh.image_id);
                        json_decref(fresh.args);
                        json_decref(fresh.history);
                        return -1;
                }
                json_t *cfg = json_object_get(doc, "config");
                fresh.config = json_is_object(cfg) ? json_deep_copy(cfg) : json_object();
                json_t *h = json_object_get(doc, "history");
                if (json_is_array(h))
                        json_array_extend(fresh.history, h);
        }
        b->stages = xrealloc(b->stages, (b->n_stages + 1) * sizeof *b->stages);
        b->stages[b->n_stages++] = fresh;
        return 0;
}

/* ARG NAME[=default]: the build argument's value wins over the default;
 * before the first FROM they go to the global scope, which a stage's bare
 * ARG NAME brings in. */
static int step_arg(Build *b, BuildStage *s, const DockerfileInstruction *in, Error **err) {
        _cleanup_(strv_freep) char **words = NULL;
        if (dockerfile_words(in->args, true, s ? build_lookup : global_lookup,
                             s ? (void *)s : (void *)b->global_args, &words, err) < 0)
                return -1;
        for (char **w = words; *w; w++) {
                char *eq = strchr(*w, '=');
                _cleanup_free_ char *name = eq ? xstrndup(*w, (size_t)(eq - *w)) : xstrdup(*w);
                if (!*name)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "ARG: empty name in `%s`", *w);
                const char *given = json_string_value(json_object_get(b->opts->build_args, name));
                const char *global =
                        s ? json_string_value(json_object_get(b->global_args, name)) : NULL;
                const char *value = given ? given : eq ? eq + 1 : global;
                json_t *scope = s ? s->args : b->global_args;
                if (value)
                        json_object_set_new(scope, name, json_string(value));
        }
        if (s) {
                _cleanup_free_ char *h = xasprintf("/bin/sh -c #(nop) %s", in->text);
                history_add(s, h, true);
        }
        return 0;
}

/* ------------------------------------------------------------------ */
/* Metadata instructions.                                             */

/* "K=V K2=V2" pairs, or the old "K V" form of ENV and LABEL. */
static int pairs_apply(BuildStage *s, const DockerfileInstruction *in, bool env, Error **err) {
        _cleanup_(strv_freep) char **words = NULL;
        if (dockerfile_words(in->args, true, build_lookup, s, &words, err) < 0)
                return -1;
        if (words[0] && !strchr(words[0], '=')) {
                /* The old form: the rest of the line is the value. */
                const char *rest = in->args + strcspn(in->args, " \t");
                rest += strspn(rest, " \t");
                _cleanup_free_ char *value = NULL;
                if (!*rest)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s `%s` needs a value",
                                       in->keyword, words[0]);
                if (dockerfile_expand(rest, build_lookup, s, &value, err) < 0)
                        return -1;
                if (env)
                        config_env_set(s->config, words[0], value);
                else
                        json_object_set_new(object_child(s->config, "Labels"), words[0],
                                            json_string(value));
                return 0;
        }
        for (char **w = words; *w; w++) {
                char *eq = strchr(*w, '=');
                if (!eq || eq == *w)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s: `%s` is not KEY=VALUE",
                                       in->keyword, *w);
                _cleanup_free_ char *key = xstrndup(*w, (size_t)(eq - *w));
                if (env)
                        config_env_set(s->config, key, eq + 1);
                else
                        json_object_set_new(object_child(s->config, "Labels"), key,
                                            json_string(eq + 1));
        }
        return 0;
}

/* The words of a metadata instruction: the JSON form as it is, else the
 * shell form's words with substitutions. */
static int words_of(BuildStage *s, const DockerfileInstruction *in, char ***ret, Error **err) {
        if (!in->exec)
                return dockerfile_words(in->args, true, build_lookup, s, ret, err);
        size_t n = dockerfile_strv_length(in->exec);
        char **v = xnew0(char *, n + 1);
        for (size_t i = 0; i < n; i++)
                v[i] = xstrdup(in->exec[i]);
        *ret = v;
        return 0;
}

static int step_metadata(Build *b, BuildStage *s, const DockerfileInstruction *in, Error **err) {
        const char *k = in->keyword;
        json_t *cfg = s->config;
        _cleanup_(strv_freep) char **words = NULL;
        _cleanup_free_ char *value = NULL;
        if (STREQ(k, "ENV") || STREQ(k, "LABEL")) {
                if (pairs_apply(s, in, STREQ(k, "ENV"), err) < 0)
                        return -1;
        } else if (STREQ(k, "CMD")) {
                json_object_set_new(cfg, "Cmd", argv_json(in));
        } else if (STREQ(k, "ENTRYPOINT")) {
                json_object_set_new(cfg, "Entrypoint", argv_json(in));
                /* Docker: a new ENTRYPOINT resets the inherited CMD. */
                json_object_del(cfg, "Cmd");
        } else if (STREQ(k, "WORKDIR") || STREQ(k, "USER") || STREQ(k, "STOPSIGNAL")) {
                if (dockerfile_expand(in->args, build_lookup, s, &value, err) < 0)
                        return -1;
                if (STREQ(k, "WORKDIR")) {
                        /* Relative to the previous one. */
                        const char *prev = json_string_value(json_object_get(cfg, "WorkingDir"));
                        char *abs = value[0] == '/'
                                            ? xstrdup(value)
                                            : xasprintf("%s/%s", prev && *prev ? prev : "", value);
                        json_object_set_new(cfg, "WorkingDir", json_string(abs));
                        free(abs);
                } else
                        json_object_set_new(cfg, STREQ(k, "USER") ? "User" : "StopSignal",
                                            json_string(value));
        } else if (STREQ(k, "EXPOSE") || STREQ(k, "VOLUME")) {
                if (words_of(s, in, &words, err) < 0)
                        return -1;
                bool expose = STREQ(k, "EXPOSE");
                for (char **w = words; *w; w++) {
                        _cleanup_free_ char *key =
                                expose && !strchr(*w, '/') ? xasprintf("%s/tcp", *w) : xstrdup(*w);
                        json_object_set_new(object_child(cfg, expose ? "ExposedPorts" : "Volumes"),
                                            key, json_object());
                }
        } else if (STREQ(k, "MAINTAINER")) {
                /* Deprecated; only Docker's config has an author field. */
        } else if (STREQ(k, "ONBUILD")) {
                json_t *ob = json_object_get(cfg, "OnBuild");
                if (!json_is_array(ob)) {
                        ob = json_array();
                        json_object_set_new(cfg, "OnBuild", ob);
                }
                json_array_append_new(ob, json_string(in->args));
        } else {
                for (size_t i = 0; i < ELEMENTSOF(unsupported); i++)
                        if (STREQ(k, unsupported[i]))
                                build_log(b, "%s is not supported and was ignored", k);
        }
        _cleanup_free_ char *h = xasprintf("/bin/sh -c #(nop) %s", in->text);
        history_add(s, h, true);
        return 0;
}

/* ------------------------------------------------------------------ */

static int step_do(Build *b, const DockerfileInstruction *in, Error **err) {
        if (STREQ(in->keyword, "FROM"))
                return step_from(b, in, err);
        BuildStage *s = b->n_stages ? &b->stages[b->n_stages - 1] : NULL;
        if (STREQ(in->keyword, "ARG"))
                return step_arg(b, s, in, err);
        if (STREQ(in->keyword, "RUN"))
                return step_run(b, s, in, err);
        if (STREQ(in->keyword, "COPY") || STREQ(in->keyword, "ADD"))
                return build_copy(b, s, in, STREQ(in->keyword, "ADD"), err);
        return step_metadata(b, s, in, err);
}

static void build_clear(Build *b) {
        build_containers_remove(b);
        /* Newest first, so a failure half-way leaves a consistent stack. */
        for (size_t i = json_array_size(b->images); i-- > 0;) {
                _cleanup_error_ Error *ignored = NULL;
                (void)image_remove_intermediate(
                        b->e, json_string_value(json_array_get(b->images, i)), &ignored);
        }
        for (size_t i = 0; i < b->n_stages; i++) {
                free(b->stages[i].name);
                free(b->stages[i].image_id);
                json_decref(b->stages[i].config);
                json_decref(b->stages[i].history);
                json_decref(b->stages[i].args);
        }
        free(b->stages);
        json_decref(b->global_args);
        json_decref(b->images);
        json_decref(b->containers);
}

int build_run(Engine *e, const BuildOptions *opts, char **ret_id, Error **err) {
        _cleanup_(dockerfile_freep) Dockerfile *df = NULL;
        if (dockerfile_parse(opts->dockerfile, opts->dockerfile_len, &df, err) < 0)
                return -1;
        Build b = { .e = e,
                    .opts = opts,
                    .global_args = json_object(),
                    .images = json_array(),
                    .containers = json_array() };
        int r = 0;
        for (size_t i = 0; i < df->n && r == 0; i++) {
                const DockerfileInstruction *in = &df->items[i];
                b.step++;
                build_log(&b, "STEP %u: %s", b.step, in->text);
                r = b.cancelled ? err_set(err, ERR_BAD_STATE, 0,
                                          "build cancelled: the client went away")
                                : step_do(&b, in, err);
                build_containers_remove(&b);
                if (r < 0)
                        err_wrap(err, "error building at STEP \"%s\"", in->text);
        }
        char *id = NULL;
        if (r == 0 && (r = build_image_write(&b, &b.stages[b.n_stages - 1], &id, err)) == 0) {
                if (opts->tags && opts->tags[0])
                        build_log(&b, "COMMIT %s", opts->tags[0]);
                else
                        build_log(&b, "COMMIT");
                build_log(&b, "%s", id);
        }
        build_clear(&b);
        if (r < 0)
                return r;
        *ret_id = id;
        return 0;
}
