"""LlamaIndex integrations for Upstage Solar and OpenAI-compatible Solar hosts."""

from solar_api import __version__

from .components import SolarSummaryTransform, SolarToolSpec
from .embeddings import SolarEmbedding
from .llms import Solar

__all__ = ["Solar", "SolarEmbedding", "SolarSummaryTransform", "SolarToolSpec", "__version__"]
