# SPDX-License-Identifier: Apache-2.0
"""BuildImage and `varpod build` end to end: Dockerfiles built FROM the
seeded localhost/busybox with real RUN containers (conmon and runc), COPY
and ADD from a context directory, the config the Dockerfile sets up as
InspectImage shows it, and the built image run with `varpod run`.

RUN steps use the host network namespace, so the service and the CLI run
in the test's Sandbox (its own network and mount namespaces), as in
test_containers.py, whose fixtures these tests share; the same leak checks
(mounts, netns, veths, conmon processes, cgroups) run after each test. A
build must leave nothing behind but its final image: no intermediate image,
no container, no mount, whether it succeeded or failed."""
import io
import json
import os
import re
import tarfile
import tempfile
import time

import pytest

from container_env import BUSYBOX
from test_containers import env, remote, seeded_root, svc  # noqa: F401 (fixtures)

ID = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture
def ctx():
    d = tempfile.mkdtemp(prefix="vpb.", dir="/tmp")
    yield d
    import shutil
    shutil.rmtree(d, ignore_errors=True)


def write(directory, name, text, mode=0o644):
    path = os.path.join(directory, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def build(env, dockerfile_dir, more=False, timeout=300, **info):
    """BuildImage on a new connection: (replies, error name, error params)."""
    info.setdefault("dockerfile", [os.path.join(dockerfile_dir, "Dockerfile")])
    info.setdefault("tags", [])
    replies = []
    with env.connect(timeout) as c:
        c.send("io.podman.BuildImage", {"build": info}, more=more)
        while True:
            reply = c.recv()
            if "error" in reply:
                return replies, reply["error"], reply.get("parameters", {})
            replies.append(reply)
            if not reply.get("continues"):
                return replies, None, None


def build_ok(env, dockerfile_dir, **kw):
    replies, error, params = build(env, dockerfile_dir, **kw)
    assert error is None, (error, params)
    image = replies[-1]["parameters"]["image"]
    assert ID.match(image["id"]), image
    logs = [line for r in replies for line in (r["parameters"]["image"]["logs"] or [])]
    return image["id"], logs


def image_ids(env):
    return sorted(i["id"] for i in env.ok("ListImages")["images"] or [])


def inspect(env, name):
    return json.loads(env.ok("InspectImage", {"name": name})["image"])


def assert_nothing_left(env, before):
    """Only the images of before (plus allowed) exist; no container."""
    assert env.ok("ListContainers")["containers"] is None
    assert image_ids(env) == sorted(before)


FULL = """\
# leading comment
FROM localhost/busybox
ARG GREETING=hello
ARG FROM_BUILD_ARGS=default
ENV NAME=world \\
    SPACED="two words"
RUN echo "$GREETING $NAME" && \\
# a comment inside a continuation
    echo made-by-run > /made.txt
RUN ["/bin/sh", "-c", "echo exec form $FROM_BUILD_ARGS"]
COPY hello.txt /opt/
COPY tree /opt/tree
WORKDIR /opt/${NAME}
RUN pwd > /workdir.txt
USER nobody
LABEL com.example.who="$NAME" other=x
EXPOSE 8080 53/udp
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /opt/hello.txt /made.txt; echo $SPACED; id -u; pwd"]
"""


def full_context(d):
    write(d, "Dockerfile", FULL)
    write(d, "hello.txt", "hello file\n")
    write(d, "tree/a.txt", "a\n")
    write(d, "tree/sub/b.sh", "echo b\n", 0o755)
    os.symlink("a.txt", os.path.join(d, "tree", "link"))


def test_build_without_more(svc, ctx):
    full_context(ctx)
    before = image_ids(svc)
    iid, logs = build_ok(svc, ctx, tags=["built"], build_args={"FROM_BUILD_ARGS": "given"})
    assert all(line.endswith("\n") for line in logs), logs
    text = "".join(logs)
    assert "STEP 1: FROM localhost/busybox\n" in text
    assert "hello world\n" in text
    assert "exec form given\n" in text
    assert logs[-1] == iid + "\n"
    assert_nothing_left(svc, before + [iid])

    doc = inspect(svc, "localhost/built:latest")
    assert doc["Id"] == iid
    cfg = doc["Config"]
    assert "NAME=world" in cfg["Env"] and "SPACED=two words" in cfg["Env"]
    # ARG values are not part of the image.
    assert not any(e.startswith("GREETING=") for e in cfg["Env"])
    assert cfg["WorkingDir"] == "/opt/world"
    assert cfg["User"] == "nobody"
    assert cfg["Labels"] == {"com.example.who": "world", "other": "x"}
    assert set(cfg["ExposedPorts"]) == {"8080/tcp", "53/udp"}
    assert cfg["Entrypoint"] == ["/bin/sh", "-c"]
    assert cfg["Cmd"] == ["cat /opt/hello.txt /made.txt; echo $SPACED; id -u; pwd"]
    assert doc["ManifestType"] == "application/vnd.oci.image.manifest.v1+json"
    # One layer per RUN, COPY and ADD on top of busybox's.
    base = inspect(svc, BUSYBOX)
    assert len(doc["RootFS"]["Layers"]) == len(base["RootFS"]["Layers"]) + 5

    p = svc.cli("run", "--rm", "--network", "none", "built", remote=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "hello file\nmade-by-run\ntwo words\n65534\n/opt/world\n"
    p = svc.cli("run", "--rm", "--network", "none", "--entrypoint", "", "built", "sh", "-c",
                "cat /workdir.txt; cat /opt/tree/a.txt /opt/tree/link; /opt/tree/sub/b.sh; "
                "readlink /opt/tree/link; stat -c '%u %a' /opt/tree/sub/b.sh", remote=True)
    assert p.stdout == "/opt/world\na\na\nb\na.txt\n0 755\n", p.stderr


def test_build_streams_with_more(svc, ctx):
    write(ctx, "Dockerfile", "FROM localhost/busybox\n"
          "RUN for i in 1 2 3; do echo line $i; sleep 0.4; done\n"
          "CMD [\"true\"]\n")
    before = image_ids(svc)
    replies, error, params = build(svc, ctx, more=True, tags=["streamed:v1"])
    assert error is None, params
    *intermediate, final = replies
    assert intermediate and all(r["continues"] for r in intermediate)
    assert all(r["parameters"]["image"]["id"] == "" for r in intermediate)
    # Rate-limited: replies carry lines, never a flood of empty ones.
    assert all(r["parameters"]["image"]["logs"] for r in intermediate)
    assert len(intermediate) < 20
    assert "continues" not in final
    iid = final["parameters"]["image"]["id"]
    logs = "".join(line for r in replies for line in r["parameters"]["image"]["logs"] or [])
    assert "line 1\nline 2\nline 3\n" in logs
    assert logs.endswith(iid + "\n")
    assert inspect(svc, "localhost/streamed:v1")["Id"] == iid
    assert_nothing_left(svc, before + [iid])


def test_run_failure_leaves_nothing(svc, ctx):
    write(ctx, "Dockerfile", "FROM localhost/busybox\nRUN echo ok > /a\nRUN exit 3\nRUN true\n")
    before = image_ids(svc)
    for more in (False, True):
        _, error, params = build(svc, ctx, more=more, tags=["never"])
        assert error == "io.podman.ErrorOccurred"
        assert 'error building at STEP "RUN exit 3"' in params["reason"], params
        assert "exit status 3" in params["reason"], params
        assert_nothing_left(svc, before)
    # Exec form of a missing program fails too, and cleanly.
    write(ctx, "Dockerfile", "FROM localhost/busybox\nRUN [\"/nonexistent\"]\n")
    _, error, params = build(svc, ctx)
    assert error == "io.podman.ErrorOccurred" and "STEP \"RUN" in params["reason"], params
    assert_nothing_left(svc, before)


def _tar(path, entries, gz=False):
    with tarfile.open(path, "w:gz" if gz else "w") as t:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))


