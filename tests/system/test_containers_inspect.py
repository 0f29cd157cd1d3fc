# SPDX-License-Identifier: Apache-2.0
"""Container introspection end to end: InspectContainer, the four
documents podman-remote reads (ContainerConfig, ContainerArtifacts,
ContainerInspectData, ContainerStateData), ListContainerProcesses and
GetContainerStats, against real containers (conmon + runc, busybox image)
and the cgroup files the kernel keeps for them; then `varpod inspect`,
`top`, `stats` and `port`.

Containers run with net_mode none, except in the bridge test, whose
service runs inside a network and mount namespace of its own (unshare), so
the host's network is never touched."""
import base64
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import BINARY, ROOT, Service, varpod
from varlink_client import Connection

SEED = os.path.join(ROOT, "tools", "seed-busybox.sh")
IMAGE = "localhost/busybox"

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("conmon"),
                                reason="containers need root and conmon")

# Key order of the documents (semantics 3.3).
DATA_KEYS = ["ID", "Created", "Path", "Args", "State", "Image", "ImageName", "Rootfs",
             "ResolvConfPath", "HostnamePath", "HostsPath", "StaticDir", "LogPath", "Name",
             "RestartCount", "Driver", "MountLabel", "ProcessLabel", "AppArmorProfile",
             "EffectiveCaps", "BoundingCaps", "ExecIDs", "GraphDriver", "SizeRw", "SizeRootFs",
             "Mounts", "Dependencies", "NetworkSettings", "ExitCommand", "Namespace", "IsInfra"]
STATE_KEYS = ["OciVersion", "Status", "Running", "Paused", "Restarting", "OOMKilled", "Dead",
              "Pid", "ExitCode", "Error", "StartedAt", "FinishedAt"]
HOST_CONFIG_KEYS = [
    "ContainerIDFile", "LogConfig", "NetworkMode", "PortBindings", "AutoRemove", "CapAdd",
    "CapDrop", "DNS", "DNSOptions", "DNSSearch", "ExtraHosts", "GroupAdd", "IpcMode", "Cgroup",
    "OomScoreAdj", "PidMode", "Privileged", "PublishAllPorts", "ReadonlyRootfs", "SecurityOpt",
    "UTSMode", "UsernsMode", "ShmSize", "Runtime", "ConsoleSize", "CpuShares", "Memory",
    "NanoCpus", "CgroupParent", "BlkioWeight", "BlkioWeightDevice", "BlkioDeviceReadBps",
    "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "CpuPeriod",
    "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime", "CpuSetCpus", "CpuSetMems", "Devices",
    "DiskQuota", "KernelMemory", "MemoryReservation", "MemorySwap", "MemorySwappiness",
    "OomKillDisable", "PidsLimit", "Ulimits", "CpuCount", "CpuPercent", "IOMaximumIOps",
    "IOMaximumBandwidth", "Tmpfs"]
CONFIG_KEYS = ["Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr",
               "Tty", "OpenStdin", "StdinOnce", "Env", "Cmd", "Image", "Volumes", "WorkingDir",
               "Entrypoint", "Labels", "Annotations", "StopSignal"]
NETWORK_KEYS = ["Bridge", "SandboxID", "HairpinMode", "LinkLocalIPv6Address",
                "LinkLocalIPv6PrefixLen", "Ports", "SandboxKey", "SecondaryIPAddresses",
                "SecondaryIPv6Addresses", "EndpointID", "Gateway", "GlobalIPv6Address",
                "GlobalIPv6PrefixLen", "IPAddress", "IPPrefixLen", "IPv6Gateway", "MacAddress"]
