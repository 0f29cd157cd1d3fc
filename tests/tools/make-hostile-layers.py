#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes hostile and tricky layer tarballs, and manifest.json describing
what extracting each must do, into OUTDIR.

    make-hostile-layers.py OUTDIR [--outside DIR]

DIR (default OUTDIR/../outside) is a directory the layers aim at from the
destination: it is created with a file `passwd`, and nothing may change it.
The tests extract every layer into DIR/../dest, a sibling of DIR, so the
relative symlink "../outside" in a layer really reaches it; keep that two
levels inside a private temp dir, so the "../../" escapes of a broken
extractor land there too (and not in /etc).

manifest.json maps a file name to:
  ok             bool: extraction must succeed (true) or fail (false)
  error_contains text the error message must contain (when ok is false)
  options        LayerExtractOptions: whiteouts ("overlay"|"apply"),
                 allow_devices, preserve_owners, size_max, entries_max
  lower          a file of this manifest to extract first (APPLY tests)
  compression    "none" | "gzip" | "zstd"
  diff_id        sha256 of the uncompressed tar
  compressed_digest  sha256 of the file
  entries        number of tar entries (ok cases)
  checks         list of {path, type?, content?, mode?, target?, rdev?,
                 same_inode?, uid?, gid?, mtime?, xattr?, no_xattr?,
                 children?}; path is relative to the destination unless
                 absolute, and may climb out of it with "..", which is how
                 "nothing landed outside" is checked
Only the Python standard library is used; zstd layers need the `zstd` CLI
and are left out (with a note on stderr) without it.
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zlib

MTIME = 1600000000
OUTSIDE_PASSWD = "outside-original\n"
LIMIT_DEFAULT = 64 * 1024 * 1024 * 1024  # LAYER_SIZE_MAX
NAME_MAX_DEFAULT = 4096  # LAYER_PATH_MAX


def entry(name, kind="file", data=b"", mode=None, link="", uid=0, gid=0, mtime=MTIME,
          dev=(0, 0), pax=None):
    """One tar member: a TarInfo and its data."""
    t = tarfile.TarInfo(name)
    t.type = {
        "file": tarfile.REGTYPE,
        "dir": tarfile.DIRTYPE,
        "symlink": tarfile.SYMTYPE,
        "hardlink": tarfile.LNKTYPE,
        "char": tarfile.CHRTYPE,
        "block": tarfile.BLKTYPE,
        "fifo": tarfile.FIFOTYPE,
    }[kind]
    if isinstance(data, str):
        data = data.encode()
    t.size = len(data) if kind == "file" else 0
    t.mode = mode if mode is not None else (0o755 if kind == "dir" else 0o644)
    t.linkname = link
    t.uid, t.gid = uid, gid
    t.uname = t.gname = ""
    t.mtime = mtime
    t.devmajor, t.devminor = dev
    if pax:
        t.pax_headers = dict(pax)
    return (t, data)


def make_tar(entries, end=True):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for t, data in entries:
            tf.addfile(t, io.BytesIO(data) if t.type == tarfile.REGTYPE else None)
    raw = buf.getvalue()
    if not end:
        # The caller appends its own (usually hostile) bytes.
        raw = raw.rstrip(b"\0")
        raw += b"\0" * (-len(raw) % 512)
    return raw


def gzip_bytes(data):
    c = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: gzip wrapper
    return c.compress(data) + c.flush()


def zstd_bytes(data):
    if not shutil.which("zstd"):
        return None
    return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, check=True,
                          stdout=subprocess.PIPE).stdout


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


CAP_NET_BIND_SERVICE = bytes.fromhex("01000002" "00040000" "00000000" "00000000" "00000000")


class Writer:
    def __init__(self, outdir):
        self.outdir = outdir
        self.manifest = {}

    def add(self, name, tar, ok, error_contains=None, checks=(), options=None, lower=None,
            compression="none", compressed=None, entries=None):
        if compression == "gzip":
            compressed = compressed if compressed is not None else gzip_bytes(tar)
        elif compression == "zstd":
            compressed = compressed if compressed is not None else zstd_bytes(tar)
            if compressed is None:
                print(f"make-hostile-layers: no zstd CLI, skipping {name}", file=sys.stderr)
                return
        else:
            compressed = tar
        with open(os.path.join(self.outdir, name), "wb") as f:
            f.write(compressed)
        case = {
            "ok": ok,
            "compression": compression,
            "diff_id": sha256(tar),
            "compressed_digest": sha256(compressed),
            "options": options or {},
            "checks": list(checks),
        }
        if error_contains:
            case["error_contains"] = error_contains
        if lower:
            case["lower"] = lower
        if entries is not None:
            case["entries"] = entries
        self.manifest[name] = case


