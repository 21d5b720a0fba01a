"""LlamaIndex integrations for Upstage Solar and OpenAI-compatible Solar hosts."""

from typing import TYPE_CHECKING

from solar_api import __version__
from solar_api.integration import lazy_exports

from .llms import Solar

if TYPE_CHECKING:
    from .components import SolarSummaryTransform, SolarToolSpec
    from .documents import SolarDocumentParseReader
    from .embeddings import SolarEmbedding

# Imported on first use, so `import llama_index_solar` costs only what Solar needs.
__getattr__ = lazy_exports(
    __name__,
    {
        "SolarDocumentParseReader": ".documents",
        "SolarEmbedding": ".embeddings",
        "SolarSummaryTransform": ".components",
        "SolarToolSpec": ".components",
    },
)

__all__ = [
    "Solar",
    "SolarDocumentParseReader",
    "SolarEmbedding",
    "SolarSummaryTransform",
    "SolarToolSpec",
    "__version__",
]
