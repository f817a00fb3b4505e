"""The floors of the house are a contract (pyproject.toml, import-linter), also run by `make lint`.

Run here too, so a change that makes a lower app import a higher one fails the suite as well as lint.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    command = [str(lint_imports), "--no-cache"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Floors: each app imports only the floors below it KEPT" in result.stdout
    assert "The product never imports demo, scale or benchmark code KEPT" in result.stdout


def test_the_contract_names_every_app_of_ours():
    """A new app must be placed on a floor: an app left out of the contract would escape it."""
    text = (ROOT / "pyproject.toml").read_text()
    apps = sorted(p.parent.name for p in ROOT.glob("*/apps.py"))
    missing = [app for app in apps if f'"{app}"' not in text.split("[tool.importlinter]", 1)[1]]
    assert not missing, f"add {missing} to the layers in pyproject.toml"
