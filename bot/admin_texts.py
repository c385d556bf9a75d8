"""What the Telegram admin commands say, in English and Spanish.

Kept apart from the handlers (``bot.tg.admin``) so a translator can work on this file alone. Texts are
Telegram HTML: the handlers escape every value before it is put into a template. The reasons given by
``jobs.source_admin`` (a bad address, an unknown source...) are shared with the command line and stay in
English; the templates around them are translated.
"""

from __future__ import annotations

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "refused": "This command is for OGP Watch admins.",
        "failed": "Cannot do that: {reason}.",
        "internal_error": "Something went wrong on our side; the details are in the bot's log.",
        "usage_source_add": "Usage: /source_add URL [page|listing|feed] [interval, e.g. 6h]",
        "usage_id": "Usage: /{command} ID (the number /sources shows)",
        "usage_check": "Usage: /check to check the sources that are due, or /check ID to check one source now",
        "added": "Watching #{id} {label} ({kind}, every {interval}):\n{url}\nIt is due now; /check {id} checks it "
                 "at once.",
        "paused": "Paused #{id} {label}: {url}\n/source_resume {id} starts checking it again.",
        "resumed": "Resumed #{id} {label}: {url}\nIt is due now.",
        "removed": "Removed #{id} {label}: {url}\nThe events it found are kept.",
        "no_sources": "No sources yet; add one with /source_add URL.",
        "sources_head": "<b>Sources</b> ({count}):",
        "source_head": "<b>#{id}</b> {state} · {kind} · every {interval}",
        "checked": "checked {when} UTC",
        "never_checked": "never checked",
        "next_check": "next {when} UTC",
        "last_error": "last error: {error}",
        "state_ok": "ok",
        "state_new": "new",
        "state_paused": "paused",
        "state_failing": "failing ({count})",
        "kind_page": "page",
        "kind_listing": "listing",
        "kind_feed": "feed",
        "nothing_due": "Nothing is due; /check ID checks one source now.",
        "checking_one": "Checking #{id} {label}…",
        "checking_due_1": "Checking {count} due source…",
        "checking_due_n": "Checking {count} due sources…",
        "check_failed": "The check could not run; the details are in the bot's log.",
        "new_events": "<b>New events</b> ({count}):",
        "no_new_events": "No new events.",
        "baseline": " (already listed when the source was first checked)",
        "more_events": "… and {count} more; <code>ogp-watch events</code> lists them all.",
        "usage_export": "Usage: /export members|commitments|events|sources [csv|json]",
        "export_caption_1": "OGP Watch {kind}: 1 row, {format}. Columns: docs/data-exchange.md",
        "export_caption_n": "OGP Watch {kind}: {count} rows, {format}. Columns: docs/data-exchange.md",
        "export_too_large": "The {kind} export is larger than {limit} MB, the most a bot may send. On the server, "
                            "<code>ogp-watch export {cli_kind} --format {cli_format} --output FILE</code> writes it.",
        "export_failed": "The export could not be made; the details are in the bot's log.",
        "export_kind_members": "members",
        "export_kind_commitments": "commitments",
        "export_kind_events": "events",
        "export_kind_sources": "sources",
        "stats": (
            "<b>OGP Watch stats</b>\n"
            "Chats with subscriptions: {chats_active} active, {chats_inactive} inactive\n"
            "Subscriptions: {subscriptions}\n"
            "Sources: {sources} ({sources_enabled} enabled, {sources_paused} paused; {sources_failing} failing)\n"
            "Events: {events} ({events_last_day} in the last 24 h)\n"
            "Deliveries: {pending} pending, {sending} sending, {sent} sent, {failed} failed, {blocked} blocked"
        ),
    },
    "es": {
        "refused": "Este comando es solo para los administradores de OGP Watch.",
        "failed": "No se pudo: {reason}.",
        "internal_error": "Algo falló de nuestro lado; los detalles están en el registro del bot.",
        "usage_source_add": "Uso: /source_add URL [page|listing|feed] [intervalo, p. ej. 6h]",
        "usage_id": "Uso: /{command} ID (el número que muestra /sources)",
        "usage_check": "Uso: /check revisa las fuentes pendientes; /check ID revisa una fuente ahora",
        "added": "Vigilando #{id} {label} ({kind}, cada {interval}):\n{url}\nToca revisarla ya; /check {id} la "
                 "revisa al momento.",
        "paused": "En pausa #{id} {label}: {url}\n/source_resume {id} la vuelve a revisar.",
        "resumed": "Reanudada #{id} {label}: {url}\nToca revisarla ya.",
        "removed": "Eliminada #{id} {label}: {url}\nLos eventos que encontró se conservan.",
        "no_sources": "Aún no hay fuentes; añade una con /source_add URL.",
        "sources_head": "<b>Fuentes</b> ({count}):",
        "source_head": "<b>#{id}</b> {state} · {kind} · cada {interval}",
        "checked": "revisada {when} UTC",
        "never_checked": "nunca revisada",
        "next_check": "próxima {when} UTC",
        "last_error": "último error: {error}",
        "state_ok": "ok",
        "state_new": "nueva",
        "state_paused": "en pausa",
        "state_failing": "con fallos ({count})",
        "kind_page": "página",
        "kind_listing": "listado",
        "kind_feed": "feed",
        "nothing_due": "No hay nada pendiente; /check ID revisa una fuente ahora.",
        "checking_one": "Revisando #{id} {label}…",
        "checking_due_1": "Revisando {count} fuente pendiente…",
        "checking_due_n": "Revisando {count} fuentes pendientes…",
        "check_failed": "La revisión no pudo hacerse; los detalles están en el registro del bot.",
        "new_events": "<b>Eventos nuevos</b> ({count}):",
        "no_new_events": "Sin eventos nuevos.",
        "baseline": " (ya estaba en la fuente cuando se revisó por primera vez)",
        "more_events": "… y {count} más; <code>ogp-watch events</code> los lista todos.",
        "usage_export": "Uso: /export members|commitments|events|sources [csv|json] (también miembros, compromisos, "
                        "eventos, fuentes)",
        "export_caption_1": "OGP Watch, {kind}: 1 fila, {format}. Columnas: docs/data-exchange.md",
        "export_caption_n": "OGP Watch, {kind}: {count} filas, {format}. Columnas: docs/data-exchange.md",
        "export_too_large": "La exportación de {kind} supera los {limit} MB que un bot puede enviar. En el "
                            "servidor, <code>ogp-watch export {cli_kind} --format {cli_format} --output ARCHIVO</code> "
                            "la escribe.",
        "export_failed": "La exportación no pudo hacerse; los detalles están en el registro del bot.",
        "export_kind_members": "miembros",
        "export_kind_commitments": "compromisos",
        "export_kind_events": "eventos",
        "export_kind_sources": "fuentes",
        "stats": (
            "<b>Estadísticas de OGP Watch</b>\n"
            "Chats con suscripciones: {chats_active} activos, {chats_inactive} inactivos\n"
            "Suscripciones: {subscriptions}\n"
            "Fuentes: {sources} ({sources_enabled} activas, {sources_paused} en pausa; {sources_failing} con fallos)\n"
            "Eventos: {events} ({events_last_day} en las últimas 24 h)\n"
            "Envíos: {pending} pendientes, {sending} enviándose, {sent} enviados, {failed} fallidos, "
            "{blocked} bloqueados"
        ),
    },
}

