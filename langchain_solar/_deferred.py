"""help() and inspect.signature for a model class whose pydantic build is deferred.

``ChatSolar`` defers its validator build to the first instance (import time, bench/);
until then pydantic has not set the class's ``__signature__`` and introspection shows
the parent's constructor. This descriptor builds the class when asked for its signature.
"""

from __future__ import annotations

import inspect

from pydantic import BaseModel

__all__ = ["SignatureAfterBuild"]


class SignatureAfterBuild:
    def __get__(self, instance: object, owner: type[BaseModel]) -> inspect.Signature:
        if not owner.__pydantic_complete__:
            owner.model_rebuild()
        signature = owner.__dict__.get("__signature__")
        if signature is self or signature is None:
            # A subclass not yet built, or a build that kept this descriptor.
            return inspect.signature(owner.__init__)
        return owner.__signature__  # pydantic's own, set by the build
