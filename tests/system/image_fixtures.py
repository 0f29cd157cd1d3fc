# SPDX-License-Identifier: Apache-2.0
"""Fixtures and helpers of the image tests (test_images.py, the io.podman
image methods, and test_images_cli.py, the varpod image commands), loaded
from conftest.py through pytest_plugins.

- test_images / tls_images / big_image (session): the images of
  tests/tools/make-test-images.py, pushed once per session to the plain
  registry (with the corrupt ones) and, with credentials, to the TLS one;
  the big image only for the tests that need it.
- image_env: the environment every varpod process of a test gets: its own
  registries.conf listing the plain registry as unqualified-search and
  insecure, and never a proxy (everything is on 127.0.0.1).
- svc: `varpod varlink` on a socket in the test's temp dir, with that env.
- cli: the varpod command line in the three ways it is used: in-process
  (--root/--runroot in the temp dir), and --remote through a service found
  by --url or by $PODMAN_VARLINK_ADDRESS.
- CountingProxy: a plain-HTTP front for the registry that counts requests
  by path and can slow chosen blobs down.

Only 127.0.0.1 is ever contacted."""
import base64
import hashlib
import http.client
import http.server
import io
import json
import os
import socket
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import BINARY, ROOT, Service
from varlink_client import Connection

MAKE_IMAGES = os.path.join(ROOT, "tests", "tools", "make-test-images.py")
PROXY_VARS = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy",
              "ftp_proxy", "FTP_PROXY")

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST_ACCEPT = ", ".join([OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX, DOCKER_LIST])


def clean_env(extra=None):
    """os.environ without proxies (libcurl and urllib honour them), plus
    extra."""
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra or {})
    return env


def sanitizer_report(text):
    """The part of a process's stderr that a sanitizer wrote, or None."""
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
        if marker in (text or ""):
            return text
    return None


# ---------------------------------------------------------------------------
# Test images in the registries.


class Pushed:
    """What make-test-images.py pushed to one registry: info(name) is its
    summary entry ("varpod-test/busybox" means ":latest"), ref(name) the
    fully qualified reference."""

    def __init__(self, registry, summary):
        self.registry = registry
        self.host = registry.host
        self.images = summary["images"]

    def info(self, name):
        return self.images[name if ":" in name else name + ":latest"]

    def ref(self, name):
        return "%s/%s" % (self.host, name)

    def config_id(self, name):
        return self.info(name)["config_digest"][len("sha256:"):]


def push_test_images(reg, out, extra=()):
    args = [sys.executable, MAKE_IMAGES, reg.url, "-o", str(out), *extra]
    if reg.tls:
        args += ["--ca-file", reg.ca_file]
    if reg.creds:
        args += ["--creds", reg.creds]
    p = subprocess.run(args, capture_output=True, text=True, timeout=300, env=clean_env())
    assert p.returncode == 0, "make-test-images.py failed: %s" % p.stderr
    with open(out) as f:
        return json.load(f)


def _need_busybox():
    if not os.path.exists("/bin/busybox"):
        pytest.skip("/bin/busybox missing (apt-get install busybox-static): no test images")


@pytest.fixture(scope="session")
def test_images(registry, tmp_path_factory):
    """The standard test images and the corrupt ones (damaged in the
    registry's storage after the push), in the plain registry."""
    _need_busybox()
    out = tmp_path_factory.mktemp("images") / "plain.json"
    return Pushed(registry, push_test_images(registry, out, ["--corrupt", registry.storage]))


@pytest.fixture(scope="session")
def tls_images(tls_registry, tmp_path_factory):
    """The standard test images in the TLS registry (basic auth)."""
    _need_busybox()
    out = tmp_path_factory.mktemp("images") / "tls.json"
    return Pushed(tls_registry, push_test_images(tls_registry, out))


BIG_MB = 60


@pytest.fixture(scope="session")
def big_image(registry, tmp_path_factory):
    """varpod-test/big: about 60 MB in 3 layers, in the plain registry."""
    _need_busybox()
    out = tmp_path_factory.mktemp("images") / "big.json"
    return Pushed(registry, push_test_images(registry, out, ["--big", str(BIG_MB), "--only-big"]))


