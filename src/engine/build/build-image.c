/* SPDX-License-Identifier: Apache-2.0 */
/* The final image of a build: the layers of the stage's last image, with
 * a new config (the Dockerfile's config and history, the build's labels)
 * and manifest (the build's format and annotations). No container is
 * involved, so metadata-only Dockerfiles ("FROM x" + "CMD y") add no
 * layer, and every earlier commit's junk config stays with the
 * intermediate images that are removed. */
#include <string.h>
#include <time.h>

#include "build-private.h"
#include "engine-private.h"
#include "image-create.h"
#include "image-manifest.h"
#include "image.h"
#include "json-util.h"
#include "lock.h"
#include "registry.h"
#include "timefmt.h"
#include "xalloc.h"

/* Only the OCI image spec's config keys have a place in an OCI image. */
static void config_keep_oci(json_t *cfg) {
        static const char *const keys[] = { "User",       "ExposedPorts", "Env",
                                            "Entrypoint", "Cmd",          "Volumes",
                                            "WorkingDir", "Labels",       "StopSignal" };
        const char *key;
        json_t *v;
        void *tmp;
        json_object_foreach_safe (cfg, tmp, key, v) {
                bool keep = false;
                for (size_t i = 0; i < ELEMENTSOF(keys) && !keep; i++)
                        keep = STREQ(key, keys[i]);
                if (!keep)
                        json_object_del(cfg, key);
        }
}

/* "k=v" strings into an object (a bare "k" is k=""). */
static void pairs_set(json_t *obj, char **pairs) {
        for (char **p = pairs; p && *p; p++) {
                const char *eq = strchr(*p, '=');
                _cleanup_free_ char *k = eq ? xstrndup(*p, (size_t)(eq - *p)) : xstrdup(*p);
                if (*k)
                        json_object_set_new(obj, k, json_string(eq ? eq + 1 : ""));
        }
}

int build_image_write(Build *b, BuildStage *s, char **ret_id, Error **err) {
        Engine *e = b->e;
        const BuildOptions *o = b->opts;
        _cleanup_(image_freep) Image *img = NULL;
        _cleanup_json_ json_t *base = NULL, *base_manifest = NULL;
        if (image_lookup(e, s->image_id, &img, err) < 0 ||
            image_config_load(e, img, &base, err) < 0 ||
            image_manifest_load(e, img, &base_manifest, err) < 0)
                return err_wrap(err, "image %s", s->image_id);

        json_t *cfg = json_deep_copy(s->config);
        if (o->labels && o->labels[0]) {
                json_t *labels = json_object_get(cfg, "Labels");
                if (!json_is_object(labels)) {
                        labels = json_object();
                        json_object_set_new(cfg, "Labels", labels);
                }
                pairs_set(labels, o->labels);
        }
        if (!o->docker_format)
                config_keep_oci(cfg);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        _cleanup_free_ char *created =
                timefmt_rfc3339((int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
        _cleanup_json_ json_t *doc = json_pack(
                "{s:s, s:O*, s:O*, s:o, s:O, s:O}", "created", created, "architecture",
                json_object_get(base, "architecture"), "os", json_object_get(base, "os"), "config",
                cfg, "rootfs", json_object_get(base, "rootfs"), "history", s->history);
        if (!doc)
                return err_set(err, ERR_INTERNAL, 0, "image config of %s is incomplete",
                               s->image_id);
        _cleanup_free_ char *config_text = json_dumps(doc, JSON_COMPACT);
        char config_digest[DIGEST_STRING_SIZE], manifest_digest[DIGEST_STRING_SIZE];
        digest_buffer(config_text, strlen(config_text), config_digest);

        _cleanup_json_ json_t *draft = json_deep_copy(base_manifest);
        json_object_set_new(draft, "config",
                            json_pack("{s:s, s:s, s:I}", "mediaType", MEDIA_TYPE_OCI_CONFIG,
                                      "digest", config_digest, "size",
                                      (json_int_t)strlen(config_text)));
        json_object_del(draft, "annotations");
        _cleanup_json_ json_t *manifest = NULL;
        if (image_manifest_convert(draft,
                                   o->docker_format ? MANIFEST_FORMAT_DOCKER : MANIFEST_FORMAT_OCI,
                                   &manifest, err) < 0)
                return err_wrap(err, "manifest of the new image");
        if (!o->docker_format && o->annotations && o->annotations[0]) {
                json_t *ann = json_object();
                pairs_set(ann, o->annotations);
                json_object_set_new(manifest, "annotations", ann);
        }
        _cleanup_free_ char *manifest_text = image_manifest_bytes(manifest, manifest_digest);
        size_t n_layers = 0;
        _cleanup_free_ ImageLayerInput *layers =
                image_layer_inputs(img, base, manifest, 0, &n_layers);

        /* The shared store lock keeps removals (which delete unreferenced
         * blobs) out until the record is in. */
        Lock store = LOCK_INIT;
        if (lock_acquire(e->config.runroot, "store", "images", false, &store, err) < 0)
                return -1;
        ImageInput in = {
                .manifest_digest = manifest_digest,
                .manifest_media_type =
                        o->docker_format ? MEDIA_TYPE_DOCKER_MANIFEST : MEDIA_TYPE_OCI_MANIFEST,
                .manifest_size = strlen(manifest_text),
                .config_digest = config_digest,
                .config_size = strlen(config_text),
                .config = doc,
                .layers = layers,
                .n_layers = n_layers,
        };
        int r = 0;
        if (image_blob_store(e, config_digest, config_text, strlen(config_text), err) < 0 ||
            image_blob_store(e, manifest_digest, manifest_text, strlen(manifest_text), err) < 0 ||
            image_create_record(e, &in, err) < 0)
                r = -1;
        lock_release(&store);
        if (r < 0)
                return -1;

        _cleanup_(image_freep) Image *made = NULL;
        if (image_lookup(e, config_digest + 7, &made, err) < 0)
                return -1;
        for (char **t = o->tags; t && *t; t++)
                if (image_tag(e, made, *t, err) < 0)
                        return err_wrap(err, "tag %s", *t);
        *ret_id = xstrdup(made->id);
        return 0;
}
