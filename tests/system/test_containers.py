# SPDX-License-Identifier: Apache-2.0
"""Containers end to end, with real conmon and runc: every io.podman
container method on its happy path and with the errors of semantics 2.2
(python-varlink style: raw calls on the service socket), attaching as
python-podman does, published ports and the bridge, volumes, a service
killed with -9 and restarted, and the container commands of the CLI
in-process and --remote, attached stdin (`run -i`, `-t`, `start -a`)
included.

Each test has its own root (a copy of one seeded with localhost/busybox),
run root and service, and runs every varpod process in a network and mount
namespace of its own (container_env.Sandbox), so nothing touches the
machine's network. Each checks on teardown that its containers left no
mounts, network namespaces, veths, conmon processes or cgroups behind."""
import ctypes
import fcntl
import hashlib
import json
import os
import platform
import pty
import re
import select
import signal
import sqlite3
import struct
import subprocess
import termios
import time

import pytest

from container_env import (BUSYBOX, attach_connect, attach_read_until, cgroup_dirs, checked_env,
                           is_fifo, is_socket, seeded_root_fixture, wait_for)
from container_env import remote, svc  # noqa: F401 (fixtures)

ID = re.compile(r"^[0-9a-f]{64}$")
GO_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d*[1-9])? [+-]\d{4} \S+$")
GO_DURATION = re.compile(r"^(\d+h)?(\d+m)?\d+(\.\d*[1-9])?s$|^\d+(\.\d*[1-9])?(ns|µs|ms)$")
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d (stdout|stderr) ([PF]) (.*)\n$", re.S)
STATE_IMPROPER = "container state improper"

# Every container ID any test saw, and the directories, for the final check.
SEEN_IDS = set()
SEEN_DIRS = []


seeded_root = seeded_root_fixture("vps.", "session")


@pytest.fixture
def env(seeded_root):
    with checked_env("vpc.", seeded_root, seen_dirs=SEEN_DIRS, seen_ids=SEEN_IDS) as e:
        yield e


def log_text(env, cid):
    lines = env.ok("GetContainerLogs", {"name": cid})["container"] or []
    return "".join(LOG_LINE.match(line).group(3) for line in lines)


def wait_log(env, cid, text):
    wait_for(lambda: text in log_text(env, cid), what="%r in the log" % text)


def status(env, cid):
    return env.get(cid)["status"]


def error_reason(params, error, name="io.podman.ErrorOccurred"):
    assert error == name, (error, params)
    return params.get("reason", "")


# ---------------------------------------------------------------------------
# io.podman: the lifecycle methods.


def test_create_container(svc):
    cid = svc.create(["true"], name="first", labels={"purpose": "test"})
    assert ID.match(cid) and not cid[:12].isdigit()
    c = svc.get(cid)
    assert c["id"] == cid and c["names"] == "first" and c["status"] == "configured"
    assert c["image"] == BUSYBOX and ID.match(c["imageid"]) and c["command"] == ["true"]
    assert c["labels"] == {"purpose": "test"} and c["containerrunning"] is False
    # The image name is recorded as the client gave it.
    other = svc.create(["true"], image="localhost/busybox:latest")
    assert svc.get(other)["image"] == "localhost/busybox:latest"
    # Unknown images are ErrorOccurred, never ImageNotFound (semantics 2.4 #6).
    params, error = svc.call("CreateContainer",
                             {"create": {"image": "varpod-no-such-image", "net_mode": "none"}})
    assert "varpod-no-such-image" in error_reason(params, error)
    params, error = svc.call("CreateContainer",
                             {"create": {"image": BUSYBOX, "name": "first", "net_mode": "none"}})
    assert "first" in error_reason(params, error)


def test_start_container(svc):
    cid = svc.create(["sleep", "100"])
    assert svc.ok("StartContainer", {"name": cid[:12]}) == {"container": cid}
    c = svc.get(cid)
    assert c["status"] == "running" and c["containerrunning"] is True
    assert int(c["namespaces"]["pid"]) > 0
    params, error = svc.call("StartContainer", {"name": cid})
    assert error_reason(params, error) == "container is already running or paused"
    params, error = svc.call("StartContainer", {"name": "nope"})
    assert error == "io.podman.ContainerNotFound" and params == {"name": "nope"}


def test_stop_kills_after_the_timeout(svc):
    cid = svc.run(["sh", "-c", 'trap "" TERM; echo ready; sleep 100'])
    wait_log(svc, cid, "ready")
    started = time.monotonic()
    assert svc.ok("StopContainer", {"name": cid, "timeout": 2}) == {"container": cid}
    took = time.monotonic() - started
    assert 1.8 <= took < 10, took
    assert svc.ok("WaitContainer", {"name": cid}) == {"exitcode": 137}
    assert status(svc, cid) == "exited"
    # Stopping a stopped container is fine.
    assert svc.ok("StopContainer", {"name": cid, "timeout": 2}) == {"container": cid}


def test_stop_signal_honoured(svc):
    cid = svc.run(["sh", "-c", 'trap "exit 0" TERM; echo ready; while :; do sleep 0.1; done'])
    wait_log(svc, cid, "ready")
    started = time.monotonic()
    svc.ok("StopContainer", {"name": cid, "timeout": 20})
    assert time.monotonic() - started < 10
    assert svc.ok("WaitContainer", {"name": cid}) == {"exitcode": 0}


def test_stop_errors(svc):
    cid = svc.create(["sleep", "100"])
    params, error = svc.call("StopContainer", {"name": cid, "timeout": 1})
    assert error_reason(params, error) == (
        "can only stop created, running, or stopped containers: container state improper")
    svc.ok("StartContainer", {"name": cid})
    svc.ok("PauseContainer", {"name": cid})
    params, error = svc.call("StopContainer", {"name": cid, "timeout": 1})
    assert STATE_IMPROPER in error_reason(params, error)
    params, error = svc.call("StopContainer", {"name": "nope", "timeout": 1})
    assert error == "io.podman.ContainerNotFound" and params == {"name": "nope"}


