"""The dependency rules (DESIGN.md §4, docs/decisions/0004) are checked by a machine: the
import-linter contracts in pyproject.toml hold on the code, and a forbidden import or a cycle
inside an app makes ``lint-imports`` (and so ``make lint``) fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = 15  # + reports (issue 19), services (issue 20), learning (issue 16), insight (issue 17)


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the project's configuration, run in ``cwd`` against the ``dangjian``
    package found there (never the cache, so a copy is linted as it is)."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([str(LINT_IMPORTS), "--no-logo", "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The Python sources and pyproject.toml in a temporary directory, to add a bad module to."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "dangjian", tmp_path / "dangjian",
                    ignore=lambda d, names: [n for n in names if not n.endswith(".py") and not (Path(d) / n).is_dir()
                                             or n in {"static", "templates", "locale", "__pycache__"}])
    return tmp_path


def test_every_contract_is_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {CONTRACTS} kept, 0 broken." in result.stdout


def test_core_importing_an_app_breaks_the_lint(project_copy: Path) -> None:
    (project_copy / "dangjian" / "core" / "probe.py").write_text("from dangjian.members.models import Member\n")
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "core imports no app BROKEN" in result.stdout
    assert "dangjian.core.probe -> dangjian.members.models" in result.stdout


def test_a_sibling_app_imported_without_a_hook_breaks_the_lint(project_copy: Path) -> None:
    (project_copy / "dangjian" / "cases" / "probe.py").write_text("from dangjian.opinions import selectors\n")
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "cases builds on core and orgs BROKEN" in result.stdout
    assert "dangjian.cases.probe -> dangjian.opinions" in result.stdout


def test_a_cycle_inside_an_app_breaks_the_lint(project_copy: Path) -> None:
    # selectors already imports models; a lazy import inside a function counts the same
    with (project_copy / "dangjian" / "orgs" / "models.py").open("a") as models:
        models.write("\n\ndef _probe() -> None:\n    from dangjian.orgs import selectors  # noqa: F401\n")
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "no import cycles inside an app BROKEN" in result.stdout
    assert "No cycles are allowed in dangjian.orgs." in result.stdout
