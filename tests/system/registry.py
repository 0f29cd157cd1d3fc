# SPDX-License-Identifier: Apache-2.0
"""A real Docker registry for tests: Debian's docker-registry (distribution
2.8) on 127.0.0.1, on a free port, with its storage in a temp dir. Optional
TLS (a throwaway CA and server certificate made with the openssl CLI) and
htpasswd basic auth (bcrypt entries from apache2-utils' htpasswd).

    r = Registry.start(tls=True, htpasswd={"varpod": "secret"})
    r.host      # "127.0.0.1:41234"
    r.cert_dir  # dir with ca.crt, as podman's --cert-dir reads it
    r.stop()

Only 127.0.0.1 is ever contacted."""
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

REGISTRY_BINARY = os.environ.get("VARPOD_REGISTRY_BINARY", "/usr/bin/docker-registry")
HTPASSWD_BINARY = shutil.which("htpasswd") or "/usr/bin/htpasswd"
OPENSSL_BINARY = shutil.which("openssl") or "/usr/bin/openssl"


def missing_tools(tls=False, htpasswd=False):
    """What is not installed for such a registry, as a reason to skip, or None."""
    missing = []
    if not os.access(REGISTRY_BINARY, os.X_OK):
        missing.append("docker-registry (apt-get install docker-registry)")
    if tls and not os.access(OPENSSL_BINARY, os.X_OK):
        missing.append("openssl (apt-get install openssl)")
    if htpasswd and not os.access(HTPASSWD_BINARY, os.X_OK):
        missing.append("htpasswd (apt-get install apache2-utils)")
    return ", ".join(missing) or None


def free_port():
    # The port may be taken again between close and the registry's bind;
    # start() retries on a new port when the registry dies early.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60, **kw)