CTR_CONFIG_KEYS = [
    "spec", "id", "name", "pod", "namespace", "lockID", "idMappingsOptions", "rootfsImageID",
    "rootfsImageName", "rootfs", "imageVolumes", "ShmDir", "shmSize", "staticDir", "mounts",
    "privileged", "ProcessLabel", "MountLabel", "labelopts", "user", "groups", "ipcNsCtr",
    "mountNsCtr", "netNsCtr", "pidNsCtr", "userNsCtr", "utsNsCtr", "cgroupNsCtr",
    "Dependencies", "createNetNS", "staticIP", "portMappings", "dnsServer", "dnsSearch",
    "dnsOption", "hostsAdd", "networks", "networkMode", "userVolumes", "entrypoint", "command",
    "stdin", "labels", "stopSignal", "stopTimeout", "createdTime", "cgroupParent", "logPath",
    "conmonPidFile", "postConfigureNetNS", "runtime", "exitCommand", "LocalVolumes", "pause",
    "systemd"]
CTR_CONFIG_ALWAYS = ["spec", "id", "name", "lockID", "idMappingsOptions", "imageVolumes",
                     "shmSize", "staticDir", "privileged", "Dependencies", "createNetNS",
                     "staticIP", "createdTime", "cgroupParent", "logPath", "postConfigureNetNS",
                     "LocalVolumes", "pause", "systemd"]
STATE_DOC_KEYS = ["state", "configPath", "runDir", "destinationRunDir", "mounted", "mountPoint",
                  "realMountPoint", "startedTime", "finishedTime", "exitCode", "exited",
                  "oomKilled", "pid", "execSessions", "networkResults", "bindMounts",
                  "userNSRoot", "extensionStageHooks"]
ARTIFACT_HEAD = ["Runtime", "Annotations", "Args", "CapAdd", "CapDrop", "CidFile",
                 "ConmonPidFile", "CgroupParent", "Command", "Detach"]
STATS_KEYS = ["id", "name", "cpu", "cpu_nano", "system_nano", "mem_usage", "mem_limit",
              "mem_perc", "net_input", "net_output", "block_output", "block_input", "pids"]
DEFAULT_PS_HEADER = "USER\tPID\tPPID\t%CPU\tELAPSED\tTTY\tTIME\tCOMMAND"


def in_order(keys, reference):
    """keys appear in reference's order (reference may have more)."""
    positions = [reference.index(k) for k in keys]
    return positions == sorted(positions)


def call_ok(conn, method, params):
    reply = conn.call("io.podman." + method, params)
    assert "error" not in reply, reply
    return reply["parameters"]


def document(conn, method, name, field="config"):
    return json.loads(call_ok(conn, method, {"name": name})[field])


def error_of(conn, method, params):
    reply = conn.call("io.podman." + method, params)
    assert "error" in reply, reply
    return reply["error"], reply.get("parameters")


def cgroup_file(controller, cid, name):
    with open("/sys/fs/cgroup/%s/varpod/%s/%s" % (controller, cid, name)) as f:
        return f.read()


def cgroup_v1():
    return os.path.isdir("/sys/fs/cgroup/memory")


