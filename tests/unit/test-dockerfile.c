/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile.h"
#include "macro.h"
#include "xalloc.h"

static Dockerfile *parse_ok(const char *text) {
        Dockerfile *d = NULL;
        Error *err = NULL;
        int r = dockerfile_parse(text, strlen(text), &d, &err);
        if (r < 0)
                fail_msg("parse failed: %s", err->message);
        return d;
}

static void parse_fails_n(const char *text, size_t len, const char *message) {
        Dockerfile *d = NULL;
        Error *err = NULL;
        assert_int_equal(dockerfile_parse(text, len, &d, &err), -1);
        assert_null(d);
        if (!strstr(err->message, message))
                fail_msg("`%s` lacks `%s`", err->message, message);
        err_free(err);
}

static void parse_fails(const char *text, const char *message) {
        parse_fails_n(text, strlen(text), message);
}

static void test_instructions(void **state) {
        (void)state;
        Dockerfile *d = parse_ok("# comment\n"
                                 "ARG V=1\n"
                                 "from busybox AS b\n"
                                 "\n"
                                 "RUN echo a && \\\n"
                                 "  # inside\n"
                                 "\n"
                                 "  echo b\n"
                                 "COPY --from=b --chown=1:2 /x /y\n"
                                 "CMD [\"sh\", \"-c\", \"x\"]\n"
                                 "ENTRYPOINT [not json\n");
        assert_int_equal(d->n, 6);
        assert_string_equal(d->items[0].keyword, "ARG");
        assert_string_equal(d->items[1].keyword, "FROM");
        assert_int_equal(d->items[1].line, 3);
        assert_string_equal(d->items[1].args, "busybox AS b");
        assert_string_equal(d->items[2].args, "echo a &&   echo b");
        assert_int_equal(d->items[2].line, 5);
        assert_null(d->items[2].exec);
        assert_string_equal(d->items[3].flags[0], "--from=b");
        assert_string_equal(d->items[3].flags[1], "--chown=1:2");
        assert_null(d->items[3].flags[2]);
        assert_string_equal(d->items[3].args, "/x /y");
        assert_string_equal(d->items[3].text, "COPY --from=b --chown=1:2 /x /y");
        assert_non_null(d->items[4].exec);
        assert_string_equal(d->items[4].exec[2], "x");
        assert_null(d->items[4].exec[3]);
        /* Not JSON: the shell form. */
        assert_null(d->items[5].exec);
        dockerfile_free(d);
}

static void test_errors(void **state) {
        (void)state;
        parse_fails("FROM x\n\nFOO bar\n", "Dockerfile:3: unknown instruction: FOO");
        parse_fails("RUN x\nFROM y\n", "Dockerfile:1: RUN before the first FROM");
        parse_fails("# only\n", "no FROM");
        parse_fails("FROM x\nRUN\n", "Dockerfile:2: RUN requires at least one argument");
        parse_fails_n("FROM x\nRUN a\0b\n", 13, "NUL");
}

static const char *lookup(void *userdata, const char *name) {
        (void)userdata;
        if (STREQ(name, "A"))
                return "alpha";
        if (STREQ(name, "SP"))
                return "two words";
        if (STREQ(name, "EMPTY"))
                return "";
        return NULL;
}

static void words_expect(const char *text, bool split, const char *const *want) {
        char **words = NULL;
        Error *err = NULL;
        if (dockerfile_words(text, split, lookup, NULL, &words, &err) < 0)
                fail_msg("`%s`: %s", text, err->message);
        size_t i = 0;
        for (; want[i]; i++) {
                if (!words[i])
                        fail_msg("`%s`: word %zu missing", text, i);
                assert_string_equal(words[i], want[i]);
        }
        assert_null(words[i]);
        strv_free(words);
}

static void test_words(void **state) {
        (void)state;
        words_expect("$A ${A}x", true, (const char *[]){ "alpha", "alphax", NULL });
        /* A value is one word, quoted or not (it is not split again). */
        words_expect("\"$SP\" $SP", true, (const char *[]){ "two words", "two words", NULL });
        words_expect("'$A' \\$A", true, (const char *[]){ "$A", "$A", NULL });
        words_expect("${NOPE:-def} ${A:-def} ${EMPTY:-e} ${A:+set} x${NOPE:+set}y", true,
                     (const char *[]){ "def", "alpha", "e", "set", "xy", NULL });
        words_expect("${NOPE:-${A}}", true, (const char *[]){ "alpha", NULL });
        words_expect("K=\"a b\" L=c", true, (const char *[]){ "K=a b", "L=c", NULL });
        words_expect("  a  b ", false, (const char *[]){ "  a  b ", NULL });
        words_expect("", false, (const char *[]){ "", NULL });
        words_expect("cost $5 $", true, (const char *[]){ "cost", "$5", "$", NULL });
}

static void test_word_errors(void **state) {
        (void)state;
        const char *bad[] = { "\"open", "'open", "${A", "${}", "${A:?x}", "${A:-${B:-${C" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char **words = (char **)0x1;
                Error *err = NULL;
                if (dockerfile_words(bad[i], true, lookup, NULL, &words, &err) == 0)
                        fail_msg("`%s` accepted", bad[i]);
                assert_ptr_equal(words, (char **)0x1);
                assert_non_null(err);
                err_free(err);
        }
        /* Nesting is bounded. */
        char deep[512] = "";
        for (int i = 0; i < 40; i++)
                strcat(deep, "${X:-");
        for (int i = 0; i < 40; i++)
                strcat(deep, "}");
        char **words = NULL;
        Error *err = NULL;
        assert_int_equal(dockerfile_words(deep, true, lookup, NULL, &words, &err), -1);
        assert_non_null(strstr(err->message, "nested"));
        err_free(err);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_instructions),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_words),
                cmocka_unit_test(test_word_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
