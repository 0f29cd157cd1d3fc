/* SPDX-License-Identifier: Apache-2.0 */
/* Starting a container under conmon, and the files conmon leaves for us:
 * the exit file, the ctl FIFO, the attach socket's path.
 *
 * The handshake (conmon's src/conmon.c, cli.c, parent_pipe_fd.c):
 *  1. We start conmon with _OCI_SYNCPIPE=3 (it writes to us) and
 *     _OCI_STARTPIPE=4 (we write to it) in its environment.
 *  2. conmon parses its options, then blocks reading the start pipe: that
 *     is the moment podman moves it into a cgroup of its own. We write one
 *     byte and close our end.
 *  3. conmon forks; the parent writes the daemon's PID to --conmon-pidfile
 *     and exits at once. That parent is our only child, reaped right away:
 *     the daemon is reparented to init, detached from us (it calls setsid),
 *     so the container outlives the engine and we never have to reap it.
 *  4. The daemon binds SOCKETDIR/CUUID/attach (SOCKETDIR/CUUID is a symlink
 *     to the bundle, which keeps the socket path short), makes BUNDLE/ctl
 *     and BUNDLE/winsz, and runs `RUNTIME [runtime args] create --bundle B
 *     --pid-file P ID` with the container's stdio on its pipes.
 *  5. On success it writes {"data": PID}\n on the sync pipe (api-version 1
 *     says "data"; older conmon said "pid"); when the runtime fails it
 *     writes {"data": -1, "message": "<runtime's stderr>"}\n and exits, and
 *     when the runtime failed silently it just exits (we see EOF).
 *  6. When the container exits, conmon writes EXITDIR/ID (the exit code,
 *     128+N after signal N), runs the exit command after --exit-delay
 *     seconds, waits for it, removes the SOCKETDIR/CUUID link and exits. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "json-util.h"
#include "runtime-private.h"
#include "xalloc.h"

extern char **environ;

/* A growing NULL-terminated vector of owned strings. */
typedef struct Strv {
        char **v;
        size_t n, cap;
} Strv;

static void strv_add(Strv *s, char *owned) {
        xgrow((void **)&s->v, &s->cap, s->n + 2, sizeof(char *));
        s->v[s->n++] = owned;
        s->v[s->n] = NULL;
}

static void strv_clear(Strv *s) {
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
        *s = (Strv){ 0 };
}

static int64_t monotonic_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *runtime_attach_socket_path(const char *socket_dir, const char *id) {
        return xasprintf("%s/%s/attach", socket_dir, id);
}

char *runtime_ctl_path(const char *bundle_dir) { return xasprintf("%s/ctl", bundle_dir); }

static char *exit_file_path(const char *exit_dir, const char *id) {
        return xasprintf("%s/%s", exit_dir, id);
}

static int unlink_stale(const char *path, Error **err) {
        if (unlink(path) < 0 && errno != ENOENT)
                return err_set(err, ERR_SYSTEM, errno, "remove stale `%s`", path);
        return 0;
}

static int options_check(const Runtime *rt, const RuntimeCreateOptions *o, Error **err) {
        if (!rt->conmon_path)
                return err_set(err, ERR_NOT_SUPPORTED, 0, "conmon is not installed");
        if (!o->id || !*o->id || o->id[0] == '-' || strchr(o->id, '/'))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "container ID `%s`",
                               o->id ? o->id : "");
        /* conmon links SOCKETDIR/ID to the bundle path verbatim, and runs the
         * runtime from the bundle: relative paths would point elsewhere. */
        const struct {
                const char *what, *path;
        } paths[] = {
                { "bundle dir", o->bundle_dir }, { "log path", o->log_path },
                { "exit dir", o->exit_dir },     { "socket dir", o->socket_dir },
                { "pid file", o->pid_file },     { "conmon pid file", o->conmon_pid_file },
        };
        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                if (!paths[i].path || paths[i].path[0] != '/')
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s `%s` is not absolute",
                                       paths[i].what, paths[i].path ? paths[i].path : "");
        if (o->exit_command && (!o->exit_command[0] || o->exit_command[0][0] != '/'))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "exit command must start with an absolute path");
        _cleanup_free_ char *sock = runtime_attach_socket_path(o->socket_dir, o->id);
        if (strlen(sock) > RUNTIME_SOCKET_PATH_MAX)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "attach socket `%s` would be %zu bytes, more than the %d a unix "
                               "socket path can hold; use a shorter socket dir",
                               sock, strlen(sock), RUNTIME_SOCKET_PATH_MAX);
        return 0;
}

