/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The error object of every fallible function (crun's idiom): the function
 * returns a negative int (or NULL) and fills *err only on failure. The kind
 * tells front-ends which of their own errors to send; the message carries
 * context, outermost first: "pull `x`: fetch manifest: HTTP 404". */

#include <stdarg.h>

#include "macro.h"

typedef enum ErrorKind {
        ERR_INTERNAL = 0,     /* anything unexpected */
        ERR_SYSTEM,           /* a system call failed; errnum says which */
        ERR_INVALID_ARGUMENT, /* the caller asked for something malformed */
        ERR_NOT_SUPPORTED,    /* valid, but this host or build cannot do it */
        ERR_EXISTS,           /* the object already exists */
        ERR_NOT_FOUND,        /* a generic missing thing (file, key, ...) */
        ERR_CONTAINER_NOT_FOUND,
        ERR_IMAGE_NOT_FOUND,
        ERR_POD_NOT_FOUND,
        ERR_NO_CONTAINER_RUNNING,
        ERR_NO_CONTAINERS_IN_POD,
        ERR_BAD_STATE, /* the object is in the wrong state */
        ERR_RUNTIME,   /* the OCI runtime or conmon failed */
        ERR_PROTOCOL,  /* a peer broke its protocol (registry, varlink) */
        ERR_LIMIT,     /* an explicit limit was exceeded */
        ERR_TIMEOUT,
        ERR__MAX,
} ErrorKind;

typedef struct Error {
        ErrorKind kind;
        int errnum; /* errno value or 0 */
        char *message;
} Error;

/* Fills *err (when err is not NULL and *err is NULL) and returns -1, or
 * -errnum when errnum is set, so `return err_set(...)` is one line. The
 * strerror text of errnum is appended to the message. */
int err_set(Error **err, ErrorKind kind, int errnum, const char *fmt, ...) _printf_(4, 5);

/* Prepends context to an existing error ("context: old message"); keeps its
 * kind. Returns -1 (or -errnum of the error). */
int err_wrap(Error **err, const char *fmt, ...) _printf_(2, 3);

/* Frees an error; accepts NULL; returns NULL. */
Error *err_free(Error *e);
DEFINE_CLEANUP(Error, err_free)
#define _cleanup_error_ _cleanup_(err_freep)

/* Moves *src into *dst (when dst is not NULL), else frees it. */
int err_propagate(Error **dst, Error *src);

const char *err_kind_name(ErrorKind kind);
