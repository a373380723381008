"""SSRF: what tests/sources/test_fetch.py leaves open — rebinding across redirect chains, IPv6 embeddings.

Already proven there: every spelling of a non-public IPv4 literal (hypothesis,
test_any_spelling_of_a_non_public_ipv4_address_is_refused), a list of non-public literals
(test_non_public_address_literals_are_refused_in_every_spelling), one rebinding resolver on a single
URL (test_dns_rebinding_to_loopback_after_validation_is_never_connected), and single redirects to
private addresses and names
(test_redirect_to_a_private_address_on_a_standard_port_is_refused_before_connecting,
test_redirect_to_a_name_resolving_privately_is_refused).
"""

import ipaddress
import socket
import threading
from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sources.fetch import MAX_REDIRECTS, fetch
from tests.sources.test_fetch import LocalServer, must_not_resolve, ok_page

PUBLIC = ["93.184.215.14", "8.8.4.4", "2606:4700::1111"]
PRIVATE_V4 = ["127.0.0.1", "10.0.0.7", "169.254.169.254", "192.168.1.1", "172.16.0.1", "100.64.0.1"]
# IPv6 forms that reach loopback or private networks: loopback, mapped, link-local, unique-local,
# 6to4 and NAT64 of 127.0.0.1, IPv4-compatible, unspecified.
PRIVATE_V6 = [
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "2002:7f00:1::",
    "2002:7f00:1::1",
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
    "::7f00:1",
    "::",
]


def is_public(address: str) -> bool:
    return address in PUBLIC


# ---------------------------------------------------------------- IPv6 forms


@pytest.mark.parametrize("address", PRIVATE_V6)
def test_ipv6_forms_of_private_addresses_are_refused_as_literals(address):
    assert fetch(f"http://[{address}]/", resolver=must_not_resolve).outcome == "refused"


@pytest.mark.parametrize("address", PRIVATE_V6)
def test_a_name_resolving_to_an_ipv6_form_of_a_private_address_is_refused(address, monkeypatch):
    connected = []
    monkeypatch.setattr(socket, "create_connection", lambda target, *a, **k: connected.append(target))
    result = fetch("http://sneaky.example.net/", resolver=lambda host, port: [address])
    assert result.outcome == "refused" and connected == []


@st.composite
def ipv6_embedding_of_private_ipv4(draw) -> str:
    v4 = ipaddress.IPv4Address(draw(st.sampled_from(PRIVATE_V4)))
    value = int(v4)
    form = draw(st.sampled_from(["mapped", "nat64", "6to4"]))
    if form == "mapped":
        return str(ipaddress.IPv6Address((0xFFFF << 32) | value))
    if form == "nat64":
        return str(ipaddress.IPv6Address((0x64FF9B << 96) | value))
    subnet = draw(st.integers(0, 0xFFFF)) << 64
    return str(
        ipaddress.IPv6Address((0x2002 << 112) | (value << 80) | subnet | draw(st.integers(0, 2**64 - 1)))
    )


@settings(max_examples=60, deadline=None)
@given(address=ipv6_embedding_of_private_ipv4())
def test_every_ipv6_embedding_of_a_private_ipv4_address_is_refused(address):
    assert fetch(f"http://[{address}]/", resolver=must_not_resolve).outcome == "refused", address
    assert fetch("http://embed.example.net/", resolver=lambda host, port: [address]).outcome == "refused"


# ---------------------------------------------------------------- redirect chains with rebinding


@dataclass(frozen=True)
class Hop:
    """Where one step of a redirect chain points."""

    kind: str  # "public-name", "rebinding-name", "private-name", "public-literal", "private-literal"
    host: str
    private: str = ""  # the private address a name answers (always, or from its second lookup on)

    def url(self, index: int) -> str:
        return f"http://{self.host}/hop/{index}"


hops = st.one_of(
    st.builds(Hop, st.just("public-name"), st.sampled_from(["news.example.net", "wire.example.net"])),
    st.builds(
        Hop,
        st.just("rebinding-name"),
        st.sampled_from(["rebind.example.net", "flip.example.net"]),
        st.sampled_from(PRIVATE_V4 + PRIVATE_V6),
    ),
    st.builds(
        Hop,
        st.just("private-name"),
        st.just("intranet.example.net"),
        st.sampled_from(PRIVATE_V4 + PRIVATE_V6),
    ),
    st.builds(Hop, st.just("public-literal"), st.sampled_from(["93.184.215.14", "8.8.4.4"])),
    st.builds(
        Hop,
        st.just("private-literal"),
        st.sampled_from(
            ["127.0.0.1", "2130706433", "0x7f.1", "[::1]", "[::ffff:10.0.0.7]", "169.254.169.254"]
        ),
    ),
)


class Resolver:
    """Public names answer public addresses; rebinding names answer public once, then private, per call."""

    def __init__(self, chain: list[Hop]) -> None:
        self.private = {hop.host: hop.private for hop in chain if hop.private}
        self.kinds = {hop.host: hop.kind for hop in chain}
        self.calls: Counter[str] = Counter()

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls[host] += 1
        kind = self.kinds[host]
        if kind == "private-name" or (kind == "rebinding-name" and self.calls[host] > 1):
            return [self.private[host]]
        return [PUBLIC[0]]


def first_refusal(chain: list[Hop]) -> int | None:
    """The hop the fetcher must refuse, simulating one lookup per hop; None if the chain is all public."""
    lookups: Counter[str] = Counter()
    for index, hop in enumerate(chain):
        if hop.kind in ("private-name", "private-literal"):
            return index
        if hop.kind == "rebinding-name":
            lookups[hop.host] += 1
            if lookups[hop.host] > 1:
                return index
    return None


@pytest.fixture
def origin(settings, monkeypatch):
    """A local server that answers for every public address: the fetcher believes it reached the internet."""
    settings.SOURCE_FETCH_ALLOWLIST = []  # nothing private is allowed, not even this server
    server = LocalServer({})
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    real_connect = socket.create_connection
    server.attempted = []

    def connect(target, *args, **kwargs):
        server.attempted.append(target[0])
        if not is_public(target[0]):
            raise ConnectionRefusedError(f"test refused {target[0]}")
        return real_connect(("127.0.0.1", server.port), *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", connect)
    yield server
    server.shutdown()
    server.server_close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chain=st.lists(hops, min_size=1, max_size=MAX_REDIRECTS + 1))
def test_redirect_chains_never_reach_a_private_address_whatever_dns_answers(origin, chain):
    origin.attempted.clear()
    origin.requests.clear()
    last = len(chain) - 1
    origin.routes = {
        f"/hop/{i}": (
            ok_page()
            if i == last
            else (lambda next_url: lambda handler: handler.redirect(next_url))(chain[i + 1].url(i + 1))
        )
        for i in range(len(chain))
    }

    result = fetch(chain[0].url(0), resolver=Resolver(chain))

    assert all(is_public(address) for address in origin.attempted), origin.attempted
    refused_at = first_refusal(chain)
    if refused_at is None:
        assert result.outcome in ("ok", "moved"), (result.outcome, result.error)
        assert len(origin.requests) == len(chain)
    else:
        assert result.outcome == "refused", (result.outcome, result.error)
        assert [request["path"] for request in origin.requests] == [f"/hop/{i}" for i in range(refused_at)]
