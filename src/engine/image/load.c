/* SPDX-License-Identifier: Apache-2.0 */
/* Loading images from archives and directories: docker-archive (`docker
 * save`), oci-archive and OCI layout directories, and containers/image's
 * dir: layout. The outer archive is as hostile as any layer, so it is
 * unpacked with the same safe extraction into a staging directory first;
 * each layer is then extracted, checked against the config's diff IDs and
 * stored like a pulled one. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine-private.h"
#include "image-create.h"
#include "image-manifest.h"
#include "json-util.h"
#include "layer.h"
#include "lock.h"
#include "reference.h"
#include "registry.h"
#include "xalloc.h"

/* Largest manifest.json, index.json or config read from an archive. */
#define LOAD_DOCUMENT_MAX (4u * 1024u * 1024u)

static int load_json(const char *dir, const char *name, json_t **ret, Error **err) {
        /* Names come from the archive: they must stay inside it. */
        if (strstr(name, "..") || name[0] == '/')
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "archive names `%s` outside itself",
                               name);
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
        struct stat st;
        if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > LOAD_DOCUMENT_MAX)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "archive has no usable `%s`", name);
        json_error_t jerr;
        json_t *doc = json_load_file(path, 0, &jerr);
        if (!doc)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "`%s` in the archive: %s", name,
                               jerr.text);
        *ret = doc;
        return 0;
}

static int file_bytes(const char *dir, const char *name, char **ret, size_t *ret_len, Error **err) {
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > LOAD_DOCUMENT_MAX)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "archive has no usable `%s`", name);
        char *buf = xmalloc((size_t)st.st_size + 1);
        if (read(fd, buf, (size_t)st.st_size) != st.st_size) {
                free(buf);
                return err_set(err, ERR_SYSTEM, errno ? errno : EIO, "read `%s`", path);
        }
        buf[st.st_size] = 0;
        *ret = buf;
        *ret_len = (size_t)st.st_size;
        return 0;
}

/* One layer file of the archive into the store: extracted (checked
 * against diff_id), its blob kept when compressed or gzipped when not. */
