"""Guarded HTTP fetch of source pages: public addresses only, pinned DNS, capped size and time."""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

from sources import decoding

USER_AGENT = "ArmsClaimTracker/1.0 (+source re-checker)"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
ALLOWED_MEDIA_TYPES = frozenset(
    {"text/html", "application/xhtml+xml", "text/plain", "application/pdf", "application/json"}
)
ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,application/json;q=0.8"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]

# Forbidden although Python's ipaddress calls (parts of) them global.
_EXTRA_FORBIDDEN = tuple(
    ipaddress.ip_network(net)
    for net in ("192.0.0.0/24", "192.88.99.0/24", "100.64.0.0/10", "64:ff9b:1::/48", "2001::/23")
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_HOSTNAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?")
_IPV4_SPELLING = re.compile(r"[0-9a-fx.]+")
# RFC 6761 special-use names: no published document lives there, so they are never looked up.
RESERVED_TLDS = frozenset({"invalid", "test", "example", "localhost"})


class Outcome(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    MOVED = "moved"
    GONE = "gone"
    BLOCKED = "blocked"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    DNS_ERROR = "dns_error"
    TLS_ERROR = "tls_error"
    TOO_LARGE = "too_large"
    UNSUPPORTED_TYPE = "unsupported_type"
    REFUSED = "refused"


class Redirect(NamedTuple):
    status: int
    url: str


@dataclass(frozen=True)
class FetchResult:
    """What one fetch produced; `outcome` is always set, `transient` says whether a retry may help."""

    url: str
    outcome: Outcome
    final_url: str
    http_status: int | None = None
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    retry_after: float | None = None
    body: bytes = b""
    redirects: tuple[Redirect, ...] = ()
    error: str = ""
    transient: bool = False
    # The address actually connected to, for the WARC record (WARC-IP-Address).
    peer_address: str = ""

    @property
    def media_type(self) -> str:
        return _media_type(self.content_type)

    def raise_if_transient(self) -> None:
        """Raise TransientFetchError so a Celery task can `autoretry_for` it."""
        if self.transient:
            raise TransientFetchError(self)


class TransientFetchError(Exception):
    """A fetch failed in a way that may succeed later (timeouts, 5xx, 429, dropped connections)."""

    def __init__(self, result: FetchResult) -> None:
        super().__init__(f"{result.outcome}: {result.error or result.http_status} ({result.url})")
        self.result = result


class _Failure(Exception):
    def __init__(self, outcome: Outcome, error: str, *, transient: bool = False) -> None:
        super().__init__(error)
        self.outcome = outcome
        self.error = error
        self.transient = transient


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve like the OS would, returning every address (IPv4 and IPv6) as a string."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait according to a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    connect_timeout: float = 5.0,
    read_timeout: float = 15.0,
    total_timeout: float = 30.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    resolver: Resolver | None = None,
) -> FetchResult:
    """GET `url` under the SSRF policy, following up to MAX_REDIRECTS redirects by hand."""
    deadline = time.monotonic() + total_timeout
    resolve = resolver or system_resolver
    headers = [
        (b"User-Agent", USER_AGENT.encode()),
        (b"Accept", ACCEPT.encode()),
        (b"Accept-Encoding", decoding.ACCEPT_ENCODING.encode()),
    ]
    if etag:
        headers.append((b"If-None-Match", etag.encode()))
    if last_modified:
        headers.append((b"If-Modified-Since", last_modified.encode()))
    timeouts = {
        "connect": connect_timeout,
        "read": read_timeout,
        "write": read_timeout,
        "pool": connect_timeout,
    }
    redirects: list[Redirect] = []
    final_url = url
    try:
        target = first = _Target.parse(url)
        final_url = str(target.url)
        for _ in range(MAX_REDIRECTS + 1):
            if time.monotonic() >= deadline:
                raise _Failure(Outcome.TIMEOUT, "total deadline exceeded", transient=True)
            response = _send(target, _checked_addresses(target, resolve), headers, timeouts, deadline)
            try:
                location = response.headers.get("location")
                if response.status_code in REDIRECT_STATUSES and location:
                    # Recorded before the policy check, so a refused hop still shows where it led.
                    final_url = str(target.url.join(location.strip()))
                    redirects.append(Redirect(response.status_code, final_url))
                    target = _Target.parse(final_url)
                    continue
                return _result(
                    response,
                    url=url,
                    final_url=final_url,
                    moved=target.url != first.url,
                    redirects=tuple(redirects),
                    max_bytes=max_bytes,
                )
            finally:
                response.close()
        raise _Failure(Outcome.REFUSED, f"more than {MAX_REDIRECTS} redirects")
    except _Failure as failure:
        outcome, error, transient = failure.outcome, failure.error, failure.transient
    except httpx.InvalidURL as exc:
        outcome, error, transient = Outcome.REFUSED, f"invalid redirect target: {exc}", False
    except httpcore.TimeoutException as exc:
        outcome, error, transient = Outcome.TIMEOUT, _describe(exc), True
    except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
        if _caused_by_tls(exc):
            outcome, error, transient = Outcome.TLS_ERROR, _describe(exc), False
        else:
            # Refused, reset or garbled connections: the remote end failed, and it may recover.
            outcome, error, transient = Outcome.SERVER_ERROR, _describe(exc), True
    return FetchResult(
        url=url,
        outcome=outcome,
        final_url=final_url,
        redirects=tuple(redirects),
        error=error,
        transient=transient,
    )


@dataclass(frozen=True)
class PostResult:
    """What one guarded POST got back: an HTTP status, or why none came."""

    http_status: int | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300


def _destination(url: str, resolve: Resolver) -> tuple[_Target, list[str]]:
    target = _Target.parse(url)
    # Pushed data leaves us in the clear otherwise; the test allowlist is the only exception.
    if target.url.scheme != "https" and not target.allowlisted:
        raise _Failure(Outcome.REFUSED, "only https:// addresses are allowed")
    return target, _checked_addresses(target, resolve)


def refusal(url: str, *, resolver: Resolver | None = None) -> str:
    """Why post() would refuse to send to `url` (not https, a private address, no such host...), or ""."""
    try:
        _destination(url, resolver or system_resolver)
    except _Failure as failure:
        return failure.error
    except httpx.InvalidURL as exc:
        return f"invalid URL: {exc}"
    return ""


def post(
    url: str,
    *,
    body: bytes,
    headers: Sequence[tuple[str, str]],
    timeout: float = 10.0,
    resolver: Resolver | None = None,
) -> PostResult:
    """POST `body` to an https `url` under the same SSRF policy as fetch(); redirects are not followed
    (a redirect could lead to a private address the check at registration never saw)."""
    deadline = time.monotonic() + timeout
    sent = [
        (b"User-Agent", USER_AGENT.encode()),
        (b"Content-Length", str(len(body)).encode()),
        *((name.encode(), value.encode()) for name, value in headers),
    ]
    timeouts = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
    try:
        target, addresses = _destination(url, resolver or system_resolver)
        response = _send(target, addresses, sent, timeouts, deadline, method=b"POST", content=body)
        response.close()
        return PostResult(http_status=response.status_code)
    except _Failure as failure:
        return PostResult(error=failure.error)
    except httpx.InvalidURL as exc:
        return PostResult(error=f"invalid URL: {exc}")
    except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError) as exc:
        return PostResult(error=_describe(exc))


