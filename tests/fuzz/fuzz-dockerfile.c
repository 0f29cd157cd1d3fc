/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the Dockerfile parser and the word expander.
 * Properties checked besides "no crash, no leak": a failure has a message
 * and leaves the output alone; every instruction has a known upper-case
 * keyword, a non-empty argument and a line within the input; the words of
 * each argument, split or not, expand without a crash whatever the
 * variables hold (a variable's value is its own name doubled, so
 * substitutions grow the text). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile.h"
#include "macro.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _noreturn_ void fuzz_fail(const char *what) {
        fprintf(stderr, "fuzz-dockerfile: %s\n", what);
        abort();
}

static char value[256];

static const char *lookup(void *userdata, const char *name) {
        (void)userdata;
        if (name[0] == 'U')
                return NULL; /* unset */
        snprintf(value, sizeof value, "%s%s", name, name);
        return value;
}

static void words_check(const char *text, bool split) {
        char **words = (char **)0x1;
        Error *err = NULL;
        if (dockerfile_words(text, split, lookup, NULL, &words, &err) < 0) {
                if (!err || !err->message || !*err->message)
                        fuzz_fail("words: failure without message");
                if (words != (char **)0x1)
                        fuzz_fail("words: output set on failure");
                err_free(err);
                return;
        }
        if (!split && (!words[0] || words[1]))
                fuzz_fail("words: not exactly one word without splitting");
        strv_free(words);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Dockerfile *d = (Dockerfile *)0x1;
        Error *err = NULL;
        if (dockerfile_parse((const char *)data, size, &d, &err) < 0) {
                if (!err || !err->message || !*err->message)
                        fuzz_fail("failure without message");
                if (d != (Dockerfile *)0x1)
                        fuzz_fail("output set on failure");
                err_free(err);
        } else {
                size_t lines = 1;
                for (size_t i = 0; i < size; i++)
                        lines += data[i] == '\n';
                for (size_t i = 0; i < d->n; i++) {
                        const DockerfileInstruction *in = &d->items[i];
                        if (!in->keyword[0] || !in->args[0] || in->line == 0 || in->line > lines)
                                fuzz_fail("malformed instruction");
                        for (const char *k = in->keyword; *k; k++)
                                if (*k < 'A' || *k > 'Z')
                                        fuzz_fail("keyword not upper case");
                        words_check(in->args, true);
                        words_check(in->args, false);
                }
                dockerfile_free(d);
        }
        /* The expander on the raw input too (NUL-terminated). */
        if (size <= 4096) {
                char *text = xstrndup((const char *)data, size);
                words_check(text, true);
                free(text);
        }
        return 0;
}
