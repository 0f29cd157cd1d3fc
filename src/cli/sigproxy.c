/* SPDX-License-Identifier: Apache-2.0 */
/* podman's --sig-proxy (on by default for attached runs without a
 * terminal): signals sent to the CLI go to the container. A handler
 * writes the number to a pipe; a thread sends KillContainer with it, so
 * nothing but write() runs in signal context. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "cli.h"
#include "json-util.h"
#include "macro.h"

/* Those podman proxies among what a terminal or a supervisor sends;
 * SIGCHLD, SIGPIPE, SIGURG and SIGWINCH are ours. */
static const int proxied[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM };

_Static_assert(ELEMENTSOF(proxied) == CLI_SIGPROXY_SIGNALS, "CliSigProxy.old holds one per signal");

static int proxy_pipe_write = -1;

static void proxy_handler(int sig) {
        int saved = errno;
        unsigned char b = (unsigned char)sig;
        if (proxy_pipe_write >= 0)
                (void)!write(proxy_pipe_write, &b, 1);
        errno = saved;
}

static void *proxy_thread(void *userdata) {
        CliSigProxy *p = userdata;
        unsigned char b;
        for (;;) {
                ssize_t n = read(p->pipe[0], &b, 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0 || b == 0) /* 0: stop */
                        return NULL;
                _cleanup_json_ json_t *params =
                        json_pack("{s:s, s:i}", "name", p->id, "signal", (int)b);
                (void)cli_call(p->session, "io.podman.KillContainer", params, NULL);
        }
}

int cli_sigproxy_start(CliSigProxy *p, CliSession *s, const char *id) {
        *p = (CliSigProxy){ .session = s, .id = id, .pipe = { -1, -1 } };
        if (pipe2(p->pipe, O_CLOEXEC) < 0)
                return -1;
        if (pthread_create(&p->thread, NULL, proxy_thread, p) != 0) {
                close(p->pipe[0]);
                close(p->pipe[1]);
                return -1;
        }
        proxy_pipe_write = p->pipe[1];
        struct sigaction sa = { .sa_handler = proxy_handler, .sa_flags = SA_RESTART };
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < ELEMENTSOF(proxied); i++)
                sigaction(proxied[i], &sa, &p->old[i]);
        p->started = true;
        return 0;
}

void cli_sigproxy_stop(CliSigProxy *p) {
        if (!p->started)
                return;
        for (size_t i = 0; i < ELEMENTSOF(proxied); i++)
                sigaction(proxied[i], &p->old[i], NULL);
        proxy_pipe_write = -1;
        unsigned char stop = 0;
        (void)!write(p->pipe[1], &stop, 1);
        pthread_join(p->thread, NULL); /* a KillContainer under way ends first */
        close(p->pipe[0]);
        close(p->pipe[1]);
        p->started = false;
}