def registry_get(reg, path, accept=None, creds=None, head=False):
    """(status, headers, body) of GET (or HEAD) path on a Registry object or
    a "HOST:PORT" of a plain one, straight with urllib."""
    if isinstance(reg, str):
        url, ctx = "http://%s%s" % (reg, path), None
    else:
        url, ctx = reg.url + path, reg.ssl_context()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=ctx))
    headers = {}
    if accept:
        headers["Accept"] = accept
    if creds:
        headers["Authorization"] = "Basic " + base64.b64encode(creds.encode()).decode()
    req = urllib.request.Request(url, headers=headers, method="HEAD" if head else "GET")
    try:
        with opener.open(req, timeout=60) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def registry_manifest(reg, repo, ref, creds=None):
    """The manifest document a registry serves for repo:ref (or @digest),
    with its Content-Type."""
    status, headers, body = registry_get(reg, "/v2/%s/manifests/%s" % (repo, ref),
                                         accept=MANIFEST_ACCEPT, creds=creds)
    assert status == 200, (status, body[:300])
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    return json.loads(body), headers.get("Content-Type"), digest


# ---------------------------------------------------------------------------
# Files.


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


BUSYBOX_APPLETS = ["sh", "echo", "true", "cat", "ls"]


def make_rootfs_tarball(path, compress=False, extra_file=None):
    """A root filesystem tarball from the host's busybox-static, made here:
    bin/busybox, a few applet links, etc/passwd (and extra_file)."""
    with open("/bin/busybox", "rb") as f:
        busybox = f.read()

    def add(tar, name, kind="file", data=b"", mode=0o644, target=None):
        ti = tarfile.TarInfo(name)
        ti.mtime, ti.uid, ti.gid, ti.mode = 1577836800, 0, 0, mode
        if kind == "dir":
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(ti)
        elif kind == "symlink":
            ti.type, ti.linkname = tarfile.SYMTYPE, target
            tar.addfile(ti)
        else:
            ti.size = len(data)
            tar.addfile(ti, io.BytesIO(data))

    with tarfile.open(path, "w:gz" if compress else "w", format=tarfile.PAX_FORMAT) as tar:
        add(tar, "bin", "dir")
        add(tar, "bin/busybox", data=busybox, mode=0o755)
        for applet in BUSYBOX_APPLETS:
            add(tar, "bin/" + applet, "symlink", target="busybox")
        add(tar, "etc", "dir")
        add(tar, "etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\n")
        if extra_file:
            add(tar, extra_file[0], data=extra_file[1])
    return path


# ---------------------------------------------------------------------------
# Per-test environment, service and CLI.


@pytest.fixture
def dead_host():
    """"127.0.0.1:PORT" where nothing answers: a socket is bound to the port
    (no listen, so connections are refused) for the whole test, so that no
    other process can take it meanwhile."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    yield "127.0.0.1:%d" % s.getsockname()[1]
    s.close()


def write_registries_conf(path, search, insecure=()):
    lines = ["unqualified-search-registries = [%s]" % ", ".join('"%s"' % s for s in search)]
    for host in insecure:
        lines += ["", "[[registry]]", 'location = "%s"' % host, "insecure = true"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


@pytest.fixture
def image_env(tmpdir_short, test_images):
    """REGISTRIES_CONFIG_PATH -> this test's registries.conf: the plain
    registry, searched for short names and reached over plain HTTP."""
    conf = write_registries_conf(os.path.join(tmpdir_short, "registries.conf"),
                                 [test_images.host], [test_images.host])
    return clean_env({"REGISTRIES_CONFIG_PATH": conf})


def stop_checked(s):
    """Stops a Service; it must exit 0 without a sanitizer report."""
    code, err = s.stop()
    assert code == 0, err
    assert not sanitizer_report(err), err


@pytest.fixture
def svc(tmpdir_short, image_env):
    """A service on ROOT = TMP/root with this test's registries.conf."""
    s = Service(tmpdir_short, env=image_env)
    s.root = os.path.join(tmpdir_short, "root")
    s.env = image_env
    yield s
    stop_checked(s)


def vcall(svc_or_address, method, params=None, timeout=120):
    """One io.podman call on a new connection; the reply as sent."""
    address = getattr(svc_or_address, "address", svc_or_address)
    with Connection(address, timeout=timeout) as c:
        return c.call("io.podman." + method, params)


def ok(reply):
    """The parameters of a successful reply."""
    assert "error" not in reply, reply
    assert set(reply) == {"parameters"}, reply
    return reply["parameters"]


def store_state(root):
    """Names of the entries of ROOT/layers, ROOT/blobs/sha256 and ROOT/tmp."""
    def ls(*p):
        d = os.path.join(root, *p)
        return set(os.listdir(d)) if os.path.isdir(d) else set()
    return {"layers": ls("layers"), "blobs": ls("blobs", "sha256"), "tmp": ls("tmp")}


