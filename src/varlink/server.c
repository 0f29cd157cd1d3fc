/* SPDX-License-Identifier: Apache-2.0 */
/* The varlink server: an accept loop on the main thread and one thread per
 * connection. A connection's calls run one after another on its own thread
 * (so pipelined calls are answered in order), while a long call (a wait, a
 * followed log) only ever holds up its own connection. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "json-util.h"
#include "server-private.h"
#include "xalloc.h"

/* Connections served at once; further ones are closed at accept. */
#define SERVER_CONNECTIONS_MAX 4096
/* Stack of connection threads: handlers may call deep library code. */
#define SERVER_THREAD_STACK (1024u * 1024u)
/* On shutdown, how long calls in flight may take to finish. */
#define SERVER_DRAIN_MS 10000

struct Connection {
        VlServer *server;
        int fd;
        VlStream *stream;
        Connection *prev, *next;
        pthread_t thread;
};

struct VlCall {
        Connection *conn;
        const ServedInterface *si;
        const VlMethod *method; /* NULL for errors answered before dispatch */
        const char *name;       /* "interface.Method" as sent */
        bool more;
        bool oneway;
        bool answered; /* a final reply or an error was produced */
        bool broken;   /* writing failed: the connection is gone */
};

static int server_signal_wfd = -1;

static void server_reap(VlServer *s);

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void server_wake(VlServer *s) {
        char c = 1;
        ssize_t n _unused_ = write(s->wake_pipe[1], &c, 1);
}

int vl_server_new(VlServer **ret, const VlServiceInfo *info, Error **err) {
        VlServer *s = xnew0(VlServer, 1);
        s->info.vendor = xstrdup(info->vendor ? info->vendor : "");
        s->info.product = xstrdup(info->product ? info->product : "");
        s->info.version = xstrdup(info->version ? info->version : "");
        s->info.url = xstrdup(info->url ? info->url : "");
        s->info.internal_error = xstrdup(
                info->internal_error ? info->internal_error : "org.varlink.service.InternalError");
        s->info.internal_error_field =
                xstrdup(info->internal_error_field ? info->internal_error_field : "reason");
        s->listen_fd = -1;
        s->wake_pipe[0] = s->wake_pipe[1] = -1;
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->connections_changed, NULL);
        const char *check = getenv("VARPOD_CHECK_REPLIES");
        s->check_replies = check && STREQ(check, "1");

        if (pipe2(s->wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
                err_set(err, ERR_SYSTEM, errno, "pipe");
                vl_server_free(s);
                return -1;
        }
        if (vl_service_register(s, err) < 0) {
                vl_server_free(s);
                return -1;
        }
        *ret = s;
        return 0;
}

VlServer *vl_server_free(VlServer *s) {
        if (!s)
                return NULL;
        /* Local connections end when their client closes; give their
         * threads a moment to notice. */
        pthread_mutex_lock(&s->lock);
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 5;
        while (s->n_connections > 0)
                if (pthread_cond_timedwait(&s->connections_changed, &s->lock, &deadline) ==
                    ETIMEDOUT)
                        break;
        bool busy = s->n_connections > 0;
        pthread_mutex_unlock(&s->lock);
        server_reap(s);
        if (busy) {
                /* A handler that never returned still uses the server; the
                 * process is about to exit, so leaving it allocated is the
                 * only safe choice. */
                return NULL;
        }
        for (size_t i = 0; i < s->n_ifaces; i++) {
                vl_interface_free(s->ifaces[i].iface);
                free(s->ifaces[i].handlers);
        }
        free(s->ifaces);
        if (s->listen_fd >= 0)
                close(s->listen_fd);
        if (s->wake_pipe[0] >= 0)
                close(s->wake_pipe[0]);
        if (s->wake_pipe[1] >= 0)
                close(s->wake_pipe[1]);
        free(s->socket_path);
        free((char *)s->info.vendor);
        free((char *)s->info.product);
        free((char *)s->info.version);
        free((char *)s->info.url);
        free((char *)s->info.internal_error);
        free((char *)s->info.internal_error_field);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->connections_changed);
        free(s);
        return NULL;
}

