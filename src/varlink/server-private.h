/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Internals shared by server.c (connections, dispatch) and service.c
 * (org.varlink.service). Not part of the public API. */

#include <pthread.h>
#include <stdatomic.h>

#include "varlink.h"

typedef struct ServedInterface {
        VlInterface *iface;
        VlMethodHandler *handlers; /* one per iface->methods entry, NULL: not implemented */
        void *userdata;
} ServedInterface;

typedef struct Connection Connection;

struct VlServer {
        VlServiceInfo info; /* strings owned */
        ServedInterface *ifaces;
        size_t n_ifaces;
        bool check_replies;

        int listen_fd;
        char *socket_path; /* the socket file we created, removed at exit */
        int wake_pipe[2];  /* wakes the accept loop: stop, signal, connection end */
        atomic_bool stopping;

        pthread_mutex_t lock; /* protects the connection list */
        pthread_cond_t connections_changed;
        Connection *connections;
        size_t n_connections;
        Connection *finished; /* ended, their threads not joined yet */
};

/* Registers org.varlink.service; called by vl_server_new(). */
int vl_service_register(VlServer *s, Error **err);

/* The description text of an interface, or NULL. */
const ServedInterface *vl_server_find_interface(const VlServer *s, const char *name);
