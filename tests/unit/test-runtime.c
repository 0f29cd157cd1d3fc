/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime module against the real thing: containers made of a busybox
 * rootfs, run by runc under conmon, each in a new network namespace and
 * in cgroups under /varpod-test. Every container, conmon and cgroup is
 * gone at the end, and the last test checks that. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "json-util.h"
#include "runtime-private.h"
#include "runtime.h"
#include "xalloc.h"

#define CGROUP_PARENT "/varpod-test"
#define MAX_IDS 32

static struct {
        char *skip_reason; /* set when this host cannot run the suite */
        char *dir;         /* short: socket paths must stay under 108 bytes */
        char *rootfs, *sockets, *exits, *state;
        json_t *spec; /* `runc spec`, adjusted */
        Runtime *rt;
        char *ids[MAX_IDS];
        size_t n_ids;
} T;

static void msleep(int ms) {
        struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
        nanosleep(&ts, NULL);
}

static int sh(const char *fmt, ...) _printf_(1, 2);
static int sh(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *cmd = xvasprintf(fmt, ap);
        va_end(ap);
        return system(cmd);
}

static char *file_slurp(const char *path) {
        char *text = NULL;
        if (runtime_file_read(path, 1 << 20, &text, NULL, NULL) < 0)
                return NULL;
        return text;
}

static char *id_new(void) {
        unsigned char raw[32];
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(read(fd, raw, sizeof raw), sizeof raw);
        close(fd);
        char *id = xmalloc(65);
        for (size_t i = 0; i < 32; i++)
                snprintf(id + 2 * i, 3, "%02x", raw[i]);
        assert_true(T.n_ids < MAX_IDS);
        T.ids[T.n_ids++] = xstrdup(id);
        return id;
}

static char *bundle_path(const char *id) { return xasprintf("%s/c/%s", T.dir, id); }

/* A bundle for id whose process runs args; config.json derived from
 * `runc spec`. */
static char *bundle_make(const char *id, const char *const *args) {
        char *bundle = bundle_path(id);
        assert_int_equal(runtime_mkdir_p(bundle, 0700, NULL), 0);
        _cleanup_json_ json_t *spec = json_deep_copy(T.spec);
        json_t *process = json_object_get(spec, "process");
        json_t *argv = json_array();
        for (size_t i = 0; args[i]; i++)
                json_array_append_new(argv, json_string(args[i]));
        json_object_set_new(process, "args", argv);
        json_object_set_new(json_object_get(spec, "linux"), "cgroupsPath",
                            json_sprintf(CGROUP_PARENT "/%s", id));
        _cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
        assert_int_equal(json_dump_file(spec, path, JSON_INDENT(1)), 0);
        return bundle;
}

typedef struct Ctr {
        char *id, *bundle, *log, *pidfile, *conmon_pidfile, *marker;
        RuntimeContainer rc;
} Ctr;

static void ctr_clear(Ctr *c) {
        free(c->id);
        free(c->bundle);
        free(c->log);
        free(c->pidfile);
        free(c->conmon_pidfile);
        free(c->marker);
}

static void ctr_options(Ctr *c, RuntimeCreateOptions *o, const char *const *exit_command) {
        *o = (RuntimeCreateOptions){
                .id = c->id,
                .bundle_dir = c->bundle,
                .log_path = c->log,
                .exit_dir = T.exits,
                .socket_dir = T.sockets,
                .pid_file = c->pidfile,
                .conmon_pid_file = c->conmon_pidfile,
                .exit_command = exit_command,
                .timeout_ms = 30000,
        };
}

static void ctr_prepare(Ctr *c, const char *const *args) {
        c->id = id_new();
        c->bundle = bundle_make(c->id, args);
        c->log = xasprintf("%s/ctr.log", c->bundle);
        c->pidfile = xasprintf("%s/pidfile", c->bundle);
        c->conmon_pidfile = xasprintf("%s/conmon.pid", c->bundle);
        c->marker = xasprintf("%s/exited", c->bundle);
}

/* Creates (not starts) a container running args. */
static void ctr_create_full(Ctr *c, const char *const *args, bool interactive,
                            bool leave_stdin_open) {
        ctr_prepare(c, args);
        RuntimeCreateOptions o;
        ctr_options(c, &o, NULL);
        o.interactive = interactive;
        o.leave_stdin_open = leave_stdin_open;
        Error *e = NULL;
        int r = runtime_create(T.rt, &o, &c->rc, &e);
        if (r < 0)
                fail_msg("create: %s", e->message);
        assert_true(c->rc.pid > 0);
        assert_true(runtime_conmon_is_alive(c->rc.conmon_pid));
}

