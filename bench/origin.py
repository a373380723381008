"""Simulated news hosts: one asyncio server on 127.0.0.1..127.0.0.N that counts requests in flight per host.

Run as a subprocess (python -m bench.origin --port P --hosts N); it prints "ready" once listening.
GET /article/<i> serves a small article holding QUOTE; GET /_stats returns the counters as JSON and
GET /_reset zeroes them. Stdlib only, so it starts fast and stays out of the checker's way.
"""

import argparse
import asyncio
import contextlib
import json
from collections import Counter

QUOTE = "The shipment of twenty-four towed howitzers reached the port of Tartus on Tuesday, officials said."
FILLER = (
    "Port authorities declined to comment on the cargo, but satellite images published by independent "
    "analysts show several vessels unloading heavy equipment under guard over the past week. "
)


def article(number: int) -> bytes:
    """A page trafilatura reads like a real news article: title, site name, date, language, body."""
    # "ref404", never a bare "404": the checker rightly reads a short page saying 404 as a soft 404.
    title = f"Howitzers reach Tartus (ref{number})"
    paragraphs = "".join(f"<p>{p}</p>" for p in (FILLER * 2, f"«{QUOTE}»", FILLER, f"Reference ref{number}."))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        '<meta property="og:site_name" content="The Harbour Gazette">'
        '<meta property="article:published_time" content="2024-03-05T08:00:00+00:00">'
        f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paragraphs}</article>"
        "<footer>© The Harbour Gazette</footer></body></html>"
    ).encode()


class Origin:
    """Per-host counters. A request counts as in flight from its arrival until its connection closes
    or carries the next request: the checker opens one connection per fetch, so two overlapping
    fetches to one host always show up as 2, however fast this server answers."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.inflight: Counter[str] = Counter()
        self.max_inflight: Counter[str] = Counter()
        self.served: Counter[str] = Counter()

    def stats(self) -> dict:
        return {
            "served": sum(self.served.values()),
            "hosts_served": len(self.served),
            "served_per_host_min": min(self.served.values(), default=0),
            "served_per_host_max": max(self.served.values(), default=0),
            "max_inflight_per_host": max(self.max_inflight.values(), default=0),
            "hosts_over_one": sorted(host for host, peak in self.max_inflight.items() if peak > 1),
        }

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        counted = False
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1]
                if path.startswith(b"/article/"):
                    if not counted:
                        counted = True
                        self.inflight[host] += 1
                        self.max_inflight[host] = max(self.max_inflight[host], self.inflight[host])
                    self.served[host] += 1
                    status, body, content_type = (
                        b"200 OK",
                        article(int(path.rsplit(b"/", 1)[1])),
                        b"text/html",
                    )
                elif path == b"/_stats":
                    status, body, content_type = (
                        b"200 OK",
                        json.dumps(self.stats()).encode(),
                        b"application/json",
                    )
                elif path == b"/_reset":
                    self.reset()
                    status, body, content_type = b"200 OK", b"{}", b"application/json"
                else:
                    status, body, content_type = b"404 Not Found", b"not found", b"text/plain"
                close = b"connection: close" in head.lower()
                writer.write(
                    b"HTTP/1.1 %s\r\nContent-Type: %s; charset=utf-8\r\nContent-Length: %d\r\n%s\r\n"
                    % (status, content_type, len(body), b"Connection: close\r\n" if close else b"")
                    + body
                )
                await writer.drain()
                if close:
                    break
        except (
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ConnectionError,
            IndexError,
            ValueError,
        ):
            pass
        finally:
            if counted:
                self.inflight[host] -= 1
            writer.close()


async def serve(port: int, hosts: int) -> None:
    origin = Origin()
    addresses = [f"127.0.0.{n}" for n in range(1, hosts + 1)]
    server = await asyncio.start_server(origin.handle, host=addresses, port=port, backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hosts", type=int, default=100)
    args = parser.parse_args()
    if not 1 <= args.hosts <= 254:
        parser.error("--hosts must be 1..254 (one loopback address each)")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.hosts))


if __name__ == "__main__":
    main()
