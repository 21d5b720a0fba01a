"""A dependency-free progress bar on stderr, shown only when asked for."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """``ProgressBar(total, "Summarizing")``; call ``advance()``; ``close()`` ends the line.

    With ``enabled=None`` it shows only on a terminal; nothing is written when disabled.
    """

    def __init__(
        self,
        total: int,
        label: str,
        *,
        enabled: bool | None = None,
        stream: TextIO | None = None,
        width: int = 30,
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = max(total, 0)
        self.label = label
        self.width = width
        self.done = 0
        self._lock = threading.Lock()
        self._draw()

    def advance(self, step: int = 1) -> None:
        with self._lock:
            self.done = min(self.total, self.done + step)
            self._draw()

    def _draw(self) -> None:
        if not self.enabled or self.total == 0:
            return
        filled = self.width * self.done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.total:
            self.stream.write("\n")
            self.stream.flush()
