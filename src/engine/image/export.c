/* SPDX-License-Identifier: Apache-2.0 */
/* Writing an image out: docker-archive (what `docker save` writes and
 * `docker load`/`podman load` read), oci-archive (an OCI image layout in a
 * tar) and dir (containers/image's directory transport). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive-lazy.h"
#include "engine-private.h"
#include "image-manifest.h"
#include "image-store.h"
#include "json-util.h"
#include "layer.h"
#include "reference.h"
#include "registry.h"
#include "xalloc.h"

static void archive_freep(struct archive **a) {
        if (*a)
                archive_write_free(*a);
}

/* Where an export goes: a tar archive, or (dir set) a directory, for the
 * OCI layout written either way. */
typedef struct Out {
        struct archive *a;
        const char *path;
        const char *dir;
} Out;

static int out_error(Out *o, Error **err) {
        return err_set(err, ERR_SYSTEM, archive_errno(o->a), "write `%s`: %s", o->path,
                       archive_error_string(o->a));
}

static int write_file(const char *path, const void *data, size_t len, Error **err);
static int copy_file(const char *from, const char *to, Error **err);

static int out_header(Out *o, const char *name, int64_t size, mode_t type, Error **err) {
        if (o->dir) {
                _cleanup_free_ char *p = xasprintf("%s/%s", o->dir, name);
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return err_set(err, ERR_SYSTEM, errno, "create `%s`", p);
                return 0;
        }
        struct archive_entry *entry = archive_entry_new();
        archive_entry_set_pathname(entry, name);
        archive_entry_set_filetype(entry, type);
        archive_entry_set_perm(entry, type == AE_IFDIR ? 0755 : 0644);
        archive_entry_set_size(entry, type == AE_IFDIR ? 0 : size);
        archive_entry_set_mtime(entry, 0, 0);
        int r = archive_write_header(o->a, entry);
        archive_entry_free(entry);
        return r == ARCHIVE_OK ? 0 : out_error(o, err);
}

static int out_buffer(Out *o, const char *name, const void *data, size_t len, Error **err) {
        if (o->dir) {
                _cleanup_free_ char *p = xasprintf("%s/%s", o->dir, name);
                return write_file(p, data, len, err);
        }
        if (out_header(o, name, (int64_t)len, AE_IFREG, err) < 0)
                return -1;
        if (len && archive_write_data(o->a, data, len) != (la_ssize_t)len)
                return out_error(o, err);
        return 0;
}

static int out_file(Out *o, const char *name, const char *path, Error **err) {
        if (o->dir) {
                _cleanup_free_ char *p = xasprintf("%s/%s", o->dir, name);
                return copy_file(path, p, err);
        }
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return err_set(err, ERR_SYSTEM, errno, "open `%s`", path);
        if (out_header(o, name, st.st_size, AE_IFREG, err) < 0)
                return -1;
        char buf[1 << 16];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0)
                if (archive_write_data(o->a, buf, (size_t)n) != n)
                        return out_error(o, err);
        return n < 0 ? err_set(err, ERR_SYSTEM, errno, "read `%s`", path) : 0;
}

static int out_layer_write(void *userdata, const void *data, size_t len) {
        Out *o = userdata;
        return archive_write_data(o->a, data, len) == (la_ssize_t)len ? 0 : -1;
}

/* Writes a layer uncompressed; the tar header needs the size up front,
 * which the store recorded. */
static int out_layer_uncompressed(Engine *e, Out *o, const char *name, const LayerRecord *l,
                                  Error **err) {
        _cleanup_free_ char *path = engine_blob_path(e, l->blob_digest);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "open layer blob `%s`", path);
        if (out_header(o, name, l->size, AE_IFREG, err) < 0)
                return -1;
        LayerExtractResult res;
        if (layer_decompress(fd, out_layer_write, o, &res, err) < 0)
                return err_wrap(err, "layer %s", l->diff_id);
        if ((int64_t)res.uncompressed_size != l->size || !STREQ(res.diff_id, l->diff_id))
                return err_set(err, ERR_INTERNAL, 0, "layer %s does not match its record",
                               l->diff_id);
        return 0;
}

typedef struct ExportImage {
        Image *img;
        json_t *manifest;
        LayerRecord *layers;
        size_t n_layers;
} ExportImage;

static void export_image_clear(ExportImage *x) {
        json_decref(x->manifest);
        for (size_t i = 0; i < x->n_layers; i++)
                layer_record_clear(&x->layers[i]);
        free(x->layers);
}

