"""User Markdown to the plain text the search indexes and quotes, and the highlighted excerpts back to HTML."""

from __future__ import annotations

import html
import re
import threading

import markdown as md
import nh3
from markupsafe import Markup, escape

# The database wraps each match in these (snippet(), ts_headline()); they never occur in stored
# text (`plain_text` removes every control character), so the text is escaped first and only then
# are the markers turned into <mark>: a hostile text can never open a tag of its own.
START, STOP = "\x02", "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_SPACES = re.compile(r"[ \t\r\f\v]+")


_local = threading.local()


def _converter() -> md.Markdown:
    """One Markdown converter per thread: building one (its extensions) costs ten times a conversion."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = md.Markdown(extensions=["extra", "sane_lists"], output_format="html")
    return converter.reset()


def plain_text(markdown_source: str | None) -> str:
    """The words a reader sees once the Markdown is rendered: no markup, no HTML, no control characters."""
    if not markdown_source:
        return ""
    rendered = _converter().convert(str(markdown_source))
    text = html.unescape(nh3.clean(rendered, tags=set(), strip_comments=True))
    text = _CONTROL.sub("", text)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", text).strip()


def clean_title(text: str | None) -> str:
    """A one-line title (titles are plain text, not Markdown)."""
    return _SPACES.sub(" ", _CONTROL.sub("", (text or "").replace("\n", " "))).strip()[:200]


def join_parts(*parts: str | None) -> str:
    return "\n\n".join(p for p in (plain_text(part) for part in parts) if p)


def highlighted(text: str | None) -> Markup:
    """An excerpt with the database's markers, as safe HTML with <mark> around the matches."""
    if not text:
        return Markup("")
    out, open_ = [], False
    for piece in re.split(f"([{START}{STOP}])", text):
        if piece == START:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif piece == STOP:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(str(escape(piece)))
    if open_:
        out.append("</mark>")
    return Markup("".join(out))


def excerpt(text: str | None, length: int = 240) -> str:
    """The start of a text, cut at a word, for a result without a match to show (browsing)."""
    text = " ".join((text or "").split())
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0]
    return cut + " …"
