/* SPDX-License-Identifier: Apache-2.0 */
/* Searching registries (SearchImage, `varpod search`): the registry named
 * in the term, or every unqualified-search registry in order. */
#include <string.h>

#include "engine-private.h"
#include "image.h"
#include "reference.h"
#include "registries-conf.h"
#include "registry.h"
#include "xalloc.h"

static int search_one(const char *host, const char *term, int limit, bool insecure, json_t *out,
                      Error **err) {
        RegistryOptions ropts = { .insecure = insecure };
        _cleanup_(registry_client_freep) RegistryClient *c = NULL;
        json_t *results = NULL;
        if (registry_client_new(&c, host, &ropts, err) < 0 ||
            registry_search(c, term, limit, &results, err) < 0)
                return err_wrap(err, "search `%s` on `%s`", term, host);
        json_array_extend(out, results);
        json_decref(results);
        return 0;
}

int image_search(Engine *e, const char *term, int limit, json_t **ret, Error **err) {
        RegistriesConf conf = { 0 };
        if (registries_conf_load(&conf, NULL, err) < 0)
                return -1;
        json_t *out = json_array();
        int r = 0;
        const char *slash = strchr(term, '/');
        if (slash && image_ref_has_domain(term)) {
                _cleanup_free_ char *host = xstrndup(term, (size_t)(slash - term));
                r = search_one(host, slash + 1, limit, registries_conf_is_insecure(&conf, host),
                               out, err);
        } else {
                size_t n = 0;
                while (conf.search && conf.search[n])
                        n++;
                for (size_t i = 0; i < n; i++) {
                        /* With several registries one that fails is skipped;
                         * with one its failure is the answer. */
                        Error *one = NULL;
                        if (search_one(conf.search[i], term, limit,
                                       registries_conf_is_insecure(&conf, conf.search[i]), out,
                                       &one) < 0) {
                                if (n == 1)
                                        r = err_propagate(err, one);
                                else
                                        err_free(one);
                        }
                }
        }
        registries_conf_clear(&conf);
        if (r < 0) {
                json_decref(out);
                return -1;
        }
        *ret = out;
        return 0;
}

int image_prune(Engine *e, bool all, json_t **ret, Error **err) {
        json_t *pruned = json_array();
        int r = 0;
        /* A parent goes only once its children have: pass again after any
         * removal. Without containers no image is otherwise in use; when
         * containers land, `all` skips the images they use. */
        for (bool progress = true; progress && r == 0;) {
                progress = false;
                Image **images = NULL;
                size_t n = 0;
                if ((r = image_list(e, &images, &n, err)) < 0)
                        break;
                for (size_t i = 0; i < n && r == 0; i++) {
                        if (images[i]->names[0] && !all)
                                continue;
                        bool parent = false;
                        if ((r = image_is_parent(e, images[i], &parent, err)) < 0 || parent)
                                continue;
                        /* A tagged image in use is no candidate. Pruning
                         * never removes containers: an untagged image in
                         * use goes through without force, and fails. */
                        int64_t users = 0;
                        if ((r = image_container_count(e, images[i], &users, err)) < 0)
                                continue;
                        if (users > 0 && images[i]->names[0])
                                continue;
                        _cleanup_free_ char *id = NULL;
                        Error *e2 = NULL;
                        /* By ID with force: every name goes with the image. */
                        if (image_remove(e, images[i]->id, all && users == 0, &id, &e2) < 0) {
                                if (e2->kind == ERR_IMAGE_NOT_FOUND)
                                        err_free(e2);
                                else
                                        r = err_propagate(err, e2);
                                continue;
                        }
                        json_array_append_new(pruned, json_string(id));
                        progress = true;
                }
                image_list_free(images, n);
        }
        if (r < 0) {
                json_decref(pruned);
                return -1;
        }
        *ret = pruned;
        return 0;
}