def test_restart_container(svc):
    cid = svc.run(["sleep", "100"])
    pid = svc.get(cid)["namespaces"]["pid"]
    assert svc.ok("RestartContainer", {"name": cid, "timeout": 0}) == {"container": cid}
    c = svc.get(cid)
    assert c["status"] == "running" and c["namespaces"]["pid"] not in ("0", pid)
    # An exited container is simply started.
    done = svc.run(["true"])
    assert svc.ok("WaitContainer", {"name": done}) == {"exitcode": 0}
    svc.ok("RestartContainer", {"name": done, "timeout": 0})
    assert svc.ok("WaitContainer", {"name": done}) == {"exitcode": 0}
    svc.ok("PauseContainer", {"name": cid})
    params, error = svc.call("RestartContainer", {"name": cid, "timeout": 0})
    assert error_reason(params, error) == (
        "unable to restart a container in a paused or unknown state: container state improper")
    params, error = svc.call("RestartContainer", {"name": "nope", "timeout": 0})
    assert error == "io.podman.ContainerNotFound"


def test_kill_container(svc):
    cid = svc.run(["sleep", "100"])
    assert svc.ok("KillContainer", {"name": cid, "signal": 9}) == {"container": cid}
    assert svc.ok("WaitContainer", {"name": cid}) == {"exitcode": 137}
    assert status(svc, cid) == "exited"
    params, error = svc.call("KillContainer", {"name": cid, "signal": 9})
    assert "can only kill running containers" in error_reason(params, error)
    # -1 is SIGTERM.
    term = svc.run(["sh", "-c", 'trap "exit 5" TERM; echo ready; while :; do sleep 0.1; done'])
    wait_log(svc, term, "ready")
    svc.ok("KillContainer", {"name": term, "signal": -1})
    assert svc.ok("WaitContainer", {"name": term}) == {"exitcode": 5}
    paused = svc.run(["sleep", "100"])
    svc.ok("PauseContainer", {"name": paused})
    params, error = svc.call("KillContainer", {"name": paused, "signal": 9})
    assert STATE_IMPROPER in error_reason(params, error)
    svc.ok("UnpauseContainer", {"name": paused})
    params, error = svc.call("KillContainer", {"name": paused, "signal": 99})
    assert error == "io.podman.ErrorOccurred"
    # No signal (0): only whether it runs, as the runtime's kill 0.
    assert svc.ok("KillContainer", {"name": paused}) == {"container": paused}
    assert status(svc, paused) == "running"
    params, error = svc.call("KillContainer", {"name": "nope", "signal": 9})
    assert error == "io.podman.ContainerNotFound" and params == {"name": "nope"}


def test_container_outlives_its_conmon(svc):
    """conmon killed without writing an exit file: the container runs on
    unmonitored (as podman leaves it), stays listed running, and stops;
    its exit code is then unknown (-1) and nothing is left behind."""
    cid = svc.run(["sleep", "100"])
    (conmon,) = svc.conmons()
    os.kill(conmon, signal.SIGKILL)
    wait_for(lambda: not svc.conmons(), what="conmon to die")
    assert status(svc, cid) == "running"
    listed = {c["id"]: c for c in svc.ok("ListContainers")["containers"]}
    assert listed[cid]["status"] == "running"
    pid = int(listed[cid]["namespaces"]["pid"])
    assert os.path.exists("/proc/%d" % pid)
    assert svc.ok("StopContainer", {"name": cid, "timeout": 1}) == {"container": cid}
    assert status(svc, cid) == "exited"
    assert svc.ok("WaitContainer", {"name": cid}) == {"exitcode": -1}
    wait_for(lambda: not os.path.exists("/proc/%d" % pid), what="the process to end")
    svc.ok("RemoveContainer", {"name": cid})


def test_pause_unpause(svc):
    cid = svc.run(["sleep", "100"])
    assert svc.ok("PauseContainer", {"name": cid}) == {"container": cid}
    c = svc.get(cid)
    assert c["status"] == "paused" and c["containerrunning"] is False
    params, error = svc.call("PauseContainer", {"name": cid})
    assert error_reason(params, error) == '"%s" is already paused: %s' % (cid, STATE_IMPROPER)
    assert svc.ok("UnpauseContainer", {"name": cid}) == {"container": cid}
    assert status(svc, cid) == "running"
    params, error = svc.call("UnpauseContainer", {"name": cid})
    assert error_reason(params, error) == '"%s" is not paused, can\'t unpause: %s' % (
        cid, STATE_IMPROPER)
    done = svc.run(["true"])
    svc.ok("WaitContainer", {"name": done})
    params, error = svc.call("PauseContainer", {"name": done})
    assert error_reason(params, error) == '"exited" is not running, can\'t pause: %s' % (
        STATE_IMPROPER)
    for method in ("PauseContainer", "UnpauseContainer"):
        params, error = svc.call(method, {"name": "nope"})
        assert error == "io.podman.ContainerNotFound" and params == {"name": "nope"}


def test_wait_container(svc):
    cid = svc.run(["sh", "-c", "sleep 1; exit 42"])
    started = time.monotonic()
    assert svc.ok("WaitContainer", {"name": cid}) == {"exitcode": 42}
    assert time.monotonic() - started > 0.5
    # Never started: at once, 0.
    assert svc.ok("WaitContainer", {"name": svc.create(["true"])}) == {"exitcode": 0}
    params, error = svc.call("WaitContainer", {"name": "nope"})
    assert error == "io.podman.ContainerNotFound" and params == {"name": "nope"}


