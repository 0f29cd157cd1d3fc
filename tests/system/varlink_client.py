# SPDX-License-Identifier: Apache-2.0
"""A minimal varlink client for the tests: raw NUL-framed JSON on a socket,
so tests see exactly the bytes the service sends."""
import json
import socket


def connect(address, timeout=30.0):
    """Connects to unix:/path, unix:@name or tcp:host:port."""
    address = address.split(";", 1)[0]
    if address.startswith("unix:"):
        path = address[5:]
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect("\0" + path[1:] if path.startswith("@") else path)
        return s
    if address.startswith("tcp:"):
        host, port = address[4:].rsplit(":", 1)
        s = socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout)
        return s
    raise ValueError(address)


class Connection:
    def __init__(self, address, timeout=30.0):
        self.sock = connect(address, timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data: bytes):
        self.sock.sendall(data)

    def send(self, method, parameters=None, more=False, oneway=False, **extra):
        msg = {"method": method}
        if parameters is not None:
            msg["parameters"] = parameters
        if more:
            msg["more"] = True
        if oneway:
            msg["oneway"] = True
        msg.update(extra)
        self.send_raw(json.dumps(msg).encode() + b"\0")

    def recv_raw(self):
        """Returns the next message's bytes, or None at end of stream."""
        while b"\0" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                if self.buf:
                    raise EOFError("connection closed inside a message")
                return None
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return msg

    def recv(self):
        raw = self.recv_raw()
        if raw is None:
            raise EOFError("connection closed")
        return json.loads(raw)

    def call(self, method, parameters=None, **kw):
        self.send(method, parameters, **kw)
        return self.recv()

    def at_eof(self):
        try:
            return self.recv_raw() is None
        except (ConnectionResetError, EOFError):
            return True


def call(address, method, parameters=None, **kw):
    with Connection(address) as c:
        return c.call(method, parameters, **kw)
