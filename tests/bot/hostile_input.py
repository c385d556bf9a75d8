"""What a hostile or careless user can type, as hypothesis strategies shared by the conversation engine's
and the Telegram adapter's property tests: search syntax, format strings, paths, markup, SQL, control and
invisible characters, other scripts, odd numbers, mixed with the words real questions are made of.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.bot.synthetic import SYNTHETIC_MEMBER

HOSTILE_PIECES = [
    # full-text search syntax (FTS5 and PostgreSQL tsquery)
    '"', "'", "*", "^", "-", "+", "(", ")", ":", "NEAR", "NEAR(trust data)", "NEAR/2", "OR", "AND", "NOT",
    "title:", "text:", "{title text}:", "trust*", '"trust', "^trust", "-trust", "trust -data", "!", "&", "|",
    "<->", ":*", "'':*", "\\", "%", "_",
    # format strings
    "{0}", "{}", "{name}", "{0.__class__}", "{member}", "%s", "%d", "%(x)s", "%%", "$1", "${x}",
    # paths
    "../../etc/passwd", "/etc/passwd", "C:\\Windows\\System32", "file:///etc/passwd", "\\\\server\\share",
    "~/.ssh/id_rsa", "/dev/zero",
    # HTML and Markdown
    "<b>", "</b>", "<a href='x'>", "</a>", "<script>alert(1)</script>", "&amp;", "&lt;", "&#0;", "&#x110000;",
    "<", ">", "<>", "</>", "*bold*", "_italic_", "`code`", "```", "[link](http://x)", "~~s~~", "||spoiler||",
    # SQL
    "'; DROP TABLE member; --", "1' OR '1'='1", "1; SELECT pg_sleep(10)", "UNION SELECT", "/*", "*/", "--",
    # control, invisible and direction characters
    "\x00", "\x02", "\x03", "\x1b[31m", "\r\n", "\t", "\x85", "\u2028", "\u200b", "\u200d", "\u202e", "\u2066",
    "\ufeff", "\u00ad", "\udc80", "\ud83d",
    # other scripts, emoji, look-alikes and numbers that are not ASCII digits
    "🇲🇽", "👨‍👩‍👧", "🤖", "𝕄𝕖𝕩𝕚𝕔𝕠", "Ｍｅｘｉｃｏ", "ﬁ", "ß", "İ", "ǅ", "ﷺ", "مكسيك", "מקסיקו", "メキシコ",
    "墨西哥", "Мексика", "١٢٣", "٩", "e\u0301", "\u0301\u0301\u0301", "ⅸ", "½", "²", "9th", "99th", "1e9", "-1",
    "0", "00", "9" * 30, "4.º", "NaN",
]

TELEGRAM_PIECES = [piece for piece in HOSTILE_PIECES if not any(0xD800 <= ord(ch) <= 0xDFFF for ch in piece)]
"""Lone surrogates never reach a chat: Telegram sends valid UTF-8 (and ``clean_input`` drops them anyway)."""

QUESTION_WORDS = [
    "status", "of", "Mexico", "commitment", "9", "14", "compromiso", "estado", "de", "México", "plan", "4th",
    "2nd", "cuarto", "summary", "resumen", "what", "did", "the", "report", "say", "about", "trusts", "which",
    "members", "withdrew", "inactive", "completed", "latest", "reports", "how", "many", "CDMX", "Mexico City",
    "Ciudad de México", SYNTHETIC_MEMBER, "help", "ayuda", "hola", "is", "still", "a", "member", "Brazil", "sobre",
    "dice", "informe", "keyword", "all",
]

TEMPLATES = [
    "what did the report say about _", "¿qué dice el informe sobre _?", "status of _ commitment 9",
    "status of Mexico commitment _", "estado del compromiso _ de México", "summary of _'s _ action plan",
    "is _ still a member?", "latest reports of _", "_ commitments in Mexico", "which members _?",
]
"""Questions that reach each kind of answer, with hostile words in place of each ``_``."""

SEPARATORS = [" ", " ", " ", "", "\n", ", ", "?"]

any_character = st.characters(exclude_categories=())
"""Surrogates included: a terminal hands undecodable bytes over as lone surrogates."""
telegram_character = st.characters(exclude_categories=("Cs",))


def _texts(character: st.SearchStrategy[str], pieces: list[str], max_size: int) -> st.SearchStrategy[str]:
    words = st.one_of(st.sampled_from(pieces), st.sampled_from(QUESTION_WORDS), st.text(character, max_size=12))
    mixed = st.lists(st.tuples(words, st.sampled_from(SEPARATORS)), max_size=40).map(
        lambda parts: "".join(word + separator for word, separator in parts)
    )
    filled = st.tuples(st.sampled_from(TEMPLATES), st.lists(mixed, min_size=2, max_size=2)).map(
        lambda shape: shape[0].replace("_", shape[1][0], 1).replace("_", shape[1][1])
    )
    return st.one_of(st.text(character, max_size=max_size), mixed, filled)


questions = _texts(any_character, HOSTILE_PIECES, 300)
"""Anything the terminal chat or ``ogp-watch ask`` can be given."""

arguments = _texts(telegram_character, TELEGRAM_PIECES, 200)
"""Command arguments and other text typed in Telegram (no length limit of its own)."""

telegram_texts = _texts(telegram_character, TELEGRAM_PIECES, 4096).filter(lambda text: text.strip())
"""A message's text as Telegram delivers it: 1 to 4,096 characters, never blank."""