class Cli:
    """Runs varpod image commands one way: "local" (in-process engine on
    TMP/root), "remote-url" (--remote --url ADDRESS) or "remote-env"
    (--remote with $PODMAN_VARLINK_ADDRESS), the latter two through a
    service on TMP/root."""

    def __init__(self, mode, tmp, env, service=None):
        self.mode, self.tmp, self.env, self.service = mode, tmp, env, service
        self.root = os.path.join(tmp, "root")
        self.remote = mode != "local"

    def argv(self, args):
        if self.mode == "local":
            return [BINARY, "--root", self.root, "--runroot", os.path.join(self.tmp, "run"),
                    *args]
        if self.mode == "remote-url":
            return [BINARY, "--remote", "--url", self.service.address, *args]
        return [BINARY, "--remote", *args]

    def __call__(self, *args, timeout=120, cwd=None):
        env = dict(self.env)
        if self.mode == "remote-env":
            env["PODMAN_VARLINK_ADDRESS"] = self.service.address
        # stdin and stderr are no terminal: progress comes as plain lines.
        p = subprocess.run(self.argv(args), capture_output=True, text=True, env=env,
                           stdin=subprocess.DEVNULL, timeout=timeout, cwd=cwd)
        assert not sanitizer_report(p.stderr), p.stderr
        return p

    def ok(self, *args, **kw):
        p = self(*args, **kw)
        assert p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
        return p

    def fails(self, *args, code=125, **kw):
        """Runs a command that must fail podman's way: exit code, and an
        "Error: ..." line on stderr."""
        p = self(*args, **kw)
        assert p.returncode == code, (args, p.returncode, p.stdout, p.stderr)
        assert p.stderr.startswith("Error: ") or "\nError: " in p.stderr, p.stderr
        return p


@pytest.fixture(params=["local", "remote-url", "remote-env"])
def cli(request, tmpdir_short, image_env):
    s = None
    if request.param != "local":
        s = Service(tmpdir_short, env=image_env)
    yield Cli(request.param, tmpdir_short, image_env, s)
    if s:
        stop_checked(s)


@pytest.fixture
def local_cli(tmpdir_short, image_env):
    return Cli("local", tmpdir_short, image_env)


# ---------------------------------------------------------------------------
# A counting, throttling front for the plain registry.


class CountingProxy:
    """Forwards every request to a plain registry (streaming the answers)
    on 127.0.0.1, counting them by (method, path) in .counts. Blob GETs
    whose digest is in .slow trickle out (64 KiB per .slow_delay seconds)
    until the digest leaves the set; .delay is added before every blob
    GET (to make concurrent clients overlap)."""

    CHUNK = 64 * 1024

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.counts = {}
        self.sent = {}
        self.slow = set()
        self.slow_delay = 0.05
        self.delay = 0.0
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy._handle(self)

            do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def host(self):
        return "127.0.0.1:%d" % self.server.server_address[1]

    def stop(self):
        self.slow.clear()
        self.server.shutdown()
        self.server.server_close()

    def blob_gets(self, repo, digest):
        return self.counts.get(("GET", "/v2/%s/blobs/%s" % (repo, digest)), 0)

    def _handle(self, h):
        path = h.path.split("?", 1)[0]
        with self.lock:
            self.counts[(h.command, path)] = self.counts.get((h.command, path), 0) + 1
        n = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(n) if n else None
        digest = path.rsplit("/", 1)[-1] if "/blobs/sha256:" in path else None
        if digest and h.command == "GET" and self.delay:
            time.sleep(self.delay)
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        headers = {k: v for k, v in h.headers.items()
                   if k.lower() not in ("connection", "keep-alive", "host")}
        headers["Host"] = "127.0.0.1:%d" % self.upstream_port
        try:
            conn.request(h.command, h.path, body=body, headers=headers)
            resp = conn.getresponse()
            h.send_response(resp.status)
            length = resp.getheader("Content-Length")
            for k, v in resp.getheaders():
                if k.lower() not in ("connection", "transfer-encoding", "keep-alive"):
                    h.send_header(k, v)
            if length is None:
                h.send_header("Connection", "close")
                h.close_connection = True
            h.end_headers()
            if h.command == "HEAD":
                return
            while True:
                chunk = resp.read(self.CHUNK)
                if not chunk:
                    break
                h.wfile.write(chunk)
                h.wfile.flush()
                with self.lock:
                    self.sent[path] = self.sent.get(path, 0) + len(chunk)
                if digest in self.slow:
                    time.sleep(self.slow_delay)
        except OSError:
            # The client went away (killed mid-pull): so does this request.
            h.close_connection = True
        finally:
            conn.close()
