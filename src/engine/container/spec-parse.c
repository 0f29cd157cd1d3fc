/* SPDX-License-Identifier: Apache-2.0 */
/* Parsers for the string syntaxes of `Create` fields. They touch nothing
 * but their input (the fuzz target drives them), and each error names the
 * field and quotes the offending entry. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "spec-private.h"
#include "xalloc.h"

size_t spec_strv_length(char *const *v) {
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

void spec_strv_push_take(char ***v, char *s) {
        size_t n = spec_strv_length(*v);
        *v = xrealloc(*v, (n + 2) * sizeof **v);
        (*v)[n] = s;
        (*v)[n + 1] = NULL;
}

void spec_strv_push(char ***v, const char *s) { spec_strv_push_take(v, xstrdup(s)); }

bool spec_strv_contains(char *const *v, const char *s) {
        for (size_t i = 0; v && v[i]; i++)
                if (STREQ(v[i], s))
                        return true;
        return false;
}

char **spec_strv_from_json(const json_t *array) {
        char **v = xnew0(char *, 1);
        size_t i;
        json_t *e;
        json_array_foreach (array, i, e) {
                if (json_is_string(e))
                        spec_strv_push(&v, json_string_value(e));
        }
        return v;
}

json_t *spec_strv_to_json(char *const *v) {
        json_t *a = json_array();
        for (size_t i = 0; v && v[i]; i++)
                json_array_append_new(a, json_string(v[i]));
        return a;
}

/* Decimal digits only, into *ret, with overflow checked against max. */
static bool uint_parse(const char *s, size_t len, uint64_t max, uint64_t *ret) {
        if (len == 0 || len > 20)
                return false;
        uint64_t v = 0;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                if (__builtin_mul_overflow(v, 10, &v) ||
                    __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
                        return false;
        }
        if (v > max)
                return false;
        *ret = v;
        return true;
}

int spec_size_parse(const char *text, int64_t *ret, Error **err) {
        const char *p = text;
        size_t int_len = strspn(p, "0123456789");
        uint64_t ip, frac = 0, frac_div = 1;
        if (!uint_parse(p, int_len, INT64_MAX, &ip))
                goto bad;
        p += int_len;
        if (*p == '.') {
                size_t flen = strspn(++p, "0123456789");
                if (flen == 0)
                        goto bad;
                /* Digits past 18 cannot change a byte count. */
                for (size_t i = 0; i < flen && i < 18; i++) {
                        frac = frac * 10 + (uint64_t)(p[i] - '0');
                        frac_div *= 10;
                }
                p += flen;
        }
        if (*p == ' ')
                p++;
        uint64_t mult = 1;
        const char *units = "kmgtp";
        const char *u = *p ? strchr(units, tolower((unsigned char)*p)) : NULL;
        if (u) {
                for (const char *q = units; q <= u; q++)
                        mult *= 1024;
                p++;
                if (*p == 'i' || *p == 'I')
                        p++;
        }
        if (*p == 'b' || *p == 'B')
                p++;
        if (*p)
                goto bad;
        uint64_t v, f;
        if (__builtin_mul_overflow(ip, mult, &v))
                goto big;
        /* frac < frac_div <= 1e18 and mult <= 2^50: split to stay exact. */
        f = (uint64_t)(((unsigned __int128)frac * mult) / frac_div);
        if (__builtin_add_overflow(v, f, &v) || v > INT64_MAX)
                goto big;
        *ret = (int64_t)v;
        return 0;
bad:
        return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid size `%s`", text);
big:
        return err_set(err, ERR_INVALID_ARGUMENT, 0, "size `%s` is too large", text);
}

