"""The README's provider and model tables are generated from the presets and the model
registry, so they cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from solar_api.providers import MODELS, PROVIDERS
from solar_api.providers._registry import ModelInfo

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


MODEL_HEADER = (
    "| model | provider | kind | context | max output | tools | JSON schema "
    "| `reasoning_effort` | retirement | facts from |\n"
    "|---|---|---|--:|--:|---|---|---|---|---|"
)


def _kind(info: ModelInfo) -> str:
    if info.embedding:
        return f"embedding ({info.dimensions} dims)" if info.dimensions else "embedding"
    if info.summarization:
        return "summarization"
    if info.translation:
        return f"translation {info.translation}"
    return "chat and completions" if info.completions else "chat"


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


def render_model_table() -> str:
    rows = [MODEL_HEADER]
    for info in MODELS.values():
        efforts = info.reasoning_efforts
        effort = ", ".join(efforts) if efforts else ("not taken" if efforts == () else "as given")
        retirement = ""
        if info.retires:
            retirement = info.retires + (f" → `{info.successor}`" if info.successor else "")
        chat = info.chat and not info.embedding
        rows.append(
            f"| `{info.name}` | {info.provider} | {_kind(info)} | {info.context_window:,} "
            f"| {info.max_output_tokens:,} | {_yes(chat and info.tool_calling)} "
            f"| {_yes(info.structured_output)} | {effort if chat else ''} | {retirement} "
            f"| {info.source} |"
        )
    return "\n".join(rows)


def _section(name: str) -> str:
    text = README.read_text()
    return text.split(f"<!-- {name}")[1].split("-->", 1)[1].split(f"<!-- /{name} -->")[0]


def test_provider_table_is_the_generated_one() -> None:
    assert _section("providers-table").strip() == render_provider_table(), (
        "README's provider table is stale; replace it with:\n" + render_provider_table()
    )


def test_model_table_is_the_generated_one() -> None:
    assert _section("models-table").strip() == render_model_table(), (
        "README's model table is stale; replace it with:\n" + render_model_table()
    )


def test_readme_commands_exist_in_the_makefile() -> None:
    makefile = (README.parent / "Makefile").read_text()
    for command in re.findall(r"^make (\w+)", README.read_text(), flags=re.M):
        assert re.search(rf"^{command}:", makefile, flags=re.M), command
    assert "make test" in (README.parent / ".ci" / "run").read_text()
