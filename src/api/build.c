/* SPDX-License-Identifier: Apache-2.0 */
/* io.podman.BuildImage (semantics 2.5 #29): BuildInfo translated into the
 * engine's build, and its progress streamed.
 *
 * Where this differs from the reference, on purpose:
 * - `logs` carries what a podman or buildah user sees on a terminal: the
 *   "STEP n: INSTRUCTION" lines, the output of RUN steps and the final
 *   image ID, each with its '\n'. The reference returned only the
 *   containers/image copy report and left the rest on the server's
 *   stderr, so remote clients saw nothing of their build's progress.
 * - With `more`, an intermediate reply goes out when there are new lines,
 *   at most every 100 ms (or sooner once a batch reaches 1 MiB), instead
 *   of the reference's tight loop of mostly empty replies.
 * - An empty `tags` builds an untagged image and answers its ID, as
 *   `podman build` without -t does; the reference crashed.
 * - Dockerfile path errors and remote Dockerfiles answer ErrorOccurred;
 *   the reference dropped the connection.
 * - Extension: when the first local `dockerfile` entry is a directory, it
 *   is the build context, and the Dockerfile is the next local entry
 *   (relative to it) or its Containerfile or Dockerfile. The reference
 *   made the Dockerfile's own directory the context, which is also what
 *   happens here when the first entry is a file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api-private.h"
#include "build.h"
#include "dockerfile.h"
#include "reference.h"
#include "xalloc.h"

#define BUILD_REPLY_INTERVAL_NS (100 * 1000 * 1000)
#define BUILD_REPLY_BATCH_MAX (1024 * 1024)
/* What the single reply without `more` carries at most: clients take
 * messages of 8 MiB. */
#define BUILD_LOGS_MAX (4 * 1024 * 1024)

typedef struct BuildStream {
        VlCall *call;
        bool more;
        json_t *pending; /* lines not sent yet */
        size_t pending_bytes;
        size_t total_bytes;
        bool truncated;
        int64_t last_sent;
} BuildStream;

static int64_t monotonic_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int stream_flush(BuildStream *s) {
        json_t *lines = s->pending;
        s->pending = json_array();
        s->pending_bytes = 0;
        s->last_sent = monotonic_ns();
        return vl_call_reply(s->call, json_pack("{s:{s:o, s:s}}", "image", "logs", lines, "id", ""),
                             true, NULL);
}

static int stream_log(void *userdata, const char *line) {
        BuildStream *s = userdata;
        if (line) {
                size_t len = strlen(line);
                if (!s->more && s->total_bytes + len > BUILD_LOGS_MAX) {
                        if (!s->truncated)
                                json_array_append_new(s->pending,
                                                      json_string("(further output left out)\n"));
                        s->truncated = true;
                } else {
                        json_array_append_new(s->pending, json_string(line));
                        s->pending_bytes += len;
                        s->total_bytes += len;
                }
        }
        if (!s->more)
                return 0;
        if (json_array_size(s->pending) > 0 &&
            (monotonic_ns() - s->last_sent >= BUILD_REPLY_INTERVAL_NS ||
             s->pending_bytes >= BUILD_REPLY_BATCH_MAX) &&
            stream_flush(s) < 0)
                return -1;
        return vl_call_peer_closed(s->call) ? -1 : 0;
}

static bool is_remote(const char *entry) {
        return STRPREFIX(entry, "http://") || STRPREFIX(entry, "https://") ||
               STRPREFIX(entry, "git://") || STRPREFIX(entry, "github.com/");
}

static char *path_absolute(const char *path) {
        if (path[0] == '/')
                return xstrdup(path);
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
                return xstrdup(path);
        return xasprintf("%s/%s", cwd, path);
}

static bool is_directory(const char *path) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Appends the file at path to text. */
static int dockerfile_read(const char *path, char **text, size_t *len, Error **err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        struct stat st;
        if (fd < 0)
                return err_set(err, ERR_NOT_FOUND, errno, "Dockerfile `%s`", path);
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "Dockerfile `%s` is not a file", path);
        if ((uint64_t)st.st_size + *len > DOCKERFILE_SIZE_MAX)
                return err_set(err, ERR_LIMIT, 0, "Dockerfile `%s`: larger than %u bytes", path,
                               DOCKERFILE_SIZE_MAX);
        *text = xrealloc(*text, *len + (size_t)st.st_size + 2);
        size_t got = 0;
        while (got < (size_t)st.st_size) {
                ssize_t n = read(fd, *text + *len + got, (size_t)st.st_size - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return err_set(err, ERR_SYSTEM, errno, "read `%s`", path);
                if (n == 0)
                        break;
                got += (size_t)n;
        }
        *len += got;
        (*text)[(*len)++] = '\n';
        (*text)[*len] = '\0';
        return 0;
}

