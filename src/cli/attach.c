/* SPDX-License-Identifier: Apache-2.0 */
/* Attached runs (`run` without -d, `start -a`): the container's stdio
 * through conmon's attach socket, the same way in-process and remote.
 *
 * conmon forwards only output written after a client has connected, and
 * the socket exists only once the container is created in the runtime. So
 * the order is: GetAttachSockets, which creates the container in the
 * runtime without starting it (conmon up, the socket listening, the
 * runtime holding the process before its exec); connect; size the
 * terminal; StartContainer; pump until conmon closes the socket, which it
 * does when it exits after draining the container's output; WaitContainer
 * for the exit code. Nothing the container writes can come before our
 * connection, which podman's start pipe guarantees in its own way. The
 * socket path is local to the service's host, which --remote shares. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "json-util.h"
#include "runtime.h"
#include "xalloc.h"

/* podman's default detach sequence, ctrl-p ctrl-q. */
#define ATTACH_DETACH_KEYS "\x10\x11"

int cli_exit_code_for(const char *reason) {
        if (reason && strstr(reason, CONTAINER_EXEC_NOT_FOUND))
                return CLI_EXIT_NOT_FOUND;
        if (reason && strstr(reason, CONTAINER_EXEC_DENIED))
                return CLI_EXIT_CANNOT_RUN;
        return CLI_EXIT_ERROR;
}

/* Declared in cli.h; here as the attached start needs it most. */
int cli_call_exit_code(CliSession *s, const char *method, json_t *params, json_t **ret,
                       int *ret_exit) {
        _cleanup_error_ Error *e = NULL;
        _cleanup_free_ char *error = NULL;
        json_t *reply = NULL;
        *ret_exit = CLI_EXIT_ERROR;
        if (vl_client_call_simple(s->client, method, params, &reply, &error, &e) < 0) {
                cli_error("%s", e->message);
                return -1;
        }
        if (error) {
                const char *reason = json_string_value(json_object_get(reply, "reason"));
                const char *name = json_string_value(json_object_get(reply, "name"));
                if (STREQ(error, "io.podman.ContainerNotFound"))
                        cli_error("no container with name or ID \"%s\" found", name ? name : "");
                else
                        cli_error("%s", reason ? reason : error);
                *ret_exit = cli_exit_code_for(reason);
                json_decref(reply);
                return -1;
        }
        if (ret)
                *ret = reply;
        else
                json_decref(reply);
        return 0;
}

/* The terminal size changes (SIGWINCH) reach conmon from a thread: the
 * handler only writes a byte to a pipe, as it may run in any thread of
 * the process (the in-process service has its own). */
static int winch_pipe_write = -1;

static void winch_handler(int sig) {
        (void)sig;
        int saved = errno;
        if (winch_pipe_write >= 0)
                (void)!write(winch_pipe_write, "w", 1);
        errno = saved;
}

typedef struct Resizer {
        int tty_fd;       /* the local terminal */
        char *bundle_dir; /* holds conmon's ctl FIFO */
        int pipe_read;    /* a byte per SIGWINCH; EOF to stop */
} Resizer;