static void ctr_create(Ctr *c, const char *const *args, bool interactive) {
        ctr_create_full(c, args, interactive, false);
}

static void wait_conmon_gone(pid_t pid) {
        for (int i = 0; i < 250 && runtime_conmon_is_alive(pid); i++)
                msleep(20);
        assert_false(runtime_conmon_is_alive(pid));
}

static void ctr_remove(Ctr *c) {
        Error *e = NULL;
        if (runtime_delete(T.rt, c->id, true, &e) < 0)
                fail_msg("delete: %s", e->message);
        wait_conmon_gone(c->rc.conmon_pid);
        RuntimeState st;
        assert_int_equal(runtime_state(T.rt, c->id, &st, &e), -1);
        assert_int_equal(e->kind, ERR_NOT_FOUND);
        err_free(e);
}

/* ---- suite setup ------------------------------------------------------- */

static int suite_setup(void **state) {
        struct utsname u;
        uname(&u);
        if (geteuid() != 0) {
                T.skip_reason = xstrdup("needs root to run containers");
                return 0;
        }
        if (access("/bin/busybox", X_OK) < 0) {
                T.skip_reason = xstrdup("needs /bin/busybox (Debian busybox-static)");
                return 0;
        }
        Error *e = NULL;
        if (runtime_open(NULL, &T.rt, &e) < 0) {
                T.skip_reason = xasprintf("no OCI runtime: %s", e->message);
                err_free(e);
                return 0;
        }
        if (!runtime_conmon_path(T.rt)) {
                T.skip_reason = xstrdup("needs conmon");
                return 0;
        }
        /* Versions first, so a failure report stands alone. */
        const char *cv = runtime_conmon_version(T.rt) ? runtime_conmon_version(T.rt) : "conmon ?";
        printf("# kernel %s; %s (%s); %.*s; crun fallback: %s\n", u.release,
               runtime_version_line(T.rt), runtime_path(T.rt), (int)strcspn(cv, "\n"), cv,
               runtime_fallback_reason(T.rt) ? runtime_fallback_reason(T.rt) : "none");

        T.dir = xstrdup("/tmp/vprt-XXXXXX");
        if (!mkdtemp(T.dir))
                return -1;
        T.rootfs = xasprintf("%s/rootfs", T.dir);
        T.sockets = xasprintf("%s/s", T.dir);
        T.exits = xasprintf("%s/x", T.dir);
        T.state = xasprintf("%s/runc", T.dir);
        runtime_state_dir_set(T.rt, T.state);

        if (sh("set -e; mkdir -p %s/bin %s/etc %s/proc %s/dev %s/sys %s/tmp; cp /bin/busybox "
               "%s/bin/;"
               "for l in sh echo sleep true cat stty; do ln -s busybox %s/bin/$l; done;"
               "echo 'root:x:0:0:root:/root:/bin/sh' > %s/etc/passwd;"
               "echo 'root:x:0:' > %s/etc/group;"
               "cd %s && runc spec",
               T.rootfs, T.rootfs, T.rootfs, T.rootfs, T.rootfs, T.rootfs, T.rootfs, T.rootfs,
               T.rootfs, T.rootfs, T.dir) != 0)
                return -1;
        _cleanup_free_ char *spec_path = xasprintf("%s/config.json", T.dir);
        T.spec = json_load_file(spec_path, 0, NULL);
        if (!T.spec)
                return -1;
        json_t *process = json_object_get(T.spec, "process");
        json_object_set_new(process, "terminal", json_false());
        /* Without CAP_SYS_RESOURCE an rlimit above our hard limit fails:
         * give the container exactly ours. */
        struct rlimit rl;
        getrlimit(RLIMIT_NOFILE, &rl);
        json_t *rlimits = json_array();
        json_array_append_new(rlimits,
                              json_pack("{s:s, s:I, s:I}", "type", "RLIMIT_NOFILE", "hard",
                                        (json_int_t)rl.rlim_max, "soft", (json_int_t)rl.rlim_cur));
        json_object_set_new(process, "rlimits", rlimits);
        json_t *root = json_object_get(T.spec, "root");
        json_object_set_new(root, "path", json_string(T.rootfs));
        json_object_set_new(root, "readonly", json_true());
        /* The default namespaces of `runc spec` include a new network
         * namespace: the host network is never touched. */
        return 0;
}

