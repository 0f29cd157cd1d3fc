/* SPDX-License-Identifier: Apache-2.0 */
/* ps for a container, from /proc/PID/{stat,status,cmdline} of its
 * processes: running the host's ps would show host PIDs and host user
 * names, and the container's own ps may not exist. Two renderings:
 * ps(1)'s (space-aligned, "00:00:01") for ps options, and psgo's (TAB
 * joined, Go durations) for the descriptors of io.podman's
 * ListContainerProcesses, as podman 1.0 answered it. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "runtime-private.h"
#include "timefmt.h"
#include "xalloc.h"

typedef enum PsStyle {
        PS_STYLE_PS,   /* ps(1) */
        PS_STYLE_PSGO, /* psgo, as podman top */
} PsStyle;

typedef enum PsKind {
        K_PID,
        K_PPID,
        K_PGID,
        K_UID,
        K_GID,
        K_USER,
        K_RUSER,
        K_GROUP,
        K_RGROUP,
        K_COMM,
        K_ARGS,
        K_ETIME,
        K_TIME,
        K_PCPU,
        K_C,
        K_PMEM,
        K_VSZ,
        K_RSS,
        K_TTY,
        K_STAT,
        K_STATE,
        K_NICE,
        K_STIME,
        K_CAPAMB,
        K_CAPINH,
        K_CAPPRM,
        K_CAPEFF,
        K_CAPBND,
        K_SECCOMP,
        K_LABEL,
        K_HPID,
        K_HUSER,
        K_HGROUP,
} PsKind;

typedef struct PsDescriptor {
        PsKind kind;
        const char *psgo;     /* psgo name, NULL when psgo lacks it */
        const char *aix;      /* psgo's AIX code or NULL */
        const char *ps_names; /* ps(1) -o names, space separated, NULL when ps lacks it */
        const char *header;   /* psgo's header, and ps's unless ps_header is set */
        const char *ps_header;
        bool numeric; /* right-aligned in ps style */
} PsDescriptor;

static const PsDescriptor descriptors[] = {
        { K_PCPU, "pcpu", "%C", "pcpu %cpu", "%CPU", NULL, true },
        { K_GROUP, "group", "%G", "group egroup", "GROUP", NULL, false },
        { K_PPID, "ppid", "%P", "ppid", "PPID", NULL, true },
        { K_USER, "user", "%U", "user euser uname", "USER", NULL, false },
        { K_ARGS, "args", "%a", "args cmd command", "COMMAND", NULL, false },
        { K_COMM, "comm", "%c", "comm ucmd ucomm", "COMMAND", NULL, false },
        { K_RGROUP, "rgroup", "%g", "rgroup", "RGROUP", NULL, false },
        { K_NICE, "nice", "%n", "nice ni", "NI", NULL, true },
        { K_PID, "pid", "%p", "pid", "PID", NULL, true },
        { K_PGID, "pgid", "%r", "pgid pgrp", "PGID", NULL, true },
        { K_ETIME, "etime", "%t", "etime", "ELAPSED", NULL, true },
        { K_RUSER, "ruser", "%u", "ruser", "RUSER", NULL, false },
        { K_TIME, "time", "%x", "time cputime", "TIME", NULL, true },
        { K_TTY, "tty", "%y", "tty tt tname", "TTY", "TT", false },
        { K_VSZ, "vsz", "%z", "vsz vsize", "VSZ", NULL, true },
        { K_CAPAMB, "capamb", NULL, NULL, "AMBIENT CAPS", NULL, false },
        { K_CAPINH, "capinh", NULL, NULL, "INHERITED CAPS", NULL, false },
        { K_CAPPRM, "capprm", NULL, NULL, "PERMITTED CAPS", NULL, false },
        { K_CAPEFF, "capeff", NULL, NULL, "EFFECTIVE CAPS", NULL, false },
        { K_CAPBND, "capbnd", NULL, NULL, "BOUNDING CAPS", NULL, false },
        { K_SECCOMP, "seccomp", NULL, NULL, "SECCOMP", NULL, false },
        { K_LABEL, "label", NULL, "label", "LABEL", NULL, false },
        { K_HPID, "hpid", NULL, NULL, "HPID", NULL, true },
        { K_HUSER, "huser", NULL, NULL, "HUSER", NULL, false },
        { K_HGROUP, "hgroup", NULL, NULL, "HGROUP", NULL, false },
        { K_STATE, "state", NULL, "s state", "STATE", "S", false },
        { K_UID, NULL, NULL, "uid euid", "UID", NULL, true },
        { K_GID, NULL, NULL, "gid egid", "GID", NULL, true },
        { K_C, NULL, NULL, "c", "C", NULL, true },
        { K_PMEM, NULL, NULL, "pmem %mem", "%MEM", NULL, true },
        { K_RSS, NULL, NULL, "rss rssize rsz", "RSS", NULL, true },
        { K_STAT, NULL, NULL, "stat", "STAT", NULL, false },
        { K_STIME, NULL, NULL, "stime start start_time", "STIME", NULL, false },
};

