/* SPDX-License-Identifier: Apache-2.0 */
/* io.podman container introspection: InspectContainer,
 * ListContainerProcesses and GetContainerStats (semantics 2.4, methods 7,
 * 8, 12), and the four methods podman-remote builds its `inspect` from:
 * ContainerConfig, ContainerArtifacts, ContainerInspectData and
 * ContainerStateData (2.8, methods 69-72). JSON documents travel as
 * compact JSON text inside a string field. */
#include <openssl/evp.h>
#include <string.h>

#include "api-private.h"
#include "container-inspect.h"
#include "container.h"
#include "xalloc.h"

static const char *param_string(json_t *parameters, const char *key) {
        const char *s = json_string_value(json_object_get(parameters, key));
        return s ? s : "";
}

/* Looks the container up and brings it in line with the runtime. On
 * failure answers ContainerNotFound with the request string, or, for the
 * four development methods (dev), ErrorOccurred with the lookup error's
 * text, as podman-remote expects; returns NULL then. */
static Container *lookup_or_reply(VlCall *call, Engine *e, const char *name, bool dev) {
        Container *c = NULL;
        _cleanup_error_ Error *err = NULL;
        if (container_lookup(e, name, &c, &err) < 0) {
                if (dev)
                        api_reply_error_occurred(call, err->message);
                else
                        api_reply_error(call, err, name);
                return NULL;
        }
        _cleanup_error_ Error *ignored = NULL;
        (void)container_sync(e, c, &ignored);
        return c;
}

/* Answers {field: "<doc as compact JSON>"}; takes doc. */
static void reply_document(VlCall *call, const char *field, json_t *doc, const char *failure) {
        _cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        if (!text) {
                api_reply_error_occurred(call, failure);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", field, text), false, NULL);
}

/* ErrorOccurred("context: message"), the shape of Go's wrapped errors. */
static void reply_wrapped(VlCall *call, const char *context, const Error *err) {
        _cleanup_free_ char *reason = xasprintf("%s: %s", context, err->message);
        api_reply_error_occurred(call, reason);
}

API_HANDLER(InspectContainer) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c =
                lookup_or_reply(call, e, param_string(parameters, "name"), false);
        if (!c)
                return;
        _cleanup_error_ Error *err = NULL;
        json_t *doc = NULL;
        if (container_inspect_document(e, c, true, &doc, &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        reply_document(call, "container", doc, "unable to serialize");
}

/* The descriptors the reference used: opts when there are two or more of
 * them; zero or one gives the default list (a lone descriptor was
 * dropped). Borrowed strings in a new vector; *ret_n may be 0. */
static const char **process_descriptors(json_t *opts, size_t *ret_n) {
        size_t n = json_array_size(opts);
        const char **v = xnew0(const char *, n + 1);
        size_t k = 0;
        for (size_t i = 0; n >= 2 && i < n; i++) {
                const char *s = json_string_value(json_array_get(opts, i));
                if (s)
                        v[k++] = s;
        }
        *ret_n = k;
        return v;
}

API_HANDLER(ListContainerProcesses) {
        Engine *e = userdata;
        const char *name = param_string(parameters, "name");
        _cleanup_(container_freep) Container *c = lookup_or_reply(call, e, name, false);
        if (!c)
                return;
        size_t n = 0;
        _cleanup_free_ const char **descriptors =
                process_descriptors(json_object_get(parameters, "opts"), &n);
        _cleanup_error_ Error *err = NULL;
        char **lines = NULL;
        size_t n_lines = 0;
        if (container_stats_processes(e, c, descriptors, n, &lines, &n_lines, &err) < 0) {
                if (err->kind == ERR_BAD_STATE) {
                        /* The reference names the container as it was asked for. */
                        _cleanup_free_ char *reason =
                                xasprintf("container %s is not running", name);
                        api_reply_error_occurred(call, reason);
                } else
                        api_reply_error_occurred(call, err->message);
                return;
        }
        json_t *out = json_array();
        for (size_t i = 0; i < n_lines; i++) {
                json_array_append_new(out, json_string(lines[i]));
                free(lines[i]);
        }
        free(lines);
        (void)vl_call_reply(call, json_pack("{s:o}", "container", out), false, NULL);
}

json_t *api_container_stats_json(const Container *c, const ContainerStats *s) {
        return json_pack("{s:s, s:s, s:f, s:I, s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I}", "id",
                         c->id, "name", c->name, "cpu", s->cpu_percent, "cpu_nano",
                         (json_int_t)s->cpu_ns, "system_nano", (json_int_t)s->cpu_kernel_ns,
                         "mem_usage", (json_int_t)s->mem_usage, "mem_limit",
                         (json_int_t)s->mem_limit, "mem_perc", s->mem_percent, "net_input",
                         (json_int_t)s->net_input, "net_output", (json_int_t)s->net_output,
                         "block_output", (json_int_t)s->block_output, "block_input",
                         (json_int_t)s->block_input, "pids", (json_int_t)s->pids);
}

API_HANDLER(GetContainerStats) {
        Engine *e = userdata;
        const char *name = param_string(parameters, "name");
        _cleanup_(container_freep) Container *c = lookup_or_reply(call, e, name, false);
        if (!c)
                return;
        ContainerStats s;
        _cleanup_error_ Error *err = NULL;
        if (container_stats_read(e, c, &s, &err) < 0) {
                api_reply_error(call, err, name); /* NoContainerRunning, ErrorOccurred */
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:o}", "container", api_container_stats_json(c, &s)),
                            false, NULL);
}

API_HANDLER(ContainerConfig) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c =
                lookup_or_reply(call, e, param_string(parameters, "name"), true);
        if (!c)
                return;
        _cleanup_error_ Error *err = NULL;
        json_t *doc = NULL;
        if (container_inspect_config(e, c, &doc, &err) < 0) {
                reply_wrapped(call, "unable to serialize container config", err);
                return;
        }
        reply_document(call, "config", doc, "unable to serialize container config");
}

