/* SPDX-License-Identifier: Apache-2.0 */
/* io.podman system methods: Ping, GetVersion, GetInfo. */
#include "api-private.h"
#include <pthread.h>
#include <string.h>

#include "hostinfo.h"
#include "registries-conf.h"
#include "xalloc.h"
#include "version.h"

static json_t *ping_reply;

static void ping_reply_init(void) { ping_reply = json_pack("{s:{s:s}}", "ping", "message", "OK"); }

API_HANDLER(Ping) {
        /* The answer never changes: build it once. jansson's reference
         * counts are atomic, so threads may share it. */
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, ping_reply_init);
        (void)vl_call_reply(call, json_incref(ping_reply), false, NULL);
}

API_HANDLER(GetVersion) {
        const VersionInfo *v = version_info();
        (void)vl_call_reply(call,
                            json_pack("{s:{s:s, s:s, s:s, s:I, s:s, s:I}}", "version", "version",
                                      v->version, "go_version", v->compiler, "git_commit",
                                      v->git_commit, "built", (json_int_t)v->built, "os_arch",
                                      v->os_arch, "remote_api_version",
                                      (json_int_t)v->remote_api_version),
                            false, NULL);
}

static json_t *info_host(const HostInfo *h) {
        return json_pack("{s:s, s:{s:s, s:s}, s:I, s:I, s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:s}",
                         "buildah_version", "", "distribution", "distribution", h->distribution,
                         "version", h->distribution_version, "mem_free", (json_int_t)h->mem_free,
                         "mem_total", (json_int_t)h->mem_total, "swap_free",
                         (json_int_t)h->swap_free, "swap_total", (json_int_t)h->swap_total, "arch",
                         h->arch, "cpus", (json_int_t)h->cpus, "hostname", h->hostname, "kernel",
                         h->kernel, "os", h->os, "uptime", h->uptime);
}

static json_t *info_store(const EngineConfig *c, const EngineStoreInfo *si) {
        _cleanup_free_ char *opts = NULL;
        size_t len = 0;
        for (char **p = c->storage_opts; p && *p; p++)
                len += strlen(*p) + 2;
        opts = xzalloc(len + 1);
        for (char **p = c->storage_opts; p && *p; p++) {
                if (p != c->storage_opts)
                        strcat(opts, ", ");
                strcat(opts, *p);
        }
        return json_pack("{s:I, s:I, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:s}", "containers",
                         (json_int_t)si->containers, "images", (json_int_t)si->images,
                         "graph_driver_name", si->driver, "graph_driver_options", opts,
                         "graph_root", c->root, "graph_status", "backing_filesystem",
                         si->backing_filesystem, "native_overlay_diff",
                         si->native_overlay_diff ? "true" : "false", "supports_d_type",
                         si->supports_d_type ? "true" : "false", "run_root", c->runroot);
}

static json_t *strv_json(char **v) {
        if (!v || !*v)
                return json_null();
        json_t *a = json_array();
        for (; *v; v++)
                json_array_append_new(a, json_string(*v));
        return a;
}

static json_t *insecure_registries(const RegistriesConf *conf) {
        json_t *a = json_array();
        for (size_t i = 0; i < conf->n_entries; i++)
                if (conf->entries[i].insecure)
                        json_array_append_new(
                                a,
                                json_string(conf->entries[i].location && *conf->entries[i].location
                                                    ? conf->entries[i].location
                                                    : conf->entries[i].prefix));
        if (json_array_size(a) == 0) {
                json_decref(a);
                return json_null();
        }
        return a;
}

API_HANDLER(GetInfo) {
        Engine *engine = userdata;
        HostInfo h;
        EngineStoreInfo si;
        RegistriesConf conf = { 0 };
        _cleanup_error_ Error *e = NULL;
        if (engine_store_info(engine, &si, &e) < 0 || registries_conf_load(&conf, NULL, &e) < 0) {
                api_reply_error(call, e, NULL);
                return;
        }
        if (hostinfo_load(&h, NULL, &e) < 0) {
                registries_conf_clear(&conf);
                api_reply_error(call, e, NULL);
                return;
        }
        const VersionInfo *v = version_info();
        json_t *info = json_pack("{s:o, s:o, s:o, s:o, s:{s:s, s:s, s:s, s:s}}", "host",
                                 info_host(&h), "registries", strv_json(conf.search),
                                 "insecure_registries", insecure_registries(&conf), "store",
                                 info_store(engine_config(engine), &si), "podman", "compiler",
                                 v->compiler, "go_version", v->compiler, "podman_version",
                                 v->version, "git_commit", v->git_commit);
        hostinfo_clear(&h);
        registries_conf_clear(&conf);
        (void)vl_call_reply(call, json_pack("{s:o}", "info", info), false, NULL);
}
