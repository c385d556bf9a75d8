"""Inline buttons and the callback data they carry, built and read in one place.

Callback data comes back from the user's client and can be forged: ``read_callback`` accepts only the
shapes built here, with small positive ids, and everything it returns is still checked against the
database by the handler (a remove button only ever removes a subscription of the chat it is pressed in).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts_tg import tr

CALLBACK_DATA_BYTES = 64
MAX_BUTTON_LABEL = 40
_ID = r"([1-9][0-9]{0,8})"
"""Ids of at most nine digits: every id fits the database's integer columns, so a forged one cannot
make a query fail."""


@dataclass(frozen=True)
class SubscribeMember:
    member_id: int


@dataclass(frozen=True)
class ShowCommitments:
    member_id: int


@dataclass(frozen=True)
class CommitmentsPage:
    member_id: int
    page: int


@dataclass(frozen=True)
class RemoveSubscription:
    subscription_id: int


Callback = SubscribeMember | ShowCommitments | CommitmentsPage | RemoveSubscription

_PATTERNS: list[tuple[re.Pattern[str], type]] = [
    (re.compile(rf"sub:m:{_ID}"), SubscribeMember),
    (re.compile(rf"ask:commitments:{_ID}"), ShowCommitments),
    (re.compile(rf"page:{_ID}:commitments:{_ID}"), CommitmentsPage),
    (re.compile(rf"unsub:{_ID}"), RemoveSubscription),
]


def read_callback(data: str | None) -> Callback | None:
    """What a button press asks for, or None for data this bot never made."""
    if not data or len(data.encode("utf-8")) > CALLBACK_DATA_BYTES:
        return None
    for pattern, kind in _PATTERNS:
        match = pattern.fullmatch(data)
        if match:
            if kind is CommitmentsPage:
                return CommitmentsPage(member_id=int(match.group(2)), page=int(match.group(1)))
            return kind(int(match.group(1)))
    return None


def answer_keyboard(member_id: int, member: str, language: str, with_commitments: bool) -> InlineKeyboardMarkup:
    """Under an answer about one member: follow it, and see its plan's commitments when there is a plan."""
    rows = [[InlineKeyboardButton(_short(tr(language, "button_subscribe", member=member)),
                                  callback_data=f"sub:m:{member_id}")]]
    if with_commitments:
        rows.append([InlineKeyboardButton(tr(language, "button_commitments"),
                                          callback_data=f"ask:commitments:{member_id}")])
    return InlineKeyboardMarkup(rows)


def page_keyboard(member_id: int, page: int, pages: int, language: str) -> InlineKeyboardMarkup | None:
    """Previous/next buttons under a page of a long list; None when it all fits on one page."""
    row = []
    if page > 1:
        row.append(InlineKeyboardButton(tr(language, "button_previous"),
                                        callback_data=f"page:{page - 1}:commitments:{member_id}"))
    if page < pages:
        row.append(InlineKeyboardButton(tr(language, "button_next"),
                                        callback_data=f"page:{page + 1}:commitments:{member_id}"))
    return InlineKeyboardMarkup([row]) if row else None


def removal_keyboard(items: list[tuple[int, str]], language: str) -> InlineKeyboardMarkup | None:
    """One remove button per subscription, under the /subscriptions list."""
    if not items:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_short(tr(language, "button_remove", label=label)), callback_data=f"unsub:{item_id}")]
         for item_id, label in items]
    )


def _short(label: str) -> str:
    return label if len(label) <= MAX_BUTTON_LABEL else label[: MAX_BUTTON_LABEL - 1] + "…"