def test_copy_and_add(svc, ctx):
    write(ctx, "Dockerfile", """\
FROM localhost/busybox
ADD plain.tar /x/
ADD packed.tar.gz /y
COPY --chown=nobody:nogroup owned.txt /owned.txt
COPY a.txt b.txt /multi/
COPY *.md /docs/
COPY inside-link /via-link
ADD a.txt /added-file
""")
    _tar(os.path.join(ctx, "plain.tar"), [("p/one.txt", b"one\n")])
    _tar(os.path.join(ctx, "packed.tar.gz"), [("two.txt", b"two\n")], gz=True)
    write(ctx, "owned.txt", "owned\n")
    write(ctx, "a.txt", "A\n")
    write(ctx, "b.txt", "B\n")
    write(ctx, "r1.md", "r1\n")
    write(ctx, "r2.md", "r2\n")
    # Absolute symlinks resolve inside the context.
    os.symlink("/a.txt", os.path.join(ctx, "inside-link"))
    before = image_ids(svc)
    iid, _ = build_ok(svc, ctx, tags=["copied"])
    p = svc.cli("run", "--rm", "--network", "none", "copied", "sh", "-c",
                "cat /x/p/one.txt /y/two.txt /owned.txt /multi/a.txt /multi/b.txt "
                "/docs/r1.md /docs/r2.md /via-link /added-file; stat -c '%u:%g' /owned.txt",
                remote=True)
    assert p.stdout == "one\ntwo\nowned\nA\nB\nr1\nr2\nA\nA\n65534:65534\n", p.stderr
    assert_nothing_left(svc, before + [iid])


