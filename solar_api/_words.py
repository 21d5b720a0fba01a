"""Constructor words a class does not model: moved into its extra-fields dict, out loud.

langchain-openai's convention (``build_extra_kwargs``): a word that is neither a field
nor one of a field's accepted names goes into ``model_kwargs`` (LlamaIndex:
``additional_kwargs``) with a warning naming it, so it is sent in the request body
instead of being dropped. A class without such a dict refuses the word instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import AliasChoices, AliasPath
from pydantic.fields import FieldInfo

__all__ = ["accepted_words", "move_unknown_words"]


def _names(alias: str | AliasChoices | AliasPath | None) -> list[str]:
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasChoices):
        return [n for choice in alias.choices for n in _names(choice)]
    if isinstance(alias, AliasPath) and alias.path and isinstance(alias.path[0], str):
        return [alias.path[0]]
    return []


def accepted_words(fields: Mapping[str, FieldInfo]) -> set[str]:
    """Every name a field can be given by: its own, its alias, its validation aliases."""
    words = set(fields)
    for info in fields.values():
        words.update(_names(info.alias))
        words.update(_names(info.validation_alias))
    return words


def move_unknown_words(
    owner: str,
    values: Any,
    fields: Mapping[str, FieldInfo],
    *,
    into: str | None,
    also_accepted: Iterable[str] = (),
) -> Any:
    """`values` with unknown words moved into ``values[into]`` (each warned about once),
    or a ``ValueError`` naming them when the class has no such dict (``into=None``)."""
    if not isinstance(values, dict):
        return values
    accepted = accepted_words(fields) | set(also_accepted)
    unknown = [k for k in values if isinstance(k, str) and k not in accepted]
    if not unknown:
        return values
    if into is None:
        raise ValueError(
            f"{owner}: unexpected parameter(s) {', '.join(map(repr, unknown))}; "
            f"{owner} takes {', '.join(sorted(n for n in accepted if not n.startswith('_')))}"
        )
    values = dict(values)
    extra = dict(values.get(into) or {})
    for word in unknown:
        if word in extra:
            raise ValueError(f"{word}: given both as a parameter and in {into}; set it once")
        extra[word] = values.pop(word)
        warnings.warn(
            f"{owner}: {word!r} is not a parameter of {owner}; it was moved into {into} "
            f"and is sent in the request body as is. Check that {word!r} is what you meant.",
            UserWarning,
            stacklevel=6,
        )
    values[into] = extra
    return values
