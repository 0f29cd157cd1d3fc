# SPDX-License-Identifier: Apache-2.0
"""The images figures of `make bench` (called by bench/run.py).

- Cold pulls of a big image (about BIG_MB megabytes of incompressible data
  in 3 gzip layers, pushed by tests/tools/make-test-images.py --big) from a
  local plain-HTTP docker-registry (tests/system/registry.py, 127.0.0.1
  only): varpod in-process, varpod through the service (PullImage on a raw
  socket), `podman pull`, `skopeo copy` to dir:, and `gunzip -c | tar -x`
  of the same three blobs as the floor. Each run gets a fresh root (and the
  page cache is dropped first where the kernel lets us); the median of the
  runs is reported.
- VmHWM of the service before and after its pull.
- ListImages latency with IMAGES_LISTED images in the store.

Standard library only; every step has a time limit; every process started
here is stopped and every temp dir removed. A missing comparison tool that
cannot be installed is reported as a comment and skipped."""
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "system"))
import registry as test_registry  # noqa: E402  (tests/system/registry.py)

MAKE_TEST_IMAGES = os.path.join(REPO, "tests", "tools", "make-test-images.py")
BIG_REPO = "varpod-test/big"

# varpod's throughput should be at least this multiple of podman's.
PULL_VS_PODMAN_TARGET = 1.5
# ListImages with IMAGES_LISTED images: median latency under this.
LIST_LATENCY_TARGET_MS = 5.0
IMAGES_LISTED = 200
LIST_CALLS = 200
LIST_WARMUP = 10

PUSH_TIMEOUT = 180
PULL_TIMEOUT = 120
# apt-get for podman and skopeo, all calls together: a registry that says
# no answers at once, one that hangs must not take the whole run.
INSTALL_BUDGET = 180
TOOL_TIMEOUT = 30
START_TIMEOUT = 20
STOP_TIMEOUT = 15
MB = 1e6  # MB/s figures are 10^6 bytes a second


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def comment(msg):
    print("# " + msg, flush=True)


def figure(name, value, unit, fmt="%.0f"):
    print("%s %s %s" % (name, fmt % value, unit), flush=True)


