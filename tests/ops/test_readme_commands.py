"""The README's API examples, run as written in a new shell after `make run`, in a fresh clone."""

import json
import re
import stat
import subprocess

import httpx
import pytest

from tests.ops.checkout import clean_env, clone_head, shell_blocks
from tests.reliability.stack import free_port, stop, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def demo(tmp_path):
    """A fresh clone served the way `make run` serves it (its own SQLite, filesystem broker, worker, beat)."""
    checkout = clone_head(tmp_path / "clone")
    port = free_port()
    # `make run` as written, except that the shared virtualenv is taken as installed (-o: not remade).
    process = subprocess.Popen(
        ["make", "-o", ".venv/bin/activate", "run", f"PORT={port}"],
        cwd=checkout, env=clean_env(), start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def serving() -> bool:
        assert process.poll() is None, process.stdout.read().decode()[-4000:]
        try:
            return httpx.get(f"{base}/accounts/login/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(serving, timeout=120, interval=0.5, what="make run to serve the login page")
        yield checkout, port
    finally:
        stop(process)


def test_the_readme_api_examples_work_as_written_in_a_new_shell_after_make_run(demo):
    checkout, port = demo
    env_file = checkout / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert "DJANGO_SECRET_KEY=" in env_file.read_text()
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=checkout, check=False)
    assert ignored.returncode == 0, ".env must never be committed"

    (block,) = shell_blocks(checkout / "README.md", "## REST API")
    assert "create_api_token" in block
    assert block.count("curl ") >= 4
    # The only change: the port, since 8000 may be taken on a shared machine.
    script = block.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    script += '\necho\necho "TOKEN=$TOKEN"\n'  # after the README's commands: for the checks below
    # A new shell with none of make's variables; -u catches a variable the README uses before setting it.
    shell = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=checkout, env=clean_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert shell.returncode == 0, shell.stderr[-4000:] + shell.stdout[-2000:]
    assert "Traceback" not in shell.stderr, shell.stderr[-4000:]

    page = json.loads((checkout / "page.json").read_text())
    assert page["events"], "the demo's published claims are in the feed"
    created = json.loads((checkout / "claim.json").read_text())
    assert created["status"] == "draft", created
    assert (created["supplier"]["name"], created["recipient"]["name"]) == ("North Korea", "Russia")
    token = shell.stdout.rsplit("TOKEN=", 1)[1].strip()
    edited = httpx.get(
        f"http://127.0.0.1:{port}/api/v1/claims/{created['id']}/",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert edited.status_code == 200, edited.text
    # Edited to Rason (version 2), then version 1's content restored as version 3.
    assert (edited.json()["place"], edited.json()["version"]) == ("", 3)
    history = httpx.get(
        f"http://127.0.0.1:{port}/api/v1/claims/{created['id']}/history/",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert [entry["change"] for entry in history][:2] == ["reverted to v1: Rason was a guess", "edited"]
    assert "DELETE 204\nGET 404" in shell.stdout


def test_the_readme_taxii_and_misp_examples_work_as_written_in_a_new_shell_after_make_run(demo):
    checkout, port = demo
    (block,) = shell_blocks(checkout / "README.md", "## TAXII 2.1 and MISP feed")
    assert block.count("curl ") >= 6 and "taxii2client" in block and "pymisp" in block
    script = block.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    shell = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=checkout, env=clean_env(), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert shell.returncode == 0, shell.stderr[-4000:]
    assert "Traceback" not in shell.stderr, shell.stderr[-4000:]
    assert '"api_roots"' in shell.stdout
    listed = re.findall(r"\breport report--", shell.stdout)  # curl's output ends without a newline
    manifest = json.loads((checkout / "misp-manifest.json").read_text())
    assert listed and len(listed) == len(manifest), "every public demo claim, once, through taxii2-client"
    assert "admiralty-scale:source-reliability=" in shell.stdout