static const struct {
        const char *name;
        int number;
} signals[] = {
        { "HUP", SIGHUP },       { "INT", SIGINT },       { "QUIT", SIGQUIT },
        { "ILL", SIGILL },       { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },
        { "IOT", SIGIOT },       { "BUS", SIGBUS },       { "FPE", SIGFPE },
        { "KILL", SIGKILL },     { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
        { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },
        { "TERM", SIGTERM },     { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },
        { "CLD", SIGCHLD },      { "CONT", SIGCONT },     { "STOP", SIGSTOP },
        { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },
        { "URG", SIGURG },       { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ },
        { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },     { "WINCH", SIGWINCH },
        { "IO", SIGIO },         { "POLL", SIGPOLL },     { "PWR", SIGPWR },
        { "SYS", SIGSYS },
};

/* Go's and the kernel's real-time range, not glibc's SIGRTMIN (which
 * reserves two for threads): docker and podman name 34..64. */
#define SIG_RTMIN 34
#define SIG_RTMAX 64

int spec_signal_parse(const char *text, int *ret, Error **err) {
        const char *s = text;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        uint64_t n;
        if (uint_parse(s, strlen(s), SIG_RTMAX, &n)) {
                if (n == 0)
                        goto bad;
                *ret = (int)n;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(signals); i++)
                if (strcasecmp(s, signals[i].name) == 0) {
                        *ret = signals[i].number;
                        return 0;
                }
        int base = 0, sign = 0;
        if (strncasecmp(s, "RTMIN", 5) == 0)
                base = SIG_RTMIN, sign = 1;
        else if (strncasecmp(s, "RTMAX", 5) == 0)
                base = SIG_RTMAX, sign = -1;
        if (base) {
                s += 5;
                if (!*s) {
                        *ret = base;
                        return 0;
                }
                if ((sign > 0 && *s == '+') || (sign < 0 && *s == '-')) {
                        s++;
                        if (uint_parse(s, strlen(s), SIG_RTMAX - SIG_RTMIN, &n)) {
                                *ret = base + sign * (int)n;
                                return 0;
                        }
                }
        }
bad:
        return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid signal `%s`", text);
}

/* Go's path.Clean for absolute paths: "//a/./b/../c/" -> "/a/c". */
static char *path_clean(const char *path) {
        size_t len = strlen(path);
        char *out = xmalloc(len + 2);
        size_t o = 0;
        out[o++] = '/';
        for (const char *p = path; *p;) {
                while (*p == '/')
                        p++;
                size_t n = strcspn(p, "/");
                if (n == 0)
                        break;
                if (n == 1 && p[0] == '.') {
                        /* skip */
                } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        while (o > 1 && out[o - 1] != '/')
                                o--;
                        if (o > 1)
                                o--;
                } else {
                        if (o > 1)
                                out[o++] = '/';
                        memcpy(out + o, p, n);
                        o += n;
                }
                p += n;
        }
        out[o] = '\0';
        return out;
}

bool spec_volume_name_is_valid(const char *s) {
        if (!s || !isalnum((unsigned char)s[0]))
                return false;
        size_t len = strlen(s);
        if (len > 255)
                return false;
        for (size_t i = 1; i < len; i++)
                if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
                        return false;
        return true;
}

bool spec_hostname_is_valid(const char *s) {
        size_t len = s ? strlen(s) : 0;
        if (len == 0 || len > 64)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!isalnum((unsigned char)s[i]) && !strchr(".-_", s[i]))
                        return false;
        return true;
}

/* Splits text at sep into a new vector (empty parts kept). */
static char **split(const char *text, char sep) {
        char **v = xnew0(char *, 1);
        const char *p = text;
        for (;;) {
                const char *e = strchr(p, sep);
                if (!e) {
                        spec_strv_push(&v, p);
                        return v;
                }
                spec_strv_push_take(&v, xstrndup(p, (size_t)(e - p)));
                p = e + 1;
        }
}

static int text_check(const char *field, const char *text, Error **err) {
        if (strlen(text) > SPEC_FIELD_TEXT_MAX)
                return err_set(err, ERR_LIMIT, 0, "%s: entry longer than %d bytes", field,
                               SPEC_FIELD_TEXT_MAX);
        if (!*text)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s: empty entry", field);
        return 0;
}

