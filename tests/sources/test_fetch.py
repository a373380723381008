"""Guarded fetch: SSRF policy, DNS pinning, redirects, caps and outcome mapping against local servers."""

from __future__ import annotations

import gzip
import inspect
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sources import fetch as fetch_module
from sources.fetch import (
    MAX_REDIRECTS,
    USER_AGENT,
    FetchResult,
    Outcome,
    Redirect,
    TransientFetchError,
    fetch,
    parse_retry_after,
)

PUBLIC_IP = "93.184.215.14"

Route = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    server: LocalServer

    def do_GET(self) -> None:
        self.server.requests.append({"path": self.path, "headers": dict(self.headers.items())})
        route = self.server.routes.get(self.path.split("?", 1)[0])
        if route is None:
            self.reply(404, b"not here")
        else:
            route(self)

    def reply(self, status: int, body: bytes = b"", content_type: str = "text/html", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302) -> None:
        self.reply(status, Location=location)

    def log_message(self, format: str, *args: object) -> None:
        pass


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, Route]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = routes
        self.requests: list[dict] = []
        self.stopping = threading.Event()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str = "/", host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def pause(self, seconds: float) -> None:
        """Sleep inside a handler, but wake up as soon as the test tears the server down."""
        self.stopping.wait(seconds)

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up on slow handlers is the point of several tests


@pytest.fixture
def serve(settings) -> Callable[..., LocalServer]:
    settings.SOURCE_FETCH_ALLOWLIST = []
    servers: list[LocalServer] = []

    def start(
        routes: dict[str, Route],
        *,
        allow: tuple[str, ...] = ("127.0.0.1",),
        tls: ssl.SSLContext | None = None,
    ) -> LocalServer:
        server = LocalServer(routes)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        settings.SOURCE_FETCH_ALLOWLIST = [
            *settings.SOURCE_FETCH_ALLOWLIST,
            *(f"{host}:{server.port}" for host in allow),
        ]
        return server

    yield start
    for server in servers:
        server.stopping.set()
        server.shutdown()
        server.server_close()


@dataclass
class FakeResolver:
    """Answers from a script, one entry per call, and remembers every question."""

    answers: list[list[str]]
    calls: list[tuple[str, int]] = field(default_factory=list)

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        return self.answers[min(len(self.calls), len(self.answers)) - 1]


def must_not_resolve(host: str, port: int) -> list[str]:
    raise AssertionError(f"resolver called for {host}:{port}")


def ok_page(body: bytes = b"<html><body><p>Hello</p></body></html>", **headers: str) -> Route:
    return lambda handler: handler.reply(200, body, **headers)


# --- successful fetches ------------------------------------------------------------------------------


def test_plain_get_returns_body_validators_and_an_honest_user_agent(serve):
    server = serve({"/": ok_page(ETag='"v1"', Last_Modified="Tue, 05 Sep 2023 10:00:00 GMT")})

    result = fetch(server.url())

    assert result.outcome == Outcome.OK == "ok"
    assert result.http_status == 200
    assert result.body == b"<html><body><p>Hello</p></body></html>"
    assert result.etag == '"v1"'
    assert result.last_modified == "Tue, 05 Sep 2023 10:00:00 GMT"
    assert result.media_type == "text/html"
    assert not result.transient
    assert server.requests[0]["headers"]["User-Agent"] == USER_AGENT
    assert server.requests[0]["headers"]["Accept"].startswith("text/html")
    assert "gzip" in server.requests[0]["headers"]["Accept-Encoding"]
    assert result.final_url == server.url()


