/* SPDX-License-Identifier: Apache-2.0 */
/* io.podman methods on containers' filesystems: ListContainerChanges,
 * ExportContainer (semantics 2.4 #10, #11), Commit (2.5 #38),
 * ListContainerMounts, MountContainer, UnmountContainer (2.7 #61-63).
 * Translation only; the work is in the engine (container-fs.h). */
#include "api-private.h"
#include "container-fs.h"
#include "xalloc.h"

static const char *param_string(json_t *parameters, const char *key) {
        const char *s = json_string_value(json_object_get(parameters, key));
        return s ? s : "";
}

/* Looks the container up. On failure answers ContainerNotFound with the
 * request string, or, with lookup_errors_occurred, ErrorOccurred with the
 * lookup's text (the mount methods did), and returns NULL. */
static Container *container_or_reply(VlCall *call, Engine *e, const char *name,
                                     bool lookup_errors_occurred) {
        Container *c = NULL;
        _cleanup_error_ Error *err = NULL;
        if (container_lookup(e, name, &c, &err) < 0) {
                if (lookup_errors_occurred)
                        api_reply_error_occurred(call, err->message);
                else
                        api_reply_error(call, err, name);
                return NULL;
        }
        return c;
}

/* An array of strings, or null when empty, as the reference sent them. */
static json_t *strings_or_null(json_t *array) {
        if (json_array_size(array) > 0)
                return array;
        json_decref(array);
        return json_null();
}

API_HANDLER(ListContainerChanges) {
        Engine *e = userdata;
        _cleanup_(container_changes_freep) ContainerChanges *changes = NULL;
        _cleanup_error_ Error *err = NULL;
        /* Every failure, a name that is nothing included, is ErrorOccurred. */
        if (container_changes_list(e, param_string(parameters, "name"), &changes, &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        json_t *changed = json_array(), *added = json_array(), *deleted = json_array();
        for (size_t i = 0; i < changes->n; i++) {
                const ContainerChange *c = &changes->items[i];
                json_t *to = c->kind == CONTAINER_CHANGE_ADDED     ? added
                             : c->kind == CONTAINER_CHANGE_DELETED ? deleted
                                                                   : changed;
                json_array_append_new(to, json_string(c->path));
        }
        (void)vl_call_reply(call,
                            json_pack("{s:{s:o, s:o, s:o}}", "container", "changed",
                                      strings_or_null(changed), "added", strings_or_null(added),
                                      "deleted", strings_or_null(deleted)),
                            false, NULL);
}

API_HANDLER(ExportContainer) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c =
                container_or_reply(call, e, param_string(parameters, "name"), false);
        if (!c)
                return;
        const char *path = param_string(parameters, "path");
        _cleanup_error_ Error *err = NULL;
        if (container_export(e, c, path, &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "tarfile", path), false, NULL);
}

API_HANDLER(Commit) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c =
                container_or_reply(call, e, param_string(parameters, "name"), false);
        if (!c)
                return;
        json_t *changes = json_object_get(parameters, "changes");
        _cleanup_free_ char **strv = xnew0(char *, json_array_size(changes) + 1);
        size_t i, n = 0;
        json_t *v;
        json_array_foreach (changes, i, v)
                if (json_is_string(v))
                        strv[n++] = (char *)json_string_value(v);
        ContainerCommitOptions opts = {
                .image_name = param_string(parameters, "image_name"),
                .changes = strv,
                .author = param_string(parameters, "author"),
                .message = param_string(parameters, "message"),
                .pause = json_is_true(json_object_get(parameters, "pause")),
                .manifest_type = param_string(parameters, "manifestType"),
        };
        _cleanup_free_ char *id = NULL;
        _cleanup_error_ Error *err = NULL;
        if (container_commit(e, c, &opts, &id, &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "image", id), false, NULL);
}

API_HANDLER(ListContainerMounts) {
        Engine *e = userdata;
        char **mounts = NULL;
        _cleanup_error_ Error *err = NULL;
        if (container_mounts_list(e, &mounts, &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        json_t *out = json_array();
        for (char **m = mounts; *m; m++) {
                json_array_append_new(out, json_string(*m));
                free(*m);
        }
        free(mounts);
        (void)vl_call_reply(call, json_pack("{s:o}", "mounts", strings_or_null(out)), false, NULL);
}

API_HANDLER(MountContainer) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c =
                container_or_reply(call, e, param_string(parameters, "name"), true);
        if (!c)
                return;
        _cleanup_free_ char *path = NULL;
        _cleanup_error_ Error *err = NULL;
        if (container_mount(e, c, &path, &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "path", path), false, NULL);
}

API_HANDLER(UnmountContainer) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c =
                container_or_reply(call, e, param_string(parameters, "name"), true);
        if (!c)
                return;
        _cleanup_error_ Error *err = NULL;
        if (container_umount(e, c, json_is_true(json_object_get(parameters, "force")), &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        (void)vl_call_reply(call, json_object(), false, NULL);
}
