/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes what a client controls on the wire: the framing of a byte stream
 * into messages, their JSON, and the check of each call's parameters
 * against the io.podman method it names. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "json-util.h"
#include "varlink.h"

extern const char api_io_podman_idl[];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const VlInterface *podman(void) {
        static VlInterface *iface;
        if (!iface && vl_interface_parse(&iface, api_io_podman_idl, NULL) < 0)
                abort();
        return iface;
}

static void check_call(json_t *msg) {
        const char *method = json_string_value(json_object_get(msg, "method"));
        const char *dot = method ? strrchr(method, '.') : NULL;
        json_t *params = json_object_get(msg, "parameters");
        if (!dot || !json_is_object(params))
                return;
        const VlMethod *m = vl_interface_find_method(podman(), dot + 1);
        if (!m)
                return;
        json_t *normalised = NULL;
        char *field = NULL, *path = NULL;
        if (vl_type_check_input(m->in, params, &normalised, &field, &path) == 0) {
                /* What the checker lets through must satisfy the strict
                 * output rules too: every field present and typed. */
                char *bad = NULL;
                if (vl_type_check_output(m->in, normalised, &bad) < 0)
                        abort();
                json_decref(normalised);
        }
        free(field);
        free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        int fd = memfd_create("fuzz-message", MFD_CLOEXEC);
        if (fd < 0)
                return 0;
        if (size > 0 && write(fd, data, size) != (ssize_t)size) {
                close(fd);
                return 0;
        }
        lseek(fd, 0, SEEK_SET);
        VlStream *s = vl_stream_new(fd, fd, false);
        for (;;) {
                json_t *msg = NULL;
                Error *e = NULL;
                int r = vl_stream_read(s, &msg, &e);
                err_free(e);
                if (r <= 0)
                        break;
                if (json_is_object(msg))
                        check_call(msg);
                json_decref(msg);
        }
        vl_stream_free(s);
        return 0;
}