def _result(
    response: httpx.Response,
    *,
    url: str,
    final_url: str,
    moved: bool,
    redirects: tuple[Redirect, ...],
    max_bytes: int,
) -> FetchResult:
    status = response.status_code
    meta: dict[str, Any] = {
        "url": url,
        "final_url": final_url,
        "http_status": status,
        "content_type": response.headers.get("content-type", ""),
        "etag": response.headers.get("etag"),
        "last_modified": response.headers.get("last-modified"),
        "retry_after": parse_retry_after(response.headers.get("retry-after")),
        "redirects": redirects,
        "peer_address": response.extensions.get("peer_address", ""),
    }
    if status == 304:
        return FetchResult(outcome=Outcome.NOT_MODIFIED, **meta)
    if 200 <= status < 300:
        media_type = _media_type(meta["content_type"])
        if not _allowed_media_type(media_type):
            return FetchResult(outcome=Outcome.UNSUPPORTED_TYPE, error=f"content type {media_type!r}", **meta)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            return FetchResult(outcome=Outcome.TOO_LARGE, error=f"declared {declared} bytes", **meta)
        try:
            # Raw bytes, decoded here under the cap: httpx would inflate every layer without a limit.
            coding = decoding.coding_of(response.headers.get("content-encoding", ""))
            body = decoding.read_body(response.iter_raw(), coding, max_bytes=max_bytes)
        except decoding.BodyRefused as refused:
            return FetchResult(outcome=Outcome(refused.outcome), error=refused.error, **meta)
        return FetchResult(outcome=Outcome.MOVED if moved else Outcome.OK, body=body, **meta)
    if status in (404, 410):
        return FetchResult(outcome=Outcome.GONE, **meta)
    if status == 429:
        return FetchResult(outcome=Outcome.BLOCKED, transient=True, **meta)
    if status == 408:
        return FetchResult(outcome=Outcome.TIMEOUT, transient=True, **meta)
    if status >= 500:
        return FetchResult(outcome=Outcome.SERVER_ERROR, transient=True, **meta)
    if 400 <= status < 500:
        # 401/403/451 and any other refusal: a person should look, the source is not proven dead.
        return FetchResult(outcome=Outcome.BLOCKED, **meta)
    return FetchResult(outcome=Outcome.SERVER_ERROR, error=f"unexpected status {status}", **meta)


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _allowed_media_type(media_type: str) -> bool:
    return media_type in ALLOWED_MEDIA_TYPES or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _allowlist() -> frozenset[str]:
    return frozenset(entry.strip().lower() for entry in settings.SOURCE_FETCH_ALLOWLIST)