def test_conditional_get_sends_validators_and_304_is_not_modified(serve):
    def conditional(handler: Handler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            handler.reply(304, ETag='"v1"')
        else:
            handler.reply(200, b"<p>fresh</p>", ETag='"v2"')

    server = serve({"/": conditional})

    result = fetch(server.url(), etag='"v1"', last_modified="Tue, 05 Sep 2023 10:00:00 GMT")

    assert result.outcome == "not_modified"
    assert result.body == b""
    assert server.requests[0]["headers"]["If-Modified-Since"] == "Tue, 05 Sep 2023 10:00:00 GMT"
    assert fetch(server.url(), etag='"stale"').outcome == "ok"


def test_gzip_bodies_are_decoded(serve):
    payload = b"<html><body><p>compressed</p></body></html>"
    server = serve({"/": ok_page(gzip.compress(payload), Content_Encoding="gzip")})

    assert fetch(server.url()).body == payload


def test_json_with_a_structured_suffix_is_accepted(serve):
    server = serve({"/": lambda h: h.reply(200, b'{"a": 1}', content_type="application/ld+json")})

    assert fetch(server.url()).outcome == "ok"


# --- status mapping ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "outcome", "transient"),
    [
        (404, "gone", False),
        (410, "gone", False),
        (401, "blocked", False),
        (403, "blocked", False),
        (451, "blocked", False),
        (429, "blocked", True),
        (400, "blocked", False),
        (408, "timeout", True),
        (500, "server_error", True),
        (503, "server_error", True),
    ],
)
def test_http_status_maps_to_outcome_and_transience(serve, status, outcome, transient):
    server = serve({"/": lambda handler: handler.reply(status, b"nope")})

    result = fetch(server.url())

    assert (result.outcome, result.http_status, result.transient) == (outcome, status, transient)


def test_retry_after_seconds_is_reported_on_429(serve):
    server = serve({"/": lambda handler: handler.reply(429, Retry_After="120")})

    result = fetch(server.url())

    assert result.retry_after == 120.0
    with pytest.raises(TransientFetchError) as raised:
        result.raise_if_transient()
    assert raised.value.result is result


