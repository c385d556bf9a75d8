"""Reading OPML: every address however nested, feeds told from pages, and hostile XML refused in one line."""

from __future__ import annotations

import pytest

from jobs import opml
from jobs.opml import OpmlError, read_opml

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Synthetic subscriptions</title></head>
  <body>
    <outline text="Synthetic folder">
      <outline text="Synthetic feed &amp; more" type="rss" xmlUrl="https://synthetic.example/feed/"
               htmlUrl="https://synthetic.example/"/>
      <outline title="Deeper">
        <outline text="ignored text" title="Synthetic listing" HTMLURL="https://synthetic.example/documents/"/>
        <outline text="Synthetic page" url="https://synthetic.example/documents/report-1/"/>
      </outline>
    </outline>
    <outline text="Folder without addresses"><outline text="empty"/></outline>
    <outline text="Top-level feed" xmlUrl="https://synthetic.example/other/feed/"/>
  </body>
</opml>
"""


def test_nested_outlines_are_all_read_in_order_with_kind_title_folder_and_line() -> None:
    outlines = read_opml(NESTED)
    assert [(o.url, o.is_feed, o.title, o.folder, o.line) for o in outlines] == [
        ("https://synthetic.example/feed/", True, "Synthetic feed & more", "Synthetic folder", 6),
        ("https://synthetic.example/documents/", False, "Synthetic listing", "Deeper", 9),
        ("https://synthetic.example/documents/report-1/", False, "Synthetic page", "Deeper", 10),
        ("https://synthetic.example/other/feed/", True, "Top-level feed", None, 14),
    ]


def test_other_encodings_declared_in_the_file_are_understood() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><opml><body><outline text="Sintético" url="https://synthetic.example/á"/></body></opml>'
    [outline] = read_opml(text.encode("utf-16"))
    assert (outline.title, outline.url) == ("Sintético", "https://synthetic.example/á")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<opml><body><outline text="&lol3;" xmlUrl="https://synthetic.example/feed/"/></body></opml>
"""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (BILLION_LAUGHS, "it declares a DTD"),
        (b'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "http://127.0.0.1:9/evil.dtd"><opml><body/></opml>',
         "it declares a DTD"),
        (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
         b'<opml><body><outline text="&xxe;" url="https://synthetic.example/"/></body></opml>', "it declares a DTD"),
        (b'<opml><body><outline text="&undefined;" url="https://synthetic.example/"/></body></opml>',
         "not well-formed XML: undefined entity at line 1"),
        (b"this is not XML at all", "not well-formed XML: syntax error at line 1, column 1"),
        (b"", "not well-formed XML: no element found"),
        (b"<opml><body><outline url='https://synthetic.example/'></body></opml>",
         "not well-formed XML: mismatched tag"),
        (b"<rss version='2.0'><channel><title>x</title></channel></rss>", "not OPML: the document is <rss>"),
        (b"<html><body><a href='https://synthetic.example/'>x</a></body></html>", "not OPML: the document is <html>"),
        (b"<opml><head/></opml>", "not OPML: it has no <body>"),
    ],
)
def test_hostile_or_wrong_files_are_refused_with_one_line(data: bytes, message: str) -> None:
    with pytest.raises(OpmlError) as error:
        read_opml(data)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_size_count_and_depth_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(OpmlError, match="larger than 2 MB"):
        read_opml(b"<opml><body>" + b" " * opml.MAX_OPML_BYTES + b"</body></opml>")
    monkeypatch.setattr(opml, "MAX_OUTLINES", 3)
    many = b"".join(b'<outline url="https://synthetic.example/%d/"/>' % n for n in range(4))
    with pytest.raises(OpmlError, match="more than 3 addresses"):
        read_opml(b"<opml><body>" + many + b"</body></opml>")
    deep = b"<outline>" * opml.MAX_DEPTH + b"</outline>" * opml.MAX_DEPTH
    with pytest.raises(OpmlError, match="nested more than"):
        read_opml(b"<opml><body>" + deep + b"</body></opml>")


def test_outlines_outside_the_body_are_not_addresses() -> None:
    data = b'<opml><head><outline url="https://synthetic.example/head/"/></head><body/></opml>'
    assert read_opml(data) == []