void vl_server_set_check_replies(VlServer *s, bool enable) { s->check_replies = enable; }

const ServedInterface *vl_server_find_interface(const VlServer *s, const char *name) {
        for (size_t i = 0; i < s->n_ifaces; i++)
                if (STREQ(s->ifaces[i].iface->name, name))
                        return &s->ifaces[i];
        return NULL;
}

int vl_server_add_interface(VlServer *s, const char *description, const VlMethodBinding *bindings,
                            size_t n_bindings, void *userdata, Error **err) {
        _cleanup_(vl_interface_freep) VlInterface *iface = NULL;
        VlSyntaxError syntax = { 0 };
        if (vl_interface_parse(&iface, description, &syntax) < 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "interface description:%u:%u: %s",
                               syntax.line, syntax.column, syntax.message);
        if (vl_server_find_interface(s, iface->name))
                return err_set(err, ERR_EXISTS, 0, "interface `%s` is already served", iface->name);

        _cleanup_free_ VlMethodHandler *handlers = xnew0(VlMethodHandler, iface->n_methods);
        for (size_t b = 0; b < n_bindings; b++) {
                size_t m;
                for (m = 0; m < iface->n_methods; m++)
                        if (STREQ(iface->methods[m].name, bindings[b].method))
                                break;
                if (m == iface->n_methods)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "interface `%s` has no method `%s`", iface->name,
                                       bindings[b].method);
                handlers[m] = bindings[b].handler;
        }
        s->ifaces = xrealloc(s->ifaces, (s->n_ifaces + 1) * sizeof *s->ifaces);
        s->ifaces[s->n_ifaces++] = (ServedInterface){
                .iface = TAKE_PTR(iface),
                .handlers = TAKE_PTR(handlers),
                .userdata = userdata,
        };
        return 0;
}

int vl_server_listen(VlServer *s, const char *address, Error **err) {
        if (s->listen_fd >= 0)
                return err_set(err, ERR_EXISTS, 0, "server is already listening");
        int fd = vl_listen_fds_take();
        if (fd >= 0) {
                s->listen_fd = fd;
                return 0;
        }
        VlAddress a;
        if (vl_address_parse(&a, address, err) < 0)
                return -1;
        fd = vl_address_listen(&a, err);
        if (fd < 0) {
                vl_address_clear(&a);
                return err_wrap(err, "listen on `%s`", address);
        }
        s->listen_fd = fd;
        if (a.kind == VL_ADDRESS_UNIX)
                s->socket_path = TAKE_PTR(a.path);
        vl_address_clear(&a);
        return 0;
}

/* ------------------------------------------------------------------ */
/* Replies.                                                           */

static const VlType *server_error_type(const VlServer *s, const VlCall *call, const char *error) {
        const char *dot = strrchr(error, '.');
        if (!dot)
                return NULL;
        _cleanup_free_ char *iface_name = xstrndup(error, (size_t)(dot - error));
        const ServedInterface *si = vl_server_find_interface(s, iface_name);
        if (!si)
                return NULL;
        const VlErrorDef *e = vl_interface_find_error(si->iface, dot + 1);
        return e ? e->type : NULL;
}

static int call_write(VlCall *call, json_t *parameters, bool continues, const char *error) {
        if (call->broken)
                return -1;
        _cleanup_error_ Error *e = NULL;
        if (vl_stream_write_reply(call->conn->stream, parameters, continues, error, &e) < 0) {
                call->broken = true;
                return -1;
        }
        return 0;
}

static int call_send_internal_error(VlCall *call, const char *fmt, ...) _printf_(2, 3);

static int call_send(VlCall *call, json_t *parameters, bool continues, const char *error) {
        VlServer *s = call->conn->server;
        if (s->check_replies && !(error && STREQ(error, s->info.internal_error))) {
                const VlType *type = error          ? server_error_type(s, call, error)
                                     : call->method ? call->method->out
                                                    : NULL;
                _cleanup_free_ char *path = NULL;
                json_t *empty = NULL;
                json_t *checked = parameters ? parameters : (empty = json_object());
                int r = type ? vl_type_check_output(type, checked, &path) : -1;
                json_decref(empty);
                if (r < 0) {
                        fprintf(stderr, "varlink: reply to %s breaks its contract (%s%s%s)\n",
                                call->name, error ? error : "reply", path ? " at " : "",
                                path ? path : "");
                        return call_send_internal_error(
                                call, "reply to %s breaks its contract (%s%s%s)", call->name,
                                error ? error : "reply", path ? " at " : "", path ? path : "");
                }
        }
        if (call->oneway)
                return 0;
        return call_write(call, parameters, continues, error);
}

