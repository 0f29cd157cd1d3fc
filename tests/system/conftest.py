# SPDX-License-Identifier: Apache-2.0
"""End-to-end fixtures: the real varpod binary serving on a socket in a
temp dir, with its own root and run root."""
import os
import platform
import shutil
import signal
import subprocess
import time

import pytest

from varlink_client import Connection

# Session-wide local registries (registry_fixtures.py) and the test images
# pushed to them once per session, plus per-test registries.conf, services
# and CLI runners for the image tests (image_fixtures.py).
pytest_plugins = ["registry_fixtures", "image_fixtures"]

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("VARPOD_BINARY", os.path.join(ROOT, "build", "varpod"))
BUILD_DIR = os.environ.get("VARPOD_BUILD_DIR", os.path.join(ROOT, "build"))
SANITIZED = os.environ.get("VARPOD_SANITIZED") == "1"


def _version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
        return out.splitlines()[0] if out else "not found"
    except (OSError, subprocess.SubprocessError):
        return "not found"


def pytest_report_header(config):
    # A failure report should stand alone: say what it ran on.
    return [
        "varpod: %s (%s)" % (BINARY, _version([BINARY, "version"])),
        "kernel: %s" % platform.release(),
        "runc: %s" % _version(["runc", "--version"]),
        "crun: %s" % _version(["crun", "--version"]),
        "conmon: %s" % _version(["conmon", "--version"]),
        "sanitizers: %s" % ("address,undefined" if SANITIZED else "none"),
    ]


def wait_for_socket(path, proc, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("service exited with %s: %s" % (proc.returncode, proc.stderr.read()))
        if os.path.exists(path):
            try:
                with Connection("unix:" + path, timeout=5):
                    return
            except OSError:
                pass
        time.sleep(0.02)
    raise TimeoutError("service did not listen on %s" % path)


class Service:
    """A running `varpod varlink` on a unix socket."""

    def __init__(self, tmp, timeout_ms=0, extra_args=(), env=None):
        self.dir = tmp
        self.socket = os.path.join(tmp, "io.podman")
        self.address = "unix:" + self.socket
        args = [BINARY, "--root", os.path.join(tmp, "root"), "--runroot", os.path.join(tmp, "run"),
                *extra_args, "varlink", "--timeout", str(timeout_ms), self.address]
        full_env = dict(os.environ, VARPOD_CHECK_REPLIES="1")
        full_env.update(env or {})
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=full_env)
        wait_for_socket(self.socket, self.proc)

    def stop(self):
        """SIGTERM, then returns (exit code, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return self.proc.returncode, err

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


@pytest.fixture
def tmpdir_short():
    # Socket paths must stay under 108 bytes: keep the directory short.
    d = subprocess.run(["mktemp", "-d", "/tmp/vp.XXXXXX"], capture_output=True, text=True,
                       check=True).stdout.strip()
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def service(tmpdir_short):
    s = Service(tmpdir_short)
    yield s
    code, err = s.stop()
    # The service must survive everything a test threw at it and shut down
    # cleanly; under sanitizers a report on stderr fails the test too.
    assert code == 0, err
    assert "ERROR: AddressSanitizer" not in err and "runtime error:" not in err, err


def varpod(*args, input=None, check=False, timeout=60):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, input=input,
                          check=check, timeout=timeout)
