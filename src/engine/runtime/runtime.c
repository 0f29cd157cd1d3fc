/* SPDX-License-Identifier: Apache-2.0 */
/* Choosing the OCI runtime, and the lifecycle calls that are one runtime
 * invocation each (start, state, kill, pause, resume, delete). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "json-util.h"
#include "runtime-private.h"
#include "xalloc.h"

/* Where distributions put runtimes and conmon; $PATH is searched first,
 * but a service started with a minimal PATH must still find /usr/sbin/runc. */
static const char *const search_dirs[] = {
        "/usr/local/bin",
        "/usr/local/sbin",
        "/usr/bin",
        "/usr/sbin",
        "/bin",
        "/sbin",
        "/usr/libexec/podman",
        "/usr/local/libexec/podman",
        "/usr/lib/podman",
};

static char *binary_find(const char *name) {
        const char *env = getenv("PATH");
        if (env) {
                _cleanup_free_ char *copy = xstrdup(env);
                char *save = NULL;
                for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                        if (d[0] != '/')
                                continue; /* a relative PATH entry would depend on our cwd */
                        char *p = xasprintf("%s/%s", d, name);
                        if (access(p, X_OK) == 0)
                                return p;
                        free(p);
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(search_dirs); i++) {
                char *p = xasprintf("%s/%s", search_dirs[i], name);
                if (access(p, X_OK) == 0)
                        return p;
                free(p);
        }
        return NULL;
}

/* Output of `BINARY --version`, trimmed; NULL when it cannot be run. */
static char *version_read(const char *path) {
        const char *argv[] = { path, "--version", NULL };
        int out_pipe[2];
        if (pipe2(out_pipe, O_CLOEXEC) < 0)
                return NULL;
        int fds[3] = { -1, out_pipe[1], -1 };
        pid_t pid;
        int r = runtime_spawn(path, (char *const *)argv, NULL, fds, 3, NULL, false, &pid, NULL);
        close(out_pipe[1]);
        if (r < 0) {
                close(out_pipe[0]);
                return NULL;
        }
        char buf[4096];
        size_t len = 0;
        for (;;) {
                ssize_t n = read(out_pipe[0], buf + len, sizeof buf - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
                if (len == sizeof buf - 1)
                        break;
        }
        close(out_pipe[0]);
        int status;
        runtime_child_reap(pid, &status);
        buf[len] = '\0';
        runtime_strip(buf);
        return len > 0 ? xstrdup(buf) : NULL;
}

bool runtime_crun_is_usable(char **ret_reason) {
        RuntimeCgroupMode mode;
        if (runtime_cgroup_mode(&mode, NULL) < 0 || mode != RUNTIME_CGROUP_HYBRID)
                return true;
        /* crun 1.8 (libcrun_cgroup_enter) accepts hybrid mode only when the
         * cgroup2 hierarchy has no controllers, and tests that by the raw
         * length of cgroup.controllers; so do we, to agree with it exactly. */
        _cleanup_free_ char *controllers = NULL;
        size_t len = 0;
        if (runtime_file_read("/sys/fs/cgroup/unified/cgroup.controllers", 4096, &controllers, &len,
                              NULL) < 0 ||
            len == 0)
                return true;
        if (ret_reason)
                *ret_reason = xstrdup("cgroup v1/v2 hybrid");
        return false;
}

Runtime *runtime_free(Runtime *rt) {
        if (!rt)
                return NULL;
        free(rt->name);
        free(rt->path);
        free(rt->version);
        free(rt->version_line);
        free(rt->fallback_reason);
        free(rt->state_dir);
        free(rt->conmon_path);
        free(rt->conmon_version);
        pthread_mutex_destroy(&rt->versions_lock);
        free(rt);
        return NULL;
}

static bool is_crun(const char *name) { return STRPREFIX(name, "crun"); }

int runtime_open(const char *configured, Runtime **ret, Error **err) {
        _cleanup_(runtime_freep) Runtime *rt = xnew0(Runtime, 1);
        pthread_mutex_init(&rt->versions_lock, NULL);
        _cleanup_free_ char *reason = NULL;
        const char *wanted = configured && *configured ? configured : "crun";

        if (strchr(wanted, '/')) {
                if (access(wanted, X_OK) < 0)
                        return err_set(err, ERR_NOT_FOUND, errno, "OCI runtime `%s`", wanted);
                rt->path = xstrdup(wanted);
                const char *base = strrchr(wanted, '/') + 1;
                rt->name = xstrdup(*base ? base : wanted);
        } else if (STREQ(wanted, "runc") || STREQ(wanted, "crun")) {
                rt->path = binary_find(wanted);
                rt->name = xstrdup(wanted);
                if (!rt->path) {
                        const char *other = STREQ(wanted, "runc") ? "crun" : "runc";
                        reason = xasprintf("%s not found; using %s", wanted, other);
                        free(rt->name);
                        rt->name = xstrdup(other);
                        rt->path = binary_find(other);
                        if (!rt->path)
                                return err_set(err, ERR_NOT_FOUND, 0,
                                               "no OCI runtime found (looked for runc and crun)");
                }
        } else
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "OCI runtime `%s`: expected runc, crun or a path", wanted);

        _cleanup_free_ char *why = NULL;
        if (is_crun(rt->name) && !runtime_crun_is_usable(&why)) {
                _cleanup_free_ char *runc = binary_find("runc");
                if (!runc)
                        return err_set(err, ERR_NOT_SUPPORTED, 0,
                                       "crun cannot run containers on this host (%s) and runc "
                                       "is not installed",
                                       why);
                free(reason);
                reason = xasprintf("%s cannot run containers on this host (%s); using runc",
                                   rt->name, why);
                free(rt->name);
                free(rt->path);
                rt->name = xstrdup("runc");
                rt->path = TAKE_PTR(runc);
        }
        rt->fallback_reason = TAKE_PTR(reason);
        rt->conmon_path = binary_find("conmon");
        *ret = TAKE_PTR(rt);
        return 0;
}

