"""Answer latency of the chat bot on an OGP-scale synthetic database: p50/p90/p99/max per question.

Why this exists: the bot answers every chat message with a handful of queries and in-memory matching;
the target is p99 under 5 ms on one core, so that one small machine can serve a busy group chat and a
crawl at the same time. This measures exactly the public path (``ConversationEngine.ask``) against data
of the real size (about 225 members, 6,000 commitments, 20,000 documents), generated synthetically.

    python -m benchmarks.answers [--questions 10000] [--database-url URL] [--keep] [--profile]

Without ``--database-url`` a fresh SQLite file is made in a temporary folder (removed afterwards unless
``--keep``). With it, the database must be empty: it is migrated and filled, and left as it is.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import random
import sqlite3
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import Engine, event, func, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from benchmarks.database import benchmark_database, database_size
from benchmarks.synthetic import TOPIC_WORDS, GeneratedCounts, generate
from bot.engine import ConversationEngine
from storage.models import ActionPlan, Commitment, Member
from storage.schema import upgrade

TARGET_P99_MS = 5.0
WARMUP_QUESTIONS = 200

# Share of each family of question in the mix: roughly what a chat about OGP members would see, with
# the expensive lists (withdrawn members, full-text search) kept in on purpose.
FAMILY_WEIGHTS: dict[str, float] = {
    "commitment_status": 22,
    "member_status": 14,
    "members_by_status": 5,
    "plan_summary": 10,
    "commitments_by_state": 8,
    "latest_reports": 8,
    "search": 12,
    "search_broad": 0.5,
    "greeting_help": 5,
    "totals": 2,
    "unknown_member": 6,
    "typo": 8,
}

BROAD_WORDS = ("transparency", "data", "public", "accountability", "citizens", "information")
"""Words most documents contain: a search for one of them ranks thousands of matches (the slow case)."""

UNKNOWN_PLACES = ("France", "Narnia", "Atlantis", "Ruritania", "Japón", "Canada", "Gondor", "El Dorado")
"""Places with no data: real country names (never members here) and made-up ones the index cannot match."""

ORDINALS_EN = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}
ORDINALS_ES = {1: "primer", 2: "segundo", 3: "tercer", 4: "cuarto", 5: "quinto", 6: "sexto"}


@dataclass(frozen=True)
class _Target:
    """What questions can be about: a member and, for each of its plans, how many commitments it has."""

    name: str
    plans: dict[int, int]  # ordinal -> commitments


@dataclass(frozen=True)
class Timing:
    family: str
    intent: str
    ns: int
    statements: int  # SQL statements the answer ran: the round trips that dominate on PostgreSQL


def load_targets(engine: Engine) -> list[_Target]:
    """Members and plans read back from the database, so questions name things that exist (mostly)."""
    with Session(engine) as session:
        members = {m.id: m.name_en for m in session.exec(select(Member)).all() if m.id is not None}  # all stored
        rows = session.exec(
            select(ActionPlan.member_id, ActionPlan.ordinal, func.count(col(Commitment.id)))
            .join(Commitment, col(Commitment.plan_id) == ActionPlan.id, isouter=True)
            .group_by(col(ActionPlan.member_id), col(ActionPlan.ordinal))
        ).all()
    plans: dict[int, dict[int, int]] = defaultdict(dict)
    for member_id, ordinal, count in rows:
        plans[member_id][ordinal] = count
    return [_Target(name, dict(plans.get(member_id, {}))) for member_id, name in sorted(members.items())]


def _typo(word: str, rng: random.Random) -> str:
    """One slip (drop, double or swap a letter) inside a word of four letters or more."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


