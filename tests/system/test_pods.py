# SPDX-License-Identifier: Apache-2.0
"""Pods end to end (semantics 2.1, 2.6, 3.3): every io.podman pod method on
its happy path and with the errors of the spec, raw calls on the service
socket as python-varlink makes them; the infra container (catatonit from a
locally made image) holding the pod's network namespace and published
ports; members joining it; the registry of names and IDs shared by
containers and pods; and the `varpod pod` commands in-process and
--remote.

Every varpod process runs in the test's own network and mount namespace
(container_env.Sandbox); on teardown nothing of the test's pods may be
left: mounts, network namespaces, veths, conmon processes, cgroups (the
pods' own included)."""
import json
import os
import re
import time

import pytest

from container_env import BUSYBOX, cgroup_dirs, checked_env, seeded_root_fixture, wait_for
from container_env import remote, svc  # noqa: F401 (fixtures)

ID = re.compile(r"^[0-9a-f]{64}$")
GO_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d*[1-9])? [+-]\d{4} \S+$")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
INFRA_IMAGE = "localhost/varpod-pause:latest"
POD_METHODS = ("GetPod", "InspectPod", "StartPod", "StopPod", "RestartPod", "KillPod",
               "PausePod", "UnpausePod", "RemovePod", "GetPodStats")


seeded_root = seeded_root_fixture("vpps.", "module", catatonit=True)


def _remove_pods(e):
    # Pods first: their infra containers go only with them. SIGKILL
    # before the removal, which would give each its stop timeout.
    if e.service is not None or os.path.exists(os.path.join(e.root, "varpod.db")):
        remote = e.service is not None
        for args in (("unpause", "-a"), ("pod", "kill", "-a"), ("pod", "rm", "-f", "-a")):
            e.cli(*args, remote=remote, timeout=120)


@pytest.fixture
def env(seeded_root):
    with checked_env("vpp.", seeded_root, before_cleanup=_remove_pods) as e:
        yield e


def reason(params, error, name="io.podman.ErrorOccurred"):
    assert error == name, (error, params)
    return params.get("reason", "")


def create_pod(env, **create):
    pid = env.ok("CreatePod", {"create": create})["pod"]
    assert ID.match(pid)
    return pid


def infra_pod(env, **create):
    create.setdefault("infra", True)
    create.setdefault("share", ["net", "ipc", "uts"])
    return create_pod(env, **create)


def member(env, pod, command, **create):
    create.setdefault("image", BUSYBOX)
    create["pod"] = pod
    create["command"] = command
    return env.ok("CreateContainer", {"create": create})["container"]


def get_pod(env, name):
    return env.ok("GetPod", {"name": name})["pod"]


def inspect_pod(env, name):
    return json.loads(env.ok("InspectPod", {"name": name})["pod"])


def statuses(env, pod):
    return {c["id"]: c["status"] for c in get_pod(env, pod)["containersinfo"] or []}


# ---------------------------------------------------------------------------
# CreatePod: the checks, in the spec's order.


def test_create_pod_checks(svc):
    cases = [
        ({"infra": True, "share": ["net"], "infraImage": "x"},
         "the infra-command and infra-image options are not supported yet"),
        ({"infra": True, "share": ["net"], "infraCommand": "x"},
         "the infra-command and infra-image options are not supported yet"),
        ({"share": ["net"]},
         "You cannot share kernel namespaces on the pod level without an infra container"),
        ({"infra": True}, "You must share kernel namespaces to run an infra container"),
        ({"publish": ["8080:80"]},
         "you must have an infra container to publish port bindings to the host"),
        ({"infra": True, "share": ["net"], "publish": ["nonsense:x:y:z"]}, "publish"),
        ({"infra": True, "share": ["net"], "publish": ["80/icmp"]}, "protocol"),
        # The reference dropped the connection for these [ref-bug].
        ({"infra": True, "share": ["mnt"]}, "share `mnt`"),
        ({"infra": True, "share": ["user"]}, "share `user`"),
        ({"infra": True, "share": ["bogus"]}, "share `bogus`"),
        ({"infra": True, "share": ["cgroup"]},
         "Pods must have an infra container to share namespaces"),
        ({"infra": True, "share": ["net", "none"]},
         "Pods must have an infra container to share namespaces"),
        ({"cgroupParent": "machine.slice"}, "cgroupParent"),
        ({"cgroupParent": "relative"}, "cgroupParent"),
        ({"name": "!!!"}, "invalid pod name"),
    ]
    for create, want in cases:
        params, error = svc.call("CreatePod", {"create": create})
        assert want in reason(params, error), (create, params)
    # Nothing was left by the failures: no pod, no infra container.
    assert svc.ok("ListPods") == {"pods": None}
    assert svc.ok("ListContainers") == {"containers": None}