typedef struct PsColumn {
        const PsDescriptor *d;
        char *header;
} PsColumn;

struct RuntimePsFormat {
        PsStyle style;
        PsColumn *columns;
        size_t n, cap;
};

RuntimePsFormat *runtime_ps_format_free(RuntimePsFormat *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n; i++)
                free(f->columns[i].header);
        free(f->columns);
        free(f);
        return NULL;
}

static void column_add(RuntimePsFormat *f, const PsDescriptor *d, const char *header) {
        xgrow((void **)&f->columns, &f->cap, f->n + 1, sizeof *f->columns);
        if (!header)
                header = f->style == PS_STYLE_PS && d->ps_header ? d->ps_header : d->header;
        f->columns[f->n++] = (PsColumn){ d, xstrdup(header) };
}

static bool word_in(const char *list, const char *word, size_t len) {
        for (const char *p = list; p && *p;) {
                size_t n = strcspn(p, " ");
                if (n == len && strncmp(p, word, len) == 0)
                        return true;
                p += n;
                while (*p == ' ')
                        p++;
        }
        return false;
}

static const PsDescriptor *ps_name_find(const char *name, size_t len) {
        for (size_t i = 0; i < ELEMENTSOF(descriptors); i++)
                if (descriptors[i].ps_names && word_in(descriptors[i].ps_names, name, len))
                        return &descriptors[i];
        return NULL;
}

static const PsDescriptor *kind_find(PsKind k) {
        for (size_t i = 0; i < ELEMENTSOF(descriptors); i++)
                if (descriptors[i].kind == k)
                        return &descriptors[i];
        return NULL;
}

/* "pid,user=NAME,comm" or "pid user comm" (ps accepts both). */
static int columns_parse(RuntimePsFormat *f, const char *list, Error **err) {
        _cleanup_free_ char *copy = xstrdup(list);
        char *save = NULL;
        for (char *t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
                char *eq = strchr(t, '=');
                size_t len = eq ? (size_t)(eq - t) : strlen(t);
                const PsDescriptor *d = ps_name_find(t, len);
                if (!d)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "ps: unknown column `%.*s`",
                                       (int)len, t);
                column_add(f, d, eq ? eq + 1 : NULL);
        }
        return 0;
}

typedef struct PsPreset {
        PsKind kind;
        const char *header;
} PsPreset;

static void preset_add(RuntimePsFormat *f, const PsPreset *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                column_add(f, kind_find(p[i].kind), p[i].header);
}

