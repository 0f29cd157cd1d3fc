/* SPDX-License-Identifier: Apache-2.0 */
/* A layer blob back to its uncompressed tar, byte for byte (so its digest
 * is the layer's diff ID): for docker-archive output and for loading. */
#include "layer-private.h"

int layer_decompress(int in_fd, LayerWriteFn write_fn, void *userdata, LayerExtractResult *ret,
                     Error **err) {
        _cleanup_(layer_stream_freep) LayerStream *s = layer_stream_new(in_fd, LAYER_SIZE_MAX);
        const void *buf;
        ssize_t n;
        while ((n = layer_stream_read(s, &buf, err)) > 0)
                if (write_fn(userdata, buf, (size_t)n) < 0)
                        return err_set(err, ERR_SYSTEM, EIO, "write decompressed layer");
        if (n < 0)
                return -1;
        if (ret)
                layer_stream_result(s, ret);
        return 0;
}
