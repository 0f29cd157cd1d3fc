/* SPDX-License-Identifier: Apache-2.0 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct Engine {
        EngineConfig config;
};

void engine_config_set(char **field, const char *value) {
        free(*field);
        *field = value ? xstrdup(value) : NULL;
}

void engine_config_init(EngineConfig *c) {
        *c = (EngineConfig){ 0 };
        engine_config_set(&c->root, "/var/lib/varpod");
        engine_config_set(&c->runroot, "/run/varpod");
        engine_config_set(&c->storage_driver, "overlay");
        engine_config_set(&c->cgroup_manager, "cgroupfs");
        engine_config_set(&c->log_level, "error");
        c->storage_opts = xnew0(char *, 1);
}

static void strv_free(char **v) {
        for (char **p = v; p && *p; p++)
                free(*p);
        free(v);
}

void engine_config_clear(EngineConfig *c) {
        char **strings[] = { &c->root,      &c->runroot,        &c->storage_driver,
                             &c->runtime,   &c->cgroup_manager, &c->cni_config_dir,
                             &c->conmon,    &c->tmpdir,         &c->log_level,
                             &c->namespace, &c->hooks_dir,      &c->events_backend };
        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                free(*strings[i]);
                *strings[i] = NULL;
        }
        strv_free(c->storage_opts);
        c->storage_opts = NULL;
}

void engine_config_add_storage_opt(EngineConfig *c, const char *opt) {
        size_t n = 0;
        while (c->storage_opts && c->storage_opts[n])
                n++;
        c->storage_opts = xrealloc(c->storage_opts, (n + 2) * sizeof(char *));
        c->storage_opts[n] = xstrdup(opt);
        c->storage_opts[n + 1] = NULL;
}

static void engine_config_copy(EngineConfig *dst, const EngineConfig *src) {
        *dst = (EngineConfig){ 0 };
        engine_config_set(&dst->root, src->root);
        engine_config_set(&dst->runroot, src->runroot);
        engine_config_set(&dst->storage_driver, src->storage_driver);
        engine_config_set(&dst->runtime, src->runtime);
        engine_config_set(&dst->cgroup_manager, src->cgroup_manager);
        engine_config_set(&dst->cni_config_dir, src->cni_config_dir);
        engine_config_set(&dst->conmon, src->conmon);
        engine_config_set(&dst->tmpdir, src->tmpdir);
        engine_config_set(&dst->log_level, src->log_level);
        engine_config_set(&dst->namespace, src->namespace);
        engine_config_set(&dst->hooks_dir, src->hooks_dir);
        engine_config_set(&dst->events_backend, src->events_backend);
        dst->storage_opts = xnew0(char *, 1);
        for (char **p = src->storage_opts; p && *p; p++)
                engine_config_add_storage_opt(dst, *p);
}

int engine_open(Engine **ret, const EngineConfig *config, Error **err) {
        Engine *e = xnew0(Engine, 1);
        engine_config_copy(&e->config, config);
        *ret = e;
        return 0;
}

Engine *engine_free(Engine *e) {
        if (e) {
                engine_config_clear(&e->config);
                free(e);
        }
        return NULL;
}

const EngineConfig *engine_config(const Engine *e) { return &e->config; }
