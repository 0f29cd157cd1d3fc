/* SPDX-License-Identifier: Apache-2.0 */
/* io.podman container methods (semantics 2.4): translation between
 * io.podman and the engine's container functions. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api-private.h"
#include "container.h"
#include "image.h"
#include "timefmt.h"
#include "xalloc.h"

static const char *param_string(json_t *parameters, const char *key) {
        const char *s = json_string_value(json_object_get(parameters, key));
        return s ? s : "";
}

/* Looks the container up; on failure answers ContainerNotFound with the
 * request string (or ErrorOccurred for other failures) and returns NULL. */
static Container *lookup_or_reply(VlCall *call, Engine *e, const char *name) {
        Container *c = NULL;
        _cleanup_error_ Error *err = NULL;
        if (container_lookup(e, name, &c, &err) == 0) {
                _cleanup_error_ Error *sync = NULL;
                (void)container_sync(e, c, &sync);
                return c;
        }
        api_reply_error(call, err, name);
        return NULL;
}

static json_t *strv_json_or_null(json_t *array) {
        return json_array_size(array) > 0 ? json_incref(array) : json_null();
}

static json_t *namespaces_json(const Container *c) {
        static const char *const kinds[][2] = {
                { "user", "user" }, { "uts", "uts" }, { "pidns", "pid" }, { "cgroup", "cgroup" },
                { "net", "net" },   { "mnt", "mnt" }, { "ipc", "ipc" },
        };
        bool running = c->state == CONTAINER_STATE_RUNNING || c->state == CONTAINER_STATE_PAUSED;
        json_t *ns = json_object();
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                char value[32] = "";
                if (running && c->pid > 0) {
                        /* The inode between the brackets of "net:[4026532512]". */
                        char path[64], link[64];
                        snprintf(path, sizeof path, "/proc/%d/ns/%s", c->pid, kinds[i][1]);
                        ssize_t n = readlink(path, link, sizeof link - 1);
                        if (n > 0) {
                                link[n] = 0;
                                char *open = strchr(link, '['), *close = strchr(link, ']');
                                if (open && close && close > open)
                                        snprintf(value, sizeof value, "%.*s",
                                                 (int)(close - open - 1), open + 1);
                        }
                }
                json_object_set_new(ns, kinds[i][0], json_string(value));
        }
        char pid[16];
        snprintf(pid, sizeof pid, "%d", running ? c->pid : 0);
        /* Key order of the IDL: user, uts, pidns, pid, cgroup, net, mnt, ipc. */
        json_t *ordered = json_object();
        json_object_set(ordered, "user", json_object_get(ns, "user"));
        json_object_set(ordered, "uts", json_object_get(ns, "uts"));
        json_object_set(ordered, "pidns", json_object_get(ns, "pidns"));
        json_object_set_new(ordered, "pid", json_string(pid));
        json_object_set(ordered, "cgroup", json_object_get(ns, "cgroup"));
        json_object_set(ordered, "net", json_object_get(ns, "net"));
        json_object_set(ordered, "mnt", json_object_get(ns, "mnt"));
        json_object_set(ordered, "ipc", json_object_get(ns, "ipc"));
        json_decref(ns);
        return ordered;
}

static json_t *ports_json(const Container *c) {
        json_t *ports = json_object_get(c->resolved, "ports");
        if (json_array_size(ports) == 0)
                return json_null();
        json_t *out = json_array();
        size_t i;
        json_t *p;
        json_array_foreach (ports, i, p) {
                char host[8], ctr[8];
                snprintf(host, sizeof host, "%lld",
                         (long long)json_integer_value(json_object_get(p, "host_port")));
                snprintf(ctr, sizeof ctr, "%lld",
                         (long long)json_integer_value(json_object_get(p, "container_port")));
                const char *ip = json_string_value(json_object_get(p, "host_ip"));
                const char *proto = json_string_value(json_object_get(p, "protocol"));
                json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "host_port", host,
                                                     "host_ip", ip ? ip : "", "protocol",
                                                     proto ? proto : "tcp", "container_port", ctr));
        }
        return out;
}

static json_t *mounts_json(Engine *e, const Container *c) {
        /* The mounts of the OCI config written for the container. */
        _cleanup_free_ char *path = NULL;
        const EngineConfig *cfg = engine_config(e);
        path = xasprintf("%s/containers/%s/userdata/config.json", cfg->root, c->id);
        _cleanup_json_ json_t *config = json_load_file(path, 0, NULL);
        json_t *mounts = json_object_get(config, "mounts");
        if (json_array_size(mounts) == 0)
                return json_null();
        json_t *out = json_array();
        size_t i;
        json_t *m;
        json_array_foreach (mounts, i, m) {
                json_t *opts = json_object_get(m, "options");
                const char *type = json_string_value(json_object_get(m, "type"));
                const char *source = json_string_value(json_object_get(m, "source"));
                json_array_append_new(
                        out, json_pack("{s:s, s:s, s:s, s:o}", "destination",
                                       json_string_value(json_object_get(m, "destination")), "type",
                                       type ? type : "", "source", source ? source : "", "options",
                                       json_array_size(opts) ? json_incref(opts) : json_null()));
        }
        return out;
}

