/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "macro.h"
#include "timefmt.h"

static void test_go_duration(void **state) {
        const struct {
                int64_t ns;
                const char *want;
        } cases[] = {
                {0, "0s"},
                {1, "1ns"},
                {850, "850ns"},
                {1500, "1.5\xc2\xb5s"},
                {12345000, "12.345ms"},
                {999999999, "999.999999ms"},
                {1000000000, "1s"},
                {3500000000, "3.5s"},
                {60250000000, "1m0.25s"},
                {3600000000000, "1h0m0s"},
                {93787123456789, "26h3m7.123456789s"},
                {-1500000000, "-1.5s"},
                {INT64_MIN, "-2562047h47m16.854775808s"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *got = timefmt_go_duration(cases[i].ns);
                assert_string_equal(got, cases[i].want);
                free(got);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_go_duration),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
