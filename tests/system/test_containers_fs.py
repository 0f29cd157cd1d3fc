# SPDX-License-Identifier: Apache-2.0
"""Containers' filesystems end to end (semantics 2.4 #10-11, 2.5 #35 and
#38, 2.7 #61-63): ListContainerChanges, ExportContainer, Commit,
ListContainerMounts, MountContainer, UnmountContainer, RemoveImage with
force, and the commands over them (diff, export, commit, mount, umount,
rmi -f). Real containers through conmon and the runtime, always with
--network none; the image is Debian's busybox-static imported by
tools/seed-busybox.sh into each test's own root."""
import io
import json
import os
import re
import shutil
import subprocess
import tarfile

import pytest

from conftest import BINARY, ROOT, Service, varpod
from varlink_client import Connection

SEED = os.path.join(ROOT, "tools", "seed-busybox.sh")
BUSYBOX = "localhost/busybox:latest"
HEX64 = re.compile(r"[0-9a-f]{64}")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"

# What the test containers do to the image's tree.
CHANGE_SCRIPT = "echo hi > /new; rm /etc/group; mkdir -p /root/x; touch /root/x/y"
EXPECTED_CHANGES = {
    "changed": ["/etc", "/root"],
    "added": ["/new", "/root/x", "/root/x/y"],
    "deleted": ["/etc/group"],
}
# A process that stops at once on SIGTERM (a shell as PID 1 would only
# die after the stop timeout).
SLEEPER = ["sh", "-c", "trap 'exit 0' TERM; echo up > /running; while :; do sleep 0.1; done"]


def _need_tools():
    if not os.path.exists("/bin/busybox"):
        pytest.skip("/bin/busybox missing (apt-get install busybox-static): no test image")
    if not shutil.which("conmon"):
        pytest.skip("conmon missing: containers cannot run")
    if not (shutil.which("runc") or shutil.which("crun")):
        pytest.skip("neither runc nor crun installed: containers cannot run")
    if os.geteuid() != 0:
        pytest.skip("containers with overlay mounts need root")


class Env:
    """A test's root, run root and service, with the CLI on the same store."""

    def __init__(self, tmp, driver=None):
        self.tmp = tmp
        self.root = os.path.join(tmp, "root")
        self.run = os.path.join(tmp, "run")
        self.flags = ["--root", self.root, "--runroot", self.run]
        if driver:
            self.flags += ["--storage-driver", driver]
        p = subprocess.run([SEED, BINARY, *self.flags], capture_output=True, text=True,
                           timeout=120)
        assert p.returncode == 0, p.stderr
        self.svc = Service(tmp, extra_args=self.flags[4:])

    def cli(self, *args, input=None, timeout=120):
        return varpod(*self.flags, *args, input=input, timeout=timeout)

    def ok(self, *args, **kw):
        p = self.cli(*args, **kw)
        assert p.returncode == 0, "varpod %s: %s" % (" ".join(args), p.stderr)
        return p.stdout

    def call(self, method, params=None):
        with Connection(self.svc.address, timeout=120) as c:
            return c.call("io.podman." + method, params)

    def run_changes(self):
        """A finished container that made CHANGE_SCRIPT's changes; its ID."""
        cid = self.ok("create", "--network", "none", BUSYBOX, "sh", "-c", CHANGE_SCRIPT).strip()
        self.ok("start", cid)
        assert self.ok("wait", cid).strip() == "0"
        return cid

    def close(self):
        # Whatever a failed test left: running containers, mounts.
        self.cli("rm", "-f", "-a", timeout=120)
        with open("/proc/self/mountinfo") as f:
            points = [line.split()[4] for line in f]
        for point in reversed(points):
            if point.startswith(self.run + "/"):
                subprocess.run(["umount", "-l", point], capture_output=True)
        code, err = self.svc.stop()
        assert code == 0, err
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            assert marker not in err, err


@pytest.fixture
def env(tmpdir_short):
    _need_tools()
    e = Env(tmpdir_short)
    yield e
    e.close()


def params_of(reply):
    assert "error" not in reply, reply
    return reply.get("parameters", {})


def error_of(reply, error, **fields):
    assert reply.get("error") == "io.podman." + error, reply
    for k, v in fields.items():
        assert reply["parameters"][k] == v, reply
    return reply.get("parameters", {})