def test_remove_container(svc):
    # Force stops with the container's own timeout, then SIGKILL.
    cid = svc.run(["sleep", "100"], stop_timeout=1)
    params, error = svc.call("RemoveContainer", {"name": cid, "force": False})
    assert error_reason(params, error) == (
        "cannot remove container %s as it is running - running or paused containers cannot be "
        "removed: %s" % (cid, STATE_IMPROPER))
    assert svc.ok("RemoveContainer", {"name": cid[:12], "force": True}) == {"container": cid}
    assert svc.ok("ContainerExists", {"name": cid}) == {"exists": 1}
    paused = svc.run(["sleep", "100"], stop_timeout=1)
    svc.ok("PauseContainer", {"name": paused})
    params, error = svc.call("RemoveContainer", {"name": paused, "force": False})
    assert error_reason(params, error) == (
        "container %s is paused, cannot remove until unpaused: %s" % (paused, STATE_IMPROPER))
    svc.ok("RemoveContainer", {"name": paused, "force": True})
    configured = svc.create(["true"])
    svc.ok("RemoveContainer", {"name": configured})
    # Created in the runtime for an attach client that never started it.
    created = svc.create(["true"])
    svc.ok("GetAttachSockets", {"name": created})
    assert status(svc, created) == "created"
    svc.ok("RemoveContainer", {"name": created})
    assert svc.ok("ListContainers") == {"containers": None}
    params, error = svc.call("RemoveContainer", {"name": "nope", "force": True})
    assert error == "io.podman.ContainerNotFound" and params == {"name": "nope"}


def test_remove_refused_while_others_live_in_its_namespaces(svc):
    # As podman: the container another joined (net_mode container:X) goes
    # after it, not before, force or not.
    host = svc.run(["sleep", "100"])
    guest = svc.run(["sleep", "100"], net_mode="container:" + host)
    for force in (False, True):
        params, error = svc.call("RemoveContainer", {"name": host, "force": force})
        assert error_reason(params, error) == (
            "container %s has dependent containers which must be removed before it: %s: "
            "container already exists" % (host, guest))
    assert status(svc, host) == "running"
    svc.ok("RemoveContainer", {"name": guest, "force": True})
    svc.ok("RemoveContainer", {"name": host, "force": True})


def test_seccomp_has_no_x32_rules_where_the_kernel_has_no_x32(svc):
    # x32 system calls fail with ENOSYS there before any filter: the rules
    # for that architecture would only cost runc time at every start.
    libc = ctypes.CDLL(None, use_errno=True)
    x32 = platform.machine() == "x86_64" and libc.syscall(0x40000000 | 39) >= 0  # getpid
    cid = svc.create(["true"])
    config = json.loads(svc.ok("ContainerConfig", {"name": cid})["config"])
    archs = config["spec"]["linux"]["seccomp"]["architectures"]
    if platform.machine() == "x86_64":
        assert archs[:2] == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]
        assert ("SCMP_ARCH_X32" in archs) == x32, archs


def test_delete_stopped_containers(svc):
    assert svc.ok("DeleteStoppedContainers") == {"containers": None}
    running = svc.run(["sleep", "100"])
    paused = svc.run(["sleep", "100"])
    svc.ok("PauseContainer", {"name": paused})
    exited = svc.run(["true"])
    svc.ok("WaitContainer", {"name": exited})
    configured = svc.create(["true"])
    removed = svc.ok("DeleteStoppedContainers")["containers"]
    assert sorted(removed) == sorted([exited, configured])
    left = [c["id"] for c in svc.ok("ListContainers")["containers"]]
    assert sorted(left) == sorted([running, paused])


def test_list_and_get_container(svc):
    assert svc.ok("ListContainers") == {"containers": None}
    cid = svc.run(["sleep", "100"], name="lister", net_mode="bridge",
                  publish=["127.0.0.1:8080:80"], labels={"a": "b"})
    stopped = svc.create(["true"], name="idle")
    listed = {c["id"]: c for c in svc.ok("ListContainers")["containers"]}
    assert sorted(listed) == sorted([cid, stopped])
    c = listed[cid]
    assert c == svc.get("lister") | {"runningfor": c["runningfor"]}
    assert svc.get(cid[:12])["id"] == cid
    assert GO_TIME.match(c["createdat"]), c["createdat"]
    assert GO_DURATION.match(c["runningfor"]), c["runningfor"]
    assert c["status"] == "running" and c["containerrunning"] is True
    assert c["names"] == "lister" and c["command"] == ["sleep", "100"]
    assert c["image"] == BUSYBOX and c["labels"] == {"a": "b"}
    assert c["ports"] == [{"host_port": "8080", "host_ip": "127.0.0.1", "protocol": "tcp",
                           "container_port": "80"}]
    assert isinstance(c["rootfssize"], int) and isinstance(c["rwsize"], int)
    assert "/proc" in [m["destination"] for m in c["mounts"]]
    ns = c["namespaces"]
    assert list(ns) == ["user", "uts", "pidns", "pid", "cgroup", "net", "mnt", "ipc"]
    pid = int(ns["pid"])
    for key, kind in (("user", "user"), ("uts", "uts"), ("pidns", "pid"), ("cgroup", "cgroup"),
                      ("net", "net"), ("mnt", "mnt"), ("ipc", "ipc")):
        link = os.readlink("/proc/%d/ns/%s" % (pid, kind))
        assert ns[key] == link[link.index("[") + 1:-1], (key, link)
    assert ns["net"] != str(os.stat("/proc/self/ns/net").st_ino)
    idle = listed[stopped]
    assert idle["status"] == "configured" and idle["ports"] is None and idle["labels"] is None
    # As podman's: the mounts of the OCI config made at creation.
    assert "/proc" in [m["destination"] for m in idle["mounts"]]
    assert idle["namespaces"] == {"user": "", "uts": "", "pidns": "", "pid": "0", "cgroup": "",
                                  "net": "", "mnt": "", "ipc": ""}
    for name in ("", "nope"):
        params, error = svc.call("GetContainer", {"name": name})
        assert error == "io.podman.ContainerNotFound" and params == {"name": name}


