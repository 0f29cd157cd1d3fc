# SPDX-License-Identifier: Apache-2.0
"""Runlabel, checkpoint and restore end to end (semantics 2.7 #58-60):
io.podman.ContainerRunlabel and `varpod container runlabel` (in-process
and --remote) on images whose labels hold commands, including a nested
`podman run` that must act on the same store; ContainerCheckpoint and
ContainerRestore and their commands up to what this host allows (every
precondition; CRIU's own `criu check` fails on some kernels, which must be
a clear error). Real containers, always with --network none, inside the
test's Sandbox; the leak checks of container_env.py run after each test."""
import json
import os
import re
import shutil
import subprocess

import pytest

from container_env import BUSYBOX, checked_env, seeded_root_fixture
from container_env import remote  # noqa: F401 (fixture)

LABELED = "localhost/labeled:latest"


seeded_root = seeded_root_fixture("vps.", "module")


@pytest.fixture
def env(seeded_root):
    with checked_env("vrl.", seeded_root) as e:
        yield e


def ok_cli(env, *args, remote=False):
    p = env.cli(*args, remote=remote)
    assert p.returncode == 0, "varpod %s: %s" % (" ".join(args), p.stderr)
    return p.stdout


def make_labeled(env, **labels):
    """LABELED with these labels (an image of busybox's layers)."""
    cid = ok_cli(env, "create", "--network", "none", BUSYBOX, "true").strip()
    changes = []
    for key, value in labels.items():
        changes += ["-c", "LABEL=%s=%s" % (key, value)]
    ok_cli(env, "commit", "-q", *changes, cid, "labeled")
    ok_cli(env, "rm", cid)


def runlabel(env, label, image=LABELED, **fields):
    params = {"image": image, "label": label, "tlsVerify": True}
    params.update(fields)
    return env.call("ContainerRunlabel", {"runlabel": params})


def read(path):
    with open(path) as f:
        return f.read()


# -- runlabel through the service -------------------------------------------


def test_runlabel_api_expands_image_name_and_opts(env):
    out = os.path.join(env.dir, "out")
    make_labeled(env, RUN="sh -c 'echo $IMAGE $NAME $OPT1 ${OPT2}x $PODMAN_RUNLABEL_NESTED > %s' "
                 "sh IMAGE NAME $OPT1" % out)
    env.start_service()
    params, error = runlabel(env, "RUN", opts={"opt1": "one", "opt2": "two"})
    assert error is None, params
    assert params == {}
    # $OPT1 in the label became "one" before sh ran; the rest came from
    # the environment; NAME defaults to the image's base name.
    assert read(out) == "%s labeled one twox 1\n" % LABELED
    params, error = runlabel(env, "run", name="given")  # the label's case does not matter
    assert error is None, params
    assert read(out) == "%s given x 1\n" % LABELED


def test_runlabel_api_extra_args_are_split_and_appended(env):
    out = os.path.join(env.dir, "out")
    make_labeled(env, RUN="sh -c 'echo \"$#:$*\" > %s' sh IMAGE" % out)
    env.start_service()
    params, error = runlabel(env, "RUN", extraArgs=["x", "y z", "'q r'"])
    assert error is None, params
    assert read(out) == "5:%s x y z q r\n" % LABELED


def test_runlabel_api_missing_or_empty_label_is_an_error(env):
    make_labeled(env, RUN="true", EMPTY="")
    env.start_service()
    for label in ("INSTALL", "EMPTY"):
        params, error = runlabel(env, label)
        assert error == "io.podman.ErrorOccurred"
        assert params["reason"] == "cannot find the value of label: %s in image: %s" % (
            label, LABELED)