def median(values):
    """The lower middle value of an even count, as run.py's median_run."""
    return sorted(values)[(len(values) - 1) // 2]


def percentile(values, p):
    """Nearest rank, as vlbench."""
    s = sorted(values)
    rank = max(1, -(-len(s) * p // 100))
    return s[int(rank) - 1]


# ---------------------------------------------------------------------------
# The machine: caches, mounts, tools.


def drop_caches_works():
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def mounts_under(path):
    """Mount points at or below path, deepest first."""
    path = os.path.realpath(path)
    found = []
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                mp = line.split()[4].encode().decode("unicode_escape")
                if mp == path or mp.startswith(path + "/"):
                    found.append(mp)
    except OSError:
        pass
    return sorted(found, key=len, reverse=True)


def remove_tree(path):
    """rm -rf, after unmounting what podman's overlay driver left mounted."""
    for mp in mounts_under(path):
        subprocess.run(["umount", "-l", mp], capture_output=True, timeout=TOOL_TIMEOUT)
    shutil.rmtree(path, ignore_errors=True)


def ensure_tool(name, package, deadline):
    """The path of name, installing package with apt-get when it is missing
    and we are root, before deadline (time.monotonic()). Returns (path or
    None, what happened or None)."""
    path = shutil.which(name)
    if path:
        return path, None
    if os.geteuid() != 0:
        return None, "%s is missing (apt-get install %s, as root): skipped" % (name, package)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log("%s is missing: apt-get install -y %s" % (name, package))
    for update_first in (False, True):
        try:
            if update_first:
                subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env,
                               timeout=max(1, deadline - time.monotonic()))
            r = subprocess.run(["apt-get", "install", "-y", "-qq", package], capture_output=True,
                               text=True, env=env, timeout=max(1, deadline - time.monotonic()))
        except (OSError, subprocess.SubprocessError) as e:
            return None, "%s is missing and apt-get failed: %s: skipped" % (name, e)
        path = shutil.which(name)
        if r.returncode == 0 and path:
            return path, "installed %s with apt-get" % package
    tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
    return None, "%s is missing and `apt-get install %s` failed: %s: skipped" % (
        name, package, tail[0])


def tool_version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=TOOL_TIMEOUT).stdout
        return out.strip().splitlines()[0] if out.strip() else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def proc_status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s for pid %d" % (key, pid))


# ---------------------------------------------------------------------------
# A varlink connection on a raw unix socket.


class Conn:
    def __init__(self, path, timeout):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""

    def close(self):
        self.sock.close()

    def call_raw(self, message):
        """Sends one NUL-terminated message, returns the raw reply (no NUL)."""
        self.sock.sendall(message)
        while b"\0" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("connection closed by the service")
            self.buf += chunk
        reply, _, self.buf = self.buf.partition(b"\0")
        return reply

    def call(self, method, params=None):
        msg = {"method": method}
        if params is not None:
            msg["parameters"] = params
        reply = json.loads(self.call_raw(json.dumps(msg).encode() + b"\0"))
        if "error" in reply:
            raise RuntimeError("%s: %s %s" % (method, reply["error"],
                                              json.dumps(reply.get("parameters", {}))[:500]))
        return reply.get("parameters", {})


class Service:
    """`varpod varlink` on a unix socket with its own root and runroot."""

    def __init__(self, varpod, root, runroot, sock, logpath, env):
        self.sock = sock
        args = [varpod, "--root", root, "--runroot", runroot, "varlink", "--timeout", "0",
                "unix:" + sock]
        with open(logpath, "w") as logf:
            self.proc = subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT, env=env)
        self.logpath = logpath
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("varpod varlink exited with status %d: %s" % (
                    self.proc.returncode, self.log_tail()))
            try:
                c = Conn(sock, 5)
                try:
                    c.call("io.podman.Ping")
                finally:
                    c.close()
                return
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise TimeoutError("varpod varlink did not answer on %s" % sock)
                time.sleep(0.01)

    def log_tail(self):
        try:
            with open(self.logpath, errors="replace") as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def stop(self):
        """SIGTERM, then SIGKILL. Returns the exit status."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                log("varpod ignored SIGTERM for %ds: killed" % STOP_TIMEOUT)
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


# ---------------------------------------------------------------------------
# The pulls.


class PullBench:
    def __init__(self, varpod, workdir, reg, summary, drop):
        self.varpod = varpod
        self.workdir = workdir
        self.reg = reg
        self.image = summary["images"]["%s:latest" % BIG_REPO]
        self.ref = "%s/%s:latest" % (reg.host, BIG_REPO)
        self.layers = self.image["layers"]
        self.compressed = sum(l["size"] for l in self.layers)
        self.drop = drop
        self.run_no = 0
        # varpod reads $REGISTRIES_CONFIG_PATH: this one says the registry
        # speaks plain HTTP (as podman's --tls-verify=false) and nothing else.
        conf = os.path.join(workdir, "varpod-registries.conf")
        with open(conf, "w") as f:
            f.write('[[registry]]\nlocation = "%s"\ninsecure = true\n' % reg.host)
        # podman and skopeo: no registry at all but the one named, and the
        # signature policy of Debian's default (accept anything).
        self.empty_conf = os.path.join(workdir, "empty-registries.conf")
        open(self.empty_conf, "w").close()
        self.policy = os.path.join(workdir, "policy.json")
        with open(self.policy, "w") as f:
            json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)
        self.varpod_env = dict(os.environ, REGISTRIES_CONFIG_PATH=conf)
        self.varpod_env.pop("VARPOD_CHECK_REPLIES", None)

    def fresh_dir(self, name):
        self.run_no += 1
        d = os.path.join(self.workdir, "%s.%d" % (name, self.run_no))
        os.makedirs(d)
        return d

    def cold(self, warm_cmds):
        """Drops the page cache (registry blobs, roots, binaries), then runs
        the tool's version commands untimed, so that the timed run reads
        the data cold but does not pay for paging in its own executable."""
        if self.drop:
            drop_caches()
        for cmd in warm_cmds:
            subprocess.run(cmd, capture_output=True, timeout=TOOL_TIMEOUT)

    def timed(self, args, env=None, cwd=None):
        t0 = time.monotonic()
        r = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd,
                           timeout=PULL_TIMEOUT)
        dt = time.monotonic() - t0
        if r.returncode != 0:
            raise RuntimeError("%s exited with %d: %s" % (
                " ".join(args[:1] + args[-3:]), r.returncode,
                (r.stderr or r.stdout).strip()[-1000:]))
        return dt, r.stdout

    # --- varpod -----------------------------------------------------------

    def varpod_cli(self):
        d = self.fresh_dir("cli")
        try:
            self.cold([[self.varpod, "version"]])
            dt, out = self.timed([self.varpod, "--root", d + "/root", "--runroot", d + "/run",
                                  "pull", "-q", self.ref], env=self.varpod_env)
            want = self.image["config_digest"][len("sha256:"):]
            if out.strip() != want:
                raise RuntimeError("varpod pull printed %r, not the image ID %s" % (out, want))
            return {"seconds": dt}
        finally:
            remove_tree(d)

    def varpod_service(self):
        d = self.fresh_dir("svc")
        sock = os.path.join(d, "io.podman")
        try:
            svc = Service(self.varpod, d + "/root", d + "/run", sock, d + ".log",
                          self.varpod_env)
        except BaseException:
            remove_tree(d)
            raise
        r = {}
        try:
            conn = Conn(sock, PULL_TIMEOUT)
            try:
                conn.call("io.podman.Ping")
                self.cold([])
                r["hwm_before"] = proc_status_kib(svc.proc.pid, "VmHWM")
                t0 = time.monotonic()
                out = conn.call("io.podman.PullImage", {
                    "name": self.ref, "certDir": "", "creds": "", "signaturePolicy": "",
                    "tlsVerify": False})
                r["seconds"] = time.monotonic() - t0
                r["hwm_after"] = proc_status_kib(svc.proc.pid, "VmHWM")
                r["rss_after"] = proc_status_kib(svc.proc.pid, "VmRSS")
            finally:
                conn.close()
            want = self.image["config_digest"][len("sha256:"):]
            if out.get("id") != want:
                raise RuntimeError("PullImage answered %r, not the image ID %s" % (out, want))
        finally:
            status = svc.stop()
            remove_tree(d)
            try:
                os.unlink(d + ".log")
            except OSError:
                pass
        if status != 0:
            raise RuntimeError("varpod varlink exited with status %s on SIGTERM" % status)
        return r

    # --- the others -------------------------------------------------------

    def podman_args(self, d, driver):
        return [self.podman, "--root", d + "/root", "--runroot", d + "/run",
                "--tmpdir", d + "/tmp", "--storage-driver", driver, "--events-backend", "none"]

    def podman_env(self, d):
        # TMPDIR: containers/image stages big blobs there (else /var/tmp).
        return dict(os.environ, CONTAINERS_REGISTRIES_CONF=self.empty_conf, TMPDIR=d)

    def podman_driver(self, podman):
        """overlay when podman can use it here, else vfs."""
        self.podman = podman
        d = self.fresh_dir("probe")
        try:
            r = subprocess.run(self.podman_args(d, "overlay") +
                               ["info", "--format", "{{.Store.GraphDriverName}}"],
                               capture_output=True, text=True, env=self.podman_env(d),
                               timeout=PULL_TIMEOUT)
            if r.returncode == 0 and r.stdout.strip() == "overlay":
                return "overlay", None
            return "vfs", (r.stderr or r.stdout).strip()[-300:]
        finally:
            remove_tree(d)

    def podman_pull(self):
        d = self.fresh_dir("podman")
        try:
            self.cold([[self.podman, "--version"]])
            dt, _ = self.timed(self.podman_args(d, self.driver) +
                               ["pull", "-q", "--tls-verify=false", "--signature-policy",
                                self.policy, self.ref], env=self.podman_env(d))
            return {"seconds": dt}
        finally:
            remove_tree(d)

    def skopeo_copy(self):
        d = self.fresh_dir("skopeo")
        try:
            self.cold([[self.skopeo, "--version"]])
            dt, _ = self.timed([self.skopeo, "--policy", self.policy, "copy", "-q",
                                "--src-tls-verify=false", "docker://" + self.ref,
                                "dir:" + d + "/out"],
                               env=dict(os.environ, CONTAINERS_REGISTRIES_CONF=self.empty_conf,
                                        TMPDIR=d))
            return {"seconds": dt}
        finally:
            remove_tree(d)

    def floor(self):
        """gunzip -c BLOB | tar -x, one layer after the other, straight
        from the registry's storage."""
        d = self.fresh_dir("floor")
        try:
            steps = []
            for i, l in enumerate(self.layers):
                dest = os.path.join(d, str(i))
                os.makedirs(dest)
                steps.append("gunzip -c %s | tar -x -C %s" % (
                    shlex.quote(self.reg.blob_path(l["digest"])), shlex.quote(dest)))
            self.cold([["gunzip", "--version"], ["tar", "--version"]])
            dt, _ = self.timed(["bash", "-c", "set -eo pipefail; " + "; ".join(steps)])
            return {"seconds": dt}
        finally:
            remove_tree(d)