static int load_layer(Engine *e, const char *file, const char *diff_id, const char *parent_chain,
                      const char *expected_digest, ImageLayerInput *ret, Error **err) {
        _cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return err_set(err, ERR_INVALID_ARGUMENT, errno, "open layer `%s`", file);
        _cleanup_free_ char *staging = NULL;
        if (engine_tmp_dir(e, "load-layer", &staging, err) < 0)
                return -1;
        _cleanup_free_ char *tree = xasprintf("%s/tree", staging);
        _cleanup_free_ char *blob = xasprintf("%s/blob", staging);
        LayerExtractOptions opts = {
                .whiteouts = LAYER_WHITEOUT_OVERLAY,
                .allow_devices = true,
                .preserve_owners = true,
        };
        LayerExtractResult res;
        Lock lock = LOCK_INIT;
        int r = -1;
        _cleanup_free_ char *layer_dir = NULL, *blob_path = NULL;
        if (mkdir(tree, 0755) < 0) {
                err_set(err, ERR_SYSTEM, errno, "create `%s`", tree);
                goto out;
        }
        if (layer_extract_fd(fd, tree, &opts, &res, err) < 0)
                goto out;
        if (!STREQ(res.diff_id, diff_id)) {
                err_set(err, ERR_PROTOCOL, 0, "layer `%s` has digest %s, the config says %s", file,
                        res.diff_id, diff_id);
                goto out;
        }
        if (expected_digest && !STREQ(res.compressed_digest, expected_digest)) {
                err_set(err, ERR_PROTOCOL, 0, "blob `%s`: digest mismatch (got %s)", file,
                        res.compressed_digest);
                goto out;
        }
        *ret = (ImageLayerInput){ .size = (int64_t)res.uncompressed_size };
        memcpy(ret->diff_id, res.diff_id, DIGEST_STRING_SIZE);
        image_chain_id(parent_chain, res.diff_id, ret->chain_id);
        if (lseek(fd, 0, SEEK_SET) < 0) {
                err_set(err, ERR_SYSTEM, errno, "rewind `%s`", file);
                goto out;
        }
        if (res.compression == LAYER_COMPRESSION_NONE) {
                uint64_t size;
                _cleanup_close_ int out =
                        open(blob, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                if (out < 0 || layer_compress(fd, out, LAYER_COMPRESSION_GZIP, ret->blob_digest,
                                              &size, err) < 0) {
                        if (out < 0)
                                err_set(err, ERR_SYSTEM, errno, "create `%s`", blob);
                        goto out;
                }
                ret->blob_size = (int64_t)size;
                ret->blob_media_type = MEDIA_TYPE_OCI_LAYER_GZIP;
        } else {
                /* A file of an archive we unpacked into staging is ours and
                 * can be linked. A directory loaded in place (dir:, oci:)
                 * is the user's: copy, since a hard link would share the
                 * inode with a file they may rewrite later (exporting to
                 * the same directory truncates it) and the directory may
                 * sit on another filesystem. */
                size_t tl = strlen(e->tmp_dir);
                bool staged = strncmp(file, e->tmp_dir, tl) == 0 && file[tl] == '/';
                if ((!staged || link(file, blob) < 0) && image_file_copy(fd, blob, err) < 0)
                        goto out;
                memcpy(ret->blob_digest, res.compressed_digest, DIGEST_STRING_SIZE);
                ret->blob_size = (int64_t)res.compressed_size;
                ret->blob_media_type = res.compression == LAYER_COMPRESSION_GZIP
                                               ? MEDIA_TYPE_OCI_LAYER_GZIP
                                               : MEDIA_TYPE_OCI_LAYER_ZSTD;
        }
        if (lock_acquire(e->config.runroot, "layer", ret->chain_id + 7, true, &lock, err) < 0)
                goto out;
        layer_dir = engine_layer_path(e, ret->chain_id);
        blob_path = engine_blob_path(e, ret->blob_digest);
        if ((access(layer_dir, F_OK) != 0 && rename(tree, layer_dir) < 0) ||
            (access(blob_path, F_OK) != 0 && rename(blob, blob_path) < 0)) {
                err_set(err, ERR_SYSTEM, errno, "store layer %s", ret->diff_id);
                goto out;
        }
        r = 0;
out:
        lock_release(&lock);
        _cleanup_error_ Error *ignored = NULL;
        (void)layer_tree_remove(staging, &ignored);
        return r;
}

/* Stores config + layers as an image with a new manifest of the given
 * format; names (array, may be NULL) are given to it. */
static int load_image(Engine *e, const char *dir, const char *config_name, char **layer_files,
                      const char **blob_digests, json_t *names, ManifestFormat format,
                      char **ret_id, Error **err) {
        /* The config is hashed before any layer (libcrypto is loaded on
         * first use). */
        if (digest_init(err) < 0)
                return -1;
        _cleanup_free_ char *config_text = NULL;
        size_t config_len = 0;
        if (file_bytes(dir, config_name, &config_text, &config_len, err) < 0)
                return -1;
        char config_digest[DIGEST_STRING_SIZE];
        digest_buffer(config_text, config_len, config_digest);
        _cleanup_json_ json_t *config = json_loadb(config_text, config_len, 0, NULL);
        json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
        size_t n = 0;
        while (layer_files[n])
                n++;
        if (!json_is_object(config) || json_array_size(diff_ids) != n)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "config `%s` does not list the archive's %zu layers", config_name,
                               n);
        _cleanup_free_ ImageLayerInput *layers = xnew0(ImageLayerInput, n ? n : 1);
        json_t *descs = json_array();
        for (size_t i = 0; i < n; i++) {
                const char *diff = json_string_value(json_array_get(diff_ids, i));
                if (!diff || !digest_is_valid(diff) ||
                    load_layer(e, layer_files[i], diff, i ? layers[i - 1].chain_id : NULL,
                               blob_digests ? blob_digests[i] : NULL, &layers[i], err) < 0) {
                        json_decref(descs);
                        if (!diff || !digest_is_valid(diff))
                                err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid diff ID %zu", i);
                        return -1;
                }
                json_array_append_new(descs, json_pack("{s:s, s:s, s:I}", "mediaType",
                                                       layers[i].blob_media_type, "digest",
                                                       layers[i].blob_digest, "size",
                                                       (json_int_t)layers[i].blob_size));
        }
        _cleanup_json_ json_t *oci =
                json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
                          MEDIA_TYPE_OCI_MANIFEST, "config", "mediaType", MEDIA_TYPE_OCI_CONFIG,
                          "digest", config_digest, "size", (json_int_t)config_len, "layers", descs);
        _cleanup_json_ json_t *manifest = NULL;
        if (image_manifest_convert(oci, format, &manifest, err) < 0)
                return -1;
        char manifest_digest[DIGEST_STRING_SIZE];
        _cleanup_free_ char *manifest_text = image_manifest_bytes(manifest, manifest_digest);
        const char *first = json_string_value(json_array_get(names, 0));
        /* image_load() holds the store lock (shared) around all this. */
        int r = image_blob_store(e, config_digest, config_text, config_len, err);
        if (r == 0)
                r = image_blob_store(e, manifest_digest, manifest_text, strlen(manifest_text), err);
        if (r == 0)
                r = image_create_record(e,
                                        &(ImageInput){
                                                .name = first,
                                                .manifest_digest = manifest_digest,
                                                .manifest_media_type = json_string_value(
                                                        json_object_get(manifest, "mediaType")),
                                                .manifest_size = strlen(manifest_text),
                                                .config_digest = config_digest,
                                                .config_size = config_len,
                                                .config = config,
                                                .layers = layers,
                                                .n_layers = n,
                                        },
                                        err);
        for (size_t i = 1; r == 0 && i < json_array_size(names); i++)
                r = image_create_record(e,
                                        &(ImageInput){
                                                .name = json_string_value(json_array_get(names, i)),
                                                .manifest_digest = manifest_digest,
                                                .config_digest = config_digest,
                                                .config = config,
                                        },
                                        err);
        if (r == 0)
                *ret_id = xstrdup(config_digest + 7);
        return r;
}

