# SPDX-License-Identifier: Apache-2.0
"""The varpod image commands end to end, each one three ways (the `cli`
fixture): in-process on --root/--runroot, and --remote through a service
found by --url or by $PODMAN_VARLINK_ADDRESS; plus interoperability of
`varpod save` archives with skopeo and podman."""
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile

import pytest

from image_fixtures import (DOCKER_MANIFEST, OCI_MANIFEST, Cli, clean_env, file_sha256,
                            make_rootfs_tarball, registry_manifest, store_state)

HEADER = re.compile(r"^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$")


def lines(text):
    return [line for line in text.splitlines() if line.strip()]


def pull(cli, name, *flags):
    p = cli.ok("pull", *flags, name)
    image_id = p.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", image_id), p.stdout
    return image_id


def image_rows(cli):
    """`images` as (repository, tag, short id) rows, header checked."""
    out = lines(cli.ok("images").stdout)
    assert HEADER.match(out[0]), out
    return [tuple(line.split()[:3]) for line in out[1:]]


@pytest.fixture
def rootfs(tmpdir_short):
    if not os.path.exists("/bin/busybox"):
        pytest.skip("/bin/busybox missing (apt-get install busybox-static)")
    return make_rootfs_tarball(os.path.join(tmpdir_short, "rootfs.tar.gz"), compress=True)


def test_pull_prints_plain_progress_without_a_terminal(local_cli, test_images):
    repo = "varpod-test/multilayer"
    info = test_images.info(repo)
    p = local_cli.ok("pull", repo)
    assert p.stdout == test_images.config_id(repo) + "\n"
    assert "\x1b" not in p.stderr and "\r" not in p.stderr  # no terminal drawing
    err = p.stderr.splitlines()
    for layer in info["layers"]:
        assert "Copying blob %s" % layer["digest"] in err, p.stderr
        assert "Copying blob %s done" % layer["digest"] in err, p.stderr
    # Again: the layers are there, nothing to copy; -q: no progress at all.
    local_cli.ok("rmi", repo)
    p = local_cli.ok("pull", "-q", repo)
    assert p.stdout == test_images.config_id(repo) + "\n" and p.stderr == ""


def test_pull_and_images(cli, test_images):
    p = cli.ok("images")
    assert lines(p.stdout) and HEADER.match(lines(p.stdout)[0]) and len(lines(p.stdout)) == 1
    assert cli.ok("images", "-q").stdout == ""
    assert json.loads(cli.ok("images", "--format", "json").stdout) == []

    busybox = pull(cli, "varpod-test/busybox")
    multi = pull(cli, test_images.ref("varpod-test/multilayer"))
    assert busybox == test_images.config_id("varpod-test/busybox")
    assert multi == test_images.config_id("varpod-test/multilayer")
    if cli.remote:
        # PullImage reports no progress.
        assert cli.ok("pull", "varpod-test/busybox").stderr == ""

    rows = image_rows(cli)
    assert sorted(rows) == sorted([(test_images.ref("varpod-test/busybox"), "latest", busybox[:12]),
                                   (test_images.ref("varpod-test/multilayer"), "latest",
                                    multi[:12])])
    assert sorted(lines(cli.ok("images", "-q").stdout)) == sorted([busybox[:12], multi[:12]])
    assert sorted(lines(cli.ok("images", "-q", "--no-trunc").stdout)) == sorted([busybox, multi])
    listed = json.loads(cli.ok("images", "--format", "json").stdout)
    by_id = {i["id"]: i for i in listed}
    assert set(by_id) == {busybox, multi}
    assert by_id[multi]["repoTags"] == [test_images.ref("varpod-test/multilayer:latest")]
    assert by_id[multi]["labels"] == {"org.varpod.test": "multilayer", "maintainer": "varpod"}
    # `image ls` is the same command.
    assert cli.ok("image", "ls").stdout == cli.ok("images").stdout


