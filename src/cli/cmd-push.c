/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod push [--tls-verify=BOOL] [--cert-dir DIR] [--creds U:P]
 * [--format oci|v2s2] [--remove-signatures] [--sign-by KEY] IMAGE [DEST]`.
 * DEST may carry a transport (docker://, docker-archive:, oci-archive:,
 * dir:); without one it is a registry reference. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "json-util.h"

int cmd_push(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "tls-verify", optional_argument, NULL, 't' },
                { "cert-dir", required_argument, NULL, 'c' },
                { "creds", required_argument, NULL, 'r' },
                { "format", required_argument, NULL, 'f' },
                { "remove-signatures", no_argument, NULL, 's' },
                { "sign-by", required_argument, NULL, 'k' },
                { "compress", no_argument, NULL, 'z' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        bool tls_verify = true, remove_signatures = false, compress = false;
        const char *cert_dir = "", *creds = "", *format = "", *sign_by = "";
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "f:qh", options, NULL)) != -1) {
                switch (c) {
                case 't':
                        tls_verify = !optarg || STREQ(optarg, "true");
                        break;
                case 'c':
                        cert_dir = optarg;
                        break;
                case 'r':
                        creds = optarg;
                        break;
                case 'f':
                        format = optarg;
                        break;
                case 's':
                        remove_signatures = true;
                        break;
                case 'k':
                        sign_by = optarg;
                        break;
                case 'z':
                        compress = true;
                        break;
                case 'q':
                        break;
                case 'h':
                        printf("usage: varpod push [--tls-verify=BOOL] [--cert-dir DIR] "
                               "[--creds USER:PASS] [--format oci|v2s2] IMAGE [DESTINATION]\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (optind >= argc || argc - optind > 2) {
                cli_error("push needs an image and optionally a destination");
                return CLI_EXIT_ERROR;
        }
        CliSession s;
        if (cli_session_open(g, &s) < 0)
                return CLI_EXIT_ERROR;
        _cleanup_json_ json_t *params = json_pack(
                "{s:s, s:s, s:b, s:s, s:s, s:s, s:b, s:s, s:b, s:s}", "name", argv[optind], "tag",
                optind + 1 < argc ? argv[optind + 1] : "", "tlsverify", tls_verify,
                "signaturePolicy", "", "creds", creds, "certDir", cert_dir, "compress", compress,
                "format", format, "removeSignatures", remove_signatures, "signBy", sign_by);
        int r = cli_call(&s, "io.podman.PushImage", params, NULL);
        cli_session_close(&s);
        return r < 0 ? CLI_EXIT_ERROR : 0;
}