static bool conmon_of_suite_alive(void) {
        DIR *d = opendir("/proc");
        if (!d)
                return false;
        bool found = false;
        struct dirent *de;
        while ((de = readdir(d)) && !found) {
                pid_t pid = (pid_t)atoi(de->d_name);
                if (pid <= 0 || !runtime_conmon_is_alive(pid))
                        continue;
                char path[64];
                snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
                _cleanup_free_ char *cmd = NULL;
                size_t len = 0;
                if (runtime_file_read(path, 1 << 20, &cmd, &len, NULL) < 0)
                        continue;
                for (size_t i = 0; i < len; i++)
                        if (!cmd[i])
                                cmd[i] = ' ';
                for (size_t i = 0; i < T.n_ids; i++)
                        if (strstr(cmd, T.ids[i]))
                                found = true;
        }
        closedir(d);
        return found;
}

static void cleanup_all(void) {
        for (size_t i = 0; i < T.n_ids; i++) {
                _cleanup_free_ char *bundle = bundle_path(T.ids[i]);
                _cleanup_free_ char *pidfile = xasprintf("%s/conmon.pid", bundle);
                _cleanup_free_ char *text = file_slurp(pidfile);
                pid_t cpid = text ? (pid_t)atoi(text) : 0;
                if (T.rt) {
                        Error *e = NULL;
                        if (runtime_delete(T.rt, T.ids[i], true, &e) < 0)
                                err_free(e);
                }
                if (cpid > 0 && runtime_conmon_is_alive(cpid)) {
                        kill(cpid, SIGKILL);
                        for (int k = 0; k < 100 && runtime_conmon_is_alive(cpid); k++)
                                msleep(10);
                }
                _cleanup_free_ char *cg = xasprintf(CGROUP_PARENT "/%s", T.ids[i]);
                runtime_cgroup_prune(cg, 1);
        }
}

static int suite_teardown(void **state) {
        cleanup_all();
        for (size_t i = 0; i < T.n_ids; i++)
                free(T.ids[i]);
        if (T.dir)
                sh("rm -rf '%s'", T.dir);
        free(T.dir);
        free(T.rootfs);
        free(T.sockets);
        free(T.exits);
        free(T.state);
        free(T.skip_reason);
        json_decref(T.spec);
        runtime_free(T.rt);
        return 0;
}

#define SKIP_IF_UNABLE()                                          \
        do {                                                      \
                if (T.skip_reason) {                              \
                        printf("# skipped: %s\n", T.skip_reason); \
                        skip();                                   \
                }                                                 \
        } while (0)

/* ---- pure parts -------------------------------------------------------- */

static void test_message_extract(void **state) {
        _cleanup_free_ char *json =
                runtime_message_extract("{\"level\":\"warning\",\"msg\":\"meh\",\"time\":\"x\"}\n"
                                        "{\"level\":\"error\",\"msg\":\"runc create failed: exec: "
                                        "\\\"x\\\": no\",\"time\":\"x\"}\n");
        assert_string_equal(json, "runc create failed: exec: \"x\": no");
        _cleanup_free_ char *text = runtime_message_extract(
                "time=\"2024\" level=error msg=\"container does not exist\"\n");
        assert_string_equal(text, "container does not exist");
        _cleanup_free_ char *plain = runtime_message_extract("crun: something broke\n\n");
        assert_string_equal(plain, "crun: something broke");
        assert_null(runtime_message_extract("\n"));
}

static void test_ps_format_parse(void **state) {
        RuntimePsFormat *f = NULL;
        Error *e = NULL;
        const char *bad[] = { "-Z" };
        assert_int_equal(runtime_ps_format_from_options(bad, 1, &f, &e), -1);
        assert_int_equal(e->kind, ERR_INVALID_ARGUMENT);
        e = err_free(e);
        const char *badcol[] = { "-eo", "pid,bogus" };
        assert_int_equal(runtime_ps_format_from_options(badcol, 2, &f, &e), -1);
        assert_non_null(strstr(e->message, "bogus"));
        e = err_free(e);
        const char *badd[] = { "pid", " nope " };
        assert_int_equal(runtime_ps_format_from_descriptors(badd, 2, &f, &e), -1);
        assert_string_equal(e->message, "'nope': unknown descriptor");
        e = err_free(e);
        const char *good[] = { "-o", "pid=ID,args" };
        assert_int_equal(runtime_ps_format_from_options(good, 2, &f, NULL), 0);
        runtime_ps_format_free(f);
}

/* ---- against runc and conmon ------------------------------------------- */

