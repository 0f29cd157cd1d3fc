/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the files of the runtime module share: the Runtime object, child
 * process helpers and small /proc and cgroupfs readers. */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime.h"

struct Runtime {
        char *name;
        char *path;
        char *fallback_reason;
        char *state_dir;
        char *conmon_path;
        /* `--version` outputs, read when first asked for: running both
         * binaries cost every CLI invocation ~10 ms for what only
         * reports show. */
        pthread_mutex_t versions_lock;
        bool versions_done;
        char *version;
        char *version_line;
        char *conmon_version;
};

/* A runtime invocation must not hang the engine forever (a runtime stuck
 * on a frozen cgroup, say): it is killed after this long. */
#define RUNTIME_EXEC_TIMEOUT_MS (120 * 1000)
/* Output of a runtime invocation kept for parsing and messages. */
#define RUNTIME_OUTPUT_MAX (1024 * 1024)

/* Starts path with argv and envp (NULL: the current environment) in a new
 * child. child_fds[i] becomes fd i of the child (-1: /dev/null); every
 * other fd is closed at exec. cwd NULL keeps ours; new_pgrp puts the
 * child in a process group of its own, so a terminal's ^C aimed at the CLI
 * does not reach it. Signal mask and dispositions are reset. An exec
 * failure is reported here (the child is reaped). The caller reaps the
 * child on success. */
int runtime_spawn(const char *path, char *const argv[], char *const envp[], const int *child_fds,
                  int n_child_fds, const char *cwd, bool new_pgrp, pid_t *ret_pid,
                  Error **err) _must_check_;

/* waitpid for one specific child, retrying EINTR; the wait status in
 * *ret_status (-1 when the child was reaped elsewhere). */
void runtime_child_reap(pid_t pid, int *ret_status);

/* Runs `RUNTIME [--root DIR] --log-format=json ARGS...`, collecting its
 * output. Returns 0 when it exits 0; otherwise ERR_RUNTIME with
 * "NAME SUBCOMMAND: MESSAGE" where MESSAGE is the runtime's error
 * (runtime_message_extract of its stderr). ret_stdout may be NULL. */
int runtime_exec(const Runtime *rt, const char *const *args, char **ret_stdout,
                 Error **err) _must_check_;

/* The error text of a runtime's stderr: the msg of the last error record
 * when it logged JSON ({"level":"error","msg":"..."}) or logrus text
 * (time="..." level=error msg="..."), otherwise the trimmed text. New
 * string, or NULL when there is nothing. */
char *runtime_message_extract(const char *text);

/* Reads a whole (small) file; NUL-terminated; ERR_NOT_FOUND for ENOENT. */
int runtime_file_read(const char *path, size_t max, char **ret, size_t *ret_len,
                      Error **err) _must_check_;
/* Reads a file holding one unsigned number ("max" counts as UINT64_MAX). */
int runtime_file_read_u64(const char *path, uint64_t *ret, Error **err) _must_check_;
/* Value of "key value" in a flat-keyed file (memory.stat, cpu.stat). */
bool runtime_keyed_u64(const char *text, const char *key, uint64_t *ret);

/* mkdir -p with mode for new directories. */
int runtime_mkdir_p(const char *path, mode_t mode, Error **err) _must_check_;

/* Unix time now, ns. */
int64_t runtime_now_ns(void);

/* Removes trailing whitespace in place; returns s. */
char *runtime_strip(char *s);
