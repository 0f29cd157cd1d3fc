/* SPDX-License-Identifier: Apache-2.0 */
/* Framing: varlink messages are JSON objects each terminated by one NUL
 * byte, with no length prefix. A peer may pipeline several messages in one
 * write and split one message over many, so reads go into a buffer that is
 * scanned for NULs; bytes after a NUL stay buffered for the next call. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "varlink.h"
#include "xalloc.h"

/* Read size per system call: big enough for typical calls in one read,
 * small enough that an idle connection costs little. */
#define STREAM_READ_CHUNK 16384u

struct VlStream {
        int in_fd;
        int out_fd;
        bool borrow_fds;
        bool is_socket;
        char *buf;
        size_t capacity;
        size_t start; /* first byte not yet returned */
        size_t end;   /* one past the last byte read */
        size_t scan;  /* bytes before it are known not to be NUL */
        char *out;    /* the message being written, reused between writes */
        size_t out_len, out_cap;
};

VlStream *vl_stream_new(int in_fd, int out_fd, bool borrow_fds) {
        VlStream *s = xnew0(VlStream, 1);
        s->in_fd = in_fd;
        s->out_fd = out_fd;
        s->borrow_fds = borrow_fds;
        int type;
        socklen_t len = sizeof type;
        s->is_socket = getsockopt(out_fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
        return s;
}

VlStream *vl_stream_free(VlStream *s) {
        if (!s)
                return NULL;
        if (!s->borrow_fds) {
                if (s->in_fd >= 0)
                        close(s->in_fd);
                if (s->out_fd >= 0 && s->out_fd != s->in_fd)
                        close(s->out_fd);
        }
        free(s->buf);
        free(s->out);
        free(s);
        return NULL;
}

int vl_stream_in_fd(const VlStream *s) { return s->in_fd; }

static char *stream_find_nul(VlStream *s) {
        /* Nothing new to scan; before the first read buf is still NULL, and
         * memchr(NULL, ..., 0) is undefined behaviour. */
        if (s->scan >= s->end)
                return NULL;
        char *nul = memchr(s->buf + s->scan, 0, s->end - s->scan);
        s->scan = nul ? (size_t)(nul - s->buf) : s->end;
        return nul;
}

bool vl_stream_has_buffered(const VlStream *s) {
        return s->end > s->start && memchr(s->buf + s->start, 0, s->end - s->start);
}

/* Depth of nested arrays and objects; jansson already bounds recursion at
 * parse time (2048), this enforces our much smaller named limit. */
static bool json_depth_exceeds(json_t *v, unsigned depth) {
        if (depth > VL_JSON_DEPTH_MAX)
                return true;
        if (json_is_object(v)) {
                const char *key;
                json_t *child;
                json_object_foreach (v, key, child)
                        if (json_depth_exceeds(child, depth + 1))
                                return true;
        } else if (json_is_array(v)) {
                size_t i;
                json_t *child;
                json_array_foreach (v, i, child)
                        if (json_depth_exceeds(child, depth + 1))
                                return true;
        }
        return false;
}

static int stream_parse(VlStream *s, const char *text, size_t len, json_t **ret, Error **err) {
        json_error_t jerr;
        json_t *msg = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
        if (!msg)
                return err_set(err, ERR_PROTOCOL, 0, "malformed message: %s at line %d column %d",
                               jerr.text, jerr.line, jerr.column);
        if (json_depth_exceeds(msg, 1)) {
                json_decref(msg);
                return err_set(err, ERR_LIMIT, 0, "message nested deeper than %u levels",
                               VL_JSON_DEPTH_MAX);
        }
        *ret = msg;
        return 1;
}

int vl_stream_read(VlStream *s, json_t **ret, Error **err) {
        for (;;) {
                char *nul = stream_find_nul(s);
                if (nul) {
                        const char *text = s->buf + s->start;
                        size_t len = (size_t)(nul - text);
                        s->start = s->scan = (size_t)(nul - s->buf) + 1;
                        if (len > VL_MESSAGE_SIZE_MAX)
                                return err_set(err, ERR_LIMIT, 0, "message larger than %u bytes",
                                               VL_MESSAGE_SIZE_MAX);
                        return stream_parse(s, text, len, ret, err);
                }
                if (s->end - s->start > VL_MESSAGE_SIZE_MAX)
                        return err_set(err, ERR_LIMIT, 0, "message larger than %u bytes",
                                       VL_MESSAGE_SIZE_MAX);

                /* Move the partial message to the front before growing. */
                if (s->start > 0) {
                        memmove(s->buf, s->buf + s->start, s->end - s->start);
                        s->end -= s->start;
                        s->scan -= s->start;
                        s->start = 0;
                }
                if (s->capacity - s->end < STREAM_READ_CHUNK) {
                        s->capacity = s->end + STREAM_READ_CHUNK;
                        s->buf = xrealloc(s->buf, s->capacity);
                }
                ssize_t n = read(s->in_fd, s->buf + s->end, s->capacity - s->end);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == ECONNRESET)
                                return 0;
                        return err_set(err, ERR_SYSTEM, errno, "read message");
                }
                if (n == 0) {
                        if (s->end == s->start) {
                                /* Nothing pending: an idle connection's buffer
                                 * is released so it costs only the struct. */
                                free(s->buf);
                                s->buf = NULL;
                                s->capacity = s->start = s->end = s->scan = 0;
                                return 0;
                        }
                        return err_set(err, ERR_PROTOCOL, 0, "connection closed inside a message");
                }
                s->end += (size_t)n;
        }
}

