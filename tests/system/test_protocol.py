# SPDX-License-Identifier: Apache-2.0
"""The varlink protocol as io.podman clients see it (semantics section 1)."""
import json
import os
import re
import socket
import subprocess
import threading

from conftest import ROOT, varpod
from varlink_client import Connection, call

CONTRACT = os.path.join(os.path.dirname(ROOT), "shared", "spec", "io.podman.contract.varlink")
IDL = os.path.join(ROOT, "src", "api", "io.podman.varlink")


def test_ping(service):
    assert call(service.address, "io.podman.Ping") == {"parameters": {"ping": {"message": "OK"}}}


def test_ping_exact_bytes(service):
    # Appendix A: the exact wire form, including key order.
    with Connection(service.address) as c:
        c.send_raw(b'{"method":"io.podman.Ping"}\0')
        assert c.recv_raw() == b'{"parameters":{"ping":{"message":"OK"}}}'


def test_get_version(service):
    v = call(service.address, "io.podman.GetVersion")["parameters"]["version"]
    assert list(v) == ["version", "go_version", "git_commit", "built", "os_arch",
                       "remote_api_version"]
    assert v["remote_api_version"] == 1
    assert re.fullmatch(r"linux/\w+", v["os_arch"])
    assert isinstance(v["built"], int)


def test_get_info(service):
    info = call(service.address, "io.podman.GetInfo")["parameters"]["info"]
    host = info["host"]
    assert host["os"] == "linux"
    assert host["cpus"] == len(os.sched_getaffinity(0))
    assert host["hostname"] == socket.gethostname()
    assert host["kernel"] == open("/proc/version").read().split()[2]
    assert host["mem_total"] > host["mem_free"] > 0
    assert host["mem_total"] % 1024 == 0
    # "28h 34m 12.56s (Approximately 1.19 days)", "34m 12.56s" or "45.12s"
    assert re.fullmatch(r"(\d+h \d+m [\d.]+s \(Approximately \d+\.\d\d days\)"
                        r"|\d+m [\d.]+s|[\d.]+s)", host["uptime"]), host["uptime"]
    osr = dict(line.rstrip("\n").split("=", 1) for line in open("/etc/os-release") if "=" in line)
    assert host["distribution"]["distribution"] == osr["ID"]
    assert host["distribution"]["version"] == osr["VERSION_ID"].strip('"')
    store = info["store"]
    assert store["graph_root"] == os.path.join(service.dir, "root")
    assert store["run_root"] == os.path.join(service.dir, "run")
    assert set(info) == {"host", "registries", "insecure_registries", "store", "podman"}


def test_service_get_info(service):
    r = call(service.address, "org.varlink.service.GetInfo")["parameters"]
    assert r["interfaces"] == ["org.varlink.service", "io.podman"]
    assert r["product"] == "varpod"


