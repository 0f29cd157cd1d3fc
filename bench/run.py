#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`make bench`: how fast and how lean the io.podman service is.

Starts `varpod varlink` on a unix socket in a temp dir, drives it with
bench/vlbench (raw sockets, every reply checked), compares it with
vlbench's echo server (the floor of any server on this machine) and prints
one figure a line, `name value unit`, after the machine context as `#`
comment lines. Then the images figures (bench/images.py): cold pulls from
a local registry against podman and skopeo, the service's memory during a
pull, ListImages latency with 200 images. Then the containers figures
(bench/containers.py): `run --rm` against podman and runc, ListContainers
with 1,000 containers, create/start/wait/remove cycles. Standard library
only; every step is bounded in time. See bench/README.md for what each figure means.
"""
import argparse
import json
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import containers
import images

PING_CALL = b'{"method":"io.podman.Ping"}\0'
PING_REPLY = b'{"parameters":{"ping":{"message":"OK"}}}\0'

# The service's resident memory right after start should stay under this.
RSS_IDLE_TARGET_KIB = 4096
# Growth from the 100,000th to the 1,000,000th call should stay under this.
RSS_GROWTH_TARGET_PERCENT = 10.0
# Ping on one connection should reach this fraction of the echo server's rate.
PING_VS_ECHO_TARGET = 0.7

# Calls: the RSS baseline is taken after STEADY_CALLS (over STEADY_CONNS
# connections, as many at once as the busiest later phase, so that the
# service has already grown whatever it keeps per concurrent connection),
# the final RSS after TOTAL_CALLS.
STEADY_CALLS = 100_000
STEADY_CONNS = 8
TOTAL_CALLS = 1_000_000
FILL_CONNS = 4
FILL_CALLS_PER_CONN = 25_000
PARALLEL_CONNS = 8
PARALLEL_CALLS_PER_CONN = 25_000
PARALLEL_WARMUP_PER_CONN = 1_000
UNPINNED_SAMPLE_CALLS = 20_000

# Time limits (seconds) of each load phase; a phase that hits its limit
# reports the calls it made, and the run says so.
PHASE_SECONDS = {"ping": 15, "sample": 4, "parallel": 10, "steady": 15, "fill": 40}
START_TIMEOUT = 20
STOP_TIMEOUT = 15


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# The machine and the build.


def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
        return out.splitlines()[0] if out.strip() else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def read_text(path, default="unknown"):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def varpod_version(varpod):
    try:
        out = subprocess.run([varpod, "version"], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    version = fields.get("Version", "unknown").strip()
    commit = fields.get("Git Commit", "").strip()
    return "%s (commit %s)" % (version, commit[:12]) if commit else version


def build_options(build):
    try:
        with open(os.path.join(build, "meson-info", "intro-buildoptions.json")) as f:
            opts = {o["name"]: o["value"] for o in json.load(f)}
    except (OSError, ValueError, KeyError):
        return "unknown"
    sanitize = opts.get("b_sanitize", "none")
    return "buildtype=%s b_sanitize=%s" % (opts.get("buildtype", "?"), sanitize)


def print_context(varpod, build):
    print("# kernel: %s %s" % (platform.system(), platform.release()))
    print("# cpu: %s" % cpu_model())
    print("# nproc: %d (usable by this run: %d)" % (os.cpu_count() or 0,
                                                   len(os.sched_getaffinity(0))))
    print("# cpuidle: %s" % read_text("/sys/devices/system/cpu/cpuidle/current_driver", "none"))
    print("# varpod: %s; %s" % (varpod_version(varpod), build_options(build)))
    sys.stdout.flush()


# ---------------------------------------------------------------------------
# Processes.


def proc_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


def proc_cpu_seconds(pid):
    """User plus system time of the whole process, exited threads included."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime 14 and stime 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_set_affinity(pid, cpus):
    """Every thread of pid; threads created later inherit it from their
    creator (the service's accept loop runs on its main thread)."""
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            os.sched_setaffinity(int(tid), cpus)
        except OSError:
            pass  # a connection thread that just ended