def push_big_image(reg, workdir, megabytes):
    out = os.path.join(workdir, "images.json")
    env = dict(os.environ, TMPDIR=workdir)
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, MAKE_TEST_IMAGES, "--big", str(megabytes), "--only-big",
                        "-o", out, reg.host], capture_output=True, text=True, env=env,
                       timeout=PUSH_TIMEOUT)
    if r.returncode != 0:
        raise RuntimeError("make-test-images.py failed (%d): %s" % (r.returncode,
                                                                   r.stderr.strip()[-1000:]))
    with open(out) as f:
        summary = json.load(f)
    return summary, time.monotonic() - t0


def measure_pulls(varpod, workdir, megabytes, runs, results):
    """Fills results with the pull figures; returns False when varpod failed."""
    reason = test_registry.missing_tools()
    if reason:
        comment("pull: skipped: no local registry: missing %s" % reason)
        return True
    drop = drop_caches_works()
    comment("drop_caches: %s" % (
        "works: sync and `echo 3 > /proc/sys/vm/drop_caches` before every timed run"
        if drop else "not permitted here: runs are cold for the roots only (fresh each run), "
        "the registry's blobs may be in the page cache"))

    tools = {}
    deadline = time.monotonic() + INSTALL_BUDGET
    for name, package in (("podman", "podman"), ("skopeo", "skopeo")):
        path, note = ensure_tool(name, package, deadline)
        if note:
            comment(note)
        tools[name] = path

    regdir = os.path.join(workdir, "registry")
    os.makedirs(regdir)
    reg = test_registry.Registry.start(root=regdir)
    try:
        log("pull: pushing a %d MB image to the registry on %s" % (megabytes, reg.host))
        summary, push_seconds = push_big_image(reg, workdir, megabytes)
        b = PullBench(varpod, workdir, reg, summary, drop)
        comment("pull: %s, %d layers, %d compressed bytes (pseudo-random data, gzip); "
                "pushed in %.0f s" % (b.ref, len(b.layers), b.compressed, push_seconds))

        plan = [("varpod_cli", b.varpod_cli), ("varpod_service", b.varpod_service)]
        if tools["podman"]:
            b.driver, why = b.podman_driver(tools["podman"])
            comment("podman: %s; storage driver %s%s" % (
                tool_version([tools["podman"], "--version"]), b.driver,
                "" if b.driver == "overlay" else " (overlay failed: %s)" % why))
            plan.append(("podman", b.podman_pull))
        if tools["skopeo"]:
            b.skopeo = tools["skopeo"]
            comment("skopeo: %s; copy to dir: (blobs only, no extraction)" %
                    tool_version([tools["skopeo"], "--version"]))
            plan.append(("skopeo", b.skopeo_copy))
        if shutil.which("gunzip") and shutil.which("tar"):
            plan.append(("gunzip_tar", b.floor))
        else:
            comment("gunzip_tar: skipped: gunzip or tar missing")

        # Round robin, so that a drift of the machine hits every tool alike.
        ok = True
        runs_of = {name: [] for name, _ in plan}
        failed = set()
        for i in range(runs):
            for name, fn in plan:
                if name in failed:
                    continue
                log("pull: %s, run %d of %d" % (name, i + 1, runs))
                try:
                    runs_of[name].append(fn())
                except (OSError, RuntimeError, subprocess.SubprocessError) as e:
                    comment("%s: pull failed: %s" % (name, str(e).replace("\n", " ")[:600]))
                    failed.add(name)
                    if name.startswith("varpod"):
                        ok = False
        results["pull"] = {name: r for name, r in runs_of.items() if r and name not in failed}
        results["compressed"] = b.compressed
        results["runs"] = runs
    finally:
        reg.stop()
    return ok


