/* SPDX-License-Identifier: Apache-2.0 */
/* io.podman image methods (semantics 2.5): translation between io.podman
 * and the engine's image functions. */
#include <string.h>

#include "api-private.h"
#include "image-inspect.h"
#include "image.h"
#include "reference.h"
#include "timefmt.h"
#include "xalloc.h"

static json_t *strv_or_null(char **v) {
        if (!v || !v[0])
                return json_null();
        json_t *a = json_array();
        for (; *v; v++)
                json_array_append_new(a, json_string(*v));
        return a;
}

/* ImageInList, shared by ListImages and GetImage. */
static int image_in_list(Engine *e, const Image *img, json_t **ret, Error **err) {
        /* Labels come from the store's copy: no config read per image. */
        _cleanup_json_ json_t *labels = img->labels ? json_loads(img->labels, 0, NULL) : NULL;
        bool parent = false;
        int64_t containers = 0;
        if (image_is_parent(e, img, &parent, err) < 0 ||
            image_container_count(e, img, &containers, err) < 0)
                return -1;
        _cleanup_free_ char *created = timefmt_go_time(img->created, true);
        *ret = json_pack("{s:s, s:s, s:o, s:o, s:s, s:I, s:I, s:I, s:O, s:b}", "id", img->id,
                         "parentId", "", "repoTags", strv_or_null(img->names), "repoDigests",
                         image_repo_digests(img), "created", created, "size", (json_int_t)img->size,
                         "virtualSize", (json_int_t)img->size, "containers", (json_int_t)containers,
                         "labels",
                         json_is_object(labels) && json_object_size(labels) ? labels : json_null(),
                         "isParent", parent);
        return 0;
}

API_HANDLER(ListImages) {
        Engine *e = userdata;
        _cleanup_error_ Error *err = NULL;
        Image **images = NULL;
        size_t n = 0;
        if (image_list(e, &images, &n, &err) < 0) {
                _cleanup_free_ char *reason =
                        xasprintf("unable to get list of images \"%s\"", err->message);
                api_reply_error_occurred(call, reason);
                return;
        }
        json_t *list = n ? json_array() : json_null();
        for (size_t i = 0; i < n; i++) {
                json_t *item;
                if (image_in_list(e, images[i], &item, &err) < 0) {
                        json_decref(list);
                        image_list_free(images, n);
                        api_reply_error(call, err, NULL);
                        return;
                }
                json_array_append_new(list, item);
        }
        image_list_free(images, n);
        (void)vl_call_reply(call, json_pack("{s:o}", "images", list), false, NULL);
}

/* Looks the image up; on failure answers with ImageNotFound carrying the
 * request (or, with name_is_error_text, the lookup's error text, as
 * GetImage and PushImage did) and returns NULL. */
static Image *lookup_or_reply(VlCall *call, Engine *e, const char *name, bool name_is_error_text) {
        Image *img = NULL;
        _cleanup_error_ Error *err = NULL;
        if (image_lookup(e, name, &img, &err) == 0)
                return img;
        if (err->kind == ERR_IMAGE_NOT_FOUND || err->kind == ERR_INVALID_ARGUMENT) {
                (void)vl_call_error(
                        call, "io.podman.ImageNotFound",
                        json_pack("{s:s}", "name", name_is_error_text ? err->message : name), NULL);
                return NULL;
        }
        api_reply_error(call, err, name);
        return NULL;
}

static const char *param_string(json_t *parameters, const char *key) {
        const char *s = json_string_value(json_object_get(parameters, key));
        return s ? s : "";
}

API_HANDLER(GetImage) {
        Engine *e = userdata;
        _cleanup_(image_freep) Image *img =
                lookup_or_reply(call, e, param_string(parameters, "name"), true);
        if (!img)
                return;
        _cleanup_error_ Error *err = NULL;
        json_t *item;
        if (image_in_list(e, img, &item, &err) < 0) {
                api_reply_error(call, err, NULL);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:o}", "image", item), false, NULL);
}

