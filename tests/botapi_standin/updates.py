"""Updates reaching the bot: users typing and tapping, getUpdates long polls, and webhook deliveries.

Why together: polling and the webhook are two ways out of one queue of updates, with Telegram's rules
between them (409 for getUpdates while a webhook is set, offsets confirming updates for good).
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from typing import Any

from tests.botapi_standin.formatting import utf16_len
from tests.botapi_standin.records import ApiError, WebhookDelivery, bad_request
from tests.botapi_standin.state import StandInState
from tests.botapi_standin.transport import ClientGone, client_gone

MAX_POLL_WAIT_S = 0.5
"""Long polls are cut short: PTB's stop and the server's close must not wait for a 10 s poll."""


SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


DEFAULT_GROUP_USER_ID = 1001
"""Who speaks in a group chat when ``push_text`` is not told (private chats default to the chat's id)."""


WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)


POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


class Updates(StandInState):
    """Users play their part (``push_*``); the bot receives it by ``getUpdates`` or a webhook."""

    def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = "en",
        first_name: str = "Test",
        username: str | None = None,
        chat_title: str | None = None,
    ) -> int:
        """A user writes ``text``; a leading "/word" (with any "@botname") gets a bot_command entity."""
        if user_id is None:
            user_id = chat_id if chat_type == "private" else DEFAULT_GROUP_USER_ID
        user = self._user(user_id, first_name, username, language_code)
        with self._lock:
            chat = self._remember_chat(chat_id, chat_type, chat_title, first_name, username)
            message: dict[str, Any] = {
                "message_id": self._next_message_id(chat_id),
                "from": user,
                "chat": chat,
                "date": int(time.time()),
                "text": text,
            }
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0] if text.strip() else text
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
            self._messages[(chat_id, message["message_id"])] = message
            return self._queue_update({"message": message})

    def push_callback(
        self,
        chat_id: int,
        user_id: int,
        data: str,
        *,
        message_id: int,
        language_code: str | None = "en",
        chat_type: str = "private",
        first_name: str = "Test",
    ) -> int:
        """A user taps an inline button under ``message_id``, which must be a message the bot sent."""
        with self._lock:
            message = self._messages.get((chat_id, message_id))
            if message is None or not message.get("from", {}).get("is_bot"):
                raise ValueError(f"chat {chat_id} has no message {message_id} sent by the bot")
            query_id = str(next(self._callback_ids))
            if chat_id not in self._chats:
                self._remember_chat(chat_id, chat_type, None, first_name, None)
            query = {
                "id": query_id,
                "from": self._user(user_id, first_name, None, language_code),
                "message": json.loads(json.dumps(message)),
                "chat_instance": str(abs(chat_id) * 7919 + self.bot_user["id"]),
                "data": data,
            }
            self._callbacks[query_id] = {"answered": False, "chat_id": chat_id, "data": data}
            return self._queue_update({"callback_query": query})

    def push_update(self, update: dict[str, Any]) -> int:
        """Any update, as given (forged, odd or of a kind the helpers do not build); numbered if it is not."""
        with self._lock:
            return self._queue_update(dict(update))

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        wait = min(max(float(params.get("timeout") or 0), 0.0), MAX_POLL_WAIT_S)
        deadline = time.monotonic() + wait
        with self._changed:
            if self.webhook is not None:
                raise ApiError(409, WEBHOOK_CONFLICT)
            if "allowed_updates" in params and isinstance(params["allowed_updates"], list):
                self._allowed_updates = [str(kind) for kind in params["allowed_updates"]]
            if offset < 0:  # Telegram: the last -offset updates; everything before is forgotten
                while len(self._updates) > -offset:
                    self._updates.popleft()
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()  # confirmed by the offset: gone for good, as on Telegram
            self._poll_generation += 1
            generation = self._poll_generation
            self._changed.notify_all()  # an older long poll still waiting now ends with 409, like Telegram
            while True:
                batch = [update for update in self._updates if self._allowed(update)][:limit]
                if batch or self._closing:
                    return batch
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._changed.wait(remaining)
                if generation != self._poll_generation:
                    if client_gone(getattr(self._local, "connection", None)):
                        raise ClientGone  # PTB cancelled this poll before its last one: not a conflict
                    raise ApiError(409, POLL_CONFLICT)
                if self.webhook is not None:
                    raise ApiError(409, WEBHOOK_CONFLICT)

    def _allowed(self, update: dict[str, Any]) -> bool:
        if not self._allowed_updates:
            return True
        return any(kind in update for kind in self._allowed_updates)

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self._delete_webhook(params)
        if not re.match(r"^https?://", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN_RE.match(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        with self._changed:
            if params.get("drop_pending_updates"):
                self._updates.clear()
            self.webhook = {
                "url": url,
                "secret_token": secret,
                "max_connections": int(params.get("max_connections") or 40),
                "allowed_updates": params.get("allowed_updates"),
                "ip_address": params.get("ip_address"),
            }
            self._webhook_error = None
            self._changed.notify_all()
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        with self._changed:
            self.webhook = None
            if params.get("drop_pending_updates"):
                self._updates.clear()
            self._changed.notify_all()
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            info: dict[str, Any] = {
                "url": self.webhook["url"] if self.webhook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
            if self.webhook:
                info["max_connections"] = self.webhook["max_connections"]
                if self.webhook.get("allowed_updates"):
                    info["allowed_updates"] = self.webhook["allowed_updates"]
                if self._webhook_error:
                    info["last_error_date"], info["last_error_message"] = self._webhook_error
            return info

    def wait_for_webhook_deliveries(self, count: int, timeout: float = 5.0) -> list[WebhookDelivery]:
        self.wait_for(lambda: len(self.webhook_deliveries) >= count, timeout, f"{count} webhook deliveries")
        with self._lock:
            return list(self.webhook_deliveries)

    def _webhook_worker(self) -> None:
        """Deliver pending updates one at a time, in order, while a webhook is set (as Telegram does)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an environment proxy
        while True:
            with self._changed:
                while not self._closing and not (self.webhook is not None and self._updates):
                    self._changed.wait()
                if self._closing:
                    return
                update = self._updates[0]
                hook = dict(self.webhook or {})
            headers = {"Content-Type": "application/json"}
            if hook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = str(hook["secret_token"])
            request = urllib.request.Request(hook["url"], data=json.dumps(update).encode(), headers=headers)
            status: int | None = None
            error: str | None = None
            try:
                with opener.open(request, timeout=10) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status, error = exc.code, f"Wrong response from the webhook: {exc.code} {exc.reason}"
            except (OSError, ValueError) as exc:
                error = f"Connection failed: {exc}"
            with self._changed:
                if self._updates and self._updates[0] is update:
                    self._updates.popleft()  # delivered, or failed and not retried (see module docstring)
                self.webhook_deliveries.append(
                    WebhookDelivery(update["update_id"], hook["url"], status, error, time.monotonic())
                )
                if error:
                    self._webhook_error = (int(time.time()), error)
                self._changed.notify_all()
