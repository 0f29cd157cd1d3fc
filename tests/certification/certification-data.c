/* SPDX-License-Identifier: Apache-2.0 */
/* The constants of org.varlink.certification, copied from the reference
 * implementations (python-varlink's certification.py, libvarlink's
 * `varlink certify`): our client is meant to pass against their servers
 * and theirs against ours, so these must not drift. */
#include <stdio.h>
#include <stdlib.h>

#include "certification.h"
#include "xalloc.h"

static const char *const cert_methods[CERT__MAX] = {
        [CERT_START] = "Start",   [CERT_TEST01] = "Test01", [CERT_TEST02] = "Test02",
        [CERT_TEST03] = "Test03", [CERT_TEST04] = "Test04", [CERT_TEST05] = "Test05",
        [CERT_TEST06] = "Test06", [CERT_TEST07] = "Test07", [CERT_TEST08] = "Test08",
        [CERT_TEST09] = "Test09", [CERT_TEST10] = "Test10", [CERT_TEST11] = "Test11",
        [CERT_END] = "End",
};

/* JSON text rather than json_pack() so the values read like the reference
 * they copy. 3.141592653589793 is the shortest text that reads back as the
 * double nearest pi, which the reference sends (math.pi, M_PI). */
static const char *const cert_replies[CERT__MAX] = {
        [CERT_TEST01] = "{\"bool\": true}",
        [CERT_TEST02] = "{\"int\": 1}",
        [CERT_TEST03] = "{\"float\": 1.0}",
        [CERT_TEST04] = "{\"string\": \"ping\"}",
        [CERT_TEST05] = "{\"bool\": false, \"int\": 2, \"float\": 3.141592653589793,"
                        " \"string\": \"a lot of string\"}",
        [CERT_TEST06] = "{\"struct\": {\"bool\": false, \"int\": 2, \"float\": 3.141592653589793,"
                        " \"string\": \"a lot of string\"}}",
        [CERT_TEST07] = "{\"map\": {\"foo\": \"Foo\", \"bar\": \"Bar\"}}",
        [CERT_TEST08] = "{\"set\": {\"one\": {}, \"two\": {}, \"three\": {}}}",
        [CERT_TEST09] =
                "{\"mytype\": {"
                "\"object\": {\"method\": \"org.varlink.certification.Test09\","
                " \"parameters\": {\"map\": {\"foo\": \"Foo\", \"bar\": \"Bar\"}}},"
                " \"enum\": \"two\","
                " \"struct\": {\"first\": 1, \"second\": \"2\"},"
                " \"array\": [\"one\", \"two\", \"three\"],"
                " \"dictionary\": {\"foo\": \"Foo\", \"bar\": \"Bar\"},"
                " \"stringset\": {\"one\": {}, \"two\": {}, \"three\": {}},"
                " \"nullable\": null,"
                " \"nullable_array_struct\": null,"
                " \"interface\": {\"foo\": [null, {\"foo\": \"foo\", \"bar\": \"bar\"}, null,"
                " {\"one\": \"foo\", \"two\": \"bar\"}], \"anon\": {\"foo\": true, \"bar\": false}}"
                "}}",
        [CERT_TEST11] = "{}",
        [CERT_END] = "{\"all_ok\": true}",
};

const char *cert_step_method(CertStep step) { return step < CERT__MAX ? cert_methods[step] : NULL; }

unsigned cert_step_flags(CertStep step) {
        switch (step) {
        case CERT_TEST10:
                return VL_CALL_MORE;
        case CERT_TEST11:
                return VL_CALL_ONEWAY;
        default:
                return 0;
        }
}

json_t *cert_step_reply(CertStep step) {
        if (step >= CERT__MAX || !cert_replies[step])
                return NULL;
        json_error_t jerr;
        json_t *v = json_loads(cert_replies[step], 0, &jerr);
        if (!v) {
                /* The table is ours: a typo is a build defect, not input. */
                fprintf(stderr, "certification: reply of %s: %s\n", cert_methods[step], jerr.text);
                abort();
        }
        return v;
}

json_t *cert_more_reply(unsigned index) {
        _cleanup_free_ char *s = xasprintf("Reply number %u", index);
        return json_pack("{s:s}", "string", s);
}

json_t *cert_step_parameters(CertStep step, const char *client_id) {
        if (step == CERT_START)
                return json_object();
        json_t *p = json_pack("{s:s}", "client_id", client_id);
        if (step == CERT_TEST11) {
                json_t *replies = json_array();
                for (unsigned i = 1; i <= CERT_MORE_REPLIES; i++) {
                        json_t *r = cert_more_reply(i);
                        json_array_append(replies, json_object_get(r, "string"));
                        json_decref(r);
                }
                json_object_set_new(p, "last_more_replies", replies);
        } else if (step > CERT_TEST01 && step <= CERT_TEST10) {
                json_t *prev = cert_step_reply(step - 1);
                json_object_update(p, prev);
                json_decref(prev);
        }
        return p;
}
