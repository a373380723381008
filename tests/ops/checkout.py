"""A fresh clone of the repository, the README's shell blocks and a clean environment, for the ops tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def clone_head(destination: Path) -> Path:
    """Clone the committed HEAD (what a newcomer gets), with .venv pointing at the suite's virtualenv."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(destination)], check=True, timeout=120)
    # Reinstalling every package would take minutes and the network; the versions are the same pins.
    (destination / ".venv").symlink_to(Path(sys.prefix))
    return destination


def shell_blocks(readme: Path, heading: str) -> list[str]:
    """The ```sh blocks of the README section under `heading` (up to the next heading)."""
    blocks: list[str] = []
    inside = False
    fence: str | None = None  # the open fence's language
    for line in readme.read_text().splitlines(keepends=True):
        if line.startswith("```"):
            fence = line.strip().removeprefix("```") if fence is None else None
            if inside and fence == "sh":
                blocks.append("")
        elif fence is not None:
            if inside and fence == "sh":
                blocks[-1] += line
        elif line.startswith("#"):
            if inside:
                break
            inside = line.rstrip() == heading
    return blocks


def clean_env(**extra: str) -> dict[str, str]:
    """What a new login shell has: no DJANGO_* and none of the suite's database, broker or paths."""
    venv_bin = str(Path(sys.prefix) / "bin")
    path = [entry for entry in os.environ.get("PATH", "/usr/bin:/bin").split(":") if entry != venv_bin]
    return {
        "PATH": ":".join(path),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        **extra,
    }
