"""What never leaves in the open data: e-mail addresses, phone numbers and people's names in free text.

The publication form refuses a summary that holds any of them (the first line of defence); the
catalogue pages and the downloads scrub every free text again on the way out (the second line), so
that a name typed later, or an account created after the publication, never gets through either.
Names are those of every account of the application: anyone who uses it may be named only in the
catalogue's own list of team members who agreed, never inside a text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..search.text import plain_text

# A local part and a domain, dots optional: intranet addresses (agent@mairie) are addresses too.
EMAIL_RE = re.compile(r"(?<![\w.+%-])[\w.+%-]+@[\w-]+(?:\.[\w-]+)*", re.UNICODE)
# French numbers (06 12 34 56 78, 06.12.34.56.78, 0612345678, +33 6 12 34 56 78, 0033 (0)6 ...),
# and other international numbers written with a leading + and at least eight digits.
PHONE_RE = re.compile(
    r"(?<![\w+])"
    r"(?:"
    r"(?:(?:\+|00)\s?33[\s.-]?(?:\(0\)[\s.-]?)?|0)[1-9](?:[\s.-]?\d{2}){4}"
    r"|\+\d{1,3}(?:[\s.-]?\(?\d+\)?){2,6}"
    r")(?!\d)"
)
WORD_RE = re.compile(r"\w+", re.UNICODE)


def _fold(word: str) -> str:
    """Case and accents folded: "Élodie" and "ELODIE" are the same name."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


class NameIndex:
    """People's full names, found in a text word by word, whatever the case, accents and punctuation
    between the words ("Claire Dubois", "DUBOIS Claire", "**Claire** Dubois"), the family name first or last.

    A name of a single word is left out: it cannot be told from an ordinary word.
    """

    def __init__(self, names: Iterable[str]):
        self.keys: set[tuple[str, ...]] = set()
        self.longest = 0
        for name in names:
            words = tuple(_fold(w) for w in WORD_RE.findall(name or ""))
            if len(words) < 2:
                continue
            # As written, reversed, and with the family name first ("Martin Jean Pierre") or last.
            self.keys.update({words, words[::-1], words[-1:] + words[:-1], words[1:] + words[:1]})
            self.longest = max(self.longest, len(words))

    def spans(self, text: str) -> list[tuple[int, int]]:
        words = list(WORD_RE.finditer(text))
        folded = [_fold(m.group()) for m in words]
        found: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            for size in range(min(self.longest, len(words) - i), 1, -1):
                if tuple(folded[i:i + size]) in self.keys:
                    found.append((words[i].start(), words[i + size - 1].end()))
                    i += size
                    break
            else:
                i += 1
        return found


def known_names() -> NameIndex:
    """Every account's name: one query."""
    return NameIndex(db.session.scalars(select(User.name)))


def _phones(text: str) -> list[re.Match]:
    return [m for m in PHONE_RE.finditer(text) if _digits(m.group()) >= 9]


def findings(text: str, names: NameIndex, *, markdown: bool = False) -> list[str]:
    """What a text gives away: the e-mail addresses, phone numbers and people's names it holds.

    For Markdown, the rendered words are read too: markup or an HTML entity inside a name
    ("Cl**ai**re", "Claire&#32;Dubois") hides it from the source, not from the reader."""
    text = text or ""
    if markdown:
        rendered = plain_text(text)
        return list(dict.fromkeys(findings(text, names) + (findings(rendered, names) if rendered != text else [])))
    found = [m.group() for m in EMAIL_RE.finditer(text)]
    without_emails = EMAIL_RE.sub(" ", text)
    found += [m.group().strip() for m in _phones(without_emails)]
    found += [without_emails[a:b] for a, b in names.spans(without_emails)]
    return list(dict.fromkeys(found))


def scrub_markdown(text: str | None, names: NameIndex) -> str:
    """A Markdown text scrubbed; when its markup still hides something from `scrub`, its rendered words
    instead (scrubbed, without their formatting)."""
    scrubbed = scrub(text, names)
    if scrubbed and findings(plain_text(scrubbed), names):
        return scrub(plain_text(text), names)
    return scrubbed


def scrub(text: str | None, names: NameIndex) -> str:
    """The text with every e-mail address, phone number and known person's name replaced by a mark."""
    if not text:
        return ""
    text = EMAIL_RE.sub(lambda m: _("[e-mail address removed]"), text)
    text = PHONE_RE.sub(lambda m: _("[phone number removed]") if _digits(m.group()) >= 9 else m.group(), text)
    spans = names.spans(text)
    if spans:
        mark = _("[name removed]")
        pieces, last = [], 0
        for start, end in spans:
            pieces += [text[last:start], mark]
            last = end
        pieces.append(text[last:])
        text = "".join(pieces)
    return text
