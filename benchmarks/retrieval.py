"""How well open questions find their answer: recall@1, recall@3 and MRR over labelled questions, and
answer latency, on SQLite and (when it is reachable) PostgreSQL.

The knowledge base is the labelled page corpus (``tests/data/pages``) and the seed pages
(``../shared/seeds``), each analysed and ingested the way a watched page is. Each labelled question
(``tests/data/retrieval/questions.txt``) names the page and a fragment of the sentence that answers it; a
question is answered at rank k when the k-th sentence the bot would quote is that sentence.

Latency is the whole answer (``ConversationEngine.ask``) for every labelled question, repeated, and then
on the OGP-scale synthetic knowledge base (``benchmarks.synthetic``, with its sentences) when
``--synthetic`` is given: the target is p99 <= 10 ms there.

    python -m benchmarks.retrieval [--json] [--postgres URL] [--synthetic] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, text

from benchmarks.understanding import CONTENT_TYPES, load_corpus
from bot.engine import ConversationEngine
from bot.member_index import MemberIndex
from bot.open_answers import quoted_sentences
from bot.question import parse
from jobs.analysis import analyse_page
from jobs.ingest import ingest
from jobs.starter import seed_pages
from storage import schema
from storage.database import make_engine, session_scope, sqlite_url
from storage.terms import fold

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "data" / "retrieval" / "questions.txt"
SEEDS = ROOT.parent / "shared" / "seeds"
SEEN_AT = datetime(2026, 12, 1, 12, 0)
"""Every page is stored as seen at this moment, so answers (which quote it) do not change from run to run."""

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Labelled:
    question: str
    url: str
    fragment: str
    line: int


class QuestionsError(ValueError):
    """The questions file is malformed; the message says where."""


def load_questions(path: Path = QUESTIONS) -> list[Labelled]:
    """``question | page | fragment`` lines; ``page`` is a corpus file name (its URL is its first line) or a
    seed's URL. ``#`` starts a comment."""
    pages = {p.path.name: p.url for p in load_corpus()}
    out: list[Labelled] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(" | ")]
        if len(parts) != 3 or not all(parts):
            raise QuestionsError(f"{path.name}:{n}: expected 'question | page | fragment'")
        question, page, fragment = parts
        url = pages.get(page, page)
        if not url.startswith(("http://", "https://")):
            raise QuestionsError(f"{path.name}:{n}: no corpus page {page!r}")
        out.append(Labelled(question, url, fragment, n))
    return out


def build(engine: Engine) -> int:
    """Migrate ``engine``'s empty database and ingest the corpus and seed pages; returns how many pages."""
    schema.upgrade(engine)
    pages = [(p.body, p.url, CONTENT_TYPES[p.format]) for p in load_corpus()]
    if SEEDS.is_dir():
        pages += [(path.read_text(encoding="utf-8"), url, CONTENT_TYPES["text"]) for path, url in seed_pages(SEEDS)]
    with session_scope(engine) as session:
        for body, url, content_type in pages:
            ingest(session, analyse_page(body, url, content_type), seen_at=SEEN_AT)
    return len(pages)


def _matches(sentence: str, label: Labelled) -> bool:
    """The quoted sentence is the answer: it holds the fragment (on the labelled page, or on another page
    saying the same: press releases are reprinted)."""
    return " ".join(fold(label.fragment).split()) in " ".join(fold(sentence).split())


@dataclass
class Scores:
    questions: int = 0
    at1: int = 0
    at3: int = 0
    reciprocal: float = 0.0
    misses: list[str] | None = None

    def as_dict(self) -> dict[str, object]:
        n = self.questions or 1
        return {"questions": self.questions, "recall_at_1": round(self.at1 / n, 3),
                "recall_at_3": round(self.at3 / n, 3), "mrr": round(self.reciprocal / n, 3)}


def evaluate(engine: Engine, labelled: list[Labelled]) -> Scores:
    """Rank of each question's answer among the sentences the bot would quote (up to three)."""
    scores = Scores(misses=[])
    index = MemberIndex()
    with session_scope(engine, dry_run=True) as session:
        index.refresh(session)
        for label in labelled:
            question = parse(label.question, index)
            quoted = quoted_sentences(session, question)
            rank = next((i for i, r in enumerate(quoted, 1) if _matches(r.hit.text, label)), None)
            scores.questions += 1
            if rank is None:
                assert scores.misses is not None
                scores.misses.append(f"line {label.line}: {label.question!r} ({question.intent}): "
                                     + (f"quoted {quoted[0].hit.text[:90]!r}" if quoted else "nothing quoted"))
                continue
            scores.at1 += rank == 1
            scores.at3 += rank <= 3
            scores.reciprocal += 1 / rank
    return scores