def outside_intact():
    # Every case: the outside directory still holds its one file, unchanged.
    return [{"path": "../outside/passwd", "type": "file", "content": OUTSIDE_PASSWD},
            {"path": "../outside", "type": "dir", "children": ["passwd"]}]


def good_layers(w, outside):
    basic = [
        entry("./", "dir", mode=0o755),
        entry("bin", "dir", mode=0o755),
        entry("bin/tool", data="#!/bin/sh\necho tool\n", mode=0o755, uid=1000, gid=1001),
        entry("bin/hl", "hardlink", link="bin/tool"),
        entry("bin/ping", data="ping", mode=0o755,
              pax={"SCHILY.xattr.security.capability":
                   CAP_NET_BIND_SERVICE.decode("utf-8", "surrogateescape")}),
        entry("etc", "dir", mode=0o750),
        entry("etc/conf", data="key=value\n", mode=0o600,
              pax={"SCHILY.xattr.user.test": "hello",
                   # A layer must not be able to forge overlayfs metadata.
                   "SCHILY.xattr.trusted.overlay.opaque": "y",
                   "SCHILY.xattr.trusted.overlay.redirect": "/etc",
                   "SCHILY.xattr.user.overlay.opaque": "y",
                   "SCHILY.xattr.security.selinux": "system_u:object_r:etc_t:s0"}),
        entry("links", "dir"),
        entry("links/abs", "symlink", link="/etc/passwd"),
        entry("links/rel", "symlink", link="../../../x"),
        entry("links/dangling", "symlink", link="nowhere"),
        entry("links/outside", "symlink", link=outside),
        entry("fifo", "fifo", mode=0o640),
        entry("implicit/parent/file", data="no dir entries above me\n"),
        entry("./dotted/./file", data="dotted\n"),
        entry("ro", "dir", mode=0o555),
        entry("ro/child", data="in a read-only dir\n", mode=0o444),
        entry("empty", data=""),
        entry("caf\u00e9/\u00fc.txt", data="utf-8 names\n"),
        entry("old", data="old\n", mtime=1000000000),
    ]
    checks = [
        {"path": "bin", "type": "dir", "mode": 0o755, "mtime": MTIME},
        {"path": "bin/tool", "type": "file", "content": "#!/bin/sh\necho tool\n",
         "mode": 0o755, "uid": 1000, "gid": 1001, "mtime": MTIME},
        {"path": "bin/hl", "type": "file", "same_inode": "bin/tool"},
        {"path": "bin/ping", "type": "file",
         "xattr": {"security.capability": {"hex": CAP_NET_BIND_SERVICE.hex()}}},
        {"path": "etc", "type": "dir", "mode": 0o750},
        {"path": "etc/conf", "type": "file", "mode": 0o600, "xattr": {"user.test": "hello"},
         "no_xattr": ["trusted.overlay.opaque", "trusted.overlay.redirect",
                      "user.overlay.opaque", "security.selinux"]},
        {"path": "links/abs", "type": "symlink", "target": "/etc/passwd"},
        {"path": "links/rel", "type": "symlink", "target": "../../../x"},
        {"path": "links/dangling", "type": "symlink", "target": "nowhere"},
        {"path": "links/outside", "type": "symlink", "target": outside},
        {"path": "fifo", "type": "fifo", "mode": 0o640},
        {"path": "implicit/parent", "type": "dir", "mode": 0o755},
        {"path": "implicit/parent/file", "type": "file", "content": "no dir entries above me\n"},
        {"path": "dotted/file", "type": "file", "content": "dotted\n"},
        {"path": "ro", "type": "dir", "mode": 0o555, "children": ["child"]},
        {"path": "ro/child", "type": "file", "mode": 0o444},
        {"path": "empty", "type": "file", "content": ""},
        {"path": "caf\u00e9/\u00fc.txt", "type": "file", "content": "utf-8 names\n"},
        {"path": "old", "type": "file", "mtime": 1000000000},
    ] + outside_intact()
    owners = {"preserve_owners": True}
    tar = make_tar(basic)
    n = len(basic)
    w.add("basic.tar", tar, True, checks=checks, options=owners, entries=n)
    w.add("basic.tar.gz", tar, True, checks=checks, options=owners, compression="gzip",
          entries=n)
    w.add("basic.tar.zst", tar, True, checks=checks, options=owners, compression="zstd",
          entries=n)
    # pigz and pgzip write several gzip members back to back; split in the
    # middle of a 512-byte block so no member holds whole tar records.
    cut = len(tar) // 2 + 100
    w.add("basic-multi.tar.gz", tar, True, checks=checks, options=owners, compression="gzip",
          compressed=gzip_bytes(tar[:cut]) + gzip_bytes(b"") + gzip_bytes(tar[cut:]),
          entries=n)

    # Docker strips a leading "/" and cleans the name: these land inside.
    w.add("absolute.tar", make_tar([
        entry("/abs-file", data="abs\n"),
        entry("/tmp/varpod-hostile-abs", data="abs\n"),
        entry("//double//slash/file", data="double\n"),
        entry("a/../b", data="b\n"),
    ]), True, checks=[
        {"path": "abs-file", "type": "file", "content": "abs\n"},
        {"path": "tmp/varpod-hostile-abs", "type": "file", "content": "abs\n"},
        {"path": "/tmp/varpod-hostile-abs", "type": "absent"},
        {"path": "double/slash/file", "type": "file", "content": "double\n"},
        {"path": "b", "type": "file", "content": "b\n"},
        {"path": "a", "type": "absent"},
    ] + outside_intact())

    w.add("setuid.tar", make_tar([
        entry("suid", data="x", mode=0o4755, uid=1000, gid=1000),
        entry("sgid", data="x", mode=0o2755, uid=1000, gid=1000),
        entry("sgid-dir", "dir", mode=0o2775),
        entry("sticky", "dir", mode=0o1777),
    ]), True, options=owners, checks=[
        # chown() after chmod() would have cleared these bits.
        {"path": "suid", "type": "file", "mode": 0o4755, "uid": 1000},
        {"path": "sgid", "type": "file", "mode": 0o2755, "gid": 1000},
        {"path": "sgid-dir", "type": "dir", "mode": 0o2775},
        {"path": "sticky", "type": "dir", "mode": 0o1777},
    ])

    w.add("replace.tar", make_tar([
        entry("a", "dir"),
        entry("a/x", data="x"),
        entry("a", data="a is a file now\n"),
        entry("b", data="b was a file\n"),
        entry("b", "dir", mode=0o700),
        entry("b/y", data="y\n"),
        # A symlink is replaced, never written through.
        entry("c", "symlink", link=outside + "/passwd"),
        entry("c", data="c replaced the symlink\n"),
        entry("d", "symlink", link=outside),
        entry("d", "dir"),
        entry("d/passwd", data="inside\n"),
        entry("dup", data="one\n"),
        entry("dup", data="two\n"),
        entry("dup-hl", "hardlink", link="dup"),
        entry("dup-hl", "hardlink", link="dup"),
        entry("self", data="self\n"),
        entry("self", "hardlink", link="self"),
    ]), True, checks=[
        {"path": "a", "type": "file", "content": "a is a file now\n"},
        {"path": "b", "type": "dir", "mode": 0o700, "children": ["y"]},
        {"path": "c", "type": "file", "content": "c replaced the symlink\n"},
        {"path": "d", "type": "dir", "children": ["passwd"]},
        {"path": "d/passwd", "type": "file", "content": "inside\n"},
        {"path": "dup", "type": "file", "content": "two\n"},
        {"path": "dup-hl", "type": "file", "same_inode": "dup"},
        {"path": "self", "type": "file", "content": "self\n"},
    ] + outside_intact())

    devices = make_tar([
        entry("null", "char", dev=(1, 3), mode=0o666),
        entry("sda", "block", dev=(8, 0), mode=0o660),
        entry("fifo", "fifo"),
        entry("file", data="f"),
    ])
    w.add("devices.tar", devices, True, checks=[
        {"path": "null", "type": "absent"},
        {"path": "sda", "type": "absent"},
        {"path": "fifo", "type": "fifo"},
    ], entries=4)
    w.add("devices-allowed.tar", devices, True, options={"allow_devices": True}, checks=[
        {"path": "null", "type": "char", "rdev": [1, 3], "mode": 0o666},
        {"path": "sda", "type": "block", "rdev": [8, 0], "mode": 0o660},
        {"path": "fifo", "type": "fifo"},
    ])

    w.add("whiteout-lower.tar", make_tar([
        entry("gone", data="gone\n"),
        entry("gonedir", "dir"),
        entry("gonedir/x", data="x\n"),
        entry("keep", data="keep\n"),
        entry("opq", "dir"),
        entry("opq/old", data="old\n"),
        entry("opq/sub", "dir"),
        entry("opq/sub/old2", data="old2\n"),
        entry("opq/early", data="lower early\n"),
    ]), True, options={"whiteouts": "apply"})
    whiteouts = make_tar([
        entry(".wh.gone", data=""),
        entry(".wh.gonedir", data=""),
        entry(".wh.never-existed", data=""),
        entry(".wh..wh.plnk", "dir"),  # aufs bookkeeping: ignored
        entry("opq", "dir"),
        entry("opq/early", data="upper early\n"),
        entry("opq/.wh..wh..opq", data=""),
        entry("opq/new", data="new\n"),
        entry("opq/sub/new2", data="new2\n"),
        entry("fresh/.wh..wh..opq", data=""),
    ])
    w.add("whiteout.tar", whiteouts, True, checks=[
        {"path": "gone", "type": "char", "rdev": [0, 0]},
        {"path": "gonedir", "type": "char", "rdev": [0, 0]},
        {"path": "never-existed", "type": "char", "rdev": [0, 0]},
        {"path": ".wh..wh.plnk", "type": "absent"},
        {"path": "opq", "type": "dir", "xattr": {"trusted.overlay.opaque": "y"}},
        {"path": "opq/new", "type": "file", "content": "new\n"},
        {"path": "opq/.wh..wh..opq", "type": "absent"},
        {"path": "fresh", "type": "dir", "xattr": {"trusted.overlay.opaque": "y"}},
    ])
    w.add("whiteout-apply.tar", whiteouts, True, options={"whiteouts": "apply"},
          lower="whiteout-lower.tar", checks=[
              {"path": "gone", "type": "absent"},
              {"path": "gonedir", "type": "absent"},
              {"path": "never-existed", "type": "absent"},
              {"path": "keep", "type": "file", "content": "keep\n"},
              # Emptied of the lower layer's entries, not of this layer's.
              {"path": "opq", "type": "dir", "children": ["early", "new", "sub"],
               "no_xattr": ["trusted.overlay.opaque"]},
              {"path": "opq/early", "type": "file", "content": "upper early\n"},
              {"path": "opq/sub", "type": "dir", "children": ["new2"]},
              {"path": "fresh", "type": "dir", "children": []},
          ])

    # Nested opaque markers, applied in place: each level keeps only what
    # this layer put there, however the markers are ordered.
    w.add("opaque-nested-lower.tar", make_tar([
        entry("n/a/x", data="x\n"),
        entry("n/a/b/y", data="y\n"),
        entry("n/a/b/deeper/z", data="z\n"),
        entry("n/keep-lower", data="lower\n"),
        entry("n/a/b/hl-target", data="linked\n"),
    ]), True, options={"whiteouts": "apply"})
    w.add("opaque-nested.tar", make_tar([
        entry("n/a/b/.wh..wh..opq", data=""),
        entry("n/a/b/new", data="new\n"),
        entry("n/.wh..wh..opq", data=""),
        entry("n/a/.wh..wh..opq", data=""),
        entry("n/a/b/.wh..wh..opq", data=""),
        entry("n/top", data="top\n"),
    ]), True, options={"whiteouts": "apply"}, lower="opaque-nested-lower.tar", checks=[
        {"path": "n", "type": "dir", "children": ["a", "top"]},
        {"path": "n/a", "type": "dir", "children": ["b"]},
        {"path": "n/a/b", "type": "dir", "children": ["new"]},
        {"path": "n/a/b/new", "type": "file", "content": "new\n"},
    ])

    w.add("empty.tar", make_tar([]), True, entries=0)
    w.add("zero-bytes.tar", b"", True, entries=0)

    deep = "/".join(["d" * 99] * 10) + "/file"
    w.add("long-name-ok.tar", make_tar([entry(deep, data="deep\n")]), True,
          checks=[{"path": deep, "type": "file", "content": "deep\n"}])