static int stream_write_all(VlStream *s, const char *data, size_t len, Error **err) {
        while (len > 0) {
                ssize_t n = s->is_socket ? send(s->out_fd, data, len, MSG_NOSIGNAL)
                                         : write(s->out_fd, data, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd p = { .fd = s->out_fd, .events = POLLOUT };
                                (void)poll(&p, 1, -1);
                                continue;
                        }
                        return err_set(err, ERR_SYSTEM, errno, "write message");
                }
                data += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Serialisation goes straight into the reusable output buffer: no
 * temporary string per message. */
static int out_append(const char *data, size_t len, void *userdata) {
        VlStream *s = userdata;
        xgrow((void **)&s->out, &s->out_cap, s->out_len + len + 1, 1);
        memcpy(s->out + s->out_len, data, len);
        s->out_len += len;
        return 0;
}

static int out_append_json(VlStream *s, json_t *v) {
        return json_dump_callback(v, out_append, s, JSON_COMPACT | JSON_ENCODE_ANY);
}

static int out_flush(VlStream *s, Error **err) {
        out_append("", 1, s); /* the terminating NUL */
        int r = stream_write_all(s, s->out, s->out_len, err);
        s->out_len = 0;
        /* A huge reply should not pin its buffer for the connection's life. */
        if (s->out_cap > 65536) {
                free(s->out);
                s->out = NULL;
                s->out_cap = 0;
        }
        return r;
}

int vl_stream_write(VlStream *s, json_t *msg, Error **err) {
        s->out_len = 0;
        if (out_append_json(s, msg) < 0)
                return err_set(err, ERR_INTERNAL, 0, "cannot serialise message");
        return out_flush(s, err);
}

int vl_stream_write_reply_text(VlStream *s, const char *parameters, size_t len, Error **err) {
        s->out_len = 0;
        out_append("{\"parameters\":", 14, s);
        out_append(parameters, len, s);
        out_append("}", 1, s);
        return out_flush(s, err);
}

int vl_stream_write_reply(VlStream *s, json_t *parameters, bool continues, const char *error,
                          Error **err) {
        s->out_len = 0;
        bool comma = false;
        out_append("{", 1, s);
        if (parameters && json_object_size(parameters) > 0) {
                out_append("\"parameters\":", 13, s);
                if (out_append_json(s, parameters) < 0)
                        return err_set(err, ERR_INTERNAL, 0, "cannot serialise reply");
                comma = true;
        }
        if (continues) {
                out_append(comma ? ",\"continues\":true" : "\"continues\":true", comma ? 17 : 16,
                           s);
                comma = true;
        }
        if (error) {
                json_t *name = json_string(error);
                if (!name)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid error name");
                out_append(comma ? ",\"error\":" : "\"error\":", comma ? 9 : 8, s);
                int r = out_append_json(s, name);
                json_decref(name);
                if (r < 0)
                        return err_set(err, ERR_INTERNAL, 0, "cannot serialise reply");
        }
        out_append("}", 1, s);
        return out_flush(s, err);
}
