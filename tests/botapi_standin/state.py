"""The stand-in's state for one bot: chats, messages, updates, records, and the lock that guards them.

Why a base class: the Bot API methods are split by concept (updates, messages, chats and commands, faults)
into classes that all read and change this one state under one lock; declaring it once here lets each of
them be read, and type-checked, on its own.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from tests.botapi_standin.records import (
    ApiCall,
    ApiError,
    Failure,
    SentMessage,
    UploadedFile,
    WebhookDelivery,
    bad_request,
)
from tests.botapi_standin.transport import StandInServer

SUPERGROUP_ID_BELOW = -1_000_000_000_000


class StandInState:
    """Fields and helpers every part of the stand-in shares; ``BotApiStandIn`` is the class to use."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "ogp_watch_test_bot",
        *,
        bot_first_name: str = "OGP Watch Test",
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.bot_username = bot_username
        head = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(head) if head.isdigit() else 123456,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._lock = threading.RLock()
        self._local = threading.local()  # the connection of the request this thread is answering
        self._changed = threading.Condition(self._lock)
        self._server: StandInServer | None = None
        self._thread: threading.Thread | None = None
        self._webhook_thread: threading.Thread | None = None
        self._closing = False

        self.sent: list[SentMessage] = []
        self.calls: list[ApiCall] = []
        self.answered_callbacks: list[dict[str, Any]] = []
        self.my_commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        """(scope, language_code) -> commands. The scope is its type ("default", "all_private_chats",
        ...), with the chat (and user) appended for chat scopes: "chat:-100123", "chat_member:-100123:42"."""
        self.webhook: dict[str, Any] | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.files: dict[str, UploadedFile] = {}

        self._updates: deque[dict[str, Any]] = deque()
        self._update_ids = itertools.count(1)
        self._last_update_id = 0
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._chats: dict[int, dict[str, Any]] = {}
        self._message_ids: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._callbacks: dict[str, dict[str, Any]] = {}
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._failures: list[Failure] = []
        self._blocked: set[int] = set()
        self._admins: dict[int, list[int]] = {}
        self._creators: dict[int, int] = {}
        self._latency = 0.0
        self._webhook_error: tuple[int, str] | None = None

    def _queue_update(self, update: dict[str, Any]) -> int:
        if "update_id" in update:
            update_id = int(update["update_id"])
            if update_id > self._last_update_id:
                self._update_ids = itertools.count(update_id + 1)
        else:
            update_id = next(self._update_ids)
            update = {"update_id": update_id, **update}
        in_order = not self._updates or self._updates[-1]["update_id"] < update_id
        self._last_update_id = max(self._last_update_id, update_id)
        self._updates.append(update)
        if not in_order:  # a forged id from the past: the queue stays sorted, offsets rely on it
            self._updates = deque(sorted(self._updates, key=lambda queued: queued["update_id"]))
        self._changed.notify_all()
        return update_id

    def _user(self, user_id: int, first_name: str, username: str | None, language_code: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        return user

    def _remember_chat(
        self, chat_id: int, chat_type: str, title: str | None, first_name: str, username: str | None
    ) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name
            if username:
                chat["username"] = username
        else:
            chat["title"] = title or f"Test {chat_type} {chat_id}"
        self._chats[chat_id] = chat
        return chat

    def _chat(self, chat_id: int) -> dict[str, Any]:
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                chat = {"id": chat_id, "type": "private", "first_name": "Test"}
            else:
                kind = "supergroup" if chat_id < SUPERGROUP_ID_BELOW else "group"
                chat = {"id": chat_id, "type": kind, "title": f"Test {kind} {chat_id}"}
            self._chats[chat_id] = chat
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _target_chat(self, params: dict[str, Any]) -> int:
        """The chat a send goes to, refused as Telegram refuses it; also where latency is simulated."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise bad_request("chat not found")
        with self._lock:
            latency = self._latency
            blocked = chat_id in self._blocked
            kind = self._chat(chat_id)["type"]
        if latency:
            time.sleep(latency)
        if blocked:
            reason = {
                "private": "bot was blocked by the user",
                "group": "bot was kicked from the group chat",
                "supergroup": "bot was kicked from the supergroup chat",
            }.get(kind, "bot is not a member of the channel chat")
            raise ApiError(403, f"Forbidden: {reason}")
        return chat_id

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "the condition") -> None:
        """Block until ``predicate()`` holds (checked on every change); TimeoutError says what did happen."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(what, timeout))
                self._changed.wait(remaining)

    def _timeout_message(self, what: str, timeout: float) -> str:
        with self._lock:
            sent = [f"{m.method} to {m.chat_id}: {(m.plain_text or m.text or '')[:60]!r}" for m in self.sent[-5:]]
            failed = [f"{c.method} -> {c.status} {c.error}" for c in self.calls if c.error][-5:]
            methods: dict[str, int] = {}
            for call in self.calls:
                methods[call.method] = methods.get(call.method, 0) + 1
            return (
                f"waited {timeout}s for {what}; sent so far: {len(self.sent)} (last: {sent}); "
                f"calls by method: {methods}; last failures: {failed}; pending updates: {len(self._updates)}"
            )