def test_list_reads_mounts_of_containers_made_before_they_were_kept(svc):
    """Rows from before schema 4 have no list_mounts: the config the last
    start wrote gives them, and a never-started one lists none."""
    started = svc.run(["true"])
    svc.ok("WaitContainer", {"name": started})
    configured = svc.create(["true"])
    expected = svc.get(started)["mounts"]
    db = sqlite3.connect(os.path.join(svc.root, "varpod.db"))
    with db:
        db.execute("UPDATE containers SET list_mounts = NULL")
    db.close()
    listed = {c["id"]: c for c in svc.ok("ListContainers")["containers"]}
    assert listed[started]["mounts"] == expected
    assert listed[configured]["mounts"] is None
    assert svc.get(started)["mounts"] == expected


def test_container_exists(svc):
    cid = svc.create(["true"], name="there")
    for name in (cid, cid[:12], "there"):
        assert svc.ok("ContainerExists", {"name": name}) == {"exists": 0}
    assert svc.ok("ContainerExists", {"name": "nope"}) == {"exists": 1}
    params, error = svc.call("ContainerExists", {"name": ""})
    assert error_reason(params, error) == "name or ID cannot be empty"


# ---------------------------------------------------------------------------
# io.podman: logs and attach.


def test_get_container_logs(svc):
    configured = svc.create(["true"])
    assert svc.ok("GetContainerLogs", {"name": configured}) == {"container": None}
    cid = svc.run(["sh", "-c", "echo out1; echo err1 >&2; echo out2; printf partial"])
    assert svc.ok("WaitContainer", {"name": cid}) == {"exitcode": 0}
    lines = svc.ok("GetContainerLogs", {"name": cid})["container"]
    parsed = [LOG_LINE.match(line).groups() for line in lines]
    assert ("stdout", "F", "out1") in parsed and ("stderr", "F", "err1") in parsed
    assert [p for p in parsed if p[0] == "stdout"] == [("stdout", "F", "out1"),
                                                       ("stdout", "F", "out2"),
                                                       ("stdout", "P", "partial")]
    # Following an exited container: the whole log, then the closing error.
    with svc.connect() as c:
        c.send("io.podman.GetContainerLogs", {"name": cid}, more=True)
        first = c.recv()
        assert first["continues"] is True and first["parameters"]["container"] == lines
        last = c.recv()
        assert last == {"parameters": {"reason": "%s is no longer running" % cid},
                        "error": "io.podman.ErrorOccurred"}
    params, error = svc.call("GetContainerLogs", {"name": "nope"})
    assert error == "io.podman.ContainerNotFound"


def test_follow_ten_megabytes_of_logs(svc):
    # 100,000 lines of 100 bytes, written while we follow.
    line = "x" * 93
    cid = svc.run(["sh", "-c", "sleep 1; yes %s | head -n 100000 | "
                   "awk '{ printf \"%%06d %%s\\n\", NR, $0 }'; sleep 1" % line])
    seen = 0
    pending = ""
    biggest = 0
    replies = 0
    with svc.connect(timeout=120) as c:
        c.send("io.podman.GetContainerLogs", {"name": cid}, more=True)
        while True:
            raw = c.recv_raw()
            assert raw is not None, "stream ended without its closing error"
            biggest = max(biggest, len(raw))
            reply = json.loads(raw)
            if "error" in reply:
                assert reply == {"parameters": {"reason": "%s is no longer running" % cid},
                                 "error": "io.podman.ErrorOccurred"}
                break
            assert reply["continues"] is True
            replies += 1
            for text in reply["parameters"]["container"] or []:
                # conmon cuts lines at its read boundaries: P parts, then F.
                stream, kind, body = LOG_LINE.match(text).groups()
                pending += body
                if kind == "P":
                    continue
                seen += 1
                assert stream == "stdout" and pending == "%06d %s" % (seen, line)
                pending = ""
    assert seen == 100000
    # Batched: no reply anywhere near a client's message limit.
    assert replies > 2 and biggest < 4 * 1024 * 1024, (replies, biggest)
    assert status(svc, cid) == "exited"


def test_attach_sockets(svc):
    cid = svc.run(["cat"], interactive=True)
    sockets = svc.ok("GetAttachSockets", {"name": cid})["sockets"]
    assert sockets["container_id"] == cid
    io, ctl = sockets["io_socket"], sockets["control_socket"]
    assert len(io.encode()) <= 107 and io.endswith("/%s/attach" % cid), io
    assert is_socket(io) and is_fifo(ctl), sockets
    # python-podman: SEQPACKET, a stream byte in front of every packet,
    # stdin written raw.
    with attach_connect(io) as s:
        s.send(b"hello attach\n")
        packets, eof = attach_read_until(s, b"hello attach\n")
        assert not eof and packets[0][0] == 2
        assert b"".join(p[1] for p in packets) == b"hello attach\n"
    # The python client's window size line on the control FIFO is harmless.
    with open(ctl, "w") as f:
        f.write("1 40 120\n")
    assert status(svc, cid) == "running"
    # Both streams, while running.
    both = svc.run(["sh", "-c", "while :; do echo out; echo err >&2; sleep 0.2; done"])
    io = svc.ok("GetAttachSockets", {"name": both})["sockets"]["io_socket"]
    with attach_connect(io) as s:
        streams = set()
        wait_for(lambda: streams.update(p[0] for p in attach_read_until(s, b"\n")[0])
                 or streams >= {2, 3}, what="stdout and stderr packets")
    params, error = svc.call("GetAttachSockets", {"name": "nope"})
    assert error == "io.podman.ContainerNotFound" and params == {"name": "nope"}


