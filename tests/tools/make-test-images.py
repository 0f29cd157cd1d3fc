#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Builds the test images from Debian's busybox-static and pushes them to a
registry with the Registry HTTP API v2 (python stdlib only):

  varpod-test/busybox:latest     Docker schema 2, one layer: bin/busybox and
                                 its applet links, Cmd ["sh"], PATH
  varpod-test/docker:latest      the same image (same manifest)
  varpod-test/oci:latest         the same image with OCI media types
  varpod-test/multilayer:latest  OCI, 3 layers: a whiteout in layer 2, an
                                 opaque directory in layer 3, labels
  varpod-test/multiarch:latest   Docker manifest list: amd64 and arm64 (the
                                 non-native entry reuses the layer, only its
                                 config says another architecture)
  varpod-test/big:latest         --big MB: about MB megabytes in 3 layers of
                                 pseudo-random (incompressible) data
  varpod-test/corrupt:latest     --corrupt STORAGE: its layer blob's bytes in
                                 the registry's storage are changed after the
                                 push, so the registry serves bytes that do not
                                 hash to the digest (see corrupt_blob)
  varpod-test/corrupt-manifest:latest
                                 --corrupt STORAGE too: the stored manifest
                                 itself is changed, so fetching it by digest
                                 gives bytes of another digest

Everything is deterministic (fixed mtimes, gzip without timestamps), so the
digests are the same on every run with the same busybox. A JSON summary of
what was pushed goes to stdout (or -o FILE).

  make-test-images.py http://127.0.0.1:5000
  make-test-images.py https://127.0.0.1:5001 --ca-file ca.crt --creds varpod:secret
