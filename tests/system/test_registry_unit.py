# SPDX-License-Identifier: Apache-2.0
"""Runs the registry client's C tests (tests/unit/test-registry.c) against
real local registries: a plain one and a TLS one with basic auth, both
holding the images of tests/tools/make-test-images.py."""
import json
import os
import subprocess
import sys

import pytest

import conftest
from conftest import BUILD_DIR, ROOT
from registry import BearerProxy, Registry

if "registry_fixtures" not in getattr(conftest, "pytest_plugins", ()):
    from registry_fixtures import registry, tls_registry  # noqa: F401

MAKE_IMAGES = os.path.join(ROOT, "tests", "tools", "make-test-images.py")
UNIT_BINARY = os.path.join(BUILD_DIR, "tests", "test-registry")


def push_images(reg, tmp_path, extra=()):
    args = [sys.executable, MAKE_IMAGES, reg.url, "-o", str(tmp_path), *extra]
    if reg.tls:
        args += ["--ca-file", reg.ca_file]
    if reg.creds:
        args += ["--creds", reg.creds]
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    with open(tmp_path) as f:
        return json.load(f)


def test_registry_client(registry, tls_registry, tmp_path):
    if not os.path.exists(UNIT_BINARY):
        pytest.fail("%s not built (ninja -C %s)" % (UNIT_BINARY, BUILD_DIR))
    summary = tmp_path / "images.json"
    # The corrupt images are pushed intact and then damaged in the plain
    # registry's storage (see make-test-images.py).
    plain = push_images(registry, summary, ["--corrupt", registry.storage])
    push_images(tls_registry, tmp_path / "tls-images.json")
    assert "varpod-test/corrupt:latest" in plain["images"]

    # Token auth, a redirect to "storage", a dropped transfer and a 503,
    # through a proxy in front of the plain registry.
    proxy = BearerProxy(registry, {"bearer": "token-secret"})
    busybox = plain["images"]["varpod-test/busybox:latest"]
    proxy.drop_blobs.add(busybox["layers"][0]["digest"])
    proxy.redirect_blobs.add(busybox["config_digest"])
    proxy.flaky_paths.add("/v2/varpod-test/oci/manifests/latest")

    # A registry that wants a client certificate (cert dir *.cert + *.key).
    mtls = Registry.start(tls=True, client_certs=True)

    env = dict(os.environ,
               VARPOD_TEST_REGISTRY=registry.host,
               VARPOD_TEST_IMAGES=str(summary),
               VARPOD_TEST_TLS_REGISTRY=tls_registry.host,
               VARPOD_TEST_CERT_DIR=tls_registry.cert_dir,
               VARPOD_TEST_CREDS=tls_registry.creds,
               VARPOD_TEST_MTLS_REGISTRY=mtls.host,
               VARPOD_TEST_MTLS_CERT_DIR=mtls.cert_dir,
               VARPOD_TEST_BEARER_REGISTRY=proxy.host,
               VARPOD_TEST_BEARER_CREDS="bearer:token-secret",
               # Never through a proxy: everything is on 127.0.0.1.
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                "all_proxy"):
        env.pop(var, None)
    try:
        p = subprocess.run([UNIT_BINARY], env=env, capture_output=True, text=True, timeout=300)
    finally:
        proxy.stop()
        mtls.stop()
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    assert "SKIPPED" not in out, out
    assert "PASSED" in out, out

    stats = proxy.stats
    assert stats["dropped"] == 1 and stats["ranges"] >= 1, stats
    assert stats["redirected"] == 1 and stats["storage_gets"] == 1, stats
    assert stats["auth_leaks"] == 0, stats
    assert stats["flaky"] == 1, stats
    assert stats["token_denied"] == 1, stats
    # Tokens are cached per scope, not fetched per request.
    assert stats["tokens"] <= 12, stats
