/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* libcurl is not linked: curl-lazy.c defines the curl_* functions varpod
 * calls and loads libcurl.so.4 the first time one of them runs. Without
 * the library they fail as libcurl itself would (NULL, CURLE_FAILED_INIT)
 * and curl_easy_strerror() says why. */

/* Loads libcurl unless already tried. NULL once it is loaded, else the
 * reason, "libcurl.so.4 cannot be loaded: ...", static storage. Thread-safe. */
const char *curl_lazy_error(void);
