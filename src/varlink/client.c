/* SPDX-License-Identifier: Apache-2.0 */
/* The varlink client: a connection to a service (socket or a bridge
 * command's stdin and stdout) on which calls are written and replies read
 * in order. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json-util.h"
#include "varlink.h"
#include "xalloc.h"

struct VlClient {
        VlStream *stream;
        pid_t bridge_pid; /* the bridge command, reaped on free; 0 if none */
};

VlClient *vl_client_new_fds(int in_fd, int out_fd) {
        VlClient *c = xnew0(VlClient, 1);
        c->stream = vl_stream_new(in_fd, out_fd, false);
        return c;
}

int vl_client_connect(VlClient **ret, const char *address, Error **err) {
        VlAddress a;
        if (vl_address_parse(&a, address, err) < 0)
                return -1;
        int fd = vl_address_connect(&a, err);
        vl_address_clear(&a);
        if (fd < 0)
                return -1;
        *ret = vl_client_new_fds(fd, fd);
        return 0;
}

int vl_client_connect_bridge(VlClient **ret, const char *command, Error **err) {
        int to_child[2], from_child[2];
        if (pipe2(to_child, O_CLOEXEC) < 0)
                return err_set(err, ERR_SYSTEM, errno, "pipe");
        if (pipe2(from_child, O_CLOEXEC) < 0) {
                int saved = errno;
                close(to_child[0]);
                close(to_child[1]);
                return err_set(err, ERR_SYSTEM, saved, "pipe");
        }
        pid_t pid = fork();
        if (pid < 0) {
                int saved = errno;
                close(to_child[0]);
                close(to_child[1]);
                close(from_child[0]);
                close(from_child[1]);
                return err_set(err, ERR_SYSTEM, saved, "fork bridge `%s`", command);
        }
        if (pid == 0) {
                /* dup2 clears close-on-exec on the copies. */
                if (dup2(to_child[0], STDIN_FILENO) < 0 || dup2(from_child[1], STDOUT_FILENO) < 0)
                        _exit(127);
                execl("/bin/sh", "sh", "-c", command, (char *)NULL);
                _exit(127);
        }
        close(to_child[0]);
        close(from_child[1]);
        VlClient *c = vl_client_new_fds(from_child[0], to_child[1]);
        c->bridge_pid = pid;
        *ret = c;
        return 0;
}

VlClient *vl_client_free(VlClient *c) {
        if (!c)
                return NULL;
        vl_stream_free(c->stream); /* closing stdin lets the bridge end */
        if (c->bridge_pid > 0)
                while (waitpid(c->bridge_pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        free(c);
        return NULL;
}

int vl_client_call(VlClient *c, const char *method, json_t *parameters, unsigned flags,
                   Error **err) {
        _cleanup_json_ json_t *msg = json_pack("{s:s}", "method", method);
        if (parameters)
                json_object_set(msg, "parameters", parameters);
        if (flags & VL_CALL_MORE)
                json_object_set_new(msg, "more", json_true());
        if (flags & VL_CALL_ONEWAY)
                json_object_set_new(msg, "oneway", json_true());
        if (vl_stream_write(c->stream, msg, err) < 0)
                return err_wrap(err, "call %s", method);
        return 0;
}

int vl_client_receive(VlClient *c, json_t **ret_parameters, char **ret_error, bool *ret_continues,
                      Error **err) {
        _cleanup_json_ json_t *msg = NULL;
        int r = vl_stream_read(c->stream, &msg, err);
        if (r < 0)
                return err_wrap(err, "receive reply");
        if (r == 0)
                return err_set(err, ERR_PROTOCOL, 0, "the service closed the connection");
        if (!json_is_object(msg))
                return err_set(err, ERR_PROTOCOL, 0, "reply is not a JSON object");

        json_t *params = json_object_get(msg, "parameters");
        json_t *error = json_object_get(msg, "error");
        json_t *continues = json_object_get(msg, "continues");
        if ((params && !json_is_object(params) && !json_is_null(params)) ||
            (error && !json_is_string(error)) || (continues && !json_is_boolean(continues)))
                return err_set(err, ERR_PROTOCOL, 0, "malformed reply");

        if (ret_parameters)
                *ret_parameters = json_is_object(params) ? json_incref(params) : json_object();
        if (ret_error)
                *ret_error = error ? xstrdup(json_string_value(error)) : NULL;
        if (ret_continues)
                *ret_continues = json_is_true(continues);
        return 0;
}

int vl_client_call_simple(VlClient *c, const char *method, json_t *parameters,
                          json_t **ret_parameters, char **ret_error, Error **err) {
        if (vl_client_call(c, method, parameters, 0, err) < 0)
                return -1;
        return vl_client_receive(c, ret_parameters, ret_error, NULL, err);
}
