/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What a listing shows of a container (ListContainers, GetContainer):
 * read for every container in one query, without the Create document,
 * and with exits noticed cheaply (exit file, conmon gone) rather than by
 * asking the runtime about each container. */

#include "container.h"

typedef struct ContainerSummary {
        char id[CONTAINER_ID_SIZE];
        char *name;
        char image_id[CONTAINER_ID_SIZE];
        char *image_name;
        int64_t created; /* Unix ns */
        ContainerState state;
        int pid;
        int conmon_pid;
        int64_t image_size; /* the image's size, 0 when it is gone */
        /* JSON texts, so that a listing of thousands copies rather than
         * parses and re-serialises them: */
        char *args;   /* array of strings */
        char *ports;  /* array of {host_ip, host_port, container_port, protocol} */
        char *labels; /* object */
        char *mounts; /* array of {destination, type, source, options} */
} ContainerSummary;

void container_summary_clear(ContainerSummary *s);
void container_summaries_free(ContainerSummary *list, size_t n);

/* Every container, by ID, its state brought up to date. */
int container_summaries_list(Engine *e, ContainerSummary **ret, size_t *ret_n, Error **err);

/* The summary of one container looked up as container_lookup does, its
 * state synced as container_sync does. */
int container_summary_get(Engine *e, const char *name, ContainerSummary *ret, Error **err);
