/* SPDX-License-Identifier: Apache-2.0 */
/* Child processes for the runtime module (runtime invocations, conmon) and
 * the small file readers the other files share. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "json-util.h"
#include "runtime-private.h"
#include "xalloc.h"

extern char **environ;

int64_t runtime_now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t monotonic_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *runtime_strip(char *s) {
        size_t n = strlen(s);
        while (n > 0 &&
               (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                s[--n] = '\0';
        return s;
}

/* Everything between fork and exec must be async-signal-safe: the service
 * forks from one thread while others may hold malloc's locks. So the child
 * only uses system calls, on data prepared before the fork. */
_noreturn_ static void spawn_child(const char *path, char *const argv[], char *const envp[],
                                   const int *child_fds, int n_child_fds, const char *cwd,
                                   bool new_pgrp, int status_fd, long max_fd) {
        int e;
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        /* Ignored signals stay ignored across exec; the service ignores
         * SIGPIPE, which conmon and the container must not inherit. */
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        for (int sig = 1; sig < NSIG; sig++)
                (void)sigaction(sig, &dfl, NULL);

        if (new_pgrp && setpgid(0, 0) < 0)
                goto fail;

        /* Lift the fds we hand over above the target range first, so that
         * dup2 onto 0..n-1 cannot clobber one still to be moved. */
        int lifted[16];
        if (n_child_fds > (int)ELEMENTSOF(lifted)) {
                errno = EINVAL;
                goto fail;
        }
        for (int i = 0; i < n_child_fds; i++) {
                if (child_fds[i] < 0)
                        lifted[i] = open("/dev/null", (i == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
                else
                        lifted[i] = fcntl(child_fds[i], F_DUPFD_CLOEXEC, n_child_fds + 3);
                if (lifted[i] < 0)
                        goto fail;
        }
        for (int i = 0; i < n_child_fds; i++)
                if (dup2(lifted[i], i) < 0) /* dup2 clears FD_CLOEXEC on i */
                        goto fail;

        /* Every other fd (the engine's database, sockets, the status pipe)
         * is closed by the exec itself. */
        if (close_range(n_child_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
                for (long fd = n_child_fds; fd < max_fd; fd++)
                        (void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
        }

        if (cwd && chdir(cwd) < 0)
                goto fail;
        execve(path, argv, envp);
fail:
        e = errno;
        (void)!write(status_fd, &e, sizeof e);
        _exit(127);
}

void runtime_child_reap(pid_t pid, int *ret_status) {
        int status = -1;
        while (waitpid(pid, &status, 0) < 0) {
                if (errno != EINTR) {
                        status = -1; /* SIGCHLD ignored, or reaped by someone else */
                        break;
                }
        }
        if (ret_status)
                *ret_status = status;
}

int runtime_spawn(const char *path, char *const argv[], char *const envp[], const int *child_fds,
                  int n_child_fds, const char *cwd, bool new_pgrp, pid_t *ret_pid, Error **err) {
        int status_pipe[2];
        if (pipe2(status_pipe, O_CLOEXEC) < 0)
                return err_set(err, ERR_SYSTEM, errno, "pipe");
        long max_fd = sysconf(_SC_OPEN_MAX);
        if (max_fd < 0 || max_fd > 1 << 20)
                max_fd = 1 << 20;

        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(status_pipe[0]);
                close(status_pipe[1]);
                return err_set(err, ERR_SYSTEM, e, "fork `%s`", path);
        }
        if (pid == 0)
                spawn_child(path, argv, envp ? envp : environ, child_fds, n_child_fds, cwd,
                            new_pgrp, status_pipe[1], max_fd);

        close(status_pipe[1]);
        int child_errno = 0;
        ssize_t n;
        do
                n = read(status_pipe[0], &child_errno, sizeof child_errno);
        while (n < 0 && errno == EINTR);
        close(status_pipe[0]);
        if (n == sizeof child_errno) {
                runtime_child_reap(pid, NULL);
                return err_set(err, ERR_SYSTEM, child_errno, "exec `%s`", path);
        }
        *ret_pid = pid;
        return 0;
}

/* Reads what is available on fd into *buf (bounded); false at EOF. */
static bool drain_into(int fd, char **buf, size_t *len, size_t *cap) {
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0)
                return errno == EINTR || errno == EAGAIN;
        if (n == 0)
                return false;
        size_t keep = *len + (size_t)n > RUNTIME_OUTPUT_MAX ? RUNTIME_OUTPUT_MAX - *len : (size_t)n;
        if (keep > 0) {
                xgrow((void **)buf, cap, *len + keep + 1, 1);
                memcpy(*buf + *len, chunk, keep);
                *len += keep;
                (*buf)[*len] = '\0';
        }
        return true;
}

static const char *subcommand_of(const char *const *args) {
        for (size_t i = 0; args[i]; i++)
                if (args[i][0] != '-')
                        return args[i];
        return "";
}

int runtime_exec(const Runtime *rt, const char *const *args, char **ret_stdout, Error **err) {
        size_t nargs = 0;
        while (args[nargs])
                nargs++;
        _cleanup_free_ char *root_arg =
                rt->state_dir ? xasprintf("--root=%s", rt->state_dir) : NULL;
        _cleanup_free_ const char **argv = xnew0(const char *, nargs + 4);
        size_t k = 0;
        argv[k++] = rt->path;
        if (root_arg)
                argv[k++] = root_arg;
        /* JSON log records make the runtime's message easy to pick out of
         * stderr; runc and crun both understand the flag. */
        argv[k++] = "--log-format=json";
        for (size_t i = 0; i < nargs; i++)
                argv[k++] = args[i];
        argv[k] = NULL;

        int out_pipe[2], err_pipe[2];
        if (pipe2(out_pipe, O_CLOEXEC) < 0)
                return err_set(err, ERR_SYSTEM, errno, "pipe");
        if (pipe2(err_pipe, O_CLOEXEC) < 0) {
                int e = errno;
                close(out_pipe[0]);
                close(out_pipe[1]);
                return err_set(err, ERR_SYSTEM, e, "pipe");
        }
        _cleanup_close_ int out_r = out_pipe[0], err_r = err_pipe[0];
        int fds[3] = { -1, out_pipe[1], err_pipe[1] };
        pid_t pid;
        int r = runtime_spawn(rt->path, (char *const *)argv, NULL, fds, 3, NULL, false, &pid, err);
        close(out_pipe[1]);
        close(err_pipe[1]);
        if (r < 0)
                return r;

        _cleanup_free_ char *out = xstrdup(""), *errtext = xstrdup("");
        size_t out_len = 0, out_cap = 1, err_len = 0, err_cap = 1;
        bool out_open = true, err_open = true, timed_out = false;
        int64_t deadline = monotonic_ms() + RUNTIME_EXEC_TIMEOUT_MS;
        while (out_open || err_open) {
                struct pollfd p[2] = { { .fd = out_open ? out_r : -1, .events = POLLIN },
                                       { .fd = err_open ? err_r : -1, .events = POLLIN } };
                int64_t left = deadline - monotonic_ms();
                if (left <= 0) {
                        timed_out = true;
                        break;
                }
                int pr = poll(p, 2, (int)left);
                if (pr < 0 && errno != EINTR)
                        break;
                if (pr <= 0)
                        continue;
                if (p[0].revents)
                        out_open = drain_into(out_r, &out, &out_len, &out_cap);
                if (p[1].revents)
                        err_open = drain_into(err_r, &errtext, &err_len, &err_cap);
        }
        if (timed_out)
                kill(pid, SIGKILL);
        int status;
        runtime_child_reap(pid, &status);

        const char *sub = subcommand_of(args);
        if (timed_out)
                return err_set(err, ERR_TIMEOUT, 0, "%s %s: no answer after %d s", rt->name, sub,
                               RUNTIME_EXEC_TIMEOUT_MS / 1000);
        /* status -1: reaped by a SIGCHLD-ignoring parent; judge by output. */
        if (status != -1 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
                _cleanup_free_ char *msg = runtime_message_extract(errtext);
                if (!msg)
                        msg = WIFEXITED(status)
                                      ? xasprintf("exit status %d", WEXITSTATUS(status))
                                      : xasprintf("killed by signal %d", WTERMSIG(status));
                return err_set(err, ERR_RUNTIME, 0, "%s %s: %s", rt->name, sub, msg);
        }
        if (ret_stdout)
                *ret_stdout = TAKE_PTR(out);
        return 0;
}

/* The value of msg="..." in a logrus text line, unescaped. */
static char *logrus_msg(const char *line) {
        const char *p = strstr(line, " msg=\"");
        if (!p) {
                if (!STRPREFIX(line, "msg=\""))
                        return NULL;
                p = line - 1;
        }
        p += 6;
        char *out = xmalloc(strlen(p) + 1), *o = out;
        for (; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1]) {
                        p++;
                        *o++ = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
                } else
                        *o++ = *p;
        }
        *o = '\0';
        return out;
}

