/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Runlabel (semantics 2.7 #60): the command an image stores in a label
 * (the atomic "RUN label" convention, e.g. RUN="podman run -d --name NAME
 * IMAGE"), built and run on this host with the caller's stdio. The
 * command's `podman`/`docker` becomes this very binary with the engine's
 * global flags, so a nested run acts on the same store (runlabel.c). */

#include <stdbool.h>

#include "engine.h"
#include "error.h"
#include "image.h"

/* What a runlabel asks for. Strings may be NULL or "". */
typedef struct ContainerRunlabelOptions {
        const char *image;
        const char *label;       /* looked up case-insensitively */
        const char *name;        /* NAME; "": the image's base name */
        char *const *extra_args; /* appended to the label's command; NULL-terminated or NULL */
        const char *opts[3];     /* $OPT1..$OPT3 */
        bool pull;               /* pull the image when it is not here */
        const ImagePullOptions *pull_options; /* with pull; may be NULL */
} ContainerRunlabelOptions;

/* A built command: argv to run (argv[0] looked up in PATH) with the
 * variables to add to the environment ("NAME=x", ...). */
typedef struct ContainerRunlabel {
        char **argv;
        char **env; /* NAME, IMAGE, OPTn when set, PODMAN_RUNLABEL_NESTED=1 */
} ContainerRunlabel;

ContainerRunlabel *container_runlabel_free(ContainerRunlabel *r);
DEFINE_CLEANUP(ContainerRunlabel, container_runlabel_free)

/* The value of label in labels (a JSON object of strings): an exact key
 * first, else any key equal to it ignoring case. Borrowed; NULL when the
 * label is absent or not a string. */
const char *container_runlabel_label_find(json_t *labels, const char *label);

/* "busybox" for "localhost/busybox:latest" or "r.io/a/busybox@sha256:..":
 * the last path component without tag or digest. New string. */
char *container_runlabel_base_name(const char *image_name);

/* argv `varpod [global flags of config]` for the running binary (from
 * /proc/self/exe): what replaces a label's podman or docker. New
 * NULL-terminated vector; NULL when /proc/self/exe cannot be read. */
char **container_runlabel_self_command(const EngineConfig *config);

/* Builds the command from a label's value (podman's rules): the value and
 * the extra arguments joined with spaces are split shell-style
 * (shell-words.h); a program `podman`, or one whose basename is `docker`,
 * becomes self (argv, NULL-terminated); arguments exactly IMAGE, $IMAGE,
 * IMAGE=IMAGE, IMAGE=$IMAGE become image_name (with the IMAGE= kept),
 * NAME, $NAME, NAME=NAME, NAME=$NAME become name; $OPTn and ${OPTn} in any
 * argument become opts[n-1] ("" when unset). Other $ are left for the
 * program (a shell finds NAME, IMAGE and OPTn in its environment). The
 * label's text is untrusted: ERR_INVALID_ARGUMENT for bad quoting or no
 * command at all, ERR_LIMIT for oversized text. */
int container_runlabel_build(const char *value, char *const *extra_args, const char *image_name,
                             const char *name, const char *const opts[3], char *const *self,
                             ContainerRunlabel **ret, Error **err) _must_check_;

/* Finds the image (pulling it with o->pull), reads its label and builds
 * the command, self being container_runlabel_self_command of the engine.
 * A missing or empty label is ERR_NOT_FOUND "cannot find the value of
 * label: LABEL in image: IMAGE"; a missing image ERR_IMAGE_NOT_FOUND
 * "unable to find image: ...". */
int container_runlabel_prepare(Engine *e, const ContainerRunlabelOptions *o,
                               ContainerRunlabel **ret, Error **err) _must_check_;

/* Runs the command with our stdin, stdout and stderr and our environment
 * plus r->env, and waits for it. ERR_RUNTIME "`PROG`: exit status N" (or
 * "signal: NAME") when it fails, ERR_SYSTEM when it cannot be started. */
int container_runlabel_run(const ContainerRunlabel *r, Error **err) _must_check_;