# ---------------------------------------------------------------------------
# ListContainerChanges


def test_changes_of_a_container(env):
    cid = env.run_changes()
    reply = params_of(env.call("ListContainerChanges", {"name": cid}))
    assert reply == {"container": EXPECTED_CHANGES}
    # By name and by ID prefix alike.
    name = env.call("GetContainer", {"name": cid})["parameters"]["container"]["names"]
    assert params_of(env.call("ListContainerChanges", {"name": name})) == reply
    assert params_of(env.call("ListContainerChanges", {"name": cid[:12]})) == reply


def test_changes_leave_out_what_the_runtime_mounts(env):
    # The runtime made /etc/hosts, /etc/hostname and /etc/resolv.conf in
    # the container's layer; they are not reported, and an untouched
    # container reports nothing at all: null arrays.
    cid = env.ok("create", "--network", "none", BUSYBOX, "true").strip()
    assert params_of(env.call("ListContainerChanges", {"name": cid})) == {
        "container": {"changed": None, "added": None, "deleted": None}}
    env.ok("start", cid)
    env.ok("wait", cid)
    upper = os.path.join(env.root, "containers", cid, "upper", "etc", "hosts")
    assert os.path.exists(upper)
    changes = params_of(env.call("ListContainerChanges", {"name": cid}))["container"]
    assert changes["added"] is None and changes["deleted"] is None
    assert changes["changed"] == ["/etc"]


def test_changes_of_an_image_and_a_layer(env):
    reply = params_of(env.call("ListContainerChanges", {"name": BUSYBOX}))["container"]
    assert reply["changed"] is None and reply["deleted"] is None
    assert "/bin/busybox" in reply["added"] and "/etc/passwd" in reply["added"]
    # The seed image's /dev, /proc and /sys are left out, as podman did.
    for hidden in ("/dev", "/proc", "/sys"):
        assert hidden not in reply["added"]
    # Its one layer by chain ID prefix (the diff ID of a bottom layer).
    doc = json.loads(params_of(env.call("InspectImage", {"name": BUSYBOX}))["image"])
    layer = doc["RootFS"]["Layers"][0][len("sha256:"):]
    by_layer = params_of(env.call("ListContainerChanges", {"name": layer[:16]}))["container"]
    assert by_layer == reply


def test_changes_of_a_committed_image_are_its_top_layer(env):
    cid = env.run_changes()
    image = params_of(env.call("Commit", {
        "name": cid, "image_name": "changed", "changes": [], "author": "", "message": "",
        "pause": False, "manifestType": ""}))["image"]
    reply = params_of(env.call("ListContainerChanges", {"name": image}))
    assert reply == {"container": EXPECTED_CHANGES}


@pytest.fixture(params=["overlay", "vfs"])
def driver_env(request, tmpdir_short):
    _need_tools()
    e = Env(tmpdir_short, driver=request.param)
    yield e
    e.close()


def test_changes_through_whiteouts_and_opaque_directories(driver_env):
    env = driver_env
    # A base with /data/{a,b} and without /etc/group (a whiteout in its
    # top layer); then a container that replaces /data wholesale (overlay
    # makes it an opaque directory) and brings /etc/group back.
    cid = env.ok("create", "--network", "none", BUSYBOX, "sh", "-c",
                 "mkdir /data; touch /data/a /data/b; rm /etc/group").strip()
    env.ok("start", cid)
    env.ok("wait", cid)
    params_of(commit(env, cid, "layered"))
    cid = env.ok("create", "--network", "none", "layered", "sh", "-c",
                 "rm -rf /data; mkdir /data; touch /data/c; echo g > /etc/group").strip()
    env.ok("start", cid)
    env.ok("wait", cid)
    expected = {"changed": ["/data", "/etc"], "added": ["/data/c", "/etc/group"],
                "deleted": ["/data/a", "/data/b"]}
    assert params_of(env.call("ListContainerChanges", {"name": cid})) == {"container": expected}
    # Committed, the opaque directory hides the lower /data.
    params_of(commit(env, cid, "replaced"))
    assert params_of(env.call("ListContainerChanges", {"name": "replaced"})) == {
        "container": expected}
    assert env.ok("run", "--rm", "--network", "none", "replaced", "ls", "/data") == "c\n"