static void conmon_argv_build(const Runtime *rt, const RuntimeCreateOptions *o, Strv *a) {
        strv_add(a, xstrdup(rt->conmon_path));
        /* A flag without value in conmon (G_OPTION_ARG_NONE): podman's
         * trailing "1" is just ignored by it. */
        strv_add(a, xstrdup("--api-version"));
        strv_add(a, xasprintf("--cid=%s", o->id));
        strv_add(a, xasprintf("--cuuid=%s", o->id));
        strv_add(a, xasprintf("--name=%s", o->name ? o->name : o->id));
        strv_add(a, xasprintf("--runtime=%s", rt->path));
        strv_add(a, xasprintf("--bundle=%s", o->bundle_dir));
        strv_add(a, xasprintf("--container-pidfile=%s", o->pid_file));
        strv_add(a, xasprintf("--conmon-pidfile=%s", o->conmon_pid_file));
        strv_add(a, xasprintf("--exit-dir=%s", o->exit_dir));
        strv_add(a, xasprintf("--socket-dir-path=%s", o->socket_dir));
        strv_add(a, xasprintf("--log-path=k8s-file:%s", o->log_path));
        if (o->log_size_max > 0)
                strv_add(a, xasprintf("--log-size-max=%lld", (long long)o->log_size_max));
        if (o->log_level)
                strv_add(a, xasprintf("--log-level=%s", o->log_level));
        /* The same global options as runtime_exec uses, so the container is
         * created in the state dir where start/kill/delete will look, and the
         * runtime's stderr (which conmon relays to us) is JSON. The "=" form
         * keeps glib from mistaking a value for an option of conmon. */
        if (rt->state_dir)
                strv_add(a, xasprintf("--runtime-arg=--root=%s", rt->state_dir));
        strv_add(a, xstrdup("--runtime-arg=--log-format=json"));
        for (size_t i = 0; o->runtime_args && o->runtime_args[i]; i++)
                strv_add(a, xasprintf("--runtime-arg=%s", o->runtime_args[i]));
        if (o->terminal)
                strv_add(a, xstrdup("--terminal"));
        if (o->interactive)
                strv_add(a, xstrdup("--stdin"));
        if (o->interactive && o->leave_stdin_open)
                strv_add(a, xstrdup("--leave-stdin-open"));
        if (o->no_pivot)
                strv_add(a, xstrdup("--no-pivot"));
        if (o->exit_command) {
                strv_add(a, xasprintf("--exit-command=%s", o->exit_command[0]));
                for (size_t i = 1; o->exit_command[i]; i++)
                        strv_add(a, xasprintf("--exit-command-arg=%s", o->exit_command[i]));
                if (o->exit_delay > 0)
                        strv_add(a, xasprintf("--exit-delay=%d", o->exit_delay));
        }
}

/* Our environment without what must not leak into conmon and from it into
 * the runtime and the container: socket activation of the service
 * (LISTEN_*, NOTIFY_SOCKET) and stale pipe numbers (_OCI_*). */
static void conmon_envp_build(Strv *e) {
        for (char **p = environ; p && *p; p++) {
                if (STRPREFIX(*p, "LISTEN_") || STRPREFIX(*p, "NOTIFY_SOCKET=") ||
                    STRPREFIX(*p, "_OCI_"))
                        continue;
                strv_add(e, xstrdup(*p));
        }
        strv_add(e, xstrdup("_OCI_SYNCPIPE=3"));
        strv_add(e, xstrdup("_OCI_STARTPIPE=4"));
}

