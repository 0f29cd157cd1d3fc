# SPDX-License-Identifier: Apache-2.0
"""The io.podman image methods end to end (semantics 2.1, 2.2, 2.5, 2.7 and
4): the real service (VARPOD_CHECK_REPLIES=1, so every reply is also
checked against the IDL) pulling from, pushing to and searching real local
registries (registry_fixtures.py, images of tests/tools/make-test-images.py),
with exact reply shapes and formats, every error of the method index, pull
failures, a service killed mid-pull, and concurrent pulls."""
import datetime
import gzip
import hashlib
import io
import json
import os
import platform
import re
import shutil
import tarfile
import threading
import time

import pytest

from conftest import Service
from image_fixtures import (DOCKER_MANIFEST, OCI_MANIFEST, CountingProxy, file_sha256,
                            make_rootfs_tarball, ok, registry_get, registry_manifest,
                            stop_checked, store_state, vcall, write_registries_conf)
from varlink_client import Connection

IMAGE_IN_LIST_KEYS = ["id", "parentId", "repoTags", "repoDigests", "created", "size",
                      "virtualSize", "containers", "labels", "isParent"]
HISTORY_KEYS = ["id", "created", "createdBy", "tags", "size", "comment"]
SEARCH_KEYS = ["description", "is_official", "is_automated", "name", "star_count"]
INSPECT_KEYS = ["Id", "Digest", "RepoTags", "RepoDigests", "Parent", "Comment", "Created",
                "Config", "Version", "Author", "Architecture", "Os", "Size", "VirtualSize",
                "GraphDriver", "RootFS", "Labels", "Annotations", "ManifestType", "User",
                "History"]
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CREATED = "2020-01-01T00:00:00Z"
STANDARD_REPOS = ["varpod-test/busybox", "varpod-test/docker", "varpod-test/oci",
                  "varpod-test/multilayer", "varpod-test/multiarch"]

# GoTime in UTC: fraction without trailing zeros (and no dot when zero).
GO_TIME_UTC = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d*[1-9])? \+0000 UTC$")
RFC3339 = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?"
                     r"(Z|[+-]\d\d:\d\d)$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def parse_rfc3339(text):
    """Go's time.Parse(time.RFC3339, text), to microseconds."""
    m = RFC3339.match(text)
    assert m, text
    y, mo, d, h, mi, s, frac, zone = m.groups()
    tz = datetime.timezone.utc
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        tz = datetime.timezone(sign * datetime.timedelta(hours=int(zone[1:3]),
                                                         minutes=int(zone[4:6])))
    return datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s),
                             int((frac or "0").ljust(6, "0")[:6]), tz)


def podman_remote_time(created):
    """How podman-remote reads ImageInList.created and ImageHistory.created
    (semantics 4.1): the first two words joined by "T", "Z" appended, RFC
    3339 - the rest is ignored and the time taken as UTC."""
    words = created.split()
    assert len(words) >= 2, created
    return parse_rfc3339("%sT%sZ" % (words[0], words[1]))


def go_arch():
    m = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386"}.get(m, m)


def error(reply):
    """(error name, parameters) of an error reply."""
    assert "error" in reply, reply
    return reply["error"], reply.get("parameters")


def error_occurred(reply):
    name, params = error(reply)
    assert name == "io.podman.ErrorOccurred", reply
    assert list(params) == ["reason"] and params["reason"], reply
    return params["reason"]


def pull(svc, name, **kw):
    params = dict(name=name, **kw)
    return ok(vcall(svc, "PullImage", params))["id"]


def list_images(svc):
    return ok(vcall(svc, "ListImages"))["images"]


def get_image(svc, name):
    return ok(vcall(svc, "GetImage", {"name": name}))["image"]


def inspect(svc, name):
    text = ok(vcall(svc, "InspectImage", {"name": name}))["image"]
    assert isinstance(text, str)
    return json.loads(text)


def uncompressed_size(reg, repo, digest):
    status, _, body = registry_get(reg, "/v2/%s/blobs/%s" % (repo, digest))
    assert status == 200
    return len(gzip.decompress(body))


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def rootfs(tmpdir_short):
    if not os.path.exists("/bin/busybox"):
        pytest.skip("/bin/busybox missing (apt-get install busybox-static)")
    return make_rootfs_tarball(os.path.join(tmpdir_short, "rootfs.tar.gz"), compress=True)


def import_image(svc, source, reference="", message="", changes=None):
    return ok(vcall(svc, "ImportImage", {"source": source, "reference": reference,
                                         "message": message, "changes": changes or []}))["image"]


# ---------------------------------------------------------------------------
# ListImages, GetImage, PullImage: happy paths and formats.


def test_empty_store_lists_null(svc):
    assert vcall(svc, "ListImages") == {"parameters": {"images": None}}
    assert vcall(svc, "DeleteUnusedImages") == {"parameters": {"images": None}}
    assert vcall(svc, "ImagesPrune") == {"parameters": {"pruned": None}}


def test_pull_by_tag_then_list_and_get(svc, test_images):
    info = test_images.info("varpod-test/busybox")
    ref = test_images.ref("varpod-test/busybox:latest")
    reply = vcall(svc, "PullImage", {"name": ref})
    # The field is "id", and the ID is the config digest in full.
    assert reply == {"parameters": {"id": test_images.config_id("varpod-test/busybox")}}
    image_id = reply["parameters"]["id"]

    images = list_images(svc)
    assert len(images) == 1
    img = images[0]
    assert list(img) == IMAGE_IN_LIST_KEYS
    assert img["id"] == image_id
    assert img["parentId"] == ""
    assert img["repoTags"] == [ref]
    assert img["repoDigests"] == ["%s@%s" % (test_images.ref("varpod-test/busybox"),
                                             info["manifest_digest"])]
    # The config says 2020-01-01T00:00:00Z: GoTime in UTC, no fraction.
    assert img["created"] == "2020-01-01 00:00:00 +0000 UTC"
    assert GO_TIME_UTC.match(img["created"])
    assert podman_remote_time(img["created"]) == parse_rfc3339(CREATED)
    # Uncompressed layers + manifest + config.
    config = registry_get(test_images.registry,
                          "/v2/varpod-test/busybox/blobs/" + info["config_digest"])[2]
    layers = sum(uncompressed_size(test_images.registry, "varpod-test/busybox", layer["digest"])
                 for layer in info["layers"])
    assert img["size"] == layers + info["manifest_size"] + len(config)
    assert img["virtualSize"] == img["size"]
    assert img["containers"] == 0
    assert img["labels"] is None
    assert img["isParent"] is False

    # GetImage: the same record, by every kind of name.
    for name in (ref, "varpod-test/busybox", "busybox", "busybox:latest", image_id,
                 image_id[:12], "sha256:" + image_id, "docker://" + ref):
        assert get_image(svc, name) == img, name


def test_pull_by_digest(svc, test_images):
    info = test_images.info("varpod-test/multilayer")
    ref = "%s@%s" % (test_images.ref("varpod-test/multilayer"), info["manifest_digest"])
    assert pull(svc, ref) == test_images.config_id("varpod-test/multilayer")
    img = get_image(svc, ref)
    assert img["repoDigests"] == [ref]
    assert img["labels"] == {"org.varpod.test": "multilayer", "maintainer": "varpod"}
    doc = inspect(svc, ref)
    assert doc["Digest"] == info["manifest_digest"]
    assert doc["ManifestType"] == OCI_MANIFEST