def latency(engine: Engine, questions: list[str], repeat: int) -> dict[str, float]:
    """p50 and p99 (ms) of whole answers to ``questions``, each asked ``repeat`` times after a warm-up."""
    bot = ConversationEngine(engine)
    for q in questions:
        bot.ask(q)
    timings = []
    for _ in range(repeat):
        for q in questions:
            start = time.perf_counter_ns()
            bot.ask(q)
            timings.append(time.perf_counter_ns() - start)
    timings.sort()
    return {"p50_ms": round(statistics.median(timings) / 1e6, 2),
            "p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))] / 1e6, 2)}


@contextmanager
def sqlite_store() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(sqlite_url(Path(folder) / "retrieval.db"))
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_store(url: str) -> Iterator[Engine | None]:
    """A scratch database on the PostgreSQL server at ``url``, dropped afterwards; None when unreachable."""
    admin = make_engine(url)
    name = f"ogpw_retrieval_{os.getpid()}_{uuid.uuid4().hex[:8]}"  # one per store: the synthetic one nests
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server, no rights: the SQLite figures still stand
        print(f"PostgreSQL not measured ({type(error).__name__}: {str(error).splitlines()[0][:120]})",
              file=sys.stderr)
        admin.dispose()
        yield None
        return
    engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(engine: Engine, labelled: list[Labelled], repeat: int, synthetic: bool) -> dict[str, object]:
    build(engine)
    scores = evaluate(engine, labelled)
    result: dict[str, object] = scores.as_dict() | {"latency": latency(engine, [q.question for q in labelled],
                                                                       repeat)}
    result["misses"] = scores.misses
    if synthetic:
        result["synthetic"] = synthetic_latency(engine.dialect.name, labelled, repeat)
    return result


def synthetic_latency(dialect: str, labelled: list[Labelled], repeat: int) -> dict[str, float]:
    """Answer latency on the OGP-scale synthetic knowledge base (20,000 documents with their sentences),
    for the labelled questions and the synthetic members' open questions."""
    from benchmarks.synthetic import generate, open_questions  # heavy: only when asked for

    store = sqlite_store() if dialect == "sqlite" else postgres_store(DEFAULT_POSTGRES)
    with store as engine:
        if engine is None:
            return {}
        schema.upgrade(engine)
        generate(engine)
        if engine.dialect.name == "postgresql":  # statistics as autovacuum keeps them on a live database
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        return latency(engine, [q.question for q in labelled] + open_questions(), repeat)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--postgres", default=os.environ.get("OGP_WATCH_BENCH_POSTGRES", DEFAULT_POSTGRES),
                        help="PostgreSQL server to measure on (a scratch database is created and dropped)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--synthetic", action="store_true", help="also time answers on the OGP-scale synthetic DB")
    parser.add_argument("--repeat", type=int, default=5, help="times each question is asked for latency")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    try:
        labelled = load_questions()
    except (OSError, QuestionsError) as error:
        print(f"questions error: {error}", file=sys.stderr)
        return 2
    results: dict[str, object] = {}
    with sqlite_store() as engine:
        results["sqlite"] = measure(engine, labelled, args.repeat, args.synthetic)
    if not args.no_postgres:
        with postgres_store(args.postgres) as pg:
            if pg is not None:
                results["postgresql"] = measure(pg, labelled, args.repeat, args.synthetic)
    if args.json:
        print(json.dumps(results))
        return 0
    print(f"{len(labelled)} labelled questions")
    print(f"{'store':<11} {'recall@1':>8} {'recall@3':>8} {'MRR':>6} {'p50 ms':>7} {'p99 ms':>7}"
          f" {'synthetic p50':>13} {'p99':>6}")
    for store, r in results.items():
        assert isinstance(r, dict)
        lat, syn = r["latency"], r.get("synthetic") or {}
        nan = float("nan")
        print(f"{store:<11} {r['recall_at_1']:>8.2f} {r['recall_at_3']:>8.2f} {r['mrr']:>6.2f} {lat['p50_ms']:>7.2f}"
              f" {lat['p99_ms']:>7.2f} {syn.get('p50_ms', nan):>13.2f} {syn.get('p99_ms', nan):>6.2f}")
    for store, r in results.items():
        assert isinstance(r, dict)
        for miss in r.get("misses") or []:
            print(f"  miss ({store}) {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