char *runtime_message_extract(const char *text) {
        if (!text)
                return NULL;
        _cleanup_free_ char *copy = xstrdup(text);
        char *last_error = NULL, *last_any = NULL, *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *msg = NULL;
                bool is_error = false;
                if (line[0] == '{') {
                        _cleanup_json_ json_t *j = json_loads(line, 0, NULL);
                        const char *m = json_string_value(json_object_get(j, "msg"));
                        const char *lvl = json_string_value(json_object_get(j, "level"));
                        if (m) {
                                msg = xstrdup(m);
                                is_error = lvl && (STREQ(lvl, "error") || STREQ(lvl, "fatal"));
                        }
                } else if ((msg = logrus_msg(line))) {
                        is_error = strstr(line, "level=error") || strstr(line, "level=fatal");
                }
                if (!msg) {
                        msg = xstrdup(line);
                        is_error = false;
                }
                runtime_strip(msg);
                if (!*msg) {
                        free(msg);
                        continue;
                }
                if (is_error) {
                        free(last_error);
                        last_error = msg;
                } else {
                        free(last_any);
                        last_any = msg;
                }
        }
        if (last_error) {
                free(last_any);
                return last_error;
        }
        return last_any;
}

int runtime_file_read(const char *path, size_t max, char **ret, size_t *ret_len, Error **err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                               "open `%s`", path);
        _cleanup_free_ char *buf = xmalloc(1);
        size_t len = 0, cap = 1;
        for (;;) {
                if (len + 4096 + 1 > cap)
                        xgrow((void **)&buf, &cap, len + 4096 + 1, 1);
                ssize_t n = read(fd, buf + len, 4096);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        /* Reading a cgroup file of a cgroup being removed. */
                        return err_set(err, errno == ENODEV ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                                       "read `%s`", path);
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > max)
                        return err_set(err, ERR_LIMIT, 0, "`%s` is larger than %zu bytes", path,
                                       max);
        }
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int runtime_file_read_u64(const char *path, uint64_t *ret, Error **err) {
        _cleanup_free_ char *text = NULL;
        int r = runtime_file_read(path, 4096, &text, NULL, err);
        if (r < 0)
                return r;
        runtime_strip(text);
        if (STREQ(text, "max")) {
                *ret = UINT64_MAX;
                return 0;
        }
        char *end;
        errno = 0;
        unsigned long long v = strtoull(text, &end, 10);
        if (errno || end == text || *end)
                return err_set(err, ERR_PROTOCOL, 0, "`%s`: not a number: `%s`", path, text);
        *ret = v;
        return 0;
}

bool runtime_keyed_u64(const char *text, const char *key, uint64_t *ret) {
        size_t klen = strlen(key);
        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                if (strncmp(p, key, klen) == 0 && (p[klen] == ' ' || p[klen] == '\t')) {
                        *ret = strtoull(p + klen + 1, NULL, 10);
                        return true;
                }
        }
        return false;
}

int runtime_mkdir_p(const char *path, mode_t mode, Error **err) {
        _cleanup_free_ char *p = xstrdup(path);
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return err_set(err, ERR_SYSTEM, errno, "mkdir `%s`", p);
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return err_set(err, ERR_SYSTEM, errno, "mkdir `%s`", p);
        return 0;
}
