"""One tqdm bar over the parts of every text a summarizer handles.

A text that fits the model is one part; a long one is split, and the bar's total grows
by its parts as soon as the split is known, so a single 50,000-character text moves the
bar part by part and a batch of documents moves it document by document. tqdm comes
with the ``langchain`` and ``llama-index`` extras; ``tqdm.auto`` draws a widget in
notebooks and text on a terminal.
"""

from __future__ import annotations

import threading
from typing import Any

from .._closing import Closing

__all__ = ["SummaryProgress"]


def _tqdm(**kwargs: Any) -> Any:
    from tqdm.auto import tqdm

    try:
        return tqdm(**kwargs)
    except ImportError:
        # A notebook without ipywidgets: tqdm.auto's widget cannot be drawn there.
        from tqdm.std import tqdm as text_tqdm

        return text_tqdm(**kwargs)


class SummaryProgress(Closing):
    """``with SummaryProgress(len(texts), enabled=True) as bar:`` then, per text,
    ``hook = bar.text()``; pass ``hook`` as ``on_progress`` and call ``hook.finish()``.

    Nothing is drawn (and tqdm is not imported) when ``enabled`` is False.
    """

    def __init__(self, texts: int, *, enabled: bool, desc: str = "Summarizing") -> None:
        self._lock = threading.Lock()
        self._bar: Any = (
            # mininterval=0: a part is a model call (seconds), so every step is drawn.
            _tqdm(total=texts, desc=desc, unit="part", dynamic_ncols=True, mininterval=0)
            if enabled
            else None
        )

    def text(self) -> TextProgress:
        return TextProgress(self)

    def _grow(self, extra: int) -> None:
        if self._bar is not None and extra:
            with self._lock:
                self._bar.total += extra
                self._bar.refresh()

    def _advance(self, step: int) -> None:
        if self._bar is not None and step:
            with self._lock:
                self._bar.update(step)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class TextProgress:
    """The ``on_progress(done, total)`` hook for one text, counted as one part until split."""

    def __init__(self, bar: SummaryProgress) -> None:
        self._bar = bar
        self._parts = 1
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if total > self._parts:
            self._bar._grow(total - self._parts)
            self._parts = total
        if done > self._done:
            self._bar._advance(done - self._done)
            self._done = done

    def finish(self) -> None:
        """The text is summarized (its parts combined, or it was a single part)."""
        self(self._parts, self._parts)
