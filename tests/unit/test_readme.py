"""The README's provider table is generated from the presets, so it cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from solar_api.providers import PROVIDERS

README = Path(__file__).resolve().parents[2] / "README.md"
HEADER = (
    "| provider | base URL | key variable | base URL variable | what the request builder adapts |\n"
    "|---|---|---|---|---|"
)


def render_provider_table() -> str:
    rows = [HEADER]
    for name, p in PROVIDERS.items():
        if p.base_url:
            url = f"`{p.base_url}`"
        else:
            url = "set by the running local backend" if name == "local" else "your `base_url`"
        key = f"`{p.api_key_env}`" if p.api_key_env else "none"
        base_env = f"`{p.base_url_env}`" if p.base_url_env else "none"
        if p.base_url_env_fallbacks:
            base_env += " (or " + ", ".join(f"`{v}`" for v in p.base_url_env_fallbacks) + ")"
        rows.append(
            f"| `{name}` | {url} | {key} | {base_env} | {'; '.join(p.adaptations()) or 'nothing'} |"
        )
    return "\n".join(rows)


def test_provider_table_is_the_generated_one() -> None:
    text = README.read_text()
    table = (
        text.split("<!-- providers-table")[1]
        .split("-->", 1)[1]
        .split("<!-- /providers-table -->")[0]
    )
    assert table.strip() == render_provider_table(), (
        "README's provider table is stale; replace it with:\n" + render_provider_table()
    )


def test_readme_commands_exist_in_the_makefile() -> None:
    makefile = (README.parent / "Makefile").read_text()
    for command in re.findall(r"^make (\w+)", README.read_text(), flags=re.M):
        assert re.search(rf"^{command}:", makefile, flags=re.M), command
    assert "make test" in (README.parent / ".ci" / "run").read_text()
