/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's runtime, CNI context and host facts: made once, on first
 * use, so that commands which never touch containers pay nothing. */
#include <pthread.h>
#include <string.h>

#include "container-private.h"
#include "xalloc.h"

static pthread_mutex_t services_lock = PTHREAD_MUTEX_INITIALIZER;

Runtime *engine_runtime(Engine *e, Error **err) {
        pthread_mutex_lock(&services_lock);
        if (!e->runtime) {
                Runtime *rt = NULL;
                if (runtime_open(e->config.runtime, &rt, err) == 0) {
                        _cleanup_free_ char *state = xasprintf("%s/runtime", e->config.runroot);
                        runtime_state_dir_set(rt, state);
                        e->runtime = rt;
                }
        }
        Runtime *r = e->runtime;
        pthread_mutex_unlock(&services_lock);
        return r;
}

int container_runtime_info(Engine *e, ContainerRuntimeInfo *ret, Error **err) {
        Runtime *rt = engine_runtime(e, err);
        if (!rt)
                return -1;
        *ret = (ContainerRuntimeInfo){
                .name = runtime_name(rt),
                .path = runtime_path(rt),
                .version = runtime_version(rt),
                .fallback_reason = runtime_fallback_reason(rt),
                .conmon_path = runtime_conmon_path(rt),
                .conmon_version = runtime_conmon_version(rt),
        };
        return 0;
}

CniContext *engine_cni(Engine *e, Error **err) {
        pthread_mutex_lock(&services_lock);
        if (!e->cni) {
                _cleanup_free_ char *dir = e->config.cni_config_dir
                                                   ? xstrdup(e->config.cni_config_dir)
                                                   : xasprintf("%s/cni/net.d", e->config.root);
                e->cni = cni_context_new(dir, NULL, e->config.runroot);
        }
        CniContext *c = e->cni;
        pthread_mutex_unlock(&services_lock);
        if (!c)
                err_set(err, ERR_INTERNAL, 0, "cannot set up CNI");
        return c;
}

const SpecHost *engine_spec_host(Engine *e, Error **err) {
        pthread_mutex_lock(&services_lock);
        if (!e->spec_host) {
                SpecHost *h = xnew0(SpecHost, 1);
                if (spec_host_probe(h, err) == 0)
                        e->spec_host = h;
                else
                        free(h);
        }
        const SpecHost *h = e->spec_host;
        pthread_mutex_unlock(&services_lock);
        return h;
}

void engine_services_free(Engine *e) {
        runtime_free(e->runtime);
        cni_context_free(e->cni);
        free(e->spec_host);
        e->runtime = NULL;
        e->cni = NULL;
        e->spec_host = NULL;
}

const char **container_strv(json_t *array) {
        if (!json_is_array(array))
                return NULL;
        size_t n = json_array_size(array);
        const char **v = xnew0(const char *, n + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                const char *s = json_string_value(json_array_get(array, i));
                if (s)
                        v[k++] = s;
        }
        return v;
}

int container_peer_namespace(void *userdata, const char *container, SpecNamespace ns,
                             char **ret_path, Error **err) {
        Engine *e = userdata;
        _cleanup_(container_freep) Container *c = NULL;
        if (container_lookup(e, container, &c, err) < 0)
                return -1;
        if (container_sync(e, c, err) < 0)
                return -1;
        if (c->state != CONTAINER_STATE_RUNNING || c->pid <= 0)
                return err_set(err, ERR_BAD_STATE, 0,
                               "container %s is not running: cannot join its %s namespace", c->id,
                               spec_namespace_name(ns));
        *ret_path = xasprintf("/proc/%d/ns/%s", c->pid, spec_namespace_proc_name(ns));
        return 0;
}