static int export_image_load(Engine *e, Image *img, ExportImage *ret, Error **err) {
        *ret = (ExportImage){ .img = img };
        if (image_manifest_load(e, img, &ret->manifest, err) < 0)
                return -1;
        while (img->layers[ret->n_layers])
                ret->n_layers++;
        ret->layers = xnew0(LayerRecord, ret->n_layers + 1);
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        int r = 0;
        for (size_t i = 0; i < ret->n_layers && r == 0; i++) {
                bool found = false;
                r = layer_store_load(db, img->layers[i], &ret->layers[i], &found, err);
                /* The image's own blob of the layer, as its manifest says. */
                if (r == 0 && found && img->layer_blobs && img->layer_blobs[i] &&
                    *img->layer_blobs[i]) {
                        free(ret->layers[i].blob_digest);
                        ret->layers[i].blob_digest = xstrdup(img->layer_blobs[i]);
                }
                if (r == 0 && (!found || !ret->layers[i].blob_digest))
                        r = err_set(err, ERR_INTERNAL, 0, "layer %s has no stored blob",
                                    img->layers[i]);
        }
        engine_db_put(e, db);
        return r;
}

static int export_docker_archive(Engine *e, ExportImage *x, Out *o, json_t *tags, Error **err) {
        _cleanup_free_ char *config_path = engine_blob_path(e, x->img->id);
        _cleanup_free_ char *config_name = xasprintf("%s.json", x->img->id);
        if (out_file(o, config_name, config_path, err) < 0)
                return -1;
        json_t *layer_names = json_array();
        for (size_t i = 0; i < x->n_layers; i++) {
                _cleanup_free_ char *name = xasprintf("%s.tar", x->layers[i].diff_id + 7);
                if (out_layer_uncompressed(e, o, name, &x->layers[i], err) < 0) {
                        json_decref(layer_names);
                        return -1;
                }
                json_array_append_new(layer_names, json_string(name));
        }
        _cleanup_json_ json_t *manifest = json_pack("[{s:s, s:O, s:o}]", "Config", config_name,
                                                    "RepoTags", tags, "Layers", layer_names);
        _cleanup_free_ char *text = json_dumps(manifest, JSON_COMPACT);
        return out_buffer(o, "manifest.json", text, strlen(text), err);
}

static int export_oci_archive(Engine *e, ExportImage *x, Out *o, const char *ref_name,
                              Error **err) {
        /* The manifest is hashed before any layer (libcrypto is loaded on
         * first use). */
        if (digest_init(err) < 0)
                return -1;
        _cleanup_json_ json_t *manifest = NULL;
        if (image_manifest_convert(x->manifest, MANIFEST_FORMAT_OCI, &manifest, err) < 0)
                return -1;
        char digest[DIGEST_STRING_SIZE];
        _cleanup_free_ char *text = image_manifest_bytes(manifest, digest);
        static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
        if (out_buffer(o, "oci-layout", layout, strlen(layout), err) < 0 ||
            out_header(o, "blobs", 0, AE_IFDIR, err) < 0 ||
            out_header(o, "blobs/sha256", 0, AE_IFDIR, err) < 0)
                return -1;
        _cleanup_free_ char *mname = xasprintf("blobs/sha256/%s", digest + 7);
        _cleanup_free_ char *cname = xasprintf("blobs/sha256/%s", x->img->id);
        _cleanup_free_ char *cpath = engine_blob_path(e, x->img->id);
        if (out_buffer(o, mname, text, strlen(text), err) < 0 || out_file(o, cname, cpath, err) < 0)
                return -1;
        for (size_t i = 0; i < x->n_layers; i++) {
                _cleanup_free_ char *name =
                        xasprintf("blobs/sha256/%s", x->layers[i].blob_digest + 7);
                _cleanup_free_ char *path = engine_blob_path(e, x->layers[i].blob_digest);
                if (out_file(o, name, path, err) < 0)
                        return -1;
        }
        json_t *desc = json_pack("{s:s, s:s, s:I}", "mediaType", MEDIA_TYPE_OCI_MANIFEST, "digest",
                                 digest, "size", (json_int_t)strlen(text));
        if (ref_name)
                json_object_set_new(
                        desc, "annotations",
                        json_pack("{s:s}", "org.opencontainers.image.ref.name", ref_name));
        _cleanup_json_ json_t *index =
                json_pack("{s:i, s:[o]}", "schemaVersion", 2, "manifests", desc);
        _cleanup_free_ char *itext = json_dumps(index, JSON_COMPACT);
        return out_buffer(o, "index.json", itext, strlen(itext), err);
}

static int write_file(const char *path, const void *data, size_t len, Error **err) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, data, len) != (ssize_t)len)
                return err_set(err, ERR_SYSTEM, errno ? errno : EIO, "write `%s`", path);
        return 0;
}

static int copy_file(const char *from, const char *to, Error **err) {
        _cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (in < 0 || out < 0)
                return err_set(err, ERR_SYSTEM, errno, "copy `%s` to `%s`", from, to);
        char buf[1 << 16];
        ssize_t n;
        while ((n = read(in, buf, sizeof buf)) > 0)
                if (write(out, buf, (size_t)n) != n)
                        return err_set(err, ERR_SYSTEM, errno ? errno : EIO, "write `%s`", to);
        return n < 0 ? err_set(err, ERR_SYSTEM, errno, "read `%s`", from) : 0;
}