def test_pod_without_infra(svc):
    pid = create_pod(svc, name="empty", labels={"a": "b"})
    data = get_pod(svc, "empty")
    assert data == {"id": pid, "name": "empty", "createdat": data["createdat"],
                    "cgroup": "/varpod", "status": "Created", "labels": {"a": "b"},
                    "numberofcontainers": "0", "containersinfo": None}
    assert GO_TIME.match(data["createdat"])
    # The empty pod: start and restart have nothing to do, stats nothing to show.
    for method in ("StartPod", "RestartPod"):
        params, error = svc.call(method, {"name": "empty"})
        assert error == "io.podman.NoContainersInPod" and params == {"name": "empty"}
    params, error = svc.call("GetPodStats", {"name": pid})
    assert error == "io.podman.NoContainerRunning"
    for method in ("StopPod", "KillPod", "PausePod", "UnpausePod"):
        assert svc.ok(method, {"name": "empty"}) == {"pod": pid}
    doc = inspect_pod(svc, pid[:12])
    assert doc["Config"]["infraConfig"] == {"makeInfraContainer": False,
                                            "infraPortBindings": None}
    assert doc["State"] == {"cgroupPath": "/varpod/" + pid, "infraContainerID": ""}
    assert doc["Containers"] is None and doc["Config"]["labels"] == {"a": "b"}
    # A pod without infra holds containers with namespaces of their own.
    cid = member(svc, "empty", ["sleep", "100"], net_mode="none")
    svc.ok("StartPod", {"name": "empty"})
    assert statuses(svc, "empty") == {cid: "running"}
    assert get_pod(svc, "empty")["status"] == "Running"
    assert svc.ok("StopPod", {"name": "empty"}) == {"pod": pid}  # timeout 0: SIGKILL
    assert statuses(svc, "empty") == {cid: "exited"}
    assert get_pod(svc, "empty")["status"] == "Exited"
    params, error = svc.call("RemovePod", {"name": "empty"})
    assert "contains containers and cannot be removed" in reason(params, error)
    assert svc.ok("RemovePod", {"name": "empty", "force": True}) == {"pod": pid}
    params, error = svc.call("GetContainer", {"name": cid})
    assert error == "io.podman.ContainerNotFound"
    pid = create_pod(svc)
    assert re.match(r"^[a-z]+_[a-z]+\d*$", get_pod(svc, pid)["name"])
    assert svc.ok("RemovePod", {"name": pid}) == {"pod": pid}


def test_unknown_pod(svc):
    for method in POD_METHODS:
        params, error = svc.call(method, {"name": "nope"})
        assert (error, params) == ("io.podman.PodNotFound", {"name": "nope"}), method
    params, error = svc.call("GetPod", {"name": ""})
    assert (error, params) == ("io.podman.PodNotFound", {"name": ""})
    params, error = svc.call("CreateContainer",
                             {"create": {"image": BUSYBOX, "pod": "nope", "command": ["true"]}})
    assert reason(params, error).startswith("unable to add container to pod nope: ")
    # WaitPod and TopPod stay unimplemented, named fully qualified.
    for method in ("WaitPod", "TopPod"):
        params, error = svc.call(method)
        assert error == "org.varlink.service.MethodNotImplemented"
        assert params == {"method": "io.podman." + method}


