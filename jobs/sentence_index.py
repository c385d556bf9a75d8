"""Keeping the sentence index (``storage.sentences``) in step with the stored documents.

Ingest indexes each document it stores, in the same transaction. Documents stored before the index
existed (a database migrated from an older version) are indexed once at start-up by ``index_missing``;
cutting text into sentences is page analysis, which is why this lives in jobs and not in a migration.
"""

from __future__ import annotations

import logging
from collections import Counter

from sqlmodel import Session

from storage.knowledge import find_member
from storage.models import Document
from storage.sentences import documents_without_sentences, replace_sentences

log = logging.getLogger(__name__)

BATCH = 200
"""Documents indexed per query for missing ones; each batch is flushed before the next is read."""


def index_document(session: Session, document: Document, member_id: int | None = None,
                   language: str | None = None) -> int:
    """(Re)index ``document``'s sentences; ``member_id`` is the member the page is about when the document
    itself names none (a news item's subject). Returns how many sentences were indexed."""
    # Imported here: every start calls index_missing, which most often finds nothing to index and then
    # needs none of the page analysis.
    from jobs.analysis.language import detect_language
    from jobs.analysis.text import split_sentences

    assert document.id is not None
    sentences = [s.text for s in split_sentences(document.text)]
    owner = document.member_id or member_id or _named_throughout(session, sentences)
    return replace_sentences(session, document.id, owner, str(document.kind),
                             language or detect_language(document.text), sentences)


NAMED_SHARE = 0.75
"""A page naming one member in this share of its country mentions (and at least twice) is about it."""


def _named_throughout(session: Session, sentences: list[str]) -> int | None:
    """The member a page about no member in particular keeps naming ("El Gobierno se queda solo", a column
    on Mexico), when one country dominates its mentions; its sentences then answer questions about it."""
    from jobs.analysis.joins import countries_in

    counts = Counter(c for s in sentences for c in countries_in(s))
    if not counts:
        return None
    name, n = counts.most_common(1)[0]
    if n < 2 or n < NAMED_SHARE * sum(counts.values()):
        return None
    member = find_member(session, name)
    return member.id if member is not None else None


def index_missing(session: Session) -> int:
    """Index every document that has text and no sentences yet; returns how many documents it indexed."""
    done = last = 0
    while ids := documents_without_sentences(session, last, BATCH):
        for document_id in ids:
            document = session.get(Document, document_id)
            if document is not None:
                index_document(session, document)
                done += 1
        last = ids[-1]
    if done:
        log.info("indexed the sentences of %d stored documents", done)
    return done
