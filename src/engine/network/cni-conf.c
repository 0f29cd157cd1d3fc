/* SPDX-License-Identifier: Apache-2.0 */
/* CNI network configs: reading a config dir as libcni does, picking a
 * network as ocicni (podman's CNI layer) does, and the default network
 * varpod writes when there is none. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json-util.h"
#include "network-private.h"
#include "network.h"
#include "xalloc.h"

/* Most plugins in one conflist; real ones have a handful. */
#define CNI_PLUGINS_MAX 64u

CniContext *cni_context_new(const char *config_dir, const char *plugin_path, const char *run_root) {
        CniContext *c = xnew0(CniContext, 1);
        c->config_dir = xstrdup(config_dir && *config_dir ? config_dir : CNI_DEFAULT_CONFIG_DIR);
        c->plugin_path =
                xstrdup(plugin_path && *plugin_path ? plugin_path : CNI_DEFAULT_PLUGIN_PATH);
        c->cache_dir = xasprintf("%s/cni/cache", run_root);
        c->ipam_dir = xasprintf("%s/cni/networks", run_root);
        c->default_network = xstrdup(CNI_DEFAULT_NETWORK);
        c->default_bridge = xstrdup(CNI_DEFAULT_BRIDGE);
        c->default_subnet = xstrdup(CNI_DEFAULT_SUBNET);
        c->default_gateway = xstrdup(CNI_DEFAULT_GATEWAY);
        return c;
}

CniContext *cni_context_free(CniContext *c) {
        if (!c)
                return NULL;
        free(c->config_dir);
        free(c->plugin_path);
        free(c->cache_dir);
        free(c->ipam_dir);
        free(c->default_network);
        free(c->default_bridge);
        free(c->default_subnet);
        free(c->default_gateway);
        free(c);
        return NULL;
}

CniNetwork *cni_network_free(CniNetwork *n) {
        if (!n)
                return NULL;
        free(n->name);
        free(n->cni_version);
        free(n->path);
        json_decref(n->conf);
        free(n);
        return NULL;
}

void cni_network_list_free(CniNetwork **list, size_t n) {
        for (size_t i = 0; i < n; i++)
                cni_network_free(list[i]);
        free(list);
}

/* "0.4.0"-like: digits and dots. */
static bool cni_version_is_valid(const char *v) {
        if (!*v || strlen(v) > 16)
                return false;
        for (const char *p = v; *p; p++)
                if ((*p < '0' || *p > '9') && *p != '.')
                        return false;
        return true;
}