def _ip_literal(host: str) -> IPAddress | None:
    """The address a host literal denotes, read the way the OS resolver reads it (127.1, 0x7f.0.0.1...)."""
    if ":" in host:
        if "%" in host:
            raise _Failure(Outcome.REFUSED, "IPv6 zone identifiers are not allowed")
        try:
            return ipaddress.IPv6Address(host)
        except ValueError as exc:
            raise _Failure(Outcome.REFUSED, f"invalid IPv6 literal {host!r}") from exc
    candidate = host.removesuffix(".")
    if _IPV4_SPELLING.fullmatch(candidate):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(candidate))
        except OSError:
            return None
    return None


@dataclass(frozen=True)
class _Target:
    """A URL that passed every check needing no DNS: scheme, userinfo, host syntax and port."""

    url: httpx.URL
    host: str
    port: int
    literal: IPAddress | None
    allowlisted: bool

    @classmethod
    def parse(cls, raw: str) -> _Target:
        try:
            url = httpx.URL(raw)
        except httpx.InvalidURL as exc:
            raise _Failure(Outcome.REFUSED, f"invalid URL: {exc}") from exc
        if url.scheme not in DEFAULT_PORTS:
            raise _Failure(Outcome.REFUSED, f"scheme {url.scheme!r} is not allowed")
        if url.userinfo or "@" in urlsplit(raw).netloc:
            raise _Failure(Outcome.REFUSED, "credentials in URL are not allowed")
        host = url.raw_host.decode("ascii").lower()
        literal = _ip_literal(host)
        if literal is not None:
            # The allowlist spells addresses canonically, whatever spelling the URL used.
            key = f"[{literal}]" if literal.version == 6 else str(literal)
        elif _HOSTNAME.fullmatch(host):
            key = host.removesuffix(".")
            if key.rsplit(".", 1)[-1] in RESERVED_TLDS:
                raise _Failure(Outcome.BLOCKED, f"{key} is a special-use name (RFC 6761): not looked up")
        else:
            raise _Failure(Outcome.REFUSED, f"invalid host name {host!r}")
        port = url.port or DEFAULT_PORTS[url.scheme]
        allowlisted = f"{key}:{port}" in _allowlist()
        if port not in (80, 443) and not allowlisted:
            raise _Failure(Outcome.REFUSED, f"port {port} is not allowed")
        return cls(url=url, host=host, port=port, literal=literal, allowlisted=allowlisted)


