"""Telegram's sending limits, kept on our side so that Telegram never has to enforce them.

Telegram allows a bot about 30 messages a second overall, about one a second to one chat and 20 a minute
to one group. Past them it answers 429 ("retry after N seconds"), and that flood control applies to the
whole bot, so one careless burst stalls every chat. The limiter therefore waits instead of sending:

* a message first waits for its own chat (one message at a time, at least the chat interval after the
  previous one *finished*, and for a group fewer than the cap in the last minute), and only then queues for
  a global slot. A chat that must wait a second never holds a global slot, so it never slows other chats;
* global slots are spaced evenly, on a grid 1/rate apart, rather than granted in bursts;
* ``pause(seconds)`` (Telegram's retry_after) holds every global slot until it has passed.

Intervals are measured from when a send finished, not when it started, so the gap Telegram sees between
two arrivals is never shorter than configured, however the network delays the first one.
A rate of 0 turns that limit off (tests, benchmarks). Times are the event loop's clock (``loop.time()``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol


class RateSettings(Protocol):
    """What the limits are read from: the application's settings (``ogp_watch.settings.Settings``), which
    live above this layer and are handed down."""

    @property
    def send_rate_per_second(self) -> float: ...
    @property
    def chat_rate_per_second(self) -> float: ...
    @property
    def group_rate_per_minute(self) -> float: ...

GROUP_WINDOW_S = 60.0
SWEEP_EVERY = 1024
"""Chat states kept before idle ones are forgotten: a fan-out to 10,000 chats must not keep 10,000 locks."""


@dataclass(frozen=True)
class DeliveryLimits:
    """Telegram's limits as configured; 0 turns one off."""

    per_second: float = 30.0
    chat_per_second: float = 1.0
    group_per_minute: float = 20.0

    @classmethod
    def from_settings(cls, settings: RateSettings) -> DeliveryLimits:
        return cls(settings.send_rate_per_second, settings.chat_rate_per_second, settings.group_rate_per_minute)

    @classmethod
    def off(cls) -> DeliveryLimits:
        return cls(0.0, 0.0, 0.0)


@dataclass
class _ChatState:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    free_at: float = 0.0
    """The chat may get its next message from this time on."""
    recent: deque[float] = field(default_factory=deque)
    """For groups: when the sends of the last minute finished."""
    users: int = 0


class DeliveryLimiter:
    """One per dispatcher process; shared by all its workers (asyncio, not thread-safe)."""

    def __init__(self, limits: DeliveryLimits) -> None:
        self.limits = limits
        self._send_interval = 1.0 / limits.per_second if limits.per_second > 0 else 0.0
        self._chat_interval = 1.0 / limits.chat_per_second if limits.chat_per_second > 0 else 0.0
        self._group_cap = int(limits.group_per_minute) if limits.group_per_minute > 0 else 0
        self._global = asyncio.Lock()  # waiters queue in arrival order
        self._next_send = 0.0
        self._paused_until = 0.0
        self._chats: dict[int, _ChatState] = {}
        self._sweep_at = SWEEP_EVERY

    @asynccontextmanager
    async def slot(self, chat_id: int, *, group: bool = False) -> AsyncIterator[None]:
        """Wait until a message may go to ``chat_id``, then hold the chat while it is being sent."""
        state = self._enter(chat_id)
        try:
            async with state.lock:
                await self._sleep_until(state.free_at)
                if group and self._group_cap:
                    await self._room_in_group(state)
                await self._global_slot()
                try:
                    yield
                finally:
                    finished = self._now()
                    state.free_at = finished + self._chat_interval
                    if group and self._group_cap:
                        state.recent.append(finished)
        finally:
            state.users -= 1

    def pause(self, seconds: float) -> None:
        """Telegram's flood control: no message goes out, to any chat, for ``seconds``."""
        self._paused_until = max(self._paused_until, self._now() + max(0.0, seconds))

    def paused_for(self) -> float:
        """Seconds until sending may resume; 0 when not paused."""
        return max(0.0, self._paused_until - self._now())

    @property
    def tracked_chats(self) -> int:
        return len(self._chats)

    # -- the waits --------------------------------------------------------------------------------------

    async def _room_in_group(self, state: _ChatState) -> None:
        while True:
            now = self._now()
            while state.recent and state.recent[0] <= now - GROUP_WINDOW_S:
                state.recent.popleft()
            if len(state.recent) < self._group_cap:
                return
            await self._sleep_until(state.recent[0] + GROUP_WINDOW_S)

    async def _global_slot(self) -> None:
        async with self._global:
            while True:
                now = self._now()
                due = max(self._next_send, self._paused_until)
                if now >= due:
                    break
                await asyncio.sleep(due - now)  # a pause set meanwhile is seen on waking
            # Slots stay on a grid while sending is busy: a timer that fires a little late must not push every
            # later slot back (at 30/s, 2 ms late per slot would lose 6 % of the rate). After a lull the grid
            # starts again from now, so idle time never turns into a burst.
            late = now - due
            self._next_send = (due if late < self._send_interval else now) + self._send_interval

    async def _sleep_until(self, moment: float) -> None:
        # A loop: asyncio may wake a timer a clock tick early, and an interval must never come up short.
        while (delay := moment - self._now()) > 0:
            await asyncio.sleep(delay)

    # -- bookkeeping ------------------------------------------------------------------------------------

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def _enter(self, chat_id: int) -> _ChatState:
        if len(self._chats) >= self._sweep_at:
            self._sweep()
        state = self._chats.get(chat_id)
        if state is None:
            state = self._chats[chat_id] = _ChatState()
        state.users += 1
        return state

    def _sweep(self) -> None:
        """Forget chats nobody waits for whose interval and group window have passed."""
        now = self._now()
        idle = [
            chat_id
            for chat_id, state in self._chats.items()
            if state.users == 0 and state.free_at <= now
            and (not state.recent or state.recent[-1] <= now - GROUP_WINDOW_S)
        ]
        for chat_id in idle:
            del self._chats[chat_id]
        self._sweep_at = max(SWEEP_EVERY, 2 * len(self._chats))