class Env:
    """A service with its own root, the busybox image, and containers in
    known states: web (running, named options), busy (running, spinning),
    idle (created, never started), done (exited), held (paused)."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.root = os.path.join(tmp, "root")
        self.runroot = os.path.join(tmp, "run")
        subprocess.run([SEED, BINARY, "--root", self.root, "--runroot", self.runroot],
                       check=True, capture_output=True, timeout=120)
        self.service = Service(tmp)
        self.conn = Connection(self.service.address, timeout=120)
        self.ids = {}

    def cli(self, *args, **kw):
        return varpod("--root", self.root, "--runroot", self.runroot, *args, **kw)

    def create(self, name, start=True, **fields):
        create = {"image": IMAGE, "name": name, "net_mode": "none", "detach": True}
        create.update(fields)
        cid = call_ok(self.conn, "CreateContainer", {"create": create})["container"]
        if start:
            call_ok(self.conn, "StartContainer", {"name": cid})
        self.ids[name] = cid
        return cid

    def close(self):
        for cid in self.ids.values():
            self.conn.call("io.podman.RemoveContainer", {"name": cid, "force": True})
        self.conn.close()
        return self.service.stop()


@pytest.fixture(scope="module")
def env():
    tmp = subprocess.run(["mktemp", "-d", "/tmp/vpi.XXXXXX"], capture_output=True, text=True,
                         check=True).stdout.strip()
    e = Env(tmp)
    try:
        e.create("web", command=["sleep", "1000"], env={"FOO": "bar"},
                 labels={"tier": "test"}, hostname="webhost", cap_add=["CAP_SYS_TIME"],
                 resources={"memory": 64 << 20})
        e.create("busy", command=["sh", "-c", "while :; do :; done"])
        e.create("idle", start=False, command=["true"], user="nobody")
        e.create("done", command=["sh", "-c", "exit 3"])
        e.create("held", command=["sleep", "1000"])
        call_ok(e.conn, "PauseContainer", {"name": "held"})
        assert call_ok(e.conn, "WaitContainer", {"name": "done"})["exitcode"] == 3
        yield e
    finally:
        code, err = e.close()
        # The engine makes RUNROOT/netns a bind mount of itself (as `ip
        # netns` does with /run/netns), which os.path.ismount cannot see;
        # it must go before the tree can.
        netns = os.path.join(e.runroot, "netns")
        for _ in range(8):  # however many times it is mounted there
            if subprocess.run(["umount", "-l", netns], capture_output=True).returncode != 0:
                break
        shutil.rmtree(tmp, ignore_errors=True)
        assert code == 0, err
        assert "ERROR: AddressSanitizer" not in err and "runtime error:" not in err, err


# ---------------------------------------------------------------------------
# InspectContainer and ContainerInspectData.


def test_inspect_running_container(env):
    cid = env.ids["web"]
    doc = document(env.conn, "InspectContainer", "web", field="container")
    assert list(doc) == [k for k in DATA_KEYS if k in doc] + ["HostConfig", "Config"]
    assert in_order([k for k in doc if k in DATA_KEYS], DATA_KEYS)
    assert doc["ID"] == cid and doc["Name"] == "web"
    assert doc["Path"] == "sleep" and doc["Args"] == ["1000"]
    assert list(doc["State"]) == STATE_KEYS
    st = doc["State"]
    assert st["Status"] == "running" and st["Running"] and not st["Paused"] and not st["Dead"]
    assert st["Pid"] > 0 and os.path.exists("/proc/%d" % st["Pid"])
    assert st["StartedAt"] != "0001-01-01T00:00:00Z"
    assert st["FinishedAt"] == "0001-01-01T00:00:00Z"
    assert st["OciVersion"]
    image = call_ok(env.conn, "GetImage", {"name": IMAGE})["image"]
    assert doc["Image"] == image["id"] and doc["ImageName"] == IMAGE
    assert doc["Driver"] in ("overlay", "vfs") and doc["GraphDriver"]["Name"] == doc["Driver"]
    if doc["Driver"] == "overlay":
        data = doc["GraphDriver"]["Data"]
        assert os.path.isdir(data["UpperDir"]) and os.path.isdir(data["MergedDir"])
        assert all(os.path.isdir(d) for d in data["LowerDir"].split(":"))
    assert doc["SizeRootFs"] >= image["size"]
    # The /etc files a start writes, bind-mounted where the paths say.
    mounts = {m["destination"]: m for m in doc["Mounts"]}
    for key, dest in (("HostsPath", "/etc/hosts"), ("ResolvConfPath", "/etc/resolv.conf"),
                      ("HostnamePath", "/etc/hostname")):
        assert os.path.isfile(doc[key]) and mounts[dest]["source"] == doc[key]
    with open(doc["HostnamePath"]) as f:
        assert f.read().strip() == "webhost"
    assert doc["StaticDir"].startswith(env.root) and doc["LogPath"].startswith(doc["StaticDir"])
    assert "CAP_SYS_TIME" in doc["EffectiveCaps"] and "CAP_SYS_TIME" in doc["BoundingCaps"]
    assert doc["ExecIDs"] == [] and doc["Dependencies"] == [] and doc["IsInfra"] is False
    ns = doc["NetworkSettings"]
    assert list(ns) == NETWORK_KEYS
    assert ns["Ports"] == [] and ns["IPAddress"] == ""
    assert os.path.exists(ns["SandboxKey"])
    assert doc["ExitCommand"][-3:] == ["container", "cleanup", cid]


def test_inspect_host_config_and_config(env):
    doc = document(env.conn, "InspectContainer", env.ids["web"], field="container")
    host = doc["HostConfig"]
    assert list(host) == HOST_CONFIG_KEYS
    assert host["NetworkMode"] == "none" and host["Memory"] == 64 << 20
    assert host["CapAdd"] == ["CAP_SYS_TIME"] and host["DNS"] is None
    assert host["ShmSize"] == 64 << 20 and host["Cgroup"] == "host"
    assert host["CgroupParent"] == "/varpod" and host["Runtime"] in ("runc", "crun")
    assert host["AutoRemove"] is False and host["ReadonlyRootfs"] is False
    cfg = doc["Config"]
    assert list(cfg) == CONFIG_KEYS
    assert cfg["Hostname"] == "webhost" and cfg["Cmd"] == ["sleep", "1000"]
    assert "FOO=bar" in cfg["Env"] and cfg["Labels"] == {"tier": "test"}
    assert cfg["User"] == {"uid": 0, "gid": 0} and cfg["Image"] == IMAGE
    assert cfg["Entrypoint"] == "" and cfg["StopSignal"] == 15 and cfg["WorkingDir"] == "/"


def test_inspect_single_argument_and_never_started(env):
    doc = document(env.conn, "InspectContainer", "idle", field="container")
    # One argument: Path is it and Args is empty (not the argument again).
    assert doc["Path"] == "true" and doc["Args"] == []
    assert doc["State"]["Status"] == "configured" and doc["State"]["Pid"] == 0
    assert doc["State"]["StartedAt"] == "0001-01-01T00:00:00Z"
    assert doc["ResolvConfPath"] == doc["HostsPath"] == doc["HostnamePath"] == ""
    # The OCI config a start would write is generated, users resolved in
    # the image; the rootfs mounted for that is unmounted again.
    assert doc["Config"]["User"] == {"uid": 65534, "gid": 65534}
    assert "HOME=/nonexistent" in doc["Config"]["Env"]
    with open("/proc/self/mountinfo") as f:
        assert env.ids["idle"] not in f.read()


def test_inspect_exited_and_paused(env):
    doc = document(env.conn, "InspectContainer", "done", field="container")
    st = doc["State"]
    assert st["Status"] in ("exited", "stopped") and st["ExitCode"] == 3 and st["Pid"] == 0
    assert not st["Running"] and st["FinishedAt"] != "0001-01-01T00:00:00Z"
    doc = document(env.conn, "InspectContainer", "held", field="container")
    assert doc["State"]["Status"] == "paused" and doc["State"]["Paused"]
    assert not doc["State"]["Running"]


def test_container_inspect_data(env):
    full = document(env.conn, "InspectContainer", "web", field="container")
    data = document(env.conn, "ContainerInspectData", env.ids["web"][:12])
    assert list(data) == [k for k in DATA_KEYS if k in data]
    assert list(data)[-1] == "IsInfra" and "HostConfig" not in data
    for key in ("ID", "Path", "Args", "Mounts", "NetworkSettings", "GraphDriver"):
        assert data[key] == full[key]


# ---------------------------------------------------------------------------
# ContainerStateData, ContainerConfig, ContainerArtifacts.


def test_container_state_data(env):
    state = document(env.conn, "ContainerStateData", "web")
    assert list(state) == [k for k in STATE_DOC_KEYS if k in state]
    assert state["state"] == 3 and isinstance(state["state"], int)
    inspect = document(env.conn, "InspectContainer", "web", field="container")
    assert state["pid"] == inspect["State"]["Pid"]
    assert state["startedTime"] == inspect["State"]["StartedAt"]
    assert state["mounted"] is True and os.path.ismount(state["mountPoint"])
    assert state["bindMounts"]["/etc/hosts"] == inspect["HostsPath"]
    assert os.path.isfile(state["configPath"])
    assert "exited" not in state and "exitCode" not in state
    idle = document(env.conn, "ContainerStateData", "idle")
    assert idle["state"] == 1 and idle["finishedTime"] == "0001-01-01T00:00:00Z"
    assert "pid" not in idle and "bindMounts" not in idle
    done = document(env.conn, "ContainerStateData", "done")
    assert done["state"] in (4, 6) and done["exited"] is True and done["exitCode"] == 3
    assert document(env.conn, "ContainerStateData", "held")["state"] == 5


def test_container_config(env):
    cid = env.ids["web"]
    cfg = document(env.conn, "ContainerConfig", "web")
    assert in_order(list(cfg), CTR_CONFIG_KEYS)
    assert all(k in cfg for k in CTR_CONFIG_ALWAYS)
    assert "pod" not in cfg and "rootfs" not in cfg  # omit-empty
    with open(os.path.join(env.root, "containers", cid, "userdata", "config.json")) as f:
        assert cfg["spec"] == json.load(f)
    assert cfg["id"] == cid and cfg["name"] == "web"
    assert cfg["rootfsImageName"] == IMAGE and cfg["command"] == ["sleep", "1000"]
    assert cfg["labels"] == {"tier": "test"} and "dnsServer" not in cfg
    assert cfg["createNetNS"] is False and cfg["networkMode"] == "none"
    assert cfg["stopSignal"] == 15 and cfg["shmSize"] == 64 << 20
    assert cfg["idMappingsOptions"]["HostUIDMapping"] is True
    assert cfg["logPath"].endswith("/ctr.log") and cfg["exitCommand"][-1] == cid
    # A container never started: the spec is generated.
    idle = document(env.conn, "ContainerConfig", "idle")
    assert idle["spec"]["process"]["user"]["uid"] == 65534
    assert idle["spec"]["process"]["args"] == ["true"]


def test_container_artifacts(env):
    reply = call_ok(env.conn, "ContainerArtifacts", {"name": "web",
                                                     "artifactName": "create-config"})
    # A JSON string literal of base64 of the JSON creation config.
    literal = json.loads(reply["config"])
    assert isinstance(literal, str)
    art = json.loads(base64.b64decode(literal))
    assert list(art)[:len(ARTIFACT_HEAD)] == ARTIFACT_HEAD
    assert art["Runtime"] == {} and art["Name"] == "web" and art["Image"] == IMAGE
    assert art["Command"] == ["sleep", "1000"] and art["Env"]["FOO"] == "bar"
    assert art["NetMode"] == "none" and art["Hostname"] == "webhost"
    assert art["CapAdd"] == ["CAP_SYS_TIME"] and art["DNSServers"] is None
    assert art["Resources"]["Memory"] == 64 << 20 and art["Syslog"] is False
    assert art["Labels"] == {"tier": "test"} and art["StopSignal"] == 15
    err, params = error_of(env.conn, "ContainerArtifacts", {"name": "web",
                                                            "artifactName": "other"})
    assert err == "io.podman.ErrorOccurred"
    assert params["reason"].startswith("unable to get container artifacts")


def test_dev_methods_unknown_container(env):
    for method in ("ContainerConfig", "ContainerInspectData", "ContainerStateData"):
        err, params = error_of(env.conn, method, {"name": "nosuch"})
        assert err == "io.podman.ErrorOccurred", method
        assert params["reason"] == \
            "no container with name or ID nosuch found: no such container"
    err, params = error_of(env.conn, "ContainerArtifacts",
                           {"name": "nosuch", "artifactName": "create-config"})
    assert err == "io.podman.ErrorOccurred" and "no such container" in params["reason"]


def test_not_found_errors(env):
    for method, extra in (("InspectContainer", {}), ("GetContainerStats", {}),
                          ("ListContainerProcesses", {"opts": []})):
        err, params = error_of(env.conn, method, dict(name="nosuch", **extra))
        assert err == "io.podman.ContainerNotFound" and params == {"name": "nosuch"}


# ---------------------------------------------------------------------------
# GetContainerStats against the cgroup files.


def test_stats_values(env):
    cid = env.ids["web"]
    reply = env.conn.call("io.podman.GetContainerStats", {"name": "web"})
    assert "error" not in reply, reply
    st = reply["parameters"]["container"]
    assert list(st) == STATS_KEYS
    assert st["id"] == cid and st["name"] == "web"
    if not cgroup_v1():
        pytest.skip("cgroup v2 host: the cgroup file checks below are written for v1")
    assert st["mem_limit"] == int(cgroup_file("memory", cid, "memory.limit_in_bytes"))
    assert st["mem_limit"] == 64 << 20
    usage = int(cgroup_file("memory", cid, "memory.usage_in_bytes"))
    stat = dict(line.split() for line in cgroup_file("memory", cid, "memory.stat").splitlines())
    cache = int(stat.get("total_cache", stat.get("cache", 0)))
    # Page cache is not counted as use (docker's rule); a sleeping
    # container's memory does not move between the two readings.
    assert abs(st["mem_usage"] - (usage - cache)) <= 256 << 10
    assert st["mem_perc"] == pytest.approx(st["mem_usage"] / st["mem_limit"] * 100)
    assert st["pids"] == int(cgroup_file("pids", cid, "pids.current")) == 1
    cpu_after = int(cgroup_file("cpuacct", cid, "cpuacct.usage"))
    assert 0 < st["cpu_nano"] <= cpu_after
    assert 0 <= st["system_nano"] <= st["cpu_nano"]
    assert st["net_input"] == 0 and st["net_output"] == 0  # only lo, which is not counted


def test_stats_cpu_percent_and_block_io(env):
    cid = env.ids["busy"]
    st = call_ok(env.conn, "GetContainerStats", {"name": "busy"})["container"]
    # A spinning shell: a good part of one CPU (the host may be shared or
    # capped, so no exact figure), measured over the call's own interval.
    assert 1.0 < st["cpu"] <= 100.0 * os.cpu_count() + 1
    if not cgroup_v1():
        return
    before = int(cgroup_file("cpuacct", cid, "cpuacct.usage"))
    assert before >= st["cpu_nano"] > 0
    read = write = 0
    try:
        text = cgroup_file("blkio", cid, "blkio.throttle.io_service_bytes")
    except FileNotFoundError:
        return
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "Read":
            read += int(parts[2])
        elif len(parts) == 3 and parts[1] == "Write":
            write += int(parts[2])
    assert st["block_input"] == read and st["block_output"] == write


def test_stats_not_running(env):
    for name in ("idle", "done", "held"):
        reply = env.conn.call("io.podman.GetContainerStats", {"name": name})
        assert reply == {"error": "io.podman.NoContainerRunning"}, name


# ---------------------------------------------------------------------------
# ListContainerProcesses.


def test_processes_default_and_lone_descriptor(env):
    for opts in ([], ["pid"]):  # a single descriptor is ignored, as the reference did
        lines = call_ok(env.conn, "ListContainerProcesses",
                        {"name": "web", "opts": opts})["container"]
        assert lines[0] == DEFAULT_PS_HEADER
        assert len(lines) == 2
        cols = lines[1].split("\t")
        assert len(cols) == 8 and cols[0] == "root" and cols[1] == "1" and cols[2] == "0"
        assert cols[7] == "sleep"


def test_processes_descriptors(env):
    lines = call_ok(env.conn, "ListContainerProcesses",
                    {"name": "web", "opts": ["pid", " args ", "hpid"]})["container"]
    assert lines[0] == "PID\tCOMMAND\tHPID"
    pid = document(env.conn, "InspectContainer", "web", field="container")["State"]["Pid"]
    assert lines[1:] == ["1\tsleep 1000\t%d" % pid]
    err, params = error_of(env.conn, "ListContainerProcesses",
                           {"name": "web", "opts": ["pid", "bogus"]})
    assert err == "io.podman.ErrorOccurred" and params["reason"] == "'bogus': unknown descriptor"


def test_processes_not_running(env):
    prefix = env.ids["idle"][:10]
    for name in (prefix, "done", "held"):
        err, params = error_of(env.conn, "ListContainerProcesses", {"name": name, "opts": []})
        assert err == "io.podman.ErrorOccurred"
        # The container is named as it was asked for.
        assert params["reason"] == "container %s is not running" % name


# ---------------------------------------------------------------------------
# The command line.


def test_cli_inspect(env):
    r = env.cli("inspect", "web")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)[0]
    assert doc["ID"] == env.ids["web"] and "HostConfig" in doc
    # Not a container: an image of that name.
    r = env.cli("inspect", IMAGE)
    assert r.returncode == 0, r.stderr
    assert "RootFS" in json.loads(r.stdout)[0]
    r = env.cli("inspect", "--type", "container", IMAGE)
    assert r.returncode == 125 and "no container with name or ID" in r.stderr
    r = env.cli("inspect", "--type", "image", "web")
    assert r.returncode == 125
    r = env.cli("inspect", "--type", "pod", "web")
    assert r.returncode == 125


def test_cli_top(env):
    r = env.cli("top", "web")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME",
                                "COMMAND"]
    assert lines[1].split()[:3] == ["root", "1", "0"]
    r = env.cli("top", "web", "args")  # a lone descriptor works on the command line
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["COMMAND", "sleep 1000"]
    r = env.cli("top", "web", "pid,comm")
    assert [l.split() for l in r.stdout.splitlines()] == [["PID", "COMMAND"], ["1", "sleep"]]
    r = env.cli("top", "idle")
    assert r.returncode == 125 and "container idle is not running" in r.stderr


def test_cli_stats(env):
    r = env.cli("stats", "--no-stream", "--format", "json", "web", "busy")
    assert r.returncode == 0, r.stderr
    stats = json.loads(r.stdout)
    assert [s["name"] for s in stats] == ["web", "busy"]
    assert all(list(s) == STATS_KEYS for s in stats)
    r = env.cli("stats", "--no-stream")  # every running container
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:2] == ["ID", "NAME"]
    assert sorted(l.split()[1] for l in lines[1:]) == ["busy", "web"]
    r = env.cli("stats", "--no-stream", "idle")
    assert r.returncode == 125 and "not running" in r.stderr
    # Streaming: redrawn about once a second until interrupted.
    p = subprocess.Popen([BINARY, "--root", env.root, "--runroot", env.runroot, "stats", "web"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    p.terminate()
    out, _ = p.communicate(timeout=10)
    assert out.count("MEM USAGE / LIMIT") >= 2


def test_cli_port_without_ports(env):
    r = env.cli("port", "web")
    assert r.returncode == 0 and r.stdout == ""
    r = env.cli("port", "web", "80")
    assert r.returncode == 125 and 'failed to find published port "80"' in r.stderr
    r = env.cli("port", "nosuch")
    assert r.returncode == 125


# ---------------------------------------------------------------------------
# A bridged container, inside a network namespace of the test's own.


@pytest.fixture
def bridged(tmpdir_short):
    if not os.path.exists("/usr/lib/cni/bridge") or not shutil.which("unshare"):
        pytest.skip("needs the CNI plugins (containernetworking-plugins) and unshare")
    root, runroot = os.path.join(tmpdir_short, "root"), os.path.join(tmpdir_short, "run")
    cni = os.path.join(tmpdir_short, "cni")
    subprocess.run([SEED, BINARY, "--root", root, "--runroot", runroot], check=True,
                   capture_output=True, timeout=120)
    sock = os.path.join(tmpdir_short, "io.podman")
    # The service, and with it conmon, runc and the CNI plugins, lives in a
    # new network namespace: the bridge and its firewall rules never reach
    # the host's.
    script = "ip link set lo up && exec %s --root %s --runroot %s --cni-config-dir %s " \
             "varlink --timeout 0 unix:%s" % (BINARY, root, runroot, cni, sock)
    proc = subprocess.Popen(["unshare", "--net", "--mount", "--propagation", "private",
                             "sh", "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not os.path.exists(sock) and time.monotonic() < deadline:
        time.sleep(0.05)
    conn = Connection("unix:" + sock, timeout=120)
    yield conn, "unix:" + sock
    conn.call("io.podman.DeleteStoppedContainers")
    for c in (conn.call("io.podman.ListContainers")["parameters"]["containers"] or []):
        conn.call("io.podman.RemoveContainer", {"name": c["id"], "force": True})
    conn.close()
    proc.terminate()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "ERROR: AddressSanitizer" not in err and "runtime error:" not in err, err


def net_dev(pid, ifname="eth0"):
    with open("/proc/%d/net/dev" % pid) as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name.strip() == ifname:
                fields = rest.split()
                return int(fields[0]), int(fields[8])
    raise KeyError(ifname)


def test_bridged_network_settings_stats_and_port(bridged):
    conn, address = bridged
    # The container sends a datagram to the gateway; the unreachable
    # reply and ARP give traffic both ways.
    create = {"image": IMAGE, "name": "br", "detach": True, "publish": ["8080:80"],
              "command": ["sh", "-c", "echo x | nc -u -w1 10.89.0.1 9; sleep 1000"]}
    cid = call_ok(conn, "CreateContainer", {"create": create})["container"]
    call_ok(conn, "StartContainer", {"name": cid})
    time.sleep(2)
    doc = document(conn, "InspectContainer", "br", field="container")
    ns = doc["NetworkSettings"]
    assert ns["IPAddress"].startswith("10.89.0.") and ns["IPPrefixLen"] == 24
    assert ns["Gateway"] == "10.89.0.1" and len(ns["MacAddress"]) == 17
    assert ns["Ports"] == [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp",
                            "hostIP": ""}]
    assert doc["HostConfig"]["NetworkMode"] == "bridge"
    assert doc["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}
    state = document(conn, "ContainerStateData", "br")
    assert state["networkResults"][0]["ips"][0]["address"].startswith(ns["IPAddress"] + "/")
    cfg = document(conn, "ContainerConfig", "br")
    assert cfg["createNetNS"] is True and cfg["portMappings"] == ns["Ports"]

    st = call_ok(conn, "GetContainerStats", {"name": "br"})["container"]
    rx, tx = net_dev(doc["State"]["Pid"])
    # net_input is what the container received, net_output what it sent.
    assert 0 < st["net_input"] <= rx and 0 < st["net_output"] <= tx
    assert rx - st["net_input"] < 4096 and tx - st["net_output"] < 4096

    r = varpod("--remote", "--url", address, "port", "br")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "80/tcp -> 0.0.0.0:8080\n"
    r = varpod("--remote", "--url", address, "port", "br", "80/tcp")
    assert r.stdout == "0.0.0.0:8080\n"
    r = varpod("--remote", "--url", address, "inspect", "br")
    assert json.loads(r.stdout)[0]["NetworkSettings"]["IPAddress"] == ns["IPAddress"]