def test_attach_before_start_gets_all_output(svc):
    # GetAttachSockets creates the container in the runtime without
    # starting it: a client connected before StartContainer misses nothing.
    cid = svc.create(["sh", "-c", "echo first; echo second >&2; exit 3"])
    io = svc.ok("GetAttachSockets", {"name": cid})["sockets"]["io_socket"]
    assert status(svc, cid) == "created" and is_socket(io)
    with attach_connect(io) as s:
        svc.ok("StartContainer", {"name": cid})
        packets, eof = attach_read_until(s, b"never printed")
    assert eof
    assert (2, b"first\n") in packets and (3, b"second\n") in packets
    assert svc.ok("WaitContainer", {"name": cid}) == {"exitcode": 3}
    # Exited containers get their sockets again (the reference gave none).
    io = svc.ok("GetAttachSockets", {"name": cid})["sockets"]["io_socket"]
    assert status(svc, cid) == "created" and is_socket(io)
    with attach_connect(io) as s:
        svc.ok("StartContainer", {"name": cid})
        packets, eof = attach_read_until(s, b"never printed")
    assert eof and (2, b"first\n") in packets


# ---------------------------------------------------------------------------
# Networks, volumes, recovery.


def test_published_port_reachable(remote, env):
    www = os.path.join(env.dir, "www")
    os.mkdir(www)
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write("hello from the container\n")
    p = env.cli("run", "-d", "--stop-timeout", "1", "-p", "127.0.0.1:18080:80", "-v",
                www + ":/www:ro", BUSYBOX, "httpd", "-f", "-p", "80", "-h", "/www",
                remote=remote)
    assert p.returncode == 0, p.stderr
    got = wait_for(lambda: env.sandbox.fetch("127.0.0.1", 18080), what="the published port")
    assert got == "hello from the container\n"
    ps = env.cli("ps", remote=remote).stdout
    assert "127.0.0.1:18080->80/tcp" in ps
    cid = p.stdout.strip()
    assert env.cli("rm", "-f", cid, remote=remote).returncode == 0
    assert env.sandbox.fetch("127.0.0.1", 18080) is None


def test_containers_reach_each_other_on_the_bridge(remote, env):
    p = env.cli("run", "-d", "--name", "server", BUSYBOX, "sh", "-c",
                "echo served > /tmp/index.html; ip -o -4 addr show eth0; "
                "exec httpd -f -p 8000 -h /tmp", remote=remote)
    assert p.returncode == 0, p.stderr
    found = wait_for(lambda: re.search(r"inet (10\.89\.0\.\d+)/24",
                                       env.cli("logs", "server", remote=remote).stdout),
                     what="the server's address")
    ip = found.group(1)
    p = env.cli("run", "--rm", BUSYBOX, "sh", "-c",
                # (busybox wget's own -T crashes in Debian's build: timeout.)
                "for i in 1 2 3 4 5 6 7 8 9 10; do timeout 3 wget -q -O - http://%s:8000/ && "
                "exit 0; sleep 0.3; done; exit 1" % ip, remote=remote)
    assert (p.returncode, p.stdout) == (0, "served\n"), p.stderr


def test_volume_data_outlives_its_container(remote, env):
    host = os.path.join(env.dir, "hostdir")
    os.mkdir(host)
    p = env.cli("run", "--rm", "--network", "none", "-v", host + ":/data", BUSYBOX, "sh", "-c",
                "echo kept > /data/file", remote=remote)
    assert p.returncode == 0, p.stderr
    with open(os.path.join(host, "file")) as f:
        assert f.read() == "kept\n"
    p = env.cli("run", "--network", "none", "--name", "writer", "-v", "vol1:/data", BUSYBOX, "sh",
                "-c", "echo in-volume > /data/file", remote=remote)
    assert p.returncode == 0, p.stderr
    assert env.cli("rm", "writer", remote=remote).returncode == 0
    p = env.cli("run", "--rm", "--network", "none", "-v", "vol1:/data", BUSYBOX, "cat",
                "/data/file", remote=remote)
    assert (p.returncode, p.stdout) == (0, "in-volume\n"), p.stderr


def test_service_killed_and_restarted(svc):
    sleepers = [svc.run(["sleep", "1000"]) for _ in range(10)]
    quitter = svc.run(["sh", "-c", "sleep 2; exit 3"])
    svc.kill_service()
    # The quitter exits while no service runs; conmon's exit command
    # records it.
    time.sleep(3)
    svc.start_service()
    listed = {c["id"]: c for c in svc.ok("ListContainers")["containers"]}
    assert all(listed[cid]["status"] == "running" for cid in sleepers)
    assert listed[quitter]["status"] == "exited"
    assert svc.ok("WaitContainer", {"name": quitter}) == {"exitcode": 3}
    for cid in sleepers:
        assert svc.ok("StopContainer", {"name": cid, "timeout": 0}) == {"container": cid}
        assert svc.ok("WaitContainer", {"name": cid}) == {"exitcode": 137}
    wait_for(lambda: not svc.conmons(), what="the conmons to exit")


# ---------------------------------------------------------------------------
# The CLI, in-process and --remote.