def test_retry_after_http_date_is_converted_to_seconds():
    now = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)

    assert parse_retry_after(format_datetime(now + timedelta(minutes=5), usegmt=True), now=now) == 300.0
    assert parse_retry_after(format_datetime(now - timedelta(minutes=5), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None


def test_final_results_do_not_raise_for_retry():
    FetchResult(url="u", outcome=Outcome.GONE, final_url="u", http_status=404).raise_if_transient()


# --- redirects ---------------------------------------------------------------------------------------


def test_redirect_to_another_url_that_returns_200_is_moved(serve):
    server = serve({"/old": lambda h: h.redirect("/new", 301), "/new": ok_page()})

    result = fetch(server.url("/old"))

    assert result.outcome == "moved"
    assert result.final_url == server.url("/new")
    assert result.redirects == (Redirect(301, server.url("/new")),)
    assert result.body.startswith(b"<html>")


def test_redirect_back_to_the_same_url_is_ok_not_moved(serve):
    def bounce(handler: Handler) -> None:
        if "?" in handler.path:
            handler.reply(200, b"<p>x</p>")
        else:
            handler.redirect("/page?cookie-check")

    server = serve({"/page": bounce})

    assert fetch(server.url("/page?cookie-check")).outcome == "ok"


def test_five_redirects_are_followed(serve):
    routes: dict[str, Route] = {f"/hop{i}": (lambda h, i=i: h.redirect(f"/hop{i + 1}")) for i in range(5)}
    routes["/hop5"] = ok_page()
    server = serve(routes)

    result = fetch(server.url("/hop0"))

    assert result.outcome == "moved"
    assert len(result.redirects) == MAX_REDIRECTS


def test_more_than_five_redirects_are_refused(serve):
    server = serve({"/loop": lambda h: h.redirect("/loop?again")})

    result = fetch(server.url("/loop"))

    assert result.outcome == "refused"
    assert "redirects" in result.error
    assert len(server.requests) == MAX_REDIRECTS + 1


def test_redirect_to_a_non_allowlisted_loopback_port_is_refused(serve):
    inner = serve({"/": ok_page()}, allow=())
    outer = serve({"/": lambda h: h.redirect(inner.url("/"))})

    result = fetch(outer.url())

    assert result.outcome == "refused"
    assert result.redirects == (Redirect(302, inner.url("/")),)
    assert inner.requests == []


def test_redirect_to_a_private_address_on_a_standard_port_is_refused_before_connecting(serve):
    server = serve({"/": lambda h: h.redirect("http://10.0.0.7/admin")})

    result = fetch(server.url())

    assert result.outcome == "refused"
    assert "10.0.0.7" in result.error


def test_redirect_to_a_name_resolving_privately_is_refused(serve):
    server = serve({"/": lambda h: h.redirect("http://intranet.example.net/")})
    resolver = FakeResolver([["10.1.2.3"]])

    result = fetch(server.url(), resolver=resolver)

    assert result.outcome == "refused"
    assert resolver.calls == [("intranet.example.net", 80)]


def test_redirect_to_an_unparsable_location_is_refused(serve):
    server = serve({"/": lambda h: h.redirect("http://[::1")})

    assert fetch(server.url()).outcome == "refused"


def test_redirect_to_another_scheme_is_refused(serve):
    server = serve({"/": lambda h: h.redirect("file:///etc/passwd")})

    assert fetch(server.url()).outcome == "refused"


# --- DNS pinning -------------------------------------------------------------------------------------


def test_connection_goes_to_the_validated_address_and_the_resolver_runs_once_per_hop(serve):
    server = serve(
        {"/": lambda h: h.redirect(server.url("/final", host="site.example.net")), "/final": ok_page()},
        allow=("site.example.net",),
    )
    # A second answer would point somewhere else entirely: it must never be asked for within a hop.
    resolver = FakeResolver([["127.0.0.1"], ["127.0.0.1"], ["10.66.66.66"]])

    result = fetch(server.url("/", host="site.example.net"), resolver=resolver)

    assert result.outcome == "moved"
    assert resolver.calls == [("site.example.net", server.port)] * 2
    assert [r["headers"]["Host"] for r in server.requests] == [f"site.example.net:{server.port}"] * 2


def test_dns_rebinding_to_loopback_after_validation_is_never_connected(monkeypatch):
    connected: list[tuple] = []

    def record(address: tuple, *args: object, **kwargs: object) -> socket.socket:
        connected.append(address)
        raise ConnectionRefusedError("test network is offline")

    monkeypatch.setattr(socket, "create_connection", record)
    resolver = FakeResolver([[PUBLIC_IP], ["127.0.0.1"]])

    result = fetch("http://rebind.example.net/", resolver=resolver)

    assert connected == [(PUBLIC_IP, 80)]
    assert len(resolver.calls) == 1
    assert (result.outcome, result.transient) == ("server_error", True)


def test_every_validated_address_is_tried_in_order(monkeypatch):
    connected: list[tuple] = []

    def record(address: tuple, *args: object, **kwargs: object) -> socket.socket:
        connected.append(address)
        raise ConnectionRefusedError

    monkeypatch.setattr(socket, "create_connection", record)

    fetch("http://dual.example.net/", resolver=FakeResolver([["2606:4700::1111", PUBLIC_IP]]))

    assert connected == [("2606:4700::1111", 80), (PUBLIC_IP, 80)]


@pytest.mark.parametrize("address", [PUBLIC_IP, "2606:4700::1111", "64:ff9b::5db8:d70e", "2002:5db8:d70e::1"])
def test_public_addresses_including_nat64_and_6to4_of_public_ipv4_are_connected_to(monkeypatch, address):
    connected: list[tuple] = []

    def record(target: tuple, *args: object, **kwargs: object) -> socket.socket:
        connected.append(target)
        raise ConnectionRefusedError

    monkeypatch.setattr(socket, "create_connection", record)

    result = fetch("https://public.example.net/", resolver=FakeResolver([[address]]))

    assert result.outcome == "server_error"
    assert connected == [(address, 443)]


# --- policy ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http://user:secret@example.com/",
        "http://@example.com/",
        "http://example.com:8080/",
        "https://example.com:22/",
        "http://exa_mple.com%00/",
        "not a url",
    ],
)
def test_urls_outside_the_policy_are_refused_without_resolving(url):
    assert fetch(url, resolver=must_not_resolve).outcome == "refused"


@pytest.mark.parametrize(
    "host",
    [
        "example.invalid",
        "news.test",
        "wire.example",
        "localhost",
        "LocalHost.",
        "app.localhost",
        "a.b.invalid.",
    ],
)
def test_special_use_names_are_blocked_without_any_dns_lookup(host, monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: pytest.fail(f"resolved {args}"))

    result = fetch(f"https://{host}/2023/09/arms")

    assert (result.outcome, result.transient) == ("blocked", False)
    assert "RFC 6761" in result.error


