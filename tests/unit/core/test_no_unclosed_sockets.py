"""Objects dropped, or left at exit, without close() leave no unclosed socket behind
under ``python -X dev`` (issue 17, item 10)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a python -X dev subprocess

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import gc
from tests.helpers import ChatHandler, serve_http
from langchain_solar import ChatSolar, SolarEmbeddings
from llama_index_solar import Solar
from llama_index.core.llms import ChatMessage
from solar_api import SolarClient

class KeepAlive(ChatHandler):
    protocol_version = "HTTP/1.1"  # connections stay open in the pools


servers = serve_http(KeepAlive, kind="http")
server = next(servers)
url = f"http://127.0.0.1:{server.server_address[1]}/v1"
SolarClient(base_url=url).chat(model="m", messages=[{"role": "user", "content": "x"}])
ChatSolar(base_url=url, model="m").invoke("x")  # dropped at once
gc.collect()
kept = ChatSolar(base_url=url, model="m")  # alive until the interpreter exits
kept.invoke("x")
Solar(base_url=url, model="m").chat([ChatMessage(role="user", content="x")])
gc.collect()
servers.close()  # stops the server; `kept` and its pool live on until exit
print("ok")
"""


@pytest.mark.timeout(120)
def test_no_resource_warning_without_close() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "dev", "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert "ResourceWarning" not in result.stderr, result.stderr