static void test_open_falls_back(void **state) {
        SKIP_IF_UNABLE();
        assert_non_null(runtime_version_line(T.rt));
        assert_true(STRPREFIX(runtime_version_line(T.rt), runtime_name(T.rt)));
        char *why = NULL;
        bool crun_ok = runtime_crun_is_usable(&why);
        if (!crun_ok) {
                /* This host (cgroup v1 + unified): crun 1.8 refuses, runc it is. */
                assert_string_equal(runtime_name(T.rt), "runc");
                assert_string_equal(runtime_fallback_reason(T.rt),
                                    "crun cannot run containers on this host (cgroup v1/v2 "
                                    "hybrid); using runc");
                Runtime *rt = NULL;
                assert_int_equal(runtime_open("crun", &rt, NULL), 0);
                assert_string_equal(runtime_name(rt), "runc");
                assert_non_null(strstr(runtime_fallback_reason(rt), "crun cannot run"));
                runtime_free(rt);
        }
        free(why);

        Runtime *rt = NULL;
        Error *e = NULL;
        assert_int_equal(runtime_open(runtime_path(T.rt), &rt, NULL), 0);
        assert_string_equal(runtime_path(rt), runtime_path(T.rt));
        rt = runtime_free(rt);
        assert_int_equal(runtime_open("kata", &rt, &e), -1);
        assert_int_equal(e->kind, ERR_INVALID_ARGUMENT);
        e = err_free(e);
        assert_true(runtime_open("/nonexistent/runc", &rt, &e) < 0);
        assert_int_equal(e->kind, ERR_NOT_FOUND);
        err_free(e);
}

static void test_echo_logs_and_exits_zero(void **state) {
        SKIP_IF_UNABLE();
        Ctr c = { 0 };
        const char *args[] = { "echo", "hello", NULL };
        ctr_prepare(&c, args);
        _cleanup_free_ char *script = xasprintf("echo cleaned > %s", c.marker);
        const char *exit_command[] = { "/bin/sh", "-c", script, NULL };
        RuntimeCreateOptions o;
        ctr_options(&c, &o, exit_command);
        Error *e = NULL;
        if (runtime_create(T.rt, &o, &c.rc, &e) < 0)
                fail_msg("create: %s", e->message);

        RuntimeState st;
        assert_int_equal(runtime_state(T.rt, c.id, &st, NULL), 0);
        assert_int_equal(st.status, RUNTIME_STATUS_CREATED);
        assert_int_equal(st.pid, c.rc.pid);
        _cleanup_free_ char *pidtext = file_slurp(c.pidfile);
        assert_int_equal(atoi(pidtext), c.rc.pid);

        int64_t before = runtime_now_ns();
        assert_int_equal(runtime_start(T.rt, c.id, NULL), 0);
        int code = -2;
        int64_t when = 0;
        if (runtime_exit_file_wait(T.exits, c.id, 10000, &code, &when, &e) < 0)
                fail_msg("%s", e->message);
        assert_int_equal(code, 0);
        assert_true(when >= before - 1000000000LL && when <= runtime_now_ns());

        /* conmon runs the exit command after writing the exit file. */
        for (int i = 0; i < 250 && access(c.marker, F_OK) < 0; i++)
                msleep(20);
        _cleanup_free_ char *marker = file_slurp(c.marker);
        assert_non_null(marker);
        assert_string_equal(marker, "cleaned\n");
        wait_conmon_gone(c.rc.conmon_pid);

        _cleanup_free_ char *log = file_slurp(c.log);
        assert_non_null(log);
        regex_t re;
        assert_int_equal(regcomp(&re,
                                 "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}"
                                 "[+-][0-9]{2}:[0-9]{2} stdout F hello\n$",
                                 REG_EXTENDED),
                         0);
        if (regexec(&re, log, 0, NULL, 0) != 0)
                fail_msg("log line `%s`", log);
        regfree(&re);

        assert_int_equal(runtime_state(T.rt, c.id, &st, NULL), 0);
        assert_int_equal(st.status, RUNTIME_STATUS_STOPPED);
        /* The ctl FIFO stays, but nobody reads it any more. */
        assert_int_equal(runtime_tty_resize(c.bundle, 24, 80, &e), -1);
        assert_int_equal(e->kind, ERR_BAD_STATE);
        e = err_free(e);
        ctr_remove(&c);
        ctr_clear(&c);
}

static void lines_free(char **lines, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(lines[i]);
        free(lines);
}