def test_a_redirect_to_a_special_use_name_is_blocked_without_resolving(serve):
    server = serve({"/": lambda h: h.redirect("https://internal.localhost/admin")})

    result = fetch(server.url(), resolver=must_not_resolve)

    assert result.outcome == "blocked"
    assert result.redirects == (Redirect(302, "https://internal.localhost/admin"),)


@pytest.mark.parametrize(
    "host", ["example.com", "invalid.example.org", "test.news.example.net", "localhost.net"]
)
def test_ordinary_names_that_merely_contain_a_special_use_label_are_resolved(host):
    resolver = FakeResolver([["10.0.0.1"]])

    assert fetch(f"http://{host}/", resolver=resolver).outcome == "refused"  # private answer
    assert resolver.calls == [(host, 80)]


# Spellings httpx itself refuses to parse; every other host is refused by our address check.
UNPARSEABLE = {"0177.0.0.1"}


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.0.0.1.",
        "2130706433",
        "0177.0.0.1",
        "0x7f.0.0.1",
        "0x7f000001",
        "127.1",
        "0.0.0.0",  # noqa: S104 - a literal the policy must refuse, nothing binds to it
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "224.0.0.1",
        "255.255.255.255",
        "192.0.0.8",
        "198.18.0.1",
        "[::1]",
        "[::]",
        "[::ffff:127.0.0.1]",
        "[::ffff:a9fe:a9fe]",
        "[::ffff:8.8.8.8]",
        "[fe80::1]",
        "[fe80::1%25eth0]",
        "[fc00::1]",
        "[ff02::1]",
        "[2002:7f00:1::1]",
        "[2002:a9fe:a9fe::]",
        "[64:ff9b::a00:1]",
        "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
    ],
)
def test_non_public_address_literals_are_refused_in_every_spelling(host):
    result = fetch(f"http://{host}/latest/meta-data/", resolver=must_not_resolve)

    assert result.outcome == "refused"
    # Refused by the guard, before connecting: not a connection that failed.
    if "%25" in host:
        assert result.error == "IPv6 zone identifiers are not allowed"
    elif host in UNPARSEABLE:
        assert result.error.startswith("invalid URL"), result.error
    else:
        assert "resolves to non-public address" in result.error, result.error


def test_decimal_spelling_of_loopback_is_refused():
    assert fetch("http://2130706433/", resolver=must_not_resolve).outcome == "refused"


@pytest.mark.parametrize(
    "answer",
    [["10.0.0.5"], [PUBLIC_IP, "10.0.0.5"], ["::ffff:127.0.0.1"], ["fd00::5"], ["169.254.169.254"]],
)
def test_a_name_with_any_non_public_address_is_refused(answer):
    result = fetch("http://mixed.example.net/", resolver=FakeResolver([answer]))

    assert result.outcome == "refused"


def test_allowlist_does_not_open_other_ports_on_the_same_host(serve):
    server = serve({"/": ok_page()})

    assert fetch(server.url()).outcome == "ok"
    assert fetch(f"http://127.0.0.1:{server.port + 1}/").outcome == "refused"
    assert fetch("http://127.0.0.1/").outcome == "refused"


def test_allowlist_matches_other_spellings_of_the_same_address(serve):
    server = serve({"/": ok_page()})

    assert fetch(f"http://2130706433:{server.port}/").outcome == "ok"


_BLOCKED_V4 = [
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
]


@st.composite
def non_public_ipv4_spellings(draw: st.DrawFn) -> str:
    network = draw(st.sampled_from(_BLOCKED_V4))
    address = network[draw(st.integers(0, network.num_addresses - 1))]
    octets = address.packed
    spellings = {
        "dotted": str(address),
        "decimal": str(int(address)),
        "hex": hex(int(address)),
        "octal_dotted": ".".join(f"0{o:o}" for o in octets),
        "hex_dotted": ".".join(f"0x{o:x}" for o in octets),
        "short": f"{octets[0]}.{int.from_bytes(octets[1:], 'big')}",
        "mixed": f"0x{octets[0]:x}.0{octets[1]:o}.{int.from_bytes(octets[2:], 'big')}",
    }
    return spellings[draw(st.sampled_from(sorted(spellings)))]


@given(host=non_public_ipv4_spellings())
def test_any_spelling_of_a_non_public_ipv4_address_is_refused(host):
    result = fetch(f"http://{host}/", resolver=must_not_resolve)

    assert result.outcome == "refused", host


