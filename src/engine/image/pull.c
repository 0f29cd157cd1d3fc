/* SPDX-License-Identifier: Apache-2.0 */
/* Pulling an image from a registry: resolve the name, fetch and check the
 * manifest and config, then fetch the missing layers in parallel, each
 * streamed through its digest checks straight into extraction, and finally
 * record everything in one transaction.
 *
 * Locks: the shared "store" lock for the whole pull (image removal takes it
 * exclusively, so no layer vanishes between our check and our commit), and
 * one exclusive lock per layer taken in chain-ID order before the layer
 * check, so that concurrent pulls of the same layers download them once
 * and never deadlock. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "digest.h"
#include "engine-private.h"
#include "hostinfo.h"
#include "image-create.h"
#include "image-store.h"
#include "json-util.h"
#include "layer.h"
#include "lock.h"
#include "reference.h"
#include "registries-conf.h"
#include "registry.h"
#include "xalloc.h"

/* Layers fetched at once: enough to overlap network and inflate on two
 * cores without thrashing. */
#define PULL_PARALLEL_LAYERS 3

typedef struct PullLayer {
        char digest[DIGEST_STRING_SIZE]; /* compressed blob, from the manifest */
        uint64_t size;
        char *media_type;
        char diff_id[DIGEST_STRING_SIZE]; /* from the config */
        char chain_id[DIGEST_STRING_SIZE];
        bool present;   /* already stored: nothing to fetch */
        bool blob_only; /* extracted already, but this compressed blob is missing */
        Lock lock;
        LayerExtractResult result;
        Error *error;
} PullLayer;

typedef struct PullJob {
        Engine *engine;
        const char *host;
        const char *repo;
        const RegistryOptions *ropts;
        PullLayer *layers;
        size_t n_layers;
        atomic_size_t next;
        atomic_bool failed;
} PullJob;

static void pull_layers_clear(PullLayer *layers, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(layers[i].media_type);
                lock_release(&layers[i].lock);
                err_free(layers[i].error);
        }
        free(layers);
}

/* ------------------------------------------------------------------ */
/* One layer: download -> (blob file, socket) -> extraction thread.    */

/* The downloaded bytes go to the blob file and the extractor in runs of
 * up to SINK_BUFFER_SIZE: curl hands them over 16 KiB at a time, and a
 * write(), a send() and a wakeup of the extractor for each cost more than
 * copying them once into a bigger run (about 4% of a pull's CPU time). */
#define SINK_BUFFER_SIZE (256u * 1024)

typedef struct LayerSink {
        int blob_fd;
        int pipe_fd; /* our end of the socketpair to the extractor; -1 once it quit */
        uint8_t *buf;
        size_t len; /* bytes in buf, not yet written anywhere */
} LayerSink;