int cni_network_parse(const char *text, bool is_conflist, const char *path, CniNetwork **ret,
                      Error **err) {
        if (!path)
                path = "";
        if (strlen(text) > CNI_CONF_SIZE_MAX)
                return err_set(err, ERR_LIMIT, 0, "`%s`: larger than %u bytes", path,
                               CNI_CONF_SIZE_MAX);
        json_error_t jerr;
        _cleanup_json_ json_t *root = json_loads(text, 0, &jerr);
        if (!root)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "`%s`: line %d: %s", path, jerr.line,
                               jerr.text);
        if (!json_is_object(root))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "`%s`: not a JSON object", path);
        const char *name = json_string_value(json_object_get(root, "name"));
        if (!name)
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "`%s`: no network name", path);
        if (!network_name_is_valid(name))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "`%s`: invalid network name `%s`",
                               path, name);
        /* libcni accepts a missing cniVersion; the plugins then speak the
         * first version, 0.1.0. */
        json_t *jv = json_object_get(root, "cniVersion");
        const char *version = jv ? json_string_value(jv) : "0.1.0";
        if (!version || !cni_version_is_valid(version))
                return err_set(err, ERR_INVALID_ARGUMENT, 0, "`%s`: invalid cniVersion", path);

        _cleanup_json_ json_t *conf = NULL;
        if (is_conflist) {
                json_t *plugins = json_object_get(root, "plugins");
                if (!json_is_array(plugins) || json_array_size(plugins) == 0)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "`%s`: network `%s` has no plugins", path, name);
                conf = json_incref(root);
        } else {
                /* libcni's ConfListFromConf: the whole config is the one
                 * plugin. */
                conf = json_pack("{s:s, s:s, s:[O]}", "cniVersion", version, "name", name,
                                 "plugins", root);
        }
        json_t *plugins = json_object_get(conf, "plugins");
        if (json_array_size(plugins) > CNI_PLUGINS_MAX)
                return err_set(err, ERR_LIMIT, 0, "`%s`: more than %u plugins", path,
                               CNI_PLUGINS_MAX);
        size_t i;
        json_t *plugin;
        json_array_foreach (plugins, i, plugin) {
                const char *type = json_string_value(json_object_get(plugin, "type"));
                if (!json_is_object(plugin) || !type)
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "`%s`: plugin %zu of network `%s` has no type", path, i,
                                       name);
                /* The type is a file name looked up in CNI_PATH. */
                if (!network_name_is_valid(type))
                        return err_set(err, ERR_INVALID_ARGUMENT, 0,
                                       "`%s`: plugin %zu of network `%s`: invalid type `%s`", path,
                                       i, name, type);
        }
        CniNetwork *n = xnew0(CniNetwork, 1);
        n->name = xstrdup(name);
        n->cni_version = xstrdup(version);
        n->path = xstrdup(path);
        n->conf = TAKE_PTR(conf);
        *ret = n;
        return 0;
}

static bool has_suffix(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);
        return a > b && STREQ(s + a - b, suffix);
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int cni_network_list(const char *dir, CniNetwork ***ret, size_t *ret_n, char **ret_skipped,
                     Error **err) {
        DIR *d = opendir(dir);
        if (!d) {
                if (errno != ENOENT)
                        return err_set(err, ERR_SYSTEM, errno, "open cni config dir `%s`", dir);
                *ret = NULL;
                *ret_n = 0;
                if (ret_skipped)
                        *ret_skipped = NULL;
                return 0;
        }
        char **files = NULL;
        size_t n_files = 0, cap_files = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_REG && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
                        continue;
                if (!has_suffix(de->d_name, ".conf") && !has_suffix(de->d_name, ".conflist") &&
                    !has_suffix(de->d_name, ".json"))
                        continue;
                xgrow((void **)&files, &cap_files, n_files + 1, sizeof *files);
                files[n_files++] = xstrdup(de->d_name);
        }
        closedir(d);
        /* libcni sorts by file name, bytewise; the first file of a name wins. */
        if (n_files)
                qsort(files, n_files, sizeof *files, name_cmp);

        CniNetwork **list = NULL;
        size_t n = 0, cap = 0;
        char *skipped = NULL;
        for (size_t i = 0; i < n_files; i++) {
                _cleanup_free_ char *path = xasprintf("%s/%s", dir, files[i]);
                _cleanup_free_ char *text = NULL;
                _cleanup_error_ Error *e = NULL;
                CniNetwork *net = NULL;
                if (network_file_read(path, CNI_CONF_SIZE_MAX, &text, NULL, &e) < 0 ||
                    cni_network_parse(text, has_suffix(files[i], ".conflist"), path, &net, &e) <
                            0) {
                        char *s = xasprintf("%s%s%s", skipped ? skipped : "", skipped ? "; " : "",
                                            e ? e->message : path);
                        free(skipped);
                        skipped = s;
                        continue;
                }
                bool dup = false;
                for (size_t j = 0; j < n && !dup; j++)
                        dup = STREQ(list[j]->name, net->name);
                if (dup) {
                        cni_network_free(net);
                        continue;
                }
                xgrow((void **)&list, &cap, n + 1, sizeof *list);
                list[n++] = net;
        }
        for (size_t i = 0; i < n_files; i++)
                free(files[i]);
        free(files);
        *ret = list;
        *ret_n = n;
        if (ret_skipped)
                *ret_skipped = skipped;
        else
                free(skipped);
        return 0;
}