# ---------------------------------------------------------------------------
# A pod with its infra container: the whole life.


def test_pod_with_infra(svc):
    pid = infra_pod(svc, name="web", labels={"app": "web"}, publish=["127.0.0.1:18081:80"])
    # The infra image was made locally, once.
    image = svc.ok("GetImage", {"name": INFRA_IMAGE})["image"]
    assert INFRA_IMAGE in image["repoTags"]
    data = get_pod(svc, "web")
    assert data["status"] == "Running" and data["numberofcontainers"] == "1"
    [infra] = data["containersinfo"]
    assert infra["name"] == pid[:12] + "-infra" and infra["status"] == "running"
    infra_id = infra["id"]
    doc = inspect_pod(svc, "web")
    config = doc["Config"]
    assert list(config) == ["id", "name", "labels", "cgroupParent", "sharesCgroup", "sharesIpc",
                            "sharesNet", "sharesUts", "infraConfig", "created", "lockID"]
    assert config["id"] == pid and config["name"] == "web" and config["labels"] == {"app": "web"}
    assert config["infraConfig"] == {
        "makeInfraContainer": True,
        "infraPortBindings": [{"hostPort": 18081, "containerPort": 80, "protocol": "tcp",
                               "hostIP": "127.0.0.1"}]}
    assert RFC3339.match(config["created"])
    assert doc["State"] == {"cgroupPath": "/varpod/" + pid, "infraContainerID": infra_id}
    assert doc["Containers"] == [{"id": infra_id, "state": "running"}]
    # The infra container: catatonit, not removable on its own.
    ic = json.loads(svc.ok("InspectContainer", {"name": infra_id})["container"])
    assert ic["IsInfra"] is True and ic["Path"] == "/catatonit"
    params, error = svc.call("RemoveContainer", {"name": infra_id, "force": True})
    assert "is the infra container of pod %s" % pid in reason(params, error)
    params, error = svc.call("DeleteStoppedContainers")
    assert error is None

    # Two members share the infra container's network namespace: the second
    # reaches the first on 127.0.0.1; the published port reaches it too.
    server = member(svc, "web", ["sh", "-c", "echo pod-page > /tmp/index.html; "
                                             "exec httpd -f -p 80 -h /tmp"])
    assert svc.get(server)["status"] == "configured"
    client = member(svc, pid[:10], ["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do "
                                                "wget -q -O - http://127.0.0.1/index.html && "
                                                "exit 0; sleep 0.5; done; exit 1"])
    ci = json.loads(svc.ok("InspectContainer", {"name": client})["container"])
    assert ci["IsInfra"] is False
    config = json.loads(svc.ok("ContainerConfig", {"name": client})["config"])
    assert config["pod"] == pid
    assert svc.ok("StartPod", {"name": "web"}) == {"pod": pid}
    assert svc.ok("WaitContainer", {"name": client}) == {"exitcode": 0}
    logs = "".join(svc.ok("GetContainerLogs", {"name": client})["container"] or [])
    assert "pod-page" in logs
    got = wait_for(lambda: svc.sandbox.fetch("127.0.0.1", 18081, "/index.html"),
                   what="the pod's published port")
    assert got == "pod-page\n"
    # Same UTS namespace: the pod's name is the hostname.
    host = member(svc, "web", ["hostname"])
    svc.ok("StartContainer", {"name": host})
    assert svc.ok("WaitContainer", {"name": host}) == {"exitcode": 0}
    assert "".join(svc.ok("GetContainerLogs", {"name": host})["container"]).endswith(" web\n")

    data = get_pod(svc, "web")
    assert data["numberofcontainers"] == "4" and data["status"] == "Running"
    assert [c["id"] for c in data["containersinfo"]] == sorted(
        [infra_id, server, client, host])
    stats = svc.ok("GetPodStats", {"name": "web"})
    assert stats["pod"] == pid
    assert sorted(s["id"] for s in stats["containers"]) == sorted([infra_id, server])
    for s in stats["containers"]:
        assert list(s) == ["id", "name", "cpu", "cpu_nano", "system_nano", "mem_usage",
                           "mem_limit", "mem_perc", "net_input", "net_output", "block_output",
                           "block_input", "pids"]
        assert s["pids"] >= 1

    # Pause and unpause.
    assert svc.ok("PausePod", {"name": "web"}) == {"pod": pid}
    assert get_pod(svc, "web")["status"] == "Stopped"  # exited members, paused ones
    assert statuses(svc, "web")[server] == "paused"
    params, error = svc.call("RemovePod", {"name": "web", "force": True})
    assert "contains paused container" in reason(params, error)
    assert svc.ok("UnpausePod", {"name": "web"}) == {"pod": pid}
    assert statuses(svc, "web")[server] == "running"

    # Stop: every member exits and is cleaned up; the port goes away.
    started = time.monotonic()
    assert svc.ok("StopPod", {"name": "web", "timeout": 5}) == {"pod": pid}
    assert time.monotonic() - started < 15
    assert set(statuses(svc, "web").values()) == {"exited"}
    assert get_pod(svc, "web")["status"] == "Exited"
    assert svc.sandbox.fetch("127.0.0.1", 18081, "/index.html", timeout=1) is None
    # Starting a member starts the infra container first (podman 4).
    svc.ok("StartContainer", {"name": server})
    assert statuses(svc, "web")[infra_id] == "running"
    assert wait_for(lambda: svc.sandbox.fetch("127.0.0.1", 18081, "/index.html")) == "pod-page\n"
    # Start the rest: the running ones are left alone.
    assert svc.ok("StartPod", {"name": pid}) == {"pod": pid}
    # Restart: every member runs again, in a new network namespace.
    assert svc.ok("RestartPod", {"name": "web"}) == {"pod": pid}
    assert statuses(svc, "web")[server] == "running"
    assert wait_for(lambda: svc.sandbox.fetch("127.0.0.1", 18081, "/index.html")) == "pod-page\n"
    # Kill: the signal reaches every running member.
    assert svc.ok("KillPod", {"name": "web", "signal": 9}) == {"pod": pid}
    wait_for(lambda: "running" not in statuses(svc, "web").values(), what="the kill")
    assert svc.ok("KillPod", {"name": "web", "signal": -1}) == {"pod": pid}  # nothing runs

    params, error = svc.call("RemovePod", {"name": "web"})
    assert "contains containers and cannot be removed" in reason(params, error)
    assert svc.ok("RemovePod", {"name": "web", "force": True}) == {"pod": pid}
    for name in ("web", pid):
        params, error = svc.call("GetPod", {"name": name})
        assert error == "io.podman.PodNotFound"
    assert svc.ok("ListContainers") == {"containers": None}
    assert cgroup_dirs([pid]) == []
    # The image stays; the next pod uses it.
    svc.ok("GetImage", {"name": INFRA_IMAGE})