def test_pull_short_name_tries_search_registries_in_order(tmpdir_short, test_images,
                                                         image_env, dead_host):
    # The first search registry does not answer at all: the second one
    # has the image.
    dead = dead_host
    write_registries_conf(image_env["REGISTRIES_CONFIG_PATH"], [dead, test_images.host],
                          [dead, test_images.host])
    s = Service(tmpdir_short, env=image_env)
    try:
        image_id = pull(s, "varpod-test/docker")
        assert image_id == test_images.config_id("varpod-test/docker")
        assert get_image(s, image_id)["repoTags"] == [test_images.ref("varpod-test/docker:latest")]
    finally:
        stop_checked(s)


def test_pull_docker_transport_prefix(svc, test_images):
    ref = test_images.ref("varpod-test/oci")
    assert pull(svc, "docker://" + ref) == test_images.config_id("varpod-test/oci")
    assert get_image(svc, ref)["repoTags"] == [ref + ":latest"]


def test_pull_manifest_list_picks_this_architecture(svc, test_images):
    native = go_arch()
    tag = "varpod-test/multiarch:native-%s" % native
    if tag not in test_images.images:
        pytest.skip("the test manifest list has amd64 and arm64 only, this host is %s" % native)
    lst = test_images.info("varpod-test/multiarch")
    assert lst["media_type"] == "application/vnd.docker.distribution.manifest.list.v2+json"
    chosen = test_images.info(tag)
    others = [test_images.info(t) for t in test_images.images
              if t.startswith("varpod-test/multiarch:other-")]
    image_id = pull(svc, test_images.ref("varpod-test/multiarch"))
    assert image_id == chosen["config_digest"][7:]
    assert all(image_id != o["config_digest"][7:] for o in others)
    doc = inspect(svc, image_id)
    assert doc["Architecture"] == native
    # The image's manifest is the chosen entry, not the list.
    assert doc["Digest"] == chosen["manifest_digest"]
    assert doc["ManifestType"] == DOCKER_MANIFEST


@pytest.mark.parametrize("repo,media_type", [("varpod-test/oci", OCI_MANIFEST),
                                              ("varpod-test/docker", DOCKER_MANIFEST)])
def test_pull_keeps_manifest_media_type(svc, test_images, repo, media_type):
    info = test_images.info(repo)
    assert info["media_type"] == media_type
    image_id = pull(svc, test_images.ref(repo))
    doc = inspect(svc, image_id)
    assert doc["ManifestType"] == media_type
    assert doc["Digest"] == info["manifest_digest"]
    # The manifest is stored byte for byte.
    stored = os.path.join(svc.root, "blobs", "sha256", info["manifest_digest"][7:])
    assert file_sha256(stored) == info["manifest_digest"]


def test_pull_of_a_local_name_does_not_contact_the_registry(tmpdir_short, test_images,
                                                            image_env):
    proxy = CountingProxy(test_images.registry.port)
    write_registries_conf(image_env["REGISTRIES_CONFIG_PATH"], [proxy.host], [proxy.host])
    s = Service(tmpdir_short, env=image_env)
    try:
        ref = proxy.host + "/varpod-test/busybox"
        image_id = pull(s, ref)
        assert sum(proxy.counts.values()) > 0
        ok(vcall(s, "TagImage", {"name": image_id, "tagged": "localonly"}))
        before = dict(proxy.counts)
        # Names that resolve locally: nothing is pulled, the local ID comes
        # back (the registry has no "localonly" at all).
        for name in (ref, "docker://" + ref, "busybox", "localonly", "localhost/localonly:latest",
                     image_id[:12], image_id):
            assert pull(s, name) == image_id, name
        assert proxy.counts == before
        assert len(list_images(s)) == 1
    finally:
        stop_checked(s)
        proxy.stop()


# ---------------------------------------------------------------------------
# InspectImage, HistoryImage.


def test_inspect_image_document(svc, test_images):
    repo = "varpod-test/multilayer"
    info = test_images.info(repo)
    image_id = pull(svc, test_images.ref(repo))
    text = ok(vcall(svc, "InspectImage", {"name": repo}))["image"]
    assert "\n" not in text and not text.startswith("{ ")  # compact, as Go's encoder
    doc = json.loads(text)
    assert list(doc) == INSPECT_KEYS
    labels = {"org.varpod.test": "multilayer", "maintainer": "varpod"}
    assert doc["Id"] == image_id
    assert doc["Digest"] == info["manifest_digest"]
    assert doc["RepoTags"] == [test_images.ref(repo + ":latest")]
    assert doc["RepoDigests"] == ["%s@%s" % (test_images.ref(repo), info["manifest_digest"])]
    assert doc["Parent"] == ""
    assert doc["Comment"] == ""
    assert parse_rfc3339(doc["Created"]) == parse_rfc3339(CREATED)
    assert doc["Config"] == {"Env": [PATH_ENV], "Cmd": ["sh"], "Labels": labels}
    assert doc["Version"] == "" and doc["Author"] == "" and doc["User"] == ""
    assert doc["Architecture"] == info["architecture"] and doc["Os"] == "linux"
    assert doc["Size"] == get_image(svc, image_id)["size"]
    assert doc["VirtualSize"] == doc["Size"]
    assert isinstance(doc["GraphDriver"]["Name"], str) and doc["GraphDriver"]["Name"]
    assert isinstance(doc["GraphDriver"]["Data"], dict)
    # RootFS.Layers are the diff IDs of the config, bottom first.
    assert doc["RootFS"] == {"Type": "layers", "Layers": info["diff_ids"]}
    assert doc["Labels"] == labels
    assert doc["Annotations"] == {}
    assert doc["ManifestType"] == OCI_MANIFEST
    assert doc["History"] == [{"created": CREATED, "created_by": "make-test-images.py"}] * 3


def test_history_newest_first(svc, test_images, rootfs):
    repo = "varpod-test/multilayer"
    info = test_images.info(repo)
    image_id = pull(svc, test_images.ref(repo))
    history = ok(vcall(svc, "HistoryImage", {"name": image_id}))["history"]
    assert len(history) == 3
    for h in history:
        assert list(h) == HISTORY_KEYS
        assert h["created"] == "2020-01-01 00:00:00 +0000 UTC"
        assert podman_remote_time(h["created"]) == parse_rfc3339(CREATED)
        assert h["createdBy"] == "make-test-images.py"
        assert h["tags"] == [test_images.ref(repo + ":latest")]
        assert h["comment"] == ""
    assert [h["id"] for h in history] == [image_id, "<missing>", "<missing>"]
    # Newest first: the sizes of the manifest's layers, top layer first.
    assert [h["size"] for h in history] == [layer["size"] for layer in reversed(info["layers"])]

    # An imported image: one step, with the message as its comment.
    imported = import_image(svc, rootfs, "", "the message")
    (h,) = ok(vcall(svc, "HistoryImage", {"name": imported}))["history"]
    assert h["id"] == imported and h["comment"] == "the message" and h["tags"] is None
    assert GO_TIME_UTC.match(h["created"])
    age = datetime.datetime.now(datetime.timezone.utc) - podman_remote_time(h["created"])
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=5)
    assert h["size"] > 0


# ---------------------------------------------------------------------------
# TagImage, RemoveImage, ImageExists.


