#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages varpod needs to build, run and test, when
# any is missing. Idempotent and quiet when everything is present.
set -eu

PACKAGES="
  gcc make meson ninja-build pkg-config python3 python3-pytest
  libjansson-dev libcmocka-dev libssl-dev libarchive-dev libcurl4-openssl-dev
  libsqlite3-dev libzstd-dev libisal-dev zlib1g-dev
  clang libclang-rt-14-dev clang-format
  docker-registry apache2-utils openssl busybox-static curl
  runc crun conmon catatonit containernetworking-plugins iptables iproute2
  util-linux zstd skopeo podman criu
"

missing=""
for p in $PACKAGES; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
                missing="$missing $p"
        fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
        echo "install-deps: missing packages:$missing (run as root to install them)" >&2
        exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