def test_rmi(cli, test_images):
    image_id = pull(cli, "varpod-test/busybox")
    cli.ok("tag", image_id, "foo", "bar:2")
    # A name of several: untagged, the ID printed.
    assert cli.ok("rmi", "foo").stdout == image_id + "\n"
    assert sorted(r[:2] for r in image_rows(cli)) == sorted(
        [(test_images.ref("varpod-test/busybox"), "latest"), ("localhost/bar", "2")])
    # Missing: podman's exit code 1.
    p = cli.fails("rmi", "nosuch", code=1)
    assert "nosuch" in p.stderr
    # By ID with several names: must force (125).
    p = cli.fails("rmi", image_id[:12])
    assert "must force" in p.stderr
    assert cli.ok("rmi", "-f", image_id[:12]).stdout == image_id + "\n"
    assert image_rows(cli) == []
    assert store_state(cli.root)["layers"] == set()

    a = pull(cli, "varpod-test/busybox")
    b = pull(cli, "varpod-test/multilayer")
    cli.ok("tag", a, "extra")
    assert sorted(lines(cli.ok("rmi", "-a", "-f").stdout)) == sorted([a, b])
    assert image_rows(cli) == []
    assert cli.ok("rmi", "-a").stdout == ""
    cli.fails("rmi")  # nothing to remove: usage error


def test_tag_inspect_history(cli, test_images):
    repo = "varpod-test/multilayer"
    info = test_images.info(repo)
    image_id = pull(cli, repo)
    p = cli.ok("tag", repo, "foo", "bar:2", "quay.io/x/y")
    assert p.stdout == ""
    (doc,) = json.loads(cli.ok("inspect", "foo").stdout)
    assert doc["Id"] == image_id
    assert sorted(doc["RepoTags"]) == sorted([test_images.ref(repo + ":latest"),
                                              "localhost/foo:latest", "localhost/bar:2",
                                              "quay.io/x/y:latest"])
    assert doc["RootFS"]["Layers"] == info["diff_ids"]
    docs = json.loads(cli.ok("image", "inspect", "bar:2", image_id[:12]).stdout)
    assert [d["Id"] for d in docs] == [image_id, image_id]

    out = lines(cli.ok("history", "foo").stdout)
    assert re.match(r"^ID\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$", out[0])
    assert [line.split()[0] for line in out[1:]] == [image_id[:12], "<missing>", "<missing>"]
    assert all("make-test-images.py" in line for line in out[1:])
    assert lines(cli.ok("history", "-q", "--no-trunc", "foo").stdout) == \
        [image_id, "<missing>", "<missing>"]
    history = json.loads(cli.ok("history", "--format", "json", "foo").stdout)
    assert [h["size"] for h in history] == [l["size"] for l in reversed(info["layers"])]


def test_import(cli, tmpdir_short, rootfs):
    # A relative path: the service side gets it made absolute.
    p = cli.ok("import", "-c", "CMD=/bin/sh", "-c", "ENV=A=1", "-c", "LABEL=k=v",
               "-m", "from the cli", os.path.basename(rootfs), "imported:1", cwd=tmpdir_short)
    image_id = p.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", image_id), p.stdout
    (doc,) = json.loads(cli.ok("inspect", "imported:1").stdout)
    assert doc["Id"] == image_id
    assert doc["RepoTags"] == ["localhost/imported:1"]
    assert doc["Comment"] == "from the cli"
    assert doc["Config"] == {"Cmd": ["/bin/sh"], "Env": ["A=1"], "Labels": {"k": "v"}}
    # Untagged.
    other = cli.ok("import", rootfs).stdout.strip()
    assert ("<none>", "<none>", other[:12]) in image_rows(cli)
    cli.fails("import", os.path.join(tmpdir_short, "nosuch.tar"))
    cli.fails("import", "-c", "BOGUS", rootfs)


SAVE_FORMATS = ["docker-archive", "oci-archive", "oci-dir", "docker-dir"]


