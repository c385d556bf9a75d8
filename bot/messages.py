"""Every sentence the bot says, in English and Spanish, and the formatting of dates, ordinals and levels.

Kept apart from the answer logic so a translator can work on this file alone.
"""

from __future__ import annotations

from datetime import date

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "empty": "Ask me about OGP members and their commitments, e.g. “status of Mexico commitment 9”. "
                 "Type “help” for more.",
        "greeting": "Hello! I answer questions about Open Government Partnership members and their "
                    "commitments, with the source of every answer. Type “help” for examples.",
        "help": "You can ask, in English or Spanish:\n"
                "• status of Mexico commitment 9\n"
                "• is Mexico City still a member?\n"
                "• which members withdrew?\n"
                "• summary of Mexico's 4th action plan\n"
                "• inactive commitments in Mexico\n"
                "• latest reports of Mexico\n"
                "• what did the report say about trusts?\n"
                "Every answer names its source.",
        "unknown": "Sorry, I did not understand that. Try “status of Mexico commitment 9” or type “help”.",
        "which_member": "Which OGP member do you mean? For example: “status of Mexico commitment 9”.",
        "no_data": "I have no data on {name} yet.",
        "no_plan": "I have no action plan data for {member} yet.",
        "no_plan_ordinal": "I have no data on {member}'s {ordinal} action plan; I know of: {known}.",
        "commitment_missing": "{plan_label} has {count} commitments, so there is no commitment {number}.",
        "commitment_missing_nocount": "{plan_label}: there is no commitment {number}; no action plan has that many.",
        "commitment_unstated": "{plan_label}: commitment {number} is one of the plan's {count} commitments, "
                               "but its individual status is not stated in my sources.",
        "commitment_unstated_nocount": "{plan_label}: the status of commitment {number} is not stated in my "
                                       "sources.",
        "plan_wide": "Across the plan: {summary}.",
        "commitment_head": "{plan_label}, commitment {number}{title}: {state}.",
        "classified_by": "Classified {state} by the {body}{record}.",
        "record": " (minutes of the {body} dated {date})",
        "early_results": "Early results: {level}.",
        "early_results_unstated": "Early results: not stated individually.",
        "completion": "Completion: {level}.",
        "completion_unstated": "Completion: not stated individually.",
        "plan_label": "{member}, {ordinal} action plan{period}",
        "period": " ({start}–{end}{extension})",
        "extension": ", extended to {date}",
        "plan_head": "{plan_label}: {count} commitments.",
        "plan_head_nocount": "{plan_label}.",
        "by_completion": "Completion: {items}.",
        "by_results": "Early results: {items}.",
        "completion_none": "Completion: not stated.",
        "results_none": "Early results: not stated.",
        "inactive_list": "Inactive: {items}.",
        "named_complete": "Completed: {items}.",
        "known_commitments": "Commitments named in my sources: {items}.",
        "by_state_head": "{label} commitments in {plan_label}: {items}.",
        "by_state_none": "My sources name no {label} commitments in {plan_label}.",
        "member_line": "{name} ({kind}{parent}{joined}): {status}.",
        "member_withdrawn": "No. {name} withdrew from OGP (seen {seen}).",
        "member_active": "Yes, as of my latest source: {name} is named as a current OGP member (seen {seen}).",
        "member_inactive": "{name} is listed as inactive in OGP (seen {seen}).",
        "member_under_review": "{name} was placed under procedural review by OGP (seen {seen}).",
        "member_unknown": "My sources do not state {name}'s current membership status.",
        "member_joined_only": "{name} joined OGP in {year}{founding}; my sources record no withdrawal, "
                              "suspension or inactivity since.",
        "founding": " as one of its eight founding members",
        "left_yes": "Yes. {name} left OGP{how}{when}.",
        "left_no": "No. My sources record no withdrawal of {name} from OGP.",
        "left_no_but": "No, {name} has not left OGP as far as my sources say, but it is {status}{when}.",
        "left_when": "{name} left OGP{how}{when}.",
        "left_when_unknown": "{name} left OGP{how}; my sources do not give the date (first seen {seen}).",
        "how_removed": " (OGP ended its participation)",
        "how_will_withdraw": " (it announced its withdrawal)",
        "how_no_longer": " (it is no longer participating)",
        "on_date": " on {date}",
        "in_date": " in {date}",
        "basis_sentence": ", as the source states",
        "basis_letter": ", the date of its letter",
        "basis_page": ", the date of the source that reports it",
        "joined_yes": "Yes. {name} joined OGP in {year}{founding}.",
        "joined_when": "{name} joined OGP in {year}{founding}.",
        "joined_unknown": "My sources do not say when {name} joined OGP.",
        "since_left": "It has since left OGP{when}.",
        "joined": "; joined {year}",
        "history": "History: {items}.",
        "members_status_head": "Members that {label} ({count}):",
        "members_status_none": "My sources record no members that {label}.",
        "members_all_head": "Members in my sources ({count}):",
        "members_in_head": "OGP members in {country} in my sources ({count}):",
        "more": "…and {count} more.",
        "reports_head": "Latest IRM reports on {member}:",
        "reports_none": "I have no IRM reports on {member} yet.",
        "open_head": "What my sources say:",
        "open_quote": "• “{sentence}” ({source}, seen {seen})",
        "open_none": "My sources do not say that (“{question}”): no stored sentence answers it.",
        "open_none_member": "My sources on {member} do not say that (“{question}”): no stored sentence answers it.",
        "reasons_head": "The reasons my sources give:",
        "reasons_none": "My sources do not say why.",
        "search_head": "What my documents say about “{terms}”:",
        "search_none": "I found nothing about “{terms}” in my documents.",
        "search_general": "More than half of my {documents} documents mention “{terms}”: too many to pick the "
                          "best matches. The most recent ones:",
        "search_narrow": "Add a more specific word (a topic or a member's name) to narrow the search.",
        "totals": "OGP has {countries} member countries and {locals} local members, as stated by the "
                  "source below (seen {seen}).",
        "totals_none": "My sources do not state OGP's current size.",
        "evidence": "Evidence: “{sentence}”",
        "source": "Source: {label}, {url}",
        "source_url": "Source: {url}",
        "sources": "Sources:",
        "kind_country": "country",
        "kind_local": "OGP Local member",
        "in_country": ", {country}",
        "and": "and",
        "state_inactive": "inactive",
        "state_active": "active",
        "state_unstated": "status not stated",
        "label_withdrawn": "withdrew",
        "label_inactive": "are inactive",
        "label_active": "are active",
        "label_state_inactive": "Inactive",
        "label_state_complete": "Completed",
        "label_state_active": "Active",
    },
    "es": {
        "empty": "Pregúntame por los miembros de OGP y sus compromisos, p. ej. “estado del compromiso 9 de "
                 "México”. Escribe “ayuda” para ver más.",
        "greeting": "¡Hola! Respondo preguntas sobre los miembros de la Alianza para el Gobierno Abierto (OGP) "
                    "y sus compromisos, citando la fuente de cada respuesta. Escribe “ayuda” para ver ejemplos.",
        "help": "Puedes preguntar, en español o en inglés:\n"
                "• estado del compromiso 9 de México\n"
                "• ¿la Ciudad de México sigue en OGP?\n"
                "• ¿qué miembros se retiraron?\n"
                "• resumen del cuarto plan de acción de México\n"
                "• compromisos inactivos de México\n"
                "• últimos informes de México\n"
                "• ¿qué dice el informe sobre fideicomisos (trusts)?\n"
                "Cada respuesta indica su fuente.",
        "unknown": "Perdón, no entendí. Prueba con “estado del compromiso 9 de México” o escribe “ayuda”.",
        "which_member": "¿A qué miembro de OGP te refieres? Por ejemplo: “estado del compromiso 9 de México”.",
        "no_data": "Todavía no tengo datos sobre {name}.",
        "no_plan": "Todavía no tengo datos de planes de acción de {member}.",
        "no_plan_ordinal": "No tengo datos del {ordinal} plan de acción de {member}; conozco: {known}.",
        "commitment_missing": "{plan_label} tiene {count} compromisos: no existe el compromiso {number}.",
        "commitment_missing_nocount": "{plan_label}: no existe el compromiso {number}; ningún plan de acción tiene "
                                      "tantos.",
        "commitment_unstated": "{plan_label}: el compromiso {number} es uno de los {count} compromisos del "
                               "plan, pero mis fuentes no indican su estado individual.",
        "commitment_unstated_nocount": "{plan_label}: mis fuentes no indican el estado del compromiso "
                                       "{number}.",
        "plan_wide": "En el conjunto del plan: {summary}.",
        "commitment_head": "{plan_label}, compromiso {number}{title}: {state}.",
        "classified_by": "Clasificado como {state} por el {body}{record}.",
        "record": " (minuta del {body} del {date})",
        "early_results": "Resultados tempranos: {level}.",
        "early_results_unstated": "Resultados tempranos: no se indican individualmente.",
        "completion": "Nivel de cumplimiento: {level}.",
        "completion_unstated": "Nivel de cumplimiento: no se indica individualmente.",
        "plan_label": "{member}, {ordinal} plan de acción{period}",
        "period": " ({start}–{end}{extension})",
        "extension": ", extendido hasta el {date}",
        "plan_head": "{plan_label}: {count} compromisos.",
        "plan_head_nocount": "{plan_label}.",
        "by_completion": "Cumplimiento: {items}.",
        "by_results": "Resultados tempranos: {items}.",
        "completion_none": "Cumplimiento: sin datos.",
        "results_none": "Resultados tempranos: sin datos.",
        "inactive_list": "Inactivos: {items}.",
        "named_complete": "Completado: {items}.",
        "known_commitments": "Compromisos mencionados en mis fuentes: {items}.",
        "by_state_head": "Compromisos {label} en {plan_label}: {items}.",
        "by_state_none": "Mis fuentes no mencionan compromisos {label} en {plan_label}.",
        "member_line": "{name} ({kind}{parent}{joined}): {status}.",
        "member_withdrawn": "No. {name} se retiró de OGP (visto el {seen}).",
        "member_active": "Sí, según mi fuente más reciente: {name} figura como miembro actual de OGP "
                         "(visto el {seen}).",
        "member_inactive": "{name} figura como miembro inactivo de OGP (visto el {seen}).",
        "member_under_review": "{name} fue puesto en revisión procedimental por OGP (visto el {seen}).",
        "member_unknown": "Mis fuentes no indican el estado actual de membresía de {name}.",
        "member_joined_only": "{name} se unió a OGP en {year}{founding}; mis fuentes no registran retiro, "
                              "suspensión ni inactividad desde entonces.",
        "founding": " como uno de sus ocho miembros fundadores",
        "left_yes": "Sí. {name} se retiró de OGP{how}{when}.",
        "left_no": "No. Mis fuentes no registran un retiro de {name} de OGP.",
        "left_no_but": "No, según mis fuentes {name} no se ha retirado de OGP, pero está {status}{when}.",
        "left_when": "{name} se retiró de OGP{how}{when}.",
        "left_when_unknown": "{name} se retiró de OGP{how}; mis fuentes no dan la fecha (visto por primera vez "
                             "el {seen}).",
        "how_removed": " (OGP puso fin a su participación)",
        "how_will_withdraw": " (anunció su retiro)",
        "how_no_longer": " (ya no participa)",
        "on_date": " el {date}",
        "in_date": " en {date}",
        "basis_sentence": ", según la fuente",
        "basis_letter": ", fecha de su carta",
        "basis_page": ", fecha de la fuente que lo informa",
        "joined_yes": "Sí. {name} se unió a OGP en {year}{founding}.",
        "joined_when": "{name} se unió a OGP en {year}{founding}.",
        "joined_unknown": "Mis fuentes no dicen cuándo se unió {name} a OGP.",
        "since_left": "Desde entonces se retiró de OGP{when}.",
        "joined": "; se unió en {year}",
        "history": "Historial: {items}.",
        "members_status_head": "Miembros que {label} ({count}):",
        "members_status_none": "Mis fuentes no registran miembros que {label}.",
        "members_all_head": "Miembros en mis fuentes ({count}):",
        "members_in_head": "Miembros de OGP en {country} según mis fuentes ({count}):",
        "more": "…y {count} más.",
        "reports_head": "Últimos informes del IRM sobre {member}:",
        "reports_none": "Todavía no tengo informes del IRM sobre {member}.",
        "open_head": "Lo que dicen mis fuentes:",
        "open_quote": "• “{sentence}” ({source}, visto el {seen})",
        "open_none": "Mis fuentes no lo dicen (“{question}”): ninguna frase guardada lo responde.",
        "open_none_member": "Mis fuentes sobre {member} no lo dicen (“{question}”): ninguna frase guardada lo "
                            "responde.",
        "reasons_head": "Las razones que dan mis fuentes:",
        "reasons_none": "Mis fuentes no dicen por qué.",
        "search_head": "Lo que dicen mis documentos sobre “{terms}”:",
        "search_none": "No encontré nada sobre “{terms}” en mis documentos.",
        "search_general": "Más de la mitad de mis {documents} documentos mencionan “{terms}”: demasiados para "
                          "elegir los mejores. Los más recientes:",
        "search_narrow": "Añade una palabra más específica (un tema o el nombre de un miembro) para afinar la "
                         "búsqueda.",
        "totals": "OGP tiene {countries} países miembros y {locals} miembros locales, según la fuente "
                  "indicada (vista el {seen}).",
        "totals_none": "Mis fuentes no indican el tamaño actual de OGP.",
        "evidence": "Evidencia: “{sentence}”",
        "source": "Fuente: {label}, {url}",
        "source_url": "Fuente: {url}",
        "sources": "Fuentes:",
        "kind_country": "país",
        "kind_local": "miembro de OGP Local",
        "in_country": ", {country}",
        "and": "y",
        "state_inactive": "inactivo",
        "state_active": "activo",
        "state_unstated": "estado no indicado",
        "label_withdrawn": "se retiraron",
        "label_inactive": "están inactivos",
        "label_active": "están activos",
        "label_state_inactive": "inactivos",
        "label_state_complete": "completados",
        "label_state_active": "activos",
    },
}

