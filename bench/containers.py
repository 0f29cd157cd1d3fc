# SPDX-License-Identifier: Apache-2.0
"""The containers figures of `make bench` (called by bench/run.py).

- `run --rm IMAGE true` end to end: varpod in-process, varpod through the
  service (`--remote`), `podman run` (runc, same ulimits) and bare
  `runc run` of a prepared bundle; median of RUNS runs after WARMUP.
- ListContainers latency with LISTED containers (created through the
  service, never started), and `podman ps -a --format json` with as many
  podman containers (fewer when podman creates them too slowly).
- Throughput of create+start+wait+remove cycles by CLIENTS concurrent
  clients of the service.

Every container uses --network none (net_mode "none"); the host network is
never touched. Standard library only; every step has a time limit; every
process started here is stopped, every container removed and every temp
dir removed."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from images import (Conn, Service, comment, figure, log, median, percentile,
                    remove_tree)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SEED = os.path.join(REPO, "tools", "seed-busybox.sh")
IMAGE = "localhost/busybox"

RUNS = 15
WARMUP = 2
LISTED = 1000
LIST_CALLS = 50
LIST_WARMUP = 3
PODMAN_CREATE_BUDGET = 180  # seconds for LISTED podman creates, else PODMAN_FEWER
PODMAN_FEWER = 200
CLIENTS = 4
CYCLES = 10

RUN_VS_PODMAN_TARGET = 0.5
LIST_LATENCY_TARGET_MS = 20.0
CMD_TIMEOUT = 60


def check(args, timeout=CMD_TIMEOUT, env=None):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(args), r.returncode,
                                                   (r.stderr or r.stdout).strip()[-500:]))
    return r.stdout


def time_runs(make_args, env=None):
    """Median wall time of RUNS runs after WARMUP; make_args(i) gives argv."""
    times = []
    for i in range(WARMUP + RUNS):
        args = make_args(i)
        t0 = time.monotonic()
        check(args, env=env)
        dt = time.monotonic() - t0
        if i >= WARMUP:
            times.append(dt)
    return median(times), min(times), max(times)


def make_bundle(d, runc):
    """A busybox rootfs and `runc spec` config running `true`, no terminal."""
    rootfs = os.path.join(d, "rootfs")
    os.makedirs(os.path.join(rootfs, "bin"))
    for sub in ("proc", "sys", "dev", "tmp", "etc"):
        os.makedirs(os.path.join(rootfs, sub))
    shutil.copy2("/bin/busybox", os.path.join(rootfs, "bin", "busybox"))
    for applet in ("true", "sh"):
        os.symlink("busybox", os.path.join(rootfs, "bin", applet))
    check([runc, "spec", "--bundle", d])
    cfg_path = os.path.join(d, "config.json")
    with open(cfg_path) as f:
        cfg = json.load(f)
    cfg["process"]["args"] = ["true"]
    cfg["process"]["terminal"] = False
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)


def create_params(name=None):
    c = {"image": IMAGE, "command": ["true"], "net_mode": "none"}
    if name:
        c["name"] = name
    return {"create": c}


def cycles(sock, results, errors):
    try:
        c = Conn(sock, CMD_TIMEOUT)
        try:
            for _ in range(CYCLES):
                cid = c.call("io.podman.CreateContainer", create_params())["container"]
                c.call("io.podman.StartContainer", {"name": cid})
                code = c.call("io.podman.WaitContainer", {"name": cid})["exitcode"]
                if code != 0:
                    raise RuntimeError("container %s exited with %s" % (cid, code))
                c.call("io.podman.RemoveContainer", {"name": cid, "force": False})
                results.append(1)
        finally:
            c.close()
    except Exception as e:  # reported by the caller
        errors.append(e)


def podman_create_many(pargs, env, count, deadline):
    """Creates containers with CLIENTS podman processes at once until count
    or deadline. Returns how many were created."""
    made = []
    errors = []
    lock = threading.Lock()
    todo = list(range(count))

    def worker():
        while time.monotonic() < deadline and not errors:
            with lock:
                if not todo:
                    return
                todo.pop()
            try:
                check(pargs + ["create", "--network", "none", IMAGE, "true"], env=env)
                made.append(1)
            except Exception as e:
                errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return len(made)


def run(varpod):
    """Prints the containers figures. Returns False when a varpod
    measurement failed (a podman or runc failure is a comment)."""
    ok = True
    runc = shutil.which("runc")
    podman = shutil.which("podman")
    workdir = tempfile.mkdtemp(prefix="varpod-ctr.", dir="/tmp")
    root, runroot = os.path.join(workdir, "r"), os.path.join(workdir, "rr")
    sock = os.path.join(workdir, "s")
    vargs = [varpod, "--root", root, "--runroot", runroot]
    proot = os.path.join(workdir, "p")
    pargs = None
    penv = None
    svc = None
    res = {}
    try:
        check([SEED, varpod, "--root", root, "--runroot", runroot], timeout=120)
        svc = Service(varpod, root, runroot, sock, os.path.join(workdir, "svc.log"),
                      dict(os.environ))

        # 1. run --rm true.
        log("containers: run --rm %s true, %d runs after %d warm-ups each" % (
            IMAGE, RUNS, WARMUP))
        run_args = ["run", "--rm", "--network", "none", IMAGE, "true"]
        res["cli"] = time_runs(lambda i: vargs + run_args)
        res["service"] = time_runs(
            lambda i: [varpod, "--remote", "--url", "unix:" + sock] + run_args)
        if podman:
            try:
                tar = os.path.join(workdir, "x.tar")
                check(vargs + ["save", "-o", tar, IMAGE])
                penv = dict(os.environ, TMPDIR=workdir)
                for driver in ("overlay", "vfs"):
                    pargs = [podman, "--root", proot + "/root", "--runroot", proot + "/run",
                             "--tmpdir", proot + "/tmp", "--storage-driver", driver,
                             "--events-backend", "none"]
                    try:
                        check(pargs + ["load", "-i", tar], timeout=120, env=penv)
                        break
                    except RuntimeError as e:
                        log("podman load with %s failed: %s" % (driver, e))
                        remove_tree(proot)
                        pargs = None
                if pargs is None:
                    raise RuntimeError("podman load failed with overlay and vfs")
                res["podman_driver"] = driver
                res["podman"] = time_runs(lambda i: pargs + [
                    "run", "--rm", "--network", "none", "--runtime", "runc",
                    "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                    IMAGE, "true"], env=penv)
            except (RuntimeError, subprocess.SubprocessError, OSError) as e:
                res["podman_error"] = str(e)[-300:]
        if runc:
            try:
                bundle = os.path.join(workdir, "bundle")
                os.makedirs(bundle)
                make_bundle(bundle, runc)
                rroot = os.path.join(workdir, "runc")
                res["runc"] = time_runs(lambda i: [
                    runc, "--root", rroot, "run", "--bundle", bundle,
                    "bench-%d-%d" % (os.getpid(), i)])
            except (RuntimeError, subprocess.SubprocessError, OSError) as e:
                res["runc_error"] = str(e)[-300:]

        # 3. Throughput (before the store holds LISTED containers).
        log("containers: %d clients x %d create+start+wait+remove cycles" % (CLIENTS, CYCLES))
        done, errors = [], []
        threads = [threading.Thread(target=cycles, args=(sock, done, errors))
                   for _ in range(CLIENTS)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        dt = time.monotonic() - t0
        if errors:
            raise errors[0]
        res["cycles_rate"] = len(done) / dt

        # 2. ListContainers with LISTED containers.
        log("containers: %d CreateContainer calls" % LISTED)
        c = Conn(sock, CMD_TIMEOUT)
        try:
            t0 = time.monotonic()
            for i in range(LISTED):
                c.call("io.podman.CreateContainer", create_params("bench-%04d" % i))
            res["create_rate"] = LISTED / (time.monotonic() - t0)
            # The service's latency: request sent to whole reply received.
            # The client's own parse of the reply is timed apart.
            lat, parse = [], []
            msg = json.dumps({"method": "io.podman.ListContainers"}).encode() + b"\0"
            for i in range(LIST_WARMUP + LIST_CALLS):
                t0 = time.monotonic()
                raw = c.call_raw(msg)
                t1 = time.monotonic()
                n = len(json.loads(raw)["parameters"]["containers"])
                t2 = time.monotonic()
                if n != LISTED:
                    raise RuntimeError("ListContainers listed %d containers, not %d" % (
                        n, LISTED))
                if i >= LIST_WARMUP:
                    lat.append((t1 - t0) * 1000)
                    parse.append((t2 - t1) * 1000)
            res["list"] = (median(lat), percentile(lat, 99), median(parse), len(raw))
        finally:
            c.close()
        if pargs:
            try:
                count = LISTED
                log("containers: podman create, up to %d" % LISTED)
                t0 = time.monotonic()
                n = podman_create_many(pargs, penv, 50, t0 + PODMAN_CREATE_BUDGET)
                projected = (time.monotonic() - t0) * LISTED / max(n, 1)
                if projected > PODMAN_CREATE_BUDGET:
                    count = PODMAN_FEWER
                n += podman_create_many(pargs, penv, count - n, t0 + PODMAN_CREATE_BUDGET * 2)
                res["podman_count"] = (n, count, projected)
                times = []
                for i in range(WARMUP + 5):
                    t0 = time.monotonic()
                    out = check(pargs + ["ps", "-a", "--format", "json"], env=penv)
                    dt = time.monotonic() - t0
                    if len(json.loads(out)) != n:
                        raise RuntimeError("podman ps listed %d containers, not %d" % (
                            len(json.loads(out)), n))
                    if i >= WARMUP:
                        times.append(dt * 1000)
                res["podman_ps"] = median(times)
            except (RuntimeError, subprocess.SubprocessError, OSError, ValueError) as e:
                res["podman_ps_error"] = str(e)[-300:]
    except (RuntimeError, subprocess.SubprocessError, OSError) as e:
        comment("containers: varpod failed: %s" % str(e)[-500:])
        ok = False
    finally:
        if svc:
            status = svc.stop()
            if status != 0:
                comment("containers: varpod varlink exited with status %s on SIGTERM" % status)
                ok = False
        if pargs:
            subprocess.run(pargs + ["rm", "-af"], capture_output=True, env=penv, timeout=300)
        remove_tree(workdir)
    report(res)
    return ok


def report(res):
    comment("containers: run --rm %s true, --network none; median of %d runs after %d "
            "warm-ups (min..max in the comment)" % (IMAGE, RUNS, WARMUP))
    names = [("cli", "varpod_cli"), ("service", "varpod_service"), ("podman", "podman"),
             ("runc", "runc")]
    spreads = []
    for key, name in names:
        if key in res:
            figure("run_rm_%s_seconds" % name, res[key][0], "s", "%.3f")
            spreads.append("%s %.3f..%.3f" % (name, res[key][1], res[key][2]))
    if spreads:
        comment("spread (s): " + ", ".join(spreads))
    if "podman_driver" in res:
        comment("podman: --storage-driver %s, --events-backend none, --runtime runc, "
                "ulimits nofile/nproc 1024" % res["podman_driver"])
        if res["podman_driver"] != "overlay":
            comment("podman: overlay failed, vfs used")
    if "podman_error" in res:
        comment("podman run skipped: " + res["podman_error"])
    if "runc_error" in res:
        comment("runc run skipped: " + res["runc_error"])
    if "podman" in res:
        for key, name in (("cli", "cli"), ("service", "service")):
            if key in res:
                r = res[key][0] / res["podman"][0]
                figure("run_rm_%s_vs_podman" % name, r, "ratio", "%.2f")
                comment("target: run_rm_%s_vs_podman <= %.1f: %s" % (
                    name, RUN_VS_PODMAN_TARGET, "met" if r <= RUN_VS_PODMAN_TARGET else "MISSED"))
    if "runc" in res and "cli" in res:
        figure("run_rm_cli_vs_runc", res["cli"][0] / res["runc"][0], "ratio", "%.2f")
    if "list" in res:
        comment("ListContainers with %d containers (created, never started), %d calls on one "
                "connection after %d warm-up" % (LISTED, LIST_CALLS, LIST_WARMUP))
        figure("create_container_rate", res["create_rate"], "calls/s", "%.0f")
        figure("list_containers_latency_median", res["list"][0], "ms", "%.2f")
        figure("list_containers_latency_p99", res["list"][1], "ms", "%.2f")
        comment("latency: request sent to the whole reply (%d bytes) received; the client's "
                "json.loads of it is apart:" % res["list"][3])
        figure("list_containers_client_parse_median", res["list"][2], "ms", "%.2f")
        comment("target: list_containers_latency_median < %.0f ms: %s" % (
            LIST_LATENCY_TARGET_MS, "met" if res["list"][0] < LIST_LATENCY_TARGET_MS
            else "MISSED"))
    if "podman_ps" in res:
        n, count, projected = res["podman_count"]
        if count != LISTED:
            comment("podman: %d creates would take about %.0f s (> %d s): %d podman containers"
                    % (LISTED, projected, PODMAN_CREATE_BUDGET, n))
        elif n != LISTED:
            comment("podman: only %d containers created in the time allowed" % n)
        comment("podman ps -a --format json with %d containers: median of 5 runs" % n)
        figure("podman_ps_%d_ms" % n, res["podman_ps"], "ms", "%.1f")
    if "podman_ps_error" in res:
        comment("podman ps skipped: " + res["podman_ps_error"])
    if "cycles_rate" in res:
        comment("%d clients x %d cycles of CreateContainer (true), StartContainer, "
                "WaitContainer, RemoveContainer" % (CLIENTS, CYCLES))
        figure("cycles_4clients_rate", res["cycles_rate"], "cycles/s", "%.1f")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(0 if run(os.path.abspath(sys.argv[1])) else 1)