void runtime_state_dir_set(Runtime *rt, const char *dir) {
        free(rt->state_dir);
        rt->state_dir = dir ? xstrdup(dir) : NULL;
}

const char *runtime_name(const Runtime *rt) { return rt->name; }
const char *runtime_path(const Runtime *rt) { return rt->path; }
static Runtime *versions(const Runtime *const_rt) {
        Runtime *rt = (Runtime *)const_rt; /* a cache: logically const */
        pthread_mutex_lock(&rt->versions_lock);
        if (!rt->versions_done) {
                rt->version = version_read(rt->path);
                if (!rt->version)
                        rt->version = xasprintf("%s (`%s --version` failed)", rt->name, rt->path);
                rt->version_line = xstrndup(rt->version, strcspn(rt->version, "\n"));
                if (rt->conmon_path)
                        rt->conmon_version = version_read(rt->conmon_path);
                rt->versions_done = true;
        }
        pthread_mutex_unlock(&rt->versions_lock);
        return rt;
}

const char *runtime_version(const Runtime *rt) { return versions(rt)->version; }
const char *runtime_version_line(const Runtime *rt) { return versions(rt)->version_line; }
const char *runtime_fallback_reason(const Runtime *rt) { return rt->fallback_reason; }
const char *runtime_state_dir(const Runtime *rt) { return rt->state_dir; }
const char *runtime_conmon_path(const Runtime *rt) { return rt->conmon_path; }
const char *runtime_conmon_version(const Runtime *rt) { return versions(rt)->conmon_version; }

const char *runtime_status_name(RuntimeStatus s) {
        static const char *const names[] = {
                [RUNTIME_STATUS_UNKNOWN] = "unknown", [RUNTIME_STATUS_CREATING] = "creating",
                [RUNTIME_STATUS_CREATED] = "created", [RUNTIME_STATUS_RUNNING] = "running",
                [RUNTIME_STATUS_PAUSED] = "paused",   [RUNTIME_STATUS_STOPPED] = "stopped",
        };
        return (unsigned)s < ELEMENTSOF(names) ? names[s] : "unknown";
}

static RuntimeStatus status_parse(const char *s) {
        for (RuntimeStatus i = RUNTIME_STATUS_CREATING; i <= RUNTIME_STATUS_STOPPED; i++)
                if (STREQ(s, runtime_status_name(i)))
                        return i;
        return RUNTIME_STATUS_UNKNOWN;
}