def test_cli_run_basics(remote, env):
    p = env.cli("run", "--rm", "--network", "none", "--name", "basic", "-e", "FOO=bar",
                "-w", "/tmp", "-u", "65534", BUSYBOX, "sh", "-c",
                'echo "$FOO $(pwd) $(id -u)"; echo to-stderr >&2; exit 7', remote=remote)
    assert (p.returncode, p.stdout) == (7, "bar /tmp 65534\n")
    assert "to-stderr\n" in p.stderr
    # --rm: gone.
    assert env.cli("container", "exists", "basic", remote=remote).returncode == 1
    p = env.cli("run", "--network", "none", "--entrypoint", "/bin/echo", BUSYBOX, "via",
                "entrypoint", remote=remote)
    assert (p.returncode, p.stdout) == (0, "via entrypoint\n"), p.stderr
    p = env.cli("run", "--network", "none", BUSYBOX, "sh", "-c", "exit 0", remote=remote)
    assert p.returncode == 0
    # --network none: loopback only; the default (bridge) has eth0 too.
    p = env.cli("run", "--rm", "--network", "none", BUSYBOX, "ls", "/sys/class/net",
                remote=remote)
    assert p.stdout.split() == ["lo"]
    p = env.cli("run", "--rm", BUSYBOX, "ls", "/sys/class/net", remote=remote)
    assert p.stdout.split() == ["eth0", "lo"]


def test_system_info_names_the_runtime(env):
    info = json.loads(env.cli("system", "info", "--format", "json").stdout)
    rt = info["host"]["ociRuntime"]
    assert rt["name"] in ("runc", "crun") and os.access(rt["path"], os.X_OK)
    assert rt["version"].startswith(rt["name"])
    # crun is the default: anything else in use says why.
    assert (rt["fallbackReason"] is None) == (rt["name"] == "crun"), rt
    assert rt["conmon"]["version"].startswith("conmon version")
    assert info["store"]["graph_root"] == env.root
    yaml = env.cli("system", "info").stdout
    assert "ociRuntime:\n" in yaml and "  name: %s\n" % rt["name"] in yaml
    # Through a service, only what GetInfo carries.
    env.start_service()
    info = json.loads(env.cli("system", "info", "--format", "json", remote=True).stdout)
    assert "ociRuntime" not in info["host"] and info["store"]["graph_root"] == env.root


def test_cli_run_exit_codes(remote, env):
    p = env.cli("run", "--rm", "--network", "none", BUSYBOX, "no-such-command", remote=remote)
    assert p.returncode == 127, p.stderr
    assert "not found" in p.stderr
    p = env.cli("run", "--rm", "--network", "none", BUSYBOX, "/etc/passwd", remote=remote)
    assert p.returncode == 126, p.stderr
    p = env.cli("run", "--rm", "--network", "none", BUSYBOX, "/no/such/file", remote=remote)
    assert p.returncode == 127, p.stderr
    p = env.cli("run", "-d", "--network", "none", BUSYBOX, "no-such-command", remote=remote)
    assert p.returncode == 127, p.stderr
    p = env.cli("run", "--rm", "--network", "none", "varpod-no-such-image", remote=remote)
    assert p.returncode == 125 and "varpod-no-such-image" in p.stderr
    p = env.cli("run", "--network", "none", "--no-such-flag", BUSYBOX, remote=remote)
    assert p.returncode == 125
    # --rm also removes what failed to start; without it, it stays.
    left = env.cli("ps", "-a", "--format", "json", remote=remote)
    commands = [c["command"] for c in json.loads(left.stdout)]
    assert commands == [["no-such-command"]], commands


def test_cli_run_detached_and_lifecycle(remote, env):
    p = env.cli("run", "-d", "--network", "none", "--stop-timeout", "1", "--name", "bg", BUSYBOX,
                "sleep", "100", remote=remote)
    assert p.returncode == 0, p.stderr
    cid = p.stdout.strip()
    assert ID.match(cid)
    ps = env.cli("ps", remote=remote)
    assert re.search(r"^CONTAINER ID\s+IMAGE\s+COMMAND\s+STATUS\s+PORTS\s+NAMES$",
                     ps.stdout.splitlines()[0])
    assert cid[:12] in ps.stdout and "running" in ps.stdout and "bg" in ps.stdout
    assert env.cli("ps", "-q", remote=remote).stdout == cid[:12] + "\n"
    assert env.cli("ps", "-q", "--no-trunc", remote=remote).stdout == cid + "\n"
    assert env.cli("pause", "bg", remote=remote).stdout == cid + "\n"
    assert json.loads(env.cli("ps", "-a", "--format", "json", remote=remote).stdout)[0][
        "status"] == "paused"
    assert env.cli("unpause", "bg", remote=remote).stdout == cid + "\n"
    p = env.cli("kill", "-s", "KILL", "bg", remote=remote)
    assert (p.returncode, p.stdout) == (0, cid + "\n")
    assert env.cli("wait", "bg", remote=remote).stdout == "137\n"
    assert env.cli("ps", "-q", remote=remote).stdout == ""
    assert env.cli("ps", "-a", "-q", remote=remote).stdout == cid[:12] + "\n"
    p = env.cli("start", "bg", remote=remote)
    assert (p.returncode, p.stdout) == (0, cid + "\n"), p.stderr
    started = time.monotonic()
    p = env.cli("stop", "-t", "1", "bg", remote=remote)
    assert (p.returncode, p.stdout) == (0, cid + "\n")
    assert time.monotonic() - started < 10
    p = env.cli("restart", "-t", "0", "bg", remote=remote)
    assert p.returncode == 0
    assert json.loads(env.cli("ps", "--format", "json", remote=remote).stdout)[0]["id"] == cid
    p = env.cli("rm", "bg", remote=remote)
    assert p.returncode != 0 and "running" in p.stderr
    assert env.cli("rm", "-f", "bg", remote=remote).stdout == cid + "\n"
    p = env.cli("rm", "bg", remote=remote)
    assert p.returncode != 0 and "no container" in p.stderr
    p = env.cli("stop", "nope", remote=remote)
    assert p.returncode == 125