int runtime_ps_format_from_options(const char *const *opts, size_t n, RuntimePsFormat **ret,
                                   Error **err) {
        _cleanup_(runtime_ps_format_freep) RuntimePsFormat *f = xnew0(RuntimePsFormat, 1);
        f->style = PS_STYLE_PS;
        bool full = false, bsd_user = false;
        for (size_t i = 0; i < n; i++) {
                const char *t = opts[i];
                if (STRPREFIX(t, "--format") || STREQ(t, "-O")) {
                        const char *list = t[8] == '=' ? t + 9 : i + 1 < n ? opts[++i] : NULL;
                        if (!list)
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "ps: `%s` needs a column list", t);
                        if (columns_parse(f, list, err) < 0)
                                return -1;
                        continue;
                }
                bool dash = t[0] == '-', done = false;
                for (const char *c = t + dash; *c && !done; c++) {
                        switch (*c) {
                        case 'e':
                        case 'A':
                        case 'a':
                        case 'x':
                                /* "every process": they all are the container's. */
                                break;
                        case 'f':
                                if (dash)
                                        full = true;
                                break;
                        case 'u':
                                if (dash)
                                        return err_set(
                                                err, ERR_INVALID_ARGUMENT, 0,
                                                "ps: `-u` (select by user) is not supported");
                                bsd_user = true;
                                break;
                        case 'o': {
                                /* "-opid,comm" or "-o" "pid,comm"; the list ends the token. */
                                const char *list = c[1] ? c + 1 : i + 1 < n ? opts[++i] : NULL;
                                if (!list)
                                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                                       "ps: `-o` needs a column list");
                                if (columns_parse(f, list, err) < 0)
                                        return -1;
                                done = true;
                                break;
                        }
                        default:
                                return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                               "ps: unsupported option `%s`", t);
                        }
                }
        }
        if (f->n > 0) {
                /* -o wins over -f and u, as in procps. */
        } else if (full) {
                static const PsPreset p[] = { { K_USER, "UID" }, { K_PID, NULL },
                                              { K_PPID, NULL },  { K_C, NULL },
                                              { K_STIME, NULL }, { K_TTY, "TTY" },
                                              { K_TIME, NULL },  { K_ARGS, "CMD" } };
                preset_add(f, p, ELEMENTSOF(p));
        } else if (bsd_user) {
                static const PsPreset p[] = {
                        { K_USER, NULL },     { K_PID, NULL },  { K_PCPU, NULL }, { K_PMEM, NULL },
                        { K_VSZ, NULL },      { K_RSS, NULL },  { K_TTY, "TTY" }, { K_STAT, NULL },
                        { K_STIME, "START" }, { K_TIME, NULL }, { K_ARGS, NULL }
                };
                preset_add(f, p, ELEMENTSOF(p));
        } else {
                static const PsPreset p[] = {
                        { K_PID, NULL }, { K_TTY, "TTY" }, { K_TIME, NULL }, { K_COMM, "CMD" }
                };
                preset_add(f, p, ELEMENTSOF(p));
        }
        *ret = TAKE_PTR(f);
        return 0;
}

int runtime_ps_format_from_descriptors(const char *const *ds, size_t n, RuntimePsFormat **ret,
                                       Error **err) {
        _cleanup_(runtime_ps_format_freep) RuntimePsFormat *f = xnew0(RuntimePsFormat, 1);
        f->style = PS_STYLE_PSGO;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *d = xstrdup(ds[i]);
                char *s = d;
                while (*s == ' ' || *s == '\t')
                        s++;
                runtime_strip(s);
                const PsDescriptor *found = NULL;
                for (size_t k = 0; k < ELEMENTSOF(descriptors) && !found; k++) {
                        const PsDescriptor *c = &descriptors[k];
                        if (c->psgo && (STREQ(s, c->psgo) || (c->aix && STREQ(s, c->aix))))
                                found = c;
                }
                if (!found)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "'%s': unknown descriptor", s);
                column_add(f, found, NULL);
        }
        *ret = TAKE_PTR(f);
        return 0;
}

/* ---- reading /proc ----------------------------------------------------- */

typedef struct Proc {
        pid_t hpid, pid, hppid, pgid;
        char state;
        char comm[64];
        int tty_nr, tpgid, sid_host, nice, threads;
        uint64_t utime, stime, starttime, vsize, rss_pages;
        uid_t ruid, euid;
        gid_t rgid, egid;
        uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
        int seccomp;
        char *args;
} Proc;

/* The last number of a "NSpid:\t12\t1" status line: the PID as the
 * innermost namespace (the container's) sees it. */
static long status_ns_last(const char *status, const char *key) {
        const char *p = strstr(status, key);
        if (!p)
                return -1;
        p += strlen(key);
        long v = -1;
        for (;;) {
                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p < '0' || *p > '9')
                        break;
                v = strtol(p, (char **)&p, 10);
        }
        return v;
}