/* Mount options grouped by what they decide; two of one group conflict. */
enum {
        OPT_GROUP_RW = 1,
        OPT_GROUP_PROPAGATION,
        OPT_GROUP_BIND,
        OPT_GROUP_SUID,
        OPT_GROUP_DEV,
        OPT_GROUP_EXEC,
        OPT_GROUP_RELABEL,
        OPT_GROUP_COPY,
        OPT_GROUP_ATIME,
        OPT_GROUP_SIZE,
        OPT_GROUP_MODE,
        OPT_GROUP_UID,
        OPT_GROUP_GID,
        OPT_GROUP_INODES,
        OPT_GROUP_TMPCOPYUP,
        OPT_GROUP_SYNC,
        OPT_GROUP__MAX,
};

static const struct {
        const char *name;
        int group;
        bool tmpfs, bind;
} mount_options[] = {
        { "rw", OPT_GROUP_RW, true, true },
        { "ro", OPT_GROUP_RW, true, true },
        { "private", OPT_GROUP_PROPAGATION, true, true },
        { "rprivate", OPT_GROUP_PROPAGATION, true, true },
        { "shared", OPT_GROUP_PROPAGATION, true, true },
        { "rshared", OPT_GROUP_PROPAGATION, true, true },
        { "slave", OPT_GROUP_PROPAGATION, true, true },
        { "rslave", OPT_GROUP_PROPAGATION, true, true },
        { "unbindable", OPT_GROUP_PROPAGATION, true, true },
        { "runbindable", OPT_GROUP_PROPAGATION, true, true },
        { "bind", OPT_GROUP_BIND, false, true },
        { "rbind", OPT_GROUP_BIND, false, true },
        { "suid", OPT_GROUP_SUID, true, true },
        { "nosuid", OPT_GROUP_SUID, true, true },
        { "dev", OPT_GROUP_DEV, true, true },
        { "nodev", OPT_GROUP_DEV, true, true },
        { "exec", OPT_GROUP_EXEC, true, true },
        { "noexec", OPT_GROUP_EXEC, true, true },
        { "z", OPT_GROUP_RELABEL, false, true },
        { "Z", OPT_GROUP_RELABEL, false, true },
        { "nocopy", OPT_GROUP_COPY, false, true },
        { "atime", OPT_GROUP_ATIME, true, true },
        { "noatime", OPT_GROUP_ATIME, true, true },
        { "relatime", OPT_GROUP_ATIME, true, true },
        { "norelatime", OPT_GROUP_ATIME, true, true },
        { "strictatime", OPT_GROUP_ATIME, true, true },
        { "nostrictatime", OPT_GROUP_ATIME, true, true },
        { "tmpcopyup", OPT_GROUP_TMPCOPYUP, true, false },
        { "notmpcopyup", OPT_GROUP_TMPCOPYUP, true, false },
        { "sync", OPT_GROUP_SYNC, true, false },
        { "async", OPT_GROUP_SYNC, true, false },
};

/* "size=64m": digits with an optional k/m/g or %, as tmpfs reads it; any
 * other size podman accepts ("64mb", "1.5g") is converted to bytes. */
static char *tmpfs_size_option(const char *key, const char *value) {
        size_t d = strspn(value, "0123456789");
        if (d > 0 && d <= 19 &&
            (value[d] == '\0' || (strchr("kKmMgG%", value[d]) && !value[d + 1])))
                return xasprintf("%s=%s", key, value);
        int64_t bytes;
        if (spec_size_parse(value, &bytes, NULL) < 0)
                return NULL;
        return xasprintf("%s=%lld", key, (long long)bytes);
}

/* Validates one option for a tmpfs (tmpfs=true) or a bind mount; returns
 * its group and in *ret_option the text to pass on (NULL: drop it). */
