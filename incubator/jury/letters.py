"""Mission letters: naming a selected project's mentor, the programme's letter template and filling it."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from string import Template

from babel.dates import format_date
from flask_babel import gettext as _

from ..errors import InvalidData
from ..extensions import db
from ..forms import local_zone
from ..markdown import render_markdown
from ..models import Programme, Project, User
from ..workflows import get_definition
from .models import PitchSession, PitchSlot

MENTOR_ROLES = ("jury", "staff")
TEMPLATE_MAX_LENGTH = 50_000

# Every ${placeholder} a template may use; their description is shown on the template's edit page.
PLACEHOLDERS = (
    "project_title", "team", "team_names", "mentor_name", "mentor_title", "problem", "proposal",
    "decision_date", "rationale", "call_title", "programme_name", "organisation", "session_date",
    "chair_name", "letter_date",
)


def placeholder_help() -> list[tuple[str, str]]:
    return [
        ("project_title", _("The project's title.")),
        ("team", _("The team, one agent per line: name, title, service (a list).")),
        ("team_names", _("The team's names on one line, separated by commas.")),
        ("mentor_name", _("The mentor's name.")),
        ("mentor_title", _("The mentor's title (for instance: deputy director general).")),
        ("problem", _("The field problem, as the team wrote it.")),
        ("proposal", _("The team's proposal.")),
        ("decision_date", _("The date of the jury's decision.")),
        ("rationale", _("The rationale of the jury's decision.")),
        ("call_title", _("The title of the call for proposals.")),
        ("programme_name", _("The programme's name.")),
        ("organisation", _("The organisation running the programme (for instance: City of Pau).")),
        ("session_date", _("The date of the pitch session.")),
        ("chair_name", _("The name of the jury's chair.")),
        ("letter_date", _("The date the letter is printed.")),
    ]


# The letter a programme gets until it writes its own: French, since the letter is an official
# document of a French local government, whatever language the page is read in.
DEFAULT_MISSION_LETTER = """\
**${organisation}**

${programme_name}

Le ${letter_date}

À l'attention de **${mentor_name}**<br>${mentor_title}

**Objet : lettre de mission. Mentorat du projet « ${project_title} »**

Madame, Monsieur,

Réuni le ${session_date} dans le cadre de l'appel à projets « ${call_title} », le jury du \
programme a retenu, par une décision du ${decision_date}, le projet « ${project_title} » porté \
par des agents de notre collectivité. Par la présente lettre, nous vous confions la mission \
d'accompagner ce projet en qualité de mentor pendant sa pré-incubation.

## Le projet

### Le problème constaté sur le terrain

${problem}

### La proposition de l'équipe

${proposal}

### L'équipe projet

${team}

### La décision du jury

Décision du ${decision_date}. Motivation du jury :

${rationale}

## Votre mission de mentor

- Vous êtes le sponsor du projet auprès de la direction générale et des directions concernées : \
vous levez les obstacles que l'équipe ne peut lever seule (accès aux usagers, aux données, aux \
services, aux moyens nécessaires aux tests).
- Vous veillez, avec la hiérarchie de chaque agent, à ce que le temps consacré au projet soit \
effectivement dégagé.
- Vous rencontrez l'équipe au moins une fois par mois et vous participez à la revue de fin de \
pré-incubation.
- Vous respectez la démarche : le problème compte plus que la première solution, il n'y a pas de \
cahier des charges préalable, et ce sont les usagers qui valident la solution, ou non.

## Les engagements du programme

1. **Une pré-incubation de 3 mois**, qui débute au lancement du projet par l'équipe du programme.
2. **Un jour par semaine** consacré au projet par chaque agent de l'équipe, dégagé de ses \
missions habituelles avec l'accord de sa hiérarchie.
3. **Un accompagnement** par l'équipe du programme et ses coachs : ateliers, points réguliers, \
journal de bord hebdomadaire des tests menés avec les usagers.
4. **Une revue à l'issue des 3 mois** : au vu de ce que les tests ont montré, le jury décide de \
la suite (passage en mode startup pour au moins 6 mois, nouvelle itération, pause ou arrêt).

Nous vous remercions de votre engagement aux côtés de l'équipe.

