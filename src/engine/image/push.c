/* SPDX-License-Identifier: Apache-2.0 */
/* Pushing an image to a registry: blobs the registry lacks are mounted
 * from another repository of it when the image came from there, else
 * uploaded from the store; then the manifest, in the format asked for. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine-private.h"
#include "image-manifest.h"
#include "image.h"
#include "json-util.h"
#include "reference.h"
#include "registries-conf.h"
#include "registry.h"
#include "xalloc.h"

/* Another repository of the same registry that holds this image, for
 * cross-repository mounts; NULL when none. New string. */
static char *push_mount_source(const Image *img, const ImageRef *dest) {
        for (char **n = img->names; *n; n++) {
                ImageRef r = { 0 };
                _cleanup_error_ Error *ignored = NULL;
                if (image_ref_parse(*n, &r, &ignored) < 0)
                        continue;
                char *repo = NULL;
                if (r.domain && STREQ(r.domain, dest->domain) && !STREQ(r.path, dest->path))
                        repo = xstrdup(r.path);
                image_ref_clear(&r);
                if (repo)
                        return repo;
        }
        return NULL;
}

static int push_blob(RegistryClient *c, Engine *e, const char *repo, const char *from,
                     const char *digest, Error **err) {
        bool exists = false;
        if (registry_blob_exists(c, repo, digest, &exists, err) < 0)
                return -1;
        if (exists)
                return 0;
        if (from) {
                bool mounted = false;
                if (registry_blob_mount(c, repo, digest, from, &mounted, err) < 0)
                        return -1;
                if (mounted)
                        return 0;
        }
        _cleanup_free_ char *path = engine_blob_path(e, digest);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return err_set(err, ERR_SYSTEM, errno, "open blob `%s`", path);
        return registry_blob_upload(c, repo, digest, fd, (uint64_t)st.st_size, err);
}

int image_push(Engine *e, Image *img, const char *destination, const ImagePushOptions *opts,
               Error **err) {
        if (opts->sign_by && *opts->sign_by)
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "signing images (signBy `%s`) is not supported", opts->sign_by);
        ImageRef dest = { 0 };
        if (image_ref_parse_normalized(destination, &dest, err) < 0)
                return -1;
        RegistriesConf conf = { 0 };
        _cleanup_json_ json_t *stored = NULL, *manifest = NULL;
        _cleanup_(registry_client_freep) RegistryClient *client = NULL;
        _cleanup_free_ char *from = NULL, *text = NULL;
        _cleanup_free_ char *config_digest = xasprintf("sha256:%s", img->id);
        _cleanup_free_ char *full = image_ref_format(&dest);
        ManifestFormat format;
        int r = -1;

        if (registries_conf_load(&conf, NULL, err) < 0)
                goto out;
        if (registries_conf_is_blocked(&conf, full)) {
                err_set(err, ERR_INVALID_ARGUMENT, 0, "registry `%s` is blocked in registries.conf",
                        dest.domain);
                goto out;
        }
        if (image_manifest_load(e, img, &stored, err) < 0 ||
            image_manifest_format_parse(opts->format,
                                        image_manifest_format_of(img->manifest_media_type), &format,
                                        err) < 0 ||
            image_manifest_convert(stored, format, &manifest, err) < 0)
                goto out;
        RegistryOptions ropts = {
                .insecure = registries_conf_is_insecure(&conf, dest.domain) ||
                            (opts->tls_verify_set && !opts->tls_verify),
                .cert_dir = opts->cert_dir,
                .creds = opts->creds,
                .auth_file = opts->auth_file,
                .progress = opts->progress,
                .progress_userdata = opts->progress_userdata,
        };
        if (registry_client_new(&client, dest.domain, &ropts, err) < 0)
                goto out;
        from = push_mount_source(img, &dest);
        size_t i;
        json_t *l;
        json_array_foreach (json_object_get(manifest, "layers"), i, l) {
                const char *digest = json_string_value(json_object_get(l, "digest"));
                if (!digest || !digest_is_valid(digest)) {
                        err_set(err, ERR_INTERNAL, 0, "stored manifest has an invalid layer");
                        goto out;
                }
                if (push_blob(client, e, dest.path, from, digest, err) < 0)
                        goto out;
        }
        if (push_blob(client, e, dest.path, from, config_digest, err) < 0)
                goto out;
        char digest[DIGEST_STRING_SIZE];
        text = image_manifest_bytes(manifest, digest);
        r = registry_manifest_put(client, dest.path, dest.digest ? dest.digest : dest.tag,
                                  json_string_value(json_object_get(manifest, "mediaType")), text,
                                  strlen(text), NULL, err);
out:
        if (r < 0)
                err_wrap(err, "push %s to `%s`", img->id, full);
        registries_conf_clear(&conf);
        image_ref_clear(&dest);
        return r;
}