def wait_listening(path, proc, timeout):
    """Waits for the socket file, then for a Ping to be answered. Returns the
    RSS read when the file appeared, before any connection was made."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if proc.poll() is not None:
            raise RuntimeError("server exited with status %d" % proc.returncode)
        if time.monotonic() > deadline:
            raise TimeoutError("server did not create %s" % path)
        time.sleep(0.01)
    # Let start-up finish (the socket file is made just before listen()).
    time.sleep(0.3)
    rss = proc_rss_kib(proc.pid)
    while True:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(5)
                s.connect(path)
                s.sendall(PING_CALL)
                reply = b""
                while not reply.endswith(b"\0"):
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    reply += chunk
            if reply != PING_REPLY:
                raise RuntimeError("unexpected Ping reply: %r" % reply)
            return rss
        except (ConnectionRefusedError, FileNotFoundError):
            if time.monotonic() > deadline:
                raise TimeoutError("server did not answer on %s" % path)
            time.sleep(0.01)


def stop(proc, name):
    """SIGTERM, then SIGKILL after STOP_TIMEOUT. Returns the exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            log("%s ignored SIGTERM for %ds: killed" % (name, STOP_TIMEOUT))
            proc.kill()
            proc.wait()
    return proc.returncode


class Bench:
    def __init__(self, vlbench, workdir):
        self.vlbench = vlbench
        self.workdir = workdir

    def run(self, mode, address, *counts, warmup=0, seconds, cpus=None):
        """Runs one vlbench load and returns its "key value" lines as a dict
        of floats. cpus pins the client (None: the scheduler chooses)."""
        args = [self.vlbench, "-w", str(warmup), "-t", str(seconds), mode, address,
                *[str(c) for c in counts]]
        pre = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
        r = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60,
                           preexec_fn=pre)
        if r.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (" ".join(args[5:]), r.returncode,
                                                       r.stderr.strip()))
        out = {k: float(v) for k, v in (line.split() for line in r.stdout.splitlines())}
        planned = counts[-1] * (counts[0] if mode == "parallel" else 1)
        if out["calls"] < planned:
            log("%s %s stopped at its %ds limit after %d of %d calls" % (
                mode, address, seconds, out["calls"], planned))
        return out


# ---------------------------------------------------------------------------
# The measurements.


def median_run(runs):
    """The run with the median rate (the lower middle one of an even count)."""
    return sorted(runs, key=lambda r: r["rate"])[(len(runs) - 1) // 2]


def measure_rates(bench, address, pin, calls, warmup, repeat, proc):
    """The rate figures of one server: `repeat` pinned one-connection runs,
    one unpinned sample, `repeat` runs of PARALLEL_CONNS connections. Each
    run opens new connections. Returns a dict and the calls made."""
    r = {"seq": [], "par": []}
    made = 0
    if pin:
        proc_set_affinity(proc.pid, pin)
    cpu0 = proc_cpu_seconds(proc.pid)
    for _ in range(repeat):
        out = bench.run("ping", address, calls, warmup=warmup, seconds=PHASE_SECONDS["ping"],
                        cpus=pin)
        r["seq"].append(out)
        made += warmup + int(out["calls"])
    r["cpu_per_call_us"] = (proc_cpu_seconds(proc.pid) - cpu0) * 1e6 / made
    proc_set_affinity(proc.pid, os.sched_getaffinity(0))

    r["sample"] = bench.run("ping", address, UNPINNED_SAMPLE_CALLS, warmup=1000,
                            seconds=PHASE_SECONDS["sample"])
    made += 1000 + int(r["sample"]["calls"])
    for _ in range(repeat):
        out = bench.run("parallel", address, PARALLEL_CONNS, PARALLEL_CALLS_PER_CONN,
                        warmup=PARALLEL_WARMUP_PER_CONN, seconds=PHASE_SECONDS["parallel"])
        r["par"].append(out)
        made += PARALLEL_CONNS * PARALLEL_WARMUP_PER_CONN + int(out["calls"])
    return r, made


def measure_echo(bench, pin, calls, warmup, repeat):
    path = os.path.join(bench.workdir, "echo")
    log("echo server: %d x %d pinned calls, %d x %d connections" % (
        repeat, calls, repeat, PARALLEL_CONNS))
    with open(os.path.join(bench.workdir, "echo.log"), "w") as logf:
        proc = subprocess.Popen([bench.vlbench, "echo-server", path], stdout=logf,
                                stderr=subprocess.STDOUT)
    try:
        wait_listening(path, proc, START_TIMEOUT)
        r, _ = measure_rates(bench, path, pin, calls, warmup, repeat, proc)
    finally:
        stop(proc, "echo server")
    return r


def measure_varpod(bench, varpod, pin, calls, warmup, repeat):
    tmp = bench.workdir
    sock = os.path.join(tmp, "io.podman")
    env = dict(os.environ)
    env.pop("VARPOD_CHECK_REPLIES", None)  # test-only reply checking costs time
    args = [varpod, "--root", os.path.join(tmp, "root"), "--runroot", os.path.join(tmp, "run"),
            "varlink", "--timeout", "0", "unix:" + sock]
    log("varpod: start")
    with open(os.path.join(tmp, "varpod.log"), "w") as logf:
        proc = subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT, env=env)
    r = {}
    try:
        r["rss_idle"] = wait_listening(sock, proc, START_TIMEOUT)
        total = 1

        # Memory first, on a service that has seen nothing else: the
        # baseline after STEADY_CALLS, then rounds of FILL_CONNS fresh
        # connections up to TOTAL_CALLS, so that what a call or a
        # connection leaves behind adds up.
        per_conn = math.ceil((STEADY_CALLS - total) / STEADY_CONNS)
        log("varpod: %d calls over %d connections (steady state)" % (
            per_conn * STEADY_CONNS, STEADY_CONNS))
        out = bench.run("parallel", sock, STEADY_CONNS, per_conn, seconds=PHASE_SECONDS["steady"])
        total += int(out["calls"])
        r["rss_steady"] = proc_rss_kib(proc.pid)
        r["rss_steady_calls"] = total
        log("varpod: %d more calls in rounds of %d connections" % (TOTAL_CALLS - total,
                                                                    FILL_CONNS))
        deadline = time.monotonic() + PHASE_SECONDS["fill"]
        while total < TOTAL_CALLS and time.monotonic() < deadline:
            per_conn = min(FILL_CALLS_PER_CONN, math.ceil((TOTAL_CALLS - total) / FILL_CONNS))
            out = bench.run("parallel", sock, FILL_CONNS, per_conn,
                            seconds=max(1, deadline - time.monotonic()))
            total += int(out["calls"])
        r["rss_final"] = proc_rss_kib(proc.pid)
        r["rss_final_calls"] = total

        log("varpod: %d x %d pinned calls, %d x %d connections" % (
            repeat, calls, repeat, PARALLEL_CONNS))
        rates, _ = measure_rates(bench, sock, pin, calls, warmup, repeat, proc)
        r.update(rates)
    finally:
        r["exit"] = stop(proc, "varpod")
        log("varpod: stopped with status %s" % r["exit"])
    if r["exit"] != 0:
        with open(os.path.join(tmp, "varpod.log")) as f:
            log("varpod's output:\n" + f.read()[-4000:])
    return r