/* Normalised names from an archive's RepoTags or ref annotation. */
static json_t *load_names(json_t *tags) {
        json_t *names = json_array();
        size_t i;
        json_t *t;
        json_array_foreach (tags, i, t) {
                ImageRef ref = { 0 };
                _cleanup_error_ Error *ignored = NULL;
                if (!json_is_string(t) ||
                    image_ref_parse_normalized(json_string_value(t), &ref, &ignored) < 0)
                        continue;
                _cleanup_free_ char *full = image_ref_format(&ref);
                json_array_append_new(names, json_string(full));
                image_ref_clear(&ref);
        }
        return names;
}

static bool path_is_safe(const char *name) { return name && name[0] != '/' && !strstr(name, ".."); }

static int load_docker_archive(Engine *e, const char *dir, json_t *extra_names, char **ret_id,
                               Error **err) {
        _cleanup_json_ json_t *manifest = NULL;
        if (load_json(dir, "manifest.json", &manifest, err) < 0)
                return -1;
        if (!json_is_array(manifest) || json_array_size(manifest) == 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "manifest.json lists no images");
        size_t i;
        json_t *entry;
        json_array_foreach (manifest, i, entry) {
                const char *config = json_string_value(json_object_get(entry, "Config"));
                json_t *jl = json_object_get(entry, "Layers");
                if (!path_is_safe(config) || !json_is_array(jl))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "manifest.json entry %zu is invalid", i);
                size_t n = json_array_size(jl);
                char **files = xnew0(char *, n + 1);
                int r = 0;
                for (size_t k = 0; k < n && r == 0; k++) {
                        const char *l = json_string_value(json_array_get(jl, k));
                        if (!path_is_safe(l))
                                r = err_set(err, ERR_INVALID_ARGUMENT, 0,
                                            "manifest.json names an unsafe layer path");
                        else
                                files[k] = xasprintf("%s/%s", dir, l);
                }
                _cleanup_json_ json_t *names = load_names(json_object_get(entry, "RepoTags"));
                if (i == 0)
                        json_array_extend(names, extra_names);
                _cleanup_free_ char *id = NULL;
                if (r == 0)
                        r = load_image(e, dir, config, files, NULL, names, MANIFEST_FORMAT_DOCKER,
                                       &id, err);
                for (size_t k = 0; k < n; k++)
                        free(files[k]);
                free(files);
                if (r < 0)
                        return -1;
                if (i == 0)
                        *ret_id = TAKE_PTR(id);
        }
        return 0;
}