def test_runlabel_api_failures(env):
    make_labeled(env, EXIT="sh -c 'exit 3'", NOPROG="/nonexistent/prog IMAGE",
                 QUOTE="echo 'unterminated")
    env.start_service()
    params, error = runlabel(env, "EXIT")
    assert error == "io.podman.ErrorOccurred"
    assert "exit status 3" in params["reason"]
    params, error = runlabel(env, "NOPROG")
    assert error == "io.podman.ErrorOccurred"
    assert "/nonexistent/prog" in params["reason"]
    params, error = runlabel(env, "QUOTE")
    assert error == "io.podman.ErrorOccurred"
    assert "unterminated single quote" in params["reason"]
    params, error = runlabel(env, "RUN", image="localhost/nosuchimage")
    assert error == "io.podman.ErrorOccurred"
    assert params["reason"].startswith("unable to find image")
    # pull: true with nothing to pull from (no registry is configured).
    params, error = runlabel(env, "RUN", image="nosuchimage", pull=True)
    assert error == "io.podman.ErrorOccurred"
    # The service is still serving.
    assert env.call("Ping")[1] is None


def test_runlabel_nested_podman_run_uses_the_same_store(env, remote):
    make_labeled(env, RUN="podman run --name NAME --network none IMAGE sh -c 'exit 0'")
    ok_cli(env, "container", "runlabel", "--name", "nested1", "RUN", LABELED, remote=remote)
    # The nested run's container is in the store this CLI (or service) uses.
    ps = json.loads(ok_cli(env, "ps", "-a", "--format", "json", remote=remote))
    nested = [c for c in ps if c["names"] == "nested1"]
    assert len(nested) == 1, ps
    assert nested[0]["image"] == LABELED
    assert nested[0]["status"] == "exited", nested


def test_runlabel_cli_opts_and_missing_label(env, remote):
    out = os.path.join(env.dir, "out")
    make_labeled(env, RUN="sh -c 'echo $NAME $OPT1 \"$@\" > %s' sh" % out)
    ok_cli(env, "container", "runlabel", "--opt1", "o1", "--name", "nm", "RUN", "labeled", "a",
           "-b", remote=remote)
    assert read(out) == "nm o1 a -b\n"
    p = env.cli("container", "runlabel", "INSTALL", "labeled", remote=remote)
    assert p.returncode == 125
    assert "cannot find the value of label: INSTALL in image: labeled" in p.stderr


def test_runlabel_cli_display_prints_without_running(env, remote):
    out = os.path.join(env.dir, "out")
    make_labeled(env, RUN="docker run --name NAME IMAGE sh -c 'touch %s'" % out)
    stdout = ok_cli(env, "container", "runlabel", "--display", "RUN", "labeled", "x y",
                    remote=remote)
    assert stdout.startswith("command: ")
    words = stdout[len("command: "):].strip()
    # docker became this binary with the global flags that pick the store.
    assert words.split()[0] == os.path.realpath(env.cli_args()[0])
    assert "run --name labeled %s sh -c 'touch %s' x y" % (LABELED, out) in words
    assert not os.path.exists(out)


# -- checkpoint and restore -------------------------------------------------


def criu_check_error():
    """CRIU's complaint on this host, or None when `criu check` passes."""
    if not shutil.which("criu"):
        return "criu missing"
    p = subprocess.run(["criu", "check"], capture_output=True, text=True)
    if p.returncode == 0:
        return None
    return p.stdout + p.stderr


def sleeper(env, name):
    return env.run(["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"], name=name)


