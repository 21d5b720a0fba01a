"""The README's provider table is checked against the presets, so it cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from solar_api.providers import PROVIDERS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_provider_table_matches_the_presets() -> None:
    text = README.read_text()
    table = text.split("<!-- providers-table")[1].split("<!-- /providers-table -->")[0]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    assert set(rows) == set(PROVIDERS)
    for name, preset in PROVIDERS.items():
        _, url, key_env, url_env = rows[name]
        assert (preset.base_url or "") in url.strip("`") or preset.base_url is None
        if preset.base_url:
            assert url == f"`{preset.base_url}`"
        assert (
            (f"`{preset.api_key_env}`" == key_env)
            if preset.api_key_env
            else key_env.startswith("none")
        )
        assert (f"`{preset.base_url_env}`" == url_env) if preset.base_url_env else url_env == "none"


def test_readme_commands_exist_in_the_makefile() -> None:
    makefile = (README.parent / "Makefile").read_text()
    for command in re.findall(r"^make (\w+)", README.read_text(), flags=re.M):
        assert re.search(rf"^{command}:", makefile, flags=re.M), command
    assert "make test" in (README.parent / ".ci" / "run").read_text()