/* An OCI image layout (index.json and blobs/sha256/...). */
static int load_oci_layout(Engine *e, const char *dir, const char *ref_name, json_t *extra_names,
                           char **ret_id, Error **err) {
        _cleanup_json_ json_t *index = NULL;
        if (load_json(dir, "index.json", &index, err) < 0)
                return -1;
        json_t *chosen = NULL, *m;
        size_t i;
        json_array_foreach (json_object_get(index, "manifests"), i, m) {
                const char *name = json_string_value(json_object_get(
                        json_object_get(m, "annotations"), "org.opencontainers.image.ref.name"));
                if (!ref_name || (name && STREQ(name, ref_name))) {
                        chosen = m;
                        break;
                }
        }
        const char *mdigest = json_string_value(json_object_get(chosen, "digest"));
        if (!mdigest || !digest_is_valid(mdigest))
                return err_set(err, ERR_NOT_FOUND, 0, "no image%s%s in the OCI layout",
                               ref_name ? " named " : "", ref_name ? ref_name : "");
        _cleanup_free_ char *mname = xasprintf("blobs/sha256/%s", mdigest + 7);
        _cleanup_json_ json_t *manifest = NULL;
        if (load_json(dir, mname, &manifest, err) < 0)
                return -1;
        const char *cdigest =
                json_string_value(json_object_get(json_object_get(manifest, "config"), "digest"));
        json_t *jl = json_object_get(manifest, "layers");
        if (!cdigest || !digest_is_valid(cdigest) || !json_is_array(jl))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "manifest %s is invalid", mdigest);
        size_t n = json_array_size(jl);
        char **files = xnew0(char *, n + 1);
        const char **digests = xnew0(const char *, n + 1);
        int r = 0;
        for (size_t k = 0; k < n && r == 0; k++) {
                const char *d = json_string_value(json_object_get(json_array_get(jl, k), "digest"));
                if (!d || !digest_is_valid(d))
                        r = err_set(err, ERR_INVALID_ARGUMENT, 0, "manifest layer %zu is invalid",
                                    k);
                else {
                        files[k] = xasprintf("%s/blobs/sha256/%s", dir, d + 7);
                        digests[k] = d;
                }
        }
        _cleanup_free_ char *cname = xasprintf("blobs/sha256/%s", cdigest + 7);
        _cleanup_json_ json_t *names = json_array();
        const char *annotated = json_string_value(json_object_get(
                json_object_get(chosen, "annotations"), "org.opencontainers.image.ref.name"));
        if (annotated && strpbrk(annotated, "/:")) {
                _cleanup_json_ json_t *one = json_pack("[s]", annotated);
                /* json_array_extend copies: the new array is ours to drop. */
                _cleanup_json_ json_t *normal = load_names(one);
                json_array_extend(names, normal);
        }
        json_array_extend(names, extra_names);
        if (r == 0)
                r = load_image(e, dir, cname, files, digests, names, MANIFEST_FORMAT_OCI, ret_id,
                               err);
        for (size_t k = 0; k < n; k++)
                free(files[k]);
        free(files);
        free(digests);
        return r;
}

