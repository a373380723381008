"""The README's production steps, run as written: one-shot commands to the end, servers in the background."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import httpx

from tests.ops.checkout import clean_env, shell_blocks
from tests.reliability.stack import stop

# First words of the README lines that start a long-running process rather than a one-shot command.
SERVERS = ("gunicorn", "celery")


def production_env(values: dict[str, str], **extra: str) -> dict[str, str]:
    """A new shell with the virtualenv active and the README's variables set to this machine's values."""
    venv = Path(sys.prefix)
    env = clean_env(VIRTUAL_ENV=str(venv), **values, **extra)
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    return env


def run_production_steps(checkout: Path, values: dict[str, str], logs: Path, **extra: str):
    """Run the Scale-out block; return the server processes it started (the caller stops them)."""
    (block,) = shell_blocks(checkout / "README.md", "### Scale-out")
    lines = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    exported = {match[1] for line in lines if (match := re.match(r"export (\w+)=", line))}
    # The operator fills in the exports; a variable the README adds must be given a value here too.
    assert exported == set(values) - {"PORT"}, exported ^ (set(values) - {"PORT"})
    env = production_env(values, **extra)
    servers: list[subprocess.Popen] = []
    logs.mkdir(parents=True, exist_ok=True)
    try:
        for number, line in enumerate(lines):
            if line.startswith("export "):
                continue
            if line.split()[0] in SERVERS:
                with open(logs / f"{number}-{line.split()[0]}.log", "wb") as log:
                    server = subprocess.Popen(
                        ["bash", "-c", line], cwd=checkout, env=env, start_new_session=True,
                        stdout=log, stderr=subprocess.STDOUT,
                    )  # fmt: skip
                servers.append(server)
            else:
                began = time.monotonic()
                done = subprocess.run(
                    ["bash", "-c", line], cwd=checkout, env=env, capture_output=True, text=True, timeout=180
                )
                assert done.returncode == 0, f"{line}\n{done.stderr[-4000:]}"
                print(f"{time.monotonic() - began:5.1f} s  {line}")
    except BaseException:
        stop_all(servers)
        raise
    return servers


def stop_all(servers: list[subprocess.Popen]) -> None:
    """Ask every server to stop at once (warm shutdowns overlap), then make sure each did."""
    for server in servers:
        if server.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
    for server in servers:
        stop(server)


class Browser:
    """An HTTP client as a browser behind the TLS proxy sees it: https, Secure cookies, CSRF."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.origin = base.replace("http://", "https://")
        self.cookies: dict[str, str] = {}
        self.client = httpx.Client(base_url=base, timeout=20, follow_redirects=False)

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"X-Forwarded-Proto": "https", **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers |= {"Origin": self.origin, "Referer": f"{self.origin}{path}"}
        response = self.client.request(method, path, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def post_form(self, path: str, data: dict[str, str]) -> httpx.Response:
        return self.request("POST", path, data={"csrfmiddlewaretoken": self.cookies["csrftoken"], **data})
