/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A client of the Docker Registry HTTP API v2 (libcurl + OpenSSL): ping,
 * bearer-token and basic auth, manifests, blobs (streamed), uploads,
 * cross-repository mounts, the v1 search endpoint and the v2 catalog. One
 * RegistryClient talks to one registry host and may be used by one thread
 * at a time; create one per thread for parallel blob fetches (they share
 * credentials but not connections). */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Media types we read and write. */
#define MEDIA_TYPE_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_TYPE_DOCKER_MANIFEST_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_TYPE_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MEDIA_TYPE_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MEDIA_TYPE_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define MEDIA_TYPE_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_TYPE_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MEDIA_TYPE_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MEDIA_TYPE_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MEDIA_TYPE_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MEDIA_TYPE_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"

/* Largest manifest or token response accepted. */
#define REGISTRY_MANIFEST_SIZE_MAX (4u * 1024u * 1024u)

typedef struct RegistryOptions {
        /* Plain HTTP is tried (after HTTPS fails) and TLS is not verified:
         * the registry is insecure in registries.conf, or the caller said
         * tls-verify=false. */
        bool insecure;
        /* podman's --cert-dir: *.crt are extra CAs, *.cert and *.key client
         * certificate pairs. NULL: /etc/containers/certs.d/HOST[:PORT]
         * when it exists. */
        const char *cert_dir;
        /* "user:password" (the password may contain ':'). NULL: look in
         * auth_file, then $XDG_RUNTIME_DIR/containers/auth.json, then
         * ~/.docker/config.json. */
        const char *creds;
        const char *auth_file;
        /* Called with bytes done and total (0 when unknown) while blobs move;
         * may be NULL. */
        void (*progress)(void *userdata, const char *digest, uint64_t done, uint64_t total);
        void *progress_userdata;
} RegistryOptions;

typedef struct RegistryClient RegistryClient;

/* host is "docker.io", "quay.io", "127.0.0.1:5000", ... ("docker.io" is
 * reached at registry-1.docker.io as Docker does). Options are copied. */
int registry_client_new(RegistryClient **ret, const char *host, const RegistryOptions *opts,
                        Error **err);
RegistryClient *registry_client_free(RegistryClient *c);
DEFINE_CLEANUP(RegistryClient, registry_client_free)

/* GET /v2/: checks the registry answers and settles the scheme (https, or
 * http for insecure ones) and the auth challenge. */
int registry_ping(RegistryClient *c, Error **err);

typedef struct RegistryManifest {
        char *media_type; /* from Content-Type, or the document's mediaType */
        char *digest;     /* sha256 of the bytes (verified against a requested digest) */
        char *body;       /* the exact bytes */
        size_t size;
} RegistryManifest;
void registry_manifest_clear(RegistryManifest *m);

/* GET /v2/REPO/manifests/REF (tag or digest), accepting schema 2, OCI
 * manifests and lists/indexes. ERR_NOT_FOUND when the registry says
 * MANIFEST_UNKNOWN / 404; ERR_PROTOCOL with "HTTP 401" text on bad creds. */
int registry_manifest_get(RegistryClient *c, const char *repo, const char *ref,
                          RegistryManifest *ret, Error **err);

/* PUT /v2/REPO/manifests/REF with the given media type. Returns the
 * digest the registry reports (Docker-Content-Digest) in ret_digest
 * (DIGEST_STRING_SIZE) when not NULL. */
int registry_manifest_put(RegistryClient *c, const char *repo, const char *ref,
                          const char *media_type, const char *body, size_t size, char *ret_digest,
                          Error **err);

/* Streams GET /v2/REPO/blobs/DIGEST (following redirects to blob storage)
 * into write_fn, verifying the digest of all bytes at the end (mismatch:
 * ERR_PROTOCOL "digest mismatch"). write_fn returns 0 or -1 to abort.
 * Transient failures (connection reset, 5xx, 429) are retried with a
 * Range request continuing where it stopped, a few times. expected_size
 * may be 0 when unknown. */
typedef int (*RegistryWriteFn)(void *userdata, const void *data, size_t len);
int registry_blob_get(RegistryClient *c, const char *repo, const char *digest,
                      uint64_t expected_size, RegistryWriteFn write_fn, void *userdata,
                      Error **err);

/* HEAD /v2/REPO/blobs/DIGEST. */
int registry_blob_exists(RegistryClient *c, const char *repo, const char *digest, bool *ret,
                         Error **err);

/* POST /v2/REPO/blobs/uploads/?mount=DIGEST&from=FROM: *ret_mounted says
 * whether the registry mounted it (else nothing was uploaded). */
int registry_blob_mount(RegistryClient *c, const char *repo, const char *digest,
                        const char *from_repo, bool *ret_mounted, Error **err);

/* Uploads size bytes read from fd (from its current offset) as blob
 * DIGEST: POST to start, PUT with ?digest= to finish. */
int registry_blob_upload(RegistryClient *c, const char *repo, const char *digest, int fd,
                         uint64_t size, Error **err);

/* Search: GET /v1/search?q=TERM&n=LIMIT; when the registry has no v1
 * endpoint, the v2 catalog filtered to repositories containing term.
 * *ret is a new array of objects {name, description, is_official,
 * is_automated, star_count} (catalog results have only name filled). */
int registry_search(RegistryClient *c, const char *term, int limit, json_t **ret, Error **err);
