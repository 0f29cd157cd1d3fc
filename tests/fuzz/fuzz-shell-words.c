/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the shell-style splitter, which reads untrusted
 * image labels (runlabel). Besides "no crash, no leak": a failure leaves
 * *ret alone and says why; words that split back from their quoted join
 * are the same words. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell-words.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _noreturn_ void fuzz_fail(const char *what, const char *text) {
        fprintf(stderr, "fuzz-shell-words: %s\n%s\n", what, text ? text : "");
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* The splitter takes C strings: the text up to the first NUL. */
        char *text = xstrndup((const char *)data, size);
        char **words = NULL;
        Error *e = NULL;
        if (shell_words_split(text, &words, &e) < 0) {
                if (words || !e || !e->message || !*e->message)
                        fuzz_fail("failure without a message, or with words", text);
                err_free(e);
                free(text);
                return 0;
        }
        char *line = shell_words_join(words);
        char **back = NULL;
        if (shell_words_split(line, &back, NULL) < 0)
                fuzz_fail("the quoted join does not split", line);
        size_t i = 0;
        for (; words[i] && back[i]; i++)
                if (strcmp(words[i], back[i]) != 0)
                        fuzz_fail("a word changed through quoting", line);
        if (words[i] || back[i])
                fuzz_fail("the number of words changed through quoting", line);
        shell_words_free(back);
        free(line);
        shell_words_free(words);
        free(text);
        return 0;
}
