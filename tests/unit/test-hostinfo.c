/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostinfo.h"
#include "macro.h"

static void test_uptime_format(void **state) {
        const struct {
                const char *in, *want;
        } cases[] = {
                { "45.12", "45.12s" },
                { "2052.56", "34m 12.56s" },
                { "102852.56", "28h 34m 12.56s (Approximately 1.19 days)" },
                { "3600.00", "1h 0m 0s (Approximately 0.04 days)" },
                { "0.00", "0s" },
                { "garbage", "unknown" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *got = hostinfo_uptime_format(cases[i].in);
                assert_string_equal(got, cases[i].want);
                free(got);
        }
}

static void test_load(void **state) {
        char path[] = "/tmp/varpod-os-release-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        const char text[] = "NAME=\"Test\"\nID=\"centos\"\nVERSION_ID=\"7\"\n";
        assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
        close(fd);

        HostInfo h;
        assert_int_equal(hostinfo_load(&h, path, NULL), 0);
        unlink(path);
        assert_string_equal(h.distribution, "\"centos\""); /* quotes kept, as the reference */
        assert_string_equal(h.distribution_version, "7");
        assert_string_equal(h.os, "linux");
        assert_true(h.cpus >= 1);
        assert_true(h.mem_total > 0);
        assert_true(h.mem_free > 0 && h.mem_free <= h.mem_total);
        assert_true(strlen(h.kernel) > 0);
        hostinfo_clear(&h);

        assert_int_equal(hostinfo_load(&h, "/nonexistent", NULL), 0);
        assert_string_equal(h.distribution, "unknown");
        assert_string_equal(h.distribution_version, "unknown");
        hostinfo_clear(&h);
}

static void test_go_arch(void **state) {
        assert_string_equal(hostinfo_go_arch("x86_64"), "amd64");
        assert_string_equal(hostinfo_go_arch("aarch64"), "arm64");
        assert_string_equal(hostinfo_go_arch("mips"), "mips");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_uptime_format),
                cmocka_unit_test(test_load),
                cmocka_unit_test(test_go_arch),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