COMMAND_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "en": {
        "source_add": "watch a URL: URL [page|listing|feed] [interval]",
        "sources": "watched sources and their health",
        "source_pause": "stop checking a source: ID",
        "source_resume": "check a paused source again: ID",
        "source_remove": "stop watching a source: ID",
        "check": "check due sources now, or one: [ID]",
        "stats": "chats, subscriptions, sources, events, deliveries",
        "export": "members, commitments, events or sources as a file: KIND [csv|json]",
    },
    "es": {
        "source_add": "vigilar una URL: URL [page|listing|feed] [intervalo]",
        "sources": "fuentes vigiladas y su estado",
        "source_pause": "dejar de revisar una fuente: ID",
        "source_resume": "volver a revisar una fuente en pausa: ID",
        "source_remove": "dejar de vigilar una fuente: ID",
        "check": "revisar ahora las fuentes pendientes, o una: [ID]",
        "stats": "chats, suscripciones, fuentes, eventos, envíos",
        "export": "miembros, compromisos, eventos o fuentes en un archivo: TIPO [csv|json]",
    },
}
"""For a command menu shown to admins (``setMyCommands`` with an admin's chat scope)."""


def text(language: str, key: str, **values: object) -> str:
    """The template in ``language`` (English when the chat's language has no such text), filled in."""
    template = TEXTS.get(language, {}).get(key) or TEXTS[DEFAULT_LANGUAGE][key]
    return template.format(**values)
