/* SPDX-License-Identifier: Apache-2.0 */
/* The pod inspect document (semantics 3.3): libpod's pod configuration,
 * its state and its containers, keys in libpod's order. */
#include "pod.h"
#include "spec.h"
#include "timefmt.h"
#include "xalloc.h"

static json_t *inspect_port_bindings(const Pod *p) {
        if (p->n_ports == 0)
                return json_null();
        json_t *list = json_array();
        for (size_t i = 0; i < p->n_ports; i++)
                json_array_append_new(list, json_pack("{s:i, s:i, s:s, s:s}", "hostPort",
                                                      (int)p->ports[i].host_port, "containerPort",
                                                      (int)p->ports[i].container_port, "protocol",
                                                      p->ports[i].protocol, "hostIP",
                                                      p->ports[i].host_ip));
        return list;
}

static json_t *inspect_config(const Pod *p) {
        /* The shares* keys appear only when true (Go's omitempty). */
        static const struct {
                const char *key;
                int ns; /* -1: never shared */
        } shares[] = {
                { "sharesCgroup", SPEC_NS_CGROUP },
                { "sharesPid", SPEC_NS_PID },
                { "sharesIpc", SPEC_NS_IPC },
                { "sharesNet", SPEC_NS_NETWORK },
                { "sharesMnt", -1 },
                { "sharesUser", -1 },
                { "sharesUts", SPEC_NS_UTS },
        };
        json_t *c = json_pack("{s:s, s:s, s:O, s:s}", "id", p->id, "name", p->name, "labels",
                              p->labels, "cgroupParent", p->cgroup_parent);
        for (size_t i = 0; i < ELEMENTSOF(shares); i++)
                if (shares[i].ns >= 0 && (p->shares & (1u << shares[i].ns)))
                        json_object_set_new(c, shares[i].key, json_true());
        json_object_set_new(c, "infraConfig",
                            json_pack("{s:b, s:o}", "makeInfraContainer", p->infra,
                                      "infraPortBindings", inspect_port_bindings(p)));
        _cleanup_free_ char *created = timefmt_rfc3339(p->created);
        json_object_set_new(c, "created", json_string(created));
        json_object_set_new(c, "lockID", json_integer(0));
        return c;
}

json_t *pod_inspect_document(const Pod *p, Container *const *members, size_t n) {
        _cleanup_free_ char *cgroup = pod_cgroup_path(p);
        json_t *containers = n ? json_array() : json_null();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(containers,
                                      json_pack("{s:s, s:s}", "id", members[i]->id, "state",
                                                container_state_name(members[i]->state)));
        return json_pack("{s:o, s:{s:s, s:s}, s:o}", "Config", inspect_config(p), "State",
                         "cgroupPath", cgroup, "infraContainerID", p->infra_id ? p->infra_id : "",
                         "Containers", containers);
}