static void resizer_apply(const Resizer *r) {
        struct winsize ws;
        if (ioctl(r->tty_fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
                return;
        _cleanup_error_ Error *ignored = NULL;
        (void)!runtime_tty_resize(r->bundle_dir, ws.ws_row, ws.ws_col, &ignored);
}

static void *resizer_thread(void *userdata) {
        const Resizer *r = userdata;
        char buf[64];
        for (;;) {
                ssize_t n = read(r->pipe_read, buf, sizeof buf);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return NULL;
                resizer_apply(r);
        }
}

/* Piped input for a container with a terminal: a terminal has no end of
 * input of its own, only the EOF character its line discipline turns into
 * one (closing conmon's side does not reach the program). So the data goes
 * through a pipe of ours and is followed by ctrl-d, twice when the last
 * line is unfinished (the first only hands it over). */
typedef struct Feeder {
        int in;
        int out; /* closed by the thread when done */
} Feeder;

static bool fd_write_all(int fd, const char *buf, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return false;
                buf += n;
                len -= (size_t)n;
        }
        return true;
}

static void *feeder_thread(void *userdata) {
        Feeder *f = userdata;
        char buf[8192];
        char last = '\n';
        for (;;) {
                ssize_t n = read(f->in, buf, sizeof buf);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (!fd_write_all(f->out, buf, (size_t)n))
                        goto done;
                last = buf[n - 1];
        }
        (void)fd_write_all(f->out, "\x04\x04", last == '\n' ? 1 : 2);
done:
        /* close() is a cancellation point: the fd must not be closed twice. */
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        close(f->out);
        f->out = -1;
        return NULL;
}

/* "<bundle>/ctl" -> "<bundle>"; NULL when the path is not of that form. */
static char *ctl_bundle_dir(const char *ctl) {
        size_t len = ctl ? strlen(ctl) : 0;
        if (len <= 4 || !STREQ(ctl + len - 4, "/ctl"))
                return NULL;
        return xstrndup(ctl, len - 4);
}

int cli_attach_start(CliSession *s, const char *id, const CliAttachOptions *o, bool *ret_detached) {
        *ret_detached = false;
        _cleanup_json_ json_t *name = json_pack("{s:s}", "name", id);
        _cleanup_json_ json_t *sockets = NULL, *waited = NULL;
        int code = CLI_EXIT_ERROR;
        if (cli_call_exit_code(s, "io.podman.GetAttachSockets", name, &sockets, &code) < 0)
                return code;
        json_t *so = json_object_get(sockets, "sockets");
        const char *io = json_string_value(json_object_get(so, "io_socket"));
        _cleanup_free_ char *bundle =
                ctl_bundle_dir(json_string_value(json_object_get(so, "control_socket")));
        _cleanup_error_ Error *e = NULL;
        _cleanup_close_ int sock = -1;
        if (!io || runtime_attach_connect(io, &sock, &e) < 0) {
                cli_error("attach to %s: %s", id, e ? e->message : "no attach socket");
                return CLI_EXIT_ERROR;
        }

        /* A terminal of ours that the container's stands for: same size,
         * and raw while we type into it, so every key goes through. */
        int tty_fd = isatty(STDIN_FILENO)    ? STDIN_FILENO
                     : isatty(STDOUT_FILENO) ? STDOUT_FILENO
                                             : -1;
        bool resize = o->tty && tty_fd >= 0 && bundle;
        Resizer resizer = { .tty_fd = tty_fd, .bundle_dir = bundle, .pipe_read = -1 };
        if (resize)
                resizer_apply(&resizer); /* before the process looks at it */
        pthread_t thread;
        bool thread_started = false;
        int winch[2] = { -1, -1 };
        struct sigaction old_winch;
        if (resize && pipe2(winch, O_CLOEXEC) == 0) {
                resizer.pipe_read = winch[0];
                winch_pipe_write = winch[1];
                struct sigaction sa = { .sa_handler = winch_handler, .sa_flags = SA_RESTART };
                sigemptyset(&sa.sa_mask);
                sigaction(SIGWINCH, &sa, &old_winch);
                thread_started = pthread_create(&thread, NULL, resizer_thread, &resizer) == 0;
        }

        struct termios saved;
        bool raw = false;
        pthread_t feeder_id;
        Feeder feeder = { .in = -1, .out = -1 };
        bool feeder_started = false;
        int feed[2] = { -1, -1 };
        int ret = CLI_EXIT_ERROR;
        if (cli_call_exit_code(s, "io.podman.StartContainer", name, NULL, &code) < 0) {
                ret = code;
                goto out;
        }
        raw = o->tty && o->stdin && isatty(STDIN_FILENO);
        if (raw && tcgetattr(STDIN_FILENO, &saved) == 0) {
                struct termios t = saved;
                cfmakeraw(&t);
                raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
        } else
                raw = false;
        int in_fd = o->stdin ? STDIN_FILENO : -1;
        if (o->stdin && o->tty && !isatty(STDIN_FILENO) && pipe2(feed, O_CLOEXEC) == 0) {
                feeder = (Feeder){ .in = STDIN_FILENO, .out = feed[1] };
                if (pthread_create(&feeder_id, NULL, feeder_thread, &feeder) == 0) {
                        feeder_started = true;
                        in_fd = feed[0];
                } else
                        close(feed[1]);
        }
        RuntimeAttachOptions ao = {
                .in_fd = in_fd,
                .out_fd = STDOUT_FILENO,
                .err_fd = STDERR_FILENO,
                /* Only what a person types: piped data may hold the bytes. */
                .detach_keys = o->stdin && isatty(STDIN_FILENO) ? ATTACH_DETACH_KEYS : NULL,
                .cancel_fd = -1,
        };
        /* With a terminal, ^C is a byte for the container's; without one,
         * signals to us are forwarded to it, as podman's --sig-proxy. */
        CliSigProxy proxy = { 0 };
        if (!o->tty)
                (void)cli_sigproxy_start(&proxy, s, id);
        int end = runtime_attach_pump(sock, &ao, &e);
        cli_sigproxy_stop(&proxy);
        if (raw) {
                /* Before anything is printed: the terminal is ours again. */
                tcsetattr(STDIN_FILENO, TCSANOW, &saved);
                raw = false;
        }
        if (end < 0) {
                cli_error("attach to %s: %s", id, e->message);
                goto out;
        }
        if (end == RUNTIME_ATTACH_DETACHED) {
                /* The container runs on without us. */
                *ret_detached = true;
                ret = 0;
                goto out;
        }
        if (cli_call_exit_code(s, "io.podman.WaitContainer", name, &waited, &code) < 0)
                goto out;
        ret = (int)json_integer_value(json_object_get(waited, "exitcode"));
        /* Exit statuses are a byte; -1 (unknown) shows as 255, as in podman. */
        ret &= 0xff;
out:
        if (raw)
                tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        if (feeder_started) {
                /* It may be blocked reading an input that never ends. */
                pthread_cancel(feeder_id);
                pthread_join(feeder_id, NULL);
                if (feeder.out >= 0)
                        close(feeder.out);
        }
        if (feed[0] >= 0)
                close(feed[0]);
        if (winch[1] >= 0) {
                sigaction(SIGWINCH, &old_winch, NULL);
                winch_pipe_write = -1;
                close(winch[1]); /* the thread reads EOF and ends */
                if (thread_started)
                        pthread_join(thread, NULL);
                close(winch[0]);
        }
        return ret;
}
