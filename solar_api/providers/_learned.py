"""What the process has learned about each server, shared by every client of its base URL.

A server that rejects a field (see `_downgrade.py`) or accepts one without honouring it
(``tool_choice: "required"`` on llama-cpp-python's server, a named tool on llama.cpp's
``llama-server``) does so for every client, so the lesson is kept per base URL, with the
kind of server when an answer showed it (`SERVER_KINDS`): a second `ChatSolar` or `Solar`
on the same server does not pay for the same failed request again, and the WARNING that
says what changed is logged once per server and lesson. At most `MAX_SERVERS` base URLs
are remembered (the least recently used is forgotten first), so a process that talks to
many hosts stays small.

Example::

    import solar_api

    solar_api.learned_capabilities("http://127.0.0.1:8080/v1")
    # LearnedCapabilities(rejected=frozenset({'null_content'}),
    #                     ignored=frozenset({'tool_choice_required'}))
    solar_api.learned_capabilities("http://127.0.0.1:8081/v1")  # llama-server, SmolLM2
    # LearnedCapabilities(ignored=frozenset({'forced_tool_choice', 'tool_choice_named',
    #                     'tool_choice_required'}), server='llama-server', ...)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

__all__ = [
    "IGNORED",
    "MAX_SERVERS",
    "SERVER_KINDS",
    "LearnedCapabilities",
    "forget_learned_capabilities",
    "learned_capabilities",
]

MAX_SERVERS = 256
# Lessons about what a server accepts but does not do (the rest are rejected fields).
# ``forced_tool_choice`` follows from the two others: no forced form is enforced there.
IGNORED = frozenset({"tool_choice_required", "tool_choice_named", "forced_tool_choice"})
_NO_FORCED_FORM = frozenset({"tool_choice_required", "tool_choice_named"})

# What a kind of server is known to ignore, learned with the kind itself (from an answer:
# see _server_kind.py). llama.cpp's ``llama-server`` never honours a named tool_choice
# (it logs "Wrong type supplied for parameter 'tool_choice'" and treats it as auto);
# whether it honours "required" depends on the chat template, which ``GET /props`` tells.
SERVER_KINDS: dict[str, frozenset[str]] = {"llama-server": frozenset({"tool_choice_named"})}


@dataclass(frozen=True)
class LearnedCapabilities:
    """What one server showed it does not take (``rejected``: the labels of
    `solar_api.providers.capabilities.CAPABILITIES`) or takes without honouring (``ignored``)."""

    rejected: frozenset[str] = frozenset()
    ignored: frozenset[str] = frozenset()
    retired_models: frozenset[str] = frozenset()
    """Models the server refused as retired (the summarizer and translator then prompt
    the provider's current chat model instead, see tasks/)."""
    server: str | None = None
    """The kind of server an answer showed (``"llama-server"``), None while unknown."""

    def __bool__(self) -> bool:
        return bool(self.rejected or self.ignored or self.retired_models or self.server)


@dataclass
class _Server:
    labels: set[str] = field(default_factory=set)
    retired: set[str] = field(default_factory=set)
    kind: str | None = None
    # Whether the server's own description (llama-server's GET /props) was read.
    props_read: bool = False


class _Store:
    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._servers: OrderedDict[str, _Server] = OrderedDict()
        self._lock = threading.Lock()

    def labels(self, base_url: str) -> frozenset[str]:
        with self._lock:
            server = self._servers.get(_key(base_url))
            return frozenset(server.labels) if server else frozenset()

    def retired(self, base_url: str) -> frozenset[str]:
        with self._lock:
            server = self._servers.get(_key(base_url))
            return frozenset(server.retired) if server else frozenset()

    def _server(self, base_url: str) -> _Server:
        key = _key(base_url)
        server = self._servers.get(key)
        if server is None:
            server = self._servers[key] = _Server()
            while len(self._servers) > self._limit:
                self._servers.popitem(last=False)
        else:
            self._servers.move_to_end(key)
        return server

    def _add(self, base_url: str, kept: str, item: str) -> bool:
        with self._lock:
            items: set[str] = getattr(self._server(base_url), kept)
            if item in items:
                return False
            items.add(item)
            return True

    def add(self, base_url: str, label: str) -> bool:
        """Remember `label` for `base_url`; True when it is new (the caller logs it).

        A server that ignores both forced forms (a named tool and "required") also gets
        ``forced_tool_choice``: a forced call is then emulated (see capabilities.py)."""
        with self._lock:
            labels = self._server(base_url).labels
            if label in labels:
                return False
            labels.add(label)
            if labels >= _NO_FORCED_FORM:
                labels.add("forced_tool_choice")
            return True

    def kind(self, base_url: str) -> tuple[str | None, bool]:
        """The server's kind (None: unknown) and whether its description was read."""
        with self._lock:
            server = self._servers.get(_key(base_url))
            return (server.kind, server.props_read) if server else (None, False)

    def set_kind(self, base_url: str, kind: str) -> list[str]:
        """Remember that `base_url` is a `kind` server; the lessons that come with the
        kind (`SERVER_KINDS`) that are new, for the caller to log."""
        with self._lock:
            self._server(base_url).kind = kind
        return [label for label in sorted(SERVER_KINDS.get(kind, ())) if self.add(base_url, label)]

    def set_props_read(self, base_url: str) -> None:
        with self._lock:
            self._server(base_url).props_read = True

    def add_retired(self, base_url: str, model: str) -> bool:
        """Remember that `base_url` refused `model` as retired; True when it is new."""
        return self._add(base_url, "retired", model)

    def forget(self, base_url: str | None) -> None:
        with self._lock:
            if base_url is None:
                self._servers.clear()
            else:
                self._servers.pop(_key(base_url), None)


def _key(base_url: str) -> str:
    return base_url.rstrip("/")


STORE = _Store(MAX_SERVERS)


def learned_capabilities(base_url: str) -> LearnedCapabilities:
    """What this process has learned about the server at `base_url` so far."""
    labels = STORE.labels(base_url)
    return LearnedCapabilities(
        rejected=labels - IGNORED,
        ignored=labels & IGNORED,
        retired_models=STORE.retired(base_url),
        server=STORE.kind(base_url)[0],
    )


def forget_learned_capabilities(base_url: str | None = None) -> None:
    """Forget what was learned about `base_url` (every server when None), e.g. after
    the server was upgraded; the next requests are sent as asked again."""
    STORE.forget(base_url)