def test_tag_image_normalises_names(svc, test_images):
    ref = test_images.ref("varpod-test/busybox:latest")
    image_id = pull(svc, ref)
    cases = [("foo", "localhost/foo:latest"), ("foo:v1", "localhost/foo:v1"),
             ("team/app", "localhost/team/app:latest"), ("quay.io/x/y", "quay.io/x/y:latest"),
             ("registry.example:5000/a/b:c", "registry.example:5000/a/b:c"),
             ("localhost/foo", "localhost/foo:latest")]  # already there: no change
    for tagged, _ in cases:
        reply = vcall(svc, "TagImage", {"name": "busybox", "tagged": tagged})
        assert reply == {"parameters": {"image": image_id}}, tagged
    want = [ref] + [full for _, full in cases[:-1]]
    img = get_image(svc, image_id)
    assert sorted(img["repoTags"]) == sorted(want)
    for name in ("foo", "localhost/foo:v1", "team/app", "quay.io/x/y:latest"):
        assert vcall(svc, "ImageExists", {"name": name}) == {"parameters": {"exists": 0}}


def test_tag_moves_a_name_between_images(svc, rootfs, tmpdir_short):
    # Names that cannot be ID prefixes ("a" could be: IDs come first).
    a = import_image(svc, rootfs, "ia")
    b = import_image(svc, rootfs, "ib", changes=["CMD=/bin/true"])
    assert a != b
    ok(vcall(svc, "TagImage", {"name": "ia", "tagged": "shared"}))
    ok(vcall(svc, "TagImage", {"name": "ib", "tagged": "shared"}))
    assert get_image(svc, a)["repoTags"] == ["localhost/ia:latest"]
    assert get_image(svc, b)["repoTags"] == ["localhost/ib:latest", "localhost/shared:latest"]
    assert get_image(svc, "shared")["id"] == b


def test_remove_untags_then_needs_force_then_deletes_everything(svc, test_images):
    ref = test_images.ref("varpod-test/busybox:latest")
    image_id = pull(svc, ref)
    for t in ("foo", "bar"):
        ok(vcall(svc, "TagImage", {"name": image_id, "tagged": t}))
    full = store_state(svc.root)
    assert len(full["layers"]) == 1 and len(full["blobs"]) == 3  # layer, config, manifest

    # By one of several names: only that name goes, the reply is the ID.
    assert vcall(svc, "RemoveImage", {"name": "foo", "force": False}) == \
        {"parameters": {"image": image_id}}
    assert sorted(get_image(svc, image_id)["repoTags"]) == sorted([ref, "localhost/bar:latest"])
    assert store_state(svc.root) == full

    # By ID with several names: must force.
    for name in (image_id, image_id[:12]):
        reason = error_occurred(vcall(svc, "RemoveImage", {"name": name, "force": False}))
        assert reason == ("unable to delete %s (must force) - image is referred to in multiple "
                          "tags" % image_id)
    assert len(list_images(svc)) == 1

    assert vcall(svc, "RemoveImage", {"name": image_id[:12], "force": True}) == \
        {"parameters": {"image": image_id}}
    assert vcall(svc, "ListImages") == {"parameters": {"images": None}}
    # The layer directory and every blob are gone from the store.
    assert store_state(svc.root) == {"layers": set(), "blobs": set(), "tmp": set()}
    assert vcall(svc, "ImageExists", {"name": ref}) == {"parameters": {"exists": 1}}


def test_remove_keeps_layers_other_images_use(svc, rootfs):
    a = import_image(svc, rootfs, "ia")
    b = import_image(svc, rootfs, "ib", changes=["ENV=WHO=b"])
    assert inspect(svc, a)["RootFS"] == inspect(svc, b)["RootFS"]
    both = store_state(svc.root)
    assert len(both["layers"]) == 1 and len(both["blobs"]) == 1 + 2 * 2

    ok(vcall(svc, "RemoveImage", {"name": "ia", "force": False}))
    after = store_state(svc.root)
    assert after["layers"] == both["layers"]  # b still stands on it
    assert a not in after["blobs"]  # a's config went
    assert len(after["blobs"]) == 3
    ok(vcall(svc, "RemoveImage", {"name": "ib", "force": False}))
    assert store_state(svc.root) == {"layers": set(), "blobs": set(), "tmp": set()}


def test_image_exists(svc, test_images):
    image_id = pull(svc, test_images.ref("varpod-test/busybox"))
    for name in ("busybox", test_images.ref("varpod-test/busybox:latest"), image_id,
                 image_id[:8], "docker://" + test_images.ref("varpod-test/busybox")):
        assert vcall(svc, "ImageExists", {"name": name}) == {"parameters": {"exists": 0}}, name
    for name in ("nosuch", "busybox:other", "quay.io/varpod-test/busybox", "0" * 64):
        assert vcall(svc, "ImageExists", {"name": name}) == {"parameters": {"exists": 1}}, name
    # Not "missing" but errors: blank and invalid names.
    assert error_occurred(vcall(svc, "ImageExists", {"name": ""})) == "input name is blank"
    assert "lowercase" in error_occurred(vcall(svc, "ImageExists", {"name": "UPPER"}))


# ---------------------------------------------------------------------------
# DeleteUnusedImages, ImagesPrune.


def test_delete_unused_images(svc, test_images):
    ids = {pull(svc, test_images.ref(r)) for r in ("varpod-test/busybox", "varpod-test/multilayer")}
    removed = ok(vcall(svc, "DeleteUnusedImages"))["images"]
    assert sorted(removed) == sorted(ids)
    assert vcall(svc, "ListImages") == {"parameters": {"images": None}}
    assert store_state(svc.root) == {"layers": set(), "blobs": set(), "tmp": set()}
    assert vcall(svc, "DeleteUnusedImages") == {"parameters": {"images": None}}


def test_images_prune_removes_untagged_and_unused(svc, test_images, rootfs):
    # Semantics 2.7 #64: every untagged image plus every image no
    # container uses - without containers, all of them.
    untagged = import_image(svc, rootfs)
    assert get_image(svc, untagged)["repoTags"] is None
    assert get_image(svc, untagged)["repoDigests"] is None
    tagged = pull(svc, test_images.ref("varpod-test/busybox"))
    pruned = ok(vcall(svc, "ImagesPrune"))["pruned"]
    assert sorted(pruned) == sorted([untagged, tagged])
    assert vcall(svc, "ListImages") == {"parameters": {"images": None}}
    assert store_state(svc.root) == {"layers": set(), "blobs": set(), "tmp": set()}
    assert vcall(svc, "ImagesPrune") == {"parameters": {"pruned": None}}


# ---------------------------------------------------------------------------
# ImportImage.


