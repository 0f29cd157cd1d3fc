/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Image references: the Docker reference grammar (distribution/reference)
 * with Docker's normalisation, and the transports of containers/image
 * ("docker://", "docker-archive:", ...). */

#include <stdbool.h>

#include "error.h"

/* Limits of the grammar: whole reference and tag. */
#define IMAGE_REF_NAME_MAX 255
#define IMAGE_REF_TAG_MAX 128

typedef struct ImageRef {
        char *domain; /* "docker.io", "localhost", "127.0.0.1:5000"; NULL when absent */
        char *path;   /* "library/busybox", "busybox" (before normalisation) */
        char *tag;    /* NULL when absent */
        char *digest; /* "sha256:<64 hex>" or NULL */
} ImageRef;

/* Parses text strictly by the Docker grammar, without normalising: the
 * first component is a domain only when it contains '.' or ':' or is
 * "localhost". Upper-case letters in the repository, empty components,
 * bad tags or digests fail (ERR_INVALID_ARGUMENT, message says why). */
int image_ref_parse(const char *text, ImageRef *ret, Error **err);

/* Parses and normalises as Docker does: no domain -> "docker.io"; on
 * docker.io a single component gets "library/"; no tag and no digest ->
 * tag "latest". ("busybox" -> docker.io/library/busybox:latest.) */
int image_ref_parse_normalized(const char *text, ImageRef *ret, Error **err);

/* Normalises an already parsed reference in place (same rules), with
 * default_domain in place of "docker.io" when not NULL (TagImage and
 * Commit use "localhost"). */
void image_ref_normalize(ImageRef *r, const char *default_domain);

/* "domain/path[:tag][@digest]" (domain omitted when NULL). New string. */
char *image_ref_format(const ImageRef *r);
/* "domain/path" (no tag, no digest). New string. */
char *image_ref_repository(const ImageRef *r);
/* True when text's first component is a registry domain. */
bool image_ref_has_domain(const char *text);
/* True when text is a registry host by the grammar: a domain name or a
 * bracketed IPv6 address, with an optional ":port" ("quay.io",
 * "localhost:5000", "[::1]:5000"). registries.conf checks its search list
 * with it. */
bool image_ref_domain_is_valid(const char *text);
/* True for 64 lowercase hex characters. */
bool image_id_is_full(const char *text);

void image_ref_clear(ImageRef *r);
ImageRef *image_ref_copy(const ImageRef *src, ImageRef *dst);

typedef enum ImageTransport {
        IMAGE_TRANSPORT_NONE,           /* no prefix */
        IMAGE_TRANSPORT_DOCKER,         /* docker://REF */
        IMAGE_TRANSPORT_DOCKER_ARCHIVE, /* docker-archive:PATH[:REF] */
        IMAGE_TRANSPORT_OCI_ARCHIVE,    /* oci-archive:PATH[:REF] */
        IMAGE_TRANSPORT_DIR,            /* dir:PATH */
        IMAGE_TRANSPORT_OCI,            /* oci:PATH[:REF] (OCI layout directory) */
        IMAGE_TRANSPORT_STORAGE,        /* containers-storage:REF */
} ImageTransport;

/* Splits "transport:rest". Text without a known transport prefix gives
 * IMAGE_TRANSPORT_NONE and rest = a copy of text. For archive and oci
 * transports, *ret_ref (may be NULL) receives the optional ":REF" suffix
 * after the path (NULL when absent) and rest is the path only. */
int image_transport_split(const char *text, ImageTransport *ret_transport, char **ret_rest,
                          char **ret_ref, Error **err);
const char *image_transport_name(ImageTransport t);
