/* SPDX-License-Identifier: Apache-2.0 */
/* RemoveImage with force removes the image's containers first
 * (semantics 2.5 #35), running ones stopped, as libpod did. */
#include "container-fs.h"
#include "xalloc.h"

int container_remove_by_image(Engine *e, const char *image_id, Error **err) {
        Container **list = NULL;
        size_t n = 0;
        if (container_list(e, &list, &n, err) < 0)
                return -1;
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                if (!STREQ(list[i]->image_id, image_id))
                        continue;
                Error *e2 = NULL;
                if (container_remove(e, list[i], true, &e2) < 0) {
                        /* Removed by someone else meanwhile: fine. */
                        if (e2->kind == ERR_CONTAINER_NOT_FOUND)
                                err_free(e2);
                        else
                                r = err_propagate(err, e2);
                }
        }
        container_list_free(list, n);
        if (r < 0)
                return err_wrap(err, "remove containers of image %s", image_id);
        return 0;
}
