"""ssh ProxyCommand for the end-to-end tests: connects from a chosen source address, sends
a given PROXY header first (optionally one byte per write, to exercise partial reads), then
relays stdin/stdout to the socket until either side ends. Bounded: gives up after 120 s.
--rate=N sends at most N bytes a second towards the server (a slow uplink: a push that is
still streaming when a test kills it).

usage: proxy_relay.py SOURCE HOST PORT HEADER_HEX [--chunked] [--rate=N]
"""

import os
import selectors
import socket
import sys
import time


def main():
    source, host, port, header_hex = sys.argv[1:5]
    chunked = "--chunked" in sys.argv[5:]
    rates = [int(a.split("=", 1)[1]) for a in sys.argv[5:] if a.startswith("--rate=")]
    rate = rates[0] if rates else None
    header = b"" if header_hex == "-" else bytes.fromhex(header_hex)  # "-": no header
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.settimeout(10)
    sock.bind((source, 0))
    sock.connect((host, int(port)))
    if chunked:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for b in header:
            sock.sendall(bytes([b]))
            time.sleep(0.002)
    else:
        sock.sendall(header)
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    sel.register(stdin, selectors.EVENT_READ)
    sel.register(sock, selectors.EVENT_READ)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            if key.fileobj == stdin:
                data = os.read(stdin, 65536 if rate is None else max(1, rate // 20))
                if not data:
                    sel.unregister(stdin)
                    sock.shutdown(socket.SHUT_WR)
                    continue
                sock.setblocking(True)
                sock.sendall(data)
                sock.setblocking(False)
                if rate is not None:
                    time.sleep(len(data) / rate)
            else:
                try:
                    data = sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except ConnectionResetError:
                    data = b""
                if not data:
                    return 0
                view = memoryview(data)
                while view:
                    view = view[os.write(stdout, view):]
    return 1


if __name__ == "__main__":
    sys.exit(main())
