"""Issue 9, refusal diagnostics: rate-limited, never silent. A burst of refusals from one
client, then SIGTERM straight away: the lines shown plus the counts held back ("N more like
it", server/refusal_log.h) add up to the refusals even though the server stops within the
rate limit's one-second interval."""

import re
import select
import signal
import socket
import time
import unittest

import loadenv
from loadenv import SERVER_HOST, wait_until

CLIENT = "127.0.4.1"
CONNECTIONS = 20  # from one client: max_unauthenticated_per_source (8) are kept, 12 refused


class RefusalCountTest(unittest.TestCase):
    def setUp(self):
        self.env = loadenv.LoadEnv(type(self).__name__)
        self.addCleanup(self.env.close)
        self.env.setup()

    def test_held_back_refusals_are_counted_before_exit(self):
        env = self.env
        per_source = loadenv.shipped_config().get("limits", {}).get(
            "max_unauthenticated_per_source", 8)
        mark = env.gitgate.mark()
        socks = []
        try:
            for _ in range(CONNECTIONS):
                s = socket.create_connection((SERVER_HOST, env.gitgate.port), timeout=5,
                                             source_address=(CLIENT, 0))
                # Its banner first: no PROXY header wait, the client is known at once.
                s.sendall(b"SSH-2.0-burst\r\n")
                socks.append(s)
            # A refused connection is closed by the server.
            def closed():
                n = 0
                for s in socks:
                    if select.select([s], [], [], 0)[0]:
                        try:
                            n += s.recv(1, socket.MSG_PEEK) == b""
                        except ConnectionResetError:
                            n += 1
                return n
            wait_until(lambda: closed() >= CONNECTIONS - per_source, 10)
            refused = closed()
            self.assertEqual(refused, CONNECTIONS - per_source, env.gitgate.diagnostics_since(mark))
            start = time.monotonic()
            env.gitgate.popen.send_signal(signal.SIGTERM)
            env.gitgate.popen.wait(timeout=15)
        finally:
            for s in socks:
                s.close()
        text = env.gitgate.diagnostics_since(mark)
        shown = len(re.findall(rf"(?i)refus.*{re.escape(CLIENT)}\b", text))
        held_back = sum(int(n) for n in re.findall(r"(?im)^.*refus.*?(\d+) more like it.*$",
                                                   text))
        print(f"{refused} refused: {shown} lines, {held_back} held back; stopped "
              f"{time.monotonic() - start:.2f} s after SIGTERM")
        self.assertEqual(shown + held_back, refused, text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
