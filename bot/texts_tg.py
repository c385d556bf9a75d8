"""What the chat front end says around the answers: welcome, help, subscriptions, charts, buttons and
command menus, in English and Spanish.

The answers themselves come from ``bot.messages``; these texts belong to chat commands, which the
terminal does not have. Kept in one place, with no Telegram import, so a translator works on one file.
"""

from __future__ import annotations

LANGUAGES = ("en", "es")

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "welcome": "Hello! I am OGP Watch. I answer questions about Open Government Partnership members and "
                   "their commitments, in English or Spanish, always naming my source, and I can alert this "
                   "chat when something changes.\n\n"
                   "Ask, for example:\n"
                   "• status of Mexico commitment 9\n"
                   "• is Mexico City still a member?\n\n"
                   "Commands: /help, /subscribe, /subscriptions, /unsubscribe, /chart, /lang",
        "group_note": "In this group, mention me (@{username}) or reply to one of my messages to ask a question.",
        "help": "Ask a question in English or Spanish, for example:\n"
                "• status of Mexico commitment 9\n"
                "• is Mexico City still a member?\n"
                "• which members withdrew?\n"
                "• summary of Mexico's 4th action plan\n"
                "• latest reports of Mexico\n\n"
                "Commands:\n"
                "/subscribe Mexico: alerts about a member (also reports, withdrawals, status, all, or "
                "keyword WORDS)\n"
                "/subscriptions: this chat's subscriptions, with buttons to remove them\n"
                "/unsubscribe Mexico (or all): stop alerts\n"
                "/chart Mexico: a chart of the member's latest action plan\n"
                "/lang es or /lang en: the language of my replies",
        "lang_usage": "Choose my language with /lang en (English) or /lang es (Spanish). Now: English.",
        "lang_set": "Done: I will reply in English in this chat. Questions are answered in the language they "
                    "are asked in.",
        "unknown_command": "I do not know that command. Type /help for the list.",
        "apology": "Sorry, something went wrong on my side. Please try again in a moment.",
        "admins_only": "Only this group's admins can change its subscriptions and settings.",
        "sub_usage": "To get alerts in this chat, send one of:\n"
                     "/subscribe Mexico: news about a member (any of its names: CDMX, Ciudad de México…)\n"
                     "/subscribe reports: new IRM reports\n"
                     "/subscribe withdrawals: members leaving OGP\n"
                     "/subscribe status: changes of membership or commitment status\n"
                     "/subscribe all: everything\n"
                     "/subscribe keyword fiscal transparency: any news with these words",
        "sub_unknown": "I do not know an OGP member called “{name}”.",
        "sub_no_data": "I have no data on {name} yet, so there is no member to follow. You can follow the "
                       "name as a keyword: /subscribe keyword {name}",
        "sub_done": "Subscribed: this chat will get alerts about {label}.",
        "sub_already": "This chat is already subscribed to {label}.",
        "sub_keyword_short": "A keyword needs at least 3 letters, e.g. /subscribe keyword fiscal transparency",
        "sub_too_many": "This chat has reached the limit of {limit} subscriptions. Remove one with /subscriptions "
                        "first.",
        "subs_head": "This chat's subscriptions:",
        "subs_hint": "Tap a button below to remove one.",
        "subs_none": "This chat has no subscriptions yet. Try /subscribe Mexico or /subscribe reports.",
        "unsub_usage": "Send /unsubscribe Mexico (or reports, keyword WORDS…) to remove one subscription, "
                       "/unsubscribe all to remove them all, or use the buttons of /subscriptions.",
        "unsub_done": "Removed: {label}.",
        "unsub_missing": "This chat is not subscribed to {label}. See /subscriptions.",
        "unsub_all": "Removed all subscriptions of this chat ({count}).",
        "unsub_all_none": "This chat had no subscriptions.",
        "unsub_gone": "That subscription was already removed.",
        "kind_member": "member",
        "kind_topic": "topic",
        "kind_keyword": "keyword",
        "topic_reports": "new IRM reports",
        "topic_withdrawals": "members withdrawing",
        "topic_status": "status changes",
        "topic_all": "everything",
        "keyword_label": "“{phrase}”",
        "chart_usage": "Send /chart and a member, e.g. /chart Mexico",
        "chart_no_plan": "I have no action plan data for {member} yet.",
        "chart_no_results": "My sources give no IRM results for {member}'s {ordinal} action plan yet.",
        "chart_title": "{member} - action plan {ordinal}{period}",
        "chart_period": " ({start}-{end})",
        "chart_completion": "Completion",
        "chart_results": "Early results",
        "chart_total": "{count} commitments",
        "chart_not_stated": "not stated",
        "chart_caption": "{title}. Source: {source}",
        "list_head": "{plan_label}: commitments named in my sources ({count} of {total}):",
        "list_head_nototal": "{plan_label}: commitments named in my sources ({count}):",
        "list_page": "Page {page} of {pages}.",
        "list_none": "My sources name none of the commitments of {plan_label} individually.",
        "list_state": "{state}",
        "list_completion": "completion: {level}",
        "list_results": "early results: {level}",
        "list_unstated": "status not stated",
        "button_subscribe": "🔔 Subscribe to {member}",
        "button_commitments": "📋 Show all commitments",
        "button_next": "Next ›",
        "button_previous": "‹ Previous",
        "button_remove": "✖ {label}",
        "button_gone": "This button no longer works.",
        "button_removed": "Removed.",
        "cmd_start": "Welcome and what I can do",
        "cmd_help": "How to ask, and the commands",
        "cmd_lang": "My language: /lang en or /lang es",
        "cmd_subscribe": "Alerts: /subscribe Mexico, reports, keyword WORDS",
        "cmd_subscriptions": "This chat's subscriptions",
        "cmd_unsubscribe": "Stop alerts: /unsubscribe Mexico, or all",
        "cmd_chart": "Chart of a member's latest plan: /chart Mexico",
    },
    "es": {
        "welcome": "¡Hola! Soy OGP Watch. Respondo preguntas sobre los miembros de la Alianza para el Gobierno "
                   "Abierto (OGP) y sus compromisos, en español o en inglés, citando siempre la fuente, y puedo "
                   "avisar en este chat cuando algo cambie.\n\n"
                   "Pregunta, por ejemplo:\n"
                   "• estado del compromiso 9 de México\n"
                   "• ¿la Ciudad de México sigue en OGP?\n\n"
                   "Comandos: /help, /subscribe, /subscriptions, /unsubscribe, /chart, /lang",
        "group_note": "En este grupo, menciónanme (@{username}) o responde a uno de mis mensajes para preguntar.",
        "help": "Pregunta en español o en inglés, por ejemplo:\n"
                "• estado del compromiso 9 de México\n"
                "• ¿la Ciudad de México sigue en OGP?\n"
                "• ¿qué miembros se retiraron?\n"
                "• resumen del cuarto plan de acción de México\n"
                "• últimos informes de México\n\n"
                "Comandos:\n"
                "/subscribe México: alertas sobre un miembro (también informes, retiros, estado, todo, o "
                "palabra PALABRAS)\n"
                "/subscriptions: las suscripciones de este chat, con botones para quitarlas\n"
                "/unsubscribe México (o todo): dejar de recibir alertas\n"
                "/chart México: un gráfico del último plan de acción del miembro\n"
                "/lang es o /lang en: el idioma de mis respuestas",
        "lang_usage": "Elige mi idioma con /lang es (español) o /lang en (inglés). Ahora: español.",
        "lang_set": "Listo: responderé en español en este chat. Las preguntas se responden en el idioma en que "
                    "se hacen.",
        "unknown_command": "No conozco ese comando. Escribe /help para ver la lista.",
        "apology": "Perdón, algo falló de mi lado. Vuelve a intentarlo en un momento.",
        "admins_only": "Solo los administradores de este grupo pueden cambiar sus suscripciones y ajustes.",
        "sub_usage": "Para recibir alertas en este chat, envía uno de:\n"
                     "/subscribe México: noticias sobre un miembro (con cualquiera de sus nombres: CDMX, "
                     "Mexico City…)\n"
                     "/subscribe informes: nuevos informes del IRM\n"
                     "/subscribe retiros: miembros que dejan OGP\n"
                     "/subscribe estado: cambios de estado de miembros o compromisos\n"
                     "/subscribe todo: todo\n"
                     "/subscribe palabra transparencia fiscal: cualquier noticia con esas palabras",
        "sub_unknown": "No conozco ningún miembro de OGP llamado “{name}”.",
        "sub_no_data": "Todavía no tengo datos sobre {name}, así que no hay un miembro que seguir. Puedes seguir "
                       "el nombre como palabra clave: /subscribe palabra {name}",
        "sub_done": "Suscripción hecha: este chat recibirá alertas sobre {label}.",
        "sub_already": "Este chat ya está suscrito a {label}.",
        "sub_keyword_short": "Una palabra clave necesita al menos 3 letras, p. ej. /subscribe palabra "
                             "transparencia fiscal",
        "sub_too_many": "Este chat llegó al límite de {limit} suscripciones. Quita alguna con /subscriptions "
                        "primero.",
        "subs_head": "Suscripciones de este chat:",
        "subs_hint": "Toca un botón para quitar una.",
        "subs_none": "Este chat todavía no tiene suscripciones. Prueba /subscribe México o /subscribe informes.",
        "unsub_usage": "Envía /unsubscribe México (o informes, palabra PALABRAS…) para quitar una suscripción, "
                       "/unsubscribe todo para quitarlas todas, o usa los botones de /subscriptions.",
        "unsub_done": "Quitada: {label}.",
        "unsub_missing": "Este chat no está suscrito a {label}. Mira /subscriptions.",
        "unsub_all": "Quitadas todas las suscripciones de este chat ({count}).",
        "unsub_all_none": "Este chat no tenía suscripciones.",
        "unsub_gone": "Esa suscripción ya estaba quitada.",
        "kind_member": "miembro",
        "kind_topic": "tema",
        "kind_keyword": "palabra clave",
        "topic_reports": "nuevos informes del IRM",
        "topic_withdrawals": "retiros de miembros",
        "topic_status": "cambios de estado",
        "topic_all": "todo",
        "keyword_label": "“{phrase}”",
        "chart_usage": "Envía /chart y un miembro, p. ej. /chart México",
        "chart_no_plan": "Todavía no tengo datos de planes de acción de {member}.",
        "chart_no_results": "Mis fuentes aún no dan resultados del IRM para el {ordinal} plan de acción de "
                            "{member}.",
        "chart_title": "{member} - plan de acción {ordinal}{period}",
        "chart_period": " ({start}-{end})",
        "chart_completion": "Cumplimiento",
        "chart_results": "Resultados tempranos",
        "chart_total": "{count} compromisos",
        "chart_not_stated": "sin datos",
        "chart_caption": "{title}. Fuente: {source}",
        "list_head": "{plan_label}: compromisos mencionados en mis fuentes ({count} de {total}):",
        "list_head_nototal": "{plan_label}: compromisos mencionados en mis fuentes ({count}):",
        "list_page": "Página {page} de {pages}.",
        "list_none": "Mis fuentes no mencionan individualmente ninguno de los compromisos de {plan_label}.",
        "list_state": "{state}",
        "list_completion": "cumplimiento: {level}",
        "list_results": "resultados tempranos: {level}",
        "list_unstated": "estado no indicado",
        "button_subscribe": "🔔 Suscribirse a {member}",
        "button_commitments": "📋 Ver todos los compromisos",
        "button_next": "Siguiente ›",
        "button_previous": "‹ Anterior",
        "button_remove": "✖ {label}",
        "button_gone": "Este botón ya no funciona.",
        "button_removed": "Quitada.",
        "cmd_start": "Bienvenida y qué puedo hacer",
        "cmd_help": "Cómo preguntar, y los comandos",
        "cmd_lang": "Mi idioma: /lang es o /lang en",
        "cmd_subscribe": "Alertas: /subscribe México, informes, palabra PALABRAS",
        "cmd_subscriptions": "Suscripciones de este chat",
        "cmd_unsubscribe": "Dejar de recibir alertas: /unsubscribe México, o todo",
        "cmd_chart": "Gráfico del último plan de un miembro: /chart México",
    },
}

USER_COMMANDS = ("start", "help", "lang", "subscribe", "subscriptions", "unsubscribe", "chart")
"""The commands every chat sees in its menu, in menu order (admin commands are set separately)."""

LANGUAGE_WORDS = {
    "en": "en", "english": "en", "ingles": "en", "eng": "en",
    "es": "es", "spanish": "es", "espanol": "es", "castellano": "es", "esp": "es",
}
"""What /lang accepts, in normal form (lower case, no accents)."""


def tr(language: str, key: str, **values: object) -> str:
    return TEXTS.get(language, TEXTS["en"])[key].format(**values)


def language_of(language_code: str | None) -> str:
    """The reply language for a Telegram client language ("es", "es-MX" -> Spanish; anything else English)."""
    return "es" if (language_code or "").lower().startswith("es") else "en"


def command_menu(language: str) -> list[tuple[str, str]]:
    """(command, description) pairs for the chat's command menu."""
    return [(command, tr(language, f"cmd_{command}")) for command in USER_COMMANDS]
