/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "container-runlabel.h"
#include "json-util.h"
#include "shell-words.h"

static char *const self[] = { "/usr/bin/varpod", "--root=/r", NULL };
static const char *const no_opts[3] = { NULL, NULL, NULL };

/* The built argv joined by '|'. */
static char *build(const char *value, char *const *extra, const char *const opts[3]) {
        ContainerRunlabel *r = NULL;
        Error *e = NULL;
        if (container_runlabel_build(value, extra, "localhost/app:1", "app", opts, self, &r, &e) <
            0)
                fail_msg("build `%s`: %s", value, e->message);
        char *out = calloc(1, 1024);
        for (size_t i = 0; r->argv[i]; i++) {
                if (i > 0)
                        strcat(out, "|");
                strcat(out, r->argv[i]);
        }
        container_runlabel_free(r);
        return out;
}

static void check(const char *value, char *const *extra, const char *const opts[3],
                  const char *want) {
        char *got = build(value, extra, opts);
        if (!STREQ(got, want))
                fail_msg("build `%s`: got `%s`, want `%s`", value, got, want);
        free(got);
}

static void test_build(void **state) {
        check("podman run --name NAME IMAGE", NULL, no_opts,
              "/usr/bin/varpod|--root=/r|run|--name|app|localhost/app:1");
        check("/usr/bin/docker run $IMAGE $NAME", NULL, no_opts,
              "/usr/bin/varpod|--root=/r|run|localhost/app:1|app");
        check("mydocker IMAGE=IMAGE IMAGE=$IMAGE NAME=NAME NAME=$NAME", NULL, no_opts,
              "mydocker|IMAGE=localhost/app:1|IMAGE=localhost/app:1|NAME=app|NAME=app");
        /* Only whole arguments are IMAGE or NAME; the shell sees the rest. */
        check("sh -c 'echo $IMAGE NAME'", NULL, no_opts, "sh|-c|echo $IMAGE NAME");
        check("echo IMAGE", (char *[]){ "x y", "'z w'", NULL }, no_opts,
              "echo|localhost/app:1|x|y|z w");
        const char *opts[3] = { "one", NULL, "th ree" };
        check("echo $OPT1 ${OPT1}x $OPT2. $OPT3 $OPT4 $OPT1X ${OPT1 $ $HOME", NULL, opts,
              "echo|one|onex|.|th ree|$OPT4|$OPT1X|${OPT1|$|$HOME");
        check("podmanx run", NULL, no_opts, "podmanx|run");
}

static void test_build_env(void **state) {
        const char *opts[3] = { "a", "", NULL };
        ContainerRunlabel *r = NULL;
        assert_int_equal(container_runlabel_build("true", NULL, "img", "nm", opts, self, &r, NULL),
                         0);
        const char *want[] = { "NAME=nm", "IMAGE=img", "OPT1=a", "PODMAN_RUNLABEL_NESTED=1", NULL };
        for (size_t i = 0; want[i]; i++)
                assert_string_equal(r->env[i], want[i]);
        assert_null(r->env[4]);
        container_runlabel_free(r);
}

static void test_build_bad(void **state) {
        const char *bad[] = { "", "   ", "echo 'x", "echo \"x", "echo x\\" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ContainerRunlabel *r = NULL;
                Error *e = NULL;
                assert_int_equal(
                        container_runlabel_build(bad[i], NULL, "i", "n", no_opts, self, &r, &e),
                        -1);
                assert_null(r);
                assert_int_equal(e->kind, ERR_INVALID_ARGUMENT);
                err_free(e);
        }
}

static void test_label_find_and_base_name(void **state) {
        json_t *labels = json_pack("{s:s, s:s, s:i}", "Run", "a", "RUN", "b", "num", 1);
        assert_string_equal(container_runlabel_label_find(labels, "RUN"), "b");
        assert_string_equal(container_runlabel_label_find(labels, "run"), "a");
        assert_null(container_runlabel_label_find(labels, "num"));
        assert_null(container_runlabel_label_find(labels, "install"));
        assert_null(container_runlabel_label_find(NULL, "RUN"));
        json_decref(labels);
        const char *cases[][2] = {
                { "localhost/busybox:latest", "busybox" },
                { "docker.io/library/alpine", "alpine" },
                { "127.0.0.1:5000/a/b:1", "b" },
                { "r.io/x/y@sha256:abc", "y" },
                { "abcdef0123", "abcdef0123" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *b = container_runlabel_base_name(cases[i][0]);
                assert_string_equal(b, cases[i][1]);
                free(b);
        }
}

static void test_self_command(void **state) {
        EngineConfig c;
        engine_config_init(&c);
        engine_config_set(&c.root, "/some/root");
        engine_config_add_storage_opt(&c, "overlay.mountopt=nodev");
        char **argv = container_runlabel_self_command(&c);
        assert_non_null(argv);
        assert_true(argv[0][0] == '/');
        bool root = false, opt = false;
        for (size_t i = 1; argv[i]; i++) {
                root = root || STREQ(argv[i], "--root=/some/root");
                opt = opt || STREQ(argv[i], "--storage-opt=overlay.mountopt=nodev");
        }
        assert_true(root && opt);
        shell_words_free(argv);
        engine_config_clear(&c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_build),
                cmocka_unit_test(test_build_env),
                cmocka_unit_test(test_build_bad),
                cmocka_unit_test(test_label_find_and_base_name),
                cmocka_unit_test(test_self_command),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
