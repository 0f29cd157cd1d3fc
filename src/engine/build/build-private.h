/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared by the files of src/engine/build/: the state of a build
 * (build.c), COPY and ADD (build-copy.c) and the final image
 * (build-image.c). */

#include <jansson.h>
#include <stdbool.h>

#include "build.h"
#include "dockerfile.h"

/* One FROM ... up to the next FROM. */
typedef struct BuildStage {
        char *name;     /* "FROM x AS name", or NULL */
        char *image_id; /* the image so far: the base, then each commit */
        json_t *config; /* the image config's "config" object being built */
        json_t *history;
        json_t *args; /* ARG name -> value in scope (strings) */
} BuildStage;

typedef struct Build {
        Engine *e;
        const BuildOptions *opts;
        BuildStage *stages;
        size_t n_stages;
        json_t *global_args; /* ARGs before the first FROM */
        json_t *images;      /* intermediate image IDs, oldest first */
        json_t *containers;  /* containers of the step under way */
        unsigned step;
        bool cancelled;
} Build;

/* Sends a line (with its '\n' added) to the build's log; printf-style. */
void build_log(Build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The value of a variable for ${} in the stage: ENV first, then ARG. */
const char *build_lookup(void *stage, const char *name);

/* A container of the step from image_id (not started): its full ID in
 * *ret_id, remembered for removal. command is its argv (NULL: a
 * placeholder for containers that are only mounted). */
int build_container_new(Build *b, BuildStage *s, const char *image_id, json_t *command,
                        bool for_run, char **ret_id, Error **err) _must_check_;

/* Commits container id as the stage's next image and records the
 * history entry created_by. */
int build_container_commit(Build *b, BuildStage *s, const char *id, const char *created_by,
                           Error **err) _must_check_;

/* Removes the containers of the step (unmounting them first). */
void build_containers_remove(Build *b);

/* COPY (add false) and ADD. */
int build_copy(Build *b, BuildStage *s, const DockerfileInstruction *in, bool add,
               Error **err) _must_check_;

/* Creates a directory path (absolute inside the root, parents too) below
 * the root directory rootfd without ever leaving it; new directories get
 * uid:gid. Returns an O_PATH|O_DIRECTORY descriptor of it or -1. */
int build_mkdir_in_root(int rootfd, const char *path, uid_t uid, gid_t gid, Error **err);

/* The final image: the layers of s->image_id with the stage's config and
 * history, the build's labels and annotations, in the build's format,
 * named after every tag. */
int build_image_write(Build *b, BuildStage *s, char **ret_id, Error **err) _must_check_;
