"""What the bot sends: messages, photos and documents, edits, deletions and callback answers, validated.

Why together: they share Telegram's checks of text (parse modes, limits), inline keyboards and files, which
is where bots usually get the Bot API wrong.
"""

from __future__ import annotations

import re
import time
from typing import Any

from tests.botapi_standin.formatting import HtmlParseError, check_markdown_v2, parse_html, trim
from tests.botapi_standin.records import ApiError, SentMessage, UploadedFile, bad_request
from tests.botapi_standin.state import StandInState

TEXT_LIMIT = 4096


CAPTION_LIMIT = 1024


CALLBACK_DATA_LIMIT = 64


CALLBACK_ANSWER_LIMIT = 200


BUTTON_URL_RE = re.compile(r"^(https?|tg)://\S+$", re.IGNORECASE)


NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)


QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class Messages(StandInState):
    """sendMessage, sendPhoto, sendDocument, editMessage*, deleteMessage, answerCallbackQuery, getFile."""

    def _formatted(
        self, text: str, params: dict[str, Any], limit: int, entities_key: str, what: str
    ) -> tuple[str, list[dict[str, Any]]]:
        parse_mode = params.get("parse_mode") or None
        mode = str(parse_mode).lower() if parse_mode else None
        try:
            if mode == "html":
                plain, entities = parse_html(text)
            elif mode == "markdownv2":
                check_markdown_v2(text)
                plain, entities = text, []
            elif mode in (None, "markdown"):
                given = params.get(entities_key)
                plain, entities = text, list(given) if isinstance(given, list) else []
            else:
                raise bad_request("unsupported parse_mode")
        except HtmlParseError as error:
            raise bad_request(f"can't parse entities: {error}") from error
        plain, entities = trim(plain, entities)
        if what == "text" and not plain:
            raise bad_request("message text is empty")
        if len(plain) > limit:
            raise bad_request("message is too long" if what == "text" else "message caption is too long")
        return plain, entities

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise bad_request("can't parse inline keyboard button: Text must be non-empty")
                data = button.get("callback_data")
                url = button.get("url")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= CALLBACK_DATA_LIMIT:
                    raise bad_request("BUTTON_DATA_INVALID")
                if url is not None and not BUTTON_URL_RE.match(str(url)):
                    raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
                actions = {"callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
                           "web_app", "login_url", "callback_game", "pay", "copy_text",
                           "switch_inline_query_chosen_chat"}
                if not actions & button.keys():
                    raise bad_request("text buttons are unallowed in the inline keyboard")
        return markup

    def _new_message(self, chat_id: int, content: dict[str, Any], markup: dict[str, Any] | None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        if markup and "inline_keyboard" in markup:  # Telegram echoes only inline keyboards
            message["reply_markup"] = markup
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _record_sent(self, sent: SentMessage) -> None:
        self.sent.append(sent)
        self._changed.notify_all()

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        text = params.get("text")
        if text is None or text == "":
            raise bad_request("message text is empty")
        text = str(text)
        plain, entities = self._formatted(text, params, TEXT_LIMIT, "entities", "text")
        markup = self._markup(params)
        content: dict[str, Any] = {"text": plain}
        if entities:
            content["entities"] = entities
        with self._changed:
            message = self._new_message(chat_id, content, markup)
            self._record_sent(
                SentMessage("sendMessage", chat_id, message["message_id"], text, params.get("parse_mode"), markup,
                            None, time.monotonic(), plain_text=plain, entities=entities)
            )
            return dict(message)  # a copy: an edit may change the stored one while this answer is written

    def _file(self, params: dict[str, Any], key: str, kind: str) -> tuple[UploadedFile | None, str]:
        """The uploaded file (or the one a file_id names) and its file_id; URLs are accepted, never fetched."""
        value = params.get(key)
        if value is None or value == "":
            raise bad_request(f"there is no {kind} in the request")
        if isinstance(value, UploadedFile):
            if not value.data:
                raise bad_request("file must be non-empty")
            file_id = f"standin-{kind}-{next(self._file_ids)}"
            return value, file_id
        if isinstance(value, str) and value.startswith("attach://"):
            attached = params.get(value.removeprefix("attach://"))
            if isinstance(attached, UploadedFile):
                return attached, f"standin-{kind}-{next(self._file_ids)}"
        if isinstance(value, str) and re.match(r"^https?://", value):
            return None, f"standin-{kind}-{next(self._file_ids)}"
        with self._lock:
            known = self.files.get(str(value))
        if known is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return known, str(value)

    def _caption(self, params: dict[str, Any]) -> tuple[str | None, str | None, list[dict[str, Any]]]:
        caption = params.get("caption")
        if caption is None or caption == "":
            return None, None, []
        plain, entities = self._formatted(str(caption), params, CAPTION_LIMIT, "caption_entities", "caption")
        return str(caption), plain, entities

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        upload, file_id = self._file(params, "photo", "photo")
        if upload is not None and not upload.data.startswith((b"\x89PNG", b"\xff\xd8", b"GIF8", b"RIFF")):
            raise bad_request("IMAGE_PROCESS_FAILED")
        caption, plain, entities = self._caption(params)
        markup = self._markup(params)
        width, height = _image_size(upload.data if upload else b"")
        content: dict[str, Any] = {
            "photo": [{"file_id": file_id, "file_unique_id": file_id.removeprefix("standin-"), "width": width,
                       "height": height, "file_size": len(upload.data) if upload else 0}]
        }
        if plain:
            content["caption"] = plain
            if entities:
                content["caption_entities"] = entities
        with self._changed:
            if upload is not None:
                self.files[file_id] = upload
            message = self._new_message(chat_id, content, markup)
            self._record_sent(
                SentMessage("sendPhoto", chat_id, message["message_id"], caption, params.get("parse_mode"), markup,
                            upload.data if upload else None, time.monotonic(), plain_text=plain, entities=entities)
            )
        return dict(message)

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        upload, file_id = self._file(params, "document", "document")
        caption, plain, entities = self._caption(params)
        markup = self._markup(params)
        document: dict[str, Any] = {"file_id": file_id, "file_unique_id": file_id.removeprefix("standin-")}
        if upload is not None:
            document.update(file_size=len(upload.data))
            if upload.filename:
                document["file_name"] = upload.filename
            if upload.content_type:
                document["mime_type"] = upload.content_type
        content: dict[str, Any] = {"document": document}
        if plain:
            content["caption"] = plain
            if entities:
                content["caption_entities"] = entities
        with self._changed:
            if upload is not None:
                self.files[file_id] = upload
            message = self._new_message(chat_id, content, markup)
            self._record_sent(
                SentMessage("sendDocument", chat_id, message["message_id"], caption, params.get("parse_mode"),
                            markup, None, time.monotonic(), plain_text=plain, entities=entities,
                            document=upload.data if upload else None, filename=upload.filename if upload else None)
            )
        return dict(message)

    def _message_to_edit(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not simulated
        chat_id = self._target_chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise bad_request("message identifier is not specified")
        with self._lock:
            message = self._messages.get((chat_id, message_id))
        if message is None:
            raise bad_request("message to edit not found")
        if not message.get("from", {}).get("is_bot"):
            raise bad_request("message can't be edited")
        return chat_id, message

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, message = self._message_to_edit(params)
        text = params.get("text")
        if text is None or text == "":
            raise bad_request("message text is empty")
        text = str(text)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        plain, entities = self._formatted(text, params, TEXT_LIMIT, "entities", "text")
        markup = self._markup(params)  # no reply_markup in an edit removes the keyboard, as on Telegram
        with self._changed:
            same_markup = message.get("reply_markup") == (markup if markup and "inline_keyboard" in markup else None)
            if message["text"] == plain and message.get("entities", []) == entities and same_markup:
                raise ApiError(400, NOT_MODIFIED)
            message["text"] = plain
            message["edit_date"] = int(time.time())
            self._replace_markup(message, markup)
            if entities:
                message["entities"] = entities
            else:
                message.pop("entities", None)
            self._record_sent(
                SentMessage("editMessageText", chat_id, message["message_id"], text, params.get("parse_mode"),
                            markup, None, time.monotonic(), edited=True, plain_text=plain, entities=entities)
            )
            return dict(message)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        _, message = self._message_to_edit(params)
        markup = self._markup(params)
        with self._lock:
            if message.get("reply_markup") == (markup if markup and "inline_keyboard" in markup else None):
                raise ApiError(400, NOT_MODIFIED)
            self._replace_markup(message, markup)
            message["edit_date"] = int(time.time())
            return dict(message)

    @staticmethod
    def _replace_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat_id = self._target_chat(params)
        with self._lock:
            if self._messages.pop((chat_id, int(params.get("message_id") or 0)), None) is None:
                raise bad_request("message to delete not found")
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        text = params.get("text")
        if text is not None and len(str(text)) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        with self._changed:
            query = self._callbacks.get(query_id)
            if query is None or query["answered"]:
                raise bad_request(QUERY_TOO_OLD.removeprefix("Bad Request: "))
            query["answered"] = True
            self.answered_callbacks.append(dict(params))
            self._changed.notify_all()
        return True

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        with self._lock:
            upload = self.files.get(file_id)
        if upload is None:
            raise bad_request("invalid file_id")
        return {"file_id": file_id, "file_unique_id": file_id.removeprefix("standin-"),
                "file_size": len(upload.data), "file_path": f"files/{file_id}"}


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG (read from its IHDR chunk); other formats get a plausible 1280x720."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 1280, 720
