"""Settings read a checkout's .env for what the environment leaves unset; the environment wins."""

import subprocess
import sys

import pytest

from tests.ops.checkout import clean_env, clone_head

pytestmark = pytest.mark.slow
SHOW = "from django.conf import settings; print(settings.SECRET_KEY, settings.DEBUG)"


def settings_in(checkout, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {SHOW}"],
        cwd=checkout, env=clean_env(DJANGO_SETTINGS_MODULE="tracker.settings", **env),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_dot_env_fills_in_what_the_environment_does_not_set_and_the_environment_wins(tmp_path):
    checkout = clone_head(tmp_path / "clone")
    (checkout / ".env").write_text("DJANGO_SECRET_KEY=from-the-file\nDJANGO_DEBUG=1\n")
    assert settings_in(checkout) == "from-the-file True"
    assert settings_in(checkout, DJANGO_SECRET_KEY="from-the-environment", DJANGO_DEBUG="0") == (
        "from-the-environment False"
    )