static int mount_option_parse(const char *field, const char *entry, const char *opt, bool tmpfs,
                              int *ret_group, char **ret_option, Error **err) {
        for (size_t i = 0; i < ELEMENTSOF(mount_options); i++)
                if (STREQ(opt, mount_options[i].name)) {
                        if (tmpfs ? !mount_options[i].tmpfs : !mount_options[i].bind)
                                break;
                        *ret_group = mount_options[i].group;
                        /* SELinux relabeling (z/Z) has nothing to do on a host
                         * without SELinux and the labels are not managed here;
                         * nocopy asks not to copy image data, which is never done. */
                        *ret_option = mount_options[i].group == OPT_GROUP_RELABEL ||
                                                      mount_options[i].group == OPT_GROUP_COPY
                                              ? NULL
                                              : xstrdup(opt);
                        return 0;
                }
        if (tmpfs) {
                const char *eq = strchr(opt, '=');
                if (eq) {
                        _cleanup_free_ char *key = xstrndup(opt, (size_t)(eq - opt));
                        const char *value = eq + 1;
                        uint64_t n;
                        if (STREQ(key, "size") || STREQ(key, "nr_blocks") ||
                            STREQ(key, "nr_inodes")) {
                                char *o = tmpfs_size_option(key, value);
                                if (o) {
                                        *ret_group = STREQ(key, "size") ? OPT_GROUP_SIZE
                                                                        : OPT_GROUP_INODES;
                                        *ret_option = o;
                                        return 0;
                                }
                        } else if (STREQ(key, "mode") && strlen(value) <= 4 &&
                                   strspn(value, "01234567") == strlen(value) && *value) {
                                *ret_group = OPT_GROUP_MODE;
                                *ret_option = xstrdup(opt);
                                return 0;
                        } else if ((STREQ(key, "uid") || STREQ(key, "gid")) &&
                                   uint_parse(value, strlen(value), UINT32_MAX - 1, &n)) {
                                *ret_group = STREQ(key, "uid") ? OPT_GROUP_UID : OPT_GROUP_GID;
                                *ret_option = xstrdup(opt);
                                return 0;
                        }
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s `%s`: invalid option `%s`",
                                       field, entry, opt);
                }
        }
        return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s `%s`: unknown option `%s`", field, entry,
                       opt);
}

/* Parses the comma list into *ret_options (validated, conflicts refused)
 * and reports which groups were given. */
static int mount_options_parse(const char *field, const char *entry, const char *list, bool tmpfs,
                               bool given[OPT_GROUP__MAX], char ***ret_options, Error **err) {
        _cleanup_strv_ char **parts = split(list, ',');
        _cleanup_strv_ char **out = xnew0(char *, 1);
        for (size_t i = 0; parts[i]; i++) {
                if (!*parts[i])
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "%s `%s`: empty option", field,
                                       entry);
                int group = 0;
                char *opt = NULL;
                if (mount_option_parse(field, entry, parts[i], tmpfs, &group, &opt, err) < 0)
                        return -1;
                if (given[group]) {
                        free(opt);
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "%s `%s`: option `%s` conflicts with an earlier one", field,
                                       entry, parts[i]);
                }
                given[group] = true;
                if (opt)
                        spec_strv_push_take(&out, opt);
        }
        *ret_options = TAKE_PTR(out);
        return 0;
}

static int destination_parse(const char *field, const char *entry, const char *dest, char **ret,
                             Error **err) {
        if (dest[0] != '/')
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "%s `%s`: destination `%s` is not an absolute path", field, entry,
                               dest);
        char *clean = path_clean(dest);
        if (STREQ(clean, "/")) {
                free(clean);
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "%s `%s`: cannot mount over the root directory", field, entry);
        }
        *ret = clean;
        return 0;
}

void spec_volume_arg_clear(SpecVolumeArg *a) {
        free(a->source);
        free(a->destination);
        strv_free(a->options);
        *a = (SpecVolumeArg){ 0 };
}