static void test_sleep_stats_ps_pause_kill(void **state) {
        SKIP_IF_UNABLE();
        Ctr c = { 0 };
        const char *args[] = { "sleep", "100", NULL };
        ctr_create(&c, args, false);
        Error *e = NULL;
        assert_int_equal(runtime_start(T.rt, c.id, NULL), 0);

        RuntimeState st;
        assert_int_equal(runtime_state(T.rt, c.id, &st, NULL), 0);
        assert_int_equal(st.status, RUNTIME_STATUS_RUNNING);
        assert_int_equal(st.pid, c.rc.pid);

        _cleanup_free_ char *cg = xasprintf(CGROUP_PARENT "/%s", c.id);
        RuntimeStats s;
        if (runtime_cgroup_stats_read(cg, st.pid, &s, &e) < 0)
                fail_msg("stats: %s", e->message);
        assert_true(s.pids >= 1);
        assert_true(s.mem_usage > 0);
        assert_true(s.mem_limit > 0);
        assert_true(s.cpu_ns > 0);
        assert_true(s.system_cpu_ns > s.cpu_ns);
        assert_true(s.ncpus >= 1);
        assert_true(s.read_ns > 0);
        /* A fresh network namespace has only lo, which is not counted. */
        assert_int_equal(s.net_rx, 0);
        assert_int_equal(s.net_tx, 0);

        _cleanup_free_ char *memdir = NULL;
        assert_int_equal(runtime_cgroup_dir(cg, "memory", &memdir, NULL), 0);
        assert_int_equal(access(memdir, F_OK), 0);

        pid_t *pids = NULL;
        size_t npids = 0;
        assert_int_equal(runtime_cgroup_pids_read(cg, &pids, &npids, NULL), 0);
        assert_int_equal(npids, 1);
        assert_int_equal(pids[0], st.pid);

        char **lines = NULL;
        size_t nl = 0;
        RuntimePsFormat *f = NULL;
        const char *ef[] = { "-ef" };
        assert_int_equal(runtime_ps_format_from_options(ef, 1, &f, NULL), 0);
        /* Right after start the process may still be runc's init, not yet
         * exec'd into sleep: give it a moment (slow under sanitizers). */
        for (int tries = 0;; tries++) {
                assert_int_equal(runtime_ps_lines(f, pids, npids, &lines, &nl, NULL), 0);
                if (tries >= 100 || (nl == 2 && strstr(lines[1], "sleep 100")))
                        break;
                lines_free(lines, nl);
                usleep(20 * 1000);
        }
        assert_int_equal(nl, 2);
        assert_true(STRPREFIX(lines[0], "UID"));
        assert_non_null(strstr(lines[0], "PID"));
        assert_non_null(strstr(lines[0], "CMD"));
        assert_non_null(strstr(lines[1], "sleep 100"));
        assert_true(STRPREFIX(lines[1], "root"));
        lines_free(lines, nl);
        f = runtime_ps_format_free(f);

        const char *eo[] = { "-eo", "pid,user,comm" };
        assert_int_equal(runtime_ps_format_from_options(eo, 2, &f, NULL), 0);
        assert_int_equal(runtime_ps_lines(f, pids, npids, &lines, &nl, NULL), 0);
        assert_int_equal(nl, 2);
        assert_string_equal(lines[0], "PID USER COMMAND");
        assert_string_equal(lines[1], "  1 root sleep");
        lines_free(lines, nl);
        f = runtime_ps_format_free(f);

        const char *go[] = { "user", "pid", "ppid", "%C", "etime", "tty", "time", "comm" };
        assert_int_equal(runtime_ps_format_from_descriptors(go, ELEMENTSOF(go), &f, NULL), 0);
        assert_int_equal(runtime_ps_lines(f, pids, npids, &lines, &nl, NULL), 0);
        assert_int_equal(nl, 2);
        assert_string_equal(lines[0], "USER\tPID\tPPID\t%CPU\tELAPSED\tTTY\tTIME\tCOMMAND");
        assert_true(STRPREFIX(lines[1], "root\t1\t0\t"));
        assert_non_null(strstr(lines[1], "\t?\t"));
        assert_true(strlen(lines[1]) > 6 && STREQ(lines[1] + strlen(lines[1]) - 6, "\tsleep"));
        lines_free(lines, nl);
        f = runtime_ps_format_free(f);
        free(pids);

        /* conmon reads the ctl FIFO (no tty here, so it only logs the resize). */
        assert_int_equal(runtime_tty_resize(c.bundle, 40, 120, NULL), 0);

        assert_int_equal(runtime_pause(T.rt, c.id, NULL), 0);
        assert_int_equal(runtime_state(T.rt, c.id, &st, NULL), 0);
        assert_int_equal(st.status, RUNTIME_STATUS_PAUSED);
        assert_int_equal(runtime_resume(T.rt, c.id, NULL), 0);
        assert_int_equal(runtime_state(T.rt, c.id, &st, NULL), 0);
        assert_int_equal(st.status, RUNTIME_STATUS_RUNNING);

        assert_int_equal(runtime_kill(T.rt, c.id, SIGKILL, false, NULL), 0);
        int code = 0;
        if (runtime_exit_file_wait(T.exits, c.id, 10000, &code, NULL, &e) < 0)
                fail_msg("%s", e->message);
        assert_int_equal(code, 137);
        wait_conmon_gone(c.rc.conmon_pid);
        assert_int_equal(runtime_state(T.rt, c.id, &st, NULL), 0);
        assert_int_equal(st.status, RUNTIME_STATUS_STOPPED);
        assert_int_equal(st.pid, 0);
        /* Killing what has exited is a state problem, not a runtime one. */
        assert_int_equal(runtime_kill(T.rt, c.id, SIGTERM, false, &e), -1);
        assert_int_equal(e->kind, ERR_BAD_STATE);
        e = err_free(e);
        ctr_remove(&c);
        assert_true(runtime_cgroup_stats_read(cg, 0, &s, &e) < 0);
        assert_int_equal(e->kind, ERR_NOT_FOUND);
        err_free(e);
        ctr_clear(&c);
}

