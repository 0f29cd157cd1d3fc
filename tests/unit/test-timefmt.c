/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <time.h>

#include "macro.h"
#include "timefmt.h"

static void test_go_duration(void **state) {
        const struct {
                int64_t ns;
                const char *want;
        } cases[] = {
                { 0, "0s" },
                { 1, "1ns" },
                { 850, "850ns" },
                { 1500, "1.5\xc2\xb5s" },
                { 12345000, "12.345ms" },
                { 999999999, "999.999999ms" },
                { 1000000000, "1s" },
                { 3500000000, "3.5s" },
                { 60250000000, "1m0.25s" },
                { 3600000000000, "1h0m0s" },
                { 93787123456789, "26h3m7.123456789s" },
                { -1500000000, "-1.5s" },
                { INT64_MIN, "-2562047h47m16.854775808s" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *got = timefmt_go_duration(cases[i].ns);
                assert_string_equal(got, cases[i].want);
                free(got);
        }
}

static void test_rfc3339(void **state) {
        const struct {
                const char *text;
                int64_t ns;
        } good[] = {
                { "1970-01-01T00:00:00Z", 0 },
                { "2019-01-21T15:18:13.123456789-06:00", 1548105493123456789 },
                { "2019-01-21T21:18:13.123456789Z", 1548105493123456789 },
                { "2019-01-21T21:18:13.5Z", 1548105493500000000 },
                { "2000-02-29T00:00:00+00:00", 951782400000000000 },
                { "1969-12-31T23:59:59Z", -1000000000 },
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                int64_t ns;
                assert_int_equal(timefmt_rfc3339_parse(good[i].text, &ns), 0);
                assert_int_equal(ns, good[i].ns);
        }
        const char *bad[] = { "",
                              "2019-01-21",
                              "2019-01-21T15:18:13",
                              "2019-13-01T00:00:00Z",
                              "2019-01-21T15:18:13.Z",
                              "2019-01-21T15:18:13Zjunk",
                              "x" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int64_t ns;
                assert_int_equal(timefmt_rfc3339_parse(bad[i], &ns), -1);
        }
        char *s = timefmt_rfc3339(1548105493123456789);
        assert_string_equal(s, "2019-01-21T21:18:13.123456789Z");
        free(s);
        s = timefmt_rfc3339(1548105493500000000);
        assert_string_equal(s, "2019-01-21T21:18:13.5Z");
        free(s);
        s = timefmt_rfc3339(0);
        assert_string_equal(s, "0001-01-01T00:00:00Z");
        free(s);
}

static void test_go_time(void **state) {
        char *s = timefmt_go_time(1547057051546786823, true);
        assert_string_equal(s, "2019-01-09 18:04:11.546786823 +0000 UTC");
        free(s);
        s = timefmt_go_time(1547057051000000000, true);
        assert_string_equal(s, "2019-01-09 18:04:11 +0000 UTC");
        free(s);
        setenv("TZ", "CST6CDT", 1);
        tzset();
        s = timefmt_go_time(1544209797105112457, false);
        assert_string_equal(s, "2018-12-07 13:09:57.105112457 -0600 CST");
        free(s);
        unsetenv("TZ");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_go_duration),
                cmocka_unit_test(test_rfc3339),
                cmocka_unit_test(test_go_time),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