/* The context directory and the Dockerfile text from `dockerfile`. */
static int sources_resolve(json_t *entries, char **ret_context, char **ret_text, size_t *ret_len,
                           Error **err) {
        _cleanup_free_ char *context = NULL, *text = NULL;
        size_t len = 0, i;
        json_t *v;
        bool files = false;
        json_array_foreach (entries, i, v) {
                const char *entry = json_string_value(v);
                if (!entry || !*entry)
                        continue;
                if (is_remote(entry))
                        return err_set(err, ERR_NOT_SUPPORTED, 0,
                                       "remote Dockerfile `%s`: only files on the server are "
                                       "supported",
                                       entry);
                if (!context) {
                        _cleanup_free_ char *abs = path_absolute(entry);
                        if (is_directory(abs)) {
                                context = TAKE_PTR(abs);
                                continue;
                        }
                        char *slash = strrchr(abs, '/');
                        context =
                                slash == abs ? xstrdup("/") : xstrndup(abs, (size_t)(slash - abs));
                        if (dockerfile_read(abs, &text, &len, err) < 0)
                                return -1;
                        files = true;
                        continue;
                }
                _cleanup_free_ char *path =
                        entry[0] == '/' ? xstrdup(entry) : xasprintf("%s/%s", context, entry);
                if (dockerfile_read(path, &text, &len, err) < 0)
                        return -1;
                files = true;
        }
        if (!context)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "no Dockerfile given");
        if (!files) {
                _cleanup_free_ char *cf = xasprintf("%s/Containerfile", context);
                _cleanup_free_ char *df = xasprintf("%s/Dockerfile", context);
                if (dockerfile_read(access(cf, F_OK) == 0 ? cf : df, &text, &len, err) < 0)
                        return -1;
        }
        char real[PATH_MAX];
        if (!realpath(context, real))
                return err_set(err, ERR_NOT_FOUND, errno, "build context `%s`", context);
        *ret_context = xstrdup(real);
        *ret_text = TAKE_PTR(text);
        *ret_len = len;
        return 0;
}

/* "512m", "1g", "1024": bytes; "-1" stays -1 (unlimited swap). */
static int size_parse(const char *field, const char *text, int64_t *ret, Error **err) {
        if (STREQ(text, "-1")) {
                *ret = -1;
                return 0;
        }
        char *end = NULL;
        errno = 0;
        double v = strtod(text, &end);
        double mult = 1;
        if (end && *end) {
                const char *units = "kmgt";
                const char *u = strchr(units, *end | 0x20);
                if (u) {
                        for (const char *q = units; q <= u; q++)
                                mult *= 1024;
                        end++;
                        if (*end == 'i' || *end == 'I')
                                end++;
                }
                if (*end == 'b' || *end == 'B')
                        end++;
        }
        if (errno || end == text || *end || v < 0 || v * mult > 9.2e18)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s: invalid size \"%s\"", field,
                               text);
        *ret = (int64_t)(v * mult);
        return 0;
}

static char **strv_of(json_t *array) {
        size_t n = json_array_size(array), k = 0;
        char **v = xnew0(char *, n + 1);
        for (size_t i = 0; i < n; i++) {
                const char *s = json_string_value(json_array_get(array, i));
                if (s)
                        v[k++] = xstrdup(s);
        }
        return v;
}

