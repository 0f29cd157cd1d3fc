/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The loader behind the *-lazy.c files: a library varpod does not link,
 * opened with dlopen() the first time one of its functions is called.
 * A wrapper file names the functions it defines in one list,
 *   #define X_LAZY_FUNCTIONS(F, V, W) ...
 * with F(return type, name, value without the library, (parameters),
 * (arguments)) for those forwarded as they are, V(name, (parameters),
 * (arguments)) for those that return nothing and W(name) for those it
 * writes out by hand. Then
 *   LAZY_LIB_DEFINE("libX.so.N", X_LAZY_FUNCTIONS);
 *   X_LAZY_FUNCTIONS(LAZY_LIB_FORWARD_F, LAZY_LIB_FORWARD_V, LAZY_LIB_FORWARD_W)
 * define the file's LazyLib, `lazy_lib`, and the forwarders; a function
 * written out by hand calls LAZY_LIB_REAL(name) once
 * lazy_lib_error(&lazy_lib) is NULL. */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct LazyLib {
        const char *soname;
        const char *const *names; /* the symbols, all of them required */
        void **syms;              /* where they go, in the order of names */
        size_t n_syms;
        /* Written by lazy_lib_error() */
        pthread_mutex_t lock;
        atomic_bool tried;
        bool loaded;
        char error[512];
} LazyLib;

/* Loads lib->soname and resolves every symbol into lib->syms unless
 * already tried. NULL once it is loaded, else the reason,
 * "libX.so.N cannot be loaded: ...", which lib holds. Thread-safe. */
const char *lazy_lib_error(LazyLib *lib);

#define LAZY_LIB_INDEX_F(ret, name, fail, params, args) LAZY_LIB_SYM_##name,
#define LAZY_LIB_INDEX_V(name, params, args) LAZY_LIB_SYM_##name,
#define LAZY_LIB_INDEX_W(name) LAZY_LIB_SYM_##name,
#define LAZY_LIB_NAME_F(ret, name, fail, params, args) #name,
#define LAZY_LIB_NAME_V(name, params, args) #name,
#define LAZY_LIB_NAME_W(name) #name,

#define LAZY_LIB_DEFINE(soname_, list)                                                       \
        enum { list(LAZY_LIB_INDEX_F, LAZY_LIB_INDEX_V, LAZY_LIB_INDEX_W) LAZY_LIB_N_SYMS }; \
        static const char *const lazy_lib_names[] = { list(LAZY_LIB_NAME_F, LAZY_LIB_NAME_V, \
                                                           LAZY_LIB_NAME_W) };               \
        static void *lazy_lib_syms[LAZY_LIB_N_SYMS];                                         \
        static LazyLib lazy_lib = { .soname = (soname_),                                     \
                                    .names = lazy_lib_names,                                 \
                                    .syms = lazy_lib_syms,                                   \
                                    .n_syms = LAZY_LIB_N_SYMS,                               \
                                    .lock = PTHREAD_MUTEX_INITIALIZER }

/* The library's own function, typed as the header declares it. */
#define LAZY_LIB_REAL(name) ((__typeof__(&name))lazy_lib_syms[LAZY_LIB_SYM_##name])

#define LAZY_LIB_FORWARD_F(ret, name, fail, params, args) \
        ret name params {                                 \
                if (lazy_lib_error(&lazy_lib))            \
                        return fail;                      \
                return LAZY_LIB_REAL(name) args;          \
        }
#define LAZY_LIB_FORWARD_V(name, params, args)    \
        void name params {                        \
                if (!lazy_lib_error(&lazy_lib))   \
                        LAZY_LIB_REAL(name) args; \
        }
#define LAZY_LIB_FORWARD_W(name) /* written out by hand */
