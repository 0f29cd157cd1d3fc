#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Makes sure localhost/busybox:latest exists, so a fresh `make run` has an
# image to run without any registry: a root filesystem of Debian's
# busybox-static (one static binary and a link per applet), imported
# through varpod's own import path.
# usage: seed-busybox.sh VARPOD [GLOBAL FLAGS...]
set -eu
varpod=$1
shift
if "$varpod" "$@" image exists localhost/busybox:latest; then
        exit 0
fi
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "seed-busybox: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
root=$dir/rootfs
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/proc" "$root/sys" "$root/dev"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
        >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$dir/rootfs.tar" .
"$varpod" "$@" import -c 'CMD=["sh"]' -c 'ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -m "busybox-static from Debian" "$dir/rootfs.tar" localhost/busybox:latest >/dev/null
echo "seed-busybox: imported localhost/busybox:latest" >&2
