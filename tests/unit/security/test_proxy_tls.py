"""Proxy and TLS options reach the transport: a real forward proxy and a private CA on
127.0.0.1, both started and stopped by the tests."""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import trustme

from langchain_solar import ChatSolar
from solar_api import APIConnectionError, AsyncSolarClient, SolarClient
from tests.helpers import ChatHandler, serve_http

pytestmark = pytest.mark.slow  # proxies and TLS servers on loopback, a handshake per test

USER = [{"role": "user", "content": "x"}]


class _Proxy(BaseHTTPRequestHandler):
    """A forward proxy for plain-HTTP targets (absolute-form request lines)."""

    def do_POST(self) -> None:
        self.server.seen.append((self.command, self.path, self.headers.get("authorization")))  # type: ignore[attr-defined]
        target = urlsplit(self.path)
        payload = self.rfile.read(int(self.headers["content-length"]))
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in ("proxy-connection", "connection")
        }
        conn.request("POST", target.path, body=payload, headers=headers)
        reply = conn.getresponse()
        data = reply.read()
        self.send_response(reply.status)
        self.send_header("content-type", reply.getheader("content-type", "application/json"))
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[str]:
    for server in serve_http(ChatHandler, kind="http"):
        yield f"http://127.0.0.1:{server.server_port}/v1"


@pytest.fixture
def proxy() -> Iterator[ThreadingHTTPServer]:
    yield from serve_http(_Proxy, seen=[])


def test_explicit_proxy_carries_the_request(upstream: str, proxy: ThreadingHTTPServer) -> None:
    proxy_url = f"http://127.0.0.1:{proxy.server_port}"
    reply = SolarClient(base_url=upstream, api_key="k", proxy=proxy_url, trust_env=False).chat(
        model="m", messages=USER
    )
    assert reply.choices[0].message.content == "served over http"
    assert proxy.seen == [("POST", f"{upstream}/chat/completions", "Bearer k")]  # type: ignore[attr-defined]


async def test_async_client_and_adapters_use_the_proxy(
    upstream: str, proxy: ThreadingHTTPServer
) -> None:
    proxy_url = f"http://127.0.0.1:{proxy.server_port}"
    await AsyncSolarClient(base_url=upstream, proxy=proxy_url).chat(model="m", messages=USER)
    ChatSolar(base_url=upstream, proxy=proxy_url).invoke("x")
    assert len(proxy.seen) == 2  # type: ignore[attr-defined]


def test_env_proxies_are_honoured_and_no_proxy_bypasses(
    upstream: str, proxy: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    SolarClient(base_url=upstream).chat(model="m", messages=USER)
    assert len(proxy.seen) == 1  # type: ignore[attr-defined]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    SolarClient(base_url=upstream).chat(model="m", messages=USER)
    assert len(proxy.seen) == 1  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_upstream(ca: trustme.CA, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    for server in serve_http(ChatHandler, context, kind="tls"):
        yield f"https://127.0.0.1:{server.server_port}/v1", ca_file


def test_a_private_ca_is_used_when_given(tls_upstream: tuple[str, Path]) -> None:
    url, ca_file = tls_upstream
    with pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        SolarClient(base_url=url, max_retries=0).chat(model="m", messages=USER)
    reply = SolarClient(base_url=url, verify=str(ca_file)).chat(model="m", messages=USER)
    assert reply.choices[0].message.content == "served over tls"
    assert ChatSolar(base_url=url, verify=str(ca_file)).invoke("x").content == "served over tls"


@pytest.fixture
def mutual_tls(ca: trustme.CA, tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """A server that requires a client certificate: (url, CA bundle, client cert file)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED
    ca_file, client_file = tmp_path / "ca.pem", tmp_path / "client.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    ca.issue_cert("client@example.test").private_key_and_cert_chain_pem.write_to_path(
        str(client_file)
    )
    for server in serve_http(ChatHandler, context, kind="mutual tls"):
        yield f"https://127.0.0.1:{server.server_port}/v1", ca_file, client_file


def test_client_certificates(mutual_tls: tuple[str, Path, Path]) -> None:
    url, ca_file, client_file = mutual_tls
    with pytest.raises(APIConnectionError):
        SolarClient(base_url=url, verify=str(ca_file), max_retries=0).chat(model="m", messages=USER)
    reply = SolarClient(base_url=url, verify=str(ca_file), cert=str(client_file)).chat(
        model="m", messages=USER
    )
    assert reply.choices[0].message.content == "served over mutual tls"


def test_bad_tls_settings_fail_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"verify: '/nope\.pem' is not a readable CA bundle"):
        SolarClient(base_url="https://127.0.0.1:1/v1", verify="/nope.pem")
    with pytest.raises(ValueError, match="cert: a client certificate needs verify"):
        SolarClient(base_url="https://127.0.0.1:1/v1", verify=False, cert="x.pem")


@pytest.fixture(params=["aiohttp", "httpx"])
def async_transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SOLAR_ASYNC_TRANSPORT", request.param)
    return str(request.param)


async def test_async_tls_private_ca_and_client_certificates(
    async_transport: str, mutual_tls: tuple[str, Path, Path]
) -> None:
    # The same TLS settings hold for the aiohttp-backed pool as for httpx's own.
    url, ca_file, client_file = mutual_tls
    with pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        await AsyncSolarClient(base_url=url, max_retries=0).chat(model="m", messages=USER)
    with pytest.raises(APIConnectionError):
        await AsyncSolarClient(base_url=url, verify=str(ca_file), max_retries=0).chat(
            model="m", messages=USER
        )
    client = AsyncSolarClient(base_url=url, verify=str(ca_file), cert=str(client_file))
    reply = await client.chat(model="m", messages=USER)
    assert reply.choices[0].message.content == "served over mutual tls"
    await client.aclose()


async def test_async_env_proxies_are_honoured_and_no_proxy_bypasses(
    async_transport: str,
    upstream: str,
    proxy: ThreadingHTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    await AsyncSolarClient(base_url=upstream, api_key="k").chat(model="m", messages=USER)
    assert proxy.seen == [("POST", f"{upstream}/chat/completions", "Bearer k")]  # type: ignore[attr-defined]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    await AsyncSolarClient(base_url=upstream, api_key="k").chat(model="m", messages=USER)
    assert len(proxy.seen) == 1  # type: ignore[attr-defined]


def test_verify_takes_a_directory_of_ca_certificates(
    tls_upstream: tuple[str, Path], tmp_path: Path
) -> None:
    # README: "verify=/path/to/ca.pem (or a directory)"; issue 13 item 8.
    url, ca_file = tls_upstream
    ca_dir = tmp_path / "cas"
    ca_dir.mkdir()
    (ca_dir / "private-ca.crt").write_bytes(ca_file.read_bytes())
    (ca_dir / "README").write_text("not a certificate")
    reply = SolarClient(base_url=url, verify=str(ca_dir)).chat(model="m", messages=USER)
    assert reply.choices[0].message.content == "served over tls"
    assert ChatSolar(base_url=url, verify=str(ca_dir)).invoke("x").content == "served over tls"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match=r"verify: the directory .* holds no PEM certificate"):
        SolarClient(base_url=url, verify=str(empty))
