/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "shell-words.h"

/* words: expected words joined by '|', "" for none. */
static void check_split(const char *text, const char *words) {
        char **got = NULL;
        Error *e = NULL;
        if (shell_words_split(text, &got, &e) < 0)
                fail_msg("split `%s`: %s", text, e->message);
        char joined[512] = "";
        for (size_t i = 0; got[i]; i++) {
                if (i > 0)
                        strcat(joined, "|");
                strcat(joined, got[i]);
        }
        if (!STREQ(joined, words))
                fail_msg("split `%s`: got `%s`, want `%s`", text, joined, words);
        shell_words_free(got);
}

static void test_split(void **state) {
        check_split("", "");
        check_split(" \t\n ", "");
        check_split("podman run -d IMAGE", "podman|run|-d|IMAGE");
        check_split("  a   b  ", "a|b");
        check_split("'a b' \"c d\"", "a b|c d");
        check_split("a'b'\"c\"d", "abcd");
        check_split("'' \"\"", "|");
        check_split("'\\n$x\"'", "\\n$x\"");
        check_split("\"\\$x \\\" \\\\ \\a\"", "$x \" \\ \\a");
        check_split("a\\ b \\'c\\\"", "a b|'c\"");
        check_split("a\\\nb c", "ab|c");
        check_split("a \\\n b", "a|b");
        check_split("\"a\\\nb\"", "ab");
        check_split("'a\\\nb'", "a\\\nb");
        check_split("sh -c 'echo $NAME > /x; ls | wc'", "sh|-c|echo $NAME > /x; ls | wc");
        check_split("# not a comment", "#|not|a|comment");
        check_split("x=\"it's\"", "x=it's");
}

static void check_bad(const char *text, const char *message) {
        char **got = NULL;
        Error *e = NULL;
        assert_int_equal(shell_words_split(text, &got, &e), -1);
        assert_null(got);
        assert_int_equal(e->kind, ERR_INVALID_ARGUMENT);
        if (!strstr(e->message, message))
                fail_msg("split `%s`: message `%s` lacks `%s`", text, e->message, message);
        err_free(e);
}

static void test_split_bad(void **state) {
        check_bad("a 'b", "unterminated single quote at offset 2");
        check_bad("\"abc", "unterminated double quote at offset 0");
        check_bad("x \"a\\\"", "unterminated double quote");
        check_bad("abc\\", "backslash at the end (offset 3)");
}

static void test_split_limit(void **state) {
        char *big = malloc(SHELL_WORDS_TEXT_MAX + 2);
        memset(big, 'a', SHELL_WORDS_TEXT_MAX + 1);
        big[SHELL_WORDS_TEXT_MAX + 1] = '\0';
        char **got = NULL;
        Error *e = NULL;
        assert_int_equal(shell_words_split(big, &got, &e), -1);
        assert_int_equal(e->kind, ERR_LIMIT);
        err_free(e);
        free(big);
}

static void test_quote_round_trip(void **state) {
        const char *words[] = { "plain", "",      "a b",  "it's",    "$HOME",
                                "\\",    "\"q\"", "a\nb", "--x=1,2", NULL };
        char *quoted = shell_words_quote("it's");
        assert_string_equal(quoted, "'it'\\''s'");
        free(quoted);
        quoted = shell_words_quote("--x=/a:b@c");
        assert_string_equal(quoted, "--x=/a:b@c");
        free(quoted);
        char *line = shell_words_join((char *const *)words);
        char **back = NULL;
        assert_int_equal(shell_words_split(line, &back, NULL), 0);
        for (size_t i = 0; words[i]; i++)
                assert_string_equal(back[i], words[i]);
        assert_null(back[ELEMENTSOF(words) - 1]);
        shell_words_free(back);
        free(line);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_split),
                cmocka_unit_test(test_split_bad),
                cmocka_unit_test(test_split_limit),
                cmocka_unit_test(test_quote_round_trip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
