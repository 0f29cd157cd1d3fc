/* SPDX-License-Identifier: Apache-2.0 */
/* One loader for libcurl, libarchive, libzstd, libisal and libcrypto, each
 * opened on first use (see src/engine/lazy/curl-lazy.c for why). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "lazy-lib.h"

static bool lazy_lib_open(LazyLib *lib) {
        /* RTLD_NOW: a broken install fails here, with a message, not half-way
         * through a transfer, a layer or a blob. */
        void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                const char *why = dlerror();
                snprintf(lib->error, sizeof(lib->error), "%s cannot be loaded: %s", lib->soname,
                         why ? why : "unknown error");
                return false;
        }
        /* All or nothing: a library missing one of them is too old for us. */
        for (size_t i = 0; i < lib->n_syms; i++) {
                lib->syms[i] = dlsym(h, lib->names[i]);
                if (!lib->syms[i]) {
                        snprintf(lib->error, sizeof(lib->error), "%s cannot be loaded: it lacks %s",
                                 lib->soname, lib->names[i]);
                        memset(lib->syms, 0, lib->n_syms * sizeof(lib->syms[0]));
                        dlclose(h);
                        return false;
                }
        }
        return true;
}

const char *lazy_lib_error(LazyLib *lib) {
        /* Once, as pthread_once() would, for a LazyLib: every forwarded call
         * comes here, and after the first only reads the flag. */
        if (!atomic_load_explicit(&lib->tried, memory_order_acquire)) {
                pthread_mutex_lock(&lib->lock);
                if (!atomic_load_explicit(&lib->tried, memory_order_relaxed)) {
                        lib->loaded = lazy_lib_open(lib);
                        atomic_store_explicit(&lib->tried, true, memory_order_release);
                }
                pthread_mutex_unlock(&lib->lock);
        }
        return lib->loaded ? NULL : lib->error;
}
