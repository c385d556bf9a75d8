"""The webhook server on its own: what it accepts onto the update queue, and what it refuses."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from telegram.ext import Application

from bot.tg.webhook_server import MAX_UPDATE_BYTES, SECRET_HEADER, Health, WebhookCounters, WebhookServer

SECRET = "s3cret_value-1"
UPDATE = {"update_id": 7, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
                                       "from": {"id": 5, "is_bot": False, "first_name": "Synthetic"}, "text": "hi"}}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    def __init__(self, application: Application, server: WebhookServer, port: int) -> None:  # type: ignore[type-arg]
        self.application = application
        self.server = server
        self.url = f"http://127.0.0.1:{port}"
        self.healthy = True


@asynccontextmanager
async def serving() -> AsyncIterator[Served]:
    application = Application.builder().token("123:TEST").updater(None).build()
    port = _free_port()
    holder: dict[str, Served] = {}

    async def health() -> Health:
        ok = holder["served"].healthy
        return Health(ok, {"database": "ok" if ok else "unreachable: OperationalError"})

    async def metrics(counters: WebhookCounters) -> str:
        return f"updates {counters.updates}\nrefused {counters.refused}\n"

    server = WebhookServer(application, path="/telegram/hook", secret=SECRET, health=health, metrics=metrics)
    await server.start("127.0.0.1", port)
    holder["served"] = Served(application, server, port)
    try:
        yield holder["served"]
    finally:
        await server.stop()


def _run(scenario: Callable[..., Awaitable[None]], *args: object) -> None:
    async def main() -> None:
        async with serving() as served:
            await scenario(served, *args)

    asyncio.run(main())


async def _post(url: str, body: bytes, secret: str | None = SECRET) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with httpx.AsyncClient(trust_env=False) as client:
        return await client.post(url, content=body, headers=headers)


def test_an_update_with_the_secret_is_queued() -> None:
    async def scenario(served: Served) -> None:
        response = await _post(served.url + "/telegram/hook", json.dumps(UPDATE).encode())
        assert response.status_code == 200
        update = served.application.update_queue.get_nowait()
        assert update.update_id == 7 and update.message.text == "hi"

    _run(scenario)


@pytest.mark.parametrize("secret", [None, "", "s3cret_value-2", SECRET + "x"])
def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_queued(secret: str | None) -> None:
    async def scenario(served: Served, secret: str | None) -> None:
        response = await _post(served.url + "/telegram/hook", json.dumps(UPDATE).encode(), secret)
        assert response.status_code == 403
        assert served.application.update_queue.empty()
        assert SECRET not in response.text

    _run(scenario, secret)


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'"text"', b"{\"update_id\": \"x\"}", b"\xff\xfe"])
def test_a_body_that_is_no_update_is_a_bad_request(body: bytes) -> None:
    async def scenario(served: Served, body: bytes) -> None:
        response = await _post(served.url + "/telegram/hook", body)
        assert response.status_code == 400
        assert served.application.update_queue.empty()

    _run(scenario, body)


def test_an_oversized_body_is_refused_unread() -> None:
    async def scenario(served: Served) -> None:
        body = b'{"update_id": 1, "padding": "' + b"x" * MAX_UPDATE_BYTES + b'"}'
        try:
            response = await _post(served.url + "/telegram/hook", body)
        except httpx.HTTPError:  # the server may close the connection while the client is still sending
            pass
        else:
            assert response.status_code in {400, 413}
        assert served.application.update_queue.empty()
        assert (await _get(served.url + "/healthz")).status_code == 200  # and the server still serves

    _run(scenario)


async def _get(url: str) -> httpx.Response:
    async with httpx.AsyncClient(trust_env=False) as client:
        return await client.get(url)


def test_health_follows_the_check() -> None:
    async def scenario(served: Served) -> None:
        response = await _get(served.url + "/healthz")
        assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}
        served.healthy = False
        response = await _get(served.url + "/healthz")
        assert response.status_code == 503 and response.json()["status"] == "failing"

    _run(scenario)


def test_metrics_count_updates_and_refusals() -> None:
    async def scenario(served: Served) -> None:
        await _post(served.url + "/telegram/hook", json.dumps(UPDATE).encode())
        await _post(served.url + "/telegram/hook", b"{}", secret="wrong")
        page = (await _get(served.url + "/metrics")).text
        assert page == "updates 1\nrefused 1\n"

    _run(scenario)


def test_other_paths_are_not_found() -> None:
    async def scenario(served: Served) -> None:
        assert (await _post(served.url + "/", json.dumps(UPDATE).encode())).status_code == 404
        assert (await _get(served.url + "/telegram/hook")).status_code == 405
        await asyncio.sleep(0)
        assert served.application.update_queue.empty()

    _run(scenario)
