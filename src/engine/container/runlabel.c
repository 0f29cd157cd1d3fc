/* SPDX-License-Identifier: Apache-2.0 */
/* Runlabel (container-runlabel.h): the command of an image's label, built
 * as podman built it and run attached to our stdio. */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container-runlabel.h"
#include "json-util.h"
#include "shell-words.h"
#include "xalloc.h"

extern char **environ;

typedef struct Strv {
        char **v;
        size_t n, cap;
} Strv;

static void strv_push(Strv *s, char *owned) {
        xgrow((void **)&s->v, &s->cap, s->n + 2, sizeof *s->v);
        s->v[s->n++] = owned;
        s->v[s->n] = NULL;
}

ContainerRunlabel *container_runlabel_free(ContainerRunlabel *r) {
        if (!r)
                return NULL;
        shell_words_free(r->argv);
        shell_words_free(r->env);
        free(r);
        return NULL;
}

const char *container_runlabel_label_find(json_t *labels, const char *label) {
        json_t *exact = json_object_get(labels, label);
        if (json_is_string(exact))
                return json_string_value(exact);
        const char *key;
        json_t *value;
        json_object_foreach (labels, key, value)
                if (json_is_string(value) && strcasecmp(key, label) == 0)
                        return json_string_value(value);
        return NULL;
}

char *container_runlabel_base_name(const char *image_name) {
        const char *slash = strrchr(image_name, '/');
        const char *base = slash ? slash + 1 : image_name;
        size_t len = strcspn(base, "@:"); /* a tag or digest follows the last slash */
        return xstrndup(base, len);
}

char **container_runlabel_self_command(const EngineConfig *cfg) {
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
                return NULL;
        self[n] = '\0';
        /* Every flag that decides which store, runtime and network a nested
         * call uses; as the exit command does (container_exit_command). */
        const struct {
                const char *flag;
                const char *value;
        } flags[] = {
                { "root", cfg->root },
                { "runroot", cfg->runroot },
                { "storage-driver", cfg->storage_driver },
                { "runtime", cfg->runtime },
                { "cgroup-manager", cfg->cgroup_manager },
                { "cni-config-dir", cfg->cni_config_dir },
                { "conmon", cfg->conmon },
                { "tmpdir", cfg->tmpdir },
                { "namespace", cfg->namespace },
                { "hooks-dir", cfg->hooks_dir },
        };
        Strv argv = { 0 };
        strv_push(&argv, xstrdup(self));
        for (size_t i = 0; i < ELEMENTSOF(flags); i++)
                if (flags[i].value && *flags[i].value)
                        strv_push(&argv, xasprintf("--%s=%s", flags[i].flag, flags[i].value));
        for (char **o = cfg->storage_opts; o && *o; o++)
                strv_push(&argv, xasprintf("--storage-opt=%s", *o));
        return argv.v;
}

/* The argument with $OPTn and ${OPTn} replaced; other $ left alone. */
static char *opts_expand(const char *arg, const char *const opts[3]) {
        Strv parts = { 0 };
        size_t total = 0;
        const char *p = arg;
        while (*p) {
                const char *dollar = strchr(p, '$');
                if (!dollar)
                        break;
                const char *name = dollar + 1;
                bool braced = *name == '{';
                if (braced)
                        name++;
                size_t nl = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789_");
                bool closed = !braced || name[nl] == '}';
                int which = nl == 4 && STRPREFIX(name, "OPT") && name[3] >= '1' && name[3] <= '3'
                                    ? name[3] - '1'
                                    : -1;
                if (which < 0 || !closed) {
                        strv_push(&parts, xstrndup(p, (size_t)(dollar - p) + 1));
                        total += (size_t)(dollar - p) + 1;
                        p = dollar + 1;
                        continue;
                }
                strv_push(&parts, xstrndup(p, (size_t)(dollar - p)));
                strv_push(&parts, xstrdup(opts[which] ? opts[which] : ""));
                total += (size_t)(dollar - p) + strlen(parts.v[parts.n - 1]);
                p = name + nl + (braced ? 1 : 0);
        }
        char *out = xmalloc(total + strlen(p) + 1), *o = out;
        for (size_t i = 0; i < parts.n; i++)
                o = stpcpy(o, parts.v[i]);
        strcpy(o, p);
        shell_words_free(parts.v);
        return out;
}

/* IMAGE, NAME and their variants as podman's GenerateCommand replaced
 * them; NULL for any other argument. */
static char *arg_substitute(const char *arg, const char *image_name, const char *name) {
        if (STREQ(arg, "IMAGE") || STREQ(arg, "$IMAGE"))
                return xstrdup(image_name);
        if (STREQ(arg, "IMAGE=IMAGE") || STREQ(arg, "IMAGE=$IMAGE"))
                return xasprintf("IMAGE=%s", image_name);
        if (STREQ(arg, "NAME") || STREQ(arg, "$NAME"))
                return xstrdup(name);
        if (STREQ(arg, "NAME=NAME") || STREQ(arg, "NAME=$NAME"))
                return xasprintf("NAME=%s", name);
        return NULL;
}

static bool program_is_engine(const char *program) {
        const char *slash = strrchr(program, '/');
        return STREQ(program, "podman") || STREQ(slash ? slash + 1 : program, "docker");
}

