/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "version.h"

int cmd_version(CliGlobals *g, int argc, char **argv) {
        const VersionInfo *v = version_info();
        printf("Version:      %s\nRemoteAPI:    %" PRId64 "\nCompiler:     %s\n"
               "Git Commit:   %s\nBuilt:        %" PRId64 "\nOS/Arch:      %s\n",
               v->version, v->remote_api_version, v->compiler, v->git_commit, v->built, v->os_arch);
        return 0;
}
