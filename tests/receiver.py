"""A local webhook receiver: records every POST (headers and body) and answers with a chosen status."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.posts.append({"headers": dict(self.headers.items()), "body": body})
        if self.server.hold_first is not None and len(self.server.posts) == 1:
            self.server.hold_first.wait(timeout=30)  # the sender dies meanwhile
        with contextlib.suppress(OSError):  # a killed sender's socket is gone
            self.send_response(self.server.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.posts: list[dict] = []
        self.status = 204
        # Set, the first POST is answered only once this event is: the sender can be killed before.
        self.hold_first: threading.Event | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    def verified(self, secret: str) -> list[dict]:
        """The bodies of the POSTs whose X-Signature-256 is right for `secret`, as a receiver checks it."""
        good = []
        for post in self.posts:
            expected = "sha256=" + hmac.new(secret.encode(), post["body"], hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, post["headers"].get("X-Signature-256", "")):
                good.append(orjson.loads(post["body"]))
        return good


@pytest.fixture
def receiver(settings):
    """A running receiver that the re-checker's guard lets through (the test allowlist, as for sources)."""
    server = Receiver()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    settings.SOURCE_FETCH_ALLOWLIST = [server.host_port]
    yield server
    server.shutdown()
    server.server_close()
