/* SPDX-License-Identifier: Apache-2.0 */
/* org.varlink.service: the interface every varlink service provides, which
 * lets a client discover the others (GetInfo) and read their descriptions
 * (GetInterfaceDescription). */
#include <string.h>

#include "server-private.h"
#include "xalloc.h"

extern const char vl_org_varlink_service_idl[];

static void service_GetInfo(VlCall *call, json_t *parameters, void *userdata) {
        VlServer *s = userdata;
        json_t *names = json_array();
        for (size_t i = 0; i < s->n_ifaces; i++)
                json_array_append_new(names, json_string(s->ifaces[i].iface->name));
        (void)vl_call_reply(call,
                            json_pack("{s:s, s:s, s:s, s:s, s:o}", "vendor", s->info.vendor,
                                      "product", s->info.product, "version", s->info.version, "url",
                                      s->info.url, "interfaces", names),
                            false, NULL);
}

static void service_GetInterfaceDescription(VlCall *call, json_t *parameters, void *userdata) {
        VlServer *s = userdata;
        const char *name = json_string_value(json_object_get(parameters, "interface"));
        /* An unknown interface is InvalidParameter, not InterfaceNotFound:
         * that is what clients of the reference server saw. */
        const ServedInterface *si = name && *name ? vl_server_find_interface(s, name) : NULL;
        if (!si) {
                (void)vl_call_error_invalid_parameter(call, "interface", NULL);
                return;
        }
        /* Trailing newlines are normalised to exactly one. */
        const char *text = si->iface->description;
        size_t len = strlen(text);
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
                len--;
        _cleanup_free_ char *desc = xasprintf("%.*s\n", (int)len, text);
        (void)vl_call_reply(call, json_pack("{s:s}", "description", desc), false, NULL);
}

int vl_service_register(VlServer *s, Error **err) {
        static const VlMethodBinding bindings[] = {
                { "GetInfo", service_GetInfo },
                { "GetInterfaceDescription", service_GetInterfaceDescription },
        };
        return vl_server_add_interface(s, vl_org_varlink_service_idl, bindings,
                                       ELEMENTSOF(bindings), s, err);
}
