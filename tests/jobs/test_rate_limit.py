"""The delivery limiter keeps Telegram's limits without letting one chat hold up the others.

These run on an event loop whose clock jumps to the next timer instead of waiting for it, so a minute of
group cap takes no real time and every time asserted is exact, never a race with a slow machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from jobs.rate_limit import GROUP_WINDOW_S, SWEEP_EVERY, DeliveryLimiter, DeliveryLimits


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """``loop.time()`` starts at 0 and moves only when every task waits for a timer: then it jumps there."""

    def __init__(self) -> None:
        super().__init__()
        self._now = 0.0
        poll = self._selector.select  # type: ignore[attr-defined]

        def select(timeout: float | None = None) -> list[Any]:
            ready: list[Any] = poll(0)
            if not ready and timeout:
                self._now += timeout
            elif not ready and timeout is None:
                raise RuntimeError("every task waits for something that can never happen")
            return ready

        self._selector.select = select  # type: ignore[attr-defined]

    def time(self) -> float:
        return self._now


def run(scenario: Callable[[], Awaitable[Any]]) -> Any:
    with asyncio.Runner(loop_factory=VirtualClockLoop) as runner:
        return runner.run(scenario())


async def send(limiter: DeliveryLimiter, chat_id: int, sent: list[tuple[int, float]], *, group: bool = False,
               duration: float = 0.0) -> None:
    """One message: wait for the slot, "send" for ``duration``, and note when it went out."""
    async with limiter.slot(chat_id, group=group):
        sent.append((chat_id, asyncio.get_running_loop().time()))
        if duration:
            await asyncio.sleep(duration)


def times(sent: list[tuple[int, float]], chat_id: int) -> list[float]:
    return [moment for chat, moment in sent if chat == chat_id]


def test_global_rate_spaces_messages_evenly() -> None:
    async def scenario() -> list[tuple[int, float]]:
        limiter, sent = DeliveryLimiter(DeliveryLimits(per_second=30, chat_per_second=0, group_per_minute=0)), []
        await asyncio.gather(*(send(limiter, chat, sent) for chat in range(1, 61)))
        return sent

    moments = [moment for _, moment in run(scenario)]
    gaps = [later - earlier for earlier, later in zip(moments, moments[1:], strict=False)]
    assert min(gaps) >= 1 / 30 - 1e-9
    assert moments[-1] == pytest.approx(59 / 30)  # 60 messages in 2 s: the rate, not less


def test_a_chat_waits_for_its_interval_without_holding_up_other_chats() -> None:
    async def scenario() -> list[tuple[int, float]]:
        limiter, sent = DeliveryLimiter(DeliveryLimits(per_second=30, chat_per_second=1, group_per_minute=0)), []
        busy = [send(limiter, 1, sent, duration=0.2) for _ in range(4)]  # four alerts for one chat...
        others = [send(limiter, chat, sent) for chat in range(2, 12)]  # ...and one each for ten others
        await asyncio.gather(*busy, *others)
        return sent

    sent = run(scenario)
    busy = times(sent, 1)
    # A second between the end of one send to the chat and the start of the next.
    assert [later - earlier for earlier, later in zip(busy, busy[1:], strict=False)] == pytest.approx([1.2] * 3)
    others = [moment for chat, moment in sent if chat != 1]
    assert max(others) < 0.5  # the other ten went out at the global rate, while chat 1 waited


def test_a_group_gets_at_most_its_cap_per_minute() -> None:
    async def scenario() -> list[tuple[int, float]]:
        limiter, sent = DeliveryLimiter(DeliveryLimits(per_second=0, chat_per_second=0, group_per_minute=20)), []
        await asyncio.gather(*(send(limiter, -100123, sent, group=True) for _ in range(45)))
        await send(limiter, 777, sent)  # a private chat is not a group: no cap
        return sent

    sent = run(scenario)
    group = times(sent, -100123)
    assert len(group) == 45
    for i, start in enumerate(group):
        in_window = [moment for moment in group[i:] if moment < start + GROUP_WINDOW_S]
        assert len(in_window) <= 20
    assert group[19] == 0 and group[20] == pytest.approx(GROUP_WINDOW_S) and group[40] == pytest.approx(120)


def test_flood_control_pause_stops_every_chat() -> None:
    async def scenario() -> list[tuple[int, float]]:
        limiter, sent = DeliveryLimiter(DeliveryLimits.off()), []
        await send(limiter, 1, sent)
        limiter.pause(3)
        assert limiter.paused_for() == pytest.approx(3)
        await asyncio.gather(*(send(limiter, chat, sent) for chat in (1, 2, 3)))
        return sent

    sent = run(scenario)
    assert [moment for _, moment in sent] == [0, 3, 3, 3]


def test_a_pause_that_arrives_while_waiting_is_honoured() -> None:
    async def scenario() -> list[tuple[int, float]]:
        limiter, sent = DeliveryLimiter(DeliveryLimits(per_second=1, chat_per_second=0, group_per_minute=0)), []

        async def flood_control_at_half_a_second() -> None:
            await asyncio.sleep(0.5)
            limiter.pause(5)

        await asyncio.gather(send(limiter, 1, sent), send(limiter, 2, sent), flood_control_at_half_a_second())
        return sent

    assert [moment for _, moment in run(scenario)] == [0, pytest.approx(5.5)]


def test_limits_off_send_everything_at_once() -> None:
    async def scenario() -> list[tuple[int, float]]:
        limiter, sent = DeliveryLimiter(DeliveryLimits.off()), []
        await asyncio.gather(*(send(limiter, chat % 3, sent, group=True) for chat in range(30)))
        return sent

    assert {moment for _, moment in run(scenario)} == {0}


def test_idle_chats_are_forgotten() -> None:
    async def scenario() -> int:
        limiter, sent = DeliveryLimiter(DeliveryLimits(per_second=0, chat_per_second=1, group_per_minute=0)), []
        for chat in range(3 * SWEEP_EVERY):
            await send(limiter, chat, sent)
            await asyncio.sleep(0.01)
        return limiter.tracked_chats

    assert run(scenario) <= SWEEP_EVERY + 100  # a fan-out to thousands of chats leaves a bounded table