class QuestionMix:
    """Deterministic stream of (family, question) pairs in English and Spanish over the given targets."""

    def __init__(self, targets: list[_Target], seed: int) -> None:
        self.targets = [t for t in targets if t.plans] or targets
        self.rng = random.Random(seed)
        self.families = list(FAMILY_WEIGHTS)
        self.weights = list(FAMILY_WEIGHTS.values())

    def take(self, count: int) -> list[tuple[str, str]]:
        return [self.one() for _ in range(count)]

    def one(self) -> tuple[str, str]:
        family = self.rng.choices(self.families, self.weights)[0]
        return family, getattr(self, f"_{family}")()

    # -- helpers ---------------------------------------------------------------------------------

    def _pick(self) -> tuple[str, int | None, int]:
        """A member, one of its plan ordinals (None a third of the time: "the latest plan") and a commitment."""
        target = self.rng.choice(self.targets)
        ordinal = self.rng.choice(sorted(target.plans)) if target.plans else 1
        size = target.plans.get(ordinal, 1)
        # Now and then a number past the end of the plan: the "there is no commitment 14" answer.
        number = self.rng.randint(1, max(1, size)) if self.rng.random() < 0.9 else size + self.rng.randint(1, 5)
        if self.rng.random() < 0.33:
            latest = max(target.plans) if target.plans else 1
            return target.name, None, min(number, max(1, target.plans.get(latest, 1)))
        return target.name, ordinal, number

    def _es(self) -> bool:
        return self.rng.random() < 0.4

    # -- families --------------------------------------------------------------------------------

    def _commitment_status(self) -> str:
        name, ordinal, number = self._pick()
        if self._es():
            if ordinal is None:
                return self.rng.choice([f"estado del compromiso {number} de {name}",
                                        f"¿cuál es el estado del compromiso {number} de {name}?"])
            return f"estado del compromiso {number} del {ORDINALS_ES[min(ordinal, 6)]} plan de acción de {name}"
        if ordinal is None:
            return self.rng.choice([f"status of {name} commitment {number}",
                                    f"how is commitment {number} of {name} going?"])
        return self.rng.choice([
            f"What is the status of commitment {number} of {name}'s {ORDINALS_EN[min(ordinal, 6)]} action plan?",
            f"status of commitment {number} in {name}'s {ordinal}th plan",
        ])

    def _member_status(self) -> str:
        name = self.rng.choice(self.targets).name
        if self._es():
            return self.rng.choice([f"¿{name} sigue siendo miembro?", f"estado de {name}"])
        return self.rng.choice([f"is {name} still a member?", f"status of {name}", f"did {name} withdraw?"])

    def _members_by_status(self) -> str:
        if self._es():
            return self.rng.choice(["¿qué miembros se retiraron?", "¿qué miembros están inactivos?"])
        return self.rng.choice(["which members withdrew?", "which members are inactive?",
                                "list the withdrawn members"])

    def _plan_summary(self) -> str:
        name, ordinal, _ = self._pick()
        if self._es():
            if ordinal is None:
                return f"resumen del plan de acción de {name}"
            return f"resumen del {ORDINALS_ES[min(ordinal, 6)]} plan de acción de {name}"
        if ordinal is None:
            return self.rng.choice([f"summary of {name}'s action plan", f"how did {name}'s plan do?"])
        return f"summary of {name}'s {ORDINALS_EN[min(ordinal, 6)]} action plan"

    def _commitments_by_state(self) -> str:
        name = self.rng.choice(self.targets).name
        if self._es():
            return self.rng.choice([f"compromisos inactivos de {name}", f"compromisos completados de {name}"])
        return self.rng.choice([f"inactive commitments in {name}", f"which commitments were completed in {name}?",
                                f"active commitments of {name}"])

    def _latest_reports(self) -> str:
        name = self.rng.choice(self.targets).name
        if self._es():
            return f"últimos informes de {name}"
        return self.rng.choice([f"latest reports of {name}", f"recent IRM reports on {name}"])

    def _search(self) -> str:
        topic = self.rng.choice(TOPIC_WORDS)
        scoped = self.rng.random() < 0.4
        name = self.rng.choice(self.targets).name
        if self._es():
            if scoped:
                return f"¿qué dicen los informes sobre {topic} en {name}?"
            return self.rng.choice([f"¿qué dice el informe sobre {topic}?", f"buscar {topic}"])
        if scoped:
            return f"what do the reports say about {topic} in {name}?"
        two = self.rng.choice(TOPIC_WORDS)
        return self.rng.choice([f"what did the report say about {topic}?", f"search {topic} {two}",
                                f"what do documents say about {topic}?"])

    def _search_broad(self) -> str:
        word = self.rng.choice(BROAD_WORDS)
        if self._es():
            return f"¿qué dice el informe sobre {word}?"
        return f"what did the report say about {word}?"

    def _greeting_help(self) -> str:
        return self.rng.choice(["hello", "hi there", "hola", "buenos días", "help", "ayuda", "thanks!",
                                "gracias", "what can you do?", "¿cómo puedes ayudarme?"])

    def _totals(self) -> str:
        return self.rng.choice(["how many members does OGP have?", "¿cuántos miembros tiene la AGA?"])

    def _unknown_member(self) -> str:
        place = self.rng.choice(UNKNOWN_PLACES)
        return self.rng.choice([f"is {place} still a member?", f"status of {place} commitment 3",
                                f"estado del compromiso 2 de {place}", f"latest reports of {place}",
                                f"summary of {place}'s action plan"])

    def _typo(self) -> str:
        name, _, number = self._pick()
        words = name.split()
        i = self.rng.randrange(len(words))
        words[i] = _typo(words[i], self.rng)
        slipped = " ".join(words)
        if self._es():
            return self.rng.choice([f"estdo del compromsio {number} de {slipped}", f"resumn del plan de {slipped}"])
        return self.rng.choice([f"staus of {slipped} comitment {number}", f"is {slipped} stil a membr?",
                                f"sumary of {slipped}'s plan", f"latest reprots of {slipped}"])