int spec_volume_arg_parse(const char *text, SpecVolumeArg *ret, Error **err) {
        if (text_check("volumes", text, err) < 0)
                return -1;
        _cleanup_strv_ char **parts = split(text, ':');
        size_t n = spec_strv_length(parts);
        if (n > 3)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "volumes `%s`: expected SOURCE:DESTINATION[:OPTIONS]", text);
        const char *src = n == 1 ? NULL : parts[0];
        const char *dest = n == 1 ? parts[0] : parts[1];
        if (src && !*src)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "volumes `%s`: empty source", text);
        if (src && src[0] != '/' && !spec_volume_name_is_valid(src))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "volumes `%s`: `%s` is neither an absolute path nor a volume name "
                               "([a-zA-Z0-9][a-zA-Z0-9_.-]*)",
                               text, src);
        _cleanup_free_ char *destination = NULL;
        if (destination_parse("volumes", text, dest, &destination, err) < 0)
                return -1;

        bool given[OPT_GROUP__MAX] = { 0 };
        _cleanup_strv_ char **opts = NULL;
        /* An empty OPTIONS part ("a:/b:") reads as one empty option: refused. */
        if (n == 3 && mount_options_parse("volumes", text, parts[2], false, given, &opts, err) < 0)
                return -1;
        /* Podman's defaults: a recursive, private, writable bind. */
        _cleanup_strv_ char **final = xnew0(char *, 1);
        if (!given[OPT_GROUP_BIND])
                spec_strv_push(&final, "rbind");
        if (!given[OPT_GROUP_RW])
                spec_strv_push(&final, "rw");
        if (!given[OPT_GROUP_PROPAGATION])
                spec_strv_push(&final, "rprivate");
        for (size_t i = 0; opts && opts[i]; i++)
                spec_strv_push(&final, opts[i]);

        *ret = (SpecVolumeArg){
                .source = src ? (src[0] == '/' ? path_clean(src) : xstrdup(src)) : NULL,
                .destination = TAKE_PTR(destination),
                .options = TAKE_PTR(final),
                .named = !src || src[0] != '/',
        };
        return 0;
}

void spec_tmpfs_arg_clear(SpecTmpfsArg *a) {
        free(a->destination);
        strv_free(a->options);
        *a = (SpecTmpfsArg){ 0 };
}

int spec_tmpfs_arg_parse(const char *text, SpecTmpfsArg *ret, Error **err) {
        if (text_check("tmpfs", text, err) < 0)
                return -1;
        const char *colon = strchr(text, ':');
        _cleanup_free_ char *dest = colon ? xstrndup(text, (size_t)(colon - text)) : xstrdup(text);
        _cleanup_free_ char *destination = NULL;
        if (destination_parse("tmpfs", text, dest, &destination, err) < 0)
                return -1;
        bool given[OPT_GROUP__MAX] = { 0 };
        _cleanup_strv_ char **opts = NULL;
        if (colon && mount_options_parse("tmpfs", text, colon + 1, true, given, &opts, err) < 0)
                return -1;
        if (!opts)
                opts = xnew0(char *, 1);
        /* Podman's defaults for what the entry leaves open. */
        if (!given[OPT_GROUP_PROPAGATION])
                spec_strv_push(&opts, "rprivate");
        if (!given[OPT_GROUP_RW])
                spec_strv_push(&opts, "rw");
        if (!given[OPT_GROUP_EXEC])
                spec_strv_push(&opts, "noexec");
        if (!given[OPT_GROUP_SUID])
                spec_strv_push(&opts, "nosuid");
        if (!given[OPT_GROUP_DEV])
                spec_strv_push(&opts, "nodev");
        if (!given[OPT_GROUP_SIZE])
                spec_strv_push(&opts, "size=65536k");
        *ret = (SpecTmpfsArg){ .destination = TAKE_PTR(destination), .options = TAKE_PTR(opts) };
        return 0;
}

/* "N" or "N-M" within 1..65535 (or 0..65535 when zero_ok, for host ports). */
static bool port_range_parse(const char *s, size_t len, bool zero_ok, uint16_t *first,
                             uint16_t *last) {
        const char *dash = memchr(s, '-', len);
        uint64_t a, b;
        if (dash) {
                if (!uint_parse(s, (size_t)(dash - s), 65535, &a) ||
                    !uint_parse(dash + 1, len - (size_t)(dash - s) - 1, 65535, &b) || a == 0 ||
                    b < a)
                        return false;
        } else {
                if (!uint_parse(s, len, 65535, &a) || (a == 0 && !zero_ok))
                        return false;
                b = a;
        }
        *first = (uint16_t)a;
        *last = (uint16_t)b;
        return true;
}

