"""Hostile compression: every Content-Encoding layer is decoded under the cap, or refused."""

from __future__ import annotations

import gzip
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from sources.fetch import fetch
from tests.sources.test_fetch import ok_page, serve  # noqa: F401 (fixture)

MiB = 1 << 20
ROOT = Path(__file__).resolve().parents[2]

# Runs one fetch in a fresh interpreter and reports how much its peak RSS grew. The address-space limit
# turns a regression into a MemoryError in the child instead of gigabytes taken from the machine.
CHILD = """
import json, resource, sys
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
with open("/proc/self/statm") as statm:
    size = int(statm.read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (size + 1024 * 1024 * 1024, hard))
from sources.fetch import fetch
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = fetch(sys.argv[1])
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
report = {"outcome": result.outcome, "error": result.error, "body": len(result.body), "grown_kib": grown}
print(json.dumps(report))
"""


def zeros(mib: int, *, wbits: int) -> bytes:
    """A valid gzip (wbits 31), zlib (15) or raw deflate (-15) stream of `mib` MiB of zeros, built fast:
    one fully flushed block of a MiB of zeros, repeated, and the trailer computed by hand."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    head = compressor.compress(b"") + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush()
    if wbits == 31:
        crc = 0
        for _ in range(mib):
            crc = zlib.crc32(bytes(MiB), crc)
        end = end[:-8] + struct.pack("<II", crc, (mib * MiB) & 0xFFFFFFFF)
    elif wbits == 15:
        adler = 1
        for _ in range(mib):
            adler = zlib.adler32(bytes(MiB), adler)
        end = end[:-4] + struct.pack(">I", adler)
    return head + block * mib + end


def test_the_bomb_builder_makes_valid_streams():
    assert gzip.decompress(zeros(3, wbits=31)) == bytes(3 * MiB)
    assert zlib.decompress(zeros(3, wbits=15)) == bytes(3 * MiB)
    assert zlib.decompress(zeros(3, wbits=-15), -15) == bytes(3 * MiB)


def fetch_in_child(url: str, allow: str) -> dict:
    env = {**os.environ, "SOURCE_FETCH_ALLOWLIST": allow, "PYTHONPATH": str(ROOT)}
    env.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


BOMBS = {
    # 1 GiB of zeros in about a MiB.
    "gzip": (lambda: zeros(1024, wbits=31), "gzip", "too_large"),
    "deflate": (lambda: zeros(1024, wbits=15), "deflate", "too_large"),
    "raw-deflate": (lambda: zeros(1024, wbits=-15), "deflate", "too_large"),
    # 1.5 GiB in under 4 KB: a gzip of a gzip, as the attacker sent it.
    "stacked": (lambda: gzip.compress(zeros(1536, wbits=31), 9), "gzip, gzip", "unsupported_type"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", BOMBS)
def test_a_compression_bomb_is_refused_and_the_fetching_process_stays_small(serve, name):  # noqa: F811
    build, encoding, outcome = BOMBS[name]
    body = build()
    assert len(body) < 2 * MiB
    server = serve({"/": ok_page(body, Content_Encoding=encoding)})

    report = fetch_in_child(server.url(), f"127.0.0.1:{server.port}")

    assert (report["outcome"], report["body"]) == (outcome, 0), report
    # Decoding it all takes at least 1 GiB, and httpx's decoding of a whole 64 KB read at once took
    # 53 MB; the cap (10 MB) and one bounded output buffer stay under 40 MiB.
    assert report["grown_kib"] < 40 * 1024, report


def test_stacked_encodings_are_refused_even_when_small(serve):  # noqa: F811
    page = b"<html><body><p>twice</p></body></html>"
    server = serve({"/": ok_page(gzip.compress(gzip.compress(page)), Content_Encoding="gzip, gzip")})

    result = fetch(server.url())

    assert (result.outcome, result.body) == ("unsupported_type", b"")
    assert "stacked" in result.error


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, br", "bogus"])
def test_encodings_we_did_not_ask_for_are_refused(serve, encoding):  # noqa: F811
    server = serve({"/": ok_page(b"\x1b\x00\x00garbage", Content_Encoding=encoding)})

    result = fetch(server.url())

    assert result.outcome == "unsupported_type"
    assert server.requests[0]["headers"]["Accept-Encoding"] == "gzip, deflate"


def test_a_decoded_body_one_byte_over_the_cap_is_too_large_and_at_the_cap_is_read(serve):  # noqa: F811
    server = serve(
        {
            "/at": ok_page(gzip.compress(b"a" * 1000), Content_Encoding="gzip"),
            "/over": ok_page(gzip.compress(b"a" * 1001), Content_Encoding="gzip"),
        }
    )

    assert fetch(server.url("/at"), max_bytes=1000).body == b"a" * 1000
    assert fetch(server.url("/over"), max_bytes=1000).outcome == "too_large"


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send it
        ("x-gzip", gzip.compress),
        ("gzip", lambda data: gzip.compress(data[:10]) + gzip.compress(data[10:])),  # two members
        ("identity", lambda data: data),
        ("gzip, identity", gzip.compress),
    ],
)
def test_ordinary_encodings_decode(serve, encoding, encode):  # noqa: F811
    page = b"<html><body><p>compressed the usual way</p></body></html>"
    server = serve({"/": ok_page(encode(page), Content_Encoding=encoding)})

    result = fetch(server.url())

    assert (result.outcome, result.body) == ("ok", page)


def test_a_corrupt_gzip_body_is_a_server_error(serve):  # noqa: F811
    server = serve({"/": ok_page(b"\x1f\x8b\x08\x00 not really gzip", Content_Encoding="gzip")})

    result = fetch(server.url())

    assert (result.outcome, result.transient) == ("server_error", False)