# -- measuring -----------------------------------------------------------------------------------------


def pin_to_one_core() -> str:
    """Pin this process to a single CPU so the figures mean "one core", whatever the machine has."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (sched_setaffinity unavailable on this platform)"
    try:
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {allowed[0]})
    except OSError as error:
        return f"not pinned ({error})"
    return f"pinned to CPU {allowed[0]} (of {len(allowed)} allowed)"


def percentile(sorted_ns: list[int], p: float) -> float:
    """Nearest-rank percentile in milliseconds; nearest-rank so p99 is a latency someone actually saw."""
    if not sorted_ns:
        return float("nan")
    rank = max(1, min(len(sorted_ns), round(p / 100 * len(sorted_ns) + 0.5)))
    return sorted_ns[rank - 1] / 1e6


def summarize(label: str, timings: list[Timing]) -> str:
    values = sorted(t.ns for t in timings)
    mean = statistics.fmean(values) / 1e6 if values else float("nan")
    sql = statistics.fmean(t.statements for t in timings) if timings else float("nan")
    return (f"{label:<22} {len(values):>6} {percentile(values, 50):>8.3f} {percentile(values, 90):>8.3f} "
            f"{percentile(values, 99):>8.3f} {values[-1] / 1e6 if values else float('nan'):>8.3f} {mean:>8.3f} "
            f"{sql:>6.1f}")


class StatementCounter:
    """Counts SQL statements sent on an engine (a listener costs about a microsecond per statement)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        self.count += 1


def run_questions(chat: ConversationEngine, counter: StatementCounter,
                  questions: list[tuple[str, str]]) -> list[Timing]:
    timings: list[Timing] = []
    clock = time.perf_counter_ns
    for family, question in questions:
        before = counter.count
        start = clock()
        answer = chat.ask(question)
        elapsed = clock() - start
        timings.append(Timing(family, answer.intent, elapsed, counter.count - before))
    return timings




