/* SPDX-License-Identifier: Apache-2.0 */
/* libarchive, loaded on first use, as libcurl is (see curl-lazy.c): linked,
 * it brought libxml2, icu and libstdc++ into every process, and only
 * pulls, pushes, imports, commits and exports touch a tar. Each archive_*
 * function varpod calls is defined under its own name; it loads
 * libarchive.so.13 once, then forwards to the real one. */
#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdlib.h>

#include "archive-lazy.h"
#include "lazy-lib.h"
#include "xalloc.h"

#define ARCHIVE_SONAME "libarchive.so.13"

/* The functions, as lazy-lib.h lists them: all or nothing, a libarchive
 * missing one of them is too old. archive_error_string and the variadic
 * archive_set_error are written out below. Without the library no archive
 * or entry can exist, so the getters' values are never seen; the status
 * codes are ARCHIVE_FATAL. */
// clang-format off
#define ARCHIVE_LAZY_FUNCTIONS(F, V, W)                                                            \
        F(struct archive *, archive_read_new, NULL, (void), ())                                    \
        F(int, archive_read_free, ARCHIVE_FATAL, (struct archive *a), (a))                         \
        F(int, archive_read_support_format_tar, ARCHIVE_FATAL, (struct archive *a), (a))           \
        F(int, archive_read_support_format_gnutar, ARCHIVE_FATAL, (struct archive *a), (a))        \
        F(int, archive_read_support_format_empty, ARCHIVE_FATAL, (struct archive *a), (a))         \
        F(int, archive_read_open, ARCHIVE_FATAL,                                                   \
          (struct archive *a, void *data, archive_open_callback *open_cb,                          \
           archive_read_callback *read_cb, archive_close_callback *close_cb),                      \
          (a, data, open_cb, read_cb, close_cb))                                                   \
        F(int, archive_read_next_header, ARCHIVE_FATAL,                                            \
          (struct archive *a, struct archive_entry **e), (a, e))                                   \
        F(int, archive_read_data_block, ARCHIVE_FATAL,                                             \
          (struct archive *a, const void **buf, size_t *size, la_int64_t *offset),                 \
          (a, buf, size, offset))                                                                  \
        F(struct archive *, archive_write_new, NULL, (void), ())                                   \
        F(int, archive_write_free, ARCHIVE_FATAL, (struct archive *a), (a))                        \
        F(int, archive_write_set_format_pax_restricted, ARCHIVE_FATAL, (struct archive *a), (a))   \
        F(int, archive_write_set_bytes_per_block, ARCHIVE_FATAL, (struct archive *a, int n),       \
          (a, n))                                                                                  \
        F(int, archive_write_set_bytes_in_last_block, ARCHIVE_FATAL, (struct archive *a, int n),   \
          (a, n))                                                                                  \
        F(int, archive_write_open, ARCHIVE_FATAL,                                                  \
          (struct archive *a, void *data, archive_open_callback *open_cb,                          \
           archive_write_callback *write_cb, archive_close_callback *close_cb),                    \
          (a, data, open_cb, write_cb, close_cb))                                                  \
        F(int, archive_write_open_filename, ARCHIVE_FATAL, (struct archive *a, const char *path),  \
          (a, path))                                                                               \
        F(int, archive_write_header, ARCHIVE_FATAL, (struct archive *a, struct archive_entry *e),  \
          (a, e))                                                                                  \
        F(la_ssize_t, archive_write_data, ARCHIVE_FATAL,                                           \
          (struct archive *a, const void *buf, size_t len), (a, buf, len))                         \
        F(int, archive_write_close, ARCHIVE_FATAL, (struct archive *a), (a))                       \
        F(int, archive_errno, 0, (struct archive *a), (a))                                         \
        F(struct archive_entry *, archive_entry_new, NULL, (void), ())                             \
        V(archive_entry_free, (struct archive_entry *e), (e))                                      \
        F(const char *, archive_entry_pathname, NULL, (struct archive_entry *e), (e))              \
        F(const char *, archive_entry_hardlink, NULL, (struct archive_entry *e), (e))              \
        F(const char *, archive_entry_symlink, NULL, (struct archive_entry *e), (e))               \
        F(__LA_MODE_T, archive_entry_filetype, 0, (struct archive_entry *e), (e))                  \
        F(__LA_MODE_T, archive_entry_perm, 0, (struct archive_entry *e), (e))                      \
        F(la_int64_t, archive_entry_size, 0, (struct archive_entry *e), (e))                       \
        F(la_int64_t, archive_entry_uid, 0, (struct archive_entry *e), (e))                        \
        F(la_int64_t, archive_entry_gid, 0, (struct archive_entry *e), (e))                        \
        F(dev_t, archive_entry_rdevmajor, 0, (struct archive_entry *e), (e))                       \
        F(dev_t, archive_entry_rdevminor, 0, (struct archive_entry *e), (e))                       \
        F(time_t, archive_entry_mtime, 0, (struct archive_entry *e), (e))                          \
        F(long, archive_entry_mtime_nsec, 0, (struct archive_entry *e), (e))                       \
        F(int, archive_entry_mtime_is_set, 0, (struct archive_entry *e), (e))                      \
        F(time_t, archive_entry_atime, 0, (struct archive_entry *e), (e))                          \
        F(long, archive_entry_atime_nsec, 0, (struct archive_entry *e), (e))                       \
        F(int, archive_entry_atime_is_set, 0, (struct archive_entry *e), (e))                      \
        F(int, archive_entry_xattr_reset, 0, (struct archive_entry *e), (e))                       \
        F(int, archive_entry_xattr_next, ARCHIVE_FATAL,                                            \
          (struct archive_entry *e, const char **name, const void **value, size_t *size),          \
          (e, name, value, size))                                                                  \
        V(archive_entry_xattr_add_entry,                                                           \
          (struct archive_entry *e, const char *name, const void *value, size_t size),             \
          (e, name, value, size))                                                                  \
        V(archive_entry_copy_pathname, (struct archive_entry *e, const char *s), (e, s))           \
        V(archive_entry_set_pathname, (struct archive_entry *e, const char *s), (e, s))            \
        V(archive_entry_copy_symlink, (struct archive_entry *e, const char *s), (e, s))            \
        V(archive_entry_set_hardlink, (struct archive_entry *e, const char *s), (e, s))            \
        V(archive_entry_set_filetype, (struct archive_entry *e, unsigned int type), (e, type))     \
        V(archive_entry_set_perm, (struct archive_entry *e, __LA_MODE_T perm), (e, perm))          \
        V(archive_entry_set_size, (struct archive_entry *e, la_int64_t size), (e, size))           \
        V(archive_entry_set_uid, (struct archive_entry *e, la_int64_t id), (e, id))                \
        V(archive_entry_set_gid, (struct archive_entry *e, la_int64_t id), (e, id))                \
        V(archive_entry_set_mtime, (struct archive_entry *e, time_t sec, long nsec),               \
          (e, sec, nsec))                                                                          \
        V(archive_entry_set_rdevmajor, (struct archive_entry *e, dev_t major), (e, major))         \
        V(archive_entry_set_rdevminor, (struct archive_entry *e, dev_t minor), (e, minor))         \
        W(archive_error_string)                                                                    \
        W(archive_set_error)
// clang-format on

LAZY_LIB_DEFINE(ARCHIVE_SONAME, ARCHIVE_LAZY_FUNCTIONS);

const char *archive_lazy_error(void) { return lazy_lib_error(&lazy_lib); }

ARCHIVE_LAZY_FUNCTIONS(LAZY_LIB_FORWARD_F, LAZY_LIB_FORWARD_V, LAZY_LIB_FORWARD_W)

/* A caller that reports a failure with this says why, library or not. */
const char *archive_error_string(struct archive *a) {
        const char *why = archive_lazy_error();
        return why ? why : LAZY_LIB_REAL(archive_error_string)(a);
}

void archive_set_error(struct archive *a, int err, const char *fmt, ...) {
        if (archive_lazy_error())
                return;
        /* A va_list cannot be passed on to a variadic function: format
         * here, libarchive copies the text. */
        va_list ap;
        va_start(ap, fmt);
        char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        LAZY_LIB_REAL(archive_set_error)(a, err, "%s", msg);
        free(msg);
}