def test_interface_description_matches_contract(service, tmp_path):
    desc = call(service.address, "org.varlink.service.GetInterfaceDescription",
                {"interface": "io.podman"})["parameters"]["description"]
    assert desc == open(IDL).read().rstrip("\n") + "\n"
    assert len(re.findall(r"^method ", desc, re.M)) == 72
    assert len(re.findall(r"^type ", desc, re.M)) == 30
    assert len(re.findall(r"^error ", desc, re.M)) == 8
    served = tmp_path / "served.varlink"
    served.write_text(desc)
    checker = os.path.join(ROOT, "tools", "check-idl-contract.py")
    r = subprocess.run(["python3", checker, CONTRACT, str(served)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_interface_description_errors(service):
    for params in ({"interface": "com.example.nope"}, {"interface": ""}, {}):
        r = call(service.address, "org.varlink.service.GetInterfaceDescription", params)
        assert r == {"parameters": {"parameter": "interface"},
                     "error": "org.varlink.service.InvalidParameter"}
    r = call(service.address, "org.varlink.service.GetInterfaceDescription")
    assert r["error"] == "org.varlink.service.InvalidParameter"


def test_standard_errors(service):
    a = service.address
    assert call(a, "io.podman.Nope") == {"parameters": {"method": "Nope"},
                                          "error": "org.varlink.service.MethodNotFound"}
    assert call(a, "com.example.X") == {"parameters": {"interface": "com.example"},
                                         "error": "org.varlink.service.InterfaceNotFound"}
    for method in ("Ping", ".Ping", "", 5, None):
        r = call(a, method)
        assert r == {"parameters": {"parameter": "method"},
                     "error": "org.varlink.service.InvalidParameter"}, method
    assert call(a, "org.varlink.service.Nope")["error"] == "org.varlink.service.MethodNotFound"
    # Method and interface names are case-sensitive.
    assert call(a, "io.podman.ping")["error"] == "org.varlink.service.MethodNotFound"
    assert call(a, "IO.podman.Ping")["error"] == "org.varlink.service.InterfaceNotFound"


def test_invalid_parameters(service):
    a = service.address
    ip = "org.varlink.service.InvalidParameter"
    # A method with inputs needs a parameters object.
    assert call(a, "io.podman.RemoveContainer") == {"parameters": {"parameter": "parameters"},
                                                     "error": ip}
    for bad in ([], 5, "x", None):
        assert call(a, "io.podman.RemoveContainer", bad)["parameters"] == {
            "parameter": "parameters"}
    # A type mismatch names the offending parameter (our improvement).
    assert call(a, "io.podman.RemoveContainer", {"name": "x", "force": "true"}) == {
        "parameters": {"parameter": "force"}, "error": ip}
    assert call(a, "io.podman.StopContainer", {"name": "x", "timeout": 5.5})["parameters"] == {
        "parameter": "timeout"}
    assert call(a, "io.podman.GetContainer", {"name": 5})["parameters"] == {"parameter": "name"}
    assert call(a, "io.podman.CreateContainer",
                {"create": {"resources": {"cpus": "2"}}})["parameters"] == {"parameter": "create"}
    assert call(a, "io.podman.ListContainerProcesses",
                {"name": "x", "opts": ["a", 1]})["parameters"] == {"parameter": "opts"}
    # Methods without inputs ignore their parameters entirely.
    assert call(a, "io.podman.Ping", [1, 2])["parameters"]["ping"]["message"] == "OK"
    # Wrongly typed top-level keys.
    with Connection(a) as c:
        c.send_raw(b'{"method":"io.podman.Ping","more":"yes"}\0')
        assert c.recv()["parameters"] == {"parameter": "more"}
        c.send_raw(b'{"method":"io.podman.Ping","oneway":1}\0')
        assert c.recv()["parameters"] == {"parameter": "oneway"}
        # The connection is still usable after such errors.
        assert c.call("io.podman.Ping")["parameters"]["ping"]["message"] == "OK"


def test_case_insensitive_keys(service):
    with Connection(service.address) as c:
        c.send_raw(b'{"Method":"io.podman.Ping","MORE":false}\0')
        assert c.recv()["parameters"]["ping"]["message"] == "OK"


def test_unknown_keys_ignored(service):
    with Connection(service.address) as c:
        c.send_raw(b'{"method":"io.podman.Ping","upgrade":true,"extra":{"a":[1]}}\0')
        assert c.recv()["parameters"]["ping"]["message"] == "OK"


def test_not_implemented_names(service):
    a = service.address
    ni = "org.varlink.service.MethodNotImplemented"
    for m in ("ResizeContainerTty", "UpdateContainer", "RenameContainer", "AttachToContainer",
              "CreateImage"):
        assert call(a, "io.podman." + m) == {"parameters": {"method": m}, "error": ni}
    for m in ("WaitPod", "TopPod", "GenerateKube", "GenerateKubeService", "ReplayKube"):
        assert call(a, "io.podman." + m) == {"parameters": {"method": "io.podman." + m},
                                              "error": ni}
    assert call(a, "io.podman.ListContainerPorts", {"name": "x"})["parameters"] == {
        "method": "io.podman.ListContainerPorts"}
    assert call(a, "io.podman.ListContainerPorts")["parameters"] == {"parameter": "parameters"}


def test_pipelined_calls_answered_in_order(service):
    with Connection(service.address) as c:
        batch = b"".join([
            b'{"method":"io.podman.Ping"}\0',
            b'{"method":"io.podman.Nope"}\0',
            b'{"method":"io.podman.GetVersion"}\0',
            b'{"method":"io.podman.Ping","oneway":true}\0',
            b'{"method":"org.varlink.service.GetInfo"}\0',
        ])
        c.send_raw(batch)
        assert "ping" in c.recv()["parameters"]
        assert c.recv()["error"] == "org.varlink.service.MethodNotFound"
        assert "version" in c.recv()["parameters"]
        # The oneway call wrote nothing: the next reply is GetInfo's.
        assert "interfaces" in c.recv()["parameters"]


def test_split_message(service):
    with Connection(service.address) as c:
        msg = b'{"method":"io.podman.Ping","parameters":{}}\0'
        for b in msg:
            c.send_raw(bytes([b]))
        assert c.recv()["parameters"]["ping"]["message"] == "OK"


def test_oneway_error_not_written(service):
    with Connection(service.address) as c:
        c.send("io.podman.Nope", oneway=True)
        c.send("io.podman.Ping")
        assert "ping" in c.recv()["parameters"]


def test_malformed_json_closes_only_that_connection(service):
    with Connection(service.address) as idle:
        with Connection(service.address) as c:
            c.send_raw(b'{"method": "io.podman.Ping", \0')
            r = c.recv()
            assert r["error"] == "io.podman.ErrorOccurred"
            assert "malformed message" in r["parameters"]["reason"]
            assert c.at_eof()
        for bad in (b"[1,2]\0", b'"str"\0', b"null\0", b"\xff\xfe\0"):
            with Connection(service.address) as c:
                c.send_raw(bad)
                assert c.recv()["error"] == "io.podman.ErrorOccurred"
                assert c.at_eof()
        # Other connections and the service are unaffected.
        assert idle.call("io.podman.Ping")["parameters"]["ping"]["message"] == "OK"
    assert call(service.address, "io.podman.Ping")["parameters"]["ping"]["message"] == "OK"


def test_oversized_message(service):
    with Connection(service.address) as c:
        try:
            chunk = b" " * (1 << 20)
            for _ in range(9):  # over the 8 MiB limit, no NUL
                c.send_raw(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = c.recv()
        assert r["error"] == "io.podman.ErrorOccurred"
        assert "larger than" in r["parameters"]["reason"]
        assert c.at_eof()
    assert call(service.address, "io.podman.Ping")["parameters"]["ping"]["message"] == "OK"


def test_too_deep_message(service):
    with Connection(service.address) as c:
        c.send_raw(b'{"method":"io.podman.Ping","parameters":' + b"[" * 100 + b"]" * 100 +
                   b"}\0")
        r = c.recv()
        assert "deeper than" in r["parameters"]["reason"]
    assert call(service.address, "io.podman.Ping")["parameters"]["ping"]["message"] == "OK"


def test_large_valid_message(service):
    # Just under the limit is fine.
    big = "x" * (4 << 20)
    r = call(service.address, "io.podman.Ping", {"pad": big})
    assert r["parameters"]["ping"]["message"] == "OK"


def test_many_calls_per_connection(service):
    with Connection(service.address) as c:
        for _ in range(200):
            assert c.call("io.podman.Ping")["parameters"]["ping"]["message"] == "OK"


def test_concurrent_connections(service):
    """64 connections making 1,000 calls each without an error."""
    errors = []
    calls = 1000

    def worker():
        try:
            with Connection(service.address) as c:
                for i in range(calls // 10):
                    # Pipeline ten at a time to keep the test quick.
                    c.send_raw(b'{"method":"io.podman.Ping"}\0' * 10)
                    for _ in range(10):
                        r = c.recv()
                        if r != {"parameters": {"ping": {"message": "OK"}}}:
                            errors.append(r)
                            return
        except Exception as e:  # noqa: BLE001 - report any failure
            errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_many_idle_connections_do_not_block(service):
    conns = [Connection(service.address) for _ in range(100)]
    try:
        assert call(service.address, "io.podman.Ping")["parameters"]["ping"]["message"] == "OK"
        for c in conns[::10]:
            assert c.call("io.podman.Ping")["parameters"]["ping"]["message"] == "OK"
    finally:
        for c in conns:
            c.close()


def test_client_disconnect_mid_call(service):
    for _ in range(20):
        c = Connection(service.address)
        c.send("io.podman.GetInfo")
        c.close()
    assert call(service.address, "io.podman.Ping")["parameters"]["ping"]["message"] == "OK"


def test_reply_json_is_compact_and_nul_terminated(service):
    with Connection(service.address) as c:
        c.send("io.podman.GetVersion")
        raw = c.recv_raw()
        assert b"\n" not in raw
        json.loads(raw)


def test_cli_call_seed_ping(service):
    # The seed's example, verbatim but for the address and the binary.
    r = varpod("call", "-m", service.address + "/io.podman.Ping")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"ping": {"message": "OK"}}
    assert r.stdout.startswith("{\n  \"ping\"")


def test_cli_call_error(service):
    r = varpod("call", service.address + "/io.podman.GetContainer", '{"name": 1}')
    assert r.returncode != 0
    assert "org.varlink.service.InvalidParameter" in r.stderr
    assert '"parameter": "name"' in r.stderr


def test_cli_call_stdin_and_bad_json(service):
    r = varpod("call", service.address + "/org.varlink.service.GetInterfaceDescription", "-",
               input='{"interface": "org.varlink.service"}')
    assert r.returncode == 0
    assert "interface org.varlink.service" in json.loads(r.stdout)["description"]
    r = varpod("call", service.address + "/io.podman.Ping", "{nope")
    assert r.returncode != 0 and "invalid JSON" in r.stderr


def test_cli_info_and_help(service):
    r = varpod("info", service.address)
    assert r.returncode == 0
    assert "Interfaces:\n  org.varlink.service\n  io.podman\n" in r.stdout
    r = varpod("help", service.address + "/io.podman")
    assert r.returncode == 0
    assert r.stdout == open(IDL).read().rstrip("\n") + "\n"
    r = varpod("help", service.address + "/com.example.none")
    assert r.returncode != 0


def test_cli_call_no_service(tmpdir_short):
    r = varpod("call", "unix:" + tmpdir_short + "/none/io.podman.Ping")
    assert r.returncode != 0
    assert "connect" in r.stderr
