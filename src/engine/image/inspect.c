/* SPDX-License-Identifier: Apache-2.0 */
/* The image inspect document and the history of an image, in the forms
 * podman 1.0 produced (semantics 3.3 and 2.5 #32), for InspectImage,
 * HistoryImage and `varpod inspect|history`. */
#include <string.h>

#include "engine-private.h"
#include "image-inspect.h"
#include "image-store.h"
#include "json-util.h"
#include "timefmt.h"
#include "xalloc.h"

static json_t *json_or_null(json_t *v) { return v ? json_incref(v) : json_null(); }

static json_t *repo_digests(const Image *img, bool cut_at_first_colon) {
        if (!img->names[0])
                return json_null();
        json_t *a = json_array();
        for (char **n = img->names; *n; n++) {
                /* The image's names with their tag replaced by the manifest
                 * digest. */
                const char *at = strchr(*n, '@');
                const char *slash = strrchr(*n, '/');
                const char *colon = cut_at_first_colon ? strchr(*n, ':') : strrchr(*n, ':');
                size_t len = at ? (size_t)(at - *n)
                             : colon && (cut_at_first_colon || !slash || colon > slash)
                                     ? (size_t)(colon - *n)
                                     : strlen(*n);
                json_array_append_new(a,
                                      json_sprintf("%.*s@%s", (int)len, *n, img->manifest_digest));
        }
        return a;
}

json_t *image_repo_digests(const Image *img) { return repo_digests(img, false); }

static json_t *names_or_null(const Image *img) {
        if (!img->names[0])
                return json_null();
        json_t *a = json_array();
        for (char **n = img->names; *n; n++)
                json_array_append_new(a, json_string(*n));
        return a;
}

static json_t *config_subset(json_t *cfg) {
        /* The OCI image config keys, each left out when empty. */
        static const char *const keys[] = { "User",       "ExposedPorts", "Env",
                                            "Entrypoint", "Cmd",          "Volumes",
                                            "WorkingDir", "Labels",       "StopSignal" };
        json_t *out = json_object();
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                json_t *v = json_object_get(cfg, keys[i]);
                if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)) ||
                    (json_is_array(v) && json_array_size(v) == 0) ||
                    (json_is_object(v) && json_object_size(v) == 0))
                        continue;
                json_object_set(out, keys[i], v);
        }
        return out;
}

int image_inspect(Engine *e, const Image *img, json_t **ret, Error **err) {
        _cleanup_json_ json_t *config = NULL, *manifest = NULL;
        if (image_config_load(e, img, &config, err) < 0 ||
            image_manifest_load(e, img, &manifest, err) < 0)
                return -1;
        json_t *cfg = json_object_get(config, "config");
        json_t *rootfs = json_object_get(config, "rootfs");
        const char *created = json_string_value(json_object_get(config, "created"));
        json_t *annotations = json_object_get(manifest, "annotations");
        json_t *labels = json_object_get(cfg, "Labels");
        const char *comment = "";
        json_t *history = json_object_get(config, "history");
        if (json_array_size(history) > 0) {
                const char *c =
                        json_string_value(json_object_get(json_array_get(history, 0), "comment"));
                comment = c ? c : "";
        }
        json_t *doc = json_object();
        json_object_set_new(doc, "Id", json_string(img->id));
        json_object_set_new(doc, "Digest", json_string(img->manifest_digest));
        json_object_set_new(doc, "RepoTags", names_or_null(img));
        json_object_set_new(doc, "RepoDigests", repo_digests(img, false));
        json_object_set_new(doc, "Parent", json_string(""));
        json_object_set_new(doc, "Comment", json_string(comment));
        json_object_set_new(doc, "Created", created ? json_string(created) : json_null());
        json_object_set_new(doc, "Config", config_subset(cfg));
        json_t *version = json_object_get(config, "docker_version");
        json_object_set_new(doc, "Version",
                            json_string(json_is_string(version) ? json_string_value(version) : ""));
        json_t *author = json_object_get(config, "author");
        json_object_set_new(doc, "Author",
                            json_string(json_is_string(author) ? json_string_value(author) : ""));
        json_t *arch = json_object_get(config, "architecture"), *os = json_object_get(config, "os");
        json_object_set_new(doc, "Architecture",
                            json_string(json_is_string(arch) ? json_string_value(arch) : ""));
        json_object_set_new(doc, "Os",
                            json_string(json_is_string(os) ? json_string_value(os) : ""));
        json_object_set_new(doc, "Size", json_integer(img->size));
        json_object_set_new(doc, "VirtualSize", json_integer(img->size));
        json_t *data = json_object();
        if (img->top_layer) {
                _cleanup_free_ char *dir = engine_layer_path(e, img->top_layer);
                json_object_set_new(data, "UpperDir", json_string(dir));
        }
        json_object_set_new(
                doc, "GraphDriver",
                json_pack("{s:s, s:o}", "Name", e->config.storage_driver, "Data", data));
        json_object_set_new(doc, "RootFS",
                            json_pack("{s:s, s:O}", "Type", "layers", "Layers",
                                      json_is_array(json_object_get(rootfs, "diff_ids"))
                                              ? json_object_get(rootfs, "diff_ids")
                                              : json_null()));
        json_object_set_new(doc, "Labels", json_or_null(labels));
        json_object_set_new(doc, "Annotations",
                            json_is_object(annotations) ? json_incref(annotations) : json_object());
        json_object_set_new(doc, "ManifestType", json_string(img->manifest_media_type));
        json_t *user = json_object_get(cfg, "User");
        json_object_set_new(doc, "User",
                            json_string(json_is_string(user) ? json_string_value(user) : ""));
        json_object_set_new(doc, "History", json_or_null(history));
        *ret = doc;
        return 0;
}

