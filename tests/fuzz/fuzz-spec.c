/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the string parsers of container creation (volumes,
 * tmpfs, publish, exposed ports, ulimit, devices, device limits, id maps,
 * cpusets, sizes, signals, passwd and group lines) and the seccomp profile
 * translator. The first byte picks one parser ('v' volume, 't' tmpfs,
 * 'p' publish, 'e' expose, 'u' ulimit, 'd' device, 'w'/'b'/'i' device
 * weight/bps/iops, 'm' idmap, 'c' cpuset, 's' size, 'g' signal, 'P'
 * passwd line, 'G' group line, 'k' capability, 'j' seccomp profile JSON);
 * any other byte runs every string parser on the rest. Properties checked
 * besides "no crash, no leak": a failure has a message and leaves the
 * output alone; a success satisfies each parser's promises. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "macro.h"
#include "spec-private.h"
#include "user.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _noreturn_ void fuzz_fail(const char *what, const char *text) {
        fprintf(stderr, "fuzz-spec: %s\n%s\n", what, text ? text : "");
        abort();
}

static void failure_check(int r, Error *err, bool untouched, const char *text) {
        if (r >= 0)
                return;
        if (!err || !err->message || !*err->message)
                fuzz_fail("failure without message", text);
        if (!untouched)
                fuzz_fail("output set on failure", text);
        err_free(err);
}

/* Absolute, cleaned: no "//", no "." or ".." parts, no trailing '/'. */
static void clean_path_check(const char *p, const char *text) {
        if (!p || p[0] != '/' || strstr(p, "//") || strstr(p, "/./") || strstr(p, "/../"))
                fuzz_fail("path not clean", text);
        size_t len = strlen(p);
        if ((len > 1 && p[len - 1] == '/') || (len >= 2 && STREQ(p + len - 2, "/.")) ||
            (len >= 3 && STREQ(p + len - 3, "/..")))
                fuzz_fail("path not clean", text);
}

static void volume_check(const char *text) {
        SpecVolumeArg a = { .destination = (char *)0x1 };
        Error *err = NULL;
        int r = spec_volume_arg_parse(text, &a, &err);
        failure_check(r, err, a.destination == (char *)0x1, text);
        if (r < 0)
                return;
        clean_path_check(a.destination, text);
        if (STREQ(a.destination, "/"))
                fuzz_fail("volume over /", text);
        if (a.named && a.source && !spec_volume_name_is_valid(a.source))
                fuzz_fail("named volume with an invalid name", text);
        if (!a.named)
                clean_path_check(a.source, text);
        if (!spec_strv_contains(a.options, "rbind") && !spec_strv_contains(a.options, "bind"))
                fuzz_fail("volume without bind option", text);
        if (spec_strv_contains(a.options, "ro") == spec_strv_contains(a.options, "rw"))
                fuzz_fail("volume not exactly one of ro/rw", text);
        spec_volume_arg_clear(&a);
}

static void tmpfs_check(const char *text) {
        SpecTmpfsArg a = { .destination = (char *)0x1 };
        Error *err = NULL;
        int r = spec_tmpfs_arg_parse(text, &a, &err);
        failure_check(r, err, a.destination == (char *)0x1, text);
        if (r < 0)
                return;
        clean_path_check(a.destination, text);
        if (spec_strv_contains(a.options, "ro") == spec_strv_contains(a.options, "rw"))
                fuzz_fail("tmpfs not exactly one of ro/rw", text);
        for (size_t i = 0; a.options[i]; i++)
                if (!*a.options[i] || strchr(a.options[i], ','))
                        fuzz_fail("bad tmpfs option", text);
        spec_tmpfs_arg_clear(&a);
}