def test_infra_only_pod_removed_without_force(svc):
    pid = infra_pod(svc, name="lonely")
    assert svc.ok("RemovePod", {"name": "lonely"}) == {"pod": pid}
    assert svc.ok("ListPods") == {"pods": None}


def test_remove_pod_refused_while_outsiders_live_in_it(svc):
    # A container outside the pod in a member's namespaces: nothing goes.
    pid = infra_pod(svc, name="hosting")
    inside = member(svc, "hosting", ["sleep", "100"])
    svc.ok("StartPod", {"name": "hosting"})
    outsider = svc.run(["sleep", "100"], net_mode="container:" + inside)
    params, error = svc.call("RemovePod", {"name": "hosting", "force": True})
    assert "has dependent containers outside the pod" in reason(params, error)
    assert outsider in reason(params, error)
    assert statuses(svc, "hosting")[inside] == "running"
    svc.ok("RemoveContainer", {"name": outsider, "force": True})
    assert svc.ok("RemovePod", {"name": "hosting", "force": True}) == {"pod": pid}


def test_pod_container_errors(svc):
    pid = infra_pod(svc, name="broken")
    bad = member(svc, "broken", ["/no/such/command"])
    good = member(svc, "broken", ["sleep", "100"])
    params, error = svc.call("StartPod", {"name": "broken"})
    assert error == "io.podman.PodContainerError"
    # Exactly the failed containers: no zero-valued entries (a [ref-bug]).
    assert params["podname"] == pid
    assert [e["containerid"] for e in params["errors"]] == [bad]
    assert params["errors"][0]["reason"]
    assert statuses(svc, "broken")[good] == "running"
    # The connection carries no stray success reply after the error.
    with svc.connect() as conn:
        reply = conn.call("io.podman.StartPod", {"name": "broken"})
        assert reply["error"] == "io.podman.PodContainerError"
        assert conn.call("io.podman.GetPod", {"name": "broken"})["parameters"]["pod"]["id"] == pid
    params, error = svc.call("KillPod", {"name": "broken", "signal": 99})
    assert "invalid signal" in reason(params, error)