# --- DNS and connection errors -----------------------------------------------------------------------


def test_unknown_name_is_a_final_dns_error():
    def nxdomain(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    result = fetch("http://no-such-host.example.net/", resolver=nxdomain)

    assert (result.outcome, result.transient) == ("dns_error", False)


def test_temporary_resolver_failure_is_a_transient_dns_error():
    def servfail(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    result = fetch("http://flaky-dns.example.net/", resolver=servfail)

    assert (result.outcome, result.transient) == ("dns_error", True)


def test_an_unknown_name_says_which_name(settings):
    def nxdomain(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    result = fetch("http://no-such-host.example.net/", resolver=nxdomain)

    assert result.error == "no-such-host.example.net: [Errno -2] Name or service not known"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ([], "odd-dns.example.net: no addresses"),
        (UnicodeError("label too long"), "odd-dns.example.net: label too long"),
        (OSError("resolver crashed"), "odd-dns.example.net: resolver crashed"),
        (
            ["not-an-address"],
            "odd-dns.example.net: 'not-an-address' does not appear to be an IPv4 or IPv6 address",
        ),
    ],
)
def test_a_resolver_answer_that_names_no_usable_address_is_a_final_dns_error(answer, error):
    def resolver(host: str, port: int) -> list[str]:
        if isinstance(answer, Exception):
            raise answer
        return answer

    result = fetch("http://odd-dns.example.net/", resolver=resolver)

    assert (result.outcome, result.transient, result.error) == ("dns_error", False, error)
    assert result.final_url == "http://odd-dns.example.net/"


def test_refused_connection_is_a_transient_server_error(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SOURCE_FETCH_ALLOWLIST = [f"127.0.0.1:{port}"]

    result = fetch(f"http://127.0.0.1:{port}/")

    assert (result.outcome, result.transient) == ("server_error", True)


def test_tls_to_a_plain_http_server_is_a_tls_error(serve):
    server = serve({"/": ok_page()})

    result = fetch(server.url(scheme="https"))

    assert (result.outcome, result.transient) == ("tls_error", False)


# --- caps and timeouts -------------------------------------------------------------------------------


def test_declared_length_over_the_cap_is_too_large(serve):
    server = serve({"/": ok_page(b"x" * 2000)})

    result = fetch(server.url(), max_bytes=1000)

    assert (result.outcome, result.body) == ("too_large", b"")


def test_streamed_body_over_the_cap_is_too_large(serve):
    def undeclared(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.end_headers()
        for _ in range(20):
            handler.wfile.write(b"y" * 500)

    server = serve({"/": undeclared})

    assert fetch(server.url(), max_bytes=1000).outcome == "too_large"
    assert fetch(server.url(), max_bytes=10_000).body == b"y" * 10_000


def test_unsupported_content_type_is_refused_without_reading_the_body(serve):
    def image(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "image/png")
        handler.end_headers()
        handler.wfile.flush()
        handler.server.pause(5)
        handler.wfile.write(b"\x89PNG")

    server = serve({"/": image})
    started = time.monotonic()

    result = fetch(server.url(), read_timeout=3)

    assert (result.outcome, result.body) == ("unsupported_type", b"")
    assert time.monotonic() - started < 2


def test_missing_content_type_is_unsupported(serve):
    def untyped(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"hi")

    server = serve({"/": untyped})

    assert fetch(server.url()).outcome == "unsupported_type"


def test_server_that_never_answers_times_out(serve):
    server = serve({"/": lambda h: (h.server.pause(5), h.reply(200, b"late"))})
    started = time.monotonic()

    result = fetch(server.url(), read_timeout=0.3)

    assert (result.outcome, result.transient) == ("timeout", True)
    assert time.monotonic() - started < 2


def test_total_deadline_stops_a_slowly_dripping_body(serve):
    def drip(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.end_headers()
        for _ in range(100):
            handler.wfile.write(b".")
            handler.wfile.flush()
            handler.server.pause(0.05)

    server = serve({"/": drip})
    started = time.monotonic()

    result = fetch(server.url(), read_timeout=1, total_timeout=0.5)

    assert result.outcome == "timeout"
    assert time.monotonic() - started < 1.5


def test_total_deadline_also_covers_slowly_dripping_headers(serve):
    def drip_headers(handler: Handler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(100):
            handler.wfile.write(b"X-Slow: 1\r\n")
            handler.wfile.flush()
            handler.server.pause(0.05)

    server = serve({"/": drip_headers})
    started = time.monotonic()

    result = fetch(server.url(), read_timeout=1, total_timeout=0.5)

    assert result.outcome == "timeout"
    assert time.monotonic() - started < 1.5


# --- TLS with the original host name -----------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", "/CN=news.example.net",
            "-addext", "subjectAltName=DNS:news.example.net",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(serve, certificate) -> tuple[LocalServer, list[str]]:
    cert, key = certificate
    server_names: list[str] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)
    server = serve({"/": ok_page(b"<p>secure</p>")}, allow=("news.example.net",), tls=context)
    return server, server_names


def test_tls_uses_the_host_name_for_sni_and_rejects_an_untrusted_certificate(tls_server):
    server, server_names = tls_server

    result = fetch(
        server.url(host="news.example.net", scheme="https"), resolver=FakeResolver([["127.0.0.1"]])
    )

    assert (result.outcome, result.transient) == ("tls_error", False)
    assert server_names == ["news.example.net"]


def test_tls_to_a_pinned_address_verifies_the_certificate_for_the_host_name(
    tls_server, certificate, monkeypatch
):
    server, server_names = tls_server
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    monkeypatch.setattr(fetch_module, "_ssl_context", lambda: trusting)

    result = fetch(
        server.url(host="news.example.net", scheme="https"), resolver=FakeResolver([["127.0.0.1"]])
    )

    assert (result.outcome, result.body) == ("ok", b"<p>secure</p>")
    assert server_names == ["news.example.net"]
    assert server.requests[0]["headers"]["Host"] == f"news.example.net:{server.port}"


# --- the cap's boundary, what a refusal says, and what a result records --------------------------------


def test_a_declared_length_exactly_at_the_cap_is_fetched(serve):
    server = serve({"/": ok_page(b"x" * 1000)})

    result = fetch(server.url(), max_bytes=1000)

    assert (result.outcome, result.body) == ("ok", b"x" * 1000)


def test_a_declared_length_over_the_cap_is_refused_before_reading_and_says_so(serve):
    server = serve({"/": ok_page(b"x" * 1001)})

    result = fetch(server.url(), max_bytes=1000)

    assert (result.outcome, result.error) == ("too_large", "declared 1001 bytes")
    assert result.final_url == server.url()


def test_an_unsupported_type_names_it_and_a_missing_one_is_recorded_empty(serve):
    def untyped(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"hi")

    server = serve({"/zip": lambda h: h.reply(200, b"PK", content_type="application/zip"), "/none": untyped})

    zipped = fetch(server.url("/zip"))
    assert (zipped.outcome, zipped.error) == ("unsupported_type", "content type 'application/zip'")
    untyped_result = fetch(server.url("/none"))
    assert (untyped_result.outcome, untyped_result.content_type) == ("unsupported_type", "")


def test_a_300_without_a_location_is_not_a_success(serve):
    server = serve({"/": lambda h: h.reply(300, b"<html>pick one</html>")})

    result = fetch(server.url())

    assert (result.outcome, result.http_status, result.body) == ("server_error", 300, b"")
    assert result.error == "unexpected status 300"


def test_a_fetch_records_the_address_it_connected_to(serve):
    server = serve({"/": ok_page()})

    assert fetch(server.url()).peer_address == "127.0.0.1"


def test_the_fetch_time_limits_are_5_s_to_connect_15_s_between_reads_and_30_s_in_all():
    defaults = {name: p.default for name, p in inspect.signature(fetch).parameters.items()}
    assert (defaults["connect_timeout"], defaults["read_timeout"], defaults["total_timeout"]) == (
        5.0,
        15.0,
        30.0,
    )


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "http://user:pw@example.org/"])
def test_a_url_refused_before_any_lookup_says_why_and_keeps_its_address(url):
    result = fetch(url, resolver=must_not_resolve)

    assert (result.outcome, result.final_url) == ("refused", url)
    assert "not allowed" in result.error