static int call_send_internal_error(VlCall *call, const char *fmt, ...) {
        VlServer *s = call->conn->server;
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *reason = xvasprintf(fmt, ap);
        va_end(ap);
        json_t *p = json_object();
        json_object_set_new(p, s->info.internal_error_field, json_string(reason));
        call->answered = true;
        int r = call_send(call, p, false, s->info.internal_error);
        json_decref(p);
        return r;
}

int vl_call_reply(VlCall *call, json_t *parameters, bool continues, Error **err) {
        if (call->answered) {
                json_decref(parameters);
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "call %s was already answered",
                               call->name);
        }
        if (continues && !call->more) {
                json_decref(parameters);
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "call %s did not ask for more replies",
                               call->name);
        }
        if (!continues)
                call->answered = true;
        int r = call_send(call, parameters, continues, NULL);
        json_decref(parameters);
        if (r < 0)
                return err_set(err, ERR_SYSTEM, EPIPE, "reply to %s", call->name);
        return 0;
}

/* What breaks the contract in a reply given as text; NULL when nothing. */
static char *reply_text_problem(const VlCall *call, const char *parameters, size_t len) {
        _cleanup_json_ json_t *tree = json_loadb(parameters, len, 0, NULL);
        if (!json_is_object(tree))
                return xasprintf("reply to %s is not a JSON object", call->name);
        const VlType *type = call->method ? call->method->out : NULL;
        _cleanup_free_ char *path = NULL;
        if (type && vl_type_check_output(type, tree, &path) == 0)
                return NULL;
        return xasprintf("reply to %s breaks its contract (reply%s%s)", call->name,
                         path ? " at " : "", path ? path : "");
}

int vl_call_reply_text(VlCall *call, const char *parameters, size_t len, Error **err) {
        if (call->answered)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "call %s was already answered",
                               call->name);
        call->answered = true;
        if (call->conn->server->check_replies) {
                _cleanup_free_ char *problem = reply_text_problem(call, parameters, len);
                if (problem) {
                        fprintf(stderr, "varlink: %s\n", problem);
                        (void)call_send_internal_error(call, "%s", problem);
                        return 0;
                }
        }
        if (call->oneway || call->broken)
                return 0;
        _cleanup_error_ Error *e = NULL;
        if (vl_stream_write_reply_text(call->conn->stream, parameters, len, &e) < 0) {
                call->broken = true;
                return err_set(err, ERR_SYSTEM, EPIPE, "reply to %s", call->name);
        }
        return 0;
}

int vl_call_error(VlCall *call, const char *error, json_t *parameters, Error **err) {
        if (call->answered) {
                json_decref(parameters);
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "call %s was already answered",
                               call->name);
        }
        call->answered = true;
        int r = call_send(call, parameters, false, error);
        json_decref(parameters);
        if (r < 0)
                return err_set(err, ERR_SYSTEM, EPIPE, "reply to %s", call->name);
        return 0;
}

static int call_error_with(VlCall *call, const char *error, const char *field, const char *value,
                           Error **err) {
        json_t *p = json_object();
        /* Standard error fields are omitted when empty, as the reference did. */
        if (value && *value)
                json_object_set_new(p, field, json_string(value));
        return vl_call_error(call, error, p, err);
}

int vl_call_error_invalid_parameter(VlCall *call, const char *parameter, Error **err) {
        return call_error_with(call, "org.varlink.service.InvalidParameter", "parameter", parameter,
                               err);
}

int vl_call_error_not_implemented(VlCall *call, const char *method, Error **err) {
        return call_error_with(call, "org.varlink.service.MethodNotImplemented", "method", method,
                               err);
}

