/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The OCI runtime (runc or crun) and the container monitor (conmon), as
 * podman 4 drives them: conmon is started detached for each container,
 * runs `RUNTIME create` for us, reports the container PID (or the
 * runtime's error) on a sync pipe, then stays with the container for its
 * whole life: it owns its stdio, writes the k8s-file log, serves the
 * attach socket and the ctl FIFO, writes EXITDIR/ID when the container
 * exits and runs the exit command. Everything else in the lifecycle
 * (start, state, kill, pause, resume, delete) is a plain call of the
 * runtime binary. Also here: where a container's cgroup is and what it
 * has used (GetContainerStats), its processes in ps style
 * (ListContainerProcesses), and the client side of the attach socket.
 *
 * The engine never becomes the parent of a container or of a conmon
 * daemon: the only children it waits for are the short-lived runtime
 * invocations and conmon's first process, which exits as soon as the
 * daemon has forked. Containers therefore survive the engine. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* sun_path holds 108 bytes including the final NUL. */
#define RUNTIME_SOCKET_PATH_MAX 107
/* How long runtime_create waits for conmon's answer when the options say
 * 0: podman's ContainerCreateTimeout. */
#define RUNTIME_CREATE_TIMEOUT_DEFAULT_MS (240 * 1000)

/* ---- selection ---------------------------------------------------------- */

typedef struct Runtime Runtime;

/* Finds the OCI runtime to use and conmon. configured is NULL (prefer crun,
 * as podman 4 does), "runc", "crun", or a path to a runtime binary. crun
 * 1.8 refuses to create containers when the host mixes cgroup v1
 * controllers with a cgroup2 hierarchy that has controllers of its own (the
 * "hybrid" layout); that is detected from the cgroup mounts, and runc is
 * used instead, with the reason kept for GetInfo (runtime_fallback_reason).
 * A missing conmon is not an error here (state, kill... still work);
 * runtime_create fails with ERR_NOT_SUPPORTED then. Returns 0 and a new
 * Runtime in *ret; ERR_NOT_FOUND when no usable runtime exists. */
int runtime_open(const char *configured, Runtime **ret, Error **err) _must_check_;
/* Frees; accepts NULL; returns NULL. */
Runtime *runtime_free(Runtime *rt);
DEFINE_CLEANUP(Runtime, runtime_free)

/* Gives the runtime its own state directory (`--root DIR` before every
 * subcommand, including the create that conmon runs), so containers of
 * other engines sharing the binary stay invisible. Call before any
 * container operation; not thread-safe against concurrent calls. */
void runtime_state_dir_set(Runtime *rt, const char *dir);

/* Borrowed strings, valid until runtime_free. name is "runc", "crun" or
 * the basename of a configured path; version is the full trimmed output
 * of `RUNTIME --version` (podman shows it whole in GetInfo) and
 * version_line its first line ("runc version 1.1.5+ds1"). The fallback
 * reason is NULL when the runtime asked for is the one in use, otherwise
 * e.g. "crun cannot run containers on this host (cgroup v1/v2 hybrid);
 * using runc". conmon_path/conmon_version are NULL without conmon. */
const char *runtime_name(const Runtime *rt);
const char *runtime_path(const Runtime *rt);
const char *runtime_version(const Runtime *rt);
const char *runtime_version_line(const Runtime *rt);
const char *runtime_fallback_reason(const Runtime *rt);
const char *runtime_state_dir(const Runtime *rt);
const char *runtime_conmon_path(const Runtime *rt);
const char *runtime_conmon_version(const Runtime *rt);

/* Whether crun can create containers on this host. Returns true, or false
 * with a new reason string in *ret_reason ("cgroup v1/v2 hybrid"). */
bool runtime_crun_is_usable(char **ret_reason);

/* ---- create (conmon) ---------------------------------------------------- */

typedef struct RuntimeCreateOptions {
        const char *id;         /* container ID: runtime name, conmon --cid and --cuuid */
        const char *name;       /* container name for conmon's log tags; NULL: the ID */
        const char *bundle_dir; /* holds config.json; conmon also puts ctl, winsz and attach here */
        const char *log_path;   /* k8s-file log conmon writes */
        const char *exit_dir;   /* conmon writes EXITDIR/ID with the exit code */
        const char *socket_dir; /* conmon links SOCKETDIR/ID -> bundle; keep it short */
        const char *pid_file;   /* the runtime writes the container PID here */
        const char *conmon_pid_file; /* conmon's daemon writes its PID here */
        bool terminal;               /* a pty for the container (process.terminal in config.json) */
        bool interactive;            /* keep a stdin pipe open for attach clients */
        /* Without it (podman 1.0's way), conmon closes the container's stdin
         * as soon as an attach client hangs up or shuts down its writing
         * side: how clients signal EOF, but detaching ends stdin too. */
        bool leave_stdin_open;
        bool no_pivot; /* runtime create --no-pivot */
        /* argv of the command conmon runs after the exit (argv[0] absolute,
         * NULL-terminated) or NULL; exit_delay seconds before it runs. */
        const char *const *exit_command;
        int exit_delay;
        const char *log_level; /* conmon --log-level (debug, info, warn, error) or NULL */
        int64_t log_size_max;  /* bytes; <= 0 for unlimited */
        /* Extra runtime options, placed before "create" (e.g. "--debug");
         * options every later call needs belong in runtime_state_dir_set. */
        const char *const *runtime_args;
        int timeout_ms; /* wait for conmon's answer; 0: RUNTIME_CREATE_TIMEOUT_DEFAULT_MS */
} RuntimeCreateOptions;

typedef struct RuntimeContainer {
        pid_t pid;        /* the container's init process, in the host PID namespace */
        pid_t conmon_pid; /* conmon's daemon */
} RuntimeContainer;

/* Creates the container (state "created"; runtime_start runs it) under a
 * new conmon, the podman 4 way: conmon --api-version with _OCI_SYNCPIPE
 * and _OCI_STARTPIPE, double-forked and detached. Stale pid and exit files
 * from an earlier run are removed first; exit_dir and socket_dir are made
 * when missing. The attach socket will be SOCKETDIR/ID/attach, which must
 * fit RUNTIME_SOCKET_PATH_MAX (ERR_INVALID_ARGUMENT otherwise). When the
 * runtime fails, the error is ERR_RUNTIME carrying its own message
 * ("runc create: runc create failed: unable to start container process:
 * exec: ..."), and whatever the runtime left behind is deleted. ERR_TIMEOUT
 * when conmon does not answer within the timeout (conmon is then killed). */
int runtime_create(const Runtime *rt, const RuntimeCreateOptions *o, RuntimeContainer *ret,
                   Error **err) _must_check_;

/* "SOCKETDIR/ID/attach", the path GetAttachSockets returns. New string. */
char *runtime_attach_socket_path(const char *socket_dir, const char *id);
/* "BUNDLE/ctl", the FIFO conmon reads control lines from. New string. */
char *runtime_ctl_path(const char *bundle_dir);

/* Asks conmon to resize the container's terminal ("1 ROWS COLS\n" on the
 * ctl FIFO). ERR_BAD_STATE when no conmon is reading the FIFO. */
int runtime_tty_resize(const char *bundle_dir, unsigned rows, unsigned cols,
                       Error **err) _must_check_;

/* Whether pid is a live (not zombie) conmon process. */
bool runtime_conmon_is_alive(pid_t pid);

/* ---- lifecycle (runtime binary) ----------------------------------------- */

typedef enum RuntimeStatus {
        RUNTIME_STATUS_UNKNOWN = 0,
        RUNTIME_STATUS_CREATING,
        RUNTIME_STATUS_CREATED,
        RUNTIME_STATUS_RUNNING,
        RUNTIME_STATUS_PAUSED,
        RUNTIME_STATUS_STOPPED,
} RuntimeStatus;

typedef struct RuntimeState {
        RuntimeStatus status;
        pid_t pid; /* init process; 0 when stopped */
} RuntimeState;

/* "created", "running", ... as the OCI spec spells them. */
const char *runtime_status_name(RuntimeStatus s);

/* Each runs the runtime binary once. Failures are ERR_RUNTIME with the
 * runtime's own message ("runc start: cannot start a container that has
 * stopped"); runtime_state says ERR_NOT_FOUND when the runtime does not
 * know the container. kill sends sig (a number) to the init process, or
 * with all to every process of the container. delete with force also
 * kills a running container; deleting an unknown container succeeds. */
int runtime_start(const Runtime *rt, const char *id, Error **err) _must_check_;
int runtime_state(const Runtime *rt, const char *id, RuntimeState *ret, Error **err) _must_check_;
int runtime_kill(const Runtime *rt, const char *id, int sig, bool all, Error **err) _must_check_;
int runtime_pause(const Runtime *rt, const char *id, Error **err) _must_check_;
int runtime_resume(const Runtime *rt, const char *id, Error **err) _must_check_;
int runtime_delete(const Runtime *rt, const char *id, bool force, Error **err) _must_check_;

/* Reads EXITDIR/ID as conmon wrote it: the exit code (128+N after signal
 * N; -1 when conmon timed the container out) and, from its mtime, the
 * exit time in Unix ns. ERR_NOT_FOUND while the container has not exited. */
int runtime_exit_file_read(const char *exit_dir, const char *id, int *ret_code,
                           int64_t *ret_time_ns, Error **err) _must_check_;
/* runtime_exit_file_read, waiting up to timeout_ms for the file (woken by
 * inotify); ERR_TIMEOUT. */
int runtime_exit_file_wait(const char *exit_dir, const char *id, int timeout_ms, int *ret_code,
                           int64_t *ret_time_ns, Error **err) _must_check_;

/* ---- cgroups ------------------------------------------------------------ */

typedef enum RuntimeCgroupMode {
        RUNTIME_CGROUP_LEGACY,  /* v1 controllers only */
        RUNTIME_CGROUP_HYBRID,  /* v1 controllers plus /sys/fs/cgroup/unified */
        RUNTIME_CGROUP_UNIFIED, /* v2 only */
} RuntimeCgroupMode;

int runtime_cgroup_mode(RuntimeCgroupMode *ret, Error **err) _must_check_;

/* The directory of a container's cgroup for the cgroupfs manager:
 * cgroups_path is linux.cgroupsPath of its config ("/varpod/ID"),
 * controller a v1 controller ("memory", "cpuacct", "pids"...) found in the
 * mount table; ignored on v2, where the unified path is returned. New
 * string in *ret; ERR_NOT_SUPPORTED when the controller is not mounted. */
int runtime_cgroup_dir(const char *cgroups_path, const char *controller, char **ret,
                       Error **err) _must_check_;

typedef struct RuntimeStats {
        uint64_t cpu_ns;        /* CPU time of the cgroup, all modes */
        uint64_t cpu_kernel_ns; /* of which in kernel mode */
        uint64_t system_cpu_ns; /* the host's CPU time (/proc/stat, all CPUs, all modes) */
        uint64_t ncpus;         /* per-CPU counters of the cgroup (v1) or online CPUs */
        uint64_t mem_usage;     /* bytes, page cache excluded (as docker does) */
        uint64_t mem_limit;     /* bytes, never above the host's memory */
        uint64_t blk_read;      /* bytes */
        uint64_t blk_write;
        uint64_t pids;   /* tasks in the cgroup */
        uint64_t net_rx; /* bytes over all interfaces but lo of the container's netns */
        uint64_t net_tx;
        int64_t read_ns; /* when the sample was taken, Unix ns */
} RuntimeStats;

/* One sample of a container's resource use. pid is its init process (for
 * the network counters, read from /proc/PID/net/dev, i.e. inside its
 * network namespace); 0 skips them. ERR_NOT_FOUND when the cgroup does not
 * exist. */
int runtime_cgroup_stats_read(const char *cgroups_path, pid_t pid, RuntimeStats *ret,
                              Error **err) _must_check_;

/* The host PIDs of the processes in the container's cgroup (cgroup.procs),
 * ascending. New array in *ret (NULL when none). */
int runtime_cgroup_pids_read(const char *cgroups_path, pid_t **ret, size_t *ret_n,
                             Error **err) _must_check_;

/* Removes the container's cgroup directories that are empty (after
 * runtime_delete, runc leaves the parents of cgroups_path behind);
 * removes parents too, up to levels directories above the leaf. Missing
 * directories are fine; a busy one is left in place. */
void runtime_cgroup_prune(const char *cgroups_path, unsigned levels);

/* ---- processes (ListContainerProcesses) ----------------------------------- */

typedef struct RuntimePsFormat RuntimePsFormat;

/* The format from ps(1) options as a shell user types them: ["-ef"],
 * ["-eo", "pid,user,comm"], ["-o", "pid=ID,args"], ["aux"]; NULL or empty
 * gives ps's default (PID TTY TIME CMD). Lines come space-aligned with ps's
 * renderings (etime "01:02", time "00:00:00", %cpu "0.0").
 * ERR_INVALID_ARGUMENT for options or columns it does not know. */
int runtime_ps_format_from_options(const char *const *opts, size_t n, RuntimePsFormat **ret,
                                   Error **err) _must_check_;
/* The format from psgo descriptors, as io.podman's ListContainerProcesses
 * takes them: ["user", "pid", "%C", "etime", "capeff", ...] (ps names or AIX
 * codes). Lines are joined by single TABs with psgo's renderings (etime as
 * a Go duration, %CPU "0.000"). ERR_INVALID_ARGUMENT ("'x': unknown
 * descriptor") for an unknown descriptor. */
int runtime_ps_format_from_descriptors(const char *const *descriptors, size_t n,
                                       RuntimePsFormat **ret, Error **err) _must_check_;
RuntimePsFormat *runtime_ps_format_free(RuntimePsFormat *f);
DEFINE_CLEANUP(RuntimePsFormat, runtime_ps_format_free)

/* Renders the header and one line per process of pids (host PIDs, e.g.
 * from runtime_cgroup_pids_read) by reading /proc/PID/{stat,status,cmdline}.
 * PIDs and parent PIDs are shown as the container sees them (the last
 * NSpid), user names come from the container's /etc/passwd. Processes that
 * vanish meanwhile are skipped. New NULL-terminated array of new strings in
 * *ret_lines, count in *ret_n (header included). */
int runtime_ps_lines(const RuntimePsFormat *f, const pid_t *pids, size_t n, char ***ret_lines,
                     size_t *ret_n, Error **err) _must_check_;

/* ---- attach (client side of conmon's attach socket) ------------------------ */

typedef enum RuntimeStream {
        RUNTIME_STREAM_STDOUT = 2, /* conmon's tag bytes */
        RUNTIME_STREAM_STDERR = 3,
} RuntimeStream;

/* Connects to SOCKETDIR/ID/attach (SOCK_SEQPACKET). conmon forwards only
 * output produced after the connection, so `run -a` connects between
 * runtime_create and runtime_start. New fd in *ret_fd. */
int runtime_attach_connect(const char *socket_path, int *ret_fd, Error **err) _must_check_;

/* Largest data part of a packet conmon sends (its STDIO_BUF_SIZE). */
#define RUNTIME_ATTACH_PACKET_MAX 8192

/* Waits up to timeout_ms (-1: forever) for one packet and gives its stream
 * and data (size should be RUNTIME_ATTACH_PACKET_MAX or more; a packet
 * that does not fit is ERR_PROTOCOL). Returns 1 with a packet, 0 at the
 * end (conmon closed: the container's output is over), negative on error
 * (ERR_TIMEOUT when nothing came). */
int runtime_attach_read(int fd, int timeout_ms, RuntimeStream *ret_stream, void *buf, size_t size,
                        size_t *ret_len, Error **err) _must_check_;

/* Sends bytes to the container's stdin (in packets conmon can take). */
int runtime_attach_write(int fd, const void *buf, size_t len, Error **err) _must_check_;

/* Tells conmon stdin is over: it closes the container's stdin (unless run
 * with --leave-stdin-open). */
int runtime_attach_close_stdin(int fd, Error **err) _must_check_;

typedef struct RuntimeAttachOptions {
        int in_fd;  /* stdin to forward, -1 for none */
        int out_fd; /* where stdout packets go, -1 to drop */
        int err_fd; /* where stderr packets go, -1 to drop */
        /* Bytes typed on in_fd that detach instead of being forwarded
         * (podman's default is ctrl-p ctrl-q, "\x10\x11"); NULL for none. */
        const char *detach_keys;
        int cancel_fd; /* readable (or hung up) means stop; -1 for none */
} RuntimeAttachOptions;

typedef enum RuntimeAttachEnd {
        RUNTIME_ATTACH_EOF = 0, /* conmon closed the socket: output is complete */
        RUNTIME_ATTACH_DETACHED,
        RUNTIME_ATTACH_CANCELLED,
} RuntimeAttachEnd;

/* Pumps in_fd to the socket and the socket to out_fd/err_fd until conmon
 * closes it, the detach keys are typed or cancel_fd fires. At EOF of in_fd
 * the container's stdin is closed (runtime_attach_close_stdin) and output
 * keeps flowing. Does not close any fd. Returns a RuntimeAttachEnd (>= 0),
 * or negative on error. */
int runtime_attach_pump(int sock, const RuntimeAttachOptions *o, Error **err) _must_check_;