static bool protocol_parse(const char *s, char ret[5]) {
        static const char *const protocols[] = { "tcp", "udp", "sctp" };
        for (size_t i = 0; i < ELEMENTSOF(protocols); i++)
                if (strcasecmp(s, protocols[i]) == 0) {
                        strcpy(ret, protocols[i]);
                        return true;
                }
        return false;
}

int spec_expose_arg_parse(const char *text, uint16_t *ret_first, uint16_t *ret_last,
                          char ret_protocol[5], Error **err) {
        if (text_check("exposed_ports", text, err) < 0)
                return -1;
        const char *slash = strchr(text, '/');
        size_t len = slash ? (size_t)(slash - text) : strlen(text);
        char proto[5] = "tcp";
        uint16_t first, last;
        if (!port_range_parse(text, len, false, &first, &last))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "exposed_ports `%s`: invalid port or range", text);
        if (slash && !protocol_parse(slash + 1, proto))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "exposed_ports `%s`: unknown protocol (tcp, udp or sctp)", text);
        *ret_first = first;
        *ret_last = last;
        memcpy(ret_protocol, proto, 5);
        return 0;
}

int spec_publish_arg_parse(const char *text, SpecPublishArg *ret, Error **err) {
        if (text_check("publish", text, err) < 0)
                return -1;
        SpecPublishArg a = { .protocol = "tcp" };
        _cleanup_free_ char *copy = xstrdup(text);
        char *rest = copy;

        char *slash = strrchr(rest, '/');
        if (slash && !strchr(slash, ':') && !strchr(slash, ']')) {
                *slash = '\0';
                if (!protocol_parse(slash + 1, a.protocol))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "publish `%s`: unknown protocol (tcp, udp or sctp)", text);
        }

        char *ip = NULL;
        if (rest[0] == '[') {
                char *close = strchr(rest, ']');
                if (!close || close[1] != ':')
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "publish `%s`: expected [IPv6]:HOSTPORT:PORT", text);
                *close = '\0';
                ip = rest + 1;
                rest = close + 2;
                struct in6_addr a6;
                if (inet_pton(AF_INET6, ip, &a6) != 1)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "publish `%s`: invalid IPv6 address `%s`", text, ip);
                inet_ntop(AF_INET6, &a6, a.host_ip, sizeof a.host_ip);
                if (!strchr(rest, ':'))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "publish `%s`: expected [IPv6]:HOSTPORT:PORT", text);
        }
        _cleanup_strv_ char **parts = split(rest, ':');
        size_t n = spec_strv_length(parts);
        if (n > 3 || (ip && n != 2))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "publish `%s`: expected [IP:][HOSTPORT:]PORT[/PROTOCOL] (IPv6 "
                               "addresses in brackets)",
                               text);
        if (n == 3) {
                struct in_addr a4;
                if (inet_pton(AF_INET, parts[0], &a4) != 1)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "publish `%s`: invalid IP address `%s`", text, parts[0]);
                inet_ntop(AF_INET, &a4, a.host_ip, sizeof a.host_ip);
        }
        const char *host = n >= 2 ? parts[n - 2] : "";
        const char *ctr = parts[n - 1];
        if (!port_range_parse(ctr, strlen(ctr), false, &a.container_first, &a.container_last))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "publish `%s`: invalid container port or range `%s`", text, ctr);
        if (*host && !port_range_parse(host, strlen(host), true, &a.host_first, &a.host_last))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "publish `%s`: invalid host port or range `%s`", text, host);
        unsigned hn = a.host_first ? (unsigned)(a.host_last - a.host_first) + 1 : 0;
        unsigned cn = (unsigned)(a.container_last - a.container_first) + 1;
        if (hn && hn != cn && cn != 1)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "publish `%s`: host and container port ranges differ in size", text);
        *ret = a;
        return 0;
}

