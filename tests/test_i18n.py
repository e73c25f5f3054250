"""French first: every UI string has a French translation; pages are French by default."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]


def extracted_msgids() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "incubator"), method_map=METHODS, keywords=KEYWORDS,
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_french_catalogue_is_complete():
    with open(ROOT / "incubator/translations/fr/LC_MESSAGES/messages.po", "rb") as fh:
        catalogue = read_po(fh, locale="fr")
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue if m.id}
    missing = sorted(i for i in extracted_msgids() if i not in translated or not translated[i].string
                     or translated[i].fuzzy)
    assert not missing, f"{len(missing)} UI strings lack a French translation: {missing[:20]}"


def test_pages_are_french_by_default_and_english_on_request(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="fr"' in page
    assert "Mot de passe" in page
    from tests.conftest import extract_csrf

    client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": extract_csrf(page)})
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Password" in page
