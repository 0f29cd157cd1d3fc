# SPDX-License-Identifier: Apache-2.0
"""Where the container tests run: every varpod process of a test (service
and CLI) lives in a network and mount namespace of the test's own
(Sandbox), so bridges, veths, iptables rules and mounts never touch the
machine's: only lo and the container bridge exist in there, and only
127.0.0.1 or addresses inside are ever contacted. ContainerEnv gives a
test its own root (a copy of one seeded with localhost/busybox), run root,
service socket and CLI runners, and checks at the end that nothing of its
containers was left behind."""
import contextlib
import glob
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time

import pytest

from conftest import BINARY, ROOT, wait_for_socket
from varlink_client import Connection

BUSYBOX = "localhost/busybox"
SEED = os.path.join(ROOT, "tools", "seed-busybox.sh")
CATATONIT = "/usr/libexec/podman/catatonit"


class Sandbox:
    """A process holding a new network and mount namespace (mounts made in
    it stay in it); lo is up. run()/popen() start commands inside."""

    def __init__(self):
        self.holder = subprocess.Popen(
            ["unshare", "--net", "--mount", "--propagation", "private", "--fork", "sh", "-c",
             "ip link set lo up && echo $$ && exec sleep infinity"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.holder.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError("sandbox did not start: %s" % self.holder.stderr.read())
        self.pid = int(line)

    def wrap(self, argv):
        # nsenter execs in place: the PID of a Popen is the command's own.
        return ["nsenter", "-t", str(self.pid), "--net", "--mount", "--", *argv]

    def run(self, argv, **kw):
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        kw.setdefault("timeout", 60)
        return subprocess.run(self.wrap(argv), **kw)

    def popen(self, argv, **kw):
        return subprocess.Popen(self.wrap(argv), **kw)

    def mountinfo(self):
        with open("/proc/%d/mountinfo" % self.pid) as f:
            return f.read()

    def veths(self):
        out = self.run(["ip", "-o", "link", "show", "type", "veth"]).stdout
        return [line for line in out.splitlines() if line.strip()]

    def fetch(self, host, port, path="/", timeout=5):
        """The body of an HTTP GET from inside the namespace, or None."""
        script = ("import socket, sys\n"
                  "s = socket.create_connection((sys.argv[1], int(sys.argv[2])), %d)\n"
                  "s.sendall(b'GET ' + sys.argv[3].encode() + b' HTTP/1.0\\r\\n\\r\\n')\n"
                  "data = b''\n"
                  "while True:\n"
                  "    chunk = s.recv(65536)\n"
                  "    if not chunk:\n"
                  "        break\n"
                  "    data += chunk\n"
                  "sys.stdout.write(data.split(b'\\r\\n\\r\\n', 1)[1].decode())\n" % timeout)
        p = self.run(["python3", "-c", script, host, str(port), path], timeout=timeout + 10)
        return p.stdout if p.returncode == 0 else None

    def close(self):
        if self.holder.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            self.holder.wait(timeout=10)


def seed_busybox(directory):
    """A root with localhost/busybox imported, for tests to copy."""
    root = os.path.join(directory, "root")
    p = subprocess.run([SEED, BINARY, "--root", root, "--runroot", os.path.join(directory, "run")],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("seed-busybox.sh failed: %s" % p.stderr)
    return root


class ContainerEnv:
    """One test's root, run root, sandbox, optional service and CLI."""

    def __init__(self, directory, seeded_root):
        self.dir = directory
        self.root = os.path.join(directory, "root")
        self.runroot = os.path.join(directory, "run")
        shutil.copytree(seeded_root, self.root, symlinks=True)
        self.socket = os.path.join(directory, "io.podman")
        self.address = "unix:" + self.socket
        # No registry is ever asked: unqualified names resolve nowhere.
        self.registries_conf = os.path.join(directory, "registries.conf")
        with open(self.registries_conf, "w") as f:
            f.write("unqualified-search-registries = []\n")
        self.env = dict(os.environ, REGISTRIES_CONFIG_PATH=self.registries_conf,
                        VARPOD_CHECK_REPLIES="1")
        for var in ("PODMAN_VARLINK_ADDRESS", "PODMAN_VARLINK_BRIDGE"):
            self.env.pop(var, None)
        self.sandbox = Sandbox()
        self.service = None
        self.ids = set()  # every container ID seen, for the leak checks

    # -- service -----------------------------------------------------------

    def start_service(self):
        args = [BINARY, "--root", self.root, "--runroot", self.runroot, "varlink", "--timeout",
                "0", self.address]
        if os.path.exists(self.socket):
            os.unlink(self.socket)  # left by a service killed with -9
        self.service = self.sandbox.popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True, env=self.env)
        wait_for_socket(self.socket, self.service)
        return self.service

    def kill_service(self):
        self.service.kill()
        self.service.communicate(timeout=30)
        self.service = None

    def stop_service(self):
        """SIGTERM; returns (exit code, stderr)."""
        proc, self.service = self.service, None
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        return proc.returncode, err

    def connect(self, timeout=60):
        return Connection(self.address, timeout=timeout)

    def call(self, method, parameters=None, timeout=60):
        """One io.podman call on a new connection: (parameters, error name)."""
        with self.connect(timeout) as c:
            reply = c.call("io.podman." + method, parameters)
        self._note(reply.get("parameters"))
        return reply.get("parameters", {}), reply.get("error")

    def ok(self, method, parameters=None, timeout=60):
        params, error = self.call(method, parameters, timeout)
        assert error is None, "%s: %s %s" % (method, error, params)
        return params

    def create(self, command, **create):
        create.setdefault("image", BUSYBOX)
        create.setdefault("net_mode", "none")
        create["command"] = command
        return self.ok("CreateContainer", {"create": create})["container"]

    def run(self, command, **create):
        """Created and started; its full ID."""
        cid = self.create(command, **create)
        self.ok("StartContainer", {"name": cid})
        return cid

    def get(self, name):
        return self.ok("GetContainer", {"name": name})["container"]

    def _note(self, params):
        for value in (params or {}).values():
            if isinstance(value, str) and len(value) == 64:
                self.ids.add(value)

    # -- CLI ---------------------------------------------------------------

    def cli_args(self, remote=False):
        if remote:
            return [BINARY, "--remote", "--url", self.address]
        return [BINARY, "--root", self.root, "--runroot", self.runroot]

    def cli(self, *args, remote=False, input=None, timeout=60):
        p = self.sandbox.run([*self.cli_args(remote), *args], input=input, timeout=timeout,
                             env=self.env)
        for word in p.stdout.split():
            if len(word) == 64 and all(ch in "0123456789abcdef" for ch in word):
                self.ids.add(word)
        return p

    def cli_popen(self, *args, remote=False, **kw):
        return self.sandbox.popen([*self.cli_args(remote), *args], env=self.env, **kw)

    # -- state of the host -------------------------------------------------

    def conmons(self):
        """PIDs of conmon processes working for this test's root."""
        found = []
        for path in glob.glob("/proc/[0-9]*/cmdline"):
            try:
                with open(path, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if argv and os.path.basename(argv[0]) == b"conmon" and any(
                    self.dir.encode() in a for a in argv):
                found.append(int(path.split("/")[2]))
        return found

    def leaks(self):
        """What remains of this test's containers; empty when nothing."""
        left = []
        # The netns directory is bound onto itself once, shared, so the
        # namespace files bound into it propagate (what `ip netns` does to
        # /run/netns); it stays, as /run/netns does.
        netns_dir = os.path.join(self.runroot, "netns")
        for where, text in (("host", open("/proc/self/mountinfo").read()),
                            ("sandbox", self.sandbox.mountinfo())):
            for line in text.splitlines():
                fields = line.split(" - ")[0].split()
                if self.dir in line.split(" - ")[0] and fields[4] != netns_dir:
                    left.append("mount in %s: %s" % (where, line))
        netns = os.path.join(self.runroot, "netns")
        if os.path.isdir(netns):
            left += ["netns file %s" % n for n in os.listdir(netns)]
        left += ["veth %s" % v for v in self.sandbox.veths()]
        left += ["conmon pid %d" % pid for pid in self.conmons()]
        left += ["cgroup %s" % d for d in cgroup_dirs(self.ids)]
        return left

    def cleanup(self):
        """Removes every container, stops the service; what leaked."""
        if self.service is not None or os.path.exists(os.path.join(self.root, "varpod.db")):
            # SIGKILL first: rm -f would give each its stop timeout (10 s
            # by default, and sleep as PID 1 ignores SIGTERM).
            remote = self.service is not None
            for args in (("unpause", "-a"), ("kill", "-a"), ("rm", "-f", "-a")):
                self.cli(*args, remote=remote, timeout=120)
        result = None
        if self.service is not None:
            result = self.stop_service()
        # conmon runs the exit command after the container is gone; give
        # it the moment it needs before looking for remains.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (self.conmons() or cgroup_dirs(self.ids)):
            time.sleep(0.1)
        return result, self.leaks()

    def scrub(self):
        """After a failed test: whatever still runs of its containers goes,
        so that the next tests start clean."""
        for pid in self.conmons():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        state = os.path.join(self.runroot, "runtime")
        for runtime in ("runc", "crun"):
            if shutil.which(runtime) and os.path.isdir(state):
                for cid in self.ids:
                    self.sandbox.run([runtime, "--root", state, "delete", "--force", cid])

    def close(self):
        self.sandbox.close()


def cgroup_dirs(ids):
    """The cgroup directories left for these container IDs, any hierarchy."""
    left = []
    for base in glob.glob("/sys/fs/cgroup/*/varpod") + glob.glob("/sys/fs/cgroup/varpod"):
        for cid in ids:
            if os.path.isdir(os.path.join(base, cid)):
                left.append(os.path.join(base, cid))
    return left


def is_socket(path):
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


def is_fifo(path):
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return False


def attach_connect(path, timeout=30):
    """Connects as python-podman does: SOCK_SEQPACKET to io_socket."""
    assert len(path.encode()) <= 107, path
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(timeout)
    s.connect(path)
    return s


def attach_read_until(sock, want, timeout=30):
    """Reads packets until the stdout+stderr text contains want, or EOF.
    Returns (packets as (stream, bytes), eof)."""
    packets = []
    deadline = time.monotonic() + timeout
    text = b""
    while want not in text:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        data = sock.recv(8193)
        if not data:
            return packets, True
        packets.append((data[0], data[1:]))
        text += data[1:]
    return packets, False


# -- what the container test files share: skips, fixtures, waiting -----------


def missing_tools(catatonit=False):
    """Why containers cannot run here (a reason to skip), or None."""
    if os.geteuid() != 0:
        return "containers need root"
    for tool in ("unshare", "nsenter", "conmon", "ip"):
        if not shutil.which(tool):
            return "%s missing" % tool
    if not shutil.which("runc") and not shutil.which("crun"):
        return "no OCI runtime (runc or crun)"
    if not os.path.exists("/bin/busybox"):
        return "/bin/busybox missing (apt-get install busybox-static)"
    if catatonit and not os.path.exists(CATATONIT):
        return "catatonit missing (apt-get install catatonit)"
    return None


def seeded_root_fixture(prefix, scope, catatonit=False):
    """A fixture `seeded_root` of this scope: a root seeded with
    localhost/busybox in a temp dir named prefix..., for every env to copy;
    the tests skip when missing_tools(catatonit) says why."""

    @pytest.fixture(scope=scope, name="seeded_root")
    def seeded_root():
        why = missing_tools(catatonit)
        if why:
            pytest.skip(why)
        d = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
        try:
            yield seed_busybox(d)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    return seeded_root


@contextlib.contextmanager
def checked_env(prefix, seeded_root, before_cleanup=None, seen_dirs=None, seen_ids=None):
    """A test's ContainerEnv in a temp dir named prefix... (short: attach
    sockets live under the run root). On exit: before_cleanup(env) if
    given, then the cleanup; nothing may have leaked and the service must
    have stopped cleanly. Its directory is appended to seen_dirs and the
    container IDs it saw added to seen_ids, when given."""
    d = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    e = ContainerEnv(d, seeded_root)
    if seen_dirs is not None:
        seen_dirs.append(d)
    result, leaks = None, ["(the cleanup itself failed)"]
    try:
        yield e
        if before_cleanup is not None:
            before_cleanup(e)
        result, leaks = e.cleanup()
    finally:
        if seen_ids is not None:
            seen_ids.update(e.ids)
        if e.service is not None:
            e.kill_service()
    try:
        assert not leaks, "left behind:\n" + "\n".join(leaks)
        if result is not None:
            code, err = result
            assert code == 0, err
            assert "ERROR: AddressSanitizer" not in err and "runtime error:" not in err, err
    finally:
        if leaks or result is None:
            e.scrub()
        e.close()
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def svc(env):
    """env with its service started."""
    env.start_service()
    return env


@pytest.fixture(params=["local", "remote"])
def remote(request, env):
    """The CLI in-process on the test's root, or --remote to its service."""
    if request.param == "remote":
        env.start_service()
    return request.param == "remote"


def wait_for(predicate, timeout=20.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting for %s" % what)
