/* SPDX-License-Identifier: Apache-2.0 */
#include "user.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "xalloc.h"

bool user_id_parse(const char *text, uint32_t *ret) {
        if (!text || !*text || strlen(text) > 10)
                return false;
        uint64_t v = 0;
        for (const char *p = text; *p; p++) {
                if (*p < '0' || *p > '9')
                        return false;
                v = v * 10 + (uint64_t)(*p - '0');
        }
        /* (uid_t)-1 means "unchanged" to the kernel, never an identity. */
        if (v >= UINT32_MAX)
                return false;
        *ret = (uint32_t)v;
        return true;
}

/* Splits line at ':' into at most n fields; returns how many. */
static size_t fields_split(char *line, char **fields, size_t n) {
        size_t k = 0;
        char *p = line;
        while (k < n) {
                fields[k++] = p;
                char *c = strchr(p, ':');
                if (!c)
                        break;
                *c = '\0';
                p = c + 1;
        }
        return k;
}

static bool line_is_entry(char *line) {
        line[strcspn(line, "\n")] = '\0';
        /* NIS compat entries ("+", "-name") are not users of the file. */
        return line[0] && line[0] != '#' && line[0] != '+' && line[0] != '-';
}

int user_passwd_line_parse(char *line, UserPasswd *ret) {
        if (!line_is_entry(line))
                return 0;
        char *f[7] = { 0 };
        size_t n = fields_split(line, f, ELEMENTSOF(f));
        uint32_t uid, gid;
        /* libcontainer reads unparsable ids as 0; a malformed line must not
         * turn a name into root, so it is skipped instead. */
        if (n < 4 || !*f[0] || !user_id_parse(f[2], &uid) || !user_id_parse(f[3], &gid))
                return 0;
        *ret = (UserPasswd){ .name = f[0], .uid = uid, .gid = gid, .home = n > 5 ? f[5] : "" };
        return 1;
}

int user_group_line_parse(char *line, UserGroup *ret) {
        if (!line_is_entry(line))
                return 0;
        char *f[4] = { 0 };
        size_t n = fields_split(line, f, ELEMENTSOF(f));
        uint32_t gid;
        if (n < 3 || !*f[0] || !user_id_parse(f[2], &gid))
                return 0;
        *ret = (UserGroup){ .name = f[0], .gid = gid, .members = n > 3 ? f[3] : "" };
        return 1;
}

bool user_group_has_member(const char *members, const char *name) {
        size_t len = strlen(name);
        for (const char *p = members; p && *p;) {
                size_t m = strcspn(p, ",");
                if (m == len && strncmp(p, name, len) == 0)
                        return true;
                p += m;
                if (*p == ',')
                        p++;
        }
        return false;
}

/* Opens ROOTFS/etc/NAME for reading as the container would see it: every
 * symlink resolves inside the rootfs (an image may ship /etc/passwd as a
 * link to a host path). Returns 0 with *ret NULL when the file is absent. */
static int rootfs_file_open(const char *rootfs, const char *name, FILE **ret, Error **err) {
        _cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return err_set(err, ERR_SYSTEM, errno, "open rootfs `%s`", rootfs);
        char rel[64];
        snprintf(rel, sizeof rel, "etc/%s", name);

        /* O_NONBLOCK: a FIFO planted at /etc/passwd must not hang us. */
        struct open_how how = {
                .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        _cleanup_close_ int fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof how);
        if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
                /* Kernels before 5.6: refuse links rather than follow them. */
                _cleanup_close_ int etc =
                        openat(root, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                fd = etc < 0 ? -1
                             : openat(etc, name,
                                      O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        }
        if (fd < 0) {
                if (errno == ENOENT || errno == ENOTDIR) {
                        *ret = NULL;
                        return 0;
                }
                return err_set(err, ERR_SYSTEM, errno, "open /etc/%s in rootfs `%s`", name, rootfs);
        }
        struct stat st;
        if (fstat(fd, &st) < 0)
                return err_set(err, ERR_SYSTEM, errno, "stat /etc/%s", name);
        if (!S_ISREG(st.st_mode))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "/etc/%s of the image is not a file",
                               name);
        if (st.st_size > (off_t)USER_FILE_SIZE_MAX)
                return err_set(err, ERR_LIMIT, 0, "/etc/%s of the image is larger than %u bytes",
                               name, USER_FILE_SIZE_MAX);
        FILE *f = fdopen(fd, "re");
        if (!f)
                return err_set(err, ERR_SYSTEM, errno, "fdopen /etc/%s", name);
        TAKE_FD(fd);
        *ret = f;
        return 0;
}

/* Reads the whole (size-checked) file into memory; NULL when absent. */
static int rootfs_file_read(const char *rootfs, const char *name, char **ret, Error **err) {
        _cleanup_fclose_ FILE *f = NULL;
        if (rootfs_file_open(rootfs, name, &f, err) < 0)
                return -1;
        if (!f) {
                *ret = NULL;
                return 0;
        }
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = xmalloc(cap);
        size_t n;
        while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
                len += n;
                if (len > USER_FILE_SIZE_MAX)
                        return err_set(err, ERR_LIMIT, 0, "/etc/%s grew while read", name);
                if (cap - len - 1 == 0)
                        buf = xrealloc(buf, cap *= 2);
        }
        if (ferror(f))
                return err_set(err, ERR_SYSTEM, EIO, "read /etc/%s", name);
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