static bool status_ids(const char *status, const char *key, unsigned long *real,
                       unsigned long *eff) {
        const char *p = strstr(status, key);
        return p && sscanf(p + strlen(key), "%lu %lu", real, eff) == 2;
}

static uint64_t status_hex(const char *status, const char *key) {
        const char *p = strstr(status, key);
        return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

static bool proc_read(pid_t hpid, Proc *p) {
        char path[64];
        _cleanup_free_ char *stat = NULL, *status = NULL, *cmdline = NULL;
        size_t cmdlen = 0;
        snprintf(path, sizeof path, "/proc/%d/stat", (int)hpid);
        if (runtime_file_read(path, 1 << 16, &stat, NULL, NULL) < 0)
                return false;
        snprintf(path, sizeof path, "/proc/%d/status", (int)hpid);
        if (runtime_file_read(path, 1 << 16, &status, NULL, NULL) < 0)
                return false;
        snprintf(path, sizeof path, "/proc/%d/cmdline", (int)hpid);
        if (runtime_file_read(path, 1 << 20, &cmdline, &cmdlen, NULL) < 0)
                cmdlen = 0;

        /* comm may hold spaces and parentheses: it ends at the last ')'. */
        char *open_paren = strchr(stat, '('), *close_paren = strrchr(stat, ')');
        if (!open_paren || !close_paren || close_paren < open_paren)
                return false;
        *p = (Proc){ .hpid = hpid };
        size_t clen = (size_t)(close_paren - open_paren - 1);
        if (clen >= sizeof p->comm)
                clen = sizeof p->comm - 1;
        memcpy(p->comm, open_paren + 1, clen);
        p->comm[clen] = '\0';

        /* Fields from 3 (state) on; see proc(5). */
        long long f[50] = { 0 };
        int nf = 0;
        char *s = close_paren + 2;
        if (*s)
                p->state = *s++;
        while (nf < 50 && *s) {
                char *end;
                f[nf] = strtoll(s, &end, 10);
                if (end == s)
                        break;
                nf++;
                s = end;
        }
        if (nf < 20)
                return false;
        /* f[0] is field 4 (ppid). */
        p->hppid = (pid_t)f[0];
        p->sid_host = (int)f[2];
        p->tty_nr = (int)f[3];
        p->tpgid = (int)f[4];
        p->utime = (uint64_t)f[10];
        p->stime = (uint64_t)f[11];
        p->nice = (int)f[15];
        p->threads = (int)f[16];
        p->starttime = (uint64_t)f[18];
        p->vsize = (uint64_t)f[19];
        p->rss_pages = nf > 20 ? (uint64_t)f[20] : 0;

        long nspid = status_ns_last(status, "\nNSpid:");
        p->pid = nspid > 0 ? (pid_t)nspid : hpid;
        long nspgid = status_ns_last(status, "\nNSpgid:");
        p->pgid = nspgid >= 0 ? (pid_t)nspgid : (pid_t)f[1];
        unsigned long r, e;
        if (status_ids(status, "\nUid:", &r, &e)) {
                p->ruid = (uid_t)r;
                p->euid = (uid_t)e;
        }
        if (status_ids(status, "\nGid:", &r, &e)) {
                p->rgid = (gid_t)r;
                p->egid = (gid_t)e;
        }
        p->cap_inh = status_hex(status, "\nCapInh:");
        p->cap_prm = status_hex(status, "\nCapPrm:");
        p->cap_eff = status_hex(status, "\nCapEff:");
        p->cap_bnd = status_hex(status, "\nCapBnd:");
        p->cap_amb = status_hex(status, "\nCapAmb:");
        const char *sc = strstr(status, "\nSeccomp:");
        p->seccomp = sc ? atoi(sc + 9) : 0;

        if (cmdlen > 0) {
                while (cmdlen > 0 && cmdline[cmdlen - 1] == '\0')
                        cmdlen--;
                for (size_t i = 0; i < cmdlen; i++)
                        if (cmdline[i] == '\0')
                                cmdline[i] = ' ';
                cmdline[cmdlen] = '\0';
                p->args = TAKE_PTR(cmdline);
        } else
                p->args = xasprintf("[%s]", p->comm); /* kernel threads, zombies */
        return true;
}

/* Opens a file of the container's filesystem through /proc/PID/root with
 * RESOLVE_IN_ROOT, so a symlink the container planted (etc/passwd ->
 * /etc/shadow) resolves inside the container, not on the host. */
static char *container_file_read(pid_t hpid, const char *rel) {
        char root[64];
        snprintf(root, sizeof root, "/proc/%d/root", (int)hpid);
        _cleanup_close_ int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return NULL;
        struct open_how how = { .flags = O_RDONLY | O_CLOEXEC,
                                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        _cleanup_close_ int fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof how);
        if (fd < 0)
                return NULL;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20))
                return NULL;
        char *buf = xmalloc((size_t)st.st_size + 1);
        size_t len = 0;
        for (;;) {
                ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
                if (n <= 0)
                        break;
                len += (size_t)n;
                if (len == (size_t)st.st_size)
                        break;
        }
        buf[len] = '\0';
        return buf;
}

