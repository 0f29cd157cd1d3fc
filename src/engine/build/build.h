/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Builds from a Dockerfile (BuildImage, semantics 2.5 #29; `varpod
 * build`) with the engine's own parts: a RUN step is a container from the
 * image so far, committed when its command succeeds; COPY and ADD write
 * into a created container's mounted root filesystem, then commit; the
 * other instructions change the config of the image being built, which
 * the final image gets whole. Intermediate images and containers are
 * removed at the end, whether the build succeeded or not. */

#include <jansson.h>
#include <stdbool.h>

#include "engine.h"
#include "error.h"

typedef struct BuildOptions {
        const char *context_dir; /* absolute; the only files COPY and ADD may read */
        const char *dockerfile;  /* Dockerfile text */
        size_t dockerfile_len;
        const char *dockerfile_name; /* for messages */
        char **tags;                 /* fully qualified names, NULL-terminated; may be empty */
        json_t *build_args;          /* object of strings, may be NULL */
        char **labels;               /* "k=v", NULL-terminated, may be NULL */
        char **annotations;          /* "k=v" for an OCI manifest, may be NULL */
        bool pull;                   /* pull a FROM image that is not here */
        bool pull_always;            /* pull every FROM image */
        bool docker_format;          /* Docker schema 2 rather than OCI */
        /* Create fields every RUN container gets (resources, cgroup_parent,
         * host_add, volumes), may be NULL. */
        json_t *run_create;
        /* Progress, one line at a time with its '\n': STEP lines, the
         * output of RUN commands, the final ID. NULL line: nothing new (a
         * tick at least every 100 ms while a RUN step runs). A non-zero
         * return cancels the build. */
        int (*log)(void *userdata, const char *line);
        void *log_userdata;
} BuildOptions;

/* Runs the build; *ret_id is the final image's full ID. Errors name the
 * step ("error building at STEP \"RUN false\": ... exit status 1"). */
int build_run(Engine *e, const BuildOptions *opts, char **ret_id, Error **err) _must_check_;
