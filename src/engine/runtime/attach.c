/* SPDX-License-Identifier: Apache-2.0 */
/* The client side of conmon's attach socket (conmon's conn_sock.c and
 * ctr_stdio.c): an AF_UNIX SOCK_SEQPACKET socket; every packet conmon
 * sends is one tag byte (2 stdout, 3 stderr) and up to 8192 bytes the
 * container wrote; what we send is written to the container's stdin as is;
 * when we shut down our writing side conmon closes the container's stdin
 * (when it was started with --stdin and without --leave-stdin-open). conmon
 * closes the socket when it exits, after the container's output is
 * drained, which is how a client knows the output is complete. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime-private.h"
#include "xalloc.h"

/* conmon reads up to CONN_SOCK_BUF_SIZE (32768) at a time; stay well below
 * so one send is always one read. */
#define STDIN_CHUNK 8192

int runtime_attach_connect(const char *socket_path, int *ret_fd, Error **err) {
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        size_t len = strlen(socket_path);
        if (len > RUNTIME_SOCKET_PATH_MAX)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "attach socket `%s` is longer than %d bytes", socket_path,
                               RUNTIME_SOCKET_PATH_MAX);
        memcpy(addr.sun_path, socket_path, len + 1);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "socket");
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
                int e = errno;
                return err_set(err, e == ENOENT || e == ECONNREFUSED ? ERR_NOT_FOUND : ERR_SYSTEM,
                               e, "connect to attach socket `%s`", socket_path);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* One recv of a whole packet; returns its length, 0 at EOF, -errno. The
 * buffer holds more than conmon ever sends, and MSG_TRUNC reports the real
 * size, so a packet is never silently cut (SEQPACKET drops the rest).
 * -ECONNRESET says conmon exited with input of ours unread; the kernel
 * reports it once, ahead of the packets still queued for us, so callers
 * read on: the output then ends at EOF as usual. */
static ssize_t packet_recv(int fd, char *buf, size_t size) {
        for (;;) {
                ssize_t n = recv(fd, buf, size, MSG_TRUNC | MSG_DONTWAIT);
                if (n >= 0)
                        return n;
                if (errno == EINTR)
                        continue;
                return -errno;
        }
}

int runtime_attach_read(int fd, int timeout_ms, RuntimeStream *ret_stream, void *buf, size_t size,
                        size_t *ret_len, Error **err) {
        char packet[RUNTIME_ATTACH_PACKET_MAX * 4 + 1];
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int r = poll(&p, 1, timeout_ms);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return err_set(err, ERR_SYSTEM, errno, "poll attach socket");
                if (r == 0)
                        return err_set(err, ERR_TIMEOUT, 0, "no output within %d ms", timeout_ms);
                ssize_t n = packet_recv(fd, packet, sizeof packet);
                if (n == -EAGAIN || n == -ECONNRESET)
                        continue; /* a reset is reported once: see packet_recv */
                if (n < 0)
                        return err_set(err, ERR_SYSTEM, (int)-n, "read attach socket");
                if (n == 0)
                        return 0;
                if ((size_t)n > sizeof packet || (size_t)n - 1 > size)
                        return err_set(err, ERR_PROTOCOL, 0,
                                       "attach packet of %zd bytes does not fit", n);
                if (packet[0] != RUNTIME_STREAM_STDOUT && packet[0] != RUNTIME_STREAM_STDERR)
                        return err_set(err, ERR_PROTOCOL, 0, "attach packet for stream %d",
                                       packet[0]);
                *ret_stream = (RuntimeStream)packet[0];
                memcpy(buf, packet + 1, (size_t)n - 1);
                *ret_len = (size_t)n - 1;
                return 1;
        }
}