static void publish_check(const char *text) {
        SpecPublishArg a = { .container_first = 7 };
        Error *err = NULL;
        int r = spec_publish_arg_parse(text, &a, &err);
        failure_check(r, err, a.container_first == 7, text);
        if (r < 0)
                return;
        if (a.container_first == 0 || a.container_last < a.container_first)
                fuzz_fail("bad container range", text);
        if (a.host_first && a.host_last < a.host_first)
                fuzz_fail("bad host range", text);
        unsigned hn = a.host_first ? (unsigned)(a.host_last - a.host_first) + 1 : 0;
        unsigned cn = (unsigned)(a.container_last - a.container_first) + 1;
        if (hn && hn != cn && cn != 1)
                fuzz_fail("ranges of different sizes accepted", text);
        if (!STREQ(a.protocol, "tcp") && !STREQ(a.protocol, "udp") && !STREQ(a.protocol, "sctp"))
                fuzz_fail("bad protocol", text);
        unsigned char buf[16];
        if (*a.host_ip && inet_pton(AF_INET, a.host_ip, buf) != 1 &&
            inet_pton(AF_INET6, a.host_ip, buf) != 1)
                fuzz_fail("bad host ip", text);
}

static void expose_check(const char *text) {
        uint16_t first = 7, last = 0;
        char proto[5];
        Error *err = NULL;
        int r = spec_expose_arg_parse(text, &first, &last, proto, &err);
        failure_check(r, err, first == 7, text);
        if (r >= 0 && (first == 0 || last < first))
                fuzz_fail("bad exposed range", text);
}

static void ulimit_check(const char *text) {
        SpecUlimitArg a = { .resource = -7 };
        Error *err = NULL;
        int r = spec_ulimit_arg_parse(text, &a, &err);
        failure_check(r, err, a.resource == -7, text);
        if (r < 0)
                return;
        if (a.soft > a.hard || a.resource < 0 || a.resource >= RLIM_NLIMITS ||
            !STRPREFIX(a.type, "RLIMIT_"))
                fuzz_fail("bad ulimit", text);
}

static void device_check(const char *text) {
        SpecDeviceArg a = { .host = (char *)0x1 };
        Error *err = NULL;
        int r = spec_device_arg_parse(text, &a, &err);
        failure_check(r, err, a.host == (char *)0x1, text);
        if (r < 0)
                return;
        clean_path_check(a.host, text);
        clean_path_check(a.container, text);
        if (!*a.perms || strspn(a.perms, "rwm") != strlen(a.perms))
                fuzz_fail("bad permissions", text);
        spec_device_arg_clear(&a);
}

static void limit_check(const char *text, SpecLimitKind kind) {
        char *path = (char *)0x1;
        uint64_t v = 0;
        Error *err = NULL;
        int r = spec_device_limit_parse(text, kind, &path, &v, &err);
        failure_check(r, err, path == (char *)0x1, text);
        if (r < 0)
                return;
        if (path[0] != '/' || (kind == SPEC_LIMIT_WEIGHT && (v < 10 || v > 1000)) || v > INT64_MAX)
                fuzz_fail("bad device limit", text);
        free(path);
}

static void idmap_check(const char *text) {
        SpecIdMap m = { .size = 0 };
        Error *err = NULL;
        int r = spec_idmap_parse(text, &m, &err);
        failure_check(r, err, m.size == 0, text);
        if (r >= 0 && (m.size == 0 || (uint64_t)m.container_id + m.size > UINT32_MAX ||
                       (uint64_t)m.host_id + m.size > UINT32_MAX))
                fuzz_fail("bad id map", text);
}

static void size_check(const char *text) {
        int64_t v = -7;
        Error *err = NULL;
        int r = spec_size_parse(text, &v, &err);
        failure_check(r, err, v == -7, text);
        if (r < 0)
                return;
        if (v < 0)
                fuzz_fail("negative size", text);
        /* A plain number reads back as itself. */
        char back[32];
        snprintf(back, sizeof back, "%lld", (long long)v);
        int64_t again;
        if (spec_size_parse(back, &again, NULL) < 0 || again != v)
                fuzz_fail("size does not round-trip", text);
}