/* Calls fn on each parsed line of text (a private copy is modified). */
typedef bool (*LineFn)(char *line, void *userdata);
static void lines_foreach(const char *text, LineFn fn, void *userdata) {
        if (!text)
                return;
        _cleanup_free_ char *copy = xstrdup(text);
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                if (fn(line, userdata))
                        return;
}

typedef struct PasswdQuery {
        const char *name; /* or NULL to match uid */
        uid_t uid;
        bool found;
        uid_t ret_uid;
        gid_t ret_gid;
        char *ret_name;
        char *ret_home;
} PasswdQuery;

static bool passwd_match(char *line, void *userdata) {
        PasswdQuery *q = userdata;
        UserPasswd p;
        if (user_passwd_line_parse(line, &p) <= 0)
                return false;
        if (q->name ? !STREQ(p.name, q->name) : p.uid != q->uid)
                return false;
        q->found = true;
        q->ret_uid = p.uid;
        q->ret_gid = p.gid;
        q->ret_name = xstrdup(p.name);
        q->ret_home = xstrdup(p.home);
        return true;
}

typedef struct GroupQuery {
        const char *name; /* match by name, else collect groups of member */
        const char *member;
        bool found;
        gid_t ret_gid;
        gid_t *gids;
        size_t n_gids, cap_gids;
} GroupQuery;

static void gids_add(gid_t **gids, size_t *n, size_t *cap, gid_t gid) {
        for (size_t i = 0; i < *n; i++)
                if ((*gids)[i] == gid)
                        return;
        xgrow((void **)gids, cap, *n + 1, sizeof **gids);
        (*gids)[(*n)++] = gid;
}

static bool group_match(char *line, void *userdata) {
        GroupQuery *q = userdata;
        UserGroup g;
        if (user_group_line_parse(line, &g) <= 0)
                return false;
        if (q->name) {
                if (!STREQ(g.name, q->name))
                        return false;
                q->found = true;
                q->ret_gid = g.gid;
                return true;
        }
        if (user_group_has_member(g.members, q->member))
                gids_add(&q->gids, &q->n_gids, &q->cap_gids, g.gid);
        return false;
}

static int group_lookup(const char *group_text, const char *name, gid_t *ret, Error **err) {
        uint32_t id;
        if (user_id_parse(name, &id)) {
                *ret = id;
                return 0;
        }
        GroupQuery q = { .name = name };
        lines_foreach(group_text, group_match, &q);
        if (!q.found)
                return err_set(err, ERR_NOT_FOUND, 0,
                               "unable to find group %s: no matching entries in group file", name);
        *ret = q.ret_gid;
        return 0;
}

void user_info_clear(UserInfo *u) {
        free(u->gids);
        free(u->home);
        *u = (UserInfo){ 0 };
}

int user_resolve(const char *rootfs, const char *spec, char *const *group_add, UserInfo *ret,
                 Error **err) {
        if (!spec || !*spec)
                spec = "0";
        const char *colon = strchr(spec, ':');
        _cleanup_free_ char *user = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
        const char *group = colon ? colon + 1 : NULL;
        if (!*user)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "user `%s`: empty user name", spec);
        if (group && !*group)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "user `%s`: empty group name", spec);

        _cleanup_free_ char *passwd = NULL, *groups = NULL;
        if (rootfs_file_read(rootfs, "passwd", &passwd, err) < 0 ||
            rootfs_file_read(rootfs, "group", &groups, err) < 0)
                return -1;

        uint32_t id;
        bool numeric = user_id_parse(user, &id);
        if (!numeric && strspn(user, "0123456789") == strlen(user))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "user `%s`: uid out of range", spec);
        PasswdQuery pq = { .name = numeric ? NULL : user, .uid = numeric ? id : 0 };
        lines_foreach(passwd, passwd_match, &pq);
        _cleanup_free_ char *pw_name = pq.ret_name, *pw_home = pq.ret_home;
        if (!numeric && !pq.found)
                return err_set(err, ERR_NOT_FOUND, 0,
                               "unable to find user %s: no matching entries in passwd file", user);

        /* A numeric uid without an entry runs with gid 0, as in docker. */
        uid_t uid = numeric ? id : pq.ret_uid;
        gid_t gid = pq.found ? pq.ret_gid : 0;
        if (group) {
                if (!user_id_parse(group, &id) && strspn(group, "0123456789") == strlen(group))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "user `%s`: gid out of range",
                                       spec);
                if (group_lookup(groups, group, &gid, err) < 0)
                        return -1;
        }

        gid_t *gids = NULL;
        size_t n_gids = 0, cap = 0;
        if (!group && pq.found) {
                GroupQuery gq = { .member = pw_name };
                lines_foreach(groups, group_match, &gq);
                for (size_t i = 0; i < gq.n_gids; i++)
                        gids_add(&gids, &n_gids, &cap, gq.gids[i]);
                free(gq.gids);
        }
        for (size_t i = 0; group_add && group_add[i]; i++) {
                gid_t g;
                if (!*group_add[i]) {
                        free(gids);
                        return err_set(err, ERR_INVALID_ARGUMENT, 0, "group_add: empty group");
                }
                if (group_lookup(groups, group_add[i], &g, err) < 0) {
                        free(gids);
                        return err_wrap(err, "group_add");
                }
                gids_add(&gids, &n_gids, &cap, g);
        }

        *ret = (UserInfo){
                .uid = uid,
                .gid = gid,
                .gids = gids,
                .n_gids = n_gids,
                .home = xstrdup(pw_home && *pw_home ? pw_home : "/"),
        };
        return 0;
}