/* containers/image's dir: layout: manifest.json and blobs by hex name. */
static int load_dir_layout(Engine *e, const char *dir, json_t *extra_names, char **ret_id,
                           Error **err) {
        _cleanup_json_ json_t *manifest = NULL;
        if (load_json(dir, "manifest.json", &manifest, err) < 0)
                return -1;
        if (!json_is_object(manifest))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "manifest.json is not a manifest");
        const char *cdigest =
                json_string_value(json_object_get(json_object_get(manifest, "config"), "digest"));
        json_t *jl = json_object_get(manifest, "layers");
        if (!cdigest || !digest_is_valid(cdigest) || !json_is_array(jl))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "manifest.json is invalid");
        size_t n = json_array_size(jl);
        char **files = xnew0(char *, n + 1);
        const char **digests = xnew0(const char *, n + 1);
        int r = 0;
        for (size_t k = 0; k < n && r == 0; k++) {
                const char *d = json_string_value(json_object_get(json_array_get(jl, k), "digest"));
                if (!d || !digest_is_valid(d))
                        r = err_set(err, ERR_INVALID_ARGUMENT, 0, "manifest layer %zu is invalid",
                                    k);
                else {
                        files[k] = xasprintf("%s/%s", dir, d + 7);
                        digests[k] = d;
                }
        }
        if (r == 0)
                r = load_image(e, dir, cdigest + 7, files, digests, extra_names,
                               image_manifest_format_of(
                                       json_string_value(json_object_get(manifest, "mediaType"))),
                               ret_id, err);
        for (size_t k = 0; k < n; k++)
                free(files[k]);
        free(files);
        free(digests);
        return r;
}

static bool dir_has(const char *dir, const char *name) {
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
        return access(p, F_OK) == 0;
}

static int load_locked(Engine *e, const char *source, json_t *names, char **ret_id, Error **err) {
        ImageTransport transport;
        _cleanup_free_ char *path = NULL, *ref = NULL;
        if (image_transport_split(source, &transport, &path, &ref, err) < 0)
                return -1;
        _cleanup_json_ json_t *extra = names ? json_incref(names) : json_array();
        if (transport == IMAGE_TRANSPORT_DOCKER_ARCHIVE && ref) {
                _cleanup_json_ json_t *one = json_pack("[s]", ref);
                json_decref(extra);
                extra = load_names(one);
        }
        struct stat st;
        if (stat(path, &st) < 0)
                return err_set(err, ERR_NOT_FOUND, errno, "load `%s`", path);
        int r;
        if (S_ISDIR(st.st_mode)) {
                /* Directories are read in place. */
                if (dir_has(path, "index.json"))
                        r = load_oci_layout(e, path, ref, extra, ret_id, err);
                else
                        r = load_dir_layout(e, path, extra, ret_id, err);
                return r < 0 ? err_wrap(err, "load `%s`", path) : 0;
        }

        _cleanup_free_ char *staging = NULL;
        if (engine_tmp_dir(e, "load", &staging, err) < 0)
                return -1;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        LayerExtractOptions opts = { .whiteouts = LAYER_WHITEOUT_APPLY };
        LayerExtractResult res;
        if (fd < 0)
                r = err_set(err, ERR_SYSTEM, errno, "open `%s`", path);
        else if ((r = layer_extract_fd(fd, staging, &opts, &res, err)) == 0) {
                if (dir_has(staging, "manifest.json") && transport != IMAGE_TRANSPORT_OCI_ARCHIVE)
                        r = load_docker_archive(e, staging, extra, ret_id, err);
                else if (dir_has(staging, "index.json"))
                        r = load_oci_layout(e, staging,
                                            transport == IMAGE_TRANSPORT_OCI_ARCHIVE ? ref : NULL,
                                            extra, ret_id, err);
                else
                        r = err_set(err, ERR_INVALID_ARGUMENT, 0,
                                    "not a docker-archive or oci-archive");
        }
        _cleanup_error_ Error *ignored = NULL;
        (void)layer_tree_remove(staging, &ignored);
        return r < 0 ? err_wrap(err, "load `%s`", path) : 0;
}

int image_load(Engine *e, const char *source, json_t *names, char **ret_id, Error **err) {
        /* The shared store lock from the first staged file to the last
         * record: another process opening the store clears staging and
         * unreferenced layers only when it gets the lock exclusively, and
         * removals wait. */
        Lock store = LOCK_INIT;
        if (lock_acquire(e->config.runroot, "store", "images", false, &store, err) < 0)
                return -1;
        int r = load_locked(e, source, names, ret_id, err);
        lock_release(&store);
        return r;
}
