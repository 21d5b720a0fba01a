"""LangChain integrations for Upstage Solar and OpenAI-compatible Solar hosts."""

from solar_api import __version__

from ._messages import julep_continuation
from .chat_models import ChatSolar
from .embeddings import SolarEmbeddings
from .llms import SolarLLM, chatml_prompt
from .summarizer import SolarSummarizer, SolarSummaryTool
from .translator import SolarTranslationTool, SolarTranslator

__all__ = [
    "ChatSolar",
    "SolarEmbeddings",
    "SolarLLM",
    "SolarSummarizer",
    "SolarSummaryTool",
    "SolarTranslationTool",
    "SolarTranslator",
    "__version__",
    "chatml_prompt",
    "julep_continuation",
]