static int check_id(const char *id, Error **err) {
        /* An ID starting with '-' would be read as an option. */
        if (!id || !*id || id[0] == '-' || strchr(id, '/'))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "container ID `%s`", id ? id : "");
        return 0;
}

/* runc says "container does not exist"; crun cannot open its status file. */
static bool message_is_unknown_container(const char *m) {
        return strstr(m, "does not exist") || strstr(m, "No such file or directory") ||
               strstr(m, "not found");
}

int runtime_start(const Runtime *rt, const char *id, Error **err) {
        if (check_id(id, err) < 0)
                return -1;
        const char *args[] = { "start", id, NULL };
        return runtime_exec(rt, args, NULL, err);
}

int runtime_state(const Runtime *rt, const char *id, RuntimeState *ret, Error **err) {
        if (check_id(id, err) < 0)
                return -1;
        const char *args[] = { "state", id, NULL };
        _cleanup_free_ char *out = NULL;
        Error *e = NULL;
        if (runtime_exec(rt, args, &out, &e) < 0) {
                if (e->kind == ERR_RUNTIME && message_is_unknown_container(e->message))
                        e->kind = ERR_NOT_FOUND;
                return err_propagate(err, e);
        }
        json_error_t jerr;
        _cleanup_json_ json_t *j = json_loads(out, 0, &jerr);
        const char *status = json_string_value(json_object_get(j, "status"));
        if (!status)
                return err_set(err, ERR_PROTOCOL, 0, "%s state `%s`: unexpected output: %.200s",
                               rt->name, id, out);
        RuntimeState s = {
                .status = status_parse(status),
                .pid = (pid_t)json_integer_value(json_object_get(j, "pid")),
        };
        if (s.status == RUNTIME_STATUS_STOPPED)
                s.pid = 0;
        *ret = s;
        return 0;
}

int runtime_kill(const Runtime *rt, const char *id, int sig, bool all, Error **err) {
        if (check_id(id, err) < 0)
                return -1;
        if (sig <= 0 || sig >= NSIG)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "signal %d", sig);
        char signum[16];
        snprintf(signum, sizeof signum, "%d", sig);
        const char *args_all[] = { "kill", "--all", id, signum, NULL };
        const char *args_one[] = { "kill", id, signum, NULL };
        Error *e = NULL;
        if (runtime_exec(rt, all ? args_all : args_one, NULL, &e) < 0) {
                /* The process may have exited between the caller's check and
                 * now; that is a state question, not a runtime failure. */
                if (strstr(e->message, "not running") || strstr(e->message, "already finished") ||
                    strstr(e->message, "container is stopped"))
                        e->kind = ERR_BAD_STATE;
                return err_propagate(err, e);
        }
        return 0;
}

int runtime_pause(const Runtime *rt, const char *id, Error **err) {
        if (check_id(id, err) < 0)
                return -1;
        const char *args[] = { "pause", id, NULL };
        return runtime_exec(rt, args, NULL, err);
}

int runtime_resume(const Runtime *rt, const char *id, Error **err) {
        if (check_id(id, err) < 0)
                return -1;
        const char *args[] = { "resume", id, NULL };
        return runtime_exec(rt, args, NULL, err);
}

int runtime_delete(const Runtime *rt, const char *id, bool force, Error **err) {
        if (check_id(id, err) < 0)
                return -1;
        /* runc and crun keep a container's state in ROOT/ID: without it
         * there is nothing to delete, and no runtime to start for that
         * (every teardown of an exited container used to run one). */
        if (rt->state_dir) {
                _cleanup_free_ char *state = xasprintf("%s/%s", rt->state_dir, id);
                if (access(state, F_OK) < 0 && errno == ENOENT)
                        return 0;
        }
        const char *args_force[] = { "delete", "--force", id, NULL };
        const char *args[] = { "delete", id, NULL };
        Error *e = NULL;
        if (runtime_exec(rt, force ? args_force : args, NULL, &e) < 0) {
                if (message_is_unknown_container(e->message)) {
                        err_free(e);
                        return 0;
                }
                return err_propagate(err, e);
        }
        return 0;
}
