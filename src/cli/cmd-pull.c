/* SPDX-License-Identifier: Apache-2.0 */
/* `varpod pull [--tls-verify=BOOL] [--cert-dir DIR] [--creds U:P]
 * [--authfile F] [-q] NAME`. In-process it pulls through the engine to
 * draw progress; remotely it asks PullImage, which reports none. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "image.h"
#include "json-util.h"
#include "xalloc.h"

#define PROGRESS_BLOBS_MAX 64

typedef struct Progress {
        pthread_mutex_t lock;
        bool tty;
        bool quiet;
        size_t n;
        struct {
                char digest[80];
                uint64_t done, total;
                bool finished;
        } blobs[PROGRESS_BLOBS_MAX];
        size_t drawn;    /* lines drawn last time (tty) */
        int64_t last_ms; /* last redraw */
} Progress;

static int64_t mono_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void progress_draw(Progress *p) {
        /* Move up over the previous drawing and draw every bar again. */
        if (p->drawn)
                fprintf(stderr, "\033[%zuA", p->drawn);
        for (size_t i = 0; i < p->n; i++) {
                char done[32], total[32];
                cli_size_format((int64_t)p->blobs[i].done, done, sizeof done);
                cli_size_format((int64_t)p->blobs[i].total, total, sizeof total);
                int width = 30, fill = 0;
                if (p->blobs[i].total > 0)
                        fill = (int)((double)p->blobs[i].done / (double)p->blobs[i].total * width);
                if (fill > width)
                        fill = width;
                fprintf(stderr, "\rCopying blob %.19s [%.*s%*s] %s / %s\033[K\n",
                        p->blobs[i].digest + 7, fill,
                        "==============================", width - fill, "", done, total);
        }
        p->drawn = p->n;
        fflush(stderr);
}

static void progress_update(void *userdata, const char *digest, uint64_t done, uint64_t total) {
        Progress *p = userdata;
        if (p->quiet)
                return;
        pthread_mutex_lock(&p->lock);
        size_t i;
        for (i = 0; i < p->n; i++)
                if (STREQ(p->blobs[i].digest, digest))
                        break;
        if (i == p->n && p->n < PROGRESS_BLOBS_MAX) {
                snprintf(p->blobs[i].digest, sizeof p->blobs[i].digest, "%s", digest);
                p->n++;
                if (!p->tty)
                        fprintf(stderr, "Copying blob %s\n", digest);
        }
        if (i < p->n) {
                p->blobs[i].done = done;
                p->blobs[i].total = total;
                bool finished = total > 0 && done >= total;
                if (finished && !p->blobs[i].finished && !p->tty)
                        fprintf(stderr, "Copying blob %s done\n", digest);
                p->blobs[i].finished = finished;
        }
        int64_t now = mono_ms();
        if (p->tty && (now - p->last_ms >= 100 || (i < p->n && p->blobs[i].finished))) {
                progress_draw(p);
                p->last_ms = now;
        }
        pthread_mutex_unlock(&p->lock);
}

int cmd_pull(CliGlobals *g, int argc, char **argv) {
        static const struct option options[] = {
                { "tls-verify", optional_argument, NULL, 't' },
                { "cert-dir", required_argument, NULL, 'c' },
                { "creds", required_argument, NULL, 'r' },
                { "authfile", required_argument, NULL, 'a' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        ImagePullOptions opts = { 0 };
        Progress progress = { .lock = PTHREAD_MUTEX_INITIALIZER, .tty = isatty(STDERR_FILENO) };
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
                switch (c) {
                case 't':
                        opts.tls_verify_set = true;
                        opts.tls_verify = !optarg || STREQ(optarg, "true");
                        break;
                case 'c':
                        opts.cert_dir = optarg;
                        break;
                case 'r':
                        opts.creds = optarg;
                        break;
                case 'a':
                        opts.auth_file = optarg;
                        break;
                case 'q':
                        progress.quiet = true;
                        break;
                case 'h':
                        printf("usage: varpod pull [--tls-verify=BOOL] [--cert-dir DIR] "
                               "[--creds USER:PASS] [--authfile FILE] [-q] NAME\n");
                        return 0;
                default:
                        return CLI_EXIT_ERROR;
                }
        }
        if (optind + 1 != argc) {
                cli_error("pull needs exactly one image name");
                return CLI_EXIT_ERROR;
        }
        const char *name = argv[optind];

        if (g->remote) {
                CliSession s;
                if (cli_session_open(g, &s) < 0)
                        return CLI_EXIT_ERROR;
                _cleanup_json_ json_t *params = json_pack(
                        "{s:s, s:s, s:s, s:b}", "name", name, "certDir",
                        opts.cert_dir ? opts.cert_dir : "", "creds", opts.creds ? opts.creds : "",
                        "tlsVerify", opts.tls_verify_set && opts.tls_verify);
                _cleanup_json_ json_t *reply = NULL;
                int r = cli_call(&s, "io.podman.PullImage", params, &reply);
                cli_session_close(&s);
                if (r < 0)
                        return CLI_EXIT_ERROR;
                printf("%s\n", json_string_value(json_object_get(reply, "id")));
                return 0;
        }

        _cleanup_error_ Error *e = NULL;
        _cleanup_(engine_freep) Engine *engine = NULL;
        if (engine_open(&engine, &g->config, &e) < 0) {
                cli_error("%s", e->message);
                return CLI_EXIT_ERROR;
        }
        opts.progress = progress_update;
        opts.progress_userdata = &progress;
        _cleanup_free_ char *id = NULL;
        if (image_pull(engine, name, &opts, &id, &e) < 0) {
                fprintf(stderr, "Error: %s\n", e->message);
                return CLI_EXIT_ERROR;
        }
        if (progress.tty && !progress.quiet) {
                pthread_mutex_lock(&progress.lock);
                progress_draw(&progress);
                pthread_mutex_unlock(&progress.lock);
        }
        printf("%s\n", id);
        return 0;
}