def test_save_and_load(cli, test_images, tmpdir_short):
    repo = "varpod-test/multilayer"
    info = test_images.info(repo)
    image_id = pull(cli, repo)
    for fmt in SAVE_FORMATS:
        out = os.path.join(tmpdir_short, "saved-" + fmt)
        p = cli.ok("save", "--format", fmt, "-o", out, repo, "extra:1")
        assert p.stdout == ""
        if fmt == "docker-archive":
            with tarfile.open(out) as tar:
                (entry,) = json.load(tar.extractfile("manifest.json"))
            assert entry["RepoTags"] == [test_images.ref(repo + ":latest"),
                                         "docker.io/library/extra:1"]
            assert entry["Config"] == image_id + ".json"
        elif fmt == "oci-archive":
            with tarfile.open(out) as tar:
                names = tar.getnames()
                index = json.load(tar.extractfile("index.json"))
            assert "oci-layout" in names
            assert "blobs/sha256/" + image_id in names
            assert index["manifests"][0]["mediaType"] == OCI_MANIFEST
        elif fmt == "oci-dir":
            assert {"oci-layout", "index.json", "blobs"} <= set(os.listdir(out))
            assert os.path.exists(os.path.join(out, "blobs", "sha256", image_id))
        else:
            assert file_sha256(os.path.join(out, "manifest.json")) == info["manifest_digest"]
            assert os.path.exists(os.path.join(out, image_id))
    # Relative output: written where the command runs.
    cli.ok("save", "-o", "relative.tar", repo, cwd=tmpdir_short)
    assert tarfile.is_tarfile(os.path.join(tmpdir_short, "relative.tar"))

    cli.ok("rmi", "-a", "-f")
    for fmt in ("docker-archive", "oci-archive"):
        p = cli.ok("load", "-i", os.path.join(tmpdir_short, "saved-" + fmt))
        assert p.stdout == "Loaded image: %s\n" % image_id
    names = {r[0] + ":" + r[1] for r in image_rows(cli)}
    assert {test_images.ref(repo + ":latest"), "docker.io/library/extra:1"} <= names
    state = store_state(cli.root)
    assert len(state["layers"]) == 3 and state["tmp"] == set()

    cli.fails("save", "--format", "bogus", "-o", os.path.join(tmpdir_short, "x"), repo)
    cli.fails("save", "-o", os.path.join(tmpdir_short, "x"), "nosuch")
    cli.fails("save", repo)  # no -o
    cli.fails("load", "-i", os.path.join(tmpdir_short, "nosuch.tar"))
    garbage = os.path.join(tmpdir_short, "garbage.tar")
    with open(garbage, "wb") as f:
        f.write(b"not an archive" * 100)
    cli.fails("load", "-i", garbage)


def test_search(cli, test_images):
    out = lines(cli.ok("search", "varpod-test/").stdout)
    assert re.match(r"^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL\s+AUTOMATED$", out[0])
    names = [line.split()[0] for line in out[1:]]
    for repo in ("varpod-test/busybox", "varpod-test/multilayer", "varpod-test/oci"):
        assert repo in names
    found = json.loads(cli.ok("search", "--format", "json", "varpod-test/multi").stdout)
    assert sorted(e["name"] for e in found) == ["varpod-test/multiarch", "varpod-test/multilayer"]
    assert len(json.loads(cli.ok("search", "--limit", "1", "--format", "json",
                                 "varpod-test/multi").stdout)) == 1
    assert json.loads(cli.ok("search", "--format", "json", "zzz-no-match").stdout) == []


def test_image_exists(cli, test_images):
    image_id = pull(cli, "varpod-test/busybox")
    for name in ("busybox", image_id, image_id[:12], test_images.ref("varpod-test/busybox")):
        p = cli("image", "exists", name)
        assert p.returncode == 0 and p.stdout == "" and p.stderr == "", (name, p)
    p = cli("image", "exists", "nosuch")
    assert p.returncode == 1 and p.stdout == "" and p.stderr == ""
    cli.fails("image", "exists", "UPPER")
    cli.fails("image", "exists", "")


def test_image_prune(cli, test_images, rootfs):
    untagged = cli.ok("import", rootfs).stdout.strip()
    tagged = pull(cli, "varpod-test/busybox")
    # Dangling images only, as podman prunes today.
    assert cli.ok("image", "prune").stdout == untagged + "\n"
    assert [r[2] for r in image_rows(cli)] == [tagged[:12]]
    assert cli.ok("image", "prune").stdout == ""
    # --all: every image no container uses (io.podman's ImagesPrune).
    assert cli.ok("image", "prune", "-a").stdout == tagged + "\n"
    assert image_rows(cli) == []
    assert store_state(cli.root) == {"layers": set(), "blobs": set(), "tmp": set()}