def measure_list(varpod, workdir, results):
    """ListImages on a service whose store holds IMAGES_LISTED images,
    imported beforehand from tiny distinct tarballs."""
    d = os.path.join(workdir, "list")
    src = os.path.join(d, "src")
    os.makedirs(src)
    root, run = os.path.join(d, "root"), os.path.join(d, "run")
    env = dict(os.environ)
    env.pop("VARPOD_CHECK_REPLIES", None)
    log("list: importing %d images" % IMAGES_LISTED)
    t0 = time.monotonic()
    for i in range(IMAGES_LISTED):
        tarpath = os.path.join(d, "img%d.tar" % i)
        with open(os.path.join(src, "content"), "w") as f:
            f.write("varpod bench image %d\n" % i)
        with tarfile.open(tarpath, "w") as t:
            t.add(os.path.join(src, "content"), arcname="content")
        r = subprocess.run([varpod, "--root", root, "--runroot", run, "import", tarpath,
                            "bench/list%03d:latest" % i], capture_output=True, text=True,
                           env=env, timeout=TOOL_TIMEOUT)
        os.unlink(tarpath)
        if r.returncode != 0:
            raise RuntimeError("varpod import failed (%d): %s" % (r.returncode, r.stderr.strip()))
    import_seconds = time.monotonic() - t0

    sock = os.path.join(d, "io.podman")
    svc = Service(varpod, root, run, sock, os.path.join(d, "varpod.log"), env)
    try:
        conn = Conn(sock, 30)
        try:
            first = json.loads(conn.call_raw(b'{"method":"io.podman.ListImages"}\0'))
            n = len((first.get("parameters") or {}).get("images") or [])
            if n != IMAGES_LISTED:
                raise RuntimeError("ListImages listed %d images, not %d: %.300s" % (
                    n, IMAGES_LISTED, json.dumps(first)))
            msg = b'{"method":"io.podman.ListImages"}\0'
            size = 0
            for _ in range(LIST_WARMUP):
                size = len(conn.call_raw(msg))
            lat = []
            for _ in range(LIST_CALLS):
                t = time.perf_counter()
                reply = conn.call_raw(msg)
                lat.append((time.perf_counter() - t) * 1000.0)
                if len(reply) != size:
                    raise RuntimeError("ListImages replies changed size: %d, then %d" % (
                        size, len(reply)))
        finally:
            conn.close()
    finally:
        status = svc.stop()
        shutil.rmtree(d, ignore_errors=True)
    if status != 0:
        raise RuntimeError("varpod varlink exited with status %s on SIGTERM" % status)
    results["list"] = {"median": median(lat), "p99": percentile(lat, 99), "max": max(lat),
                       "size": size, "import_seconds": import_seconds}


