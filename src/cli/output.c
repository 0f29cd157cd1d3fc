/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "xalloc.h"

void cli_json_print(json_t *value) {
        _cleanup_free_ char *text = json_dumps(value, JSON_INDENT(2) | JSON_ENCODE_ANY);
        if (text)
                printf("%s\n", text);
}

int cli_split_address(const char *arg, char **ret_address, char **ret_rest) {
        const char *slash = strrchr(arg, '/');
        if (!slash || slash == arg || !slash[1])
                return -1;
        *ret_address = xstrndup(arg, (size_t)(slash - arg));
        *ret_rest = xstrdup(slash + 1);
        return 0;
}
