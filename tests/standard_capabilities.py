"""What langchain-tests' standard suites are told the chat model can do, written once for
the unit suite, the local suite and the peer suites (where the compare suite asks
ChatOpenAI the same). Listed before the suite class, whose defaults say otherwise."""

from __future__ import annotations


class Capabilities:
    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True