def test_registry_shared_by_containers_and_pods(svc):
    pid = create_pod(svc, name="shared")
    cid = svc.create(["true"], name="ctr")
    # Names are unique across both kinds.
    params, error = svc.call("CreateContainer",
                             {"create": {"image": BUSYBOX, "name": "shared", "command": ["true"]}})
    assert "shared" in reason(params, error)
    params, error = svc.call("CreatePod", {"create": {"name": "ctr"}})
    assert "ctr" in reason(params, error)
    # A pod is no container and a container no pod, by name or ID prefix.
    for name in ("shared", pid, pid[:12]):
        params, error = svc.call("GetContainer", {"name": name})
        assert (error, params) == ("io.podman.ContainerNotFound", {"name": name})
        params, error = svc.call("ContainerExists", {"name": name})
        assert params == {"exists": 1}
    for name in ("ctr", cid, cid[:12]):
        params, error = svc.call("GetPod", {"name": name})
        assert (error, params) == ("io.podman.PodNotFound", {"name": name})
    assert get_pod(svc, pid[:12])["id"] == pid
    assert svc.get(cid[:12])["id"] == cid
    # A name equal to another object's ID prefix makes the lookup ambiguous
    # for both kinds.
    other = svc.create(["true"], name=pid[:6])
    params, error = svc.call("GetPod", {"name": pid[:6]})
    assert error == "io.podman.PodNotFound"
    params, error = svc.call("GetContainer", {"name": pid[:6]})
    assert error == "io.podman.ContainerNotFound"
    # A full ID wins.
    assert get_pod(svc, pid)["id"] == pid
    svc.ok("RemoveContainer", {"name": other})
    assert get_pod(svc, pid[:6])["id"] == pid


def test_list_pods(svc):
    assert svc.ok("ListPods") == {"pods": None}
    a = create_pod(svc, name="a")
    b = infra_pod(svc, name="b")
    pods = svc.ok("ListPods")["pods"]
    assert [p["id"] for p in pods] == sorted([a, b])
    for p in pods:
        assert list(p) == ["id", "name", "createdat", "cgroup", "status", "labels",
                           "numberofcontainers", "containersinfo"]
        assert p == get_pod(svc, p["id"])
    by_name = {p["name"]: p for p in pods}
    assert by_name["a"]["status"] == "Created" and by_name["b"]["status"] == "Running"
    assert by_name["a"]["labels"] is None


def test_pod_cgroup_parent(svc):
    pid = create_pod(svc, name="cg", cgroupParent="/varpod-test-parent")
    assert get_pod(svc, "cg")["cgroup"] == "/varpod-test-parent"
    doc = inspect_pod(svc, "cg")
    assert doc["State"]["cgroupPath"] == "/varpod-test-parent/" + pid
    svc.ok("RemovePod", {"name": "cg"})