json_t *cni_default_conflist(const CniContext *ctx) {
        /* podman's own default (87-podman-bridge.conflist) with our name,
         * bridge and subnet, and two changes. The IPAM dataDir is under the
         * run root: allocations describe namespaces that a reboot ends, so
         * they must not outlive it (host-local's default /var/lib/cni
         * does, and then leaks addresses). The firewall backend is named:
         * left empty, the plugin asks firewalld over the system D-Bus when
         * it runs, which would put our rules into the host's firewall
         * whatever namespace we are in. */
        return json_pack(
                "{s:s, s:s, s:[{s:s, s:s, s:b, s:b, s:b, s:{s:s, s:[{s:s}], s:[[{s:s, s:s}]], "
                "s:s}}, {s:s, s:{s:b}}, {s:s, s:s}, {s:s}]}",
                "cniVersion", CNI_VERSION, "name", ctx->default_network, "plugins",
                /* bridge */
                "type", "bridge", "bridge", ctx->default_bridge, "isGateway", 1, "ipMasq", 1,
                "hairpinMode", 1, "ipam", "type", "host-local", "routes", "dst", "0.0.0.0/0",
                "ranges", "subnet", ctx->default_subnet, "gateway", ctx->default_gateway, "dataDir",
                ctx->ipam_dir,
                /* portmap */
                "type", "portmap", "capabilities", "portMappings", 1,
                /* firewall */
                "type", "firewall", "backend", "iptables",
                /* tuning */
                "type", "tuning");
}

static int cni_default_write(const CniContext *ctx, Error **err) {
        _cleanup_free_ char *path = xasprintf("%s/%s", ctx->config_dir, CNI_DEFAULT_FILE);
        /* A file of that name that did not load is the user's to fix, not
         * ours to overwrite. */
        if (access(path, F_OK) == 0)
                return 0;
        if (network_dir_make(ctx->config_dir, 0755, err) < 0)
                return -1;
        _cleanup_json_ json_t *conf = cni_default_conflist(ctx);
        _cleanup_free_ char *text = json_dumps(conf, JSON_INDENT(2));
        _cleanup_free_ char *line = xasprintf("%s\n", text);
        return network_file_write(path, line, 0644, err);
}

int cni_network_load(const CniContext *ctx, const char *name, CniNetwork **ret, Error **err) {
        CniNetwork **list = NULL;
        size_t n = 0;
        _cleanup_free_ char *skipped = NULL;
        if (cni_network_list(ctx->config_dir, &list, &n, &skipped, err) < 0)
                return -1;
        if (n == 0 && (!name || STREQ(name, ctx->default_network))) {
                if (cni_default_write(ctx, err) < 0)
                        return err_wrap(err, "write default cni network");
                cni_network_list_free(list, n);
                free(skipped);
                skipped = NULL;
                if (cni_network_list(ctx->config_dir, &list, &n, &skipped, err) < 0)
                        return -1;
        }
        const char *want = name ? name : ctx->default_network;
        size_t found = n;
        for (size_t i = 0; i < n && found == n; i++)
                if (STREQ(list[i]->name, want))
                        found = i;
        /* No name: the default network, else the first, as ocicni picks. */
        if (found == n && !name && n > 0)
                found = 0;
        if (found == n) {
                cni_network_list_free(list, n);
                return err_set(err, ERR_NOT_FOUND, 0, "cni network `%s` not found in `%s`%s%s%s",
                               want, ctx->config_dir, skipped ? " (skipped: " : "",
                               skipped ? skipped : "", skipped ? ")" : "");
        }
        *ret = TAKE_PTR(list[found]);
        cni_network_list_free(list, n);
        return 0;
}