static json_t *container_data(Engine *e, const Container *c) {
        _cleanup_free_ char *created = timefmt_go_time(c->created, false);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        _cleanup_free_ char *running_for =
                timefmt_go_duration((int64_t)now.tv_sec * 1000000000 + now.tv_nsec - c->created);
        int64_t rootfs_size = 0;
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_error_ Error *ignored = NULL;
        if (image_lookup(e, c->image_id, &img, &ignored) == 0)
                rootfs_size = img->size;
        json_t *labels = json_object_get(c->resolved, "labels");
        return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:I, s:I, s:s, s:o, s:o, s:b, "
                         "s:o}",
                         "id", c->id, "image", c->image_name, "imageid", c->image_id, "command",
                         strv_json_or_null(json_object_get(c->resolved, "args")), "createdat",
                         created, "runningfor", running_for, "status",
                         container_state_name(c->state), "ports", ports_json(c), "rootfssize",
                         (json_int_t)rootfs_size, "rwsize", (json_int_t)0, "names", c->name,
                         "labels", json_object_size(labels) ? json_incref(labels) : json_null(),
                         "mounts", mounts_json(e, c), "containerrunning",
                         c->state == CONTAINER_STATE_RUNNING, "namespaces", namespaces_json(c));
}

API_HANDLER(ListContainers) {
        Engine *e = userdata;
        Container **list = NULL;
        size_t n = 0;
        _cleanup_error_ Error *err = NULL;
        if (container_list(e, &list, &n, &err) < 0) {
                api_reply_error(call, err, NULL);
                return;
        }
        json_t *out = n ? json_array() : json_null();
        for (size_t i = 0; i < n; i++) {
                _cleanup_error_ Error *sync = NULL;
                (void)container_sync(e, list[i], &sync);
                json_array_append_new(out, container_data(e, list[i]));
        }
        container_list_free(list, n);
        (void)vl_call_reply(call, json_pack("{s:o}", "containers", out), false, NULL);
}

API_HANDLER(GetContainer) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c =
                lookup_or_reply(call, e, param_string(parameters, "name"));
        if (c)
                (void)vl_call_reply(call, json_pack("{s:o}", "container", container_data(e, c)),
                                    false, NULL);
}

API_HANDLER(ContainerExists) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c = NULL;
        _cleanup_error_ Error *err = NULL;
        int exists = 0;
        if (container_lookup(e, param_string(parameters, "name"), &c, &err) < 0) {
                /* Only "no such container" means missing: an empty name or
                 * an ambiguous prefix is an error (semantics 2.7, method 57). */
                const char *m = err->message;
                size_t len = strlen(m), tail = strlen("no such container");
                if (err->kind != ERR_CONTAINER_NOT_FOUND || len < tail ||
                    !STREQ(m + len - tail, "no such container")) {
                        api_reply_error_occurred(call, err->message);
                        return;
                }
                exists = 1;
        }
        (void)vl_call_reply(call, json_pack("{s:i}", "exists", exists), false, NULL);
}

API_HANDLER(CreateContainer) {
        Engine *e = userdata;
        _cleanup_error_ Error *err = NULL;
        _cleanup_free_ char *id = NULL;
        /* Every failure is ErrorOccurred, a missing image included:
         * clients of the time expected exactly that. */
        if (container_create(e, json_object_get(parameters, "create"), &id, &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "container", id), false, NULL);
}

typedef int (*ContainerOp)(Engine *e, Container *c, json_t *parameters, Error **err);

/* Looks up, runs op, answers {"container": ID}. */
static void container_op_reply(VlCall *call, Engine *e, json_t *parameters, ContainerOp op) {
        _cleanup_(container_freep) Container *c =
                lookup_or_reply(call, e, param_string(parameters, "name"));
        if (!c)
                return;
        _cleanup_error_ Error *err = NULL;
        if (op(e, c, parameters, &err) < 0) {
                api_reply_error(call, err, param_string(parameters, "name"));
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "container", c->id), false, NULL);
}

/* The state checks below are the reference's (semantics 2.4, methods
 * 14-17), made on the record lookup_or_reply has just synchronised. */

