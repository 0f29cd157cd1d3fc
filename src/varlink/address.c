/* SPDX-License-Identifier: Apache-2.0 */
/* Varlink addresses ("unix:/path", "unix:@abstract", "tcp:host:port") and
 * the sockets behind them, including systemd socket activation. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "varlink.h"
#include "xalloc.h"

/* Backlog for listening sockets: bursts of clients (python-podman opens a
 * connection per call) must not be refused. */
#define ADDRESS_LISTEN_BACKLOG 1024

void vl_address_clear(VlAddress *a) {
        free(a->path);
        free(a->host);
        free(a->port);
        *a = (VlAddress){ 0 };
}

static int address_parse_mode(const char *params, unsigned *mode, Error **err) {
        /* Parameters are ";key=value" pairs; only mode is ours. */
        for (const char *p = params; p && *p;) {
                const char *next = strchr(p, ';');
                size_t len = next ? (size_t)(next - p) : strlen(p);
                if (len > 5 && strncmp(p, "mode=", 5) == 0) {
                        _cleanup_free_ char *v = xstrndup(p + 5, len - 5);
                        char *end;
                        errno = 0;
                        unsigned long m = strtoul(v, &end, 8);
                        if (errno || *end || m > 07777)
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "invalid socket mode `%s`", v);
                        *mode = (unsigned)m;
                }
                p = next ? next + 1 : NULL;
        }
        return 0;
}

int vl_address_parse(VlAddress *ret, const char *text, Error **err) {
        VlAddress a = { .mode = 0600 };
        const char *semi = strchr(text, ';');
        _cleanup_free_ char *main_part =
                semi ? xstrndup(text, (size_t)(semi - text)) : xstrdup(text);

        if (STRPREFIX(main_part, "unix:")) {
                const char *path = main_part + 5;
                if (path[0] == '@') {
                        if (!path[1] || strlen(path) > sizeof(((struct sockaddr_un *)0)->sun_path))
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "invalid abstract socket address `%s`", text);
                        a.kind = VL_ADDRESS_ABSTRACT;
                        a.path = xstrdup(path + 1);
                } else {
                        if (!path[0])
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "address `%s` has no socket path", text);
                        if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "socket path `%s` is longer than %zu bytes", path,
                                               sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
                        a.kind = VL_ADDRESS_UNIX;
                        a.path = xstrdup(path);
                }
        } else if (STRPREFIX(main_part, "tcp:")) {
                const char *hp = main_part + 4;
                const char *colon;
                if (hp[0] == '[') {
                        const char *close = strchr(hp, ']');
                        if (!close || close[1] != ':')
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "invalid TCP address `%s`", text);
                        a.host = xstrndup(hp + 1, (size_t)(close - hp - 1));
                        colon = close + 1;
                } else {
                        colon = strrchr(hp, ':');
                        if (!colon)
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "TCP address `%s` has no port", text);
                        a.host = xstrndup(hp, (size_t)(colon - hp));
                }
                const char *port = colon + 1;
                char *end;
                long p = strtol(port, &end, 10);
                if (!*port || *end || p < 0 || p > 65535) {
                        free(a.host);
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid TCP port in `%s`",
                                       text);
                }
                a.kind = VL_ADDRESS_TCP;
                a.port = xstrdup(port);
        } else
                return err_set(
                        err, ERR_INVALID_ARGUMENT, 0,
                        "unknown address `%s` (expected unix:PATH, unix:@NAME or tcp:HOST:PORT)",
                        text);

        if (semi && address_parse_mode(semi + 1, &a.mode, err) < 0) {
                vl_address_clear(&a);
                return -1;
        }
        *ret = a;
        return 0;
}