/* containers/image's dir: transport: a manifest.json, a version file and
 * one file per blob named by its hex digest. */
static int export_dir(Engine *e, ExportImage *x, const char *dir, Error **err) {
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return err_set(err, ERR_SYSTEM, errno, "create `%s`", dir);
        static const char version[] = "Directory Transport Version: 1.1\n";
        _cleanup_free_ char *vpath = xasprintf("%s/version", dir);
        _cleanup_free_ char *mpath = xasprintf("%s/manifest.json", dir);
        _cleanup_free_ char *mfrom = engine_blob_path(e, x->img->manifest_digest);
        _cleanup_free_ char *cpath = xasprintf("%s/%s", dir, x->img->id);
        _cleanup_free_ char *cfrom = engine_blob_path(e, x->img->id);
        if (write_file(vpath, version, strlen(version), err) < 0 ||
            copy_file(mfrom, mpath, err) < 0 || copy_file(cfrom, cpath, err) < 0)
                return -1;
        for (size_t i = 0; i < x->n_layers; i++) {
                _cleanup_free_ char *to = xasprintf("%s/%s", dir, x->layers[i].blob_digest + 7);
                _cleanup_free_ char *from = engine_blob_path(e, x->layers[i].blob_digest);
                if (copy_file(from, to, err) < 0)
                        return -1;
        }
        return 0;
}

int image_export(Engine *e, Image *img, const char *destination, json_t *extra_tags, Error **err) {
        ImageTransport transport;
        _cleanup_free_ char *path = NULL, *ref = NULL;
        if (image_transport_split(destination, &transport, &path, &ref, err) < 0)
                return -1;
        if (transport != IMAGE_TRANSPORT_DOCKER_ARCHIVE &&
            transport != IMAGE_TRANSPORT_OCI_ARCHIVE && transport != IMAGE_TRANSPORT_DIR &&
            transport != IMAGE_TRANSPORT_OCI)
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "export to `%s` is not supported (docker-archive:, oci-archive:, "
                               "oci:, dir:)",
                               destination);
        /* Declared before the first goto so the cleanups see NULLs. */
        _cleanup_json_ json_t *tags = json_array();
        _cleanup_(archive_freep) struct archive *a = NULL;
        ExportImage x;
        int r = export_image_load(e, img, &x, err);
        if (r < 0)
                goto out;
        if (transport == IMAGE_TRANSPORT_DIR) {
                r = export_dir(e, &x, path, err);
                goto out;
        }

        /* The names recorded in the archive: the one in the destination,
         * else the image's own, plus the extra tags asked for. */
        if (ref) {
                ImageRef parsed = { 0 };
                if ((r = image_ref_parse_normalized(ref, &parsed, err)) < 0)
                        goto out;
                _cleanup_free_ char *full = image_ref_format(&parsed);
                json_array_append_new(tags, json_string(full));
                image_ref_clear(&parsed);
        } else
                for (char **n = img->names; *n; n++)
                        json_array_append_new(tags, json_string(*n));
        size_t i;
        json_t *t;
        json_array_foreach (extra_tags, i, t)
                json_array_append(tags, t);

        if (transport == IMAGE_TRANSPORT_OCI) {
                if (mkdir(path, 0755) < 0 && errno != EEXIST) {
                        r = err_set(err, ERR_SYSTEM, errno, "create `%s`", path);
                        goto out;
                }
                Out d = { .path = path, .dir = path };
                r = export_oci_archive(e, &x, &d, json_string_value(json_array_get(tags, 0)), err);
                goto out;
        }
        a = archive_write_new();
        if (!a && archive_lazy_error()) { /* libarchive is loaded on first use */
                r = err_set(err, ERR_NOT_SUPPORTED, 0, "%s", archive_lazy_error());
                goto out;
        }
        if (!a)
                abort(); /* only fails on out-of-memory */
        archive_write_set_format_pax_restricted(a);
        Out o = { .a = a, .path = path };
        if (archive_write_open_filename(a, path) != ARCHIVE_OK) {
                r = out_error(&o, err);
                goto out;
        }
        r = transport == IMAGE_TRANSPORT_DOCKER_ARCHIVE
                    ? export_docker_archive(e, &x, &o, tags, err)
                    : export_oci_archive(e, &x, &o, json_string_value(json_array_get(tags, 0)),
                                         err);
        if (archive_write_close(a) != ARCHIVE_OK && r == 0)
                r = out_error(&o, err);
        if (r < 0)
                (void)unlink(path);
out:
        export_image_clear(&x);
        if (r < 0)
                err_wrap(err, "export %s to `%s`", img->id, destination);
        return r;
}