static void test_exit_code_three(void **state) {
        SKIP_IF_UNABLE();
        Ctr c = { 0 };
        const char *args[] = { "sh", "-c", "exit 3", NULL };
        ctr_create(&c, args, false);
        assert_int_equal(runtime_start(T.rt, c.id, NULL), 0);
        int code = 0;
        Error *e = NULL;
        if (runtime_exit_file_wait(T.exits, c.id, 10000, &code, NULL, &e) < 0)
                fail_msg("%s", e->message);
        assert_int_equal(code, 3);
        wait_conmon_gone(c.rc.conmon_pid);
        ctr_remove(&c);
        ctr_clear(&c);
}

static void test_attach_read_write(void **state) {
        SKIP_IF_UNABLE();
        Ctr c = { 0 };
        const char *args[] = { "sh", "-c", "echo out; echo err >&2; read x; echo got $x", NULL };
        ctr_create(&c, args, true);

        _cleanup_free_ char *sock = runtime_attach_socket_path(T.sockets, c.id);
        assert_true(strlen(sock) <= RUNTIME_SOCKET_PATH_MAX);
        struct stat sst;
        assert_int_equal(stat(sock, &sst), 0);
        assert_true(S_ISSOCK(sst.st_mode));

        /* conmon forwards only what is written after we connect: connect
         * between create and start, as `run -a` does. */
        int fd = -1;
        Error *e = NULL;
        if (runtime_attach_connect(sock, &fd, &e) < 0)
                fail_msg("%s", e->message);
        assert_int_equal(runtime_start(T.rt, c.id, NULL), 0);
        assert_int_equal(runtime_attach_write(fd, "hi\n", 3, NULL), 0);
        assert_int_equal(runtime_attach_close_stdin(fd, NULL), 0);

        char out[256] = "", errs[256] = "";
        char buf[RUNTIME_ATTACH_PACKET_MAX];
        for (;;) {
                RuntimeStream stream;
                size_t len = 0;
                int r = runtime_attach_read(fd, 10000, &stream, buf, sizeof buf, &len, &e);
                if (r < 0)
                        fail_msg("attach read: %s", e->message);
                if (r == 0)
                        break;
                char *dst = stream == RUNTIME_STREAM_STDERR ? errs : out;
                size_t have = strlen(dst), room = 255 - have;
                memcpy(dst + have, buf, len < room ? len : room);
                dst[have + (len < room ? len : room)] = '\0';
        }
        close(fd);
        assert_string_equal(out, "out\ngot hi\n");
        assert_string_equal(errs, "err\n");

        int code = -1;
        assert_int_equal(runtime_exit_file_wait(T.exits, c.id, 10000, &code, NULL, NULL), 0);
        assert_int_equal(code, 0);
        wait_conmon_gone(c.rc.conmon_pid);
        /* conmon removes its socket-dir link when it exits. */
        assert_int_equal(access(sock, F_OK), -1);
        ctr_remove(&c);
        ctr_clear(&c);
}