/* What is available on a pipe within timeout_ms (or until EOF). */
static char *pipe_collect(int fd, int timeout_ms) {
        char *buf = xstrdup("");
        size_t len = 0, cap = 1;
        int64_t deadline = monotonic_ms() + timeout_ms;
        for (;;) {
                int64_t left = deadline - monotonic_ms();
                struct pollfd p = { .fd = fd, .events = POLLIN };
                if (left <= 0 || poll(&p, 1, (int)left) <= 0)
                        break;
                char chunk[1024];
                ssize_t n = read(fd, chunk, sizeof chunk);
                if (n <= 0 || len + (size_t)n > 16384)
                        break;
                xgrow((void **)&buf, &cap, len + (size_t)n + 1, 1);
                memcpy(buf + len, chunk, (size_t)n);
                len += (size_t)n;
                buf[len] = '\0';
        }
        return runtime_strip(buf);
}

typedef enum SyncResult {
        SYNC_OK,      /* *ret_data and *ret_message set */
        SYNC_EOF,     /* conmon closed the pipe without a message */
        SYNC_TIMEOUT, /* nothing before the deadline */
        SYNC_GARBAGE, /* a line that is not conmon's JSON */
} SyncResult;

/* Reads one line of conmon's sync pipe. */
static SyncResult sync_read(int fd, int timeout_ms, long long *ret_data, char **ret_message,
                            char **ret_line) {
        char buf[16384];
        size_t len = 0;
        int64_t deadline = monotonic_ms() + timeout_ms;
        while (!memchr(buf, '\n', len)) {
                int64_t left = deadline - monotonic_ms();
                if (left <= 0)
                        return SYNC_TIMEOUT;
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int r = poll(&p, 1, (int)left);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return r == 0 ? SYNC_TIMEOUT : SYNC_EOF;
                ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return SYNC_EOF;
                len += (size_t)n;
                if (len == sizeof buf - 1)
                        break;
        }
        buf[len] = '\0';
        *ret_line = xstrdup(runtime_strip(buf));
        _cleanup_json_ json_t *j = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
        json_t *data = json_object_get(j, "data");
        if (!data)
                data = json_object_get(j, "pid");
        if (!json_is_integer(data))
                return SYNC_GARBAGE;
        *ret_data = json_integer_value(data);
        const char *m = json_string_value(json_object_get(j, "message"));
        *ret_message = m ? xstrdup(m) : NULL;
        return SYNC_OK;
}

static pid_t pid_file_read(const char *path) {
        _cleanup_free_ char *text = NULL;
        if (runtime_file_read(path, 64, &text, NULL, NULL) < 0)
                return 0;
        long v = strtol(text, NULL, 10);
        return v > 0 && v <= INT_MAX ? (pid_t)v : 0;
}

/* After a failed create: conmon is gone or going, but the runtime may have
 * registered the container (and made its cgroup) before failing. */
static void create_undo(const Runtime *rt, const RuntimeCreateOptions *o, bool kill_conmon) {
        if (kill_conmon) {
                pid_t cpid = pid_file_read(o->conmon_pid_file);
                if (cpid > 0 && runtime_conmon_is_alive(cpid))
                        kill(cpid, SIGKILL);
        }
        Error *e = NULL;
        if (runtime_delete(rt, o->id, true, &e) < 0)
                err_free(e);
}

