# SPDX-License-Identifier: Apache-2.0
"""Session-wide local registries for pull/push tests (see registry.py).
Load with `pytest_plugins = ["registry_fixtures"]` in conftest.py."""
import pytest

from registry import Registry, missing_tools

TLS_USER = "varpod"
TLS_PASSWORD = "secret"
# Small catalog pages, so every client that lists the catalog meets the
# Link pagination real registries use.
CATALOG_PAGE = 5


@pytest.fixture(scope="session")
def registry():
    """Plain HTTP, no auth: clients must treat it as insecure."""
    reason = missing_tools()
    if reason:
        pytest.skip("no local registry: missing %s" % reason)
    r = Registry.start(catalog_max_entries=CATALOG_PAGE)
    yield r
    r.stop()


@pytest.fixture(scope="session")
def tls_registry():
    """HTTPS with a throwaway CA (r.cert_dir holds ca.crt) and basic auth
    for varpod/secret (r.creds)."""
    reason = missing_tools(tls=True, htpasswd=True)
    if reason:
        pytest.skip("no local TLS registry: missing %s" % reason)
    r = Registry.start(tls=True, htpasswd={TLS_USER: TLS_PASSWORD},
                       catalog_max_entries=CATALOG_PAGE)
    yield r
    r.stop()
