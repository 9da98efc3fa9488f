"""A partner's CRM export for tests: a real HTTP server on 127.0.0.1 in a thread that
serves what a test puts at a path (JSON, CSV, or any body and status) and records the
requests' headers. Tests reach it by allowing the loopback network in
``settings.WEBHOOKS_ALLOWED_NETWORKS`` — the SSRF rules' one test-only allowance."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CrmSource:
    def __init__(self):
        self.routes, self.requests = {}, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append((self.path, dict(self.headers)))
                status, content_type, body = outer.routes.get(self.path, (404, "text/plain", b"no such export"))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, path, body, *, status=200, content_type="application/octet-stream") -> str:
        self.routes[path] = (status, content_type, body if isinstance(body, bytes) else body.encode())
        return self.base + path

    def serve_json(self, path, data, **kwargs) -> str:
        return self.serve(path, json.dumps(data), content_type="application/json", **kwargs)

    def serve_csv(self, path, text, **kwargs) -> str:
        return self.serve(path, text, content_type="text/csv; charset=utf-8", **kwargs)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
