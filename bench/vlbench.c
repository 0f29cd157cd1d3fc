/* SPDX-License-Identifier: Apache-2.0 */
/* vlbench: a load generator for varlink services, on raw sockets.
 *
 *   vlbench [-w WARMUP] [-t SECONDS] ping ADDRESS N
 *   vlbench [-w WARMUP] [-t SECONDS] parallel ADDRESS CONNS N
 *   vlbench echo-server PATH
 *
 * ping sends N io.podman.Ping calls one after another on one connection
 * and prints the rate and the latency distribution; parallel runs CONNS
 * threads, each with its own connection doing N pings, and prints the
 * total rate. echo-server answers every NUL-terminated message with the
 * Ping reply, without parsing anything: the floor of what a server can do
 * on this machine, to compare varpod against with the same ping mode.
 *
 * It links libc only and checks every reply byte for byte, so the numbers
 * cost nothing but the socket round trips and the server's own work. Output
 * is one "key value" pair per line for bench/run.py. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char PING_CALL[] = "{\"method\":\"io.podman.Ping\"}";
static const char PING_REPLY[] = "{\"parameters\":{\"ping\":{\"message\":\"OK\"}}}";

/* Largest reply accepted; anything longer is not a Ping reply. */
#define REPLY_SIZE_MAX 4096u
/* What the echo server reads per system call, and the longest message it
 * takes before giving up on the connection. */
#define ECHO_BUFFER_SIZE 65536u

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Client.                                                            */

typedef struct Conn {
        int fd;
        size_t start, end; /* unread bytes of buf */
        char buf[REPLY_SIZE_MAX + 1];
} Conn;

/* Fills sun from "unix:/path[;key=value]", "unix:@name" or a bare path;
 * returns the address length, or 0 when it does not fit. */
static socklen_t address_parse(const char *address, struct sockaddr_un *sun) {
        const char *path = strncmp(address, "unix:", 5) == 0 ? address + 5 : address;
        size_t len = strcspn(path, ";");
        memset(sun, 0, sizeof *sun);
        sun->sun_family = AF_UNIX;
        if (len == 0 || len >= sizeof sun->sun_path)
                return 0;
        memcpy(sun->sun_path, path, len);
        if (path[0] == '@') {
                /* Abstract namespace: a leading NUL, no terminator. */
                sun->sun_path[0] = '\0';
                return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
        }
        return (socklen_t)sizeof *sun;
}

static int conn_open(Conn *c, const char *address) {
        struct sockaddr_un sun;
        socklen_t sun_len = address_parse(address, &sun);
        if (sun_len == 0) {
                fprintf(stderr, "vlbench: invalid address `%s`\n", address);
                return -1;
        }
        c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
                fprintf(stderr, "vlbench: socket: %s\n", strerror(errno));
                return -1;
        }
        if (connect(c->fd, (struct sockaddr *)&sun, sun_len) < 0) {
                fprintf(stderr, "vlbench: connect to `%s`: %s\n", address, strerror(errno));
                close(c->fd);
                c->fd = -1;
                return -1;
        }
        c->start = c->end = 0;
        return 0;
}

static void conn_close(Conn *c) {
        if (c->fd >= 0)
                close(c->fd);
        c->fd = -1;
}

static int write_all(int fd, const char *data, size_t len) {
        while (len > 0) {
                ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                data += n;
                len -= (size_t)n;
        }
        return 0;
}

/* One Ping round trip: sends the call, reads up to the reply's NUL and
 * checks the reply is exactly the expected one. */
static int conn_ping(Conn *c) {
        if (write_all(c->fd, PING_CALL, sizeof PING_CALL) < 0) {
                fprintf(stderr, "vlbench: send: %s\n", strerror(errno));
                return -1;
        }
        for (;;) {
                char *nul = memchr(c->buf + c->start, 0, c->end - c->start);
                if (nul) {
                        const char *msg = c->buf + c->start;
                        size_t len = (size_t)(nul - msg);
                        c->start += len + 1;
                        if (c->start == c->end)
                                c->start = c->end = 0;
                        if (len != sizeof PING_REPLY - 1 || memcmp(msg, PING_REPLY, len) != 0) {
                                fprintf(stderr, "vlbench: unexpected reply: %.*s\n", (int)len, msg);
                                return -1;
                        }
                        return 0;
                }
                if (c->start > 0) {
                        memmove(c->buf, c->buf + c->start, c->end - c->start);
                        c->end -= c->start;
                        c->start = 0;
                }
                if (c->end == REPLY_SIZE_MAX) {
                        fprintf(stderr, "vlbench: reply longer than %u bytes\n", REPLY_SIZE_MAX);
                        return -1;
                }
                ssize_t n = read(c->fd, c->buf + c->end, REPLY_SIZE_MAX - c->end);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        fprintf(stderr, "vlbench: read: %s\n",
                                n < 0 ? strerror(errno) : "connection closed by the server");
                        return -1;
                }
                c->end += (size_t)n;
        }
}

