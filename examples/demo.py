"""The package's main job in one run: Solar in LangChain and LlamaIndex.

On Upstage when UPSTAGE_API_KEY is set; otherwise on the embedded local backend
(llama.cpp serving SmolLM2-135M-Instruct for chat and Gemma 3 270M for embeddings, both
from PyPI: tiny and fast, so the answers are short and simple, but every request and
response is real). Each part prints the time it took. Run with ``make demo``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator

from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from langchain_solar import ChatSolar

DOCS = [
    "Solar Mini is a compact large language model from Upstage with 10.7 billion parameters.",
    "Upstage built Solar with depth up-scaling: Mistral 7B weights were copied into extra "
    "layers and pre-training continued.",
    "Solar Mini reached the top of Hugging Face's Open LLM Leaderboard in December 2023.",
    "NVIDIA NIM serves solar-10.7b-instruct, tuned for single-turn instructions.",
]
ARTICLE = (
    "Welcome to the era of Solar, a pre-trained Large Language Model from Upstage. In "
    "December 2023, Solar Mini made waves by reaching the pinnacle of the Open LLM "
    "Leaderboard of Hugging Face. Using notably fewer parameters, Solar Mini delivers "
    "responses comparable to GPT-3.5, but is 2.5 times faster. Smaller models reduce "
    "computational time, which boosts responsiveness and efficiency, and their compact size "
    "enables on-device deployment."
)


@contextlib.contextmanager
def section(title: str) -> Iterator[None]:
    print(f"\n\033[1m== {title}\033[0m", flush=True)
    started = time.monotonic()
    yield
    print(f"   [{time.monotonic() - started:.1f} s]", flush=True)


@contextlib.contextmanager
def backend() -> Iterator[tuple[str, str]]:
    """(provider, model) to use; starts and stops the local backend when needed."""
    if os.environ.get("UPSTAGE_API_KEY"):
        yield "upstage", os.environ.get("SOLAR_MODEL", "solar-mini4")
        return
    from solar_api.local import LocalBackendError, LocalServer

    print(
        "No UPSTAGE_API_KEY: using the embedded local backend on llama.cpp "
        "(SmolLM2-135M-Instruct for chat, Gemma 3 270M for embeddings)."
    )
    started = time.monotonic()
    server = LocalServer(on_progress=lambda msg: print(f"   ... {msg}", flush=True))
    try:
        server.start()
    except LocalBackendError as exc:
        sys.exit(f"The local backend could not start: {exc}")
    print(f"   ... loaded in {time.monotonic() - started:.1f} s")
    try:
        yield "local", "solar-1-mini-chat"
    finally:
        server.stop()


@tool
def get_current_weather(location: str, unit: str) -> str:
    """Get the current weather in a given location (unit: celsius or fahrenheit)."""
    return f"It is 21 degrees {unit} and sunny in {location}."


class CityFacts(BaseModel):
    """Facts about a city."""

    city: str = Field(description="The city's name")
    country: str = Field(description="The country it is in")


def main() -> None:
    started = time.monotonic()
    with backend() as (provider, model):
        # Temperature 0: the same answers on every run. Short max_tokens: a 135M model says
        # what it knows in a sentence or two, and a short answer keeps the demo quick.
        llm = ChatSolar(provider=provider, model=model, temperature=0, max_tokens=80)
        print(f"Provider: {provider}, model: {model}, endpoint: {llm.base_url}")

        with section("1. A streamed chat answer (LangChain ChatSolar.stream)"):
            usage = None
            print("   ", end="")
            for chunk in llm.stream("In two sentences, what is a small language model good for?"):
                print(chunk.content, end="", flush=True)
                usage = chunk.usage_metadata or usage
            print(f"\n   [usage: {usage or 'not reported by this server for streams'}]")

        with section("2. A tool call round trip (bind_tools -> tool -> ToolMessage -> answer)"):
            with_tools = llm.bind_tools([get_current_weather], tool_choice="get_current_weather")
            question = HumanMessage("What is the weather like in Paris, in celsius?")
            call_msg = with_tools.invoke([question])
            for call in call_msg.tool_calls:
                print(f"   model called {call['name']}({call['args']})")
            results = [get_current_weather.invoke(call) for call in call_msg.tool_calls]
            for result in results:
                print(f"   tool returned: {result.content}")
            final = llm.invoke([question, call_msg, *results])
            print(f"   final answer: {final.content.strip()}")

        with section("3. Structured output (with_structured_output, a pydantic schema)"):
            facts = llm.with_structured_output(CityFacts).invoke("Paris is the capital of France.")
            print(f"   {facts!r}")

        with section("4. A summary"):
            summary = llm.invoke(f"Summarize this text in one sentence:\n\n{ARTICLE}").content
            print(f"   {summary.strip()}")
            print(f"   [{len(ARTICLE)} characters in, {len(summary.strip())} out]")

        with section("5. LlamaIndex: a query engine over a few local documents"):
            from llama_index.core import Document, VectorStoreIndex

            from llama_index_solar import Solar, SolarEmbedding

            index = VectorStoreIndex.from_documents(
                [Document(text=t) for t in DOCS],
                embed_model=SolarEmbedding(provider=provider),
            )
            engine = index.as_query_engine(
                llm=Solar(provider=provider, model=model, temperature=0, max_tokens=80),
                similarity_top_k=1,
            )
            answer = engine.query("When did Solar Mini reach the top of the Open LLM Leaderboard?")
            print(f"   answer: {str(answer).strip()}")
            for node in answer.source_nodes:
                print(f"   source ({node.score:.2f}): {node.get_content()[:70]}...")
    print(f"\nDone in {time.monotonic() - started:.1f} s.")


if __name__ == "__main__":
    main()