def test_checkpoint_restore_api_preconditions(env):
    env.start_service()
    params, error = env.call("ContainerCheckpoint", {"name": "nosuch"})
    assert error == "io.podman.ContainerNotFound"
    params, error = env.call("ContainerRestore", {"name": "nosuch"})
    assert error == "io.podman.ContainerNotFound"

    cid = env.create(["true"], name="configured")
    params, error = env.call("ContainerCheckpoint", {"name": "configured"})
    assert error == "io.podman.ErrorOccurred"
    assert params["reason"] == (
        '"configured" is not running, cannot checkpoint: container state improper')
    params, error = env.call("ContainerRestore", {"name": cid[:12]})
    assert error == "io.podman.ErrorOccurred"
    assert params["reason"].startswith(
        "A complete checkpoint for this container cannot be found, cannot restore: stat ")
    assert params["reason"].endswith(
        "/%s/userdata/checkpoint/inventory.img: no such file or directory" % cid)

    running = sleeper(env, "running")
    params, error = env.call("ContainerRestore", {"name": "running"})
    assert error == "io.podman.ErrorOccurred"
    assert params["reason"] == (
        "container %s is running or paused, cannot restore: container state improper" % running)
    env.ok("PauseContainer", {"name": "running"})
    params, error = env.call("ContainerCheckpoint", {"name": "running", "leaveRunning": True})
    assert error == "io.podman.ErrorOccurred"
    assert params["reason"] == (
        '"paused" is not running, cannot checkpoint: container state improper')
    params, error = env.call("ContainerRestore", {"name": "running"})
    assert error == "io.podman.ErrorOccurred"
    assert "is running or paused, cannot restore" in params["reason"]
    env.ok("UnpauseContainer", {"name": "running"})
    assert env.get("running")["status"] == "running"


@pytest.mark.skipif(criu_check_error() is None,
                    reason="`criu check` passes here: the CRIU error path cannot be reached")
def test_checkpoint_restore_without_a_working_criu(env):
    env.start_service()
    running = sleeper(env, "running")
    params, error = env.call("ContainerCheckpoint",
                             {"name": "running", "keep": True, "tcpEstablished": True})
    assert error == "io.podman.ErrorOccurred"
    assert params["reason"].startswith(
        "checkpointing a container requires a working CRIU: criu check: "), params
    # CRIU's own last error line, without its position prefix.
    assert "Error (" not in params["reason"]
    last = [line for line in criu_check_error().splitlines() if line.strip()][-1]
    assert last.split("): ")[-1].rstrip(".") in params["reason"]
    # Nothing happened to the container.
    assert env.get("running")["status"] == "running"
    assert env.get("running")["id"] == running

    # A container with something that looks like a checkpoint gets as far
    # as CRIU too.
    cid = env.create(["true"], name="restorable")
    inventory = os.path.join(env.root, "containers", cid, "userdata", "checkpoint")
    os.makedirs(inventory)
    open(os.path.join(inventory, "inventory.img"), "w").close()
    params, error = env.call("ContainerRestore", {"name": "restorable"})
    assert error == "io.podman.ErrorOccurred"
    assert params["reason"].startswith(
        "restoring a container requires a working CRIU: criu check: "), params


def test_checkpoint_restore_cli(env, remote):
    ok_cli(env, "create", "--network", "none", "--name", "idle", BUSYBOX, "true", remote=remote)
    p = env.cli("container", "checkpoint", "idle", "nosuch", remote=remote)
    assert p.returncode == 125
    assert '"configured" is not running, cannot checkpoint' in p.stderr
    assert 'no container with name or ID "nosuch" found' in p.stderr
    p = env.cli("container", "restore", "-k", "--tcp-established", "idle", remote=remote)
    assert p.returncode == 125
    assert "A complete checkpoint for this container cannot be found" in p.stderr
    ok_cli(env, "run", "-d", "--network", "none", "--name", "busy", BUSYBOX, "sh", "-c",
           "trap 'exit 0' TERM; while :; do sleep 0.1; done", remote=remote)
    p = env.cli("container", "restore", "busy", remote=remote)
    assert p.returncode == 125 and "is running or paused, cannot restore" in p.stderr
    p = env.cli("container", "checkpoint", "-R", "--tcp-established", "-k", "busy",
                remote=remote)
    assert p.returncode == 125
    if criu_check_error() is not None:
        assert "checkpointing a container requires a working CRIU: criu check: " in p.stderr
    p = env.cli("container", "restore", "--leave-running", "busy", remote=remote)
    assert p.returncode == 125