def test_import_image_with_message_and_changes(svc, tmpdir_short):
    source = make_rootfs_tarball(os.path.join(tmpdir_short, "rootfs.tar"))
    changes = ["CMD=/bin/sh", "CMD=-c", "ENV=GREETING=hello=world", "ENV=EMPTY=",
               "LABEL=org.example.k=v", "LABEL=flag", "EXPOSE=8080", "EXPOSE=53/udp",
               "WORKDIR=/srv", "USER=nobody", "VOLUME=/data", "ENTRYPOINT=/bin/busybox",
               "STOPSIGNAL=SIGTERM"]
    image_id = import_image(svc, source, "imported", "made by the test", changes)
    assert HEX64.match(image_id)
    doc = inspect(svc, "imported")
    assert doc["Id"] == image_id
    assert doc["RepoTags"] == ["localhost/imported:latest"]
    assert doc["RepoDigests"] == ["localhost/imported@" + doc["Digest"]]
    assert doc["Comment"] == "made by the test"
    assert doc["History"][0]["comment"] == "made by the test"
    assert doc["Config"] == {
        "User": "nobody",
        "ExposedPorts": {"8080/tcp": {}, "53/udp": {}},
        # The whole NAME=VALUE is kept (the reference dropped the rest).
        "Env": ["GREETING=hello=world", "EMPTY="],
        "Entrypoint": ["/bin/busybox"],
        "Cmd": ["/bin/sh", "-c"],
        "Volumes": {"/data": {}},
        "WorkingDir": "/srv",
        "Labels": {"org.example.k": "v", "flag": ""},
        "StopSignal": "SIGTERM",
    }
    assert doc["Labels"] == {"org.example.k": "v", "flag": ""}
    assert doc["User"] == "nobody"
    assert doc["Architecture"] == go_arch() and doc["Os"] == "linux"
    assert doc["ManifestType"] == OCI_MANIFEST
    # The layer is the tarball itself: its diff ID is its digest.
    assert doc["RootFS"] == {"Type": "layers", "Layers": [file_sha256(source)]}
    age = (datetime.datetime.now(datetime.timezone.utc) - parse_rfc3339(doc["Created"]))
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=5)

    # Compressed or not, the same layer; without a reference, untagged.
    gz = make_rootfs_tarball(os.path.join(tmpdir_short, "rootfs.tar.gz"), compress=True)
    other = import_image(svc, gz)
    img = get_image(svc, other)
    assert img["repoTags"] is None and img["repoDigests"] is None
    assert inspect(svc, other)["RootFS"] == doc["RootFS"]
    assert len(store_state(svc.root)["layers"]) == 1


def test_import_errors_store_nothing(svc, tmpdir_short, rootfs):
    garbage = os.path.join(tmpdir_short, "garbage.tar")
    with open(garbage, "wb") as f:
        f.write(os.urandom(10000))
    cases = [
        ({"source": os.path.join(tmpdir_short, "nosuch.tar")}, "No such file"),
        ({"source": garbage}, None),
        ({"source": rootfs, "changes": ["BOGUS"]}, 'no value given for instruction "BOGUS"'),
        ({"source": rootfs, "reference": "UPPER"}, "lowercase"),
        ({"source": ""}, None),
    ]
    for params, text in cases:
        reason = error_occurred(vcall(svc, "ImportImage", params))
        assert text is None or text in reason, (params, reason)
    assert vcall(svc, "ListImages") == {"parameters": {"images": None}}
    assert store_state(svc.root) == {"layers": set(), "blobs": set(), "tmp": set()}


# ---------------------------------------------------------------------------
# ExportImage and loading (PullImage of archives and directories).


def tar_members(path):
    with tarfile.open(path) as tar:
        return {m.name: (tar.extractfile(m).read() if m.isfile() else None)
                for m in tar.getmembers()}


def test_export_docker_archive_with_extra_tags(svc, test_images, tmpdir_short):
    repo = "varpod-test/multilayer"
    info = test_images.info(repo)
    image_id = pull(svc, test_images.ref(repo))
    path = os.path.join(tmpdir_short, "image.tar")
    reply = vcall(svc, "ExportImage", {"name": repo, "destination": "docker-archive:" + path,
                                       "compress": False,
                                       "tags": ["extra:1", "notag", "quay.io/x/y:2"]})
    assert reply == {"parameters": {"image": image_id}}
    files = tar_members(path)
    (entry,) = json.loads(files["manifest.json"])
    # The image's own name, then the extra tags (those without a tag are
    # skipped).
    assert entry["RepoTags"] == [test_images.ref(repo + ":latest"), "docker.io/library/extra:1",
                                 "quay.io/x/y:2"]
    assert sha256(files[entry["Config"]]) == "sha256:" + image_id
    # Layers uncompressed, bottom first: each hashes to its diff ID.
    assert [sha256(files[name]) for name in entry["Layers"]] == info["diff_ids"]


def test_export_oci_archive(svc, test_images, tmpdir_short):
    repo = "varpod-test/busybox"
    info = test_images.info(repo)
    image_id = pull(svc, test_images.ref(repo))
    path = os.path.join(tmpdir_short, "image.tar")
    assert ok(vcall(svc, "ExportImage", {"name": image_id, "destination": "oci-archive:" + path,
                                         "compress": False, "tags": []})) == {"image": image_id}
    files = tar_members(path)
    assert json.loads(files["oci-layout"]) == {"imageLayoutVersion": "1.0.0"}
    index = json.loads(files["index.json"])
    (desc,) = index["manifests"]
    assert desc["mediaType"] == OCI_MANIFEST
    assert desc["annotations"]["org.opencontainers.image.ref.name"] == \
        test_images.ref(repo + ":latest")
    blobs = {n[len("blobs/sha256/"):]: d for n, d in files.items()
             if n.startswith("blobs/sha256/") and d is not None}
    for hexa, data in blobs.items():
        assert sha256(data) == "sha256:" + hexa  # content-addressed
    manifest = json.loads(blobs[desc["digest"][7:]])
    assert manifest["mediaType"] == OCI_MANIFEST
    assert manifest["config"]["digest"] == "sha256:" + image_id
    # Same compressed layers as pulled, OCI media types.
    assert [(l["digest"], l["mediaType"]) for l in manifest["layers"]] == \
        [(l["digest"], "application/vnd.oci.image.layer.v1.tar+gzip") for l in info["layers"]]


def test_export_dir(svc, test_images, tmpdir_short):
    repo = "varpod-test/docker"
    info = test_images.info(repo)
    image_id = pull(svc, test_images.ref(repo))
    path = os.path.join(tmpdir_short, "dir")
    ok(vcall(svc, "ExportImage", {"name": repo, "destination": "dir:" + path, "compress": False,
                                  "tags": []}))
    with open(os.path.join(path, "version")) as f:
        assert f.read() == "Directory Transport Version: 1.1\n"
    assert file_sha256(os.path.join(path, "manifest.json")) == info["manifest_digest"]
    names = set(os.listdir(path)) - {"version", "manifest.json"}
    assert names == {image_id} | {l["digest"][7:] for l in info["layers"]}
    for n in names:
        assert file_sha256(os.path.join(path, n)) == "sha256:" + n


@pytest.mark.parametrize("transport", ["docker-archive", "oci-archive", "dir"])
def test_export_then_load_gives_the_same_image(svc, test_images, tmpdir_short, transport):
    repo = "varpod-test/multilayer"
    image_id = pull(svc, test_images.ref(repo))
    before = inspect(svc, image_id)
    path = os.path.join(tmpdir_short, "export")
    ok(vcall(svc, "ExportImage", {"name": image_id, "destination": "%s:%s" % (transport, path),
                                  "compress": False, "tags": []}))
    ok(vcall(svc, "RemoveImage", {"name": image_id, "force": True}))
    assert store_state(svc.root)["layers"] == set()

    assert vcall(svc, "PullImage", {"name": "%s:%s" % (transport, path)}) == \
        {"parameters": {"id": image_id}}
    after = inspect(svc, image_id)
    for key in ("Id", "Config", "RootFS", "Labels", "Created", "Architecture", "History"):
        assert after[key] == before[key], key
    if transport != "dir":  # archives carry the name
        assert after["RepoTags"] == [test_images.ref(repo + ":latest")]
    state = store_state(svc.root)
    assert len(state["layers"]) == 3 and state["tmp"] == set()


