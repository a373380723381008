"""A local web site for re-checker tests: pages by path, conditional GET and a request log."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache

FILLER = (
    "Il Cremlino non ha confermato la notizia, ma fonti diplomatiche parlano di un incontro a Vladivostok "
    "nelle prossime settimane, durante il Forum economico orientale. "
)


def article(*paragraphs: str, title: str = "Kim verso la Russia", lang: str = "it-IT") -> bytes:
    """A news page trafilatura reads like the real thing: title, site name, date, language, body."""
    body = "".join(f"<p>{p}</p>" for p in (FILLER * 3, *paragraphs, FILLER * 2))
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        '<meta property="og:site_name" content="An Italian daily">'
        '<meta property="article:published_time" content="2023-09-05T08:00:00+02:00">'
        f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}</article>"
        "<footer>© Il quotidiano</footer></body></html>"
    ).encode()


@dataclass
class Page:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


Route = Page | Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    server: Site

    def do_GET(self) -> None:
        self.server.requests.append({"path": self.path, "headers": dict(self.headers.items())})
        route = self.server.pages.get(self.path, Page(404, b"<html><title>404 Not Found</title></html>"))
        if callable(route):
            route(self)
        else:
            self.serve(route)

    def serve(self, page: Page) -> None:
        etag = page.headers.get("ETag")
        if etag and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(page.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.pages: dict[str, Route] = {}
        self.requests: list[dict] = []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def site(db, settings, tmp_path):
    """A running Site the fetcher may reach, evidence in a temporary folder, no politeness wait."""
    server = Site()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    settings.SOURCE_FETCH_ALLOWLIST = [server.host_port]
    settings.SOURCE_MIN_INTERVAL_SECONDS = 0
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    cache.clear()  # politeness state from other tests (Redis outlives a test's transaction)
    yield server
    server.shutdown()
    server.server_close()
    cache.clear()
