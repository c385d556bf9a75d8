"""``BotApiStandIn``: the stand-in's lifecycle, the method table and routing, what the bot did, control endpoints.

Why here and not with the methods: routing (token check, parameter decoding, scripted failures, records of
every call) is the same for every method; the methods themselves live in ``updates``, ``messages``,
``chats`` and ``faults``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.botapi_standin.chats import ChatsAndCommands
from tests.botapi_standin.faults import Faults
from tests.botapi_standin.messages import Messages
from tests.botapi_standin.records import DEFAULT_DESCRIPTIONS, ApiCall, ApiError, SentMessage, bad_request
from tests.botapi_standin.transport import StandInServer, decode_params, json_default, parse_multipart
from tests.botapi_standin.updates import Updates


class BotApiStandIn(Updates, Messages, ChatsAndCommands, Faults):
    """The Bot API for one bot, in memory. Thread-safe: every state change happens under one lock."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "ogp_watch_test_bot",
        *,
        bot_first_name: str = "OGP Watch Test",
    ) -> None:
        super().__init__(token, host, port, bot_username, bot_first_name=bot_first_name)
        self._methods: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._true,
                "close": self._true,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "sendPhoto": self._send_photo,
                "sendDocument": self._send_document,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "getChat": self._get_chat,
                "getChatMember": self._get_chat_member,
                "getChatAdministrators": self._get_chat_administrators,
                "sendChatAction": self._send_chat_action,
                "getFile": self._get_file,
                "setMyDescription": self._true,
                "setMyShortDescription": self._true,
                "setMyName": self._true,
                "setChatMenuButton": self._true,
            }.items()
        }

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url``: PTB appends the token and "/method" itself."""
        return f"http://{self.host}:{self._bound_port()}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self._bound_port()}/file/bot"

    @property
    def control_url(self) -> str:
        """Where a process that did not start the stand-in scripts it (see :meth:`_control`)."""
        return f"http://{self.host}:{self._bound_port()}/_standin"

    def _bound_port(self) -> int:
        if self._server is None:
            raise RuntimeError("BotApiStandIn is not started: call start() or use it as a context manager")
        return self._server.server_address[1]

    def start(self) -> BotApiStandIn:
        if self._server is not None:
            return self
        self._closing = False
        self._server = StandInServer((self.host, self.port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="botapi-standin", daemon=True
        )
        self._thread.start()
        self._webhook_thread = threading.Thread(target=self._webhook_worker, name="botapi-webhook", daemon=True)
        self._webhook_thread.start()
        return self

    def close(self) -> None:
        server = self._server
        if server is None:
            return
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        server.shutdown()
        server.server_close()
        with server.connections_lock:
            connections = list(server.connections)
        for connection in connections:  # idle keep-alive connections would otherwise outlive the server
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for thread in (self._thread, self._webhook_thread):
            if thread is not None:
                thread.join(timeout=2)
        self._server = None

    def __enter__(self) -> BotApiStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        with self._lock:
            return [message for message in self.sent if message.chat_id == chat_id]

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [call for call in self.calls if call.method.lower() == method.lower()]

    def wait_for_sent(self, count: int, timeout: float = 5.0) -> list[SentMessage]:
        """Block until ``count`` messages were sent. Never call it on the bot's event loop: use the async one."""
        self.wait_for(lambda: len(self.sent) >= count, timeout, f"{count} sent message(s)")
        with self._lock:
            return list(self.sent)

    async def wait_for_sent_async(self, count: int, timeout: float = 5.0) -> list[SentMessage]:
        """For tests running the bot in the same event loop, which a blocking wait would freeze."""
        deadline = time.monotonic() + timeout
        while len(self.sent) < count:
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message(f"{count} sent message(s)", timeout))
            await asyncio.sleep(0.01)
        with self._lock:
            return list(self.sent)

    def clear(self) -> None:
        """Forget what was sent and called (not chats, updates or settings), e.g. after a warm-up."""
        with self._lock:
            self.sent.clear()
            self.calls.clear()
            self.answered_callbacks.clear()

    def _dispatch(
        self, verb: str, raw_path: str, content_type: str, body: bytes, connection: socket.socket | None = None
    ) -> tuple[int, bytes, str]:
        self._local.connection = connection
        split = urlsplit(raw_path)
        path = unquote(split.path)
        if path.startswith("/_standin/"):
            return self._control(path.removeprefix("/_standin/"), split.query, body)
        if path.startswith("/file/bot"):
            return self._download(path.removeprefix("/file/bot"))
        if not path.startswith("/bot"):
            return self._json(ApiError(404, "Not Found").payload(), 404)
        token, _, method = path.removeprefix("/bot").partition("/")
        if token != self.token:
            # Telegram: 401 for a well-formed but unknown token, 404 for a malformed one.
            code = 401 if re.fullmatch(r"\d+:[\w-]+", token) else 404
            self._record_call(method, {}, code, DEFAULT_DESCRIPTIONS[code])
            return self._json(ApiError(code, DEFAULT_DESCRIPTIONS[code]).payload(), code)
        try:
            params = decode_params(parse_qsl(split.query, keep_blank_values=True))
            params.update(self._body_params(content_type, body))
        except ApiError as error:
            return self._json(error.payload(), error.error_code)
        name, handler = self._methods.get(method.lower(), (method, None))
        try:
            self._maybe_fail(name, params)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = handler(params)
        except ApiError as error:
            self._record_call(name, params, error.error_code, error.description)
            return self._json(error.payload(), error.error_code)
        self._record_call(name, params, 200, None)
        return self._json({"ok": True, "result": result}, 200)

    def _body_params(self, content_type: str, body: bytes) -> dict[str, Any]:
        if not body:
            return {}
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == "multipart/form-data":
            return parse_multipart(body, content_type)
        if kind == "application/json":
            try:
                decoded = json.loads(body)
            except ValueError as exc:
                raise bad_request("can't parse JSON encoded request") from exc
            if not isinstance(decoded, dict):
                raise bad_request("can't parse JSON encoded request")
            return decoded
        return decode_params(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))

    @staticmethod
    def _json(payload: object, status: int) -> tuple[int, bytes, str]:
        body = json.dumps(payload, ensure_ascii=False, default=json_default)
        return status, body.encode("utf-8"), "application/json"

    def _record_call(self, method: str, params: dict[str, Any], status: int, error: str | None) -> None:
        with self._changed:
            self.calls.append(ApiCall(method, params, time.monotonic(), status, error))
            self._changed.notify_all()

    def _download(self, rest: str) -> tuple[int, bytes, str]:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return self._json(ApiError(401, "Unauthorized").payload(), 401)
        with self._lock:
            upload = self.files.get(file_path.removeprefix("files/"))
        if upload is None:
            return self._json(ApiError(404, "Not Found").payload(), 404)
        return 200, upload.data, upload.content_type or "application/octet-stream"

    def _true(self, params: dict[str, Any]) -> bool:
        return True

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self.bot_user)

    _CONTROL_ACTIONS = frozenset(
        {"push_text", "push_callback", "push_update", "fail_next", "block_chat", "unblock_chat", "set_chat_admins",
         "set_latency", "clear"}
    )

    def _control(self, action: str, query: str, body: bytes) -> tuple[int, bytes, str]:
        """``POST /_standin/<method>`` with a JSON object of keyword arguments calls that scripting method
        (push_text, push_callback, push_update, fail_next, block_chat, unblock_chat, set_chat_admins,
        set_latency, clear); ``GET /_standin/sent?chat_id=``, ``/calls?method=``, ``/stats`` read the records.
        """
        args = dict(parse_qsl(query))
        try:
            if action == "sent":
                with self._lock:
                    chosen = [m for m in self.sent if "chat_id" not in args or str(m.chat_id) == args["chat_id"]]
                return self._json({"ok": True, "result": [asdict(m) for m in chosen]}, 200)
            if action == "calls":
                with self._lock:
                    calls = [asdict(c) for c in self.calls if "method" not in args or c.method == args["method"]]
                return self._json({"ok": True, "result": calls}, 200)
            if action == "stats":
                with self._lock:
                    methods: dict[str, int] = {}
                    for call in self.calls:
                        methods[call.method] = methods.get(call.method, 0) + 1
                    stats = {"sent": len(self.sent), "calls": methods, "pending_updates": len(self._updates),
                             "errors": sum(1 for call in self.calls if call.error)}
                return self._json({"ok": True, "result": stats}, 200)
            if action not in self._CONTROL_ACTIONS:
                return self._json(ApiError(404, f"Not Found: no control action {action!r}").payload(), 404)
            kwargs = json.loads(body) if body else {}
            result = getattr(self, action)(**kwargs)
            return self._json({"ok": True, "result": result}, 200)
        except (TypeError, ValueError, KeyError) as exc:
            return self._json(ApiError(400, f"Bad Request: {exc}").payload(), 400)
