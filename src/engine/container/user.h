/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Users and groups of a container, resolved against the image rootfs's
 * /etc/passwd and /etc/group the way runc's libcontainer/user does (which
 * podman and docker both use): "user[:group]", names or numbers. The files
 * are opened inside the rootfs without following any link out of it. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define USER_FILE_SIZE_MAX (4u << 20) /* /etc/passwd or /etc/group */

/* One line of /etc/passwd, pointing into the parsed line. */
typedef struct UserPasswd {
        const char *name;
        uid_t uid;
        gid_t gid;
        const char *home; /* "" when absent */
} UserPasswd;

/* One line of /etc/group, pointing into the parsed line; members is the
 * comma-separated list as written. */
typedef struct UserGroup {
        const char *name;
        gid_t gid;
        const char *members;
} UserGroup;

/* Parses a line in place (the ':' separators become NULs; a trailing
 * newline is dropped). Returns 1 for an entry, 0 for a line to skip
 * (empty, comment, NIS "+"/"-" entries, malformed as libcontainer skips
 * them). Never fails otherwise. */
int user_passwd_line_parse(char *line, UserPasswd *ret);
int user_group_line_parse(char *line, UserGroup *ret);

/* True when group line members (as parsed) list name. */
bool user_group_has_member(const char *members, const char *name);

/* A decimal uid/gid (0..4294967294); false for anything else. */
bool user_id_parse(const char *text, uint32_t *ret);

typedef struct UserInfo {
        uid_t uid;
        gid_t gid;
        gid_t *gids; /* supplementary groups, then group_add, no duplicates */
        size_t n_gids;
        char *home; /* "/" when the user has no passwd entry */
} UserInfo;

/* Resolves spec ("" means root) and the group_add list (names or
 * numbers; may be NULL) inside rootfs. A name that is not in the file (or
 * a missing file) is ERR_NOT_FOUND: "unable to find user NAME: no matching
 * entries in passwd file" (group: "... in group file"), podman's words.
 * When the user was given without a group and has a passwd entry, the
 * groups listing the user become supplementary groups. */
int user_resolve(const char *rootfs, const char *spec, char *const *group_add, UserInfo *ret,
                 Error **err) _must_check_;
void user_info_clear(UserInfo *u);