## Signatures

| Pour ${organisation} | Le mentor | L'équipe projet |
|---|---|---|
| ${chair_name}, président(e) du jury | ${mentor_name} | ${team_names} |
"""


def mission_letter_template(programme: Programme) -> str:
    """The programme's template, or the default letter when it has not written one."""
    return (programme.mission_letter_template or "").strip() or DEFAULT_MISSION_LETTER


def unknown_placeholders(template: str) -> list[str]:
    return sorted(set(Template(template).get_identifiers()) - set(PLACEHOLDERS))


def save_mission_letter_template(programme: Programme, text: str) -> None:
    """Keep the programme's letter template; empty (or the default itself) means the default letter."""
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > TEMPLATE_MAX_LENGTH:
        raise InvalidData({"template": _("The template is too long.")})
    unknown = unknown_placeholders(text)
    if unknown:
        raise InvalidData({"template": _("Unknown placeholder(s): %(names)s.",
                                         names=", ".join(f"${{{n}}}" for n in unknown))})
    programme.mission_letter_template = "" if text == DEFAULT_MISSION_LETTER.strip() else text
    db.session.flush()


def is_selection(slot: PitchSlot) -> bool:
    """A decision that lets the project go on (select, launch): the workflow's primary-toned jury event."""
    if not slot.decision:
        return False
    event = get_definition(slot.project.workflow).events.get(slot.decision)
    return event is not None and event.jury_decision and event.tone == "primary"


def decision_label(slot: PitchSlot, locale: str) -> str:
    event = get_definition(slot.project.workflow).events.get(slot.decision or "")
    return event.label(locale) if event else (slot.decision or "")


def mentor_candidates() -> list[User]:
    """Senior people who may mentor a project: active accounts of the jury or the programme team."""
    from ..models import UserRole

    return list(db.session.scalars(
        db.select(User).where(User.is_active_account, User.role_rows.any(UserRole.role.in_(MENTOR_ROLES)))
        .order_by(User.name, User.id)))


def assign_mentor(project: Project, mentor: User | None) -> Project:
    """Name the senior manager who sponsors a selected project (Nantes: a deputy director general)."""
    if mentor is None or not mentor.is_active_account or not mentor.has_role(*MENTOR_ROLES):
        raise InvalidData({"mentor": _("The mentor must be a member of the jury or of the programme team.")})
    if project.has_member(mentor):
        raise InvalidData({"mentor": _("%(name)s is on the project's team.", name=mentor.display_name)})
    project.mentor = mentor
    db.session.flush()
    return project


# --- Filling the template -------------------------------------------------------------------------

_BLOCK_END = re.compile(r"</(p|li|h[1-6]|blockquote|pre|tr|dd|dt)>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")


def markdown_to_text(text: str) -> str:
    """What a reader sees of some user Markdown, as plain text: one line per paragraph or list item."""
    rendered = str(render_markdown(text))
    rendered = re.sub(r"<li>", "– ", rendered, flags=re.I)
    rendered = _BLOCK_END.sub("\n", rendered)
    plain = html.unescape(_TAG.sub("", rendered))
    lines = [line.strip() for line in plain.splitlines()]
    return "\n".join(line for line in lines if line)


def escape_inline(value: str) -> str:
    """A value that Markdown and HTML take literally: every ASCII punctuation mark becomes an entity.

    Backslash escapes do not cover every character that means something (`=`, `<`, `|`...);
    numeric entities do, and the rendered text reads the same.
    """
    value = " ".join((value or "").split())
    return "".join(f"&#{ord(c)};" if (c.isascii() and not c.isalnum() and c != " ") else c for c in value)


def escape_lines(value: str) -> str:
    """A multi-line value: each line escaped, kept on its own line (a hard break), never indented."""
    lines = [escape_inline(line) for line in (value or "").splitlines() if line.strip()]
    return "  \n".join(lines)


@dataclass
class LetterData:
    project_title: str
    team: list[tuple[str, str, str]]  # name, title, service
    mentor_name: str
    mentor_title: str
    problem: str
    proposal: str
    decision_date: datetime | None
    rationale: str
    call_title: str
    programme_name: str
    organisation: str
    session_date: datetime | None
    chair_name: str
    letter_date: datetime