API_HANDLER(InspectImage) {
        Engine *e = userdata;
        _cleanup_(image_freep) Image *img =
                lookup_or_reply(call, e, param_string(parameters, "name"), false);
        if (!img)
                return;
        _cleanup_error_ Error *err = NULL;
        _cleanup_json_ json_t *doc = NULL;
        if (image_inspect(e, img, &doc, &err) < 0) {
                api_reply_error(call, err, NULL);
                return;
        }
        _cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
        (void)vl_call_reply(call, json_pack("{s:s}", "image", text), false, NULL);
}

API_HANDLER(HistoryImage) {
        Engine *e = userdata;
        _cleanup_(image_freep) Image *img =
                lookup_or_reply(call, e, param_string(parameters, "name"), false);
        if (!img)
                return;
        _cleanup_error_ Error *err = NULL;
        ImageHistoryEntry *h = NULL;
        size_t n = 0;
        if (image_history(e, img, &h, &n, &err) < 0) {
                api_reply_error(call, err, NULL);
                return;
        }
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *created = timefmt_go_time(h[i].created, true);
                json_array_append_new(list,
                                      json_pack("{s:s, s:s, s:s, s:o, s:I, s:s}", "id", h[i].id,
                                                "created", created, "createdBy", h[i].created_by,
                                                "tags", strv_or_null(img->names), "size",
                                                (json_int_t)h[i].size, "comment", h[i].comment));
        }
        image_history_free(h, n);
        (void)vl_call_reply(call, json_pack("{s:o}", "history", list), false, NULL);
}

API_HANDLER(TagImage) {
        Engine *e = userdata;
        _cleanup_(image_freep) Image *img =
                lookup_or_reply(call, e, param_string(parameters, "name"), false);
        if (!img)
                return;
        _cleanup_error_ Error *err = NULL;
        ImageRef ref = { 0 };
        if (image_ref_parse(param_string(parameters, "tagged"), &ref, &err) < 0) {
                api_reply_error(call, err, NULL);
                return;
        }
        /* Without a registry a new name lives under localhost/, as buildah
         * names local images. */
        image_ref_normalize(&ref, "localhost");
        _cleanup_free_ char *name = image_ref_format(&ref);
        image_ref_clear(&ref);
        if (image_tag(e, img, name, &err) < 0) {
                api_reply_error(call, err, NULL);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "image", img->id), false, NULL);
}

API_HANDLER(RemoveImage) {
        Engine *e = userdata;
        const char *name = param_string(parameters, "name");
        _cleanup_error_ Error *err = NULL;
        _cleanup_free_ char *id = NULL;
        if (image_remove(e, name, json_is_true(json_object_get(parameters, "force")), &id, &err) <
            0) {
                if (err->kind == ERR_INVALID_ARGUMENT)
                        err->kind = ERR_IMAGE_NOT_FOUND;
                api_reply_error(call, err, name);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "image", id), false, NULL);
}

API_HANDLER(ImageExists) {
        Engine *e = userdata;
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_error_ Error *err = NULL;
        int exists = 0;
        if (image_lookup(e, param_string(parameters, "name"), &img, &err) < 0) {
                if (err->kind != ERR_IMAGE_NOT_FOUND) {
                        api_reply_error_occurred(call, err->message);
                        return;
                }
                exists = 1;
        }
        (void)vl_call_reply(call, json_pack("{s:i}", "exists", exists), false, NULL);
}

API_HANDLER(DeleteUnusedImages) {
        Engine *e = userdata;
        _cleanup_error_ Error *err = NULL;
        json_t *removed = NULL;
        if (image_remove_unused(e, &removed, &err) < 0) {
                api_reply_error(call, err, NULL);
                return;
        }
        if (json_array_size(removed) == 0) {
                json_decref(removed);
                removed = json_null();
        }
        (void)vl_call_reply(call, json_pack("{s:o}", "images", removed), false, NULL);
}

