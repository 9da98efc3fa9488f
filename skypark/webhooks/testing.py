"""Test helpers: a partner's receiver on 127.0.0.1 and a way to verify its signatures.
Tests allow the loopback network with ``settings.WEBHOOKS_ALLOWED_NETWORKS``."""

import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer


class Receiver:
    """A local HTTP server that records requests (headers, body) and answers ``status``."""

    def __init__(self, status=200):
        self.requests, self.status = [], status
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                self.send_response(outer.status)
                self.end_headers()
                self.wfile.write(b"internal reply")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def macs(header: str) -> list[str]:
    return [part.split("=", 1)[1] for part in header.split(",") if part.startswith("v1=")]


def expected_mac(secret: str, header: str, body: bytes) -> str:
    """What a partner computes: HMAC-SHA256 of ``"<t>.<body>"`` with its secret."""
    timestamp = header.split(",")[0].split("=", 1)[1]
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
