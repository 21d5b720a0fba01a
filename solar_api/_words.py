"""Constructor words a class does not model: moved into its extra-fields dict, out loud.

langchain-openai's convention (``build_extra_kwargs``): a word that is neither a field
nor one of a field's accepted names goes into ``model_kwargs`` (LlamaIndex:
``additional_kwargs``) with a warning naming it, so it is sent in the request body
instead of being dropped. A class without such a dict refuses the word instead.

Those dicts (``model_kwargs``, ``extra_body``, LlamaIndex's ``additional_kwargs``), given
to a constructor or to one call, add body fields at the top level and never replace a
field set elsewhere: `check_extra_fields` is the one check, `merge_call_fields` a call's
merge.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from pydantic import AliasChoices, AliasPath, BaseModel
from pydantic.fields import FieldInfo

__all__ = [
    "accepted_words",
    "check_extra_fields",
    "merge_call_fields",
    "move_unknown_words",
    "param_names",
]

# The per-call words whose dicts are merged into the body (ChatOpenAI and OpenAILike hand
# ``extra_body`` to the openai SDK, which merges it at the top level).
CALL_EXTRAS = ("model_kwargs", "extra_body")


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


@functools.cache
def param_names(cls: type[BaseModel], reserved: frozenset[str]) -> frozenset[str]:
    """What an extra-fields dict may not set: every name of the class's fields, and the
    body fields it sets itself (``reserved``). Once per class (asked on every request)."""
    return frozenset(accepted_words(cls.model_fields)) | reserved


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


def check_extra_fields(
    owner: str,
    params: Collection[str],
    extras: Sequence[tuple[str, Mapping[str, Any] | None]],
    *,
    given: Collection[str] = (),
) -> None:
    """A ``ValueError`` naming the keys of an extra-fields dict that would replace a field
    set elsewhere, before any request.

    ``extras`` are (name, dict) in merge order; a key may be none of ``params`` (the
    class's parameters and the body fields it sets itself), nor a key of an earlier dict,
    nor one of ``given`` (fields a call passes directly).
    """
    seen: list[tuple[str, set[str]]] = []
    if given:
        seen.append(("this call's own arguments", set(given)))
    for name, extra in extras:
        if extra is None:
            continue
        if not isinstance(extra, Mapping):
            raise ValueError(
                f"{name}: expected a dict of request fields, got {type(extra).__name__}"
            )
        keys = {k for k in extra if isinstance(k, str)}
        clash = keys & set(params)
        if clash:
            raise ValueError(
                f"{name}: {sorted(clash)} are parameters of {owner} or fields it sets "
                f"itself; pass them directly instead of through {name}"
            )
        for other, other_keys in seen:
            clash = keys & other_keys
            if clash:
                raise ValueError(
                    f"{name}: {sorted(clash)} are also set by {other}; set each field in one place"
                )
        seen.append((name, keys))


def merge_call_fields(
    owner: str, params: Collection[str], kwargs: Mapping[str, Any]
) -> dict[str, Any]:
    """A call's keyword arguments with its ``model_kwargs`` and ``extra_body`` merged in at
    the top level (as ChatOpenAI's ``extra_body`` reaches the body), checked first.

    They override what the constructor set, as any per-call argument does; a key that is
    a parameter of the class, or given twice in the call, is a ``ValueError``.
    """
    call = dict(kwargs)
    extras = [(name, call.pop(name)) for name in CALL_EXTRAS if name in call]
    check_extra_fields(owner, params, extras, given=call)
    for _, extra in extras:
        call.update(extra or {})
    return call