"""
import argparse
import base64
import gzip
import hashlib
import io
import json
import os
import platform
import random
import shutil
import ssl
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request

BUSYBOX = "/bin/busybox"
APPLETS = ["sh", "echo", "true", "cat", "ls", "sleep", "env", "id", "top", "ps"]
MTIME = 1577836800  # 2020-01-01T00:00:00Z
CREATED = "2020-01-01T00:00:00Z"
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"

CHUNK = 1 << 20


def go_arch(machine=None):
    m = machine or platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386"}.get(m, m)


def canonical_json(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def sha256_digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class RandomReader:
    """size pseudo-random bytes from a seed, read in pieces (big layers)."""

    def __init__(self, seed, size):
        self.rng = random.Random(seed)
        self.left = size

    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return self.rng.randbytes(n)


class Entry:
    """One tar member: kind "file" (data bytes or a reader with size),
    "dir" or "symlink" (target)."""

    def __init__(self, name, kind="file", data=b"", mode=None, target=None, reader=None,
                 size=None):
        self.name, self.kind, self.data, self.target = name, kind, data, target
        self.reader, self.size = reader, size
        self.mode = mode if mode is not None else (0o755 if kind == "dir" else 0o644)


def file_entry(name, text, mode=0o644):
    return Entry(name, data=text.encode() if isinstance(text, str) else text, mode=mode)


class HashingWriter:
    """Counts and hashes what passes through on its way to a file."""

    def __init__(self, f):
        self.f, self.h, self.size = f, hashlib.sha256(), 0

    def write(self, b):
        self.h.update(b)
        self.size += len(b)
        return self.f.write(b)

    def flush(self):
        self.f.flush()

    def digest(self):
        return "sha256:" + self.h.hexdigest()


class Layer:
    """A gzip-compressed tar layer on disk, with its digest (compressed) and
    diff_id (uncompressed)."""

    def __init__(self, workdir, entries, level=6):
        fd, self.path = tempfile.mkstemp(dir=workdir, suffix=".tar.gz")
        with os.fdopen(fd, "wb") as out:
            compressed = HashingWriter(out)
            # mtime=0 and no file name: the same bytes on every run.
            with gzip.GzipFile(fileobj=compressed, mode="wb", compresslevel=level,
                               mtime=0, filename="") as gz:
                plain = HashingWriter(gz)
                with tarfile.open(fileobj=plain, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    for e in entries:
                        tar.addfile(*self._member(e))
        self.digest = compressed.digest()
        self.size = compressed.size
        self.diff_id = plain.digest()

    @staticmethod
    def _member(e):
        ti = tarfile.TarInfo(e.name)
        ti.mtime, ti.mode, ti.uid, ti.gid, ti.uname, ti.gname = MTIME, e.mode, 0, 0, "root", "root"
        if e.kind == "dir":
            ti.type = tarfile.DIRTYPE
            return ti, None
        if e.kind == "symlink":
            ti.type, ti.linkname = tarfile.SYMTYPE, e.target
            return ti, None
        if e.reader is not None:
            ti.size = e.size
            return ti, e.reader
        ti.size = len(e.data)
        return ti, io.BytesIO(e.data)

    def descriptor(self, media_type):
        return {"mediaType": media_type, "size": self.size, "digest": self.digest}


class Blob:
    def __init__(self, data):
        self.data, self.digest, self.size = data, sha256_digest(data), len(data)

    def descriptor(self, media_type):
        return {"mediaType": media_type, "size": self.size, "digest": self.digest}


class Registry:
    """Just enough of the Registry HTTP API v2 client side to push."""

    def __init__(self, url, ca_file=None, creds=None, insecure=False):
        if "://" not in url:
            url = "http://" + url
        self.url = url.rstrip("/")
        self.host = urllib.parse.urlsplit(self.url).netloc
        ctx = None
        if self.url.startswith("https:"):
            ctx = ssl.create_default_context(cafile=ca_file)
            if insecure:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
        # No proxy ever: the registries these images go to are local.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPSHandler(context=ctx))
        self.auth = None
        if creds:
            self.auth = "Basic " + base64.b64encode(creds.encode()).decode()

    def request(self, method, url, data=None, headers=None, ok=(200, 201, 202, 204)):
        if url.startswith("/"):
            url = self.url + url
        h = dict(headers or {})
        if self.auth:
            h["Authorization"] = self.auth  # basic auth, sent up front
        req = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            resp = self.opener.open(req, timeout=300)
        except urllib.error.HTTPError as e:
            if e.code in ok:
                return e
            body = e.read()[:500].decode(errors="replace")
            raise RuntimeError("%s %s: HTTP %d: %s" % (method, url.split("?")[0], e.code, body))
        return resp

    def blob_exists(self, repo, digest):
        try:
            self.request("HEAD", "/v2/%s/blobs/%s" % (repo, digest), ok=(200,)).close()
            return True
        except RuntimeError as e:
            if "HTTP 404" in str(e):
                return False
            raise

    def push_blob(self, repo, blob):
        """blob: a Blob (bytes) or a Layer (file). Monolithic upload."""
        if self.blob_exists(repo, blob.digest):
            return
        resp = self.request("POST", "/v2/%s/blobs/uploads/" % repo, data=b"")
        location = resp.headers["Location"]
        resp.close()
        location = urllib.parse.urljoin(self.url + "/", location)
        sep = "&" if "?" in location else "?"
        put = location + sep + urllib.parse.urlencode({"digest": blob.digest})
        headers = {"Content-Type": "application/octet-stream",
                   "Content-Length": str(blob.size)}
        if isinstance(blob, Layer):
            with open(blob.path, "rb") as f:
                self.request("PUT", put, data=f, headers=headers).close()
        else:
            self.request("PUT", put, data=blob.data, headers=headers).close()

    def push_manifest(self, repo, tag, media_type, body):
        resp = self.request("PUT", "/v2/%s/manifests/%s" % (repo, tag), data=body,
                            headers={"Content-Type": media_type})
        digest = resp.headers.get("Docker-Content-Digest")
        resp.close()
        return digest or sha256_digest(body)


def busybox_entries():
    with open(BUSYBOX, "rb") as f:
        busybox = f.read()
    entries = [Entry("bin", "dir"), Entry("bin/busybox", data=busybox, mode=0o755)]
    entries += [Entry("bin/" + a, "symlink", target="busybox") for a in APPLETS]
    entries += [
        Entry("etc", "dir"),
        file_entry("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                                 "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
        file_entry("etc/group", "root:x:0:\nnogroup:x:65534:\n"),
        Entry("root", "dir", mode=0o700),
        Entry("tmp", "dir", mode=0o1777),
    ]
    return entries


def image_config(layers, arch=None, labels=None, cmd=("sh",), history=None):
    cfg = {"Env": [PATH_ENV], "Cmd": list(cmd)}
    if labels:
        cfg["Labels"] = labels
    return {
        "architecture": arch or go_arch(),
        "os": "linux",
        "created": CREATED,
        "config": cfg,
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
        "history": history or [{"created": CREATED, "created_by": "make-test-images.py"}
                               for _ in layers],
    }


class Pusher:
    def __init__(self, reg, workdir):
        self.reg, self.workdir, self.summary = reg, workdir, {}

    def image(self, name, tag, layers, config, oci=False, record=True):
        """Pushes blobs and the manifest of one image; returns its summary."""
        config_blob = Blob(canonical_json(config))
        for layer in layers:
            self.reg.push_blob(name, layer)
        self.reg.push_blob(name, config_blob)
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST if oci else DOCKER_MANIFEST,
            "config": config_blob.descriptor(OCI_CONFIG if oci else DOCKER_CONFIG),
            "layers": [layer.descriptor(OCI_LAYER if oci else DOCKER_LAYER) for layer in layers],
        }
        body = canonical_json(manifest)
        digest = self.reg.push_manifest(name, tag, manifest["mediaType"], body)
        info = {
            "name": "%s:%s" % (name, tag),
            "repository": name,
            "tag": tag,
            "media_type": manifest["mediaType"],
            "manifest_digest": digest,
            "manifest_size": len(body),
            "config_digest": config_blob.digest,
            "architecture": config["architecture"],
            "layers": [{"digest": layer.digest, "size": layer.size, "diff_id": layer.diff_id}
                       for layer in layers],
            "diff_ids": [layer.diff_id for layer in layers],
        }
        if record:
            self.summary[info["name"]] = info
        return info

    def manifest_list(self, name, tag, entries):
        """entries: [(image info, architecture, variant)]; a Docker list."""
        manifests = []
        for info, arch, variant in entries:
            platform_ = {"architecture": arch, "os": "linux"}
            if variant:
                platform_["variant"] = variant
            manifests.append({"mediaType": info["media_type"], "size": info["manifest_size"],
                              "digest": info["manifest_digest"], "platform": platform_})
        doc = {"schemaVersion": 2, "mediaType": DOCKER_LIST, "manifests": manifests}
        body = canonical_json(doc)
        digest = self.reg.push_manifest(name, tag, DOCKER_LIST, body)
        self.summary["%s:%s" % (name, tag)] = {
            "name": "%s:%s" % (name, tag), "repository": name, "tag": tag,
            "media_type": DOCKER_LIST, "manifest_digest": digest, "manifest_size": len(body),
            "manifests": [{"digest": m["digest"], "architecture": m["platform"]["architecture"]}
                          for m in manifests],
        }


def push_standard(p):
    base = Layer(p.workdir, busybox_entries())
    cfg = image_config([base])
    p.image("varpod-test/busybox", "latest", [base], cfg)
    p.image("varpod-test/docker", "latest", [base], cfg)
    p.image("varpod-test/oci", "latest", [base], cfg, oci=True)

    # Layer 1: busybox plus files; layer 2 deletes one with a whiteout;
    # layer 3 replaces a directory's contents with an opaque marker.
    l1 = Layer(p.workdir, busybox_entries() + [
        Entry("data", "dir"),
        file_entry("data/keep.txt", "kept from layer 1\n"),
        file_entry("data/remove-me.txt", "deleted by layer 2\n"),
        Entry("opaque", "dir"),
        file_entry("opaque/old1.txt", "hidden by layer 3\n"),
        file_entry("opaque/old2.txt", "hidden by layer 3\n"),
        Entry("opaque/olddir", "dir"),
        file_entry("opaque/olddir/deep.txt", "hidden by layer 3\n"),
    ])
    l2 = Layer(p.workdir, [
        Entry("data", "dir"),
        file_entry("data/.wh.remove-me.txt", b""),
        file_entry("data/layer2.txt", "added by layer 2\n"),
    ])
    l3 = Layer(p.workdir, [
        Entry("opaque", "dir"),
        file_entry("opaque/.wh..wh..opq", b""),
        file_entry("opaque/new.txt", "added by layer 3\n"),
    ])
    labels = {"org.varpod.test": "multilayer", "maintainer": "varpod"}
    p.image("varpod-test/multilayer", "latest", [l1, l2, l3],
            image_config([l1, l2, l3], labels=labels), oci=True)

    native = go_arch()
    entries = []
    for arch, variant in (("amd64", None), ("arm64", "v8")):
        # The non-native entry keeps the native layer: only its config
        # tells another architecture, which is all a pull decides on.
        info = p.image("varpod-test/multiarch", "%s-%s" % ("native" if arch == native else "other",
                                                           arch),
                       [base], image_config([base], arch=arch))
        entries.append((info, arch, variant))
    p.manifest_list("varpod-test/multiarch", "latest", entries)


def push_big(p, megabytes):
    total = megabytes * 1024 * 1024
    sizes = [total // 3, total // 3, total - 2 * (total // 3)]
    layers = []
    for i, size in enumerate(sizes):
        reader = RandomReader(1000 + i, size)
        # Level 1: random data does not compress anyway, and it is faster.
        layers.append(Layer(p.workdir, [Entry("big", "dir"),
                                        Entry("big/data%d.bin" % i, reader=reader, size=size)],
                            level=1))
    p.image("varpod-test/big", "latest", layers,
            image_config(layers, labels={"org.varpod.test": "big-%dMB" % megabytes}))


def corrupt_file(path, digest, mutate):
    """Rewrites a file in the registry's storage through mutate(bytes) ->
    bytes of the same length (the registry knows the size from a stat).
    Bytes that no longer match digest were done by an earlier run: left."""
    with open(path, "rb") as f:
        data = f.read()
    if sha256_digest(data) != digest:
        return
    new = mutate(data)
    assert len(new) == len(data) and new != data
    with open(path, "r+b") as f:
        f.write(new)


def push_corrupt(p, storage):
    """The registry verifies every upload, so bytes that do not match their
    digest cannot be pushed. Instead the image is pushed intact and its blob
    file is then changed in place in the registry's filesystem storage
    (docker/registry/v2/blobs/sha256/XX/HEX/data): the registry serves files
    as they are, so a client must notice the mismatch itself."""
    layer = Layer(p.workdir, [Entry("corrupt", "dir"),
                              file_entry("corrupt/payload.txt", "varpod corrupt test\n" * 64)])
    info = p.image("varpod-test/corrupt", "latest", [layer],
                   image_config([layer], labels={"org.varpod.test": "corrupt"}))

    def flip(data):
        b = bytearray(data)
        mid = len(b) // 2  # inside the deflate stream, past the gzip header
        for i in range(mid, min(mid + 8, len(b))):
            b[i] ^= 0xFF
        return bytes(b)

    corrupt_file(blob_path(storage, layer.digest), layer.digest, flip)
    info["corrupted_blob"] = layer.digest

    # A manifest whose stored bytes differ from its digest: same length,
    # still valid JSON (the registry parses what it serves), one size
    # digit changed.
    other = Layer(p.workdir, [Entry("corrupt", "dir"),
                              file_entry("corrupt/manifest.txt", "varpod corrupt manifest\n")])
    minfo = p.image("varpod-test/corrupt-manifest", "latest", [other],
                    image_config([other], labels={"org.varpod.test": "corrupt-manifest"}))

    def bump_size(data):
        doc = data.decode()
        key = '"size":%d' % other.size
        at = doc.index(key) + len(key) - 1
        digit = str((int(doc[at]) + 1) % 10)
        return (doc[:at] + digit + doc[at + 1:]).encode()

    digest = minfo["manifest_digest"]
    corrupt_file(blob_path(storage, digest), digest, bump_size)
    minfo["corrupted_manifest"] = minfo["manifest_digest"]


def blob_path(storage, digest):
    algo, hexa = digest.split(":", 1)
    path = os.path.join(storage, "docker", "registry", "v2", "blobs", algo, hexa[:2], hexa, "data")
    if not os.path.exists(path):
        sys.exit("make-test-images: %s is not in registry storage %s" % (digest, storage))
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("registry", help="registry URL (http://127.0.0.1:5000) or HOST:PORT (http)")
    ap.add_argument("--ca-file", help="CA certificate of an HTTPS registry")
    ap.add_argument("--insecure", action="store_true", help="do not verify TLS")
    ap.add_argument("--creds", help="USER:PASSWORD for basic auth")
    ap.add_argument("--big", type=int, metavar="MB", help="also push varpod-test/big:latest")
    ap.add_argument("--only-big", action="store_true", help="push only the big image")
    ap.add_argument("--corrupt", metavar="STORAGE",
                    help="also push the corrupt images, changing blobs in this registry "
                         "storage root directory")
    ap.add_argument("-o", "--output", help="write the JSON summary here instead of stdout")
    args = ap.parse_args()

    if not os.path.exists(BUSYBOX):
        sys.exit("make-test-images: %s missing (apt-get install busybox-static)" % BUSYBOX)
    reg = Registry(args.registry, ca_file=args.ca_file, creds=args.creds,
                   insecure=args.insecure)
    workdir = tempfile.mkdtemp(prefix="varpod-images-")
    try:
        p = Pusher(reg, workdir)
        if not args.only_big:
            push_standard(p)
        if args.big:
            push_big(p, args.big)
        if args.corrupt:
            push_corrupt(p, args.corrupt)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    out = json.dumps({"registry": reg.host, "images": p.summary}, indent=2, sort_keys=True)
    if args.output:
        with open(args.output, "w") as f:
            f.write(out + "\n")
    else:
        print(out)


if __name__ == "__main__":
    main()