def test_changes_errors(env):
    error_of(env.call("ListContainerChanges", {"name": "nosuch"}), "ErrorOccurred",
             reason="layer, image, or container nosuch does not exist")
    error_of(env.call("ListContainerChanges", {"name": ""}), "ErrorOccurred")


# ---------------------------------------------------------------------------
# ExportContainer


def tar_names(path):
    with tarfile.open(path) as t:
        return {m.name.lstrip("./").rstrip("/") for m in t.getmembers()}


def test_export_writes_the_whole_tree(env):
    cid = env.run_changes()
    out = os.path.join(env.tmp, "out.tar")
    with open(out, "w") as f:
        f.write("old content to be replaced")
    reply = params_of(env.call("ExportContainer", {"name": cid, "path": out}))
    assert reply == {"tarfile": out}
    with open(out, "rb") as f:
        assert f.read(262)[257:262] == b"ustar"  # uncompressed
    names = tar_names(out)
    assert {"new", "root/x/y", "bin/busybox", "etc/passwd"} <= names
    assert "etc/group" not in names
    with tarfile.open(out) as t:
        assert t.extractfile("new").read() == b"hi\n"
    # Mounted for the export only.
    assert params_of(env.call("ListContainerMounts")) == {"mounts": None}


def test_export_errors(env):
    cid = env.run_changes()
    error_of(env.call("ExportContainer", {"name": "nosuch", "path": env.tmp + "/x.tar"}),
             "ContainerNotFound", name="nosuch")
    bad = os.path.join(env.tmp, "no", "such", "dir", "x.tar")
    error_of(env.call("ExportContainer", {"name": cid, "path": bad}), "ErrorOccurred")
    assert not os.path.exists(bad)
    assert params_of(env.call("ListContainerMounts")) == {"mounts": None}


def test_export_import_round_trip(env):
    cid = env.run_changes()
    out = os.path.join(env.tmp, "rootfs.tar")
    env.ok("export", "-o", out, cid)
    image = env.ok("import", out, "roundtrip").strip()
    assert HEX64.fullmatch(image)
    assert env.ok("run", "--rm", "--network", "none", "roundtrip", "cat", "/new") == "hi\n"
    p = env.cli("run", "--rm", "--network", "none", "roundtrip", "cat", "/etc/group")
    assert p.returncode != 0


