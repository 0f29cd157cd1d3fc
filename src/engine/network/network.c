/* SPDX-License-Identifier: Apache-2.0 */
/* Network modes, and the small file helpers the module's files share. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "network-private.h"
#include "network.h"
#include "xalloc.h"

/* ---- helpers ---- */

int network_dir_make(const char *path, mode_t mode, Error **err) {
        if (!path || !*path)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "empty directory path");
        _cleanup_free_ char *p = xstrdup(path);
        for (char *s = p + 1;; s++) {
                bool end = *s == '\0';
                if (*s != '/' && !end)
                        continue;
                *s = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return err_set(err, ERR_SYSTEM, errno, "create directory `%s`", p);
                if (end)
                        break;
                *s = '/';
        }
        struct stat st;
        if (stat(path, &st) < 0)
                return err_set(err, ERR_SYSTEM, errno, "stat `%s`", path);
        if (!S_ISDIR(st.st_mode))
                return err_set(err, ERR_SYSTEM, ENOTDIR, "`%s`", path);
        return 0;
}

int network_file_read(const char *path, size_t max, char **ret, size_t *ret_len, Error **err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, errno,
                               "open `%s`", path);
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = xmalloc(cap);
        for (;;) {
                if (len + 1 >= cap)
                        buf = xrealloc(buf, cap *= 2);
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return err_set(err, ERR_SYSTEM, errno, "read `%s`", path);
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > max)
                        return err_set(err, ERR_LIMIT, 0, "`%s` is larger than %zu bytes", path,
                                       max);
        }
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int network_file_write(const char *path, const char *text, mode_t mode, Error **err) {
        _cleanup_free_ char *tmp = xasprintf("%s.tmp-XXXXXX", path);
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return err_set(err, ERR_SYSTEM, errno, "create `%s`", tmp);
        size_t len = strlen(text), done = 0;
        while (done < len) {
                ssize_t n = write(fd, text + done, len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = errno;
                        unlink(tmp);
                        return err_set(err, ERR_SYSTEM, e, "write `%s`", tmp);
                }
                done += (size_t)n;
        }
        if (fchmod(fd, mode) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0) {
                int e = errno;
                unlink(tmp);
                return err_set(err, ERR_SYSTEM, e, "write `%s`", path);
        }
        return 0;
}

bool network_name_is_valid(const char *name) {
        if (!name || !*name || strlen(name) > 255)
                return false;
        for (const char *p = name; *p; p++) {
                char c = *p;
                bool alnum =
                        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                if (!alnum && (p == name || (c != '_' && c != '.' && c != '-')))
                        return false;
        }
        return true;
}

size_t network_strv_length(const char *const *v) {
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

/* ---- modes ---- */

int network_mode_parse(const char *text, NetworkMode *ret, Error **err) {
        if (!text)
                text = "";
        NetworkMode m = { .kind = NETWORK_MODE_BRIDGE };
        if (!*text || STREQ(text, "bridge") || STREQ(text, "default"))
                m.kind = NETWORK_MODE_BRIDGE;
        else if (STREQ(text, "none"))
                m.kind = NETWORK_MODE_NONE;
        else if (STREQ(text, "host"))
                m.kind = NETWORK_MODE_HOST;
        else if (STRPREFIX(text, "container:")) {
                const char *t = text + strlen("container:");
                if (!*t)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "net mode `%s`: no container given", text);
                m.kind = NETWORK_MODE_CONTAINER;
                m.target = xstrdup(t);
        } else if (STRPREFIX(text, "ns:")) {
                const char *t = text + strlen("ns:");
                if (*t != '/')
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "net mode `%s`: the namespace path must be absolute", text);
                m.kind = NETWORK_MODE_NS;
                m.target = xstrdup(t);
        } else if (STREQ(text, "slirp4netns") || STRPREFIX(text, "slirp4netns:"))
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "net mode `%s`: rootless networking is not supported", text);
        else {
                /* A comma list of CNI network names. */
                size_t n = 1;
                for (const char *p = text; *p; p++)
                        n += *p == ',';
                char **names = xnew0(char *, n + 1);
                size_t i = 0;
                for (const char *p = text;; i++) {
                        const char *comma = strchr(p, ',');
                        size_t len = comma ? (size_t)(comma - p) : strlen(p);
                        names[i] = xstrndup(p, len);
                        bool dup = false;
                        for (size_t j = 0; j < i; j++)
                                dup |= STREQ(names[j], names[i]);
                        if (!network_name_is_valid(names[i]) || dup) {
                                int r = err_set(err, ERR_INVALID_ARGUMENT, 0,
                                                "net mode `%s`: %s network name `%s`", text,
                                                dup ? "duplicate" : "invalid", names[i]);
                                strv_free(names);
                                return r;
                        }
                        if (!comma)
                                break;
                        p = comma + 1;
                }
                m.networks = names;
        }
        *ret = m;
        return 0;
}

void network_mode_clear(NetworkMode *m) {
        if (!m)
                return;
        free(m->target);
        strv_free(m->networks);
        *m = (NetworkMode){ 0 };
}

char *network_mode_format(const NetworkMode *m) {
        switch (m->kind) {
        case NETWORK_MODE_NONE:
                return xstrdup("none");
        case NETWORK_MODE_HOST:
                return xstrdup("host");
        case NETWORK_MODE_CONTAINER:
                return xasprintf("container:%s", m->target);
        case NETWORK_MODE_NS:
                return xasprintf("ns:%s", m->target);
        case NETWORK_MODE_BRIDGE:
                break;
        }
        if (!m->networks || !m->networks[0])
                return xstrdup("bridge");
        size_t len = 1;
        for (char **p = m->networks; *p; p++)
                len += strlen(*p) + 1;
        char *s = xmalloc(len), *w = s;
        for (char **p = m->networks; *p; p++)
                w += sprintf(w, "%s%s", p == m->networks ? "" : ",", *p);
        *w = '\0';
        return s;
}

bool network_mode_has_own_netns(const NetworkMode *m) {
        return m->kind == NETWORK_MODE_BRIDGE || m->kind == NETWORK_MODE_NONE;
}
