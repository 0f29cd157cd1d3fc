/* SPDX-License-Identifier: Apache-2.0 */
/* Methods not implemented yet whose reference answer named the method
 * fully qualified (generated stubs in the Go server), unlike the others,
 * which the varlink library answers with the bare name. Clients of the era
 * saw exactly these strings. */
#include "api-private.h"

#define QUALIFIED_STUB(name) \
        API_HANDLER(name) { (void)vl_call_error_not_implemented(call, "io.podman." #name, NULL); }

QUALIFIED_STUB(WaitPod)
QUALIFIED_STUB(TopPod)
QUALIFIED_STUB(ListContainerPorts)
QUALIFIED_STUB(GenerateKube)
QUALIFIED_STUB(GenerateKubeService)
QUALIFIED_STUB(ReplayKube)