/* Runs warm-up calls, then up to n timed ones until the deadline
 * (0: none). Stores each latency in ns into lat when not NULL. Returns the
 * number of timed calls done, or -1. */
static long conn_run(Conn *c, long warmup, long n, uint64_t deadline, uint32_t *lat) {
        for (long i = 0; i < warmup; i++)
                if (conn_ping(c) < 0)
                        return -1;
        long done;
        uint64_t t = now_ns();
        for (done = 0; done < n; done++) {
                if (deadline && t >= deadline)
                        break;
                if (conn_ping(c) < 0)
                        return -1;
                uint64_t t2 = now_ns();
                if (lat)
                        lat[done] = t2 - t > UINT32_MAX ? UINT32_MAX : (uint32_t)(t2 - t);
                t = t2;
        }
        return done;
}

static int cmp_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted values, in µs. */
static double percentile_us(const uint32_t *sorted, long n, double p) {
        long rank = (long)(p * (double)n + 0.999999);
        if (rank < 1)
                rank = 1;
        if (rank > n)
                rank = n;
        return sorted[rank - 1] / 1000.0;
}

static int mode_ping(const char *address, long n, long warmup, double seconds) {
        uint32_t *lat = calloc((size_t)n, sizeof *lat);
        if (!lat) {
                fputs("vlbench: out of memory\n", stderr);
                return 1;
        }
        Conn *c = malloc(sizeof *c);
        if (!c || conn_open(c, address) < 0) {
                free(c);
                free(lat);
                return 1;
        }
        /* The warm-up is outside the timed part and its time limit. */
        long done = conn_run(c, warmup, 0, 0, NULL);
        uint64_t start = now_ns();
        uint64_t deadline = seconds > 0 ? start + (uint64_t)(seconds * 1e9) : 0;
        if (done >= 0)
                done = conn_run(c, 0, n, deadline, lat);
        uint64_t elapsed = now_ns() - start;
        conn_close(c);
        free(c);
        if (done <= 0) {
                free(lat);
                return 1;
        }
        double total_us = 0;
        for (long i = 0; i < done; i++)
                total_us += lat[i] / 1000.0;
        qsort(lat, (size_t)done, sizeof *lat, cmp_u32);
        printf("calls %ld\n", done);
        printf("seconds %.3f\n", elapsed / 1e9);
        printf("rate %.0f\n", done / (elapsed / 1e9));
        printf("mean_us %.2f\n", total_us / (double)done);
        printf("min_us %.2f\n", lat[0] / 1000.0);
        printf("median_us %.2f\n", percentile_us(lat, done, 0.50));
        printf("p99_us %.2f\n", percentile_us(lat, done, 0.99));
        printf("p999_us %.2f\n", percentile_us(lat, done, 0.999));
        printf("max_us %.2f\n", lat[done - 1] / 1000.0);
        free(lat);
        return 0;
}

typedef struct Worker {
        pthread_t thread;
        const char *address;
        pthread_barrier_t *ready;
        long warmup, n;
        double seconds;
        long done; /* timed calls, or -1 on failure */
        Conn conn;
} Worker;

static void *worker_run(void *arg) {
        Worker *w = arg;
        /* Connect and warm up before the barrier, so the timed part holds
         * only calls. */
        bool ok = conn_open(&w->conn, w->address) == 0 &&
                  conn_run(&w->conn, w->warmup, 0, 0, NULL) == 0;
        pthread_barrier_wait(w->ready);
        w->done = -1;
        if (ok) {
                uint64_t deadline = w->seconds > 0 ? now_ns() + (uint64_t)(w->seconds * 1e9) : 0;
                w->done = conn_run(&w->conn, 0, w->n, deadline, NULL);
        }
        conn_close(&w->conn);
        return NULL;
}

static int mode_parallel(const char *address, long conns, long n, long warmup, double seconds) {
        Worker *workers = calloc((size_t)conns, sizeof *workers);
        if (!workers) {
                fputs("vlbench: out of memory\n", stderr);
                return 1;
        }
        pthread_barrier_t ready;
        pthread_barrier_init(&ready, NULL, (unsigned)conns + 1);
        long started;
        for (started = 0; started < conns; started++) {
                Worker *w = &workers[started];
                *w = (Worker){ .address = address,
                               .ready = &ready,
                               .warmup = warmup,
                               .n = n,
                               .seconds = seconds,
                               .conn = { .fd = -1 } };
                int r = pthread_create(&w->thread, NULL, worker_run, w);
                if (r != 0) {
                        /* Threads already waiting at the barrier would
                         * wait forever: there is no way back. */
                        fprintf(stderr, "vlbench: pthread_create: %s\n", strerror(r));
                        exit(1);
                }
        }
        pthread_barrier_wait(&ready);
        uint64_t start = now_ns();
        long total = 0;
        int ret = 0;
        for (long i = 0; i < conns; i++) {
                pthread_join(workers[i].thread, NULL);
                if (workers[i].done < 0)
                        ret = 1;
                else
                        total += workers[i].done;
        }
        uint64_t elapsed = now_ns() - start;
        pthread_barrier_destroy(&ready);
        free(workers);
        if (ret)
                return ret;
        printf("connections %ld\n", conns);
        printf("calls %ld\n", total);
        printf("seconds %.3f\n", elapsed / 1e9);
        printf("rate %.0f\n", total / (elapsed / 1e9));
        return 0;
}

