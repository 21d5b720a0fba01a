"""LangChain integrations for Upstage Solar and OpenAI-compatible Solar hosts."""

from solar_api import __version__

from ._messages import julep_continuation
from .chat_models import ChatSolar
from .embeddings import SolarEmbeddings

__all__ = ["ChatSolar", "SolarEmbeddings", "__version__", "julep_continuation"]