def test_export_to_stdout(env):
    cid = env.run_changes()
    p = subprocess.run([BINARY, *env.flags, "export", cid], capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    with tarfile.open(fileobj=io.BytesIO(p.stdout)) as t:
        assert t.extractfile("new").read() == b"hi\n"


# ---------------------------------------------------------------------------
# MountContainer, UnmountContainer, ListContainerMounts


def test_mount_counts_and_unmount(env):
    cid = env.run_changes()
    assert params_of(env.call("ListContainerMounts")) == {"mounts": None}
    path = params_of(env.call("MountContainer", {"name": cid}))["path"]
    assert path == os.path.realpath(path) and cid in path
    with open(os.path.join(path, "new")) as f:
        assert f.read() == "hi\n"
    assert params_of(env.call("ListContainerMounts")) == {"mounts": [path]}
    # Two users now: the first unmount leaves it mounted.
    assert params_of(env.call("MountContainer", {"name": cid[:12]}))["path"] == path
    assert params_of(env.call("UnmountContainer", {"name": cid, "force": False})) == {}
    assert params_of(env.call("ListContainerMounts")) == {"mounts": [path]}
    assert params_of(env.call("UnmountContainer", {"name": cid, "force": False})) == {}
    assert params_of(env.call("ListContainerMounts")) == {"mounts": None}
    assert not os.path.exists(os.path.join(path, "new"))
    # Not mounted: unmounting is fine.
    assert params_of(env.call("UnmountContainer", {"name": cid, "force": False})) == {}
    # force: every user at once.
    env.call("MountContainer", {"name": cid})
    env.call("MountContainer", {"name": cid})
    assert params_of(env.call("UnmountContainer", {"name": cid, "force": True})) == {}
    assert params_of(env.call("ListContainerMounts")) == {"mounts": None}


def test_mount_errors_are_error_occurred(env):
    for method, params in (("MountContainer", {"name": "nosuch"}),
                           ("UnmountContainer", {"name": "nosuch", "force": False})):
        reason = error_of(env.call(method, params), "ErrorOccurred")["reason"]
        assert "no such container" in reason, reason


def test_mounts_of_a_running_container(env):
    cid = env.ok("run", "-d", "--network", "none", BUSYBOX, *SLEEPER).strip()
    mounts = params_of(env.call("ListContainerMounts"))["mounts"]
    assert len(mounts) == 1 and cid in mounts[0]
    # Its own mount is the last one: refused.
    error_of(env.call("UnmountContainer", {"name": cid, "force": False}), "ErrorOccurred",
             reason="cannot unmount storage for container %s as it is running or paused: "
                    "container state improper" % cid)
    path = params_of(env.call("MountContainer", {"name": cid}))["path"]
    assert path == mounts[0]
    assert params_of(env.call("UnmountContainer", {"name": cid, "force": False})) == {}
    assert params_of(env.call("ListContainerMounts")) == {"mounts": mounts}
    env.ok("stop", cid)
    assert params_of(env.call("ListContainerMounts")) == {"mounts": None}


def test_user_mount_outlives_stop_and_restart(env):
    # As containers/storage counts it: the engine's teardown after an exit
    # leaves a mount that a MountContainer user still holds.
    cid = env.ok("run", "-d", "--network", "none", BUSYBOX, *SLEEPER).strip()
    path = params_of(env.call("MountContainer", {"name": cid}))["path"]
    env.ok("stop", "-t", "0", cid)
    assert params_of(env.call("ListContainerMounts")) == {"mounts": [path]}
    assert os.path.isfile(os.path.join(path, "bin", "busybox"))
    env.ok("start", cid)
    assert params_of(env.call("ListContainerMounts")) == {"mounts": [path]}
    assert params_of(env.call("UnmountContainer", {"name": cid, "force": False})) == {}
    assert params_of(env.call("ListContainerMounts")) == {"mounts": [path]}
    env.ok("stop", "-t", "0", cid)
    assert params_of(env.call("ListContainerMounts")) == {"mounts": None}
    # Removal takes a held mount with it.
    env.call("MountContainer", {"name": cid})
    env.ok("rm", cid)
    assert params_of(env.call("ListContainerMounts")) == {"mounts": None}
    with open("/proc/self/mountinfo") as f:
        assert path not in f.read()


def test_mount_and_umount_commands(env):
    cid = env.run_changes()
    path = env.ok("mount", cid).strip()
    assert os.path.isfile(os.path.join(path, "new"))
    assert env.ok("mount").splitlines() == ["%s %s" % (cid[:12], path)]
    assert env.ok("mount", "--notruncate").splitlines() == ["%s %s" % (cid, path)]
    env.ok("umount", cid)
    assert env.ok("mount") == ""
    p = env.cli("umount", "nosuch")
    assert p.returncode == 125 and "no such container" in p.stderr


# ---------------------------------------------------------------------------
# Commit


def inspect_image(env, name):
    return json.loads(params_of(env.call("InspectImage", {"name": name}))["image"])


def commit(env, cid, image_name="", changes=(), author="", message="", pause=False,
           manifest_type=""):
    return env.call("Commit", {
        "name": cid, "image_name": image_name, "changes": list(changes), "author": author,
        "message": message, "pause": pause, "manifestType": manifest_type})


def test_commit_makes_an_image_that_runs(env):
    cid = env.run_changes()
    reply = params_of(commit(env, cid, "committed", author="Ann <ann@example.org>",
                             message="with /new", changes=[
                                 "ENTRYPOINT=cat", "cmd=/new", "LABEL=stage=test",
                                 "WORKDIR=/root", "EXPOSE=8080", "ENV=GREETING=hello",
                                 "NONSENSE=ignored"]))
    image = reply["image"]
    assert HEX64.fullmatch(image)
    doc = inspect_image(env, "committed")
    assert doc["Id"] == image
    assert doc["RepoTags"] == ["localhost/committed:latest"]
    assert doc["ManifestType"] == OCI_MANIFEST
    assert doc["Author"] == "Ann <ann@example.org>"
    config = doc["Config"]
    assert config["Entrypoint"] == ["cat"] and config["Cmd"] == ["/new"]
    assert config["Labels"] == {"stage": "test"}
    assert config["WorkingDir"] == "/root"
    assert config["ExposedPorts"] == {"8080/tcp": {}}
    # The first ENV clears what the image and the container had.
    assert config["Env"] == ["GREETING=hello"]
    base = inspect_image(env, BUSYBOX)
    assert doc["RootFS"]["Layers"][:-1] == base["RootFS"]["Layers"]
    assert len(doc["RootFS"]["Layers"]) == len(base["RootFS"]["Layers"]) + 1
    last = doc["History"][-1]
    assert last["comment"] == "with /new" and last["author"] == "Ann <ann@example.org>"
    # The image runs, with the container's changes in it.
    assert env.ok("run", "--rm", "--network", "none", "committed") == "hi\n"
    p = env.cli("run", "--rm", "--network", "none", "--entrypoint", "", "committed", "sh", "-c",
                "echo $GREETING; pwd; ls /root/x; test -e /etc/group || echo gone")
    assert p.stdout.split() == ["hello", "/root", "y", "gone"], p.stderr


def test_commit_keeps_the_container_settings(env):
    cid = env.ok("create", "--network", "none", "--workdir", "/tmp", "--label", "k=v",
                 "-e", "MINE=1", BUSYBOX, "sh", "-c", "echo hi > /new").strip()
    env.ok("start", cid)
    env.ok("wait", cid)
    image = params_of(commit(env, cid, "settings"))["image"]
    config = inspect_image(env, image)["Config"]
    assert config["Cmd"] == ["sh", "-c", "echo hi > /new"]
    assert config["WorkingDir"] == "/tmp"
    assert config["Labels"] == {"k": "v"}
    assert "MINE=1" in config["Env"]
    assert any(e.startswith("PATH=") for e in config["Env"])
    # Untagged when no name is given.
    untagged = params_of(commit(env, cid))["image"]
    assert not inspect_image(env, untagged)["RepoTags"]


def test_commit_docker_format(env):
    cid = env.run_changes()
    image = params_of(commit(env, cid, "quay.io/varpod/docker-format:v1",
                             manifest_type="docker"))["image"]
    doc = inspect_image(env, image)
    assert doc["ManifestType"] == DOCKER_MANIFEST
    assert doc["RepoTags"] == ["quay.io/varpod/docker-format:v1"]
    p = env.cli("run", "--rm", "--network", "none", "quay.io/varpod/docker-format:v1", "cat",
                "/new")
    assert p.stdout == "hi\n", p.stderr


def test_commit_errors(env):
    cid = env.run_changes()
    error_of(commit(env, "nosuch", "x"), "ContainerNotFound", name="nosuch")
    reason = error_of(commit(env, cid, "x", manifest_type="v2s1"), "ErrorOccurred")["reason"]
    assert 'unrecognized image format "v2s1"' in reason, reason
    error_of(commit(env, cid, "Upper/Case"), "ErrorOccurred")
    error_of(commit(env, cid, "x", changes=["ENV=NOVALUE"]), "ErrorOccurred")
    # Nothing was stored by the failed calls.
    assert env.call("ImageExists", {"name": "x"})["parameters"]["exists"] == 1


def test_commit_pauses_a_running_container(env):
    cid = env.ok("run", "-d", "--network", "none", BUSYBOX, *SLEEPER).strip()
    image = params_of(commit(env, cid, "live", pause=True, changes=["CMD=cat=/running"]))["image"]
    assert HEX64.fullmatch(image)
    status = params_of(env.call("GetContainer", {"name": cid}))["container"]["status"]
    assert status == "running"
    # CMD=cat=/running: each '='-separated piece is an argument (podman 1.0).
    assert env.ok("run", "--rm", "--network", "none", "live") == "up\n"
    env.ok("stop", cid)


def test_commit_command(env):
    cid = env.run_changes()
    # Each CMD replaces the last; a JSON array is one whole vector.
    out = env.ok("commit", "-q", "-c", "CMD=sh", "-c", 'CMD=["cat", "/new"]', "-m", "msg",
                 "-a", "me", "-f", "docker", cid, "cli-image")
    image = out.strip()
    assert HEX64.fullmatch(image)
    assert env.ok("run", "--rm", "--network", "none", "cli-image") == "hi\n"
    doc = inspect_image(env, "cli-image")
    assert doc["ManifestType"] == DOCKER_MANIFEST and doc["Author"] == "me"
    p = env.cli("commit", "-f", "v2s1", cid, "other")
    assert p.returncode == 125 and 'unrecognized image format "v2s1"' in p.stderr
    p = env.cli("commit", "nosuch", "other")
    assert p.returncode == 125


def test_diff_command(env):
    cid = env.run_changes()
    assert env.ok("diff", cid).splitlines() == [
        "C /etc", "D /etc/group", "A /new", "C /root", "A /root/x", "A /root/x/y"]
    assert json.loads(env.ok("diff", "--format", "json", cid)) == EXPECTED_CHANGES
    p = env.cli("diff", "nosuch")
    assert p.returncode == 125
    assert "layer, image, or container nosuch does not exist" in p.stderr


# ---------------------------------------------------------------------------
# RemoveImage with force


def container_ids(env):
    listed = params_of(env.call("ListContainers"))["containers"] or []
    return {c["id"] for c in listed}


def test_remove_image_with_force_removes_its_containers(env):
    base = env.run_changes()
    image = params_of(commit(env, base, "victim"))["image"]
    running = env.ok("run", "-d", "--network", "none", "victim", *SLEEPER).strip()
    created = env.ok("create", "--network", "none", "victim", "true").strip()
    error_of(env.call("RemoveImage", {"name": "victim", "force": False}), "ErrorOccurred",
             reason="could not remove image %s as it is being used by 2 containers" % image)
    assert {running, created} <= container_ids(env)
    assert params_of(env.call("RemoveImage", {"name": "victim", "force": True})) == {
        "image": image}
    ids = container_ids(env)
    assert running not in ids and created not in ids and base in ids
    error_of(env.call("InspectImage", {"name": image}), "ImageNotFound")
    assert not os.path.exists(os.path.join(env.root, "containers", running))
    assert params_of(env.call("ListContainerMounts")) == {"mounts": None}
    # The base image's container is untouched and still diffable.
    assert params_of(env.call("ListContainerChanges", {"name": base})) == {
        "container": EXPECTED_CHANGES}


def test_rmi_force_command(env):
    cid = env.ok("create", "--network", "none", BUSYBOX, "true").strip()
    image = env.ok("commit", cid, "doomed").strip()
    env.ok("create", "--network", "none", "doomed", "true")
    p = env.cli("rmi", "doomed")
    assert p.returncode == 125 and "is being used by 1 containers" in p.stderr
    assert env.ok("rmi", "-f", "doomed").strip() == image
    assert cid in container_ids(env) and len(container_ids(env)) == 1


def test_prune_all_keeps_images_in_use_and_their_containers(env):
    cid = env.ok("create", "--network", "none", BUSYBOX, "true").strip()
    params_of(env.call("ImagesPrune"))
    assert cid in container_ids(env)
    assert env.call("ImageExists", {"name": BUSYBOX})["parameters"]["exists"] == 0


# ---------------------------------------------------------------------------
# vfs: the container holds a whole copy of the tree


@pytest.fixture
def vfs_env(tmpdir_short):
    _need_tools()
    e = Env(tmpdir_short, driver="vfs")
    yield e
    e.close()


def test_vfs_changes_and_commit(vfs_env):
    env = vfs_env
    cid = env.run_changes()
    assert json.loads(env.ok("diff", "--format", "json", cid)) == EXPECTED_CHANGES
    image = env.ok("commit", cid, "vfs-image").strip()
    assert HEX64.fullmatch(image)
    # The layer holds the changes only, deletion included.
    assert json.loads(env.ok("diff", "--format", "json", image)) == EXPECTED_CHANGES
    p = env.cli("run", "--rm", "--network", "none", "vfs-image", "sh", "-c",
                "cat /new; test -e /etc/group || echo gone")
    assert p.stdout.split() == ["hi", "gone"], p.stderr