/* The Create fields of RUN containers from BuildInfo. */
static int run_create_make(json_t *info, json_t **ret, Error **err) {
        json_t *res = json_object();
        _cleanup_json_ json_t *create = json_pack("{s:o}", "resources", res);
        static const char *const sizes[][2] = {
                { "memory", "memory" },
                { "memory_swap", "memory_swap" },
                { "shm_size", "shm_size" },
        };
        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                const char *text = json_string_value(json_object_get(info, sizes[i][0]));
                int64_t v = 0;
                if (!text || !*text)
                        continue;
                if (size_parse(sizes[i][0], text, &v, err) < 0)
                        return -1;
                json_object_set_new(res, sizes[i][1], json_integer(v));
        }
        static const char *const ints[] = { "cpu_period", "cpu_quota" };
        for (size_t i = 0; i < ELEMENTSOF(ints); i++) {
                json_int_t v = json_integer_value(json_object_get(info, ints[i]));
                if (v)
                        json_object_set_new(res, ints[i], json_integer(v));
        }
        static const char *const strs[] = { "cpuset_cpus", "cpuset_mems" };
        for (size_t i = 0; i < ELEMENTSOF(strs); i++) {
                const char *s = json_string_value(json_object_get(info, strs[i]));
                if (s && *s)
                        json_object_set_new(res, strs[i], json_string(s));
        }
        if (json_array_size(json_object_get(info, "ulimit")))
                json_object_set(res, "ulimit", json_object_get(info, "ulimit"));
        const char *parent = json_string_value(json_object_get(info, "cgroup_parent"));
        if (parent && *parent)
                json_object_set_new(create, "cgroup_parent", json_string(parent));
        if (json_array_size(json_object_get(info, "add_hosts")))
                json_object_set(create, "host_add", json_object_get(info, "add_hosts"));
        if (json_array_size(json_object_get(info, "volume")))
                json_object_set(create, "volumes", json_object_get(info, "volume"));
        *ret = TAKE_PTR(create);
        return 0;
}

/* The tags as full names, buildah's way: "foo" is localhost/foo:latest. */
static int tags_normalize(json_t *tags, char ***ret, Error **err) {
        size_t n = json_array_size(tags);
        char **out = xnew0(char *, n + 1);
        for (size_t i = 0; i < n; i++) {
                const char *t = json_string_value(json_array_get(tags, i));
                ImageRef ref = { 0 };
                if (!t || image_ref_parse(t, &ref, err) < 0 || ref.digest) {
                        image_ref_clear(&ref);
                        strv_free(out);
                        if (!t || !*err)
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "tag `%s`: a digest cannot be given", t ? t : "");
                        return err_wrap(err, "tag `%s`", t);
                }
                image_ref_normalize(&ref, "localhost");
                out[i] = image_ref_format(&ref);
                image_ref_clear(&ref);
        }
        *ret = out;
        return 0;
}

static int build_image(Engine *e, json_t *info, BuildStream *stream, char **ret_id, Error **err) {
        const char *format = json_string_value(json_object_get(info, "image_format"));
        bool docker = false;
        if (format && *format && !STRPREFIX(format, "oci")) {
                if (!STRPREFIX(format, "docker"))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "unrecognized image type \"%s\"", format);
                docker = true;
        }
        _cleanup_(strv_freep) char **tags = NULL, **labels = NULL, **annotations = NULL;
        _cleanup_json_ json_t *run_create = NULL;
        _cleanup_free_ char *context = NULL, *text = NULL;
        size_t len = 0;
        json_t *build_args = json_object_get(info, "build_args");
        if (tags_normalize(json_object_get(info, "tags"), &tags, err) < 0 ||
            run_create_make(info, &run_create, err) < 0 ||
            sources_resolve(json_object_get(info, "dockerfile"), &context, &text, &len, err) < 0)
                return -1;
        labels = strv_of(json_object_get(info, "label"));
        annotations = strv_of(json_object_get(info, "annotations"));
        BuildOptions o = {
                .context_dir = context,
                .dockerfile = text,
                .dockerfile_len = len,
                .tags = tags,
                .build_args = json_is_object(build_args) ? build_args : NULL,
                .labels = labels,
                .annotations = annotations,
                .pull = json_is_true(json_object_get(info, "pull")),
                .pull_always = json_is_true(json_object_get(info, "pull_always")),
                .docker_format = docker,
                .run_create = run_create,
                .log = stream_log,
                .log_userdata = stream,
        };
        if (json_is_true(json_object_get(info, "squash")))
                (void)stream_log(stream, "squash is not supported: the image keeps its layers\n");
        return build_run(e, &o, ret_id, err);
}

API_HANDLER(BuildImage) {
        Engine *e = userdata;
        BuildStream stream = { .call = call,
                               .more = vl_call_wants_more(call),
                               .pending = json_array(),
                               .last_sent = monotonic_ns() };
        _cleanup_error_ Error *err = NULL;
        _cleanup_free_ char *id = NULL;
        if (build_image(e, json_object_get(parameters, "build"), &stream, &id, &err) < 0) {
                json_decref(stream.pending);
                api_reply_error_occurred(call, err->message);
                return;
        }
        (void)vl_call_reply(call,
                            json_pack("{s:{s:o, s:s}}", "image", "logs", stream.pending, "id", id),
                            false, NULL);
}
