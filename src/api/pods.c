/* SPDX-License-Identifier: Apache-2.0 */
/* io.podman pod methods (semantics 2.6, methods 42-52 and 55):
 * translation between io.podman and the engine's pod functions. Pod
 * lookups fail with PodNotFound naming the request string; everything
 * else that fails is ErrorOccurred, except the per-container failures of
 * the operations (PodContainerError) and empty or idle pods
 * (NoContainersInPod, NoContainerRunning). */
#include <signal.h>
#include <stdio.h>

#include "api-private.h"
#include "pod.h"
#include "timefmt.h"
#include "xalloc.h"

static const char *param_string(json_t *parameters, const char *key) {
        const char *s = json_string_value(json_object_get(parameters, key));
        return s ? s : "";
}

/* Looks the pod up; on failure answers PodNotFound (or ErrorOccurred for
 * a failure other than the lookup's) and returns NULL. */
static Pod *lookup_or_reply(VlCall *call, Engine *e, const char *name) {
        Pod *p = NULL;
        _cleanup_error_ Error *err = NULL;
        if (pod_lookup(e, name, &p, &err) == 0)
                return p;
        api_reply_error(call, err, name);
        return NULL;
}

/* Failures of a whole operation: the kinds with io.podman errors of their
 * own keep them (NoContainersInPod names the request string), any other
 * is ErrorOccurred, whatever its kind (a member's missing image is no
 * ImageNotFound of the pod's). */
static void reply_failure(VlCall *call, const Error *err, const char *name) {
        if (err->kind == ERR_NO_CONTAINERS_IN_POD || err->kind == ERR_NO_CONTAINER_RUNNING ||
            err->kind == ERR_POD_NOT_FOUND)
                api_reply_error(call, err, name);
        else
                api_reply_error_occurred(call, err->message);
}

API_HANDLER(CreatePod) {
        Engine *e = userdata;
        _cleanup_error_ Error *err = NULL;
        _cleanup_free_ char *id = NULL;
        if (pod_create(e, json_object_get(parameters, "create"), &id, &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "pod", id), false, NULL);
}

/* ListPodData (shared by ListPods and GetPod). labels: the reference
 * always sent null [ref-bug]; the pod's labels are sent (null when it has
 * none, which clients read as an empty map either way). */
static int pod_data_json(Engine *e, const Pod *p, json_t **ret, Error **err) {
        Container **members = NULL;
        size_t n = 0;
        if (pod_members(e, p, &members, &n, err) < 0)
                return -1;
        json_t *info = n ? json_array() : json_null();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(info, json_pack("{s:s, s:s, s:s}", "name", members[i]->name,
                                                      "id", members[i]->id, "status",
                                                      container_state_name(members[i]->state)));
        _cleanup_free_ char *created = timefmt_go_time(p->created, false);
        char count[24];
        snprintf(count, sizeof count, "%zu", n);
        *ret = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:o}", "id", p->id, "name", p->name,
                         "createdat", created, "cgroup", p->cgroup_parent, "status",
                         pod_status(members, n), "labels",
                         json_object_size(p->labels) ? p->labels : json_null(),
                         "numberofcontainers", count, "containersinfo", info);
        container_list_free(members, n);
        return 0;
}

