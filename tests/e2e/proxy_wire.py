"""PROXY protocol on the test side (HAProxy's proxy-protocol.txt): header builders (v1,
v2 with TLVs and CRC32C), a parser, and a stand-in backend that records the headers it
receives, for testing docker/haproxy.cfg without gitgate."""

import socket
import struct
import threading

SERVER_HOST = "127.0.0.1"
V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def parse_proxy_header(data):
    """Parses a PROXY v1 or v2 header at the start of data. Returns (header dict, consumed) or
    None if more bytes are needed. Raises ValueError on garbage. Test-side only."""
    if data.startswith(b"PROXY "):
        end = data.find(b"\r\n")
        if end < 0:
            if len(data) >= 107:
                raise ValueError("v1 header longer than 107 bytes")
            return None
        parts = data[:end].decode("ascii").split(" ")
        if parts[1] == "UNKNOWN":
            return {"version": 1, "command": "UNKNOWN"}, end + 2
        _, fam, src, dst, sport, dport = parts
        return {"version": 1, "command": "PROXY", "family": fam, "src": src, "dst": dst,
                "sport": int(sport), "dport": int(dport)}, end + 2
    if len(data) < 16:
        if V2_SIGNATURE.startswith(data[:12]):
            return None
        raise ValueError(f"no PROXY header: {data[:16]!r}")
    if data[:12] != V2_SIGNATURE:
        raise ValueError(f"no PROXY header: {data[:16]!r}")
    ver_cmd, fam, length = data[12], data[13], struct.unpack("!H", data[14:16])[0]
    if len(data) < 16 + length:
        return None
    body = data[16:16 + length]
    header = {"version": 2, "command": {0x20: "LOCAL", 0x21: "PROXY"}.get(ver_cmd, "?"),
              "family_byte": fam}
    if header["command"] == "PROXY" and fam == 0x11:
        src, dst = socket.inet_ntoa(body[0:4]), socket.inet_ntoa(body[4:8])
        sport, dport = struct.unpack("!HH", body[8:12])
        header.update(family="TCP4", src=src, dst=dst, sport=sport, dport=dport)
    return header, 16 + length


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC32C[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def proxy_v1(src, dst, sport, dport):
    family = "TCP6" if ":" in src else "TCP4"
    return f"PROXY {family} {src} {dst} {sport} {dport}\r\n".encode()


def proxy_v2(src=None, dst=None, sport=0, dport=0, tlvs=(), local=False, crc="good"):
    """A v2 header. tlvs: (type, bytes) pairs. crc: "good" (a valid CRC32C TLV appended),
    "bad" (a wrong one) or None (no CRC TLV)."""
    if local:
        ver_cmd, fam, addr = 0x20, 0x00, b""
    elif ":" in src:
        ver_cmd, fam = 0x21, 0x21
        addr = (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) +
                struct.pack("!HH", sport, dport))
    else:
        ver_cmd, fam = 0x21, 0x11
        addr = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", sport, dport)
    body = addr + b"".join(bytes([t]) + struct.pack("!H", len(v)) + v for t, v in tlvs)
    if crc:
        body += b"\x03\x00\x04"
        zeroed = V2_SIGNATURE + bytes([ver_cmd, fam]) + struct.pack("!H", len(body) + 4) + body
        value = crc32c(zeroed + b"\0\0\0\0")
        if crc == "bad":
            value ^= 0x1
        body += struct.pack("!I", value)
    return V2_SIGNATURE + bytes([ver_cmd, fam]) + struct.pack("!H", len(body)) + body


class DummyProxyServer:
    """Accepts connections on 127.0.0.1:0, reads a PROXY header, records (peer, header),
    sends an SSH-looking banner and echoes the rest (or, with banner=None, closes right
    after the header, like a node that accepts TCP but does not speak SSH). Stops on
    close()."""

    def __init__(self, banner=b"SSH-2.0-dummy\r\n"):
        self.banner = banner
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((SERVER_HOST, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.records = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                conn, peer = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn, peer), daemon=True).start()

    def _serve(self, conn, peer):
        conn.settimeout(10)
        buf = b""
        record = {"peer": peer, "header": None, "error": None}
        with self.lock:
            self.records.append(record)  # filled in below; visible before the reply
        try:
            with conn:
                while True:
                    parsed = parse_proxy_header(buf)
                    if parsed:
                        break
                    data = conn.recv(4096)
                    if not data:
                        record["error"] = "eof before header"
                        return
                    buf += data
                header, used = parsed
                record["header"] = header
                rest = buf[used:]
                if self.banner is None:
                    return
                conn.sendall(self.banner + rest)
                while not self.stopping.is_set():
                    data = conn.recv(4096)
                    if not data:
                        return
                    conn.sendall(data)
        except (OSError, ValueError) as e:
            record["error"] = repr(e)

    def snapshot(self):
        with self.lock:
            return [dict(r) for r in self.records]

    def close(self):
        self.stopping.set()
        self.sock.close()
        self.thread.join(timeout=5)