static void test_attach_pump(void **state) {
        SKIP_IF_UNABLE();
        Ctr c = { 0 };
        const char *args[] = { "sh", "-c", "cat; echo bye >&2", NULL };
        ctr_create(&c, args, true);
        _cleanup_free_ char *sock = runtime_attach_socket_path(T.sockets, c.id);
        int fd = -1;
        assert_int_equal(runtime_attach_connect(sock, &fd, NULL), 0);
        assert_int_equal(runtime_start(T.rt, c.id, NULL), 0);

        int in[2], out[2], errp[2];
        assert_int_equal(pipe(in), 0);
        assert_int_equal(pipe(out), 0);
        assert_int_equal(pipe(errp), 0);
        /* "\x10" alone is not the detach sequence: it must pass through. */
        assert_int_equal(write(in[1], "abc\x10\n", 5), 5);
        close(in[1]);
        RuntimeAttachOptions o = { .in_fd = in[0],
                                   .out_fd = out[1],
                                   .err_fd = errp[1],
                                   .detach_keys = "\x10\x11",
                                   .cancel_fd = -1 };
        Error *e = NULL;
        int r = runtime_attach_pump(fd, &o, &e);
        if (r < 0)
                fail_msg("pump: %s", e->message);
        assert_int_equal(r, RUNTIME_ATTACH_EOF);
        close(fd);
        close(in[0]);
        close(out[1]);
        close(errp[1]);
        char buf[64] = "";
        assert_int_equal(read(out[0], buf, sizeof buf - 1), 5);
        assert_memory_equal(buf, "abc\x10\n", 5);
        memset(buf, 0, sizeof buf);
        assert_int_equal(read(errp[0], buf, sizeof buf - 1), 4);
        assert_string_equal(buf, "bye\n");
        close(out[0]);
        close(errp[0]);

        int code = -1;
        assert_int_equal(runtime_exit_file_wait(T.exits, c.id, 10000, &code, NULL, NULL), 0);
        assert_int_equal(code, 0);
        wait_conmon_gone(c.rc.conmon_pid);
        ctr_remove(&c);
        ctr_clear(&c);
}

static void test_detach_keys(void **state) {
        SKIP_IF_UNABLE();
        Ctr c = { 0 };
        const char *args[] = { "cat", NULL };
        /* Hanging up would otherwise close cat's stdin, and end it. */
        ctr_create_full(&c, args, true, true);
        _cleanup_free_ char *sock = runtime_attach_socket_path(T.sockets, c.id);
        int fd = -1;
        assert_int_equal(runtime_attach_connect(sock, &fd, NULL), 0);
        assert_int_equal(runtime_start(T.rt, c.id, NULL), 0);
        int in[2];
        assert_int_equal(pipe(in), 0);
        assert_int_equal(write(in[1], "x\x10\x11", 3), 3);
        RuntimeAttachOptions o = { .in_fd = in[0],
                                   .out_fd = -1,
                                   .err_fd = -1,
                                   .detach_keys = "\x10\x11",
                                   .cancel_fd = -1 };
        assert_int_equal(runtime_attach_pump(fd, &o, NULL), RUNTIME_ATTACH_DETACHED);
        close(fd);
        close(in[0]);
        close(in[1]);
        /* Detaching leaves the container running. */
        RuntimeState st;
        assert_int_equal(runtime_state(T.rt, c.id, &st, NULL), 0);
        assert_int_equal(st.status, RUNTIME_STATUS_RUNNING);
        ctr_remove(&c);
        ctr_clear(&c);
}

static void test_terminal_resize(void **state) {
        SKIP_IF_UNABLE();
        Ctr c = { 0 };
        const char *args[] = { "stty", "size", NULL };
        ctr_prepare(&c, args);
        /* process.terminal must agree with conmon's --terminal. */
        _cleanup_free_ char *config = xasprintf("%s/config.json", c.bundle);
        _cleanup_json_ json_t *spec = json_load_file(config, 0, NULL);
        json_object_set_new(json_object_get(spec, "process"), "terminal", json_true());
        assert_int_equal(json_dump_file(spec, config, 0), 0);
        RuntimeCreateOptions o;
        ctr_options(&c, &o, NULL);
        o.terminal = true;
        Error *e = NULL;
        if (runtime_create(T.rt, &o, &c.rc, &e) < 0)
                fail_msg("create: %s", e->message);
        /* conmon holds the pty master once create returned: resize it
         * before the process looks. */
        assert_int_equal(runtime_tty_resize(c.bundle, 40, 120, NULL), 0);
        _cleanup_free_ char *sock = runtime_attach_socket_path(T.sockets, c.id);
        int fd = -1;
        assert_int_equal(runtime_attach_connect(sock, &fd, NULL), 0);
        msleep(100); /* conmon handles the ctl line asynchronously */
        assert_int_equal(runtime_start(T.rt, c.id, NULL), 0);
        char out[256] = "", buf[RUNTIME_ATTACH_PACKET_MAX];
        for (;;) {
                RuntimeStream stream;
                size_t len = 0;
                int r = runtime_attach_read(fd, 10000, &stream, buf, sizeof buf, &len, &e);
                if (r < 0)
                        fail_msg("attach read: %s", e->message);
                if (r == 0)
                        break;
                /* A terminal has one stream, tagged stdout. */
                assert_int_equal(stream, RUNTIME_STREAM_STDOUT);
                size_t have = strlen(out), room = 255 - have, k = len < room ? len : room;
                memcpy(out + have, buf, k);
                out[have + k] = '\0';
        }
        close(fd);
        assert_string_equal(out, "40 120\r\n");
        int code = -1;
        assert_int_equal(runtime_exit_file_wait(T.exits, c.id, 10000, &code, NULL, NULL), 0);
        assert_int_equal(code, 0);
        wait_conmon_gone(c.rc.conmon_pid);
        ctr_remove(&c);
        ctr_clear(&c);
}