def test_push(cli, test_images, tls_images):
    image_id = pull(cli, "varpod-test/busybox")
    reg = test_images.registry
    repo = "cli-push/%s" % cli.mode
    cli.ok("push", "--format", "oci", "varpod-test/busybox", test_images.ref(repo + ":oci"))
    manifest, _, _ = registry_manifest(reg, repo, "oci")
    assert manifest["mediaType"] == OCI_MANIFEST
    assert manifest["config"]["digest"] == "sha256:" + image_id
    cli.ok("push", "--format", "v2s2", image_id, "docker://" + test_images.ref(repo + ":v2s2"))
    assert registry_manifest(reg, repo, "v2s2")[0]["mediaType"] == DOCKER_MANIFEST
    # The name itself as destination.
    cli.ok("tag", image_id, test_images.ref(repo + ":byname"))
    cli.ok("push", test_images.ref(repo + ":byname"))
    registry_manifest(reg, repo, "byname")

    treg = tls_images.registry
    dest = tls_images.ref(repo + ":tls")
    p = cli.fails("push", "--cert-dir", treg.cert_dir, image_id, dest)
    assert "401" in p.stderr
    cli.ok("push", "--cert-dir", treg.cert_dir, "--creds", treg.creds, image_id, dest)
    assert registry_manifest(treg, repo, "tls", creds=treg.creds)[0]["config"]["digest"] == \
        "sha256:" + image_id

    cli.fails("push", "nosuch", test_images.ref(repo + ":x"))
    cli.fails("push", "--format", "bogus", image_id, test_images.ref(repo + ":x"))

    # Pulled back in an empty store: the same image.
    cli.ok("rmi", "-a", "-f")
    assert pull(cli, test_images.ref(repo + ":oci")) == image_id


def test_pull_with_credentials_and_cert_dir(cli, tls_images):
    treg = tls_images.registry
    ref = tls_images.ref("varpod-test/busybox")
    p = cli.fails("pull", ref)  # unknown CA
    assert re.search(r"(?i)certificate|tls|ssl", p.stderr), p.stderr
    p = cli.fails("pull", "--cert-dir", treg.cert_dir, "--creds", "varpod:wrong", ref)
    assert "401" in p.stderr, p.stderr
    image_id = pull(cli, ref, "--cert-dir", treg.cert_dir, "--creds", treg.creds)
    assert image_id == tls_images.config_id("varpod-test/busybox")


def test_flags_after_arguments(cli, test_images, rootfs, tmpdir_short):
    """podman takes flags anywhere among the arguments (the README's
    examples are written so)."""
    image_id = cli.ok("import", rootfs, "myimage", "-c", "CMD=sh", "-m", "imported").stdout.strip()
    (doc,) = json.loads(cli.ok("inspect", "myimage").stdout)
    assert doc["Id"] == image_id and doc["Comment"] == "imported"
    assert doc["Config"] == {"Cmd": ["sh"]}
    p = cli.ok("pull", "varpod-test/busybox", "-q")
    assert p.stdout == test_images.config_id("varpod-test/busybox") + "\n" and p.stderr == ""
    found = json.loads(cli.ok("search", "varpod-test/multi", "--limit", "1", "--format",
                              "json").stdout)
    assert len(found) == 1
    repo = "cli-flags/%s" % cli.mode
    cli.ok("push", "myimage", test_images.ref(repo + ":1"), "--format", "v2s2")
    assert registry_manifest(test_images.registry, repo, "1")[0]["mediaType"] == DOCKER_MANIFEST
    assert lines(cli.ok("history", "myimage", "-q", "--no-trunc").stdout) == [image_id]
    out = os.path.join(tmpdir_short, "flags.tar")
    cli.ok("save", "myimage", "-o", out, "--format", "oci-archive")
    with tarfile.open(out) as tar:
        assert "index.json" in tar.getnames()
    assert cli.ok("rmi", "myimage", "-f").stdout == image_id + "\n"
    assert cli.ok("load", "-i", out).stdout == "Loaded image: %s\n" % image_id


def test_errors_exit_125(cli, test_images, tmpdir_short):
    pull(cli, "varpod-test/busybox")
    for args in (["pull", "varpod-test/nosuch"], ["pull", "foo://bar"],
                 ["pull", test_images.ref("varpod-test/corrupt")],
                 ["tag", "nosuch", "x"], ["tag", "busybox", "UPPER"],
                 ["inspect", "nosuch"], ["history", "nosuch"],
                 ["save", "-o", os.path.join(tmpdir_short, "x.tar"), "nosuch"],
                 ["push", "nosuch", "127.0.0.1:1/x:1"], ["search", "x", "y"],
                 ["pull"], ["images", "--format", "table"]):
        cli.fails(*args)
    p = cli.fails("pull", test_images.ref("varpod-test/corrupt"))
    assert "digest mismatch" in p.stderr
    p = cli.fails("inspect", "nosuch")
    assert json.loads(p.stdout) == []
    assert store_state(cli.root)["tmp"] == set()


