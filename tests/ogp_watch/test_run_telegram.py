"""``ogp-watch run`` with a bot token, as a separate process: the Telegram chat, the admin commands, the
watcher and the alert dispatcher together, talking to a local Bot API stand-in by polling or by webhook."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ogp_watch.local_site import LocalSite
from tests.botapi_standin import BotApiStandIn, SentMessage
from tests.conftest import REPORT_SEED, SEED_PAGES, run_cli, seed_as_html

TOKEN = "246810:E2E-token-never-logged"
ADMIN = 4242
SUBSCRIBER = 5151
READER = 6161
WAIT_S = 30.0


class RunningBot:
    """One ``ogp-watch run --no-chat`` process; its output is collected as it comes."""

    def __init__(self, env: dict[str, str], cwd: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ogp_watch.cli", "run", "--no-chat", *args], cwd=cwd, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [
            threading.Thread(target=self._collect, args=(self.process.stdout, self.out), daemon=True),
            threading.Thread(target=self._collect, args=(self.process.stderr, self.err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _collect(stream: object, lines: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.append(line)

    def wait_for_output(self, text: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while text not in "".join(self.out):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} from ogp-watch run:\n{''.join(self.out)}{''.join(self.err)}")
            time.sleep(0.05)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=WAIT_S)
        finally:
            self.process.kill()
        for reader in self._readers:
            reader.join(timeout=5)
        return code

    @property
    def output(self) -> str:
        return "".join(self.out) + "".join(self.err)


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(token=TOKEN) as server:
        yield server


@pytest.fixture
def bot_env(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, standin: BotApiStandIn) -> dict[str, str]:
    extra = {
        "OGP_WATCH_TELEGRAM_TOKEN": TOKEN,
        "OGP_WATCH_TELEGRAM_API_URL": standin.base_url,
        "OGP_WATCH_ADMIN_IDS": str(ADMIN),
        "OGP_WATCH_ALLOW_PRIVATE_SOURCES": "true",
        "OGP_WATCH_DEFAULT_SOURCES": "false",
        "OGP_WATCH_CHECK_TICK_SECONDS": "1",
        "OGP_WATCH_LOG_LEVEL": "INFO",  # the busiest level a deployment would use: the token must not show
    }
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    return {**os.environ, **cli_env, **extra}


@pytest.fixture
def report_site(local_site: LocalSite) -> LocalSite:
    local_site.page(SEED_PAGES[REPORT_SEED], seed_as_html(REPORT_SEED))
    return local_site


def _reply(standin: BotApiStandIn, chat_id: int, count: int = 1) -> SentMessage:
    standin.wait_for(lambda: len(standin.sent_to(chat_id)) >= count, WAIT_S, f"{count} messages to chat {chat_id}")
    return standin.sent_to(chat_id)[count - 1]


def _open(request: urllib.request.Request | str) -> Any:
    return urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10)


def _metrics(port: int) -> dict[str, float]:
    """The samples of a /metrics page, by name with labels."""
    page = _open(f"http://127.0.0.1:{port}/metrics").read().decode()
    return {name: float(value) for name, value in
            (line.rsplit(" ", 1) for line in page.splitlines() if line and not line.startswith("#"))}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_polling_answers_chats_takes_admin_commands_and_delivers_alerts(
    bot_env: dict[str, str], standin: BotApiStandIn, report_site: LocalSite, tmp_path: Path
) -> None:
    bot = RunningBot(bot_env, tmp_path)
    try:
        bot.wait_for_output("is answering (polling)")
        assert standin.my_commands, "the command menus are set at start-up (post_init)"

        standin.push_text(READER, "¿la Ciudad de México sigue en OGP?", language_code="es")
        answer = _reply(standin, READER)
        assert "se retiró" in answer.plain_text and "opengovpartnership.org" in answer.text

        standin.push_text(SUBSCRIBER, "/subscribe reports", language_code="en")
        assert "report" in _reply(standin, SUBSCRIBER).plain_text.lower()

        url = report_site.url(SEED_PAGES[REPORT_SEED])
        standin.push_text(READER, f"/source_add {url} page", language_code="en")
        assert "admins" in _reply(standin, READER, 2).plain_text  # refused, and nothing was added

        standin.push_text(ADMIN, f"/source_add {url} page 1h", language_code="en")
        assert "Watching #1" in _reply(standin, ADMIN).plain_text

        # The watcher's next tick checks the new source; the dispatcher sends the new report to the subscriber.
        alert = _reply(standin, SUBSCRIBER, 2)
        assert "Mexico Results Report 2019-2022" in alert.plain_text and url in alert.text
    finally:
        code = bot.stop()
    assert code == 0, bot.output
    assert "Stopped." in bot.output and "Traceback" not in bot.output
    assert TOKEN not in bot.output and TOKEN.split(":")[1] not in bot.output
    assert report_site.hits(SEED_PAGES[REPORT_SEED]) == 1  # checked once: the alert is not a second check
    assert len(standin.sent_to(SUBSCRIBER)) == 2  # the confirmation and one alert, not two


def test_webhook_mode_checks_the_secret_and_answers(
    bot_env: dict[str, str], standin: BotApiStandIn, tmp_path: Path
) -> None:
    port = _free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    secret = "e2e-webhook-secret_123"
    env = {**bot_env, "OGP_WATCH_WEBHOOK_URL": hook, "OGP_WATCH_WEBHOOK_SECRET": secret,
           "OGP_WATCH_WEBHOOK_PORT": str(port)}
    bot = RunningBot(env, tmp_path)
    try:
        bot.wait_for_output("is answering (webhook")
        assert standin.webhook is not None
        assert standin.webhook["url"] == hook and standin.webhook["secret_token"] == secret

        standin.push_text(READER, "status of Mexico commitment 9", language_code="en")
        answer = _reply(standin, READER)
        assert "commitment 9" in answer.plain_text and "inactive" in answer.plain_text
        assert standin.wait_for_webhook_deliveries(1, timeout=WAIT_S)[0].status == 200

        forged = urllib.request.Request(hook, data=b'{"update_id": 999}', headers={
            "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "guessed"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            _open(forged)
        assert refused.value.code == 403
        garbage = urllib.request.Request(hook, data=b"not json", headers={"X-Telegram-Bot-Api-Secret-Token": secret})
        with pytest.raises(urllib.error.HTTPError) as refused:
            _open(garbage)
        assert refused.value.code == 400

        health = json.loads(_open(f"http://127.0.0.1:{port}/healthz").read())
        assert health == {"status": "ok", "database": "ok", "schema": "0005"}
        metrics = _metrics(port)
        assert metrics["ogp_watch_webhook_updates_total"] == 1
        assert metrics["ogp_watch_webhook_refused_total"] == 2
        assert metrics['ogp_watch_outbox{status="pending"}'] == 0 and metrics["ogp_watch_up"] == 1
    finally:
        code = bot.stop()
    assert code == 0, bot.output
    assert secret not in bot.output and TOKEN not in bot.output and "Traceback" not in bot.output
    assert len(standin.sent_to(READER)) == 1  # the forged update was not answered


def test_a_webhook_without_a_secret_is_refused(bot_env, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OGP_WATCH_WEBHOOK_URL", "https://bot.example.org/hook")
    code, _, err = run_cli(capsys, "run", "--no-chat")
    assert code == 2 and "OGP_WATCH_WEBHOOK_SECRET" in err and "Traceback" not in err


def test_a_malformed_webhook_secret_is_a_bad_setting(bot_env, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OGP_WATCH_WEBHOOK_SECRET", "no spaces allowed")
    code, _, err = run_cli(capsys, "run", "--no-chat")
    assert code == 2 and "OGP_WATCH_WEBHOOK_SECRET" in err and "no spaces allowed" not in err


def test_a_refused_token_is_one_clear_line(bot_env, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OGP_WATCH_TELEGRAM_TOKEN", "13579:not-this-bots-token")
    code, _, err = run_cli(capsys, "run", "--no-chat")
    assert code == 2 and "refused the bot token" in err
    assert "not-this-bots-token" not in err and "Traceback" not in err


def test_an_unreachable_bot_api_is_one_clear_line(bot_env, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OGP_WATCH_TELEGRAM_API_URL", f"http://127.0.0.1:{_free_port()}/bot")
    code, _, err = run_cli(capsys, "run", "--no-chat")
    assert code == 2 and "cannot reach the Bot API" in err and "Traceback" not in err
    assert TOKEN not in err


class RoundRobinProxy:
    """A load balancer in front of several webhook servers: each POST goes to the next one in turn."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.turn = itertools.count()
        proxy = self

        class Forward(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                target = proxy.backends[next(proxy.turn) % len(proxy.backends)] + self.path
                headers = {name: value for name, value in self.headers.items()
                           if name.lower() in {"content-type", "x-telegram-bot-api-secret-token"}}
                try:
                    status = _open(urllib.request.Request(target, data=body, headers=headers)).status
                except urllib.error.HTTPError as error:
                    status = error.code
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> RoundRobinProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_several_bot_processes_share_one_webhook(
    bot_env: dict[str, str], standin: BotApiStandIn, tmp_path: Path
) -> None:
    """Any process can take any update: what one process stored (a subscription), the other one sees."""
    ports = [_free_port(), _free_port()]
    secret = "shared-secret"
    with RoundRobinProxy([f"http://127.0.0.1:{port}" for port in ports]) as proxy:
        bots = [
            RunningBot({**bot_env, "OGP_WATCH_WEBHOOK_URL": f"{proxy.url}/hook", "OGP_WATCH_WEBHOOK_SECRET": secret,
                        "OGP_WATCH_WEBHOOK_PORT": str(port)}, tmp_path, "--role", "bot")
            for port in ports
        ]
        try:
            for bot in bots:
                bot.wait_for_output("is answering (webhook")
            standin.push_text(SUBSCRIBER, "/subscribe Mexico", language_code="en")  # to the first process
            assert "Mexico" in _reply(standin, SUBSCRIBER).plain_text
            standin.push_text(SUBSCRIBER, "/subscriptions", language_code="en")  # to the second
            assert "Mexico" in _reply(standin, SUBSCRIBER, 2).plain_text
            for chat in range(7001, 7005):
                standin.push_text(chat, "which members withdrew?", language_code="en")
            for chat in range(7001, 7005):
                assert "Ciudad de México" in _reply(standin, chat).plain_text or \
                    "Mexico City" in _reply(standin, chat).plain_text
            received = [_metrics(port)["ogp_watch_webhook_updates_total"] for port in ports]
        finally:
            codes = [bot.stop() for bot in bots]
    assert received == [3, 3]
    assert codes == [0, 0], [bot.output for bot in bots]
    assert all(len(standin.sent_to(chat)) == 1 for chat in range(7001, 7005))  # each update answered once
    assert all("is watching" not in bot.output for bot in bots)  # the bot role leaves sources to workers