def _french_date(value: datetime | None) -> str:
    if value is None:
        return "(date à préciser)"
    return format_date(value.astimezone(local_zone()), format="long", locale="fr_FR")


def fill_template(template: str, data: LetterData) -> str:
    """The template's Markdown with every placeholder replaced by an escaped value."""
    team = "\n".join(
        "- " + ", ".join(escape_inline(part) for part in member if part) for member in data.team
    ) or escape_inline("(équipe à préciser)")
    values = {
        "project_title": escape_inline(data.project_title),
        "team": team,
        "team_names": escape_inline(", ".join(m[0] for m in data.team)),
        "mentor_name": escape_inline(data.mentor_name or "(mentor à désigner)"),
        "mentor_title": escape_inline(data.mentor_title),
        "problem": escape_lines(markdown_to_text(data.problem)) or escape_inline("(non renseigné)"),
        "proposal": escape_lines(markdown_to_text(data.proposal)) or escape_inline("(non renseignée)"),
        "decision_date": escape_inline(_french_date(data.decision_date)),
        "rationale": escape_lines(markdown_to_text(data.rationale)) or escape_inline("(non renseignée)"),
        "call_title": escape_inline(data.call_title),
        "programme_name": escape_inline(data.programme_name),
        "organisation": escape_inline(data.organisation),
        "session_date": escape_inline(_french_date(data.session_date)),
        "chair_name": escape_inline(data.chair_name or "(à préciser)"),
        "letter_date": escape_inline(_french_date(data.letter_date)),
    }
    return Template(template).safe_substitute(values)


def letter_data(programme: Programme, session: PitchSession, project: Project, at: datetime) -> LetterData:
    slot = next((s for s in session.slots if s.project_id == project.id), None)
    chair = next((j for j in session.jurors if j.is_chair and not j.absent), None)
    mentor = project.mentor
    return LetterData(
        project_title=project.title,
        team=[(m.user.display_name, m.user.title, m.user.service) for m in project.members],
        mentor_name=mentor.display_name if mentor else "",
        mentor_title=mentor.title if mentor else "",
        problem=project.problem,
        proposal=project.proposal,
        decision_date=slot.decided_at if slot else None,
        rationale=slot.rationale if slot else "",
        call_title=session.call.title,
        programme_name=programme.name,
        organisation=programme.organisation or programme.name,
        session_date=session.starts_at,
        chair_name=chair.user.display_name if chair else "",
        letter_date=at,
    )


def render_mission_letter(programme: Programme, session: PitchSession, project: Project,
                          at: datetime | None = None, template: str | None = None):
    """The mission letter as safe HTML: the programme's template (or `template`) filled with the project."""
    from ..clock import utcnow

    data = letter_data(programme, session, project, at or utcnow())
    return render_markdown(fill_template(template if template is not None else mission_letter_template(programme),
                                         data))


def sample_letter_data(programme: Programme, at: datetime) -> LetterData:
    """Plausible values for the template's preview, clearly an example."""
    return LetterData(
        project_title="Projet d'exemple : des bancs pour souffler",
        team=[("Camille Exemple", "Agente de maîtrise", "Direction de la Voirie"),
              ("Karim Exemple", "Animateur seniors", "Direction de la Solidarité")],
        mentor_name="Dominique Exemple",
        mentor_title="Directeur général adjoint",
        problem="Les personnes âgées renoncent à certains trajets à pied faute de pouvoir s'asseoir en chemin.",
        proposal="Tester avec les habitants l'emplacement de bancs provisoires sur trois itinéraires.",
        decision_date=at,
        rationale="Un problème bien documenté, une équipe complémentaire, un test peu coûteux.",
        call_title="Appel à projets (exemple)",
        programme_name=programme.name,
        organisation=programme.organisation or programme.name,
        session_date=at,
        chair_name="Isabelle Exemple",
        letter_date=at,
    )


def preview_mission_letter(programme: Programme, template: str, at: datetime):
    return render_markdown(fill_template(template.strip() or DEFAULT_MISSION_LETTER,
                                         sample_letter_data(programme, at)))
