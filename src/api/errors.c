/* SPDX-License-Identifier: Apache-2.0 */
/* Engine error kinds to io.podman errors, one to one (semantics 2.2, 3.4).
 * Kinds without an io.podman error of their own become ErrorOccurred with
 * the message as the reason. */
#include "api-private.h"

typedef struct ErrorMapping {
        const char *error;  /* fully qualified io.podman error */
        const char *field;  /* its one string field; NULL when it has none */
        bool field_is_name; /* the field carries the looked-up name */
} ErrorMapping;

static const ErrorMapping error_map[ERR__MAX] = {
        [ERR_CONTAINER_NOT_FOUND] = { "io.podman.ContainerNotFound", "name", true },
        [ERR_IMAGE_NOT_FOUND] = { "io.podman.ImageNotFound", "name", true },
        [ERR_POD_NOT_FOUND] = { "io.podman.PodNotFound", "name", true },
        [ERR_NO_CONTAINERS_IN_POD] = { "io.podman.NoContainersInPod", "name", true },
        [ERR_NO_CONTAINER_RUNNING] = { "io.podman.NoContainerRunning", NULL, false },
};

void api_reply_error_occurred(VlCall *call, const char *reason) {
        (void)vl_call_error(call, "io.podman.ErrorOccurred", json_pack("{s:s}", "reason", reason),
                            NULL);
}

void api_reply_error(VlCall *call, const Error *e, const char *name) {
        const ErrorMapping *m = (unsigned)e->kind < ERR__MAX ? &error_map[e->kind] : NULL;
        if (!m || !m->error) {
                api_reply_error_occurred(call, e->message);
                return;
        }
        json_t *p = json_object();
        if (m->field)
                json_object_set_new(p, m->field,
                                    json_string(m->field_is_name && name ? name : e->message));
        (void)vl_call_error(call, m->error, p, NULL);
}