API_HANDLER(ListPods) {
        Engine *e = userdata;
        Pod **pods = NULL;
        size_t n = 0;
        _cleanup_error_ Error *err = NULL;
        if (pod_list(e, &pods, &n, &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        json_t *list = n ? json_array() : json_null();
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                json_t *data = NULL;
                Error *gone = NULL;
                r = pod_data_json(e, pods[i], &data, &gone);
                /* A pod removed while we listed is simply not there. */
                if (r < 0 && gone->kind == ERR_POD_NOT_FOUND) {
                        err_free(gone);
                        r = 0;
                } else if (r < 0)
                        err_propagate(&err, gone);
                else
                        json_array_append_new(list, data);
        }
        pod_list_free(pods, n);
        if (r < 0) {
                json_decref(list);
                api_reply_error_occurred(call, err->message);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:o}", "pods", list), false, NULL);
}

API_HANDLER(GetPod) {
        Engine *e = userdata;
        _cleanup_(pod_freep) Pod *p = lookup_or_reply(call, e, param_string(parameters, "name"));
        if (!p)
                return;
        json_t *data = NULL;
        _cleanup_error_ Error *err = NULL;
        if (pod_data_json(e, p, &data, &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:o}", "pod", data), false, NULL);
}

API_HANDLER(InspectPod) {
        Engine *e = userdata;
        _cleanup_(pod_freep) Pod *p = lookup_or_reply(call, e, param_string(parameters, "name"));
        if (!p)
                return;
        Container **members = NULL;
        size_t n = 0;
        _cleanup_error_ Error *err = NULL;
        if (pod_members(e, p, &members, &n, &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        _cleanup_json_ json_t *doc = pod_inspect_document(p, members, n);
        container_list_free(members, n);
        _cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
        if (!text) {
                api_reply_error_occurred(call, "unable to serialize");
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "pod", text), false, NULL);
}

typedef int (*PodOp)(Engine *e, Pod *p, json_t *parameters, PodErrors *ret_errs, Error **err);

/* handlePodCall (semantics 2.1): one reply per call. The reference wrote
 * a success reply after the error reply [ref-bug]; only the error is sent.
 * Its errors array also began with N zero-valued entries before the N
 * real ones [ref-bug]: they carry nothing, and the clients of the era do
 * not index the array (podman-remote prints only the error's name,
 * python-podman hands `errors` to the caller to display), so a client
 * would only show N blank lines. The array holds exactly the failed
 * containers, by ID. */
static void pod_op_reply(VlCall *call, Engine *e, json_t *parameters, PodOp op) {
        const char *name = param_string(parameters, "name");
        _cleanup_(pod_freep) Pod *p = lookup_or_reply(call, e, name);
        if (!p)
                return;
        PodErrors errs = { 0 };
        _cleanup_error_ Error *err = NULL;
        if (op(e, p, parameters, &errs, &err) < 0) {
                reply_failure(call, err, name);
                return;
        }
        if (errs.n == 0) {
                (void)vl_call_reply(call, json_pack("{s:s}", "pod", p->id), false, NULL);
                return;
        }
        json_t *list = json_array();
        for (size_t i = 0; i < errs.n; i++)
                json_array_append_new(list, json_pack("{s:s, s:s}", "containerid", errs.items[i].id,
                                                      "reason", errs.items[i].message));
        pod_errors_clear(&errs);
        (void)vl_call_error(call, "io.podman.PodContainerError",
                            json_pack("{s:s, s:o}", "podname", p->id, "errors", list), NULL);
}

static int op_start(Engine *e, Pod *p, json_t *parameters, PodErrors *errs, Error **err) {
        return pod_start(e, p, errs, err);
}

static int op_stop(Engine *e, Pod *p, json_t *parameters, PodErrors *errs, Error **err) {
        /* >= 0: seconds (0, what clients omitting it send, kills at once);
         * < 0: each container's own stop timeout. */
        json_int_t timeout = json_integer_value(json_object_get(parameters, "timeout"));
        if (timeout > 24 * 3600)
                timeout = 24 * 3600;
        return pod_stop(e, p, timeout < 0 ? -1 : (int)timeout, errs, err);
}

static int op_restart(Engine *e, Pod *p, json_t *parameters, PodErrors *errs, Error **err) {
        return pod_restart(e, p, errs, err);
}

static int op_kill(Engine *e, Pod *p, json_t *parameters, PodErrors *errs, Error **err) {
        json_int_t sig = json_integer_value(json_object_get(parameters, "signal"));
        if (sig == -1)
                sig = SIGTERM;
        /* 0 only checks that the pod is there, as kill(2) does. */
        if (sig == 0)
                return 0;
        if (sig < 0 || sig > 64)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid signal %lld", (long long)sig);
        return pod_kill(e, p, (int)sig, errs, err);
}

static int op_pause(Engine *e, Pod *p, json_t *parameters, PodErrors *errs, Error **err) {
        return pod_pause(e, p, errs, err);
}

static int op_unpause(Engine *e, Pod *p, json_t *parameters, PodErrors *errs, Error **err) {
        return pod_unpause(e, p, errs, err);
}

API_HANDLER(StartPod) { pod_op_reply(call, userdata, parameters, op_start); }
API_HANDLER(StopPod) { pod_op_reply(call, userdata, parameters, op_stop); }
API_HANDLER(RestartPod) { pod_op_reply(call, userdata, parameters, op_restart); }
API_HANDLER(KillPod) { pod_op_reply(call, userdata, parameters, op_kill); }
API_HANDLER(PausePod) { pod_op_reply(call, userdata, parameters, op_pause); }
API_HANDLER(UnpausePod) { pod_op_reply(call, userdata, parameters, op_unpause); }

API_HANDLER(RemovePod) {
        Engine *e = userdata;
        const char *name = param_string(parameters, "name");
        _cleanup_(pod_freep) Pod *p = lookup_or_reply(call, e, name);
        if (!p)
                return;
        _cleanup_error_ Error *err = NULL;
        if (pod_remove(e, p, json_is_true(json_object_get(parameters, "force")), &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "pod", p->id), false, NULL);
}

API_HANDLER(GetPodStats) {
        Engine *e = userdata;
        const char *name = param_string(parameters, "name");
        _cleanup_(pod_freep) Pod *p = lookup_or_reply(call, e, name);
        if (!p)
                return;
        Container **members = NULL;
        ContainerStats *stats = NULL;
        size_t n = 0;
        _cleanup_error_ Error *err = NULL;
        if (pod_stats(e, p, &members, &stats, &n, &err) < 0) {
                reply_failure(call, err, name);
                return;
        }
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(list, api_container_stats_json(members[i], &stats[i]));
        container_list_free(members, n);
        free(stats);
        (void)vl_call_reply(call, json_pack("{s:s, s:o}", "pod", p->id, "containers", list), false,
                            NULL);
}