/* The name of id in a passwd or group file's text ("name:x:ID:..."). */
static char *db_name(const char *text, unsigned long id) {
        for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
                const char *c1 = strchr(l, ':');
                const char *eol = strchrnul(l, '\n');
                if (!c1 || c1 > eol)
                        continue;
                const char *c2 = strchr(c1 + 1, ':');
                if (!c2 || c2 > eol)
                        continue;
                char *end;
                unsigned long v = strtoul(c2 + 1, &end, 10);
                if (end != c2 + 1 && *end == ':' && v == id)
                        return xstrndup(l, (size_t)(c1 - l));
        }
        return NULL;
}

typedef struct PsContext {
        PsStyle style;
        long hz;
        int64_t boot_ns;    /* CLOCK_BOOTTIME now */
        int64_t now_ns;     /* realtime now */
        uint64_t mem_total; /* kB */
        uint64_t cap_full;
        char *passwd, *group; /* the container's, or NULL */
        const Proc *procs;
        size_t n;
} PsContext;

static char *id_name(const char *db, unsigned long id) {
        char *name = db ? db_name(db, id) : NULL;
        return name ? name : xasprintf("%lu", id);
}

static char *host_user(uid_t uid) {
        char buf[4096];
        struct passwd pw, *res = NULL;
        if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res)
                return xstrdup(res->pw_name);
        return xasprintf("%u", (unsigned)uid);
}

static char *host_group(gid_t gid) {
        char buf[4096];
        struct group gr, *res = NULL;
        if (getgrgid_r(gid, &gr, buf, sizeof buf, &res) == 0 && res)
                return xstrdup(res->gr_name);
        return xasprintf("%u", (unsigned)gid);
}

static const char *const cap_names[] = {
        "CHOWN",
        "DAC_OVERRIDE",
        "DAC_READ_SEARCH",
        "FOWNER",
        "FSETID",
        "KILL",
        "SETGID",
        "SETUID",
        "SETPCAP",
        "LINUX_IMMUTABLE",
        "NET_BIND_SERVICE",
        "NET_BROADCAST",
        "NET_ADMIN",
        "NET_RAW",
        "IPC_LOCK",
        "IPC_OWNER",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_CHROOT",
        "SYS_PTRACE",
        "SYS_PACCT",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_NICE",
        "SYS_RESOURCE",
        "SYS_TIME",
        "SYS_TTY_CONFIG",
        "MKNOD",
        "LEASE",
        "AUDIT_WRITE",
        "AUDIT_CONTROL",
        "SETFCAP",
        "MAC_OVERRIDE",
        "MAC_ADMIN",
        "SYSLOG",
        "WAKE_ALARM",
        "BLOCK_SUSPEND",
        "AUDIT_READ",
        "PERFMON",
        "BPF",
        "CHECKPOINT_RESTORE",
};

