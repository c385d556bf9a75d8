"""Telegram's refusals, scripted: the next calls failing, a chat that blocked the bot, a slow network.

Why apart: tests of the alert path drive these (429 with retry_after, 403 blocked, latency) and want them
in one place; where they take effect is ``_maybe_fail`` (every call) and ``_target_chat`` (every send).
"""

from __future__ import annotations

from typing import Any

from tests.botapi_standin.records import DEFAULT_DESCRIPTIONS, ApiError, Failure
from tests.botapi_standin.state import StandInState


class Faults(StandInState):
    """``fail_next``, ``block_chat``, ``set_latency``: what the real server would refuse, on cue."""

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str = "",
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id`` if given) fail as Telegram would say."""
        if not description:
            description = DEFAULT_DESCRIPTIONS.get(error_code, "Error")
            if error_code == 429 and retry_after is not None:
                description = f"Too Many Requests: retry after {retry_after}"
        with self._lock:
            self._failures.append(Failure(method.lower(), error_code, description, retry_after, chat_id, times))

    def _maybe_fail(self, method: str, params: dict[str, Any]) -> None:
        with self._lock:
            for failure in self._failures:
                if failure.method != method.lower():
                    continue
                if failure.chat_id is not None and str(params.get("chat_id")) != str(failure.chat_id):
                    continue
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                parameters = {"retry_after": failure.retry_after} if failure.retry_after is not None else None
                raise ApiError(failure.error_code, failure.description, parameters)

    def block_chat(self, chat_id: int) -> None:
        """The user blocked the bot (or the group removed it): every send to the chat answers 403."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    def set_latency(self, seconds: float) -> None:
        """Delay every send by ``seconds``, to make benchmarks feel a real network round trip."""
        with self._lock:
            self._latency = max(0.0, float(seconds))