static int layer_sink_put(LayerSink *s, const uint8_t *p, size_t len) {
        for (size_t left = len; left > 0;) {
                ssize_t n = write(s->blob_fd, p + (len - left), left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                left -= (size_t)n;
        }
        for (size_t left = len; left > 0 && s->pipe_fd >= 0;) {
                /* MSG_NOSIGNAL: an extractor that gave up must not kill us. */
                ssize_t n = send(s->pipe_fd, p + (len - left), left, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
                        /* The extractor gave up on these bytes. Download the
                         * rest into the blob file all the same: when the
                         * bytes do not match their digest, that is the error
                         * to report, not the extractor's complaint about the
                         * garbage it was fed. */
                        s->pipe_fd = -1;
                        break;
                }
                if (n <= 0)
                        return -1;
                left -= (size_t)n;
        }
        return 0;
}

/* Writes out what is buffered: when a new run does not fit, and once at
 * the end of the download. */
static int layer_sink_flush(LayerSink *s) {
        size_t len = s->len;
        s->len = 0;
        return len ? layer_sink_put(s, s->buf, len) : 0;
}

static int layer_sink_write(void *userdata, const void *data, size_t len) {
        LayerSink *s = userdata;
        if (s->len + len > SINK_BUFFER_SIZE && layer_sink_flush(s) < 0)
                return -1;
        if (len >= SINK_BUFFER_SIZE)
                return layer_sink_put(s, data, len);
        memcpy(s->buf + s->len, data, len);
        s->len += len;
        return 0;
}

typedef struct Extraction {
        int fd;
        const char *dir;
        LayerExtractResult result;
        Error *error;
        int r;
} Extraction;

static void *extraction_run(void *arg) {
        Extraction *x = arg;
        LayerExtractOptions opts = {
                .whiteouts = LAYER_WHITEOUT_OVERLAY,
                .allow_devices = true,
                .preserve_owners = true,
        };
        x->r = layer_extract_fd(x->fd, x->dir, &opts, &x->result, &x->error);
        /* Closing our end makes a download still writing fail at once. */
        close(x->fd);
        x->fd = -1;
        return NULL;
}

static int rename_into_place(const char *from, const char *to, Error **err) {
        if (rename(from, to) == 0)
                return 0;
        if (errno == ENOTEMPTY || errno == EEXIST) {
                /* Debris of a crashed pull under our lock: replace it. */
                _cleanup_error_ Error *ignored = NULL;
                (void)layer_tree_remove(to, &ignored);
                if (rename(from, to) == 0)
                        return 0;
        }
        return err_set(err, ERR_SYSTEM, errno, "move `%s` to `%s`", from, to);
}

static int blob_file_write(void *userdata, const void *data, size_t len) {
        int fd = *(int *)userdata;
        const char *p = data;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Only the compressed blob, verified by the registry client. */
static int pull_blob_fetch(PullJob *job, RegistryClient *client, PullLayer *l, Error **err) {
        Engine *e = job->engine;
        _cleanup_free_ char *staging = NULL;
        if (engine_tmp_dir(e, "blob", &staging, err) < 0)
                return -1;
        _cleanup_free_ char *tmp = xasprintf("%s/blob", staging);
        _cleanup_free_ char *blob = engine_blob_path(e, l->digest);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        int r = fd < 0 ? err_set(err, ERR_SYSTEM, errno, "create `%s`", tmp)
                       : registry_blob_get(client, job->repo, l->digest, l->size, blob_file_write,
                                           &fd, err);
        if (r == 0 && (fsync(fd) < 0 || rename(tmp, blob) < 0))
                r = err_set(err, ERR_SYSTEM, errno, "store blob %s", l->digest);
        if (fd >= 0)
                close(fd);
        (void)unlink(tmp);
        (void)rmdir(staging);
        return r;
}

static int pull_layer_fetch(PullJob *job, RegistryClient *client, PullLayer *l, Error **err) {
        Engine *e = job->engine;
        if (l->blob_only)
                return pull_blob_fetch(job, client, l, err);
        _cleanup_free_ char *staging = NULL;
        if (engine_tmp_dir(e, "layer", &staging, err) < 0)
                return -1;
        _cleanup_free_ char *blob_tmp = xasprintf("%s.blob", staging);
        _cleanup_close_ int blob_fd =
                open(blob_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (blob_fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "create `%s`", blob_tmp);

        int sp[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
                return err_set(err, ERR_SYSTEM, errno, "socketpair");
        Extraction x = { .fd = sp[1], .dir = staging };
        pthread_t thread;
        if (pthread_create(&thread, NULL, extraction_run, &x) != 0) {
                close(sp[0]);
                close(sp[1]);
                return err_set(err, ERR_SYSTEM, EAGAIN, "start extraction thread");
        }
        LayerSink sink = { .blob_fd = blob_fd, .pipe_fd = sp[0], .buf = xmalloc(SINK_BUFFER_SIZE) };
        Error *fetch_err = NULL;
        int r = registry_blob_get(client, job->repo, l->digest, l->size, layer_sink_write, &sink,
                                  &fetch_err);
        if (r == 0 && layer_sink_flush(&sink) < 0)
                r = err_set(&fetch_err, ERR_SYSTEM, errno, "layer %s: store downloaded bytes",
                            l->digest);
        free(sink.buf);
        close(sp[0]); /* end of stream for the extractor */
        pthread_join(thread, NULL);

        int ret = -1;
        if (r < 0) {
                /* A download that failed (digest or size mismatch, cut
                 * transfer) is the cause when both failed: the extractor
                 * only saw bad or truncated input. The download no longer
                 * stops when the extractor does (layer_sink_put). */
                err_propagate(err, TAKE_PTR(fetch_err));
        } else if (x.r < 0) {
                err_propagate(err, TAKE_PTR(x.error));
                err_wrap(err, "layer %s", l->digest);
        } else if (!STREQ(x.result.diff_id, l->diff_id)) {
                err_set(err, ERR_PROTOCOL, 0,
                        "layer %s: uncompressed digest %s does not match %s in the image config",
                        l->digest, x.result.diff_id, l->diff_id);
        } else if (!STREQ(x.result.compressed_digest, l->digest)) {
                err_set(err, ERR_PROTOCOL, 0, "layer %s: digest mismatch (got %s)", l->digest,
                        x.result.compressed_digest);
        } else {
                _cleanup_free_ char *layer_dir = engine_layer_path(e, l->chain_id);
                _cleanup_free_ char *blob = engine_blob_path(e, l->digest);
                if (fsync(blob_fd) == 0 && rename_into_place(staging, layer_dir, err) == 0 &&
                    rename(blob_tmp, blob) == 0) {
                        l->result = x.result;
                        ret = 0;
                } else if (!err || !*err)
                        err_set(err, ERR_SYSTEM, errno, "store layer %s", l->digest);
        }
        err_free(fetch_err);
        err_free(x.error);
        if (ret < 0) {
                _cleanup_error_ Error *ignored = NULL;
                (void)layer_tree_remove(staging, &ignored);
                (void)unlink(blob_tmp);
        }
        return ret;
}

static void *pull_worker(void *arg) {
        PullJob *job = arg;
        RegistryClient *client = NULL;
        for (;;) {
                size_t i = atomic_fetch_add(&job->next, 1);
                if (i >= job->n_layers || atomic_load(&job->failed))
                        break;
                PullLayer *l = &job->layers[i];
                if (l->present)
                        continue;
                if (!client && registry_client_new(&client, job->host, job->ropts, &l->error) < 0) {
                        atomic_store(&job->failed, true);
                        break;
                }
                if (pull_layer_fetch(job, client, l, &l->error) < 0)
                        atomic_store(&job->failed, true);
        }
        registry_client_free(client);
        return NULL;
}

/* ------------------------------------------------------------------ */
/* Manifest and config.                                               */

static const char *host_go_arch(void) {
        static char arch[32];
        struct utsname u;
        if (!arch[0])
                snprintf(arch, sizeof arch, "%s",
                         uname(&u) == 0 ? hostinfo_go_arch(u.machine) : "amd64");
        return arch;
}

static bool media_type_is_list(const char *t) {
        return t && (STREQ(t, MEDIA_TYPE_DOCKER_MANIFEST_LIST) || STREQ(t, MEDIA_TYPE_OCI_INDEX));
}

static bool media_type_is_schema1(const char *t) {
        return t &&
               (STREQ(t, MEDIA_TYPE_DOCKER_SCHEMA1) || STREQ(t, MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED));
}

/* Picks linux and this host's architecture from a manifest list. */
static int manifest_list_choose(json_t *list, char **ret_digest, Error **err) {
        size_t i;
        json_t *m;
        json_array_foreach (json_object_get(list, "manifests"), i, m) {
                json_t *platform = json_object_get(m, "platform");
                const char *os = json_string_value(json_object_get(platform, "os"));
                const char *arch = json_string_value(json_object_get(platform, "architecture"));
                const char *digest = json_string_value(json_object_get(m, "digest"));
                if (os && arch && digest && STREQ(os, "linux") && STREQ(arch, host_go_arch())) {
                        if (!digest_is_valid(digest))
                                return err_set(err, ERR_PROTOCOL, 0,
                                               "manifest list names invalid digest `%s`", digest);
                        *ret_digest = xstrdup(digest);
                        return 0;
                }
        }
        return err_set(err, ERR_NOT_FOUND, 0,
                       "no image found in manifest list for architecture %s, OS linux",
                       host_go_arch());
}

static int manifest_fetch(RegistryClient *c, const char *repo, const char *ref,
                          RegistryManifest *ret, json_t **ret_doc, Error **err) {
        RegistryManifest m = { 0 };
        if (registry_manifest_get(c, repo, ref, &m, err) < 0)
                return -1;
        json_error_t jerr;
        json_t *doc = json_loadb(m.body, m.size, 0, &jerr);
        if (!doc || !json_is_object(doc)) {
                json_decref(doc);
                registry_manifest_clear(&m);
                return err_set(err, ERR_PROTOCOL, 0, "manifest of `%s`: invalid JSON: %s", ref,
                               jerr.text);
        }
        if (!m.media_type || !*m.media_type) {
                free(m.media_type);
                const char *t = json_string_value(json_object_get(doc, "mediaType"));
                m.media_type = xstrdup(t ? t : MEDIA_TYPE_OCI_MANIFEST);
        }
        *ret = m;
        *ret_doc = doc;
        return 0;
}

static int pull_layers_from_manifest(json_t *manifest, PullLayer **ret, size_t *ret_n,
                                     Error **err) {
        json_t *jl = json_object_get(manifest, "layers");
        if (!json_is_array(jl))
                return err_set(err, ERR_PROTOCOL, 0, "manifest has no layers array");
        size_t n = json_array_size(jl);
        PullLayer *layers = xnew0(PullLayer, n ? n : 1);
        for (size_t i = 0; i < n; i++) {
                json_t *d = json_array_get(jl, i);
                const char *digest = json_string_value(json_object_get(d, "digest"));
                const char *type = json_string_value(json_object_get(d, "mediaType"));
                json_int_t size = json_integer_value(json_object_get(d, "size"));
                layers[i].lock = LOCK_INIT;
                if (!digest || !digest_is_valid(digest) || size < 0) {
                        pull_layers_clear(layers, n);
                        return err_set(err, ERR_PROTOCOL, 0, "manifest layer %zu is invalid", i);
                }
                snprintf(layers[i].digest, sizeof layers[i].digest, "%s", digest);
                layers[i].size = (uint64_t)size;
                layers[i].media_type = xstrdup(type ? type : MEDIA_TYPE_OCI_LAYER_GZIP);
        }
        *ret = layers;
        *ret_n = n;
        return 0;
}

static int pull_config_apply(json_t *config, PullLayer *layers, size_t n, Error **err) {
        json_t *ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
        if (!json_is_array(ids) || json_array_size(ids) != n)
                return err_set(err, ERR_PROTOCOL, 0,
                               "image config lists %zu layers, the manifest %zu",
                               json_array_size(ids), n);
        for (size_t i = 0; i < n; i++) {
                const char *d = json_string_value(json_array_get(ids, i));
                if (!d || !digest_is_valid(d))
                        return err_set(err, ERR_PROTOCOL, 0, "image config diff_id %zu is invalid",
                                       i);
                snprintf(layers[i].diff_id, sizeof layers[i].diff_id, "%s", d);
        }
        for (size_t i = 0; i < n; i++)
                image_chain_id(i > 0 ? layers[i - 1].chain_id : NULL, layers[i].diff_id,
                               layers[i].chain_id);
        return 0;
}

typedef struct BufferSink {
        char *data;
        size_t len, cap, max;
} BufferSink;

static int buffer_sink_write(void *userdata, const void *data, size_t len) {
        BufferSink *b = userdata;
        if (b->len + len > b->max)
                return -1;
        xgrow((void **)&b->data, &b->cap, b->len + len + 1, 1);
        memcpy(b->data + b->len, data, len);
        b->len += len;
        return 0;
}

/* ------------------------------------------------------------------ */
/* The whole pull of one fully qualified reference.                   */

static int lock_compare(const void *a, const void *b) {
        const PullLayer *const *x = a, *const *y = b;
        return strcmp((*x)->chain_id, (*y)->chain_id);
}

static int pull_layers_lock_and_check(Engine *e, PullLayer *layers, size_t n, Error **err) {
        _cleanup_free_ PullLayer **order = xnew0(PullLayer *, n ? n : 1);
        for (size_t i = 0; i < n; i++)
                order[i] = &layers[i];
        qsort(order, n, sizeof *order, lock_compare);
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                PullLayer *l = order[i];
                /* The same layer twice in one image is locked once. */
                if (i > 0 && STREQ(order[i - 1]->chain_id, l->chain_id)) {
                        l->present = true;
                        continue;
                }
                r = lock_acquire(e->config.runroot, "layer", l->chain_id + 7, true, &l->lock, err);
                if (r == 0)
                        r = layer_store_load(db, l->chain_id, NULL, &l->present, err);
                if (r == 0 && l->present) {
                        _cleanup_free_ char *dir = engine_layer_path(e, l->chain_id);
                        _cleanup_free_ char *blob = engine_blob_path(e, l->digest);
                        struct stat st;
                        /* A row without its directory is repaired by fetching again. */
                        l->present = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
                        /* Push and save need the blob this manifest names,
                         * which an earlier image of the layer may not have
                         * brought. */
                        l->blob_only = l->present && access(blob, F_OK) != 0;
                        if (l->blob_only)
                                l->present = false;
                }
        }
        engine_db_put(e, db);
        return r;
}

static int pull_commit(Engine *e, const char *name, const char *config_digest,
                       const RegistryManifest *manifest, json_t *config, size_t config_size,
                       PullLayer *layers, size_t n, Error **err) {
        _cleanup_free_ ImageLayerInput *in = xnew0(ImageLayerInput, n ? n : 1);
        for (size_t i = 0; i < n; i++) {
                memcpy(in[i].chain_id, layers[i].chain_id, DIGEST_STRING_SIZE);
                memcpy(in[i].diff_id, layers[i].diff_id, DIGEST_STRING_SIZE);
                memcpy(in[i].blob_digest, layers[i].digest, DIGEST_STRING_SIZE);
                in[i].blob_media_type = layers[i].media_type;
                in[i].blob_size = (int64_t)layers[i].size;
                in[i].size = (int64_t)layers[i].result.uncompressed_size;
        }
        return image_create_record(e,
                                   &(ImageInput){
                                           .name = name,
                                           .manifest_digest = manifest->digest,
                                           .manifest_media_type = manifest->media_type,
                                           .manifest_size = manifest->size,
                                           .config_digest = config_digest,
                                           .config_size = config_size,
                                           .config = config,
                                           .layers = in,
                                           .n_layers = n,
                                   },
                                   err);
}

static int pull_reference(Engine *e, const ImageRef *ref, const RegistryOptions *ropts,
                          char **ret_id, Error **err) {
        _cleanup_free_ char *name = image_ref_format(ref);
        const char *tag_or_digest = ref->digest ? ref->digest : ref->tag ? ref->tag : "latest";
        _cleanup_(registry_client_freep) RegistryClient *client = NULL;
        if (registry_client_new(&client, ref->domain, ropts, err) < 0)
                return -1;

        RegistryManifest manifest = { 0 };
        _cleanup_json_ json_t *doc = NULL;
        if (manifest_fetch(client, ref->path, tag_or_digest, &manifest, &doc, err) < 0)
                return -1;
        if (media_type_is_list(manifest.media_type)) {
                _cleanup_free_ char *chosen = NULL;
                if (manifest_list_choose(doc, &chosen, err) < 0) {
                        registry_manifest_clear(&manifest);
                        return -1;
                }
                registry_manifest_clear(&manifest);
                json_decref(TAKE_PTR(doc));
                if (manifest_fetch(client, ref->path, chosen, &manifest, &doc, err) < 0)
                        return -1;
        }
        int r = -1;
        PullLayer *layers = NULL;
        size_t n = 0;
        BufferSink config_buf = { .max = REGISTRY_MANIFEST_SIZE_MAX };
        _cleanup_json_ json_t *config = NULL;
        const char *config_digest =
                json_string_value(json_object_get(json_object_get(doc, "config"), "digest"));

        if (media_type_is_schema1(manifest.media_type)) {
                err_set(err, ERR_NOT_SUPPORTED, 0,
                        "`%s` has a Docker schema 1 manifest, which is not supported: push it "
                        "again with schema 2",
                        name);
                goto out;
        }
        if (!config_digest || !digest_is_valid(config_digest)) {
                err_set(err, ERR_PROTOCOL, 0, "manifest of `%s` has no valid config digest", name);
                goto out;
        }
        if (pull_layers_from_manifest(doc, &layers, &n, err) < 0)
                goto out;
        if (registry_blob_get(client, ref->path, config_digest, 0, buffer_sink_write, &config_buf,
                              err) < 0)
                goto out;
        json_error_t jerr;
        config = json_loadb(config_buf.data, config_buf.len, 0, &jerr);
        if (!json_is_object(config)) {
                err_set(err, ERR_PROTOCOL, 0, "image config %s: invalid JSON: %s", config_digest,
                        jerr.text);
                goto out;
        }
        if (pull_config_apply(config, layers, n, err) < 0 ||
            pull_layers_lock_and_check(e, layers, n, err) < 0)
                goto out;

        PullJob job = {
                .engine = e,
                .host = ref->domain,
                .repo = ref->path,
                .ropts = ropts,
                .layers = layers,
                .n_layers = n,
        };
        pthread_t threads[PULL_PARALLEL_LAYERS];
        size_t n_threads = 0;
        for (size_t i = 0; i < PULL_PARALLEL_LAYERS && i < n; i++)
                if (pthread_create(&threads[n_threads], NULL, pull_worker, &job) == 0)
                        n_threads++;
        if (n_threads == 0 && n > 0)
                pull_worker(&job);
        for (size_t i = 0; i < n_threads; i++)
                pthread_join(threads[i], NULL);
        for (size_t i = 0; i < n; i++)
                if (layers[i].error) {
                        err_propagate(err, TAKE_PTR(layers[i].error));
                        goto out;
                }
        if (atomic_load(&job.failed)) {
                err_set(err, ERR_INTERNAL, 0, "layer fetch failed");
                goto out;
        }

        if (image_blob_store(e, config_digest, config_buf.data, config_buf.len, err) < 0 ||
            image_blob_store(e, manifest.digest, manifest.body, manifest.size, err) < 0 ||
            pull_commit(e, name, config_digest, &manifest, config, config_buf.len, layers, n, err) <
                    0)
                goto out;
        *ret_id = xstrdup(config_digest + 7);
        r = 0;
out:
        if (r < 0)
                err_wrap(err, "pull `%s`", name);
        pull_layers_clear(layers, n);
        free(config_buf.data);
        registry_manifest_clear(&manifest);
        return r;
}

/* The references to try for name: itself when it names a registry, else
 * one per unqualified-search registry, in order. */
static int pull_candidates(const char *name, const RegistriesConf *conf, ImageRef **ret,
                           size_t *ret_n, Error **err) {
        ImageRef parsed = { 0 };
        if (image_ref_parse(name, &parsed, err) < 0)
                return -1;
        if (parsed.domain) {
                image_ref_normalize(&parsed, NULL);
                *ret = xnew0(ImageRef, 1);
                (*ret)[0] = parsed;
                *ret_n = 1;
                return 0;
        }
        size_t n = 0;
        while (conf->search && conf->search[n])
                n++;
        if (n == 0) {
                image_ref_clear(&parsed);
                return err_set(err, ERR_NOT_FOUND, 0,
                               "short-name `%s` did not resolve: no unqualified-search "
                               "registries are defined in registries.conf",
                               name);
        }
        ImageRef *refs = xnew0(ImageRef, n);
        for (size_t i = 0; i < n; i++) {
                image_ref_copy(&parsed, &refs[i]);
                free(refs[i].domain);
                refs[i].domain = xstrdup(conf->search[i]);
                image_ref_normalize(&refs[i], NULL);
        }
        image_ref_clear(&parsed);
        *ret = refs;
        *ret_n = n;
        return 0;
}

int image_pull(Engine *e, const char *input, const ImagePullOptions *opts, char **ret_id,
               Error **err) {
        static const ImagePullOptions no_opts = { 0 };
        if (!opts)
                opts = &no_opts;
        _cleanup_free_ char *rest = NULL;
        ImageTransport transport;
        if (image_transport_split(input, &transport, &rest, NULL, err) < 0)
                return -1;
        /* Archives and directories are loaded, as containers/image
         * "pulls" from any transport. */
        if (transport != IMAGE_TRANSPORT_NONE && transport != IMAGE_TRANSPORT_DOCKER) {
                if (transport == IMAGE_TRANSPORT_STORAGE)
                        return err_set(err, ERR_NOT_SUPPORTED, 0,
                                       "pull from `containers-storage:` is not supported");
                return image_load(e, input, NULL, ret_id, err);
        }

        RegistriesConf conf = { 0 };
        if (registries_conf_load(&conf, NULL, err) < 0)
                return -1;
        ImageRef *refs = NULL;
        size_t n = 0;
        int r = pull_candidates(rest, &conf, &refs, &n, err);

        Lock store = LOCK_INIT;
        if (r == 0)
                r = lock_acquire(e->config.runroot, "store", "images", false, &store, err);

        Error *last = NULL;
        for (size_t i = 0; r == 0 && i < n; i++) {
                _cleanup_free_ char *full = image_ref_format(&refs[i]);
                if (registries_conf_is_blocked(&conf, full)) {
                        err_free(last);
                        last = NULL;
                        err_set(&last, ERR_INVALID_ARGUMENT, 0,
                                "registry `%s` is blocked in registries.conf", refs[i].domain);
                        continue;
                }
                RegistryOptions ropts = {
                        .insecure = registries_conf_is_insecure(&conf, refs[i].domain) ||
                                    (opts->tls_verify_set && !opts->tls_verify),
                        .cert_dir = opts->cert_dir,
                        .creds = opts->creds,
                        .auth_file = opts->auth_file,
                        .progress = opts->progress,
                        .progress_userdata = opts->progress_userdata,
                };
                err_free(last);
                last = NULL;
                if (pull_reference(e, &refs[i], &ropts, ret_id, &last) == 0) {
                        err_free(last);
                        last = NULL;
                        break;
                }
        }
        if (last)
                r = err_propagate(err, last);
        lock_release(&store);
        for (size_t i = 0; i < n; i++)
                image_ref_clear(&refs[i]);
        free(refs);
        registries_conf_clear(&conf);
        return r;
}