static void test_bad_bundle_reports_runtime_error(void **state) {
        SKIP_IF_UNABLE();
        Ctr c = { 0 };
        const char *args[] = { "/nonexistent", NULL };
        ctr_prepare(&c, args);
        RuntimeCreateOptions o;
        ctr_options(&c, &o, NULL);
        Error *e = NULL;
        assert_int_equal(runtime_create(T.rt, &o, &c.rc, &e), -1);
        assert_int_equal(e->kind, ERR_RUNTIME);
        printf("# bad bundle: %s\n", e->message);
        assert_true(STRPREFIX(e->message, "runc create: "));
        assert_non_null(strstr(e->message, "/nonexistent"));
        assert_non_null(strstr(e->message, "no such file or directory"));
        e = err_free(e);
        /* Nothing stays registered with the runtime. */
        RuntimeState st;
        assert_int_equal(runtime_state(T.rt, c.id, &st, &e), -1);
        assert_int_equal(e->kind, ERR_NOT_FOUND);
        e = err_free(e);

        /* A bundle without config.json at all. */
        _cleanup_free_ char *config = xasprintf("%s/config.json", c.bundle);
        assert_int_equal(unlink(config), 0);
        RuntimeContainer rc;
        assert_int_equal(runtime_create(T.rt, &o, &rc, &e), -1);
        assert_int_equal(e->kind, ERR_RUNTIME);
        printf("# no config.json: %s\n", e->message);
        assert_non_null(strstr(e->message, "config.json"));
        err_free(e);
        ctr_clear(&c);
}

static void test_long_socket_dir_refused(void **state) {
        SKIP_IF_UNABLE();
        Ctr c = { 0 };
        const char *args[] = { "true", NULL };
        ctr_prepare(&c, args);
        RuntimeCreateOptions o;
        ctr_options(&c, &o, NULL);
        char longdir[64];
        memset(longdir, 'd', sizeof longdir - 1);
        longdir[sizeof longdir - 1] = '\0';
        _cleanup_free_ char *sockets = xasprintf("%s/%s", T.dir, longdir);
        o.socket_dir = sockets;
        Error *e = NULL;
        assert_int_equal(runtime_create(T.rt, &o, &c.rc, &e), -1);
        assert_int_equal(e->kind, ERR_INVALID_ARGUMENT);
        assert_non_null(strstr(e->message, "shorter socket dir"));
        err_free(e);
        /* Refused before conmon ran: no directory was made. */
        assert_int_equal(access(sockets, F_OK), -1);
        ctr_clear(&c);
}

static void test_leaves_nothing_behind(void **state) {
        SKIP_IF_UNABLE();
        cleanup_all();
        assert_false(conmon_of_suite_alive());
        DIR *d = opendir("/sys/fs/cgroup");
        assert_non_null(d);
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *p = xasprintf("/sys/fs/cgroup/%s" CGROUP_PARENT, de->d_name);
                if (access(p, F_OK) == 0)
                        fail_msg("`%s` is left behind", p);
        }
        closedir(d);
        _cleanup_free_ char *out = NULL;
        const char *list[] = { "list", "-q", NULL };
        assert_int_equal(runtime_exec(T.rt, list, &out, NULL), 0);
        assert_string_equal(runtime_strip(out), "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_message_extract),
                cmocka_unit_test(test_ps_format_parse),
                cmocka_unit_test(test_open_falls_back),
                cmocka_unit_test(test_echo_logs_and_exits_zero),
                cmocka_unit_test(test_sleep_stats_ps_pause_kill),
                cmocka_unit_test(test_exit_code_three),
                cmocka_unit_test(test_attach_read_write),
                cmocka_unit_test(test_attach_pump),
                cmocka_unit_test(test_detach_keys),
                cmocka_unit_test(test_terminal_resize),
                cmocka_unit_test(test_bad_bundle_reports_runtime_error),
                cmocka_unit_test(test_long_socket_dir_refused),
                cmocka_unit_test(test_leaves_nothing_behind),
        };
        return cmocka_run_group_tests(tests, suite_setup, suite_teardown);
}
