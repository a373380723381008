"""The dependency rules in .importlinter hold for the code, and each one refuses the import it forbids."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("claims", "sources", "tracker")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_the_code_keeps_every_import_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The packages and the contracts in a scratch folder, to break on purpose."""
    root = tmp_path_factory.mktemp("contracts")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", root)
    return root


# What each contract refuses: (module changed, the import added, what lint-imports says).
FORBIDDEN = {
    "models import the API": (
        "claims/models.py",
        "from claims.api import errors",
        "claims.models is not allowed to import claims.api",
    ),
    "the write shape imports the API": (
        "claims/schema.py",
        "from claims.api import views",
        "claims.schema is not allowed to import claims.api",
    ),
    "the importer imports the API": (
        "claims/importing.py",
        "from claims.api import errors",
        "claims.importing is not allowed to import claims.api",
    ),
    "forms import views": (
        "claims/forms.py",
        "from claims.views import pages",
        "claims.forms is not allowed to import claims.views",
    ),
    "the re-checker imports a view": (
        "sources/checks.py",
        "from claims.views import sources",
        "sources is not allowed to import claims.views",
    ),
    "exports import the API views": (
        "claims/api/exports.py",
        "from claims.api import views",
        "claims.api.exports is not allowed to import claims.api.views",
    ),
    "actions import pages": (
        "claims/views/actions.py",
        "from claims.views import pages",
        "claims.views.actions is not allowed to import claims.views.pages",
    ),
    "the schedule imports dispatch": (
        "sources/schedule.py",
        "from sources import dispatch",
        "sources.schedule is not allowed to import sources.dispatch",
    ),
    "services enqueue tasks without dispatch": (
        "claims/services.py",
        "from sources import tasks",
        "Illegal imports of protected package sources.tasks",
    ),
}


@pytest.mark.parametrize(("module", "bad_import", "refusal"), FORBIDDEN.values(), ids=FORBIDDEN.keys())
def test_a_forbidden_import_breaks_the_contracts(copy, module, bad_import, refusal):
    path = copy / module
    if not path.exists():  # a module that became a package
        path = path.with_suffix("") / "__init__.py"
    original = path.read_text()
    path.write_text(f"{original}\n{bad_import}\n")
    try:
        result = lint_imports(copy)
    finally:
        path.write_text(original)
    assert result.returncode == 1
    assert refusal in result.stdout