@pytest.mark.parametrize("source", ["../outside.txt", "sub/../../outside.txt", "escape-link"])
def test_context_escape_refused(svc, ctx, source):
    inner = os.path.join(ctx, "inner")
    os.makedirs(inner)
    write(ctx, "outside.txt", "secret\n")
    # An absolute symlink out of the context: resolved inside it, where
    # /etc/hostname does not exist.
    os.symlink("/etc/hostname", os.path.join(inner, "escape-link"))
    write(inner, "Dockerfile", "FROM localhost/busybox\nCOPY %s /stolen\n" % source)
    before = image_ids(svc)
    _, error, params = build(svc, inner)
    assert error == "io.podman.ErrorOccurred", params
    assert "STEP \"COPY" in params["reason"], params
    if ".." in source:
        assert "outside the build context" in params["reason"]
    assert_nothing_left(svc, before)


def test_multi_stage(svc, ctx):
    write(ctx, "Dockerfile", """\
ARG BASE=localhost/busybox
FROM $BASE AS builder
RUN mkdir /out && echo built-artifact > /out/artifact
FROM ${BASE}
COPY --from=builder /out/artifact /artifact
CMD ["cat", "/artifact"]
""")
    before = image_ids(svc)
    iid, _ = build_ok(svc, ctx, tags=["multi"])
    p = svc.cli("run", "--rm", "--network", "none", "multi", remote=True)
    assert p.stdout == "built-artifact\n", p.stderr
    # The builder stage's layer is not in the final image.
    base = inspect(svc, BUSYBOX)
    assert len(inspect(svc, iid)["RootFS"]["Layers"]) == len(base["RootFS"]["Layers"]) + 1
    assert_nothing_left(svc, before + [iid])