static int op_start(Engine *e, Container *c, json_t *p, Error **err) {
        if (c->state == CONTAINER_STATE_RUNNING || c->state == CONTAINER_STATE_PAUSED)
                return err_set(err, ERR_BAD_STATE, 0, "container is already running or paused");
        return container_start(e, c, NULL, err);
}

static int op_stop(Engine *e, Container *c, json_t *p, Error **err) {
        if (c->state == CONTAINER_STATE_CONFIGURED || c->state == CONTAINER_STATE_PAUSED ||
            c->state == CONTAINER_STATE_UNKNOWN)
                return err_set(err, ERR_BAD_STATE, 0,
                               "can only stop created, running, or stopped containers: container "
                               "state improper");
        return container_stop(e, c, (int)json_integer_value(json_object_get(p, "timeout")), err);
}

static int op_restart(Engine *e, Container *c, json_t *p, Error **err) {
        if (c->state == CONTAINER_STATE_PAUSED || c->state == CONTAINER_STATE_UNKNOWN)
                return err_set(err, ERR_BAD_STATE, 0,
                               "unable to restart a container in a paused or unknown state: "
                               "container state improper");
        if (c->state == CONTAINER_STATE_RUNNING &&
            container_stop(e, c, (int)json_integer_value(json_object_get(p, "timeout")), err) < 0)
                return -1;
        return container_start(e, c, NULL, err);
}

static int op_kill(Engine *e, Container *c, json_t *p, Error **err) {
        /* -1 is SIGTERM. 0 (also what a client that sends no signal
         * means) went to the runtime's kill, which only checks that the
         * process is there: the state check alone. */
        json_int_t sig = json_integer_value(json_object_get(p, "signal"));
        if (sig == -1)
                sig = SIGTERM;
        if (sig < 0 || sig > 64)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid signal %lld", (long long)sig);
        if (sig == 0 && c->state != CONTAINER_STATE_RUNNING)
                return err_set(err, ERR_BAD_STATE, 0,
                               "can only kill running containers. %s is in state %s: container "
                               "state improper",
                               c->id, container_state_name(c->state));
        return sig == 0 ? 0 : container_kill(e, c, (int)sig, err);
}

static int op_pause(Engine *e, Container *c, json_t *p, Error **err) {
        return container_pause(e, c, err);
}

static int op_unpause(Engine *e, Container *c, json_t *p, Error **err) {
        return container_unpause(e, c, err);
}

static int op_remove(Engine *e, Container *c, json_t *p, Error **err) {
        return container_remove(e, c, json_is_true(json_object_get(p, "force")), err);
}

API_HANDLER(StartContainer) { container_op_reply(call, userdata, parameters, op_start); }
API_HANDLER(StopContainer) { container_op_reply(call, userdata, parameters, op_stop); }
API_HANDLER(RestartContainer) { container_op_reply(call, userdata, parameters, op_restart); }
API_HANDLER(KillContainer) { container_op_reply(call, userdata, parameters, op_kill); }
API_HANDLER(PauseContainer) { container_op_reply(call, userdata, parameters, op_pause); }
API_HANDLER(UnpauseContainer) { container_op_reply(call, userdata, parameters, op_unpause); }
API_HANDLER(RemoveContainer) { container_op_reply(call, userdata, parameters, op_remove); }

API_HANDLER(WaitContainer) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c =
                lookup_or_reply(call, e, param_string(parameters, "name"));
        if (!c)
                return;
        _cleanup_error_ Error *err = NULL;
        int code = 0;
        if (container_wait(e, c, &code, &err) < 0) {
                api_reply_error(call, err, NULL);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:i}", "exitcode", code), false, NULL);
}

API_HANDLER(DeleteStoppedContainers) {
        Engine *e = userdata;
        Container **list = NULL;
        size_t n = 0;
        _cleanup_error_ Error *err = NULL;
        if (container_list(e, &list, &n, &err) < 0) {
                api_reply_error(call, err, NULL);
                return;
        }
        json_t *removed = json_array();
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                if (container_sync(e, list[i], &err) < 0) {
                        r = -1;
                        break;
                }
                /* Paused ones are skipped rather than failing the whole
                 * call as in the reference (a [ref-bug]). */
                if (list[i]->state == CONTAINER_STATE_RUNNING ||
                    list[i]->state == CONTAINER_STATE_PAUSED)
                        continue;
                if ((r = container_remove(e, list[i], false, &err)) == 0)
                        json_array_append_new(removed, json_string(list[i]->id));
        }
        container_list_free(list, n);
        if (r < 0) {
                json_decref(removed);
                api_reply_error(call, err, NULL);
                return;
        }
        if (json_array_size(removed) == 0) {
                json_decref(removed);
                removed = json_null();
        }
        (void)vl_call_reply(call, json_pack("{s:o}", "containers", removed), false, NULL);
}