static void signal_check(const char *text) {
        int n = -7;
        Error *err = NULL;
        int r = spec_signal_parse(text, &n, &err);
        failure_check(r, err, n == -7, text);
        if (r >= 0 && (n < 1 || n > 64))
                fuzz_fail("signal out of range", text);
}

static void lines_check(const char *text) {
        _cleanup_free_ char *a = xstrdup(text), *b = xstrdup(text);
        UserPasswd p;
        if (user_passwd_line_parse(a, &p) > 0 &&
            (!*p.name || strchr(p.name, ':') || p.uid == (uid_t)-1 || p.gid == (gid_t)-1))
                fuzz_fail("bad passwd entry", text);
        UserGroup g;
        if (user_group_line_parse(b, &g) > 0) {
                if (!*g.name || g.gid == (gid_t)-1)
                        fuzz_fail("bad group entry", text);
                (void)user_group_has_member(g.members, g.name);
        }
        uint32_t id;
        if (user_id_parse(text, &id) && id == UINT32_MAX)
                fuzz_fail("id -1 accepted", text);
}

static void misc_check(const char *text) {
        int cap = spec_cap_from_name(text);
        if (cap >= 0 && spec_cap_from_name(spec_cap_name(cap)) != cap)
                fuzz_fail("capability name does not round-trip", text);
        Error *err = NULL;
        if (spec_cpuset_check(text, &err) < 0) {
                if (!err || !err->message)
                        fuzz_fail("cpuset failure without message", text);
                err_free(err);
        }
        (void)spec_hostname_is_valid(text);
        (void)spec_volume_name_is_valid(text);
}

static void seccomp_check(const char *text) {
        json_t *profile = json_loads(text, JSON_DECODE_ANY, NULL);
        if (!profile)
                return;
        json_t *out = (json_t *)0x1;
        Error *err = NULL;
        int r = spec_seccomp_translate(profile, "x86_64", UINT64_C(0x1fffffffff), "6.1", &out,
                                       &err);
        failure_check(r, err, out == (json_t *)0x1, text);
        if (r >= 0 && out) {
                if (!json_is_string(json_object_get(out, "defaultAction")) ||
                    !json_is_array(json_object_get(out, "syscalls")))
                        fuzz_fail("translated profile lacks defaultAction or syscalls", text);
                json_decref(out);
        }
        json_decref(profile);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size == 0)
                return 0;
        /* The parsers take C strings: a NUL in the input ends the text. */
        _cleanup_free_ char *text = xmalloc(size);
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        switch (data[0]) {
        case 'v':
                volume_check(text);
                break;
        case 't':
                tmpfs_check(text);
                break;
        case 'p':
                publish_check(text);
                break;
        case 'e':
                expose_check(text);
                break;
        case 'u':
                ulimit_check(text);
                break;
        case 'd':
                device_check(text);
                break;
        case 'w':
                limit_check(text, SPEC_LIMIT_WEIGHT);
                break;
        case 'b':
                limit_check(text, SPEC_LIMIT_BPS);
                break;
        case 'i':
                limit_check(text, SPEC_LIMIT_IOPS);
                break;
        case 'm':
                idmap_check(text);
                break;
        case 'c':
        case 'k':
                misc_check(text);
                break;
        case 's':
                size_check(text);
                break;
        case 'g':
                signal_check(text);
                break;
        case 'P':
        case 'G':
                lines_check(text);
                break;
        case 'j':
                seccomp_check(text);
                break;
        default:
                volume_check(text);
                tmpfs_check(text);
                publish_check(text);
                expose_check(text);
                ulimit_check(text);
                device_check(text);
                limit_check(text, SPEC_LIMIT_WEIGHT);
                limit_check(text, SPEC_LIMIT_BPS);
                limit_check(text, SPEC_LIMIT_IOPS);
                idmap_check(text);
                size_check(text);
                signal_check(text);
                lines_check(text);
                misc_check(text);
                break;
        }
        return 0;
}