LEVELS: dict[str, dict[str, str]] = {
    "en": {
        "not_started": "not started", "limited": "limited", "substantial": "substantial",
        "complete": "complete", "none": "none evidenced", "marginal": "marginal",
        "significant": "significant", "outstanding": "outstanding",
        "active": "active", "inactive": "inactive", "withdrawn": "withdrawn", "unknown": "status not stated",
        "under_review": "under procedural review",
    },
    "es": {
        "not_started": "no iniciado", "limited": "limitado", "substantial": "sustancial",
        "complete": "completo", "none": "ninguno evidenciado", "marginal": "marginales",
        "significant": "significativos", "outstanding": "sobresalientes",
        "active": "activo", "inactive": "inactivo", "withdrawn": "se retiró", "unknown": "estado no indicado",
        "under_review": "en revisión procedimental",
    },
}

REPORT_KINDS: dict[str, dict[str, str]] = {
    "en": {"results_report": "IRM", "action_plan_review": "IRM", "design_report": "IRM",
           "progress_report": "IRM", "end_of_term_report": "IRM", "news": "OGP news", "member_page": "OGP",
           "listing": "OGP", "other": ""},
    "es": {"results_report": "IRM", "action_plan_review": "IRM", "design_report": "IRM",
           "progress_report": "IRM", "end_of_term_report": "IRM", "news": "noticia de OGP",
           "member_page": "OGP", "listing": "OGP", "other": ""},
}

_MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "es": ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
}


def say(language: str, key: str, **values: object) -> str:
    texts = TEXTS.get(language, TEXTS["en"])
    return texts[key].format(**values)


def level(language: str, value: str) -> str:
    return LEVELS.get(language, LEVELS["en"]).get(value, value)


def format_date(language: str, day: date) -> str:
    return f"{day.day} {_MONTHS.get(language, _MONTHS['en'])[day.month - 1]} {day.year}"


_MONTH_NAMES = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"],
}


def format_partial_date(language: str, iso: str) -> tuple[str, bool]:
    """ "2017-09-21", "2026-01" or "2016" as words, and whether it names a day ("on" rather than "in")."""
    parts = iso.split("-")
    try:
        if len(parts) == 3:
            return format_date(language, date(int(parts[0]), int(parts[1]), int(parts[2]))), True
        if len(parts) == 2:
            month = _MONTH_NAMES.get(language, _MONTH_NAMES["en"])[int(parts[1]) - 1]
            return (f"{month} de {parts[0]}" if language == "es" else f"{month} {parts[0]}"), False
    except (ValueError, IndexError):
        pass
    return parts[0], False


def ordinal(language: str, n: int) -> str:
    if language == "es":
        return f"{n}.º"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def join_list(language: str, items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {say(language, 'and')} {items[-1]}"
