/* SPDX-License-Identifier: Apache-2.0 */
/* io.podman.ContainerCheckpoint and ContainerRestore (semantics 2.7 #58,
 * #59): ContainerNotFound when the lookup fails, ErrorOccurred for the
 * rest. The work is in the engine (container-checkpoint.h). */
#include "api-private.h"
#include "container-checkpoint.h"

typedef int (*CheckpointOp)(Engine *e, Container *c, const ContainerCheckpointOptions *o,
                            Error **err);

static void checkpoint_op_reply(VlCall *call, Engine *e, json_t *parameters, CheckpointOp op) {
        const char *name = json_string_value(json_object_get(parameters, "name"));
        if (!name)
                name = "";
        _cleanup_(container_freep) Container *c = NULL;
        _cleanup_error_ Error *err = NULL;
        if (container_lookup(e, name, &c, &err) < 0) {
                api_reply_error(call, err, name);
                return;
        }
        ContainerCheckpointOptions o = {
                .keep = json_is_true(json_object_get(parameters, "keep")),
                .leave_running = json_is_true(json_object_get(parameters, "leaveRunning")),
                .tcp_established = json_is_true(json_object_get(parameters, "tcpEstablished")),
        };
        if (op(e, c, &o, &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "id", c->id), false, NULL);
}

API_HANDLER(ContainerCheckpoint) {
        checkpoint_op_reply(call, userdata, parameters, container_checkpoint);
}

API_HANDLER(ContainerRestore) {
        checkpoint_op_reply(call, userdata, parameters, container_restore);
}
