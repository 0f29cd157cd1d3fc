/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl, loaded on first use. Linked, it and the ~30 libraries behind it
 * (gnutls, krb5, ldap, ssh2, ...) were mapped and relocated by every
 * varpod process, most of which never open a connection: `varpod version`
 * took six times as long. Here each curl_* function varpod calls is
 * defined under its own name, so callers do not change: it loads
 * libcurl.so.4 once, then forwards to the real one. */
#define CURL_DISABLE_TYPECHECK /* the real prototypes, not curl.h's macros */
#include <curl/curl.h>
#include <stdarg.h>

#include "curl-lazy.h"
#include "lazy-lib.h"

#define CURL_SONAME "libcurl.so.4"

/* The functions, as lazy-lib.h lists them: all or nothing, a libcurl
 * missing one of them is too old for us. The failure values are libcurl's
 * own; the variadic ones and curl_easy_strerror are written out below. */
// clang-format off
#define CURL_LAZY_FUNCTIONS(F, V, W)                                                               \
        F(CURLcode, curl_global_init, CURLE_FAILED_INIT, (long flags), (flags))                    \
        F(curl_version_info_data *, curl_version_info, NULL, (CURLversion v), (v))                 \
        F(CURL *, curl_easy_init, NULL, (void), ())                                                \
        V(curl_easy_cleanup, (CURL *curl), (curl))                                                 \
        V(curl_easy_reset, (CURL *curl), (curl))                                                   \
        F(CURLcode, curl_easy_perform, CURLE_FAILED_INIT, (CURL *curl), (curl))                    \
        F(char *, curl_easy_escape, NULL, (CURL *curl, const char *s, int len), (curl, s, len))    \
        F(CURLHcode, curl_easy_header, CURLHE_BAD_ARGUMENT,                                        \
          (CURL *curl, const char *name, size_t index, unsigned int origin, int request,           \
           struct curl_header **hout),                                                             \
          (curl, name, index, origin, request, hout))                                              \
        V(curl_free, (void *p), (p))                                                               \
        F(struct curl_slist *, curl_slist_append, NULL, (struct curl_slist *l, const char *s),     \
          (l, s))                                                                                  \
        V(curl_slist_free_all, (struct curl_slist *l), (l))                                        \
        F(CURLU *, curl_url, NULL, (void), ())                                                     \
        V(curl_url_cleanup, (CURLU *u), (u))                                                       \
        F(CURLUcode, curl_url_get, CURLUE_BAD_HANDLE,                                              \
          (CURLU *u, CURLUPart what, char **part, unsigned int flags), (u, what, part, flags))     \
        F(CURLUcode, curl_url_set, CURLUE_BAD_HANDLE,                                              \
          (CURLU *u, CURLUPart what, const char *part, unsigned int flags),                        \
          (u, what, part, flags))                                                                  \
        W(curl_easy_strerror)                                                                      \
        W(curl_easy_setopt)                                                                        \
        W(curl_easy_getinfo)
// clang-format on

LAZY_LIB_DEFINE(CURL_SONAME, CURL_LAZY_FUNCTIONS);

const char *curl_lazy_error(void) { return lazy_lib_error(&lazy_lib); }

CURL_LAZY_FUNCTIONS(LAZY_LIB_FORWARD_F, LAZY_LIB_FORWARD_V, LAZY_LIB_FORWARD_W)

/* Callers report a failed curl_global_init() with this: it says why. */
const char *curl_easy_strerror(CURLcode code) {
        const char *why = curl_lazy_error();
        return why ? why : LAZY_LIB_REAL(curl_easy_strerror)(code);
}

/* What curl.h's CURLOPTTYPE_FUNCTIONPOINT options take, whatever the
 * callback's own type: all function pointers are passed alike. */
typedef void (*CurlLazyCallback)(void);

CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...) {
        if (curl_lazy_error())
                return CURLE_FAILED_INIT;
        __typeof__(&curl_easy_setopt) setopt = LAZY_LIB_REAL(curl_easy_setopt);
        /* The option's number says its argument's type: curl.h numbers
         * them from CURLOPTTYPE_LONG, OBJECTPOINT (strings, data, lists),
         * FUNCTIONPOINT, OFF_T and BLOB on. */
        va_list ap;
        va_start(ap, option);
        CURLcode r;
        if (option < CURLOPTTYPE_OBJECTPOINT)
                r = setopt(curl, option, va_arg(ap, long));
        else if (option < CURLOPTTYPE_FUNCTIONPOINT)
                r = setopt(curl, option, va_arg(ap, void *));
        else if (option < CURLOPTTYPE_OFF_T)
                r = setopt(curl, option, va_arg(ap, CurlLazyCallback));
        else if (option < CURLOPTTYPE_BLOB)
                r = setopt(curl, option, va_arg(ap, curl_off_t));
        else
                r = setopt(curl, option, va_arg(ap, void *));
        va_end(ap);
        return r;
}

CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...) {
        if (curl_lazy_error())
                return CURLE_FAILED_INIT;
        /* Always one argument: where to store the answer. */
        va_list ap;
        va_start(ap, info);
        CURLcode r = LAZY_LIB_REAL(curl_easy_getinfo)(curl, info, va_arg(ap, void *));
        va_end(ap);
        return r;
}