/* psgo's rendering of a capability set: "none", "full", or names. */
static char *caps_format(uint64_t mask, uint64_t full) {
        if (mask == 0)
                return xstrdup("none");
        if ((mask & full) == full)
                return xstrdup("full");
        char *out = xstrdup("");
        for (unsigned i = 0; i < 64; i++) {
                if (!(mask & (1ULL << i)))
                        continue;
                char *name =
                        i < ELEMENTSOF(cap_names) ? xstrdup(cap_names[i]) : xasprintf("CAP_%u", i);
                char *next = *out ? xasprintf("%s,%s", out, name) : xstrdup(name);
                free(name);
                free(out);
                out = next;
        }
        return out;
}

static char *tty_format(int tty_nr) {
        unsigned major = ((unsigned)tty_nr >> 8) & 0xfff;
        unsigned minor = ((unsigned)tty_nr & 0xff) | (((unsigned)tty_nr >> 12) & 0xfff00);
        if (tty_nr == 0)
                return xstrdup("?");
        if (major >= 136 && major <= 143)
                return xasprintf("pts/%u", minor + (major - 136) * 256);
        if (major == 4)
                return minor < 64 ? xasprintf("tty%u", minor) : xasprintf("ttyS%u", minor - 64);
        return xasprintf("%u:%u", major, minor);
}

/* ps's [[DD-]hh:]mm:ss for elapsed time. */
static char *etime_format(int64_t secs) {
        if (secs < 0)
                secs = 0;
        int64_t d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60, s = secs % 60;
        if (d)
                return xasprintf("%lld-%02lld:%02lld:%02lld", (long long)d, (long long)h,
                                 (long long)m, (long long)s);
        if (h)
                return xasprintf("%02lld:%02lld:%02lld", (long long)h, (long long)m, (long long)s);
        return xasprintf("%02lld:%02lld", (long long)m, (long long)s);
}

/* ps's [DD-]hh:mm:ss for CPU time. */
static char *cputime_format(int64_t secs) {
        int64_t d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60, s = secs % 60;
        if (d)
                return xasprintf("%lld-%02lld:%02lld:%02lld", (long long)d, (long long)h,
                                 (long long)m, (long long)s);
        return xasprintf("%02lld:%02lld:%02lld", (long long)h, (long long)m, (long long)s);
}

static char *stime_format(int64_t start_ns, int64_t now_ns) {
        time_t start = (time_t)(start_ns / 1000000000LL), now = (time_t)(now_ns / 1000000000LL);
        struct tm ts, tn;
        localtime_r(&start, &ts);
        localtime_r(&now, &tn);
        char buf[32];
        if (ts.tm_year == tn.tm_year && ts.tm_yday == tn.tm_yday)
                strftime(buf, sizeof buf, "%H:%M", &ts);
        else if (ts.tm_year == tn.tm_year)
                strftime(buf, sizeof buf, "%b%d", &ts);
        else
                strftime(buf, sizeof buf, "%Y", &ts);
        return xstrdup(buf);
}

static char *stat_format(const Proc *p) {
        char buf[16];
        size_t k = 0;
        buf[k++] = p->state ? p->state : '?';
        if (p->nice < 0)
                buf[k++] = '<';
        else if (p->nice > 0)
                buf[k++] = 'N';
        if (p->sid_host == p->hpid)
                buf[k++] = 's';
        if (p->threads > 1)
                buf[k++] = 'l';
        if (p->tpgid > 0 && p->tpgid == (int)p->hpid)
                buf[k++] = '+';
        buf[k] = '\0';
        return xstrdup(buf);
}

static pid_t ns_ppid(const PsContext *c, const Proc *p) {
        /* The parent's PID as the container sees it; a parent outside the
         * container (conmon, the runtime) shows as 0, as in the container. */
        for (size_t i = 0; i < c->n; i++)
                if (c->procs[i].hpid == p->hppid)
                        return c->procs[i].pid;
        return 0;
}