bool vl_call_wants_more(const VlCall *call) { return call->more; }
bool vl_call_is_oneway(const VlCall *call) { return call->oneway; }
const char *vl_call_method(const VlCall *call) { return call->name; }

bool vl_call_peer_closed(VlCall *call) {
        if (call->broken)
                return true;
        struct pollfd p = { .fd = call->conn->fd, .events = POLLRDHUP };
        if (poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
                return true;
        return false;
}

/* ------------------------------------------------------------------ */
/* Dispatch.                                                          */

/* Top-level keys match case-insensitively, as the Go reference decoded
 * them; the exact spelling wins. */
static json_t *object_get_fold(json_t *obj, const char *key) {
        json_t *v = json_object_get(obj, key);
        if (v)
                return v;
        const char *k;
        json_t *child;
        json_object_foreach (obj, k, child)
                if (strcasecmp(k, key) == 0)
                        v = child; /* the last duplicate wins */
        return v;
}

static bool flag_get(json_t *msg, const char *key, bool *ret) {
        json_t *v = object_get_fold(msg, key);
        if (!v || json_is_null(v)) {
                *ret = false;
                return true;
        }
        if (!json_is_boolean(v))
                return false;
        *ret = json_is_true(v);
        return true;
}

static void call_dispatch(VlCall *call, json_t *msg) {
        VlServer *s = call->conn->server;
        bool ok_more = flag_get(msg, "more", &call->more);
        bool ok_oneway = flag_get(msg, "oneway", &call->oneway);
        json_t *jmethod = object_get_fold(msg, "method");
        call->name = json_string_value(jmethod);
        if (!call->name)
                call->name = "";

        if (!ok_oneway) {
                call->oneway = false;
                (void)vl_call_error_invalid_parameter(call, "oneway", NULL);
                return;
        }
        if (!ok_more) {
                (void)vl_call_error_invalid_parameter(call, "more", NULL);
                return;
        }
        if (!json_is_string(jmethod)) {
                (void)vl_call_error_invalid_parameter(call, "method", NULL);
                return;
        }
        const char *dot = strrchr(call->name, '.');
        if (!dot || dot == call->name) {
                (void)vl_call_error_invalid_parameter(call, "method", NULL);
                return;
        }
        /* Interface names are at most 255 bytes (varlink.org); longer is
         * unknown anyway. */
        char iface_name[256];
        size_t iface_len = (size_t)(dot - call->name);
        if (iface_len > 255)
                iface_len = 255;
        memcpy(iface_name, call->name, iface_len); /* per call: no printf machinery */
        iface_name[iface_len] = '\0';
        const char *bare = dot + 1;
        const ServedInterface *si = vl_server_find_interface(s, iface_name);
        if (!si) {
                (void)call_error_with(call, "org.varlink.service.InterfaceNotFound", "interface",
                                      iface_name, NULL);
                return;
        }
        const VlMethod *m = vl_interface_find_method(si->iface, bare);
        if (!m) {
                (void)call_error_with(call, "org.varlink.service.MethodNotFound", "method", bare,
                                      NULL);
                return;
        }
        call->si = si;
        call->method = m;

        _cleanup_(json_decrefp) json_t *params = NULL;
        if (m->in->n_fields > 0) {
                json_t *p = object_get_fold(msg, "parameters");
                if (!json_is_object(p)) {
                        (void)vl_call_error_invalid_parameter(call, "parameters", NULL);
                        return;
                }
                _cleanup_free_ char *field = NULL;
                if (vl_type_check_input(m->in, p, &params, &field, NULL) < 0) {
                        (void)vl_call_error_invalid_parameter(call, field ? field : "parameters",
                                                              NULL);
                        return;
                }
        } else
                params = json_object(); /* parameters of no-input methods are ignored */

        VlMethodHandler handler = si->handlers[m - si->iface->methods];
        if (!handler) {
                (void)vl_call_error_not_implemented(call, bare, NULL);
                return;
        }
        handler(call, params, si->userdata);
        if (!call->answered)
                (void)call_send_internal_error(call, "%s returned without a reply", call->name);
}

/* ------------------------------------------------------------------ */
/* Connections.                                                       */

/* Takes c off the list of open connections; the caller holds the lock. */
static void connection_list_remove(VlServer *s, Connection *c) {
        if (c->prev)
                c->prev->next = c->next;
        else
                s->connections = c->next;
        if (c->next)
                c->next->prev = c->prev;
        s->n_connections--;
}

/* The end of a connection's thread: off the open list, onto the finished
 * one, where server_reap() joins the thread and frees c. */
static void connection_unlink(Connection *c) {
        VlServer *s = c->server;
        pthread_mutex_lock(&s->lock);
        connection_list_remove(s, c);
        c->prev = NULL;
        c->next = s->finished;
        s->finished = c;
        pthread_cond_broadcast(&s->connections_changed);
        /* Wake the accept loop (idle timer) while still holding the lock:
         * once it is released the server may be freed under us. */
        server_wake(s);
        pthread_mutex_unlock(&s->lock);
}

/* Answers a message that could not be read as a call, then the caller
 * closes the connection: after a framing or syntax error the stream can no
 * longer be trusted. */
static void connection_reject(Connection *c, const Error *e) {
        VlCall call = { .conn = c, .name = "" };
        (void)call_send_internal_error(&call, "%s; closing the connection", e->message);
}

static void *connection_run(void *arg) {
        Connection *c = arg;
        for (;;) {
                _cleanup_(json_decrefp) json_t *msg = NULL;
                _cleanup_error_ Error *e = NULL;
                int r = vl_stream_read(c->stream, &msg, &e);
                if (r == 0)
                        break;
                if (r < 0) {
                        if (e->kind == ERR_LIMIT || e->kind == ERR_PROTOCOL)
                                connection_reject(c, e);
                        break;
                }
                VlCall call = { .conn = c };
                if (!json_is_object(msg)) {
                        (void)call_send_internal_error(&call,
                                                       "message is not a JSON object; closing "
                                                       "the connection");
                        break;
                }
                call_dispatch(&call, msg);
                if (call.broken)
                        break;
        }
        vl_stream_free(c->stream); /* closes c->fd */
        connection_unlink(c);
        return NULL;
}

/* Joins the threads of finished connections and frees them. Joining, not
 * just counting connections, is what tells a thread is gone: its
 * thread-local destructors (OpenSSL's per-thread state, for one) run after
 * connection_unlink(), and a process exiting before them looks leaky. */
static void server_reap(VlServer *s) {
        pthread_mutex_lock(&s->lock);
        Connection *c = s->finished;
        s->finished = NULL;
        pthread_mutex_unlock(&s->lock);
        while (c) {
                Connection *next = c->next;
                pthread_join(c->thread, NULL);
                free(c);
                c = next;
        }
}

/* Serves fd on a new thread; takes fd. */
static int server_serve_fd(VlServer *s, int fd) {
        pthread_mutex_lock(&s->lock);
        if (s->n_connections >= SERVER_CONNECTIONS_MAX) {
                pthread_mutex_unlock(&s->lock);
                close(fd);
                return -1;
        }
        Connection *c = xnew0(Connection, 1);
        c->server = s;
        c->fd = fd;
        c->stream = vl_stream_new(fd, fd, false);
        c->next = s->connections;
        if (c->next)
                c->next->prev = c;
        s->connections = c;
        s->n_connections++;

        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, SERVER_THREAD_STACK);
        /* Still under the lock: the thread cannot reach the finished list
         * (and be joined) before c->thread is set. */
        int r = pthread_create(&c->thread, &attr, connection_run, c);
        pthread_attr_destroy(&attr);
        if (r != 0) {
                connection_list_remove(s, c);
                pthread_cond_broadcast(&s->connections_changed);
                pthread_mutex_unlock(&s->lock);
                vl_stream_free(c->stream);
                free(c);
                return -1;
        }
        pthread_mutex_unlock(&s->lock);
        return 0;
}

