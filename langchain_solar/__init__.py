"""LangChain integrations for Upstage Solar and OpenAI-compatible Solar hosts."""

from typing import TYPE_CHECKING

# langchain-core's chat model module before our modules import other parts of
# langchain-core: in the opposite order the package imports ~50 ms slower (an
# order-dependent cost inside langchain-core's imports, measured by bench/).
import langchain_core.language_models.chat_models  # noqa: F401

from solar_api import __version__
from solar_api.integration import lazy_exports

from ._messages import julep_continuation
from .chat_models import ChatSolar

if TYPE_CHECKING:
    from .documents import (
        SolarDocumentParseLoader,
        SolarDocumentParseParser,
        SolarInformationExtractionTool,
    )
    from .embeddings import SolarEmbeddings
    from .llms import SolarLLM, chatml_prompt
    from .summarizer import SolarSummarizer, SolarSummaryTool
    from .translator import SolarTranslationTool, SolarTranslator

# Imported on first use, so `import langchain_solar` costs only what ChatSolar needs.
__getattr__ = lazy_exports(
    __name__,
    {
        "SolarDocumentParseLoader": ".documents",
        "SolarDocumentParseParser": ".documents",
        "SolarInformationExtractionTool": ".documents",
        "SolarEmbeddings": ".embeddings",
        "SolarLLM": ".llms",
        "chatml_prompt": ".llms",
        "SolarSummarizer": ".summarizer",
        "SolarSummaryTool": ".summarizer",
        "SolarTranslationTool": ".translator",
        "SolarTranslator": ".translator",
    },
)

__all__ = [
    "ChatSolar",
    "SolarDocumentParseLoader",
    "SolarDocumentParseParser",
    "SolarEmbeddings",
    "SolarInformationExtractionTool",
    "SolarLLM",
    "SolarSummarizer",
    "SolarSummaryTool",
    "SolarTranslationTool",
    "SolarTranslator",
    "__version__",
    "chatml_prompt",
    "julep_continuation",
]
