/* SPDX-License-Identifier: Apache-2.0 */
/* io.podman.ContainerRunlabel (semantics 2.7 #60): the command of an
 * image's label, run on the server with the server's stdio. Unlike the
 * reference, every failure is answered (ErrorOccurred): a missing label
 * or a command that cannot be built left its clients waiting forever. */
#include "api-private.h"
#include "container-runlabel.h"
#include "xalloc.h"

static const char *field_string(json_t *object, const char *key) {
        const char *s = json_string_value(json_object_get(object, key));
        return s ? s : "";
}

API_HANDLER(ContainerRunlabel) {
        Engine *e = userdata;
        json_t *in = json_object_get(parameters, "runlabel");
        json_t *extra = json_object_get(in, "extraArgs");
        json_t *opts = json_object_get(in, "opts");
        _cleanup_free_ char **extra_args = xnew0(char *, json_array_size(extra) + 1);
        size_t i, n = 0;
        json_t *v;
        json_array_foreach (extra, i, v)
                if (json_is_string(v))
                        extra_args[n++] = (char *)json_string_value(v);
        const char *creds = field_string(in, "creds");
        const char *cert_dir = field_string(in, "certDir");
        const char *authfile = field_string(in, "authfile");
        /* Here tlsVerify false did mean "skip verification" (2.7 #60). */
        ImagePullOptions pull = {
                .cert_dir = *cert_dir ? cert_dir : NULL,
                .creds = *creds ? creds : NULL,
                .auth_file = *authfile ? authfile : NULL,
                .tls_verify_set = true,
                .tls_verify = json_is_true(json_object_get(in, "tlsVerify")),
        };
        ContainerRunlabelOptions o = {
                .image = field_string(in, "image"),
                .label = field_string(in, "label"),
                .name = field_string(in, "name"),
                .extra_args = extra_args,
                .opts = { field_string(opts, "opt1"), field_string(opts, "opt2"),
                          field_string(opts, "opt3") },
                .pull = json_is_true(json_object_get(in, "pull")),
                .pull_options = &pull,
        };
        _cleanup_(container_runlabel_freep) ContainerRunlabel *cmd = NULL;
        _cleanup_error_ Error *err = NULL;
        if (container_runlabel_prepare(e, &o, &cmd, &err) < 0 ||
            container_runlabel_run(cmd, &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        (void)vl_call_reply(call, json_object(), false, NULL);
}