static void server_accept(VlServer *s) {
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
                return; /* EAGAIN, ECONNABORTED, EMFILE: try again on the next wakeup */
        (void)server_serve_fd(s, fd);
}

int vl_server_connect_local(VlServer *s, VlClient **ret, Error **err) {
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
                return err_set(err, ERR_SYSTEM, errno, "socketpair");
        if (server_serve_fd(s, sp[1]) < 0) {
                close(sp[0]);
                return err_set(err, ERR_LIMIT, 0, "cannot serve another connection");
        }
        *ret = vl_client_new_fds(sp[0], sp[0]);
        return 0;
}

static void server_signal_handler(int sig) {
        int saved = errno;
        char c = (char)sig;
        if (server_signal_wfd >= 0) {
                ssize_t n _unused_ = write(server_signal_wfd, &c, 1);
        }
        errno = saved;
}

void vl_server_stop(VlServer *s) {
        atomic_store(&s->stopping, true);
        server_wake(s);
}

/* Stops reading on every connection so each finishes the call in flight,
 * writes its reply and sees end-of-file; waits for them to go. */
static void server_drain(VlServer *s) {
        pthread_mutex_lock(&s->lock);
        for (Connection *c = s->connections; c; c = c->next)
                shutdown(c->fd, SHUT_RD);
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += SERVER_DRAIN_MS / 1000;
        while (s->n_connections > 0)
                if (pthread_cond_timedwait(&s->connections_changed, &s->lock, &deadline) ==
                    ETIMEDOUT)
                        break;
        /* Calls that outlived the grace period are cut off. */
        for (Connection *c = s->connections; c; c = c->next)
                shutdown(c->fd, SHUT_RDWR);
        pthread_mutex_unlock(&s->lock);
        server_reap(s);
}