/* ------------------------------------------------------------------ */
/* Echo server.                                                       */

static volatile sig_atomic_t echo_stopping;

static void echo_signal(int sig) { echo_stopping = 1; }

/* One connection: answers each NUL-terminated message with the Ping reply,
 * in order, with blocking I/O. */
static void *echo_connection_run(void *arg) {
        int fd = (int)(intptr_t)arg;
        char *buf = malloc(ECHO_BUFFER_SIZE);
        size_t end = 0;
        while (buf) {
                ssize_t n = read(fd, buf + end, ECHO_BUFFER_SIZE - end);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                end += (size_t)n;
                size_t start = 0;
                char *nul;
                bool failed = false;
                while (!failed && (nul = memchr(buf + start, 0, end - start))) {
                        start = (size_t)(nul - buf) + 1;
                        failed = write_all(fd, PING_REPLY, sizeof PING_REPLY) < 0;
                }
                if (failed)
                        break;
                memmove(buf, buf + start, end - start);
                end -= start;
                if (end == ECHO_BUFFER_SIZE)
                        break; /* a message longer than the buffer */
        }
        free(buf);
        close(fd);
        return NULL;
}

static int mode_echo_server(const char *path) {
        struct sockaddr_un sun;
        socklen_t sun_len = address_parse(path, &sun);
        if (sun_len == 0) {
                fprintf(stderr, "vlbench: invalid socket path `%s`\n", path);
                return 1;
        }
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                fprintf(stderr, "vlbench: socket: %s\n", strerror(errno));
                return 1;
        }
        if (sun.sun_path[0])
                (void)unlink(sun.sun_path);
        if (bind(fd, (struct sockaddr *)&sun, sun_len) < 0 || listen(fd, 128) < 0) {
                fprintf(stderr, "vlbench: listen on `%s`: %s\n", path, strerror(errno));
                close(fd);
                return 1;
        }
        /* No SA_RESTART: SIGTERM must interrupt accept(). */
        struct sigaction sa = { .sa_handler = echo_signal };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        printf("listening %s\n", path);
        fflush(stdout);

        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        while (!echo_stopping) {
                int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
                if (cfd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        fprintf(stderr, "vlbench: accept: %s\n", strerror(errno));
                        break;
                }
                pthread_t thread;
                if (pthread_create(&thread, &attr, echo_connection_run, (void *)(intptr_t)cfd) != 0)
                        close(cfd);
        }
        pthread_attr_destroy(&attr);
        close(fd);
        if (sun.sun_path[0])
                (void)unlink(sun.sun_path);
        /* Connection threads die with the process. */
        return 0;
}

/* ------------------------------------------------------------------ */

static void usage(FILE *f) {
        fputs("usage: vlbench [-w WARMUP] [-t SECONDS] ping ADDRESS N\n"
              "       vlbench [-w WARMUP] [-t SECONDS] parallel ADDRESS CONNS N\n"
              "       vlbench echo-server PATH\n"
              "ADDRESS: unix:/path, unix:@name or a socket path.\n"
              "-w: untimed Ping calls first, on each connection (default 0)\n"
              "-t: stop the timed calls after SECONDS (default: no limit)\n",
              f);
}

static int parse_count(const char *s, long min, long *ret) {
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || !*s || *end || v < min) {
                fprintf(stderr, "vlbench: invalid count `%s`\n", s);
                return -1;
        }
        *ret = v;
        return 0;
}

int main(int argc, char **argv) {
        long warmup = 0;
        double seconds = 0;
        int opt;
        while ((opt = getopt(argc, argv, "+w:t:h")) != -1) {
                switch (opt) {
                case 'w':
                        if (parse_count(optarg, 0, &warmup) < 0)
                                return 2;
                        break;
                case 't': {
                        char *end;
                        seconds = strtod(optarg, &end);
                        if (*end || !(seconds >= 0)) {
                                fprintf(stderr, "vlbench: invalid time limit `%s`\n", optarg);
                                return 2;
                        }
                        break;
                }
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        char **args = argv + optind;
        int n_args = argc - optind;
        long n, conns;
        if (n_args == 3 && strcmp(args[0], "ping") == 0) {
                if (parse_count(args[2], 1, &n) < 0)
                        return 2;
                return mode_ping(args[1], n, warmup, seconds);
        }
        if (n_args == 4 && strcmp(args[0], "parallel") == 0) {
                if (parse_count(args[2], 1, &conns) < 0 || parse_count(args[3], 1, &n) < 0)
                        return 2;
                return mode_parallel(args[1], conns, n, warmup, seconds);
        }
        if (n_args == 2 && strcmp(args[0], "echo-server") == 0)
                return mode_echo_server(args[1]);
        usage(stderr);
        return 2;
}
