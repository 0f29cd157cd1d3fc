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
#include "container-summary.h"
#include "container.h"
#include "image.h"
#include "json-text.h"
#include "pod.h"
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

/* ListContainerData is written as text (json-text.h): with thousands of
 * containers, a jansson tree built only to be serialised took most of the
 * call's time. */

static void namespaces_text(JsonText *t, const ContainerSummary *c) {
        /* Key order of the IDL; "pid" is ours, the rest name /proc/PID/ns. */
        static const char *const kinds[][2] = {
                { "user", "user" },     { "uts", "uts" }, { "pidns", "pid" }, { "pid", NULL },
                { "cgroup", "cgroup" }, { "net", "net" }, { "mnt", "mnt" },   { "ipc", "ipc" },
        };
        bool running = c->state == CONTAINER_STATE_RUNNING || c->state == CONTAINER_STATE_PAUSED;
        json_text_lit(t, "{");
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                char value[32] = "";
                if (!kinds[i][1])
                        snprintf(value, sizeof value, "%d", running ? c->pid : 0);
                else if (running && c->pid > 0) {
                        /* The inode between the brackets of "net:[4026532512]". */
                        char path[64], link[64];
                        snprintf(path, sizeof path, "/proc/%d/ns/%s", c->pid, kinds[i][1]);
                        ssize_t n = readlink(path, link, sizeof link - 1);
                        link[n > 0 ? n : 0] = 0;
                        char *open = strchr(link, '['), *close = strchr(link, ']');
                        if (open && close && close > open)
                                snprintf(value, sizeof value, "%.*s", (int)(close - open - 1),
                                         open + 1);
                }
                json_text_key(t, kinds[i][0], i == 0);
                json_text_string(t, value);
        }
        json_text_lit(t, "}");
}

/* The engine keeps ports with numbers; ListContainerData has strings. */
static void ports_text(JsonText *t, const char *ports) {
        _cleanup_json_ json_t *list = STREQ(ports, "[]") ? NULL : json_loads(ports, 0, NULL);
        if (json_array_size(list) == 0) {
                json_text_lit(t, "null");
                return;
        }
        json_text_lit(t, "[");
        size_t i;
        json_t *p;
        json_array_foreach (list, i, p) {
                const char *ip = json_string_value(json_object_get(p, "host_ip"));
                const char *proto = json_string_value(json_object_get(p, "protocol"));
                char host[24], ctr[24];
                snprintf(host, sizeof host, "%lld",
                         (long long)json_integer_value(json_object_get(p, "host_port")));
                snprintf(ctr, sizeof ctr, "%lld",
                         (long long)json_integer_value(json_object_get(p, "container_port")));
                json_text_lit(t, i ? ",{" : "{");
                json_text_key(t, "host_port", 1);
                json_text_string(t, host);
                json_text_key(t, "host_ip", 0);
                json_text_string(t, ip);
                json_text_key(t, "protocol", 0);
                json_text_string(t, proto ? proto : "tcp");
                json_text_key(t, "container_port", 0);
                json_text_string(t, ctr);
                json_text_lit(t, "}");
        }
        json_text_lit(t, "]");
}

/* An engine JSON text as it is, or null when it is empty. */
static void document_or_null(JsonText *t, const char *doc, const char *empty) {
        json_text_lit(t, !doc || STREQ(doc, empty) ? "null" : doc);
}

static void container_data_text(JsonText *t, const ContainerSummary *c, int64_t now) {
        _cleanup_free_ char *created = timefmt_go_time(c->created, false);
        _cleanup_free_ char *running_for = timefmt_go_duration(now - c->created);
        json_text_lit(t, "{");
        json_text_key(t, "id", 1);
        json_text_string(t, c->id);
        json_text_key(t, "image", 0);
        json_text_string(t, c->image_name);
        json_text_key(t, "imageid", 0);
        json_text_string(t, c->image_id);
        json_text_key(t, "command", 0);
        document_or_null(t, c->args, "[]");
        json_text_key(t, "createdat", 0);
        json_text_string(t, created);
        json_text_key(t, "runningfor", 0);
        json_text_string(t, running_for);
        json_text_key(t, "status", 0);
        json_text_string(t, container_state_name(c->state));
        json_text_key(t, "ports", 0);
        ports_text(t, c->ports);
        json_text_key(t, "rootfssize", 0);
        json_text_int(t, c->image_size);
        json_text_key(t, "rwsize", 0);
        json_text_int(t, 0);
        json_text_key(t, "names", 0);
        json_text_string(t, c->name);
        json_text_key(t, "labels", 0);
        document_or_null(t, c->labels, "{}");
        json_text_key(t, "mounts", 0);
        document_or_null(t, c->mounts, "[]");
        json_text_key(t, "containerrunning", 0);
        json_text_bool(t, c->state == CONTAINER_STATE_RUNNING);
        json_text_key(t, "namespaces", 0);
        namespaces_text(t, c);
        json_text_lit(t, "}");
}

static int64_t now_ns(void) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

API_HANDLER(ListContainers) {
        Engine *e = userdata;
        ContainerSummary *list = NULL;
        size_t n = 0;
        _cleanup_error_ Error *err = NULL;
        if (container_summaries_list(e, &list, &n, &err) < 0) {
                api_reply_error(call, err, NULL);
                return;
        }
        int64_t now = now_ns();
        JsonText t = { 0 };
        json_text_lit(&t, n ? "{\"containers\":[" : "{\"containers\":null");
        for (size_t i = 0; i < n; i++) {
                if (i)
                        json_text_lit(&t, ",");
                container_data_text(&t, &list[i], now);
        }
        json_text_lit(&t, n ? "]}" : "}");
        container_summaries_free(list, n);
        (void)vl_call_reply_text(call, t.data, t.len, NULL);
        json_text_free(&t);
}

API_HANDLER(GetContainer) {
        Engine *e = userdata;
        const char *name = param_string(parameters, "name");
        ContainerSummary c = { 0 };
        _cleanup_error_ Error *err = NULL;
        if (container_summary_get(e, name, &c, &err) < 0) {
                api_reply_error(call, err, name);
                return;
        }
        JsonText t = { 0 };
        json_text_lit(&t, "{\"container\":");
        container_data_text(&t, &c, now_ns());
        json_text_lit(&t, "}");
        container_summary_clear(&c);
        (void)vl_call_reply_text(call, t.data, t.len, NULL);
        json_text_free(&t);
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
        if (pod_container_create(e, json_object_get(parameters, "create"), &id, &err) < 0) {
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
                /* Infra containers go with their pods, as podman's prune. */
                if (container_is_infra(list[i]))
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