API_HANDLER(PullImage) {
        Engine *e = userdata;
        const char *name = param_string(parameters, "name");
        /* A name that already resolves locally is not pulled again: the
         * reference server did so and clients rely on it. */
        _cleanup_(image_freep) Image *local = NULL;
        _cleanup_error_ Error *err = NULL;
        if (*name && image_lookup(e, name, &local, &err) == 0) {
                (void)vl_call_reply(call, json_pack("{s:s}", "id", local->id), false, NULL);
                return;
        }
        err = err_free(err);
        const char *creds = param_string(parameters, "creds");
        const char *cert_dir = param_string(parameters, "certDir");
        /* tlsVerify false meant "the default" (verify unless the registry
         * is insecure), never "do not verify" (semantics 2.5 #41). */
        ImagePullOptions opts = {
                .cert_dir = *cert_dir ? cert_dir : NULL,
                .creds = *creds ? creds : NULL,
        };
        _cleanup_free_ char *id = NULL;
        if (image_pull(e, name, &opts, &id, &err) < 0) {
                _cleanup_free_ char *reason =
                        xasprintf("unable to pull %s: %s", name, err->message);
                api_reply_error_occurred(call, reason);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "id", id), false, NULL);
}

/* A JSON array of strings as a NULL-terminated vector borrowing the
 * strings (the array outlives it). */
static char **strv_borrow(json_t *array) {
        size_t n = json_array_size(array);
        char **v = xnew0(char *, n + 1);
        for (size_t i = 0; i < n; i++)
                v[i] = (char *)json_string_value(json_array_get(array, i));
        return v;
}

API_HANDLER(ImportImage) {
        Engine *e = userdata;
        _cleanup_free_ char **changes = strv_borrow(json_object_get(parameters, "changes"));
        _cleanup_error_ Error *err = NULL;
        _cleanup_free_ char *id = NULL;
        if (image_import(e, param_string(parameters, "source"),
                         param_string(parameters, "reference"), param_string(parameters, "message"),
                         changes, &id, &err) < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "image", id), false, NULL);
}

API_HANDLER(ExportImage) {
        Engine *e = userdata;
        const char *name = param_string(parameters, "name");
        _cleanup_(image_freep) Image *img = lookup_or_reply(call, e, name, false);
        if (!img)
                return;
        const char *destination = param_string(parameters, "destination");
        _cleanup_error_ Error *err = NULL;
        /* Extra names for the archive; entries without a tag are skipped,
         * as the reference did. */
        _cleanup_json_ json_t *tags = json_array();
        size_t i;
        json_t *t;
        json_array_foreach (json_object_get(parameters, "tags"), i, t) {
                ImageRef ref = { 0 };
                if (image_ref_parse(json_string_value(t), &ref, &err) < 0) {
                        api_reply_error(call, err, NULL);
                        return;
                }
                if (ref.tag) {
                        image_ref_normalize(&ref, NULL);
                        _cleanup_free_ char *full = image_ref_format(&ref);
                        json_array_append_new(tags, json_string(full));
                }
                image_ref_clear(&ref);
        }
        ImageTransport transport;
        _cleanup_free_ char *rest = NULL;
        if (image_transport_split(destination, &transport, &rest, NULL, &err) < 0) {
                api_reply_error(call, err, NULL);
                return;
        }
        int r;
        if (transport == IMAGE_TRANSPORT_NONE || transport == IMAGE_TRANSPORT_DOCKER) {
                /* No transport means a registry, as the reference did. */
                ImagePushOptions opts = { 0 };
                r = image_push(e, img, rest, &opts, &err);
        } else
                r = image_export(e, img, destination, tags, &err);
        if (r < 0) {
                api_reply_error_occurred(call, err->message);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "image", img->id), false, NULL);
}

