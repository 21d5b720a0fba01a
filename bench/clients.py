"""The clients under test, each behind the same small interface.

Every client makes the same logical calls against the bench server: one chat
completion, one stream of ``n`` content chunks, the same call from asyncio, and a tool
round trip (a forced tool call, then the tool's result sent back for the answer). Each
returns what a user would read (text, chunk count), so a client that silently did
less work would be caught by the runner's checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

MODEL = "solar-mini"
QUESTION = "What is Solar Mini?"
MESSAGES = [{"role": "user", "content": QUESTION}]
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
WEATHER = "Sunny, 21 C"


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return WEATHER


class Client:
    """What every client offers; a method a client lacks raises NotImplementedError."""

    # The statement a cold-import measurement times (in a fresh interpreter).
    imports = ""

    def __init__(
        self, base_url: str, model: str = MODEL, max_retries: int = 2, http: Any = None
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.max_retries = max_retries
        # An httpx.Client to use instead of the client's own (the no-network scenario).
        self.http_kw: dict[str, Any] = {} if http is None else {"http_client": http}

    def call(self) -> str:
        raise NotImplementedError

    def stream(self, n: int) -> int:
        raise NotImplementedError

    async def acall(self) -> str:
        raise NotImplementedError

    def tool(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        pass


# -- raw httpx: the baseline -----------------------------------------------------------
class RawHttpx(Client):
    imports = "import httpx, json"

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        import httpx

        self.url = self.base_url + "/chat/completions"
        self.headers = {"Authorization": "Bearer bench-key"}
        self.http = self.http_kw.get("http_client") or httpx.Client()
        self.http.headers.update(self.headers)
        self.ahttp: Any = None

    def _body(self, **extra: Any) -> dict[str, Any]:
        return {"model": self.model, "messages": MESSAGES, **extra}

    def call(self) -> str:
        response = self.http.post(self.url, json=self._body())
        response.raise_for_status()
        return str(response.json()["choices"][0]["message"]["content"])

    def stream(self, n: int) -> int:
        count = 0
        with self.http.stream("POST", self.url, json=self._body(stream=True, max_tokens=n)) as r:
            r.raise_for_status()
            for line in r.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    choices = json.loads(line[6:])["choices"]
                    if choices and choices[0]["delta"].get("content"):
                        count += 1
        return count

    async def acall(self) -> str:
        import httpx

        if self.ahttp is None:  # httpx's default async client, as users make it
            self.ahttp = httpx.AsyncClient(headers=self.headers)
        response = await self.ahttp.post(self.url, json=self._body())
        response.raise_for_status()
        return str(response.json()["choices"][0]["message"]["content"])

    def tool(self) -> str:
        first = self.http.post(self.url, json=self._body(tools=[TOOL], tool_choice="required"))
        message = first.json()["choices"][0]["message"]
        call = message["tool_calls"][0]
        result = get_weather(**json.loads(call["function"]["arguments"]))
        messages = [
            *MESSAGES,
            message,
            {"role": "tool", "tool_call_id": call["id"], "content": result},
        ]
        second = self.http.post(self.url, json={"model": self.model, "messages": messages})
        return str(second.json()["choices"][0]["message"]["content"])


# -- ours ------------------------------------------------------------------------------
class SolarApi(Client):
    imports = "import solar_api"

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        from solar_api import AsyncSolarClient, SolarClient

        common = {"base_url": self.base_url, "api_key": "bench-key"}
        self.client = SolarClient(**common, max_retries=self.max_retries, **self.http_kw)
        self.aclient = AsyncSolarClient(**common, max_retries=self.max_retries)

    def call(self) -> str:
        reply = self.client.chat(model=self.model, messages=MESSAGES)
        return str(reply.choices[0].message.content)

    def stream(self, n: int) -> int:
        count = 0
        for chunk in self.client.chat_stream(model=self.model, messages=MESSAGES, max_tokens=n):
            if chunk.choices and chunk.choices[0].delta.content:
                count += 1
        return count

    async def acall(self) -> str:
        reply = await self.aclient.chat(model=self.model, messages=MESSAGES)
        return str(reply.choices[0].message.content)

    def tool(self) -> str:
        first = self.client.chat(
            model=self.model, messages=MESSAGES, tools=[TOOL], tool_choice="required"
        )
        message = first.choices[0].message
        call = (message.tool_calls or [])[0]
        result = get_weather(**json.loads(call.function.arguments))
        messages = [
            *MESSAGES,
            message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": result},
        ]
        return str(self.client.chat(model=self.model, messages=messages).choices[0].message.content)

    def close(self) -> None:
        self.client.close()


class _LangChain(Client):
    """A LangChain chat model: invoke, stream, ainvoke, bind_tools + ToolMessage."""

    def make(self, **kw: Any) -> Any:
        raise NotImplementedError

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.llm = self.make()
        self.streamers: dict[int, Any] = {}
        self.with_tool: Any = None

    def call(self) -> str:
        return str(self.llm.invoke(QUESTION).content)

    def stream(self, n: int) -> int:
        if n not in self.streamers:
            self.streamers[n] = self.make(max_tokens=n)
        return sum(1 for chunk in self.streamers[n].stream(QUESTION) if chunk.content)

    async def acall(self) -> str:
        return str((await self.llm.ainvoke(QUESTION)).content)

    def tool(self) -> str:
        from langchain_core.messages import HumanMessage, ToolMessage

        if self.with_tool is None:
            self.with_tool = self.llm.bind_tools([get_weather], tool_choice="get_weather")
        messages: list[Any] = [HumanMessage(QUESTION)]
        reply = self.with_tool.invoke(messages)
        call = reply.tool_calls[0]
        messages += [reply, ToolMessage(get_weather(**call["args"]), tool_call_id=call["id"])]
        return str(self.llm.invoke(messages).content)


class ChatSolarClient(_LangChain):
    imports = "from langchain_solar import ChatSolar"

    def make(self, **kw: Any) -> Any:
        from langchain_solar import ChatSolar

        return ChatSolar(
            base_url=self.base_url,
            api_key="bench-key",
            model=self.model,
            max_retries=self.max_retries,
            **self.http_kw,
            **kw,
        )


class _LlamaIndex(Client):
    """A LlamaIndex LLM: chat, stream_chat, achat, chat_with_tools + a tool message."""

    def make(self, **kw: Any) -> Any:
        raise NotImplementedError

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        from llama_index.core.base.llms.types import ChatMessage
        from llama_index.core.tools import FunctionTool

        self.llm = self.make()
        self.messages = [ChatMessage(role="user", content=QUESTION)]
        self.function = FunctionTool.from_defaults(fn=get_weather)
        self.streamers: dict[int, Any] = {}

    def call(self) -> str:
        return str(self.llm.chat(self.messages).message.content)

    def stream(self, n: int) -> int:
        if n not in self.streamers:
            self.streamers[n] = self.make(max_tokens=n)
        return sum(1 for r in self.streamers[n].stream_chat(self.messages) if r.delta)

    async def acall(self) -> str:
        return str((await self.llm.achat(self.messages)).message.content)

    def tool(self) -> str:
        from llama_index.core.base.llms.types import ChatMessage

        reply = self.llm.chat_with_tools(
            [self.function], chat_history=list(self.messages), tool_required=True
        )
        call = self.llm.get_tool_calls_from_response(reply)[0]
        messages = [
            *self.messages,
            reply.message,
            ChatMessage(
                role="tool",
                content=get_weather(**call.tool_kwargs),
                additional_kwargs={"tool_call_id": call.tool_id},
            ),
        ]
        return str(self.llm.chat(messages).message.content)


class SolarClientLI(_LlamaIndex):
    imports = "from llama_index_solar import Solar"

    def make(self, **kw: Any) -> Any:
        from llama_index_solar import Solar

        return Solar(
            base_url=self.base_url,
            api_key="bench-key",
            model=self.model,
            max_retries=self.max_retries,
            **self.http_kw,
            **kw,
        )


# -- the packages users would pick instead (bench environment only) ---------------------
class OpenAISDK(Client):
    imports = "import openai"

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        from openai import AsyncOpenAI, OpenAI

        common = {"base_url": self.base_url, "api_key": "bench-key"}
        self.client = OpenAI(**common, max_retries=self.max_retries, **self.http_kw)
        self.aclient = AsyncOpenAI(**common, max_retries=self.max_retries)

    def call(self) -> str:
        reply = self.client.chat.completions.create(model=self.model, messages=MESSAGES)  # type: ignore[arg-type]
        return str(reply.choices[0].message.content)

    def stream(self, n: int) -> int:
        chunks = self.client.chat.completions.create(
            model=self.model,
            messages=MESSAGES,  # type: ignore[arg-type]
            max_tokens=n,
            stream=True,
        )
        return sum(1 for c in chunks if c.choices and c.choices[0].delta.content)

    async def acall(self) -> str:
        reply = await self.aclient.chat.completions.create(model=self.model, messages=MESSAGES)  # type: ignore[arg-type]
        return str(reply.choices[0].message.content)

    def tool(self) -> str:
        first = self.client.chat.completions.create(
            model=self.model,
            messages=MESSAGES,  # type: ignore[arg-type]
            tools=[TOOL],  # type: ignore[list-item]
            tool_choice="required",
        )
        message = first.choices[0].message
        call: Any = (message.tool_calls or [])[0]
        result = get_weather(**json.loads(call.function.arguments))
        messages = [
            *MESSAGES,
            message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": result},
        ]
        second = self.client.chat.completions.create(model=self.model, messages=messages)  # type: ignore[arg-type]
        return str(second.choices[0].message.content)


class ChatOpenAIClient(_LangChain):
    imports = "from langchain_openai import ChatOpenAI"

    def make(self, **kw: Any) -> Any:
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=self.base_url,
            api_key="bench-key",  # type: ignore[arg-type]
            model=self.model,
            max_retries=self.max_retries,
            **self.http_kw,
            **kw,
        )


class ChatUpstageClient(_LangChain):
    imports = "from langchain_upstage import ChatUpstage"

    def make(self, **kw: Any) -> Any:
        from langchain_upstage import ChatUpstage

        return ChatUpstage(
            base_url=self.base_url,
            api_key="bench-key",
            model=self.model,
            max_retries=self.max_retries,
            **self.http_kw,
            **kw,
        )


class OpenAILikeClient(_LlamaIndex):
    imports = "from llama_index.llms.openai_like import OpenAILike"

    def make(self, **kw: Any) -> Any:
        from llama_index.llms.openai_like import OpenAILike

        return OpenAILike(
            api_base=self.base_url,
            api_key="bench-key",
            model=self.model,
            max_retries=self.max_retries,
            is_chat_model=True,
            is_function_calling_model=True,
            context_window=32768,
            **self.http_kw,
            **kw,
        )


# -- the frameworks' own floors: no I/O at all ----------------------------------------
class LangChainFloor(_LangChain):
    """A `BaseChatModel` that answers at once: what LangChain costs by itself."""

    imports = "from langchain_core.language_models.chat_models import BaseChatModel"

    def make(self, **kw: Any) -> Any:
        from bench.floors import FloorChatModel

        return FloorChatModel(chunks=kw.get("max_tokens", 16))

    def tool(self) -> str:
        raise NotImplementedError


class LlamaIndexFloor(_LlamaIndex):
    """A `FunctionCallingLLM` that answers at once: what LlamaIndex costs by itself."""

    imports = "from llama_index.core.llms.function_calling import FunctionCallingLLM"

    def make(self, **kw: Any) -> Any:
        from bench.floors import FloorLLM

        return FloorLLM(chunks=kw.get("max_tokens", 16))

    def tool(self) -> str:
        raise NotImplementedError


# name: (class, the distribution it needs, what it is)
CLIENTS: dict[str, tuple[Callable[..., Client], str, str]] = {
    "httpx": (RawHttpx, "httpx", "raw httpx + json.loads"),
    "solar_api": (SolarApi, "solar-integrations", "solar_api SolarClient / AsyncSolarClient"),
    "ChatSolar": (ChatSolarClient, "solar-integrations", "langchain_solar ChatSolar"),
    "Solar": (SolarClientLI, "solar-integrations", "llama_index_solar Solar"),
    "openai": (OpenAISDK, "openai", "openai SDK"),
    "ChatOpenAI": (ChatOpenAIClient, "langchain-openai", "langchain-openai ChatOpenAI"),
    "ChatUpstage": (ChatUpstageClient, "langchain-upstage", "langchain-upstage ChatUpstage"),
    "OpenAILike": (
        OpenAILikeClient,
        "llama-index-llms-openai-like",
        "llama-index OpenAILike",
    ),
    "lc-floor": (LangChainFloor, "langchain-core", "LangChain BaseChatModel, no I/O"),
    "li-floor": (LlamaIndexFloor, "llama-index-core", "LlamaIndex FunctionCallingLLM, no I/O"),
}
