"""A task's dedicated model, retired: prompt a current chat model instead, once, saying so.

Upstage retired its Summarization API (2024-05-10) and its translation models
(2025-06-09). A summarizer or translator told to use one sends the seed's request as
asked; when the host refuses the model as retired (`RetiredModelError`), or answers
404 for it, the task prompts `replacement` (the provider's current chat model) from then
on, with one warning. The lesson is kept per base URL (`providers/_learned.py`), so
every later summarizer or translator on that host goes straight to the replacement.
"""

from __future__ import annotations

import logging
import threading

from ..errors import APIStatusError, NotFoundError, RetiredModelError
from ..providers._learned import STORE

__all__ = ["RetiredFallback"]

logger = logging.getLogger("solar_api")


class RetiredFallback:
    """Whether `model` is to be replaced by `replacement` for `task` on `base_url`."""

    def __init__(self, task: str, model: str, replacement: str, base_url: str | None) -> None:
        self.task = task
        self.model = model
        self.replacement = replacement
        self.base_url = base_url
        self._active = False
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        """True once this object, or any client of the base URL, saw the model refused."""
        if self._active:
            return True
        return self.base_url is not None and self.model in STORE.retired(self.base_url)

    def take(self, exc: APIStatusError) -> bool:
        """True when `exc` refuses the model (as retired, or a 404 naming nothing else):
        remembered, and logged once per base URL."""
        if isinstance(exc, RetiredModelError):
            if exc.model != self.model:
                return False
        elif not isinstance(exc, NotFoundError):
            return False
        with self._lock:
            first = not self._active
            self._active = True
        new = STORE.add_retired(self.base_url, self.model) if self.base_url else first
        if new:
            logger.warning(
                "%s is not served at %s (%s); %s with %s instead",
                self.model,
                self.base_url or "this host",
                exc.message,
                self.task,
                self.replacement,
            )
        return True