static char *value_render(const PsContext *c, const Proc *p, PsKind k) {
        int64_t elapsed_ns =
                c->boot_ns - (int64_t)(p->starttime * (1000000000ULL / (uint64_t)c->hz));
        if (elapsed_ns < 0)
                elapsed_ns = 0;
        uint64_t cpu_ticks = p->utime + p->stime;
        double cpu_s = (double)cpu_ticks / (double)c->hz;
        double pcpu = elapsed_ns > 0 ? cpu_s * 100.0 / ((double)elapsed_ns / 1e9) : 0.0;
        bool go = c->style == PS_STYLE_PSGO;

        switch (k) {
        case K_PID:
                return xasprintf("%d", (int)p->pid);
        case K_PPID:
                return xasprintf("%d", (int)ns_ppid(c, p));
        case K_PGID:
                return xasprintf("%d", (int)p->pgid);
        case K_UID:
                return xasprintf("%u", (unsigned)p->euid);
        case K_GID:
                return xasprintf("%u", (unsigned)p->egid);
        case K_USER:
                return id_name(c->passwd, p->euid);
        case K_RUSER:
                return id_name(c->passwd, p->ruid);
        case K_GROUP:
                return id_name(c->group, p->egid);
        case K_RGROUP:
                return id_name(c->group, p->rgid);
        case K_COMM:
                return xstrdup(p->comm);
        case K_ARGS:
                return xstrdup(p->args);
        case K_ETIME:
                return go ? timefmt_go_duration(elapsed_ns)
                          : etime_format(elapsed_ns / 1000000000LL);
        case K_TIME:
                return go ? timefmt_go_duration(
                                    (int64_t)(cpu_ticks * (1000000000ULL / (uint64_t)c->hz)))
                          : cputime_format((int64_t)cpu_s);
        case K_PCPU:
                return go ? xasprintf("%.3f", pcpu) : xasprintf("%.1f", pcpu);
        case K_C:
                return xasprintf("%d", (int)pcpu);
        case K_PMEM: {
                uint64_t rss_kb = p->rss_pages * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
                return xasprintf("%.1f",
                                 c->mem_total ? rss_kb * 100.0 / (double)c->mem_total : 0.0);
        }
        case K_VSZ:
                return xasprintf("%llu", (unsigned long long)(p->vsize / 1024));
        case K_RSS:
                return xasprintf("%llu",
                                 (unsigned long long)(p->rss_pages *
                                                      (uint64_t)sysconf(_SC_PAGESIZE) / 1024));
        case K_TTY:
                return tty_format(p->tty_nr);
        case K_STAT:
                return stat_format(p);
        case K_STATE:
                return xasprintf("%c", p->state ? p->state : '?');
        case K_NICE:
                return xasprintf("%d", p->nice);
        case K_STIME:
                return stime_format(c->now_ns - elapsed_ns, c->now_ns);
        case K_CAPAMB:
                return caps_format(p->cap_amb, c->cap_full);
        case K_CAPINH:
                return caps_format(p->cap_inh, c->cap_full);
        case K_CAPPRM:
                return caps_format(p->cap_prm, c->cap_full);
        case K_CAPEFF:
                return caps_format(p->cap_eff, c->cap_full);
        case K_CAPBND:
                return caps_format(p->cap_bnd, c->cap_full);
        case K_SECCOMP:
                return xstrdup(p->seccomp == 2   ? "filter"
                               : p->seccomp == 1 ? "strict"
                                                 : "disabled");
        case K_LABEL: {
                char path[64];
                snprintf(path, sizeof path, "/proc/%d/attr/current", (int)p->hpid);
                _cleanup_free_ char *label = NULL;
                if (runtime_file_read(path, 4096, &label, NULL, NULL) < 0)
                        return xstrdup("?");
                runtime_strip(label);
                return xstrdup(*label ? label : "?");
        }
        case K_HPID:
                return xasprintf("%d", (int)p->hpid);
        case K_HUSER:
                return host_user(p->euid);
        case K_HGROUP:
                return host_group(p->egid);
        }
        return xstrdup("?");
}