def hostile_layers(w, outside):
    def bad(name, entries, error, checks=(), **kw):
        w.add(name, make_tar(entries), False, error_contains=error,
              checks=list(checks) + outside_intact(), **kw)

    bad("escape-dotdot.tar", [entry("../varpod-escaped", data="x")],
        "layer entry `../varpod-escaped`: path escapes the layer root",
        [{"path": "../varpod-escaped", "type": "absent"}])
    bad("escape-passwd.tar", [entry("../../etc/passwd", data="root::0:0::/:/bin/sh\n")],
        "layer entry `../../etc/passwd`: path escapes the layer root")
    bad("escape-deep.tar", [entry("a", "dir"), entry("a/b/../../../varpod-escaped", data="x")],
        "path escapes the layer root",
        [{"path": "../varpod-escaped", "type": "absent"}])
    bad("escape-absolute-dotdot.tar", [entry("/../varpod-escaped", data="x")],
        "path escapes the layer root", [{"path": "../varpod-escaped", "type": "absent"}])
    bad("escape-after-good.tar",
        [entry("fine", data="fine\n"), entry("../../varpod-escaped", data="x")],
        "path escapes the layer root",
        [{"path": "../../varpod-escaped", "type": "absent"}])

    bad("symlink-write-through.tar",
        [entry("link", "symlink", link=outside), entry("link/passwd", data="pwned\n")],
        "layer entry `link/passwd`: path goes through symlink `link`")
    bad("symlink-etc.tar",
        [entry("etc", "symlink", link="/etc"),
         entry("etc/varpod-hostile-canary", data="pwned\n")],
        "path goes through symlink `etc`",
        [{"path": "/etc/varpod-hostile-canary", "type": "absent"}])
    bad("symlink-relative-outside.tar",
        [entry("rel", "symlink", link="../outside"), entry("rel/passwd", data="pwned\n")],
        "path goes through symlink `rel`")
    bad("symlink-dotdot-chain.tar",
        [entry("up", "symlink", link=".."), entry("upup", "symlink", link="up/.."),
         entry("upup/varpod-escaped", data="x")],
        "path goes through symlink `upup`",
        [{"path": "../varpod-escaped", "type": "absent"},
         {"path": "../../varpod-escaped", "type": "absent"}])
    bad("symlink-deep.tar",
        [entry("d", "symlink", link=outside), entry("d/sub/x", data="x")],
        "path goes through symlink `d`",
        [{"path": outside + "/sub", "type": "absent"}])
    bad("symlink-dir-parent.tar",
        [entry("a", "dir"), entry("a/l", "symlink", link=outside),
         entry("a/l/passwd", data="pwned\n")],
        "path goes through symlink `a/l`")

    bad("hardlink-etc-passwd.tar", [entry("pw", "hardlink", link="/etc/passwd")],
        "layer entry `pw`: hardlink target `/etc/passwd` does not exist in the layer",
        [{"path": "pw", "type": "absent"}])
    bad("hardlink-dotdot.tar", [entry("x", "hardlink", link="../x")],
        "hardlink target `../x` escapes the layer root")
    bad("hardlink-outside-dotdot.tar",
        [entry("pw", "hardlink", link="../outside/passwd")],
        "hardlink target `../outside/passwd` escapes the layer root")
    bad("hardlink-through-symlink.tar",
        [entry("link", "symlink", link=outside), entry("pw", "hardlink", link="link/passwd")],
        "hardlink target `link/passwd` goes through symlink `link`",
        [{"path": "pw", "type": "absent"}])
    bad("hardlink-to-symlink-dir.tar",
        [entry("link", "symlink", link="/etc"), entry("pw", "hardlink", link="link/passwd")],
        "goes through symlink `link`")
    bad("hardlink-dir.tar", [entry("d", "dir"), entry("hl", "hardlink", link="d")],
        "hardlink target `d` is a directory")

    # An entry claiming 1 TiB: refused at its header, before any data.
    t, _ = entry("huge", data="")
    t.size = 1 << 40
    huge = make_tar([entry("small", data="s")], end=False) + \
        t.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape") + b"\0" * 4096
    w.add("huge-size.tar", huge, False,
          error_contains="layer entry `huge`: size 1099511627776 exceeds the limit of 68719476736 bytes",
          checks=outside_intact())
    bad("over-limit.tar", [entry("big", data=b"\1" * 100000)],
        # The entry's declared size or the stream itself, whichever is seen
        # first (the stream is read ahead in large chunks).
        "exceeds the limit of 65536 bytes", options={"size_max": 65536})
    # A gzip bomb hidden after the end-of-archive blocks: the uncompressed
    # stream is bounded, not only what the tar entries declare.
    bomb_tar = make_tar([entry("small", data="s")]) + b"\0" * (64 << 20)
    w.add("gzip-bomb.tar.gz", bomb_tar, False, compression="gzip",
          error_contains="uncompressed size exceeds the limit of 8388608 bytes",
          options={"size_max": 8 << 20})
    bad("too-many-entries.tar", [entry(f"f{i}", data="") for i in range(150)],
        "layer: more than 100 entries", options={"entries_max": 100})

    bad("long-name.tar", [entry("n" * 100 + "/" + "x" * 4990, data="x")],
        "name longer than 4095 bytes")
    bad("long-symlink-target.tar", [entry("l", "symlink", link="t" * 5000)],
        "symlink target longer than 4095 bytes")
    bad("long-hardlink-target.tar", [entry("f", data="f"), entry("h", "hardlink", link="t" * 5000)],
        "hardlink target longer than 4095 bytes")
    bad("long-component.tar", [entry("c" * 300, data="x")], "File name too long")

    bad("whiteout-through-symlink.tar",
        [entry("link", "symlink", link=outside), entry("link/.wh.passwd", data="")],
        "path goes through symlink `link`", options={"whiteouts": "apply"})
    bad("whiteout-through-symlink-overlay.tar",
        [entry("link", "symlink", link=outside), entry("link/.wh.passwd", data="")],
        "path goes through symlink `link`")
    bad("opaque-through-symlink.tar",
        [entry("link", "symlink", link=outside), entry("link/.wh..wh..opq", data="")],
        "path goes through symlink `link`", options={"whiteouts": "apply"})
    bad("whiteout-dotdot.tar", [entry(".wh...", data="")], "invalid whiteout")
    bad("whiteout-escape.tar", [entry("../.wh.outside", data="")],
        "path escapes the layer root", options={"whiteouts": "apply"})

    good = make_tar([entry("f", data="x" * 5000), entry("g", data="y" * 5000)])
    w.add("truncated.tar", good[:1500], False, error_contains="read data",
          checks=outside_intact())
    w.add("truncated.tar.gz", good, False, compression="gzip",
          compressed=gzip_bytes(good)[:60], error_contains="gzip: unexpected end of data")
    w.add("garbage-after-gzip.tar.gz", good, False, compression="gzip",
          compressed=gzip_bytes(good) + b"garbage!",
          error_contains="gzip: trailing garbage after member")
    gz = bytearray(gzip_bytes(good))
    gz[-8] ^= 0xff  # the CRC-32 of the trailer
    w.add("bad-crc.tar.gz", good, False, compression="gzip", compressed=bytes(gz),
          error_contains="gzip: checksum mismatch")
    zs = zstd_bytes(good)
    if zs is not None:
        w.add("truncated.tar.zst", good, False, compression="zstd", compressed=zs[:-10],
              error_contains="zstd: unexpected end of data")
    w.add("not-a-tar.tar", b"this is not a tar archive\n" * 40, False,
          error_contains="layer: read tar")


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    outdir = os.path.abspath(args[0])
    outside = os.path.join(os.path.dirname(outdir), "outside")
    if len(args) == 3 and args[1] == "--outside":
        outside = os.path.abspath(args[2])
    os.makedirs(outdir, exist_ok=True)
    os.makedirs(outside, exist_ok=True)
    with open(os.path.join(outside, "passwd"), "w") as f:
        f.write(OUTSIDE_PASSWD)

    w = Writer(outdir)
    good_layers(w, outside)
    hostile_layers(w, outside)
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(w.manifest, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