def test_share_pid_and_ipc(svc):
    infra_pod(svc, name="pidpod", share=["pid", "ipc", "net"])
    a = member(svc, "pidpod", ["sh", "-c", "echo shm > /dev/shm/x; sleep 100"])
    svc.ok("StartContainer", {"name": a})
    b = member(svc, "pidpod", ["sh", "-c", "cat /dev/shm/x; ps"])
    svc.ok("StartContainer", {"name": b})
    assert svc.ok("WaitContainer", {"name": b}) == {"exitcode": 0}
    out = "".join(svc.ok("GetContainerLogs", {"name": b})["container"] or [])
    # The pod's PID namespace: catatonit is PID 1, the other member is seen.
    assert "shm" in out and "catatonit" in out and "sleep 100" in out


# ---------------------------------------------------------------------------
# The command line, in-process and --remote.


def test_pod_cli(remote, env):
    def cli(*args):
        return env.cli(*args, remote=remote, timeout=120)

    p = cli("pod", "create", "--name", "clipod", "-p", "127.0.0.1:18082:80", "-l", "k=v")
    assert p.returncode == 0, p.stderr
    pid = p.stdout.strip()
    assert ID.match(pid)
    assert cli("pod", "exists", "clipod").returncode == 0
    assert cli("pod", "exists", "nope").returncode == 1
    p = cli("run", "-d", "--pod", "clipod", BUSYBOX, "sh", "-c",
            "echo cli-page > /tmp/index.html; exec httpd -f -p 80 -h /tmp")
    assert p.returncode == 0, p.stderr
    cid = p.stdout.strip()
    got = wait_for(lambda: env.sandbox.fetch("127.0.0.1", 18082, "/index.html"),
                   what="the pod's port")
    assert got == "cli-page\n"
    p = cli("pod", "ps")
    assert p.returncode == 0, p.stderr
    header, row = p.stdout.splitlines()
    assert header.split()[:3] == ["POD", "ID", "NAME"]
    assert row.split()[:3] == [pid[:12], "clipod", "Running"] and row.split()[-1] == "2"
    p = cli("pod", "ps", "--format", "json")
    [listed] = json.loads(p.stdout)
    assert listed["id"] == pid and listed["numberofcontainers"] == "2"
    assert listed["labels"] == {"k": "v"}
    p = cli("pod", "inspect", "clipod")
    doc = json.loads(p.stdout)
    assert doc["Config"]["id"] == pid and doc["Config"]["labels"] == {"k": "v"}
    assert doc["Config"]["sharesNet"] is True and doc["Config"]["sharesCgroup"] is True
    assert cid in [c["id"] for c in doc["Containers"]]
    p = cli("pod", "stats", "--no-stream", "clipod")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0].split()[:3] == ["POD", "CID", "NAME"]
    assert len(p.stdout.splitlines()) == 3
    for args in (("pause",), ("unpause",), ("stop", "-t", "0"), ("start",), ("restart",),
                 ("kill", "-s", "KILL")):
        p = cli("pod", *args, "clipod")
        assert p.returncode == 0 and p.stdout.strip() == pid, (args, p.stderr)
    p = cli("pod", "rm", "clipod")
    assert p.returncode == 125 and "cannot be removed" in p.stderr
    p = cli("pod", "rm", "-f", "clipod")
    assert p.returncode == 0 and p.stdout.strip() == pid
    p = cli("pod", "inspect", "clipod")
    assert p.returncode == 125 and "no such pod" in p.stderr
    p = cli("pod", "create", "--infra=false", "--share", "net")
    assert p.returncode == 125 and "without an infra container" in p.stderr
    p = cli("pod", "create", "--infra=false", "--name", "bare")
    assert p.returncode == 0, p.stderr
    p = cli("pod", "start", "bare")
    assert p.returncode == 125 and "no containers in pod" in p.stderr
    p = cli("run", "--rm", "--pod", "bare", "--network", "none", BUSYBOX, "echo", "in-bare")
    assert p.returncode == 0 and p.stdout == "in-bare\n", p.stderr
    p = cli("create", "--pod", "nope", BUSYBOX, "true")
    assert p.returncode == 125 and "unable to add container to pod nope" in p.stderr
    assert cli("pod", "rm", "bare").returncode == 0