static void ctx_init(PsContext *c, PsStyle style, const Proc *procs, size_t n) {
        *c = (PsContext){ .style = style, .procs = procs, .n = n };
        c->hz = sysconf(_SC_CLK_TCK);
        if (c->hz <= 0)
                c->hz = 100;
        struct timespec ts;
        clock_gettime(CLOCK_BOOTTIME, &ts);
        c->boot_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
        c->now_ns = runtime_now_ns();
        _cleanup_free_ char *meminfo = NULL;
        if (runtime_file_read("/proc/meminfo", 1 << 16, &meminfo, NULL, NULL) == 0) {
                const char *m = strstr(meminfo, "MemTotal:");
                if (m)
                        c->mem_total = strtoull(m + 9, NULL, 10);
        }
        uint64_t last = 40;
        if (runtime_file_read_u64("/proc/sys/kernel/cap_last_cap", &last, NULL) < 0 || last > 63)
                last = 40;
        c->cap_full = last == 63 ? UINT64_MAX : (1ULL << (last + 1)) - 1;
        /* One container, one root: its first process's files serve all. */
        for (size_t i = 0; i < n && !c->passwd; i++) {
                c->passwd = container_file_read(procs[i].hpid, "etc/passwd");
                if (c->passwd)
                        c->group = container_file_read(procs[i].hpid, "etc/group");
        }
}

static void ctx_clear(PsContext *c) {
        free(c->passwd);
        free(c->group);
}

int runtime_ps_lines(const RuntimePsFormat *f, const pid_t *pids, size_t n, char ***ret_lines,
                     size_t *ret_n, Error **err) {
        Proc *procs = xnew0(Proc, n ? n : 1);
        size_t np = 0;
        for (size_t i = 0; i < n; i++)
                if (proc_read(pids[i], &procs[np]))
                        np++;
        PsContext c;
        ctx_init(&c, f->style, procs, np);

        /* cells[row][col]; row 0 is the header. */
        size_t rows = np + 1, cols = f->n;
        char **cells = xnew0(char *, rows *(cols ? cols : 1));
        for (size_t j = 0; j < cols; j++)
                cells[j] = xstrdup(f->columns[j].header);
        for (size_t i = 0; i < np; i++)
                for (size_t j = 0; j < cols; j++)
                        cells[(i + 1) * cols + j] =
                                value_render(&c, &procs[i], f->columns[j].d->kind);

        size_t *width = xnew0(size_t, cols ? cols : 1);
        for (size_t i = 0; i < rows; i++)
                for (size_t j = 0; j < cols; j++) {
                        size_t w = strlen(cells[i * cols + j]);
                        if (w > width[j])
                                width[j] = w;
                }

        bool any_header = false;
        for (size_t j = 0; j < cols; j++)
                any_header |= *f->columns[j].header != '\0';
        /* ps prints no header line when every column's header was set empty
         * ("-o pid="); psgo always has one. */
        size_t first = f->style == PS_STYLE_PS && !any_header ? 1 : 0;

        char **lines = xnew0(char *, rows - first + 1);
        size_t nl = 0;
        for (size_t i = first; i < rows; i++) {
                char *line = xstrdup("");
                size_t len = 0, cap = 1;
                for (size_t j = 0; j < cols; j++) {
                        const char *cell = cells[i * cols + j];
                        size_t cl = strlen(cell), pad = 0, lead = 0;
                        if (f->style == PS_STYLE_PS) {
                                size_t w = width[j];
                                if (f->columns[j].d->numeric)
                                        lead = w - cl;
                                else if (j + 1 < cols)
                                        pad = w - cl; /* the last column runs free */
                        }
                        xgrow((void **)&line, &cap, len + lead + cl + pad + 2, 1);
                        if (j > 0)
                                line[len++] = f->style == PS_STYLE_PS ? ' ' : '\t';
                        memset(line + len, ' ', lead);
                        len += lead;
                        memcpy(line + len, cell, cl);
                        len += cl;
                        memset(line + len, ' ', pad);
                        len += pad;
                        line[len] = '\0';
                }
                lines[nl++] = line;
        }
        lines[nl] = NULL;

        for (size_t i = 0; i < rows * cols; i++)
                free(cells[i]);
        free(cells);
        free(width);
        for (size_t i = 0; i < np; i++)
                free(procs[i].args);
        free(procs);
        ctx_clear(&c);
        (void)err;
        *ret_lines = lines;
        *ret_n = nl;
        return 0;
}