static const struct {
        const char *name;
        int resource;
        const char *type;
} ulimits[] = {
        { "as", RLIMIT_AS, "RLIMIT_AS" },
        { "core", RLIMIT_CORE, "RLIMIT_CORE" },
        { "cpu", RLIMIT_CPU, "RLIMIT_CPU" },
        { "data", RLIMIT_DATA, "RLIMIT_DATA" },
        { "fsize", RLIMIT_FSIZE, "RLIMIT_FSIZE" },
        { "locks", RLIMIT_LOCKS, "RLIMIT_LOCKS" },
        { "memlock", RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK" },
        { "msgqueue", RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE" },
        { "nice", RLIMIT_NICE, "RLIMIT_NICE" },
        { "nofile", RLIMIT_NOFILE, "RLIMIT_NOFILE" },
        { "nproc", RLIMIT_NPROC, "RLIMIT_NPROC" },
        { "rss", RLIMIT_RSS, "RLIMIT_RSS" },
        { "rtprio", RLIMIT_RTPRIO, "RLIMIT_RTPRIO" },
        { "rttime", RLIMIT_RTTIME, "RLIMIT_RTTIME" },
        { "sigpending", RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING" },
        { "stack", RLIMIT_STACK, "RLIMIT_STACK" },
};

static bool rlimit_value_parse(const char *s, uint64_t *ret) {
        if (STREQ(s, "-1") || strcasecmp(s, "unlimited") == 0) {
                *ret = RLIM_INFINITY;
                return true;
        }
        return uint_parse(s, strlen(s), INT64_MAX, ret);
}

int spec_ulimit_arg_parse(const char *text, SpecUlimitArg *ret, Error **err) {
        if (text_check("resources.ulimit", text, err) < 0)
                return -1;
        const char *eq = strchr(text, '=');
        if (!eq)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.ulimit `%s`: expected NAME=SOFT[:HARD]", text);
        _cleanup_free_ char *name = xstrndup(text, (size_t)(eq - text));
        const char *n = strncasecmp(name, "RLIMIT_", 7) == 0 ? name + 7 : name;
        SpecUlimitArg a = { .resource = -1 };
        for (size_t i = 0; i < ELEMENTSOF(ulimits); i++)
                if (strcasecmp(n, ulimits[i].name) == 0) {
                        a.resource = ulimits[i].resource;
                        a.type = ulimits[i].type;
                }
        if (a.resource < 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.ulimit `%s`: unknown limit `%s`", text, name);
        const char *colon = strchr(eq + 1, ':');
        _cleanup_free_ char *soft =
                colon ? xstrndup(eq + 1, (size_t)(colon - eq - 1)) : xstrdup(eq + 1);
        if (!rlimit_value_parse(soft, &a.soft) ||
            (colon && !rlimit_value_parse(colon + 1, &a.hard)))
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.ulimit `%s`: invalid value (a number, -1 or unlimited)",
                               text);
        if (!colon)
                a.hard = a.soft;
        if (a.soft > a.hard)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "resources.ulimit `%s`: soft limit is greater than hard limit",
                               text);
        *ret = a;
        return 0;
}

void spec_device_arg_clear(SpecDeviceArg *a) {
        free(a->host);
        free(a->container);
        *a = (SpecDeviceArg){ 0 };
}

static bool perms_parse(const char *s, char ret[4]) {
        size_t len = strlen(s);
        if (len == 0 || len > 3 || strspn(s, "rwm") != len)
                return false;
        for (size_t i = 0; i < len; i++)
                if (strchr(s + i + 1, s[i]))
                        return false;
        memcpy(ret, s, len + 1);
        return true;
}

int spec_device_arg_parse(const char *text, SpecDeviceArg *ret, Error **err) {
        if (text_check("devices", text, err) < 0)
                return -1;
        _cleanup_strv_ char **parts = split(text, ':');
        size_t n = spec_strv_length(parts);
        SpecDeviceArg a = { .perms = "rwm" };
        const char *container = NULL;
        if (n > 3)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "devices `%s`: expected HOST[:CONTAINER][:PERMISSIONS]", text);
        if (n == 3) {
                container = parts[1];
                if (!perms_parse(parts[2], a.perms))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "devices `%s`: invalid permissions `%s` (from r, w, m)",
                                       text, parts[2]);
        } else if (n == 2) {
                if (parts[1][0] == '/')
                        container = parts[1];
                else if (!perms_parse(parts[1], a.perms))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "devices `%s`: `%s` is neither a path nor permissions", text,
                                       parts[1]);
        }
        if (parts[0][0] != '/')
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "devices `%s`: host device `%s` is not an absolute path", text,
                               parts[0]);
        if (container && container[0] != '/')
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "devices `%s`: container path `%s` is not absolute", text,
                               container);
        a.host = path_clean(parts[0]);
        a.container = path_clean(container ? container : parts[0]);
        if (STREQ(a.container, "/")) {
                spec_device_arg_clear(&a);
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "devices `%s`: invalid container path",
                               text);
        }
        *ret = a;
        return 0;
}

