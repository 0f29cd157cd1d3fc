/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for image references and transports. Properties
 * checked besides "no crash, no leak": a failure has a message and leaves
 * the output alone; a strict parse formats back to the input; a
 * normalised reference has a domain and a tag or digest, and normalising
 * its text again changes nothing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "reference.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _noreturn_ void fuzz_fail(const char *what, const char *text) {
        fprintf(stderr, "fuzz-reference: %s\n%s\n", what, text ? text : "");
        abort();
}

static void failure_check(Error *err, const ImageRef *r, const char *text) {
        if (!err || !err->message || !*err->message)
                fuzz_fail("failure without message", text);
        if (r->path != (char *)0x1)
                fuzz_fail("output set on failure", text);
        err_free(err);
}

static void strict_check(const char *text) {
        ImageRef r = { .path = (char *)0x1 };
        Error *err = NULL;
        if (image_ref_parse(text, &r, &err) < 0) {
                failure_check(err, &r, text);
                return;
        }
        if (!r.path || !*r.path)
                fuzz_fail("no path", text);
        _cleanup_free_ char *formatted = image_ref_format(&r);
        if (!STREQ(formatted, text))
                fuzz_fail("strict parse does not format back", formatted);
        if ((r.domain != NULL) != image_ref_has_domain(text))
                fuzz_fail("domain disagrees with image_ref_has_domain", text);
        if (r.domain && !image_ref_domain_is_valid(r.domain))
                fuzz_fail("domain is not a valid domain", text);

        ImageRef copy;
        image_ref_copy(&r, &copy);
        image_ref_normalize(&copy, NULL);
        if (!copy.domain || (!copy.tag && !copy.digest))
                fuzz_fail("normalize left out domain, tag or digest", text);
        image_ref_clear(&copy);
        image_ref_normalize(&r, "localhost");
        image_ref_clear(&r);
}

static void normalized_check(const char *text) {
        ImageRef r = { .path = (char *)0x1 };
        Error *err = NULL;
        if (image_ref_parse_normalized(text, &r, &err) < 0) {
                failure_check(err, &r, text);
                return;
        }
        if (!r.domain || (!r.tag && !r.digest))
                fuzz_fail("normalized reference without domain, tag or digest", text);
        _cleanup_free_ char *formatted = image_ref_format(&r);
        _cleanup_free_ char *repo = image_ref_repository(&r);
        if (!STRPREFIX(formatted, repo))
                fuzz_fail("repository is not a prefix of the reference", formatted);
        image_ref_clear(&r);

        if (image_ref_parse_normalized(formatted, &r, &err) < 0)
                fuzz_fail(err->message, formatted);
        _cleanup_free_ char *again = image_ref_format(&r);
        if (!STREQ(formatted, again))
                fuzz_fail("normalizing is not idempotent", formatted);
        image_ref_clear(&r);
}

static void transport_check(const char *text) {
        ImageTransport t;
        char *rest = (char *)0x1, *ref = NULL;
        Error *err = NULL;
        if (image_transport_split(text, &t, &rest, &ref, &err) < 0) {
                if (!err || rest != (char *)0x1)
                        fuzz_fail("transport failure without message or with output", text);
                err_free(err);
                return;
        }
        if (t == IMAGE_TRANSPORT_NONE && !STREQ(rest, text))
                fuzz_fail("no transport but rest differs", text);
        if (t != IMAGE_TRANSPORT_NONE && (!*rest || !*image_transport_name(t)))
                fuzz_fail("transport with empty rest or name", text);
        if (ref && !*ref)
                fuzz_fail("empty ref returned", text);
        free(rest);
        free(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* The API takes a C string: a NUL in the input ends the text. */
        _cleanup_free_ char *text = xmalloc(size + 1);
        memcpy(text, data, size);
        text[size] = '\0';

        strict_check(text);
        normalized_check(text);
        transport_check(text);
        (void)image_id_is_full(text);
        (void)image_ref_domain_is_valid(text);
        return 0;
}