def test_load_dir_leaves_the_directory_alone(svc, test_images, tmpdir_short):
    """A directory is loaded in place: its files must not become the
    store's (a hard link shared the inode, so exporting to the same
    directory again truncated the stored blob) nor be moved away."""
    repo = "varpod-test/busybox"
    info = test_images.info(repo)
    image_id = pull(svc, test_images.ref(repo))
    path = os.path.join(tmpdir_short, "dir")
    ok(vcall(svc, "ExportImage", {"name": image_id, "destination": "dir:" + path}))
    ok(vcall(svc, "RemoveImage", {"name": image_id, "force": True}))
    assert pull(svc, "dir:" + path) == image_id
    layer = info["layers"][0]["digest"][7:]
    assert os.stat(os.path.join(path, layer)).st_nlink == 1
    # Export again over the same directory, then read the store back.
    ok(vcall(svc, "ExportImage", {"name": image_id, "destination": "dir:" + path}))
    stored = os.path.join(svc.root, "blobs", "sha256", layer)
    assert file_sha256(stored) == "sha256:" + layer
    archive = os.path.join(tmpdir_short, "again.tar")
    ok(vcall(svc, "ExportImage", {"name": image_id, "destination": "oci-archive:" + archive}))
    files = tar_members(archive)
    assert sha256(files["blobs/sha256/" + layer]) == "sha256:" + layer


def test_load_dir_from_another_filesystem(svc, test_images):
    shm = "/dev/shm"
    if not os.path.isdir(shm) or os.stat(shm).st_dev == os.stat(svc.root).st_dev:
        pytest.skip("no /dev/shm on a filesystem other than the store's")
    image_id = pull(svc, test_images.ref("varpod-test/busybox"))
    path = os.path.join(shm, "varpod-test-%d" % os.getpid())
    try:
        ok(vcall(svc, "ExportImage", {"name": image_id, "destination": "dir:" + path}))
        files = sorted(os.listdir(path))
        ok(vcall(svc, "RemoveImage", {"name": image_id, "force": True}))
        assert pull(svc, "dir:" + path) == image_id
        assert sorted(os.listdir(path)) == files
    finally:
        shutil.rmtree(path, ignore_errors=True)


def make_docker_archive(path, images):
    """A docker-archive made by hand: images is [(repo tag, [layer tarball
    paths, bottom first])]; a tarball used twice is stored once. Returns
    the config IDs."""
    ids, entries, stored = [], [], set()
    with tarfile.open(path, "w") as out:
        def add(name, data):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            out.addfile(ti, io.BytesIO(data))

        for i, (tag, layer_paths) in enumerate(images):
            layers = []
            for lp in layer_paths:
                with open(lp, "rb") as f:
                    data = f.read()
                name = "%s/layer.tar" % sha256(data)[7:]
                if name not in stored:
                    add(name, data)
                    stored.add(name)
                layers.append((name, sha256(data)))
            config = json.dumps({
                "architecture": go_arch(), "os": "linux", "created": CREATED,
                "config": {"Cmd": ["sh"], "Env": [PATH_ENV]},
                "rootfs": {"type": "layers", "diff_ids": [d for _, d in layers]},
                "history": [{"created": CREATED, "created_by": "image %d layer %d" % (i, k)}
                            for k in range(len(layers))],
            }, sort_keys=True, separators=(",", ":")).encode()
            cid = sha256(config)[7:]
            ids.append(cid)
            add("%s.json" % cid, config)
            entries.append({"Config": "%s.json" % cid, "RepoTags": [tag] if tag else [],
                            "Layers": [n for n, _ in layers]})
        add("manifest.json", json.dumps(entries).encode())
    return ids


def test_pull_docker_archive_loads_every_image(svc, tmpdir_short):
    if not os.path.exists("/bin/busybox"):
        pytest.skip("/bin/busybox missing (apt-get install busybox-static)")
    layers = [make_rootfs_tarball(os.path.join(tmpdir_short, "l%d.tar" % i),
                                  extra_file=("etc/which", b"%d\n" % i)) for i in range(2)]
    path = os.path.join(tmpdir_short, "two.tar")
    first, second = make_docker_archive(path, [("one:latest", [layers[0]]),
                                               ("two:latest", [layers[1]])])
    # The reply is the first image's ID; both are loaded with their names.
    assert vcall(svc, "PullImage", {"name": "docker-archive:" + path}) == \
        {"parameters": {"id": first}}
    assert get_image(svc, "one")["id"] == first
    assert get_image(svc, "two")["id"] == second
    assert get_image(svc, first)["repoTags"] == ["docker.io/library/one:latest"]
    assert store_state(svc.root)["tmp"] == set()


@pytest.fixture(params=["parent-first", "child-first"])
def parent_and_child(request, svc, tmpdir_short):
    """Two images loaded from one archive: "parent" (layer A) and "child"
    (layers A, B) - the child's top layer sits on the parent's - with IDs
    that put the parent first or second in storage (ID) order."""
    if not os.path.exists("/bin/busybox"):
        pytest.skip("/bin/busybox missing (apt-get install busybox-static)")
    a = make_rootfs_tarball(os.path.join(tmpdir_short, "a.tar"))
    b = os.path.join(tmpdir_short, "b.tar")
    path = os.path.join(tmpdir_short, "family.tar")
    for salt in range(100):
        with tarfile.open(b, "w") as tar:
            data = b"child %d\n" % salt
            ti = tarfile.TarInfo("etc/child")
            ti.size = len(data)
            tar.addfile(ti, io.BytesIO(data))
        parent, child = make_docker_archive(path, [("parent:latest", [a]),
                                                   ("child:latest", [a, b])])
        if (parent < child) == (request.param == "parent-first"):
            break
    assert pull(svc, "docker-archive:" + path) == parent
    return parent, child


def test_parent_and_child_images(svc, parent_and_child):
    parent, child = parent_and_child
    listed = {i["id"]: i for i in list_images(svc)}
    assert listed[parent]["isParent"] is True and listed[child]["isParent"] is False
    # GetImage computes it too (the reference always said false).
    assert get_image(svc, parent)["isParent"] is True
    assert len(store_state(svc.root)["layers"]) == 2  # A is stored once
    history = ok(vcall(svc, "HistoryImage", {"name": "child"}))["history"]
    assert [h["createdBy"] for h in history] == ["image 1 layer 1", "image 1 layer 0"]
    # The step that made the parent's top layer shows the parent's ID.
    assert [h["id"] for h in history] == [child, parent]
    assert all(h["tags"] == ["docker.io/library/child:latest"] for h in history)

    # By ID: it has a child, even force cannot delete it.
    for force in (False, True):
        reason = error_occurred(vcall(svc, "RemoveImage", {"name": parent, "force": force}))
        assert reason == ('unable to delete "%s" (cannot be forced) - image has dependent child '
                          'images' % parent)
    # By name: only the name goes; the image stays for its child.
    assert ok(vcall(svc, "RemoveImage", {"name": "parent", "force": False})) == {"image": parent}
    assert get_image(svc, parent)["repoTags"] is None
    # Once the child is gone, the parent can go.
    ok(vcall(svc, "RemoveImage", {"name": "child", "force": False}))
    assert get_image(svc, parent)["isParent"] is False
    ok(vcall(svc, "RemoveImage", {"name": parent, "force": False}))
    assert store_state(svc.root) == {"layers": set(), "blobs": set(), "tmp": set()}