int container_runlabel_build(const char *value, char *const *extra_args, const char *image_name,
                             const char *name, const char *const opts[3], char *const *self,
                             ContainerRunlabel **ret, Error **err) {
        _cleanup_free_ char *text = xstrdup(value);
        for (size_t i = 0; extra_args && extra_args[i]; i++) {
                char *longer = xasprintf("%s %s", text, extra_args[i]);
                free(text);
                text = longer;
        }
        _cleanup_(shell_words_freep) char **words = NULL;
        if (shell_words_split(text, &words, err) < 0)
                return err_wrap(err, "command of the label");
        if (!words[0])
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "the label holds no command");

        Strv argv = { 0 };
        if (program_is_engine(words[0]) && self && self[0])
                for (size_t i = 0; self[i]; i++)
                        strv_push(&argv, xstrdup(self[i]));
        else
                strv_push(&argv, xstrdup(words[0]));
        for (size_t i = 1; words[i]; i++) {
                char *arg = arg_substitute(words[i], image_name, name);
                strv_push(&argv, arg ? arg : opts_expand(words[i], opts));
        }

        Strv env = { 0 };
        strv_push(&env, xasprintf("NAME=%s", name));
        strv_push(&env, xasprintf("IMAGE=%s", image_name));
        for (int i = 0; i < 3; i++)
                if (opts[i] && *opts[i])
                        strv_push(&env, xasprintf("OPT%d=%s", i + 1, opts[i]));
        strv_push(&env, xstrdup("PODMAN_RUNLABEL_NESTED=1"));

        ContainerRunlabel *r = xnew0(ContainerRunlabel, 1);
        r->argv = argv.v;
        r->env = env.v;
        *ret = r;
        return 0;
}

/* The image, pulled first when asked and missing. */
static int runlabel_image_get(Engine *e, const ContainerRunlabelOptions *o, Image **ret,
                              Error **err) {
        const char *image = o->image ? o->image : "";
        _cleanup_error_ Error *local = NULL;
        if (image_lookup(e, image, ret, &local) == 0)
                return 0;
        if (!o->pull || local->kind != ERR_IMAGE_NOT_FOUND) {
                err_propagate(err, TAKE_PTR(local));
                return err_wrap(err, "unable to find image");
        }
        ImagePullOptions none = { 0 };
        _cleanup_free_ char *id = NULL;
        if (image_pull(e, image, o->pull_options ? o->pull_options : &none, &id, err) < 0 ||
            image_lookup(e, id, ret, err) < 0)
                return err_wrap(err, "unable to find image");
        return 0;
}

int container_runlabel_prepare(Engine *e, const ContainerRunlabelOptions *o,
                               ContainerRunlabel **ret, Error **err) {
        const char *label = o->label ? o->label : "";
        _cleanup_(image_freep) Image *img = NULL;
        if (runlabel_image_get(e, o, &img, err) < 0)
                return -1;
        _cleanup_json_ json_t *labels = img->labels ? json_loads(img->labels, 0, NULL) : NULL;
        const char *value = container_runlabel_label_find(labels, label);
        if (!value || !*value)
                return err_set(err, ERR_NOT_FOUND, 0,
                               "cannot find the value of label: %s in image: %s", label,
                               o->image ? o->image : "");
        const char *image_name = img->names && img->names[0] ? img->names[0] : img->id;
        _cleanup_free_ char *base = container_runlabel_base_name(image_name);
        const char *name = o->name && *o->name ? o->name : base;
        char **self = container_runlabel_self_command(engine_config(e));
        if (!self)
                return err_set(err, ERR_SYSTEM, errno, "read /proc/self/exe");
        int r = container_runlabel_build(value, o->extra_args, image_name, name, o->opts, self, ret,
                                         err);
        shell_words_free(self);
        return r < 0 ? err_wrap(err, "label %s of %s", label, image_name) : 0;
}

/* Our environment without the variables the command gets its own values
 * of, then those (exec would take the first of two). Borrows the strings. */
static char **runlabel_env(char *const *add) {
        Strv env = { 0 };
        for (char **v = environ; v && *v; v++) {
                bool replaced = false;
                for (size_t i = 0; add[i] && !replaced; i++) {
                        size_t klen = strcspn(add[i], "=") + 1;
                        replaced = strncmp(*v, add[i], klen) == 0;
                }
                if (!replaced)
                        strv_push(&env, *v);
        }
        for (size_t i = 0; add[i]; i++)
                strv_push(&env, add[i]);
        return env.v;
}

int container_runlabel_run(const ContainerRunlabel *r, Error **err) {
        _cleanup_free_ char **envp = runlabel_env(r->env);
        /* posix_spawn, not fork: the service has other threads, and the
         * child must not inherit its blocked or ignored signals (SIGPIPE). */
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t all, none;
        sigfillset(&all);
        sigemptyset(&none);
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
        pid_t pid;
        int e = posix_spawnp(&pid, r->argv[0], NULL, &attr, r->argv, envp);
        posix_spawnattr_destroy(&attr);
        if (e != 0)
                return err_set(err, ERR_SYSTEM, e, "run `%s`", r->argv[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return err_set(err, ERR_SYSTEM, errno, "wait for `%s`", r->argv[0]);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (WIFEXITED(status))
                return err_set(err, ERR_RUNTIME, 0, "`%s`: exit status %d", r->argv[0],
                               WEXITSTATUS(status));
        const char *sig = WIFSIGNALED(status) ? sigdescr_np(WTERMSIG(status)) : NULL;
        return err_set(err, ERR_RUNTIME, 0, "`%s`: signal: %s", r->argv[0], sig ? sig : "unknown");
}