def report(results):
    pull = results.get("pull", {})
    runs = results.get("runs", 0)
    comp = results.get("compressed", 0)
    sec = {name: median([r["seconds"] for r in rs]) for name, rs in pull.items()}
    if sec:
        comment("pull: median of %d cold runs each, fresh root every run; MB/s is compressed "
                "bytes (%d) / seconds, MB = 10^6 bytes" % (runs, comp))
    for name in ("varpod_cli", "varpod_service", "podman", "skopeo", "gunzip_tar"):
        if name in sec:
            figure("pull_%s_seconds" % name, sec[name], "s", "%.2f")
            figure("pull_%s_rate" % name, comp / MB / sec[name], "MB/s", "%.1f")
    if sec:
        comment("pull spread (min..max s): " + ", ".join(
            "%s %.2f..%.2f" % (n, min(r["seconds"] for r in rs), max(r["seconds"] for r in rs))
            for n, rs in pull.items()))
    for ours in ("varpod_cli", "varpod_service"):
        for other in ("podman", "skopeo"):
            if ours in sec and other in sec:
                figure("pull_%s_vs_%s" % (ours[len("varpod_"):], other), sec[other] / sec[ours],
                       "ratio", "%.2f")
    if "podman" in sec:
        for ours in ("varpod_cli", "varpod_service"):
            if ours in sec:
                ratio = sec["podman"] / sec[ours]
                comment("target: pull_%s_vs_podman >= %.1f: %s" % (
                    ours[len("varpod_"):], PULL_VS_PODMAN_TARGET,
                    "met" if ratio >= PULL_VS_PODMAN_TARGET else "MISSED"))
    svc = pull.get("varpod_service")
    if svc:
        worst = max(svc, key=lambda r: r["hwm_after"])
        figure("pull_service_hwm_before", worst["hwm_before"], "KiB")
        figure("pull_service_hwm_after", worst["hwm_after"], "KiB")
        comment("VmHWM of a fresh service before and after its pull (the largest of %d runs); "
                "VmRSS after: %d KiB" % (len(svc), worst["rss_after"]))
    lst = results.get("list")
    if lst:
        comment("ListImages: %d images (imported in %.1f s), %d calls on one connection after "
                "%d warm-up, reply %d bytes, python client" % (
                    IMAGES_LISTED, lst["import_seconds"], LIST_CALLS, LIST_WARMUP, lst["size"]))
        figure("list_images_latency_median", lst["median"], "ms", "%.2f")
        figure("list_images_latency_p99", lst["p99"], "ms", "%.2f")
        comment("target: list_images_latency_median < %.0f ms: %s (max %.2f ms)" % (
            LIST_LATENCY_TARGET_MS, "met" if lst["median"] < LIST_LATENCY_TARGET_MS
            else "MISSED", lst["max"]))


def run(varpod, megabytes=200, runs=3):
    """Measures and prints the images figures. Returns True unless varpod
    itself failed."""
    workdir = tempfile.mkdtemp(prefix="varpod-bench-img.", dir="/tmp")
    results = {}
    ok = True
    try:
        # Every pull and import runs the same binary, even should the
        # build directory be rebuilt meanwhile (a linker rewriting it
        # makes exec fail).
        copy = os.path.join(workdir, "varpod")
        shutil.copy2(varpod, copy)
        varpod = copy
        try:
            ok = measure_pulls(varpod, workdir, megabytes, runs, results)
        except (OSError, RuntimeError, subprocess.SubprocessError) as e:
            comment("pull: failed: %s" % str(e).replace("\n", " ")[:600])
            ok = False
        try:
            measure_list(varpod, workdir, results)
        except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as e:
            comment("ListImages: failed: %s" % str(e).replace("\n", " ")[:600])
            ok = False
    finally:
        remove_tree(workdir)
    report(results)
    return ok
