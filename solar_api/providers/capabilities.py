"""What a server may not take, one entry per capability, read by everything that asks.

Each `Capability` holds: the `Provider` flag that says a profile takes it; how to tell a
body sent it; the error text that shows a server rejected it; the fix that carries the
meaning over; what the warning says was sent instead; and the README's wording for a
profile without it. Three readers: the profiles (``_adapt.py``: a preset that lacks it
is adapted before sending), learning (``_downgrade.py``: an error naming it, and the
fix from then on) and the README's provider table (``Provider.adaptations()``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import _fixes as fx
from ._fixes import Body

if TYPE_CHECKING:
    from ._presets import Provider

__all__ = ["CAPABILITIES", "Capability", "capability"]


@dataclass(frozen=True)
class Capability:
    label: str
    """The name a lesson is kept under (``learned_capabilities``) and logs use."""
    sent: Callable[[Body], bool]
    """Whether a body carries it."""
    rejection: re.Pattern[str]
    """What an error says when the server refuses it."""
    fix: Callable[[Body], None]
    """Changes a body (in place) to a form such a server takes, keeping the meaning."""
    sent_instead: str
    """For the warning: what is sent in its place."""
    supported: Callable[[Provider], bool] | None = None
    """Whether a profile takes it (a `Provider` flag); None: learned only."""
    readme: str = ""
    """The README's wording for a profile that does not take it."""
    profile_sent: Callable[[Body], bool] | None = None
    """When a profile adapts it, if narrower than `sent`."""
    changes_meaning: bool = True
    """False: a profile's adaptation is a matter of spelling, logged at debug only."""
    adapted_in_body: bool = True
    """False: the flag is read where the field is made (stream usage), not by `_adapt`."""


# A pattern no error matches: the lesson comes from an answer (see forced_choice_missed).
_NEVER = re.compile(r"(?!)")


def _json_object(body: Body) -> bool:
    fmt = body.get("response_format")
    return isinstance(fmt, dict) and fmt.get("type") == "json_object"


def _required_one_tool(body: Body) -> bool:
    # With exactly one tool, "call a tool" means "call this tool": the named form, which
    # a server that ignores "required" does enforce. Several tools are learned instead.
    return fx.sent_required(body) and len(fx.tool_names(body)) == 1


CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        # First: a validation error on a message echoes the message, whose tool calls
        # hold a "name", and would otherwise read as a rejection of message names.
        "null_content",
        fx.sent_null_content,
        # pydantic's "messages.1.<type>.content\n  Input should be a valid string" (also
        # as error dicts with a 'loc' tuple), a plain "content must be a string", or the
        # server's KeyError 'content' when a gateway (LiteLLM) dropped the null for us.
        re.compile(
            r"content'?\)?,?[^\n]{0,40}\n?\s*'?(?:msg'?:\s*'?)?Input should be a valid str"
            r"|content[^.\n]{0,40}(?:must be|should be|expected)[^.\n]{0,20}str"
            r"|(?:^|\"|Exception - )'content'(?:$|\"|\n|\\n)",
            re.IGNORECASE,
        ),
        fx.fix_null_content,
        'the tool-call turn with content ""',
        supported=lambda p: p.null_assistant_content,
        readme='tool-call turns with content ""',
        changes_meaning=False,
    ),
    Capability(
        "stream_options",
        fx.sent("stream_options"),
        re.compile(r"stream_options"),
        fx.drop("stream_options"),
        "the stream is sent without it (no usage reported)",
        supported=lambda p: p.stream_usage,
        readme="no stream_options",
        adapted_in_body=False,
    ),
    Capability(
        "parallel_tool_calls",
        fx.sent("parallel_tool_calls"),
        re.compile(r"parallel_tool_calls"),
        fx.drop("parallel_tool_calls"),
        "the request without it",
        supported=lambda p: p.parallel_tool_calls,
        readme="no parallel_tool_calls",
    ),
    Capability(
        "tool_choice",
        fx.sent("tool_choice"),
        re.compile(r"tool_choice"),
        fx.fix_tool_choice,
        "an instruction to call the tool ('none': no tools sent)",
        supported=lambda p: p.tool_choice,
        readme="tool_choice as an instruction",
    ),
    Capability(
        "max_tokens",
        fx.sent("max_tokens"),
        re.compile(r"max_tokens.*max_completion_tokens|max_completion_tokens.*max_tokens"),
        fx.fix_max_tokens,
        "the same limit as max_completion_tokens",
        supported=lambda p: p.max_tokens_field == "max_tokens",
        readme="max_tokens sent as max_completion_tokens",
    ),
    # Narrow first: a server that refuses the json_schema form (llama-cpp-python's: "Input
    # should be 'text' or 'json_object'") keeps JSON mode; only a refusal of that too
    # (the next entry) drops response_format altogether.
    Capability(
        "response_format.type=json_schema",
        fx.sent_json_schema,
        re.compile(r"response_format|json_schema"),
        fx.fix_json_schema,
        "JSON mode, with the schema asked for in the first system message",
    ),
    Capability(
        "response_format",
        fx.sent("response_format"),
        re.compile(r"response_format|json_schema|json_object"),
        fx.fix_response_format,
        "a system instruction to reply in JSON (quoting the schema)",
        supported=lambda p: p.json_object,
        readme="JSON mode as an instruction",
        profile_sent=_json_object,
    ),
    Capability(
        "name",
        fx.sent_names,
        re.compile(
            r"messages[\[.]\d+[\].]*\.?name|'name'|\"name\""
            r"|\bname\b[^.]*not (?:allowed|supported|permitted)"
        ),
        fx.fix_names,
        "each name moved into its message's text",
        supported=lambda p: p.message_names,
        readme="names moved into the text",
    ),
    Capability(
        "continue",
        fx.sent_continue,
        re.compile(r"\bcontinue\b"),
        fx.fix_continuation,
        "the open continue turn left out (the model answers as the assistant)",
        supported=lambda p: p.continuation,
        readme="continue turns dropped",
    ),
    # Upstage's live API (2026-07/08, see the upstage preset) and any server that says
    # the same: "The value 'true' isn't supported yet" names no field, so the tools'
    # strict goes first and a schema's strict is learned if the same answer comes again.
    Capability(
        "strict",
        fx.sent_strict_tools,
        re.compile(r"\bstrict\b|value 'true' isn't supported", re.IGNORECASE),
        fx.fix_strict_tools,
        "the tools without strict (their schemas are sent, not enforced by the server)",
        supported=lambda p: p.strict_tools,
        readme="tools without strict",
    ),
    Capability(
        "strict_schema",
        fx.sent_strict_schema,
        re.compile(r"\bstrict\b|value 'true' isn't supported", re.IGNORECASE),
        fx.fix_strict_schema,
        "the JSON schema without strict (asked for, not enforced by the server)",
    ),
    Capability(
        "store",
        fx.sent("store"),
        re.compile(r"\bstore\b"),
        fx.drop("store"),
        "the request without it (nothing is stored)",
        supported=lambda p: p.store,
        readme="no store",
    ),
    Capability(
        "developer",
        fx.sent_developer,
        re.compile(r"\bdeveloper\b|must be one of \[[^\]]*'system'", re.IGNORECASE),
        fx.fix_developer,
        "developer messages as system messages",
        supported=lambda p: p.developer_role,
        readme="developer messages as system",
    ),
    Capability(
        "prompt_cache_key",
        fx.sent("prompt_cache_key"),
        re.compile(r"prompt_cache_key"),
        fx.drop("prompt_cache_key"),
        "the request without it (the server's own prefix caching still applies)",
    ),
    # The three forced-choice lessons are learned from answers, not errors (see
    # forced_choice_missed), or with the kind of server (_learned.SERVER_KINDS, /props).
    # First: where neither forced form is enforced, the call is emulated, and the two
    # entries below (each turning one form into the other) find nothing left to change.
    Capability(
        "forced_tool_choice",
        fx.sent_forced,
        _NEVER,
        fx.fix_forced_tool_choice,
        "the tool's parameters as a json_schema response_format (several tools: one "
        "schema whose alternatives pick one), the tool described in the first system "
        "message, no tools; the JSON reply handed back as the tool call",
    ),
    Capability(
        "tool_choice_required",
        fx.sent_required,
        _NEVER,
        fx.fix_required,
        "the one tool named, or several as one named tool whose arguments pick one "
        '("required" is not enforced here)',
        supported=lambda p: p.tool_choice_required,
        readme='"required" with one tool as that tool',
        profile_sent=_required_one_tool,
        changes_meaning=False,
    ),
    Capability(
        # llama-server never honours a named tool; with a tool-capable template it does
        # enforce "required", so the named tool is sent alone, as required.
        "tool_choice_named",
        fx.sent_named,
        _NEVER,
        fx.fix_named,
        'the named tool alone, with tool_choice "required" (a named tool is not enforced here)',
        changes_meaning=False,
    ),
)

_BY_LABEL = {c.label: c for c in CAPABILITIES}


def capability(label: str) -> Capability:
    """The table's entry for `label` (KeyError for an unknown one)."""
    return _BY_LABEL[label]
