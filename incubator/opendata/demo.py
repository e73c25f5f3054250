"""The demo's open data: four projects of the Pau programme published, one team member named."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..clock import aware, utcnow
from ..extensions import db
from ..models import Call, Programme, Project, User
from .operations import publish_project, set_name_consent

# The programme opened its catalogue once its first outcomes were known.
PUBLISHED_AT = datetime(2021, 6, 15, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))

# (title, theme, summary written for the public): what the demo's programme team published.
PUBLICATIONS = (
    ("Pau Partage", "solidarity",
     "Des personnes âgées vivent isolées chez elles alors que des habitants de leur quartier sont prêts à "
     "donner un peu de leur temps. **Pau Partage** les met en relation avec des bénévoles du voisinage.\n\n"
     "L'équipe a d'abord vérifié avec les personnes concernées qu'elles acceptaient d'être accompagnées par "
     "quelqu'un d'autre qu'un agent de la Ville, et quelle compagnie elles souhaitaient : visite, promenade, "
     "courses ou appel. Les premiers binômes ont fonctionné dès que la personne pouvait choisir.\n\n"
     "Le service est intégré au pôle Seniors du CCAS de la Ville de Pau."),
    ("Poubelle Battle", "environment",
     "70 % des déchets jetés dans les bacs des immeubles collectifs sont compostables.\n\n"
     "L'équipe a d'abord imaginé un concours entre quartiers. Testé avec les habitants, il ne les a pas "
     "convaincus : ils demandaient une aide concrète pour composter. Le projet a pivoté vers une plateforme "
     "d'échange entre habitants, financée par un fonds d'accélération de l'État.\n\n"
     "La plateforme est en service et se duplique dans d'autres quartiers et d'autres collectivités."),
    ("Histologe", "housing",
     "Un « contrôle technique » gratuit du logement pour repérer tôt les logements qui se dégradent : "
     "chaque logement reçoit une note d'habitabilité, et les situations à risque sont orientées vers le bon "
     "professionnel avant qu'elles ne s'aggravent.\n\n"
     "Testé avec des habitants et des professionnels du logement : 115 situations en cours de résolution. "
     "Le projet a été distingué par un prix ; d'autres territoires l'adoptent."),
    ("Simone & Co", "health",
     "Des kits de protections périodiques distribués gratuitement et discrètement par des points identifiés "
     "(CCAS, maisons de quartier, associations, établissements scolaires), contre la précarité menstruelle.\n\n"
     "Plus de 1 000 kits commandés en un mois par les points de distribution. Une association fondée par la "
     "porteuse du projet le fait désormais vivre, en partenariat avec la Ville."),
)
# The member who agreed to be named: the demo's agent account, on the Histologe team.
NAMED = ("Histologe", "agent")


def load_demo_publications(now: datetime | None = None) -> list[Project]:
    """Publish the demo's projects and record one member's consent; flushes, the caller commits.

    Idempotent: a project the programme team already published, or wrote a summary for (and maybe
    unpublished since), is left as it is; so is the consent of its members.
    """
    from ..demo import DEMO_DOMAIN, PROGRAMME

    at = min(PUBLISHED_AT, aware(now or utcnow()))
    staff = _user(f"staff@{DEMO_DOMAIN}")
    if staff is None:
        return []
    titles = [title for title, _theme, _summary in PUBLICATIONS]
    projects = {p.title: p for p in db.session.scalars(
        select(Project).join(Call, Project.call_id == Call.id).join(Programme, Call.programme_id == Programme.id)
        .where(Programme.name == PROGRAMME, Project.title.in_(titles)))}
    published = []
    for title, theme, summary in PUBLICATIONS:
        project = projects.get(title)
        if project is None or project.published_at is not None or project.public_summary:
            continue
        publish_project(project, staff, summary, at, theme=theme)
        published.append(project)
        if title == NAMED[0]:
            named = _user(f"{NAMED[1]}@{DEMO_DOMAIN}")
            member = next((m for m in project.members if named and m.user_id == named.id), None)
            if member is not None:
                set_name_consent(member, named, True)
    return published


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))
