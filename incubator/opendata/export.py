"""The downloads of the catalogue: CSV and JSON of the published fields, and their documentation.

FIELDS is the allow-list of what a download holds, in column order; the catalogue page documents
it and the JSON repeats it in its metadata. The CSV is UTF-8 with a byte-order mark and `;` between
cells (what a spreadsheet set up in French expects), one line per project; a cell that a spreadsheet
would take for a formula (= + - @, a tab or a carriage return first) starts with an apostrophe. Texts
and labels are written in French, the data's language, whatever the visitor's.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..clock import utcnow
from .catalogue import PublicProject, iter_published

LICENCE = "Licence Ouverte / Etalab 2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
CSV_SEPARATOR = ";"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # integer, text, markdown, date, code, list
    description: object  # a lazy string


FIELDS = (
    Field("id", "integer", _l("The project's number in the catalogue.")),
    Field("url", "text", _l("The project's page in the public catalogue.")),
    Field("title", "text", _l("The project's title.")),
    Field("summary", "markdown", _l("What the project is about, written for the public by the programme team "
                                    "(Markdown).")),
    Field("theme", "code", _l("The theme's code, empty if none.")),
    Field("theme_label", "text", _l("The theme, in words.")),
    Field("state", "code", _l("The project's stage, as a code of its workflow.")),
    Field("state_label", "text", _l("The project's stage, in words.")),
    Field("outcome", "text", _l("How the project ended (integrated, scaled, spun off, abandoned...), once it "
                                "has; empty while it goes on.")),
    Field("taken_over_by", "text", _l("The service or organisation that carries the project on after its "
                                      "outcome.")),
    Field("programme", "text", _l("The intrapreneurship programme.")),
    Field("organisation", "text", _l("The local government that runs the programme.")),
    Field("call", "text", _l("The call for proposals (the promotion) the project answered.")),
    Field("service", "text", _l("The service (department) that carried the proposal.")),
    Field("submitted_on", "date", _l("The day the proposal was submitted (YYYY-MM-DD).")),
    Field("started_on", "date", _l("The day the incubation started, if it did.")),
    Field("outcome_on", "date", _l("The day of the outcome, if any.")),
    Field("published_on", "date", _l("The day the programme published the project.")),
    Field("team_size", "integer", _l("How many agents are on the team.")),
    Field("named_members", "list", _l("The names of the team members who agreed to be named; the others are "
                                      "counted, never named.")),
    Field("iterations", "integer", _l("How many test-and-learn iterations the team recorded.")),
    Field("validations", "integer", _l("How many user validations (interviews, tests, surveys) were recorded.")),
    Field("users_consulted", "integer", _l("How many users took part in those validations, in total.")),
    Field("indicators", "list", _l("The impact indicators, each with its latest value, unit, date and target.")),
)

# Never in the catalogue, whatever a field's name might suggest: listed on the catalogue page.
NEVER = (
    _l("e-mail addresses and phone numbers, even typed inside a text (they are removed);"),
    _l("the names of team members who did not agree, and those of coaches, jury members and the programme "
       "team (removed from texts too);"),
    _l("the team's own texts (problem, proposal, answers to the questionnaire), comments and reasons for "
       "decisions, weekly logs, iterations' contents, jury scores and files."),
)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _number(value: float | None):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def as_json(p: PublicProject) -> dict:
    """One project as the JSON download writes it; keys in FIELDS order."""
    return {
        "id": p.id,
        "url": url_for("opendata.project", project_id=p.id, _external=True),
        "title": p.title,
        "summary": p.summary,
        "theme": p.theme or None,
        "theme_label": p.theme_label or None,
        "state": p.state,
        "state_label": p.state_label,
        "outcome": p.outcome or None,
        "taken_over_by": p.taken_over_by or None,
        "programme": p.programme,
        "organisation": p.organisation or None,
        "call": p.call_title,
        "service": p.service or None,
        "submitted_on": _iso(p.submitted_on),
        "started_on": _iso(p.started_on),
        "outcome_on": _iso(p.outcome_on),
        "published_on": _iso(p.published_on),
        "team_size": p.team_size,
        "named_members": list(p.named_members),
        "iterations": p.iterations,
        "validations": p.validations,
        "users_consulted": p.users_consulted,
        "indicators": [{"name": i.name, "value": _number(i.value), "unit": i.unit or None,
                        "measured_on": _iso(i.measured_on), "target": _number(i.target)}
                       for i in p.indicators],
    }


def _indicator_text(i: dict) -> str:
    text = f"{i['name']} : {i['value']}"
    if i["unit"]:
        text += f" {i['unit']}"
    text += f" ({i['measured_on']}"
    if i["target"] is not None:
        text += f", objectif {i['target']}"
    return text + ")"


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def as_csv_row(p: PublicProject) -> list[str]:
    data = as_json(p)
    data["named_members"] = ", ".join(data["named_members"])
    data["indicators"] = " | ".join(_indicator_text(i) for i in data["indicators"])
    return [safe_cell(data[f.name]) for f in FIELDS]


def csv_document() -> str:
    """The whole CSV, with its byte-order mark."""
    with force_locale("fr"):
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
        writer.writerow([f.name for f in FIELDS])
        for project in iter_published():
            writer.writerow(as_csv_row(project))
        return out.getvalue()


def metadata(count: int) -> dict:
    return {
        "title": str(_l("Published intrapreneurship projects")),
        "description": str(_l("The projects the intrapreneurship programme chose to publish. No personal data: "
                              "only the team members who agreed are named.")),
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "source": url_for("opendata.catalogue", _external=True),
        "generated_at": utcnow().replace(microsecond=0).isoformat(),
        "count": count,
        "fields": [{"name": f.name, "type": f.kind, "description": str(f.description)} for f in FIELDS],
    }


def json_document() -> str:
    with force_locale("fr"):
        projects = [as_json(p) for p in iter_published()]
        document = {"metadata": metadata(len(projects)), "projects": projects}
        return json.dumps(document, ensure_ascii=False, indent=1)