def test_tags_format_and_labels(svc, ctx):
    write(ctx, "Dockerfile", "FROM localhost/busybox\nLABEL from=dockerfile\n")
    before = image_ids(svc)
    iid, _ = build_ok(svc, ctx, tags=["one", "localhost/two:v2", "127.0.0.1:5000/three:t"],
                      image_format="docker", label=["extra=yes"], annotations=["a=b"])
    doc = inspect(svc, iid)
    assert sorted(doc["RepoTags"]) == ["127.0.0.1:5000/three:t", "localhost/one:latest",
                                       "localhost/two:v2"]
    assert doc["ManifestType"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert doc["Labels"] == {"from": "dockerfile", "extra": "yes"}
    # Metadata only: no new layer.
    assert doc["RootFS"]["Layers"] == inspect(svc, BUSYBOX)["RootFS"]["Layers"]
    # No tags: an untagged image, its ID answered.
    iid2, _ = build_ok(svc, ctx, image_format="oci", annotations=["a=b"])
    doc2 = inspect(svc, iid2)
    assert doc2["RepoTags"] in ([], None)
    assert doc2["ManifestType"] == "application/vnd.oci.image.manifest.v1+json"
    assert doc2["Annotations"] == {"a": "b"}
    assert_nothing_left(svc, before + [iid, iid2])
    _, error, params = build(svc, ctx, image_format="v2s1")
    assert error == "io.podman.ErrorOccurred"
    assert params["reason"] == 'unrecognized image type "v2s1"'


def test_pull_policy_and_errors(svc, ctx):
    before = image_ids(svc)
    write(ctx, "Dockerfile", "FROM localhost/not-here:v1\nRUN true\n")
    _, error, params = build(svc, ctx)
    assert error == "io.podman.ErrorOccurred"
    assert "not a local image" in params["reason"], params
    # Asked to pull: it is tried (and fails: no registry answers).
    _, error, params = build(svc, ctx, pull=True)
    assert error == "io.podman.ErrorOccurred" and "pull" in params["reason"], params
    # Parser errors name the line.
    write(ctx, "Dockerfile", "FROM localhost/busybox\n\nFOO bar\n")
    _, error, params = build(svc, ctx)
    assert error == "io.podman.ErrorOccurred"
    assert "Dockerfile:3: unknown instruction: FOO" in params["reason"], params
    # A missing Dockerfile, a remote one.
    _, error, params = build(svc, ctx, dockerfile=[os.path.join(ctx, "nope")])
    assert error == "io.podman.ErrorOccurred", params
    _, error, params = build(svc, ctx, dockerfile=["https://example.invalid/Dockerfile"])
    assert error == "io.podman.ErrorOccurred" and "remote" in params["reason"], params
    _, error, params = build(svc, ctx, memory="lots")
    assert error == "io.podman.ErrorOccurred" and "memory" in params["reason"], params
    assert_nothing_left(svc, before)


def test_cli_build(remote, env, ctx):  # noqa: F811
    write(ctx, "Containerfile.test", "FROM localhost/busybox\nARG WHO=nobody\n"
          "RUN echo building for $WHO\nCOPY msg.txt /msg.txt\n"
          "ENV WHO=$WHO\nCMD [\"sh\", \"-c\", \"cat /msg.txt; echo $WHO\"]\n")
    write(ctx, "msg.txt", "from the context\n")
    p = env.cli("build", "-f", os.path.join(ctx, "Containerfile.test"), "-t", "clibuilt",
                "--build-arg", "WHO=cli", "--format", "docker", "--no-cache", ctx,
                remote=remote, timeout=300)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "STEP 1: FROM localhost/busybox"
    assert "building for cli" in lines
    assert ID.match(lines[-1]), lines
    p2 = env.cli("run", "--rm", "--network", "none", "clibuilt", remote=remote)
    assert p2.stdout == "from the context\ncli\n", p2.stderr
    # -q: the ID only.
    write(ctx, "Dockerfile", "FROM localhost/busybox\nRUN exit 7\n")
    p = env.cli("build", "-q", ctx, remote=remote, timeout=300)
    assert p.returncode == 125
    assert 'error building at STEP "RUN exit 7"' in p.stderr and "exit status 7" in p.stderr
    p = env.cli("images", "-q", remote=remote)
    assert len(p.stdout.split()) == 2, p.stdout  # busybox and clibuilt
    assert env.cli("ps", "-a", "-q", remote=remote).stdout.strip() == ""