int vl_server_run(VlServer *s, uint64_t idle_timeout_ms, bool handle_signals, Error **err) {
        if (s->listen_fd < 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "server is not listening");
        int fl = fcntl(s->listen_fd, F_GETFL);
        if (fl >= 0)
                (void)fcntl(s->listen_fd, F_SETFL, fl | O_NONBLOCK);

        struct sigaction old_term, old_int, sa = { .sa_handler = server_signal_handler };
        if (handle_signals) {
                server_signal_wfd = s->wake_pipe[1];
                sigemptyset(&sa.sa_mask);
                sigaction(SIGTERM, &sa, &old_term);
                sigaction(SIGINT, &sa, &old_int);
        }

        uint64_t idle_since = now_ms();
        int ret = 0;
        while (!atomic_load(&s->stopping)) {
                pthread_mutex_lock(&s->lock);
                size_t open = s->n_connections;
                pthread_mutex_unlock(&s->lock);

                int timeout = -1;
                if (idle_timeout_ms > 0 && open == 0) {
                        uint64_t now = now_ms();
                        if (now - idle_since >= idle_timeout_ms)
                                break;
                        timeout = (int)(idle_timeout_ms - (now - idle_since));
                }
                struct pollfd p[2] = {
                        { .fd = s->listen_fd, .events = POLLIN },
                        { .fd = s->wake_pipe[0], .events = POLLIN },
                };
                int n = poll(p, 2, timeout);
                if (n < 0 && errno != EINTR) {
                        ret = err_set(err, ERR_SYSTEM, errno, "poll");
                        break;
                }
                if (p[1].revents & POLLIN) {
                        char buf[64];
                        ssize_t k;
                        while ((k = read(s->wake_pipe[0], buf, sizeof buf)) > 0)
                                for (ssize_t i = 0; i < k; i++)
                                        if (buf[i] == SIGTERM || buf[i] == SIGINT)
                                                atomic_store(&s->stopping, true);
                }
                if (p[0].revents & POLLIN)
                        server_accept(s);
                server_reap(s);

                pthread_mutex_lock(&s->lock);
                if (s->n_connections > 0 || open > 0)
                        idle_since = now_ms();
                pthread_mutex_unlock(&s->lock);
        }

        /* Stop accepting first, so no client connects to a dying server. */
        close(s->listen_fd);
        s->listen_fd = -1;
        if (s->socket_path)
                (void)unlink(s->socket_path);
        server_drain(s);
        if (handle_signals) {
                sigaction(SIGTERM, &old_term, NULL);
                sigaction(SIGINT, &old_int, NULL);
                server_signal_wfd = -1;
        }
        return ret;
}
