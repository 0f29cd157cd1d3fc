# SPDX-License-Identifier: Apache-2.0
"""The service process: addresses, socket activation, idle exit, signals."""
import os
import signal
import socket
import stat
import subprocess
import time

import pytest

from conftest import BINARY, BUILD_DIR, Service, varpod, wait_for_socket
from varlink_client import Connection, call

PING_OK = {"parameters": {"ping": {"message": "OK"}}}


def spawn(args, **kw):
    return subprocess.Popen([BINARY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kw)


def test_requires_address():
    r = varpod("varlink")
    assert r.returncode == 125
    assert "you must provide a varlink URI" in r.stderr


def test_bad_address_and_timeout(tmpdir_short):
    r = varpod("varlink", "udp:1.2.3.4:5")
    assert r.returncode == 125 and "unable to start varlink service" in r.stderr
    r = varpod("varlink", "--timeout", "soon", "unix:" + tmpdir_short + "/s")
    assert r.returncode == 125 and "invalid timeout" in r.stderr


def test_socket_file_mode_and_parent_dir(tmpdir_short):
    path = os.path.join(tmpdir_short, "new", "io.podman")
    s = Service.__new__(Service)
    p = spawn(["varlink", "--timeout", "0", "unix:" + path])
    try:
        wait_for_socket(path, p)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    finally:
        p.terminate()
        p.wait(10)
    del s
    # The socket file is removed on SIGTERM.
    assert not os.path.exists(path)
    p = spawn(["varlink", "--timeout", "0", "unix:%s;mode=0660" % path])
    try:
        wait_for_socket(path, p)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o660
    finally:
        p.terminate()
        assert p.wait(10) == 0


def test_stale_socket_replaced_live_refused(tmpdir_short):
    path = os.path.join(tmpdir_short, "sock")
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(path)
    stale.close()  # the file stays, nobody listens: stale
    p = spawn(["varlink", "--timeout", "0", "unix:" + path])
    try:
        wait_for_socket(path, p)
        # A second server must not steal the live socket.
        r = varpod("varlink", "--timeout", "0", "unix:" + path)
        assert r.returncode == 125
        assert "another server is listening" in r.stderr
        assert call("unix:" + path, "io.podman.Ping") == PING_OK
    finally:
        p.terminate()
        assert p.wait(10) == 0


def test_abstract_socket():
    name = "unix:@varpod-test-%d" % os.getpid()
    p = spawn(["varlink", "--timeout", "0", name])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                assert call(name, "io.podman.Ping") == PING_OK
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        p.terminate()
        assert p.wait(10) == 0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_tcp_address():
    addr = "tcp:127.0.0.1:%d" % free_port()
    p = spawn(["varlink", "--timeout", "0", addr])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                assert call(addr, "io.podman.Ping") == PING_OK
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        r = varpod("call", addr + "/io.podman.Ping")
        assert r.returncode == 0
    finally:
        p.terminate()
        assert p.wait(10) == 0


def activated(sockets, names=None, extra_env=None):
    """Starts varpod with the given listening sockets as fds 3, 4, ...,
    LISTEN_PID set to its own pid by a shell that then execs it."""
    env = dict(os.environ, LISTEN_FDS=str(len(sockets)))
    if names is not None:
        env["LISTEN_FDNAMES"] = names
    env.update(extra_env or {})
    fds = [s.fileno() for s in sockets]

    def child():
        # Move the sockets to 3.. in the child (dup first so they never clash).
        tmp = [os.dup(fd) for fd in fds]
        for i, fd in enumerate(tmp):
            os.dup2(fd, 3 + i)
            os.set_inheritable(3 + i, True)

    return subprocess.Popen(
        ["/bin/sh", "-c", 'export LISTEN_PID=$$; exec "$@"', "sh", BINARY, "varlink",
         "--timeout", "0", "unix:/nonexistent/ignored"],
        env=env, preexec_fn=child, close_fds=False, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def listening_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(16)
    return s


def test_socket_activation_single(tmpdir_short):
    path = os.path.join(tmpdir_short, "activated")
    ls = listening_socket(path)
    p = activated([ls])
    ls.close()
    try:
        assert call("unix:" + path, "io.podman.Ping") == PING_OK
        # The URI was not bound: its directory does not even exist.
        assert not os.path.exists("/nonexistent")
    finally:
        p.terminate()
        assert p.wait(10) == 0


def test_socket_activation_named(tmpdir_short):
    other = listening_socket(os.path.join(tmpdir_short, "other"))
    mine = listening_socket(os.path.join(tmpdir_short, "mine"))
    p = activated([other, mine], names="other:varlink")
    other.close()
    mine.close()
    try:
        assert call("unix:" + os.path.join(tmpdir_short, "mine"), "io.podman.Ping") == PING_OK
    finally:
        p.terminate()
        assert p.wait(10) == 0


def test_socket_activation_ignored_without_names(tmpdir_short):
    # Two fds but no LISTEN_FDNAMES: activation is ignored, the URI is used.
    a = listening_socket(os.path.join(tmpdir_short, "a"))
    b = listening_socket(os.path.join(tmpdir_short, "b"))
    env = dict(os.environ, LISTEN_FDS="2")
    path = os.path.join(tmpdir_short, "uri")
    p = subprocess.Popen(
        ["/bin/sh", "-c", 'export LISTEN_PID=$$; exec "$@"', "sh", BINARY, "varlink",
         "--timeout", "0", "unix:" + path], env=env, close_fds=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    a.close()
    b.close()
    try:
        wait_for_socket(path, p)
        assert call("unix:" + path, "io.podman.Ping") == PING_OK
    finally:
        p.terminate()
        assert p.wait(10) == 0


def test_idle_timeout(tmpdir_short):
    path = os.path.join(tmpdir_short, "idle")
    start = time.monotonic()
    p = spawn(["varlink", "--timeout", "300", "unix:" + path])
    assert p.wait(20) == 0
    assert time.monotonic() - start < 10


def test_idle_timeout_waits_for_open_connections(tmpdir_short):
    path = os.path.join(tmpdir_short, "idle")
    p = spawn(["varlink", "--timeout", "300", "unix:" + path])
    wait_for_socket(path, p)
    c = Connection("unix:" + path)
    time.sleep(1.0)
    assert p.poll() is None  # an open, idle connection keeps it alive
    assert c.call("io.podman.Ping") == PING_OK
    c.close()
    assert p.wait(20) == 0


def test_default_timeout_is_one_second(tmpdir_short):
    path = os.path.join(tmpdir_short, "default")
    start = time.monotonic()
    p = spawn(["varlink", "unix:" + path])
    assert p.wait(20) == 0
    assert time.monotonic() - start >= 0.9


def test_sigterm_with_open_connections(tmpdir_short):
    s = Service(tmpdir_short)
    conns = [Connection(s.address) for _ in range(5)]
    assert conns[0].call("io.podman.Ping") == PING_OK
    code, err = s.stop()
    assert code == 0, err
    assert not os.path.exists(s.socket)
    for c in conns:
        assert c.at_eof()
        c.close()


def test_sigint(tmpdir_short):
    s = Service(tmpdir_short)
    s.proc.send_signal(signal.SIGINT)
    assert s.proc.wait(20) == 0
    assert not os.path.exists(s.socket)


CERT_SERVER = os.path.join(BUILD_DIR, "tests", "certification", "varlink-certification-server")
CERT_CLIENT = os.path.join(BUILD_DIR, "tests", "certification", "varlink-certification-client")


@pytest.mark.skipif(not os.path.exists(CERT_SERVER), reason="certification programs not built")
def test_certification_more_and_oneway(tmpdir_short):
    """varlink.org's certification sequence (Test10 streams with more,
    Test11 is oneway) between our server and our client."""
    path = os.path.join(tmpdir_short, "cert")
    p = subprocess.Popen([CERT_SERVER, "unix:" + path], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        wait_for_socket(path, p)
        r = subprocess.run([CERT_CLIENT, "unix:" + path], capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        p.terminate()
        assert p.wait(10) == 0