@pytest.mark.parametrize("method,key", [("DeleteUnusedImages", "images"),
                                        ("ImagesPrune", "pruned")])
def test_bulk_removal_takes_children_before_parents(svc, parent_and_child, method, key):
    parent, child = parent_and_child
    removed = ok(vcall(svc, method))[key]
    assert sorted(removed) == sorted([parent, child])
    assert vcall(svc, "ListImages") == {"parameters": {"images": None}}
    assert store_state(svc.root) == {"layers": set(), "blobs": set(), "tmp": set()}


# ---------------------------------------------------------------------------
# PushImage.


def test_push_formats_and_pull_back(svc, test_images):
    repo = "varpod-test/busybox"
    info = test_images.info(repo)
    image_id = pull(svc, test_images.ref(repo))
    reg = test_images.registry
    for fmt, media_type, tag in (("oci", OCI_MANIFEST, "oci"), ("v2s2", DOCKER_MANIFEST, "v2s2"),
                                 ("docker", DOCKER_MANIFEST, "docker"),
                                 ("", DOCKER_MANIFEST, "kept")):
        dest = test_images.ref("pushed/busybox:" + tag)
        reply = vcall(svc, "PushImage", {"name": repo, "tag": dest, "tlsverify": False,
                                         "signaturePolicy": "", "creds": "", "certDir": "",
                                         "compress": False, "format": fmt,
                                         "removeSignatures": False, "signBy": ""})
        assert reply == {"parameters": {"image": image_id}}, fmt
        manifest, content_type, _ = registry_manifest(reg, "pushed/busybox", tag)
        assert manifest["mediaType"] == media_type == content_type, fmt
        assert manifest["config"]["digest"] == "sha256:" + image_id
        # Identical layer blobs: nothing is recompressed.
        assert [l["digest"] for l in manifest["layers"]] == \
            [l["digest"] for l in info["layers"]], fmt

    # Without tag the name itself is the destination.
    ok(vcall(svc, "TagImage", {"name": image_id, "tagged": test_images.ref("pushed/byname:1")}))
    ok(vcall(svc, "PushImage", {"name": test_images.ref("pushed/byname:1")}))
    registry_manifest(reg, "pushed/byname", "1")

    # Pulled back into an empty store: the same image.
    ok(vcall(svc, "ImagesPrune"))
    assert pull(svc, test_images.ref("pushed/busybox:oci")) == image_id
    assert inspect(svc, image_id)["RootFS"]["Layers"] == info["diff_ids"]


def test_push_to_tls_registry_with_credentials(svc, test_images, tls_images):
    treg = tls_images.registry
    image_id = pull(svc, test_images.ref("varpod-test/multilayer"))
    dest = tls_images.ref("pushed/multilayer:tls")
    base = {"name": image_id, "tag": dest, "tlsverify": True, "certDir": treg.cert_dir}
    # No credentials, then wrong ones: 401.
    for creds in ("", "varpod:wrong"):
        reason = error_occurred(vcall(svc, "PushImage", dict(base, creds=creds)))
        assert reason.startswith("Error copying image to the remote destination: "), reason
        assert "401" in reason, reason
    assert ok(vcall(svc, "PushImage", dict(base, creds=treg.creds, format="oci"))) == \
        {"image": image_id}
    manifest, _, _ = registry_manifest(treg, "pushed/multilayer", "tls", creds=treg.creds)
    assert manifest["config"]["digest"] == "sha256:" + image_id
    assert [l["digest"] for l in manifest["layers"]] == \
        [l["digest"] for l in test_images.info("varpod-test/multilayer")["layers"]]


def test_push_errors(svc, test_images, dead_host):
    image_id = pull(svc, test_images.ref("varpod-test/busybox"))
    dest = test_images.ref("pushed/errors:1")
    reason = error_occurred(vcall(svc, "PushImage", {"name": image_id, "tag": dest,
                                                     "format": "bogus"}))
    assert reason.startswith("Error copying image to the remote destination: ")
    assert 'unknown format "bogus"' in reason
    assert "v2s1" in error_occurred(vcall(svc, "PushImage", {"name": image_id, "tag": dest,
                                                             "format": "v2s1"}))
    assert "sign" in error_occurred(vcall(svc, "PushImage", {"name": image_id, "tag": dest,
                                                             "signBy": "key@example.com"}))
    # A registry that is not there.
    dead = dead_host + "/x/y:1"
    error_occurred(vcall(svc, "PushImage", {"name": image_id, "tag": dead}))
    assert registry_get(test_images.registry, "/v2/pushed/errors/manifests/1")[0] == 404


# ---------------------------------------------------------------------------
# SearchImage.


def test_search_image(svc, test_images):
    found = ok(vcall(svc, "SearchImage", {"name": "varpod-test", "limit": 100}))["images"]
    for entry in found:
        assert list(entry) == SEARCH_KEYS
        assert entry["description"] == "" and entry["star_count"] == 0
        assert entry["is_official"] is False and entry["is_automated"] is False
    names = [e["name"] for e in found]
    for repo in STANDARD_REPOS:
        assert repo in names  # as the registry names it: no registry prefix
    assert len(names) == len(set(names))

    # Other tests push to the same registry: stay inside varpod-test/.
    multi = ok(vcall(svc, "SearchImage", {"name": "varpod-test/multi", "limit": 0}))["images"]
    assert sorted(e["name"] for e in multi) == ["varpod-test/multiarch", "varpod-test/multilayer"]
    assert len(ok(vcall(svc, "SearchImage", {"name": "varpod-test/multi",
                                             "limit": 1}))["images"]) == 1
    # The registry named in the term.
    one = ok(vcall(svc, "SearchImage", {"name": test_images.ref("varpod-test/busy"),
                                        "limit": 0}))["images"]
    assert [e["name"] for e in one] == ["varpod-test/busybox"]
    assert vcall(svc, "SearchImage", {"name": "zzz-no-match", "limit": 0}) == \
        {"parameters": {"images": None}}


def test_search_registry_failures(tmpdir_short, test_images, image_env, dead_host):
    dead = dead_host
    conf = image_env["REGISTRIES_CONFIG_PATH"]
    # With several registries a failing one is skipped...
    write_registries_conf(conf, [dead, test_images.host], [dead, test_images.host])
    s = Service(tmpdir_short, env=image_env)
    try:
        found = ok(vcall(s, "SearchImage", {"name": "varpod-test/busy", "limit": 0}))["images"]
        assert [e["name"] for e in found] == ["varpod-test/busybox"]
    finally:
        stop_checked(s)
    # ...alone it is the answer.
    write_registries_conf(conf, [dead], [dead])
    s = Service(tmpdir_short, env=image_env)
    try:
        error_occurred(vcall(s, "SearchImage", {"name": "busybox", "limit": 0}))
    finally:
        stop_checked(s)


