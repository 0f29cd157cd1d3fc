/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the files of the network module share and nobody else needs. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* mkdir -p. */
int network_dir_make(const char *path, mode_t mode, Error **err) _must_check_;

/* Reads a whole file of at most max bytes (ERR_LIMIT beyond) into a new
 * NUL-terminated string; *ret_len may be NULL. ERR_NOT_FOUND when the
 * file does not exist. */
int network_file_read(const char *path, size_t max, char **ret, size_t *ret_len,
                      Error **err) _must_check_;

/* Replaces path with text, atomically (temp file + rename), so a reader
 * never sees half a file and a crash never leaves one. */
int network_file_write(const char *path, const char *text, mode_t mode, Error **err) _must_check_;

/* CNI's rule for network names and container IDs:
 * [a-zA-Z0-9][a-zA-Z0-9_.-]*, here also at most 255 bytes so either fits
 * in a file name. */
bool network_name_is_valid(const char *name);

size_t network_strv_length(const char *const *v);