def _checked_addresses(target: _Target, resolve: Resolver) -> list[str]:
    """Resolve the host once and refuse unless every address is public (or host:port is allowlisted)."""
    if target.literal is not None:
        addresses: list[IPAddress] = [target.literal]
    else:
        try:
            resolved = list(dict.fromkeys(resolve(target.host, target.port)))
        except socket.gaierror as exc:
            raise _Failure(
                Outcome.DNS_ERROR, f"{target.host}: {exc}", transient=exc.errno == socket.EAI_AGAIN
            ) from exc
        except (OSError, UnicodeError) as exc:
            raise _Failure(Outcome.DNS_ERROR, f"{target.host}: {exc}") from exc
        if not resolved:
            raise _Failure(Outcome.DNS_ERROR, f"{target.host}: no addresses")
        try:
            addresses = [ipaddress.ip_address(address) for address in resolved]
        except ValueError as exc:
            raise _Failure(Outcome.DNS_ERROR, f"{target.host}: {exc}") from exc
    if not target.allowlisted:
        for address in addresses:
            if _forbidden(address):
                raise _Failure(Outcome.REFUSED, f"{target.host} resolves to non-public address {address}")
    return [str(address) for address in addresses]


def _forbidden(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None or address.teredo is not None:
            return True
        # 6to4 and NAT64 addresses route to the IPv4 address inside them: judge that one.
        embedded = address.sixtofour
        if address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _forbidden(embedded)
    return (
        not address.is_global
        or address.is_multicast
        or address.is_reserved
        or address.is_link_local
        or address.is_loopback
        or address.is_unspecified
        or any(address in network for network in _EXTRA_FORBIDDEN if network.version == address.version)
    )


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes milliseconds; one verifying context serves every fetch.
    return httpx.create_ssl_context()


class _DeadlineStream(httpcore.NetworkStream):
    """Clamps every socket operation to the fetch's total deadline, so slow drips cannot outlast it."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def _timeout(self, timeout: float | None, error: type[httpcore.TimeoutException]) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise error("total deadline exceeded")
        return remaining if timeout is None else min(timeout, remaining)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        upgraded = self._inner.start_tls(
            ssl_context, server_hostname, self._timeout(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(upgraded, self._deadline)

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects to the validated addresses whatever host httpcore names; TLS still verifies that name."""

    def __init__(self, addresses: Sequence[str], deadline: float) -> None:
        self._addresses = addresses
        self._deadline = deadline
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in self._addresses:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise httpcore.ConnectTimeout("total deadline exceeded")
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=remaining if timeout is None else min(timeout, remaining),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                error = exc
                continue
            return _DeadlineStream(stream, self._deadline)
        raise error


class _CoreStream(httpx.SyncByteStream):
    def __init__(self, response: httpcore.Response, pool: httpcore.ConnectionPool) -> None:
        self._response = response
        self._pool = pool

    def __iter__(self) -> Iterator[bytes]:
        yield from self._response.iter_stream()

    def close(self) -> None:
        try:
            self._response.close()
        finally:
            self._pool.close()


def _send(
    target: _Target,
    addresses: Sequence[str],
    headers: list[tuple[bytes, bytes]],
    timeouts: dict[str, float],
    deadline: float,
    *,
    method: bytes = b"GET",
    content: bytes | None = None,
) -> httpx.Response:
    """One request over a fresh pool pinned to `addresses`; httpx.Response gives header parsing."""
    pool = httpcore.ConnectionPool(
        ssl_context=_ssl_context(),
        max_connections=1,
        network_backend=_PinnedBackend(addresses, deadline),
    )
    url = target.url
    request = httpcore.Request(
        method,
        httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
        headers=[(b"Host", url.netloc), *headers],
        content=content,
        extensions={"timeout": timeouts},
    )
    try:
        response = pool.handle_request(request)
    except BaseException:
        pool.close()
        raise
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    return httpx.Response(
        response.status,
        headers=response.headers,
        stream=_CoreStream(response, pool),
        request=httpx.Request(method.decode(), url),
        extensions={"peer_address": peer[0] if peer else ""},
    )


def _caused_by_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
