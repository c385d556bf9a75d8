"""Chats and commands: getChat, members and administrators, chat actions, and the bot's command menus.

Why together: these answer questions about chats and configure the bot, and send nothing a user sees.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tests.botapi_standin.records import bad_request
from tests.botapi_standin.state import StandInState

COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


class ChatsAndCommands(StandInState):
    """getChat, getChatMember, getChatAdministrators, sendChatAction, set/get/deleteMyCommands."""

    def set_chat_admins(self, chat_id: int, user_ids: Iterable[int], *, creator_id: int | None = None) -> None:
        """Who getChatMember reports as "administrator" (``creator_id``: "creator") in ``chat_id``."""
        with self._lock:
            self._admins[chat_id] = [int(user_id) for user_id in user_ids]
            if creator_id is not None:
                self._creators[chat_id] = int(creator_id)

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        key = str(scope["type"])
        if "chat_id" in scope:
            key += f":{scope['chat_id']}"
        if "user_id" in scope:
            key += f":{scope['user_id']}"
        return key, str(params.get("language_code") or "")

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        for command in commands:
            if not isinstance(command, dict) or "command" not in command:
                raise bad_request("can't parse BotCommand: Can't find field \"command\"")
            if "description" not in command:
                raise bad_request("can't parse BotCommand: Can't find field \"description\"")
            if not COMMAND_RE.match(str(command["command"])):
                raise bad_request("BOT_COMMAND_INVALID")
            if not str(command["description"]).strip():
                raise bad_request("command description must be non-empty")
        key = self._scope_key(params)
        with self._changed:
            if commands:
                self.my_commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
            else:
                self.my_commands.pop(key, None)
            self._changed.notify_all()
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.my_commands.get(self._scope_key(params), []))

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self.my_commands.pop(self._scope_key(params), None)
        return True

    def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        with self._lock:
            chat = dict(self._chat(chat_id))
        # ChatFullInfo: PTB 22 refuses the answer without these
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                 "premium_subscription": False, "gifts_from_channels": False},
        )
        return chat

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_user["id"]:
            user: dict[str, Any] = {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
        else:
            user = {"id": user_id, "is_bot": False, "first_name": "Test"}
        if self._creators.get(chat_id) == user_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in self._admins.get(chat_id, []):
            rights = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                      "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
                      "can_delete_stories", "can_pin_messages")
            return {"status": "administrator", "user": user, "can_be_edited": False, "is_anonymous": False,
                    "can_promote_members": False, **dict.fromkeys(rights, True)}
        return {"status": "member", "user": user}

    def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, user_id = params.get("chat_id"), params.get("user_id")
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        if not isinstance(user_id, int):
            raise bad_request("invalid user_id specified")
        with self._lock:
            return self._member(chat_id, user_id)

    def _get_chat_administrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        with self._lock:
            if self._chat(chat_id)["type"] == "private":
                raise bad_request("there are no administrators in the private chat")
            creator = self._creators.get(chat_id)
            ids = ([creator] if creator is not None else []) + [
                user_id for user_id in self._admins.get(chat_id, []) if user_id != creator
            ]
            return [self._member(chat_id, user_id) for user_id in ids]

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        self._target_chat(params)
        actions = {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                   "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}
        if params.get("action") not in actions:
            raise bad_request("wrong parameter action in request")
        return True