API_HANDLER(GetAttachSockets) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c =
                lookup_or_reply(call, e, param_string(parameters, "name"));
        if (!c)
                return;
        /* A container not in the runtime is created there (not started), so
         * the sockets exist and a client that connects before StartContainer
         * gets all the output. Exited ones too: the reference left them
         * without sockets (a [ref-bug]). */
        _cleanup_error_ Error *err = NULL;
        if (container_init(e, c, &err) < 0) {
                api_reply_error(call, err, NULL);
                return;
        }
        const EngineConfig *cfg = engine_config(e);
        _cleanup_free_ char *io = xasprintf("%s/s/%s/attach", cfg->runroot, c->id);
        _cleanup_free_ char *ctl = xasprintf("%s/containers/%s/userdata/ctl", cfg->root, c->id);
        (void)vl_call_reply(call,
                            json_pack("{s:{s:s, s:s, s:s}}", "sockets", "container_id", c->id,
                                      "io_socket", io, "control_socket", ctl),
                            false, NULL);
}

/* How much log text one reply of a follow stream carries at most: a chatty
 * container must not make messages clients refuse (ours take 8 MiB). */
#define LOG_BATCH_MAX (1024 * 1024)

/* Lines of a k8s-file log from offset, complete lines only, until about
 * max bytes (0: no limit); *offset advances past them, *ret_more says
 * the limit stopped the reading. NULL array when there was nothing. */
static json_t *log_read_lines(const char *path, long *offset, size_t max, bool *ret_missing,
                              bool *ret_more) {
        FILE *f = fopen(path, "re");
        *ret_missing = !f;
        *ret_more = false;
        if (!f)
                return NULL;
        json_t *lines = NULL;
        size_t total = 0;
        if (fseek(f, *offset, SEEK_SET) == 0) {
                char *line = NULL;
                size_t cap = 0;
                ssize_t n;
                while ((n = getline(&line, &cap, f)) > 0) {
                        if (line[n - 1] != '\n')
                                break; /* a fragment: read it whole next time */
                        if (!lines)
                                lines = json_array();
                        json_array_append_new(lines, json_stringn(line, (size_t)n));
                        *offset += n;
                        total += (size_t)n;
                        if (max && total >= max) {
                                *ret_more = true;
                                break;
                        }
                }
                free(line);
        }
        fclose(f);
        return lines;
}

API_HANDLER(GetContainerLogs) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c =
                lookup_or_reply(call, e, param_string(parameters, "name"));
        if (!c)
                return;
        _cleanup_free_ char *path = container_log_path(e, c);
        long offset = 0;
        bool missing = false, more = false;
        bool follow = vl_call_wants_more(call);
        json_t *lines = log_read_lines(path, &offset, follow ? LOG_BATCH_MAX : 0, &missing, &more);
        if (missing && c->state == CONTAINER_STATE_CONFIGURED) {
                json_decref(lines);
                (void)vl_call_reply(call, json_pack("{s:n}", "container"), false, NULL);
                return;
        }
        if (!follow) {
                (void)vl_call_reply(call,
                                    json_pack("{s:o}", "container", lines ? lines : json_null()),
                                    false, NULL);
                return;
        }
        /* Follow: every new batch as a continues reply, until the container
         * stops; then the reference's closing error. A batch cut at the
         * size limit is followed by the next one at once. */
        for (bool first = true;; first = false) {
                if (!lines)
                        lines = first ? json_null() : json_array();
                if (vl_call_reply(call, json_pack("{s:o}", "container", lines), true, NULL) < 0)
                        return; /* the client went away */
                if (!more) {
                        struct timespec ts = { .tv_sec = 0, .tv_nsec = 250 * 1000 * 1000 };
                        nanosleep(&ts, NULL);
                }
                if (vl_call_peer_closed(call))
                        return;
                _cleanup_error_ Error *err = NULL;
                if (container_sync(e, c, &err) < 0) {
                        api_reply_error(call, err, NULL);
                        return;
                }
                /* The state first: lines written before the exit are then
                 * all in the file when it says the container stopped. */
                bool over =
                        c->state != CONTAINER_STATE_RUNNING && c->state != CONTAINER_STATE_PAUSED;
                lines = log_read_lines(path, &offset, LOG_BATCH_MAX, &missing, &more);
                if (over && !more) {
                        if (lines && vl_call_reply(call, json_pack("{s:o}", "container", lines),
                                                   true, NULL) < 0)
                                return;
                        _cleanup_free_ char *reason = xasprintf("%s is no longer running", c->id);
                        api_reply_error_occurred(call, reason);
                        return;
                }
        }
}