# ---------------------------------------------------------------------------
# Errors of semantics 2.2 / 3.4.

NOT_FOUND_TEXT = "unable to find a name and tag match for %s in repotags: no such image"


@pytest.mark.parametrize("method,params,name", [
    # GetImage and PushImage: the lookup's error text.
    ("GetImage", {"name": "nosuch"}, NOT_FOUND_TEXT % "nosuch"),
    ("GetImage", {"name": ""}, "input name is blank"),
    ("PushImage", {"name": "nosuch", "tag": "127.0.0.1:1/x:1"}, NOT_FOUND_TEXT % "nosuch"),
    # The others: the request string.
    ("InspectImage", {"name": "nosuch"}, "nosuch"),
    ("InspectImage", {"name": "UPPER"}, "UPPER"),
    ("InspectImage", {"name": ""}, ""),
    ("HistoryImage", {"name": "nosuch:1"}, "nosuch:1"),
    ("TagImage", {"name": "nosuch", "tagged": "x"}, "nosuch"),
    ("RemoveImage", {"name": "nosuch", "force": True}, "nosuch"),
    ("RemoveImage", {"name": "quay.io/x/busybox", "force": False}, "quay.io/x/busybox"),
    ("ExportImage", {"name": "nosuch", "destination": "dir:/nonexistent/x"}, "nosuch"),
])
def test_image_not_found(svc, test_images, method, params, name):
    # A store that is not empty, so that matching is really tried.
    pull(svc, test_images.ref("varpod-test/busybox"))
    assert vcall(svc, method, params) == {"parameters": {"name": name},
                                          "error": "io.podman.ImageNotFound"}


def test_get_image_error_text_for_qualified_and_invalid_names(svc):
    reply = vcall(svc, "GetImage", {"name": "quay.io/x/nosuch"})
    assert error(reply)[0] == "io.podman.ImageNotFound"
    assert reply["parameters"]["name"].endswith("no such image")
    reply = vcall(svc, "GetImage", {"name": "UPPER"})
    assert error(reply)[0] == "io.podman.ImageNotFound"
    assert "lowercase" in reply["parameters"]["name"]


def test_error_occurred_cases(svc, test_images, tmpdir_short):
    image_id = pull(svc, test_images.ref("varpod-test/busybox"))
    cases = [
        ("TagImage", {"name": image_id, "tagged": "UPPER"}, "lowercase"),
        ("TagImage", {"name": image_id, "tagged": "a:b:c:d"}, None),
        ("ImageExists", {"name": "UPPER"}, "lowercase"),
        ("ExportImage", {"name": image_id, "destination": "docker-archive:/nonexistent/d/x.tar"},
         None),
        ("ExportImage", {"name": image_id, "destination": "docker-archive:%s/x.tar" % tmpdir_short,
                         "tags": ["UPPER:1"]}, "lowercase"),
        # Without a transport the destination is a registry.
        ("ExportImage", {"name": image_id, "destination": tmpdir_short + "/plain.tar"}, None),
        ("ImportImage", {"source": "/nonexistent.tar"}, None),
    ]
    for method, params, text in cases:
        reason = error_occurred(vcall(svc, method, params))
        assert text is None or text in reason, (method, params, reason)
    assert not os.path.exists(os.path.join(tmpdir_short, "x.tar"))


@pytest.mark.parametrize("method,params,parameter", [
    ("GetImage", {"name": 5}, "name"),
    ("InspectImage", {"name": ["x"]}, "name"),
    ("HistoryImage", {"name": True}, "name"),
    ("TagImage", {"name": "x", "tagged": 1}, "tagged"),
    ("RemoveImage", {"name": "x", "force": "true"}, "force"),
    ("ImageExists", {"name": {}}, "name"),
    ("SearchImage", {"name": "x", "limit": "10"}, "limit"),
    ("SearchImage", {"name": "x", "limit": 1.5}, "limit"),
    ("PullImage", {"name": "x", "tlsVerify": "yes"}, "tlsVerify"),
    ("PullImage", {"name": "x", "creds": 1}, "creds"),
    ("PushImage", {"name": "x", "compress": 1}, "compress"),
    ("PushImage", {"name": "x", "format": False}, "format"),
    ("ImportImage", {"source": "x", "changes": "CMD=sh"}, "changes"),
    ("ImportImage", {"source": "x", "changes": [1]}, "changes"),
    ("ExportImage", {"name": "x", "destination": "dir:/x", "tags": "a"}, "tags"),
    ("ExportImage", {"name": "x", "destination": 7}, "destination"),
    ("GetImage", None, "parameters"),
    ("PullImage", [], "parameters"),
])
def test_invalid_parameter(svc, method, params, parameter):
    with Connection(svc.address) as c:
        if params is None:
            c.send("io.podman." + method)
        else:
            c.send("io.podman." + method, params)
        assert c.recv() == {"parameters": {"parameter": parameter},
                            "error": "org.varlink.service.InvalidParameter"}
        # The connection stays usable.
        assert c.call("io.podman.ImageExists", {"name": "x"}) == {"parameters": {"exists": 1}}


# ---------------------------------------------------------------------------
# Pull failures.


@pytest.mark.parametrize("name", ["nosuch-image", "varpod-test/nosuch",
                                  "varpod-test/busybox:nosuch", "foo://bar", "UPPER/x", "",
                                  "docker://", "a:b:c:d", "containers-storage:busybox",
                                  "oci-archive:/nonexistent.tar"])
def test_pull_unknown_or_invalid_names(svc, test_images, name):
    reason = error_occurred(vcall(svc, "PullImage", {"name": name}))
    assert reason.startswith("unable to pull %s" % name), reason
    assert vcall(svc, "ListImages") == {"parameters": {"images": None}}


def test_pull_wrong_credentials(svc, tls_images):
    treg = tls_images.registry
    ref = tls_images.ref("varpod-test/busybox")
    for creds in ("varpod:wrong", "nobody:secret"):
        reason = error_occurred(vcall(svc, "PullImage", {"name": ref, "certDir": treg.cert_dir,
                                                         "creds": creds}))
        assert reason.startswith("unable to pull %s" % ref)
        assert "401" in reason, reason
    # No credentials at all: the registry says 401 too.
    assert "401" in error_occurred(vcall(svc, "PullImage", {"name": ref,
                                                            "certDir": treg.cert_dir}))
    assert vcall(svc, "ListImages") == {"parameters": {"images": None}}
    # The right ones.
    assert pull(svc, ref, certDir=treg.cert_dir, creds=treg.creds, tlsVerify=True) == \
        tls_images.config_id("varpod-test/busybox")


@pytest.mark.parametrize("creds", ["varpod", ":secret", ":"])
def test_malformed_credentials_are_an_error(svc, test_images, tls_images, creds):
    # The reference dropped the connection (no password) or blocked on its
    # stdin (no user): an error, at once, is the answer.
    treg = tls_images.registry
    ref = tls_images.ref("varpod-test/multilayer")
    started = time.monotonic()
    reason = error_occurred(vcall(svc, "PullImage", {"name": ref, "certDir": treg.cert_dir,
                                                     "creds": creds}, timeout=30))
    assert "username:password" in reason, reason
    image_id = pull(svc, test_images.ref("varpod-test/busybox"))
    reason = error_occurred(vcall(svc, "PushImage", {"name": image_id, "certDir": treg.cert_dir,
                                                     "tag": tls_images.ref("pushed/creds:1"),
                                                     "tlsverify": True, "creds": creds},
                                  timeout=30))
    assert "username:password" in reason, reason
    assert time.monotonic() - started < 20