def make_ca_and_server_cert(directory):
    """A CA and a server certificate for 127.0.0.1 and localhost (EC P-256,
    valid two days). Returns (ca.crt, server.crt, server.key) paths."""
    ca_key = os.path.join(directory, "ca.key")
    ca_crt = os.path.join(directory, "ca.crt")
    key = os.path.join(directory, "server.key")
    csr = os.path.join(directory, "server.csr")
    crt = os.path.join(directory, "server.crt")
    ext = os.path.join(directory, "server.ext")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _run([OPENSSL_BINARY, "req", "-x509", *ec, "-keyout", ca_key, "-out", ca_crt, "-days", "2",
          "-subj", "/CN=varpod test CA",
          "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    _run([OPENSSL_BINARY, "req", "-new", *ec, "-keyout", key, "-out", csr,
          "-subj", "/CN=localhost"])
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n")
    _run([OPENSSL_BINARY, "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
          "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext])
    return ca_crt, crt, key


def make_client_cert(directory, ca_crt):
    """A client certificate signed by the CA next to ca_crt (its key is
    ca.key there), for registries that require one. Returns (cert, key)."""
    ca_key = os.path.join(os.path.dirname(ca_crt), "ca.key")
    key = os.path.join(directory, "client.key")
    csr = os.path.join(directory, "client.csr")
    crt = os.path.join(directory, "client.cert")
    ext = os.path.join(directory, "client.ext")
    _run([OPENSSL_BINARY, "req", "-new", "-newkey", "ec", "-pkeyopt",
          "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", csr,
          "-subj", "/CN=varpod test client"])
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=clientAuth\n")
    _run([OPENSSL_BINARY, "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
          "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext])
    os.unlink(csr)
    os.unlink(ext)
    return crt, key


class Registry:
    """A running docker-registry. Use Registry.start(); stop() when done."""

    def __init__(self, tls=False, htpasswd=None, catalog_max_entries=None, root=None,
                 client_certs=False):
        self.tls = tls
        self.client_certs = client_certs
        if isinstance(htpasswd, tuple):
            htpasswd = {htpasswd[0]: htpasswd[1]}
        self.users = dict(htpasswd or {})
        self.catalog_max_entries = catalog_max_entries
        self.dir = root or tempfile.mkdtemp(prefix="varpod-registry-")
        self.storage = os.path.join(self.dir, "storage")
        self.config = os.path.join(self.dir, "config.yml")
        self.log = os.path.join(self.dir, "registry.log")
        self.port = None
        self.proc = None
        self.ca_file = None
        self.client_cert = self.client_key = None
        self.cert_dir = None
        self.certs_d = None
        os.makedirs(self.storage, exist_ok=True)

    @classmethod
    def start(cls, tls=False, htpasswd=None, catalog_max_entries=None, root=None,
              client_certs=False):
        """Starts a registry and waits until GET /v2/ answers. htpasswd is a
        {user: password} dict (or one (user, password) pair). client_certs
        (with tls): the registry requires a client certificate signed by its
        CA; one is in cert_dir as client.cert + client.key, podman's layout."""
        r = cls(tls=tls, htpasswd=htpasswd, catalog_max_entries=catalog_max_entries, root=root,
                client_certs=client_certs)
        try:
            r._start()
        except BaseException:
            r.stop()
            raise
        return r

    @property
    def host(self):
        return "127.0.0.1:%d" % self.port

    @property
    def url(self):
        return "%s://%s" % ("https" if self.tls else "http", self.host)

    @property
    def creds(self):
        """"user:password" of the first user, or None without auth."""
        for user, password in self.users.items():
            return "%s:%s" % (user, password)
        return None

    def blob_path(self, digest):
        """Where the filesystem driver keeps a blob's bytes."""
        algo, hexa = digest.split(":", 1)
        return os.path.join(self.storage, "docker", "registry", "v2", "blobs", algo, hexa[:2],
                            hexa, "data")

    def ssl_context(self):
        if not self.tls:
            return None
        ctx = ssl.create_default_context(cafile=self.ca_file)
        if self.client_certs:
            ctx.load_cert_chain(self.client_cert, self.client_key)
        return ctx

    def _write_config(self, cert=None, key=None, htpasswd_file=None):
        lines = [
            "version: 0.1",
            "log:",
            "  level: warn",
            "  accesslog:",
            "    disabled: true",
            "storage:",
            "  filesystem:",
            "    rootdirectory: %s" % self.storage,
            "  delete:",
            "    enabled: true",
            "  maintenance:",
            "    uploadpurging:",
            "      enabled: false",
            "http:",
            "  addr: 127.0.0.1:%d" % self.port,
            "  secret: %s" % secrets.token_hex(16),
        ]
        if cert:
            lines += ["  tls:", "    certificate: %s" % cert, "    key: %s" % key]
            if self.client_certs:
                lines += ["    clientcas:", "      - %s" % self.ca_file]
        if htpasswd_file:
            lines += ["auth:", "  htpasswd:", "    realm: varpod-test",
                      "    path: %s" % htpasswd_file]
        if self.catalog_max_entries:
            lines += ["catalog:", "  maxentries: %d" % self.catalog_max_entries]
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")

    def _start(self):
        reason = missing_tools(self.tls, bool(self.users))
        if reason:
            raise RuntimeError("cannot start a registry: missing %s" % reason)
        cert = key = htpasswd_file = None
        if self.tls:
            tls_dir = os.path.join(self.dir, "tls")
            os.makedirs(tls_dir)
            self.ca_file, cert, key = make_ca_and_server_cert(tls_dir)
            if self.client_certs:
                self.client_cert, self.client_key = make_client_cert(tls_dir, self.ca_file)
        if self.users:
            htpasswd_file = os.path.join(self.dir, "htpasswd")
            with open(htpasswd_file, "w") as f:
                for user, password in self.users.items():
                    # docker-registry reads bcrypt entries only.
                    f.write(_run([HTPASSWD_BINARY, "-Bbn", user, password]).stdout.strip() + "\n")

        for _ in range(5):
            self.port = free_port()
            self._write_config(cert, key, htpasswd_file)
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen([REGISTRY_BINARY, "serve", self.config],
                                             stdin=subprocess.DEVNULL, stdout=log, stderr=log)
            if self._wait_ready():
                break
            self.proc = None  # died (port taken?): try another port
        else:
            raise RuntimeError("docker-registry did not start: %s" % self.log_tail())

        if self.tls:
            # podman's layouts: --cert-dir DIR, and certs.d/HOST:PORT/.
            self.certs_d = os.path.join(self.dir, "certs.d")
            self.cert_dir = os.path.join(self.certs_d, self.host)
            os.makedirs(self.cert_dir)
            shutil.copy(self.ca_file, os.path.join(self.cert_dir, "ca.crt"))
            if self.client_certs:
                shutil.copy(self.client_cert, os.path.join(self.cert_dir, "client.cert"))
                shutil.copy(self.client_key, os.path.join(self.cert_dir, "client.key"))

    def _wait_ready(self, timeout=30.0):
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),  # never a proxy: the registry is local
            urllib.request.HTTPSHandler(context=self.ssl_context()))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                opener.open(self.url + "/v2/", timeout=2).close()
                return True
            except urllib.error.HTTPError as e:
                if e.code == 401:
                    return True  # it answers; auth is the caller's business
            except (OSError, ssl.SSLError):
                pass
            time.sleep(0.05)
        raise TimeoutError("docker-registry did not answer on %s: %s" % (self.url,
                                                                          self.log_tail()))

    def log_tail(self, n=2000):
        try:
            with open(self.log, "rb") as f:
                return f.read()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class BearerProxy:
    """A token-auth front for a plain Registry, on 127.0.0.1, to test what
    docker-registry's htpasswd mode cannot: the bearer flow of Docker Hub
    and most public registries, redirects to blob storage, and transfers
    that break. Stdlib only.

    - GET /token?service=&scope=... issues tokens (the realm of the
      challenge): users get what they ask for, anonymous callers pull only;
      a wrong password is 401.
    - /v2/... wants "Authorization: Bearer TOKEN" with the right scope, else
      401 with a Bearer challenge; then forwards to the registry (keeping the
      Host header, so upload Locations point back here).
    - Faults, each once per entry: drop_blobs (digests: send half the body,
      then close), redirect_blobs (digests: 307 to a second server on
      another port that serves the bytes and records any Authorization it
      sees), flaky_paths (paths: answer 503).
    stats counts what happened."""

    def __init__(self, upstream, users):
        import http.server
        import threading
        self.upstream = upstream
        self.users = dict(users)
        self.tokens = {}
        self.lock = threading.Lock()
        self.drop_blobs, self.redirect_blobs, self.flaky_paths = set(), set(), set()
        self.stats = {"tokens": 0, "token_denied": 0, "challenges": 0, "dropped": 0,
                      "ranges": 0, "redirected": 0, "storage_gets": 0, "auth_leaks": 0,
                      "flaky": 0}
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy._handle(self)

            do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

        class StorageHandler(Handler):
            def do_GET(self):
                proxy._storage(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.storage = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StorageHandler)
        for s in (self.server, self.storage):
            s.daemon_threads = True
            threading.Thread(target=s.serve_forever, daemon=True).start()

    @property
    def host(self):
        return "127.0.0.1:%d" % self.server.server_address[1]

    def stop(self):
        for s in (self.server, self.storage):
            s.shutdown()
            s.server_close()

    def _count(self, key):
        with self.lock:
            self.stats[key] += 1

    @staticmethod
    def _reply(h, status, body=b"", headers=None):
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)

    @staticmethod
    def _read_body(h):
        n = int(h.headers.get("Content-Length") or 0)
        return h.rfile.read(n) if n else b""

    def _token(self, h, query):
        import base64 as b64
        import json
        user = None
        auth = h.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            u, _, p = b64.b64decode(auth[6:]).decode().partition(":")
            if self.users.get(u) != p:
                self._count("token_denied")
                return self._reply(h, 401, b'{"details":"incorrect username or password"}',
                                   {"Content-Type": "application/json"})
            user = u
        granted = set()
        for scope in query.get("scope", []):
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            for action in actions.split(","):
                if user or action == "pull":
                    granted.add((kind, name, action))
        token = secrets.token_hex(12)
        with self.lock:
            self.tokens[token] = granted
            self.stats["tokens"] += 1
        self._reply(h, 200, json.dumps({"token": token, "expires_in": 300}).encode(),
                    {"Content-Type": "application/json"})

    def _needed(self, h, path, query):
        """The (type, name, action) items a request needs."""
        if path == "/v2/" or path.startswith("/v1/"):
            return set()
        if path.startswith("/v2/_catalog"):
            return {("registry", "catalog", "*")}
        rest = path[len("/v2/"):]
        for marker in ("/manifests/", "/blobs/", "/tags/"):
            if marker in rest:
                name = rest[:rest.index(marker)]
                break
        else:
            return {("repository", "?", "?")}
        action = "pull" if h.command in ("GET", "HEAD") else "push"
        need = {("repository", name, "pull")}
        if action == "push":
            need.add(("repository", name, "push"))
        if "from" in query:
            need.add(("repository", query["from"][0], "pull"))
        return need

    def _handle(self, h):
        import urllib.parse as up
        url = up.urlsplit(h.path)
        query = up.parse_qs(url.query)
        if url.path == "/token":
            return self._token(h, query)
        body = self._read_body(h)
        need = self._needed(h, url.path, query)
        auth = h.headers.get("Authorization", "")
        with self.lock:
            have = self.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if have is None or not need <= have:
            self._count("challenges")
            scope = " ".join("%s:%s:%s" % n for n in sorted(need))
            challenge = 'Bearer realm="http://%s/token",service="varpod-test"' % self.host
            if scope:
                challenge += ',scope="%s"' % scope
            return self._reply(h, 401, b'{"errors":[{"code":"UNAUTHORIZED","message":'
                                       b'"authentication required"}]}',
                               {"WWW-Authenticate": challenge,
                                "Content-Type": "application/json"})
        with self.lock:
            flaky = url.path in self.flaky_paths
            self.flaky_paths.discard(url.path)
        if flaky:
            self._count("flaky")
            return self._reply(h, 503, b"try again\n")
        digest = url.path.rsplit("/", 1)[-1] if "/blobs/sha256:" in url.path else None
        if digest and h.command == "GET":
            with self.lock:
                redirect = digest in self.redirect_blobs
                self.redirect_blobs.discard(digest)
                drop = digest in self.drop_blobs
                self.drop_blobs.discard(digest)
            if redirect:
                self._count("redirected")
                loc = "http://127.0.0.1:%d%s" % (self.storage.server_address[1], url.path)
                return self._reply(h, 307, b"", {"Location": loc})
        else:
            drop = False
        if h.headers.get("Range"):
            self._count("ranges")
        self._forward(h, body, drop)

    def _forward(self, h, body, drop=False):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream.port, timeout=60)
        headers = {k: v for k, v in h.headers.items()
                   if k.lower() not in ("authorization", "connection", "keep-alive")}
        conn.request(h.command, h.path, body=body if body or h.command in ("POST", "PUT")
                     else None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        h.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                h.send_header(k, v)
        h.send_header("Content-Length", resp.getheader("Content-Length") or str(len(data)))
        h.end_headers()
        if h.command == "HEAD":
            return
        if drop and len(data) > 1:
            # Half the promised bytes, then the connection goes away: the
            # client must resume where it stopped.
            self._count("dropped")
            h.wfile.write(data[:len(data) // 2])
            h.wfile.flush()
            h.close_connection = True
            return
        h.wfile.write(data)

    def _storage(self, h):
        self._count("storage_gets")
        if h.headers.get("Authorization"):
            self._count("auth_leaks")
        self._forward(h, b"")