def _settle(engine: Engine) -> None:
    """Leave the database as a long-running bot would find it: WAL folded back (SQLite), statistics
    gathered as autovacuum would have (PostgreSQL). SQLite gets no ANALYZE because the app never runs one."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def _refuse_non_empty(engine: Engine) -> None:
    """A benchmark must never write synthetic rows into a database that holds anything else."""
    if not inspect(engine).has_table("member"):
        return
    with engine.connect() as connection:
        if connection.execute(text("SELECT count(*) FROM member")).scalar_one():
            sys.exit("refusing to fill a database that already has members: give an empty database")




def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--database-url", help="an EMPTY database to fill (default: a temporary SQLite file)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database")
    parser.add_argument("--members", type=int, default=225)
    parser.add_argument("--commitments", type=int, default=6000)
    parser.add_argument("--documents", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true",
                        help="also run the questions under cProfile and print the top functions")
    args = parser.parse_args(argv)

    pinned = pin_to_one_core()
    print(f"OGP Watch answer benchmark — SYNTHETIC data; Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}; {pinned}")
    with benchmark_database(args.database_url, args.keep) as (engine, sqlite_path):
        shown = make_url(engine.url).render_as_string(hide_password=True)
        print(f"database: {shown}")
        _refuse_non_empty(engine)
        started = time.perf_counter()
        upgrade(engine)
        migrated = time.perf_counter()
        counts = generate(engine, args.members, args.commitments, args.documents, args.seed)
        _settle(engine)
        generated = time.perf_counter()
        _print_counts(counts, migrated - started, generated - migrated)
        print(f"database size: {database_size(engine, sqlite_path)}")

        mix = QuestionMix(load_targets(engine), args.seed)
        warmup = mix.take(WARMUP_QUESTIONS)
        questions = mix.take(args.questions)
        chat = ConversationEngine(engine)
        counter = StatementCounter(engine)
        run_questions(chat, counter, warmup)
        gc.collect()
        started = time.perf_counter()
        timings = run_questions(chat, counter, questions)
        elapsed = time.perf_counter() - started
        _print_report(timings, elapsed, len(warmup))
        if args.profile:
            _profile(chat, questions)
    return 0


def _print_counts(counts: GeneratedCounts, migrate_s: float, generate_s: float) -> None:
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(counts.status_counts.items()))
    print(f"migrated in {migrate_s:.2f} s; generated in {generate_s:.1f} s: {counts.members} members "
          f"({counts.countries} countries, {counts.locals} locals; {statuses}), {counts.plans} plans, "
          f"{counts.commitments} commitments, {counts.tallies} tallies, {counts.documents} documents, "
          f"{counts.facts} facts")


def _print_report(timings: list[Timing], elapsed: float, warmup: int) -> None:
    header = (f"{'':<22} {'n':>6} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'mean ms':>8} "
              f"{'SQL/q':>6}")
    all_ns = [t.ns for t in timings]
    print(f"\n{len(timings)} questions after {warmup} warm-up ones: {elapsed:.2f} s, "
          f"{len(timings) / elapsed:.0f} questions/s")
    print(header)
    print(summarize("ALL", timings))
    p99 = percentile(sorted(all_ns), 99)
    verdict = "meets" if p99 < TARGET_P99_MS else "MISSES"
    print(f"p99 {p99:.3f} ms {verdict} the {TARGET_P99_MS:g} ms target")
    for title, key in (("by answered intent", "intent"), ("by question family asked", "family")):
        groups: dict[str, list[Timing]] = defaultdict(list)
        for t in timings:
            groups[getattr(t, key)].append(t)
        print(f"\n{title}")
        print(header)
        for label, group in sorted(groups.items(), key=lambda item: -percentile(sorted(t.ns for t in item[1]), 99)):
            print(summarize(label, group))
    mismatched = Counter((t.family, t.intent) for t in timings if t.family != t.intent
                         and t.family not in {"greeting_help", "typo", "unknown_member", "search_broad"})
    if mismatched:
        print("\nquestions answered as another intent than their family (family -> intent: n):")
        for (family, intent), n in mismatched.most_common(8):
            print(f"  {family} -> {intent}: {n}")


def _profile(chat: ConversationEngine, questions: list[tuple[str, str]]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _, question in questions:
        chat.ask(question)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    print("\n" + out.getvalue())


if __name__ == "__main__":
    raise SystemExit(main())