int runtime_create(const Runtime *rt, const RuntimeCreateOptions *o, RuntimeContainer *ret,
                   Error **err) {
        if (options_check(rt, o, err) < 0)
                return -1;
        if (runtime_mkdir_p(o->exit_dir, 0700, err) < 0 ||
            runtime_mkdir_p(o->socket_dir, 0700, err) < 0)
                return err_wrap(err, "create `%s`", o->id);

        /* Files of an earlier run of the same container would be taken for
         * this run's: an old exit file means "already exited". */
        _cleanup_free_ char *exit_file = exit_file_path(o->exit_dir, o->id);
        if (unlink_stale(exit_file, err) < 0 || unlink_stale(o->pid_file, err) < 0 ||
            unlink_stale(o->conmon_pid_file, err) < 0)
                return err_wrap(err, "create `%s`", o->id);

        _cleanup_(strv_clear) Strv argv = { 0 };
        _cleanup_(strv_clear) Strv envp = { 0 };
        conmon_argv_build(rt, o, &argv);
        conmon_envp_build(&envp);

        int sync_pipe[2], start_pipe[2], err_pipe[2];
        if (pipe2(sync_pipe, O_CLOEXEC) < 0)
                return err_set(err, ERR_SYSTEM, errno, "pipe");
        if (pipe2(start_pipe, O_CLOEXEC) < 0) {
                int e = errno;
                close(sync_pipe[0]);
                close(sync_pipe[1]);
                return err_set(err, ERR_SYSTEM, e, "pipe");
        }
        if (pipe2(err_pipe, O_CLOEXEC) < 0) {
                int e = errno;
                close(sync_pipe[0]);
                close(sync_pipe[1]);
                close(start_pipe[0]);
                close(start_pipe[1]);
                return err_set(err, ERR_SYSTEM, e, "pipe");
        }
        _cleanup_close_ int sync_r = sync_pipe[0], start_w = start_pipe[1], err_r = err_pipe[0];
        /* conmon's stdout is /dev/null; its stderr carries its own early
         * complaints (bad options) until the daemon detaches from it. */
        int fds[5] = { -1, -1, err_pipe[1], sync_pipe[1], start_pipe[0] };
        pid_t pid;
        int r = runtime_spawn(rt->conmon_path, argv.v, envp.v, fds, 5, o->bundle_dir, true, &pid,
                              err);
        close(sync_pipe[1]);
        close(start_pipe[0]);
        close(err_pipe[1]);
        if (r < 0)
                return err_wrap(err, "create `%s`: start conmon", o->id);

        /* Step 2: podman moves conmon to its cgroup here; varpod leaves it
         * in the caller's and just lets it go on. A conmon that died early
         * makes this write fail with EPIPE, which its exit status explains. */
        (void)!write(start_w, "0", 1);
        close(TAKE_FD(start_w));

        /* Step 3: the first conmon process exits once the daemon is forked
         * and its PID written. */
        int status;
        runtime_child_reap(pid, &status);
        if (status != -1 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
                _cleanup_free_ char *text = pipe_collect(err_r, 1000);
                return err_set(err, ERR_RUNTIME, 0, "create `%s`: conmon failed: %s", o->id,
                               *text ? text : "no message");
        }

        int timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : RUNTIME_CREATE_TIMEOUT_DEFAULT_MS;
        long long data = 0;
        _cleanup_free_ char *message = NULL, *line = NULL;
        SyncResult sr = sync_read(sync_r, timeout_ms, &data, &message, &line);
        switch (sr) {
        case SYNC_TIMEOUT:
                create_undo(rt, o, true);
                return err_set(err, ERR_TIMEOUT, 0,
                               "create `%s`: conmon did not report within %d ms", o->id,
                               timeout_ms);
        case SYNC_GARBAGE:
                create_undo(rt, o, true);
                return err_set(err, ERR_PROTOCOL, 0, "create `%s`: conmon sent `%.200s`", o->id,
                               line);
        case SYNC_EOF: {
                _cleanup_free_ char *text = pipe_collect(err_r, 200);
                create_undo(rt, o, false);
                return err_set(err, ERR_RUNTIME, 0,
                               "create `%s`: conmon exited without a container PID%s%s", o->id,
                               *text ? ": " : "", text);
        }
        case SYNC_OK:
                break;
        }
        if (data <= 0) {
                _cleanup_free_ char *msg = runtime_message_extract(message);
                create_undo(rt, o, false);
                return err_set(err, ERR_RUNTIME, 0, "%s create: %s", rt->name,
                               msg ? msg : "failed without a message");
        }

        RuntimeContainer c = { .pid = (pid_t)data,
                               .conmon_pid = pid_file_read(o->conmon_pid_file) };
        if (c.conmon_pid <= 0) {
                create_undo(rt, o, false);
                return err_set(err, ERR_RUNTIME, 0, "create `%s`: conmon wrote no PID to `%s`",
                               o->id, o->conmon_pid_file);
        }
        *ret = c;
        return 0;
}

