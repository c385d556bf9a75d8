"""The ``ogp-watch`` command.

Each sub-command is a small function over the same parts the bot uses, so what works here works in chat.
Errors the user can act on (a missing file, a bad URL, an unknown member) are printed as one line and
exit with status 2; no traceback reaches the terminal.

Every start builds the whole parser, and ``--help`` or a mistyped argument needs nothing else: so this
module imports only the standard library, the argument types and the vocabularies the choices come from.
Each command imports what it uses (the database layer, page analysis, the chat, Telegram) when it runs,
so that a command pays for its own parts only; ``tests/ogp_watch/test_light_commands.py`` holds them to it.

Why one file past 500 lines: the parser and the commands it dispatches to are read together (an option
and what it does); the export and import commands, which are long, are in ``ogp_watch.exchange_commands``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ogp_watch import arguments, exchange_commands
from ogp_watch.errors import UserError
from storage.vocabularies import CheckStatus, EventKind, SourceKind, utcnow

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ogp_watch.settings import Settings
    from storage.models import Event

MAX_PAGE_BYTES = 10 * 1024 * 1024
LIMIT = arguments.whole_number(0, arguments.MAX_COUNT)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ogp-watch",
        description="Watch Open Government Partnership members and commitments; ask about them.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("chat", help="chat in the terminal")
    run = sub.add_parser("run", help="watch sources on a schedule; the Telegram bot or the terminal chat")
    run.add_argument("--no-chat", action="store_true", help="no terminal chat (default when stdin is no terminal)")
    run.add_argument("--role", choices=["all", "bot", "worker"], default="all",
                     help="with a token: bot = only answer Telegram updates; worker = only check sources and "
                          "send alerts; all (default) = both")
    sub.add_parser("migrate", help="bring the database schema up to date (once, before starting new processes)")
    demo = sub.add_parser("demo", help="watch a local copy of OGP's site, show what is found, then chat")
    demo.add_argument("--no-chat", action="store_true", help="stop after showing the events")
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question", type=arguments.nonblank("a question"))
    ask.add_argument("--json", action="store_true", help="answer, language, facts and sources as JSON")
    ingest_cmd = sub.add_parser("ingest", help="analyse one page (file or URL) and store what it says")
    ingest_cmd.add_argument("path_or_url", type=arguments.page_location)
    ingest_cmd.add_argument("--url", type=arguments.http_url,
                            help="the URL a local file stands for (required for files)")
    ingest_cmd.add_argument("--json", action="store_true", help="print the findings as JSON")
    sub.add_parser("members", help="list members and their status")
    commitments = sub.add_parser("commitments", help="list a member's plans and commitments")
    commitments.add_argument("member", type=arguments.nonblank("a member's name"))
    chart = sub.add_parser("chart", help="draw a member's latest action plan as a PNG file")
    chart.add_argument("member", type=arguments.nonblank("a member's name"))
    chart.add_argument("--out", "-o", type=arguments.output_file, metavar="FILE",
                       help="where to write it (default: chart-MEMBER.png in the current folder)")
    chart.add_argument("--language", choices=["en", "es"], default="en", help="labels in English (default) or Spanish")
    facts = sub.add_parser("facts", help="list stored facts with their provenance")
    facts.add_argument("--limit", type=LIMIT, default=None)
    facts.add_argument("--json", action="store_true")

    sources_cmd = sub.add_parser("sources", help="list and manage watched sources")
    source_sub = sources_cmd.add_subparsers(dest="action", metavar="ACTION")
    add = source_sub.add_parser("add", help="watch a URL")
    add.add_argument("url")  # checked by source_admin.add, worded as for the Telegram admin commands
    add.add_argument("--kind", choices=[k.value for k in SourceKind], help="default: guessed from the URL")
    add.add_argument("--interval", type=arguments.interval, help="how often to check, e.g. 30m, 6h, 1d (default 6h)")
    add.add_argument("--label", help="a name to show instead of the URL")
    listing = source_sub.add_parser("list", help="sources with their health")
    listing.add_argument("--json", action="store_true")
    for action, text in (("pause", "stop checking a source"), ("resume", "check a paused source again"),
                         ("remove", "stop watching a source and forget it")):
        source_sub.add_parser(action, help=text).add_argument("id", type=arguments.source_id)

    check = sub.add_parser("check", help="check due sources now (or the given ones)")
    check.add_argument("--source", action="append", default=[], type=arguments.source_id, metavar="ID",
                       help="check this source (repeatable)")
    check.add_argument("--all", action="store_true", help="check every source, due or not")

    events_cmd = sub.add_parser("events", help="events found, oldest first")
    events_cmd.add_argument("--since", type=arguments.since,
                            help="a date (2026-11-01) or a span back from now (12h, 7d)")
    events_cmd.add_argument("--kind", action="append", default=[], choices=[k.value for k in EventKind])
    events_cmd.add_argument("--limit", type=LIMIT, default=None, help="only the newest N")
    events_cmd.add_argument("--json", action="store_true")

    deliver = sub.add_parser("deliver", help="send pending alerts until stopped")
    deliver.add_argument("--concurrency", type=arguments.whole_number(1, arguments.MAX_CONCURRENCY), default=None,
                         help="sends in flight at once, and so the most alerts a crash can repeat (default 8)")
    deliver.add_argument("--claim-ttl", type=arguments.claim_seconds, default=None, metavar="SECONDS",
                         help="after a crash, how long a claimed alert waits before it is sent again "
                              "(default: OGP_WATCH_DELIVERY_CLAIM_SECONDS, 60)")

    doctor = sub.add_parser("doctor", help="check settings, database, schema, Telegram and sources; changes nothing")
    doctor.add_argument("--json", action="store_true")
    exchange_commands.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The exit status. A malformed argument is argparse's to word (usage and the value's problem on stderr);
    its status is returned like every other, so that callers in this process (tests) see 2, not an exit."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help (0) or a usage error (2)
        return stop.code if isinstance(stop.code, int) else 2
    if args.command is None:
        args.command = "chat"
    # Past the parser: every command from here on reads the settings and the database.
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from jobs.source_admin import SourceAdminError
    from ogp_watch.app import configure_logging, open_database
    from ogp_watch.settings import Settings

    try:
        if args.command == "doctor":  # reads the settings itself (bad ones are its findings) and never migrates
            return cmd_doctor(args)
        settings = Settings()
        configure_logging(settings)
        if args.command == "demo":  # the demo keeps its own throw-away database
            return cmd_demo(None, settings, args)
        if args.command == "migrate":  # before open_database, which refuses an outdated schema
            return cmd_migrate(settings)
        engine = open_database(settings)
        return COMMANDS[args.command](engine, settings, args)
    except ValidationError as error:
        first = error.errors()[0]
        print(f"ogp-watch: bad setting OGP_WATCH_{str(first['loc'][0]).upper()}: {first['msg']}",
              file=sys.stderr)
    except (UserError, SourceAdminError) as error:
        print(f"ogp-watch: {error}", file=sys.stderr)
    except SQLAlchemyError as error:
        print(f"ogp-watch: database error: {error.__class__.__name__}: {str(error).splitlines()[0]}",
              file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 2


def cmd_chat(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    from bot.engine import ConversationEngine
    from bot.terminal import run_chat

    run_chat(ConversationEngine(engine), database=engine)
    return 0


def cmd_ask(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    from bot.engine import ConversationEngine

    answer = ConversationEngine(engine).ask(args.question)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        print(answer.text)
    return 0


def read_page(path_or_url: str, url: str | None) -> tuple[bytes, str | None, str]:
    """The page's bytes, content type and the URL it is stored under. Both arrive checked by the parser's
    types; what is left to refuse is a fetch that fails and a file that cannot be read or is no page."""
    if path_or_url.startswith(("http://", "https://")):
        import httpx

        try:
            with httpx.Client(timeout=30, follow_redirects=True, max_redirects=5) as client, \
                    client.stream("GET", path_or_url) as response:
                response.raise_for_status()
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_PAGE_BYTES:
                        raise UserError(f"{path_or_url}: page larger than {MAX_PAGE_BYTES // 2**20} MB")
                content, content_type = bytes(body), response.headers.get("content-type")
                stored = url or str(response.url)
        except (httpx.HTTPError, httpx.InvalidURL) as error:  # InvalidURL: e.g. a redirect to a malformed address
            raise UserError(f"could not fetch {path_or_url}: {error}") from None
        if looks_binary(content):
            raise UserError(f"{path_or_url}: the server sent {content_type or 'binary content'}, not a web page, "
                            "feed or text")
        return content, content_type, stored
    path = Path(path_or_url)
    content = exchange_commands.read_capped(path, MAX_PAGE_BYTES)  # missing, a folder, unreadable, too large
    if not url:
        raise UserError("a local file needs --url, the address of the page it is a copy of")
    if looks_binary(content):
        raise UserError(f"{path} is a binary file (a PDF, image or program?), not a saved web page, feed or text")
    import mimetypes

    return content, mimetypes.guess_type(path.name)[0], url


def looks_binary(content: bytes) -> bool:
    """True for what the page analysis cannot read: NUL bytes (images, programs, archives) or a PDF. Text in
    UTF-16 has NUL bytes too, but starts with a byte order mark."""
    head = content[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in head or head.startswith(b"%PDF-")


def cmd_ingest(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    from jobs.analysis import analyse_page
    from jobs.ingest import ingest
    from storage.database import session_scope

    content, content_type, url = read_page(args.path_or_url, args.url)
    analysis = analyse_page(content, url, content_type)
    with session_scope(engine) as session:
        result = ingest(session, analysis)
        changes = [(c.previous_status, c.status) for c in result.status_changes]
        facts = result.facts_recorded
    if args.json:
        from jobs.starter import dump  # the starter format is the findings' JSON form

        print(json.dumps(dump([analysis], seen_on=result.seen_at.date())["pages"][0],
                         ensure_ascii=False, indent=2, default=str))
        return 0
    print(f"{analysis.title} [{analysis.kind}, {analysis.language}] {url}")
    print(f"{len(analysis.findings)} findings, {facts} facts stored, {len(changes)} status changes")
    for finding in analysis.findings:
        fields = {k: v for k, v in vars(finding).items() if k != "evidence"}
        print(f"• {type(finding).__name__.removesuffix('Finding')}: "
              + ", ".join(f"{k}={v}" for k, v in fields.items() if v is not None))
    return 0


def cmd_members(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from storage import queries

    with Session(engine) as session:
        members = queries.all_members(session)
        if not members:
            print("No members stored yet.")
        for m in members:
            joined = f", joined {m.joined_year}" if m.joined_year else ""
            print(f"{m.name_en:45} {m.kind:8} {m.status:10}{joined}")
    return 0


def cmd_commitments(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from storage import knowledge, queries

    with Session(engine) as session:
        member = knowledge.find_member(session, args.member)
        if member is None or member.id is None:
            raise UserError(f"no member called {args.member!r}; see `ogp-watch members`")
        plans = queries.plans_of(session, member.id)
        if not plans:
            print(f"No action plans stored for {member.name_en}.")
        for plan in plans:
            assert plan.id is not None
            period = f" {plan.start_year}-{plan.end_year}" if plan.start_year else ""
            count = f", {plan.commitment_count} commitments" if plan.commitment_count else ""
            print(f"{member.name_en}: action plan {plan.ordinal}{period}{count}")
            for dimension, counts in queries.tallies(session, plan.id).items():
                print(f"  {dimension}: " + ", ".join(f"{lvl} {n}" for lvl, n in counts.items()))
            for c in queries.commitments(session, plan.id):
                details = [c.state or "", c.completion or "", f"early results {c.early_results}"
                           if c.early_results else "", c.state_note or ""]
                print(f"  {c.number:3}  {c.title or '(untitled)':40} " + "; ".join(d for d in details if d))
    return 0


def cmd_chart(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    """The picture Telegram's /chart sends, as a file to put in a report or a page; the source is printed
    with it, since every answer names where it was read."""
    from sqlmodel import Session

    from bot.chart import PlanChart, chart_file_name, plan_chart, save_chart
    from bot.member_index import MemberIndex
    from bot.member_lookup import UnknownPlace, lookup_member

    with Session(engine) as session:
        found = lookup_member(session, MemberIndex(), args.member)
        if found is None:
            raise UserError(f"no member called {args.member!r}; see `ogp-watch members`")
        if isinstance(found, UnknownPlace):
            raise UserError(f"no data on {found.name_en} yet, so no chart; see `ogp-watch members`")
        drawn = plan_chart(session, found.member.id, args.language)
    if not isinstance(drawn, PlanChart):
        raise UserError(drawn or f"no member called {args.member!r}")  # no plan, or no IRM results, to draw
    target = args.out or Path(chart_file_name(found.member.name_en))
    try:
        written = save_chart(drawn, target)
    except OSError as error:
        raise UserError(f"cannot write {target}: {error.strerror or error}") from None
    print(f"Wrote the chart “{drawn.title}” to {written}")
    if drawn.source_url:
        print(f"Source: {drawn.source_label}, {drawn.source_url}")
    return 0


def cmd_facts(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from storage import queries

    with Session(engine) as session:
        facts = queries.all_facts(session, args.limit)
    if args.json:
        print(json.dumps([
            {"subject": f.subject_type, "subject_id": f.subject_id, "predicate": f.predicate, "value": f.value,
             "evidence": f.evidence, "source_url": f.source_url, "seen_at": f.seen_at.isoformat()}
            for f in facts
        ], ensure_ascii=False, indent=2))
        return 0
    for f in facts:
        print(f"{f.subject_type}#{f.subject_id or '-'} {f.predicate} = {json.dumps(f.value, ensure_ascii=False)}")
        print(f"    “{f.evidence[:200]}”")
        print(f"    {f.source_url} (seen {f.seen_at:%Y-%m-%d})")
    return 0


def cmd_sources(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from jobs import source_admin
    from storage import sources
    from storage.database import session_scope

    action = args.action or "list"
    with session_scope(engine) as session:
        if action == "add":
            source = source_admin.add(session, args.url, kind=args.kind, interval=args.interval, label=args.label,
                                      added_by="cli", allow_private=settings.allow_private_sources)
            print(f"Watching #{source.id} {source.label} ({source.kind}, every "
                  f"{source_admin.format_interval(source.interval_seconds)}): {source.url}")
            print("It will be checked on the next tick of `ogp-watch run`, or now with `ogp-watch check`.")
            return 0
        if action == "list":
            rows = [source_admin.health(source) for source in sources.all_sources(session)]
            if args.json:
                print(json.dumps([asdict(row) for row in rows], indent=2, default=str))
            elif not rows:
                print("No sources yet; add one with `ogp-watch sources add URL`.")
            for row in rows if not args.json else []:
                print(row.line())
            return 0
        operation = {"pause": source_admin.pause, "resume": source_admin.resume, "remove": source_admin.remove}
        source = operation[action](session, args.id)
        done = {"pause": "Paused", "resume": "Resumed", "remove": "Removed"}[action]
        print(f"{done} #{source.id} {source.label}: {source.url}")
    return 0


def cmd_check(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from sqlmodel import Session

    from jobs import source_admin
    from ogp_watch.app import check_now, fetch_policy
    from storage import sources

    ids = list(args.source)
    with Session(engine) as session:
        if args.all:
            ids = sources.all_source_ids(session)
        else:
            for source_id in ids:
                source_admin.get(session, source_id)  # an unknown id is an error before anything is fetched
    reports = asyncio.run(check_now(engine, fetch_policy(settings), ids or None, settings.check_concurrency,
                                    on_done=lambda report: print(report.summary(), flush=True)))
    if not reports:
        print("Nothing is due; `ogp-watch check --all` checks every source now.")
    new = [event for report in reports for event in report.events]
    for event in new:
        print(event_text(event))
    return 1 if any(report.status == CheckStatus.ERROR for report in reports) else 0


def cmd_events(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from storage import events as storage_events

    with Session(engine) as session:
        found = storage_events.events(session, since=args.since, kinds=args.kind)
    if args.limit is not None:
        found = found[-args.limit:] if args.limit > 0 else []
    if args.json:
        print(json.dumps([event_json(event) for event in found], ensure_ascii=False, indent=2))
        return 0
    if not found:
        print("No events yet.")
    for event in found:
        print(event_text(event))
    return 0


def event_text(event: Event) -> str:
    flag = " (already listed when the source was first checked)" if event.baseline else ""
    return (f"{event.created_at:%Y-%m-%d %H:%M} [{event.kind}] {event.title}{flag}\n"
            f"    “{event.evidence[:300]}”\n    {event.url}")


def event_json(event: Event) -> dict[str, object]:
    from storage import events as storage_events

    return {"id": event.id, "key": event.key, "kind": event.kind, "title": event.title, "url": event.url,
            "evidence": event.evidence, "member_id": event.member_id, "source_id": event.source_id,
            "baseline": event.baseline, "created_at": event.created_at.isoformat(),
            "details": storage_events.payload(event)}


def cmd_run(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    from ogp_watch.runner import Role, run

    return run(engine, settings, chat=not args.no_chat and sys.stdin.isatty(), role=Role(args.role))


def cmd_migrate(settings: Settings) -> int:
    """Migrate under the setup lock, so that processes starting meanwhile wait for it instead of racing."""
    from storage import schema
    from storage.database import make_engine

    engine = make_engine(settings.effective_database_url)
    try:
        with schema.setup_lock(engine):
            migration = schema.ensure_current(engine, migrate=True)
    except schema.SchemaError as error:
        raise UserError(str(error)) from None
    finally:
        engine.dispose()
    if migration is None:
        print(f"The database schema is up to date (revision {schema.head_revision()}).")
    else:
        print(f"Migrated the database schema from {migration.from_revision or 'an empty database'} "
              f"to revision {migration.to_revision}.")
    return 0


def cmd_deliver(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    """Send pending alerts until SIGTERM or Ctrl-C; several of these may share one PostgreSQL database."""
    import asyncio
    import signal

    from sqlmodel import Session
    from telegram.error import InvalidToken, NetworkError

    from bot.tg.sender import TelegramSender, build_bot
    from jobs.deliver import DEFAULT_CONCURRENCY, Dispatcher, outbox_counts
    from jobs.rate_limit import DeliveryLimits

    if settings.telegram_token is None:
        raise UserError("deliver sends with the bot's token: set OGP_WATCH_TELEGRAM_TOKEN")
    token = settings.telegram_token.get_secret_value()
    concurrency = args.concurrency if args.concurrency is not None else DEFAULT_CONCURRENCY
    claim_ttl = args.claim_ttl if args.claim_ttl is not None else settings.delivery_claim_seconds
    bad_token = UserError("Telegram refused the bot token (OGP_WATCH_TELEGRAM_TOKEN)")

    async def deliver() -> int:
        bot = build_bot(token, settings.telegram_api_url, connections=concurrency)
        try:
            await bot.initialize()
        except InvalidToken:
            raise bad_token from None
        except NetworkError as error:
            raise UserError(f"cannot reach the Bot API at {settings.telegram_api_url}: {error}") from None
        try:
            dispatcher = Dispatcher(engine, TelegramSender(bot), DeliveryLimits.from_settings(settings),
                                    concurrency=concurrency, claim_ttl=claim_ttl, admin_chat_ids=settings.admin_ids)
            stop = asyncio.Event()
            for signum in (signal.SIGTERM, signal.SIGINT):
                asyncio.get_running_loop().add_signal_handler(signum, stop.set)
            with Session(engine) as session:
                counts = outbox_counts(session)
            print(f"Delivering alerts as @{bot.username}, {concurrency} at a time; stop with Ctrl-C or SIGTERM.",
                  "Outbox: " + ", ".join(f"{count:,} {status}" for status, count in counts.items()) + ".",
                  sep="\n", flush=True)
            total = await dispatcher.run(
                stop, on_pass=lambda stats: print(f"{utcnow():%Y-%m-%d %H:%M:%S} {stats.summary()}", flush=True)
            )
        except InvalidToken:
            raise bad_token from None
        finally:
            await bot.shutdown()
        print(f"Stopped: {total.summary()}.", flush=True)
        return 0

    return asyncio.run(deliver())


def cmd_doctor(args: argparse.Namespace) -> int:
    """Exit status 1 when a check failed, so a deployment script can stop on it."""
    from ogp_watch import doctor

    findings = doctor.examine()
    if args.json:
        print(json.dumps(doctor.report_json(findings), ensure_ascii=False, indent=2))
    else:
        print(doctor.report_text(findings))
    return 1 if doctor.failed(findings) else 0


def cmd_demo(engine: Engine | None, settings: Settings, args: argparse.Namespace) -> int:
    from ogp_watch.demo import run_demo

    return run_demo(settings, chat=not args.no_chat and sys.stdin.isatty())


COMMANDS = {
    "chat": cmd_chat,
    "run": cmd_run,
    "sources": cmd_sources,
    "check": cmd_check,
    "events": cmd_events,
    "ask": cmd_ask,
    "ingest": cmd_ingest,
    "members": cmd_members,
    "commitments": cmd_commitments,
    "chart": cmd_chart,
    "facts": cmd_facts,
    "deliver": cmd_deliver,
    **exchange_commands.COMMANDS,
}

if __name__ == "__main__":
    raise SystemExit(main())
