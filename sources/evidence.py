"""Evidence of each capture: the body stored once by SHA-256, plus a WARC response record."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from sources.fetch import FetchResult

# Evidence can hold pages of drafts in progress: only the account running the app may read it,
# whatever the umask of the process that writes it.
FILE_MODE = 0o600
DIR_MODE = 0o700


def body_path(sha256: str) -> Path:
    # Two levels of sharding keep directories small: ab/cd/abcd….
    return settings.EVIDENCE_DIR / "bodies" / sha256[:2] / sha256[2:4] / sha256


def store_body(body: bytes) -> str:
    """Store `body` under its SHA-256 (once, whoever stores it first) and return the digest."""
    digest = hashlib.sha256(body).hexdigest()
    path = body_path(digest)
    if not path.exists():
        _make_private_dirs(path.parent)
        # Write to a private name, then rename: readers never see half a file, racing writers agree.
        partial = path.with_name(f"{digest}.{secrets.token_hex(4)}.part")
        with _open_private(partial) as output:
            output.write(body)
        os.replace(partial, path)
    return digest


def load_body(sha256: str) -> bytes:
    return body_path(sha256).read_bytes()


def write_warc(result: FetchResult, *, at: datetime) -> str:
    """One gzipped WARC file holding the response record of `result`; returns its path under EVIDENCE_DIR."""
    relative = Path("warc") / at.strftime("%Y/%m/%d") / f"{at:%H%M%S}-{secrets.token_hex(8)}.warc.gz"
    path = settings.EVIDENCE_DIR / relative
    _make_private_dirs(path.parent)
    headers = [
        (name, value)
        for name, value in (
            ("Content-Type", result.content_type),
            ("ETag", result.etag),
            ("Last-Modified", result.last_modified),
        )
        if value
    ]
    http_headers = StatusAndHeaders(f"{result.http_status} -", headers, protocol="HTTP/1.1")
    warc_headers = {"WARC-Date": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if result.peer_address:
        warc_headers["WARC-IP-Address"] = result.peer_address
    with _open_private(path) as output:
        writer = WARCWriter(output, gzip=True)
        record = writer.create_warc_record(
            result.final_url,
            "response",
            payload=io.BytesIO(result.body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )
        writer.write_record(record)
    return str(relative)


def _make_private_dirs(directory: Path) -> None:
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for each in reversed(missing):
        each.mkdir(mode=DIR_MODE, exist_ok=True)  # exist_ok: another worker made it first


def _open_private(path: Path) -> BinaryIO:
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE), "wb")