def test_cli_create_start_wait_rm_all(remote, env):
    # Names that are no ID prefix: "c1" could also be the start of an ID.
    ids = []
    for i in range(3):
        p = env.cli("create", "--network", "none", "--name", "ctr%d" % i, BUSYBOX, "sh", "-c",
                    "exit %d" % (i + 1), remote=remote)
        assert p.returncode == 0, p.stderr
        ids.append(p.stdout.strip())
    table = env.cli("ps", "-a", remote=remote).stdout
    assert table.count("configured") == 3
    p = env.cli("start", "ctr0", "ctr1", remote=remote)
    assert (p.returncode, p.stdout.split()) == (0, ids[:2]), p.stderr
    assert env.cli("wait", "ctr0", "ctr1", remote=remote).stdout.split() == ["1", "2"]
    p = env.cli("rm", "-a", remote=remote)
    assert p.returncode == 0 and sorted(p.stdout.split()) == sorted(ids)
    assert env.cli("ps", "-a", "-q", remote=remote).stdout == ""


def test_cli_logs(remote, env):
    p = env.cli("run", "--network", "none", "--name", "talker", BUSYBOX, "sh", "-c",
                "for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2", remote=remote)
    assert p.returncode == 0
    p = env.cli("logs", "talker", remote=remote)
    assert p.stdout == "".join("line%d\n" % i for i in range(1, 6)) and p.stderr == "oops\n"
    p = env.cli("logs", "--tail", "2", "talker", remote=remote)
    assert p.stdout + p.stderr == "line5\noops\n"
    p = env.cli("logs", "-t", "talker", remote=remote)
    assert re.match(r"^\d{4}-\d\d-\d\dT\S+ line1$", p.stdout.splitlines()[0])
    # -f follows until the container exits.
    p = env.cli("run", "-d", "--network", "none", "--name", "slow", BUSYBOX, "sh", "-c",
                "echo one; sleep 1; echo two", remote=remote)
    started = time.monotonic()
    p = env.cli("logs", "-f", "slow", remote=remote)
    assert (p.returncode, p.stdout) == (0, "one\ntwo\n")
    assert time.monotonic() - started > 0.5
    assert env.cli("logs", "nope", remote=remote).returncode == 125


def test_cli_logs_larger_than_a_message(remote, env):
    # 9.4 MB: more than one varlink message may carry (8 MiB).
    line = "y" * 93
    p = env.cli("run", "--network", "none", "--name", "big", BUSYBOX, "sh", "-c",
                "yes %s | head -n 100000" % line, remote=remote, timeout=120)
    assert p.returncode == 0 and len(p.stdout) == 94 * 100000
    for args in (("logs", "big"), ("logs", "-f", "big")):
        p = env.cli(*args, remote=remote, timeout=120)
        assert p.returncode == 0, p.stderr
        assert p.stdout == (line + "\n") * 100000
    p = env.cli("logs", "--tail", "2", "big", remote=remote, timeout=120)
    assert p.stdout == (line + "\n") * 2


def test_cli_ps_format_json(remote, env):
    assert json.loads(env.cli("ps", "--format", "json", remote=remote).stdout) == []
    cid = env.cli("run", "-d", "--name", "json1", "-p", "127.0.0.1:9090:90", BUSYBOX, "sleep",
                  "100", remote=remote).stdout.strip()
    env.cli("create", "--network", "none", BUSYBOX, "true", remote=remote)
    shown = json.loads(env.cli("ps", "--format", "json", remote=remote).stdout)
    assert [c["id"] for c in shown] == [cid]
    mine = shown[0]
    assert mine["names"] == "json1" and mine["status"] == "running"
    assert mine["ports"] == [{"host_port": "9090", "host_ip": "127.0.0.1", "protocol": "tcp",
                              "container_port": "90"}]
    assert GO_TIME.match(mine["createdat"]) and GO_DURATION.match(mine["runningfor"])
    assert len(json.loads(env.cli("ps", "-a", "--format", "json", remote=remote).stdout)) == 2


# ---------------------------------------------------------------------------
# Attached stdin: run -i/-t, start -a.


def test_run_interactive_stdin(remote, env):
    p = env.cli("run", "--rm", "-i", "--network", "none", BUSYBOX, "sh", "-c",
                "cat; echo stdin-closed; exit 4", remote=remote, input="first\nsecond\n")
    assert (p.returncode, p.stdout) == (4, "first\nsecond\nstdin-closed\n"), p.stderr
    # Binary-safe, and more than a packet.
    data = "".join("%05d abcdefghijklmnopqrstuvwxyz\n" % i for i in range(5000))
    p = env.cli("run", "--rm", "-i", "--network", "none", BUSYBOX, "md5sum", remote=remote,
                input=data)
    assert p.stdout.split()[0] == hashlib.md5(data.encode()).hexdigest(), p.stderr
    # The container stops reading long before the input ends: its output
    # and exit code still count.
    p = env.cli("run", "--rm", "-i", "--network", "none", BUSYBOX, "sh", "-c", "head -n 2; exit 5",
                remote=remote, input="y\n" * 2000000)
    assert (p.returncode, p.stdout) == (5, "y\ny\n"), p.stderr
    # Without -i the container gets no stdin.
    p = env.cli("run", "--rm", "--network", "none", BUSYBOX, "sh", "-c", "cat; echo done",
                remote=remote, input="ignored\n")
    assert (p.returncode, p.stdout) == (0, "done\n")


def test_run_tty_with_piped_input(remote, env):
    # The terminal turns "\n" into "\r\n" and echoes the input; the end of
    # the pipe reaches the program as the terminal's EOF.
    p = env.cli("run", "--rm", "-i", "-t", "--network", "none", BUSYBOX, "sh", "-c",
                "cat >/tmp/got; echo; wc -l </tmp/got; exit 6", remote=remote,
                input="a\nb\nc\n", timeout=30)
    assert p.returncode == 6, p.stderr
    assert p.stdout.replace("\r\n", "\n").splitlines()[-1].strip() == "3"
    p = env.cli("run", "--rm", "-t", "--network", "none", BUSYBOX, "sh", "-c",
                "[ -t 1 ] && echo tty", remote=remote, timeout=30)
    assert (p.returncode, p.stdout.strip()) == (0, "tty")


