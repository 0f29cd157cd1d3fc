/* SPDX-License-Identifier: Apache-2.0 */
/* The local image lookup (semantics 2.1, L_I), in the order podman 1.0
 * tried things, so that every name a 2019 client used still finds the
 * image it found then. */
#include <ctype.h>
#include <string.h>

#include "engine-private.h"
#include "image-store.h"
#include "reference.h"
#include "xalloc.h"

static bool is_hex_prefix(const char *s) {
        if (!*s || strlen(s) > 64)
                return false;
        for (; *s; s++)
                if (!isdigit((unsigned char)*s) && !(*s >= 'a' && *s <= 'f'))
                        return false;
        return true;
}

/* Step 3: normalised reference, exact name, full ID, unique ID prefix. */
static int lookup_direct(Db *db, const char *name, char *ret_id, bool *found, Error **err) {
        ImageRef ref = { 0 };
        _cleanup_error_ Error *parse_err = NULL;
        if (image_ref_parse_normalized(name, &ref, &parse_err) == 0) {
                _cleanup_free_ char *full = image_ref_format(&ref);
                image_ref_clear(&ref);
                if (image_store_find_name(db, full, ret_id, found, err) < 0)
                        return -1;
                if (*found)
                        return 0;
        }
        if (image_store_find_name(db, name, ret_id, found, err) < 0)
                return -1;
        if (*found)
                return 0;
        if (is_hex_prefix(name)) {
                char ids[2][IMAGE_ID_SIZE];
                size_t n;
                if (image_store_find_prefix(db, name, ids, &n, err) < 0)
                        return -1;
                if (n == 1) {
                        memcpy(ret_id, ids[0], IMAGE_ID_SIZE);
                        *found = true;
                        return 0;
                }
        }
        *found = false;
        return 0;
}

/* Step 6: an image whose repository ends with name's path and whose tag
 * is name's tag (or latest). */
static int lookup_suffix(Db *db, const char *original, const char *name, char *ret_id,
                         Error **err) {
        ImageRef want = { 0 };
        if (image_ref_parse(name, &want, err) < 0)
                return -1;
        const char *tag = want.tag ? want.tag : "latest";
        Image **images = NULL;
        size_t n = 0;
        if (image_store_list(db, &images, &n, err) < 0) {
                image_ref_clear(&want);
                return -1;
        }
        size_t matches = 0;
        size_t plen = strlen(want.path);
        for (size_t i = 0; i < n; i++) {
                bool match = false;
                for (char **nm = images[i]->names; *nm && !match; nm++) {
                        ImageRef have = { 0 };
                        _cleanup_error_ Error *ignored = NULL;
                        if (image_ref_parse(*nm, &have, &ignored) < 0)
                                continue;
                        _cleanup_free_ char *repo = image_ref_repository(&have);
                        size_t rlen = strlen(repo);
                        bool suffix = rlen >= plen && STREQ(repo + rlen - plen, want.path) &&
                                      (rlen == plen || repo[rlen - plen - 1] == '/');
                        match = suffix && have.tag && STREQ(have.tag, tag);
                        image_ref_clear(&have);
                }
                if (match) {
                        if (matches++ == 0)
                                memcpy(ret_id, images[i]->id, IMAGE_ID_SIZE);
                }
        }
        image_list_free(images, n);
        image_ref_clear(&want);
        if (matches == 1)
                return 0;
        if (matches == 0)
                return err_set(err, ERR_IMAGE_NOT_FOUND, 0,
                               "unable to find a name and tag match for %s in repotags: no such "
                               "image",
                               original);
        return err_set(err, ERR_IMAGE_NOT_FOUND, 0,
                       "found multiple name and tag matches for %s in repotags: no such image",
                       original);
}

static int lookup_id(Db *db, const char *input, char *ret_id, Error **err) {
        /* Not "no such image": ImageExists answers ErrorOccurred for a
         * blank name rather than "does not exist" (semantics 2.7 #56). */
        if (!*input)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "input name is blank");

        const char *name = input;
        _cleanup_free_ char *rest = NULL;
        ImageTransport transport;
        if (image_transport_split(input, &transport, &rest, NULL, NULL) == 0 &&
            (transport == IMAGE_TRANSPORT_DOCKER || transport == IMAGE_TRANSPORT_STORAGE))
                name = rest;
        if (STRPREFIX(name, "sha256:"))
                name += 7;

        bool found;
        if (lookup_direct(db, name, ret_id, &found, err) < 0)
                return -1;
        if (found)
                return 0;

        /* Reject what is not a reference at all before guessing further. */
        ImageRef ref = { 0 };
        if (image_ref_parse(name, &ref, err) < 0)
                return -1;
        bool has_domain = ref.domain != NULL;
        image_ref_clear(&ref);
        if (has_domain)
                return err_set(err, ERR_IMAGE_NOT_FOUND, 0, "%s: no such image", input);

        _cleanup_free_ char *local = xasprintf("localhost/%s", name);
        if (lookup_direct(db, local, ret_id, &found, err) < 0)
                return -1;
        if (found)
                return 0;
        return lookup_suffix(db, input, name, ret_id, err);
}

int image_lookup(Engine *e, const char *name, Image **ret, Error **err) {
        Db *db;
        if (engine_db_get(e, &db, err) < 0)
                return -1;
        char id[IMAGE_ID_SIZE];
        int r = lookup_id(db, name, id, err);
        if (r == 0)
                r = image_store_load(db, id, ret, err);
        engine_db_put(e, db);
        return r;
}
