"""The operational log lines, read the way a log tool reads them: a check of a source served over loopback,
a delivery batch through the real python-telegram-bot to the Bot API stand-in and a watcher tick, each
captured at INFO and parsed as ``key=value`` pairs by a parser written here, independently of the formatter.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time

import pytest
from sqlalchemy import Engine

from bot.tg.sender import TelegramSender, build_bot
from jobs.check import SourceChecker
from jobs.deliver import DeliveryLimits, Dispatcher, RetryPolicy
from jobs.fetch import Fetcher, FetchPolicy
from jobs.log_lines import MAX_VALUE_CHARS, log_line
from jobs.scheduler import Watcher
from ogp_watch.local_site import LocalSite
from storage import events, sources, subscriptions
from storage.database import session_scope
from storage.events import NewEvent
from storage.models import EventKind, SourceKind, SubscriptionKind
from storage.subscriptions import Topic
from tests import local_site_faults as faults
from tests.botapi_standin import BotApiStandIn
from tests.conftest import REPORT_SEED, SEED_PAGES, seed_as_html

POLICY = FetchPolicy(politeness_delay_s=0, allow_private=True, retries=0, timeout_s=5.0, connect_timeout_s=1.0)
TOKEN = "987654:LOG-LINES-TOKEN"

_PAIR = re.compile(r'([a-z][a-z0-9_]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)')


def parse(line: str) -> tuple[str, dict[str, str]]:
    """What a logfmt reader makes of a line: the leading words, then every key=value, quotes undone."""
    first = _PAIR.search(line)
    words = line[: first.start()].strip() if first else line
    fields = {}
    for key, raw in _PAIR.findall(line):
        fields[key] = json.loads(raw) if raw.startswith('"') else raw
    rebuilt = " ".join([words, *(f"{k}={v}" for k, v in _PAIR.findall(line))])
    assert rebuilt == line, f"not a clean key=value line: {line!r}"
    return words, fields


def lines(caplog: pytest.LogCaptureFixture, what: str) -> list[dict[str, str]]:
    found = [parse(record.getMessage()) for record in caplog.records if record.levelno == logging.INFO]
    return [fields for words, fields in found if words == what]


# -- the format ----------------------------------------------------------------------------------------------


def test_values_with_spaces_quotes_or_newlines_stay_one_parsable_line() -> None:
    line = log_line("check", source=7, error='HTTP 500 "Internal" Server Error\nsecond line', http=None,
                    changed=True, ratio=0.25, dash="-")
    assert "\n" not in line
    words, fields = parse(line)
    assert words == "check"
    assert fields == {"source": "7", "error": 'HTTP 500 "Internal" Server Error\nsecond line', "http": "-",
                      "changed": "true", "ratio": "0.25", "dash": "-"}
    assert 'dash="-"' in line  # a real "-" is told apart from a missing value


def test_a_long_value_is_cut_and_a_bad_key_refused() -> None:
    _, fields = parse(log_line("check", error="x" * 5000))
    assert len(fields["error"]) == MAX_VALUE_CHARS
    with pytest.raises(ValueError):
        log_line("check", **{"Bad Key": 1})


# -- a check -------------------------------------------------------------------------------------------------


def _add_source(engine: Engine, url: str, kind: SourceKind = SourceKind.PAGE) -> int:
    with session_scope(engine) as session:
        source = sources.add_source(session, url=url, kind=kind, label="log test", interval_seconds=3600,
                                    added_by="test")
        assert source.id is not None
        return source.id


async def _check(engine: Engine, source_id: int) -> None:
    async with Fetcher(POLICY) as fetcher:
        await SourceChecker(engine, fetcher).check(source_id, force=True)


def test_each_check_logs_one_line_with_outcome_size_and_timings(engine: Engine, local_site: LocalSite,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="jobs")
    path = SEED_PAGES[REPORT_SEED]
    page = seed_as_html(REPORT_SEED)
    local_site.page(path, page)
    source_id = _add_source(engine, local_site.url(path))

    asyncio.run(_check(engine, source_id))
    asyncio.run(_check(engine, source_id))
    local_site.handler(path, faults.status(500))
    asyncio.run(_check(engine, source_id))

    first, second, third = lines(caplog, "check")
    assert first["source"] == str(source_id) and first["kind"] == "page"
    assert first["outcome"] == "changed" and first["http"] == "200"
    assert int(first["bytes"]) == len(page.encode())
    with session_scope(engine) as session:
        recorded = events.events(session)
    assert int(first["events"]) == len(recorded) > 0
    assert 0 <= int(first["fetch_ms"]) <= int(first["total_ms"])
    assert first["error"] == "-"

    assert second["outcome"] == "unchanged" and second["events"] == "0"
    assert third["outcome"] == "error" and third["http"] == "500" and "500" in third["error"]


def test_fetch_time_is_told_apart_from_the_rest_of_the_check(engine: Engine, local_site: LocalSite,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="jobs")
    local_site.handler("/slow/", faults.slow(0.3))
    source_id = _add_source(engine, local_site.url("/slow/"))

    started = time.perf_counter()
    asyncio.run(_check(engine, source_id))
    wall_ms = (time.perf_counter() - started) * 1000

    [line] = lines(caplog, "check")
    assert 300 <= int(line["fetch_ms"]) <= int(line["total_ms"]) <= wall_ms + 1


def test_a_watcher_tick_logs_what_was_due_and_checked(engine: Engine, local_site: LocalSite,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="jobs")
    local_site.page("/a/", "<html><body><p>Synthetic page a.</p></body></html>")
    local_site.handler("/b/", faults.status(404))
    for path in ("/a/", "/b/"):
        _add_source(engine, local_site.url(path))

    async def scenario() -> None:
        watcher = Watcher(engine, POLICY, tick_seconds=0.2)
        await watcher.start()
        deadline = time.monotonic() + 10
        while watcher.ticks < 2:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        await watcher.stop()

    asyncio.run(scenario())
    ticks = lines(caplog, "watcher tick")
    assert ticks[0]["due"] == "2" and ticks[0]["checked"] == "2" and ticks[0]["failed"] == "1"
    assert ticks[1]["due"] == "0" and ticks[1]["checked"] == "0"  # nothing due again for an hour
    assert all(int(tick["ms"]) >= 0 for tick in ticks)


# -- a delivery batch ----------------------------------------------------------------------------------------


def test_each_delivery_batch_logs_its_counts_and_time_and_never_the_token(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="jobs")
    chats = [2001, 2002, 2003]
    with session_scope(engine) as session:
        for chat_id in chats:
            subscriptions.ensure_chat(session, chat_id, kind="private", language="en")
            subscriptions.subscribe(session, chat_id, SubscriptionKind.TOPIC, Topic.ALL, "everything")
        events.record_events(session, [NewEvent(
            key="log-lines-1", kind=EventKind.MEMBER_WITHDRAWN, title="Synthetic City withdrew",
            url="https://synthetic.example/1/", evidence="Synthetic evidence.",
            payload={"member": "synthetic-city", "member_name": "Synthetic City"},
        )])

    with BotApiStandIn(TOKEN) as standin:
        standin.block_chat(2003)

        async def scenario() -> None:
            async with build_bot(TOKEN, standin.base_url, connections=2) as bot:
                dispatcher = Dispatcher(engine, TelegramSender(bot), DeliveryLimits.off(), concurrency=2,
                                        retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02))
                await dispatcher.run_once()

        asyncio.run(scenario())
        assert len(standin.sent) == 2

    [batch] = lines(caplog, "delivery batch")
    assert batch["rows"] == "3" and batch["claimed"] == "3"
    assert batch["sent"] == "2" and batch["blocked"] == "1"
    assert batch["failed"] == "0" and batch["retried"] == "0"
    assert int(batch["ms"]) >= 0
    assert TOKEN not in caplog.text  # (httpx's own request log names it; configure_logging caps httpx at WARNING)