API_HANDLER(PushImage) {
        Engine *e = userdata;
        const char *name = param_string(parameters, "name");
        _cleanup_(image_freep) Image *img = lookup_or_reply(call, e, name, true);
        if (!img)
                return;
        const char *tag = param_string(parameters, "tag");
        const char *destination = *tag ? tag : name;
        const char *creds = param_string(parameters, "creds");
        const char *cert_dir = param_string(parameters, "certDir");
        ImagePushOptions opts = {
                .cert_dir = *cert_dir ? cert_dir : NULL,
                .creds = *creds ? creds : NULL,
                .tls_verify_set = true,
                .tls_verify = json_is_true(json_object_get(parameters, "tlsverify")),
                .format = param_string(parameters, "format"),
                .sign_by = param_string(parameters, "signBy"),
        };
        /* tlsverify false skips verification for a push (semantics 2.5
         * #33), unlike PullImage's tlsVerify. But an absent field is
         * false too, and python clients omit it: treat false as "the
         * registry's default" unless the registry is insecure anyway. */
        if (!opts.tls_verify)
                opts.tls_verify_set = false;
        _cleanup_error_ Error *err = NULL;
        ImageTransport transport;
        _cleanup_free_ char *rest = NULL;
        int r = image_transport_split(destination, &transport, &rest, NULL, &err);
        if (r == 0) {
                if (transport == IMAGE_TRANSPORT_NONE || transport == IMAGE_TRANSPORT_DOCKER)
                        r = image_push(e, img, rest, &opts, &err);
                else
                        r = image_export(e, img, destination, NULL, &err);
        }
        if (r < 0) {
                _cleanup_free_ char *reason = xasprintf(
                        "Error copying image to the remote destination: %s", err->message);
                api_reply_error_occurred(call, reason);
                return;
        }
        (void)vl_call_reply(call, json_pack("{s:s}", "image", img->id), false, NULL);
}

API_HANDLER(SearchImage) {
        Engine *e = userdata;
        _cleanup_error_ Error *err = NULL;
        json_t *results = NULL;
        json_int_t limit = json_integer_value(json_object_get(parameters, "limit"));
        if (image_search(e, param_string(parameters, "name"),
                         limit > 0 && limit < 100000 ? (int)limit : 0, &results, &err) < 0) {
                api_reply_error(call, err, NULL);
                return;
        }
        json_t *images = json_array();
        size_t i;
        json_t *r;
        json_array_foreach (results, i, r) {
                const char *d = json_string_value(json_object_get(r, "description"));
                const char *n = json_string_value(json_object_get(r, "name"));
                json_array_append_new(
                        images,
                        json_pack("{s:s, s:b, s:b, s:s, s:I}", "description", d ? d : "",
                                  "is_official", json_is_true(json_object_get(r, "is_official")),
                                  "is_automated", json_is_true(json_object_get(r, "is_automated")),
                                  "name", n ? n : "", "star_count",
                                  json_integer_value(json_object_get(r, "star_count"))));
        }
        json_decref(results);
        if (json_array_size(images) == 0) {
                json_decref(images);
                images = json_null();
        }
        (void)vl_call_reply(call, json_pack("{s:o}", "images", images), false, NULL);
}

API_HANDLER(ImagesPrune) {
        Engine *e = userdata;
        _cleanup_error_ Error *err = NULL;
        json_t *pruned = NULL;
        /* Every untagged image and every image no container uses, as the
         * reference did (semantics 2.7 #64); `varpod image prune` without
         * --all removes only dangling ones itself. */
        if (image_prune(e, true, &pruned, &err) < 0) {
                api_reply_error(call, err, NULL);
                return;
        }
        if (json_array_size(pruned) == 0) {
                json_decref(pruned);
                pruned = json_null();
        }
        (void)vl_call_reply(call, json_pack("{s:o}", "pruned", pruned), false, NULL);
}
