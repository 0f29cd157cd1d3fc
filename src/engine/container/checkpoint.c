/* SPDX-License-Identifier: Apache-2.0 */
/* Checkpoint and restore (container-checkpoint.h): the preconditions of
 * podman 1.0, then the host's CRIU. The CRIU facts are the host's, not
 * an engine's, so they are found once per process. */
#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>

#include "container-checkpoint.h"
#include "container-private.h"
#include "runtime-criu.h"
#include "xalloc.h"

static pthread_once_t criu_once = PTHREAD_ONCE_INIT;
static Error *criu_version_error; /* NULL: criu is there and new enough */
static Error *criu_check_error;   /* NULL: `criu check` passed */

static void criu_probe(void) {
        int version = 0;
        if (runtime_criu_version(&version, &criu_version_error) == 0 &&
            version < RUNTIME_CRIU_MIN_VERSION)
                err_set(&criu_version_error, ERR_NOT_SUPPORTED, 0, "criu %d is too old", version);
        /* The error, if any, is the answer kept. */
        if (!criu_version_error && runtime_criu_check(&criu_check_error) < 0)
                return;
}

/* CRIU installed and at least podman's minimum version. */
static int criu_version_check(Error **err) {
        pthread_once(&criu_once, criu_probe);
        if (criu_version_error)
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "checkpointing a container requires at least CRIU %d",
                               RUNTIME_CRIU_MIN_VERSION);
        return 0;
}

/* CRIU able to work on this host's kernel; what says "checkpointing" or
 * "restoring". */
static int criu_works_check(const char *what, Error **err) {
        pthread_once(&criu_once, criu_probe);
        if (criu_check_error)
                return err_set(err, ERR_NOT_SUPPORTED, 0,
                               "%s a container requires a working CRIU: %s", what,
                               criu_check_error->message);
        return 0;
}

/* c brought up to date under its lock, which the caller releases. */
static int container_lock_synced(Engine *e, Container *c, Lock *l, Error **err) {
        if (container_lock(e, c->id, l, err) < 0)
                return -1;
        return container_sync(e, c, err);
}

int container_checkpoint(Engine *e, Container *c, const ContainerCheckpointOptions *o,
                         Error **err) {
        (void)o;
        if (criu_version_check(err) < 0)
                return -1;
        Lock l = LOCK_INIT;
        int r = container_lock_synced(e, c, &l, err);
        if (r == 0 && c->state != CONTAINER_STATE_RUNNING)
                r = err_set(err, ERR_BAD_STATE, 0,
                            "\"%s\" is not running, cannot checkpoint: container state improper",
                            container_state_name(c->state));
        if (r == 0)
                r = criu_works_check("checkpointing", err);
        if (r == 0)
                r = err_set(err, ERR_NOT_SUPPORTED, 0,
                            "checkpoint %s: dumping through the OCI runtime is not implemented",
                            c->id);
        lock_release(&l);
        return r;
}

int container_restore(Engine *e, Container *c, const ContainerCheckpointOptions *o, Error **err) {
        (void)o;
        if (criu_version_check(err) < 0)
                return -1;
        Lock l = LOCK_INIT;
        int r = container_lock_synced(e, c, &l, err);
        if (r == 0 && c->state != CONTAINER_STATE_CONFIGURED && c->state != CONTAINER_STATE_EXITED)
                r = err_set(err, ERR_BAD_STATE, 0,
                            "container %s is running or paused, cannot restore: container state "
                            "improper",
                            c->id);
        if (r == 0) {
                /* CRIU's inventory is the last file of a complete dump. */
                _cleanup_free_ char *userdata = container_userdata_dir(e, c->id);
                _cleanup_free_ char *inventory = xasprintf("%s/checkpoint/inventory.img", userdata);
                struct stat st;
                if (stat(inventory, &st) < 0 && errno == ENOENT)
                        r = err_set(err, ERR_NOT_FOUND, 0,
                                    "A complete checkpoint for this container cannot be found, "
                                    "cannot restore: stat %s: no such file or directory",
                                    inventory);
        }
        if (r == 0)
                r = criu_works_check("restoring", err);
        if (r == 0)
                r = err_set(err, ERR_NOT_SUPPORTED, 0,
                            "restore %s: restoring through conmon is not implemented", c->id);
        lock_release(&l);
        return r;
}