int spec_device_limit_parse(const char *text, SpecLimitKind kind, char **ret_path,
                            uint64_t *ret_value, Error **err) {
        if (text_check("device limit", text, err) < 0)
                return -1;
        const char *colon = strrchr(text, ':');
        if (!colon || colon == text || text[0] != '/')
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "`%s`: expected /DEVICE/PATH:VALUE",
                               text);
        const char *v = colon + 1;
        uint64_t value;
        int64_t size;
        switch (kind) {
        case SPEC_LIMIT_WEIGHT:
                if (!uint_parse(v, strlen(v), 1000, &value) || value < 10)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "`%s`: weight must be between 10 and 1000", text);
                break;
        case SPEC_LIMIT_BPS:
                if (spec_size_parse(v, &size, NULL) < 0)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "`%s`: invalid rate (bytes per second, e.g. 1mb)", text);
                value = (uint64_t)size;
                break;
        case SPEC_LIMIT_IOPS:
        default:
                if (!uint_parse(v, strlen(v), INT64_MAX, &value))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "`%s`: invalid rate (I/O operations per second)", text);
                break;
        }
        *ret_path = xstrndup(text, (size_t)(colon - text));
        *ret_value = value;
        return 0;
}

int spec_idmap_parse(const char *text, SpecIdMap *ret, Error **err) {
        _cleanup_strv_ char **parts = split(text, ':');
        uint64_t c, h, s;
        if (spec_strv_length(parts) != 3 ||
            !uint_parse(parts[0], strlen(parts[0]), UINT32_MAX, &c) ||
            !uint_parse(parts[1], strlen(parts[1]), UINT32_MAX, &h) ||
            !uint_parse(parts[2], strlen(parts[2]), UINT32_MAX, &s) || s == 0)
                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                               "`%s`: expected CONTAINER_ID:HOST_ID:SIZE", text);
        if (c + s > (uint64_t)UINT32_MAX || h + s > (uint64_t)UINT32_MAX)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "`%s`: range exceeds 32-bit ids",
                               text);
        *ret = (SpecIdMap){ (uint32_t)c, (uint32_t)h, (uint32_t)s };
        return 0;
}

int spec_cpuset_check(const char *text, Error **err) {
        /* The kernel's cpulist syntax, bounded by its NR_CPUS maximum. */
        _cleanup_strv_ char **parts = split(text, ',');
        for (size_t i = 0; parts[i]; i++) {
                const char *p = parts[i];
                const char *dash = strchr(p, '-');
                uint64_t x, y;
                if (dash) {
                        if (!uint_parse(p, (size_t)(dash - p), 8191, &x) ||
                            !uint_parse(dash + 1, strlen(dash + 1), 8191, &y) || y < x)
                                goto bad;
                } else if (!uint_parse(p, strlen(p), 8191, &x))
                        goto bad;
        }
        return 0;
bad:
        return err_set(err, ERR_INVALID_ARGUMENT, 0, "invalid cpu or memory node list `%s`", text);
}

static const char *const cap_names[] = {
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",
        "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG",
        "CAP_MKNOD",
        "CAP_LEASE",
        "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN",
        "CAP_SYSLOG",
        "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ",
        "CAP_PERFMON",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

int spec_cap_from_name(const char *name) {
        const char *n = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
        for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
                if (strcasecmp(n, cap_names[i] + 4) == 0)
                        return (int)i;
        return -1;
}

const char *spec_cap_name(int cap) {
        if (cap < 0 || (size_t)cap >= ELEMENTSOF(cap_names))
                return NULL;
        return cap_names[cap];
}