def test_remote_without_a_service(image_env, tmpdir_short):
    address = "unix:" + os.path.join(tmpdir_short, "nobody-listens")
    for mode in ("remote-url", "remote-env"):
        cli = Cli(mode, tmpdir_short, image_env, service=type("S", (), {"address": address}))
        p = cli.fails("images")
        assert "nobody-listens" in p.stderr, p.stderr


# ---------------------------------------------------------------------------
# Interoperability: archives written by `varpod save`, read by skopeo and
# podman (which never contacts a registry here: load only).


def have_tool(name):
    if shutil.which(name):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", name], capture_output=True,
                       timeout=600, env=clean_env({"DEBIAN_FRONTEND": "noninteractive"}))
    return shutil.which(name) is not None


@pytest.fixture(scope="module")
def skopeo():
    if not have_tool("skopeo"):
        pytest.skip("skopeo is not installed and `apt-get install -y skopeo` did not work")
    return shutil.which("skopeo")


@pytest.fixture(scope="module")
def podman():
    if not have_tool("podman"):
        pytest.skip("podman is not installed and `apt-get install -y podman` did not work")
    return shutil.which("podman")


@pytest.fixture
def saved(local_cli, test_images, tmpdir_short):
    """multilayer pulled and saved in both archive formats."""
    repo = "varpod-test/multilayer"
    image_id = pull(local_cli, repo)
    paths = {}
    for fmt in ("docker-archive", "oci-archive"):
        paths[fmt] = os.path.join(tmpdir_short, fmt + ".tar")
        local_cli.ok("save", "--format", fmt, "-o", paths[fmt], repo)
    return image_id, test_images.info(repo), paths


def run_tool(args, env=None, timeout=120):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, env=env or clean_env())
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p.stdout


@pytest.mark.parametrize("fmt", ["docker-archive", "oci-archive"])
def test_skopeo_reads_saved_archives(skopeo, saved, fmt):
    image_id, info, paths = saved
    ref = "%s:%s" % (fmt, paths[fmt])
    doc = json.loads(run_tool([skopeo, "inspect", ref]))
    assert doc["Architecture"] == info["architecture"] and doc["Os"] == "linux"
    assert doc["Labels"] == {"org.varpod.test": "multilayer", "maintainer": "varpod"}
    assert len(doc["Layers"]) == 3
    config = json.loads(run_tool([skopeo, "inspect", "--config", ref]))
    assert config["rootfs"]["diff_ids"] == info["diff_ids"]
    raw = subprocess.run([skopeo, "inspect", "--config", "--raw", ref], capture_output=True,
                         timeout=120, env=clean_env(), check=True).stdout
    assert hashlib.sha256(raw).hexdigest() == image_id


@pytest.mark.parametrize("fmt", ["docker-archive", "oci-archive"])
def test_podman_loads_saved_archives(podman, saved, tmpdir_short, fmt):
    image_id, info, paths = saved
    base = os.path.join(tmpdir_short, "podman")
    os.makedirs(base)
    empty = os.path.join(base, "registries.conf")
    with open(empty, "w") as f:
        f.write("unqualified-search-registries = []\n")
    storage = os.path.join(base, "storage.conf")
    with open(storage, "w") as f:
        f.write('[storage]\ndriver = "vfs"\nrunroot = "%s/run"\ngraphroot = "%s/root"\n'
                % (base, base))
    env = clean_env({"CONTAINERS_REGISTRIES_CONF": empty, "CONTAINERS_STORAGE_CONF": storage,
                     "XDG_RUNTIME_DIR": os.path.join(base, "xdg")})
    flags = [podman, "--root", base + "/root", "--runroot", base + "/run", "--storage-driver",
             "vfs", "--tmpdir", base + "/tmp", "--events-backend", "none", "--cgroup-manager",
             "cgroupfs"]
    out = run_tool(flags + ["load", "-i", paths[fmt]], env)
    assert "Loaded image" in out
    (doc,) = json.loads(run_tool(flags + ["image", "inspect", image_id], env))
    assert doc["Id"] == image_id
    assert doc["RootFS"]["Layers"] == info["diff_ids"]
    assert doc["Labels"] == {"org.varpod.test": "multilayer", "maintainer": "varpod"}
    run_tool(flags + ["rmi", "-a", "-f"], env)