def test_pull_unknown_ca(svc, tls_images):
    treg = tls_images.registry
    ref = tls_images.ref("varpod-test/busybox")
    # tlsVerify false is "the default", never "skip verification".
    for tls_verify in (False, True):
        reason = error_occurred(vcall(svc, "PullImage", {"name": ref, "creds": treg.creds,
                                                         "tlsVerify": tls_verify}))
        assert re.search(r"(?i)certificate|tls|ssl", reason), reason
    assert vcall(svc, "ListImages") == {"parameters": {"images": None}}
    assert store_state(svc.root) == {"layers": set(), "blobs": set(), "tmp": set()}


def test_pull_corrupted_blob_stores_nothing(svc, test_images):
    pull(svc, test_images.ref("varpod-test/busybox"))
    before = store_state(svc.root)
    info = test_images.info("varpod-test/corrupt")
    ref = test_images.ref("varpod-test/corrupt")
    reason = error_occurred(vcall(svc, "PullImage", {"name": ref}))
    assert reason.startswith("unable to pull %s" % ref)
    assert "digest mismatch" in reason, reason
    assert info["corrupted_blob"] in reason
    # Nothing new: no layer directory, no blob, no staging left, no image.
    assert store_state(svc.root) == before
    assert len(list_images(svc)) == 1
    assert vcall(svc, "ImageExists", {"name": ref}) == {"parameters": {"exists": 1}}


def test_pull_corrupted_manifest_by_digest(svc, test_images):
    info = test_images.info("varpod-test/corrupt-manifest")
    ref = "%s@%s" % (test_images.ref("varpod-test/corrupt-manifest"), info["corrupted_manifest"])
    reason = error_occurred(vcall(svc, "PullImage", {"name": ref}))
    assert "digest mismatch" in reason, reason
    assert vcall(svc, "ListImages") == {"parameters": {"images": None}}
    assert store_state(svc.root) == {"layers": set(), "blobs": set(), "tmp": set()}


# ---------------------------------------------------------------------------
# Crash safety and concurrency.


def test_service_killed_mid_pull_leaves_no_debris(tmpdir_short, big_image, image_env):
    info = big_image.info("varpod-test/big")
    assert len(info["layers"]) == 3
    proxy = CountingProxy(big_image.registry.port)
    # Two layers trickle, the third comes at once: when the service dies
    # one layer is in place without its image and two are half-fetched.
    slow = [l["digest"] for l in info["layers"][:2]]
    proxy.slow.update(slow)
    write_registries_conf(image_env["REGISTRIES_CONFIG_PATH"], [proxy.host], [proxy.host])
    root = os.path.join(tmpdir_short, "root")
    name = proxy.host + "/varpod-test/big"
    s = Service(tmpdir_short, env=image_env)
    try:
        with Connection(s.address, timeout=120) as c:
            c.send("io.podman.PullImage", {"name": name})
            deadline = time.monotonic() + 60
            while True:
                state = store_state(root)
                streaming = all(proxy.sent.get("/v2/varpod-test/big/blobs/" + d, 0) > 0
                                for d in slow)
                if state["layers"] and state["tmp"] and streaming:
                    break
                assert s.proc.poll() is None, s.proc.stderr.read()
                assert time.monotonic() < deadline, (state, proxy.sent)
                time.sleep(0.01)
            s.proc.kill()  # SIGKILL: no cleanup of any kind
            s.proc.wait(30)
        debris = store_state(root)
    finally:
        s.stop()
        proxy.slow.clear()
    assert debris["layers"] and debris["tmp"], debris

    s = Service(tmpdir_short, env=image_env)
    try:
        # Opening the store cleared the debris: no image, no staging, no
        # layer directory or blob without a record.
        assert vcall(s, "ListImages") == {"parameters": {"images": None}}
        assert store_state(root) == {"layers": set(), "blobs": set(), "tmp": set()}
        assert pull(s, name) == big_image.config_id("varpod-test/big")
        (img,) = list_images(s)
        assert img["repoTags"] == [name + ":latest"]
        state = store_state(root)
        assert len(state["layers"]) == 3 and len(state["blobs"]) == 5 and not state["tmp"]
    finally:
        stop_checked(s)
        proxy.stop()


def test_another_process_opening_the_store_spares_a_pull_in_flight(tmpdir_short, big_image,
                                                                    image_env, local_cli):
    """Every process opening the store (the CLI in-process, a second
    service, conmon's cleanup command) clears debris - but only when no one
    is working: a pull in flight keeps its staging."""
    info = big_image.info("varpod-test/big")
    proxy = CountingProxy(big_image.registry.port)
    proxy.slow.update(l["digest"] for l in info["layers"])
    write_registries_conf(image_env["REGISTRIES_CONFIG_PATH"], [proxy.host], [proxy.host])
    root = os.path.join(tmpdir_short, "root")
    name = proxy.host + "/varpod-test/big"
    s = Service(tmpdir_short, env=image_env)
    try:
        with Connection(s.address, timeout=120) as c:
            c.send("io.podman.PullImage", {"name": name})
            deadline = time.monotonic() + 60
            while not any(proxy.sent.get("/v2/varpod-test/big/blobs/" + l["digest"])
                          for l in info["layers"]):
                assert time.monotonic() < deadline, proxy.counts
                time.sleep(0.01)
            staging = store_state(root)["tmp"]
            assert staging
            # Same root and run root, another process.
            assert local_cli.ok("images", "-q").stdout == ""
            assert staging <= store_state(root)["tmp"]
            proxy.slow.clear()
            assert c.recv() == {"parameters": {"id": big_image.config_id("varpod-test/big")}}
        assert store_state(root)["tmp"] == set()
        listed = local_cli.ok("images", "-q").stdout
        assert listed == big_image.config_id("varpod-test/big")[:12] + "\n"
    finally:
        stop_checked(s)
        proxy.stop()


def test_concurrent_pulls_fetch_each_layer_once(tmpdir_short, test_images, image_env):
    repo = "varpod-test/multilayer"
    info = test_images.info(repo)
    proxy = CountingProxy(test_images.registry.port)
    proxy.delay = 0.2  # every blob GET waits: the four pulls overlap
    write_registries_conf(image_env["REGISTRIES_CONFIG_PATH"], [proxy.host], [proxy.host])
    s = Service(tmpdir_short, env=image_env)
    name = proxy.host + "/" + repo
    n = 4
    barrier = threading.Barrier(n)
    replies = [None] * n

    def client(i):
        with Connection(s.address, timeout=120) as c:
            barrier.wait()
            replies[i] = c.call("io.podman.PullImage", {"name": name})

    try:
        threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert replies == [{"parameters": {"id": test_images.config_id(repo)}}] * n
        for layer in info["layers"]:
            assert proxy.blob_gets(repo, layer["digest"]) == 1, (layer, proxy.counts)
        (img,) = list_images(s)
        assert img["repoTags"] == [name + ":latest"]
        state = store_state(s.dir + "/root")
        assert len(state["layers"]) == 3 and len(state["blobs"]) == 5 and not state["tmp"]
    finally:
        stop_checked(s)
        proxy.stop()
