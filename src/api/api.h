/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The io.podman service: handlers that translate io.podman calls into
 * engine calls and engine errors into io.podman errors. */

#include "engine.h"
#include "varlink.h"

/* Service metadata for vl_server_new(). */
extern const VlServiceInfo api_service_info;

/* Adds io.podman, served by engine (borrowed; must outlive the server). */
int api_register(VlServer *server, Engine *engine, Error **err);