int runtime_tty_resize(const char *bundle_dir, unsigned rows, unsigned cols, Error **err) {
        if (rows > 0xffff || cols > 0xffff)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "terminal size %ux%u", rows, cols);
        _cleanup_free_ char *path = runtime_ctl_path(bundle_dir);
        /* Non-blocking: opening a FIFO nobody reads would otherwise wait
         * forever; ENXIO then says conmon is gone. */
        _cleanup_close_ int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENXIO)
                        return err_set(err, ERR_BAD_STATE, 0, "no conmon reads `%s`", path);
                return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                               "open `%s`", path);
        }
        char line[64];
        int n = snprintf(line, sizeof line, "1 %u %u\n", rows, cols);
        if (write(fd, line, (size_t)n) != n)
                return err_set(err, ERR_SYSTEM, errno, "write `%s`", path);
        return 0;
}

bool runtime_conmon_is_alive(pid_t pid) {
        if (pid <= 0)
                return false;
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        _cleanup_free_ char *stat = NULL;
        if (runtime_file_read(path, 4096, &stat, NULL, NULL) < 0)
                return false;
        const char *open_paren = strchr(stat, '(');
        const char *close_paren = strrchr(stat, ')');
        if (!open_paren || !close_paren || close_paren[1] != ' ')
                return false;
        if ((size_t)(close_paren - open_paren - 1) != strlen("conmon") ||
            strncmp(open_paren + 1, "conmon", 6) != 0)
                return false;
        char state = close_paren[2];
        return state != 'Z' && state != 'X';
}

int runtime_exit_file_read(const char *exit_dir, const char *id, int *ret_code,
                           int64_t *ret_time_ns, Error **err) {
        _cleanup_free_ char *path = exit_file_path(exit_dir, id);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                               "exit file `%s`", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return err_set(err, ERR_SYSTEM, errno, "stat `%s`", path);
        char buf[64];
        ssize_t n = read(fd, buf, sizeof buf - 1);
        if (n < 0)
                return err_set(err, ERR_SYSTEM, errno, "read `%s`", path);
        buf[n] = '\0';
        runtime_strip(buf);
        char *end;
        errno = 0;
        long code = strtol(buf, &end, 10);
        /* conmon writes the file whole (g_file_set_contents renames a
         * temporary), so an empty or odd file is not a race but damage. */
        if (errno || end == buf || *end || code < INT_MIN || code > INT_MAX)
                return err_set(err, ERR_PROTOCOL, 0, "exit file `%s`: `%s`", path, buf);
        if (ret_code)
                *ret_code = (int)code;
        if (ret_time_ns)
                *ret_time_ns = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
        return 0;
}

/* An inotify watch for files appearing in dir, or -1 (then callers poll). */
static int exit_dir_watch(const char *dir) {
        int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd >= 0 && inotify_add_watch(fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
                close(fd);
                fd = -1;
        }
        return fd;
}

int runtime_exit_file_wait(const char *exit_dir, const char *id, int timeout_ms, int *ret_code,
                           int64_t *ret_time_ns, Error **err) {
        int64_t deadline = monotonic_ms() + timeout_ms;
        /* Woken by the rename that publishes the file: polling every 20 ms
         * added 10 ms on average to every wait (and to `run --rm`). The
         * watch exists before each look, so no appearance is missed; a
         * bounded poll remains for when inotify is not to be had. */
        _cleanup_close_ int watch = exit_dir_watch(exit_dir);
        for (;;) {
                Error *e = NULL;
                if (runtime_exit_file_read(exit_dir, id, ret_code, ret_time_ns, &e) == 0)
                        return 0;
                if (e->kind != ERR_NOT_FOUND)
                        return err_propagate(err, e);
                err_free(e);
                int64_t left = deadline - monotonic_ms();
                if (left <= 0)
                        return err_set(err, ERR_TIMEOUT, 0,
                                       "container `%s` did not exit within %d ms", id, timeout_ms);
                if (watch < 0) {
                        struct timespec ts = { 0, 20 * 1000000 };
                        nanosleep(&ts, NULL);
                        continue;
                }
                struct pollfd p = { .fd = watch, .events = POLLIN };
                (void)poll(&p, 1, (int)(left < 1000 ? left : 1000));
                /* Any file will do as a reason to look again. */
                char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
                while (read(watch, events, sizeof events) > 0)
                        ;
        }
}