def find_vlbench(build):
    path = os.path.join(build, "bench", "vlbench")
    if not os.path.exists(path):
        # A build directory configured before bench/ existed does not know
        # it: the root meson.build only looks for bench/ at setup time.
        log("%s is missing: reconfiguring %s" % (path, build))
        subprocess.run(["meson", "setup", "--reconfigure", build], check=True,
                       stdout=subprocess.DEVNULL, timeout=120)
    subprocess.run(["ninja", "-C", build, "bench/vlbench"], check=True,
                   stdout=subprocess.DEVNULL, timeout=120)
    return path


def figure(name, value, unit, fmt="%.0f"):
    print("%s %s %s" % (name, fmt % value, unit))


def verdict(ok):
    return "met" if ok else "MISSED"


def spread(runs):
    rates = [r["rate"] for r in runs]
    return "%.0f..%.0f" % (min(rates), max(rates))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--varpod", required=True, help="the varpod binary")
    p.add_argument("--build", required=True, help="the meson build directory")
    p.add_argument("--calls", type=int, default=200_000,
                   help="timed Ping calls on one connection (default 200000)")
    p.add_argument("--warmup", type=int, default=10_000,
                   help="untimed calls before them on the same connection (default 10000)")
    p.add_argument("--repeat", type=int, default=3,
                   help="runs of each rate measurement; the median one is reported (default 3)")
    p.add_argument("--big-mb", type=int, default=200,
                   help="size of the image pulled, in MiB of data in 3 layers (default 200)")
    p.add_argument("--pull-runs", type=int, default=3,
                   help="cold runs of each pull; the median one is reported (default 3)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--no-images", action="store_true",
                       help="skip the images figures (pulls, ListImages)")
    which.add_argument("--only-images", action="store_true",
                       help="only the images figures")
    p.add_argument("--no-containers", action="store_true",
                   help="skip the containers figures (run --rm, ListContainers, cycles)")
    a = p.parse_args()
    varpod = os.path.abspath(a.varpod)
    build = os.path.abspath(a.build)
    if not os.access(varpod, os.X_OK):
        sys.exit("bench: %s is not an executable; run `make build` first" % varpod)
    if a.calls < 1 or a.warmup < 0 or a.repeat < 1 or a.big_mb < 1 or a.pull_runs < 1:
        sys.exit("bench: --calls, --repeat, --big-mb and --pull-runs must be positive, "
                 "--warmup not negative")

    started = time.monotonic()
    print_context(varpod, build)
    if a.only_images:
        ok = images.run(varpod, a.big_mb, a.pull_runs)
        print("# run time: %.0f s" % (time.monotonic() - started))
        return 0 if ok else 1
    bench = Bench(find_vlbench(build), None)

    # Client and server of the one-connection runs share one CPU: on a VM a
    # wakeup across CPUs can cost more than the whole call and happens or
    # not at the scheduler's whim, so unpinned one-connection figures are
    # bimodal. The unpinned run is reported as a comment.
    usable = sorted(os.sched_getaffinity(0))
    pin = {usable[-1]} if len(usable) > 1 else None

    # Short enough for sun_path (108 bytes) whatever TMPDIR is.
    workdir = tempfile.mkdtemp(prefix="varpod-bench.", dir="/tmp")
    bench.workdir = workdir
    try:
        echo = measure_echo(bench, pin, a.calls, a.warmup, a.repeat)
        v = measure_varpod(bench, varpod, pin, a.calls, a.warmup, a.repeat)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    seq, echo_seq = median_run(v["seq"]), median_run(echo["seq"])
    par, echo_par = median_run(v["par"]), median_run(echo["par"])
    ratio = seq["rate"] / echo_seq["rate"]
    growth = (v["rss_final"] - v["rss_steady"]) * 100.0 / v["rss_steady"]
    print("# rates: median of %d runs; one-connection runs: %d calls after %d warm-up%s" % (
        a.repeat, a.calls, a.warmup,
        ", client and server pinned to CPU %d" % usable[-1] if pin else ""))
    figure("ping_rate", seq["rate"], "calls/s")
    figure("echo_rate", echo_seq["rate"], "calls/s")
    figure("ping_vs_echo", ratio, "ratio", "%.2f")
    print("# target: ping_vs_echo >= %.1f: %s" % (PING_VS_ECHO_TARGET,
                                                 verdict(ratio >= PING_VS_ECHO_TARGET)))
    figure("ping_latency_median", seq["median_us"], "us", "%.1f")
    figure("ping_latency_p99", seq["p99_us"], "us", "%.1f")
    figure("echo_latency_median", echo_seq["median_us"], "us", "%.1f")
    figure("echo_latency_p99", echo_seq["p99_us"], "us", "%.1f")
    figure("ping_server_cpu", v["cpu_per_call_us"], "us/call", "%.1f")
    figure("echo_server_cpu", echo["cpu_per_call_us"], "us/call", "%.1f")
    figure("parallel8_rate", par["rate"], "calls/s")
    figure("echo_parallel8_rate", echo_par["rate"], "calls/s")
    figure("parallel8_vs_echo", par["rate"] / echo_par["rate"], "ratio", "%.2f")
    print("# spread (min..max calls/s): ping %s, echo %s, parallel8 %s, echo parallel8 %s" % (
        spread(v["seq"]), spread(echo["seq"]), spread(v["par"]), spread(echo["par"])))
    s, e = v["sample"], echo["sample"]
    print("# unpinned one connection, %d calls: ping %.0f calls/s (median %.1f us, p99 %.1f us),"
          " echo %.0f calls/s (median %.1f us, p99 %.1f us)" % (
              UNPINNED_SAMPLE_CALLS, s["rate"], s["median_us"], s["p99_us"], e["rate"],
              e["median_us"], e["p99_us"]))
    figure("rss_idle", v["rss_idle"], "KiB")
    print("# target: rss_idle <= %d KiB (4 MiB): %s" % (
        RSS_IDLE_TARGET_KIB, verdict(v["rss_idle"] <= RSS_IDLE_TARGET_KIB)))
    figure("rss_after_100k", v["rss_steady"], "KiB")
    figure("rss_after_1m", v["rss_final"], "KiB")
    figure("rss_growth", growth, "percent", "%.1f")
    print("# target: rss_growth < %.0f%% (from call %d to call %d): %s" % (
        RSS_GROWTH_TARGET_PERCENT, v["rss_steady_calls"], v["rss_final_calls"],
        verdict(growth < RSS_GROWTH_TARGET_PERCENT)))
    if v["rss_final_calls"] < TOTAL_CALLS:
        print("# note: only %d calls were made in the time allowed" % v["rss_final_calls"])
    if v["exit"] != 0:
        print("# note: varpod exited with status %s on SIGTERM" % v["exit"])
    sys.stdout.flush()
    ok = v["exit"] == 0
    if not a.no_images:
        # After the service figures: the pulls drop the page cache and fill
        # the disk's write-back, which must not disturb them.
        ok = images.run(varpod, a.big_mb, a.pull_runs) and ok
    if not a.no_containers:
        # Last: containers (bench/containers.py), after the other parts.
        ok = containers.run(varpod) and ok
    print("# run time: %.0f s" % (time.monotonic() - started))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