void image_history_free(ImageHistoryEntry *h, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(h[i].id);
                free(h[i].created_by);
                free(h[i].comment);
        }
        free(h);
}

int image_history(Engine *e, const Image *img, ImageHistoryEntry **ret, size_t *ret_n,
                  Error **err) {
        _cleanup_json_ json_t *config = NULL, *manifest = NULL;
        if (image_config_load(e, img, &config, err) < 0 ||
            image_manifest_load(e, img, &manifest, err) < 0)
                return -1;
        /* The image, then the local images it was built on, nearest first:
         * each one's top layer is the layer below the previous one's, as
         * long as such an image exists (podman 1.0's history IDs). */
        Image **all = NULL;
        size_t n_all = 0;
        if (image_list(e, &all, &n_all, err) < 0)
                return -1;
        size_t n_layers = 0;
        while (img->layers[n_layers])
                n_layers++;
        const char **ids = xnew0(const char *, n_layers + 1);
        size_t n_ids = 0;
        ids[n_ids++] = img->id;
        for (size_t below = n_layers; below-- > 1;) {
                const char *found = NULL;
                for (size_t k = 0; k < n_all && !found; k++)
                        if (all[k]->top_layer && STREQ(all[k]->top_layer, img->layers[below - 1]))
                                found = all[k]->id;
                if (!found)
                        break;
                ids[n_ids++] = found;
        }

        json_t *history = json_object_get(config, "history");
        json_t *mlayers = json_object_get(manifest, "layers");
        size_t n = json_array_size(history);
        ImageHistoryEntry *h = xnew0(ImageHistoryEntry, n ? n : 1);

        /* Layer sizes as recorded in the manifest, matched to the history
         * records that created a layer, oldest first. */
        size_t layer = 0;
        int64_t *sizes = xnew0(int64_t, n ? n : 1);
        bool *empty = xnew0(bool, n ? n : 1);
        for (size_t i = 0; i < n; i++) {
                json_t *rec = json_array_get(history, i);
                empty[i] = json_is_true(json_object_get(rec, "empty_layer"));
                if (!empty[i]) {
                        json_t *l = json_array_get(mlayers, layer++);
                        sizes[i] = l ? json_integer_value(json_object_get(l, "size")) : -1;
                }
        }
        /* Newest first. An empty record shows 0 (not the reference's
         * repeated size of the next layer: that was a bug). The ID moves
         * one image down past each record that made a layer. */
        size_t id_at = 0;
        for (size_t k = 0; k < n; k++) {
                size_t i = n - 1 - k;
                json_t *rec = json_array_get(history, i);
                const char *created = json_string_value(json_object_get(rec, "created"));
                const char *by = json_string_value(json_object_get(rec, "created_by"));
                const char *comment = json_string_value(json_object_get(rec, "comment"));
                int64_t ns = 0;
                if (created)
                        (void)timefmt_rfc3339_parse(created, &ns);
                h[k] = (ImageHistoryEntry){
                        .id = xstrdup(id_at < n_ids ? ids[id_at] : "<missing>"),
                        .created = ns,
                        .created_by = xstrdup(by ? by : ""),
                        .comment = xstrdup(comment ? comment : ""),
                        .size = empty[i] ? 0 : sizes[i],
                };
                if (!empty[i])
                        id_at++;
        }
        free(ids);
        image_list_free(all, n_all);
        free(sizes);
        free(empty);
        *ret = h;
        *ret_n = n;
        return 0;
}