def test_run_output_from_the_first_byte(remote, env):
    # Attached before the process starts: even the first write arrives,
    # every time.
    for i in range(8):
        p = env.cli("run", "--rm", "--network", "none", BUSYBOX, "echo", "first%d" % i,
                    remote=remote)
        assert (p.returncode, p.stdout) == (0, "first%d\n" % i), p.stderr


def test_start_attach(remote, env):
    p = env.cli("create", "--network", "none", "--name", "later", BUSYBOX, "sh", "-c",
                "echo out; echo err >&2; exit 9", remote=remote)
    assert p.returncode == 0, p.stderr
    p = env.cli("start", "-a", "later", remote=remote)
    assert (p.returncode, p.stdout, p.stderr) == (9, "out\n", "err\n")
    # Again, from exited.
    p = env.cli("start", "--attach", "later", remote=remote)
    assert (p.returncode, p.stdout) == (9, "out\n")
    p = env.cli("create", "-i", "--network", "none", "--name", "reader", BUSYBOX, "sh", "-c",
                "read line; echo got $line", remote=remote)
    p = env.cli("start", "-a", "-i", "reader", remote=remote, input="this\n")
    assert (p.returncode, p.stdout) == (0, "got this\n"), p.stderr
    # With a terminal: known from the container (inspect, remotely), and
    # piped input ends with the terminal's EOF.
    p = env.cli("create", "-i", "-t", "--network", "none", "--name", "term", BUSYBOX, "sh",
                "-c", "[ -t 0 ] && read line && echo got $line", remote=remote)
    p = env.cli("start", "-a", "-i", "term", remote=remote, input="that\n", timeout=30)
    assert p.returncode == 0 and "got that" in p.stdout, (p.stdout, p.stderr)
    p = env.cli("start", "-a", "nope", remote=remote)
    assert p.returncode == 125


def _pty_read_until(fd, want, timeout=20):
    got = b""
    deadline = time.monotonic() + timeout
    while want not in got:
        r, _, _ = select.select([fd], [], [], max(0, deadline - time.monotonic()))
        if not r:
            raise AssertionError("timed out waiting for %r; got %r" % (want, got))
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        got += chunk
    return got


def _set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def test_run_proxies_signals_without_a_terminal(remote, env):
    # podman's --sig-proxy: a signal to the attached CLI reaches the
    # container's process, which decides what to do with it.
    proc = env.cli_popen("run", "--rm", "--network", "none", BUSYBOX, "sh", "-c",
                         'trap "echo got-TERM; exit 3" TERM; trap "echo got-USR1" USR1; '
                         'echo ready; while :; do sleep 0.1; done',
                         remote=remote, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"ready\n"
        proc.send_signal(signal.SIGUSR1)
        assert proc.stdout.readline() == b"got-USR1\n"
        proc.send_signal(signal.SIGTERM)
        assert proc.stdout.readline() == b"got-TERM\n"
        assert proc.wait(timeout=20) == 3
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_run_tty_on_a_terminal(remote, env):
    # The CLI on a terminal of ours: raw mode while attached, the size
    # passed on, resizes (SIGWINCH) too, the terminal restored afterwards.
    master, slave = pty.openpty()
    _set_size(slave, 30, 100)
    before = termios.tcgetattr(slave)
    proc = env.cli_popen("run", "--rm", "-it", "--network", "none", BUSYBOX, "sh",
                         remote=remote, stdin=slave, stdout=slave, stderr=slave,
                         start_new_session=True)
    try:
        # Markers the shell computes: the echo of the command line is not them.
        os.write(master, b"stty size; echo mark$((1 + 1))\n")
        out = _pty_read_until(master, b"mark2\r\n")
        assert b"30 100" in out, out
        # Raw while attached: no local echo or line editing in between.
        assert not termios.tcgetattr(slave)[3] & termios.ICANON
        _set_size(slave, 42, 132)
        os.kill(proc.pid, signal.SIGWINCH)
        deadline = time.monotonic() + 10
        while True:
            os.write(master, b"stty size; echo mark$((2 + 1))\n")
            out = _pty_read_until(master, b"mark3\r\n")
            if b"42 132" in out or time.monotonic() > deadline:
                break
        assert b"42 132" in out, out
        os.write(master, b"exit 3\n")
        assert proc.wait(timeout=20) == 3
        assert termios.tcgetattr(slave) == before
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)


def test_run_detach_keys(env):
    master, slave = pty.openpty()
    proc = env.cli_popen("run", "-it", "--network", "none", "--name", "detachable", BUSYBOX, "sh",
                         stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    try:
        os.write(master, b"echo ready$((1 + 1))\n")
        _pty_read_until(master, b"ready2\r\n")
        os.write(master, b"\x10\x11")
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)
    assert json.loads(env.cli("ps", "--format", "json").stdout)[0]["names"] == "detachable"


# ---------------------------------------------------------------------------


def test_zz_nothing_left_by_the_suite():
    """After every test above: no conmon for any test root, no cgroup of
    any container a test saw, no mounts of the test directories."""
    if not SEEN_DIRS:
        pytest.skip("no container test ran")
    mounts = open("/proc/self/mountinfo").read()
    for d in SEEN_DIRS:
        assert d not in mounts
    for path in os.listdir("/proc"):
        if not path.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % path, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == b"conmon":
            assert not any(d.encode() in a for a in argv for d in SEEN_DIRS), argv
    assert cgroup_dirs(SEEN_IDS) == []
