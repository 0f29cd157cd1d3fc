/* SPDX-License-Identifier: Apache-2.0 */
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static int err_return(const Error *e) { return e && e->errnum > 0 ? -e->errnum : -1; }

int err_set(Error **err, ErrorKind kind, int errnum, const char *fmt, ...) {
        if (errnum < 0)
                errnum = -errnum;
        if (!err || *err)
                return errnum ? -errnum : -1;

        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);

        Error *e = xnew0(Error, 1);
        e->kind = kind;
        e->errnum = errnum;
        if (errnum) {
                char buf[256];
                e->message = xasprintf("%s: %s", msg, strerror_r(errnum, buf, sizeof buf));
        } else
                e->message = TAKE_PTR(msg);
        *err = e;
        return err_return(e);
}

int err_wrap(Error **err, const char *fmt, ...) {
        if (!err || !*err)
                return -1;
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *ctx = xvasprintf(fmt, ap);
        va_end(ap);

        char *m = xasprintf("%s: %s", ctx, (*err)->message);
        free((*err)->message);
        (*err)->message = m;
        return err_return(*err);
}

Error *err_free(Error *e) {
        if (e) {
                free(e->message);
                free(e);
        }
        return NULL;
}

int err_propagate(Error **dst, Error *src) {
        int r = err_return(src);
        if (dst && !*dst)
                *dst = src;
        else
                err_free(src);
        return r;
}

const char *err_kind_name(ErrorKind kind) {
        static const char *const names[ERR__MAX] = {
                [ERR_INTERNAL] = "internal",
                [ERR_SYSTEM] = "system",
                [ERR_INVALID_ARGUMENT] = "invalid argument",
                [ERR_NOT_SUPPORTED] = "not supported",
                [ERR_EXISTS] = "exists",
                [ERR_NOT_FOUND] = "not found",
                [ERR_CONTAINER_NOT_FOUND] = "container not found",
                [ERR_IMAGE_NOT_FOUND] = "image not found",
                [ERR_POD_NOT_FOUND] = "pod not found",
                [ERR_NO_CONTAINER_RUNNING] = "no container running",
                [ERR_NO_CONTAINERS_IN_POD] = "no containers in pod",
                [ERR_BAD_STATE] = "improper state",
                [ERR_RUNTIME] = "runtime",
                [ERR_PROTOCOL] = "protocol",
                [ERR_LIMIT] = "limit",
                [ERR_TIMEOUT] = "timeout",
        };
        return (unsigned)kind < ERR__MAX && names[kind] ? names[kind] : "unknown";
}
