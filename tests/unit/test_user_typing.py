"""`mypy --strict` without the pydantic plugin on a user's script from the README's
quickstarts (issue 17 item 7): the constructors' names and types are what users write."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "fixtures" / "typing" / "readme_quickstarts.py"


def test_readme_quickstarts_pass_mypy_strict_without_the_pydantic_plugin(tmp_path: Path) -> None:
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n")  # no plugins: what an IDE or a plain mypy run sees
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(config),
            "--cache-dir",
            str(tmp_path / "cache"),
            # Errors inside the packages are lint's business (with the plugin); only the
            # user's script is judged here, as with an installed wheel.
            "--follow-imports=silent",
            str(SCRIPT),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout
