/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* libarchive is not linked: archive-lazy.c defines the archive_* functions
 * varpod calls and loads libarchive.so.13 the first time one of them runs.
 * Without the library archive_read_new() and archive_write_new() return
 * NULL, everything else fails with ARCHIVE_FATAL, and
 * archive_error_string() says why. */

/* Loads libarchive unless already tried. NULL once it is loaded, else the
 * reason, "libarchive.so.13 cannot be loaded: ...", static storage.
 * Thread-safe. */
const char *archive_lazy_error(void);
