"""How type checkers see the constructors' words (read only when type checking).

pydantic's models reach type checkers through ``dataclass_transform``: a field is an
``__init__`` parameter under its own name, or its ``alias=``, never its
``validation_alias``. So without the pydantic plugin:

- an alternate name a field is also accepted by (``request_timeout``, ``api_base``...)
  is declared, under ``if TYPE_CHECKING:``, as an ``InitVar`` whose ``alias=`` is that
  name and whose default is `ALSO`: a parameter of ``__init__``, never an attribute;
- ``api_key`` is a `SecretKey`: the constructor takes its ``__set__`` type
  (``str | SecretStr | None``), and reading it gives ``SecretStr | None``, as validated.

The names start with ``_also_`` so that the pydantic plugin (which builds ``__init__``
itself) skips them.
"""

from __future__ import annotations

from typing import Any, overload

from pydantic import SecretStr

__all__ = ["ALSO", "SecretKey"]

# The default of an alternate name: Any, so that it suits InitVar[...].
ALSO: Any = None


class SecretKey:
    """``api_key`` for type checkers: given as ``str | SecretStr | None``, read as
    ``SecretStr | None`` (a given str is kept as a SecretStr)."""

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> SecretKey: ...
    @overload
    def __get__(self, instance: object, owner: type[Any]) -> SecretStr | None: ...
    def __get__(self, instance: object, owner: type[Any]) -> Any:
        raise NotImplementedError  # never used at run time: pydantic's field is

    def __set__(self, instance: object, value: str | SecretStr | None) -> None:
        raise NotImplementedError
