/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the certification server and client share: the interface, embedded
 * at build time, and the values the steps pass along (varlink.org's
 * org.varlink.certification, as libvarlink and python-varlink run it). The
 * reply of one step is what the next call must carry back, so both sides
 * check each other against this one table. */

#include <jansson.h>

#include "varlink.h"

#define CERT_INTERFACE "org.varlink.certification"

/* The steps, in the order a client must call them. */
typedef enum CertStep {
        CERT_START,
        CERT_TEST01,
        CERT_TEST02,
        CERT_TEST03,
        CERT_TEST04,
        CERT_TEST05,
        CERT_TEST06,
        CERT_TEST07,
        CERT_TEST08,
        CERT_TEST09,
        CERT_TEST10,
        CERT_TEST11,
        CERT_END,
        CERT__MAX,
} CertStep;

/* Test10 answers this many replies, "Reply number 1" .. "Reply number 10",
 * all but the last with continues. */
#define CERT_MORE_REPLIES 10u

/* The interface description (certification.varlink), NUL-terminated. */
extern const char cert_idl[];

/* The bare method name of a step ("Test01"). */
const char *cert_step_method(CertStep step);

/* The call flags a step must be made with: VL_CALL_MORE for Test10,
 * VL_CALL_ONEWAY for Test11, 0 otherwise. */
unsigned cert_step_flags(CertStep step);

/* The parameters of a step's successful reply, as a new object: the
 * reference constants for Test01 .. Test09, {"all_ok": true} for End, {}
 * for Test11. Not for Start (its client_id is made up) nor Test10 (see
 * cert_more_reply). */
json_t *cert_step_reply(CertStep step);

/* The index-th (1-based) reply of Test10, as a new object. */
json_t *cert_more_reply(unsigned index);

/* The parameters a client must call step with, as a new object: client_id
 * plus what the step before returned. Start takes none ({}). */
json_t *cert_step_parameters(CertStep step, const char *client_id);