static socklen_t address_sockaddr_un(const VlAddress *a, struct sockaddr_un *sun) {
        *sun = (struct sockaddr_un){ .sun_family = AF_UNIX };
        size_t len = strlen(a->path);
        if (a->kind == VL_ADDRESS_ABSTRACT) {
                /* Leading NUL, then exactly the name: no padding, as the Go
                 * runtime and python-varlink map '@'. */
                memcpy(sun->sun_path + 1, a->path, len);
                return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
        }
        memcpy(sun->sun_path, a->path, len);
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

static int mkdir_parents(const char *path, mode_t mode) {
        _cleanup_free_ char *dir = xstrdup(path);
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
                return 0;
        *slash = 0;
        struct stat st;
        if (stat(dir, &st) == 0)
                return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
        int r = mkdir_parents(dir, mode);
        if (r < 0)
                return r;
        if (mkdir(dir, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* A socket file is stale when nothing accepts on it any more. */
static bool unix_socket_is_live(const struct sockaddr_un *sun, socklen_t len) {
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return false;
        return connect(fd, (const struct sockaddr *)sun, len) == 0;
}

static int address_listen_unix(const VlAddress *a, Error **err) {
        struct sockaddr_un sun;
        socklen_t len = address_sockaddr_un(a, &sun);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "socket");

        if (a->kind == VL_ADDRESS_UNIX) {
                int r = mkdir_parents(a->path, 0700);
                if (r < 0)
                        return err_set(err, ERR_SYSTEM, -r, "create the directory of `%s`",
                                       a->path);
                struct stat st;
                if (lstat(a->path, &st) == 0) {
                        if (!S_ISSOCK(st.st_mode))
                                return err_set(err, ERR_EXISTS, 0,
                                               "`%s` exists and is not a socket", a->path);
                        if (unix_socket_is_live(&sun, len))
                                return err_set(err, ERR_EXISTS, 0,
                                               "another server is listening on `%s`", a->path);
                        if (unlink(a->path) < 0 && errno != ENOENT)
                                return err_set(err, ERR_SYSTEM, errno, "remove stale socket `%s`",
                                               a->path);
                }
        }
        /* Bind with a restrictive umask, then set the requested mode, so
         * there is no window in which others may connect. */
        mode_t old = umask(0177);
        int r = bind(fd, (struct sockaddr *)&sun, len);
        int saved = errno;
        umask(old);
        if (r < 0)
                return err_set(err, ERR_SYSTEM, saved, "bind `%s%s`",
                               a->kind == VL_ADDRESS_ABSTRACT ? "@" : "", a->path);
        if (a->kind == VL_ADDRESS_UNIX && chmod(a->path, a->mode) < 0)
                return err_set(err, ERR_SYSTEM, errno, "chmod `%s`", a->path);
        if (listen(fd, ADDRESS_LISTEN_BACKLOG) < 0)
                return err_set(err, ERR_SYSTEM, errno, "listen");
        return TAKE_FD(fd);
}

static int address_resolve(const VlAddress *a, bool passive, struct addrinfo **ret, Error **err) {
        struct addrinfo hints = {
                .ai_family = AF_UNSPEC,
                .ai_socktype = SOCK_STREAM,
                .ai_flags = passive ? AI_PASSIVE : 0,
        };
        const char *host = a->host && a->host[0] ? a->host : NULL;
        if (!host && !passive)
                host = "localhost";
        int r = getaddrinfo(host, a->port, &hints, ret);
        if (r != 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "resolve `%s:%s`: %s",
                               host ? host : "*", a->port, gai_strerror(r));
        return 0;
}

static int address_listen_tcp(const VlAddress *a, Error **err) {
        struct addrinfo *ai;
        if (address_resolve(a, true, &ai, err) < 0)
                return -1;
        int saved = 0;
        for (struct addrinfo *p = ai; p; p = p->ai_next) {
                _cleanup_close_ int fd =
                        socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
                if (fd < 0) {
                        saved = errno;
                        continue;
                }
                int one = 1;
                (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
                if (bind(fd, p->ai_addr, p->ai_addrlen) < 0 ||
                    listen(fd, ADDRESS_LISTEN_BACKLOG) < 0) {
                        saved = errno;
                        continue;
                }
                freeaddrinfo(ai);
                return TAKE_FD(fd);
        }
        freeaddrinfo(ai);
        return err_set(err, ERR_SYSTEM, saved, "listen on `%s:%s`", a->host, a->port);
}

int vl_address_listen(const VlAddress *a, Error **err) {
        return a->kind == VL_ADDRESS_TCP ? address_listen_tcp(a, err) : address_listen_unix(a, err);
}

int vl_address_connect(const VlAddress *a, Error **err) {
        if (a->kind != VL_ADDRESS_TCP) {
                struct sockaddr_un sun;
                socklen_t len = address_sockaddr_un(a, &sun);
                _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        return err_set(err, ERR_SYSTEM, errno, "socket");
                if (connect(fd, (struct sockaddr *)&sun, len) < 0)
                        return err_set(err, ERR_SYSTEM, errno, "connect to `unix:%s%s`",
                                       a->kind == VL_ADDRESS_ABSTRACT ? "@" : "", a->path);
                return TAKE_FD(fd);
        }
        struct addrinfo *ai;
        if (address_resolve(a, false, &ai, err) < 0)
                return -1;
        int saved = 0;
        for (struct addrinfo *p = ai; p; p = p->ai_next) {
                _cleanup_close_ int fd =
                        socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
                if (fd < 0 || connect(fd, p->ai_addr, p->ai_addrlen) < 0) {
                        saved = errno;
                        continue;
                }
                freeaddrinfo(ai);
                return TAKE_FD(fd);
        }
        freeaddrinfo(ai);
        return err_set(err, ERR_SYSTEM, saved, "connect to `tcp:%s:%s`", a->host, a->port);
}

static bool parse_int(const char *s, long *ret) {
        if (!s || !*s)
                return false;
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || *end)
                return false;
        *ret = v;
        return true;
}

int vl_listen_fds_take(void) {
        long pid, n;
        if (!parse_int(getenv("LISTEN_PID"), &pid) || pid != (long)getpid())
                return -1;
        if (!parse_int(getenv("LISTEN_FDS"), &n) || n < 1 || n > 1024)
                return -1;

        int fd = 3;
        if (n > 1) {
                /* Several sockets: the one named "varlink" is ours. */
                const char *names = getenv("LISTEN_FDNAMES");
                if (!names)
                        return -1;
                long count = 1, found = -1, index = 0;
                for (const char *p = names; *p; p++)
                        count += *p == ':';
                if (count != n)
                        return -1;
                for (const char *p = names; p;) {
                        const char *next = strchr(p, ':');
                        size_t len = next ? (size_t)(next - p) : strlen(p);
                        if (len == 7 && strncmp(p, "varlink", 7) == 0) {
                                found = index;
                                break;
                        }
                        index++;
                        p = next ? next + 1 : NULL;
                }
                if (found < 0)
                        return -1;
                fd = 3 + (int)found;
        }
        int type;
        socklen_t len = sizeof type;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
                return -1;
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
                return -1;
        return fd;
}