int runtime_attach_write(int fd, const void *buf, size_t len, Error **err) {
        const char *p = buf;
        while (len > 0) {
                size_t chunk = len > STDIN_CHUNK ? STDIN_CHUNK : len;
                ssize_t n = send(fd, p, chunk, MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd pf = { .fd = fd, .events = POLLOUT };
                                (void)poll(&pf, 1, -1);
                                continue;
                        }
                        return err_set(err, ERR_SYSTEM, errno, "write attach socket");
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

int runtime_attach_close_stdin(int fd, Error **err) {
        if (shutdown(fd, SHUT_WR) < 0 && errno != ENOTCONN)
                return err_set(err, ERR_SYSTEM, errno, "shut down attach socket");
        return 0;
}

/* write(2) all of buf, waiting when out is non-blocking (a terminal the
 * CLI set O_NONBLOCK on). */
static int write_all(int out, const char *buf, size_t len, Error **err) {
        while (len > 0) {
                ssize_t n = write(out, buf, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd pf = { .fd = out, .events = POLLOUT };
                                (void)poll(&pf, 1, -1);
                                continue;
                        }
                        return err_set(err, ERR_SYSTEM, errno, "write container output");
                }
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Forwards in[0..n) to the socket, holding back what may be the start of
 * the detach sequence. Returns 1 when the whole sequence was typed. */
static int input_forward(int sock, const char *keys, size_t *matched, const char *in, size_t n,
                         Error **err) {
        size_t klen = keys ? strlen(keys) : 0;
        char *out = xmalloc(n + klen + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                char b = in[i];
                if (klen == 0) {
                        out[k++] = b;
                        continue;
                }
                if (b == keys[*matched]) {
                        if (++*matched == klen) {
                                /* Input typed before the sequence still goes in. */
                                int r = k > 0 ? runtime_attach_write(sock, out, k, err) : 0;
                                free(out);
                                return r < 0 ? r : 1;
                        }
                        continue;
                }
                /* A false start: the held bytes were ordinary input. */
                memcpy(out + k, keys, *matched);
                k += *matched;
                *matched = 0;
                if (b == keys[0])
                        *matched = 1;
                else
                        out[k++] = b;
        }
        int r = k > 0 ? runtime_attach_write(sock, out, k, err) : 0;
        free(out);
        return r;
}

int runtime_attach_pump(int sock, const RuntimeAttachOptions *o, Error **err) {
        bool in_open = o->in_fd >= 0;
        size_t matched = 0;
        char packet[RUNTIME_ATTACH_PACKET_MAX * 4 + 1];
        for (;;) {
                struct pollfd p[3] = {
                        { .fd = sock, .events = POLLIN },
                        { .fd = in_open ? o->in_fd : -1, .events = POLLIN },
                        { .fd = o->cancel_fd, .events = POLLIN },
                };
                int r = poll(p, 3, -1);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return err_set(err, ERR_SYSTEM, errno, "poll");
                if (p[2].revents)
                        return RUNTIME_ATTACH_CANCELLED;

                if (p[0].revents) {
                        ssize_t n = packet_recv(sock, packet, sizeof packet);
                        if (n == 0)
                                return RUNTIME_ATTACH_EOF;
                        if (n < 0 && n != -EAGAIN && n != -ECONNRESET)
                                return err_set(err, ERR_SYSTEM, (int)-n, "read attach socket");
                        if (n > 1 && (size_t)n <= sizeof packet) {
                                int out =
                                        packet[0] == RUNTIME_STREAM_STDERR ? o->err_fd : o->out_fd;
                                if (out >= 0 && write_all(out, packet + 1, (size_t)n - 1, err) < 0)
                                        return -1;
                        }
                }

                if (p[1].revents) {
                        char in[STDIN_CHUNK];
                        ssize_t n = read(o->in_fd, in, sizeof in);
                        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (n < 0)
                                return err_set(err, ERR_SYSTEM, errno, "read stdin");
                        if (n == 0) {
                                /* Our input is over: so is the container's. Keep
                                 * reading until conmon has sent all output. */
                                in_open = false;
                                if (runtime_attach_close_stdin(sock, err) < 0)
                                        return -1;
                                continue;
                        }
                        Error *werr = NULL;
                        int fr =
                                input_forward(sock, o->detach_keys, &matched, in, (size_t)n, &werr);
                        if (fr < 0 && (werr->errnum == EPIPE || werr->errnum == ECONNRESET)) {
                                /* conmon is gone (the container exited without
                                 * reading all its input): what it wrote before
                                 * is still to be read, up to EOF. */
                                err_free(werr);
                                in_open = false;
                                continue;
                        }
                        if (fr < 0)
                                return err_propagate(err, werr);
                        if (fr == 1)
                                return RUNTIME_ATTACH_DETACHED;
                }
        }
}