/* bytes as a JSON string literal of their base64, the way Go's encoder
 * renders a []byte inside the string the reference replied with. */
static char *artifact_literal(const char *bytes, size_t len) {
        _cleanup_free_ unsigned char *b64 = xmalloc(4 * ((len + 2) / 3) + 1);
        EVP_EncodeBlock(b64, (const unsigned char *)bytes, (int)len);
        _cleanup_(json_decrefp) json_t *s = json_string((const char *)b64);
        return json_dumps(s, JSON_ENCODE_ANY);
}

API_HANDLER(ContainerArtifacts) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c =
                lookup_or_reply(call, e, param_string(parameters, "name"), true);
        if (!c)
                return;
        _cleanup_error_ Error *err = NULL;
        _cleanup_free_ char *bytes = NULL;
        size_t len = 0;
        if (container_inspect_artifact(e, c, param_string(parameters, "artifactName"), &bytes, &len,
                                       &err) < 0) {
                reply_wrapped(call, "unable to get container artifacts", err);
                return;
        }
        _cleanup_free_ char *literal = artifact_literal(bytes, len);
        if (!literal) {
                api_reply_error_occurred(call, "unable to get container artifacts");
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "config", literal), false, NULL);
}

API_HANDLER(ContainerInspectData) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c =
                lookup_or_reply(call, e, param_string(parameters, "name"), true);
        if (!c)
                return;
        _cleanup_error_ Error *err = NULL;
        json_t *doc = NULL;
        if (container_inspect_document(e, c, false, &doc, &err) < 0) {
                reply_wrapped(call, "unable to inspect container", err);
                return;
        }
        reply_document(call, "config", doc, "unable to inspect container");
}

API_HANDLER(ContainerStateData) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c =
                lookup_or_reply(call, e, param_string(parameters, "name"), true);
        if (!c)
                return;
        reply_document(call, "config", container_inspect_state(e, c),
                       "unable to obtain container state");
}
